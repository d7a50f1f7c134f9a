/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "mt-list-page.h"

G_BEGIN_DECLS

/* The money actions of a finance or member page, as its role allows: approving or rejecting
 * deposit refunds, requesting and handling withdrawals, recharging members. Buttons that act on
 * the selection go to @action_bar, the others to @bar. */
void      mt_money_actions_add     (MtListPage *page,
                                    const char *page_id,
                                    GtkWidget  *bar,
                                    GtkWidget  *action_bar);

/* The same actions without their dialogs, for tests and scripts: on the selected rows.
 * Standalone: done at once. */
gboolean  mt_money_actions_refunds (MtListPage *page,
                                    gboolean    approve,
                                    const char *reason);
gboolean  mt_money_actions_withdrawals (MtListPage *page,
                                        const char *state);
gboolean  mt_money_actions_request (MtListPage *page,
                                    const char *amount_yuan,
                                    const char *payee);
/* Pays @amount_yuan of the selected member's balance out (余额提现) */
gboolean  mt_money_actions_withdraw (MtListPage *page,
                                     const char *amount_yuan,
                                     const char *pay_method);
gboolean  mt_money_actions_recharge (MtListPage *page,
                                     gint64      plan_id,
                                     const char *amount_yuan,
                                     const char *pay_method);

gboolean  mt_money_actions_sell_card (MtListPage *page,
                                      gint64      card_id,
                                      const char *pay_method);

/* Refunds the selected rental card sales, each at the version the list shows */
gboolean  mt_money_actions_refund_cards (MtListPage *page);

/* Headquarters: every stored balance against the ledger; @result says so, or lists the
 * differences */
gboolean  mt_money_actions_check_books (MtListPage  *page,
                                        char       **result);

G_END_DECLS
