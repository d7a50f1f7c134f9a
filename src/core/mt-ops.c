/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mt-ops"

#include "config.h"

#include <sodium.h>

#include <glib/gi18n.h>
#include <string.h>

#include "mt-db.h"
#include "mt-error.h"
#include "mt-ops.h"
#include "mt-validate.h"

const MtChoice mt_repair_states[] = {
  { "pending", N_("Pending") },
  { "repairing", N_("Repairing") },
  { "done", N_("Repaired") },
  { "scrapped", N_("Scrapped") },
  { NULL }
};

char *
mt_generate_store_no (MtDb *db)
{
  g_autoptr(GDateTime) now = g_date_time_new_from_unix_local (mt_now () / G_USEC_PER_SEC);
  g_autofree char *date = g_date_time_format (now, "%Y%m%d");

  for (;;)
    {
      char *no = g_strdup_printf ("M%s%04d", date, g_random_int_range (0, 10000));
      if (mt_db_query_int (db, 0, "SELECT count(*) FROM stores WHERE store_no = ?", "t", no) == 0)
        return no;
      g_free (no);
    }
}

/* Loads each device for a batch change: in scope, not rented */
static gboolean
check_devices (MtDb          *db,
               const MtActor *actor,
               const gint64  *ids,
               guint          n_ids,
               gboolean       refuse_rented,
               GError       **error)
{
  for (guint i = 0; i < n_ids; i++)
    {
      sqlite3_stmt *stmt = mt_db_prepare (db, error,
                                          "SELECT operator_id, coalesce (store_id, 0), state, device_no "
                                          "FROM devices WHERE id = ? AND deleted = 0", "i", ids[i]);
      gboolean ok;
      g_autofree char *no = NULL;
      g_autofree char *state = NULL;

      if (stmt == NULL)
        return FALSE;
      if (sqlite3_step (stmt) != SQLITE_ROW)
        {
          sqlite3_reset (stmt);
          g_set_error (error, MT_ERROR, MT_ERROR_NOT_FOUND,
                       _("Device %lld does not exist"), (long long) ids[i]);
          return FALSE;
        }
      ok = mt_actor_owns_row (db, actor, sqlite3_column_int64 (stmt, 0), sqlite3_column_int64 (stmt, 1));
      state = g_strdup ((const char *) sqlite3_column_text (stmt, 2));
      no = g_strdup ((const char *) sqlite3_column_text (stmt, 3));
      sqlite3_reset (stmt);
      if (!ok)
        {
          mt_set_forbidden (error);
          return FALSE;
        }
      if (refuse_rented && g_str_equal (state, "rented"))
        {
          g_set_error (error, MT_ERROR, MT_ERROR_CONFLICT,
                       _("Device %s is rented: nothing was changed. Leave rented devices out of "
                         "the selection."), no);
          return FALSE;
        }
    }
  return TRUE;
}

gboolean
mt_devices_transfer (MtDb          *db,
                     const MtActor *actor,
                     const gint64  *ids,
                     guint          n_ids,
                     gint64         operator_id,
                     gint64         store_id,
                     GError       **error)
{
  if (!mt_actor_require (actor, "devices", "transfer", error))
    return FALSE;
  if (!mt_db_begin (db, error))
    return FALSE;
  if (!check_devices (db, actor, ids, n_ids, TRUE, error))
    goto fail;

  if (store_id != 0)
    {
      sqlite3_stmt *stmt = mt_db_prepare (db, error, "SELECT operator_id FROM stores WHERE id = ? "
                                                     "AND deleted = 0", "i", store_id);
      gboolean found = stmt != NULL && sqlite3_step (stmt) == SQLITE_ROW;

      operator_id = found ? sqlite3_column_int64 (stmt, 0) : 0;
      if (stmt)
        sqlite3_reset (stmt);
      if (!found || !mt_actor_owns_row (db, actor, operator_id, store_id))
        {
          mt_set_field_error (error, "store_id", _("Store"), _("does not exist or is outside your operator"));
          goto fail;
        }
    }
  else if (!mt_actor_owns_operator (db, actor, operator_id) || actor->store_id != 0)
    {
      mt_set_field_error (error, "operator_id", _("Operator"), _("does not exist or is outside your operator"));
      goto fail;
    }

  for (guint i = 0; i < n_ids; i++)
    {
      if (!mt_db_run (db, error,
                      "UPDATE devices SET operator_id = ?1, store_id = nullif (?2, 0), "
                      "version = version + 1, updated_at = ?3 WHERE id = ?4", "iiii",
                      operator_id, store_id, mt_now (), ids[i]))
        goto fail;
    }
  mt_audit (db, actor, store_id ? "transfer-to-store" : "transfer-to-operator", "devices",
            n_ids == 1 ? ids[0] : 0, "ok", NULL);
  return mt_db_commit (db, error);

fail:
  mt_db_rollback (db);
  return FALSE;
}

