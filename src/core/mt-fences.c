/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mt-fences"

#include "config.h"

#include <math.h>
#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "mt-db.h"
#include "mt-error.h"
#include "mt-fences.h"

const char *
mt_fence_shape_name (MtFenceShape shape)
{
  return shape == MT_FENCE_CIRCLE ? "circle" : "polygon";
}

void
mt_fence_free (MtFence *fence)
{
  if (fence == NULL)
    return;
  for (guint r = 0; r < fence->n_rings; r++)
    g_free (fence->rings[r]);
  g_free (fence->rings);
  g_free (fence->sizes);
  g_free (fence);
}

static void
fence_bounds (MtFence *f)
{
  if (f->shape == MT_FENCE_CIRCLE)
    {
      MtGeoPoint sw = mt_geo_offset (f->center, -f->radius_m, -f->radius_m);
      MtGeoPoint ne = mt_geo_offset (f->center, f->radius_m, f->radius_m);

      f->south = sw.lat, f->west = sw.lng, f->north = ne.lat, f->east = ne.lng;
      return;
    }
  f->south = f->west = G_MAXDOUBLE;
  f->north = f->east = -G_MAXDOUBLE;
  for (guint i = 0; f->n_rings > 0 && i < f->sizes[0]; i++)
    {
      f->south = MIN (f->south, f->rings[0][i].lat), f->north = MAX (f->north, f->rings[0][i].lat);
      f->west = MIN (f->west, f->rings[0][i].lng), f->east = MAX (f->east, f->rings[0][i].lng);
    }
}

MtFence *
mt_fence_new_circle (MtGeoPoint center,
                     double     radius_m)
{
  MtFence *f = g_new0 (MtFence, 1);

  f->shape = MT_FENCE_CIRCLE;
  f->center = center;
  f->radius_m = radius_m;
  fence_bounds (f);
  return f;
}

MtFence *
mt_fence_new_polygon (const MtGeoPoint *corners,
                      guint             n_corners)
{
  MtFence *f = g_new0 (MtFence, 1);

  f->shape = MT_FENCE_POLYGON;
  f->n_rings = 1;
  f->rings = g_new0 (MtGeoPoint *, 1);
  f->sizes = g_new0 (guint, 1);
  f->rings[0] = g_memdup2 (corners, sizeof (MtGeoPoint) * MAX (n_corners, 1));
  f->sizes[0] = n_corners;
  fence_bounds (f);
  return f;
}

MtFence *
mt_fence_copy (const MtFence *fence)
{
  MtFence *f = g_memdup2 (fence, sizeof (MtFence));

  f->rings = g_new0 (MtGeoPoint *, MAX (fence->n_rings, 1));
  f->sizes = g_memdup2 (fence->sizes, sizeof (guint) * MAX (fence->n_rings, 1));
  for (guint r = 0; r < fence->n_rings; r++)
    f->rings[r] = g_memdup2 (fence->rings[r], sizeof (MtGeoPoint) * MAX (fence->sizes[r], 1));
  return f;
}

static gboolean
fence_error (GError    **error,
             const char *problem)
{
  mt_set_field_error (error, "geojson", _("Fence"), problem);
  return FALSE;
}

/* Whether segments a–b and c–d cross (touching at a shared end does not count) */
static gboolean
segments_cross (MtGeoPoint a,
                MtGeoPoint b,
                MtGeoPoint c,
                MtGeoPoint d)
{
  double d1 = (d.lng - c.lng) * (a.lat - c.lat) - (d.lat - c.lat) * (a.lng - c.lng);
  double d2 = (d.lng - c.lng) * (b.lat - c.lat) - (d.lat - c.lat) * (b.lng - c.lng);
  double d3 = (b.lng - a.lng) * (c.lat - a.lat) - (b.lat - a.lat) * (c.lng - a.lng);
  double d4 = (b.lng - a.lng) * (d.lat - a.lat) - (b.lat - a.lat) * (d.lng - a.lng);

  return ((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0));
}

static gboolean
point_valid (MtGeoPoint p)
{
  return isfinite (p.lat) && isfinite (p.lng) && p.lat >= -90 && p.lat <= 90 && p.lng >= -180 && p.lng <= 180;
}

