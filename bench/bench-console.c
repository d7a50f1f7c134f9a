/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The console against a big database: time to the first painted page of a list, time from a
 * filter keystroke to the painted answer, resident memory. Prints medians (these machines are
 * noisy: read the ratios, not single runs). Run through bench/run.sh. */
#include "config.h"

#include <adwaita.h>
#include <stdio.h>

#include "bench-stats.h"
#include "bench-window.h"
#include "mt-db.h"
#include "mt-demo.h"
#include "mt-list-page.h"
#include "mt-row-model.h"
#include "mt-track-page.h"
#include "mt-window.h"

static guint paints = 0;

static void
after_paint_cb (GdkFrameClock *clock,
                gpointer       data)
{
  paints++;
}

/* Iterates until the window has painted a frame after this call: what the user sees */
static void
wait_painted (GtkWidget *window)
{
  guint start = paints;
  gint64 give_up = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  gtk_widget_queue_draw (window);
  while (paints == start && g_get_monotonic_time () < give_up)
    g_main_context_iteration (NULL, TRUE);
}

/* Signing in again drops the cached pages: every run opens its page cold, from the settings */
static void
sign_in_again (MtWindow *window)
{
  g_autoptr(GError) error = NULL;

  if (!mt_window_sign_in (window, "admin", MT_DEMO_PASSWORD, &error))
    g_error ("%s", error->message);
  mt_window_show_page (window, "settings");
  wait_painted (GTK_WIDGET (window));
}

static double
percentile (GArray *ms,
            guint   percent)
{
  return bench_percentile ((double *) ms->data, ms->len, percent);
}

static double
rss_mb (void)
{
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL) ||
      !(line = strstr (status, "VmRSS:")))
    return 0;
  return g_ascii_strtod (line + 6, NULL) / 1024.0;
}

static guint reloads = 0;

static void
reloaded_cb (MtListPage *page,
             gpointer    data)
{
  reloads++;
}

/* The first widget of @type under @widget */
static GtkWidget *
find_of_type (GtkWidget *widget,
              GType      type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type))
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_of_type (child, type);

      if (found)
        return found;
    }
  return NULL;
}

