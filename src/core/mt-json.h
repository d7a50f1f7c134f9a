/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* What a request body may hold, checked before any recursive parser sees it */
#define MT_JSON_MAX_DEPTH  32        /* nested objects and arrays */
#define MT_JSON_MAX_VALUES 100000    /* values of every kind, members' names not counted */

typedef enum
{
  MT_JSON_OK,
  MT_JSON_SYNTAX,     /* not JSON */
  MT_JSON_DEPTH,      /* nested deeper than MT_JSON_MAX_DEPTH */
  MT_JSON_VALUES,     /* more than MT_JSON_MAX_VALUES values */
  MT_JSON_TRAILING,   /* something after the value */
  MT_JSON_NUL,        /* a string holds U+0000, which no C string keeps */
  MT_JSON_DUPLICATE,  /* an object names a member twice (the parser would keep one silently) */
} MtJsonProblem;

/*
 * Checks that @data (@length bytes, UTF-8 already checked by the caller) is exactly one JSON value
 * within the limits above, without recursion, no object naming a member twice (as written). For MT_JSON_NUL, @member (if not NULL) is set to
 * the top-level member the string is under (or NULL when there is none); free with g_free.
 */
MtJsonProblem  mt_json_check          (const char   *data,
                                       gsize         length,
                                       char        **member);

/* The problem as a translated sentence for a client */
const char    *mt_json_problem_message (MtJsonProblem problem);

G_END_DECLS
