/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <MQTTAsync.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>

#include "mt-db.h"
#include "mt-demo.h"
#include "test-util.h"

static char *demo_dir = NULL;
static char *demo_path = NULL;

static void
die_with_parent (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

GSubprocessLauncher *
mt_test_launcher_new (GSubprocessFlags flags)
{
  GSubprocessLauncher *launcher = g_subprocess_launcher_new (flags);

  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  return launcher;
}

GSubprocess *
mt_test_server_start (const char  *database,
                      char       **url)
{
  return mt_test_server_start_at (database, "127.0.0.1:0", url);
}

GSubprocess *
mt_test_server_start_at (const char  *database,
                         const char  *listen,
                         char       **url)
{
  return mt_test_server_start_full (database, listen, NULL, url);
}

GSubprocess *
mt_test_server_start_full (const char         *database,
                           const char         *listen,
                           const char *const  *extra,
                           char              **url)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr(GError) error = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autofree char *line = NULL;
  GSubprocess *server;

  /* a failed assertion aborts the test: the server must not outlive it */
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  g_ptr_array_add (argv, (gpointer) g_getenv ("MINGTANG_SERVER"));
  g_ptr_array_add (argv, "--database");
  g_ptr_array_add (argv, (gpointer) database);
  g_ptr_array_add (argv, "--listen");
  g_ptr_array_add (argv, (gpointer) listen);
  g_ptr_array_add (argv, "--log-level");
  g_ptr_array_add (argv, "quiet");
  for (guint i = 0; extra && extra[i]; i++)
    g_ptr_array_add (argv, (gpointer) extra[i]);
  g_ptr_array_add (argv, NULL);
  server = g_subprocess_launcher_spawnv (launcher, (const char *const *) argv->pdata, &error);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (server));
  line = g_data_input_stream_read_line (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (line, "listening on http://127.0.0.1:"));
  *url = g_strdup (line + strlen ("listening on "));
  return server;
}

void
mt_test_server_stop (GSubprocess *server)
{
  if (server == NULL)
    return;
  g_subprocess_send_signal (server, SIGTERM);
  g_subprocess_wait (server, NULL, NULL);
  /* told to stop, the server ends cleanly: in the sanitizer build a leak or a report fails here */
  if (g_subprocess_get_if_exited (server))
    g_assert_cmpint (g_subprocess_get_exit_status (server), ==, 0);
  g_object_unref (server);
}

void
mt_test_demo_copy (const char *path)
{
  g_autofree char *contents = NULL;
  gsize len = 0;

  if (demo_path == NULL)
    {
      g_autoptr(GError) error = NULL;
      MtDemoOptions options;
      MtDb *db;

      demo_dir = g_dir_make_tmp ("mt-demo-XXXXXX", NULL);
      demo_path = g_build_filename (demo_dir, "template.db", NULL);
      db = mt_db_open (demo_path, &error);
      g_assert_no_error (error);
      mt_demo_options_init (&options);
      g_assert_true (mt_demo_generate (db, &options, &error));
      mt_db_exec (db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL);
      mt_db_close (db);
    }
  g_assert_true (g_file_get_contents (demo_path, &contents, &len, NULL));
  g_assert_true (g_file_set_contents (path, contents, len, NULL));
}

void
mt_test_remove_db (const char *path)
{
  const char *suffixes[] = { "", "-wal", "-shm" };
  g_autofree char *dir = g_path_get_dirname (path);

  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *file = g_strconcat (path, suffixes[i], NULL);
      g_unlink (file);
    }
  g_rmdir (dir);
}

void
mt_test_demo_cleanup (void)
{
  if (demo_path == NULL)
    return;
  mt_test_remove_db (demo_path);
  g_clear_pointer (&demo_path, g_free);
  g_clear_pointer (&demo_dir, g_free);
}

guint16
mt_test_free_port (void)
{
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;

  g_assert_true (g_socket_bind (socket, any, TRUE, NULL));
  bound = g_socket_get_local_address (socket, NULL);
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

void
mt_test_run (const char *const *argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) p = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
                                                      G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error);

  g_assert_no_error (error);
  g_assert_true (g_subprocess_wait_check (p, NULL, &error));
}

