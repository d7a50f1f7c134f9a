/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Map tiles for every map of the console. libshumate 1.0's own downloader keeps a tile on disk
 * by replacing the file and writing into it; when the tile is cancelled meanwhile (the map moved
 * on), the output stream is still closed, and closing a replacing stream moves the half-written
 * (often empty) file into place. Read back later, it is "not an image": a warning on every draw
 * and a blank square on the map. Here a tile reaches the disk only whole (written beside and
 * renamed over), and what is read or downloaded is checked to be an image before it is drawn. */
#define G_LOG_DOMAIN "mt-tiles"

#include "config.h"

#include <glib/gi18n.h>
#include <libsoup/soup.h>
#include <errno.h>
#include <string.h>

#include "mt-tile-source.h"

#define TILE_LIFETIME_US (7 * G_TIME_SPAN_DAY)
#define MAX_TILE_BYTES   (2 * 1024 * 1024)

struct _MtTileSource
{
  ShumateDataSource parent_instance;
  char             *url_template;
  char             *servers;     /* what {s} takes, or NULL */
  char             *cache_dir;
  SoupSession      *session;
};

enum { SIGNAL_FETCHED, N_SIGNALS };
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (MtTileSource, mt_tile_source, SHUMATE_TYPE_DATA_SOURCE)

typedef struct
{
  int     x, y, z;
  char   *path;
  GBytes *cached;   /* an older copy, used should the download fail */
} Request;

static void
request_free (Request *r)
{
  g_free (r->path);
  g_clear_pointer (&r->cached, g_bytes_unref);
  g_free (r);
}

gboolean
mt_tile_bytes_look_valid (GBytes *bytes)
{
  gsize size = 0;
  const guint8 *data = bytes ? g_bytes_get_data (bytes, &size) : NULL;

  if (data == NULL || size < 12 || size > MAX_TILE_BYTES)
    return FALSE;
  return memcmp (data, "\x89PNG\r\n\x1a\n", 8) == 0 ||           /* PNG */
         (data[0] == 0xff && data[1] == 0xd8 && data[2] == 0xff) || /* JPEG */
         (memcmp (data, "RIFF", 4) == 0 && memcmp (data + 8, "WEBP", 4) == 0);
}

char *
mt_tile_source_get_path (MtTileSource *self,
                         int           x,
                         int           y,
                         int           z)
{
  g_autofree char *zs = g_strdup_printf ("%d", z);
  g_autofree char *xs = g_strdup_printf ("%d", x);
  g_autofree char *ys = g_strdup_printf ("%d.tile", y);

  return g_build_filename (self->cache_dir, zs, xs, ys, NULL);
}

static char *
tile_url (MtTileSource *self,
          int           x,
          int           y,
          int           z)
{
  g_autoptr(GString) url = g_string_new (self->url_template);
  g_autofree char *xs = g_strdup_printf ("%d", x);
  g_autofree char *ys = g_strdup_printf ("%d", y);
  g_autofree char *zs = g_strdup_printf ("%d", z);
  g_autofree char *tms = g_strdup_printf ("%d", (1 << z) - y - 1);

  g_string_replace (url, "{x}", xs, 0);
  g_string_replace (url, "{y}", ys, 0);
  g_string_replace (url, "{z}", zs, 0);
  g_string_replace (url, "{tmsy}", tms, 0);
  if (self->servers != NULL && *self->servers)
    {
      /* one server a tile, the same one each time (its cache stays warm) */
      char server[2] = { self->servers[(guint) (x + y) % strlen (self->servers)], '\0' };

      g_string_replace (url, "{s}", server, 0);
    }
  return g_string_free (g_steal_pointer (&url), FALSE);
}

