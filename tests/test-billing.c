/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Billing and money: the charging rules as a table, then every branch of renting, renewing,
 * replacing, ending, refunds, recharges and withdrawals on a demo database, each followed by a
 * reconciliation of the books. */
#include "config.h"

#include <glib/gstdio.h>
#include <pango/pango.h>
#include <math.h>
#include <string.h>

#include "mt-billing.h"
#include "mt-db.h"
#include "mt-demo.h"
#include "mt-entity.h"
#include "mt-error.h"
#include "mt-listing.h"
#include "mt-ops.h"
#include "mt-orders.h"
#include "mt-reads.h"
#include "mt-dashboard.h"
#include "mt-stats-views.h"
#include "mt-receipt.h"
#include "mt-validate.h"
#include "test-util.h"

#define HOUR (G_USEC_PER_SEC * (gint64) 3600)
#define DAY (24 * HOUR)

/* ------------------------------------------------------------------ the table */

typedef struct
{
  const char *what;
  gint64      duration;     /* rented for, or late by */
  guint       period_days;  /* N */
  gint64      rent_fen;     /* P */
  gint64      periods;      /* expected ceil (days / N) */
  gint64      fen;          /* expected periods × P */
} PeriodCase;

static const PeriodCase period_cases[] = {
  { "an hour is a day", HOUR, 30, 12000, 1, 12000 },
  { "nothing is still a day", 0, 30, 12000, 1, 12000 },
  { "N-1 days", 29 * DAY, 30, 12000, 1, 12000 },
  { "N days", 30 * DAY, 30, 12000, 1, 12000 },
  { "N+1 days", 31 * DAY, 30, 12000, 2, 24000 },
  { "N days and an hour", 30 * DAY + HOUR, 30, 12000, 2, 24000 },
  { "N days and a second", 30 * DAY + G_USEC_PER_SEC, 30, 12000, 2, 24000 },
  { "2N days", 60 * DAY, 30, 12000, 2, 24000 },
  { "2N days and an hour", 60 * DAY + HOUR, 30, 12000, 3, 36000 },
  { "daily: a day and an hour", DAY + HOUR, 1, 1500, 2, 3000 },
  { "daily: exactly a day", DAY, 1, 1500, 1, 1500 },
  { "weekly: N-1", 6 * DAY, 7, 4999, 1, 4999 },
  { "weekly: N", 7 * DAY, 7, 4999, 1, 4999 },
  { "weekly: N+1", 8 * DAY, 7, 4999, 2, 9998 },
  { "yearly: 366 days", 366 * DAY, 365, 100001, 2, 200002 },
  { "a fen per period", 90 * DAY, 30, 1, 3, 3 },
};

static void
test_periods (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (period_cases); i++)
    {
      const PeriodCase *c = &period_cases[i];
      gint64 start = G_GINT64_CONSTANT (1767225600000000);   /* 2026-01-01 00:00 UTC */
      gint64 days = mt_billing_days (start, start + c->duration);
      gint64 periods = mt_billing_periods (days, c->period_days);

      g_test_message ("%s", c->what);
      g_assert_cmpint (periods, ==, c->periods);
      g_assert_cmpint (periods * c->rent_fen, ==, c->fen);
    }
}

typedef struct
{
  const char *what;
  gint64      late;      /* returned this long after expiry (negative: before) */
  gint64      overdue;   /* expected overdue rent, P = 12000 per 30 days */
} OverdueCase;

static const OverdueCase overdue_cases[] = {
  { "returned early", -5 * DAY, 0 },
  { "returned at expiry", 0, 0 },
  { "a second late", G_USEC_PER_SEC, 12000 },
  { "an hour late", HOUR, 12000 },
  { "N-1 days late", 29 * DAY, 12000 },
  { "N days late", 30 * DAY, 12000 },
  { "N days and an hour late", 30 * DAY + HOUR, 24000 },
  { "2N+1 days late", 61 * DAY, 36000 },
};

static void
test_overdue_rent (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (overdue_cases); i++)
    {
      gint64 expire = G_GINT64_CONSTANT (1767225600000000);

      g_test_message ("%s", overdue_cases[i].what);
      g_assert_cmpint (mt_billing_overdue_fen (12000, 30, expire, expire + overdue_cases[i].late), ==,
                       overdue_cases[i].overdue);
    }
}

typedef struct
{
  const char *what;
  guint       periods;
  guint       services;     /* bit set: 0 insurance per period 1000, 1 charger once 6000, 2 per period 250 */
  gboolean    deposit;
  gint64      rent, services_fen, deposit_fen, total;
} QuoteCase;

static const QuoteCase quote_cases[] = {
  { "no services", 1, 0, TRUE, 12000, 0, 50000, 62000 },
  { "per-period service, 1 period", 1, 1, TRUE, 12000, 1000, 50000, 63000 },
  { "per-period service, 3 periods", 3, 1, TRUE, 36000, 3000, 50000, 89000 },
  { "one-time service, 3 periods", 3, 2, TRUE, 36000, 6000, 50000, 92000 },
  { "all three, 2 periods", 2, 7, TRUE, 24000, 2000 + 6000 + 500, 50000, 82500 },
  { "renewal: no deposit", 2, 1, FALSE, 24000, 2000, 0, 26000 },
  { "renewal: one-time service charged again only when chosen", 2, 0, FALSE, 24000, 0, 0, 24000 },
};

static void
test_quotes (void)
{
  MtBillingRule rule = { .rent_fen = 12000, .period_days = 30, .deposit_fen = 50000, .n_services = 3,
                         .services = { { 1, "保险", 1000, TRUE }, { 2, "充电器", 6000, FALSE },
                                       { 3, "救援", 250, TRUE } } };

  for (guint i = 0; i < G_N_ELEMENTS (quote_cases); i++)
    {
      const QuoteCase *c = &quote_cases[i];
      MtQuote q;

      g_test_message ("%s", c->what);
      g_assert_true (mt_billing_quote (&rule, c->periods, c->services, c->deposit, &q, NULL));
      g_assert_cmpint (q.rent_fen, ==, c->rent);
      g_assert_cmpint (q.services_fen, ==, c->services_fen);
      g_assert_cmpint (q.deposit_fen, ==, c->deposit_fen);
      g_assert_cmpint (q.total_fen, ==, c->total);
    }
}

static void
test_money_text (void)
{
  static const struct { gint64 fen; const char *text; } cases[] = {
    { 0, "¥0.00" }, { 5, "¥0.05" }, { 12000, "¥120.00" }, { 123456789, "¥1,234,567.89" },
    { -150, "-¥1.50" }, { G_MININT64, "-¥92,233,720,368,547,758.08" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = mt_format_money (cases[i].fen);
      g_assert_cmpstr (text, ==, cases[i].text);
    }
}

static void
test_contract (void)
{
  g_autoptr(GHashTable) values = g_hash_table_new (g_str_hash, g_str_equal);
  g_autofree char *text = NULL;

  g_hash_table_insert (values, "party_b", "张三");
  g_hash_table_insert (values, "rent", "¥120.00");
  text = mt_contract_render ("乙方{party_b}，租金{rent}，{unknown}，{未闭合", values);
  g_assert_cmpstr (text, ==, "乙方张三，租金¥120.00，{unknown}，{未闭合");
  for (guint i = 0; mt_contract_placeholders ()[i]; i++)
    g_assert_nonnull (mt_contract_placeholder_title (mt_contract_placeholders ()[i]));
  /* by key, by the Chinese name, by the title in the console's language: the same value */
  g_clear_pointer (&text, g_free);
  text = mt_contract_render ("{甲方}/{乙方}/{租金}/{Party B}/{party_b}/{租期x}", values);
  g_assert_cmpstr (text, ==, "{甲方}/张三/¥120.00/张三/张三/{租期x}");
  g_clear_pointer (&text, g_free);
  {
    g_autofree char *titled = g_strdup_printf ("{%s}", mt_contract_placeholder_title ("rent"));

    text = mt_contract_render (titled, values);
    g_assert_cmpstr (text, ==, "¥120.00");
  }

  /* the simple markup as the PDF draws it; everything else is text */
  {
    g_autofree char *markup = mt_contract_to_pango ("# 租赁合同\n## 第一条\n甲方**须**按时<交付>&\n- 一项\n"
                                                   "| 项目 | 金额 |\n|---|---|\n| 租金 | ¥120 |\n**未闭合");
    g_auto(GStrv) lines = g_strsplit (markup, "\n", -1);

    g_assert_true (pango_parse_markup (markup, -1, 0, NULL, NULL, NULL, NULL));
    g_assert_cmpstr (lines[0], ==, "<span size=\"x-large\" weight=\"bold\">租赁合同</span>");
    g_assert_cmpstr (lines[1], ==, "<span size=\"large\" weight=\"bold\">第一条</span>");
    g_assert_cmpstr (lines[2], ==, "甲方<b>须</b>按时&lt;交付&gt;&amp;");
    g_assert_cmpstr (lines[3], ==, "  • 一项");
    g_assert_cmpstr (lines[4], ==, "项目  │  金额");
    g_assert_true (g_str_has_prefix (lines[5], "───"));
    g_assert_cmpstr (lines[6], ==, "租金  │  ¥120");
    g_assert_cmpstr (lines[7], ==, "**未闭合");
  }
}

/* ------------------------------------------------------------------ on a database */

typedef struct
{
  char    *dir;
  char    *path;
  MtDb    *db;
  MtActor *system;
} Fixture;

static gint64 fake_now;

static gint64
test_clock (void)
{
  return fake_now;
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->dir = g_dir_make_tmp ("mt-billing-XXXXXX", NULL);
  f->path = g_build_filename (f->dir, "test.db", NULL);
  mt_test_demo_copy (f->path);
  f->db = mt_db_open (f->path, &error);
  g_assert_no_error (error);
  f->system = mt_actor_new_system ();
  fake_now = g_get_real_time ();
  mt_set_clock (test_clock);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  mt_set_clock (NULL);
  mt_actor_free (f->system);
  mt_db_close (f->db);
  mt_test_remove_db (f->path);
  g_free (f->path);
  g_free (f->dir);
}

static void
assert_books_balance (MtDb *db)
{
  g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func (g_free);
  gboolean ok = mt_ledger_reconcile (db, problems);

  for (guint i = 0; i < problems->len && i < 10; i++)
    g_test_message ("%s", (const char *) problems->pdata[i]);
  g_assert_cmpuint (problems->len, ==, 0);
  g_assert_true (ok);
}

static MtActor *
actor_for (MtDb       *db,
           const char *username)
{
  g_autoptr(GError) error = NULL;
  gint64 id = mt_db_query_int (db, 0, "SELECT id FROM accounts WHERE username = ?", "t", username);
  MtActor *actor = mt_actor_load (db, id, &error);

  g_assert_no_error (error);
  return actor;
}

/* The Hangzhou West Lake store of the demo (district 330106): the "store" account's */
static gint64
store_of (MtDb       *db,
          const char *username)
{
  return mt_db_query_int (db, 0, "SELECT store_id FROM accounts WHERE username = ?", "t", username);
}

static gint64
ready_device (MtDb   *db,
              gint64  store_id,
              gint64  type_id)
{
  gint64 id = type_id
    ? mt_db_query_int (db, 0, "SELECT id FROM devices WHERE store_id = ? AND type_id = ? AND state = 'ready' "
                              "AND deleted = 0 ORDER BY id LIMIT 1", "ii", store_id, type_id)
    : mt_db_query_int (db, 0, "SELECT id FROM devices WHERE store_id = ? AND state = 'ready' AND deleted = 0 "
                              "ORDER BY id LIMIT 1", "i", store_id);
  g_assert_cmpint (id, >, 0);
  return id;
}

static gint64
make_device (MtDb   *db,
             gint64  store_id,
             gint64  type_id,
             const char *no)
{
  gint64 op = mt_db_query_int (db, 0, "SELECT operator_id FROM stores WHERE id = ?", "i", store_id);

  g_assert_true (mt_db_run (db, NULL, "INSERT INTO devices (created_at, updated_at, device_no, type_id, "
                                      "operator_id, store_id) VALUES (?1, ?1, ?2, ?3, ?4, ?5)", "itiii",
                            fake_now, no, type_id, op, store_id));
  return mt_db_last_insert_id (db);
}

static MtRentRequest
request_for (gint64      store_id,
             gint64      device_id,
             const char *method)
{
  MtRentRequest r = { .store_id = store_id, .device_id = device_id, .mobile = "13912345678",
                      .name = "测试骑手", .id_card = "11010519491231002X", .periods = 1,
                      .services = 0, .pay_method = method };
  return r;
}

/* A row's current version, as a client that just read it would send */
static gint64
row_version (MtDb       *db,
             const char *table,
             gint64      id)
{
  g_autofree char *sql = g_strdup_printf ("SELECT version FROM %s WHERE id = ?", table);
  return mt_db_query_int (db, 0, sql, "i", id);
}

static gint64
count (MtDb       *db,
       const char *table)
{
  g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM %s", table);
  return mt_db_query_int (db, -1, sql, NULL);
}

/* A rule of its own for the test type at a region, replacing what the demo had there */
static gint64
add_rule (MtDb       *db,
          const char *region,
          gint64      type_id,
          gint64      rent_fen,
          guint       period_days,
          gint64      deposit_fen)
{
  g_assert_true (mt_db_run (db, NULL, "UPDATE billing_rules SET deleted = 1 WHERE region_code = ? AND type_id = ?",
                            "ti", region, type_id));
  g_assert_true (mt_db_run (db, NULL, "INSERT INTO billing_rules (created_at, updated_at, operator_id, region_code, "
                                      "type_id, rent_fen, period_days, deposit_fen, contract) VALUES "
                                      "(?1, ?1, 1, ?2, ?3, ?4, ?5, ?6, '# 租赁合同' || char (10) || "
                                      "'乙方{乙方}租用{device}，押金**{deposit}**' || char (10) || '- 按时归还')",
                            "itiiii", fake_now, region, type_id, rent_fen, (gint64) period_days, deposit_fen));
  return mt_db_last_insert_id (db);
}

/* A type of its own, so the demo's rules do not interfere */
static gint64
test_type (MtDb *db)
{
  g_assert_true (mt_db_run (db, NULL, "INSERT INTO device_types (created_at, updated_at, name) "
                                      "VALUES (?1, ?1, '测试型号')", "i", fake_now));
  return mt_db_last_insert_id (db);
}

static void
test_region_specificity (Fixture       *f,
                         gconstpointer  data)
{
  gint64 type = test_type (f->db);
  gint64 west_lake = mt_db_query_int (f->db, 0, "SELECT id FROM stores WHERE region_code = '330106'", NULL);
  gint64 yuhang = mt_db_query_int (f->db, 0, "SELECT id FROM stores WHERE region_code = '330110'", NULL);
  gint64 beijing = mt_db_query_int (f->db, 0, "SELECT id FROM stores WHERE region_code LIKE '11%'", NULL);
  gint64 province = add_rule (f->db, "33", type, 10000, 30, 40000);
  gint64 city = add_rule (f->db, "3301", type, 11000, 30, 40000);
  gint64 district = add_rule (f->db, "330106", type, 12000, 30, 40000);
  g_autoptr(GError) error = NULL;
  MtBillingRule *rule;

  /* district beats city beats province */
  rule = mt_billing_match (f->db, west_lake, type, &error);
  g_assert_no_error (error);
  g_assert_cmpint (rule->id, ==, district);
  mt_billing_rule_free (rule);
  rule = mt_billing_match (f->db, yuhang, type, &error);
  g_assert_no_error (error);
  g_assert_cmpint (rule->id, ==, city);
  mt_billing_rule_free (rule);
  g_assert_true (mt_db_run (f->db, NULL, "UPDATE billing_rules SET deleted = 1 WHERE id = ?", "i", city));
  rule = mt_billing_match (f->db, yuhang, type, &error);
  g_assert_no_error (error);
  g_assert_cmpint (rule->id, ==, province);
  mt_billing_rule_free (rule);

  /* outside every rule's region: a clear refusal, and renting is refused the same way */
  rule = mt_billing_match (f->db, beijing, type, &error);
  g_assert_null (rule);
  g_assert_error (error, MT_ERROR, MT_ERROR_CONFLICT);
  g_assert_nonnull (strstr (error->message, "测试型号"));
  g_clear_error (&error);
  {
    gint64 device = make_device (f->db, beijing, type, "TEST000001");
    MtRentRequest r = request_for (beijing, device, "offline");
    gint64 orders = count (f->db, "orders");

    g_assert_cmpint (mt_order_rent (f->db, f->system, &r, &error), ==, 0);
    g_assert_error (error, MT_ERROR, MT_ERROR_CONFLICT);
    g_assert_cmpint (count (f->db, "orders"), ==, orders);
    g_clear_error (&error);
  }

  /* a sibling operator's rule does not apply */
  g_assert_true (mt_db_run (f->db, NULL, "UPDATE billing_rules SET operator_id = 3 WHERE id = ?", "i", province));
  rule = mt_billing_match (f->db, yuhang, type, &error);
  g_assert_null (rule);
  g_assert_error (error, MT_ERROR, MT_ERROR_CONFLICT);
  g_clear_error (&error);

  /* a second rule for the same region and type, and a fourth service, are refused */
  g_assert_false (mt_db_run (f->db, &error, "INSERT INTO billing_rules (created_at, updated_at, operator_id, "
                                            "region_code, type_id, rent_fen, period_days) VALUES (1, 1, 1, '330106', "
                                            "?, 100, 30)", "i", type));
  g_clear_error (&error);
  for (guint i = 0; i < 3; i++)
    g_assert_true (mt_db_run (f->db, NULL, "INSERT INTO billing_services (created_at, updated_at, rule_id, name, "
                                           "price_fen) VALUES (1, 1, ?, 'x', 100)", "i", district));
  g_assert_false (mt_db_run (f->db, &error, "INSERT INTO billing_services (created_at, updated_at, rule_id, name, "
                                            "price_fen) VALUES (1, 1, ?, 'x', 100)", "i", district));
  g_clear_error (&error);
  assert_books_balance (f->db);
}

/* Rent at the district rule's price with per-period and one-time services, paid by each route */
static void
test_rent_and_end_routes (Fixture       *f,
                          gconstpointer  data)
{
  static const char *const routes[] = { "offline", "online", "balance" };
  gint64 type = test_type (f->db);
  gint64 store = store_of (f->db, "store");
  gint64 rule = add_rule (f->db, "330106", type, 12000, 30, 50000);
  g_autoptr(MtActor) manager = actor_for (f->db, "store");

  g_assert_true (mt_db_run (f->db, NULL, "INSERT INTO billing_services (created_at, updated_at, rule_id, name, "
                                         "price_fen, per_period) VALUES (1, 1, ?1, '保险', 1000, 1), "
                                         "(1, 1, ?1, '充电器', 6000, 0)", "i", rule));
  for (guint i = 0; i < G_N_ELEMENTS (routes); i++)
    {
      g_autofree char *no = g_strdup_printf ("ROUTE%05u", i);
      gint64 device = make_device (f->db, store, type, no);
      MtRentRequest r = request_for (store, device, routes[i]);
      g_autoptr(GError) error = NULL;
      gint64 member, balance, order;
      MtSettlement s;
      MtEndRequest end = { 0 };
      MtQuote quote;
      g_autofree char *contract = NULL;

      r.periods = 2;
      r.services = 3;
      g_assert_true (mt_order_quote (f->db, manager, &r, &quote, &contract, NULL, &error));
      g_assert_no_error (error);
      g_assert_cmpint (quote.total_fen, ==, 24000 + 2000 + 6000 + 50000);
      g_assert_nonnull (strstr (contract, no));
      g_assert_nonnull (strstr (contract, "¥500.00"));

      if (g_str_equal (routes[i], "balance"))
        {
          /* short of money: refused, nothing written */
          gint64 orders = count (f->db, "orders"), ledger = count (f->db, "ledger");
          member = mt_db_query_int (f->db, 0, "SELECT id FROM members WHERE mobile = '13912345678'", NULL);
          g_assert_cmpint (member, >, 0);
          balance = mt_db_query_int (f->db, 0, "SELECT balance_fen FROM members WHERE id = ?", "i", member);
          g_assert_cmpint (balance, <, quote.total_fen);
          g_assert_cmpint (mt_order_rent (f->db, manager, &r, &error), ==, 0);
          g_assert_error (error, MT_ERROR, MT_ERROR_INVALID);
          g_clear_error (&error);
          g_assert_cmpint (count (f->db, "orders"), ==, orders);
          g_assert_cmpint (count (f->db, "ledger"), ==, ledger);
          g_assert_true (mt_member_recharge (f->db, manager, member, 0, 100000, "offline", &error));
          g_assert_no_error (error);
        }
      order = mt_order_rent (f->db, manager, &r, &error);
      g_assert_no_error (error);
      g_assert_cmpint (order, >, 0);
      member = mt_db_query_int (f->db, 0, "SELECT member_id FROM orders WHERE id = ?", "i", order);
      balance = mt_db_query_int (f->db, 0, "SELECT balance_fen FROM members WHERE id = ?", "i", member);
      mt_assert_query_text (f->db, "rented", "SELECT state FROM devices WHERE id = ?", "i", device);
      g_assert_cmpint (mt_db_query_int (f->db, 0, "SELECT expire_at - start_at FROM orders WHERE id = ?", "i", order),
                       ==, 60 * DAY);
      g_assert_cmpint (mt_db_query_int (f->db, 0, "SELECT sum (amount_fen) FROM ledger WHERE order_id = ? AND pay_method = ?",
                                        "it", order, routes[i]), ==, quote.total_fen);
      g_assert_cmpint (mt_db_query_int (f->db, 0, "SELECT count(*) FROM splits WHERE order_id = ?", "i", order), ==, 2);
      assert_books_balance (f->db);

      /* its receipt and contract: a two-page PDF, refused to another store's manager */
      if (i == 0)
        {
          g_autoptr(MtOrderDoc) doc = mt_order_doc_load (f->db, manager, order, &error);
          g_autofree char *pdf = g_build_filename (f->dir, "receipt.pdf", NULL);
          g_autofree char *contents = NULL;
          g_autoptr(MtActor) other = actor_for (f->db, "tech");
          gsize len = 0;
          guint pages = 0;

          g_assert_no_error (error);
          g_assert_true (mt_order_doc_write_pdf (doc, pdf, &error));
          g_assert_true (g_file_get_contents (pdf, &contents, &len, NULL));
          g_assert_true (g_str_has_prefix (contents, "%PDF"));
          /* the PDF holds binary streams: search its bytes, not a string */
          for (gsize at = 0; at + 12 <= len; at++)
            pages += memcmp (contents + at, "/Type /Page", 11) == 0 && contents[at + 11] != 's';
          g_assert_cmpuint (pages, ==, 2);
          /* the contract's markup is drawn, not printed: its heading and bold, no marks left */
          {
            const char *argv[] = { "pdftotext", pdf, "-", NULL };
            g_autofree char *out = NULL;
            int status = 0;

            g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL,
                                         NULL, NULL, &out, NULL, &status, NULL));
            g_assert_cmpint (status, ==, 0);
            g_assert_nonnull (strstr (out, "租赁合同"));
            g_assert_nonnull (strstr (out, "¥500.00"));
            g_assert_null (strstr (out, "**"));
            g_assert_null (strstr (out, "# "));
            g_assert_null (strstr (out, "{乙方}"));
          }
          g_unlink (pdf);
          g_assert_null (mt_order_doc_load (f->db, other, order, &error));
          g_assert_error (error, MT_ERROR, MT_ERROR_FORBIDDEN);
          g_clear_error (&error);
        }

      /* returned on time: the whole deposit goes back by the same route */
      fake_now += 59 * DAY;
      g_assert_true (mt_order_end (f->db, manager, order, &end, &s, &error));
      g_assert_no_error (error);
      g_assert_cmpint (s.overdue_fen, ==, 0);
      g_assert_cmpint (s.refund_fen, ==, 50000);
      g_assert_cmpint (mt_db_query_int (f->db, 0, "SELECT amount_fen FROM ledger WHERE order_id = ? AND kind = 'deposit_out' "
                                        "AND pay_method = ?", "it", order, routes[i]), ==, -50000);
      mt_assert_query_text (f->db, "refunded", "SELECT state FROM deposits WHERE order_id = ?", "i", order);
      mt_assert_query_text (f->db, "ready", "SELECT state FROM devices WHERE id = ?", "i", device);
      g_assert_cmpint (mt_db_query_int (f->db, 0, "SELECT balance_fen FROM members WHERE id = ?", "i", member), ==,
                       balance + (g_str_equal (routes[i], "balance") ? 50000 : 0));
      assert_books_balance (f->db);

      /* and cannot end twice */
      g_assert_false (mt_order_end (f->db, manager, order, &end, NULL, &error));
      g_assert_error (error, MT_ERROR, MT_ERROR_CONFLICT);
    }
}

