/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The sidebar group “Finance”: its pages and their lists */
#define G_LOG_DOMAIN "mt-catalog"

#include "config.h"

#include <glib/gi18n.h>

#include "mt-catalog-private.h"
#include "mt-orders.h"
#include "mt-ops.h"

const MtChoice _mt_catalog_deposit_states[] = {
  { "held", N_("Held") }, { "deducted", N_("Deducted") }, { "refunded", N_("Refunded") }, { NULL }
};

static const MtChoice refund_states[] = {
  { "requested", N_("Requested") }, { "approved", N_("Approved") }, { "refunded", N_("Refunded") },
  { "rejected", N_("Rejected") }, { NULL }
};

static const MtChoice withdrawal_states[] = {
  { "requested", N_("Requested") }, { "approved", N_("Approved") }, { "paid", N_("Paid") },
  { "rejected", N_("Rejected") }, { NULL }
};

static const MtChoice rental_reasons[] = {
  { "rent", N_("Rent") }, { "replace", N_("Replacement") }, { NULL }
};

static const char *const order_expiry_conds[] = {
  "0",
  "r.state <> 'ended' AND r.expire_at >= " NOW_US " + 3 * " DAY_US,
  "r.state <> 'ended' AND r.expire_at >= " NOW_US " AND r.expire_at < " NOW_US " + 3 * " DAY_US,
  "r.state <> 'ended' AND r.expire_at < " NOW_US,
};

/* ------------------------------------------------------------------ finance */
static const MtListColumn order_cols[] = {
  COL ("order_no", N_("Order number"), "r.order_no", MT_COL_TEXT),
  COL ("device_no", N_("Device number"), "d.device_no", MT_COL_TEXT),
  COL ("member", N_("Member"), "m.name", MT_COL_TEXT),
  COL ("mobile", N_("Mobile"), "m.mobile", MT_COL_TEXT),
  COL ("type", N_("Device type"), "t.name", MT_COL_TEXT),
  COL ("store", N_("Store"), "s.name", MT_COL_TEXT),
  CHOICE_COL ("pay_method", N_("Payment"), "r.pay_method", mt_pay_methods),
  COL ("rent", N_("Rent"), "r.rent_fen + r.services_fen", MT_COL_MONEY),
  COL ("deposit", N_("Deposit"), "r.deposit_fen", MT_COL_MONEY),
  COL ("start", N_("Start"), "r.start_at", MT_COL_TIME),
  COL ("expire", N_("Expiry"), "r.expire_at", MT_COL_TIME),
  CHOICE_COL ("state", N_("State"), "r.state", mt_order_states),
  END_COLS
};

static const MtListFilter order_filters[] = {
  { "pay_method", N_("Payment"), "r.pay_method", mt_pay_methods },
  { "type", N_("Device type"), "r.type_id", NULL, "device_types" },
  { "store", N_("Store"), "r.store_id", NULL, "stores" },
  { "expiry", N_("Expiry"), NULL, _mt_catalog_expiry_choices, NULL, order_expiry_conds },
  { NULL }
};

static const MtListColumn rental_cols[] = {
  COL ("order_no", N_("Order number"), "r.order_no", MT_COL_TEXT),
  COL ("device_no", N_("Device number"), "d.device_no", MT_COL_TEXT),
  COL ("member", N_("Member"), "m.name", MT_COL_TEXT),
  COL ("mobile", N_("Mobile"), "m.mobile", MT_COL_TEXT),
  COL ("store", N_("Store"), "s.name", MT_COL_TEXT),
  CHOICE_COL ("reason", N_("Kind"), "x.reason", rental_reasons),
  COL ("start", N_("Start"), "x.start_at", MT_COL_TIME),
  COL ("end", N_("End"), "x.end_at", MT_COL_TIME),
  END_COLS
};

