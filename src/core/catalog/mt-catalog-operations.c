/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The sidebar group “Operations”: its pages and their lists */
#define G_LOG_DOMAIN "mt-catalog"

#include "config.h"

#include <glib/gi18n.h>

#include "mt-catalog-private.h"
#include "mt-orders.h"
#include "mt-ops.h"

static const MtChoice on_sale_choices[] = { { "1", N_("On sale") }, { "0", N_("Off sale") }, { NULL } };

static const MtChoice message_states[] = { { "draft", N_("Draft") }, { "sent", N_("Sent") }, { NULL } };

/* ------------------------------------------------------------------ operations */
static const MtListColumn billing_cols[] = {
  COL ("region", N_("Region"), REGION_PATH ("b.region_code"), MT_COL_TEXT),
  COL ("type", N_("Device type"), "t.name", MT_COL_TEXT),
  COL ("rent", N_("Rent"), "b.rent_fen", MT_COL_MONEY),
  COL ("period", N_("Days per period"), "b.period_days", MT_COL_INT),
  COL ("deposit", N_("Deposit"), "b.deposit_fen", MT_COL_MONEY),
  COL ("services", N_("Services"), "(SELECT group_concat (v.name, ', ') FROM billing_services v WHERE v.rule_id = b.id AND v.deleted = 0)", MT_COL_TEXT),
  COL ("operator", N_("Operator"), "o.name", MT_COL_TEXT),
  END_COLS
};

static const MtListFilter billing_filters[] = {
  { "province", N_("Province"), "CAST (substr (b.region_code, 1, 2) AS INTEGER)", NULL, "provinces" },
  { "type", N_("Device type"), "b.type_id", NULL, "device_types" },
  { NULL }
};

static const MtListColumn type_cols[] = {
  COL ("name", N_("Name"), "t.name", MT_COL_TEXT),
  COL ("description", N_("Description"), "t.description", MT_COL_TEXT),
  COL ("specs", N_("Specs"), "(SELECT count(*) FROM device_specs x WHERE x.type_id = t.id AND x.deleted = 0)", MT_COL_INT),
  COL ("created", N_("Created"), "t.created_at", MT_COL_TIME),
  END_COLS
};

static const MtListColumn spec_cols[] = {
  COL ("name", N_("Name"), "p.name", MT_COL_TEXT),
  COL ("type", N_("Device type"), "t.name", MT_COL_TEXT),
  CHOICE_COL ("chemistry", N_("Chemistry"), "p.chemistry", mt_chemistries),
  COL ("series", N_("Series"), "p.series", MT_COL_INT),
  COL ("nominal", N_("Nominal voltage"), "p.nominal_mv", MT_COL_VOLTAGE),
  COL ("capacity", N_("Capacity (mAh)"), "p.capacity_mah", MT_COL_INT),
  COL ("cell_ov", N_("Cell OV (mV)"), "p.cell_ov_mv", MT_COL_INT),
  COL ("cell_uv", N_("Cell UV (mV)"), "p.cell_uv_mv", MT_COL_INT),
  END_COLS
};

static const MtListFilter spec_filters[] = {
  { "type", N_("Device type"), "p.type_id", NULL, "device_types" },
  { NULL }
};

static const MtListColumn campaign_cols[] = {
  COL ("name", N_("Name"), "c.name", MT_COL_TEXT),
  CHOICE_COL ("kind", N_("Kind"), "c.kind", mt_campaign_kinds),
  COL ("starts", N_("Starts"), "c.starts_at", MT_COL_DATE),
  COL ("ends", N_("Ends"), "c.ends_at", MT_COL_DATE),
  COL ("plans", N_("Denominations"), "(SELECT group_concat (x.amount_fen / 100 || '+' || x.bonus_fen / 100, ', ') FROM recharge_plans x WHERE x.campaign_id = c.id AND x.deleted = 0)", MT_COL_TEXT),
  BOOL_COL ("enabled", N_("State"), "c.enabled", _mt_catalog_enabled_choices),
  COL ("operator", N_("Operator"), "o.name", MT_COL_TEXT),
  END_COLS
};

