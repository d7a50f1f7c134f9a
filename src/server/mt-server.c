/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mt-server"

#include "config.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <locale.h>

#include "mt-entity.h"
#include "mt-error.h"
#include "mt-fences.h"
#include "mt-listing.h"
#include "mt-ops.h"
#include "mt-orders.h"
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
};

G_DEFINE_FINAL_TYPE (MtServer, mt_server, G_TYPE_OBJECT)

typedef struct
{
  MtServer           *server;
  SoupServerMessage  *msg;      /* NULL when handled without a connection (mt_server_handle) */
  const char         *path;
  SoupMessageHeaders *request_headers;
  SoupMessageHeaders *response_headers;
  GBytes             *response; /* the answer's body, or NULL */
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
  const char        *action;     /* the word the address chose among its alternatives ("a|b") */
  const MtEntity    *entity;     /* the entity of an entity address ("E") */
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
    soup_server_message_set_response (msg, "application/json; charset=utf-8", SOUP_MEMORY_COPY,
                                      g_bytes_get_data (req->response, NULL), g_bytes_get_size (req->response));
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
  static const struct { int code; guint status; const char *name; } map[] = {
    { MT_ERROR_INVALID, 422, "invalid" },
    { MT_ERROR_NOT_FOUND, 404, "not-found" },
    { MT_ERROR_CONFLICT, 409, "conflict" },
    { MT_ERROR_FORBIDDEN, 403, "forbidden" },
    { MT_ERROR_AUTH, 401, "unauthorized" },
    { MT_ERROR_DISABLED, 401, "disabled" },
    { MT_ERROR_THROTTLED, 429, "throttled" },
  };

  if (error->domain == MT_ERROR)
    for (guint i = 0; i < G_N_ELEMENTS (map); i++)
      if (map[i].code == error->code)
        {
          respond_error (req, map[i].status, map[i].name, error->message, mt_error_get_field (error));
          return;
        }
  g_warning ("%s %s: %s", req->method, req->path, error->message);
  respond_error (req, 500, "failed", error->message, NULL);
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

static gboolean
parse_id (const char *text,
          gint64     *id)
{
  return text != NULL && g_ascii_string_to_signed (text, 10, 1, G_MAXINT64, (gint64 *) id, NULL);
}

/* A JSON value as the core's field text; FALSE for objects and arrays */
static gboolean
node_to_text (JsonNode  *node,
              char     **text)
{
  if (JSON_NODE_HOLDS_NULL (node))
    *text = g_strdup ("");
  else if (!JSON_NODE_HOLDS_VALUE (node))
    return FALSE;
  else if (json_node_get_value_type (node) == G_TYPE_STRING)
    *text = g_strdup (json_node_get_string (node));
  else if (json_node_get_value_type (node) == G_TYPE_INT64)
    *text = g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));
  else if (json_node_get_value_type (node) == G_TYPE_DOUBLE)
    {
      char buf[G_ASCII_DTOSTR_BUF_SIZE];

      /* a number written with a fraction or an exponent stays one, so a whole-number field
       * (fen, a count) refuses it: 1e3 and 1000.0 are not 1000 */
      g_ascii_dtostr (buf, sizeof buf, json_node_get_double (node));
      *text = strpbrk (buf, ".eEn") ? g_strdup (buf) : g_strconcat (buf, ".0", NULL);
    }
  else if (json_node_get_value_type (node) == G_TYPE_BOOLEAN)
    *text = g_strdup (json_node_get_boolean (node) ? "true" : "false");
  else
    return FALSE;
  return TRUE;
}

/* Body members as the field table of mt_entity_save (all but @skip) */
static GHashTable *
body_fields (Request     *req,
             const char  *skip)
{
  GHashTable *fields = mt_fields_new ();
  g_autoptr(GList) members = json_object_get_members (req->body);

  for (GList *l = members; l; l = l->next)
    {
      char *text = NULL;

      if (skip && g_str_equal (l->data, skip))
        continue;
      if (!node_to_text (json_object_get_member (req->body, l->data), &text))
        {
          respond_invalid (req, l->data, _("must be a text, a number, true or false"));
          g_hash_table_unref (fields);
          return NULL;
        }
      g_hash_table_insert (fields, g_strdup (l->data), text);
    }
  return fields;
}

static gboolean
body_int (Request    *req,
          const char *member,
          gboolean    required,
          gint64     *value)
{
  JsonNode *node = req->body ? json_object_get_member (req->body, member) : NULL;

  if (node == NULL && !required)
    return TRUE;
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64)
    {
      respond_invalid (req, member, node ? _("must be a whole number") : _("is required"));
      return FALSE;
    }
  *value = json_node_get_int (node);
  return TRUE;
}

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

/* "ids": [1, 2, 3] */
static GArray *
body_ids (Request *req,
          gboolean required)
{
  JsonNode *node = req->body ? json_object_get_member (req->body, "ids") : NULL;
  JsonArray *array;
  GArray *ids;

  if (node == NULL && !required)
    return g_array_new (FALSE, FALSE, sizeof (gint64));
  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node) || (required && json_array_get_length (json_node_get_array (node)) == 0))
    {
      respond_invalid (req, "ids", _("must be a list of row numbers"));
      return NULL;
    }
  array = json_node_get_array (node);
  ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);
      gint64 id;

      if (!JSON_NODE_HOLDS_VALUE (element) || json_node_get_value_type (element) != G_TYPE_INT64)
        {
          respond_invalid (req, "ids", _("must be a list of row numbers"));
          g_array_unref (ids);
          return NULL;
        }
      id = json_node_get_int (element);
      g_array_append_val (ids, id);
    }
  return ids;
}

