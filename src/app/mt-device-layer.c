/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mt-device-layer"

#include "config.h"

#include <math.h>

#include "mt-device-layer.h"
#include "mt-map.h"

#define CELL_PX          72     /* the clustering grid, in screen pixels */
#define LAST_CLUSTERED   16     /* from zoom 17 every device is drawn alone */
#define REGION_FROM      13     /* from here the clusters cover the view and a screen round it,
                                 * not the world: 100,000 devices a cell each cost 130 ms */
#define N_LEVELS         (LAST_CLUSTERED + 1)
#define MARKER_PX        14.0
#define N_SIZES          4
#define TEXTURE_SCALE    2      /* drawn at twice the size: sharp on HiDPI screens too */

typedef struct
{
  double x, y;        /* the members' centre, world units */
  guint  count;
  guint  member;      /* index of one member (the only one of a single) */
  guint  kinds[MT_MAP_N_KINDS];
} Cluster;

struct _MtDeviceLayer
{
  ShumateLayer  parent_instance;

  GArray       *points;       /* MtMapPoint */
  double       *mx, *my;      /* each point in world units [0, 1) */
  GHashTable   *index;        /* id → point index + 1 */
  GArray       *levels[N_LEVELS];   /* Cluster, per integer zoom; NULL until needed */
  double        regions[N_LEVELS][4];  /* from REGION_FROM: the world rectangle they cover */
  gboolean      moved;        /* points moved since the clusters were built */
  gint64        built_at;
  gint64        selected;
  double        rebuild_ms;

  GdkTexture   *markers[MT_MAP_N_KINDS];
  GdkTexture   *bubbles[MT_MAP_N_KINDS][N_SIZES];
  GdkTexture   *ring;
  PangoLayout  *layout;

  /* what the last frame drew */
  guint         drawn_clusters, drawn_singles;
  double        best_x, best_y;
  guint         best_count;
};

G_DEFINE_FINAL_TYPE (MtDeviceLayer, mt_device_layer, SHUMATE_TYPE_LAYER)

enum { SIGNAL_ACTIVATED, N_SIGNALS };
static guint signals[N_SIGNALS];

/* GNOME palette: green, blue, orange, grey, red */
static const double kind_rgb[MT_MAP_N_KINDS][3] = {
  { 0.18, 0.76, 0.49 }, { 0.21, 0.52, 0.89 }, { 0.90, 0.38, 0.00 }, { 0.60, 0.60, 0.58 }, { 0.88, 0.11, 0.14 },
};
static const double bubble_px[N_SIZES] = { 30, 36, 44, 52 };

/* ------------------------------------------------------------------ textures */

static GdkTexture *
texture_draw (double      size,
              const double rgb[3],
              double      alpha,
              double      border,
              gboolean    ring)
{
  int px = (int) ceil (size * TEXTURE_SCALE);
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, px, px);
  cairo_t *cr = cairo_create (surface);
  g_autoptr(GBytes) bytes = NULL;
  GdkTexture *texture;

  cairo_scale (cr, TEXTURE_SCALE, TEXTURE_SCALE);
  cairo_arc (cr, size / 2, size / 2, size / 2 - border / 2 - 0.5, 0, 2 * G_PI);
  if (!ring)
    {
      cairo_set_source_rgba (cr, rgb[0], rgb[1], rgb[2], alpha);
      cairo_fill_preserve (cr);
    }
  cairo_set_source_rgba (cr, ring ? rgb[0] : 1, ring ? rgb[1] : 1, ring ? rgb[2] : 1, ring ? 1 : 0.9);
  cairo_set_line_width (cr, border);
  cairo_stroke (cr);
  cairo_destroy (cr);
  cairo_surface_flush (surface);
  bytes = g_bytes_new (cairo_image_surface_get_data (surface), (gsize) cairo_image_surface_get_stride (surface) * px);
  texture = gdk_memory_texture_new (px, px, GDK_MEMORY_DEFAULT, bytes, cairo_image_surface_get_stride (surface));
  cairo_surface_destroy (surface);
  return texture;
}