typedef struct
{
  const char *what;
  gint64      late;          /* returned this long after expiry */
  gint64      damage;
  gint64      overdue, deducted, shortfall, refund;
  const char *deposit_state;
} SettleCase;

/* P = 12000 per 30 days, deposit 20000 */
static const SettleCase settle_cases[] = {
  { "on time", -DAY, 0, 0, 0, 0, 20000, "refunded" },
  { "an hour late", HOUR, 0, 12000, 12000, 0, 8000, "refunded" },
  { "N days late", 30 * DAY, 0, 12000, 12000, 0, 8000, "refunded" },
  { "N+1 days late: two periods, deposit short", 31 * DAY, 0, 24000, 20000, 4000, 0, "deducted" },
  { "damages within the deposit", -DAY, 5000, 0, 5000, 0, 15000, "refunded" },
  { "late and damaged", HOUR, 8000, 12000, 20000, 0, 0, "deducted" },
  { "damages above the deposit", -DAY, 26000, 0, 20000, 6000, 0, "deducted" },
};

static void
test_settlements (Fixture       *f,
                  gconstpointer  data)
{
  gint64 type = test_type (f->db);
  gint64 store = store_of (f->db, "store");
  g_autoptr(MtActor) manager = actor_for (f->db, "store");

  add_rule (f->db, "330106", type, 12000, 30, 20000);
  for (guint i = 0; i < G_N_ELEMENTS (settle_cases); i++)
    {
      const SettleCase *c = &settle_cases[i];
      g_autofree char *no = g_strdup_printf ("SETTLE%04u", i);
      gint64 device = make_device (f->db, store, type, no);
      MtRentRequest r = request_for (store, device, "online");
      MtEndRequest end = { .damage_fen = c->damage, .pay_method = "offline" };
      g_autoptr(GError) error = NULL;
      MtSettlement preview, s;
      gint64 order, ledger_out;

      g_test_message ("%s", c->what);
      order = mt_order_rent (f->db, manager, &r, &error);
      g_assert_no_error (error);
      fake_now += 30 * DAY + c->late;
      g_assert_true (mt_order_settlement (f->db, manager, order, &end, &preview, &error));
      g_assert_true (mt_order_end (f->db, manager, order, &end, &s, &error));
      g_assert_no_error (error);
      g_assert_cmpmem (&preview, sizeof preview, &s, sizeof s);
      g_assert_cmpint (s.overdue_fen, ==, c->overdue);
      g_assert_cmpint (s.deducted_fen, ==, c->deducted);
      g_assert_cmpint (s.shortfall_fen, ==, c->shortfall);
      g_assert_cmpint (s.refund_fen, ==, c->refund);
      mt_assert_query_text (f->db, c->deposit_state, "SELECT state FROM deposits WHERE order_id = ?", "i", order);
      /* the refund goes back online (the rental's route), what the deposit did not cover was paid
       * at the counter */
      ledger_out = mt_db_query_int (f->db, 0, "SELECT coalesce (sum (amount_fen), 0) FROM ledger WHERE order_id = ? "
                                              "AND kind = 'deposit_out' AND pay_method = 'online'", "i", order);
      g_assert_cmpint (ledger_out, ==, -c->refund);
      g_assert_cmpint (mt_db_query_int (f->db, 0, "SELECT coalesce (sum (amount_fen), 0) FROM ledger WHERE order_id = ? "
                                                  "AND pay_method = 'offline'", "i", order), ==, c->shortfall);
      assert_books_balance (f->db);
    }
}

static void
test_renewals_and_overdue (Fixture       *f,
                           gconstpointer  data)
{
  gint64 type = test_type (f->db);
  gint64 store = store_of (f->db, "store");
  gint64 rule = add_rule (f->db, "330106", type, 12000, 30, 20000);
  g_autoptr(MtActor) manager = actor_for (f->db, "store");
  g_autoptr(GError) error = NULL;
  gint64 device = make_device (f->db, store, type, "RENEW00001");
  MtRentRequest r = request_for (store, device, "offline");
  gint64 order, expire, start;

  g_assert_true (mt_db_run (f->db, NULL, "INSERT INTO billing_services (created_at, updated_at, rule_id, name, "
                                         "price_fen, per_period) VALUES (1, 1, ?1, '保险', 1000, 1), "
                                         "(1, 1, ?1, '充电器', 6000, 0)", "i", rule));
  r.services = 3;
  order = mt_order_rent (f->db, manager, &r, &error);
  g_assert_no_error (error);
  start = fake_now;
  expire = start + 30 * DAY;

  /* renewing two periods: rent and the per-period service twice, not the one-time charger */
  g_assert_true (mt_order_renew (f->db, manager, order, 2, "offline", &error));
  g_assert_no_error (error);
  g_assert_cmpint (mt_db_query_int (f->db, 0, "SELECT expire_at FROM orders WHERE id = ?", "i", order), ==, expire + 60 * DAY);
  g_assert_cmpint (mt_db_query_int (f->db, 0, "SELECT rent_fen FROM orders WHERE id = ?", "i", order), ==, 36000);
  g_assert_cmpint (mt_db_query_int (f->db, 0, "SELECT services_fen FROM orders WHERE id = ?", "i", order), ==, 3000 + 6000);
  g_assert_cmpint (mt_db_query_int (f->db, 0, "SELECT rent_expiry FROM devices WHERE id = ?", "i", device), ==, expire + 60 * DAY);
  assert_books_balance (f->db);

  /* past expiry: overdue on the periodic check, with the power-cut intent after the grace hours */
  g_assert_true (mt_setting_set (f->db, f->system, "overdue_power_cut", "1", &error));
  g_assert_true (mt_setting_set (f->db, f->system, "overdue_grace_hours", "24", &error));
  g_assert_no_error (error);
  fake_now = expire + 60 * DAY + HOUR;
  g_assert_cmpint (mt_orders_mark_overdue (f->db, &error), >=, 1);
  mt_assert_query_text (f->db, "overdue", "SELECT state FROM orders WHERE id = ?", "i", order);
  g_assert_cmpint (mt_db_query_int (f->db, -1, "SELECT power_cut FROM orders WHERE id = ?", "i", order), ==, 0);
  fake_now += 24 * HOUR;
  g_assert_cmpint (mt_orders_mark_overdue (f->db, &error), ==, 0);
  g_assert_cmpint (mt_db_query_int (f->db, -1, "SELECT power_cut FROM orders WHERE id = ?", "i", order), ==, 1);

  /* renewing an overdue order covers its late days: active again, no overdue rent at the end */
  g_assert_true (mt_order_renew (f->db, manager, order, 1, "online", &error));
  g_assert_no_error (error);
  mt_assert_query_text (f->db, "active", "SELECT state FROM orders WHERE id = ?", "i", order);
  {
    MtEndRequest end = { 0 };
    MtSettlement s;

    g_assert_true (mt_order_end (f->db, manager, order, &end, &s, &error));
    g_assert_cmpint (s.overdue_fen, ==, 0);
    g_assert_cmpint (s.refund_fen, ==, 20000);
  }
  /* an ended order is not renewed; periods out of range are refused naming the field */
  g_assert_false (mt_order_renew (f->db, manager, order, 1, "offline", &error));
  g_assert_error (error, MT_ERROR, MT_ERROR_CONFLICT);
  g_clear_error (&error);
  g_assert_false (mt_order_renew (f->db, manager, order, 0, "offline", &error));
  g_assert_cmpstr (mt_error_get_field (error), ==, "periods");
  assert_books_balance (f->db);
}

static void
test_replace (Fixture       *f,
              gconstpointer  data)
{
  gint64 type = test_type (f->db);
  gint64 store = store_of (f->db, "store");
  g_autoptr(MtActor) manager = actor_for (f->db, "store");
  g_autoptr(GError) error = NULL;
  gint64 first = make_device (f->db, store, type, "SWAP000001");
  gint64 second = make_device (f->db, store, type, "SWAP000002");
  gint64 third = make_device (f->db, store, type, "SWAP000003");
  gint64 other_type = ready_device (f->db, store, 0);
  MtRentRequest r = request_for (store, first, "offline");
  gint64 order;

  add_rule (f->db, "330106", type, 12000, 30, 20000);
  order = mt_order_rent (f->db, manager, &r, &error);
  g_assert_no_error (error);

  /* another type, or the same device, is refused */
  g_assert_false (mt_order_replace (f->db, manager, order, other_type, NULL, &error));
  g_assert_cmpstr (mt_error_get_field (error), ==, "device_id");
  g_clear_error (&error);

  /* the old one back to ready */
  g_assert_true (mt_order_replace (f->db, manager, order, second, NULL, &error));
  g_assert_no_error (error);
  mt_assert_query_text (f->db, "ready", "SELECT state FROM devices WHERE id = ?", "i", first);
  mt_assert_query_text (f->db, "rented", "SELECT state FROM devices WHERE id = ?", "i", second);
  /* the old one to repair: a ticket with the fault; the device cannot be rented meanwhile */
  g_assert_true (mt_order_replace (f->db, manager, order, third, "电芯鼓包", &error));
  g_assert_no_error (error);
  mt_assert_query_text (f->db, "repair", "SELECT state FROM devices WHERE id = ?", "i", second);
  mt_assert_query_text (f->db, "电芯鼓包", "SELECT fault FROM repairs WHERE device_id = ?", "i", second);
  g_assert_cmpint (mt_db_query_int (f->db, 0, "SELECT count(*) FROM rentals WHERE order_id = ?", "i", order), ==, 3);
  g_assert_cmpint (mt_db_query_int (f->db, 0, "SELECT count(*) FROM rentals WHERE order_id = ? AND end_at IS NULL",
                                    "i", order), ==, 1);
  {
    MtRentRequest again = request_for (store, second, "offline");
    again.mobile = "13912340000";
    g_assert_cmpint (mt_order_rent (f->db, manager, &again, &error), ==, 0);
    g_assert_cmpstr (mt_error_get_field (error), ==, "device_id");
    g_clear_error (&error);
  }
  assert_books_balance (f->db);
}

