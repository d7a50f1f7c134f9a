/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The sidebar group “Devices”: its pages and their lists */
#define G_LOG_DOMAIN "mt-catalog"

#include "config.h"

#include <glib/gi18n.h>

#include "mt-catalog-private.h"
#include "mt-orders.h"
#include "mt-ops.h"

static const MtChoice online_choices[] = { { "1", N_("Online") }, { "0", N_("Offline") }, { NULL } };

static const char *const device_expiry_conds[] = {
  "d.rent_expiry IS NULL",
  "d.rent_expiry >= " NOW_US " + 3 * " DAY_US,
  "d.rent_expiry >= " NOW_US " AND d.rent_expiry < " NOW_US " + 3 * " DAY_US,
  "d.rent_expiry < " NOW_US,
};

/* ------------------------------------------------------------------ devices */
static const MtListColumn device_cols[] = {
  COL ("device_no", N_("Device number"), "d.device_no", MT_COL_TEXT),
  COL ("name", N_("Name"), "d.name", MT_COL_TEXT),
  COL ("type", N_("Device type"), "t.name", MT_COL_TEXT),
  CHOICE_COL ("state", N_("State"), "d.state", mt_device_states),
  BOOL_COL ("online", N_("Online"), "coalesce (st.online, 0)", online_choices),
  COL ("voltage", N_("Voltage"), "st.pack_mv", MT_COL_VOLTAGE),
  COL ("soc", N_("SOC"), "st.soc", MT_COL_PERCENT),
  COL ("store", N_("Store"), "s.name", MT_COL_TEXT),
  COL ("operator", N_("Operator"), "o.name", MT_COL_TEXT),
  COL ("renter", N_("Renter"), "m.name", MT_COL_TEXT),
  COL ("expiry", N_("Rental expiry"), "d.rent_expiry", MT_COL_TIME),
  BOOL_COL ("power_cut", N_("Unrented power-cut"), "d.power_cut_unrented", _mt_catalog_yes_no),
  END_COLS
};

static const MtListFilter device_filters[] = {
  { "type", N_("Device type"), "d.type_id", NULL, "device_types" },
  { "store", N_("Store"), "d.store_id", NULL, "stores" },
  { "online", N_("Online"), "coalesce (st.online, 0)", online_choices, .kept = "bms" },
  { "expiry", N_("Expiry"), NULL, _mt_catalog_expiry_choices, NULL, device_expiry_conds },
  { "power_cut", N_("Unrented power-cut"), "d.power_cut_unrented", _mt_catalog_yes_no },
  { NULL }
};

static const MtListColumn monitor_cols[] = {
  COL ("device_no", N_("Device number"), "d.device_no", MT_COL_TEXT),
  CHOICE_COL ("state", N_("State"), "d.state", mt_device_states),
  BOOL_COL ("online", N_("Online"), "st.online", online_choices),
  COL ("soc", N_("SOC"), "st.soc", MT_COL_PERCENT),
  COL ("lat", N_("Latitude"), "st.lat", MT_COL_COORD),
  COL ("lng", N_("Longitude"), "st.lng", MT_COL_COORD),
  COL ("last_seen", N_("Last fix"), "st.last_seen", MT_COL_TIME),
  COL ("store", N_("Store"), "s.name", MT_COL_TEXT),
  COL ("renter", N_("Renter"), "m.name", MT_COL_TEXT),
  END_COLS
};

static const MtListFilter monitor_filters[] = {
  { "online", N_("Online"), "st.online", online_choices },
  { "store", N_("Store"), "d.store_id", NULL, "stores" },
  { "type", N_("Device type"), "d.type_id", NULL, "device_types" },
  { NULL }
};

static const MtListColumn bms_cols[] = {
  COL ("device_no", N_("Device number"), "d.device_no", MT_COL_TEXT),
  COL ("spec", N_("Spec"), "p.name", MT_COL_TEXT),
  BOOL_COL ("online", N_("Online"), "coalesce (st.online, 0)", online_choices),
  COL ("voltage", N_("Pack voltage"), "st.pack_mv", MT_COL_VOLTAGE),
  COL ("soc", N_("SOC"), "st.soc", MT_COL_PERCENT),
  COL ("snapshots", N_("Snapshots"), "(SELECT count(*) FROM bms_snapshots b WHERE b.device_id = d.id)", MT_COL_INT),
  COL ("last_seen", N_("Last update"), "st.last_seen", MT_COL_TIME),
  END_COLS
};

