/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mt-map"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "mt-map.h"
#include "mt-outline-layer.h"
#include "mt-tile-source.h"

/* the tile servers' usage policies ask that an application name itself */
#define USER_AGENT "Mingtang/" PACKAGE_VERSION " (battery rental console)"
#include "mt-ops.h"

#define MAX_ZOOM            19
/* tiles failed in a row, none drawn between: the map cannot be had */
#define FAILURES_SHOWN      3

struct _MtMap
{
  GtkWidget         parent_instance;

  GtkWidget        *overlay;
  ShumateSimpleMap *simple;
  GtkWidget        *fallback;      /* the message over the outline */
  GtkWidget        *fallback_label;
  ShumateLayer     *outline;       /* China's provinces, while no tile can be had */
  char             *tiles_name;    /* whose tiles: "OpenStreetMap", a host */
  char             *problem;       /* known before any tile is asked for (a key missing) */
  guint             failures;
  gboolean          gcj02;
  gboolean          fit_pending;
  double            fit[4];   /* south, west, north, east (display) */
};

G_DEFINE_FINAL_TYPE (MtMap, mt_map, GTK_TYPE_WIDGET)

void
mt_mercator_project (MtGeoPoint p,
                     double    *x,
                     double    *y)
{
  double lat = CLAMP (p.lat, -85.0511287798, 85.0511287798) * G_PI / 180;

  *x = (p.lng + 180) / 360;
  *y = (1 - log (tan (lat) + 1 / cos (lat)) / G_PI) / 2;
}

MtGeoPoint
mt_mercator_unproject (double x,
                       double y)
{
  MtGeoPoint p;

  p.lng = x * 360 - 180;
  p.lat = atan (sinh (G_PI * (1 - 2 * y))) * 180 / G_PI;
  return p;
}

void
mt_viewport_world (ShumateViewport *viewport,
                   double          *cx,
                   double          *cy,
                   double          *scale)
{
  MtGeoPoint center = { shumate_location_get_latitude (SHUMATE_LOCATION (viewport)),
                        shumate_location_get_longitude (SHUMATE_LOCATION (viewport)) };

  mt_mercator_project (center, cx, cy);
  *scale = mt_viewport_tile_size (viewport) * exp2 (shumate_viewport_get_zoom_level (viewport));
}

double
mt_viewport_tile_size (ShumateViewport *viewport)
{
  ShumateMapSource *source = shumate_viewport_get_reference_map_source (viewport);

  return source ? shumate_map_source_get_tile_size (source) : 256;
}

void
mt_layer_follow_view (ShumateLayer *layer)
{
  g_signal_connect_object (shumate_layer_get_viewport (layer), "notify", G_CALLBACK (gtk_widget_queue_draw), layer,
                           G_CONNECT_SWAPPED);
}

/* One source per tile address for the whole process, each with its own disk cache
 * (mt-tile-source.c); its MtTileSource kept as "tiles" on it */
static ShumateMapSource *
source_for (const char *url,
            const char *servers,
            const char *name,
            const char *attribution,
            int         max_zoom)
{
  static GHashTable *sources = NULL;
  g_autofree char *id = g_strdup_printf ("mingtang-%08x", g_str_hash (url));
  ShumateMapSource *source;

  if (sources == NULL)
    sources = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  /* the disk cache is kept per source: another address must not show the old tiles */
  source = g_hash_table_lookup (sources, id);
  if (source == NULL)
    {
      g_autofree char *cache = g_build_filename (g_get_user_cache_dir (), "mingtang", "tiles", id, NULL);
      MtTileSource *data = mt_tile_source_new (url, cache, USER_AGENT);

      mt_tile_source_set_servers (data, servers);
      source = SHUMATE_MAP_SOURCE (shumate_raster_renderer_new_full (
        id, name, attribution, "", 0, max_zoom, 256, SHUMATE_MAP_PROJECTION_MERCATOR, SHUMATE_DATA_SOURCE (data)));
      g_object_set_data_full (G_OBJECT (source), "tiles", data, g_object_unref);
      g_hash_table_insert (sources, g_strdup (id), source);
    }
  shumate_map_source_set_license (source, attribution);
  return g_object_ref (source);
}

