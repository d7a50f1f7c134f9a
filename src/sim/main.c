/* SPDX-License-Identifier: GPL-3.0-or-later */
/* mingtang-sim: a fleet of simulated batteries speaking the protocol of docs/protocol.md.
 *
 *   mingtang-sim --broker tcp://127.0.0.1:1883 --devices 1000 --interval 30
 *   mingtang-sim --database mingtang.db --fault 2306000001:cell_ov
 *
 * While it runs, lines on standard input change the fleet: "fault NO KIND", "clear NO KIND",
 * "rent NO", "return NO". */

#include "config.h"

#include <MQTTAsync.h>
#include <glib/gi18n.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "mt-error.h"
#include "mt-wake.h"
#include "mt-sim.h"

typedef struct Sim Sim;

/* One MQTT connection: the whole fleet's (a gateway) or one device's */
typedef struct
{
  Sim         *sim;
  MQTTAsync    client;
  MtSimDevice *device;     /* NULL for the gateway */
  gint         connected;
} Link;

typedef struct
{
  char      device_no[MT_DEVICE_NO_MAX + 1];
  MtCommand command;
} Incoming;

struct Sim
{
  MtSimFleet  *fleet;
  char        *prefix;
  GPtrArray   *links;
  GAsyncQueue *incoming;
  GSource     *wake;
  GMainLoop   *loop;
  double       speedup;
  guint64      count;        /* firehose: messages to send, 0 = run on */
  double       rate;         /* firehose: at most this many a second, 0 = as fast as possible */
  guint64      published;
  guint64      acks;
  guint64      refused;
  gint64       started;
  gboolean     per_device;
};

static Link *
link_for (Sim         *sim,
          MtSimDevice *device)
{
  if (!sim->per_device)   /* gateways: a device always speaks through the same one */
    return sim->links->pdata[g_str_hash (device->no) % sim->links->len];
  for (guint i = 0; i < sim->links->len; i++)
    if (((Link *) sim->links->pdata[i])->device == device)
      return sim->links->pdata[i];
  return NULL;
}

static gboolean
publish (Sim         *sim,
         MtSimDevice *device,
         MtTopicKind  kind,
         const char  *payload,
         int          qos,
         gboolean     retained)
{
  Link *link = link_for (sim, device);
  MQTTAsync_message message = MQTTAsync_message_initializer;
  g_autofree char *topic = mt_topic_build (sim->prefix, device->no, kind);

  if (link == NULL || !g_atomic_int_get (&link->connected))
    return FALSE;
  message.payload = (void *) payload;
  message.payloadlen = (int) strlen (payload);
  message.qos = qos;
  message.retained = retained;
  if (MQTTAsync_sendMessage (link->client, topic, &message, NULL) != MQTTASYNC_SUCCESS)
    {
      sim->refused++;
      return FALSE;
    }
  return TRUE;
}

static gboolean
publish_status (Sim         *sim,
                MtSimDevice *device,
                gboolean     online)
{
  g_autofree char *payload = mt_status_to_json (online, g_get_real_time () / 1000);

  return publish (sim, device, MT_TOPIC_STATUS, payload, 1, TRUE);
}

static gboolean
publish_telemetry (Sim         *sim,
                   MtSimDevice *device,
                   gint64       now)
{
  MtTelemetry t;
  g_autofree char *payload = NULL;

  if (device->announce && !(device->faults & MT_FAULT_OFFLINE) && publish_status (sim, device, TRUE))
    device->announce = FALSE;
  mt_sim_device_telemetry (device, now, &t);
  payload = mt_telemetry_to_json (&t);
  if (!publish (sim, device, MT_TOPIC_TELEMETRY, payload, 0, FALSE))
    {
      device->seq--;   /* not sent: the next one takes its number */
      return FALSE;
    }
  sim->published++;
  if (device->faults & MT_FAULT_VIBRATION)
    {
      MtEvent e = { .seq = device->seq, .ts_ms = now / 1000, .kind = MT_EVENT_VIBRATION };
      g_autofree char *event = mt_event_to_json (&e);
      publish (sim, device, MT_TOPIC_EVENT, event, 1, FALSE);
    }
  return TRUE;
}

/* ------------------------------------------------------------------ commands (paho's thread) */

