/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mt-stats"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "mt-db.h"
#include "mt-error.h"
#include "mt-ops.h"
#include "mt-stats-views.h"
#include "mt-validate.h"

static const MtStatsGroup groups[] = {
  { "devices", NC_("statistics group", "Device Statistics") },
  { "trades", NC_("statistics group", "Transaction Statistics") },
  { "operators", NC_("statistics group", "Operator Statistics") },
  { "stores", NC_("statistics group", "Store Statistics") },
  { "members", NC_("statistics group", "Member Statistics") },
  { "deposits", NC_("statistics group", "Deposit Statistics") },
  { "recharges", NC_("statistics group", "Recharge Statistics") },
  { "cards", NC_("statistics group", "Rental Card Statistics") },
  { "repair_fees", NC_("statistics group", "Repair Fee Statistics") },
};

/* ------------------------------------------------------------------ figures */

#define INCOME "l:rent l:card l:service l:overdue l:damage l:repair_fee"
#define END_FIGURES { NULL }

static const MtStatsFigure device_state_figures[] = {
  { "devices", NC_("statistics figure", "Devices"), "", MT_STATS_COUNT }, END_FIGURES
};
static const MtStatsFigure online_figures[] = {
  { "devices", NC_("statistics figure", "Devices"), "", MT_STATS_COUNT }, END_FIGURES
};
static const MtStatsFigure repair_figures[] = {
  { "reported", NC_("statistics figure", "Reported"), "w:reported", MT_STATS_COUNT },
  { "closed", NC_("statistics figure", "Repaired or scrapped"), "w:closed", MT_STATS_COUNT },
  END_FIGURES
};
static const MtStatsFigure rental_figures[] = {
  { "rented", NC_("statistics figure", "Rentals"), "o:rented", MT_STATS_COUNT },
  { "returned", NC_("statistics figure", "Returns"), "o:ended", MT_STATS_COUNT },
  END_FIGURES
};
static const MtStatsFigure type_usage_figures[] = {
  { "usage", NC_("statistics figure", "Share rented"), "", MT_STATS_PERMILLE },
  { "rented", NC_("statistics figure", "Rented"), "", MT_STATS_COUNT },
  { "devices", NC_("statistics figure", "Devices"), "", MT_STATS_COUNT },
  END_FIGURES
};
static const MtStatsFigure turnover_figures[] = {
  { "rent", NC_("statistics figure", "Rent"), "l:rent l:card l:overdue", MT_STATS_FEN },
  { "services", NC_("statistics figure", "Services"), "l:service", MT_STATS_FEN },
  { "deposits", NC_("statistics figure", "Deposits received"), "l:deposit_in", MT_STATS_FEN },
  { "refunds", NC_("statistics figure", "Deposits refunded"), "-l:deposit_out", MT_STATS_FEN },
  { "net", NC_("statistics figure", "Net income"), INCOME, MT_STATS_FEN },
  END_FIGURES
};
static const MtStatsFigure income_figures[] = {
  { "income", NC_("statistics figure", "Income"), INCOME, MT_STATS_FEN },
  { "rentals", NC_("statistics figure", "Rentals"), "o:rented", MT_STATS_COUNT },
  END_FIGURES
};
static const MtStatsFigure type_share_figures[] = {
  { "rentals", NC_("statistics figure", "Rentals"), "o:rented", MT_STATS_COUNT }, END_FIGURES
};
static const MtStatsFigure growth_figures[] = {
  { "new", NC_("statistics figure", "New"), "", MT_STATS_COUNT },
  { "total", NC_("statistics figure", "In all"), "", MT_STATS_COUNT, .at_end = TRUE },
  END_FIGURES
};
static const MtStatsFigure member_figures[] = {
  { "new", NC_("statistics figure", "New members"), "m:new", MT_STATS_COUNT },
  { "rentals", NC_("statistics figure", "Rentals"), "o:rented", MT_STATS_COUNT },
  END_FIGURES
};
static const MtStatsFigure retention_figures[] = {
  { "active", NC_("statistics figure", "Members who rented"), "", MT_STATS_COUNT, .at_end = TRUE },
  { "returning", NC_("statistics figure", "Rented the month before too"), "", MT_STATS_COUNT, .at_end = TRUE },
  { "retention", NC_("statistics figure", "Retention"), "", MT_STATS_PERMILLE, .at_end = TRUE },
  { "new", NC_("statistics figure", "New members"), "", MT_STATS_COUNT },
  END_FIGURES
};
static const MtStatsFigure deposit_figures[] = {
  { "in", NC_("statistics figure", "Received"), "l:deposit_in", MT_STATS_FEN },
  { "out", NC_("statistics figure", "Refunded"), "-l:deposit_out", MT_STATS_FEN },
  { "deducted", NC_("statistics figure", "Deducted"), "-l:deposit_deduct", MT_STATS_FEN },
  END_FIGURES
};
static const MtStatsFigure deposit_now_figures[] = {
  { "amount", NC_("statistics figure", "Amount"), "", MT_STATS_FEN },
  { "count", NC_("statistics figure", "Deposits"), "", MT_STATS_COUNT },
  END_FIGURES
};
static const MtStatsFigure recharge_figures[] = {
  { "recharged", NC_("statistics figure", "Recharged"), "l:recharge", MT_STATS_FEN },
  { "bonus", NC_("statistics figure", "Bonus given"), "l:bonus", MT_STATS_FEN },
  END_FIGURES
};
static const MtStatsFigure denomination_figures[] = {
  { "count", NC_("statistics figure", "Recharges"), "r:plan", MT_STATS_COUNT },
  { "bonus", NC_("statistics figure", "Bonus given"), "r:plan", MT_STATS_FEN },
  END_FIGURES
};
static const MtStatsFigure card_figures[] = {
  { "sold", NC_("statistics figure", "Cards sold"), "c:sold", MT_STATS_COUNT },
  { "revenue", NC_("statistics figure", "Revenue"), "c:sold", MT_STATS_FEN },
  { "refunded", NC_("statistics figure", "Refunded"), "c:refunded", MT_STATS_FEN },
  END_FIGURES
};
static const MtStatsFigure repair_fee_figures[] = {
  { "costs", NC_("statistics figure", "Repair costs"), "w:closed", MT_STATS_FEN },
  { "charged", NC_("statistics figure", "Charged to members"), "l:repair_fee", MT_STATS_FEN },
  END_FIGURES
};

