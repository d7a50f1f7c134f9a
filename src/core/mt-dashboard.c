/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mt-dashboard"

#include "config.h"

#include <glib/gi18n.h>

#include "mt-dashboard.h"
#include "mt-db.h"
#include "mt-error.h"
#include "mt-listing-private.h"
#include "mt-ops.h"

#define INCOME "l:rent l:card l:service l:overdue l:damage l:repair_fee"

static const MtStatsFigure income_figures[] = {
  { "income", NC_("statistics figure", "Income"), INCOME, MT_STATS_FEN }, { NULL }
};
static const MtStatsFigure today_figures[] = {
  { "rented", NC_("statistics figure", "Rentals"), "o:rented", MT_STATS_COUNT },
  { "returned", NC_("statistics figure", "Returns"), "o:ended", MT_STATS_COUNT },
  { "income", NC_("statistics figure", "Income"), INCOME, MT_STATS_FEN },
};
static const MtStatsFigure alarm_figures[] = {
  { "alarms", NC_("statistics figure", "Open alarms"), "", MT_STATS_COUNT }, { NULL }
};

MtDashboardKind
mt_dashboard_kind_for (const MtActor *actor)
{
  if (actor->store_id != 0)
    return MT_DASHBOARD_STORE;
  if (!mt_actor_can_view (actor, "transactions") && !mt_actor_can_view (actor, "orders"))
    return MT_DASHBOARD_TECHNICIAN;
  return MT_DASHBOARD_MANAGEMENT;
}

/* @sql_format with its "%s" made the account's scope over @op_col and @store_col; the scope's
 * value to bind (an operator path) is added to @params */
static char *
scoped_sql (const MtActor *actor,
            const char    *op_col,
            const char    *store_col,
            const char    *sql_format,
            GPtrArray     *params)
{
  g_autofree char *scope = mt_actor_scope_sql (actor, op_col, store_col, params);

  return g_strdup_printf (sql_format, scope);
}

static gint64
scoped_int (MtDb          *db,
            const MtActor *actor,
            const char    *op_col,
            const char    *store_col,
            const char    *sql_format)
{
  g_autoptr(GPtrArray) params = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *sql = scoped_sql (actor, op_col, store_col, sql_format, params);

  return mt_db_query_int (db, 0, sql, params->len ? "t" : NULL, params->len ? params->pdata[0] : NULL);
}

static MtDashboardTile *
add_tile (MtDashboard  *d,
          const char   *id,
          const char   *title,
          gint64        value,
          MtStatsValue  kind,
          const char   *page,
          const char   *state)
{
  MtDashboardTile *t = g_new0 (MtDashboardTile, 1);

  t->id = id;
  t->title = g_strdup (title);
  t->value = value;
  t->kind = kind;
  t->page = page;
  t->state = state;
  g_ptr_array_add (d->tiles, t);
  return t;
}

static void
tile_free (MtDashboardTile *t)
{
  g_free (t->title);
  g_free (t->note);
  g_free (t);
}

/* Devices in @state (a constant of the code), or every one in service (NULL) */
static gint64
devices_in (MtDb          *db,
            const MtActor *actor,
            const char    *state)
{
  g_autofree char *sql = state ? g_strdup_printf ("SELECT count (*) FROM devices WHERE deleted = 0 AND state = '%s' "
                                                  "AND (%%s)", state)
                               : g_strdup ("SELECT count (*) FROM devices WHERE deleted = 0 AND state <> 'scrapped' "
                                           "AND (%s)");

  return scoped_int (db, actor, "operator_id", "store_id", sql);
}

