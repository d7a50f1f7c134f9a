/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "mt-context.h"

G_BEGIN_DECLS

#define MT_TYPE_RECHARGE_DIALOG (mt_recharge_dialog_get_type ())
G_DECLARE_FINAL_TYPE (MtRechargeDialog, mt_recharge_dialog, MT, RECHARGE_DIALOG, AdwMessageDialog)

/* 充值 from the header, at the counter: a member found by mobile as it is typed (its name and
 * balance shown), a denomination or another amount, how it was paid. Recharge is enabled only
 * once a member is found and the amount reads as money; the result is the member's details
 * (the new balance in them), or the refusal in words. "recharged" (member id) after it. */
MtRechargeDialog *mt_recharge_dialog_new       (GtkWindow        *parent,
                                                MtContext        *context);
/* For tests: the member found, 0 without; the mobile and amount as typed */
gint64            mt_recharge_dialog_get_member (MtRechargeDialog *self);
void              mt_recharge_dialog_fill       (MtRechargeDialog *self,
                                                 const char       *mobile,
                                                 guint             denomination,
                                                 const char       *amount_yuan,
                                                 const char       *pay_method);

G_END_DECLS
