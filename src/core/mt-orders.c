/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mt-orders"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "mt-db-private.h"
#include "mt-error.h"
#include "mt-ops.h"
#include "mt-orders.h"
#include "mt-stats.h"
#include "mt-validate.h"

#define DAY (G_USEC_PER_SEC * (gint64) 86400)

/* Revenue split when neither the store nor its operator has a rule, in permille */
#define SPLIT_HQ 200
#define SPLIT_OPERATOR 500

/* ------------------------------------------------------------------ helpers */

/* @prefix + local date + 8 digits, not yet used in @table.@column */
static char *
new_number (MtDb       *db,
            const char *prefix,
            const char *table,
            const char *column)
{
  g_autoptr(GDateTime) now = g_date_time_new_from_unix_local (mt_now () / G_USEC_PER_SEC);
  g_autofree char *date = g_date_time_format (now, "%Y%m%d");
  g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM %s WHERE %s = ?", table, column);

  for (;;)
    {
      char *no = g_strdup_printf ("%s%s%08d", prefix, date, g_random_int_range (0, 100000000));
      if (mt_db_query_int (db, 1, sql, "t", no) == 0)
        return no;
      g_free (no);
    }
}

static gboolean
is_income (const char *kind)
{
  return g_str_equal (kind, "rent") || g_str_equal (kind, "service") || g_str_equal (kind, "overdue") ||
         g_str_equal (kind, "damage") || g_str_equal (kind, "repair_fee");
}

/* The split ratios of a store: its own rule, else its operator's, else the default */
static void
split_ratios (MtDb   *db,
              gint64  operator_id,
              gint64  store_id,
              gint64 *hq,
              gint64 *op)
{
  sqlite3_stmt *stmt = mt_db_prepare (db, NULL,
                                      "SELECT hq_permille, operator_permille FROM split_rules "
                                      "WHERE deleted = 0 AND operator_id = ?1 AND (store_id = ?2 OR store_id IS NULL) "
                                      "ORDER BY store_id IS NULL LIMIT 1", "ii", operator_id, store_id);

  *hq = SPLIT_HQ;
  *op = SPLIT_OPERATOR;
  if (stmt && sqlite3_step (stmt) == SQLITE_ROW)
    {
      *hq = sqlite3_column_int64 (stmt, 0);
      *op = sqlite3_column_int64 (stmt, 1);
    }
  if (stmt)
    sqlite3_reset (stmt);
}

/* Appends one movement to the ledger (and, for income, its revenue split) */
static gboolean
ledger_add (MtDb        *db,
            gint64       operator_id,
            gint64       store_id,
            gint64       member_id,
            gint64       order_id,
            const char  *kind,
            gint64       amount_fen,
            const char  *pay_method,
            const char  *note,
            GError     **error)
{
  g_autofree char *no = NULL;
  gint64 now = mt_now (), ledger_id;

  if (amount_fen == 0)
    return TRUE;
  no = new_number (db, "JY", "ledger", "txn_no");
  if (!mt_db_run (db, error,
                  "INSERT INTO ledger (created_at, updated_at, txn_no, at, operator_id, store_id, member_id, "
                  "order_id, kind, amount_fen, pay_method, note) "
                  "VALUES (?1, ?1, ?2, ?1, ?3, nullif (?4, 0), nullif (?5, 0), nullif (?6, 0), ?7, ?8, ?9, ?10)",
                  "itiiiitit" "t", now, no, operator_id, store_id, member_id, order_id, kind, amount_fen,
                  pay_method, note ? note : ""))
    return FALSE;
  ledger_id = mt_db_last_insert_id (db);
  if (is_income (kind))
    {
      gint64 hq, op, hq_fen, op_fen;

      split_ratios (db, operator_id, store_id, &hq, &op);
      hq_fen = amount_fen * hq / 1000;
      op_fen = amount_fen * op / 1000;
      if (!mt_db_run (db, error,
                      "INSERT INTO splits (created_at, updated_at, ledger_id, order_id, operator_id, store_id, "
                      "total_fen, hq_fen, operator_fen, store_fen, at) "
                      "VALUES (?1, ?1, ?2, nullif (?3, 0), ?4, nullif (?5, 0), ?6, ?7, ?8, ?9, ?1)",
                      "iiiiiiiii", now, ledger_id, order_id, operator_id, store_id, amount_fen, hq_fen, op_fen,
                      amount_fen - hq_fen - op_fen))
        return FALSE;
    }
  return TRUE;
}

/* The member pays @amount_fen from its balance: refused when it does not have it */
static gboolean
take_balance (MtDb    *db,
              gint64   member_id,
              gint64   amount_fen,
              GError **error)
{
  gint64 balance = mt_db_query_int (db, 0, "SELECT balance_fen FROM members WHERE id = ?", "i", member_id);

  if (balance < amount_fen)
    {
      g_autofree char *has = mt_format_money (balance);
      g_autofree char *needs = mt_format_money (amount_fen);

      g_autofree char *problem = g_strdup_printf (_("the member's balance is %s, %s is needed"), has, needs);

      mt_set_field_error (error, "pay_method", _("Payment method"), problem);
      return FALSE;
    }
  return mt_db_run (db, error, "UPDATE members SET balance_fen = balance_fen - ?, version = version + 1, "
                               "updated_at = ? WHERE id = ?", "iii", amount_fen, mt_now (), member_id);
}

static gboolean
give_balance (MtDb    *db,
              gint64   member_id,
              gint64   amount_fen,
              GError **error)
{
  return mt_db_run (db, error, "UPDATE members SET balance_fen = balance_fen + ?, version = version + 1, "
                               "updated_at = ? WHERE id = ?", "iii", amount_fen, mt_now (), member_id);
}

/* Whether @method is a payment method, and one the store (if any, @store_id 0: none) takes;
 * sets an error naming the payment method otherwise */
static gboolean
check_pay_method (MtDb          *db,
                  const MtActor *actor,
                  gint64         store_id,
                  const char    *method,
                  GError       **error)
{
  if (g_strcmp0 (method, "balance") != 0 && g_strcmp0 (method, "offline") != 0 && g_strcmp0 (method, "online") != 0)
    {
      mt_set_field_error (error, "pay_method", _("Payment method"), _("is not one of the offered choices"));
      return FALSE;
    }
  /* the balance is always there; cash and online payments as the store offers them */
  if (store_id != 0 && !g_str_equal (method, "balance") &&
      mt_db_query_int (db, 0, "SELECT CASE ?2 WHEN 'offline' THEN pay_offline ELSE pay_online END FROM stores "
                              "WHERE id = ?1", "it", store_id, method) != 1)
    {
      mt_set_field_error (error, "pay_method", _("Payment method"), _("is not offered by this store"));
      return FALSE;
    }
  return TRUE;
}

/* Money that crosses the counter (a recharge in, a withdrawal out): cash or online, never the
 * balance itself */
static gboolean
check_outside_route (const char  *method,
                     GError     **error)
{
  if (g_strcmp0 (method, "offline") != 0 && g_strcmp0 (method, "online") != 0)
    {
      mt_set_field_error (error, "pay_method", _("Payment method"), _("is not one of the offered choices"));
      return FALSE;
    }
  return TRUE;
}

/* Takes a payment by @method: from the balance (refused when short), or in cash or online.
 * The ledger row is the caller's. */
static gboolean
collect (MtDb        *db,
         gint64       member_id,
         const char  *method,
         gint64       amount_fen,
         GError     **error)
{
  if (g_str_equal (method, "balance"))
    return take_balance (db, member_id, amount_fen, error);
  return TRUE;
}

typedef struct
{
  gint64  id, version, operator_id, store_id, member_id, device_id, type_id, rule_id;
  char   *state;
  char   *pay_method;
  gint64  periods, period_days, start_at, expire_at;
  gint64  rent_fen, services_fen, deposit_fen, period_rent_fen, period_services_fen;
} Order;

static void
order_clear (Order *o)
{
  g_clear_pointer (&o->state, g_free);
  g_clear_pointer (&o->pay_method, g_free);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Order, order_clear)

