/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mt-listing"

#include "config.h"

#include <glib/gi18n.h>

#include "mt-listing-private.h"
#include "mt-orders.h"
#include "mt-ops.h"

/*
 * What every list page shows: its rows (FROM + WHERE), owner columns for scoping, columns,
 * search, filters and the state facet. Only these fixed expressions reach SQL; user input is
 * always bound.
 */

#define NOW_US "CAST ((julianday ('now') - 2440587.5) * 86400000000.0 AS INTEGER)"
#define DAY_US "86400000000"

static const MtChoice enabled_choices[] = { { "1", N_("Enabled") }, { "0", N_("Disabled") }, { NULL } };
static const MtChoice on_sale_choices[] = { { "1", N_("On sale") }, { "0", N_("Off sale") }, { NULL } };
static const MtChoice online_choices[] = { { "1", N_("Online") }, { "0", N_("Offline") }, { NULL } };
static const MtChoice yes_no[] = { { "1", N_("Yes") }, { "0", N_("No") }, { NULL } };
static const MtChoice builtin_choices[] = { { "1", N_("Built-in") }, { "0", N_("Custom") }, { NULL } };
const MtChoice mt_order_states[] = {
  { "active", N_("In Use") }, { "overdue", N_("Overdue") }, { "ended", N_("Ended") }, { NULL }
};
const MtChoice mt_pay_methods[] = {
  { "offline", N_("Offline (cash)") }, { "online", N_("Online") }, { "balance", N_("Balance") },
  { "internal", N_("Internal") }, { NULL }
};
const MtChoice mt_ledger_kinds[] = {
  { "rent", N_("Rent") }, { "deposit_in", N_("Deposit received") },
  { "deposit_out", N_("Deposit refunded") }, { "deposit_deduct", N_("Deposit deducted") },
  { "service", N_("Service fee") }, { "overdue", N_("Overdue rent") }, { "damage", N_("Damages") },
  { "recharge", N_("Recharge") }, { "bonus", N_("Bonus") }, { "balance_pay", N_("Paid from balance") },
  { "refund", N_("Refund") }, { "repair_fee", N_("Repair fee") }, { "withdrawal", N_("Withdrawal") },
  { "split", N_("Revenue split") }, { "commission", N_("Commission") }, { NULL }
};
static const MtChoice deposit_states[] = {
  { "held", N_("Held") }, { "deducted", N_("Deducted") }, { "refunded", N_("Refunded") }, { NULL }
};
static const MtChoice refund_states[] = {
  { "requested", N_("Requested") }, { "approved", N_("Approved") }, { "refunded", N_("Refunded") },
  { "rejected", N_("Rejected") }, { NULL }
};
static const MtChoice withdrawal_states[] = {
  { "requested", N_("Requested") }, { "approved", N_("Approved") }, { "paid", N_("Paid") },
  { "rejected", N_("Rejected") }, { NULL }
};
static const MtChoice rental_reasons[] = {
  { "rent", N_("Rent") }, { "replace", N_("Replacement") }, { NULL }
};
static const MtChoice message_states[] = { { "draft", N_("Draft") }, { "sent", N_("Sent") }, { NULL } };
static const MtChoice alarm_states[] = { { "open", N_("Open") }, { "handled", N_("Handled") }, { NULL } };
static const MtChoice shapes[] = { { "polygon", N_("Polygon") }, { "circle", N_("Circle") }, { NULL } };
static const MtChoice expiry_choices[] = {
  { "none", N_("Not rented") }, { "not_due", N_("Not due") }, { "due_3", N_("Due in 3 days") },
  { "overdue", N_("Overdue") }, { NULL }
};
static const char *const device_expiry_conds[] = {
  "d.rent_expiry IS NULL",
  "d.rent_expiry >= " NOW_US " + 3 * " DAY_US,
  "d.rent_expiry >= " NOW_US " AND d.rent_expiry < " NOW_US " + 3 * " DAY_US,
  "d.rent_expiry < " NOW_US,
};
static const char *const order_expiry_conds[] = {
  "0",
  "r.state <> 'ended' AND r.expire_at >= " NOW_US " + 3 * " DAY_US,
  "r.state <> 'ended' AND r.expire_at >= " NOW_US " AND r.expire_at < " NOW_US " + 3 * " DAY_US,
  "r.state <> 'ended' AND r.expire_at < " NOW_US,
};

