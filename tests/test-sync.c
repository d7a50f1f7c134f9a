/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Consoles' sync engines against a real mingtang-server: replicas follow the shared database
 * within seconds, each holding only what its account may see. */
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "mt-db.h"
#include "mt-demo.h"
#include "mt-error.h"
#include "mt-local-backend.h"
#include "mt-remote-backend.h"
#include "mt-report.h"
#include "mt-stats.h"
#include "mt-sync-engine.h"
#include "test-util.h"

typedef struct
{
  char        *dir;
  char        *path;
  GSubprocess *server;
  char        *url;
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  f->dir = g_dir_make_tmp ("mt-sync-XXXXXX", NULL);
  f->path = g_build_filename (f->dir, "shared.db", NULL);
  mt_test_demo_copy (f->path);
  f->server = mt_test_server_start (f->path, &f->url);
}

static void
remove_tree (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d && (name = g_dir_read_name (d)))
    {
      g_autofree char *file = g_build_filename (dir, name, NULL);
      g_unlink (file);
    }
  g_rmdir (dir);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  mt_test_server_stop (g_steal_pointer (&f->server));
  remove_tree (f->dir);
  g_free (f->dir);
  g_free (f->path);
  g_free (f->url);
}

static void
done_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  *(GAsyncResult **) data = g_object_ref (result);
}

/* (the test's meson timeout ends a wait that never returns) */
static GAsyncResult *
wait_result (GAsyncResult **slot)
{
  while (*slot == NULL)
    g_main_context_iteration (NULL, TRUE);
  return *slot;
}

static void
progress_cb (MtSyncEngine *engine, gint64 rows, gint64 expected, gint64 *last)
{
  g_assert_cmpint (rows, <=, expected);   /* the total is an upper bound of what arrives */
  last[0] = rows;
  last[1] = expected;
}

/* A console signed in as @user, its replica synced once and listening for changes */
static MtSyncEngine *
console (Fixture *f, const char *user)
{
  g_autofree char *replica = g_strdup_printf ("%s/replica-%s.db", f->dir, user);
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  MtSyncEngine *engine = mt_sync_engine_new (f->url, replica, &error);

  g_assert_no_error (error);
  mt_sync_engine_sign_in_async (engine, user, MT_DEMO_PASSWORD, NULL, done_cb, &result);
  g_assert_true (mt_sync_engine_sign_in_finish (engine, wait_result (&result), &error));
  g_assert_no_error (error);
  g_clear_object (&result);
  {
    gint64 progress[2] = { 0, 0 };
    gulong handler = g_signal_connect (engine, "progress", G_CALLBACK (progress_cb), progress);
    gint64 applied;

    mt_sync_engine_pull_async (engine, NULL, done_cb, &result);
    applied = mt_sync_engine_pull_finish (engine, wait_result (&result), &error);
    g_assert_no_error (error);
    g_assert_cmpint (applied, >, 0);
    /* the first sync knew how much was coming */
    g_assert_cmpint (progress[1], >, 0);
    g_assert_cmpint (progress[0], ==, applied);
    g_signal_handler_disconnect (engine, handler);
  }
  mt_sync_engine_start (engine);
  return engine;
}

static gint64
replica_int (MtSyncEngine *engine, const char *sql)
{
  return mt_db_query_int (mt_sync_engine_get_replica (engine), -1, sql, NULL);
}

/* Runs the main loop until @sql on the replica answers @expected, within @ms */
static void
wait_replica (MtSyncEngine *engine, const char *sql, gint64 expected, guint ms)
{
  gint64 end = g_get_monotonic_time () + ms * 1000;

  while (replica_int (engine, sql) != expected && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE), g_usleep (2000);
  g_assert_cmpint (replica_int (engine, sql), ==, expected);
}

static JsonNode *
write_json (MtSyncEngine *engine, const char *method, const char *path, const char *body, GError **error)
{
  g_autoptr(JsonNode) node = body ? json_from_string (body, NULL) : NULL;
  g_autoptr(GAsyncResult) result = NULL;

  mt_sync_engine_request_async (engine, method, path, node, NULL, done_cb, &result);
  return mt_sync_engine_request_finish (engine, wait_result (&result), error);
}

/* Acceptance 1: a store made on one console reaches the other within 2 s; a store manager's
 * replica holds its store only; a device moved out of its scope leaves its replica */