/* Loads an order in the actor's scope; @action is checked on the orders page */
static gboolean
order_load (MtDb          *db,
            const MtActor *actor,
            gint64         order_id,
            Order         *o,
            GError       **error)
{
  sqlite3_stmt *stmt = mt_db_prepare (db, error,
                                      "SELECT version, operator_id, store_id, member_id, device_id, type_id, "
                                      "coalesce (rule_id, 0), state, pay_method, periods, period_days, start_at, "
                                      "expire_at, rent_fen, services_fen, deposit_fen, period_rent_fen, "
                                      "period_services_fen FROM orders WHERE id = ? AND deleted = 0", "i", order_id);

  if (stmt == NULL)
    return FALSE;
  if (sqlite3_step (stmt) != SQLITE_ROW)
    {
      sqlite3_reset (stmt);
      g_set_error (error, MT_ERROR, MT_ERROR_NOT_FOUND, _("Order %lld does not exist"), (long long) order_id);
      return FALSE;
    }
  o->id = order_id;
  o->version = sqlite3_column_int64 (stmt, 0);
  o->operator_id = sqlite3_column_int64 (stmt, 1);
  o->store_id = sqlite3_column_int64 (stmt, 2);
  o->member_id = sqlite3_column_int64 (stmt, 3);
  o->device_id = sqlite3_column_int64 (stmt, 4);
  o->type_id = sqlite3_column_int64 (stmt, 5);
  o->rule_id = sqlite3_column_int64 (stmt, 6);
  o->state = g_strdup ((const char *) sqlite3_column_text (stmt, 7));
  o->pay_method = g_strdup ((const char *) sqlite3_column_text (stmt, 8));
  o->periods = sqlite3_column_int64 (stmt, 9);
  o->period_days = sqlite3_column_int64 (stmt, 10);
  o->start_at = sqlite3_column_int64 (stmt, 11);
  o->expire_at = sqlite3_column_int64 (stmt, 12);
  o->rent_fen = sqlite3_column_int64 (stmt, 13);
  o->services_fen = sqlite3_column_int64 (stmt, 14);
  o->deposit_fen = sqlite3_column_int64 (stmt, 15);
  o->period_rent_fen = sqlite3_column_int64 (stmt, 16);
  o->period_services_fen = sqlite3_column_int64 (stmt, 17);
  sqlite3_reset (stmt);
  /* orders from before migration 8 kept only totals */
  if (o->period_rent_fen == 0 && o->periods > 0)
    o->period_rent_fen = o->rent_fen / o->periods;
  if (!mt_actor_owns_row (db, actor, o->operator_id, o->store_id))
    {
      mt_set_forbidden (error);
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_periods (guint    periods,
               GError **error)
{
  if (periods < 1 || periods > MT_MAX_PERIODS)
    {
      g_autofree char *problem = g_strdup_printf (_("must be a whole number from 1 to %d"), MT_MAX_PERIODS);
      mt_set_field_error (error, "periods", _("Periods"), problem);
      return FALSE;
    }
  return TRUE;
}

/* How many of @periods periods from @from a member's rental cards cover whole */
static gint64
covered_periods (MtDb   *db,
                 gint64  member_id,
                 gint64  from,
                 gint64  periods,
                 gint64  period_days)
{
  gint64 until = member_id ? mt_member_card_until (db, member_id) : 0;

  if (until <= from)
    return 0;
  return MIN (periods, (until - from) / (period_days * DAY));
}

/* Periods the member's cards cover pay no rent */
static void
apply_cards (MtDb                *db,
             gint64               member_id,
             gint64               from,
             const MtBillingRule *rule,
             MtQuote             *quote)
{
  gint64 covered = covered_periods (db, member_id, from, quote->periods, rule->period_days);

  quote->rent_fen -= covered * rule->rent_fen;
  quote->total_fen -= covered * rule->rent_fen;
}

/* ------------------------------------------------------------------ renting */

typedef struct
{
  gint64  operator_id;
  gint64  type_id;
  char   *device_no;
  char   *store_name;
  char   *party_a;
} RentContext;

static void
rent_context_clear (RentContext *c)
{
  g_clear_pointer (&c->device_no, g_free);
  g_clear_pointer (&c->store_name, g_free);
  g_clear_pointer (&c->party_a, g_free);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (RentContext, rent_context_clear)

/* Checks what a rental needs that does not depend on the member: permission, store in scope,
 * the device ready in that store, a billing rule, periods and services */
static MtBillingRule *
rent_check (MtDb                *db,
            const MtActor       *actor,
            const MtRentRequest *r,
            RentContext         *c,
            GError             **error)
{
  sqlite3_stmt *stmt;
  g_autofree char *state = NULL;
  gint64 device_store = 0;
  MtBillingRule *rule;

  if (!mt_actor_require (actor, "orders", "rent", error))
    return NULL;
  stmt = mt_db_prepare (db, error, "SELECT s.operator_id, s.name, o.name FROM stores s "
                                   "JOIN operators o ON o.id = s.operator_id "
                                   "WHERE s.id = ? AND s.deleted = 0", "i", r->store_id);
  if (stmt == NULL)
    return NULL;
  if (sqlite3_step (stmt) != SQLITE_ROW)
    {
      sqlite3_reset (stmt);
      mt_set_field_error (error, "store_id", _("Store"), _("does not exist"));
      return NULL;
    }
  c->operator_id = sqlite3_column_int64 (stmt, 0);
  c->store_name = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
  c->party_a = g_strdup ((const char *) sqlite3_column_text (stmt, 2));
  sqlite3_reset (stmt);
  if (!mt_actor_owns_row (db, actor, c->operator_id, r->store_id))
    {
      mt_set_forbidden (error);
      return NULL;
    }

  stmt = mt_db_prepare (db, error, "SELECT coalesce (store_id, 0), state, type_id, device_no FROM devices "
                                   "WHERE id = ? AND deleted = 0", "i", r->device_id);
  if (stmt == NULL)
    return NULL;
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      device_store = sqlite3_column_int64 (stmt, 0);
      state = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
      c->type_id = sqlite3_column_int64 (stmt, 2);
      c->device_no = g_strdup ((const char *) sqlite3_column_text (stmt, 3));
    }
  sqlite3_reset (stmt);
  if (state == NULL || device_store != r->store_id)
    {
      mt_set_field_error (error, "device_id", _("Device"), _("is not a device of this store"));
      return NULL;
    }
  if (!g_str_equal (state, "ready"))
    {
      mt_set_field_error (error, "device_id", _("Device"),
                          g_str_equal (state, "rented") ? _("is already rented")
                          : g_str_equal (state, "repair") ? _("is in repair and cannot be rented")
                          : _("is scrapped"));
      return NULL;
    }
  if (!check_periods (r->periods, error))
    return NULL;
  rule = mt_billing_match (db, r->store_id, c->type_id, error);
  if (rule == NULL)
    return NULL;
  if (r->services >> rule->n_services)
    {
      mt_set_field_error (error, "services", _("Services"), _("is not one of the offered choices"));
      mt_billing_rule_free (rule);
      return NULL;
    }
  return rule;
}

static void
contract_values (GHashTable          *values,
                 const RentContext   *c,
                 const MtBillingRule *rule,
                 const MtRentRequest *r,
                 const MtQuote       *quote,
                 const char          *name,
                 const char          *mobile,
                 const char          *id_card,
                 gint64               start,
                 gint64               expire)
{
  g_autoptr(GDateTime) s = g_date_time_new_from_unix_local (start / G_USEC_PER_SEC);
  g_autoptr(GDateTime) e = g_date_time_new_from_unix_local (expire / G_USEC_PER_SEC);
  GString *services = g_string_new (NULL);

  for (guint i = 0; i < rule->n_services; i++)
    if (r->services & (1u << i))
      g_string_append_printf (services, "%s%s", services->len ? "、" : "", rule->services[i].name);
  g_hash_table_insert (values, "party_a", g_strdup (c->party_a));
  g_hash_table_insert (values, "party_b", g_strdup (name));
  g_hash_table_insert (values, "mobile", g_strdup (mobile));
  g_hash_table_insert (values, "id_card", g_strdup (id_card));
  g_hash_table_insert (values, "store", g_strdup (c->store_name));
  g_hash_table_insert (values, "device", g_strdup (c->device_no));
  g_hash_table_insert (values, "start", g_date_time_format (s, "%Y-%m-%d %H:%M"));
  g_hash_table_insert (values, "expiry", g_date_time_format (e, "%Y-%m-%d %H:%M"));
  g_hash_table_insert (values, "rent", mt_format_money (quote->rent_fen));
  g_hash_table_insert (values, "deposit", mt_format_money (quote->deposit_fen));
  g_hash_table_insert (values, "services", g_string_free (services, FALSE));
  g_hash_table_insert (values, "term", g_strdup_printf (_("%s to %s"), (char *) g_hash_table_lookup (values, "start"),
                                                        (char *) g_hash_table_lookup (values, "expiry")));
  g_hash_table_insert (values, "total", mt_format_money (quote->total_fen));
}

/* What a contract says of a member: its name, mobile and ID card number as stored */
static gboolean
member_identity (MtDb     *db,
                 gint64    member_id,
                 char    **name,
                 char    **mobile,
                 char    **id_card,
                 GError  **error)
{
  sqlite3_stmt *stmt = mt_db_prepare (db, error, "SELECT name, mobile, id_card FROM members WHERE id = ?",
                                      "i", member_id);

  if (stmt == NULL)
    return FALSE;
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      *name = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
      *mobile = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
      *id_card = g_strdup ((const char *) sqlite3_column_text (stmt, 2));
    }
  sqlite3_reset (stmt);
  return TRUE;
}

gboolean
mt_order_quote (MtDb                *db,
                const MtActor       *actor,
                const MtRentRequest *request,
                MtQuote             *quote,
                char               **contract,
                MtBillingRule      **rule_out,
                GError             **error)
{
  g_auto(RentContext) c = { 0 };
  g_autoptr(MtBillingRule) rule = rent_check (db, actor, request, &c, error);
  g_autoptr(GHashTable) values = NULL;
  gint64 now = mt_now ();
  gint64 member_id;

  if (rule == NULL)
    return FALSE;
  if (!mt_billing_quote (rule, request->periods, request->services, TRUE, quote, error))
    return FALSE;
  /* a quote is for a rental the counter could make: a payment method it names must be offered */
  if (request->pay_method != NULL && request->pay_method[0] != '\0' &&
      !check_pay_method (db, actor, request->store_id, request->pay_method, error))
    return FALSE;
  member_id = request->member_id;
  if (member_id != 0 &&
      mt_db_query_int (db, 0, "SELECT operator_id FROM members WHERE id = ? AND deleted = 0 AND enabled = 1",
                       "i", member_id) != c.operator_id)
    {
      mt_set_field_error (error, "member_id", _("Member"), _("does not exist or belongs to another operator"));
      return FALSE;
    }
  if (member_id == 0 && request->mobile && request->mobile[0])
    member_id = mt_db_query_int (db, 0, "SELECT id FROM members WHERE operator_id = ? AND mobile = ? AND deleted = 0",
                                 "it", c.operator_id, request->mobile);
  apply_cards (db, member_id, now, rule, quote);
  if (contract)
    {
      /* the contract names the member as the stored one will: a known member's own record */
      g_autofree char *name = NULL, *mobile = NULL, *id_card = NULL;

      if (request->member_id != 0 && !member_identity (db, member_id, &name, &mobile, &id_card, error))
        return FALSE;
      values = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
      contract_values (values, &c, rule, request, quote,
                       name ? name : request->name ? request->name : "",
                       mobile ? mobile : request->mobile ? request->mobile : "",
                       id_card ? id_card : request->id_card ? request->id_card : "",
                       now, now + (gint64) request->periods * rule->period_days * DAY);
      *contract = mt_contract_render (rule->contract, values);
    }
  if (rule_out)
    *rule_out = g_steal_pointer (&rule);
  return TRUE;
}

/* The member renting: the given id in scope, or found by mobile, or created */
static gint64
rent_member (MtDb                *db,
             const MtActor       *actor,
             const MtRentRequest *r,
             gint64               operator_id,
             GError             **error)
{
  gint64 member_id = r->member_id, referrer = 0;

  if (member_id != 0)
    {
      gint64 op = mt_db_query_int (db, 0, "SELECT operator_id FROM members WHERE id = ? AND deleted = 0 "
                                          "AND enabled = 1", "i", member_id);
      if (op != operator_id)
        {
          mt_set_field_error (error, "member_id", _("Member"), _("does not exist or belongs to another operator"));
          return 0;
        }
      return member_id;
    }
  if (!mt_validate_mobile (r->mobile, "mobile", _("Mobile"), error))
    return 0;
  member_id = mt_db_query_int (db, 0, "SELECT id FROM members WHERE operator_id = ? AND mobile = ? "
                                      "AND deleted = 0", "it", operator_id, r->mobile);
  if (member_id != 0)
    return member_id;
  if (!mt_validate_required (r->name, "name", _("Name"), 40, error) ||
      !mt_validate_id_card (r->id_card, "id_card", _("ID card"), error))
    return 0;
  if (r->referrer && r->referrer[0])
    {
      referrer = mt_db_query_int (db, 0, "SELECT id FROM members WHERE operator_id = ? AND mobile = ? "
                                         "AND deleted = 0", "it", operator_id, r->referrer);
      if (referrer == 0)
        {
          mt_set_field_error (error, "referrer", _("Referred by"), _("is not the mobile of a member"));
          return 0;
        }
    }
  if (!mt_db_run (db, error, "INSERT INTO members (created_at, updated_at, operator_id, store_id, name, mobile, "
                             "id_card, referrer_id) VALUES (?1, ?1, ?2, ?3, ?4, ?5, ?6, nullif (?7, 0))", "iiittti",
                  mt_now (), operator_id, r->store_id, r->name, r->mobile, r->id_card, referrer))
    return 0;
  return mt_db_last_insert_id (db);
}

/* A referred member's first order earns its referrer the operator's commission, credited to
 * the referrer's balance */
static gboolean
pay_commission (MtDb    *db,
                gint64   operator_id,
                gint64   store_id,
                gint64   member_id,
                gint64   order_id,
                GError **error)
{
  gint64 referrer = mt_db_query_int (db, 0, "SELECT coalesce (referrer_id, 0) FROM members WHERE id = ?", "i", member_id);
  g_autofree char *yuan = NULL;
  gint64 commission;

  if (referrer == 0 || referrer == member_id ||
      mt_db_query_int (db, 0, "SELECT count(*) FROM orders WHERE member_id = ? AND deleted = 0", "i", member_id) != 1 ||
      mt_db_query_int (db, 0, "SELECT count(*) FROM referrals WHERE member_id = ? AND deleted = 0", "i", member_id) > 0)
    return TRUE;
  yuan = mt_setting_get (db, operator_id, "referral_commission");
  commission = (yuan ? g_ascii_strtoll (yuan, NULL, 10) : 0) * 100;
  if (commission <= 0)
    return TRUE;
  return mt_db_run (db, error, "INSERT INTO referrals (created_at, updated_at, referrer_id, member_id, order_id, "
                               "operator_id, store_id, commission_fen, at) VALUES (?1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?1)",
                    "iiiiiii", mt_now (), referrer, member_id, order_id, operator_id, store_id, commission) &&
         give_balance (db, referrer, commission, error) &&
         ledger_add (db, operator_id, store_id, referrer, order_id, "commission", commission, "internal",
                     _("Referral commission"), error);
}

gint64
mt_order_rent (MtDb                *db,
               const MtActor       *actor,
               const MtRentRequest *r,
               GError             **error)
{
  g_auto(RentContext) c = { 0 };
  g_autoptr(MtBillingRule) rule = NULL;
  g_autoptr(GHashTable) values = NULL;
  g_autofree char *order_no = NULL;
  g_autofree char *contract = NULL;
  g_autofree char *name = NULL;
  g_autofree char *mobile = NULL;
  g_autofree char *id_card = NULL;
  gint64 now = mt_now (), expire, member_id, order_id, period_services = 0;
  MtQuote quote;

  if (!mt_db_begin (db, error))
    return 0;
  rule = rent_check (db, actor, r, &c, error);
  if (rule == NULL)
    goto fail;
  if (!check_pay_method (db, actor, r->store_id, r->pay_method, error))
    goto fail;
  member_id = rent_member (db, actor, r, c.operator_id, error);
  if (member_id == 0)
    goto fail;
  if (mt_db_query_int (db, 0, "SELECT count(*) FROM orders WHERE member_id = ? AND state <> 'ended' "
                              "AND deleted = 0", "i", member_id) >= 3)
    {
      mt_set_field_error (error, "member_id", _("Member"), _("already has 3 open orders"));
      goto fail;
    }

  if (!mt_billing_quote (rule, r->periods, r->services, TRUE, &quote, error))
    goto fail;
  apply_cards (db, member_id, now, rule, &quote);
  for (guint i = 0; i < rule->n_services; i++)
    if ((r->services & (1u << i)) && rule->services[i].per_period)
      period_services += rule->services[i].price_fen;
  expire = now + (gint64) r->periods * rule->period_days * DAY;

  if (!member_identity (db, member_id, &name, &mobile, &id_card, error))
    goto fail;
  values = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  contract_values (values, &c, rule, r, &quote, name, mobile, id_card, now, expire);
  contract = mt_contract_render (rule->contract, values);

  if (!collect (db, member_id, r->pay_method, quote.total_fen, error))
    goto fail;
  order_no = new_number (db, "DD", "orders", "order_no");
  if (!mt_db_run (db, error,
                  "INSERT INTO orders (created_at, updated_at, order_no, operator_id, store_id, member_id, device_id, "
                  "type_id, rule_id, state, pay_method, periods, period_days, start_at, expire_at, rent_fen, "
                  "services_fen, deposit_fen, contract, period_rent_fen, period_services_fen, services) "
                  "VALUES (?1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'active', ?9, ?10, ?11, ?1, ?12, ?13, ?14, ?15, ?16, "
                  "?17, ?18, ?19)", "itiiiiiiti" "iiiiiti" "ii",
                  now, order_no, c.operator_id, r->store_id, member_id, r->device_id, c.type_id, rule->id,
                  r->pay_method, (gint64) r->periods, (gint64) rule->period_days, expire, quote.rent_fen,
                  quote.services_fen, quote.deposit_fen, contract, rule->rent_fen, period_services,
                  (gint64) r->services))
    goto fail;
  order_id = mt_db_last_insert_id (db);
  if (!mt_db_run (db, error,
                  "INSERT INTO rentals (created_at, updated_at, order_id, device_id, member_id, operator_id, "
                  "store_id, reason, start_at) VALUES (?1, ?1, ?2, ?3, ?4, ?5, ?6, 'rent', ?1)", "iiiiii",
                  now, order_id, r->device_id, member_id, c.operator_id, r->store_id) ||
      !mt_db_run (db, error,
                  "INSERT INTO deposits (created_at, updated_at, order_id, member_id, operator_id, store_id, "
                  "amount_fen, state) VALUES (?1, ?1, ?2, ?3, ?4, ?5, ?6, 'held')", "iiiiii",
                  now, order_id, member_id, c.operator_id, r->store_id, quote.deposit_fen) ||
      !mt_db_run (db, error,
                  "UPDATE devices SET state = 'rented', member_id = ?, rent_expiry = ?, version = version + 1, "
                  "updated_at = ? WHERE id = ? AND state = 'ready'", "iiii", member_id, expire, now, r->device_id) ||
      !ledger_add (db, c.operator_id, r->store_id, member_id, order_id, "rent", quote.rent_fen, r->pay_method,
                   NULL, error) ||
      !ledger_add (db, c.operator_id, r->store_id, member_id, order_id, "service", quote.services_fen,
                   r->pay_method, NULL, error) ||
      !ledger_add (db, c.operator_id, r->store_id, member_id, order_id, "deposit_in", quote.deposit_fen,
                   r->pay_method, NULL, error) ||
      !pay_commission (db, c.operator_id, r->store_id, member_id, order_id, error))
    goto fail;
  mt_audit (db, actor, "rent", "orders", order_id, "ok", order_no);
  if (!mt_db_commit (db, error))
    return 0;
  return order_id;

fail:
  mt_db_rollback (db);
  return 0;
}

gboolean
mt_order_renew (MtDb          *db,
                const MtActor *actor,
                gint64         order_id,
                guint          periods,
                const char    *pay_method,
                GError       **error)
{
  g_auto(Order) o = { 0 };
  gint64 rent, services, expire;

  if (!mt_actor_require (actor, "orders", "renew", error) || !check_periods (periods, error))
    return FALSE;
  if (!mt_db_begin (db, error))
    return FALSE;
  if (!order_load (db, actor, order_id, &o, error))
    goto fail;
  if (g_str_equal (o.state, "ended"))
    {
      g_set_error_literal (error, MT_ERROR, MT_ERROR_CONFLICT, _("The order has ended: it cannot be renewed"));
      goto fail;
    }
  if (o.periods + periods > MT_MAX_PERIODS * 10)
    {
      mt_set_field_error (error, "periods", _("Periods"), _("make the order too long"));
      goto fail;
    }
  if (!check_pay_method (db, actor, o.store_id, pay_method, error))
    goto fail;
  /* periods the member's rental cards cover pay no rent */
  if (!mt_money_mul (o.period_rent_fen, periods - covered_periods (db, o.member_id, o.expire_at, periods,
                                                                   o.period_days), &rent) ||
      !mt_money_mul (o.period_services_fen, periods, &services) ||
      o.rent_fen + rent > MT_MONEY_MAX_FEN || o.services_fen + services > MT_MONEY_MAX_FEN)
    {
      mt_billing_set_too_costly (error);
      goto fail;
    }
  /* the new periods follow the old expiry: an overdue order pays for its late days this way */
  expire = o.expire_at + (gint64) periods * o.period_days * DAY;
  if (!collect (db, o.member_id, pay_method, rent + services, error) ||
      !mt_db_run (db, error,
                  "UPDATE orders SET periods = periods + ?1, expire_at = ?2, rent_fen = rent_fen + ?3, "
                  "services_fen = services_fen + ?4, state = CASE WHEN ?2 > ?5 THEN 'active' ELSE state END, "
                  "version = version + 1, updated_at = ?5 WHERE id = ?6", "iiiiii",
                  (gint64) periods, expire, rent, services, mt_now (), order_id) ||
      !mt_db_run (db, error, "UPDATE devices SET rent_expiry = ?, version = version + 1, updated_at = ? "
                             "WHERE id = ?", "iii", expire, mt_now (), o.device_id) ||
      !ledger_add (db, o.operator_id, o.store_id, o.member_id, order_id, "rent", rent, pay_method,
                   _("Renewal"), error) ||
      !ledger_add (db, o.operator_id, o.store_id, o.member_id, order_id, "service", services, pay_method,
                   _("Renewal"), error))
    goto fail;
  mt_audit (db, actor, "renew", "orders", order_id, "ok", NULL);
  return mt_db_commit (db, error);

fail:
  mt_db_rollback (db);
  return FALSE;
}

gboolean
mt_order_replace (MtDb          *db,
                  const MtActor *actor,
                  gint64         order_id,
                  gint64         device_id,
                  const char    *fault,
                  GError       **error)
{
  g_auto(Order) o = { 0 };
  gint64 now = mt_now ();
  gint64 store = -1, type = 0;
  g_autofree char *state = NULL;
  sqlite3_stmt *stmt;

  if (!mt_actor_require (actor, "orders", "replace", error))
    return FALSE;
  if (!mt_db_begin (db, error))
    return FALSE;
  if (!order_load (db, actor, order_id, &o, error))
    goto fail;
  if (g_str_equal (o.state, "ended"))
    {
      g_set_error_literal (error, MT_ERROR, MT_ERROR_CONFLICT, _("The order has ended: its device cannot be replaced"));
      goto fail;
    }
  stmt = mt_db_prepare (db, error, "SELECT coalesce (store_id, 0), type_id, state FROM devices "
                                   "WHERE id = ? AND deleted = 0", "i", device_id);
  if (stmt == NULL)
    goto fail;
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      store = sqlite3_column_int64 (stmt, 0);
      type = sqlite3_column_int64 (stmt, 1);
      state = g_strdup ((const char *) sqlite3_column_text (stmt, 2));
    }
  sqlite3_reset (stmt);
  if (store != o.store_id || type != o.type_id || device_id == o.device_id)
    {
      mt_set_field_error (error, "device_id", _("Device"), _("must be another device of the same store and type"));
      goto fail;
    }
  if (!g_str_equal (state, "ready"))
    {
      mt_set_field_error (error, "device_id", _("Device"), _("is not ready to rent"));
      goto fail;
    }
  if (!mt_db_run (db, error, "UPDATE devices SET state = 'ready', member_id = NULL, rent_expiry = NULL, "
                             "version = version + 1, updated_at = ? WHERE id = ?", "ii", now, o.device_id) ||
      !mt_db_run (db, error, "UPDATE devices SET state = 'rented', member_id = ?, rent_expiry = ?, "
                             "version = version + 1, updated_at = ? WHERE id = ?", "iiii",
                  o.member_id, o.expire_at, now, device_id) ||
      !mt_db_run (db, error, "UPDATE rentals SET end_at = ?, version = version + 1, updated_at = ?1 "
                             "WHERE order_id = ? AND end_at IS NULL", "ii", now, order_id) ||
      !mt_db_run (db, error, "INSERT INTO rentals (created_at, updated_at, order_id, device_id, member_id, "
                             "operator_id, store_id, reason, start_at) VALUES (?1, ?1, ?2, ?3, ?4, ?5, ?6, "
                             "'replace', ?1)", "iiiiii", now, order_id, device_id, o.member_id, o.operator_id,
                  o.store_id) ||
      !mt_db_run (db, error, "UPDATE orders SET device_id = ?, version = version + 1, updated_at = ? WHERE id = ?",
                  "iii", device_id, now, order_id))
    goto fail;
  /* the old device's fault becomes its repair ticket, in this same transaction */
  if (fault != NULL && mt_repair_report (db, actor, o.device_id, "store", actor->name, fault, error) == 0)
    goto fail;
  mt_audit (db, actor, "replace", "orders", order_id, "ok", NULL);
  return mt_db_commit (db, error);

fail:
  mt_db_rollback (db);
  return FALSE;
}