static void
test_refusals_and_scope (Fixture       *f,
                         gconstpointer  data)
{
  gint64 type = test_type (f->db);
  gint64 store = store_of (f->db, "store");
  gint64 other_store = mt_db_query_int (f->db, 0, "SELECT id FROM stores WHERE region_code = '330110'", NULL);
  g_autoptr(MtActor) manager = actor_for (f->db, "store");
  g_autoptr(MtActor) tech = actor_for (f->db, "tech");
  g_autoptr(GError) error = NULL;
  gint64 device = make_device (f->db, store, type, "SCOPE00001");
  gint64 elsewhere = make_device (f->db, other_store, type, "SCOPE00002");
  gint64 orders = count (f->db, "orders"), ledger = count (f->db, "ledger");
  MtRentRequest r;
  gint64 order;

  add_rule (f->db, "33", type, 12000, 30, 20000);

  /* another store's device, or renting at another store: forbidden or refused */
  r = request_for (store, elsewhere, "offline");
  g_assert_cmpint (mt_order_rent (f->db, manager, &r, &error), ==, 0);
  g_assert_cmpstr (mt_error_get_field (error), ==, "device_id");
  g_clear_error (&error);
  r = request_for (other_store, elsewhere, "offline");
  g_assert_cmpint (mt_order_rent (f->db, manager, &r, &error), ==, 0);
  g_assert_error (error, MT_ERROR, MT_ERROR_FORBIDDEN);
  g_clear_error (&error);
  /* a technician does not rent */
  r = request_for (store, device, "offline");
  g_assert_cmpint (mt_order_rent (f->db, tech, &r, &error), ==, 0);
  g_assert_error (error, MT_ERROR, MT_ERROR_FORBIDDEN);
  g_clear_error (&error);
  /* bad member fields name the field */
  r.id_card = "110105194912310021";
  g_assert_cmpint (mt_order_rent (f->db, manager, &r, &error), ==, 0);
  g_assert_cmpstr (mt_error_get_field (error), ==, "id_card");
  g_clear_error (&error);
  r = request_for (store, device, "offline");
  r.mobile = "1391234567";
  g_assert_cmpint (mt_order_rent (f->db, manager, &r, &error), ==, 0);
  g_assert_cmpstr (mt_error_get_field (error), ==, "mobile");
  g_clear_error (&error);
  /* a payment method the store does not take; an unknown one; a service the rule lacks */
  g_assert_true (mt_db_run (f->db, NULL, "UPDATE stores SET pay_offline = 0 WHERE id = ?", "i", store));
  r = request_for (store, device, "offline");
  g_assert_cmpint (mt_order_rent (f->db, manager, &r, &error), ==, 0);
  g_assert_cmpstr (mt_error_get_field (error), ==, "pay_method");
  g_clear_error (&error);
  r.pay_method = "bitcoin";
  g_assert_cmpint (mt_order_rent (f->db, manager, &r, &error), ==, 0);
  g_assert_cmpstr (mt_error_get_field (error), ==, "pay_method");
  g_clear_error (&error);
  r = request_for (store, device, "online");
  r.services = 1;
  g_assert_cmpint (mt_order_rent (f->db, manager, &r, &error), ==, 0);
  g_assert_cmpstr (mt_error_get_field (error), ==, "services");
  g_clear_error (&error);
  r.services = 0;
  r.periods = MT_MAX_PERIODS + 1;
  g_assert_cmpint (mt_order_rent (f->db, manager, &r, &error), ==, 0);
  g_assert_cmpstr (mt_error_get_field (error), ==, "periods");
  g_clear_error (&error);
  /* nothing of those was written */
  g_assert_cmpint (count (f->db, "orders"), ==, orders);
  g_assert_cmpint (count (f->db, "ledger"), ==, ledger);

  /* another store's order cannot be ended by this manager; forced settlement needs the store's
   * permission */
  r = request_for (other_store, elsewhere, "online");
  order = mt_order_rent (f->db, f->system, &r, &error);
  g_assert_no_error (error);
  {
    MtEndRequest end = { 0 }, forced = { .forced = TRUE };
    g_autoptr(MtActor) east = actor_for (f->db, "east");
    gint64 mine;

    g_assert_false (mt_order_end (f->db, manager, order, &end, NULL, &error));
    g_assert_error (error, MT_ERROR, MT_ERROR_FORBIDDEN);
    g_clear_error (&error);
    r = request_for (store, device, "online");
    mine = mt_order_rent (f->db, manager, &r, &error);
    g_assert_no_error (error);
    g_assert_true (mt_db_run (f->db, NULL, "UPDATE stores SET forced_settlement = 0 WHERE id = ?", "i", store));
    g_assert_false (mt_order_end (f->db, manager, mine, &forced, NULL, &error));
    g_assert_error (error, MT_ERROR, MT_ERROR_FORBIDDEN);
    g_clear_error (&error);
    g_assert_true (mt_order_end (f->db, east, mine, &forced, NULL, &error));   /* its operator may */
    g_assert_no_error (error);
    g_assert_true (mt_db_run (f->db, NULL, "UPDATE stores SET forced_settlement = 1 WHERE id = ?", "i", store));
    mine = mt_order_rent (f->db, manager, &r, &error);
    g_assert_true (mt_order_end (f->db, manager, mine, &forced, NULL, &error));
    g_assert_no_error (error);
  }
  assert_books_balance (f->db);
}

static void
test_deposit_refund_requests (Fixture       *f,
                              gconstpointer  data)
{
  gint64 type = test_type (f->db);
  gint64 store = store_of (f->db, "store");
  g_autoptr(MtActor) manager = actor_for (f->db, "store");
  g_autoptr(MtActor) finance = actor_for (f->db, "finance");
  g_autoptr(GError) error = NULL;
  MtEndRequest hold = { .hold_deposit = TRUE };

  add_rule (f->db, "330106", type, 12000, 30, 20000);
  for (guint approve = 0; approve < 2; approve++)
    {
      g_autofree char *no = g_strdup_printf ("HOLD%06u", approve);
      MtRentRequest r = request_for (store, make_device (f->db, store, type, no), "online");
      gint64 order = mt_order_rent (f->db, manager, &r, &error), refund;

      g_assert_true (mt_order_end (f->db, manager, order, &hold, NULL, &error));
      g_assert_no_error (error);
      mt_assert_query_text (f->db, "held", "SELECT state FROM deposits WHERE order_id = ?", "i", order);
      refund = mt_db_query_int (f->db, 0, "SELECT r.id FROM deposit_refunds r JOIN deposits d ON d.id = r.deposit_id "
                                          "WHERE d.order_id = ? AND r.state = 'requested'", "i", order);
      g_assert_cmpint (refund, >, 0);
      assert_books_balance (f->db);

      /* a store manager may not approve; rejecting needs a reason */
      g_assert_false (mt_deposit_refund_handle (f->db, manager, refund, TRUE, NULL, &error));
      g_assert_error (error, MT_ERROR, MT_ERROR_FORBIDDEN);
      g_clear_error (&error);
      g_assert_false (mt_deposit_refund_handle (f->db, finance, refund, FALSE, "", &error));
      g_assert_cmpstr (mt_error_get_field (error), ==, "reason");
      g_clear_error (&error);

      g_assert_true (mt_deposit_refund_handle (f->db, finance, refund, approve, approve ? NULL : "外壳破损", &error));
      g_assert_no_error (error);
      mt_assert_query_text (f->db, approve ? "refunded" : "deducted", "SELECT state FROM deposits WHERE order_id = ?",
                            "i", order);
      g_assert_cmpint (mt_db_query_int (f->db, 0, "SELECT coalesce (sum (amount_fen), 0) FROM ledger WHERE order_id = ? "
                                                  "AND kind = 'deposit_out' AND pay_method = 'online'", "i", order), ==,
                       approve ? -20000 : 0);
      /* handled once only */
      g_assert_false (mt_deposit_refund_handle (f->db, finance, refund, TRUE, NULL, &error));
      g_assert_error (error, MT_ERROR, MT_ERROR_CONFLICT);
      g_clear_error (&error);
      assert_books_balance (f->db);
    }
}

static void
test_recharges (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(MtActor) manager = actor_for (f->db, "store");
  g_autoptr(GError) error = NULL;
  gint64 store = store_of (f->db, "store");
  gint64 member = mt_db_query_int (f->db, 0, "SELECT id FROM members WHERE store_id = ? ORDER BY id LIMIT 1", "i", store);
  gint64 other = mt_db_query_int (f->db, 0, "SELECT id FROM members WHERE store_id <> ? ORDER BY id LIMIT 1", "i", store);
  gint64 plan = mt_db_query_int (f->db, 0, "SELECT id FROM recharge_plans WHERE amount_fen = 20000", NULL);
  gint64 balance = mt_db_query_int (f->db, 0, "SELECT balance_fen FROM members WHERE id = ?", "i", member);

  /* a denomination with its campaign's bonus */
  g_assert_true (mt_member_recharge (f->db, manager, member, plan, 0, "online", &error));
  g_assert_no_error (error);
  g_assert_cmpint (mt_db_query_int (f->db, 0, "SELECT balance_fen FROM members WHERE id = ?", "i", member), ==,
                   balance + 20000 + 1500);
  /* after the campaign: no bonus */
  g_assert_true (mt_db_run (f->db, NULL, "UPDATE campaigns SET ends_at = ? WHERE id = 1", "i", fake_now - DAY));
  g_assert_true (mt_member_recharge (f->db, manager, member, plan, 0, "online", &error));
  g_assert_cmpint (mt_db_query_int (f->db, 0, "SELECT balance_fen FROM members WHERE id = ?", "i", member), ==,
                   balance + 2 * 20000 + 1500);
  /* a free amount; bad amounts and routes; another store's member */
  g_assert_true (mt_member_recharge (f->db, manager, member, 0, 123, "offline", &error));
  g_assert_false (mt_member_recharge (f->db, manager, member, 0, 0, "offline", &error));
  g_assert_cmpstr (mt_error_get_field (error), ==, "amount_fen");
  g_clear_error (&error);
  g_assert_false (mt_member_recharge (f->db, manager, member, 0, 100, "balance", &error));
  g_assert_cmpstr (mt_error_get_field (error), ==, "pay_method");
  g_clear_error (&error);
  g_assert_false (mt_member_recharge (f->db, manager, other, 0, 100, "offline", &error));
  g_assert_error (error, MT_ERROR, MT_ERROR_FORBIDDEN);
  g_clear_error (&error);
  assert_books_balance (f->db);
}

/* 会员详情: a member's histories as the account may see them, newest first */
static void
test_member_details (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(MtActor) manager = actor_for (f->db, "store");
  g_autoptr(MtActor) tech = actor_for (f->db, "tech");
  g_autoptr(MtActor) admin = actor_for (f->db, "admin");
  g_autoptr(MtMemberDetails) details = NULL;
  gint64 store = store_of (f->db, "store");
  gint64 member = mt_db_query_int (f->db, 0, "SELECT m.id FROM members m JOIN orders o ON o.member_id = m.id "
                                             "WHERE m.store_id = ? AND m.deleted = 0 GROUP BY m.id "
                                             "ORDER BY count (*) DESC LIMIT 1", "i", store);
  gint64 other = mt_db_query_int (f->db, 0, "SELECT id FROM members WHERE store_id <> ? AND deleted = 0 LIMIT 1",
                                  "i", store);

  g_assert_cmpint (member, >, 0);
  details = mt_read_member_details (f->db, manager, member, 100);
  g_assert_nonnull (details);
  g_assert_cmpint (details->balance_fen, ==, mt_db_query_int (f->db, -1, "SELECT balance_fen FROM members WHERE id = ?",
                                                              "i", member));
  g_assert_cmpint (details->withdrawable_fen, ==, mt_member_withdrawable (f->db, member));
  g_assert_cmpint (details->sections[MT_MEMBER_ORDERS]->len, ==,
                   MIN (100, mt_db_query_int (f->db, -1, "SELECT count (*) FROM orders WHERE member_id = ? AND deleted = 0",
                                              "i", member)));
  g_assert_cmpint (details->sections[MT_MEMBER_DEPOSITS]->len, ==,
                   MIN (100, mt_db_query_int (f->db, -1, "SELECT count (*) FROM deposits WHERE member_id = ? AND deleted = 0",
                                              "i", member)));
  g_assert_cmpuint (details->sections[MT_MEMBER_ORDERS]->len, >, 0);
  for (guint s = 0; s < MT_MEMBER_N_SECTIONS; s++)
    for (guint i = 1; i < details->sections[s]->len; i++)
      g_assert_cmpint (g_array_index (details->sections[s], MtMemberLine, i).at, <=,
                       g_array_index (details->sections[s], MtMemberLine, i - 1).at);
  /* the codes named as the lists name them */
  for (guint i = 0; i < details->sections[MT_MEMBER_ORDERS]->len; i++)
    {
      const char *state = g_array_index (details->sections[MT_MEMBER_ORDERS], MtMemberLine, i).detail;
      g_autofree char *code = mt_db_query_text (f->db, "SELECT state FROM orders WHERE member_id = ? AND deleted = 0 "
                                                       "ORDER BY start_at DESC LIMIT 1 OFFSET ?", "ii", member, (gint64) i);

      g_assert_cmpstr (state, ==, mt_choice_label (mt_order_states, code));
    }
  /* headquarters sees it too; another store's member, a role without members, nobody: nothing */
  g_clear_pointer (&details, mt_member_details_free);
  details = mt_read_member_details (f->db, admin, member, 10);
  g_assert_nonnull (details);
  g_assert_cmpuint (details->sections[MT_MEMBER_ORDERS]->len, <=, 10);
  g_assert_null (mt_read_member_details (f->db, manager, other, 10));
  g_assert_null (mt_read_member_details (f->db, tech, member, 10));
  g_assert_null (mt_read_member_details (f->db, admin, G_MAXINT32, 10));
}

/* 余额提现: a member takes its own money out at the counter; the bonus not spent yet stays (a
 * balance payment spends the bonus first); refusals name their field and write nothing */
static void
test_member_withdrawals (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(MtActor) manager = actor_for (f->db, "store");
  g_autoptr(MtActor) tech = actor_for (f->db, "tech");
  g_autoptr(MtActor) finance = actor_for (f->db, "finance");
  g_autoptr(GHashTable) fields = mt_fields_new ();
  g_autoptr(GError) error = NULL;
  gint64 store = store_of (f->db, "store");
  gint64 other = mt_db_query_int (f->db, 0, "SELECT id FROM members WHERE store_id <> ? AND balance_fen > 0 "
                                            "ORDER BY id LIMIT 1", "i", store);
  gint64 plan = mt_db_query_int (f->db, 0, "SELECT id FROM recharge_plans WHERE amount_fen = 20000", NULL);
  gint64 card = mt_db_query_int (f->db, 0, "SELECT id FROM rental_cards WHERE enabled = 1 AND deleted = 0 "
                                           "AND price_fen BETWEEN 1500 AND 20000 ORDER BY price_fen LIMIT 1", NULL);
  gint64 member, ledger, price;

  g_hash_table_insert (fields, g_strdup ("name"), g_strdup ("提现会员"));
  g_hash_table_insert (fields, g_strdup ("mobile"), g_strdup ("13912300077"));
  g_hash_table_insert (fields, g_strdup ("operator_id"), g_strdup_printf ("%" G_GINT64_FORMAT, manager->operator_id));
  g_hash_table_insert (fields, g_strdup ("store_id"), g_strdup_printf ("%" G_GINT64_FORMAT, store));
  member = mt_entity_save (f->db, manager, mt_entity_lookup ("members"), 0, 0, fields, &error);
  g_assert_no_error (error);
  g_assert_cmpint (card, >, 0);
  price = mt_db_query_int (f->db, 0, "SELECT price_fen FROM rental_cards WHERE id = ?", "i", card);

  /* ¥200 with its ¥15 bonus: ¥215 held, ¥200 of it the member's own */
  g_assert_true (mt_member_recharge (f->db, manager, member, plan, 0, "online", &error));
  g_assert_no_error (error);
  g_assert_cmpint (mt_db_query_int (f->db, 0, "SELECT balance_fen FROM members WHERE id = ?", "i", member), ==, 21500);
  g_assert_cmpint (mt_member_withdrawable (f->db, member), ==, 20000);

  ledger = count (f->db, "ledger");
  /* more than its own, nothing, a negative amount, a route that is not money out */
  g_assert_false (mt_member_withdraw (f->db, manager, member, 20001, "offline", &error));
  g_assert_cmpstr (mt_error_get_field (error), ==, "amount_fen");
  g_clear_error (&error);
  g_assert_false (mt_member_withdraw (f->db, manager, member, 0, "offline", &error));
  g_assert_cmpstr (mt_error_get_field (error), ==, "amount_fen");
  g_clear_error (&error);
  g_assert_false (mt_member_withdraw (f->db, manager, member, -100, "offline", &error));
  g_assert_cmpstr (mt_error_get_field (error), ==, "amount_fen");
  g_clear_error (&error);
  g_assert_false (mt_member_withdraw (f->db, manager, member, 100, "balance", &error));
  g_assert_cmpstr (mt_error_get_field (error), ==, "pay_method");
  g_clear_error (&error);
  /* roles without the right, another store's member */
  g_assert_false (mt_member_withdraw (f->db, tech, member, 100, "offline", &error));
  g_assert_error (error, MT_ERROR, MT_ERROR_FORBIDDEN);
  g_clear_error (&error);
  g_assert_false (mt_member_withdraw (f->db, finance, member, 100, "offline", &error));
  g_assert_error (error, MT_ERROR, MT_ERROR_FORBIDDEN);
  g_clear_error (&error);
  g_assert_false (mt_member_withdraw (f->db, manager, other, 100, "offline", &error));
  g_assert_error (error, MT_ERROR, MT_ERROR_FORBIDDEN);
  g_clear_error (&error);
  /* a store that takes no offline payments pays out none either */
  g_assert_true (mt_db_run (f->db, NULL, "UPDATE stores SET pay_offline = 0 WHERE id = ?", "i", store));
  g_assert_false (mt_member_withdraw (f->db, manager, member, 100, "offline", &error));
  g_assert_cmpstr (mt_error_get_field (error), ==, "pay_method");
  g_clear_error (&error);
  g_assert_true (mt_db_run (f->db, NULL, "UPDATE stores SET pay_offline = 1 WHERE id = ?", "i", store));
  g_assert_cmpint (count (f->db, "ledger"), ==, ledger);
  g_assert_cmpint (mt_db_query_int (f->db, 0, "SELECT balance_fen FROM members WHERE id = ?", "i", member), ==, 21500);

  /* ¥50 out in cash: the balance and the ledger say so, the books balance */
  g_assert_true (mt_member_withdraw (f->db, manager, member, 5000, "offline", &error));
  g_assert_no_error (error);
  g_assert_cmpint (mt_db_query_int (f->db, 0, "SELECT balance_fen FROM members WHERE id = ?", "i", member), ==, 16500);
  g_assert_cmpint (mt_db_query_int (f->db, 0, "SELECT amount_fen FROM ledger WHERE member_id = ? AND kind = 'withdrawal' "
                                              "AND pay_method = 'offline' AND store_id = ?", "ii", member, store), ==, -5000);
  g_assert_cmpint (mt_member_withdrawable (f->db, member), ==, 15000);
  assert_books_balance (f->db);

  /* a card paid from the balance spends the bonus first: then all of it is the member's */
  g_assert_cmpint (mt_member_buy_card (f->db, manager, member, card, "balance", &error), >, 0);
  g_assert_no_error (error);
  g_assert_cmpint (mt_member_withdrawable (f->db, member), ==, 16500 - price);
  g_assert_true (mt_member_withdraw (f->db, manager, member, 16500 - price, "online", &error));
  g_assert_no_error (error);
  g_assert_cmpint (mt_db_query_int (f->db, 0, "SELECT balance_fen FROM members WHERE id = ?", "i", member), ==, 0);
  g_assert_cmpint (mt_member_withdrawable (f->db, member), ==, 0);
  g_assert_false (mt_member_withdraw (f->db, manager, member, 1, "online", &error));
  g_assert_cmpstr (mt_error_get_field (error), ==, "amount_fen");
  g_clear_error (&error);
  assert_books_balance (f->db);
  g_assert_true (mt_ledger_reconcile (f->db, NULL));
}

