/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mt-sync"

#include "config.h"

#include <glib/gi18n.h>
#include <libsoup/soup.h>

#include "mt-api.h"
#include "mt-db.h"
#include "mt-error.h"
#include "mt-sync-engine.h"

#define PAGE_LIMIT 2000
#define SNAPSHOT_LIMIT 5000
#define MAX_BACKOFF_SECONDS 30

struct _MtSyncEngine
{
  GObject                  parent_instance;
  char                    *url;        /* ends in "/api/v1/" */
  MtDb                    *replica;
  GHashTable              *columns;    /* table → GStrv of its columns */
  GHashTable              *fillers;    /* table → GStrv: column, SQL literal, … for every column:
                                        * what stands in for it when the server withholds it */
  SoupSession             *session;
  char                    *token;
  gboolean                 online;
  gint64                   cursor;

  /* one pull at a time; a request meanwhile runs another one after it */
  GTask                   *pull;
  GPtrArray               *pull_waiting;   /* GTask: asked while it ran; answered after a new round */
  gboolean                 pull_again;
  gint64                   pulled;
  gint64                   expected;   /* rows a first sync will read, 0 unknown */

  /* a first sync copies the tables, then follows the journal from where it stood */
  GPtrArray               *snapshot_tables;   /* char *: the server's tables for this account */
  guint                    snapshot_index;
  gint64                   snapshot_after;    /* last id read of that table */
  gint64                   snapshot_cursor;   /* the journal's position when the copy began */

  gboolean                 started;
  SoupWebsocketConnection *events;
  GCancellable            *events_cancellable;
  guint                    reconnect_id;
  guint                    backoff;
};

G_DEFINE_FINAL_TYPE (MtSyncEngine, mt_sync_engine, G_TYPE_OBJECT)

enum { PROP_0, PROP_ONLINE, N_PROPS };
static GParamSpec *properties[N_PROPS];

enum { CHANGED, PROGRESS, N_SIGNALS };
static guint signals[N_SIGNALS];

static void connect_events (MtSyncEngine *self);

/* ------------------------------------------------------------------ object */

static void
set_online (MtSyncEngine *self,
            gboolean      online)
{
  if (self->online == online)
    return;
  self->online = online;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ONLINE]);
}

static void
mt_sync_engine_dispose (GObject *object)
{
  MtSyncEngine *self = MT_SYNC_ENGINE (object);

  mt_sync_engine_stop (self);
  g_clear_object (&self->session);
  G_OBJECT_CLASS (mt_sync_engine_parent_class)->dispose (object);
}

static void
mt_sync_engine_finalize (GObject *object)
{
  MtSyncEngine *self = MT_SYNC_ENGINE (object);

  g_clear_pointer (&self->replica, mt_db_close);
  g_clear_pointer (&self->columns, g_hash_table_unref);
  g_clear_pointer (&self->fillers, g_hash_table_unref);
  g_clear_pointer (&self->pull_waiting, g_ptr_array_unref);
  g_clear_pointer (&self->snapshot_tables, g_ptr_array_unref);
  g_free (self->url);
  g_free (self->token);
  G_OBJECT_CLASS (mt_sync_engine_parent_class)->finalize (object);
}

static void
mt_sync_engine_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  MtSyncEngine *self = MT_SYNC_ENGINE (object);

  switch (prop_id)
    {
    case PROP_ONLINE:
      g_value_set_boolean (value, self->online);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mt_sync_engine_class_init (MtSyncEngineClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = mt_sync_engine_dispose;
  object_class->finalize = mt_sync_engine_finalize;
  object_class->get_property = mt_sync_engine_get_property;

  properties[PROP_ONLINE] = g_param_spec_boolean ("online", NULL, NULL, FALSE,
                                                  G_PARAM_READABLE | G_PARAM_STATIC_STRINGS |
                                                  G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * MtSyncEngine::changed:
   *
   * Rows of the replica changed: lists showing it should reload.
   */
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                   NULL, NULL, NULL, G_TYPE_NONE, 0);
  /**
   * MtSyncEngine::progress:
   * @rows: rows applied so far by the running pull
   * @expected: what a first sync will read in all (journal entries, an upper bound), 0 unknown
   *
   * A page of changes went into the replica (for a first sync's progress bar).
   */
  signals[PROGRESS] = g_signal_new ("progress", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                    NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_INT64, G_TYPE_INT64);
}

static void
mt_sync_engine_init (MtSyncEngine *self)
{
  self->columns = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_strfreev);
  self->fillers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_strfreev);
  self->session = soup_session_new_with_options ("timeout", 20, "max-conns-per-host", 8, NULL);
  self->pull_waiting = g_ptr_array_new ();
}

MtSyncEngine *
mt_sync_engine_new (const char  *server_url,
                    const char  *replica_path,
                    GError     **error)
{
  g_autoptr(MtSyncEngine) self = g_object_new (MT_TYPE_SYNC_ENGINE, NULL);
  g_autofree char *cursor = NULL;

  g_return_val_if_fail (server_url != NULL && replica_path != NULL, NULL);
  self->url = g_strconcat (server_url, g_str_has_suffix (server_url, "/") ? "" : "/", "api/v1/", NULL);
  self->replica = mt_db_open (replica_path, error);
  if (self->replica == NULL)
    return NULL;
  /* a replica holds only what its account may see: references may point outside it */
  /* … and the server withholds personal columns the account's pages do not show (docs/sync.md):
   * what comes in place of them need not pass the schema's checks */
  if (!mt_db_exec (self->replica, "PRAGMA foreign_keys = OFF; PRAGMA ignore_check_constraints = ON;"
                                  "CREATE TABLE IF NOT EXISTS sync_state (key TEXT PRIMARY KEY, value TEXT);",
                   error))
    return NULL;
  /* the server keeps the journal and the ledger's rules; the replica takes rows as they come */
  {
    g_autoptr(GPtrArray) drops = g_ptr_array_new_with_free_func (g_free);
    sqlite3_stmt *stmt = mt_db_prepare (self->replica, error, "SELECT name FROM sqlite_master WHERE type = 'trigger' "
                                        "AND (name LIKE '%\\_journal\\_%' ESCAPE '\\' OR name = 'ledger_append_only')", NULL);

    if (stmt == NULL)
      return NULL;
    while (sqlite3_step (stmt) == SQLITE_ROW)
      g_ptr_array_add (drops, g_strdup_printf ("DROP TRIGGER \"%s\";", sqlite3_column_text (stmt, 0)));
    sqlite3_reset (stmt);
    /* uniqueness is the server's to keep: withheld columns arrive empty in many rows (a unique
     * index stays, for its lookups, as a plain one) */
    stmt = mt_db_prepare (self->replica, error, "SELECT name, sql FROM sqlite_master WHERE type = 'index' "
                                                "AND sql LIKE 'CREATE UNIQUE INDEX %'", NULL);
    if (stmt == NULL)
      return NULL;
    while (sqlite3_step (stmt) == SQLITE_ROW)
      g_ptr_array_add (drops, g_strdup_printf ("DROP INDEX \"%s\"; CREATE INDEX %s;", sqlite3_column_text (stmt, 0),
                                               (const char *) sqlite3_column_text (stmt, 1) +
                                               strlen ("CREATE UNIQUE INDEX ")));
    sqlite3_reset (stmt);
    for (guint i = 0; i < drops->len; i++)
      if (!mt_db_exec (self->replica, drops->pdata[i], error))
        return NULL;
  }
  cursor = mt_db_query_text (self->replica, "SELECT value FROM sync_state WHERE key = 'cursor'", NULL);
  self->cursor = cursor ? g_ascii_strtoll (cursor, NULL, 10) : 0;
  return g_steal_pointer (&self);
}