/* ------------------------------------------------------------------ live views */

/* "AND …" narrowing rows of devices d (or stores s, operators o) to the filter; the store s
 * is joined by the caller */
static void
append_filter (GString             *sql,
               const MtStatsFilter *filter,
               const char          *op_col,
               const char          *store_col,
               gboolean             has_type)
{
  if (filter->operator_id)
    g_string_append_printf (sql, " AND %s IN (SELECT id FROM operators WHERE path LIKE (SELECT path FROM operators "
                            "WHERE id = %" G_GINT64_FORMAT ") || '%%')", op_col, filter->operator_id);
  if (filter->store_id && store_col)
    g_string_append_printf (sql, " AND %s = %" G_GINT64_FORMAT, store_col, filter->store_id);
  if (filter->type_id && has_type)
    g_string_append_printf (sql, " AND d.type_id = %" G_GINT64_FORMAT, filter->type_id);
  if (filter->region_code && *filter->region_code && store_col)
    g_string_append (sql, " AND s.region_code LIKE ?2 || '%'");
}

/* Runs @sql (?1: the scope's path when it has one, ?2: the region) into rows of (key, values…) */
static GArray *
run_rows (MtDb                *db,
          const char          *sql,
          GPtrArray           *params,
          const MtStatsFilter *filter,
          guint                n_values,
          GError             **error)
{
  GArray *rows = g_array_new (FALSE, TRUE, sizeof (gint64));
  sqlite3_stmt *stmt = NULL;
  int rc;

  if (sqlite3_prepare_v2 (mt_db_get_handle (db), sql, -1, &stmt, NULL) != SQLITE_OK)
    {
      g_critical ("%s: %s", sql, sqlite3_errmsg (mt_db_get_handle (db)));
      g_set_error_literal (error, MT_ERROR, MT_ERROR_FAILED, _("The statistics could not be read"));
      g_array_unref (rows);
      return NULL;
    }
  if (params->len > 0)
    sqlite3_bind_text (stmt, 1, params->pdata[0], -1, SQLITE_TRANSIENT);
  if (filter->region_code && *filter->region_code)
    sqlite3_bind_text (stmt, 2, filter->region_code, -1, SQLITE_TRANSIENT);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    for (guint c = 0; c <= n_values; c++)
      {
        gint64 v = sqlite3_column_int64 (stmt, c);
        g_array_append_val (rows, v);
      }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    {
      g_set_error_literal (error, MT_ERROR, MT_ERROR_FAILED, _("The statistics could not be read"));
      g_array_unref (rows);
      return NULL;
    }
  return rows;
}

