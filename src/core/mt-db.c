/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mt-db"

#include "config.h"

#include <glib/gi18n.h>
#include <stdlib.h>
#include <string.h>

#include "mt-db-private.h"
#include "mt-error.h"
#include "mt-ops.h"

struct _MtDb
{
  sqlite3    *handle;
  char       *path;
  GHashTable *statements; /* SQL text → sqlite3_stmt */
  int         depth;      /* nesting of mt_db_begin() */
  gboolean    failed;     /* an inner level rolled back */
};

static gint64 (*clock_func) (void) = NULL;

gint64
mt_now (void)
{
  return clock_func ? clock_func () : g_get_real_time ();
}

void
mt_set_clock (gint64 (*clock) (void))
{
  clock_func = clock;
}

int
mt_db_latest_version (void)
{
  return mt_migrations[mt_n_migrations - 1].version;
}

/* The column a constraint message of SQLite names: "NOT NULL constraint failed: t.col",
 * "UNIQUE constraint failed: t.a, t.b", "CHECK constraint failed: col > 0", or the money
 * triggers' "mt-money t.col" */
static char *
constraint_column (const char *msg)
{
  const char *p = strrchr (msg, ':');
  const char *start, *end;

  if (g_str_has_prefix (msg, MT_MONEY_TRIGGER_MESSAGE " "))
    p = msg + strlen (MT_MONEY_TRIGGER_MESSAGE);
  if (p == NULL)
    return NULL;
  for (start = p + 1; *start == ' ' || *start == '('; start++)
    ;
  for (end = start; g_ascii_isalnum (*end) || *end == '_' || *end == '.'; end++)
    ;
  if (end == start)
    return NULL;
  /* "table.column": the column */
  for (p = end; p > start && p[-1] != '.'; p--)
    ;
  return end > p ? g_strndup (p, end - p) : NULL;
}

/*
 * SQLite's own words never reach a user or a client: they are logged, and the error says in
 * the user's language what went wrong — for a constraint, the field it is about.
 */
static void
set_sqlite_error (GError    **error,
                  sqlite3    *handle,
                  int         rc)
{
  const char *msg = handle ? sqlite3_errmsg (handle) : sqlite3_errstr (rc);
  g_autofree char *column = NULL;

  g_debug ("SQLite %d: %s", rc, msg);
  switch (rc & 0xff)
    {
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      g_set_error (error, MT_ERROR, MT_ERROR_CORRUPT,
                   _("The database is damaged or is not a Mingtang database (SQLite error %d)"), rc);
      return;

    case SQLITE_CONSTRAINT:
      column = constraint_column (msg);
      if (g_str_has_prefix (msg, "UNIQUE") && column)
        {
          mt_set_field_error (error, column, column, _("is already used by another record"));
          if (error && *error)
            (*error)->code = MT_ERROR_CONFLICT;   /* a duplicate, as the API has it: 409 */
        }
      else if (g_str_has_prefix (msg, MT_MONEY_TRIGGER_MESSAGE) && column)
        mt_set_field_error (error, column, column, _("is outside the amounts the books allow"));
      else if (g_str_has_prefix (msg, "NOT NULL") && column)
        mt_set_field_error (error, column, column, _("is required"));
      else if (column)
        mt_set_field_error (error, column, column, _("is not allowed here"));
      else
        g_set_error_literal (error, MT_ERROR, MT_ERROR_CONFLICT,
                             _("The change contradicts the records it depends on"));
      return;

    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      g_set_error_literal (error, MT_ERROR, MT_ERROR_FAILED,
                           _("The database is busy: try again in a moment"));
      return;

    case SQLITE_FULL:
    case SQLITE_IOERR:
    case SQLITE_READONLY:
    case SQLITE_CANTOPEN:
      g_set_error_literal (error, MT_ERROR, MT_ERROR_FAILED,
                           _("The database could not be written: check the disk"));
      return;

    default:
      g_set_error_literal (error, MT_ERROR, MT_ERROR_FAILED, _("The database could not carry out the change"));
      return;
    }
}

