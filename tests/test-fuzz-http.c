/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The HTTP fuzzer's corpus replayed through the server's router and handlers: the hand-written
 * requests and those the fuzzer found (tests/fuzz/run-http.sh). Each must be answered without a
 * crash, a 500, a raw database message or an answer that is not JSON. */

#include "fuzz/fuzz-http.c"

static void
test_corpus (void)
{
  const char *folders[] = { HTTP_CORPUS, HTTP_CORPUS "/found", HTTP_CORPUS "/regressions" };
  guint n = 0;

  for (guint f = 0; f < G_N_ELEMENTS (folders); f++)
    {
      g_autoptr(GDir) dir = g_dir_open (folders[f], 0, NULL);
      const char *name;

      if (dir == NULL)
        continue;
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *path = g_build_filename (folders[f], name, NULL);
          g_autofree char *data = NULL;
          gsize size = 0;

          if (g_file_test (path, G_FILE_TEST_IS_DIR))
            continue;
          g_assert_true (g_file_get_contents (path, &data, &size, NULL));
          LLVMFuzzerTestOneInput ((const uint8_t *) data, size);
          n++;
        }
    }
  g_test_message ("%u requests replayed", n);
  g_assert_cmpuint (n, >=, 40);
}

/* The oracle itself: a request the router must answer with 404 is answered so, as JSON */
static void
test_harness (void)
{
  g_autoptr(SoupMessageHeaders) in = soup_message_headers_new (SOUP_MESSAGE_HEADERS_REQUEST);
  g_autoptr(SoupMessageHeaders) out = soup_message_headers_new (SOUP_MESSAGE_HEADERS_RESPONSE);
  g_autoptr(GBytes) response = NULL;
  g_autofree char *bearer = NULL;
  static const char deep_prefix[] = "{\"username\":";

  if (fuzz.server == NULL)
    fuzz_init ();
  g_assert_cmpuint (mt_server_handle (fuzz.server, "GET", "/nowhere", NULL, in, NULL, 0, out, &response), ==, 404);
  g_assert_true (fuzz_is_json (response));
  g_clear_pointer (&response, g_bytes_unref);

  /* a body nested a hundred thousand levels deep, before any token is checked */
  {
    g_autoptr(GString) deep = g_string_new (deep_prefix);
    for (guint i = 0; i < 100000; i++)
      g_string_append_c (deep, '[');
    g_assert_cmpuint (mt_server_handle (fuzz.server, "POST", "/api/v1/session", NULL, in, deep->str, deep->len,
                                        out, &response), ==, 400);
    g_assert_true (fuzz_contains (response, "nested too deeply"));
    g_clear_pointer (&response, g_bytes_unref);
  }

  bearer = g_strconcat ("Bearer ", fuzz.tokens[1], NULL);
  soup_message_headers_append (in, "Authorization", bearer);
  g_assert_cmpuint (mt_server_handle (fuzz.server, "GET", "/api/v1/devices", "limit=2", in, NULL, 0, out, &response),
                    ==, 200);
  g_assert_true (fuzz_contains (response, "\"total\":12"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/mt/fuzz-http/harness", test_harness);
  g_test_add_func ("/mt/fuzz-http/corpus", test_corpus);
  return g_test_run ();
}