static void
test_withdrawals (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(MtActor) east = actor_for (f->db, "east");
  g_autoptr(MtActor) admin = actor_for (f->db, "admin");
  g_autoptr(MtActor) manager = actor_for (f->db, "store");
  g_autoptr(GError) error = NULL;
  gint64 available = mt_available_balance (f->db, east->operator_id, 0);
  gint64 rows = count (f->db, "withdrawals"), id;

  g_assert_cmpint (available, >, 0);
  /* above the available balance: refused on the amount, nothing written */
  g_assert_cmpint (mt_withdrawal_request (f->db, east, 0, available + 1, "华东换电运营", &error), ==, 0);
  g_assert_cmpstr (mt_error_get_field (error), ==, "amount_fen");
  g_clear_error (&error);
  g_assert_cmpint (count (f->db, "withdrawals"), ==, rows);
  /* without independent collection: forbidden */
  g_assert_true (mt_db_run (f->db, NULL, "UPDATE operators SET caps = caps & ~4 WHERE id = ?", "i", east->operator_id));
  g_assert_cmpint (mt_withdrawal_request (f->db, east, 0, 100, "华东换电运营", &error), ==, 0);
  g_assert_error (error, MT_ERROR, MT_ERROR_FORBIDDEN);
  g_clear_error (&error);
  g_assert_true (mt_db_run (f->db, NULL, "UPDATE operators SET caps = caps | 4 WHERE id = ?", "i", east->operator_id));

  /* the whole balance, then nothing more until it is rejected */
  id = mt_withdrawal_request (f->db, east, 0, available, "华东换电运营", &error);
  g_assert_no_error (error);
  g_assert_cmpint (mt_available_balance (f->db, east->operator_id, 0), ==, 0);
  g_assert_cmpint (mt_withdrawal_request (f->db, east, 0, 1, "华东换电运营", &error), ==, 0);
  g_clear_error (&error);
  /* it does not approve its own; its parent does; paid means a ledger row */
  g_assert_false (mt_withdrawal_handle (f->db, east, id, "approved", &error));
  g_assert_error (error, MT_ERROR, MT_ERROR_FORBIDDEN);
  g_clear_error (&error);
  g_assert_false (mt_withdrawal_handle (f->db, admin, id, "paid", &error));
  g_assert_error (error, MT_ERROR, MT_ERROR_CONFLICT);
  g_clear_error (&error);
  g_assert_true (mt_withdrawal_handle (f->db, admin, id, "rejected", &error));
  g_assert_cmpint (mt_available_balance (f->db, east->operator_id, 0), ==, available);
  id = mt_withdrawal_request (f->db, east, 0, 1000, "华东换电运营", &error);
  g_assert_true (mt_withdrawal_handle (f->db, admin, id, "approved", &error));
  g_assert_true (mt_withdrawal_handle (f->db, admin, id, "paid", &error));
  g_assert_no_error (error);
  g_assert_cmpint (mt_db_query_int (f->db, 0, "SELECT count(*) FROM ledger WHERE kind = 'withdrawal' AND amount_fen = -1000 "
                                    "AND operator_id = ?", "i", east->operator_id), ==, 1);
  /* a store withdraws from its own share, when its operator collects independently */
  g_assert_cmpint (mt_withdrawal_request (f->db, manager, 0, 100, "王小店", &error), ==, 0);
  g_assert_error (error, MT_ERROR, MT_ERROR_FORBIDDEN);
  g_clear_error (&error);
  g_assert_true (mt_db_run (f->db, NULL, "UPDATE operators SET caps = caps | 4 WHERE id = ?", "i", manager->operator_id));
  id = mt_withdrawal_request (f->db, manager, 0, 100, "王小店", &error);
  g_assert_no_error (error);
  g_assert_cmpint (mt_db_query_int (f->db, 0, "SELECT store_id FROM withdrawals WHERE id = ?", "i", id), ==,
                   manager->store_id);
  assert_books_balance (f->db);

  /* the header's balances, kept with the rows (issue 19): what the rows summed again say, through
   * requests, rejections, approvals and payments; one set wrong by a fen is named */
  {
    g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func (g_free);
    gint64 op = east->operator_id;
    gint64 summed = mt_db_query_int (f->db, 0, "SELECT coalesce (sum (operator_fen), 0) FROM splits WHERE operator_id = ? "
                                               "AND deleted = 0", "i", op)
                    - mt_db_query_int (f->db, 0, "SELECT coalesce (sum (amount_fen), 0) FROM withdrawals WHERE "
                                                 "operator_id = ? AND store_id IS NULL AND deleted = 0 AND state IN "
                                                 "('approved', 'paid')", "i", op);

    g_assert_cmpint (mt_operator_balance (f->db, op), ==, summed);
    g_assert_cmpint (mt_headquarters_share (f->db), ==,
                     mt_db_query_int (f->db, 0, "SELECT coalesce (sum (hq_fen), 0) FROM splits WHERE deleted = 0", NULL));
    /* a tombstoned withdrawal gives its money back to the balance */
    id = mt_withdrawal_request (f->db, east, 0, 500, "华东换电运营", &error);
    g_assert_true (mt_withdrawal_handle (f->db, admin, id, "approved", &error));
    g_assert_cmpint (mt_operator_balance (f->db, op), ==, summed - 500);
    g_assert_true (mt_db_run (f->db, NULL, "UPDATE withdrawals SET deleted = 1, version = version + 1 WHERE id = ?", "i", id));
    g_assert_cmpint (mt_operator_balance (f->db, op), ==, summed);
    g_assert_true (mt_ledger_reconcile (f->db, NULL));
    g_assert_true (mt_db_run (f->db, NULL, "UPDATE operator_balances SET split_fen = split_fen + 1 WHERE operator_id = ?",
                              "i", op));
    g_assert_false (mt_ledger_reconcile (f->db, problems));
    g_assert_cmpuint (problems->len, ==, 1);
    g_assert_true (g_str_has_prefix (problems->pdata[0], "operator balance differs"));
    g_assert_true (mt_db_run (f->db, NULL, "UPDATE operator_balances SET split_fen = split_fen - 1 WHERE operator_id = ?",
                              "i", op));
    g_assert_true (mt_ledger_reconcile (f->db, NULL));
  }
}

/* The billing rule editor's entity: any region level, three services at most, one rule per
 * region and type, rent above zero, custom rules only where the operator may */
static void
test_rule_editor (Fixture       *f,
                  gconstpointer  data)
{
  const MtEntity *entity = mt_entity_lookup ("billing_rules");
  g_autoptr(MtActor) east = actor_for (f->db, "east");
  g_autoptr(GHashTable) fields = mt_fields_new ();
  g_autoptr(GHashTable) loaded = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *type = g_strdup_printf ("%" G_GINT64_FORMAT, test_type (f->db));
  gint64 id, version;

#define SET(k, v) g_hash_table_insert (fields, g_strdup (k), g_strdup (v))
  SET ("operator_id", "1");
  SET ("region_code", "3301");
  SET ("type_id", type);
  SET ("rent_fen", "9950");
  SET ("period_days", "30");
  SET ("deposit_fen", "50000");
  SET ("service1_name", "电池保险");
  SET ("service1_price_fen", "1000");
  SET ("service1_per_period", "1");
  SET ("service2_name", "充电器");
  SET ("service2_price_fen", "6000");
  SET ("service2_per_period", "0");
  SET ("service3_name", "上门救援");
  SET ("service3_price_fen", "250");
  SET ("service3_per_period", "1");
  SET ("contract", "乙方{party_b}租用{device}");
  id = mt_entity_save (f->db, f->system, entity, 0, 0, fields, &error);
  g_assert_no_error (error);
  g_assert_cmpint (id, >, 0);
  g_assert_cmpint (mt_db_query_int (f->db, 0, "SELECT rent_fen FROM billing_rules WHERE id = ?", "i", id), ==, 9950);
  g_assert_cmpint (mt_db_query_int (f->db, 0, "SELECT count(*) FROM billing_services WHERE rule_id = ? AND deleted = 0",
                                    "i", id), ==, 3);
  g_assert_cmpint (mt_db_query_int (f->db, 0, "SELECT sum (price_fen) FROM billing_services WHERE rule_id = ? "
                                              "AND deleted = 0", "i", id), ==, 1000 + 6000 + 250);
  loaded = mt_entity_load (f->db, f->system, entity, id, &error);
  g_assert_cmpstr (g_hash_table_lookup (loaded, "service2_name"), ==, "充电器");
  g_assert_cmpstr (g_hash_table_lookup (loaded, "service2_price_fen"), ==, "6000");
  g_assert_cmpstr (g_hash_table_lookup (loaded, "service3_per_period"), ==, "1");

  /* one service dropped: two remain */
  g_hash_table_remove_all (fields);
  SET ("service2_name", "");
  SET ("service2_price_fen", "");
  SET ("service1_name", "电池保险");
  SET ("service1_price_fen", "1200");
  SET ("service3_name", "上门救援");
  SET ("service3_price_fen", "250");
  version = mt_db_query_int (f->db, 0, "SELECT version FROM billing_rules WHERE id = ?", "i", id);
  g_assert_cmpint (mt_entity_save (f->db, f->system, entity, id, version, fields, &error), ==, id);
  g_assert_no_error (error);
  g_assert_cmpint (mt_db_query_int (f->db, 0, "SELECT count(*) FROM billing_services WHERE rule_id = ? AND deleted = 0",
                                    "i", id), ==, 2);

  /* refusals name their field and write nothing */
  {
    static const struct { const char *key, *value, *field; } bad[] = {
      { "rent_fen", "0", "rent_fen" },
      { "period_days", "0", "period_days" },
      { "region_code", "999999", "region_code" },
      { "service1_price_fen", "5", "service1_name" },   /* a price without a name */
      { "region_code", "3301", "region_code" },     /* the same region and type again */
    };
    gint64 rules = count (f->db, "billing_rules");

    for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
      {
        g_hash_table_remove_all (fields);
        SET ("operator_id", "1");
        SET ("region_code", "33");
        SET ("type_id", type);
        SET ("rent_fen", "10000");
        SET ("period_days", "30");
        SET ("deposit_fen", "0");
        SET (bad[i].key, bad[i].value);
        if (g_str_equal (bad[i].key, "service1_price_fen"))
          SET ("service1_name", "");
        g_assert_cmpint (mt_entity_save (f->db, f->system, entity, 0, 0, fields, &error), ==, 0);
        g_assert_cmpstr (mt_error_get_field (error), ==, bad[i].field);
        g_clear_error (&error);
      }
    g_assert_cmpint (count (f->db, "billing_rules"), ==, rules);

    /* an operator without custom billing rules */
    g_hash_table_remove_all (fields);
    SET ("operator_id", "2");
    SET ("region_code", "32");
    SET ("type_id", type);
    SET ("rent_fen", "10000");
    SET ("period_days", "30");
    SET ("deposit_fen", "0");
    g_assert_true (mt_db_run (f->db, NULL, "UPDATE operators SET caps = caps & ~32 WHERE id = 2", NULL));
    g_assert_cmpint (mt_entity_save (f->db, east, entity, 0, 0, fields, &error), ==, 0);
    g_assert_cmpstr (mt_error_get_field (error), ==, "operator_id");
    g_clear_error (&error);
    g_assert_true (mt_db_run (f->db, NULL, "UPDATE operators SET caps = caps | 32 WHERE id = 2", NULL));
    g_assert_cmpint (mt_entity_save (f->db, east, entity, 0, 0, fields, &error), >, 0);
    g_assert_no_error (error);
  }
#undef SET
}

/* A referred member's first rental pays its referrer the operator's commission, once */
static void
test_referral (Fixture       *f,
               gconstpointer  data)
{
  gint64 type = test_type (f->db);
  gint64 store = store_of (f->db, "store");
  gint64 operator_id = mt_db_query_int (f->db, 0, "SELECT operator_id FROM stores WHERE id = ?", "i", store);
  g_autofree char *referrer_mobile = mt_db_query_text (f->db, "SELECT mobile FROM members WHERE operator_id = ? "
                                                              "ORDER BY id LIMIT 1", "i", operator_id);
  gint64 referrer = mt_db_query_int (f->db, 0, "SELECT id FROM members WHERE operator_id = ? ORDER BY id LIMIT 1",
                                     "i", operator_id);
  gint64 balance = mt_db_query_int (f->db, 0, "SELECT balance_fen FROM members WHERE id = ?", "i", referrer);
  g_autoptr(MtActor) manager = actor_for (f->db, "store");
  g_autoptr(GError) error = NULL;
  MtRentRequest r = request_for (store, make_device (f->db, store, type, "REFER00001"), "offline");
  MtEndRequest end = { 0 };
  gint64 order, referrals = count (f->db, "referrals");

  add_rule (f->db, "330106", type, 12000, 30, 20000);
  g_assert_true (mt_setting_set (f->db, f->system, "referral_commission", "20", &error));
  r.mobile = "13911112222";

  /* a referrer who is not a member: refused on the field */
  r.referrer = "13900000000";
  g_assert_cmpint (mt_order_rent (f->db, manager, &r, &error), ==, 0);
  g_assert_cmpstr (mt_error_get_field (error), ==, "referrer");
  g_clear_error (&error);

  r.referrer = referrer_mobile;
  order = mt_order_rent (f->db, manager, &r, &error);
  g_assert_no_error (error);
  g_assert_cmpint (count (f->db, "referrals"), ==, referrals + 1);
  g_assert_cmpint (mt_db_query_int (f->db, 0, "SELECT balance_fen FROM members WHERE id = ?", "i", referrer), ==,
                   balance + 2000);
  assert_books_balance (f->db);

  /* the second rental of the same member pays nothing more */
  g_assert_true (mt_order_end (f->db, manager, order, &end, NULL, &error));
  r.device_id = make_device (f->db, store, type, "REFER00002");
  r.referrer = NULL;
  g_assert_cmpint (mt_order_rent (f->db, manager, &r, &error), >, 0);
  g_assert_cmpint (count (f->db, "referrals"), ==, referrals + 1);
  g_assert_cmpint (mt_db_query_int (f->db, 0, "SELECT balance_fen FROM members WHERE id = ?", "i", referrer), ==,
                   balance + 2000);
  assert_books_balance (f->db);
}

/* A store's revenue split ratios, edited on the store's form: parts that add up to 1000 ‰, only
 * with the right to edit splits; its payments are then split by them */
static void
test_split_ratios (Fixture       *f,
                   gconstpointer  data)
{
  const MtEntity *stores = mt_entity_lookup ("stores");
  gint64 type = test_type (f->db);
  gint64 store = store_of (f->db, "store");
  gint64 version = mt_db_query_int (f->db, 0, "SELECT version FROM stores WHERE id = ?", "i", store);
  g_autoptr(MtActor) east = actor_for (f->db, "east");
  g_autoptr(MtActor) manager = actor_for (f->db, "store");
  g_autoptr(GHashTable) fields = mt_fields_new ();
  g_autoptr(GHashTable) loaded = NULL;
  g_autoptr(GError) error = NULL;
  MtRentRequest r = request_for (store, make_device (f->db, store, type, "SPLIT00001"), "online");
  gint64 order;

#define SET(k, v) g_hash_table_insert (fields, g_strdup (k), g_strdup (v))
  SET ("split_hq_permille", "100");
  SET ("split_operator_permille", "300");
  SET ("split_store_permille", "500");
  g_assert_cmpint (mt_entity_save (f->db, east, stores, store, version, fields, &error), ==, 0);
  g_assert_cmpstr (mt_error_get_field (error), ==, "split_hq_permille");
  g_clear_error (&error);
  SET ("split_store_permille", "600");
  g_assert_cmpint (mt_entity_save (f->db, east, stores, store, version, fields, &error), ==, store);
  g_assert_no_error (error);
  loaded = mt_entity_load (f->db, east, stores, store, &error);
  g_assert_cmpstr (g_hash_table_lookup (loaded, "split_store_permille"), ==, "600");

  /* without the right to edit splits: the same values save, others are refused */
  g_assert_true (mt_db_run (f->db, NULL, "UPDATE roles SET permissions = replace (permissions, 'splits:edit', '') "
                                         "WHERE builtin = 'operator_admin'", NULL));
  {
    g_autoptr(MtActor) limited = actor_for (f->db, "east");

    version = mt_db_query_int (f->db, 0, "SELECT version FROM stores WHERE id = ?", "i", store);
    SET ("address", "文三路 1 号");
    g_assert_cmpint (mt_entity_save (f->db, limited, stores, store, version, fields, &error), ==, store);
    g_assert_no_error (error);
    version = mt_db_query_int (f->db, 0, "SELECT version FROM stores WHERE id = ?", "i", store);
    SET ("split_hq_permille", "200");
    SET ("split_store_permille", "500");
    g_assert_cmpint (mt_entity_save (f->db, limited, stores, store, version, fields, &error), ==, 0);
    g_assert_cmpstr (mt_error_get_field (error), ==, "split_hq_permille");
    g_clear_error (&error);
  }
#undef SET

  /* a payment at the store is split 100 / 300 / 600 */
  add_rule (f->db, "330106", type, 12000, 30, 20000);
  order = mt_order_rent (f->db, manager, &r, &error);
  g_assert_no_error (error);
  g_assert_cmpint (mt_db_query_int (f->db, 0, "SELECT store_fen FROM splits WHERE order_id = ? AND total_fen = 12000",
                                    "i", order), ==, 7200);
  g_assert_cmpint (mt_db_query_int (f->db, 0, "SELECT hq_fen FROM splits WHERE order_id = ? AND total_fen = 12000",
                                    "i", order), ==, 1200);
  assert_books_balance (f->db);
}

/* A rental card sold to a member: its price is income, and rent is not charged for the
 * periods it covers (renting and renewing); a second card follows the first */