/* ------------------------------------------------------------------ ending */

typedef struct
{
  gint64 id, amount_fen, deducted_fen;
} Deposit;

static gboolean
deposit_load (MtDb     *db,
              gint64    order_id,
              Deposit  *d,
              GError  **error)
{
  sqlite3_stmt *stmt = mt_db_prepare (db, error, "SELECT id, amount_fen, deducted_fen FROM deposits "
                                                 "WHERE order_id = ? AND deleted = 0", "i", order_id);
  gboolean found = stmt && sqlite3_step (stmt) == SQLITE_ROW;

  if (found)
    {
      d->id = sqlite3_column_int64 (stmt, 0);
      d->amount_fen = sqlite3_column_int64 (stmt, 1);
      d->deducted_fen = sqlite3_column_int64 (stmt, 2);
    }
  if (stmt)
    sqlite3_reset (stmt);
  if (!found && stmt)
    g_set_error (error, MT_ERROR, MT_ERROR_FAILED, _("Order %lld has no deposit record"), (long long) order_id);
  return found;
}

static void
settle (const Order        *o,
        const Deposit      *d,
        const MtEndRequest *request,
        gint64              now,
        MtSettlement       *s)
{
  gint64 held = d->amount_fen - d->deducted_fen, charges;

  memset (s, 0, sizeof *s);
  s->overdue_fen = mt_billing_overdue_fen (o->period_rent_fen, o->period_days, o->expire_at, now);
  s->damage_fen = request->damage_fen;
  charges = s->overdue_fen + s->damage_fen;
  s->deducted_fen = MIN (charges, held);
  s->shortfall_fen = charges - s->deducted_fen;
  s->refund_fen = held - s->deducted_fen;
}

