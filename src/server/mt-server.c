/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mt-server"

#include "config.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <locale.h>
#include <stdio.h>

#include "mt-api.h"
#include "mt-catalog-private.h"
#include "mt-db.h"
#include "mt-entity.h"
#include "mt-error.h"
#include "mt-fences.h"
#include "mt-listing.h"
#include "mt-ops.h"
#include "mt-orders.h"
#include "mt-report.h"
#include "mt-server.h"
#include "mt-alarms.h"
#include "mt-ingest.h"
#include "mt-json.h"
#include "mt-session.h"
#include "mt-tracks.h"
#include "mt-validate.h"

#define API_PREFIX "/api/v1/"
#define MAX_LIST 1000
#define MAX_CHANGES 5000
#define MAX_SNAPSHOT 20000

struct _MtServer
{
  GObject     parent_instance;
  MtDb       *db;
  SoupServer *soup;
  GPtrArray  *sockets;   /* SoupWebsocketConnection: told when something changed */
  gboolean    verbose;
  gint64      notified_seq;   /* the journal's end the consoles were last told of */
  guint       overdue_id;     /* the periodic overdue check */
  MtIngest   *ingest;         /* the broker link, or NULL without a broker */
  char       *report_dir;     /* where the monthly reports go, or NULL */
  guint       report_id;      /* the hourly look for a month without its reports */
  gboolean    reporting;      /* a month's reports are being written */
  GThreadPool  *readers;      /* the reads' threads, or NULL (a database without a file) */
  GMainContext *context;      /* where answers are sent from */
};

G_DEFINE_FINAL_TYPE (MtServer, mt_server, G_TYPE_OBJECT)

typedef struct
{
  MtServer           *server;
  MtDb               *db;       /* the server's, or a reader's own connection */
  SoupServerMessage  *msg;      /* NULL when handled without a connection (mt_server_handle) */
  const char         *path;
  SoupMessageHeaders *request_headers;
  SoupMessageHeaders *response_headers;
  GBytes             *response; /* the answer's body, or NULL */
  const char         *content_type;   /* of a body that is not JSON */
  gboolean            paused;   /* answered later (a device command) */
  const char         *method;
  char             **segments;   /* the path after /api/v1/, split at '/' */
  guint              n_segments;
  GHashTable        *query;
  JsonObject        *body;       /* NULL without a body */
  MtActor           *actor;
  guint              status;
  const char        *error_code;   /* of a refused request, for the audit log */
  gint64             id;         /* the address's row id ("#"), 0 without */
  const char        *name;       /* the address's name ("*": a setting, a table), or NULL */
  GHashTable        *feed_scopes;      /* table → FeedScope: what of it the account gets */
  GHashTable        *feed_statements;  /* SQL → sqlite3_stmt, finalized with the request */
} Request;

/* ------------------------------------------------------------------ responses */

static void
respond_node (Request  *req,
              guint     status,
              JsonNode *node)
{
  g_autofree char *text = NULL;
  gsize length;

  req->status = status;
  g_clear_pointer (&req->response, g_bytes_unref);
  if (node == NULL)
    return;
  text = json_to_string (node, FALSE);
  length = strlen (text);
  req->response = g_bytes_new_take (g_steal_pointer (&text), length);
}

/* The answer onto its connection */
static void
request_send (Request           *req,
              SoupServerMessage *msg)
{
  soup_server_message_set_status (msg, req->status, NULL);
  if (req->response != NULL)
    soup_server_message_set_response (msg, req->content_type ? req->content_type : "application/json; charset=utf-8",
                                      SOUP_MEMORY_COPY, g_bytes_get_data (req->response, NULL),
                                      g_bytes_get_size (req->response));
}

/* A body written by hand, taken over */
static void
respond_string (Request *req,
                guint    status,
                GString *text)
{
  gsize length = text->len;

  req->status = status;
  g_clear_pointer (&req->response, g_bytes_unref);
  req->response = g_bytes_new_take (g_string_free (text, FALSE), length);
}

static void
respond_builder (Request     *req,
                 guint        status,
                 JsonBuilder *builder)
{
  g_autoptr(JsonNode) node = json_builder_get_root (builder);
  respond_node (req, status, node);
}

static void
respond_error (Request    *req,
               guint       status,
               const char *code,
               const char *message,
               const char *field)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  req->error_code = code;
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "error");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "code");
  json_builder_add_string_value (b, code);
  json_builder_set_member_name (b, "message");
  json_builder_add_string_value (b, message);
  if (field)
    {
      json_builder_set_member_name (b, "field");
      json_builder_add_string_value (b, field);
    }
  json_builder_end_object (b);
  json_builder_end_object (b);
  respond_builder (req, status, b);
}

/* The API's statuses for the core's errors (SPEC §5) */
static void
respond_gerror (Request      *req,
                const GError *error)
{
  const char *code;
  guint status = mt_api_error_status (error, &code);

  if (status == 500)
    g_warning ("%s %s: %s", req->method, req->path, error->message);
  respond_error (req, status, code, error->message, mt_error_get_field (error));
}

static void
respond_invalid (Request    *req,
                 const char *field,
                 const char *problem)
{
  g_autofree char *message = g_strdup_printf (_("%s: %s"), field, problem);
  respond_error (req, 422, "invalid", message, field);
}

/* ------------------------------------------------------------------ requests */

static const char *
body_string (Request    *req,
             const char *member,
             gboolean    required)
{
  JsonNode *node = req->body ? json_object_get_member (req->body, member) : NULL;

  if (node == NULL && !required)
    return "";
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    {
      respond_invalid (req, member, node ? _("must be a text") : _("is required"));
      return NULL;
    }
  return json_node_get_string (node);
}

static gboolean
body_bool (Request    *req,
           const char *member,
           gboolean   *value)
{
  JsonNode *node = req->body ? json_object_get_member (req->body, member) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    {
      respond_invalid (req, member, _("must be true or false"));
      return FALSE;
    }
  *value = json_node_get_boolean (node);
  return TRUE;
}

/* ------------------------------------------------------------------ change notifications */

/* Tells the consoles when the journal moved on since the last notice */
static void
notify_changed (MtServer *self)
{
  gint64 seq = mt_db_query_int (self->db, 0, "SELECT coalesce (max (seq), 0) FROM change_log", NULL);
  g_autofree char *text = NULL;

  if (seq <= self->notified_seq)
    return;
  self->notified_seq = seq;
  text = g_strdup_printf ("{\"cursor\":%" G_GINT64_FORMAT "}", seq);
  for (guint i = 0; i < self->sockets->len; i++)
    {
      SoupWebsocketConnection *ws = self->sockets->pdata[i];

      if (soup_websocket_connection_get_state (ws) == SOUP_WEBSOCKET_STATE_OPEN)
        soup_websocket_connection_send_text (ws, text);
    }
}

static void
websocket_closed_cb (SoupWebsocketConnection *ws,
                     MtServer                *self)
{
  g_ptr_array_remove (self->sockets, ws);
}

static void
websocket_cb (SoupServer              *soup,
              SoupServerMessage       *msg,
              const char              *path,
              SoupWebsocketConnection *ws,
              gpointer                 data)
{
  MtServer *self = data;
  const char *auth = soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                                   "Authorization");
  g_autoptr(MtActor) actor = NULL;

  /* only signed-in consoles may listen */
  if (auth && g_str_has_prefix (auth, "Bearer "))
    actor = mt_session_actor (self->db, auth + 7, NULL);
  if (actor == NULL)
    {
      soup_websocket_connection_close (ws, SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION, "sign in first");
      return;
    }
  g_ptr_array_add (self->sockets, g_object_ref (ws));
  g_signal_connect_object (ws, "closed", G_CALLBACK (websocket_closed_cb), self, 0);
}

/* ------------------------------------------------------------------ change feed */

/* The tables a replica may hold, and how their rows are scoped: the catalog's (MtCatalogTable) */
typedef MtCatalogTable FeedTable;

static const FeedTable *
feed_table (const char *name)
{
  return _mt_catalog_table_lookup (name);
}

/* "('operators', 'roles', …)": the journal's fed tables, for SQL */
static const char *
feed_tables_sql (void)
{
  static gsize sql = 0;

  if (g_once_init_enter (&sql))
    {
      GString *s = g_string_new ("(");

      const FeedTable *t;

      for (guint i = 0; (t = _mt_catalog_table (i)) != NULL; i++)
        g_string_append_printf (s, "%s'%s'", i ? ", " : "", t->table);
      g_string_append_c (s, ')');
      g_once_init_leave (&sql, (gsize) g_string_free (s, FALSE));
    }
  return (const char *) sql;
}

typedef struct
{
  char      *sql;      /* a condition over the table's columns */
  GPtrArray *params;   /* text values for its "?" */
  gint64     own_only; /* not the account's page: only its own row, this id */
} FeedScope;

