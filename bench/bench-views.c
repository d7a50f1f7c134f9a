/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The statistics views against a big database, without GTK: each view summed from the daily
 * aggregates, beside the same figures summed from the raw rows (what a view cost before the
 * aggregates), for an account. Medians of RUNS.
 *   bench-views DATABASE [USER] [RUNS] */
#include "config.h"

#include <stdio.h>

#include "bench-stats.h"
#include "mt-db.h"
#include "mt-demo.h"
#include "mt-dashboard.h"
#include "mt-perm.h"
#include "mt-reads.h"
#include "mt-stats.h"
#include "mt-stats-views.h"

static double
ms_since (gint64 t0)
{
  return (g_get_monotonic_time () - t0) / 1000.0;
}

static const MtStatsFigure turnover[] = {
  { "rent", "rent", "l:rent l:card", MT_STATS_FEN },
  { "services", "services", "l:service", MT_STATS_FEN },
  { "deposits", "deposits", "l:deposit_in -l:deposit_out", MT_STATS_FEN },
  { "net", "net", "l:rent l:card l:service l:overdue l:damage l:repair_fee", MT_STATS_FEN },
};
static const MtStatsFigure rentals[] = {
  { "rented", "rented", "o:rented", MT_STATS_COUNT },
  { "returned", "returned", "o:ended", MT_STATS_COUNT },
};
static const MtStatsFigure members[] = { { "new", "new", "m:new", MT_STATS_COUNT } };
static const MtStatsFigure plans[] = {
  { "count", "count", "r:plan", MT_STATS_COUNT }, { "bonus", "bonus", "r:plan", MT_STATS_FEN },
};

