/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The statistics report: every view of a period as PDF pages and XLSX sheets */
#define G_LOG_DOMAIN "mt-report"

#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <cairo-pdf.h>
#include <pango/pangocairo.h>
#include <xlsxwriter.h>

#include "mt-chart-plot.h"
#include "mt-db.h"
#include "mt-error.h"
#include "mt-report.h"
#include "mt-validate.h"
#include "mt-xlsx-private.h"

#define PAGE_W 595.0
#define PAGE_H 842.0
#define MARGIN 48.0
#define ROW_H 18.0
#define CHART_H 280.0
#define FONT "Noto Sans CJK SC"

typedef struct
{
  const MtStatsView *view;
  MtStatsTable      *table;
  guint              first_page;   /* 0-based */
  guint              n_pages;
} Section;

typedef struct
{
  GArray        *sections;   /* Section */
  MtStatsFilter  filter;
  MtStatsBy      grain;
  char          *scope;      /* whose figures: the operator, the store */
  char          *period;     /* "2026-11-04 to 2026-12-03" */
  guint          n_pages;
} Report;

static void report_clear (Report *r);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Report, report_clear)

static void
report_clear (Report *r)
{
  for (guint i = 0; r->sections && i < r->sections->len; i++)
    mt_stats_table_free (g_array_index (r->sections, Section, i).table);
  g_clear_pointer (&r->sections, g_array_unref);
  g_free (r->scope);
  g_free (r->period);
}

static guint
rows_of (const Section *s)
{
  /* the rows, and a total under a time series */
  return s->table->n_rows + (s->view->over_time && s->table->n_rows > 1 ? 1 : 0);
}

static guint
rows_first_page (void)
{
  return (guint) ((PAGE_H - MARGIN - 30 - (MARGIN + 34 + CHART_H + 18)) / ROW_H) - 1;
}

static guint
rows_next_pages (void)
{
  return (guint) ((PAGE_H - 2 * MARGIN - 30 - 30) / ROW_H) - 1;
}

static gint64
figure_total (const MtStatsTable  *t,
              const MtStatsFigure *figure,
              guint                f)
{
  gint64 sum = 0;

  if (t->n_rows == 0)
    return 0;
  if (figure->at_end)   /* a running total, a month's members: its last row */
    return mt_stats_table_get (t, t->n_rows - 1, f);
  for (guint r = 0; r < t->n_rows; r++)
    sum += mt_stats_table_get (t, r, f);
  return sum;
}

/* ------------------------------------------------------------------ PDF */

static PangoLayout *
layout_new (cairo_t    *cr,
            double      size,
            gboolean    bold)
{
  PangoLayout *layout = pango_cairo_create_layout (cr);
  PangoFontDescription *font = pango_font_description_from_string (FONT);

  pango_font_description_set_size (font, (int) (size * PANGO_SCALE));
  if (bold)
    pango_font_description_set_weight (font, PANGO_WEIGHT_BOLD);
  pango_layout_set_font_description (layout, font);
  pango_font_description_free (font);
  return layout;
}

/* @text at (@x, @y), aligned 0 left … 1 right of @x, within @width (0: no limit) */
static void
text_at (cairo_t    *cr,
         const char *text,
         double      x,
         double      y,
         double      size,
         gboolean    bold,
         double      align,
         double      width)
{
  PangoLayout *layout = layout_new (cr, size, bold);
  int w, h;

  pango_layout_set_text (layout, text, -1);
  if (width > 0)
    {
      pango_layout_set_width (layout, (int) (width * PANGO_SCALE));
      pango_layout_set_ellipsize (layout, PANGO_ELLIPSIZE_END);
    }
  pango_layout_get_pixel_size (layout, &w, &h);
  cairo_move_to (cr, x - w * align, y);
  pango_cairo_show_layout (cr, layout);
  g_object_unref (layout);
}