MtDb *
mt_sync_engine_get_replica (MtSyncEngine *self)
{
  g_return_val_if_fail (MT_IS_SYNC_ENGINE (self), NULL);
  return self->replica;
}

const char *
mt_sync_engine_get_token (MtSyncEngine *self)
{
  g_return_val_if_fail (MT_IS_SYNC_ENGINE (self), NULL);
  return self->token;
}

void
mt_sync_engine_set_token (MtSyncEngine *self,
                          const char   *token)
{
  g_return_if_fail (MT_IS_SYNC_ENGINE (self));
  g_free (self->token);
  self->token = g_strdup (token);
}

gboolean
mt_sync_engine_get_online (MtSyncEngine *self)
{
  g_return_val_if_fail (MT_IS_SYNC_ENGINE (self), FALSE);
  return self->online;
}

gint64
mt_sync_engine_get_cursor (MtSyncEngine *self)
{
  g_return_val_if_fail (MT_IS_SYNC_ENGINE (self), 0);
  return self->cursor;
}

/* ------------------------------------------------------------------ HTTP */

static SoupMessage *
new_message (MtSyncEngine *self,
             const char   *method,
             const char   *path,
             JsonNode     *body)
{
  g_autofree char *uri = g_strconcat (self->url, path, NULL);
  SoupMessage *msg = soup_message_new (method, uri);
  SoupMessageHeaders *headers;

  if (msg == NULL)
    return NULL;
  headers = soup_message_get_request_headers (msg);
  if (self->token)
    {
      g_autofree char *auth = g_strconcat ("Bearer ", self->token, NULL);
      soup_message_headers_replace (headers, "Authorization", auth);
    }
  soup_message_headers_replace (headers, "Accept-Language", g_get_language_names ()[0]);
  if (body)
    {
      char *text = json_to_string (body, FALSE);
      gsize length = strlen (text);
      g_autoptr(GBytes) bytes = g_bytes_new_take (text, length);

      soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
    }
  return msg;
}

/* The answer as JSON, or the server's error as an MtError */
static JsonNode *
parse_answer (MtSyncEngine *self,
              SoupMessage  *msg,
              GBytes       *bytes,
              GError      **error)
{
  static const struct { const char *name; int code; } codes[] = {
    { "invalid", MT_ERROR_INVALID }, { "not-found", MT_ERROR_NOT_FOUND }, { "conflict", MT_ERROR_CONFLICT },
    { "forbidden", MT_ERROR_FORBIDDEN }, { "unauthorized", MT_ERROR_AUTH }, { "disabled", MT_ERROR_DISABLED },
    { "throttled", MT_ERROR_THROTTLED }, { "malformed", MT_ERROR_MALFORMED },
  };
  g_autoptr(JsonParser) parser = json_parser_new ();
  guint status = soup_message_get_status (msg);
  JsonObject *problem = NULL;
  int code = MT_ERROR_FAILED;

  if (bytes != NULL && g_bytes_get_size (bytes) > 0 &&
      !json_parser_load_from_data (parser, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), NULL))
    {
      g_set_error (error, MT_ERROR, MT_ERROR_FAILED, _("The server sent an answer that is not JSON (status %u)"),
                   status);
      return NULL;
    }
  if (status < 400)
    return json_parser_get_root (parser) ? json_node_ref (json_parser_get_root (parser))
                                         : json_node_new (JSON_NODE_NULL);

  if (json_parser_get_root (parser) && JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      JsonObject *root = json_node_get_object (json_parser_get_root (parser));
      if (json_object_has_member (root, "error"))
        problem = json_object_get_object_member (root, "error");
    }
  for (guint i = 0; problem && i < G_N_ELEMENTS (codes); i++)
    if (g_strcmp0 (json_object_get_string_member_with_default (problem, "code", ""), codes[i].name) == 0)
      code = codes[i].code;
  if (problem)
    mt_set_remote_error (error, code, json_object_get_string_member_with_default (problem, "field", NULL),
                         json_object_get_string_member_with_default (problem, "message", ""));
  else
    g_set_error (error, MT_ERROR, MT_ERROR_FAILED, _("The server answered %u %s"), status,
                 soup_message_get_reason_phrase (msg));
  return NULL;
}

static void
offline_error (MtSyncEngine *self,
               const GError *cause,
               GError      **error)
{
  set_online (self, FALSE);
  g_set_error (error, MT_ERROR, MT_ERROR_OFFLINE,
               _("The server cannot be reached (%s): nothing was changed. Try again when it is back."),
               cause->message);
}

/* ------------------------------------------------------------------ replica */

