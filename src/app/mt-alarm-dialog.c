/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mt-alarm"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "mt-alarm-dialog.h"
#include "mt-reads.h"
#include "mt-alarms.h"
#include "mt-codec.h"
#include "mt-validate.h"

#define AROUND (G_USEC_PER_SEC * (gint64) 3600)

struct _MtAlarmDialog
{
  AdwWindow  parent_instance;

  GArray    *times;     /* gint64 µs */
  GArray    *values;    /* double */
  gint64     first_at;
  gint64     latest_at;
  char      *unit;
  GtkWidget     *curve_group;
  GtkWidget     *area;
  GtkWidget     *battery_row;
  GtkWidget     *state_row;
  GtkWidget     *reports_row;
  GtkWidget     *first_row;
  GtkWidget     *latest_row;
  GtkWidget     *reading_row;
  GtkWidget     *handled_by_row;
  GtkWidget     *handled_at_row;
  GtkWidget     *note_row;
};

G_DEFINE_FINAL_TYPE (MtAlarmDialog, mt_alarm_dialog, ADW_TYPE_WINDOW)

/* What a type of alarm is about, read from one message, and its unit */
static gboolean
metric_of (const char        *type,
           const MtTelemetry *t,
           double            *value,
           const char       **unit)
{
  int hi, lo, hottest = MT_ABSENT, coldest = MT_ABSENT;

  mt_telemetry_cell_extremes (t, &hi, &lo);
  for (int k = 0; k < t->n_temps; k++)
    if (t->temps_dc[k] != MT_ABSENT)
      {
        hottest = hottest == MT_ABSENT ? t->temps_dc[k] : MAX (hottest, t->temps_dc[k]);
        coldest = coldest == MT_ABSENT ? t->temps_dc[k] : MIN (coldest, t->temps_dc[k]);
      }
  *unit = "V";
  if (g_str_equal (type, "cell_ov") && hi >= 0)
    *value = t->cells_mv[hi] / 1000.0;
  else if ((g_str_equal (type, "cell_uv") || g_str_equal (type, "over_discharge")) && lo >= 0)
    *value = t->cells_mv[lo] / 1000.0;
  else if (g_str_equal (type, "pack_ov") || g_str_equal (type, "pack_uv") || g_str_equal (type, "over_charge"))
    *value = t->pack_mv / 1000.0;
  else if (g_str_equal (type, "charge_oc") || g_str_equal (type, "discharge_oc") ||
           g_str_equal (type, "short_circuit"))
    *value = t->current_ma / 1000.0, *unit = "A";
  else if (g_str_equal (type, "temp_high") && hottest != MT_ABSENT)
    *value = hottest / 10.0, *unit = "°C";
  else if (g_str_equal (type, "temp_low") && coldest != MT_ABSENT)
    *value = coldest / 10.0, *unit = "°C";
  else if (g_str_equal (type, "imbalance") && hi >= 0)
    *value = t->cells_mv[hi] - t->cells_mv[lo], *unit = "mV";
  else
    *value = t->soc, *unit = "%";
  return TRUE;
}

