/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mt-application"

#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "mt-application.h"
#include "mt-backup.h"
#include "mt-backup-actions.h"
#include "mt-orders.h"
#include "mt-database.h"
#include "mt-demo.h"
#include "mt-ingest.h"
#include "mt-window.h"

struct _MtApplication
{
  AdwApplication  parent_instance;
  MtDb           *db;
  char           *db_path;
  char           *user;
  char           *password;
  char           *page;
  GSettings      *settings;   /* NULL when the schema is not installed */
  guint           overdue_id;
  guint           backup_id;  /* the daily backup's look, hourly */
  MtIngest       *ingest;     /* the embedded broker link, when a broker is given */
};

G_DEFINE_FINAL_TYPE (MtApplication, mt_application, ADW_TYPE_APPLICATION)

static void close_database (MtApplication *self);

static void
mt_application_finalize (GObject *object)
{
  MtApplication *self = MT_APPLICATION (object);

  close_database (self);
  g_free (self->db_path);
  g_free (self->user);
  g_free (self->password);
  g_free (self->page);
  g_clear_object (&self->settings);
  G_OBJECT_CLASS (mt_application_parent_class)->finalize (object);
}

static gboolean
overdue_cb (gpointer data)
{
  MtApplication *self = data;
  g_autoptr(GError) error = NULL;

  if (mt_orders_mark_overdue (self->db, &error) < 0)
    g_warning ("The overdue check failed: %s", error->message);
  return G_SOURCE_CONTINUE;
}

/* The standalone database's daily backup: looked at hourly, made when the last is a day old */
static gboolean
backup_cb (gpointer data)
{
  MtApplication *self = data;

  if (self->db != NULL)
    mt_backup_auto (mt_db_get_path (self->db));
  return G_SOURCE_CONTINUE;
}

/* Embedded mode with a broker (MINGTANG_BROKER, MINGTANG_BROKER_USER, MINGTANG_BROKER_PASSWORD,
 * as build-aux/run.sh sets them for its private broker): the console ingests the fleet's
 * telemetry into its own database and sends commands, as the server would */
static void
start_broker_link (MtApplication *self)
{
  const char *uri = g_getenv ("MINGTANG_BROKER");
  MtBrokerConfig config = { .uri = uri, .username = g_getenv ("MINGTANG_BROKER_USER"),
                            .password = g_getenv ("MINGTANG_BROKER_PASSWORD"),
                            .prefix = g_getenv ("MINGTANG_BROKER_PREFIX") };
  g_autoptr(GError) error = NULL;

  if (uri == NULL || *uri == '\0')
    return;
  self->ingest = mt_ingest_new (self->db, &config);
  mt_ingest_set_interactive (self->ingest, TRUE);
  if (!mt_ingest_start (self->ingest, &error))
    {
      g_warning ("No live telemetry: %s", error->message);
      g_clear_object (&self->ingest);
    }
}

static gboolean
open_database (MtApplication  *self,
               GError        **error)
{
  g_autofree char *path = self->db_path
    ? g_strdup (self->db_path)
    : g_build_filename (g_get_user_data_dir (), "mingtang", "mingtang.db", NULL);
  g_autofree char *dir = g_path_get_dirname (path);
  gboolean fresh = !g_file_test (path, G_FILE_TEST_EXISTS);

  g_mkdir_with_parents (dir, 0700);
  self->db = mt_db_open (path, error);
  if (self->db == NULL)
    return FALSE;
  if (fresh)
    {
      MtDemoOptions options;

      mt_demo_options_init (&options);
      g_message ("Creating the demo fleet in %s", path);
      if (!mt_demo_generate (self->db, &options, error))
        return FALSE;
    }
  /* the embedded database has no server to mark overdue orders: the console does, at start
   * and every few minutes */
  overdue_cb (self);
  self->overdue_id = g_timeout_add_seconds (MT_OVERDUE_CHECK_SECONDS, overdue_cb, self);
  backup_cb (self);
  self->backup_id = g_timeout_add_seconds (3600, backup_cb, self);
  start_broker_link (self);
  return TRUE;
}

static void
close_database (MtApplication *self)
{
  g_clear_handle_id (&self->overdue_id, g_source_remove);
  g_clear_handle_id (&self->backup_id, g_source_remove);
  if (self->ingest)
    mt_ingest_stop (self->ingest);
  g_clear_object (&self->ingest);
  g_clear_pointer (&self->db, mt_db_close);
}

