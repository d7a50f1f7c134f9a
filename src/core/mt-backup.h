/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "mt-database.h"

G_BEGIN_DECLS

/*
 * Backups of a Mingtang database and their restore (docs/operations.md).
 *
 * A backup is a consistent copy made with SQLite's online backup API over a connection of its
 * own: in WAL mode it reads one snapshot of the database — every write committed before it began,
 * none after — while writers go on. It reaches the disk whole or not at all (written beside, then
 * renamed), as BACKUP_DIR/mingtang-YYYYMMDD-HHMMSS.db (local time).
 *
 * A backup offered for restore is checked before anything is replaced: it is an SQLite file, a
 * Mingtang database of this schema or an older one, `integrity_check` finds nothing, and once
 * migrated (on a copy) its books reconcile and its statistics match its rows.
 */
typedef struct
{
  int     version;          /* its schema, before any migration */
  gint64  taken_at;         /* UTC µs: when it was written (the file's time) */
  gint64  size;             /* bytes */
  gint64  devices;
  gint64  members;
  gint64  orders;
  gint64  ledger_rows;
  char   *last_order_no;    /* NULL without orders */
  gint64  last_order_at;
} MtBackupInfo;

void       mt_backup_info_clear  (MtBackupInfo  *info);

/* Copies the database at @source_path into @dir (made if missing); returns the new file's path */
char      *mt_backup_write       (const char    *source_path,
                                  const char    *dir,
                                  GError       **error);
/* The checks above, on @path, which is never written; @info (may be NULL) says what it holds.
 * MT_ERROR_CORRUPT (not SQLite, damaged, not ours, books that do not balance) or
 * MT_ERROR_TOO_NEW, with a message naming why. */
gboolean   mt_backup_check       (const char    *path,
                                  MtBackupInfo  *info,
                                  GError       **error);
/* Replaces the database at @target (its connections closed) by the checked, migrated backup;
 * the database it replaces is kept aside as TARGET.before-restore-YYYYMMDD-HHMMSS (returned in
 * @kept_aside, NULL when there was none); @info (may be NULL) says what the backup held. On any
 * failure @target is untouched. */
gboolean   mt_backup_restore     (const char    *backup,
                                  const char    *target,
                                  MtBackupInfo  *info,
                                  char         **kept_aside,
                                  GError       **error);
/* The backups in @dir, newest first (their paths) */
GPtrArray *mt_backup_list        (const char    *dir);
/* Keeps the newest backup of each of the last @daily days, @weekly weeks and @monthly months
 * (local time) and deletes the others; returns how many were deleted */
guint      mt_backup_rotate      (const char    *dir,
                                  guint          daily,
                                  guint          weekly,
                                  guint          monthly,
                                  GError       **error);
/* When the newest backup in @dir was taken (UTC µs), 0 without */
gint64     mt_backup_latest_time (const char    *dir);

G_END_DECLS