gboolean
mt_devices_set_type (MtDb          *db,
                     const MtActor *actor,
                     const gint64  *ids,
                     guint          n_ids,
                     gint64         type_id,
                     GError       **error)
{
  if (!mt_actor_require (actor, "devices", "edit", error))
    return FALSE;
  if (!mt_db_begin (db, error))
    return FALSE;
  if (!check_devices (db, actor, ids, n_ids, TRUE, error))
    goto fail;
  if (mt_db_query_int (db, 0, "SELECT 1 FROM device_types WHERE id = ? AND deleted = 0", "i", type_id) != 1)
    {
      mt_set_field_error (error, "type_id", _("Device type"), _("does not exist"));
      goto fail;
    }
  for (guint i = 0; i < n_ids; i++)
    if (!mt_db_run (db, error,
                    "UPDATE devices SET type_id = ?, spec_id = NULL, version = version + 1, "
                    "updated_at = ? WHERE id = ? AND type_id <> ?1", "iii", type_id, mt_now (), ids[i]))
      goto fail;
  mt_audit (db, actor, "change-type", "devices", n_ids == 1 ? ids[0] : 0, "ok", NULL);
  return mt_db_commit (db, error);

fail:
  mt_db_rollback (db);
  return FALSE;
}

gboolean
mt_devices_set_power_cut (MtDb          *db,
                          const MtActor *actor,
                          const gint64  *ids,
                          guint          n_ids,
                          gboolean       power_cut,
                          GError       **error)
{
  /* the store end sets it too: the power right, or the right to edit devices */
  if (!mt_actor_can (actor, "devices", "edit") && !mt_actor_require (actor, "devices", "power", error))
    return FALSE;
  if (power_cut && !(actor->caps & MT_CAP_UNRENTED_POWER_CUT))
    {
      g_set_error_literal (error, MT_ERROR, MT_ERROR_FORBIDDEN,
                           _("Forbidden: your operator is not allowed unrented power-cut"));
      return FALSE;
    }
  if (!mt_db_begin (db, error))
    return FALSE;
  if (!check_devices (db, actor, ids, n_ids, FALSE, error))
    goto fail;
  for (guint i = 0; i < n_ids; i++)
    if (!mt_db_run (db, error,
                    "UPDATE devices SET power_cut_unrented = ?, version = version + 1, updated_at = ? "
                    "WHERE id = ? AND power_cut_unrented <> ?1", "bii", power_cut, mt_now (), ids[i]))
      goto fail;
  mt_audit (db, actor, power_cut ? "power-cut-on" : "power-cut-off", "devices",
            n_ids == 1 ? ids[0] : 0, "ok", NULL);
  return mt_db_commit (db, error);

fail:
  mt_db_rollback (db);
  return FALSE;
}

/* ------------------------------------------------------------------ repairs */

static char *
generate_repair_no (MtDb *db)
{
  g_autoptr(GDateTime) now = g_date_time_new_from_unix_local (mt_now () / G_USEC_PER_SEC);
  g_autofree char *stamp = g_date_time_format (now, "%Y%m%d%H%M%S");

  for (guint n = 0;; n++)
    {
      char *no = g_strdup_printf ("WX%s%03u", stamp, n);
      if (mt_db_query_int (db, 0, "SELECT count(*) FROM repairs WHERE repair_no = ?", "t", no) == 0)
        return no;
      g_free (no);
    }
}

