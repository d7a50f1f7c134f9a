/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A request body is checked here before JSON-GLib reads it: its parser recurses once per level of
 * nesting, so a body of nested brackets, well under the size limit, would exhaust the stack. This
 * scanner walks the grammar with an explicit stack of at most MT_JSON_MAX_DEPTH levels. */
#define G_LOG_DOMAIN "mt-json"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "mt-json.h"

typedef enum
{
  S_VALUE,          /* a value must come */
  S_VALUE_OR_END,   /* just after '[': a value or ']' */
  S_KEY,            /* after ',' in an object: a member's name */
  S_KEY_OR_END,     /* just after '{': a member's name or '}' */
  S_COLON,
  S_AFTER,          /* after a value: ',' or the container's end */
} State;

typedef struct
{
  const char *p;
  const char *end;
  gboolean    nul;   /* the string just read held \u0000 */
} Scan;

static gboolean
is_hex (char c)
{
  return g_ascii_isxdigit (c);
}

/* The four hex digits of a \\u escape */
static gboolean
scan_unit (Scan  *s,
           guint *unit)
{
  if (s->end - s->p < 4 || !is_hex (s->p[0]) || !is_hex (s->p[1]) || !is_hex (s->p[2]) || !is_hex (s->p[3]))
    return FALSE;
  *unit = (g_ascii_xdigit_value (s->p[0]) << 12) | (g_ascii_xdigit_value (s->p[1]) << 8) |
          (g_ascii_xdigit_value (s->p[2]) << 4) | g_ascii_xdigit_value (s->p[3]);
  s->p += 4;
  return TRUE;
}

/* A string, the opening quote already taken */
static gboolean
scan_string (Scan *s)
{
  s->nul = FALSE;
  while (s->p < s->end)
    {
      unsigned char c = (unsigned char) *s->p++;

      if (c == '"')
        return TRUE;
      if (c < 0x20)
        return FALSE;
      if (c != '\\')
        continue;
      if (s->p >= s->end)
        return FALSE;
      c = (unsigned char) *s->p++;
      if (c == 'u')
        {
          guint unit;

          if (!scan_unit (s, &unit))
            return FALSE;
          if (unit == 0)
            s->nul = TRUE;
          /* UTF-16 surrogates only in pairs: a lone one would decode to text that is not UTF-8 */
          if (unit >= 0xdc00 && unit <= 0xdfff)
            return FALSE;
          if (unit >= 0xd800 && unit <= 0xdbff)
            {
              if (s->end - s->p < 2 || s->p[0] != '\\' || s->p[1] != 'u')
                return FALSE;
              s->p += 2;
              if (!scan_unit (s, &unit) || unit < 0xdc00 || unit > 0xdfff)
                return FALSE;
            }
        }
      else if (!strchr ("\"\\/bfnrt", c) || c == '\0')
        return FALSE;
    }
  return FALSE;
}

static gboolean
scan_digits (Scan *s)
{
  const char *start = s->p;

  while (s->p < s->end && g_ascii_isdigit (*s->p))
    s->p++;
  return s->p > start;
}

static gboolean
scan_number (Scan *s)
{
  if (*s->p == '-')
    s->p++;
  if (s->p < s->end && *s->p == '0')
    s->p++;
  else if (!scan_digits (s))
    return FALSE;
  if (s->p < s->end && *s->p == '.')
    {
      s->p++;
      if (!scan_digits (s))
        return FALSE;
    }
  if (s->p < s->end && (*s->p == 'e' || *s->p == 'E'))
    {
      s->p++;
      if (s->p < s->end && (*s->p == '+' || *s->p == '-'))
        s->p++;
      if (!scan_digits (s))
        return FALSE;
    }
  return TRUE;
}

static gboolean
scan_word (Scan       *s,
           const char *word)
{
  gsize n = strlen (word);

  if ((gsize) (s->end - s->p) < n || memcmp (s->p, word, n) != 0)
    return FALSE;
  s->p += n;
  return TRUE;
}

static void
skip_space (Scan *s)
{
  while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
    s->p++;
}

