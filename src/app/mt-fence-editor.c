/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mt-fence-editor"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "mt-fence-editor.h"
#include "mt-reads.h"

#define HANDLE_PX   7.0
#define HIT_PX      12.0
#define EDGE_HIT_PX 8.0

enum { NONE = -1, CENTER = -2, EDGE = -3 };

/* ------------------------------------------------------------------ the drawing layer */

#define MT_TYPE_FENCE_LAYER (mt_fence_layer_get_type ())
G_DECLARE_FINAL_TYPE (MtFenceLayer, mt_fence_layer, MT, FENCE_LAYER, ShumateLayer)

struct _MtFenceLayer
{
  ShumateLayer  parent_instance;

  MtFenceShape  shape;
  GArray       *corners;      /* MtGeoPoint, as displayed */
  gboolean      has_circle;
  MtGeoPoint    center;       /* as displayed */
  double        radius_m;
  int           dragging;     /* a corner's index, CENTER, EDGE or NONE */
  double        drag_x, drag_y;
};

G_DEFINE_FINAL_TYPE (MtFenceLayer, mt_fence_layer, SHUMATE_TYPE_LAYER)

enum { SIGNAL_CHANGED, N_SIGNALS };
static guint layer_signals[N_SIGNALS];

static void
to_widget (MtFenceLayer *self,
           MtGeoPoint    p,
           double       *x,
           double       *y)
{
  shumate_viewport_location_to_widget_coords (shumate_layer_get_viewport (SHUMATE_LAYER (self)), GTK_WIDGET (self),
                                              p.lat, p.lng, x, y);
}

static MtGeoPoint
from_widget (MtFenceLayer *self,
             double        x,
             double        y)
{
  MtGeoPoint p = { 0, 0 };

  shumate_viewport_widget_coords_to_location (shumate_layer_get_viewport (SHUMATE_LAYER (self)), GTK_WIDGET (self),
                                              x, y, &p.lat, &p.lng);
  return p;
}

/* The circle's handle on its edge, due east of the centre */
static MtGeoPoint
edge_point (MtFenceLayer *self)
{
  return mt_geo_offset (self->center, 0, self->radius_m);
}

static void
changed (MtFenceLayer *self)
{
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_signal_emit (self, layer_signals[SIGNAL_CHANGED], 0);
}

/* The handle under (x, y): a corner's index, CENTER, EDGE, or NONE */
static int
handle_at (MtFenceLayer *self,
           double        x,
           double        y)
{
  double hx, hy;

  if (self->shape == MT_FENCE_CIRCLE)
    {
      if (!self->has_circle)
        return NONE;
      to_widget (self, edge_point (self), &hx, &hy);
      if (hypot (hx - x, hy - y) < HIT_PX)
        return EDGE;
      to_widget (self, self->center, &hx, &hy);
      return hypot (hx - x, hy - y) < HIT_PX ? CENTER : NONE;
    }
  for (guint i = 0; i < self->corners->len; i++)
    {
      to_widget (self, g_array_index (self->corners, MtGeoPoint, i), &hx, &hy);
      if (hypot (hx - x, hy - y) < HIT_PX)
        return (int) i;
    }
  return NONE;
}

