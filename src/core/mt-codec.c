/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The telemetry codec. Messages arrive at tens of thousands a second from devices nobody
 * controls, so the JSON is read by a small strict parser of our own: bounded size, depth and
 * value count, no allocation beyond one arena, every member checked for type and range before
 * anything is kept. */

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "mt-codec.h"

G_DEFINE_QUARK (mt-codec-error-quark, mt_codec_error)

/* ------------------------------------------------------------------ JSON */

typedef enum
{
  J_NULL,
  J_FALSE,
  J_TRUE,
  J_NUMBER,
  J_STRING,
  J_ARRAY,
  J_OBJECT
} JKind;

typedef struct
{
  JKind       kind;
  int         next;       /* the next sibling, or -1 */
  int         child;      /* the first child of an array or object, or -1 */
  int         n;          /* children */
  const char *key;        /* the member's name inside an object */
  const char *str;        /* a string's decoded text */
  double      num;
  gboolean    integral;   /* written without fraction or exponent, and fits gint64 */
  gint64      i;
} JNode;

#define J_MAX_NODES 512
#define J_MAX_DEPTH 6

typedef struct
{
  const char *p;
  const char *end;
  JNode       nodes[J_MAX_NODES];
  int         n;
  char        arena[MT_CODEC_MAX_PAYLOAD + 1];
  gsize       used;
} JParser;

static void
j_space (JParser *j)
{
  while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
    j->p++;
}