static void
add_row_object (JsonBuilder *b,
                GHashTable  *row)
{
  GHashTableIter iter;
  const char *key, *value;

  json_builder_begin_object (b);
  g_hash_table_iter_init (&iter, row);
  while (g_hash_table_iter_next (&iter, (gpointer *) &key, (gpointer *) &value))
    {
      json_builder_set_member_name (b, key);
      if (g_str_equal (key, "id") || g_str_equal (key, "version"))
        json_builder_add_int_value (b, g_ascii_strtoll (value, NULL, 10));
      else
        json_builder_add_string_value (b, value);
    }
  json_builder_end_object (b);
}

static void
respond_saved (Request *req,
               guint    status,
               const char *table,
               gint64   id)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autofree char *sql = g_strdup_printf ("SELECT version FROM %s WHERE id = ?", table);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "id");
  json_builder_add_int_value (b, id);
  json_builder_set_member_name (b, "version");
  json_builder_add_int_value (b, mt_db_query_int (req->server->db, 0, sql, "i", id));
  json_builder_end_object (b);
  respond_builder (req, status, b);
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

/* 204 and a change notice, or the error */
static void
respond_done (Request      *req,
              gboolean      ok,
              const GError *error)
{
  if (!ok)
    return respond_gerror (req, error);
  notify_changed (req->server);
  respond_node (req, 204, NULL);
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

/*
 * The tables a replica may hold and how their rows are scoped: by owner columns as the core's
 * listings scope them, or through a parent row. A table is fed to an account whose pages show
 * its rows (mt_actor_sees_table), or show its parent's.
 */
typedef struct
{
  const char *table;
  const char *op_col;        /* owner columns for mt_actor_scope_sql; NULL: shared by everyone */
  const char *store_col;
  const char *parent_fk;     /* child rows: this column points at a row of parent */
  const char *parent;
  const char *pages;         /* also fed to accounts that view one of these pages */
} FeedTable;

static const FeedTable feed_tables[] = {
  { "operators", "id", NULL, NULL, NULL, NULL },
  { "roles", "operator_id", NULL, NULL, NULL, NULL },
  { "accounts", "operator_id", "store_id", NULL, NULL, NULL },
  { "settings", "operator_id", NULL, NULL, NULL, NULL },
  { "stores", "operator_id", "id", NULL, NULL, NULL },
  { "device_types", NULL, NULL, NULL, NULL, NULL },
  { "device_specs", NULL, NULL, NULL, NULL, NULL },
  { "members", "operator_id", "store_id", NULL, NULL, NULL },
  { "devices", "operator_id", "store_id", NULL, NULL, NULL },
  { "repairs", "operator_id", "store_id", NULL, NULL, NULL },
  { "repair_steps", NULL, NULL, "repair_id", "repairs", NULL },
  { "messages", "operator_id", NULL, NULL, NULL, NULL },
  { "billing_rules", "operator_id", NULL, NULL, NULL, NULL },
  { "billing_services", NULL, NULL, "rule_id", "billing_rules", NULL },
  { "orders", "operator_id", "store_id", NULL, NULL, NULL },
  { "rentals", "operator_id", "store_id", NULL, NULL, NULL },
  { "ledger", "operator_id", "store_id", NULL, NULL, NULL },
  { "deposits", "operator_id", "store_id", NULL, NULL, NULL },
  { "deposit_refunds", "operator_id", "store_id", NULL, NULL, NULL },
  { "withdrawals", "operator_id", "store_id", NULL, NULL, NULL },
  { "split_rules", "operator_id", "store_id", NULL, NULL, "splits" },
  { "splits", "operator_id", "store_id", NULL, NULL, NULL },
  { "referrals", "operator_id", "store_id", NULL, NULL, NULL },
  { "campaigns", "operator_id", NULL, NULL, NULL, NULL },
  { "recharge_plans", "operator_id", NULL, NULL, NULL, "recharges" },
  { "recharges", "operator_id", "store_id", NULL, NULL, NULL },
  { "rental_cards", "operator_id", NULL, NULL, NULL, "campaigns members" },
  { "member_cards", "operator_id", NULL, NULL, NULL, "members" },
  { "alarms", "operator_id", "store_id", NULL, NULL, NULL },
  { "alarm_hidden", NULL, NULL, NULL, NULL, "alarms alarm_types" },
  { "geofences", "operator_id", NULL, NULL, NULL, NULL },
  { "geofence_devices", NULL, NULL, "fence_id", "geofences", NULL },
};

static const FeedTable *
feed_table (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (feed_tables); i++)
    if (g_str_equal (feed_tables[i].table, name))
      return &feed_tables[i];
  return NULL;
}

