/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The sidebar group “System”: its pages and their lists */
#define G_LOG_DOMAIN "mt-catalog"

#include "config.h"

#include <glib/gi18n.h>

#include "mt-catalog-private.h"
#include "mt-orders.h"
#include "mt-ops.h"

static const MtChoice builtin_choices[] = { { "1", N_("Built-in") }, { "0", N_("Custom") }, { NULL } };

/* ------------------------------------------------------------------ system */
static const MtListColumn account_cols[] = {
  COL ("username", N_("User name"), "a.username", MT_COL_TEXT),
  COL ("name", N_("Name"), "a.name", MT_COL_TEXT),
  COL ("mobile", N_("Mobile"), "a.mobile", MT_COL_TEXT),
  COL ("role", N_("Role"), "CASE WHEN r.builtin IS NULL THEN r.name ELSE tr (r.name) END", MT_COL_TEXT),
  COL ("operator", N_("Operator"), "o.name", MT_COL_TEXT),
  COL ("store", N_("Store"), "s.name", MT_COL_TEXT),
  BOOL_COL ("enabled", N_("State"), "a.enabled", _mt_catalog_enabled_choices),
  COL ("last_sign_in", N_("Last sign-in"), "a.last_sign_in", MT_COL_TIME),
  END_COLS
};

static const MtListFilter account_filters[] = {
  { "role", N_("Role"), "a.role_id", NULL, "roles" },
  { "operator", N_("Operator"), "a.operator_id", NULL, "operators" },
  { NULL }
};

static const MtListColumn role_cols[] = {
  COL ("name", N_("Name"), "CASE WHEN r.builtin IS NULL THEN r.name ELSE tr (r.name) END", MT_COL_TEXT),
  BOOL_COL ("builtin", N_("Kind"), "r.builtin IS NOT NULL", builtin_choices),
  COL ("description", N_("Description"), "r.description", MT_COL_TEXT),
  COL ("operator", N_("Operator"), "o.name", MT_COL_TEXT),
  COL ("accounts", N_("Accounts"), "(SELECT count(*) FROM accounts x WHERE x.role_id = r.id AND x.deleted = 0)", MT_COL_INT),
  END_COLS
};

static const MtChoice audit_operations[] = {
  { "create", N_("Create") }, { "update", N_("Change") }, { "delete", N_("Delete") },
  { "sign-in", N_("Sign in") }, { "setting", N_("Change a setting") },
  { "transfer-to-store", N_("Transfer to store") }, { "transfer-to-operator", N_("Transfer to operator") },
  { "change-type", N_("Change device type") }, { "power-cut-on", N_("Unrented power-cut on") },
  { "power-cut-off", N_("Unrented power-cut off") }, { "repair-report", N_("Report Fault") },
  { "repair-progress", N_("Repair Progress") }, { "message-send", N_("Send a message") },
  { "operator-enable", N_("Enable an operator") }, { "operator-disable", N_("Disable an operator") },
  { "command-charge", N_("Charge switch") }, { "command-discharge", N_("Discharge switch") },
  { "command-restart", N_("Restart") }, { "command-factory_reset", N_("Factory reset") },
  { "command-read_params", N_("Read BMS parameters") }, { "command-write_params", N_("Write BMS parameters") },
  { "alarm-handle", N_("Handle Alarm") }, { "alarm-type-hide", N_("Hide an alarm type") },
  { "alarm-type-show", N_("Show an alarm type") },
  { "POST", N_("Create (refused)") }, { "PUT", N_("Change (refused)") }, { "DELETE", N_("Delete (refused)") },
  { NULL }
};

static const MtChoice audit_results[] = {
  { "ok", N_("Done") }, { "invalid", N_("Invalid input") }, { "forbidden", N_("Forbidden") },
  { "conflict", N_("Conflict") }, { "not-found", N_("Not found") }, { "unauthorized", N_("Not signed in") },
  { "disabled", N_("Disabled") }, { "throttled", N_("Throttled") }, { "failed", N_("Failed") },
  { "done", N_("Done by the device") }, { "refused", N_("Refused by the device") },
  { "no_answer", N_("No answer") }, { "not_sent", N_("Not sent") },
  { NULL }
};