static int
j_hex (char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

static gboolean
j_hex4 (JParser *j,
        gunichar *out)
{
  gunichar v = 0;

  if (j->end - j->p < 4)
    return FALSE;
  for (int k = 0; k < 4; k++)
    {
      int h = j_hex (j->p[k]);
      if (h < 0)
        return FALSE;
      v = v * 16 + (gunichar) h;
    }
  j->p += 4;
  *out = v;
  return TRUE;
}

/* A string at j->p (after its quote), decoded into the arena; the decoded text is never longer
 * than its source, so the arena (the payload's size) always has room */
static const char *
j_string (JParser *j)
{
  char *start = j->arena + j->used;
  char *out = start;

  while (j->p < j->end)
    {
      unsigned char c = (unsigned char) *j->p++;

      if (c == '"')
        {
          *out++ = '\0';
          if (!g_utf8_validate (start, out - start - 1, NULL))
            return NULL;
          j->used = out - j->arena;
          return start;
        }
      if (c < 0x20)
        return NULL;
      if (c != '\\')
        {
          *out++ = (char) c;
          continue;
        }
      if (j->p >= j->end)
        return NULL;
      c = (unsigned char) *j->p++;
      switch (c)
        {
        case '"': *out++ = '"'; break;
        case '\\': *out++ = '\\'; break;
        case '/': *out++ = '/'; break;
        case 'b': *out++ = '\b'; break;
        case 'f': *out++ = '\f'; break;
        case 'n': *out++ = '\n'; break;
        case 'r': *out++ = '\r'; break;
        case 't': *out++ = '\t'; break;
        case 'u':
          {
            gunichar u, low;

            if (!j_hex4 (j, &u))
              return NULL;
            if (u >= 0xD800 && u <= 0xDBFF)
              {
                /* a surrogate pair: 12 source bytes for at most 4 written */
                if (j->end - j->p < 6 || j->p[0] != '\\' || j->p[1] != 'u')
                  return NULL;
                j->p += 2;
                if (!j_hex4 (j, &low) || low < 0xDC00 || low > 0xDFFF)
                  return NULL;
                u = 0x10000 + ((u - 0xD800) << 10) + (low - 0xDC00);
              }
            else if (u >= 0xDC00 && u <= 0xDFFF)
              return NULL;
            if (u == 0)
              return NULL;   /* would cut the text short */
            out += g_unichar_to_utf8 (u, out);
            break;
          }
        default:
          return NULL;
        }
    }
  return NULL;
}

static gboolean
j_number (JParser *j,
          JNode   *node)
{
  const char *s = j->p;
  char buf[64];
  gboolean integral = TRUE;
  gsize len;

  if (j->p < j->end && *j->p == '-')
    j->p++;
  if (j->p >= j->end || !g_ascii_isdigit (*j->p))
    return FALSE;
  if (*j->p == '0')
    j->p++;
  else
    while (j->p < j->end && g_ascii_isdigit (*j->p))
      j->p++;
  if (j->p < j->end && *j->p == '.')
    {
      integral = FALSE;
      j->p++;
      if (j->p >= j->end || !g_ascii_isdigit (*j->p))
        return FALSE;
      while (j->p < j->end && g_ascii_isdigit (*j->p))
        j->p++;
    }
  if (j->p < j->end && (*j->p == 'e' || *j->p == 'E'))
    {
      integral = FALSE;
      j->p++;
      if (j->p < j->end && (*j->p == '+' || *j->p == '-'))
        j->p++;
      if (j->p >= j->end || !g_ascii_isdigit (*j->p))
        return FALSE;
      while (j->p < j->end && g_ascii_isdigit (*j->p))
        j->p++;
    }
  len = j->p - s;
  if (len >= sizeof buf)
    return FALSE;
  memcpy (buf, s, len);
  buf[len] = '\0';
  node->num = g_ascii_strtod (buf, NULL);
  if (!isfinite (node->num))
    return FALSE;
  node->integral = FALSE;
  if (integral)
    {
      gint64 v;

      if (g_ascii_string_to_signed (buf, 10, G_MININT64, G_MAXINT64, &v, NULL))
        {
          node->integral = TRUE;
          node->i = v;
        }
    }
  return TRUE;
}

static gboolean
j_literal (JParser    *j,
           const char *word)
{
  gsize len = strlen (word);

  if ((gsize) (j->end - j->p) < len || memcmp (j->p, word, len) != 0)
    return FALSE;
  j->p += len;
  return TRUE;
}

/* One value at j->p; its node index, or -1 */
static int
j_value (JParser *j,
         int      depth)
{
  int index;
  JNode *node;

  j_space (j);
  if (j->p >= j->end || j->n >= J_MAX_NODES || depth > J_MAX_DEPTH)
    return -1;
  index = j->n++;
  node = &j->nodes[index];
  memset (node, 0, sizeof *node);
  node->next = node->child = -1;

  switch (*j->p)
    {
    case '{':
    case '[':
      {
        gboolean object = *j->p == '{';
        char close = object ? '}' : ']';
        int last = -1;

        node->kind = object ? J_OBJECT : J_ARRAY;
        j->p++;
        j_space (j);
        if (j->p < j->end && *j->p == close)
          {
            j->p++;
            return index;
          }
        for (;;)
          {
            const char *key = NULL;
            int child;

            j_space (j);
            if (object)
              {
                if (j->p >= j->end || *j->p != '"')
                  return -1;
                j->p++;
                if ((key = j_string (j)) == NULL)
                  return -1;
                j_space (j);
                if (j->p >= j->end || *j->p != ':')
                  return -1;
                j->p++;
              }
            child = j_value (j, depth + 1);
            if (child < 0)
              return -1;
            j->nodes[child].key = key;
            if (last < 0)
              j->nodes[index].child = child;
            else
              j->nodes[last].next = child;
            last = child;
            j->nodes[index].n++;
            j_space (j);
            if (j->p >= j->end)
              return -1;
            if (*j->p == ',')
              {
                j->p++;
                continue;
              }
            if (*j->p == close)
              {
                j->p++;
                return index;
              }
            return -1;
          }
      }
    case '"':
      j->p++;
      node->kind = J_STRING;
      node->str = j_string (j);
      return node->str ? index : -1;
    case 't':
      node->kind = J_TRUE;
      return j_literal (j, "true") ? index : -1;
    case 'f':
      node->kind = J_FALSE;
      return j_literal (j, "false") ? index : -1;
    case 'n':
      node->kind = J_NULL;
      return j_literal (j, "null") ? index : -1;
    default:
      node->kind = J_NUMBER;
      return j_number (j, node) ? index : -1;
    }
}

/* The payload as one JSON object with "v": 1; @what names the message in errors */
static gboolean
j_parse (JParser    *j,
         const char *payload,
         gsize       length,
         const char *what,
         GError    **error)
{
  int root;

  if (payload == NULL || length == 0 || length > MT_CODEC_MAX_PAYLOAD)
    {
      g_set_error (error, MT_CODEC_ERROR, MT_CODEC_ERROR_SIZE,
                   _("%s: the message is empty or larger than %d bytes"), what, MT_CODEC_MAX_PAYLOAD);
      return FALSE;
    }
  j->p = payload;
  j->end = payload + length;
  j->n = 0;
  j->used = 0;
  root = j_value (j, 0);
  j_space (j);
  if (root != 0 || j->p != j->end || j->nodes[0].kind != J_OBJECT)
    {
      g_set_error (error, MT_CODEC_ERROR, MT_CODEC_ERROR_SYNTAX, _("%s: not a JSON object"), what);
      return FALSE;
    }
  for (int c = j->nodes[0].child; c >= 0; c = j->nodes[c].next)
    if (g_strcmp0 (j->nodes[c].key, "v") == 0)
      {
        if (j->nodes[c].kind == J_NUMBER && j->nodes[c].integral && j->nodes[c].i == MT_CODEC_VERSION)
          return TRUE;
        break;
      }
  g_set_error (error, MT_CODEC_ERROR, MT_CODEC_ERROR_VERSION,
               _("%s: “v” must be the schema version %d"), what, MT_CODEC_VERSION);
  return FALSE;
}

static int
j_member (JParser    *j,
          int         object,
          const char *key)
{
  for (int c = j->nodes[object].child; c >= 0; c = j->nodes[c].next)
    if (g_strcmp0 (j->nodes[c].key, key) == 0)
      return c;
  return -1;
}

static gboolean
member_error (GError    **error,
              const char *what,
              const char *key,
              const char *rule)
{
  g_set_error (error, MT_CODEC_ERROR, MT_CODEC_ERROR_MEMBER, "%s: “%s” %s", what, key, rule);
  return FALSE;
}

static gboolean
range_error (GError    **error,
             const char *what,
             const char *key,
             double      min,
             double      max)
{
  g_autofree char *rule = NULL;
  char a[G_ASCII_DTOSTR_BUF_SIZE], b[G_ASCII_DTOSTR_BUF_SIZE];

  g_ascii_formatd (a, sizeof a, "%.15g", min);
  g_ascii_formatd (b, sizeof b, "%.15g", max);
  rule = g_strdup_printf (_("must be a number from %s to %s"), a, b);
  return member_error (error, what, key, rule);
}

/* An integer member within [min, max]; absent: *out untouched and FALSE unless required */
static gboolean
j_int (JParser    *j,
       int         node,
       const char *what,
       const char *key,
       gint64      min,
       gint64      max,
       gint64     *out,
       GError    **error)
{
  if (node < 0 || j->nodes[node].kind != J_NUMBER || !j->nodes[node].integral ||
      j->nodes[node].i < min || j->nodes[node].i > max)
    return range_error (error, what, key, (double) min, (double) max);
  *out = j->nodes[node].i;
  return TRUE;
}

/* The member @key of @object in *@node (-1 when absent); FALSE when a required one is absent */
static gboolean
j_find (JParser    *j,
        int         object,
        const char *what,
        const char *key,
        gboolean    required,
        int        *node,
        GError    **error)
{
  *node = j_member (j, object, key);
  if (*node < 0 && required)
    return member_error (error, what, key, _("is missing"));
  return TRUE;
}

static gboolean
j_get_int (JParser    *j,
           int         object,
           const char *what,
           const char *key,
           gboolean    required,
           gint64      min,
           gint64      max,
           gint64     *out,
           GError    **error)
{
  int node;

  if (!j_find (j, object, what, key, required, &node, error))
    return FALSE;
  return node < 0 || j_int (j, node, what, key, min, max, out, error);
}

static gboolean
j_get_double (JParser    *j,
              int         object,
              const char *what,
              const char *key,
              gboolean    required,
              double      min,
              double      max,
              double     *out,
              GError    **error)
{
  int node;

  if (!j_find (j, object, what, key, required, &node, error))
    return FALSE;
  if (node < 0)
    return TRUE;
  if (j->nodes[node].kind != J_NUMBER || j->nodes[node].num < min || j->nodes[node].num > max)
    return range_error (error, what, key, min, max);
  *out = j->nodes[node].num;
  return TRUE;
}

/* A boolean member: 0, 1, or MT_ABSENT when absent */
static gboolean
j_get_bool (JParser    *j,
            int         object,
            const char *what,
            const char *key,
            int        *out,
            GError    **error)
{
  int node = j_member (j, object, key);

  if (node < 0)
    return TRUE;
  if (j->nodes[node].kind != J_TRUE && j->nodes[node].kind != J_FALSE)
    return member_error (error, what, key, _("must be true or false"));
  *out = j->nodes[node].kind == J_TRUE;
  return TRUE;
}

/* A string member of at most @max bytes, copied into @out (max + 1 bytes) */
static gboolean
j_get_string (JParser    *j,
              int         object,
              const char *what,
              const char *key,
              gboolean    required,
              gsize       max,
              char       *out,
              GError    **error)
{
  g_autofree char *rule = NULL;
  int node;

  if (!j_find (j, object, what, key, required, &node, error))
    return FALSE;
  if (node < 0)
    return TRUE;
  if (j->nodes[node].kind != J_STRING || strlen (j->nodes[node].str) > max)
    {
      rule = g_strdup_printf (_("must be text of at most %u bytes"), (guint) max);
      return member_error (error, what, key, rule);
    }
  g_strlcpy (out, j->nodes[node].str, max + 1);
  return TRUE;
}

/* "seq" and "ts"; ts optional for a last will */
static gboolean
j_header (JParser    *j,
          const char *what,
          gboolean    ts_required,
          guint32    *seq,
          gint64     *ts,
          GError    **error)
{
  gint64 s = 0;

  if (seq != NULL)
    {
      if (!j_get_int (j, 0, what, "seq", TRUE, 0, G_MAXUINT32, &s, error))
        return FALSE;
      *seq = (guint32) s;
    }
  return j_get_int (j, 0, what, "ts", ts_required, 1, G_GINT64_CONSTANT (253402300799999), ts, error);
}

/* ------------------------------------------------------------------ writing */

static void
put_string (GString    *out,
            const char *s)
{
  g_string_append_c (out, '"');
  for (const unsigned char *p = (const unsigned char *) s; *p; p++)
    {
      if (*p == '"' || *p == '\\')
        g_string_append_printf (out, "\\%c", *p);
      else if (*p < 0x20)
        g_string_append_printf (out, "\\u%04x", *p);
      else
        g_string_append_c (out, (char) *p);
    }
  g_string_append_c (out, '"');
}

static void
put_double (GString    *out,
            const char *format,
            double      v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  g_string_append (out, g_ascii_formatd (buf, sizeof buf, format, v));
}

static void
put_int_member (GString    *out,
                const char *key,
                gint64      v)
{
  g_string_append_printf (out, ",\"%s\":%" G_GINT64_FORMAT, key, v);
}

static void
put_bool_member (GString    *out,
                 const char *key,
                 int         v)
{
  if (v != MT_ABSENT)
    g_string_append_printf (out, ",\"%s\":%s", key, v ? "true" : "false");
}

/* ------------------------------------------------------------------ topics */

static const char *const topic_names[MT_N_TOPICS] = { "telemetry", "event", "status", "cmd", "ack" };

gboolean
mt_device_no_is_valid (const char *device_no)
{
  gsize len = device_no ? strlen (device_no) : 0;

  if (len < 4 || len > MT_DEVICE_NO_MAX)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isalnum (device_no[i]) && device_no[i] != '-' && device_no[i] != '_')
      return FALSE;
  return TRUE;
}

