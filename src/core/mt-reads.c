/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mt-reads"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "mt-catalog-private.h"
#include "mt-db.h"
#include "mt-listing-private.h"
#include "mt-ops.h"
#include "mt-orders.h"
#include "mt-reads.h"
#include "mt-stats.h"

/* Text of a column, copied (NULL stays NULL) */
static char *
column_text (sqlite3_stmt *stmt,
             int           column)
{
  return g_strdup ((const char *) sqlite3_column_text (stmt, column));
}

/* Whether a row with these owner columns (read at @column, @column + 1) is the actor's */
static gboolean
owned (MtDb          *db,
       const MtActor *actor,
       sqlite3_stmt  *stmt,
       int            column)
{
  return mt_actor_owns_row (db, actor, sqlite3_column_int64 (stmt, column), sqlite3_column_int64 (stmt, column + 1));
}

/* ------------------------------------------------------------------ devices */

/* Whether the row @sql reads (its owner columns, by id) exists and lies in the actor's scope */
static gboolean
row_owned (MtDb          *db,
           const MtActor *actor,
           const char    *sql,
           gint64         id)
{
  sqlite3_stmt *stmt = mt_db_prepare (db, NULL, sql, "i", id);
  gboolean ok = stmt && sqlite3_step (stmt) == SQLITE_ROW && owned (db, actor, stmt, 0);

  if (stmt)
    sqlite3_reset (stmt);
  return ok;
}

static gboolean
device_owned (MtDb          *db,
              const MtActor *actor,
              gint64         device_id)
{
  return row_owned (db, actor, "SELECT operator_id, coalesce (store_id, 0) FROM devices WHERE id = ? AND deleted = 0",
                    device_id);
}

gint64
mt_read_device_id (MtDb          *db,
                   const MtActor *actor,
                   const char    *device_no)
{
  gint64 id = mt_db_query_int (db, 0, "SELECT id FROM devices WHERE device_no = ? AND deleted = 0", "t",
                               device_no ? device_no : "");

  return id != 0 && device_owned (db, actor, id) ? id : 0;
}

char *
mt_read_device_no (MtDb          *db,
                   const MtActor *actor,
                   gint64         device_id)
{
  if (!device_owned (db, actor, device_id))
    return NULL;
  return mt_db_query_text (db, "SELECT device_no FROM devices WHERE id = ?", "i", device_id);
}

gint64
mt_read_device_store (MtDb          *db,
                      const MtActor *actor,
                      gint64         device_id)
{
  if (!device_owned (db, actor, device_id))
    return 0;
  return mt_db_query_int (db, 0, "SELECT coalesce (store_id, 0) FROM devices WHERE id = ?", "i", device_id);
}

/* state, online, an open alarm */
#define DEVICE_PLACE_EXPRS \
  "d.id, st.lat, st.lng, d.state, coalesce (st.online, 0), EXISTS (SELECT 1 FROM alarms a WHERE a.device_id = d.id " \
  "AND a.state = 'open' AND a.deleted = 0)"

static MtPlaceKind
device_kind (const char *state,
             gboolean    online,
             gboolean    alarm)
{
  if (alarm)
    return MT_PLACE_ALARM;
  if (!online)
    return MT_PLACE_OFFLINE;
  if (g_strcmp0 (state, "rented") == 0)
    return MT_PLACE_RENTED;
  if (g_strcmp0 (state, "repair") == 0)
    return MT_PLACE_REPAIR;
  if (g_strcmp0 (state, "scrapped") == 0)
    return MT_PLACE_OFFLINE;
  return MT_PLACE_READY;
}

/* The places of a statement's rows (id, lat, lng, then the kind's columns) */
static GArray *
places_of (sqlite3_stmt *stmt,
           gboolean      devices)
{
  GArray *places = g_array_new (FALSE, FALSE, sizeof (MtPlace));

  while (stmt && sqlite3_step (stmt) == SQLITE_ROW)
    {
      MtPlace p = { sqlite3_column_int64 (stmt, 0), sqlite3_column_double (stmt, 1), sqlite3_column_double (stmt, 2) };

      if (sqlite3_column_type (stmt, 1) == SQLITE_NULL)
        continue;   /* no position yet */
      p.kind = devices ? device_kind ((const char *) sqlite3_column_text (stmt, 3), sqlite3_column_int (stmt, 4),
                                      sqlite3_column_int (stmt, 5))
                       : sqlite3_column_int (stmt, 3) ? MT_PLACE_READY : MT_PLACE_OFFLINE;
      g_array_append_val (places, p);
    }
  if (stmt)
    sqlite3_reset (stmt);
  return places;
}

GArray *
mt_read_listing_places (MtListing *listing)
{
  gboolean stores = g_str_equal (mt_listing_get_page (listing), "stores");

  return places_of (mt_listing_select (listing, stores ? "s.id, s.lat, s.lng, s.enabled" : DEVICE_PLACE_EXPRS),
                    !stores);
}

