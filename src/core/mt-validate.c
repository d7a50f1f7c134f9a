/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mt-validate"

#include "config.h"

#include <glib/gi18n.h>
#include <stdio.h>
#include <stdlib.h>

#include "mt-db.h"
#include "mt-error.h"
#include "mt-validate.h"

gboolean
mt_validate_mobile (const char  *value,
                    const char  *field,
                    const char  *label,
                    GError     **error)
{
  if (value == NULL || strlen (value) != 11 || value[0] != '1' || value[1] < '3' || value[1] > '9')
    goto bad;
  for (int i = 0; i < 11; i++)
    if (!g_ascii_isdigit (value[i]))
      goto bad;
  return TRUE;

bad:
  mt_set_field_error (error, field, label,
                      _("must be an 11-digit mainland mobile number, such as 13812345678"));
  return FALSE;
}

gboolean
mt_validate_id_card (const char  *value,
                     const char  *field,
                     const char  *label,
                     GError     **error)
{
  static const int weights[17] = { 7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2 };
  static const char checks[] = "10X98765432";
  int sum = 0;
  int year, month, day;

  if (value == NULL || strlen (value) != 18)
    {
      mt_set_field_error (error, field, label, _("must have 18 characters"));
      return FALSE;
    }
  for (int i = 0; i < 17; i++)
    {
      if (!g_ascii_isdigit (value[i]))
        {
          mt_set_field_error (error, field, label, _("the first 17 characters must be digits"));
          return FALSE;
        }
      sum += (value[i] - '0') * weights[i];
    }

  year = (value[6] - '0') * 1000 + (value[7] - '0') * 100 + (value[8] - '0') * 10 + (value[9] - '0');
  month = (value[10] - '0') * 10 + (value[11] - '0');
  day = (value[12] - '0') * 10 + (value[13] - '0');
  if (year < 1900 || !g_date_valid_dmy (day, month, year))
    {
      mt_set_field_error (error, field, label, _("the date of birth in it is not a real date"));
      return FALSE;
    }
  {
    /* nobody is born after today (local time: the number was issued where the member lives) */
    g_autoptr(GDateTime) now = g_date_time_new_from_unix_local (mt_now () / G_USEC_PER_SEC);

    if (year * 10000 + month * 100 + day >
        g_date_time_get_year (now) * 10000 + g_date_time_get_month (now) * 100 + g_date_time_get_day_of_month (now))
      {
        mt_set_field_error (error, field, label, _("the date of birth in it is in the future"));
        return FALSE;
      }
  }

  if (g_ascii_toupper (value[17]) != checks[sum % 11])
    {
      mt_set_field_error (error, field, label,
                          _("the check digit is wrong: the number is mistyped"));
      return FALSE;
    }
  return TRUE;
}

gboolean
mt_validate_required (const char  *value,
                      const char  *field,
                      const char  *label,
                      guint        max_chars,
                      GError     **error)
{
  g_autofree char *stripped = g_strstrip (g_strdup (value ? value : ""));

  if (stripped[0] == '\0')
    {
      mt_set_field_error (error, field, label, _("is required"));
      return FALSE;
    }
  if (!g_utf8_validate (value, -1, NULL))
    {
      mt_set_field_error (error, field, label, _("is not valid text"));
      return FALSE;
    }
  if (!mt_validate_plain_text (value, TRUE, field, label, error))
    return FALSE;
  if (max_chars > 0 && g_utf8_strlen (value, -1) > max_chars)
    {
      g_autofree char *problem = g_strdup_printf (_("may have at most %u characters"), max_chars);
      mt_set_field_error (error, field, label, problem);
      return FALSE;
    }
  return TRUE;
}

gboolean
mt_validate_store_no (const char *value)
{
  int year, month, day;

  if (value == NULL || strlen (value) != 13 || value[0] != 'M')
    return FALSE;
  for (int i = 1; i < 13; i++)
    if (!g_ascii_isdigit (value[i]))
      return FALSE;
  {
    char buf[5] = { 0 };
    memcpy (buf, value + 1, 4);
    year = atoi (buf);
    memset (buf, 0, sizeof buf);
    memcpy (buf, value + 5, 2);
    month = atoi (buf);
    memcpy (buf, value + 7, 2);
    day = atoi (buf);
  }
  return g_date_valid_dmy (day, month, year);
}

