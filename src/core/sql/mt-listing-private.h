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
  const char          *search;      /* space-separated expressions matched with LIKE */
  const char          *search_hint; /* N_(): what the search box looks in, as the admin names it */
  const MtListFilter  *filters;
  const char          *state_expr;  /* the facet counted per state */
  const MtChoice      *states;
  const char          *date_expr;   /* what the date range applies to */
  const char          *date_hint;   /* N_(): what that date is, when not the row's own time */
  const char          *order;       /* default order */
} MtListSpec;

extern const MtChoice mt_alarm_types[];

/* Every row the listing holds now (scope, search, filters, state), as @exprs over the page's
 * tables: a statement to step and reset, or NULL. For views that need all rows at once (the
 * map), not a page of them. */
sqlite3_stmt       *mt_listing_select       (MtListing     *listing,
                                             const char    *exprs);

G_END_DECLS