static void
textures_ensure (MtDeviceLayer *self)
{
  static const double black[3] = { 0.1, 0.1, 0.1 };

  if (self->ring != NULL)
    return;
  for (guint k = 0; k < MT_MAP_N_KINDS; k++)
    {
      self->markers[k] = texture_draw (MARKER_PX, kind_rgb[k], 1, 2, FALSE);
      for (guint s = 0; s < N_SIZES; s++)
        self->bubbles[k][s] = texture_draw (bubble_px[s], kind_rgb[k], 0.85, 3, FALSE);
    }
  self->ring = texture_draw (MARKER_PX + 10, black, 1, 2.5, TRUE);
}

/* ------------------------------------------------------------------ clusters */

static void
levels_clear (MtDeviceLayer *self)
{
  for (guint l = 0; l < N_LEVELS; l++)
    g_clear_pointer (&self->levels[l], g_array_unref);
}

static int
compare_count_desc (gconstpointer a,
                    gconstpointer b,
                    gpointer      data)
{
  const Cluster *clusters = data;
  guint ca = clusters[*(const guint *) a].count, cb = clusters[*(const guint *) b].count;

  return ca < cb ? 1 : ca > cb ? -1 : 0;
}

static gpointer
cell_key (guint64 cx,
          guint64 cy)
{
  return GSIZE_TO_POINTER ((gsize) ((cx << 32) | (cy & 0xffffffff)));
}

/* The devices on a grid of CELL_PX screen pixels at @level, one cluster a cell; then the
 * biggest clusters take in neighbours whose centres came within half a cell of theirs, so
 * bubbles do not sit on one another across a cell's border */
static GArray *
clusters_build (MtDeviceLayer *self,
                guint          level,
                double         tile_size,
                const double  *region)
{
  double cell = CELL_PX / (tile_size * exp2 (level));
  g_autoptr(GHashTable) cells = g_hash_table_new (g_direct_hash, g_direct_equal);
  GArray *clusters = g_array_sized_new (FALSE, FALSE, sizeof (Cluster), MIN (self->points->len, 65536));
  g_autoptr(GArray) order = NULL;
  g_autofree gboolean *gone = NULL;
  guint kept = 0;

  for (guint i = 0; i < self->points->len; i++)
    {
      gpointer key;

      if (region && (self->mx[i] < region[0] || self->my[i] < region[1] || self->mx[i] > region[2] ||
                     self->my[i] > region[3]))
        continue;
      key = cell_key ((guint64) (self->mx[i] / cell), (guint64) (self->my[i] / cell));
      guint at = GPOINTER_TO_UINT (g_hash_table_lookup (cells, key));
      Cluster *c;

      if (at == 0)
        {
          Cluster fresh = { 0 };

          fresh.member = i;
          g_array_append_val (clusters, fresh);
          at = clusters->len;
          g_hash_table_insert (cells, key, GUINT_TO_POINTER (at));
        }
      c = &g_array_index (clusters, Cluster, at - 1);
      c->x += self->mx[i];
      c->y += self->my[i];
      c->count++;
      c->kinds[g_array_index (self->points, MtMapPoint, i).kind]++;
    }
  order = g_array_sized_new (FALSE, FALSE, sizeof (guint), clusters->len);
  for (guint i = 0; i < clusters->len; i++)
    {
      Cluster *c = &g_array_index (clusters, Cluster, i);
      c->x /= c->count;
      c->y /= c->count;
      g_array_append_val (order, i);
    }
  g_array_sort_with_data (order, compare_count_desc, clusters->data);
  gone = g_new0 (gboolean, MAX (clusters->len, 1));
  for (guint o = 0; o < order->len; o++)
    {
      guint i = g_array_index (order, guint, o);
      Cluster *c = &g_array_index (clusters, Cluster, i);
      gint64 cx = (gint64) (c->x / cell), cy = (gint64) (c->y / cell);

      if (gone[i])
        continue;
      for (gint64 dx = -1; dx <= 1; dx++)
        for (gint64 dy = -1; dy <= 1; dy++)
          {
            guint at;
            Cluster *n;

            if ((dx == 0 && dy == 0) || cx + dx < 0 || cy + dy < 0)
              continue;
            at = GPOINTER_TO_UINT (g_hash_table_lookup (cells, cell_key ((guint64) (cx + dx), (guint64) (cy + dy))));
            if (at == 0 || at - 1 == i || gone[at - 1])
              continue;
            n = &g_array_index (clusters, Cluster, at - 1);
            if (hypot (n->x - c->x, n->y - c->y) >= cell / 2)
              continue;
            c->x = (c->x * c->count + n->x * n->count) / (c->count + n->count);
            c->y = (c->y * c->count + n->y * n->count) / (c->count + n->count);
            c->count += n->count;
            for (guint k = 0; k < MT_MAP_N_KINDS; k++)
              c->kinds[k] += n->kinds[k];
            gone[at - 1] = TRUE;
          }
    }
  for (guint i = 0; i < clusters->len; i++)
    if (!gone[i])
      g_array_index (clusters, Cluster, kept++) = g_array_index (clusters, Cluster, i);
  g_array_set_size (clusters, kept);
  return clusters;
}