gboolean
mt_topic_parse (const char  *prefix,
                const char  *topic,
                char        *device_no,
                MtTopicKind *kind,
                GError     **error)
{
  gsize plen = strlen (prefix);
  const char *rest, *slash;

  if (topic == NULL || strncmp (topic, prefix, plen) != 0 || strncmp (topic + plen, "/dev/", 5) != 0)
    goto bad;
  rest = topic + plen + 5;
  slash = strchr (rest, '/');
  if (slash == NULL || slash - rest > MT_DEVICE_NO_MAX)
    goto bad;
  memcpy (device_no, rest, slash - rest);
  device_no[slash - rest] = '\0';
  if (!mt_device_no_is_valid (device_no))
    goto bad;
  for (guint k = 0; k < MT_N_TOPICS; k++)
    if (g_str_equal (slash + 1, topic_names[k]))
      {
        *kind = (MtTopicKind) k;
        return TRUE;
      }

bad:
  g_set_error (error, MT_CODEC_ERROR, MT_CODEC_ERROR_TOPIC, _("the topic “%s” is not one of the protocol's"),
               topic ? topic : "");
  return FALSE;
}

char *
mt_topic_build (const char  *prefix,
                const char  *device_no,
                MtTopicKind  kind)
{
  return g_strdup_printf ("%s/dev/%s/%s", prefix, device_no, topic_names[kind]);
}

char *
mt_topic_filter (const char  *prefix,
                 MtTopicKind  kind)
{
  return g_strdup_printf ("%s/dev/+/%s", prefix, topic_names[kind]);
}

/* ------------------------------------------------------------------ telemetry */

static const char *const prot_names[MT_N_PROTS] = {
  "cell_ov", "cell_uv", "pack_ov", "pack_uv", "charge_oc", "discharge_oc", "short_circuit",
  "temp_high", "temp_low"
};

const char *
mt_prot_name (MtProt prot)
{
  return prot < MT_N_PROTS ? prot_names[prot] : NULL;
}

static gboolean
prot_lookup (const char *name,
             MtProt     *prot)
{
  for (guint k = 0; k < MT_N_PROTS; k++)
    if (g_strcmp0 (name, prot_names[k]) == 0)
      {
        *prot = (MtProt) k;
        return TRUE;
      }
  return FALSE;
}

static const char *const state_names[] = { "idle", "charging", "discharging" };

const char *
mt_bms_state_name (MtBmsState state)
{
  return state <= MT_BMS_DISCHARGING ? state_names[state] : NULL;
}