GArray *
mt_read_device_places (MtDb          *db,
                       const MtActor *actor,
                       const gint64  *ids,
                       guint          n_ids)
{
  g_autoptr(GString) list = g_string_new ("[");
  g_autoptr(GPtrArray) params = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *scope = mt_actor_scope_sql (actor, "d.operator_id", "d.store_id", params);
  g_autofree char *sql = NULL;
  sqlite3_stmt *stmt;

  for (guint i = 0; i < n_ids; i++)
    g_string_append_printf (list, "%s%" G_GINT64_FORMAT, i ? "," : "", ids[i]);
  g_string_append_c (list, ']');
  sql = g_strdup_printf ("SELECT " DEVICE_PLACE_EXPRS " FROM devices d JOIN device_status st ON st.device_id = d.id "
                         "WHERE d.id IN (SELECT value FROM json_each (?)) AND d.deleted = 0 AND %s", scope);
  stmt = mt_db_prepare (db, NULL, sql, "t", list->str);
  for (guint i = 0; stmt && i < params->len; i++)
    sqlite3_bind_text (stmt, i + 2, params->pdata[i], -1, SQLITE_TRANSIENT);
  return places_of (stmt, TRUE);
}

MtDeviceCard *
mt_read_device_card (MtDb          *db,
                     const MtActor *actor,
                     gint64         device_id)
{
  sqlite3_stmt *stmt;
  MtDeviceCard *card = NULL;

  if (!device_owned (db, actor, device_id))
    return NULL;
  stmt = mt_db_prepare (db, NULL,
                        "SELECT d.device_no, d.state, st.soc, st.pack_mv, m.name, s.name, st.last_seen, st.lat, st.lng, "
                        "coalesce (st.online, 0) FROM devices d LEFT JOIN device_status st ON st.device_id = d.id "
                        "LEFT JOIN members m ON m.id = d.member_id LEFT JOIN stores s ON s.id = d.store_id "
                        "WHERE d.id = ?", "i", device_id);
  if (stmt && sqlite3_step (stmt) == SQLITE_ROW)
    {
      card = g_new0 (MtDeviceCard, 1);
      card->device_no = column_text (stmt, 0);
      card->state = column_text (stmt, 1);
      card->soc = sqlite3_column_type (stmt, 2) == SQLITE_NULL ? -1 : sqlite3_column_int (stmt, 2);
      card->pack_mv = sqlite3_column_type (stmt, 3) == SQLITE_NULL ? -1 : sqlite3_column_int (stmt, 3);
      card->renter = column_text (stmt, 4);
      card->store = column_text (stmt, 5);
      card->last_seen = sqlite3_column_int64 (stmt, 6);
      card->located = sqlite3_column_type (stmt, 7) != SQLITE_NULL;
      card->lat = sqlite3_column_double (stmt, 7);
      card->lng = sqlite3_column_double (stmt, 8);
      card->online = sqlite3_column_int (stmt, 9) != 0;
    }
  if (stmt)
    sqlite3_reset (stmt);
  return card;
}

void
mt_device_card_free (MtDeviceCard *card)
{
  if (card == NULL)
    return;
  g_free (card->device_no);
  g_free (card->state);
  g_free (card->renter);
  g_free (card->store);
  g_free (card);
}

GStrv
mt_read_device_fences (MtDb          *db,
                       const MtActor *actor,
                       gint64         device_id)
{
  GStrvBuilder *builder = g_strv_builder_new ();
  sqlite3_stmt *stmt = device_owned (db, actor, device_id)
    ? mt_db_prepare (db, NULL, "SELECT f.geojson FROM geofence_devices l JOIN geofences f ON f.id = l.fence_id "
                               "WHERE l.device_id = ? AND l.deleted = 0 AND f.deleted = 0", "i", device_id)
    : NULL;
  GStrv fences;

  while (stmt && sqlite3_step (stmt) == SQLITE_ROW)
    g_strv_builder_add (builder, (const char *) sqlite3_column_text (stmt, 0));
  if (stmt)
    sqlite3_reset (stmt);
  fences = g_strv_builder_end (builder);
  g_strv_builder_unref (builder);
  return fences;
}

char *
mt_read_device_latest (MtDb          *db,
                       const MtActor *actor,
                       gint64         device_id,
                       int           *online,
                       gint64        *received)
{
  sqlite3_stmt *stmt;
  char *payload = NULL;

  *online = -1;
  *received = 0;
  if (!device_owned (db, actor, device_id))
    return NULL;
  stmt = mt_db_prepare (db, NULL, "SELECT online, payload, coalesce ((SELECT max (at) FROM bms_snapshots WHERE "
                                  "device_id = ?1), last_seen, 0) FROM device_status WHERE device_id = ?1",
                        "i", device_id);
  if (stmt && sqlite3_step (stmt) == SQLITE_ROW)
    {
      *online = sqlite3_column_int (stmt, 0);
      payload = column_text (stmt, 1);
      *received = sqlite3_column_int64 (stmt, 2);
    }
  if (stmt)
    sqlite3_reset (stmt);
  return payload;
}

