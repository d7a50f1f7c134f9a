/* SPDX-License-Identifier: GPL-3.0-or-later */
/* mingtang-server as consoles meet it: a real server process on a free loopback port, over a
 * temporary demo database, spoken to over HTTP. */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "mt-api.h"
#include "mt-db.h"
#include "mt-demo.h"
#include "mt-orders.h"
#include "mt-stats.h"
#include "mt-backup.h"
#include "test-http.h"
#include "test-util.h"

typedef struct
{
  char        *dir;
  char        *path;
  GSubprocess *server;
  char        *url;
  SoupSession *session;
} Fixture;

static void
server_start (Fixture *f)
{
  g_free (f->url);
  f->server = mt_test_server_start (f->path, &f->url);
}

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  f->dir = g_dir_make_tmp ("mt-server-XXXXXX", NULL);
  f->path = g_build_filename (f->dir, "shared.db", NULL);
  mt_test_demo_copy (f->path);
  f->session = soup_session_new_with_options ("max-conns-per-host", 16, NULL);
  server_start (f);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_autofree char *wal = g_strconcat (f->path, "-wal", NULL);
  g_autofree char *shm = g_strconcat (f->path, "-shm", NULL);

  mt_test_server_stop (g_steal_pointer (&f->server));
  g_clear_object (&f->session);
  g_unlink (f->path);
  g_unlink (wal);
  g_unlink (shm);
  g_rmdir (f->dir);
  g_free (f->path);
  g_free (f->dir);
  g_free (f->url);
}

static SoupMessage *
new_message (Fixture    *f,
             const char *method,
             const char *path,
             const char *token,
             const char *body)
{
  return mt_test_http_message (f->url, method, path, token, body);
}

/* Every answer of every test: SQLite's own words never reach a client */
static JsonNode *
call (Fixture    *f,
      const char *method,
      const char *path,
      const char *token,
      const char *body,
      guint      *status)
{
  JsonNode *answer = mt_test_http_call (f->session, f->url, method, path, token, body, status);

  if (answer != NULL)
    {
      g_autofree char *text = json_to_string (answer, FALSE);
      g_assert_null (strstr (text, "Database error"));
      g_assert_null (strstr (text, "constraint failed"));
    }
  return answer;
}

static const char *
member_string (JsonNode   *node,
               const char *path)
{
  g_auto(GStrv) parts = g_strsplit (path, ".", -1);
  JsonObject *object = json_node_get_object (node);

  for (guint i = 0; parts[i + 1]; i++)
    object = json_object_get_object_member (object, parts[i]);
  return json_object_get_string_member (object, parts[g_strv_length (parts) - 1]);
}

static char *
sign_in (Fixture *f, const char *user)
{
  return mt_test_http_sign_in (f->session, f->url, user);
}

static gint64
db_int (Fixture *f, const char *sql)
{
  g_autoptr(GError) error = NULL;
  MtDb *db = mt_db_open (f->path, &error);
  gint64 value;

  g_assert_no_error (error);
  value = mt_db_query_int (db, -1, sql, NULL);
  mt_db_close (db);
  return value;
}

static gboolean
db_intact (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  MtDb *db = mt_db_open (f->path, &error);
  gboolean ok;

  g_assert_no_error (error);
  ok = mt_db_integrity_ok (db);
  mt_db_close (db);
  return ok;
}

#define STORE_JSON(name, mobile, card) \
  "{\"name\":" name ",\"operator_id\":2,\"mobile\":\"" mobile "\",\"password\":\"secret-pass\"," \
  "\"password_confirm\":\"secret-pass\",\"manager\":\"李四\",\"manager_id_card\":\"" card "\"," \
  "\"hours\":\"08:00-22:00\",\"region_code\":\"310115\",\"address\":\"张杨路 2 号\"}"

/* Sessions: a wrong password is throttled; a disabled account's token stops working at once */
static void
test_sessions (Fixture *f, gconstpointer data)
{
  g_autofree char *admin = sign_in (f, "admin");
  g_autofree char *tech = sign_in (f, "tech");
  g_autofree char *body = NULL;
  g_autoptr(JsonNode) account = NULL;
  guint status = 0, throttled = 0;
  gint64 tech_id = db_int (f, "SELECT id FROM accounts WHERE username = 'tech'");
  g_autofree char *tech_path = g_strdup_printf ("accounts/%" G_GINT64_FORMAT, tech_id);

  for (guint i = 0; i < 10; i++)
    {
      g_autoptr(JsonNode) answer = call (f, "POST", "session", NULL,
                                         "{\"username\":\"east\",\"password\":\"wrong-one\"}", &status);
      g_assert_true (status == 401 || status == 429);
      throttled += status == 429;
    }
  g_assert_cmpuint (throttled, >, 0);
  /* even the right password waits now */
  {
    g_autoptr(JsonNode) answer = call (f, "POST", "session", NULL,
                                       "{\"username\":\"east\",\"password\":\"" MT_DEMO_PASSWORD "\"}", &status);
    g_assert_cmpuint (status, ==, 429);
  }
  /* only a hash of the token is stored */
  g_assert_cmpint (db_int (f, "SELECT count(*) FROM sessions WHERE length (token_hash) = 64"), >=, 2);

  /* the technician works, is disabled by headquarters, and is refused on the next request */
  g_clear_pointer (&account, json_node_unref);
  account = call (f, "GET", "devices?limit=1", tech, NULL, &status);
  g_assert_cmpuint (status, ==, 200);
  g_clear_pointer (&account, json_node_unref);
  account = call (f, "GET", tech_path, admin, NULL, &status);
  g_assert_cmpuint (status, ==, 200);
  body = g_strdup_printf ("{\"version\":%" G_GINT64_FORMAT ",\"enabled\":false}",
                          json_object_get_int_member (json_node_get_object (account), "version"));
  g_clear_pointer (&account, json_node_unref);
  account = call (f, "PUT", tech_path, admin, body, &status);
  g_assert_cmpuint (status, ==, 200);
  g_clear_pointer (&account, json_node_unref);
  account = call (f, "GET", "devices?limit=1", tech, NULL, &status);
  g_assert_cmpuint (status, ==, 401);
  g_assert_cmpstr (member_string (account, "error.code"), ==, "disabled");
  g_assert_cmpint (db_int (f, "SELECT count(*) FROM sessions s JOIN accounts a ON a.id = s.account_id "
                              "WHERE a.username = 'tech'"), ==, 0);

  /* signing out ends the session */
  g_clear_pointer (&account, json_node_unref);
  account = call (f, "DELETE", "session", admin, NULL, &status);
  g_assert_cmpuint (status, ==, 204);
  account = call (f, "GET", "stores", admin, NULL, &status);
  g_assert_cmpuint (status, ==, 401);
}

