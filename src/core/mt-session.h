/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "mt-database.h"
#include "mt-perm.h"

G_BEGIN_DECLS

#define MT_SESSION_LIFETIME     (12 * G_TIME_SPAN_HOUR)
/* After this many failed sign-ins in a row, each attempt waits longer (up to a limit) */
#define MT_SESSION_FREE_FAILURES 5

/*
 * Signs in and opens a server session. Returns the token, an opaque random string shown only
 * now: the database keeps its SHA-256. Failed sign-ins of a user name are counted; past
 * MT_SESSION_FREE_FAILURES an attempt before its waiting time fails with MT_ERROR_THROTTLED and
 * @retry_after (seconds) set.
 */
char     *mt_session_open   (MtDb         *db,
                             const char   *username,
                             const char   *password,
                             MtActor     **actor,
                             guint        *retry_after,
                             GError      **error);
/* The actor of a token: MT_ERROR_AUTH when unknown or expired, MT_ERROR_DISABLED (and every
 * session of the account closed) when the account or an operator above it is disabled */
MtActor  *mt_session_actor  (MtDb         *db,
                             const char   *token,
                             GError      **error);
void      mt_session_close  (MtDb         *db,
                             const char   *token);

G_END_DECLS
