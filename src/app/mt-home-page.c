/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mt-home-page"

#include "config.h"

#include <glib/gi18n.h>

#include "mt-home-page.h"
#include "mt-validate.h"

struct _MtHomePage
{
  GtkBox        parent_instance;

  MtContext    *context;
  GtkWidget    *greeting;
  GtkWidget    *updated;
  GtkWidget    *tiles;
  GtkWidget    *charts;
  GtkWidget    *chart_title;
  GtkWidget    *chart_frame;
  GtkWidget    *ranking_box;
  GtkWidget    *ranking_title;
  GtkWidget    *ranking_frame;
  MtChart      *chart;
  MtChart      *ranking;

  MtDashboard  *dashboard;
  GCancellable *cancellable;
  guint         timer;
  gboolean      reading;
  gboolean      again;   /* a change came while reading: read once more */
};

G_DEFINE_FINAL_TYPE (MtHomePage, mt_home_page, GTK_TYPE_BOX)

enum { OPEN_PAGE, N_SIGNALS };
static guint signals[N_SIGNALS];

static gpointer
read_job (MtDb          *db,
          gpointer       data,
          GCancellable  *cancellable,
          GError       **error)
{
  return mt_dashboard_read (db, mt_context_get_actor (data), error);
}

static void
open_tile (MtHomePage            *self,
           const MtDashboardTile *tile)
{
  g_autofree char *today = NULL;

  if (tile->today)
    today = mt_stats_day_format (mt_stats_day_of (mt_now ()));
  g_signal_emit (self, signals[OPEN_PAGE], 0, tile->page, tile->state ? tile->state : "", today ? today : "",
                 today ? today : "");
}

static void
tile_clicked_cb (GtkButton  *button,
                 MtHomePage *self)
{
  const char *id = g_object_get_data (G_OBJECT (button), "tile");

  mt_home_page_open_tile (self, id);
}

static GtkWidget *
tile_new (MtHomePage            *self,
          const MtDashboardTile *tile)
{
  GtkWidget *button = gtk_button_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  g_autofree char *value = mt_stats_format_value (tile->kind, tile->value);
  g_autofree char *note = NULL;
  GtkWidget *t = gtk_label_new (tile->title), *v = gtk_label_new (value), *n;

  if (tile->has_before)
    {
      g_autofree char *before = mt_stats_format_value (tile->kind, tile->before);

      note = g_strdup_printf (tile->value > tile->before ? _("▲ yesterday %s") : tile->value < tile->before
                              ? _("▼ yesterday %s") : _("yesterday %s"), before);
    }
  n = gtk_label_new (note ? note : tile->note ? tile->note : " ");
  gtk_widget_add_css_class (button, "card");
  gtk_widget_add_css_class (button, "dashboard-tile");
  gtk_widget_add_css_class (t, "caption-heading");
  gtk_widget_add_css_class (t, "dim-label");
  gtk_widget_add_css_class (v, "title-2");
  gtk_widget_add_css_class (n, "caption");
  if (tile->warning && tile->value > 0)
    gtk_widget_add_css_class (v, "warning");
  if (tile->has_before && tile->value != tile->before)
    gtk_widget_add_css_class (n, tile->value > tile->before ? "success" : "error");
  gtk_widget_add_css_class (n, "mt-data");   /* a device's number or a figure */
  for (GtkWidget *l = t; l; l = l == t ? v : l == v ? n : NULL)
    {
      gtk_label_set_xalign (GTK_LABEL (l), 0);
      gtk_label_set_ellipsize (GTK_LABEL (l), PANGO_ELLIPSIZE_END);
      gtk_box_append (GTK_BOX (box), l);
    }
  gtk_button_set_child (GTK_BUTTON (button), box);
  g_object_set_data (G_OBJECT (button), "tile", (gpointer) tile->id);
  gtk_widget_set_tooltip_text (button, _("Open the list behind this figure"));
  g_signal_connect (button, "clicked", G_CALLBACK (tile_clicked_cb), self);
  return button;
}