gboolean
mt_fence_validate (const MtFence *f,
                   GError       **error)
{
  guint corners = 0;

  if (f->shape == MT_FENCE_CIRCLE)
    {
      if (!point_valid (f->center))
        return fence_error (error, _("has a centre outside the valid latitudes and longitudes"));
      if (!isfinite (f->radius_m) || f->radius_m < MT_FENCE_MIN_RADIUS_M || f->radius_m > MT_FENCE_MAX_RADIUS_M)
        return fence_error (error, _("needs a radius from 50 m to 500 km"));
      return TRUE;
    }
  if (f->n_rings == 0)
    return fence_error (error, _("has no outline"));
  if (f->n_rings > MT_FENCE_MAX_HOLES + 1)
    return fence_error (error, _("has more than 20 holes"));
  for (guint r = 0; r < f->n_rings; r++)
    {
      const MtGeoPoint *ring = f->rings[r];
      guint n = f->sizes[r];
      double area2 = 0;

      corners += n;
      if (corners > MT_FENCE_MAX_CORNERS)
        return fence_error (error, _("has more than 1,000 corners"));
      for (guint i = 0; i < n; i++)
        if (!point_valid (ring[i]))
          return fence_error (error, _("has a corner outside the valid latitudes and longitudes"));
      /* twice the area, around the first corner (products of whole degrees would cancel) */
      for (guint i = 0; i < n; i++)
        area2 += (ring[i].lng - ring[0].lng) * (ring[(i + 1) % n].lat - ring[0].lat) -
                 (ring[(i + 1) % n].lng - ring[0].lng) * (ring[i].lat - ring[0].lat);
      /* an outline that crosses itself has no clear inside */
      for (guint i = 0; i < n; i++)
        for (guint j = i + 2; j < n; j++)
          if (!(i == 0 && j == n - 1) &&
              segments_cross (ring[i], ring[(i + 1) % n], ring[j], ring[(j + 1) % n]))
            return fence_error (error, _("has an outline that crosses itself"));
      if (n < 3 || fabs (area2) < 1e-12)
        return fence_error (error, _("needs at least three corners that enclose an area"));
      if (f->east - f->west > 20 || f->north - f->south > 20)
        return fence_error (error, _("is larger than 20 degrees across"));
    }
  return TRUE;
}

/* [lng, lat] */
static gboolean
read_position (JsonNode   *node,
               MtGeoPoint *p)
{
  JsonArray *a;

  if (!JSON_NODE_HOLDS_ARRAY (node))
    return FALSE;
  a = json_node_get_array (node);
  if (json_array_get_length (a) < 2 || json_array_get_length (a) > 3)
    return FALSE;
  for (guint i = 0; i < 2; i++)
    {
      JsonNode *v = json_array_get_element (a, i);
      if (!JSON_NODE_HOLDS_VALUE (v) || (json_node_get_value_type (v) != G_TYPE_DOUBLE &&
                                         json_node_get_value_type (v) != G_TYPE_INT64))
        return FALSE;
    }
  p->lng = json_array_get_double_element (a, 0);
  p->lat = json_array_get_double_element (a, 1);
  return TRUE;
}

