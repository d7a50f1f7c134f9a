/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mt-stats"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "mt-db.h"
#include "mt-error.h"
#include "mt-stats.h"
#include "mt-listing-private.h"
#include "mt-stats-private.h"

/* China Standard Time: the business day the books are kept in, wherever a console runs */
#define DAY_OFFSET_S 28800
#define DAY_S 86400

/* The SQL of a business day of an instant in µs */
#define DAY(x) "((" x ") / 1000000 + 28800) / 86400"

gint64
mt_stats_day_of (gint64 usec)
{
  gint64 s = usec / G_USEC_PER_SEC + DAY_OFFSET_S;

  return s >= 0 ? s / DAY_S : -((-s + DAY_S - 1) / DAY_S);
}

gint64
mt_stats_day_start (gint64 day)
{
  return (day * DAY_S - DAY_OFFSET_S) * G_USEC_PER_SEC;
}

char *
mt_stats_day_format (gint64 day)
{
  g_autoptr(GDateTime) t = g_date_time_new_from_unix_utc (day * DAY_S);

  return g_date_time_format (t, "%Y-%m-%d");
}

/*
 * What each row adds to the aggregates: (day, metric, operator_id, store_id, type_id, key) and
 * the amounts (n, fen, secs) of the row "$R". The triggers add the new row's and take away the
 * old one's, so an insert, an update of a column that counts, a tombstone and a replica applying
 * the server's rows all keep the sums exact; a rebuild sums the same over the table.
 */
typedef struct
{
  const char *table;
  const char *keys;      /* day, metric, operator_id, store_id, type_id, key — over $R */
  const char *n, *fen, *secs;
  const char *where;     /* whether the row counts, over $R */
  const char *columns;   /* an update of these changes what it adds; NULL: rows never change */
} StatsSource;

static const StatsSource sources[] = {
  { "ledger",
    DAY ("$R.at") ", CASE WHEN $R.kind = 'rent' AND $R.order_id IS NULL THEN 'l:card' ELSE 'l:' || $R.kind END, "
    "$R.operator_id, coalesce ($R.store_id, 0), coalesce ((SELECT o.type_id FROM orders o WHERE o.id = $R.order_id), 0), 0",
    "1", "$R.amount_fen", "0", "$R.deleted = 0", NULL },
  { "orders",
    DAY ("$R.start_at") ", 'o:rented', $R.operator_id, coalesce ($R.store_id, 0), $R.type_id, 0",
    "1", "0", "0", "$R.deleted = 0", "start_at, operator_id, store_id, type_id, deleted" },
  { "orders",
    DAY ("$R.end_at") ", 'o:ended', $R.operator_id, coalesce ($R.store_id, 0), $R.type_id, 0",
    "1", "0", "($R.end_at - $R.start_at) / 1000000",
    "$R.deleted = 0 AND $R.end_at IS NOT NULL", "start_at, end_at, operator_id, store_id, type_id, deleted" },
  { "members",
    DAY ("$R.created_at") ", 'm:new', $R.operator_id, coalesce ($R.store_id, 0), 0, 0",
    "1", "0", "0", "$R.deleted = 0", "created_at, operator_id, store_id, deleted" },
  { "recharges",
    DAY ("$R.at") ", 'r:plan', $R.operator_id, coalesce ($R.store_id, 0), 0, $R.amount_fen",
    "1", "$R.bonus_fen", "0", "$R.deleted = 0", "at, operator_id, store_id, amount_fen, bonus_fen, deleted" },
  { "member_cards",
    DAY ("$R.created_at") ", 'c:sold', $R.operator_id, coalesce ($R.store_id, 0), 0, $R.card_id",
    "1", "$R.price_fen", "0", "$R.deleted = 0", "created_at, operator_id, store_id, card_id, price_fen, deleted" },
  { "member_cards",
    DAY ("$R.refunded_at") ", 'c:refunded', $R.operator_id, coalesce ($R.store_id, 0), 0, $R.card_id",
    "1", "$R.refunded_fen", "0", "$R.deleted = 0 AND $R.refunded_at IS NOT NULL",
    "refunded_at, refunded_fen, operator_id, store_id, card_id, deleted" },
  { "repairs",
    DAY ("$R.closed_at") ", 'w:closed', $R.operator_id, coalesce ($R.store_id, 0), 0, "
    "CASE $R.state WHEN 'scrapped' THEN 1 ELSE 0 END",
    "1", "$R.cost_fen", "($R.closed_at - $R.created_at) / 1000000", "$R.deleted = 0 AND $R.closed_at IS NOT NULL",
    "closed_at, created_at, state, cost_fen, operator_id, store_id, deleted" },
  { "repairs",
    DAY ("$R.created_at") ", 'w:reported', $R.operator_id, coalesce ($R.store_id, 0), 0, 0",
    "1", "0", "0", "$R.deleted = 0", "created_at, operator_id, store_id, deleted" },
  { "alarms",
    DAY ("$R.created_at") ", 'a:' || $R.type, $R.operator_id, coalesce ($R.store_id, 0), 0, 0",
    "1", "0", "0", "$R.deleted = 0", "created_at, type, operator_id, store_id, deleted" },
};