static void
show (MtHomePage *self)
{
  const MtDashboard *d = self->dashboard;
  const MtActor *actor = mt_context_get_actor (self->context);
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *time = g_date_time_format (now, "%H:%M:%S");
  g_autofree char *updated = g_strdup_printf (_("Updated at %s; every figure opens its list"), time);
  g_autofree char *greeting = g_strdup_printf (_("%s · %s"), actor->name && *actor->name ? actor->name : actor->username,
                                               actor->operator_name ? actor->operator_name : "");
  GtkWidget *child;

  gtk_label_set_text (GTK_LABEL (self->greeting), greeting);
  gtk_label_set_text (GTK_LABEL (self->updated), updated);
  while ((child = gtk_widget_get_first_child (self->tiles)) != NULL)
    gtk_flow_box_remove (GTK_FLOW_BOX (self->tiles), child);
  for (guint i = 0; i < d->tiles->len; i++)
    gtk_flow_box_append (GTK_FLOW_BOX (self->tiles), tile_new (self, d->tiles->pdata[i]));

  gtk_label_set_text (GTK_LABEL (self->chart_title), d->chart_title ? d->chart_title : "");
  mt_chart_set_data (self->chart, d->chart_kind, d->chart, d->chart_figures, d->chart_n_figures);
  gtk_widget_set_visible (self->ranking_box, d->ranking != NULL);
  if (d->ranking)
    {
      gtk_label_set_text (GTK_LABEL (self->ranking_title), d->ranking_title);
      mt_chart_set_data (self->ranking, MT_CHART_RANKING, d->ranking, d->ranking_figures, 1);
    }
  gtk_box_set_homogeneous (GTK_BOX (self->charts), d->ranking != NULL);
}

static void
read_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      data)
{
  g_autoptr(MtHomePage) self = data;
  g_autoptr(GError) error = NULL;
  MtDashboard *d = mt_context_run_finish (MT_CONTEXT (source), result, &error);

  if (g_cancellable_is_cancelled (self->cancellable))
    {
      g_clear_pointer (&d, mt_dashboard_free);
      return;
    }
  self->reading = FALSE;
  if (d == NULL)
    gtk_label_set_text (GTK_LABEL (self->updated), error ? error->message : "");
  else
    {
      g_clear_pointer (&self->dashboard, mt_dashboard_free);
      self->dashboard = d;
      show (self);
    }
  if (self->again)
    {
      self->again = FALSE;
      mt_home_page_refresh (self);
    }
}

void
mt_home_page_refresh (MtHomePage *self)
{
  g_return_if_fail (MT_IS_HOME_PAGE (self));
  if (self->reading)
    {
      self->again = TRUE;
      return;
    }
  self->reading = TRUE;
  mt_context_run_async (self->context, read_job, g_object_ref (self->context), g_object_unref,
                        (GDestroyNotify) mt_dashboard_free, self->cancellable, read_cb, g_object_ref (self));
}

static void
context_changed_cb (MtHomePage *self)
{
  if (gtk_widget_get_mapped (GTK_WIDGET (self)))
    mt_home_page_refresh (self);
}

static gboolean
tick_cb (gpointer data)
{
  MtHomePage *self = data;

  if (gtk_widget_get_mapped (GTK_WIDGET (self)))
    mt_home_page_refresh (self);
  return G_SOURCE_CONTINUE;
}

static void
chart_activated_cb (MtHomePage *self,
                    int         row)
{
  const MtDashboard *d = self->dashboard;
  g_autofree char *day = NULL;

  if (d == NULL || d->chart == NULL || row < 0 || (guint) row >= d->chart->n_rows)
    return;
  if (d->kind == MT_DASHBOARD_TECHNICIAN)
    g_signal_emit (self, signals[OPEN_PAGE], 0, "alarms", "open", "", "");
  else
    {
      day = mt_stats_day_format (d->chart->keys[row]);
      g_signal_emit (self, signals[OPEN_PAGE], 0, "transactions", "", day, day);
    }
}