/* The replica's columns of @table, or NULL when it keeps no such table (a newer server's) */
static char **
table_columns (MtSyncEngine *self,
               const char   *table)
{
  char **columns = g_hash_table_lookup (self->columns, table);
  g_autofree char *sql = NULL;
  GStrvBuilder *builder;
  sqlite3_stmt *stmt;

  if (columns)
    return columns[0] ? columns : NULL;
  for (const char *p = table; *p; p++)
    if (!(g_ascii_islower (*p) || *p == '_'))
      return NULL;
  builder = g_strv_builder_new ();
  sql = g_strdup_printf ("PRAGMA table_info (%s)", table);
  stmt = mt_db_prepare (self->replica, NULL, sql, NULL);
  while (stmt && sqlite3_step (stmt) == SQLITE_ROW)
    g_strv_builder_add (builder, (const char *) sqlite3_column_text (stmt, 1));
  if (stmt)
    sqlite3_reset (stmt);
  columns = g_strv_builder_end (builder);
  g_strv_builder_unref (builder);
  /* synced tables have a row version; local ones (sync_state …) are never written from outside */
  if (!g_strv_contains ((const char *const *) columns, "version"))
    {
      g_strfreev (columns);
      columns = g_new0 (char *, 1);
    }
  g_hash_table_insert (self->columns, g_strdup (table), columns);
  return columns[0] ? columns : NULL;
}

/* The columns of a row the server did not send — it withholds personal data the account's pages
 * do not show (docs/api.md, "Change feed") — take their default, or an empty text or 0 where
 * they must hold something: in a new row, and in a row kept from before, whose old values (from
 * before the account lost the right to them) must not stay */
static void
append_withheld (MtSyncEngine *self,
                 const char   *table,
                 GPtrArray    *sent,
                 GString      *names,
                 GString      *values,
                 GString      *updates)
{
  char **withheld = g_hash_table_lookup (self->fillers, table);

  if (withheld == NULL)
    {
      g_autofree char *sql = g_strdup_printf ("PRAGMA table_info (%s)", table);
      GStrvBuilder *builder = g_strv_builder_new ();
      sqlite3_stmt *stmt = mt_db_prepare (self->replica, NULL, sql, NULL);

      while (stmt && sqlite3_step (stmt) == SQLITE_ROW)
        {
          const char *name = (const char *) sqlite3_column_text (stmt, 1);
          const char *type = (const char *) sqlite3_column_text (stmt, 2);
          const char *fallback = sqlite3_column_int (stmt, 3) ? (g_strcmp0 (type, "TEXT") == 0 ? "''" : "0") : "NULL";

          if (g_str_equal (name, "id") || g_str_equal (name, "password_hash"))
            continue;
          g_strv_builder_add (builder, name);
          g_strv_builder_add (builder, sqlite3_column_type (stmt, 4) != SQLITE_NULL
                                       ? (const char *) sqlite3_column_text (stmt, 4) : fallback);
        }
      if (stmt)
        sqlite3_reset (stmt);
      withheld = g_strv_builder_end (builder);
      g_strv_builder_unref (builder);
      g_hash_table_insert (self->fillers, g_strdup (table), withheld);
    }
  for (guint i = 0; withheld[i]; i += 2)
    {
      gboolean present = FALSE;

      for (guint k = 0; k < sent->len && !present; k++)
        present = g_str_equal (sent->pdata[k], withheld[i]);
      if (!present)
        {
          g_string_append_printf (names, ", %s", withheld[i]);
          g_string_append_printf (values, ", %s", withheld[i + 1]);
          g_string_append_printf (updates, ", %s = excluded.%s", withheld[i], withheld[i]);
        }
    }
}

/* The row as the server has it now; columns the replica does not know are left out */
static gboolean
apply_upsert (MtSyncEngine  *self,
              const char    *table,
              JsonObject    *row,
              GError       **error)
{
  char **columns = table_columns (self, table);
  g_autoptr(GString) sql = NULL;
  g_autoptr(GString) values = g_string_new (NULL);
  g_autoptr(GString) updates = g_string_new (NULL);
  g_autoptr(GPtrArray) used = g_ptr_array_new ();
  sqlite3_stmt *stmt;
  gboolean ok;

  if (columns == NULL)
    return TRUE;   /* a newer server's table: not kept here */
  sql = g_string_new (NULL);
  for (guint i = 0; columns[i]; i++)
    if (json_object_has_member (row, columns[i]))
      {
        g_string_append_printf (sql, "%s%s", used->len ? ", " : "", columns[i]);
        g_string_append_printf (values, "%s?", used->len ? ", " : "");
        if (!g_str_equal (columns[i], "id"))
          g_string_append_printf (updates, "%s%s = excluded.%s", updates->len ? ", " : "", columns[i], columns[i]);
        g_ptr_array_add (used, columns[i]);
      }
  if (!json_object_has_member (row, "id") || updates->len == 0)
    return TRUE;
  /* the server never sends password hashes; the column is NOT NULL: keep it empty */
  if (g_strv_contains ((const char *const *) columns, "password_hash"))
    {
      g_string_append (sql, ", password_hash");
      g_string_append (values, ", ''");
    }
  append_withheld (self, table, used, sql, values, updates);
  g_string_prepend (sql, "INSERT INTO ");
  g_string_insert (sql, strlen ("INSERT INTO "), table);
  g_string_insert (sql, strlen ("INSERT INTO ") + strlen (table), " (");
  g_string_append_printf (sql, ") VALUES (%s) ON CONFLICT (id) DO UPDATE SET %s", values->str, updates->str);

  stmt = mt_db_prepare (self->replica, error, sql->str, NULL);
  if (stmt == NULL)
    return FALSE;
  for (guint i = 0; i < used->len; i++)
    {
      JsonNode *node = json_object_get_member (row, used->pdata[i]);

      if (JSON_NODE_HOLDS_NULL (node) || !JSON_NODE_HOLDS_VALUE (node))
        sqlite3_bind_null (stmt, i + 1);
      else if (json_node_get_value_type (node) == G_TYPE_INT64)
        sqlite3_bind_int64 (stmt, i + 1, json_node_get_int (node));
      else if (json_node_get_value_type (node) == G_TYPE_DOUBLE)
        sqlite3_bind_double (stmt, i + 1, json_node_get_double (node));
      else if (json_node_get_value_type (node) == G_TYPE_BOOLEAN)
        sqlite3_bind_int (stmt, i + 1, json_node_get_boolean (node));
      else
        sqlite3_bind_text (stmt, i + 1, json_node_get_string (node), -1, SQLITE_TRANSIENT);
    }
  ok = mt_db_step_error (self->replica, sqlite3_step (stmt), error);
  sqlite3_reset (stmt);
  return ok;
}