static void
feed_scope_free (FeedScope *scope)
{
  if (scope == NULL)
    return;   /* a table the account does not get */
  g_free (scope->sql);
  g_ptr_array_unref (scope->params);
  g_free (scope);
}

static gboolean
feed_pages_viewable (const MtActor *actor,
                     const char    *pages)
{
  g_auto(GStrv) list = pages ? g_strsplit (pages, " ", -1) : NULL;

  for (guint i = 0; list && list[i]; i++)
    if (mt_actor_can_view (actor, list[i]))
      return TRUE;
  return FALSE;
}

/* Which rows of @table the request's account gets, or NULL when it gets none (kept per request) */
static const FeedScope *
feed_scope (Request         *req,
            const FeedTable *table)
{
  const MtActor *actor = req->actor;
  FeedScope *scope;
  gint64 own = 0;
  gboolean fed;

  if (req->feed_scopes == NULL)
    req->feed_scopes = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                              (GDestroyNotify) feed_scope_free);
  if (g_hash_table_contains (req->feed_scopes, table->table))
    return g_hash_table_lookup (req->feed_scopes, table->table);

  fed = mt_actor_sees_table (actor, table->table) || feed_pages_viewable (actor, table->pages);
  if (table->parent)
    fed = fed || feed_scope (req, feed_table (table->parent)) != NULL;
  /* an account always gets its own account, role and operator: a console needs them */
  if (g_str_equal (table->table, "accounts"))
    own = actor->account_id;
  else if (g_str_equal (table->table, "roles"))
    own = actor->role_id;
  else if (g_str_equal (table->table, "operators"))
    own = actor->operator_id;
  if (!fed && own == 0)
    {
      g_hash_table_insert (req->feed_scopes, (gpointer) table->table, NULL);
      return NULL;
    }

  scope = g_new0 (FeedScope, 1);
  scope->params = g_ptr_array_new_with_free_func (g_free);
  if (!fed)
    {
      scope->sql = g_strdup_printf ("id = %" G_GINT64_FORMAT, own);
      scope->own_only = own;
    }
  else if (table->parent)
    {
      const FeedScope *parent = feed_scope (req, feed_table (table->parent));

      scope->sql = g_strdup_printf ("%s IN (SELECT id FROM %s WHERE %s)", table->parent_fk, table->parent,
                                    parent ? parent->sql : "0");
      for (guint i = 0; parent && i < parent->params->len; i++)
        g_ptr_array_add (scope->params, g_strdup (parent->params->pdata[i]));
    }
  else if (g_str_equal (table->table, "alarm_hidden"))
    scope->sql = g_strdup_printf ("account_id = %" G_GINT64_FORMAT, actor->account_id);
  else if (table->op_col)
    {
      g_autofree char *owned = mt_actor_scope_sql (actor, table->op_col, table->store_col, scope->params);

      if (g_str_equal (table->table, "roles"))
        scope->sql = g_strdup_printf ("(builtin IS NOT NULL OR %s)", owned);
      else if (own != 0)
        scope->sql = g_strdup_printf ("(%s OR id = %" G_GINT64_FORMAT ")", owned, own);
      else
        scope->sql = g_steal_pointer (&owned);
    }
  else
    scope->sql = g_strdup ("1");
  g_hash_table_insert (req->feed_scopes, (gpointer) table->table, scope);
  return scope;
}

static void
finalize_statement (gpointer stmt)
{
  sqlite3_finalize (stmt);
}

/* A statement over @table's rows in the account's scope: @head, then "AND (scope)", then @tail.
 * @head binds ?1 at most, @tail nothing. Kept for the request; NULL if not fed. */
static sqlite3_stmt *
feed_statement (Request         *req,
                const FeedTable *table,
                const char      *head,
                const char      *tail)
{
  const FeedScope *scope = feed_scope (req, table);
  g_autofree char *sql = NULL;
  sqlite3_stmt *stmt;
  int offset;

  if (scope == NULL)
    return NULL;
  sql = g_strdup_printf ("%s AND (%s) %s", head, scope->sql, tail ? tail : "");
  if (req->feed_statements == NULL)
    req->feed_statements = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                  finalize_statement);
  stmt = g_hash_table_lookup (req->feed_statements, sql);
  if (stmt == NULL)
    {
      if (sqlite3_prepare_v2 (mt_db_get_handle (req->server->db), sql, -1, &stmt, NULL) != SQLITE_OK)
        {
          g_warning ("feed %s: %s", table->table, sqlite3_errmsg (mt_db_get_handle (req->server->db)));
          return NULL;
        }
      g_hash_table_insert (req->feed_statements, g_strdup (sql), stmt);
    }
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
  /* the scope's values are the statement's last parameters */
  offset = sqlite3_bind_parameter_count (stmt) - (int) scope->params->len;
  for (guint i = 0; i < scope->params->len; i++)
    sqlite3_bind_text (stmt, offset + i + 1, scope->params->pdata[i], -1, SQLITE_TRANSIENT);
  return stmt;
}

/* What of a column the request's account receives: password hashes never leave the server,
 * personal data only as the account's pages show it (mt_actor_column_access) */
static MtColumnAccess
feed_column_access (Request         *req,
                    const FeedTable *table,
                    const char      *column)
{
  if (g_str_equal (column, "password_hash"))
    return MT_COLUMN_HIDDEN;
  return mt_actor_column_access (req->actor, table->table, column);
}

/* The row as JSON when the account may see it now, else NULL (removed, or outside its scope) */
static JsonNode *
feed_row (Request         *req,
          const FeedTable *table,
          gint64           id)
{
  g_autofree char *head = g_strdup_printf ("SELECT * FROM %s WHERE id = ?1 AND deleted = 0", table->table);
  sqlite3_stmt *stmt = feed_statement (req, table, head, NULL);
  g_autoptr(JsonBuilder) b = NULL;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, id);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    {
      sqlite3_reset (stmt);
      return NULL;
    }
  b = json_builder_new ();
  json_builder_begin_object (b);
  for (int c = 0; c < sqlite3_column_count (stmt); c++)
    {
      const char *name = sqlite3_column_name (stmt, c);
      MtColumnAccess access = feed_column_access (req, table, name);

      if (access == MT_COLUMN_HIDDEN)
        continue;
      json_builder_set_member_name (b, name);
      if (access == MT_COLUMN_MASKED)
        {
          g_autofree char *masked = mt_mask_id_card ((const char *) sqlite3_column_text (stmt, c));
          json_builder_add_string_value (b, masked);
          continue;
        }
      switch (sqlite3_column_type (stmt, c))
        {
        case SQLITE_INTEGER:
          json_builder_add_int_value (b, sqlite3_column_int64 (stmt, c));
          break;
        case SQLITE_FLOAT:
          json_builder_add_double_value (b, sqlite3_column_double (stmt, c));
          break;
        case SQLITE_NULL:
          json_builder_add_null_value (b);
          break;
        default:
          json_builder_add_string_value (b, (const char *) sqlite3_column_text (stmt, c));
        }
    }
  json_builder_end_object (b);
  sqlite3_reset (stmt);
  return json_builder_get_root (b);
}

/* GET changes?since=CURSOR&limit=N: what this account may see that changed after the cursor.
 * A row it may no longer see (deleted, or moved out of its scope) comes as a removal. */
