/* SPDX-License-Identifier: GPL-3.0-or-later */

#include "config.h"

#include <MQTTAsync.h>
#include <math.h>
#include <glib/gi18n.h>
#include <string.h>
#include <unistd.h>

#include "mt-alarms.h"
#include "mt-db.h"
#include "mt-error.h"
#include "mt-fences.h"
#include "mt-ingest.h"
#include "mt-ops.h"

#define BATCH_MAX        20000
/* Sharing the main loop with a window: a batch stops after this long, so a frame waits at most
 * about that for the link */
#define INTERACTIVE_SLICE_US 6000
#define CACHE_SECONDS    600   /* rentals through this process or the server refresh at once */
#define POLICY_RESEND_US (30 * G_USEC_PER_SEC)
#define SWEEP_SECONDS    30
#define LATENCY_SAMPLES  100000
/* Power-policy commands handed to paho and not yet taken by the broker. paho looks through all
 * it holds for every message it numbers: 15,000 at once (a fleet coming online with the wrong
 * relays) made each send cost more than storing a hundred messages. The rest wait here. */
#define POLICY_WINDOW    256
/* Device numbers the broker let through that no device has: remembered (so a stranger costs no
 * query at each message) up to this many, then forgotten all at once */
#define MAX_UNKNOWN      10000
/* A message that raises or repeats an alarm stores the whole reading with it, at most this
 * often per device: the first of an alarm always, then its repeats once a minute */
#define ALARM_SNAPSHOT_US (60 * G_USEC_PER_SEC)

/* A message parsed on paho's thread, waiting for the main context */
typedef struct
{
  MtTopicKind kind;
  char        device_no[MT_DEVICE_NO_MAX + 1];
  gint64      received;
  gboolean    retained;     /* the broker kept it: replayed at every (re)connection */
  union
  {
    MtTelemetry telemetry;
    MtEvent     event;
    gboolean    online;
    MtAck       ack;
  } u;
} Msg;

/* What the link keeps about a device between messages */
typedef struct
{
  gint64        id;            /* 0: the device is gone (a stranger is never kept here) */
  gint64        operator_id;
  gint64        loaded_at;
  MtAlarmLimits limits;
  gint64        snapshot_us;
  gboolean      discharge_allowed;
  gboolean      has_seq;
  guint32       last_seq;
  gint64        last_snapshot;
  gint64        last_alarm_snapshot;
  gint64        last_policy_cmd;
  gboolean      policy_queued;  /* waiting in the policy queue */
  MtTelemetry  *latest;       /* its last message in full (the database keeps it with snapshots) */
  gint64        latest_at;
  /* its status row as this link last wrote it: the sweep walks these, not 100,000 rows */
  gint64        last_seen;     /* µs; 0: never reported */
  gboolean      online;
  gboolean      offline_alarmed;  /* an offline alarm is open for this silence */
} Device;

/* A geofence as the link checks it */
typedef struct
{
  MtFence  *fence;
  gboolean  on_entry;   /* the alarm is for coming in (a no-go zone), not for leaving */
} Fence;

static void
fence_free (Fence *f)
{
  mt_fence_free (f->fence);
  g_free (f);
}

/* One of a device's fences and the side it was last seen on */
typedef struct
{
  gint64    fence_id;
  MtGeoSide side;
} FenceLink;

static void
device_free (Device *d)
{
  g_free (d->latest);
  g_free (d);
}

typedef struct
{
  gint64 loaded_at;
  int    low_soc;
  int    imbalance_mv;
  int    snapshot_s;
  int    offline_minutes;
  int    offline_alarm_hours;
  int    retention_days;
} OperatorSettings;

typedef struct
{
  MtIngest      *self;
  char          *id;
  char          *device_no;
  guint          timeout;
  MtCommandFunc  func;
  gpointer       user_data;
} Pending;

struct _MtIngest
{
  GObject        parent_instance;

  MtDb          *db;
  char          *uri;
  char          *username;
  char          *password;
  char          *prefix;
  char          *client_id;
  char          *ca_file;

  MQTTAsync      client;
  GMutex         lock;        /* paho's callbacks against stop() */
  gboolean       closing;
  gint           connected;
  gboolean       was_connected;   /* as last told with connection-changed */
  GMainContext  *context;
  GSource       *wake;        /* dispatched on the main context when messages wait */
  gboolean       interactive;
  /* Messages parsed on paho's thread wait in @incoming (under @lock); the main context swaps it
   * for @batch, emptied, and handles @batch from @batch_next on: the arrays keep their room, so
   * a message costs no allocation of ours on its way */
  GArray        *incoming;
  GArray        *batch;
  guint          batch_next;
  gboolean       draining;      /* the batch's messages are in hand (signals emitted on them) */
  guint          sweep;
  guint          retry;
  guint          sweep_seconds;
  gint64         journal_seq;   /* the change journal read up to here by the last sweep */
  gint64         prune_cursor;  /* the last device whose history the sweeps pruned */
  gboolean       status_loaded; /* the devices' status rows read into their entries */
  GHashTable    *fences;      /* fence id → Fence */
  GHashTable    *fence_links; /* device id → GArray of FenceLink */
  gboolean       fences_loaded;

  GHashTable    *devices;     /* device_no → Device */
  GHashTable    *unknown;     /* device_no → µs it was looked for: at most MAX_UNKNOWN */
  GHashTable    *operators;   /* operator id → OperatorSettings */
  GHashTable    *pending;     /* command id → Pending */
  guint          next_command;
  GQueue         policy_queue;  /* device numbers whose power-policy command waits to be sent */
  gint           in_paho;     /* commands paho holds, not yet taken by the broker */

  GArray        *latencies;   /* publish-to-database, ms, of the latest telemetry (a ring) */
  guint          latency_next;
  gint           received;    /* counted on paho's thread */
  gint           retained;    /* refused there: retained but not a status */
  gint           dropped[MT_CODEC_N_ERRORS];
  MtIngestStats  stats;       /* the rest, on the main context */
};

G_DEFINE_FINAL_TYPE (MtIngest, mt_ingest, G_TYPE_OBJECT)

enum { SIGNAL_TELEMETRY, SIGNAL_ALARM, SIGNAL_CONNECTION, N_SIGNALS };
static guint signals[N_SIGNALS];

static const char *const result_names[] = { "done", "refused", "no_answer", "not_sent" };


const char *
mt_command_result_name (MtCommandResult result)
{
  return result <= MT_COMMAND_NOT_SENT ? result_names[result] : NULL;
}

/* ------------------------------------------------------------------ paho's thread */

static void
wake_main (MtIngest *self)
{
  if (self->wake != NULL)
    g_source_set_ready_time (self->wake, 0);
}

