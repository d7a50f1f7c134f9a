/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mt-context"

#include "config.h"

#include "mt-context.h"
#include "mt-remote-backend.h"

struct _MtContext
{
  GObject       parent_instance;
  MtDb         *db;
  MtDb         *owned_db;   /* a replica's connection, closed with the context */
  MtActor      *actor;
  MtBackend    *backend;
  MtLocalBackend *worker;   /* long jobs (exports, label sheets) on a connection of their own */
  MtSyncEngine *engine;
  MtIngest     *ingest;
  GSettings    *settings;
  guint         pending;
};

G_DEFINE_FINAL_TYPE (MtContext, mt_context, G_TYPE_OBJECT)

enum { CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS];

static void
mt_context_dispose (GObject *object)
{
  MtContext *self = MT_CONTEXT (object);

  if (self->backend)
    g_signal_handlers_disconnect_by_data (self->backend, self);
  g_clear_object (&self->backend);
  g_clear_object (&self->worker);
  g_clear_object (&self->ingest);
  g_clear_object (&self->settings);
  G_OBJECT_CLASS (mt_context_parent_class)->dispose (object);
}

static void
mt_context_finalize (GObject *object)
{
  MtContext *self = MT_CONTEXT (object);

  g_clear_pointer (&self->owned_db, mt_db_close);
  g_clear_object (&self->engine);
  g_clear_pointer (&self->actor, mt_actor_free);
  G_OBJECT_CLASS (mt_context_parent_class)->finalize (object);
}

static void
mt_context_class_init (MtContextClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = mt_context_dispose;
  G_OBJECT_CLASS (klass)->finalize = mt_context_finalize;

  /**
   * MtContext::changed:
   * @operation: the name of the operation that wrote
   *
   * A request of this session changed data; the database the pages read shows it.
   */
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                   G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
mt_context_init (MtContext *self)
{
}

static void
backend_changed_cb (MtBackend  *backend,
                    const char *operation,
                    MtContext  *self)
{
  g_signal_emit (self, signals[CHANGED], 0, operation);
}

/* Standalone: what a write means for the embedded broker link (a server does it for its own) */
static void
effects_cb (MtLocalBackend *backend,
            GArray         *devices,
            gboolean        fences_changed,
            MtContext      *self)
{
  if (self->ingest == NULL)
    return;
  for (guint i = 0; devices && i < devices->len; i++)
    mt_ingest_device_changed (self->ingest, g_array_index (devices, gint64, i));
  if (fences_changed)
    mt_ingest_fences_changed (self->ingest);
}

static MtContext *
context_new (MtDb      *db,
             MtActor   *actor,
             MtBackend *backend)
{
  MtContext *self = g_object_new (MT_TYPE_CONTEXT, NULL);

  self->db = db;
  self->actor = actor;
  self->backend = backend;
  g_signal_connect (backend, "changed", G_CALLBACK (backend_changed_cb), self);
  return self;
}

MtContext *
mt_context_new_standalone (MtDb    *db,
                           MtActor *actor)
{
  MtContext *self;

  g_return_val_if_fail (db != NULL && actor != NULL, NULL);
  self = context_new (db, actor, MT_BACKEND (mt_local_backend_new (db, actor->account_id)));
  self->worker = g_object_ref (MT_LOCAL_BACKEND (self->backend));
  g_signal_connect (self->backend, "effects", G_CALLBACK (effects_cb), self);
  return self;
}

MtContext *
mt_context_new_connected (MtSyncEngine *engine,
                          MtDb         *replica,
                          MtActor      *actor)
{
  MtContext *self;

  g_return_val_if_fail (MT_IS_SYNC_ENGINE (engine) && replica != NULL && actor != NULL, NULL);
  self = context_new (replica, actor, MT_BACKEND (mt_remote_backend_new (engine)));
  self->owned_db = replica;
  self->engine = g_object_ref (engine);
  self->worker = mt_local_backend_new (replica, actor->account_id);
  mt_local_backend_set_read_only (self->worker, TRUE);   /* writes go through the server only */
  return self;
}

MtDb *
mt_context_get_db (MtContext *self)
{
  g_return_val_if_fail (MT_IS_CONTEXT (self), NULL);
  return self->db;
}

const MtActor *
mt_context_get_actor (MtContext *self)
{
  g_return_val_if_fail (MT_IS_CONTEXT (self), NULL);
  return self->actor;
}

MtBackend *
mt_context_get_backend (MtContext *self)
{
  g_return_val_if_fail (MT_IS_CONTEXT (self), NULL);
  return self->backend;
}

MtSyncEngine *
mt_context_get_engine (MtContext *self)
{
  g_return_val_if_fail (MT_IS_CONTEXT (self), NULL);
  return self->engine;
}

MtIngest *
mt_context_get_ingest (MtContext *self)
{
  g_return_val_if_fail (MT_IS_CONTEXT (self), NULL);
  /* connected to a server, the embedded link writes the local database, not the replica */
  return self->engine ? NULL : self->ingest;
}

void
mt_context_set_ingest (MtContext *self,
                       MtIngest  *ingest)
{
  g_return_if_fail (MT_IS_CONTEXT (self));
  g_set_object (&self->ingest, ingest);
}

GSettings *
mt_context_get_settings (MtContext *self)
{
  g_return_val_if_fail (MT_IS_CONTEXT (self), NULL);
  return self->settings;
}

void
mt_context_set_settings (MtContext *self,
                         GSettings *settings)
{
  g_return_if_fail (MT_IS_CONTEXT (self));
  g_set_object (&self->settings, settings);
}

static void
call_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  g_autoptr(GTask) task = data;
  MtContext *self = g_task_get_source_object (task);
  GError *error = NULL;
  JsonNode *answer = mt_backend_call_finish (MT_BACKEND (source), result, &error);

  self->pending--;
  if (answer == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, answer, (GDestroyNotify) json_node_unref);
}

void
mt_context_call_async (MtContext           *self,
                       MtApiRequest        *request,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (MT_IS_CONTEXT (self));
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, mt_context_call_async);
  self->pending++;
  mt_backend_call_async (self->backend, request, cancellable, call_done_cb, task);
}

JsonNode *
mt_context_call_finish (MtContext     *self,
                        GAsyncResult  *result,
                        GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

guint
mt_context_get_pending (MtContext *self)
{
  g_return_val_if_fail (MT_IS_CONTEXT (self), 0);
  return self->pending;
}

static void
run_done_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      data)
{
  g_autoptr(GTask) task = data;
  MtContext *self = g_task_get_source_object (task);
  GError *error = NULL;
  gpointer answer = mt_local_backend_run_finish (MT_LOCAL_BACKEND (source), result, &error);

  self->pending--;
  if (answer == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, answer, g_task_get_task_data (task));
}

void
mt_context_run_async (MtContext           *self,
                      MtWorkerFunc         func,
                      gpointer             data,
                      GDestroyNotify       free_data,
                      GDestroyNotify       free_result,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (MT_IS_CONTEXT (self));
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, mt_context_run_async);
  g_task_set_check_cancellable (task, FALSE);   /* the job's result, cancelled or not */
  g_task_set_task_data (task, free_result, NULL);
  self->pending++;
  /* the result is handed over as it is: the inner task must not free it */
  mt_local_backend_run_async (self->worker, func, data, free_data, NULL, cancellable, run_done_cb, task);
}

gpointer
mt_context_run_finish (MtContext     *self,
                       GAsyncResult  *result,
                       GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