static void
test_rental_cards (Fixture       *f,
                   gconstpointer  data)
{
  gint64 type = test_type (f->db);
  gint64 store = store_of (f->db, "store");
  gint64 card = mt_db_query_int (f->db, 0, "SELECT id FROM rental_cards WHERE days = 30", NULL);
  g_autoptr(MtActor) manager = actor_for (f->db, "store");
  g_autoptr(GError) error = NULL;
  MtRentRequest r = request_for (store, make_device (f->db, store, type, "CARD000001"), "offline");
  MtQuote quote;
  gint64 member, order, bought;

  add_rule (f->db, "330106", type, 12000, 30, 20000);
  /* the member exists first: a rental of a day, ended at once */
  order = mt_order_rent (f->db, manager, &r, &error);
  g_assert_no_error (error);
  member = mt_db_query_int (f->db, 0, "SELECT member_id FROM orders WHERE id = ?", "i", order);
  g_assert_true (mt_order_end (f->db, manager, order, &(MtEndRequest) { 0 }, NULL, &error));

  /* a card that is not on sale; then the month card */
  g_assert_true (mt_db_run (f->db, NULL, "UPDATE rental_cards SET enabled = 0 WHERE id = ?", "i", card));
  g_assert_cmpint (mt_member_buy_card (f->db, manager, member, card, "offline", &error), ==, 0);
  g_assert_cmpstr (mt_error_get_field (error), ==, "card_id");
  g_clear_error (&error);
  {
    g_autoptr(GPtrArray) options = mt_rental_card_options (f->db, manager);

    g_assert_cmpuint (options->len, ==, 1);   /* the quarter card only */
    for (guint i = 0; i < options->len; i++)
      g_assert_cmpint (g_ascii_strtoll (((MtOption *) options->pdata[i])->id, NULL, 10), !=, card);
  }
  g_assert_true (mt_db_run (f->db, NULL, "UPDATE rental_cards SET enabled = 1 WHERE id = ?", "i", card));
  bought = mt_member_buy_card (f->db, manager, member, card, "offline", &error);
  g_assert_no_error (error);
  g_assert_cmpint (bought, >, 0);
  g_assert_cmpint (mt_member_card_until (f->db, member), ==, fake_now + 30 * DAY);
  assert_books_balance (f->db);

  /* one period inside the card: no rent; two periods: one paid */
  r.device_id = make_device (f->db, store, type, "CARD000002");
  r.periods = 1;
  g_assert_true (mt_order_quote (f->db, manager, &r, &quote, NULL, NULL, &error));
  g_assert_cmpint (quote.rent_fen, ==, 0);
  g_assert_cmpint (quote.total_fen, ==, 20000);
  r.periods = 2;
  g_assert_true (mt_order_quote (f->db, manager, &r, &quote, NULL, NULL, &error));
  g_assert_cmpint (quote.rent_fen, ==, 12000);
  order = mt_order_rent (f->db, manager, &r, &error);
  g_assert_no_error (error);
  g_assert_cmpint (mt_db_query_int (f->db, 0, "SELECT rent_fen FROM orders WHERE id = ?", "i", order), ==, 12000);

  /* two more cards follow the first, to 90 days: renewing the period after the expiry (day 60
   * to 90) is free */
  g_assert_cmpint (mt_member_buy_card (f->db, manager, member, card, "offline", &error), >, 0);
  g_assert_cmpint (mt_member_card_until (f->db, member), ==, fake_now + 60 * DAY);
  g_assert_cmpint (mt_member_buy_card (f->db, manager, member, card, "offline", &error), >, 0);
  g_assert_cmpint (mt_member_card_until (f->db, member), ==, fake_now + 90 * DAY);
  g_assert_true (mt_order_renew (f->db, manager, order, 1, "offline", &error));
  g_assert_cmpint (mt_db_query_int (f->db, 0, "SELECT rent_fen FROM orders WHERE id = ?", "i", order), ==, 12000);
  assert_books_balance (f->db);
}

static gint64
card_version (MtDb   *db,
              gint64  id)
{
  return mt_db_query_int (db, 0, "SELECT version FROM member_cards WHERE id = ?", "i", id);
}

static gint64
member_balance (MtDb   *db,
                gint64  member)
{
  return mt_db_query_int (db, 0, "SELECT balance_fen FROM members WHERE id = ?", "i", member);
}

/* Refunding a rental card sold: the whole days left after today and after the member's
 * rentals that used it, at the price paid, back the way it was paid; every refusal names its
 * reason and changes nothing */
