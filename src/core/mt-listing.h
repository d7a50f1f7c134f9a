/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include <gio/gio.h>

#include "mt-database.h"
#include "mt-entity.h"
#include "mt-perm.h"

G_BEGIN_DECLS

/* Whether the page is a list (the statistics page, the monitor's map… are not all lists) */
gboolean mt_page_has_list (const char *page);

typedef enum
{
  MT_COL_TEXT,
  MT_COL_INT,
  MT_COL_MONEY,    /* fen → ¥ */
  MT_COL_TIME,     /* UTC µs → local time */
  MT_COL_DATE,
  MT_COL_CHOICE,   /* value → translated label */
  MT_COL_BOOL,     /* 1/0 → choices[0] / choices[1] labels, or Yes/No */
  MT_COL_PERCENT,
  MT_COL_VOLTAGE,  /* mV → V */
  MT_COL_COORD,
} MtColumnKind;

typedef struct
{
  const char     *key;
  const char     *title;   /* N_() */
  const char     *expr;    /* SQL over the page's FROM */
  MtColumnKind    kind;
  const MtChoice *choices;
  int             width;   /* characters, a hint */
} MtListColumn;

typedef struct
{
  const char         *key;
  const char         *title;    /* N_() */
  const char         *expr;     /* compared for equality with the chosen value */
  const MtChoice     *choices;  /* fixed options, or NULL with ref */
  const char         *ref;      /* mt_lookup() options */
  const char *const  *conds;    /* with choices: an SQL condition per choice instead of expr */
  const char         *kept;     /* list_counts' tbl counting the choices by owner, or NULL */
} MtListFilter;

typedef struct
{
  gint64   id;
  gint64   version;
  char   **cells;     /* display text, one per column */
  double  *numbers;   /* numeric value per column, NAN when not a number */
} MtListRow;

typedef struct _MtListing MtListing;

MtListing          *mt_listing_new          (MtDb          *db,
                                             const MtActor *actor,
                                             const char    *page,
                                             GError       **error);
void                mt_listing_free         (MtListing     *listing);
const char         *mt_listing_get_page     (MtListing     *listing);
const MtListColumn *mt_listing_get_columns  (MtListing     *listing,
                                             guint         *n_columns);
const MtListFilter *mt_listing_get_filters  (MtListing     *listing,
                                             guint         *n_filters);
const MtChoice     *mt_listing_get_states   (MtListing     *listing);
gboolean            mt_listing_has_dates    (MtListing     *listing);
/* What the date range applies to, translated, when the page says (the devices' rent expiry) */
const char         *mt_listing_get_date_hint (MtListing    *listing);
const char         *mt_listing_get_entity   (MtListing     *listing);
/* What the search box looks in, translated, for its placeholder */
const char         *mt_listing_get_search_hint (MtListing  *listing);

void                mt_listing_set_search   (MtListing     *listing,
                                             const char    *text);
const char         *mt_listing_get_search   (MtListing     *listing);
/* What @from (a copy with the same search and filters) worked out on another connection — its
 * counts, how its search is read and the keys of the pages it read — taken over by @listing,
 * valid until the data changes: an answer found on a worker thread shown without asking again,
 * and the pages after it read from where it stopped */
void                mt_listing_adopt        (MtListing     *listing,
                                             MtListing     *from);
/* Whether the page at @offset is read at once: near the start, or right after a page read
 * before (its keys at hand). A page far into a big list is counted off from the start: read it
 * on the worker (a copy of the listing), then take the copy's keys with mt_listing_adopt_keys(). */
gboolean            mt_listing_page_is_near (MtListing     *listing,
                                             guint          offset);
/* The keys @from (a copy of @listing, or a copy of a copy) found for pages of the same question,
 * while the data have not changed since @listing was copied (see above) */
void                mt_listing_adopt_keys   (MtListing     *listing,
                                             MtListing     *from);
void                mt_listing_set_filter   (MtListing     *listing,
                                             const char    *key,
                                             const char    *value);
void                mt_listing_set_state    (MtListing     *listing,
                                             const char    *state);
void                mt_listing_set_dates    (MtListing     *listing,
                                             gint64         from_usec,
                                             gint64         to_usec);
gboolean            mt_listing_set_sort     (MtListing     *listing,
                                             const char    *column_key,
                                             gboolean       descending);

/* Past this many rows a count that the kept counts do not answer stops: "10,000+" */
#define MT_LISTING_COUNT_LIMIT 10000

/* The rows there are, counted up to the count limit: past it, the limit + 1 and
 * mt_listing_count_is_exact() FALSE. Without a search, dates or filters other than the owner's, the
 * big lists' counts are kept with their rows and exact however many. */
guint               mt_listing_count        (MtListing     *listing);
/* Whether the last count asked for (mt_listing_count, mt_listing_state_counts) is exact */
gboolean            mt_listing_count_is_exact (MtListing   *listing);
/* Where counting stops (MT_LISTING_COUNT_LIMIT at first); 0 counts every row */
void                mt_listing_set_count_limit (MtListing  *listing,
                                                guint       limit);
/* Counts per choice of the filter @key (same order as its choices), with every other filter,
 * the search and the state; NULL for a filter without fixed choices. Counted up to the count
 * limit (mt_listing_count_is_exact() says whether they are exact) unless kept. */
guint              *mt_listing_filter_counts (MtListing    *listing,
                                              const char   *key,
                                              guint        *total);
/* Counts per state of the facet (same order as the states), ignoring the state filter; when the
 * total is past the count limit (not exact) the states' counts are only of the rows counted */
guint              *mt_listing_state_counts (MtListing     *listing,
                                             guint         *total);
GPtrArray          *mt_listing_fetch        (MtListing     *listing,
                                             guint          offset,
                                             guint          limit);
void                mt_list_row_free        (MtListRow     *row);
/* Every row of the listing's filters, in its order, one at a time (an export: no OFFSET pages,
 * no row kept); @func returns FALSE to stop, and then so does this */
typedef gboolean  (*MtListRowFunc)          (MtListRow     *row,
                                             gpointer       data);
gboolean            mt_listing_each         (MtListing     *listing,
                                             MtListRowFunc  func,
                                             gpointer       data);

/*
 * What a long job has done, for another thread to show: @done and @total are written with
 * g_atomic_int_set as the job goes (@total 0 while unknown).
 */
typedef struct
{
  gint done;
  gint total;
} MtProgress;

/* Every row of the listing's filters as CSV at @path (written beside and renamed: the file is
 * there whole or not at all). @cancellable stops it between chunks (G_IO_ERROR_CANCELLED, no
 * file); @progress (or NULL) counts the rows. */
gboolean            mt_listing_export_csv   (MtListing     *listing,
                                             const char    *path,
                                             GCancellable  *cancellable,
                                             MtProgress    *progress,
                                             GError       **error);
/* The listing with its search, filters, state, dates and sort, on another connection (@db may
 * be NULL until mt_listing_set_db): for a job on a worker thread */
MtListing          *mt_listing_copy         (MtListing     *listing,
                                             MtDb          *db);
void                mt_listing_set_db       (MtListing     *listing,
                                             MtDb          *db);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MtListing, mt_listing_free)

/*
 * Whether the pages @actor may view show rows of @table: as their own rows, looked up or
 * counted in a column, or as options of their filters and editors. What a replica holds.
 */
gboolean            mt_actor_sees_table     (const MtActor *actor,
                                             const char    *table);

G_END_DECLS
