/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mt-backup-actions"

#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "mt-backup-actions.h"
#include "mt-backup.h"
#include "mt-validate.h"

#define KEEP_DAILY   7
#define KEEP_WEEKLY  4
#define KEEP_MONTHLY 12

static GSettings *
settings_get (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = source ? g_settings_schema_source_lookup (source, BASE_APPLICATION_ID, TRUE)
                                             : NULL;

  return schema ? g_settings_new (BASE_APPLICATION_ID) : NULL;
}

char *
mt_backup_folder (const char *db_path)
{
  g_autoptr(GSettings) settings = settings_get ();
  g_autofree char *chosen = settings ? g_settings_get_string (settings, "backup-folder") : NULL;
  g_autofree char *dir = NULL;

  if (chosen != NULL && *chosen)
    return g_steal_pointer (&chosen);
  dir = g_path_get_dirname (db_path);
  return g_build_filename (dir, "backups", NULL);
}

/* ------------------------------------------------------------------ backing up */

typedef struct
{
  char *db_path;
  char *dir;
} Job;

static void
job_free (Job *job)
{
  g_free (job->db_path);
  g_free (job->dir);
  g_free (job);
}

static void
backup_thread (GTask        *task,
               gpointer      source,
               gpointer      data,
               GCancellable *cancellable)
{
  Job *job = data;
  GError *error = NULL;
  char *path = mt_backup_write (job->db_path, job->dir, &error);

  if (path == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  mt_backup_rotate (job->dir, KEEP_DAILY, KEEP_WEEKLY, KEEP_MONTHLY, NULL);
  g_task_return_pointer (task, path, g_free);
}

static GTask *
backup_start (const char          *db_path,
              GAsyncReadyCallback  done,
              gpointer             data)
{
  GTask *task = g_task_new (NULL, NULL, done, data);
  Job *job = g_new0 (Job, 1);

  job->db_path = g_strdup (db_path);
  job->dir = mt_backup_folder (db_path);
  g_task_set_task_data (task, job, (GDestroyNotify) job_free);
  g_task_run_in_thread (task, backup_thread);
  return task;
}

static void
auto_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_task_propagate_pointer (G_TASK (result), &error);

  if (path)
    g_message ("Backed up to %s", path);
  else
    g_warning ("The daily backup failed: %s", error->message);
}

void
mt_backup_auto (const char *db_path)
{
  g_autoptr(GSettings) settings = settings_get ();
  g_autofree char *dir = mt_backup_folder (db_path);

  if (settings != NULL && !g_settings_get_boolean (settings, "backup-automatic"))
    return;
  if (g_get_real_time () - mt_backup_latest_time (dir) < G_TIME_SPAN_DAY)
    return;
  g_object_unref (backup_start (db_path, auto_done_cb, NULL));
}

static GtkWidget *
message (GtkWindow  *parent,
         const char *heading,
         const char *body)
{
  GtkWidget *dialog = adw_message_dialog_new (parent, heading, body);

  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
  gtk_window_present (GTK_WINDOW (dialog));
  return dialog;
}

static void
now_done_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      data)
{
  g_autoptr(GtkWindow) parent = data;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_task_propagate_pointer (G_TASK (result), &error);

  if (path == NULL)
    {
      message (parent, _("Not Backed Up"), error->message);
      g_object_set_data (G_OBJECT (parent), "mt-last-backup", (gpointer) "");
      return;
    }
  {
    GStatBuf st;
    g_autofree char *size = g_stat (path, &st) == 0 ? g_format_size (st.st_size) : g_strdup ("");
    /* TRANSLATORS: "The database was copied to FILE (12.3 MB)." */
    g_autofree char *body = g_strdup_printf (_("The database was copied to %s (%s)."), path, size);

    message (parent, _("Backed Up"), body);
  }
  g_object_set_data_full (G_OBJECT (parent), "mt-last-backup", g_steal_pointer (&path), g_free);
}

void
mt_backup_now (GtkWindow  *parent,
               const char *db_path)
{
  g_object_set_data (G_OBJECT (parent), "mt-last-backup", NULL);
  g_object_unref (backup_start (db_path, now_done_cb, g_object_ref (parent)));
}

