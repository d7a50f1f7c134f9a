/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

/* An API request, not yet sent */
SoupMessage *mt_test_http_message (const char *url,
                                   const char *method,
                                   const char *path,
                                   const char *token,
                                   const char *body);
/* One API request to the server at @url ("http://127.0.0.1:PORT/"): the answer's JSON (or NULL
 * when empty) and its status */
JsonNode *mt_test_http_call    (SoupSession *session,
                                const char  *url,
                                const char  *method,
                                const char  *path,
                                const char  *token,
                                const char  *body,
                                guint       *status);
/* A demo account's session token */
char     *mt_test_http_sign_in (SoupSession *session,
                                const char  *url,
                                const char  *user);
char       *mt_test_http_sign_in_with (SoupSession *session,
                                       const char  *url,
                                       const char  *user,
                                       const char  *password);

G_END_DECLS
