/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mt-stats-page"

#include "config.h"

#include <glib/gi18n.h>
#include <stdio.h>
#include <string.h>

#include "mt-entity.h"
#include "mt-api.h"
#include "mt-report.h"
#include "mt-date-picker.h"
#include "mt-stats-page.h"
#include "mt-validate.h"

struct _MtStatsPage
{
  GtkBox        parent_instance;

  MtContext    *context;
  GtkWidget    *view_choice;
  GtkWidget    *range_choice;
  GtkWidget    *from_entry;
  GtkWidget    *to_entry;
  GtkWidget    *grain_choice;
  GtkWidget    *operator_choice;
  GtkWidget    *store_choice;
  GtkWidget    *type_choice;
  GtkWidget    *region_choice;
  GtkWidget    *table_toggle;
  GtkWidget    *past_button;
  GtkWidget    *period_label;
  GtkWidget    *tiles;
  GtkWidget    *stack;
  GtkWidget    *chart_frame;
  GtkWidget    *table;
  MtChart      *chart;

  GPtrArray    *views;       /* const MtStatsView *: those the account may open */
  GPtrArray    *operators;   /* MtOption */
  GPtrArray    *stores;
  GPtrArray    *types;
  GPtrArray    *regions;     /* MtOption: province code, name */
  MtStatsTable *current;
  MtStatsTable *previous;
  const MtStatsView *shown;  /* the view of current */
  GCancellable *cancellable;
  gint64        from_day;
  gint64        to_day;
  gboolean      show_table;
  gboolean      building;
  gboolean      disposed;
  int           n_past;   /* the server's monthly reports last listed, -1 while asked */
  MtProgress    report_progress;
  guint         report_tick;
  char         *report_message;   /* how the last report ended */
};

G_DEFINE_FINAL_TYPE (MtStatsPage, mt_stats_page, GTK_TYPE_BOX)

enum { OPEN_PAGE, N_SIGNALS };
static guint signals[N_SIGNALS];

enum { RANGE_TODAY, RANGE_7, RANGE_30, RANGE_MONTH, RANGE_QUARTER, RANGE_YEAR, RANGE_CUSTOM };

static const char *const range_titles[] = {
  N_("Today"), N_("Last 7 Days"), N_("Last 30 Days"), N_("This Month"), N_("This Quarter"), N_("This Year"),
  N_("Chosen Dates"),
};
static const char *const grain_titles[] = { N_("By Day"), N_("By Week"), N_("By Month") };

static void reload (MtStatsPage *self);

static const MtStatsView *
selected_view (MtStatsPage *self)
{
  guint i = gtk_drop_down_get_selected (GTK_DROP_DOWN (self->view_choice));

  return i < self->views->len ? self->views->pdata[i] : NULL;
}

static gint64
chosen_id (GtkWidget *choice,
           GPtrArray *options)
{
  guint i = gtk_drop_down_get_selected (GTK_DROP_DOWN (choice));

  /* the first item is "all" */
  if (options == NULL || i == 0 || i == GTK_INVALID_LIST_POSITION || i - 1 >= options->len)
    return 0;
  return g_ascii_strtoll (((MtOption *) options->pdata[i - 1])->id, NULL, 10);
}

/* The chosen option's id as text (a region's code), or NULL for "all" */
static char *
chosen_code (GtkWidget *choice,
             GPtrArray *options)
{
  guint i = gtk_drop_down_get_selected (GTK_DROP_DOWN (choice));

  if (options == NULL || i == 0 || i == GTK_INVALID_LIST_POSITION || i - 1 >= options->len)
    return NULL;
  return g_strdup (((MtOption *) options->pdata[i - 1])->id);
}

static gint64
today (void)
{
  return mt_stats_day_of (mt_now ());
}

/* The first day of the month (or quarter, or year) @day falls in */
static gint64
first_day_of (gint64 day,
              guint  months)   /* 1, 3 or 12 */
{
  g_autoptr(GDateTime) t = g_date_time_new_from_unix_utc (day * 86400);
  int month = g_date_time_get_month (t);
  g_autoptr(GDateTime) first = NULL;

  month = months == 12 ? 1 : (month - 1) / (int) months * (int) months + 1;
  first = g_date_time_new_utc (g_date_time_get_year (t), month, 1, 0, 0, 0);
  return g_date_time_to_unix (first) / 86400;
}

/* "2026-12-03" → business day, or FALSE */
static gboolean
parse_day (const char *text,
           gint64     *day)
{
  int y, m, d;
  g_autoptr(GDateTime) t = NULL;

  if (sscanf (text, "%d-%d-%d", &y, &m, &d) != 3 || (t = g_date_time_new_utc (y, m, d, 0, 0, 0)) == NULL)
    return FALSE;
  *day = g_date_time_to_unix (t) / 86400;
  return TRUE;
}

static void
update_days_from_range (MtStatsPage *self)
{
  gint64 t = today ();

  switch (gtk_drop_down_get_selected (GTK_DROP_DOWN (self->range_choice)))
    {
    case RANGE_TODAY: self->from_day = t; break;
    case RANGE_7: self->from_day = t - 6; break;
    case RANGE_30: self->from_day = t - 29; break;
    case RANGE_MONTH: self->from_day = first_day_of (t, 1); break;
    case RANGE_QUARTER: self->from_day = first_day_of (t, 3); break;
    case RANGE_YEAR: self->from_day = first_day_of (t, 12); break;
    default: return;   /* chosen dates: from the entries */
    }
  self->to_day = t;
}