MtFence *
mt_fence_parse (const char *geojson,
                GError    **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(MtFence) f = NULL;
  JsonObject *feature, *geometry, *properties = NULL;
  JsonNode *coords;
  const char *type;

  if (geojson == NULL || !json_parser_load_from_data (parser, geojson, -1, NULL) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      fence_error (error, _("is not GeoJSON"));
      return NULL;
    }
  feature = json_node_get_object (json_parser_get_root (parser));
  if (g_strcmp0 (json_object_get_string_member_with_default (feature, "type", ""), "Feature") != 0 ||
      !json_object_has_member (feature, "geometry") ||
      !JSON_NODE_HOLDS_OBJECT (json_object_get_member (feature, "geometry")))
    {
      fence_error (error, _("must be a GeoJSON Feature with a geometry"));
      return NULL;
    }
  geometry = json_object_get_object_member (feature, "geometry");
  if (json_object_has_member (feature, "properties") &&
      JSON_NODE_HOLDS_OBJECT (json_object_get_member (feature, "properties")))
    properties = json_object_get_object_member (feature, "properties");
  type = json_object_get_string_member_with_default (geometry, "type", "");
  coords = json_object_get_member (geometry, "coordinates");
  if (coords == NULL)
    {
      fence_error (error, _("has a geometry without coordinates"));
      return NULL;
    }
  f = g_new0 (MtFence, 1);
  if (g_str_equal (type, "Point"))
    {
      JsonNode *radius = properties ? json_object_get_member (properties, "radius_m") : NULL;

      f->shape = MT_FENCE_CIRCLE;
      if (!read_position (coords, &f->center))
        {
          fence_error (error, _("has a centre that is not a [longitude, latitude] pair"));
          return NULL;
        }
      if (radius == NULL || !JSON_NODE_HOLDS_VALUE (radius) ||
          (json_node_get_value_type (radius) != G_TYPE_DOUBLE && json_node_get_value_type (radius) != G_TYPE_INT64))
        {
          fence_error (error, _("is a circle without a number in properties.radius_m"));
          return NULL;
        }
      f->radius_m = json_node_get_double (radius);
    }
  else if (g_str_equal (type, "Polygon"))
    {
      JsonArray *rings;

      f->shape = MT_FENCE_POLYGON;
      if (!JSON_NODE_HOLDS_ARRAY (coords))
        {
          fence_error (error, _("has polygon coordinates that are not a list of rings"));
          return NULL;
        }
      rings = json_node_get_array (coords);
      f->n_rings = MIN (json_array_get_length (rings), MT_FENCE_MAX_HOLES + 2);
      f->rings = g_new0 (MtGeoPoint *, MAX (f->n_rings, 1));
      f->sizes = g_new0 (guint, MAX (f->n_rings, 1));
      for (guint r = 0; r < f->n_rings; r++)
        {
          JsonNode *ring_node = json_array_get_element (rings, r);
          JsonArray *ring;
          guint n;

          if (!JSON_NODE_HOLDS_ARRAY (ring_node))
            {
              fence_error (error, _("has a ring that is not a list of positions"));
              return NULL;
            }
          ring = json_node_get_array (ring_node);
          n = json_array_get_length (ring);
          if (n > MT_FENCE_MAX_CORNERS + 1)
            {
              fence_error (error, _("has more than 1,000 corners"));
              return NULL;
            }
          f->rings[r] = g_new0 (MtGeoPoint, MAX (n, 1));
          for (guint i = 0; i < n; i++)
            if (!read_position (json_array_get_element (ring, i), &f->rings[r][i]))
              {
                fence_error (error, _("has a corner that is not a [longitude, latitude] pair"));
                return NULL;
              }
          /* GeoJSON closes each ring by repeating the first corner; kept open here */
          if (n > 1 && f->rings[r][0].lat == f->rings[r][n - 1].lat && f->rings[r][0].lng == f->rings[r][n - 1].lng)
            n--;
          f->sizes[r] = n;
        }
    }
  else
    {
      fence_error (error, _("must be a Polygon or a Point with a radius"));
      return NULL;
    }
  fence_bounds (f);
  if (!mt_fence_validate (f, error))
    return NULL;
  return g_steal_pointer (&f);
}

static void
add_position (GString   *s,
              MtGeoPoint p)
{
  char lng[G_ASCII_DTOSTR_BUF_SIZE], lat[G_ASCII_DTOSTR_BUF_SIZE];

  g_string_append_printf (s, "[%s,%s]", g_ascii_formatd (lng, sizeof lng, "%.7f", p.lng),
                          g_ascii_formatd (lat, sizeof lat, "%.7f", p.lat));
}

char *
mt_fence_to_geojson (const MtFence *f)
{
  GString *s = g_string_new ("{\"type\":\"Feature\",\"geometry\":{\"type\":");

  if (f->shape == MT_FENCE_CIRCLE)
    {
      char radius[G_ASCII_DTOSTR_BUF_SIZE];

      g_string_append (s, "\"Point\",\"coordinates\":");
      add_position (s, f->center);
      g_string_append_printf (s, "},\"properties\":{\"radius_m\":%s}}",
                              g_ascii_formatd (radius, sizeof radius, "%.1f", f->radius_m));
      return g_string_free (s, FALSE);
    }
  g_string_append (s, "\"Polygon\",\"coordinates\":[");
  for (guint r = 0; r < f->n_rings; r++)
    {
      g_string_append (s, r ? ",[" : "[");
      for (guint i = 0; i <= f->sizes[r]; i++)
        {
          if (i)
            g_string_append_c (s, ',');
          add_position (s, f->rings[r][i % f->sizes[r]]);
        }
      g_string_append_c (s, ']');
    }
  g_string_append (s, "]},\"properties\":{}}");
  return g_string_free (s, FALSE);
}

