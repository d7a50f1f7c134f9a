/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mt-backup"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "mt-backup.h"
#include "mt-db.h"
#include "mt-error.h"
#include "mt-orders.h"
#include "mt-stats.h"

#define NAME_PREFIX "mingtang-"
#define NAME_SUFFIX ".db"

void
mt_backup_info_clear (MtBackupInfo *info)
{
  g_clear_pointer (&info->last_order_no, g_free);
}

/* The file and its directory on the disk, not only in the cache */
static void
sync_path (const char *path)
{
  int fd = open (path, O_RDONLY);

  if (fd >= 0)
    {
      fsync (fd);
      close (fd);
    }
}

/* Copies database @from (an open connection) into a new file @to, then makes it a file of its
 * own (no write-ahead log beside it) */
static gboolean
copy_database (sqlite3    *from,
               const char *to,
               GError    **error)
{
  sqlite3 *dest = NULL;
  sqlite3_backup *backup;
  int rc;

  g_unlink (to);
  rc = sqlite3_open_v2 (to, &dest, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
  if (rc == SQLITE_OK)
    {
      backup = sqlite3_backup_init (dest, "main", from, "main");
      if (backup == NULL)
        rc = sqlite3_errcode (dest);
      else
        {
          /* one step for the whole file: a single read transaction, one snapshot of it; writers
           * on other connections go on meanwhile (WAL) */
          while ((rc = sqlite3_backup_step (backup, -1)) == SQLITE_BUSY || rc == SQLITE_LOCKED)
            sqlite3_sleep (50);
          sqlite3_backup_finish (backup);
          if (rc == SQLITE_DONE)
            rc = sqlite3_exec (dest, "PRAGMA journal_mode = DELETE", NULL, NULL, NULL);
        }
    }
  if (rc != SQLITE_OK && rc != SQLITE_DONE)
    {
      g_set_error (error, MT_ERROR, MT_ERROR_FAILED, _("The copy “%s” could not be written: %s"), to,
                   dest ? sqlite3_errmsg (dest) : sqlite3_errstr (rc));
      sqlite3_close_v2 (dest);
      g_unlink (to);
      return FALSE;
    }
  sqlite3_close_v2 (dest);
  sync_path (to);
  return TRUE;
}

char *
mt_backup_write (const char  *source_path,
                 const char  *dir,
                 GError     **error)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *stamp = g_date_time_format (now, "%Y%m%d-%H%M%S");
  g_autofree char *path = NULL;
  g_autofree char *part = NULL;
  sqlite3 *source = NULL;
  gboolean ok;
  int rc;

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved = errno;

      g_set_error (error, MT_ERROR, MT_ERROR_FAILED, _("The backup folder “%s” cannot be made: %s"), dir,
                   g_strerror (saved));
      return NULL;
    }
  path = g_strdup_printf ("%s/" NAME_PREFIX "%s" NAME_SUFFIX, dir, stamp);
  for (guint n = 2; g_file_test (path, G_FILE_TEST_EXISTS); n++)
    {
      g_free (path);
      path = g_strdup_printf ("%s/" NAME_PREFIX "%s-%u" NAME_SUFFIX, dir, stamp, n);
    }
  part = g_strconcat (path, ".part", NULL);
  /* a connection of its own, reading: the database's users are never held up */
  rc = sqlite3_open_v2 (source_path, &source, SQLITE_OPEN_READONLY, NULL);
  if (rc != SQLITE_OK)
    {
      g_set_error (error, MT_ERROR, MT_ERROR_FAILED, _("Cannot open the database “%s”: %s"), source_path,
                   source ? sqlite3_errmsg (source) : sqlite3_errstr (rc));
      sqlite3_close_v2 (source);
      return NULL;
    }
  sqlite3_busy_timeout (source, 5000);
  ok = copy_database (source, part, error);
  sqlite3_close_v2 (source);
  if (!ok)
    return NULL;
  if (g_rename (part, path) != 0)
    {
      int saved = errno;

      g_set_error (error, MT_ERROR, MT_ERROR_FAILED, _("The backup “%s” could not be written: %s"), path,
                   g_strerror (saved));
      g_unlink (part);
      return NULL;
    }
  sync_path (dir);
  return g_steal_pointer (&path);
}

/* ------------------------------------------------------------------ checks */

