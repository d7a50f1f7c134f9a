/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mt-billing"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "mt-billing.h"
#include "mt-db.h"
#include "mt-error.h"
#include "mt-validate.h"

#define DAY (G_USEC_PER_SEC * (gint64) 86400)

void
mt_billing_rule_free (MtBillingRule *rule)
{
  if (rule == NULL)
    return;
  for (guint i = 0; i < rule->n_services; i++)
    g_free (rule->services[i].name);
  g_free (rule->region_code);
  g_free (rule->contract);
  g_free (rule);
}

gint64
mt_billing_days (gint64 start,
                 gint64 end)
{
  if (end <= start)
    return 1;
  return (end - start + DAY - 1) / DAY;
}

gint64
mt_billing_periods (gint64 days,
                    guint  period_days)
{
  g_return_val_if_fail (period_days > 0, 1);

  if (days < 1)
    return 1;
  return (days + period_days - 1) / period_days;
}

void
mt_billing_set_too_costly (GError **error)
{
  g_autofree char *most = mt_format_money (MT_MONEY_MAX_FEN);
  g_autofree char *problem = g_strdup_printf (_("make the order cost more than %s, the most one order may"), most);

  mt_set_field_error (error, "periods", _("Periods"), problem);
}

gboolean
mt_billing_quote (const MtBillingRule *rule,
                  guint                periods,
                  guint                services,
                  gboolean             with_deposit,
                  MtQuote             *quote,
                  GError             **error)
{
  gboolean ok;

  memset (quote, 0, sizeof *quote);
  quote->periods = periods;
  ok = mt_money_mul (rule->rent_fen, periods, &quote->rent_fen);
  for (guint i = 0; ok && i < rule->n_services; i++)
    if (services & (1u << i))
      {
        gint64 price = 0;

        ok = mt_money_mul (rule->services[i].price_fen, rule->services[i].per_period ? periods : 1, &price) &&
             mt_money_add (quote->services_fen, price, &quote->services_fen);
      }
  quote->deposit_fen = with_deposit ? rule->deposit_fen : 0;
  ok = ok && mt_money_add (quote->rent_fen, quote->services_fen, &quote->total_fen) &&
       mt_money_add (quote->total_fen, quote->deposit_fen, &quote->total_fen);
  if (!ok || quote->rent_fen > MT_MONEY_MAX_FEN || quote->services_fen > MT_MONEY_MAX_FEN ||
      quote->deposit_fen > MT_MONEY_MAX_FEN || quote->total_fen > MT_MONEY_MAX_FEN)
    {
      memset (quote, 0, sizeof *quote);
      mt_billing_set_too_costly (error);
      return FALSE;
    }
  return TRUE;
}

gint64
mt_billing_overdue_fen (gint64 rent_fen,
                        guint  period_days,
                        gint64 expire,
                        gint64 end)
{
  if (end <= expire)
    return 0;
  return mt_billing_periods (mt_billing_days (expire, end), period_days) * rent_fen;
}

MtBillingRule *
mt_billing_rule_load (MtDb    *db,
                      gint64   rule_id,
                      GError **error)
{
  sqlite3_stmt *stmt = mt_db_prepare (db, error,
                                      "SELECT operator_id, region_code, type_id, rent_fen, period_days, deposit_fen, "
                                      "contract FROM billing_rules WHERE id = ? AND deleted = 0", "i", rule_id);
  MtBillingRule *rule;

  if (stmt == NULL)
    return NULL;
  if (sqlite3_step (stmt) != SQLITE_ROW)
    {
      sqlite3_reset (stmt);
      g_set_error (error, MT_ERROR, MT_ERROR_NOT_FOUND, _("Billing rule %lld does not exist"), (long long) rule_id);
      return NULL;
    }
  rule = g_new0 (MtBillingRule, 1);
  rule->id = rule_id;
  rule->operator_id = sqlite3_column_int64 (stmt, 0);
  rule->region_code = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
  rule->type_id = sqlite3_column_int64 (stmt, 2);
  rule->rent_fen = sqlite3_column_int64 (stmt, 3);
  rule->period_days = sqlite3_column_int (stmt, 4);
  rule->deposit_fen = sqlite3_column_int64 (stmt, 5);
  rule->contract = g_strdup ((const char *) sqlite3_column_text (stmt, 6));
  sqlite3_reset (stmt);

  stmt = mt_db_prepare (db, error, "SELECT id, name, price_fen, per_period FROM billing_services "
                                   "WHERE rule_id = ? AND deleted = 0 ORDER BY id LIMIT 3", "i", rule_id);
  while (stmt && sqlite3_step (stmt) == SQLITE_ROW)
    {
      MtBillingService *s = &rule->services[rule->n_services++];

      s->id = sqlite3_column_int64 (stmt, 0);
      s->name = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
      s->price_fen = sqlite3_column_int64 (stmt, 2);
      s->per_period = sqlite3_column_int (stmt, 3);
    }
  if (stmt == NULL)
    {
      mt_billing_rule_free (rule);
      return NULL;
    }
  sqlite3_reset (stmt);
  return rule;
}