static void
handle_changes (Request *req)
{
  MtServer *self = req->server;
  const char *since_text = req->query ? g_hash_table_lookup (req->query, "since") : NULL;
  const char *limit_text = req->query ? g_hash_table_lookup (req->query, "limit") : NULL;
  gint64 since = 0, limit = 1000, cursor, last, page_end;
  gboolean page_full;
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autofree char *page_sql = NULL;
  g_autofree char *entries_sql = NULL;
  sqlite3_stmt *stmt;

  if (since_text && !g_ascii_string_to_signed (since_text, 10, 0, G_MAXINT64, &since, NULL))
    return respond_invalid (req, "since", _("must be a cursor from an earlier answer"));
  if (limit_text && !g_ascii_string_to_signed (limit_text, 10, 1, MAX_CHANGES, &limit, NULL))
    return respond_invalid (req, "limit", _("must be a number from 1 to 5000"));

  last = mt_db_query_int (self->db, 0, "SELECT coalesce (max (seq), 0) FROM change_log", NULL);
  cursor = since;
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "changes");
  json_builder_begin_array (b);
  /* The page: the next @limit journal entries of fed tables (others — audit, sessions … — are
   * skipped here, not paged through), newest entry per row. It ends at a fixed sequence
   * number; with fewer entries than the limit it reaches the end of the journal. "+tbl" keeps
   * SQLite on the sequence order (the (tbl, row_id) index would read every fed entry). */
  page_sql = g_strdup_printf ("SELECT coalesce (max (seq), 0), count(*) FROM (SELECT seq FROM change_log "
                              "WHERE seq > ?1 AND +tbl IN %s ORDER BY seq LIMIT ?2)", feed_tables_sql ());
  stmt = mt_db_prepare (self->db, NULL, page_sql, "ii", since, limit);
  page_end = last;
  page_full = FALSE;
  if (stmt && sqlite3_step (stmt) == SQLITE_ROW && sqlite3_column_int64 (stmt, 1) == limit)
    {
      page_end = sqlite3_column_int64 (stmt, 0);
      page_full = TRUE;
    }
  if (stmt)
    sqlite3_reset (stmt);
  entries_sql = g_strdup_printf ("SELECT max (seq), tbl, row_id FROM change_log WHERE seq > ?1 AND seq <= ?2 "
                                 "AND +tbl IN %s GROUP BY tbl, row_id ORDER BY 1", feed_tables_sql ());
  stmt = mt_db_prepare (self->db, NULL, entries_sql, "ii", since, page_end);
  while (stmt && sqlite3_step (stmt) == SQLITE_ROW)
    {
      gint64 seq = sqlite3_column_int64 (stmt, 0);
      const FeedTable *table = feed_table ((const char *) sqlite3_column_text (stmt, 1));
      gint64 id = sqlite3_column_int64 (stmt, 2);
      const FeedScope *scope;
      JsonNode *row;


      cursor = MAX (cursor, seq);
      if (table == NULL || (scope = feed_scope (req, table)) == NULL)
        continue;
      row = feed_row (req, table, id);
      /* a first sync has nothing to remove, nor has a replica others' rows of a table it only
       * gets its own row of */
      if (row == NULL && (since == 0 || (scope->own_only != 0 && id != scope->own_only)))
        continue;
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "table");
      json_builder_add_string_value (b, table->table);
      json_builder_set_member_name (b, "id");
      json_builder_add_int_value (b, id);
      json_builder_set_member_name (b, "op");
      json_builder_add_string_value (b, row ? "upsert" : "remove");
      if (row)
        {
          json_builder_set_member_name (b, "row");
          json_builder_add_value (b, row);
        }
      json_builder_end_object (b);
    }
  if (stmt)
    sqlite3_reset (stmt);
  json_builder_end_array (b);
  json_builder_set_member_name (b, "cursor");
  json_builder_add_int_value (b, MAX (cursor, page_end));
  json_builder_set_member_name (b, "more");
  json_builder_add_boolean_value (b, page_full);
  json_builder_end_object (b);
  respond_builder (req, 200, b);
}

/* ------------------------------------------------------------------ snapshot */

static void
append_json_string (GString    *out,
                    const char *text)
{
  g_string_append_c (out, '"');
  for (const char *p = text; *p; p++)
    {
      guchar c = *p;

      if (c == '"' || c == '\\')
        {
          g_string_append_c (out, '\\');
          g_string_append_c (out, c);
        }
      else if (c < 0x20)
        g_string_append_printf (out, "\\u%04x", c);
      else
        g_string_append_c (out, c);
    }
  g_string_append_c (out, '"');
}

/* GET snapshot: where a first sync starts — the journal's position now, and the tables this
 * account gets with their row counts (for a progress bar). Rows read afterwards are at least
 * as new as that position; the change feed from it brings whatever changes meanwhile. */
static void
handle_snapshot_start (Request *req)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "cursor");
  json_builder_add_int_value (b, mt_db_query_int (req->server->db, 0,
                                                  "SELECT coalesce (max (seq), 0) FROM change_log", NULL));
  json_builder_set_member_name (b, "tables");
  json_builder_begin_array (b);
  for (guint i = 0; _mt_catalog_table (i) != NULL; i++)
    {
      const FeedTable *table = _mt_catalog_table (i);
      g_autofree char *head = g_strdup_printf ("SELECT count(*) FROM %s WHERE deleted = 0", table->table);
      sqlite3_stmt *stmt = feed_statement (req, table, head, NULL);

      if (stmt == NULL)
        continue;
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "table");
      json_builder_add_string_value (b, table->table);
      json_builder_set_member_name (b, "rows");
      json_builder_add_int_value (b, sqlite3_step (stmt) == SQLITE_ROW ? sqlite3_column_int64 (stmt, 0) : 0);
      json_builder_end_object (b);
      sqlite3_reset (stmt);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  respond_builder (req, 200, b);
}

/* GET snapshot/TABLE?after=ID&limit=N: the table's rows in scope after id @after, in id order,
 * as arrays under "columns" — compact, for the millions of rows of a headquarters replica */
static void
handle_snapshot_table (Request *req)
{
  const FeedTable *table = feed_table (req->name);
  const char *after_text = req->query ? g_hash_table_lookup (req->query, "after") : NULL;
  const char *limit_text = req->query ? g_hash_table_lookup (req->query, "limit") : NULL;
  gint64 after = 0, limit = 5000, last = 0, n = 0;
  g_autofree char *head = NULL;
  g_autofree char *tail = NULL;
  g_autoptr(GString) out = NULL;
  g_autofree MtColumnAccess *access = NULL;
  sqlite3_stmt *stmt;
  int n_columns;

  if (table == NULL)
    return respond_error (req, 404, "not-found", _("There is nothing at this address"), NULL);
  if (after_text && !g_ascii_string_to_signed (after_text, 10, 0, G_MAXINT64, &after, NULL))
    return respond_invalid (req, "after", _("must be the id of the last row received"));
  if (limit_text && !g_ascii_string_to_signed (limit_text, 10, 1, MAX_SNAPSHOT, &limit, NULL))
    return respond_invalid (req, "limit", _("must be a number from 1 to 20000"));
  head = g_strdup_printf ("SELECT * FROM %s WHERE id > ?1 AND deleted = 0", table->table);
  tail = g_strdup_printf ("ORDER BY id LIMIT %" G_GINT64_FORMAT, limit);
  stmt = feed_statement (req, table, head, tail);
  if (stmt == NULL)
    return respond_error (req, 403, "forbidden", _("Forbidden: your role does not show these rows"), NULL);
  sqlite3_bind_int64 (stmt, 1, after);

  out = g_string_sized_new (256 * 1024);
  g_string_append (out, "{\"table\":");
  append_json_string (out, table->table);
  g_string_append (out, ",\"columns\":[");
  n_columns = sqlite3_column_count (stmt);
  access = g_new0 (MtColumnAccess, n_columns);
  for (int c = 0, shown = 0; c < n_columns; c++)
    {
      access[c] = feed_column_access (req, table, sqlite3_column_name (stmt, c));
      if (access[c] != MT_COLUMN_HIDDEN)
        {
          g_string_append (out, shown++ ? "," : "");
          append_json_string (out, sqlite3_column_name (stmt, c));
        }
    }
  g_string_append (out, "],\"rows\":[");
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      g_string_append (out, n++ ? ",[" : "[");
      for (int c = 0, shown = 0; c < n_columns; c++)
        {
          if (access[c] == MT_COLUMN_HIDDEN)
            continue;
          g_string_append (out, shown++ ? "," : "");
          if (access[c] == MT_COLUMN_MASKED)
            {
              g_autofree char *masked = mt_mask_id_card ((const char *) sqlite3_column_text (stmt, c));
              append_json_string (out, masked);
              continue;
            }
          switch (sqlite3_column_type (stmt, c))
            {
            case SQLITE_INTEGER:
              g_string_append_printf (out, "%" G_GINT64_FORMAT, (gint64) sqlite3_column_int64 (stmt, c));
              break;
            case SQLITE_FLOAT:
              {
                char number[G_ASCII_DTOSTR_BUF_SIZE];
                g_string_append (out, g_ascii_dtostr (number, sizeof number, sqlite3_column_double (stmt, c)));
              }
              break;
            case SQLITE_NULL:
              g_string_append (out, "null");
              break;
            default:
              append_json_string (out, (const char *) sqlite3_column_text (stmt, c));
            }
        }
      g_string_append_c (out, ']');
      last = sqlite3_column_int64 (stmt, 0);
    }
  sqlite3_reset (stmt);
  g_string_append_printf (out, "],\"after\":%" G_GINT64_FORMAT ",\"more\":%s}", n ? last : after,
                          n == limit ? "true" : "false");
  respond_string (req, 200, g_steal_pointer (&out));
}

/* ------------------------------------------------------------------ handlers */

