/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

/*
 * The standalone console's backups (docs/operations.md): where they go, Back Up Now, Restore
 * with its checks and what the backup holds said before anything changes, the preferences, and
 * the dialog a database that cannot be opened gets.
 */

/* The preference (backup-folder), else "backups" beside @db_path */
char      *mt_backup_folder          (const char *db_path);
/* A backup now when the newest in the folder is older than a day and backup-automatic is on
 * (in a thread; the result logged) */
void       mt_backup_auto            (const char *db_path);

/* Back Up Now: in a thread, then a dialog over @parent saying where it went or why not.
 * "done" (path or NULL) is emitted on @parent's "backup-done" data callback, for tests. */
void       mt_backup_now             (GtkWindow  *parent,
                                      const char *db_path);
/* Restore…: the folder's backups to choose from, or another file. Then the check (in a thread),
 * and either the refusal in words or what the backup holds with Restore; that calls @restore
 * with the backup's path. */
typedef void (*MtRestoreFunc) (const char *backup,
                               gpointer    data);
void       mt_backup_restore_choose  (GtkWindow    *parent,
                                      const char   *db_path,
                                      MtRestoreFunc restore,
                                      gpointer      data);
/* The check and the question about one backup (what Restore… does once a file is chosen) */
void       mt_backup_restore_from    (GtkWindow    *parent,
                                      const char   *backup,
                                      MtRestoreFunc restore,
                                      gpointer      data);

/* The preferences: daily backups, their folder, the last one, Back Up Now; a connected
 * console's note that its replica needs none */
GtkWidget *mt_preferences_new        (GtkWindow  *parent,
                                      const char *db_path,
                                      gboolean    connected);

/* The database at @db_path cannot be opened (@error says why): restore the latest good backup
 * (the file kept aside), open another file, or close. @done gets the path to open, or NULL. */
typedef void (*MtOpenFunc) (const char *path,
                            gpointer    data);
GtkWidget *mt_damaged_dialog_new     (GtkApplication *app,
                                      const char     *db_path,
                                      const GError   *error,
                                      MtOpenFunc      done,
                                      gpointer        data);

G_END_DECLS