static void
footer (cairo_t      *cr,
        const Report *r,
        guint         page)
{
  g_autofree char *text = g_strdup_printf (_("Mingtang · %s · %s · page %u of %u"), r->scope, r->period, page + 1,
                                           r->n_pages);

  cairo_set_source_rgb (cr, 0.45, 0.45, 0.48);
  cairo_move_to (cr, MARGIN, PAGE_H - MARGIN + 8);
  cairo_line_to (cr, PAGE_W - MARGIN, PAGE_H - MARGIN + 8);
  cairo_set_line_width (cr, 0.5);
  cairo_stroke (cr);
  text_at (cr, text, PAGE_W / 2, PAGE_H - MARGIN + 14, 8, FALSE, 0.5, 0);
}

static void
cover (cairo_t      *cr,
       const Report *r)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *made = g_date_time_format (now, "%Y-%m-%d %H:%M");
  g_autofree char *made_line = g_strdup_printf (_("Made %s from the books at hand; days in Beijing time"), made);
  double y = MARGIN + 140;
  guint lines = 0;

  cairo_set_source_rgb (cr, 0.21, 0.52, 0.89);
  cairo_rectangle (cr, 0, 0, PAGE_W, 8);
  cairo_fill (cr);
  cairo_set_source_rgb (cr, 0.12, 0.12, 0.14);
  text_at (cr, _("Operations Report"), MARGIN, MARGIN + 20, 26, TRUE, 0, 0);
  text_at (cr, r->scope, MARGIN, MARGIN + 66, 14, FALSE, 0, 0);
  text_at (cr, r->period, MARGIN, MARGIN + 90, 12, FALSE, 0, 0);
  cairo_set_source_rgb (cr, 0.45, 0.45, 0.48);
  text_at (cr, made_line, MARGIN, MARGIN + 112, 9, FALSE, 0, 0);

  /* the period's key figures: each time series' totals */
  cairo_set_source_rgb (cr, 0.12, 0.12, 0.14);
  text_at (cr, _("Key figures"), MARGIN, y, 13, TRUE, 0, 0);
  y += 28;
  for (guint i = 0; i < r->sections->len; i++)
    {
      const Section *s = &g_array_index (r->sections, Section, i);
      guint n = mt_stats_view_n_figures (s->view);

      if (!s->view->over_time || s->view->run != NULL)
        continue;
      for (guint f = 0; f < n && lines < 34; f++, lines++)
        {
          g_autofree char *value = mt_stats_format_value (s->view->figures[f].value,
                                                          figure_total (s->table, &s->view->figures[f], f));
          g_autofree char *what = g_strdup_printf (_("%s · %s"), mt_stats_view_title (s->view),
                                                   mt_stats_figure_title (&s->view->figures[f]));

          if (lines % 2 == 0)
            {
              cairo_set_source_rgb (cr, 0.96, 0.96, 0.97);
              cairo_rectangle (cr, MARGIN, y - 2, PAGE_W - 2 * MARGIN, ROW_H);
              cairo_fill (cr);
            }
          cairo_set_source_rgb (cr, 0.12, 0.12, 0.14);
          text_at (cr, what, MARGIN + 6, y, 9.5, FALSE, 0, 330);
          text_at (cr, value, PAGE_W - MARGIN - 6, y, 9.5, TRUE, 1, 0);
          y += ROW_H;
        }
    }
  footer (cr, r, 0);
}

static void
table_header (cairo_t       *cr,
              const Section *s,
              double         y,
              double         col_w)
{
  guint n = mt_stats_view_n_figures (s->view);

  cairo_set_source_rgb (cr, 0.12, 0.12, 0.14);
  text_at (cr, s->view->over_time ? _("Period") : _("Name"), MARGIN + 4, y, 9, TRUE, 0, 150);
  for (guint f = 0; f < n; f++)
    text_at (cr, mt_stats_figure_title (&s->view->figures[f]), MARGIN + 160 + (f + 1) * col_w - 4, y, 9, TRUE, 1,
             col_w - 8);
  cairo_move_to (cr, MARGIN, y + ROW_H - 1);
  cairo_line_to (cr, PAGE_W - MARGIN, y + ROW_H - 1);
  cairo_set_line_width (cr, 0.6);
  cairo_stroke (cr);
}