gboolean
mt_validate_region (MtDb        *db,
                    const char  *code,
                    gboolean     leaf_only,
                    const char  *field,
                    const char  *label,
                    GError     **error)
{
  gint64 leaf;

  if (code == NULL || code[0] == '\0')
    {
      mt_set_field_error (error, field, label, _("choose a province, city and district"));
      return FALSE;
    }
  leaf = mt_db_query_int (db, -1, "SELECT leaf FROM regions WHERE code = ?", "t", code);
  if (leaf < 0)
    {
      mt_set_field_error (error, field, label, _("is not a known region code"));
      return FALSE;
    }
  if (leaf_only && leaf == 0)
    {
      mt_set_field_error (error, field, label, _("choose the district as well"));
      return FALSE;
    }
  return TRUE;
}

static gboolean
parse_hhmm (const char *s,
            int        *minutes)
{
  int h, m;

  if (strlen (s) != 5 || s[2] != ':' || !g_ascii_isdigit (s[0]) || !g_ascii_isdigit (s[1]) ||
      !g_ascii_isdigit (s[3]) || !g_ascii_isdigit (s[4]))
    return FALSE;
  h = (s[0] - '0') * 10 + (s[1] - '0');
  m = (s[3] - '0') * 10 + (s[4] - '0');
  if (m > 59 || h > 24 || (h == 24 && m != 0))
    return FALSE;
  *minutes = h * 60 + m;
  return TRUE;
}

gboolean
mt_parse_hours (const char  *value,
                int         *open_minute,
                int         *close_minute,
                const char  *field,
                const char  *label,
                GError     **error)
{
  g_auto(GStrv) parts = NULL;
  int open = 0, close = 0;

  if (value == NULL || value[0] == '\0')
    {
      mt_set_field_error (error, field, label, _("is required"));
      return FALSE;
    }
  parts = g_strsplit (value, "-", 2);
  if (g_strv_length (parts) != 2 || !parse_hhmm (g_strstrip (parts[0]), &open) ||
      !parse_hhmm (g_strstrip (parts[1]), &close) || open >= 1440)
    {
      mt_set_field_error (error, field, label, _("write them as start–end, such as 08:00-22:00"));
      return FALSE;
    }
  if (close <= open)
    {
      mt_set_field_error (error, field, label, _("the closing time must be after the opening time"));
      return FALSE;
    }
  *open_minute = open;
  *close_minute = close;
  return TRUE;
}

char *
mt_format_hours (int open_minute,
                 int close_minute)
{
  return g_strdup_printf ("%02d:%02d-%02d:%02d", open_minute / 60, open_minute % 60,
                          close_minute / 60, close_minute % 60);
}

gboolean
mt_parse_money (const char  *value,
                gint64      *fen,
                const char  *field,
                const char  *label,
                GError     **error)
{
  const char *p = value;
  gint64 yuan = 0;
  int cents = 0, digits = 0, decimals = 0;

  if (p == NULL)
    goto bad;
  while (g_ascii_isspace (*p))
    p++;
  if (*p == '-')
    {
      mt_set_field_error (error, field, label, _("must not be negative"));
      return FALSE;
    }
  for (; g_ascii_isdigit (*p); p++, digits++)
    {
      if (yuan > G_MAXINT64 / 1000)
        goto bad;
      yuan = yuan * 10 + (*p - '0');
    }
  if (*p == '.')
    {
      for (p++; g_ascii_isdigit (*p); p++, decimals++)
        {
          if (decimals >= 2)
            {
              mt_set_field_error (error, field, label, _("may have at most two decimals (fen)"));
              return FALSE;
            }
          cents = cents * 10 + (*p - '0');
        }
      if (decimals == 1)
        cents *= 10;
    }
  while (g_ascii_isspace (*p))
    p++;
  if (*p != '\0' || (digits == 0 && decimals == 0))
    goto bad;
  *fen = yuan * 100 + cents;
  return TRUE;

bad:
  mt_set_field_error (error, field, label, _("must be an amount in yuan, such as 12.50"));
  return FALSE;
}

gboolean
mt_money_add (gint64  a,
              gint64  b,
              gint64 *out)
{
  /* both within the bound: no overflow is possible before the check */
  if (a < -MT_MONEY_MAX_BALANCE_FEN || a > MT_MONEY_MAX_BALANCE_FEN ||
      b < -MT_MONEY_MAX_BALANCE_FEN || b > MT_MONEY_MAX_BALANCE_FEN ||
      a + b < -MT_MONEY_MAX_BALANCE_FEN || a + b > MT_MONEY_MAX_BALANCE_FEN)
    return FALSE;
  *out = a + b;
  return TRUE;
}

gboolean
mt_money_mul (gint64  a,
              gint64  n,
              gint64 *out)
{
  gint64 r;

  if (__builtin_mul_overflow (a, n, &r) || r < -MT_MONEY_MAX_BALANCE_FEN || r > MT_MONEY_MAX_BALANCE_FEN)
    return FALSE;
  *out = r;
  return TRUE;
}

