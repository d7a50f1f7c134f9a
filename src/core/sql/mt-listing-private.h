/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "mt-db.h"
#include "mt-listing.h"

G_BEGIN_DECLS

typedef struct
{
  const char          *from;
  const char          *where;
  const char          *alias;       /* the row's table alias: alias.id, alias.version; NULL = none */
  const char          *op_col;      /* owner columns for scoping */
  const char          *store_col;
  const char          *scope_or;    /* rows visible whatever their owner */
  const MtListColumn  *columns;
  /* Space-separated terms: "col" contains the text; "^col" begins with it (a number of a big
   * table: an index range); "x.fk=table(col,^col)" the rows whose fk is a row of table matching */
  const char          *search;
  const char          *search_hint; /* N_(): what the search box looks in, as the admin names it */
  const MtListFilter  *filters;
  const char          *state_expr;  /* the facet counted per state */
  const MtChoice      *states;
  const char          *date_expr;   /* what the date range applies to */
  const char          *date_hint;   /* N_(): what that date is, when not the row's own time */
  const char          *order;       /* default order */
  const char          *kept;        /* list_counts' tbl counting this list's rows (where = deleted = 0) */
  gboolean             bounded;     /* counted only up to the count limit (so is every kept list) when
                                     * its counts are not kept: a table that grows without end */
  /* The index of the default order, then the row's id and tombstone and the columns the search
   * looks at (migration 28): a page deep in the list and a search scanned for read it by name,
   * a table row only for a match */
  const char          *order_index;
} MtListSpec;

extern const MtChoice mt_alarm_types[];

/* Every row the listing holds now (scope, search, filters, state), as @exprs over the page's
 * tables: a statement to step and reset, or NULL. For views that need all rows at once (the
 * map), not a page of them. */
sqlite3_stmt       *mt_listing_select       (MtListing     *listing,
                                             const char    *exprs);

/* For tests: how searches and counts are planned — matching ids handed over as a list up to
 * @ids_max, indexes read while at most @index_rows rows are expected, list_counts used or not */
void                _mt_listing_set_planning (MtListing    *listing,
                                              guint         ids_max,
                                              guint         index_rows,
                                              gboolean      use_kept);

/* For tests: whether the last page read was found after the previous page's last row (keyset
 * paging) rather than by counting rows off from the start */
gboolean            _mt_listing_last_page_keyed (MtListing *listing);

/* Whether list_counts agrees with the rows it counts; each difference appended to @problems */
gboolean            mt_listing_counts_check (MtDb          *db,
                                             GPtrArray     *problems);

G_END_DECLS
