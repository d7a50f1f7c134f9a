/* SPDX-License-Identifier: GPL-3.0-or-later */
/* mingtang-server: the shared database behind many consoles (docs/api.md).
 *   mingtang-server [--config FILE] [--listen ADDR:PORT] [--database FILE] [--tls-cert FILE
 *                   --tls-key FILE] [--log-level quiet|info|debug] [--broker URI
 *                   --broker-user NAME] (broker password from MINGTANG_BROKER_PASSWORD)
 *   mingtang-server init --database FILE --admin NAME   (password from MINGTANG_ADMIN_PASSWORD)
 *   mingtang-server backup --database FILE --to DIR     (while it runs, writes going on)
 *   mingtang-server restore BACKUP --database FILE      (the server stopped; checked first)
 */
#define G_LOG_DOMAIN "mingtang-server"

#include "config.h"

#include <glib-unix.h>
#include <glib/gi18n.h>
#include <locale.h>
#include <glib/gstdio.h>
#include <stdio.h>

#include "mt-backup.h"
#include "mt-ops.h"
#include "mt-db.h"
#include "mt-entity.h"
#include "mt-error.h"
#include "mt-perm.h"
#include "mt-orders.h"
#include "mt-report.h"
#include "mt-server.h"

typedef struct
{
  char *listen;
  char *database;
  char *tls_cert;
  char *tls_key;
  char *log_level;
  char *broker;
  char *broker_user;
  char *broker_password;
  char *broker_prefix;
  char *broker_ca;
  char *telemetry_sweep;
  char *report_dir;
  char *backup_dir;
  char *backup_hour;
  char *backup_keep;
} Config;

static void
config_clear (Config *config)
{
  g_free (config->listen);
  g_free (config->database);
  g_free (config->tls_cert);
  g_free (config->tls_key);
  g_free (config->log_level);
  g_free (config->broker);
  g_free (config->broker_user);
  g_free (config->broker_password);
  g_free (config->broker_prefix);
  g_free (config->broker_ca);
  g_free (config->telemetry_sweep);
  g_free (config->report_dir);
  g_free (config->backup_dir);
  g_free (config->backup_hour);
  g_free (config->backup_keep);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Config, config_clear)

/* [server] listen=, database=, tls-cert=, tls-key=, log-level=, broker=, broker-user=,
 * broker-password=, broker-prefix=, broker-ca=, telemetry-sweep=; flags override the file */
/* reports: the monthly reports of @month ("YYYY-MM", NULL: last month) into @dir, for every
 * operator without them yet */
static int
run_reports (const char *database,
             const char *dir,
             const char *month)
{
  g_autoptr(GError) error = NULL;
  int year = 0, mon = 0;
  guint written = 0;
  MtDb *db;

  if (database == NULL || dir == NULL)
    {
      g_printerr ("%s\n", _("Give the database and --report-dir, on the command line or in the configuration file"));
      return 2;
    }
  if (month != NULL)
    {
      if (sscanf (month, "%4d-%2d", &year, &mon) != 2 || mon < 1 || mon > 12)
        {
          g_printerr (_("--month needs YYYY-MM, not “%s”\n"), month);
          return 2;
        }
    }
  else
    {
      g_autoptr(GDateTime) today = g_date_time_new_from_unix_utc (mt_stats_day_of (mt_now ()) * 86400);
      g_autoptr(GDateTime) last = g_date_time_add_months (today, -1);

      year = g_date_time_get_year (last);
      mon = g_date_time_get_month (last);
    }
  db = mt_db_open (database, &error);
  if (db == NULL || !mt_report_write_month (db, dir, year, mon, &written, &error))
    {
      g_printerr ("%s\n", error->message);
      if (db)
        mt_db_close (db);
      return 1;
    }
  g_print (g_dngettext (GETTEXT_PACKAGE, "%u report written for %04d-%02d\n", "%u reports written for %04d-%02d\n",
                        written), written, year, mon);
  mt_db_close (db);
  return 0;
}