/* Bad input gets the right status and names the field; nothing is written */
static void
test_bad_input (Fixture *f, gconstpointer data)
{
  g_autofree char *admin = sign_in (f, "admin");
  gint64 stores = db_int (f, "SELECT count(*) FROM stores");
  gint64 journal = db_int (f, "SELECT count(*) FROM change_log");
  g_autoptr(GString) huge = g_string_new ("{\"name\":\"");
  static const struct { const char *body; guint status; const char *field; } cases[] = {
    { "{\"name\": ", 400, NULL },                                         /* malformed */
    { "[1, 2, 3]", 400, NULL },                                           /* not an object */
    { "\"text\"", 400, NULL },
    { "{\"name\":\"x\"}", 422, "operator_id" },                          /* missing fields */
    { "{\"name\":{\"a\":1},\"operator_id\":2}", 422, "name" },            /* wrong type */
    { "{\"name\":[1],\"operator_id\":2}", 422, "name" },
    { STORE_JSON ("\"界面门店\"", "1381234567", "11010519491231002X"), 422, "mobile" },
    { STORE_JSON ("\"界面门店\"", "13812345678", "110105194912310021"), 422, "manager_id_card" },
    { STORE_JSON ("\"界面门店\"", "13812345678", "11010519491231002X") /* + unknown */, 0, NULL },
  };
  guint status = 0;

  for (guint i = 0; i < G_N_ELEMENTS (cases) - 1; i++)
    {
      g_autoptr(JsonNode) answer = call (f, "POST", "stores", admin, cases[i].body, &status);

      g_assert_cmpuint (status, ==, cases[i].status);
      g_assert_nonnull (member_string (answer, "error.message"));
      if (cases[i].field)
        g_assert_cmpstr (member_string (answer, "error.field"), ==, cases[i].field);
    }
  {
    /* an unknown field is refused by name */
    g_autofree char *body = g_strdup (cases[G_N_ELEMENTS (cases) - 1].body);
    g_autofree char *extra = NULL;
    g_autoptr(JsonNode) answer = NULL;

    body[strlen (body) - 1] = '\0';
    extra = g_strconcat (body, ",\"owner\":\"me\"}", NULL);
    answer = call (f, "POST", "stores", admin, extra, &status);
    g_assert_cmpuint (status, ==, 422);
    g_assert_cmpstr (member_string (answer, "error.field"), ==, "owner");
  }
  /* a body over the limit */
  while (huge->len < 2 * 1024 * 1024)
    g_string_append (huge, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
  g_string_append (huge, "\"}");
  {
    g_autoptr(JsonNode) answer = call (f, "POST", "stores", admin, huge->str, &status);
    g_assert_cmpuint (status, ==, 413);
  }
  /* bad ids and versions */
  {
    g_autoptr(JsonNode) a = call (f, "GET", "stores/abc", admin, NULL, &status);
    g_assert_cmpuint (status, ==, 404);
  }
  {
    g_autoptr(JsonNode) a = call (f, "PUT", "stores/1", admin, "{\"name\":\"x\"}", &status);
    g_assert_cmpuint (status, ==, 422);
    g_assert_cmpstr (member_string (a, "error.field"), ==, "version");
  }
  {
    g_autoptr(JsonNode) a = call (f, "GET", "stores/999999", admin, NULL, &status);
    g_assert_cmpuint (status, ==, 404);
  }
  g_assert_cmpint (db_int (f, "SELECT count(*) FROM stores"), ==, stores);
  g_assert_cmpint (db_int (f, "SELECT count(*) FROM change_log"), ==, journal);
  /* refused writes are in the audit log, with who and why */
  g_assert_cmpint (db_int (f, "SELECT count(*) FROM audit_log x JOIN accounts a ON a.id = x.account_id "
                              "WHERE a.username = 'admin' AND x.operation = 'POST' AND x.target_table = 'stores' "
                              "AND x.result = 'invalid'"), >=, 3);

  /* messages come in the client's language */
  {
    g_autoptr(SoupMessage) msg = new_message (f, "POST", "stores", admin,
                                              STORE_JSON ("\"界面门店\"", "1381234567", "11010519491231002X"));
    g_autoptr(GBytes) answer = NULL;

    soup_message_headers_replace (soup_message_get_request_headers (msg), "Accept-Language", "zh-CN,zh;q=0.9");
    answer = soup_session_send_and_read (f->session, msg, NULL, NULL);
    g_assert_cmpuint (soup_message_get_status (msg), ==, 422);
    g_assert_nonnull (strstr (g_bytes_get_data (answer, NULL), "手机号"));
  }

  /* SQL metacharacters in every string field are only text */
  {
    static const char *const nasty[] = { "\"x'); DROP TABLE stores;--\"", "\"%_\\\\ 100%\"", "\"' OR 1=1 --\"" };

    for (guint i = 0; i < G_N_ELEMENTS (nasty); i++)
      {
        g_autofree char *body = g_strdup_printf ("{\"name\":%s,\"operator_id\":2,\"mobile\":%s,"
                                                 "\"password\":%s,\"password_confirm\":%s,\"manager\":%s,"
                                                 "\"manager_id_card\":%s,\"hours\":%s,\"region_code\":%s,"
                                                 "\"address\":%s}", nasty[i], nasty[i], nasty[i], nasty[i],
                                                 nasty[i], nasty[i], nasty[i], nasty[i], nasty[i]);
        g_autoptr(JsonNode) answer = call (f, "POST", "stores", admin, body, &status);
        g_autoptr(JsonNode) search = NULL;
        g_autofree char *path = g_strdup_printf ("stores?search=%s", "DROP%20TABLE");

        g_assert_cmpuint (status, ==, 422);
        search = call (f, "GET", path, admin, NULL, &status);
        g_assert_cmpuint (status, ==, 200);
      }
  }
  g_assert_cmpint (db_int (f, "SELECT count(*) FROM stores"), ==, stores);
  g_assert_true (db_intact (f));

  /* and a good store is created */
  {
    g_autoptr(JsonNode) answer = call (f, "POST", "stores", admin,
                                       STORE_JSON ("\"x'); DROP TABLE stores;--\"", "13812345678",
                                                   "11010519491231002X"), &status);
    g_assert_cmpuint (status, ==, 201);
    g_assert_cmpint (db_int (f, "SELECT count(*) FROM stores WHERE name = 'x''); DROP TABLE stores;--'"), ==, 1);
  }
}

/* The actions beyond entities: settings, sending a message, disabling an operator */
static void
test_actions (Fixture *f, gconstpointer data)
{
  g_autofree char *admin = sign_in (f, "admin");
  g_autofree char *hangzhou = sign_in (f, "hangzhou");
  g_autofree char *send = NULL;
  g_autofree char *enabled = NULL;
  gint64 draft = db_int (f, "SELECT id FROM messages WHERE state = 'draft' LIMIT 1");
  gint64 op = db_int (f, "SELECT operator_id FROM accounts WHERE username = 'hangzhou'");
  guint status = 0;

  {
    g_autoptr(JsonNode) a = call (f, "PUT", "settings/overdue_grace_hours", admin, "{\"value\":\"1000\"}", &status);
    g_assert_cmpuint (status, ==, 422);
    g_assert_cmpstr (member_string (a, "error.field"), ==, "overdue_grace_hours");
  }
  {
    g_autoptr(JsonNode) a = call (f, "PUT", "settings/overdue_grace_hours", admin, "{\"value\":\"12\"}", &status);
    g_assert_cmpuint (status, ==, 200);
    g_assert_cmpstr (member_string (a, "value"), ==, "12");
  }
  {
    g_autoptr(JsonNode) a = call (f, "GET", "settings/no_such_key", admin, NULL, &status);
    g_assert_cmpuint (status, ==, 404);
  }

  send = g_strdup_printf ("messages/%" G_GINT64_FORMAT "/send", draft);
  {
    g_autoptr(JsonNode) a = call (f, "POST", send, admin, NULL, &status);
    g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM messages WHERE id = %" G_GINT64_FORMAT
                                            " AND state = 'sent' AND sent_at > 0", draft);

    g_assert_cmpuint (status, ==, 204);
    g_assert_cmpint (db_int (f, sql), ==, 1);
  }

  /* a repair ticket reported and moved on, then a step its state does not allow */
  {
    gint64 device = db_int (f, "SELECT id FROM devices WHERE state = 'ready' LIMIT 1");
    g_autofree char *report = g_strdup_printf ("{\"device_id\":%" G_GINT64_FORMAT ",\"reporter_kind\":\"store\","
                                               "\"reporter\":\"门店\",\"fault\":\"无法充电\"}", device);
    g_autoptr(JsonNode) ticket = call (f, "POST", "repairs", admin, report, &status);
    gint64 id, version;
    g_autofree char *steps = NULL;
    g_autofree char *body = NULL;
    g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM devices WHERE id = %" G_GINT64_FORMAT
                                            " AND state = 'repair'", device);

    g_assert_cmpuint (status, ==, 201);
    g_assert_cmpint (db_int (f, sql), ==, 1);
    id = json_object_get_int_member (json_node_get_object (ticket), "id");
    version = json_object_get_int_member (json_node_get_object (ticket), "version");
    steps = g_strdup_printf ("repairs/%" G_GINT64_FORMAT "/steps", id);
    body = g_strdup_printf ("{\"version\":%" G_GINT64_FORMAT ",\"state\":\"done\",\"note\":\"更换电芯\","
                            "\"cost_fen\":3500}", version);
    {
      g_autoptr(JsonNode) a = call (f, "POST", steps, admin, body, &status);
      g_assert_cmpuint (status, ==, 200);
    }
    {
      g_autoptr(JsonNode) a = call (f, "POST", steps, admin, body, &status);   /* same version again */
      g_assert_cmpuint (status, ==, 409);
    }
    {
      g_autoptr(JsonNode) a = call (f, "POST", "repairs", admin, "{\"device_id\":\"x\"}", &status);
      g_assert_cmpuint (status, ==, 422);
      g_assert_cmpstr (member_string (a, "error.field"), ==, "device_id");
    }
  }

  /* an operator disabled by headquarters: its accounts' sessions end at once */
  enabled = g_strdup_printf ("operators/%" G_GINT64_FORMAT "/enabled", op);
  {
    g_autoptr(JsonNode) a = call (f, "PUT", enabled, hangzhou, "{\"enabled\":false}", &status);
    g_assert_cmpuint (status, ==, 403);   /* not its own: only the parent changes an operator */
  }
  {
    g_autoptr(JsonNode) a = call (f, "PUT", enabled, admin, "{\"enabled\":\"no\"}", &status);
    g_assert_cmpuint (status, ==, 422);
  }
  {
    g_autoptr(JsonNode) a = call (f, "PUT", enabled, admin, "{\"enabled\":false}", &status);
    g_assert_cmpuint (status, ==, 204);
  }
  {
    g_autoptr(JsonNode) a = call (f, "GET", "devices?limit=1", hangzhou, NULL, &status);
    g_assert_cmpuint (status, ==, 401);
    g_assert_cmpstr (member_string (a, "error.code"), ==, "disabled");
  }
}

typedef struct
{
  guint ok, conflict, other, pending;
  GMainLoop *loop;
  guint ok_status;     /* what success answers: 200 by default */
} Race;

static void
race_done_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  Race *race = data;
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (source), result);
  g_autoptr(GBytes) bytes = soup_session_send_and_read_finish (SOUP_SESSION (source), result, NULL);
  guint status = soup_message_get_status (msg);

  if (status == (race->ok_status ? race->ok_status : 200))
    race->ok++;
  else if (status == 409 || (race->ok_status == 201 && status == 422))
    race->conflict++;
  else
    race->other++;
  if (--race->pending == 0)
    g_main_loop_quit (race->loop);
}

/* Money through the server: two rentals of one device at once, another store's order, a
 * withdrawal above the balance, and the books after it all */