/* @object's member @name when it is an array (a server's answer is checked, not trusted) */
static JsonArray *
array_member (JsonObject *object,
              const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  return node && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
}

static gboolean
apply_page (MtSyncEngine  *self,
            JsonObject    *page,
            guint         *applied,
            GError       **error)
{
  JsonArray *changes = array_member (page, "changes");
  gint64 cursor = json_object_get_int_member_with_default (page, "cursor", -1);
  g_autofree char *cursor_text = g_strdup_printf ("%" G_GINT64_FORMAT, cursor);

  if (changes == NULL || cursor < 0)
    return FALSE;   /* the caller says the page makes no sense */
  if (!mt_db_begin (self->replica, error))
    return FALSE;
  for (guint i = 0; i < json_array_get_length (changes); i++)
    {
      JsonNode *node = json_array_get_element (changes, i);
      JsonObject *change = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
      JsonNode *row = change ? json_object_get_member (change, "row") : NULL;
      const char *table = change ? json_object_get_string_member_with_default (change, "table", "") : "";
      const char *op = change ? json_object_get_string_member_with_default (change, "op", "") : "";
      gboolean ok;

      if (table_columns (self, table) == NULL)
        continue;   /* a newer server's table, or no change at all: not kept here */
      if (g_str_equal (op, "upsert") && row && JSON_NODE_HOLDS_OBJECT (row))
        ok = apply_upsert (self, table, json_node_get_object (row), error);
      else if (g_str_equal (op, "remove"))
        {
          g_autofree char *sql = g_strdup_printf ("UPDATE %s SET deleted = 1 WHERE id = ? AND deleted = 0", table);
          ok = mt_db_run (self->replica, error, sql, "i",
                          json_object_get_int_member_with_default (change, "id", 0));
        }
      else
        ok = FALSE;   /* neither: the page makes no sense, and nothing of it is kept */
      if (!ok)
        {
          mt_db_rollback (self->replica);
          return FALSE;
        }
      (*applied)++;
    }
  if (!mt_db_run (self->replica, error, "INSERT INTO sync_state (key, value) VALUES ('cursor', ?) "
                                        "ON CONFLICT (key) DO UPDATE SET value = excluded.value", "t", cursor_text))
    {
      mt_db_rollback (self->replica);
      return FALSE;
    }
  if (!mt_db_commit (self->replica, error))
    return FALSE;
  self->cursor = cursor;
  return TRUE;
}

/* ------------------------------------------------------------------ pull */

static void pull_next (MtSyncEngine *self);

static void
pull_finish_task (MtSyncEngine *self,
                  GError       *error)
{
  g_autoptr(GTask) task = g_steal_pointer (&self->pull);
  g_autoptr(GPtrArray) waiting = g_steal_pointer (&self->pull_waiting);
  gint64 pulled = self->pulled;

  self->pull_waiting = g_ptr_array_new ();
  if (pulled > 0)
    g_signal_emit (self, signals[CHANGED], 0);
  for (guint i = 0; i < waiting->len; i++)
    {
      g_autoptr(GTask) other = waiting->pdata[i];

      if (error)
        g_task_return_error (other, g_error_copy (error));
      else
        g_task_return_int (other, pulled);
    }
  if (error)
    g_task_return_error (task, error);
  else
    g_task_return_int (task, pulled);
}

static void
pull_page_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  MtSyncEngine *self = data;
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (source), result);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);
  g_autoptr(JsonNode) answer = NULL;
  guint applied = 0;
  gboolean more;

  if (bytes == NULL)
    {
      GError *offline = NULL;
      offline_error (self, error, &offline);
      pull_finish_task (self, offline);
      g_object_unref (self);
      return;
    }
  set_online (self, TRUE);
  answer = parse_answer (self, msg, bytes, &error);
  if (answer == NULL || !JSON_NODE_HOLDS_OBJECT (answer) ||
      !apply_page (self, json_node_get_object (answer), &applied, &error))
    {
      if (error == NULL)
        g_set_error_literal (&error, MT_ERROR, MT_ERROR_FAILED, _("The server sent a change page that makes no sense"));
      pull_finish_task (self, g_steal_pointer (&error));
      g_object_unref (self);
      return;
    }
  self->pulled += applied;
  g_signal_emit (self, signals[PROGRESS], 0, self->pulled, self->expected);
  more = json_object_get_boolean_member_with_default (json_node_get_object (answer), "more", FALSE);
  if (more || self->pull_again)
    {
      self->pull_again = FALSE;
      pull_next (self);
    }
  else
    pull_finish_task (self, NULL);
  g_object_unref (self);
}

static void
pull_next (MtSyncEngine *self)
{
  g_autofree char *path = g_strdup_printf ("changes?since=%" G_GINT64_FORMAT "&limit=%d", self->cursor, PAGE_LIMIT);
  g_autoptr(SoupMessage) msg = new_message (self, "GET", path, NULL);

  soup_session_send_and_read_async (self->session, msg, G_PRIORITY_DEFAULT,
                                    g_task_get_cancellable (self->pull), pull_page_cb, g_object_ref (self));
}

/* ------------------------------------------------------------------ first sync */

static void snapshot_next (MtSyncEngine *self);

static gboolean
save_state_text (MtSyncEngine  *self,
                 const char    *key,
                 const char    *value,
                 GError       **error)
{
  return mt_db_run (self->replica, error, "INSERT INTO sync_state (key, value) VALUES (?, ?) "
                                          "ON CONFLICT (key) DO UPDATE SET value = excluded.value", "tt", key, value);
}

static gboolean
save_state (MtSyncEngine  *self,
            const char    *key,
            gint64         value,
            GError       **error)
{
  g_autofree char *text = g_strdup_printf ("%" G_GINT64_FORMAT, value);

  return save_state_text (self, key, text, error);
}

static gint64
load_state (MtSyncEngine *self,
            const char   *key)
{
  g_autofree char *text = mt_db_query_text (self->replica, "SELECT value FROM sync_state WHERE key = ?", "t", key);

  return text ? g_ascii_strtoll (text, NULL, 10) : 0;
}