static MtStatsTable *
table_new (guint n_rows,
           guint n_figures)
{
  MtStatsTable *t = g_new0 (MtStatsTable, 1);

  t->n_rows = n_rows;
  t->n_figures = n_figures;
  t->keys = g_new0 (gint64, MAX (n_rows, 1));
  t->labels = g_new0 (char *, n_rows + 1);
  t->values = g_new0 (gint64, MAX (n_rows, 1) * n_figures);
  return t;
}

/* The fleet by state, or online and offline */
static MtStatsTable *
run_device_states (MtDb                *db,
                   const MtActor       *actor,
                   const MtStatsView   *view,
                   const MtStatsFilter *filter,
                   MtStatsBy            grain,
                   GError             **error)
{
  gboolean online = g_str_equal (view->id, "online");
  g_autoptr(GPtrArray) params = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *scope = mt_actor_scope_sql (actor, "d.operator_id", "d.store_id", params);
  g_autoptr(GString) sql = g_string_new (NULL);
  g_autoptr(GArray) rows = NULL;
  MtStatsTable *t;

  g_string_printf (sql, "SELECT %s, count (*) FROM devices d LEFT JOIN stores s ON s.id = d.store_id %s "
                   "WHERE d.deleted = 0 AND (%s)",
                   online ? "coalesce (st.online, 0)" : "CASE d.state WHEN 'ready' THEN 0 WHEN 'rented' THEN 1 "
                                                        "WHEN 'repair' THEN 2 ELSE 3 END",
                   online ? "LEFT JOIN device_status st ON st.device_id = d.id" : "", scope);
  if (params->len > 0)
    g_string_replace (sql, "LIKE ?", "LIKE ?1", 1);
  append_filter (sql, filter, "d.operator_id", "d.store_id", TRUE);
  g_string_append (sql, " GROUP BY 1");
  rows = run_rows (db, sql->str, params, filter, 1, error);
  if (rows == NULL)
    return NULL;
  t = table_new (online ? 2 : 4, 1);
  for (guint r = 0; r < t->n_rows; r++)
    {
      t->keys[r] = online ? 1 - r : r;   /* online first */
      t->labels[r] = g_strdup (online ? (r == 0 ? _("Online") : _("Offline")) : _(mt_device_states[r].label));
    }
  for (guint i = 0; i + 1 < rows->len; i += 2)
    {
      gint64 key = g_array_index (rows, gint64, i);

      for (guint r = 0; r < t->n_rows; r++)
        if (t->keys[r] == key)
          t->values[r] = g_array_index (rows, gint64, i + 1);
    }
  return t;
}

/* Each device type: how many devices, how many rented, the share rented */
static MtStatsTable *
run_type_usage (MtDb                *db,
                const MtActor       *actor,
                const MtStatsView   *view,
                const MtStatsFilter *filter,
                MtStatsBy            grain,
                GError             **error)
{
  g_autoptr(GPtrArray) params = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *scope = mt_actor_scope_sql (actor, "d.operator_id", "d.store_id", params);
  g_autoptr(GString) sql = g_string_new (NULL);
  g_autoptr(GArray) rows = NULL;
  MtStatsTable *t;

  g_string_printf (sql, "SELECT d.type_id, count (*), sum (d.state = 'rented') FROM devices d LEFT JOIN stores s "
                   "ON s.id = d.store_id WHERE d.deleted = 0 AND d.state <> 'scrapped' AND (%s)", scope);
  if (params->len > 0)
    g_string_replace (sql, "LIKE ?", "LIKE ?1", 1);
  append_filter (sql, filter, "d.operator_id", "d.store_id", TRUE);
  g_string_append (sql, " GROUP BY d.type_id ORDER BY count (*) DESC");
  rows = run_rows (db, sql->str, params, filter, 2, error);
  if (rows == NULL)
    return NULL;
  t = table_new (rows->len / 3, 3);
  for (guint r = 0; r < t->n_rows; r++)
    {
      gint64 total = g_array_index (rows, gint64, r * 3 + 1), rented = g_array_index (rows, gint64, r * 3 + 2);
      g_autofree char *name = NULL;

      t->keys[r] = g_array_index (rows, gint64, r * 3);
      name = mt_db_query_text (db, "SELECT name FROM device_types WHERE id = ?", "i", t->keys[r]);
      t->labels[r] = name ? g_steal_pointer (&name) : g_strdup (_("Unknown"));
      t->values[r * 3] = total ? rented * 1000 / total : 0;
      t->values[r * 3 + 1] = rented;
      t->values[r * 3 + 2] = total;
    }
  return t;
}