static void
test_replicas (Fixture *f, gconstpointer data)
{
  g_autoptr(MtSyncEngine) hq = console (f, "admin");
  g_autoptr(MtSyncEngine) east = console (f, "east");
  g_autoptr(MtSyncEngine) store = console (f, "store");
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) answer = NULL;
  gint64 my_store = replica_int (store, "SELECT store_id FROM accounts WHERE username = 'store'");
  gint64 device, other_store, t0;
  g_autofree char *sql = NULL;
  g_autofree char *body = NULL;

  /* scope of the replicas */
  g_assert_cmpint (replica_int (hq, "SELECT count(*) FROM devices WHERE deleted = 0"), ==, 300);
  g_assert_cmpint (replica_int (store, "SELECT count(*) FROM devices WHERE deleted = 0 AND store_id <> "
                                       "(SELECT store_id FROM accounts WHERE username = 'store')"), ==, 0);
  g_assert_cmpint (replica_int (store, "SELECT count(*) FROM devices WHERE deleted = 0"), >, 0);
  g_assert_cmpint (replica_int (store, "SELECT count(*) FROM stores WHERE deleted = 0"), ==, 1);
  g_assert_cmpint (replica_int (store, "SELECT count(*) FROM members WHERE deleted = 0 AND "
                                       "coalesce (store_id, 0) <> (SELECT store_id FROM accounts "
                                       "WHERE username = 'store')"), ==, 0);
  g_assert_cmpint (replica_int (east, "SELECT count(*) FROM stores s JOIN operators o ON o.id = s.operator_id "
                                      "WHERE s.deleted = 0 AND o.path NOT LIKE '/1/2/%'"), ==, 0);
  /* no secrets in replicas */
  g_assert_cmpint (replica_int (hq, "SELECT count(*) FROM accounts WHERE password_hash <> ''"), ==, 0);

  /* headquarters creates a store for the east operator: east sees it within 2 s */
  t0 = g_get_monotonic_time ();
  answer = write_json (hq, "POST", "stores",
                       "{\"name\":\"同步门店\",\"operator_id\":2,\"mobile\":\"13812345678\","
                       "\"password\":\"secret-pass\",\"password_confirm\":\"secret-pass\",\"manager\":\"李四\","
                       "\"manager_id_card\":\"11010519491231002X\",\"hours\":\"08:00-22:00\","
                       "\"region_code\":\"310115\",\"address\":\"张杨路 2 号\"}", &error);
  g_assert_no_error (error);
  g_assert_cmpint (replica_int (hq, "SELECT count(*) FROM stores WHERE name = '同步门店'"), ==, 1);
  wait_replica (east, "SELECT count(*) FROM stores WHERE name = '同步门店' AND deleted = 0", 1, 2000);
  g_test_message ("store reached the other console in %.0f ms", (g_get_monotonic_time () - t0) / 1000.0);
  g_assert_cmpint (replica_int (store, "SELECT count(*) FROM stores WHERE name = '同步门店'"), ==, 0);

  /* a device of the store manager's store moves away: it leaves that replica */
  device = replica_int (store, "SELECT id FROM devices WHERE deleted = 0 AND state = 'ready' LIMIT 1");
  other_store = replica_int (hq, "SELECT id FROM stores WHERE deleted = 0 AND id <> "
                                 "(SELECT store_id FROM accounts WHERE username = 'store') LIMIT 1");
  g_assert_cmpint (my_store, !=, other_store);
  body = g_strdup_printf ("{\"ids\":[%" G_GINT64_FORMAT "],\"store_id\":%" G_GINT64_FORMAT "}", device, other_store);
  g_clear_pointer (&answer, json_node_unref);
  answer = write_json (hq, "POST", "devices/transfer", body, &error);
  g_assert_no_error (error);
  sql = g_strdup_printf ("SELECT count(*) FROM devices WHERE id = %" G_GINT64_FORMAT " AND deleted = 0", device);
  wait_replica (store, sql, 0, 2000);
  g_free (sql);
  sql = g_strdup_printf ("SELECT store_id FROM devices WHERE id = %" G_GINT64_FORMAT, device);
  g_assert_cmpint (replica_int (hq, sql), ==, other_store);

  /* each replica keeps its own daily aggregates as its rows say, within its scope */
  g_assert_true (mt_stats_check (mt_sync_engine_get_replica (hq), NULL));
  g_assert_true (mt_stats_check (mt_sync_engine_get_replica (east), NULL));
  g_assert_true (mt_stats_check (mt_sync_engine_get_replica (store), NULL));
  g_free (sql);
  sql = g_strdup_printf ("SELECT count (*) FROM stats_daily WHERE n <> 0 AND store_id NOT IN (0, %" G_GINT64_FORMAT ")",
                         my_store);
  g_assert_cmpint (replica_int (store, sql), ==, 0);
  g_assert_cmpint (replica_int (store, "SELECT count (*) FROM stats_daily WHERE metric = 'l:rent' AND n > 0"), >, 0);
}

