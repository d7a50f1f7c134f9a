/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>
#include <sqlite3.h>

#include "mt-database.h"

G_BEGIN_DECLS

/* The SQL level of the database: the core's, and its neighbours' (server, sync, telemetry,
 * export). The console reads and writes through the core's operations and read models. */

/* The newest schema version this build writes. */
#define MT_DB_SCHEMA_VERSION (mt_db_latest_version ())

MtDb         *mt_db_open_at_version   (const char  *path,
                                       int          version,
                                       GError     **error);
gboolean      mt_db_migrate           (MtDb        *db,
                                       int          target,
                                       GError     **error);
sqlite3      *mt_db_get_handle        (MtDb        *db);

gboolean      mt_db_begin             (MtDb        *db,
                                       GError     **error);
gboolean      mt_db_commit            (MtDb        *db,
                                       GError     **error);
void          mt_db_rollback          (MtDb        *db);
gboolean      mt_db_exec              (MtDb        *db,
                                       const char  *sql,
                                       GError     **error);

/*
 * A transaction held in a variable: g_autoptr(MtTxn) txn = mt_txn_begin (db, error) begins it
 * (nested ones join the outer one, as mt_db_begin), mt_txn_commit() commits it, and leaving the
 * variable's scope without a commit rolls it back — no "goto fail" to forget.
 */
typedef struct _MtTxn MtTxn;

MtTxn        *mt_txn_begin            (MtDb        *db,
                                       GError     **error);
gboolean      mt_txn_commit           (MtTxn       *txn,
                                       GError     **error);
void          mt_txn_free             (MtTxn       *txn);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MtTxn, mt_txn_free)

/*
 * Prepared statements, cached by SQL text, reset and bound on every call.
 * @types has one letter per parameter: i gint64, t const char * (NULL binds NULL),
 * d double, n NULL (no argument), b gboolean.
 */
sqlite3_stmt *mt_db_prepare           (MtDb        *db,
                                       GError     **error,
                                       const char  *sql,
                                       const char  *types,
                                       ...);
sqlite3_stmt *mt_db_prepare_va        (MtDb        *db,
                                       GError     **error,
                                       const char  *sql,
                                       const char  *types,
                                       va_list      args);
/* Runs a statement that returns no row. */
gboolean      mt_db_run               (MtDb        *db,
                                       GError     **error,
                                       const char  *sql,
                                       const char  *types,
                                       ...);
/* First column of the first row, or @fallback when there is no row. */
gint64        mt_db_query_int         (MtDb        *db,
                                       gint64       fallback,
                                       const char  *sql,
                                       const char  *types,
                                       ...);
double        mt_db_query_double      (MtDb        *db,
                                       double       fallback,
                                       const char  *sql,
                                       const char  *types,
                                       ...);
char         *mt_db_query_text        (MtDb        *db,
                                       const char  *sql,
                                       const char  *types,
                                       ...);
gboolean      mt_db_step_error        (MtDb        *db,
                                       int          rc,
                                       GError     **error);
gint64        mt_db_last_insert_id    (MtDb        *db);
/* A check: each row of @sql is a difference, added to @problems (when not NULL) as @what and
 * the row's columns; a query that cannot run is a failure too. TRUE when there is none. */
gboolean      mt_db_expect_no_rows    (MtDb        *db,
                                       GPtrArray   *problems,
                                       const char  *what,
                                       const char  *sql);
int           mt_db_changes           (MtDb        *db);



G_END_DECLS