static void
test_money (Fixture *f, gconstpointer data)
{
  g_autofree char *manager = sign_in (f, "store");
  g_autofree char *east = sign_in (f, "east");
  gint64 store = db_int (f, "SELECT store_id FROM accounts WHERE username = 'store'");
  gint64 other_store = db_int (f, "SELECT id FROM stores WHERE operator_id = 5 AND id <> "
                                  "(SELECT store_id FROM accounts WHERE username = 'store') LIMIT 1");
  g_autofree char *device_sql = g_strdup_printf ("SELECT id FROM devices WHERE store_id = %" G_GINT64_FORMAT
                                                 " AND state = 'ready' AND " MT_TEST_FULL_RULES ("type_id")
                                                 " ORDER BY id LIMIT 1", store);
  gint64 device = db_int (f, device_sql);
  Race race = { 0, 0, 0, 2, g_main_loop_new (NULL, FALSE), 201 };
  g_autofree char *rent = g_strdup_printf ("{\"store_id\":%" G_GINT64_FORMAT ",\"device_id\":%" G_GINT64_FORMAT ","
                                           "\"mobile\":\"13912345678\",\"name\":\"并发骑手\","
                                           "\"id_card\":\"11010519491231002X\",\"periods\":1,\"services\":1,"
                                           "\"pay_method\":\"online\"}", store, device);
  gint64 orders = db_int (f, "SELECT count(*) FROM orders");
  guint status = 0;
  gint64 order, withdrawals, ledger;

  g_assert_cmpint (device, >, 0);
  /* the quote first: rent, the per-period service and the deposit */
  {
    g_autoptr(JsonNode) quote = call (f, "POST", "orders/quote", manager, rent, &status);
    g_assert_cmpuint (status, ==, 200);
    g_assert_cmpint (json_object_get_int_member (json_node_get_object (quote), "total_fen"), >,
                     json_object_get_int_member (json_node_get_object (quote), "deposit_fen"));
    g_assert_nonnull (strstr (json_object_get_string_member (json_node_get_object (quote), "contract"), "并发骑手"));
  }
  /* two counters rent the same battery at once: one order */
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(SoupMessage) msg = new_message (f, "POST", "orders", i ? east : manager, rent);
      soup_session_send_and_read_async (f->session, msg, G_PRIORITY_DEFAULT, NULL, race_done_cb, &race);
    }
  g_main_loop_run (race.loop);
  g_main_loop_unref (race.loop);
  g_assert_cmpuint (race.ok, ==, 1);
  g_assert_cmpuint (race.conflict, ==, 1);
  g_assert_cmpuint (race.other, ==, 0);
  g_assert_cmpint (db_int (f, "SELECT count(*) FROM orders"), ==, orders + 1);
  order = db_int (f, "SELECT max (id) FROM orders");

  /* bad bodies: unknown members, wrong types */
  {
    g_autoptr(JsonNode) a = call (f, "POST", "orders/quote", manager, "{\"store_id\":1,\"device_id\":1,"
                                  "\"periods\":1,\"pay_method\":\"online\",\"price\":1}", &status);
    g_assert_cmpuint (status, ==, 422);
    g_assert_cmpstr (member_string (a, "error.field"), ==, "price");
  }
  {
    g_autoptr(JsonNode) a = call (f, "POST", "orders", manager, "{\"store_id\":\"x\"}", &status);
    g_assert_cmpuint (status, ==, 422);
    g_assert_cmpstr (member_string (a, "error.field"), ==, "store_id");
  }

  /* another store's order: the manager of this store may not end it */
  {
    g_autofree char *sql = g_strdup_printf ("SELECT id FROM orders WHERE store_id = %" G_GINT64_FORMAT
                                            " AND state <> 'ended' LIMIT 1", other_store);
    g_autofree char *path = g_strdup_printf ("orders/%" G_GINT64_FORMAT "/end", db_int (f, sql));
    g_autoptr(JsonNode) a = call (f, "POST", path, manager, "{}", &status);
    g_assert_cmpuint (status, ==, 403);
  }
  /* its own: the settlement, then the end */
  {
    g_autofree char *path = g_strdup_printf ("orders/%" G_GINT64_FORMAT "/end", order);
    g_autoptr(JsonNode) a = call (f, "POST", path, manager, "{\"damage_fen\":500}", &status);
    g_assert_cmpuint (status, ==, 200);
    g_assert_cmpint (json_object_get_int_member (json_node_get_object (a), "deducted_fen"), ==, 500);
    g_assert_cmpint (db_int (f, "SELECT count(*) FROM orders WHERE state = 'ended' "
                                "AND id = (SELECT max (id) FROM orders)"), ==, 1);
  }

  /* refusals of the other money actions answer with their status, never a dropped connection */
  {
    g_autofree char *admin = sign_in (f, "admin");
    g_autoptr(JsonNode) a = call (f, "POST", "deposit_refunds/999999/approve", manager, "{}", &status);
    g_assert_cmpuint (status, ==, 403);
    g_clear_pointer (&a, json_node_unref);
    a = call (f, "POST", "deposit_refunds/999999/reject", admin, "{\"reason\":\"x\"}", &status);
    g_assert_cmpuint (status, ==, 404);
    g_clear_pointer (&a, json_node_unref);
    a = call (f, "POST", "deposit_refunds/999999/reject", admin, "{}", &status);
    g_assert_cmpuint (status, ==, 422);
    g_clear_pointer (&a, json_node_unref);
    a = call (f, "POST", "members/1/recharge", admin, "{\"amount_fen\":100,\"pay_method\":\"cheque\"}", &status);
    g_assert_cmpuint (status, ==, 422);
    g_assert_cmpstr (member_string (a, "error.field"), ==, "pay_method");
    g_clear_pointer (&a, json_node_unref);
    a = call (f, "PUT", "withdrawals/999999/state", admin, "{\"state\":\"paid\"}", &status);
    g_assert_cmpuint (status, ==, 404);
  }

  /* a withdrawal above the available balance: 422 on the amount, nothing written */
  withdrawals = db_int (f, "SELECT count(*) FROM withdrawals");
  ledger = db_int (f, "SELECT count(*) FROM ledger");
  {
    g_autoptr(JsonNode) a = call (f, "POST", "withdrawals", east,
                                  "{\"amount_fen\":9000000000,\"payee\":\"华东换电运营\"}", &status);
    g_assert_cmpuint (status, ==, 422);
    g_assert_cmpstr (member_string (a, "error.field"), ==, "amount_fen");
  }
  g_assert_cmpint (db_int (f, "SELECT count(*) FROM withdrawals"), ==, withdrawals);
  g_assert_cmpint (db_int (f, "SELECT count(*) FROM ledger"), ==, ledger);
  {
    g_autoptr(JsonNode) a = call (f, "POST", "withdrawals", east, "{\"amount_fen\":100,\"payee\":\"华东换电运营\"}",
                                  &status);
    g_assert_cmpuint (status, ==, 201);
  }
  g_assert_true (db_intact (f));
  {
    g_autoptr(GError) error = NULL;
    MtDb *db = mt_db_open (f->path, &error);
    g_assert_true (mt_ledger_reconcile (db, NULL));
    mt_db_close (db);
  }
}

/* Ten updates of one row from the same version: one wins, nine are told someone else changed it */
static void
test_concurrent_versions (Fixture *f, gconstpointer data)
{
  g_autofree char *admin = sign_in (f, "admin");
  gint64 version = db_int (f, "SELECT version FROM stores WHERE id = 3");
  Race race = { 0, 0, 0, 10, g_main_loop_new (NULL, FALSE) };
  g_autofree char *name = NULL;

  for (guint i = 0; i < 10; i++)
    {
      g_autofree char *body = g_strdup_printf ("{\"version\":%" G_GINT64_FORMAT ",\"name\":\"并发门店 %u\"}",
                                               version, i);
      g_autoptr(SoupMessage) msg = new_message (f, "PUT", "stores/3", admin, body);

      soup_session_send_and_read_async (f->session, msg, G_PRIORITY_DEFAULT, NULL, race_done_cb, &race);
    }
  g_main_loop_run (race.loop);
  g_main_loop_unref (race.loop);
  g_assert_cmpuint (race.ok, ==, 1);
  g_assert_cmpuint (race.conflict, ==, 9);
  g_assert_cmpuint (race.other, ==, 0);
  g_assert_cmpint (db_int (f, "SELECT version FROM stores WHERE id = 3"), ==, version + 1);
  g_assert_true (db_intact (f));
}

/* One writer of the backup test: recharges its member again and again through the API, and
 * keeps when each recharge was acknowledged */
typedef struct
{
  const char *url;
  const char *token;
  gint64      member;
  gint64      stop_at;    /* monotonic */
  GArray     *acked;      /* gint64 real time of each 200 */
  guint       failed;
} Writer;

static gpointer
writer_thread (gpointer data)
{
  Writer *w = data;
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autofree char *path = g_strdup_printf ("members/%" G_GINT64_FORMAT "/recharge", w->member);

  while (g_get_monotonic_time () < w->stop_at)
    {
      g_autoptr(SoupMessage) msg = mt_test_http_message (w->url, "POST", path, w->token,
                                                         "{\"amount_fen\":100,\"pay_method\":\"online\"}");
      g_autoptr(GBytes) body = soup_session_send_and_read (session, msg, NULL, NULL);

      if (body != NULL && SOUP_STATUS_IS_SUCCESSFUL (soup_message_get_status (msg)))
        {
          gint64 at = g_get_real_time ();
          g_array_append_val (w->acked, at);
        }
      else
        w->failed++;
    }
  return NULL;
}

/* mingtang-server backup while ten clients write through the API: every write acknowledged
 * before it began is in it, it is whole, its books balance; then restored, the server comes back
 * on it */
