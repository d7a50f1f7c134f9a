/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The sidebar group “Stores”: its pages and their lists */
#define G_LOG_DOMAIN "mt-catalog"

#include "config.h"

#include <glib/gi18n.h>

#include "mt-catalog-private.h"
#include "mt-orders.h"
#include "mt-ops.h"

static const MtListColumn store_cols[] = {
  COL ("store_no", N_("Store number"), "s.store_no", MT_COL_TEXT),
  COL ("name", N_("Store name"), "s.name", MT_COL_TEXT),
  COL ("operator", N_("Operator"), "o.name", MT_COL_TEXT),
  COL ("manager", N_("Manager"), "s.manager", MT_COL_TEXT),
  COL ("mobile", N_("Main account"), "s.mobile", MT_COL_TEXT),
  COL ("region", N_("Region"), REGION_PATH ("s.region_code"), MT_COL_TEXT),
  COL ("hours", N_("Business hours"), "printf ('%02d:%02d-%02d:%02d', s.open_minute / 60, s.open_minute % 60, s.close_minute / 60, s.close_minute % 60)", MT_COL_TEXT),
  COL ("devices", N_("Devices"), "(SELECT count(*) FROM devices x WHERE x.store_id = s.id AND x.deleted = 0)", MT_COL_INT),
  BOOL_COL ("enabled", N_("State"), "s.enabled", _mt_catalog_enabled_choices),
  COL ("created_at", N_("Created"), "s.created_at", MT_COL_TIME),
  END_COLS
};

static const MtListFilter store_filters[] = {
  { "operator", N_("Operator"), "s.operator_id", NULL, "operators" },
  { "province", N_("Province"), "CAST (substr (s.region_code, 1, 2) AS INTEGER)", NULL, "provinces" },
  { NULL }
};

const MtCatalogPage _mt_catalog_stores[] = {
  {
    .info = { .id = "stores", .group = "stores", .title = NC_("page", "Store List"), .icon = "go-home-symbolic",
              .actions = "view detail edit delete",
              .grants = "operator_admin:view,detail,edit,delete store_manager:view,detail" },
    .listing = {
      .from = "stores s LEFT JOIN operators o ON o.id = s.operator_id LEFT JOIN regions rg "
                  "ON rg.code = s.region_code",
      .where = "s.deleted = 0",
      .alias = "s",
      .op_col = "s.operator_id",
      .store_col = "s.id",
      .columns = store_cols,
      .search = "s.store_no s.name s.manager s.mobile s.address",
      .search_hint = N_("Store number, name, manager, mobile or address"),
      .filters = store_filters,
      .state_expr = "s.enabled",
      .states = _mt_catalog_enabled_choices,
      .date_expr = "s.created_at",
      .order = "s.id",
    },
    .entity = &_mt_entity_stores,
  },
  { { NULL } }
};
