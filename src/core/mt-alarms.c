/* SPDX-License-Identifier: GPL-3.0-or-later */

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "mt-alarms.h"
#include "mt-db.h"
#include "mt-error.h"
#include "mt-listing-private.h"
#include "mt-validate.h"

void
mt_alarm_limits_default (MtAlarmLimits *limits)
{
  *limits = (MtAlarmLimits) {
    .series = 20, .cell_ov_mv = 4250, .cell_uv_mv = 2800, .charge_oc_ma = 30000,
    .discharge_oc_ma = 60000, .temp_high_dc = 600, .temp_low_dc = -200, .imbalance_mv = 300,
    .low_soc = 10,
  };
}

gboolean
mt_alarm_type_is_valid (const char *type)
{
  for (guint i = 0; type && mt_alarm_types[i].value; i++)
    if (g_str_equal (mt_alarm_types[i].value, type))
      return TRUE;
  return FALSE;
}

gboolean
mt_alarm_type_set_hidden (MtDb          *db,
                          const MtActor *actor,
                          gint64         type_index,
                          gboolean       hidden,
                          GError       **error)
{
  const char *type = NULL;
  gint64 now = mt_now ();
  gboolean ok;

  if (!mt_actor_require (actor, "alarm_types", "edit", error))
    return FALSE;
  for (gint64 i = 0; mt_alarm_types[i].value; i++)
    if (i + 1 == type_index)
      type = mt_alarm_types[i].value;
  if (type == NULL)
    {
      g_set_error (error, MT_ERROR, MT_ERROR_NOT_FOUND, _("There is no such alarm type"));
      return FALSE;
    }
  if (!mt_db_begin (db, error))
    return FALSE;
  if (hidden)
    ok = mt_db_run (db, error, "INSERT INTO alarm_hidden (created_at, updated_at, account_id, type) SELECT ?1, ?1, ?2, ?3 "
                               "WHERE NOT EXISTS (SELECT 1 FROM alarm_hidden WHERE account_id = ?2 AND type = ?3 "
                               "AND deleted = 0)", "iit", now, actor->account_id, type);
  else
    ok = mt_db_run (db, error, "UPDATE alarm_hidden SET deleted = 1, version = version + 1, updated_at = ? "
                               "WHERE account_id = ? AND type = ? AND deleted = 0", "iit", now, actor->account_id, type);
  if (!ok)
    {
      mt_db_rollback (db);
      return FALSE;
    }
  mt_audit (db, actor, hidden ? "alarm-type-hide" : "alarm-type-show", "alarm_hidden", type_index, "ok", type);
  return mt_db_commit (db, error);
}

const char *
mt_alarm_type_title (const char *type)
{
  for (guint i = 0; type && mt_alarm_types[i].value; i++)
    if (g_str_equal (mt_alarm_types[i].value, type))
      return _(mt_alarm_types[i].label);
  return type;
}

void
mt_alarm_rules_check (const MtTelemetry   *t,
                      const MtAlarmLimits *l,
                      MtAlarmFunc          func,
                      gpointer             user_data)
{
  guint32 seen = t->prot;   /* one call per type: the BMS's own report first */
  double reading[MT_N_PROTS] = { 0 };
  int hi, lo, hottest = MT_ABSENT, coldest = MT_ABSENT;

  mt_telemetry_cell_extremes (t, &hi, &lo);
  for (int k = 0; k < t->n_temps; k++)
    if (t->temps_dc[k] != MT_ABSENT)
      {
        if (hottest == MT_ABSENT || t->temps_dc[k] > hottest)
          hottest = t->temps_dc[k];
        if (coldest == MT_ABSENT || t->temps_dc[k] < coldest)
          coldest = t->temps_dc[k];
      }

#define CROSSED(prot, cond, value) \
  G_STMT_START { reading[prot] = (value); if (cond) seen |= 1u << (prot); } G_STMT_END
  CROSSED (MT_PROT_CELL_OV, hi >= 0 && t->cells_mv[hi] > l->cell_ov_mv, hi >= 0 ? t->cells_mv[hi] : 0);
  CROSSED (MT_PROT_CELL_UV, lo >= 0 && t->cells_mv[lo] < l->cell_uv_mv, lo >= 0 ? t->cells_mv[lo] : 0);
  CROSSED (MT_PROT_PACK_OV, l->series > 0 && t->pack_mv > l->series * l->cell_ov_mv, t->pack_mv);
  CROSSED (MT_PROT_PACK_UV, l->series > 0 && t->pack_mv < l->series * l->cell_uv_mv, t->pack_mv);
  CROSSED (MT_PROT_CHARGE_OC, t->current_ma > l->charge_oc_ma, t->current_ma);
  CROSSED (MT_PROT_DISCHARGE_OC, -t->current_ma > l->discharge_oc_ma, -t->current_ma);
  CROSSED (MT_PROT_SHORT_CIRCUIT, FALSE, -t->current_ma);
  CROSSED (MT_PROT_TEMP_HIGH, hottest != MT_ABSENT && hottest > l->temp_high_dc, hottest);
  CROSSED (MT_PROT_TEMP_LOW, coldest != MT_ABSENT && coldest < l->temp_low_dc, coldest);
#undef CROSSED

  for (guint k = 0; k < MT_N_PROTS; k++)
    if (seen & (1u << k))
      func (mt_prot_name (k), reading[k], user_data);
  if (hi >= 0 && t->cells_mv[hi] - t->cells_mv[lo] > l->imbalance_mv)
    func ("imbalance", t->cells_mv[hi] - t->cells_mv[lo], user_data);
  if (t->soc < l->low_soc)
    func ("low_soc", t->soc, user_data);
  if (t->vibration == 1)
    func ("vibration", 1, user_data);
}