static void
test_card_refunds (Fixture       *f,
                   gconstpointer  data)
{
  gint64 type = test_type (f->db);
  gint64 store = store_of (f->db, "store");
  gint64 other_store = mt_db_query_int (f->db, 0, "SELECT id FROM stores WHERE region_code = '330110'", NULL);
  gint64 card = mt_db_query_int (f->db, 0, "SELECT id FROM rental_cards WHERE days = 30", NULL);
  gint64 price = mt_db_query_int (f->db, 0, "SELECT price_fen FROM rental_cards WHERE id = ?", "i", card);
  g_autoptr(MtActor) manager = actor_for (f->db, "store");
  g_autoptr(MtActor) tech = actor_for (f->db, "tech");
  g_autoptr(MtActor) finance = actor_for (f->db, "finance");
  g_autoptr(GError) error = NULL;
  MtRentRequest r = request_for (store, make_device (f->db, store, type, "RFND000001"), "offline");
  gint64 member, order, first, second, third, balance, ledger_rows, starts;

  add_rule (f->db, "330106", type, 12000, 30, 20000);
  add_rule (f->db, "330110", type, 12000, 30, 20000);
  order = mt_order_rent (f->db, manager, &r, &error);
  g_assert_no_error (error);
  member = mt_db_query_int (f->db, 0, "SELECT member_id FROM orders WHERE id = ?", "i", order);
  g_assert_true (mt_order_end (f->db, manager, order, &(MtEndRequest) { 0 }, NULL, &error));
  g_assert_true (mt_member_recharge (f->db, manager, member, 0, 5 * price, "offline", &error));

  /* a sale keeps what was paid, how and where */
  first = mt_member_buy_card (f->db, manager, member, card, "balance", &error);
  g_assert_no_error (error);
  g_assert_cmpint (mt_db_query_int (f->db, 0, "SELECT price_fen FROM member_cards WHERE id = ?", "i", first), ==, price);
  g_assert_cmpint (mt_db_query_int (f->db, 0, "SELECT store_id FROM member_cards WHERE id = ?", "i", first), ==, store);
  second = mt_member_buy_card (f->db, manager, member, card, "offline", &error);
  g_assert_no_error (error);
  third = mt_member_buy_card (f->db, manager, member, card, "online", &error);
  g_assert_no_error (error);
  balance = member_balance (f->db, member);

  /* refusals: no permission (technician), a version that is stale or not a version, a sale
   * that does not exist, one of another store */
  {
    MtRentRequest o = request_for (other_store, make_device (f->db, other_store, type, "RFND000009"), "offline");
    gint64 other_order, other_member, elsewhere;

    o.mobile = "13700000009";
    other_order = mt_order_rent (f->db, f->system, &o, &error);
    g_assert_no_error (error);
    other_member = mt_db_query_int (f->db, 0, "SELECT member_id FROM orders WHERE id = ?", "i", other_order);
    elsewhere = mt_member_buy_card (f->db, f->system, other_member, card, "offline", &error);
    g_assert_no_error (error);
    g_assert_cmpint (mt_member_card_refund (f->db, manager, elsewhere, card_version (f->db, elsewhere), &error), ==, -1);
    g_assert_error (error, MT_ERROR, MT_ERROR_FORBIDDEN);
    g_clear_error (&error);
  }
  ledger_rows = mt_db_query_int (f->db, 0, "SELECT count (*) FROM ledger", NULL);
  g_assert_cmpint (mt_member_card_refund (f->db, tech, first, card_version (f->db, first), &error), ==, -1);
  g_assert_error (error, MT_ERROR, MT_ERROR_FORBIDDEN);
  g_clear_error (&error);
  g_assert_cmpint (mt_member_card_refund_quote (f->db, tech, first, &error), ==, -1);
  g_assert_error (error, MT_ERROR, MT_ERROR_FORBIDDEN);
  g_clear_error (&error);
  g_assert_cmpint (mt_member_card_refund (f->db, manager, first, card_version (f->db, first) + 1, &error), ==, -1);
  g_assert_error (error, MT_ERROR, MT_ERROR_CONFLICT);
  g_clear_error (&error);
  g_assert_cmpint (mt_member_card_refund (f->db, manager, first, 0, &error), ==, -1);
  g_assert_cmpstr (mt_error_get_field (error), ==, "version");
  g_clear_error (&error);
  g_assert_cmpint (mt_member_card_refund (f->db, manager, 999999, 1, &error), ==, -1);
  g_assert_error (error, MT_ERROR, MT_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_cmpint (mt_db_query_int (f->db, 0, "SELECT count (*) FROM ledger", NULL), ==, ledger_rows);
  g_assert_cmpint (member_balance (f->db, member), ==, balance);

  /* ten days into the first card: 19 whole days of 30 are left (the day begun is used) */
  fake_now += 10 * DAY + DAY / 2;
  g_assert_cmpint (mt_member_card_refund_quote (f->db, finance, first, &error), ==, price * 19 / 30);
  g_assert_no_error (error);
  mt_member_card_refund (f->db, manager, first, card_version (f->db, first), &error);
  g_assert_no_error (error);
  /* paid from the balance: back to the balance; a negative rent row, split like the sale */
  g_assert_cmpint (member_balance (f->db, member), ==, balance + price * 19 / 30);
  g_assert_cmpint (mt_db_query_int (f->db, 0, "SELECT count (*) FROM splits s JOIN ledger l ON l.id = s.ledger_id "
                                              "WHERE l.member_id = ? AND l.amount_fen = ?", "ii",
                                    member, -(price * 19 / 30)), ==, 1);
  g_assert_cmpint (mt_db_query_int (f->db, 0, "SELECT refunded_fen FROM member_cards WHERE id = ?", "i", first), ==,
                   price * 19 / 30);
  assert_books_balance (f->db);
  /* the later cards moved up by the time given back: the second starts now */
  g_assert_cmpint (mt_db_query_int (f->db, 0, "SELECT starts_at FROM member_cards WHERE id = ?", "i", second), ==,
                   fake_now);
  g_assert_cmpint (mt_member_card_until (f->db, member), ==, fake_now + 60 * DAY);
  /* twice: refused */
  g_assert_cmpint (mt_member_card_refund (f->db, manager, first, card_version (f->db, first), &error), ==, -1);
  g_assert_error (error, MT_ERROR, MT_ERROR_CONFLICT);
  g_clear_error (&error);

  /* the third card has not started: paid online, refunded in full, online */
  ledger_rows = mt_db_query_int (f->db, 0, "SELECT count (*) FROM ledger WHERE pay_method = 'online' AND amount_fen = ?",
                                 "i", -price);
  g_assert_cmpint (mt_member_card_refund (f->db, finance, third, card_version (f->db, third), &error), ==, price);
  g_assert_no_error (error);
  g_assert_cmpint (mt_db_query_int (f->db, 0, "SELECT count (*) FROM ledger WHERE pay_method = 'online' AND amount_fen = ?",
                                    "i", -price), ==, ledger_rows + 1);
  g_assert_cmpint (member_balance (f->db, member), ==, balance + price * 19 / 30);
  assert_books_balance (f->db);

  /* a rental that the second card covers uses it: 2 periods from now (60 days) cover all 30 of
   * its days, so nothing is left to refund */
  r.device_id = make_device (f->db, store, type, "RFND000002");
  r.periods = 2;
  order = mt_order_rent (f->db, manager, &r, &error);
  g_assert_no_error (error);
  g_assert_cmpint (mt_member_card_refund (f->db, manager, second, card_version (f->db, second), &error), ==, -1);
  g_assert_error (error, MT_ERROR, MT_ERROR_CONFLICT);
  g_clear_error (&error);
  g_assert_true (mt_order_end (f->db, manager, order, &(MtEndRequest) { 0 }, NULL, &error));

  /* a card whose days have all passed has ended */
  fake_now += 31 * DAY;
  g_assert_cmpint (mt_member_card_refund (f->db, manager, second, card_version (f->db, second), &error), ==, -1);
  g_assert_error (error, MT_ERROR, MT_ERROR_CONFLICT);
  g_clear_error (&error);

  /* less than a whole day left: nothing to refund */
  starts = fake_now;
  first = mt_member_buy_card (f->db, manager, member, card, "offline", &error);
  g_assert_no_error (error);
  g_assert_cmpint (mt_db_query_int (f->db, 0, "SELECT starts_at FROM member_cards WHERE id = ?", "i", first), ==, starts);
  fake_now += 29 * DAY + 1;
  g_assert_cmpint (mt_member_card_refund (f->db, manager, first, card_version (f->db, first), &error), ==, -1);
  g_assert_error (error, MT_ERROR, MT_ERROR_CONFLICT);
  g_clear_error (&error);

  /* a sale from before the payment was recorded cannot be refunded here */
  second = mt_member_buy_card (f->db, manager, member, card, "offline", &error);
  g_assert_no_error (error);
  g_assert_true (mt_db_run (f->db, NULL, "UPDATE member_cards SET pay_method = '' WHERE id = ?", "i", second));
  g_assert_cmpint (mt_member_card_refund (f->db, manager, second, card_version (f->db, second), &error), ==, -1);
  g_assert_error (error, MT_ERROR, MT_ERROR_CONFLICT);
  g_clear_error (&error);

  /* a store that withdrew its whole share cannot give back what it no longer holds */
  third = mt_member_buy_card (f->db, manager, member, card, "offline", &error);
  g_assert_no_error (error);
  {
    gint64 earned = mt_db_query_int (f->db, 0, "SELECT sum (store_fen) FROM splits WHERE store_id = ?", "i", store);
    gint64 withdrawn = mt_db_query_int (f->db, 0, "SELECT coalesce (sum (amount_fen), 0) FROM withdrawals "
                                                  "WHERE store_id = ? AND state <> 'rejected'", "i", store);

    g_assert_true (mt_db_run (f->db, NULL, "INSERT INTO withdrawals (created_at, updated_at, operator_id, store_id, "
                                           "amount_fen, payee, state) SELECT ?1, ?1, operator_id, id, ?2, '店长', "
                                           "'requested' FROM stores WHERE id = ?3", "iii",
                              fake_now, earned - withdrawn, store));
  }
  balance = member_balance (f->db, member);
  g_assert_cmpint (mt_member_card_refund (f->db, manager, third, card_version (f->db, third), &error), ==, -1);
  g_assert_error (error, MT_ERROR, MT_ERROR_CONFLICT);
  g_clear_error (&error);
  g_assert_cmpint (mt_db_query_int (f->db, 0, "SELECT refunded_fen FROM member_cards WHERE id = ?", "i", third), ==, 0);
  g_assert_cmpint (member_balance (f->db, member), ==, balance);
  assert_books_balance (f->db);
}

/* The daily aggregates: business days in China Standard Time; each role's figures are the raw
 * rows of its scope summed; a tampered aggregate is caught by the check */
static void
test_stats_scope (Fixture       *f,
                  gconstpointer  data)
{
  static const MtStatsFigure figures[] = {
    { "rent", "Rent", "l:rent", MT_STATS_FEN },
    { "rentals", "Rentals", "o:rented", MT_STATS_COUNT },
    { "net", "Net", "l:rent l:service -l:deposit_out", MT_STATS_FEN },
  };
  MtStatsFilter all = { .from_day = 0, .to_day = mt_stats_day_of (fake_now) + 400 };
  g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  gint64 store = store_of (f->db, "store");
  g_autofree char *day = NULL;

  /* 2026-12-02 16:00 UTC is the first instant of 3 December in Beijing */
  g_assert_cmpint (mt_stats_day_of (G_GINT64_CONSTANT (1796227200) * G_USEC_PER_SEC),
                   ==, mt_stats_day_of (G_GINT64_CONSTANT (1796227199) * G_USEC_PER_SEC) + 1);
  day = mt_stats_day_format (mt_stats_day_of (G_GINT64_CONSTANT (1796227200) * G_USEC_PER_SEC));
  g_assert_cmpstr (day, ==, "2026-12-03");
  g_assert_cmpint (mt_stats_day_start (mt_stats_day_of (G_GINT64_CONSTANT (1796227200) * G_USEC_PER_SEC)), ==,
                   G_GINT64_CONSTANT (1796227200) * G_USEC_PER_SEC);

  g_assert_true (mt_stats_check (f->db, NULL));
  for (guint a = 0; a < 4; a++)
    {
      static const char *const users[] = { "admin", "east", "hangzhou", "store" };
      g_autoptr(MtActor) actor = actor_for (f->db, users[a]);
      g_autoptr(GPtrArray) params = g_ptr_array_new_with_free_func (g_free);
      g_autofree char *scope = mt_actor_scope_sql (actor, "operator_id", "store_id", params);
      g_autofree char *raw_sql = g_strdup_printf ("SELECT coalesce (sum (amount_fen), 0) FROM ledger WHERE kind = 'rent' "
                                                  "AND order_id IS NOT NULL AND (%s)", scope);
      g_autofree char *count_sql = g_strdup_printf ("SELECT count (*) FROM orders WHERE deleted = 0 AND (%s)", scope);
      g_autoptr(MtStatsTable) by_store = mt_stats_query (f->db, actor, &all, MT_STATS_BY_STORE, figures, 3, &error);
      g_autoptr(MtStatsTable) by_month = mt_stats_query (f->db, actor, &all, MT_STATS_BY_MONTH, figures, 3, &error);
      gint64 rent = 0, rentals = 0, month_rent = 0;

      g_assert_no_error (error);
      for (guint r = 0; r < by_store->n_rows; r++)
        {
          rent += mt_stats_table_get (by_store, r, 0);
          rentals += mt_stats_table_get (by_store, r, 1);
          if (actor->store_id != 0)   /* a store manager sees its own store only */
            g_assert_cmpint (by_store->keys[r], ==, store);
          if (r > 0)   /* largest first */
            g_assert_cmpint (mt_stats_table_get (by_store, r, 0), <=, mt_stats_table_get (by_store, r - 1, 0));
        }
      for (guint r = 0; r < by_month->n_rows; r++)
        month_rent += mt_stats_table_get (by_month, r, 0);
      g_assert_cmpint (rent, ==, mt_db_query_int (f->db, -1, raw_sql, params->len ? "t" : NULL,
                                                  params->len ? params->pdata[0] : NULL));
      g_assert_cmpint (rentals, ==, mt_db_query_int (f->db, -1, count_sql, params->len ? "t" : NULL,
                                                     params->len ? params->pdata[0] : NULL));
      g_assert_cmpint (month_rent, ==, rent);
      g_assert_cmpint (rent, >, 0);
    }

  /* narrowed to a store, by week: every week of the range, from a Monday */
  {
    MtStatsFilter one = all;
    g_autoptr(MtStatsTable) weeks = NULL;

    one.from_day = mt_stats_day_of (fake_now) - 30;
    one.to_day = mt_stats_day_of (fake_now);
    one.store_id = store;
    weeks = mt_stats_query (f->db, f->system, &one, MT_STATS_BY_WEEK, figures, 3, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (weeks->n_rows, >=, 5);
    for (guint r = 0; r < weeks->n_rows; r++)
      {
        g_autoptr(GDateTime) t = g_date_time_new_from_unix_utc (weeks->keys[r] * 86400);

        g_assert_cmpint (g_date_time_get_day_of_week (t), ==, 1);
      }
  }

  /* a tampered aggregate is named by the check */
  g_assert_true (mt_db_run (f->db, NULL, "UPDATE stats_daily SET fen = fen + 1 WHERE (day, metric, operator_id, "
                                         "store_id, type_id, key) IN (SELECT day, metric, operator_id, store_id, "
                                         "type_id, key FROM stats_daily LIMIT 1)", NULL));
  g_assert_false (mt_stats_check (f->db, problems));
  g_assert_cmpuint (problems->len, ==, 2);

  /* and a member's month, as much */
  g_assert_true (mt_db_run (f->db, NULL, "UPDATE stats_daily SET fen = fen - 1 WHERE (day, metric, operator_id, "
                                         "store_id, type_id, key) IN (SELECT day, metric, operator_id, store_id, "
                                         "type_id, key FROM stats_daily LIMIT 1)", NULL));
  g_ptr_array_set_size (problems, 0);
  g_assert_true (mt_stats_check (f->db, problems));
  g_assert_true (mt_db_run (f->db, NULL, "UPDATE stats_member_months SET m3 = m3 + 1 WHERE (year, operator_id, "
                                         "store_id, member_id) IN (SELECT year, operator_id, store_id, member_id "
                                         "FROM stats_member_months LIMIT 1)", NULL));
  g_assert_false (mt_stats_check (f->db, problems));
  g_assert_cmpuint (problems->len, ==, 2);
  g_assert_nonnull (strstr (problems->pdata[0], "monthly members"));
}

/* Every grouping of the kept rows, put in buckets after SQL has summed them by their column and
 * metric, equals the buckets worked out by SQL row by row: days, Monday weeks, calendar months,
 * operators, stores, provinces, cities, districts (rows of no store under 0), device types and
 * keys; a figure that adds
 * some metrics and takes another away; narrowed to a region and not */
static void
test_stats_buckets (Fixture       *f,
                    gconstpointer  data)
{
  static const MtStatsFigure figures[] = {
    { "net", "Net", "l:rent l:service -l:deposit_out", MT_STATS_FEN },
    { "rentals", "Rentals", "o:rented", MT_STATS_COUNT },
    { "share", "Share", "l:rent", MT_STATS_PERMILLE },
  };
  static const char *const buckets[] = {
    [MT_STATS_BY_DAY] = "d.day",
    [MT_STATS_BY_WEEK] = "(d.day + 3) / 7 * 7 - 3",
    [MT_STATS_BY_MONTH] = "CAST (strftime ('%Y%m', d.day * 86400, 'unixepoch') AS INTEGER)",
    [MT_STATS_BY_OPERATOR] = "d.operator_id",
    [MT_STATS_BY_STORE] = "d.store_id",
    [MT_STATS_BY_PROVINCE] = "coalesce (CAST (substr (s.region_code, 1, 2) AS INTEGER), 0)",
    [MT_STATS_BY_CITY] = "coalesce (CAST (substr (s.region_code, 1, 4) AS INTEGER), 0)",
    [MT_STATS_BY_DISTRICT] = "coalesce (CAST (s.region_code AS INTEGER), 0)",
    [MT_STATS_BY_TYPE] = "d.type_id",
    [MT_STATS_BY_KEY] = "d.key",
  };
  g_autoptr(MtActor) east = actor_for (f->db, "east");

  for (guint a = 0; a < 2; a++)
    for (guint narrowed = 0; narrowed < 2; narrowed++)
      for (MtStatsBy by = MT_STATS_BY_DAY; by <= MT_STATS_BY_KEY; by++)
        {
          const MtActor *actor = a == 0 ? f->system : east;
          MtStatsFilter filter = { .from_day = 0, .to_day = mt_stats_day_of (fake_now) + 40,
                                   .region_code = narrowed ? "33" : NULL };
          g_autoptr(GPtrArray) params = g_ptr_array_new_with_free_func (g_free);
          g_autofree char *scope = mt_actor_scope_sql (actor, "d.operator_id", "d.store_id", params);
          g_autofree char *sql = g_strdup_printf ("SELECT %s AS b, sum (CASE WHEN d.metric IN ('l:rent', 'l:service') "
                                                  "THEN d.fen WHEN d.metric = 'l:deposit_out' THEN -d.fen ELSE 0 END), "
                                                  "sum (CASE WHEN d.metric = 'o:rented' THEN d.n ELSE 0 END) "
                                                  "FROM stats_daily d LEFT JOIN stores s ON s.id = d.store_id "
                                                  "WHERE d.metric IN ('l:rent', 'l:service', 'l:deposit_out', 'o:rented') "
                                                  "AND (%s) AND (?2 IS NULL OR s.region_code LIKE ?2 || '%%') GROUP BY b",
                                                  buckets[by], scope);
          g_autoptr(GError) error = NULL;
          g_autoptr(MtStatsTable) table = mt_stats_query (f->db, actor, &filter, by, figures, 3, &error);
          g_autoptr(GHashTable) rows = g_hash_table_new (g_int64_hash, g_int64_equal);
          sqlite3_stmt *stmt;
          guint n = 0;

          g_assert_no_error (error);
          for (guint r = 0; r < table->n_rows; r++)
            {
              g_hash_table_insert (rows, &table->keys[r], GUINT_TO_POINTER (r + 1));
              g_assert_cmpint (mt_stats_table_get (table, r, 2), ==, 0);   /* a share is the view's to work out */
            }
          stmt = mt_db_prepare (f->db, &error, sql, "tt", params->len ? (char *) params->pdata[0] : NULL,
                                filter.region_code);
          g_assert_no_error (error);
          while (sqlite3_step (stmt) == SQLITE_ROW)
            {
              gint64 b = sqlite3_column_int64 (stmt, 0);
              guint r = GPOINTER_TO_UINT (g_hash_table_lookup (rows, &b));

              if (by == MT_STATS_BY_MONTH && b < 197001)
                continue;   /* the range's months start in 1970 */
              g_assert_cmpuint (r, >, 0);
              g_assert_cmpint (mt_stats_table_get (table, r - 1, 0), ==, sqlite3_column_int64 (stmt, 1));
              g_assert_cmpint (mt_stats_table_get (table, r - 1, 1), ==, sqlite3_column_int64 (stmt, 2));
              n++;
            }
          sqlite3_reset (stmt);
          /* time views list every bucket of the range, the others only those with rows */
          if (by > MT_STATS_BY_MONTH)
            g_assert_cmpuint (n, ==, table->n_rows);
          g_assert_cmpuint (n, >, 0);
        }
}

/* Every statistics view opens for each role that holds its group, within the role's scope, and
 * is refused to the others; the permission tree lists the groups */
static void
test_stats_views (Fixture       *f,
                  gconstpointer  data)
{
  static const char *const users[] = { "admin", "east", "store", "tech", "finance" };
  guint n_views, n_groups;
  const MtStatsView *views = mt_stats_views (&n_views);
  const MtStatsGroup *groups = mt_stats_groups (&n_groups);
  MtStatsFilter filter = { .from_day = mt_stats_day_of (fake_now) - 89, .to_day = mt_stats_day_of (fake_now) };

  for (guint g = 0; g < n_groups; g++)
    {
      g_autofree char *perm = g_strdup_printf ("statistics:%s", groups[g].id);

      g_assert_true (mt_permission_is_known (perm));
      g_assert_cmpstr (mt_action_title (groups[g].id), !=, groups[g].id);
    }
  g_assert_cmpuint (n_views, >=, 18);
  for (guint u = 0; u < G_N_ELEMENTS (users); u++)
    {
      g_autoptr(MtActor) actor = actor_for (f->db, users[u]);
      g_autoptr(GPtrArray) params = g_ptr_array_new_with_free_func (g_free);
      g_autofree char *scope = mt_actor_scope_sql (actor, "operator_id", "store_id", params);
      g_autofree char *devices_sql = g_strdup_printf ("SELECT count (*) FROM devices WHERE deleted = 0 AND (%s)", scope);
      guint opened = 0;

      for (guint v = 0; v < n_views; v++)
        {
          g_autoptr(GError) error = NULL;
          g_autoptr(MtStatsTable) table = mt_stats_view_run (f->db, actor, &views[v], &filter, MT_STATS_BY_WEEK, &error);

          if (!mt_actor_can (actor, "statistics", views[v].group))
            {
              g_assert_null (table);
              g_assert_error (error, MT_ERROR, MT_ERROR_FORBIDDEN);
              continue;
            }
          g_assert_no_error (error);
          g_assert_nonnull (table);
          g_assert_cmpuint (table->n_figures, ==, mt_stats_view_n_figures (&views[v]));
          for (guint r = 0; r < table->n_rows; r++)
            g_assert_nonnull (table->labels[r]);
          if (views[v].over_time && !views[v].monthly)
            g_assert_cmpuint (table->n_rows, >=, 13);   /* every week of 90 days */
          if (g_str_equal (views[v].id, "device_states"))
            {
              gint64 sum = 0;

              for (guint r = 0; r < table->n_rows; r++)
                sum += mt_stats_table_get (table, r, 0);
              g_assert_cmpint (sum, ==, mt_db_query_int (f->db, -1, devices_sql, params->len ? "t" : NULL,
                                                         params->len ? params->pdata[0] : NULL));
            }
          if (g_str_equal (views[v].id, "retention"))
            {
              /* each month's members and those of them who rented the month before, counted
               * from the orders themselves */
              g_autofree char *month_sql = g_strdup_printf (
                "SELECT count (DISTINCT a.member_id) FROM orders a WHERE a.deleted = 0 AND "
                "strftime ('%%Y%%m', a.start_at / 1000000 + 28800, 'unixepoch') = ?1 AND ?2 IS NOT NULL AND ?3 IS NOT NULL "
                "AND (%s)", scope);
              g_autofree char *back_sql = g_strdup_printf (
                "SELECT count (DISTINCT a.member_id) FROM orders a WHERE a.deleted = 0 AND "
                "strftime ('%%Y%%m', a.start_at / 1000000 + 28800, 'unixepoch') = ?1 AND (%s) AND EXISTS ("
                "SELECT 1 FROM orders WHERE member_id = a.member_id AND deleted = 0 AND "
                "strftime ('%%Y%%m', start_at / 1000000 + 28800, 'unixepoch') = ?2 AND ?3 IS NOT NULL AND (%s))", scope, scope);
              gint64 seen = 0, back = 0;

              g_assert_cmpuint (table->n_rows, >=, 3);
              for (guint r = 0; r < table->n_rows; r++)
                {
                  gint64 key = table->keys[r], before = key % 100 == 1 ? key - 89 : key - 1;
                  g_autofree char *month = g_strdup_printf ("%" G_GINT64_FORMAT, key);
                  g_autofree char *previous = g_strdup_printf ("%" G_GINT64_FORMAT, before);
                  g_autofree char *m_sql = g_strdup (month_sql);
                  g_autofree char *b_sql = g_strdup (back_sql);
                  gint64 active, came_back, active_before;

                  if (params->len > 0)
                    {
                      /* the scope's path is the third parameter */
                      g_autoptr(GString) a = g_string_new (m_sql), b = g_string_new (b_sql);
                      g_string_replace (a, "LIKE ?", "LIKE ?3", 0);
                      g_string_replace (b, "LIKE ?", "LIKE ?3", 0);
                      g_free (m_sql);
                      g_free (b_sql);
                      m_sql = g_string_free (g_steal_pointer (&a), FALSE);
                      b_sql = g_string_free (g_steal_pointer (&b), FALSE);
                    }
                  active = mt_db_query_int (f->db, -1, m_sql, "ttt", month, previous,
                                            params->len ? params->pdata[0] : "");
                  active_before = mt_db_query_int (f->db, -1, m_sql, "ttt", previous, month,
                                                   params->len ? params->pdata[0] : "");
                  came_back = mt_db_query_int (f->db, -1, b_sql, "ttt", month, previous,
                                               params->len ? params->pdata[0] : "");
                  g_assert_cmpint (mt_stats_table_get (table, r, 0), ==, active);
                  g_assert_cmpint (mt_stats_table_get (table, r, 1), ==, came_back);
                  g_assert_cmpint (mt_stats_table_get (table, r, 2), ==, active_before ? came_back * 1000 / active_before : 0);
                  seen += active;
                  back += came_back;
                }
              g_assert_cmpint (seen, >, 0);
              if (actor->store_id == 0)
                g_assert_cmpint (back, >, 0);
            }
          if (g_str_equal (views[v].id, "store_totals") && actor->store_id != 0)
            for (guint r = 0; r < table->n_rows; r++)
              g_assert_cmpint (table->keys[r], ==, actor->store_id);
          opened++;
        }
      g_test_message ("%s opens %u views", users[u], opened);
      /* narrowed to Zhejiang (33): only its stores */
      if (mt_actor_can (actor, "statistics", "stores"))
        {
          MtStatsFilter zj = filter;
          g_autoptr(MtStatsTable) t = NULL;
          g_autoptr(GPtrArray) regions = mt_stats_regions (f->db, actor);

          zj.region_code = "33";
          t = mt_stats_view_run (f->db, actor, mt_stats_view_lookup ("store_totals"), &zj, MT_STATS_BY_DAY, NULL);
          g_assert_nonnull (t);
          for (guint r = 0; r < t->n_rows; r++)
            g_assert_cmpint (mt_db_query_int (f->db, 0, "SELECT substr (region_code, 1, 2) = '33' FROM stores WHERE id = ?",
                                              "i", t->keys[r]), ==, 1);
          g_assert_cmpuint (regions->len, >, 0);
        }
      /* the deposits held are the held rows' */
      if (mt_actor_can (actor, "statistics", "deposits"))
        {
          g_autoptr(MtStatsTable) t = mt_stats_view_run (f->db, actor, mt_stats_view_lookup ("deposits_now"), &filter,
                                                         MT_STATS_BY_DAY, NULL);
          g_autofree char *held_sql = g_strdup_printf ("SELECT coalesce (sum (amount_fen - deducted_fen), 0) FROM deposits d "
                                                       "WHERE deleted = 0 AND state = 'held' AND NOT EXISTS (SELECT 1 FROM "
                                                       "deposit_refunds r WHERE r.deposit_id = d.id AND r.state = 'requested') "
                                                       "AND (%s)", scope);

          g_assert_cmpint (mt_stats_table_get (t, 0, 0), ==,
                           mt_db_query_int (f->db, -1, held_sql, params->len ? "t" : NULL,
                                            params->len ? params->pdata[0] : NULL));
        }
      if (g_str_equal (users[u], "admin") || g_str_equal (users[u], "east"))
        g_assert_cmpuint (opened, ==, n_views);
      else if (g_str_equal (users[u], "tech"))   /* a technician's pages show no money, nor statistics */
        g_assert_cmpuint (opened, ==, 0);
      else
        g_assert_cmpuint (opened, >, 0);
    }
}

static const MtDashboardTile *
tile_of (const MtDashboard *d,
         const char        *id)
{
  for (guint i = 0; i < d->tiles->len; i++)
    if (g_str_equal (((MtDashboardTile *) d->tiles->pdata[i])->id, id))
      return d->tiles->pdata[i];
  g_error ("no tile %s", id);
}

/* 主页 for each kind of role: its tiles are its scope's rows counted, today's figures move with a
 * rental, and each tile names a list the role may open */
static void
test_dashboard (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(MtActor) admin = actor_for (f->db, "admin");
  g_autoptr(MtActor) manager = actor_for (f->db, "store");
  g_autoptr(MtActor) tech = actor_for (f->db, "tech");
  g_autoptr(GError) error = NULL;
  gint64 store = store_of (f->db, "store");
  gint64 type = test_type (f->db);
  g_autoptr(MtDashboard) hq = mt_dashboard_read (f->db, admin, &error);
  g_autoptr(MtDashboard) shop = NULL;
  g_autoptr(MtDashboard) workshop = mt_dashboard_read (f->db, tech, &error);
  g_autoptr(MtDashboard) after = NULL;
  MtRentRequest r = request_for (store, make_device (f->db, store, type, "DASH000001"), "offline");

  g_assert_no_error (error);
  g_assert_cmpint (hq->kind, ==, MT_DASHBOARD_MANAGEMENT);
  g_assert_cmpint (workshop->kind, ==, MT_DASHBOARD_TECHNICIAN);
  g_assert_cmpint (tile_of (hq, "rented")->value, ==,
                   mt_db_query_int (f->db, -1, "SELECT count (*) FROM devices WHERE state = 'rented' AND deleted = 0", NULL));
  g_assert_cmpint (tile_of (hq, "overdue")->value, ==,
                   mt_db_query_int (f->db, -1, "SELECT count (*) FROM orders WHERE state = 'overdue' AND deleted = 0", NULL));
  g_assert_cmpint (tile_of (workshop, "alarms")->value, ==,
                   mt_db_query_int (f->db, -1, "SELECT count (*) FROM alarms WHERE state = 'open' AND deleted = 0", NULL));
  g_assert_cmpint (tile_of (workshop, "repairs")->value, ==,
                   mt_db_query_int (f->db, -1, "SELECT count (*) FROM repairs WHERE state IN ('pending', 'repairing') "
                                               "AND deleted = 0", NULL));
  g_assert_cmpuint (hq->chart->n_rows, ==, 30);
  g_assert_nonnull (hq->ranking);
  g_assert_null (workshop->ranking);
  g_assert_cmpint (workshop->chart_kind, ==, MT_CHART_DONUT);
  for (guint i = 0; i < hq->tiles->len; i++)
    g_assert_true (mt_actor_can_view (admin, ((MtDashboardTile *) hq->tiles->pdata[i])->page));
  for (guint i = 0; i < workshop->tiles->len; i++)
    g_assert_true (mt_actor_can_view (tech, ((MtDashboardTile *) workshop->tiles->pdata[i])->page));

  /* the store manager's is its store's, and a rental moves today's figures */
  add_rule (f->db, "330106", type, 12000, 30, 20000);
  shop = mt_dashboard_read (f->db, manager, &error);
  g_assert_no_error (error);
  g_assert_cmpint (shop->kind, ==, MT_DASHBOARD_STORE);
  g_assert_cmpint (tile_of (shop, "ready")->value, ==,
                   mt_db_query_int (f->db, -1, "SELECT count (*) FROM devices WHERE state = 'ready' AND deleted = 0 "
                                               "AND store_id = ?", "i", store));
  g_assert_nonnull (mt_order_rent (f->db, manager, &r, &error) ? "rented" : NULL);
  g_assert_no_error (error);
  after = mt_dashboard_read (f->db, manager, &error);
  g_assert_cmpint (tile_of (after, "ready")->value, ==, tile_of (shop, "ready")->value - 1);
  g_assert_cmpint (tile_of (after, "rented")->value, ==, tile_of (shop, "rented")->value + 1);
  g_assert_cmpint (tile_of (after, "income_today")->value, ==, tile_of (shop, "income_today")->value + 12000);
  for (guint i = 0; i < after->tiles->len; i++)
    g_assert_true (mt_actor_can_view (manager, ((MtDashboardTile *) after->tiles->pdata[i])->page));
}

/* Campaigns are edited with their first and last day; a denomination's bonus follows them */
static void
test_campaign_editor (Fixture       *f,
                      gconstpointer  data)
{
  const MtEntity *entity = mt_entity_lookup ("campaigns");
  g_autoptr(GHashTable) fields = mt_fields_new ();
  g_autoptr(GHashTable) loaded = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GDateTime) today = g_date_time_new_from_unix_local (fake_now / G_USEC_PER_SEC);
  g_autoptr(GDateTime) later = g_date_time_add_days (today, 9);
  g_autofree char *first = g_date_time_format (today, "%Y-%m-%d");
  g_autofree char *last = g_date_time_format (later, "%Y-%m-%d");
  gint64 id;

#define SET(k, v) g_hash_table_insert (fields, g_strdup (k), g_strdup (v))
  SET ("operator_id", "1");
  SET ("name", "双十一充值");
  SET ("kind", "recharge_bonus");
  SET ("starts_at", first);
  SET ("ends_at", "2026-13-40");
  SET ("enabled", "1");
  g_assert_cmpint (mt_entity_save (f->db, f->system, entity, 0, 0, fields, &error), ==, 0);
  g_assert_cmpstr (mt_error_get_field (error), ==, "ends_at");
  g_clear_error (&error);
  SET ("ends_at", "2020-01-01");
  g_assert_cmpint (mt_entity_save (f->db, f->system, entity, 0, 0, fields, &error), ==, 0);
  g_assert_cmpstr (mt_error_get_field (error), ==, "ends_at");
  g_clear_error (&error);
  SET ("ends_at", last);
  id = mt_entity_save (f->db, f->system, entity, 0, 0, fields, &error);
  g_assert_no_error (error);
  /* it runs through its last day */
  g_assert_cmpint (mt_db_query_int (f->db, 0, "SELECT ends_at - starts_at FROM campaigns WHERE id = ?", "i", id), >=,
                   G_USEC_PER_SEC * (gint64) (10 * 23 * 3600));
  loaded = mt_entity_load (f->db, f->system, entity, id, &error);
  g_assert_cmpstr (g_hash_table_lookup (loaded, "starts_at"), ==, first);
  g_assert_cmpstr (g_hash_table_lookup (loaded, "ends_at"), ==, last);
#undef SET
}

/* Each { field, bad value, good value } of @bad is refused on that field, then set good */
static void
refuse_each (MtDb              *db,
             const MtActor     *actor,
             const MtEntity    *entity,
             GHashTable        *fields,
             const char *const  bad[][3])
{
  for (guint i = 0; bad[i][0]; i++)
    {
      g_autoptr(GError) error = NULL;

      g_hash_table_insert (fields, g_strdup (bad[i][0]), g_strdup (bad[i][1]));
      g_assert_cmpint (mt_entity_save (db, actor, entity, 0, 0, fields, &error), ==, 0);
      g_assert_cmpstr (mt_error_get_field (error), ==, bad[i][0]);
      g_hash_table_insert (fields, g_strdup (bad[i][0]), g_strdup (bad[i][2]));
    }
}

/* Denominations and rental cards are edited by operator admins; the operators below see (and
 * sell) what is offered from above but cannot change it */
static void
test_offer_editors (Fixture       *f,
                    gconstpointer  data)
{
  const MtEntity *plans = mt_entity_lookup ("recharge_plans");
  const MtEntity *cards = mt_entity_lookup ("rental_cards");
  g_autoptr(MtActor) east = actor_for (f->db, "east");
  g_autoptr(MtActor) hangzhou = actor_for (f->db, "hangzhou");
  g_autoptr(MtActor) manager = actor_for (f->db, "store");
  g_autoptr(MtActor) finance = actor_for (f->db, "finance");
  g_autoptr(GHashTable) fields = mt_fields_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(MtListing) listing = NULL;
  g_autofree char *east_op = g_strdup_printf ("%" G_GINT64_FORMAT, east->operator_id);
  g_autofree char *hz_op = g_strdup_printf ("%" G_GINT64_FORMAT, hangzhou->operator_id);
  gint64 store = store_of (f->db, "store");
  gint64 member = mt_db_query_int (f->db, 0, "SELECT id FROM members WHERE store_id = ? ORDER BY id LIMIT 1", "i", store);
  gint64 hq_plan = mt_db_query_int (f->db, 0, "SELECT id FROM recharge_plans WHERE amount_fen = 20000", NULL);
  gint64 n_plans = mt_db_query_int (f->db, 0, "SELECT count (*) FROM recharge_plans", NULL);
  gint64 east_campaign, plan, card, balance;
  guint n_columns;

#define SET(k, v) g_hash_table_insert (fields, g_strdup (k), g_strdup (v))
#define REFUSED(actor, entity, id, field) G_STMT_START { \
    g_assert_cmpint (mt_entity_save (f->db, actor, entity, id, id ? row_version (f->db, mt_entity_get_page (entity), id) : 0, \
                                     fields, &error), ==, 0); \
    g_assert_cmpstr (mt_error_get_field (error), ==, field); \
    g_clear_error (&error); } G_STMT_END

  /* a bonus campaign of the east operator, which Hangzhou is below */
  SET ("operator_id", east_op);
  SET ("name", "东区充值送");
  SET ("kind", "recharge_bonus");
  SET ("starts_at", "2020-01-01");
  SET ("ends_at", "2099-12-31");
  east_campaign = mt_entity_save (f->db, east, mt_entity_lookup ("campaigns"), 0, 0, fields, &error);
  g_assert_no_error (error);
  g_hash_table_remove_all (fields);

  SET ("operator_id", hz_op);
  SET ("amount_fen", "30000");
  SET ("bonus_fen", "3000");
  SET ("campaign_id", "");
  {
    /* amounts are whole fen: yuan text, fractions, signs and numbers past the bound are refused */
    static const char *const bad[][3] = {
      { "amount_fen", "0", "30000" }, { "amount_fen", "10000001", "30000" }, { "amount_fen", "300.00", "30000" },
      { "amount_fen", "9223372036854775807", "30000" }, { "amount_fen", "1e3", "30000" },
      { "amount_fen", " 300", "30000" }, { "amount_fen", "+300", "30000" },
      { "bonus_fen", "30001", "3000" }, { "bonus_fen", "-1", "3000" }, { "bonus_fen", "0x10", "3000" }, { NULL }
    };
    refuse_each (f->db, hangzhou, plans, fields, bad);
  }
  /* a referral campaign is no bonus campaign */
  {
    g_autofree char *referral = g_strdup_printf ("%" G_GINT64_FORMAT, mt_db_query_int (f->db, 0,
                                                 "SELECT id FROM campaigns WHERE kind = 'referral'", NULL));
    SET ("campaign_id", referral);
    REFUSED (f->system, plans, 0, "campaign_id");
  }
  /* the campaign of the operator above Hangzhou is offered to it; Hangzhou's to no one above */
  {
    g_autofree char *campaign = g_strdup_printf ("%" G_GINT64_FORMAT, east_campaign);
    SET ("campaign_id", campaign);
  }
  plan = mt_entity_save (f->db, hangzhou, plans, 0, 0, fields, &error);
  g_assert_no_error (error);
  /* the same amount twice under one campaign is refused */
  REFUSED (hangzhou, plans, 0, "amount_fen");
  /* an operator elsewhere cannot use Hangzhou's operator, and a store manager edits no offers */
  g_assert_cmpint (mt_entity_save (f->db, manager, plans, 0, 0, fields, &error), ==, 0);
  g_assert_error (error, MT_ERROR, MT_ERROR_FORBIDDEN);
  g_clear_error (&error);
  /* Hangzhou cannot change the headquarters' denomination it sells */
  SET ("amount_fen", "25000");
  g_assert_cmpint (mt_entity_save (f->db, hangzhou, plans, hq_plan, row_version (f->db, "recharge_plans", hq_plan), fields, &error), ==, 0);
  g_assert_nonnull (error);
  g_clear_error (&error);
  g_assert_false (mt_entity_delete (f->db, hangzhou, plans, hq_plan, row_version (f->db, "recharge_plans", hq_plan), &error));
  g_clear_error (&error);
  g_assert_cmpint (mt_db_query_int (f->db, 0, "SELECT amount_fen FROM recharge_plans WHERE id = ?", "i", hq_plan), ==, 20000);
  g_assert_cmpint (mt_db_query_int (f->db, 0, "SELECT count (*) FROM recharge_plans", NULL), ==, n_plans + 1);

  /* the counter offers the headquarters' denominations and Hangzhou's, naming a running bonus */
  {
    g_autoptr(GPtrArray) options = mt_recharge_plan_options (f->db, manager);
    g_autoptr(MtActor) admin = actor_for (f->db, "admin");
    g_autoptr(GPtrArray) elsewhere = mt_recharge_plan_options (f->db, admin);
    gboolean found = FALSE;

    g_assert_cmpuint (options->len, ==, n_plans + 1);
    for (guint i = 0; i < options->len; i++)
      {
        MtOption *o = options->pdata[i];
        if (g_ascii_strtoll (o->id, NULL, 10) == plan)
          {
            g_assert_cmpstr (o->label, ==, "¥300.00 (bonus ¥30.00)");
            found = TRUE;
          }
      }
    g_assert_true (found);
    g_assert_cmpuint (elsewhere->len, ==, n_plans + 1);   /* headquarters sees every operator's */
    g_assert_true (mt_db_run (f->db, NULL, "UPDATE campaigns SET enabled = 0 WHERE id = ?", "i", east_campaign));
    g_clear_pointer (&options, g_ptr_array_unref);
    options = mt_recharge_plan_options (f->db, manager);
    for (guint i = 0; i < options->len; i++)
      if (g_ascii_strtoll (((MtOption *) options->pdata[i])->id, NULL, 10) == plan)
        g_assert_cmpstr (((MtOption *) options->pdata[i])->label, ==, "¥300.00");
    g_assert_true (mt_db_run (f->db, NULL, "UPDATE campaigns SET enabled = 1 WHERE id = ?", "i", east_campaign));
  }

  /* the new denomination recharges with the east campaign's bonus */
  balance = mt_db_query_int (f->db, 0, "SELECT balance_fen FROM members WHERE id = ?", "i", member);
  g_assert_true (mt_member_recharge (f->db, manager, member, plan, 0, "offline", &error));
  g_assert_no_error (error);
  g_assert_cmpint (mt_db_query_int (f->db, 0, "SELECT balance_fen FROM members WHERE id = ?", "i", member), ==,
                   balance + 30000 + 3000);

  /* Hangzhou's listing shows its own and the headquarters' denominations, with the bonus state */
  listing = mt_listing_new (f->db, hangzhou, "recharge_plans", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (mt_listing_count (listing), ==, n_plans + 1);
  mt_listing_get_columns (listing, &n_columns);
  g_clear_pointer (&listing, mt_listing_free);
  /* finance reads them, and a deleted one leaves the listing */
  listing = mt_listing_new (f->db, finance, "recharge_plans", &error);
  g_assert_no_error (error);
  g_clear_pointer (&listing, mt_listing_free);
  g_assert_true (mt_entity_delete (f->db, hangzhou, plans, plan, row_version (f->db, "recharge_plans", plan), &error));
  g_assert_no_error (error);
  listing = mt_listing_new (f->db, hangzhou, "recharge_plans", &error);
  g_assert_cmpuint (mt_listing_count (listing), ==, n_plans);
  g_clear_pointer (&listing, mt_listing_free);
  /* a store manager has no such page */
  listing = mt_listing_new (f->db, manager, "recharge_plans", &error);
  g_assert_null (listing);
  g_assert_error (error, MT_ERROR, MT_ERROR_FORBIDDEN);
  g_clear_error (&error);

  /* rental cards: name, days, price */
  g_hash_table_remove_all (fields);
  SET ("operator_id", hz_op);
  SET ("name", "周卡");
  SET ("days", "7");
  SET ("price_fen", "40");
  SET ("enabled", "1");
  {
    static const char *const bad[][3] = {
      { "name", "", "周卡" }, { "days", "0", "7" }, { "days", "3661", "7" }, { "price_fen", "0", "40" },
      { "enabled", "maybe", "1" }, { NULL }
    };
    refuse_each (f->db, hangzhou, cards, fields, bad);
  }
  card = mt_entity_save (f->db, hangzhou, cards, 0, 0, fields, &error);
  g_assert_no_error (error);
  /* on sale: sold at the counter, counted on the page */
  g_assert_cmpint (mt_member_buy_card (f->db, manager, member, card, "offline", &error), >, 0);
  g_assert_no_error (error);
  listing = mt_listing_new (f->db, hangzhou, "rental_cards", &error);
  g_assert_no_error (error);
  mt_listing_set_search (listing, "周卡");
  {
    g_autoptr(GPtrArray) rows = mt_listing_fetch (listing, 0, 10);
    const MtListColumn *cols = mt_listing_get_columns (listing, &n_columns);

    g_assert_cmpuint (rows->len, ==, 1);
    for (guint i = 0; i < n_columns; i++)
      if (g_str_equal (cols[i].key, "sold") || g_str_equal (cols[i].key, "active"))
        g_assert_cmpstr (((MtListRow *) rows->pdata[0])->cells[i], ==, "1");
  }
  g_clear_pointer (&listing, mt_listing_free);
  /* off sale: no longer sold */
  g_hash_table_remove_all (fields);
  SET ("enabled", "0");
  g_assert_cmpint (mt_entity_save (f->db, hangzhou, cards, card, row_version (f->db, "rental_cards", card), fields, &error), ==, card);
  g_assert_no_error (error);
  g_assert_cmpint (mt_member_buy_card (f->db, manager, member, card, "offline", &error), ==, 0);
  g_assert_cmpstr (mt_error_get_field (error), ==, "card_id");
  g_clear_error (&error);
  {
    g_autoptr(GPtrArray) options = mt_rental_card_options (f->db, manager);

    g_assert_cmpuint (options->len, ==, 2);   /* the headquarters' month and quarter cards */
    for (guint i = 0; i < options->len; i++)
      g_assert_cmpint (g_ascii_strtoll (((MtOption *) options->pdata[i])->id, NULL, 10), !=, card);
  }
  assert_books_balance (f->db);
#undef REFUSED
#undef SET
}



static void
test_demo_reconciles (Fixture       *f,
                      gconstpointer  data)
{
  assert_books_balance (f->db);
  /* and a forged balance is found */
  g_assert_true (mt_db_run (f->db, NULL, "UPDATE members SET balance_fen = balance_fen + 1 WHERE id = 1", NULL));
  g_assert_false (mt_ledger_reconcile (f->db, NULL));
}


/* ------------------------------------------------------------------ randomized */

static gint64
pick (MtDb       *db,
      GRand      *rand,
      const char *sql)
{
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  sqlite3_stmt *stmt = mt_db_prepare (db, NULL, sql, NULL);

  while (stmt && sqlite3_step (stmt) == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (stmt, 0);
      g_array_append_val (ids, id);
    }
  if (stmt)
    sqlite3_reset (stmt);
  return ids->len ? g_array_index (ids, gint64, g_rand_int_range (rand, 0, ids->len)) : 0;
}

/* The invariants after every operation: the books balance, no balance is negative, a device
 * is in at most one open order, the deposits held are the open orders' (or wait for approval) */
static void
check_invariants (MtDb *db)
{
  g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func (g_free);
  gboolean stats_ok;

  assert_books_balance (db);
  /* the kept daily aggregates equal a recomputation from the rows */
  stats_ok = mt_stats_check (db, problems);
  for (guint i = 0; i < problems->len && i < 10; i++)
    g_test_message ("%s", (const char *) problems->pdata[i]);
  g_assert_true (stats_ok);
  g_assert_cmpint (mt_db_query_int (db, -1, "SELECT count(*) FROM members WHERE balance_fen < 0", NULL), ==, 0);
  g_assert_cmpint (mt_db_query_int (db, -1, "SELECT count(*) FROM (SELECT device_id FROM orders WHERE state <> 'ended' "
                                            "GROUP BY device_id HAVING count(*) > 1)", NULL), ==, 0);
  g_assert_cmpint (mt_db_query_int (db, -1, "SELECT coalesce (sum (d.amount_fen - d.deducted_fen), 0) FROM deposits d "
                                            "JOIN orders o ON o.id = d.order_id WHERE d.state = 'held' "
                                            "AND o.state = 'ended'", NULL), ==,
                   mt_db_query_int (db, -1, "SELECT coalesce (sum (amount_fen), 0) FROM deposit_refunds "
                                            "WHERE state = 'requested'", NULL));
  g_assert_cmpint (mt_db_query_int (db, -1, "SELECT count(*) FROM orders o JOIN deposits d ON d.order_id = o.id "
                                            "WHERE o.state <> 'ended' AND d.state <> 'held'", NULL), ==, 0);
  g_assert_cmpint (mt_db_query_int (db, -1, "SELECT count(*) FROM operators o WHERE (SELECT coalesce (sum (operator_fen), 0) "
                                            "FROM splits WHERE operator_id = o.id) < (SELECT coalesce (sum (amount_fen), 0) "
                                            "FROM withdrawals WHERE operator_id = o.id AND store_id IS NULL "
                                            "AND state <> 'rejected')", NULL), ==, 0);
}

/* No row of @sql: each one is a difference, printed */
static void
expect_no_rows (MtDb       *db,
                const char *what,
                const char *sql,
                gint64      since)
{
  sqlite3_stmt *stmt = mt_db_prepare (db, NULL, sql, "i", since);
  int rc;
  guint n = 0;

  g_assert_nonnull (stmt);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      g_test_message ("%s: row %" G_GINT64_FORMAT, what, (gint64) sqlite3_column_int64 (stmt, 0));
      n++;
    }
  sqlite3_reset (stmt);
  g_assert_cmpint (rc, ==, SQLITE_DONE);
  if (n > 0)
    g_error ("%s: %u rows", what, n);
}