gboolean
mt_db_step_error (MtDb    *db,
                  int      rc,
                  GError **error)
{
  if (rc == SQLITE_DONE || rc == SQLITE_ROW || rc == SQLITE_OK)
    return TRUE;
  set_sqlite_error (error, db->handle, rc);
  return FALSE;
}

static void
finalize_stmt (gpointer data)
{
  sqlite3_finalize (data);
}

gboolean
mt_db_exec (MtDb        *db,
            const char  *sql,
            GError     **error)
{
  char *errmsg = NULL;
  int rc;

  rc = sqlite3_exec (db->handle, sql, NULL, NULL, &errmsg);
  if (rc != SQLITE_OK)
    {
      set_sqlite_error (error, db->handle, rc);
      sqlite3_free (errmsg);
      return FALSE;
    }
  return TRUE;
}

gboolean
mt_db_begin (MtDb    *db,
             GError **error)
{
  g_return_val_if_fail (db != NULL, FALSE);

  if (db->depth++ > 0)
    return TRUE;
  db->failed = FALSE;
  if (!mt_db_exec (db, "BEGIN IMMEDIATE", error))
    {
      db->depth = 0;
      return FALSE;
    }
  return TRUE;
}

gboolean
mt_db_commit (MtDb    *db,
              GError **error)
{
  g_return_val_if_fail (db != NULL && db->depth > 0, FALSE);

  if (--db->depth > 0)
    return TRUE;
  if (db->failed)
    {
      mt_db_exec (db, "ROLLBACK", NULL);
      g_set_error_literal (error, MT_ERROR, MT_ERROR_FAILED,
                           _("The change was rolled back"));
      return FALSE;
    }
  if (!mt_db_exec (db, "COMMIT", error))
    {
      mt_db_exec (db, "ROLLBACK", NULL);
      return FALSE;
    }
  return TRUE;
}

void
mt_db_rollback (MtDb *db)
{
  g_return_if_fail (db != NULL && db->depth > 0);

  if (--db->depth > 0)
    {
      db->failed = TRUE;
      return;
    }
  mt_db_exec (db, "ROLLBACK", NULL);
}

struct _MtTxn
{
  MtDb     *db;
  gboolean  done;   /* committed (or the commit failed and rolled back) */
};

MtTxn *
mt_txn_begin (MtDb    *db,
              GError **error)
{
  MtTxn *txn;

  if (!mt_db_begin (db, error))
    return NULL;
  txn = g_new0 (MtTxn, 1);
  txn->db = db;
  return txn;
}

gboolean
mt_txn_commit (MtTxn   *txn,
               GError **error)
{
  g_return_val_if_fail (txn != NULL && !txn->done, FALSE);

  txn->done = TRUE;
  return mt_db_commit (txn->db, error);
}

void
mt_txn_free (MtTxn *txn)
{
  if (txn == NULL)
    return;
  if (!txn->done)
    mt_db_rollback (txn->db);
  g_free (txn);
}

sqlite3_stmt *
mt_db_prepare_va (MtDb        *db,
                  GError     **error,
                  const char  *sql,
                  const char  *types,
                  va_list      args)
{
  sqlite3_stmt *stmt;
  int rc;

  stmt = g_hash_table_lookup (db->statements, sql);
  if (stmt == NULL)
    {
      rc = sqlite3_prepare_v3 (db->handle, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL);
      if (rc != SQLITE_OK)
        {
          set_sqlite_error (error, db->handle, rc);
          return NULL;
        }
      g_hash_table_insert (db->statements, g_strdup (sql), stmt);
    }
  else
    {
      sqlite3_reset (stmt);
      sqlite3_clear_bindings (stmt);
    }

  for (int i = 0; types != NULL && types[i] != '\0'; i++)
    {
      int pos = i + 1;

      switch (types[i])
        {
        case 'i':
          sqlite3_bind_int64 (stmt, pos, va_arg (args, gint64));
          break;
        case 'b':
          sqlite3_bind_int (stmt, pos, va_arg (args, gboolean) ? 1 : 0);
          break;
        case 'd':
          sqlite3_bind_double (stmt, pos, va_arg (args, double));
          break;
        case 't':
          {
            const char *s = va_arg (args, const char *);
            if (s == NULL)
              sqlite3_bind_null (stmt, pos);
            else
              sqlite3_bind_text (stmt, pos, s, -1, SQLITE_TRANSIENT);
          }
          break;
        case 'n':
          sqlite3_bind_null (stmt, pos);
          break;
        default:
          g_assert_not_reached ();
        }
    }

  return stmt;
}

