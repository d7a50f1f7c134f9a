/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "mt-entity.h"
#include "mt-stats.h"

G_BEGIN_DECLS

/*
 * The statistics module's views (统计管理), as the admin's permission tree names them: each has
 * its group (a permission leaf of the "statistics" page: statistics:trades…), a chart, and the
 * figures it shows — summed from the daily aggregates over a time range (by day, week or month)
 * or broken down by region, type, store or operator; a few read the fleet as it is now.
 */

typedef enum
{
  MT_CHART_LINE,
  MT_CHART_AREA,
  MT_CHART_BARS,      /* grouped */
  MT_CHART_STACKED,
  MT_CHART_DONUT,     /* the first figure's share of each row */
  MT_CHART_RANKING,   /* horizontal bars, a row per name, largest first */
} MtChartKind;

typedef struct _MtStatsView MtStatsView;

/* The view's rows for @filter; @grain is MT_STATS_BY_DAY, _WEEK or _MONTH for views over time */
typedef MtStatsTable *(*MtStatsViewRun) (MtDb                *db,
                                         const MtActor       *actor,
                                         const MtStatsView   *view,
                                         const MtStatsFilter *filter,
                                         MtStatsBy            grain,
                                         GError             **error);

struct _MtStatsView
{
  const char          *id;          /* "turnover" */
  const char          *group;       /* the permission leaf: "trades" */
  const char          *title;       /* NC_("statistics view", …) */
  MtChartKind          chart;
  gboolean             over_time;   /* rows are time buckets of the chosen grain */
  gboolean             monthly;     /* …always by calendar month, whatever grain is chosen */
  MtStatsBy            by;          /* otherwise what a row is */
  const MtStatsFigure *figures;     /* ended by { NULL }; the chart draws those of the first's kind */
  gboolean             live;        /* the fleet as it is now: no time range */
  const char          *drill;       /* the list page a row opens, or NULL */
  MtStatsViewRun       run;         /* NULL: mt_stats_query() */
};

typedef struct
{
  const char *id;      /* the permission leaf */
  const char *title;   /* NC_("statistics group", …) */
} MtStatsGroup;

const MtStatsGroup *mt_stats_groups          (guint              *n_groups);
const char         *mt_stats_group_title     (const MtStatsGroup *group);
const MtStatsView  *mt_stats_views           (guint              *n_views);
const MtStatsView  *mt_stats_view_lookup     (const char         *id);
const char         *mt_stats_view_title      (const MtStatsView  *view);
guint               mt_stats_view_n_figures  (const MtStatsView  *view);
const char         *mt_stats_figure_title    (const MtStatsFigure *figure);
/* Whether the account may open the view: statistics:GROUP */
gboolean            mt_stats_view_allowed    (const MtStatsView  *view,
                                              const MtActor      *actor);
/* The view's rows, within the account's scope; refused without its permission */
MtStatsTable       *mt_stats_view_run        (MtDb               *db,
                                              const MtActor      *actor,
                                              const MtStatsView  *view,
                                              const MtStatsFilter *filter,
                                              MtStatsBy           grain,
                                              GError            **error);
/* The provinces where the account's stores are, for narrowing a view (MtOption: code, name;
 * free with g_ptr_array_unref) */
GPtrArray          *mt_stats_regions         (MtDb               *db,
                                              const MtActor      *actor);
/* A figure's value as it is shown: "¥1,234.00", "1,234", "56.7%", "3.5 h" */
char               *mt_stats_format_value    (MtStatsValue        kind,
                                              gint64              value);

G_END_DECLS
