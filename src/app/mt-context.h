/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "mt-backend.h"
#include "mt-local-backend.h"
#include "mt-database.h"
#include "mt-ingest.h"
#include "mt-perm.h"
#include "mt-sync-engine.h"

G_BEGIN_DECLS

/*
 * MtContext: one signed-in session of the console — the account, the database the pages read
 * (the embedded one, or a connected console's replica), the backend its requests go to, the
 * telemetry link and the settings. Pages and dialogs hold a reference: what they use lives as
 * long as they do, whatever the window does meanwhile (a sign-out only drops the window's).
 */

#define MT_TYPE_CONTEXT (mt_context_get_type ())
G_DECLARE_FINAL_TYPE (MtContext, mt_context, MT, CONTEXT, GObject)

/* Standalone: @db is the console's embedded database (it outlives every context); requests are
 * answered by a local backend on a worker thread. Takes @actor. */
MtContext     *mt_context_new_standalone (MtDb          *db,
                                          MtActor       *actor);
/* Connected: the pages read @replica (taken: closed with the context), requests go to the
 * server through @engine. Takes @actor. */
MtContext     *mt_context_new_connected  (MtSyncEngine  *engine,
                                          MtDb          *replica,
                                          MtActor       *actor);

MtDb          *mt_context_get_db         (MtContext     *self);
const MtActor *mt_context_get_actor      (MtContext     *self);
MtBackend     *mt_context_get_backend    (MtContext     *self);
/* The server link, or NULL standalone */
MtSyncEngine  *mt_context_get_engine     (MtContext     *self);
/* The embedded broker link (standalone only), or NULL */
MtIngest      *mt_context_get_ingest     (MtContext     *self);
void           mt_context_set_ingest     (MtContext     *self,
                                          MtIngest      *ingest);
GSettings     *mt_context_get_settings   (MtContext     *self);
void           mt_context_set_settings   (MtContext     *self,
                                          GSettings     *settings);

/* A request through the session's backend. Emits ::changed (the operation's name) after a write. */
void           mt_context_call_async     (MtContext           *self,
                                          MtApiRequest        *request,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data);
JsonNode      *mt_context_call_finish    (MtContext           *self,
                                          GAsyncResult        *result,
                                          GError             **error);
/* A long job (an export, a label sheet) on a worker thread with a connection of its own to the
 * database the pages read (read only when connected); the main loop goes on meanwhile */
void           mt_context_run_async      (MtContext           *self,
                                          MtWorkerFunc         func,
                                          gpointer             data,
                                          GDestroyNotify       free_data,
                                          GDestroyNotify       free_result,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data);
gpointer       mt_context_run_finish     (MtContext           *self,
                                          GAsyncResult        *result,
                                          GError             **error);
/* Requests and jobs not answered yet (the tests wait for 0) */
guint          mt_context_get_pending    (MtContext     *self);

G_END_DECLS
