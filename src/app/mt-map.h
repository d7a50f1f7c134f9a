/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <shumate/shumate.h>

#include "mt-database.h"
#include "mt-geo.h"

G_BEGIN_DECLS

#define MT_TYPE_MAP (mt_map_get_type ())
G_DECLARE_FINAL_TYPE (MtMap, mt_map, MT, MAP, GtkWidget)

/* A map on the tiles of the operator's settings (tile_url: OpenStreetMap, AutoNavi, Tianditu or
 * an address of one's own; mt_tile_choice_get()), with their attribution, cached on disk. When
 * no tile can be fetched (or a key is missing), China's provinces are drawn from the shipped
 * outline with a message saying why.
 * Positions in and out of the map's own API are WGS-84 unless a name says "display". */
MtMap           *mt_map_new              (MtDb        *db,
                                          gint64       operator_id);
ShumateMap      *mt_map_get_map          (MtMap       *self);
ShumateViewport *mt_map_get_viewport     (MtMap       *self);
void             mt_map_add_layer        (MtMap       *self,
                                          ShumateLayer *layer);
/* What the map says over the outline when its tiles cannot be had, or NULL */
const char      *mt_map_get_fallback_text (MtMap      *self);
/* The outline layer while it is shown, or NULL */
ShumateLayer    *mt_map_get_outline      (MtMap       *self);
/* Whether the tiles are in GCJ-02, so what is drawn is shifted from WGS-84 */
gboolean         mt_map_is_gcj02         (MtMap       *self);
MtGeoPoint       mt_map_to_display       (MtMap       *self,
                                          MtGeoPoint   wgs84);
MtGeoPoint       mt_map_from_display     (MtMap       *self,
                                          MtGeoPoint   display);
/* Centres on a WGS-84 position at @zoom (or the present zoom when negative) */
void             mt_map_go_to            (MtMap       *self,
                                          MtGeoPoint   wgs84,
                                          double       zoom);
/* Fits the WGS-84 bounds in view */
void             mt_map_fit              (MtMap       *self,
                                          double       south,
                                          double       west,
                                          double       north,
                                          double       east);
/* The position under widget coordinates of the map, in WGS-84 */
MtGeoPoint       mt_map_position_at      (MtMap       *self,
                                          double       x,
                                          double       y);

/* Web Mercator as libshumate draws it: a position to [0, 1) × [0, 1) of the world, and back */
void             mt_mercator_project     (MtGeoPoint   p,
                                          double      *x,
                                          double      *y);
MtGeoPoint       mt_mercator_unproject   (double       x,
                                          double       y);

/* The viewport's centre in world units and the pixels a world unit spans at its zoom */
void             mt_viewport_world       (ShumateViewport *viewport,
                                          double       *cx,
                                          double       *cy,
                                          double       *scale);
/* The pixels of a tile of the viewport's map source (256 when it has none yet) */
double           mt_viewport_tile_size   (ShumateViewport *viewport);
/* Redraws @layer whenever its viewport moves or zooms */
void             mt_layer_follow_view    (ShumateLayer *layer);

G_END_DECLS