static const char *const chem_names[] = { "nmc", "lfp", "lto" };
static const char *const balance_names[] = { "passive", "active" };

const char *
mt_chemistry_name (MtChemistry chem)
{
  return chem < MT_N_CHEMS ? chem_names[chem] : NULL;
}

/* An optional string member that must be one of @names; *out its index, or left as is */
static gboolean
j_get_enum (JParser           *j,
            const char        *what,
            const char        *key,
            const char *const *names,
            guint              n_names,
            const char        *rule,
            int               *out,
            GError           **error)
{
  char text[16] = "";
  int node = j_member (j, 0, key);

  if (node < 0)
    return TRUE;
  if (j->nodes[node].kind == J_STRING && strlen (j->nodes[node].str) < sizeof text)
    {
      g_strlcpy (text, j->nodes[node].str, sizeof text);
      for (guint k = 0; k < n_names; k++)
        if (g_str_equal (text, names[k]))
          {
            *out = (int) k;
            return TRUE;
          }
    }
  return member_error (error, what, key, rule);
}

/* An optional date "YYYY-MM-DD" that exists */
static gboolean
j_get_date (JParser    *j,
            const char *what,
            const char *key,
            char       *out,
            GError    **error)
{
  int node = j_member (j, 0, key);
  unsigned y = 0, m = 0, d = 0;
  int end = 0;

  if (node < 0)
    return TRUE;
  if (j->nodes[node].kind != J_STRING || strlen (j->nodes[node].str) != 10 ||
      sscanf (j->nodes[node].str, "%4u-%2u-%2u%n", &y, &m, &d, &end) != 3 || end != 10 ||
      y < 1970 || y > 9999 || !g_date_valid_dmy ((GDateDay) d, (GDateMonth) m, (GDateYear) y))
    return member_error (error, what, key, _("must be a date written YYYY-MM-DD"));
  g_strlcpy (out, j->nodes[node].str, 11);
  return TRUE;
}

void
mt_telemetry_init (MtTelemetry *t)
{
  memset (t, 0, sizeof *t);
  t->board_dc = t->remaining_mah = t->nominal_mah = t->cycles = MT_ABSENT;
  t->charge_on = t->discharge_on = t->vibration = MT_ABSENT;
  t->chem = t->balance_type = t->preheat = t->relay = t->fw_major = t->fw_minor = MT_ABSENT;
  t->speed_kmh = -1;
}

/* An array member of integers within [min, max], at most @max_n, nulls as MT_ABSENT when
 * @nulls; *n receives the count */
static gboolean
j_get_int_array (JParser    *j,
                 const char *what,
                 const char *key,
                 gboolean    required,
                 int         min_n,
                 int         max_n,
                 gint64      min,
                 gint64      max,
                 gboolean    nulls,
                 int        *values,
                 int        *n,
                 GError    **error)
{
  g_autofree char *rule = NULL;
  int node;

  if (!j_find (j, 0, what, key, required, &node, error))
    return FALSE;
  if (node < 0)
    return TRUE;
  if (j->nodes[node].kind != J_ARRAY || j->nodes[node].n < min_n || j->nodes[node].n > max_n)
    {
      rule = g_strdup_printf (_("must be a list of %d to %d numbers"), min_n, max_n);
      return member_error (error, what, key, rule);
    }
  *n = 0;
  for (int c = j->nodes[node].child; c >= 0; c = j->nodes[c].next)
    {
      gint64 v = 0;

      if (nulls && j->nodes[c].kind == J_NULL)
        {
          values[(*n)++] = MT_ABSENT;
          continue;
        }
      if (!j_int (j, c, what, key, min, max, &v, error))
        return FALSE;
      values[(*n)++] = (int) v;
    }
  return TRUE;
}