/* ------------------------------------------------------------------ restoring */

typedef struct
{
  GtkWindow    *parent;   /* a reference */
  char         *backup;
  MtBackupInfo  info;
  MtRestoreFunc restore;
  gpointer      data;
} Restore;

static void
restore_free (Restore *r)
{
  g_clear_object (&r->parent);
  g_free (r->backup);
  mt_backup_info_clear (&r->info);
  g_free (r);
}

static void
check_thread (GTask        *task,
              gpointer      source,
              gpointer      data,
              GCancellable *cancellable)
{
  Restore *r = data;
  GError *error = NULL;

  if (mt_backup_check (r->backup, &r->info, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
confirm_cb (AdwMessageDialog *dialog,
            const char       *response,
            Restore          *r)
{
  if (g_str_equal (response, "restore"))
    r->restore (r->backup, r->data);
}

static void
checked_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      data)
{
  Restore *r = data;
  g_autoptr(GError) error = NULL;
  GtkWidget *dialog;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      dialog = message (r->parent, _("This Backup Cannot Be Restored"), error->message);
      g_object_set_data (G_OBJECT (dialog), "mt-refused", GINT_TO_POINTER (1));
      restore_free (r);
      return;
    }
  {
    g_autofree char *taken = mt_format_time (r->info.taken_at);
    g_autofree char *last = r->info.last_order_at ? mt_format_time (r->info.last_order_at) : NULL;
    g_autofree char *devices = g_strdup_printf ("%" G_GINT64_FORMAT, r->info.devices);
    g_autofree char *members = g_strdup_printf ("%" G_GINT64_FORMAT, r->info.members);
    g_autofree char *orders = g_strdup_printf ("%" G_GINT64_FORMAT, r->info.orders);
    g_autofree char *body = g_strdup_printf (
      _("Backed up %s: %s devices, %s members, %s orders, the last %s (%s). It passed the integrity check and its "
        "books balance.\n\nThe current database is kept aside, not deleted. Everyone signs in again after the "
        "restore."),
      taken, devices, members, orders, r->info.last_order_no ? r->info.last_order_no : "—", last ? last : "—");

    dialog = adw_message_dialog_new (r->parent, _("Restore This Backup?"), body);
  }
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _("_Cancel"), "restore", _("_Restore"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "restore", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_object_set_data_full (G_OBJECT (dialog), "restore", r, (GDestroyNotify) restore_free);
  g_signal_connect (dialog, "response", G_CALLBACK (confirm_cb), r);
  gtk_window_present (GTK_WINDOW (dialog));
}

void
mt_backup_restore_from (GtkWindow    *parent,
                        const char   *backup,
                        MtRestoreFunc restore,
                        gpointer      data)
{
  Restore *r = g_new0 (Restore, 1);
  g_autoptr(GTask) task = g_task_new (NULL, NULL, checked_cb, r);

  r->parent = g_object_ref (parent);
  r->backup = g_strdup (backup);
  r->restore = restore;
  r->data = data;
  g_task_set_task_data (task, r, NULL);
  g_task_run_in_thread (task, check_thread);
}

typedef struct
{
  GtkWindow    *parent;
  GPtrArray    *paths;
  GtkWidget    *list;
  MtRestoreFunc restore;
  gpointer      data;
} Choose;

static void
choose_free (Choose *c)
{
  g_clear_object (&c->parent);
  g_ptr_array_unref (c->paths);
  g_free (c);
}

static void
file_chosen_cb (GtkNativeDialog *chooser,
                int              response,
                Choose          *c)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
      g_autofree char *path = g_file_get_path (file);

      if (path)
        mt_backup_restore_from (c->parent, path, c->restore, c->data);
    }
  g_object_unref (chooser);
  choose_free (c);
}