gint64
mt_repair_report (MtDb          *db,
                  const MtActor *actor,
                  gint64         device_id,
                  const char    *reporter_kind,
                  const char    *reporter,
                  const char    *fault,
                  GError       **error)
{
  sqlite3_stmt *stmt;
  gint64 operator_id, store_id, repair_id;
  g_autofree char *state = NULL;
  g_autofree char *no = NULL;
  gboolean known_kind = FALSE;

  if (!mt_actor_require (actor, "repairs", "report", error))
    return 0;
  for (guint i = 0; mt_reporter_kinds[i].value; i++)
    known_kind |= g_strcmp0 (mt_reporter_kinds[i].value, reporter_kind) == 0;
  if (!known_kind)
    {
      mt_set_field_error (error, "reporter_kind", _("Reported by"), _("is not one of the offered choices"));
      return 0;
    }
  if (!mt_validate_required (fault, "fault", _("Fault"), 500, error))
    return 0;

  if (!mt_db_begin (db, error))
    return 0;
  stmt = mt_db_prepare (db, error, "SELECT operator_id, coalesce (store_id, 0), state FROM devices "
                                   "WHERE id = ? AND deleted = 0", "i", device_id);
  if (stmt == NULL || sqlite3_step (stmt) != SQLITE_ROW)
    {
      if (stmt)
        sqlite3_reset (stmt);
      mt_set_field_error (error, "device_id", _("Device"), _("does not exist"));
      goto fail;
    }
  operator_id = sqlite3_column_int64 (stmt, 0);
  store_id = sqlite3_column_int64 (stmt, 1);
  state = g_strdup ((const char *) sqlite3_column_text (stmt, 2));
  sqlite3_reset (stmt);

  if (!mt_actor_owns_row (db, actor, operator_id, store_id))
    {
      mt_set_forbidden (error);
      goto fail;
    }
  if (g_str_equal (state, "rented"))
    {
      g_set_error_literal (error, MT_ERROR, MT_ERROR_CONFLICT,
                           _("The device is rented: replace it in the order (the old one goes to "
                             "repair) or end the order first"));
      goto fail;
    }
  if (g_str_equal (state, "repair"))
    {
      g_set_error_literal (error, MT_ERROR, MT_ERROR_CONFLICT,
                           _("The device already has an open repair ticket"));
      goto fail;
    }
  if (g_str_equal (state, "scrapped"))
    {
      g_set_error_literal (error, MT_ERROR, MT_ERROR_CONFLICT, _("The device is scrapped"));
      goto fail;
    }

  no = generate_repair_no (db);
  if (!mt_db_run (db, error,
                  "INSERT INTO repairs (created_at, updated_at, repair_no, device_id, operator_id, "
                  "store_id, reporter_kind, reporter, fault, state, previous_state) "
                  "VALUES (?1, ?1, ?2, ?3, ?4, nullif (?5, 0), ?6, ?7, ?8, 'pending', ?9)",
                  "itiiitttt", mt_now (), no, device_id, operator_id, store_id, reporter_kind,
                  /* who reported it: the name given, or the account that filed it */
                  reporter && *reporter ? reporter : (actor->name ? actor->name : ""), fault, state))
    goto fail;
  repair_id = mt_db_last_insert_id (db);
  if (!mt_db_run (db, error,
                  "INSERT INTO repair_steps (created_at, updated_at, repair_id, state, note, "
                  "account_id, at) VALUES (?1, ?1, ?2, 'pending', ?3, nullif (?4, 0), ?1)",
                  "iiti", mt_now (), repair_id, fault, actor->account_id))
    goto fail;
  if (!mt_db_run (db, error,
                  "UPDATE devices SET state = 'repair', version = version + 1, updated_at = ? "
                  "WHERE id = ?", "ii", mt_now (), device_id))
    goto fail;
  mt_audit (db, actor, "repair-report", "repairs", repair_id, "ok", NULL);
  if (!mt_db_commit (db, error))
    return 0;
  return repair_id;

fail:
  mt_db_rollback (db);
  return 0;
}

const char *const *
mt_repair_next_states (const char *state)
{
  static const char *const from_pending[] = { "pending", "repairing", "done", "scrapped", NULL };
  static const char *const from_repairing[] = { "repairing", "done", "scrapped", NULL };
  static const char *const closed[] = { NULL };

  if (g_strcmp0 (state, "pending") == 0)
    return from_pending;
  if (g_strcmp0 (state, "repairing") == 0)
    return from_repairing;
  return closed;
}

