/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mt-position-picker"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <math.h>

#include "mt-geocoder.h"
#include "mt-ops.h"
#include "mt-position-picker.h"
#include "mt-reads.h"

#define PIN_HIT_PX 16.0

/* The pin's layer over the map: a layer, so that what it does not take (dragging anywhere but
 * the pin, scrolling) reaches the map beneath */
#define MT_TYPE_PIN_LAYER (mt_pin_layer_get_type ())
G_DECLARE_FINAL_TYPE (MtPinLayer, mt_pin_layer, MT, PIN_LAYER, ShumateLayer)

struct _MtPinLayer
{
  ShumateLayer      parent_instance;
  MtPositionPicker *picker;
};

G_DEFINE_FINAL_TYPE (MtPinLayer, mt_pin_layer, SHUMATE_TYPE_LAYER)

static void draw_pin (MtPositionPicker *self, cairo_t *cr);

static void
mt_pin_layer_snapshot (GtkWidget   *widget,
                       GtkSnapshot *snapshot)
{
  cairo_t *cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, (float) gtk_widget_get_width (widget),
                                                                          (float) gtk_widget_get_height (widget)));

  draw_pin (MT_PIN_LAYER (widget)->picker, cr);
  cairo_destroy (cr);
}

static void
mt_pin_layer_constructed (GObject *object)
{
  G_OBJECT_CLASS (mt_pin_layer_parent_class)->constructed (object);
  mt_layer_follow_view (SHUMATE_LAYER (object));
}

static void
mt_pin_layer_class_init (MtPinLayerClass *klass)
{
  G_OBJECT_CLASS (klass)->constructed = mt_pin_layer_constructed;
  GTK_WIDGET_CLASS (klass)->snapshot = mt_pin_layer_snapshot;
}

static void
mt_pin_layer_init (MtPinLayer *self)
{
}

struct _MtPositionPicker
{
  GtkBox      parent_instance;

  MtMap      *map;
  GtkWidget  *layer;      /* the pin's layer: draws it and takes the gestures */
  GtkWidget  *label;
  GtkWidget  *frame;
  GtkWidget  *search;
  GtkWidget  *results;
  GtkWidget  *results_revealer;
  MtContext  *context;
  GPtrArray  *found;      /* MtFoundPlace, as the rows show them */
  GCancellable *asking;   /* the geocoder's search out, if one is */
  char       *status;     /* the last row's words: searching, nothing, the geocoder's error */
  gboolean    has;
  MtGeoPoint  shown;      /* the pin, as displayed */
  gboolean    dragging;
  double      drag_x, drag_y;
};

G_DEFINE_FINAL_TYPE (MtPositionPicker, mt_position_picker, GTK_TYPE_BOX)

enum { SIGNAL_CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS];

static void
pin_xy (MtPositionPicker *self,
        double           *x,
        double           *y)
{
  shumate_viewport_location_to_widget_coords (mt_map_get_viewport (self->map), self->layer, self->shown.lat,
                                              self->shown.lng, x, y);
}

static void
label_update (MtPositionPicker *self)
{
  MtGeoPoint p;
  g_autofree char *text = NULL;

  if (mt_position_picker_get_position (self, &p))
    text = g_strdup_printf (_("Latitude %.6f, longitude %.6f"), p.lat, p.lng);
  gtk_label_set_text (GTK_LABEL (self->label), text ? text : _("Click the map where the store is"));
}