MtBatterySpec *
mt_read_battery_spec (MtDb          *db,
                      const MtActor *actor,
                      gint64         device_id)
{
  sqlite3_stmt *stmt;
  MtBatterySpec *spec = NULL;

  if (!device_owned (db, actor, device_id))
    return NULL;
  stmt = mt_db_prepare (db, NULL, "SELECT p.chemistry, p.series, p.nominal_mv, p.capacity_mah FROM devices d "
                                  "JOIN device_specs p ON p.id = d.spec_id WHERE d.id = ?", "i", device_id);
  if (stmt && sqlite3_step (stmt) == SQLITE_ROW)
    {
      spec = g_new0 (MtBatterySpec, 1);
      spec->chemistry = column_text (stmt, 0);
      spec->series = sqlite3_column_int (stmt, 1);
      spec->nominal_mv = sqlite3_column_int (stmt, 2);
      spec->capacity_mah = sqlite3_column_int (stmt, 3);
    }
  if (stmt)
    sqlite3_reset (stmt);
  return spec;
}

void
mt_battery_spec_free (MtBatterySpec *spec)
{
  if (spec == NULL)
    return;
  g_free (spec->chemistry);
  g_free (spec);
}

gint64
mt_read_alarm_reports (MtDb          *db,
                       const MtActor *actor,
                       gint64         device_id,
                       const char    *type)
{
  if (!device_owned (db, actor, device_id))
    return 0;
  return mt_db_query_int (db, 0, "SELECT coalesce (sum (count), 0) FROM alarms WHERE device_id = ? AND type = ? "
                                 "AND deleted = 0", "it", device_id, type);
}

static void
snapshot_clear (MtSnapshot *snapshot)
{
  g_free (snapshot->payload);
}

GArray *
mt_read_snapshots (MtDb          *db,
                   const MtActor *actor,
                   gint64         device_id,
                   gint64         from,
                   gint64         to)
{
  GArray *snapshots = g_array_new (FALSE, FALSE, sizeof (MtSnapshot));
  sqlite3_stmt *stmt = device_owned (db, actor, device_id)
    ? mt_db_prepare (db, NULL, "SELECT at, payload FROM bms_snapshots WHERE device_id = ? AND at BETWEEN ? AND ? "
                               "ORDER BY at", "iii", device_id, from, to)
    : NULL;

  g_array_set_clear_func (snapshots, (GDestroyNotify) snapshot_clear);
  while (stmt && sqlite3_step (stmt) == SQLITE_ROW)
    {
      MtSnapshot s = { sqlite3_column_int64 (stmt, 0), column_text (stmt, 1) };

      if (s.payload != NULL)
        g_array_append_val (snapshots, s);
    }
  if (stmt)
    sqlite3_reset (stmt);
  return snapshots;
}

gboolean
mt_read_store_bounds (MtDb   *db,
                      gint64  operator_id,
                      double *south,
                      double *west,
                      double *north,
                      double *east)
{
  sqlite3_stmt *stmt = mt_db_prepare (db, NULL, "SELECT min (s.lat), min (s.lng), max (s.lat), max (s.lng) FROM stores s "
                                                "JOIN operators o ON o.id = s.operator_id WHERE s.deleted = 0 AND "
                                                "s.lat IS NOT NULL AND o.path LIKE (SELECT path FROM operators "
                                                "WHERE id = ?) || '%'", "i", operator_id);
  gboolean found = FALSE;

  if (stmt && sqlite3_step (stmt) == SQLITE_ROW && sqlite3_column_type (stmt, 0) != SQLITE_NULL)
    {
      found = TRUE;
      *south = sqlite3_column_double (stmt, 0);
      *west = sqlite3_column_double (stmt, 1);
      *north = sqlite3_column_double (stmt, 2);
      *east = sqlite3_column_double (stmt, 3);
    }
  if (stmt)
    sqlite3_reset (stmt);
  return found;
}

/* ------------------------------------------------------------------ alarms */