typedef struct
{
  double cx, cy, scale, half_w, half_h;
} View;

static void
view_get (MtDeviceLayer *self,
          View          *v)
{
  mt_viewport_world (shumate_layer_get_viewport (SHUMATE_LAYER (self)), &v->cx, &v->cy, &v->scale);
  v->half_w = gtk_widget_get_width (GTK_WIDGET (self)) / 2.0;
  v->half_h = gtk_widget_get_height (GTK_WIDGET (self)) / 2.0;
}

/* The clusters of @level: built when missing, when devices moved and the last build is over a
 * second old, or (close in) when the view left the region they cover */
static GArray *
clusters_get (MtDeviceLayer *self,
              guint          level,
              const View    *v)
{
  gint64 now = g_get_monotonic_time ();
  double *region = NULL;

  if (self->moved && now - self->built_at > G_USEC_PER_SEC)
    {
      levels_clear (self);
      self->moved = FALSE;
    }
  if (level >= REGION_FROM)
    {
      double w = v->half_w / v->scale, h = v->half_h / v->scale;
      double *r = self->regions[level];

      if (self->levels[level] != NULL &&
          (v->cx - w < r[0] || v->cy - h < r[1] || v->cx + w > r[2] || v->cy + h > r[3]))
        g_clear_pointer (&self->levels[level], g_array_unref);
      if (self->levels[level] == NULL)
        {
          /* the view and a screen on every side */
          r[0] = v->cx - 3 * w, r[1] = v->cy - 3 * h, r[2] = v->cx + 3 * w, r[3] = v->cy + 3 * h;
          region = r;
        }
    }
  if (self->levels[level] == NULL)
    {
      ShumateViewport *viewport = shumate_layer_get_viewport (SHUMATE_LAYER (self));

      self->levels[level] = clusters_build (self, level, mt_viewport_tile_size (viewport), region);
      self->rebuild_ms = (g_get_monotonic_time () - now) / 1000.0;
      self->built_at = now;
      g_debug ("%u devices in %u clusters at zoom %u: %.1f ms", self->points->len, self->levels[level]->len, level,
               self->rebuild_ms);
    }
  return self->levels[level];
}

double
mt_device_layer_rebuild (MtDeviceLayer *self)
{
  ShumateViewport *viewport = shumate_layer_get_viewport (SHUMATE_LAYER (self));
  guint level = (guint) CLAMP (round (shumate_viewport_get_zoom_level (viewport)), 0, LAST_CLUSTERED);

  View v;

  view_get (self, &v);
  g_clear_pointer (&self->levels[level], g_array_unref);
  clusters_get (self, level, &v);
  return self->rebuild_ms;
}

/* ------------------------------------------------------------------ drawing */

static inline gboolean
view_place (const View *v,
            double      x,
            double      y,
            double      margin,
            double     *px,
            double     *py)
{
  *px = (x - v->cx) * v->scale + v->half_w;
  *py = (y - v->cy) * v->scale + v->half_h;
  return *px > -margin && *py > -margin && *px < 2 * v->half_w + margin && *py < 2 * v->half_h + margin;
}

