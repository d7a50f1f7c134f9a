/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Live telemetry end to end, with real parts: mosquitto on a free port with the shipped
 * configuration and ACL, mingtang-server ingesting from it, mingtang-sim publishing a fleet
 * taken from the same database, and mosquitto_sub/mosquitto_pub watching and misbehaving. */

#include "config.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>

#include "mt-codec.h"
#include "mt-db.h"
#include "mt-error.h"
#include "mt-fences.h"
#include "mt-ingest.h"
#include "mt-ops.h"
#include "mt-perm.h"
#include "test-http.h"
#include "test-util.h"

#define SERVER_PASSWORD "server-secret"
#define SIM_PASSWORD    "sim-secret"
#define TEST_PASSWORD   "test-secret"
#define DEVICE_PASSWORD "device-secret"

/* How a test wants its parts: a TLS listener the server reaches over ssl://, a quicker sweep */
typedef struct
{
  gboolean    tls;
  const char *sweep_seconds;
} Setup;

typedef struct
{
  char         *dir;
  char         *ca;           /* with TLS: the CA's certificate */
  guint16       tls_port;
  char         *path;
  char         *broker_uri;   /* the service listener */
  char         *device_uri;   /* the device listener */
  char         *url;
  char         *watch_path;
  GSubprocess  *broker;
  GSubprocess  *server;
  GSubprocess  *sim;
  GSubprocess  *watch;
  GOutputStream *sim_control;
  SoupSession  *session;
  MtDb         *db;
  char         *admin;
  char         *devices[3];   /* the first devices of the fleet, by id */
  gint64        device_ids[3];
  const char   *sim_speedup;  /* simulated seconds per second, or NULL */
} Fixture;

/* A CA of the test's own and a certificate it signed for 127.0.0.1 (and localhost), in @dir;
 * with @name, a second CA that signed nothing of ours */