void
mt_set_money_error (GError     **error,
                    const char  *field,
                    const char  *label,
                    gint64       max_fen)
{
  g_autofree char *most = mt_format_money (max_fen);
  g_autofree char *fen = g_strdup_printf ("%" G_GINT64_FORMAT, max_fen);
  /* TRANSLATORS: the most, in fen (digits), then the same in yuan ("¥10,000,000.00") */
  g_autofree char *problem = g_strdup_printf (_("must be a whole number of fen from 0 to %s (%s)"), fen, most);
  mt_set_field_error (error, field, label, problem);
}

gboolean
mt_parse_fen (const char  *value,
              gint64       max,
              gint64      *fen,
              const char  *field,
              const char  *label,
              GError     **error)
{
  gint64 v = 0;

  if (value == NULL || !g_ascii_isdigit (value[0]) ||
      !g_ascii_string_to_signed (value, 10, 0, max, &v, NULL))
    {
      mt_set_money_error (error, field, label, max);
      return FALSE;
    }
  *fen = v;
  return TRUE;
}

gboolean
mt_validate_version (gint64   version,
                     GError **error)
{
  if (version >= 1)
    return TRUE;
  mt_set_field_error (error, "version", _("Version"),
                      _("must be the version of the row you changed, a whole number from 1"));
  return FALSE;
}

gboolean
mt_validate_plain_text (const char  *value,
                        gboolean     multiline,
                        const char  *field,
                        const char  *label,
                        GError     **error)
{
  for (const unsigned char *p = (const unsigned char *) value; *p; p++)
    if ((*p < 0x20 || *p == 0x7f) && !(multiline && (*p == '\n' || *p == '\t' || *p == '\r')))
      {
        mt_set_field_error (error, field, label, multiline ? _("must not contain control characters")
                                                           : _("must be one line without control characters"));
        return FALSE;
      }
  return TRUE;
}

gboolean
mt_parse_int (const char  *value,
              gint64       min,
              gint64       max,
              gint64      *out,
              const char  *field,
              const char  *label,
              GError     **error)
{
  gint64 v = 0;
  g_autoptr(GError) local = NULL;

  if (value == NULL || !g_ascii_string_to_signed (value, 10, min, max, &v, &local))
    {
      g_autofree char *problem =
        g_strdup_printf (_("must be a whole number from %lld to %lld"),
                         (long long) min, (long long) max);
      mt_set_field_error (error, field, label, problem);
      return FALSE;
    }
  *out = v;
  return TRUE;
}

gboolean
mt_parse_bool (const char  *value,
               gboolean    *out,
               const char  *field,
               const char  *label,
               GError     **error)
{
  if (g_strcmp0 (value, "1") == 0 || g_strcmp0 (value, "true") == 0)
    *out = TRUE;
  else if (g_strcmp0 (value, "0") == 0 || g_strcmp0 (value, "false") == 0)
    *out = FALSE;
  else
    {
      mt_set_field_error (error, field, label, _("must be true or false"));
      return FALSE;
    }
  return TRUE;
}

gboolean
mt_validate_password (const char  *password,
                      const char  *confirm,
                      const char  *field,
                      const char  *label,
                      GError     **error)
{
  if (password == NULL || g_utf8_strlen (password, -1) < 8)
    {
      mt_set_field_error (error, field, label, _("must have at least 8 characters"));
      return FALSE;
    }
  if (strlen (password) > 128)
    {
      mt_set_field_error (error, field, label, _("may have at most 128 characters"));
      return FALSE;
    }
  if (confirm != NULL && g_strcmp0 (password, confirm) != 0)
    {
      mt_set_field_error (error, field, label, _("the two passwords differ"));
      return FALSE;
    }
  return TRUE;
}

char *
mt_format_yuan (gint64 fen)
{
  const char *sign = fen < 0 ? "-" : "";
  guint64 abs_fen = fen < 0 ? (guint64) (-(fen + 1)) + 1 : (guint64) fen;

  return g_strdup_printf ("%s%" G_GUINT64_FORMAT ".%02u", sign, abs_fen / 100,
                          (guint) (abs_fen % 100));
}