static int
message_arrived_cb (void              *context,
                    char              *topic,
                    int                topic_len,
                    MQTTAsync_message *message)
{
  MtIngest *self = context;
  g_autoptr(GError) error = NULL;
  Msg msg, *m = &msg;
  gboolean ok;

  g_atomic_int_inc (&self->received);
  m->received = g_get_real_time ();
  m->retained = message->retained != 0;
  ok = mt_topic_parse (self->prefix, topic, m->device_no, &m->kind, &error);
  /* only a status may be retained (docs/protocol.md): a retained reading, event or ack would come
   * back at every restart as if new. Refused, and taken off the broker so it stops coming. */
  if (ok && m->retained && m->kind != MT_TOPIC_STATUS)
    {
      g_atomic_int_inc (&self->retained);
      if (self->db != NULL && message->payloadlen > 0)
        {
          MQTTAsync_responseOptions options = MQTTAsync_responseOptions_initializer;
          MQTTAsync_send (self->client, topic, 0, "", 0, 1, &options);
        }
      g_debug ("Refused a retained message on %s", topic);
      MQTTAsync_freeMessage (&message);
      MQTTAsync_free (topic);
      return 1;
    }
  if (ok)
    switch (m->kind)
      {
      case MT_TOPIC_TELEMETRY:
        ok = mt_telemetry_parse (message->payload, message->payloadlen, &m->u.telemetry, &error);
        break;
      case MT_TOPIC_EVENT:
        ok = mt_event_parse (message->payload, message->payloadlen, &m->u.event, &error);
        break;
      case MT_TOPIC_STATUS:
        ok = mt_status_parse (message->payload, message->payloadlen, &m->u.online, &error);
        break;
      case MT_TOPIC_ACK:
        ok = mt_ack_parse (message->payload, message->payloadlen, &m->u.ack, &error);
        break;
      default:
        ok = FALSE;   /* commands are ours: never taken from the broker */
        g_set_error (&error, MT_CODEC_ERROR, MT_CODEC_ERROR_TOPIC, "%s", _("a command is not ingested"));
        break;
      }
  if (!ok)
    {
      g_atomic_int_inc (&self->dropped[error->code]);
      g_debug ("Dropped a message on %s: %s", topic, error->message);
    }
  MQTTAsync_freeMessage (&message);
  MQTTAsync_free (topic);
  if (ok)
    {
      g_mutex_lock (&self->lock);
      if (!self->closing)
        {
          g_array_append_val (self->incoming, msg);
          wake_main (self);
        }
      g_mutex_unlock (&self->lock);
    }
  return 1;
}

static void
connected_cb (void *context,
              char *cause)
{
  MtIngest *self = context;
  g_autofree char *telemetry = mt_topic_filter (self->prefix, MT_TOPIC_TELEMETRY);
  g_autofree char *event = mt_topic_filter (self->prefix, MT_TOPIC_EVENT);
  g_autofree char *status = mt_topic_filter (self->prefix, MT_TOPIC_STATUS);
  g_autofree char *ack = mt_topic_filter (self->prefix, MT_TOPIC_ACK);
  char *topics[] = { telemetry, event, status, ack };
  int qos[] = { 0, 1, 1, 1 };
  MQTTAsync_responseOptions options = MQTTAsync_responseOptions_initializer;
  int n = self->db != NULL ? 4 : 1;   /* an observer reads telemetry only */

  MQTTAsync_subscribeMany (self->client, n, topics, qos, &options);
  g_atomic_int_set (&self->connected, 1);
  g_mutex_lock (&self->lock);
  wake_main (self);
  g_mutex_unlock (&self->lock);
}

static void
connection_lost_cb (void *context,
                    char *cause)
{
  MtIngest *self = context;

  g_atomic_int_set (&self->connected, 0);
  g_mutex_lock (&self->lock);
  wake_main (self);
  g_mutex_unlock (&self->lock);
}

/* The broker took a command (or paho gave up on it): room for a waiting one */
static void
delivered_cb (void *context)
{
  MtIngest *self = context;

  g_atomic_int_dec_and_test (&self->in_paho);
  g_mutex_lock (&self->lock);
  if (!self->closing)
    wake_main (self);
  g_mutex_unlock (&self->lock);
}

static void
sent_cb (void                    *context,
         MQTTAsync_successData   *response)
{
  delivered_cb (context);
}

static void
send_failed_cb (void                    *context,
                MQTTAsync_failureData   *response)
{
  delivered_cb (context);
}

static gboolean connect_now (MtIngest *self, GError **error);

static gboolean
retry_cb (gpointer data)
{
  MtIngest *self = data;

  self->retry = 0;
  connect_now (self, NULL);
  return G_SOURCE_REMOVE;
}

/* The first connection failed (paho reconnects by itself only after a success): try again
 * from the main context in 2 s */
static void
connect_failed_cb (void                     *context,
                   MQTTAsync_failureData    *response)
{
  MtIngest *self = context;

  g_mutex_lock (&self->lock);
  if (!self->closing)
    {
      GSource *source = g_timeout_source_new_seconds (2);

      g_source_set_callback (source, retry_cb, self, NULL);
      self->retry = g_source_attach (source, self->context);
      g_source_unref (source);
    }
  g_mutex_unlock (&self->lock);
}

/* ------------------------------------------------------------------ devices and settings */

static const OperatorSettings *
operator_settings (MtIngest *self,
                   gint64    operator_id,
                   gint64    now)
{
  OperatorSettings *s = g_hash_table_lookup (self->operators, &operator_id);
  static const struct { const char *key; gsize offset; int fallback; } keys[] = {
    { "low_soc_percent", G_STRUCT_OFFSET (OperatorSettings, low_soc), 10 },
    { "imbalance_mv", G_STRUCT_OFFSET (OperatorSettings, imbalance_mv), 300 },
    { "bms_snapshot_seconds", G_STRUCT_OFFSET (OperatorSettings, snapshot_s), 300 },
    { "offline_minutes", G_STRUCT_OFFSET (OperatorSettings, offline_minutes), 10 },
    { "offline_alarm_hours", G_STRUCT_OFFSET (OperatorSettings, offline_alarm_hours), 24 },
    { "track_retention_days", G_STRUCT_OFFSET (OperatorSettings, retention_days), 30 },
  };

  if (s != NULL && now - s->loaded_at < CACHE_SECONDS * G_USEC_PER_SEC)
    return s;
  if (s == NULL)
    {
      s = g_new0 (OperatorSettings, 1);
      g_hash_table_insert (self->operators, g_memdup2 (&operator_id, sizeof operator_id), s);
    }
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      g_autofree char *v = mt_setting_get (self->db, operator_id, keys[i].key);
      G_STRUCT_MEMBER (int, s, keys[i].offset) = v ? (int) g_ascii_strtoll (v, NULL, 10) : keys[i].fallback;
    }
  s->loaded_at = now;
  return s;
}

/* Whether a device's discharge must be on: rented and not cut for being overdue, or not rented
 * without unrented power-cut */
#define DISCHARGE_ALLOWED \
  "CASE WHEN d.state = 'rented' THEN NOT EXISTS (SELECT 1 FROM orders r WHERE r.device_id = d.id " \
  "AND r.state IN ('active', 'overdue') AND r.power_cut = 1 AND r.deleted = 0) ELSE d.power_cut_unrented = 0 END"

/* What the link keeps of a device, by number; the batch form reads the whole fleet at once */
#define DEVICE_SELECT \
  "SELECT d.device_no, d.id, d.operator_id, p.series, p.cell_ov_mv, p.cell_uv_mv, p.charge_oc_ma, " \
  "p.discharge_oc_ma, p.temp_high_dc, p.temp_low_dc, " DISCHARGE_ALLOWED " FROM devices d " \
  "LEFT JOIN device_specs p ON p.id = d.spec_id WHERE d.deleted = 0"

gboolean
mt_device_discharge_allowed (MtDb   *db,
                             gint64  device_id)
{
  return mt_db_query_int (db, 1, "SELECT " DISCHARGE_ALLOWED " FROM devices d WHERE d.id = ? AND d.deleted = 0",
                          "i", device_id) != 0;
}