static void
moved (MtPositionPicker *self,
       double            x,
       double            y)
{
  double lat = 0, lng = 0;

  shumate_viewport_widget_coords_to_location (mt_map_get_viewport (self->map), self->layer, x, y, &lat, &lng);
  self->has = TRUE;
  self->shown = (MtGeoPoint) { lat, lng };
  gtk_widget_queue_draw (self->layer);
  label_update (self);
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

void
mt_position_picker_click (MtPositionPicker *self,
                          double            x,
                          double            y)
{
  moved (self, x, y);
}

static gboolean
drag_begin (MtPositionPicker *self,
            double            x,
            double            y)
{
  double px, py;

  if (!self->has)
    return FALSE;
  pin_xy (self, &px, &py);
  /* the pin's head stands above its point */
  self->dragging = hypot (px - x, py - 14 - y) < PIN_HIT_PX || hypot (px - x, py - y) < PIN_HIT_PX;
  self->drag_x = x, self->drag_y = y;
  return self->dragging;
}

gboolean
mt_position_picker_drag (MtPositionPicker *self,
                         double            from_x,
                         double            from_y,
                         double            to_x,
                         double            to_y)
{
  double px, py;

  if (!drag_begin (self, from_x, from_y))
    return FALSE;
  pin_xy (self, &px, &py);
  moved (self, px + to_x - from_x, py + to_y - from_y);
  self->dragging = FALSE;
  return TRUE;
}

static void
drag_begin_cb (GtkGestureDrag   *gesture,
               double            x,
               double            y,
               MtPositionPicker *self)
{
  gtk_gesture_set_state (GTK_GESTURE (gesture),
                         drag_begin (self, x, y) ? GTK_EVENT_SEQUENCE_CLAIMED : GTK_EVENT_SEQUENCE_DENIED);
}

static void
drag_update_cb (GtkGestureDrag   *gesture,
                double            dx,
                double            dy,
                MtPositionPicker *self)
{
  if (self->dragging)
    moved (self, self->drag_x + dx, self->drag_y + dy);
}

static void
released_cb (GtkGestureClick  *gesture,
             int               n_press,
             double            x,
             double            y,
             MtPositionPicker *self)
{
  if (n_press == 1 && !self->dragging)
    moved (self, x, y);
}

static void
draw_pin (MtPositionPicker *self,
          cairo_t          *cr)
{
  double x, y;

  if (!self->has)
    return;
  pin_xy (self, &x, &y);
  /* a drop pin: its point on the place */
  cairo_move_to (cr, x, y);
  cairo_curve_to (cr, x - 4, y - 8, x - 11, y - 12, x - 11, y - 20);
  cairo_arc (cr, x, y - 20, 11, G_PI, 2 * G_PI);
  cairo_curve_to (cr, x + 11, y - 12, x + 4, y - 8, x, y);
  cairo_set_source_rgb (cr, 0.88, 0.11, 0.14);
  cairo_fill_preserve (cr);
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_set_line_width (cr, 2);
  cairo_stroke (cr);
  cairo_arc (cr, x, y - 20, 4, 0, 2 * G_PI);
  cairo_fill (cr);
}

void
mt_position_picker_set_position (MtPositionPicker *self,
                                 gboolean          has,
                                 MtGeoPoint        p)
{
  self->has = has;
  if (has)
    {
      self->shown = mt_map_to_display (self->map, p);
      mt_map_go_to (self->map, p, MAX (shumate_viewport_get_zoom_level (mt_map_get_viewport (self->map)), 14));
    }
  gtk_widget_queue_draw (self->layer);
  label_update (self);
}

gboolean
mt_position_picker_get_position (MtPositionPicker *self,
                                 MtGeoPoint       *p)
{
  if (self->has)
    *p = mt_map_from_display (self->map, self->shown);
  return self->has;
}

MtMap *
mt_position_picker_get_map (MtPositionPicker *self)
{
  return self->map;
}

/* ------------------------------------------------------------------ 地图搜索 */

static void
results_show (MtPositionPicker *self)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (self->results)) != NULL)
    gtk_list_box_remove (GTK_LIST_BOX (self->results), child);
  for (guint i = 0; i < self->found->len; i++)
    {
      const MtFoundPlace *place = self->found->pdata[i];
      GtkWidget *row = adw_action_row_new ();

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), place->name);
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), place->detail);
      adw_action_row_add_prefix (ADW_ACTION_ROW (row),
                                 gtk_image_new_from_icon_name (place->south != 0 || place->north != 0
                                                               ? "find-location-symbolic" : "mark-location-symbolic"));
      gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
      /* names and addresses as they are written */
      gtk_widget_add_css_class (row, "mt-data");
      gtk_list_box_append (GTK_LIST_BOX (self->results), row);
    }
  if (self->status != NULL)
    {
      GtkWidget *label = gtk_label_new (self->status);

      gtk_label_set_wrap (GTK_LABEL (label), TRUE);
      gtk_label_set_xalign (GTK_LABEL (label), 0);
      gtk_widget_add_css_class (label, "dim-label");
      gtk_widget_set_margin_top (label, 8);
      gtk_widget_set_margin_bottom (label, 8);
      gtk_widget_set_margin_start (label, 12);
      gtk_widget_set_margin_end (label, 12);
      gtk_list_box_append (GTK_LIST_BOX (self->results), label);
      gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (gtk_widget_get_parent (label)), FALSE);
    }
  gtk_revealer_set_reveal_child (GTK_REVEALER (self->results_revealer), self->found->len > 0 || self->status != NULL);
}