gboolean
mt_telemetry_parse (const char  *payload,
                    gsize        length,
                    MtTelemetry *t,
                    GError     **error)
{
  JParser *j = g_new (JParser, 1);
  const char *what = "telemetry";
  gint64 v = 0;
  gboolean ok = FALSE;
  char state[16] = "";
  int node;

  mt_telemetry_init (t);
  if (!j_parse (j, payload, length, what, error) ||
      !j_header (j, what, TRUE, &t->seq, &t->ts_ms, error) ||
      !j_get_string (j, 0, what, "state", TRUE, sizeof state - 1, state, error))
    goto out;
  for (guint k = 0; k < G_N_ELEMENTS (state_names); k++)
    if (g_str_equal (state, state_names[k]))
      {
        t->state = (MtBmsState) k;
        goto state_ok;
      }
  member_error (error, what, "state", _("must be idle, charging or discharging"));
  goto out;

state_ok:
#define INT(key, req, min, max, field) \
  G_STMT_START { v = MT_ABSENT; \
    if (!j_get_int (j, 0, what, key, req, min, max, &v, error)) goto out; \
    field = (int) v; } G_STMT_END
  INT ("soc", TRUE, 0, 100, t->soc);
  INT ("pack_mv", TRUE, 0, 200000, t->pack_mv);
  INT ("current_ma", TRUE, -1000000, 1000000, t->current_ma);
  node = j_member (j, 0, "board_dc");
  if (node >= 0 && j->nodes[node].kind != J_NULL)
    INT ("board_dc", FALSE, -400, 1500, t->board_dc);
  INT ("remaining_mah", FALSE, 0, 10000000, t->remaining_mah);
  INT ("nominal_mah", FALSE, 0, 10000000, t->nominal_mah);
  INT ("cycles", FALSE, 0, 1000000, t->cycles);
  INT ("fw_major", FALSE, 0, 65535, t->fw_major);
  INT ("fw_minor", FALSE, 0, 65535, t->fw_minor);
#undef INT
  if (!j_get_int_array (j, what, "cells_mv", TRUE, 1, MT_MAX_CELLS, 0, 5000, FALSE, t->cells_mv, &t->n_cells, error) ||
      !j_get_int_array (j, what, "temps_dc", FALSE, 0, MT_MAX_TEMPS, -400, 1500, TRUE, t->temps_dc, &t->n_temps, error) ||
      !j_get_bool (j, 0, what, "charge_on", &t->charge_on, error) ||
      !j_get_bool (j, 0, what, "discharge_on", &t->discharge_on, error) ||
      !j_get_bool (j, 0, what, "vibration", &t->vibration, error) ||
      !j_get_string (j, 0, what, "fw", FALSE, 32, t->fw, error) ||
      !j_get_string (j, 0, what, "hw", FALSE, 32, t->hw, error) ||
      !j_get_string (j, 0, what, "tower", FALSE, 32, t->tower, error) ||
      !j_get_string (j, 0, what, "mcu", FALSE, 32, t->mcu, error) ||
      !j_get_string (j, 0, what, "vendor", FALSE, 32, t->vendor, error) ||
      !j_get_string (j, 0, what, "cabinet", FALSE, 32, t->cabinet, error) ||
      !j_get_bool (j, 0, what, "preheat", &t->preheat, error) ||
      !j_get_bool (j, 0, what, "relay", &t->relay, error) ||
      !j_get_int_array (j, what, "ext_dc", FALSE, 0, MT_MAX_EXT_TEMPS, -400, 1500, TRUE, t->ext_dc, &t->n_ext, error) ||
      !j_get_enum (j, what, "chem", chem_names, G_N_ELEMENTS (chem_names), _("must be nmc, lfp or lto"),
                   &t->chem, error) ||
      !j_get_enum (j, what, "balance", balance_names, G_N_ELEMENTS (balance_names),
                   _("must be passive or active"), &t->balance_type, error) ||
      !j_get_date (j, what, "made", t->made, error))
    goto out;

  if ((node = j_member (j, 0, "prot")) >= 0)
    {
      if (j->nodes[node].kind != J_ARRAY || j->nodes[node].n > MT_N_PROTS)
        {
          member_error (error, what, "prot", _("must be a list of protection names"));
          goto out;
        }
      for (int c = j->nodes[node].child; c >= 0; c = j->nodes[c].next)
        {
          MtProt p;
          if (j->nodes[c].kind != J_STRING || !prot_lookup (j->nodes[c].str, &p))
            {
              member_error (error, what, "prot", _("must be a list of protection names"));
              goto out;
            }
          t->prot |= 1u << p;
        }
    }
  {
    int cells[MT_MAX_CELLS], n = 0;

    if (!j_get_int_array (j, what, "balancing", FALSE, 0, MT_MAX_CELLS, 1, t->n_cells, FALSE, cells, &n, error))
      goto out;
    for (int k = 0; k < n; k++)
      t->balancing |= 1u << (cells[k] - 1);
  }
  if ((node = j_member (j, 0, "pos")) >= 0 && j->nodes[node].kind != J_NULL)
    {
      if (j->nodes[node].kind != J_OBJECT)
        {
          member_error (error, what, "pos", _("must be an object with lat and lng"));
          goto out;
        }
      if (!j_get_double (j, node, what, "lat", TRUE, -90, 90, &t->lat, error) ||
          !j_get_double (j, node, what, "lng", TRUE, -180, 180, &t->lng, error) ||
          !j_get_double (j, node, what, "speed_kmh", FALSE, 0, 300, &t->speed_kmh, error))
        goto out;
      t->has_pos = TRUE;
    }
  ok = TRUE;

out:
  g_free (j);
  return ok;
}

/* Temperature sensors, an open one as null; nothing without sensors */
static void
put_sensors (GString    *out,
             const char *key,
             const int  *values,
             int         n)
{
  if (n <= 0)
    return;
  g_string_append_printf (out, ",\"%s\":[", key);
  for (int k = 0; k < n; k++)
    {
      if (k)
        g_string_append_c (out, ',');
      if (values[k] == MT_ABSENT)
        g_string_append (out, "null");
      else
        g_string_append_printf (out, "%d", values[k]);
    }
  g_string_append_c (out, ']');
}

char *
mt_telemetry_to_json (const MtTelemetry *t)
{
  GString *out = g_string_sized_new (512);
  gboolean first;

  g_string_append_printf (out, "{\"v\":%d,\"seq\":%u,\"ts\":%" G_GINT64_FORMAT ",\"state\":\"%s\"",
                          MT_CODEC_VERSION, t->seq, t->ts_ms, mt_bms_state_name (t->state));
  put_int_member (out, "soc", t->soc);
  put_int_member (out, "pack_mv", t->pack_mv);
  put_int_member (out, "current_ma", t->current_ma);
  g_string_append (out, ",\"cells_mv\":[");
  for (int k = 0; k < t->n_cells; k++)
    g_string_append_printf (out, k ? ",%d" : "%d", t->cells_mv[k]);
  g_string_append_c (out, ']');
  put_sensors (out, "temps_dc", t->temps_dc, t->n_temps);
  if (t->board_dc != MT_ABSENT)
    put_int_member (out, "board_dc", t->board_dc);
  if (t->remaining_mah != MT_ABSENT)
    put_int_member (out, "remaining_mah", t->remaining_mah);
  if (t->nominal_mah != MT_ABSENT)
    put_int_member (out, "nominal_mah", t->nominal_mah);
  if (t->cycles != MT_ABSENT)
    put_int_member (out, "cycles", t->cycles);
  put_bool_member (out, "charge_on", t->charge_on);
  put_bool_member (out, "discharge_on", t->discharge_on);
  put_bool_member (out, "vibration", t->vibration);
  g_string_append (out, ",\"prot\":[");
  first = TRUE;
  for (guint k = 0; k < MT_N_PROTS; k++)
    if (t->prot & (1u << k))
      {
        g_string_append_printf (out, first ? "\"%s\"" : ",\"%s\"", prot_names[k]);
        first = FALSE;
      }
  g_string_append (out, "],\"balancing\":[");
  first = TRUE;
  for (int k = 0; k < t->n_cells; k++)
    if (t->balancing & (1u << k))
      {
        g_string_append_printf (out, first ? "%d" : ",%d", k + 1);
        first = FALSE;
      }
  g_string_append_c (out, ']');
  if (t->has_pos)
    {
      g_string_append (out, ",\"pos\":{\"lat\":");
      put_double (out, "%.6f", t->lat);
      g_string_append (out, ",\"lng\":");
      put_double (out, "%.6f", t->lng);
      if (t->speed_kmh >= 0)
        {
          g_string_append (out, ",\"speed_kmh\":");
          put_double (out, "%.1f", t->speed_kmh);
        }
      g_string_append_c (out, '}');
    }
  if (t->fw[0])
    {
      g_string_append (out, ",\"fw\":");
      put_string (out, t->fw);
    }
  if (t->hw[0])
    {
      g_string_append (out, ",\"hw\":");
      put_string (out, t->hw);
    }
  {
    const struct { const char *key; const char *value; } texts[] = {
      { "tower", t->tower }, { "mcu", t->mcu }, { "vendor", t->vendor }, { "cabinet", t->cabinet },
      { "made", t->made },
      { "chem", t->chem >= 0 && t->chem < MT_N_CHEMS ? chem_names[t->chem] : "" },
      { "balance", t->balance_type >= 0 && t->balance_type < MT_N_BALANCE_TYPES ? balance_names[t->balance_type] : "" },
    };

    for (guint k = 0; k < G_N_ELEMENTS (texts); k++)
      if (texts[k].value[0])
        {
          g_string_append_printf (out, ",\"%s\":", texts[k].key);
          put_string (out, texts[k].value);
        }
  }
  if (t->fw_major != MT_ABSENT)
    put_int_member (out, "fw_major", t->fw_major);
  if (t->fw_minor != MT_ABSENT)
    put_int_member (out, "fw_minor", t->fw_minor);
  put_bool_member (out, "preheat", t->preheat);
  put_bool_member (out, "relay", t->relay);
  put_sensors (out, "ext_dc", t->ext_dc, t->n_ext);
  g_string_append_c (out, '}');
  return g_string_free (out, FALSE);
}

