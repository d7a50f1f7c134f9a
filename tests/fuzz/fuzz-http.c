/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer target: whole HTTP requests through the server's real router and handlers on a
 * demo database in memory, signed in as each demo role or not at all. Built and run by
 * tests/fuzz/run-http.sh (clang); test-fuzz-http replays the corpus in the suite.
 *
 * An input is one byte choosing who asks (none, admin, east, store, tech, finance), then
 * "METHOD PATH[?QUERY]\n", header lines, an empty line and the body. Besides crashes and
 * sanitizer reports, an answer fails the run when it is a 500, carries a raw database
 * message, or is not JSON. */

#include "config.h"

#include <json-glib/json-glib.h>
#include <sqlite3.h>
#include <stdint.h>
#include <string.h>

#include "mt-db.h"
#include "mt-demo.h"
#include "mt-server.h"
#include "mt-session.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

#define FUZZ_RESET_EVERY 500   /* inputs between restores of the pristine database */

static const char *const fuzz_users[] = { NULL, "admin", "east", "store", "tech", "finance" };

typedef struct
{
  MtDb     *pristine;
  MtDb     *db;
  MtServer *server;
  char     *tokens[G_N_ELEMENTS (fuzz_users)];
  guint     runs;
} FuzzState;

static FuzzState fuzz;

static void
fuzz_restore (void)
{
  sqlite3_backup *backup = sqlite3_backup_init (mt_db_get_handle (fuzz.db), "main",
                                                mt_db_get_handle (fuzz.pristine), "main");

  if (backup == NULL || sqlite3_backup_step (backup, -1) != SQLITE_DONE)
    g_error ("The fuzzer's database could not be restored");
  sqlite3_backup_finish (backup);
}

static void
fuzz_init (void)
{
  g_autoptr(GError) error = NULL;
  MtDemoOptions options;

  mt_demo_options_init (&options);
  options.n_devices = 12;
  options.n_members = 10;
  options.n_orders = 30;
  options.seed = 7;
  fuzz.pristine = mt_db_open (":memory:", &error);
  g_assert_no_error (error);
  if (!mt_demo_generate (fuzz.pristine, &options, &error))
    g_error ("demo: %s", error->message);
  /* the sessions are part of the pristine state, so a restore brings them back */
  for (guint i = 1; i < G_N_ELEMENTS (fuzz_users); i++)
    {
      fuzz.tokens[i] = mt_session_open (fuzz.pristine, fuzz_users[i], MT_DEMO_PASSWORD, NULL, NULL, &error);
      g_assert_no_error (error);
    }
  fuzz.db = mt_db_open (":memory:", &error);
  g_assert_no_error (error);
  fuzz_restore ();
  fuzz.server = mt_server_new (fuzz.db);
  /* a critical or a warning is a bug found: as fatal here as under the test suite's G_DEBUG */
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
}

/* Whether @text is a JSON document */
static gboolean
fuzz_is_json (GBytes *bytes)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  gsize size;
  const char *text = g_bytes_get_data (bytes, &size);

  return json_parser_load_from_data (parser, text, size, NULL);
}

static gboolean
fuzz_contains (GBytes     *bytes,
               const char *needle)
{
  gsize size;
  const char *text = g_bytes_get_data (bytes, &size);

  return g_strstr_len (text, size, needle) != NULL;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(SoupMessageHeaders) request_headers = soup_message_headers_new (SOUP_MESSAGE_HEADERS_REQUEST);
  g_autoptr(SoupMessageHeaders) response_headers = soup_message_headers_new (SOUP_MESSAGE_HEADERS_RESPONSE);
  g_autoptr(GBytes) response = NULL;
  g_autofree char *head = NULL;
  g_auto(GStrv) lines = NULL;
  g_auto(GStrv) request_line = NULL;
  const char *text, *end, *body;
  char *query;
  guint who, status;

  if (fuzz.server == NULL)
    fuzz_init ();
  if (++fuzz.runs % FUZZ_RESET_EVERY == 0)
    fuzz_restore ();
  if (size < 2)
    return 0;

  who = data[0] % G_N_ELEMENTS (fuzz_users);
  text = (const char *) data + 1;
  end = (const char *) data + size;
  body = g_strstr_len (text, end - text, "\n\n");
  head = g_strndup (text, (body ? body : end) - text);
  body = body ? body + 2 : end;

  lines = g_strsplit (head, "\n", 64);
  if (lines[0] == NULL)
    return 0;
  request_line = g_strsplit (lines[0], " ", 2);
  if (request_line[0] == NULL || request_line[1] == NULL || request_line[0][0] == '\0')
    return 0;
  for (guint i = 1; lines[i]; i++)
    {
      char *colon = strchr (lines[i], ':');
      const char *value;

      if (colon == NULL || colon == lines[i])
        continue;
      *colon = '\0';
      value = g_strstrip (colon + 1);
      /* what no HTTP parser hands on: a name that is no token, a value with a line break */
      if (strpbrk (lines[i], " \t\r:") != NULL || strchr (value, '\r') != NULL ||
          !g_utf8_validate (lines[i], -1, NULL) || !g_utf8_validate (value, -1, NULL))
        continue;
      soup_message_headers_append (request_headers, lines[i], value);
    }
  if (fuzz.tokens[who] != NULL && soup_message_headers_get_one (request_headers, "Authorization") == NULL)
    {
      g_autofree char *bearer = g_strconcat ("Bearer ", fuzz.tokens[who], NULL);
      soup_message_headers_append (request_headers, "Authorization", bearer);
    }
  query = strchr (request_line[1], '?');
  if (query != NULL)
    *query++ = '\0';

  status = mt_server_handle (fuzz.server, request_line[0], request_line[1], query, request_headers,
                             body, end - body, response_headers, &response);
  if (status >= 500 && status != 503 && status != 504)
    {
      g_printerr ("answered %u: %.*s\n", status, response ? (int) g_bytes_get_size (response) : 0,
                  response ? (const char *) g_bytes_get_data (response, NULL) : "");
      __builtin_trap ();
    }
  if (response != NULL && (fuzz_contains (response, "Database error") || !fuzz_is_json (response)))
    {
      g_printerr ("answered %u: %.*s\n", status, (int) g_bytes_get_size (response),
                  (const char *) g_bytes_get_data (response, NULL));
      __builtin_trap ();
    }
  return 0;
}