/* Off the main thread: the tile written beside its file and renamed over it */
static void
store_thread (GTask        *task,
              gpointer      source,
              gpointer      data,
              GCancellable *cancellable)
{
  Request *r = data;
  g_autofree char *dir = g_path_get_dirname (r->path);
  g_autoptr(GError) error = NULL;
  gsize size;
  const char *bytes = g_bytes_get_data (r->cached, &size);

  if (g_mkdir_with_parents (dir, 0700) != 0 ||
      !g_file_set_contents_full (r->path, bytes, size, G_FILE_SET_CONTENTS_CONSISTENT, 0600, &error))
    g_debug ("Tile %d/%d/%d not kept: %s", r->z, r->x, r->y, error ? error->message : g_strerror (errno));
  g_task_return_boolean (task, TRUE);
}

static void
store (MtTileSource *self,
       Request      *r,
       GBytes       *bytes)
{
  Request *copy = g_new0 (Request, 1);
  g_autoptr(GTask) task = g_task_new (self, NULL, NULL, NULL);

  copy->x = r->x, copy->y = r->y, copy->z = r->z;
  copy->path = g_strdup (r->path);
  copy->cached = g_bytes_ref (bytes);
  g_task_set_task_data (task, copy, (GDestroyNotify) request_free);
  g_task_run_in_thread (task, store_thread);
}

static void
downloaded_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      data)
{
  g_autoptr(GTask) task = data;
  MtTileSource *self = g_task_get_source_object (task);
  Request *r = g_task_get_task_data (task);
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (object), result);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = soup_session_send_and_read_finish (SOUP_SESSION (object), result, &error);
  guint status = msg ? soup_message_get_status (msg) : 0;

  if (bytes != NULL && SOUP_STATUS_IS_SUCCESSFUL (status) && mt_tile_bytes_look_valid (bytes))
    {
      g_signal_emit (self, signals[SIGNAL_FETCHED], 0, TRUE, NULL);
      g_signal_emit_by_name (self, "received-data", r->x, r->y, r->z, bytes);
      store (self, r, bytes);
      g_task_return_pointer (task, g_steal_pointer (&bytes), (GDestroyNotify) g_bytes_unref);
      return;
    }
  if (r->cached != NULL)   /* offline, or the server failed: last week's tile will do */
    {
      g_task_return_pointer (task, g_bytes_ref (r->cached), (GDestroyNotify) g_bytes_unref);
      return;
    }
  if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_autofree char *reason = error ? g_strdup (error->message)
                                : bytes && SOUP_STATUS_IS_SUCCESSFUL (status) ? g_strdup (_("what came back is not an image"))
                                : g_strdup_printf (_("the server answered %u"), status);
      g_signal_emit (self, signals[SIGNAL_FETCHED], 0, FALSE, reason);
    }
  if (error != NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "Tile %d/%d/%d: HTTP %u, no image",
                             r->z, r->x, r->y, status);
}

static void
download (GTask *task)
{
  MtTileSource *self = g_task_get_source_object (task);
  Request *r = g_task_get_task_data (task);
  g_autofree char *url = tile_url (self, r->x, r->y, r->z);
  g_autoptr(SoupMessage) msg = soup_message_new (SOUP_METHOD_GET, url);

  if (msg == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "Not a tile address: %s", url);
      g_object_unref (task);
      return;
    }
  soup_session_send_and_read_async (self->session, msg, G_PRIORITY_DEFAULT, g_task_get_cancellable (task),
                                    downloaded_cb, task);
}

