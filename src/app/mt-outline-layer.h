/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <shumate/shumate.h>

G_BEGIN_DECLS

#define MT_TYPE_OUTLINE_LAYER (mt_outline_layer_get_type ())
G_DECLARE_FINAL_TYPE (MtOutlineLayer, mt_outline_layer, MT, OUTLINE_LAYER, ShumateLayer)

/* China's provinces drawn from the shipped outline (mt_china_outline()) under everything else,
 * with their names: the map when no tile can be fetched. @gcj02: shifted as the tiles would be. */
ShumateLayer *mt_outline_layer_new        (ShumateViewport *viewport,
                                           gboolean         gcj02);
/* For tests: the provinces drawn at the last frame */
guint         mt_outline_layer_get_drawn  (MtOutlineLayer  *self);

G_END_DECLS