static void
append_texture (GtkSnapshot *snapshot,
                GdkTexture  *texture,
                double       x,
                double       y,
                double       size)
{
  gtk_snapshot_append_texture (snapshot, texture,
                               &GRAPHENE_RECT_INIT ((float) (x - size / 2), (float) (y - size / 2), (float) size,
                                                    (float) size));
}

/* A cluster's colour: red when any member has an alarm, else its most common state */
static guint
cluster_kind (const Cluster *c)
{
  guint best = 0;

  if (c->kinds[MT_MAP_ALARM] > 0)
    return MT_MAP_ALARM;
  for (guint k = 1; k < MT_MAP_N_KINDS; k++)
    if (c->kinds[k] > c->kinds[best])
      best = k;
  return best;
}

static guint
bubble_size (guint count)
{
  return count < 10 ? 0 : count < 100 ? 1 : count < 1000 ? 2 : 3;
}

static void
draw_count (MtDeviceLayer *self,
            GtkSnapshot   *snapshot,
            double         x,
            double         y,
            guint          count)
{
  char text[16];
  int w, h;

  g_snprintf (text, sizeof text, "%u", count);
  pango_layout_set_text (self->layout, text, -1);
  pango_layout_get_pixel_size (self->layout, &w, &h);
  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT ((float) (x - w / 2.0), (float) (y - h / 2.0)));
  gtk_snapshot_append_layout (snapshot, self->layout, &(GdkRGBA) { 1, 1, 1, 1 });
  gtk_snapshot_restore (snapshot);
}

static void
mt_device_layer_snapshot (GtkWidget   *widget,
                          GtkSnapshot *snapshot)
{
  MtDeviceLayer *self = MT_DEVICE_LAYER (widget);
  ShumateViewport *viewport = shumate_layer_get_viewport (SHUMATE_LAYER (self));
  double zoom = shumate_viewport_get_zoom_level (viewport);
  double px, py, selected_x = 0, selected_y = 0;
  gboolean selected_seen = FALSE;
  View v;

  self->drawn_clusters = self->drawn_singles = 0;
  self->best_count = 0;
  if (self->points->len == 0)
    return;
  textures_ensure (self);
  view_get (self, &v);
  if (round (zoom) > LAST_CLUSTERED)
    {
      /* street level: every device on its own, those in view */
      for (guint i = 0; i < self->points->len; i++)
        if (view_place (&v, self->mx[i], self->my[i], MARKER_PX, &px, &py))
          {
            const MtMapPoint *p = &g_array_index (self->points, MtMapPoint, i);

            append_texture (snapshot, self->markers[p->kind], px, py, MARKER_PX);
            self->drawn_singles++;
            if (p->id == self->selected)
              selected_seen = TRUE, selected_x = px, selected_y = py;
          }
    }
  else
    {
      GArray *clusters = clusters_get (self, (guint) MAX (0, round (zoom)), &v);

      for (guint i = 0; i < clusters->len; i++)
        {
          const Cluster *c = &g_array_index (clusters, Cluster, i);

          if (!view_place (&v, c->x, c->y, bubble_px[N_SIZES - 1], &px, &py))
            continue;
          if (c->count == 1)
            {
              const MtMapPoint *p = &g_array_index (self->points, MtMapPoint, c->member);

              append_texture (snapshot, self->markers[p->kind], px, py, MARKER_PX);
              self->drawn_singles++;
              if (p->id == self->selected)
                selected_seen = TRUE, selected_x = px, selected_y = py;
              continue;
            }
          append_texture (snapshot, self->bubbles[cluster_kind (c)][bubble_size (c->count)], px, py,
                          bubble_px[bubble_size (c->count)]);
          draw_count (self, snapshot, px, py, c->count);
          self->drawn_clusters++;
          if (c->count > self->best_count)
            self->best_count = c->count, self->best_x = px, self->best_y = py;
        }
    }
  /* the selected device where it is, even inside a cluster */
  if (!selected_seen && self->selected != 0)
    {
      guint at = GPOINTER_TO_UINT (g_hash_table_lookup (self->index, &self->selected));

      if (at > 0 && view_place (&v, self->mx[at - 1], self->my[at - 1], MARKER_PX, &selected_x, &selected_y))
        {
          append_texture (snapshot, self->markers[g_array_index (self->points, MtMapPoint, at - 1).kind], selected_x,
                          selected_y, MARKER_PX);
          selected_seen = TRUE;
        }
    }
  if (selected_seen)
    append_texture (snapshot, self->ring, selected_x, selected_y, MARKER_PX + 10);
}