static char *
make_ca (const char *dir,
         const char *name)
{
  g_autofree char *key = g_strdup_printf ("%s/%s.key", dir, name);
  char *pem = g_strdup_printf ("%s/%s.pem", dir, name);
  const char *ca[] = { "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                       "-keyout", key, "-out", pem, "-days", "2", "-subj", "/CN=Mingtang test CA", NULL };

  mt_test_run (ca);
  return pem;
}

static void
make_certificates (Fixture *f)
{
  g_autofree char *ca_key = g_build_filename (f->dir, "ca.key", NULL);
  g_autofree char *key = g_build_filename (f->dir, "broker.key", NULL);
  g_autofree char *pem = g_build_filename (f->dir, "broker.pem", NULL);

  f->ca = make_ca (f->dir, "ca");
  {
    const char *cert[] = { "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                           "-keyout", key, "-out", pem, "-days", "2", "-subj", "/CN=127.0.0.1",
                           "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", "-addext", "basicConstraints=CA:FALSE",
                           "-CA", f->ca, "-CAkey", ca_key, NULL };
    mt_test_run (cert);
  }
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  const Setup *setup = data;
  g_autoptr(GError) error = NULL;
  const char *extra_acl = "user mingtang-test\ntopic read mt/v1/dev/#\n";
  g_autofree char *extra_conf = NULL;
  g_autofree char *tls_uri = NULL;
  const char *server_args[] = { "--broker", NULL, "--broker-user", "mingtang-server", NULL, NULL, NULL, NULL, NULL };
  guint n_args = 4;
  const char *users[16] = { "mingtang-server", SERVER_PASSWORD, "mingtang-sim", SIM_PASSWORD,
                            "mingtang-test", TEST_PASSWORD };
  sqlite3_stmt *stmt;

  f->dir = g_dir_make_tmp ("mt-telemetry-XXXXXX", NULL);
  f->path = g_build_filename (f->dir, "test.db", NULL);
  mt_test_demo_copy (f->path);
  f->db = mt_db_open (f->path, &error);
  g_assert_no_error (error);
  stmt = mt_db_prepare (f->db, NULL, "SELECT id, device_no FROM devices WHERE deleted = 0 AND state <> 'scrapped' "
                                     "ORDER BY id LIMIT 3", NULL);
  for (guint i = 0; i < 3 && sqlite3_step (stmt) == SQLITE_ROW; i++)
    {
      f->device_ids[i] = sqlite3_column_int64 (stmt, 0);
      f->devices[i] = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
      /* the first two may also connect as themselves (the ACL test) */
      if (i < 2)
        {
          users[6 + 2 * i] = f->devices[i];
          users[7 + 2 * i] = DEVICE_PASSWORD;
        }
    }
  sqlite3_reset (stmt);

  if (setup && setup->tls)
    {
      make_certificates (f);
      f->tls_port = mt_test_free_port ();
      extra_conf = g_strdup_printf ("listener %u 127.0.0.1\ncafile %s\ncertfile %s/broker.pem\nkeyfile %s/broker.key\n"
                                    "allow_anonymous false\npassword_file %s/passwd\nacl_file %s/acl\n",
                                    f->tls_port, f->ca, f->dir, f->dir, f->dir, f->dir);
    }
  f->broker = mt_test_broker_start (f->dir, users, extra_acl, extra_conf, &f->broker_uri, &f->device_uri);
  g_setenv ("MINGTANG_BROKER_PASSWORD", SERVER_PASSWORD, TRUE);
  server_args[1] = f->broker_uri;
  if (setup && setup->tls)
    {
      tls_uri = g_strdup_printf ("ssl://127.0.0.1:%u", f->tls_port);
      server_args[1] = tls_uri;
      server_args[n_args++] = "--broker-ca";
      server_args[n_args++] = f->ca;
    }
  if (setup && setup->sweep_seconds)
    {
      server_args[n_args++] = "--telemetry-sweep";
      server_args[n_args++] = setup->sweep_seconds;
    }
  f->server = mt_test_server_start_full (f->path, "127.0.0.1:0", server_args, &f->url);
  f->session = soup_session_new ();
  f->admin = mt_test_http_sign_in (f->session, f->url, "admin");
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  if (f->sim_control)
    g_output_stream_close (f->sim_control, NULL, NULL);
  mt_test_server_stop (g_steal_pointer (&f->sim));
  mt_test_server_stop (g_steal_pointer (&f->watch));
  mt_test_server_stop (g_steal_pointer (&f->server));
  mt_test_server_stop (g_steal_pointer (&f->broker));
  g_clear_object (&f->session);
  mt_db_close (f->db);
  mt_test_remove_db (f->path);
  if (f->watch_path)
    g_unlink (f->watch_path);
  for (guint i = 0; i < 3; i++)
    g_free (f->devices[i]);
  {
    const char *files[] = { "passwd", "acl", "mosquitto.conf", "ca.key", "ca.pem", "broker.key", "broker.pem",
                            "other.key", "other.pem", "services", "devices", "device-passwd", "acl.extra" };
    for (guint i = 0; i < G_N_ELEMENTS (files); i++)
      {
        g_autofree char *file = g_build_filename (f->dir, files[i], NULL);
        g_unlink (file);
      }
  }
  g_rmdir (f->dir);
  g_free (f->admin);
  g_free (f->url);
  g_free (f->broker_uri);
  g_free (f->device_uri);
  g_free (f->watch_path);
  g_free (f->ca);
  g_free (f->path);
  g_free (f->dir);
}

/* The simulator on the fleet's first @limit devices, reporting every second, with @faults */
static void
start_sim (Fixture    *f,
           guint       limit,
           const char *const *faults)
{
  g_autoptr(GSubprocessLauncher) launcher = mt_test_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE |
                                                                  G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;

  g_subprocess_launcher_setenv (launcher, "MINGTANG_SIM_PASSWORD", SIM_PASSWORD, TRUE);
  g_ptr_array_add (argv, g_strdup (g_getenv ("MINGTANG_SIM")));
  g_ptr_array_add (argv, g_strdup ("--broker"));
  g_ptr_array_add (argv, g_strdup (f->broker_uri));
  g_ptr_array_add (argv, g_strdup ("--username"));
  g_ptr_array_add (argv, g_strdup ("mingtang-sim"));
  g_ptr_array_add (argv, g_strdup ("--database"));
  g_ptr_array_add (argv, g_strdup (f->path));
  g_ptr_array_add (argv, g_strdup_printf ("--limit=%u", limit));
  g_ptr_array_add (argv, g_strdup ("--interval=1"));
  g_ptr_array_add (argv, g_strdup ("--control"));
  if (f->sim_speedup)
    g_ptr_array_add (argv, g_strdup_printf ("--speedup=%s", f->sim_speedup));
  for (guint i = 0; faults && faults[i]; i++)
    g_ptr_array_add (argv, g_strdup_printf ("--fault=%s", faults[i]));
  g_ptr_array_add (argv, NULL);
  f->sim = g_subprocess_launcher_spawnv (launcher, (const char *const *) argv->pdata, &error);
  g_assert_no_error (error);
  f->sim_control = g_subprocess_get_stdin_pipe (f->sim);
}

static void
sim_say (Fixture    *f,
         const char *line)
{
  g_autofree char *text = g_strconcat (line, "\n", NULL);

  g_assert_true (g_output_stream_write_all (f->sim_control, text, strlen (text), NULL, NULL, NULL));
  g_output_stream_flush (f->sim_control, NULL, NULL);
}

/* mosquitto_sub as the test's observer of @topic: every message, one line each, in a file */
static void
start_watch (Fixture    *f,
             const char *topic)
{
  g_autoptr(GSubprocessLauncher) launcher = mt_test_launcher_new (G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_autoptr(GError) error = NULL;
  g_autofree char *port = g_strdup (strrchr (f->broker_uri, ':') + 1);

  f->watch_path = g_build_filename (f->dir, "watch.txt", NULL);
  g_subprocess_launcher_set_stdout_file_path (launcher, f->watch_path);
  f->watch = g_subprocess_launcher_spawn (launcher, &error, "mosquitto_sub", "-h", "127.0.0.1", "-p", port,
                                          "-u", "mingtang-test", "-P", TEST_PASSWORD, "-t", topic, "-v", NULL);
  g_assert_no_error (error);
  g_usleep (G_USEC_PER_SEC / 2);   /* subscribed before anything is published */
}

static gboolean
watch_has (Fixture    *f,
           const char *text)
{
  g_autofree char *contents = NULL;

  return g_file_get_contents (f->watch_path, &contents, NULL, NULL) && strstr (contents, text) != NULL;
}

/* Waits (at most @seconds) until @text is among what the observer saw */
static void
wait_for_watch (Fixture    *f,
                const char *text,
                guint       seconds)
{
  for (guint i = 0; i < seconds * 10; i++)
    {
      if (watch_has (f, text))
        return;
      g_usleep (G_USEC_PER_SEC / 10);
    }
  g_error ("the broker never carried %s", text);
}

/* Waits (at most @seconds) until @sql (one integer) answers at least @least */
static gint64
wait_for (Fixture    *f,
          const char *sql,
          gint64      least,
          guint       seconds)
{
  gint64 v = 0;

  for (guint i = 0; i < seconds * 10; i++)
    {
      v = mt_db_query_int (f->db, -1, sql, NULL);
      if (v >= least)
        return v;
      g_usleep (G_USEC_PER_SEC / 10);
    }
  g_error ("%s stayed at %" G_GINT64_FORMAT ", below %" G_GINT64_FORMAT, sql, v, least);
}

static void
publish_as (Fixture    *f,
            const char *user,
            const char *password,
            const char *topic,
            const char *payload)
{
  /* a battery on the device listener, the rest on the service listener */
  gboolean device = strspn (user, "0123456789") == strlen (user);

  mt_test_mqtt_publish (device ? f->device_uri : f->broker_uri, user, password, topic, payload);
}

/* Telemetry updates the devices' state; an injected over-voltage raises exactly one open
 * alarm whose count grows with every report; handling it closes it */
static void
test_state_and_alarms (Fixture       *f,
                       gconstpointer  data)
{
  g_autofree char *fault = g_strdup_printf ("%s:cell_ov", f->devices[0]);
  const char *faults[] = { fault, NULL };
  g_autofree char *open_sql = g_strdup_printf ("SELECT count (*) FROM alarms WHERE device_id = %" G_GINT64_FORMAT
                                               " AND type = 'cell_ov' AND state = 'open'", f->device_ids[0]);
  g_autofree char *count_sql = g_strdup_printf ("SELECT max (count) FROM alarms WHERE device_id = %" G_GINT64_FORMAT
                                                " AND type = 'cell_ov' AND state = 'open'", f->device_ids[0]);
  g_autofree char *path = NULL;
  g_autofree char *clear = g_strdup_printf ("clear %s cell_ov", f->devices[0]);
  gint64 started = g_get_real_time (), alarm, count;
  guint status = 0;

  start_sim (f, 12, faults);
  /* every simulated battery reports: online, with its voltage, charge and position */
  {
    g_autofree char *sql = g_strdup_printf ("SELECT count (*) FROM device_status WHERE online = 1 AND last_seen > %"
                                            G_GINT64_FORMAT " AND pack_mv > 0 AND lat IS NOT NULL AND payload IS NOT NULL",
                                            started);
    wait_for (f, sql, 12, 20);
  }
  /* the simulator speaks the whole BMS page: the board's description comes with its readings */
  {
    g_autofree char *payload = mt_db_query_text (f->db, "SELECT payload FROM device_status WHERE device_id = ?", "i",
                                                 f->device_ids[1]);
    g_autoptr(GError) error = NULL;
    MtTelemetry t;

    g_assert_true (mt_telemetry_parse (payload, strlen (payload), &t, &error));
    g_assert_no_error (error);
    g_assert_true (t.chem == MT_CHEM_NMC || t.chem == MT_CHEM_LFP);
    g_assert_cmpint (t.balance_type, ==, MT_BALANCE_PASSIVE);
    g_assert_cmpint (t.n_ext, ==, 2);
    g_assert_cmpint (t.ext_dc[1], ==, MT_ABSENT);
    g_assert_cmpint (t.preheat, !=, MT_ABSENT);
    g_assert_cmpint (t.relay, !=, MT_ABSENT);
    g_assert_cmpint (t.fw_major, >=, 0);
    g_assert_cmpint (t.fw_minor, >=, 0);
    g_assert_cmpint (t.board_dc, !=, MT_ABSENT);
    g_assert_cmpint (t.charge_on, ==, 1);
    g_assert_cmpstr (t.mcu, !=, "");
    g_assert_cmpstr (t.vendor, !=, "");
    g_assert_cmpstr (t.cabinet, !=, "");
    g_assert_cmpstr (t.tower, !=, "");
    g_assert_cmpint (strlen (t.made), ==, 10);
  }
  /* one open alarm, counting the repeats */
  wait_for (f, count_sql, 3, 20);
  g_assert_cmpint (mt_db_query_int (f->db, -1, open_sql, NULL), ==, 1);
  /* the demo's own alarms of the past left aside */
  g_assert_cmpint (mt_db_query_int (f->db, -1, "SELECT count (*) FROM alarms WHERE type = 'cell_ov' AND first_at >= ?",
                                    "i", started), ==, 1);
  alarm = mt_db_query_int (f->db, 0, "SELECT id FROM alarms WHERE type = 'cell_ov' AND first_at >= ?", "i", started);
  {
    g_autofree char *alarm_no = mt_db_query_text (f->db, "SELECT alarm_no FROM alarms WHERE id = ?", "i", alarm);
    g_assert_true (g_str_has_prefix (alarm_no, "BJ"));
  }
  count = mt_db_query_int (f->db, 0, "SELECT count FROM alarms WHERE id = ?", "i", alarm);
  wait_for (f, count_sql, count + 2, 10);
  g_assert_cmpint (mt_db_query_int (f->db, -1, open_sql, NULL), ==, 1);
  /* the technicians' history: snapshots and a track. A reading that repeats the open alarm is not
   * kept whole each time: the one that opened it, the interval's, then once a minute */
  g_assert_cmpint (mt_db_query_int (f->db, 0, "SELECT count (*) FROM bms_snapshots WHERE device_id = ?", "i",
                                    f->device_ids[0]), >=, 1);
  g_assert_cmpint (mt_db_query_int (f->db, 0, "SELECT count (*) FROM bms_snapshots WHERE device_id = ?", "i",
                                    f->device_ids[0]), <=, 3);
  g_assert_cmpint (mt_db_query_int (f->db, 0, "SELECT count (*) FROM track_points WHERE device_id = ?", "i",
                                    f->device_ids[0]), >=, 3);

  /* handled: closed; the fault goes on, so a new alarm opens and counts from one */
  path = g_strdup_printf ("alarms/%" G_GINT64_FORMAT "/handle", alarm);
  {
    g_autoptr(JsonNode) answer = mt_test_http_call (f->session, f->url, "POST", path, f->admin,
                                                    "{\"note\":\"更换电芯\"}", &status);
    g_assert_cmpuint (status, ==, 204);
  }
  {
    g_autofree char *state = mt_db_query_text (f->db, "SELECT state FROM alarms WHERE id = ?", "i", alarm);
    g_autofree char *note = mt_db_query_text (f->db, "SELECT note FROM alarms WHERE id = ?", "i", alarm);
    g_assert_cmpstr (state, ==, "handled");
    g_assert_cmpstr (note, ==, "更换电芯");
  }
  {
    g_autoptr(JsonNode) answer = mt_test_http_call (f->session, f->url, "POST", path, f->admin, "{}", &status);
    g_assert_cmpuint (status, ==, 409);   /* handled once */
  }
  wait_for (f, open_sql, 1, 10);
  g_assert_cmpint (mt_db_query_int (f->db, 0, "SELECT count (*) FROM alarms WHERE type = 'cell_ov' AND first_at >= ?",
                                    "i", started), ==, 2);

  /* the fault cleared and the alarm handled: nothing opens again */
  sim_say (f, clear);
  g_usleep (G_USEC_PER_SEC * 3 / 2);
  alarm = mt_db_query_int (f->db, 0, "SELECT id FROM alarms WHERE type = 'cell_ov' AND state = 'open' AND first_at >= ?",
                           "i", started);
  g_clear_pointer (&path, g_free);
  path = g_strdup_printf ("alarms/%" G_GINT64_FORMAT "/handle", alarm);
  {
    g_autoptr(JsonNode) answer = mt_test_http_call (f->session, f->url, "POST", path, f->admin, "{}", &status);
    g_assert_cmpuint (status, ==, 204);
  }
  g_usleep (G_USEC_PER_SEC * 3);
  g_assert_cmpint (mt_db_query_int (f->db, -1, open_sql, NULL), ==, 0);
}

/* A command is acked and obeyed; one to a silent device reports no answer; who may send what */
static void
test_commands (Fixture       *f,
               gconstpointer  data)
{
  g_autofree char *offline = g_strdup_printf ("%s:offline", f->devices[2]);
  const char *faults[] = { offline, NULL };
  g_autofree char *path = g_strdup_printf ("devices/%" G_GINT64_FORMAT "/commands", f->device_ids[1]);
  g_autofree char *silent = g_strdup_printf ("devices/%" G_GINT64_FORMAT "/commands", f->device_ids[2]);
  g_autofree char *store = mt_test_http_sign_in (f->session, f->url, "store");
  g_autofree char *relay_sql = NULL;
  g_autofree char *topic = g_strdup_printf ("mt/v1/dev/%s/telemetry", f->devices[1]);
  gint64 t0, started = g_get_real_time ();
  guint status = 0;

  start_sim (f, 12, faults);
  {
    g_autofree char *sql = g_strdup_printf ("SELECT count (*) FROM device_status WHERE device_id = %" G_GINT64_FORMAT
                                            " AND online = 1 AND discharge_on = 1", f->device_ids[1]);
    wait_for (f, sql, 1, 20);
  }

  /* discharge off: acked, and the battery stops giving current */
  {
    g_autoptr(JsonNode) answer = mt_test_http_call (f->session, f->url, "POST", path, f->admin,
                                                    "{\"cmd\":\"discharge\",\"on\":false}", &status);
    g_assert_cmpuint (status, ==, 200);
    g_assert_cmpstr (json_object_get_string_member (json_node_get_object (answer), "result"), ==, "done");
  }
  relay_sql = g_strdup_printf ("SELECT count (*) FROM device_status WHERE device_id = %" G_GINT64_FORMAT
                               " AND discharge_on = 0 AND current_ma >= 0 AND last_seen > %" G_GINT64_FORMAT,
                               f->device_ids[1], g_get_real_time ());
  wait_for (f, relay_sql, 1, 10);
  g_assert_cmpint (mt_db_query_int (f->db, 0, "SELECT count (*) FROM audit_log WHERE operation = 'command-discharge' "
                                              "AND result = 'done' AND target_id = ?", "i", f->device_ids[1]), ==, 1);

  /* parameters: read back all, a value out of range refused before it is sent */
  {
    g_autoptr(JsonNode) answer = mt_test_http_call (f->session, f->url, "POST", path, f->admin,
                                                    "{\"cmd\":\"read_params\"}", &status);
    g_assert_cmpuint (status, ==, 200);
    g_assert_cmpuint (json_object_get_size (json_object_get_object_member (json_node_get_object (answer), "params")),
                      ==, MT_N_PARAMS);
  }
  {
    g_autoptr(JsonNode) answer = mt_test_http_call (f->session, f->url, "POST", path, f->admin,
                                                    "{\"cmd\":\"write_params\",\"params\":{\"cell_ov_mv\":9000}}", &status);
    g_assert_cmpuint (status, ==, 422);
    g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (json_node_get_object (answer), "error"),
                                                    "field"), ==, "cell_ov_mv");
  }
  {
    g_autoptr(JsonNode) answer = mt_test_http_call (f->session, f->url, "POST", path, f->admin,
                                                    "{\"cmd\":\"write_params\",\"params\":{\"cell_ov_mv\":4200}}", &status);
    g_assert_cmpuint (status, ==, 200);
    g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (json_node_get_object (answer), "params"),
                                                 "cell_ov_mv"), ==, 4200);
  }
  /* the latest message in full, for a connected console's BMS panel: cells and all, as reported */
  {
    g_autofree char *latest = g_strdup_printf ("devices/%" G_GINT64_FORMAT "/telemetry", f->device_ids[1]);
    g_autoptr(JsonNode) answer = mt_test_http_call (f->session, f->url, "GET", latest, f->admin, NULL, &status);
    JsonObject *o = json_node_get_object (answer);
    JsonObject *t = json_object_get_object_member (o, "telemetry");
    gint64 store_id = mt_db_query_int (f->db, 0, "SELECT store_id FROM accounts WHERE username = 'store'", NULL);
    gint64 own = mt_db_query_int (f->db, 0, "SELECT id FROM devices WHERE store_id = ? AND deleted = 0 LIMIT 1",
                                  "i", store_id);
    gint64 other = mt_db_query_int (f->db, 0, "SELECT id FROM devices WHERE store_id <> ? AND deleted = 0 LIMIT 1",
                                    "i", store_id);

    g_assert_cmpuint (status, ==, 200);
    g_assert_true (json_object_get_boolean_member (o, "online"));
    g_assert_cmpint (json_object_get_int_member (o, "received"), >, started);
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (t, "cells_mv")), >=, 1);
    g_assert_cmpint (json_object_get_int_member (t, "pack_mv"), >, 0);
    /* a store manager sees its own store's batteries only */
    g_clear_pointer (&latest, g_free);
    latest = g_strdup_printf ("devices/%" G_GINT64_FORMAT "/telemetry", own);
    {
      g_autoptr(JsonNode) mine = mt_test_http_call (f->session, f->url, "GET", latest, store, NULL, &status);
      g_assert_cmpuint (status, ==, 200);
    }
    g_clear_pointer (&latest, g_free);
    latest = g_strdup_printf ("devices/%" G_GINT64_FORMAT "/telemetry", other);
    {
      g_autoptr(JsonNode) theirs = mt_test_http_call (f->session, f->url, "GET", latest, store, NULL, &status);
      g_assert_cmpuint (status, ==, 403);
    }
    /* the lists' live state: the rows asked for that the account may see, and no others */
    g_assert_true (mt_db_run (f->db, NULL, "INSERT OR REPLACE INTO device_status (device_id, online, pack_mv, soc, "
                                           "last_seen) VALUES (?, 1, 51000, 55, ?), (?, 1, 52000, 66, ?)", "iiii",
                              own, g_get_real_time (), other, g_get_real_time ()));
    g_clear_pointer (&latest, g_free);
    latest = g_strdup_printf ("telemetry/status?ids=%" G_GINT64_FORMAT ",%" G_GINT64_FORMAT, own, other);
    {
      g_autoptr(JsonNode) mine = mt_test_http_call (f->session, f->url, "GET", latest, store, NULL, &status);
      JsonArray *rows = json_object_get_array_member (json_node_get_object (mine), "rows");

      g_assert_cmpuint (status, ==, 200);
      g_assert_cmpuint (json_array_get_length (rows), ==, 1);
      g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (rows, 0), "device_id"), ==, own);
      g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (rows, 0), "pack_mv"), ==, 51000);
    }
    {
      g_autoptr(JsonNode) all = mt_test_http_call (f->session, f->url, "GET", latest, f->admin, NULL, &status);
      g_assert_cmpuint (status, ==, 200);
      g_assert_cmpuint (json_array_get_length (json_object_get_array_member (json_node_get_object (all), "rows")), ==, 2);
    }
    {
      g_autoptr(JsonNode) bad = mt_test_http_call (f->session, f->url, "GET", "telemetry/status?ids=1,x", f->admin,
                                                   NULL, &status);
      g_assert_cmpuint (status, ==, 422);
    }
  }

  /* a store manager has no battery control */
  {
    g_autoptr(JsonNode) answer = mt_test_http_call (f->session, f->url, "POST", path, store,
                                                    "{\"cmd\":\"discharge\",\"on\":true}", &status);
    g_assert_cmpuint (status, ==, 403);
  }
  {
    g_autoptr(JsonNode) answer = mt_test_http_call (f->session, f->url, "POST", path, f->admin,
                                                    "{\"cmd\":\"self_destruct\"}", &status);
    g_assert_cmpuint (status, ==, 422);
  }

  /* a silent battery: no answer after 10 s */
  t0 = g_get_monotonic_time ();
  {
    g_autoptr(JsonNode) answer = mt_test_http_call (f->session, f->url, "POST", silent, f->admin,
                                                    "{\"cmd\":\"restart\"}", &status);
    g_assert_cmpuint (status, ==, 504);
    g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (json_node_get_object (answer), "error"),
                                                    "code"), ==, "no-answer");
  }
  g_assert_cmpint (g_get_monotonic_time () - t0, >=, 9 * G_USEC_PER_SEC);
  g_assert_cmpint (mt_db_query_int (f->db, 0, "SELECT count (*) FROM audit_log WHERE operation = 'command-restart' "
                                              "AND result = 'no_answer'", NULL), ==, 1);

  /* garbage on a device's topic is dropped and counted; the server keeps going */
  publish_as (f, "mingtang-sim", SIM_PASSWORD, topic, "{\"v\":1,\"soc\":");
  publish_as (f, "mingtang-sim", SIM_PASSWORD, topic, "{\"v\":7}");
  publish_as (f, "mingtang-sim", SIM_PASSWORD, "mt/v1/dev/NOSUCHDEVICE/telemetry",
              "{\"v\":1,\"seq\":1,\"ts\":1,\"state\":\"idle\",\"soc\":5,\"pack_mv\":1,\"current_ma\":0,\"cells_mv\":[1]}");
  for (guint i = 0; i < 50; i++)
    {
      g_autoptr(JsonNode) stats = mt_test_http_call (f->session, f->url, "GET", "telemetry/stats", f->admin, NULL, &status);
      JsonObject *o = json_node_get_object (stats);
      JsonObject *dropped = json_object_get_object_member (o, "dropped");

      g_assert_cmpuint (status, ==, 200);
      if (json_object_get_int_member (dropped, "syntax") >= 1 && json_object_get_int_member (dropped, "version") >= 1 &&
          json_object_get_int_member (o, "unknown_device") >= 1)
        break;
      g_assert_cmpuint (i, <, 49);
      g_usleep (G_USEC_PER_SEC / 10);
    }
}