static const MtListColumn ledger_cols[] = {
  COL ("txn_no", N_("Transaction"), "l.txn_no", MT_COL_TEXT),
  COL ("at", N_("Time"), "l.at", MT_COL_TIME),
  CHOICE_COL ("kind", N_("Kind"), "l.kind", mt_ledger_kinds),
  COL ("amount", N_("Amount"), "l.amount_fen", MT_COL_MONEY),
  CHOICE_COL ("pay_method", N_("Payment"), "l.pay_method", mt_pay_methods),
  COL ("member", N_("Member"), "m.name", MT_COL_TEXT),
  COL ("store", N_("Store"), "s.name", MT_COL_TEXT),
  COL ("order_no", N_("Order number"), "r.order_no", MT_COL_TEXT),
  COL ("note", N_("Note"), "l.note", MT_COL_TEXT),
  END_COLS
};

static const MtListFilter ledger_filters[] = {
  { "kind", N_("Kind"), "l.kind", mt_ledger_kinds },
  { "pay_method", N_("Payment"), "l.pay_method", mt_pay_methods },
  { "store", N_("Store"), "l.store_id", NULL, "stores" },
  { NULL }
};

static const MtListColumn deposit_cols[] = {
  COL ("order_no", N_("Order number"), "r.order_no", MT_COL_TEXT),
  COL ("member", N_("Member"), "m.name", MT_COL_TEXT),
  COL ("mobile", N_("Mobile"), "m.mobile", MT_COL_TEXT),
  COL ("amount", N_("Deposit"), "x.amount_fen", MT_COL_MONEY),
  COL ("deducted", N_("Deducted"), "x.deducted_fen", MT_COL_MONEY),
  CHOICE_COL ("state", N_("State"), "x.state", _mt_catalog_deposit_states),
  COL ("store", N_("Store"), "s.name", MT_COL_TEXT),
  COL ("created", N_("Received"), "x.created_at", MT_COL_TIME),
  END_COLS
};

static const MtListColumn refund_cols[] = {
  COL ("member", N_("Member"), "m.name", MT_COL_TEXT),
  COL ("mobile", N_("Mobile"), "m.mobile", MT_COL_TEXT),
  COL ("amount", N_("Amount"), "x.amount_fen", MT_COL_MONEY),
  CHOICE_COL ("state", N_("State"), "x.state", refund_states),
  COL ("reason", N_("Reason"), "x.reason", MT_COL_TEXT),
  COL ("store", N_("Store"), "s.name", MT_COL_TEXT),
  COL ("created", N_("Requested"), "x.created_at", MT_COL_TIME),
  COL ("handled", N_("Handled"), "x.handled_at", MT_COL_TIME),
  END_COLS
};

static const MtListColumn withdrawal_cols[] = {
  COL ("operator", N_("Operator"), "o.name", MT_COL_TEXT),
  COL ("store", N_("Store"), "s.name", MT_COL_TEXT),
  COL ("amount", N_("Amount"), "x.amount_fen", MT_COL_MONEY),
  CHOICE_COL ("state", N_("State"), "x.state", withdrawal_states),
  COL ("payee", N_("Payee"), "x.payee", MT_COL_TEXT),
  COL ("created", N_("Requested"), "x.created_at", MT_COL_TIME),
  COL ("handled", N_("Handled"), "x.handled_at", MT_COL_TIME),
  END_COLS
};

static const MtListColumn split_cols[] = {
  COL ("txn_no", N_("Transaction"), "l.txn_no", MT_COL_TEXT),
  COL ("order_no", N_("Order number"), "r.order_no", MT_COL_TEXT),
  COL ("total", N_("Total"), "x.total_fen", MT_COL_MONEY),
  COL ("hq", N_("Headquarters"), "x.hq_fen", MT_COL_MONEY),
  COL ("operator_share", N_("Operator share"), "x.operator_fen", MT_COL_MONEY),
  COL ("store_share", N_("Store share"), "x.store_fen", MT_COL_MONEY),
  COL ("store", N_("Store"), "s.name", MT_COL_TEXT),
  COL ("at", N_("Time"), "x.at", MT_COL_TIME),
  END_COLS
};

