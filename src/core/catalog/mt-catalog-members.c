/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The sidebar group “Members”: its pages and their lists */
#define G_LOG_DOMAIN "mt-catalog"

#include "config.h"

#include <glib/gi18n.h>

#include "mt-catalog-private.h"
#include "mt-orders.h"
#include "mt-ops.h"

/* ------------------------------------------------------------------ members */
static const MtListColumn member_cols[] = {
  COL ("name", N_("Name"), "m.name", MT_COL_TEXT),
  COL ("mobile", N_("Mobile"), "m.mobile", MT_COL_TEXT),
  COL ("id_card", N_("ID card number"), "CASE WHEN length (m.id_card) = 18 THEN substr (m.id_card, 1, 6) || '********' || substr (m.id_card, 15) ELSE '' END", MT_COL_TEXT),
  COL ("balance", N_("Balance"), "m.balance_fen", MT_COL_MONEY),
  COL ("deposits", N_("Deposits held"), "(SELECT coalesce (sum (x.amount_fen - x.deducted_fen), 0) FROM deposits x WHERE x.member_id = m.id AND x.state = 'held' AND x.deleted = 0)", MT_COL_MONEY),
  COL ("orders", N_("Orders"), "(SELECT count(*) FROM orders x WHERE x.member_id = m.id AND x.deleted = 0)", MT_COL_INT),
  COL ("store", N_("Store"), "s.name", MT_COL_TEXT),
  COL ("operator", N_("Operator"), "o.name", MT_COL_TEXT),
  COL ("created", N_("Registered"), "m.created_at", MT_COL_TIME),
  END_COLS
};

static const MtListFilter member_filters[] = {
  { "store", N_("Store"), "m.store_id", NULL, "stores" },
  { NULL }
};

static const MtListColumn recharge_cols[] = {
  COL ("member", N_("Member"), "m.name", MT_COL_TEXT),
  COL ("mobile", N_("Mobile"), "m.mobile", MT_COL_TEXT),
  COL ("amount", N_("Amount"), "x.amount_fen", MT_COL_MONEY),
  COL ("bonus", N_("Bonus"), "x.bonus_fen", MT_COL_MONEY),
  CHOICE_COL ("pay_method", N_("Payment"), "x.pay_method", mt_pay_methods),
  COL ("campaign", N_("Campaign"), "c.name", MT_COL_TEXT),
  COL ("store", N_("Store"), "s.name", MT_COL_TEXT),
  COL ("at", N_("Time"), "x.at", MT_COL_TIME),
  END_COLS
};

const MtChoice _mt_catalog_card_states[] = {
  { "waiting", N_("Not started") }, { "running", N_("Running") }, { "ended", N_("Ended") },
  { "refunded", N_("Refunded") }, { NULL }
};

static const MtListColumn card_sale_cols[] = {
  COL ("member", N_("Member"), "m.name", MT_COL_TEXT),
  COL ("mobile", N_("Mobile"), "m.mobile", MT_COL_TEXT),
  COL ("card", N_("Rental card"), "c.name", MT_COL_TEXT),
  COL ("price", N_("Price paid"), "x.price_fen", MT_COL_MONEY),
  CHOICE_COL ("pay_method", N_("Payment"), "nullif (x.pay_method, '')", mt_pay_methods),
  COL ("starts", N_("Starts"), "x.starts_at", MT_COL_TIME),
  COL ("ends", N_("Ends"), "x.ends_at", MT_COL_TIME),
  CHOICE_COL ("state", N_("State"), CARD_STATE, _mt_catalog_card_states),
  COL ("refunded", N_("Amount refunded"), "x.refunded_fen", MT_COL_MONEY),
  COL ("store", N_("Store"), "s.name", MT_COL_TEXT),
  COL ("sold", N_("Sold at"), "x.created_at", MT_COL_TIME),
  END_COLS
};

const MtCatalogPage _mt_catalog_members[] = {
  {
    .info = { .id = "members", .group = "members", .title = NC_("page", "Member List"), .icon = "system-users-symbolic",
              .actions = "view detail edit id_cards withdraw",
              .grants = "operator_admin:view,detail,edit,withdraw store_manager:view,detail,edit,withdraw "
                        "finance:view,detail" },
    .listing = {
      .from = "members m LEFT JOIN operators o ON o.id = m.operator_id LEFT JOIN stores s "
                  "ON s.id = m.store_id",
      .where = "m.deleted = 0",
      .alias = "m",
      .op_col = "m.operator_id",
      .store_col = "m.store_id",
      .columns = member_cols,
      .search = "m.name m.mobile",
      .search_hint = N_("Name or mobile"),
      .filters = member_filters,
      .state_expr = "m.enabled",
      .states = _mt_catalog_enabled_choices,
      .date_expr = "m.created_at",
      .order = "m.id DESC",
      .kept = "members",
    },
    .entity = &_mt_entity_members,
  },
  {
    .info = { .id = "recharges", .group = "members", .title = NC_("page", "Recharges"), .icon = "list-add-symbolic",
              .actions = "view recharge",
              .grants = "operator_admin:view,recharge store_manager:view,recharge finance:view" },
    .listing = {
      .from = "recharges x LEFT JOIN members m ON m.id = x.member_id LEFT JOIN stores s "
                  "ON s.id = x.store_id LEFT JOIN campaigns c ON c.id = x.campaign_id",
      .where = "x.deleted = 0",
      .alias = "x",
      .op_col = "x.operator_id",
      .store_col = "x.store_id",
      .columns = recharge_cols,
      .search = "x.member_id=members(name,mobile)",
      .search_hint = N_("Member name or mobile"),
      .state_expr = "x.pay_method",
      .states = mt_pay_methods,
      .date_expr = "x.at",
      .order = "x.at DESC",
    },
  },
  {
    .info = { .id = "member_cards", .group = "members", .title = NC_("page", "Rental Card Sales"), .icon = "auth-smartcard-symbolic",
              .actions = "view refund",
              .grants = "operator_admin:view,refund store_manager:view,refund finance:view,refund" },
    .listing = {
      .from = "member_cards x LEFT JOIN members m ON m.id = x.member_id LEFT JOIN rental_cards c ON c.id = x.card_id "
                  "LEFT JOIN stores s ON s.id = x.store_id",
      .where = "x.deleted = 0",
      .alias = "x",
      .op_col = "x.operator_id",
      .store_col = "x.store_id",
      .columns = card_sale_cols,
      .search = "x.member_id=members(name,mobile)",
      .search_hint = N_("Member name or mobile"),
      .state_expr = CARD_STATE,
      .states = _mt_catalog_card_states,
      .date_expr = "x.created_at",
      .order = "x.created_at DESC",
    },
  },
  { { NULL } }
};