double
mt_fence_signed_distance (const MtFence *f,
                          MtGeoPoint     p)
{
  gboolean inside;

  if (f->shape == MT_FENCE_CIRCLE)
    return mt_geo_distance_m (f->center, p) - f->radius_m;
  /* far outside the bounds: the distance to the bounds is enough to know the side, and spares
   * walking every edge for each report of a battery in another city */
  if (p.lat < f->south - 0.01 || p.lat > f->north + 0.01 || p.lng < f->west - 0.01 || p.lng > f->east + 0.01)
    {
      MtGeoPoint q = { CLAMP (p.lat, f->south, f->north), CLAMP (p.lng, f->west, f->east) };
      return mt_geo_distance_m (p, q);
    }
  inside = mt_geo_polygon_contains ((const MtGeoPoint *const *) f->rings, f->sizes, f->n_rings, p);
  return (inside ? -1 : 1) * mt_geo_rings_edge_m ((const MtGeoPoint *const *) f->rings, f->sizes, f->n_rings, p);
}

MtGeoSide
mt_fence_side (const MtFence *fence,
               MtGeoSide      previous,
               MtGeoPoint     p)
{
  return mt_geo_side_update (previous, mt_fence_signed_distance (fence, p), MT_FENCE_MARGIN_M);
}

/* ------------------------------------------------------------------ assignment */

/* The fence in the actor's scope, with permission; its operator's path into @path */
static gboolean
fence_check (MtDb          *db,
             const MtActor *actor,
             gint64         fence_id,
             char         **path,
             GError       **error)
{
  gint64 operator_id;

  if (!mt_actor_require (actor, "geofences", "edit", error))
    return FALSE;
  operator_id = mt_db_query_int (db, 0, "SELECT operator_id FROM geofences WHERE id = ? AND deleted = 0", "i", fence_id);
  if (operator_id == 0)
    {
      g_set_error (error, MT_ERROR, MT_ERROR_NOT_FOUND, _("Fence %lld does not exist"), (long long) fence_id);
      return FALSE;
    }
  if (!mt_actor_owns_operator (db, actor, operator_id))
    {
      mt_set_forbidden (error);
      return FALSE;
    }
  *path = mt_db_query_text (db, "SELECT path FROM operators WHERE id = ?", "i", operator_id);
  return TRUE;
}

/* One device for the fence: in the actor's scope and under the fence's operator */
static gboolean
device_check (MtDb          *db,
              const MtActor *actor,
              gint64         device_id,
              const char    *fence_path,
              GError       **error)
{
  sqlite3_stmt *stmt = mt_db_prepare (db, error, "SELECT d.operator_id, coalesce (d.store_id, 0), o.path, d.device_no "
                                                 "FROM devices d JOIN operators o ON o.id = d.operator_id "
                                                 "WHERE d.id = ? AND d.deleted = 0", "i", device_id);
  gboolean owned, under;
  g_autofree char *no = NULL;

  if (stmt == NULL)
    return FALSE;
  if (sqlite3_step (stmt) != SQLITE_ROW)
    {
      sqlite3_reset (stmt);
      g_set_error (error, MT_ERROR, MT_ERROR_NOT_FOUND, _("Device %lld does not exist"), (long long) device_id);
      return FALSE;
    }
  owned = mt_actor_owns_row (db, actor, sqlite3_column_int64 (stmt, 0), sqlite3_column_int64 (stmt, 1));
  under = g_str_has_prefix ((const char *) sqlite3_column_text (stmt, 2), fence_path ? fence_path : "");
  no = g_strdup ((const char *) sqlite3_column_text (stmt, 3));
  sqlite3_reset (stmt);
  if (!owned)
    {
      mt_set_forbidden (error);
      return FALSE;
    }
  if (!under)
    {
      g_set_error (error, MT_ERROR, MT_ERROR_CONFLICT,
                   _("Device %s belongs to another operator than the fence: nothing was assigned"), no);
      return FALSE;
    }
  return TRUE;
}

