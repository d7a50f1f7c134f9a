/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The sidebar group “Operators”: its pages and their lists */
#define G_LOG_DOMAIN "mt-catalog"

#include "config.h"

#include <glib/gi18n.h>

#include "mt-catalog-private.h"
#include "mt-orders.h"
#include "mt-ops.h"

/* ------------------------------------------------------------------ operators and stores */
static const MtListColumn operator_cols[] = {
  COL ("name", N_("Name"), "o.name", MT_COL_TEXT),
  COL ("parent", N_("Parent operator"), "po.name", MT_COL_TEXT),
  COL ("region", N_("Region"), "coalesce ((SELECT p.name FROM regions p WHERE p.code = substr (o.region_code, 1, 2)) || ' ' || rg.name, '')", MT_COL_TEXT),
  COL ("contact", N_("Contact"), "o.contact", MT_COL_TEXT),
  COL ("phone", N_("Phone"), "o.phone", MT_COL_TEXT),
  COL ("stores", N_("Stores"), "(SELECT count(*) FROM stores x WHERE x.operator_id = o.id AND x.deleted = 0)", MT_COL_INT),
  COL ("devices", N_("Devices"), "(SELECT count(*) FROM devices x WHERE x.operator_id = o.id AND x.deleted = 0)", MT_COL_INT),
  BOOL_COL ("enabled", N_("State"), "o.enabled", _mt_catalog_enabled_choices),
  END_COLS
};

const MtCatalogPage _mt_catalog_operators[] = {
  {
    .info = { .id = "operators", .group = "operators", .title = NC_("page", "Operator List"), .icon = "network-workgroup-symbolic",
              .actions = "view detail edit",
              .grants = "operator_admin:view,detail,edit" },
    .listing = {
      .from = "operators o LEFT JOIN operators po ON po.id = o.parent_id LEFT JOIN regions rg "
                  "ON rg.code = o.region_code",
      .where = "o.deleted = 0",
      .alias = "o",
      .op_col = "o.id",
      .columns = operator_cols,
      .search = "o.name o.contact o.phone",
      .search_hint = N_("Name, contact or phone"),
      .state_expr = "o.enabled",
      .states = _mt_catalog_enabled_choices,
      .order = "o.path",
    },
    .entity = &_mt_entity_operators,
  },
  { { NULL } }
};