/* POST session {username, password} */
static void
op_session_open (Request *req)
{
  MtServer *self = req->server;
  g_autoptr(GError) error = NULL;
  g_autoptr(MtActor) actor = NULL;
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autofree char *token = NULL;
  const char *username, *password;
  guint retry = 0;

  if (!(username = body_string (req, "username", TRUE)) ||
      !(password = body_string (req, "password", TRUE)))
    return;
  token = mt_session_open (self->db, username, password, &actor, &retry, &error);
  if (token == NULL)
    {
      if (retry > 0)
        {
          g_autofree char *seconds = g_strdup_printf ("%u", retry);
          soup_message_headers_replace (req->response_headers,
                                        "Retry-After", seconds);
        }
      return respond_gerror (req, error);
    }
  req->actor = g_steal_pointer (&actor);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "token");
  json_builder_add_string_value (b, token);
  json_builder_set_member_name (b, "account");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "id");
  json_builder_add_int_value (b, req->actor->account_id);
  json_builder_set_member_name (b, "username");
  json_builder_add_string_value (b, req->actor->username);
  json_builder_set_member_name (b, "name");
  json_builder_add_string_value (b, req->actor->name);
  json_builder_set_member_name (b, "operator_id");
  json_builder_add_int_value (b, req->actor->operator_id);
  json_builder_set_member_name (b, "operator");
  json_builder_add_string_value (b, req->actor->operator_name);
  json_builder_set_member_name (b, "store_id");
  json_builder_add_int_value (b, req->actor->store_id);
  json_builder_set_member_name (b, "role");
  json_builder_add_string_value (b, req->actor->role_name);
  json_builder_end_object (b);
  json_builder_end_object (b);
  return respond_builder (req, 201, b);
}

/* DELETE session */
static void
op_session_close (Request *req)
{
  const char *auth = soup_message_headers_get_one (req->request_headers, "Authorization");

  if (auth && g_str_has_prefix (auth, "Bearer "))
    mt_session_close (req->server->db, auth + 7);
  respond_node (req, 204, NULL);
}

/* ------------------------------------------------------------------ money */

/* ------------------------------------------------------------------ telemetry */

typedef struct
{
  MtServer          *server;
  SoupServerMessage *msg;
  gint64             account_id;
  gint64             device_id;
  MtCommand          command;
  locale_t           locale;
} CommandCall;

static void
command_done_cb (MtCommandResult  result,
                 const MtAck     *ack,
                 gpointer         data)
{
  CommandCall *call = data;
  g_autoptr(MtActor) actor = mt_actor_load (call->server->db, call->account_id, NULL);
  Request req = { .server = call->server, .db = call->server->db, .msg = call->msg, .method = "POST", .actor = actor, .status = 500,
                  .request_headers = soup_server_message_get_request_headers (call->msg),
                  .response_headers = soup_server_message_get_response_headers (call->msg) };
  locale_t previous = uselocale (call->locale);
  g_autoptr(JsonBuilder) b = json_builder_new ();

  if (actor != NULL)
    mt_command_audit (call->server->db, actor, call->device_id, &call->command, result, ack);
  switch (result)
    {
    case MT_COMMAND_DONE:
    case MT_COMMAND_REFUSED:
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "result");
      json_builder_add_string_value (b, mt_command_result_name (result));
      json_builder_set_member_name (b, "id");
      json_builder_add_string_value (b, call->command.id);
      if (result == MT_COMMAND_REFUSED)
        {
          json_builder_set_member_name (b, "error");
          json_builder_add_string_value (b, ack->error);
        }
      if (ack->params.mask)
        {
          json_builder_set_member_name (b, "params");
          json_builder_begin_object (b);
          for (guint k = 0; k < MT_N_PARAMS; k++)
            if (ack->params.mask & (1u << k))
              {
                json_builder_set_member_name (b, mt_param_info (k)->key);
                json_builder_add_int_value (b, ack->params.values[k]);
              }
          json_builder_end_object (b);
        }
      json_builder_end_object (b);
      respond_builder (&req, 200, b);
      break;
    case MT_COMMAND_NO_ANSWER:
      respond_error (&req, 504, "no-answer", _("The device did not answer in time"), NULL);
      break;
    default:
      respond_error (&req, 503, "broker-offline", _("The command could not be sent: the broker is not reachable"),
                     NULL);
      break;
    }
  request_send (&req, call->msg);
  g_clear_pointer (&req.response, g_bytes_unref);
  soup_server_message_unpause (call->msg);
  g_object_unref (call->msg);
  uselocale (previous);
  g_free (call);
}

/* POST devices/ID/commands {cmd, on, params}: answered when the device acks, or with 504 after
 * 10 s of silence */
static void
handle_command (Request *req)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *device_no = NULL;
  CommandCall *call;
  const char *name;
  gint64 id = req->id;
  MtCommand command = { 0 };

  if (!(name = body_string (req, "cmd", TRUE)))
    return;
  if (!mt_command_lookup (name, &command.kind))
    return respond_invalid (req, "cmd", _("is not a command of the protocol"));
  if ((command.kind == MT_CMD_CHARGE || command.kind == MT_CMD_DISCHARGE) && !body_bool (req, "on", &command.on))
    return;
  if (command.kind == MT_CMD_WRITE_PARAMS)
    {
      JsonNode *node = json_object_get_member (req->body, "params");
      JsonObject *params;
      GList *members;

      if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node) || json_object_get_size (json_node_get_object (node)) == 0)
        return respond_invalid (req, "params", _("must be an object of BMS parameters"));
      params = json_node_get_object (node);
      members = json_object_get_members (params);
      for (GList *l = members; l; l = l->next)
        {
          const char *key = l->data;   /* the object's: outlives the list */
          JsonNode *value = json_object_get_member (params, key);
          MtParam p;

          if (!mt_param_lookup (key, &p))
            {
              g_list_free (members);
              return respond_invalid (req, key, _("is not a BMS parameter"));
            }
          if (!JSON_NODE_HOLDS_VALUE (value) || json_node_get_value_type (value) != G_TYPE_INT64 ||
              !mt_params_set (&command.params, p, json_node_get_int (value), &error))
            {
              g_autofree char *range = g_strdup_printf (_("must be a whole number from %d to %d %s"),
                                                        mt_param_info (p)->min, mt_param_info (p)->max,
                                                        mt_param_info (p)->unit);
              g_list_free (members);
              return respond_invalid (req, key, range);
            }
        }
      g_list_free (members);
    }
  if (!mt_command_authorize (req->server->db, req->actor, id, command.kind, &device_no, &error))
    return respond_gerror (req, error);
  if (req->server->ingest == NULL || req->msg == NULL)
    return respond_error (req, 503, "broker-offline", _("The server has no broker to send commands through"), NULL);

  call = g_new0 (CommandCall, 1);
  call->server = req->server;
  call->msg = g_object_ref (req->msg);
  call->account_id = req->actor->account_id;
  call->device_id = id;
  call->locale = uselocale ((locale_t) 0);
  call->command = command;
  soup_server_message_pause (req->msg);
  req->paused = TRUE;
  req->status = 202;   /* the answer follows when the device acks */
  mt_ingest_send (req->server->ingest, device_no, &call->command, 10000, command_done_cb, call);
}

/* GET devices/ID/telemetry: the battery's latest message in full, for a BMS panel of a connected
 * console (polled while it is open): from the link's memory, else the last snapshot */
static void
handle_latest (Request *req)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autofree char *device_no = NULL;
  g_autofree char *payload = NULL;
  gint64 id = 0, received = 0, last_seen = 0;
  int online = -1;
  MtTelemetry t;
  sqlite3_stmt *stmt;

  id = req->id;
  if (!mt_command_authorize (req->server->db, req->actor, id, MT_CMD_READ_PARAMS, &device_no, &error))
    return respond_gerror (req, error);
  /* the stored message arrived with its snapshot */
  stmt = mt_db_prepare (req->server->db, NULL, "SELECT online, coalesce (last_seen, 0), payload, coalesce ((SELECT "
                                               "max (at) FROM bms_snapshots WHERE device_id = ?1), 0) FROM "
                                               "device_status WHERE device_id = ?1", "i", id);
  if (stmt && sqlite3_step (stmt) == SQLITE_ROW)
    {
      online = sqlite3_column_int (stmt, 0);
      last_seen = sqlite3_column_int64 (stmt, 1);
      payload = g_strdup ((const char *) sqlite3_column_text (stmt, 2));
      received = sqlite3_column_int64 (stmt, 3);
    }
  if (stmt)
    sqlite3_reset (stmt);
  if (req->server->ingest && mt_ingest_get_latest (req->server->ingest, device_no, &t, &received))
    {
      g_free (payload);
      payload = mt_telemetry_to_json (&t);
    }
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "online");
  if (online < 0)
    json_builder_add_null_value (b);
  else
    json_builder_add_boolean_value (b, online == 1);
  json_builder_set_member_name (b, "last_seen");
  json_builder_add_int_value (b, last_seen);
  json_builder_set_member_name (b, "received");
  json_builder_add_int_value (b, received);
  json_builder_set_member_name (b, "telemetry");
  {
    JsonNode *node = payload ? json_from_string (payload, NULL) : NULL;   /* ours: well formed */

    if (node != NULL)
      json_builder_add_value (b, node);
    else
      json_builder_add_null_value (b);
  }
  json_builder_end_object (b);
  respond_builder (req, 200, b);
}