static gboolean
end_check (MtDb               *db,
           const MtActor      *actor,
           gint64              order_id,
           const MtEndRequest *request,
           Order              *o,
           Deposit            *d,
           GError            **error)
{
  if (!mt_actor_require (actor, "orders", "end", error))
    return FALSE;
  if (request->damage_fen < 0 || request->damage_fen > G_GINT64_CONSTANT (100000000))
    {
      mt_set_field_error (error, "damage_fen", _("Damages"), _("must be an amount from 0 to ¥1,000,000.00"));
      return FALSE;
    }
  if (!order_load (db, actor, order_id, o, error))
    return FALSE;
  if (g_str_equal (o->state, "ended"))
    {
      g_set_error_literal (error, MT_ERROR, MT_ERROR_CONFLICT, _("The order has already ended"));
      return FALSE;
    }
  if (request->forced && actor->store_id != 0 &&
      mt_db_query_int (db, 0, "SELECT forced_settlement FROM stores WHERE id = ?", "i", o->store_id) != 1)
    {
      g_set_error_literal (error, MT_ERROR, MT_ERROR_FORBIDDEN,
                           _("Forbidden: this store may not force a settlement; ask its operator"));
      return FALSE;
    }
  return deposit_load (db, order_id, d, error);
}

gboolean
mt_order_settlement (MtDb               *db,
                     const MtActor      *actor,
                     gint64              order_id,
                     const MtEndRequest *request,
                     MtSettlement       *settlement,
                     GError            **error)
{
  g_auto(Order) o = { 0 };
  Deposit d = { 0 };

  if (!end_check (db, actor, order_id, request, &o, &d, error))
    return FALSE;
  settle (&o, &d, request, mt_now (), settlement);
  return TRUE;
}

/* The deposit goes back by the route it came: online to the payment, balance to the balance,
 * offline recorded as paid out at the counter */
static gboolean
refund_deposit (MtDb          *db,
                const Order   *o,
                gint64         amount_fen,
                GError       **error)
{
  if (g_str_equal (o->pay_method, "balance") && !give_balance (db, o->member_id, amount_fen, error))
    return FALSE;
  return ledger_add (db, o->operator_id, o->store_id, o->member_id, o->id, "deposit_out", -amount_fen,
                     o->pay_method, NULL, error);
}

gboolean
mt_order_end (MtDb               *db,
              const MtActor      *actor,
              gint64              order_id,
              const MtEndRequest *request,
              MtSettlement       *settlement,
              GError            **error)
{
  g_auto(Order) o = { 0 };
  Deposit d = { 0 };
  MtSettlement s;
  gint64 now = mt_now (), overdue_in, damage_in;
  const char *route = request->pay_method ? request->pay_method : NULL;
  const char *deposit_state;

  if (!mt_db_begin (db, error))
    return FALSE;
  if (!end_check (db, actor, order_id, request, &o, &d, error))
    goto fail;
  settle (&o, &d, request, now, &s);
  if (route == NULL)
    route = o.pay_method;
  if (s.shortfall_fen > 0 &&
      (!check_pay_method (db, actor, o.store_id, route, error) || !collect (db, o.member_id, route, s.shortfall_fen, error)))
    goto fail;

  /* charges come out of the deposit first: overdue rent, then damages */
  overdue_in = MIN (s.overdue_fen, s.deducted_fen);
  damage_in = s.deducted_fen - overdue_in;
  if (!ledger_add (db, o.operator_id, o.store_id, o.member_id, order_id, "overdue", overdue_in, "internal",
                   _("From the deposit"), error) ||
      !ledger_add (db, o.operator_id, o.store_id, o.member_id, order_id, "overdue", s.overdue_fen - overdue_in,
                   route, NULL, error) ||
      !ledger_add (db, o.operator_id, o.store_id, o.member_id, order_id, "damage", damage_in, "internal",
                   _("From the deposit"), error) ||
      !ledger_add (db, o.operator_id, o.store_id, o.member_id, order_id, "damage", s.damage_fen - damage_in,
                   route, NULL, error) ||
      !ledger_add (db, o.operator_id, o.store_id, o.member_id, order_id, "deposit_deduct", -s.deducted_fen,
                   "internal", NULL, error))
    goto fail;

  if (s.refund_fen > 0 && request->hold_deposit)
    {
      deposit_state = "held";
      if (!mt_db_run (db, error, "INSERT INTO deposit_refunds (created_at, updated_at, deposit_id, member_id, "
                                 "operator_id, store_id, amount_fen, state, reason) VALUES (?1, ?1, ?2, ?3, ?4, "
                                 "?5, ?6, 'requested', ?7)", "iiiiiit", now, d.id, o.member_id, o.operator_id,
                      o.store_id, s.refund_fen, _("Order ended")))
        goto fail;
    }
  else if (s.refund_fen > 0)
    {
      deposit_state = "refunded";
      if (!refund_deposit (db, &o, s.refund_fen, error) ||
          !mt_db_run (db, error, "INSERT INTO deposit_refunds (created_at, updated_at, deposit_id, member_id, "
                                 "operator_id, store_id, amount_fen, state, reason, handled_by, handled_at) "
                                 "VALUES (?1, ?1, ?2, ?3, ?4, ?5, ?6, 'refunded', ?7, nullif (?8, 0), ?1)",
                      "iiiiiiti", now, d.id, o.member_id, o.operator_id, o.store_id, s.refund_fen,
                      _("Order ended"), actor->account_id))
        goto fail;
    }
  else
    deposit_state = s.deducted_fen > 0 ? "deducted" : "refunded";

  if (!mt_db_run (db, error, "UPDATE deposits SET deducted_fen = deducted_fen + ?, state = ?, version = version + 1, "
                             "updated_at = ? WHERE id = ?", "itii", s.deducted_fen, deposit_state, now, d.id) ||
      !mt_db_run (db, error, "UPDATE orders SET state = 'ended', end_at = ?1, overdue_fen = ?2, damage_fen = ?3, "
                             "refund_fen = ?4, version = version + 1, updated_at = ?1 WHERE id = ?5", "iiiii",
                  now, s.overdue_fen, s.damage_fen, request->hold_deposit ? (gint64) 0 : s.refund_fen, order_id) ||
      !mt_db_run (db, error, "UPDATE rentals SET end_at = ?1, version = version + 1, updated_at = ?1 "
                             "WHERE order_id = ?2 AND end_at IS NULL", "ii", now, order_id) ||
      !mt_db_run (db, error, "UPDATE devices SET state = 'ready', member_id = NULL, rent_expiry = NULL, "
                             "version = version + 1, updated_at = ? WHERE id = ? AND state = 'rented'", "ii",
                  now, o.device_id))
    goto fail;
  mt_audit (db, actor, request->forced ? "forced-settlement" : "end", "orders", order_id, "ok", NULL);
  if (!mt_db_commit (db, error))
    return FALSE;
  if (settlement)
    *settlement = s;
  return TRUE;

fail:
  mt_db_rollback (db);
  return FALSE;
}

gint64
mt_orders_mark_overdue (MtDb    *db,
                        GError **error)
{
  gint64 now = mt_now (), n;

  if (!mt_db_begin (db, error))
    return -1;
  if (!mt_db_run (db, error, "UPDATE orders SET state = 'overdue', version = version + 1, updated_at = ?1 "
                             "WHERE state = 'active' AND expire_at < ?1 AND deleted = 0", "i", now))
    {
      mt_db_rollback (db);
      return -1;
    }
  n = mt_db_changes (db);
  /* the operator's policy: after the grace hours, the battery's power is to be cut (the command
   * is sent by telemetry; here the intent is recorded on the order) */
  {
    g_autoptr(GArray) due = g_array_new (FALSE, FALSE, sizeof (gint64));
    /* per operator: -1 when it does not cut power, else its grace in µs */
    g_autoptr(GHashTable) policy = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
    sqlite3_stmt *stmt = mt_db_prepare (db, error, "SELECT id, operator_id, expire_at FROM orders "
                                                   "WHERE state = 'overdue' AND power_cut = 0 AND deleted = 0", NULL);
    while (stmt && sqlite3_step (stmt) == SQLITE_ROW)
      {
        gint64 id = sqlite3_column_int64 (stmt, 0);
        gint64 op = sqlite3_column_int64 (stmt, 1);
        gint64 expire = sqlite3_column_int64 (stmt, 2);
        gint64 *grace = g_hash_table_lookup (policy, &op);

        if (grace == NULL)
          {
            g_autofree char *cut = mt_setting_get (db, op, "overdue_power_cut");
            g_autofree char *hours = mt_setting_get (db, op, "overdue_grace_hours");

            grace = g_new (gint64, 1);
            *grace = g_strcmp0 (cut, "true") == 0
                     ? g_ascii_strtoll (hours ? hours : "0", NULL, 10) * 3600 * G_USEC_PER_SEC : -1;
            g_hash_table_insert (policy, g_memdup2 (&op, sizeof op), grace);
          }
        if (*grace >= 0 && now > expire + *grace)
          g_array_append_val (due, id);
      }
    if (stmt)
      sqlite3_reset (stmt);
    for (guint i = 0; i < due->len; i++)
      if (!mt_db_run (db, error, "UPDATE orders SET power_cut = 1, version = version + 1, updated_at = ? "
                                 "WHERE id = ?", "ii", now, g_array_index (due, gint64, i)))
        {
          mt_db_rollback (db);
          return -1;
        }
  }
  if (!mt_db_commit (db, error))
    return -1;
  return n;
}