/* Who did what, when, to which row, and how it ended: every write */
static const MtListColumn audit_cols[] = {
  COL ("at", N_("Time"), "x.at", MT_COL_TIME),
  COL ("account", N_("Account"), "ac.username", MT_COL_TEXT),
  COL ("operator", N_("Operator"), "o.name", MT_COL_TEXT),
  CHOICE_COL ("operation", N_("Operation"), "x.operation", audit_operations),
  /* table names as the interface calls them (msgids that the catalogue has from the forms) */
  COL ("target", N_("Target"),
       "CASE x.target_table WHEN 'stores' THEN tr ('Store') WHEN 'devices' THEN tr ('Device') "
       "WHEN 'members' THEN tr ('Member') WHEN 'repairs' THEN tr ('Ticket') WHEN 'messages' THEN tr ('Message') "
       "WHEN 'accounts' THEN tr ('Account') WHEN 'roles' THEN tr ('Role') WHEN 'operators' THEN tr ('Operator') "
       "WHEN 'settings' THEN tr ('Setting') WHEN 'device_types' THEN tr ('Device type') "
       "WHEN 'device_specs' THEN tr ('Device spec') WHEN 'sessions' THEN tr ('Sign in') ELSE x.target_table END "
       "|| CASE WHEN x.target_id THEN ' #' || x.target_id ELSE '' END", MT_COL_TEXT),
  CHOICE_COL ("result", N_("Result"), "x.result", audit_results),
  COL ("detail", N_("Detail"), "x.detail", MT_COL_TEXT),
  END_COLS
};

static const MtListColumn setting_cols[] = {
  COL ("key", N_("Setting"), "setting_title (g.key)", MT_COL_TEXT),
  COL ("value", N_("Value"), "setting_value (g.key, g.value)", MT_COL_TEXT),
  COL ("operator", N_("Operator"), "o.name", MT_COL_TEXT),
  COL ("updated", N_("Changed"), "g.updated_at", MT_COL_TIME),
  END_COLS
};

const MtCatalogPage _mt_catalog_system[] = {
  {
    .info = { .id = "accounts", .group = "system", .title = NC_("page", "Accounts"), .icon = "avatar-default-symbolic",
              .actions = "view detail edit delete",
              .grants = "operator_admin:view,detail,edit,delete" },
    .listing = {
      .from = "accounts a LEFT JOIN roles r ON r.id = a.role_id LEFT JOIN operators o ON o.id = a.operator_id "
                  "LEFT JOIN stores s ON s.id = a.store_id",
      .where = "a.deleted = 0",
      .alias = "a",
      .op_col = "a.operator_id",
      .store_col = "a.store_id",
      .columns = account_cols,
      .search = "a.username a.name a.mobile",
      .search_hint = N_("User name, name or mobile"),
      .filters = account_filters,
      .state_expr = "a.enabled",
      .states = _mt_catalog_enabled_choices,
      .order = "a.id",
    },
    .entity = &_mt_entity_accounts,
  },
  {
    .info = { .id = "roles", .group = "system", .title = NC_("page", "Roles & Permissions"), .icon = "system-users-symbolic",
              .actions = "view edit delete" },
    .listing = {
      .from = "roles r LEFT JOIN operators o ON o.id = r.operator_id",
      .where = "r.deleted = 0",
      .alias = "r",
      .op_col = "r.operator_id",
      .scope_or = "r.builtin IS NOT NULL",
      .columns = role_cols,
      .search = "r.name r.description",
      .state_expr = "(r.builtin IS NOT NULL)",
      .states = builtin_choices,
      .order = "r.id",
    },
    .entity = &_mt_entity_roles,
  },
  {
    .info = { .id = "settings", .group = "system", .title = NC_("page", "General Settings"), .icon = "preferences-system-symbolic",
              .actions = "view edit",
              .grants = "operator_admin:view,edit" },
    .listing = {
      .from = "settings g LEFT JOIN operators o ON o.id = g.operator_id",
      .where = "g.deleted = 0",
      .alias = "g",
      .op_col = "g.operator_id",
      .columns = setting_cols,
      .search = "g.key g.value",
      .order = "g.key",
    },
  },
  {
    .info = { .id = "audit", .group = "system", .title = NC_("page", "Audit Log"), .icon = "document-open-recent-symbolic",
              .actions = "view" },
    .listing = {
      .from = "audit_log x LEFT JOIN accounts ac ON ac.id = x.account_id LEFT JOIN operators o "
                  "ON o.id = x.operator_id",
      .where = "1",
      .op_col = "x.operator_id",
      .columns = audit_cols,
      .search = "ac.username x.operation x.target_table x.detail",
      .state_expr = "x.result",
      .states = audit_results,
      .date_expr = "x.at",
      .order = "x.at DESC",
      .bounded = TRUE,
    },
  },
  { { NULL } }
};
