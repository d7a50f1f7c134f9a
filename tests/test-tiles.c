/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <cairo.h>
#include <libsoup/soup.h>
#include <stdio.h>

#include "test-tiles.h"

struct _MtTileServer
{
  SoupServer *soup;
  char       *url;
  char       *down_url;
  char       *geocoder_url;
  guint       searches;
  guint       count;
};

static cairo_status_t
append_cb (void                *data,
           const unsigned char *bytes,
           unsigned int         length)
{
  g_byte_array_append (data, bytes, length);
  return CAIRO_STATUS_SUCCESS;
}

/* A tile that shows where it is: light land, a road grid, its address in a corner */
static GBytes *
tile_draw (int z,
           int x,
           int y)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, 256, 256);
  cairo_t *cr = cairo_create (surface);
  GByteArray *png = g_byte_array_new ();
  char text[64];

  cairo_set_source_rgb (cr, 0.949, 0.937, 0.914);
  cairo_paint (cr);
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_set_line_width (cr, 6);
  for (int i = 32; i < 256; i += 64)
    {
      cairo_move_to (cr, i, 0), cairo_line_to (cr, i, 256);
      cairo_move_to (cr, 0, i), cairo_line_to (cr, 256, i);
    }
  cairo_stroke (cr);
  cairo_set_source_rgb (cr, 0.85, 0.83, 0.80);
  cairo_set_line_width (cr, 1);
  cairo_rectangle (cr, 0.5, 0.5, 255, 255);
  cairo_stroke (cr);
  g_snprintf (text, sizeof text, "%d/%d/%d", z, x, y);
  cairo_set_source_rgb (cr, 0.6, 0.58, 0.55);
  cairo_move_to (cr, 6, 16);
  cairo_show_text (cr, text);
  cairo_destroy (cr);
  cairo_surface_write_to_png_stream (surface, append_cb, png);
  cairo_surface_destroy (surface);
  return g_byte_array_free_to_bytes (png);
}

static void
tile_cb (SoupServer        *soup,
         SoupServerMessage *msg,
         const char        *path,
         GHashTable        *query,
         gpointer           data)
{
  MtTileServer *self = data;
  int z, x, y;
  g_autoptr(GBytes) png = NULL;

  /* a geocoder of the Nominatim kind: a place with its bounds, one with a number for a
   * coordinate, and what a hostile one may send besides */
  if (g_str_equal (path, "/search"))
    {
      const char *q = query ? g_hash_table_lookup (query, "q") : NULL;
      static const char places[] =
        "[{\"display_name\":\"西湖, 西湖区, 杭州市, 浙江省, 中国\",\"lat\":\"30.2431\",\"lon\":\"120.1497\","
        "\"boundingbox\":[\"30.21\",\"30.27\",\"120.12\",\"120.17\"]},"
        "{\"name\":\"西湖公园\",\"display_name\":\"西湖公园, 鼓楼区, 福州市, 福建省, 中国\",\"lat\":26.09,\"lon\":119.29},"
        "{\"display_name\":\"beyond the pole\",\"lat\":\"95\",\"lon\":\"1\"},"
        "{\"display_name\":\"not a number\",\"lat\":\"3O.2\",\"lon\":\"120\"},"
        "{\"lat\":\"30\",\"lon\":\"120\"}, 5, null, [1, 2],"
        "{\"display_name\":\"bad bounds\",\"lat\":\"31\",\"lon\":\"121\",\"boundingbox\":[\"40\",\"30\",\"x\",\"1\"]}]";

      self->searches++;
      if (g_strcmp0 (q, "garbage") == 0)
        soup_server_message_set_response (msg, "text/html", SOUP_MEMORY_STATIC, "<html>busy</html>", 17);
      else if (g_strcmp0 (q, "error") == 0)
        {
          soup_server_message_set_status (msg, 503, NULL);
          return;
        }
      else if (q != NULL && g_str_has_prefix (q, "西湖"))
        soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_STATIC, places, sizeof places - 1);
      else
        soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_STATIC, "[]", 2);
      soup_server_message_set_status (msg, 200, NULL);
      return;
    }
  /* a tile server that is down */
  if (g_str_has_prefix (path, "/down/"))
    {
      soup_server_message_set_status (msg, 503, NULL);
      return;
    }
  /* a broken tile server: 200 with something that is not an image */
  if (g_str_has_prefix (path, "/garbage/"))
    {
      static const char text[] = "<html>rate limited</html>";
      soup_server_message_set_status (msg, 200, NULL);
      soup_server_message_set_response (msg, "image/png", SOUP_MEMORY_STATIC, text, sizeof text - 1);
      return;
    }

  if (sscanf (path, "/%d/%d/%d.png", &z, &x, &y) != 3 || z < 0 || z > 22 || x < 0 || y < 0 || x >= (1 << z) ||
      y >= (1 << z))
    {
      soup_server_message_set_status (msg, 404, NULL);
      return;
    }
  png = tile_draw (z, x, y);
  self->count++;
  soup_server_message_set_status (msg, 200, NULL);
  soup_message_headers_set_content_type (soup_server_message_get_response_headers (msg), "image/png", NULL);
  soup_server_message_set_response (msg, "image/png", SOUP_MEMORY_COPY, g_bytes_get_data (png, NULL),
                                    g_bytes_get_size (png));
}

MtTileServer *
mt_tile_server_start (void)
{
  MtTileServer *self = g_new0 (MtTileServer, 1);
  g_autoptr(GError) error = NULL;
  GSList *uris;

  self->soup = soup_server_new (NULL, NULL);
  soup_server_add_handler (self->soup, "/", tile_cb, self, NULL);
  if (!soup_server_listen_local (self->soup, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error))
    g_error ("No tile server: %s", error->message);
  uris = soup_server_get_uris (self->soup);
  self->url = g_strdup_printf ("http://127.0.0.1:%d/{z}/{x}/{y}.png", g_uri_get_port (uris->data));
  self->down_url = g_strdup_printf ("http://127.0.0.1:%d/down/{z}/{x}/{y}.png", g_uri_get_port (uris->data));
  self->geocoder_url = g_strdup_printf ("http://127.0.0.1:%d/search?format=jsonv2&q={q}", g_uri_get_port (uris->data));
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  return self;
}

const char *
mt_tile_server_get_url (MtTileServer *self)
{
  return self->url;
}

const char *
mt_tile_server_get_down_url (MtTileServer *self)
{
  return self->down_url;
}

const char *
mt_tile_server_get_geocoder_url (MtTileServer *self)
{
  return self->geocoder_url;
}

guint
mt_tile_server_get_searches (MtTileServer *self)
{
  return self->searches;
}

guint
mt_tile_server_get_count (MtTileServer *self)
{
  return self->count;
}

void
mt_tile_server_stop (MtTileServer *self)
{
  soup_server_disconnect (self->soup);
  g_object_unref (self->soup);
  g_free (self->url);
  g_free (self->down_url);
  g_free (self->geocoder_url);
  g_free (self);
}