/* Unrented power-cut: turning it on cuts the battery; renting turns discharge on; ending the
 * order cuts it again — as the broker carries it */
static void
test_power_policy (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *manager = mt_test_http_sign_in (f->session, f->url, "store");
  gint64 store = mt_db_query_int (f->db, 0, "SELECT store_id FROM accounts WHERE username = 'store'", NULL);
  gint64 device = mt_db_query_int (f->db, 0, "SELECT id FROM devices WHERE store_id = ? AND state = 'ready' AND "
                                             "type_id IN (SELECT type_id FROM billing_rules WHERE deleted = 0) "
                                             "ORDER BY id LIMIT 1", "i", store);
  g_autofree char *no = mt_db_query_text (f->db, "SELECT device_no FROM devices WHERE id = ?", "i", device);
  g_autofree char *off = g_strdup_printf ("mt/v1/dev/%s/cmd {\"v\":1,\"id\":", no);
  g_autofree char *cut = g_strdup_printf ("{\"ids\":[%" G_GINT64_FORMAT "],\"on\":true}", device);
  g_autofree char *rent = g_strdup_printf ("{\"store_id\":%" G_GINT64_FORMAT ",\"device_id\":%" G_GINT64_FORMAT ","
                                           "\"mobile\":\"13912345678\",\"name\":\"断电骑手\","
                                           "\"id_card\":\"11010519491231002X\",\"periods\":1,"
                                           "\"pay_method\":\"offline\"}", store, device);
  g_autofree char *end_path = NULL;
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;
  guint status = 0, offs = 0, ons = 0;
  gint64 order;

  g_assert_cmpint (device, >, 0);
  start_watch (f, "mt/v1/dev/+/cmd");
  {
    g_autoptr(JsonNode) answer = mt_test_http_call (f->session, f->url, "POST", "devices/power-cut", f->admin, cut, &status);
    g_assert_cmpuint (status, ==, 204);
  }
  wait_for_watch (f, "\"cmd\":\"discharge\",\"on\":false", 5);
  {
    g_autoptr(JsonNode) answer = mt_test_http_call (f->session, f->url, "POST", "orders", manager, rent, &status);
    g_assert_cmpuint (status, ==, 201);
    order = json_object_get_int_member (json_node_get_object (answer), "id");
  }
  wait_for_watch (f, "\"cmd\":\"discharge\",\"on\":true", 5);
  end_path = g_strdup_printf ("orders/%" G_GINT64_FORMAT "/end", order);
  {
    g_autoptr(JsonNode) answer = mt_test_http_call (f->session, f->url, "POST", end_path, manager, "{}", &status);
    g_assert_cmpuint (status, ==, 200);
  }
  /* off, on, off: in that order, all to this battery */
  for (guint i = 0; i < 50; i++)
    {
      g_clear_pointer (&contents, g_free);
      g_assert_true (g_file_get_contents (f->watch_path, &contents, NULL, NULL));
      g_clear_pointer (&lines, g_strfreev);
      lines = g_strsplit (contents, "\n", -1);
      offs = ons = 0;
      for (guint k = 0; lines[k]; k++)
        if (g_str_has_prefix (lines[k], off))
          {
            if (strstr (lines[k], "\"on\":false"))
              {
                g_assert_cmpuint (offs, ==, ons);   /* never two offs in a row */
                offs++;
              }
            else
              ons++;
          }
      if (offs == 2)
        break;
      g_usleep (G_USEC_PER_SEC / 10);
    }
  g_assert_cmpuint (offs, ==, 2);
  g_assert_cmpuint (ons, ==, 1);
}

