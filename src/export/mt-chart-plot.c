/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Statistics drawn with cairo and pango: the console's chart widget and the printed reports
 * share it */
#define G_LOG_DOMAIN "mt-chart"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>
#include <cairo-pdf.h>
#include <gio/gio.h>
#include <pango/pangocairo.h>

#include "mt-chart-plot.h"

static const double palette[][3] = {
  { 0x35 / 255.0, 0x84 / 255.0, 0xe4 / 255.0 },
  { 0x2e / 255.0, 0xc2 / 255.0, 0x7e / 255.0 },
  { 0xe5 / 255.0, 0xa5 / 255.0, 0x0a / 255.0 },
  { 0xff / 255.0, 0x78 / 255.0, 0x00 / 255.0 },
  { 0x91 / 255.0, 0x41 / 255.0, 0xac / 255.0 },
  { 0xe0 / 255.0, 0x1b / 255.0, 0x24 / 255.0 },
  { 0x98 / 255.0, 0x6a / 255.0, 0x44 / 255.0 },
  { 0x21 / 255.0, 0x90 / 255.0, 0xa4 / 255.0 },
};
#define N_COLORS G_N_ELEMENTS (palette)

typedef struct
{
  double r, g, b;
} Ink;

static gint64
value_at (MtChartPlot *self,
          guint    row,
          guint    figure)
{
  return self->values[row * self->n_figures + figure];
}

static guint
plotted_at (MtChartPlot *self,
            guint    i)
{
  return g_array_index (self->plotted, guint, i);
}

static void
set_color (cairo_t *cr,
           guint    i,
           double   alpha)
{
  cairo_set_source_rgba (cr, palette[i % N_COLORS][0], palette[i % N_COLORS][1], palette[i % N_COLORS][2], alpha);
}

/* 1, 2 or 5 × 10^k: a step giving about @n ticks up to @range */
static double
nice_step (double range,
           int    n)
{
  double raw = range / MAX (n, 1), mag = pow (10, floor (log10 (raw))), f = raw / mag;

  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;
}

/* An axis label: money in whole yuan, counts and shares as numbers */
static char *
axis_label (MtChartPlot *self,
            double   v)
{
  MtStatsValue kind = self->figures[plotted_at (self, 0)].value;

  if (kind == MT_STATS_FEN)
    {
      g_autofree char *money = mt_stats_format_value (MT_STATS_FEN, (gint64) llround (v));
      char *dot = strrchr (money, '.');

      if (dot && (fabs (v) >= 100 || v == 0))
        *dot = '\0';   /* whole yuan on the axis; the callout has the fen */
      return g_steal_pointer (&money);
    }
  if (kind == MT_STATS_PERMILLE)
    return g_strdup_printf ("%.0f%%", v / 10);
  if (kind == MT_STATS_SECS)
    return g_strdup_printf ("%.0f", v / 3600);
  return mt_stats_format_value (MT_STATS_COUNT, (gint64) llround (v));
}

static void
text_size (PangoLayout *layout,
           const char  *text,
           int         *w,
           int         *h)
{
  pango_layout_set_text (layout, text, -1);
  pango_layout_get_pixel_size (layout, w, h);
}

static void
draw_text (cairo_t     *cr,
           PangoLayout *layout,
           const char  *text,
           double       x,
           double       y,
           double       align)   /* 0 left, 0.5 centre, 1 right of x */
{
  int w, h;

  text_size (layout, text, &w, &h);
  cairo_move_to (cr, x - w * align, y);
  pango_cairo_show_layout (cr, layout);
}

/* The callout: the row's label and each figure's exact value */
char *
mt_chart_plot_callout (MtChartPlot *self)
{
  GString *s;

  if (self->selected < 0 || (guint) self->selected >= self->n_rows)
    return NULL;
  s = g_string_new (self->labels[self->selected]);
  for (guint f = 0; f < self->n_figures; f++)
    {
      g_autofree char *v = mt_stats_format_value (self->figures[f].value, value_at (self, self->selected, f));

      g_string_append_printf (s, "\n%s: %s", mt_stats_figure_title (&self->figures[f]), v);
    }
  if (self->kind == MT_CHART_DONUT)
    {
      gint64 total = 0;

      for (guint r = 0; r < self->n_rows; r++)
        total += MAX (value_at (self, r, 0), 0);
      if (total > 0)
        g_string_append_printf (s, "\n%.1f%%", 100.0 * MAX (value_at (self, self->selected, 0), 0) / total);
    }
  return g_string_free (s, FALSE);
}