/* New operators or stores in each bucket of the range, and how many there were by its end */
static MtStatsTable *
run_growth (MtDb                *db,
            const MtActor       *actor,
            const MtStatsView   *view,
            const MtStatsFilter *filter,
            MtStatsBy            grain,
            GError             **error)
{
  gboolean stores = g_str_equal (view->id, "store_growth");
  g_autoptr(GPtrArray) params = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *scope = stores ? mt_actor_scope_sql (actor, "s.operator_id", "s.id", params)
                                  : mt_actor_scope_sql (actor, "s.id", NULL, params);
  g_autoptr(GString) sql = g_string_new (NULL);
  g_autoptr(GArray) rows = NULL;
  MtStatsFilter days = *filter;
  g_autoptr(MtStatsTable) buckets = NULL;
  MtStatsTable *t;
  gint64 before = 0;
  guint r = 0;

  /* the buckets of the range, as a sum would have them */
  days.operator_id = days.store_id = days.type_id = 0;
  days.region_code = NULL;
  buckets = mt_stats_query (db, actor, &days, grain, growth_figures, 1, error);
  if (buckets == NULL)
    return NULL;
  g_string_printf (sql, "SELECT (s.created_at / 1000000 + 28800) / 86400 AS day, count (*) FROM %s s WHERE s.deleted = 0 "
                   "AND (%s)", stores ? "stores" : "operators", scope);
  if (params->len > 0)
    g_string_replace (sql, "LIKE ?", "LIKE ?1", 1);
  append_filter (sql, filter, stores ? "s.operator_id" : "s.id", stores ? "s.id" : NULL, FALSE);
  g_string_append (sql, " GROUP BY day ORDER BY day");
  rows = run_rows (db, sql->str, params, filter, 1, error);
  if (rows == NULL)
    return NULL;
  t = table_new (buckets->n_rows, 2);
  for (guint i = 0; i < buckets->n_rows; i++)
    {
      t->keys[i] = buckets->keys[i];
      t->labels[i] = g_strdup (buckets->labels[i]);
    }
  /* each day's new rows go to the bucket it falls in: the last bucket starting on or before it */
  for (guint i = 0; i + 1 < rows->len; i += 2)
    {
      gint64 day = g_array_index (rows, gint64, i), n = g_array_index (rows, gint64, i + 1);

      if (day < filter->from_day)
        {
          before += n;
          continue;
        }
      if (day > filter->to_day)
        break;
      for (r = 0; r + 1 < t->n_rows; r++)
        {
          gint64 next = t->keys[r + 1];

          if (grain == MT_STATS_BY_MONTH)
            {
              g_autoptr(GDateTime) d = g_date_time_new_from_unix_utc (day * 86400);
              if (g_date_time_get_year (d) * 100 + g_date_time_get_month (d) < next)
                break;
            }
          else if (day < next)
            break;
        }
      t->values[r * 2] += n;
    }
  for (guint i = 0; i < t->n_rows; i++)
    {
      before += t->values[i * 2];
      t->values[i * 2 + 1] = before;
    }
  return t;
}