static int
message_cb (void              *context,
            char              *topic,
            int                topic_len,
            MQTTAsync_message *message)
{
  Link *link = context;
  Incoming *in = g_new0 (Incoming, 1);
  MtTopicKind kind;
  g_autoptr(GError) error = NULL;

  MtSimDevice *device = NULL;

  if (mt_topic_parse (link->sim->prefix, topic, in->device_no, &kind, &error) && kind == MT_TOPIC_CMD &&
      (device = mt_sim_fleet_lookup (link->sim->fleet, in->device_no)) != NULL &&
      link_for (link->sim, device) != link)
    {
      /* every gateway hears every command: the device's own gateway answers it */
      g_free (in);
    }
  else if (device != NULL && mt_command_parse (message->payload, message->payloadlen, &in->command, &error))
    {
      g_async_queue_push (link->sim->incoming, in);
      g_source_set_ready_time (link->sim->wake, 0);
    }
  else
    {
      if (error != NULL)
        g_printerr ("mingtang-sim: a command refused: %s\n", error->message);
      g_free (in);   /* or for a battery this fleet does not have */
    }
  MQTTAsync_freeMessage (&message);
  MQTTAsync_free (topic);
  return 1;
}

static void
connected_cb (void *context,
              char *cause)
{
  Link *link = context;
  g_autofree char *topic = link->device ? mt_topic_build (link->sim->prefix, link->device->no, MT_TOPIC_CMD)
                                        : mt_topic_filter (link->sim->prefix, MT_TOPIC_CMD);

  MQTTAsync_subscribe (link->client, topic, 1, NULL);
  g_atomic_int_set (&link->connected, 1);
  g_source_set_ready_time (link->sim->wake, 0);   /* devices announce themselves online */
}

static void
lost_cb (void *context,
         char *cause)
{
  g_atomic_int_set (&((Link *) context)->connected, 0);
}

typedef struct
{
  Sim         *sim;
  MtSimDevice *device;
} Restart;

static gboolean
restart_done_cb (gpointer data)
{
  Restart *r = data;

  publish_status (r->sim, r->device, TRUE);
  g_free (r);
  return G_SOURCE_REMOVE;
}

static void
obey (Sim      *sim,
      Incoming *in)
{
  MtSimDevice *device = mt_sim_fleet_lookup (sim->fleet, in->device_no);
  g_autofree char *payload = NULL;
  gboolean restart = FALSE;
  MtAck ack;

  if (device == NULL || (device->faults & MT_FAULT_OFFLINE) || g_get_real_time () < device->offline_until)
    return;   /* no such battery here, or it is not listening */
  mt_sim_device_command (device, &in->command, &ack, &restart);
  payload = mt_ack_to_json (&ack);
  if (publish (sim, device, MT_TOPIC_ACK, payload, 1, FALSE))
    sim->acks++;
  if (restart)
    {
      Restart *r = g_new (Restart, 1);

      /* off the air for three seconds: offline, then back */
      publish_status (sim, device, FALSE);
      device->offline_until = g_get_real_time () + 3 * G_USEC_PER_SEC;
      r->sim = sim;
      r->device = device;
      g_timeout_add_seconds (3, restart_done_cb, r);
    }
}

/* ------------------------------------------------------------------ the clock */

static gboolean
wake_cb (gpointer data)
{
  Sim *sim = data;
  Incoming *in;

  g_source_set_ready_time (sim->wake, -1);
  while ((in = g_async_queue_try_pop (sim->incoming)) != NULL)
    {
      obey (sim, in);
      g_free (in);
    }
  /* devices that just got their connection say they are online */
  for (guint i = 0; i < sim->links->len; i++)
    {
      Link *link = sim->links->pdata[i];

      if (g_atomic_int_get (&link->connected) == 1)
        {
          g_atomic_int_set (&link->connected, 2);
          if (link->device)
            publish_status (sim, link->device, !(link->device->faults & MT_FAULT_OFFLINE));
          else
            for (guint k = 0; k < sim->fleet->devices->len; k++)
              {
                MtSimDevice *d = sim->fleet->devices->pdata[k];
                /* a gateway's batteries announce themselves with their next reports, spread over
                 * the interval like them: 100,000 at once would stall the clock */
                if (link_for (sim, d) == link)
                  d->announce = TRUE;
              }
        }
    }
  return G_SOURCE_CONTINUE;
}