/* The broker's ACL: a battery writes under its own number only */
static void
test_acl (Fixture       *f,
          gconstpointer  data)
{
  g_autofree char *own = g_strdup_printf ("mt/v1/dev/%s/telemetry", f->devices[0]);
  g_autofree char *other = g_strdup_printf ("mt/v1/dev/%s/telemetry", f->devices[1]);
  g_autofree char *others_cmd = g_strdup_printf ("mt/v1/dev/%s/cmd", f->devices[1]);

  start_watch (f, "mt/v1/dev/#");
  publish_as (f, f->devices[0], DEVICE_PASSWORD, other, "{\"forged\":true}");
  publish_as (f, f->devices[0], DEVICE_PASSWORD, others_cmd, "{\"forged\":true}");
  publish_as (f, f->devices[0], DEVICE_PASSWORD, own, "{\"own\":true}");
  wait_for_watch (f, "{\"own\":true}", 5);
  g_usleep (G_USEC_PER_SEC / 2);
  g_assert_false (watch_has (f, "forged"));
  /* and a wrong password gets nothing through */
  publish_as (f, f->devices[1], "wrong", other, "{\"intruder\":true}");
  publish_as (f, f->devices[0], DEVICE_PASSWORD, own, "{\"again\":true}");
  wait_for_watch (f, "{\"again\":true}", 5);
  g_assert_false (watch_has (f, "intruder"));
}

/* The devices named in the commands the observer saw that set discharge to @on */
static GHashTable *
watched_commands (Fixture  *f,
                  gboolean  on)
{
  GHashTable *devices = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;
  const char *wanted = on ? "\"cmd\":\"discharge\",\"on\":true" : "\"cmd\":\"discharge\",\"on\":false";

  if (!g_file_get_contents (f->watch_path, &contents, NULL, NULL))
    return devices;
  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    if (g_str_has_prefix (lines[i], "mt/v1/dev/") && strstr (lines[i], wanted))
      {
        const char *no = lines[i] + strlen ("mt/v1/dev/");
        const char *end = strchr (no, '/');

        if (end != NULL)
          g_hash_table_add (devices, g_strndup (no, end - no));
      }
  return devices;
}

/* Rentals changed behind the server's back (another process writing the database: a restore,
 * a console's sync, a script) reach the batteries through the journal: the sweep reads the
 * changed devices again and tells each its new discharge state; a whole fleet at once is paced
 * through the policy queue without losing one */