/* Rows @from … of the section's table from @y, as many as @room; the total closes the last */
static void
table_rows (cairo_t       *cr,
            const Section *s,
            guint          from,
            guint          room,
            double         y,
            double         col_w)
{
  guint n = mt_stats_view_n_figures (s->view);
  guint total_rows = rows_of (s);

  for (guint i = from; i < total_rows && i < from + room; i++, y += ROW_H)
    {
      gboolean total = i >= s->table->n_rows;

      if (i % 2 == 1)
        {
          cairo_set_source_rgb (cr, 0.96, 0.96, 0.97);
          cairo_rectangle (cr, MARGIN, y - 1, PAGE_W - 2 * MARGIN, ROW_H);
          cairo_fill (cr);
        }
      cairo_set_source_rgb (cr, 0.12, 0.12, 0.14);
      text_at (cr, total ? _("In all") : s->table->labels[i], MARGIN + 4, y, 9, total, 0, 150);
      for (guint f = 0; f < n; f++)
        {
          const MtStatsFigure *fig = &s->view->figures[f];
          g_autofree char *v = NULL;

          /* a share, or members month by month, has no total */
          if (total && (fig->value == MT_STATS_PERMILLE || (fig->at_end && s->view->monthly)))
            continue;
          v = mt_stats_format_value (fig->value, total ? figure_total (s->table, fig, f)
                                                       : mt_stats_table_get (s->table, i, f));
          text_at (cr, v, MARGIN + 160 + (f + 1) * col_w - 4, y, 9, total, 1, 0);
        }
    }
}

static void
section_pages (cairo_t      *cr,
               const Report *r,
               const Section *s)
{
  guint n = mt_stats_view_n_figures (s->view);
  double col_w = (PAGE_W - 2 * MARGIN - 160) / MAX (n, 1);
  double table_y = MARGIN + 34 + CHART_H + 18;
  static const double ink[3] = { 0.12, 0.12, 0.14 };
  PangoFontDescription *font = pango_font_description_from_string (FONT " 8");
  MtChartPlot plot;
  guint row = 0;

  /* first page: the title, the chart, the table's start */
  cairo_set_source_rgb (cr, 0.12, 0.12, 0.14);
  text_at (cr, mt_stats_view_title (s->view), MARGIN, MARGIN, 15, TRUE, 0, 0);
  cairo_save (cr);
  cairo_translate (cr, MARGIN, MARGIN + 34);
  mt_chart_plot_init (&plot);
  mt_chart_plot_set (&plot, s->view->chart, s->table, s->view->figures, n);
  mt_chart_plot_draw (&plot, cr, (int) (PAGE_W - 2 * MARGIN), (int) CHART_H, ink, font);
  mt_chart_plot_clear (&plot);
  cairo_restore (cr);
  pango_font_description_free (font);
  table_header (cr, s, table_y, col_w);
  table_rows (cr, s, 0, rows_first_page (), table_y + ROW_H + 2, col_w);
  footer (cr, r, s->first_page);
  row = rows_first_page ();

  /* the table goes on */
  for (guint p = 1; p < s->n_pages; p++)
    {
      g_autofree char *title = g_strdup_printf (_("%s (continued)"), mt_stats_view_title (s->view));

      cairo_show_page (cr);
      cairo_set_source_rgb (cr, 0.12, 0.12, 0.14);
      text_at (cr, title, MARGIN, MARGIN, 12, TRUE, 0, 0);
      table_header (cr, s, MARGIN + 30, col_w);
      table_rows (cr, s, row, rows_next_pages (), MARGIN + 30 + ROW_H + 2, col_w);
      footer (cr, r, s->first_page + p);
      row += rows_next_pages ();
    }
}

