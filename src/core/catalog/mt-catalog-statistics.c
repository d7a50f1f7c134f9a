/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The sidebar group “Statistics”: its pages and their lists */
#define G_LOG_DOMAIN "mt-catalog"

#include "config.h"

#include <glib/gi18n.h>

#include "mt-catalog-private.h"
#include "mt-orders.h"
#include "mt-ops.h"

static const MtListColumn statistic_cols[] = {
  COL ("store", N_("Store"), "s.name", MT_COL_TEXT),
  COL ("operator", N_("Operator"), "o.name", MT_COL_TEXT),
  COL ("devices", N_("Devices"), "(SELECT count(*) FROM devices x WHERE x.store_id = s.id AND x.deleted = 0)", MT_COL_INT),
  COL ("rented", N_("Rented"), "(SELECT count(*) FROM devices x WHERE x.store_id = s.id AND x.state = 'rented' AND x.deleted = 0)", MT_COL_INT),
  COL ("orders", N_("Orders"), "(SELECT count(*) FROM orders x WHERE x.store_id = s.id AND x.deleted = 0)", MT_COL_INT),
  COL ("members", N_("Members"), "(SELECT count(*) FROM members x WHERE x.store_id = s.id AND x.deleted = 0)", MT_COL_INT),
  COL ("revenue", N_("Rent income"), "(SELECT coalesce (sum (x.amount_fen), 0) FROM ledger x WHERE x.store_id = s.id AND x.kind IN ('rent', 'service', 'overdue'))", MT_COL_MONEY),
  COL ("store_share", N_("Store share"), "(SELECT coalesce (sum (x.store_fen), 0) FROM splits x WHERE x.store_id = s.id)", MT_COL_MONEY),
  COL ("deposits_held", N_("Deposits held"), "(SELECT coalesce (sum (x.amount_fen), 0) FROM deposits x WHERE x.store_id = s.id AND x.state = 'held' AND x.deleted = 0)", MT_COL_MONEY),
  COL ("recharged", N_("Recharged"), "(SELECT coalesce (sum (x.amount_fen), 0) FROM recharges x WHERE x.store_id = s.id AND x.deleted = 0)", MT_COL_MONEY),
  COL ("repair_fees", N_("Repair costs"), "(SELECT coalesce (sum (x.cost_fen), 0) FROM repairs x WHERE x.store_id = s.id AND x.deleted = 0)", MT_COL_MONEY),
  END_COLS
};

const MtCatalogPage _mt_catalog_statistics[] = {
  {
    .info = { .id = "statistics", .group = "statistics", .title = NC_("page", "Statistics"), .icon = "x-office-presentation-symbolic",
              .actions = "view",
              .grants = "operator_admin:view finance:view" },
    .listing = {
      .from = "stores s LEFT JOIN operators o ON o.id = s.operator_id",
      .where = "s.deleted = 0",
      .alias = "s",
      .op_col = "s.operator_id",
      .store_col = "s.id",
      .columns = statistic_cols,
      .search = "s.name o.name",
      .order = "s.id",
    },
  },
  { { NULL } }
};