/* A store manager's report of the last 90 days, written from its replica with the server gone:
 * a PDF of many pages and a workbook, both whole, its figures those of its store */
static void
test_report_offline (Fixture *f, gconstpointer data)
{
  g_autoptr(MtSyncEngine) store = console (f, "store");
  MtDb *replica = mt_sync_engine_get_replica (store);
  g_autoptr(GError) error = NULL;
  g_autoptr(MtActor) actor = NULL;
  g_autofree char *pdf = g_build_filename (f->dir, "report.pdf", NULL);
  g_autofree char *xlsx = g_build_filename (f->dir, "report.xlsx", NULL);
  g_autofree char *bytes = NULL;
  gint64 today = mt_stats_day_of (g_get_real_time ());
  MtStatsFilter filter = { .from_day = today - 89, .to_day = today };
  MtProgress progress = { 0 };
  gsize len;

  mt_test_server_stop (g_steal_pointer (&f->server));
  actor = mt_actor_load_username (replica, "store", &error);
  g_assert_no_error (error);
  g_assert_true (mt_report_write (replica, actor, &filter, pdf, xlsx, NULL, &progress, &error));
  g_assert_no_error (error);
  g_assert_cmpint (progress.done, ==, progress.total);
  g_assert_true (g_file_get_contents (pdf, &bytes, &len, NULL));
  g_assert_true (g_str_has_prefix (bytes, "%PDF"));
  /* a cover and a page or more for each of the store manager's views */
  g_assert_cmpuint (len, >, 20000);
  {
    /* poppler reads it: the pages are there */
    const char *argv[] = { "pdfinfo", pdf, NULL };
    g_autofree char *out = NULL;
    const char *line;
    int status = 0;

    g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL, NULL,
                                 NULL, &out, NULL, &status, &error));
    g_assert_no_error (error);
    g_assert_cmpint (status, ==, 0);
    line = strstr (out, "Pages:");
    g_assert_nonnull (line);
    g_test_message ("report: %d pages, %zu bytes", atoi (line + 6), len);
    g_assert_cmpint (atoi (line + 6), >=, 10);
  }
  g_clear_pointer (&bytes, g_free);
  g_assert_true (g_file_get_contents (xlsx, &bytes, &len, NULL));
  g_assert_true (len > 5000 && bytes[0] == 'P' && bytes[1] == 'K');   /* a zip: the workbook */
  {
    g_autofree char *part = g_strconcat (pdf, ".part", NULL);

    g_assert_false (g_file_test (part, G_FILE_TEST_EXISTS));
  }
  /* an account whose role holds no statistics view gets no report */
  {
    g_autoptr(MtActor) tech = mt_actor_load_username (replica, "tech", NULL);

    if (tech != NULL)
      {
        g_assert_false (mt_report_write (replica, tech, &filter, pdf, NULL, NULL, NULL, &error));
        g_assert_error (error, MT_ERROR, MT_ERROR_FORBIDDEN);
      }
  }
}

