/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "mt-database.h"

G_BEGIN_DECLS

/*
 * The money rule (docs/api.md, "Money"): every amount is a whole number of fen from 0 to
 * MT_MONEY_MAX_FEN (¥10,000,000.00) — a price, a payment, an order's rent, a ledger row (which may
 * also be as negative); a member's balance, which adds many of them, stays within
 * MT_MONEY_MAX_BALANCE_FEN. The schema refuses anything else, and reconcile reports it.
 */
#define MT_MONEY_MAX_FEN         G_GINT64_CONSTANT (1000000000)
#define MT_MONEY_MAX_BALANCE_FEN G_GINT64_CONSTANT (1000000000000)

/* @a + @b and @a × @n into @out; FALSE when the result would leave ±MT_MONEY_MAX_BALANCE_FEN
 * (so no sum of amounts within the rule can overflow) */
gboolean  mt_money_add                (gint64       a,
                                       gint64       b,
                                       gint64      *out);
gboolean  mt_money_mul                (gint64       a,
                                       gint64       n,
                                       gint64      *out);
/* An amount in whole fen written as digits ("5000"): 0 … @max */
gboolean  mt_parse_fen                (const char  *value,
                                       gint64       max,
                                       gint64      *fen,
                                       const char  *field,
                                       const char  *label,
                                       GError     **error);
/* The refusal of an amount outside 0 … @max_fen, naming the field */
void      mt_set_money_error          (GError     **error,
                                       const char  *field,
                                       const char  *label,
                                       gint64       max_fen);
/* A change names the row version it was made on: only a version (1 or more) can match */
gboolean  mt_validate_version         (gint64       version,
                                       GError     **error);
/* Single-line text holds no control characters; @multiline allows line breaks and tabs */
gboolean  mt_validate_plain_text      (const char  *value,
                                       gboolean     multiline,
                                       const char  *field,
                                       const char  *label,
                                       GError     **error);

/* Each check sets an MT_ERROR_INVALID error naming @field (key) with @label (translated). */
gboolean  mt_validate_mobile          (const char  *value,
                                       const char  *field,
                                       const char  *label,
                                       GError     **error);
gboolean  mt_validate_id_card         (const char  *value,
                                       const char  *field,
                                       const char  *label,
                                       GError     **error);
gboolean  mt_validate_required        (const char  *value,
                                       const char  *field,
                                       const char  *label,
                                       guint        max_chars,
                                       GError     **error);
gboolean  mt_validate_store_no        (const char  *value);
gboolean  mt_validate_region          (MtDb        *db,
                                       const char  *code,
                                       gboolean     leaf_only,
                                       const char  *field,
                                       const char  *label,
                                       GError     **error);
gboolean  mt_parse_hours              (const char  *value,
                                       int         *open_minute,
                                       int         *close_minute,
                                       const char  *field,
                                       const char  *label,
                                       GError     **error);
char     *mt_format_hours             (int          open_minute,
                                       int          close_minute);
gboolean  mt_parse_money              (const char  *value,
                                       gint64      *fen,
                                       const char  *field,
                                       const char  *label,
                                       GError     **error);
gboolean  mt_parse_int                (const char  *value,
                                       gint64       min,
                                       gint64       max,
                                       gint64      *out,
                                       const char  *field,
                                       const char  *label,
                                       GError     **error);
gboolean  mt_parse_bool               (const char  *value,
                                       gboolean    *out,
                                       const char  *field,
                                       const char  *label,
                                       GError     **error);
gboolean  mt_validate_password        (const char  *password,
                                       const char  *confirm,
                                       const char  *field,
                                       const char  *label,
                                       GError     **error);

/* Money is integer fen; this is the one place it is formatted. "¥1,234.50" */
char     *mt_format_money             (gint64       fen);
/* Plain yuan with two decimals, no symbol or grouping: "1234.50" (exports, editors) */
char     *mt_format_yuan              (gint64       fen);
/* Local time, "2026-11-24 15:42" */
char     *mt_format_time              (gint64       utc_usec);
/* How long ago: "just now", "5 minutes ago", "3 hours ago", "2 days ago" */
char     *mt_format_age               (gint64       utc_usec);
char     *mt_format_date              (gint64       utc_usec);
/* Parses a local date "YYYY-MM-DD" to UTC µs at local midnight */
gboolean  mt_parse_date               (const char  *value,
                                       gint64      *utc_usec);

G_END_DECLS