/* Today's and yesterday's rentals, returns and income */
static gboolean
add_today (MtDashboard   *d,
           MtDb          *db,
           const MtActor *actor,
           gboolean       store,
           GError       **error)
{
  gint64 today = mt_stats_day_of (mt_now ());
  MtStatsFilter filter = { .from_day = today - 1, .to_day = today };
  g_autoptr(MtStatsTable) t = mt_stats_query (db, actor, &filter, MT_STATS_BY_DAY, today_figures, 3, error);
  MtDashboardTile *tile;

  if (t == NULL)
    return FALSE;
  if (!store)
    {
      tile = add_tile (d, "rentals_today", _("Rentals today"), mt_stats_table_get (t, 1, 0), MT_STATS_COUNT, "orders", NULL);
      tile->has_before = TRUE;
      tile->before = mt_stats_table_get (t, 0, 0);
      tile->today = TRUE;
      tile = add_tile (d, "returns_today", _("Returns today"), mt_stats_table_get (t, 1, 1), MT_STATS_COUNT, "orders", "ended");
      tile->has_before = TRUE;
      tile->before = mt_stats_table_get (t, 0, 1);
      tile->today = TRUE;
    }
  tile = add_tile (d, "income_today", store ? _("Takings today") : _("Income today"), mt_stats_table_get (t, 1, 2),
                   MT_STATS_FEN, "transactions", NULL);
  tile->has_before = TRUE;
  tile->before = mt_stats_table_get (t, 0, 2);
  tile->today = TRUE;
  return TRUE;
}

static gboolean
add_income_chart (MtDashboard   *d,
                  MtDb          *db,
                  const MtActor *actor,
                  GError       **error)
{
  gint64 today = mt_stats_day_of (mt_now ());
  MtStatsFilter filter = { .from_day = today - 29, .to_day = today };

  d->chart_title = g_strdup (_("Income, last 30 days"));
  d->chart_kind = MT_CHART_AREA;
  d->chart_figures = income_figures;
  d->chart_n_figures = 1;
  d->chart = mt_stats_query (db, actor, &filter, MT_STATS_BY_DAY, income_figures, 1, error);
  return d->chart != NULL;
}

/* The five best and five weakest stores of 30 days (all of them when there are ten or fewer) */
static gboolean
add_store_ranking (MtDashboard   *d,
                   MtDb          *db,
                   const MtActor *actor,
                   GError       **error)
{
  gint64 today = mt_stats_day_of (mt_now ());
  MtStatsFilter filter = { .from_day = today - 29, .to_day = today };
  g_autoptr(MtStatsTable) all = mt_stats_query (db, actor, &filter, MT_STATS_BY_STORE, income_figures, 1, error);
  MtStatsTable *t;
  guint n;

  if (all == NULL)
    return FALSE;
  n = all->n_rows <= 10 ? all->n_rows : 10;
  t = g_new0 (MtStatsTable, 1);
  t->n_rows = n;
  t->n_figures = 1;
  t->keys = g_new0 (gint64, MAX (n, 1));
  t->labels = g_new0 (char *, n + 1);
  t->values = g_new0 (gint64, MAX (n, 1));
  for (guint i = 0; i < n; i++)
    {
      guint from = all->n_rows <= 10 || i < 5 ? i : all->n_rows - (n - i);

      t->keys[i] = all->keys[from];
      t->labels[i] = g_strdup (all->labels[from]);
      t->values[i] = all->values[from];
    }
  d->ranking = t;
  d->ranking_figures = income_figures;
  d->ranking_title = g_strdup (all->n_rows <= 10 ? _("Stores by income, last 30 days")
                                                  : _("The five best and five weakest stores, last 30 days"));
  return TRUE;
}