/* Writes answer with the server's errors; offline writes are refused, never queued */
static void
test_errors_and_offline (Fixture *f, gconstpointer data)
{
  g_autoptr(MtSyncEngine) hq = console (f, "admin");
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) answer = NULL;
  gint64 version = replica_int (hq, "SELECT version FROM stores WHERE id = 3");
  g_autofree char *body = g_strdup_printf ("{\"version\":%" G_GINT64_FORMAT ",\"mobile\":\"123\"}", version);
  g_autofree char *fresh = g_strdup_printf ("{\"version\":%" G_GINT64_FORMAT ",\"name\":\"新名字\"}", version);
  /* the same version again, once the row has moved on */
  g_autofree char *stale = g_strdup_printf ("{\"version\":%" G_GINT64_FORMAT ",\"name\":\"旧版本\"}", version);
  gint64 messages;

  answer = write_json (hq, "PUT", "stores/3", body, &error);
  g_assert_null (answer);
  g_assert_error (error, MT_ERROR, MT_ERROR_INVALID);
  g_assert_cmpstr (mt_error_get_field (error), ==, "mobile");
  g_clear_error (&error);

  g_clear_pointer (&answer, json_node_unref);
  answer = write_json (hq, "PUT", "stores/3", fresh, &error);
  g_assert_no_error (error);
  g_clear_pointer (&answer, json_node_unref);
  answer = write_json (hq, "PUT", "stores/3", stale, &error);
  g_assert_error (error, MT_ERROR, MT_ERROR_CONFLICT);
  g_clear_error (&error);
  /* the replica has the winning row */
  g_assert_cmpint (replica_int (hq, "SELECT count(*) FROM stores WHERE id = 3 AND name = '新名字'"), ==, 1);

  /* the server goes away: offline, writes refused, the replica still readable */
  mt_test_server_stop (g_steal_pointer (&f->server));
  {
    gboolean offline = FALSE;
    gint64 end = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;

    while (mt_sync_engine_get_online (hq) && g_get_monotonic_time () < end)
      g_main_context_iteration (NULL, FALSE), g_usleep (2000);
    offline = !mt_sync_engine_get_online (hq);
    g_assert_true (offline);
  }
  messages = replica_int (hq, "SELECT count(*) FROM messages");
  g_clear_pointer (&answer, json_node_unref);
  answer = write_json (hq, "POST", "messages", "{\"title\":\"离线\",\"body\":\"x\",\"audience\":\"all\"}", &error);
  g_assert_error (error, MT_ERROR, MT_ERROR_OFFLINE);
  g_clear_error (&error);
  g_assert_cmpint (replica_int (hq, "SELECT count(*) FROM messages"), ==, messages);
  g_assert_cmpint (replica_int (hq, "SELECT count(*) FROM devices WHERE deleted = 0"), ==, 300);
}

/* The rows of @table the server has in @condition, against the replica's */
static void
assert_same_rows (Fixture *f, MtSyncEngine *engine, const char *table, const char *condition)
{
  g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM %s "
                                          "WHERE deleted = 0 AND %s", table, condition);
  g_autofree char *sum_sql = g_strdup_printf ("SELECT coalesce (sum (id * version), 0) FROM %s "
                                              "WHERE deleted = 0 AND %s", table, condition);
  MtDb *shared = mt_db_open (f->path, NULL);
  gint64 count = mt_db_query_int (shared, -1, sql, NULL);
  gint64 sum = mt_db_query_int (shared, -1, sum_sql, NULL);
  gint64 end = g_get_monotonic_time () + 3 * G_USEC_PER_SEC;

  mt_db_close (shared);
  g_assert_cmpint (count, >, 0);
  /* (sign-ins of the other consoles are still on their way) */
  while ((replica_int (engine, sql) != count || replica_int (engine, sum_sql) != sum) &&
         g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE), g_usleep (2000);
  if (replica_int (engine, sql) != count || replica_int (engine, sum_sql) != sum)
    g_error ("%s: the replica has %" G_GINT64_FORMAT " rows (version sum %" G_GINT64_FORMAT "), the server %"
             G_GINT64_FORMAT " (%" G_GINT64_FORMAT ")", table, replica_int (engine, sql),
             replica_int (engine, sum_sql), count, sum);
}

static void
cancel_on_progress (MtSyncEngine *engine, gint64 rows, gint64 expected, GCancellable *cancellable)
{
  if (rows >= 5000)
    g_cancellable_cancel (cancellable);
}

/* Finance rows are replicated in each account's scope, only to accounts whose pages show them;
 * an interrupted first sync resumes where it stopped */
