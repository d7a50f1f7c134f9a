/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "mt-stats-views.h"

G_BEGIN_DECLS

/*
 * 主页: what each role looks at first, within its scope. Headquarters, operators and finance:
 * the fleet rented and online, today's rentals, returns and income against yesterday, overdue
 * orders, open alarms, 30 days of income, the best and the weakest stores. A store manager: its
 * batteries ready, rented and in repair, returns due today, overdue orders, today's takings. A
 * technician: open alarms by type, batteries silent for a day or more, the worst cell imbalance
 * reported, repairs waiting. Each tile names the list behind it.
 */

typedef enum
{
  MT_DASHBOARD_MANAGEMENT,
  MT_DASHBOARD_STORE,
  MT_DASHBOARD_TECHNICIAN,
} MtDashboardKind;

typedef struct
{
  const char   *id;        /* "rentals_today" */
  char         *title;
  gint64        value;
  MtStatsValue  kind;
  gboolean      has_before;
  gint64        before;    /* yesterday's, when has_before */
  char         *note;      /* "of 300 devices", or NULL */
  const char   *page;      /* the list behind it */
  const char   *state;     /* that list's state filter, or NULL */
  gboolean      today;     /* that list narrowed to today */
  gboolean      warning;   /* a figure that asks for action (overdue, alarms) when not 0 */
} MtDashboardTile;

typedef struct
{
  MtDashboardKind  kind;
  GPtrArray       *tiles;        /* MtDashboardTile */
  char            *chart_title;
  MtChartKind      chart_kind;
  MtStatsTable    *chart;        /* the first chart: 30 days of income, or open alarms by type */
  const MtStatsFigure *chart_figures;
  guint            chart_n_figures;
  char            *ranking_title;
  MtStatsTable    *ranking;      /* best and weakest stores, or NULL */
  const MtStatsFigure *ranking_figures;
} MtDashboard;

MtDashboardKind mt_dashboard_kind_for (const MtActor  *actor);
MtDashboard    *mt_dashboard_read     (MtDb           *db,
                                       const MtActor  *actor,
                                       GError        **error);
void            mt_dashboard_free     (MtDashboard    *dashboard);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MtDashboard, mt_dashboard_free)

G_END_DECLS