/* Open alarms by type, as a donut */
static void
add_alarm_chart (MtDashboard   *d,
                 MtDb          *db,
                 const MtActor *actor)
{
  g_autoptr(GPtrArray) params = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *scope = mt_actor_scope_sql (actor, "operator_id", "store_id", params);
  g_autofree char *sql = g_strdup_printf ("SELECT type, count (*) FROM alarms WHERE state = 'open' AND deleted = 0 "
                                          "AND (%s) GROUP BY type ORDER BY count (*) DESC", scope);
  sqlite3_stmt *stmt = mt_db_prepare (db, NULL, sql, params->len ? "t" : NULL, params->len ? params->pdata[0] : NULL);
  g_autoptr(GPtrArray) labels = g_ptr_array_new ();
  g_autoptr(GArray) values = g_array_new (FALSE, FALSE, sizeof (gint64));
  MtStatsTable *t = g_new0 (MtStatsTable, 1);

  while (stmt && sqlite3_step (stmt) == SQLITE_ROW)
    {
      gint64 n = sqlite3_column_int64 (stmt, 1);

      g_ptr_array_add (labels, g_strdup (mt_choice_label (mt_alarm_types, (const char *) sqlite3_column_text (stmt, 0))));
      g_array_append_val (values, n);
    }
  if (stmt)
    sqlite3_reset (stmt);
  g_ptr_array_add (labels, NULL);
  t->n_rows = values->len;
  t->n_figures = 1;
  t->keys = g_new0 (gint64, MAX (values->len, 1));
  for (guint i = 0; i < values->len; i++)
    t->keys[i] = i;
  t->labels = (char **) g_ptr_array_steal (labels, NULL);
  t->values = g_memdup2 (values->data, MAX (values->len, 1) * sizeof (gint64));
  d->chart_title = g_strdup (_("Open alarms by type"));
  d->chart_kind = MT_CHART_DONUT;
  d->chart_figures = alarm_figures;
  d->chart_n_figures = 1;
  d->chart = t;
}