gboolean
mt_repair_progress (MtDb          *db,
                    const MtActor *actor,
                    gint64         repair_id,
                    gint64         version,
                    const char    *state,
                    const char    *note,
                    gint64         cost_fen,
                    GError       **error)
{
  sqlite3_stmt *stmt;
  g_autofree char *current = NULL;
  gint64 device_id, operator_id, store_id, row_version, cost_before;
  const char *device_state = NULL;

  if (!mt_actor_require (actor, "repairs", "progress", error))
    return FALSE;
  if (cost_fen < 0 || cost_fen > MT_MONEY_MAX_FEN)
    {
      mt_set_money_error (error, "cost_fen", _("Repair cost"), MT_MONEY_MAX_FEN);
      return FALSE;
    }
  if (!mt_validate_version (version, error))
    return FALSE;
  if (note != NULL && g_utf8_strlen (note, -1) > 500)
    {
      mt_set_field_error (error, "note", _("Note"), _("may have at most 500 characters"));
      return FALSE;
    }

  if (!mt_db_begin (db, error))
    return FALSE;
  stmt = mt_db_prepare (db, error, "SELECT state, device_id, operator_id, coalesce (store_id, 0), version, cost_fen "
                                   "FROM repairs WHERE id = ? AND deleted = 0", "i", repair_id);
  if (stmt == NULL || sqlite3_step (stmt) != SQLITE_ROW)
    {
      if (stmt)
        sqlite3_reset (stmt);
      g_set_error (error, MT_ERROR, MT_ERROR_NOT_FOUND, _("Repair ticket %lld does not exist"),
                   (long long) repair_id);
      goto fail;
    }
  current = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  device_id = sqlite3_column_int64 (stmt, 1);
  operator_id = sqlite3_column_int64 (stmt, 2);
  store_id = sqlite3_column_int64 (stmt, 3);
  row_version = sqlite3_column_int64 (stmt, 4);
  cost_before = sqlite3_column_int64 (stmt, 5);
  sqlite3_reset (stmt);

  if (!mt_actor_owns_row (db, actor, operator_id, store_id))
    {
      mt_set_forbidden (error);
      goto fail;
    }
  if (version != row_version)
    {
      g_set_error_literal (error, MT_ERROR, MT_ERROR_CONFLICT,
                           _("Someone else changed this repair ticket meanwhile: it has been "
                             "reloaded, check it and make your change again"));
      goto fail;
    }
  if (!g_strv_contains (mt_repair_next_states (current), state ? state : ""))
    {
      g_set_error (error, MT_ERROR, MT_ERROR_CONFLICT,
                   _("A ticket that is “%s” cannot become “%s”"),
                   mt_choice_label (mt_repair_states, current),
                   mt_choice_label (mt_repair_states, state));
      goto fail;
    }
  if (cost_before + cost_fen > MT_MONEY_MAX_FEN)
    {
      mt_set_money_error (error, "cost_fen", _("Repair cost"), MT_MONEY_MAX_FEN - cost_before);
      goto fail;
    }
  if (g_str_equal (state, current) && (note == NULL || note[0] == '\0') && cost_fen == 0)
    {
      mt_set_field_error (error, "note", _("Note"), _("write what was done"));
      goto fail;
    }

  if (!mt_db_run (db, error,
                  "INSERT INTO repair_steps (created_at, updated_at, repair_id, state, note, cost_fen, "
                  "account_id, at) VALUES (?1, ?1, ?2, ?3, ?4, ?5, nullif (?6, 0), ?1)",
                  "iittii", mt_now (), repair_id, state, note ? note : "", cost_fen, actor->account_id))
    goto fail;
  if (!mt_db_run (db, error,
                  "UPDATE repairs SET state = ?1, cost_fen = cost_fen + ?2, version = version + 1, updated_at = ?3, "
                  "closed_at = CASE WHEN ?1 IN ('done', 'scrapped') THEN coalesce (closed_at, ?3) END WHERE id = ?4",
                  "tiii", state, cost_fen, mt_now (), repair_id))
    goto fail;

  if (g_str_equal (state, "done"))
    device_state = "ready";
  else if (g_str_equal (state, "scrapped"))
    device_state = "scrapped";
  if (device_state != NULL &&
      !mt_db_run (db, error, "UPDATE devices SET state = ?, version = version + 1, updated_at = ? "
                             "WHERE id = ?", "tii", device_state, mt_now (), device_id))
    goto fail;

  mt_audit (db, actor, "repair-progress", "repairs", repair_id, "ok", state);
  return mt_db_commit (db, error);

fail:
  mt_db_rollback (db);
  return FALSE;
}

gboolean
mt_operator_set_enabled (MtDb          *db,
                         const MtActor *actor,
                         gint64         operator_id,
                         gboolean       enabled,
                         GError       **error)
{
  if (!mt_actor_require (actor, "operators", "edit", error))
    return FALSE;
  if (operator_id == actor->operator_id || !mt_actor_owns_operator (db, actor, operator_id) ||
      actor->store_id != 0)
    {
      mt_set_forbidden (error);
      return FALSE;
    }
  if (!mt_db_begin (db, error))
    return FALSE;
  if (!mt_db_run (db, error, "UPDATE operators SET enabled = ?, version = version + 1, updated_at = ? "
                             "WHERE id = ? AND enabled <> ?1", "bii", enabled, mt_now (), operator_id))
    {
      mt_db_rollback (db);
      return FALSE;
    }
  mt_audit (db, actor, enabled ? "operator-enable" : "operator-disable", "operators", operator_id, "ok", NULL);
  return mt_db_commit (db, error);
}

gboolean
mt_message_send (MtDb          *db,
                 const MtActor *actor,
                 gint64         message_id,
                 GError       **error)
{
  gint64 operator_id = mt_db_query_int (db, -1, "SELECT operator_id FROM messages WHERE id = ? "
                                                "AND deleted = 0", "i", message_id);

  if (!mt_actor_require (actor, "messages", "edit", error))
    return FALSE;
  if (operator_id < 0)
    {
      g_set_error_literal (error, MT_ERROR, MT_ERROR_NOT_FOUND, _("The message does not exist"));
      return FALSE;
    }
  if (!mt_actor_owns_operator (db, actor, operator_id))
    {
      mt_set_forbidden (error);
      return FALSE;
    }
  if (!mt_db_begin (db, error))
    return FALSE;
  if (!mt_db_run (db, error, "UPDATE messages SET state = 'sent', sent_at = ?1, updated_at = ?1, "
                             "version = version + 1 WHERE id = ?2 AND state = 'draft'", "ii",
                  mt_now (), message_id))
    {
      mt_db_rollback (db);
      return FALSE;
    }
  mt_audit (db, actor, "message-send", "messages", message_id, "ok", NULL);
  return mt_db_commit (db, error);
}

