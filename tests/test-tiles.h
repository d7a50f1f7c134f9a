/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _MtTileServer MtTileServer;

/* Map tiles on a free loopback port, drawn on request (256 px PNGs: land colour, a grid and
 * the tile's z/x/y), so maps under test need no network. Runs on the thread's main context. */
MtTileServer *mt_tile_server_start     (void);
/* "http://127.0.0.1:PORT/{z}/{x}/{y}.png" */
const char   *mt_tile_server_get_url   (MtTileServer *server);
/* Tiles served so far */
guint         mt_tile_server_get_count (MtTileServer *server);
void          mt_tile_server_stop      (MtTileServer *server);

G_END_DECLS
