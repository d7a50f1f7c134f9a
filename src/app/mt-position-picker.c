/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mt-position-picker"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "mt-position-picker.h"

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

static void
mt_position_picker_class_init (MtPositionPickerClass *klass)
{
  signals[SIGNAL_CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                                          NULL, G_TYPE_NONE, 0);
  gtk_widget_class_set_template_from_resource (GTK_WIDGET_CLASS (klass),
                                               "/com/mtxnyjs/Mingtang/ui/mt-position-picker.ui");
  gtk_widget_class_bind_template_child (GTK_WIDGET_CLASS (klass), MtPositionPicker, frame);
  gtk_widget_class_bind_template_child (GTK_WIDGET_CLASS (klass), MtPositionPicker, label);
}

static void
mt_position_picker_init (MtPositionPicker *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

MtPositionPicker *
mt_position_picker_new (MtDb   *db,
                        gint64  operator_id)
{
  MtPositionPicker *self = g_object_new (MT_TYPE_POSITION_PICKER, NULL);
  GtkGesture *drag = gtk_gesture_drag_new ();
  GtkGesture *click = gtk_gesture_click_new ();

  self->map = mt_map_new (db, operator_id);
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