static void
test_finance_scope_and_resume (Fixture *f, gconstpointer data)
{
  g_autoptr(MtSyncEngine) hq = console (f, "admin");
  g_autoptr(MtSyncEngine) store = console (f, "store");
  g_autoptr(MtSyncEngine) tech = console (f, "tech");
  MtDb *shared = mt_db_open (f->path, NULL);
  gint64 my_store = mt_db_query_int (shared, 0, "SELECT store_id FROM accounts WHERE username = 'store'", NULL);
  gint64 all_rows = 0;
  g_autofree char *in_store = g_strdup_printf ("store_id = %" G_GINT64_FORMAT, my_store);
  const char *finance[] = { "orders", "rentals", "ledger", "deposits", "deposit_refunds", "recharges" };
  const char *hq_tables[] = { "orders", "rentals", "ledger", "deposits", "deposit_refunds", "withdrawals",
                              "splits", "split_rules", "referrals", "recharges", "campaigns", "billing_rules",
                              "billing_services", "alarms", "geofences", "repairs", "repair_steps", "members",
                              "devices", "stores", "accounts", "operators" };

  mt_db_close (shared);
  for (guint i = 0; i < G_N_ELEMENTS (hq_tables); i++)
    assert_same_rows (f, hq, hq_tables[i], "1");
  for (guint i = 0; i < G_N_ELEMENTS (finance); i++)
    {
      g_autofree char *outside = g_strdup_printf ("SELECT count(*) FROM %s WHERE store_id IS NOT %" G_GINT64_FORMAT,
                                                  finance[i], my_store);
      assert_same_rows (f, store, finance[i], in_store);
      g_assert_cmpint (replica_int (store, outside), ==, 0);
    }
  /* a technician's pages show no money: its replica has none */
  g_assert_cmpint (replica_int (tech, "SELECT count(*) FROM orders"), ==, 0);
  g_assert_cmpint (replica_int (tech, "SELECT count(*) FROM ledger"), ==, 0);
  assert_same_rows (f, tech, "repairs", "1");

  /* a first sync broken off after its first pages goes on from there */
  {
    g_autofree char *replica = g_strdup_printf ("%s/replica-resumed.db", f->dir);
    g_autoptr(GCancellable) cancellable = g_cancellable_new ();
    g_autoptr(GAsyncResult) result = NULL;
    g_autoptr(GError) error = NULL;
    MtSyncEngine *first = mt_sync_engine_new (f->url, replica, &error);
    MtSyncEngine *second;
    gint64 applied;

    g_assert_no_error (error);
    mt_sync_engine_set_token (first, mt_sync_engine_get_token (hq));
    g_signal_connect (first, "progress", G_CALLBACK (cancel_on_progress), cancellable);
    mt_sync_engine_pull_async (first, cancellable, done_cb, &result);
    g_assert_cmpint (mt_sync_engine_pull_finish (first, wait_result (&result), &error), ==, -1);
    g_assert_nonnull (error);
    g_clear_error (&error);
    g_clear_object (&result);
    g_object_unref (first);

    second = mt_sync_engine_new (f->url, replica, &error);
    g_assert_no_error (error);
    mt_sync_engine_set_token (second, mt_sync_engine_get_token (hq));
    mt_sync_engine_pull_async (second, NULL, done_cb, &result);
    applied = mt_sync_engine_pull_finish (second, wait_result (&result), &error);
    g_assert_no_error (error);
    for (guint i = 0; i < G_N_ELEMENTS (hq_tables); i++)
      {
        g_autofree char *count = g_strdup_printf ("SELECT count(*) FROM %s", hq_tables[i]);

        assert_same_rows (f, second, hq_tables[i], "1");
        all_rows += replica_int (second, count);
      }
    /* the rows it had were not read again */
    g_assert_cmpint (applied, <, all_rows);
    g_assert_cmpint (mt_sync_engine_get_cursor (second), ==, mt_sync_engine_get_cursor (hq));
    g_object_unref (second);
  }
}

/* Rows of @table in @engine's replica whose @column is not empty, and those among them masked */
static void
column_counts (MtSyncEngine *engine,
               const char   *table,
               const char   *column,
               gint64       *filled,
               gint64       *masked)
{
  g_autofree char *sql = g_strdup_printf ("SELECT count (*) FROM %s WHERE %s IS NOT NULL AND %s NOT IN ('', 0)",
                                          table, column, column);
  g_autofree char *stars = g_strdup_printf ("SELECT count (*) FROM %s WHERE %s LIKE '%%*%%'", table, column);

  *filled = replica_int (engine, sql);
  *masked = replica_int (engine, stars);
}

/* Acceptance 4 of issue 14: each role's replica holds the personal columns its pages show and no
 * other, ID card numbers masked without the permission — in the first sync and in changes */