static gboolean
write_pdf (Report      *r,
           const char  *path,
           GError     **error)
{
  g_autofree char *tmp = g_strconcat (path, ".part", NULL);
  cairo_surface_t *surface = cairo_pdf_surface_create (tmp, PAGE_W, PAGE_H);
  cairo_t *cr = cairo_create (surface);
  cairo_status_t status;

  cairo_pdf_surface_set_metadata (surface, CAIRO_PDF_METADATA_TITLE, _("Operations Report"));
  cairo_pdf_surface_set_metadata (surface, CAIRO_PDF_METADATA_CREATOR, "Mingtang");
  cover (cr, r);
  for (guint i = 0; i < r->sections->len; i++)
    {
      cairo_show_page (cr);
      section_pages (cr, r, &g_array_index (r->sections, Section, i));
    }
  cairo_show_page (cr);
  cairo_destroy (cr);
  cairo_surface_finish (surface);
  status = cairo_surface_status (surface);
  cairo_surface_destroy (surface);
  if (status != CAIRO_STATUS_SUCCESS || g_rename (tmp, path) != 0)
    {
      g_set_error (error, MT_ERROR, MT_ERROR_FAILED, _("Cannot write “%s”: %s"), path,
                   status != CAIRO_STATUS_SUCCESS ? cairo_status_to_string (status) : g_strerror (errno));
      g_unlink (tmp);
      return FALSE;
    }
  return TRUE;
}

/* ------------------------------------------------------------------ XLSX */

/* A sheet's name: at most 31 characters, none of []:*?/\, unique in the workbook */
static char *
sheet_name (const char *title,
            GHashTable *used)
{
  GString *s = g_string_new (NULL);
  guint n = 0;

  for (const char *p = title; *p && n < 28; p = g_utf8_next_char (p), n++)
    {
      gunichar c = g_utf8_get_char (p);

      if (strchr ("[]:*?/\\'", (int) c) != NULL && c < 128)
        g_string_append_c (s, ' ');
      else
        g_string_append_unichar (s, c);
    }
  while (g_hash_table_contains (used, s->str))
    g_string_append_c (s, '+');
  g_hash_table_add (used, g_strdup (s->str));
  return g_string_free (s, FALSE);
}

static uint8_t
excel_chart (MtChartKind kind)
{
  switch (kind)
    {
    case MT_CHART_LINE: return LXW_CHART_LINE;
    case MT_CHART_AREA: return LXW_CHART_AREA;
    case MT_CHART_STACKED: return LXW_CHART_COLUMN_STACKED;
    case MT_CHART_RANKING: return LXW_CHART_BAR;
    case MT_CHART_DONUT: return LXW_CHART_DOUGHNUT;
    case MT_CHART_BARS:
    default: return LXW_CHART_COLUMN;
    }
}