static void
draw_callout (MtChartPlot *self,
              cairo_t     *cr,
              PangoLayout *layout,
              const Ink   *fg,
              double       x,
              double       y,
              double       max_x)
{
  g_autofree char *text = mt_chart_plot_callout (self);
  int w, h;

  if (text == NULL)
    return;
  text_size (layout, text, &w, &h);
  x = CLAMP (x + 12, 4, max_x - w - 20);
  cairo_rectangle (cr, x, y, w + 16, h + 12);
  cairo_set_source_rgba (cr, 0.13, 0.13, 0.15, 0.92);
  cairo_fill (cr);
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_move_to (cr, x + 8, y + 6);
  pango_cairo_show_layout (cr, layout);
  (void) fg;
}

static void
draw_legend (MtChartPlot *self,
             cairo_t     *cr,
             PangoLayout *layout,
             const Ink   *fg,
             double       x,
             double       y)
{
  for (guint i = 0; i < self->plotted->len; i++)
    {
      const char *title = mt_stats_figure_title (&self->figures[plotted_at (self, i)]);
      int w, h;

      set_color (cr, i, 1);
      cairo_rectangle (cr, x, y + 4, 10, 10);
      cairo_fill (cr);
      cairo_set_source_rgb (cr, fg->r, fg->g, fg->b);
      text_size (layout, title, &w, &h);
      draw_text (cr, layout, title, x + 16, y, 0);
      x += 16 + w + 20;
    }
}

static void
draw_donut (MtChartPlot *self,
            cairo_t     *cr,
            PangoLayout *layout,
            const Ink   *fg,
            int          width,
            int          height)
{
  double radius = MIN (150, MIN (width / 2.0, height / 2.0) - 16), cx = radius + 40, cy = height / 2.0;
  double angle = -G_PI / 2, lx = cx * 2 + 24, ly = MAX (16, cy - self->n_rows * 11.0);
  gint64 total = 0;

  for (guint r = 0; r < self->n_rows; r++)
    total += MAX (value_at (self, r, 0), 0);
  self->plot_x = 0;
  self->plot_w = 0;
  if (total == 0)
    {
      cairo_set_source_rgba (cr, fg->r, fg->g, fg->b, 0.15);
      cairo_set_line_width (cr, radius * 0.4);
      cairo_new_path (cr);
      cairo_arc (cr, cx, cy, radius * 0.8, 0, 2 * G_PI);
      cairo_stroke (cr);
    }
  for (guint r = 0; r < self->n_rows && total > 0; r++)
    {
      double share = (double) MAX (value_at (self, r, 0), 0) / total;
      double sweep = share * 2 * G_PI;

      set_color (cr, r, (int) r == self->selected || self->selected < 0 ? 1 : 0.45);
      cairo_set_line_width (cr, radius * ((int) r == self->selected ? 0.5 : 0.4));
      cairo_new_path (cr);
      cairo_arc (cr, cx, cy, radius * 0.8, angle, angle + sweep);
      cairo_stroke (cr);
      angle += sweep;
    }
  /* the legend: each row with its share */
  for (guint r = 0; r < self->n_rows; r++)
    {
      g_autofree char *value = mt_stats_format_value (self->figures[0].value, value_at (self, r, 0));
      g_autofree char *line = g_strdup_printf ("%s  %s  %.1f%%", self->labels[r], value,
                                               total ? 100.0 * MAX (value_at (self, r, 0), 0) / total : 0.0);

      set_color (cr, r, 1);
      cairo_rectangle (cr, lx, ly + r * 22 + 4, 10, 10);
      cairo_fill (cr);
      cairo_set_source_rgba (cr, fg->r, fg->g, fg->b, (int) r == self->selected || self->selected < 0 ? 1 : 0.6);
      draw_text (cr, layout, line, lx + 16, ly + r * 22, 0);
    }
}

