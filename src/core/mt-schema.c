/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mt-schema"

#include "config.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "mt-catalog-private.h"
#include "mt-db-private.h"
#include "mt-stats-private.h"
#include "mt-error.h"
#include "mt-validate.h"

/*
 * Numbered migrations. A released migration is never edited: a change to the schema is a new
 * migration appended at the end. Every synced table has the same sync columns (stable id,
 * row version, times, tombstone) and journal triggers, so a change and its journal row are
 * written by the same statement, in the same transaction.
 */

#define SYNC_COLUMNS \
  "id INTEGER PRIMARY KEY, " \
  "version INTEGER NOT NULL DEFAULT 1 CHECK (version > 0), " \
  "created_at INTEGER NOT NULL, " \
  "updated_at INTEGER NOT NULL, " \
  "deleted INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)), "

#define MONEY(col) col " INTEGER NOT NULL DEFAULT 0 CHECK (" col " >= 0)"

static const char migration_1[] =
  /* GB/T 2260 administrative divisions: reference data, filled from the shipped table */
  "CREATE TABLE regions ("
  "  code TEXT PRIMARY KEY CHECK (length (code) IN (2, 4, 6, 9)),"
  "  name TEXT NOT NULL,"
  "  parent_code TEXT REFERENCES regions (code),"
  "  level INTEGER NOT NULL CHECK (level BETWEEN 1 AND 3),"
  "  leaf INTEGER NOT NULL DEFAULT 1"
  ");"
  "CREATE INDEX regions_parent ON regions (parent_code);"

  "CREATE TABLE operators (" SYNC_COLUMNS
  "  parent_id INTEGER REFERENCES operators (id),"
  "  path TEXT NOT NULL,"
  "  name TEXT NOT NULL CHECK (length (name) > 0),"
  "  region_code TEXT REFERENCES regions (code),"
  "  address TEXT NOT NULL DEFAULT '',"
  "  contact TEXT NOT NULL DEFAULT '',"
  "  phone TEXT NOT NULL DEFAULT '',"
  "  id_card TEXT NOT NULL DEFAULT '',"
  "  caps INTEGER NOT NULL DEFAULT 0 CHECK (caps >= 0),"
  "  enabled INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),"
  "  " MONEY ("split_permille") ","
  "  CHECK (split_permille <= 1000)"
  ");"
  "CREATE INDEX operators_parent ON operators (parent_id);"
  "CREATE INDEX operators_path ON operators (path);"

  "CREATE TABLE roles (" SYNC_COLUMNS
  "  name TEXT NOT NULL CHECK (length (name) > 0),"
  "  builtin TEXT UNIQUE,"
  "  operator_id INTEGER REFERENCES operators (id),"
  "  description TEXT NOT NULL DEFAULT '',"
  "  permissions TEXT NOT NULL DEFAULT ''"
  ");"

  "CREATE TABLE accounts (" SYNC_COLUMNS
  "  username TEXT NOT NULL CHECK (length (username) BETWEEN 3 AND 32),"
  "  password_hash TEXT NOT NULL,"
  "  name TEXT NOT NULL DEFAULT '',"
  "  mobile TEXT NOT NULL DEFAULT '',"
  "  avatar TEXT NOT NULL DEFAULT '',"
  "  role_id INTEGER NOT NULL REFERENCES roles (id),"
  "  operator_id INTEGER NOT NULL REFERENCES operators (id),"
  "  store_id INTEGER,"
  "  enabled INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),"
  "  last_sign_in INTEGER"
  ");"
  "CREATE UNIQUE INDEX accounts_username ON accounts (username) WHERE deleted = 0;"
  "CREATE INDEX accounts_operator ON accounts (operator_id);"

  "CREATE TABLE settings (" SYNC_COLUMNS
  "  operator_id INTEGER NOT NULL REFERENCES operators (id),"
  "  key TEXT NOT NULL,"
  "  value TEXT NOT NULL"
  ");"
  "CREATE UNIQUE INDEX settings_key ON settings (operator_id, key) WHERE deleted = 0;"

  /* Not synced: the server's own record of who did what */
  "CREATE TABLE audit_log ("
  "  id INTEGER PRIMARY KEY,"
  "  at INTEGER NOT NULL,"
  "  account_id INTEGER,"
  "  operator_id INTEGER,"
  "  operation TEXT NOT NULL,"
  "  target_table TEXT NOT NULL DEFAULT '',"
  "  target_id INTEGER,"
  "  result TEXT NOT NULL DEFAULT 'ok',"
  "  detail TEXT NOT NULL DEFAULT ''"
  ");"
  "CREATE INDEX audit_log_at ON audit_log (at);"

  /* The change journal the sync feed reads; one row per changed row version */
  "CREATE TABLE change_log ("
  "  seq INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  tbl TEXT NOT NULL,"
  "  row_id INTEGER NOT NULL,"
  "  version INTEGER NOT NULL,"
  "  op TEXT NOT NULL CHECK (op IN ('insert', 'update', 'delete')),"
  "  at INTEGER NOT NULL"
  ");"
  "CREATE INDEX change_log_row ON change_log (tbl, row_id);";

static const char *const synced_1[] = { "operators", "roles", "accounts", "settings", NULL };