char *
mt_format_money (gint64 fen)
{
  const char *sign = fen < 0 ? "-" : "";
  guint64 abs_fen = fen < 0 ? (guint64) (-(fen + 1)) + 1 : (guint64) fen;
  g_autofree char *digits = g_strdup_printf ("%" G_GUINT64_FORMAT, abs_fen / 100);
  GString *s = g_string_new (sign);
  gsize len = strlen (digits);

  g_string_append (s, "¥");
  for (gsize i = 0; i < len; i++)
    {
      if (i > 0 && (len - i) % 3 == 0)
        g_string_append_c (s, ',');
      g_string_append_c (s, digits[i]);
    }
  g_string_append_printf (s, ".%02u", (guint) (abs_fen % 100));
  return g_string_free (s, FALSE);
}

char *
mt_format_age (gint64 utc_usec)
{
  gint64 minutes = (g_get_real_time () - utc_usec) / (60 * G_USEC_PER_SEC);

  if (minutes < 1)
    return g_strdup (_("just now"));
  if (minutes < 60)
    return g_strdup_printf (g_dngettext (NULL, "%d minute ago", "%d minutes ago", minutes), (int) minutes);
  if (minutes < 48 * 60)
    return g_strdup_printf (g_dngettext (NULL, "%d hour ago", "%d hours ago", minutes / 60), (int) (minutes / 60));
  return g_strdup_printf (g_dngettext (NULL, "%d day ago", "%d days ago", minutes / 1440), (int) (minutes / 1440));
}

/* The local time zone, kept per thread while TZ says the same: a list page formats hundreds of
 * times, and looking the zone up again for each (GLib reads the system's zone file's state) cost
 * more than the rest of the formatting */
typedef struct
{
  char      *tz;
  GTimeZone *zone;
} LocalZone;

static void
local_zone_free (gpointer data)
{
  LocalZone *cache = data;

  g_free (cache->tz);
  g_time_zone_unref (cache->zone);
  g_free (cache);
}

static GPrivate local_zone_cache = G_PRIVATE_INIT (local_zone_free);

static GTimeZone *
local_zone (void)
{
  LocalZone *cache = g_private_get (&local_zone_cache);
  const char *tz = g_getenv ("TZ");

  if (cache == NULL || g_strcmp0 (cache->tz, tz) != 0)
    {
      cache = g_new0 (LocalZone, 1);
      cache->tz = g_strdup (tz);
      cache->zone = g_time_zone_new_local ();
      g_private_replace (&local_zone_cache, cache);
    }
  return cache->zone;
}

/* "YYYY-MM-DD" or "YYYY-MM-DD HH:MM" in local time, without a GDateTime */
static char *
format_local (gint64   utc_usec,
              gboolean with_time)
{
  GTimeZone *zone = local_zone ();
  gint64 t = utc_usec / G_USEC_PER_SEC;   /* as before: toward zero */
  gint interval = g_time_zone_find_interval (zone, G_TIME_TYPE_UNIVERSAL, t);
  gint64 local = t + (interval >= 0 ? g_time_zone_get_offset (zone, interval) : 0);
  gint64 days = local / 86400 - (local % 86400 < 0);
  gint64 secs = local - days * 86400;
  GDate date;

  /* 1970-01-01 is the Julian day 719163 counted from 0001-01-01 as day 1 */
  if (days + 719163 < 1 || days + 719163 > G_MAXUINT32)
    return g_strdup ("");
  g_date_clear (&date, 1);
  g_date_set_julian (&date, (guint32) (days + 719163));
  /* as GDateTime: nothing past the year 9999 */
  if (!g_date_valid (&date) || g_date_get_year (&date) > 9999)
    return g_strdup ("");
  if (!with_time)
    return g_strdup_printf ("%04d-%02d-%02d", g_date_get_year (&date), g_date_get_month (&date),
                            g_date_get_day (&date));
  return g_strdup_printf ("%04d-%02d-%02d %02d:%02d", g_date_get_year (&date), g_date_get_month (&date),
                          g_date_get_day (&date), (int) (secs / 3600), (int) (secs % 3600 / 60));
}

char *
mt_format_time (gint64 utc_usec)
{
  return format_local (utc_usec, TRUE);
}

char *
mt_format_date (gint64 utc_usec)
{
  return format_local (utc_usec, FALSE);
}

gboolean
mt_parse_date (const char *value,
               gint64     *utc_usec)
{
  int y, m, d;
  char tail;
  g_autoptr(GDateTime) dt = NULL;

  if (value == NULL || sscanf (value, "%d-%d-%d%c", &y, &m, &d, &tail) != 3 ||
      !g_date_valid_dmy (d, m, y))
    return FALSE;
  dt = g_date_time_new_local (y, m, d, 0, 0, 0);
  if (dt == NULL)
    return FALSE;
  *utc_usec = g_date_time_to_unix (dt) * G_USEC_PER_SEC;
  return TRUE;
}