MtBillingRule *
mt_billing_match (MtDb    *db,
                  gint64   store_id,
                  gint64   type_id,
                  GError **error)
{
  /* A rule covers the store when its region is the store's district or a prefix of it (GB/T
   * 2260: province "33", city "3301", district "330106"), and it belongs to the store's
   * operator or one above it. The longest region wins; then the nearest operator. */
  gint64 rule_id = mt_db_query_int (db, 0,
                                    "SELECT r.id FROM stores s "
                                    "JOIN operators so ON so.id = s.operator_id "
                                    "JOIN billing_rules r ON r.type_id = ?2 AND r.deleted = 0 "
                                    "  AND r.region_code IN (substr (s.region_code, 1, 2), "
                                    "                        substr (s.region_code, 1, 4), s.region_code) "
                                    "JOIN operators ro ON ro.id = r.operator_id "
                                    "  AND substr (so.path, 1, length (ro.path)) = ro.path "
                                    "WHERE s.id = ?1 "
                                    "ORDER BY length (r.region_code) DESC, length (ro.path) DESC LIMIT 1",
                                    "ii", store_id, type_id);

  if (rule_id == 0)
    {
      g_autofree char *type = mt_db_query_text (db, "SELECT name FROM device_types WHERE id = ?", "i", type_id);
      g_autofree char *store = mt_db_query_text (db, "SELECT name FROM stores WHERE id = ?", "i", store_id);

      g_set_error (error, MT_ERROR, MT_ERROR_CONFLICT,
                   _("No billing rule covers “%s” at store “%s”: add a rule for its region before renting it"),
                   type ? type : "?", store ? store : "?");
      return NULL;
    }
  return mt_billing_rule_load (db, rule_id, error);
}

/* A placeholder is written {key}, {its title} in the console's language, or {its Chinese name}
 * — the names the contracts are written with, whatever language renders them */
static const struct { const char *key; const char *title; const char *chinese; } placeholders[] = {
  { "party_a", NC_("contract placeholder", "Party A"), "甲方" },
  { "party_b", NC_("contract placeholder", "Party B"), "乙方" },
  { "mobile", NC_("contract placeholder", "Phone"), "电话" },
  { "id_card", NC_("contract placeholder", "ID card"), "身份证" },
  { "store", NC_("contract placeholder", "Store"), "门店" },
  { "device", NC_("contract placeholder", "Device number"), "设备号" },
  { "term", NC_("contract placeholder", "Rental term"), "租期" },
  { "start", NC_("contract placeholder", "Start"), "起租时间" },
  { "expiry", NC_("contract placeholder", "Expiry"), "到期时间" },
  { "rent", NC_("contract placeholder", "Rent"), "租金" },
  { "deposit", NC_("contract placeholder", "Deposit"), "押金" },
  { "services", NC_("contract placeholder", "Services"), "服务" },
  { "total", NC_("contract placeholder", "Amount"), "金额" },
};

static const char *
placeholder_key (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (placeholders); i++)
    if (g_str_equal (name, placeholders[i].key) || g_str_equal (name, placeholders[i].chinese) ||
        g_str_equal (name, placeholders[i].title) ||
        g_str_equal (name, g_dpgettext2 (GETTEXT_PACKAGE, "contract placeholder", placeholders[i].title)))
      return placeholders[i].key;
  return NULL;
}