/* A device's entry from a DEVICE_SELECT row */
static void
device_fill (MtIngest     *self,
             Device       *d,
             sqlite3_stmt *row,
             gint64        now)
{
  const OperatorSettings *s;

  d->loaded_at = now;
  d->id = sqlite3_column_int64 (row, 1);
  d->operator_id = sqlite3_column_int64 (row, 2);
  mt_alarm_limits_default (&d->limits);
  if (sqlite3_column_type (row, 3) != SQLITE_NULL)
    {
      d->limits.series = sqlite3_column_int (row, 3);
      d->limits.cell_ov_mv = sqlite3_column_int (row, 4);
      d->limits.cell_uv_mv = sqlite3_column_int (row, 5);
      d->limits.charge_oc_ma = sqlite3_column_int (row, 6);
      d->limits.discharge_oc_ma = sqlite3_column_int (row, 7);
      d->limits.temp_high_dc = sqlite3_column_int (row, 8);
      d->limits.temp_low_dc = sqlite3_column_int (row, 9);
    }
  d->discharge_allowed = sqlite3_column_int (row, 10) != 0;
  s = operator_settings (self, d->operator_id, now);
  d->limits.low_soc = s->low_soc;
  d->limits.imbalance_mv = s->imbalance_mv;
  d->snapshot_us = s->snapshot_s * G_USEC_PER_SEC;
}

static Device *
device_lookup (MtIngest   *self,
               const char *device_no,
               gint64      now)
{
  static Device nobody;   /* what an unknown number gets: id 0, nothing kept */
  Device *d = g_hash_table_lookup (self->devices, device_no);
  gpointer looked;
  sqlite3_stmt *stmt;
  gboolean found;

  if (d != NULL && now - d->loaded_at < CACHE_SECONDS * G_USEC_PER_SEC)
    return d;
  if (d == NULL && g_hash_table_lookup_extended (self->unknown, device_no, NULL, &looked) &&
      now - GPOINTER_TO_SIZE (looked) * G_USEC_PER_SEC < CACHE_SECONDS * G_USEC_PER_SEC)
    return &nobody;
  stmt = mt_db_prepare (self->db, NULL, DEVICE_SELECT " AND d.device_no = ?", "t", device_no);
  found = stmt && sqlite3_step (stmt) == SQLITE_ROW;
  if (found && d == NULL)
    {
      d = g_new0 (Device, 1);
      g_hash_table_insert (self->devices, g_strdup (device_no), d);
      g_hash_table_remove (self->unknown, device_no);
    }
  if (d != NULL)
    {
      d->loaded_at = now;
      d->id = 0;
      if (found)
        device_fill (self, d, stmt, now);
    }
  if (stmt)
    sqlite3_reset (stmt);
  if (d != NULL)
    return d;
  /* a number nobody has: bounded, so made-up numbers cannot grow the link's memory */
  if (g_hash_table_size (self->unknown) >= MAX_UNKNOWN)
    g_hash_table_remove_all (self->unknown);
  g_hash_table_insert (self->unknown, g_strdup (device_no), GSIZE_TO_POINTER ((gsize) (now / G_USEC_PER_SEC)));
  return &nobody;
}

/* The whole fleet in one query at start: otherwise the first message of each of 100,000
 * devices would cost its own queries, all in the first minute */
static void
devices_preload (MtIngest *self)
{
  gint64 now = g_get_real_time ();
  sqlite3_stmt *stmt = mt_db_prepare (self->db, NULL, DEVICE_SELECT, NULL);

  while (stmt && sqlite3_step (stmt) == SQLITE_ROW)
    {
      const char *no = (const char *) sqlite3_column_text (stmt, 0);
      Device *d = g_hash_table_lookup (self->devices, no);

      if (d == NULL)
        {
          d = g_new0 (Device, 1);
          g_hash_table_insert (self->devices, g_strdup (no), d);
        }
      /* spread the refreshes over the cache period rather than all at once */
      device_fill (self, d, stmt, now - g_random_int_range (0, CACHE_SECONDS) * G_USEC_PER_SEC);
    }
  if (stmt)
    sqlite3_reset (stmt);
}

/* The status rows as they are when the link starts (written before, by this link or another
 * run of it), with whether an offline alarm is open: from then on the link keeps them itself */
static void
status_load (MtIngest *self)
{
  sqlite3_stmt *stmt;

  if (g_hash_table_size (self->devices) == 0)
    devices_preload (self);
  self->status_loaded = TRUE;
  stmt = mt_db_prepare (self->db, NULL, "SELECT d.device_no, s.online, coalesce (s.last_seen, 0), EXISTS (SELECT 1 "
                                        "FROM alarms a WHERE a.device_id = s.device_id AND a.type = 'offline' AND "
                                        "a.state = 'open' AND a.deleted = 0) FROM device_status s JOIN devices d ON "
                                        "d.id = s.device_id WHERE d.deleted = 0", NULL);
  while (stmt && sqlite3_step (stmt) == SQLITE_ROW)
    {
      Device *d = g_hash_table_lookup (self->devices, sqlite3_column_text (stmt, 0));
      gint64 last_seen = sqlite3_column_int64 (stmt, 2);

      if (d == NULL || d->last_seen >= last_seen)
        continue;   /* a message since says more */
      d->online = sqlite3_column_int (stmt, 1) != 0;
      d->last_seen = last_seen;
      d->offline_alarmed = sqlite3_column_int (stmt, 3) != 0;
    }
  if (stmt)
    sqlite3_reset (stmt);
}

/* The fences and who has them, read again after any change to them. The sides already known
 * stay; at the link's start they come from each device's last position, so a restart raises
 * nothing again. */
static void
fences_load (MtIngest *self)
{
  g_autoptr(GHashTable) fences = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, (GDestroyNotify) fence_free);
  g_autoptr(GHashTable) links = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, (GDestroyNotify) g_array_unref);
  gboolean first = !self->fences_loaded;
  sqlite3_stmt *stmt;

  stmt = mt_db_prepare (self->db, NULL, "SELECT id, geojson, alarm_on = 'entry' FROM geofences WHERE deleted = 0", NULL);
  while (stmt && sqlite3_step (stmt) == SQLITE_ROW)
    {
      g_autoptr(GError) error = NULL;
      MtFence *fence = mt_fence_parse ((const char *) sqlite3_column_text (stmt, 1), &error);
      Fence *f;

      if (fence == NULL)
        {
          g_warning ("Fence %" G_GINT64_FORMAT " is not checked: %s", (gint64) sqlite3_column_int64 (stmt, 0), error->message);
          continue;
        }
      f = g_new0 (Fence, 1);
      f->fence = fence;
      f->on_entry = sqlite3_column_int (stmt, 2) != 0;
      g_hash_table_insert (fences, g_memdup2 (&(gint64) { sqlite3_column_int64 (stmt, 0) }, sizeof (gint64)), f);
    }
  if (stmt)
    sqlite3_reset (stmt);
  stmt = mt_db_prepare (self->db, NULL, "SELECT l.device_id, l.fence_id, s.lat, s.lng FROM geofence_devices l "
                                        "LEFT JOIN device_status s ON s.device_id = l.device_id WHERE l.deleted = 0 "
                                        "ORDER BY l.device_id", NULL);
  while (stmt && sqlite3_step (stmt) == SQLITE_ROW)
    {
      gint64 device_id = sqlite3_column_int64 (stmt, 0);
      FenceLink link = { sqlite3_column_int64 (stmt, 1), MT_GEO_UNKNOWN };
      GArray *old = self->fence_links ? g_hash_table_lookup (self->fence_links, &device_id) : NULL;
      GArray *list = g_hash_table_lookup (links, &device_id);
      Fence *fence = g_hash_table_lookup (fences, &link.fence_id);

      if (fence == NULL)
        continue;
      for (guint i = 0; old && i < old->len; i++)
        if (g_array_index (old, FenceLink, i).fence_id == link.fence_id)
          link.side = g_array_index (old, FenceLink, i).side;
      if (first && sqlite3_column_type (stmt, 2) != SQLITE_NULL)
        {
          MtGeoPoint p = { sqlite3_column_double (stmt, 2), sqlite3_column_double (stmt, 3) };
          link.side = mt_fence_side (fence->fence, MT_GEO_UNKNOWN, p);
        }
      if (list == NULL)
        {
          list = g_array_new (FALSE, FALSE, sizeof (FenceLink));
          g_hash_table_insert (links, g_memdup2 (&device_id, sizeof device_id), list);
        }
      g_array_append_val (list, link);
    }
  if (stmt)
    sqlite3_reset (stmt);
  g_clear_pointer (&self->fences, g_hash_table_unref);
  g_clear_pointer (&self->fence_links, g_hash_table_unref);
  self->fences = g_steal_pointer (&fences);
  self->fence_links = g_steal_pointer (&links);
  self->fences_loaded = TRUE;
}