static const MtSettingInfo settings[] = {
  { "platform_name", N_("Platform name"), MT_SETTING_TEXT, 1, 40 },
  { "overdue_grace_hours", N_("Overdue grace period (hours)"), MT_SETTING_INT, 0, 720 },
  { "overdue_power_cut", N_("Cut power when the grace period ends"), MT_SETTING_BOOL },
  { "track_retention_days", N_("Keep track points and BMS history (days)"), MT_SETTING_INT, 1, 3650 },
  { "bms_snapshot_seconds", N_("Keep a BMS snapshot every (seconds)"), MT_SETTING_INT, 10, 3600 },
  { "offline_minutes", N_("Offline after silence of (minutes)"), MT_SETTING_INT, 1, 1440 },
  { "offline_alarm_hours", N_("Offline alarm after (hours)"), MT_SETTING_INT, 1, 720 },
  { "low_soc_percent", N_("Low SOC alarm below (%)"), MT_SETTING_INT, 0, 100 },
  { "imbalance_mv", N_("Cell imbalance alarm above (mV)"), MT_SETTING_INT, 10, 2000 },
  { "referral_commission", N_("Referral commission per first rental (yuan)"), MT_SETTING_INT, 0, 1000 },
  { "tile_url", N_("Map tiles"), MT_SETTING_TILE_URL, 1, 500 },
  { "tile_attribution", N_("Map tile attribution"), MT_SETTING_TEXT, 1, 200 },
  { "tile_gcj02", N_("Map tiles use China's GCJ-02 coordinates"), MT_SETTING_BOOL },
  { "geocoder_url", N_("Map search address (geocoder)"), MT_SETTING_GEOCODER_URL, 1, 500 },
};

/* ------------------------------------------------------------------ map tiles */

#define OSM_TILES    "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
#define TIANDITU_WMTS "https://t{s}.tianditu.gov.cn/%s_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=%s" \
                      "&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=%s"

static const MtTilePreset tile_presets[] = {
  { "osm", N_("OpenStreetMap") },
  /* AutoNavi's tiles are drawn in GCJ-02, China's shifted coordinates */
  { "amap", N_("AutoNavi (GCJ-02)") },
  { "tianditu", N_("Tianditu"), TRUE },
};

const MtTilePreset *
mt_tile_presets (guint *n_presets)
{
  *n_presets = G_N_ELEMENTS (tile_presets);
  return tile_presets;
}

/* A Tianditu key: the hexadecimal token its console issues */
static gboolean
tile_key_is_valid (const char *key)
{
  gsize n = key ? strlen (key) : 0;

  if (n < 8 || n > 64)
    return FALSE;
  for (gsize i = 0; i < n; i++)
    if (!g_ascii_isalnum (key[i]))
      return FALSE;
  return TRUE;
}

static gboolean
tile_url_validate (const char *value,
                   const char *key,
                   const char *label,
                   GError    **error)
{
  for (guint i = 0; i < G_N_ELEMENTS (tile_presets); i++)
    {
      gsize n = strlen (tile_presets[i].id);

      if (strncmp (value, tile_presets[i].id, n) != 0)
        continue;
      if (!tile_presets[i].needs_key && value[n] == '\0')
        return TRUE;
      if (tile_presets[i].needs_key && (value[n] == '\0' || value[n] == ':'))
        {
          if (value[n] == ':' && tile_key_is_valid (value + n + 1))
            return TRUE;
          mt_set_field_error (error, key, label, _("needs the key Tianditu issued: 8 to 64 letters and digits"));
          return FALSE;
        }
    }
  if (!(g_str_has_prefix (value, "https://") || g_str_has_prefix (value, "http://")) ||
      !strstr (value, "{z}") || !strstr (value, "{x}") || !strstr (value, "{y}") ||
      strchr (value, ' ') != NULL)
    {
      mt_set_field_error (error, key, label,
                          _("must be osm, amap, tianditu:KEY, or an http or https address with {z}, {x} and {y}, "
                            "such as https://tile.openstreetmap.org/{z}/{x}/{y}.png"));
      return FALSE;
    }
  return TRUE;
}

