/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The sidebar group “Geofences”: its pages and their lists */
#define G_LOG_DOMAIN "mt-catalog"

#include "config.h"

#include <glib/gi18n.h>

#include "mt-catalog-private.h"
#include "mt-orders.h"
#include "mt-ops.h"

static const MtChoice shapes[] = { { "polygon", N_("Polygon") }, { "circle", N_("Circle") }, { NULL } };

/* ------------------------------------------------------------------ fences, repairs, alarms */
static const MtListColumn fence_cols[] = {
  COL ("name", N_("Name"), "f.name", MT_COL_TEXT),
  CHOICE_COL ("shape", N_("Shape"), "f.shape", shapes),
  CHOICE_COL ("alarm_on", N_("Alarm"), "f.alarm_on", mt_fence_alarms),
  COL ("devices", N_("Devices"), "(SELECT count(*) FROM geofence_devices x WHERE x.fence_id = f.id AND x.deleted = 0)", MT_COL_INT),
  COL ("operator", N_("Operator"), "o.name", MT_COL_TEXT),
  COL ("created", N_("Created"), "f.created_at", MT_COL_TIME),
  END_COLS
};

const MtCatalogPage _mt_catalog_geofences[] = {
  {
    .info = { .id = "geofences", .group = "geofences", .title = NC_("page", "Geofences"), .icon = "mark-location-symbolic",
              .actions = "view edit delete",
              .grants = "operator_admin:view,edit,delete technician:view" },
    .listing = {
      .from = "geofences f LEFT JOIN operators o ON o.id = f.operator_id",
      .where = "f.deleted = 0",
      .alias = "f",
      .op_col = "f.operator_id",
      .columns = fence_cols,
      .search = "f.name",
      .state_expr = "f.shape",
      .states = shapes,
      .order = "f.id",
    },
    .entity = &_mt_entity_geofences,
  },
  { { NULL } }
};