/* ------------------------------------------------------------------ reading on the worker */

typedef struct
{
  MtContext         *context;
  const MtStatsView *view;
  char              *region;   /* the filters' region_code */
  MtStatsFilter      filter;
  MtStatsFilter      before;
  MtStatsBy          grain;
} Job;

typedef struct
{
  MtStatsTable *now;
  MtStatsTable *before;
} Answer;

static void
job_free (Job *job)
{
  g_object_unref (job->context);
  g_free (job->region);
  g_free (job);
}

static void
answer_free (Answer *answer)
{
  mt_stats_table_free (answer->now);
  mt_stats_table_free (answer->before);
  g_free (answer);
}

static gpointer
read_job (MtDb          *db,
          gpointer       data,
          GCancellable  *cancellable,
          GError       **error)
{
  Job *job = data;
  const MtActor *actor = mt_context_get_actor (job->context);
  g_autoptr(MtStatsTable) now = mt_stats_view_run (db, actor, job->view, &job->filter, job->grain, error);
  Answer *answer;

  if (now == NULL)
    return NULL;
  answer = g_new0 (Answer, 1);
  answer->now = g_steal_pointer (&now);
  if (!job->view->live)
    answer->before = mt_stats_view_run (db, actor, job->view, &job->before, job->grain, NULL);
  return answer;
}

/* ------------------------------------------------------------------ showing */

static gint64
figure_total (const MtStatsTable  *table,
              const MtStatsFigure *figure,
              guint                f)
{
  gint64 sum = 0;

  if (table == NULL || table->n_rows == 0)
    return 0;
  /* a running total, a month's members: the last row */
  if (figure->at_end)
    return mt_stats_table_get (table, table->n_rows - 1, f);
  for (guint r = 0; r < table->n_rows; r++)
    sum += mt_stats_table_get (table, r, f);
  return sum;
}

static void
clear_box (GtkWidget *box)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (box)) != NULL)
    {
      if (GTK_IS_GRID (box))
        gtk_grid_remove (GTK_GRID (box), child);
      else
        gtk_box_remove (GTK_BOX (box), child);
    }
}

static GtkWidget *
tile_new (const char *title,
          const char *value,
          const char *trend,
          const char *trend_class)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *t = gtk_label_new (title), *v = gtk_label_new (value), *d = gtk_label_new (trend);

  gtk_widget_add_css_class (box, "card");
  gtk_widget_add_css_class (box, "stat-tile");
  gtk_widget_add_css_class (t, "caption-heading");
  gtk_widget_add_css_class (t, "dim-label");
  gtk_widget_add_css_class (v, "title-3");
  gtk_widget_add_css_class (d, "caption");
  if (trend_class)
    gtk_widget_add_css_class (d, trend_class);
  gtk_label_set_xalign (GTK_LABEL (t), 0);
  gtk_label_set_xalign (GTK_LABEL (v), 0);
  gtk_label_set_xalign (GTK_LABEL (d), 0);
  gtk_label_set_ellipsize (GTK_LABEL (t), PANGO_ELLIPSIZE_END);
  gtk_box_append (GTK_BOX (box), t);
  gtk_box_append (GTK_BOX (box), v);
  gtk_box_append (GTK_BOX (box), d);
  return box;
}

static void
show_tiles (MtStatsPage *self)
{
  const MtStatsView *view = self->shown;
  guint n = mt_stats_view_n_figures (view), shown = 0;

  clear_box (self->tiles);
  for (guint f = 0; f < n && shown < 4; f++)
    {
      const MtStatsFigure *figure = &view->figures[f];
      gint64 now = figure_total (self->current, figure, f);
      g_autofree char *value = NULL;
      g_autofree char *trend = NULL;
      const char *css = NULL;

      if (figure->value == MT_STATS_PERMILLE && !figure->at_end)
        continue;   /* a share does not add up */
      value = mt_stats_format_value (figure->value, now);
      if (view->live || self->previous == NULL)
        trend = g_strdup (view->live ? _("Now") : "");
      else
        {
          gint64 before = figure_total (self->previous, figure, f);

          if (before == 0)
            trend = g_strdup (now == 0 ? _("Same as the period before") : _("Nothing in the period before"));
          else
            {
              double change = 100.0 * (now - before) / ABS (before);

              if (change > 999.9)
                trend = g_strdup (_("▲ more than ten times the period before"));
              else
                trend = g_strdup_printf (change >= 0 ? _("▲ %.1f%% on the period before")
                                                     : _("▼ %.1f%% on the period before"), ABS (change));
              css = change >= 0 ? "success" : "error";
            }
        }
      if (view->monthly && figure->at_end && self->current->n_rows > 0)
        {
          /* a month's figure names its month */
          g_autofree char *title = g_strdup_printf (_("%s · %s"), mt_stats_figure_title (figure),
                                                    self->current->labels[self->current->n_rows - 1]);

          gtk_box_append (GTK_BOX (self->tiles), tile_new (title, value, trend, css));
        }
      else
        gtk_box_append (GTK_BOX (self->tiles), tile_new (mt_stats_figure_title (figure), value, trend, css));
      shown++;
    }
  /* a few tiles keep a tile's width; four share the row */
  for (GtkWidget *tile = gtk_widget_get_first_child (self->tiles); tile; tile = gtk_widget_get_next_sibling (tile))
    {
      gtk_widget_set_hexpand (tile, shown >= 3);
      gtk_widget_set_size_request (tile, shown >= 3 ? -1 : 280, -1);
    }
}

