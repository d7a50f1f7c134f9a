/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <libsoup/soup.h>

#include "mt-db.h"
#include "mt-ingest.h"

G_BEGIN_DECLS

#define MT_TYPE_SERVER (mt_server_get_type ())
G_DECLARE_FINAL_TYPE (MtServer, mt_server, MT, SERVER, GObject)

#define MT_SERVER_MAX_BODY (1024 * 1024)   /* bigger request bodies get 413 */

/* Serves the HTTP/JSON API of docs/api.md over @db (which it does not own) */
MtServer  *mt_server_new        (MtDb        *db);
/* Commands and the power policy go through @ingest (the server keeps a reference) */
void       mt_server_set_ingest (MtServer    *self,
                                 MtIngest    *ingest);
/* Each operator's report of last month goes to @dir/OPERATOR-ID/YYYY-MM.pdf and .xlsx, written
 * once a month ends (looked for now and every hour); GET reports and reports/NAME serve them.
 * NULL: no reports. */
void       mt_server_set_report_dir (MtServer   *self,
                                     const char *dir);
/* Listens on @address:@port (port 0: any free one); TLS when @certificate is set */
gboolean   mt_server_listen     (MtServer    *self,
                                 const char  *address,
                                 guint        port,
                                 GTlsCertificate *certificate,
                                 GError     **error);
/* The first address actually listened on, as a base URL "http://127.0.0.1:8787/" */
char      *mt_server_get_url    (MtServer    *self);
/*
 * One request through the router and handlers, without a connection (tests and the fuzzer):
 * the answer's status, its headers into @response_headers and its body (or NULL) into @response.
 * @query is the URL's query text without '?', or NULL.
 */
guint      mt_server_handle     (MtServer           *self,
                                 const char         *method,
                                 const char         *path,
                                 const char         *query,
                                 SoupMessageHeaders *request_headers,
                                 const char         *body,
                                 gsize               length,
                                 SoupMessageHeaders *response_headers,
                                 GBytes            **response);
/* Requests are logged when verbose (method, path, account, status, duration) */
void       mt_server_set_verbose (MtServer   *self,
                                  gboolean    verbose);

G_END_DECLS
