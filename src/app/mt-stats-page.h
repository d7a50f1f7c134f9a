/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "mt-chart.h"
#include "mt-context.h"

G_BEGIN_DECLS

#define MT_TYPE_STATS_PAGE (mt_stats_page_get_type ())
G_DECLARE_FINAL_TYPE (MtStatsPage, mt_stats_page, MT, STATS_PAGE, GtkBox)

/*
 * 统计管理: the statistics views the account may open, each over a period (today, 7 or 30 days,
 * this month, quarter or year, or chosen dates) by day, week or month, narrowed to an operator,
 * a store or a device type; the period's key figures against the period before; a chart (or the
 * same figures as a table) whose rows open the list behind them. The sums are read on the
 * session's worker.
 *
 * ::open-page (page id, search text, first day, last day — "" when not narrowed) asks the
 * window to open a list so narrowed.
 */
MtStatsPage        *mt_stats_page_new        (MtContext   *context);
/* Opens a view by id (one the account may open); FALSE otherwise */
gboolean            mt_stats_page_show_view  (MtStatsPage *self,
                                              const char  *view_id);
/* The period as business days (mt_stats_day_of), inclusive */
void                mt_stats_page_set_days   (MtStatsPage *self,
                                              gint64       from_day,
                                              gint64       to_day);
MtChart            *mt_stats_page_get_chart  (MtStatsPage *self);
/* What the page shows now (NULL while it is read); the key figures' tiles as text */
const MtStatsTable *mt_stats_page_get_table  (MtStatsPage *self);
char               *mt_stats_page_get_tiles_text (MtStatsPage *self);
/* The ids of the views offered, in order */
GStrv               mt_stats_page_list_views (MtStatsPage *self);
/* The period's report for the page's scope, as PDF and XLSX, on the session's worker; the page
 * shows how far it is, then how it ended (mt_stats_page_get_report_message, NULL meanwhile) */
void                mt_stats_page_export_report (MtStatsPage *self,
                                                 const char  *pdf,
                                                 const char  *xlsx);
const char         *mt_stats_page_get_report_message (MtStatsPage *self);
/* Connected: the server's monthly reports (stats.past-reports lists them in a dialog), and one
 * of them (its name as listed) saved to @file; the outcome in mt_stats_page_get_report_message */
void                mt_stats_page_download_report (MtStatsPage *self,
                                                   const char  *name,
                                                   const char  *file);
/* How many the last listing had, -1 while the server is asked */
int                 mt_stats_page_get_n_past_reports (MtStatsPage *self);
gboolean            mt_stats_page_save_chart (MtStatsPage *self,
                                              const char  *path,
                                              GError     **error);

G_END_DECLS