/* Just over the tiles, under every other layer (libshumate 1.0 exports no way to insert an
 * overlay layer, nor to get its base layer: the map's first child is the tiles') */
static void
insert_over_tiles (MtMap        *self,
                   ShumateLayer *layer)
{
  ShumateMap *map = mt_map_get_map (self);
  GtkWidget *base = gtk_widget_get_first_child (GTK_WIDGET (map));

  while (base != NULL && !SHUMATE_IS_MAP_LAYER (base))
    base = gtk_widget_get_next_sibling (base);
  if (base != NULL)
    shumate_map_insert_layer_above (map, layer, SHUMATE_LAYER (base));
  else
    shumate_map_add_layer (map, layer);
}

static void
fallback_update (MtMap *self)
{
  gboolean shown = self->problem != NULL || self->failures >= FAILURES_SHOWN;

  if (shown && self->outline == NULL)
    {
      /* under the other layers, over the (blank) tiles */
      self->outline = mt_outline_layer_new (mt_map_get_viewport (self), self->gcj02);
      insert_over_tiles (self, self->outline);
    }
  if (self->outline != NULL)
    gtk_widget_set_visible (GTK_WIDGET (self->outline), shown);
  gtk_widget_set_visible (self->fallback, shown);
}

static void
fetched_cb (MtTileSource *tiles,
            gboolean      ok,
            const char   *reason,
            MtMap        *self)
{
  if (ok)
    self->failures = 0;
  else
    {
      self->failures++;
      if (self->problem == NULL && self->failures == FAILURES_SHOWN)
        {
          g_autofree char *text = g_strdup_printf (_("Map tiles cannot be fetched from %s (%s). The provinces' "
                                                     "outline is shown instead; positions stay exact."),
                                                   self->tiles_name, reason ? reason : "");
          gtk_label_set_text (GTK_LABEL (self->fallback_label), text);
        }
    }
  fallback_update (self);
}

ShumateMap *
mt_map_get_map (MtMap *self)
{
  return shumate_simple_map_get_map (self->simple);
}

ShumateViewport *
mt_map_get_viewport (MtMap *self)
{
  return shumate_simple_map_get_viewport (self->simple);
}

void
mt_map_add_layer (MtMap        *self,
                  ShumateLayer *layer)
{
  shumate_simple_map_add_overlay_layer (self->simple, layer);
}

const char *
mt_map_get_fallback_text (MtMap *self)
{
  return gtk_widget_get_visible (self->fallback) ? gtk_label_get_text (GTK_LABEL (self->fallback_label)) : NULL;
}

ShumateLayer *
mt_map_get_outline (MtMap *self)
{
  return self->outline != NULL && gtk_widget_get_visible (GTK_WIDGET (self->outline)) ? self->outline : NULL;
}

gboolean
mt_map_is_gcj02 (MtMap *self)
{
  return self->gcj02;
}

MtGeoPoint
mt_map_to_display (MtMap     *self,
                   MtGeoPoint wgs84)
{
  return self->gcj02 ? mt_geo_wgs84_to_gcj02 (wgs84) : wgs84;
}

MtGeoPoint
mt_map_from_display (MtMap     *self,
                     MtGeoPoint display)
{
  return self->gcj02 ? mt_geo_gcj02_to_wgs84 (display) : display;
}

void
mt_map_go_to (MtMap     *self,
              MtGeoPoint wgs84,
              double     zoom)
{
  ShumateViewport *viewport = mt_map_get_viewport (self);
  MtGeoPoint shown = mt_map_to_display (self, wgs84);

  self->fit_pending = FALSE;
  if (zoom >= 0)
    shumate_viewport_set_zoom_level (viewport, CLAMP (zoom, 1, MAX_ZOOM));
  shumate_location_set_location (SHUMATE_LOCATION (viewport), shown.lat, shown.lng);
}

