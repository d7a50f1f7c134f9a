/* SPDX-License-Identifier: GPL-3.0-or-later */

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "mt-db.h"
#include "mt-error.h"
#include "mt-sim.h"

static const struct { const char *name; MtFault fault; } fault_names[] = {
  { "cell_ov", MT_FAULT_CELL_OV },
  { "temp_high", MT_FAULT_TEMP_HIGH },
  { "vibration", MT_FAULT_VIBRATION },
  { "short_circuit", MT_FAULT_SHORT },
  { "leave_city", MT_FAULT_LEAVE_CITY },
  { "offline", MT_FAULT_OFFLINE },
};

gboolean
mt_fault_lookup (const char *name,
                 MtFault    *fault)
{
  for (guint i = 0; i < G_N_ELEMENTS (fault_names); i++)
    if (g_strcmp0 (name, fault_names[i].name) == 0)
      {
        *fault = fault_names[i].fault;
        return TRUE;
      }
  return FALSE;
}

static MtSimFleet *
fleet_new (guint32 seed,
           double  interval_s)
{
  MtSimFleet *fleet = g_new0 (MtSimFleet, 1);

  fleet->devices = g_ptr_array_new_with_free_func (g_free);
  fleet->by_no = g_hash_table_new (g_str_hash, g_str_equal);
  fleet->rand = g_rand_new_with_seed (seed);
  fleet->interval_s = interval_s;
  return fleet;
}

/* A pack of @series cells of @nominal_mah at @lat, @lng; its first message somewhere in the
 * first interval after the clock starts (mt_sim_fleet_start()), so a big fleet reports evenly
 * however long it took to load */
static MtSimDevice *
fleet_add (MtSimFleet *fleet,
           const char *no,
           int         series,
           double      nominal_mah,
           int         cell_ov_mv,
           int         cell_uv_mv,
           double      lat,
           double      lng,
           gboolean    rented,
           gint64      now)
{
  MtSimDevice *d = g_new0 (MtSimDevice, 1);

  g_strlcpy (d->no, no, sizeof d->no);
  d->series = CLAMP (series, 1, MT_MAX_CELLS);
  d->nominal_mah = nominal_mah > 0 ? nominal_mah : 55000;
  d->remaining_mah = d->nominal_mah * g_rand_double_range (fleet->rand, 0.35, 1.0);
  for (int k = 0; k < d->series; k++)
    d->cell_offset_mv[k] = g_rand_double_range (fleet->rand, -8, 8);
  d->temp_dc = 250 + g_rand_double_range (fleet->rand, -20, 20);
  d->home_lat = d->lat = lat + g_rand_double_range (fleet->rand, -0.02, 0.02);
  d->home_lng = d->lng = lng + g_rand_double_range (fleet->rand, -0.02, 0.02);
  d->heading = g_rand_double_range (fleet->rand, 0, 2 * G_PI);
  d->cycles = g_rand_int_range (fleet->rand, 0, 600);
  d->rented = rented;
  d->charge_on = d->discharge_on = TRUE;
  mt_params_factory (&d->params);
  d->params.values[MT_PARAM_NOMINAL_CAPACITY] = (int) d->nominal_mah;
  /* the spec's protection voltages: the chemistry's window */
  d->params.values[MT_PARAM_CELL_OV] = cell_ov_mv;
  d->params.values[MT_PARAM_CELL_OV_RELEASE] = cell_ov_mv - 100;
  d->params.values[MT_PARAM_CELL_UV] = cell_uv_mv;
  d->params.values[MT_PARAM_CELL_UV_RELEASE] = cell_uv_mv + 200;
  d->params.values[MT_PARAM_PACK_OV] = cell_ov_mv * d->series;
  d->params.values[MT_PARAM_PACK_UV] = cell_uv_mv * d->series;
  /* a lithium iron phosphate window is low: its cells stop near 3.65 V */
  d->chem = cell_ov_mv <= 3800 ? MT_CHEM_LFP : MT_CHEM_NMC;
  d->preheat = g_rand_int_range (fleet->rand, 0, 100) < 30;
  d->relay = g_rand_int_range (fleet->rand, 0, 100) < 20;
  g_snprintf (d->made, sizeof d->made, "%04d-%02d-%02d", g_rand_int_range (fleet->rand, 2021, 2026),
              g_rand_int_range (fleet->rand, 1, 13), g_rand_int_range (fleet->rand, 1, 29));
  d->seq = g_rand_int (fleet->rand);
  d->next_publish = (gint64) (g_rand_double (fleet->rand) * fleet->interval_s * G_USEC_PER_SEC);
  g_ptr_array_add (fleet->devices, d);
  g_hash_table_insert (fleet->by_no, d->no, d);
  return d;
}