static gboolean
bind_json (sqlite3_stmt *stmt,
           int           position,
           JsonNode     *node)
{
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return sqlite3_bind_null (stmt, position) == SQLITE_OK;
  if (!JSON_NODE_HOLDS_VALUE (node))
    return FALSE;
  switch (json_node_get_value_type (node))
    {
    case G_TYPE_INT64:
      return sqlite3_bind_int64 (stmt, position, json_node_get_int (node)) == SQLITE_OK;
    case G_TYPE_DOUBLE:
      return sqlite3_bind_double (stmt, position, json_node_get_double (node)) == SQLITE_OK;
    case G_TYPE_BOOLEAN:
      return sqlite3_bind_int (stmt, position, json_node_get_boolean (node)) == SQLITE_OK;
    default:
      return sqlite3_bind_text (stmt, position, json_node_get_string (node), -1, SQLITE_TRANSIENT) == SQLITE_OK;
    }
}

/* One page of a table's rows, as arrays in the order of "columns", in one transaction with the
 * position reached (an interrupted first sync resumes there) */
static gboolean
apply_snapshot_page (MtSyncEngine  *self,
                     JsonObject    *page,
                     guint         *applied,
                     GError       **error)
{
  const char *table = json_object_get_string_member_with_default (page, "table", "");
  JsonArray *names = array_member (page, "columns");
  JsonArray *rows = array_member (page, "rows");
  char **columns = table_columns (self, table);
  g_autoptr(GString) sql = g_string_new ("INSERT INTO ");
  g_autoptr(GString) updates = g_string_new (NULL);
  g_autoptr(GArray) picked = g_array_new (FALSE, FALSE, sizeof (guint));   /* page column of each bound value */
  gboolean has_id = FALSE, has_hash;
  sqlite3_stmt *stmt;

  if (names == NULL || rows == NULL)
    {
      g_set_error_literal (error, MT_ERROR, MT_ERROR_FAILED, _("The server sent a change page that makes no sense"));
      return FALSE;
    }
  if (columns == NULL)
    return TRUE;   /* a newer server's table: not kept here */
  g_string_append_printf (sql, "%s (", table);
  for (guint c = 0; c < json_array_get_length (names); c++)
    {
      JsonNode *node = json_array_get_element (names, c);
      const char *name = JSON_NODE_HOLDS_VALUE (node) ? json_node_get_string (node) : NULL;

      if (name == NULL || !g_strv_contains ((const char *const *) columns, name))
        continue;
      g_string_append_printf (sql, "%s%s", picked->len ? ", " : "", name);
      if (g_str_equal (name, "id"))
        has_id = TRUE;
      else
        g_string_append_printf (updates, "%s%s = excluded.%s", updates->len ? ", " : "", name, name);
      g_array_append_val (picked, c);
    }
  if (!has_id || updates->len == 0)
    return TRUE;
  /* the server never sends password hashes; the column is NOT NULL: keep it empty */
  has_hash = g_strv_contains ((const char *const *) columns, "password_hash");
  {
    g_autoptr(GString) fill_names = g_string_new (has_hash ? ", password_hash" : "");
    g_autoptr(GString) fill_values = g_string_new (has_hash ? ", ''" : "");
    g_autoptr(GPtrArray) sent = g_ptr_array_new ();

    for (guint i = 0; i < picked->len; i++)
      g_ptr_array_add (sent, (gpointer) json_array_get_string_element (names, g_array_index (picked, guint, i)));
    append_withheld (self, table, sent, fill_names, fill_values, updates);
    g_string_append_printf (sql, "%s) VALUES (", fill_names->str);
    for (guint i = 0; i < picked->len; i++)
      g_string_append (sql, i ? ", ?" : "?");
    g_string_append_printf (sql, "%s) ON CONFLICT (id) DO UPDATE SET %s", fill_values->str, updates->str);
  }

  stmt = mt_db_prepare (self->replica, error, sql->str, NULL);
  if (stmt == NULL)
    return FALSE;
  for (guint r = 0; r < json_array_get_length (rows); r++)
    {
      JsonNode *node = json_array_get_element (rows, r);
      JsonArray *row = JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;

      sqlite3_reset (stmt);
      for (guint i = 0; i < picked->len; i++)
        {
          guint c = g_array_index (picked, guint, i);

          if (row == NULL || c >= json_array_get_length (row) ||
              !bind_json (stmt, i + 1, json_array_get_element (row, c)))
            {
              sqlite3_reset (stmt);
              g_set_error_literal (error, MT_ERROR, MT_ERROR_FAILED, _("The server sent a change page that makes no sense"));
              return FALSE;
            }
        }
      if (!mt_db_step_error (self->replica, sqlite3_step (stmt), error))
        {
          sqlite3_reset (stmt);
          return FALSE;
        }
      (*applied)++;
    }
  sqlite3_reset (stmt);
  return TRUE;
}

static void
snapshot_fail (MtSyncEngine *self,
               GError       *error)
{
  g_clear_pointer (&self->snapshot_tables, g_ptr_array_unref);
  pull_finish_task (self, error);
}

/* The object a snapshot request answered, or NULL once the pull has failed (offline, or an
 * answer without @member) */
static JsonNode *
snapshot_answer (MtSyncEngine *self,
                 GObject      *source,
                 GAsyncResult *result,
                 const char   *member)
{
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (source), result);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);
  g_autoptr(JsonNode) answer = NULL;
  JsonNode *value;

  if (bytes == NULL)
    {
      GError *offline = NULL;
      offline_error (self, error, &offline);
      snapshot_fail (self, offline);
      return NULL;
    }
  set_online (self, TRUE);
  answer = parse_answer (self, msg, bytes, &error);
  value = answer && JSON_NODE_HOLDS_OBJECT (answer) ? json_object_get_member (json_node_get_object (answer), member)
                                                    : NULL;
  if (value == NULL || !JSON_NODE_HOLDS_ARRAY (value))
    {
      if (error == NULL)
        g_set_error_literal (&error, MT_ERROR, MT_ERROR_FAILED, _("The server sent a change page that makes no sense"));
      snapshot_fail (self, g_steal_pointer (&error));
      return NULL;
    }
  return g_steal_pointer (&answer);
}