/* ------------------------------------------------------------------ members' money */

/* The member's owner columns, when it exists and is in the actor's scope */
static gboolean
member_owner (MtDb          *db,
              const MtActor *actor,
              gint64         member_id,
              gint64        *operator_id,
              gint64        *store_id,
              GError       **error)
{
  sqlite3_stmt *stmt = mt_db_prepare (db, error, "SELECT operator_id, coalesce (store_id, 0) FROM members "
                                                 "WHERE id = ? AND deleted = 0", "i", member_id);
  gboolean found = stmt && sqlite3_step (stmt) == SQLITE_ROW;

  if (found)
    {
      *operator_id = sqlite3_column_int64 (stmt, 0);
      *store_id = sqlite3_column_int64 (stmt, 1);
    }
  if (stmt)
    sqlite3_reset (stmt);
  if (!found)
    {
      if (stmt)
        mt_set_field_error (error, "member_id", _("Member"), _("does not exist"));
      return FALSE;
    }
  if (!mt_actor_owns_row (db, actor, *operator_id, *store_id))
    {
      mt_set_forbidden (error);
      return FALSE;
    }
  return TRUE;
}

gboolean
mt_member_recharge (MtDb          *db,
                    const MtActor *actor,
                    gint64         member_id,
                    gint64         plan_id,
                    gint64         amount_fen,
                    const char    *pay_method,
                    GError       **error)
{
  gint64 operator_id = 0, store_id = 0, bonus = 0, campaign = 0, now = mt_now ();
  sqlite3_stmt *stmt;
  gboolean found;

  if (!mt_actor_require (actor, "recharges", "recharge", error) || !check_outside_route (pay_method, error))
    return FALSE;
  if (!mt_db_begin (db, error))
    return FALSE;
  if (!member_owner (db, actor, member_id, &operator_id, &store_id, error))
    goto fail;
  if (!check_pay_method (db, actor, store_id, pay_method, error))
    goto fail;
  if (plan_id != 0)
    {
      /* a denomination of the member's operator (or one above it); its bonus while the
       * campaign runs */
      stmt = mt_db_prepare (db, error,
                            "SELECT p.amount_fen, p.bonus_fen, coalesce (p.campaign_id, 0), "
                            "  p.campaign_id IS NULL OR EXISTS (SELECT 1 FROM campaigns c WHERE c.id = p.campaign_id "
                            "    AND c.enabled = 1 AND c.deleted = 0 AND ?3 BETWEEN c.starts_at AND c.ends_at) "
                            "FROM recharge_plans p JOIN operators po ON po.id = p.operator_id "
                            "JOIN operators mo ON mo.id = ?2 "
                            "WHERE p.id = ?1 AND p.deleted = 0 AND substr (mo.path, 1, length (po.path)) = po.path",
                            "iii", plan_id, operator_id, now);
      found = stmt && sqlite3_step (stmt) == SQLITE_ROW;
      if (found)
        {
          amount_fen = sqlite3_column_int64 (stmt, 0);
          bonus = sqlite3_column_int (stmt, 3) ? sqlite3_column_int64 (stmt, 1) : 0;
          campaign = bonus ? sqlite3_column_int64 (stmt, 2) : 0;
        }
      if (stmt)
        sqlite3_reset (stmt);
      if (!found)
        {
          mt_set_field_error (error, "plan_id", _("Denomination"), _("is not offered to this member"));
          goto fail;
        }
    }
  else if (amount_fen < 1 || amount_fen > G_GINT64_CONSTANT (10000000))
    {
      mt_set_field_error (error, "amount_fen", _("Amount"), _("must be from ¥0.01 to ¥100,000.00"));
      goto fail;
    }
  if (!mt_db_run (db, error, "INSERT INTO recharges (created_at, updated_at, member_id, operator_id, store_id, "
                             "amount_fen, bonus_fen, pay_method, campaign_id, at) VALUES (?1, ?1, ?2, ?3, "
                             "nullif (?4, 0), ?5, ?6, ?7, nullif (?8, 0), ?1)", "iiiiiiti", now, member_id,
                  operator_id, store_id, amount_fen, bonus, pay_method, campaign) ||
      !give_balance (db, member_id, amount_fen + bonus, error) ||
      !ledger_add (db, operator_id, store_id, member_id, 0, "recharge", amount_fen, pay_method, NULL, error) ||
      !ledger_add (db, operator_id, store_id, member_id, 0, "bonus", bonus, "internal", NULL, error))
    goto fail;
  mt_audit (db, actor, "recharge", "members", member_id, "ok", NULL);
  return mt_db_commit (db, error);

fail:
  mt_db_rollback (db);
  return FALSE;
}

gint64
mt_member_withdrawable (MtDb   *db,
                        gint64  member_id)
{
  return mt_db_query_int (db, 0,
                          "SELECT max (0, m.balance_fen - max (0, "
                          "  coalesce ((SELECT sum (amount_fen) FROM ledger WHERE member_id = m.id AND kind = 'bonus'), 0) "
                          "  - coalesce ((SELECT sum (amount_fen) FROM ledger WHERE member_id = m.id "
                          "      AND pay_method = 'balance'), 0))) "
                          "FROM members m WHERE m.id = ? AND m.deleted = 0", "i", member_id);
}

gboolean
mt_member_withdraw (MtDb          *db,
                    const MtActor *actor,
                    gint64         member_id,
                    gint64         amount_fen,
                    const char    *pay_method,
                    GError       **error)
{
  gint64 operator_id = 0, store_id = 0, allowed;

  if (!mt_actor_require (actor, "members", "withdraw", error) || !check_outside_route (pay_method, error))
    return FALSE;
  if (amount_fen < 1 || amount_fen > MT_MONEY_MAX_FEN)
    {
      mt_set_field_error (error, "amount_fen", _("Amount"), _("must be more than ¥0.00"));
      return FALSE;
    }
  if (!mt_db_begin (db, error))
    return FALSE;
  if (!member_owner (db, actor, member_id, &operator_id, &store_id, error) ||
      !check_pay_method (db, actor, store_id, pay_method, error))
    goto fail;
  allowed = mt_member_withdrawable (db, member_id);
  if (amount_fen > allowed)
    {
      g_autofree char *most = mt_format_money (allowed);
      g_autofree char *problem = g_strdup_printf (_("is more than the %s the member may take out (the bonus not "
                                                    "spent yet stays)"), most);

      mt_set_field_error (error, "amount_fen", _("Amount"), problem);
      goto fail;
    }
  if (!take_balance (db, member_id, amount_fen, error) ||
      !ledger_add (db, operator_id, store_id, member_id, 0, "withdrawal", -amount_fen, pay_method, NULL, error))
    goto fail;
  mt_audit (db, actor, "withdraw", "members", member_id, "ok", NULL);
  return mt_db_commit (db, error);

fail:
  mt_db_rollback (db);
  return FALSE;
}

gboolean
mt_deposit_refund_handle (MtDb          *db,
                          const MtActor *actor,
                          gint64         refund_id,
                          gboolean       approve,
                          const char    *reason,
                          GError       **error)
{
  g_auto(Order) o = { 0 };
  gint64 deposit_id = 0, amount = 0, order_id = 0, now = mt_now ();
  g_autofree char *state = NULL;
  sqlite3_stmt *stmt;

  if (!mt_actor_require (actor, "deposit_refunds", "approve", error))
    return FALSE;
  if (!approve && !mt_validate_required (reason, "reason", _("Reason"), 200, error))
    return FALSE;
  if (!mt_db_begin (db, error))
    return FALSE;
  stmt = mt_db_prepare (db, error, "SELECT r.deposit_id, r.amount_fen, r.state, d.order_id FROM deposit_refunds r "
                                   "JOIN deposits d ON d.id = r.deposit_id WHERE r.id = ? AND r.deleted = 0",
                        "i", refund_id);
  if (stmt && sqlite3_step (stmt) == SQLITE_ROW)
    {
      deposit_id = sqlite3_column_int64 (stmt, 0);
      amount = sqlite3_column_int64 (stmt, 1);
      state = g_strdup ((const char *) sqlite3_column_text (stmt, 2));
      order_id = sqlite3_column_int64 (stmt, 3);
    }
  if (stmt)
    sqlite3_reset (stmt);
  if (state == NULL)
    {
      g_set_error (error, MT_ERROR, MT_ERROR_NOT_FOUND, _("Deposit refund %lld does not exist"), (long long) refund_id);
      goto fail;
    }
  if (!order_load (db, actor, order_id, &o, error))
    goto fail;
  if (!g_str_equal (state, "requested"))
    {
      g_set_error_literal (error, MT_ERROR, MT_ERROR_CONFLICT, _("This refund has already been handled"));
      goto fail;
    }
  if (approve)
    {
      if (!refund_deposit (db, &o, amount, error) ||
          !mt_db_run (db, error, "UPDATE deposits SET state = 'refunded', version = version + 1, updated_at = ? "
                                 "WHERE id = ?", "ii", now, deposit_id) ||
          !mt_db_run (db, error, "UPDATE orders SET refund_fen = refund_fen + ?, version = version + 1, "
                                 "updated_at = ? WHERE id = ?", "iii", amount, now, order_id))
        goto fail;
    }
  else
    {
      /* refused: the deposit is kept as damages */
      if (!ledger_add (db, o.operator_id, o.store_id, o.member_id, order_id, "damage", amount, "internal",
                       reason, error) ||
          !ledger_add (db, o.operator_id, o.store_id, o.member_id, order_id, "deposit_deduct", -amount,
                       "internal", reason, error) ||
          !mt_db_run (db, error, "UPDATE deposits SET state = 'deducted', deducted_fen = deducted_fen + ?, "
                                 "version = version + 1, updated_at = ? WHERE id = ?", "iii", amount, now, deposit_id) ||
          !mt_db_run (db, error, "UPDATE orders SET damage_fen = damage_fen + ?, version = version + 1, "
                                 "updated_at = ? WHERE id = ?", "iii", amount, now, order_id))
        goto fail;
    }
  if (!mt_db_run (db, error, "UPDATE deposit_refunds SET state = ?, reason = CASE WHEN ?2 = '' THEN reason ELSE ?2 END, "
                             "handled_by = nullif (?3, 0), handled_at = ?4, version = version + 1, updated_at = ?4 "
                             "WHERE id = ?5", "ttiii", approve ? "refunded" : "rejected", reason ? reason : "",
                  actor->account_id, now, refund_id))
    goto fail;
  mt_audit (db, actor, approve ? "refund-approve" : "refund-reject", "deposit_refunds", refund_id, "ok", NULL);
  return mt_db_commit (db, error);

fail:
  mt_db_rollback (db);
  return FALSE;
}