/* ------------------------------------------------------------------ clicks */

gboolean
mt_device_layer_click (MtDeviceLayer *self,
                       double         x,
                       double         y)
{
  ShumateViewport *viewport = shumate_layer_get_viewport (SHUMATE_LAYER (self));
  double zoom = shumate_viewport_get_zoom_level (viewport);
  double best = G_MAXDOUBLE, px, py, bx = 0, by = 0;
  gint64 hit_id = 0;
  guint hit_count = 0;
  View v;

  if (self->points->len == 0)
    return FALSE;
  view_get (self, &v);
  if (round (zoom) > LAST_CLUSTERED)
    {
      for (guint i = 0; i < self->points->len; i++)
        if (view_place (&v, self->mx[i], self->my[i], 0, &px, &py))
          {
            double d = hypot (px - x, py - y);

            if (d < MARKER_PX && d < best)
              best = d, hit_id = g_array_index (self->points, MtMapPoint, i).id, hit_count = 1;
          }
    }
  else
    {
      GArray *clusters = clusters_get (self, (guint) MAX (0, round (zoom)), &v);

      for (guint i = 0; i < clusters->len; i++)
        {
          const Cluster *c = &g_array_index (clusters, Cluster, i);
          double radius = c->count == 1 ? MARKER_PX : bubble_px[bubble_size (c->count)] / 2 + 2;
          double d;

          if (!view_place (&v, c->x, c->y, 0, &px, &py))
            continue;
          d = hypot (px - x, py - y);
          if (d < radius && d < best)
            {
              best = d, hit_count = c->count, bx = c->x, by = c->y;
              hit_id = g_array_index (self->points, MtMapPoint, c->member).id;
            }
        }
    }
  if (hit_count == 0)
    return FALSE;
  if (hit_count > 1)
    {
      /* into the cluster: two levels closer, centred on it */
      MtGeoPoint center = mt_mercator_unproject (bx, by);

      shumate_viewport_set_zoom_level (viewport, MIN (round (zoom) + 2, LAST_CLUSTERED + 1));
      shumate_location_set_location (SHUMATE_LOCATION (viewport), center.lat, center.lng);
      return TRUE;
    }
  mt_device_layer_set_selected (self, hit_id);
  g_signal_emit (self, signals[SIGNAL_ACTIVATED], 0, hit_id);
  return TRUE;
}

static void
released_cb (GtkGestureClick *gesture,
             int              n_press,
             double           x,
             double           y,
             MtDeviceLayer   *self)
{
  if (n_press == 1 && mt_device_layer_click (self, x, y))
    gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
}

/* ------------------------------------------------------------------ data */