static const char migration_2[] =
  "CREATE TABLE stores (" SYNC_COLUMNS
  "  store_no TEXT NOT NULL CHECK (store_no GLOB 'M[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]'),"
  "  operator_id INTEGER NOT NULL REFERENCES operators (id),"
  "  name TEXT NOT NULL CHECK (length (name) > 0),"
  "  mobile TEXT NOT NULL CHECK (mobile GLOB '1[3-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]'),"
  "  password_hash TEXT NOT NULL,"
  "  manager TEXT NOT NULL CHECK (length (manager) > 0),"
  "  manager_id_card TEXT NOT NULL CHECK (length (manager_id_card) = 18),"
  "  open_minute INTEGER NOT NULL CHECK (open_minute BETWEEN 0 AND 1439),"
  "  close_minute INTEGER NOT NULL CHECK (close_minute BETWEEN 1 AND 1440),"
  "  region_code TEXT NOT NULL REFERENCES regions (code),"
  "  address TEXT NOT NULL DEFAULT '',"
  "  pay_offline INTEGER NOT NULL DEFAULT 1 CHECK (pay_offline IN (0, 1)),"
  "  pay_online INTEGER NOT NULL DEFAULT 1 CHECK (pay_online IN (0, 1)),"
  "  forced_settlement INTEGER NOT NULL DEFAULT 0 CHECK (forced_settlement IN (0, 1)),"
  "  lat REAL CHECK (lat IS NULL OR lat BETWEEN -90 AND 90),"
  "  lng REAL CHECK (lng IS NULL OR lng BETWEEN -180 AND 180),"
  "  enabled INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),"
  "  CHECK (close_minute > open_minute)"
  ");"
  "CREATE UNIQUE INDEX stores_no ON stores (store_no);"
  "CREATE INDEX stores_operator ON stores (operator_id);"

  "CREATE TABLE device_types (" SYNC_COLUMNS
  "  name TEXT NOT NULL CHECK (length (name) > 0),"
  "  description TEXT NOT NULL DEFAULT ''"
  ");"
  "CREATE UNIQUE INDEX device_types_name ON device_types (name) WHERE deleted = 0;"

  "CREATE TABLE device_specs (" SYNC_COLUMNS
  "  type_id INTEGER NOT NULL REFERENCES device_types (id),"
  "  name TEXT NOT NULL CHECK (length (name) > 0),"
  "  chemistry TEXT NOT NULL CHECK (chemistry IN ('LFP', 'NMC', 'LMO', 'LTO')),"
  "  series INTEGER NOT NULL CHECK (series BETWEEN 1 AND 32),"
  "  nominal_mv INTEGER NOT NULL CHECK (nominal_mv > 0),"
  "  capacity_mah INTEGER NOT NULL CHECK (capacity_mah > 0),"
  "  cell_ov_mv INTEGER NOT NULL CHECK (cell_ov_mv > 0),"
  "  cell_uv_mv INTEGER NOT NULL CHECK (cell_uv_mv > 0),"
  "  charge_oc_ma INTEGER NOT NULL CHECK (charge_oc_ma > 0),"
  "  discharge_oc_ma INTEGER NOT NULL CHECK (discharge_oc_ma > 0),"
  "  temp_high_dc INTEGER NOT NULL,"
  "  temp_low_dc INTEGER NOT NULL,"
  "  CHECK (cell_ov_mv > cell_uv_mv), CHECK (temp_high_dc > temp_low_dc)"
  ");"
  "CREATE UNIQUE INDEX device_specs_name ON device_specs (type_id, name) WHERE deleted = 0;"

  "CREATE TABLE members (" SYNC_COLUMNS
  "  operator_id INTEGER NOT NULL REFERENCES operators (id),"
  "  store_id INTEGER REFERENCES stores (id),"
  "  wechat_id TEXT NOT NULL DEFAULT '',"
  "  name TEXT NOT NULL DEFAULT '',"
  "  mobile TEXT NOT NULL CHECK (mobile GLOB '1[3-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]'),"
  "  id_card TEXT NOT NULL DEFAULT '' CHECK (id_card = '' OR length (id_card) = 18),"
  "  " MONEY ("balance_fen") ","
  "  referrer_id INTEGER REFERENCES members (id),"
  "  enabled INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1))"
  ");"
  "CREATE UNIQUE INDEX members_mobile ON members (operator_id, mobile) WHERE deleted = 0;"
  "CREATE INDEX members_store ON members (store_id);"

  "CREATE TABLE devices (" SYNC_COLUMNS
  "  device_no TEXT NOT NULL CHECK (length (device_no) BETWEEN 4 AND 32),"
  "  name TEXT NOT NULL DEFAULT '',"
  "  type_id INTEGER NOT NULL REFERENCES device_types (id),"
  "  spec_id INTEGER REFERENCES device_specs (id),"
  "  operator_id INTEGER NOT NULL REFERENCES operators (id),"
  "  store_id INTEGER REFERENCES stores (id),"
  "  state TEXT NOT NULL DEFAULT 'ready' CHECK (state IN ('ready', 'rented', 'repair', 'scrapped')),"
  "  member_id INTEGER REFERENCES members (id),"
  "  rent_expiry INTEGER,"
  "  power_cut_unrented INTEGER NOT NULL DEFAULT 0 CHECK (power_cut_unrented IN (0, 1)),"
  "  CHECK ((state = 'rented') = (member_id IS NOT NULL))"
  ");"
  "CREATE UNIQUE INDEX devices_no ON devices (device_no) WHERE deleted = 0;"
  "CREATE INDEX devices_operator ON devices (operator_id, state);"
  "CREATE INDEX devices_store ON devices (store_id, state);"

  /* Live state from telemetry: written at telemetry rate, so not journalled row by row */
  "CREATE TABLE device_status ("
  "  device_id INTEGER PRIMARY KEY REFERENCES devices (id),"
  "  online INTEGER NOT NULL DEFAULT 0 CHECK (online IN (0, 1)),"
  "  pack_mv INTEGER,"
  "  soc INTEGER CHECK (soc IS NULL OR soc BETWEEN 0 AND 100),"
  "  lat REAL,"
  "  lng REAL,"
  "  last_seen INTEGER"
  ");"

  "CREATE TABLE repairs (" SYNC_COLUMNS
  "  repair_no TEXT NOT NULL,"
  "  device_id INTEGER NOT NULL REFERENCES devices (id),"
  "  operator_id INTEGER NOT NULL REFERENCES operators (id),"
  "  store_id INTEGER REFERENCES stores (id),"
  "  reporter_kind TEXT NOT NULL CHECK (reporter_kind IN ('member', 'store', 'operator')),"
  "  reporter TEXT NOT NULL DEFAULT '',"
  "  fault TEXT NOT NULL CHECK (length (fault) > 0),"
  "  state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'repairing', 'done', 'scrapped')),"
  "  " MONEY ("cost_fen") ","
  "  previous_state TEXT NOT NULL DEFAULT 'ready'"
  ");"
  "CREATE UNIQUE INDEX repairs_no ON repairs (repair_no);"
  "CREATE INDEX repairs_device ON repairs (device_id);"
  "CREATE UNIQUE INDEX repairs_open ON repairs (device_id) WHERE state IN ('pending', 'repairing') AND deleted = 0;"

  "CREATE TABLE repair_steps (" SYNC_COLUMNS
  "  repair_id INTEGER NOT NULL REFERENCES repairs (id),"
  "  state TEXT NOT NULL CHECK (state IN ('pending', 'repairing', 'done', 'scrapped')),"
  "  note TEXT NOT NULL DEFAULT '',"
  "  " MONEY ("cost_fen") ","
  "  account_id INTEGER REFERENCES accounts (id),"
  "  at INTEGER NOT NULL"
  ");"
  "CREATE INDEX repair_steps_repair ON repair_steps (repair_id);"

  "CREATE TABLE messages (" SYNC_COLUMNS
  "  operator_id INTEGER NOT NULL REFERENCES operators (id),"
  "  title TEXT NOT NULL CHECK (length (title) > 0),"
  "  body TEXT NOT NULL DEFAULT '',"
  "  audience TEXT NOT NULL CHECK (audience IN ('all', 'members', 'stores')),"
  "  state TEXT NOT NULL DEFAULT 'draft' CHECK (state IN ('draft', 'sent')),"
  "  sent_at INTEGER"
  ");";

static const char *const synced_2[] = {
  "stores", "device_types", "device_specs", "members", "devices", "repairs", "repair_steps",
  "messages", NULL
};