/* The books' rules for what one operation changed (the journal after @since): the balances of
 * the members it touched, the money, deposits and devices of its orders, the splits of its new
 * ledger rows. The whole books are reconciled every few hundred operations and at the end. */
static void
check_changed (MtDb   *db,
               gint64  since)
{
#define TOUCHED(table) "(SELECT row_id FROM change_log WHERE seq > ?1 AND tbl = '" table "')"
#define NEW_LEDGER "(SELECT id FROM ledger WHERE id IN " TOUCHED ("ledger") ")"
  expect_no_rows (db, "member balance differs from the ledger",
                  "SELECT m.id FROM members m WHERE (m.id IN " TOUCHED ("members") " OR m.id IN "
                  "(SELECT member_id FROM ledger WHERE id IN " NEW_LEDGER ")) AND m.balance_fen <> "
                  "(SELECT coalesce (sum (CASE WHEN kind IN ('recharge', 'bonus', 'commission') THEN amount_fen "
                  "WHEN pay_method = 'balance' THEN -amount_fen ELSE 0 END), 0) FROM ledger WHERE member_id = m.id) "
                  "OR m.balance_fen < 0", since);
  expect_no_rows (db, "order money differs from the ledger",
                  "SELECT o.id FROM orders o WHERE o.id IN " TOUCHED ("orders") " AND ("
                  "o.rent_fen <> (SELECT coalesce (sum (amount_fen), 0) FROM ledger WHERE order_id = o.id AND kind = 'rent') "
                  "OR o.services_fen <> (SELECT coalesce (sum (amount_fen), 0) FROM ledger WHERE order_id = o.id AND kind = 'service') "
                  "OR o.overdue_fen <> (SELECT coalesce (sum (amount_fen), 0) FROM ledger WHERE order_id = o.id AND kind = 'overdue') "
                  "OR o.damage_fen <> (SELECT coalesce (sum (amount_fen), 0) FROM ledger WHERE order_id = o.id AND kind = 'damage') "
                  "OR o.deposit_fen <> (SELECT coalesce (sum (amount_fen), 0) FROM ledger WHERE order_id = o.id AND kind = 'deposit_in') "
                  "OR o.refund_fen <> -(SELECT coalesce (sum (amount_fen), 0) FROM ledger WHERE order_id = o.id AND kind = 'deposit_out'))",
                  since);
  expect_no_rows (db, "deposit differs from the ledger",
                  "SELECT d.id FROM deposits d WHERE (d.id IN " TOUCHED ("deposits") " OR d.order_id IN " TOUCHED ("orders") ") "
                  "AND ((SELECT coalesce (sum (amount_fen), 0) FROM ledger WHERE order_id = d.order_id AND kind IN "
                  "('deposit_in', 'deposit_out', 'deposit_deduct')) <> CASE d.state WHEN 'held' THEN d.amount_fen - "
                  "d.deducted_fen ELSE 0 END OR -(SELECT coalesce (sum (amount_fen), 0) FROM ledger WHERE order_id = "
                  "d.order_id AND kind = 'deposit_deduct') <> d.deducted_fen)", since);
  expect_no_rows (db, "open order and device disagree",
                  "SELECT o.id FROM orders o JOIN devices v ON v.id = o.device_id WHERE (o.id IN " TOUCHED ("orders")
                  " OR v.id IN " TOUCHED ("devices") ") AND o.state <> 'ended' AND (v.state <> 'rented' OR "
                  "v.member_id <> o.member_id OR EXISTS (SELECT 1 FROM deposits d WHERE d.order_id = o.id AND "
                  "d.state <> 'held'))", since);
  expect_no_rows (db, "rented device without one open order",
                  "SELECT v.id FROM devices v WHERE v.id IN " TOUCHED ("devices") " AND v.state = 'rented' AND "
                  "(SELECT count (*) FROM orders o WHERE o.device_id = v.id AND o.state <> 'ended') <> 1", since);
  expect_no_rows (db, "income not split exactly once",
                  "SELECT l.id FROM ledger l WHERE l.id IN " NEW_LEDGER " AND l.kind IN (" MT_LEDGER_INCOME_KINDS_SQL ") AND "
                  "((SELECT count (*) FROM splits WHERE ledger_id = l.id) <> 1 OR "
                  "(SELECT sum (total_fen) FROM splits WHERE ledger_id = l.id) <> l.amount_fen)", since);
  expect_no_rows (db, "withdrawn more than earned",
                  "SELECT w.id FROM withdrawals w WHERE w.id IN " TOUCHED ("withdrawals") " AND w.state <> 'rejected' AND "
                  "(SELECT coalesce (sum (amount_fen), 0) FROM withdrawals x WHERE x.operator_id = w.operator_id AND "
                  "x.store_id IS w.store_id AND x.state <> 'rejected') > (SELECT coalesce (sum (CASE WHEN w.store_id "
                  "IS NULL THEN operator_fen ELSE store_fen END), 0) FROM splits s WHERE CASE WHEN w.store_id IS NULL "
                  "THEN s.operator_id = w.operator_id ELSE s.store_id = w.store_id END)", since);
#undef NEW_LEDGER
#undef TOUCHED
}

