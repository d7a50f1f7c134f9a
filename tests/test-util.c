/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gstdio.h>
#include <signal.h>
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
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr(GError) error = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autofree char *line = NULL;
  GSubprocess *server;

  /* a failed assertion aborts the test: the server must not outlive it */
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  server = g_subprocess_launcher_spawn (launcher, &error, g_getenv ("MINGTANG_SERVER"),
                                        "--database", database, "--listen", listen,
                                        "--log-level", "quiet", NULL);
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