static void
snapshot_page_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      data)
{
  g_autoptr(MtSyncEngine) self = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) answer = snapshot_answer (self, source, result, "rows");
  JsonObject *page;
  guint applied = 0;
  gboolean ok;

  if (answer == NULL)
    return;
  page = json_node_get_object (answer);
  ok = mt_db_begin (self->replica, &error);
  if (ok && !(ok = apply_snapshot_page (self, page, &applied, &error) &&
                   save_state_text (self, "snapshot_table", self->snapshot_tables->pdata[self->snapshot_index],
                                    &error) &&
                   save_state (self, "snapshot_after", json_object_get_int_member_with_default (page, "after", 0),
                               &error)))
    mt_db_rollback (self->replica);
  if (ok)
    ok = mt_db_commit (self->replica, &error);
  if (!ok)
    return snapshot_fail (self, g_steal_pointer (&error));

  self->pulled += applied;
  g_signal_emit (self, signals[PROGRESS], 0, self->pulled, self->expected);
  if (json_object_get_boolean_member_with_default (page, "more", FALSE))
    self->snapshot_after = json_object_get_int_member_with_default (page, "after", 0);
  else
    {
      self->snapshot_index++;
      self->snapshot_after = 0;
    }
  snapshot_next (self);
}

/* The next page of the copy; after the last table, the journal from where the copy began */
static void
snapshot_next (MtSyncEngine *self)
{
  g_autofree char *path = NULL;
  g_autoptr(SoupMessage) msg = NULL;

  if (self->snapshot_index >= self->snapshot_tables->len)
    {
      g_autoptr(GError) error = NULL;
      gboolean ok = mt_db_begin (self->replica, &error);

      if (ok && !(ok = save_state (self, "cursor", self->snapshot_cursor, &error) &&
                       mt_db_run (self->replica, &error, "DELETE FROM sync_state WHERE key LIKE 'snapshot\\_%' "
                                                         "ESCAPE '\\'", NULL)))
        mt_db_rollback (self->replica);
      if (ok)
        ok = mt_db_commit (self->replica, &error);
      if (!ok)
        return snapshot_fail (self, g_steal_pointer (&error));
      self->cursor = self->snapshot_cursor;
      g_clear_pointer (&self->snapshot_tables, g_ptr_array_unref);
      pull_next (self);
      return;
    }
  path = g_strdup_printf ("snapshot/%s?after=%" G_GINT64_FORMAT "&limit=%d",
                          (const char *) self->snapshot_tables->pdata[self->snapshot_index], self->snapshot_after,
                          SNAPSHOT_LIMIT);
  msg = new_message (self, "GET", path, NULL);
  soup_session_send_and_read_async (self->session, msg, G_PRIORITY_DEFAULT, g_task_get_cancellable (self->pull),
                                    snapshot_page_cb, g_object_ref (self));
}

static void
snapshot_start_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      data)
{
  g_autoptr(MtSyncEngine) self = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) answer = snapshot_answer (self, source, result, "tables");
  JsonObject *start;
  JsonArray *tables;
  g_autofree char *resume_table = NULL;

  if (answer == NULL)
    return;
  start = json_node_get_object (answer);
  tables = array_member (start, "tables");

  /* an interrupted copy goes on from its table and row, with the journal position it began at */
  self->snapshot_cursor = load_state (self, "snapshot_cursor");
  if (self->snapshot_cursor > 0)
    {
      resume_table = mt_db_query_text (self->replica, "SELECT value FROM sync_state WHERE key = 'snapshot_table'",
                                       NULL);
      self->snapshot_after = load_state (self, "snapshot_after");
    }
  else
    {
      self->snapshot_cursor = json_object_get_int_member_with_default (start, "cursor", 0);
      self->snapshot_after = 0;
      if (!save_state (self, "snapshot_cursor", self->snapshot_cursor, &error))
        return snapshot_fail (self, g_steal_pointer (&error));
    }
  self->snapshot_tables = g_ptr_array_new_with_free_func (g_free);
  self->snapshot_index = 0;
  self->expected = 0;
  for (guint i = 0; tables && i < json_array_get_length (tables); i++)
    {
      JsonObject *table = json_array_get_object_element (tables, i);
      const char *name = table ? json_object_get_string_member_with_default (table, "table", NULL) : NULL;

      if (name == NULL || table_columns (self, name) == NULL)
        continue;
      g_ptr_array_add (self->snapshot_tables, g_strdup (name));
      self->expected += json_object_get_int_member_with_default (table, "rows", 0);
    }
  /* the tables before the one it stopped in are there; that one goes on after its last row */
  if (resume_table && g_ptr_array_find_with_equal_func (self->snapshot_tables, resume_table, g_str_equal,
                                                        &self->snapshot_index))
    ;
  else
    self->snapshot_after = 0;
  g_signal_emit (self, signals[PROGRESS], 0, self->pulled, self->expected);
  snapshot_next (self);
}

void
mt_sync_engine_pull_async (MtSyncEngine        *self,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (MT_IS_SYNC_ENGINE (self));
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, mt_sync_engine_pull_async);
  if (self->pull != NULL)
    {
      /* a pull is running: it goes round once more, then answers this caller too */
      self->pull_again = TRUE;
      g_ptr_array_add (self->pull_waiting, task);
      return;
    }
  self->pull = task;
  self->pulled = 0;
  if (self->cursor == 0)
    {
      /* a first sync: copy the tables, then follow the journal */
      g_autoptr(SoupMessage) msg = new_message (self, "GET", "snapshot", NULL);

      soup_session_send_and_read_async (self->session, msg, G_PRIORITY_DEFAULT, cancellable,
                                        snapshot_start_cb, g_object_ref (self));
      return;
    }
  pull_next (self);
}

gint64
mt_sync_engine_pull_finish (MtSyncEngine  *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), -1);
  return g_task_propagate_int (G_TASK (result), error);
}

/* ------------------------------------------------------------------ sign in */

static void
sign_in_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      data)
{
  g_autoptr(GTask) task = data;
  MtSyncEngine *self = g_task_get_source_object (task);
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (source), result);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);
  g_autoptr(JsonNode) answer = NULL;
  GError *failure = NULL;

  if (bytes == NULL)
    {
      offline_error (self, error, &failure);
      return g_task_return_error (task, failure);
    }
  set_online (self, TRUE);
  answer = parse_answer (self, msg, bytes, &failure);
  if (answer == NULL)
    return g_task_return_error (task, failure);
  mt_sync_engine_set_token (self, json_object_get_string_member_with_default (json_node_get_object (answer),
                                                                              "token", NULL));
  g_task_return_boolean (task, self->token != NULL);
}