static void
test_personal_columns (Fixture *f, gconstpointer data)
{
  /* per role: F full, M masked, - withheld (a row present but the column empty) */
  static const struct { const char *table, *column; const char *admin, *store, *tech, *finance; } expected[] = {
    { "members", "mobile", "F", "F", "-", "F" },
    { "members", "id_card", "F", "M", "-", "M" },
    { "members", "balance_fen", "F", "F", "-", "F" },
    { "operators", "phone", "F", "-", "-", "-" },
    { "operators", "id_card", "F", "-", "-", "-" },
    { "stores", "manager_id_card", "F", "M", "-", "-" },
  };
  const char *users[] = { "admin", "store", "tech", "finance" };
  MtSyncEngine *engines[G_N_ELEMENTS (users)];
  g_autoptr(GError) error = NULL;

  for (guint u = 0; u < G_N_ELEMENTS (users); u++)
    engines[u] = console (f, users[u]);
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    for (guint u = 0; u < G_N_ELEMENTS (users); u++)
      {
        const char *want = u == 0 ? expected[i].admin : u == 1 ? expected[i].store : u == 2 ? expected[i].tech
                                                                                         : expected[i].finance;
        g_autofree char *rows_sql = g_strdup_printf ("SELECT count (*) FROM %s", expected[i].table);
        gint64 rows = replica_int (engines[u], rows_sql), filled, masked;

        column_counts (engines[u], expected[i].table, expected[i].column, &filled, &masked);
        g_test_message ("%s %s.%s: %" G_GINT64_FORMAT " rows, %" G_GINT64_FORMAT " filled, %" G_GINT64_FORMAT
                        " masked", users[u], expected[i].table, expected[i].column, rows, filled, masked);
        if (want[0] == '-')
          g_assert_cmpint (filled, ==, 0);
        else
          {
            g_assert_cmpint (filled, >, 0);
            g_assert_cmpint (masked, ==, want[0] == 'M' ? filled : 0);
          }
      }
  /* the technician gets members (its devices' renters) but only their names */
  g_assert_cmpint (replica_int (engines[2], "SELECT count (*) FROM members WHERE name <> ''"), >, 0);

  /* a change reaches each replica with the same columns */
  {
    gint64 member = replica_int (engines[1], "SELECT max (id) FROM members WHERE id_card <> ''");
    gint64 version = replica_int (engines[0], "SELECT version FROM members WHERE id = (SELECT max (id) FROM members "
                                              "WHERE id_card <> '' AND store_id = (SELECT store_id FROM accounts "
                                              "WHERE username = 'store'))");
    g_autofree char *path = g_strdup_printf ("members/%" G_GINT64_FORMAT, member);
    g_autofree char *body = g_strdup_printf ("{\"version\":%" G_GINT64_FORMAT ",\"name\":\"改名骑手\"}", version);
    g_autofree char *renamed = g_strdup_printf ("SELECT count (*) FROM members WHERE id = %" G_GINT64_FORMAT
                                                " AND name = '改名骑手'", member);
    g_autofree char *masked = g_strdup_printf ("SELECT count (*) FROM members WHERE id = %" G_GINT64_FORMAT
                                               " AND id_card LIKE '______********____' AND mobile <> ''", member);
    g_autoptr(JsonNode) answer = write_json (engines[0], "PUT", path, body, &error);

    g_assert_no_error (error);
    wait_replica (engines[1], renamed, 1, 3000);
    g_assert_cmpint (replica_int (engines[1], masked), ==, 1);
    /* a store manager saves the form it was shown, masked number and all: the number stays */
    {
      g_autofree char *card_sql = g_strdup_printf ("SELECT id_card FROM members WHERE id = %" G_GINT64_FORMAT, member);
      g_autofree char *version_sql = g_strdup_printf ("SELECT version FROM members WHERE id = %" G_GINT64_FORMAT, member);
      g_autofree char *card = mt_db_query_text (mt_sync_engine_get_replica (engines[1]), card_sql, NULL);
      g_autofree char *full_before = mt_db_query_text (mt_sync_engine_get_replica (engines[0]), card_sql, NULL);
      g_autofree char *full_after = NULL;

      g_clear_pointer (&answer, json_node_unref);
      g_free (body);
      body = g_strdup_printf ("{\"version\":%" G_GINT64_FORMAT ",\"name\":\"再改名\",\"id_card\":\"%s\"}",
                              replica_int (engines[1], version_sql), card);
      answer = write_json (engines[1], "PUT", path, body, &error);
      g_assert_no_error (error);
      g_free (renamed);
      renamed = g_strdup_printf ("SELECT count (*) FROM members WHERE id = %" G_GINT64_FORMAT " AND name = '再改名'",
                                 member);
      wait_replica (engines[0], renamed, 1, 3000);
      full_after = mt_db_query_text (mt_sync_engine_get_replica (engines[0]), card_sql, NULL);
      g_assert_cmpstr (full_after, ==, full_before);
      g_assert_null (strchr (full_after, '*'));
    }
    /* the technician's copy of the member changed its name and still holds no personal data */
    wait_replica (engines[2], renamed, 1, 3000);
    g_assert_cmpint (replica_int (engines[2], "SELECT count (*) FROM members WHERE mobile <> '' OR id_card <> '' "
                                              "OR balance_fen <> 0"), ==, 0);
  }
  for (guint u = 0; u < G_N_ELEMENTS (users); u++)
    g_object_unref (engines[u]);
}

