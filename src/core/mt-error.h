/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define MT_ERROR (mt_error_quark ())

typedef enum
{
  MT_ERROR_FAILED,       /* anything else: storage failure, bug */
  MT_ERROR_INVALID,      /* a field's value is invalid: mt_error_get_field() names it */
  MT_ERROR_NOT_FOUND,
  MT_ERROR_CONFLICT,     /* stale row version, duplicate, or state forbids the change */
  MT_ERROR_FORBIDDEN,    /* outside the actor's scope or not permitted by its role */
  MT_ERROR_AUTH,         /* wrong user name or password */
  MT_ERROR_DISABLED,     /* account or operator disabled */
  MT_ERROR_OFFLINE,
  MT_ERROR_CORRUPT,      /* the database file is damaged or not a Mingtang database */
  MT_ERROR_TOO_NEW,      /* the database was written by a newer Mingtang */
  MT_ERROR_THROTTLED,    /* too many failed sign-ins: wait and try again */
  MT_ERROR_MALFORMED,    /* a request that is not what the API reads (no JSON object) */
} MtErrorCode;

GQuark       mt_error_quark          (void);
const char  *mt_error_get_field      (const GError *error);
void         mt_set_field_error      (GError     **error,
                                      const char  *field,
                                      const char  *label,
                                      const char  *problem);
void         mt_set_forbidden        (GError     **error);
void         mt_set_remote_error     (GError     **error,
                                      int          code,
                                      const char  *field,
                                      const char  *message);

G_END_DECLS