/* ------------------------------------------------------------------ rental cards */

gint64
mt_member_card_until (MtDb   *db,
                      gint64  member_id)
{
  /* a member's cards follow one another without a gap: the last end is how far they reach */
  return mt_db_query_int (db, 0, "SELECT coalesce (max (ends_at), 0) FROM member_cards WHERE member_id = ? "
                                 "AND state = 'active' AND deleted = 0 AND ends_at > ?", "ii", member_id, mt_now ());
}

/* Rows owned by the actor's operator, an operator above it, or one below it */
#define OFFERED_TO_ACTOR \
  "JOIN operators po ON po.id = p.operator_id " \
  "WHERE p.deleted = 0 AND (substr (?1, 1, length (po.path)) = po.path OR substr (po.path, 1, length (?1)) = ?1) "

static GPtrArray *
options_from (sqlite3_stmt *stmt,
              char       *(*label) (sqlite3_stmt *stmt))
{
  GPtrArray *options = g_ptr_array_new_with_free_func ((GDestroyNotify) mt_option_free);

  while (stmt && sqlite3_step (stmt) == SQLITE_ROW)
    {
      MtOption *o = g_new0 (MtOption, 1);

      o->id = g_strdup_printf ("%" G_GINT64_FORMAT, (gint64) sqlite3_column_int64 (stmt, 0));
      o->label = label (stmt);
      g_ptr_array_add (options, o);
    }
  if (stmt)
    sqlite3_reset (stmt);
  return options;
}

static char *
plan_label (sqlite3_stmt *stmt)
{
  g_autofree char *amount = mt_format_money (sqlite3_column_int64 (stmt, 1));
  g_autofree char *bonus = NULL;

  if (sqlite3_column_int64 (stmt, 2) == 0)
    return g_steal_pointer (&amount);
  bonus = mt_format_money (sqlite3_column_int64 (stmt, 2));
  return g_strdup_printf (_("%s (bonus %s)"), amount, bonus);
}

GPtrArray *
mt_recharge_plan_options (MtDb          *db,
                          const MtActor *actor)
{
  return options_from (mt_db_prepare (db, NULL,
                                      "SELECT p.id, p.amount_fen, CASE WHEN p.campaign_id IS NULL OR EXISTS "
                                      "  (SELECT 1 FROM campaigns c WHERE c.id = p.campaign_id AND c.enabled = 1 "
                                      "   AND c.deleted = 0 AND ?2 BETWEEN c.starts_at AND c.ends_at) "
                                      "  THEN p.bonus_fen ELSE 0 END "
                                      "FROM recharge_plans p " OFFERED_TO_ACTOR "ORDER BY p.amount_fen, p.id",
                                      "ti", actor->operator_path, mt_now ()),
                       plan_label);
}

static char *
card_label (sqlite3_stmt *stmt)
{
  g_autofree char *price = mt_format_money (sqlite3_column_int64 (stmt, 3));
  gint64 days = sqlite3_column_int64 (stmt, 2);

  return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s · %lld day · %s", "%s · %lld days · %s", days),
                          (const char *) sqlite3_column_text (stmt, 1), (long long) days, price);
}

GPtrArray *
mt_rental_card_options (MtDb          *db,
                        const MtActor *actor)
{
  return options_from (mt_db_prepare (db, NULL, "SELECT p.id, p.name, p.days, p.price_fen FROM rental_cards p "
                                                OFFERED_TO_ACTOR "AND p.enabled = 1 ORDER BY p.days, p.id",
                                      "t", actor->operator_path),
                       card_label);
}

gint64
mt_member_buy_card (MtDb          *db,
                    const MtActor *actor,
                    gint64         member_id,
                    gint64         card_id,
                    const char    *pay_method,
                    GError       **error)
{
  gint64 operator_id = 0, store_id = 0, days = 0, price = 0, now = mt_now (), start, id;
  sqlite3_stmt *stmt;

  if (!mt_actor_require (actor, "recharges", "recharge", error))
    return 0;
  if (!mt_db_begin (db, error))
    return 0;
  if (!member_owner (db, actor, member_id, &operator_id, &store_id, error))
    goto fail;
  /* a card of the member's operator or one above it, on sale */
  stmt = mt_db_prepare (db, error, "SELECT c.days, c.price_fen FROM rental_cards c JOIN operators co ON co.id = c.operator_id "
                                   "JOIN operators mo ON mo.id = ?2 WHERE c.id = ?1 AND c.deleted = 0 AND c.enabled = 1 "
                                   "AND substr (mo.path, 1, length (co.path)) = co.path", "ii", card_id, operator_id);
  if (stmt && sqlite3_step (stmt) == SQLITE_ROW)
    {
      days = sqlite3_column_int64 (stmt, 0);
      price = sqlite3_column_int64 (stmt, 1);
    }
  if (stmt)
    sqlite3_reset (stmt);
  if (days == 0)
    {
      mt_set_field_error (error, "card_id", _("Rental card"), _("is not on sale to this member"));
      goto fail;
    }
  if (!check_pay_method (db, actor, store_id, pay_method, error))
    goto fail;
  /* a second card follows the first */
  start = MAX (now, mt_member_card_until (db, member_id));
  if (!collect (db, member_id, pay_method, price, error) ||
      !mt_db_run (db, error, "INSERT INTO member_cards (created_at, updated_at, card_id, member_id, operator_id, "
                             "starts_at, ends_at, state, price_fen, pay_method, store_id) "
                             "VALUES (?1, ?1, ?2, ?3, ?4, ?5, ?6, 'active', ?7, ?8, nullif (?9, 0))", "iiiiiiiti",
                  now, card_id, member_id, operator_id, start, start + days * DAY, price, pay_method, store_id))
    goto fail;
  id = mt_db_last_insert_id (db);
  if (!ledger_add (db, operator_id, store_id, member_id, 0, "rent", price, pay_method, _("Rental card"), error))
    goto fail;
  mt_audit (db, actor, "buy-card", "member_cards", id, "ok", NULL);
  if (!mt_db_commit (db, error))
    return 0;
  return id;

fail:
  mt_db_rollback (db);
  return 0;
}

/* ------------------------------------------------------------------ withdrawals */

gint64
mt_available_balance (MtDb   *db,
                      gint64  operator_id,
                      gint64  store_id)
{
  if (store_id != 0)
    return mt_db_query_int (db, 0, "SELECT coalesce (sum (store_fen), 0) FROM splits WHERE store_id = ? "
                                   "AND deleted = 0", "i", store_id)
           - mt_db_query_int (db, 0, "SELECT coalesce (sum (amount_fen), 0) FROM withdrawals WHERE store_id = ? "
                                     "AND state <> 'rejected' AND deleted = 0", "i", store_id);
  return mt_db_query_int (db, 0, "SELECT coalesce (sum (operator_fen), 0) FROM splits WHERE operator_id = ? "
                                 "AND deleted = 0", "i", operator_id)
         - mt_db_query_int (db, 0, "SELECT coalesce (sum (amount_fen), 0) FROM withdrawals WHERE operator_id = ? "
                                   "AND store_id IS NULL AND state <> 'rejected' AND deleted = 0", "i", operator_id);
}

gint64
mt_withdrawal_request (MtDb          *db,
                       const MtActor *actor,
                       gint64         store_id,
                       gint64         amount_fen,
                       const char    *payee,
                       GError       **error)
{
  gint64 operator_id = actor->operator_id, available, id;

  if (!mt_actor_require (actor, "withdrawals", "request", error))
    return 0;
  if (actor->store_id != 0)
    store_id = actor->store_id;
  if (!mt_db_begin (db, error))
    return 0;
  if (store_id != 0)
    {
      operator_id = mt_db_query_int (db, 0, "SELECT operator_id FROM stores WHERE id = ? AND deleted = 0", "i", store_id);
      if (operator_id == 0 || !mt_actor_owns_row (db, actor, operator_id, store_id))
        {
          mt_set_forbidden (error);
          goto fail;
        }
    }
  if ((mt_db_query_int (db, 0, "SELECT caps FROM operators WHERE id = ?", "i", operator_id) &
       MT_CAP_INDEPENDENT_COLLECTION) == 0)
    {
      g_set_error_literal (error, MT_ERROR, MT_ERROR_FORBIDDEN,
                           _("Forbidden: only operators and stores with independent collection withdraw"));
      goto fail;
    }
  available = mt_available_balance (db, operator_id, store_id);
  if (amount_fen < 1 || amount_fen > available)
    {
      g_autofree char *text = mt_format_money (MAX (available, 0));
      g_autofree char *problem = g_strdup_printf (_("must be more than ¥0.00 and at most the available balance, %s"), text);
      mt_set_field_error (error, "amount_fen", _("Amount"), problem);
      goto fail;
    }
  if (!mt_validate_required (payee, "payee", _("Payee"), 100, error) ||
      !mt_validate_plain_text (payee, FALSE, "payee", _("Payee"), error) ||
      !mt_db_run (db, error, "INSERT INTO withdrawals (created_at, updated_at, operator_id, store_id, amount_fen, "
                             "state, payee) VALUES (?1, ?1, ?2, nullif (?3, 0), ?4, 'requested', ?5)", "iiiit",
                  mt_now (), operator_id, store_id, amount_fen, payee))
    goto fail;
  id = mt_db_last_insert_id (db);
  mt_audit (db, actor, "withdrawal-request", "withdrawals", id, "ok", NULL);
  if (!mt_db_commit (db, error))
    return 0;
  return id;

fail:
  mt_db_rollback (db);
  return 0;
}