/* ------------------------------------------------------------------ backends */

typedef struct
{
  MtBackend *backend;
  GPtrArray *changed;   /* the operations "changed" named */
} Side;

static void
changed_cb (MtBackend *backend, const char *operation, GPtrArray *changed)
{
  g_ptr_array_add (changed, g_strdup (operation));
}

/* One request through @backend: the answer as JSON text, or "error CODE FIELD MESSAGE" */
static char *
call_text (MtBackend *backend, MtApiRequest *request)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) answer = NULL;

  mt_backend_call_async (backend, request, NULL, done_cb, &result);
  answer = mt_backend_call_finish (backend, wait_result (&result), &error);
  if (answer == NULL)
    return g_strdup_printf ("error %d %s %s", error->code, mt_error_get_field (error), error->message);
  return json_to_string (answer, FALSE);
}

static MtApiRequest *
renew (gint64 order, gint64 periods, const char *method)
{
  MtApiRequest *request = mt_api_request_new ("orders.renew");

  mt_api_request_set_id (request, order);
  mt_api_request_set_int (request, "periods", periods);
  mt_api_request_set_text (request, "pay_method", method);
  return request;
}

/* The same requests through the local backend (a standalone console's copy of the same data)
 * and the remote one (the server): the same answers, the same refusals naming the same field,
 * "changed" after each write; the local one answers off the main thread */