/* The deposits as they stand: held for open rentals, waiting for an approved refund */
static MtStatsTable *
run_deposits_now (MtDb                *db,
                  const MtActor       *actor,
                  const MtStatsView   *view,
                  const MtStatsFilter *filter,
                  MtStatsBy            grain,
                  GError             **error)
{
  static const char *const sources[] = {
    "SELECT 0, coalesce (sum (d.amount_fen - d.deducted_fen), 0), count (*) FROM deposits d LEFT JOIN stores s "
    "ON s.id = d.store_id WHERE d.deleted = 0 AND d.state = 'held' AND NOT EXISTS (SELECT 1 FROM deposit_refunds r "
    "WHERE r.deposit_id = d.id AND r.state = 'requested') AND (%s)",
    "SELECT 1, coalesce (sum (d.amount_fen), 0), count (*) FROM deposit_refunds d LEFT JOIN stores s "
    "ON s.id = d.store_id WHERE d.deleted = 0 AND d.state = 'requested' AND (%s)",
  };
  static const char *const titles[] = { N_("Held for rentals"), N_("Waiting for a refund") };
  MtStatsTable *t = table_new (2, 2);

  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(GPtrArray) params = g_ptr_array_new_with_free_func (g_free);
      g_autofree char *scope = mt_actor_scope_sql (actor, "d.operator_id", "d.store_id", params);
      g_autoptr(GString) sql = g_string_new (NULL);
      g_autoptr(GArray) rows = NULL;

      g_string_printf (sql, sources[i], scope);
      if (params->len > 0)
        g_string_replace (sql, "LIKE ?", "LIKE ?1", 1);
      append_filter (sql, filter, "d.operator_id", "d.store_id", FALSE);
      rows = run_rows (db, sql->str, params, filter, 2, error);
      if (rows == NULL)
        {
          mt_stats_table_free (t);
          return NULL;
        }
      t->keys[i] = i;
      t->labels[i] = g_strdup (_(titles[i]));
      t->values[i * 2] = rows->len >= 3 ? g_array_index (rows, gint64, 1) : 0;
      t->values[i * 2 + 1] = rows->len >= 3 ? g_array_index (rows, gint64, 2) : 0;
    }
  return t;
}

/* A business day's month as a count of months (year × 12 + month − 1) */
static gint64
month_index (gint64 day)
{
  g_autoptr(GDateTime) t = g_date_time_new_from_unix_utc (day * 86400);

  return g_date_time_get_year (t) * 12 + g_date_time_get_month (t) - 1;
}

/* Month by month: the members who rented, those of them who had rented the month before too
 * (and that share of the month before's), and the new members — from the members' months kept
 * with the orders. A member counts once however many stores they rented at. */