gboolean
mt_withdrawal_handle (MtDb          *db,
                      const MtActor *actor,
                      gint64         withdrawal_id,
                      const char    *state,
                      GError       **error)
{
  gint64 operator_id = 0, store_id = 0, amount = 0, now = mt_now ();
  g_autofree char *current = NULL;
  sqlite3_stmt *stmt;
  gboolean allowed;

  if (!mt_actor_require (actor, "withdrawals", "approve", error))
    return FALSE;
  if (!mt_db_begin (db, error))
    return FALSE;
  stmt = mt_db_prepare (db, error, "SELECT operator_id, coalesce (store_id, 0), amount_fen, state FROM withdrawals "
                                   "WHERE id = ? AND deleted = 0", "i", withdrawal_id);
  if (stmt && sqlite3_step (stmt) == SQLITE_ROW)
    {
      operator_id = sqlite3_column_int64 (stmt, 0);
      store_id = sqlite3_column_int64 (stmt, 1);
      amount = sqlite3_column_int64 (stmt, 2);
      current = g_strdup ((const char *) sqlite3_column_text (stmt, 3));
    }
  if (stmt)
    sqlite3_reset (stmt);
  if (current == NULL)
    {
      g_set_error (error, MT_ERROR, MT_ERROR_NOT_FOUND, _("Withdrawal %lld does not exist"), (long long) withdrawal_id);
      goto fail;
    }
  /* an operator's own withdrawal is approved above it */
  if (!mt_actor_owns_row (db, actor, operator_id, store_id) || actor->store_id != 0 ||
      (store_id == 0 && operator_id == actor->operator_id && !mt_actor_is_root (actor)))
    {
      mt_set_forbidden (error);
      goto fail;
    }
  allowed = (g_strcmp0 (state, "approved") == 0 && g_str_equal (current, "requested")) ||
            (g_strcmp0 (state, "paid") == 0 && g_str_equal (current, "approved")) ||
            (g_strcmp0 (state, "rejected") == 0 && (g_str_equal (current, "requested") ||
                                                    g_str_equal (current, "approved")));
  if (!allowed)
    {
      g_set_error_literal (error, MT_ERROR, MT_ERROR_CONFLICT, _("The withdrawal cannot move to that state from its state now"));
      goto fail;
    }
  if (!mt_db_run (db, error, "UPDATE withdrawals SET state = ?, handled_by = nullif (?, 0), handled_at = ?3, "
                             "version = version + 1, updated_at = ?3 WHERE id = ?", "tiii", state, actor->account_id,
                  now, withdrawal_id) ||
      (g_str_equal (state, "paid") &&
       !ledger_add (db, operator_id, store_id, 0, 0, "withdrawal", -amount, "online", NULL, error)))
    goto fail;
  mt_audit (db, actor, "withdrawal-handle", "withdrawals", withdrawal_id, "ok", state);
  return mt_db_commit (db, error);

fail:
  mt_db_rollback (db);
  return FALSE;
}

/* ------------------------------------------------------------------ rental card refunds */

typedef struct
{
  gint64  id, version, member_id, operator_id, store_id, starts_at, ends_at, price_fen, sold_at;
  gboolean refunded;
  char    *state;
  char    *pay_method;
} MemberCard;