/* "('operators', 'roles', …)": the journal's fed tables, for SQL */
static const char *
feed_tables_sql (void)
{
  static gsize sql = 0;

  if (g_once_init_enter (&sql))
    {
      GString *s = g_string_new ("(");

      for (guint i = 0; i < G_N_ELEMENTS (feed_tables); i++)
        g_string_append_printf (s, "%s'%s'", i ? ", " : "", feed_tables[i].table);
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
  for (guint i = 0; i < G_N_ELEMENTS (feed_tables); i++)
    {
      g_autofree char *head = g_strdup_printf ("SELECT count(*) FROM %s WHERE deleted = 0", feed_tables[i].table);
      sqlite3_stmt *stmt = feed_statement (req, &feed_tables[i], head, NULL);

      if (stmt == NULL)
        continue;
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "table");
      json_builder_add_string_value (b, feed_tables[i].table);
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

static void
handle_list (Request        *req,
             const MtEntity *entity)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MtListing) listing = mt_listing_new (req->server->db, req->actor, mt_entity_get_page (entity), &error);
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(GPtrArray) rows = NULL;
  const char *text;
  gint64 offset = 0, limit = 100;
  guint n_columns;
  const MtListColumn *columns;

  if (listing == NULL)
    return respond_gerror (req, error);
  if (req->query && (text = g_hash_table_lookup (req->query, "offset")) &&
      !g_ascii_string_to_signed (text, 10, 0, G_MAXINT32, &offset, NULL))
    return respond_invalid (req, "offset", _("must be a whole number"));
  if (req->query && (text = g_hash_table_lookup (req->query, "limit")) &&
      !g_ascii_string_to_signed (text, 10, 1, MAX_LIST, &limit, NULL))
    return respond_invalid (req, "limit", _("must be a number from 1 to 1000"));
  if (req->query && (text = g_hash_table_lookup (req->query, "search")))
    mt_listing_set_search (listing, text);
  if (req->query && (text = g_hash_table_lookup (req->query, "state")))
    mt_listing_set_state (listing, text);

  columns = mt_listing_get_columns (listing, &n_columns);
  rows = mt_listing_fetch (listing, (guint) offset, (guint) limit);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "total");
  json_builder_add_int_value (b, mt_listing_count (listing));
  json_builder_set_member_name (b, "rows");
  json_builder_begin_array (b);
  for (guint i = 0; i < rows->len; i++)
    {
      MtListRow *row = rows->pdata[i];

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "id");
      json_builder_add_int_value (b, row->id);
      json_builder_set_member_name (b, "version");
      json_builder_add_int_value (b, row->version);
      json_builder_set_member_name (b, "cells");
      json_builder_begin_object (b);
      for (guint c = 0; c < n_columns; c++)
        {
          json_builder_set_member_name (b, columns[c].key);
          json_builder_add_string_value (b, row->cells[c]);
        }
      json_builder_end_object (b);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  respond_builder (req, 200, b);
}

/* A row was written through the generic entity API */
static void
entity_changed (Request        *req,
                const MtEntity *entity)
{
  notify_changed (req->server);
  if (req->server->ingest != NULL && g_str_equal (mt_entity_get_page (entity), "geofences"))
    mt_ingest_fences_changed (req->server->ingest);
}

/* GET ENTITY */
static void
op_entity_list (Request *req)
{
  handle_list (req, req->entity);
}

/* GET ENTITY/ID */
static void
op_entity_get (Request *req)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) row = mt_entity_load (req->server->db, req->actor, req->entity, req->id, &error);
  g_autoptr(JsonBuilder) b = json_builder_new ();

  if (row == NULL)
    return respond_gerror (req, error);
  g_hash_table_remove (row, "password_hash");
  add_row_object (b, row);
  respond_builder (req, 200, b);
}

/* POST ENTITY {fields} */
static void
op_entity_create (Request *req)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) fields = NULL;
  gint64 id;

  if (req->body == NULL)
    return respond_error (req, 400, "malformed", _("The request needs a JSON object"), NULL);
  if (!(fields = body_fields (req, NULL)))
    return;
  id = mt_entity_save (req->server->db, req->actor, req->entity, 0, 0, fields, &error);
  if (id == 0)
    return respond_gerror (req, error);
  entity_changed (req, req->entity);
  respond_saved (req, 201, req->segments[0], id);
}

/* PUT ENTITY/ID {version, fields} */
static void
op_entity_update (Request *req)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) fields = NULL;
  gint64 version = 0;

  if (req->body == NULL)
    return respond_error (req, 400, "malformed", _("The request needs a JSON object"), NULL);
  if (!body_int (req, "version", TRUE, &version) || !(fields = body_fields (req, "version")))
    return;
  if (mt_entity_save (req->server->db, req->actor, req->entity, req->id, version, fields, &error) == 0)
    return respond_gerror (req, error);
  entity_changed (req, req->entity);
  respond_saved (req, 200, req->segments[0], req->id);
}

/* DELETE ENTITY/ID?version=N */
static void
op_entity_delete (Request *req)
{
  g_autoptr(GError) error = NULL;
  const char *text = req->query ? g_hash_table_lookup (req->query, "version") : NULL;
  gint64 version = 0;

  if (text == NULL || !g_ascii_string_to_signed (text, 10, G_MININT64, G_MAXINT64, &version, NULL))
    return respond_invalid (req, "version", _("is required"));
  if (!mt_entity_delete (req->server->db, req->actor, req->entity, req->id, version, &error))
    return respond_gerror (req, error);
  entity_changed (req, req->entity);
  respond_node (req, 204, NULL);
}

/* A device's rental changed: its discharge relay follows at once */
static void
power_policy (Request *req,
              gint64   device_id)
{
  if (req->server->ingest != NULL && device_id != 0)
    mt_ingest_device_changed (req->server->ingest, device_id);
}

/* POST devices/transfer {ids, operator_id | store_id}, devices/type {ids, type_id},
 * devices/power-cut {ids, on} */
static void
op_devices_batch (Request *req)
{
  MtDb *db = req->server->db;
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) ids = NULL;
  const char *action = req->action;
  gint64 a = 0, b = 0;
  gboolean ok;

  if (req->body == NULL)
    return respond_error (req, 400, "malformed", _("The request needs a JSON object"), NULL);
  if (!(ids = body_ids (req, TRUE)))
    return;
  if (g_str_equal (action, "transfer"))
    {
      if (!body_int (req, "operator_id", FALSE, &a) || !body_int (req, "store_id", FALSE, &b))
        return;
      ok = mt_devices_transfer (db, req->actor, (gint64 *) ids->data, ids->len, a, b, &error);
    }
  else if (g_str_equal (action, "type"))
    {
      if (!body_int (req, "type_id", TRUE, &a))
        return;
      ok = mt_devices_set_type (db, req->actor, (gint64 *) ids->data, ids->len, a, &error);
    }
  else
    {
      gboolean on;

      if (!body_bool (req, "on", &on))
        return;
      ok = mt_devices_set_power_cut (db, req->actor, (gint64 *) ids->data, ids->len, on, &error);
      for (guint i = 0; ok && i < ids->len; i++)
        power_policy (req, g_array_index (ids, gint64, i));
    }
  respond_done (req, ok, error);
}

