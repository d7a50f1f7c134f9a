/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mt-monitor-page"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "mt-monitor-page.h"
#include "mt-fences.h"
#include "mt-ops.h"
#include "mt-telemetry-actions.h"
#include "mt-track-page.h"
#include "mt-window.h"
#include "mt-validate.h"

/* ------------------------------------------------------------------ the selected device's fences */

#define MT_TYPE_FENCE_SHAPES (mt_fence_shapes_get_type ())
G_DECLARE_FINAL_TYPE (MtFenceShapes, mt_fence_shapes, MT, FENCE_SHAPES, ShumateLayer)

struct _MtFenceShapes
{
  ShumateLayer  parent_instance;
  GPtrArray    *fences;   /* MtFence, as displayed */
};

G_DEFINE_FINAL_TYPE (MtFenceShapes, mt_fence_shapes, SHUMATE_TYPE_LAYER)

static void
mt_fence_shapes_snapshot (GtkWidget   *widget,
                          GtkSnapshot *snapshot)
{
  MtFenceShapes *self = MT_FENCE_SHAPES (widget);
  ShumateViewport *viewport = shumate_layer_get_viewport (SHUMATE_LAYER (self));
  double dashes[] = { 8, 5 };
  cairo_t *cr;

  if (self->fences->len == 0)
    return;
  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, (float) gtk_widget_get_width (widget),
                                                                  (float) gtk_widget_get_height (widget)));
  for (guint f = 0; f < self->fences->len; f++)
    {
      const MtFence *fence = self->fences->pdata[f];
      double x, y;

      if (fence->shape == MT_FENCE_CIRCLE)
        {
          MtGeoPoint edge = mt_geo_offset (fence->center, 0, fence->radius_m);
          double ex, ey;

          shumate_viewport_location_to_widget_coords (viewport, widget, fence->center.lat, fence->center.lng, &x, &y);
          shumate_viewport_location_to_widget_coords (viewport, widget, edge.lat, edge.lng, &ex, &ey);
          cairo_new_sub_path (cr);
          cairo_arc (cr, x, y, fabs (ex - x), 0, 2 * G_PI);
        }
      else
        for (guint r = 0; r < fence->n_rings; r++)
          {
            for (guint i = 0; i < fence->sizes[r]; i++)
              {
                shumate_viewport_location_to_widget_coords (viewport, widget, fence->rings[r][i].lat,
                                                            fence->rings[r][i].lng, &x, &y);
                if (i == 0)
                  cairo_move_to (cr, x, y);
                else
                  cairo_line_to (cr, x, y);
              }
            cairo_close_path (cr);
          }
    }
  cairo_set_fill_rule (cr, CAIRO_FILL_RULE_EVEN_ODD);
  cairo_set_source_rgba (cr, 0.90, 0.38, 0.00, 0.10);
  cairo_fill_preserve (cr);
  cairo_set_source_rgba (cr, 0.90, 0.38, 0.00, 0.9);
  cairo_set_line_width (cr, 2.5);
  cairo_set_dash (cr, dashes, 2, 0);
  cairo_stroke (cr);
  cairo_destroy (cr);
}

static void
mt_fence_shapes_constructed (GObject *object)
{
  G_OBJECT_CLASS (mt_fence_shapes_parent_class)->constructed (object);
  mt_layer_follow_view (SHUMATE_LAYER (object));
}

static void
mt_fence_shapes_finalize (GObject *object)
{
  g_ptr_array_unref (MT_FENCE_SHAPES (object)->fences);
  G_OBJECT_CLASS (mt_fence_shapes_parent_class)->finalize (object);
}

static void
mt_fence_shapes_class_init (MtFenceShapesClass *klass)
{
  G_OBJECT_CLASS (klass)->constructed = mt_fence_shapes_constructed;
  G_OBJECT_CLASS (klass)->finalize = mt_fence_shapes_finalize;
  GTK_WIDGET_CLASS (klass)->snapshot = mt_fence_shapes_snapshot;
}

static void
mt_fence_shapes_init (MtFenceShapes *self)
{
  self->fences = g_ptr_array_new_with_free_func ((GDestroyNotify) mt_fence_free);
  gtk_widget_set_can_target (GTK_WIDGET (self), FALSE);
}

/* ------------------------------------------------------------------ the page */

struct _MtMonitorPage
{
  GtkBox         parent_instance;

