/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mt-geocoder"

#include "config.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <math.h>
#include <string.h>

#include "mt-error.h"
#include "mt-geocoder.h"

#define MAX_ANSWER  (1024 * 1024)
#define MAX_PLACES  10

/* A coordinate given as a number or as numeric text (Nominatim writes text) */
static gboolean
coordinate (JsonNode *node,
            double    min,
            double    max,
            double   *out)
{
  char *end = NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;
  if (json_node_get_value_type (node) == G_TYPE_STRING)
    {
      const char *text = json_node_get_string (node);

      *out = g_ascii_strtod (text, &end);
      if (end == text || *end != '\0')
        return FALSE;
    }
  else if (json_node_get_value_type (node) == G_TYPE_DOUBLE || json_node_get_value_type (node) == G_TYPE_INT64)
    *out = json_node_get_double (node);
  else
    return FALSE;
  return isfinite (*out) && *out >= min && *out <= max;
}

GPtrArray *
mt_geocoder_parse (const char  *body,
                   gsize        length,
                   GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  GPtrArray *places;
  JsonArray *list;

  if (body == NULL || !json_parser_load_from_data (parser, body, (gssize) length, NULL) ||
      !JSON_NODE_HOLDS_ARRAY (json_parser_get_root (parser)))
    {
      g_set_error (error, MT_ERROR, MT_ERROR_INVALID, _("The geocoder's answer is not a list of places"));
      return NULL;
    }
  list = json_node_get_array (json_parser_get_root (parser));
  places = g_ptr_array_new_with_free_func ((GDestroyNotify) mt_found_place_free);
  for (guint i = 0; i < json_array_get_length (list) && places->len < MAX_PLACES; i++)
    {
      JsonNode *node = json_array_get_element (list, i);
      JsonObject *o = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
      const char *name = NULL, *display = NULL;
      MtFoundPlace *place;
      MtGeoPoint at;

      if (o == NULL || !coordinate (json_object_get_member (o, "lat"), -90, 90, &at.lat) ||
          !coordinate (json_object_get_member (o, "lon"), -180, 180, &at.lng))
        continue;
      if (json_object_has_member (o, "display_name") && JSON_NODE_HOLDS_VALUE (json_object_get_member (o, "display_name")))
        display = json_object_get_string_member (o, "display_name");
      if (json_object_has_member (o, "name") && JSON_NODE_HOLDS_VALUE (json_object_get_member (o, "name")))
        name = json_object_get_string_member (o, "name");
      if ((display == NULL || *display == '\0') && (name == NULL || *name == '\0'))
        continue;
      if (!g_utf8_validate (display ? display : "", -1, NULL) || !g_utf8_validate (name ? name : "", -1, NULL))
        continue;
      place = g_new0 (MtFoundPlace, 1);
      place->at = at;
      /* "西湖, 杭州市, 浙江省, 中国": the first part is the place, the rest where it is */
      if (name != NULL && *name)
        {
          place->name = g_utf8_substring (name, 0, MIN (g_utf8_strlen (name, -1), 80));
          place->detail = g_strdup (display ? display : "");
        }
      else
        {
          const char *comma = strchr (display, ',');

          place->name = comma ? g_strndup (display, comma - display) : g_strdup (display);
          place->detail = g_strstrip (g_strdup (comma ? comma + 1 : ""));
        }
      {
        JsonNode *box = json_object_get_member (o, "boundingbox");
        double b[4];

        if (box != NULL && JSON_NODE_HOLDS_ARRAY (box) && json_array_get_length (json_node_get_array (box)) == 4 &&
            coordinate (json_array_get_element (json_node_get_array (box), 0), -90, 90, &b[0]) &&
            coordinate (json_array_get_element (json_node_get_array (box), 1), -90, 90, &b[1]) &&
            coordinate (json_array_get_element (json_node_get_array (box), 2), -180, 180, &b[2]) &&
            coordinate (json_array_get_element (json_node_get_array (box), 3), -180, 180, &b[3]) &&
            b[0] < b[1] && b[2] < b[3])
          place->south = b[0], place->north = b[1], place->west = b[2], place->east = b[3];
      }
      g_ptr_array_add (places, place);
    }
  return places;
}

static void
read_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      data)
{
  g_autoptr(GTask) task = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (source), result);
  guint status = msg ? soup_message_get_status (msg) : 0;
  GPtrArray *places;
  gsize size = 0;
  const char *body;

  if (bytes == NULL)
    {
      g_task_return_new_error (task, MT_ERROR, MT_ERROR_OFFLINE, _("The geocoder cannot be reached: %s"),
                               error->message);
      return;
    }
  if (!SOUP_STATUS_IS_SUCCESSFUL (status))
    {
      g_task_return_new_error (task, MT_ERROR, MT_ERROR_OFFLINE, _("The geocoder refused the search (HTTP %u)"),
                               status);
      return;
    }
  body = g_bytes_get_data (bytes, &size);
  if (size > MAX_ANSWER)
    {
      g_task_return_new_error (task, MT_ERROR, MT_ERROR_INVALID, _("The geocoder's answer is too large"));
      return;
    }
  places = mt_geocoder_parse (body, size, &error);
  if (places == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, places, (GDestroyNotify) g_ptr_array_unref);
}

void
mt_geocoder_search_async (const char          *url_template,
                          const char          *text,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             data)
{
  static SoupSession *session = NULL;
  GTask *task = g_task_new (NULL, cancellable, callback, data);
  g_autofree char *words = g_uri_escape_string (text ? text : "", NULL, FALSE);
  g_autoptr(GString) url = g_string_new (url_template ? url_template : "");
  g_autoptr(SoupMessage) msg = NULL;

  g_task_set_source_tag (task, mt_geocoder_search_async);
  g_string_replace (url, "{q}", words, 0);
  msg = soup_message_new (SOUP_METHOD_GET, url->str);
  if (msg == NULL)
    {
      g_task_return_new_error (task, MT_ERROR, MT_ERROR_INVALID, _("The geocoder's address is not valid: %s"),
                               url->str);
      g_object_unref (task);
      return;
    }
  if (session == NULL)
    /* the public geocoders' usage policies ask that an application name itself */
    session = soup_session_new_with_options ("timeout", 10, "user-agent", "Mingtang/" PACKAGE_VERSION, NULL);
  soup_message_headers_append (soup_message_get_request_headers (msg), "Accept-Language", "zh-CN,zh;q=0.9,en;q=0.5");
  soup_session_send_and_read_async (session, msg, G_PRIORITY_DEFAULT, cancellable, read_cb, task);
}

GPtrArray *
mt_geocoder_search_finish (GAsyncResult  *result,
                           GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}
