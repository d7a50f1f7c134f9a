/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mt-backend"

#include "config.h"

#include "mt-backend.h"

G_DEFINE_INTERFACE (MtBackend, mt_backend, G_TYPE_OBJECT)

enum { CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS];

static void
mt_backend_default_init (MtBackendInterface *iface)
{
  /**
   * MtBackend::changed:
   * @operation: the name of the operation that wrote
   */
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_INTERFACE (iface), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                                   NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

void
mt_backend_call_async (MtBackend           *self,
                       MtApiRequest        *request,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  g_return_if_fail (MT_IS_BACKEND (self));
  g_return_if_fail (request != NULL);
  MT_BACKEND_GET_IFACE (self)->call_async (self, request, cancellable, callback, user_data);
}

JsonNode *
mt_backend_call_finish (MtBackend     *self,
                        GAsyncResult  *result,
                        GError       **error)
{
  g_return_val_if_fail (MT_IS_BACKEND (self), NULL);
  return MT_BACKEND_GET_IFACE (self)->call_finish (self, result, error);
}

void
mt_backend_emit_changed (MtBackend  *self,
                         const char *operation)
{
  g_signal_emit (self, signals[CHANGED], 0, operation);
}

gint64
mt_api_answer_int (JsonNode   *answer,
                   const char *member)
{
  if (answer == NULL || !JSON_NODE_HOLDS_OBJECT (answer))
    return 0;
  return json_object_get_int_member_with_default (json_node_get_object (answer), member, 0);
}

gint64
mt_api_answer_id (JsonNode *answer)
{
  return mt_api_answer_int (answer, "id");
}