MtTileChoice *
mt_tile_choice_get (MtDb       *db,
                    gint64      operator_id,
                    const char *url_override)
{
  g_autofree char *url = url_override ? g_strdup (url_override) : db ? mt_setting_get (db, operator_id, "tile_url") : NULL;
  MtTileChoice *c = g_new0 (MtTileChoice, 1);

  c->max_zoom = 19;
  if (url == NULL || *url == '\0' || g_str_equal (url, "osm") || g_str_equal (url, OSM_TILES))
    {
      c->url = g_strdup (OSM_TILES);
      c->attribution = g_strdup ("© OpenStreetMap contributors");
      c->name = g_strdup (_("OpenStreetMap"));
      return c;
    }
  if (g_str_equal (url, "amap"))
    {
      c->url = g_strdup ("https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8"
                         "&x={x}&y={y}&z={z}");
      c->servers = g_strdup ("1234");
      c->attribution = g_strdup ("© 高德地图 AutoNavi");
      c->name = g_strdup (_("AutoNavi (GCJ-02)"));
      c->gcj02 = TRUE;
      c->max_zoom = 18;
      return c;
    }
  if (g_str_has_prefix (url, "tianditu"))
    {
      /* a key missing or bad leaves the address without one: the server refuses, the map says why */
      const char *key = g_str_has_prefix (url, "tianditu:") && tile_key_is_valid (url + 9) ? url + 9 : "";

      c->url = g_strdup_printf (TIANDITU_WMTS, "vec", "vec", key);
      c->labels_url = g_strdup_printf (TIANDITU_WMTS, "cva", "cva", key);
      c->servers = g_strdup ("01234567");
      c->attribution = g_strdup ("© 天地图 国家地理信息公共服务平台");
      c->name = g_strdup (_("Tianditu"));
      c->max_zoom = 18;
      return c;
    }
  /* an address of one's own: its attribution and coordinates as set beside it */
  {
    g_autofree char *attribution = url_override || db == NULL ? NULL : mt_setting_get (db, operator_id, "tile_attribution");
    g_autofree char *gcj = url_override || db == NULL ? NULL : mt_setting_get (db, operator_id, "tile_gcj02");
    g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_PARSE_RELAXED, NULL);

    c->url = g_steal_pointer (&url);
    c->attribution = g_strdup (attribution ? attribution : "");
    c->name = g_strdup (uri && g_uri_get_host (uri) ? g_uri_get_host (uri) : c->url);
    c->gcj02 = g_strcmp0 (gcj, "true") == 0;
  }
  return c;
}

void
mt_tile_choice_free (MtTileChoice *c)
{
  if (c == NULL)
    return;
  g_free (c->url);
  g_free (c->servers);
  g_free (c->labels_url);
  g_free (c->attribution);
  g_free (c->name);
  g_free (c);
}

const MtSettingInfo *
mt_settings (guint *n_settings)
{
  *n_settings = G_N_ELEMENTS (settings);
  return settings;
}

const MtSettingInfo *
mt_setting_lookup (const char *key)
{
  for (guint i = 0; key && i < G_N_ELEMENTS (settings); i++)
    if (g_str_equal (settings[i].key, key))
      return &settings[i];
  return NULL;
}

char *
mt_setting_format (const char *key,
                   const char *value)
{
  const MtSettingInfo *info = mt_setting_lookup (key);
  gboolean on = FALSE;

  if (info && info->kind == MT_SETTING_BOOL && mt_parse_bool (value, &on, key, key, NULL))
    return g_strdup (on ? _("Yes") : _("No"));
  if (info && info->kind == MT_SETTING_GEOCODER_URL && g_strcmp0 (value, "none") == 0)
    return g_strdup (_("None: regions and stores only"));
  if (info && info->kind == MT_SETTING_TILE_URL && value != NULL)
    for (guint i = 0; i < G_N_ELEMENTS (tile_presets); i++)
      if (g_str_equal (value, tile_presets[i].id) ||
          (tile_presets[i].needs_key && g_str_has_prefix (value, tile_presets[i].id) &&
           value[strlen (tile_presets[i].id)] == ':'))
        return g_strdup (_(tile_presets[i].title));
  return g_strdup (value);
}