static void
set_status (MtPositionPicker *self,
            const char       *text)
{
  g_free (self->status);
  self->status = g_strdup (text);
}

/* What the shipped regions and the account's stores hold: at once, as the text changes */
static void
search_changed_cb (MtPositionPicker *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->search));

  if (self->asking)
    g_cancellable_cancel (self->asking);
  g_clear_object (&self->asking);
  g_clear_pointer (&self->found, g_ptr_array_unref);
  self->found = self->context ? mt_read_places (mt_context_get_db (self->context), mt_context_get_actor (self->context),
                                                text, 6)
                              : g_ptr_array_new_with_free_func ((GDestroyNotify) mt_found_place_free);
  set_status (self, *text && self->found->len == 0 ? _("No region or store by that name; press Enter to ask the "
                                                       "geocoder") : NULL);
  results_show (self);
}

static void
geocoded_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) places = mt_geocoder_search_finish (result, &error);
  MtPositionPicker *self;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self = MT_POSITION_PICKER (data);
  g_clear_object (&self->asking);
  if (places == NULL)
    set_status (self, error->message);
  else
    {
      /* the geocoder's first, then what was found here */
      for (guint i = 0; i < self->found->len; i++)
        g_ptr_array_add (places, g_steal_pointer (&self->found->pdata[i]));
      g_ptr_array_set_free_func (self->found, NULL);
      g_ptr_array_unref (self->found);
      self->found = g_steal_pointer (&places);
      set_status (self, self->found->len == 0 ? _("Nothing found by that name") : NULL);
    }
  results_show (self);
}

/* Enter: the geocoder of the settings too, when there is one */
static void
search_activate_cb (MtPositionPicker *self)
{
  g_autofree char *text = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->search))));
  g_autofree char *url = NULL;

  search_changed_cb (self);
  if (self->context == NULL || *text == '\0')
    return;
  url = mt_setting_get (mt_context_get_db (self->context), mt_context_get_actor (self->context)->operator_id,
                        "geocoder_url");
  if (url == NULL || g_str_equal (url, "none"))
    {
      if (self->found->len == 0)
        set_status (self, _("No region or store by that name, and no geocoder is set (General Settings, Map search "
                            "address)"));
      results_show (self);
      return;
    }
  set_status (self, _("Asking the geocoder…"));
  results_show (self);
  self->asking = g_cancellable_new ();
  mt_geocoder_search_async (url, text, self->asking, geocoded_cb, self);
}

/* Goes to the place: its bounds, or the point itself with the pin on it */
static void
result_activated_cb (MtPositionPicker *self,
                     GtkListBoxRow    *row)
{
  int i = gtk_list_box_row_get_index (row);
  const MtFoundPlace *place;

  if (i < 0 || (guint) i >= self->found->len)
    return;
  place = self->found->pdata[i];
  if (place->south != 0 || place->north != 0)
    mt_map_fit (self->map, place->south, place->west, place->north, place->east);
  if (place->south == 0 && place->north == 0)
    {
      mt_position_picker_set_position (self, TRUE, place->at);
      mt_map_go_to (self->map, place->at, 16);
      g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
    }
  gtk_revealer_set_reveal_child (GTK_REVEALER (self->results_revealer), FALSE);
}

guint
mt_position_picker_get_n_results (MtPositionPicker *self)
{
  return self->found ? self->found->len : 0;
}

const char *
mt_position_picker_get_result (MtPositionPicker *self,
                               guint             i)
{
  return self->found && i < self->found->len ? ((MtFoundPlace *) self->found->pdata[i])->name : NULL;
}

const char *
mt_position_picker_get_status (MtPositionPicker *self)
{
  return self->status;
}

gboolean
mt_position_picker_is_asking (MtPositionPicker *self)
{
  return self->asking != NULL;
}