static MtStatsTable *
run_retention (MtDb                *db,
               const MtActor       *actor,
               const MtStatsView   *view,
               const MtStatsFilter *filter,
               MtStatsBy            grain,
               GError             **error)
{
  static const MtStatsFigure new_members[] = { { "new", NULL, "m:new", MT_STATS_COUNT } };
  gint64 last = month_index (filter->to_day);
  gint64 first = MAX (month_index (filter->from_day), last - 59);   /* five years at most */
  gint64 base = first - 1;   /* the month before the first: bit 0 */
  guint n_months = (guint) (last - first + 1);
  g_autoptr(GPtrArray) params = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *scope = mt_actor_scope_sql (actor, "o.operator_id", "o.store_id", params);
  /* the stores' rows when a store or a region narrows the view, the whole business's for
   * headquarters, the operators' otherwise */
  gboolean by_store = actor->store_id != 0 || filter->store_id != 0 || (filter->region_code && *filter->region_code);
  const char *level = by_store ? ">= 0" : mt_actor_is_root (actor) && filter->operator_id == 0 ? "= -2" : "= -1";
  g_autoptr(GString) sql = g_string_new ("SELECT o.member_id, o.year, 0");
  g_autoptr(GArray) rows = NULL;
  g_autoptr(GHashTable) active = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
  g_autoptr(MtStatsTable) created = NULL;
  GHashTableIter iter;
  gpointer value;
  MtStatsTable *t;
  gint64 *before;

  for (guint m = 1; m <= 12; m++)
    g_string_append_printf (sql, " | ((o.m%u > 0) << %u)", m, m - 1);
  g_string_append_printf (sql, " FROM stats_member_months o%s WHERE o.year BETWEEN %" G_GINT64_FORMAT
                          " AND %" G_GINT64_FORMAT " AND o.store_id %s AND (%s)",
                          filter->region_code && *filter->region_code ? " LEFT JOIN stores s ON s.id = o.store_id" : "",
                          base / 12, last / 12, level, scope);
  if (params->len > 0)   /* the scope's path is ?1 */
    g_string_replace (sql, "LIKE ?", "LIKE ?1", 1);
  append_filter (sql, filter, "o.operator_id", "o.store_id", FALSE);
  rows = run_rows (db, sql->str, params, filter, 2, error);
  if (rows == NULL)
    return NULL;

  /* each member's months as bits from the month before the first */
  for (guint r = 0; r + 3 <= rows->len; r += 3)
    {
      const gint64 *row = &g_array_index (rows, gint64, r);
      guint64 bits = 0, *kept;

      for (guint m = 0; m < 12; m++)
        {
          gint64 at = row[1] * 12 + m - base;

          if ((row[2] >> m) & 1 && at >= 0 && at <= (gint64) n_months)
            bits |= G_GUINT64_CONSTANT (1) << at;
        }
      if (bits == 0)
        continue;
      kept = g_hash_table_lookup (active, &row[0]);
      if (kept == NULL)
        g_hash_table_insert (active, g_memdup2 (&row[0], sizeof (gint64)), g_memdup2 (&bits, sizeof bits));
      else
        *kept |= bits;
    }

  t = table_new (n_months, 4);
  before = g_new0 (gint64, n_months);
  g_hash_table_iter_init (&iter, active);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      guint64 bits = *(guint64 *) value;

      for (guint i = 0; i < n_months; i++)
        {
          gboolean now = (bits >> (i + 1)) & 1, then = (bits >> i) & 1;

          t->values[i * 4] += now;
          t->values[i * 4 + 1] += now && then;
          before[i] += then;
        }
    }
  for (guint i = 0; i < n_months; i++)
    {
      gint64 m = first + i;

      t->keys[i] = (m / 12) * 100 + m % 12 + 1;
      t->labels[i] = g_strdup_printf ("%04" G_GINT64_FORMAT "-%02" G_GINT64_FORMAT, m / 12, m % 12 + 1);
      t->values[i * 4 + 2] = before[i] ? t->values[i * 4 + 1] * 1000 / before[i] : 0;
    }
  g_free (before);

  /* the new members, by the months of the period itself */
  created = mt_stats_query (db, actor, filter, MT_STATS_BY_MONTH, new_members, 1, error);
  if (created == NULL)
    {
      mt_stats_table_free (t);
      return NULL;
    }
  for (guint r = 0; r < created->n_rows; r++)
    for (guint i = 0; i < n_months; i++)
      if (t->keys[i] == created->keys[r])
        t->values[i * 4 + 3] = mt_stats_table_get (created, r, 0);
  return t;
}

/* ------------------------------------------------------------------ the views */

