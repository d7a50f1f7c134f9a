/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "mt-backend.h"

G_BEGIN_DECLS

#define MT_TYPE_LOCAL_BACKEND (mt_local_backend_get_type ())
G_DECLARE_FINAL_TYPE (MtLocalBackend, mt_local_backend, MT, LOCAL_BACKEND, GObject)

/*
 * The backend of a standalone console: answers on a worker thread with its own connection to
 * the database file of @db, as the account @account_id (0: the system). Requests are answered
 * one at a time, in the order given. A database without a file (":memory:") has no second
 * connection: its requests are answered on the calling thread, from an idle callback.
 */
MtLocalBackend *mt_local_backend_new          (MtDb                *db,
                                               gint64               account_id);

/* A job on the worker's connection (an export, a label sheet): @func returns a pointer result
 * freed by @free_result, or NULL with @error. A cancelled job that finished anyway still gives its
 * result: the caller decides what to do with it. */
typedef gpointer (*MtWorkerFunc) (MtDb          *db,
                                  gpointer       data,
                                  GCancellable  *cancellable,
                                  GError       **error);

void            mt_local_backend_run_async    (MtLocalBackend      *self,
                                               MtWorkerFunc         func,
                                               gpointer             data,
                                               GDestroyNotify       free_data,
                                               GDestroyNotify       free_result,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);
gpointer        mt_local_backend_run_finish   (MtLocalBackend      *self,
                                               GAsyncResult        *result,
                                               GError             **error);
/* The worker's connection refuses writes (a replica's: jobs only read it) */
void            mt_local_backend_set_read_only (MtLocalBackend *self,
                                                gboolean        read_only);
/* Whether the last answer ran off the thread that asked (for the tests) */
gboolean        mt_local_backend_get_threaded (MtLocalBackend      *self);

G_END_DECLS