/* The edge of the polygon (index of its first corner) within reach of (x, y), or NONE */
static int
edge_at (MtFenceLayer *self,
         double        x,
         double        y)
{
  guint n = self->corners->len;

  for (guint i = 0; n >= 3 && i < n; i++)
    {
      double ax, ay, bx, by, dx, dy, t, px, py;

      to_widget (self, g_array_index (self->corners, MtGeoPoint, i), &ax, &ay);
      to_widget (self, g_array_index (self->corners, MtGeoPoint, (i + 1) % n), &bx, &by);
      dx = bx - ax, dy = by - ay;
      t = dx * dx + dy * dy > 0 ? CLAMP (((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy), 0, 1) : 0;
      px = ax + t * dx, py = ay + t * dy;
      if (t > 0.05 && t < 0.95 && hypot (px - x, py - y) < EDGE_HIT_PX)
        return (int) i;
    }
  return NONE;
}

static gboolean
layer_click (MtFenceLayer *self,
             double        x,
             double        y,
             guint         button)
{
  int handle = handle_at (self, x, y);
  MtGeoPoint p = from_widget (self, x, y);

  if (self->shape == MT_FENCE_CIRCLE)
    {
      if (button != GDK_BUTTON_PRIMARY || handle != NONE)
        return FALSE;
      if (!self->has_circle)
        {
          /* a first radius about 80 px on screen, at least the smallest a fence may have */
          double x2, y2;
          MtGeoPoint q;

          to_widget (self, p, &x2, &y2);
          q = from_widget (self, x2 + 80, y2);
          self->radius_m = MAX (MT_FENCE_MIN_RADIUS_M, mt_geo_distance_m (p, q));
        }
      self->has_circle = TRUE;
      self->center = p;
      changed (self);
      return TRUE;
    }
  if (button == GDK_BUTTON_SECONDARY)
    {
      if (handle < 0)
        return FALSE;
      g_array_remove_index (self->corners, (guint) handle);
      changed (self);
      return TRUE;
    }
  if (button != GDK_BUTTON_PRIMARY || handle != NONE)
    return FALSE;
  {
    int edge = edge_at (self, x, y);

    if (edge != NONE)
      g_array_insert_val (self->corners, (guint) edge + 1, p);
    else if (self->corners->len < MT_FENCE_MAX_CORNERS)
      g_array_append_val (self->corners, p);
  }
  changed (self);
  return TRUE;
}

static gboolean
layer_drag_begin (MtFenceLayer *self,
                  double        x,
                  double        y)
{
  self->dragging = handle_at (self, x, y);
  self->drag_x = x, self->drag_y = y;
  return self->dragging != NONE;
}

static void
layer_drag_to (MtFenceLayer *self,
               double        x,
               double        y)
{
  MtGeoPoint p = from_widget (self, x, y);

  if (self->dragging >= 0 && (guint) self->dragging < self->corners->len)
    g_array_index (self->corners, MtGeoPoint, self->dragging) = p;
  else if (self->dragging == CENTER)
    self->center = p;
  else if (self->dragging == EDGE)
    self->radius_m = CLAMP (mt_geo_distance_m (self->center, p), MT_FENCE_MIN_RADIUS_M, MT_FENCE_MAX_RADIUS_M);
  else
    return;
  changed (self);
}

static void
drag_begin_cb (GtkGestureDrag *gesture,
               double          x,
               double          y,
               MtFenceLayer   *self)
{
  /* a handle: ours to move; anywhere else the map pans */
  gtk_gesture_set_state (GTK_GESTURE (gesture),
                         layer_drag_begin (self, x, y) ? GTK_EVENT_SEQUENCE_CLAIMED : GTK_EVENT_SEQUENCE_DENIED);
}

static void
drag_update_cb (GtkGestureDrag *gesture,
                double          dx,
                double          dy,
                MtFenceLayer   *self)
{
  layer_drag_to (self, self->drag_x + dx, self->drag_y + dy);
}

static void
drag_end_cb (GtkGestureDrag *gesture,
             double          dx,
             double          dy,
             MtFenceLayer   *self)
{
  self->dragging = NONE;
}

static void
released_cb (GtkGestureClick *gesture,
             int              n_press,
             double           x,
             double           y,
             MtFenceLayer    *self)
{
  guint button = gtk_gesture_single_get_current_button (GTK_GESTURE_SINGLE (gesture));

  if (n_press == 1 && layer_click (self, x, y, button))
    gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
}

static void
handle_draw (cairo_t *cr,
             double   x,
             double   y)
{
  cairo_new_sub_path (cr);
  cairo_arc (cr, x, y, HANDLE_PX, 0, 2 * G_PI);
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_fill_preserve (cr);
  cairo_set_source_rgb (cr, 0.21, 0.52, 0.89);
  cairo_set_line_width (cr, 2.5);
  cairo_stroke (cr);
}

static void
mt_fence_layer_snapshot (GtkWidget   *widget,
                         GtkSnapshot *snapshot)
{
  MtFenceLayer *self = MT_FENCE_LAYER (widget);
  int width = gtk_widget_get_width (widget), height = gtk_widget_get_height (widget);
  cairo_t *cr;
  double x, y;

  if ((self->shape == MT_FENCE_CIRCLE && !self->has_circle) ||
      (self->shape == MT_FENCE_POLYGON && self->corners->len == 0))
    return;
  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, (float) width, (float) height));
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  if (self->shape == MT_FENCE_CIRCLE)
    {
      double ex, ey;

      to_widget (self, self->center, &x, &y);
      to_widget (self, edge_point (self), &ex, &ey);
      cairo_arc (cr, x, y, hypot (ex - x, ey - y), 0, 2 * G_PI);
      cairo_set_source_rgba (cr, 0.21, 0.52, 0.89, 0.18);
      cairo_fill_preserve (cr);
      cairo_set_source_rgb (cr, 0.21, 0.52, 0.89);
      cairo_set_line_width (cr, 3);
      cairo_stroke (cr);
      handle_draw (cr, x, y);
      handle_draw (cr, ex, ey);
    }
  else
    {
      for (guint i = 0; i < self->corners->len; i++)
        {
          to_widget (self, g_array_index (self->corners, MtGeoPoint, i), &x, &y);
          if (i == 0)
            cairo_move_to (cr, x, y);
          else
            cairo_line_to (cr, x, y);
        }
      if (self->corners->len >= 3)
        {
          cairo_close_path (cr);
          cairo_set_source_rgba (cr, 0.21, 0.52, 0.89, 0.18);
          cairo_fill_preserve (cr);
        }
      cairo_set_source_rgb (cr, 0.21, 0.52, 0.89);
      cairo_set_line_width (cr, 3);
      cairo_stroke (cr);
      for (guint i = 0; i < self->corners->len; i++)
        {
          to_widget (self, g_array_index (self->corners, MtGeoPoint, i), &x, &y);
          handle_draw (cr, x, y);
        }
    }
  cairo_destroy (cr);
}