static void
test_backup_while_writing (Fixture *f, gconstpointer data)
{
  g_autofree char *admin = sign_in (f, "admin");
  g_autofree char *dir = g_build_filename (f->dir, "backups", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr(GSubprocess) backup = NULL;
  g_autofree char *out = NULL;
  Writer writers[10];
  GThread *threads[10];
  gint64 before[10], began;
  MtBackupInfo info = { 0 };
  MtDb *copy;

  for (guint i = 0; i < 10; i++)
    {
      g_autofree char *sql = g_strdup_printf ("SELECT count (*) FROM ledger WHERE member_id = %u AND kind = 'recharge'",
                                              i + 1);

      writers[i] = (Writer) { f->url, admin, (gint64) i + 1, g_get_monotonic_time () + 4 * G_USEC_PER_SEC,
                              g_array_new (FALSE, FALSE, sizeof (gint64)), 0 };
      before[i] = db_int (f, sql);
      threads[i] = g_thread_new ("writer", writer_thread, &writers[i]);
    }
  g_usleep (G_USEC_PER_SEC);
  /* a process of its own, as cron or an operator runs it, the server and the writers going on */
  began = g_get_real_time ();
  backup = g_subprocess_launcher_spawn (launcher, &error, g_getenv ("MINGTANG_SERVER"), "backup", "--database",
                                        f->path, "--to", dir, NULL);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_communicate_utf8 (backup, NULL, NULL, &out, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_subprocess_get_exit_status (backup), ==, 0);
  g_strstrip (out);
  g_test_message ("backup: %s", out);
  for (guint i = 0; i < 10; i++)
    g_thread_join (threads[i]);

  /* whole, its books balanced */
  g_assert_true (mt_backup_check (out, &info, &error));
  g_assert_no_error (error);
  mt_backup_info_clear (&info);
  /* every recharge answered before the backup began is in it */
  copy = mt_db_open (out, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < 10; i++)
    {
      guint acked_before = 0;
      g_autofree char *sql = g_strdup_printf ("SELECT count (*) FROM ledger WHERE member_id = %u AND kind = 'recharge'",
                                              i + 1);
      gint64 in_backup = mt_db_query_int (copy, 0, sql, NULL) - before[i];

      for (guint k = 0; k < writers[i].acked->len; k++)
        acked_before += g_array_index (writers[i].acked, gint64, k) < began;
      g_test_message ("writer %u: %u answered before the backup, %" G_GINT64_FORMAT " in it, %u in all, %u failed",
                      i, acked_before, in_backup, writers[i].acked->len, writers[i].failed);
      g_assert_cmpuint (acked_before, >, 0);
      g_assert_cmpint (in_backup, >=, acked_before);
      g_assert_cmpint (in_backup, <=, writers[i].acked->len + 1);
      g_assert_cmpuint (writers[i].failed, ==, 0);
      g_array_unref (writers[i].acked);
    }
  mt_db_close (copy);

  /* the server stopped, the backup restored in the database's place, the server back on it */
  mt_test_server_stop (g_steal_pointer (&f->server));
  {
    g_autoptr(GSubprocess) restore = g_subprocess_launcher_spawn (launcher, &error, g_getenv ("MINGTANG_SERVER"),
                                                                  "restore", out, "--database", f->path, NULL);
    g_autofree char *said = NULL;

    g_assert_no_error (error);
    g_assert_true (g_subprocess_communicate_utf8 (restore, NULL, NULL, &said, NULL, &error));
    g_assert_cmpint (g_subprocess_get_exit_status (restore), ==, 0);
    g_test_message ("%s", said);
  }
  server_start (f);
  g_assert_true (db_intact (f));
  /* a file that is not a backup: refused, the database as it was */
  {
    g_autofree char *junk = g_build_filename (f->dir, "junk.db", NULL);
    g_autoptr(GSubprocess) restore = NULL;
    g_autofree char *said = NULL;
    gint64 orders = db_int (f, "SELECT count (*) FROM orders");

    g_assert_true (g_file_set_contents (junk, "not a database at all", -1, NULL));
    restore = g_subprocess_launcher_spawn (launcher, &error, g_getenv ("MINGTANG_SERVER"), "restore", junk,
                                           "--database", f->path, NULL);
    g_assert_true (g_subprocess_communicate_utf8 (restore, NULL, NULL, &said, NULL, &error));
    g_assert_cmpint (g_subprocess_get_exit_status (restore), ==, 1);
    g_assert_cmpint (db_int (f, "SELECT count (*) FROM orders"), ==, orders);
    g_unlink (junk);
  }
  mt_test_remove_tree (dir);
  {
    /* the database the restore replaced, kept aside */
    g_autoptr(GDir) d = g_dir_open (f->dir, 0, NULL);
    const char *name;

    while ((name = g_dir_read_name (d)) != NULL)
      if (strstr (name, ".before-restore-") != NULL)
        {
          g_autofree char *aside = g_build_filename (f->dir, name, NULL);
          g_unlink (aside);
        }
  }
}

/* Everything a change feed pages out, as "table:id" → op */
static GHashTable *
read_feed (Fixture *f, const char *token, gint64 *cursor)
{
  GHashTable *ops = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  gboolean more = TRUE;

  while (more)
    {
      g_autofree char *path = g_strdup_printf ("changes?since=%" G_GINT64_FORMAT "&limit=500", *cursor);
      guint status = 0;
      g_autoptr(JsonNode) answer = call (f, "GET", path, token, NULL, &status);
      JsonObject *o = json_node_get_object (answer);
      JsonArray *changes = json_object_get_array_member (o, "changes");

      g_assert_cmpuint (status, ==, 200);
      for (guint i = 0; i < json_array_get_length (changes); i++)
        {
          JsonObject *c = json_array_get_object_element (changes, i);
          char *key = g_strdup_printf ("%s:%" G_GINT64_FORMAT, json_object_get_string_member (c, "table"),
                                       json_object_get_int_member (c, "id"));
          g_hash_table_insert (ops, key, g_strdup (json_object_get_string_member (c, "op")));
          if (json_object_has_member (c, "row"))
            g_assert_false (json_object_has_member (json_object_get_object_member (c, "row"), "password_hash"));
        }
      g_assert_cmpint (json_object_get_int_member (o, "cursor"), >=, *cursor);
      *cursor = json_object_get_int_member (o, "cursor");
      more = json_object_get_boolean_member (o, "more");
    }
  return ops;
}

/* The change feed holds what the account may see; a row leaving its scope comes as a removal */
static void
test_change_feed_scope (Fixture *f, gconstpointer data)
{
  g_autofree char *admin = sign_in (f, "admin");
  g_autofree char *store = sign_in (f, "store");
  gint64 my_store = db_int (f, "SELECT store_id FROM accounts WHERE username = 'store'");
  gint64 cursor = 0, admin_cursor = 0;
  g_autoptr(GHashTable) feed = read_feed (f, store, &cursor);
  g_autoptr(GHashTable) admin_feed = read_feed (f, admin, &admin_cursor);
  g_autoptr(GHashTable) after = NULL;
  GHashTableIter iter;
  const char *key;
  gint64 device, other_store;
  guint devices = 0, status = 0;
  g_autofree char *body = NULL;

  const char *op;

  g_hash_table_iter_init (&iter, feed);
  while (g_hash_table_iter_next (&iter, (gpointer *) &key, (gpointer *) &op))
    if (g_str_has_prefix (key, "devices:"))
      {
        g_autofree char *sql = g_strdup_printf ("SELECT store_id FROM devices WHERE id = %s", key + 8);
        /* removals of rows it never had are harmless; every row it gets is its own store's */
        if (g_str_equal (op, "remove"))
          continue;
        g_assert_cmpint (db_int (f, sql), ==, my_store);
        devices++;
      }
  g_assert_cmpint (devices, ==, db_int (f, "SELECT count(*) FROM devices d JOIN accounts a "
                                           "ON a.store_id = d.store_id WHERE a.username = 'store' AND d.deleted = 0"));
  g_assert_false (g_hash_table_contains (feed, "accounts:1"));   /* not its page */

  /* headquarters moves one of its ready devices to another store */
  device = db_int (f, "SELECT d.id FROM devices d JOIN accounts a ON a.store_id = d.store_id "
                      "WHERE a.username = 'store' AND d.state = 'ready' LIMIT 1");
  other_store = db_int (f, "SELECT s.id FROM stores s JOIN accounts a ON a.store_id <> s.id "
                           "WHERE a.username = 'store' LIMIT 1");
  body = g_strdup_printf ("{\"ids\":[%" G_GINT64_FORMAT "],\"store_id\":%" G_GINT64_FORMAT "}", device, other_store);
  {
    g_autoptr(JsonNode) answer = call (f, "POST", "devices/transfer", admin, body, &status);
    g_assert_cmpuint (status, ==, 204);
  }
  after = read_feed (f, store, &cursor);
  {
    g_autofree char *k = g_strdup_printf ("devices:%" G_GINT64_FORMAT, device);
    g_assert_cmpstr (g_hash_table_lookup (after, k), ==, "remove");
  }
  g_clear_pointer (&after, g_hash_table_unref);
  after = read_feed (f, admin, &admin_cursor);
  {
    g_autofree char *k = g_strdup_printf ("devices:%" G_GINT64_FORMAT, device);
    g_assert_cmpstr (g_hash_table_lookup (after, k), ==, "upsert");
  }
}

/* kill -9 in the middle of a stream of writes: every acknowledged write is there afterwards */
static void
test_kill_during_writes (Fixture *f, gconstpointer data)
{
  g_autofree char *admin = sign_in (f, "admin");
  g_autoptr(GArray) acked = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GString) ids = g_string_new (NULL);
  g_autofree char *sql = NULL;

  for (guint i = 0; i < 40; i++)
    {
      g_autofree char *body = g_strdup_printf ("{\"title\":\"通知 %u\",\"body\":\"内容\",\"audience\":\"all\"}", i);
      guint status = 0;
      g_autoptr(JsonNode) answer = call (f, "POST", "messages", admin, body, &status);
      gint64 id;

      g_assert_cmpuint (status, ==, 201);
      id = json_object_get_int_member (json_node_get_object (answer), "id");
      g_array_append_val (acked, id);
      if (i == 25)
        {
          /* the next write is in flight when the server dies */
          g_autofree char *next = g_strdup_printf ("{\"title\":\"未确认\",\"body\":\"x\",\"audience\":\"all\"}");
          g_autoptr(SoupMessage) msg = new_message (f, "POST", "messages", admin, next);
          soup_session_send_async (f->session, msg, G_PRIORITY_DEFAULT, NULL, NULL, NULL);
          g_subprocess_force_exit (f->server);
          g_subprocess_wait (f->server, NULL, NULL);
          break;
        }
    }
  g_clear_object (&f->server);
  g_assert_true (db_intact (f));
  for (guint i = 0; i < acked->len; i++)
    g_string_append_printf (ids, "%s%" G_GINT64_FORMAT, i ? "," : "", g_array_index (acked, gint64, i));
  sql = g_strdup_printf ("SELECT count(*) FROM messages WHERE id IN (%s) AND deleted = 0", ids->str);
  g_assert_cmpint (db_int (f, sql), ==, acked->len);
  /* and it serves again */
  server_start (f);
  g_free (admin);
  admin = sign_in (f, "admin");
}

/* GET devices/ID/track: the points of the range, in scope; times that are not times refused */
static void
test_track (Fixture *f, gconstpointer data)
{
  g_autofree char *admin = sign_in (f, "admin");
  g_autofree char *store = sign_in (f, "store");
  gint64 device = db_int (f, "SELECT device_id FROM track_points GROUP BY device_id ORDER BY count (*) DESC LIMIT 1");
  gint64 own = db_int (f, "SELECT id FROM devices WHERE store_id = (SELECT store_id FROM accounts WHERE "
                          "username = 'store') LIMIT 1");
  gint64 other = db_int (f, "SELECT id FROM devices WHERE store_id IS NOT (SELECT store_id FROM accounts WHERE "
                            "username = 'store') LIMIT 1");
  g_autofree char *sql = NULL, *path = NULL;
  gint64 expected, lo, hi;
  guint status = 0;

  sql = g_strdup_printf ("SELECT count (*) FROM track_points WHERE device_id = %" G_GINT64_FORMAT, device);
  expected = db_int (f, sql);
  g_free (sql);
  sql = g_strdup_printf ("SELECT min (at) FROM track_points WHERE device_id = %" G_GINT64_FORMAT, device);
  lo = db_int (f, sql);
  g_free (sql);
  sql = g_strdup_printf ("SELECT max (at) FROM track_points WHERE device_id = %" G_GINT64_FORMAT, device);
  hi = db_int (f, sql);
  g_assert_cmpint (expected, >, 1);
  g_assert_cmpint (own, >, 0);
  g_assert_cmpint (other, >, 0);
  path = g_strdup_printf ("devices/%" G_GINT64_FORMAT "/track?from=%" G_GINT64_FORMAT "&to=%" G_GINT64_FORMAT,
                          device, lo, hi);
  {
    g_autoptr(JsonNode) a = call (f, "GET", path, admin, NULL, &status);
    JsonArray *points;

    g_assert_cmpuint (status, ==, 200);
    points = json_object_get_array_member (json_node_get_object (a), "points");
    g_assert_cmpuint (json_array_get_length (points), ==, expected);
    g_assert_cmpint (json_array_get_int_element (json_array_get_array_element (points, 0), 0), ==, lo);
  }
  /* the store account: its own store's battery, not another's */
  g_free (path);
  path = g_strdup_printf ("devices/%" G_GINT64_FORMAT "/track?from=0&to=%" G_GINT64_FORMAT, own, hi);
  {
    g_autoptr(JsonNode) a = call (f, "GET", path, store, NULL, &status);
    g_assert_cmpuint (status, ==, 422);   /* since 1970: longer than 93 days */
  }
  g_free (path);
  path = g_strdup_printf ("devices/%" G_GINT64_FORMAT "/track?from=%" G_GINT64_FORMAT "&to=%" G_GINT64_FORMAT,
                          own, lo, hi);
  {
    g_autoptr(JsonNode) a = call (f, "GET", path, store, NULL, &status);
    g_assert_cmpuint (status, ==, 200);
  }
  g_free (path);
  path = g_strdup_printf ("devices/%" G_GINT64_FORMAT "/track?from=%" G_GINT64_FORMAT "&to=%" G_GINT64_FORMAT,
                          other, lo, hi);
  {
    g_autoptr(JsonNode) a = call (f, "GET", path, store, NULL, &status);
    g_assert_cmpuint (status, ==, 403);
  }
  g_free (path);
  path = g_strdup_printf ("devices/%" G_GINT64_FORMAT "/track?from=yesterday&to=%" G_GINT64_FORMAT, device, hi);
  {
    g_autoptr(JsonNode) a = call (f, "GET", path, admin, NULL, &status);
    g_assert_cmpuint (status, ==, 422);
    g_assert_cmpstr (member_string (a, "error.field"), ==, "from");
  }
  g_free (path);
  path = g_strdup_printf ("devices/%" G_GINT64_FORMAT "/track?from=%" G_GINT64_FORMAT "&to=%" G_GINT64_FORMAT,
                          device, hi, lo);
  {
    g_autoptr(JsonNode) a = call (f, "GET", path, admin, NULL, &status);
    g_assert_cmpuint (status, ==, 422);
    g_assert_cmpstr (member_string (a, "error.field"), ==, "to");
  }
}

