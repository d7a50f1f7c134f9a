/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mt-local-backend"

#include "config.h"

#include <glib/gi18n.h>

#include "mt-db.h"
#include "mt-error.h"
#include "mt-local-backend.h"

struct _MtLocalBackend
{
  GObject  parent_instance;
  MtDb    *main_db;      /* the console's: used only without a file */
  char    *path;         /* NULL: no second connection */
  gint64   account_id;
  GMutex   lock;         /* one answer at a time on the worker's connection */
  MtDb    *worker_db;    /* opened by the first answer */
  gboolean read_only;
  gboolean threaded;
};

static void mt_local_backend_iface_init (MtBackendInterface *iface);

enum { EFFECTS, N_SIGNALS };
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE_WITH_CODE (MtLocalBackend, mt_local_backend, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (MT_TYPE_BACKEND, mt_local_backend_iface_init))

typedef struct
{
  MtWorkerFunc   func;
  gpointer       data;
  GDestroyNotify free_data;
  GDestroyNotify free_result;
  GThread       *caller;
} Job;

static void
job_free (Job *job)
{
  if (job->free_data)
    job->free_data (job->data);
  g_free (job);
}

/* The connection answers run on: the worker's own, or the console's without a file */
static MtDb *
worker_db (MtLocalBackend  *self,
           GError         **error)
{
  if (self->path == NULL)
    return self->main_db;
  if (self->worker_db == NULL)
    {
      g_autoptr(MtDb) db = mt_db_open (self->path, error);

      if (db == NULL || (self->read_only && !mt_db_exec (db, "PRAGMA query_only = ON", error)))
        return NULL;
      self->worker_db = g_steal_pointer (&db);
    }
  return self->worker_db;
}

static int
job_interrupt_cb (void *data)
{
  return g_cancellable_is_cancelled (data);
}

static void
job_thread (GTask        *task,
            gpointer      source,
            gpointer      data,
            GCancellable *cancellable)
{
  MtLocalBackend *self = source;
  Job *job = data;
  GError *error = NULL;
  gpointer result = NULL;
  MtDb *db;

  g_mutex_lock (&self->lock);
  self->threaded = g_thread_self () != job->caller;
  if ((db = worker_db (self, &error)) != NULL && !g_cancellable_set_error_if_cancelled (cancellable, &error))
    {
      /* a job nobody waits for any more stops in the middle of its query */
      if (cancellable != NULL)
        sqlite3_progress_handler (mt_db_get_handle (db), 2000, job_interrupt_cb, cancellable);
      result = job->func (db, job->data, cancellable, &error);
      sqlite3_progress_handler (mt_db_get_handle (db), 0, NULL, NULL);
    }
  g_mutex_unlock (&self->lock);
  if (result == NULL && error == NULL)
    g_set_error_literal (&error, MT_ERROR, MT_ERROR_FAILED, _("The work could not be done"));
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, result, job->free_result);
}

static gboolean
job_idle_cb (gpointer data)
{
  GTask *task = data;

  job_thread (task, g_task_get_source_object (task), g_task_get_task_data (task), g_task_get_cancellable (task));
  return G_SOURCE_REMOVE;
}

void
mt_local_backend_run_async (MtLocalBackend      *self,
                            MtWorkerFunc         func,
                            gpointer             data,
                            GDestroyNotify       free_data,
                            GDestroyNotify       free_result,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  Job *job;

  g_return_if_fail (MT_IS_LOCAL_BACKEND (self));
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, mt_local_backend_run_async);
  /* what a job did is its result, cancelled or not: a file written just before is the caller's to
   * remove */
  g_task_set_check_cancellable (task, FALSE);
  job = g_new0 (Job, 1);
  job->func = func;
  job->data = data;
  job->free_data = free_data;
  job->free_result = free_result;
  job->caller = g_thread_self ();
  g_task_set_task_data (task, job, (GDestroyNotify) job_free);
  if (self->path != NULL)
    g_task_run_in_thread (task, job_thread);
  else
    g_idle_add_full (G_PRIORITY_DEFAULT, job_idle_cb, g_object_ref (task), g_object_unref);
}