MtSimFleet *
mt_sim_fleet_new_generated (guint   n,
                            guint32 seed,
                            double  interval_s)
{
  static const double cities[][2] = {
    { 30.2741, 120.1551 },   /* Hangzhou */
    { 31.2304, 121.4737 },   /* Shanghai */
    { 39.9042, 116.4074 },   /* Beijing */
    { 22.5431, 114.0579 },   /* Shenzhen */
    { 30.5728, 104.0668 },   /* Chengdu */
  };
  MtSimFleet *fleet = fleet_new (seed, interval_s);
  gint64 now = g_get_real_time ();

  for (guint i = 0; i < n; i++)
    {
      char no[16];
      const double *city = cities[i % G_N_ELEMENTS (cities)];

      g_snprintf (no, sizeof no, "99%08u", i + 1);
      fleet_add (fleet, no, 20, 55000, 4250, 2800, city[0], city[1], g_rand_int_range (fleet->rand, 0, 100) < 60, now);
    }
  return fleet;
}

MtSimFleet *
mt_sim_fleet_new_from_db (MtDb       *db,
                          guint       limit,
                          guint32     seed,
                          double      interval_s,
                          GError    **error)
{
  MtSimFleet *fleet = fleet_new (seed, interval_s);
  gint64 now = g_get_real_time ();
  sqlite3_stmt *stmt = mt_db_prepare (db, error,
                                      "SELECT d.device_no, coalesce (p.series, 20), coalesce (p.capacity_mah, 55000), "
                                      "coalesce (s.lat, 30.27), coalesce (s.lng, 120.15), d.state = 'rented', "
                                      "coalesce (p.cell_ov_mv, 4250), coalesce (p.cell_uv_mv, 2800) "
                                      "FROM devices d LEFT JOIN device_specs p ON p.id = d.spec_id "
                                      "LEFT JOIN stores s ON s.id = d.store_id "
                                      "WHERE d.deleted = 0 AND d.state <> 'scrapped' ORDER BY d.id LIMIT ?",
                                      "i", limit ? (gint64) limit : G_MAXINT64);

  if (stmt == NULL)
    {
      mt_sim_fleet_free (fleet);
      return NULL;
    }
  while (sqlite3_step (stmt) == SQLITE_ROW)
    fleet_add (fleet, (const char *) sqlite3_column_text (stmt, 0), sqlite3_column_int (stmt, 1),
               sqlite3_column_double (stmt, 2), sqlite3_column_int (stmt, 6), sqlite3_column_int (stmt, 7),
               sqlite3_column_double (stmt, 3), sqlite3_column_double (stmt, 4), sqlite3_column_int (stmt, 5), now);
  sqlite3_reset (stmt);
  return fleet;
}

void
mt_sim_fleet_free (MtSimFleet *fleet)
{
  g_hash_table_unref (fleet->by_no);
  g_ptr_array_unref (fleet->devices);
  g_rand_free (fleet->rand);
  g_free (fleet);
}

/* Starts the clock at @now: each device's first message falls at its place in the first interval */
void
mt_sim_fleet_start (MtSimFleet *fleet,
                    gint64      now)
{
  for (guint i = 0; i < fleet->devices->len; i++)
    ((MtSimDevice *) fleet->devices->pdata[i])->next_publish += now;
}

MtSimDevice *
mt_sim_fleet_lookup (MtSimFleet *fleet,
                     const char *no)
{
  return g_hash_table_lookup (fleet->by_no, no);
}

/* ------------------------------------------------------------------ the model */

/* How likely a rider is on the road at this hour: commutes and meal deliveries */
static double
riding_share_at (gint64 now)
{
  static const double by_hour[24] = {
    0.02, 0.01, 0.01, 0.01, 0.02, 0.05, 0.15, 0.45, 0.55, 0.30, 0.30, 0.60,
    0.65, 0.35, 0.25, 0.25, 0.30, 0.55, 0.65, 0.50, 0.30, 0.20, 0.10, 0.05,
  };
  g_autoptr(GDateTime) t = g_date_time_new_from_unix_local (now / G_USEC_PER_SEC);

  return by_hour[g_date_time_get_hour (t)];
}

/* The same, worked out once an hour for the whole fleet */
static double
riding_share (MtSimFleet *fleet,
              gint64      now)
{
  gint64 hour = now / ((gint64) 3600 * G_USEC_PER_SEC);

  if (hour != fleet->share_hour)
    {
      fleet->share_hour = hour;
      fleet->share = riding_share_at (now);
    }
  return fleet->share;
}

