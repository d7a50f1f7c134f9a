/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "mt-billing.h"
#include "mt-database.h"
#include "mt-entity.h"
#include "mt-perm.h"

G_BEGIN_DECLS

/* Orders and money (SPEC §3.5). Every operation is one transaction: the order, the device, the
 * deposit, the ledger and the revenue split change together or not at all. The ledger is
 * append-only; mt_ledger_reconcile() checks every stored balance against it, and the statistics'
 * daily sums (mt-stats.h) against their rows. */

#define MT_MAX_PERIODS 120

/* The ledger's kinds of income, which the revenue split shares out, as an SQL list */
#define MT_LEDGER_INCOME_KINDS_SQL "'rent', 'service', 'overdue', 'damage', 'repair_fee'"
#define MT_OVERDUE_CHECK_SECONDS 300   /* how often servers and standalone consoles look */

extern const MtChoice mt_order_states[];
extern const MtChoice mt_pay_methods[];    /* offline, online, balance, internal */
extern const MtChoice mt_ledger_kinds[];

typedef struct
{
  gint64      store_id;
  gint64      device_id;    /* a ready device of the store */
  gint64      member_id;    /* 0: found or created from the three fields below */
  const char *mobile;
  const char *name;
  const char *id_card;
  guint       periods;      /* 1 … MT_MAX_PERIODS */
  guint       services;     /* bit i = the rule's service i */
  const char *pay_method;   /* "offline", "online" or "balance" */
  const char *referrer;     /* a new member: the mobile of the member who referred it, or NULL */
} MtRentRequest;

typedef struct
{
  gint64      damage_fen;   /* deducted from the deposit first */
  const char *pay_method;   /* for what the deposit does not cover; NULL: the order's */
  gboolean    forced;       /* 强制结算: settled without the member's return */
  gboolean    hold_deposit; /* the refund waits for approval (deposit refunds) */
} MtEndRequest;

typedef struct
{
  gint64 overdue_fen;
  gint64 damage_fen;
  gint64 deducted_fen;   /* taken from the deposit */
  gint64 shortfall_fen;  /* paid on top, by the end request's route */
  gint64 refund_fen;     /* deposit back to the member (or waiting for approval) */
} MtSettlement;

/* The quote a rental would get now, its rendered contract and the rule it follows (each out
 * argument may be NULL) */
gboolean  mt_order_quote              (MtDb                *db,
                                       const MtActor       *actor,
                                       const MtRentRequest *request,
                                       MtQuote             *quote,
                                       char               **contract,
                                       MtBillingRule      **rule,
                                       GError             **error);
/* Rents the device out: returns the new order's id, or 0 */
gint64    mt_order_rent               (MtDb                *db,
                                       const MtActor       *actor,
                                       const MtRentRequest *request,
                                       GError             **error);
gboolean  mt_order_renew              (MtDb                *db,
                                       const MtActor       *actor,
                                       gint64               order_id,
                                       guint                periods,
                                       const char          *pay_method,
                                       GError             **error);
/* Another ready device of the same store and type; the old one back to ready, or to repair
 * with @fault as its ticket's fault when @fault is not NULL */
gboolean  mt_order_replace            (MtDb                *db,
                                       const MtActor       *actor,
                                       gint64               order_id,
                                       gint64               device_id,
                                       const char          *fault,
                                       GError             **error);
/* What ending the order now would settle, without changing anything */
gboolean  mt_order_settlement         (MtDb                *db,
                                       const MtActor       *actor,
                                       gint64               order_id,
                                       const MtEndRequest  *request,
                                       MtSettlement        *settlement,
                                       GError             **error);
gboolean  mt_order_end                (MtDb                *db,
                                       const MtActor       *actor,
                                       gint64               order_id,
                                       const MtEndRequest  *request,
                                       MtSettlement        *settlement,
                                       GError             **error);
/* Active orders past their expiry become overdue; returns how many did */
gint64    mt_orders_mark_overdue      (MtDb                *db,
                                       GError             **error);

