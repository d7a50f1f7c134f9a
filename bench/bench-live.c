/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The console while the fleet reports: frame times of the device list scrolling on its own, then
 * while mingtang-sim makes DEVICES batteries report into the console's embedded link (written to
 * its database, the visible rows refreshed once a second). Prints medians and p95 of the
 * interval between frames and of each frame's work (layout and paint). Run through
 * bench/run-live.sh, which starts the broker. */
#include "config.h"

#include <adwaita.h>
#include <stdio.h>

#include "bench-frames.h"
#include "bench-stats.h"
#include "bench-window.h"
#include "mt-db.h"
#include "mt-demo.h"
#include "mt-ingest.h"
#include "mt-list-page.h"
#include "mt-window.h"

typedef struct
{
  BenchFrames    frames;
  GtkAdjustment *scroll;
  double         step;
} Frames;

/* Every frame the list moves on, back and forth: as a technician scrolling through the fleet */
static gboolean
tick_cb (GtkWidget     *widget,
         GdkFrameClock *clock,
         gpointer       data)
{
  Frames *f = data;
  double v = gtk_adjustment_get_value (f->scroll) + f->step;
  double end = gtk_adjustment_get_upper (f->scroll) - gtk_adjustment_get_page_size (f->scroll);

  if (v >= end || v <= 0)
    f->step = -f->step;
  gtk_adjustment_set_value (f->scroll, CLAMP (v, 0, end));
  return G_SOURCE_CONTINUE;
}

/* The scrolled window of the page's table */
static GtkScrolledWindow *
find_scrolled (GtkWidget *widget)
{
  if (GTK_IS_SCROLLED_WINDOW (widget) &&
      GTK_IS_COLUMN_VIEW (gtk_scrolled_window_get_child (GTK_SCROLLED_WINDOW (widget))))
    return GTK_SCROLLED_WINDOW (widget);
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkScrolledWindow *found = find_scrolled (c);
      if (found)
        return found;
    }
  return NULL;
}

static void
measure (Frames     *f,
         const char *label,
         double      seconds,
         MtIngest   *ingest)
{
  MtIngestStats before = { 0 }, after = { 0 };

  if (ingest)
    mt_ingest_get_stats (ingest, &before);
  bench_frames_measure (&f->frames, seconds);
  if (ingest)
    mt_ingest_get_stats (ingest, &after);
  g_print ("%-6s %5u frames in %.0f s: between frames median %5.1f ms, p95 %5.1f ms, max %6.1f ms; "
           "frame work median %5.1f ms, p95 %5.1f ms; telemetry stored %.0f msg/s\n",
           label, f->frames.intervals->len, seconds,
           bench_percentile ((double *) f->frames.intervals->data, f->frames.intervals->len, 50),
           bench_percentile ((double *) f->frames.intervals->data, f->frames.intervals->len, 95),
           bench_percentile ((double *) f->frames.intervals->data, f->frames.intervals->len, 100),
           bench_percentile ((double *) f->frames.work->data, f->frames.work->len, 50),
           bench_percentile ((double *) f->frames.work->data, f->frames.work->len, 95),
           (after.stored - before.stored) / seconds);
}

int
main (int argc, char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GtkApplication) app = NULL;
  g_autoptr(MtIngest) ingest = NULL;
  g_autoptr(GSubprocess) sim = NULL;
  Frames f = { 0 };
  MtWindow *window;
  GtkWidget *page;
  MtDb *db;
  const char *devices = g_getenv ("BENCH_LIVE_DEVICES") ? g_getenv ("BENCH_LIVE_DEVICES") : "10000";
  const char *interval = g_getenv ("BENCH_LIVE_INTERVAL") ? g_getenv ("BENCH_LIVE_INTERVAL") : "1";
  double seconds = argc > 3 ? g_ascii_strtod (argv[3], NULL) : 20;
  MtBrokerConfig config = { 0 };

  if (argc < 3)
    {
      g_printerr ("usage: bench-live DATABASE BROKER-URI [SECONDS]\n");
      return 2;
    }
  window = bench_window_new ("com.mtxnyjs.Mingtang.BenchLive", argv[1], &app, &db);
  if (!mt_window_sign_in (window, "admin", MT_DEMO_PASSWORD, &error))
    g_error ("%s", error->message);
  page = mt_window_show_page (window, "devices");
  bench_run_for (2);
  f.scroll = gtk_scrolled_window_get_vadjustment (find_scrolled (page));
  f.step = 24;
  bench_frames_watch (&f.frames, GTK_WIDGET (window));
  gtk_widget_add_tick_callback (page, tick_cb, &f, NULL);
  g_print ("database %s, %d devices; the device list scrolling %.0f px a frame\n", argv[1],
           (int) mt_db_query_int (db, 0, "SELECT count(*) FROM devices", NULL), f.step);

  /* the embedded link, as build-aux/run.sh starts the console */
  config.uri = argv[2];
  config.username = g_getenv ("MINGTANG_BROKER_USER");
  config.password = g_getenv ("MINGTANG_BROKER_PASSWORD");
  ingest = mt_ingest_new (db, &config);
  mt_ingest_set_interactive (ingest, TRUE);
  if (!mt_ingest_start (ingest, &error))
    g_error ("%s", error->message);
  mt_window_set_ingest (window, ingest);
  bench_run_for (2);
  measure (&f, "quiet", seconds, ingest);

  {
    g_autofree char *limit = g_strdup_printf ("--limit=%s", devices);
    g_autofree char *every = g_strdup_printf ("--interval=%s", interval);

    sim = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE, &error, g_getenv ("MINGTANG_SIM"), "--broker", argv[2],
                            "--username", "mingtang-sim", "--database", argv[1], limit, every, "--connections", "2",
                            NULL);
    if (sim == NULL)
      g_error ("%s", error->message);
  }
  g_print ("%s devices reporting every %s s\n", devices, interval);
  bench_run_for (8);   /* the fleet loaded, announced and reporting */
  measure (&f, "live", seconds, ingest);

  g_subprocess_force_exit (sim);
  g_subprocess_wait (sim, NULL, NULL);
  mt_ingest_stop (ingest);
  gtk_window_destroy (GTK_WINDOW (window));
  mt_db_close (db);
  return 0;
}
