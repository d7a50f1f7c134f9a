/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The maps' geometry: distances, fences (vertices, edges, holes, concave outlines), the
 * hysteresis at a fence's border, and the GCJ-02 offset against published values. */

#include "config.h"

#include <math.h>

#include "mt-geo.h"

#define P(lat, lng) ((MtGeoPoint) { (lat), (lng) })

/* Haversine against what the sphere gives exactly: a degree of a great circle, a quarter of
 * one, half the way round, and nothing */
static void
test_distance (void)
{
  double degree = 6371008.8 * G_PI / 180.0;   /* 111,195.08 m */

  g_assert_cmpfloat_with_epsilon (mt_geo_distance_m (P (0, 0), P (1, 0)), degree, 0.001);
  g_assert_cmpfloat_with_epsilon (mt_geo_distance_m (P (0, 0), P (0, 1)), degree, 0.001);
  g_assert_cmpfloat_with_epsilon (mt_geo_distance_m (P (30, 120), P (31, 120)), degree, 0.001);
  g_assert_cmpfloat_with_epsilon (mt_geo_distance_m (P (0, 0), P (0, 90)), 90 * degree, 0.01);
  g_assert_cmpfloat_with_epsilon (mt_geo_distance_m (P (0, 0), P (90, 0)), 90 * degree, 0.01);
  g_assert_cmpfloat_with_epsilon (mt_geo_distance_m (P (0, 0), P (0, 180)), 180 * degree, 0.01);
  g_assert_cmpfloat_with_epsilon (mt_geo_distance_m (P (30.27, 120.15), P (30.27, 120.15)), 0, 1e-9);
  /* along a parallel a degree shrinks with the cosine of the latitude (nearly: it is not a
   * great circle) */
  g_assert_cmpfloat_with_epsilon (mt_geo_distance_m (P (60, 10), P (60, 10.001)), degree * 0.001 * 0.5, 0.001);
  /* symmetric */
  g_assert_cmpfloat (mt_geo_distance_m (P (39.9, 116.4), P (31.2, 121.5)), ==,
                     mt_geo_distance_m (P (31.2, 121.5), P (39.9, 116.4)));
}

static gboolean
contains (const MtGeoPoint *outline,
          guint             n,
          const MtGeoPoint *hole,
          guint             n_hole,
          MtGeoPoint        p)
{
  const MtGeoPoint *rings[] = { outline, hole };
  guint sizes[] = { n, n_hole };

  return mt_geo_polygon_contains (rings, sizes, hole ? 2 : 1, p);
}

/* A square, an L-shaped (concave) outline and a square with a square hole */
static void
test_polygon (void)
{
  const MtGeoPoint square[] = { P (30.0, 120.0), P (30.0, 120.1), P (30.1, 120.1), P (30.1, 120.0) };
  /* an L: the top-right quarter cut away */
  const MtGeoPoint ell[] = { P (30.0, 120.0), P (30.0, 120.2), P (30.1, 120.2), P (30.1, 120.1),
                             P (30.2, 120.1), P (30.2, 120.0) };
  const MtGeoPoint hole[] = { P (30.04, 120.04), P (30.04, 120.06), P (30.06, 120.06), P (30.06, 120.04) };

  g_assert_true (contains (square, 4, NULL, 0, P (30.05, 120.05)));
  g_assert_false (contains (square, 4, NULL, 0, P (30.15, 120.05)));
  g_assert_false (contains (square, 4, NULL, 0, P (30.05, 119.99)));
  /* vertices and edges belong to the fence */
  for (guint i = 0; i < 4; i++)
    g_assert_true (contains (square, 4, NULL, 0, square[i]));
  g_assert_true (contains (square, 4, NULL, 0, P (30.0, 120.05)));
  g_assert_true (contains (square, 4, NULL, 0, P (30.05, 120.1)));
  g_assert_true (contains (square, 4, NULL, 0, P (30.1, 120.03)));
  /* a ray through a vertex is counted once */
  g_assert_false (contains (square, 4, NULL, 0, P (30.1, 119.9)));
  g_assert_false (contains (square, 4, NULL, 0, P (30.0, 120.2)));

  /* concave: the cut-away corner is outside, both arms inside */
  g_assert_false (contains (ell, 6, NULL, 0, P (30.15, 120.15)));
  g_assert_true (contains (ell, 6, NULL, 0, P (30.05, 120.15)));
  g_assert_true (contains (ell, 6, NULL, 0, P (30.15, 120.05)));
  g_assert_true (contains (ell, 6, NULL, 0, P (30.1, 120.15)));   /* on the inner edge */
  g_assert_true (contains (ell, 6, NULL, 0, P (30.1, 120.1)));    /* the inner corner */

  /* a hole: inside it is outside the fence; its edge still the fence's */
  g_assert_false (contains (square, 4, hole, 4, P (30.05, 120.05)));
  g_assert_true (contains (square, 4, hole, 4, P (30.02, 120.02)));
  g_assert_true (contains (square, 4, hole, 4, P (30.04, 120.05)));
  g_assert_false (contains (square, 4, hole, 4, P (30.2, 120.05)));

  /* a ring of fewer than three points holds nothing */
  g_assert_false (contains (square, 2, NULL, 0, P (30.0, 120.05)));

  /* the distance to the border: 0.01° of latitude north of the top edge is 1,112 m */
  {
    const MtGeoPoint *rings[] = { square };
    guint sizes[] = { 4 };

    g_assert_cmpfloat_with_epsilon (mt_geo_rings_edge_m (rings, sizes, 1, P (30.11, 120.05)),
                                    0.01 * 6371008.8 * G_PI / 180.0, 0.5);
    g_assert_cmpfloat_with_epsilon (mt_geo_rings_edge_m (rings, sizes, 1, square[2]), 0, 1e-6);
  }
}