/* Open-circuit voltage of a cell at @soc (0–1), inside its chemistry's window (the spec's
 * protection voltages): steep at both ends, flat in the middle */
static double
ocv_mv (const MtSimDevice *d,
        double             soc)
{
  double low = d->params.values[MT_PARAM_CELL_UV] + 150;
  double high = d->params.values[MT_PARAM_CELL_OV] - 100;
  double shape;

  soc = CLAMP (soc, 0, 1);
  shape = 0.1 + 0.75 * soc + 0.15 * soc * soc * soc - 0.1 * (1 - soc) * (1 - soc) * (1 - soc);
  return low + (high - low) * CLAMP (shape, 0, 1);
}

void
mt_sim_device_step (MtSimFleet  *fleet,
                    MtSimDevice *d,
                    double       dt,
                    gint64       now)
{
  double soc = d->remaining_mah / d->nominal_mah;
  double current = 0;

  if (d->faults & MT_FAULT_LEAVE_CITY)
    {
      /* heading out of town, east, at a steady 60 km/h */
      d->speed_kmh = 60;
      d->lng += 60 * dt / 3600 / (111.32 * cos (d->lat * G_PI / 180));
      current = -18000;
    }
  else if (d->rented && g_rand_double (fleet->rand) < riding_share (fleet, now) && soc > 0.03)
    {
      double km;

      d->speed_kmh = g_rand_double_range (fleet->rand, 10, 30);
      d->heading += g_rand_double_range (fleet->rand, -0.6, 0.6);
      /* drift back home when far: riders stay in their city */
      if (fabs (d->lat - d->home_lat) + fabs (d->lng - d->home_lng) > 0.12)
        d->heading = atan2 (d->home_lat - d->lat, d->home_lng - d->lng);
      km = d->speed_kmh * dt / 3600;
      d->lat += km * sin (d->heading) / 111.32;
      d->lng += km * cos (d->heading) / (111.32 * cos (d->lat * G_PI / 180));
      current = -(4000 + d->speed_kmh * 600);
    }
  else
    {
      d->speed_kmh = 0;
      if (!d->rented && soc < 0.995)
        current = d->nominal_mah * 0.3;   /* on the store's charger, at 0.3 C: well inside any spec */
    }
  if (current < 0 && !d->discharge_on)
    current = 0, d->speed_kmh = 0;   /* discharge off: no current, the scooter stops */
  if (current > 0 && !d->charge_on)
    current = 0;
  if (d->faults & MT_FAULT_SHORT)
    current = 0;   /* the short-circuit protection cut it */
  d->current_ma = current;
  d->remaining_mah = CLAMP (d->remaining_mah + current * dt / 3600, 0, d->nominal_mah);
  if (current < 0)
    {
      d->discharged_mah += -current * dt / 3600;
      if (d->discharged_mah >= d->nominal_mah)
        {
          d->discharged_mah -= d->nominal_mah;
          d->cycles++;
        }
    }
  /* warms with current, cools towards 25 °C */
  d->temp_dc += (250 + fabs (current) / 100.0 - d->temp_dc) * MIN (1.0, dt / 600);
}