MtAlarmDetails *
mt_read_alarm (MtDb          *db,
               const MtActor *actor,
               gint64         alarm_id)
{
  sqlite3_stmt *stmt = mt_db_prepare (db, NULL,
                                      "SELECT a.alarm_no, a.type, d.device_no, a.state, a.count, a.first_at, a.latest_at, "
                                      "a.value, a.note, ac.username, a.handled_at, a.device_id, a.operator_id, "
                                      "coalesce (a.store_id, 0) FROM alarms a JOIN devices d ON d.id = a.device_id "
                                      "LEFT JOIN accounts ac ON ac.id = a.handled_by WHERE a.id = ? AND a.deleted = 0",
                                      "i", alarm_id);
  MtAlarmDetails *alarm = NULL;

  if (stmt && sqlite3_step (stmt) == SQLITE_ROW && owned (db, actor, stmt, 12))
    {
      alarm = g_new0 (MtAlarmDetails, 1);
      alarm->alarm_no = column_text (stmt, 0);
      alarm->type = column_text (stmt, 1);
      alarm->device_no = column_text (stmt, 2);
      alarm->state = column_text (stmt, 3);
      alarm->count = sqlite3_column_int (stmt, 4);
      alarm->first_at = sqlite3_column_int64 (stmt, 5);
      alarm->latest_at = sqlite3_column_int64 (stmt, 6);
      alarm->has_value = sqlite3_column_type (stmt, 7) != SQLITE_NULL;
      alarm->value = sqlite3_column_double (stmt, 7);
      alarm->note = column_text (stmt, 8);
      alarm->handled_by = column_text (stmt, 9);
      alarm->handled_at = sqlite3_column_int64 (stmt, 10);
      alarm->device_id = sqlite3_column_int64 (stmt, 11);
    }
  if (stmt)
    sqlite3_reset (stmt);
  return alarm;
}

MtAlarmDetails *
mt_read_alarm_notice (MtDb          *db,
                      const MtActor *actor,
                      gint64         alarm_id)
{
  g_autoptr(MtAlarmDetails) alarm = NULL;

  if (!mt_actor_can_view (actor, "alarms") || (alarm = mt_read_alarm (db, actor, alarm_id)) == NULL)
    return NULL;
  if (mt_db_query_int (db, 0, "SELECT count (*) FROM alarm_hidden WHERE account_id = ? AND type = ? AND deleted = 0",
                       "it", actor->account_id, alarm->type) > 0)
    return NULL;
  return g_steal_pointer (&alarm);
}

void
mt_alarm_details_free (MtAlarmDetails *alarm)
{
  if (alarm == NULL)
    return;
  g_free (alarm->alarm_no);
  g_free (alarm->type);
  g_free (alarm->device_no);
  g_free (alarm->state);
  g_free (alarm->note);
  g_free (alarm->handled_by);
  g_free (alarm);
}

/* ------------------------------------------------------------------ repairs, orders, members */

static gboolean
repair_owned (MtDb          *db,
              const MtActor *actor,
              gint64         repair_id)
{
  return row_owned (db, actor, "SELECT operator_id, coalesce (store_id, 0) FROM repairs WHERE id = ? AND deleted = 0",
                    repair_id);
}

MtRepairDetails *
mt_read_repair (MtDb          *db,
                const MtActor *actor,
                gint64         repair_id)
{
  sqlite3_stmt *stmt;
  MtRepairDetails *repair = NULL;

  if (!repair_owned (db, actor, repair_id))
    return NULL;
  stmt = mt_db_prepare (db, NULL, "SELECT w.repair_no, d.device_no, w.fault, w.state, w.version, w.cost_fen "
                                  "FROM repairs w JOIN devices d ON d.id = w.device_id WHERE w.id = ?", "i", repair_id);
  if (stmt && sqlite3_step (stmt) == SQLITE_ROW)
    {
      repair = g_new0 (MtRepairDetails, 1);
      repair->repair_no = column_text (stmt, 0);
      repair->device_no = column_text (stmt, 1);
      repair->fault = column_text (stmt, 2);
      repair->state = column_text (stmt, 3);
      repair->version = sqlite3_column_int64 (stmt, 4);
      repair->cost_fen = sqlite3_column_int64 (stmt, 5);
    }
  if (stmt)
    sqlite3_reset (stmt);
  return repair;
}

void
mt_repair_details_free (MtRepairDetails *repair)
{
  if (repair == NULL)
    return;
  g_free (repair->repair_no);
  g_free (repair->device_no);
  g_free (repair->fault);
  g_free (repair->state);
  g_free (repair);
}

static void
repair_step_clear (MtRepairStep *step)
{
  g_free (step->state);
  g_free (step->note);
  g_free (step->by);
}

GArray *
mt_read_repair_steps (MtDb          *db,
                      const MtActor *actor,
                      gint64         repair_id)
{
  GArray *steps = g_array_new (FALSE, FALSE, sizeof (MtRepairStep));
  sqlite3_stmt *stmt = repair_owned (db, actor, repair_id)
    ? mt_db_prepare (db, NULL, "SELECT s.state, s.note, s.cost_fen, s.at, coalesce (a.name, '') FROM repair_steps s "
                               "LEFT JOIN accounts a ON a.id = s.account_id WHERE s.repair_id = ? AND s.deleted = 0 "
                               "ORDER BY s.at, s.id", "i", repair_id)
    : NULL;

  g_array_set_clear_func (steps, (GDestroyNotify) repair_step_clear);
  while (stmt && sqlite3_step (stmt) == SQLITE_ROW)
    {
      MtRepairStep step = { column_text (stmt, 0), column_text (stmt, 1), sqlite3_column_int64 (stmt, 2),
                            sqlite3_column_int64 (stmt, 3), column_text (stmt, 4) };
      g_array_append_val (steps, step);
    }
  if (stmt)
    sqlite3_reset (stmt);
  return steps;
}