static GtkWidget *
cell (const char *text,
      gboolean    number,
      gboolean    heading)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_xalign (GTK_LABEL (label), number ? 1 : 0);
  if (heading)
    gtk_widget_add_css_class (label, "heading");
  else
    gtk_widget_add_css_class (label, "mt-data");   /* names and figures from the books */
  if (number)
    gtk_widget_add_css_class (label, "numeric");
  return label;
}

static void
show_table (MtStatsPage *self)
{
  const MtStatsView *view = self->shown;
  guint n = mt_stats_view_n_figures (view);
  const MtStatsTable *t = self->current;

  clear_box (self->table);
  gtk_grid_attach (GTK_GRID (self->table), cell (view->over_time ? _("Period") : _("Name"), FALSE, TRUE), 0, 0, 1, 1);
  for (guint f = 0; f < n; f++)
    gtk_grid_attach (GTK_GRID (self->table), cell (mt_stats_figure_title (&view->figures[f]), TRUE, TRUE), f + 1, 0, 1, 1);
  for (guint r = 0; t && r < t->n_rows; r++)
    {
      gtk_grid_attach (GTK_GRID (self->table), cell (t->labels[r], FALSE, FALSE), 0, r + 1, 1, 1);
      for (guint f = 0; f < n; f++)
        {
          g_autofree char *v = mt_stats_format_value (view->figures[f].value, mt_stats_table_get (t, r, f));

          gtk_grid_attach (GTK_GRID (self->table), cell (v, TRUE, FALSE), f + 1, r + 1, 1, 1);
        }
    }
  if (t && t->n_rows > 1)
    {
      gtk_grid_attach (GTK_GRID (self->table), cell (_("In all"), FALSE, TRUE), 0, t->n_rows + 1, 1, 1);
      for (guint f = 0; f < n; f++)
        {
          g_autofree char *v = view->figures[f].value == MT_STATS_PERMILLE ? g_strdup ("")
                             : mt_stats_format_value (view->figures[f].value, figure_total (t, &view->figures[f], f));

          gtk_grid_attach (GTK_GRID (self->table), cell (v, TRUE, TRUE), f + 1, t->n_rows + 1, 1, 1);
        }
    }
}

static void
show_period (MtStatsPage *self)
{
  g_autofree char *from = mt_stats_day_format (self->from_day);
  g_autofree char *to = mt_stats_day_format (self->to_day);
  g_autofree char *pfrom = mt_stats_day_format (2 * self->from_day - self->to_day - 1);
  g_autofree char *pto = mt_stats_day_format (self->from_day - 1);
  g_autofree char *text = NULL;

  if (self->shown && self->shown->live)
    text = g_strdup (_("The fleet as it is now"));
  else
    text = g_strdup_printf (_("%s to %s (Beijing time), compared with %s to %s"), from, to, pfrom, pto);
  gtk_label_set_text (GTK_LABEL (self->period_label), text);
}

static void
read_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      data)
{
  g_autoptr(MtStatsPage) self = data;
  g_autoptr(GError) error = NULL;
  Answer *answer = mt_context_run_finish (MT_CONTEXT (source), result, &error);

  /* a page gone, or a read that a newer one replaced */
  if (self->disposed || g_task_get_cancellable (G_TASK (result)) != self->cancellable)
    {
      g_clear_pointer (&answer, answer_free);
      return;
    }
  if (answer == NULL)
    {
      gtk_label_set_text (GTK_LABEL (self->period_label), error ? error->message : _("The statistics could not be read"));
      return;
    }
  g_clear_pointer (&self->current, mt_stats_table_free);
  g_clear_pointer (&self->previous, mt_stats_table_free);
  self->current = g_steal_pointer (&answer->now);
  self->previous = g_steal_pointer (&answer->before);
  answer_free (answer);
  self->shown = selected_view (self);
  mt_chart_set_data (self->chart, self->shown->chart, self->current, self->shown->figures,
                     mt_stats_view_n_figures (self->shown));
  show_tiles (self);
  show_table (self);
  show_period (self);
}

/* The rows' time bucket: the grain chosen, or the view's own */
static MtStatsBy
shown_grain (MtStatsPage       *self,
             const MtStatsView *view)
{
  if (view->monthly)
    return MT_STATS_BY_MONTH;
  return (MtStatsBy[]) { MT_STATS_BY_DAY, MT_STATS_BY_WEEK, MT_STATS_BY_MONTH }
         [MIN (gtk_drop_down_get_selected (GTK_DROP_DOWN (self->grain_choice)), 2)];
}