static gboolean
refuse (GError    **error,
        int         code,
        const char *path,
        const char *why)
{
  g_autofree char *name = g_path_get_basename (path);

  /* TRANSLATORS: "“mingtang-20261203-030000.db” cannot be restored: its books do not balance" */
  g_set_error (error, MT_ERROR, code, _("“%s” cannot be restored: %s"), name, why);
  return FALSE;
}

/* Checks @path; when @migrated is not NULL, leaves there a copy migrated to this schema whose
 * books balance (removed on failure) */
static gboolean
check_into (const char   *path,
            MtBackupInfo *info,
            const char   *migrated,
            GError      **error)
{
  g_autofree char *uri = NULL;
  g_autofree char *copy = NULL;
  g_autofree char *tmp_dir = NULL;
  g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func (g_free);
  GStatBuf st;
  char header[16] = { 0 };
  sqlite3 *handle = NULL;
  sqlite3_stmt *stmt = NULL;
  MtDb *db;
  int version = 0, n_tables = 0, rc;
  FILE *f;

  if (g_stat (path, &st) != 0 || !S_ISREG (st.st_mode))
    return refuse (error, MT_ERROR_CORRUPT, path, _("the file cannot be read"));
  f = g_fopen (path, "rb");
  if (f == NULL || fread (header, 1, sizeof header, f) != sizeof header || memcmp (header, "SQLite format 3", 16) != 0)
    {
      if (f)
        fclose (f);
      return refuse (error, MT_ERROR_CORRUPT, path, _("it is not a database"));
    }
  fclose (f);

  /* read as it is: never written, no journal made beside it */
  uri = g_filename_to_uri (path, NULL, NULL);
  copy = g_strconcat (uri ? uri : "", "?mode=ro&immutable=1", NULL);
  rc = sqlite3_open_v2 (copy, &handle, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_prepare_v2 (handle, "SELECT (SELECT user_version FROM pragma_user_version), "
                                     "(SELECT count (*) FROM sqlite_schema WHERE type = 'table' AND name IN "
                                     "('operators', 'stores', 'devices', 'members', 'orders', 'ledger'))",
                             -1, &stmt, NULL);
  if (rc == SQLITE_OK && sqlite3_step (stmt) == SQLITE_ROW)
    {
      version = sqlite3_column_int (stmt, 0);
      n_tables = sqlite3_column_int (stmt, 1);
    }
  else
    {
      g_debug ("%s: %s", path, handle ? sqlite3_errmsg (handle) : sqlite3_errstr (rc));
      sqlite3_finalize (stmt);
      sqlite3_close_v2 (handle);
      return refuse (error, MT_ERROR_CORRUPT, path, _("it is damaged: SQLite cannot read it"));
    }
  sqlite3_finalize (stmt);
  stmt = NULL;
  if (version == 0 || n_tables < 6)
    {
      sqlite3_close_v2 (handle);
      return refuse (error, MT_ERROR_CORRUPT, path, _("it is an SQLite database, but not a Mingtang database"));
    }
  if (version > mt_db_latest_version ())
    {
      g_autofree char *why = g_strdup_printf (_("a newer Mingtang wrote it (schema %d; this version reads up to %d)"),
                                              version, mt_db_latest_version ());

      sqlite3_close_v2 (handle);
      return refuse (error, MT_ERROR_TOO_NEW, path, why);
    }
  /* every page and index, not a sample */
  rc = sqlite3_prepare_v2 (handle, "PRAGMA integrity_check (5)", -1, &stmt, NULL);
  if (rc != SQLITE_OK || sqlite3_step (stmt) != SQLITE_ROW ||
      g_strcmp0 ((const char *) sqlite3_column_text (stmt, 0), "ok") != 0)
    {
      /* what SQLite found goes to the log, for whoever looks closer */
      g_message ("%s fails the integrity check: %s", path,
                 stmt && sqlite3_column_text (stmt, 0) ? (const char *) sqlite3_column_text (stmt, 0)
                                                        : sqlite3_errmsg (handle));
      sqlite3_finalize (stmt);
      sqlite3_close_v2 (handle);
      return refuse (error, MT_ERROR_CORRUPT, path, _("it is damaged: the integrity check found errors in it"));
    }
  sqlite3_finalize (stmt);

  /* its books, on a copy brought to this schema */
  if (migrated == NULL)
    {
      tmp_dir = g_dir_make_tmp ("mt-restore-XXXXXX", NULL);
      g_clear_pointer (&copy, g_free);
      copy = g_build_filename (tmp_dir, "check.db", NULL);
    }
  else
    {
      g_clear_pointer (&copy, g_free);
      copy = g_strdup (migrated);
    }
  if (!copy_database (handle, copy, error))
    {
      sqlite3_close_v2 (handle);
      if (tmp_dir)
        g_rmdir (tmp_dir);
      return FALSE;
    }
  sqlite3_close_v2 (handle);
  db = mt_db_open (copy, error);
  if (db != NULL)
    {
      gboolean balanced = mt_ledger_reconcile (db, problems) && mt_stats_check (db, problems);

      if (!balanced)
        {
          g_autofree char *why = g_strdup_printf (g_dngettext (NULL, "its books do not balance (%u difference "
                                                                     "from the ledger)",
                                                               "its books do not balance (%u differences "
                                                               "from the ledger)", problems->len),
                                                  problems->len);

          for (guint i = 0; i < problems->len; i++)
            g_message ("%s: %s", path, (const char *) problems->pdata[i]);

          refuse (error, MT_ERROR_CORRUPT, path, why);
          mt_db_close (db);
          db = NULL;
        }
    }
  if (db != NULL && info != NULL)
    {
      memset (info, 0, sizeof *info);
      info->version = version;
      info->taken_at = (gint64) st.st_mtime * G_USEC_PER_SEC;
      info->size = st.st_size;
      info->devices = mt_db_query_int (db, 0, "SELECT count (*) FROM devices WHERE deleted = 0", NULL);
      info->members = mt_db_query_int (db, 0, "SELECT count (*) FROM members WHERE deleted = 0", NULL);
      info->orders = mt_db_query_int (db, 0, "SELECT count (*) FROM orders WHERE deleted = 0", NULL);
      info->ledger_rows = mt_db_query_int (db, 0, "SELECT count (*) FROM ledger", NULL);
      info->last_order_no = mt_db_query_text (db, "SELECT order_no FROM orders WHERE deleted = 0 "
                                                  "ORDER BY start_at DESC, id DESC LIMIT 1", NULL);
      info->last_order_at = mt_db_query_int (db, 0, "SELECT coalesce (max (start_at), 0) FROM orders "
                                                    "WHERE deleted = 0", NULL);
    }
  if (db != NULL)
    mt_db_close (db);
  if (tmp_dir != NULL || db == NULL)
    {
      g_autofree char *wal = g_strconcat (copy, "-wal", NULL);
      g_autofree char *shm = g_strconcat (copy, "-shm", NULL);

      g_unlink (copy);
      g_unlink (wal);
      g_unlink (shm);
    }
  if (tmp_dir != NULL)
    g_rmdir (tmp_dir);
  return db != NULL;
}

gboolean
mt_backup_check (const char    *path,
                 MtBackupInfo  *info,
                 GError       **error)
{
  return check_into (path, info, NULL, error);
}

/* @path and its write-ahead log beside it, moved together */
static gboolean
move_database (const char *from,
               const char *to)
{
  static const char *const sides[] = { "-wal", "-shm" };

  if (g_rename (from, to) != 0)
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (sides); i++)
    {
      g_autofree char *a = g_strconcat (from, sides[i], NULL);
      g_autofree char *b = g_strconcat (to, sides[i], NULL);

      if (g_file_test (a, G_FILE_TEST_EXISTS))
        g_rename (a, b);
    }
  return TRUE;
}

