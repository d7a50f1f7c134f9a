/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The maps' geometry: distances, fences (vertices, edges, holes, concave outlines), the
 * hysteresis at a fence's border, and the GCJ-02 offset against published values. */

#include "config.h"

#include <math.h>
#include <string.h>

#include "mt-error.h"
#include "mt-fences.h"
#include "mt-geo.h"
#include "mt-tracks.h"

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
  /* offsets land at the distance asked, north and east */
  g_assert_cmpfloat_with_epsilon (mt_geo_distance_m (P (30.27, 120.15), mt_geo_offset (P (30.27, 120.15), 1000, 0)),
                                  1000, 0.001);
  g_assert_cmpfloat_with_epsilon (mt_geo_distance_m (P (30.27, 120.15), mt_geo_offset (P (30.27, 120.15), 0, 1000)),
                                  1000, 0.01);
  g_assert_cmpfloat (mt_geo_offset (P (30.27, 120.15), -500, -500).lat, <, 30.27);
  g_assert_cmpfloat (mt_geo_offset (P (30.27, 120.15), -500, -500).lng, <, 120.15);
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

/* GeoJSON in: both shapes, rings closed or not, the same canonical text out; a round trip
 * keeps the fence */
static void
test_fence_geojson (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MtFence) circle = mt_fence_parse ("{\"type\":\"Feature\",\"geometry\":{\"type\":\"Point\","
                                              "\"coordinates\":[120.15,30.27]},\"properties\":{\"radius_m\":800}}",
                                              &error);
  g_autoptr(MtFence) closed = NULL, open = NULL, again = NULL, holed = NULL;
  g_autofree char *text = NULL, *open_text = NULL, *text_again = NULL;

  g_assert_no_error (error);
  g_assert_cmpint (circle->shape, ==, MT_FENCE_CIRCLE);
  g_assert_cmpfloat (circle->radius_m, ==, 800);
  g_assert_cmpfloat (circle->center.lat, ==, 30.27);
  g_assert_cmpfloat (circle->center.lng, ==, 120.15);
  text = mt_fence_to_geojson (circle);
  g_assert_cmpstr (text, ==, "{\"type\":\"Feature\",\"geometry\":{\"type\":\"Point\",\"coordinates\":"
                             "[120.1500000,30.2700000]},\"properties\":{\"radius_m\":800.0}}");
  g_clear_pointer (&text, g_free);

  closed = mt_fence_parse ("{\"type\":\"Feature\",\"properties\":null,\"geometry\":{\"type\":\"Polygon\",\"coordinates\":"
                           "[[[120,30],[120.1,30],[120.1,30.1],[120,30.1],[120,30]]]}}", &error);
  g_assert_no_error (error);
  open = mt_fence_parse ("{\"type\":\"Feature\",\"geometry\":{\"type\":\"Polygon\",\"coordinates\":"
                         "[[[120,30],[120.1,30],[120.1,30.1],[120,30.1]]]}}", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (closed->sizes[0], ==, 4);   /* kept open inside */
  g_assert_cmpuint (open->sizes[0], ==, 4);
  text = mt_fence_to_geojson (closed);
  open_text = mt_fence_to_geojson (open);
  g_assert_cmpstr (text, ==, open_text);
  g_assert_nonnull (strstr (text, "[[[120.0000000,30.0000000],[120.1000000,30.0000000],[120.1000000,30.1000000],"
                                  "[120.0000000,30.1000000],[120.0000000,30.0000000]]]"));
  again = mt_fence_parse (text, &error);
  g_assert_no_error (error);
  text_again = mt_fence_to_geojson (again);
  g_assert_cmpstr (text_again, ==, text);
  g_assert_cmpfloat (again->north, ==, 30.1);
  g_assert_cmpfloat (again->west, ==, 120);

  /* a hole: the park in the middle of the district is not the district */
  holed = mt_fence_parse ("{\"type\":\"Feature\",\"geometry\":{\"type\":\"Polygon\",\"coordinates\":"
                          "[[[120,30],[120.1,30],[120.1,30.1],[120,30.1]],[[120.04,30.04],[120.06,30.04],"
                          "[120.06,30.06],[120.04,30.06]]]}}", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (holed->n_rings, ==, 2);
  g_assert_cmpfloat (mt_fence_signed_distance (holed, P (30.05, 120.05)), >, 900);   /* in the hole: outside */
  g_assert_cmpfloat (mt_fence_signed_distance (holed, P (30.02, 120.05)), <, -1000);
}

/* Every way a fence can be wrong gets its own message, on the fence's field */
static void
test_fence_invalid (void)
{
  static const struct { const char *geojson; const char *problem; } cases[] = {
    { "not json", "is not GeoJSON" },
    { "[1,2]", "is not GeoJSON" },
    { "{\"type\":\"Polygon\",\"coordinates\":[]}", "must be a GeoJSON Feature" },
    { "{\"type\":\"Feature\",\"geometry\":{\"type\":\"Polygon\"}}", "without coordinates" },
    { "{\"type\":\"Feature\",\"geometry\":{\"type\":\"LineString\",\"coordinates\":[[1,2],[3,4]]}}",
      "must be a Polygon or a Point" },
    { "{\"type\":\"Feature\",\"geometry\":{\"type\":\"Point\",\"coordinates\":[120,30]}}", "radius_m" },
    { "{\"type\":\"Feature\",\"geometry\":{\"type\":\"Point\",\"coordinates\":[120,30]},"
      "\"properties\":{\"radius_m\":\"500\"}}", "radius_m" },
    { "{\"type\":\"Feature\",\"geometry\":{\"type\":\"Point\",\"coordinates\":[120,30]},"
      "\"properties\":{\"radius_m\":10}}", "from 50 m to 500 km" },
    { "{\"type\":\"Feature\",\"geometry\":{\"type\":\"Point\",\"coordinates\":[120,30]},"
      "\"properties\":{\"radius_m\":600000}}", "from 50 m to 500 km" },
    { "{\"type\":\"Feature\",\"geometry\":{\"type\":\"Point\",\"coordinates\":[200,30]},"
      "\"properties\":{\"radius_m\":500}}", "centre outside" },
    { "{\"type\":\"Feature\",\"geometry\":{\"type\":\"Point\",\"coordinates\":[\"120\",30]},"
      "\"properties\":{\"radius_m\":500}}", "not a [longitude, latitude] pair" },
    { "{\"type\":\"Feature\",\"geometry\":{\"type\":\"Polygon\",\"coordinates\":{}}}", "list of rings" },
    { "{\"type\":\"Feature\",\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[5]}}", "list of positions" },
    { "{\"type\":\"Feature\",\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[]}}", "has no outline" },
    { "{\"type\":\"Feature\",\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[120,30],[121,30]]]}}",
      "three corners" },
    /* three corners on a line enclose nothing */
    { "{\"type\":\"Feature\",\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[120,30],[121,30],[122,30]]]}}",
      "three corners" },
    { "{\"type\":\"Feature\",\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[120,30],[121,30],[121,95]]]}}",
      "corner outside" },
    { "{\"type\":\"Feature\",\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[120,30],[121,30],[121,\"x\"]]]}}",
      "not a [longitude, latitude] pair" },
    /* a bow tie: the outline crosses itself */
    { "{\"type\":\"Feature\",\"geometry\":{\"type\":\"Polygon\",\"coordinates\":"
      "[[[120,30],[120.1,30.1],[120.1,30],[120,30.1]]]}}", "crosses itself" },
    { "{\"type\":\"Feature\",\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[100,30],[130,30],[130,31]]]}}",
      "20 degrees" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(MtFence) fence = mt_fence_parse (cases[i].geojson, &error);

      g_test_message ("%s", cases[i].geojson);
      g_assert_null (fence);
      g_assert_error (error, MT_ERROR, MT_ERROR_INVALID);
      g_assert_cmpstr (mt_error_get_field (error), ==, "geojson");
      g_assert_nonnull (strstr (error->message, cases[i].problem));
    }

  /* too many corners, and too many holes */
  {
    g_autoptr(GString) s = g_string_new ("{\"type\":\"Feature\",\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[");
    g_autoptr(GError) error = NULL;
    g_autoptr(MtFence) fence = NULL;

    for (guint i = 0; i < 1001; i++)
      g_string_append_printf (s, "%s[%.6f,%.6f]", i ? "," : "", 120 + 0.01 * cos (i * 2 * G_PI / 1001),
                              30 + 0.01 * sin (i * 2 * G_PI / 1001));
    g_string_append (s, "]]}}");
    fence = mt_fence_parse (s->str, &error);
    g_assert_null (fence);
    g_assert_nonnull (strstr (error->message, "1,000 corners"));
  }
  {
    g_autoptr(GString) s = g_string_new ("{\"type\":\"Feature\",\"geometry\":{\"type\":\"Polygon\",\"coordinates\":"
                                         "[[[120,30],[121,30],[121,31],[120,31]]");
    g_autoptr(GError) error = NULL;
    g_autoptr(MtFence) fence = NULL;

    for (guint i = 0; i < 21; i++)
      g_string_append_printf (s, ",[[120.%02u,30.5],[120.%02u5,30.5],[120.%02u5,30.51]]", i + 10, i + 10, i + 10);
    g_string_append (s, "]}}");
    fence = mt_fence_parse (s->str, &error);
    g_assert_null (fence);
    g_assert_nonnull (strstr (error->message, "20 holes"));
  }
}

/* Signed distance: negative inside, by the metre; the shortcut for batteries far away agrees
 * in sign and roughly in size; the side follows with the margin */
static void
test_fence_distance (void)
{
  MtGeoPoint square[] = { P (30, 120), P (30, 120.1), P (30.1, 120.1), P (30.1, 120) };
  g_autoptr(MtFence) polygon = mt_fence_new_polygon (square, 4);
  g_autoptr(MtFence) circle = mt_fence_new_circle (P (30.27, 120.15), 1000);
  double degree = 6371008.8 * G_PI / 180.0;
  double d;

  g_assert_true (mt_fence_validate (polygon, NULL));
  g_assert_true (mt_fence_validate (circle, NULL));
  /* 0.001° south of the south edge: 111 m out; 0.001° north of it: 111 m in */
  g_assert_cmpfloat_with_epsilon (mt_fence_signed_distance (polygon, P (29.999, 120.05)), degree * 0.001, 0.5);
  g_assert_cmpfloat_with_epsilon (mt_fence_signed_distance (polygon, P (30.001, 120.05)), -degree * 0.001, 0.5);
  /* in another city: the bounds say enough */
  d = mt_fence_signed_distance (polygon, P (31.23, 121.47));
  g_assert_cmpfloat (d, >, 150000);
  g_assert_cmpfloat (d, <, 200000);
  /* the circle */
  g_assert_cmpfloat_with_epsilon (mt_fence_signed_distance (circle, P (30.27, 120.15)), -1000, 1e-6);
  g_assert_cmpfloat_with_epsilon (mt_fence_signed_distance (circle, P (30.27 + 2000 / degree, 120.15)), 1000, 0.01);

  /* the side, with the margin: 30 m out is not out yet for a battery that was in */
  g_assert_cmpint (mt_fence_side (circle, MT_GEO_INSIDE, P (30.27 + 1030 / degree, 120.15)), ==, MT_GEO_INSIDE);
  g_assert_cmpint (mt_fence_side (circle, MT_GEO_INSIDE, P (30.27 + 1060 / degree, 120.15)), ==, MT_GEO_OUTSIDE);
  g_assert_cmpint (mt_fence_side (circle, MT_GEO_OUTSIDE, P (30.27 + 970 / degree, 120.15)), ==, MT_GEO_OUTSIDE);
  g_assert_cmpint (mt_fence_side (circle, MT_GEO_OUTSIDE, P (30.27 + 940 / degree, 120.15)), ==, MT_GEO_INSIDE);
  g_assert_cmpint (mt_fence_side (circle, MT_GEO_UNKNOWN, P (30.27 + 1030 / degree, 120.15)), ==, MT_GEO_OUTSIDE);

  /* a fence built in code is checked like a parsed one */
  {
    MtGeoPoint line[] = { P (30, 120), P (30, 120.1), P (30, 120.2) };
    g_autoptr(MtFence) flat = mt_fence_new_polygon (line, 3);
    g_autoptr(MtFence) tiny = mt_fence_new_circle (P (30, 120), 20);
    g_autoptr(GError) error = NULL;

    g_assert_false (mt_fence_validate (flat, &error));
    g_assert_error (error, MT_ERROR, MT_ERROR_INVALID);
    g_clear_error (&error);
    g_assert_false (mt_fence_validate (tiny, &error));
    g_assert_error (error, MT_ERROR, MT_ERROR_INVALID);
  }
}

/* A ride of a minute a point: out east, a stop of ten minutes, back; stops found with their
 * times, the distance summed, a time found by halving; the API's JSON both ways */
static void
test_track (void)
{
  g_autoptr(GArray) track = g_array_new (FALSE, FALSE, sizeof (MtTrackPoint));
  g_autoptr(GArray) stops = NULL;
  g_autoptr(GArray) back = NULL;
  g_autoptr(JsonNode) json = NULL;
  gint64 t0 = G_GINT64_CONSTANT (1790000000) * G_USEC_PER_SEC, minute = 60 * G_USEC_PER_SEC;
  double degree = 6371008.8 * G_PI / 180.0;

  /* 20 minutes east at 0.001° a minute, 10 minutes parked (GPS wobbling by a few metres),
   * 20 minutes back */
  for (int i = 0; i < 50; i++)
    {
      double lng = i < 20 ? 0.001 * i : i < 30 ? 0.02 + (i % 2) * 0.00003 : 0.02 - 0.001 * (i - 29);
      MtTrackPoint p = { t0 + i * minute, 30, 120 + lng, i >= 20 && i < 30 ? 0 : 20, (gint16) (90 - i) };
      g_array_append_val (track, p);
    }
  stops = mt_track_stops ((MtTrackPoint *) track->data, track->len, 5 * minute, 50);
  g_assert_cmpuint (stops->len, ==, 1);
  g_assert_cmpuint (g_array_index (stops, MtTrackStop, 0).first, ==, 20);   /* arrived at minute 20 */
  g_assert_cmpuint (g_array_index (stops, MtTrackStop, 0).last, ==, 29);
  g_assert_cmpint (g_array_index (stops, MtTrackStop, 0).end - g_array_index (stops, MtTrackStop, 0).start, ==,
                   9 * minute);
  g_clear_pointer (&stops, g_array_unref);
  /* a longer least stop: none */
  stops = mt_track_stops ((MtTrackPoint *) track->data, track->len, 15 * minute, 50);
  g_assert_cmpuint (stops->len, ==, 0);

  /* 0.02° of longitude there and back (and the wobble) */
  g_assert_cmpfloat_with_epsilon (mt_track_distance_m ((MtTrackPoint *) track->data, track->len),
                                  2 * 0.02 * degree * cos (30 * G_PI / 180), 40);
  g_assert_cmpuint (mt_track_find ((MtTrackPoint *) track->data, track->len, t0 - 1), ==, 0);
  g_assert_cmpuint (mt_track_find ((MtTrackPoint *) track->data, track->len, t0), ==, 0);
  g_assert_cmpuint (mt_track_find ((MtTrackPoint *) track->data, track->len, t0 + 25 * minute + 59), ==, 25);
  g_assert_cmpuint (mt_track_find ((MtTrackPoint *) track->data, track->len, t0 + 99 * minute), ==, 49);

  json = mt_track_to_json ((MtTrackPoint *) track->data, track->len);
  back = mt_track_from_json (json, NULL);
  g_assert_nonnull (back);
  g_assert_cmpuint (back->len, ==, track->len);
  for (guint i = 0; i < back->len; i++)
    {
      MtTrackPoint *a = &g_array_index (track, MtTrackPoint, i), *b = &g_array_index (back, MtTrackPoint, i);
      g_assert_cmpint (a->at, ==, b->at);
      g_assert_cmpfloat (a->lng, ==, b->lng);
      g_assert_cmpint (a->soc, ==, b->soc);
    }
  /* a bad point is named, not half-read */
  {
    g_autoptr(JsonParser) parser = json_parser_new ();
    g_autoptr(GError) error = NULL;

    g_assert_true (json_parser_load_from_data (parser, "{\"points\":[[1,30,120,null,50],[2,95,120,1,1]]}", -1, NULL));
    g_assert_null (mt_track_from_json (json_parser_get_root (parser), &error));
    g_assert_error (error, MT_ERROR, MT_ERROR_INVALID);
    g_clear_error (&error);
    g_assert_true (json_parser_load_from_data (parser, "{\"points\":{}}", -1, NULL));
    g_assert_null (mt_track_from_json (json_parser_get_root (parser), &error));
    g_assert_error (error, MT_ERROR, MT_ERROR_INVALID);
  }
}

/* The shipped outline: every provincial-level division once, and cities in their province only */
static gboolean
province_contains (const MtProvinceOutline *province,
                   MtGeoPoint               p)
{
  /* each ring on its own: a province of islands is inside any of them */
  for (guint r = 0; r < province->rings->len; r++)
    {
      GArray *ring = province->rings->pdata[r];
      const MtGeoPoint *points = (const MtGeoPoint *) ring->data;
      guint size = ring->len;

      if (mt_geo_polygon_contains (&points, &size, 1, p))
        return TRUE;
    }
  return FALSE;
}

static void
test_china_outline (void)
{
  static const struct { const char *code; double lat, lng; } cities[] = {
    { "11", 39.9042, 116.4074 },   /* Beijing */
    { "31", 31.2304, 121.4737 },   /* Shanghai */
    { "33", 30.2741, 120.1551 },   /* Hangzhou */
    { "44", 23.1291, 113.2644 },   /* Guangzhou */
    { "51", 30.5728, 104.0668 },   /* Chengdu */
    { "65", 43.8256, 87.6168 },    /* Urumqi */
    { "54", 29.6520, 91.1721 },    /* Lhasa */
    { "81", 22.2800, 114.1600 },   /* Hong Kong */
  };
  const GPtrArray *all = mt_china_outline ();
  g_autoptr(GHashTable) codes = g_hash_table_new (g_str_hash, g_str_equal);

  g_assert_nonnull (all);
  g_assert_cmpuint (all->len, ==, 34);
  for (guint i = 0; i < all->len; i++)
    {
      const MtProvinceOutline *p = all->pdata[i];

      g_assert_true (g_hash_table_add (codes, (gpointer) p->code));
      g_assert_cmpuint (p->rings->len, >=, 1);
      g_assert_cmpfloat (p->south, >, 3);
      g_assert_cmpfloat (p->north, <, 54);
      g_assert_cmpfloat (p->west, >, 73);
      g_assert_cmpfloat (p->east, <, 136);
      g_assert_true (g_utf8_validate (p->name, -1, NULL));
    }
  for (guint c = 0; c < G_N_ELEMENTS (cities); c++)
    for (guint i = 0; i < all->len; i++)
      {
        const MtProvinceOutline *p = all->pdata[i];
        MtGeoPoint at = { cities[c].lat, cities[c].lng };

        g_test_message ("%s in %s", cities[c].code, p->code);
        g_assert_true (province_contains (p, at) == g_str_equal (p->code, cities[c].code));
      }
  g_assert_cmpstr (mt_china_outline_province ("330100")->name, ==, "浙江省");
  g_assert_null (mt_china_outline_province ("99"));
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
  g_test_add_func ("/mt/geo/fence-geojson", test_fence_geojson);
  g_test_add_func ("/mt/geo/fence-invalid", test_fence_invalid);
  g_test_add_func ("/mt/geo/fence-distance", test_fence_distance);
  g_test_add_func ("/mt/geo/track", test_track);
  g_test_add_func ("/mt/geo/china-outline", test_china_outline);
  return g_test_run ();
}