static void
test_journal_policy (Fixture       *f,
                     gconstpointer  data)
{
  gint64 device = mt_db_query_int (f->db, 0, "SELECT id FROM devices WHERE state <> 'rented' AND deleted = 0 AND "
                                             "power_cut_unrented = 0 ORDER BY id LIMIT 1", NULL);
  g_autofree char *no = mt_db_query_text (f->db, "SELECT device_no FROM devices WHERE id = ?", "i", device);
  g_autofree char *off = g_strdup_printf ("mt/v1/dev/%s/cmd {\"v\":1,\"id\":", no);
  gint64 fleet;

  g_assert_cmpint (device, >, 0);
  start_watch (f, "mt/v1/dev/+/cmd");
  /* one battery's unrented power-cut turned on in the database itself */
  g_assert_true (mt_db_run (f->db, NULL, "UPDATE devices SET power_cut_unrented = 1, version = version + 1 "
                                         "WHERE id = ?", "i", device));
  wait_for_watch (f, off, 5);
  {
    g_autoptr(GHashTable) offs = watched_commands (f, FALSE);
    g_autoptr(GHashTable) ons = watched_commands (f, TRUE);

    g_assert_true (g_hash_table_contains (offs, no));
    g_assert_cmpuint (g_hash_table_size (offs), ==, 1);
    g_assert_cmpuint (g_hash_table_size (ons), ==, 0);
  }
  /* and off again: told to discharge */
  g_assert_true (mt_db_run (f->db, NULL, "UPDATE devices SET power_cut_unrented = 0, version = version + 1 "
                                         "WHERE id = ?", "i", device));
  for (guint i = 0; i < 50; i++)
    {
      g_autoptr(GHashTable) ons = watched_commands (f, TRUE);

      if (g_hash_table_contains (ons, no))
        break;
      g_usleep (G_USEC_PER_SEC / 10);
    }
  {
    g_autoptr(GHashTable) ons = watched_commands (f, TRUE);
    g_assert_true (g_hash_table_contains (ons, no));
  }

  /* the whole fleet cut at once (more batteries than the commands paho is given at a time):
   * every one is told, none twice */
  {
    sqlite3_stmt *stmt;

    g_autoptr(GPtrArray) cleared = g_ptr_array_new_with_free_func (g_free);

    /* every battery the demo cut while unrented running again first (told so), so that the
     * whole fleet changes at the cut */
    stmt = mt_db_prepare (f->db, NULL, "SELECT device_no FROM devices WHERE deleted = 0 AND power_cut_unrented = 1 "
                                       "AND state NOT IN ('rented', 'scrapped')", NULL);
    while (sqlite3_step (stmt) == SQLITE_ROW)
      g_ptr_array_add (cleared, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
    sqlite3_reset (stmt);
    g_assert_true (mt_db_run (f->db, NULL, "UPDATE devices SET power_cut_unrented = 0, version = version + 1 "
                                           "WHERE deleted = 0 AND power_cut_unrented = 1", NULL));
    for (guint i = 0, told = 0; i < 300 && !told; i++)
      {
        g_autoptr(GHashTable) ons = watched_commands (f, TRUE);

        told = TRUE;
        for (guint k = 0; k < cleared->len && told; k++)
          told = g_hash_table_contains (ons, cleared->pdata[k]);
        if (!told)
          g_usleep (G_USEC_PER_SEC / 10);
      }
    stmt = mt_db_prepare (f->db, NULL, "SELECT id FROM devices WHERE deleted = 0", NULL);
    fleet = 0;
    while (sqlite3_step (stmt) == SQLITE_ROW)
      fleet += mt_device_discharge_allowed (f->db, sqlite3_column_int64 (stmt, 0));   /* those that change */
    sqlite3_reset (stmt);
  }
  g_assert_true (mt_db_run (f->db, NULL, "UPDATE orders SET power_cut = 1, version = version + 1 "
                                         "WHERE state IN ('active', 'overdue') AND deleted = 0 AND power_cut = 0", NULL));
  g_assert_true (mt_db_run (f->db, NULL, "UPDATE devices SET power_cut_unrented = 1, version = version + 1 "
                                         "WHERE deleted = 0 AND power_cut_unrented = 0", NULL));
  g_assert_cmpint (fleet, >, 256);
  /* past paho's 256 in flight the rest go as the first are answered or time out (10 s) */
  for (guint i = 0; i < 300; i++)
    {
      g_autoptr(GHashTable) offs = watched_commands (f, FALSE);

      if (g_hash_table_size (offs) >= (guint) fleet)
        break;
      g_usleep (G_USEC_PER_SEC / 10);
    }
  {
    g_autoptr(GHashTable) offs = watched_commands (f, FALSE);
    g_autofree char *contents = NULL;
    guint lines = 0;

    g_assert_cmpuint (g_hash_table_size (offs), ==, fleet);
    g_assert_true (g_file_get_contents (f->watch_path, &contents, NULL, NULL));
    for (const char *p = contents; (p = strstr (p, "\"on\":false")) != NULL; p++)
      lines++;
    g_assert_cmpuint (lines, ==, fleet + 1);   /* the first battery twice: cut, then cut again */
  }
}

/* Over TLS: the server reaches the broker on its ssl:// listener, checking the certificate
 * against the CA it was given, and ingests as over TCP; a server given another CA refuses
 * the broker and stores nothing */
static void
test_tls (Fixture       *f,
          gconstpointer  data)
{
  g_autofree char *topic = g_strdup_printf ("mt/v1/dev/%s/telemetry", f->devices[0]);
  g_autofree char *port = g_strdup_printf ("%u", f->tls_port);
  g_autofree char *sql = g_strdup_printf ("SELECT count (*) FROM device_status WHERE device_id = %" G_GINT64_FORMAT
                                          " AND pack_mv = 53170 AND online = 1", f->device_ids[0]);
  g_autofree char *payload = NULL;
  g_autofree char *other_ca = make_ca (f->dir, "other");
  g_autofree char *other_uri = g_strdup_printf ("ssl://127.0.0.1:%u", f->tls_port);
  g_autofree char *other_db = g_build_filename (f->dir, "other.db", NULL);
  g_autofree char *other_url = NULL;
  const char *other_args[] = { "--broker", other_uri, "--broker-user", "mingtang-server", "--broker-ca", other_ca, NULL };
  g_autoptr(GSubprocess) other = NULL;
  g_autoptr(JsonNode) stats = NULL;
  guint status = 0;

  payload = g_strdup_printf ("{\"v\":1,\"seq\":7,\"ts\":%" G_GINT64_FORMAT ",\"state\":\"discharging\",\"soc\":64,"
                             "\"pack_mv\":53170,\"current_ma\":-1200,\"cells_mv\":[3323,3322,3324,3321,3323,3322,3324,"
                             "3321,3323,3322,3324,3321,3323,3322,3324,3321],\"temps_dc\":[251,252],\"board_dc\":260,"
                             "\"remaining_mah\":35200,\"nominal_mah\":55000,\"cycles\":88,\"charge_on\":true,"
                             "\"discharge_on\":true,\"prot\":[],\"balancing\":[]}", g_get_real_time () / 1000);
  /* a battery talks TLS too: mosquitto_pub with the CA */
  {
    const char *argv[] = { "mosquitto_pub", "-h", "127.0.0.1", "-p", port, "--cafile", f->ca, "-u", "mingtang-sim",
                           "-P", SIM_PASSWORD, "-q", "1", "-t", topic, "-m", payload, NULL };
    for (guint i = 0; i < 50 && mt_db_query_int (f->db, 0, sql, NULL) == 0; i++)
      {
        if (i % 10 == 0)
          mt_test_run (argv);   /* again, should the server not have subscribed yet */
        g_usleep (G_USEC_PER_SEC / 10);
      }
  }
  g_assert_cmpint (mt_db_query_int (f->db, 0, sql, NULL), ==, 1);
  stats = mt_test_http_call (f->session, f->url, "GET", "telemetry/stats", f->admin, NULL, &status);
  g_assert_cmpuint (status, ==, 200);
  g_assert_true (json_object_get_boolean_member (json_node_get_object (stats), "connected"));

  /* a server trusting another CA: never connected */
  mt_test_demo_copy (other_db);
  other = mt_test_server_start_full (other_db, "127.0.0.1:0", other_args, &other_url);
  g_usleep (G_USEC_PER_SEC * 2);
  {
    g_autofree char *token = mt_test_http_sign_in (f->session, other_url, "admin");
    g_autoptr(JsonNode) answer = mt_test_http_call (f->session, other_url, "GET", "telemetry/stats", token, NULL, &status);

    g_assert_cmpuint (status, ==, 200);
    g_assert_false (json_object_get_boolean_member (json_node_get_object (answer), "connected"));
    g_assert_cmpint (json_object_get_int_member (json_node_get_object (answer), "received"), ==, 0);
  }
  mt_test_server_stop (g_steal_pointer (&other));
  mt_test_remove_db (other_db);
}

/* A battery driven out of its fence by the simulator raises one 超出电子围栏 alarm, not one per
 * report; back in and out again, the same alarm counts two. The fence and its assignment go
 * through the server's API, and the link checks them at once. */
static void
test_geofence (Fixture       *f,
               gconstpointer  data)
{
  const char *no = f->devices[0];
  gint64 device = f->device_ids[0];
  g_autofree char *say_return = g_strdup_printf ("return %s", no);
  g_autofree char *say_leave = g_strdup_printf ("fault %s leave_city", no);
  g_autofree char *say_clear = g_strdup_printf ("clear %s leave_city", no);
  g_autofree char *alarms_sql = g_strdup_printf ("SELECT count (*) FROM alarms WHERE device_id = %" G_GINT64_FORMAT
                                                 " AND type = 'geofence'", device);
  g_autofree char *count_sql = g_strdup_printf ("SELECT coalesce (max (count), 0) FROM alarms WHERE device_id = %"
                                                G_GINT64_FORMAT " AND type = 'geofence' AND state = 'open'", device);
  g_autofree char *fix_sql = NULL, *home_sql = NULL, *body = NULL, *assign = NULL, *geojson = NULL;
  gint64 started = g_get_real_time (), fence, others;
  double lat, lng;
  guint status = 0;

  others = mt_db_query_int (f->db, -1, "SELECT count (*) FROM alarms WHERE type = 'geofence' AND state = 'open'", NULL);
  f->sim_speedup = "10";   /* 60 km/h out of town: 167 m a report */
  start_sim (f, 3, NULL);
  sim_say (f, say_return);   /* parked: it stays where it is until the fault */
  fix_sql = g_strdup_printf ("SELECT count (*) FROM device_status WHERE device_id = %" G_GINT64_FORMAT
                             " AND last_seen > %" G_GINT64_FORMAT " AND lat IS NOT NULL", device, started);
  wait_for (f, fix_sql, 1, 20);
  g_usleep (G_USEC_PER_SEC * 3 / 2);
  lat = mt_db_query_double (f->db, 0, "SELECT lat FROM device_status WHERE device_id = ?", "i", device);
  lng = mt_db_query_double (f->db, 0, "SELECT lng FROM device_status WHERE device_id = ?", "i", device);

  /* a 500 m circle around where it stands, for its operator, through the API */
  {
    g_autoptr(MtFence) circle = mt_fence_new_circle ((MtGeoPoint) { lat, lng }, 500);
    g_autoptr(JsonBuilder) b = json_builder_new ();
    g_autoptr(JsonNode) root = NULL;
    g_autoptr(JsonNode) answer = NULL;

    geojson = mt_fence_to_geojson (circle);
    json_builder_begin_object (b);
    json_builder_set_member_name (b, "operator_id");
    json_builder_add_int_value (b, mt_db_query_int (f->db, 0, "SELECT operator_id FROM devices WHERE id = ?", "i", device));
    json_builder_set_member_name (b, "name");
    json_builder_add_string_value (b, "停车场");
    json_builder_set_member_name (b, "alarm_on");
    json_builder_add_string_value (b, "exit");
    json_builder_set_member_name (b, "geojson");
    json_builder_add_string_value (b, geojson);
    json_builder_end_object (b);
    root = json_builder_get_root (b);
    body = json_to_string (root, FALSE);
    answer = mt_test_http_call (f->session, f->url, "POST", "geofences", f->admin, body, &status);
    g_assert_cmpuint (status, ==, 201);
    fence = json_object_get_int_member (json_node_get_object (answer), "id");
  }
  assign = g_strdup_printf ("geofences/%" G_GINT64_FORMAT "/assign", fence);
  {
    g_autoptr(JsonNode) answer = mt_test_http_call (f->session, f->url, "POST", assign, f->admin, "{\"ids\":[]}", &status);
    g_assert_cmpuint (status, ==, 422);   /* nothing to assign */
  }
  {
    g_autoptr(JsonNode) answer = mt_test_http_call (f->session, f->url, "POST", assign, f->admin, "{\"ids\":[\"x\"]}",
                                                    &status);
    g_assert_cmpuint (status, ==, 422);
  }
  {
    g_autofree char *ids = g_strdup_printf ("{\"ids\":[%" G_GINT64_FORMAT "]}", device);
    g_autoptr(JsonNode) answer = mt_test_http_call (f->session, f->url, "POST", assign, f->admin, ids, &status);

    g_assert_cmpuint (status, ==, 200);
    g_assert_cmpint (json_object_get_int_member (json_node_get_object (answer), "assigned"), ==, 1);
  }
  /* parked inside: nothing */
  g_usleep (G_USEC_PER_SEC * 2);
  g_assert_cmpint (mt_db_query_int (f->db, -1, alarms_sql, NULL), ==, 0);

  /* out of town: one alarm, and it does not count on while the battery stays out */
  sim_say (f, say_leave);
  wait_for (f, count_sql, 1, 20);
  g_usleep (G_USEC_PER_SEC * 3);
  g_assert_cmpint (mt_db_query_int (f->db, -1, count_sql, NULL), ==, 1);
  g_assert_cmpint (mt_db_query_int (f->db, -1, alarms_sql, NULL), ==, 1);
  g_assert_cmpfloat (mt_db_query_double (f->db, 0, "SELECT value FROM alarms WHERE device_id = ? AND type = 'geofence'",
                                         "i", device), >=, 50);   /* metres past the border */

  /* home again (the fault cleared), then out again: the same alarm, counted twice */
  sim_say (f, say_clear);
  home_sql = g_strdup_printf ("SELECT count (*) FROM device_status WHERE device_id = %" G_GINT64_FORMAT
                              " AND abs (lng - %.7f) < 0.002 AND abs (lat - %.7f) < 0.002", device, lng, lat);
  wait_for (f, home_sql, 1, 20);
  g_usleep (G_USEC_PER_SEC);
  g_assert_cmpint (mt_db_query_int (f->db, -1, count_sql, NULL), ==, 1);
  sim_say (f, say_leave);
  wait_for (f, count_sql, 2, 20);
  g_assert_cmpint (mt_db_query_int (f->db, -1, alarms_sql, NULL), ==, 1);
  /* and nothing for the batteries that stayed in their own fences */
  g_assert_cmpint (mt_db_query_int (f->db, -1, "SELECT count (*) FROM alarms WHERE type = 'geofence' AND "
                                              "state = 'open' AND device_id <> ?", "i", device), ==, others);
}

/* The link's counter @name (GET telemetry/stats) */
static gint64
link_stat (Fixture    *f,
           const char *name)
{
  guint status = 0;
  g_autoptr(JsonNode) stats = mt_test_http_call (f->session, f->url, "GET", "telemetry/stats", f->admin, NULL, &status);

  g_assert_cmpuint (status, ==, 200);
  return json_object_get_int_member (json_node_get_object (stats), name);
}

/* Waits until the counter @name reaches @at_least */
static void
wait_for_stat (Fixture    *f,
               const char *name,
               gint64      at_least,
               guint       seconds)
{
  gint64 end = g_get_monotonic_time () + seconds * G_USEC_PER_SEC;

  while (link_stat (f, name) < at_least && g_get_monotonic_time () < end)
    g_usleep (G_USEC_PER_SEC / 10);
  g_assert_cmpint (link_stat (f, name), >=, at_least);
}

/* A reading of @device as JSON */
static char *
reading (guint32 seq,
         gint64  ts_ms,
         int     soc)
{
  MtTelemetry t;

  mt_telemetry_init (&t);
  t.seq = seq;
  t.ts_ms = ts_ms;
  t.state = MT_BMS_IDLE;
  t.soc = soc;
  t.pack_mv = 52000;
  t.current_ma = 0;
  t.n_cells = 16;
  for (int k = 0; k < 16; k++)
    t.cells_mv[k] = 3250;
  return mt_telemetry_to_json (&t);
}

/* Issue 14, 8: what hostile devices and gateways send. Retained readings are refused and taken
 * off the broker (a status may stay); an older reading never becomes the latest state; made-up
 * device numbers cost bounded memory */
static void
test_hostile_devices (Fixture       *f,
                      gconstpointer  data)
{
  g_autofree char *topic = g_strdup_printf ("mt/v1/dev/%s/telemetry", f->devices[2]);
  g_autofree char *status_topic = g_strdup_printf ("mt/v1/dev/%s/status", f->devices[2]);
  g_autofree char *soc_sql = g_strdup_printf ("SELECT soc FROM device_status WHERE device_id = %" G_GINT64_FORMAT,
                                              f->device_ids[2]);
  gint64 now_ms = g_get_real_time () / 1000;
  g_autoptr(GPtrArray) topics = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) payloads = g_ptr_array_new_with_free_func (g_free);

  /* the server's subscription in place first (a plain reading it stores): a retained one sent
   * before would reach it replayed, as retained, and be refused */
  g_ptr_array_add (topics, g_strdup (topic));
  g_ptr_array_add (payloads, reading (6, now_ms - 1, 41));
  for (guint i = 0; i < 100 && mt_db_query_int (f->db, -1, soc_sql, NULL) != 41; i++)
    {
      if (i % 10 == 0)   /* sent again each second until the server has it */
        mt_test_mqtt_publish_many (f->broker_uri, "mingtang-sim", SIM_PASSWORD, topics, payloads, FALSE);
      g_usleep (G_USEC_PER_SEC / 10);
    }
  g_assert_cmpint (mt_db_query_int (f->db, -1, soc_sql, NULL), ==, 41);
  g_ptr_array_set_size (topics, 0);
  g_ptr_array_set_size (payloads, 0);

  /* a retained reading: taken live (subscribers get it as any reading), but a server that
   * connects afterwards gets it replayed as retained: refused, and taken off the broker */
  g_ptr_array_add (topics, g_strdup (topic));
  g_ptr_array_add (payloads, reading (7, now_ms, 42));
  mt_test_mqtt_publish_many (f->broker_uri, "mingtang-sim", SIM_PASSWORD, topics, payloads, TRUE);
  wait_for (f, soc_sql, 42, 10);
  {
    g_autofree char *other_db = g_build_filename (f->dir, "other.db", NULL);
    g_autofree char *other_url = NULL, *token = NULL;
    const char *other_args[] = { "--broker", f->broker_uri, "--broker-user", "mingtang-server", NULL };
    g_autoptr(GSubprocess) other = NULL;
    g_autoptr(JsonNode) answer = NULL;
    guint status = 0;
    gint64 end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

    mt_test_demo_copy (other_db);
    other = mt_test_server_start_full (other_db, "127.0.0.1:0", other_args, &other_url);
    token = mt_test_http_sign_in (f->session, other_url, "admin");
    do
      {
        g_clear_pointer (&answer, json_node_unref);
        g_usleep (G_USEC_PER_SEC / 10);
        answer = mt_test_http_call (f->session, other_url, "GET", "telemetry/stats", token, NULL, &status);
      }
    while (json_object_get_int_member (json_node_get_object (answer), "retained") < 1 && g_get_monotonic_time () < end);
    g_assert_cmpint (json_object_get_int_member (json_node_get_object (answer), "retained"), ==, 1);
    g_assert_cmpint (json_object_get_int_member (json_node_get_object (answer), "stored"), ==, 0);
    mt_test_server_stop (g_steal_pointer (&other));
    mt_test_remove_db (other_db);
  }
  {
    g_autofree char *port = g_strdup (strrchr (f->broker_uri, ':') + 1);
    const char *argv[] = { "mosquitto_sub", "-h", "127.0.0.1", "-p", port, "-u", "mingtang-test", "-P", TEST_PASSWORD,
                           "-t", topic, "--retained-only", "-W", "2", NULL };
    g_autoptr(GSubprocess) sub = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE, NULL);
    g_autofree char *out = NULL;

    g_assert_true (g_subprocess_communicate_utf8 (sub, NULL, NULL, &out, NULL, NULL));
    g_assert_cmpstr (out, ==, "");
  }
  /* a retained status is what status is for */
  g_ptr_array_set_size (topics, 0);
  g_ptr_array_set_size (payloads, 0);
  g_ptr_array_add (topics, g_strdup (status_topic));
  g_ptr_array_add (payloads, mt_status_to_json (TRUE, now_ms));
  mt_test_mqtt_publish_many (f->broker_uri, "mingtang-sim", SIM_PASSWORD, topics, payloads, TRUE);
  g_usleep (G_USEC_PER_SEC / 2);
  g_assert_cmpint (link_stat (f, "retained"), ==, 0);

  /* the latest reading, then an older one (sequence and clock): the older stays history */
  g_ptr_array_set_size (topics, 0);
  g_ptr_array_set_size (payloads, 0);
  g_ptr_array_add (topics, g_strdup (topic));
  g_ptr_array_add (topics, g_strdup (topic));
  g_ptr_array_add (payloads, reading (100, now_ms, 55));
  g_ptr_array_add (payloads, reading (50, now_ms - 60000, 11));
  mt_test_mqtt_publish_many (f->broker_uri, "mingtang-sim", SIM_PASSWORD, topics, payloads, FALSE);
  wait_for_stat (f, "stale", 1, 10);
  g_assert_cmpint (mt_db_query_int (f->db, -1, soc_sql, NULL), ==, 55);
  /* a device that restarted counts from 1 again, with a newer clock: taken */
  g_ptr_array_set_size (topics, 1);
  g_ptr_array_set_size (payloads, 0);
  g_ptr_array_add (payloads, reading (1, now_ms + 5000, 66));
  mt_test_mqtt_publish_many (f->broker_uri, "mingtang-sim", SIM_PASSWORD, topics, payloads, FALSE);
  wait_for (f, soc_sql, 66, 10);

  /* twelve thousand device numbers nobody has: each dropped, at most 10,000 remembered */
  g_ptr_array_set_size (topics, 0);
  g_ptr_array_set_size (payloads, 0);
  for (guint i = 0; i < 12000; i++)
    g_ptr_array_add (topics, g_strdup_printf ("mt/v1/dev/FAKE%06u/telemetry", i));
  g_ptr_array_add (payloads, reading (1, now_ms, 50));
  mt_test_mqtt_publish_many (f->broker_uri, "mingtang-sim", SIM_PASSWORD, topics, payloads, FALSE);
  wait_for_stat (f, "unknown_device", 12000, 30);
  g_assert_cmpint (link_stat (f, "unknown_cached"), <=, 10000);
  g_assert_cmpint (link_stat (f, "unknown_cached"), >, 0);
}