gboolean
mt_home_page_open_tile (MtHomePage *self,
                        const char *id)
{
  for (guint i = 0; self->dashboard && i < self->dashboard->tiles->len; i++)
    {
      const MtDashboardTile *tile = self->dashboard->tiles->pdata[i];

      if (g_strcmp0 (tile->id, id) == 0)
        {
          open_tile (self, tile);
          return TRUE;
        }
    }
  return FALSE;
}

const MtDashboard *
mt_home_page_get_dashboard (MtHomePage *self)
{
  return self->dashboard;
}

MtChart *
mt_home_page_get_chart (MtHomePage *self)
{
  return self->chart;
}

char *
mt_home_page_get_tiles_text (MtHomePage *self)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; self->dashboard && i < self->dashboard->tiles->len; i++)
    {
      const MtDashboardTile *tile = self->dashboard->tiles->pdata[i];
      g_autofree char *value = mt_stats_format_value (tile->kind, tile->value);

      g_string_append_printf (s, "%s: %s = %s%s%s\n", tile->id, tile->title, value, tile->note ? " · " : "",
                              tile->note ? tile->note : "");
    }
  return g_string_free (s, FALSE);
}

MtHomePage *
mt_home_page_new (MtContext *context)
{
  MtHomePage *self = g_object_new (MT_TYPE_HOME_PAGE, NULL);

  self->context = g_object_ref (context);
  g_signal_connect_object (context, "changed", G_CALLBACK (context_changed_cb), self, G_CONNECT_SWAPPED);
  self->timer = g_timeout_add_seconds (30, tick_cb, self);
  mt_home_page_refresh (self);
  return self;
}

static void
mt_home_page_dispose (GObject *object)
{
  MtHomePage *self = MT_HOME_PAGE (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->timer, g_source_remove);
  gtk_widget_dispose_template (GTK_WIDGET (self), MT_TYPE_HOME_PAGE);
  G_OBJECT_CLASS (mt_home_page_parent_class)->dispose (object);
}

static void
mt_home_page_finalize (GObject *object)
{
  MtHomePage *self = MT_HOME_PAGE (object);

  g_clear_object (&self->cancellable);
  g_clear_object (&self->context);
  g_clear_pointer (&self->dashboard, mt_dashboard_free);
  G_OBJECT_CLASS (mt_home_page_parent_class)->finalize (object);
}

static void
mt_home_page_class_init (MtHomePageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = mt_home_page_dispose;
  object_class->finalize = mt_home_page_finalize;
  signals[OPEN_PAGE] = g_signal_new ("open-page", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                     G_TYPE_NONE, 4, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING);
  gtk_widget_class_set_template_from_resource (widget_class, "/com/mtxnyjs/Mingtang/ui/mt-home-page.ui");
#define BIND(name) gtk_widget_class_bind_template_child (widget_class, MtHomePage, name)
  BIND (greeting);
  BIND (updated);
  BIND (tiles);
  BIND (charts);
  BIND (chart_title);
  BIND (chart_frame);
  BIND (ranking_box);
  BIND (ranking_title);
  BIND (ranking_frame);
#undef BIND
}

static void
mt_home_page_init (MtHomePage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
  self->chart = mt_chart_new ();
  self->ranking = mt_chart_new ();
  gtk_frame_set_child (GTK_FRAME (self->chart_frame), GTK_WIDGET (self->chart));
  gtk_frame_set_child (GTK_FRAME (self->ranking_frame), GTK_WIDGET (self->ranking));
  g_signal_connect_swapped (self->chart, "activated", G_CALLBACK (chart_activated_cb), self);
}