void
mt_telemetry_cell_extremes (const MtTelemetry *t,
                            int               *highest,
                            int               *lowest)
{
  *highest = *lowest = t->n_cells > 0 ? 0 : -1;
  for (int k = 1; k < t->n_cells; k++)
    {
      if (t->cells_mv[k] > t->cells_mv[*highest])
        *highest = k;
      if (t->cells_mv[k] < t->cells_mv[*lowest])
        *lowest = k;
    }
}

/* ------------------------------------------------------------------ events and status */

static const char *const event_names[] = { NULL, "vibration", "over_charge", "over_discharge", "button" };

gboolean
mt_event_parse (const char *payload,
                gsize       length,
                MtEvent    *out,
                GError    **error)
{
  JParser *j = g_new (JParser, 1);
  const char *what = "event";
  char type[32] = "";
  gboolean ok = FALSE;

  memset (out, 0, sizeof *out);
  if (!j_parse (j, payload, length, what, error) ||
      !j_header (j, what, TRUE, &out->seq, &out->ts_ms, error) ||
      !j_get_string (j, 0, what, "type", TRUE, sizeof type - 1, type, error))
    goto done;
  if (prot_lookup (type, &out->prot))
    out->kind = MT_EVENT_PROT;
  else
    {
      guint k;
      for (k = 1; k < G_N_ELEMENTS (event_names); k++)
        if (g_str_equal (type, event_names[k]))
          break;
      if (k == G_N_ELEMENTS (event_names))
        {
          member_error (error, what, "type", _("is not an event of the protocol"));
          goto done;
        }
      out->kind = (MtEventKind) k;
    }
  out->value = NAN;
  if (j_member (j, 0, "value") >= 0)
    {
      if (!j_get_double (j, 0, what, "value", TRUE, -1e7, 1e7, &out->value, error))
        goto done;
      out->has_value = TRUE;
    }
  ok = TRUE;

done:
  g_free (j);
  return ok;
}

const char *
mt_event_alarm_type (const MtEvent *event)
{
  if (event->kind == MT_EVENT_PROT)
    return mt_prot_name (event->prot);
  if (event->kind == MT_EVENT_BUTTON)
    return NULL;
  return event_names[event->kind];
}

char *
mt_event_to_json (const MtEvent *event)
{
  GString *out = g_string_new (NULL);
  const char *type = event->kind == MT_EVENT_PROT ? mt_prot_name (event->prot) : event_names[event->kind];

  g_string_append_printf (out, "{\"v\":%d,\"seq\":%u,\"ts\":%" G_GINT64_FORMAT ",\"type\":\"%s\"",
                          MT_CODEC_VERSION, event->seq, event->ts_ms, type);
  if (event->has_value)
    {
      g_string_append (out, ",\"value\":");
      put_double (out, "%.15g", event->value);
    }
  g_string_append_c (out, '}');
  return g_string_free (out, FALSE);
}

gboolean
mt_status_parse (const char *payload,
                 gsize       length,
                 gboolean   *online,
                 GError    **error)
{
  JParser *j = g_new (JParser, 1);
  gint64 ts = 0;
  int v = MT_ABSENT;
  gboolean ok = j_parse (j, payload, length, "status", error) &&
                j_header (j, "status", FALSE, NULL, &ts, error) &&
                j_get_bool (j, 0, "status", "online", &v, error);

  if (ok && v == MT_ABSENT)
    ok = member_error (error, "status", "online", _("is missing"));
  if (ok)
    *online = v;
  g_free (j);
  return ok;
}

char *
mt_status_to_json (gboolean online,
                   gint64   ts_ms)
{
  if (ts_ms == 0)
    return g_strdup_printf ("{\"v\":%d,\"online\":%s}", MT_CODEC_VERSION, online ? "true" : "false");
  return g_strdup_printf ("{\"v\":%d,\"online\":%s,\"ts\":%" G_GINT64_FORMAT "}", MT_CODEC_VERSION,
                          online ? "true" : "false", ts_ms);
}

/* ------------------------------------------------------------------ parameters */