static const MtStatsView views[] = {
  { .id = "device_states", .group = "devices", .title = NC_("statistics view", "Devices by State"),
    .chart = MT_CHART_DONUT, .figures = device_state_figures, .live = TRUE,
    .drill = "devices", .run = run_device_states },
  { .id = "online", .group = "devices", .title = NC_("statistics view", "Online Rate"),
    .chart = MT_CHART_DONUT, .figures = online_figures, .live = TRUE,
    .drill = "devices", .run = run_device_states },
  { .id = "repairs", .group = "devices", .title = NC_("statistics view", "Repair Overview"),
    .chart = MT_CHART_BARS, .over_time = TRUE, .figures = repair_figures,
    .drill = "repairs" },
  { .id = "region_usage", .group = "devices", .title = NC_("statistics view", "Usage by Region"),
    .chart = MT_CHART_RANKING, .by = MT_STATS_BY_PROVINCE, .figures = rental_figures,
    .drill = "stores" },
  { .id = "type_usage", .group = "devices", .title = NC_("statistics view", "Utilisation by Device Type"),
    .chart = MT_CHART_RANKING, .figures = type_usage_figures, .live = TRUE,
    .drill = "devices", .run = run_type_usage },
  { .id = "turnover", .group = "trades", .title = NC_("statistics view", "Turnover"),
    .chart = MT_CHART_AREA, .over_time = TRUE, .figures = turnover_figures,
    .drill = "transactions" },
  { .id = "region_turnover", .group = "trades", .title = NC_("statistics view", "Turnover by Region"),
    .chart = MT_CHART_RANKING, .by = MT_STATS_BY_PROVINCE, .figures = income_figures,
    .drill = "stores" },
  { .id = "type_turnover", .group = "trades", .title = NC_("statistics view", "Turnover by Product Type"),
    .chart = MT_CHART_RANKING, .by = MT_STATS_BY_TYPE, .figures = income_figures,
    .drill = "orders" },
  { .id = "type_share", .group = "trades", .title = NC_("statistics view", "Product Type Distribution"),
    .chart = MT_CHART_DONUT, .by = MT_STATS_BY_TYPE, .figures = type_share_figures,
    .drill = "orders" },
  { .id = "operator_totals", .group = "operators", .title = NC_("statistics view", "Turnover by Operator"),
    .chart = MT_CHART_RANKING, .by = MT_STATS_BY_OPERATOR, .figures = income_figures,
    .drill = "operators" },
  { .id = "operator_growth", .group = "operators", .title = NC_("statistics view", "Operator Growth"),
    .chart = MT_CHART_LINE, .over_time = TRUE, .figures = growth_figures,
    .drill = "operators", .run = run_growth },
  { .id = "store_totals", .group = "stores", .title = NC_("statistics view", "Turnover by Store"),
    .chart = MT_CHART_RANKING, .by = MT_STATS_BY_STORE, .figures = income_figures,
    .drill = "stores" },
  { .id = "store_region", .group = "stores", .title = NC_("statistics view", "Store Turnover by City"),
    .chart = MT_CHART_RANKING, .by = MT_STATS_BY_CITY, .figures = income_figures,
    .drill = "stores" },
  { .id = "store_growth", .group = "stores", .title = NC_("statistics view", "Store Growth"),
    .chart = MT_CHART_LINE, .over_time = TRUE, .figures = growth_figures,
    .drill = "stores", .run = run_growth },
  { .id = "members", .group = "members", .title = NC_("statistics view", "New and Active Members"),
    .chart = MT_CHART_BARS, .over_time = TRUE, .figures = member_figures,
    .drill = "members" },
  { .id = "retention", .group = "members", .title = NC_("statistics view", "Member Retention"),
    .chart = MT_CHART_BARS, .over_time = TRUE, .monthly = TRUE, .figures = retention_figures,
    .drill = "members", .run = run_retention },
  { .id = "deposits", .group = "deposits", .title = NC_("statistics view", "Deposits"),
    .chart = MT_CHART_BARS, .over_time = TRUE, .figures = deposit_figures,
    .drill = "deposits" },
  { .id = "deposits_now", .group = "deposits", .title = NC_("statistics view", "Deposits Held and Pending"),
    .chart = MT_CHART_DONUT, .figures = deposit_now_figures, .live = TRUE,
    .drill = "deposits", .run = run_deposits_now },
  { .id = "recharges", .group = "recharges", .title = NC_("statistics view", "Recharges"),
    .chart = MT_CHART_STACKED, .over_time = TRUE, .figures = recharge_figures,
    .drill = "recharges" },
  { .id = "denominations", .group = "recharges", .title = NC_("statistics view", "Recharge Denominations"),
    .chart = MT_CHART_DONUT, .by = MT_STATS_BY_KEY, .figures = denomination_figures,
    .drill = "recharges" },
  { .id = "cards", .group = "cards", .title = NC_("statistics view", "Rental Cards"),
    .chart = MT_CHART_BARS, .over_time = TRUE, .figures = card_figures,
    .drill = "member_cards" },
  { .id = "repair_fees", .group = "repair_fees", .title = NC_("statistics view", "Repair Fees"),
    .chart = MT_CHART_BARS, .over_time = TRUE, .figures = repair_fee_figures,
    .drill = "repairs" },
};