static const MtChoice bonus_states[] = {
  { "none", N_("No bonus") },
  { "always", N_("Always given") },
  { "running", N_("Campaign running") },
  { "idle", N_("Campaign not running") },
  { NULL }
};

static const MtListColumn recharge_plan_cols[] = {
  COL ("amount", N_("Amount"), "x.amount_fen", MT_COL_MONEY),
  COL ("bonus", N_("Bonus"), "x.bonus_fen", MT_COL_MONEY),
  COL ("campaign", N_("Bonus campaign"), "c.name", MT_COL_TEXT),
  CHOICE_COL ("bonus_state", N_("Bonus now"), "CASE WHEN x.bonus_fen = 0 THEN 'none' WHEN x.campaign_id IS NULL "
              "THEN 'always' WHEN c.enabled = 1 AND c.deleted = 0 AND " NOW_USEC " BETWEEN c.starts_at AND c.ends_at "
              "THEN 'running' ELSE 'idle' END", bonus_states),
  COL ("recharges", N_("Recharges of this amount"), "(SELECT count (*) FROM recharges r WHERE r.operator_id = x.operator_id "
       "AND r.amount_fen = x.amount_fen AND r.deleted = 0)", MT_COL_INT),
  COL ("operator", N_("Operator"), "o.name", MT_COL_TEXT),
  END_COLS
};

static const MtListColumn rental_card_cols[] = {
  COL ("name", N_("Name"), "x.name", MT_COL_TEXT),
  COL ("days", N_("Days"), "x.days", MT_COL_INT),
  COL ("price", N_("Price"), "x.price_fen", MT_COL_MONEY),
  COL ("per_day", N_("Per day"), "x.price_fen / x.days", MT_COL_MONEY),
  COL ("sold", N_("Sold"), "(SELECT count (*) FROM member_cards mc WHERE mc.card_id = x.id AND mc.deleted = 0)", MT_COL_INT),
  COL ("active", N_("In use"), "(SELECT count (*) FROM member_cards mc WHERE mc.card_id = x.id AND mc.deleted = 0 "
       "AND mc.state = 'active' AND mc.ends_at > " NOW_USEC ")", MT_COL_INT),
  BOOL_COL ("enabled", N_("State"), "x.enabled", on_sale_choices),
  COL ("operator", N_("Operator"), "o.name", MT_COL_TEXT),
  END_COLS
};

static const MtListColumn message_cols[] = {
  COL ("title", N_("Title"), "g.title", MT_COL_TEXT),
  CHOICE_COL ("audience", N_("Audience"), "g.audience", mt_audiences),
  CHOICE_COL ("state", N_("State"), "g.state", message_states),
  COL ("sent", N_("Sent"), "g.sent_at", MT_COL_TIME),
  COL ("operator", N_("Operator"), "o.name", MT_COL_TEXT),
  COL ("created", N_("Created"), "g.created_at", MT_COL_TIME),
  END_COLS
};