static const char migration_3[] =
  "CREATE TABLE billing_rules (" SYNC_COLUMNS
  "  operator_id INTEGER NOT NULL REFERENCES operators (id),"
  "  region_code TEXT NOT NULL REFERENCES regions (code),"
  "  type_id INTEGER NOT NULL REFERENCES device_types (id),"
  "  rent_fen INTEGER NOT NULL CHECK (rent_fen > 0),"
  "  period_days INTEGER NOT NULL CHECK (period_days BETWEEN 1 AND 366),"
  "  " MONEY ("deposit_fen") ","
  "  contract TEXT NOT NULL DEFAULT ''"
  ");"
  "CREATE UNIQUE INDEX billing_rules_unique ON billing_rules (region_code, type_id) WHERE deleted = 0;"

  "CREATE TABLE billing_services (" SYNC_COLUMNS
  "  rule_id INTEGER NOT NULL REFERENCES billing_rules (id),"
  "  name TEXT NOT NULL CHECK (length (name) > 0),"
  "  " MONEY ("price_fen") ","
  "  per_period INTEGER NOT NULL DEFAULT 0 CHECK (per_period IN (0, 1))"
  ");"
  "CREATE TRIGGER billing_services_max BEFORE INSERT ON billing_services "
  "WHEN (SELECT count(*) FROM billing_services WHERE rule_id = NEW.rule_id AND deleted = 0) >= 3 "
  "BEGIN SELECT RAISE (ABORT, 'a billing rule has at most 3 services'); END;"

  "CREATE TABLE orders (" SYNC_COLUMNS
  "  order_no TEXT NOT NULL,"
  "  operator_id INTEGER NOT NULL REFERENCES operators (id),"
  "  store_id INTEGER NOT NULL REFERENCES stores (id),"
  "  member_id INTEGER NOT NULL REFERENCES members (id),"
  "  device_id INTEGER NOT NULL REFERENCES devices (id),"
  "  type_id INTEGER NOT NULL REFERENCES device_types (id),"
  "  rule_id INTEGER REFERENCES billing_rules (id),"
  "  state TEXT NOT NULL CHECK (state IN ('active', 'overdue', 'ended')),"
  "  pay_method TEXT NOT NULL CHECK (pay_method IN ('offline', 'online', 'balance')),"
  "  periods INTEGER NOT NULL CHECK (periods > 0),"
  "  period_days INTEGER NOT NULL CHECK (period_days > 0),"
  "  start_at INTEGER NOT NULL,"
  "  expire_at INTEGER NOT NULL,"
  "  end_at INTEGER,"
  "  " MONEY ("rent_fen") ","
  "  " MONEY ("services_fen") ","
  "  " MONEY ("deposit_fen") ","
  "  " MONEY ("overdue_fen") ","
  "  " MONEY ("damage_fen") ","
  "  " MONEY ("refund_fen") ","
  "  contract TEXT NOT NULL DEFAULT '',"
  "  referrer_id INTEGER REFERENCES members (id),"
  "  CHECK (expire_at > start_at), CHECK ((state = 'ended') = (end_at IS NOT NULL))"
  ");"
  "CREATE UNIQUE INDEX orders_no ON orders (order_no);"
  "CREATE UNIQUE INDEX orders_open_device ON orders (device_id) WHERE state <> 'ended' AND deleted = 0;"
  "CREATE INDEX orders_store ON orders (store_id, state);"
  "CREATE INDEX orders_operator ON orders (operator_id, state);"
  "CREATE INDEX orders_member ON orders (member_id);"
  "CREATE INDEX orders_start ON orders (start_at);"

  "CREATE TABLE rentals (" SYNC_COLUMNS
  "  order_id INTEGER NOT NULL REFERENCES orders (id),"
  "  device_id INTEGER NOT NULL REFERENCES devices (id),"
  "  member_id INTEGER NOT NULL REFERENCES members (id),"
  "  operator_id INTEGER NOT NULL REFERENCES operators (id),"
  "  store_id INTEGER NOT NULL REFERENCES stores (id),"
  "  reason TEXT NOT NULL CHECK (reason IN ('rent', 'replace')),"
  "  start_at INTEGER NOT NULL,"
  "  end_at INTEGER"
  ");"
  "CREATE INDEX rentals_order ON rentals (order_id);"
  "CREATE INDEX rentals_store ON rentals (store_id);"

  /* The ledger is append-only: every money movement is a row, never updated or removed */
  "CREATE TABLE ledger (" SYNC_COLUMNS
  "  txn_no TEXT NOT NULL,"
  "  at INTEGER NOT NULL,"
  "  operator_id INTEGER NOT NULL REFERENCES operators (id),"
  "  store_id INTEGER REFERENCES stores (id),"
  "  member_id INTEGER REFERENCES members (id),"
  "  order_id INTEGER REFERENCES orders (id),"
  "  kind TEXT NOT NULL CHECK (kind IN ('rent', 'deposit_in', 'deposit_out', 'deposit_deduct',"
  "    'service', 'overdue', 'damage', 'recharge', 'bonus', 'balance_pay', 'refund', 'repair_fee',"
  "    'withdrawal', 'split', 'commission')),"
  "  amount_fen INTEGER NOT NULL CHECK (amount_fen <> 0),"
  "  pay_method TEXT NOT NULL CHECK (pay_method IN ('offline', 'online', 'balance', 'internal')),"
  "  note TEXT NOT NULL DEFAULT ''"
  ");"
  "CREATE UNIQUE INDEX ledger_no ON ledger (txn_no);"
  "CREATE INDEX ledger_at ON ledger (at);"
  "CREATE INDEX ledger_store ON ledger (store_id);"
  "CREATE INDEX ledger_operator ON ledger (operator_id);"
  "CREATE INDEX ledger_order ON ledger (order_id);"
  "CREATE TRIGGER ledger_append_only BEFORE UPDATE ON ledger "
  "BEGIN SELECT RAISE (ABORT, 'the ledger is append-only'); END;"

  "CREATE TABLE deposits (" SYNC_COLUMNS
  "  order_id INTEGER NOT NULL REFERENCES orders (id),"
  "  member_id INTEGER NOT NULL REFERENCES members (id),"
  "  operator_id INTEGER NOT NULL REFERENCES operators (id),"
  "  store_id INTEGER NOT NULL REFERENCES stores (id),"
  "  " MONEY ("amount_fen") ","
  "  " MONEY ("deducted_fen") ","
  "  state TEXT NOT NULL CHECK (state IN ('held', 'deducted', 'refunded')),"
  "  CHECK (deducted_fen <= amount_fen)"
  ");"
  "CREATE UNIQUE INDEX deposits_order ON deposits (order_id);"

  "CREATE TABLE deposit_refunds (" SYNC_COLUMNS
  "  deposit_id INTEGER NOT NULL REFERENCES deposits (id),"
  "  member_id INTEGER NOT NULL REFERENCES members (id),"
  "  operator_id INTEGER NOT NULL REFERENCES operators (id),"
  "  store_id INTEGER REFERENCES stores (id),"
  "  amount_fen INTEGER NOT NULL CHECK (amount_fen > 0),"
  "  state TEXT NOT NULL CHECK (state IN ('requested', 'approved', 'refunded', 'rejected')),"
  "  reason TEXT NOT NULL DEFAULT '',"
  "  handled_by INTEGER REFERENCES accounts (id),"
  "  handled_at INTEGER"
  ");"

  "CREATE TABLE withdrawals (" SYNC_COLUMNS
  "  operator_id INTEGER NOT NULL REFERENCES operators (id),"
  "  store_id INTEGER REFERENCES stores (id),"
  "  amount_fen INTEGER NOT NULL CHECK (amount_fen > 0),"
  "  state TEXT NOT NULL CHECK (state IN ('requested', 'approved', 'paid', 'rejected')),"
  "  payee TEXT NOT NULL DEFAULT '',"
  "  handled_by INTEGER REFERENCES accounts (id),"
  "  handled_at INTEGER"
  ");"

  "CREATE TABLE split_rules (" SYNC_COLUMNS
  "  operator_id INTEGER NOT NULL REFERENCES operators (id),"
  "  store_id INTEGER REFERENCES stores (id),"
  "  hq_permille INTEGER NOT NULL CHECK (hq_permille BETWEEN 0 AND 1000),"
  "  operator_permille INTEGER NOT NULL CHECK (operator_permille BETWEEN 0 AND 1000),"
  "  store_permille INTEGER NOT NULL CHECK (store_permille BETWEEN 0 AND 1000),"
  "  CHECK (hq_permille + operator_permille + store_permille = 1000)"
  ");"

  "CREATE TABLE splits (" SYNC_COLUMNS
  "  ledger_id INTEGER NOT NULL REFERENCES ledger (id),"
  "  order_id INTEGER REFERENCES orders (id),"
  "  operator_id INTEGER NOT NULL REFERENCES operators (id),"
  "  store_id INTEGER REFERENCES stores (id),"
  "  " MONEY ("total_fen") ","
  "  " MONEY ("hq_fen") ","
  "  " MONEY ("operator_fen") ","
  "  " MONEY ("store_fen") ","
  "  at INTEGER NOT NULL,"
  "  CHECK (hq_fen + operator_fen + store_fen = total_fen)"
  ");"
  "CREATE INDEX splits_ledger ON splits (ledger_id);"

  "CREATE TABLE referrals (" SYNC_COLUMNS
  "  referrer_id INTEGER NOT NULL REFERENCES members (id),"
  "  member_id INTEGER NOT NULL REFERENCES members (id),"
  "  order_id INTEGER REFERENCES orders (id),"
  "  operator_id INTEGER NOT NULL REFERENCES operators (id),"
  "  store_id INTEGER REFERENCES stores (id),"
  "  " MONEY ("commission_fen") ","
  "  at INTEGER NOT NULL,"
  "  CHECK (referrer_id <> member_id)"
  ");"

  "CREATE TABLE campaigns (" SYNC_COLUMNS
  "  operator_id INTEGER NOT NULL REFERENCES operators (id),"
  "  name TEXT NOT NULL CHECK (length (name) > 0),"
  "  kind TEXT NOT NULL CHECK (kind IN ('recharge_bonus', 'referral', 'discount')),"
  "  starts_at INTEGER NOT NULL,"
  "  ends_at INTEGER NOT NULL,"
  "  enabled INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),"
  "  CHECK (ends_at > starts_at)"
  ");"

  "CREATE TABLE recharge_plans (" SYNC_COLUMNS
  "  operator_id INTEGER NOT NULL REFERENCES operators (id),"
  "  campaign_id INTEGER REFERENCES campaigns (id),"
  "  amount_fen INTEGER NOT NULL CHECK (amount_fen > 0),"
  "  " MONEY ("bonus_fen")
  ");"

  "CREATE TABLE recharges (" SYNC_COLUMNS
  "  member_id INTEGER NOT NULL REFERENCES members (id),"
  "  operator_id INTEGER NOT NULL REFERENCES operators (id),"
  "  store_id INTEGER REFERENCES stores (id),"
  "  amount_fen INTEGER NOT NULL CHECK (amount_fen > 0),"
  "  " MONEY ("bonus_fen") ","
  "  pay_method TEXT NOT NULL CHECK (pay_method IN ('offline', 'online')),"
  "  campaign_id INTEGER REFERENCES campaigns (id),"
  "  at INTEGER NOT NULL"
  ");"
  "CREATE INDEX recharges_member ON recharges (member_id);"

  "CREATE TABLE rental_cards (" SYNC_COLUMNS
  "  operator_id INTEGER NOT NULL REFERENCES operators (id),"
  "  name TEXT NOT NULL CHECK (length (name) > 0),"
  "  days INTEGER NOT NULL CHECK (days > 0),"
  "  price_fen INTEGER NOT NULL CHECK (price_fen > 0),"
  "  enabled INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1))"
  ");"

  "CREATE TABLE member_cards (" SYNC_COLUMNS
  "  card_id INTEGER NOT NULL REFERENCES rental_cards (id),"
  "  member_id INTEGER NOT NULL REFERENCES members (id),"
  "  operator_id INTEGER NOT NULL REFERENCES operators (id),"
  "  starts_at INTEGER NOT NULL,"
  "  ends_at INTEGER NOT NULL,"
  "  state TEXT NOT NULL CHECK (state IN ('active', 'expired', 'used')),"
  "  CHECK (ends_at > starts_at)"
  ");";

static const char *const synced_3[] = {
  "billing_rules", "billing_services", "orders", "rentals", "ledger", "deposits",
  "deposit_refunds", "withdrawals", "split_rules", "splits", "referrals", "campaigns",
  "recharge_plans", "recharges", "rental_cards", "member_cards", NULL
};