gboolean
mt_backup_restore (const char    *backup,
                   const char    *target,
                   MtBackupInfo  *info,
                   char         **kept_aside,
                   GError       **error)
{
  g_autofree char *staging = g_strconcat (target, ".restoring", NULL);
  g_autofree char *aside = NULL;

  if (kept_aside)
    *kept_aside = NULL;
  if (!check_into (backup, info, staging, error))
    return FALSE;
  if (g_file_test (target, G_FILE_TEST_EXISTS))
    {
      g_autoptr(GDateTime) now = g_date_time_new_now_local ();
      g_autofree char *stamp = g_date_time_format (now, "%Y%m%d-%H%M%S");

      aside = g_strdup_printf ("%s.before-restore-%s", target, stamp);
      if (!move_database (target, aside))
        {
          int saved = errno;

          g_set_error (error, MT_ERROR, MT_ERROR_FAILED, _("The current database could not be kept aside: %s"),
                       g_strerror (saved));
          g_unlink (staging);
          return FALSE;
        }
    }
  if (g_rename (staging, target) != 0)
    {
      int saved = errno;

      if (aside)
        move_database (aside, target);
      g_unlink (staging);
      g_set_error (error, MT_ERROR, MT_ERROR_FAILED, _("The backup could not take the database's place: %s"),
                   g_strerror (saved));
      return FALSE;
    }
  {
    g_autofree char *dir = g_path_get_dirname (target);
    sync_path (dir);
  }
  if (kept_aside)
    *kept_aside = g_steal_pointer (&aside);
  return TRUE;
}