const MtCatalogPage _mt_catalog_operations[] = {
  {
    .info = { .id = "billing", .group = "operations", .title = NC_("page", "Billing Rules"), .icon = "accessories-calculator-symbolic",
              .actions = "view edit delete",
              .grants = "operator_admin:view,edit,delete finance:view" },
    .listing = {
      .from = "billing_rules b LEFT JOIN regions rg ON rg.code = b.region_code LEFT JOIN device_types t "
                  "ON t.id = b.type_id LEFT JOIN operators o ON o.id = b.operator_id",
      .where = "b.deleted = 0",
      .alias = "b",
      .op_col = "b.operator_id",
      .columns = billing_cols,
      .search = "rg.name t.name",
      .filters = billing_filters,
      .order = "b.region_code",
    },
    .entity = &_mt_entity_billing_rules,
  },
  {
    .info = { .id = "device_types", .group = "operations", .title = NC_("page", "Device Types"), .icon = "view-grid-symbolic",
              .actions = "view edit delete",
              .grants = "operator_admin:view technician:view" },
    .listing = {
      .from = "device_types t",
      .where = "t.deleted = 0",
      .alias = "t",
      .columns = type_cols,
      .search = "t.name t.description",
      .order = "t.id",
    },
    .entity = &_mt_entity_device_types,
  },
  {
    .info = { .id = "device_specs", .group = "operations", .title = NC_("page", "Device Specs"), .icon = "view-list-symbolic",
              .actions = "view edit delete",
              .grants = "operator_admin:view technician:view" },
    .listing = {
      .from = "device_specs p LEFT JOIN device_types t ON t.id = p.type_id",
      .where = "p.deleted = 0",
      .alias = "p",
      .columns = spec_cols,
      .search = "p.name t.name",
      .filters = spec_filters,
      .state_expr = "p.chemistry",
      .states = mt_chemistries,
      .order = "p.id",
    },
    .entity = &_mt_entity_device_specs,
  },
  {
    .info = { .id = "campaigns", .group = "operations", .title = NC_("page", "Campaigns"), .icon = "starred-symbolic",
              .actions = "view edit",
              .grants = "operator_admin:view,edit" },
    .listing = {
      .from = "campaigns c LEFT JOIN operators o ON o.id = c.operator_id",
      .where = "c.deleted = 0",
      .alias = "c",
      .op_col = "c.operator_id",
      .columns = campaign_cols,
      .search = "c.name",
      .state_expr = "c.enabled",
      .states = _mt_catalog_enabled_choices,
      .date_expr = "c.starts_at",
      .order = "c.starts_at DESC",
    },
    .entity = &_mt_entity_campaigns,
  },
  {
    .info = { .id = "recharge_plans", .group = "operations", .title = NC_("page", "Recharge Denominations"), .icon = "view-list-bullet-symbolic",
              .actions = "view edit delete",
              .grants = "operator_admin:view,edit,delete finance:view" },
    .listing = {
      .from = "recharge_plans x LEFT JOIN campaigns c ON c.id = x.campaign_id LEFT JOIN operators o "
                  "ON o.id = x.operator_id",
      .where = "x.deleted = 0",
      .alias = "x",
      .op_col = "x.operator_id",
      .scope_or = OFFERED_FROM_ABOVE ("x.operator_id"),
      .columns = recharge_plan_cols,
      .search = "c.name o.name",
      .order = "x.operator_id, x.amount_fen",
    },
    .entity = &_mt_entity_recharge_plans,
  },
  {
    .info = { .id = "rental_cards", .group = "operations", .title = NC_("page", "Rental Cards"), .icon = "auth-smartcard-symbolic",
              .actions = "view edit delete",
              .grants = "operator_admin:view,edit,delete finance:view" },
    .listing = {
      .from = "rental_cards x LEFT JOIN operators o ON o.id = x.operator_id",
      .where = "x.deleted = 0",
      .alias = "x",
      .op_col = "x.operator_id",
      .scope_or = OFFERED_FROM_ABOVE ("x.operator_id"),
      .columns = rental_card_cols,
      .search = "x.name o.name",
      .state_expr = "x.enabled",
      .states = on_sale_choices,
      .order = "x.operator_id, x.days",
    },
    .entity = &_mt_entity_rental_cards,
  },
  {
    .info = { .id = "messages", .group = "operations", .title = NC_("page", "Messages"), .icon = "mail-unread-symbolic",
              .actions = "view edit delete",
              .grants = "operator_admin:view,edit,delete store_manager:view" },
    .listing = {
      .from = "messages g LEFT JOIN operators o ON o.id = g.operator_id",
      .where = "g.deleted = 0",
      .alias = "g",
      .op_col = "g.operator_id",
      .columns = message_cols,
      .search = "g.title g.body",
      .state_expr = "g.state",
      .states = message_states,
      .date_expr = "g.created_at",
      .order = "g.created_at DESC",
    },
    .entity = &_mt_entity_messages,
  },
  { { NULL } }
};
