/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "mt-database.h"

G_BEGIN_DECLS

#define MT_TYPE_SYNC_ENGINE (mt_sync_engine_get_type ())
G_DECLARE_FINAL_TYPE (MtSyncEngine, mt_sync_engine, MT, SYNC_ENGINE, GObject)

/*
 * A console's link to a mingtang-server: its session, and a replica database of what its
 * account may see, kept current from the server's change feed. Once started, a WebSocket tells
 * it when something changed and it pulls at once; when the server is unreachable it is offline
 * (the "online" property) and tries again with growing pauses.
 */
MtSyncEngine *mt_sync_engine_new            (const char    *server_url,
                                             const char    *replica_path,
                                             GError       **error);
MtDb         *mt_sync_engine_get_replica    (MtSyncEngine  *self);
const char   *mt_sync_engine_get_token      (MtSyncEngine  *self);
void          mt_sync_engine_set_token      (MtSyncEngine  *self,
                                             const char    *token);
gboolean      mt_sync_engine_get_online     (MtSyncEngine  *self);
gint64        mt_sync_engine_get_cursor     (MtSyncEngine  *self);

void          mt_sync_engine_sign_in_async  (MtSyncEngine        *self,
                                             const char          *username,
                                             const char          *password,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
gboolean      mt_sync_engine_sign_in_finish (MtSyncEngine  *self,
                                             GAsyncResult  *result,
                                             GError       **error);

/* Pulls every change since the replica's cursor; returns the rows applied */
void          mt_sync_engine_pull_async     (MtSyncEngine        *self,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
gint64        mt_sync_engine_pull_finish    (MtSyncEngine  *self,
                                             GAsyncResult  *result,
                                             GError       **error);

/* Listens for changes (WebSocket) and pulls; reconnects by itself */
void          mt_sync_engine_start          (MtSyncEngine  *self);
void          mt_sync_engine_stop           (MtSyncEngine  *self);

/*
 * A write through the server (method, path under /api/v1/, JSON body or NULL). Errors carry the
 * server's answer as MtError codes (MT_ERROR_INVALID with the field, MT_ERROR_CONFLICT, …) and
 * MT_ERROR_OFFLINE when the server cannot be reached: nothing is queued silently. On success the
 * replica is brought up to date before the result is returned.
 */
void          mt_sync_engine_request_async  (MtSyncEngine        *self,
                                             const char          *method,
                                             const char          *path,
                                             JsonNode            *body,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
JsonNode     *mt_sync_engine_request_finish (MtSyncEngine  *self,
                                             GAsyncResult  *result,
                                             GError       **error);

/* A file the server serves at @path (after /api/v1/: a monthly report), written whole to @file;
 * the server's refusals and MT_ERROR_OFFLINE as for a request */
void          mt_sync_engine_download_async  (MtSyncEngine        *self,
                                              const char          *path,
                                              const char          *file,
                                              GCancellable        *cancellable,
                                              GAsyncReadyCallback  callback,
                                              gpointer             user_data);
gboolean      mt_sync_engine_download_finish (MtSyncEngine        *self,
                                              GAsyncResult        *result,
                                              GError             **error);

/*
 * The live state the server sends (telemetry.positions, telemetry.status), kept in the replica
 * (which holds no telemetry of its own) for the pages to read
 */
gboolean      mt_sync_engine_keep_positions (MtSyncEngine  *self,
                                             JsonNode      *answer,
                                             GError       **error);
gboolean      mt_sync_engine_keep_status    (MtSyncEngine  *self,
                                             JsonNode      *answer,
                                             GError       **error);

G_END_DECLS