void
mt_ingest_fences_changed (MtIngest *self)
{
  g_return_if_fail (MT_IS_INGEST (self));
  if (self->db != NULL)
    fences_load (self);
}

/* ------------------------------------------------------------------ commands */

static void
pending_free (Pending *p)
{
  if (p->timeout)
    g_source_remove (p->timeout);
  g_free (p->id);
  g_free (p->device_no);
  g_free (p);
}

static void
pending_finish (MtIngest        *self,
                const char      *id,
                MtCommandResult  result,
                const MtAck     *ack)
{
  Pending *p = g_hash_table_lookup (self->pending, id);
  MtCommandFunc func;
  gpointer data;

  if (p == NULL)
    {
      if (ack != NULL)
        g_debug ("An ack for %s came too late or was not asked for", id);
      return;
    }
  func = p->func;
  data = p->user_data;
  g_hash_table_remove (self->pending, id);
  if (func)
    func (result, ack, data);
}

static gboolean
command_timeout_cb (gpointer data)
{
  Pending *p = data;
  g_autofree char *id = g_strdup (p->id);

  p->timeout = 0;
  pending_finish (p->self, id, MT_COMMAND_NO_ANSWER, NULL);
  return G_SOURCE_REMOVE;
}

void
mt_ingest_send (MtIngest      *self,
                const char    *device_no,
                MtCommand     *command,
                guint          timeout_ms,
                MtCommandFunc  func,
                gpointer       user_data)
{
  MQTTAsync_message message = MQTTAsync_message_initializer;
  MQTTAsync_responseOptions options = MQTTAsync_responseOptions_initializer;
  g_autofree char *topic = NULL;
  g_autofree char *payload = NULL;
  Pending *p;

  g_snprintf (command->id, sizeof command->id, "c%" G_GINT64_FORMAT "-%u", g_get_real_time () / 1000,
              ++self->next_command);
  if (self->db == NULL || self->client == NULL || !g_atomic_int_get (&self->connected) ||
      !mt_device_no_is_valid (device_no))
    {
      if (func)
        func (MT_COMMAND_NOT_SENT, NULL, user_data);
      return;
    }
  topic = mt_topic_build (self->prefix, device_no, MT_TOPIC_CMD);
  payload = mt_command_to_json (command);
  message.payload = payload;
  message.payloadlen = (int) strlen (payload);
  message.qos = 1;
  options.onSuccess = sent_cb;
  options.onFailure = send_failed_cb;
  options.context = self;
  g_atomic_int_inc (&self->in_paho);
  if (MQTTAsync_sendMessage (self->client, topic, &message, &options) != MQTTASYNC_SUCCESS)
    {
      g_atomic_int_dec_and_test (&self->in_paho);
      if (func)
        func (MT_COMMAND_NOT_SENT, NULL, user_data);
      return;
    }
  self->stats.commands_sent++;
  p = g_new0 (Pending, 1);
  p->self = self;
  p->id = g_strdup (command->id);
  p->device_no = g_strdup (device_no);
  p->func = func;
  p->user_data = user_data;
  p->timeout = g_timeout_add (timeout_ms, command_timeout_cb, p);
  g_hash_table_insert (self->pending, p->id, p);
}

/* Sends waiting power-policy commands while paho holds fewer than POLICY_WINDOW; each tells the
 * device what its rental asks for when it is sent */
static void
policy_pump (MtIngest *self)
{
  char *device_no;

  while (g_atomic_int_get (&self->in_paho) < POLICY_WINDOW &&
         (device_no = g_queue_pop_head (&self->policy_queue)) != NULL)
    {
      Device *d = g_hash_table_lookup (self->devices, device_no);

      if (d != NULL)
        d->policy_queued = FALSE;
      if (d != NULL && d->id != 0)
        {
          MtCommand command = { .kind = MT_CMD_DISCHARGE, .on = d->discharge_allowed };

          mt_ingest_send (self, device_no, &command, 10000, NULL, NULL);
        }
      g_free (device_no);
    }
}

static void
policy_request (MtIngest   *self,
                Device     *d,
                const char *device_no,
                gint64      now)
{
  d->last_policy_cmd = now;
  if (!d->policy_queued)
    {
      d->policy_queued = TRUE;
      g_queue_push_tail (&self->policy_queue, g_strdup (device_no));
    }
  policy_pump (self);
}

/* The power policy: a device whose relay is not what its rental asks for is sent the command;
 * @reported is the relay's state, or MT_ABSENT when unknown (then only "off" is sent) */
static void
enforce_power (MtIngest *self,
               Device   *d,
               const char *device_no,
               int       reported,
               gint64    now)
{
  if (reported == MT_ABSENT && d->discharge_allowed)
    return;
  if (reported != MT_ABSENT && reported == d->discharge_allowed)
    return;
  if (now - d->last_policy_cmd < POLICY_RESEND_US)
    return;
  policy_request (self, d, device_no, now);
}

/* Reads the device again; tells it its discharge state when that changed, or @always */
static void
policy_reload (MtIngest   *self,
               const char *device_no,
               gboolean    always,
               gint64      now)
{
  Device *d = g_hash_table_lookup (self->devices, device_no);
  gboolean was = d ? d->discharge_allowed : TRUE;

  if (d == NULL && !always)
    return;   /* never reported here: its first message sets it right */
  if (d != NULL)
    d->loaded_at = 0;
  d = device_lookup (self, device_no, now);
  if (d->id == 0 || (!always && d->discharge_allowed == was))
    return;
  policy_request (self, d, device_no, now);
}

void
mt_ingest_device_changed (MtIngest *self,
                          gint64    device_id)
{
  g_autofree char *device_no = NULL;

  if (self->db == NULL)
    return;
  device_no = mt_db_query_text (self->db, "SELECT device_no FROM devices WHERE id = ?", "i", device_id);
  /* told at once, whatever the relay was last reported as */
  if (device_no != NULL)
    policy_reload (self, device_no, TRUE, g_get_real_time ());
}