int
main (int argc, char *argv[])
{
  g_autoptr(GError) error = NULL;
  guint runs = argc > 3 ? (guint) atoi (argv[3]) : 7;
  MtDb *db;
  MtActor *actor;
  gint64 t0, today, latest;
  static const struct
  {
    const char          *name;
    MtStatsBy            by;
    guint                days;
    const MtStatsFigure *figures;
    guint                n_figures;
    const char          *raw;   /* the same from the rows, over ?1 … ?2 (µs), or NULL */
  } views[] = {
    { "turnover, 30 days by day", MT_STATS_BY_DAY, 30, turnover, 4,
      "SELECT (at / 1000000 + 28800) / 86400 AS d, sum (CASE WHEN kind = 'rent' THEN amount_fen ELSE 0 END), "
      "sum (CASE WHEN kind = 'service' THEN amount_fen ELSE 0 END) FROM ledger WHERE at BETWEEN ?1 AND ?2 GROUP BY d" },
    { "turnover, year by month", MT_STATS_BY_MONTH, 365, turnover, 4,
      "SELECT strftime ('%Y%m', at / 1000000 + 28800, 'unixepoch') AS m, sum (CASE WHEN kind = 'rent' THEN amount_fen "
      "ELSE 0 END), sum (CASE WHEN kind = 'service' THEN amount_fen ELSE 0 END) FROM ledger WHERE at BETWEEN ?1 AND ?2 "
      "GROUP BY m" },
    { "turnover, year by week", MT_STATS_BY_WEEK, 365, turnover, 4, NULL },
    { "turnover, year by province", MT_STATS_BY_PROVINCE, 365, turnover, 4,
      "SELECT substr (s.region_code, 1, 2) AS p, sum (l.amount_fen) FROM ledger l JOIN stores s ON s.id = l.store_id "
      "WHERE l.at BETWEEN ?1 AND ?2 AND l.kind = 'rent' GROUP BY p" },
    { "turnover, year by device type", MT_STATS_BY_TYPE, 365, turnover, 4,
      "SELECT o.type_id, sum (l.amount_fen) FROM ledger l JOIN orders o ON o.id = l.order_id "
      "WHERE l.at BETWEEN ?1 AND ?2 AND l.kind = 'rent' GROUP BY o.type_id" },
    { "turnover, year by store", MT_STATS_BY_STORE, 365, turnover, 4, NULL },
    { "rentals, 90 days by day", MT_STATS_BY_DAY, 90, rentals, 2,
      "SELECT (start_at / 1000000 + 28800) / 86400 AS d, count (*) FROM orders WHERE start_at BETWEEN ?1 AND ?2 "
      "GROUP BY d" },
    { "members, year by month", MT_STATS_BY_MONTH, 365, members, 1, NULL },
    { "recharges, year by plan", MT_STATS_BY_KEY, 365, plans, 2, NULL },
  };

  if (argc < 2)
    {
      g_printerr ("usage: bench-views DATABASE [USER] [RUNS]\n");
      return 2;
    }
  setvbuf (stdout, NULL, _IOLBF, 0);
  t0 = g_get_monotonic_time ();
  db = mt_db_open (argv[1], &error);   /* migrates: the first time, the aggregates are summed */
  if (db == NULL)
    g_error ("%s", error->message);
  g_print ("open (and migrate when older): %.0f ms\n", ms_since (t0));
  actor = mt_sign_in (db, argc > 2 ? argv[2] : "admin", MT_DEMO_PASSWORD, &error);
  if (actor == NULL)
    g_error ("%s", error->message);
  latest = mt_db_query_int (db, 0, "SELECT max (at) FROM ledger", NULL);
  today = mt_stats_day_of (latest);
  g_print ("account %s; aggregate rows %" G_GINT64_FORMAT "\n", actor->username,
           mt_db_query_int (db, 0, "SELECT count (*) FROM stats_daily", NULL));
  g_print ("%-32s %8s %12s %12s %8s\n", "view", "rows", "kept ms", "raw ms", "ratio");
  for (guint v = 0; v < G_N_ELEMENTS (views); v++)
    {
      g_autofree double *kept = g_new (double, runs);
      g_autofree double *raw = g_new (double, runs);
      MtStatsFilter filter = { .from_day = today - views[v].days + 1, .to_day = today };
      guint rows = 0;
      double k, r = 0;

      for (guint i = 0; i < runs; i++)
        {
          g_autoptr(MtStatsTable) table = NULL;

          t0 = g_get_monotonic_time ();
          table = mt_stats_query (db, actor, &filter, views[v].by, views[v].figures, views[v].n_figures, &error);
          kept[i] = ms_since (t0);
          g_assert_no_error (error);
          rows = table->n_rows;
        }
      /* the raw reference after the kept runs: its scan of the ledger would push the kept rows
       * out of SQLite's cache between them */
      for (guint i = 0; i < runs; i++)
        {
          if (views[v].raw && i < 3)
            {
              sqlite3_stmt *stmt = mt_db_prepare (db, NULL, views[v].raw, "ii", mt_stats_day_start (filter.from_day),
                                                  mt_stats_day_start (filter.to_day + 1) - 1);

              t0 = g_get_monotonic_time ();
              while (sqlite3_step (stmt) == SQLITE_ROW)
                ;
              sqlite3_reset (stmt);
              raw[i] = ms_since (t0);
            }
        }
      k = bench_percentile (kept, runs, 50);
      if (views[v].raw)
        r = bench_percentile (raw, MIN (runs, 3), 50);
      if (views[v].raw)
        g_print ("%-32s %8u %12.1f %12.1f %7.0fx\n", views[v].name, rows, k, r, r / MAX (k, 0.01));
      else
        g_print ("%-32s %8u %12.1f %12s %8s\n", views[v].name, rows, k, "-", "-");
    }
  /* every view of the statistics page the account may open, as the page reads it: the period
   * and the period before (30 days by day, a year by month) */
  {
    guint n_views;
    const MtStatsView *all = mt_stats_views (&n_views);

    g_print ("%-32s %12s %12s\n", "statistics page view", "30 days ms", "year ms");
    for (guint v = 0; v < n_views; v++)
      {
        double medians[2];

        if (!mt_stats_view_allowed (&all[v], actor))
          continue;
        for (guint k = 0; k < 2; k++)
          {
            g_autofree double *ms = g_new (double, runs);
            gint64 days = k == 0 ? 30 : 365;
            MtStatsFilter now = { .from_day = today - days + 1, .to_day = today };
            MtStatsFilter before = { .from_day = today - 2 * days + 1, .to_day = today - days };

            for (guint i = 0; i < runs; i++)
              {
                g_autoptr(MtStatsTable) a = NULL;
                g_autoptr(MtStatsTable) b = NULL;

                t0 = g_get_monotonic_time ();
                a = mt_stats_view_run (db, actor, &all[v], &now, k == 0 ? MT_STATS_BY_DAY : MT_STATS_BY_MONTH, &error);
                if (!all[v].live)
                  b = mt_stats_view_run (db, actor, &all[v], &before, k == 0 ? MT_STATS_BY_DAY : MT_STATS_BY_MONTH, NULL);
                ms[i] = ms_since (t0);
                g_assert_no_error (error);
              }
            medians[k] = bench_percentile (ms, runs, 50);
          }
        g_print ("%-32s %12.1f %12.1f\n", all[v].id, medians[0], medians[1]);
      }
  }

  /* 主页 as this account sees it */
  {
    g_autofree double *ms = g_new (double, runs);

    for (guint i = 0; i < runs; i++)
      {
        g_autoptr(MtDashboard) d = NULL;

        t0 = g_get_monotonic_time ();
        d = mt_dashboard_read (db, actor, &error);
        ms[i] = ms_since (t0);
        g_assert_no_error (error);
      }
    g_print ("%-32s %8s %12.1f %12s %8s\n", "dashboard (home page)", "-", bench_percentile (ms, runs, 50), "-", "-");
  }
  /* the header's balance: kept with its rows (issue 19), beside the rows summed as it was before */
  {
    g_autofree double *kept = g_new (double, runs);
    g_autofree double *summed = g_new (double, runs);
    MtHeaderBalance balance;

    for (guint i = 0; i < runs; i++)
      {
        t0 = g_get_monotonic_time ();
        mt_read_header_balance (db, actor, &balance);
        kept[i] = ms_since (t0);
        t0 = g_get_monotonic_time ();
        mt_db_query_int (db, 0, "SELECT (SELECT coalesce (sum (operator_fen), 0) FROM splits WHERE operator_id = ?1 "
                                "AND deleted = 0) - (SELECT coalesce (sum (amount_fen), 0) FROM withdrawals WHERE "
                                "operator_id = ?1 AND store_id IS NULL AND state IN ('approved', 'paid') AND deleted = 0) "
                                "+ CASE WHEN ?2 THEN (SELECT coalesce (sum (hq_fen), 0) FROM splits WHERE deleted = 0) "
                                "ELSE 0 END", "ib", actor->operator_id, mt_actor_is_root (actor));
        summed[i] = ms_since (t0);
      }
    g_print ("%-32s %8s %12.2f %12.1f %8s\n", "header balance (kept / summed)", "-", bench_percentile (kept, runs, 50),
             bench_percentile (summed, runs, 50), "-");
  }
  mt_actor_free (actor);
  mt_db_close (db);
  return 0;
}