/* Issue 14, 8: a battery signed in with its own password cannot take another's client id: the
 * device listener makes the user name the client id, so the other battery stays connected and its
 * offline will is not published. Device accounts do not open the service listener. */
static void
test_client_id (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *port = g_strdup (strrchr (f->device_uri, ':') + 1);
  g_autofree char *service_port = g_strdup (strrchr (f->broker_uri, ':') + 1);
  g_autofree char *victim_status = g_strdup_printf ("mt/v1/dev/%s/status", f->devices[1]);
  g_autofree char *victim_cmd = g_strdup_printf ("mt/v1/dev/%s/cmd", f->devices[1]);
  g_autofree char *own_status = g_strdup_printf ("mt/v1/dev/%s/status", f->devices[0]);
  const char *victim_argv[] = { "mosquitto_sub", "-h", "127.0.0.1", "-p", port, "-u", f->devices[1], "-P", DEVICE_PASSWORD,
                                "-i", f->devices[1], "-t", victim_cmd, "--will-topic", victim_status,
                                "--will-payload", "{\"v\":1,\"online\":false,\"taken\":true}", "--will-qos", "1", NULL };
  const char *thief_argv[] = { "mosquitto_pub", "-h", "127.0.0.1", "-p", port, "-u", f->devices[0], "-P", DEVICE_PASSWORD,
                               "-i", f->devices[1], "-q", "1", "-t", own_status, "-m", "{\"v\":1,\"online\":true,\"thief\":1}",
                               NULL };
  const char *wrong_door[] = { "mosquitto_pub", "-h", "127.0.0.1", "-p", service_port, "-u", f->devices[0], "-P",
                               DEVICE_PASSWORD, "-q", "1", "-t", own_status, "-m", "{\"v\":1,\"online\":true}", NULL };
  g_autoptr(GSubprocess) victim = NULL;
  g_autoptr(GSubprocess) door = NULL;
  g_autoptr(GError) error = NULL;

  start_watch (f, "mt/v1/dev/#");
  victim = g_subprocess_newv (victim_argv, G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error);
  g_assert_no_error (error);
  g_usleep (G_USEC_PER_SEC);
  mt_test_run (thief_argv);
  wait_for_watch (f, "\"thief\":1", 5);
  g_usleep (G_USEC_PER_SEC);
  g_assert_false (watch_has (f, "\"taken\":true"));
  g_assert_nonnull (g_subprocess_get_identifier (victim));   /* still connected: not ended by a takeover */
  /* and a battery's account is no service account */
  door = g_subprocess_newv (wrong_door, G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error);
  g_assert_no_error (error);
  g_assert_false (g_subprocess_wait_check (door, NULL, NULL));
  g_subprocess_force_exit (victim);
  g_subprocess_wait (victim, NULL, NULL);
}