static void
choose_response_cb (AdwMessageDialog *dialog,
                    const char       *response,
                    Choose           *c)
{
  GtkListBoxRow *row = gtk_list_box_get_selected_row (GTK_LIST_BOX (c->list));

  if (g_str_equal (response, "check") && row != NULL)
    mt_backup_restore_from (c->parent, c->paths->pdata[gtk_list_box_row_get_index (row)], c->restore, c->data);
  else if (g_str_equal (response, "other"))
    {
      GtkFileChooserNative *chooser = gtk_file_chooser_native_new (_("Restore a Backup"), c->parent,
                                                                   GTK_FILE_CHOOSER_ACTION_OPEN, _("_Check"),
                                                                   _("_Cancel"));
      Choose *again = g_new0 (Choose, 1);

      *again = *c;
      g_object_ref (again->parent);
      g_ptr_array_ref (again->paths);
      g_signal_connect (chooser, "response", G_CALLBACK (file_chosen_cb), again);
      gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
    }
}

void
mt_backup_restore_choose (GtkWindow    *parent,
                          const char   *db_path,
                          MtRestoreFunc restore,
                          gpointer      data)
{
  g_autofree char *dir = mt_backup_folder (db_path);
  Choose *c = g_new0 (Choose, 1);
  GtkWidget *dialog, *scroller;

  c->parent = g_object_ref (parent);
  c->paths = mt_backup_list (dir);
  c->restore = restore;
  c->data = data;
  c->list = gtk_list_box_new ();
  gtk_widget_add_css_class (c->list, "boxed-list");
  for (guint i = 0; i < c->paths->len && i < 40; i++)
    {
      GtkWidget *row = adw_action_row_new ();
      g_autofree char *name = g_path_get_basename (c->paths->pdata[i]);
      GStatBuf st;
      g_autofree char *size = g_stat (c->paths->pdata[i], &st) == 0 ? g_format_size (st.st_size) : g_strdup ("");
      g_autofree char *when = g_stat (c->paths->pdata[i], &st) == 0
                              ? mt_format_time ((gint64) st.st_mtime * G_USEC_PER_SEC) : g_strdup ("");

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), when);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), size);
      gtk_widget_set_tooltip_text (row, name);
      /* a backup's time, size and file name: data */
      gtk_widget_add_css_class (row, "mt-data");
      gtk_list_box_append (GTK_LIST_BOX (c->list), row);
    }
  if (c->paths->len > 0)
    gtk_list_box_select_row (GTK_LIST_BOX (c->list), gtk_list_box_get_row_at_index (GTK_LIST_BOX (c->list), 0));
  scroller = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), c->list);
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scroller), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_max_content_height (GTK_SCROLLED_WINDOW (scroller), 320);
  gtk_scrolled_window_set_propagate_natural_height (GTK_SCROLLED_WINDOW (scroller), TRUE);
  dialog = adw_message_dialog_new (parent, _("Restore a Backup"),
                                   c->paths->len ? _("The backups in this folder, newest first. The one chosen is "
                                                     "checked before anything changes.")
                                                 : _("There is no backup in this folder yet. Choose a backup file "
                                                     "from elsewhere."));
  {
    /* the folder as it is written: a path, not words */
    GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
    GtkWidget *where = gtk_label_new (dir);

    gtk_label_set_wrap (GTK_LABEL (where), TRUE);
    gtk_label_set_wrap_mode (GTK_LABEL (where), PANGO_WRAP_CHAR);
    gtk_widget_add_css_class (where, "dim-label");
    gtk_widget_add_css_class (where, "mt-data");
    gtk_box_append (GTK_BOX (box), where);
    if (c->paths->len > 0)
      gtk_box_append (GTK_BOX (box), scroller);
    adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), box);
  }
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _("_Cancel"), "other",
                                    _("_Other File…"), NULL);
  if (c->paths->len > 0)
    {
      adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "check", _("C_heck"));
      adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "check", ADW_RESPONSE_SUGGESTED);
      adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "check");
    }
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_object_set_data_full (G_OBJECT (dialog), "choose", c, (GDestroyNotify) choose_free);
  g_signal_connect (dialog, "response", G_CALLBACK (choose_response_cb), c);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* ------------------------------------------------------------------ preferences */