static void
apply_fit (MtMap *self,
           int    width,
           int    height)
{
  double x0, y0, x1, y1, zoom;
  MtGeoPoint center;
  ShumateViewport *viewport = mt_map_get_viewport (self);

  mt_mercator_project ((MtGeoPoint) { self->fit[0], self->fit[1] }, &x0, &y1);
  mt_mercator_project ((MtGeoPoint) { self->fit[2], self->fit[3] }, &x1, &y0);
  /* the bounds and a margin around them: an eighth of the view on each side */
  zoom = log2 (MIN ((MAX (width * 0.75, 64)) / (MAX (x1 - x0, 1e-9) * 256),
                    (MAX (height * 0.75, 64)) / (MAX (y1 - y0, 1e-9) * 256)));
  center = mt_mercator_unproject ((x0 + x1) / 2, (y0 + y1) / 2);
  shumate_viewport_set_zoom_level (viewport, CLAMP (floor (zoom * 4) / 4, 2, 15));
  shumate_location_set_location (SHUMATE_LOCATION (viewport), center.lat, center.lng);
  self->fit_pending = FALSE;
}

void
mt_map_fit (MtMap  *self,
            double  south,
            double  west,
            double  north,
            double  east)
{
  MtGeoPoint sw = mt_map_to_display (self, (MtGeoPoint) { south, west });
  MtGeoPoint ne = mt_map_to_display (self, (MtGeoPoint) { north, east });

  self->fit[0] = sw.lat, self->fit[1] = sw.lng, self->fit[2] = ne.lat, self->fit[3] = ne.lng;
  self->fit_pending = TRUE;
  if (gtk_widget_get_width (GTK_WIDGET (self)) > 0)
    apply_fit (self, gtk_widget_get_width (GTK_WIDGET (self)), gtk_widget_get_height (GTK_WIDGET (self)));
  else
    gtk_widget_queue_allocate (GTK_WIDGET (self));   /* once it has a size */
}

MtGeoPoint
mt_map_position_at (MtMap  *self,
                    double  x,
                    double  y)
{
  double lat = 0, lng = 0;

  shumate_viewport_widget_coords_to_location (mt_map_get_viewport (self), GTK_WIDGET (mt_map_get_map (self)), x, y,
                                              &lat, &lng);
  return mt_map_from_display (self, (MtGeoPoint) { lat, lng });
}

static void
mt_map_size_allocate (GtkWidget *widget,
                      int        width,
                      int        height,
                      int        baseline)
{
  MtMap *self = MT_MAP (widget);

  /* the view first: moving it queues the map's own layout, which must come before its allocation */
  if (self->fit_pending && width > 0)
    apply_fit (self, width, height);
  gtk_widget_allocate (self->overlay, width, height, baseline, NULL);
}

static void
mt_map_dispose (GObject *object)
{
  MtMap *self = MT_MAP (object);

  g_clear_pointer (&self->tiles_name, g_free);
  g_clear_pointer (&self->problem, g_free);
  if (self->overlay != NULL)
    gtk_widget_unparent (self->overlay);
  self->overlay = NULL;
  self->simple = NULL;
  G_OBJECT_CLASS (mt_map_parent_class)->dispose (object);
}

static void
mt_map_measure (GtkWidget      *widget,
                GtkOrientation  orientation,
                int             for_size,
                int            *minimum,
                int            *natural,
                int            *minimum_baseline,
                int            *natural_baseline)
{
  gtk_widget_measure (MT_MAP (widget)->overlay, orientation, for_size, minimum, natural, NULL, NULL);
  *minimum = MAX (*minimum, 200);
  *natural = MAX (*natural, 600);
}

static void
zoom_in_cb (GtkWidget  *widget,
            const char *name,
            GVariant   *param)
{
  shumate_map_zoom_in (mt_map_get_map (MT_MAP (widget)));
}