static void
mt_fence_layer_constructed (GObject *object)
{
  G_OBJECT_CLASS (mt_fence_layer_parent_class)->constructed (object);
  mt_layer_follow_view (SHUMATE_LAYER (object));
}

static void
mt_fence_layer_finalize (GObject *object)
{
  g_array_unref (MT_FENCE_LAYER (object)->corners);
  G_OBJECT_CLASS (mt_fence_layer_parent_class)->finalize (object);
}

static void
mt_fence_layer_class_init (MtFenceLayerClass *klass)
{
  G_OBJECT_CLASS (klass)->constructed = mt_fence_layer_constructed;
  G_OBJECT_CLASS (klass)->finalize = mt_fence_layer_finalize;
  GTK_WIDGET_CLASS (klass)->snapshot = mt_fence_layer_snapshot;
  layer_signals[SIGNAL_CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                                NULL, NULL, G_TYPE_NONE, 0);
}

static void
mt_fence_layer_init (MtFenceLayer *self)
{
  GtkGesture *drag = gtk_gesture_drag_new ();
  GtkGesture *click = gtk_gesture_click_new ();

  self->corners = g_array_new (FALSE, FALSE, sizeof (MtGeoPoint));
  self->dragging = NONE;
  g_signal_connect (drag, "drag-begin", G_CALLBACK (drag_begin_cb), self);
  g_signal_connect (drag, "drag-update", G_CALLBACK (drag_update_cb), self);
  g_signal_connect (drag, "drag-end", G_CALLBACK (drag_end_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drag));
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (click), 0);
  g_signal_connect (click, "released", G_CALLBACK (released_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (click));
}

/* ------------------------------------------------------------------ the editor */

struct _MtFenceEditor
{
  GtkBox        parent_instance;

  MtMap        *map;
  MtFenceLayer *layer;
  GtkWidget    *polygon;
  GtkWidget    *circle;
  GtkWidget    *hint;
  GtkWidget    *info;
  GtkWidget    *frame;
};

G_DEFINE_FINAL_TYPE (MtFenceEditor, mt_fence_editor, GTK_TYPE_BOX)

static void
update_labels (MtFenceEditor *self)
{
  MtFenceLayer *layer = self->layer;
  g_autofree char *info = NULL;

  if (layer->shape == MT_FENCE_CIRCLE)
    {
      gtk_label_set_text (GTK_LABEL (self->hint), _("Click the map for the centre; drag the centre or the edge"));
      if (layer->has_circle)
        info = layer->radius_m >= 1000 ? g_strdup_printf (_("Radius %.2f km"), layer->radius_m / 1000)
                                       : g_strdup_printf (_("Radius %.0f m"), layer->radius_m);
    }
  else
    {
      gtk_label_set_text (GTK_LABEL (self->hint),
                          _("Click the map to add corners; drag a corner to move it, right-click to remove it"));
      if (layer->corners->len > 0)
        info = g_strdup_printf (g_dngettext (NULL, "%u corner", "%u corners", layer->corners->len), layer->corners->len);
    }
  gtk_label_set_text (GTK_LABEL (self->info), info ? info : "");
}

static void
clear (MtFenceEditor *self)
{
  g_array_set_size (self->layer->corners, 0);
  self->layer->has_circle = FALSE;
  changed (self->layer);
}

void
mt_fence_editor_set_shape (MtFenceEditor *self,
                           MtFenceShape   shape)
{
  if (self->layer->shape != shape)
    {
      self->layer->shape = shape;
      clear (self);
    }
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (shape == MT_FENCE_CIRCLE ? self->circle : self->polygon), TRUE);
  update_labels (self);
}

static void
shape_toggled_cb (MtFenceEditor *self)
{
  mt_fence_editor_set_shape (self, gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (self->circle))
                                     ? MT_FENCE_CIRCLE : MT_FENCE_POLYGON);
}

