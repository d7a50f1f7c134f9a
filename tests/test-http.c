/* SPDX-License-Identifier: GPL-3.0-or-later */

#include "config.h"

#include <string.h>

#include "mt-demo.h"
#include "test-http.h"

SoupMessage *
mt_test_http_message (const char *url,
                      const char *method,
                      const char *path,
                      const char *token,
                      const char *body)
{
  g_autofree char *uri = g_strconcat (url, "api/v1/", path, NULL);
  SoupMessage *msg = soup_message_new (method, uri);

  if (token)
    {
      g_autofree char *auth = g_strconcat ("Bearer ", token, NULL);
      soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", auth);
    }
  if (body)
    {
      g_autoptr(GBytes) bytes = g_bytes_new (body, strlen (body));
      soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
    }
  return msg;
}

JsonNode *
mt_test_http_call (SoupSession *session,
                   const char  *url,
                   const char  *method,
                   const char  *path,
                   const char  *token,
                   const char  *body,
                   guint       *status)
{
  g_autoptr(SoupMessage) msg = mt_test_http_message (url, method, path, token, body);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) answer = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();

  answer = soup_session_send_and_read (session, msg, NULL, &error);
  g_assert_no_error (error);
  *status = soup_message_get_status (msg);
  if (g_bytes_get_size (answer) == 0)
    return NULL;
  json_parser_load_from_data (parser, g_bytes_get_data (answer, NULL), g_bytes_get_size (answer), &error);
  g_assert_no_error (error);
  return json_node_ref (json_parser_get_root (parser));
}

char *
mt_test_http_sign_in (SoupSession *session,
                      const char  *url,
                      const char  *user)
{
  return mt_test_http_sign_in_with (session, url, user, MT_DEMO_PASSWORD);
}

char *
mt_test_http_sign_in_with (SoupSession *session,
                           const char  *url,
                           const char  *user,
                           const char  *password)
{
  g_autofree char *body = g_strdup_printf ("{\"username\":\"%s\",\"password\":\"%s\"}", user, password);
  guint status = 0;
  g_autoptr(JsonNode) answer = mt_test_http_call (session, url, "POST", "session", NULL, body, &status);

  g_assert_cmpuint (status, ==, 201);
  return g_strdup (json_object_get_string_member (json_node_get_object (answer), "token"));
}