static const MtParamInfo params[MT_N_PARAMS] = {
  { "cell_ov_mv", N_("Cell over-voltage protection"), "mV", 2000, 4800, 4250, "V", 1000, 3 },
  { "cell_ov_release_mv", N_("Cell over-voltage release"), "mV", 2000, 4800, 4150, "V", 1000, 3 },
  { "cell_uv_mv", N_("Cell under-voltage protection"), "mV", 1500, 3800, 2800, "V", 1000, 3 },
  { "cell_uv_release_mv", N_("Cell under-voltage release"), "mV", 1500, 3800, 3000, "V", 1000, 3 },
  { "pack_ov_mv", N_("Pack over-voltage protection"), "mV", 1000, 200000, 85000, "V", 1000, 1 },
  { "pack_ov_release_mv", N_("Pack over-voltage release"), "mV", 1000, 200000, 83000, "V", 1000, 1 },
  { "pack_uv_mv", N_("Pack under-voltage protection"), "mV", 1000, 200000, 56000, "V", 1000, 1 },
  { "pack_uv_release_mv", N_("Pack under-voltage release"), "mV", 1000, 200000, 60000, "V", 1000, 1 },
  { "charge_oc_ma", N_("Charge over-current"), "mA", 100, 1000000, 30000, "A", 1000, 1 },
  { "discharge_oc_ma", N_("Discharge over-current"), "mA", 100, 1000000, 60000, "A", 1000, 1 },
  { "charge_temp_high_dc", N_("Charge temperature high"), "0.1 °C", -400, 1500, 550, "°C", 10, 1 },
  { "charge_temp_low_dc", N_("Charge temperature low"), "0.1 °C", -400, 1500, 0, "°C", 10, 1 },
  { "discharge_temp_high_dc", N_("Discharge temperature high"), "0.1 °C", -400, 1500, 650, "°C", 10, 1 },
  { "discharge_temp_low_dc", N_("Discharge temperature low"), "0.1 °C", -400, 1500, -200, "°C", 10, 1 },
  { "balance_start_mv", N_("Balance start voltage"), "mV", 0, 4800, 3400, "V", 1000, 3 },
  { "balance_delta_mv", N_("Balance start delta"), "mV", 1, 1000, 30, "mV", 1, 0 },
  { "low_voltage_alarm_mv", N_("Low-voltage alarm"), "mV", 1500, 4000, 3100, "V", 1000, 3 },
  { "nominal_mah", N_("Nominal capacity"), "mAh", 1000, 10000000, 55000, "Ah", 1000, 1 },
};

char *
mt_param_format (MtParam param,
                 int     value)
{
  const MtParamInfo *info = &params[param];
  int decimals = info->decimals, digits = 0;
  gint64 whole, part, mag = ABS ((gint64) value);
  int tenths = 1;

  for (int s = info->scale; s > 1; s /= 10)
    digits++;
  /* more decimals only when the value needs them to be exact */
  for (int k = 0; k < digits - decimals; k++)
    tenths *= 10;
  while (decimals < digits && mag % tenths != 0)
    {
      decimals++;
      tenths /= 10;
    }
  whole = mag / info->scale;
  part = mag % info->scale;
  if (decimals == 0)
    return g_strdup_printf ("%s%" G_GINT64_FORMAT, value < 0 ? "-" : "", whole);
  for (int k = decimals; k < digits; k++)
    part /= 10;
  return g_strdup_printf ("%s%" G_GINT64_FORMAT ".%0*" G_GINT64_FORMAT, value < 0 ? "-" : "", whole, decimals, part);
}

static gboolean
param_range_error (const MtParamInfo *info,
                   GError           **error)
{
  g_autofree char *min = mt_param_format ((MtParam) (info - params), info->min);
  g_autofree char *max = mt_param_format ((MtParam) (info - params), info->max);

  g_set_error (error, MT_CODEC_ERROR, MT_CODEC_ERROR_MEMBER, _("%s must be from %s to %s %s"),
               _(info->title), min, max, info->shown_unit);
  return FALSE;
}

gboolean
mt_param_parse (MtParam      param,
                const char  *text,
                gint64      *value,
                GError     **error)
{
  const MtParamInfo *info = &params[param];
  g_autofree char *t = g_strstrip (g_strdup (text ? text : ""));
  const char *p = t;
  gboolean negative = FALSE;
  gint64 whole = 0, part = 0;
  int digits = 0, scale_digits = 0, n = 0;

  for (int s = info->scale; s > 1; s /= 10)
    scale_digits++;
  if (*p == '-' || *p == '+')
    negative = *p++ == '-';
  for (; g_ascii_isdigit (*p) && n < 10; p++, n++)
    whole = whole * 10 + (*p - '0');
  if ((*p == '.' || *p == ',') && n > 0)
    for (p++; g_ascii_isdigit (*p); p++)
      {
        if (++digits > scale_digits)
          {
            g_set_error (error, MT_CODEC_ERROR, MT_CODEC_ERROR_MEMBER,
                         g_dngettext (NULL, "%s takes at most %d decimal", "%s takes at most %d decimals",
                                      scale_digits),
                         _(info->title), scale_digits);
            return FALSE;
          }
        part = part * 10 + (*p - '0');
      }
  if (n == 0 || *p != '\0')
    {
      g_set_error (error, MT_CODEC_ERROR, MT_CODEC_ERROR_MEMBER, _("%s must be a number in %s"),
                   _(info->title), info->shown_unit);
      return FALSE;
    }
  for (; digits < scale_digits; digits++)
    part *= 10;
  *value = (whole * info->scale + part) * (negative ? -1 : 1);
  if (*value < info->min || *value > info->max)
    return param_range_error (info, error);
  return TRUE;
}

const MtParamInfo *
mt_param_info (MtParam param)
{
  return param < MT_N_PARAMS ? &params[param] : NULL;
}

gboolean
mt_param_lookup (const char *key,
                 MtParam    *param)
{
  for (guint k = 0; k < MT_N_PARAMS; k++)
    if (g_strcmp0 (key, params[k].key) == 0)
      {
        *param = (MtParam) k;
        return TRUE;
      }
  return FALSE;
}

void
mt_params_factory (MtParams *p)
{
  p->mask = (1u << MT_N_PARAMS) - 1;
  for (guint k = 0; k < MT_N_PARAMS; k++)
    p->values[k] = params[k].factory;
}