/* A refused request: its status and, when given, the field it names */
static void
expect (Fixture    *f,
        const char *method,
        const char *path,
        const char *token,
        const char *body,
        guint       expected,
        const char *field)
{
  guint status = 0;
  g_autoptr(JsonNode) a = call (f, method, path, token, body, &status);

  if (status != expected)
    g_error ("%s %s %s: %u, expected %u", method, path, body ? body : "", status, expected);
  if (field != NULL)
    g_assert_cmpstr (member_string (a, "error.field"), ==, field);
}

/* Bodies no parser should recurse into, and JSON with something after it: 400 before any token
 * is looked at, and the server goes on answering */
static void
test_hostile_bodies (Fixture *f, gconstpointer data)
{
  g_autoptr(GString) deep = g_string_new ("{\"username\":");
  g_autoptr(GString) objects = g_string_new (NULL);
  g_autoptr(GString) many = g_string_new ("{\"ids\":[");
  g_autofree char *admin = NULL;
  static const char *const malformed[] = {
    "{\"username\":\"admin\",\"password\":\"x\"} trailing",
    "{\"username\":\"admin\"}{\"password\":\"x\"}",
    "{\"username\":\"admin\",}",
    "{\"username\":'admin'}",
    "[1, 2",
    "{\"a\":01}",
    "{\"a\":\"\\x\"}",
    "{\"a\":\"tab\there\"}",
    "{\"username\":\"\\ud800\",\"password\":\"x\"}",
    "{\"username\":\"x\\udc00\",\"password\":\"x\"}",
    "{\"username\":\"\\ud800\\u0041\",\"password\":\"x\"}",
    "{\"username\":\"admin\",\"password\":\"x\",\"username\":\"east\"}",
    "{\"a\":{\"b\":1,\"b\":2}}",
  };

  for (guint i = 0; i < 300000; i++)
    g_string_append_c (deep, '[');
  expect (f, "POST", "session", NULL, deep->str, 400, NULL);
  for (guint i = 0; i < 40000; i++)
    g_string_append (objects, "{\"a\":");
  expect (f, "POST", "session", NULL, objects->str, 400, NULL);
  /* deep, but closed properly: still too deep */
  g_string_truncate (objects, 0);
  for (guint i = 0; i < 64; i++)
    g_string_append (objects, "[");
  for (guint i = 0; i < 64; i++)
    g_string_append (objects, "]");
  expect (f, "POST", "session", NULL, objects->str, 400, NULL);
  for (guint i = 0; i < 150000; i++)
    g_string_append (many, i ? ",1" : "1");
  g_string_append (many, "]}");
  expect (f, "POST", "session", NULL, many->str, 400, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (malformed); i++)
    expect (f, "POST", "session", NULL, malformed[i], 400, NULL);
  /* a NUL written into a member's text: refused on that member, not cut off */
  expect (f, "POST", "session", NULL, "{\"username\":\"admin\\u0000x\",\"password\":\"mingtang2026\"}", 422, "username");

  /* a surrogate pair is one character: read, and the sign-in merely fails */
  expect (f, "POST", "session", NULL, "{\"username\":\"\\ud83d\\ude00\",\"password\":\"wrong-password\"}", 401, NULL);

  /* alive, and a good body still signs in */
  admin = sign_in (f, "admin");
  g_assert_nonnull (admin);
  expect (f, "GET", "devices?limit=1", admin, NULL, 200, NULL);
}


/* A member's value of the right type, or of a wrong one */
static JsonNode *
member_value (MtApiType type,
              gboolean  right)
{
  static const char *const good[] = { "1", "\"x\"", "true", "[1]", "{}" };
  static const char *const bad[] = { "\"1\"", "1", "\"true\"", "\"1\"", "[1]" };

  return json_from_string ((right ? good : bad)[type], NULL);
}

static char *
body_text (JsonObject *body)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);

  json_node_set_object (node, body);
  return json_to_string (node, FALSE);
}

/* The operation table is the contract: for every operation that takes members, one it does not
 * take, a required one left out and each one of the wrong type are refused naming that member;
 * one that needs an object refuses none (400). Nothing of it reaches the answer (no row is
 * written: a body refused is never run). */
static void
test_hostile_members (Fixture *f, gconstpointer data)
{
  g_autofree char *admin = sign_in (f, "admin");
  g_autoptr(MtDb) db = mt_db_open (f->path, NULL);
  gint64 orders = mt_db_query_int (db, 0, "SELECT count (*) FROM orders", NULL);
  gint64 ledger = mt_db_query_int (db, 0, "SELECT count (*) FROM ledger", NULL);
  guint n_ops, checked = 0;
  const MtApiOperation *ops = mt_api_operations (&n_ops);

  for (guint o = 0; o < n_ops; o++)
    {
      const MtApiOperation *op = &ops[o];
      g_autoptr(MtApiRequest) request = NULL;
      g_autofree char *path = NULL;
      const char *bar;

      if (op->members == NULL && !(op->flags & MT_API_BODY))
        continue;
      request = mt_api_request_new (op->name);
      mt_api_request_set_id (request, 1);
      mt_api_request_set_name (request, "x");
      mt_api_request_set_entity (request, "stores");
      if ((bar = strchr (op->pattern, '|')) != NULL)
        {
          const char *start = bar;
          g_autofree char *word = NULL;

          while (start > op->pattern && start[-1] != '/')
            start--;
          word = g_strndup (start, bar - start);
          mt_api_request_set_word (request, word);
        }
      path = mt_api_request_to_path (request);

      if (op->flags & MT_API_BODY)
        expect (f, op->method, path, admin, NULL, 400, NULL);
      for (const MtApiMember *m = op->members; m && m->name; m++)
        for (int variant = 0; variant < 3; variant++)
          {
            g_autoptr(JsonObject) body = json_object_new ();
            g_autofree char *text = NULL;

            /* every other member valid */
            for (const MtApiMember *other = op->members; other->name; other++)
              if (other != m)
                json_object_set_member (body, other->name, member_value (other->type, TRUE));
            if (variant == 0)
              json_object_set_member (body, m->name, member_value (m->type, FALSE));   /* wrong type */
            else if (variant == 1 && !m->required)
              continue;                                                              /* left out */
            else if (variant == 2)
              {
                if (op->flags & MT_API_FIELDS)
                  continue;   /* an entity's fields are its table's to refuse */
                json_object_set_member (body, m->name, member_value (m->type, TRUE));
                json_object_set_int_member (body, "no_such_member", 1);
              }
            text = body_text (body);
            expect (f, op->method, path, admin, text, 422, variant == 2 ? "no_such_member" : m->name);
            checked++;
          }
    }
  g_test_message ("%u refusals checked", checked);
  g_assert_cmpuint (checked, >, 60);
  g_assert_cmpint (mt_db_query_int (db, 0, "SELECT count (*) FROM orders", NULL), ==, orders);
  g_assert_cmpint (mt_db_query_int (db, 0, "SELECT count (*) FROM ledger", NULL), ==, ledger);
}

/* The money rule through the API: whole fen within ¥10,000,000 per amount, every product checked,
 * nothing out of range stored */
