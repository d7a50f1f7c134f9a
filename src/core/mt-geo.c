/* SPDX-License-Identifier: GPL-3.0-or-later */

#include "config.h"

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "mt-geo.h"

#define EARTH_RADIUS_M 6371008.8
#define DEG            (G_PI / 180.0)

double
mt_geo_distance_m (MtGeoPoint a,
                   MtGeoPoint b)
{
  double dlat = (b.lat - a.lat) * DEG, dlng = (b.lng - a.lng) * DEG;
  double h = sin (dlat / 2) * sin (dlat / 2) + cos (a.lat * DEG) * cos (b.lat * DEG) * sin (dlng / 2) * sin (dlng / 2);

  return 2 * EARTH_RADIUS_M * asin (MIN (1.0, sqrt (h)));
}

MtGeoPoint
mt_geo_offset (MtGeoPoint p,
               double     north_m,
               double     east_m)
{
  MtGeoPoint q = { p.lat + north_m / (EARTH_RADIUS_M * DEG),
                   p.lng + east_m / (EARTH_RADIUS_M * DEG * MAX (0.01, cos (p.lat * DEG))) };
  return q;
}

/* A ring's points in metres east and north of @origin */
static inline void
project (MtGeoPoint  origin,
         MtGeoPoint  p,
         double     *x,
         double     *y)
{
  *x = (p.lng - origin.lng) * DEG * EARTH_RADIUS_M * cos (origin.lat * DEG);
  *y = (p.lat - origin.lat) * DEG * EARTH_RADIUS_M;
}

/* Distance from the origin to the segment a–b, in the projected plane */
static double
segment_distance (double ax,
                  double ay,
                  double bx,
                  double by)
{
  double dx = bx - ax, dy = by - ay;
  double len2 = dx * dx + dy * dy;
  double t = len2 > 0 ? CLAMP (-(ax * dx + ay * dy) / len2, 0.0, 1.0) : 0.0;
  double px = ax + t * dx, py = ay + t * dy;

  return sqrt (px * px + py * py);
}

double
mt_geo_rings_edge_m (const MtGeoPoint *const *rings,
                     const guint      *sizes,
                     guint             n_rings,
                     MtGeoPoint        p)
{
  double best = G_MAXDOUBLE;

  for (guint r = 0; r < n_rings; r++)
    for (guint i = 0; i < sizes[r]; i++)
      {
        double ax, ay, bx, by;

        project (p, rings[r][i], &ax, &ay);
        project (p, rings[r][(i + 1) % sizes[r]], &bx, &by);
        best = MIN (best, segment_distance (ax, ay, bx, by));
      }
  return best;
}

/* Even-odd crossing count of one ring; @on_edge set when @p lies on it (within a millimetre) */
static gboolean
ring_contains (const MtGeoPoint *ring,
               guint             n,
               MtGeoPoint        p,
               gboolean         *on_edge)
{
  gboolean inside = FALSE;

  *on_edge = n > 1 && mt_geo_rings_edge_m (&ring, &n, 1, p) < 0.001;
  for (guint i = 0, j = n - 1; i < n; j = i++)
    {
      MtGeoPoint a = ring[i], b = ring[j];

      if ((a.lat > p.lat) != (b.lat > p.lat) &&
          p.lng < (b.lng - a.lng) * (p.lat - a.lat) / (b.lat - a.lat) + a.lng)
        inside = !inside;
    }
  return inside;
}

gboolean
mt_geo_polygon_contains (const MtGeoPoint *const *rings,
                         const guint      *sizes,
                         guint             n_rings,
                         MtGeoPoint        p)
{
  gboolean on_edge;

  if (n_rings == 0 || sizes[0] < 3)
    return FALSE;
  if (!ring_contains (rings[0], sizes[0], p, &on_edge) && !on_edge)
    return FALSE;
  for (guint r = 1; r < n_rings; r++)
    if (sizes[r] >= 3 && ring_contains (rings[r], sizes[r], p, &on_edge) && !on_edge)
      return FALSE;   /* in a hole (its edge still belongs to the fence) */
  return TRUE;
}

MtGeoSide
mt_geo_side_update (MtGeoSide previous,
                    double    signed_m,
                    double    margin_m)
{
  if (previous == MT_GEO_UNKNOWN)
    return signed_m <= 0 ? MT_GEO_INSIDE : MT_GEO_OUTSIDE;
  if (previous == MT_GEO_INSIDE && signed_m > margin_m)
    return MT_GEO_OUTSIDE;
  if (previous == MT_GEO_OUTSIDE && signed_m < -margin_m)
    return MT_GEO_INSIDE;
  return previous;
}

/* ------------------------------------------------------------------ GCJ-02 */

/* The published GCJ-02 offset: the Krasovsky ellipsoid and two polynomial-and-sine series in
 * the position relative to (105° E, 35° N) */
#define KRASOVSKY_A  6378245.0
#define KRASOVSKY_EE 0.00669342162296594323

static double
series_lat (double x,
            double y)
{
  double r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sqrt (fabs (x));

  r += (20.0 * sin (6.0 * x * G_PI) + 20.0 * sin (2.0 * x * G_PI)) * 2.0 / 3.0;
  r += (20.0 * sin (y * G_PI) + 40.0 * sin (y / 3.0 * G_PI)) * 2.0 / 3.0;
  r += (160.0 * sin (y / 12.0 * G_PI) + 320.0 * sin (y * G_PI / 30.0)) * 2.0 / 3.0;
  return r;
}