gboolean
mt_params_set (MtParams  *p,
               MtParam    param,
               gint64     value,
               GError   **error)
{
  const MtParamInfo *info = &params[param];

  if (value < info->min || value > info->max)
    {
      g_set_error (error, MT_CODEC_ERROR, MT_CODEC_ERROR_MEMBER, _("%s must be from %d to %d %s"),
                   _(info->title), info->min, info->max, info->unit);
      return FALSE;
    }
  p->values[param] = (int) value;
  p->mask |= 1u << param;
  return TRUE;
}

/* "params": an object of known parameters, each in range; at least one when @required */
static gboolean
j_get_params (JParser    *j,
              const char *what,
              gboolean    required,
              MtParams   *out,
              GError    **error)
{
  int node = j_member (j, 0, "params");

  memset (out, 0, sizeof *out);
  if (node < 0 && !required)
    return TRUE;
  if (node < 0 || j->nodes[node].kind != J_OBJECT || (required && j->nodes[node].n == 0))
    return member_error (error, what, "params", _("must be an object of BMS parameters"));
  for (int c = j->nodes[node].child; c >= 0; c = j->nodes[c].next)
    {
      MtParam p;
      gint64 v = 0;

      if (!mt_param_lookup (j->nodes[c].key, &p))
        return member_error (error, what, j->nodes[c].key, _("is not a BMS parameter"));
      if (!j_int (j, c, what, j->nodes[c].key, params[p].min, params[p].max, &v, error))
        return FALSE;
      out->values[p] = (int) v;
      out->mask |= 1u << p;
    }
  return TRUE;
}

static void
put_params (GString        *out,
            const MtParams *p)
{
  gboolean first = TRUE;

  g_string_append (out, ",\"params\":{");
  for (guint k = 0; k < MT_N_PARAMS; k++)
    if (p->mask & (1u << k))
      {
        g_string_append_printf (out, "%s\"%s\":%d", first ? "" : ",", params[k].key, p->values[k]);
        first = FALSE;
      }
  g_string_append_c (out, '}');
}

/* ------------------------------------------------------------------ commands and acks */

static const char *const command_names[MT_N_CMDS] = {
  "charge", "discharge", "restart", "factory_reset", "read_params", "write_params"
};

const char *
mt_command_name (MtCommandKind kind)
{
  return kind < MT_N_CMDS ? command_names[kind] : NULL;
}

gboolean
mt_command_lookup (const char    *name,
                   MtCommandKind *kind)
{
  for (guint k = 0; k < MT_N_CMDS; k++)
    if (g_strcmp0 (name, command_names[k]) == 0)
      {
        *kind = (MtCommandKind) k;
        return TRUE;
      }
  return FALSE;
}

gboolean
mt_command_parse (const char *payload,
                  gsize       length,
                  MtCommand  *out,
                  GError    **error)
{
  JParser *j = g_new (JParser, 1);
  const char *what = "command";
  char name[32] = "";
  int on = MT_ABSENT;
  gboolean ok = FALSE;

  memset (out, 0, sizeof *out);
  if (!j_parse (j, payload, length, what, error) ||
      !j_get_string (j, 0, what, "id", TRUE, MT_COMMAND_ID_MAX, out->id, error) ||
      !j_get_string (j, 0, what, "cmd", TRUE, sizeof name - 1, name, error))
    goto done;
  if (out->id[0] == '\0')
    {
      member_error (error, what, "id", _("must not be empty"));
      goto done;
    }
  if (!mt_command_lookup (name, &out->kind))
    {
      member_error (error, what, "cmd", _("is not a command of the protocol"));
      goto done;
    }
  if (out->kind == MT_CMD_CHARGE || out->kind == MT_CMD_DISCHARGE)
    {
      if (!j_get_bool (j, 0, what, "on", &on, error))
        goto done;
      if (on == MT_ABSENT)
        {
          member_error (error, what, "on", _("is missing"));
          goto done;
        }
      out->on = on;
    }
  if (out->kind == MT_CMD_WRITE_PARAMS && !j_get_params (j, what, TRUE, &out->params, error))
    goto done;
  ok = TRUE;

done:
  g_free (j);
  return ok;
}

char *
mt_command_to_json (const MtCommand *command)
{
  GString *out = g_string_new (NULL);

  g_string_append_printf (out, "{\"v\":%d,\"id\":", MT_CODEC_VERSION);
  put_string (out, command->id);
  g_string_append_printf (out, ",\"cmd\":\"%s\"", command_names[command->kind]);
  if (command->kind == MT_CMD_CHARGE || command->kind == MT_CMD_DISCHARGE)
    put_bool_member (out, "on", command->on ? 1 : 0);
  if (command->kind == MT_CMD_WRITE_PARAMS)
    put_params (out, &command->params);
  g_string_append_c (out, '}');
  return g_string_free (out, FALSE);
}

gboolean
mt_ack_parse (const char *payload,
              gsize       length,
              MtAck      *out,
              GError    **error)
{
  JParser *j = g_new (JParser, 1);
  const char *what = "ack";
  int ok_member = MT_ABSENT;
  gboolean ok = FALSE;

  memset (out, 0, sizeof *out);
  if (!j_parse (j, payload, length, what, error) ||
      !j_get_string (j, 0, what, "id", TRUE, MT_COMMAND_ID_MAX, out->id, error) ||
      !j_get_bool (j, 0, what, "ok", &ok_member, error) ||
      !j_get_string (j, 0, what, "error", FALSE, sizeof out->error - 1, out->error, error) ||
      !j_get_params (j, what, FALSE, &out->params, error))
    goto done;
  if (ok_member == MT_ABSENT)
    {
      member_error (error, what, "ok", _("is missing"));
      goto done;
    }
  out->ok = ok_member;
  ok = TRUE;

done:
  g_free (j);
  return ok;
}

char *
mt_ack_to_json (const MtAck *ack)
{
  GString *out = g_string_new (NULL);

  g_string_append_printf (out, "{\"v\":%d,\"id\":", MT_CODEC_VERSION);
  put_string (out, ack->id);
  g_string_append_printf (out, ",\"ok\":%s", ack->ok ? "true" : "false");
  if (!ack->ok && ack->error[0])
    {
      g_string_append (out, ",\"error\":");
      put_string (out, ack->error);
    }
  if (ack->params.mask)
    put_params (out, &ack->params);
  g_string_append_c (out, '}');
  return g_string_free (out, FALSE);
}
