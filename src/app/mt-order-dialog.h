/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "mt-context.h"
#include "mt-database.h"
#include "mt-perm.h"
#include "mt-sync-engine.h"

G_BEGIN_DECLS

#define MT_TYPE_ORDER_DIALOG (mt_order_dialog_get_type ())
G_DECLARE_FINAL_TYPE (MtOrderDialog, mt_order_dialog, MT, ORDER_DIALOG, GtkWindow)

/* An order: its details and every money movement, renew, replace the device, end it with the
 * settlement shown first; the receipt and contract as PDF or printed. Emits ::changed after
 * each action. */
MtOrderDialog *mt_order_dialog_new        (GtkWindow     *parent,
                                           MtContext     *context,
                                           gint64         order_id);

/* For tests and scripted use */
void           mt_order_dialog_set_field  (MtOrderDialog *self,
                                           const char    *key,   /* periods pay_method device_no fault damage hold forced */
                                           const char    *value);
/* "renew", "replace" or "end", through the session's backend: ::changed follows, or the error
 * is shown. FALSE when the request could not be made (a field the dialog checks itself). */
gboolean       mt_order_dialog_run        (MtOrderDialog *self,
                                           const char    *action);
/* Brings "renew", "replace" or "end" into sight, its first field focused (a row's 操作) */
void           mt_order_dialog_focus      (MtOrderDialog *self,
                                           const char    *action);
const char    *mt_order_dialog_get_settlement (MtOrderDialog *self);
const char    *mt_order_dialog_get_error  (MtOrderDialog *self);
gboolean       mt_order_dialog_write_pdf  (MtOrderDialog *self,
                                           const char    *path,
                                           GError       **error);

G_END_DECLS