static void open_window (MtApplication *self);

/* A window's Restore…: every window closed, the database closed, the backup checked and put in
 * its place on a thread (the replaced file kept aside) under a window that says so, then opened
 * again at the sign-in screen. A failure leaves the database as it was, and says why. */
typedef struct
{
  MtApplication *self;
  char          *backup;
  char          *path;
  char          *aside;
  GtkWidget     *progress;
} Swap;

static void
swap_thread (GTask        *task,
             gpointer      source,
             gpointer      data,
             GCancellable *cancellable)
{
  Swap *swap = data;
  GError *error = NULL;

  if (mt_backup_restore (swap->backup, swap->path, NULL, &swap->aside, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
swap_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  Swap *swap = data;
  MtApplication *self = swap->self;
  g_autoptr(GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    g_warning ("Not restored: %s", error->message);
  else
    g_message ("Restored %s; the database it replaced is %s", swap->backup, swap->aside ? swap->aside : "—");
  g_free (self->db_path);
  self->db_path = g_strdup (swap->path);
  g_clear_pointer (&self->user, g_free);
  open_window (self);
  gtk_window_destroy (GTK_WINDOW (swap->progress));
  if (error != NULL)
    {
      GtkWidget *dialog = adw_message_dialog_new (gtk_application_get_active_window (GTK_APPLICATION (self)),
                                                  _("Not Restored"), error->message);
      adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
      gtk_window_present (GTK_WINDOW (dialog));
    }
  g_application_release (G_APPLICATION (self));
  g_free (swap->backup);
  g_free (swap->path);
  g_free (swap->aside);
  g_free (swap);
}

static void
restore_database_cb (MtWindow      *window,
                     const char    *backup,
                     MtApplication *self)
{
  Swap *swap = g_new0 (Swap, 1);
  g_autoptr(GTask) task = NULL;
  GtkWidget *box, *spinner, *label;
  GList *windows;

  swap->self = self;
  swap->backup = g_strdup (backup);
  swap->path = g_strdup (mt_db_get_path (self->db));
  while ((windows = gtk_application_get_windows (GTK_APPLICATION (self))) != NULL)
    gtk_window_destroy (windows->data);
  g_application_hold (G_APPLICATION (self));
  close_database (self);

  /* a big database takes minutes to check and copy: said, not a blank screen */
  swap->progress = adw_window_new ();
  gtk_window_set_title (GTK_WINDOW (swap->progress), _("Restoring"));
  gtk_window_set_deletable (GTK_WINDOW (swap->progress), FALSE);
  gtk_window_set_default_size (GTK_WINDOW (swap->progress), 420, -1);
  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 18);
  gtk_widget_set_margin_top (box, 36);
  gtk_widget_set_margin_bottom (box, 36);
  gtk_widget_set_margin_start (box, 36);
  gtk_widget_set_margin_end (box, 36);
  spinner = gtk_spinner_new ();
  gtk_spinner_start (GTK_SPINNER (spinner));
  gtk_widget_set_size_request (spinner, 32, 32);
  label = gtk_label_new (_("Checking the backup and putting it in place. A big database takes a few minutes."));
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_justify (GTK_LABEL (label), GTK_JUSTIFY_CENTER);
  gtk_box_append (GTK_BOX (box), spinner);
  gtk_box_append (GTK_BOX (box), label);
  adw_window_set_content (ADW_WINDOW (swap->progress), box);
  gtk_window_set_application (GTK_WINDOW (swap->progress), GTK_APPLICATION (self));
  gtk_window_present (GTK_WINDOW (swap->progress));

  task = g_task_new (NULL, NULL, swap_done_cb, swap);
  g_task_set_task_data (task, swap, NULL);
  g_task_run_in_thread (task, swap_thread);
}

/* The damaged database's dialog chose a file to open (restored, or another), or to close */
static void
damaged_done (const char *path,
              gpointer    data)
{
  MtApplication *self = data;

  if (path == NULL)
    return;
  g_free (self->db_path);
  self->db_path = g_strdup (path);
  open_window (self);
}

static void
open_window (MtApplication *self)
{
  GtkWindow *window;
  g_autoptr(GError) error = NULL;

  if (self->db == NULL && !open_database (self, &error))
    {
      g_autofree char *path = self->db_path
        ? g_strdup (self->db_path) : g_build_filename (g_get_user_data_dir (), "mingtang", "mingtang.db", NULL);
      GtkWidget *dialog;

      close_database (self);
      dialog = mt_damaged_dialog_new (GTK_APPLICATION (self), path, error, damaged_done, self);
      gtk_window_present (GTK_WINDOW (dialog));
      return;
    }
  window = GTK_WINDOW (mt_window_new (GTK_APPLICATION (self), self->db));
  mt_window_set_ingest (MT_WINDOW (window), self->ingest);
  g_signal_connect_object (window, "restore-database", G_CALLBACK (restore_database_cb), self, 0);
  if (self->user && self->password &&
      !mt_window_sign_in (MT_WINDOW (window), self->user, self->password, &error))
    g_printerr ("%s\n", error->message);
  if (self->page && mt_window_get_actor (MT_WINDOW (window)))
    mt_window_show_page (MT_WINDOW (window), self->page);
  gtk_window_present (window);
}

static void
mt_application_activate (GApplication *app)
{
  MtApplication *self = MT_APPLICATION (app);
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (app));

  if (window == NULL)
    open_window (self);
  else
    gtk_window_present (window);
}

static int
mt_application_handle_local_options (GApplication *app,
                                     GVariantDict *options)
{
  MtApplication *self = MT_APPLICATION (app);

  g_variant_dict_lookup (options, "database", "^ay", &self->db_path);
  g_variant_dict_lookup (options, "user", "s", &self->user);
  g_variant_dict_lookup (options, "page", "s", &self->page);
  if (self->user)
    self->password = g_strdup (g_getenv ("MINGTANG_PASSWORD"));
  return -1;
}

static void
mt_application_class_init (MtApplicationClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = mt_application_finalize;
  G_APPLICATION_CLASS (klass)->activate = mt_application_activate;
  G_APPLICATION_CLASS (klass)->handle_local_options = mt_application_handle_local_options;
}

static void
quit_cb (GSimpleAction *action,
         GVariant      *param,
         gpointer       app)
{
  g_application_quit (app);
}

/* A notification's action: the device's BMS in the open window */
static void
open_bms_cb (GSimpleAction *action,
             GVariant      *param,
             gpointer       app)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (app));

  if (window && MT_IS_WINDOW (window))
    {
      gtk_window_present (window);
      mt_window_open_bms (MT_WINDOW (window), g_variant_get_int64 (param));
    }
}