#define KEY_COLS "day, metric, operator_id, store_id, type_id, key"

static char *
over (const char *text,
      const char *row)
{
  g_auto(GStrv) parts = g_strsplit (text, "$R", -1);

  return g_strjoinv (row, parts);
}

/* What a row adds, as a SELECT: over the table's rows (@row NULL), or over NEW or OLD with
 * @sign "" or "-" */
static char *
source_select (const StatsSource *s,
               const char        *row,
               const char        *sign)
{
  const char *r = row ? row : "R";
  g_autofree char *keys = over (s->keys, r);
  g_autofree char *n = over (s->n, r);
  g_autofree char *fen = over (s->fen, r);
  g_autofree char *secs = over (s->secs, r);
  g_autofree char *where = over (s->where, r);

  if (row == NULL)
    return g_strdup_printf ("SELECT %s, %s AS n, %s AS fen, %s AS secs FROM %s R WHERE %s",
                            keys, n, fen, secs, s->table, where);
  return g_strdup_printf ("SELECT %s, %s(%s), %s(%s), %s(%s) WHERE %s", keys, sign, n, sign, fen, sign, secs, where);
}

/* Every row's contributions, summed: the aggregates as the raw rows say they should be */
static char *
recomputed_sql (void)
{
  GString *sql = g_string_new ("WITH c (" KEY_COLS ", n, fen, secs) AS (");

  for (guint i = 0; i < G_N_ELEMENTS (sources); i++)
    {
      g_autofree char *select = source_select (&sources[i], NULL, NULL);

      g_string_append_printf (sql, "%s%s", i ? " UNION ALL " : "", select);
    }
  g_string_append (sql, ") SELECT " KEY_COLS ", sum (n) AS n, sum (fen) AS fen, sum (secs) AS secs FROM c GROUP BY "
                   KEY_COLS);
  return g_string_free (sql, FALSE);
}

#define UPSERT "INSERT INTO stats_daily (" KEY_COLS ", n, fen, secs) "
#define ON_CONFLICT " ON CONFLICT (" KEY_COLS ") DO UPDATE SET n = n + excluded.n, " \
  "fen = fen + excluded.fen, secs = secs + excluded.secs"

gboolean
_mt_stats_create (MtDb    *db,
                  GError **error)
{
  g_autofree char *rebuild = NULL;
  g_autofree char *recomputed = recomputed_sql ();

  if (!mt_db_exec (db,
                   "CREATE TABLE stats_daily ("
                   "  day INTEGER NOT NULL,"
                   "  metric TEXT NOT NULL,"
                   "  operator_id INTEGER NOT NULL,"
                   "  store_id INTEGER NOT NULL,"
                   "  type_id INTEGER NOT NULL,"
                   "  key INTEGER NOT NULL,"
                   "  n INTEGER NOT NULL,"
                   "  fen INTEGER NOT NULL,"
                   "  secs INTEGER NOT NULL,"
                   "  PRIMARY KEY (" KEY_COLS ")"
                   ") WITHOUT ROWID;", error))
    return FALSE;

  for (guint i = 0; i < G_N_ELEMENTS (sources); i++)
    {
      const StatsSource *s = &sources[i];
      g_autofree char *add_new = source_select (s, "NEW", "");
      g_autofree char *take_old = source_select (s, "OLD", "-");
      g_autofree char *sql = NULL;

      sql = g_strdup_printf ("CREATE TRIGGER %s_stats_%u_insert AFTER INSERT ON %s BEGIN "
                             UPSERT "%s" ON_CONFLICT "; END;", s->table, i, s->table, add_new);
      if (!mt_db_exec (db, sql, error))
        return FALSE;
      if (s->columns == NULL)
        continue;
      g_free (sql);
      sql = g_strdup_printf ("CREATE TRIGGER %s_stats_%u_update AFTER UPDATE OF %s ON %s BEGIN "
                             UPSERT "%s" ON_CONFLICT "; " UPSERT "%s" ON_CONFLICT "; END;",
                             s->table, i, s->columns, s->table, take_old, add_new);
      if (!mt_db_exec (db, sql, error))
        return FALSE;
    }

  rebuild = g_strdup_printf ("INSERT INTO stats_daily (" KEY_COLS ", n, fen, secs) %s", recomputed);
  return mt_db_exec (db, rebuild, error);
}