void
mt_fence_editor_set_geojson (MtFenceEditor *self,
                             const char    *geojson)
{
  g_autoptr(MtFence) fence = geojson && *geojson ? mt_fence_parse (geojson, NULL) : NULL;

  if (fence == NULL)
    {
      clear (self);
      return;
    }
  mt_fence_editor_set_shape (self, fence->shape);
  clear (self);
  if (fence->shape == MT_FENCE_CIRCLE)
    {
      self->layer->has_circle = TRUE;
      self->layer->center = mt_map_to_display (self->map, fence->center);
      self->layer->radius_m = fence->radius_m;
    }
  else
    for (guint i = 0; i < fence->sizes[0]; i++)
      {
        MtGeoPoint p = mt_map_to_display (self->map, fence->rings[0][i]);
        g_array_append_val (self->layer->corners, p);
      }
  mt_map_fit (self->map, fence->south, fence->west, fence->north, fence->east);
  changed (self->layer);
}

char *
mt_fence_editor_get_geojson (MtFenceEditor *self)
{
  g_autoptr(MtFence) fence = NULL;
  MtFenceLayer *layer = self->layer;

  if (layer->shape == MT_FENCE_CIRCLE && layer->has_circle)
    fence = mt_fence_new_circle (mt_map_from_display (self->map, layer->center), layer->radius_m);
  else if (layer->shape == MT_FENCE_POLYGON && layer->corners->len > 0)
    {
      g_autoptr(GArray) corners = g_array_sized_new (FALSE, FALSE, sizeof (MtGeoPoint), layer->corners->len);

      for (guint i = 0; i < layer->corners->len; i++)
        {
          MtGeoPoint p = mt_map_from_display (self->map, g_array_index (layer->corners, MtGeoPoint, i));
          g_array_append_val (corners, p);
        }
      fence = mt_fence_new_polygon ((MtGeoPoint *) corners->data, corners->len);
    }
  return fence ? mt_fence_to_geojson (fence) : g_strdup ("");
}

MtMap *
mt_fence_editor_get_map (MtFenceEditor *self)
{
  return self->map;
}

gboolean
mt_fence_editor_click (MtFenceEditor *self,
                       double         x,
                       double         y,
                       guint          button)
{
  return layer_click (self->layer, x, y, button);
}

gboolean
mt_fence_editor_drag (MtFenceEditor *self,
                      double         from_x,
                      double         from_y,
                      double         to_x,
                      double         to_y)
{
  if (!layer_drag_begin (self->layer, from_x, from_y))
    return FALSE;
  layer_drag_to (self->layer, to_x, to_y);
  self->layer->dragging = NONE;
  return TRUE;
}

static void
clear_action (GtkWidget  *widget,
              const char *name,
              GVariant   *param)
{
  clear (MT_FENCE_EDITOR (widget));
}

static void
mt_fence_editor_class_init (MtFenceEditorClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  gtk_widget_class_set_template_from_resource (widget_class, "/com/mtxnyjs/Mingtang/ui/mt-fence-editor.ui");
  gtk_widget_class_bind_template_child (widget_class, MtFenceEditor, polygon);
  gtk_widget_class_bind_template_child (widget_class, MtFenceEditor, circle);
  gtk_widget_class_bind_template_child (widget_class, MtFenceEditor, hint);
  gtk_widget_class_bind_template_child (widget_class, MtFenceEditor, info);
  gtk_widget_class_bind_template_child (widget_class, MtFenceEditor, frame);
  gtk_widget_class_bind_template_callback (widget_class, shape_toggled_cb);
  gtk_widget_class_install_action (widget_class, "fence.clear", NULL, clear_action);
}

static void
mt_fence_editor_init (MtFenceEditor *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

MtFenceEditor *
mt_fence_editor_new (MtDb   *db,
                     gint64  operator_id)
{
  MtFenceEditor *self = g_object_new (MT_TYPE_FENCE_EDITOR, NULL);

  self->map = mt_map_new (db, operator_id);
  self->layer = g_object_new (MT_TYPE_FENCE_LAYER, "viewport", mt_map_get_viewport (self->map), NULL);
  mt_map_add_layer (self->map, SHUMATE_LAYER (self->layer));
  g_signal_connect_swapped (self->layer, "changed", G_CALLBACK (update_labels), self);
  gtk_widget_set_size_request (GTK_WIDGET (self->map), -1, 420);
  gtk_frame_set_child (GTK_FRAME (self->frame), GTK_WIDGET (self->map));
  /* a new fence starts over the operator's stores */
  {
    double south, west, north, east;

    if (mt_read_store_bounds (db, operator_id, &south, &west, &north, &east))
      mt_map_fit (self->map, south, west, north, east);
  }
  update_labels (self);
  return self;
}
