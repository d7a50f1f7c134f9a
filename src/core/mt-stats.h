/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "mt-database.h"
#include "mt-perm.h"

G_BEGIN_DECLS

/*
 * Statistics from daily aggregates. Each business day (China Standard Time, UTC+8, where the
 * business runs) the schema's triggers sum what the big tables add, in the same transaction as
 * the rows: money movements by kind (“l:rent”, “l:deposit_in”…, a rental card sold is
 * “l:card”), rentals begun and ended (“o:rented”, “o:ended”), new members (“m:new”), recharges by
 * denomination (“r:plan”, key: the amount), rental cards sold and refunded (“c:sold”,
 * “c:refunded”, key: the card), repairs closed (“w:closed”, key 1 when scrapped, secs: time to
 * close) and alarms raised (“a:TYPE”) — each by operator, store and device type. A view sums them
 * over days within the account's scope and never reads the raw rows.
 */

/* Days since 1970-01-01 in China Standard Time, and the UTC instant a day begins */
gint64   mt_stats_day_of       (gint64 usec);
gint64   mt_stats_day_start    (gint64 day);
/* "2026-12-03" */
char    *mt_stats_day_format   (gint64 day);

typedef enum
{
  MT_STATS_BY_DAY,
  MT_STATS_BY_WEEK,       /* weeks from Monday */
  MT_STATS_BY_MONTH,
  MT_STATS_BY_OPERATOR,
  MT_STATS_BY_STORE,
  MT_STATS_BY_PROVINCE,   /* of the store */
  MT_STATS_BY_CITY,
  MT_STATS_BY_DISTRICT,
  MT_STATS_BY_TYPE,       /* device type */
  MT_STATS_BY_KEY,        /* the metric's key: a denomination, a card */
} MtStatsBy;

typedef enum
{
  MT_STATS_COUNT,         /* how many rows */
  MT_STATS_FEN,           /* their money */
  MT_STATS_SECS,          /* their durations (shown in hours) */
  MT_STATS_PERMILLE,      /* a share, worked out by a view (shown as a percentage) */
} MtStatsValue;

/* One figure of a view: @value summed over the metrics listed (space-separated; “-l:refund”
 * subtracts); @id and @title name it */
typedef struct
{
  const char   *id;
  const char   *title;     /* NC_("statistics figure", …): show with mt_stats_figure_title() */
  const char   *metrics;
  MtStatsValue  value;
  gboolean      at_end;    /* the period's figure is its last row's (a running total, a month's
                            * members), not the rows' sum */
} MtStatsFigure;

/* What to sum: business days @from_day … @to_day (inclusive), narrowed to an operator's subtree,
 * a store, a region (a GB/T 2260 prefix: province, city or district) or a device type (0 or
 * NULL: all the account sees) */
typedef struct
{
  gint64      from_day;
  gint64      to_day;
  gint64      operator_id;
  gint64      store_id;
  const char *region_code;
  gint64      type_id;
} MtStatsFilter;

/* A view's answer: a row per bucket (in order: time, or largest first), a column per figure */
typedef struct
{
  guint    n_rows;
  guint    n_figures;
  gint64  *keys;      /* the bucket: a day, a week's Monday, yyyymm, an id, a key */
  char   **labels;    /* shown: a date, a month, a name */
  gint64  *values;    /* n_rows × n_figures */
} MtStatsTable;

MtStatsTable *mt_stats_query      (MtDb                 *db,
                                   const MtActor        *actor,
                                   const MtStatsFilter  *filter,
                                   MtStatsBy             by,
                                   const MtStatsFigure  *figures,
                                   guint                 n_figures,
                                   GError              **error);
gint64        mt_stats_table_get  (const MtStatsTable   *table,
                                   guint                 row,
                                   guint                 figure);
void          mt_stats_table_free (MtStatsTable         *table);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MtStatsTable, mt_stats_table_free)

/* Every aggregate recomputed from the raw rows, compared with the kept ones: the rows that
 * differ are added to @problems as text (NULL: just the answer) */
gboolean      mt_stats_check      (MtDb                 *db,
                                   GPtrArray            *problems);

G_END_DECLS
