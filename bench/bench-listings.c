/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Every listing of the console against a big database, without GTK: the grouped count behind
 * the state buttons, the first page of rows, and searches — "13" (a third of the members' mobiles
 * hold it), a full device number, a full mobile, a full order number, a full transaction number, the
 * start most transaction numbers share ("JY2026") —
 * each timed as the list does it: count, state counts, first page. Medians of RUNS. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "bench-stats.h"
#include "mt-demo.h"
#include "mt-db.h"
#include "mt-listing.h"

#define N_PROBES 6

static double
ms_since (gint64 t0)
{
  return (g_get_monotonic_time () - t0) / 1000.0;
}

int
main (int argc, char *argv[])
{
  g_autoptr(GError) error = NULL;
  MtDb *db;
  MtActor *actor;
  guint n_pages, runs = argc > 3 ? (guint) atoi (argv[3]) : 5;
  const MtPageInfo *pages = mt_pages (&n_pages);

  if (argc < 2)
    {
      g_printerr ("usage: bench-listings DATABASE [USER] [RUNS]\n");
      return 2;
    }
  setvbuf (stdout, NULL, _IOLBF, 0);
  db = mt_db_open (argv[1], &error);
  if (db == NULL)
    g_error ("%s", error->message);
  actor = mt_sign_in (db, argc > 2 ? argv[2] : "admin", MT_DEMO_PASSWORD, &error);
  if (actor == NULL)
    g_error ("%s", error->message);

  {
    g_autofree char *device = mt_db_query_text (db, "SELECT device_no FROM devices ORDER BY id LIMIT 1 OFFSET 4321", NULL);
    g_autofree char *mobile = mt_db_query_text (db, "SELECT mobile FROM members ORDER BY id LIMIT 1 OFFSET 4321", NULL);
    g_autofree char *order = mt_db_query_text (db, "SELECT order_no FROM orders ORDER BY id LIMIT 1 OFFSET 4321", NULL);
    g_autofree char *txn = mt_db_query_text (db, "SELECT txn_no FROM ledger ORDER BY id LIMIT 1 OFFSET 4321", NULL);
    const char *probes[N_PROBES] = { "13", device, mobile, order, txn, "JY2026" };
    double loads[3] = { 0 };

    if (getloadavg (loads, 3) < 0)
      loads[0] = -1;
    g_print ("load %.2f; searches: \"13\", device %s, mobile %s, order %s, transaction %s\n", loads[0],
             device, mobile, order, txn);
    g_print ("%-16s %9s %8s %8s %8s %8s %8s %8s %8s %8s %8s %8s\n", "page", "rows", "count", "page", "\"13\"", "device",
             "mobile", "order", "txn", "JY2026", "middle", "next");
    for (guint p = 0; p < n_pages; p++)
      {
        g_autofree double *count_ms = g_new (double, runs);
        g_autofree double *page_ms = g_new (double, runs);
        g_autofree double *search_ms = g_new (double, runs * N_PROBES);
        g_autofree double *deep_ms = g_new (double, runs);
        g_autofree double *next_ms = g_new (double, runs);
        guint rows = 0;
        gboolean exact = TRUE;

        if (!mt_actor_can_view (actor, pages[p].id) || !mt_page_has_list (pages[p].id))
          continue;
        for (guint r = 0; r < runs; r++)
          {
            MtListing *listing = mt_listing_new (db, actor, pages[p].id, &error);
            g_autoptr(GPtrArray) first = NULL;
            gint64 t0;

            g_assert_no_error (error);
            t0 = g_get_monotonic_time ();
            rows = mt_listing_count (listing);
            exact = mt_listing_count_is_exact (listing);
            g_free (mt_listing_state_counts (listing, &(guint) { 0 }));
            count_ms[r] = ms_since (t0);

            t0 = g_get_monotonic_time ();
            first = mt_listing_fetch (listing, 0, 100);
            page_ms[r] = ms_since (t0);

            /* a page in the middle, counted off from the start; then the one after it, found by
             * the keys of the middle one's last row */
            {
              guint middle = rows / 2 / 100 * 100;
              g_autoptr(GPtrArray) deep = NULL;
              g_autoptr(GPtrArray) next = NULL;

              t0 = g_get_monotonic_time ();
              deep = mt_listing_fetch (listing, middle, 100);
              deep_ms[r] = ms_since (t0);
              t0 = g_get_monotonic_time ();
              next = mt_listing_fetch (listing, middle + 100, 100);
              next_ms[r] = ms_since (t0);
            }

            for (guint s = 0; s < N_PROBES; s++)
              {
                g_autoptr(GPtrArray) found = NULL;

                t0 = g_get_monotonic_time ();
                mt_listing_set_search (listing, probes[s]);
                mt_listing_count (listing);
                g_free (mt_listing_state_counts (listing, &(guint) { 0 }));
                found = mt_listing_fetch (listing, 0, 100);
                search_ms[s * runs + r] = ms_since (t0);
              }
            mt_listing_free (listing);
          }
        g_print ("%-16s %8u%s %8.1f %8.1f", pages[p].id, rows, exact ? " " : "+", bench_percentile (count_ms, runs, 50),
                 bench_percentile (page_ms, runs, 50));
        for (guint s = 0; s < N_PROBES; s++)
          g_print (" %8.1f", bench_percentile (search_ms + s * runs, runs, 50));
        g_print (" %8.1f %8.1f\n", bench_percentile (deep_ms, runs, 50), bench_percentile (next_ms, runs, 50));
      }
  }
  mt_actor_free (actor);
  mt_db_close (db);
  return 0;
}