static const char migration_4[] =
  "CREATE TABLE alarms (" SYNC_COLUMNS
  "  alarm_no TEXT NOT NULL,"
  "  device_id INTEGER NOT NULL REFERENCES devices (id),"
  "  operator_id INTEGER NOT NULL REFERENCES operators (id),"
  "  store_id INTEGER REFERENCES stores (id),"
  "  type TEXT NOT NULL,"
  "  state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'handled')),"
  "  count INTEGER NOT NULL DEFAULT 1 CHECK (count > 0),"
  "  first_at INTEGER NOT NULL,"
  "  latest_at INTEGER NOT NULL,"
  "  value REAL,"
  "  handled_by INTEGER REFERENCES accounts (id),"
  "  handled_at INTEGER,"
  "  note TEXT NOT NULL DEFAULT '',"
  "  CHECK (latest_at >= first_at)"
  ");"
  "CREATE UNIQUE INDEX alarms_no ON alarms (alarm_no);"
  "CREATE UNIQUE INDEX alarms_open ON alarms (device_id, type) WHERE state = 'open' AND deleted = 0;"
  "CREATE INDEX alarms_operator ON alarms (operator_id, state);"

  "CREATE TABLE alarm_hidden (" SYNC_COLUMNS
  "  account_id INTEGER NOT NULL REFERENCES accounts (id),"
  "  type TEXT NOT NULL"
  ");"
  "CREATE UNIQUE INDEX alarm_hidden_unique ON alarm_hidden (account_id, type) WHERE deleted = 0;"

  "CREATE TABLE geofences (" SYNC_COLUMNS
  "  operator_id INTEGER NOT NULL REFERENCES operators (id),"
  "  name TEXT NOT NULL CHECK (length (name) > 0),"
  "  shape TEXT NOT NULL CHECK (shape IN ('polygon', 'circle')),"
  "  geojson TEXT NOT NULL,"
  "  alarm_on TEXT NOT NULL DEFAULT 'exit' CHECK (alarm_on IN ('exit', 'entry'))"
  ");"

  "CREATE TABLE geofence_devices (" SYNC_COLUMNS
  "  fence_id INTEGER NOT NULL REFERENCES geofences (id),"
  "  device_id INTEGER NOT NULL REFERENCES devices (id)"
  ");"
  "CREATE UNIQUE INDEX geofence_devices_unique ON geofence_devices (fence_id, device_id) WHERE deleted = 0;"

  /* Telemetry history: large, append-only, kept for a retention period; not synced */
  "CREATE TABLE track_points ("
  "  device_id INTEGER NOT NULL REFERENCES devices (id),"
  "  at INTEGER NOT NULL,"
  "  lat REAL NOT NULL CHECK (lat BETWEEN -90 AND 90),"
  "  lng REAL NOT NULL CHECK (lng BETWEEN -180 AND 180),"
  "  speed_kmh REAL,"
  "  soc INTEGER,"
  "  PRIMARY KEY (device_id, at)"
  ") WITHOUT ROWID;"

  "CREATE TABLE bms_snapshots ("
  "  device_id INTEGER NOT NULL REFERENCES devices (id),"
  "  at INTEGER NOT NULL,"
  "  soc INTEGER,"
  "  pack_mv INTEGER,"
  "  current_ma INTEGER,"
  "  payload TEXT NOT NULL,"
  "  PRIMARY KEY (device_id, at)"
  ") WITHOUT ROWID;";

static const char *const synced_4[] = {
  "alarms", "alarm_hidden", "geofences", "geofence_devices", NULL
};

/* List performance for large fleets: the columns the list pages filter and sort by */
static const char migration_5[] =
  "CREATE INDEX devices_type ON devices (type_id);"
  "CREATE INDEX devices_expiry ON devices (rent_expiry) WHERE rent_expiry IS NOT NULL;"
  "CREATE INDEX members_name ON members (name);"
  "CREATE INDEX orders_expire ON orders (expire_at);"
  "CREATE INDEX repairs_state ON repairs (operator_id, state);";

static const char *const synced_5[] = { NULL };

/* Measured on the 100,000-device / 1,000,000-order database (bench/bench-listings): a member's
 * deposits, newest-first pages of the big finance lists, state counts that read an index
 * instead of the table, and the operator's balance */
static const char migration_6[] =
  "CREATE INDEX deposits_member ON deposits (member_id, state);"
  "CREATE INDEX deposits_created ON deposits (created_at);"
  "CREATE INDEX rentals_start ON rentals (start_at);"
  "CREATE INDEX splits_at ON splits (at);"
  "CREATE INDEX splits_operator ON splits (operator_id, operator_fen);"
  "CREATE INDEX orders_state_live ON orders (state) WHERE deleted = 0;"
  "CREATE INDEX rentals_reason_live ON rentals (reason) WHERE deleted = 0;"
  "CREATE INDEX deposits_state_live ON deposits (state) WHERE deleted = 0;"
  "CREATE INDEX devices_state_live ON devices (state) WHERE deleted = 0;";

static const char *const synced_6[] = { NULL };

/* Server sessions: only a hash of each token is kept. Failed sign-ins per user name, for
 * throttling. Neither is synced. */
static const char migration_7[] =
  "CREATE TABLE sessions ("
  "  token_hash TEXT PRIMARY KEY,"
  "  account_id INTEGER NOT NULL REFERENCES accounts (id),"
  "  created_at INTEGER NOT NULL,"
  "  expires_at INTEGER NOT NULL,"
  "  last_seen INTEGER NOT NULL"
  ");"
  "CREATE INDEX sessions_account ON sessions (account_id);"
  "CREATE TABLE sign_in_failures ("
  "  username TEXT PRIMARY KEY,"
  "  failures INTEGER NOT NULL CHECK (failures > 0),"
  "  last_at INTEGER NOT NULL"
  ");";

static const char *const synced_7[] = { NULL };

/* Rental and money: what an order charges per period (renewals and overdue rent use it), the
 * services chosen, the overdue power-cut intent; the counter's permission; lookups the ledger
 * checks need */
static const char migration_8[] =
  "ALTER TABLE orders ADD COLUMN " MONEY ("period_rent_fen") ";"
  "ALTER TABLE orders ADD COLUMN " MONEY ("period_services_fen") ";"
  "ALTER TABLE orders ADD COLUMN services INTEGER NOT NULL DEFAULT 0 CHECK (services BETWEEN 0 AND 7);"
  "ALTER TABLE orders ADD COLUMN power_cut INTEGER NOT NULL DEFAULT 0 CHECK (power_cut IN (0, 1));"
  "CREATE INDEX ledger_member ON ledger (member_id);"
  "CREATE INDEX deposits_order_state ON deposits (state, order_id);"
  "CREATE INDEX deposit_refunds_deposit ON deposit_refunds (deposit_id, state);"
  "CREATE INDEX withdrawals_owner ON withdrawals (operator_id, store_id, state);"
  "CREATE INDEX splits_store ON splits (store_id, store_fen);"
  "CREATE INDEX billing_rules_match ON billing_rules (type_id, region_code) WHERE deleted = 0;"
  "UPDATE roles SET permissions = permissions || ' orders:rent', version = version + 1 "
  "WHERE builtin IN ('operator_admin', 'store_manager') AND ' ' || permissions || ' ' NOT LIKE '% orders:rent %';";

static const char *const synced_8[] = { NULL };

/* Searches find a member's or device's rows through these instead of joining every row */
static const char migration_9[] =
  "CREATE INDEX orders_device ON orders (device_id);"
  "CREATE INDEX rentals_member ON rentals (member_id);"
  "CREATE INDEX rentals_device ON rentals (device_id);"
  "CREATE INDEX deposit_refunds_member ON deposit_refunds (member_id);";

static const char *const synced_9[] = { NULL };

/* The statistics page sums each store's ledger by kind: read from the index alone */
static const char migration_10[] =
  "CREATE INDEX ledger_store_kind ON ledger (store_id, kind, order_id, amount_fen);";

static const char *const synced_10[] = { NULL };

/* Recharge denominations and rental cards get pages of their own: the built-in roles that sell
 * them manage them (operator admins) or read them (finance). The statistics page counts and
 * sums each store's rows from covering indexes of the live rows, never from the tables. */
static const char migration_11[] =
  "UPDATE roles SET permissions = permissions || ' recharge_plans:view recharge_plans:edit recharge_plans:delete "
  "rental_cards:view rental_cards:edit rental_cards:delete', version = version + 1 "
  "WHERE builtin = 'operator_admin' AND ' ' || permissions || ' ' NOT LIKE '% recharge_plans:view %';"
  "UPDATE roles SET permissions = permissions || ' recharge_plans:view rental_cards:view', version = version + 1 "
  "WHERE builtin = 'finance' AND ' ' || permissions || ' ' NOT LIKE '% recharge_plans:view %';"
  "CREATE INDEX member_cards_card ON member_cards (card_id);"
  "CREATE INDEX orders_store_live ON orders (store_id) WHERE deleted = 0;"
  "CREATE INDEX devices_store_live ON devices (store_id, state) WHERE deleted = 0;"
  "CREATE INDEX deposits_store_held ON deposits (store_id, state, amount_fen) WHERE deleted = 0;"
  "CREATE INDEX recharges_store ON recharges (store_id, amount_fen) WHERE deleted = 0;";

static const char *const synced_11[] = { NULL };