static void
bench_page (MtWindow   *window,
            const char *page_id,
            const char *typed,
            guint       runs)
{
  g_autoptr(GArray) open_ms = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) key_ms = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) query_ms = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) build_ms = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) middle_ms = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) filled_ms = g_array_new (FALSE, FALSE, sizeof (double));
  guint n_rows = 0;

  for (guint run = 0; run < runs; run++)
    {
      GtkWidget *page;
      gint64 t0;
      double ms;

      sign_in_again (window);
      t0 = g_get_monotonic_time ();
      page = mt_window_show_page (window, page_id);
      ms = (g_get_monotonic_time () - t0) / 1000.0;
      g_array_append_val (build_ms, ms);
      wait_painted (GTK_WIDGET (window));
      ms = (g_get_monotonic_time () - t0) / 1000.0;
      g_array_append_val (open_ms, ms);
      n_rows = g_list_model_get_n_items (mt_list_page_get_model (MT_LIST_PAGE (page)));
      g_signal_connect (page, "reloaded", G_CALLBACK (reloaded_cb), NULL);

      /* the scrollbar dragged to the middle of the list: painted (its rows may come empty), then
       * its rows read (on the worker when far) and painted */
      {
        GtkScrolledWindow *scroller = GTK_SCROLLED_WINDOW (gtk_widget_get_ancestor (find_of_type (page, GTK_TYPE_COLUMN_VIEW),
                                                                                   GTK_TYPE_SCROLLED_WINDOW));
        GtkAdjustment *adj = gtk_scrolled_window_get_vadjustment (scroller);
        MtRowModel *model = MT_ROW_MODEL (mt_list_page_get_model (MT_LIST_PAGE (page)));
        gint64 give_up;

        for (guint i = 0; i < 20; i++)   /* every row let into the view first */
          wait_painted (GTK_WIDGET (window));
        t0 = g_get_monotonic_time ();
        gtk_adjustment_set_value (adj, gtk_adjustment_get_upper (adj) / 2);
        wait_painted (GTK_WIDGET (window));
        ms = (g_get_monotonic_time () - t0) / 1000.0;
        g_array_append_val (middle_ms, ms);
        give_up = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
        while (mt_row_model_is_loading (model) && g_get_monotonic_time () < give_up)
          g_main_context_iteration (NULL, TRUE);
        wait_painted (GTK_WIDGET (window));
        ms = (g_get_monotonic_time () - t0) / 1000.0;
        g_array_append_val (filled_ms, ms);
        gtk_adjustment_set_value (adj, 0);
        wait_painted (GTK_WIDGET (window));
      }

      /* type the search one key at a time, into the search entry as a person does: the key's
       * pause, its query on the worker, the answer shown and painted */
      for (guint i = 1; typed[i - 1]; i++)
        {
          g_autofree char *prefix = g_strndup (typed, i);
          GtkWidget *entry = find_of_type (page, GTK_TYPE_SEARCH_ENTRY);
          guint before = reloads;
          gint64 give_up;

          t0 = g_get_monotonic_time ();
          give_up = t0 + 10 * G_USEC_PER_SEC;
          /* the next character added at the end, as a key does (setting the whole text would
           * empty the entry first, and the entry asks for an empty search at once) */
          gtk_editable_insert_text (GTK_EDITABLE (entry), typed + i - 1, 1, &(int) { (int) i - 1 });
          while (reloads == before && g_get_monotonic_time () < give_up)
            g_main_context_iteration (NULL, TRUE);
          ms = (g_get_monotonic_time () - t0) / 1000.0;
          g_array_append_val (query_ms, ms);
          wait_painted (GTK_WIDGET (window));
          ms = (g_get_monotonic_time () - t0) / 1000.0;
          g_array_append_val (key_ms, ms);
          if (g_getenv ("BENCH_KEYS"))
            g_print ("  %s %-12s answered %6.1f ms, painted %6.1f ms\n", page_id, prefix,
                     g_array_index (query_ms, double, query_ms->len - 1), ms);
        }
      mt_list_page_set_search (MT_LIST_PAGE (page), "");
    }
  g_print ("%-10s rows %8u  first page: median %6.1f ms (min %6.1f, max %6.1f; built %5.1f ms)  "
           "keystroke: median %6.1f ms, p95 %6.1f ms, max %6.1f ms (%u keys; answered %5.1f ms)\n",
           page_id, n_rows, percentile (open_ms, 50), percentile (open_ms, 0), percentile (open_ms, 100),
           percentile (build_ms, 50),
           percentile (key_ms, 50), percentile (key_ms, 95), percentile (key_ms, 100), key_ms->len,
           percentile (query_ms, 50));
  g_print ("%-10s scrolled to the middle: painted median %6.1f ms (max %6.1f), its rows %6.1f ms (max %6.1f)\n",
           page_id, percentile (middle_ms, 50), percentile (middle_ms, 100), percentile (filled_ms, 50),
           percentile (filled_ms, 100));
}

/* Track playback: the page opened, then the busiest battery's last day of track asked for
 * (Enter in its device field) until it is drawn. The page has no search as you type: its device
 * is looked up when asked. */