static void
mt_application_init (MtApplication *self)
{
  static const GActionEntry entries[] = { { "quit", quit_cb }, { "open-bms", open_bms_cb, "x" } };
  static const char *const quit_accels[] = { "<Control>q", NULL };
  static const GOptionEntry options[] = {
    { "database", 'd', 0, G_OPTION_ARG_FILENAME, NULL, N_("The database to open (created with a demo fleet when missing)"), N_("FILE") },
    { "user", 'u', 0, G_OPTION_ARG_STRING, NULL, N_("Sign in as this user (password from MINGTANG_PASSWORD)"), N_("NAME") },
    { "page", 'p', 0, G_OPTION_ARG_STRING, NULL, N_("Open this page after signing in"), N_("PAGE") },
    { NULL }
  };

  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = source ? g_settings_schema_source_lookup (source, BASE_APPLICATION_ID, TRUE)
                                             : NULL;

  /* Running uninstalled without GSETTINGS_SCHEMA_DIR: work, just remember nothing */
  if (schema != NULL)
    self->settings = g_settings_new (BASE_APPLICATION_ID);
  else
    g_debug ("GSettings schema %s not found: window state is not kept", BASE_APPLICATION_ID);

  g_action_map_add_action_entries (G_ACTION_MAP (self), entries, G_N_ELEMENTS (entries), self);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.quit", quit_accels);
  g_application_add_main_option_entries (G_APPLICATION (self), options);
}

GSettings *
mt_application_get_settings (MtApplication *self)
{
  g_return_val_if_fail (MT_IS_APPLICATION (self), NULL);
  return self->settings;
}

MtApplication *
mt_application_new (void)
{
  return g_object_new (MT_TYPE_APPLICATION, "application-id", APPLICATION_ID,
                       "flags", G_APPLICATION_NON_UNIQUE, NULL);
}