/* Live telemetry: the latest message of each device in full (the BMS page opens on it), the
 * relay the power policy compares, and the silence sweep's index */
static const char migration_12[] =
  "ALTER TABLE device_status ADD COLUMN current_ma INTEGER;"
  "ALTER TABLE device_status ADD COLUMN discharge_on INTEGER CHECK (discharge_on IS NULL OR discharge_on IN (0, 1));"
  "ALTER TABLE device_status ADD COLUMN seq INTEGER;"
  "ALTER TABLE device_status ADD COLUMN payload TEXT;"
  "CREATE INDEX device_status_seen ON device_status (online, last_seen);"
  "CREATE INDEX bms_snapshots_at ON bms_snapshots (at);"
  "CREATE INDEX track_points_at ON track_points (at);";

static const char *const synced_12[] = { NULL };

/* Every telemetry message moved its device in this index: two page writes a message for a
 * sweep that reads 100,000 small rows in milliseconds anyway */
static const char migration_13[] =
  "DROP INDEX device_status_seen;";

static const char *const synced_13[] = { NULL };

/* The same for the history's time indexes: the sweep prunes device by device instead */
static const char migration_14[] =
  "DROP INDEX track_points_at;"
  "DROP INDEX bms_snapshots_at;";

static const char *const synced_14[] = { NULL };

/* The money rule in the schema: an amount is an integer within its bound, whatever writes it */
#define AMOUNT(t, c) { t, c, 0, MT_MONEY_MAX_FEN }
const MtMoneyColumn mt_money_columns[] = {
  { "members", "balance_fen", 0, MT_MONEY_MAX_BALANCE_FEN },
  AMOUNT ("repairs", "cost_fen"),
  AMOUNT ("repair_steps", "cost_fen"),
  AMOUNT ("billing_rules", "rent_fen"),
  AMOUNT ("billing_rules", "deposit_fen"),
  AMOUNT ("billing_services", "price_fen"),
  AMOUNT ("orders", "rent_fen"),
  AMOUNT ("orders", "services_fen"),
  AMOUNT ("orders", "deposit_fen"),
  AMOUNT ("orders", "overdue_fen"),
  AMOUNT ("orders", "damage_fen"),
  AMOUNT ("orders", "refund_fen"),
  AMOUNT ("orders", "period_rent_fen"),
  AMOUNT ("orders", "period_services_fen"),
  { "ledger", "amount_fen", -MT_MONEY_MAX_FEN, MT_MONEY_MAX_FEN },
  AMOUNT ("deposits", "amount_fen"),
  AMOUNT ("deposits", "deducted_fen"),
  AMOUNT ("deposit_refunds", "amount_fen"),
  AMOUNT ("withdrawals", "amount_fen"),
  /* a refund's split takes the shares back: since migration 17 a split may be negative */
  { "splits", "total_fen", -MT_MONEY_MAX_FEN, MT_MONEY_MAX_FEN, 17 },
  { "splits", "hq_fen", -MT_MONEY_MAX_FEN, MT_MONEY_MAX_FEN, 17 },
  { "splits", "operator_fen", -MT_MONEY_MAX_FEN, MT_MONEY_MAX_FEN, 17 },
  { "splits", "store_fen", -MT_MONEY_MAX_FEN, MT_MONEY_MAX_FEN, 17 },
  AMOUNT ("referrals", "commission_fen"),
  AMOUNT ("recharge_plans", "amount_fen"),
  AMOUNT ("recharge_plans", "bonus_fen"),
  AMOUNT ("recharges", "amount_fen"),
  AMOUNT ("recharges", "bonus_fen"),
  AMOUNT ("rental_cards", "price_fen"),
  { "member_cards", "price_fen", 0, MT_MONEY_MAX_FEN, 17 },
  { "member_cards", "refunded_fen", 0, MT_MONEY_MAX_FEN, 17 },
};
#undef AMOUNT
const guint mt_n_money_columns = G_N_ELEMENTS (mt_money_columns);

/* Migration 15's triggers: an amount that is not an integer or out of its bound aborts the
 * statement, on insert and on update of the column */
