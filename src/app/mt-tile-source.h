/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <shumate/shumate.h>

G_BEGIN_DECLS

#define MT_TYPE_TILE_SOURCE (mt_tile_source_get_type ())
G_DECLARE_FINAL_TYPE (MtTileSource, mt_tile_source, MT, TILE_SOURCE, ShumateDataSource)

/*
 * Map tiles from an XYZ address (@url_template with {x} {y} {z}), kept on disk under
 * @cache_dir/Z/X/Y for a week. What is not a whole PNG, JPEG or WebP image is neither drawn nor
 * kept, and a tile reaches the disk whole or not at all.
 */
MtTileSource *mt_tile_source_new         (const char   *url_template,
                                          const char   *cache_dir,
                                          const char   *user_agent);
/* The file a tile is kept in */
/* The values {s} of the address takes, one character each ("1234"): a tile's is chosen by its
 * position */
void          mt_tile_source_set_servers (MtTileSource *self,
                                          const char   *servers);
char         *mt_tile_source_get_path    (MtTileSource *self,
                                          int           x,
                                          int           y,
                                          int           z);
/* Whether @bytes hold the start of an image the map can draw */
gboolean      mt_tile_bytes_look_valid   (GBytes       *bytes);

G_END_DECLS