/*
 * Who rented, by calendar month: rows counting the rentals each member began in each month
 * (m1 … m12) of a year, kept by the orders' triggers like the daily sums, at three levels: a
 * store (store_id ≥ 0, 0 for none), all an operator's stores (store_id −1) and the whole
 * business (store_id −2, operator_id 0). Distinct members cannot be summed from days; a year of
 * them is one short row per member.
 */
#define MONTH_KEYS "store_id, year, operator_id, member_id"

static const char *const month_levels[][2] = {   /* store, operator */
  { "coalesce ($R.store_id, 0)", "$R.operator_id" },
  { "-1", "$R.operator_id" },
  { "-2", "0" },
};

/* The business year or month (%Y, %m) of an instant in µs, as SQL */
static char *
calendar_of (const char *format,
             const char *instant)
{
  return g_strconcat ("CAST (strftime ('", format, "', (", instant, ") / 1000000 + 28800, 'unixepoch') AS INTEGER)",
                      NULL);
}

/* "SELECT store, year, operator, member, ±(month = 1), … WHERE it counts" over NEW or OLD */
static char *
member_month_select (const char *row,
                     const char *sign,
                     guint       level)
{
  g_autoptr(GString) sql = g_string_new (NULL);
  g_autofree char *start = g_strconcat (row, ".start_at", NULL);
  g_autofree char *year = calendar_of ("%Y", start);
  g_autofree char *month = calendar_of ("%m", start);
  g_autofree char *store = over (month_levels[level][0], row);
  g_autofree char *op = over (month_levels[level][1], row);

  g_string_printf (sql, "SELECT %s, %s, %s, %s.member_id", store, year, op, row);
  for (guint m = 1; m <= 12; m++)
    g_string_append_printf (sql, ", %s(%s = %u)", sign, month, m);
  g_string_append_printf (sql, " WHERE %s.deleted = 0", row);
  return g_string_free (g_steal_pointer (&sql), FALSE);
}

/* The year and month of each order worked out once (strftime is most of the work: written in each
 * sum it was asked 39 times a row), then summed at each level */
static char *
member_months_recomputed_sql (void)
{
  g_autofree char *year = calendar_of ("%Y", "start_at");
  g_autofree char *month = calendar_of ("%m", "start_at");
  g_autoptr(GString) sql = g_string_new (NULL);

  g_string_printf (sql, "WITH R AS MATERIALIZED (SELECT store_id, operator_id, member_id, %s AS year, %s AS month "
                   "FROM orders WHERE deleted = 0) ", year, month);
  for (guint level = 0; level < G_N_ELEMENTS (month_levels); level++)
    {
      g_autofree char *store = over (month_levels[level][0], "R");
      g_autofree char *op = over (month_levels[level][1], "R");

      g_string_append_printf (sql, "%sSELECT %s AS store_id, year, %s AS operator_id, member_id",
                              level ? " UNION ALL " : "", store, op);
      for (guint m = 1; m <= 12; m++)
        g_string_append_printf (sql, ", sum (month = %u) AS m%u", m, m);
      g_string_append (sql, " FROM R GROUP BY 1, 2, 3, 4");
    }
  return g_string_free (g_steal_pointer (&sql), FALSE);
}

/* A row of stats_daily while the rows are summed: its key first */
typedef struct
{
  gint64      day, operator_id, store_id, type_id, key;
  const char *metric;   /* interned */
  gint64      n, fen, secs;
} DailySum;

static guint
daily_hash (gconstpointer p)
{
  const DailySum *d = p;
  guint64 h = (guint64) d->day * 0x9E3779B97F4A7C15u;

  h ^= (guint64) d->operator_id * 0xC2B2AE3D27D4EB4Fu + (guint64) d->store_id * 0x165667B19E3779F9u;
  h ^= (guint64) d->type_id * 0x27D4EB2F165667C5u + (guint64) d->key * 0x94D049BB133111EBu;
  h ^= GPOINTER_TO_SIZE (d->metric);
  return (guint) (h ^ (h >> 32));
}