static void
test_hostile_money (Fixture *f, gconstpointer data)
{
  g_autofree char *admin = sign_in (f, "admin");
  g_autofree char *tech = sign_in (f, "tech");
  gint64 type = db_int (f, "SELECT id FROM device_types ORDER BY id LIMIT 1");
  gint64 repair_device = db_int (f, "SELECT id FROM devices WHERE state = 'ready' ORDER BY id LIMIT 1");
  gint64 rules = db_int (f, "SELECT count (*) FROM billing_rules");
  static const char *const bad_rents[] = {
    "9223372036854775807", "\"9223372036854775807\"", "1000000001", "-100", "99.5", "\"99.50\"", "1e3", "true",
    "\"\"", "null",
  };
  guint status = 0;

  for (guint i = 0; i < G_N_ELEMENTS (bad_rents); i++)
    {
      g_autofree char *body = g_strdup_printf ("{\"operator_id\":1,\"region_code\":\"6501\",\"type_id\":%" G_GINT64_FORMAT
                                               ",\"rent_fen\":%s,\"period_days\":30,\"deposit_fen\":0}", type, bad_rents[i]);
      expect (f, "POST", "billing_rules", admin, body, 422, "rent_fen");
    }
  g_assert_cmpint (db_int (f, "SELECT count (*) FROM billing_rules"), ==, rules);

  /* the largest rent allowed is stored; two periods of it are more than one order may cost */
  {
    g_autofree char *body = g_strdup_printf ("{\"operator_id\":1,\"region_code\":\"6501\",\"type_id\":%" G_GINT64_FORMAT
                                             ",\"rent_fen\":1000000000,\"period_days\":30,\"deposit_fen\":0,"
                                             "\"service1_name\":\"保险\",\"service1_price_fen\":1000000000,"
                                             "\"service1_per_period\":true}", type);
    expect (f, "POST", "billing_rules", admin, body, 201, NULL);
    g_assert_cmpint (db_int (f, "SELECT max (rent_fen) FROM billing_rules"), ==, 1000000000);
  }

  /* a repair cost near 2^63: refused on cost_fen, never stored as a floating-point number */
  {
    g_autofree char *report = g_strdup_printf ("{\"device_id\":%" G_GINT64_FORMAT ",\"reporter_kind\":\"store\","
                                               "\"reporter\":\"门店\",\"fault\":\"进水\"}", repair_device);
    g_autoptr(JsonNode) a = call (f, "POST", "repairs", tech, report, &status);
    gint64 repair = json_object_get_int_member (json_node_get_object (a), "id");
    g_autofree char *steps = g_strdup_printf ("repairs/%" G_GINT64_FORMAT "/steps", repair);

    g_assert_cmpuint (status, ==, 201);
    expect (f, "POST", steps, tech, "{\"version\":1,\"state\":\"repairing\",\"note\":\"x\","
                                    "\"cost_fen\":9223372036854775000}", 422, "cost_fen");
    expect (f, "POST", steps, tech, "{\"version\":1,\"state\":\"repairing\",\"note\":\"x\",\"cost_fen\":-1}",
            422, "cost_fen");
    expect (f, "POST", steps, tech, "{\"version\":1,\"state\":\"repairing\",\"note\":\"x\",\"cost_fen\":12.5}",
            422, "cost_fen");
    g_assert_cmpint (db_int (f, "SELECT count (*) FROM repairs WHERE typeof (cost_fen) <> 'integer'"), ==, 0);
  }

  /* a denomination posted in fen is stored in fen: 5000 is ¥50 */
  expect (f, "POST", "recharge_plans", admin, "{\"operator_id\":1,\"amount_fen\":5000,\"bonus_fen\":500}", 201, NULL);
  g_assert_cmpint (db_int (f, "SELECT count (*) FROM recharge_plans WHERE amount_fen = 5000 AND bonus_fen = 500"), ==, 1);
  expect (f, "POST", "recharge_plans", admin, "{\"operator_id\":1,\"amount_fen\":\"50.00\",\"bonus_fen\":0}", 422,
          "amount_fen");
  expect (f, "POST", "members/1/recharge", admin, "{\"amount_fen\":9223372036854775807,\"pay_method\":\"offline\"}",
          422, "amount_fen");
  expect (f, "POST", "orders/1/end", admin, "{\"damage_fen\":9223372036854775807}", 422, "damage_fen");
  expect (f, "POST", "withdrawals", admin, "{\"amount_fen\":-9223372036854775807,\"payee\":\"x\"}", 422, "amount_fen");
}

/* A rental card sold and refunded over HTTP: the refund answers what went back; a role without
 * the permission, a store that does not own the sale, a stale version and a second refund are
 * refused, and the books still balance */
static void
test_card_refund (Fixture *f, gconstpointer data)
{
  g_autofree char *admin = sign_in (f, "admin");
  g_autofree char *tech = sign_in (f, "tech");
  g_autofree char *manager = sign_in (f, "store");
  gint64 member = db_int (f, "SELECT id FROM members WHERE store_id <> (SELECT store_id FROM accounts "
                             "WHERE username = 'store') ORDER BY id LIMIT 1");
  gint64 card = db_int (f, "SELECT id FROM rental_cards WHERE days = 30");
  g_autofree char *sell = g_strdup_printf ("members/%" G_GINT64_FORMAT "/cards", member);
  g_autofree char *body = g_strdup_printf ("{\"card_id\":%" G_GINT64_FORMAT ",\"pay_method\":\"online\"}", card);
  g_autofree char *refund = NULL;
  g_autoptr(JsonNode) sold = NULL;
  g_autoptr(JsonNode) answer = NULL;
  guint status = 0;
  gint64 sale;

  sold = call (f, "POST", sell, admin, body, &status);
  g_assert_cmpuint (status, ==, 201);
  sale = json_object_get_int_member (json_node_get_object (sold), "id");
  refund = g_strdup_printf ("member_cards/%" G_GINT64_FORMAT "/refund", sale);
  expect (f, "POST", refund, tech, "{\"version\":1}", 403, NULL);
  expect (f, "POST", refund, manager, "{\"version\":1}", 403, NULL);   /* another store's sale */
  expect (f, "POST", refund, admin, "{\"version\":2}", 409, NULL);
  expect (f, "POST", refund, admin, "{\"version\":\"1\"}", 422, "version");
  expect (f, "POST", "member_cards/999999/refund", admin, "{\"version\":1}", 404, NULL);
  g_assert_cmpint (db_int (f, "SELECT count (*) FROM ledger WHERE amount_fen < 0 AND kind = 'rent'"), ==, 0);
  answer = call (f, "POST", refund, admin, "{\"version\":1}", &status);
  g_assert_cmpuint (status, ==, 200);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (answer), "refunded_fen"), ==,
                   db_int (f, "SELECT price_fen * 29 / 30 FROM rental_cards WHERE days = 30"));
  expect (f, "POST", refund, admin, "{\"version\":2}", 409, NULL);
  g_assert_cmpint (db_int (f, "SELECT count (*) FROM ledger WHERE amount_fen < 0 AND kind = 'rent' "
                              "AND pay_method = 'online'"), ==, 1);
  {
    g_autoptr(GError) error = NULL;
    MtDb *db = mt_db_open (f->path, &error);

    g_assert_no_error (error);
    g_assert_true (mt_ledger_reconcile (db, NULL));
    mt_db_close (db);
  }
}

/* A file the server answers with, and its content type */
static GBytes *
fetch_file (Fixture    *f,
            const char *path,
            const char *token,
            guint      *status,
            char      **type)
{
  g_autoptr(SoupMessage) msg = new_message (f, "GET", path, token, NULL);
  GBytes *bytes = soup_session_send_and_read (f->session, msg, NULL, NULL);

  *status = soup_message_get_status (msg);
  *type = g_strdup (soup_message_headers_get_content_type (soup_message_get_response_headers (msg), NULL));
  return bytes;
}

/* The monthly reports: a server with a report folder writes last month's for every operator,
 * lists those an account may read and serves them; a store, an operator below and a name that
 * is not a report are refused */
static void
test_monthly_reports (Fixture *f, gconstpointer data)
{
  g_autofree char *reports = g_build_filename (f->dir, "reports", NULL);
  const char *extra[] = { "--report-dir", reports, NULL };
  g_autoptr(GDateTime) today = g_date_time_new_from_unix_utc (mt_stats_day_of (g_get_real_time ()) * 86400);
  g_autoptr(GDateTime) last = g_date_time_add_months (today, -1);
  g_autofree char *month = g_date_time_format (last, "%Y-%m");
  g_autofree char *hq_pdf = g_strdup_printf ("%s/1/%s.pdf", reports, month);
  g_autofree char *hq_xlsx = g_strdup_printf ("%s/1/%s.xlsx", reports, month);
  g_autofree char *admin = NULL;
  g_autofree char *store = NULL;
  g_autofree char *hangzhou = NULL;
  g_autofree char *hq_name = g_strdup_printf ("reports/1-%s.pdf", month);
  g_autofree char *hz_name = NULL;
  g_autoptr(JsonNode) list = NULL;
  gint64 hz_id, end = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  guint status = 0;

  mt_test_server_stop (g_steal_pointer (&f->server));
  g_clear_pointer (&f->url, g_free);
  f->server = mt_test_server_start_full (f->path, "127.0.0.1:0", extra, &f->url);
  while (!(g_file_test (hq_pdf, G_FILE_TEST_EXISTS) && g_file_test (hq_xlsx, G_FILE_TEST_EXISTS)) &&
         g_get_monotonic_time () < end)
    g_usleep (100000);
  g_assert_true (g_file_test (hq_pdf, G_FILE_TEST_EXISTS));
  /* every operator has its own */
  hz_id = db_int (f, "SELECT operator_id FROM accounts WHERE username = 'hangzhou'");
  hz_name = g_strdup_printf ("reports/%" G_GINT64_FORMAT "-%s.xlsx", hz_id, month);
  while (db_int (f, "SELECT count (*) FROM operators WHERE deleted = 0") > 0 && g_get_monotonic_time () < end)
    {
      g_autofree char *p = g_strdup_printf ("%s/%" G_GINT64_FORMAT "/%s.pdf", reports,
                                            db_int (f, "SELECT max (id) FROM operators WHERE deleted = 0"), month);
      if (g_file_test (p, G_FILE_TEST_EXISTS))
        break;
      g_usleep (100000);
    }
  g_usleep (300000);   /* the last workbook beside it */

  admin = sign_in (f, "admin");
  store = sign_in (f, "store");
  hangzhou = sign_in (f, "hangzhou");
  list = call (f, "GET", "reports", admin, NULL, &status);
  g_assert_cmpuint (status, ==, 200);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (json_node_get_object (list), "reports")), ==,
                    (guint) db_int (f, "SELECT count (*) FROM operators WHERE deleted = 0"));
  g_clear_pointer (&list, json_node_unref);
  list = call (f, "GET", "reports", store, NULL, &status);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (json_node_get_object (list), "reports")), ==, 0);
  {
    g_autofree char *type = NULL;
    g_autoptr(GBytes) pdf = fetch_file (f, hq_name, admin, &status, &type);

    g_assert_cmpuint (status, ==, 200);
    g_assert_cmpstr (type, ==, "application/pdf");
    g_assert_true (g_bytes_get_size (pdf) > 10000 && memcmp (g_bytes_get_data (pdf, NULL), "%PDF", 4) == 0);
  }
  {
    g_autofree char *type = NULL;
    g_autoptr(GBytes) xlsx = fetch_file (f, hz_name, hangzhou, &status, &type);

    g_assert_cmpuint (status, ==, 200);
    g_assert_true (g_bytes_get_size (xlsx) > 1000 && memcmp (g_bytes_get_data (xlsx, NULL), "PK", 2) == 0);
  }
  expect (f, "GET", hq_name, hangzhou, NULL, 403, NULL);   /* headquarters' is above it */
  expect (f, "GET", hq_name, store, NULL, 403, NULL);
  expect (f, "GET", "reports/1-2026-13.pdf", admin, NULL, 404, NULL);
  expect (f, "GET", "reports/1-2026-11.pdf.exe", admin, NULL, 404, NULL);
  expect (f, "GET", "reports/..%2F..%2Fshared.db", admin, NULL, 400, NULL);   /* no path in a name */
  expect (f, "GET", "reports/1-2026-11.pdf%00", admin, NULL, 400, NULL);
  expect (f, "GET", "reports/1-1999-01.pdf", admin, NULL, 404, NULL);
  expect (f, "GET", hq_name, NULL, NULL, 401, NULL);

  /* the command line writes a month on demand, once */
  mt_test_server_stop (g_steal_pointer (&f->server));
  {
    const char *argv[] = { g_getenv ("MINGTANG_SERVER"), "reports", "--database", f->path, "--report-dir", reports,
                           "--month", month, NULL };
    g_autofree char *out = NULL;
    int code = 0;

    g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, NULL, &code, NULL));
    g_assert_true (g_spawn_check_wait_status (code, NULL));
    g_assert_nonnull (strstr (out, "0 "));   /* all there already */
  }
  server_start (f);
  mt_test_remove_tree (reports);
}