static gboolean
assign_one (MtDb   *db,
            gint64  fence_id,
            gint64  device_id,
            gint64  now,
            gint64 *added,
            GError **error)
{
  if (!mt_db_run (db, error, "INSERT INTO geofence_devices (created_at, updated_at, fence_id, device_id) "
                             "SELECT ?1, ?1, ?2, ?3 WHERE NOT EXISTS (SELECT 1 FROM geofence_devices "
                             "WHERE fence_id = ?2 AND device_id = ?3 AND deleted = 0)", "iii", now, fence_id, device_id))
    return FALSE;
  *added += mt_db_changes (db);
  return TRUE;
}

gint64
mt_fence_assign (MtDb          *db,
                 const MtActor *actor,
                 gint64         fence_id,
                 const gint64  *ids,
                 guint          n_ids,
                 gint64         store_id,
                 GError       **error)
{
  g_autofree char *path = NULL;
  gint64 added = 0, now = mt_now ();

  if (!mt_db_begin (db, error))
    return -1;
  if (!fence_check (db, actor, fence_id, &path, error))
    goto fail;
  for (guint i = 0; i < n_ids; i++)
    if (!device_check (db, actor, ids[i], path, error) || !assign_one (db, fence_id, ids[i], now, &added, error))
      goto fail;
  if (store_id != 0)
    {
      g_autoptr(GArray) store_devices = g_array_new (FALSE, FALSE, sizeof (gint64));
      gint64 store_operator = mt_db_query_int (db, 0, "SELECT operator_id FROM stores WHERE id = ? AND deleted = 0",
                                               "i", store_id);
      sqlite3_stmt *stmt;

      if (store_operator == 0)
        {
          g_set_error (error, MT_ERROR, MT_ERROR_NOT_FOUND, _("Store %lld does not exist"), (long long) store_id);
          goto fail;
        }
      if (!mt_actor_owns_row (db, actor, store_operator, store_id))
        {
          mt_set_forbidden (error);
          goto fail;
        }
      stmt = mt_db_prepare (db, error, "SELECT id FROM devices WHERE store_id = ? AND deleted = 0 AND state <> 'scrapped'",
                            "i", store_id);
      while (stmt && sqlite3_step (stmt) == SQLITE_ROW)
        {
          gint64 id = sqlite3_column_int64 (stmt, 0);
          g_array_append_val (store_devices, id);
        }
      if (stmt)
        sqlite3_reset (stmt);
      for (guint i = 0; i < store_devices->len; i++)
        if (!device_check (db, actor, g_array_index (store_devices, gint64, i), path, error) ||
            !assign_one (db, fence_id, g_array_index (store_devices, gint64, i), now, &added, error))
          goto fail;
    }
  mt_audit (db, actor, "geofence-assign", "geofences", fence_id, "ok", NULL);
  if (!mt_db_commit (db, error))
    return -1;
  return added;

fail:
  mt_db_rollback (db);
  return -1;
}

gint64
mt_fence_unassign (MtDb          *db,
                   const MtActor *actor,
                   gint64         fence_id,
                   const gint64  *ids,
                   guint          n_ids,
                   GError       **error)
{
  g_autofree char *path = NULL;
  gint64 removed = 0, now = mt_now ();

  if (!mt_db_begin (db, error))
    return -1;
  if (!fence_check (db, actor, fence_id, &path, error))
    goto fail;
  if (n_ids == 0)
    {
      if (!mt_db_run (db, error, "UPDATE geofence_devices SET deleted = 1, version = version + 1, updated_at = ? "
                                 "WHERE fence_id = ? AND deleted = 0", "ii", now, fence_id))
        goto fail;
      removed = mt_db_changes (db);
    }
  for (guint i = 0; i < n_ids; i++)
    {
      if (!device_check (db, actor, ids[i], path, error) ||
          !mt_db_run (db, error, "UPDATE geofence_devices SET deleted = 1, version = version + 1, updated_at = ? "
                                 "WHERE fence_id = ? AND device_id = ? AND deleted = 0", "iii", now, fence_id, ids[i]))
        goto fail;
      removed += mt_db_changes (db);
    }
  mt_audit (db, actor, "geofence-unassign", "geofences", fence_id, "ok", NULL);
  if (!mt_db_commit (db, error))
    return -1;
  return removed;

fail:
  mt_db_rollback (db);
  return -1;
}