char *
mt_read_order_state (MtDb          *db,
                     const MtActor *actor,
                     gint64         order_id,
                     char         **order_no)
{
  sqlite3_stmt *stmt = mt_db_prepare (db, NULL, "SELECT state, order_no, operator_id, coalesce (store_id, 0) "
                                                "FROM orders WHERE id = ? AND deleted = 0", "i", order_id);
  char *state = NULL;

  if (order_no != NULL)
    *order_no = NULL;
  if (stmt && sqlite3_step (stmt) == SQLITE_ROW && owned (db, actor, stmt, 2))
    {
      state = column_text (stmt, 0);
      if (order_no != NULL)
        *order_no = column_text (stmt, 1);
    }
  if (stmt)
    sqlite3_reset (stmt);
  return state;
}

MtMemberHint *
mt_read_member_by_mobile (MtDb          *db,
                          const MtActor *actor,
                          gint64         store_id,
                          const char    *mobile)
{
  gint64 operator_id = mt_db_query_int (db, 0, "SELECT operator_id FROM stores WHERE id = ? AND deleted = 0", "i",
                                        store_id);
  sqlite3_stmt *stmt;
  MtMemberHint *member = NULL;

  if (operator_id == 0 || !mt_actor_owns_row (db, actor, operator_id, store_id) || mobile == NULL)
    return NULL;
  stmt = mt_db_prepare (db, NULL, "SELECT id, name, id_card, balance_fen FROM members WHERE mobile = ? "
                                  "AND operator_id = ? AND deleted = 0", "ti", mobile, operator_id);
  if (stmt && sqlite3_step (stmt) == SQLITE_ROW)
    {
      member = g_new0 (MtMemberHint, 1);
      member->id = sqlite3_column_int64 (stmt, 0);
      member->name = column_text (stmt, 1);
      member->id_card = column_text (stmt, 2);
      member->balance_fen = sqlite3_column_int64 (stmt, 3);
    }
  if (stmt)
    sqlite3_reset (stmt);
  if (member != NULL)
    member->card_until = mt_member_card_until (db, member->id);
  return member;
}

void
mt_member_hint_free (MtMemberHint *member)
{
  if (member == NULL)
    return;
  g_free (member->name);
  g_free (member->id_card);
  g_free (member);
}

static void
quick_hit_free (MtQuickHit *hit)
{
  g_free (hit->title);
  g_free (hit->subtitle);
  g_free (hit->key);
  g_free (hit);
}

/* Rows of (id, title, subtitle, key) from @sql (?1 the text, ?2 the end of its range, ?3 the
 * scope's path when it has one) */
static void
quick_collect (MtDb        *db,
               GPtrArray   *hits,
               MtQuickKind  kind,
               const char  *sql,
               const char  *text,
               const char  *end,
               GPtrArray   *params,
               guint        limit)
{
  sqlite3_stmt *stmt = mt_db_prepare (db, NULL, sql, params->len ? "ttt" : "tt", text, end,
                                      params->len ? params->pdata[0] : NULL);

  while (stmt && limit-- > 0 && sqlite3_step (stmt) == SQLITE_ROW)
    {
      MtQuickHit *hit = g_new0 (MtQuickHit, 1);

      hit->kind = kind;
      hit->id = sqlite3_column_int64 (stmt, 0);
      hit->title = column_text (stmt, 1);
      hit->subtitle = column_text (stmt, 2);
      hit->key = column_text (stmt, 3);
      if (kind == MT_QUICK_DEVICE)
        {
          /* the type and the state, as the list names it */
          char *with_state = g_strdup_printf ("%s · %s", hit->subtitle,
                                              mt_choice_label (mt_device_states,
                                                               (const char *) sqlite3_column_text (stmt, 4)));
          g_free (hit->subtitle);
          hit->subtitle = with_state;
        }
      for (guint i = 0; i < hits->len; i++)
        {
          const MtQuickHit *seen = hits->pdata[i];

          if (seen->kind == kind && seen->id == hit->id)
            g_clear_pointer (&hit, quick_hit_free);
        }
      if (hit != NULL)
        g_ptr_array_add (hits, hit);
    }
  if (stmt)
    sqlite3_reset (stmt);
}

void
mt_found_place_free (MtFoundPlace *place)
{
  if (place == NULL)
    return;
  g_free (place->name);
  g_free (place->detail);
  g_free (place);
}

