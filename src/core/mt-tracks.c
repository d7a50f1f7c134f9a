/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mt-tracks"

#include "config.h"

#include <glib/gi18n.h>

#include "mt-db.h"
#include "mt-error.h"
#include "mt-geo.h"
#include "mt-tracks.h"

GArray *
mt_track_load (MtDb          *db,
               const MtActor *actor,
               gint64         device_id,
               gint64         from,
               gint64         to,
               GError       **error)
{
  GArray *points;
  sqlite3_stmt *stmt;
  gint64 operator_id, store_id;

  if (!mt_actor_require (actor, "tracks", "view", error))
    return NULL;
  if (to < from)
    {
      mt_set_field_error (error, "to", _("End"), _("must not be before the start"));
      return NULL;
    }
  if (to - from > (gint64) MT_TRACK_MAX_DAYS * 86400 * G_USEC_PER_SEC)
    {
      mt_set_field_error (error, "to", _("End"), _("must be at most 93 days after the start"));
      return NULL;
    }
  stmt = mt_db_prepare (db, error, "SELECT operator_id, coalesce (store_id, 0) FROM devices WHERE id = ? AND deleted = 0",
                        "i", device_id);
  if (stmt == NULL)
    return NULL;
  if (sqlite3_step (stmt) != SQLITE_ROW)
    {
      sqlite3_reset (stmt);
      g_set_error (error, MT_ERROR, MT_ERROR_NOT_FOUND, _("Device %lld does not exist"), (long long) device_id);
      return NULL;
    }
  operator_id = sqlite3_column_int64 (stmt, 0);
  store_id = sqlite3_column_int64 (stmt, 1);
  sqlite3_reset (stmt);
  if (!mt_actor_owns_row (db, actor, operator_id, store_id))
    {
      mt_set_forbidden (error);
      return NULL;
    }
  /* the table's own key (device, time): a range scan, however many devices share the table */
  stmt = mt_db_prepare (db, error, "SELECT at, lat, lng, coalesce (speed_kmh, -1), coalesce (soc, -1) FROM track_points "
                                   "WHERE device_id = ? AND at BETWEEN ? AND ? ORDER BY at LIMIT ?",
                        "iiii", device_id, from, to, (gint64) MT_TRACK_MAX_POINTS);
  if (stmt == NULL)
    return NULL;
  points = g_array_new (FALSE, FALSE, sizeof (MtTrackPoint));
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      MtTrackPoint p = { sqlite3_column_int64 (stmt, 0), sqlite3_column_double (stmt, 1),
                         sqlite3_column_double (stmt, 2), (float) sqlite3_column_double (stmt, 3),
                         (gint16) sqlite3_column_int (stmt, 4) };
      g_array_append_val (points, p);
    }
  sqlite3_reset (stmt);
  return points;
}

GArray *
mt_track_stops (const MtTrackPoint *points,
                guint               n_points,
                gint64              min_us,
                double              radius_m)
{
  GArray *stops = g_array_new (FALSE, FALSE, sizeof (MtTrackStop));
  guint i = 0;

  while (i < n_points)
    {
      MtGeoPoint anchor = { points[i].lat, points[i].lng };
      guint j = i + 1;

      /* as long as the device stays near where this run began */
      while (j < n_points && mt_geo_distance_m (anchor, (MtGeoPoint) { points[j].lat, points[j].lng }) <= radius_m)
        j++;
      if (points[j - 1].at - points[i].at >= min_us)
        {
          MtTrackStop stop = { i, j - 1, points[i].at, points[j - 1].at };
          g_array_append_val (stops, stop);
          i = j;
        }
      else
        i++;
    }
  return stops;
}

double
mt_track_distance_m (const MtTrackPoint *points,
                     guint               n_points)
{
  double total = 0;

  for (guint i = 1; i < n_points; i++)
    total += mt_geo_distance_m ((MtGeoPoint) { points[i - 1].lat, points[i - 1].lng },
                                (MtGeoPoint) { points[i].lat, points[i].lng });
  return total;
}

guint
mt_track_find (const MtTrackPoint *points,
               guint               n_points,
               gint64              at)
{
  guint lo = 0, hi = n_points;

  /* the first point after @at, then one back */
  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;

      if (points[mid].at <= at)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo > 0 ? lo - 1 : 0;
}

JsonNode *
mt_track_to_json (const MtTrackPoint *points,
                  guint               n_points)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "points");
  json_builder_begin_array (b);
  for (guint i = 0; i < n_points; i++)
    {
      json_builder_begin_array (b);
      json_builder_add_int_value (b, points[i].at);
      json_builder_add_double_value (b, points[i].lat);
      json_builder_add_double_value (b, points[i].lng);
      if (points[i].speed_kmh < 0)
        json_builder_add_null_value (b);
      else
        json_builder_add_double_value (b, points[i].speed_kmh);
      if (points[i].soc < 0)
        json_builder_add_null_value (b);
      else
        json_builder_add_int_value (b, points[i].soc);
      json_builder_end_array (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

static gboolean
number_at (JsonArray *a,
           guint      i,
           gboolean   nullable,
           double    *out)
{
  JsonNode *n = json_array_get_element (a, i);

  if (nullable && JSON_NODE_HOLDS_NULL (n))
    {
      *out = -1;
      return TRUE;
    }
  if (!JSON_NODE_HOLDS_VALUE (n) || (json_node_get_value_type (n) != G_TYPE_DOUBLE &&
                                     json_node_get_value_type (n) != G_TYPE_INT64))
    return FALSE;
  *out = json_node_get_double (n);
  return TRUE;
}

GArray *
mt_track_from_json (JsonNode *node,
                    GError  **error)
{
  g_autoptr(GArray) points = g_array_new (FALSE, FALSE, sizeof (MtTrackPoint));
  JsonArray *rows;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node) ||
      !json_object_has_member (json_node_get_object (node), "points") ||
      !JSON_NODE_HOLDS_ARRAY (json_object_get_member (json_node_get_object (node), "points")))
    {
      mt_set_field_error (error, "points", _("Track"), _("is not a list of points"));
      return NULL;
    }
  rows = json_object_get_array_member (json_node_get_object (node), "points");
  for (guint i = 0; i < json_array_get_length (rows); i++)
    {
      JsonNode *row = json_array_get_element (rows, i);
      JsonArray *a = JSON_NODE_HOLDS_ARRAY (row) ? json_node_get_array (row) : NULL;
      double at, lat, lng, speed, soc;
      MtTrackPoint p;

      if (a == NULL || json_array_get_length (a) != 5 || !number_at (a, 0, FALSE, &at) ||
          !number_at (a, 1, FALSE, &lat) || !number_at (a, 2, FALSE, &lng) || !number_at (a, 3, TRUE, &speed) ||
          !number_at (a, 4, TRUE, &soc) || lat < -90 || lat > 90 || lng < -180 || lng > 180)
        {
          mt_set_field_error (error, "points", _("Track"), _("has a point that is not [time, latitude, longitude, "
                                                             "speed, SOC]"));
          return NULL;
        }
      p.at = (gint64) at;
      p.lat = lat;
      p.lng = lng;
      p.speed_kmh = (float) speed;
      p.soc = (gint16) soc;
      g_array_append_val (points, p);
    }
  return g_steal_pointer (&points);
}