static void
zoom_out_cb (GtkWidget  *widget,
             const char *name,
             GVariant   *param)
{
  shumate_map_zoom_out (mt_map_get_map (MT_MAP (widget)));
}

static void
mt_map_class_init (MtMapClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = mt_map_dispose;
  widget_class->size_allocate = mt_map_size_allocate;
  widget_class->measure = mt_map_measure;
  gtk_widget_class_set_css_name (widget_class, "mt-map");
  g_type_ensure (SHUMATE_TYPE_SIMPLE_MAP);
  gtk_widget_class_set_template_from_resource (widget_class, "/com/mtxnyjs/Mingtang/ui/mt-map.ui");
  gtk_widget_class_bind_template_child (widget_class, MtMap, overlay);
  gtk_widget_class_bind_template_child (widget_class, MtMap, simple);
  gtk_widget_class_bind_template_child (widget_class, MtMap, fallback);
  gtk_widget_class_bind_template_child (widget_class, MtMap, fallback_label);
  gtk_widget_class_install_action (widget_class, "map.zoom-in", NULL, zoom_in_cb);
  gtk_widget_class_install_action (widget_class, "map.zoom-out", NULL, zoom_out_cb);
}


static void
mt_map_init (MtMap *self)
{
  static gsize once = 0;

  if (g_once_init_enter (&once))
    {
      /* the tile servers' usage policies ask that an application name itself */
      shumate_set_user_agent (USER_AGENT);
      g_once_init_leave (&once, 1);
    }
  gtk_widget_init_template (GTK_WIDGET (self));
  /* the tiles' attribution is the provider's text, in its own words */
  gtk_widget_add_css_class (GTK_WIDGET (shumate_simple_map_get_license (self->simple)), "mt-data");
}

MtMap *
mt_map_new (MtDb   *db,
            gint64  operator_id)
{
  MtMap *self = g_object_new (MT_TYPE_MAP, NULL);
  /* the environment overrides the settings: a machine with a tile server of its own nearby */
  g_autoptr(MtTileChoice) choice = mt_tile_choice_get (db, operator_id, g_getenv ("MINGTANG_TILE_URL"));
  g_autoptr(ShumateMapSource) source = source_for (choice->url, choice->servers, choice->name, choice->attribution,
                                                   choice->max_zoom);

  self->gcj02 = choice->gcj02;
  self->tiles_name = g_strdup (choice->name);
  shumate_simple_map_set_map_source (self->simple, source);
  g_signal_connect_object (g_object_get_data (G_OBJECT (source), "tiles"), "fetched", G_CALLBACK (fetched_cb), self, 0);
  if (choice->labels_url != NULL)
    {
      /* the place names, a layer of their own over the tiles */
      g_autoptr(ShumateMapSource) labels = source_for (choice->labels_url, choice->servers, choice->name, "",
                                                       choice->max_zoom);
      ShumateMapLayer *layer = shumate_map_layer_new (labels, mt_map_get_viewport (self));

      insert_over_tiles (self, SHUMATE_LAYER (layer));
    }
  if (g_str_has_prefix (choice->url, "https://t{s}.tianditu.gov.cn/") && g_str_has_suffix (choice->url, "tk="))
    {
      self->problem = g_strdup (_("Tianditu's tiles need a key: set it under General Settings, Map tiles "
                                  "(tianditu:KEY). The provinces' outline is shown meanwhile."));
      gtk_label_set_text (GTK_LABEL (self->fallback_label), self->problem);
    }
  fallback_update (self);
  shumate_map_set_animate_zoom (mt_map_get_map (self), FALSE);
  shumate_scale_set_unit (shumate_simple_map_get_scale (self->simple), SHUMATE_UNIT_METRIC);
  /* China when nothing else is known yet */
  shumate_viewport_set_zoom_level (mt_map_get_viewport (self), 4);
  shumate_location_set_location (SHUMATE_LOCATION (mt_map_get_viewport (self)), 35, 105);
  return self;
}