GPtrArray *
mt_read_places (MtDb          *db,
                const MtActor *actor,
                const char    *text,
                guint          limit)
{
  GPtrArray *places = g_ptr_array_new_with_free_func ((GDestroyNotify) mt_found_place_free);
  g_autofree char *clean = g_strstrip (g_strdup (text ? text : ""));
  g_autoptr(GPtrArray) params = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *scope = mt_actor_scope_sql (actor, "s.operator_id", "s.id", params);
  g_autofree char *sql = NULL;
  sqlite3_stmt *stmt;

  if (clean[0] == '\0' || !g_utf8_validate (clean, -1, NULL) || strlen (clean) > 100)
    return places;
  /* regions: the whole name first, then names that begin with it, then the rest; with the
   * bounds of the account's stores there (a district's stores say where it is) */
  sql = g_strdup_printf (
    "SELECT r.code, r.name, trim (coalesce (p2.name || ' ', '') || coalesce (p1.name, '')), "
    "  min (s.lat), min (s.lng), max (s.lat), max (s.lng) "
    "FROM regions r LEFT JOIN regions p1 ON p1.code = r.parent_code LEFT JOIN regions p2 ON p2.code = p1.parent_code "
    "LEFT JOIN stores s ON s.region_code LIKE r.code || '%%' AND s.deleted = 0 AND s.lat IS NOT NULL AND (%s) "
    "WHERE instr (r.name, ?1) > 0 GROUP BY r.code "
    "ORDER BY r.name = ?1 DESC, instr (r.name, ?1), r.level, r.code LIMIT ?2", scope);
  stmt = mt_db_prepare (db, NULL, sql, params->len ? "tit" : "ti", clean, (gint64) limit,
                        params->len ? params->pdata[0] : NULL);
  while (stmt && sqlite3_step (stmt) == SQLITE_ROW)
    {
      const MtProvinceOutline *province = mt_china_outline_province ((const char *) sqlite3_column_text (stmt, 0));
      MtFoundPlace *place = g_new0 (MtFoundPlace, 1);

      place->name = column_text (stmt, 1);
      place->detail = column_text (stmt, 2);
      if (sqlite3_column_type (stmt, 3) != SQLITE_NULL)
        {
          /* around its stores, at least a few kilometres across */
          place->south = sqlite3_column_double (stmt, 3) - 0.02;
          place->west = sqlite3_column_double (stmt, 4) - 0.02;
          place->north = sqlite3_column_double (stmt, 5) + 0.02;
          place->east = sqlite3_column_double (stmt, 6) + 0.02;
        }
      else if (province != NULL)
        {
          place->south = province->south, place->west = province->west;
          place->north = province->north, place->east = province->east;
        }
      else
        {
          mt_found_place_free (place);
          continue;
        }
      place->at = (MtGeoPoint) { (place->south + place->north) / 2, (place->west + place->east) / 2 };
      g_ptr_array_add (places, place);
    }
  if (stmt)
    sqlite3_reset (stmt);
  g_clear_pointer (&sql, g_free);
  /* the account's stores by name or address, where they are */
  sql = g_strdup_printf ("SELECT s.name, s.address, s.lat, s.lng FROM stores s WHERE s.deleted = 0 AND "
                         "s.lat IS NOT NULL AND (instr (s.name, ?1) > 0 OR instr (s.address, ?1) > 0) AND (%s) "
                         "ORDER BY instr (s.name, ?1) = 0, s.name LIMIT ?2", scope);
  stmt = mt_db_prepare (db, NULL, sql, params->len ? "tit" : "ti", clean, (gint64) limit,
                        params->len ? params->pdata[0] : NULL);
  while (stmt && sqlite3_step (stmt) == SQLITE_ROW)
    {
      MtFoundPlace *place = g_new0 (MtFoundPlace, 1);

      place->name = column_text (stmt, 0);
      place->detail = column_text (stmt, 1);
      place->at = (MtGeoPoint) { sqlite3_column_double (stmt, 2), sqlite3_column_double (stmt, 3) };
      g_ptr_array_add (places, place);
    }
  if (stmt)
    sqlite3_reset (stmt);
  return places;
}

GPtrArray *
mt_read_quick_search (MtDb          *db,
                      const MtActor *actor,
                      const char    *text,
                      guint          limit)
{
  GPtrArray *hits = g_ptr_array_new_with_free_func ((GDestroyNotify) quick_hit_free);
  g_autofree char *clean = g_strstrip (g_strdup (text ? text : ""));
  /* a prefix's range: every text that begins with it sorts before it followed by U+10FFFF */
  g_autofree char *end = g_strconcat (clean, "\xf4\x8f\xbf\xbf", NULL);

  if (clean[0] == '\0' || !g_utf8_validate (clean, -1, NULL))
    return hits;
  if (mt_actor_can_view (actor, "devices"))
    {
      g_autoptr(GPtrArray) params = g_ptr_array_new_with_free_func (g_free);
      g_autofree char *scope = mt_actor_scope_sql (actor, "d.operator_id", "d.store_id", params);
      g_autofree char *sql = g_strdup_printf (
        "SELECT d.id, d.device_no, coalesce (t.name, ''), d.device_no, d.state "
        "FROM devices d LEFT JOIN device_types t ON t.id = d.type_id "
        "WHERE d.deleted = 0 AND d.device_no >= ?1 AND d.device_no < ?2 AND (%s) ORDER BY d.device_no LIMIT %u",
        scope, limit);

      quick_collect (db, hits, MT_QUICK_DEVICE, sql, clean, end, params, limit);
    }
  if (mt_actor_can_view (actor, "members"))
    {
      static const char *const columns[] = { "m.mobile", "m.name" };

      for (guint c = 0; c < G_N_ELEMENTS (columns); c++)
        {
          g_autoptr(GPtrArray) params = g_ptr_array_new_with_free_func (g_free);
          g_autofree char *scope = mt_actor_scope_sql (actor, "m.operator_id", "m.store_id", params);
          g_autofree char *sql = g_strdup_printf (
            "SELECT m.id, m.name, m.mobile || coalesce (' · ' || s.name, ''), m.mobile "
            "FROM members m LEFT JOIN stores s ON s.id = m.store_id "
            "WHERE m.deleted = 0 AND %1$s >= ?1 AND %1$s < ?2 AND (%2$s) ORDER BY %1$s = ?1 DESC, %1$s LIMIT %3$u",
            columns[c], scope, limit);

          quick_collect (db, hits, MT_QUICK_MEMBER, sql, clean, end, params, limit);
        }
    }
  return hits;
}

