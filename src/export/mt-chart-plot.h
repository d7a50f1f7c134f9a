/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <cairo.h>
#include <pango/pango.h>

#include "mt-stats-views.h"

G_BEGIN_DECLS

/*
 * A statistics table drawn as a chart with cairo: lines, an area, grouped or stacked bars, a
 * ranking or a donut, with nice axis ticks, whole yuan on the axis, a legend, and a callout with
 * the exact values of the selected row. The console's chart widget holds one; reports draw them
 * on PDF pages.
 */
typedef struct
{
  MtChartKind          kind;
  const MtStatsFigure *figures;
  guint                n_figures;   /* all of the table's */
  GArray              *plotted;     /* guint: the figures drawn (those of the first one's kind) */
  guint                n_rows;
  char               **labels;
  gint64              *values;      /* n_rows × n_figures */
  int                  selected;    /* the row called out, or -1 */
  double               plot_x;      /* where the last drawing put the rows, for a pointer */
  double               plot_w;
} MtChartPlot;

void      mt_chart_plot_init    (MtChartPlot                *plot);
void      mt_chart_plot_clear   (MtChartPlot                *plot);
void      mt_chart_plot_set     (MtChartPlot                *plot,
                                 MtChartKind                 kind,
                                 const MtStatsTable         *table,
                                 const MtStatsFigure        *figures,
                                 guint                       n_figures);
/* Draws at @width × @height with text in @ink (r, g, b) and @font (NULL: pango's default) */
void      mt_chart_plot_draw    (MtChartPlot                *plot,
                                 cairo_t                    *cr,
                                 int                         width,
                                 int                         height,
                                 const double                ink[3],
                                 const PangoFontDescription *font);
/* The selected row's label and each figure's exact value, or NULL */
char     *mt_chart_plot_callout (MtChartPlot                *plot);
/* The row at a point of the last drawing (of @height), or -1 */
int       mt_chart_plot_row_at  (MtChartPlot                *plot,
                                 double                      x,
                                 double                      y,
                                 int                         height);
/* A PNG (twice the size, for sharpness) or, when @path ends in .pdf, a PDF, on white */
gboolean  mt_chart_plot_save    (MtChartPlot                *plot,
                                 const char                 *path,
                                 int                         width,
                                 int                         height,
                                 const PangoFontDescription *font,
                                 GError                    **error);

G_END_DECLS