static void
cache_read_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      data)
{
  GTask *task = data;
  MtTileSource *self = g_task_get_source_object (task);
  Request *r = g_task_get_task_data (task);
  g_autoptr(GBytes) bytes = g_file_load_bytes_finish (G_FILE (object), result, NULL, NULL);
  g_autoptr(GFileInfo) info = NULL;
  gboolean fresh = FALSE;

  if (bytes != NULL && !mt_tile_bytes_look_valid (bytes))
    {
      /* not an image (a file another program cut short): dropped, fetched again */
      g_file_delete (G_FILE (object), NULL, NULL);
      g_clear_pointer (&bytes, g_bytes_unref);
    }
  if (bytes != NULL)
    {
      info = g_file_query_info (G_FILE (object), G_FILE_ATTRIBUTE_TIME_MODIFIED, G_FILE_QUERY_INFO_NONE, NULL, NULL);
      if (info != NULL)
        {
          g_autoptr(GDateTime) modified = g_file_info_get_modification_date_time (info);
          fresh = modified != NULL && g_get_real_time () - g_date_time_to_unix (modified) * G_USEC_PER_SEC
                                      < TILE_LIFETIME_US;
        }
      g_signal_emit_by_name (self, "received-data", r->x, r->y, r->z, bytes);
      if (fresh)
        g_signal_emit (self, signals[SIGNAL_FETCHED], 0, TRUE, NULL);
      if (fresh)
        {
          g_task_return_pointer (task, g_steal_pointer (&bytes), (GDestroyNotify) g_bytes_unref);
          g_object_unref (task);
          return;
        }
      r->cached = g_steal_pointer (&bytes);
    }
  if (g_task_return_error_if_cancelled (task))
    {
      g_object_unref (task);
      return;
    }
  download (task);
}

static void
get_tile_data_async (ShumateDataSource   *source,
                     int                  x,
                     int                  y,
                     int                  zoom_level,
                     GCancellable        *cancellable,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data)
{
  MtTileSource *self = MT_TILE_SOURCE (source);
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  Request *r = g_new0 (Request, 1);
  g_autoptr(GFile) file = NULL;

  g_task_set_source_tag (task, get_tile_data_async);
  r->x = x, r->y = y, r->z = zoom_level;
  r->path = mt_tile_source_get_path (self, x, y, zoom_level);
  g_task_set_task_data (task, r, (GDestroyNotify) request_free);
  file = g_file_new_for_path (r->path);
  g_file_load_bytes_async (file, cancellable, cache_read_cb, task);
}

static GBytes *
get_tile_data_finish (ShumateDataSource  *source,
                      GAsyncResult       *result,
                      GError            **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
mt_tile_source_finalize (GObject *object)
{
  MtTileSource *self = MT_TILE_SOURCE (object);

  g_free (self->url_template);
  g_free (self->servers);
  g_free (self->cache_dir);
  g_clear_object (&self->session);
  G_OBJECT_CLASS (mt_tile_source_parent_class)->finalize (object);
}

static void
mt_tile_source_class_init (MtTileSourceClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = mt_tile_source_finalize;
  SHUMATE_DATA_SOURCE_CLASS (klass)->get_tile_data_async = get_tile_data_async;
  SHUMATE_DATA_SOURCE_CLASS (klass)->get_tile_data_finish = get_tile_data_finish;
  /* a tile drawn (TRUE), or none to draw: not fetched and none kept (FALSE, with why) */
  signals[SIGNAL_FETCHED] = g_signal_new ("fetched", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                                          NULL, G_TYPE_NONE, 2, G_TYPE_BOOLEAN, G_TYPE_STRING);
}

static void
mt_tile_source_init (MtTileSource *self)
{
}

MtTileSource *
mt_tile_source_new (const char *url_template,
                    const char *cache_dir,
                    const char *user_agent)
{
  MtTileSource *self = g_object_new (MT_TYPE_TILE_SOURCE, NULL);

  self->url_template = g_strdup (url_template);
  self->cache_dir = g_strdup (cache_dir);
  /* as many connections as libshumate's own downloader opens to one server */
  self->session = soup_session_new_with_options ("user-agent", user_agent, "max-conns-per-host", 2,
                                                 "max-conns", 2, NULL);
  return self;
}

void
mt_tile_source_set_servers (MtTileSource *self,
                            const char   *servers)
{
  g_free (self->servers);
  self->servers = g_strdup (servers);
}
