/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mt-outline"

#include "config.h"

#include <adwaita.h>
#include <math.h>

#include "mt-geo.h"
#include "mt-map.h"
#include "mt-outline-layer.h"

/* A province in world units (Web Mercator, [0, 1)²), as drawn */
typedef struct
{
  const MtProvinceOutline *outline;
  GPtrArray *rings;         /* GArray of double pairs (x, y) */
  double     x0, y0, x1, y1;
  double     label_x, label_y;
} Province;

struct _MtOutlineLayer
{
  ShumateLayer  parent_instance;
  GArray       *provinces;  /* Province */
  PangoLayout  *layout;
  guint         drawn;
};

G_DEFINE_FINAL_TYPE (MtOutlineLayer, mt_outline_layer, SHUMATE_TYPE_LAYER)

static void
province_clear (Province *p)
{
  g_clear_pointer (&p->rings, g_ptr_array_unref);
}

static void
project (MtGeoPoint p,
         gboolean   gcj02,
         double    *x,
         double    *y)
{
  mt_mercator_project (gcj02 && mt_geo_in_china (p) ? mt_geo_wgs84_to_gcj02 (p) : p, x, y);
}

static void
load (MtOutlineLayer *self,
      gboolean        gcj02)
{
  const GPtrArray *outline = mt_china_outline ();

  self->provinces = g_array_new (FALSE, TRUE, sizeof (Province));
  g_array_set_clear_func (self->provinces, (GDestroyNotify) province_clear);
  for (guint i = 0; outline && i < outline->len; i++)
    {
      const MtProvinceOutline *o = outline->pdata[i];
      Province p = { o, g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref), 1, 1, 0, 0 };

      for (guint r = 0; r < o->rings->len; r++)
        {
          GArray *ring = o->rings->pdata[r];
          GArray *xy = g_array_sized_new (FALSE, FALSE, sizeof (double), ring->len * 2);

          for (guint k = 0; k < ring->len; k++)
            {
              double x, y;

              project (g_array_index (ring, MtGeoPoint, k), gcj02, &x, &y);
              g_array_append_val (xy, x);
              g_array_append_val (xy, y);
              p.x0 = MIN (p.x0, x), p.y0 = MIN (p.y0, y), p.x1 = MAX (p.x1, x), p.y1 = MAX (p.y1, y);
            }
          g_ptr_array_add (p.rings, xy);
        }
      project (o->label, gcj02, &p.label_x, &p.label_y);
      g_array_append_val (self->provinces, p);
    }
}

static void
mt_outline_layer_snapshot (GtkWidget   *widget,
                           GtkSnapshot *snapshot)
{
  MtOutlineLayer *self = MT_OUTLINE_LAYER (widget);
  ShumateViewport *viewport = shumate_layer_get_viewport (SHUMATE_LAYER (self));
  int width = gtk_widget_get_width (widget), height = gtk_widget_get_height (widget);
  double cx, cy, scale, zoom = shumate_viewport_get_zoom_level (viewport);
  gboolean dark = adw_style_manager_get_dark (adw_style_manager_get_default ());
  cairo_t *cr;

  self->drawn = 0;
  if (width <= 0 || height <= 0)
    return;
  mt_viewport_world (viewport, &cx, &cy, &scale);
  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, (float) width, (float) height));
  /* what is not China: the sea and the neighbours alike, plain */
  if (dark)
    cairo_set_source_rgb (cr, 0.17, 0.19, 0.22);
  else
    cairo_set_source_rgb (cr, 0.86, 0.90, 0.93);
  cairo_paint (cr);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  for (guint i = 0; i < self->provinces->len; i++)
    {
      const Province *p = &g_array_index (self->provinces, Province, i);

      /* out of view: not drawn */
      if ((p->x1 - cx) * scale + width / 2.0 < 0 || (p->x0 - cx) * scale + width / 2.0 > width ||
          (p->y1 - cy) * scale + height / 2.0 < 0 || (p->y0 - cy) * scale + height / 2.0 > height)
        continue;
      self->drawn++;
      cairo_new_path (cr);
      for (guint r = 0; r < p->rings->len; r++)
        {
          GArray *xy = p->rings->pdata[r];

          for (guint k = 0; k + 1 < xy->len; k += 2)
            {
              double x = (g_array_index (xy, double, k) - cx) * scale + width / 2.0;
              double y = (g_array_index (xy, double, k + 1) - cy) * scale + height / 2.0;

              if (k == 0)
                cairo_move_to (cr, x, y);
              else
                cairo_line_to (cr, x, y);
            }
          cairo_close_path (cr);
        }
      if (dark)
        cairo_set_source_rgb (cr, 0.24, 0.26, 0.29);
      else
        cairo_set_source_rgb (cr, 0.97, 0.96, 0.93);
      cairo_fill_preserve (cr);
      cairo_set_line_width (cr, zoom < 5 ? 0.8 : 1.4);
      if (dark)
        cairo_set_source_rgb (cr, 0.55, 0.58, 0.62);
      else
        cairo_set_source_rgb (cr, 0.55, 0.60, 0.66);
      cairo_stroke (cr);
    }
  /* the names, where they fit */
  if (zoom >= 3.5)
    for (guint i = 0; i < self->provinces->len; i++)
      {
        const Province *p = &g_array_index (self->provinces, Province, i);
        double x = (p->label_x - cx) * scale + width / 2.0, y = (p->label_y - cy) * scale + height / 2.0;
        int w, h;

        if (x < -50 || y < -20 || x > width + 50 || y > height + 20)
          continue;
        if ((p->x1 - p->x0) * scale < 30 && zoom < 7)
          continue;   /* Macao and Hong Kong only close in */
        pango_layout_set_text (self->layout, p->outline->name, -1);
        pango_layout_get_pixel_size (self->layout, &w, &h);
        cairo_move_to (cr, x - w / 2.0, y - h / 2.0);
        if (dark)
          cairo_set_source_rgb (cr, 0.85, 0.86, 0.88);
        else
          cairo_set_source_rgb (cr, 0.30, 0.33, 0.37);
        pango_cairo_show_layout (cr, self->layout);
      }
  cairo_destroy (cr);
}

guint
mt_outline_layer_get_drawn (MtOutlineLayer *self)
{
  return self->drawn;
}

static void
mt_outline_layer_dispose (GObject *object)
{
  MtOutlineLayer *self = MT_OUTLINE_LAYER (object);

  g_clear_pointer (&self->provinces, g_array_unref);
  g_clear_object (&self->layout);
  G_OBJECT_CLASS (mt_outline_layer_parent_class)->dispose (object);
}

static void
mt_outline_layer_class_init (MtOutlineLayerClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = mt_outline_layer_dispose;
  GTK_WIDGET_CLASS (klass)->snapshot = mt_outline_layer_snapshot;
}

static void
mt_outline_layer_init (MtOutlineLayer *self)
{
}

ShumateLayer *
mt_outline_layer_new (ShumateViewport *viewport,
                      gboolean         gcj02)
{
  MtOutlineLayer *self = g_object_new (MT_TYPE_OUTLINE_LAYER, "viewport", viewport, NULL);

  load (self, gcj02);
  self->layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), NULL);
  {
    PangoFontDescription *font = pango_font_description_from_string ("Sans 9");

    pango_layout_set_font_description (self->layout, font);
    pango_font_description_free (font);
  }
  gtk_widget_set_can_target (GTK_WIDGET (self), FALSE);
  mt_layer_follow_view (SHUMATE_LAYER (self));
  return SHUMATE_LAYER (self);
}