/* The per-operation check catches what it is there for: a balance off by one fen, an income row
 * without its split, each in a change of its own */
static void
test_check_changed_catches (void)
{
  static const char *const caught[] = { "*member balance differs*", "*income not split*", "*order money differs*" };
  static const char *const corruptions[] = {
    "UPDATE members SET balance_fen = balance_fen + 1, version = version + 1 WHERE id = 1",
    "INSERT INTO ledger (created_at, updated_at, txn_no, operator_id, kind, amount_fen, pay_method, at) "
    "VALUES (1, 1, 'T-TEST', 1, 'rent', 100, 'online', 1)",
    "UPDATE orders SET rent_fen = rent_fen + 5, version = version + 1 WHERE id = (SELECT max (id) FROM orders)",
  };

  if (g_test_subprocess ())
    {
      g_autofree char *dir = g_dir_make_tmp ("mt-check-XXXXXX", NULL);
      g_autofree char *path = g_build_filename (dir, "check.db", NULL);
      g_autoptr(GError) error = NULL;
      MtDemoOptions options;
      MtDb *db = mt_db_open (path, &error);
      gint64 seq;
      guint which = (guint) g_ascii_strtoull (g_getenv ("MT_CORRUPTION"), NULL, 10);

      mt_demo_options_init (&options);
      options.n_devices = 20;
      options.n_members = 10;
      g_assert_true (mt_demo_generate (db, &options, &error));
      seq = mt_db_query_int (db, 0, "SELECT max (seq) FROM change_log", NULL);
      check_changed (db, seq);   /* nothing changed: nothing to say */
      g_assert_true (mt_db_exec (db, corruptions[which], &error));
      check_changed (db, seq);
      return;
    }
  for (guint i = 0; i < G_N_ELEMENTS (corruptions); i++)
    {
      g_autofree char *value = g_strdup_printf ("%u", i);

      g_setenv ("MT_CORRUPTION", value, TRUE);
      g_test_trap_subprocess (NULL, 0, 0);
      g_test_trap_assert_failed ();
      g_test_trap_assert_stderr (caught[i]);
    }
}

static void
test_random_operations (void)
{
  g_autofree char *dir = g_dir_make_tmp ("mt-random-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "random.db", NULL);
  const char *n_text = g_getenv ("MT_RANDOM_OPERATIONS");
  guint n_ops = n_text ? (guint) g_ascii_strtoull (n_text, NULL, 10) : 10000;
  g_autoptr(GRand) rand = g_rand_new_with_seed (20261126);
  g_autoptr(GError) error = NULL;
  g_autoptr(MtActor) system = mt_actor_new_system ();
  static const char *const methods[] = { "offline", "online", "balance" };
  static const char *const withdrawal_states[] = { "approved", "paid", "rejected" };
  guint done[10] = { 0 }, refused = 0;
  MtDemoOptions options;
  MtDb *db;

  fake_now = G_GINT64_CONSTANT (1767225600000000);
  mt_set_clock (test_clock);
  db = mt_db_open (path, &error);
  g_assert_no_error (error);
  mt_demo_options_init (&options);
  options.n_devices = 80;
  options.n_members = 60;
  options.now = fake_now;
  g_assert_true (mt_demo_generate (db, &options, &error));
  g_assert_true (mt_db_run (db, NULL, "UPDATE operators SET caps = caps | 4", NULL));
  check_invariants (db);

  for (guint i = 0; i < n_ops; i++)
    {
      guint op = g_rand_int_range (rand, 0, 10);
      gint64 ledger = count (db, "ledger");
      gint64 seq = mt_db_query_int (db, 0, "SELECT coalesce (max (seq), 0) FROM change_log", NULL);
      const char *method = methods[g_rand_int_range (rand, 0, 3)];
      gboolean ok = FALSE;

      fake_now += (gint64) g_rand_int_range (rand, 0, 12 * 3600) * G_USEC_PER_SEC;
      switch (op)
        {
        case 0:
        case 1:   /* rent a ready device to one of a few riders */
          {
            gint64 device = pick (db, rand, "SELECT id FROM devices WHERE state = 'ready' AND store_id IS NOT NULL");
            g_autofree char *mobile = g_strdup_printf ("1390000%04d", g_rand_int_range (rand, 0, 40));
            MtRentRequest r = { .store_id = mt_db_query_int (db, 0, "SELECT store_id FROM devices WHERE id = ?", "i", device),
                                .device_id = device, .mobile = mobile, .name = "随机骑手",
                                .id_card = "11010519491231002X", .periods = g_rand_int_range (rand, 1, 4),
                                .services = g_rand_int_range (rand, 0, 4), .pay_method = method };
            ok = device && mt_order_rent (db, system, &r, &error) > 0;
          }
          break;
        case 2:
          ok = mt_order_renew (db, system, pick (db, rand, "SELECT id FROM orders WHERE state <> 'ended'"),
                               g_rand_int_range (rand, 1, 3), method, &error);
          break;
        case 3:
          {
            gint64 order = pick (db, rand, "SELECT id FROM orders WHERE state <> 'ended'");
            gint64 device = mt_db_query_int (db, 0, "SELECT v.id FROM orders o JOIN devices v ON v.store_id = o.store_id "
                                                    "AND v.type_id = o.type_id AND v.state = 'ready' WHERE o.id = ? LIMIT 1",
                                             "i", order);
            ok = mt_order_replace (db, system, order, device, g_rand_boolean (rand) ? "随机故障" : NULL, &error);
          }
          break;
        case 4:
        case 5:
          {
            MtEndRequest end = { .damage_fen = g_rand_boolean (rand) ? 0 : g_rand_int_range (rand, 0, 80000),
                                 .pay_method = method, .hold_deposit = g_rand_int_range (rand, 0, 4) == 0,
                                 .forced = g_rand_int_range (rand, 0, 8) == 0 };
            ok = mt_order_end (db, system, pick (db, rand, "SELECT id FROM orders WHERE state <> 'ended'"), &end,
                               NULL, &error);
          }
          break;
        case 6:
          if (g_rand_int_range (rand, 0, 2) == 0)   /* now and then a repair reported or moved on */
            {
              gint64 repair = pick (db, rand, "SELECT id FROM repairs WHERE state IN ('pending', 'repairing')");
              static const char *const next[] = { "repairing", "done", "scrapped" };

              if (repair == 0 || g_rand_int_range (rand, 0, 3) == 0)
                ok = mt_repair_report (db, system, pick (db, rand, "SELECT id FROM devices WHERE state = 'ready'"),
                                       "store", "随机门店", "随机故障", &error) > 0;
              else
                ok = mt_repair_progress (db, system, repair,
                                         mt_db_query_int (db, 0, "SELECT version FROM repairs WHERE id = ?", "i", repair),
                                         next[g_rand_int_range (rand, 0, 3)], "随机进度",
                                         g_rand_int_range (rand, 0, 5000), &error);
              break;
            }
          if (g_rand_int_range (rand, 0, 10) == 0)   /* a member without orders is removed */
            {
              gint64 member = pick (db, rand, "SELECT id FROM members m WHERE deleted = 0 AND NOT EXISTS "
                                              "(SELECT 1 FROM orders o WHERE o.member_id = m.id)");

              ok = member != 0 && mt_db_run (db, &error, "UPDATE members SET deleted = 1, version = version + 1 "
                                                         "WHERE id = ?", "i", member);
              break;
            }
          fake_now += g_rand_int_range (rand, 1, 40) * DAY;
          ok = mt_orders_mark_overdue (db, &error) >= 0;
          break;
        case 7:
          if (g_rand_int_range (rand, 0, 8) == 0)   /* now and then a rental card refunded */
            {
              gint64 sale = pick (db, rand, "SELECT id FROM member_cards WHERE state = 'active' AND refunded_at IS NULL");

              ok = mt_member_card_refund (db, system, sale, mt_db_query_int (db, 0, "SELECT version FROM member_cards "
                                                                                    "WHERE id = ?", "i", sale), &error) >= 0;
              break;
            }
          if (g_rand_int_range (rand, 0, 4) == 0)   /* now and then a rental card instead */
            {
              ok = mt_member_buy_card (db, system, pick (db, rand, "SELECT id FROM members"),
                                       pick (db, rand, "SELECT id FROM rental_cards"), method, &error) > 0;
              break;
            }
          ok = mt_member_recharge (db, system, pick (db, rand, "SELECT id FROM members"),
                                   g_rand_boolean (rand) ? pick (db, rand, "SELECT id FROM recharge_plans") : 0,
                                   g_rand_int_range (rand, 0, 60000), g_rand_boolean (rand) ? "online" : "offline",
                                   &error);
          break;
        case 8:
          ok = mt_deposit_refund_handle (db, system, pick (db, rand, "SELECT id FROM deposit_refunds WHERE state = 'requested'"),
                                         g_rand_boolean (rand), "随机拒绝", &error);
          break;
        case 9:
          {
            gint64 store = g_rand_boolean (rand) ? pick (db, rand, "SELECT id FROM stores") : 0;
            g_autoptr(MtActor) owner = NULL;
            gint64 w;

            if (store == 0)
              {
                owner = mt_actor_new_system ();
                owner->operator_id = pick (db, rand, "SELECT id FROM operators WHERE id > 1");
              }
            w = mt_withdrawal_request (db, owner ? owner : system, store, g_rand_int_range (rand, 1, 2000000),
                                       "随机收款人", &error);
            g_clear_error (&error);
            ok = mt_withdrawal_handle (db, system, w ? w : pick (db, rand, "SELECT id FROM withdrawals"),
                                       withdrawal_states[g_rand_int_range (rand, 0, 3)], &error) || w != 0;
          }
          break;
        }
      if (ok)
        done[op]++;
      else
        {
          /* a refused operation writes nothing */
          refused++;
          if (op != 9)
            g_assert_cmpint (count (db, "ledger"), ==, ledger);
        }
      g_clear_error (&error);
      check_changed (db, seq);
      if (i % 500 == 499)
        check_invariants (db);
    }
  check_invariants (db);
  g_test_message ("%u operations: rent %u, renew %u, replace %u, end %u, overdue %u, recharge %u, refund %u, "
                  "withdrawal %u, refused %u", n_ops, done[0] + done[1], done[2], done[3], done[4] + done[5],
                  done[6], done[7], done[8], done[9], refused);
  g_assert_cmpuint (done[0] + done[1], >, n_ops / 20);
  g_assert_cmpuint (done[4] + done[5], >, n_ops / 20);
  mt_set_clock (NULL);
  mt_db_close (db);
  mt_test_remove_db (path);
}

int
main (int argc, char *argv[])
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/mt/billing/periods", test_periods);
  g_test_add_func ("/mt/billing/overdue-rent", test_overdue_rent);
  g_test_add_func ("/mt/billing/quotes", test_quotes);
  g_test_add_func ("/mt/billing/money-text", test_money_text);
  g_test_add_func ("/mt/billing/contract", test_contract);
#define ADD(path, func) g_test_add ("/mt/billing/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("demo-reconciles", test_demo_reconciles);
  ADD ("region-specificity", test_region_specificity);
  ADD ("rule-editor", test_rule_editor);
  ADD ("rent-and-end-routes", test_rent_and_end_routes);
  ADD ("settlements", test_settlements);
  ADD ("renewals-and-overdue", test_renewals_and_overdue);
  ADD ("replace", test_replace);
  ADD ("refusals-and-scope", test_refusals_and_scope);
  ADD ("deposit-refund-requests", test_deposit_refund_requests);
  ADD ("recharges", test_recharges);
  ADD ("member-withdrawals", test_member_withdrawals);
  ADD ("member-details", test_member_details);
  ADD ("referral", test_referral);
  ADD ("split-ratios", test_split_ratios);
  ADD ("rental-cards", test_rental_cards);
  ADD ("card-refunds", test_card_refunds);
  ADD ("stats-scope", test_stats_scope);
  ADD ("stats-buckets", test_stats_buckets);
  ADD ("stats-views", test_stats_views);
  ADD ("dashboard", test_dashboard);
  ADD ("campaign-editor", test_campaign_editor);
  ADD ("offer-editors", test_offer_editors);
  ADD ("withdrawals", test_withdrawals);
#undef ADD
  g_test_add_func ("/mt/billing/check-changed-catches", test_check_changed_catches);
  g_test_add_func ("/mt/billing/random-operations", test_random_operations);
  ret = g_test_run ();
  mt_test_demo_cleanup ();
  return ret;
}