/* BJ + the local time to the second + the device number's last six digits; a second alarm of
 * the device in the same second takes the next free suffix */
static char *
alarm_number (MtDb       *db,
              const char *device_no,
              gint64      at)
{
  g_autoptr(GDateTime) when = g_date_time_new_from_unix_local (at / G_USEC_PER_SEC);
  g_autofree char *stamp = g_date_time_format (when, "%Y%m%d%H%M%S");
  GString *digits = g_string_new (NULL);
  g_autofree char *tail = NULL;
  char *number;

  for (const char *p = device_no; *p; p++)
    if (g_ascii_isdigit (*p))
      g_string_append_c (digits, *p);
  tail = g_strdup (digits->len > 6 ? digits->str + digits->len - 6 : digits->str);
  g_string_free (digits, TRUE);
  number = g_strdup_printf ("BJ%s%s", stamp, tail);
  for (guint n = 2; mt_db_query_int (db, 0, "SELECT count (*) FROM alarms WHERE alarm_no = ?", "t", number) > 0; n++)
    {
      g_free (number);
      number = g_strdup_printf ("BJ%s%s-%u", stamp, tail, n);
    }
  return number;
}

gint64
mt_alarm_raise (MtDb        *db,
                gint64       device_id,
                const char  *type,
                double       value,
                gint64       at,
                gboolean    *opened,
                GError     **error)
{
  gint64 id = mt_db_query_int (db, 0, "SELECT id FROM alarms WHERE device_id = ? AND type = ? AND state = 'open' "
                                      "AND deleted = 0", "it", device_id, type);
  g_autofree char *device_no = NULL;
  g_autofree char *number = NULL;

  if (opened)
    *opened = FALSE;
  if (!mt_alarm_type_is_valid (type))
    {
      g_set_error (error, MT_ERROR, MT_ERROR_INVALID, _("“%s” is not an alarm type"), type);
      return 0;
    }
  if (id != 0)
    return mt_db_run (db, error, "UPDATE alarms SET count = count + 1, latest_at = max (latest_at, ?1), value = ?2, "
                                 "updated_at = ?3, version = version + 1 WHERE id = ?4", "idii",
                      at, value, mt_now (), id) ? id : 0;
  device_no = mt_db_query_text (db, "SELECT device_no FROM devices WHERE id = ?", "i", device_id);
  if (device_no == NULL)
    {
      g_set_error (error, MT_ERROR, MT_ERROR_NOT_FOUND, _("The device does not exist"));
      return 0;
    }
  number = alarm_number (db, device_no, at);
  if (!mt_db_run (db, error, "INSERT INTO alarms (created_at, updated_at, alarm_no, device_id, operator_id, store_id, "
                             "type, first_at, latest_at, value) SELECT ?1, ?1, ?2, d.id, d.operator_id, d.store_id, "
                             "?3, ?4, ?4, ?5 FROM devices d WHERE d.id = ?6", "ittidi",
                  mt_now (), number, type, at, value, device_id))
    return 0;
  if (opened)
    *opened = TRUE;
  return mt_db_last_insert_id (db);
}

gboolean
mt_alarm_handle (MtDb          *db,
                 const MtActor *actor,
                 gint64         alarm_id,
                 const char    *note,
                 GError       **error)
{
  sqlite3_stmt *stmt;
  gint64 operator_id = 0, store_id = 0;
  g_autofree char *state = NULL;

  if (!mt_actor_require (actor, "alarms", "handle", error))
    return FALSE;
  if (note != NULL && (!g_utf8_validate (note, -1, NULL) || g_utf8_strlen (note, -1) > 200))
    {
      mt_set_field_error (error, "note", _("Note"), _("must be text of at most 200 characters"));
      return FALSE;
    }
  stmt = mt_db_prepare (db, error, "SELECT operator_id, coalesce (store_id, 0), state FROM alarms "
                                   "WHERE id = ? AND deleted = 0", "i", alarm_id);
  if (stmt && sqlite3_step (stmt) == SQLITE_ROW)
    {
      operator_id = sqlite3_column_int64 (stmt, 0);
      store_id = sqlite3_column_int64 (stmt, 1);
      state = g_strdup ((const char *) sqlite3_column_text (stmt, 2));
    }
  if (stmt)
    sqlite3_reset (stmt);
  if (state == NULL)
    {
      g_set_error (error, MT_ERROR, MT_ERROR_NOT_FOUND, _("The alarm does not exist"));
      return FALSE;
    }
  if (!mt_actor_owns_row (db, actor, operator_id, store_id))
    {
      mt_set_forbidden (error);
      return FALSE;
    }
  if (!g_str_equal (state, "open"))
    {
      g_set_error (error, MT_ERROR, MT_ERROR_CONFLICT, _("The alarm has already been handled"));
      return FALSE;
    }
  if (!mt_db_begin (db, error))
    return FALSE;
  if (!mt_db_run (db, error, "UPDATE alarms SET state = 'handled', handled_by = ?1, handled_at = ?2, note = ?3, "
                             "updated_at = ?2, version = version + 1 WHERE id = ?4", "iiti",
                  actor->account_id, mt_now (), note ? note : "", alarm_id))
    {
      mt_db_rollback (db);
      return FALSE;
    }
  mt_audit (db, actor, "alarm-handle", "alarms", alarm_id, "ok", note);
  return mt_db_commit (db, error);
}