/* The row version: only the current one writes; none, 0, a negative one or text is no version */
static void
test_hostile_versions (Fixture *f, gconstpointer data)
{
  g_autofree char *admin = sign_in (f, "admin");
  gint64 version = db_int (f, "SELECT version FROM stores WHERE id = 1");
  static const char *const not_versions[] = { "0", "-1", "-9223372036854775808", "\"1\"", "1.0", "null", "true" };
  g_autofree char *stale = g_strdup_printf ("{\"version\":%" G_GINT64_FORMAT ",\"name\":\"过期\"}", version + 5);
  g_autofree char *good = g_strdup_printf ("{\"version\":%" G_GINT64_FORMAT ",\"name\":\"新名字\"}", version);

  for (guint i = 0; i < G_N_ELEMENTS (not_versions); i++)
    {
      g_autofree char *body = g_strdup_printf ("{\"version\":%s,\"name\":\"改名\"}", not_versions[i]);
      expect (f, "PUT", "stores/1", admin, body, 422, "version");
    }
  expect (f, "PUT", "stores/1", admin, "{\"name\":\"改名\"}", 422, "version");
  expect (f, "PUT", "stores/1", admin, stale, 409, NULL);
  g_assert_cmpint (db_int (f, "SELECT version FROM stores WHERE id = 1"), ==, version);
  expect (f, "DELETE", "messages/1?version=0", admin, NULL, 422, "version");
  expect (f, "DELETE", "messages/1?version=-3", admin, NULL, 422, "version");
  expect (f, "PUT", "stores/1", admin, good, 200, NULL);
  expect (f, "PUT", "stores/1", admin, good, 409, NULL);
}

/* Creates an operator, which must land in the tree right under @parent_path */
static void
create_operator (Fixture    *f,
                 const char *token,
                 const char *body,
                 const char *parent_path)
{
  guint status = 0;
  g_autoptr(JsonNode) a = call (f, "POST", "operators", token, body, &status);
  gint64 id;
  g_autofree char *sql = NULL;

  g_assert_cmpuint (status, ==, 201);
  id = json_object_get_int_member (json_node_get_object (a), "id");
  sql = g_strdup_printf ("SELECT path = '%s%" G_GINT64_FORMAT "/' FROM operators WHERE id = %" G_GINT64_FORMAT,
                         parent_path, id, id);
  g_assert_cmpint (db_int (f, sql), ==, 1);
}

/* The operator tree grows through the API, for headquarters and for an operator under itself */
static void
test_hostile_operators (Fixture *f, gconstpointer data)
{
  g_autofree char *admin = sign_in (f, "admin");
  g_autofree char *east = sign_in (f, "east");
  g_autofree char *store = sign_in (f, "store");
  guint status = 0;

  create_operator (f, admin, "{\"name\":\"华北换电运营\",\"parent_id\":1,\"contact\":\"张三\","
                   "\"phone\":\"13912345678\",\"account_username\":\"huabei\",\"account_password\":\"north-pass-1\","
                   "\"account_password_confirm\":\"north-pass-1\"}", "/1/");
  create_operator (f, east, "{\"name\":\"宁波分部\",\"parent_id\":2,\"contact\":\"李四\","
                   "\"phone\":\"13912345679\",\"region_code\":\"3302\",\"account_username\":\"ningbo\","
                   "\"account_password\":\"ningbo-pass-1\",\"account_password_confirm\":\"ningbo-pass-1\"}", "/1/2/");
  /* each with its administrator, who signs in to its own operator, offline payment on */
  {
    g_autofree char *ningbo = mt_test_http_sign_in_with (f->session, f->url, "ningbo", "ningbo-pass-1");
    g_autoptr(JsonNode) me = call (f, "GET", "operators?search=宁波", ningbo, NULL, &status);

    g_assert_cmpuint (status, ==, 200);
    g_assert_cmpint (json_object_get_int_member (json_node_get_object (me), "total"), ==, 1);
    g_assert_cmpint (db_int (f, "SELECT count (*) FROM accounts a JOIN roles r ON r.id = a.role_id JOIN operators o "
                                "ON o.id = a.operator_id WHERE a.username = 'ningbo' AND r.builtin = 'operator_admin' "
                                "AND o.name = '宁波分部' AND a.mobile = '13912345679' AND a.store_id IS NULL"), ==, 1);
    g_assert_cmpint (db_int (f, "SELECT caps FROM operators WHERE name = '华北换电运营'"), ==, 8);
  }
  /* an operator and its account are made together or not at all */
  {
    gint64 operators = db_int (f, "SELECT count (*) FROM operators");
    gint64 accounts = db_int (f, "SELECT count (*) FROM accounts");

    expect (f, "POST", "operators", admin, "{\"name\":\"重名账号\",\"parent_id\":1,\"contact\":\"王五\","
            "\"phone\":\"13912345670\",\"account_username\":\"east\",\"account_password\":\"secret-pass\","
            "\"account_password_confirm\":\"secret-pass\"}", 422, "account_username");
    expect (f, "POST", "operators", admin, "{\"name\":\"密码不符\",\"parent_id\":1,\"contact\":\"王五\","
            "\"phone\":\"13912345670\",\"account_username\":\"mismatch\",\"account_password\":\"secret-pass\","
            "\"account_password_confirm\":\"secret-pasS\"}", 422, "account_password");
    expect (f, "POST", "operators", admin, "{\"name\":\"没有账号\",\"parent_id\":1,\"contact\":\"王五\","
            "\"phone\":\"13912345670\"}", 422, "account_username");
    expect (f, "POST", "operators", admin, "{\"name\":\"短账号\",\"parent_id\":1,\"contact\":\"王五\","
            "\"phone\":\"13912345670\",\"account_username\":\"ab\",\"account_password\":\"secret-pass\","
            "\"account_password_confirm\":\"secret-pass\"}", 422, "account_username");
    /* a capability the parent lacks is refused, and none is given by default beyond the parent's */
    expect (f, "POST", "operators", east, "{\"name\":\"超出能力\",\"parent_id\":2,\"contact\":\"王五\","
            "\"phone\":\"13912345670\",\"caps\":\"63\",\"account_username\":\"toomuch\","
            "\"account_password\":\"secret-pass\",\"account_password_confirm\":\"secret-pass\"}", 422, "caps");
    g_assert_cmpint (db_int (f, "SELECT count (*) FROM operators"), ==, operators);
    g_assert_cmpint (db_int (f, "SELECT count (*) FROM accounts"), ==, accounts);
  }
  /* the new operator is in east's scope: it lists it */
  {
    g_autoptr(JsonNode) a = call (f, "GET", "operators?search=宁波", east, NULL, &status);
    g_assert_cmpuint (status, ==, 200);
    g_assert_cmpint (json_object_get_int_member (json_node_get_object (a), "total"), ==, 1);
  }
  /* refusals name their field: outside the scope, missing, unknown, a store's account */
  expect (f, "POST", "operators", east, "{\"name\":\"越权\",\"parent_id\":3,\"contact\":\"王五\",\"phone\":\"13912345670\"}",
          422, "parent_id");
  expect (f, "POST", "operators", east, "{\"name\":\"无上级\",\"contact\":\"王五\",\"phone\":\"13912345670\"}",
          422, "parent_id");
  expect (f, "POST", "operators", east, "{\"name\":\"x\",\"parent_id\":999,\"contact\":\"王五\",\"phone\":\"13912345670\"}",
          422, "parent_id");
  expect (f, "POST", "operators", store, "{\"name\":\"x\",\"parent_id\":5,\"contact\":\"王五\",\"phone\":\"13912345670\"}",
          403, NULL);
  /* a user name taken: a field error, not the database's words */
  expect (f, "POST", "accounts", admin, "{\"username\":\"east\",\"name\":\"重名\",\"password\":\"secret-pass\","
          "\"password_confirm\":\"secret-pass\",\"role_id\":2,\"operator_id\":2}", 422, "username");
}