GSubprocess *
mt_test_broker_start (const char         *dir,
                      const char *const  *users,
                      const char         *extra_acl,
                      const char         *extra_conf,
                      char              **uri,
                      char              **device_uri)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  const char *root = g_getenv ("MT_SOURCE_ROOT");   /* set by the test suite */
  g_autofree char *script = g_build_filename (root ? root : ".", "build-aux", "broker.sh", NULL);
  g_autofree char *conf = g_build_filename (dir, "mosquitto.conf", NULL);
  g_autofree char *port_text = NULL, *device_port_text = NULL;
  g_autoptr(GString) services = g_string_new (NULL);
  g_autoptr(GString) devices = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  guint16 port = mt_test_free_port (), device_port;
  GSubprocess *broker;

  do
    device_port = mt_test_free_port ();
  while (device_port == port);
  /* user names of digits are batteries: the device listener's; the rest are services */
  for (guint i = 0; users && users[i] && users[i + 1]; i += 2)
    {
      gboolean device = users[i][0] != '\0' && strspn (users[i], "0123456789") == strlen (users[i]);
      g_string_append_printf (device ? devices : services, "%s:%s\n", users[i], users[i + 1]);
    }
  {
    g_autofree char *services_path = g_build_filename (dir, "services", NULL);
    g_autofree char *devices_path = g_build_filename (dir, "devices", NULL);
    g_autofree char *acl_path = g_build_filename (dir, "acl.extra", NULL);

    g_assert_true (g_file_set_contents (services_path, services->str, -1, NULL));
    g_assert_true (g_file_set_contents (devices_path, devices->str, -1, NULL));
    g_assert_true (g_file_set_contents (acl_path, extra_acl ? extra_acl : "", -1, NULL));
  }
  port_text = g_strdup_printf ("%u", port);
  device_port_text = g_strdup_printf ("%u", device_port);
  {
    const char *argv[] = { "bash", script, dir, port_text, device_port_text, NULL };
    mt_test_run (argv);
  }
  if (extra_conf != NULL)
    {
      g_autofree char *text = NULL;
      g_autofree char *more = NULL;

      g_assert_true (g_file_get_contents (conf, &text, NULL, NULL));
      more = g_strconcat (text, "\n", extra_conf, "\n", NULL);
      g_assert_true (g_file_set_contents (conf, more, -1, NULL));
    }

  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  broker = g_subprocess_launcher_spawn (launcher, &error, "mosquitto", "-c", conf, NULL);
  g_assert_no_error (error);
  /* until it accepts connections on both */
  for (guint i = 0; i < 100; i++)
    {
      g_autoptr(GSocketClient) client = g_socket_client_new ();
      g_autoptr(GSocketConnection) c = g_socket_client_connect_to_host (client, "127.0.0.1", port, NULL, NULL);
      g_autoptr(GSocketConnection) d = c ? g_socket_client_connect_to_host (client, "127.0.0.1", device_port, NULL, NULL)
                                         : NULL;

      if (d != NULL)
        break;
      g_usleep (G_USEC_PER_SEC / 20);
    }
  *uri = g_strdup_printf ("tcp://127.0.0.1:%u", port);
  if (device_uri != NULL)
    *device_uri = g_strdup_printf ("tcp://127.0.0.1:%u", device_port);
  return broker;
}

void
mt_test_mqtt_publish_many (const char *uri,
                           const char *user,
                           const char *password,
                           GPtrArray  *topics,
                           GPtrArray  *payloads,
                           gboolean    retained)
{
  MQTTAsync client;
  MQTTAsync_createOptions create = MQTTAsync_createOptions_initializer;
  MQTTAsync_connectOptions options = MQTTAsync_connectOptions_initializer;
  g_autofree char *id = g_strdup_printf ("mt-test-%u", g_random_int ());
  MQTTAsync_token last = 0;

  create.maxBufferedMessages = (int) topics->len + 10;
  g_assert_cmpint (MQTTAsync_createWithOptions (&client, uri, id, MQTTCLIENT_PERSISTENCE_NONE, NULL, &create), ==,
                   MQTTASYNC_SUCCESS);
  options.username = user;
  options.password = password;
  options.cleansession = 1;
  g_assert_cmpint (MQTTAsync_connect (client, &options), ==, MQTTASYNC_SUCCESS);
  for (guint i = 0; i < 100 && !MQTTAsync_isConnected (client); i++)
    g_usleep (G_USEC_PER_SEC / 20);
  g_assert_true (MQTTAsync_isConnected (client));
  for (guint i = 0; i < topics->len; i++)
    {
      MQTTAsync_responseOptions sent = MQTTAsync_responseOptions_initializer;
      const char *payload = payloads->pdata[payloads->len == 1 ? 0 : i];

      g_assert_cmpint (MQTTAsync_send (client, topics->pdata[i], (int) strlen (payload), payload, 1, retained, &sent),
                       ==, MQTTASYNC_SUCCESS);
      last = sent.token;
    }
  g_assert_cmpint (MQTTAsync_waitForCompletion (client, last, 60000), ==, MQTTASYNC_SUCCESS);
  MQTTAsync_disconnect (client, NULL);
  MQTTAsync_destroy (&client);
}

void
mt_test_mqtt_publish (const char *uri,
                      const char *user,
                      const char *password,
                      const char *topic,
                      const char *payload)
{
  g_autofree char *port = g_strdup (strrchr (uri, ':') + 1);
  const char *argv[] = { "mosquitto_pub", "-h", "127.0.0.1", "-p", port, "-u", user, "-P", password, "-q", "1",
                         "-t", topic, "-m", payload, NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) p = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error);

  g_assert_no_error (error);
  g_assert_true (g_subprocess_wait (p, NULL, &error));
}

void
mt_test_remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        mt_test_remove_tree (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

/* Statements run on a connection, PRAGMAs (its data stamp) aside */
static int
statement_counted_cb (unsigned int  type,
                      void         *data,
                      void         *statement,
                      void         *sql)
{
  if (g_ascii_strncasecmp (sql, "PRAGMA", 6) != 0)
    {
      g_test_message ("statement: %s", (char *) sql);
      (*(guint *) data)++;
    }
  return 0;
}

void
mt_test_count_statements (MtDb  *db,
                          guint *counter)
{
  if (counter != NULL)
    sqlite3_trace_v2 (mt_db_get_handle (db), SQLITE_TRACE_STMT, statement_counted_cb, counter);
  else
    sqlite3_trace_v2 (mt_db_get_handle (db), 0, NULL, NULL);
}
