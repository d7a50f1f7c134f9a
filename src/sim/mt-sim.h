/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The battery model of mingtang-sim, without MQTT: a fleet of packs whose cells, charge,
 * temperatures, relays, position and faults evolve with time, deterministic for a seed. */
#pragma once

#include <glib.h>

#include "mt-codec.h"
#include "mt-db.h"

G_BEGIN_DECLS

typedef enum
{
  MT_FAULT_CELL_OV     = 1 << 0,
  MT_FAULT_TEMP_HIGH   = 1 << 1,
  MT_FAULT_VIBRATION   = 1 << 2,
  MT_FAULT_SHORT       = 1 << 3,
  MT_FAULT_LEAVE_CITY  = 1 << 4,
  MT_FAULT_OFFLINE     = 1 << 5,
} MtFault;

/* "cell_ov", "temp_high", "vibration", "short_circuit", "leave_city", "offline" */
gboolean mt_fault_lookup (const char *name,
                          MtFault    *fault);

typedef struct
{
  char        no[MT_DEVICE_NO_MAX + 1];
  int         series;
  double      nominal_mah;
  double      remaining_mah;
  double      cell_offset_mv[MT_MAX_CELLS];
  double      temp_dc;
  double      home_lat, home_lng;
  double      lat, lng;
  double      heading;
  double      speed_kmh;
  double      current_ma;
  double      discharged_mah;     /* towards the next cycle */
  int         cycles;
  gboolean    rented;
  gboolean    charge_on;
  gboolean    discharge_on;
  MtParams    params;
  /* the board's description, sent with every reading */
  int         chem;               /* MtChemistry */
  gboolean    preheat;
  gboolean    relay;
  char        made[11];
  guint32     seq;
  guint       faults;
  gint64      offline_until;      /* restarting: silent until then (µs) */
  gboolean    announce;           /* says it is online with its next report */
  gint64      next_publish;       /* µs */
  gint64      last_step;          /* µs */
} MtSimDevice;

typedef struct
{
  GPtrArray  *devices;            /* MtSimDevice* */
  GHashTable *by_no;
  GRand      *rand;
  double      interval_s;         /* between two messages of one device */
  gint64      share_hour;         /* the hour the riding share below is for */
  double      share;
} MtSimFleet;

/* A generated fleet of @n devices around a few cities, numbered 99000000xx… */
MtSimFleet  *mt_sim_fleet_new_generated (guint        n,
                                         guint32      seed,
                                         double       interval_s);
/* The devices of a Mingtang database (at most @limit; 0: all), rented ones riding */
MtSimFleet  *mt_sim_fleet_new_from_db   (MtDb        *db,
                                         guint        limit,
                                         guint32      seed,
                                         double       interval_s,
                                         GError     **error);
void         mt_sim_fleet_free          (MtSimFleet  *fleet);
void         mt_sim_fleet_start         (MtSimFleet  *fleet,
                                        gint64       now);
MtSimDevice *mt_sim_fleet_lookup        (MtSimFleet  *fleet,
                                         const char  *no);

/* Moves the device @dt seconds on, at the wall time @now (µs; the hour of day shapes riding) */
void         mt_sim_device_step         (MtSimFleet  *fleet,
                                         MtSimDevice *device,
                                         double       dt,
                                         gint64       now);
/* Its telemetry message now (the sequence number advances) */
void         mt_sim_device_telemetry    (MtSimDevice *device,
                                         gint64       now,
                                         MtTelemetry *out);
/* Obeys a command: fills @ack; *@restart is set when the device must go offline and back */
void         mt_sim_device_command      (MtSimDevice     *device,
                                         const MtCommand *command,
                                         MtAck           *ack,
                                         gboolean        *restart);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MtSimFleet, mt_sim_fleet_free)

G_END_DECLS