static void
draw_cb (GtkDrawingArea *area,
         cairo_t        *cr,
         int             width,
         int             height,
         gpointer        data)
{
  MtAlarmDialog *self = data;
  GdkRGBA fg, accent = { 0.21, 0.52, 0.89, 1 }, band = { 0.88, 0.11, 0.14, 0.15 };
  double left = 56, right = 12, top = 12, bottom = 28, lo = G_MAXDOUBLE, hi = -G_MAXDOUBLE;
  gint64 t0 = self->first_at - AROUND, t1 = self->latest_at + AROUND;
  PangoLayout *layout;
  char text[64];

  gtk_style_context_get_color (gtk_widget_get_style_context (GTK_WIDGET (area)), &fg);
  for (guint i = 0; i < self->values->len; i++)
    {
      lo = MIN (lo, g_array_index (self->values, double, i));
      hi = MAX (hi, g_array_index (self->values, double, i));
    }
  if (self->values->len == 0)
    lo = 0, hi = 1;
  if (hi - lo < 1e-9)
    lo -= 0.5, hi += 0.5;
#define X(t) (left + ((double) ((t) - t0)) / (double) (t1 - t0) * (width - left - right))
#define Y(v) (top + (hi - (v)) / (hi - lo) * (height - top - bottom))

  /* the alarm's span */
  gdk_cairo_set_source_rgba (cr, &band);
  cairo_rectangle (cr, X (self->first_at), top, MAX (2, X (self->latest_at) - X (self->first_at)), height - top - bottom);
  cairo_fill (cr);
  /* axes */
  cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.4);
  cairo_set_line_width (cr, 1);
  cairo_move_to (cr, left, top);
  cairo_line_to (cr, left, height - bottom);
  cairo_line_to (cr, width - right, height - bottom);
  cairo_stroke (cr);
  /* labels: the range and the two ends of time */
  layout = gtk_widget_create_pango_layout (GTK_WIDGET (area), NULL);
  cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.8);
  g_snprintf (text, sizeof text, "%.3g %s", hi, self->unit);
  pango_layout_set_text (layout, text, -1);
  cairo_move_to (cr, 4, top - 2);
  pango_cairo_show_layout (cr, layout);
  g_snprintf (text, sizeof text, "%.3g %s", lo, self->unit);
  pango_layout_set_text (layout, text, -1);
  cairo_move_to (cr, 4, height - bottom - 16);
  pango_cairo_show_layout (cr, layout);
  {
    g_autofree char *a = mt_format_time (t0);
    g_autofree char *b = mt_format_time (t1);
    int w;

    pango_layout_set_text (layout, a, -1);
    cairo_move_to (cr, left, height - bottom + 6);
    pango_cairo_show_layout (cr, layout);
    pango_layout_set_text (layout, b, -1);
    pango_layout_get_pixel_size (layout, &w, NULL);
    cairo_move_to (cr, width - right - w, height - bottom + 6);
    pango_cairo_show_layout (cr, layout);
  }
  g_object_unref (layout);
  /* the metric */
  gdk_cairo_set_source_rgba (cr, &accent);
  cairo_set_line_width (cr, 2);
  for (guint i = 0; i < self->values->len; i++)
    {
      double x = X (g_array_index (self->times, gint64, i)), y = Y (g_array_index (self->values, double, i));

      if (i == 0)
        cairo_move_to (cr, x, y);
      else
        cairo_line_to (cr, x, y);
    }
  cairo_stroke (cr);
  for (guint i = 0; i < self->values->len && self->values->len < 200; i++)
    {
      cairo_arc (cr, X (g_array_index (self->times, gint64, i)), Y (g_array_index (self->values, double, i)), 2.5, 0,
                 2 * G_PI);
      cairo_fill (cr);
    }
#undef X
#undef Y
}

guint
mt_alarm_dialog_get_n_points (MtAlarmDialog *self)
{
  return self->values->len;
}

static void
mt_alarm_dialog_finalize (GObject *object)
{
  MtAlarmDialog *self = MT_ALARM_DIALOG (object);

  g_array_unref (self->times);
  g_array_unref (self->values);
  g_free (self->unit);
  G_OBJECT_CLASS (mt_alarm_dialog_parent_class)->finalize (object);
}

static void
mt_alarm_dialog_class_init (MtAlarmDialogClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = mt_alarm_dialog_finalize;
  gtk_widget_class_set_template_from_resource (widget_class, "/com/mtxnyjs/Mingtang/ui/mt-alarm-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, MtAlarmDialog, curve_group);
  gtk_widget_class_bind_template_child (widget_class, MtAlarmDialog, area);
  gtk_widget_class_bind_template_child (widget_class, MtAlarmDialog, battery_row);
  gtk_widget_class_bind_template_child (widget_class, MtAlarmDialog, state_row);
  gtk_widget_class_bind_template_child (widget_class, MtAlarmDialog, reports_row);
  gtk_widget_class_bind_template_child (widget_class, MtAlarmDialog, first_row);
  gtk_widget_class_bind_template_child (widget_class, MtAlarmDialog, latest_row);
  gtk_widget_class_bind_template_child (widget_class, MtAlarmDialog, reading_row);
  gtk_widget_class_bind_template_child (widget_class, MtAlarmDialog, handled_by_row);
  gtk_widget_class_bind_template_child (widget_class, MtAlarmDialog, handled_at_row);
  gtk_widget_class_bind_template_child (widget_class, MtAlarmDialog, note_row);
}

static void
mt_alarm_dialog_init (MtAlarmDialog *self)
{
  self->times = g_array_new (FALSE, FALSE, sizeof (gint64));
  self->values = g_array_new (FALSE, FALSE, sizeof (double));
  self->unit = g_strdup ("");
  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_drawing_area_set_draw_func (GTK_DRAWING_AREA (self->area), draw_cb, self, NULL);
}

static void
set_row (GtkWidget  *row,
         const char *value)
{
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), value && *value ? value : "—");
}