/* Circles are a centre and a radius: inside within the radius, by the haversine */
static void
test_circle (void)
{
  MtGeoPoint centre = P (30.2741, 120.1551);
  double radius = 500;
  double metre_lat = 1 / (6371008.8 * G_PI / 180.0);

  g_assert_cmpfloat (mt_geo_distance_m (centre, P (30.2741 + 499 * metre_lat, 120.1551)), <, radius);
  g_assert_cmpfloat (mt_geo_distance_m (centre, P (30.2741 + 501 * metre_lat, 120.1551)), >, radius);
}

/* Riding along the border does not flap: the side changes only past the margin */
static void
test_hysteresis (void)
{
  /* distances to the border as a rider crosses it slowly, wobbling (negative inside) */
  static const double track[] = { -80, -20, 5, -3, 12, -9, 18, 31, 24, 35, 8, -12, -26, -31, -5 };
  static const MtGeoSide expected[] = { MT_GEO_INSIDE, MT_GEO_INSIDE, MT_GEO_INSIDE, MT_GEO_INSIDE, MT_GEO_INSIDE,
                                        MT_GEO_INSIDE, MT_GEO_INSIDE, MT_GEO_OUTSIDE, MT_GEO_OUTSIDE, MT_GEO_OUTSIDE,
                                        MT_GEO_OUTSIDE, MT_GEO_OUTSIDE, MT_GEO_OUTSIDE, MT_GEO_INSIDE, MT_GEO_INSIDE };
  MtGeoSide side = MT_GEO_UNKNOWN;
  guint changes = 0;

  for (guint i = 0; i < G_N_ELEMENTS (track); i++)
    {
      MtGeoSide next = mt_geo_side_update (side, track[i], 30);

      changes += side != MT_GEO_UNKNOWN && next != side;
      side = next;
      g_assert_cmpint (side, ==, expected[i]);
    }
  g_assert_cmpuint (changes, ==, 2);   /* out once, back once */
  /* a first fix takes the plain side */
  g_assert_cmpint (mt_geo_side_update (MT_GEO_UNKNOWN, 5, 30), ==, MT_GEO_OUTSIDE);
  g_assert_cmpint (mt_geo_side_update (MT_GEO_UNKNOWN, -5, 30), ==, MT_GEO_INSIDE);
  g_assert_cmpint (mt_geo_side_update (MT_GEO_UNKNOWN, 0, 30), ==, MT_GEO_INSIDE);
  /* no margin: every crossing counts */
  g_assert_cmpint (mt_geo_side_update (MT_GEO_INSIDE, 0.5, 0), ==, MT_GEO_OUTSIDE);
}

/* WGS-84 → GCJ-02 against the values published with the widely used coordtransform library
 * (Tiananmen, 116.404 E 39.915 N); the inverse round-trips; outside China nothing moves */
static void
test_gcj02 (void)
{
  MtGeoPoint gcj = mt_geo_wgs84_to_gcj02 (P (39.915, 116.404));
  MtGeoPoint back;

  g_assert_cmpfloat_with_epsilon (gcj.lng, 116.41024449916938, 1e-9);
  g_assert_cmpfloat_with_epsilon (gcj.lat, 39.91640428150164, 1e-9);
  /* the offset is a few hundred metres here */
  g_assert_cmpfloat (mt_geo_distance_m (P (39.915, 116.404), gcj), >, 300);
  g_assert_cmpfloat (mt_geo_distance_m (P (39.915, 116.404), gcj), <, 800);

  back = mt_geo_gcj02_to_wgs84 (gcj);
  g_assert_cmpfloat (mt_geo_distance_m (back, P (39.915, 116.404)), <, 0.001);
  /* the one-step inverse the same library publishes (116.39775550083061, 39.91359571849836 for
   * GCJ-02 116.404, 39.915) is within a couple of metres of ours */
  back = mt_geo_gcj02_to_wgs84 (P (39.915, 116.404));
  g_assert_cmpfloat (mt_geo_distance_m (back, P (39.91359571849836, 116.39775550083061)), <, 3);
  g_assert_cmpfloat (mt_geo_distance_m (mt_geo_wgs84_to_gcj02 (back), P (39.915, 116.404)), <, 0.001);

  /* round trips across the country */
  {
    static const MtGeoPoint places[] = { { 30.2741, 120.1551 }, { 22.5431, 114.0579 }, { 43.8256, 87.6168 },
                                         { 45.8038, 126.5350 }, { 18.2528, 109.5119 }, { 29.6500, 91.1000 } };
    for (guint i = 0; i < G_N_ELEMENTS (places); i++)
      {
        MtGeoPoint there = mt_geo_wgs84_to_gcj02 (places[i]);
        g_assert_cmpfloat (mt_geo_distance_m (mt_geo_gcj02_to_wgs84 (there), places[i]), <, 0.001);
      }
  }
  /* outside China: unchanged both ways */
  g_assert_false (mt_geo_in_china (P (48.8566, 2.3522)));
  g_assert_cmpfloat (mt_geo_wgs84_to_gcj02 (P (48.8566, 2.3522)).lat, ==, 48.8566);
  g_assert_cmpfloat (mt_geo_gcj02_to_wgs84 (P (35.6762, 139.6503)).lng, ==, 139.6503);
  g_assert_true (mt_geo_in_china (P (30.27, 120.15)));
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/mt/geo/distance", test_distance);
  g_test_add_func ("/mt/geo/polygon", test_polygon);
  g_test_add_func ("/mt/geo/circle", test_circle);
  g_test_add_func ("/mt/geo/hysteresis", test_hysteresis);
  g_test_add_func ("/mt/geo/gcj02", test_gcj02);
  return g_test_run ();
}
