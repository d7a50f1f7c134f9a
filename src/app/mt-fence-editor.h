/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "mt-fences.h"
#include "mt-map.h"

G_BEGIN_DECLS

#define MT_TYPE_FENCE_EDITOR (mt_fence_editor_get_type ())
G_DECLARE_FINAL_TYPE (MtFenceEditor, mt_fence_editor, MT, FENCE_EDITOR, GtkBox)

/* Drawing a fence on the map: a polygon corner by corner (click to add one, drag to move it,
 * right-click to take it away) or a circle (click for the centre, drag the centre or the edge).
 * What it holds is the fence's GeoJSON (WGS-84), for the form's "geojson" field. */
MtFenceEditor *mt_fence_editor_new          (MtDb          *db,
                                             gint64         operator_id);
/* Shows a stored fence (and brings it into view); "" or NULL: nothing drawn yet */
void           mt_fence_editor_set_geojson  (MtFenceEditor *self,
                                             const char    *geojson);
/* The fence as drawn, even when not valid yet (the core says what is wrong when it is saved);
 * "" when nothing is drawn */
char          *mt_fence_editor_get_geojson  (MtFenceEditor *self);
void           mt_fence_editor_set_shape    (MtFenceEditor *self,
                                             MtFenceShape   shape);
MtMap         *mt_fence_editor_get_map      (MtFenceEditor *self);

/* The user's gestures, at widget coordinates of the map (for tests, through the same code) */
gboolean       mt_fence_editor_click        (MtFenceEditor *self,
                                             double         x,
                                             double         y,
                                             guint          button);
gboolean       mt_fence_editor_drag         (MtFenceEditor *self,
                                             double         from_x,
                                             double         from_y,
                                             double         to_x,
                                             double         to_y);

G_END_DECLS