/* mingtang-server as the devices' credential issuer: a new password per device, printed once;
 * the broker's device password file written from the hashes; after a reload the device signs in
 * with it, and once its password is issued again, no longer with the old one */
static char *
issue_password (Fixture    *f,
                const char *device_no)
{
  const char *argv[] = { g_getenv ("MINGTANG_SERVER"), "device-credentials", "--database", f->path, device_no, NULL };
  g_autoptr(GSubprocess) p = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE, NULL);
  g_autofree char *out = NULL;
  g_auto(GStrv) words = NULL;

  g_assert_true (g_subprocess_communicate_utf8 (p, NULL, NULL, &out, NULL, NULL));
  g_assert_true (g_subprocess_get_successful (p));
  words = g_strsplit (g_strstrip (out), " ", 2);
  g_assert_cmpstr (words[0], ==, device_no);
  g_assert_cmpuint (strlen (words[1]), ==, 24);
  return g_strdup (words[1]);
}

static void
reload_device_passwords (Fixture *f)
{
  g_autofree char *devices = g_build_filename (f->dir, "devices", NULL);
  g_autofree char *script = g_build_filename (g_getenv ("MT_SOURCE_ROOT"), "build-aux", "broker.sh", NULL);
  const char *write[] = { g_getenv ("MINGTANG_SERVER"), "broker-passwords", "--database", f->path, "--output", devices, NULL };
  const char *conf[] = { "bash", script, f->dir, strrchr (f->broker_uri, ':') + 1, strrchr (f->device_uri, ':') + 1, NULL };

  mt_test_run (write);
  mt_test_run (conf);
  g_subprocess_send_signal (f->broker, SIGHUP);
  g_usleep (G_USEC_PER_SEC / 2);
}

