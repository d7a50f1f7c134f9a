/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The maps (issue 6), on the 100,000-device database and on a track database of 10,000,000
 * points (100 devices × 100,000 points: a point every 26 s for a month):
 *   - the location monitor: time to open it, memory, cluster rebuild per zoom level, and frame
 *     times while the map pans and zooms on its own (tiles from a loopback server);
 *   - a month of one device's track read from the 10M-point table, and a 100,000-point track
 *     drawn.
 * Run through bench/run-maps.sh, which makes the track database once:
 *   bench-maps --make-tracks TRACK-DB
 *   bench-maps DATABASE TRACK-DB [SECONDS] */
#include "config.h"

#include <adwaita.h>
#include <math.h>
#include <stdio.h>

#include "bench-frames.h"
#include "bench-stats.h"
#include "bench-window.h"
#include "mt-db.h"
#include "mt-demo.h"
#include "mt-monitor-page.h"
#include "mt-track-page.h"
#include "mt-tracks.h"
#include "mt-window.h"
#include "test-tiles.h"

#define TRACK_DEVICES  100
#define TRACK_POINTS   100000
#define TRACK_STEP_US  (26 * G_USEC_PER_SEC)

static double
rss_mb (void)
{
  g_autofree char *text = NULL;
  long pages = 0, resident = 0;

  if (g_file_get_contents ("/proc/self/statm", &text, NULL, NULL))
    sscanf (text, "%ld %ld", &pages, &resident);
  return resident * (double) sysconf (_SC_PAGESIZE) / (1024 * 1024);
}

/* ------------------------------------------------------------------ the track database */

/* A demo database and 10,000,000 track points for its first 100 devices: a ride round the city
 * at 10–30 km/h, a point every 26 s for 30 days */
static int
make_tracks (const char *path)
{
  g_autoptr(GError) error = NULL;
  MtDb *db = mt_db_open (path, &error);
  MtDemoOptions options;
  g_autoptr(GRand) rand = g_rand_new_with_seed (6);
  gint64 t0 = g_get_real_time () - (gint64) TRACK_POINTS * TRACK_STEP_US, start = g_get_monotonic_time ();
  sqlite3_stmt *devices;
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));

  if (db == NULL)
    g_error ("%s", error->message);
  mt_demo_options_init (&options);
  if (!mt_demo_generate (db, &options, &error))
    g_error ("%s", error->message);
  devices = mt_db_prepare (db, NULL, "SELECT id FROM devices ORDER BY id LIMIT ?", "i", (gint64) TRACK_DEVICES);
  while (sqlite3_step (devices) == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (devices, 0);
      g_array_append_val (ids, id);
    }
  sqlite3_reset (devices);
  mt_db_exec (db, "DELETE FROM track_points", NULL);
  for (guint d = 0; d < ids->len; d++)
    {
      double lat = 30.2 + g_rand_double_range (rand, -0.05, 0.05), lng = 120.15 + g_rand_double_range (rand, -0.05, 0.05);
      double heading = g_rand_double_range (rand, 0, 2 * G_PI);

      if (!mt_db_begin (db, &error))
        g_error ("%s", error->message);
      for (guint i = 0; i < TRACK_POINTS; i++)
        {
          double speed = (i / 40) % 5 == 0 ? 0 : g_rand_double_range (rand, 10, 30);
          double km = speed * 26 / 3600;

          heading += g_rand_double_range (rand, -0.3, 0.3);
          if (fabs (lat - 30.2) > 0.1 || fabs (lng - 120.15) > 0.1)
            heading = atan2 (30.2 - lat, 120.15 - lng);
          lat += km * sin (heading) / 111.32;
          lng += km * cos (heading) / (111.32 * cos (lat * G_PI / 180));
          mt_db_run (db, NULL, "INSERT INTO track_points (device_id, at, lat, lng, speed_kmh, soc) VALUES (?, ?, ?, ?, ?, ?)",
                     "iidddi", g_array_index (ids, gint64, d), t0 + (gint64) i * TRACK_STEP_US, lat, lng, speed,
                     (gint64) (100 - (i % 5000) / 50));
        }
      if (!mt_db_commit (db, &error))
        g_error ("%s", error->message);
    }
  mt_db_exec (db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL);
  g_print ("%s: %u devices × %u points in %.0f s\n", path, ids->len, TRACK_POINTS,
           (g_get_monotonic_time () - start) / 1e6);
  mt_db_close (db);
  return 0;
}

/* ------------------------------------------------------------------ frames */

typedef struct
{
  BenchFrames      frames;   /* first: its long-frame callback finds the rest */
  ShumateViewport *viewport;
  guint            frame;
} Frames;