static double
series_lng (double x,
            double y)
{
  double r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sqrt (fabs (x));

  r += (20.0 * sin (6.0 * x * G_PI) + 20.0 * sin (2.0 * x * G_PI)) * 2.0 / 3.0;
  r += (20.0 * sin (x * G_PI) + 40.0 * sin (x / 3.0 * G_PI)) * 2.0 / 3.0;
  r += (150.0 * sin (x / 12.0 * G_PI) + 300.0 * sin (x / 30.0 * G_PI)) * 2.0 / 3.0;
  return r;
}

gboolean
mt_geo_in_china (MtGeoPoint p)
{
  return p.lng >= 72.004 && p.lng <= 137.8347 && p.lat >= 0.8293 && p.lat <= 55.8271;
}

MtGeoPoint
mt_geo_wgs84_to_gcj02 (MtGeoPoint p)
{
  double dlat, dlng, rad, s, m, sm;
  MtGeoPoint out = p;

  if (!mt_geo_in_china (p))
    return out;
  dlat = series_lat (p.lng - 105.0, p.lat - 35.0);
  dlng = series_lng (p.lng - 105.0, p.lat - 35.0);
  rad = p.lat * DEG;
  s = sin (rad);
  m = 1 - KRASOVSKY_EE * s * s;
  sm = sqrt (m);
  out.lat = p.lat + dlat * 180.0 / ((KRASOVSKY_A * (1 - KRASOVSKY_EE)) / (m * sm) * G_PI);
  out.lng = p.lng + dlng * 180.0 / (KRASOVSKY_A / sm * cos (rad) * G_PI);
  return out;
}

/* The offset has no closed inverse: step back by the offset at the guess until the guess maps
 * onto @p (it changes slowly: a handful of steps reach 1e-9°, about 0.1 mm) */
MtGeoPoint
mt_geo_gcj02_to_wgs84 (MtGeoPoint p)
{
  MtGeoPoint guess = p;

  if (!mt_geo_in_china (p))
    return p;
  for (int i = 0; i < 30; i++)
    {
      MtGeoPoint there = mt_geo_wgs84_to_gcj02 (guess);
      double elat = there.lat - p.lat, elng = there.lng - p.lng;

      guess.lat -= elat;
      guess.lng -= elng;
      if (fabs (elat) < 1e-10 && fabs (elng) < 1e-10)
        break;
    }
  return guess;
}

/* ------------------------------------------------------------------ China's outline */

static GPtrArray *
outline_load (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = g_resources_lookup_data ("/com/mtxnyjs/Mingtang/core/china-outline.json",
                                                     G_RESOURCE_LOOKUP_FLAGS_NONE, &error);
  g_autoptr(JsonParser) parser = json_parser_new ();
  GPtrArray *provinces;
  JsonArray *list;

  if (bytes == NULL ||
      !json_parser_load_from_data (parser, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), &error))
    {
      g_warning ("China's outline cannot be read: %s", error->message);
      return NULL;
    }
  list = json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)), "provinces");
  provinces = g_ptr_array_new ();
  for (guint i = 0; list && i < json_array_get_length (list); i++)
    {
      JsonObject *o = json_array_get_object_element (list, i);
      JsonArray *rings = json_object_get_array_member (o, "rings");
      MtProvinceOutline *p = g_new0 (MtProvinceOutline, 1);
      double largest = -1;

      g_strlcpy (p->code, json_object_get_string_member (o, "code"), sizeof p->code);
      p->name = g_strdup (json_object_get_string_member (o, "name"));
      p->rings = g_ptr_array_new ();
      p->south = p->west = G_MAXDOUBLE;
      p->north = p->east = -G_MAXDOUBLE;
      for (guint r = 0; rings && r < json_array_get_length (rings); r++)
        {
          JsonArray *flat = json_array_get_array_element (rings, r);
          GArray *ring = g_array_sized_new (FALSE, FALSE, sizeof (MtGeoPoint), json_array_get_length (flat) / 2);
          double s = G_MAXDOUBLE, w = G_MAXDOUBLE, n = -G_MAXDOUBLE, e = -G_MAXDOUBLE;

          for (guint k = 0; k + 1 < json_array_get_length (flat); k += 2)
            {
              MtGeoPoint pt = { json_array_get_double_element (flat, k + 1), json_array_get_double_element (flat, k) };

              g_array_append_val (ring, pt);
              s = MIN (s, pt.lat), n = MAX (n, pt.lat), w = MIN (w, pt.lng), e = MAX (e, pt.lng);
            }
          g_ptr_array_add (p->rings, ring);
          p->south = MIN (p->south, s), p->north = MAX (p->north, n);
          p->west = MIN (p->west, w), p->east = MAX (p->east, e);
          if ((n - s) * (e - w) > largest)
            {
              largest = (n - s) * (e - w);
              p->label = (MtGeoPoint) { (s + n) / 2, (w + e) / 2 };
            }
        }
      g_ptr_array_add (provinces, p);
    }
  return provinces;
}

const GPtrArray *
mt_china_outline (void)
{
  static gsize once = 0;
  static GPtrArray *provinces = NULL;

  if (g_once_init_enter (&once))
    {
      provinces = outline_load ();
      g_once_init_leave (&once, 1);
    }
  return provinces;
}

const MtProvinceOutline *
mt_china_outline_province (const char *code)
{
  const GPtrArray *all = mt_china_outline ();

  for (guint i = 0; all && code && i < all->len; i++)
    {
      const MtProvinceOutline *p = all->pdata[i];

      if (strncmp (p->code, code, 2) == 0)
        return p;
    }
  return NULL;
}
