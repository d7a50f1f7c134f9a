/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Issue 3 figures against a running mingtang-server (bench/run-sync.sh starts one):
 * initial sync of a headquarters replica (time, rows/s) and change propagation between two
 * consoles (median and p99 over N edits). */
#include "config.h"

#include <glib/gstdio.h>
#include <stdio.h>

#include "bench-stats.h"
#include "mt-db.h"
#include "mt-demo.h"
#include "mt-sync-engine.h"

static void
done_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  *(GAsyncResult **) data = g_object_ref (result);
}

static GAsyncResult *
wait_result (GAsyncResult **slot)
{
  while (*slot == NULL)
    g_main_context_iteration (NULL, TRUE);
  return *slot;
}

static MtSyncEngine *
console (const char *url, const char *dir, const char *user)
{
  g_autofree char *path = g_strdup_printf ("%s/replica-%s.db", dir, user);
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  MtSyncEngine *engine;

  g_unlink (path);
  engine = mt_sync_engine_new (url, path, &error);
  if (engine == NULL)
    g_error ("%s", error->message);
  mt_sync_engine_sign_in_async (engine, user, MT_DEMO_PASSWORD, NULL, done_cb, &result);
  if (!mt_sync_engine_sign_in_finish (engine, wait_result (&result), &error))
    g_error ("%s", error->message);
  return engine;
}

int
main (int argc, char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("mt-bench-sync-XXXXXX", NULL);
  g_autoptr(MtSyncEngine) hq = NULL;
  g_autoptr(MtSyncEngine) east = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GArray) latency = g_array_new (FALSE, FALSE, sizeof (double));
  guint edits = argc > 2 ? (guint) atoi (argv[2]) : 1000;
  gint64 t0, rows;
  double seconds;
  gint64 message;   /* the store edited */

  if (argc < 2)
    {
      g_printerr ("usage: bench-sync SERVER-URL [EDITS]\n");
      return 2;
    }
  setvbuf (stdout, NULL, _IOLBF, 0);

  /* initial sync of the headquarters replica */
  hq = console (argv[1], dir, "admin");
  t0 = g_get_monotonic_time ();
  mt_sync_engine_pull_async (hq, NULL, done_cb, &result);
  rows = mt_sync_engine_pull_finish (hq, wait_result (&result), &error);
  if (rows < 0)
    g_error ("%s", error->message);
  seconds = (g_get_monotonic_time () - t0) / 1e6;
  g_print ("initial sync (admin): %" G_GINT64_FORMAT " rows in %.1f s, %.0f rows/s; replica %"
           G_GINT64_FORMAT " devices\n", rows, seconds, rows / seconds,
           mt_db_query_int (mt_sync_engine_get_replica (hq), 0, "SELECT count(*) FROM devices WHERE deleted = 0", NULL));

  /* propagation: headquarters edits a message, the east console sees it */
  east = console (argv[1], dir, "east");
  g_clear_object (&result);
  mt_sync_engine_pull_async (east, NULL, done_cb, &result);
  mt_sync_engine_pull_finish (east, wait_result (&result), NULL);
  mt_sync_engine_start (hq);
  mt_sync_engine_start (east);
  /* a store both consoles see; headquarters edits it, east waits for the edit */
  message = mt_db_query_int (mt_sync_engine_get_replica (east), 0,
                             "SELECT id FROM stores WHERE deleted = 0 ORDER BY id LIMIT 1", NULL);
  for (guint i = 0; i < edits; i++)
    {
      g_autofree char *path = g_strdup_printf ("stores/%" G_GINT64_FORMAT, message);
      g_autofree char *json = g_strdup_printf ("{\"version\":%" G_GINT64_FORMAT ",\"address\":\"测速 %u\"}",
                                               mt_db_query_int (mt_sync_engine_get_replica (hq), 0,
                                                                "SELECT version FROM stores WHERE id = ?",
                                                                "i", message), i + 1);
      g_autofree char *expect = g_strdup_printf ("测速 %u", i + 1);
      g_autoptr(JsonNode) body = json_from_string (json, NULL);
      g_autoptr(JsonNode) answer = NULL;
      double ms;

      g_clear_object (&result);
      t0 = g_get_monotonic_time ();
      mt_sync_engine_request_async (hq, "PUT", path, body, NULL, done_cb, &result);
      answer = mt_sync_engine_request_finish (hq, wait_result (&result), &error);
      if (answer == NULL)
        g_error ("%s", error->message);
      for (;;)
        {
          g_autofree char *seen = mt_db_query_text (mt_sync_engine_get_replica (east),
                                                    "SELECT address FROM stores WHERE id = ?", "i", message);
          if (g_strcmp0 (seen, expect) == 0)
            break;
          g_main_context_iteration (NULL, TRUE);
        }
      ms = (g_get_monotonic_time () - t0) / 1000.0;
      g_array_append_val (latency, ms);
    }
  g_print ("edit on one console -> seen in the other's replica (%u edits): median %.1f ms, p99 %.1f ms\n", edits,
           bench_percentile ((double *) latency->data, latency->len, 50),
           bench_percentile ((double *) latency->data, latency->len, 99));
  return 0;
}