/* Member recharge: @plan_id 0 for a free amount without bonus */
gboolean  mt_member_recharge          (MtDb                *db,
                                       const MtActor       *actor,
                                       gint64               member_id,
                                       gint64               plan_id,
                                       gint64               amount_fen,
                                       const char          *pay_method,
                                       GError             **error);

/* What a member may take out of its balance: the balance less the bonus not spent yet (what is
 * paid from the balance spends the bonus first); commissions and recharges are its own money */
gint64    mt_member_withdrawable      (MtDb                *db,
                                       gint64               member_id);
/* 余额提现 at the counter: @amount_fen of the member's own money paid out (offline or online,
 * as the member's store takes them), in the ledger as a withdrawal. Needs members:withdraw. */
gboolean  mt_member_withdraw          (MtDb                *db,
                                       const MtActor       *actor,
                                       gint64               member_id,
                                       gint64               amount_fen,
                                       const char          *pay_method,
                                       GError             **error);

/* Sells a rental card (租赁卡) to a member: while it runs, renting and renewing charge no rent
 * for the periods it covers. Returns the member_cards id, or 0. */
gint64    mt_member_buy_card          (MtDb                *db,
                                       const MtActor       *actor,
                                       gint64               member_id,
                                       gint64               card_id,
                                       const char          *pay_method,
                                       GError             **error);
/* Refunds a rental card sold (@version: the sale's row version): the whole days left after today
 * and after every rental of its member that overlapped the card, at the price paid
 * (price × days left ÷ days, in whole fen, rounded down), the way it was paid — to the
 * balance, or recorded as paid back in cash or online. The card ends; the member's later cards
 * move up. Returns the fen refunded, or -1. */
gint64    mt_member_card_refund       (MtDb                *db,
                                       const MtActor       *actor,
                                       gint64               id,
                                       gint64               version,
                                       GError             **error);
/* What mt_member_card_refund() would refund now, or -1 with the reason it would refuse */
gint64    mt_member_card_refund_quote (MtDb                *db,
                                       const MtActor       *actor,
                                       gint64               id,
                                       GError             **error);
/* What the actor's counter offers: the denominations and the rental cards on sale of its
 * operator, of the operators above it and (for an operator admin) of those below it. A
 * denomination's label names its bonus only while the bonus is given. MtOption ids are row ids;
 * free with g_ptr_array_unref. */
GPtrArray *mt_recharge_plan_options   (MtDb                *db,
                                       const MtActor       *actor);
GPtrArray *mt_rental_card_options     (MtDb                *db,
                                       const MtActor       *actor);
/* The end of the member's active cards (µs), or 0 */
gint64    mt_member_card_until        (MtDb                *db,
                                       gint64               member_id);

/* A held deposit's refund request: approve pays it to the original route, reject keeps the
 * deposit as damages */
gboolean  mt_deposit_refund_handle    (MtDb                *db,
                                       const MtActor       *actor,
                                       gint64               refund_id,
                                       gboolean             approve,
                                       const char          *reason,
                                       GError             **error);

/* What an operator (store_id 0) or store may still withdraw: its split shares minus its
 * withdrawals that are not rejected */
gint64    mt_available_balance        (MtDb                *db,
                                       gint64               operator_id,
                                       gint64               store_id);
gint64    mt_withdrawal_request       (MtDb                *db,
                                       const MtActor       *actor,
                                       gint64               store_id,
                                       gint64               amount_fen,
                                       const char          *payee,
                                       GError             **error);
/* requested → approved → paid, or requested/approved → rejected */
gboolean  mt_withdrawal_handle        (MtDb                *db,
                                       const MtActor       *actor,
                                       gint64               withdrawal_id,
                                       const char          *state,
                                       GError             **error);

/* Checks every stored balance against the ledger. Each difference is a line in @problems
 * (may be NULL); returns whether the books balance to the fen. */
gboolean  mt_ledger_reconcile         (MtDb                *db,
                                       GPtrArray           *problems);

G_END_DECLS