/* POST repairs {device_id, reporter_kind, reporter, fault} */
static void
op_repair_report (Request *req)
{
  g_autoptr(GError) error = NULL;
  gint64 id, device = 0;
  const char *kind, *reporter, *fault;

  if (req->body == NULL)
    return respond_error (req, 400, "malformed", _("The request needs a JSON object"), NULL);
  if (!body_int (req, "device_id", TRUE, &device) ||
      !(kind = body_string (req, "reporter_kind", TRUE)) ||
      !(reporter = body_string (req, "reporter", FALSE)) ||
      !(fault = body_string (req, "fault", TRUE)))
    return;
  id = mt_repair_report (req->server->db, req->actor, device, kind, reporter, fault, &error);
  if (id == 0)
    return respond_gerror (req, error);
  notify_changed (req->server);
  respond_saved (req, 201, "repairs", id);
}

/* POST repairs/ID/steps {version, state, note, cost_fen} */
static void
op_repair_steps (Request *req)
{
  g_autoptr(GError) error = NULL;
  gint64 version = 0, cost = 0;
  const char *state, *note;

  if (req->body == NULL)
    return respond_error (req, 400, "malformed", _("The request needs a JSON object"), NULL);
  if (!body_int (req, "version", TRUE, &version) || !(state = body_string (req, "state", TRUE)) ||
      !(note = body_string (req, "note", FALSE)) || !body_int (req, "cost_fen", FALSE, &cost))
    return;
  if (!mt_repair_progress (req->server->db, req->actor, req->id, version, state, note, cost, &error))
    return respond_gerror (req, error);
  notify_changed (req->server);
  respond_saved (req, 200, "repairs", req->id);
}

/* The value of a setting as the account's operator has it */
static void
respond_setting (Request             *req,
                 const MtSettingInfo *info)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autofree char *value = mt_setting_get (req->server->db, req->actor->operator_id, info->key);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "key");
  json_builder_add_string_value (b, info->key);
  json_builder_set_member_name (b, "value");
  json_builder_add_string_value (b, value ? value : "");
  json_builder_end_object (b);
  respond_builder (req, 200, b);
}

/* GET settings/KEY */
static void
op_setting_get (Request *req)
{
  const MtSettingInfo *info = mt_setting_lookup (req->name);
  g_autoptr(GError) error = NULL;

  if (info == NULL)
    return respond_error (req, 404, "not-found", _("There is no such setting"), NULL);
  if (!mt_actor_require (req->actor, "settings", "view", &error))
    return respond_gerror (req, error);
  respond_setting (req, info);
}

/* PUT settings/KEY {value} */
static void
op_setting_set (Request *req)
{
  const MtSettingInfo *info = mt_setting_lookup (req->name);
  g_autoptr(GError) error = NULL;
  const char *text;

  if (info == NULL)
    return respond_error (req, 404, "not-found", _("There is no such setting"), NULL);
  if (req->body == NULL)
    return respond_error (req, 400, "malformed", _("The request needs a JSON object"), NULL);
  if (!(text = body_string (req, "value", TRUE)))
    return;
  if (!mt_setting_set (req->server->db, req->actor, info->key, text, &error))
    return respond_gerror (req, error);
  notify_changed (req->server);
  respond_setting (req, info);
}

/* POST messages/ID/send */
static void
op_message_send (Request *req)
{
  g_autoptr(GError) error = NULL;
  gboolean ok = mt_message_send (req->server->db, req->actor, req->id, &error);

  respond_done (req, ok, error);
}

/* PUT operators/ID/enabled {enabled} */
static void
op_operator_enabled (Request *req)
{
  g_autoptr(GError) error = NULL;
  gboolean enabled, ok;

  if (req->body == NULL)
    return respond_error (req, 400, "malformed", _("The request needs a JSON object"), NULL);
  if (!body_bool (req, "enabled", &enabled))
    return;
  ok = mt_operator_set_enabled (req->server->db, req->actor, req->id, enabled, &error);
  respond_done (req, ok, error);
}

/* ------------------------------------------------------------------ money */

/* A body with only the members this request takes: anything else is refused naming it */
static gboolean
body_only (Request           *req,
           const char *const *allowed)
{
  g_autoptr(GList) members = NULL;

  if (req->body == NULL)
    {
      respond_error (req, 400, "malformed", _("The request needs a JSON object"), NULL);
      return FALSE;
    }
  members = json_object_get_members (req->body);
  for (GList *l = members; l; l = l->next)
    if (!g_strv_contains (allowed, l->data))
      {
        respond_invalid (req, l->data, _("is not a field of this request"));
        return FALSE;
      }
  return TRUE;
}

/* An optional true/false member, FALSE when absent */
static gboolean
body_flag (Request    *req,
           const char *member,
           gboolean   *value)
{
  *value = FALSE;
  return !json_object_has_member (req->body, member) || body_bool (req, member, value);
}

static void
add_int (JsonBuilder *b,
         const char  *name,
         gint64       value)
{
  json_builder_set_member_name (b, name);
  json_builder_add_int_value (b, value);
}