  MtDb          *db;
  const MtActor *actor;
  MtListPage    *list;
  MtMap         *map;
  MtDeviceLayer *layer;
  MtFenceShapes *fences;
  GtkWidget     *card;
  GtkWidget     *card_title;
  GtkWidget     *card_grid;
  GtkWidget     *follow;
  GtkWidget     *track_button;
  GtkWidget     *bms_button;
  GtkWidget     *paned;
  GtkWidget     *overlay;
  GtkWidget     *legend;
  GtkWidget     *legend_counts[MT_MAP_N_KINDS];
  gint64         selected;
  gboolean       fitted;
  MtContext     *context;      /* connected: positions come from the server */
  GCancellable  *cancellable;
  guint          positions_timeout;
};

G_DEFINE_FINAL_TYPE (MtMonitorPage, mt_monitor_page, GTK_TYPE_BOX)

static const char *const kind_titles[MT_MAP_N_KINDS] = {
  NC_("map legend", "Ready"), NC_("map legend", "Rented"), NC_("map legend", "In Repair"),
  NC_("map legend", "Offline"), NC_("map legend", "Alarm"),
};

/* ------------------------------------------------------------------ the card */

static void
card_add (MtMonitorPage *self,
          int            row,
          const char    *title,
          const char    *value)
{
  GtkWidget *name = gtk_label_new (title);
  GtkWidget *text = gtk_label_new (value && *value ? value : "—");

  gtk_widget_add_css_class (name, "dim-label");
  gtk_label_set_xalign (GTK_LABEL (name), 0);
  gtk_label_set_xalign (GTK_LABEL (text), 0);
  gtk_label_set_selectable (GTK_LABEL (text), TRUE);
  gtk_label_set_ellipsize (GTK_LABEL (text), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (text, "mt-data");
  gtk_grid_attach (GTK_GRID (self->card_grid), name, 0, row, 1, 1);
  gtk_grid_attach (GTK_GRID (self->card_grid), text, 1, row, 1, 1);
}

static void
card_update (MtMonitorPage *self)
{
  g_autoptr(MtDeviceCard) card = NULL;
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (self->card_grid)))
    gtk_grid_remove (GTK_GRID (self->card_grid), child);
  gtk_widget_set_visible (self->card, self->selected != 0);
  if (self->selected == 0 || (card = mt_read_device_card (self->db, self->actor, self->selected)) == NULL)
    return;
  {
    g_autofree char *soc = NULL, *volts = NULL, *fix = NULL, *age = NULL, *position = NULL;
    const char *state = mt_choice_label (mt_device_states, card->state);
    int row = 0;

    gtk_label_set_text (GTK_LABEL (self->card_title), card->device_no);
    if (card->soc >= 0)
      soc = g_strdup_printf ("%d%%", card->soc);
    if (card->pack_mv >= 0)
      volts = g_strdup_printf ("%.2f V", card->pack_mv / 1000.0);
    if (card->last_seen != 0)
      {
        fix = mt_format_time (card->last_seen);
        age = mt_format_age (card->last_seen);
      }
    if (card->located)
      position = g_strdup_printf ("%.5f, %.5f", card->lat, card->lng);
    card_add (self, row++, _("State"), state ? _(state) : NULL);
    card_add (self, row++, _("Online"), card->online ? _("Yes") : _("No"));
    card_add (self, row++, _("SOC"), soc);
    card_add (self, row++, _("Pack voltage"), volts);
    card_add (self, row++, _("Renter"), card->renter);
    card_add (self, row++, _("Store"), card->store);
    card_add (self, row++, _("Last fix"), fix);
    card_add (self, row++, _("Age"), age);
    card_add (self, row++, _("Position"), position);
  }
}

char *
mt_monitor_page_get_card_text (MtMonitorPage *self)
{
  GString *text = g_string_new (gtk_label_get_text (GTK_LABEL (self->card_title)));

  if (!gtk_widget_get_visible (self->card))
    return g_string_free (text, TRUE), NULL;
  for (GtkWidget *child = gtk_widget_get_first_child (self->card_grid); child;
       child = gtk_widget_get_next_sibling (child))
    if (GTK_IS_LABEL (child))
      g_string_append_printf (text, "%s%s", gtk_widget_has_css_class (child, "dim-label") ? "\n" : " ",
                              gtk_label_get_text (GTK_LABEL (child)));
  return g_string_free (text, FALSE);
}