static void
reload (MtStatsPage *self)
{
  const MtStatsView *view = selected_view (self);
  Job *job;
  gint64 length;

  if (view == NULL || self->building)
    return;
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();

  gtk_widget_set_sensitive (self->range_choice, !view->live);
  gtk_widget_set_visible (self->from_entry, !view->live &&
                          gtk_drop_down_get_selected (GTK_DROP_DOWN (self->range_choice)) == RANGE_CUSTOM);
  gtk_widget_set_visible (self->to_entry, gtk_widget_get_visible (self->from_entry));
  gtk_widget_set_sensitive (self->grain_choice, view->over_time && !view->monthly);
  job = g_new0 (Job, 1);
  job->context = g_object_ref (self->context);
  job->view = view;
  job->filter.from_day = self->from_day;
  job->filter.to_day = self->to_day;
  job->filter.operator_id = chosen_id (self->operator_choice, self->operators);
  job->filter.store_id = chosen_id (self->store_choice, self->stores);
  job->filter.type_id = chosen_id (self->type_choice, self->types);
  job->region = chosen_code (self->region_choice, self->regions);
  job->filter.region_code = job->region;
  length = self->to_day - self->from_day + 1;
  job->before = job->filter;
  job->before.from_day = self->from_day - length;
  job->before.to_day = self->from_day - 1;
  job->grain = shown_grain (self, view);
  mt_context_run_async (self->context, read_job, job, (GDestroyNotify) job_free, (GDestroyNotify) answer_free,
                        self->cancellable, read_cb, g_object_ref (self));
}

/* A sensible grain for the period: days up to a month, weeks up to a quarter, then months */
static void
pick_grain (MtStatsPage *self)
{
  gint64 days = self->to_day - self->from_day + 1;

  self->building = TRUE;
  gtk_drop_down_set_selected (GTK_DROP_DOWN (self->grain_choice), days <= 31 ? 0 : days <= 120 ? 1 : 2);
  self->building = FALSE;
}

static void
view_changed_cb (MtStatsPage *self)
{
  reload (self);
}

static void
range_changed_cb (MtStatsPage *self)
{
  gboolean custom = gtk_drop_down_get_selected (GTK_DROP_DOWN (self->range_choice)) == RANGE_CUSTOM;

  gtk_widget_set_visible (self->from_entry, custom);
  gtk_widget_set_visible (self->to_entry, custom);
  if (custom)
    return;
  update_days_from_range (self);
  pick_grain (self);
  reload (self);
}

static void
dates_entered_cb (MtStatsPage *self)
{
  gint64 from, to;
  gboolean ok_from = parse_day (gtk_editable_get_text (GTK_EDITABLE (self->from_entry)), &from);
  gboolean ok_to = parse_day (gtk_editable_get_text (GTK_EDITABLE (self->to_entry)), &to);

  if (ok_from) gtk_widget_remove_css_class (self->from_entry, "error");
  else gtk_widget_add_css_class (self->from_entry, "error");
  if (ok_to && (!ok_from || to >= from)) gtk_widget_remove_css_class (self->to_entry, "error");
  else gtk_widget_add_css_class (self->to_entry, "error");
  if (ok_from && ok_to && to >= from && to - from < 3660)
    mt_stats_page_set_days (self, from, to);
}

static void
filters_changed_cb (MtStatsPage *self)
{
  reload (self);
}

/* A row of the chart opens the list behind it: a day's (week's, month's) rows, or a name's */
static void
chart_activated_cb (MtStatsPage *self,
                    int          row)
{
  const MtStatsView *view = self->shown;
  g_autofree char *from = NULL;
  g_autofree char *to = NULL;
  const char *search = "";

  if (view == NULL || view->drill == NULL || self->current == NULL || row < 0 || (guint) row >= self->current->n_rows)
    return;
  if (view->over_time)
    {
      gint64 first = self->current->keys[row], last = first;

      MtStatsBy grain = shown_grain (self, view);

      if (grain == MT_STATS_BY_WEEK)
        last = first + 6;
      else if (grain == MT_STATS_BY_MONTH)
        {
          g_autoptr(GDateTime) m = g_date_time_new_utc ((int) (first / 100), (int) (first % 100), 1, 0, 0, 0);
          g_autoptr(GDateTime) next = g_date_time_add_months (m, 1);

          first = g_date_time_to_unix (m) / 86400;
          last = g_date_time_to_unix (next) / 86400 - 1;
        }
      from = mt_stats_day_format (MAX (first, self->from_day));
      to = mt_stats_day_format (MIN (last, self->to_day));
    }
  else if (!view->live)
    search = self->current->labels[row];
  g_signal_emit (self, signals[OPEN_PAGE], 0, view->drill, search, from ? from : "", to ? to : "");
}

/* ------------------------------------------------------------------ actions */

static void
show_table_action (GtkWidget  *widget,
                   const char *name,
                   GVariant   *parameter)
{
  MtStatsPage *self = MT_STATS_PAGE (widget);

  self->show_table = !self->show_table;
  gtk_stack_set_visible_child_name (GTK_STACK (self->stack), self->show_table ? "table" : "chart");
  gtk_widget_action_set_enabled (widget, "stats.show-table", TRUE);
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (self->table_toggle), self->show_table);
}