static gboolean
daily_equal (gconstpointer a,
             gconstpointer b)
{
  const DailySum *x = a, *y = b;

  return x->day == y->day && x->metric == y->metric && x->operator_id == y->operator_id &&
         x->store_id == y->store_id && x->type_id == y->type_id && x->key == y->key;
}

/* stats_daily worked out from the rows again: every row's contribution read once and summed in a
 * hash table (SQLite's GROUP BY sorts the millions of contributions first: most of the time) */
static gboolean
daily_rebuild (MtDb    *db,
               GError **error)
{
  g_autoptr(GHashTable) sums = g_hash_table_new_full (daily_hash, daily_equal, g_free, NULL);
  g_autoptr(GString) sql = g_string_new (NULL);
  GHashTableIter iter;
  gpointer value;
  sqlite3_stmt *stmt;
  int rc;

  for (guint i = 0; i < G_N_ELEMENTS (sources); i++)
    {
      g_autofree char *select = source_select (&sources[i], NULL, NULL);

      g_string_append_printf (sql, "%s%s", i ? " UNION ALL " : "", select);
    }
  if (sqlite3_prepare_v2 (mt_db_get_handle (db), sql->str, -1, &stmt, NULL) != SQLITE_OK)
    {
      g_set_error (error, MT_ERROR, MT_ERROR_FAILED, "%s", sqlite3_errmsg (mt_db_get_handle (db)));
      return FALSE;
    }
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      DailySum probe = {
        .day = sqlite3_column_int64 (stmt, 0),
        .metric = g_intern_string ((const char *) sqlite3_column_text (stmt, 1)),
        .operator_id = sqlite3_column_int64 (stmt, 2),
        .store_id = sqlite3_column_int64 (stmt, 3),
        .type_id = sqlite3_column_int64 (stmt, 4),
        .key = sqlite3_column_int64 (stmt, 5),
      };
      DailySum *sum = g_hash_table_lookup (sums, &probe);

      if (sum == NULL)
        {
          sum = g_memdup2 (&probe, sizeof probe);
          g_hash_table_add (sums, sum);
        }
      sum->n += sqlite3_column_int64 (stmt, 6);
      sum->fen += sqlite3_column_int64 (stmt, 7);
      sum->secs += sqlite3_column_int64 (stmt, 8);
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    {
      g_set_error (error, MT_ERROR, MT_ERROR_FAILED, "%s", sqlite3_errmsg (mt_db_get_handle (db)));
      return FALSE;
    }
  if (!mt_db_exec (db, "DELETE FROM stats_daily;", error))
    return FALSE;
  g_hash_table_iter_init (&iter, sums);
  while (g_hash_table_iter_next (&iter, &value, NULL))
    {
      const DailySum *d = value;

      if (!mt_db_run (db, error, "INSERT INTO stats_daily (" KEY_COLS ", n, fen, secs) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                      "itiiiiiii", d->day, d->metric, d->operator_id, d->store_id, d->type_id, d->key, d->n, d->fen,
                      d->secs))
        return FALSE;
    }
  return TRUE;
}

gboolean
_mt_stats_rebuild (MtDb    *db,
                   GError **error)
{
  g_autofree char *months = member_months_recomputed_sql ();
  g_autofree char *sql = NULL;
  g_autoptr(GString) columns = g_string_new (MONTH_KEYS);

  for (guint m = 1; m <= 12; m++)
    g_string_append_printf (columns, ", m%u", m);
  if (!daily_rebuild (db, error))
    return FALSE;
  sql = g_strdup_printf ("DELETE FROM stats_member_months; INSERT INTO stats_member_months (%s) %s;",
                         columns->str, months);
  if (!mt_db_exec (db, sql, error))
    return FALSE;
  return TRUE;
}