void
mt_sync_engine_sign_in_async (MtSyncEngine        *self,
                              const char          *username,
                              const char          *password,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) body = NULL;
  g_autoptr(SoupMessage) msg = NULL;
  GTask *task;

  g_return_if_fail (MT_IS_SYNC_ENGINE (self));
  task = g_task_new (self, cancellable, callback, user_data);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "username");
  json_builder_add_string_value (b, username);
  json_builder_set_member_name (b, "password");
  json_builder_add_string_value (b, password);
  json_builder_end_object (b);
  body = json_builder_get_root (b);
  msg = new_message (self, "POST", "session", body);
  soup_session_send_and_read_async (self->session, msg, G_PRIORITY_DEFAULT, cancellable, sign_in_cb, task);
}

gboolean
mt_sync_engine_sign_in_finish (MtSyncEngine  *self,
                               GAsyncResult  *result,
                               GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ------------------------------------------------------------------ writes */

static void
request_pulled_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      data)
{
  g_autoptr(GTask) task = data;

  /* the write succeeded whatever the pull says: the replica catches up later */
  mt_sync_engine_pull_finish (MT_SYNC_ENGINE (source), result, NULL);
  g_task_return_pointer (task, json_node_ref (g_task_get_task_data (task)), (GDestroyNotify) json_node_unref);
}

static void
request_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      data)
{
  GTask *task = data;
  MtSyncEngine *self = g_task_get_source_object (task);
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (source), result);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);
  JsonNode *answer;
  GError *failure = NULL;

  if (bytes == NULL)
    {
      offline_error (self, error, &failure);
      g_task_return_error (task, failure);
      g_object_unref (task);
      return;
    }
  set_online (self, TRUE);
  answer = parse_answer (self, msg, bytes, &failure);
  if (answer == NULL)
    {
      g_task_return_error (task, failure);
      g_object_unref (task);
      return;
    }
  /* a read changed nothing: no need to wait for the replica */
  if (g_str_equal (soup_message_get_method (msg), "GET"))
    {
      g_task_return_pointer (task, answer, (GDestroyNotify) json_node_unref);
      g_object_unref (task);
      return;
    }
  g_task_set_task_data (task, answer, (GDestroyNotify) json_node_unref);
  mt_sync_engine_pull_async (self, NULL, request_pulled_cb, task);
}

void
mt_sync_engine_request_async (MtSyncEngine        *self,
                              const char          *method,
                              const char          *path,
                              JsonNode            *body,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(SoupMessage) msg = NULL;
  GTask *task;

  g_return_if_fail (MT_IS_SYNC_ENGINE (self));
  task = g_task_new (self, cancellable, callback, user_data);
  msg = new_message (self, method, path, body);
  if (msg == NULL)
    {
      g_task_return_new_error (task, MT_ERROR, MT_ERROR_FAILED, _("“%s” is not a valid address"), path);
      g_object_unref (task);
      return;
    }
  soup_session_send_and_read_async (self->session, msg, G_PRIORITY_DEFAULT, cancellable, request_cb, task);
}

JsonNode *
mt_sync_engine_request_finish (MtSyncEngine  *self,
                               GAsyncResult  *result,
                               GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ------------------------------------------------------------------ files */

static void
download_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      data)
{
  g_autoptr(GTask) task = data;
  MtSyncEngine *self = g_task_get_source_object (task);
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (source), result);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);
  const char *path = g_task_get_task_data (task);
  GError *failure = NULL;

  if (bytes == NULL)
    {
      offline_error (self, error, &failure);
      g_task_return_error (task, failure);
      return;
    }
  set_online (self, TRUE);
  if (!SOUP_STATUS_IS_SUCCESSFUL (soup_message_get_status (msg)))
    {
      /* the server's refusal, as for any request */
      JsonNode *answer = parse_answer (self, msg, bytes, &failure);

      g_clear_pointer (&answer, json_node_unref);
      if (failure == NULL)
        failure = g_error_new (MT_ERROR, MT_ERROR_FAILED, _("The server answered %u"), soup_message_get_status (msg));
      g_task_return_error (task, failure);
      return;
    }
  if (!g_file_set_contents (path, g_bytes_get_data (bytes, NULL), (gssize) g_bytes_get_size (bytes), &failure))
    {
      g_task_return_error (task, failure);
      return;
    }
  g_task_return_boolean (task, TRUE);
}

void
mt_sync_engine_download_async (MtSyncEngine        *self,
                               const char          *path,
                               const char          *file,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(SoupMessage) msg = NULL;
  GTask *task;

  g_return_if_fail (MT_IS_SYNC_ENGINE (self));
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_task_data (task, g_strdup (file), g_free);
  msg = new_message (self, "GET", path, NULL);
  if (msg == NULL)
    {
      g_task_return_new_error (task, MT_ERROR, MT_ERROR_FAILED, _("“%s” is not a valid address"), path);
      g_object_unref (task);
      return;
    }
  soup_session_send_and_read_async (self->session, msg, G_PRIORITY_DEFAULT, cancellable, download_cb, task);
}

gboolean
mt_sync_engine_download_finish (MtSyncEngine  *self,
                                GAsyncResult  *result,
                                GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ------------------------------------------------------------------ events */

static void
events_pulled_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      data)
{
  mt_sync_engine_pull_finish (MT_SYNC_ENGINE (source), result, NULL);
}

static void
events_message_cb (SoupWebsocketConnection *ws,
                   int                      type,
                   GBytes                  *message,
                   MtSyncEngine            *self)
{
  mt_sync_engine_pull_async (self, NULL, events_pulled_cb, NULL);
}