/* The selected device's fences, shifted as the tiles need */
static void
fences_show (MtMonitorPage *self)
{
  g_auto(GStrv) shapes = self->selected ? mt_read_device_fences (self->db, self->actor, self->selected) : NULL;

  g_ptr_array_set_size (self->fences->fences, 0);
  for (guint k = 0; shapes && shapes[k]; k++)
    {
      MtFence *fence = mt_fence_parse (shapes[k], NULL);

      if (fence == NULL)
        continue;
      if (fence->shape == MT_FENCE_CIRCLE)
        fence->center = mt_map_to_display (self->map, fence->center);
      for (guint r = 0; r < fence->n_rings; r++)
        for (guint i = 0; i < fence->sizes[r]; i++)
          fence->rings[r][i] = mt_map_to_display (self->map, fence->rings[r][i]);
      g_ptr_array_add (self->fences->fences, fence);
    }
  gtk_widget_queue_draw (GTK_WIDGET (self->fences));
}

guint
mt_monitor_page_get_n_fences_shown (MtMonitorPage *self)
{
  return self->fences->fences->len;
}

void
mt_monitor_page_select (MtMonitorPage *self,
                        gint64         device_id,
                        gboolean       center)
{
  MtMapPoint point;

  self->selected = device_id;
  mt_device_layer_set_selected (self->layer, device_id);
  card_update (self);
  fences_show (self);
  if (center && device_id != 0 && mt_device_layer_get_point (self->layer, device_id, &point))
    {
      ShumateViewport *viewport = mt_map_get_viewport (self->map);

      /* close enough to see the street, never further out than now */
      shumate_viewport_set_zoom_level (viewport, MAX (shumate_viewport_get_zoom_level (viewport), 15));
      shumate_location_set_location (SHUMATE_LOCATION (viewport), point.lat, point.lng);
    }
}

void
mt_monitor_page_set_follow (MtMonitorPage *self,
                            gboolean       follow)
{
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (self->follow), follow);
}

static void
activated_cb (MtMonitorPage *self,
              gint64         id)
{
  mt_monitor_page_select (self, id, FALSE);
}

static void
bms_clicked_cb (GtkWidget  *widget,
                const char *name,
                GVariant   *param)
{
  MtMonitorPage *self = MT_MONITOR_PAGE (widget);

  if (self->selected != 0)
    mt_telemetry_actions_open_bms (self->list, self->selected);
}

static void
track_clicked_cb (GtkWidget  *widget,
                  const char *name,
                  GVariant   *param)
{
  MtMonitorPage *self = MT_MONITOR_PAGE (widget);
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkWidget *page;

  if (self->selected == 0 || !MT_IS_WINDOW (root))
    return;
  page = mt_window_show_page (MT_WINDOW (root), "tracks");
  if (page != NULL && MT_IS_TRACK_PAGE (page))
    mt_track_page_show_device (MT_TRACK_PAGE (page), self->selected);
}

static void
close_clicked_cb (GtkWidget  *widget,
                  const char *name,
                  GVariant   *param)
{
  MtMonitorPage *self = MT_MONITOR_PAGE (widget);

  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (self->follow), FALSE);
  mt_monitor_page_select (self, 0, FALSE);
}

/* ------------------------------------------------------------------ points */

static void
legend_update (MtMonitorPage *self,
               const guint   *counts)
{
  for (guint k = 0; k < MT_MAP_N_KINDS; k++)
    {
      g_autofree char *text = g_strdup_printf ("%s %u", g_dpgettext2 (NULL, "map legend", kind_titles[k]), counts[k]);
      gtk_label_set_text (GTK_LABEL (self->legend_counts[k]), text);
    }
}

/* Every device of the list's filters, from the database on hand */
static void
points_load (MtMonitorPage *self)
{
  gint64 t0 = g_get_monotonic_time ();
  g_autoptr(GArray) places = mt_read_listing_places (mt_list_page_get_listing (self->list));
  g_autoptr(GArray) points = g_array_sized_new (FALSE, FALSE, sizeof (MtMapPoint), places->len);
  double south = 90, west = 180, north = -90, east = -180;
  guint counts[MT_MAP_N_KINDS] = { 0 };

  for (guint i = 0; i < places->len; i++)
    {
      const MtPlace *place = &g_array_index (places, MtPlace, i);
      MtGeoPoint shown = mt_map_to_display (self->map, (MtGeoPoint) { place->lat, place->lng });
      MtMapPoint p = { place->id, shown.lat, shown.lng, (guint8) place->kind };

      g_array_append_val (points, p);
      counts[p.kind]++;
      south = MIN (south, place->lat), north = MAX (north, place->lat);
      west = MIN (west, place->lng), east = MAX (east, place->lng);
    }
  mt_device_layer_set_points (self->layer, (MtMapPoint *) points->data, points->len);
  legend_update (self, counts);
  g_debug ("%u devices on the map in %.0f ms", points->len, (g_get_monotonic_time () - t0) / 1000.0);
  /* the first time: the whole fleet in view */
  if (!self->fitted && points->len > 0)
    {
      self->fitted = TRUE;
      mt_map_fit (self->map, south, west, north, east);
    }
}