static gboolean
config_load (Config      *config,
             const char  *path,
             GError     **error)
{
  g_autoptr(GKeyFile) file = g_key_file_new ();
  static const char *const keys[] = { "listen", "database", "tls-cert", "tls-key", "log-level", "broker",
                                      "broker-user", "broker-password", "broker-prefix", "broker-ca",
                                      "telemetry-sweep", "report-dir", "backup-dir", "backup-hour", "backup-keep" };
  char **slots[] = { &config->listen, &config->database, &config->tls_cert, &config->tls_key,
                     &config->log_level, &config->broker, &config->broker_user, &config->broker_password,
                     &config->broker_prefix, &config->broker_ca, &config->telemetry_sweep, &config->report_dir,
                     &config->backup_dir, &config->backup_hour, &config->backup_keep };

  if (!g_key_file_load_from_file (file, path, G_KEY_FILE_NONE, error))
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    if (*slots[i] == NULL)
      *slots[i] = g_key_file_get_string (file, "server", keys[i], NULL);
  return TRUE;
}

/* Checks the books: every stored balance against the ledger. Exit status 0 when they balance,
 * 1 when they do not (each difference printed), 2 when the database cannot be read. */
static int
run_reconcile (const char *database)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func (g_free);
  MtDb *db;
  gboolean ok;

  if (database == NULL)
    {
      g_printerr ("%s\n", _("Give the database with --database or in the configuration file"));
      return 2;
    }
  db = mt_db_open (database, &error);
  if (db == NULL)
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  ok = mt_ledger_reconcile (db, problems);
  for (guint i = 0; i < problems->len; i++)
    g_print ("%s\n", (const char *) problems->pdata[i]);
  g_print ("%s\n", ok ? _("The books balance to the fen.") : _("The books do not balance."));
  mt_db_close (db);
  return ok ? 0 : 1;
}

/* How many backups rotation keeps: "DAILY,WEEKLY,MONTHLY" (default 7,4,12) */
static gboolean
parse_keep (const char *text,
            guint       keep[3])
{
  g_auto(GStrv) parts = NULL;

  keep[0] = 7, keep[1] = 4, keep[2] = 12;
  if (text == NULL)
    return TRUE;
  parts = g_strsplit (text, ",", -1);
  if (g_strv_length (parts) != 3)
    return FALSE;
  for (guint i = 0; i < 3; i++)
    {
      guint64 n;

      if (!g_ascii_string_to_unsigned (g_strstrip (parts[i]), 10, 0, 1000, &n, NULL))
        return FALSE;
      keep[i] = (guint) n;
    }
  return keep[0] + keep[1] + keep[2] > 0;
}

/* backup --to DIR: a consistent copy now, the older ones rotated; the new file's path printed.
 * Safe while the server runs: a connection of its own reads one snapshot. */
static int
run_backup (const char *database,
            const char *dir,
            const char *keep_text)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  gint64 started = g_get_monotonic_time ();
  guint keep[3];
  GStatBuf st;

  if (database == NULL || dir == NULL)
    {
      g_printerr ("%s\n", _("Give the database and the backup folder (--to, or backup-dir in the configuration file)"));
      return 2;
    }
  if (!parse_keep (keep_text, keep))
    {
      g_printerr (_("backup-keep needs DAILY,WEEKLY,MONTHLY counts, such as 7,4,12, not “%s”\n"), keep_text);
      return 2;
    }
  if (!g_file_test (database, G_FILE_TEST_IS_REGULAR))
    {
      g_printerr (_("There is no database “%s”\n"), database);
      return 2;
    }
  path = mt_backup_write (database, dir, &error);
  if (path == NULL)
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }
  if (g_stat (path, &st) == 0)
    g_message ("Backed up to %s: %.1f MB in %.1f s", path, st.st_size / 1e6,
               (g_get_monotonic_time () - started) / 1e6);
  mt_backup_rotate (dir, keep[0], keep[1], keep[2], &error);
  if (error != NULL)
    g_warning ("%s", error->message);
  printf ("%s\n", path);
  return 0;
}

/* restore FILE: the backup checked (a Mingtang database, whole, its books balanced, migrated if
 * older), then in the database's place, the replaced one kept aside */
