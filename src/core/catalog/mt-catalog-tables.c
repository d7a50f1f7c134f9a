/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The synced tables: what a replica may hold and how its rows are scoped */
#define G_LOG_DOMAIN "mt-catalog"

#include "config.h"

#include "mt-catalog-private.h"

static const MtCatalogTable tables[] = {
  { .table = "operators", .op_col = "id" },
  { .table = "roles", .op_col = "operator_id" },
  { .table = "accounts", .op_col = "operator_id", .store_col = "store_id" },
  { .table = "settings", .op_col = "operator_id" },
  { .table = "stores", .op_col = "operator_id", .store_col = "id" },
  { .table = "device_types" },
  { .table = "device_specs" },
  { .table = "members", .op_col = "operator_id", .store_col = "store_id" },
  { .table = "devices", .op_col = "operator_id", .store_col = "store_id" },
  { .table = "repairs", .op_col = "operator_id", .store_col = "store_id" },
  { .table = "repair_steps", .parent_fk = "repair_id", .parent = "repairs" },
  { .table = "messages", .op_col = "operator_id" },
  { .table = "billing_rules", .op_col = "operator_id" },
  { .table = "billing_services", .parent_fk = "rule_id", .parent = "billing_rules" },
  { .table = "orders", .op_col = "operator_id", .store_col = "store_id" },
  { .table = "rentals", .op_col = "operator_id", .store_col = "store_id" },
  { .table = "ledger", .op_col = "operator_id", .store_col = "store_id" },
  { .table = "deposits", .op_col = "operator_id", .store_col = "store_id" },
  { .table = "deposit_refunds", .op_col = "operator_id", .store_col = "store_id" },
  { .table = "withdrawals", .op_col = "operator_id", .store_col = "store_id" },
  { .table = "split_rules", .op_col = "operator_id", .store_col = "store_id", .pages = "splits" },
  { .table = "splits", .op_col = "operator_id", .store_col = "store_id" },
  { .table = "referrals", .op_col = "operator_id", .store_col = "store_id" },
  { .table = "campaigns", .op_col = "operator_id" },
  { .table = "recharge_plans", .op_col = "operator_id", .pages = "recharges" },
  { .table = "recharges", .op_col = "operator_id", .store_col = "store_id" },
  { .table = "rental_cards", .op_col = "operator_id", .pages = "campaigns members" },
  { .table = "member_cards", .op_col = "operator_id", .store_col = "store_id", .pages = "members" },
  { .table = "alarms", .op_col = "operator_id", .store_col = "store_id" },
  { .table = "alarm_hidden", .pages = "alarms alarm_types" },
  { .table = "geofences", .op_col = "operator_id" },
  { .table = "geofence_devices", .parent_fk = "fence_id", .parent = "geofences" },
};

const MtCatalogTable *
_mt_catalog_table (guint index)
{
  return index < G_N_ELEMENTS (tables) ? &tables[index] : NULL;
}

const MtCatalogTable *
_mt_catalog_table_lookup (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (tables); i++)
    if (g_strcmp0 (tables[i].table, name) == 0)
      return &tables[i];
  return NULL;
}