gboolean
mt_command_authorize (MtDb           *db,
                      const MtActor  *actor,
                      gint64          device_id,
                      MtCommandKind   kind,
                      char          **device_no,
                      GError        **error)
{
  const char *action = kind == MT_CMD_READ_PARAMS ? "view" : kind == MT_CMD_WRITE_PARAMS ? "params" : "control";
  guint cap = kind == MT_CMD_WRITE_PARAMS ? MT_CAP_BMS_PARAMS : MT_CAP_BMS_CONTROL;
  sqlite3_stmt *stmt;
  gint64 operator_id = 0, store_id = 0;
  g_autofree char *no = NULL;

  /* the discharge relay is the remote power cut (远程断电): the store end holds it as devices:power */
  if (!(kind == MT_CMD_DISCHARGE && mt_actor_can (actor, "devices", "power")) &&
      !mt_actor_require (actor, "bms", action, error))
    return FALSE;
  if (kind != MT_CMD_READ_PARAMS && !(actor->caps & cap))
    {
      g_set_error (error, MT_ERROR, MT_ERROR_FORBIDDEN, "%s",
                   kind == MT_CMD_WRITE_PARAMS ? _("Your operator is not allowed to write BMS parameters")
                                               : _("Your operator is not allowed to control batteries"));
      return FALSE;
    }
  stmt = mt_db_prepare (db, error, "SELECT device_no, operator_id, coalesce (store_id, 0) FROM devices "
                                   "WHERE id = ? AND deleted = 0", "i", device_id);
  if (stmt && sqlite3_step (stmt) == SQLITE_ROW)
    {
      no = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
      operator_id = sqlite3_column_int64 (stmt, 1);
      store_id = sqlite3_column_int64 (stmt, 2);
    }
  if (stmt)
    sqlite3_reset (stmt);
  if (no == NULL)
    {
      g_set_error (error, MT_ERROR, MT_ERROR_NOT_FOUND, _("The device does not exist"));
      return FALSE;
    }
  if (!mt_actor_owns_row (db, actor, operator_id, store_id))
    {
      mt_set_forbidden (error);
      return FALSE;
    }
  if (device_no != NULL)
    *device_no = g_steal_pointer (&no);
  return TRUE;
}

void
mt_command_audit (MtDb            *db,
                  const MtActor   *actor,
                  gint64           device_id,
                  const MtCommand *command,
                  MtCommandResult  result,
                  const MtAck     *ack)
{
  g_autofree char *operation = g_strconcat ("command-", mt_command_name (command->kind), NULL);
  g_autofree char *detail = NULL;

  if (command->kind == MT_CMD_CHARGE || command->kind == MT_CMD_DISCHARGE)
    detail = g_strdup (command->on ? "on" : "off");
  else if (command->kind == MT_CMD_WRITE_PARAMS)
    {
      GString *text = g_string_new (NULL);
      for (guint k = 0; k < MT_N_PARAMS; k++)
        if (command->params.mask & (1u << k))
          g_string_append_printf (text, "%s%s=%d", text->len ? " " : "", mt_param_info (k)->key,
                                  command->params.values[k]);
      detail = g_string_free (text, FALSE);
    }
  if (ack && !ack->ok && ack->error[0])
    {
      char *with = g_strdup_printf ("%s%s%s", detail ? detail : "", detail ? "; " : "", ack->error);
      g_free (detail);
      detail = with;
    }
  mt_audit (db, actor, operation, "devices", device_id, mt_command_result_name (result), detail);
}

/* ------------------------------------------------------------------ writing */

typedef struct
{
  MtIngest *self;
  Device   *device;
  gint64    at;
  GArray   *alarms;   /* alarm ids opened */
  guint     raised;   /* alarms opened or counted again */
  guint     opened;   /* of those, opened now */
} RuleContext;

static void
raise_cb (const char *type,
          double      value,
          gpointer    data)
{
  RuleContext *c = data;
  gboolean opened = FALSE;
  g_autoptr(GError) error = NULL;
  gint64 id = mt_alarm_raise (c->self->db, c->device->id, type, value, c->at, &opened, &error);

  if (id != 0)
    c->raised++;
  if (id == 0)
    g_warning ("Alarm %s of device %" G_GINT64_FORMAT " not raised: %s", type, c->device->id, error->message);
  else if (opened)
    {
      c->opened++;
      c->self->stats.alarms_opened++;
      g_array_append_val (c->alarms, id);
    }
}

/* Each of the device's fences: crossing to the alarm's side (with the hysteresis margin, so a
 * battery on the border does not flap) opens the geofence alarm or counts it again. The side
 * of a fence just assigned is not known yet: a first fix already on the alarm's side raises it. */
static void
fences_check (MtIngest          *self,
              Device            *d,
              const MtTelemetry *t,
              RuleContext       *context)
{
  GArray *links = self->fence_links ? g_hash_table_lookup (self->fence_links, &d->id) : NULL;
  MtGeoPoint p = { t->lat, t->lng };

  for (guint i = 0; links && i < links->len; i++)
    {
      FenceLink *link = &g_array_index (links, FenceLink, i);
      Fence *fence = g_hash_table_lookup (self->fences, &link->fence_id);
      MtGeoSide side, alarm_side;
      double distance;

      if (fence == NULL)
        continue;
      distance = mt_fence_signed_distance (fence->fence, p);
      side = mt_geo_side_update (link->side, distance, MT_FENCE_MARGIN_M);
      alarm_side = fence->on_entry ? MT_GEO_INSIDE : MT_GEO_OUTSIDE;
      if (side != link->side && side == alarm_side)
        raise_cb ("geofence", round (fabs (distance)), context);
      link->side = side;
    }
}

static void
store_telemetry (MtIngest *self,
                 Msg      *m,
                 Device   *d,
                 GArray   *alarms)
{
  const MtTelemetry *t = &m->u.telemetry;
  g_autofree char *payload = NULL;
  RuleContext context = { self, d, m->received, alarms, 0, 0 };
  gboolean snapshot;

  if (d->has_seq && t->seq == d->last_seq)
    {
      self->stats.repeats++;
      return;
    }
  /* older than the latest by its sequence number and by its clock (a device that restarted
   * counts from 0 again, with a newer clock): history, never the latest state */
  if (d->has_seq && d->latest != NULL && (gint32) (t->seq - d->last_seq) < 0 && t->ts_ms <= d->latest->ts_ms)
    {
      self->stats.stale++;
      return;
    }
  d->has_seq = TRUE;
  d->last_seq = t->seq;
  if (d->latest == NULL)
    d->latest = g_new (MtTelemetry, 1);
  *d->latest = *t;
  d->latest_at = m->received;
  d->online = TRUE;
  d->last_seen = m->received;
  d->offline_alarmed = FALSE;
  mt_alarm_rules_check (t, &d->limits, raise_cb, &context);
  if (t->has_pos)
    fences_check (self, d, t, &context);
  /* the whole message only with a snapshot: every interval, and with every message that raises
   * or repeats an alarm (the alarm's curve shows the reading itself). Written at every message,
   * the large row would cost most of the ingest's disk writes at 100,000 devices. */
  snapshot = m->received - d->last_snapshot >= d->snapshot_us ||
             context.opened > 0 || (context.raised > 0 && m->received - d->last_alarm_snapshot >= ALARM_SNAPSHOT_US);
  if (snapshot)
    {
      payload = mt_telemetry_to_json (t);
      d->last_snapshot = m->received;
      if (context.raised > 0)
        d->last_alarm_snapshot = m->received;
      mt_db_run (self->db, NULL, "INSERT OR IGNORE INTO bms_snapshots (device_id, at, soc, pack_mv, current_ma, payload) "
                                 "VALUES (?, ?, ?, ?, ?, ?)", "iiiiit", d->id, m->received, (gint64) t->soc,
                 (gint64) t->pack_mv, (gint64) t->current_ma, payload);
    }
  mt_db_run (self->db, NULL,
             "INSERT INTO device_status (device_id, online, pack_mv, soc, lat, lng, last_seen, current_ma, "
             "discharge_on, seq, payload) VALUES (?1, 1, ?2, ?3, CASE WHEN ?4 THEN ?5 END, CASE WHEN ?4 THEN ?6 END, "
             "?7, ?8, CASE WHEN ?9 >= 0 THEN ?9 END, ?10, ?11) ON CONFLICT (device_id) DO UPDATE SET online = 1, "
             "pack_mv = excluded.pack_mv, soc = excluded.soc, lat = coalesce (excluded.lat, lat), "
             "lng = coalesce (excluded.lng, lng), last_seen = excluded.last_seen, current_ma = excluded.current_ma, "
             "discharge_on = coalesce (excluded.discharge_on, discharge_on), seq = excluded.seq, "
             "payload = coalesce (excluded.payload, payload)",
             "iiibddiiiit", d->id, (gint64) t->pack_mv, (gint64) t->soc, t->has_pos, t->lat, t->lng, m->received,
             (gint64) t->current_ma, (gint64) (t->discharge_on == MT_ABSENT ? -1 : t->discharge_on),
             (gint64) t->seq, payload);
  if (t->has_pos)
    mt_db_run (self->db, NULL, "INSERT OR IGNORE INTO track_points (device_id, at, lat, lng, speed_kmh, soc) "
                               "VALUES (?1, ?2, ?3, ?4, CASE WHEN ?5 >= 0 THEN ?5 END, ?6)", "iidddi",
               d->id, m->received, t->lat, t->lng, t->speed_kmh, (gint64) t->soc);
  self->stats.stored++;
}