/* GET telemetry/status?ids=1,2,3 (at most 500): the live state of those batteries the account may
 * see, for a connected console's lists (its replica has no telemetry): polled once a second for
 * the rows it shows */
static void
handle_status (Request *req)
{
  const char *ids_text = req->query ? g_hash_table_lookup (req->query, "ids") : NULL;
  g_auto(GStrv) ids = ids_text ? g_strsplit (ids_text, ",", 0) : NULL;
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(GError) error = NULL;
  sqlite3_stmt *stmt;

  if (!mt_actor_require (req->actor, "devices", "view", &error))
    return respond_gerror (req, error);
  if (ids == NULL || ids[0] == NULL || g_strv_length (ids) > 500)
    return respond_invalid (req, "ids", _("must list from 1 to 500 device ids, separated by commas"));
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "rows");
  json_builder_begin_array (b);
  for (guint i = 0; ids[i]; i++)
    {
      gint64 id = 0;

      if (!g_ascii_string_to_signed (ids[i], 10, 1, G_MAXINT64, &id, NULL))
        return respond_invalid (req, "ids", _("must list from 1 to 500 device ids, separated by commas"));
      stmt = mt_db_prepare (req->server->db, NULL, "SELECT s.online, s.pack_mv, s.soc, s.lat, s.lng, s.last_seen, "
                                                   "s.current_ma, s.discharge_on, d.operator_id, coalesce (d.store_id, 0) "
                                                   "FROM device_status s JOIN devices d ON d.id = s.device_id "
                                                   "WHERE s.device_id = ? AND d.deleted = 0", "i", id);
      if (stmt && sqlite3_step (stmt) == SQLITE_ROW &&
          mt_actor_owns_row (req->server->db, req->actor, sqlite3_column_int64 (stmt, 8), sqlite3_column_int64 (stmt, 9)))
        {
          json_builder_begin_object (b);
          json_builder_set_member_name (b, "device_id");
          json_builder_add_int_value (b, id);
          for (int k = 0; k < MT_N_STATUS_MEMBERS; k++)
            {
              json_builder_set_member_name (b, mt_status_members[k]);
              if (sqlite3_column_type (stmt, k) == SQLITE_NULL)
                json_builder_add_null_value (b);
              else if (sqlite3_column_type (stmt, k) == SQLITE_FLOAT)
                json_builder_add_double_value (b, sqlite3_column_double (stmt, k));
              else
                json_builder_add_int_value (b, sqlite3_column_int64 (stmt, k));
            }
          json_builder_end_object (b);
        }
      if (stmt)
        sqlite3_reset (stmt);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  respond_builder (req, 200, b);
}

/* GET telemetry/positions: where every located device in scope is, for the location monitor of
 * a connected console: {"rows": [[id, lat, lng, online, last_seen], …]}. Written by hand: 100,000
 * rows through a JSON builder cost most of a second. */
static void
handle_positions (Request *req)
{
  g_autoptr(GPtrArray) params = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  g_autofree char *scope = NULL, *sql = NULL;
  g_autoptr(GString) out = g_string_new ("{\"rows\":[");
  sqlite3_stmt *stmt;
  gboolean first = TRUE;

  if (!mt_actor_require (req->actor, "monitor", "view", &error))
    return respond_gerror (req, error);
  scope = mt_actor_scope_sql (req->actor, "d.operator_id", "d.store_id", params);
  sql = g_strdup_printf ("SELECT d.id, s.lat, s.lng, s.online, coalesce (s.last_seen, 0) FROM device_status s "
                         "JOIN devices d ON d.id = s.device_id WHERE d.deleted = 0 AND s.lat IS NOT NULL AND %s", scope);
  stmt = mt_db_prepare (req->server->db, NULL, sql, NULL);
  if (stmt == NULL)
    return respond_error (req, 500, "failed", _("The positions could not be read"), NULL);
  for (guint i = 0; i < params->len; i++)
    sqlite3_bind_text (stmt, i + 1, params->pdata[i], -1, SQLITE_TRANSIENT);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      char lat[G_ASCII_DTOSTR_BUF_SIZE], lng[G_ASCII_DTOSTR_BUF_SIZE];

      g_string_append_printf (out, "%s[%" G_GINT64_FORMAT ",%s,%s,%d,%" G_GINT64_FORMAT "]", first ? "" : ",",
                              (gint64) sqlite3_column_int64 (stmt, 0),
                              g_ascii_formatd (lat, sizeof lat, "%.6f", sqlite3_column_double (stmt, 1)),
                              g_ascii_formatd (lng, sizeof lng, "%.6f", sqlite3_column_double (stmt, 2)),
                              sqlite3_column_int (stmt, 3) != 0, (gint64) sqlite3_column_int64 (stmt, 4));
      first = FALSE;
    }
  sqlite3_reset (stmt);
  g_string_append (out, "]}");
  respond_string (req, 200, g_steal_pointer (&out));
}

/* GET telemetry/stats (headquarters): the broker link's counters */
static void
op_telemetry_stats (Request *req)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  MtIngestStats stats = { 0 };
  static const char *const reasons[MT_CODEC_N_ERRORS] = { "topic", "size", "syntax", "version", "member" };

  if (!mt_actor_is_root (req->actor))
    return respond_error (req, 403, "forbidden", _("Only headquarters sees the broker link's counters"), NULL);
  if (req->server->ingest)
    mt_ingest_get_stats (req->server->ingest, &stats);
  json_builder_begin_object (b);
#define COUNT(name, v) json_builder_set_member_name (b, name); json_builder_add_int_value (b, (gint64) (v))
  json_builder_set_member_name (b, "connected");
  json_builder_add_boolean_value (b, req->server->ingest && mt_ingest_is_connected (req->server->ingest));
  COUNT ("received", stats.received);
  COUNT ("stored", stats.stored);
  COUNT ("unknown_device", stats.unknown_device);
  COUNT ("unknown_cached", stats.unknown_cached);
  COUNT ("repeats", stats.repeats);
  COUNT ("stale", stats.stale);
  COUNT ("retained", stats.retained);
  COUNT ("events", stats.events);
  COUNT ("alarms_opened", stats.alarms_opened);
  COUNT ("commands_sent", stats.commands_sent);
  COUNT ("acks", stats.acks);
  COUNT ("batches", stats.batches);
  json_builder_set_member_name (b, "latency_ms");
  json_builder_begin_object (b);
  COUNT ("samples", stats.latency_samples);
  json_builder_set_member_name (b, "p50");
  json_builder_add_double_value (b, stats.latency_p50_ms);
  json_builder_set_member_name (b, "p99");
  json_builder_add_double_value (b, stats.latency_p99_ms);
  json_builder_end_object (b);
  json_builder_set_member_name (b, "dropped");
  json_builder_begin_object (b);
  for (guint k = 0; k < MT_CODEC_N_ERRORS; k++)
    {
      COUNT (reasons[k], stats.dropped[k]);
    }
  json_builder_end_object (b);
#undef COUNT
  json_builder_end_object (b);
  respond_builder (req, 200, b);
}

/* ------------------------------------------------------------------ operations */

/* The operations of the table (mt-api.c) that the server answers itself: sessions, the change
 * feed and the broker link. The core answers every other. */
/* ------------------------------------------------------------------ monthly reports */

/* Whether the account may fetch operator @id's reports: its own operator or one under it, an
 * account not of a store, holding the statistics */
static gboolean
may_read_reports_of (Request *req,
                     gint64   id)
{
  return req->actor->store_id == 0 && mt_actor_can_view (req->actor, "statistics") &&
         mt_actor_owns_operator (req->server->db, req->actor, id);
}

/* GET reports: the months written for the operators the account may read */
static void
op_reports_list (Request *req)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(GDir) top = req->server->report_dir ? g_dir_open (req->server->report_dir, 0, NULL) : NULL;
  const char *entry;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "reports");
  json_builder_begin_array (b);
  while (top && (entry = g_dir_read_name (top)) != NULL)
    {
      gint64 id = g_ascii_strtoll (entry, NULL, 10);
      g_autofree char *sub = g_build_filename (req->server->report_dir, entry, NULL);
      g_autoptr(GDir) months = NULL;
      g_autofree char *name = NULL;
      const char *file;

      if (id <= 0 || !may_read_reports_of (req, id) || (months = g_dir_open (sub, 0, NULL)) == NULL)
        continue;
      name = mt_db_query_text (req->server->db, "SELECT name FROM operators WHERE id = ?", "i", id);
      while ((file = g_dir_read_name (months)) != NULL)
        {
          g_autofree char *month = NULL;
          g_autofree char *pdf = NULL;
          g_autofree char *xlsx = NULL;

          if (!g_str_has_suffix (file, ".pdf") || strlen (file) != 11)
            continue;
          month = g_strndup (file, 7);
          pdf = g_strdup_printf ("%" G_GINT64_FORMAT "-%s.pdf", id, month);
          xlsx = g_strdup_printf ("%" G_GINT64_FORMAT "-%s.xlsx", id, month);
          json_builder_begin_object (b);
          json_builder_set_member_name (b, "operator_id");
          json_builder_add_int_value (b, id);
          json_builder_set_member_name (b, "operator");
          json_builder_add_string_value (b, name ? name : "");
          json_builder_set_member_name (b, "month");
          json_builder_add_string_value (b, month);
          json_builder_set_member_name (b, "pdf");
          json_builder_add_string_value (b, pdf);
          json_builder_set_member_name (b, "xlsx");
          json_builder_add_string_value (b, xlsx);
          json_builder_end_object (b);
        }
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  respond_builder (req, 200, b);
}