static void
draw_axes_chart (MtChartPlot *self,
                 cairo_t     *cr,
                 PangoLayout *layout,
                 const Ink   *fg,
                 int          width,
                 int          height)
{
  double lo = 0, hi = 0, step, top = 32, bottom = height - 28, left, right = width - 12, slot;
  guint n_plot = self->plotted->len, label_every;
  int tw, th, max_tw = 0;

  /* the range: stacked bars sum their figures */
  for (guint r = 0; r < self->n_rows; r++)
    {
      double pos = 0, neg = 0;

      for (guint i = 0; i < n_plot; i++)
        {
          double v = value_at (self, r, plotted_at (self, i));

          if (self->kind == MT_CHART_STACKED && v >= 0)
            pos += v;
          else if (self->kind == MT_CHART_STACKED)
            neg += v;
          else
            {
              hi = MAX (hi, v);
              lo = MIN (lo, v);
            }
        }
      hi = MAX (hi, pos);
      lo = MIN (lo, neg);
    }
  if (hi - lo <= 0)
    hi = self->figures[plotted_at (self, 0)].value == MT_STATS_FEN ? 10000 : 10;
  step = nice_step (hi - lo, 5);
  hi = ceil (hi / step) * step;
  lo = floor (lo / step) * step;

  for (double t = lo; t <= hi + step / 2; t += step)
    {
      g_autofree char *label = axis_label (self, t);

      text_size (layout, label, &tw, &th);
      max_tw = MAX (max_tw, tw);
    }
  left = 12 + max_tw + 8;
  slot = (right - left) / MAX (self->n_rows, 1);
  self->plot_x = left;
  self->plot_w = right - left;

#define Y(v) (bottom - ((v) - lo) / (hi - lo) * (bottom - top))
  /* grid and ticks */
  cairo_set_line_width (cr, 1);
  for (double t = lo; t <= hi + step / 2; t += step)
    {
      g_autofree char *label = axis_label (self, t);
      double y = round (Y (t)) + 0.5;

      cairo_set_source_rgba (cr, fg->r, fg->g, fg->b, t == 0 ? 0.35 : 0.1);
      cairo_move_to (cr, left, y);
      cairo_line_to (cr, right, y);
      cairo_stroke (cr);
      cairo_set_source_rgba (cr, fg->r, fg->g, fg->b, 0.7);
      text_size (layout, label, &tw, &th);
      draw_text (cr, layout, label, left - 8, y - th / 2.0, 1);
    }

  /* the highlighted row's band */
  if (self->selected >= 0 && (guint) self->selected < self->n_rows)
    {
      cairo_set_source_rgba (cr, fg->r, fg->g, fg->b, 0.07);
      cairo_rectangle (cr, left + self->selected * slot, top, slot, bottom - top);
      cairo_fill (cr);
    }

  /* the labels along the bottom, as many as fit */
  text_size (layout, self->n_rows ? self->labels[0] : "", &tw, &th);
  label_every = MAX (1, (guint) ceil ((tw + 12) / MAX (slot, 1)));
  cairo_set_source_rgba (cr, fg->r, fg->g, fg->b, 0.7);
  for (guint r = 0; r < self->n_rows; r += label_every)
    {
      int lw, lh;

      text_size (layout, self->labels[r], &lw, &lh);
      /* centred under its row, kept inside the chart */
      draw_text (cr, layout, self->labels[r], CLAMP (left + (r + 0.5) * slot - lw / 2.0, 0, width - lw - 2), bottom + 6, 0);
    }

  if (self->kind == MT_CHART_BARS || self->kind == MT_CHART_STACKED)
    {
      double group = slot * 0.72, bar = self->kind == MT_CHART_STACKED ? group : group / MAX (n_plot, 1);

      for (guint r = 0; r < self->n_rows; r++)
        {
          double x0 = left + r * slot + (slot - group) / 2, pos = 0, neg = 0;

          for (guint i = 0; i < n_plot; i++)
            {
              double v = value_at (self, r, plotted_at (self, i)), from, to, x;

              if (self->kind == MT_CHART_STACKED)
                {
                  double *acc = v >= 0 ? &pos : &neg;

                  from = *acc;
                  to = *acc + v;
                  *acc = to;
                  x = x0;
                }
              else
                {
                  from = 0;
                  to = v;
                  x = x0 + i * bar;
                }
              set_color (cr, i, self->selected < 0 || (int) r == self->selected ? 1 : 0.55);
              cairo_rectangle (cr, x + 0.5, MIN (Y (from), Y (to)), MAX (bar - 1, 1), fabs (Y (to) - Y (from)));
              cairo_fill (cr);
            }
        }
    }
  else
    {
      for (guint i = 0; i < n_plot; i++)
        {
          guint f = plotted_at (self, i);

          if (self->n_rows == 0)
            break;
          cairo_new_path (cr);
          for (guint r = 0; r < self->n_rows; r++)
            cairo_line_to (cr, left + (r + 0.5) * slot, Y (value_at (self, r, f)));
          if (self->kind == MT_CHART_AREA && i == 0)   /* the first figure filled, the others lines over it */
            {
              cairo_path_t *line = cairo_copy_path (cr);

              cairo_line_to (cr, left + (self->n_rows - 0.5) * slot, Y (MAX (lo, 0)));
              cairo_line_to (cr, left + 0.5 * slot, Y (MAX (lo, 0)));
              cairo_close_path (cr);
              set_color (cr, i, 0.18);
              cairo_fill (cr);
              cairo_append_path (cr, line);
              cairo_path_destroy (line);
            }
          set_color (cr, i, 1);
          cairo_set_line_width (cr, 2);
          cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
          cairo_stroke (cr);
          if (self->selected >= 0 && (guint) self->selected < self->n_rows)
            {
              cairo_new_path (cr);
              cairo_arc (cr, left + (self->selected + 0.5) * slot, Y (value_at (self, self->selected, f)), 4, 0, 2 * G_PI);
              cairo_fill (cr);
            }
        }
    }
#undef Y
  draw_legend (self, cr, layout, fg, left, 4);
  if (self->selected >= 0 && (guint) self->selected < self->n_rows)
    draw_callout (self, cr, layout, fg, left + (self->selected + 0.5) * slot, top + 4, width);
}