static void
save_response_cb (GtkNativeDialog *dialog,
                  int              response,
                  MtStatsPage     *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = g_file_get_path (file);
      g_autoptr(GError) error = NULL;

      if (path && !mt_stats_page_save_chart (self, path, &error))
        gtk_label_set_text (GTK_LABEL (self->period_label), error->message);
    }
  g_object_unref (dialog);
}

static void
save_action (GtkWidget  *widget,
             const char *name,
             GVariant   *parameter)
{
  MtStatsPage *self = MT_STATS_PAGE (widget);
  const char *format = g_variant_get_string (parameter, NULL);
  GtkRoot *root = gtk_widget_get_root (widget);
  GtkFileChooserNative *dialog = gtk_file_chooser_native_new (_("Save the Chart"), GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                                              GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"), _("_Cancel"));
  g_autofree char *file = g_strdup_printf ("%s.%s", self->shown ? mt_stats_view_title (self->shown) : "chart", format);

  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (dialog), file);
  g_signal_connect (dialog, "response", G_CALLBACK (save_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

/* ------------------------------------------------------------------ the report */

typedef struct
{
  MtContext     *context;
  MtStatsFilter  filter;
  char          *region;
  char          *pdf;
  char          *xlsx;
  MtProgress    *progress;
} ReportJob;

static void
report_job_free (ReportJob *job)
{
  g_object_unref (job->context);
  g_free (job->region);
  g_free (job->pdf);
  g_free (job->xlsx);
  g_free (job);
}

static gpointer
report_job (MtDb          *db,
            gpointer       data,
            GCancellable  *cancellable,
            GError       **error)
{
  ReportJob *job = data;

  if (!mt_report_write (db, mt_context_get_actor (job->context), &job->filter, job->pdf, job->xlsx, cancellable,
                        job->progress, error))
    return NULL;
  return g_strdup (job->pdf);
}

static gboolean
report_tick_cb (gpointer data)
{
  MtStatsPage *self = data;
  g_autofree char *text = g_strdup_printf (_("Writing the report… %d of %d views"),
                                           g_atomic_int_get (&self->report_progress.done),
                                           g_atomic_int_get (&self->report_progress.total));

  gtk_label_set_text (GTK_LABEL (self->period_label), text);
  return G_SOURCE_CONTINUE;
}

static void
report_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      data)
{
  g_autoptr(MtStatsPage) self = data;
  g_autoptr(GError) error = NULL;
  g_autofree char *pdf = mt_context_run_finish (MT_CONTEXT (source), result, &error);

  g_clear_handle_id (&self->report_tick, g_source_remove);
  if (self->disposed)
    return;
  g_free (self->report_message);
  self->report_message = pdf ? g_strdup_printf (_("Report saved as %s, with its workbook beside it"), pdf)
                             : g_strdup (error->message);
  gtk_label_set_text (GTK_LABEL (self->period_label), self->report_message);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "stats.export-report", TRUE);
}

void
mt_stats_page_export_report (MtStatsPage *self,
                             const char  *pdf,
                             const char  *xlsx)
{
  ReportJob *job = g_new0 (ReportJob, 1);

  job->context = g_object_ref (self->context);
  job->filter.from_day = self->from_day;
  job->filter.to_day = self->to_day;
  job->filter.operator_id = chosen_id (self->operator_choice, self->operators);
  job->filter.store_id = chosen_id (self->store_choice, self->stores);
  job->region = chosen_code (self->region_choice, self->regions);
  job->filter.region_code = job->region;
  job->pdf = g_strdup (pdf);
  job->xlsx = g_strdup (xlsx);
  job->progress = &self->report_progress;
  g_clear_pointer (&self->report_message, g_free);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "stats.export-report", FALSE);
  if (self->report_tick == 0)
    self->report_tick = g_timeout_add (200, report_tick_cb, self);
  mt_context_run_async (self->context, report_job, job, (GDestroyNotify) report_job_free, g_free, NULL,
                        report_done_cb, g_object_ref (self));
}

const char *
mt_stats_page_get_report_message (MtStatsPage *self)
{
  return self->report_message;
}

static void
report_response_cb (GtkNativeDialog *dialog,
                    int              response,
                    MtStatsPage     *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = g_file_get_path (file);
      g_autofree char *pdf = NULL;
      g_autofree char *xlsx = NULL;

      if (path != NULL)
        {
          g_autofree char *base = g_str_has_suffix (path, ".pdf") ? g_strndup (path, strlen (path) - 4) : g_strdup (path);

          pdf = g_strconcat (base, ".pdf", NULL);
          xlsx = g_strconcat (base, ".xlsx", NULL);
          mt_stats_page_export_report (self, pdf, xlsx);
        }
    }
  g_object_unref (dialog);
}

