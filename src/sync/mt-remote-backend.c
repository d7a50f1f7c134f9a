/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mt-remote-backend"

#include "config.h"

#include "mt-remote-backend.h"

struct _MtRemoteBackend
{
  GObject       parent_instance;
  MtSyncEngine *engine;
};

static void mt_remote_backend_iface_init (MtBackendInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (MtRemoteBackend, mt_remote_backend, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (MT_TYPE_BACKEND, mt_remote_backend_iface_init))

static void
answered_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      data)
{
  g_autoptr(GTask) task = data;
  MtApiRequest *request = g_task_get_task_data (task);
  GError *error = NULL;
  JsonNode *answer = mt_sync_engine_request_finish (MT_SYNC_ENGINE (source), result, &error);

  if (answer == NULL)
    return g_task_return_error (task, error);
  if (mt_api_request_get_operation (request)->flags & MT_API_WRITES)
    mt_backend_emit_changed (MT_BACKEND (g_task_get_source_object (task)), mt_api_request_get_operation (request)->name);
  g_task_return_pointer (task, answer, (GDestroyNotify) json_node_unref);
}

static void
remote_call_async (MtBackend           *backend,
                   MtApiRequest        *request,
                   GCancellable        *cancellable,
                   GAsyncReadyCallback  callback,
                   gpointer             user_data)
{
  MtRemoteBackend *self = MT_REMOTE_BACKEND (backend);
  const MtApiOperation *op = mt_api_request_get_operation (request);
  g_autofree char *path = mt_api_request_to_path (request);
  g_autoptr(JsonNode) body = mt_api_request_get_body (request);
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, remote_call_async);
  g_task_set_task_data (task, mt_api_request_ref (request), (GDestroyNotify) mt_api_request_unref);
  mt_sync_engine_request_async (self->engine, op->method, path, body, cancellable, answered_cb, task);
}

static JsonNode *
remote_call_finish (MtBackend     *backend,
                    GAsyncResult  *result,
                    GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, backend), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
mt_remote_backend_iface_init (MtBackendInterface *iface)
{
  iface->call_async = remote_call_async;
  iface->call_finish = remote_call_finish;
}

static void
mt_remote_backend_dispose (GObject *object)
{
  g_clear_object (&MT_REMOTE_BACKEND (object)->engine);
  G_OBJECT_CLASS (mt_remote_backend_parent_class)->dispose (object);
}

static void
mt_remote_backend_class_init (MtRemoteBackendClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = mt_remote_backend_dispose;
}

static void
mt_remote_backend_init (MtRemoteBackend *self)
{
}

MtRemoteBackend *
mt_remote_backend_new (MtSyncEngine *engine)
{
  MtRemoteBackend *self = g_object_new (MT_TYPE_REMOTE_BACKEND, NULL);

  self->engine = g_object_ref (engine);
  return self;
}

MtSyncEngine *
mt_remote_backend_get_engine (MtRemoteBackend *self)
{
  g_return_val_if_fail (MT_IS_REMOTE_BACKEND (self), NULL);
  return self->engine;
}