static gboolean
body_rent_request (Request       *req,
                   MtRentRequest *r)
{
  static const char *const allowed[] = { "store_id", "device_id", "member_id", "mobile", "name", "id_card",
                                         "periods", "services", "pay_method", "referrer", NULL };
  gint64 periods = 0, services = 0;

  if (!body_only (req, allowed) || !body_int (req, "store_id", TRUE, &r->store_id) ||
      !body_int (req, "device_id", TRUE, &r->device_id) || !body_int (req, "member_id", FALSE, &r->member_id) ||
      !(r->mobile = body_string (req, "mobile", FALSE)) || !(r->name = body_string (req, "name", FALSE)) ||
      !(r->id_card = body_string (req, "id_card", FALSE)) || !body_int (req, "periods", TRUE, &periods) ||
      !body_int (req, "services", FALSE, &services) || !(r->pay_method = body_string (req, "pay_method", TRUE)) ||
      !(r->referrer = body_string (req, "referrer", FALSE)))
    return FALSE;
  if (periods < 1 || periods > MT_MAX_PERIODS || services < 0 || services > 7)
    {
      respond_invalid (req, periods < 1 || periods > MT_MAX_PERIODS ? "periods" : "services",
                       _("is out of range"));
      return FALSE;
    }
  r->periods = (guint) periods;
  r->services = (guint) services;
  return TRUE;
}

static gboolean
body_end_request (Request      *req,
                  MtEndRequest *end)
{
  static const char *const allowed[] = { "damage_fen", "pay_method", "forced", "hold_deposit", NULL };
  const char *method;

  if (!body_only (req, allowed) || !body_int (req, "damage_fen", FALSE, &end->damage_fen) ||
      !(method = body_string (req, "pay_method", FALSE)) || !body_flag (req, "forced", &end->forced) ||
      !body_flag (req, "hold_deposit", &end->hold_deposit))
    return FALSE;
  end->pay_method = *method ? method : NULL;
  return TRUE;
}

static void
respond_settlement (Request            *req,
                    gint64              order_id,
                    const MtSettlement *s)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  add_int (b, "order_id", order_id);
  add_int (b, "overdue_fen", s->overdue_fen);
  add_int (b, "damage_fen", s->damage_fen);
  add_int (b, "deducted_fen", s->deducted_fen);
  add_int (b, "shortfall_fen", s->shortfall_fen);
  add_int (b, "refund_fen", s->refund_fen);
  json_builder_end_object (b);
  respond_builder (req, 200, b);
}

/* POST orders/quote {rent request}: the breakdown and the contract, nothing written */
static void
op_order_quote (Request *req)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MtBillingRule) rule = NULL;
  g_autofree char *contract = NULL;
  MtRentRequest r = { 0 };
  MtQuote quote;

  if (!body_rent_request (req, &r))
    return;
  if (!mt_order_quote (req->server->db, req->actor, &r, &quote, &contract, &rule, &error))
    return respond_gerror (req, error);
  {
    g_autoptr(JsonBuilder) b = json_builder_new ();

    json_builder_begin_object (b);
    add_int (b, "periods", quote.periods);
    add_int (b, "rent_fen", quote.rent_fen);
    add_int (b, "services_fen", quote.services_fen);
    add_int (b, "deposit_fen", quote.deposit_fen);
    add_int (b, "total_fen", quote.total_fen);
    json_builder_set_member_name (b, "contract");
    json_builder_add_string_value (b, contract ? contract : "");
    /* the rule's services, in the order of the services bits */
    json_builder_set_member_name (b, "services");
    json_builder_begin_array (b);
    for (guint i = 0; i < rule->n_services; i++)
      {
        json_builder_begin_object (b);
        json_builder_set_member_name (b, "name");
        json_builder_add_string_value (b, rule->services[i].name);
        add_int (b, "price_fen", rule->services[i].price_fen);
        json_builder_set_member_name (b, "per_period");
        json_builder_add_boolean_value (b, rule->services[i].per_period);
        json_builder_end_object (b);
      }
    json_builder_end_array (b);
    json_builder_end_object (b);
    respond_builder (req, 200, b);
  }
}

/* POST orders {rent request}: rents */
static void
op_order_rent (Request *req)
{
  g_autoptr(GError) error = NULL;
  MtRentRequest r = { 0 };
  gint64 id;

  if (!body_rent_request (req, &r))
    return;
  id = mt_order_rent (req->server->db, req->actor, &r, &error);
  if (id == 0)
    return respond_gerror (req, error);
  power_policy (req, r.device_id);
  respond_saved (req, 201, "orders", id);
}

/* POST orders/ID/renew {periods, pay_method} */
static void
op_order_renew (Request *req)
{
  MtDb *db = req->server->db;
  g_autoptr(GError) error = NULL;
  static const char *const allowed[] = { "periods", "pay_method", NULL };
  gint64 periods = 0;
  const char *method;

  if (!body_only (req, allowed) || !body_int (req, "periods", TRUE, &periods) ||
      !(method = body_string (req, "pay_method", TRUE)))
    return;
  if (periods < 1 || periods > MT_MAX_PERIODS)
    respond_invalid (req, "periods", _("is out of range"));
  else if (!mt_order_renew (db, req->actor, req->id, (guint) periods, method, &error))
    respond_gerror (req, error);
  else
    respond_saved (req, 200, "orders", req->id);
}

/* POST orders/ID/replace {device_id, fault} */
static void
op_order_replace (Request *req)
{
  MtDb *db = req->server->db;
  g_autoptr(GError) error = NULL;
  static const char *const allowed[] = { "device_id", "fault", NULL };
  gint64 device = 0;
  const char *fault;

  if (!body_only (req, allowed) || !body_int (req, "device_id", TRUE, &device) ||
      !(fault = body_string (req, "fault", FALSE)))
    return;
  gint64 old = mt_db_query_int (db, 0, "SELECT device_id FROM orders WHERE id = ?", "i", req->id);

  if (!mt_order_replace (db, req->actor, req->id, device, *fault ? fault : NULL, &error))
    respond_gerror (req, error);
  else
    {
      power_policy (req, old);
      power_policy (req, device);
      respond_saved (req, 200, "orders", req->id);
    }
}

