/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * A Mingtang database, as the parts that do not speak SQL see it: opened (and migrated to this
 * build's schema), closed, named. What it holds is read and written through the core's
 * operations and read models; SQL lives in the core (mt-db.h, for the core and its neighbours).
 */
typedef struct _MtDb MtDb;

int           mt_db_latest_version    (void);
MtDb         *mt_db_open              (const char  *path,
                                       GError     **error);
/* A connection that refuses writes (a connected console's replica, read by its pages) */
MtDb         *mt_db_open_read_only    (const char  *path,
                                       GError     **error);
void          mt_db_close             (MtDb        *db);
int           mt_db_get_version       (MtDb        *db);
const char   *mt_db_get_path          (MtDb        *db);
/* Changes whenever this connection or another one changed the database: a cache key */
gint64        mt_db_data_stamp        (MtDb        *db);
gboolean      mt_db_integrity_ok      (MtDb        *db);

/* Now, in UTC microseconds; overridable for tests and the demo generator. */
gint64        mt_now                  (void);
void          mt_set_clock            (gint64      (*clock) (void));

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MtDb, mt_db_close)

G_END_DECLS