static void
store_status (MtIngest *self,
              Msg      *m,
              Device   *d)
{
  mt_db_run (self->db, NULL, "INSERT INTO device_status (device_id, online, last_seen) VALUES (?1, ?2, ?3) "
                             "ON CONFLICT (device_id) DO UPDATE SET online = excluded.online, "
                             "last_seen = CASE WHEN excluded.online THEN excluded.last_seen ELSE last_seen END",
             "ibi", d->id, m->u.online, m->received);
  d->online = m->u.online;
  if (m->u.online)
    {
      d->last_seen = m->received;
      d->offline_alarmed = FALSE;
      d->last_policy_cmd = 0;   /* back online: its relay is checked (and set) again at once */
    }
}

static void
handle (MtIngest *self,
        Msg      *m,
        GArray   *alarms,
        GPtrArray *live)
{
  Device *d;

  if (m->kind == MT_TOPIC_ACK)
    {
      self->stats.acks++;
      pending_finish (self, m->u.ack.id, m->u.ack.ok ? MT_COMMAND_DONE : MT_COMMAND_REFUSED, &m->u.ack);
      return;
    }
  if (self->db == NULL)
    {
      g_ptr_array_add (live, m);   /* an observer: passed on as it came */
      return;
    }
  d = device_lookup (self, m->device_no, m->received);
  if (d->id == 0)
    {
      self->stats.unknown_device++;
      g_debug ("Dropped a message of the unknown device %s", m->device_no);
      return;
    }
  /* prepared once, as every statement of a message: compiling it again costs more than running it */
  mt_db_run (self->db, NULL, "SAVEPOINT message", NULL);
  switch (m->kind)
    {
    case MT_TOPIC_TELEMETRY:
      store_telemetry (self, m, d, alarms);
      enforce_power (self, d, m->device_no, m->u.telemetry.discharge_on, m->received);
      g_ptr_array_add (live, m);
      break;
    case MT_TOPIC_EVENT:
      {
        const char *type = mt_event_alarm_type (&m->u.event);
        RuleContext context = { self, d, m->received, alarms, 0, 0 };

        self->stats.events++;
        if (type != NULL)
          raise_cb (type, m->u.event.has_value ? m->u.event.value : 0, &context);
        break;
      }
    case MT_TOPIC_STATUS:
      store_status (self, m, d);
      if (m->u.online)
        enforce_power (self, d, m->device_no, MT_ABSENT, m->received);
      break;
    default:
      break;
    }
  mt_db_run (self->db, NULL, "RELEASE message", NULL);
}

/* The messages waiting on paho's side taken over once the batch in hand is done (the batch's
 * messages stay where they are until the next drain) */
static void
batch_refill (MtIngest *self)
{
  GArray *spare;

  if (self->batch_next < self->batch->len)
    return;
  g_array_set_size (self->batch, 0);
  self->batch_next = 0;
  g_mutex_lock (&self->lock);
  spare = self->incoming;
  self->incoming = self->batch;
  self->batch = spare;
  g_mutex_unlock (&self->lock);
}

static gboolean
messages_wait (MtIngest *self)
{
  gboolean waiting;

  g_mutex_lock (&self->lock);
  waiting = self->incoming->len > 0;
  g_mutex_unlock (&self->lock);
  return waiting || self->batch_next < self->batch->len;
}

static gboolean
drain (MtIngest *self)
{
  g_autoptr(GArray) alarms = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GPtrArray) live = g_ptr_array_new ();
  gboolean in_transaction = FALSE;
  gint64 deadline = self->interactive ? g_get_monotonic_time () + INTERACTIVE_SLICE_US : G_MAXINT64;
  guint done = 0;

  /* a handler of the signals below draining again would move the batch under them */
  if (self->draining)
    return FALSE;
  self->draining = TRUE;
  batch_refill (self);
  while (done < BATCH_MAX && self->batch_next < self->batch->len)
    {
      Msg *m = &g_array_index (self->batch, Msg, self->batch_next++);

      if (!in_transaction && self->db != NULL)
        in_transaction = mt_db_begin (self->db, NULL);
      handle (self, m, alarms, live);
      done++;
      if (done % 32 == 0 && g_get_monotonic_time () >= deadline)
        break;   /* the rest in the next slice, after the window had its turn */
    }
  if (in_transaction)
    {
      g_autoptr(GError) error = NULL;
      if (!mt_db_commit (self->db, &error))
        g_warning ("Telemetry batch not written: %s", error->message);
    }
  /* from the device's clock at publishing to the commit (or, observing, to the signal) */
  {
    gint64 now_ms = g_get_real_time () / 1000;

    for (guint i = 0; i < live->len; i++)
      {
        Msg *l = live->pdata[i];
        float ms = (float) (now_ms - l->u.telemetry.ts_ms);

        if (self->latencies->len < LATENCY_SAMPLES)
          g_array_append_val (self->latencies, ms);
        else
          g_array_index (self->latencies, float, self->latency_next++ % LATENCY_SAMPLES) = ms;
      }
  }
  if (done > 0)
    self->stats.batches++;
  policy_pump (self);
  for (guint i = 0; i < live->len; i++)
    {
      Msg *l = live->pdata[i];
      g_signal_emit (self, signals[SIGNAL_TELEMETRY], 0, l->device_no, &l->u.telemetry);
    }
  for (guint i = 0; i < alarms->len; i++)
    g_signal_emit (self, signals[SIGNAL_ALARM], 0, g_array_index (alarms, gint64, i));
  self->draining = FALSE;
  return messages_wait (self);
}

static gboolean
wake_dispatch_cb (gpointer data)
{
  MtIngest *self = data;
  gboolean connected = g_atomic_int_get (&self->connected) != 0;

  g_source_set_ready_time (self->wake, -1);
  if (drain (self))
    g_source_set_ready_time (self->wake, 0);
  if (connected != self->was_connected)
    {
      self->was_connected = connected;
      g_signal_emit (self, signals[SIGNAL_CONNECTION], 0);
    }
  return G_SOURCE_CONTINUE;
}

void
mt_ingest_flush (MtIngest *self)
{
  while (drain (self))
    ;
}

/* ------------------------------------------------------------------ sweeps */