static void
folder_chosen_cb (GtkNativeDialog *chooser,
                  int              response,
                  GtkWidget       *row)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
      g_autofree char *path = g_file_get_path (file);
      g_autoptr(GSettings) settings = settings_get ();

      if (path && settings)
        {
          g_settings_set_string (settings, "backup-folder", path);
          gtk_label_set_text (GTK_LABEL (g_object_get_data (G_OBJECT (row), "where")), path);
        }
    }
  g_object_unref (chooser);
}

static void
choose_folder_cb (GtkButton *button,
                  GtkWidget *row)
{
  GtkFileChooserNative *chooser = gtk_file_chooser_native_new (_("Backup Folder"),
                                                               GTK_WINDOW (gtk_widget_get_root (row)),
                                                               GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER, _("_Choose"),
                                                               _("_Cancel"));

  g_signal_connect (chooser, "response", G_CALLBACK (folder_chosen_cb), row);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
backup_now_cb (GtkButton  *button,
               const char *db_path)
{
  mt_backup_now (GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (button))), db_path);
}

GtkWidget *
mt_preferences_new (GtkWindow  *parent,
                    const char *db_path,
                    gboolean    connected)
{
  GtkWidget *window = adw_preferences_window_new ();
  GtkWidget *page = adw_preferences_page_new ();
  GtkWidget *group = adw_preferences_group_new ();
  GtkWidget *row, *sw, *button;
  g_autoptr(GSettings) settings = settings_get ();
  g_autofree char *dir = mt_backup_folder (db_path);
  gint64 latest = mt_backup_latest_time (dir);
  g_autofree char *last = latest ? mt_format_time (latest) : g_strdup (_("None yet"));

  gtk_window_set_transient_for (GTK_WINDOW (window), parent);
  gtk_window_set_modal (GTK_WINDOW (window), TRUE);
  gtk_window_set_title (GTK_WINDOW (window), _("Preferences"));
  adw_preferences_page_set_title (ADW_PREFERENCES_PAGE (page), _("Backups"));
  adw_preferences_page_set_icon_name (ADW_PREFERENCES_PAGE (page), "drive-harddisk-symbolic");
  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (group), _("Backups of This Computer's Database"));
  adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (group),
                                         connected
                                         ? _("This console is connected to a server: its copy is rebuilt from the "
                                             "server and needs no backup. The server's own backups hold everything; "
                                             "these are for the database this console uses on its own.")
                                         : _("A copy a day, made while you work; the newest of 7 days, 4 weeks and "
                                             "12 months are kept. Copy the folder to another disk too."));

  row = adw_action_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("Back up every day"));
  sw = gtk_switch_new ();
  gtk_widget_set_valign (sw, GTK_ALIGN_CENTER);
  if (settings)
    g_settings_bind (settings, "backup-automatic", sw, "active", G_SETTINGS_BIND_DEFAULT);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), sw);
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), sw);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), row);

  row = adw_action_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("Folder"));
  {
    GtkWidget *where = gtk_label_new (dir);

    gtk_label_set_ellipsize (GTK_LABEL (where), PANGO_ELLIPSIZE_START);
    gtk_label_set_max_width_chars (GTK_LABEL (where), 36);
    gtk_widget_set_tooltip_text (where, dir);
    gtk_widget_add_css_class (where, "dim-label");
    gtk_widget_add_css_class (where, "mt-data");
    adw_action_row_add_suffix (ADW_ACTION_ROW (row), where);
    g_object_set_data (G_OBJECT (row), "where", where);
  }
  button = gtk_button_new_with_mnemonic (_("C_hoose…"));
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  g_signal_connect (button, "clicked", G_CALLBACK (choose_folder_cb), row);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), row);

  row = adw_action_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("Last backup"));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), last);
  button = gtk_button_new_with_mnemonic (_("Back Up _Now"));
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  g_object_set_data_full (G_OBJECT (button), "db-path", g_strdup (db_path), g_free);
  g_signal_connect (button, "clicked", G_CALLBACK (backup_now_cb), g_object_get_data (G_OBJECT (button), "db-path"));
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), row);

  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), ADW_PREFERENCES_GROUP (group));
  adw_preferences_window_add (ADW_PREFERENCES_WINDOW (window), ADW_PREFERENCES_PAGE (page));
  return window;
}

/* ------------------------------------------------------------------ a database that cannot be opened */