/* Every 100 ms: each device due reports (a steady fleet), or the firehose sends its share */
static gboolean
tick_cb (gpointer data)
{
  Sim *sim = data;
  gint64 now = g_get_real_time ();
  GPtrArray *devices = sim->fleet->devices;

  if (sim->count > 0)
    {
      double elapsed = (now - sim->started) / (double) G_USEC_PER_SEC;
      guint64 due = sim->rate > 0 ? (guint64) (elapsed * sim->rate) : sim->published + 5000;

      due = MIN (due, sim->count);
      while (sim->published < due)
        {
          MtSimDevice *d = devices->pdata[sim->published % devices->len];
          if (!publish_telemetry (sim, d, now))
            break;
        }
      if (sim->published >= sim->count)
        {
          g_main_loop_quit (sim->loop);
          return G_SOURCE_REMOVE;
        }
      return G_SOURCE_CONTINUE;
    }
  /* a device moves on when it reports, over the time since it last did: a big fleet costs its
   * message rate, not its size */
  for (guint i = 0; i < devices->len; i++)
    {
      MtSimDevice *d = devices->pdata[i];

      if (now < d->next_publish || (d->faults & MT_FAULT_OFFLINE) || now < d->offline_until)
        continue;
      mt_sim_device_step (sim->fleet, d, d->last_step ? (now - d->last_step) / (double) G_USEC_PER_SEC * sim->speedup : 0,
                          now);
      d->last_step = now;
      d->next_publish = now + (gint64) (sim->fleet->interval_s * G_USEC_PER_SEC);
      publish_telemetry (sim, d, now);
    }
  return G_SOURCE_CONTINUE;
}

/* ------------------------------------------------------------------ control from stdin */

static gboolean
control_cb (GIOChannel   *channel,
            GIOCondition  condition,
            gpointer      data)
{
  Sim *sim = data;
  g_autofree char *line = NULL;
  g_auto(GStrv) words = NULL;
  MtSimDevice *device;
  MtFault fault;

  if (g_io_channel_read_line (channel, &line, NULL, NULL, NULL) != G_IO_STATUS_NORMAL)
    return G_SOURCE_REMOVE;   /* end of input: keep running */
  words = g_strsplit_set (g_strstrip (line), " \t", -1);
  if (g_strv_length (words) < 2 || (device = mt_sim_fleet_lookup (sim->fleet, words[1])) == NULL)
    {
      g_printerr ("mingtang-sim: not understood: %s\n", line);
      return G_SOURCE_CONTINUE;
    }
  if ((g_str_equal (words[0], "fault") || g_str_equal (words[0], "clear")) && words[2] &&
      mt_fault_lookup (words[2], &fault))
    {
      gboolean on = g_str_equal (words[0], "fault");

      if (on)
        device->faults |= fault;
      else
        device->faults &= ~fault;
      if (fault == MT_FAULT_OFFLINE)
        publish_status (sim, device, !on);
      if (fault == MT_FAULT_LEAVE_CITY && !on)
        device->lat = device->home_lat, device->lng = device->home_lng;
      device->next_publish = 0;   /* reports at once */
    }
  else if (g_str_equal (words[0], "rent") || g_str_equal (words[0], "return"))
    device->rented = g_str_equal (words[0], "rent");
  else
    g_printerr ("mingtang-sim: not understood: %s\n", line);
  return G_SOURCE_CONTINUE;
}

/* ------------------------------------------------------------------ main */

static Link *
link_new (Sim         *sim,
          const char  *uri,
          const char  *username,
          const char  *password,
          MtSimDevice *device,
          GError     **error)
{
  Link *link = g_new0 (Link, 1);
  MQTTAsync_connectOptions options = MQTTAsync_connectOptions_initializer;
  MQTTAsync_willOptions will = MQTTAsync_willOptions_initializer;
  MQTTAsync_createOptions create = MQTTAsync_createOptions_initializer;
  g_autofree char *client_id = device ? g_strdup (device->no)
                                      : g_strdup_printf ("mingtang-sim-%u", g_random_int ());
  g_autofree char *will_topic = NULL;
  g_autofree char *will_payload = NULL;
  int rc;

  link->sim = sim;
  link->device = device;
  /* a gateway of thousands of batteries has more than paho's default 100 messages waiting */
  create.maxBufferedMessages = 100000;
  rc = MQTTAsync_createWithOptions (&link->client, uri, client_id, MQTTCLIENT_PERSISTENCE_NONE, NULL, &create);
  if (rc != MQTTASYNC_SUCCESS)
    {
      g_set_error (error, MT_ERROR, MT_ERROR_INVALID, "%s: %s", uri, MQTTAsync_strerror (rc));
      g_free (link);
      return NULL;
    }
  MQTTAsync_setCallbacks (link->client, link, lost_cb, message_cb, NULL);
  MQTTAsync_setConnected (link->client, link, connected_cb);
  options.keepAliveInterval = 20;
  options.cleansession = 1;
  options.automaticReconnect = 1;
  options.username = device ? device->no : username;
  options.password = password;
  if (device)
    {
      /* the broker tells everyone when this battery drops off */
      will_topic = mt_topic_build (sim->prefix, device->no, MT_TOPIC_STATUS);
      will_payload = mt_status_to_json (FALSE, 0);
      will.topicName = will_topic;
      will.message = will_payload;
      will.qos = 1;
      will.retained = 1;
      options.will = &will;
    }
  rc = MQTTAsync_connect (link->client, &options);
  if (rc != MQTTASYNC_SUCCESS)
    {
      g_set_error (error, MT_ERROR, MT_ERROR_OFFLINE, "%s: %s", uri, MQTTAsync_strerror (rc));
      MQTTAsync_destroy (&link->client);
      g_free (link);
      return NULL;
    }
  return link;
}