void
mt_sim_device_telemetry (MtSimDevice *d,
                         gint64       now,
                         MtTelemetry *t)
{
  double soc = d->remaining_mah / d->nominal_mah;
  double ir = d->current_ma / 1000.0 * 1.5;   /* 1.5 mΩ a cell */
  int pack = 0, lowest = G_MAXINT;

  mt_telemetry_init (t);
  t->seq = ++d->seq;
  t->ts_ms = now / 1000;
  t->state = d->current_ma > 0 ? MT_BMS_CHARGING : d->current_ma < 0 ? MT_BMS_DISCHARGING : MT_BMS_IDLE;
  t->soc = (int) CLAMP (round (soc * 100), 0, 100);
  t->current_ma = (int) d->current_ma;
  t->n_cells = d->series;
  for (int k = 0; k < d->series; k++)
    {
      t->cells_mv[k] = (int) CLAMP (round (ocv_mv (d, soc) + d->cell_offset_mv[k] + ir), 0, 5000);
      lowest = MIN (lowest, t->cells_mv[k]);
    }
  if (d->faults & MT_FAULT_CELL_OV)
    {
      t->cells_mv[2] = d->params.values[MT_PARAM_CELL_OV] + 60;
      t->prot |= 1u << MT_PROT_CELL_OV;
    }
  for (int k = 0; k < d->series; k++)
    {
      pack += t->cells_mv[k];
      /* balancing while charging: the cells well above the lowest bleed */
      if (d->current_ma > 0 && t->cells_mv[k] - lowest > d->params.values[MT_PARAM_BALANCE_DELTA] &&
          t->cells_mv[k] > d->params.values[MT_PARAM_BALANCE_START])
        t->balancing |= 1u << k;
    }
  t->pack_mv = pack;
  t->n_temps = 2;
  t->temps_dc[0] = (int) round (d->temp_dc);
  t->temps_dc[1] = (int) round (d->temp_dc - 8);
  if (d->faults & MT_FAULT_TEMP_HIGH)
    {
      t->temps_dc[0] = 720;
      t->prot |= 1u << MT_PROT_TEMP_HIGH;
    }
  t->board_dc = (int) round (d->temp_dc + 30);
  t->remaining_mah = (int) d->remaining_mah;
  t->nominal_mah = (int) d->nominal_mah;
  t->cycles = d->cycles;
  t->charge_on = d->charge_on;
  t->discharge_on = d->discharge_on;
  t->vibration = (d->faults & MT_FAULT_VIBRATION) != 0;
  if (d->faults & MT_FAULT_SHORT)
    t->prot |= 1u << MT_PROT_SHORT_CIRCUIT;
  t->has_pos = TRUE;
  t->lat = CLAMP (d->lat, -90, 90);
  t->lng = CLAMP (d->lng, -180, 180);
  t->speed_kmh = d->speed_kmh;
  g_strlcpy (t->fw, "MT-BMS 2.3.1", sizeof t->fw);
  g_snprintf (t->hw, sizeof t->hw, "MT-B%dS-V4", d->series);
  t->fw_major = 2;
  t->fw_minor = 3;
  g_strlcpy (t->mcu, "STM32F103", sizeof t->mcu);
  g_strlcpy (t->vendor, "MT01", sizeof t->vendor);
  g_strlcpy (t->cabinet, "MTC-1", sizeof t->cabinet);
  /* the tower (base station) its 4G module hears: the area it is in */
  g_snprintf (t->tower, sizeof t->tower, "460-00-%05d", (int) (fabs (d->lat * 100) + fabs (d->lng * 10)) % 65536);
  g_strlcpy (t->made, d->made, sizeof t->made);
  t->chem = d->chem;
  t->balance_type = MT_BALANCE_PASSIVE;
  t->preheat = d->preheat;
  t->relay = d->relay;
  /* EXT1 reads the enclosure; nothing is wired to EXT2 */
  t->n_ext = 2;
  t->ext_dc[0] = (int) round (d->temp_dc - 15);
  t->ext_dc[1] = MT_ABSENT;
}

void
mt_sim_device_command (MtSimDevice     *d,
                       const MtCommand *command,
                       MtAck           *ack,
                       gboolean        *restart)
{
  memset (ack, 0, sizeof *ack);
  g_strlcpy (ack->id, command->id, sizeof ack->id);
  ack->ok = TRUE;
  *restart = FALSE;
  switch (command->kind)
    {
    case MT_CMD_CHARGE:
      d->charge_on = command->on;
      break;
    case MT_CMD_DISCHARGE:
      d->discharge_on = command->on;
      if (!command->on && d->current_ma < 0)
        d->current_ma = 0, d->speed_kmh = 0;
      break;
    case MT_CMD_RESTART:
      *restart = TRUE;
      break;
    case MT_CMD_FACTORY_RESET:
      {
        int nominal = d->params.values[MT_PARAM_NOMINAL_CAPACITY];
        mt_params_factory (&d->params);
        d->params.values[MT_PARAM_NOMINAL_CAPACITY] = nominal;   /* set per battery, kept */
        d->charge_on = d->discharge_on = TRUE;
        ack->params = d->params;
        break;
      }
    case MT_CMD_READ_PARAMS:
      ack->params = d->params;
      break;
    case MT_CMD_WRITE_PARAMS:
      for (guint k = 0; k < MT_N_PARAMS; k++)
        if (command->params.mask & (1u << k))
          d->params.values[k] = command->params.values[k];
      if (command->params.mask & (1u << MT_PARAM_NOMINAL_CAPACITY))
        d->nominal_mah = d->params.values[MT_PARAM_NOMINAL_CAPACITY];
      ack->params = d->params;
      break;
    default:
      ack->ok = FALSE;
      g_strlcpy (ack->error, "unknown command", sizeof ack->error);
      break;
    }
}
