/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mt-demo"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "mt-db.h"
#include "mt-db-private.h"
#include "mt-demo.h"
#include "mt-error.h"
#include "mt-perm.h"

#define DAY (G_USEC_PER_SEC * (gint64) 86400)

typedef struct
{
  const char *city;
  const char *district;   /* GB/T 2260 district code */
  double      lat, lng;
  int         operator;   /* index into operators[] */
  const char *street;
} DemoCity;

/* Real district codes and coordinates of the district centres */
static const DemoCity cities[] = {
  { "北京朝阳", "110105", 39.9219, 116.4436, 0, "朝阳路 88 号" },
  { "天津南开", "120104", 39.1163, 117.1501, 0, "鞍山西道 120 号" },
  { "上海浦东", "310115", 31.2215, 121.5440, 1, "张杨路 500 号" },
  { "杭州西湖", "330106", 30.2592, 120.1300, 4, "文三路 259 号" },
  { "杭州余杭", "330110", 30.4189, 120.2990, 4, "文一西路 969 号" },
  { "苏州姑苏", "320508", 31.3116, 120.6170, 1, "人民路 1000 号" },
  { "南京玄武", "320102", 32.0486, 118.7976, 1, "中山路 18 号" },
  { "合肥蜀山", "340104", 31.8511, 117.2602, 1, "长江西路 200 号" },
  { "广州天河", "440106", 23.1246, 113.3612, 2, "天河路 385 号" },
  { "深圳南山", "440305", 22.5333, 113.9304, 2, "科技园南路 6 号" },
  { "厦门思明", "350203", 24.4453, 118.0823, 2, "中山路 58 号" },
  { "长沙岳麓", "430104", 28.2353, 112.9310, 2, "麓山南路 932 号" },
  { "成都武侯", "510107", 30.6420, 104.0431, 3, "人民南路四段 9 号" },
  { "重庆渝北", "500112", 29.7180, 106.6310, 3, "新南路 166 号" },
  { "西安雁塔", "610113", 34.2138, 108.9480, 3, "小寨东路 126 号" },
  { "武汉洪山", "420111", 30.5000, 114.3430, 3, "珞喻路 1037 号" },
  { "郑州金水", "410105", 34.8003, 113.6600, 3, "花园路 39 号" },
};

static const struct { const char *name; int parent; const char *region; const char *contact; } operators[] = {
  { "明唐能源总部", -1, "110105", "周明" },
  { "华东换电运营", 0, "310115", "陈立" },
  { "华南换电运营", 0, "440106", "黄海" },
  { "西部换电运营", 0, "510107", "李川" },
  { "杭州骑士能源", 1, "330106", "吴越" },
};

static const struct {
  const char *type; const char *spec; const char *chem; int series; int nominal_mv; int cap_mah;
  int ov, uv; gint64 rent_fen, deposit_fen;
} types[] = {
  { "48V20Ah 磷酸铁锂", "48V20Ah LFP 16S", "LFP", 16, 51200, 20000, 3650, 2500, 15000, 50000 },
  { "48V24Ah 三元锂", "48V24Ah NMC 13S", "NMC", 13, 48100, 24000, 4250, 2800, 16000, 60000 },
  { "60V30Ah 磷酸铁锂", "60V30Ah LFP 20S", "LFP", 20, 64000, 30000, 3650, 2500, 22000, 80000 },
  { "64V36Ah 三元锂", "64V36Ah NMC 17S", "NMC", 17, 62900, 36000, 4250, 2800, 26000, 90000 },
  { "72V55Ah 三元锂", "72V55Ah NMC 20S", "NMC", 20, 74000, 55000, 4250, 2800, 36000, 120000 },
};

static const char *const demo_accounts[] = {
  "admin", N_("Headquarters admin"),
  "east", N_("Operator admin"),
  "hangzhou", N_("Operator admin"),
  "store", N_("Store manager"),
  "tech", N_("Technician"),
  "finance", N_("Finance"),
  NULL
};

static const char surnames[] = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾";
static const char given[] = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红鹏飞宇浩然晨阳";

const char *const *
mt_demo_accounts (void)
{
  return demo_accounts;
}

void
mt_demo_options_init (MtDemoOptions *options)
{
  options->seed = 2026;
  options->n_devices = 300;
  options->n_members = 500;
  options->n_orders = 0;
  options->now = 0;
}

static char *
utf8_char (const char *s, int index)
{
  const char *p = g_utf8_offset_to_pointer (s, index);
  return g_strndup (p, g_utf8_next_char (p) - p);
}

static char *
random_name (GRand *rand)
{
  g_autofree char *a = utf8_char (surnames, g_rand_int_range (rand, 0, g_utf8_strlen (surnames, -1)));
  g_autofree char *b = utf8_char (given, g_rand_int_range (rand, 0, g_utf8_strlen (given, -1)));
  g_autofree char *c = utf8_char (given, g_rand_int_range (rand, 0, g_utf8_strlen (given, -1)));

  return g_rand_boolean (rand) ? g_strconcat (a, b, c, NULL) : g_strconcat (a, b, NULL);
}

static char *
random_mobile (GRand *rand, guint serial)
{
  static const char *const prefixes[] = { "135", "138", "139", "150", "158", "177", "186", "188", "199" };
  return g_strdup_printf ("%s%08u", prefixes[g_rand_int_range (rand, 0, G_N_ELEMENTS (prefixes))],
                          (serial * 7919u + g_rand_int_range (rand, 0, 7919)) % 100000000u);
}

static char *
random_id_card (GRand *rand, const char *district)
{
  static const int weights[17] = { 7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2 };
  static const char checks[] = "10X98765432";
  char buf[19];
  int sum = 0;

  g_snprintf (buf, sizeof buf, "%s%04d%02d%02d%03d", district, g_rand_int_range (rand, 1965, 2004),
              g_rand_int_range (rand, 1, 13), g_rand_int_range (rand, 1, 29),
              g_rand_int_range (rand, 1, 1000));
  for (int i = 0; i < 17; i++)
    sum += (buf[i] - '0') * weights[i];
  buf[17] = checks[sum % 11];
  buf[18] = '\0';
  return g_strdup (buf);
}

#define RUN(...) G_STMT_START { if (!mt_db_run (db, error, __VA_ARGS__)) goto fail; } G_STMT_END

/* The tables the demo fills by the hundred thousand */
static const char *const bulk_tables[] = {
  "devices", "members", "orders", "rentals", "deposits", "deposit_refunds", "ledger", "splits", "recharges",
  "member_cards", "referrals", "repairs", "repair_steps", "alarms", "track_points", "device_status",
  "geofence_devices", "withdrawals", "audit_log", NULL
};