/* Input that used to be changed silently or taken */
static void
test_hostile_input (Fixture *f, gconstpointer data)
{
  g_autofree char *admin = sign_in (f, "admin");
  g_autofree char *manager = sign_in (f, "store");
  gint64 device = db_int (f, "SELECT id FROM devices ORDER BY id LIMIT 1");
  gint64 version = db_int (f, "SELECT version FROM devices ORDER BY id LIMIT 1");
  g_autofree char *device_path = g_strdup_printf ("devices/%" G_GINT64_FORMAT, device);
  g_autofree char *device_no = NULL;
  guint status = 0;

  {
    g_autoptr(JsonNode) a = call (f, "GET", device_path, admin, NULL, &status);
    device_no = g_strdup (json_object_get_string_member (json_node_get_object (a), "device_no"));
  }
  /* control characters in one-line text; a NUL anywhere */
  {
    g_autofree char *body = g_strdup_printf ("{\"version\":%" G_GINT64_FORMAT ",\"name\":\"a\\u0001b\"}", version);
    expect (f, "PUT", device_path, admin, body, 422, "name");
    g_free (body);
    body = g_strdup_printf ("{\"version\":%" G_GINT64_FORMAT ",\"name\":\"a\\nb\"}", version);
    expect (f, "PUT", device_path, admin, body, 422, "name");
    g_free (body);
    body = g_strdup_printf ("{\"version\":%" G_GINT64_FORMAT ",\"name\":\"ab\\u0000cd\"}", version);
    expect (f, "PUT", device_path, admin, body, 422, "name");
    /* an immutable field: the same value may come back, another is refused */
    g_free (body);
    body = g_strdup_printf ("{\"version\":%" G_GINT64_FORMAT ",\"device_no\":\"9999999999\"}", version);
    expect (f, "PUT", device_path, admin, body, 422, "device_no");
    g_free (body);
    body = g_strdup_printf ("{\"version\":%" G_GINT64_FORMAT ",\"device_no\":\"%s\",\"name\":\"一号\"}", version, device_no);
    expect (f, "PUT", device_path, admin, body, 200, NULL);
  }
  /* multi-line text is kept exactly, line breaks and indentation included */
  {
    g_autoptr(JsonNode) a = call (f, "POST", "messages", admin, "{\"title\":\"通知\",\"body\":\"  第一行\\n\\t第二行\\n\","
                                  "\"audience\":\"all\"}", &status);
    gint64 id = json_object_get_int_member (json_node_get_object (a), "id");
    g_autofree char *path = g_strdup_printf ("messages/%" G_GINT64_FORMAT, id);
    g_autoptr(JsonNode) back = NULL;

    g_assert_cmpuint (status, ==, 201);
    back = call (f, "GET", path, admin, NULL, &status);
    g_assert_cmpstr (json_object_get_string_member (json_node_get_object (back), "body"), ==, "  第一行\n\t第二行\n");
  }
  /* a member born tomorrow */
  {
    g_autoptr(GDateTime) tomorrow = g_date_time_add_days (g_date_time_new_now_local (), 1);
    g_autofree char *born = g_date_time_format (tomorrow, "%Y%m%d");
    static const int weights[17] = { 7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2 };
    char card[19];
    int sum = 0;
    g_autofree char *body = NULL;

    g_snprintf (card, sizeof card, "110105%s123", born);
    for (int i = 0; i < 17; i++)
      sum += (card[i] - '0') * weights[i];
    card[17] = "10X98765432"[sum % 11];
    card[18] = '\0';
    body = g_strdup_printf ("{\"name\":\"未来\",\"mobile\":\"13912340000\",\"operator_id\":1,\"id_card\":\"%s\"}", card);
    expect (f, "POST", "members", admin, body, 422, "id_card");
  }
  /* a quote names an offered payment method, or none */
  {
    gint64 store = db_int (f, "SELECT store_id FROM accounts WHERE username = 'store'");
    gint64 ready = db_int (f, "SELECT d.id FROM devices d JOIN accounts a ON a.store_id = d.store_id "
                              "WHERE a.username = 'store' AND d.state = 'ready' AND " MT_TEST_FULL_RULES ("d.type_id")
                              " ORDER BY d.id LIMIT 1");
    gint64 member = db_int (f, "SELECT id FROM members WHERE operator_id = 5 AND id_card <> '' ORDER BY id LIMIT 1");
    g_autofree char *name = NULL, *mobile = NULL;
    g_autofree char *body = g_strdup_printf ("{\"store_id\":%" G_GINT64_FORMAT ",\"device_id\":%" G_GINT64_FORMAT
                                             ",\"member_id\":%" G_GINT64_FORMAT ",\"periods\":1,\"services\":0,"
                                             "\"pay_method\":\"bitcoin\"}", store, ready, member);
    expect (f, "POST", "orders/quote", manager, body, 422, "pay_method");
    /* the contract preview names the member given by id (issue 14, 7) */
    g_free (body);
    body = g_strdup_printf ("{\"store_id\":%" G_GINT64_FORMAT ",\"device_id\":%" G_GINT64_FORMAT
                            ",\"member_id\":%" G_GINT64_FORMAT ",\"periods\":1,\"services\":0,"
                            "\"pay_method\":\"online\"}", store, ready, member);
    {
      g_autoptr(JsonNode) a = call (f, "POST", "orders/quote", manager, body, &status);
      const char *contract;
      g_autoptr(GError) error = NULL;
      MtDb *db = mt_db_open (f->path, &error);

      g_assert_cmpuint (status, ==, 200);
      contract = json_object_get_string_member (json_node_get_object (a), "contract");
      name = mt_db_query_text (db, "SELECT name FROM members WHERE id = ?", "i", member);
      mobile = mt_db_query_text (db, "SELECT mobile FROM members WHERE id = ?", "i", member);
      mt_db_close (db);
      g_assert_nonnull (strstr (contract, name));
      g_assert_nonnull (strstr (contract, mobile));
    }
  }
  /* wrong methods on known addresses: 405; unknown addresses: 404 */
  {
    static const char *const wrong[][2] = {
      { "GET", "orders/quote" }, { "PATCH", "devices/1" }, { "GET", "orders/1/renew" }, { "DELETE", "changes" },
      { "POST", "telemetry/status" }, { "GET", "devices/transfer" }, { "PUT", "devices" }, { "GET", "session" },
      { "POST", "settings/overdue_grace_hours" }, { "GET", "members/1/recharge" }, { "GET", "orders" },
      { "DELETE", "withdrawals" },
    };
    for (guint i = 0; i < G_N_ELEMENTS (wrong); i++)
      expect (f, wrong[i][0], wrong[i][1], admin, wrong[i][0][0] == 'G' || wrong[i][0][0] == 'D' ? NULL : "{}", 405, NULL);
    expect (f, "GET", "nowhere", admin, NULL, 404, NULL);
    /* query parameters are one line of text */
    expect (f, "GET", "devices?search=%FF%FE", admin, NULL, 422, "search");
    expect (f, "GET", "devices?search=a%0Ab", admin, NULL, 422, "search");
    expect (f, "GET", "devices?state=%C3%28", admin, NULL, 422, "state");
    expect (f, "GET", "devices/1/nowhere", admin, NULL, 404, NULL);
    expect (f, "GET", "devices/x", admin, NULL, 404, NULL);
    expect (f, "PUT", "orders/1", admin, "{}", 404, NULL);
  }
}

typedef struct
{
  Fixture    *f;
  const char *token;
  const char *path;
  gint64      total;   /* what every answer said, or -1 when they differed or failed */
} Reader;

static gpointer
reader_cb (gpointer data)
{
  Reader *r = data;
  g_autoptr(SoupSession) session = soup_session_new ();

  for (guint i = 0; i < 25; i++)
    {
      guint status = 0;
      g_autoptr(JsonNode) answer = mt_test_http_call (session, r->f->url, "GET", r->path, r->token, NULL, &status);

      if (status != 200 || answer == NULL)
        r->total = -1;
      else if (r->total != -1)
        {
          gint64 total = json_object_get_int_member (json_node_get_object (answer), "total");

          r->total = (r->total == 0 || r->total == total) ? total : -1;
        }
    }
  return NULL;
}

/* Lists are read on the server's reader threads: side by side they all answer, the same, while a
 * write goes on; a cell with what JSON must escape comes back as it is stored; a refused
 * session on a reader ends as it would on the writer */
static void
test_list_answers (Fixture *f, gconstpointer data)
{
  g_autofree char *admin = sign_in (f, "admin");
  g_autofree char *no = NULL;
  const char *odd = "a\"b\\c\nd\te\x01 中\x7f/";
  Reader readers[6];
  GThread *threads[6];
  guint status = 0;

  {
    g_autoptr(GError) error = NULL;
    MtDb *db = mt_db_open (f->path, &error);

    g_assert_no_error (error);
    no = mt_db_query_text (db, "SELECT device_no FROM devices ORDER BY id LIMIT 1", NULL);
    g_assert_true (mt_db_run (db, NULL, "UPDATE devices SET name = ? WHERE device_no = ?", "tt", odd, no));
    mt_db_close (db);
  }
  {
    g_autofree char *path = g_strdup_printf ("devices?search=%s", no);
    g_autoptr(JsonNode) answer = call (f, "GET", path, admin, NULL, &status);
    JsonObject *row;

    g_assert_cmpuint (status, ==, 200);
    g_assert_nonnull (answer);
    g_assert_cmpint (json_object_get_int_member (json_node_get_object (answer), "total"), ==, 1);
    g_assert_true (json_object_get_boolean_member (json_node_get_object (answer), "total_exact"));
    row = json_array_get_object_element (json_object_get_array_member (json_node_get_object (answer), "rows"), 0);
    g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (row, "cells"), "name"), ==, odd);
  }

  for (guint i = 0; i < G_N_ELEMENTS (readers); i++)
    {
      readers[i] = (Reader) { f, admin, i % 2 ? "members?limit=50&search=1" : "devices?limit=100", 0 };
      threads[i] = g_thread_new ("reader", reader_cb, &readers[i]);
    }
  /* a write meanwhile, on the writer */
  {
    g_autoptr(JsonNode) answer = call (f, "POST", "device_types", admin, "{\"name\":\"并发型号\"}", &status);
    g_assert_cmpuint (status, ==, 201);
  }
  for (guint i = 0; i < G_N_ELEMENTS (readers); i++)
    {
      g_thread_join (threads[i]);
      g_assert_cmpint (readers[i].total, >, 0);
    }
  g_assert_cmpint (readers[0].total, ==, db_int (f, "SELECT count (*) FROM devices WHERE deleted = 0"));
}

int
main (int argc, char *argv[])
{
  int ret;

  g_test_init (&argc, &argv, NULL);
#define ADD(name, fn) g_test_add ("/mt/server/" name, Fixture, NULL, fixture_set_up, fn, fixture_tear_down)
  ADD ("backup-while-writing", test_backup_while_writing);
  ADD ("track", test_track);
  ADD ("list-answers", test_list_answers);
  ADD ("sessions", test_sessions);
  ADD ("actions", test_actions);
  ADD ("bad-input", test_bad_input);
  ADD ("concurrent-versions", test_concurrent_versions);
  ADD ("change-feed-scope", test_change_feed_scope);
  ADD ("kill-during-writes", test_kill_during_writes);
  ADD ("money", test_money);
  ADD ("card-refund", test_card_refund);
  ADD ("monthly-reports", test_monthly_reports);
  ADD ("hostile/bodies", test_hostile_bodies);
  ADD ("hostile/money", test_hostile_money);
  ADD ("hostile/versions", test_hostile_versions);
  ADD ("hostile/operators", test_hostile_operators);
  ADD ("hostile/input", test_hostile_input);
  ADD ("hostile/members", test_hostile_members);
  ret = g_test_run ();
  mt_test_demo_cleanup ();
  return ret;
}