/* GET reports/OPERATOR-YYYY-MM.pdf (or .xlsx): the file */
static void
op_reports_file (Request *req)
{
  const char *name = req->name;
  gint64 id = 0;
  int year = 0, month = 0, used = 0;
  char ext[6] = "";
  g_autofree char *path = NULL;
  g_autofree char *bytes = NULL;
  gsize length;

  if (sscanf (name, "%" G_GINT64_FORMAT "-%4d-%2d.%5s%n", &id, &year, &month, ext, &used) != 4 ||
      (size_t) used != strlen (name) || id <= 0 || month < 1 || month > 12 ||
      (!g_str_equal (ext, "pdf") && !g_str_equal (ext, "xlsx")))
    return respond_error (req, 404, "not-found", _("There is no such report"), NULL);
  if (!may_read_reports_of (req, id))
    return respond_error (req, 403, "forbidden", _("This account may not read that operator's reports"), NULL);
  path = g_strdup_printf ("%s/%" G_GINT64_FORMAT "/%04d-%02d.%s", req->server->report_dir ? req->server->report_dir : "",
                          id, year, month, ext);
  if (req->server->report_dir == NULL || !g_file_get_contents (path, &bytes, &length, NULL))
    return respond_error (req, 404, "not-found", _("There is no such report"), NULL);
  req->status = 200;
  g_clear_pointer (&req->response, g_bytes_unref);
  req->response = g_bytes_new_take (g_steal_pointer (&bytes), length);
  req->content_type = g_str_equal (ext, "pdf") ? "application/pdf"
                    : "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
}

static const struct
{
  const char *name;
  void      (*handler) (Request *req);
} server_operations[] = {
  { "session.open", op_session_open },
  { "session.close", op_session_close },
  { "changes", handle_changes },
  { "snapshot", handle_snapshot_start },
  { "snapshot.table", handle_snapshot_table },
  { "devices.command", handle_command },
  { "devices.telemetry", handle_latest },
  { "telemetry.status", handle_status },
  { "telemetry.positions", handle_positions },
  { "telemetry.stats", op_telemetry_stats },
  { "reports.list", op_reports_list },
  { "reports.file", op_reports_file },
};

/* A device's rental changed: its discharge relay follows at once */
static void
power_policy (Request *req,
              gint64   device_id)
{
  if (req->server->ingest != NULL && device_id != 0)
    mt_ingest_device_changed (req->server->ingest, device_id);
}

/* An operation of the core, with its effects on the broker link */
static void
run_core (Request   *req,
          MtApiCall *call)
{
  g_autoptr(GError) error = NULL;

  call->db = req->db;
  call->actor = req->actor;
  if (!mt_api_call_run (call, &error))
    return respond_gerror (req, error);
  for (guint i = 0; call->devices && i < call->devices->len; i++)
    power_policy (req, g_array_index (call->devices, gint64, i));
  if (call->fences_changed && req->server->ingest != NULL)
    mt_ingest_fences_changed (req->server->ingest);
  if (call->response_text != NULL)
    respond_string (req, call->status, g_steal_pointer (&call->response_text));
  else
    respond_node (req, call->status, call->response);
}

/* The operation at the request's address (mt_api_route: 404, or 405 with Allow), the session
 * unless the operation is open, the request's members, then its answer */
static void
dispatch (Request *req)
{
  g_autoptr(GString) allowed = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  MtApiCall call = { .body = req->body, .query = req->query };
  const MtApiOperation *op = mt_api_route (req->method, (const char *const *) req->segments, &call, allowed);
  const char *auth;

  if (op == NULL && allowed->len == 0)
    return respond_error (req, 404, "not-found", _("There is nothing at this address"), NULL);
  if (op == NULL)
    {
      soup_message_headers_replace (req->response_headers, "Allow", allowed->str);
      return respond_error (req, 405, "method", _("This address does not take that method"), NULL);
    }
  req->id = call.id;
  req->name = call.name;
  if (!(op->flags & MT_API_OPEN))
    {
      auth = soup_message_headers_get_one (req->request_headers, "Authorization");
      req->actor = mt_session_actor (req->db, auth && g_str_has_prefix (auth, "Bearer ") ? auth + 7 : NULL,
                                     &error);
      if (req->actor == NULL)
        return respond_gerror (req, error);
    }
  if (!mt_api_check_body (op, req->body, &error))
    return respond_gerror (req, error);
  if (op->run != NULL)
    {
      run_core (req, &call);
      mt_api_call_clear (&call);
      return;
    }
  for (guint i = 0; i < G_N_ELEMENTS (server_operations); i++)
    if (g_str_equal (server_operations[i].name, op->name))
      return server_operations[i].handler (req);
  g_assert_not_reached ();
}

/* Messages in the client's language: Chinese when its Accept-Language starts with zh (and the
 * zh_CN.UTF-8 locale exists), else the source English. gettext follows uselocale(). */
static locale_t
request_locale (SoupMessageHeaders *headers)
{
  static locale_t chinese = (locale_t) 0, english = (locale_t) 0;
  static gsize once = 0;
  const char *accept = soup_message_headers_get_one (headers, "Accept-Language");

  if (g_once_init_enter (&once))
    {
      chinese = newlocale (LC_ALL_MASK, "zh_CN.UTF-8", (locale_t) 0);
      english = newlocale (LC_ALL_MASK, "C.UTF-8", (locale_t) 0);
      g_once_init_leave (&once, 1);
    }
  if (accept && g_ascii_strncasecmp (accept, "zh", 2) == 0 && chinese)
    return chinese;
  return english ? english : LC_GLOBAL_LOCALE;
}

/* Reads the body: one JSON object within the limits of mt-json.h, or an answer saying what is
 * wrong with it. FALSE when answered. */
static gboolean
request_parse_body (Request    *req,
                    JsonParser *parser,
                    const char *data,
                    gsize       length)
{
  g_autofree char *member = NULL;
  MtJsonProblem problem;

  if (length == 0)
    return TRUE;
  /* JSON-GLib reads up to a NUL: a NUL byte anywhere is refused here with the rest */
  if (!g_utf8_validate_len (data, length, NULL))
    {
      respond_error (req, 400, "malformed", _("The request is not valid UTF-8 text"), NULL);
      return FALSE;
    }
  problem = mt_json_check (data, length, &member);
  if (problem == MT_JSON_NUL)
    {
      if (member != NULL)
        respond_invalid (req, member, mt_json_problem_message (problem));
      else
        respond_error (req, 400, "malformed", _("The request's member names must not contain control characters"),
                       NULL);
      return FALSE;
    }
  if (problem != MT_JSON_OK)
    {
      respond_error (req, 400, "malformed", mt_json_problem_message (problem), NULL);
      return FALSE;
    }
  if (!json_parser_load_from_data (parser, data, length, NULL))
    {
      respond_error (req, 400, "malformed", _("The request is not valid JSON"), NULL);
      return FALSE;
    }
  if (!JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      respond_error (req, 400, "malformed", _("The request needs a JSON object"), NULL);
      return FALSE;
    }
  req->body = json_node_get_object (json_parser_get_root (parser));
  return TRUE;
}

/* The query's parameters are one-line UTF-8 text: anything else is refused naming the parameter */
static gboolean
request_check_query (Request *req)
{
  GHashTableIter iter;
  const char *key, *value;

  if (req->query == NULL)
    return TRUE;
  g_hash_table_iter_init (&iter, req->query);
  while (g_hash_table_iter_next (&iter, (gpointer *) &key, (gpointer *) &value))
    {
      g_autoptr(GError) error = NULL;

      if (!g_utf8_validate (key, -1, NULL))
        {
          respond_error (req, 400, "malformed", _("The request is not valid UTF-8 text"), NULL);
          return FALSE;
        }
      if (value != NULL && (!g_utf8_validate (value, -1, NULL) ||
                            !mt_validate_plain_text (value, FALSE, key, key, &error)))
        {
          respond_invalid (req, key, _("must be one line of UTF-8 text without control characters"));
          return FALSE;
        }
    }
  return TRUE;
}