void
mt_device_layer_set_points (MtDeviceLayer    *self,
                            const MtMapPoint *points,
                            guint             n_points)
{
  g_array_set_size (self->points, 0);
  g_array_append_vals (self->points, points, n_points);
  g_free (self->mx);
  g_free (self->my);
  self->mx = g_new (double, MAX (n_points, 1));
  self->my = g_new (double, MAX (n_points, 1));
  g_hash_table_remove_all (self->index);
  for (guint i = 0; i < n_points; i++)
    {
      mt_mercator_project ((MtGeoPoint) { points[i].lat, points[i].lng }, &self->mx[i], &self->my[i]);
      g_hash_table_insert (self->index, &g_array_index (self->points, MtMapPoint, i).id, GUINT_TO_POINTER (i + 1));
    }
  levels_clear (self);
  self->moved = FALSE;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

guint
mt_device_layer_get_n_points (MtDeviceLayer *self)
{
  return self->points->len;
}

gboolean
mt_device_layer_move (MtDeviceLayer *self,
                      gint64         id,
                      double         lat,
                      double         lng,
                      int            kind)
{
  guint at = GPOINTER_TO_UINT (g_hash_table_lookup (self->index, &id));
  MtMapPoint *p;

  if (at == 0)
    return FALSE;
  p = &g_array_index (self->points, MtMapPoint, at - 1);
  p->lat = lat;
  p->lng = lng;
  if (kind >= 0 && kind < MT_MAP_N_KINDS)
    p->kind = (guint8) kind;
  mt_mercator_project ((MtGeoPoint) { lat, lng }, &self->mx[at - 1], &self->my[at - 1]);
  self->moved = TRUE;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  return TRUE;
}

gboolean
mt_device_layer_get_point (MtDeviceLayer *self,
                           gint64         id,
                           MtMapPoint    *point)
{
  guint at = GPOINTER_TO_UINT (g_hash_table_lookup (self->index, &id));

  if (at == 0)
    return FALSE;
  *point = g_array_index (self->points, MtMapPoint, at - 1);
  return TRUE;
}

void
mt_device_layer_set_selected (MtDeviceLayer *self,
                              gint64         id)
{
  self->selected = id;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

gint64
mt_device_layer_get_selected (MtDeviceLayer *self)
{
  return self->selected;
}

void
mt_device_layer_get_drawn (MtDeviceLayer *self,
                           guint         *clusters,
                           guint         *singles)
{
  *clusters = self->drawn_clusters;
  *singles = self->drawn_singles;
}

gboolean
mt_device_layer_find_cluster (MtDeviceLayer *self,
                              double        *x,
                              double        *y,
                              guint         *count)
{
  if (self->best_count == 0)
    return FALSE;
  *x = self->best_x;
  *y = self->best_y;
  *count = self->best_count;
  return TRUE;
}

GArray *
mt_device_layer_get_visible_ids (MtDeviceLayer *self,
                                 guint          max)
{
  GArray *ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  double px, py;
  View v;

  view_get (self, &v);
  for (guint i = 0; i < self->points->len && ids->len < max; i++)
    if (view_place (&v, self->mx[i], self->my[i], 0, &px, &py))
      g_array_append_val (ids, g_array_index (self->points, MtMapPoint, i).id);
  return ids;
}

/* ------------------------------------------------------------------ object */

static void
mt_device_layer_constructed (GObject *object)
{
  G_OBJECT_CLASS (mt_device_layer_parent_class)->constructed (object);
  mt_layer_follow_view (SHUMATE_LAYER (object));
}

static void
mt_device_layer_finalize (GObject *object)
{
  MtDeviceLayer *self = MT_DEVICE_LAYER (object);

  levels_clear (self);
  g_array_unref (self->points);
  g_hash_table_unref (self->index);
  g_free (self->mx);
  g_free (self->my);
  for (guint k = 0; k < MT_MAP_N_KINDS; k++)
    {
      g_clear_object (&self->markers[k]);
      for (guint s = 0; s < N_SIZES; s++)
        g_clear_object (&self->bubbles[k][s]);
    }
  g_clear_object (&self->ring);
  g_clear_object (&self->layout);
  G_OBJECT_CLASS (mt_device_layer_parent_class)->finalize (object);
}

static void
mt_device_layer_class_init (MtDeviceLayerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = mt_device_layer_constructed;
  object_class->finalize = mt_device_layer_finalize;
  widget_class->snapshot = mt_device_layer_snapshot;

  /* A device was clicked: its id */
  signals[SIGNAL_ACTIVATED] = g_signal_new ("device-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                            NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_INT64);
}

static void
mt_device_layer_init (MtDeviceLayer *self)
{
  GtkGesture *click = gtk_gesture_click_new ();
  PangoAttrList *attrs = pango_attr_list_new ();

  self->points = g_array_new (FALSE, FALSE, sizeof (MtMapPoint));
  self->index = g_hash_table_new (g_int64_hash, g_int64_equal);
  self->layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), NULL);
  pango_attr_list_insert (attrs, pango_attr_weight_new (PANGO_WEIGHT_BOLD));
  pango_layout_set_attributes (self->layout, attrs);
  pango_attr_list_unref (attrs);
  g_signal_connect (click, "released", G_CALLBACK (released_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (click));
}

MtDeviceLayer *
mt_device_layer_new (ShumateViewport *viewport)
{
  return g_object_new (MT_TYPE_DEVICE_LAYER, "viewport", viewport, NULL);
}