static gboolean
setting_validate (const MtSettingInfo  *info,
                  const char           *value,
                  char                **normalized,
                  GError              **error)
{
  const char *label = _(info->title);
  gint64 number = 0;
  gboolean on = FALSE;

  switch (info->kind)
    {
    case MT_SETTING_INT:
      if (!mt_parse_int (value, info->min, info->max, &number, info->key, label, error))
        return FALSE;
      *normalized = g_strdup_printf ("%" G_GINT64_FORMAT, number);
      return TRUE;
    case MT_SETTING_BOOL:
      if (!mt_parse_bool (value, &on, info->key, label, error))
        return FALSE;
      *normalized = g_strdup (on ? "true" : "false");
      return TRUE;
    case MT_SETTING_TILE_URL:
      if (!tile_url_validate (value, info->key, label, error))
        return FALSE;
      G_GNUC_FALLTHROUGH;
    case MT_SETTING_GEOCODER_URL:
      if (info->kind == MT_SETTING_GEOCODER_URL && !g_str_equal (value, "none") &&
          (!(g_str_has_prefix (value, "https://") || g_str_has_prefix (value, "http://")) ||
           !strstr (value, "{q}") || strchr (value, ' ') != NULL))
        {
          mt_set_field_error (error, info->key, label,
                              _("must be none, or an http or https address with {q} where the words go, such as "
                                "https://nominatim.openstreetmap.org/search?format=jsonv2&q={q}"));
          return FALSE;
        }
      G_GNUC_FALLTHROUGH;
    case MT_SETTING_TEXT:
    default:
      {
        g_autofree char *text = g_strdup (value);

        if (!mt_validate_required (text, info->key, label, (guint) info->max, error))
          return FALSE;
        *normalized = g_steal_pointer (&text);
        return TRUE;
      }
    }
}

char *
mt_setting_get (MtDb       *db,
                gint64      operator_id,
                const char *key)
{
  /* The nearest operator up the tree that sets the key wins */
  return mt_db_query_text (db,
                           "SELECT s.value FROM settings s JOIN operators o ON o.id = s.operator_id "
                           "WHERE s.key = ?2 AND s.deleted = 0 AND "
                           "(SELECT path FROM operators WHERE id = ?1) LIKE o.path || '%' "
                           "ORDER BY length (o.path) DESC LIMIT 1", "it", operator_id, key);
}

gboolean
mt_setting_set (MtDb          *db,
                const MtActor *actor,
                const char    *key,
                const char    *value,
                GError       **error)
{
  const MtSettingInfo *info = mt_setting_lookup (key);
  g_autofree char *normalized = NULL;

  if (!mt_actor_require (actor, "settings", "edit", error))
    return FALSE;
  if (info == NULL)
    {
      mt_set_field_error (error, "key", _("Setting"), _("is not a setting of Mingtang"));
      return FALSE;
    }
  if (value == NULL || !g_utf8_validate (value, -1, NULL))
    {
      mt_set_field_error (error, key, _(info->title), _("is not valid text"));
      return FALSE;
    }
  {
    g_autofree char *stripped = g_strstrip (g_strdup (value));

    if (!setting_validate (info, stripped, &normalized, error))
      return FALSE;
  }
  value = normalized;
  if (!mt_db_begin (db, error))
    return FALSE;
  if (!mt_db_run (db, error,
                  "INSERT INTO settings (created_at, updated_at, operator_id, key, value) "
                  "VALUES (?1, ?1, ?2, ?3, ?4) ON CONFLICT (operator_id, key) WHERE deleted = 0 "
                  "DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at, "
                  "version = version + 1 WHERE value <> excluded.value",
                  "iitt", mt_now (), actor->operator_id, key, value))
    {
      mt_db_rollback (db);
      return FALSE;
    }
  mt_audit (db, actor, "setting", "settings", 0, "ok", key);
  return mt_db_commit (db, error);
}

gint64
mt_operator_balance (MtDb   *db,
                     gint64  operator_id)
{
  /* Income the operator collected itself, minus what it withdrew: kept with the rows */
  return mt_db_query_int (db, 0, "SELECT split_fen - withdrawn_fen FROM operator_balances WHERE operator_id = ?",
                          "i", operator_id);
}

gint64
mt_headquarters_share (MtDb *db)
{
  return mt_db_query_int (db, 0, "SELECT split_fen FROM operator_balances WHERE operator_id = 0", NULL);
}