/* The path's segments after /api/v1/, empty ones left out */
static char **
path_segments (const char *path)
{
  g_auto(GStrv) parts = g_strsplit (path + strlen (API_PREFIX), "/", -1);
  GPtrArray *segments = g_ptr_array_new ();

  for (guint i = 0; parts[i]; i++)
    if (parts[i][0] != '\0')
      g_ptr_array_add (segments, g_strdup (parts[i]));
  g_ptr_array_add (segments, NULL);
  return (char **) g_ptr_array_free (segments, FALSE);
}

/* One request, whatever carried it: routed, answered into @req, audited and logged */
static void
serve (Request    *req,
       const char *data,
       gsize       length)
{
  MtServer *self = req->server;
  g_autoptr(JsonParser) parser = json_parser_new ();
  gint64 t0 = g_get_monotonic_time ();
  locale_t previous = uselocale (request_locale (req->request_headers));

  if (!g_str_has_prefix (req->path, API_PREFIX))
    respond_error (req, 404, "not-found", _("There is nothing at this address"), NULL);
  else if (length > MT_SERVER_MAX_BODY)
    respond_error (req, 413, "too-large", _("The request is too large"), NULL);
  else
    {
      req->segments = path_segments (req->path);
      req->n_segments = g_strv_length (req->segments);

      if (request_check_query (req) && request_parse_body (req, parser, data, length))
        dispatch (req);
    }
  /* whatever changed rows (a sign-in stamps its account too) reaches the consoles at once */
  if (!g_str_equal (req->method, "GET"))
    notify_changed (self);

  /* successful writes are audited by the core operation; refused ones here */
  if (req->actor && req->error_code && !g_str_equal (req->method, "GET") && req->n_segments > 0)
    {
      gint64 target = 0;

      if (req->n_segments > 1)
        g_ascii_string_to_signed (req->segments[1], 10, 1, G_MAXINT64, &target, NULL);
      mt_audit (self->db, req->actor, req->method, req->segments[0], target, req->error_code, req->path);
    }
  if (self->verbose)
    g_printerr ("method=%s path=%s account=%s status=%u ms=%.1f\n", req->method, req->path,
                req->actor ? req->actor->username : "-", req->status,
                (g_get_monotonic_time () - t0) / 1000.0);
  g_clear_pointer (&req->segments, g_strfreev);
  g_clear_pointer (&req->feed_statements, g_hash_table_unref);
  g_clear_pointer (&req->feed_scopes, g_hash_table_unref);
  g_clear_pointer (&req->actor, mt_actor_free);
  req->body = NULL;
  uselocale (previous);
}

/* ------------------------------------------------------------------ readers */

/*
 * Reads on a pool of threads: a GET the core answers (a list, a row, a track, a setting) is
 * answered on a reader thread with a read-only connection of its own, so that reads go on side by
 * side and never wait behind a write; writes and the server's own operations stay on the main
 * thread's connection. The message is paused meanwhile; the reader works on copies of what it
 * needs and the answer is put on the message back on the main thread.
 */
typedef struct
{
  MtServer           *server;
  SoupServerMessage  *msg;
  char               *path;
  char               *method;
  GHashTable         *query;
  SoupMessageHeaders *request_headers;
  SoupMessageHeaders *response_headers;
  GBytes             *response;
  char               *content_type;
  guint               status;
  char               *refused_token;   /* a session refused: looked at again by the writer */
} ReadJob;

static void
read_job_free (ReadJob *job)
{
  g_object_unref (job->server);
  g_object_unref (job->msg);
  g_free (job->path);
  g_free (job->method);
  g_clear_pointer (&job->query, g_hash_table_unref);
  soup_message_headers_unref (job->request_headers);
  soup_message_headers_unref (job->response_headers);
  g_clear_pointer (&job->response, g_bytes_unref);
  g_free (job->content_type);
  g_free (job->refused_token);
  g_free (job);
}

/* each reader thread's connection, closed when the thread ends */
static GPrivate reader_db = G_PRIVATE_INIT ((GDestroyNotify) mt_db_close);

static void
copy_header (const char *name,
             const char *value,
             gpointer    data)
{
  soup_message_headers_append (data, name, value);
}

static gboolean
read_job_done (gpointer data)
{
  ReadJob *job = data;
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (job->msg);

  /* a session refused on a reader (an account disabled) is ended by the writer's connection
   * before the refusal is sent, as on the main thread */
  if (job->refused_token != NULL)
    {
      MtActor *actor = mt_session_actor (job->server->db, job->refused_token, NULL);

      g_clear_pointer (&actor, mt_actor_free);
    }
  soup_message_headers_foreach (job->response_headers, copy_header, headers);
  soup_server_message_set_status (job->msg, job->status, NULL);
  if (job->response != NULL)
    soup_server_message_set_response (job->msg, job->content_type ? job->content_type
                                                                  : "application/json; charset=utf-8",
                                      SOUP_MEMORY_COPY, g_bytes_get_data (job->response, NULL),
                                      g_bytes_get_size (job->response));
  soup_server_message_unpause (job->msg);
  read_job_free (job);
  return G_SOURCE_REMOVE;
}

static void
reader_thread (gpointer data,
               gpointer user_data)
{
  ReadJob *job = data;
  MtServer *self = job->server;
  MtDb *db = g_private_get (&reader_db);
  Request req = { .server = self, .path = job->path, .query = job->query, .status = 500, .method = job->method,
                  .request_headers = job->request_headers, .response_headers = job->response_headers };

  if (db == NULL)
    {
      g_autoptr(GError) error = NULL;

      db = mt_db_open_read_only (mt_db_get_path (self->db), &error);
      if (db == NULL)
        g_warning ("A reader cannot open the database: %s", error->message);
      g_private_set (&reader_db, db);
    }
  req.db = db;
  if (db != NULL)
    serve (&req, NULL, 0);
  else
    respond_error (&req, 503, "unavailable", _("The server cannot read the database now"), NULL);
  job->status = req.status;
  if (req.status == 401)
    {
      const char *auth = soup_message_headers_get_one (job->request_headers, "Authorization");

      if (auth != NULL && g_str_has_prefix (auth, "Bearer "))
        job->refused_token = g_strdup (auth + 7);
    }
  job->response = g_steal_pointer (&req.response);
  job->content_type = g_strdup (req.content_type);
  g_main_context_invoke (self->context, read_job_done, job);
}

/* Whether the request is a read the core answers, for a reader */
static gboolean
is_core_read (const char *method,
              const char *path)
{
  g_auto(GStrv) segments = NULL;
  g_autoptr(GString) allowed = g_string_new (NULL);
  MtApiCall call = { 0 };
  const MtApiOperation *op;
  gboolean read;

  if (!g_str_equal (method, "GET") || !g_str_has_prefix (path, API_PREFIX))
    return FALSE;
  segments = path_segments (path);
  op = mt_api_route (method, (const char *const *) segments, &call, allowed);
  read = op != NULL && op->run != NULL && !(op->flags & MT_API_WRITES);
  mt_api_call_clear (&call);
  return read;
}

static gboolean
read_on_reader (MtServer          *self,
                SoupServerMessage *msg,
                const char        *path,
                GHashTable        *query)
{
  ReadJob *job;

  if (self->readers == NULL || !is_core_read (soup_server_message_get_method (msg), path))
    return FALSE;
  job = g_new0 (ReadJob, 1);
  job->server = g_object_ref (self);
  job->msg = g_object_ref (msg);
  job->path = g_strdup (path);
  job->method = g_strdup (soup_server_message_get_method (msg));
  if (query != NULL)
    {
      GHashTableIter iter;
      gpointer key, value;

      job->query = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
      g_hash_table_iter_init (&iter, query);
      while (g_hash_table_iter_next (&iter, &key, &value))
        g_hash_table_insert (job->query, g_strdup (key), g_strdup (value));
    }
  job->request_headers = soup_message_headers_new (SOUP_MESSAGE_HEADERS_REQUEST);
  soup_message_headers_foreach (soup_server_message_get_request_headers (msg), copy_header, job->request_headers);
  job->response_headers = soup_message_headers_new (SOUP_MESSAGE_HEADERS_RESPONSE);
  soup_server_message_pause (msg);
  g_thread_pool_push (self->readers, job, NULL);
  return TRUE;
}

static void
api_cb (SoupServer        *soup,
        SoupServerMessage *msg,
        const char        *path,
        GHashTable        *query,
        gpointer           data)
{
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  Request req = { .server = data, .db = ((MtServer *) data)->db, .msg = msg, .path = path, .query = query,
                  .status = 500, .method = soup_server_message_get_method (msg),
                  .request_headers = soup_server_message_get_request_headers (msg),
                  .response_headers = soup_server_message_get_response_headers (msg) };

  if (read_on_reader (data, msg, path, query))
    return;
  serve (&req, body->data, body->length);
  if (!req.paused)
    request_send (&req, msg);
  g_clear_pointer (&req.response, g_bytes_unref);
}