/* POST orders/ID/settlement and orders/ID/end {damage_fen, pay_method, forced, hold_deposit} */
static void
op_order_settle (Request *req)
{
  MtDb *db = req->server->db;
  g_autoptr(GError) error = NULL;
  gboolean end = g_str_equal (req->action, "end");
  MtEndRequest request = { 0 };
  MtSettlement s;
  gboolean ok;

  if (!body_end_request (req, &request))
    return;
  ok = end ? mt_order_end (db, req->actor, req->id, &request, &s, &error)
           : mt_order_settlement (db, req->actor, req->id, &request, &s, &error);
  if (!ok)
    return respond_gerror (req, error);
  if (end)
    power_policy (req, mt_db_query_int (db, 0, "SELECT device_id FROM orders WHERE id = ?", "i", req->id));
  respond_settlement (req, req->id, &s);
}

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
  Request req = { .server = call->server, .msg = call->msg, .method = "POST", .actor = actor, .status = 500,
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
  static const char *const allowed[] = { "cmd", "on", "params", NULL };
  g_autoptr(GError) error = NULL;
  g_autofree char *device_no = NULL;
  CommandCall *call;
  const char *name;
  gint64 id = req->id;
  MtCommand command = { 0 };

  if (!body_only (req, allowed) || !(name = body_string (req, "cmd", TRUE)))
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
  stmt = mt_db_prepare (req->server->db, NULL, "SELECT online, coalesce (last_seen, 0), payload FROM device_status "
                                               "WHERE device_id = ?", "i", id);
  if (stmt && sqlite3_step (stmt) == SQLITE_ROW)
    {
      online = sqlite3_column_int (stmt, 0);
      last_seen = sqlite3_column_int64 (stmt, 1);
      payload = g_strdup ((const char *) sqlite3_column_text (stmt, 2));
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

/* POST geofences/ID/assign {ids, store_id}; POST geofences/ID/unassign {ids} (none: all) */
static void
op_fence_assign (Request *req)
{
  static const char *const allowed[] = { "ids", "store_id", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) ids = NULL;
  g_autoptr(JsonBuilder) b = NULL;
  gboolean assign = g_str_equal (req->action, "assign");
  gint64 fence = req->id, store = 0, n;

  if (req->body == NULL)
    return respond_error (req, 400, "malformed", _("The request needs a JSON object"), NULL);
  if (!body_only (req, assign ? allowed : (const char *const[]) { "ids", NULL }) || !(ids = body_ids (req, FALSE)) ||
      (assign && !body_int (req, "store_id", FALSE, &store)))
    return;
  if (assign && ids->len == 0 && store == 0)
    return respond_invalid (req, "ids", _("must name devices, or a store_id must be given"));
  n = assign ? mt_fence_assign (req->server->db, req->actor, fence, (gint64 *) ids->data, ids->len, store, &error)
             : mt_fence_unassign (req->server->db, req->actor, fence, (gint64 *) ids->data, ids->len, &error);
  if (n < 0)
    {
      respond_gerror (req, error);
      return;
    }
  notify_changed (req->server);
  if (req->server->ingest != NULL)
    mt_ingest_fences_changed (req->server->ingest);
  b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, assign ? "assigned" : "removed");
  json_builder_add_int_value (b, n);
  json_builder_end_object (b);
  respond_builder (req, 200, b);
}

/* GET devices/ID/track?from=US&to=US: the device's positions, oldest first */
static void
handle_track (Request *req)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) points = NULL;
  gint64 id = 0, from = 0, to = 0;
  const char *names[] = { "from", "to" };
  gint64 *values[] = { &from, &to };

  id = req->id;
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      const char *text = req->query ? g_hash_table_lookup (req->query, names[i]) : NULL;

      if (text == NULL || !g_ascii_string_to_signed (text, 10, 0, G_MAXINT64, values[i], NULL))
        return respond_invalid (req, names[i], _("must be a time in microseconds since 1970 (UTC)"));
    }
  points = mt_track_load (req->server->db, req->actor, id, from, to, &error);
  if (points == NULL)
    return respond_gerror (req, error);
  {
    g_autoptr(JsonNode) node = mt_track_to_json ((MtTrackPoint *) points->data, points->len);
    respond_node (req, 200, node);
  }
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

/* POST alarms/ID/handle {note} */
static void
op_alarm_handle (Request *req)
{
  static const char *const allowed[] = { "note", NULL };
  g_autoptr(GError) error = NULL;
  const char *note;
  gboolean ok;

  if (!body_only (req, allowed) || !(note = body_string (req, "note", FALSE)))
    return;
  ok = mt_alarm_handle (req->server->db, req->actor, req->id, note, &error);
  respond_done (req, ok, error);
}

