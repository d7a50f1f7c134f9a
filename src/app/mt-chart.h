/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "mt-stats-views.h"

G_BEGIN_DECLS

#define MT_TYPE_CHART (mt_chart_get_type ())
G_DECLARE_FINAL_TYPE (MtChart, mt_chart, MT, CHART, GtkWidget)

/*
 * A chart of a statistics table, drawn with cairo: lines, areas, grouped or stacked bars, or a
 * donut, with nice axis ticks, money in yuan, a legend, and a callout with the exact values of
 * the row under the pointer or the keyboard's focus (Left/Right, Home/End). Enter or a click
 * emits "activated" with the row (to open the list behind it). The same drawing makes the PNG
 * and PDF files.
 */
MtChart     *mt_chart_new          (void);
/* Shows @figures (@n of them) of @table as @kind; the axis draws those of the first figure's kind */
void         mt_chart_set_data     (MtChart             *self,
                                    MtChartKind          kind,
                                    const MtStatsTable  *table,
                                    const MtStatsFigure *figures,
                                    guint                n_figures);
/* The row highlighted (by the pointer or the keys), or -1 */
int          mt_chart_get_selected (MtChart             *self);
void         mt_chart_set_selected (MtChart             *self,
                                    int                  row);
/* The callout's text for the highlighted row, or NULL */
char        *mt_chart_get_callout  (MtChart             *self);
/* Draws the chart on @cr at @width × @height, as on screen */
void         mt_chart_draw         (MtChart             *self,
                                    cairo_t             *cr,
                                    int                  width,
                                    int                  height);
/* Writes the chart to @path: PNG, or PDF when the name ends in .pdf */
gboolean     mt_chart_save         (MtChart             *self,
                                    const char          *path,
                                    int                  width,
                                    int                  height,
                                    GError             **error);

G_END_DECLS