void
mt_ingest_sweep (MtIngest *self,
                 gint64    now)
{
  g_autoptr(GArray) offline = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) silenced = g_array_new (FALSE, FALSE, sizeof (gint64));
  const OperatorSettings *root;
  gint64 root_id, journal_end;
  sqlite3_stmt *stmt;

  if (self->db == NULL)
    return;
  /* devices changed since the last sweep (rented, returned, power-cut set: by this process, the
   * server or anyone): read again, and told when their discharge must change */
  /* up to the journal's end as it is now: what another process writes meanwhile is the next
   * sweep's, not skipped. "+tbl": by the sequence range, not through every entry of the two
   * tables (a million orders' worth: 150 ms a sweep) */
  journal_end = mt_db_query_int (self->db, 0, "SELECT coalesce (max (seq), 0) FROM change_log", NULL);
  if (self->journal_seq != 0 && journal_end > self->journal_seq)
    {
      g_autoptr(GPtrArray) changed = g_ptr_array_new_with_free_func (g_free);

      stmt = mt_db_prepare (self->db, NULL,
                            "SELECT DISTINCT d.device_no FROM change_log c LEFT JOIN orders r ON c.tbl = 'orders' "
                            "AND r.id = c.row_id JOIN devices d ON d.id = CASE c.tbl WHEN 'devices' THEN c.row_id "
                            "ELSE r.device_id END WHERE c.seq > ? AND c.seq <= ? AND +c.tbl IN ('devices', 'orders')",
                            "ii", self->journal_seq, journal_end);
      while (stmt && sqlite3_step (stmt) == SQLITE_ROW)
        g_ptr_array_add (changed, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
      if (stmt)
        sqlite3_reset (stmt);
      for (guint i = 0; i < changed->len; i++)
        policy_reload (self, changed->pdata[i], FALSE, now);
      if (mt_db_query_int (self->db, 0, "SELECT EXISTS (SELECT 1 FROM change_log c WHERE c.seq > ? AND c.seq <= ? "
                                        "AND +c.tbl IN ('geofences', 'geofence_devices'))",
                           "ii", self->journal_seq, journal_end))
        fences_load (self);
    }
  self->journal_seq = journal_end;
  root_id = mt_db_query_int (self->db, 1, "SELECT id FROM operators WHERE parent_id IS NULL ORDER BY id LIMIT 1", NULL);
  root = operator_settings (self, root_id, now);
  if (!self->status_loaded)
    status_load (self);
  /* silent too long: offline; offline too long: one alarm for the silence, not one per sweep.
   * From the link's own copy of the status rows: scanning the table took a third of a second
   * at 100,000 devices, on the thread that draws the console. At most 2,000 marked offline and
   * 200 alarms a sweep: after a long outage the rest follow sweep by sweep. */
  {
    gint64 silent = now - (gint64) root->offline_minutes * 60 * G_USEC_PER_SEC;
    gint64 alarm_before = now - (gint64) root->offline_alarm_hours * 3600 * G_USEC_PER_SEC;
    GHashTableIter iter;
    Device *d;

    g_hash_table_iter_init (&iter, self->devices);
    while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &d))
      {
        if (d->id == 0 || d->last_seen == 0)
          continue;
        if (d->online && d->last_seen < silent && silenced->len < 2000)
          {
            d->online = FALSE;
            g_array_append_val (silenced, d->id);
          }
        if (!d->online && !d->offline_alarmed && d->last_seen < alarm_before && offline->len < 200)
          {
            d->offline_alarmed = TRUE;
            g_array_append_val (offline, d->id);
          }
      }
  }
  if (!mt_db_begin (self->db, NULL))
    return;
  for (guint i = 0; i < silenced->len; i++)
    mt_db_run (self->db, NULL, "UPDATE device_status SET online = 0 WHERE device_id = ?", "i",
               g_array_index (silenced, gint64, i));
  for (guint i = 0; i < offline->len; i++)
    {
      gboolean opened = FALSE;
      gint64 alarm = mt_alarm_raise (self->db, g_array_index (offline, gint64, i), "offline", 0, now, &opened, NULL);

      if (opened)
        {
          self->stats.alarms_opened++;
          g_signal_emit (self, signals[SIGNAL_ALARM], 0, alarm);
        }
    }
  /* history past the retention, a slice of the fleet a sweep (500 devices: the whole fleet of
   * 100,000 in under two hours), through the tables' own (device, time) keys: an index on time
   * alone would cost every telemetry message another page write */
  {
    gint64 cutoff = now - (gint64) root->retention_days * 86400 * G_USEC_PER_SEC;
    gint64 last = mt_db_query_int (self->db, 0, "SELECT coalesce (max (id), 0) FROM (SELECT id FROM devices WHERE id > ? "
                                                "ORDER BY id LIMIT 500)", "i", self->prune_cursor);

    if (last == 0)
      self->prune_cursor = 0;   /* round the fleet again next time */
    else
      {
        int gone;

        /* at most 2,000 rows of each a sweep; the slice is done when fewer were left */
        mt_db_run (self->db, NULL, "DELETE FROM track_points WHERE (device_id, at) IN (SELECT device_id, at FROM "
                                   "track_points WHERE device_id > ? AND device_id <= ? AND at < ? LIMIT 2000)", "iii",
                   self->prune_cursor, last, cutoff);
        gone = mt_db_changes (self->db);
        mt_db_run (self->db, NULL, "DELETE FROM bms_snapshots WHERE (device_id, at) IN (SELECT device_id, at FROM "
                                   "bms_snapshots WHERE device_id > ? AND device_id <= ? AND at < ? LIMIT 2000)", "iii",
                   self->prune_cursor, last, cutoff);
        if (gone < 2000 && mt_db_changes (self->db) < 2000)
          self->prune_cursor = last;
      }
  }
  mt_db_commit (self->db, NULL);
}

static gboolean
sweep_cb (gpointer data)
{
  gint64 started = g_get_monotonic_time ();

  mt_ingest_sweep (data, g_get_real_time ());
  g_debug ("Telemetry sweep: %.1f ms", (g_get_monotonic_time () - started) / 1000.0);
  return G_SOURCE_CONTINUE;
}

/* ------------------------------------------------------------------ life */

static gboolean
connect_now (MtIngest  *self,
             GError   **error)
{
  MQTTAsync_connectOptions options = MQTTAsync_connectOptions_initializer;
  MQTTAsync_SSLOptions ssl = MQTTAsync_SSLOptions_initializer;
  int rc;

  options.keepAliveInterval = 20;
  options.cleansession = 1;
  options.automaticReconnect = 1;
  options.minRetryInterval = 1;
  options.maxRetryInterval = 30;
  options.username = self->username;
  options.password = self->password;
  options.onFailure = connect_failed_cb;
  options.context = self;
  if (g_str_has_prefix (self->uri, "ssl://") || g_str_has_prefix (self->uri, "mqtts://"))
    {
      ssl.trustStore = self->ca_file;
      ssl.enableServerCertAuth = 1;
      ssl.verify = 1;   /* and the certificate names the host we asked for */
      options.ssl = &ssl;
    }
  rc = MQTTAsync_connect (self->client, &options);
  if (rc != MQTTASYNC_SUCCESS)
    {
      g_set_error (error, MT_ERROR, MT_ERROR_OFFLINE, _("Cannot connect to the broker %s (%s)"), self->uri,
                   MQTTAsync_strerror (rc));
      return FALSE;
    }
  return TRUE;
}

