/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The sidebar group “Alarms”: its pages and their lists */
#define G_LOG_DOMAIN "mt-catalog"

#include "config.h"

#include <glib/gi18n.h>

#include "mt-catalog-private.h"
#include "mt-orders.h"
#include "mt-ops.h"

static const MtChoice alarm_states[] = { { "open", N_("Open") }, { "handled", N_("Handled") }, { NULL } };

static const MtListColumn alarm_cols[] = {
  COL ("alarm_no", N_("Alarm number"), "a.alarm_no", MT_COL_TEXT),
  COL ("device_no", N_("Device number"), "d.device_no", MT_COL_TEXT),
  COL ("device_type", N_("Device type"), "t.name", MT_COL_TEXT),
  CHOICE_COL ("type", N_("Alarm type"), "a.type", mt_alarm_types),
  CHOICE_COL ("state", N_("State"), "a.state", alarm_states),
  COL ("count", N_("Count"), "a.count", MT_COL_INT),
  COL ("first", N_("First"), "a.first_at", MT_COL_TIME),
  COL ("latest", N_("Latest"), "a.latest_at", MT_COL_TIME),
  COL ("store", N_("Store"), "s.name", MT_COL_TEXT),
  COL ("note", N_("Note"), "a.note", MT_COL_TEXT),
  END_COLS
};

static const MtListFilter alarm_filters[] = {
  { "type", N_("Alarm type"), "a.type", mt_alarm_types },
  { "store", N_("Store"), "a.store_id", NULL, "stores" },
  { NULL }
};

static const MtListColumn alarm_type_cols[] = {
  CHOICE_COL ("type", N_("Alarm type"), "k.type", mt_alarm_types),
  BOOL_COL ("shown", N_("Shown to me"), "NOT EXISTS (SELECT 1 FROM alarm_hidden h WHERE h.type = k.type AND h.account_id = $ACCOUNT AND h.deleted = 0)", _mt_catalog_yes_no),
  END_COLS
};

const MtCatalogPage _mt_catalog_alarms[] = {
  {
    .info = { .id = "alarms", .group = "alarms", .title = NC_("page", "Alarm List"), .icon = "dialog-warning-symbolic",
              .actions = "view handle",
              .grants = "operator_admin:view,handle store_manager:view,handle technician:view,handle" },
    .listing = {
      .from = "alarms a LEFT JOIN devices d ON d.id = a.device_id LEFT JOIN stores s ON s.id = a.store_id "
              "LEFT JOIN device_types t ON t.id = d.type_id",
      .where = "a.deleted = 0 AND a.type NOT IN (SELECT h.type FROM alarm_hidden h WHERE h.account_id = $ACCOUNT "
                   "AND h.deleted = 0)",
      .alias = "a",
      .op_col = "a.operator_id",
      .store_col = "a.store_id",
      .columns = alarm_cols,
      .search = "a.alarm_no d.device_no",
      .search_hint = N_("Alarm or device number"),
      .filters = alarm_filters,
      .state_expr = "a.state",
      .states = alarm_states,
      .date_expr = "a.latest_at",
      .order = "a.latest_at DESC",
    },
  },
  {
    .info = { .id = "alarm_types", .group = "alarms", .title = NC_("page", "Alarm Types"), .icon = "view-conceal-symbolic",
              .actions = "view edit",
              .grants = "operator_admin:view,edit store_manager:view,edit technician:view,edit" },
    .listing = {
      .from = ALARM_TYPES_FROM,
      .where = "1",
      .alias = "k",
      .columns = alarm_type_cols,
      .order = "k.type",
    },
  },
  { { NULL } }
};
