/* SPDX-License-Identifier: GPL-3.0-or-later */
/* How long the console's main loop stops while it does long work: a write, an XLSX export of a
 * whole list and a QR label sheet, each done as the console did it before (the core called on
 * the main thread) and as it does now (the session's worker). A 4 ms timer measures the longest
 * gap between two of its ticks: what a user sees as a frozen window. Run through bench/run-stalls.sh. */
#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>
#include <stdio.h>

#include "bench-window.h"
#include "mt-db.h"
#include "mt-demo.h"
#include "mt-export.h"
#include "mt-labels.h"
#include "mt-list-page.h"
#include "mt-orders.h"
#include "mt-window.h"

#define TICK_MS 4

typedef struct
{
  gint64 last;
  gint64 longest;   /* µs between two ticks */
} Watch;

static gboolean
tick_cb (gpointer data)
{
  Watch *w = data;
  gint64 now = g_get_monotonic_time ();

  if (w->last != 0 && now - w->last > w->longest)
    w->longest = now - w->last;
  w->last = now;
  return G_SOURCE_CONTINUE;
}

static void
watch_start (Watch *w)
{
  w->last = g_get_monotonic_time ();
  w->longest = 0;
}

/* The longest stall: the longest gap less the timer's own period */
static double
watch_stall_ms (Watch *w)
{
  tick_cb (w);
  return MAX (0, (w->longest - TICK_MS * 1000) / 1000.0);
}

static void
settle (MtContext *context)
{
  while (mt_context_get_pending (context) > 0)
    g_main_context_iteration (NULL, TRUE);
}

static void
report (const char *what,
        const char *how,
        double      seconds,
        double      stall_ms)
{
  g_print ("%-28s %-12s took %8.2f s   longest main-loop stall %9.1f ms\n", what, how, seconds, stall_ms);
}

static double answered_stall_ms;

/* The stall while the request was out, before the page refreshes with its result */
static void
renewed_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) answer = mt_context_call_finish (MT_CONTEXT (source), result, &error);

  if (answer == NULL)
    g_printerr ("renew refused: %s\n", error->message);
}

/* Emitted before the window's own handler refreshes the page: the work is done by then */
static gboolean
changed_hook (GSignalInvocationHint *hint,
              guint                  n_values,
              const GValue          *values,
              gpointer               data)
{
  answered_stall_ms = watch_stall_ms (data);
  return TRUE;
}

/* Lets the window settle (layout, paint, late refreshes) before the next measure */
static void
idle_for (double seconds)
{
  for (gint64 end = g_get_monotonic_time () + (gint64) (seconds * G_USEC_PER_SEC); g_get_monotonic_time () < end;)
    g_main_context_iteration (NULL, FALSE);
}