static void
export_report_action (GtkWidget  *widget,
                      const char *name,
                      GVariant   *parameter)
{
  MtStatsPage *self = MT_STATS_PAGE (widget);
  GtkRoot *root = gtk_widget_get_root (widget);
  GtkFileChooserNative *dialog = gtk_file_chooser_native_new (_("Export Report"), GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                                              GTK_FILE_CHOOSER_ACTION_SAVE, _("_Export"), _("_Cancel"));
  g_autofree char *from = mt_stats_day_format (self->from_day);
  g_autofree char *to = mt_stats_day_format (self->to_day);
  g_autofree char *file = g_strdup_printf (_("Report %s to %s.pdf"), from, to);

  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (dialog), file);
  g_signal_connect (dialog, "response", G_CALLBACK (report_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

/* ------------------------------------------------------------------ the server's monthly reports */

typedef struct
{
  MtStatsPage *page;
  char        *file;
} Download;

static void
download_done_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      data)
{
  Download *d = data;
  g_autoptr(GError) error = NULL;

  mt_sync_engine_download_finish (MT_SYNC_ENGINE (source), result, &error);
  g_free (d->page->report_message);
  d->page->report_message = error ? g_strdup (error->message) : g_strdup_printf (_("Report saved as %s"), d->file);
  if (!d->page->disposed)
    gtk_label_set_text (GTK_LABEL (d->page->period_label), d->page->report_message);
  g_object_unref (d->page);
  g_free (d->file);
  g_free (d);
}

void
mt_stats_page_download_report (MtStatsPage *self,
                               const char  *name,
                               const char  *file)
{
  MtSyncEngine *engine = mt_context_get_engine (self->context);
  g_autoptr(MtApiRequest) request = NULL;
  g_autofree char *path = NULL;
  Download *d;

  g_return_if_fail (engine != NULL);
  request = mt_api_request_new ("reports.file");
  mt_api_request_set_name (request, name);
  path = mt_api_request_to_path (request);
  d = g_new0 (Download, 1);
  d->page = g_object_ref (self);
  d->file = g_strdup (file);
  g_clear_pointer (&self->report_message, g_free);
  mt_sync_engine_download_async (engine, path, file, NULL, download_done_cb, d);
}

static void
past_save_response_cb (GtkNativeDialog *dialog,
                       int              response,
                       MtStatsPage     *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = g_file_get_path (file);

      if (path)
        mt_stats_page_download_report (self, g_object_get_data (G_OBJECT (dialog), "name"), path);
    }
  g_object_unref (dialog);
}

static void
past_clicked_cb (GtkButton   *button,
                 MtStatsPage *self)
{
  const char *name = g_object_get_data (G_OBJECT (button), "name");
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkFileChooserNative *dialog = gtk_file_chooser_native_new (_("Save the Report"), GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                                              GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"), _("_Cancel"));

  g_object_set_data_full (G_OBJECT (dialog), "name", g_strdup (name), g_free);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (dialog), name);
  g_signal_connect (dialog, "response", G_CALLBACK (past_save_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

static GtkWidget *
past_button (MtStatsPage *self,
             const char  *label,
             const char  *name)
{
  GtkWidget *button = gtk_button_new_with_label (label);

  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  g_object_set_data_full (G_OBJECT (button), "name", g_strdup (name), g_free);
  g_signal_connect (button, "clicked", G_CALLBACK (past_clicked_cb), self);
  return button;
}

static void
past_listed_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      data)
{
  g_autoptr(MtStatsPage) self = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) answer = mt_context_call_finish (MT_CONTEXT (source), result, &error);
  JsonArray *reports;
  GtkWidget *dialog, *list, *scroller;

  if (self->disposed)
    return;
  if (answer == NULL)
    {
      gtk_label_set_text (GTK_LABEL (self->period_label), error->message);
      return;
    }
  reports = json_object_get_array_member (json_node_get_object (answer), "reports");
  self->n_past = reports ? json_array_get_length (reports) : 0;
  dialog = adw_message_dialog_new (GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self))), _("Monthly Reports"),
                                   self->n_past ? _("The server writes each operator's report when a month ends.")
                                                : _("The server has written no monthly report this account may read."));
  list = gtk_list_box_new ();
  gtk_list_box_set_selection_mode (GTK_LIST_BOX (list), GTK_SELECTION_NONE);
  gtk_widget_add_css_class (list, "boxed-list");
  for (int i = 0; i < self->n_past; i++)
    {
      JsonObject *r = json_array_get_object_element (reports, i);
      GtkWidget *row = adw_action_row_new ();
      g_autofree char *title = g_strdup_printf (_("%s · %s"), json_object_get_string_member (r, "month"),
                                                json_object_get_string_member (r, "operator"));

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
      gtk_widget_add_css_class (row, "mt-data");
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), past_button (self, "PDF", json_object_get_string_member (r, "pdf")));
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), past_button (self, "Excel", json_object_get_string_member (r, "xlsx")));
      gtk_list_box_append (GTK_LIST_BOX (list), row);
    }
  scroller = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), list);
  gtk_scrolled_window_set_propagate_natural_height (GTK_SCROLLED_WINDOW (scroller), TRUE);
  gtk_scrolled_window_set_max_content_height (GTK_SCROLLED_WINDOW (scroller), 360);
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), scroller);
  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
past_reports_action (GtkWidget  *widget,
                     const char *name,
                     GVariant   *parameter)
{
  MtStatsPage *self = MT_STATS_PAGE (widget);
  g_autoptr(MtApiRequest) request = mt_api_request_new ("reports.list");

  self->n_past = -1;
  mt_context_call_async (self->context, request, NULL, past_listed_cb, g_object_ref (self));
}