GArray *
mt_monitor_page_get_visible_ids (MtMonitorPage *self,
                                 guint          max)
{
  return mt_device_layer_get_visible_ids (self->layer, max);
}

void
mt_monitor_page_refresh (MtMonitorPage *self)
{
  g_autoptr(GArray) ids = mt_device_layer_get_visible_ids (self->layer, 5000);
  g_autoptr(GArray) places = NULL;

  if (self->selected != 0)
    g_array_append_val (ids, self->selected);
  if (ids->len == 0)
    return;
  places = mt_read_device_places (self->db, self->actor, (gint64 *) ids->data, ids->len);
  for (guint i = 0; i < places->len; i++)
    {
      const MtPlace *place = &g_array_index (places, MtPlace, i);
      MtGeoPoint shown = mt_map_to_display (self->map, (MtGeoPoint) { place->lat, place->lng });

      mt_device_layer_move (self->layer, place->id, shown.lat, shown.lng, place->kind);
    }
  if (self->selected != 0)
    {
      card_update (self);
      if (gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (self->follow)))
        {
          MtMapPoint p;

          if (mt_device_layer_get_point (self->layer, self->selected, &p))
            shumate_location_set_location (SHUMATE_LOCATION (mt_map_get_viewport (self->map)), p.lat, p.lng);
        }
    }
}

/* Connected: the replica holds no telemetry. Where every device in scope is comes from the server
 * when the page opens and every minute after; the window's one-second tick keeps those in view
 * live. */
static void
positions_received_cb (GObject      *source,
                       GAsyncResult *result,
                       gpointer      data)
{
  g_autoptr(MtMonitorPage) self = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) answer = mt_context_call_finish (MT_CONTEXT (source), result, &error);

  if (answer == NULL || !mt_sync_engine_keep_positions (mt_context_get_engine (self->context), answer, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("No positions from the server: %s", error->message);
      return;
    }
  points_load (self);
}

static gboolean
positions_fetch (gpointer data)
{
  MtMonitorPage *self = data;

  if (gtk_widget_get_mapped (GTK_WIDGET (self)) || !self->fitted)
    {
      g_autoptr(MtApiRequest) request = mt_api_request_new ("telemetry.positions");

      mt_context_call_async (self->context, request, self->cancellable, positions_received_cb, g_object_ref (self));
    }
  return G_SOURCE_CONTINUE;
}

static void
list_reloaded_cb (MtMonitorPage *self)
{
  points_load (self);
}

static void
list_selection_cb (MtMonitorPage *self)
{
  g_autoptr(GArray) ids = mt_list_page_get_selected_ids (self->list);

  if (ids->len > 0)
    mt_monitor_page_select (self, g_array_index (ids, gint64, 0), TRUE);
}

static void
follow_toggled_cb (MtMonitorPage *self)
{
  if (gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (self->follow)))
    mt_monitor_page_select (self, self->selected, TRUE);
}

/* ------------------------------------------------------------------ building */

static void
legend_fill (MtMonitorPage *self)
{
  static const char *const colours[MT_MAP_N_KINDS] = { "#2ec27e", "#3584e4", "#e66100", "#9a9996", "#e01b24" };
  GtkWidget *box = self->legend;

  for (guint k = 0; k < MT_MAP_N_KINDS; k++)
    {
      GtkWidget *dot = gtk_label_new (NULL);
      g_autofree char *markup = g_strdup_printf ("<span foreground=\"%s\">●</span>", colours[k]);
      GtkWidget *item = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 4);

      gtk_label_set_markup (GTK_LABEL (dot), markup);
      /* margins inside the dark background, as padding */
      gtk_widget_set_margin_top (item, 6);
      gtk_widget_set_margin_bottom (item, 6);
      if (k == 0)
        gtk_widget_set_margin_start (item, 12);
      if (k == MT_MAP_N_KINDS - 1)
        gtk_widget_set_margin_end (item, 12);
      self->legend_counts[k] = gtk_label_new (NULL);
      gtk_box_append (GTK_BOX (item), dot);
      gtk_box_append (GTK_BOX (item), self->legend_counts[k]);
      gtk_box_append (GTK_BOX (box), item);
    }
}

MtListPage *
mt_monitor_page_get_list (MtMonitorPage *self)
{
  return self->list;
}

MtMap *
mt_monitor_page_get_map (MtMonitorPage *self)
{
  return self->map;
}

MtDeviceLayer *
mt_monitor_page_get_layer (MtMonitorPage *self)
{
  return self->layer;
}

