/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The statistics report of a month and of a year (PDF and XLSX) for an account, from a big
 * database, without GTK: how long each takes and how big the files are. Medians of RUNS.
 *   bench-report DATABASE [USER] [RUNS] [OUT-DIR] */
#include "config.h"

#include <glib/gstdio.h>
#include <sqlite3.h>
#include <stdio.h>

#include "bench-stats.h"

#include "mt-db.h"
#include "mt-demo.h"
#include "mt-report.h"

static gint64
file_size (const char *path)
{
  GStatBuf st;

  return g_stat (path, &st) == 0 ? (gint64) st.st_size : -1;
}

int
main (int argc, char *argv[])
{
  g_autoptr(GError) error = NULL;
  guint runs = argc > 3 ? (guint) atoi (argv[3]) : 3;
  const char *dir = argc > 4 ? argv[4] : g_get_tmp_dir ();
  MtDb *db;
  MtActor *actor;
  gint64 today;

  if (argc < 2)
    {
      g_printerr ("usage: bench-report DATABASE [USER] [RUNS] [OUT-DIR]\n");
      return 2;
    }
  setvbuf (stdout, NULL, _IOLBF, 0);
  {
    /* a database older than the aggregates has them summed from its rows as it opens: the
     * first report's wait on a database that has none */
    sqlite3 *raw = NULL;
    int version = 0;
    gint64 t0;

    if (sqlite3_open_v2 (argv[1], &raw, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK)
      {
        sqlite3_stmt *stmt = NULL;

        if (sqlite3_prepare_v2 (raw, "PRAGMA user_version", -1, &stmt, NULL) == SQLITE_OK &&
            sqlite3_step (stmt) == SQLITE_ROW)
          version = sqlite3_column_int (stmt, 0);
        sqlite3_finalize (stmt);
      }
    sqlite3_close (raw);
    t0 = g_get_monotonic_time ();
    db = mt_db_open (argv[1], &error);
    if (db == NULL)
      g_error ("%s", error->message);
    g_print ("open: %.0f ms (schema %d -> %d%s)\n", (g_get_monotonic_time () - t0) / 1000.0, version,
             (int) mt_db_query_int (db, 0, "PRAGMA user_version", NULL),
             version < 18 ? ": no aggregates before, summed from the rows now" :
             version < 21 ? ": the members' months summed from the orders now" : "");
  }
  actor = mt_sign_in (db, argc > 2 ? argv[2] : "admin", MT_DEMO_PASSWORD, &error);
  if (actor == NULL)
    g_error ("%s", error->message);
  /* the demo's last day of business is "today" */
  today = mt_stats_day_of (mt_db_query_int (db, 0, "SELECT max (at) FROM ledger", NULL));
  for (guint k = 0; k < 2; k++)
    {
      const char *name = k == 0 ? "month" : "year";
      MtStatsFilter filter = { .from_day = today - (k == 0 ? 29 : 364), .to_day = today };
      g_autofree char *pdf = g_strdup_printf ("%s/report-%s.pdf", dir, name);
      g_autofree char *xlsx = g_strdup_printf ("%s/report-%s.xlsx", dir, name);
      g_autofree double *ms = g_new (double, runs);

      for (guint r = 0; r < runs; r++)
        {
          gint64 t0 = g_get_monotonic_time ();

          if (!mt_report_write (db, actor, &filter, pdf, xlsx, NULL, NULL, &error))
            g_error ("%s", error->message);
          ms[r] = (g_get_monotonic_time () - t0) / 1000.0;
        }
      g_print ("%s report for %s: %.0f ms (median of %u); PDF %" G_GINT64_FORMAT " bytes, XLSX %" G_GINT64_FORMAT
               " bytes: %s\n", name, actor->username, bench_percentile (ms, runs, 50), runs, file_size (pdf),
               file_size (xlsx), pdf);
    }
  mt_actor_free (actor);
  mt_db_close (db);
  return 0;
}