/* A row per name, top to bottom: the name, its bars, the first figure's value at their end */
static void
draw_ranking (MtChartPlot *self,
              cairo_t     *cr,
              PangoLayout *layout,
              const Ink   *fg,
              int          width,
              int          height)
{
  guint n_plot = self->plotted->len;
  double hi = 0, top = 32, row_h, name_w = 0, left, right = width - 16;
  int tw, th;

  for (guint r = 0; r < self->n_rows; r++)
    {
      text_size (layout, self->labels[r], &tw, &th);
      name_w = MAX (name_w, tw);
      for (guint i = 0; i < n_plot; i++)
        hi = MAX (hi, value_at (self, r, plotted_at (self, i)));
    }
  if (hi <= 0)
    hi = 1;
  name_w = MIN (name_w, width * 0.3);
  left = 12 + name_w + 12;
  row_h = MIN (40, (height - top - 8) / MAX (self->n_rows, 1));
  self->plot_x = 0;
  self->plot_w = 0;
  for (guint r = 0; r < self->n_rows; r++)
    {
      double y = top + r * row_h, bar_h = MAX (2, (row_h * 0.7) / MAX (n_plot, 1));
      g_autofree char *value = mt_stats_format_value (self->figures[plotted_at (self, 0)].value,
                                                      value_at (self, r, plotted_at (self, 0)));
      double end = left;

      if ((int) r == self->selected)
        {
          cairo_set_source_rgba (cr, fg->r, fg->g, fg->b, 0.07);
          cairo_rectangle (cr, 0, y, width, row_h);
          cairo_fill (cr);
        }
      cairo_set_source_rgba (cr, fg->r, fg->g, fg->b, 0.8);
      pango_layout_set_width (layout, (int) name_w * PANGO_SCALE);
      pango_layout_set_ellipsize (layout, PANGO_ELLIPSIZE_END);
      text_size (layout, self->labels[r], &tw, &th);
      draw_text (cr, layout, self->labels[r], 12, y + (row_h - th) / 2, 0);
      pango_layout_set_width (layout, -1);
      for (guint i = 0; i < n_plot; i++)
        {
          double v = MAX (value_at (self, r, plotted_at (self, i)), 0);
          double w = (right - left - 110) * v / hi;

          set_color (cr, i, self->selected < 0 || (int) r == self->selected ? 1 : 0.55);
          cairo_rectangle (cr, left, y + row_h * 0.15 + i * bar_h, MAX (w, 1), bar_h - 1);
          cairo_fill (cr);
          end = MAX (end, left + w);
        }
      cairo_set_source_rgba (cr, fg->r, fg->g, fg->b, 0.8);
      text_size (layout, value, &tw, &th);
      draw_text (cr, layout, value, end + 8, y + (row_h - th) / 2, 0);
    }
  draw_legend (self, cr, layout, fg, left, 4);
  if (self->selected >= 0 && (guint) self->selected < self->n_rows)
    draw_callout (self, cr, layout, fg, width * 0.6, top + self->selected * row_h, width);
}

