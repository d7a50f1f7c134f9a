/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mt-session"

#include "config.h"

#include <glib/gi18n.h>
#include <sodium.h>

#include "mt-db.h"
#include "mt-error.h"
#include "mt-session.h"

#define MAX_WAIT_SECONDS 300
#define TOKEN_CHARS sodium_base64_ENCODED_LEN (32, sodium_base64_VARIANT_URLSAFE_NO_PADDING)

static char *
token_hash (const char *token)
{
  return g_compute_checksum_for_string (G_CHECKSUM_SHA256, token, -1);
}

/* Seconds still to wait before this user name may try again, 0 if none */
static guint
throttle_wait (MtDb       *db,
               const char *username)
{
  sqlite3_stmt *stmt = mt_db_prepare (db, NULL, "SELECT failures, last_at FROM sign_in_failures "
                                                "WHERE username = ?", "t", username);
  gint64 failures = 0, last_at = 0, wait, elapsed;

  if (stmt && sqlite3_step (stmt) == SQLITE_ROW)
    {
      failures = sqlite3_column_int64 (stmt, 0);
      last_at = sqlite3_column_int64 (stmt, 1);
    }
  if (stmt)
    sqlite3_reset (stmt);
  if (failures < MT_SESSION_FREE_FAILURES)
    return 0;
  /* 1 s after the fifth failure, doubling with each one after it */
  wait = MIN ((gint64) 1 << MIN (failures - MT_SESSION_FREE_FAILURES, 16), MAX_WAIT_SECONDS);
  elapsed = (mt_now () - last_at) / G_USEC_PER_SEC;
  return elapsed >= wait ? 0 : (guint) (wait - elapsed);
}

char *
mt_session_open (MtDb         *db,
                 const char   *username,
                 const char   *password,
                 MtActor     **actor_out,
                 guint        *retry_after,
                 GError      **error)
{
  g_autoptr(MtActor) actor = NULL;
  g_autoptr(GError) local = NULL;
  guchar bytes[32];
  g_autofree char *token = NULL;
  g_autofree char *hash = NULL;
  guint wait;
  gint64 now = mt_now ();

  g_return_val_if_fail (db != NULL, NULL);
  if (retry_after)
    *retry_after = 0;
  username = username ? username : "";

  wait = throttle_wait (db, username);
  if (wait > 0)
    {
      if (retry_after)
        *retry_after = wait;
      g_set_error (error, MT_ERROR, MT_ERROR_THROTTLED,
                   g_dngettext (GETTEXT_PACKAGE, "Too many failed sign-ins: try again in %u second",
                                "Too many failed sign-ins: try again in %u seconds", wait), wait);
      return NULL;
    }

  actor = mt_sign_in (db, username, password, &local);
  if (actor == NULL)
    {
      if (g_error_matches (local, MT_ERROR, MT_ERROR_AUTH))
        mt_db_run (db, NULL,
                   "INSERT INTO sign_in_failures (username, failures, last_at) VALUES (?1, 1, ?2) "
                   "ON CONFLICT (username) DO UPDATE SET failures = failures + 1, last_at = ?2",
                   "ti", username, now);
      g_propagate_error (error, g_steal_pointer (&local));
      return NULL;
    }

  randombytes_buf (bytes, sizeof bytes);
  token = g_malloc (TOKEN_CHARS);
  sodium_bin2base64 (token, TOKEN_CHARS, bytes, sizeof bytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  sodium_memzero (bytes, sizeof bytes);
  hash = token_hash (token);

  if (!mt_db_begin (db, error))
    return NULL;
  if (!mt_db_run (db, error, "DELETE FROM sign_in_failures WHERE username = ?", "t", username) ||
      !mt_db_run (db, error, "DELETE FROM sessions WHERE expires_at < ?", "i", now) ||
      !mt_db_run (db, error,
                  "INSERT INTO sessions (token_hash, account_id, created_at, expires_at, last_seen) "
                  "VALUES (?1, ?2, ?3, ?4, ?3)", "tiii", hash, actor->account_id, now,
                  now + MT_SESSION_LIFETIME))
    {
      mt_db_rollback (db);
      return NULL;
    }
  mt_audit (db, actor, "sign-in", "sessions", actor->account_id, "ok", NULL);
  if (!mt_db_commit (db, error))
    return NULL;
  if (actor_out)
    *actor_out = g_steal_pointer (&actor);
  return g_steal_pointer (&token);
}

MtActor *
mt_session_actor (MtDb       *db,
                  const char *token,
                  GError    **error)
{
  g_autofree char *hash = NULL;
  gint64 account_id;

  g_return_val_if_fail (db != NULL, NULL);
  if (token == NULL || token[0] == '\0')
    {
      g_set_error_literal (error, MT_ERROR, MT_ERROR_AUTH, _("Sign in first"));
      return NULL;
    }
  hash = token_hash (token);
  account_id = mt_db_query_int (db, 0, "SELECT account_id FROM sessions WHERE token_hash = ? "
                                       "AND expires_at > ?", "ti", hash, mt_now ());
  if (account_id == 0)
    {
      g_set_error_literal (error, MT_ERROR, MT_ERROR_AUTH,
                           _("The session has ended: sign in again"));
      return NULL;
    }
  /* checked on every request: disabling takes effect at once */
  if (!mt_account_check_enabled (db, account_id, error))
    {
      mt_db_run (db, NULL, "DELETE FROM sessions WHERE account_id = ?", "i", account_id);
      return NULL;
    }
  return mt_actor_load (db, account_id, error);
}

void
mt_session_close (MtDb       *db,
                  const char *token)
{
  g_autofree char *hash = NULL;

  g_return_if_fail (db != NULL);
  if (token == NULL)
    return;
  hash = token_hash (token);
  mt_db_run (db, NULL, "DELETE FROM sessions WHERE token_hash = ?", "t", hash);
}