static gboolean
device_publishes (Fixture    *f,
                  const char *device_no,
                  const char *password)
{
  g_autofree char *port = g_strdup (strrchr (f->device_uri, ':') + 1);
  g_autofree char *topic = g_strdup_printf ("mt/v1/dev/%s/status", device_no);
  const char *argv[] = { "mosquitto_pub", "-h", "127.0.0.1", "-p", port, "-u", device_no, "-P", password, "-q", "1",
                         "-t", topic, "-m", "{\"v\":1,\"online\":true}", NULL };
  g_autoptr(GSubprocess) p = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE, NULL);

  return g_subprocess_wait_check (p, NULL, NULL);
}

static void
test_credentials (Fixture       *f,
                  gconstpointer  data)
{
  g_autofree char *first = issue_password (f, f->devices[2]);
  g_autofree char *second = NULL;
  g_autofree char *file = NULL;
  g_autofree char *devices = g_build_filename (f->dir, "devices", NULL);

  g_assert_false (device_publishes (f, f->devices[2], first));   /* not in the broker's file yet */
  reload_device_passwords (f);
  g_assert_true (device_publishes (f, f->devices[2], first));
  g_assert_false (device_publishes (f, f->devices[2], "wrong-password"));
  /* the file holds hashes only, never the password */
  g_assert_true (g_file_get_contents (devices, &file, NULL, NULL));
  g_assert_null (strstr (file, first));
  g_assert_nonnull (strstr (file, "$7$101$"));
  /* rotated: the old password no longer opens the broker */
  second = issue_password (f, f->devices[2]);
  g_assert_cmpstr (first, !=, second);
  reload_device_passwords (f);
  g_assert_true (device_publishes (f, f->devices[2], second));
  g_assert_false (device_publishes (f, f->devices[2], first));
  g_assert_cmpint (mt_db_query_int (f->db, 0, "SELECT count (*) FROM audit_log WHERE operation = 'credentials'", NULL),
                   ==, 2);
}

/* The store end's power rights: a store manager cuts and restores its own batteries' power
 * (the discharge relay) and sets the unrented power-cut when its operator holds the
 * capabilities; without them, or outside its store, or as a role without the right, refused */
static void
test_power_rights (void)
{
  g_autofree char *dir = g_dir_make_tmp ("mt-power-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "test.db", NULL);
  g_autoptr(GError) error = NULL;
  MtDb *db;
  gint64 store_id, own, other, operator_id;
  guint64 caps;

  mt_test_demo_copy (path);
  db = mt_db_open (path, &error);
  g_assert_no_error (error);
  store_id = mt_db_query_int (db, 0, "SELECT store_id FROM accounts WHERE username = 'store'", NULL);
  operator_id = mt_db_query_int (db, 0, "SELECT operator_id FROM stores WHERE id = ?", "i", store_id);
  own = mt_db_query_int (db, 0, "SELECT id FROM devices WHERE store_id = ? AND deleted = 0 LIMIT 1", "i", store_id);
  other = mt_db_query_int (db, 0, "SELECT id FROM devices WHERE store_id <> ? AND deleted = 0 LIMIT 1", "i", store_id);
  /* the store's operator (and its parents) with both capabilities to begin with */
  g_assert_true (mt_db_run (db, NULL, "UPDATE operators SET caps = caps | ? WHERE (SELECT path FROM operators "
                                      "WHERE id = ?2) LIKE path || '%'", "ii",
                            (gint64) (MT_CAP_BMS_CONTROL | MT_CAP_UNRENTED_POWER_CUT), operator_id));
  caps = (guint64) mt_db_query_int (db, 0, "SELECT caps FROM operators WHERE id = ?", "i", operator_id);
  g_assert_true ((caps & (MT_CAP_BMS_CONTROL | MT_CAP_UNRENTED_POWER_CUT)) == (MT_CAP_BMS_CONTROL | MT_CAP_UNRENTED_POWER_CUT));

  for (guint pass = 0; pass < 2; pass++)
    {
      gint64 id = mt_db_query_int (db, 0, "SELECT id FROM accounts WHERE username = 'store'", NULL);
      g_autoptr(MtActor) manager = mt_actor_load (db, id, &error);
      g_autoptr(MtActor) tech = mt_actor_load (db, mt_db_query_int (db, 0, "SELECT id FROM accounts WHERE username = 'tech'",
                                                                    NULL), &error);
      g_autofree char *device_no = NULL;
      gboolean ok;

      g_assert_no_error (error);
      g_assert_true (mt_actor_can (manager, "devices", "power"));
      g_assert_false (mt_actor_can (manager, "devices", "edit"));
      g_assert_false (mt_actor_can (manager, "bms", "control"));
      ok = mt_command_authorize (db, manager, own, MT_CMD_DISCHARGE, &device_no, &error);
      if (pass == 0)
        {
          /* the capabilities held: its own battery's power, cut and restored, and the policy */
          g_assert_no_error (error);
          g_assert_true (ok);
          g_assert_nonnull (device_no);
          g_assert_true (mt_devices_set_power_cut (db, manager, &own, 1, TRUE, &error));
          g_assert_no_error (error);
          g_assert_cmpint (mt_db_query_int (db, -1, "SELECT power_cut_unrented FROM devices WHERE id = ?", "i", own), ==, 1);
          g_assert_true (mt_devices_set_power_cut (db, manager, &own, 1, FALSE, &error));
          g_assert_no_error (error);
          /* not another store's, and not the other relay nor the board */
          g_assert_false (mt_command_authorize (db, manager, other, MT_CMD_DISCHARGE, NULL, &error));
          g_assert_error (error, MT_ERROR, MT_ERROR_FORBIDDEN);
          g_clear_error (&error);
          g_assert_false (mt_devices_set_power_cut (db, manager, &other, 1, TRUE, &error));
          g_assert_nonnull (error);
          g_clear_error (&error);
          g_assert_false (mt_command_authorize (db, manager, own, MT_CMD_CHARGE, NULL, &error));
          g_assert_error (error, MT_ERROR, MT_ERROR_FORBIDDEN);
          g_clear_error (&error);
          g_assert_false (mt_command_authorize (db, manager, own, MT_CMD_RESTART, NULL, &error));
          g_assert_error (error, MT_ERROR, MT_ERROR_FORBIDDEN);
          g_clear_error (&error);
          /* a technician has the relays through BMS control, but not the unrented policy */
          g_assert_false (mt_devices_set_power_cut (db, tech, &own, 1, TRUE, &error));
          g_assert_error (error, MT_ERROR, MT_ERROR_FORBIDDEN);
          g_clear_error (&error);
          /* the operator loses both capabilities */
          g_assert_true (mt_db_run (db, NULL, "UPDATE operators SET caps = caps & ~? WHERE id = ?", "ii",
                                    (gint64) (MT_CAP_BMS_CONTROL | MT_CAP_UNRENTED_POWER_CUT), operator_id));
        }
      else
        {
          g_assert_false (ok);
          g_assert_error (error, MT_ERROR, MT_ERROR_FORBIDDEN);
          g_clear_error (&error);
          g_assert_false (mt_devices_set_power_cut (db, manager, &own, 1, TRUE, &error));
          g_assert_error (error, MT_ERROR, MT_ERROR_FORBIDDEN);
          g_clear_error (&error);
          g_assert_cmpint (mt_db_query_int (db, -1, "SELECT power_cut_unrented FROM devices WHERE id = ?", "i", own), ==, 0);
          /* turning the policy off stays possible */
          g_assert_true (mt_devices_set_power_cut (db, manager, &own, 1, FALSE, &error));
          g_assert_no_error (error);
        }
    }
  mt_db_close (db);
  mt_test_remove_tree (dir);
}

int
main (int argc, char *argv[])
{
  g_autofree char *mosquitto = g_find_program_in_path ("mosquitto");
  static const Setup quick_sweep = { .sweep_seconds = "1" };
  static const Setup tls = { .tls = TRUE };
  int status;

  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/mt/telemetry/power-rights", test_power_rights);
  if (g_getenv ("MINGTANG_SERVER") == NULL || g_getenv ("MINGTANG_SIM") == NULL || mosquitto == NULL)
    {
      g_test_skip ("needs MINGTANG_SERVER, MINGTANG_SIM and mosquitto");
      return g_test_run ();
    }
#define ADD(name, func) g_test_add ("/mt/telemetry/" name, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("state-and-alarms", test_state_and_alarms);
  ADD ("commands", test_commands);
  ADD ("power-policy", test_power_policy);
  ADD ("acl", test_acl);
  ADD ("hostile-devices", test_hostile_devices);
  ADD ("client-id", test_client_id);
  ADD ("credentials", test_credentials);
  ADD ("geofence", test_geofence);
#undef ADD
  g_test_add ("/mt/telemetry/journal-policy", Fixture, &quick_sweep, fixture_set_up, test_journal_policy,
              fixture_tear_down);
  g_test_add ("/mt/telemetry/tls", Fixture, &tls, fixture_set_up, test_tls, fixture_tear_down);
  status = g_test_run ();
  mt_test_demo_cleanup ();
  return status;
}