GPtrArray *
mt_region_children (MtDb       *db,
                    const char *parent)
{
  GPtrArray *options = g_ptr_array_new_with_free_func ((GDestroyNotify) mt_option_free);
  sqlite3_stmt *stmt = parent
    ? mt_db_prepare (db, NULL, "SELECT code, name FROM regions WHERE parent_code = ? ORDER BY code", "t", parent)
    : mt_db_prepare (db, NULL, "SELECT code, name FROM regions WHERE parent_code IS NULL ORDER BY code", NULL);

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

/* ------------------------------------------------------------------ broker credentials */

#define BROKER_HASH_ROUNDS 101
#define BROKER_SALT_BYTES  12
#define PASSWORD_LETTERS   "23456789ABCDEFGHJKMNPQRSTUVWXYZ"   /* no 0/O, 1/I/L: read off a label */
#define PASSWORD_LENGTH    24

char *
mt_broker_password_hash (const char   *password,
                         const guint8 *salt,
                         gsize         salt_len)
{
  /* PBKDF2 with one block: SHA-512 gives the 64 bytes mosquitto keeps */
  guint8 block[64], u[64];
  gsize len = sizeof u;
  g_autoptr(GHmac) first = g_hmac_new (G_CHECKSUM_SHA512, (const guchar *) password, strlen (password));
  static const guint8 index[4] = { 0, 0, 0, 1 };
  g_autofree char *salt64 = g_base64_encode (salt, salt_len);
  g_autofree char *hash64 = NULL;

  g_hmac_update (first, salt, salt_len);
  g_hmac_update (first, index, sizeof index);
  g_hmac_get_digest (first, u, &len);
  memcpy (block, u, sizeof block);
  for (guint i = 1; i < BROKER_HASH_ROUNDS; i++)
    {
      g_autoptr(GHmac) round = g_hmac_new (G_CHECKSUM_SHA512, (const guchar *) password, strlen (password));

      g_hmac_update (round, u, sizeof u);
      len = sizeof u;
      g_hmac_get_digest (round, u, &len);
      for (guint k = 0; k < sizeof block; k++)
        block[k] ^= u[k];
    }
  hash64 = g_base64_encode (block, sizeof block);
  return g_strdup_printf ("$7$%d$%s$%s", BROKER_HASH_ROUNDS, salt64, hash64);
}

char *
mt_device_credentials_issue (MtDb          *db,
                             const MtActor *actor,
                             const char    *device_no,
                             GError       **error)
{
  g_autofree char *password = g_malloc0 (PASSWORD_LENGTH + 1);
  g_autofree char *hash = NULL;
  guint8 salt[BROKER_SALT_BYTES];
  sqlite3_stmt *stmt;
  gint64 device_id = 0, operator_id = 0, store_id = 0;

  if (!mt_actor_require (actor, "devices", "edit", error))
    return NULL;
  stmt = mt_db_prepare (db, error, "SELECT id, operator_id, coalesce (store_id, 0) FROM devices "
                                   "WHERE device_no = ? AND deleted = 0 AND state <> 'scrapped'", "t", device_no);
  if (stmt == NULL)
    return NULL;
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      device_id = sqlite3_column_int64 (stmt, 0);
      operator_id = sqlite3_column_int64 (stmt, 1);
      store_id = sqlite3_column_int64 (stmt, 2);
    }
  sqlite3_reset (stmt);
  if (device_id == 0)
    {
      g_set_error (error, MT_ERROR, MT_ERROR_NOT_FOUND, _("There is no device “%s” in service"), device_no);
      return NULL;
    }
  if (!mt_actor_owns_row (db, actor, operator_id, store_id))
    {
      mt_set_forbidden (error);
      return NULL;
    }
  for (guint i = 0; i < PASSWORD_LENGTH; i++)
    password[i] = PASSWORD_LETTERS[randombytes_uniform (sizeof PASSWORD_LETTERS - 1)];
  randombytes_buf (salt, sizeof salt);
  hash = mt_broker_password_hash (password, salt, sizeof salt);
  if (!mt_db_begin (db, error))
    return NULL;
  if (!mt_db_run (db, error, "INSERT INTO device_credentials (device_id, broker_hash, issued_at, account_id) "
                             "VALUES (?1, ?2, ?3, nullif (?4, 0)) ON CONFLICT (device_id) DO UPDATE SET "
                             "broker_hash = excluded.broker_hash, issued_at = excluded.issued_at, "
                             "account_id = excluded.account_id", "itii", device_id, hash, mt_now (), actor->account_id))
    {
      mt_db_rollback (db);
      return NULL;
    }
  mt_audit (db, actor, "credentials", "devices", device_id, "ok", NULL);
  if (!mt_db_commit (db, error))
    return NULL;
  return g_steal_pointer (&password);
}

gboolean
mt_broker_passwords_write (MtDb        *db,
                           const char  *path,
                           guint       *n_devices,
                           GError     **error)
{
  g_autoptr(GString) out = g_string_new (NULL);
  sqlite3_stmt *stmt = mt_db_prepare (db, error, "SELECT d.device_no, c.broker_hash FROM device_credentials c "
                                                 "JOIN devices d ON d.id = c.device_id WHERE d.deleted = 0 "
                                                 "AND d.state <> 'scrapped' ORDER BY d.device_no", NULL);
  guint n = 0;

  if (stmt == NULL)
    return FALSE;
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      g_string_append_printf (out, "%s:%s\n", sqlite3_column_text (stmt, 0), sqlite3_column_text (stmt, 1));
      n++;
    }
  sqlite3_reset (stmt);
  if (n_devices)
    *n_devices = n;
  /* written beside and renamed over: the broker never reads half a file */
  return g_file_set_contents_full (path, out->str, out->len, G_FILE_SET_CONTENTS_CONSISTENT, 0600, error);
}