/* POST alarm_types/ID/hide and alarm_types/ID/show */
static void
op_alarm_type_visibility (Request *req)
{
  g_autoptr(GError) error = NULL;
  gboolean ok = mt_alarm_type_set_hidden (req->server->db, req->actor, req->id, g_str_equal (req->action, "hide"),
                                          &error);

  respond_done (req, ok, error);
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

/* POST withdrawals {store_id, amount_fen, payee} */
static void
op_withdrawal_request (Request *req)
{
  static const char *const allowed[] = { "store_id", "amount_fen", "payee", NULL };
  g_autoptr(GError) error = NULL;
  gint64 id, store = 0, amount = 0;
  const char *payee;

  if (!body_only (req, allowed) || !body_int (req, "store_id", FALSE, &store) ||
      !body_int (req, "amount_fen", TRUE, &amount) || !(payee = body_string (req, "payee", TRUE)))
    return;
  id = mt_withdrawal_request (req->server->db, req->actor, store, amount, payee, &error);
  if (id == 0)
    return respond_gerror (req, error);
  respond_saved (req, 201, "withdrawals", id);
}

/* PUT withdrawals/ID/state {state} */
static void
op_withdrawal_state (Request *req)
{
  static const char *const allowed[] = { "state", NULL };
  g_autoptr(GError) error = NULL;
  const char *state;
  gboolean ok;

  if (!body_only (req, allowed) || !(state = body_string (req, "state", TRUE)))
    return;
  ok = mt_withdrawal_handle (req->server->db, req->actor, req->id, state, &error);
  respond_done (req, ok, error);
}

/* POST members/ID/recharge {plan_id | amount_fen, pay_method} */
static void
op_member_recharge (Request *req)
{
  static const char *const allowed[] = { "plan_id", "amount_fen", "pay_method", NULL };
  g_autoptr(GError) error = NULL;
  gint64 plan = 0, amount = 0;
  const char *method;
  gboolean ok;

  if (!body_only (req, allowed) || !body_int (req, "plan_id", FALSE, &plan) ||
      !body_int (req, "amount_fen", FALSE, &amount) || !(method = body_string (req, "pay_method", TRUE)))
    return;
  ok = mt_member_recharge (req->server->db, req->actor, req->id, plan, amount, method, &error);
  respond_done (req, ok, error);
}

/* POST members/ID/cards {card_id, pay_method} */
static void
op_member_buy_card (Request *req)
{
  static const char *const allowed[] = { "card_id", "pay_method", NULL };
  g_autoptr(GError) error = NULL;
  gint64 card = 0, bought;
  const char *method;

  if (!body_only (req, allowed) || !body_int (req, "card_id", TRUE, &card) ||
      !(method = body_string (req, "pay_method", TRUE)))
    return;
  bought = mt_member_buy_card (req->server->db, req->actor, req->id, card, method, &error);
  if (bought == 0)
    return respond_gerror (req, error);
  respond_saved (req, 201, "member_cards", bought);
}

/* POST deposit_refunds/ID/approve {}; POST deposit_refunds/ID/reject {reason} */
static void
op_deposit_refund (Request *req)
{
  static const char *const allowed[] = { "reason", NULL };
  g_autoptr(GError) error = NULL;
  gboolean approve = g_str_equal (req->action, "approve");
  const char *reason;
  gboolean ok;

  if (!body_only (req, allowed) || !(reason = body_string (req, "reason", !approve)))
    return;
  ok = mt_deposit_refund_handle (req->server->db, req->actor, req->id, approve, reason, &error);
  respond_done (req, ok, error);
}

/* ------------------------------------------------------------------ the operation table */

typedef struct
{
  const char *name;      /* "orders.renew": the operation, in logs and docs/api.md */
  const char *method;
  const char *pattern;   /* segments after /api/v1/: a word, "a|b" one of these words (req->action),
                          * "#" a row id (req->id), "*" a name (req->name), "E" an entity (req->entity) */
  gboolean    open;      /* answered without a session */
  void      (*handler) (Request *req);
} Operation;

static const Operation operations[] = {
  { "session.open", "POST", "session", TRUE, op_session_open },
  { "session.close", "DELETE", "session", TRUE, op_session_close },
  { "changes", "GET", "changes", FALSE, handle_changes },
  { "snapshot", "GET", "snapshot", FALSE, handle_snapshot_start },
  { "snapshot.table", "GET", "snapshot/*", FALSE, handle_snapshot_table },
  { "devices.batch", "POST", "devices/transfer|type|power-cut", FALSE, op_devices_batch },
  { "devices.command", "POST", "devices/#/commands", FALSE, handle_command },
  { "devices.telemetry", "GET", "devices/#/telemetry", FALSE, handle_latest },
  { "devices.track", "GET", "devices/#/track", FALSE, handle_track },
  { "telemetry.status", "GET", "telemetry/status", FALSE, handle_status },
  { "telemetry.positions", "GET", "telemetry/positions", FALSE, handle_positions },
  { "telemetry.stats", "GET", "telemetry/stats", FALSE, op_telemetry_stats },
  { "alarms.handle", "POST", "alarms/#/handle", FALSE, op_alarm_handle },
  { "alarm_types.visibility", "POST", "alarm_types/#/hide|show", FALSE, op_alarm_type_visibility },
  { "geofences.assign", "POST", "geofences/#/assign|unassign", FALSE, op_fence_assign },
  { "repairs.report", "POST", "repairs", FALSE, op_repair_report },
  { "repairs.steps", "POST", "repairs/#/steps", FALSE, op_repair_steps },
  { "orders.quote", "POST", "orders/quote", FALSE, op_order_quote },
  { "orders.rent", "POST", "orders", FALSE, op_order_rent },
  { "orders.renew", "POST", "orders/#/renew", FALSE, op_order_renew },
  { "orders.replace", "POST", "orders/#/replace", FALSE, op_order_replace },
  { "orders.settle", "POST", "orders/#/settlement|end", FALSE, op_order_settle },
  { "members.recharge", "POST", "members/#/recharge", FALSE, op_member_recharge },
  { "members.cards", "POST", "members/#/cards", FALSE, op_member_buy_card },
  { "deposit_refunds.handle", "POST", "deposit_refunds/#/approve|reject", FALSE, op_deposit_refund },
  { "withdrawals.request", "POST", "withdrawals", FALSE, op_withdrawal_request },
  { "withdrawals.state", "PUT", "withdrawals/#/state", FALSE, op_withdrawal_state },
  { "messages.send", "POST", "messages/#/send", FALSE, op_message_send },
  { "operators.enabled", "PUT", "operators/#/enabled", FALSE, op_operator_enabled },
  { "settings.get", "GET", "settings/*", FALSE, op_setting_get },
  { "settings.set", "PUT", "settings/*", FALSE, op_setting_set },
  { "entity.list", "GET", "E", FALSE, op_entity_list },
  { "entity.create", "POST", "E", FALSE, op_entity_create },
  { "entity.get", "GET", "E/#", FALSE, op_entity_get },
  { "entity.update", "PUT", "E/#", FALSE, op_entity_update },
  { "entity.delete", "DELETE", "E/#", FALSE, op_entity_delete },
};

/* Each operation's pattern split into its segments, once for the process */
static char ***
operation_patterns (void)
{
  static char **patterns[G_N_ELEMENTS (operations)];
  static gsize once = 0;

  if (g_once_init_enter (&once))
    {
      for (guint i = 0; i < G_N_ELEMENTS (operations); i++)
        patterns[i] = g_strsplit (operations[i].pattern, "/", -1);
      g_once_init_leave (&once, 1);
    }
  return patterns;
}

/* Whether @word is one of @alternatives ("transfer|type|power-cut"), without allocating */
static gboolean
word_is_one_of (const char *word,
                const char *alternatives)
{
  gsize n = strlen (word);

  for (const char *p = alternatives; p != NULL; p = strchr (p, '|') ? strchr (p, '|') + 1 : NULL)
    if (strncmp (p, word, n) == 0 && (p[n] == '|' || p[n] == '\0'))
      return TRUE;
  return FALSE;
}

/* Whether the request's address has the segments @parts; its captures into @req when it has */
static gboolean
address_matches (Request           *req,
                 const char *const *parts)
{
  req->id = 0;
  req->name = req->action = NULL;
  req->entity = NULL;
  if (g_strv_length ((GStrv) parts) != req->n_segments)
    return FALSE;
  for (guint k = 0; parts[k]; k++)
    {
      const char *segment = req->segments[k];

      if (g_str_equal (parts[k], "#"))
        {
          if (!parse_id (segment, &req->id))
            return FALSE;
        }
      else if (g_str_equal (parts[k], "*"))
        req->name = segment;
      else if (g_str_equal (parts[k], "E"))
        {
          if ((req->entity = mt_entity_lookup (segment)) == NULL)
            return FALSE;
        }
      else if (word_is_one_of (segment, parts[k]))
        req->action = segment;
      else
        return FALSE;
    }
  return TRUE;
}

/* The operation of the request's method and address. None: 405 (with Allow) when the address
 * takes other methods, else 404. Then the session, unless the operation is open. */
static void
route (Request *req)
{
  g_autoptr(GString) allowed = g_string_new (NULL);
  char ***patterns = operation_patterns ();
  const Operation *op = NULL;
  g_autoptr(GError) error = NULL;
  const char *auth;

  for (guint i = 0; i < G_N_ELEMENTS (operations) && op == NULL; i++)
    if (address_matches (req, (const char *const *) patterns[i]))
      {
        if (g_str_equal (operations[i].method, req->method))
          op = &operations[i];
        else if (strstr (allowed->str, operations[i].method) == NULL)
          g_string_append_printf (allowed, "%s%s", allowed->len ? ", " : "", operations[i].method);
      }
  if (op == NULL && allowed->len == 0)
    return respond_error (req, 404, "not-found", _("There is nothing at this address"), NULL);
  if (op == NULL)
    {
      soup_message_headers_replace (req->response_headers, "Allow", allowed->str);
      return respond_error (req, 405, "method", _("This address does not take that method"), NULL);
    }
  if (!op->open)
    {
      auth = soup_message_headers_get_one (req->request_headers, "Authorization");
      req->actor = mt_session_actor (req->server->db, auth && g_str_has_prefix (auth, "Bearer ") ? auth + 7 : NULL,
                                     &error);
      if (req->actor == NULL)
        return respond_gerror (req, error);
    }
  op->handler (req);
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
      g_auto(GStrv) parts = g_strsplit (req->path + strlen (API_PREFIX), "/", -1);
      GPtrArray *segments = g_ptr_array_new ();

      for (guint i = 0; parts[i]; i++)
        if (parts[i][0] != '\0')
          g_ptr_array_add (segments, g_strdup (parts[i]));
      req->n_segments = segments->len;
      g_ptr_array_add (segments, NULL);
      req->segments = (char **) g_ptr_array_free (segments, FALSE);

      if (request_check_query (req) && request_parse_body (req, parser, data, length))
        route (req);
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

static void
api_cb (SoupServer        *soup,
        SoupServerMessage *msg,
        const char        *path,
        GHashTable        *query,
        gpointer           data)
{
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  Request req = { .server = data, .msg = msg, .path = path, .query = query, .status = 500,
                  .method = soup_server_message_get_method (msg),
                  .request_headers = soup_server_message_get_request_headers (msg),
                  .response_headers = soup_server_message_get_response_headers (msg) };

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
  Request req = { .server = self, .path = path, .query = fields, .status = 500, .method = method,
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
  g_clear_object (&self->ingest);
  if (self->soup)
    soup_server_disconnect (self->soup);
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

MtServer *
mt_server_new (MtDb *db)
{
  MtServer *self = g_object_new (MT_TYPE_SERVER, NULL);

  self->db = db;
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
