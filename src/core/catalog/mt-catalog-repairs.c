/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The sidebar group “Repairs”: its pages and their lists */
#define G_LOG_DOMAIN "mt-catalog"

#include "config.h"

#include <glib/gi18n.h>

#include "mt-catalog-private.h"
#include "mt-orders.h"
#include "mt-ops.h"

static const MtListColumn repair_cols[] = {
  COL ("repair_no", N_("Ticket"), "w.repair_no", MT_COL_TEXT),
  COL ("device_no", N_("Device number"), "d.device_no", MT_COL_TEXT),
  COL ("type", N_("Device type"), "t.name", MT_COL_TEXT),
  CHOICE_COL ("reporter_kind", N_("Reported by"), "w.reporter_kind", mt_reporter_kinds),
  /* the name given (a ticket filed at the console keeps its account's), else the store: the list
   * reads no account, whose rows a store's replica does not hold */
  COL ("reporter", N_("Reporter"), "CASE WHEN w.reporter <> '' THEN w.reporter ELSE coalesce (s.name, '') END",
       MT_COL_TEXT),
  COL ("fault", N_("Fault"), "w.fault", MT_COL_TEXT),
  CHOICE_COL ("state", N_("State"), "w.state", mt_repair_states),
  COL ("cost", N_("Repair cost"), "w.cost_fen", MT_COL_MONEY),
  COL ("store", N_("Store"), "s.name", MT_COL_TEXT),
  COL ("created", N_("Reported"), "w.created_at", MT_COL_TIME),
  COL ("updated", N_("Updated"), "w.updated_at", MT_COL_TIME),
  END_COLS
};

static const MtListFilter repair_filters[] = {
  { "reporter_kind", N_("Reported by"), "w.reporter_kind", mt_reporter_kinds },
  { "store", N_("Store"), "w.store_id", NULL, "stores" },
  { "type", N_("Device type"), "d.type_id", NULL, "device_types" },
  { NULL }
};

const MtCatalogPage _mt_catalog_repairs[] = {
  {
    .info = { .id = "repairs", .group = "repairs", .title = NC_("page", "Repair Tickets"), .icon = "applications-engineering-symbolic",
              .actions = "view report progress",
              .grants = "operator_admin:view,report,progress store_manager:view,report technician:view,report,progress" },
    .listing = {
      .from = "repairs w LEFT JOIN devices d ON d.id = w.device_id LEFT JOIN stores s ON s.id = w.store_id "
              "LEFT JOIN device_types t ON t.id = d.type_id",
      .where = "w.deleted = 0",
      .alias = "w",
      .op_col = "w.operator_id",
      .store_col = "w.store_id",
      .columns = repair_cols,
      .search = "w.repair_no d.device_no w.reporter w.fault",
      .search_hint = N_("Ticket or device number, reporter or fault"),
      .filters = repair_filters,
      .state_expr = "w.state",
      .states = mt_repair_states,
      .date_expr = "w.created_at",
      .order = "w.created_at DESC",
    },
  },
  { { NULL } }
};