/* BENCH_TRACE=1: when the long frames come */
static void
long_frame (BenchFrames *frames,
            double       ms)
{
  Frames *f = (Frames *) frames;

  g_print ("  long frame: %.0f ms at frame %u (zoom %.0f, %u frames after the zoom changed)\n", ms, f->frame,
           shumate_viewport_get_zoom_level (f->viewport), f->frame % 120);
}

/* Every frame the map pans 6 px east and north-east; every two seconds (120 frames) it zooms
 * one level in, from 5 to 13, then out again: a person looking round the fleet */
static gboolean
pan_cb (GtkWidget     *widget,
        GdkFrameClock *clock,
        gpointer       data)
{
  Frames *f = data;
  double cx, cy, scale;
  guint step = (f->frame++ / 120) % 16;
  double zoom = step < 8 ? 5 + step : 13 - (step - 8);
  MtGeoPoint p;

  if (shumate_viewport_get_zoom_level (f->viewport) != zoom)
    shumate_viewport_set_zoom_level (f->viewport, zoom);
  mt_viewport_world (f->viewport, &cx, &cy, &scale);
  p = mt_mercator_unproject (cx + (f->frame % 400 < 200 ? 6 : -6) / scale, cy + (f->frame % 300 < 150 ? 3 : -3) / scale);
  shumate_location_set_location (SHUMATE_LOCATION (f->viewport), p.lat, p.lng);
  return G_SOURCE_CONTINUE;
}

static void
report (const char *label,
        GArray     *values)
{
  g_print ("%-34s median %6.2f ms, p95 %6.2f ms, max %6.2f ms (%u)\n", label,
           bench_percentile ((double *) values->data, values->len, 50),
           bench_percentile ((double *) values->data, values->len, 95),
           bench_percentile ((double *) values->data, values->len, 100), values->len);
}

/* The track of @page drawn 20 times as it is in view */
static void
report_draws (MtTrackPage *page,
              const char  *label)
{
  g_autoptr(GArray) times = g_array_new (FALSE, FALSE, sizeof (double));
  guint segments = 0;

  for (guint i = 0; i < 20; i++)
    {
      double ms = mt_track_page_measure_draw (page, &segments);
      g_array_append_val (times, ms);
    }
  g_print ("  drawn %s (%u segments):\n", label, segments);
  report ("    draw", times);
}