gboolean
_mt_stats_members_create (MtDb    *db,
                          GError **error)
{
  g_autoptr(GString) table = g_string_new ("CREATE TABLE stats_member_months (store_id INTEGER NOT NULL, "
                                           "year INTEGER NOT NULL, operator_id INTEGER NOT NULL, "
                                           "member_id INTEGER NOT NULL");
  g_autoptr(GString) upsert = g_string_new ("INSERT INTO stats_member_months (" MONTH_KEYS);
  g_autoptr(GString) conflict = g_string_new (" ON CONFLICT (" MONTH_KEYS ") DO UPDATE SET ");
  g_autoptr(GString) on_insert = g_string_new ("CREATE TRIGGER orders_member_months_insert AFTER INSERT ON orders BEGIN ");
  g_autoptr(GString) on_update = g_string_new ("CREATE TRIGGER orders_member_months_update AFTER UPDATE OF start_at, "
                                               "operator_id, store_id, member_id, deleted ON orders BEGIN ");
  g_autofree char *recomputed = member_months_recomputed_sql ();
  g_autofree char *rebuild = NULL;

  for (guint m = 1; m <= 12; m++)
    {
      g_string_append_printf (table, ", m%u INTEGER NOT NULL", m);
      g_string_append_printf (upsert, ", m%u", m);
      g_string_append_printf (conflict, "%sm%u = m%u + excluded.m%u", m > 1 ? ", " : "", m, m, m);
    }
  g_string_append (table, ", PRIMARY KEY (" MONTH_KEYS ")) WITHOUT ROWID;");
  g_string_append (upsert, ") ");
  for (guint level = 0; level < G_N_ELEMENTS (month_levels); level++)
    {
      g_autofree char *add_new = member_month_select ("NEW", "", level);
      g_autofree char *take_old = member_month_select ("OLD", "-", level);

      g_string_append_printf (on_insert, "%s%s%s; ", upsert->str, add_new, conflict->str);
      g_string_append_printf (on_update, "%s%s%s; %s%s%s; ", upsert->str, take_old, conflict->str,
                              upsert->str, add_new, conflict->str);
    }
  g_string_append (on_insert, "END;");
  g_string_append (on_update, "END;");
  rebuild = g_strdup_printf ("%s%s", upsert->str, recomputed);
  return mt_db_exec (db, table->str, error) &&
         mt_db_exec (db, on_insert->str, error) &&
         mt_db_exec (db, on_update->str, error) &&
         mt_db_exec (db, rebuild, error);
}

gboolean
mt_stats_check (MtDb      *db,
                GPtrArray *problems)
{
  g_autofree char *recomputed = recomputed_sql ();
  /* rows whose sums fell back to nothing count as absent */
  g_autofree char *sql = g_strdup_printf (
    "WITH kept AS (SELECT * FROM stats_daily WHERE n <> 0 OR fen <> 0 OR secs <> 0), "
    "now AS (SELECT * FROM (%s) WHERE n <> 0 OR fen <> 0 OR secs <> 0) "
    "SELECT 'kept' AS side, * FROM (SELECT * FROM kept EXCEPT SELECT * FROM now) "
    "UNION ALL SELECT 'recomputed' AS side, * FROM (SELECT * FROM now EXCEPT SELECT * FROM kept) LIMIT 50",
    recomputed);

  g_autofree char *months = member_months_recomputed_sql ();
  g_autofree char *months_sql = g_strdup_printf (
    "WITH kept AS (SELECT * FROM stats_member_months WHERE max (m1, m2, m3, m4, m5, m6, m7, m8, m9, m10, m11, m12) > 0 "
    "OR min (m1, m2, m3, m4, m5, m6, m7, m8, m9, m10, m11, m12) < 0), "
    "now AS (SELECT * FROM (%s) WHERE max (m1, m2, m3, m4, m5, m6, m7, m8, m9, m10, m11, m12) > 0) "
    "SELECT 'kept' AS side, * FROM (SELECT * FROM kept EXCEPT SELECT * FROM now) "
    "UNION ALL SELECT 'recomputed' AS side, * FROM (SELECT * FROM now EXCEPT SELECT * FROM kept) LIMIT 50",
    months);
  gboolean ok = mt_db_expect_no_rows (db, problems, "daily aggregate differs from its rows:", sql);

  ok &= mt_listing_counts_check (db, problems);
  return mt_db_expect_no_rows (db, problems, "monthly members differ from the orders:", months_sql) && ok;
}

/* ------------------------------------------------------------------ views */

/* A view's rows are read grouped by a column of stats_daily (@column) and the metric, and put in
 * buckets here: days into weeks and months, stores into their province, city or district
 * (@region: how many digits of the store's region code, 0 for all of it). SQLite groups by
 * sorting, so any bucket worked out in SQL (strftime, a join to the stores, a CASE per figure)
 * is paid for every one of the year's rows; here it is paid once per group. */
