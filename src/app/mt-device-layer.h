/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <shumate/shumate.h>

#include "mt-reads.h"

G_BEGIN_DECLS

/* What a device's marker says, in the order a cluster's colour prefers them: the kinds of the
 * core's places */
typedef enum
{
  MT_MAP_READY = MT_PLACE_READY,
  MT_MAP_RENTED = MT_PLACE_RENTED,
  MT_MAP_REPAIR = MT_PLACE_REPAIR,
  MT_MAP_OFFLINE = MT_PLACE_OFFLINE,
  MT_MAP_ALARM = MT_PLACE_ALARM,
  MT_MAP_N_KINDS = MT_PLACE_N_KINDS
} MtMapKind;

typedef struct
{
  gint64 id;
  double lat;    /* as displayed (GCJ-02 on such tiles) */
  double lng;
  guint8 kind;   /* MtMapKind */
} MtMapPoint;

#define MT_TYPE_DEVICE_LAYER (mt_device_layer_get_type ())
G_DECLARE_FINAL_TYPE (MtDeviceLayer, mt_device_layer, MT, DEVICE_LAYER, ShumateLayer)

/* Every device of a fleet in one layer, drawn in one pass (not a widget per device), grouped
 * into counted clusters on a screen grid below street zoom. A click on a cluster zooms into it;
 * a click on a device selects it ("device-activated"). */
MtDeviceLayer *mt_device_layer_new          (ShumateViewport  *viewport);
void           mt_device_layer_set_points   (MtDeviceLayer    *self,
                                             const MtMapPoint *points,
                                             guint             n_points);
guint          mt_device_layer_get_n_points (MtDeviceLayer    *self);
/* A device moved or changed state (@kind < 0: unchanged); drawn with the next frame, the
 * clusters rebuilt at most once a second for it. FALSE when the layer does not hold it. */
gboolean       mt_device_layer_move         (MtDeviceLayer    *self,
                                             gint64            id,
                                             double            lat,
                                             double            lng,
                                             int               kind);
gboolean       mt_device_layer_get_point    (MtDeviceLayer    *self,
                                             gint64            id,
                                             MtMapPoint       *point);
void           mt_device_layer_set_selected (MtDeviceLayer    *self,
                                             gint64            id);
gint64         mt_device_layer_get_selected (MtDeviceLayer    *self);

/* What the last frame drew: clusters of several devices, and single devices */
void           mt_device_layer_get_drawn    (MtDeviceLayer    *self,
                                             guint            *clusters,
                                             guint            *singles);
/* The biggest cluster drawn, its widget position and count; FALSE when none */
gboolean       mt_device_layer_find_cluster (MtDeviceLayer    *self,
                                             double           *x,
                                             double           *y,
                                             guint            *count);
/* A click at widget coordinates, as the user's */
gboolean       mt_device_layer_click        (MtDeviceLayer    *self,
                                             double            x,
                                             double            y);
/* Builds the clusters of the present zoom now; returns how long it took, in ms */
double         mt_device_layer_rebuild      (MtDeviceLayer    *self);
/* Up to @max ids of the devices in view (for asking the server about them) */
GArray        *mt_device_layer_get_visible_ids (MtDeviceLayer *self,
                                                guint          max);

G_END_DECLS