static void
mt_monitor_page_dispose (GObject *object)
{
  MtMonitorPage *self = MT_MONITOR_PAGE (object);

  g_clear_handle_id (&self->positions_timeout, g_source_remove);
  if (self->cancellable)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  G_OBJECT_CLASS (mt_monitor_page_parent_class)->dispose (object);
}

static void
mt_monitor_page_finalize (GObject *object)
{
  g_clear_object (&MT_MONITOR_PAGE (object)->context);
  G_OBJECT_CLASS (mt_monitor_page_parent_class)->finalize (object);
}

static void
mt_monitor_page_class_init (MtMonitorPageClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = mt_monitor_page_dispose;
  G_OBJECT_CLASS (klass)->finalize = mt_monitor_page_finalize;
  gtk_widget_class_set_template_from_resource (widget_class, "/com/mtxnyjs/Mingtang/ui/mt-monitor-page.ui");
  gtk_widget_class_bind_template_child (widget_class, MtMonitorPage, paned);
  gtk_widget_class_bind_template_child (widget_class, MtMonitorPage, overlay);
  gtk_widget_class_bind_template_child (widget_class, MtMonitorPage, card);
  gtk_widget_class_bind_template_child (widget_class, MtMonitorPage, card_title);
  gtk_widget_class_bind_template_child (widget_class, MtMonitorPage, card_grid);
  gtk_widget_class_bind_template_child (widget_class, MtMonitorPage, follow);
  gtk_widget_class_bind_template_child (widget_class, MtMonitorPage, track_button);
  gtk_widget_class_bind_template_child (widget_class, MtMonitorPage, bms_button);
  gtk_widget_class_bind_template_child (widget_class, MtMonitorPage, legend);
  gtk_widget_class_bind_template_callback (widget_class, follow_toggled_cb);
  gtk_widget_class_install_action (widget_class, "monitor.close-card", NULL, close_clicked_cb);
  gtk_widget_class_install_action (widget_class, "monitor.track", NULL, track_clicked_cb);
  gtk_widget_class_install_action (widget_class, "monitor.bms", NULL, bms_clicked_cb);
}

static void
mt_monitor_page_init (MtMonitorPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  legend_fill (self);
}

MtMonitorPage *
mt_monitor_page_new (MtContext  *context,
                     GError    **error)
{
  MtMonitorPage *self;
  MtListPage *list = mt_list_page_new (context, "monitor", error);
  MtDb *db = mt_context_get_db (context);
  const MtActor *actor = mt_context_get_actor (context);

  if (list == NULL)
    return NULL;
  self = g_object_new (MT_TYPE_MONITOR_PAGE, NULL);
  self->context = g_object_ref (context);
  self->db = db;
  self->actor = actor;
  self->list = list;
  self->map = mt_map_new (db, actor->operator_id);
  self->fences = g_object_new (MT_TYPE_FENCE_SHAPES, "viewport", mt_map_get_viewport (self->map), NULL);
  mt_map_add_layer (self->map, SHUMATE_LAYER (self->fences));   /* under the devices */
  self->layer = mt_device_layer_new (mt_map_get_viewport (self->map));
  mt_map_add_layer (self->map, SHUMATE_LAYER (self->layer));
  g_signal_connect_swapped (self->layer, "device-activated", G_CALLBACK (activated_cb), self);
  gtk_overlay_set_child (GTK_OVERLAY (self->overlay), GTK_WIDGET (self->map));
  /* what the account may not do has no button */
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "monitor.track", mt_actor_can (actor, "tracks", "view"));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "monitor.bms", mt_actor_can (actor, "bms", "view"));
  gtk_widget_set_visible (self->track_button, mt_actor_can (actor, "tracks", "view"));
  gtk_widget_set_visible (self->bms_button, mt_actor_can (actor, "bms", "view"));
  mt_list_page_set_compact (list);
  gtk_widget_set_size_request (GTK_WIDGET (list), 360, -1);
  gtk_paned_set_start_child (GTK_PANED (self->paned), GTK_WIDGET (list));

  g_signal_connect_swapped (list, "reloaded", G_CALLBACK (list_reloaded_cb), self);
  g_signal_connect_swapped (mt_list_page_get_selection (list), "selection-changed", G_CALLBACK (list_selection_cb),
                            self);
  points_load (self);
  if (mt_context_get_engine (context) != NULL)
    {
      self->cancellable = g_cancellable_new ();
      positions_fetch (self);
      self->positions_timeout = g_timeout_add_seconds (60, positions_fetch, self);
    }
  return self;
}