static void
bench_tracks (MtWindow *window,
              MtDb     *db,
              guint     runs)
{
  g_autoptr(GArray) open_ms = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) load_ms = g_array_new (FALSE, FALSE, sizeof (double));
  gint64 device = mt_db_query_int (db, 0, "SELECT device_id FROM track_points GROUP BY 1 ORDER BY count (*) DESC "
                                          "LIMIT 1", NULL);
  g_autofree char *device_no = mt_db_query_text (db, "SELECT device_no FROM devices WHERE id = ?", "i", device);
  gint64 last = mt_db_query_int (db, 0, "SELECT max (at) FROM track_points WHERE device_id = ?", "i", device);
  guint points = 0;

  if (device_no == NULL)
    {
      g_print ("tracks     no track points in this database\n");
      return;
    }
  for (guint run = 0; run < runs; run++)
    {
      GtkWidget *page;
      gint64 t0, give_up;
      double ms;

      sign_in_again (window);
      t0 = g_get_monotonic_time ();
      page = mt_window_show_page (window, "tracks");
      wait_painted (GTK_WIDGET (window));
      ms = (g_get_monotonic_time () - t0) / 1000.0;
      g_array_append_val (open_ms, ms);

      t0 = g_get_monotonic_time ();
      give_up = t0 + 10 * G_USEC_PER_SEC;
      if (!mt_track_page_load (MT_TRACK_PAGE (page), device_no, last - (gint64) 86400 * G_USEC_PER_SEC, last + 1))
        g_error ("%s", mt_track_page_get_error (MT_TRACK_PAGE (page)));
      while (mt_track_page_get_n_points (MT_TRACK_PAGE (page)) == 0 && mt_track_page_get_error (MT_TRACK_PAGE (page)) == NULL &&
             g_get_monotonic_time () < give_up)
        g_main_context_iteration (NULL, TRUE);
      wait_painted (GTK_WIDGET (window));
      ms = (g_get_monotonic_time () - t0) / 1000.0;
      g_array_append_val (load_ms, ms);
      points = mt_track_page_get_n_points (MT_TRACK_PAGE (page));
    }
  g_print ("%-10s page painted: median %6.1f ms (max %6.1f); a day of battery %s's track (%u points) asked "
           "→ drawn: median %6.1f ms (max %6.1f)\n", "tracks", percentile (open_ms, 50), percentile (open_ms, 100),
           device_no, points, percentile (load_ms, 50), percentile (load_ms, 100));
}

int
main (int argc, char *argv[])
{
  g_autoptr(GtkApplication) app = NULL;
  MtWindow *window;
  MtDb *db;
  guint runs = argc > 2 ? (guint) atoi (argv[2]) : 7;

  if (argc < 2)
    {
      g_printerr ("usage: bench-console DATABASE [RUNS]\n");
      return 2;
    }
  window = bench_window_new ("com.mtxnyjs.Mingtang.Bench", argv[1], &app, &db);
  wait_painted (GTK_WIDGET (window));
  g_signal_connect (gtk_widget_get_frame_clock (GTK_WIDGET (window)), "after-paint",
                    G_CALLBACK (after_paint_cb), NULL);

  g_print ("database %s, %d devices, %d orders, %d members, RSS at start %.0f MB\n", argv[1],
           (int) mt_db_query_int (db, 0, "SELECT count(*) FROM devices", NULL),
           (int) mt_db_query_int (db, 0, "SELECT count(*) FROM orders", NULL),
           (int) mt_db_query_int (db, 0, "SELECT count(*) FROM members", NULL), rss_mb ());
  /* BENCH_PAGES=devices,orders limits the pages */
  {
    static const char *const pages[][2] = { { "devices", "2306001234" }, { "members", "1390" },
                                            { "orders", "DD2026" }, { "rentals", "1390" },
                                            { "transactions", "JY2026" }, { "deposits", "1390" },
                                            { "splits", "JY2026" } };
    const char *only = g_getenv ("BENCH_PAGES");

    for (guint i = 0; i < G_N_ELEMENTS (pages); i++)
      if (only == NULL || strstr (only, pages[i][0]))
        bench_page (window, pages[i][0], pages[i][1], runs);
    if (only == NULL || strstr (only, "tracks"))
      bench_tracks (window, db, runs);
  }
  g_print ("resident memory after all pages: %.0f MB\n", rss_mb ());

  gtk_window_destroy (GTK_WINDOW (window));
  mt_db_close (db);
  return 0;
}
