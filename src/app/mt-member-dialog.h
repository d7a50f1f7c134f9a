/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "mt-context.h"

G_BEGIN_DECLS

#define MT_TYPE_MEMBER_DIALOG (mt_member_dialog_get_type ())
G_DECLARE_FINAL_TYPE (MtMemberDialog, mt_member_dialog, MT, MEMBER_DIALOG, AdwWindow)

/* 会员详情: a member's balance (and what of it may be taken out), rental card, and its orders,
 * balance history, deposits, cards and repairs, newest first, as the account may see them */
MtMemberDialog *mt_member_dialog_new       (GtkWindow      *parent,
                                            MtContext      *context,
                                            gint64          member_id);
/* How many lines a tab shows ("orders", "balance", "deposits", "cards", "repairs"), -1 when the
 * member could not be read */
int             mt_member_dialog_count     (MtMemberDialog *self,
                                            const char     *tab);

G_END_DECLS