int
mt_stats_page_get_n_past_reports (MtStatsPage *self)
{
  return self->n_past;
}

/* ------------------------------------------------------------------ public */

gboolean
mt_stats_page_save_chart (MtStatsPage *self,
                          const char  *path,
                          GError     **error)
{
  g_return_val_if_fail (MT_IS_STATS_PAGE (self), FALSE);
  return mt_chart_save (self->chart, path, 960, 480, error);
}

gboolean
mt_stats_page_show_view (MtStatsPage *self,
                         const char  *view_id)
{
  for (guint i = 0; i < self->views->len; i++)
    if (g_str_equal (((const MtStatsView *) self->views->pdata[i])->id, view_id))
      {
        if (gtk_drop_down_get_selected (GTK_DROP_DOWN (self->view_choice)) == i)
          reload (self);
        else
          gtk_drop_down_set_selected (GTK_DROP_DOWN (self->view_choice), i);
        return TRUE;
      }
  return FALSE;
}

void
mt_stats_page_set_days (MtStatsPage *self,
                        gint64       from_day,
                        gint64       to_day)
{
  g_autofree char *from = mt_stats_day_format (from_day);
  g_autofree char *to = mt_stats_day_format (to_day);

  self->building = TRUE;
  gtk_drop_down_set_selected (GTK_DROP_DOWN (self->range_choice), RANGE_CUSTOM);
  gtk_widget_set_visible (self->from_entry, TRUE);
  gtk_widget_set_visible (self->to_entry, TRUE);
  gtk_editable_set_text (GTK_EDITABLE (self->from_entry), from);
  gtk_editable_set_text (GTK_EDITABLE (self->to_entry), to);
  self->building = FALSE;
  self->from_day = from_day;
  self->to_day = to_day;
  pick_grain (self);
  reload (self);
}

MtChart *
mt_stats_page_get_chart (MtStatsPage *self)
{
  return self->chart;
}

const MtStatsTable *
mt_stats_page_get_table (MtStatsPage *self)
{
  return self->current;
}

char *
mt_stats_page_get_tiles_text (MtStatsPage *self)
{
  GString *s = g_string_new (NULL);

  for (GtkWidget *tile = gtk_widget_get_first_child (self->tiles); tile; tile = gtk_widget_get_next_sibling (tile))
    {
      for (GtkWidget *l = gtk_widget_get_first_child (tile); l; l = gtk_widget_get_next_sibling (l))
        g_string_append_printf (s, "%s%s", gtk_label_get_text (GTK_LABEL (l)), gtk_widget_get_next_sibling (l) ? " | " : "");
      g_string_append_c (s, '\n');
    }
  return g_string_free (s, FALSE);
}

GStrv
mt_stats_page_list_views (MtStatsPage *self)
{
  GStrvBuilder *b = g_strv_builder_new ();
  GStrv ids;

  for (guint i = 0; i < self->views->len; i++)
    g_strv_builder_add (b, ((const MtStatsView *) self->views->pdata[i])->id);
  ids = g_strv_builder_end (b);
  g_strv_builder_unref (b);
  return ids;
}

/* ------------------------------------------------------------------ building */

static void
fill_choice (GtkWidget  *choice,
             const char *all,
             GPtrArray  *options)
{
  g_autoptr(GtkStringList) labels = gtk_string_list_new (NULL);

  gtk_string_list_append (labels, all);
  for (guint i = 0; options && i < options->len; i++)
    gtk_string_list_append (labels, ((MtOption *) options->pdata[i])->label);
  gtk_drop_down_set_model (GTK_DROP_DOWN (choice), G_LIST_MODEL (labels));
  gtk_widget_set_visible (choice, options != NULL && options->len > 1);
}