GPtrArray *
mt_stats_regions (MtDb          *db,
                  const MtActor *actor)
{
  g_autoptr(GPtrArray) params = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *scope = mt_actor_scope_sql (actor, "s.operator_id", "s.id", params);
  g_autofree char *sql = g_strdup_printf ("SELECT p.code, p.name FROM regions p WHERE p.level = 1 AND p.code IN "
                                          "(SELECT DISTINCT substr (s.region_code, 1, 2) FROM stores s "
                                          "WHERE s.deleted = 0 AND (%s)) ORDER BY p.code", scope);
  sqlite3_stmt *stmt = mt_db_prepare (db, NULL, sql, params->len ? "t" : NULL, params->len ? params->pdata[0] : NULL);
  GPtrArray *options = g_ptr_array_new_with_free_func ((GDestroyNotify) mt_option_free);

  while (stmt && sqlite3_step (stmt) == SQLITE_ROW)
    {
      MtOption *o = g_new0 (MtOption, 1);

      o->id = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
      o->label = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
      g_ptr_array_add (options, o);
    }
  if (stmt)
    sqlite3_reset (stmt);
  return options;
}

const MtStatsGroup *
mt_stats_groups (guint *n_groups)
{
  *n_groups = G_N_ELEMENTS (groups);
  return groups;
}

const char *
mt_stats_group_title (const MtStatsGroup *group)
{
  return g_dpgettext2 (GETTEXT_PACKAGE, "statistics group", group->title);
}

const MtStatsView *
mt_stats_views (guint *n_views)
{
  *n_views = G_N_ELEMENTS (views);
  return views;
}

const MtStatsView *
mt_stats_view_lookup (const char *id)
{
  for (guint i = 0; i < G_N_ELEMENTS (views); i++)
    if (g_strcmp0 (views[i].id, id) == 0)
      return &views[i];
  return NULL;
}

const char *
mt_stats_view_title (const MtStatsView *view)
{
  return g_dpgettext2 (GETTEXT_PACKAGE, "statistics view", view->title);
}

guint
mt_stats_view_n_figures (const MtStatsView *view)
{
  guint n = 0;

  while (view->figures[n].id)
    n++;
  return n;
}

const char *
mt_stats_figure_title (const MtStatsFigure *figure)
{
  return g_dpgettext2 (GETTEXT_PACKAGE, "statistics figure", figure->title);
}

gboolean
mt_stats_view_allowed (const MtStatsView *view,
                       const MtActor     *actor)
{
  return mt_actor_can (actor, "statistics", view->group);
}

MtStatsTable *
mt_stats_view_run (MtDb                *db,
                   const MtActor       *actor,
                   const MtStatsView   *view,
                   const MtStatsFilter *filter,
                   MtStatsBy            grain,
                   GError             **error)
{
  MtStatsTable *table;

  g_return_val_if_fail (grain == MT_STATS_BY_DAY || grain == MT_STATS_BY_WEEK || grain == MT_STATS_BY_MONTH, NULL);
  if (!mt_stats_view_allowed (view, actor))
    {
      mt_set_forbidden (error);
      return NULL;
    }
  if (view->run)
    return view->run (db, actor, view, filter, grain, error);
  table = mt_stats_query (db, actor, filter, view->over_time ? grain : view->by, view->figures,
                          mt_stats_view_n_figures (view), error);
  /* a denomination is shown as its amount */
  if (table && view->by == MT_STATS_BY_KEY && g_str_equal (view->id, "denominations"))
    for (guint r = 0; r < table->n_rows; r++)
      {
        g_free (table->labels[r]);
        table->labels[r] = mt_format_money (table->keys[r]);
      }
  return table;
}

static char *
group_digits (gint64 value)
{
  g_autofree char *digits = g_strdup_printf ("%" G_GINT64_FORMAT, value < 0 ? -value : value);
  GString *s = g_string_new (value < 0 ? "-" : "");
  gsize len = strlen (digits);

  for (gsize i = 0; i < len; i++)
    {
      if (i > 0 && (len - i) % 3 == 0)
        g_string_append_c (s, ',');
      g_string_append_c (s, digits[i]);
    }
  return g_string_free (s, FALSE);
}

char *
mt_stats_format_value (MtStatsValue kind,
                       gint64       value)
{
  switch (kind)
    {
    case MT_STATS_FEN:
      return mt_format_money (value);
    case MT_STATS_PERMILLE:
      return g_strdup_printf ("%" G_GINT64_FORMAT ".%" G_GINT64_FORMAT "%%", value / 10, ABS (value % 10));
    case MT_STATS_SECS:
      return g_strdup_printf (_("%.1f h"), value / 3600.0);
    case MT_STATS_COUNT:
    default:
      return group_digits (value);
    }
}