guint
mt_server_handle (MtServer           *self,
                  const char         *method,
                  const char         *path,
                  const char         *query,
                  SoupMessageHeaders *request_headers,
                  const char         *body,
                  gsize               length,
                  SoupMessageHeaders *response_headers,
                  GBytes            **response)
{
  g_autoptr(GHashTable) fields = query && query[0] ? soup_form_decode (query) : NULL;
  Request req = { .server = self, .db = self->db, .path = path, .query = fields, .status = 500, .method = method,
                  .request_headers = request_headers, .response_headers = response_headers };

  g_return_val_if_fail (MT_IS_SERVER (self), 0);
  serve (&req, body, length);
  if (response != NULL)
    *response = g_steal_pointer (&req.response);
  g_clear_pointer (&req.response, g_bytes_unref);
  return req.status;
}

/* ------------------------------------------------------------------ object */

static void
mt_server_dispose (GObject *object)
{
  MtServer *self = MT_SERVER (object);

  g_clear_handle_id (&self->overdue_id, g_source_remove);
  g_clear_handle_id (&self->report_id, g_source_remove);
  g_clear_pointer (&self->report_dir, g_free);
  g_clear_object (&self->ingest);
  if (self->soup)
    soup_server_disconnect (self->soup);
  /* the reads under way finish, their answers are dropped with the messages */
  if (self->readers != NULL)
    g_thread_pool_free (g_steal_pointer (&self->readers), FALSE, TRUE);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_clear_object (&self->soup);
  g_clear_pointer (&self->sockets, g_ptr_array_unref);
  G_OBJECT_CLASS (mt_server_parent_class)->dispose (object);
}

static void
mt_server_class_init (MtServerClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = mt_server_dispose;
}

static void
mt_server_init (MtServer *self)
{
  self->sockets = g_ptr_array_new_with_free_func (g_object_unref);
}

void
mt_server_set_ingest (MtServer *self,
                      MtIngest *ingest)
{
  g_set_object (&self->ingest, ingest);
}

typedef struct
{
  char *db_path;
  char *dir;
  int   year;
  int   month;
} ReportsJob;

static void
reports_job_free (ReportsJob *job)
{
  g_free (job->db_path);
  g_free (job->dir);
  g_free (job);
}

/* A month's reports on a thread with its own connection: the server goes on answering */
static void
reports_thread (GTask        *task,
                gpointer      source,
                gpointer      data,
                GCancellable *cancellable)
{
  ReportsJob *job = data;
  GError *error = NULL;
  MtDb *db = mt_db_open (job->db_path, &error);
  guint written = 0;

  if (db != NULL)
    {
      mt_report_write_month (db, job->dir, job->year, job->month, &written, &error);
      mt_db_close (db);
    }
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_int (task, written);
}

static void
reports_done_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      data)
{
  MtServer *self = MT_SERVER (source);
  g_autoptr(GError) error = NULL;
  gssize written = g_task_propagate_int (G_TASK (result), &error);

  self->reporting = FALSE;
  if (error != NULL)
    g_warning ("The monthly reports were not written: %s", error->message);
  else if (written > 0)
    g_message ("%" G_GSSIZE_FORMAT " monthly reports written to %s", written, self->report_dir);
}

/* Last month's reports, for each operator still without them */
static gboolean
reports_tick_cb (gpointer data)
{
  MtServer *self = data;
  g_autoptr(GDateTime) today = g_date_time_new_from_unix_utc (mt_stats_day_of (mt_now ()) * 86400);
  g_autoptr(GDateTime) last = g_date_time_add_months (today, -1);
  g_autoptr(GTask) task = NULL;
  ReportsJob *job;

  if (self->reporting || self->report_dir == NULL)
    return G_SOURCE_CONTINUE;
  self->reporting = TRUE;
  job = g_new0 (ReportsJob, 1);
  job->db_path = g_strdup (mt_db_get_path (self->db));
  job->dir = g_strdup (self->report_dir);
  job->year = g_date_time_get_year (last);
  job->month = g_date_time_get_month (last);
  task = g_task_new (self, NULL, reports_done_cb, NULL);
  g_task_set_task_data (task, job, (GDestroyNotify) reports_job_free);
  g_task_run_in_thread (task, reports_thread);
  return G_SOURCE_CONTINUE;
}

void
mt_server_set_report_dir (MtServer   *self,
                          const char *dir)
{
  g_clear_handle_id (&self->report_id, g_source_remove);
  g_free (self->report_dir);
  self->report_dir = g_strdup (dir);
  if (dir == NULL)
    return;
  /* now, then every hour: the first look after a month ends writes its reports */
  reports_tick_cb (self);
  self->report_id = g_timeout_add_seconds (3600, reports_tick_cb, self);
}

MtServer *
mt_server_new (MtDb *db)
{
  MtServer *self = g_object_new (MT_TYPE_SERVER, NULL);

  self->db = db;
  self->context = g_main_context_ref_thread_default ();
  if (mt_db_get_path (db) != NULL && strcmp (mt_db_get_path (db), ":memory:") != 0)
    self->readers = g_thread_pool_new (reader_thread, NULL, MIN (MAX (g_get_num_processors (), 2), 8), TRUE, NULL);
  return self;
}

/* A body announced bigger than the limit is refused before it is read */
static void
got_headers_cb (SoupServerMessage *msg,
                gpointer           data)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  static const char answer[] = "{\"error\":{\"code\":\"too-large\",\"message\":\"request too large\"}}";

  if (soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CONTENT_LENGTH &&
      soup_message_headers_get_content_length (headers) > MT_SERVER_MAX_BODY)
    {
      soup_server_message_set_status (msg, 413, NULL);
      soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_STATIC, answer,
                                        sizeof answer - 1);
    }
}

static void
request_started_cb (SoupServer        *soup,
                    SoupServerMessage *msg,
                    gpointer           data)
{
  g_signal_connect (msg, "got-headers", G_CALLBACK (got_headers_cb), data);
}

static gboolean
overdue_cb (gpointer data)
{
  MtServer *self = data;
  g_autoptr(GError) error = NULL;
  gint64 n = mt_orders_mark_overdue (self->db, &error);

  if (n < 0)
    g_warning ("The overdue check failed: %s", error->message);
  else if (n > 0 && self->verbose)
    g_printerr ("overdue orders=%" G_GINT64_FORMAT "\n", n);
  /* an order can also have changed only its power-cut intent: the journal says whether to tell */
  notify_changed (self);
  return G_SOURCE_CONTINUE;
}

gboolean
mt_server_listen (MtServer         *self,
                  const char       *address,
                  guint             port,
                  GTlsCertificate  *certificate,
                  GError          **error)
{
  g_autoptr(GInetAddress) inet = g_inet_address_new_from_string (address ? address : "127.0.0.1");
  g_autoptr(GSocketAddress) socket_address = NULL;

  g_return_val_if_fail (MT_IS_SERVER (self), FALSE);
  if (inet == NULL)
    {
      g_set_error (error, MT_ERROR, MT_ERROR_INVALID, _("“%s” is not an IP address"), address);
      return FALSE;
    }
  self->soup = soup_server_new ("server-header", "mingtang-server/" PACKAGE_VERSION,
                                certificate ? "tls-certificate" : NULL, certificate, NULL);
  soup_server_add_handler (self->soup, "/", api_cb, self, NULL);
  soup_server_add_websocket_handler (self->soup, API_PREFIX "events", NULL, NULL, websocket_cb, self, NULL);
  g_signal_connect (self->soup, "request-started", G_CALLBACK (request_started_cb), self);
  socket_address = g_inet_socket_address_new (inet, port);
  if (!soup_server_listen (self->soup, socket_address, certificate ? SOUP_SERVER_LISTEN_HTTPS : 0, error))
    return FALSE;
  /* orders past their expiry become overdue at start and every few minutes after */
  overdue_cb (self);
  self->overdue_id = g_timeout_add_seconds (MT_OVERDUE_CHECK_SECONDS, overdue_cb, self);
  return TRUE;
}

char *
mt_server_get_url (MtServer *self)
{
  GSList *uris;
  char *url = NULL;

  g_return_val_if_fail (MT_IS_SERVER (self), NULL);
  uris = soup_server_get_uris (self->soup);
  if (uris)
    url = g_uri_to_string (uris->data);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  return url;
}

void
mt_server_set_verbose (MtServer *self,
                       gboolean  verbose)
{
  g_return_if_fail (MT_IS_SERVER (self));
  self->verbose = verbose;
}