void
mt_chart_plot_draw (MtChartPlot                *self,
                    cairo_t                    *cr,
                    int                         width,
                    int                         height,
                    const double                ink[3],
                    const PangoFontDescription *font)
{
  PangoLayout *layout = pango_cairo_create_layout (cr);
  const Ink fg_ink = { ink[0], ink[1], ink[2] };
  const Ink *fg = &fg_ink;

  if (font)
    pango_layout_set_font_description (layout, font);
  cairo_new_path (cr);
  if (self->n_rows == 0 || self->plotted->len == 0)
    {
      cairo_set_source_rgba (cr, fg->r, fg->g, fg->b, 0.55);
      draw_text (cr, layout, _("Nothing in this period"), width / 2.0, height / 2.0 - 8, 0.5);
    }
  else if (self->kind == MT_CHART_DONUT)
    {
      draw_donut (self, cr, layout, fg, width, height);
      if (self->selected >= 0)
        draw_callout (self, cr, layout, fg, MIN (width, height) / 2.0, 8, width);
    }
  else if (self->kind == MT_CHART_RANKING)
    draw_ranking (self, cr, layout, fg, width, height);
  else
    draw_axes_chart (self, cr, layout, fg, width, height);
  g_object_unref (layout);
}

void
mt_chart_plot_init (MtChartPlot *self)
{
  memset (self, 0, sizeof *self);
  self->plotted = g_array_new (FALSE, FALSE, sizeof (guint));
  self->labels = g_new0 (char *, 1);
  self->values = g_new0 (gint64, 1);
  self->selected = -1;
}

void
mt_chart_plot_clear (MtChartPlot *self)
{
  g_clear_pointer (&self->plotted, g_array_unref);
  g_clear_pointer (&self->labels, g_strfreev);
  g_clear_pointer (&self->values, g_free);
}

void
mt_chart_plot_set (MtChartPlot         *self,
                   MtChartKind          kind,
                   const MtStatsTable  *table,
                   const MtStatsFigure *figures,
                   guint                n_figures)
{
  g_return_if_fail (table == NULL || table->n_figures == n_figures);

  self->kind = kind;
  self->figures = figures;
  self->n_figures = n_figures;
  g_clear_pointer (&self->labels, g_strfreev);
  g_clear_pointer (&self->values, g_free);
  g_array_set_size (self->plotted, 0);
  self->n_rows = table ? table->n_rows : 0;
  self->labels = table ? g_strdupv (table->labels) : g_new0 (char *, 1);
  self->values = table ? g_memdup2 (table->values, MAX (self->n_rows, 1) * n_figures * sizeof (gint64))
                       : g_new0 (gint64, 1);
  for (guint f = 0; f < n_figures; f++)
    if (figures[f].value == figures[0].value && (kind != MT_CHART_DONUT || f == 0))
      g_array_append_val (self->plotted, f);
  self->selected = -1;
}

int
mt_chart_plot_row_at (MtChartPlot *self,
                      double       x,
                      double       y,
                      int          height)
{
  if (self->n_rows == 0)
    return -1;
  if (self->kind == MT_CHART_DONUT)
    {
      double ly = MAX (16, height / 2.0 - self->n_rows * 11.0);
      int r = (int) floor ((y - ly) / 22);

      return r >= 0 && (guint) r < self->n_rows ? r : -1;
    }
  if (self->kind == MT_CHART_RANKING)
    {
      double row_h = MIN (40, (height - 32 - 8) / (double) self->n_rows);
      int r = (int) floor ((y - 32) / row_h);

      return r >= 0 && (guint) r < self->n_rows ? r : -1;
    }
  if (x < self->plot_x || x >= self->plot_x + self->plot_w)
    return -1;
  return (int) ((x - self->plot_x) / (self->plot_w / self->n_rows));
}

gboolean
mt_chart_plot_save (MtChartPlot                *self,
                    const char                 *path,
                    int                         width,
                    int                         height,
                    const PangoFontDescription *font,
                    GError                    **error)
{
  static const double ink[3] = { 0.14, 0.14, 0.16 };   /* on paper: dark text on white, whatever the style */
  gboolean pdf = g_str_has_suffix (path, ".pdf");
  cairo_surface_t *surface = pdf ? cairo_pdf_surface_create (path, width, height)
                                 : cairo_image_surface_create (CAIRO_FORMAT_ARGB32, width * 2, height * 2);
  cairo_t *cr = cairo_create (surface);
  cairo_status_t status;
  int selected = self->selected;

  if (!pdf)
    cairo_scale (cr, 2, 2);
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_paint (cr);
  self->selected = -1;
  mt_chart_plot_draw (self, cr, width, height, ink, font);
  self->selected = selected;
  cairo_destroy (cr);
  if (!pdf)
    cairo_surface_write_to_png (surface, path);
  cairo_surface_finish (surface);
  status = cairo_surface_status (surface);
  cairo_surface_destroy (surface);
  if (status != CAIRO_STATUS_SUCCESS)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("Could not write %s: %s"), path,
                   cairo_status_to_string (status));
      return FALSE;
    }
  return TRUE;
}