gboolean
mt_ingest_start (MtIngest  *self,
                 GError   **error)
{
  MQTTAsync_createOptions create = MQTTAsync_createOptions_initializer;
  int rc;

  g_return_val_if_fail (self->client == NULL, FALSE);

  create.sendWhileDisconnected = 0;
  /* paho refuses a message while this many wait in it (100 by default): the policy's window
   * and room beside it for the technicians' commands */
  create.maxBufferedMessages = POLICY_WINDOW * 4;
  rc = MQTTAsync_createWithOptions (&self->client, self->uri, self->client_id, MQTTCLIENT_PERSISTENCE_NONE, NULL,
                                    &create);
  if (rc != MQTTASYNC_SUCCESS)
    {
      self->client = NULL;
      g_set_error (error, MT_ERROR, MT_ERROR_INVALID, _("“%s” is not a broker address (%s)"), self->uri,
                   MQTTAsync_strerror (rc));
      return FALSE;
    }
  self->closing = FALSE;
  self->context = g_main_context_ref_thread_default ();
  self->wake = mt_wake_source_new (wake_dispatch_cb, self, self->context);
  if (self->interactive)
    g_source_set_priority (self->wake, G_PRIORITY_DEFAULT_IDLE);   /* below input and redraws */
  if (self->db != NULL)
    {
      GSource *sweep = g_timeout_source_new_seconds (self->sweep_seconds);

      devices_preload (self);
      status_load (self);
      fences_load (self);
      self->journal_seq = mt_db_query_int (self->db, 0, "SELECT coalesce (max (seq), 0) FROM change_log", NULL);

      g_source_set_callback (sweep, sweep_cb, self, NULL);
      self->sweep = g_source_attach (sweep, self->context);
      g_source_unref (sweep);
    }
  MQTTAsync_setCallbacks (self->client, self, connection_lost_cb, message_arrived_cb, NULL);
  MQTTAsync_setConnected (self->client, self, connected_cb);
  return connect_now (self, error);
}

void
mt_ingest_stop (MtIngest *self)
{
  MQTTAsync client;

  if (self->client == NULL)
    return;
  g_mutex_lock (&self->lock);
  self->closing = TRUE;
  client = self->client;
  self->client = NULL;
  g_mutex_unlock (&self->lock);
  if (MQTTAsync_isConnected (client))
    {
      MQTTAsync_disconnectOptions options = MQTTAsync_disconnectOptions_initializer;
      options.timeout = 500;
      MQTTAsync_disconnect (client, &options);
    }
  MQTTAsync_destroy (&client);
  g_atomic_int_set (&self->connected, 0);
  if (self->retry)
    g_source_remove (self->retry);
  self->retry = 0;
  if (self->sweep)
    g_source_remove (self->sweep);
  self->sweep = 0;
  if (self->wake)
    {
      g_source_destroy (self->wake);
      g_clear_pointer (&self->wake, g_source_unref);
    }
  mt_ingest_flush (self);
  /* commands still waiting will get no answer now */
  while (g_hash_table_size (self->pending) > 0)
    {
      GHashTableIter iter;
      gpointer key;

      g_hash_table_iter_init (&iter, self->pending);
      g_hash_table_iter_next (&iter, &key, NULL);
      {
        g_autofree char *id = g_strdup (key);
        pending_finish (self, id, MT_COMMAND_NO_ANSWER, NULL);
      }
    }
  g_queue_clear_full (&self->policy_queue, g_free);
  g_clear_pointer (&self->context, g_main_context_unref);
}

gboolean
mt_ingest_get_latest (MtIngest    *self,
                      const char  *device_no,
                      MtTelemetry *telemetry,
                      gint64      *received)
{
  Device *d;

  g_return_val_if_fail (MT_IS_INGEST (self), FALSE);
  d = g_hash_table_lookup (self->devices, device_no);
  if (d == NULL || d->latest == NULL)
    return FALSE;
  *telemetry = *d->latest;
  *received = d->latest_at;
  return TRUE;
}

void
mt_ingest_set_interactive (MtIngest *self,
                           gboolean  interactive)
{
  g_return_if_fail (MT_IS_INGEST (self));
  self->interactive = interactive;
  if (self->wake != NULL)
    g_source_set_priority (self->wake, interactive ? G_PRIORITY_DEFAULT_IDLE : G_PRIORITY_DEFAULT);
}

gboolean
mt_ingest_is_connected (MtIngest *self)
{
  return g_atomic_int_get (&self->connected) != 0;
}

static int
compare_floats (gconstpointer a,
                gconstpointer b)
{
  float x = *(const float *) a, y = *(const float *) b;

  return x < y ? -1 : x > y;
}

void
mt_ingest_get_stats (MtIngest      *self,
                     MtIngestStats *stats)
{
  *stats = self->stats;
  stats->received = (guint) g_atomic_int_get (&self->received);
  stats->retained = (guint) g_atomic_int_get (&self->retained);
  stats->unknown_cached = g_hash_table_size (self->unknown);
  stats->latency_samples = self->latencies->len;
  stats->latency_p50_ms = stats->latency_p99_ms = 0;
  if (self->latencies->len > 0)
    {
      g_autoptr(GArray) sorted = g_array_copy (self->latencies);

      g_array_sort (sorted, compare_floats);
      stats->latency_p50_ms = g_array_index (sorted, float, sorted->len / 2);
      stats->latency_p99_ms = g_array_index (sorted, float, MIN (sorted->len - 1, sorted->len * 99 / 100));
    }
  for (guint k = 0; k < MT_CODEC_N_ERRORS; k++)
    stats->dropped[k] = (guint) g_atomic_int_get (&self->dropped[k]);
}

static void
mt_ingest_dispose (GObject *object)
{
  mt_ingest_stop (MT_INGEST (object));
  G_OBJECT_CLASS (mt_ingest_parent_class)->dispose (object);
}

static void
mt_ingest_finalize (GObject *object)
{
  MtIngest *self = MT_INGEST (object);

  g_array_unref (self->incoming);
  g_array_unref (self->batch);
  g_array_unref (self->latencies);
  g_hash_table_unref (self->pending);
  g_queue_clear_full (&self->policy_queue, g_free);
  g_hash_table_unref (self->devices);
  g_hash_table_unref (self->unknown);
  g_hash_table_unref (self->operators);
  g_clear_pointer (&self->fences, g_hash_table_unref);
  g_clear_pointer (&self->fence_links, g_hash_table_unref);
  g_mutex_clear (&self->lock);
  g_free (self->uri);
  g_free (self->username);
  g_free (self->password);
  g_free (self->prefix);
  g_free (self->client_id);
  g_free (self->ca_file);
  G_OBJECT_CLASS (mt_ingest_parent_class)->finalize (object);
}

static void
mt_ingest_class_init (MtIngestClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = mt_ingest_dispose;
  object_class->finalize = mt_ingest_finalize;

  /* A telemetry message was stored (or, observing, received): device number, MtTelemetry* */
  signals[SIGNAL_TELEMETRY] = g_signal_new ("telemetry", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                            NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_POINTER);
  /* An alarm was opened: its id */
  signals[SIGNAL_ALARM] = g_signal_new ("alarm", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                                        NULL, G_TYPE_NONE, 1, G_TYPE_INT64);
  signals[SIGNAL_CONNECTION] = g_signal_new ("connection-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                             0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
mt_ingest_init (MtIngest *self)
{
  g_mutex_init (&self->lock);
  self->incoming = g_array_sized_new (FALSE, FALSE, sizeof (Msg), 1024);
  self->batch = g_array_sized_new (FALSE, FALSE, sizeof (Msg), 1024);
  self->latencies = g_array_new (FALSE, FALSE, sizeof (float));
  self->devices = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) device_free);
  self->unknown = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->operators = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
  self->pending = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) pending_free);
}

MtIngest *
mt_ingest_new (MtDb                 *db,
               const MtBrokerConfig *config)
{
  MtIngest *self = g_object_new (MT_TYPE_INGEST, NULL);

  self->db = db;
  self->uri = g_strdup (config->uri);
  self->username = g_strdup (config->username);
  self->password = g_strdup (config->password);
  self->prefix = g_strdup (config->prefix ? config->prefix : "mt/v1");
  self->client_id = config->client_id ? g_strdup (config->client_id)
                                      : g_strdup_printf ("mingtang-%d-%u", (int) getpid (), g_random_int ());
  self->ca_file = g_strdup (config->ca_file);
  self->sweep_seconds = config->sweep_seconds > 0 ? config->sweep_seconds : SWEEP_SECONDS;
  return self;
}