gpointer
mt_local_backend_run_finish (MtLocalBackend  *self,
                             GAsyncResult    *result,
                             GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
mt_local_backend_set_read_only (MtLocalBackend *self,
                                gboolean        read_only)
{
  g_return_if_fail (MT_IS_LOCAL_BACKEND (self));
  self->read_only = read_only;
}

gboolean
mt_local_backend_get_threaded (MtLocalBackend *self)
{
  g_return_val_if_fail (MT_IS_LOCAL_BACKEND (self), FALSE);
  return self->threaded;
}

/* ------------------------------------------------------------------ requests */

typedef struct
{
  MtApiRequest *request;
  gint64        account_id;
} Call;

static void
call_free (gpointer data)
{
  Call *call = data;

  mt_api_request_unref (call->request);
  g_free (call);
}

typedef struct
{
  JsonNode *answer;
  GArray   *devices;          /* of the call */
  gboolean  fences_changed;
} Answer;

static void
answer_free (Answer *answer)
{
  json_node_unref (answer->answer);
  g_clear_pointer (&answer->devices, g_array_unref);
  g_free (answer);
}

/* On the worker: the account as it is now (a changed role applies at once), then the answer */
static gpointer
answer_request (MtDb          *db,
                gpointer       data,
                GCancellable  *cancellable,
                GError       **error)
{
  Call *c = data;
  g_autoptr(MtActor) actor = c->account_id ? mt_actor_load (db, c->account_id, error) : mt_actor_new_system ();
  MtApiCall call = { .db = db };
  Answer *answer;

  if (actor == NULL)
    return NULL;
  call.actor = actor;
  if (!mt_api_request_to_call (c->request, &call, error))
    return NULL;
  if (call.op->run == NULL)
    {
      g_set_error (error, MT_ERROR, MT_ERROR_NOT_FOUND, _("“%s” needs a connection to the server"), call.op->name);
      return NULL;
    }
  if (!mt_api_call_run (&call, error))
    {
      mt_api_call_clear (&call);
      return NULL;
    }
  answer = g_new0 (Answer, 1);
  if (call.response_text != NULL)
    answer->answer = json_from_string (call.response_text->str, NULL);
  else
    answer->answer = call.response ? json_node_ref (call.response) : json_node_new (JSON_NODE_NULL);
  answer->devices = g_steal_pointer (&call.devices);
  answer->fences_changed = call.fences_changed;
  mt_api_call_clear (&call);
  return answer;
}

static void
request_done_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      data)
{
  g_autoptr(GTask) task = data;
  MtLocalBackend *self = MT_LOCAL_BACKEND (source);
  MtApiRequest *request = g_task_get_task_data (task);
  GError *error = NULL;
  Answer *answer = mt_local_backend_run_finish (self, result, &error);

  if (answer == NULL)
    return g_task_return_error (task, error);
  if (answer->devices != NULL || answer->fences_changed)
    g_signal_emit (self, signals[EFFECTS], 0, answer->devices, answer->fences_changed);
  if (mt_api_request_get_operation (request)->flags & MT_API_WRITES)
    mt_backend_emit_changed (MT_BACKEND (self), mt_api_request_get_operation (request)->name);
  g_task_return_pointer (task, json_node_ref (answer->answer), (GDestroyNotify) json_node_unref);
  answer_free (answer);
}

static void
local_call_async (MtBackend           *backend,
                  MtApiRequest        *request,
                  GCancellable        *cancellable,
                  GAsyncReadyCallback  callback,
                  gpointer             user_data)
{
  MtLocalBackend *self = MT_LOCAL_BACKEND (backend);
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  Call *call = g_new0 (Call, 1);

  g_task_set_source_tag (task, local_call_async);
  g_task_set_task_data (task, mt_api_request_ref (request), (GDestroyNotify) mt_api_request_unref);
  call->request = mt_api_request_ref (request);
  call->account_id = self->account_id;
  /* a write once begun is finished: the cancellable only drops the answer */
  mt_local_backend_run_async (self, answer_request, call, call_free, (GDestroyNotify) answer_free, NULL,
                              request_done_cb, task);
}

static JsonNode *
local_call_finish (MtBackend     *backend,
                   GAsyncResult  *result,
                   GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, backend), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
mt_local_backend_iface_init (MtBackendInterface *iface)
{
  iface->call_async = local_call_async;
  iface->call_finish = local_call_finish;
}

/* ------------------------------------------------------------------ object */

static void
mt_local_backend_finalize (GObject *object)
{
  MtLocalBackend *self = MT_LOCAL_BACKEND (object);

  g_clear_pointer (&self->worker_db, mt_db_close);
  g_free (self->path);
  g_mutex_clear (&self->lock);
  G_OBJECT_CLASS (mt_local_backend_parent_class)->finalize (object);
}

static void
mt_local_backend_class_init (MtLocalBackendClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = mt_local_backend_finalize;

  /**
   * MtLocalBackend::effects:
   * @devices: (nullable): a GArray of gint64, the devices whose rental or power intent changed
   * @fences_changed: whether geofences or their devices changed
   *
   * What a write means for a broker link (the server does the same with its own)
   */
  signals[EFFECTS] = g_signal_new ("effects", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                   G_TYPE_NONE, 2, G_TYPE_POINTER, G_TYPE_BOOLEAN);
}

static void
mt_local_backend_init (MtLocalBackend *self)
{
  g_mutex_init (&self->lock);
}

MtLocalBackend *
mt_local_backend_new (MtDb   *db,
                      gint64  account_id)
{
  MtLocalBackend *self = g_object_new (MT_TYPE_LOCAL_BACKEND, NULL);
  const char *path = mt_db_get_path (db);

  self->main_db = db;
  self->account_id = account_id;
  if (path != NULL && *path != '\0' && !g_str_equal (path, ":memory:") && !g_str_has_prefix (path, "file::memory:"))
    self->path = g_strdup (path);
  return self;
}
