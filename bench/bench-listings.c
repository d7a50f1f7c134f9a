/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Every listing of the console against a big database, without GTK: the grouped count behind
 * the state buttons, the first page of rows, and a search. Medians of RUNS. */
#include "config.h"

#include <stdio.h>

#include "bench-stats.h"
#include "mt-demo.h"
#include "mt-listing.h"

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

  g_print ("%-16s %9s %10s %10s %10s\n", "page", "rows", "count ms", "page ms", "search ms");
  for (guint p = 0; p < n_pages; p++)
    {
      g_autofree double *count_ms = g_new (double, runs);
      g_autofree double *page_ms = g_new (double, runs);
      g_autofree double *search_ms = g_new (double, runs);
      guint rows = 0;

      if (!mt_actor_can_view (actor, pages[p].id) || !mt_page_has_list (pages[p].id))
        continue;
      for (guint r = 0; r < runs; r++)
        {
          MtListing *listing = mt_listing_new (db, actor, pages[p].id, &error);
          g_autoptr(GPtrArray) first = NULL;
          g_autoptr(GPtrArray) found = NULL;
          gint64 t0;

          g_assert_no_error (error);
          t0 = g_get_monotonic_time ();
          rows = mt_listing_count (listing);
          g_free (mt_listing_state_counts (listing, &(guint) { 0 }));
          count_ms[r] = ms_since (t0);

          t0 = g_get_monotonic_time ();
          first = mt_listing_fetch (listing, 0, 100);
          page_ms[r] = ms_since (t0);

          t0 = g_get_monotonic_time ();
          mt_listing_set_search (listing, "13");
          mt_listing_count (listing);
          found = mt_listing_fetch (listing, 0, 100);
          search_ms[r] = ms_since (t0);
          mt_listing_free (listing);
        }
      g_print ("%-16s %9u %10.1f %10.1f %10.1f\n", pages[p].id, rows, bench_percentile (count_ms, runs, 50),
               bench_percentile (page_ms, runs, 50), bench_percentile (search_ms, runs, 50));
    }
  mt_actor_free (actor);
  mt_db_close (db);
  return 0;
}