sqlite3_stmt *
mt_db_prepare (MtDb        *db,
               GError     **error,
               const char  *sql,
               const char  *types,
               ...)
{
  sqlite3_stmt *stmt;
  va_list args;

  va_start (args, types);
  stmt = mt_db_prepare_va (db, error, sql, types, args);
  va_end (args);
  return stmt;
}

gboolean
mt_db_run (MtDb        *db,
           GError     **error,
           const char  *sql,
           const char  *types,
           ...)
{
  sqlite3_stmt *stmt;
  va_list args;
  gboolean ok;

  va_start (args, types);
  stmt = mt_db_prepare_va (db, error, sql, types, args);
  va_end (args);
  if (stmt == NULL)
    return FALSE;
  ok = mt_db_step_error (db, sqlite3_step (stmt), error);
  sqlite3_reset (stmt);
  return ok;
}

/* The statement stepped to its first row, when that row's first column is not NULL */
static sqlite3_stmt *
query_first (MtDb       *db,
             const char *sql,
             const char *types,
             va_list     args)
{
  sqlite3_stmt *stmt = mt_db_prepare_va (db, NULL, sql, types, args);

  if (stmt == NULL)
    return NULL;
  if (sqlite3_step (stmt) == SQLITE_ROW && sqlite3_column_type (stmt, 0) != SQLITE_NULL)
    return stmt;
  sqlite3_reset (stmt);
  return NULL;
}

gint64
mt_db_query_int (MtDb        *db,
                 gint64       fallback,
                 const char  *sql,
                 const char  *types,
                 ...)
{
  sqlite3_stmt *stmt;
  va_list args;
  gint64 ret = fallback;

  va_start (args, types);
  stmt = query_first (db, sql, types, args);
  va_end (args);
  if (stmt != NULL)
    {
      ret = sqlite3_column_int64 (stmt, 0);
      sqlite3_reset (stmt);
    }
  return ret;
}

double
mt_db_query_double (MtDb        *db,
                    double       fallback,
                    const char  *sql,
                    const char  *types,
                    ...)
{
  sqlite3_stmt *stmt;
  va_list args;
  double ret = fallback;

  va_start (args, types);
  stmt = query_first (db, sql, types, args);
  va_end (args);
  if (stmt != NULL)
    {
      ret = sqlite3_column_double (stmt, 0);
      sqlite3_reset (stmt);
    }
  return ret;
}

char *
mt_db_query_text (MtDb        *db,
                  const char  *sql,
                  const char  *types,
                  ...)
{
  sqlite3_stmt *stmt;
  va_list args;
  char *ret = NULL;

  va_start (args, types);
  stmt = query_first (db, sql, types, args);
  va_end (args);
  if (stmt != NULL)
    {
      ret = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
      sqlite3_reset (stmt);
    }
  return ret;
}

gint64
mt_db_data_stamp (MtDb *db)
{
  gint64 others = mt_db_query_int (db, 0, "PRAGMA data_version", NULL);

  return sqlite3_total_changes64 (db->handle) + (others << 40);
}

gint64
mt_db_last_insert_id (MtDb *db)
{
  return sqlite3_last_insert_rowid (db->handle);
}

int
mt_db_changes (MtDb *db)
{
  return sqlite3_changes (db->handle);
}

gboolean
mt_db_integrity_ok (MtDb *db)
{
  g_autofree char *result = mt_db_query_text (db, "PRAGMA integrity_check", NULL);
  gint64 fk = mt_db_query_int (db, 1, "SELECT count(*) FROM pragma_foreign_key_check", NULL);

  return g_strcmp0 (result, "ok") == 0 && fk == 0;
}

int
mt_db_get_version (MtDb *db)
{
  return (int) mt_db_query_int (db, 0, "PRAGMA user_version", NULL);
}

const char *
mt_db_get_path (MtDb *db)
{
  return db->path;
}

