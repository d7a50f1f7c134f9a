/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "mt-api.h"

G_BEGIN_DECLS

/*
 * MtBackend: where a console's requests are answered. Two implementations: MtLocalBackend runs
 * the core's answer on a worker thread with its own database connection (a standalone console),
 * MtRemoteBackend sends the request to a mingtang-server (a connected console, src/sync). A
 * console differs from the other only in which backend its session holds.
 *
 * The answer is the operation's JSON (as docs/api.md shows it), a JSON null for "204"; errors are
 * MT_ERROR with the field at fault. After a write succeeds, "changed" is emitted with the
 * operation's name, once the data the console reads shows the change.
 */

#define MT_TYPE_BACKEND (mt_backend_get_type ())
G_DECLARE_INTERFACE (MtBackend, mt_backend, MT, BACKEND, GObject)

struct _MtBackendInterface
{
  GTypeInterface parent_iface;

  void       (*call_async)  (MtBackend           *self,
                             MtApiRequest        *request,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data);
  JsonNode * (*call_finish) (MtBackend           *self,
                             GAsyncResult        *result,
                             GError             **error);
};

void      mt_backend_call_async  (MtBackend           *self,
                                  MtApiRequest        *request,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data);
JsonNode *mt_backend_call_finish (MtBackend           *self,
                                  GAsyncResult        *result,
                                  GError             **error);
/* For implementations: a write was answered and can be read */
void      mt_backend_emit_changed (MtBackend          *self,
                                   const char         *operation);

/* Readers of answers: the row id of {id, version}, 0 without */
gint64    mt_api_answer_id       (JsonNode            *answer);
gint64    mt_api_answer_int      (JsonNode            *answer,
                                  const char          *member);

G_END_DECLS