static const struct
{
  const char *column;
  const char *label;    /* over b, the bucket; NULL: formatted here */
  gint        region;   /* -1: not by region */
} groupings[] = {
  [MT_STATS_BY_DAY] = { "d.day", NULL, -1 },
  [MT_STATS_BY_WEEK] = { "d.day", NULL, -1 },
  [MT_STATS_BY_MONTH] = { "d.day", NULL, -1 },
  [MT_STATS_BY_OPERATOR] = { "d.operator_id", "(SELECT name FROM operators WHERE id = b)", -1 },
  [MT_STATS_BY_STORE] = { "d.store_id", "(SELECT name FROM stores WHERE id = b)", -1 },
  [MT_STATS_BY_PROVINCE] = { "d.store_id", "(SELECT name FROM regions WHERE code = CAST (b AS TEXT))", 2 },
  [MT_STATS_BY_CITY] = { "d.store_id", "(SELECT name FROM regions WHERE code = CAST (b AS TEXT))", 4 },
  [MT_STATS_BY_DISTRICT] = { "d.store_id", "(SELECT name FROM regions WHERE code = CAST (b AS TEXT))", 0 },
  [MT_STATS_BY_TYPE] = { "d.type_id", "(SELECT name FROM device_types WHERE id = b)", -1 },
  [MT_STATS_BY_KEY] = { "d.key", NULL, -1 },
};

static gboolean
is_time (MtStatsBy by)
{
  return by == MT_STATS_BY_DAY || by == MT_STATS_BY_WEEK || by == MT_STATS_BY_MONTH;
}

/* "'l:rent', 'l:card'" of the metrics of @figures, each once, for IN (…) — metrics are the
 * caller's constants, never input */
static char *
metrics_sql (const MtStatsFigure *figures,
             guint                n_figures)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  GString *s = g_string_new (NULL);

  for (guint f = 0; f < n_figures; f++)
    {
      g_auto(GStrv) parts = g_strsplit (figures[f].metrics, " ", -1);

      for (guint i = 0; parts[i]; i++)
        {
          const char *m = parts[i][0] == '-' ? parts[i] + 1 : parts[i];

          if (*m == '\0' || g_hash_table_contains (seen, m))
            continue;
          g_hash_table_add (seen, (gpointer) g_intern_string (m));
          g_string_append_printf (s, "%s'%s'", s->len ? ", " : "", m);
        }
    }
  return g_string_free (s, FALSE);
}

/* +1 when @figure adds @metric, -1 when it takes it away, 0 when it does not name it */
static int
figure_sign (const MtStatsFigure *figure,
             const char          *metric)
{
  g_auto(GStrv) parts = g_strsplit (figure->metrics, " ", -1);
  int sign = 0;

  for (guint i = 0; parts[i] && sign <= 0; i++)
    if (parts[i][0] == '-' ? g_str_equal (parts[i] + 1, metric) : g_str_equal (parts[i], metric))
      sign = parts[i][0] == '-' ? -1 : 1;
  return sign;
}

static char *
month_label (gint64 yyyymm)
{
  return g_strdup_printf ("%04" G_GINT64_FORMAT "-%02" G_GINT64_FORMAT, yyyymm / 100, yyyymm % 100);
}

static gint64
next_month (gint64 yyyymm)
{
  return yyyymm % 100 == 12 ? (yyyymm / 100 + 1) * 100 + 1 : yyyymm + 1;
}

/* 202612 of a business day (days since 1970-01-01) */
static gint64
month_of_day (gint64 day)
{
  GDate date;

  g_date_clear (&date, 1);
  g_date_set_julian (&date, (guint32) (day + 719163));   /* day 1 of GDate is 0001-01-01 */
  return g_date_get_year (&date) * 100 + g_date_get_month (&date);
}

static gint64
week_of_day (gint64 day)
{
  return (day + 3) / 7 * 7 - 3;
}

/* The stores' region codes, by store id, when a view groups or filters by region */
static GHashTable *
store_regions (MtDb *db)
{
  GHashTable *regions = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
  sqlite3_stmt *stmt = mt_db_prepare (db, NULL, "SELECT id, region_code FROM stores WHERE region_code IS NOT NULL",
                                      NULL);

  while (stmt && sqlite3_step (stmt) == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (stmt, 0);

      g_hash_table_insert (regions, g_memdup2 (&id, sizeof id), g_strdup ((const char *) sqlite3_column_text (stmt, 1)));
    }
  if (stmt)
    sqlite3_reset (stmt);
  return regions;
}