static gboolean
money_triggers_since (MtDb    *db,
                      int      since,
                      GError **error)
{
  for (guint i = 0; i < mt_n_money_columns; i++)
    {
      const MtMoneyColumn *m = &mt_money_columns[i];

      if (MAX (m->since, 15) != since)
        continue;
      g_autofree char *when = g_strdup_printf ("typeof (NEW.%1$s) <> 'integer' OR NEW.%1$s NOT BETWEEN %2$"
                                               G_GINT64_FORMAT " AND %3$" G_GINT64_FORMAT,
                                               m->column, m->min, m->max);
      g_autofree char *sql = g_strdup_printf (
        "DROP TRIGGER IF EXISTS %1$s_%2$s_money_insert;"
        "DROP TRIGGER IF EXISTS %1$s_%2$s_money_update;"
        "CREATE TRIGGER %1$s_%2$s_money_insert BEFORE INSERT ON %1$s WHEN %3$s "
        "BEGIN SELECT RAISE (ABORT, '" MT_MONEY_TRIGGER_MESSAGE " %1$s.%2$s'); END;"
        "CREATE TRIGGER %1$s_%2$s_money_update BEFORE UPDATE OF %2$s ON %1$s WHEN %3$s "
        "BEGIN SELECT RAISE (ABORT, '" MT_MONEY_TRIGGER_MESSAGE " %1$s.%2$s'); END;",
        m->table, m->column, when);

      if (!mt_db_exec (db, sql, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
money_triggers (MtDb    *db,
                GError **error)
{
  return money_triggers_since (db, 15, error);
}

static const char migration_15[] = "";
static const char *const synced_15[] = { NULL };

/* Devices' broker credentials: only the hash mosquitto checks, never synced to replicas */
static const char migration_16[] =
  "CREATE TABLE device_credentials ("
  "  device_id INTEGER PRIMARY KEY REFERENCES devices (id),"
  "  broker_hash TEXT NOT NULL CHECK (broker_hash LIKE '$7$%'),"
  "  issued_at INTEGER NOT NULL,"
  "  account_id INTEGER"
  ");";
static const char *const synced_16[] = { NULL };

/* A rental card sold remembers what was paid, how, at which store, and what was refunded: its
 * page lists the sales and a refund returns the unused whole days the way they were paid.
 * Cards sold before keep the card's present price and their member's store; without the
 * payment method they cannot be refunded here. */
static const char migration_17[] =
  "ALTER TABLE member_cards ADD COLUMN price_fen INTEGER NOT NULL DEFAULT 0;"
  "ALTER TABLE member_cards ADD COLUMN pay_method TEXT NOT NULL DEFAULT '' "
  "  CHECK (pay_method IN ('', 'offline', 'online', 'balance'));"
  "ALTER TABLE member_cards ADD COLUMN store_id INTEGER REFERENCES stores (id);"
  "ALTER TABLE member_cards ADD COLUMN refunded_fen INTEGER NOT NULL DEFAULT 0;"
  "ALTER TABLE member_cards ADD COLUMN refunded_at INTEGER;"
  "UPDATE member_cards SET price_fen = coalesce ((SELECT c.price_fen FROM rental_cards c WHERE c.id = card_id), 0), "
  "  store_id = (SELECT m.store_id FROM members m WHERE m.id = member_id);"
  "CREATE INDEX member_cards_member ON member_cards (member_id, state);"
  /* a refund's split takes the shares back, so a split may be negative: the table is made
   * again without its columns' ">= 0" (its journal and money triggers follow) */
  "CREATE TABLE splits_17 (" SYNC_COLUMNS
  "  ledger_id INTEGER NOT NULL REFERENCES ledger (id),"
  "  order_id INTEGER REFERENCES orders (id),"
  "  operator_id INTEGER NOT NULL REFERENCES operators (id),"
  "  store_id INTEGER REFERENCES stores (id),"
  "  total_fen INTEGER NOT NULL DEFAULT 0,"
  "  hq_fen INTEGER NOT NULL DEFAULT 0,"
  "  operator_fen INTEGER NOT NULL DEFAULT 0,"
  "  store_fen INTEGER NOT NULL DEFAULT 0,"
  "  at INTEGER NOT NULL,"
  "  CHECK (hq_fen + operator_fen + store_fen = total_fen)"
  ");"
  "INSERT INTO splits_17 SELECT * FROM splits;"
  "DROP TABLE splits;"
  "ALTER TABLE splits_17 RENAME TO splits;"
  "CREATE INDEX splits_ledger ON splits (ledger_id);"
  "CREATE INDEX splits_at ON splits (at);"
  "CREATE INDEX splits_operator ON splits (operator_id, operator_fen);"
  "CREATE INDEX splits_store ON splits (store_id, store_fen);";

static const char *const synced_17[] = { "splits", NULL };

static gboolean
migration_17_after (MtDb    *db,
                    GError **error)
{
  return money_triggers_since (db, 17, error) && _mt_catalog_grant_builtin_roles (db, "member_cards", error);
}

/* Statistics kept by day (mt-stats.c): a repair's closing time, then the aggregates summed from
 * the rows there are */
static const char migration_18[] =
  "ALTER TABLE repairs ADD COLUMN closed_at INTEGER;"
  "UPDATE repairs SET closed_at = coalesce ((SELECT max (st.at) FROM repair_steps st WHERE st.repair_id = repairs.id "
  "  AND st.state = repairs.state), updated_at) WHERE state IN ('done', 'scrapped');";

static const char *const synced_18[] = { NULL };

/* The statistics views' permissions, as the built-in roles have them */
static const char migration_19[] = "";
static const char *const synced_19[] = { NULL };

static gboolean
migration_19_after (MtDb    *db,
                    GError **error)
{
  return _mt_catalog_grant_builtin_roles (db, "statistics", error);
}

/* 主页, every role's first page */
static const char migration_20[] = "";
static const char *const synced_20[] = { NULL };

static gboolean
migration_20_after (MtDb    *db,
                    GError **error)
{
  return _mt_catalog_grant_builtin_roles (db, "home", error);
}

/* Who rented in each month, for the members' retention (mt-stats.c) */
static const char migration_21[] = "";
static const char *const synced_21[] = { NULL };

/* The devices page's remote power cut, as the built-in roles have it; members found by the
 * beginning of their mobile from the header's search, whatever their operator */
static const char migration_22[] =
  "CREATE INDEX members_mobile_prefix ON members (mobile) WHERE deleted = 0;";
static const char *const synced_22[] = { NULL };

static gboolean
migration_22_after (MtDb    *db,
                    GError **error)
{
  return _mt_catalog_grant_builtin_roles (db, "devices", error);
}

/* A member's balance withdrawal at the counter, as the built-in roles have it */
static const char migration_23[] = "";
static const char *const synced_23[] = { NULL };

static gboolean
migration_23_after (MtDb    *db,
                    GError **error)
{
  return _mt_catalog_grant_builtin_roles (db, "members", error);
}

/* Issue 19: the balance the header shows, kept with its rows instead of summed at each look. Per
 * operator what its splits brought and what it withdrew; row 0 holds headquarters' share of every
 * split. Triggers keep it in the same transaction as the rows; mt_ledger_reconcile() proves it. */
#define SPLIT_LIVE(r) "CASE WHEN " r ".deleted = 0 THEN "
#define WITHDRAWN(r) "CASE WHEN " r ".deleted = 0 AND " r ".store_id IS NULL AND " r ".state IN ('approved', 'paid') " \
                     "THEN " r ".amount_fen ELSE 0 END"
/* the balances of the rows there are */
#define OPERATOR_BALANCES_FILL \
  "INSERT INTO operator_balances (operator_id, split_fen) " \
  "  SELECT operator_id, sum (operator_fen) FROM splits WHERE deleted = 0 GROUP BY operator_id " \
  "  UNION ALL SELECT 0, coalesce (sum (hq_fen), 0) FROM splits WHERE deleted = 0 " \
  "  ON CONFLICT (operator_id) DO UPDATE SET split_fen = split_fen + excluded.split_fen;" \
  "INSERT INTO operator_balances (operator_id, withdrawn_fen) " \
  "  SELECT operator_id, sum (amount_fen) FROM withdrawals w WHERE " WITHDRAWN ("w") " > 0 GROUP BY operator_id " \
  "  ON CONFLICT (operator_id) DO UPDATE SET withdrawn_fen = withdrawn_fen + excluded.withdrawn_fen;"
static const char migration_24[] =
  "CREATE TABLE operator_balances ("
  "  operator_id INTEGER PRIMARY KEY,"
  "  split_fen INTEGER NOT NULL DEFAULT 0,"
  "  withdrawn_fen INTEGER NOT NULL DEFAULT 0"
  ");"
  "CREATE TRIGGER splits_balance_insert AFTER INSERT ON splits BEGIN "
  "  INSERT INTO operator_balances (operator_id, split_fen) VALUES (NEW.operator_id, " SPLIT_LIVE ("NEW") "NEW.operator_fen ELSE 0 END), "
  "    (0, " SPLIT_LIVE ("NEW") "NEW.hq_fen ELSE 0 END) "
  "    ON CONFLICT (operator_id) DO UPDATE SET split_fen = split_fen + excluded.split_fen; "
  "END;"
  "CREATE TRIGGER splits_balance_update AFTER UPDATE ON splits BEGIN "
  "  INSERT INTO operator_balances (operator_id, split_fen) VALUES "
  "    (OLD.operator_id, -(" SPLIT_LIVE ("OLD") "OLD.operator_fen ELSE 0 END)), "
  "    (0, -(" SPLIT_LIVE ("OLD") "OLD.hq_fen ELSE 0 END)) "
  "    ON CONFLICT (operator_id) DO UPDATE SET split_fen = split_fen + excluded.split_fen; "
  "  INSERT INTO operator_balances (operator_id, split_fen) VALUES (NEW.operator_id, " SPLIT_LIVE ("NEW") "NEW.operator_fen ELSE 0 END), "
  "    (0, " SPLIT_LIVE ("NEW") "NEW.hq_fen ELSE 0 END) "
  "    ON CONFLICT (operator_id) DO UPDATE SET split_fen = split_fen + excluded.split_fen; "
  "END;"
  "CREATE TRIGGER splits_balance_delete AFTER DELETE ON splits BEGIN "
  "  INSERT INTO operator_balances (operator_id, split_fen) VALUES "
  "    (OLD.operator_id, -(" SPLIT_LIVE ("OLD") "OLD.operator_fen ELSE 0 END)), "
  "    (0, -(" SPLIT_LIVE ("OLD") "OLD.hq_fen ELSE 0 END)) "
  "    ON CONFLICT (operator_id) DO UPDATE SET split_fen = split_fen + excluded.split_fen; "
  "END;"
  "CREATE TRIGGER withdrawals_balance_insert AFTER INSERT ON withdrawals BEGIN "
  "  INSERT INTO operator_balances (operator_id, withdrawn_fen) VALUES (NEW.operator_id, " WITHDRAWN ("NEW") ") "
  "    ON CONFLICT (operator_id) DO UPDATE SET withdrawn_fen = withdrawn_fen + excluded.withdrawn_fen; "
  "END;"
  "CREATE TRIGGER withdrawals_balance_update AFTER UPDATE ON withdrawals BEGIN "
  "  INSERT INTO operator_balances (operator_id, withdrawn_fen) VALUES (OLD.operator_id, -(" WITHDRAWN ("OLD") ")) "
  "    ON CONFLICT (operator_id) DO UPDATE SET withdrawn_fen = withdrawn_fen + excluded.withdrawn_fen; "
  "  INSERT INTO operator_balances (operator_id, withdrawn_fen) VALUES (NEW.operator_id, " WITHDRAWN ("NEW") ") "
  "    ON CONFLICT (operator_id) DO UPDATE SET withdrawn_fen = withdrawn_fen + excluded.withdrawn_fen; "
  "END;"
  "CREATE TRIGGER withdrawals_balance_delete AFTER DELETE ON withdrawals BEGIN "
  "  INSERT INTO operator_balances (operator_id, withdrawn_fen) VALUES (OLD.operator_id, -(" WITHDRAWN ("OLD") ")) "
  "    ON CONFLICT (operator_id) DO UPDATE SET withdrawn_fen = withdrawn_fen + excluded.withdrawn_fen; "
  "END;"
  /* what there is already */
  OPERATOR_BALANCES_FILL;
static const char *const synced_24[] = { NULL };

/* What the triggers keep — balances, list counts, statistics — worked out again from the rows,
 * after rows were written in bulk with the triggers away (the demo) */
gboolean
_mt_schema_rebuild_kept (MtDb    *db,
                         GError **error)
{
  if (!mt_db_exec (db, "DELETE FROM operator_balances; " OPERATOR_BALANCES_FILL " DELETE FROM list_counts;", error))
    return FALSE;
  for (const MtKeptList *list = mt_kept_lists; list->table; list++)
    {
      g_autofree char *fill = _mt_schema_kept_fill_sql (list);

      if (!mt_db_exec (db, fill, error))
        return FALSE;
    }
  {
    g_autofree char *fill = g_strdup_printf ("INSERT INTO list_counts %s", mt_bms_counts_select);

    if (!mt_db_exec (db, fill, error))
      return FALSE;
  }
  return _mt_stats_rebuild (db, error);
}
#undef SPLIT_LIVE
#undef WITHDRAWN

/* Issue 19: the rows of the big lists counted per owner and state, kept with the rows by
 * triggers in the same transaction, so that a list's first look reads a few hundred numbers instead
 * of counting millions of rows. A row counts while it is not deleted, as the lists show them;
 * mt_listing_counts_check() proves the counts against the rows. */
static const char migration_25[] =
  "CREATE TABLE list_counts ("
  "  tbl TEXT NOT NULL,"
  "  operator_id INTEGER NOT NULL,"   /* 0: none */
  "  store_id INTEGER NOT NULL,"      /* 0: none */
  "  state TEXT NOT NULL,"            /* '' for a list without states */
  "  n INTEGER NOT NULL,"
  "  PRIMARY KEY (tbl, operator_id, store_id, state)"
  ") WITHOUT ROWID;"
  /* the revenue split list searched by order number reads the order's splits by index */
  "CREATE INDEX splits_order ON splits (order_id);";
static const char *const synced_25[] = { NULL };

const MtKeptList mt_kept_lists[] = {
  { "devices", "state" },
  { "members", "enabled" },
  { "orders", "state" },
  { "rentals", "reason" },
  { "deposits", "state" },
  { "ledger", NULL },
  { "splits", NULL },
  { NULL }
};

/* The key of a row of @table in list_counts, over the row @r (NEW or OLD) */
static char *
kept_key (const MtKeptList *list,
          const char       *r)
{
  g_autofree char *state = list->state ? g_strdup_printf ("coalesce (CAST (%s.%s AS TEXT), '')", r, list->state)
                                       : g_strdup ("''");

  return g_strdup_printf ("'%s', coalesce (%s.operator_id, 0), coalesce (%s.store_id, 0), %s", list->table, r, r,
                          state);
}

char *
_mt_schema_kept_fill_sql (const MtKeptList *list)
{
  g_autofree char *key = list->state ? g_strdup_printf ("coalesce (CAST (%s AS TEXT), '')", list->state)
                                     : g_strdup ("''");

  return g_strdup_printf ("INSERT INTO list_counts SELECT '%1$s', coalesce (operator_id, 0), coalesce (store_id, 0), "
                          "%2$s, count (*) FROM %1$s WHERE deleted = 0 GROUP BY 2, 3, 4;", list->table, key);
}

char *
_mt_schema_kept_counts_sql (const MtKeptList *list)
{
  g_autofree char *new_key = kept_key (list, "NEW");
  g_autofree char *old_key = kept_key (list, "OLD");
  g_autofree char *changed = list->state
    ? g_strdup_printf (" OR OLD.%s IS NOT NEW.%s", list->state, list->state) : g_strdup ("");
  g_autofree char *fill = _mt_schema_kept_fill_sql (list);
  const char *t = list->table;

  return g_strdup_printf (
    "CREATE TRIGGER %1$s_count_insert AFTER INSERT ON %1$s WHEN NEW.deleted = 0 BEGIN "
    "  INSERT INTO list_counts VALUES (%2$s, 1) ON CONFLICT DO UPDATE SET n = n + 1; "
    "END;"
    "CREATE TRIGGER %1$s_count_update AFTER UPDATE ON %1$s WHEN OLD.deleted IS NOT NEW.deleted "
    "  OR OLD.operator_id IS NOT NEW.operator_id OR OLD.store_id IS NOT NEW.store_id%4$s BEGIN "
    "  INSERT INTO list_counts SELECT %3$s, -1 WHERE OLD.deleted = 0 ON CONFLICT DO UPDATE SET n = n - 1; "
    "  INSERT INTO list_counts SELECT %2$s, 1 WHERE NEW.deleted = 0 ON CONFLICT DO UPDATE SET n = n + 1; "
    "END;"
    "CREATE TRIGGER %1$s_count_delete AFTER DELETE ON %1$s WHEN OLD.deleted = 0 BEGIN "
    "  INSERT INTO list_counts VALUES (%3$s, -1) ON CONFLICT DO UPDATE SET n = n - 1; "
    "END;"
    "%5$s",
    t, new_key, old_key, changed, fill);
}

/* The BMS list: the devices counted by whether their status says online (no status: offline),
 * kept by the devices' triggers and by their status's, whose online flag telemetry changes */
#define BMS_ONLINE(d) "coalesce ((SELECT CAST (online AS TEXT) FROM device_status WHERE device_id = " d ".id), '0')"
#define BMS_KEY(d, online) "'bms', coalesce (" d ".operator_id, 0), coalesce (" d ".store_id, 0), " online
static const char bms_counts[] =
  "CREATE TRIGGER devices_bms_insert AFTER INSERT ON devices WHEN NEW.deleted = 0 BEGIN "
  "  INSERT INTO list_counts VALUES (" BMS_KEY ("NEW", BMS_ONLINE ("NEW")) ", 1) ON CONFLICT DO UPDATE SET n = n + 1; "
  "END;"
  "CREATE TRIGGER devices_bms_update AFTER UPDATE ON devices WHEN OLD.deleted IS NOT NEW.deleted "
  "  OR OLD.operator_id IS NOT NEW.operator_id OR OLD.store_id IS NOT NEW.store_id BEGIN "
  "  INSERT INTO list_counts SELECT " BMS_KEY ("OLD", BMS_ONLINE ("OLD")) ", -1 WHERE OLD.deleted = 0 "
  "    ON CONFLICT DO UPDATE SET n = n - 1; "
  "  INSERT INTO list_counts SELECT " BMS_KEY ("NEW", BMS_ONLINE ("NEW")) ", 1 WHERE NEW.deleted = 0 "
  "    ON CONFLICT DO UPDATE SET n = n + 1; "
  "END;"
  "CREATE TRIGGER devices_bms_delete AFTER DELETE ON devices WHEN OLD.deleted = 0 BEGIN "
  "  INSERT INTO list_counts VALUES (" BMS_KEY ("OLD", BMS_ONLINE ("OLD")) ", -1) ON CONFLICT DO UPDATE SET n = n - 1; "
  "END;"
  /* a status row moves its device from what it counted as before (offline without one) */
  "CREATE TRIGGER device_status_bms_insert AFTER INSERT ON device_status BEGIN "
  "  INSERT INTO list_counts SELECT " BMS_KEY ("d", "'0'") ", -1 FROM devices d WHERE d.id = NEW.device_id "
  "    AND d.deleted = 0 ON CONFLICT DO UPDATE SET n = n - 1; "
  "  INSERT INTO list_counts SELECT " BMS_KEY ("d", "coalesce (CAST (NEW.online AS TEXT), '0')") ", 1 FROM devices d "
  "    WHERE d.id = NEW.device_id AND d.deleted = 0 ON CONFLICT DO UPDATE SET n = n + 1; "
  "END;"
  "CREATE TRIGGER device_status_bms_update AFTER UPDATE OF online, device_id ON device_status "
  "  WHEN OLD.online IS NOT NEW.online OR OLD.device_id IS NOT NEW.device_id BEGIN "
  "  INSERT INTO list_counts SELECT " BMS_KEY ("d", "coalesce (CAST (OLD.online AS TEXT), '0')") ", -1 FROM devices d "
  "    WHERE d.id = OLD.device_id AND d.deleted = 0 ON CONFLICT DO UPDATE SET n = n - 1; "
  "  INSERT INTO list_counts SELECT " BMS_KEY ("d", "'0'") ", 1 FROM devices d WHERE d.id = OLD.device_id "
  "    AND d.deleted = 0 ON CONFLICT DO UPDATE SET n = n + 1; "
  "  INSERT INTO list_counts SELECT " BMS_KEY ("d", "'0'") ", -1 FROM devices d WHERE d.id = NEW.device_id "
  "    AND d.deleted = 0 ON CONFLICT DO UPDATE SET n = n - 1; "
  "  INSERT INTO list_counts SELECT " BMS_KEY ("d", "coalesce (CAST (NEW.online AS TEXT), '0')") ", 1 FROM devices d "
  "    WHERE d.id = NEW.device_id AND d.deleted = 0 ON CONFLICT DO UPDATE SET n = n + 1; "
  "END;"
  "CREATE TRIGGER device_status_bms_delete AFTER DELETE ON device_status BEGIN "
  "  INSERT INTO list_counts SELECT " BMS_KEY ("d", "coalesce (CAST (OLD.online AS TEXT), '0')") ", -1 FROM devices d "
  "    WHERE d.id = OLD.device_id AND d.deleted = 0 ON CONFLICT DO UPDATE SET n = n - 1; "
  "  INSERT INTO list_counts SELECT " BMS_KEY ("d", "'0'") ", 1 FROM devices d WHERE d.id = OLD.device_id "
  "    AND d.deleted = 0 ON CONFLICT DO UPDATE SET n = n + 1; "
  "END;";

const char mt_bms_counts_select[] =
  "SELECT 'bms', coalesce (d.operator_id, 0), coalesce (d.store_id, 0), coalesce (CAST (st.online AS TEXT), '0'), "
  "count (*) FROM devices d LEFT JOIN device_status st ON st.device_id = d.id WHERE d.deleted = 0 GROUP BY 2, 3, 4";

static gboolean
migration_25_after (MtDb    *db,
                    GError **error)
{
  g_autofree char *fill = g_strdup_printf ("INSERT INTO list_counts %s", mt_bms_counts_select);

  for (const MtKeptList *list = mt_kept_lists; list->table; list++)
    {
      g_autofree char *sql = _mt_schema_kept_counts_sql (list);

      if (!mt_db_exec (db, sql, error))
        return FALSE;
    }
  return mt_db_exec (db, bms_counts, error) && mt_db_exec (db, fill, error);
}

/* The big lists' orders over their live rows alone (MtListSpec.live_index): the order's column,
 * the row's id that ends it, then the columns the list's search looks at. A page deep in a list
 * (its rows' ids counted off first) is read from the index without a row of the table; a search
 * with too many matches for its own indexes scans the index in the list's order, reading a table
 * row only for a match. Only those reads name the index, and state "id > 0" (true of every row)
 * as it requires: without statistics SQLite would otherwise take a partial index of the live
 * rows for any query of them, and read the whole table through it in the index's order (the
 * ledger's per-store counts took twice as long) */
static const char migration_26[] =
  "CREATE INDEX orders_start_live ON orders (start_at, id, state, order_no, device_id, member_id) "
  "  WHERE deleted = 0 AND id > 0;"
  "CREATE INDEX rentals_start_live ON rentals (start_at, id, reason, order_id, device_id, member_id) "
  "  WHERE deleted = 0 AND id > 0;"
  "CREATE INDEX ledger_at_live ON ledger (at, id, txn_no, order_id, member_id) WHERE deleted = 0 AND id > 0;"
  "CREATE INDEX deposits_created_live ON deposits (created_at, id, state, order_id, member_id) "
  "  WHERE deleted = 0 AND id > 0;"
  "CREATE INDEX splits_at_live ON splits (at, id, ledger_id, order_id) WHERE deleted = 0 AND id > 0;";
static const char *const synced_26[] = { NULL };

/* A search of the rentals or deposits by member, device or order counts the matching rows by
 * these indexes alone, without reading each row for its tombstone and state (rentals matching
 * "139": 12,000 rows counted in 3 ms instead of 18) */
static const char migration_27[] =
  "DROP INDEX rentals_device;"
  "CREATE INDEX rentals_device ON rentals (device_id, deleted, reason);"
  "DROP INDEX rentals_member;"
  "CREATE INDEX rentals_member ON rentals (member_id, deleted, reason);"
  "DROP INDEX rentals_order;"
  "CREATE INDEX rentals_order ON rentals (order_id, deleted, reason);"
  "DROP INDEX deposits_member;"
  "CREATE INDEX deposits_member ON deposits (member_id, deleted, state);";
static const char *const synced_27[] = { NULL };

/* The big lists' order indexes hold the order's column, the id that ends the order, the
 * tombstone, then the columns the list's search looks at (MtListSpec.order_index), in place of
 * migration 26's partial indexes beside them: one index a list to write, not two (the demo's
 * indexes took 12 s longer), and no partial index that SQLite might read a whole table through */
static const char migration_28[] =
  "DROP INDEX orders_start_live;"
  "DROP INDEX rentals_start_live;"
  "DROP INDEX ledger_at_live;"
  "DROP INDEX deposits_created_live;"
  "DROP INDEX splits_at_live;"
  "DROP INDEX orders_start;"
  "CREATE INDEX orders_start ON orders (start_at, id, deleted, state, order_no, device_id, member_id);"
  "DROP INDEX rentals_start;"
  "CREATE INDEX rentals_start ON rentals (start_at, id, deleted, reason, order_id, device_id, member_id);"
  "DROP INDEX ledger_at;"
  "CREATE INDEX ledger_at ON ledger (at, id, deleted, txn_no, order_id, member_id);"
  "DROP INDEX deposits_created;"
  "CREATE INDEX deposits_created ON deposits (created_at, id, deleted, state, order_id, member_id);"
  "DROP INDEX splits_at;"
  "CREATE INDEX splits_at ON splits (at, id, deleted, ledger_id, order_id);";
static const char *const synced_28[] = { NULL };

const MtMigration mt_migrations[] = {
  { 1, migration_1, synced_1, _mt_schema_load_regions },
  { 2, migration_2, synced_2, NULL },
  { 3, migration_3, synced_3, NULL },
  { 4, migration_4, synced_4, NULL },
  { 5, migration_5, synced_5, NULL },
  { 6, migration_6, synced_6, NULL },
  { 7, migration_7, synced_7, NULL },
  { 8, migration_8, synced_8, NULL },
  { 9, migration_9, synced_9, NULL },
  { 10, migration_10, synced_10, NULL },
  { 11, migration_11, synced_11, NULL },
  { 12, migration_12, synced_12, NULL },
  { 13, migration_13, synced_13, NULL },
  { 14, migration_14, synced_14, NULL },
  { 15, migration_15, synced_15, money_triggers },
  { 16, migration_16, synced_16, NULL },
  { 17, migration_17, synced_17, migration_17_after },
  { 18, migration_18, synced_18, _mt_stats_create },
  { 19, migration_19, synced_19, migration_19_after },
  { 20, migration_20, synced_20, migration_20_after },
  { 21, migration_21, synced_21, _mt_stats_members_create },
  { 22, migration_22, synced_22, migration_22_after },
  { 23, migration_23, synced_23, migration_23_after },
  { 24, migration_24, synced_24, NULL },
  { 25, migration_25, synced_25, migration_25_after },
  { 26, migration_26, synced_26, NULL },
  { 27, migration_27, synced_27, NULL },
  { 28, migration_28, synced_28, NULL },
};
const guint mt_n_migrations = G_N_ELEMENTS (mt_migrations);

char *
_mt_schema_journal_sql (const char *table)
{
  const char *now = "CAST ((julianday ('now') - 2440587.5) * 86400000000.0 AS INTEGER)";

  return g_strdup_printf (
    "CREATE TRIGGER %1$s_journal_insert AFTER INSERT ON %1$s BEGIN "
    "INSERT INTO change_log (tbl, row_id, version, op, at) "
    "VALUES ('%1$s', NEW.id, NEW.version, 'insert', %2$s); END;"
    "CREATE TRIGGER %1$s_journal_update AFTER UPDATE ON %1$s BEGIN "
    "INSERT INTO change_log (tbl, row_id, version, op, at) "
    "VALUES ('%1$s', NEW.id, NEW.version, CASE WHEN NEW.deleted THEN 'delete' ELSE 'update' END, %2$s); END;"
    "CREATE TRIGGER %1$s_no_delete BEFORE DELETE ON %1$s BEGIN "
    "SELECT RAISE (ABORT, 'rows are removed with a tombstone'); END;",
    table, now);
}

/* Fills the regions table from the GB/T 2260 table compiled into the library. */
gboolean
_mt_schema_load_regions (MtDb    *db,
                         GError **error)
{
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonArray *provinces;
  sqlite3_stmt *stmt;

  bytes = g_resources_lookup_data ("/com/mtxnyjs/Mingtang/core/pca-code.json",
                                   G_RESOURCE_LOOKUP_FLAGS_NONE, error);
  if (bytes == NULL)
    return FALSE;
  if (!json_parser_load_from_data (parser, g_bytes_get_data (bytes, NULL),
                                   g_bytes_get_size (bytes), error))
    return FALSE;

  provinces = json_node_get_array (json_parser_get_root (parser));
  for (guint i = 0; i < json_array_get_length (provinces); i++)
    {
      JsonObject *p = json_array_get_object_element (provinces, i);
      JsonArray *cities = json_object_get_array_member (p, "children");
      const char *pcode = json_object_get_string_member (p, "code");

      stmt = mt_db_prepare (db, error,
                            "INSERT INTO regions (code, name, parent_code, level, leaf) "
                            "VALUES (?, ?, NULL, 1, ?)", "tti",
                            pcode, json_object_get_string_member (p, "name"),
                            (gint64) (cities == NULL || json_array_get_length (cities) == 0));
      if (stmt == NULL || !mt_db_step_error (db, sqlite3_step (stmt), error))
        return FALSE;

      for (guint j = 0; cities != NULL && j < json_array_get_length (cities); j++)
        {
          JsonObject *c = json_array_get_object_element (cities, j);
          JsonArray *districts = json_object_has_member (c, "children")
                                 ? json_object_get_array_member (c, "children") : NULL;
          const char *ccode = json_object_get_string_member (c, "code");

          if (!mt_db_run (db, error,
                          "INSERT INTO regions (code, name, parent_code, level, leaf) "
                          "VALUES (?, ?, ?, 2, ?)", "ttti",
                          ccode, json_object_get_string_member (c, "name"), pcode,
                          (gint64) (districts == NULL || json_array_get_length (districts) == 0)))
            return FALSE;

          for (guint k = 0; districts != NULL && k < json_array_get_length (districts); k++)
            {
              JsonObject *d = json_array_get_object_element (districts, k);

              if (!mt_db_run (db, error,
                              "INSERT INTO regions (code, name, parent_code, level, leaf) "
                              "VALUES (?, ?, ?, 3, 1)", "ttt",
                              json_object_get_string_member (d, "code"),
                              json_object_get_string_member (d, "name"), ccode))
                return FALSE;
            }
        }
    }

  return TRUE;
}