static int
run_restore (const char *database,
             const char *backup)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *aside = NULL;
  MtBackupInfo info = { 0 };

  if (database == NULL)
    {
      g_printerr ("%s\n", _("Give the database with --database or in the configuration file"));
      return 2;
    }
  if (!mt_backup_restore (backup, database, &info, &aside, &error))
    {
      g_printerr ("%s\n", error->message);
      mt_backup_info_clear (&info);
      return 1;
    }
  {
    g_autofree char *devices = g_strdup_printf ("%" G_GINT64_FORMAT, info.devices);
    g_autofree char *members = g_strdup_printf ("%" G_GINT64_FORMAT, info.members);
    g_autofree char *orders = g_strdup_printf ("%" G_GINT64_FORMAT, info.orders);

    /* TRANSLATORS: what a restored backup holds */
    printf (_("Restored %s: schema %d, %s devices, %s members, %s orders, the last %s.\n"), backup, info.version,
            devices, members, orders, info.last_order_no ? info.last_order_no : "—");
  }
  if (aside)
    printf (_("The database it replaced is kept as %s.\n"), aside);
  mt_backup_info_clear (&info);
  return 0;
}

/* The scheduled backup: once a day after backup-hour (local), in a thread of its own */
typedef struct
{
  char  *database;
  char  *dir;
  guint  hour;
  guint  keep[3];
  gboolean running;
} Schedule;

static void
backup_thread (GTask        *task,
               gpointer      source,
               gpointer      data,
               GCancellable *cancellable)
{
  Schedule *schedule = data;
  g_autoptr(GError) error = NULL;
  gint64 started = g_get_monotonic_time ();
  g_autofree char *path = mt_backup_write (schedule->database, schedule->dir, &error);

  if (path == NULL)
    g_warning ("The scheduled backup failed: %s", error->message);
  else
    {
      g_message ("Backed up to %s in %.1f s", path, (g_get_monotonic_time () - started) / 1e6);
      if (mt_backup_rotate (schedule->dir, schedule->keep[0], schedule->keep[1], schedule->keep[2], &error) > 0 ||
          error != NULL)
        if (error != NULL)
          g_warning ("%s", error->message);
    }
  g_task_return_boolean (task, path != NULL);
}

static void
backup_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      data)
{
  ((Schedule *) data)->running = FALSE;
}

static gboolean
schedule_cb (gpointer data)
{
  Schedule *schedule = data;
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autoptr(GDateTime) today = g_date_time_new_local (g_date_time_get_year (now), g_date_time_get_month (now),
                                                      g_date_time_get_day_of_month (now), 0, 0, 0);
  gint64 latest = mt_backup_latest_time (schedule->dir);

  if (!schedule->running && (guint) g_date_time_get_hour (now) >= schedule->hour &&
      latest < g_date_time_to_unix (today) * G_USEC_PER_SEC)
    {
      g_autoptr(GTask) task = g_task_new (NULL, NULL, backup_done_cb, schedule);

      schedule->running = TRUE;
      g_task_set_task_data (task, schedule, NULL);
      g_task_run_in_thread (task, backup_thread);
    }
  return G_SOURCE_CONTINUE;
}

/* device-credentials NO…: a new broker password for each device, printed once ("NO PASSWORD");
 * broker-passwords --output FILE: the broker's device password file from the issued ones */
static int
run_credentials (const char  *database,
                 const char  *output,
                 char       **devices,
                 gboolean     file)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MtActor) system = mt_actor_new_system ();
  MtDb *db;
  int status = 0;

  if (database == NULL)
    {
      g_printerr ("%s\n", _("Give the database with --database or in the configuration file"));
      return 2;
    }
  if (file && output == NULL)
    {
      g_printerr ("%s\n", _("Give the password file to write with --output"));
      return 2;
    }
  db = mt_db_open (database, &error);
  if (db == NULL)
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  if (file)
    {
      guint n = 0;

      if (!mt_broker_passwords_write (db, output, &n, &error))
        {
          g_printerr ("%s\n", error->message);
          status = 1;
        }
      else
        g_printerr (g_dngettext (GETTEXT_PACKAGE, "%u device in %s\n", "%u devices in %s\n", n), n, output);
    }
  for (guint i = 0; !file && devices[i]; i++)
    {
      g_autofree char *password = mt_device_credentials_issue (db, system, devices[i], &error);

      if (password == NULL)
        {
          g_printerr ("%s: %s\n", devices[i], error->message);
          g_clear_error (&error);
          status = 1;
          continue;
        }
      g_print ("%s %s\n", devices[i], password);
    }
  mt_db_close (db);
  return status;
}