static void
member_card_clear (MemberCard *c)
{
  g_clear_pointer (&c->state, g_free);
  g_clear_pointer (&c->pay_method, g_free);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (MemberCard, member_card_clear)

/* Loads a card sold in the actor's scope and works out its refund: the whole days left after
 * today and after every rental of its member that overlapped it (the rent those periods did
 * not charge used the card), at the price paid. @from: where the unused time begins. */
static gboolean
member_card_refund_figure (MtDb          *db,
                           const MtActor *actor,
                           gint64         id,
                           MemberCard    *c,
                           gint64        *refund_fen,
                           gint64        *from,
                           GError       **error)
{
  sqlite3_stmt *stmt = mt_db_prepare (db, error,
                                      "SELECT version, member_id, operator_id, coalesce (store_id, 0), starts_at, "
                                      "ends_at, price_fen, refunded_at IS NOT NULL, state, pay_method, created_at "
                                      "FROM member_cards WHERE id = ? AND deleted = 0", "i", id);
  gint64 now = mt_now (), used_until, days, left;

  if (stmt == NULL)
    return FALSE;
  if (sqlite3_step (stmt) != SQLITE_ROW)
    {
      sqlite3_reset (stmt);
      g_set_error (error, MT_ERROR, MT_ERROR_NOT_FOUND, _("Rental card sale %lld does not exist"), (long long) id);
      return FALSE;
    }
  c->id = id;
  c->version = sqlite3_column_int64 (stmt, 0);
  c->member_id = sqlite3_column_int64 (stmt, 1);
  c->operator_id = sqlite3_column_int64 (stmt, 2);
  c->store_id = sqlite3_column_int64 (stmt, 3);
  c->starts_at = sqlite3_column_int64 (stmt, 4);
  c->ends_at = sqlite3_column_int64 (stmt, 5);
  c->price_fen = sqlite3_column_int64 (stmt, 6);
  c->refunded = sqlite3_column_int64 (stmt, 7) != 0;
  c->state = g_strdup ((const char *) sqlite3_column_text (stmt, 8));
  c->pay_method = g_strdup ((const char *) sqlite3_column_text (stmt, 9));
  c->sold_at = sqlite3_column_int64 (stmt, 10);
  sqlite3_reset (stmt);

  if (!mt_actor_owns_row (db, actor, c->operator_id, c->store_id))
    {
      mt_set_forbidden (error);
      return FALSE;
    }
  if (c->refunded)
    {
      g_set_error_literal (error, MT_ERROR, MT_ERROR_CONFLICT, _("This card has already been refunded"));
      return FALSE;
    }
  if (!g_str_equal (c->state, "active") || c->ends_at <= now)
    {
      g_set_error_literal (error, MT_ERROR, MT_ERROR_CONFLICT, _("This card has ended: nothing is left to refund"));
      return FALSE;
    }
  if (c->pay_method[0] == '\0')
    {
      g_set_error_literal (error, MT_ERROR, MT_ERROR_CONFLICT,
                           _("This card was sold before sales recorded how they were paid: refund it at the counter"));
      return FALSE;
    }
  /* a rental open after the sale could have been quoted or renewed against the card */
  used_until = mt_db_query_int (db, 0, "SELECT coalesce (max (expire_at), 0) FROM orders WHERE member_id = ?1 "
                                       "AND deleted = 0 AND start_at < ?2 AND expire_at > ?3 "
                                       "AND (end_at IS NULL OR end_at > ?4)", "iiii",
                                c->member_id, c->ends_at, c->starts_at, c->sold_at);
  *from = MAX (MAX (now, c->starts_at), used_until);
  days = (c->ends_at - c->starts_at) / DAY;
  left = *from < c->ends_at ? (c->ends_at - *from) / DAY : 0;
  *refund_fen = days > 0 ? c->price_fen * left / days : 0;
  if (*refund_fen <= 0)
    {
      g_set_error_literal (error, MT_ERROR, MT_ERROR_CONFLICT,
                           used_until > now ? _("The card's remaining days were used by rentals: nothing is left to refund")
                                            : _("Less than one whole day of the card is left: nothing is left to refund"));
      return FALSE;
    }
  return TRUE;
}

gint64
mt_member_card_refund_quote (MtDb          *db,
                             const MtActor *actor,
                             gint64         id,
                             GError       **error)
{
  g_auto(MemberCard) c = { 0 };
  gint64 refund = 0, from = 0;

  if (!mt_actor_require (actor, "member_cards", "refund", error))
    return -1;
  return member_card_refund_figure (db, actor, id, &c, &refund, &from, error) ? refund : -1;
}

/* Whether the operator's and the store's shares still cover what they withdrew */
static gboolean
shares_cover_withdrawals (MtDb    *db,
                          gint64   operator_id,
                          gint64   store_id,
                          GError **error)
{
  gboolean short_op = mt_db_query_int (db, 0,
                                       "SELECT (SELECT coalesce (sum (operator_fen), 0) FROM splits WHERE operator_id = ?1) "
                                       "< (SELECT coalesce (sum (amount_fen), 0) FROM withdrawals WHERE operator_id = ?1 "
                                       "AND store_id IS NULL AND state <> 'rejected')", "i", operator_id) == 1;
  gboolean short_store = store_id != 0 &&
                         mt_db_query_int (db, 0,
                                          "SELECT (SELECT coalesce (sum (store_fen), 0) FROM splits WHERE store_id = ?1) "
                                          "< (SELECT coalesce (sum (amount_fen), 0) FROM withdrawals WHERE store_id = ?1 "
                                          "AND state <> 'rejected')", "i", store_id) == 1;

  if (short_op || short_store)
    {
      g_set_error_literal (error, MT_ERROR, MT_ERROR_CONFLICT,
                           short_op ? _("The refund would take back more than the operator has left after its withdrawals")
                                    : _("The refund would take back more than the store has left after its withdrawals"));
      return FALSE;
    }
  return TRUE;
}

gint64
mt_member_card_refund (MtDb          *db,
                       const MtActor *actor,
                       gint64         id,
                       gint64         version,
                       GError       **error)
{
  g_auto(MemberCard) c = { 0 };
  gint64 refund = 0, from = 0, now = mt_now ();

  if (!mt_actor_require (actor, "member_cards", "refund", error) || !mt_validate_version (version, error))
    return -1;
  if (!mt_db_begin (db, error))
    return -1;
  if (!member_card_refund_figure (db, actor, id, &c, &refund, &from, error))
    goto fail;
  if (c.version != version)
    {
      g_set_error_literal (error, MT_ERROR, MT_ERROR_CONFLICT,
                           _("Someone else changed this card meanwhile: it has been reloaded, check it and "
                             "make your change again"));
      goto fail;
    }
  /* the money goes back the way it came: to the balance, or out in cash or online */
  if (!ledger_add (db, c.operator_id, c.store_id, c.member_id, 0, "rent", -refund, c.pay_method,
                   _("Rental card refunded"), error) ||
      (g_str_equal (c.pay_method, "balance") && !give_balance (db, c.member_id, refund, error)) ||
      !shares_cover_withdrawals (db, c.operator_id, c.store_id, error))
    goto fail;
  if (!mt_db_run (db, error, "UPDATE member_cards SET state = 'used', refunded_fen = ?1, refunded_at = ?2, "
                             "version = version + 1, updated_at = ?2 WHERE id = ?3", "iii", refund, now, id) ||
      /* the member's later cards move up into the time given back */
      !mt_db_run (db, error, "UPDATE member_cards SET starts_at = starts_at - ?1, ends_at = ends_at - ?1, "
                             "version = version + 1, updated_at = ?2 WHERE member_id = ?3 AND id <> ?4 "
                             "AND state = 'active' AND deleted = 0 AND starts_at >= ?5", "iiiii",
                  c.ends_at - from, now, c.member_id, id, c.ends_at))
    goto fail;
  mt_audit (db, actor, "card-refund", "member_cards", id, "ok", NULL);
  if (!mt_db_commit (db, error))
    return -1;
  return refund;

fail:
  mt_db_rollback (db);
  return -1;
}

/* ------------------------------------------------------------------ reconcile */

gboolean
mt_ledger_reconcile (MtDb      *db,
                     GPtrArray *problems)
{
  gboolean ok = TRUE;

  /* every stored amount keeps the money rule: an integer within its bound */
  for (guint i = 0; i < mt_n_money_columns; i++)
    {
      const MtMoneyColumn *m = &mt_money_columns[i];
      g_autofree char *what = g_strdup_printf ("%s.%s breaks the money rule:", m->table, m->column);
      g_autofree char *sql = g_strdup_printf ("SELECT id, %1$s AS amount, typeof (%1$s) AS type FROM %2$s "
                                              "WHERE typeof (%1$s) <> 'integer' OR %1$s NOT BETWEEN %3$"
                                              G_GINT64_FORMAT " AND %4$" G_GINT64_FORMAT,
                                              m->column, m->table, m->min, m->max);
      ok &= mt_db_expect_no_rows (db, problems, what, sql);
    }

  /* member balances: recharges, bonuses and commissions in; what was paid from the balance and
   * what the member took out (withdrawals, negative) out */
  ok &= mt_db_expect_no_rows (db, problems, "member balance differs from the ledger:",
                     "SELECT m.id, m.balance_fen, coalesce (l.s, 0) AS ledger FROM members m LEFT JOIN "
                     "(SELECT member_id, sum (CASE WHEN kind IN ('recharge', 'bonus', 'commission', 'withdrawal') "
                     "  THEN amount_fen "
                     "  WHEN pay_method = 'balance' THEN -amount_fen ELSE 0 END) AS s FROM ledger "
                     "  WHERE member_id IS NOT NULL GROUP BY member_id) l ON l.member_id = m.id "
                     "WHERE m.balance_fen <> coalesce (l.s, 0)");
  /* referral commissions: each paid once, as the ledger has it */
  ok &= mt_db_expect_no_rows (db, problems, "referral commissions differ from the ledger:",
                     "SELECT r.total, coalesce (l.total, 0) AS ledger FROM "
                     "(SELECT coalesce (sum (commission_fen), 0) AS total FROM referrals WHERE deleted = 0) r, "
                     "(SELECT sum (amount_fen) AS total FROM ledger WHERE kind = 'commission') l "
                     "WHERE r.total <> coalesce (l.total, 0)");
  /* each order's money: its columns equal its ledger rows */
  ok &= mt_db_expect_no_rows (db, problems, "order money differs from the ledger:",
                     "SELECT o.id, o.rent_fen, l.rent, o.services_fen, l.service, o.overdue_fen, l.overdue, "
                     "o.damage_fen, l.damage, o.deposit_fen, l.deposit_in, o.refund_fen, l.refund FROM orders o JOIN "
                     "(SELECT order_id, sum (CASE kind WHEN 'rent' THEN amount_fen ELSE 0 END) AS rent, "
                     "  sum (CASE kind WHEN 'service' THEN amount_fen ELSE 0 END) AS service, "
                     "  sum (CASE kind WHEN 'overdue' THEN amount_fen ELSE 0 END) AS overdue, "
                     "  sum (CASE kind WHEN 'damage' THEN amount_fen ELSE 0 END) AS damage, "
                     "  sum (CASE kind WHEN 'deposit_in' THEN amount_fen ELSE 0 END) AS deposit_in, "
                     "  -sum (CASE kind WHEN 'deposit_out' THEN amount_fen ELSE 0 END) AS refund "
                     "  FROM ledger WHERE order_id IS NOT NULL GROUP BY order_id) l ON l.order_id = o.id "
                     "WHERE o.rent_fen <> l.rent OR o.services_fen <> l.service OR o.overdue_fen <> l.overdue "
                     "OR o.damage_fen <> l.damage OR o.deposit_fen <> l.deposit_in OR o.refund_fen <> l.refund");
  ok &= mt_db_expect_no_rows (db, problems, "order without ledger rows:",
                     "SELECT o.id FROM orders o WHERE o.rent_fen > 0 AND NOT EXISTS "
                     "(SELECT 1 FROM ledger l WHERE l.order_id = o.id)");
  /* deposits: what is held equals what came in less what went out or was deducted */
  ok &= mt_db_expect_no_rows (db, problems, "deposit differs from the ledger:",
                     "SELECT d.id, d.state, d.amount_fen, d.deducted_fen, coalesce (l.held, 0) AS ledger FROM deposits d "
                     "LEFT JOIN (SELECT order_id, sum (amount_fen) AS held, "
                     "  -sum (CASE kind WHEN 'deposit_deduct' THEN amount_fen ELSE 0 END) AS deducted FROM ledger "
                     "  WHERE kind IN ('deposit_in', 'deposit_out', 'deposit_deduct') GROUP BY order_id) l "
                     "ON l.order_id = d.order_id "
                     "WHERE coalesce (l.held, 0) <> CASE d.state WHEN 'held' THEN d.amount_fen - d.deducted_fen ELSE 0 END "
                     "OR coalesce (l.deducted, 0) <> d.deducted_fen");
  /* a deposit is held only by an open order or one whose refund waits for approval */
  ok &= mt_db_expect_no_rows (db, problems, "deposit held without an open order or a pending refund:",
                     "SELECT d.id, o.state FROM deposits d JOIN orders o ON o.id = d.order_id "
                     "WHERE d.state = 'held' AND o.state = 'ended' AND NOT EXISTS (SELECT 1 FROM deposit_refunds r "
                     "WHERE r.deposit_id = d.id AND r.state = 'requested')");
  ok &= mt_db_expect_no_rows (db, problems, "open order whose deposit is not held:",
                     "SELECT o.id, d.state FROM orders o JOIN deposits d ON d.order_id = o.id "
                     "WHERE o.state <> 'ended' AND d.state <> 'held'");
  /* open orders and devices agree */
  ok &= mt_db_expect_no_rows (db, problems, "open order whose device is not rented to its member:",
                     "SELECT o.id, v.state, v.member_id, o.member_id FROM orders o JOIN devices v ON v.id = o.device_id "
                     "WHERE o.state <> 'ended' AND o.deleted = 0 AND (v.state <> 'rented' OR v.member_id <> o.member_id)");
  ok &= mt_db_expect_no_rows (db, problems, "rented device without an open order:",
                     "SELECT v.id FROM devices v WHERE v.state = 'rented' AND v.deleted = 0 AND NOT EXISTS "
                     "(SELECT 1 FROM orders o WHERE o.device_id = v.id AND o.state <> 'ended' AND o.deleted = 0)");
  /* every income row is split once, in full */
  ok &= mt_db_expect_no_rows (db, problems, "income not split exactly once:",
                     "SELECT l.id, l.kind, l.amount_fen, count (s.id) AS splits, coalesce (sum (s.total_fen), 0) AS split "
                     "FROM ledger l LEFT JOIN splits s ON s.ledger_id = l.id "
                     "WHERE l.kind IN (" MT_LEDGER_INCOME_KINDS_SQL ") "
                     "GROUP BY l.id HAVING count (s.id) <> 1 OR sum (s.total_fen) <> l.amount_fen");
  /* the balances the header shows, kept with the rows: equal to the rows summed again */
  ok &= mt_db_expect_no_rows (db, problems, "operator balance differs from its splits and withdrawals:",
                     "WITH s AS (SELECT operator_id, sum (operator_fen) AS fen FROM splits WHERE deleted = 0 "
                     "  GROUP BY operator_id UNION ALL SELECT 0, coalesce (sum (hq_fen), 0) FROM splits WHERE deleted = 0), "
                     "w AS (SELECT operator_id, sum (amount_fen) AS fen FROM withdrawals WHERE deleted = 0 AND "
                     "  store_id IS NULL AND state IN ('approved', 'paid') GROUP BY operator_id), "
                     "ids AS (SELECT operator_id FROM s UNION SELECT operator_id FROM w UNION "
                     "  SELECT operator_id FROM operator_balances) "
                     "SELECT i.operator_id, coalesce (b.split_fen, 0) AS kept_split, coalesce (s.fen, 0) AS split, "
                     "  coalesce (b.withdrawn_fen, 0) AS kept_withdrawn, coalesce (w.fen, 0) AS withdrawn "
                     "FROM ids i LEFT JOIN operator_balances b ON b.operator_id = i.operator_id "
                     "LEFT JOIN s ON s.operator_id = i.operator_id LEFT JOIN w ON w.operator_id = i.operator_id "
                     "WHERE coalesce (b.split_fen, 0) <> coalesce (s.fen, 0) "
                     "   OR coalesce (b.withdrawn_fen, 0) <> coalesce (w.fen, 0)");
  /* withdrawals paid equal the ledger's, and nobody withdrew more than it earned */
  ok &= mt_db_expect_no_rows (db, problems, "withdrawals paid differ from the ledger:",
                     "SELECT w.operator_id, w.store_id, w.paid, coalesce (l.out, 0) AS ledger FROM "
                     "(SELECT operator_id, store_id, sum (amount_fen) AS paid FROM withdrawals WHERE state = 'paid' "
                     "  GROUP BY operator_id, store_id) w LEFT JOIN "
                     "(SELECT operator_id, store_id, -sum (amount_fen) AS out FROM ledger WHERE kind = 'withdrawal' "
                     "  GROUP BY operator_id, store_id) l ON l.operator_id = w.operator_id "
                     "  AND l.store_id IS w.store_id WHERE w.paid <> coalesce (l.out, 0)");
  ok &= mt_db_expect_no_rows (db, problems, "operator withdrew more than its share:",
                     "SELECT o.id, coalesce ((SELECT sum (operator_fen) FROM splits WHERE operator_id = o.id), 0) AS earned, "
                     "(SELECT sum (amount_fen) FROM withdrawals WHERE operator_id = o.id AND store_id IS NULL "
                     "  AND state <> 'rejected') AS withdrawn FROM operators o WHERE withdrawn > earned");
  ok &= mt_db_expect_no_rows (db, problems, "store withdrew more than its share:",
                     "SELECT s.id, coalesce ((SELECT sum (store_fen) FROM splits WHERE store_id = s.id), 0) AS earned, "
                     "(SELECT sum (amount_fen) FROM withdrawals WHERE store_id = s.id AND state <> 'rejected') "
                     "AS withdrawn FROM stores s WHERE withdrawn > earned");
  /* the books: money in from outside equals balances + deposits held + income (orders', and
   * rental cards sold) − withdrawals − what the business gave away (bonuses, commissions),
   * with the stored figures */
  ok &= mt_db_expect_no_rows (db, problems, "the books do not balance:",
                     "SELECT e.v AS outside, b.v AS balances, d.v AS deposits, i.v AS income, w.v AS withdrawn, "
                     "g.v AS given FROM "
                     "(SELECT coalesce (sum (amount_fen), 0) AS v FROM ledger WHERE pay_method IN ('offline', 'online')) e, "
                     "(SELECT coalesce (sum (balance_fen), 0) AS v FROM members) b, "
                     "(SELECT coalesce (sum (amount_fen - deducted_fen), 0) AS v FROM deposits WHERE state = 'held') d, "
                     "(SELECT (SELECT coalesce (sum (rent_fen + services_fen + overdue_fen + damage_fen), 0) FROM orders) "
                     "  + (SELECT coalesce (sum (amount_fen), 0) FROM ledger WHERE order_id IS NULL "
                     "     AND kind IN (" MT_LEDGER_INCOME_KINDS_SQL ")) AS v) i, "
                     "(SELECT coalesce (sum (amount_fen), 0) AS v FROM withdrawals WHERE state = 'paid') w, "
                     "(SELECT coalesce (sum (amount_fen), 0) AS v FROM ledger WHERE kind IN ('bonus', 'commission')) g "
                     "WHERE e.v <> b.v + d.v + i.v - w.v - g.v");
  /* the statistics' daily sums are the rows' */
  ok &= mt_stats_check (db, problems);
  return ok;
}