const MtChoice mt_alarm_types[] = {
  { "geofence", N_("Out of geofence") },
  { "vibration", N_("Vibration") },
  { "cell_ov", N_("Cell over-voltage protection") },
  { "cell_uv", N_("Cell under-voltage protection") },
  { "pack_ov", N_("Pack over-voltage protection") },
  { "pack_uv", N_("Pack under-voltage protection") },
  { "over_charge", N_("Over-charge") },
  { "over_discharge", N_("Over-discharge") },
  { "charge_oc", N_("Charge over-current") },
  { "discharge_oc", N_("Discharge over-current") },
  { "short_circuit", N_("Short circuit") },
  { "temp_high", N_("Temperature high") },
  { "temp_low", N_("Temperature low") },
  { "imbalance", N_("Cell imbalance") },
  { "low_soc", N_("Low SOC") },
  { "offline", N_("Offline too long") },
  { NULL }
};

#define COL(k, t, e, kind) { k, t, e, kind, NULL, 0 }
#define CHOICE_COL(k, t, e, c) { k, t, e, MT_COL_CHOICE, c, 0 }
#define BOOL_COL(k, t, e, c) { k, t, e, MT_COL_BOOL, c, 0 }
#define END_COLS { NULL }

/* ------------------------------------------------------------------ system */

