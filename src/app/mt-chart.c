/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mt-chart"

#include "config.h"

#include <glib/gi18n.h>

#include "mt-chart.h"
#include "mt-chart-plot.h"

struct _MtChart
{
  GtkWidget   parent_instance;
  MtChartPlot plot;
};

G_DEFINE_FINAL_TYPE (MtChart, mt_chart, GTK_TYPE_WIDGET)

enum { ACTIVATED, N_SIGNALS };
static guint signals[N_SIGNALS];

char *
mt_chart_get_callout (MtChart *self)
{
  g_return_val_if_fail (MT_IS_CHART (self), NULL);
  return mt_chart_plot_callout (&self->plot);
}

static const PangoFontDescription *
widget_font (MtChart *self)
{
  return pango_context_get_font_description (gtk_widget_get_pango_context (GTK_WIDGET (self)));
}

void
mt_chart_draw (MtChart *self,
               cairo_t *cr,
               int      width,
               int      height)
{
  GdkRGBA color;
  double ink[3];

  g_return_if_fail (MT_IS_CHART (self));
  gtk_style_context_get_color (gtk_widget_get_style_context (GTK_WIDGET (self)), &color);
  ink[0] = color.red;
  ink[1] = color.green;
  ink[2] = color.blue;
  mt_chart_plot_draw (&self->plot, cr, width, height, ink, widget_font (self));
}

gboolean
mt_chart_save (MtChart     *self,
               const char  *path,
               int          width,
               int          height,
               GError     **error)
{
  g_return_val_if_fail (MT_IS_CHART (self), FALSE);
  return mt_chart_plot_save (&self->plot, path, width, height, widget_font (self), error);
}

static void
mt_chart_snapshot (GtkWidget   *widget,
                   GtkSnapshot *snapshot)
{
  int width = gtk_widget_get_width (widget), height = gtk_widget_get_height (widget);
  cairo_t *cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));

  mt_chart_draw (MT_CHART (widget), cr, width, height);
  cairo_destroy (cr);
}

static void
update_accessible (MtChart *self)
{
  g_autofree char *callout = mt_chart_get_callout (self);

  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                  callout ? callout : "", -1);
}

void
mt_chart_set_selected (MtChart *self,
                       int      row)
{
  g_return_if_fail (MT_IS_CHART (self));
  row = self->plot.n_rows ? CLAMP (row, -1, (int) self->plot.n_rows - 1) : -1;
  if (row == self->plot.selected)
    return;
  self->plot.selected = row;
  update_accessible (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

int
mt_chart_get_selected (MtChart *self)
{
  g_return_val_if_fail (MT_IS_CHART (self), -1);
  return self->plot.selected;
}

static void
motion_cb (GtkEventControllerMotion *motion,
           double                    x,
           double                    y,
           MtChart                  *self)
{
  mt_chart_set_selected (self, mt_chart_plot_row_at (&self->plot, x, y, gtk_widget_get_height (GTK_WIDGET (self))));
}

static void
leave_cb (GtkEventControllerMotion *motion,
          MtChart                  *self)
{
  if (!gtk_widget_has_focus (GTK_WIDGET (self)))
    mt_chart_set_selected (self, -1);
}

static void
released_cb (GtkGestureClick *click,
             int              n_press,
             double           x,
             double           y,
             MtChart         *self)
{
  int row = mt_chart_plot_row_at (&self->plot, x, y, gtk_widget_get_height (GTK_WIDGET (self)));

  gtk_widget_grab_focus (GTK_WIDGET (self));
  if (row >= 0)
    {
      mt_chart_set_selected (self, row);
      g_signal_emit (self, signals[ACTIVATED], 0, row);
    }
}

static gboolean
key_cb (GtkEventControllerKey *key,
        guint                  keyval,
        guint                  keycode,
        GdkModifierType        state,
        MtChart               *self)
{
  int last = (int) self->plot.n_rows - 1;

  switch (keyval)
    {
    case GDK_KEY_Left:
    case GDK_KEY_Up:
      mt_chart_set_selected (self, self->plot.selected < 0 ? last : MAX (self->plot.selected - 1, 0));
      return TRUE;
    case GDK_KEY_Right:
    case GDK_KEY_Down:
      mt_chart_set_selected (self, self->plot.selected < 0 ? 0 : MIN (self->plot.selected + 1, last));
      return TRUE;
    case GDK_KEY_Home:
      mt_chart_set_selected (self, 0);
      return TRUE;
    case GDK_KEY_End:
      mt_chart_set_selected (self, last);
      return TRUE;
    case GDK_KEY_Return:
    case GDK_KEY_KP_Enter:
    case GDK_KEY_space:
      if (self->plot.selected >= 0)
        g_signal_emit (self, signals[ACTIVATED], 0, self->plot.selected);
      return TRUE;
    default:
      return FALSE;
    }
}

void
mt_chart_set_data (MtChart             *self,
                   MtChartKind          kind,
                   const MtStatsTable  *table,
                   const MtStatsFigure *figures,
                   guint                n_figures)
{
  g_return_if_fail (MT_IS_CHART (self));
  mt_chart_plot_set (&self->plot, kind, table, figures, n_figures);
  update_accessible (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
mt_chart_measure (GtkWidget      *widget,
                  GtkOrientation  orientation,
                  int             for_size,
                  int            *minimum,
                  int            *natural,
                  int            *minimum_baseline,
                  int            *natural_baseline)
{
  *minimum = orientation == GTK_ORIENTATION_HORIZONTAL ? 320 : 220;
  *natural = orientation == GTK_ORIENTATION_HORIZONTAL ? 720 : 320;
}

static void
mt_chart_finalize (GObject *object)
{
  MtChart *self = MT_CHART (object);

  mt_chart_plot_clear (&self->plot);
  G_OBJECT_CLASS (mt_chart_parent_class)->finalize (object);
}

static void
mt_chart_class_init (MtChartClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = mt_chart_finalize;
  widget_class->snapshot = mt_chart_snapshot;
  widget_class->measure = mt_chart_measure;

  /**
   * MtChart::activated:
   * @row: the row clicked, or chosen with Enter
   */
  signals[ACTIVATED] = g_signal_new ("activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                                     NULL, G_TYPE_NONE, 1, G_TYPE_INT);
  gtk_widget_class_set_css_name (widget_class, "chart");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
mt_chart_init (MtChart *self)
{
  GtkEventController *motion = gtk_event_controller_motion_new ();
  GtkGesture *click = gtk_gesture_click_new ();
  GtkEventController *key = gtk_event_controller_key_new ();

  mt_chart_plot_init (&self->plot);
  gtk_widget_set_focusable (GTK_WIDGET (self), TRUE);
  gtk_widget_set_hexpand (GTK_WIDGET (self), TRUE);
  gtk_widget_set_vexpand (GTK_WIDGET (self), TRUE);
  g_signal_connect (motion, "motion", G_CALLBACK (motion_cb), self);
  g_signal_connect (motion, "leave", G_CALLBACK (leave_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), motion);
  g_signal_connect (click, "released", G_CALLBACK (released_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (click));
  g_signal_connect (key, "key-pressed", G_CALLBACK (key_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), key);
}

MtChart *
mt_chart_new (void)
{
  return g_object_new (MT_TYPE_CHART, NULL);
}
