/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "mt-db.h"

G_BEGIN_DECLS

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
char     *mt_format_date              (gint64       utc_usec);
/* Parses a local date "YYYY-MM-DD" to UTC µs at local midnight */
gboolean  mt_parse_date               (const char  *value,
                                       gint64      *utc_usec);

G_END_DECLS