static const MtListColumn referral_cols[] = {
  COL ("referrer", N_("Referrer"), "rm.name", MT_COL_TEXT),
  COL ("referrer_mobile", N_("Referrer mobile"), "rm.mobile", MT_COL_TEXT),
  COL ("member", N_("Member"), "m.name", MT_COL_TEXT),
  COL ("order_no", N_("Order number"), "r.order_no", MT_COL_TEXT),
  COL ("commission", N_("Commission"), "x.commission_fen", MT_COL_MONEY),
  COL ("at", N_("Time"), "x.at", MT_COL_TIME),
  END_COLS
};

const MtCatalogPage _mt_catalog_finance[] = {
  {
    .info = { .id = "orders", .group = "finance", .title = NC_("page", "Orders"), .icon = "document-edit-symbolic",
              .actions = "view detail rent renew replace end",
              .grants = "operator_admin:view,detail,rent,renew,replace,end store_manager:view,detail,rent,renew,replace,end finance:view,detail" },
    .listing = {
      .from = "orders r LEFT JOIN members m ON m.id = r.member_id LEFT JOIN devices d ON d.id = r.device_id "
                  "LEFT JOIN stores s ON s.id = r.store_id LEFT JOIN device_types t ON t.id = r.type_id",
      .where = "r.deleted = 0",
      .alias = "r",
      .op_col = "r.operator_id",
      .store_col = "r.store_id",
      .columns = order_cols,
      .search = "^r.order_no r.device_id=devices(device_no) r.member_id=members(mobile,name)",
      .search_hint = N_("Order or device number, mobile or name"),
      .filters = order_filters,
      .state_expr = "r.state",
      .states = mt_order_states,
      .date_expr = "r.start_at",
      .order = "r.start_at DESC",
      .order_index = "orders_start",
      .kept = "orders",
    },
  },
  {
    .info = { .id = "rentals", .group = "finance", .title = NC_("page", "Rental Records"), .icon = "x-office-calendar-symbolic",
              .actions = "view",
              .grants = "operator_admin:view store_manager:view finance:view" },
    .listing = {
      .from = "rentals x LEFT JOIN orders r ON r.id = x.order_id LEFT JOIN devices d ON d.id = x.device_id "
                  "LEFT JOIN members m ON m.id = x.member_id LEFT JOIN stores s ON s.id = x.store_id",
      .where = "x.deleted = 0",
      .alias = "x",
      .op_col = "x.operator_id",
      .store_col = "x.store_id",
      .columns = rental_cols,
      .search = "x.order_id=orders(^order_no) x.device_id=devices(device_no) x.member_id=members(mobile,name)",
      .search_hint = N_("Order or device number, mobile or name"),
      .state_expr = "x.reason",
      .states = rental_reasons,
      .date_expr = "x.start_at",
      .order = "x.start_at DESC",
      .order_index = "rentals_start",
      .kept = "rentals",
    },
  },
  {
    .info = { .id = "transactions", .group = "finance", .title = NC_("page", "Transactions"), .icon = "view-paged-symbolic",
              .actions = "view",
              .grants = "operator_admin:view store_manager:view finance:view" },
    .listing = {
      .from = "ledger l LEFT JOIN members m ON m.id = l.member_id LEFT JOIN stores s "
                  "ON s.id = l.store_id LEFT JOIN orders r ON r.id = l.order_id",
      .where = "l.deleted = 0",
      .alias = "l",
      .op_col = "l.operator_id",
      .store_col = "l.store_id",
      .columns = ledger_cols,
      .search = "^l.txn_no l.order_id=orders(^order_no) l.member_id=members(mobile,name)",
      .search_hint = N_("Transaction or order number, mobile or name"),
      .filters = ledger_filters,
      .date_expr = "l.at",
      .order = "l.at DESC",
      .order_index = "ledger_at",
      .kept = "ledger",
    },
  },
  {
    .info = { .id = "deposits", .group = "finance", .title = NC_("page", "Deposits"), .icon = "security-medium-symbolic",
              .actions = "view",
              .grants = "operator_admin:view store_manager:view finance:view" },
    .listing = {
      .from = "deposits x LEFT JOIN orders r ON r.id = x.order_id LEFT JOIN members m ON m.id = x.member_id "
                  "LEFT JOIN stores s ON s.id = x.store_id",
      .where = "x.deleted = 0",
      .alias = "x",
      .op_col = "x.operator_id",
      .store_col = "x.store_id",
      .columns = deposit_cols,
      .search = "x.order_id=orders(^order_no) x.member_id=members(mobile,name)",
      .search_hint = N_("Order number, mobile or name"),
      .state_expr = "x.state",
      .states = _mt_catalog_deposit_states,
      .date_expr = "x.created_at",
      .order = "x.created_at DESC",
      .order_index = "deposits_created",
      .kept = "deposits",
    },
  },
  {
    .info = { .id = "deposit_refunds", .group = "finance", .title = NC_("page", "Deposit Refunds"), .icon = "edit-undo-symbolic",
              .actions = "view approve",
              .grants = "operator_admin:view,approve store_manager:view finance:view,approve" },
    .listing = {
      .from = "deposit_refunds x LEFT JOIN members m ON m.id = x.member_id LEFT JOIN stores s "
                  "ON s.id = x.store_id",
      .where = "x.deleted = 0",
      .alias = "x",
      .op_col = "x.operator_id",
      .store_col = "x.store_id",
      .columns = refund_cols,
      .search = "x.member_id=members(mobile,name)",
      .search_hint = N_("Member mobile or name"),
      .state_expr = "x.state",
      .states = refund_states,
      .date_expr = "x.created_at",
      .order = "x.created_at DESC",
    },
  },
  {
    .info = { .id = "withdrawals", .group = "finance", .title = NC_("page", "Withdrawals"), .icon = "send-to-symbolic",
              .actions = "view request approve",
              .grants = "operator_admin:view,request,approve store_manager:view,request finance:view,approve" },
    .listing = {
      .from = "withdrawals x LEFT JOIN operators o ON o.id = x.operator_id LEFT JOIN stores s "
                  "ON s.id = x.store_id",
      .where = "x.deleted = 0",
      .alias = "x",
      .op_col = "x.operator_id",
      .store_col = "x.store_id",
      .columns = withdrawal_cols,
      .search = "o.name s.name x.payee",
      .search_hint = N_("Operator, store or payee"),
      .state_expr = "x.state",
      .states = withdrawal_states,
      .date_expr = "x.created_at",
      .order = "x.created_at DESC",
    },
  },
  {
    .info = { .id = "splits", .group = "finance", .title = NC_("page", "Revenue Split"), .icon = "edit-cut-symbolic",
              .actions = "view edit",
              .grants = "operator_admin:view,edit finance:view,edit" },
    .listing = {
      .from = "splits x LEFT JOIN ledger l ON l.id = x.ledger_id LEFT JOIN orders r ON r.id = x.order_id "
                  "LEFT JOIN stores s ON s.id = x.store_id",
      .where = "x.deleted = 0",
      .alias = "x",
      .op_col = "x.operator_id",
      .store_col = "x.store_id",
      .columns = split_cols,
      .search = "x.ledger_id=ledger(^txn_no) x.order_id=orders(^order_no)",
      .search_hint = N_("Transaction or order number"),
      .date_expr = "x.at",
      .order = "x.at DESC",
      .order_index = "splits_at",
      .kept = "splits",
    },
  },
  {
    .info = { .id = "referrals", .group = "finance", .title = NC_("page", "Referral Orders"), .icon = "emblem-shared-symbolic",
              .actions = "view",
              .grants = "operator_admin:view finance:view" },
    .listing = {
      .from = "referrals x LEFT JOIN members rm ON rm.id = x.referrer_id LEFT JOIN members m "
                  "ON m.id = x.member_id LEFT JOIN orders r ON r.id = x.order_id",
      .where = "x.deleted = 0",
      .alias = "x",
      .op_col = "x.operator_id",
      .store_col = "x.store_id",
      .columns = referral_cols,
      .search = "rm.name rm.mobile m.name r.order_no",
      .search_hint = N_("Referrer, member or order number"),
      .date_expr = "x.at",
      .order = "x.at DESC",
    },
  },
  { { NULL } }
};
