/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Geofences (电子围栏): their geometry as GeoJSON (docs/geofences.md), the side of a fence a
 * battery is on, and assigning fences to devices. */
#pragma once

#include <glib.h>

#include "mt-database.h"
#include "mt-geo.h"
#include "mt-perm.h"

G_BEGIN_DECLS

#define MT_FENCE_MAX_CORNERS   1000
#define MT_FENCE_MAX_HOLES     20
#define MT_FENCE_MIN_RADIUS_M  50
#define MT_FENCE_MAX_RADIUS_M  500000
/* How far past the border a battery must be before it counts as on the other side: GPS fixes
 * wander by tens of metres, and a battery parked on the border must not flap */
#define MT_FENCE_MARGIN_M      50.0

typedef enum
{
  MT_FENCE_POLYGON,
  MT_FENCE_CIRCLE,
} MtFenceShape;

typedef struct
{
  MtFenceShape  shape;
  /* circle */
  MtGeoPoint    center;
  double        radius_m;
  /* polygon: rings[0] the outline, the others holes; not closed (the last corner is not the
   * first again) */
  guint         n_rings;
  MtGeoPoint  **rings;
  guint        *sizes;
  /* bounds, for a quick "far outside" */
  double        south, west, north, east;
} MtFence;

/* Reads a fence: a GeoJSON Feature whose geometry is a Polygon (rings of [lng, lat], WGS-84),
 * or a Point with properties.radius_m (a circle). The message of an error names the problem,
 * translated. */
MtFence    *mt_fence_parse           (const char     *geojson,
                                      GError        **error);
MtFence    *mt_fence_new_circle      (MtGeoPoint      center,
                                      double          radius_m);
/* A polygon of one ring */
MtFence    *mt_fence_new_polygon     (const MtGeoPoint *corners,
                                      guint           n_corners);
MtFence    *mt_fence_copy            (const MtFence  *fence);
void        mt_fence_free            (MtFence        *fence);
/* Checks what mt_fence_parse() checks, for a fence built in code (the editor's) */
gboolean    mt_fence_validate        (const MtFence  *fence,
                                      GError        **error);
/* The canonical GeoJSON (rings closed, 7 decimals: about a centimetre) */
char       *mt_fence_to_geojson      (const MtFence  *fence);
const char *mt_fence_shape_name      (MtFenceShape    shape);

/* Metres from @p to the fence's border: negative inside */
double      mt_fence_signed_distance (const MtFence  *fence,
                                      MtGeoPoint      p);
/* The side of @fence a battery at @p is on, with the hysteresis margin, given the side it was
 * on before */
MtGeoSide   mt_fence_side            (const MtFence  *fence,
                                      MtGeoSide       previous,
                                      MtGeoPoint      p);

/* Assigns the fence to the devices @ids, and to all devices of @store_id when it is not 0
 * (permission geofences:edit; the fence and every device in the actor's scope, or nothing is
 * written). Returns how many devices were newly assigned; -1 on error. */
gint64      mt_fence_assign          (MtDb           *db,
                                      const MtActor  *actor,
                                      gint64          fence_id,
                                      const gint64   *ids,
                                      guint           n_ids,
                                      gint64          store_id,
                                      GError        **error);
/* Takes the fence off the devices @ids (all of its devices when @n_ids is 0) */
gint64      mt_fence_unassign        (MtDb           *db,
                                      const MtActor  *actor,
                                      gint64          fence_id,
                                      const gint64   *ids,
                                      guint           n_ids,
                                      GError        **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MtFence, mt_fence_free)

G_END_DECLS