static void
test_backends (Fixture *f, gconstpointer data)
{
  g_autofree char *local_path = g_build_filename (f->dir, "standalone.db", NULL);
  g_autoptr(MtSyncEngine) engine = console (f, "admin");
  g_autoptr(GError) error = NULL;
  MtDb *db;
  MtApiRequest *requests[8];
  char *answers[2][G_N_ELEMENTS (requests)] = { { 0 } };
  Side sides[2];
  gint64 order, version;

  mt_test_demo_copy (local_path);
  db = mt_db_open (local_path, &error);
  g_assert_no_error (error);
  order = mt_db_query_int (db, 0, "SELECT min (id) FROM orders WHERE state = 'active'", NULL);
  version = mt_db_query_int (db, 0, "SELECT version FROM stores WHERE id = 3", NULL);
  g_assert_cmpint (order, >, 0);
  sides[0].backend = MT_BACKEND (mt_local_backend_new (db, mt_db_query_int (db, 0, "SELECT id FROM accounts WHERE "
                                                                                  "username = 'admin'", NULL)));
  sides[1].backend = MT_BACKEND (mt_remote_backend_new (engine));

  requests[0] = renew (order, 1, "offline");
  requests[1] = renew (order, 0, "offline");                  /* refused on periods */
  requests[2] = renew (order, 1, "pigeon");                   /* refused on pay_method */
  requests[3] = mt_api_request_new ("orders.settlement");     /* a read: nothing changes */
  mt_api_request_set_id (requests[3], order);
  mt_api_request_set_int (requests[3], "damage_fen", 500);
  requests[4] = mt_api_request_new ("entity.update");         /* refused on mobile */
  mt_api_request_set_entity (requests[4], "stores");
  mt_api_request_set_id (requests[4], 3);
  mt_api_request_set_int (requests[4], "version", version);
  {
    g_autoptr(GHashTable) fields = g_hash_table_new (g_str_hash, g_str_equal);

    g_hash_table_insert (fields, "mobile", "123");
    mt_api_request_set_fields (requests[4], fields);
    requests[5] = mt_api_request_new ("entity.update");       /* saved */
    mt_api_request_set_entity (requests[5], "stores");
    mt_api_request_set_id (requests[5], 3);
    mt_api_request_set_int (requests[5], "version", version);
    g_hash_table_insert (fields, "mobile", "13900001111");
    mt_api_request_set_fields (requests[5], fields);
  }
  requests[6] = mt_api_request_new ("entity.delete");         /* a stale version: conflict */
  mt_api_request_set_entity (requests[6], "stores");
  mt_api_request_set_id (requests[6], 3);
  mt_api_request_set_query (requests[6], "version", "1");
  requests[7] = mt_api_request_new ("settings.get");
  mt_api_request_set_name (requests[7], "no-such-setting");

  for (guint s = 0; s < 2; s++)
    {
      sides[s].changed = g_ptr_array_new_with_free_func (g_free);
      g_signal_connect (sides[s].backend, "changed", G_CALLBACK (changed_cb), sides[s].changed);
      for (guint i = 0; i < G_N_ELEMENTS (requests); i++)
        answers[s][i] = call_text (sides[s].backend, requests[i]);
    }
  for (guint i = 0; i < G_N_ELEMENTS (requests); i++)
    {
      g_test_message ("%s: %s", mt_api_request_get_operation (requests[i])->name, answers[0][i]);
      g_assert_cmpstr (answers[0][i], ==, answers[1][i]);
    }
  g_assert_true (g_str_has_prefix (answers[0][0], "{\"id\":"));
  g_assert_true (g_str_has_prefix (answers[0][1], "error 1 periods "));
  g_assert_true (g_str_has_prefix (answers[0][2], "error 1 pay_method "));
  g_assert_nonnull (strstr (answers[0][3], "\"damage_fen\":500"));
  g_assert_true (g_str_has_prefix (answers[0][4], "error 1 mobile "));
  g_assert_nonnull (strstr (answers[0][5], "\"id\":3"));
  g_assert_true (g_str_has_prefix (answers[0][6], "error 3 "));
  g_assert_true (g_str_has_prefix (answers[0][7], "error 2 "));
  for (guint s = 0; s < 2; s++)
    {
      g_assert_cmpuint (sides[s].changed->len, ==, 2);
      g_assert_cmpstr (sides[s].changed->pdata[0], ==, "orders.renew");
      g_assert_cmpstr (sides[s].changed->pdata[1], ==, "entity.update");
    }
  g_assert_true (mt_local_backend_get_threaded (MT_LOCAL_BACKEND (sides[0].backend)));
  /* the console's own connection reads what the worker wrote */
  g_assert_cmpint (mt_db_query_int (db, 0, "SELECT count (*) FROM stores WHERE id = 3 AND mobile = '13900001111'",
                                    NULL), ==, 1);
  /* a remote console's replica holds its write when the answer comes */
  g_assert_cmpint (replica_int (engine, "SELECT count (*) FROM stores WHERE id = 3 AND mobile = '13900001111'"), ==, 1);

  for (guint i = 0; i < G_N_ELEMENTS (requests); i++)
    {
      mt_api_request_unref (requests[i]);
      g_free (answers[0][i]);
      g_free (answers[1][i]);
    }
  for (guint s = 0; s < 2; s++)
    {
      g_ptr_array_unref (sides[s].changed);
      g_object_unref (sides[s].backend);
    }
  mt_db_close (db);
}

int
main (int argc, char *argv[])
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  g_test_add ("/mt/sync/replicas", Fixture, NULL, fixture_set_up, test_replicas, fixture_tear_down);
  g_test_add ("/mt/sync/personal-columns", Fixture, NULL, fixture_set_up, test_personal_columns, fixture_tear_down);
  g_test_add ("/mt/sync/errors-and-offline", Fixture, NULL, fixture_set_up, test_errors_and_offline,
              fixture_tear_down);
  g_test_add ("/mt/sync/finance-scope-and-resume", Fixture, NULL, fixture_set_up,
              test_finance_scope_and_resume, fixture_tear_down);
  g_test_add ("/mt/sync/backends", Fixture, NULL, fixture_set_up, test_backends, fixture_tear_down);
  g_test_add ("/mt/sync/report-offline", Fixture, NULL, fixture_set_up, test_report_offline, fixture_tear_down);
  ret = g_test_run ();
  mt_test_demo_cleanup ();
  return ret;
}