/* The leading @digits of a region code as a number (all of it for 0), 0 when there is none */
static gint64
region_bucket (const char *code,
               gint        digits)
{
  char prefix[16];

  if (code == NULL)
    return 0;
  g_strlcpy (prefix, code, digits > 0 ? MIN ((gsize) digits + 1, sizeof prefix) : sizeof prefix);
  return g_ascii_strtoll (prefix, NULL, 10);
}

static gint64
bucket_of (MtStatsBy   by,
           gint64      raw,
           GHashTable *regions)
{
  if (by == MT_STATS_BY_WEEK)
    return week_of_day (raw);
  if (by == MT_STATS_BY_MONTH)
    return month_of_day (raw);
  if (groupings[by].region >= 0)
    return region_bucket (g_hash_table_lookup (regions, &raw), groupings[by].region);
  return raw;
}

MtStatsTable *
mt_stats_query (MtDb                 *db,
                const MtActor        *actor,
                const MtStatsFilter  *filter,
                MtStatsBy             by,
                const MtStatsFigure  *figures,
                guint                 n_figures,
                GError              **error)
{
  g_autoptr(GPtrArray) params = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *metrics = metrics_sql (figures, n_figures);
  g_autofree char *scope = mt_actor_scope_sql (actor, "d.operator_id", "d.store_id", params);
  g_autoptr(GHashTable) found = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
  g_autoptr(GHashTable) signs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr(GHashTable) regions = NULL;
  g_autoptr(GArray) order = g_array_new (FALSE, FALSE, sizeof (gint64));
  gboolean by_region = filter->region_code && *filter->region_code;
  GString *sql = g_string_new (NULL);
  g_autoptr(MtStatsTable) table = g_new0 (MtStatsTable, 1);
  sqlite3_stmt *stmt = NULL;
  guint p = 1;
  int rc;

  g_return_val_if_fail (by <= MT_STATS_BY_KEY && n_figures > 0, NULL);

  g_string_append_printf (sql, "SELECT %s, d.metric, sum (d.n), sum (d.fen), sum (d.secs) FROM stats_daily d "
                          "WHERE d.day BETWEEN %" G_GINT64_FORMAT " AND %" G_GINT64_FORMAT
                          " AND d.metric IN (%s) AND (%s)", groupings[by].column, filter->from_day, filter->to_day,
                          metrics, scope);
  p += params->len;
  if (filter->operator_id)
    g_string_append_printf (sql, " AND d.operator_id IN (SELECT id FROM operators WHERE path LIKE "
                            "(SELECT path FROM operators WHERE id = %" G_GINT64_FORMAT ") || '%%')", filter->operator_id);
  if (filter->store_id)
    g_string_append_printf (sql, " AND d.store_id = %" G_GINT64_FORMAT, filter->store_id);
  if (filter->type_id)
    g_string_append_printf (sql, " AND d.type_id = %" G_GINT64_FORMAT, filter->type_id);
  if (by_region)
    g_string_append_printf (sql, " AND d.store_id IN (SELECT id FROM stores WHERE region_code LIKE ?%u || '%%')", p);
  g_string_append_printf (sql, " GROUP BY %s, d.metric", groupings[by].column);

  if (sqlite3_prepare_v2 (mt_db_get_handle (db), sql->str, -1, &stmt, NULL) != SQLITE_OK)
    {
      g_critical ("%s: %s", sql->str, sqlite3_errmsg (mt_db_get_handle (db)));
      g_string_free (sql, TRUE);
      g_set_error_literal (error, MT_ERROR, MT_ERROR_FAILED, _("The statistics could not be read"));
      return NULL;
    }
  g_string_free (sql, TRUE);
  for (guint i = 0; i < params->len; i++)
    sqlite3_bind_text (stmt, i + 1, params->pdata[i], -1, SQLITE_TRANSIENT);
  if (by_region)
    sqlite3_bind_text (stmt, p, filter->region_code, -1, SQLITE_TRANSIENT);
  if (groupings[by].region >= 0)
    regions = store_regions (db);

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *metric = (const char *) sqlite3_column_text (stmt, 1);
      gint64 key = bucket_of (by, sqlite3_column_int64 (stmt, 0), regions);
      gint64 sums[] = { sqlite3_column_int64 (stmt, 2), sqlite3_column_int64 (stmt, 3),
                        sqlite3_column_int64 (stmt, 4), 0 };
      gint64 *values = g_hash_table_lookup (found, &key);
      int *sign = g_hash_table_lookup (signs, metric);

      if (values == NULL)
        {
          values = g_new0 (gint64, n_figures);
          g_hash_table_insert (found, g_memdup2 (&key, sizeof key), values);
        }
      if (sign == NULL)
        {
          sign = g_new (int, n_figures);
          for (guint f = 0; f < n_figures; f++)
            sign[f] = figure_sign (&figures[f], metric);
          g_hash_table_insert (signs, g_strdup (metric), sign);
        }
      for (guint f = 0; f < n_figures; f++)
        values[f] += sign[f] * sums[MIN ((guint) figures[f].value, G_N_ELEMENTS (sums) - 1)];
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    {
      g_set_error_literal (error, MT_ERROR, MT_ERROR_FAILED, _("The statistics could not be read"));
      return NULL;
    }

  /* time: every bucket of the range, empty ones as zero; others: largest first figure first */
  if (is_time (by))
    {
      if (by == MT_STATS_BY_MONTH)
        for (gint64 m = month_of_day (filter->from_day); m <= month_of_day (filter->to_day); m = next_month (m))
          g_array_append_val (order, m);
      else
        for (gint64 d = by == MT_STATS_BY_WEEK ? week_of_day (filter->from_day) : filter->from_day;
             d <= filter->to_day; d += by == MT_STATS_BY_WEEK ? 7 : 1)
          g_array_append_val (order, d);
    }
  else
    {
      GHashTableIter iter;
      gpointer key;

      g_hash_table_iter_init (&iter, found);
      while (g_hash_table_iter_next (&iter, &key, NULL))
        g_array_append_val (order, *(gint64 *) key);
    }

  table->n_rows = order->len;
  table->n_figures = n_figures;
  table->keys = g_new0 (gint64, MAX (order->len, 1));
  table->labels = g_new0 (char *, order->len + 1);
  table->values = g_new0 (gint64, MAX (order->len, 1) * n_figures);
  for (guint r = 0; r < order->len; r++)
    {
      gint64 key = g_array_index (order, gint64, r);
      gint64 *values = g_hash_table_lookup (found, &key);

      table->keys[r] = key;
      if (values)
        memcpy (&table->values[r * n_figures], values, n_figures * sizeof (gint64));
    }
  if (!is_time (by))
    {
      /* largest first */
      for (guint i = 1; i < table->n_rows; i++)
        for (guint j = i; j > 0 && table->values[j * n_figures] > table->values[(j - 1) * n_figures]; j--)
          {
            gint64 k = table->keys[j];
            g_autofree gint64 *tmp = g_memdup2 (&table->values[j * n_figures], n_figures * sizeof (gint64));

            table->keys[j] = table->keys[j - 1];
            table->keys[j - 1] = k;
            memcpy (&table->values[j * n_figures], &table->values[(j - 1) * n_figures], n_figures * sizeof (gint64));
            memcpy (&table->values[(j - 1) * n_figures], tmp, n_figures * sizeof (gint64));
          }
    }
  for (guint r = 0; r < table->n_rows; r++)
    {
      gint64 key = table->keys[r];

      switch (by)
        {
        case MT_STATS_BY_DAY:
        case MT_STATS_BY_WEEK:
          table->labels[r] = mt_stats_day_format (key);
          break;
        case MT_STATS_BY_MONTH:
          table->labels[r] = month_label (key);
          break;
        case MT_STATS_BY_KEY:
          table->labels[r] = g_strdup_printf ("%" G_GINT64_FORMAT, key);
          break;
        default:
          {
            g_autofree char *q = g_strdup_printf ("SELECT %s FROM (SELECT ? AS b)", groupings[by].label);
            g_autofree char *name = mt_db_query_text (db, q, "i", key);

            table->labels[r] = name && *name ? g_steal_pointer (&name)
                             : key == 0 ? g_strdup (by == MT_STATS_BY_STORE ? _("No store") : _("Unknown"))
                             : g_strdup_printf ("%" G_GINT64_FORMAT, key);
          }
        }
    }
  return g_steal_pointer (&table);
}

gint64
mt_stats_table_get (const MtStatsTable *table,
                    guint               row,
                    guint               figure)
{
  g_return_val_if_fail (row < table->n_rows && figure < table->n_figures, 0);
  return table->values[row * table->n_figures + figure];
}

void
mt_stats_table_free (MtStatsTable *table)
{
  if (table == NULL)
    return;
  g_free (table->keys);
  g_strfreev (table->labels);
  g_free (table->values);
  g_free (table);
}