int
main (int argc, char *argv[])
{
  g_autoptr(GtkApplication) app = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("mt-stalls-XXXXXX", NULL);
  g_autofree char *xlsx = g_build_filename (dir, "orders.xlsx", NULL);
  g_autofree char *pdf = g_build_filename (dir, "labels.pdf", NULL);
  guint n_labels = argc > 2 ? (guint) atoi (argv[2]) : 2400;
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  Watch watch = { 0 };
  MtWindow *window;
  MtContext *context;
  MtListPage *page;
  MtDb *db;
  gint64 order, t0;
  sqlite3_stmt *stmt;

  if (argc < 2)
    {
      g_printerr ("usage: bench-stalls DATABASE [LABELS]\n");
      return 2;
    }
  window = bench_window_new ("com.mtxnyjs.Mingtang.BenchStalls", argv[1], &app, &db);
  if (!mt_window_sign_in (window, "admin", MT_DEMO_PASSWORD, &error))
    g_error ("%s", error->message);
  context = mt_window_get_context (window);
  page = MT_LIST_PAGE (mt_window_show_page (window, "orders"));
  g_timeout_add_full (G_PRIORITY_HIGH, TICK_MS, tick_cb, &watch, NULL);
  idle_for (2);

  g_print ("database %s: %d orders, %d devices; labels for %u devices\n", argv[1],
           (int) mt_db_query_int (db, 0, "SELECT count (*) FROM orders", NULL),
           (int) mt_db_query_int (db, 0, "SELECT count (*) FROM devices", NULL), n_labels);
  stmt = mt_db_prepare (db, NULL, "SELECT id FROM devices WHERE deleted = 0 ORDER BY id LIMIT ?", "i", (gint64) n_labels);
  while (stmt && sqlite3_step (stmt) == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (stmt, 0);
      g_array_append_val (ids, id);
    }
  if (stmt)
    sqlite3_reset (stmt);
  order = mt_db_query_int (db, 0, "SELECT max (id) FROM orders WHERE state IN ('active', 'overdue')", NULL);

  /* a write: renewing an order by one period */
  watch_start (&watch);
  t0 = g_get_monotonic_time ();
  if (!mt_order_renew (db, mt_window_get_actor (window), order, 1, "offline", &error))
    g_error ("%s", error->message);
  report ("write (renew an order)", "main thread", (g_get_monotonic_time () - t0) / 1e6, watch_stall_ms (&watch));
  {
    g_autoptr(MtApiRequest) request = mt_api_request_new ("orders.renew");

    mt_api_request_set_id (request, order);
    mt_api_request_set_int (request, "periods", 1);
    mt_api_request_set_text (request, "pay_method", "offline");
    watch_start (&watch);
    t0 = g_get_monotonic_time ();
    g_signal_add_emission_hook (g_signal_lookup ("changed", MT_TYPE_CONTEXT), 0, changed_hook, &watch, NULL);
    mt_context_call_async (context, request, NULL, renewed_cb, &watch);
    settle (context);
    report ("write (renew an order)", "worker", (g_get_monotonic_time () - t0) / 1e6, answered_stall_ms);
    /* then the page on screen reads its rows again: the list's own cost, not the write's */
    idle_for (1);
    report ("  the list refreshed after", "main thread", 0, watch_stall_ms (&watch));
  }
  idle_for (1);

  /* a QR label sheet */
  watch_start (&watch);
  t0 = g_get_monotonic_time ();
  if (!mt_devices_write_labels (db, mt_window_get_actor (window), (gint64 *) ids->data, ids->len, pdf, NULL, NULL,
                                &error))
    g_error ("%s", error->message);
  report ("QR label sheet", "main thread", (g_get_monotonic_time () - t0) / 1e6, watch_stall_ms (&watch));
  g_unlink (pdf);
  {
    MtListPage *devices = MT_LIST_PAGE (mt_window_show_page (window, "devices"));

    gtk_selection_model_select_range (mt_list_page_get_selection (devices), 0,
                                      MIN (n_labels, g_list_model_get_n_items (mt_list_page_get_model (devices))),
                                      TRUE);
    idle_for (2);
    watch_start (&watch);
    t0 = g_get_monotonic_time ();
    mt_list_page_write_labels (devices, pdf);
    settle (context);
    report ("QR label sheet", "worker", (g_get_monotonic_time () - t0) / 1e6, watch_stall_ms (&watch));
    g_unlink (pdf);
    mt_window_show_page (window, "orders");
    idle_for (2);
  }

  /* every order as XLSX */
  if (g_getenv ("BENCH_SKIP_EXPORT") == NULL)
    {
      watch_start (&watch);
      t0 = g_get_monotonic_time ();
      if (!mt_listing_export_xlsx (mt_list_page_get_listing (page), xlsx, NULL, NULL, &error))
        g_error ("%s", error->message);
      report ("XLSX export of every order", "main thread", (g_get_monotonic_time () - t0) / 1e6,
              watch_stall_ms (&watch));
      g_unlink (xlsx);
      watch_start (&watch);
      t0 = g_get_monotonic_time ();
      mt_list_page_export (page, xlsx, TRUE);
      settle (context);
      report ("XLSX export of every order", "worker", (g_get_monotonic_time () - t0) / 1e6, watch_stall_ms (&watch));
      g_print ("  %s\n", mt_list_page_get_job_message (page));
      g_unlink (xlsx);
    }
  g_rmdir (dir);
  gtk_window_destroy (GTK_WINDOW (window));
  mt_db_close (db);
  return 0;
}