static void
disconnected_cb (void                  *context,
                 MQTTAsync_successData *response)
{
  g_atomic_int_set ((gint *) context, 1);
}

static void
disconnect_failed_cb (void                  *context,
                      MQTTAsync_failureData *response)
{
  g_atomic_int_set ((gint *) context, 1);
}

/* The disconnect is queued after every message not yet written: waiting for it sends them all
 * (a firehose hands paho its messages faster than the socket takes them) */
static void
link_free (Link *link)
{
  MQTTAsync_disconnectOptions options = MQTTAsync_disconnectOptions_initializer;
  gint done = 0;

  options.timeout = 1000;
  options.onSuccess = disconnected_cb;
  options.onFailure = disconnect_failed_cb;
  options.context = &done;
  if (MQTTAsync_isConnected (link->client) &&
      MQTTAsync_disconnect (link->client, &options) == MQTTASYNC_SUCCESS)
    for (guint i = 0; i < 600 && !g_atomic_int_get (&done); i++)
      g_usleep (G_USEC_PER_SEC / 20);
  MQTTAsync_destroy (&link->client);
  g_free (link);
}

static gboolean
quit_cb (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *broker = NULL;
  g_autofree char *username = NULL;
  g_autofree char *password = NULL;
  g_autofree char *device_password = NULL;
  g_autofree char *prefix = NULL;
  g_autofree char *database = NULL;
  g_auto(GStrv) faults = NULL;
  int devices = 0, limit = 0, seed = 1, duration = 0, connections = 1;
  double interval = 30, speedup = 1, rate = 0;
  gint64 count = 0;
  gboolean per_device = FALSE, control = FALSE;
  GOptionEntry entries[] = {
    { "broker", 'b', 0, G_OPTION_ARG_STRING, &broker, "Broker address (tcp://127.0.0.1:1883)", "URI" },
    { "username", 'u', 0, G_OPTION_ARG_STRING, &username, "Broker user name of the fleet gateway", "NAME" },
    { "password", 'p', 0, G_OPTION_ARG_STRING, &password, "Its password (or MINGTANG_SIM_PASSWORD)", "PASSWORD" },
    { "per-device", 0, 0, G_OPTION_ARG_NONE, &per_device, "One connection per device, its number as user name", NULL },
    { "device-password", 0, 0, G_OPTION_ARG_STRING, &device_password, "The devices' password with --per-device", "PASSWORD" },
    { "connections", 'c', 0, G_OPTION_ARG_INT, &connections, "Gateway connections the fleet is spread over (1)", "N" },
    { "prefix", 0, 0, G_OPTION_ARG_STRING, &prefix, "Topic prefix (mt/v1)", "PREFIX" },
    { "database", 'd', 0, G_OPTION_ARG_FILENAME, &database, "Take the fleet from a Mingtang database", "FILE" },
    { "limit", 0, 0, G_OPTION_ARG_INT, &limit, "At most this many devices of the database", "N" },
    { "devices", 'n', 0, G_OPTION_ARG_INT, &devices, "Generate a fleet of N devices", "N" },
    { "seed", 0, 0, G_OPTION_ARG_INT, &seed, "Random seed (1)", "N" },
    { "interval", 'i', 0, G_OPTION_ARG_DOUBLE, &interval, "Seconds between two messages of a device (30)", "S" },
    { "speedup", 0, 0, G_OPTION_ARG_DOUBLE, &speedup, "Simulated seconds per real second (1)", "F" },
    { "fault", 'f', 0, G_OPTION_ARG_STRING_ARRAY, &faults, "Inject a fault: cell_ov, temp_high, vibration, short_circuit, leave_city, offline", "NO:KIND" },
    { "count", 0, 0, G_OPTION_ARG_INT64, &count, "Firehose: send N telemetry messages at once, then exit", "N" },
    { "rate", 0, 0, G_OPTION_ARG_DOUBLE, &rate, "Firehose: at most this many messages a second", "R" },
    { "duration", 0, 0, G_OPTION_ARG_INT, &duration, "Exit after S seconds", "S" },
    { "control", 0, 0, G_OPTION_ARG_NONE, &control, "Read fault/clear/rent/return lines from standard input", NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("— simulated Mingtang batteries");
  g_autoptr(GError) error = NULL;
  Sim sim = { 0 };

  setlocale (LC_ALL, "");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("mingtang-sim: %s\n", error->message);
      return 2;
    }
  if (password == NULL)
    password = g_strdup (g_getenv ("MINGTANG_SIM_PASSWORD"));
  sim.prefix = prefix ? prefix : g_strdup ("mt/v1");
  prefix = NULL;
  if (database != NULL)
    {
      g_autoptr(MtDb) db = mt_db_open (database, &error);

      if (db != NULL)
        sim.fleet = mt_sim_fleet_new_from_db (db, (guint) limit, (guint32) seed, interval, &error);
    }
  else
    sim.fleet = mt_sim_fleet_new_generated (devices > 0 ? (guint) devices : 100, (guint32) seed, interval);
  if (sim.fleet == NULL || sim.fleet->devices->len == 0)
    {
      g_printerr ("mingtang-sim: %s\n", error ? error->message : "no devices");
      return 1;
    }
  for (guint i = 0; faults && faults[i]; i++)
    {
      g_auto(GStrv) parts = g_strsplit (faults[i], ":", 2);
      MtSimDevice *device = parts[0] ? mt_sim_fleet_lookup (sim.fleet, parts[0]) : NULL;
      MtFault fault;

      if (device == NULL || parts[1] == NULL || !mt_fault_lookup (parts[1], &fault))
        {
          g_printerr ("mingtang-sim: --fault %s: expected a device of the fleet and a fault\n", faults[i]);
          return 2;
        }
      device->faults |= fault;
    }

  sim.speedup = speedup;
  sim.count = count > 0 ? (guint64) count : 0;
  sim.rate = rate;
  sim.links = g_ptr_array_new_with_free_func ((GDestroyNotify) link_free);
  sim.incoming = g_async_queue_new_full (g_free);
  sim.loop = g_main_loop_new (NULL, FALSE);
  sim.wake = mt_wake_source_new (wake_cb, &sim, NULL);

  sim.per_device = per_device;
  for (guint i = 0; i < (per_device ? sim.fleet->devices->len : (guint) CLAMP (connections, 1, 64)); i++)
    {
      Link *link = link_new (&sim, broker ? broker : "tcp://127.0.0.1:1883", username,
                             per_device ? device_password : password,
                             per_device ? sim.fleet->devices->pdata[i] : NULL, &error);
      if (link == NULL)
        {
          g_printerr ("mingtang-sim: %s\n", error->message);
          return 1;
        }
      g_ptr_array_add (sim.links, link);
    }
  if (control)
    {
      GIOChannel *in = g_io_channel_unix_new (0);
      g_io_add_watch (in, G_IO_IN | G_IO_HUP, control_cb, &sim);
      g_io_channel_unref (in);
    }
  /* wait for the connections before the clock starts */
  for (guint i = 0; i < sim.links->len; i++)
    for (guint waited = 0; waited < 100 && !g_atomic_int_get (&((Link *) sim.links->pdata[i])->connected); waited++)
      g_usleep (G_USEC_PER_SEC / 20);
  sim.started = g_get_real_time ();
  mt_sim_fleet_start (sim.fleet, sim.started);
  g_timeout_add (sim.count > 0 ? 5 : 100, tick_cb, &sim);
  if (duration > 0)
    g_timeout_add_seconds ((guint) duration, quit_cb, sim.loop);
  g_print ("mingtang-sim: %u devices on %s\n", sim.fleet->devices->len, broker ? broker : "tcp://127.0.0.1:1883");
  g_main_loop_run (sim.loop);

  g_print ("mingtang-sim: published %" G_GUINT64_FORMAT " telemetry messages in %.1f s, %" G_GUINT64_FORMAT
           " acks, %" G_GUINT64_FORMAT " refused by the client\n", sim.published,
           (g_get_real_time () - sim.started) / (double) G_USEC_PER_SEC, sim.acks, sim.refused);
  g_ptr_array_unref (sim.links);
  g_source_destroy (sim.wake);
  g_source_unref (sim.wake);
  g_async_queue_unref (sim.incoming);
  g_main_loop_unref (sim.loop);
  mt_sim_fleet_free (sim.fleet);
  g_free (sim.prefix);
  return 0;
}