int
main (int argc, char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GtkApplication) app = NULL;
  g_autoptr(GArray) times = g_array_new (FALSE, FALSE, sizeof (double));
  MtTileServer *tiles;
  Frames f = { 0 };
  MtWindow *window;
  MtMonitorPage *monitor;
  MtDeviceLayer *layer;
  MtDb *db, *tracks_db;
  double seconds = argc > 3 ? g_ascii_strtod (argv[3], NULL) : 20, rss0, ms;
  gint64 t0;

  if (argc == 3 && g_str_equal (argv[1], "--make-tracks"))
    return make_tracks (argv[2]);
  if (argc < 3)
    {
      g_printerr ("usage: bench-maps DATABASE TRACK-DATABASE [SECONDS] | bench-maps --make-tracks TRACK-DATABASE\n");
      return 2;
    }

  /* ---- a month of track from 10,000,000 points, through the core */
  tracks_db = mt_db_open (argv[2], &error);
  if (tracks_db == NULL)
    g_error ("%s", error->message);
  {
    g_autoptr(MtActor) admin = mt_sign_in (tracks_db, "admin", MT_DEMO_PASSWORD, &error);
    gint64 total = mt_db_query_int (tracks_db, 0, "SELECT count (*) FROM track_points", NULL);
    gint64 last = mt_db_query_int (tracks_db, 0, "SELECT max (at) FROM track_points", NULL);
    g_autoptr(GArray) sizes = g_array_new (FALSE, FALSE, sizeof (double));

    if (admin == NULL)
      g_error ("%s", error->message);
    for (guint round = 0; round < 2; round++)
      for (gint64 d = 1; d <= 40; d++)
        {
          gint64 device = mt_db_query_int (tracks_db, 0, "SELECT id FROM devices ORDER BY id LIMIT 1 OFFSET ?", "i",
                                           (d * 37) % TRACK_DEVICES);
          g_autoptr(GArray) points = NULL;
          double n;

          t0 = g_get_monotonic_time ();
          points = mt_track_load (tracks_db, admin, device, last - (gint64) 30 * 86400 * G_USEC_PER_SEC, last, &error);
          ms = (g_get_monotonic_time () - t0) / 1000.0;
          if (points == NULL)
            g_error ("%s", error->message);
          if (round == 1)   /* the first round warms the page cache, as a console in use has it */
            {
              n = points->len;
              g_array_append_val (times, ms);
              g_array_append_val (sizes, n);
            }
        }
    g_print ("track table: %" G_GINT64_FORMAT " points; a month of one device: %.0f points\n", total,
             bench_percentile ((double *) sizes->data, sizes->len, 50));
    report ("month of track, read", times);
  }

  /* ---- the monitor on the 100,000-device database */
  tiles = mt_tile_server_start ();
  g_setenv ("MINGTANG_TILE_URL", mt_tile_server_get_url (tiles), TRUE);
  rss0 = rss_mb ();
  window = bench_window_new ("com.mtxnyjs.Mingtang.BenchMaps", argv[1], &app, &db);
  if (!mt_window_sign_in (window, "admin", MT_DEMO_PASSWORD, &error))
    g_error ("%s", error->message);
  bench_run_for (1);
  rss0 = rss_mb ();
  t0 = g_get_monotonic_time ();
  monitor = MT_MONITOR_PAGE (mt_window_show_page (window, "monitor"));
  ms = (g_get_monotonic_time () - t0) / 1000.0;
  layer = mt_monitor_page_get_layer (monitor);
  bench_run_for (3);
  g_print ("monitor: %u devices on the map; opened in %.0f ms; memory %+.0f MB\n",
           mt_device_layer_get_n_points (layer), ms, rss_mb () - rss0);

  f.viewport = mt_map_get_viewport (mt_monitor_page_get_map (monitor));
  for (guint zoom = 3; zoom <= 16; zoom++)
    {
      g_array_set_size (times, 0);
      shumate_viewport_set_zoom_level (f.viewport, zoom);
      for (guint i = 0; i < 5; i++)
        {
          ms = mt_device_layer_rebuild (layer);
          g_array_append_val (times, ms);
        }
      g_print ("clusters at zoom %2u: rebuilt in median %6.1f ms\n", zoom,
               bench_percentile ((double *) times->data, times->len, 50));
    }

  if (g_getenv ("BENCH_NO_DEVICES"))   /* the map alone: what libshumate's tiles cost */
    gtk_widget_set_visible (GTK_WIDGET (layer), FALSE);
  bench_frames_watch (&f.frames, GTK_WIDGET (window));
  if (g_getenv ("BENCH_TRACE"))
    f.frames.long_frame = long_frame;
  gtk_widget_add_tick_callback (GTK_WIDGET (monitor), pan_cb, &f, NULL);
  bench_run_for (2);
  bench_frames_measure (&f.frames, seconds);
  g_print ("panning and zooming (5–13) for %.0f s, %u tiles served:\n", seconds, mt_tile_server_get_count (tiles));
  report ("  between frames", f.frames.intervals);
  report ("  frame work (layout and paint)", f.frames.work);

  /* ---- a 100,000-point track drawn */
  {
    MtTrackPage *page;
    gint64 device = mt_db_query_int (tracks_db, 0, "SELECT id FROM devices ORDER BY id LIMIT 1", NULL);

    /* a console on the track database: the 100,000-device one has no such track */
    gtk_window_destroy (GTK_WINDOW (window));
    bench_run_for (0.5);
    window = mt_window_new (app, tracks_db);
    gtk_window_set_default_size (GTK_WINDOW (window), 1400, 860);
    gtk_window_present (GTK_WINDOW (window));
    if (!mt_window_sign_in (window, "admin", MT_DEMO_PASSWORD, &error))
      g_error ("%s", error->message);
    page = MT_TRACK_PAGE (mt_window_show_page (window, "tracks"));
    {
      g_autofree char *no = mt_db_query_text (tracks_db, "SELECT device_no FROM devices WHERE id = ?", "i", device);
      gint64 first = mt_db_query_int (tracks_db, 0, "SELECT min (at) FROM track_points WHERE device_id = ?", "i", device);
      gint64 last = mt_db_query_int (tracks_db, 0, "SELECT max (at) FROM track_points WHERE device_id = ?", "i", device);

      t0 = g_get_monotonic_time ();
      if (!mt_track_page_load (page, no, first, last))
        g_error ("%s", mt_track_page_get_error (page));
      ms = (g_get_monotonic_time () - t0) / 1000.0;
    }
    bench_run_for (2);
    g_print ("track of %u points: read, stops found and shown in %.0f ms, %u stops\n",
             mt_track_page_get_n_points (page), ms, mt_track_page_get_n_stops (page));
    report_draws (page, "whole, after thinning");
    shumate_viewport_set_zoom_level (mt_map_get_viewport (mt_track_page_get_map (page)), 15);
    report_draws (page, "at street zoom 15");
  }

  gtk_window_destroy (GTK_WINDOW (window));
  mt_tile_server_stop (tiles);
  mt_db_close (db);
  mt_db_close (tracks_db);
  return 0;
}
