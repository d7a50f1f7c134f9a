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
/* Its tiles' address answering 503 to every tile: a tile server that is down */
const char   *mt_tile_server_get_down_url (MtTileServer *server);
/* A Nominatim-style search on it ("…/search?format=jsonv2&q={q}"): "西湖…" finds two good places
 * among hostile entries, "garbage" is not JSON, "error" is a 503, anything else nothing */
const char   *mt_tile_server_get_geocoder_url (MtTileServer *server);
guint         mt_tile_server_get_searches (MtTileServer *server);
/* Tiles served so far */
guint         mt_tile_server_get_count (MtTileServer *server);
void          mt_tile_server_stop      (MtTileServer *server);

G_END_DECLS