static void
member_line_clear (MtMemberLine *line)
{
  g_free (line->what);
  g_free (line->detail);
}

/* A code in *@text replaced by its label among @choices (none: left as it is) */
static void
relabel (char           **text,
         const MtChoice  *choices)
{
  char *shown;

  if (choices == NULL || *text == NULL)
    return;
  shown = g_strdup (mt_choice_label (choices, *text));
  g_free (*text);
  *text = shown;
}

/* Rows of (at, what, detail, fen or NULL) from @sql over ?1 the member and ?2 the limit */
static GArray *
member_lines (MtDb           *db,
              const char     *sql,
              gint64          member_id,
              guint           limit,
              const MtChoice *whats,
              const MtChoice *states)
{
  GArray *lines = g_array_new (FALSE, TRUE, sizeof (MtMemberLine));
  sqlite3_stmt *stmt = mt_db_prepare (db, NULL, sql, "ii", member_id, (gint64) limit);

  g_array_set_clear_func (lines, (GDestroyNotify) member_line_clear);
  while (stmt && sqlite3_step (stmt) == SQLITE_ROW)
    {
      MtMemberLine line = { sqlite3_column_int64 (stmt, 0), column_text (stmt, 1), column_text (stmt, 2),
                            sqlite3_column_type (stmt, 3) == SQLITE_NULL ? G_MININT64 : sqlite3_column_int64 (stmt, 3) };

      /* the codes as the lists name them */
      relabel (&line.what, whats);
      relabel (&line.detail, states);
      g_array_append_val (lines, line);
    }
  if (stmt)
    sqlite3_reset (stmt);
  return lines;
}