/*
 * Bulk writing: the big tables' triggers and indexes (but the unique ones) put away while the rows
 * go in, each kept as the SQL that makes it again. A row then costs its own write, not a journal
 * entry, a statistics upsert and a dozen index updates; everything is made again after, at once.
 */
static GPtrArray *
bulk_begin (MtDb    *db,
            GError **error)
{
  g_autoptr(GPtrArray) saved = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) drops = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GString) tables = g_string_new (NULL);
  g_autofree char *sql = NULL;
  sqlite3_stmt *stmt;

  for (guint i = 0; bulk_tables[i]; i++)
    g_string_append_printf (tables, "%s'%s'", i ? ", " : "", bulk_tables[i]);
  /* indexes first when made again: a trigger may rely on one */
  sql = g_strdup_printf ("SELECT type, name, sql FROM sqlite_master WHERE tbl_name IN (%s) AND sql IS NOT NULL "
                         "AND (type = 'trigger' OR (type = 'index' AND sql NOT LIKE 'CREATE UNIQUE%%')) "
                         "ORDER BY type = 'trigger', name", tables->str);
  stmt = mt_db_prepare (db, error, sql, NULL);
  if (stmt == NULL)
    return NULL;
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      g_ptr_array_add (saved, g_strdup ((const char *) sqlite3_column_text (stmt, 2)));
      g_ptr_array_add (drops, g_strdup_printf ("DROP %s %s", g_str_equal ((const char *) sqlite3_column_text (stmt, 0),
                                                                          "trigger") ? "TRIGGER" : "INDEX",
                                               (const char *) sqlite3_column_text (stmt, 1)));
    }
  sqlite3_reset (stmt);
  for (guint i = 0; i < drops->len; i++)
    if (!mt_db_exec (db, drops->pdata[i], error))
      return NULL;
  return g_steal_pointer (&saved);
}

/* The indexes and triggers back, the journal of every row written, and what the triggers keep
 * worked out from the rows */
static gboolean
bulk_end (MtDb      *db,
          GPtrArray *saved,
          GError   **error)
{
  gint64 t0 = g_get_monotonic_time ();

  for (guint i = 0; i < saved->len; i++)
    if (!mt_db_exec (db, saved->pdata[i], error))
      return FALSE;
  g_debug ("Demo: indexes and triggers made again in %.1f s", (g_get_monotonic_time () - t0) / 1e6);
  t0 = g_get_monotonic_time ();
  for (guint i = 0; bulk_tables[i]; i++)
    {
      g_autofree char *journaled = g_strdup_printf ("%s_journal_insert", bulk_tables[i]);
      g_autofree char *sql = NULL;

      if (mt_db_query_int (db, 0, "SELECT count (*) FROM sqlite_master WHERE type = 'trigger' AND name = ?", "t",
                           journaled) == 0)
        continue;
      sql = g_strdup_printf ("INSERT INTO change_log (tbl, row_id, version, op, at) SELECT '%s', id, version, "
                             "CASE WHEN deleted THEN 'delete' ELSE 'insert' END, "
                             "CAST ((julianday ('now') - 2440587.5) * 86400000000.0 AS INTEGER) FROM %s ORDER BY id",
                             bulk_tables[i], bulk_tables[i]);
      if (!mt_db_exec (db, sql, error))
        return FALSE;
    }
  g_debug ("Demo: journal written in %.1f s", (g_get_monotonic_time () - t0) / 1e6);
  t0 = g_get_monotonic_time ();
  if (!_mt_schema_rebuild_kept (db, error))
    return FALSE;
  g_debug ("Demo: balances, list counts and statistics in %.1f s", (g_get_monotonic_time () - t0) / 1e6);
  return TRUE;
}

typedef struct
{
  gint64 id, operator_id, city;
} Store;