static MtJsonProblem
check (const char  *data,
       gsize        length,
       char       **member,
       GHashTable **names)   /* per open object: its members' names, as written */
{
  Scan s = { data, data + length, FALSE };
  char stack[MT_JSON_MAX_DEPTH];
  guint depth = 0, values = 0;
  const char *key = NULL;   /* the current top-level member's name, quotes included */
  gsize key_len = 0;
  State state = S_VALUE;

  if (member)
    *member = NULL;

  for (;;)
    {
      skip_space (&s);
      if (state == S_AFTER && depth == 0)
        return s.p == s.end ? MT_JSON_OK : MT_JSON_TRAILING;
      if (s.p >= s.end)
        return MT_JSON_SYNTAX;

      switch (state)
        {
        case S_VALUE_OR_END:
          if (*s.p == ']')
            {
              s.p++;
              depth--;
              state = S_AFTER;
              break;
            }
          G_GNUC_FALLTHROUGH;
        case S_VALUE:
          if (++values > MT_JSON_MAX_VALUES)
            return MT_JSON_VALUES;
          state = S_AFTER;
          if (*s.p == '{' || *s.p == '[')
            {
              if (depth == MT_JSON_MAX_DEPTH)
                return MT_JSON_DEPTH;
              stack[depth++] = *s.p;
              state = *s.p == '{' ? S_KEY_OR_END : S_VALUE_OR_END;
              s.p++;
            }
          else if (*s.p == '"')
            {
              s.p++;
              if (!scan_string (&s))
                return MT_JSON_SYNTAX;
              if (s.nul)
                {
                  if (member && key != NULL)
                    *member = g_strndup (key + 1, key_len - 2);
                  return MT_JSON_NUL;
                }
            }
          else if (*s.p == '-' || g_ascii_isdigit (*s.p))
            {
              if (!scan_number (&s))
                return MT_JSON_SYNTAX;
            }
          else if (!scan_word (&s, "true") && !scan_word (&s, "false") && !scan_word (&s, "null"))
            return MT_JSON_SYNTAX;
          break;

        case S_KEY_OR_END:
          if (*s.p == '}')
            {
              s.p++;
              depth--;
              g_clear_pointer (&names[depth], g_hash_table_unref);
              state = S_AFTER;
              break;
            }
          G_GNUC_FALLTHROUGH;
        case S_KEY:
          {
            const char *start = s.p;

            if (*s.p != '"')
              return MT_JSON_SYNTAX;
            s.p++;
            if (!scan_string (&s))
              return MT_JSON_SYNTAX;
            if (s.nul)
              {
                if (member)
                  *member = depth == 1 ? NULL : (key ? g_strndup (key + 1, key_len - 2) : NULL);
                return MT_JSON_NUL;
              }
            if (depth == 1)
              {
                key = start;
                key_len = s.p - start;
              }
            if (names[depth - 1] == NULL)
              names[depth - 1] = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
            if (!g_hash_table_add (names[depth - 1], g_strndup (start, s.p - start)))
              return MT_JSON_DUPLICATE;
            state = S_COLON;
          }
          break;

        case S_COLON:
          if (*s.p++ != ':')
            return MT_JSON_SYNTAX;
          state = S_VALUE;
          break;

        case S_AFTER:
          if (*s.p == ',')
            state = stack[depth - 1] == '{' ? S_KEY : S_VALUE;
          else if ((*s.p == '}' && stack[depth - 1] == '{') || (*s.p == ']' && stack[depth - 1] == '['))
            g_clear_pointer (&names[--depth], g_hash_table_unref);
          else
            return MT_JSON_SYNTAX;
          s.p++;
          break;

        default:
          g_assert_not_reached ();
        }
    }
}

MtJsonProblem
mt_json_check (const char  *data,
               gsize        length,
               char       **member)
{
  GHashTable *names[MT_JSON_MAX_DEPTH] = { NULL };
  MtJsonProblem problem = check (data, length, member, names);

  for (guint i = 0; i < MT_JSON_MAX_DEPTH; i++)
    g_clear_pointer (&names[i], g_hash_table_unref);
  return problem;
}

const char *
mt_json_problem_message (MtJsonProblem problem)
{
  switch (problem)
    {
    case MT_JSON_OK:
      return "";
    case MT_JSON_SYNTAX:
      return _("The request is not valid JSON");
    case MT_JSON_DEPTH:
      return _("The request is nested too deeply");
    case MT_JSON_VALUES:
      return _("The request holds too many values");
    case MT_JSON_TRAILING:
      return _("The request has something after its JSON value");
    case MT_JSON_NUL:
      return _("must not contain control characters");
    case MT_JSON_DUPLICATE:
      return _("The request names a member twice");
    default:
      g_return_val_if_reached ("");
    }
}
