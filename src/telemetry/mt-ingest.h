/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The broker link of the server (and of the standalone console): subscribes to the devices'
 * telemetry, events, status and acks; keeps each device's latest state, BMS snapshots and track
 * points in batched transactions; raises alarms; sends commands and waits for their acks; keeps
 * the power policy (unrented power-cut, overdue power-cut) by command.
 *
 * paho's thread only parses; everything that touches the database runs on the thread of the
 * main context the link was created in. */
#pragma once

#include <gio/gio.h>

#include "mt-codec.h"
#include "mt-wake.h"
#include "mt-database.h"
#include "mt-perm.h"

G_BEGIN_DECLS

#define MT_TYPE_INGEST (mt_ingest_get_type ())
G_DECLARE_FINAL_TYPE (MtIngest, mt_ingest, MT, INGEST, GObject)

typedef struct
{
  const char *uri;        /* tcp://127.0.0.1:1883, ssl://… */
  const char *username;   /* NULL: anonymous */
  const char *password;
  const char *prefix;     /* NULL: "mt/v1" */
  const char *client_id;  /* NULL: a unique one */
  const char *ca_file;    /* with ssl://: the broker's CA; NULL: the system's */
  guint       sweep_seconds;  /* silence, offline alarms, changed rentals, history: 0 = every 30 s */
} MtBrokerConfig;

typedef struct
{
  guint64 received;
  guint64 stored;                         /* telemetry messages written */
  guint64 dropped[MT_CODEC_N_ERRORS];     /* refused by the codec, per reason */
  guint64 unknown_device;                 /* messages of device numbers nobody has */
  guint64 unknown_cached;                 /* such numbers remembered now (bounded) */
  guint64 repeats;                        /* a sequence number seen just before */
  guint64 stale;                          /* older than the latest (sequence and clock) */
  guint64 retained;                       /* retained telemetry, events and acks refused */
  guint64 events;
  guint64 alarms_opened;
  guint64 commands_sent;
  guint64 acks;
  guint64 batches;
  /* publish (the device's clock) to committed, over the latest telemetry messages */
  guint   latency_samples;
  double  latency_p50_ms;
  double  latency_p99_ms;
} MtIngestStats;

typedef enum
{
  MT_COMMAND_DONE,        /* acked with ok */
  MT_COMMAND_REFUSED,     /* acked with an error */
  MT_COMMAND_NO_ANSWER,   /* no ack in time */
  MT_COMMAND_NOT_SENT     /* not connected, or the broker refused it */
} MtCommandResult;

const char *mt_command_result_name (MtCommandResult result);

/* @ack is NULL unless the device answered */
typedef void (*MtCommandFunc) (MtCommandResult  result,
                               const MtAck     *ack,
                               gpointer         user_data);

/* With @db NULL the link only observes (a connected console's live panels): nothing is written,
 * no command is sent */
MtIngest   *mt_ingest_new            (MtDb                 *db,
                                      const MtBrokerConfig *config);
/* Connects (and reconnects by itself); FALSE with @error when the address is unusable */
gboolean    mt_ingest_start          (MtIngest             *self,
                                      GError              **error);
void        mt_ingest_stop           (MtIngest             *self);
gboolean    mt_ingest_is_connected   (MtIngest             *self);

/* The device's last telemetry message as this link received it (@received: µs), or FALSE when
 * none came since the link started */
gboolean    mt_ingest_get_latest     (MtIngest             *self,
                                      const char           *device_no,
                                      MtTelemetry          *telemetry,
                                      gint64               *received);
/* The link shares its main loop with a window: it writes in slices of a few milliseconds, below
 * the priority of input and redraws, so a busy fleet never holds a frame up for long */
void        mt_ingest_set_interactive (MtIngest            *self,
                                       gboolean             interactive);
void        mt_ingest_get_stats      (MtIngest             *self,
                                      MtIngestStats        *stats);
/* Writes whatever is queued now (tests, shutdown) */
void        mt_ingest_flush          (MtIngest             *self);

/* Sends @command (its id is filled in) to the device and calls @func once: with the ack, after
 * @timeout_ms without one, or at once when it cannot be sent */
void        mt_ingest_send           (MtIngest             *self,
                                      const char           *device_no,
                                      MtCommand            *command,
                                      guint                 timeout_ms,
                                      MtCommandFunc         func,
                                      gpointer              user_data);

/* The device's rental or power-cut flag changed: forget what was cached about it and send the
 * discharge command its policy now asks for */
void        mt_ingest_device_changed (MtIngest             *self,
                                      gint64                device_id);
/* Fences or their assignments changed: read them again now, not at the next sweep */
void        mt_ingest_fences_changed (MtIngest             *self);
/* Whether the device's discharge must be on: rented and not cut for being overdue, or not
 * rented without unrented power-cut */
gboolean    mt_device_discharge_allowed (MtDb              *db,
                                         gint64             device_id);

/* Whether the actor may send @kind to the device: the role's permission (BMS control for the
 * switches, restart and factory reset; BMS parameters for writes; BMS view for reads), the
 * operator's capability, and the device in the actor's scope. Fills @device_no (its number). */
gboolean    mt_command_authorize     (MtDb                 *db,
                                      const MtActor        *actor,
                                      gint64                device_id,
                                      MtCommandKind         kind,
                                      char                **device_no,
                                      GError              **error);
/* The audit log's line for a command and its result */
void        mt_command_audit         (MtDb                 *db,
                                      const MtActor        *actor,
                                      gint64                device_id,
                                      const MtCommand      *command,
                                      MtCommandResult       result,
                                      const MtAck          *ack);

/* Marks silent devices offline, raises offline alarms, drops history past the retention: run by
 * the link every 30 s; @now in µs */
void        mt_ingest_sweep          (MtIngest             *self,
                                      gint64                now);

G_END_DECLS