static void
build (MtStatsPage *self)
{
  MtDb *db = mt_context_get_db (self->context);
  const MtActor *actor = mt_context_get_actor (self->context);
  g_autoptr(GtkStringList) view_labels = gtk_string_list_new (NULL);
  g_autoptr(GtkStringList) ranges = gtk_string_list_new (NULL);
  g_autoptr(GtkStringList) grains = gtk_string_list_new (NULL);
  guint n_views, n_groups;
  const MtStatsView *views = mt_stats_views (&n_views);
  const MtStatsGroup *groups = mt_stats_groups (&n_groups);

  self->building = TRUE;
  for (guint v = 0; v < n_views; v++)
    if (mt_stats_view_allowed (&views[v], actor))
      {
        const char *group = "";
        g_autofree char *label = NULL;

        for (guint g = 0; g < n_groups; g++)
          if (g_str_equal (groups[g].id, views[v].group))
            group = mt_stats_group_title (&groups[g]);
        label = g_strdup_printf (_("%s · %s"), group, mt_stats_view_title (&views[v]));
        g_ptr_array_add (self->views, (gpointer) &views[v]);
        gtk_string_list_append (view_labels, label);
      }
  gtk_drop_down_set_model (GTK_DROP_DOWN (self->view_choice), G_LIST_MODEL (view_labels));
  for (guint i = 0; i < G_N_ELEMENTS (range_titles); i++)
    gtk_string_list_append (ranges, _(range_titles[i]));
  gtk_drop_down_set_model (GTK_DROP_DOWN (self->range_choice), G_LIST_MODEL (ranges));
  for (guint i = 0; i < G_N_ELEMENTS (grain_titles); i++)
    gtk_string_list_append (grains, _(grain_titles[i]));
  gtk_drop_down_set_model (GTK_DROP_DOWN (self->grain_choice), G_LIST_MODEL (grains));

  /* the scope filters the account may use */
  if (actor->store_id == 0)
    {
      self->operators = mt_lookup (db, actor, "operators", NULL, 0);
      self->stores = mt_lookup (db, actor, "stores", NULL, 0);
    }
  self->types = mt_lookup (db, actor, "device_types", NULL, 0);
  self->regions = mt_stats_regions (db, actor);
  fill_choice (self->operator_choice, _("All Operators"), self->operators);
  fill_choice (self->store_choice, _("All Stores"), self->stores);
  fill_choice (self->type_choice, _("All Device Types"), self->types);
  fill_choice (self->region_choice, _("All Provinces"), self->regions);
  /* the server's monthly reports, when there is a server */
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "stats.past-reports", mt_context_get_engine (self->context) != NULL);
  gtk_widget_set_visible (self->past_button, mt_context_get_engine (self->context) != NULL);

  gtk_drop_down_set_selected (GTK_DROP_DOWN (self->range_choice), RANGE_30);
  update_days_from_range (self);
  self->building = FALSE;
  pick_grain (self);
  gtk_widget_set_visible (self->view_choice, self->views->len > 0);
}

MtStatsPage *
mt_stats_page_new (MtContext *context)
{
  MtStatsPage *self = g_object_new (MT_TYPE_STATS_PAGE, NULL);

  self->context = g_object_ref (context);
  build (self);
  reload (self);
  return self;
}

static void
mt_stats_page_dispose (GObject *object)
{
  MtStatsPage *self = MT_STATS_PAGE (object);

  self->disposed = TRUE;
  if (self->cancellable)
    g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->report_tick, g_source_remove);
  gtk_widget_dispose_template (GTK_WIDGET (self), MT_TYPE_STATS_PAGE);
  G_OBJECT_CLASS (mt_stats_page_parent_class)->dispose (object);
}

static void
mt_stats_page_finalize (GObject *object)
{
  MtStatsPage *self = MT_STATS_PAGE (object);

  g_clear_object (&self->cancellable);
  g_clear_object (&self->context);
  g_ptr_array_unref (self->views);
  g_clear_pointer (&self->operators, g_ptr_array_unref);
  g_clear_pointer (&self->stores, g_ptr_array_unref);
  g_clear_pointer (&self->types, g_ptr_array_unref);
  g_clear_pointer (&self->regions, g_ptr_array_unref);
  g_clear_pointer (&self->current, mt_stats_table_free);
  g_clear_pointer (&self->previous, mt_stats_table_free);
  g_free (self->report_message);
  G_OBJECT_CLASS (mt_stats_page_parent_class)->finalize (object);
}

static void
mt_stats_page_class_init (MtStatsPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = mt_stats_page_dispose;
  object_class->finalize = mt_stats_page_finalize;

  signals[OPEN_PAGE] = g_signal_new ("open-page", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                     G_TYPE_NONE, 4, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING);

  gtk_widget_class_set_template_from_resource (widget_class, "/com/mtxnyjs/Mingtang/ui/mt-stats-page.ui");
#define BIND(name) gtk_widget_class_bind_template_child (widget_class, MtStatsPage, name)
  BIND (view_choice);
  BIND (range_choice);
  BIND (from_entry);
  BIND (to_entry);
  BIND (grain_choice);
  BIND (operator_choice);
  BIND (store_choice);
  BIND (type_choice);
  BIND (region_choice);
  BIND (table_toggle);
  BIND (past_button);
  BIND (period_label);
  BIND (tiles);
  BIND (stack);
  BIND (chart_frame);
  BIND (table);
#undef BIND
  gtk_widget_class_bind_template_callback (widget_class, view_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, range_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, dates_entered_cb);
  gtk_widget_class_bind_template_callback (widget_class, filters_changed_cb);
  gtk_widget_class_install_action (widget_class, "stats.show-table", NULL, show_table_action);
  gtk_widget_class_install_action (widget_class, "stats.save", "s", save_action);
  gtk_widget_class_install_action (widget_class, "stats.export-report", NULL, export_report_action);
  gtk_widget_class_install_action (widget_class, "stats.past-reports", NULL, past_reports_action);
}

static void
mt_stats_page_init (MtStatsPage *self)
{
  g_type_ensure (MT_TYPE_CHART);
  gtk_widget_init_template (GTK_WIDGET (self));
  mt_date_picker_attach (GTK_ENTRY (self->from_entry));
  mt_date_picker_attach (GTK_ENTRY (self->to_entry));
  self->views = g_ptr_array_new ();
  self->chart = mt_chart_new ();
  gtk_frame_set_child (GTK_FRAME (self->chart_frame), GTK_WIDGET (self->chart));
  g_signal_connect_swapped (self->chart, "activated", G_CALLBACK (chart_activated_cb), self);
}