const char *const *
mt_contract_placeholders (void)
{
  static const char *keys[G_N_ELEMENTS (placeholders) + 1];

  if (keys[0] == NULL)
    for (guint i = 0; i < G_N_ELEMENTS (placeholders); i++)
      keys[i] = placeholders[i].key;
  return keys;
}

const char *
mt_contract_placeholder_title (const char *placeholder)
{
  for (guint i = 0; i < G_N_ELEMENTS (placeholders); i++)
    if (g_strcmp0 (placeholders[i].key, placeholder) == 0)
      return g_dpgettext2 (GETTEXT_PACKAGE, "contract placeholder", placeholders[i].title);
  return NULL;
}

/* One line of a contract as Pango markup: "# " and "## " headings, "- " items, "| a | b |"
 * table rows (a "|---|" row draws the rule under a header), **bold** anywhere */
static void
line_to_pango (GString    *out,
               const char *line)
{
  g_autofree char *escaped = NULL;
  const char *open = "", *close = "";
  g_autoptr(GString) text = NULL;
  gboolean bold = FALSE;

  if (g_str_has_prefix (line, "## "))
    open = "<span size=\"large\" weight=\"bold\">", close = "</span>", line += 3;
  else if (g_str_has_prefix (line, "# "))
    open = "<span size=\"x-large\" weight=\"bold\">", close = "</span>", line += 2;
  escaped = g_markup_escape_text (line, -1);
  text = g_string_new (NULL);
  if (g_str_has_prefix (escaped, "- ") || g_str_has_prefix (escaped, "* "))
    g_string_append_printf (text, "  • %s", escaped + 2);
  else if (escaped[0] == '|')
    {
      g_auto(GStrv) cells = g_strsplit (escaped + 1, "|", -1);
      guint n = g_strv_length (cells);

      /* the last cell is what follows the closing bar */
      if (n > 0 && g_strstrip (cells[n - 1])[0] == '\0')
        n--;
      if (n > 0 && strspn (g_strstrip (cells[0]), "-: ") == strlen (cells[0]) && cells[0][0] != '\0')
        g_string_append (text, "────────────────────────────");
      else
        for (guint c = 0; c < n; c++)
          g_string_append_printf (text, "%s%s", c ? "  │  " : "", g_strstrip (cells[c]));
    }
  else
    g_string_append (text, escaped);
  /* **bold**: the pairs that close */
  g_string_append (out, open);
  for (const char *p = text->str; *p; p++)
    if (p[0] == '*' && p[1] == '*' && (bold || strstr (p + 2, "**") != NULL))
      {
        g_string_append (out, bold ? "</b>" : "<b>");
        bold = !bold;
        p++;
      }
    else
      g_string_append_c (out, *p);
  g_string_append (out, close);
}

char *
mt_contract_to_pango (const char *text)
{
  g_auto(GStrv) lines = g_strsplit (text ? text : "", "\n", -1);
  GString *out = g_string_new (NULL);

  for (guint i = 0; lines[i]; i++)
    {
      if (i > 0)
        g_string_append_c (out, '\n');
      line_to_pango (out, lines[i]);
    }
  return g_string_free (out, FALSE);
}

char *
mt_contract_render (const char *template_text,
                    GHashTable *values)
{
  GString *out = g_string_new (NULL);
  const char *p = template_text ? template_text : "";

  while (*p)
    {
      const char *open = strchr (p, '{');
      const char *close = open ? strchr (open, '}') : NULL;
      g_autofree char *key = NULL;
      const char *value;

      if (close == NULL)
        {
          g_string_append (out, p);
          break;
        }
      g_string_append_len (out, p, open - p);
      key = g_strndup (open + 1, close - open - 1);
      value = placeholder_key (key) ? g_hash_table_lookup (values, placeholder_key (key)) : NULL;
      if (value)
        g_string_append (out, value);
      else
        g_string_append_len (out, open, close - open + 1);
      p = close + 1;
    }
  return g_string_free (out, FALSE);
}