MtDashboard *
mt_dashboard_read (MtDb           *db,
                   const MtActor  *actor,
                   GError        **error)
{
  g_autoptr(MtDashboard) d = g_new0 (MtDashboard, 1);
  gint64 now = mt_now (), today = mt_stats_day_of (now);
  MtDashboardTile *tile;

  d->kind = mt_dashboard_kind_for (actor);
  d->tiles = g_ptr_array_new_with_free_func ((GDestroyNotify) tile_free);
  if (d->kind == MT_DASHBOARD_MANAGEMENT)
    {
      gint64 fleet = devices_in (db, actor, NULL);
      gint64 online = scoped_int (db, actor, "d.operator_id", "d.store_id",
                                  "SELECT count (*) FROM device_status st JOIN devices d ON d.id = st.device_id "
                                  "WHERE st.online = 1 AND d.deleted = 0 AND (%s)");

      tile = add_tile (d, "rented", _("Batteries rented"), devices_in (db, actor, "rented"), MT_STATS_COUNT, "devices", "rented");
      {
        g_autofree char *n = mt_stats_format_value (MT_STATS_COUNT, fleet);

        tile->note = g_strdup_printf (_("of %s in service"), n);
      }
      tile = add_tile (d, "online", _("Online now"), online, MT_STATS_COUNT, "monitor", NULL);
      tile->note = g_strdup_printf (_("%.1f%% of the fleet"), fleet ? 100.0 * online / fleet : 0.0);
      if (!add_today (d, db, actor, FALSE, error))
        return NULL;
      tile = add_tile (d, "overdue", _("Overdue orders"),
                       scoped_int (db, actor, "operator_id", "store_id",
                                   "SELECT count (*) FROM orders WHERE state = 'overdue' AND deleted = 0 AND (%s)"),
                       MT_STATS_COUNT, "orders", "overdue");
      tile->warning = TRUE;
      tile = add_tile (d, "alarms", _("Open alarms"),
                       scoped_int (db, actor, "operator_id", "store_id",
                                   "SELECT count (*) FROM alarms WHERE state = 'open' AND deleted = 0 AND (%s)"),
                       MT_STATS_COUNT, "alarms", "open");
      tile->warning = TRUE;
      if (!add_income_chart (d, db, actor, error) || !add_store_ranking (d, db, actor, error))
        return NULL;
    }
  else if (d->kind == MT_DASHBOARD_STORE)
    {
      g_autofree char *due = g_strdup_printf ("SELECT count (*) FROM orders WHERE state <> 'ended' AND deleted = 0 "
                                              "AND expire_at BETWEEN %" G_GINT64_FORMAT " AND %" G_GINT64_FORMAT
                                              " AND (%%s)", mt_stats_day_start (today),
                                              mt_stats_day_start (today + 1) - 1);

      add_tile (d, "ready", _("Batteries ready"), devices_in (db, actor, "ready"), MT_STATS_COUNT, "devices", "ready");
      add_tile (d, "rented", _("Batteries rented"), devices_in (db, actor, "rented"), MT_STATS_COUNT, "devices", "rented");
      add_tile (d, "repair", _("Batteries in repair"), devices_in (db, actor, "repair"), MT_STATS_COUNT, "devices", "repair");
      tile = add_tile (d, "due_today", _("Returns due today"), scoped_int (db, actor, "operator_id", "store_id", due),
                       MT_STATS_COUNT, "orders", NULL);
      tile->today = TRUE;
      tile = add_tile (d, "overdue", _("Overdue orders"),
                       scoped_int (db, actor, "operator_id", "store_id",
                                   "SELECT count (*) FROM orders WHERE state = 'overdue' AND deleted = 0 AND (%s)"),
                       MT_STATS_COUNT, "orders", "overdue");
      tile->warning = TRUE;
      if (!add_today (d, db, actor, TRUE, error) || !add_income_chart (d, db, actor, error))
        return NULL;
    }
  else
    {
      g_autofree char *silent = g_strdup_printf ("SELECT count (*) FROM device_status st JOIN devices d ON d.id = "
                                                 "st.device_id WHERE st.online = 0 AND st.last_seen < %" G_GINT64_FORMAT
                                                 " AND d.deleted = 0 AND d.state <> 'scrapped' AND (%%s)",
                                                 now - (gint64) 24 * 3600 * G_USEC_PER_SEC);
      g_autofree char *worst_device = NULL;

      tile = add_tile (d, "alarms", _("Open alarms"),
                       scoped_int (db, actor, "operator_id", "store_id",
                                   "SELECT count (*) FROM alarms WHERE state = 'open' AND deleted = 0 AND (%s)"),
                       MT_STATS_COUNT, "alarms", "open");
      tile->warning = TRUE;
      tile = add_tile (d, "silent", _("Silent for a day or more"), scoped_int (db, actor, "d.operator_id", "d.store_id", silent),
                       MT_STATS_COUNT, "devices", NULL);
      tile->warning = TRUE;
      tile = add_tile (d, "imbalance", _("Worst cell imbalance (mV)"),
                       scoped_int (db, actor, "a.operator_id", "a.store_id",
                                   "SELECT coalesce (max (CAST (a.value AS INTEGER)), 0) FROM alarms a WHERE "
                                   "a.type = 'imbalance' AND a.state = 'open' AND a.deleted = 0 AND (%s)"),
                       MT_STATS_COUNT, "alarms", "open");
      {
        g_autoptr(GPtrArray) params = g_ptr_array_new_with_free_func (g_free);
        g_autofree char *sql = scoped_sql (actor, "a.operator_id", "a.store_id",
                                           "SELECT d.device_no FROM alarms a JOIN devices d ON d.id = a.device_id "
                                           "WHERE a.type = 'imbalance' AND a.state = 'open' AND a.deleted = 0 AND (%s) "
                                           "ORDER BY a.value DESC LIMIT 1", params);

        worst_device = mt_db_query_text (db, sql, params->len ? "t" : NULL, params->len ? params->pdata[0] : NULL);
      }
      tile->note = worst_device ? g_strdup_printf (_("device %s"), worst_device) : g_strdup (_("none reported"));
      add_tile (d, "repairs", _("Repairs waiting"),
                scoped_int (db, actor, "operator_id", "store_id",
                            "SELECT count (*) FROM repairs WHERE state IN ('pending', 'repairing') AND deleted = 0 "
                            "AND (%s)"),
                MT_STATS_COUNT, "repairs", NULL);
      add_alarm_chart (d, db, actor);
    }
  return g_steal_pointer (&d);
}

void
mt_dashboard_free (MtDashboard *d)
{
  if (d == NULL)
    return;
  g_clear_pointer (&d->tiles, g_ptr_array_unref);
  g_free (d->chart_title);
  g_free (d->ranking_title);
  mt_stats_table_free (d->chart);
  mt_stats_table_free (d->ranking);
  g_free (d);
}