/* The first headquarters admin of a new database */
static int
run_init (const char *database,
          const char *admin)
{
  g_autoptr(GError) error = NULL;
  const char *password = g_getenv ("MINGTANG_ADMIN_PASSWORD");
  g_autoptr(MtActor) system = mt_actor_new_system ();
  g_autoptr(GHashTable) fields = mt_fields_new ();
  MtDb *db;
  gint64 role;

  if (database == NULL || admin == NULL || password == NULL)
    {
      g_printerr ("%s\n", _("init needs --database FILE --admin NAME and MINGTANG_ADMIN_PASSWORD"));
      return 2;
    }
  db = mt_db_open (database, &error);
  if (db == NULL)
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }
  if (mt_db_query_int (db, 0, "SELECT count(*) FROM accounts", NULL) > 0)
    {
      g_printerr ("%s\n", _("The database already has accounts: init only sets up a new one"));
      mt_db_close (db);
      return 1;
    }
  role = mt_db_query_int (db, 0, "SELECT id FROM roles WHERE builtin = 'hq_admin'", NULL);
  if (!mt_db_begin (db, &error) ||
      (mt_db_query_int (db, 0, "SELECT count(*) FROM operators", NULL) == 0 &&
       !mt_db_run (db, &error, "INSERT INTO operators (created_at, updated_at, name, path, caps) "
                               "VALUES (?1, ?1, ?2, '/1/', 63)", "it", mt_now (), _("Headquarters"))) ||
      (role == 0 &&
       !mt_db_run (db, &error, "INSERT INTO roles (created_at, updated_at, name, builtin, permissions) "
                               "VALUES (?1, ?1, 'Headquarters admin', 'hq_admin', ?2)", "it", mt_now (),
                   mt_builtin_role_permissions ("hq_admin"))))
    {
      g_printerr ("%s\n", error->message);
      mt_db_close (db);
      return 1;
    }
  role = mt_db_query_int (db, 0, "SELECT id FROM roles WHERE builtin = 'hq_admin'", NULL);
  {
    g_autofree char *hash = mt_password_hash (password);
    g_autofree char *name = g_strdup (admin);

    if (!mt_db_run (db, &error, "INSERT INTO accounts (created_at, updated_at, username, name, "
                                "password_hash, role_id, operator_id, enabled) "
                                "VALUES (?1, ?1, ?2, ?2, ?3, ?4, (SELECT min (id) FROM operators), 1)",
                    "itti", mt_now (), name, hash, role) ||
        !mt_db_commit (db, &error))
      {
        mt_db_rollback (db);
        g_printerr ("%s\n", error->message);
        mt_db_close (db);
        return 1;
      }
  }
  g_print (_("Created %s with the headquarters admin “%s”\n"), database, admin);
  mt_db_close (db);
  return 0;
}

static gboolean
quit_cb (gpointer loop)
{
  g_main_loop_quit (loop);
  return G_SOURCE_REMOVE;
}