static gboolean
write_xlsx (Report      *r,
            const char  *path,
            GError     **error)
{
  g_autofree char *tmp = g_strconcat (path, ".part", NULL);
  g_autoptr(GHashTable) used = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  lxw_workbook *wb = workbook_new (tmp);
  lxw_format *bold, *money, *percent, *hours;
  lxw_worksheet *summary;

  if (wb == NULL)
    {
      g_set_error (error, MT_ERROR, MT_ERROR_FAILED, _("Cannot write “%s”"), path);
      return FALSE;
    }
  bold = workbook_add_format (wb);
  format_set_bold (bold);
  money = workbook_add_format (wb);
  format_set_num_format (money, "¥#,##0.00");
  percent = workbook_add_format (wb);
  format_set_num_format (percent, "0.0%");
  hours = workbook_add_format (wb);
  format_set_num_format (hours, "0.0");

  summary = workbook_add_worksheet (wb, _("Report"));
  g_hash_table_add (used, g_strdup (_("Report")));
  worksheet_set_column (summary, 0, 0, 40, NULL);
  worksheet_set_column (summary, 1, 1, 20, NULL);
  worksheet_write_string (summary, 0, 0, _("Operations Report"), bold);
  worksheet_write_string (summary, 1, 0, r->scope, NULL);
  worksheet_write_string (summary, 2, 0, r->period, NULL);

  for (guint i = 0; i < r->sections->len; i++)
    {
      const Section *s = &g_array_index (r->sections, Section, i);
      guint n = mt_stats_view_n_figures (s->view), rows = s->table->n_rows;
      g_autofree char *name = sheet_name (mt_stats_view_title (s->view), used);
      lxw_worksheet *sheet = workbook_add_worksheet (wb, name);
      lxw_chart *chart = workbook_add_chart (wb, excel_chart (s->view->chart));

      worksheet_set_column (sheet, 0, 0, 18, NULL);
      worksheet_set_column (sheet, 1, n, 14, NULL);
      worksheet_write_string (sheet, 0, 0, s->view->over_time ? _("Period") : _("Name"), bold);
      for (guint f = 0; f < n; f++)
        worksheet_write_string (sheet, 0, f + 1, mt_stats_figure_title (&s->view->figures[f]), bold);
      for (guint row = 0; row < rows; row++)
        {
          worksheet_write_string (sheet, row + 1, 0, s->table->labels[row], NULL);
          for (guint f = 0; f < n; f++)
            {
              gint64 v = mt_stats_table_get (s->table, row, f);

              switch (s->view->figures[f].value)
                {
                case MT_STATS_FEN: worksheet_write_number (sheet, row + 1, f + 1, v / 100.0, money); break;
                case MT_STATS_PERMILLE: worksheet_write_number (sheet, row + 1, f + 1, v / 1000.0, percent); break;
                case MT_STATS_SECS: worksheet_write_number (sheet, row + 1, f + 1, v / 3600.0, hours); break;
                default: worksheet_write_number (sheet, row + 1, f + 1, (double) v, NULL); break;
                }
            }
        }
      /* the chart of the figures the view draws */
      chart_title_set_name (chart, mt_stats_view_title (s->view));
      for (guint f = 0; f < n && rows > 0; f++)
        {
          lxw_chart_series *series;

          if (s->view->figures[f].value != s->view->figures[0].value || (s->view->chart == MT_CHART_DONUT && f > 0))
            continue;
          series = chart_add_series (chart, NULL, NULL);
          chart_series_set_categories (series, name, 1, 0, rows, 0);
          chart_series_set_values (series, name, 1, f + 1, rows, f + 1);
          chart_series_set_name_range (series, name, 0, f + 1);
        }
      if (rows > 0)
        worksheet_insert_chart (sheet, 1, n + 2, chart);
    }
  return _mt_xlsx_finish (wb, tmp, path, error);
}

/* ------------------------------------------------------------------ reading */

gboolean
mt_report_write (MtDb                *db,
                 const MtActor       *actor,
                 const MtStatsFilter *filter,
                 const char          *pdf_path,
                 const char          *xlsx_path,
                 GCancellable        *cancellable,
                 MtProgress          *progress,
                 GError             **error)
{
  g_auto(Report) r = { 0 };
  guint n_views, page = 1;
  const MtStatsView *views = mt_stats_views (&n_views);
  gint64 days = filter->to_day - filter->from_day + 1;
  g_autofree char *from = mt_stats_day_format (filter->from_day);
  g_autofree char *to = mt_stats_day_format (filter->to_day);
  g_autofree char *store = NULL;

  r.sections = g_array_new (FALSE, TRUE, sizeof (Section));
  r.filter = *filter;
  r.grain = days <= 31 ? MT_STATS_BY_DAY : days <= 120 ? MT_STATS_BY_WEEK : MT_STATS_BY_MONTH;
  r.period = g_strdup_printf (_("%s to %s"), from, to);
  if (filter->store_id || actor->store_id)
    store = mt_db_query_text (db, "SELECT name FROM stores WHERE id = ?", "i",
                              filter->store_id ? filter->store_id : actor->store_id);
  r.scope = store ? g_strdup_printf (_("%s · %s"), actor->operator_name ? actor->operator_name : "", store)
                  : g_strdup (actor->operator_name ? actor->operator_name : "");
  if (progress)
    {
      g_atomic_int_set (&progress->total, (gint) n_views);
      g_atomic_int_set (&progress->done, 0);
    }
  for (guint v = 0; v < n_views; v++)
    {
      Section s = { .view = &views[v] };

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      if (progress)
        g_atomic_int_set (&progress->done, (gint) v);
      if (!mt_stats_view_allowed (&views[v], actor))
        continue;
      s.table = mt_stats_view_run (db, actor, &views[v], filter, r.grain, error);
      if (s.table == NULL)
        return FALSE;
      s.first_page = page;
      s.n_pages = 1 + (rows_of (&s) > rows_first_page ()
                       ? (rows_of (&s) - rows_first_page () + rows_next_pages () - 1) / rows_next_pages () : 0);
      page += s.n_pages;
      g_array_append_val (r.sections, s);
    }
  if (r.sections->len == 0)
    {
      mt_set_forbidden (error);
      return FALSE;
    }
  r.n_pages = page;
  if (progress)
    g_atomic_int_set (&progress->done, (gint) n_views);
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;
  return (pdf_path == NULL || write_pdf (&r, pdf_path, error)) && (xlsx_path == NULL || write_xlsx (&r, xlsx_path, error));
}