/* ------------------------------------------------------------------ the folder */

/* The local time in a backup's name, or NULL when the name is not a backup's */
static GDateTime *
name_time (const char *name)
{
  int y, mo, d, h, mi, s, end = 0;

  if (!g_str_has_prefix (name, NAME_PREFIX) || !g_str_has_suffix (name, NAME_SUFFIX) ||
      sscanf (name + strlen (NAME_PREFIX), "%4d%2d%2d-%2d%2d%2d%n", &y, &mo, &d, &h, &mi, &s, &end) != 6)
    return NULL;
  return g_date_time_new_local (y, mo, d, h, mi, s);
}

static gint
newest_first (gconstpointer a,
              gconstpointer b)
{
  g_autofree char *na = g_path_get_basename (*(const char *const *) a);
  g_autofree char *nb = g_path_get_basename (*(const char *const *) b);

  return -strcmp (na, nb);
}

GPtrArray *
mt_backup_list (const char *dir)
{
  GPtrArray *paths = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GDir) d = dir ? g_dir_open (dir, 0, NULL) : NULL;
  const char *name;

  while (d && (name = g_dir_read_name (d)) != NULL)
    {
      g_autoptr(GDateTime) at = name_time (name);

      if (at != NULL)
        g_ptr_array_add (paths, g_build_filename (dir, name, NULL));
    }
  g_ptr_array_sort (paths, newest_first);
  return paths;
}

gint64
mt_backup_latest_time (const char *dir)
{
  g_autoptr(GPtrArray) all = mt_backup_list (dir);
  g_autofree char *name = all->len ? g_path_get_basename (all->pdata[0]) : NULL;
  g_autoptr(GDateTime) at = name ? name_time (name) : NULL;

  return at ? g_date_time_to_unix (at) * G_USEC_PER_SEC : 0;
}

guint
mt_backup_rotate (const char  *dir,
                  guint        daily,
                  guint        weekly,
                  guint        monthly,
                  GError     **error)
{
  g_autoptr(GPtrArray) all = mt_backup_list (dir);
  g_autoptr(GHashTable) days = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GHashTable) weeks = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GHashTable) months = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  guint deleted = 0;

  /* newest first: the first of each period is the one kept for it */
  for (guint i = 0; i < all->len; i++)
    {
      g_autofree char *name = g_path_get_basename (all->pdata[i]);
      g_autoptr(GDateTime) at = name_time (name);
      char *day = g_date_time_format (at, "%Y-%m-%d");
      char *week = g_date_time_format (at, "%G-%V");
      char *month = g_date_time_format (at, "%Y-%m");
      gboolean keep = FALSE;

      if (!g_hash_table_contains (days, day) && g_hash_table_size (days) < daily)
        keep = g_hash_table_add (days, g_strdup (day));
      if (!g_hash_table_contains (weeks, week) && g_hash_table_size (weeks) < weekly)
        keep = g_hash_table_add (weeks, g_strdup (week)) || keep;
      if (!g_hash_table_contains (months, month) && g_hash_table_size (months) < monthly)
        keep = g_hash_table_add (months, g_strdup (month)) || keep;
      g_free (day);
      g_free (week);
      g_free (month);
      if (keep)
        continue;
      if (g_unlink (all->pdata[i]) != 0)
        {
          int saved = errno;

          g_set_error (error, MT_ERROR, MT_ERROR_FAILED, _("The old backup “%s” could not be deleted: %s"), name,
                       g_strerror (saved));
          return deleted;
        }
      deleted++;
    }
  return deleted;
}