gboolean
mt_demo_generate (MtDb                *db,
                  const MtDemoOptions *options,
                  GError             **error)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (options->seed);
  gint64 now = options->now ? options->now : g_get_real_time ();
  gint64 start = now - 365 * DAY;
  gint64 op_ids[G_N_ELEMENTS (operators)];
  gint64 type_ids[G_N_ELEMENTS (types)], spec_ids[G_N_ELEMENTS (types)];
  gint64 role_ids[5];
  g_autofree char *password_hash = mt_password_hash (MT_DEMO_PASSWORD);
  g_autofree Store *stores = g_new0 (Store, G_N_ELEMENTS (cities));
  g_autofree gint64 *member_ids = NULL;
  g_autofree gint64 *member_store = NULL;
  guint n_members = options->n_members ? options->n_members : 500;
  guint n_devices = options->n_devices ? options->n_devices : 300;
  guint n_orders = options->n_orders ? options->n_orders : n_devices * 10;
  guint64 txn = 0, order_serial = 0;
  guint n_stores = G_N_ELEMENTS (cities);
  double store_weight[G_N_ELEMENTS (cities)];
  guint season_day[1001];
  g_autoptr(GPtrArray) bulk = NULL;
  gint64 began = g_get_monotonic_time ();
  static const char *const builtin[] = { "hq_admin", "operator_admin", "store_manager", "technician", "finance" };
  static const char *const builtin_names[] = { N_("Headquarters admin"), N_("Operator admin"),
                                               N_("Store manager"), N_("Technician"), N_("Finance") };

  if (mt_db_query_int (db, 0, "SELECT count(*) FROM operators", NULL) > 0)
    {
      g_set_error_literal (error, MT_ERROR, MT_ERROR_CONFLICT,
                           _("The database is not empty: the demo fleet goes into a new database"));
      return FALSE;
    }

  /* a new database written at once: its few first pages journaled in memory instead of every page
   * twice through the write-ahead log, and a cache the size of the indexes being built; the rows'
   * references are the generator's own (no foreign key looked up for each of millions of inserts:
   * the tests check them all on the result, PRAGMA foreign_key_check) */
  if (!mt_db_exec (db, "PRAGMA journal_mode = MEMORY; PRAGMA cache_size = -1048576; PRAGMA threads = 4; "
                       "PRAGMA foreign_keys = OFF;", error))
    return FALSE;
  if (!mt_db_begin (db, error))
    goto fail;
  if ((bulk = bulk_begin (db, error)) == NULL)
    goto fail;

  /* Operators: HQ, three operators, one sub-operator */
  for (guint i = 0; i < G_N_ELEMENTS (operators); i++)
    {
      g_autofree char *path = NULL;
      g_autofree char *card = random_id_card (rand, operators[i].region);
      g_autofree char *phone = random_mobile (rand, i + 1);
      gint64 parent = operators[i].parent >= 0 ? op_ids[operators[i].parent] : 0;
      guint caps = i == 0 ? MT_CAP_ALL : (i == 4 ? MT_CAP_OFFLINE_PAYMENT | MT_CAP_BMS_CONTROL
                                                 : MT_CAP_ALL & ~MT_CAP_CUSTOM_BILLING);

      RUN ("INSERT INTO operators (created_at, updated_at, parent_id, path, name, region_code, "
           "address, contact, phone, id_card, caps, split_permille) "
           "VALUES (?1, ?1, nullif (?2, 0), '', ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)", "iittttttii",
           start, parent, operators[i].name, operators[i].region, "", operators[i].contact, phone,
           card, (gint64) caps, (gint64) (i == 0 ? 0 : 700));
      op_ids[i] = mt_db_last_insert_id (db);
      {
        g_autofree char *parent_path = parent ? mt_db_query_text (db, "SELECT path FROM operators WHERE id = ?",
                                                                  "i", parent) : NULL;

        path = g_strdup_printf ("%s%" G_GINT64_FORMAT "/", parent_path ? parent_path : "/", op_ids[i]);
      }
      RUN ("UPDATE operators SET path = ? WHERE id = ?", "ti", path, op_ids[i]);
    }

  for (guint i = 0; i < G_N_ELEMENTS (builtin); i++)
    {
      RUN ("INSERT INTO roles (created_at, updated_at, name, builtin, permissions) "
           "VALUES (?1, ?1, ?2, ?3, ?4)", "itt" "t", start, builtin_names[i], builtin[i],
           mt_builtin_role_permissions (builtin[i]));
      role_ids[i] = mt_db_last_insert_id (db);
    }

  RUN ("INSERT INTO settings (created_at, updated_at, operator_id, key, value) VALUES "
       "(?1, ?1, ?2, 'platform_name', '明唐换电'), (?1, ?1, ?2, 'overdue_grace_hours', '24'), "
       "(?1, ?1, ?2, 'overdue_power_cut', 'true'), (?1, ?1, ?2, 'track_retention_days', '180'), "
       "(?1, ?1, ?2, 'tile_url', 'osm'), "
       "(?1, ?1, ?2, 'tile_attribution', '© OpenStreetMap contributors'), (?1, ?1, ?2, 'tile_gcj02', 'false'), "
       "(?1, ?1, ?2, 'geocoder_url', 'none')", "ii",
       start, op_ids[0]);

  /* Stores */
  for (guint i = 0; i < n_stores; i++)
    {
      const DemoCity *c = &cities[i];
      g_autoptr(GDateTime) opened = g_date_time_new_from_unix_utc ((start + i * 9 * DAY) / G_USEC_PER_SEC);
      g_autofree char *date = g_date_time_format (opened, "%Y%m%d");
      g_autofree char *no = g_strdup_printf ("M%s%04d", date, g_rand_int_range (rand, 0, 10000));
      g_autofree char *name = g_strdup_printf ("%s换电站", c->city);
      g_autofree char *manager = random_name (rand);
      g_autofree char *mobile = random_mobile (rand, 100 + i);
      g_autofree char *card = random_id_card (rand, c->district);

      RUN ("INSERT INTO stores (created_at, updated_at, store_no, operator_id, name, mobile, "
           "password_hash, manager, manager_id_card, open_minute, close_minute, region_code, "
           "address, pay_offline, pay_online, forced_settlement, lat, lng) VALUES "
           "(?1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, 1, 1, ?13, ?14, ?15)",
           "ititttttiittbdd", start + i * 9 * DAY, no, op_ids[c->operator], name, mobile, password_hash,
           manager, card, (gint64) (i % 3 == 0 ? 7 * 60 : 8 * 60 + 30),
           (gint64) (i % 3 == 0 ? 23 * 60 : 22 * 60), c->district, c->street, i % 4 == 0, c->lat, c->lng);
      stores[i].id = mt_db_last_insert_id (db);
      stores[i].operator_id = op_ids[c->operator];
      stores[i].city = i;
    }

  /* Accounts */
  {
    static const struct { const char *user; const char *name; int op; int role; int store; } acc[] = {
      { "admin", "周明", 0, 0, -1 }, { "east", "陈立", 1, 1, -1 }, { "hangzhou", "吴越", 4, 1, -1 },
      { "store", "王小店", 4, 2, 3 }, { "tech", "赵工", 0, 3, -1 }, { "finance", "钱会计", 0, 4, -1 },
    };
    for (guint i = 0; i < G_N_ELEMENTS (acc); i++)
      {
        g_autofree char *mobile = random_mobile (rand, 200 + i);
        RUN ("INSERT INTO accounts (created_at, updated_at, username, password_hash, name, mobile, "
             "role_id, operator_id, store_id) VALUES (?1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, nullif (?8, 0))",
             "ittttiii", start, acc[i].user, password_hash, acc[i].name, mobile, role_ids[acc[i].role],
             op_ids[acc[i].op], acc[i].store >= 0 ? stores[acc[i].store].id : (gint64) 0);
      }
  }

  /* Device types, specs, billing rules (per province, one district override) */
  for (guint i = 0; i < G_N_ELEMENTS (types); i++)
    {
      RUN ("INSERT INTO device_types (created_at, updated_at, name, description) VALUES (?1, ?1, ?2, ?3)",
           "itt", start, types[i].type, types[i].spec);
      type_ids[i] = mt_db_last_insert_id (db);
      RUN ("INSERT INTO device_specs (created_at, updated_at, type_id, name, chemistry, series, nominal_mv, "
           "capacity_mah, cell_ov_mv, cell_uv_mv, charge_oc_ma, discharge_oc_ma, temp_high_dc, temp_low_dc) "
           "VALUES (?1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, 650, -200)", "iittiiiiiii",
           start, type_ids[i], types[i].spec, types[i].chem, (gint64) types[i].series,
           (gint64) types[i].nominal_mv, (gint64) types[i].cap_mah, (gint64) types[i].ov,
           (gint64) types[i].uv, (gint64) types[i].cap_mah / 2, (gint64) types[i].cap_mah * 2);
      spec_ids[i] = mt_db_last_insert_id (db);
    }
  for (guint c = 0; c < n_stores; c++)
    for (guint i = 0; i < G_N_ELEMENTS (types); i++)
      {
        g_autofree char *province = g_strndup (cities[c].district, 2);
        gint64 rule_id;

        if (mt_db_query_int (db, 0, "SELECT count(*) FROM billing_rules WHERE region_code = ? AND type_id = ?",
                             "ti", province, type_ids[i]) > 0)
          continue;
        RUN ("INSERT INTO billing_rules (created_at, updated_at, operator_id, region_code, type_id, "
             "rent_fen, period_days, deposit_fen, contract) VALUES (?1, ?1, ?2, ?3, ?4, ?5, 30, ?6, ?7)",
             "iitiiit", start, op_ids[cities[c].operator == 4 ? 1 : cities[c].operator], province,
             type_ids[i], types[i].rent_fen, types[i].deposit_fen,
             "甲方：{party_a}\n乙方：{party_b}（{mobile}，身份证 {id_card}）\n"
             "乙方在{store}租用电池 {device}，租期 {start} 至 {expiry}，租金 {rent}，押金 {deposit}。");
        rule_id = mt_db_last_insert_id (db);
        RUN ("INSERT INTO billing_services (created_at, updated_at, rule_id, name, price_fen, per_period) "
             "VALUES (?1, ?1, ?2, '电池保险', 1000, 1), (?1, ?1, ?2, '充电器', 6000, 0)", "ii", start, rule_id);
      }
  RUN ("INSERT INTO billing_rules (created_at, updated_at, operator_id, region_code, type_id, rent_fen, "
       "period_days, deposit_fen) VALUES (?1, ?1, ?2, '330106', ?3, 13000, 30, 50000)", "iii",
       start, op_ids[4], type_ids[0]);

  for (guint i = 1; i < G_N_ELEMENTS (operators); i++)
    RUN ("INSERT INTO split_rules (created_at, updated_at, operator_id, hq_permille, operator_permille, "
         "store_permille) VALUES (?1, ?1, ?2, 200, 500, 300)", "ii", start, op_ids[i]);

  /* Campaigns, recharge plans, rental cards */
  RUN ("INSERT INTO campaigns (created_at, updated_at, operator_id, name, kind, starts_at, ends_at) "
       "VALUES (?1, ?1, ?2, '充值有礼', 'recharge_bonus', ?1, ?3), (?1, ?1, ?2, '老带新', 'referral', ?1, ?3)",
       "iii", start, op_ids[0], now + 90 * DAY);
  RUN ("INSERT INTO recharge_plans (created_at, updated_at, operator_id, campaign_id, amount_fen, bonus_fen) "
       "VALUES (?1, ?1, ?2, 1, 10000, 500), (?1, ?1, ?2, 1, 20000, 1500), (?1, ?1, ?2, 1, 50000, 5000)",
       "ii", start, op_ids[0]);
  RUN ("INSERT INTO rental_cards (created_at, updated_at, operator_id, name, days, price_fen) "
       "VALUES (?1, ?1, ?2, '月卡', 30, 15000), (?1, ?1, ?2, '季卡', 90, 42000)", "ii", start, op_ids[0]);

  /* Members */
  member_ids = g_new0 (gint64, n_members);
  member_store = g_new0 (gint64, n_members);
  for (guint i = 0; i < n_members; i++)
    {
      guint s = g_rand_int_range (rand, 0, n_stores);
      g_autofree char *name = random_name (rand);
      g_autofree char *mobile = g_strdup_printf ("1%d%09u", 3 + (int) (i % 7), i * 37u + 100000u);
      g_autofree char *card = random_id_card (rand, cities[s].district);
      gint64 joined = start + (gint64) (g_rand_double (rand) * 300 * DAY);

      RUN ("INSERT INTO members (created_at, updated_at, operator_id, store_id, wechat_id, name, mobile, id_card) "
           "VALUES (?1, ?1, ?2, ?3, ?4, ?5, ?6, ?7)", "iiitttt", joined, stores[s].operator_id,
           stores[s].id, "", name, mobile, card);
      member_ids[i] = mt_db_last_insert_id (db);
      member_store[i] = s;
    }

  /* How busy each store is (a city centre more than a suburb: 0.4× to 1.8×, the mean 1), and the
   * season: riders rent more in the summer and little around the Spring Festival. Orders of the
   * past are spread over the year by that density (its inverse, by day). */
  {
    double sum = 0;

    for (guint s = 0; s < n_stores; s++)
      sum += store_weight[s] = 0.4 + 1.4 * g_rand_double (rand);
    for (guint s = 0; s < n_stores; s++)
      store_weight[s] *= n_stores / sum;
  }
  {
    static const double month_density[12] = { 0.6, 0.45, 0.8, 0.9, 1.0, 1.2, 1.3, 1.3, 1.1, 1.0, 0.9, 0.8 };
    guint n_days = (guint) ((now - 40 * DAY - start) / DAY);
    double total = 0, *cumulative = g_new (double, n_days + 1);

    cumulative[0] = 0;
    for (guint d = 0; d < n_days; d++)
      {
        g_autoptr(GDateTime) day = g_date_time_new_from_unix_utc ((start + (gint64) d * DAY) / G_USEC_PER_SEC);

        total += month_density[g_date_time_get_month (day) - 1];
        cumulative[d + 1] = total;
      }
    /* season_day[q]: the day a share q / 1000 of the year's orders have begun by */
    for (guint q = 0, d = 0; q <= 1000; q++)
      {
        while (d < n_days && cumulative[d + 1] < total * q / 1000.0)
          d++;
        season_day[q] = d;
      }
    g_free (cumulative);
  }

  /* Devices and their order history */
  for (guint i = 0; i < n_devices; i++)
    {
      guint s = i % n_stores;
      guint t = g_rand_int_range (rand, 0, G_N_ELEMENTS (types));
      double r = g_rand_double (rand);
      const char *state = r < 0.45 ? "rented" : r < 0.85 ? "ready" : r < 0.95 ? "repair" : "scrapped";
      g_autofree char *no = g_strdup_printf ("%010u", 2306000000u + i);
      gint64 device_id;
      double expected = (double) n_orders / n_devices * store_weight[s];
      guint history = (guint) expected + (g_rand_double (rand) < expected - (guint) expected);
      gint64 t0 = start + (gint64) (g_rand_double (rand) * 20 * DAY);
      gboolean no_store = g_rand_double (rand) < 0.04 && !g_str_equal (state, "rented");
      /* the name the store knows it by: its city and a number */
      g_autofree char *name = g_strdup_printf ("%s%03u号", cities[s].city, i / n_stores + 1);

      RUN ("INSERT INTO devices (created_at, updated_at, device_no, name, type_id, spec_id, operator_id, "
           "store_id, state, power_cut_unrented) VALUES (?1, ?1, ?2, ?3, ?4, ?5, ?6, nullif (?7, 0), 'ready', ?8)",
           "ittiiiib", start, no, name, type_ids[t], spec_ids[t], stores[s].operator_id,
           no_store ? (gint64) 0 : stores[s].id, g_rand_double (rand) < 0.2);
      device_id = mt_db_last_insert_id (db);

      for (guint k = 0; k < history; k++)
        {
          gboolean last = k + 1 == history;
          gboolean current = last && g_str_equal (state, "rented");
          guint m = g_rand_int_range (rand, 0, n_members);
          gint64 member = member_ids[m];
          guint periods = 1 + g_rand_int_range (rand, 0, 3);
          gint64 begin, expire, end = 0, order_id;
          gboolean held;
          gint64 rent = types[t].rent_fen * periods, services = 1000 * periods;
          const char *method = g_rand_double (rand) < 0.7 ? "online" : "offline";
          const char *ostate;
          g_autofree char *order_no = NULL;
          g_autoptr(GDateTime) d = NULL;
          g_autofree char *ymd = NULL;

          if (current)
            {
              begin = now - (gint64) (g_rand_double (rand) * periods * 30 * DAY);
              if (g_rand_double (rand) < 0.12)
                begin = now - (periods * 30 + 1 + g_rand_int_range (rand, 0, 10)) * DAY;
            }
          else
            {
              /* the k-th of the device's past orders, where the season puts that share of them */
              double share = (k + g_rand_double (rand)) / MAX (history, 1);

              begin = start + (gint64) season_day[(guint) (share * 1000)] * DAY + (gint64) (g_rand_double (rand) * DAY);
              begin = MAX (begin, t0);
              if (begin > now - 40 * DAY)
                begin = now - 40 * DAY - (gint64) (g_rand_double (rand) * DAY);
            }
          expire = begin + periods * 30 * DAY;
          if (!current)
            end = MIN (expire - (gint64) (g_rand_double (rand) * 5 * DAY), now - DAY);
          if (end && end <= begin)
            end = begin + DAY;
          ostate = !current ? "ended" : expire < now ? "overdue" : "active";
          /* ended in the last three days, one in eight: its deposit waits for the refund's approval */
          held = !current && end > now - 3 * DAY && g_rand_double (rand) < 0.12;
          d = g_date_time_new_from_unix_utc (begin / G_USEC_PER_SEC);
          ymd = g_date_time_format (d, "%Y%m%d");
          order_no = g_strdup_printf ("DD%s%08" G_GUINT64_FORMAT, ymd, ++order_serial);

          RUN ("INSERT INTO orders (created_at, updated_at, order_no, operator_id, store_id, member_id, "
               "device_id, type_id, state, pay_method, periods, period_days, start_at, expire_at, end_at, "
               "rent_fen, services_fen, deposit_fen, refund_fen, period_rent_fen, period_services_fen, services) "
               "VALUES (?1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 30, ?1, ?11, nullif (?12, 0), ?13, ?14, ?15, "
               "?16, ?17, 1000, 1)", "itiiiiittiiiiii" "ii",
               begin, order_no, stores[s].operator_id, stores[s].id, member, device_id, type_ids[t],
               ostate, method, (gint64) periods, expire, end, rent, services, types[t].deposit_fen,
               current || held ? (gint64) 0 : types[t].deposit_fen, types[t].rent_fen);
          order_id = mt_db_last_insert_id (db);
          RUN ("INSERT INTO rentals (created_at, updated_at, order_id, device_id, member_id, operator_id, "
               "store_id, reason, start_at, end_at) VALUES (?1, ?1, ?2, ?3, ?4, ?5, ?6, 'rent', ?1, nullif (?7, 0))",
               "iiiiiii", begin, order_id, device_id, member, stores[s].operator_id, stores[s].id, end);
          RUN ("INSERT INTO deposits (created_at, updated_at, order_id, member_id, operator_id, store_id, "
               "amount_fen, state) VALUES (?1, ?1, ?2, ?3, ?4, ?5, ?6, ?7)", "iiiiiit", begin, order_id,
               member, stores[s].operator_id, stores[s].id, types[t].deposit_fen,
               current || held ? "held" : "refunded");
          if (held)
            RUN ("INSERT INTO deposit_refunds (created_at, updated_at, deposit_id, member_id, operator_id, store_id, "
                 "amount_fen, state, reason) VALUES (?1, ?1, ?2, ?3, ?4, ?5, ?6, 'requested', '退租')", "iiiiii",
                 end, mt_db_last_insert_id (db), member, stores[s].operator_id, stores[s].id, types[t].deposit_fen);

          {
            g_autofree char *no_rent = g_strdup_printf ("JY%s%010" G_GUINT64_FORMAT, ymd, ++txn);
            gint64 ledger_id;

            RUN ("INSERT INTO ledger (created_at, updated_at, txn_no, at, operator_id, store_id, member_id, "
                 "order_id, kind, amount_fen, pay_method) VALUES (?1, ?1, ?2, ?1, ?3, ?4, ?5, ?6, 'rent', ?7, ?8)",
                 "itiiiiit", begin, no_rent, stores[s].operator_id, stores[s].id, member, order_id, rent, method);
            ledger_id = mt_db_last_insert_id (db);
            RUN ("INSERT INTO splits (created_at, updated_at, ledger_id, order_id, operator_id, store_id, "
                 "total_fen, hq_fen, operator_fen, store_fen, at) VALUES (?1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?1)",
                 "iiiiiiiii", begin, ledger_id, order_id, stores[s].operator_id, stores[s].id, rent,
                 rent * 200 / 1000, rent * 500 / 1000, rent - rent * 200 / 1000 - rent * 500 / 1000);
          }
          {
            g_autofree char *n1 = g_strdup_printf ("JY%s%010" G_GUINT64_FORMAT, ymd, ++txn);
            g_autofree char *n2 = g_strdup_printf ("JY%s%010" G_GUINT64_FORMAT, ymd, ++txn);
            gint64 ledger_id;

            RUN ("INSERT INTO ledger (created_at, updated_at, txn_no, at, operator_id, store_id, member_id, "
                 "order_id, kind, amount_fen, pay_method) VALUES (?1, ?1, ?2, ?1, ?3, ?4, ?5, ?6, 'service', ?7, ?8)",
                 "itiiiiit", begin, n1, stores[s].operator_id, stores[s].id, member, order_id, services, method);
            ledger_id = mt_db_last_insert_id (db);
            RUN ("INSERT INTO splits (created_at, updated_at, ledger_id, order_id, operator_id, store_id, "
                 "total_fen, hq_fen, operator_fen, store_fen, at) VALUES (?1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?1)",
                 "iiiiiiiii", begin, ledger_id, order_id, stores[s].operator_id, stores[s].id, services,
                 services * 200 / 1000, services * 500 / 1000,
                 services - services * 200 / 1000 - services * 500 / 1000);
            RUN ("INSERT INTO ledger (created_at, updated_at, txn_no, at, operator_id, store_id, member_id, "
                 "order_id, kind, amount_fen, pay_method) VALUES (?1, ?1, ?2, ?1, ?3, ?4, ?5, ?6, 'deposit_in', ?7, ?8)",
                 "itiiiiit", begin, n2, stores[s].operator_id, stores[s].id, member, order_id,
                 types[t].deposit_fen, method);
          }
          if (!current && !held)
            {
              g_autofree char *n3 = g_strdup_printf ("JY%s%010" G_GUINT64_FORMAT, ymd, ++txn);
              RUN ("INSERT INTO ledger (created_at, updated_at, txn_no, at, operator_id, store_id, member_id, "
                   "order_id, kind, amount_fen, pay_method) VALUES (?1, ?1, ?2, ?1, ?3, ?4, ?5, ?6, 'deposit_out', ?7, ?8)",
                   "itiiiiit", end, n3, stores[s].operator_id, stores[s].id, member, order_id,
                   -types[t].deposit_fen, method);
            }
          if (current)
            RUN ("UPDATE devices SET state = 'rented', member_id = ?, rent_expiry = ? WHERE id = ?", "iii",
                 member, expire, device_id);
        }

      if (g_str_equal (state, "rented") && history == 0)
        state = "ready";
      if (!g_str_equal (state, "rented") && !g_str_equal (state, "ready"))
        RUN ("UPDATE devices SET state = ? WHERE id = ?", "ti", state, device_id);
      if (g_str_equal (state, "repair") || (g_str_equal (state, "scrapped")))
        {
          g_autofree char *rno = g_strdup_printf ("WX%010u", i);
          static const char *const faults[] = { "无法充电", "电压异常", "外壳破损", "BMS 通讯故障", "续航明显下降" };
          const char *rstate = g_str_equal (state, "scrapped") ? "scrapped" : (i % 2 ? "pending" : "repairing");
          gint64 at = now - (gint64) (g_rand_double (rand) * 20 * DAY) - DAY;
          gint64 repair_id;

          RUN ("INSERT INTO repairs (created_at, updated_at, repair_no, device_id, operator_id, store_id, "
               "reporter_kind, reporter, fault, state, cost_fen) VALUES (?1, ?1, ?2, ?3, ?4, nullif (?5, 0), ?6, ?7, ?8, ?9, ?10)",
               "itiiittt" "ti", at, rno, device_id, stores[s].operator_id, no_store ? (gint64) 0 : stores[s].id,
               i % 3 == 0 ? "member" : "store", i % 3 == 0 ? "会员报修" : "门店报修",
               faults[i % G_N_ELEMENTS (faults)], rstate, (gint64) (g_str_equal (rstate, "pending") ? 0 : 3500));
          repair_id = mt_db_last_insert_id (db);
          RUN ("INSERT INTO repair_steps (created_at, updated_at, repair_id, state, note, at) "
               "VALUES (?1, ?1, ?2, 'pending', ?3, ?1)", "iit", at, repair_id, faults[i % G_N_ELEMENTS (faults)]);
          if (!g_str_equal (rstate, "pending"))
            RUN ("INSERT INTO repair_steps (created_at, updated_at, repair_id, state, note, cost_fen, at) "
                 "VALUES (?1, ?1, ?2, ?3, '已检测，更换电芯', 3500, ?1)", "iit", at + DAY / 2, repair_id, rstate);
          if (g_str_equal (rstate, "done") || g_str_equal (rstate, "scrapped"))
            RUN ("UPDATE repairs SET closed_at = ? WHERE id = ?", "ii", at + DAY / 2, repair_id);
        }

      /* Live state near the store, and a day of track for some rented batteries */
      if (!g_str_equal (state, "scrapped"))
        {
          const DemoCity *c = &cities[s];
          double lat = c->lat + (g_rand_double (rand) - 0.5) * 0.08;
          double lng = c->lng + (g_rand_double (rand) - 0.5) * 0.08;
          gint64 soc = g_rand_int_range (rand, 8, 101);
          gint64 mv = types[t].series * (gint64) (g_str_equal (types[t].chem, "LFP") ? 3000 + soc * 4 : 3400 + soc * 8);
          gboolean online = g_rand_double (rand) < 0.8;

          RUN ("INSERT INTO device_status (device_id, online, pack_mv, soc, lat, lng, last_seen) "
               "VALUES (?, ?, ?, ?, ?, ?, ?)", "ibiiddi", device_id, online, mv, soc, lat, lng,
               online ? now - g_rand_int_range (rand, 1, 60) * G_USEC_PER_SEC
                      : now - (gint64) (g_rand_double (rand) * 5 * DAY));
          /* a loop round the city through the day (some 70 km, 250 m every five minutes of riding),
           * parked twenty minutes every four hours */
          if (g_str_equal (state, "rented") && i % 10 == 0)
            for (guint p = 0, moved = 0; p < 288; p++)
              {
                gboolean parked = p % 48 < 4;
                double a = moved / 264.0 * 2 * G_PI;

                RUN ("INSERT INTO track_points (device_id, at, lat, lng, speed_kmh, soc) VALUES (?, ?, ?, ?, ?, ?)",
                     "iiddii", device_id, now - DAY + (gint64) p * 300 * G_USEC_PER_SEC, lat + 0.1 * sin (a),
                     lng + 0.12 * (cos (a) - 1), (gint64) (parked ? 0 : 18 + p % 9), MAX ((gint64) 5, soc - p / 6));
                moved += parked ? 0 : 1;
              }
          /* alarms at about the rate a fleet raises them: four in ten batteries had one this
           * month, a few two; the last two days' still open, the rest handled with a note */
          {
            static const struct { const char *type; double share; } kinds[] = {
              { "low_soc", 0.30 }, { "vibration", 0.15 }, { "temp_high", 0.10 }, { "imbalance", 0.10 },
              { "geofence", 0.08 }, { "cell_ov", 0.07 }, { "discharge_oc", 0.05 }, { "cell_uv", 0.05 },
              { "offline", 0.10 },
            };
            static const char *const notes[] = { "已电话联系骑手", "已到店检查，正常", "已更换电芯", "骑手已回店充电",
                                                 "误报，已确认" };
            double roll = g_rand_double (rand);
            guint n_alarms = roll < 0.06 ? 2 : roll < 0.40 ? 1 : 0;
            const char *open_type = NULL;

            for (guint a = 0; a < n_alarms; a++)
              {
                double pick = g_rand_double (rand);
                const char *type = kinds[G_N_ELEMENTS (kinds) - 1].type;
                gint64 first = now - (gint64) (g_rand_double (rand) * 30 * DAY);
                gint64 latest = MIN (now, first + (gint64) (g_rand_double (rand) * 6 * 3600) * G_USEC_PER_SEC);
                gboolean open;
                g_autofree char *ano = NULL;

                for (guint k = 0; k < G_N_ELEMENTS (kinds); k++)
                  if ((pick -= kinds[k].share) < 0)
                    {
                      type = kinds[k].type;
                      break;
                    }
                if (g_str_equal (type, "offline") == online)
                  type = online ? "low_soc" : "offline";
                /* one open alarm of a type a device */
                open = first > now - 2 * DAY && g_rand_double (rand) < 0.7 && g_strcmp0 (open_type, type) != 0;
                if (open)
                  open_type = type;
                ano = g_strdup_printf ("BJ%" G_GINT64_FORMAT "%s%u", first / G_USEC_PER_SEC, no, a);
                RUN ("INSERT INTO alarms (created_at, updated_at, alarm_no, device_id, operator_id, store_id, type, "
                     "state, count, first_at, latest_at, note, handled_by, handled_at) VALUES (?1, ?1, ?2, ?3, ?4, "
                     "nullif (?5, 0), ?6, ?7, ?8, ?1, ?9, ?10, CASE WHEN ?11 THEN (SELECT id FROM accounts WHERE "
                     "username = 'tech') END, CASE WHEN ?11 THEN ?12 END)",
                     "itiiitti" "itbi", first, ano, device_id, stores[s].operator_id,
                     no_store ? (gint64) 0 : stores[s].id, type, open ? "open" : "handled",
                     (gint64) (1 + g_rand_int_range (rand, 0, 9)), latest,
                     open ? "" : notes[g_rand_int_range (rand, 0, G_N_ELEMENTS (notes))], !open,
                     latest + (gint64) (g_rand_double (rand) * 12 * 3600) * G_USEC_PER_SEC);
              }
          }
        }

      /* a repair finished: about one battery in twelve back in service after one */
      if (g_str_equal (state, "ready") && g_rand_double (rand) < 0.08)
        {
          static const char *const fixes[] = { "更换电芯", "更换 BMS 保护板", "更换外壳", "重新焊接连接片" };
          g_autofree char *rno = g_strdup_printf ("WX%010u", i);
          gint64 at = now - (gint64) ((10 + g_rand_double (rand) * 80) * DAY);
          gint64 days = 1 + g_rand_int_range (rand, 0, 5);
          gint64 cost = 1500 + 500 * g_rand_int_range (rand, 0, 14);
          const char *fix = fixes[g_rand_int_range (rand, 0, G_N_ELEMENTS (fixes))];
          gint64 repair_id;

          RUN ("INSERT INTO repairs (created_at, updated_at, repair_no, device_id, operator_id, store_id, "
               "reporter_kind, reporter, fault, state, cost_fen, closed_at) VALUES (?1, ?9, ?2, ?3, ?4, nullif (?5, 0), "
               "?6, ?7, ?8, 'done', ?10, ?9)", "itiiitt" "tii",
               at, rno, device_id, stores[s].operator_id, no_store ? (gint64) 0 : stores[s].id,
               i % 3 == 0 ? "member" : "store", i % 3 == 0 ? "会员报修" : "门店报修",
               i % 2 ? "续航明显下降" : "无法充电", at + days * DAY, cost);
          repair_id = mt_db_last_insert_id (db);
          RUN ("INSERT INTO repair_steps (created_at, updated_at, repair_id, state, note, at) "
               "VALUES (?1, ?1, ?2, 'pending', '收到报修', ?1)", "ii", at, repair_id);
          RUN ("INSERT INTO repair_steps (created_at, updated_at, repair_id, state, note, at) "
               "VALUES (?1, ?1, ?2, 'repairing', '已检测', ?1)", "ii", at + DAY / 3, repair_id);
          RUN ("INSERT INTO repair_steps (created_at, updated_at, repair_id, state, note, cost_fen, at) "
               "VALUES (?1, ?1, ?2, 'done', ?3, ?4, ?1)", "iiti", at + days * DAY, repair_id, fix, cost);
        }
    }

  /* Recharges and balances */
  for (guint i = 0; i < n_members; i += 3)
    {
      static const gint64 amounts[] = { 10000, 20000, 50000 }, bonuses[] = { 500, 1500, 5000 };
      guint a = g_rand_int_range (rand, 0, 3);
      guint s = member_store[i];
      gint64 at = start + (gint64) (g_rand_double (rand) * 330 * DAY);
      g_autofree char *n1 = g_strdup_printf ("JY%010" G_GUINT64_FORMAT "R", ++txn);
      g_autofree char *n2 = g_strdup_printf ("JY%010" G_GUINT64_FORMAT "B", txn);

      RUN ("INSERT INTO recharges (created_at, updated_at, member_id, operator_id, store_id, amount_fen, "
           "bonus_fen, pay_method, campaign_id, at) VALUES (?1, ?1, ?2, ?3, ?4, ?5, ?6, 'online', 1, ?1)",
           "iiiiii", at, member_ids[i], stores[s].operator_id, stores[s].id, amounts[a], bonuses[a]);
      RUN ("INSERT INTO ledger (created_at, updated_at, txn_no, at, operator_id, store_id, member_id, kind, "
           "amount_fen, pay_method) VALUES (?1, ?1, ?2, ?1, ?3, ?4, ?5, 'recharge', ?6, 'online'), "
           "(?1, ?1, ?7, ?1, ?3, ?4, ?5, 'bonus', ?8, 'internal')", "itiiiiti",
           at, n1, stores[s].operator_id, stores[s].id, member_ids[i], amounts[a], n2, bonuses[a]);
      RUN ("UPDATE members SET balance_fen = balance_fen + ? WHERE id = ?", "ii", amounts[a] + bonuses[a],
           member_ids[i]);
    }

  /* Rental cards sold at the counter: a month card to one member in 25, some still running */
  for (guint i = 1; i < n_members; i += 25)
    {
      guint s = member_store[i];
      gint64 at = now - (gint64) (g_rand_double (rand) * 60 * DAY);
      const char *method = i % 2 ? "offline" : "online";
      g_autofree char *no = g_strdup_printf ("JY%010" G_GUINT64_FORMAT "C", ++txn);
      gint64 ledger_id;

      RUN ("INSERT INTO member_cards (created_at, updated_at, card_id, member_id, operator_id, store_id, starts_at, "
           "ends_at, state, price_fen, pay_method) VALUES (?1, ?1, 1, ?2, ?3, ?4, ?1, ?5, 'active', 15000, ?6)",
           "iiiiit", at, member_ids[i], stores[s].operator_id, stores[s].id, at + 30 * DAY, method);
      RUN ("INSERT INTO ledger (created_at, updated_at, txn_no, at, operator_id, store_id, member_id, kind, "
           "amount_fen, pay_method, note) VALUES (?1, ?1, ?2, ?1, ?3, ?4, ?5, 'rent', 15000, ?6, '租赁卡')",
           "itiiit", at, no, stores[s].operator_id, stores[s].id, member_ids[i], method);
      ledger_id = mt_db_last_insert_id (db);
      RUN ("INSERT INTO splits (created_at, updated_at, ledger_id, operator_id, store_id, total_fen, hq_fen, "
           "operator_fen, store_fen, at) VALUES (?1, ?1, ?2, ?3, ?4, 15000, 3000, 7500, 4500, ?1)",
           "iiii", at, ledger_id, stores[s].operator_id, stores[s].id);
    }

  /* Referrals, deposit refunds, withdrawals, messages, a geofence per city */
  for (guint i = 1; i + 1 < n_members && i < 60; i += 2)
    RUN ("INSERT INTO referrals (created_at, updated_at, referrer_id, member_id, operator_id, store_id, "
         "commission_fen, at) VALUES (?1, ?1, ?2, ?3, ?4, ?5, 1000, ?1)", "iiiii",
         start + i * DAY, member_ids[i], member_ids[i + 1], stores[member_store[i]].operator_id,
         stores[member_store[i]].id);
  /* the commissions reached the referrers' balances through the ledger */
  RUN ("UPDATE members SET referrer_id = (SELECT referrer_id FROM referrals r WHERE r.member_id = members.id) "
       "WHERE id IN (SELECT member_id FROM referrals)", NULL);
  RUN ("INSERT INTO ledger (created_at, updated_at, txn_no, at, operator_id, store_id, member_id, kind, amount_fen, "
       "pay_method, note) SELECT at, at, 'JYRF' || id, at, operator_id, store_id, referrer_id, 'commission', "
       "commission_fen, 'internal', '' FROM referrals", NULL);
  RUN ("UPDATE members SET balance_fen = balance_fen + (SELECT sum (commission_fen) FROM referrals r "
       "WHERE r.referrer_id = members.id) WHERE id IN (SELECT referrer_id FROM referrals)", NULL);
  RUN ("INSERT INTO deposit_refunds (created_at, updated_at, deposit_id, member_id, operator_id, store_id, "
       "amount_fen, state, reason, handled_by, handled_at) SELECT ?1, ?1, id, member_id, operator_id, store_id, "
       "amount_fen, 'refunded', '退租', (SELECT id FROM accounts WHERE username = 'finance'), ?1 "
       "FROM deposits WHERE state = 'refunded' AND id % 40 = 0", "i", now - 2 * DAY);
  for (guint i = 1; i < G_N_ELEMENTS (operators); i++)
    RUN ("INSERT INTO withdrawals (created_at, updated_at, operator_id, amount_fen, state, payee) "
         "VALUES (?1, ?1, ?2, 500000, 'paid', ?3), (?4, ?4, ?2, 200000, 'requested', ?3), "
         "(?5, ?5, ?2, 100000, 'approved', ?3)", "iiti" "i",
         now - 40 * DAY, op_ids[i], operators[i].name, now - DAY, now - 3 * DAY);
  /* the paid ones left through the ledger */
  RUN ("INSERT INTO ledger (created_at, updated_at, txn_no, at, operator_id, kind, amount_fen, pay_method) "
       "SELECT created_at, created_at, 'JYTX' || id, created_at, operator_id, 'withdrawal', -amount_fen, 'online' "
       "FROM withdrawals WHERE state = 'paid'", NULL);
  {
    static const char *const titles[] = { "春节期间营业时间调整", "新品 72V55Ah 电池上线", "夏季高温充电安全提示",
                                          "押金退还流程更新", "充值有礼活动开启", "系统维护通知" };
    for (guint i = 0; i < G_N_ELEMENTS (titles); i++)
      RUN ("INSERT INTO messages (created_at, updated_at, operator_id, title, body, audience, state, sent_at) "
           "VALUES (?1, ?1, ?2, ?3, ?4, ?5, ?6, nullif (?7, 0))", "iitttti",
           now - (30 - i * 5) * DAY, op_ids[0], titles[i], "请各门店及会员留意。",
           i % 3 == 0 ? "all" : i % 3 == 1 ? "members" : "stores", i < 5 ? "sent" : "draft",
           i < 5 ? now - (30 - i * 5) * DAY : (gint64) 0);
  }
  for (guint c = 0; c < n_stores; c++)
    {
      g_autofree char *name = g_strdup_printf ("%s运营区", cities[c].city);
      g_autofree char *geo = g_strdup_printf ("{\"type\":\"Feature\",\"geometry\":{\"type\":\"Point\","
                                              "\"coordinates\":[%.4f,%.4f]},\"properties\":{\"radius_m\":25000}}",
                                              cities[c].lng, cities[c].lat);
      RUN ("INSERT INTO geofences (created_at, updated_at, operator_id, name, shape, geojson) "
           "VALUES (?1, ?1, ?2, ?3, 'circle', ?4)", "iitt", start, stores[c].operator_id, name, geo);
      /* the city's zone watches the store's batteries: out of town raises an alarm */
      RUN ("INSERT INTO geofence_devices (created_at, updated_at, fence_id, device_id) SELECT ?1, ?1, ?2, id "
           "FROM devices WHERE store_id = ?3 AND operator_id = ?4", "iiii", start, mt_db_last_insert_id (db),
           stores[c].id, stores[c].operator_id);
    }

  /* the audit log of all that: who created the stores and repair tickets, and sent messages */
  RUN ("INSERT INTO audit_log (at, account_id, operator_id, operation, target_table, target_id, result) "
       "SELECT created_at, (SELECT id FROM accounts WHERE username = 'admin'), operator_id, 'create', "
       "'stores', id, 'ok' FROM stores", NULL);
  RUN ("INSERT INTO audit_log (at, account_id, operator_id, operation, target_table, target_id, result) "
       "SELECT created_at, (SELECT id FROM accounts WHERE username = 'tech'), operator_id, 'repair-report', "
       "'repairs', id, 'ok' FROM repairs", NULL);
  RUN ("INSERT INTO audit_log (at, account_id, operator_id, operation, target_table, target_id, result) "
       "SELECT sent_at, (SELECT id FROM accounts WHERE username = 'admin'), operator_id, 'message-send', "
       "'messages', id, 'ok' FROM messages WHERE state = 'sent'", NULL);

  g_debug ("Demo: rows written in %.1f s", (g_get_monotonic_time () - began) / 1e6);
  if (!bulk_end (db, bulk, error))
    goto fail;
  began = g_get_monotonic_time ();
  if (!mt_db_commit (db, error))
    goto fail;
  g_debug ("Demo: committed in %.1f s", (g_get_monotonic_time () - began) / 1e6);
  /* the query planner's figures for tables this size */
  return mt_db_exec (db, "PRAGMA analysis_limit = 1000; ANALYZE; PRAGMA cache_size = -32000; "
                         "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON;", error);

fail:
  mt_db_rollback (db);
  mt_db_exec (db, "PRAGMA cache_size = -32000; PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON;", NULL);
  return FALSE;
}