/* ------------------------------------------------------------------ monthly */

gboolean
mt_report_write_month (MtDb        *db,
                       const char  *dir,
                       int          year,
                       int          month,
                       guint       *written,
                       GError     **error)
{
  g_autoptr(GDateTime) first = g_date_time_new_utc (year, month, 1, 0, 0, 0);
  g_autoptr(GDateTime) next = first ? g_date_time_add_months (first, 1) : NULL;
  MtStatsFilter filter = { 0 };
  sqlite3_stmt *stmt;
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  guint n = 0;

  if (first == NULL || month < 1 || month > 12)
    {
      g_set_error (error, MT_ERROR, MT_ERROR_INVALID, _("There is no month %04d-%02d"), year, month);
      return FALSE;
    }
  filter.from_day = g_date_time_to_unix (first) / 86400;
  filter.to_day = g_date_time_to_unix (next) / 86400 - 1;
  stmt = mt_db_prepare (db, error, "SELECT id FROM operators WHERE deleted = 0 ORDER BY id", NULL);
  while (stmt && sqlite3_step (stmt) == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (stmt, 0);
      g_array_append_val (ids, id);
    }
  if (stmt)
    sqlite3_reset (stmt);
  for (guint i = 0; i < ids->len; i++)
    {
      gint64 id = g_array_index (ids, gint64, i);
      g_autofree char *sub = g_strdup_printf ("%s/%" G_GINT64_FORMAT, dir, id);
      g_autofree char *pdf = g_strdup_printf ("%s/%04d-%02d.pdf", sub, year, month);
      g_autofree char *xlsx = g_strdup_printf ("%s/%04d-%02d.xlsx", sub, year, month);
      g_autoptr(MtActor) actor = NULL;

      if (g_file_test (pdf, G_FILE_TEST_EXISTS) && g_file_test (xlsx, G_FILE_TEST_EXISTS))
        continue;
      if (g_mkdir_with_parents (sub, 0750) != 0)
        {
          g_set_error (error, MT_ERROR, MT_ERROR_FAILED, _("Cannot write “%s”: %s"), sub, g_strerror (errno));
          return FALSE;
        }
      /* everything of the operator and the operators under it, as its headquarters sees it */
      actor = mt_actor_new_system ();
      actor->operator_id = id;
      g_free (actor->operator_path);
      actor->operator_path = mt_db_query_text (db, "SELECT path FROM operators WHERE id = ?", "i", id);
      g_free (actor->operator_name);
      actor->operator_name = mt_db_query_text (db, "SELECT name FROM operators WHERE id = ?", "i", id);
      if (!mt_report_write (db, actor, &filter, pdf, xlsx, NULL, NULL, error))
        return FALSE;
      n++;
    }
  if (written)
    *written = n;
  return TRUE;
}