sqlite3 *
mt_db_get_handle (MtDb *db)
{
  return db->handle;
}

static gboolean
apply_migration (MtDb              *db,
                 const MtMigration *m,
                 GError           **error)
{
  g_autofree char *pragma = NULL;

  if (!mt_db_begin (db, error))
    return FALSE;
  if (!mt_db_exec (db, m->sql, error))
    goto fail;
  for (guint i = 0; m->synced_tables[i] != NULL; i++)
    {
      g_autofree char *sql = _mt_schema_journal_sql (m->synced_tables[i]);
      if (!mt_db_exec (db, sql, error))
        goto fail;
    }
  if (m->after != NULL && !m->after (db, error))
    goto fail;
  pragma = g_strdup_printf ("PRAGMA user_version = %d", m->version);
  if (!mt_db_exec (db, pragma, error))
    goto fail;
  return mt_db_commit (db, error);

fail:
  g_prefix_error (error, _("Upgrading the database to version %d failed: "), m->version);
  mt_db_rollback (db);
  return FALSE;
}

gboolean
mt_db_migrate (MtDb    *db,
               int      target,
               GError **error)
{
  int current = mt_db_get_version (db);

  if (current > mt_db_latest_version ())
    {
      g_set_error (error, MT_ERROR, MT_ERROR_TOO_NEW,
                   _("The database was written by a newer Mingtang (schema %d; this version "
                     "reads up to %d). Update Mingtang to open it."),
                   current, mt_db_latest_version ());
      return FALSE;
    }

  for (guint i = 0; i < mt_n_migrations; i++)
    {
      const MtMigration *m = &mt_migrations[i];

      if (m->version <= current || m->version > target)
        continue;
      g_debug ("Migrating %s to schema %d", db->path, m->version);
      if (!apply_migration (db, m, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
check_mingtang_db (MtDb    *db,
                   GError **error)
{
  gint64 n_tables;

  /* Forces reading the header: a file that is not SQLite fails here */
  n_tables = mt_db_query_int (db, -1, "SELECT count(*) FROM sqlite_schema", NULL);
  if (n_tables < 0)
    {
      int rc = sqlite3_errcode (db->handle);
      set_sqlite_error (error, db->handle, rc == SQLITE_OK ? SQLITE_NOTADB : rc);
      return FALSE;
    }
  if (n_tables > 0 && mt_db_get_version (db) == 0)
    {
      g_set_error (error, MT_ERROR, MT_ERROR_CORRUPT,
                   _("“%s” is an SQLite database, but not a Mingtang database"), db->path);
      return FALSE;
    }
  return TRUE;
}

/* MINGTANG_SQL_PROFILE=ms: every statement slower than ms milliseconds, on stderr */
static int
profile_cb (unsigned int  type,
            void         *data,
            void         *p,
            void         *x)
{
  double ms = *(sqlite3_int64 *) x / 1e6;

  if (ms >= GPOINTER_TO_UINT (data))
    {
      char *sql = sqlite3_expanded_sql (p);
      g_printerr ("sql %8.1f ms  %s\n", ms, sql ? sql : sqlite3_sql (p));
      sqlite3_free (sql);
    }
  return 0;
}

/* tr(text): the translation of a source string stored in the database (built-in role names) */
/* setting_title(key), setting_value(key, value): settings as the interface names them */
static void
sql_setting_title (sqlite3_context *context,
                   int              argc,
                   sqlite3_value  **argv)
{
  const char *key = (const char *) sqlite3_value_text (argv[0]);
  const MtSettingInfo *info = mt_setting_lookup (key);

  sqlite3_result_text (context, info ? _(info->title) : key, -1, SQLITE_TRANSIENT);
}

static void
sql_setting_value (sqlite3_context *context,
                   int              argc,
                   sqlite3_value  **argv)
{
  char *text = mt_setting_format ((const char *) sqlite3_value_text (argv[0]),
                                  (const char *) sqlite3_value_text (argv[1]));

  sqlite3_result_text (context, text, -1, g_free);
}

static void
sql_translate (sqlite3_context *context,
               int              argc,
               sqlite3_value  **argv)
{
  const char *text = (const char *) sqlite3_value_text (argv[0]);

  if (text == NULL)
    sqlite3_result_null (context);
  else
    sqlite3_result_text (context, g_dgettext (GETTEXT_PACKAGE, text), -1, SQLITE_TRANSIENT);
}

MtDb *
mt_db_open_at_version (const char  *path,
                       int          version,
                       GError     **error)
{
  g_autoptr(MtDb) db = g_new0 (MtDb, 1);
  int rc;

  g_return_val_if_fail (path != NULL, NULL);

  db->path = g_strdup (path);
  db->statements = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, finalize_stmt);
  rc = sqlite3_open_v2 (path, &db->handle,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
  if (rc != SQLITE_OK)
    {
      g_set_error (error, MT_ERROR, MT_ERROR_FAILED, _("Cannot open the database “%s”: %s"),
                   path, db->handle ? sqlite3_errmsg (db->handle) : sqlite3_errstr (rc));
      return NULL;
    }
  sqlite3_busy_timeout (db->handle, 5000);
  sqlite3_extended_result_codes (db->handle, 0);
  if (g_getenv ("MINGTANG_SQL_PROFILE"))
    sqlite3_trace_v2 (db->handle, SQLITE_TRACE_PROFILE, profile_cb,
                      GUINT_TO_POINTER (atoi (g_getenv ("MINGTANG_SQL_PROFILE"))));
  sqlite3_create_function (db->handle, "tr", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL,
                           sql_translate, NULL, NULL);
  sqlite3_create_function (db->handle, "setting_title", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL,
                           sql_setting_title, NULL, NULL);
  sqlite3_create_function (db->handle, "setting_value", 2, SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL,
                           sql_setting_value, NULL, NULL);

  if (!check_mingtang_db (db, error))
    return NULL;
  if (!mt_db_exec (db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; "
                       "PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY; "
                       "PRAGMA cache_size = -32000; PRAGMA mmap_size = 2147418112;", error))
    return NULL;
  if (!mt_db_migrate (db, version, error))
    return NULL;

  return g_steal_pointer (&db);
}

MtDb *
mt_db_open (const char  *path,
            GError     **error)
{
  return mt_db_open_at_version (path, mt_db_latest_version (), error);
}

MtDb *
mt_db_open_read_only (const char  *path,
                      GError     **error)
{
  g_autoptr(MtDb) db = mt_db_open (path, error);

  if (db == NULL || !mt_db_exec (db, "PRAGMA query_only = ON", error))
    return NULL;
  return g_steal_pointer (&db);
}

void
mt_db_close (MtDb *db)
{
  if (db == NULL)
    return;
  g_clear_pointer (&db->statements, g_hash_table_destroy);
  if (db->handle)
    sqlite3_close_v2 (db->handle);
  g_free (db->path);
  g_free (db);
}

/* Each row of @sql is a difference: its columns joined make the problem's line */
gboolean
mt_db_expect_no_rows (MtDb       *db,
                      GPtrArray  *problems,
                      const char *what,
                      const char *sql)
{
  sqlite3_stmt *stmt = mt_db_prepare (db, NULL, sql, NULL);
  gboolean ok = TRUE;
  int rc = SQLITE_ERROR;

  while (stmt && (rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      GString *line = g_string_new (what);

      for (int c = 0; c < sqlite3_column_count (stmt); c++)
        g_string_append_printf (line, " %s=%s", sqlite3_column_name (stmt, c),
                                sqlite3_column_text (stmt, c) ? (const char *) sqlite3_column_text (stmt, c) : "NULL");
      if (problems)
        g_ptr_array_add (problems, g_string_free (line, FALSE));
      else
        g_string_free (line, TRUE);
      ok = FALSE;
    }
  if (rc != SQLITE_DONE)
    {
      /* a check that cannot be made (a sum past the integer range) is a failure too */
      g_autofree char *line = g_strdup_printf ("%s the check could not be made: %s", what,
                                               sqlite3_errmsg (mt_db_get_handle (db)));
      if (problems)
        g_ptr_array_add (problems, g_steal_pointer (&line));
      ok = FALSE;
    }
  if (stmt)
    sqlite3_reset (stmt);
  return ok;
}
