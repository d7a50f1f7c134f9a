/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "mt-context.h"
#include "mt-map.h"

G_BEGIN_DECLS

#define MT_TYPE_POSITION_PICKER (mt_position_picker_get_type ())
G_DECLARE_FINAL_TYPE (MtPositionPicker, mt_position_picker, MT, POSITION_PICKER, GtkBox)

/* A pin on the map for a place (a store's): click the map to put it there, or drag it, or find
 * the place with 地图搜索 above it (shipped regions and the account's stores as it is typed, the
 * geocoder_url setting's geocoder on Enter). Positions are WGS-84; "changed" when the user moves
 * the pin. */
MtPositionPicker *mt_position_picker_new          (MtContext        *context);
/* Shows the pin at @p (and brings it into view), or no pin when @has is FALSE */
void              mt_position_picker_set_position (MtPositionPicker *self,
                                                   gboolean          has,
                                                   MtGeoPoint        p);
gboolean          mt_position_picker_get_position (MtPositionPicker *self,
                                                   MtGeoPoint       *p);
MtMap            *mt_position_picker_get_map      (MtPositionPicker *self);
/* The user's gestures at widget coordinates of the map (for tests, through the same code) */
void              mt_position_picker_click        (MtPositionPicker *self,
                                                   double            x,
                                                   double            y);
gboolean          mt_position_picker_drag         (MtPositionPicker *self,
                                                   double            from_x,
                                                   double            from_y,
                                                   double            to_x,
                                                   double            to_y);

/* For tests: what the search found (the rows' titles), what it says besides, whether the
 * geocoder is being asked; picker.choose (i) goes to a row, picker.search-online asks */
guint             mt_position_picker_get_n_results (MtPositionPicker *self);
const char       *mt_position_picker_get_result   (MtPositionPicker *self,
                                                   guint             i);
const char       *mt_position_picker_get_status   (MtPositionPicker *self);
gboolean          mt_position_picker_is_asking    (MtPositionPicker *self);

G_END_DECLS