int
main (int   argc,
      char *argv[])
{
  g_auto(Config) config = { NULL };
  g_autofree char *config_path = NULL;
  g_autofree char *admin = NULL;
  g_autofree char *output = NULL;
  g_autofree char *month = NULL;
  g_autofree char *backup_to = NULL;
  Schedule schedule = { NULL };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autoptr(MtServer) server = NULL;
  MtIngest *ingest = NULL;
  g_autoptr(GTlsCertificate) certificate = NULL;
  g_autofree char *url = NULL;
  g_autofree char *host = NULL;
  guint64 port = 8787;
  guint64 sweep = 0;
  const char *colon;
  MtDb *db;
  GOptionEntry entries[] = {
    { "config", 'c', 0, G_OPTION_ARG_FILENAME, &config_path, N_("Configuration file ([server] group)"), N_("FILE") },
    { "listen", 'l', 0, G_OPTION_ARG_STRING, &config.listen, N_("Address and port (default 127.0.0.1:8787; port 0: any)"), N_("ADDR:PORT") },
    { "database", 'd', 0, G_OPTION_ARG_FILENAME, &config.database, N_("The shared database"), N_("FILE") },
    { "tls-cert", 0, 0, G_OPTION_ARG_FILENAME, &config.tls_cert, N_("TLS certificate (PEM)"), N_("FILE") },
    { "tls-key", 0, 0, G_OPTION_ARG_FILENAME, &config.tls_key, N_("TLS private key (PEM)"), N_("FILE") },
    { "log-level", 0, 0, G_OPTION_ARG_STRING, &config.log_level, N_("quiet, info (every request) or debug"), N_("LEVEL") },
    { "admin", 0, 0, G_OPTION_ARG_STRING, &admin, N_("init: user name of the first headquarters admin"), N_("NAME") },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output, N_("broker-passwords: the device password file to write"), N_("FILE") },
    { "broker", 'b', 0, G_OPTION_ARG_STRING, &config.broker, N_("MQTT broker of the devices (tcp://HOST:PORT or ssl://…)"), N_("URI") },
    { "broker-user", 0, 0, G_OPTION_ARG_STRING, &config.broker_user, N_("Broker user name (password from MINGTANG_BROKER_PASSWORD)"), N_("NAME") },
    { "broker-prefix", 0, 0, G_OPTION_ARG_STRING, &config.broker_prefix, N_("Topic prefix (default mt/v1)"), N_("PREFIX") },
    { "broker-ca", 0, 0, G_OPTION_ARG_FILENAME, &config.broker_ca, N_("CA certificate of an ssl:// broker"), N_("FILE") },
    { "report-dir", 0, 0, G_OPTION_ARG_FILENAME, &config.report_dir,
      N_("Where each operator's monthly report goes (written when a month ends)"), N_("DIR") },
    { "month", 0, 0, G_OPTION_ARG_STRING, &month, N_("reports: the month to write (default last month)"), N_("YYYY-MM") },
    { "to", 0, 0, G_OPTION_ARG_FILENAME, &backup_to, N_("backup: the folder to write the backup in (default backup-dir)"), N_("DIR") },
    { "backup-dir", 0, 0, G_OPTION_ARG_FILENAME, &config.backup_dir,
      N_("Where the daily backups go (none without it)"), N_("DIR") },
    { "backup-hour", 0, 0, G_OPTION_ARG_STRING, &config.backup_hour,
      N_("The hour (local, 0–23) after which each day's backup is made (default 3)"), N_("HOUR") },
    { "backup-keep", 0, 0, G_OPTION_ARG_STRING, &config.backup_keep,
      N_("Backups kept: the newest of so many days, weeks and months (default 7,4,12)"), N_("D,W,M") },
    { "telemetry-sweep", 0, 0, G_OPTION_ARG_STRING, &config.telemetry_sweep,
      N_("Seconds between looks for silent batteries and changed rentals (default 30)"), N_("SECONDS") },
    { NULL }
  };

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, g_getenv ("MINGTANG_LOCALEDIR") ? g_getenv ("MINGTANG_LOCALEDIR") : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  context = g_option_context_new (_("[init | reconcile | reports | backup | restore BACKUP | device-credentials NO… | "
                                    "broker-passwords] — the shared Mingtang server"));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error) ||
      (config_path && !config_load (&config, config_path, &error)))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  if (argc > 1 && g_str_equal (argv[1], "init"))
    return run_init (config.database, admin);
  if (argc > 1 && g_str_equal (argv[1], "reconcile"))
    return run_reconcile (config.database);
  if (argc > 1 && g_str_equal (argv[1], "reports"))
    return run_reports (config.database, config.report_dir, month);
  if (argc > 1 && g_str_equal (argv[1], "backup"))
    return run_backup (config.database, backup_to ? backup_to : config.backup_dir, config.backup_keep);
  if (argc == 3 && g_str_equal (argv[1], "restore"))
    return run_restore (config.database, argv[2]);
  if (argc > 2 && g_str_equal (argv[1], "device-credentials"))
    return run_credentials (config.database, NULL, argv + 2, FALSE);
  if (argc > 1 && g_str_equal (argv[1], "broker-passwords"))
    return run_credentials (config.database, output, NULL, TRUE);
  if (argc > 1)
    {
      g_printerr (_("Unknown command “%s”\n"), argv[1]);
      return 2;
    }
  if (config.database == NULL)
    {
      g_printerr ("%s\n", _("Give the database with --database or in the configuration file"));
      return 2;
    }

  host = g_strdup (config.listen ? config.listen : "127.0.0.1:8787");
  colon = strrchr (host, ':');
  if (colon == NULL || !g_ascii_string_to_unsigned (colon + 1, 10, 0, 65535, &port, NULL))
    {
      g_printerr (_("--listen needs ADDRESS:PORT, not “%s”\n"), host);
      return 2;
    }
  host[colon - host] = '\0';
  if (config.telemetry_sweep != NULL &&
      !g_ascii_string_to_unsigned (config.telemetry_sweep, 10, 1, 3600, &sweep, NULL))
    {
      g_printerr (_("--telemetry-sweep needs seconds from 1 to 3600, not “%s”\n"), config.telemetry_sweep);
      return 2;
    }

  if (config.tls_cert || config.tls_key)
    {
      certificate = g_tls_certificate_new_from_files (config.tls_cert, config.tls_key, &error);
      if (certificate == NULL)
        {
          g_printerr ("%s\n", error->message);
          return 1;
        }
    }

  db = mt_db_open (config.database, &error);
  if (db == NULL)
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }
  server = mt_server_new (db);
  mt_server_set_verbose (server, g_strcmp0 (config.log_level, "quiet") != 0);
  if (!mt_server_listen (server, host, (guint) port, certificate, &error))
    {
      g_printerr ("%s\n", error->message);
      mt_db_close (db);
      return 1;
    }
  if (config.broker != NULL)
    {
      MtBrokerConfig broker = {
        .uri = config.broker, .username = config.broker_user,
        .password = g_getenv ("MINGTANG_BROKER_PASSWORD") ? g_getenv ("MINGTANG_BROKER_PASSWORD")
                                                          : config.broker_password,
        .prefix = config.broker_prefix, .ca_file = config.broker_ca, .sweep_seconds = (guint) sweep,
      };

      ingest = mt_ingest_new (db, &broker);
      if (!mt_ingest_start (ingest, &error))
        {
          g_printerr ("%s\n", error->message);
          mt_db_close (db);
          return 1;
        }
      mt_server_set_ingest (server, ingest);
    }
  if (config.report_dir != NULL)
    mt_server_set_report_dir (server, config.report_dir);
  if (config.backup_dir != NULL)
    {
      guint64 hour = 3;

      if ((config.backup_hour != NULL && !g_ascii_string_to_unsigned (config.backup_hour, 10, 0, 23, &hour, NULL)) ||
          !parse_keep (config.backup_keep, schedule.keep))
        {
          g_printerr ("%s\n", _("backup-hour needs an hour from 0 to 23 and backup-keep DAILY,WEEKLY,MONTHLY counts"));
          mt_db_close (db);
          return 2;
        }
      schedule.database = config.database;
      schedule.dir = config.backup_dir;
      schedule.hour = (guint) hour;
      /* looked at once a minute, and at once */
      schedule_cb (&schedule);
      g_timeout_add_seconds (60, schedule_cb, &schedule);
    }
  url = mt_server_get_url (server);
  /* the first line of output: scripts and tests read the address from it */
  printf ("listening on %s\n", url);
  fflush (stdout);

  loop = g_main_loop_new (NULL, FALSE);
  g_unix_signal_add (SIGTERM, quit_cb, loop);
  g_unix_signal_add (SIGINT, quit_cb, loop);
  g_main_loop_run (loop);
  /* a backup under way finishes before the process ends */
  while (schedule.running)
    g_main_context_iteration (NULL, TRUE);

  if (ingest)
    mt_ingest_stop (ingest);
  g_clear_object (&ingest);
  g_clear_object (&server);
  mt_db_close (db);
  return 0;
}
