/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Consoles' sync engines against a real mingtang-server: replicas follow the shared database
 * within seconds, each holding only what its account may see. */
#include "config.h"

#include <glib/gstdio.h>

#include "mt-demo.h"
#include "mt-error.h"
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

int
main (int argc, char *argv[])
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  g_test_add ("/mt/sync/replicas", Fixture, NULL, fixture_set_up, test_replicas, fixture_tear_down);
  g_test_add ("/mt/sync/errors-and-offline", Fixture, NULL, fixture_set_up, test_errors_and_offline,
              fixture_tear_down);
  ret = g_test_run ();
  mt_test_demo_cleanup ();
  return ret;
}