static void
choose_action (GtkWidget  *widget,
               const char *name,
               GVariant   *param)
{
  MtPositionPicker *self = MT_POSITION_PICKER (widget);
  GtkListBoxRow *row = gtk_list_box_get_row_at_index (GTK_LIST_BOX (self->results), g_variant_get_int32 (param));

  if (row != NULL)
    result_activated_cb (self, row);
}

static void
search_online_action (GtkWidget  *widget,
                      const char *name,
                      GVariant   *param)
{
  search_activate_cb (MT_POSITION_PICKER (widget));
}

static void
mt_position_picker_dispose (GObject *object)
{
  MtPositionPicker *self = MT_POSITION_PICKER (object);

  if (self->asking)
    g_cancellable_cancel (self->asking);
  g_clear_object (&self->asking);
  g_clear_pointer (&self->found, g_ptr_array_unref);
  g_clear_pointer (&self->status, g_free);
  g_clear_object (&self->context);
  G_OBJECT_CLASS (mt_position_picker_parent_class)->dispose (object);
}

static void
mt_position_picker_class_init (MtPositionPickerClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = mt_position_picker_dispose;
  signals[SIGNAL_CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                                          NULL, G_TYPE_NONE, 0);
  gtk_widget_class_set_template_from_resource (GTK_WIDGET_CLASS (klass),
                                               "/com/mtxnyjs/Mingtang/ui/mt-position-picker.ui");
  gtk_widget_class_bind_template_child (GTK_WIDGET_CLASS (klass), MtPositionPicker, frame);
  gtk_widget_class_bind_template_child (GTK_WIDGET_CLASS (klass), MtPositionPicker, label);
  gtk_widget_class_bind_template_child (GTK_WIDGET_CLASS (klass), MtPositionPicker, search);
  gtk_widget_class_bind_template_child (GTK_WIDGET_CLASS (klass), MtPositionPicker, results);
  gtk_widget_class_bind_template_child (GTK_WIDGET_CLASS (klass), MtPositionPicker, results_revealer);
  gtk_widget_class_bind_template_callback (GTK_WIDGET_CLASS (klass), search_changed_cb);
  gtk_widget_class_bind_template_callback (GTK_WIDGET_CLASS (klass), search_activate_cb);
  gtk_widget_class_bind_template_callback (GTK_WIDGET_CLASS (klass), result_activated_cb);
  /* a result by its row, and the geocoder asked, as the list and Enter do */
  gtk_widget_class_install_action (GTK_WIDGET_CLASS (klass), "picker.choose", "i", choose_action);
  gtk_widget_class_install_action (GTK_WIDGET_CLASS (klass), "picker.search-online", NULL, search_online_action);
}

static void
mt_position_picker_init (MtPositionPicker *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

MtPositionPicker *
mt_position_picker_new (MtContext *context)
{
  MtPositionPicker *self = g_object_new (MT_TYPE_POSITION_PICKER, NULL);
  GtkGesture *drag = gtk_gesture_drag_new ();
  GtkGesture *click = gtk_gesture_click_new ();

  self->context = g_object_ref (context);
  self->found = g_ptr_array_new_with_free_func ((GDestroyNotify) mt_found_place_free);
  self->map = mt_map_new (mt_context_get_db (context), mt_context_get_actor (context)->operator_id);
  self->layer = g_object_new (MT_TYPE_PIN_LAYER, "viewport", mt_map_get_viewport (self->map), NULL);
  MT_PIN_LAYER (self->layer)->picker = self;
  mt_map_add_layer (self->map, SHUMATE_LAYER (self->layer));
  g_signal_connect (drag, "drag-begin", G_CALLBACK (drag_begin_cb), self);
  g_signal_connect (drag, "drag-update", G_CALLBACK (drag_update_cb), self);
  gtk_widget_add_controller (self->layer, GTK_EVENT_CONTROLLER (drag));
  g_signal_connect (click, "released", G_CALLBACK (released_cb), self);
  gtk_widget_add_controller (self->layer, GTK_EVENT_CONTROLLER (click));
  gtk_widget_set_size_request (GTK_WIDGET (self->map), -1, 280);
  gtk_frame_set_child (GTK_FRAME (self->frame), GTK_WIDGET (self->map));
  label_update (self);
  return self;
}
