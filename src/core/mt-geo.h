/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Geometry of the maps (SPEC §3.9): distances on the sphere, fences, and China's GCJ-02 offset.
 * Positions are WGS-84 degrees unless a name says otherwise. */

typedef struct
{
  double lat;
  double lng;
} MtGeoPoint;

/* Great-circle distance in metres (haversine, mean Earth radius 6,371,008.8 m) */
double   mt_geo_distance_m        (MtGeoPoint        a,
                                   MtGeoPoint        b);

/* The point @north_m metres north and @east_m metres east of @p, on the sphere of
 * mt_geo_distance_m() (flat within a few hundred kilometres) */
MtGeoPoint mt_geo_offset          (MtGeoPoint        p,
                                   double            north_m,
                                   double            east_m);

/* Whether @p lies in the polygon of @n_rings rings (the first the outline, the others holes),
 * each of @sizes[i] points, closed implicitly. A point on an edge or a vertex of the outline is
 * inside; on a hole's edge, outside of the hole (so inside the fence). */
gboolean mt_geo_polygon_contains  (const MtGeoPoint *const *rings,
                                   const guint      *sizes,
                                   guint             n_rings,
                                   MtGeoPoint        p);

/* Distance in metres from @p to the nearest edge of the rings (flat within a few kilometres:
 * an equirectangular projection around @p) */
double   mt_geo_rings_edge_m      (const MtGeoPoint *const *rings,
                                   const guint      *sizes,
                                   guint             n_rings,
                                   MtGeoPoint        p);

typedef enum
{
  MT_GEO_UNKNOWN = -1,
  MT_GEO_OUTSIDE = 0,
  MT_GEO_INSIDE = 1,
} MtGeoSide;

/* Which side of a fence a battery is on, with hysteresis: it changes side only once it is
 * @margin_m past the border; within the margin it stays where it was (@previous), so a battery
 * riding along the border does not flap. @signed_m is the point's distance to the border,
 * negative inside. MT_GEO_UNKNOWN (first fix) takes the plain side. */
MtGeoSide mt_geo_side_update      (MtGeoSide         previous,
                                   double            signed_m,
                                   double            margin_m);

/* China's GCJ-02 ("Mars") offset, for tile sources declared GCJ-02: outside China both are the
 * identity. The inverse iterates to below a millimetre. */
gboolean   mt_geo_in_china        (MtGeoPoint        p);
MtGeoPoint mt_geo_wgs84_to_gcj02  (MtGeoPoint        p);
MtGeoPoint mt_geo_gcj02_to_wgs84  (MtGeoPoint        p);

/* China's provinces as outlines (data/regions/china-outline.json, from DCW-GMT): what the maps
 * draw when no tile can be fetched, and where an offline place search goes */
typedef struct
{
  char        code[3];        /* GB/T 2260: "33" */
  char       *name;           /* "浙江省" */
  GPtrArray  *rings;          /* GArray of MtGeoPoint each, WGS-84 */
  double      south, west, north, east;
  MtGeoPoint  label;          /* where its name goes: the middle of its largest ring's bounds */
} MtProvinceOutline;

/* Loaded once for the process, never freed; NULL (and a warning) if the data is broken */
const GPtrArray *mt_china_outline          (void);
const MtProvinceOutline *mt_china_outline_province (const char *code);

G_END_DECLS