typedef struct
{
  GtkApplication *app;
  char           *db_path;
  MtOpenFunc      done;
  gpointer        data;
} Damaged;

static void
damaged_free (Damaged *d)
{
  g_free (d->db_path);
  g_free (d);
}

static void
other_chosen_cb (GtkNativeDialog *chooser,
                 int              response,
                 Damaged         *d)
{
  g_autofree char *path = NULL;

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
      path = g_file_get_path (file);
    }
  d->done (path, d->data);
  g_object_unref (chooser);
  damaged_free (d);
}

static void
damaged_response_cb (AdwMessageDialog *dialog,
                     const char       *response,
                     Damaged          *d)
{
  if (g_str_equal (response, "restore"))
    {
      g_autofree char *dir = mt_backup_folder (d->db_path);
      g_autoptr(GPtrArray) backups = mt_backup_list (dir);
      g_autoptr(GError) error = NULL;

      /* the newest backup that passes every check; the file that failed kept aside */
      for (guint i = 0; i < backups->len; i++)
        {
          g_clear_error (&error);
          if (mt_backup_restore (backups->pdata[i], d->db_path, NULL, NULL, &error))
            {
              d->done (d->db_path, d->data);
              return;
            }
          g_warning ("%s", error->message);
        }
      {
        GtkWidget *failed = adw_message_dialog_new (NULL, _("No Backup Could Be Restored"),
                                                    error ? error->message : _("There is no backup to restore."));

        adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (failed), "close", _("_Close"));
        gtk_window_set_application (GTK_WINDOW (failed), d->app);
        gtk_window_present (GTK_WINDOW (failed));
      }
      d->done (NULL, d->data);
    }
  else if (g_str_equal (response, "other"))
    {
      GtkFileChooserNative *chooser = gtk_file_chooser_native_new (_("Open a Database"), NULL,
                                                                   GTK_FILE_CHOOSER_ACTION_OPEN, _("_Open"),
                                                                   _("_Cancel"));
      Damaged *again = g_new0 (Damaged, 1);

      *again = *d;
      again->db_path = g_strdup (d->db_path);
      g_signal_connect (chooser, "response", G_CALLBACK (other_chosen_cb), again);
      gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
    }
  else
    d->done (NULL, d->data);
}

GtkWidget *
mt_damaged_dialog_new (GtkApplication *app,
                       const char     *db_path,
                       const GError   *error,
                       MtOpenFunc      done,
                       gpointer        data)
{
  g_autofree char *dir = mt_backup_folder (db_path);
  g_autoptr(GPtrArray) backups = mt_backup_list (dir);
  g_autofree char *latest = NULL;
  g_autofree char *body = NULL;
  Damaged *d = g_new0 (Damaged, 1);
  GtkWidget *dialog;

  if (backups->len > 0)
    {
      GStatBuf st;

      latest = g_stat (backups->pdata[0], &st) == 0 ? mt_format_time ((gint64) st.st_mtime * G_USEC_PER_SEC)
                                                     : g_path_get_basename (backups->pdata[0]);
      body = g_strdup_printf (_("%s\n\nThe latest backup is from %s. Restoring it keeps the file that failed aside; "
                                "what was written after the backup is not in it."), error->message, latest);
    }
  else
    body = g_strdup_printf (_("%s\n\nThere is no backup in %s to restore."), error->message, dir);
  dialog = adw_message_dialog_new (NULL, _("Cannot open the database"), body);
  d->app = app;
  d->db_path = g_strdup (db_path);
  d->done = done;
  d->data = data;
  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "other", _("_Open Another File…"));
  if (backups->len > 0)
    {
      adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "restore", _("_Restore the Latest Backup"));
      adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "restore", ADW_RESPONSE_SUGGESTED);
      adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "restore");
    }
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "close");
  if (app)
    gtk_window_set_application (GTK_WINDOW (dialog), app);
  g_object_set_data_full (G_OBJECT (dialog), "damaged", d, (GDestroyNotify) damaged_free);
  g_signal_connect (dialog, "response", G_CALLBACK (damaged_response_cb), d);
  return dialog;
}