MtAlarmDialog *
mt_alarm_dialog_new (GtkWindow     *parent,
                     MtContext     *context,
                     gint64         alarm_id)
{
  MtAlarmDialog *self = g_object_new (MT_TYPE_ALARM_DIALOG, "transient-for", parent, NULL);
  GtkWidget *curve_group = self->curve_group;
  g_autofree char *first = NULL, *latest = NULL, *handled_at = NULL, *count = NULL;
  g_autofree char *value = NULL, *title = NULL, *description = NULL;
  const char *unit = "";
  MtDb *db = mt_context_get_db (context);
  g_autoptr(MtAlarmDetails) alarm = mt_read_alarm (db, mt_context_get_actor (context), alarm_id);
  g_autoptr(GArray) snapshots = NULL;
  const char *number = alarm ? alarm->alarm_no : NULL, *type = alarm ? alarm->type : NULL;

  if (alarm != NULL)
    {
      count = g_strdup_printf ("%d", alarm->count);
      self->first_at = alarm->first_at;
      self->latest_at = alarm->latest_at;
      if (alarm->has_value)
        value = g_strdup_printf ("%g", alarm->value);
      if (alarm->handled_at != 0)
        handled_at = mt_format_time (alarm->handled_at);
      /* the metric, from the snapshots an hour either side */
      snapshots = mt_read_snapshots (db, mt_context_get_actor (context), alarm->device_id, self->first_at - AROUND,
                                     self->latest_at + AROUND);
    }
  for (guint i = 0; snapshots && i < snapshots->len; i++)
    {
      const MtSnapshot *snapshot = &g_array_index (snapshots, MtSnapshot, i);
      MtTelemetry t;
      double v;

      if (mt_telemetry_parse (snapshot->payload, strlen (snapshot->payload), &t, NULL) && metric_of (type, &t, &v, &unit))
        {
          g_array_append_val (self->times, snapshot->at);
          g_array_append_val (self->values, v);
          g_free (self->unit);
          self->unit = g_strdup (unit);
        }
    }

  title = g_strdup_printf (_("Alarm %s"), number ? number : "");
  gtk_window_set_title (GTK_WINDOW (self), title);
  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (curve_group), mt_alarm_type_title (type));
  description = self->values->len > 0
    ? g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u reading from an hour before to an hour after; the alarm's span shaded.",
                                    "%u readings from an hour before to an hour after; the alarm's span shaded.",
                                    self->values->len), self->values->len)
    : g_strdup (_("No BMS history around this alarm (snapshots are kept for the retention setting)."));
  adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (curve_group), description);
  first = mt_format_time (self->first_at);
  latest = mt_format_time (self->latest_at);
  set_row (self->battery_row, alarm ? alarm->device_no : NULL);
  set_row (self->state_row, alarm && g_strcmp0 (alarm->state, "open") == 0 ? _("Open") : _("Handled"));
  set_row (self->reports_row, count);
  set_row (self->first_row, first);
  set_row (self->latest_row, latest);
  set_row (self->reading_row, value);
  set_row (self->handled_by_row, alarm ? alarm->handled_by : NULL);
  set_row (self->handled_at_row, handled_at);
  set_row (self->note_row, alarm ? alarm->note : NULL);
  return self;
}