static const MtListColumn account_cols[] = {
  COL ("username", N_("User name"), "a.username", MT_COL_TEXT),
  COL ("name", N_("Name"), "a.name", MT_COL_TEXT),
  COL ("mobile", N_("Mobile"), "a.mobile", MT_COL_TEXT),
  COL ("role", N_("Role"), "CASE WHEN r.builtin IS NULL THEN r.name ELSE tr (r.name) END", MT_COL_TEXT),
  COL ("operator", N_("Operator"), "o.name", MT_COL_TEXT),
  COL ("store", N_("Store"), "s.name", MT_COL_TEXT),
  BOOL_COL ("enabled", N_("State"), "a.enabled", enabled_choices),
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

/* ------------------------------------------------------------------ operations */

static const MtListColumn billing_cols[] = {
  COL ("region", N_("Region"), "rg.name", MT_COL_TEXT),
  COL ("type", N_("Device type"), "t.name", MT_COL_TEXT),
  COL ("rent", N_("Rent"), "b.rent_fen", MT_COL_MONEY),
  COL ("period", N_("Days per period"), "b.period_days", MT_COL_INT),
  COL ("deposit", N_("Deposit"), "b.deposit_fen", MT_COL_MONEY),
  COL ("services", N_("Services"), "(SELECT group_concat (v.name, ', ') FROM billing_services v WHERE v.rule_id = b.id AND v.deleted = 0)", MT_COL_TEXT),
  COL ("operator", N_("Operator"), "o.name", MT_COL_TEXT),
  END_COLS
};
static const MtListFilter billing_filters[] = {
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
  BOOL_COL ("enabled", N_("State"), "c.enabled", enabled_choices),
  COL ("operator", N_("Operator"), "o.name", MT_COL_TEXT),
  END_COLS
};

/* Rows of the operators above the signed-in account's: their offers reach it too */
#define OFFERED_FROM_ABOVE(col) col " IN (SELECT a.id FROM operators a JOIN accounts ac ON ac.id = $ACCOUNT " \
  "JOIN operators ao ON ao.id = ac.operator_id WHERE substr (ao.path, 1, length (a.path)) = a.path)"
#define NOW_USEC "CAST ((julianday ('now') - 2440587.5) * 86400000000.0 AS INTEGER)"

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
  BOOL_COL ("power_cut", N_("Unrented power-cut"), "d.power_cut_unrented", yes_no),
  END_COLS
};
static const MtListFilter device_filters[] = {
  { "type", N_("Device type"), "d.type_id", NULL, "device_types" },
  { "store", N_("Store"), "d.store_id", NULL, "stores" },
  { "online", N_("Online"), "coalesce (st.online, 0)", online_choices },
  { "expiry", N_("Expiry"), NULL, expiry_choices, NULL, device_expiry_conds },
  { "power_cut", N_("Unrented power-cut"), "d.power_cut_unrented", yes_no },
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

/* ------------------------------------------------------------------ finance */

static const MtListColumn order_cols[] = {
  COL ("order_no", N_("Order number"), "r.order_no", MT_COL_TEXT),
  COL ("device_no", N_("Device number"), "d.device_no", MT_COL_TEXT),
  COL ("member", N_("Member"), "m.name", MT_COL_TEXT),
  COL ("mobile", N_("Mobile"), "m.mobile", MT_COL_TEXT),
  COL ("type", N_("Device type"), "t.name", MT_COL_TEXT),
  COL ("store", N_("Store"), "s.name", MT_COL_TEXT),
  CHOICE_COL ("pay_method", N_("Payment"), "r.pay_method", mt_pay_methods),
  COL ("rent", N_("Rent"), "r.rent_fen + r.services_fen", MT_COL_MONEY),
  COL ("deposit", N_("Deposit"), "r.deposit_fen", MT_COL_MONEY),
  COL ("start", N_("Start"), "r.start_at", MT_COL_TIME),
  COL ("expire", N_("Expiry"), "r.expire_at", MT_COL_TIME),
  CHOICE_COL ("state", N_("State"), "r.state", mt_order_states),
  END_COLS
};
static const MtListFilter order_filters[] = {
  { "pay_method", N_("Payment"), "r.pay_method", mt_pay_methods },
  { "type", N_("Device type"), "r.type_id", NULL, "device_types" },
  { "store", N_("Store"), "r.store_id", NULL, "stores" },
  { "expiry", N_("Expiry"), NULL, expiry_choices, NULL, order_expiry_conds },
  { NULL }
};

static const MtListColumn rental_cols[] = {
  COL ("order_no", N_("Order number"), "r.order_no", MT_COL_TEXT),
  COL ("device_no", N_("Device number"), "d.device_no", MT_COL_TEXT),
  COL ("member", N_("Member"), "m.name", MT_COL_TEXT),
  COL ("mobile", N_("Mobile"), "m.mobile", MT_COL_TEXT),
  COL ("store", N_("Store"), "s.name", MT_COL_TEXT),
  CHOICE_COL ("reason", N_("Kind"), "x.reason", rental_reasons),
  COL ("start", N_("Start"), "x.start_at", MT_COL_TIME),
  COL ("end", N_("End"), "x.end_at", MT_COL_TIME),
  END_COLS
};

static const MtListColumn ledger_cols[] = {
  COL ("txn_no", N_("Transaction"), "l.txn_no", MT_COL_TEXT),
  COL ("at", N_("Time"), "l.at", MT_COL_TIME),
  CHOICE_COL ("kind", N_("Kind"), "l.kind", mt_ledger_kinds),
  COL ("amount", N_("Amount"), "l.amount_fen", MT_COL_MONEY),
  CHOICE_COL ("pay_method", N_("Payment"), "l.pay_method", mt_pay_methods),
  COL ("member", N_("Member"), "m.name", MT_COL_TEXT),
  COL ("store", N_("Store"), "s.name", MT_COL_TEXT),
  COL ("order_no", N_("Order number"), "r.order_no", MT_COL_TEXT),
  COL ("note", N_("Note"), "l.note", MT_COL_TEXT),
  END_COLS
};
static const MtListFilter ledger_filters[] = {
  { "kind", N_("Kind"), "l.kind", mt_ledger_kinds },
  { "pay_method", N_("Payment"), "l.pay_method", mt_pay_methods },
  { "store", N_("Store"), "l.store_id", NULL, "stores" },
  { NULL }
};

static const MtListColumn deposit_cols[] = {
  COL ("order_no", N_("Order number"), "r.order_no", MT_COL_TEXT),
  COL ("member", N_("Member"), "m.name", MT_COL_TEXT),
  COL ("mobile", N_("Mobile"), "m.mobile", MT_COL_TEXT),
  COL ("amount", N_("Deposit"), "x.amount_fen", MT_COL_MONEY),
  COL ("deducted", N_("Deducted"), "x.deducted_fen", MT_COL_MONEY),
  CHOICE_COL ("state", N_("State"), "x.state", deposit_states),
  COL ("store", N_("Store"), "s.name", MT_COL_TEXT),
  COL ("created", N_("Received"), "x.created_at", MT_COL_TIME),
  END_COLS
};

static const MtListColumn refund_cols[] = {
  COL ("member", N_("Member"), "m.name", MT_COL_TEXT),
  COL ("mobile", N_("Mobile"), "m.mobile", MT_COL_TEXT),
  COL ("amount", N_("Amount"), "x.amount_fen", MT_COL_MONEY),
  CHOICE_COL ("state", N_("State"), "x.state", refund_states),
  COL ("reason", N_("Reason"), "x.reason", MT_COL_TEXT),
  COL ("store", N_("Store"), "s.name", MT_COL_TEXT),
  COL ("created", N_("Requested"), "x.created_at", MT_COL_TIME),
  COL ("handled", N_("Handled"), "x.handled_at", MT_COL_TIME),
  END_COLS
};

static const MtListColumn withdrawal_cols[] = {
  COL ("operator", N_("Operator"), "o.name", MT_COL_TEXT),
  COL ("store", N_("Store"), "s.name", MT_COL_TEXT),
  COL ("amount", N_("Amount"), "x.amount_fen", MT_COL_MONEY),
  CHOICE_COL ("state", N_("State"), "x.state", withdrawal_states),
  COL ("payee", N_("Payee"), "x.payee", MT_COL_TEXT),
  COL ("created", N_("Requested"), "x.created_at", MT_COL_TIME),
  COL ("handled", N_("Handled"), "x.handled_at", MT_COL_TIME),
  END_COLS
};

static const MtListColumn split_cols[] = {
  COL ("txn_no", N_("Transaction"), "l.txn_no", MT_COL_TEXT),
  COL ("order_no", N_("Order number"), "r.order_no", MT_COL_TEXT),
  COL ("total", N_("Total"), "x.total_fen", MT_COL_MONEY),
  COL ("hq", N_("Headquarters"), "x.hq_fen", MT_COL_MONEY),
  COL ("operator_share", N_("Operator share"), "x.operator_fen", MT_COL_MONEY),
  COL ("store_share", N_("Store share"), "x.store_fen", MT_COL_MONEY),
  COL ("store", N_("Store"), "s.name", MT_COL_TEXT),
  COL ("at", N_("Time"), "x.at", MT_COL_TIME),
  END_COLS
};

static const MtListColumn referral_cols[] = {
  COL ("referrer", N_("Referrer"), "rm.name", MT_COL_TEXT),
  COL ("referrer_mobile", N_("Referrer mobile"), "rm.mobile", MT_COL_TEXT),
  COL ("member", N_("Member"), "m.name", MT_COL_TEXT),
  COL ("order_no", N_("Order number"), "r.order_no", MT_COL_TEXT),
  COL ("commission", N_("Commission"), "x.commission_fen", MT_COL_MONEY),
  COL ("at", N_("Time"), "x.at", MT_COL_TIME),
  END_COLS
};

/* ------------------------------------------------------------------ members */

static const MtListColumn member_cols[] = {
  COL ("name", N_("Name"), "m.name", MT_COL_TEXT),
  COL ("mobile", N_("Mobile"), "m.mobile", MT_COL_TEXT),
  COL ("id_card", N_("ID card number"), "CASE WHEN length (m.id_card) = 18 THEN substr (m.id_card, 1, 6) || '********' || substr (m.id_card, 15) ELSE '' END", MT_COL_TEXT),
  COL ("balance", N_("Balance"), "m.balance_fen", MT_COL_MONEY),
  COL ("deposits", N_("Deposits held"), "(SELECT coalesce (sum (x.amount_fen - x.deducted_fen), 0) FROM deposits x WHERE x.member_id = m.id AND x.state = 'held' AND x.deleted = 0)", MT_COL_MONEY),
  COL ("orders", N_("Orders"), "(SELECT count(*) FROM orders x WHERE x.member_id = m.id AND x.deleted = 0)", MT_COL_INT),
  COL ("store", N_("Store"), "s.name", MT_COL_TEXT),
  COL ("operator", N_("Operator"), "o.name", MT_COL_TEXT),
  COL ("created", N_("Registered"), "m.created_at", MT_COL_TIME),
  END_COLS
};
static const MtListFilter member_filters[] = {
  { "store", N_("Store"), "m.store_id", NULL, "stores" },
  { NULL }
};

static const MtListColumn recharge_cols[] = {
  COL ("member", N_("Member"), "m.name", MT_COL_TEXT),
  COL ("mobile", N_("Mobile"), "m.mobile", MT_COL_TEXT),
  COL ("amount", N_("Amount"), "x.amount_fen", MT_COL_MONEY),
  COL ("bonus", N_("Bonus"), "x.bonus_fen", MT_COL_MONEY),
  CHOICE_COL ("pay_method", N_("Payment"), "x.pay_method", mt_pay_methods),
  COL ("campaign", N_("Campaign"), "c.name", MT_COL_TEXT),
  COL ("store", N_("Store"), "s.name", MT_COL_TEXT),
  COL ("at", N_("Time"), "x.at", MT_COL_TIME),
  END_COLS
};

/* ------------------------------------------------------------------ operators and stores */

static const MtListColumn operator_cols[] = {
  COL ("name", N_("Name"), "o.name", MT_COL_TEXT),
  COL ("parent", N_("Parent operator"), "po.name", MT_COL_TEXT),
  COL ("region", N_("Region"), "coalesce ((SELECT p.name FROM regions p WHERE p.code = substr (o.region_code, 1, 2)) || ' ' || rg.name, '')", MT_COL_TEXT),
  COL ("contact", N_("Contact"), "o.contact", MT_COL_TEXT),
  COL ("phone", N_("Phone"), "o.phone", MT_COL_TEXT),
  COL ("stores", N_("Stores"), "(SELECT count(*) FROM stores x WHERE x.operator_id = o.id AND x.deleted = 0)", MT_COL_INT),
  COL ("devices", N_("Devices"), "(SELECT count(*) FROM devices x WHERE x.operator_id = o.id AND x.deleted = 0)", MT_COL_INT),
  BOOL_COL ("enabled", N_("State"), "o.enabled", enabled_choices),
  END_COLS
};

static const MtListColumn store_cols[] = {
  COL ("store_no", N_("Store number"), "s.store_no", MT_COL_TEXT),
  COL ("name", N_("Store name"), "s.name", MT_COL_TEXT),
  COL ("operator", N_("Operator"), "o.name", MT_COL_TEXT),
  COL ("manager", N_("Manager"), "s.manager", MT_COL_TEXT),
  COL ("mobile", N_("Main account"), "s.mobile", MT_COL_TEXT),
  COL ("region", N_("Region"), "(SELECT p.name FROM regions p WHERE p.code = substr (s.region_code, 1, 2)) || ' ' || (SELECT c.name FROM regions c WHERE c.code = substr (s.region_code, 1, 4)) || ' ' || rg.name", MT_COL_TEXT),
  COL ("hours", N_("Business hours"), "printf ('%02d:%02d-%02d:%02d', s.open_minute / 60, s.open_minute % 60, s.close_minute / 60, s.close_minute % 60)", MT_COL_TEXT),
  COL ("devices", N_("Devices"), "(SELECT count(*) FROM devices x WHERE x.store_id = s.id AND x.deleted = 0)", MT_COL_INT),
  BOOL_COL ("enabled", N_("State"), "s.enabled", enabled_choices),
  END_COLS
};
static const MtListFilter store_filters[] = {
  { "operator", N_("Operator"), "s.operator_id", NULL, "operators" },
  { NULL }
};

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

static const MtListColumn repair_cols[] = {
  COL ("repair_no", N_("Ticket"), "w.repair_no", MT_COL_TEXT),
  COL ("device_no", N_("Device number"), "d.device_no", MT_COL_TEXT),
  CHOICE_COL ("reporter_kind", N_("Reported by"), "w.reporter_kind", mt_reporter_kinds),
  COL ("reporter", N_("Reporter"), "w.reporter", MT_COL_TEXT),
  COL ("fault", N_("Fault"), "w.fault", MT_COL_TEXT),
  CHOICE_COL ("state", N_("State"), "w.state", mt_repair_states),
  COL ("cost", N_("Repair cost"), "w.cost_fen", MT_COL_MONEY),
  COL ("store", N_("Store"), "s.name", MT_COL_TEXT),
  COL ("created", N_("Reported"), "w.created_at", MT_COL_TIME),
  END_COLS
};
static const MtListFilter repair_filters[] = {
  { "reporter_kind", N_("Reported by"), "w.reporter_kind", mt_reporter_kinds },
  { "store", N_("Store"), "w.store_id", NULL, "stores" },
  { NULL }
};

static const MtListColumn alarm_cols[] = {
  COL ("alarm_no", N_("Alarm number"), "a.alarm_no", MT_COL_TEXT),
  COL ("device_no", N_("Device number"), "d.device_no", MT_COL_TEXT),
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
  BOOL_COL ("shown", N_("Shown to me"), "NOT EXISTS (SELECT 1 FROM alarm_hidden h WHERE h.type = k.type AND h.account_id = $ACCOUNT AND h.deleted = 0)", yes_no),
  END_COLS
};

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

/* The alarm types as rows: id is the type's place in mt_alarm_types (1-based), so that a row can
 * be chosen and hidden or shown */
#define ALARM_TYPES_FROM \
  "(SELECT 1 AS id, 0 AS version, 'geofence' AS type UNION ALL SELECT 2, 0, 'vibration' UNION ALL " \
  "SELECT 3, 0, 'cell_ov' UNION ALL SELECT 4, 0, 'cell_uv' UNION ALL SELECT 5, 0, 'pack_ov' UNION ALL " \
  "SELECT 6, 0, 'pack_uv' UNION ALL SELECT 7, 0, 'over_charge' UNION ALL SELECT 8, 0, 'over_discharge' UNION ALL " \
  "SELECT 9, 0, 'charge_oc' UNION ALL SELECT 10, 0, 'discharge_oc' UNION ALL SELECT 11, 0, 'short_circuit' UNION ALL " \
  "SELECT 12, 0, 'temp_high' UNION ALL SELECT 13, 0, 'temp_low' UNION ALL SELECT 14, 0, 'imbalance' UNION ALL " \
  "SELECT 15, 0, 'low_soc' UNION ALL SELECT 16, 0, 'offline') k"

/* Lookups are LEFT JOINs on primary keys: the rows are the same (the keys are NOT NULL and
 * enforced), and SQLite drops a LEFT JOIN whose columns a query does not use, so counting and
 * grouping touch only the base table unless a search or filter needs the lookup. */
const MtListSpec _mt_list_specs[] = {
  { "accounts", "accounts a LEFT JOIN roles r ON r.id = a.role_id LEFT JOIN operators o ON o.id = a.operator_id "
    "LEFT JOIN stores s ON s.id = a.store_id", "a.deleted = 0", "a", "a.operator_id", "a.store_id", NULL,
    account_cols, "a.username a.name a.mobile", account_filters, "a.enabled", enabled_choices, NULL,
    "a.id", "accounts" },
  { "roles", "roles r LEFT JOIN operators o ON o.id = r.operator_id", "r.deleted = 0", "r",
    "r.operator_id", NULL, "r.builtin IS NOT NULL", role_cols, "r.name r.description", NULL,
    "(r.builtin IS NOT NULL)", builtin_choices, NULL, "r.id", "roles" },
  { "settings", "settings g LEFT JOIN operators o ON o.id = g.operator_id", "g.deleted = 0", "g",
    "g.operator_id", NULL, NULL, setting_cols, "g.key g.value", NULL, NULL, NULL, NULL, "g.key", NULL },
  { "audit", "audit_log x LEFT JOIN accounts ac ON ac.id = x.account_id LEFT JOIN operators o "
    "ON o.id = x.operator_id", "1", NULL, "x.operator_id", NULL, NULL, audit_cols,
    "ac.username x.operation x.target_table x.detail", NULL, "x.result", audit_results, "x.at",
    "x.at DESC", NULL },
  { "billing", "billing_rules b LEFT JOIN regions rg ON rg.code = b.region_code LEFT JOIN device_types t "
    "ON t.id = b.type_id LEFT JOIN operators o ON o.id = b.operator_id", "b.deleted = 0", "b",
    "b.operator_id", NULL, NULL, billing_cols, "rg.name t.name", billing_filters, NULL, NULL, NULL,
    "b.region_code", "billing_rules" },
  { "device_types", "device_types t", "t.deleted = 0", "t", NULL, NULL, NULL, type_cols,
    "t.name t.description", NULL, NULL, NULL, NULL, "t.id", "device_types" },
  { "device_specs", "device_specs p LEFT JOIN device_types t ON t.id = p.type_id", "p.deleted = 0", "p",
    NULL, NULL, NULL, spec_cols, "p.name t.name", spec_filters, "p.chemistry", mt_chemistries, NULL,
    "p.id", "device_specs" },
  { "campaigns", "campaigns c LEFT JOIN operators o ON o.id = c.operator_id", "c.deleted = 0", "c",
    "c.operator_id", NULL, NULL, campaign_cols, "c.name", NULL, "c.enabled", enabled_choices,
    "c.starts_at", "c.starts_at DESC", "campaigns" },
  { "recharge_plans", "recharge_plans x LEFT JOIN campaigns c ON c.id = x.campaign_id LEFT JOIN operators o "
    "ON o.id = x.operator_id", "x.deleted = 0", "x", "x.operator_id", NULL, OFFERED_FROM_ABOVE ("x.operator_id"),
    recharge_plan_cols, "c.name o.name", NULL, NULL, NULL, NULL, "x.operator_id, x.amount_fen", "recharge_plans" },
  { "rental_cards", "rental_cards x LEFT JOIN operators o ON o.id = x.operator_id", "x.deleted = 0", "x",
    "x.operator_id", NULL, OFFERED_FROM_ABOVE ("x.operator_id"), rental_card_cols, "x.name o.name", NULL,
    "x.enabled", on_sale_choices, NULL, "x.operator_id, x.days", "rental_cards" },
  { "messages", "messages g LEFT JOIN operators o ON o.id = g.operator_id", "g.deleted = 0", "g",
    "g.operator_id", NULL, NULL, message_cols, "g.title g.body", NULL, "g.state", message_states,
    "g.created_at", "g.created_at DESC", "messages" },
  { "devices", "devices d LEFT JOIN device_types t ON t.id = d.type_id LEFT JOIN operators o ON o.id = d.operator_id "
    "LEFT JOIN stores s ON s.id = d.store_id LEFT JOIN members m ON m.id = d.member_id "
    "LEFT JOIN device_status st ON st.device_id = d.id", "d.deleted = 0", "d", "d.operator_id",
    "d.store_id", NULL, device_cols, "d.device_no d.name", device_filters, "d.state",
    mt_device_states, NULL, "d.id", "devices" },
  { "monitor", "devices d LEFT JOIN device_status st ON st.device_id = d.id LEFT JOIN stores s "
    "ON s.id = d.store_id LEFT JOIN members m ON m.id = d.member_id",
    "d.deleted = 0 AND st.lat IS NOT NULL", "d", "d.operator_id", "d.store_id", NULL, monitor_cols,
    "d.device_no", monitor_filters, "d.state", mt_device_states, NULL, "d.id", NULL },
  { "bms", "devices d LEFT JOIN device_specs p ON p.id = d.spec_id LEFT JOIN device_status st "
    "ON st.device_id = d.id", "d.deleted = 0", "d", "d.operator_id", "d.store_id", NULL, bms_cols,
    "d.device_no", NULL, "coalesce (st.online, 0)", online_choices, NULL, "d.id", NULL },
  { "tracks", "track_points tp LEFT JOIN devices d ON d.id = tp.device_id", "1", NULL, "d.operator_id",
    "d.store_id", NULL, track_cols, "d.device_no", NULL, NULL, NULL, "tp.at",
    "tp.device_id, tp.at", NULL },
  { "orders", "orders r LEFT JOIN members m ON m.id = r.member_id LEFT JOIN devices d ON d.id = r.device_id "
    "LEFT JOIN stores s ON s.id = r.store_id LEFT JOIN device_types t ON t.id = r.type_id", "r.deleted = 0", "r",
    "r.operator_id", "r.store_id", NULL, order_cols, "r.order_no r.device_id=devices(device_no) r.member_id=members(mobile,name)",
    order_filters, "r.state", mt_order_states, "r.start_at", "r.start_at DESC", NULL },
  { "rentals", "rentals x LEFT JOIN orders r ON r.id = x.order_id LEFT JOIN devices d ON d.id = x.device_id "
    "LEFT JOIN members m ON m.id = x.member_id LEFT JOIN stores s ON s.id = x.store_id", "x.deleted = 0", "x",
    "x.operator_id", "x.store_id", NULL, rental_cols, "x.order_id=orders(order_no) x.device_id=devices(device_no) x.member_id=members(mobile,name)", NULL,
    "x.reason", rental_reasons, "x.start_at", "x.start_at DESC", NULL },
  { "transactions", "ledger l LEFT JOIN members m ON m.id = l.member_id LEFT JOIN stores s "
    "ON s.id = l.store_id LEFT JOIN orders r ON r.id = l.order_id", "l.deleted = 0", "l",
    "l.operator_id", "l.store_id", NULL, ledger_cols, "l.txn_no l.order_id=orders(order_no) l.member_id=members(mobile,name)",
    ledger_filters, NULL, NULL, "l.at", "l.at DESC", NULL },
  { "deposits", "deposits x LEFT JOIN orders r ON r.id = x.order_id LEFT JOIN members m ON m.id = x.member_id "
    "LEFT JOIN stores s ON s.id = x.store_id", "x.deleted = 0", "x", "x.operator_id", "x.store_id", NULL,
    deposit_cols, "x.order_id=orders(order_no) x.member_id=members(mobile,name)", NULL, "x.state", deposit_states, "x.created_at",
    "x.created_at DESC", NULL },
  { "deposit_refunds", "deposit_refunds x LEFT JOIN members m ON m.id = x.member_id LEFT JOIN stores s "
    "ON s.id = x.store_id", "x.deleted = 0", "x", "x.operator_id", "x.store_id", NULL, refund_cols,
    "x.member_id=members(mobile,name)", NULL, "x.state", refund_states, "x.created_at", "x.created_at DESC", NULL },
  { "withdrawals", "withdrawals x LEFT JOIN operators o ON o.id = x.operator_id LEFT JOIN stores s "
    "ON s.id = x.store_id", "x.deleted = 0", "x", "x.operator_id", "x.store_id", NULL,
    withdrawal_cols, "o.name s.name x.payee", NULL, "x.state", withdrawal_states, "x.created_at",
    "x.created_at DESC", NULL },
  { "splits", "splits x LEFT JOIN ledger l ON l.id = x.ledger_id LEFT JOIN orders r ON r.id = x.order_id "
    "LEFT JOIN stores s ON s.id = x.store_id", "x.deleted = 0", "x", "x.operator_id", "x.store_id", NULL,
    split_cols, "l.txn_no r.order_no", NULL, NULL, NULL, "x.at", "x.at DESC", NULL },
  { "referrals", "referrals x LEFT JOIN members rm ON rm.id = x.referrer_id LEFT JOIN members m "
    "ON m.id = x.member_id LEFT JOIN orders r ON r.id = x.order_id", "x.deleted = 0", "x",
    "x.operator_id", "x.store_id", NULL, referral_cols, "rm.name rm.mobile m.name r.order_no", NULL,
    NULL, NULL, "x.at", "x.at DESC", NULL },
  { "members", "members m LEFT JOIN operators o ON o.id = m.operator_id LEFT JOIN stores s "
    "ON s.id = m.store_id", "m.deleted = 0", "m", "m.operator_id", "m.store_id", NULL, member_cols,
    "m.name m.mobile", member_filters, "m.enabled", enabled_choices, "m.created_at", "m.id DESC",
    "members" },
  { "recharges", "recharges x LEFT JOIN members m ON m.id = x.member_id LEFT JOIN stores s "
    "ON s.id = x.store_id LEFT JOIN campaigns c ON c.id = x.campaign_id", "x.deleted = 0", "x",
    "x.operator_id", "x.store_id", NULL, recharge_cols, "x.member_id=members(name,mobile)", NULL, "x.pay_method",
    mt_pay_methods, "x.at", "x.at DESC", NULL },
  { "operators", "operators o LEFT JOIN operators po ON po.id = o.parent_id LEFT JOIN regions rg "
    "ON rg.code = o.region_code", "o.deleted = 0", "o", "o.id", NULL, NULL, operator_cols,
    "o.name o.contact o.phone", NULL, "o.enabled", enabled_choices, NULL, "o.path", "operators" },
  { "stores", "stores s LEFT JOIN operators o ON o.id = s.operator_id LEFT JOIN regions rg "
    "ON rg.code = s.region_code", "s.deleted = 0", "s", "s.operator_id", "s.id", NULL, store_cols,
    "s.store_no s.name s.manager s.mobile s.address", store_filters, "s.enabled", enabled_choices,
    "s.created_at", "s.id", "stores" },
  { "geofences", "geofences f LEFT JOIN operators o ON o.id = f.operator_id", "f.deleted = 0", "f",
    "f.operator_id", NULL, NULL, fence_cols, "f.name", NULL, "f.shape", shapes, NULL, "f.id", "geofences" },
  { "repairs", "repairs w LEFT JOIN devices d ON d.id = w.device_id LEFT JOIN stores s ON s.id = w.store_id",
    "w.deleted = 0", "w", "w.operator_id", "w.store_id", NULL, repair_cols,
    "w.repair_no d.device_no w.reporter w.fault", repair_filters, "w.state", mt_repair_states,
    "w.created_at", "w.created_at DESC", NULL },
  { "alarms", "alarms a LEFT JOIN devices d ON d.id = a.device_id LEFT JOIN stores s ON s.id = a.store_id",
    "a.deleted = 0 AND a.type NOT IN (SELECT h.type FROM alarm_hidden h WHERE h.account_id = $ACCOUNT "
    "AND h.deleted = 0)", "a", "a.operator_id", "a.store_id", NULL, alarm_cols,
    "a.alarm_no d.device_no", alarm_filters, "a.state", alarm_states, "a.latest_at",
    "a.latest_at DESC", NULL },
  { "alarm_types", ALARM_TYPES_FROM, "1", "k", NULL, NULL, NULL, alarm_type_cols, NULL, NULL, NULL,
    NULL, NULL, "k.type", NULL },
  { "statistics", "stores s LEFT JOIN operators o ON o.id = s.operator_id", "s.deleted = 0", "s",
    "s.operator_id", "s.id", NULL, statistic_cols, "s.name o.name", NULL, NULL, NULL, NULL, "s.id", NULL },
  { NULL }
};

/* Whether @word occurs in @text as a whole SQL identifier */
static gboolean
sql_mentions (const char *text,
              const char *word)
{
  gsize len = strlen (word);

  for (const char *p = text ? strstr (text, word) : NULL; p; p = strstr (p + 1, word))
    {
      gboolean starts = p == text || !(g_ascii_isalnum (p[-1]) || p[-1] == '_' || p[-1] == '.');
      gboolean ends = !(g_ascii_isalnum (p[len]) || p[len] == '_');

      if (starts && ends)
        return TRUE;
    }
  return FALSE;
}

gboolean
mt_actor_sees_table (const MtActor *actor,
                     const char    *table)
{
  g_return_val_if_fail (actor != NULL && table != NULL, FALSE);

  for (const MtListSpec *spec = _mt_list_specs; spec->page; spec++)
    {
      const MtEntity *entity = spec->entity ? mt_entity_lookup (spec->entity) : NULL;

      if (!mt_actor_can_view (actor, spec->page))
        continue;
      if (sql_mentions (spec->from, table) || sql_mentions (spec->where, table))
        return TRUE;
      for (const MtListColumn *column = spec->columns; column && column->key; column++)
        if (sql_mentions (column->expr, table))
          return TRUE;
      for (const MtListFilter *filter = spec->filters; filter && filter->key; filter++)
        if (g_strcmp0 (filter->ref, table) == 0)
          return TRUE;
      if (entity && mt_actor_can (actor, spec->page, "edit"))
        {
          guint n_fields;
          const MtFieldSpec *fields = mt_entity_get_fields (entity, &n_fields);

          for (guint i = 0; i < n_fields; i++)
            if (g_strcmp0 (fields[i].ref, table) == 0)
              return TRUE;
        }
    }
  return FALSE;
}