static gboolean
reconnect_cb (gpointer data)
{
  MtSyncEngine *self = data;

  self->reconnect_id = 0;
  connect_events (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_reconnect (MtSyncEngine *self)
{
  if (!self->started || self->reconnect_id != 0)
    return;
  set_online (self, FALSE);
  /* 1, 2, 4 … 30 s */
  self->backoff = self->backoff ? MIN (self->backoff * 2, MAX_BACKOFF_SECONDS) : 1;
  self->reconnect_id = g_timeout_add_seconds (self->backoff, reconnect_cb, self);
}

static void
events_closed_cb (SoupWebsocketConnection *ws,
                  MtSyncEngine            *self)
{
  g_clear_object (&self->events);
  schedule_reconnect (self);
}

static void
events_connected_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      data)
{
  MtSyncEngine *self = data;
  g_autoptr(GError) error = NULL;
  SoupWebsocketConnection *ws = soup_session_websocket_connect_finish (SOUP_SESSION (source), result, &error);

  if (ws == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        schedule_reconnect (self);
      g_object_unref (self);
      return;
    }
  self->events = ws;
  self->backoff = 0;
  set_online (self, TRUE);
  g_signal_connect_object (ws, "message", G_CALLBACK (events_message_cb), self, 0);
  g_signal_connect_object (ws, "closed", G_CALLBACK (events_closed_cb), self, 0);
  /* catch up with whatever happened while away */
  mt_sync_engine_pull_async (self, NULL, events_pulled_cb, NULL);
  g_object_unref (self);
}

static void
connect_events (MtSyncEngine *self)
{
  g_autoptr(SoupMessage) msg = new_message (self, "GET", "events", NULL);

  g_clear_object (&self->events_cancellable);
  self->events_cancellable = g_cancellable_new ();
  soup_session_websocket_connect_async (self->session, msg, NULL, NULL, G_PRIORITY_DEFAULT,
                                        self->events_cancellable, events_connected_cb, g_object_ref (self));
}

void
mt_sync_engine_start (MtSyncEngine *self)
{
  g_return_if_fail (MT_IS_SYNC_ENGINE (self));
  if (self->started)
    return;
  self->started = TRUE;
  connect_events (self);
}

void
mt_sync_engine_stop (MtSyncEngine *self)
{
  g_return_if_fail (MT_IS_SYNC_ENGINE (self));
  self->started = FALSE;
  g_clear_handle_id (&self->reconnect_id, g_source_remove);
  if (self->events_cancellable)
    g_cancellable_cancel (self->events_cancellable);
  g_clear_object (&self->events_cancellable);
  if (self->events)
    {
      g_signal_handlers_disconnect_by_data (self->events, self);
      if (soup_websocket_connection_get_state (self->events) == SOUP_WEBSOCKET_STATE_OPEN)
        soup_websocket_connection_close (self->events, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
      g_clear_object (&self->events);
    }
}

/* ------------------------------------------------------------------ live state */

static JsonArray *
answer_rows (JsonNode  *answer,
             GError   **error)
{
  JsonNode *rows = JSON_NODE_HOLDS_OBJECT (answer) ? json_object_get_member (json_node_get_object (answer), "rows")
                                                   : NULL;

  if (rows == NULL || !JSON_NODE_HOLDS_ARRAY (rows))
    {
      g_set_error_literal (error, MT_ERROR, MT_ERROR_FAILED, _("The server sent an answer that makes no sense"));
      return NULL;
    }
  return json_node_get_array (rows);
}

/* Each row of the answer bound by @bind (FALSE: skipped) and written with @sql, in one transaction */
static gboolean
keep_rows (MtSyncEngine  *self,
           JsonNode      *answer,
           const char    *sql,
           gboolean     (*bind) (sqlite3_stmt *stmt, JsonNode *row),
           GError       **error)
{
  g_autoptr(MtTxn) txn = NULL;
  JsonArray *rows;
  sqlite3_stmt *stmt;

  g_return_val_if_fail (MT_IS_SYNC_ENGINE (self), FALSE);
  if ((rows = answer_rows (answer, error)) == NULL || (txn = mt_txn_begin (self->replica, error)) == NULL ||
      (stmt = mt_db_prepare (self->replica, error, sql, NULL)) == NULL)
    return FALSE;
  for (guint i = 0; i < json_array_get_length (rows); i++)
    {
      if (bind (stmt, json_array_get_element (rows, i)) && sqlite3_step (stmt) != SQLITE_DONE)
        g_debug ("A battery's live state not kept: %s", sqlite3_errmsg (mt_db_get_handle (self->replica)));
      sqlite3_reset (stmt);
    }
  return mt_txn_commit (txn, error);
}

/* [id, lat, lng, online, last_seen] */
static gboolean
bind_position (sqlite3_stmt *stmt,
               JsonNode     *node)
{
  JsonArray *row = JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;

  if (row == NULL || json_array_get_length (row) != 5)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, json_array_get_int_element (row, 0));
  sqlite3_bind_int (stmt, 2, (int) json_array_get_int_element (row, 3));
  sqlite3_bind_double (stmt, 3, json_array_get_double_element (row, 1));
  sqlite3_bind_double (stmt, 4, json_array_get_double_element (row, 2));
  sqlite3_bind_int64 (stmt, 5, json_array_get_int_element (row, 4));
  return TRUE;
}

gboolean
mt_sync_engine_keep_positions (MtSyncEngine  *self,
                               JsonNode      *answer,
                               GError       **error)
{
  return keep_rows (self, answer, "INSERT INTO device_status (device_id, online, lat, lng, last_seen) "
                                  "VALUES (?, ?, ?, ?, ?) ON CONFLICT (device_id) DO UPDATE SET "
                                  "online = excluded.online, lat = excluded.lat, lng = excluded.lng, "
                                  "last_seen = excluded.last_seen", bind_position, error);
}

/* {device_id, and mt_status_members} */
static gboolean
bind_status (sqlite3_stmt *stmt,
             JsonNode     *node)
{
  JsonObject *row = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;

  if (row == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, json_object_get_int_member_with_default (row, "device_id", 0));
  for (int k = 0; k < MT_N_STATUS_MEMBERS; k++)
    {
      JsonNode *v = json_object_get_member (row, mt_status_members[k]);

      if (v == NULL || !JSON_NODE_HOLDS_VALUE (v))
        sqlite3_bind_null (stmt, k + 2);
      else if (json_node_get_value_type (v) == G_TYPE_DOUBLE)
        sqlite3_bind_double (stmt, k + 2, json_node_get_double (v));
      else
        sqlite3_bind_int64 (stmt, k + 2, json_node_get_int (v));
    }
  return TRUE;
}

gboolean
mt_sync_engine_keep_status (MtSyncEngine  *self,
                            JsonNode      *answer,
                            GError       **error)
{
  return keep_rows (self, answer,
                    "INSERT INTO device_status (device_id, online, pack_mv, soc, lat, lng, last_seen, current_ma, "
                    "discharge_on) VALUES (?, coalesce (?, 0), ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (device_id) DO "
                    "UPDATE SET online = excluded.online, pack_mv = excluded.pack_mv, soc = excluded.soc, "
                    "lat = excluded.lat, lng = excluded.lng, last_seen = excluded.last_seen, "
                    "current_ma = excluded.current_ma, discharge_on = excluded.discharge_on", bind_status, error);
}