MtMemberDetails *
mt_read_member_details (MtDb          *db,
                        const MtActor *actor,
                        gint64         member_id,
                        guint          limit)
{
  static const char *const sections[MT_MEMBER_N_SECTIONS] = {
    [MT_MEMBER_ORDERS] =
      "SELECT o.start_at, o.order_no || ' · ' || coalesce (d.device_no, ''), o.state, "
      "o.rent_fen + o.services_fen + o.overdue_fen + o.damage_fen FROM orders o LEFT JOIN devices d ON d.id = o.device_id "
      "WHERE o.member_id = ?1 AND o.deleted = 0 ORDER BY o.start_at DESC LIMIT ?2",
    [MT_MEMBER_BALANCE] =
      "SELECT at, kind, pay_method, CASE WHEN pay_method = 'balance' THEN -amount_fen ELSE amount_fen END FROM ledger "
      "WHERE member_id = ?1 AND deleted = 0 AND (kind IN ('recharge', 'bonus', 'commission', 'withdrawal') "
      "OR pay_method = 'balance') ORDER BY at DESC, id DESC LIMIT ?2",
    [MT_MEMBER_DEPOSITS] =
      "SELECT d.created_at, coalesce (o.order_no, ''), d.state, d.amount_fen - d.deducted_fen FROM deposits d "
      "LEFT JOIN orders o ON o.id = d.order_id WHERE d.member_id = ?1 AND d.deleted = 0 "
      "ORDER BY d.created_at DESC LIMIT ?2",
    [MT_MEMBER_CARDS] =
      "SELECT x.starts_at, coalesce (c.name, ''), " CARD_STATE ", x.price_fen FROM member_cards x "
      "LEFT JOIN rental_cards c ON c.id = x.card_id WHERE x.member_id = ?1 AND x.deleted = 0 "
      "ORDER BY x.starts_at DESC LIMIT ?2",
    [MT_MEMBER_REPAIRS] =
      "SELECT w.created_at, w.repair_no || ' · ' || coalesce (dv.device_no, '') || ' · ' || w.fault, w.state, "
      "nullif (w.cost_fen, 0) FROM repairs w JOIN orders o ON o.device_id = w.device_id AND o.member_id = ?1 "
      "AND o.deleted = 0 AND w.created_at BETWEEN o.start_at AND coalesce (o.end_at, w.created_at) "
      "LEFT JOIN devices dv ON dv.id = w.device_id WHERE w.deleted = 0 GROUP BY w.id "
      "ORDER BY w.created_at DESC LIMIT ?2",
  };
  /* what the codes are called: the kind and the route of a ledger row, a state */
  const MtChoice *whats[MT_MEMBER_N_SECTIONS] = { [MT_MEMBER_BALANCE] = mt_ledger_kinds };
  const MtChoice *states[MT_MEMBER_N_SECTIONS] = {
    [MT_MEMBER_ORDERS] = mt_order_states,
    [MT_MEMBER_BALANCE] = mt_pay_methods,
    [MT_MEMBER_DEPOSITS] = _mt_catalog_deposit_states,
    [MT_MEMBER_CARDS] = _mt_catalog_card_states,
    [MT_MEMBER_REPAIRS] = mt_repair_states,
  };
  MtMemberDetails *details;
  sqlite3_stmt *stmt;
  gint64 operator_id = 0, store_id = 0;

  stmt = mt_db_prepare (db, NULL, "SELECT m.name, m.mobile, coalesce (s.name, ''), m.balance_fen, m.operator_id, "
                                  "coalesce (m.store_id, 0) FROM members m LEFT JOIN stores s ON s.id = m.store_id "
                                  "WHERE m.id = ? AND m.deleted = 0", "i", member_id);
  if (stmt == NULL || sqlite3_step (stmt) != SQLITE_ROW)
    {
      if (stmt)
        sqlite3_reset (stmt);
      return NULL;
    }
  details = g_new0 (MtMemberDetails, 1);
  details->id = member_id;
  details->name = column_text (stmt, 0);
  details->mobile = column_text (stmt, 1);
  details->store = column_text (stmt, 2);
  details->balance_fen = sqlite3_column_int64 (stmt, 3);
  operator_id = sqlite3_column_int64 (stmt, 4);
  store_id = sqlite3_column_int64 (stmt, 5);
  sqlite3_reset (stmt);
  if (!mt_actor_can_view (actor, "members") || !mt_actor_owns_row (db, actor, operator_id, store_id))
    {
      mt_member_details_free (details);
      return NULL;
    }
  details->withdrawable_fen = mt_member_withdrawable (db, member_id);
  details->card_until = mt_member_card_until (db, member_id);
  for (guint s = 0; s < MT_MEMBER_N_SECTIONS; s++)
    details->sections[s] = member_lines (db, sections[s], member_id, limit, whats[s], states[s]);
  return details;
}

void
mt_member_details_free (MtMemberDetails *details)
{
  if (details == NULL)
    return;
  g_free (details->name);
  g_free (details->mobile);
  g_free (details->store);
  for (guint s = 0; s < MT_MEMBER_N_SECTIONS; s++)
    g_clear_pointer (&details->sections[s], g_array_unref);
  g_free (details);
}

gboolean
mt_read_header_balance (MtDb            *db,
                        const MtActor   *actor,
                        MtHeaderBalance *balance)
{
  memset (balance, 0, sizeof *balance);
  if (actor->store_id != 0)
    {
      static const MtStatsFigure income[] = {
        { "income", NULL, "l:rent l:card l:service l:overdue l:damage l:repair_fee", MT_STATS_FEN },
      };
      gint64 today = mt_stats_day_of (mt_now ());
      MtStatsFilter filter = { .from_day = today, .to_day = today };
      g_autoptr(MtStatsTable) t = NULL;

      if (!mt_actor_can_view (actor, "transactions"))
        return FALSE;
      t = mt_stats_query (db, actor, &filter, MT_STATS_BY_DAY, income, 1, NULL);
      balance->title = _("Takings today");
      balance->fen = t && t->n_rows > 0 ? mt_stats_table_get (t, t->n_rows - 1, 0) : 0;
      balance->page = "transactions";
      balance->today = TRUE;
      return TRUE;
    }
  if (!mt_actor_can_view (actor, "splits") && !mt_actor_can_view (actor, "withdrawals"))
    return FALSE;
  balance->page = mt_actor_can_view (actor, "splits") ? "splits" : "withdrawals";
  balance->fen = mt_operator_balance (db, actor->operator_id);
  if (mt_actor_is_root (actor))
    {
      /* headquarters' share of every split besides what its own stores bring */
      balance->title = _("Headquarters balance");
      balance->fen += mt_headquarters_share (db);
    }
  else
    balance->title = _("Available balance");
  return TRUE;
}

char *
mt_read_setting_key (MtDb          *db,
                     const MtActor *actor,
                     gint64         setting_id)
{
  if (!mt_actor_can_view (actor, "settings"))
    return NULL;
  return mt_db_query_text (db, "SELECT key FROM settings WHERE id = ?", "i", setting_id);
}