static const MtListColumn track_cols[] = {
  COL ("device_no", N_("Device number"), "d.device_no", MT_COL_TEXT),
  COL ("at", N_("Time"), "tp.at", MT_COL_TIME),
  COL ("lat", N_("Latitude"), "tp.lat", MT_COL_COORD),
  COL ("lng", N_("Longitude"), "tp.lng", MT_COL_COORD),
  COL ("speed", N_("Speed (km/h)"), "tp.speed_kmh", MT_COL_INT),
  COL ("soc", N_("SOC"), "tp.soc", MT_COL_PERCENT),
  END_COLS
};

const MtCatalogPage _mt_catalog_devices[] = {
  {
    .info = { .id = "devices", .group = "devices", .title = NC_("page", "Device List"), .icon = "battery-good-symbolic",
              .actions = "view detail edit transfer delete power",
              .grants = "operator_admin:view,detail,edit,transfer,delete,power store_manager:view,detail,power "
                        "technician:view,detail" },
    .listing = {
      .from = "devices d LEFT JOIN device_types t ON t.id = d.type_id LEFT JOIN operators o ON o.id = d.operator_id "
                  "LEFT JOIN stores s ON s.id = d.store_id LEFT JOIN members m ON m.id = d.member_id "
                  "LEFT JOIN device_status st ON st.device_id = d.id",
      .where = "d.deleted = 0",
      .alias = "d",
      .op_col = "d.operator_id",
      .store_col = "d.store_id",
      .columns = device_cols,
      .search = "d.device_no d.name",
      .search_hint = N_("Device number or name"),
      .filters = device_filters,
      .state_expr = "d.state",
      .states = mt_device_states,
      .date_expr = "d.rent_expiry",
      .date_hint = N_("Rental expiry"),
      .order = "d.id",
      .kept = "devices",
    },
    .entity = &_mt_entity_devices,
  },
  {
    .info = { .id = "monitor", .group = "devices", .title = NC_("page", "Location Monitor"), .icon = "find-location-symbolic",
              .actions = "view",
              .grants = "operator_admin:view store_manager:view technician:view" },
    .listing = {
      .from = "devices d LEFT JOIN device_status st ON st.device_id = d.id LEFT JOIN stores s "
                  "ON s.id = d.store_id LEFT JOIN members m ON m.id = d.member_id",
      .where = "d.deleted = 0 AND st.lat IS NOT NULL",
      .alias = "d",
      .op_col = "d.operator_id",
      .store_col = "d.store_id",
      .columns = monitor_cols,
      .search = "d.device_no",
      .search_hint = N_("Device number"),
      .filters = monitor_filters,
      .state_expr = "d.state",
      .states = mt_device_states,
      .order = "d.id",
    },
  },
  {
    .info = { .id = "bms", .group = "devices", .title = NC_("page", "BMS"), .icon = "battery-level-70-charging-symbolic",
              .actions = "view control params",
              .grants = "operator_admin:view,control,params store_manager:view technician:view,control,params" },
    .listing = {
      .from = "devices d LEFT JOIN device_specs p ON p.id = d.spec_id LEFT JOIN device_status st "
                  "ON st.device_id = d.id",
      .where = "d.deleted = 0",
      .alias = "d",
      .op_col = "d.operator_id",
      .store_col = "d.store_id",
      .columns = bms_cols,
      .search = "d.device_no",
      .search_hint = N_("Device number"),
      .state_expr = "coalesce (st.online, 0)",
      .states = online_choices,
      .order = "d.id",
      .kept = "bms",
    },
  },
  {
    .info = { .id = "tracks", .group = "devices", .title = NC_("page", "Track Playback"), .icon = "media-playback-start-symbolic",
              .actions = "view",
              .grants = "operator_admin:view store_manager:view technician:view" },
    .listing = {
      .from = "track_points tp LEFT JOIN devices d ON d.id = tp.device_id",
      .where = "1",
      .op_col = "d.operator_id",
      .store_col = "d.store_id",
      .columns = track_cols,
      .search = "tp.device_id=devices(device_no)",
      .search_hint = N_("Device number"),
      .date_expr = "tp.at",
      .order = "tp.device_id, tp.at",
      .bounded = TRUE,
    },
  },
  { { NULL } }
};
