/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mt-bms"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "mt-alarms.h"
#include "mt-bms-dialog.h"
#include "mt-pay-row.h"
#include "mt-codec.h"
#include "mt-error.h"
#include "mt-reads.h"
#include "mt-validate.h"

/* The status page's groups and fields, in the order shown: every value the admin's BMS page has */
enum { GROUP_PACK, GROUP_CELLS, GROUP_TEMPS, GROUP_PROTECTION, GROUP_BOARD, N_GROUPS };

enum
{
  F_STATE, F_CONNECTION, F_SOC, F_REMAINING, F_NOMINAL, F_PACK, F_CHARGE_CURRENT, F_DISCHARGE_CURRENT, F_CYCLES,
  F_CHEM, F_SERIES, F_CELL_HIGH, F_CELL_LOW, F_CELL_DELTA, F_BALANCE_TYPE, F_BALANCE_STATE,
  F_BOARD_TEMP, F_TEMP1, F_TEMP2, F_EXT1, F_EXT2,
  F_CHARGE_PROT, F_DISCHARGE_PROT, F_SHORT, F_CHARGE_RELAY, F_DISCHARGE_RELAY,
  F_PREHEAT, F_RELAY_FN, F_MCU, F_VENDOR, F_FW_MAJOR, F_FW_MINOR, F_FIRMWARE, F_HARDWARE, F_CABINET, F_TOWER,
  F_MADE, F_UPDATED, N_FIELDS
};

static const struct
{
  const char *key;
  int         group;
  const char *title;
  gboolean    data;     /* the board's own text (a model, a code): shown as sent */
} fields[N_FIELDS] = {
  { "state", GROUP_PACK, N_("Working state") },
  { "connection", GROUP_PACK, N_("Connection") },
  { "soc", GROUP_PACK, N_("State of charge") },
  { "remaining", GROUP_PACK, N_("Remaining capacity") },
  { "nominal", GROUP_PACK, N_("Nominal capacity") },
  { "pack", GROUP_PACK, N_("Pack voltage") },
  { "charge_current", GROUP_PACK, N_("Charge current") },
  { "discharge_current", GROUP_PACK, N_("Discharge current") },
  { "cycles", GROUP_PACK, N_("Cycles") },
  { "chem", GROUP_CELLS, N_("Battery type") },
  { "series", GROUP_CELLS, N_("Cells in series") },
  { "cell_high", GROUP_CELLS, N_("Highest cell voltage") },
  { "cell_low", GROUP_CELLS, N_("Lowest cell voltage") },
  { "cell_delta", GROUP_CELLS, N_("Largest cell difference") },
  { "balance_type", GROUP_CELLS, N_("Balancing type") },
  { "balance_state", GROUP_CELLS, N_("Balancing state") },
  { "board_temp", GROUP_TEMPS, N_("Board temperature") },
  { "temp1", GROUP_TEMPS, N_("Battery temperature 1") },
  { "temp2", GROUP_TEMPS, N_("Battery temperature 2") },
  { "ext1", GROUP_TEMPS, N_("EXT1 temperature") },
  { "ext2", GROUP_TEMPS, N_("EXT2 temperature") },
  { "charge_prot", GROUP_PROTECTION, N_("Charge protection") },
  { "discharge_prot", GROUP_PROTECTION, N_("Discharge protection") },
  { "short", GROUP_PROTECTION, N_("Short-circuit protection") },
  { "charge_relay", GROUP_PROTECTION, N_("Charge relay") },
  { "discharge_relay", GROUP_PROTECTION, N_("Discharge relay") },
  { "preheat", GROUP_BOARD, N_("Pre-heating") },
  { "relay_fn", GROUP_BOARD, N_("Relay function") },
  { "mcu", GROUP_BOARD, N_("MCU"), TRUE },
  { "vendor", GROUP_BOARD, N_("Vendor code"), TRUE },
  { "fw_major", GROUP_BOARD, N_("Major version") },
  { "fw_minor", GROUP_BOARD, N_("Minor version") },
  { "firmware", GROUP_BOARD, N_("Firmware"), TRUE },
  { "hardware", GROUP_BOARD, N_("Hardware"), TRUE },
  { "cabinet", GROUP_BOARD, N_("Cabinet system"), TRUE },
  { "tower", GROUP_BOARD, N_("Tower code"), TRUE },
  { "made", GROUP_BOARD, N_("Production date") },
  { "updated", GROUP_BOARD, N_("Last reading") },
};

/* The relays' states as the control page's actions hold them */
#define RELAY_ON      "on"
#define RELAY_OFF     "off"
#define RELAY_UNKNOWN "unknown"

struct _MtBmsDialog
{
  AdwWindow      parent_instance;

  MtContext     *context;
  MtDb          *db;             /* the context's */
  const MtActor *actor;          /* the context's */
  gint64         device_id;
  char          *device_no;
  MtIngest      *ingest;         /* standalone: the embedded broker link, or NULL */
  gboolean       connected;      /* the server's link answers: telemetry and commands through it */
  gulong         telemetry_id;
  guint          poll;           /* connected: the server asked for the latest message */
  GCancellable  *polling;        /* the request out, if one is */
  gint64         polled_received;
  int            online;         /* -1 never reported, 0, 1 */
  gboolean       live;           /* a reading arrived while the window is open */
  gint64         reading_at;     /* when the reading shown arrived (UTC µs), 0 unknown */
  MtBatterySpec *spec;           /* its type's, for what the board does not send */

  GtkWidget     *toasts;
  GtkWidget     *stack;
  GtkWidget     *switcher;
  GtkWidget     *status_page;
  GtkWidget     *settings_page;
  GtkWidget     *control_page;
  GtkWidget     *statistics_page;
  GtkWidget     *age_group;      /* over the status: how old the reading is, when not live */
  GtkWidget     *age;
  GtkWidget     *values[N_FIELDS];
  GtkWidget     *cells;          /* GtkFlowBox */
  GtkWidget     *cell_labels[MT_MAX_CELLS];
  GtkWidget     *cell_balancing[MT_MAX_CELLS];
  char           cell_marks[MT_MAX_CELLS][24];
  GtkWidget     *params[MT_N_PARAMS];
  GtkWidget     *relay_rows[2];  /* charge, discharge */
  GSimpleActionGroup *relays;    /* relay.charge, relay.discharge: "on", "off", "unknown" */
};

G_DEFINE_FINAL_TYPE (MtBmsDialog, mt_bms_dialog, ADW_TYPE_WINDOW)

enum { SIGNAL_COMMAND_DONE, N_SIGNALS };
static guint signals[N_SIGNALS];

static void
toast (MtBmsDialog *self,
       const char  *text)
{
  adw_toast_overlay_add_toast (ADW_TOAST_OVERLAY (self->toasts), adw_toast_new (text));
}

static void
set_field (MtBmsDialog *self,
           guint        field,
           const char  *text)
{
  gboolean known = text != NULL && *text != '\0';

  gtk_label_set_text (GTK_LABEL (self->values[field]), known ? text : "—");
  gtk_widget_set_tooltip_text (self->values[field], known ? NULL : _("Not reported by this battery"));
}

static void
set_field_take (MtBmsDialog *self,
                guint        field,
                char        *text)
{
  set_field (self, field, text);
  g_free (text);
}

static char *
volts (int mv)
{
  return g_strdup_printf ("%.3f V", mv / 1000.0);
}

static char *
amperes (int ma)
{
  return g_strdup_printf ("%.1f A", ma / 1000.0);
}

static char *
amp_hours (int mah)
{
  return mah == MT_ABSENT ? NULL : g_strdup_printf ("%.1f Ah", mah / 1000.0);
}

/* A sensor: its reading, "open" when the board says it is not connected */
static char *
celsius (int dc)
{
  /* TRANSLATORS: a temperature sensor that is not connected */
  return dc == MT_ABSENT ? g_strdup (_("open")) : g_strdup_printf ("%.1f °C", dc / 10.0);
}

static const char *
yes_no (int v,
        const char *yes,
        const char *no)
{
  return v == MT_ABSENT ? NULL : v ? yes : no;
}

/* The protections of one side active now, or "Normal" */
static char *
protections (const MtTelemetry *t,
             guint32            side)
{
  GString *text = g_string_new (NULL);

  for (guint k = 0; k < MT_N_PROTS; k++)
    if (t->prot & side & (1u << k))
      g_string_append_printf (text, "%s%s", text->len ? "、" : "", mt_alarm_type_title (mt_prot_name (k)));
  if (text->len == 0)
    g_string_append (text, _("Normal"));
  return g_string_free (text, FALSE);
}

static const char *
relay_state (int on)
{
  return on == MT_ABSENT ? RELAY_UNKNOWN : on ? RELAY_ON : RELAY_OFF;
}

/* The control page's relay: its action's state and its row's words */
static void
show_relay (MtBmsDialog *self,
            guint        which,
            const char  *state)
{
  GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self->relays), which ? "discharge" : "charge");

  g_simple_action_set_state (G_SIMPLE_ACTION (action), g_variant_new_string (state));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (self->relay_rows[which]),
                               g_str_equal (state, RELAY_ON) ? _("On: the relay is closed")
                               : g_str_equal (state, RELAY_OFF) ? _("Off: the relay is open")
                               : _("State unknown: the battery has not reported it"));
}

/* How old the reading shown is, over the page, unless it arrived while the window is open */
static void
show_age (MtBmsDialog *self)
{
  g_autofree char *when = self->reading_at > 0 ? mt_format_time (self->reading_at) : NULL;
  g_autofree char *ago = self->reading_at > 0 ? mt_format_age (self->reading_at) : NULL;
  g_autofree char *text = NULL;

  if (self->online == -1 && self->reading_at == 0)
    text = g_strdup (_("This battery has never reported: no reading to show yet."));
  else if (self->online == 0)
    text = when ? g_strdup_printf (_("Offline. The last known reading, received %s (%s)."), ago, when)
                : g_strdup (_("Offline. The last known reading; when it arrived is not known."));
  else if (!self->live)
    text = when ? g_strdup_printf (_("The last stored reading, received %s (%s); live values replace it as they "
                                     "arrive."), ago, when)
                : g_strdup (_("The last stored reading; live values replace it as they arrive."));
  gtk_widget_set_visible (self->age_group, text != NULL);
  gtk_label_set_text (GTK_LABEL (self->age), text ? text : "");
}

static void
show_connection (MtBmsDialog *self,
                 int          online)
{
  self->online = online;
  set_field (self, F_CONNECTION, online == 1 ? _("Online") : online == 0 ? _("Offline") : _("Never reported"));
  show_age (self);
}

/* ------------------------------------------------------------------ status */

/* "nmc" or a battery type's "NMC": in words */
static const char *
chemistry_title (const char *chem)
{
  if (chem == NULL)
    return NULL;
  if (g_ascii_strcasecmp (chem, "NMC") == 0)
    return C_("chemistry", "NMC");
  if (g_ascii_strcasecmp (chem, "LFP") == 0)
    return C_("chemistry", "LFP");
  if (g_ascii_strcasecmp (chem, "LTO") == 0)
    return C_("chemistry", "LTO");
  return chem;
}

static void
show_reading (MtBmsDialog       *self,
              const MtTelemetry *t)
{
  static const char *const states[] = { N_("Idle"), N_("Charging"), N_("Discharging") };
  const guint32 charge_side = 1u << MT_PROT_CELL_OV | 1u << MT_PROT_PACK_OV | 1u << MT_PROT_CHARGE_OC |
                              1u << MT_PROT_TEMP_HIGH | 1u << MT_PROT_TEMP_LOW;
  const guint32 discharge_side = 1u << MT_PROT_CELL_UV | 1u << MT_PROT_PACK_UV | 1u << MT_PROT_DISCHARGE_OC |
                                 1u << MT_PROT_SHORT_CIRCUIT | 1u << MT_PROT_TEMP_HIGH | 1u << MT_PROT_TEMP_LOW;
  int hi, lo, n_balancing = 0;
  int nominal = t->nominal_mah != MT_ABSENT ? t->nominal_mah : self->spec ? self->spec->capacity_mah : MT_ABSENT;
  const char *chem = NULL;

  set_field (self, F_STATE, _(states[t->state]));
  set_field_take (self, F_SOC, g_strdup_printf ("%d%%", t->soc));
  set_field_take (self, F_REMAINING, amp_hours (t->remaining_mah));
  set_field_take (self, F_NOMINAL, amp_hours (nominal));
  set_field_take (self, F_PACK, volts (t->pack_mv));
  set_field_take (self, F_CHARGE_CURRENT, amperes (MAX (t->current_ma, 0)));
  set_field_take (self, F_DISCHARGE_CURRENT, amperes (MAX (-t->current_ma, 0)));
  set_field_take (self, F_CYCLES, t->cycles == MT_ABSENT ? NULL : g_strdup_printf ("%d", t->cycles));

  /* the board's type, else its battery type's */
  chem = chemistry_title (t->chem >= 0 && t->chem < MT_N_CHEMS ? mt_chemistry_name (t->chem)
                          : self->spec ? self->spec->chemistry : NULL);
  set_field (self, F_CHEM, chem);
  set_field_take (self, F_SERIES, g_strdup_printf ("%d", t->n_cells));
  mt_telemetry_cell_extremes (t, &hi, &lo);
  set_field_take (self, F_CELL_HIGH, hi >= 0 ? g_strdup_printf ("%.3f V  #%d", t->cells_mv[hi] / 1000.0, hi + 1) : NULL);
  set_field_take (self, F_CELL_LOW, lo >= 0 ? g_strdup_printf ("%.3f V  #%d", t->cells_mv[lo] / 1000.0, lo + 1) : NULL);
  set_field_take (self, F_CELL_DELTA, hi >= 0 ? g_strdup_printf ("%d mV", t->cells_mv[hi] - t->cells_mv[lo]) : NULL);
  set_field (self, F_BALANCE_TYPE, t->balance_type == MT_BALANCE_PASSIVE ? _("Passive")
                                   : t->balance_type == MT_BALANCE_ACTIVE ? _("Active") : NULL);
  for (int k = 0; k < t->n_cells; k++)
    n_balancing += (t->balancing >> k) & 1;
  set_field_take (self, F_BALANCE_STATE, n_balancing == 0 ? g_strdup (_("Not balancing"))
                  : g_strdup_printf (g_dngettext (NULL, "Balancing %d cell", "Balancing %d cells", n_balancing),
                                     n_balancing));

  set_field_take (self, F_BOARD_TEMP, t->board_dc == MT_ABSENT ? NULL : celsius (t->board_dc));
  set_field_take (self, F_TEMP1, t->n_temps > 0 ? celsius (t->temps_dc[0]) : NULL);
  set_field_take (self, F_TEMP2, t->n_temps > 1 ? celsius (t->temps_dc[1]) : NULL);
  set_field_take (self, F_EXT1, t->n_ext > 0 ? celsius (t->ext_dc[0]) : NULL);
  set_field_take (self, F_EXT2, t->n_ext > 1 ? celsius (t->ext_dc[1]) : NULL);

  set_field_take (self, F_CHARGE_PROT, protections (t, charge_side));
  set_field_take (self, F_DISCHARGE_PROT, protections (t, discharge_side));
  set_field (self, F_SHORT, t->prot & (1u << MT_PROT_SHORT_CIRCUIT) ? _("Tripped") : _("Normal"));
  set_field (self, F_CHARGE_RELAY, yes_no (t->charge_on, _("On"), _("Off")));
  set_field (self, F_DISCHARGE_RELAY, yes_no (t->discharge_on, _("On"), _("Off")));

  set_field (self, F_PREHEAT, yes_no (t->preheat, _("On"), _("Off")));
  set_field (self, F_RELAY_FN, yes_no (t->relay, _("Available"), _("Not available")));
  set_field (self, F_MCU, t->mcu);
  set_field (self, F_VENDOR, t->vendor);
  set_field_take (self, F_FW_MAJOR, t->fw_major == MT_ABSENT ? NULL : g_strdup_printf ("%d", t->fw_major));
  set_field_take (self, F_FW_MINOR, t->fw_minor == MT_ABSENT ? NULL : g_strdup_printf ("%d", t->fw_minor));
  set_field (self, F_FIRMWARE, t->fw);
  set_field (self, F_HARDWARE, t->hw);
  set_field (self, F_CABINET, t->cabinet);
  set_field (self, F_TOWER, t->tower);
  set_field (self, F_MADE, t->made);
  set_field_take (self, F_UPDATED, mt_format_time (self->reading_at > 0 ? self->reading_at : t->ts_ms * 1000));

  /* the cell grid: one tile a cell, the highest and lowest marked, the cells balancing now */
  for (int k = 0; k < MT_MAX_CELLS; k++)
    {
      GtkWidget *box = gtk_widget_get_parent (self->cell_labels[k]);
      gboolean balancing = k < t->n_cells && (t->balancing & (1u << k));
      const char *mark = hi == lo ? "" : k == hi ? "highest" : k == lo ? "lowest" : "";

      gtk_widget_set_visible (gtk_widget_get_parent (box), k < t->n_cells);
      if (k >= t->n_cells)
        continue;
      {
        g_autofree char *v = g_strdup_printf ("%.3f V", t->cells_mv[k] / 1000.0);

        gtk_label_set_text (GTK_LABEL (self->cell_labels[k]), v);
      }
      gtk_widget_remove_css_class (box, "cell-high");
      gtk_widget_remove_css_class (box, "cell-low");
      if (*mark)
        gtk_widget_add_css_class (box, k == hi ? "cell-high" : "cell-low");
      if (balancing)
        gtk_widget_add_css_class (box, "cell-balancing");
      else
        gtk_widget_remove_css_class (box, "cell-balancing");
      gtk_widget_set_visible (self->cell_balancing[k], balancing);
      g_snprintf (self->cell_marks[k], sizeof self->cell_marks[k], "%s%s%s", mark, *mark && balancing ? "," : "",
                  balancing ? "balancing" : "");
      gtk_widget_set_tooltip_text (box, *mark == 'h' ? _("Highest cell") : *mark == 'l' ? _("Lowest cell") : NULL);
    }

  show_relay (self, 0, relay_state (t->charge_on));
  show_relay (self, 1, relay_state (t->discharge_on));
}

void
mt_bms_dialog_show_telemetry (MtBmsDialog       *self,
                              const MtTelemetry *t)
{
  /* a reading as it arrives: live, and the battery online */
  self->live = TRUE;
  self->reading_at = g_get_real_time ();
  show_reading (self, t);
  show_connection (self, 1);
}

const char *
mt_bms_dialog_get_field (MtBmsDialog *self,
                         const char  *key)
{
  for (guint k = 0; k < N_FIELDS; k++)
    if (g_str_equal (fields[k].key, key))
      return gtk_label_get_text (GTK_LABEL (self->values[k]));
  return NULL;
}

GActionGroup *
mt_bms_dialog_get_relays (MtBmsDialog *self)
{
  return G_ACTION_GROUP (self->relays);
}

const char *
mt_bms_dialog_get_age_text (MtBmsDialog *self)
{
  return gtk_widget_get_visible (self->age_group) ? gtk_label_get_text (GTK_LABEL (self->age)) : NULL;
}

const char *
mt_bms_dialog_get_cell_text (MtBmsDialog *self,
                             guint        cell)
{
  return cell < MT_MAX_CELLS ? gtk_label_get_text (GTK_LABEL (self->cell_labels[cell])) : NULL;
}

const char *
mt_bms_dialog_get_cell_mark (MtBmsDialog *self,
                             guint        cell)
{
  return cell < MT_MAX_CELLS ? self->cell_marks[cell] : NULL;
}

/* The last full reading the database holds for the device (kept with snapshots), with its age */
static void
load_latest (MtBmsDialog *self)
{
  int online = -1;
  gint64 received = 0;
  g_autofree char *payload = mt_read_device_latest (self->db, self->actor, self->device_id, &online, &received);
  MtTelemetry t;

  if (payload != NULL && mt_telemetry_parse (payload, strlen (payload), &t, NULL))
    {
      self->reading_at = received;
      show_reading (self, &t);
    }
  show_connection (self, online);
}

/* Connected: the server's answer to GET devices/ID/telemetry */
static void
latest_cb (GObject      *source,
           GAsyncResult *res,
           gpointer      data)
{
  g_autoptr(MtBmsDialog) self = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) answer = mt_context_call_finish (MT_CONTEXT (source), res, &error);
  JsonObject *o;
  JsonNode *node;
  gint64 received;
  int online;

  if (answer == NULL || g_cancellable_is_cancelled (self->polling))
    {
      g_clear_object (&self->polling);
      return;   /* out of reach for now: the next poll tries again */
    }
  g_clear_object (&self->polling);
  o = json_node_get_object (answer);
  node = json_object_get_member (o, "online");
  online = node == NULL || JSON_NODE_HOLDS_NULL (node) ? -1 : json_node_get_boolean (node) ? 1 : 0;
  received = json_object_get_int_member_with_default (o, "received", 0);
  node = json_object_get_member (o, "telemetry");
  if (node != NULL && JSON_NODE_HOLDS_OBJECT (node) && (received == 0 || received != self->polled_received))
    {
      g_autofree char *payload = json_to_string (node, FALSE);
      MtTelemetry t;

      /* a second reading while open is live; the first may be the stored one */
      if (self->polled_received != 0 && received > self->polled_received)
        self->live = TRUE;
      self->polled_received = received;
      if (mt_telemetry_parse (payload, strlen (payload), &t, NULL))
        {
          self->reading_at = received;
          show_reading (self, &t);
        }
    }
  show_connection (self, online);
}

static gboolean
poll_cb (gpointer data)
{
  MtBmsDialog *self = data;
  g_autoptr(MtApiRequest) request = NULL;

  if (self->polling != NULL)
    return G_SOURCE_CONTINUE;   /* the last one has not answered yet */
  request = mt_api_request_new ("devices.telemetry");
  mt_api_request_set_id (request, self->device_id);
  self->polling = g_cancellable_new ();
  mt_context_call_async (self->context, request, self->polling, latest_cb, g_object_ref (self));
  return G_SOURCE_CONTINUE;
}

static void
telemetry_cb (MtIngest          *ingest,
              const char        *device_no,
              const MtTelemetry *t,
              MtBmsDialog       *self)
{
  if (g_strcmp0 (device_no, self->device_no) == 0)
    mt_bms_dialog_show_telemetry (self, t);
}

/* ------------------------------------------------------------------ commands */

typedef struct
{
  MtBmsDialog *self;   /* a weak pointer: the window may close before the answer */
  MtCommand    command;
} Sent;

static void
fill_params (MtBmsDialog    *self,
             const MtParams *params)
{
  for (guint k = 0; k < MT_N_PARAMS; k++)
    if (params->mask & (1u << k))
      {
        g_autofree char *v = mt_param_format (k, params->values[k]);
        gtk_editable_set_text (GTK_EDITABLE (self->params[k]), v);
      }
}

static void
command_result (MtBmsDialog     *self,
                const MtCommand *command,
                MtCommandResult  result,
                const char      *error,
                const MtParams  *params)
{
  g_autofree char *text = NULL;

  switch (result)
    {
    case MT_COMMAND_DONE:
      text = g_strdup (_("Done: the battery confirmed it"));
      /* the relay switched: shown until the next reading says otherwise */
      if (command->kind == MT_CMD_CHARGE || command->kind == MT_CMD_DISCHARGE)
        show_relay (self, command->kind == MT_CMD_DISCHARGE, command->on ? RELAY_ON : RELAY_OFF);
      break;
    case MT_COMMAND_REFUSED:
      text = g_strdup_printf (_("The battery refused: %s"), error ? error : "");
      break;
    case MT_COMMAND_NO_ANSWER:
      text = g_strdup (_("No answer from the battery within 10 seconds"));
      break;
    default:
      text = g_strdup (_("Not sent: the broker cannot be reached"));
      break;
    }
  if (params && params->mask)
    fill_params (self, params);
  toast (self, text);
  g_signal_emit (self, signals[SIGNAL_COMMAND_DONE], 0, mt_command_result_name (result));
}

static void
ingest_done_cb (MtCommandResult  result,
                const MtAck     *ack,
                gpointer         data)
{
  Sent *sent = data;

  if (sent->self != NULL)
    {
      mt_command_audit (sent->self->db, sent->self->actor, sent->self->device_id, &sent->command, result, ack);
      command_result (sent->self, &sent->command, result, ack ? ack->error : NULL, ack ? &ack->params : NULL);
      g_object_remove_weak_pointer (G_OBJECT (sent->self), (gpointer *) &sent->self);
    }
  g_free (sent);
}

static void
server_done_cb (GObject      *source,
                GAsyncResult *res,
                gpointer      data)
{
  Sent *sent = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) answer = mt_context_call_finish (MT_CONTEXT (source), res, &error);

  if (sent->self != NULL)
    {
      if (answer == NULL)
        {
          /* no answer, refused by the server, or the server out of reach: its message says which */
          toast (sent->self, error->message);
          g_signal_emit (sent->self, signals[SIGNAL_COMMAND_DONE], 0, "failed");
        }
      else
        {
          JsonObject *o = json_node_get_object (answer);
          const char *result = json_object_get_string_member_with_default (o, "result", "");
          MtParams params = { 0 };
          JsonObject *p = json_object_has_member (o, "params") ? json_object_get_object_member (o, "params") : NULL;

          for (guint k = 0; p && k < MT_N_PARAMS; k++)
            if (json_object_has_member (p, mt_param_info (k)->key))
              mt_params_set (&params, k, json_object_get_int_member (p, mt_param_info (k)->key), NULL);
          command_result (sent->self, &sent->command, g_str_equal (result, "done") ? MT_COMMAND_DONE : MT_COMMAND_REFUSED,
                          json_object_get_string_member_with_default (o, "error", NULL), &params);
        }
      g_object_remove_weak_pointer (G_OBJECT (sent->self), (gpointer *) &sent->self);
    }
  g_free (sent);
}

void
mt_bms_dialog_send (MtBmsDialog *self,
                    MtCommand   *command)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *device_no = NULL;
  Sent *sent;

  if (self->connected)
    {
      g_autoptr(MtApiRequest) request = mt_api_request_new ("devices.command");

      mt_api_request_set_id (request, self->device_id);
      mt_api_request_set_text (request, "cmd", mt_command_name (command->kind));
      if (command->kind == MT_CMD_CHARGE || command->kind == MT_CMD_DISCHARGE)
        mt_api_request_set_bool (request, "on", command->on);
      if (command->kind == MT_CMD_WRITE_PARAMS)
        {
          g_autoptr(JsonObject) params = json_object_new ();

          for (guint k = 0; k < MT_N_PARAMS; k++)
            if (command->params.mask & (1u << k))
              json_object_set_int_member (params, mt_param_info (k)->key, command->params.values[k]);
          mt_api_request_set_object (request, "params", params);
        }
      sent = g_new0 (Sent, 1);
      sent->self = self;
      sent->command = *command;
      g_object_add_weak_pointer (G_OBJECT (self), (gpointer *) &sent->self);
      mt_context_call_async (self->context, request, NULL, server_done_cb, sent);
      return;
    }
  if (!mt_command_authorize (self->db, self->actor, self->device_id, command->kind, &device_no, &error))
    {
      toast (self, error->message);
      return;
    }
  if (self->ingest == NULL)
    {
      toast (self, _("No broker is configured: commands cannot be sent"));
      return;
    }
  sent = g_new0 (Sent, 1);
  sent->self = self;
  g_object_add_weak_pointer (G_OBJECT (self), (gpointer *) &sent->self);
  sent->command = *command;
  mt_ingest_send (self->ingest, device_no, &sent->command, 10000, ingest_done_cb, sent);
}

/* ------------------------------------------------------------------ control */

typedef struct
{
  MtBmsDialog *self;
  MtCommand    command;
} Confirm;

static void
confirm_response_cb (AdwMessageDialog *dialog,
                     const char       *response,
                     Confirm          *c)
{
  if (g_str_equal (response, "go"))
    mt_bms_dialog_send (c->self, &c->command);
}

static void
confirm (MtBmsDialog     *self,
         const MtCommand *command,
         const char      *heading,
         const char      *body,
         const char      *go,
         gboolean         destructive)
{
  GtkWidget *dialog = adw_message_dialog_new (GTK_WINDOW (self), heading, body);
  Confirm *c = g_new0 (Confirm, 1);

  c->self = self;
  c->command = *command;
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _("_Cancel"), "go", go, NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "go",
                                              destructive ? ADW_RESPONSE_DESTRUCTIVE : ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_object_set_data_full (G_OBJECT (dialog), "confirm", c, g_free);
  g_signal_connect (dialog, "response", G_CALLBACK (confirm_response_cb), c);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* relay.charge / relay.discharge with "on" or "off": asks, then sends; the state follows the
 * battery's answer and its readings, never the click */
static void
relay_activate (GSimpleAction *action,
                GVariant      *param,
                gpointer       data)
{
  MtBmsDialog *self = data;
  gboolean on = g_str_equal (g_variant_get_string (param, NULL), RELAY_ON);
  MtCommand command = { .kind = g_str_equal (g_action_get_name (G_ACTION (action)), "charge") ? MT_CMD_CHARGE
                                                                                            : MT_CMD_DISCHARGE,
                        .on = on };
  g_autoptr(GVariant) state = g_action_get_state (G_ACTION (action));

  if (!on && !g_str_equal (g_variant_get_string (param, NULL), RELAY_OFF))
    return;
  if (g_str_equal (g_variant_get_string (state, NULL), g_variant_get_string (param, NULL)))
    return;   /* already so */
  if (command.kind == MT_CMD_CHARGE)
    confirm (self, &command, on ? _("Turn Charging On?") : _("Turn Charging Off?"),
             on ? _("The battery can be charged again.") : _("The battery will refuse to charge."),
             on ? _("Turn _On") : _("Turn _Off"), !on);
  else
    confirm (self, &command, on ? _("Turn Discharging On?") : _("Turn Discharging Off?"),
             on ? _("The battery powers the vehicle again.")
                : _("The battery stops giving power: a vehicle in use will stop."),
             on ? _("Turn _On") : _("Turn _Off"), !on);
}

static void
restart_cb (MtBmsDialog *self)
{
  MtCommand command = { .kind = MT_CMD_RESTART };

  confirm (self, &command, _("Restart the BMS?"), _("The battery goes offline for a moment and comes back."),
           _("_Restart"), FALSE);
}

static void
factory_reset_cb (MtBmsDialog *self)
{
  MtCommand command = { .kind = MT_CMD_FACTORY_RESET };

  confirm (self, &command, _("Reset to Factory Values?"),
           _("Every protection parameter goes back to its factory value; the nominal capacity is kept."),
           _("_Reset"), TRUE);
}

/* ------------------------------------------------------------------ settings */

static void
read_params_cb (MtBmsDialog *self)
{
  MtCommand command = { .kind = MT_CMD_READ_PARAMS };

  mt_bms_dialog_send (self, &command);
}

static void
write_params_cb (MtBmsDialog *self)
{
  MtCommand command = { .kind = MT_CMD_WRITE_PARAMS };

  for (guint k = 0; k < MT_N_PARAMS; k++)
    {
      const char *text = gtk_editable_get_text (GTK_EDITABLE (self->params[k]));
      g_autoptr(GError) error = NULL;
      gint64 v;

      if (text[0] == '\0')
        continue;
      if (!mt_param_parse (k, text, &v, &error) || !mt_params_set (&command.params, k, v, &error))
        {
          toast (self, error->message);
          gtk_widget_grab_focus (self->params[k]);
          return;
        }
    }
  if (command.params.mask == 0)
    {
      toast (self, _("Read the parameters from the battery first"));
      return;
    }
  confirm (self, &command, _("Write the Parameters?"),
           _("Factory values suit the battery's cells. Wrong protection values can damage the battery or stop "
             "it from protecting itself."), _("_Write"), TRUE);
}

/* ------------------------------------------------------------------ building */

/* A value over its label, the value prominent */
static GtkWidget *
field_tile (MtBmsDialog *self,
            guint        field)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *label = gtk_label_new (_(fields[field].title));

  gtk_widget_add_css_class (box, "bms-field");
  self->values[field] = gtk_label_new ("—");
  gtk_label_set_xalign (GTK_LABEL (self->values[field]), 0);
  gtk_label_set_wrap (GTK_LABEL (self->values[field]), TRUE);
  gtk_label_set_selectable (GTK_LABEL (self->values[field]), TRUE);
  gtk_widget_add_css_class (self->values[field], "title-4");
  gtk_widget_add_css_class (self->values[field], "numeric");
  if (fields[field].data)
    gtk_widget_add_css_class (self->values[field], "mt-data");
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_widget_add_css_class (label, "caption");
  gtk_widget_add_css_class (label, "dim-label");
  gtk_box_append (GTK_BOX (box), self->values[field]);
  gtk_box_append (GTK_BOX (box), label);
  return box;
}

static GtkWidget *
tiles_box (int min_per_line,
           int max_per_line)
{
  GtkWidget *flow = gtk_flow_box_new ();

  gtk_flow_box_set_selection_mode (GTK_FLOW_BOX (flow), GTK_SELECTION_NONE);
  gtk_flow_box_set_min_children_per_line (GTK_FLOW_BOX (flow), min_per_line);
  gtk_flow_box_set_max_children_per_line (GTK_FLOW_BOX (flow), max_per_line);
  gtk_flow_box_set_homogeneous (GTK_FLOW_BOX (flow), TRUE);
  gtk_flow_box_set_row_spacing (GTK_FLOW_BOX (flow), 6);
  gtk_flow_box_set_column_spacing (GTK_FLOW_BOX (flow), 6);
  return flow;
}

static GtkWidget *
build_status (MtBmsDialog *self)
{
  static const char *const titles[N_GROUPS] = {
    N_("Pack"), N_("Cells"), N_("Temperatures"), N_("Protection and Relays"), N_("Board"),
  };
  GtkWidget *page = adw_preferences_page_new ();
  GtkWidget *groups[N_GROUPS], *flows[N_GROUPS];
  GtkWidget *grid_group = adw_preferences_group_new ();
  GtkWidget *age_box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *icon = gtk_image_new_from_icon_name ("document-open-recent-symbolic");

  /* how old the reading is, when it is not live */
  self->age_group = adw_preferences_group_new ();
  self->age = gtk_label_new (NULL);
  gtk_label_set_wrap (GTK_LABEL (self->age), TRUE);
  gtk_label_set_xalign (GTK_LABEL (self->age), 0);
  gtk_widget_set_hexpand (self->age, TRUE);
  gtk_widget_add_css_class (age_box, "card");
  gtk_widget_add_css_class (age_box, "bms-age");
  gtk_box_append (GTK_BOX (age_box), icon);
  gtk_box_append (GTK_BOX (age_box), self->age);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (self->age_group), age_box);
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), ADW_PREFERENCES_GROUP (self->age_group));

  for (guint g = 0; g < N_GROUPS; g++)
    {
      groups[g] = adw_preferences_group_new ();
      adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (groups[g]), _(titles[g]));
      flows[g] = tiles_box (2, 4);
      adw_preferences_group_add (ADW_PREFERENCES_GROUP (groups[g]), flows[g]);
    }
  for (guint f = 0; f < N_FIELDS; f++)
    gtk_flow_box_append (GTK_FLOW_BOX (flows[fields[f].group]), field_tile (self, f));
  {
    g_autofree char *battery = g_strdup_printf (_("Battery %s"), self->device_no ? self->device_no : "");
    g_autofree char *spec = NULL;

    if (self->spec != NULL && self->spec->chemistry != NULL)
      spec = g_strdup_printf (_("%s · %d cells · %.1f V · %.1f Ah"), chemistry_title (self->spec->chemistry),
                              self->spec->series,
                              self->spec->nominal_mv / 1000.0, self->spec->capacity_mah / 1000.0);
    adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (groups[GROUP_PACK]), battery);
    adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (groups[GROUP_PACK]), spec);
  }

  /* the cell grid: a tile a cell, marked when it balances */
  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (grid_group), _("Cell Voltages"));
  adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (grid_group),
                                         _("Live; the highest cell is marked red, the lowest blue, and the cells "
                                           "balancing now are outlined."));
  self->cells = tiles_box (5, 10);
  for (int k = 0; k < MT_MAX_CELLS; k++)
    {
      GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
      g_autofree char *number = g_strdup_printf ("#%d", k + 1);
      GtkWidget *name = gtk_label_new (number);

      gtk_widget_add_css_class (box, "card");
      gtk_widget_add_css_class (box, "cell-tile");
      gtk_widget_add_css_class (name, "dim-label");
      gtk_widget_add_css_class (name, "caption");
      self->cell_labels[k] = gtk_label_new ("—");
      gtk_widget_add_css_class (self->cell_labels[k], "numeric");
      /* TRANSLATORS: under a cell's voltage, when the board bleeds it to even the cells */
      self->cell_balancing[k] = gtk_label_new (_("balancing"));
      gtk_widget_add_css_class (self->cell_balancing[k], "caption");
      gtk_widget_add_css_class (self->cell_balancing[k], "accent");
      gtk_widget_set_visible (self->cell_balancing[k], FALSE);
      gtk_box_append (GTK_BOX (box), name);
      gtk_box_append (GTK_BOX (box), self->cell_labels[k]);
      gtk_box_append (GTK_BOX (box), self->cell_balancing[k]);
      gtk_flow_box_append (GTK_FLOW_BOX (self->cells), box);
      gtk_widget_set_visible (gtk_widget_get_parent (box), FALSE);
    }
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (grid_group), self->cells);

  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), ADW_PREFERENCES_GROUP (groups[GROUP_PACK]));
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), ADW_PREFERENCES_GROUP (grid_group));
  for (guint g = GROUP_CELLS; g < N_GROUPS; g++)
    adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), ADW_PREFERENCES_GROUP (groups[g]));
  return page;
}

/* A button for one of the dialog's actions (bms.read, bms.write, bms.restart, bms.reset) */
static GtkWidget *
button_for (const char *label,
            const char *action)
{
  GtkWidget *b = gtk_button_new_with_mnemonic (label);

  gtk_widget_set_valign (b, GTK_ALIGN_CENTER);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (b), action);
  return b;
}

static void
bms_action (GtkWidget  *widget,
            const char *name,
            GVariant   *param)
{
  MtBmsDialog *self = MT_BMS_DIALOG (widget);

  if (g_str_equal (name, "bms.read"))
    read_params_cb (self);
  else if (g_str_equal (name, "bms.write"))
    write_params_cb (self);
  else if (g_str_equal (name, "bms.restart"))
    restart_cb (self);
  else if (g_str_equal (name, "bms.reset"))
    factory_reset_cb (self);
}

static GtkWidget *
build_settings (MtBmsDialog *self)
{
  GtkWidget *page = adw_preferences_page_new ();
  GtkWidget *group = adw_preferences_group_new ();
  GtkWidget *buttons = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  gboolean can_write = mt_actor_can (self->actor, "bms", "params") && (self->actor->caps & MT_CAP_BMS_PARAMS);
  GtkWidget *write = button_for (_("_Write…"), "bms.write");

  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (group), _("Protection Parameters"));
  adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (group),
                                         can_write ? _("Factory values are standard for the cells. Change them only "
                                                       "when you know the battery needs it.")
                                                   : _("Your role or operator may read these values, not change them."));
  gtk_box_append (GTK_BOX (buttons), button_for (_("_Read"), "bms.read"));
  gtk_widget_add_css_class (write, "destructive-action");
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "bms.write", can_write);
  gtk_box_append (GTK_BOX (buttons), write);
  adw_preferences_group_set_header_suffix (ADW_PREFERENCES_GROUP (group), buttons);
  for (guint k = 0; k < MT_N_PARAMS; k++)
    {
      const MtParamInfo *info = mt_param_info (k);
      g_autofree char *min = mt_param_format (k, info->min);
      g_autofree char *max = mt_param_format (k, info->max);
      g_autofree char *title = g_strdup_printf ("%s (%s–%s %s)", _(info->title), min, max, info->shown_unit);

      self->params[k] = adw_entry_row_new ();
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->params[k]), title);
      gtk_editable_set_editable (GTK_EDITABLE (self->params[k]), can_write);
      adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), self->params[k]);
    }
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), ADW_PREFERENCES_GROUP (group));
  return page;
}

/* A relay's row: its state in words, and On / Off buttons that show the state (neither when it
 * is unknown) */
static GtkWidget *
relay_row (MtBmsDialog *self,
           GtkWidget   *group,
           guint        which,
           const char  *title)
{
  static const char *const names[] = { "relay.charge", "relay.discharge" };
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *buttons = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
  GtkWidget *on = gtk_toggle_button_new_with_label (C_("relay", "On"));
  GtkWidget *off = gtk_toggle_button_new_with_label (C_("relay", "Off"));

  gtk_widget_add_css_class (buttons, "linked");
  gtk_widget_set_valign (buttons, GTK_ALIGN_CENTER);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (on), names[which]);
  gtk_actionable_set_action_target (GTK_ACTIONABLE (on), "s", RELAY_ON);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (off), names[which]);
  gtk_actionable_set_action_target (GTK_ACTIONABLE (off), "s", RELAY_OFF);
  gtk_box_append (GTK_BOX (buttons), on);
  gtk_box_append (GTK_BOX (buttons), off);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), buttons);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), row);
  self->relay_rows[which] = row;
  show_relay (self, which, RELAY_UNKNOWN);
  return row;
}

static GtkWidget *
build_control (MtBmsDialog *self)
{
  GtkWidget *page = adw_preferences_page_new ();
  GtkWidget *switches = adw_preferences_group_new ();
  GtkWidget *board = adw_preferences_group_new ();
  GtkWidget *row;
  gboolean can = mt_actor_can (self->actor, "bms", "control") && (self->actor->caps & MT_CAP_BMS_CONTROL);
  /* the store end cuts and restores the power (the discharge relay) with devices:power */
  gboolean can_power = (can || mt_actor_can (self->actor, "devices", "power")) &&
                       (self->actor->caps & MT_CAP_BMS_CONTROL);

  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (switches), _("Relays"));
  adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (switches),
                                         can || can_power
                                         ? _("Each change is confirmed, sent to the battery and recorded in the "
                                             "audit log with its result.")
                                         : _("Your role or operator may not control batteries."));
  relay_row (self, switches, 0, _("Charge relay"));
  relay_row (self, switches, 1, _("Discharge relay (power)"));
  g_simple_action_set_enabled (G_SIMPLE_ACTION (g_action_map_lookup_action (G_ACTION_MAP (self->relays), "charge")), can);
  g_simple_action_set_enabled (G_SIMPLE_ACTION (g_action_map_lookup_action (G_ACTION_MAP (self->relays), "discharge")),
                               can_power);
  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (board), _("Board"));
  row = adw_action_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("Restart"));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), _("Offline for a moment"));
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), button_for (_("R_estart…"), "bms.restart"));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (board), row);
  row = adw_action_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("Factory reset"));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), _("Every parameter back to its factory value"));
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), button_for (_("Re_set…"), "bms.reset"));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (board), row);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "bms.restart", can);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "bms.reset", can);
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), ADW_PREFERENCES_GROUP (switches));
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), ADW_PREFERENCES_GROUP (board));
  return page;
}

static GtkWidget *
build_statistics (MtBmsDialog *self)
{
  static const char *const types[] = {
    "cell_ov", "cell_uv", "pack_ov", "pack_uv", "over_charge", "over_discharge", "charge_oc", "discharge_oc",
    "short_circuit", "temp_high", "temp_low", "imbalance", "low_soc", "vibration", "offline",
  };
  GtkWidget *page = adw_preferences_page_new ();
  GtkWidget *group = adw_preferences_group_new ();

  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (group), _("Protection Events"));
  adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (group),
                                         _("How often each was reported, over every alarm of this battery."));
  for (guint i = 0; i < G_N_ELEMENTS (types); i++)
    {
      GtkWidget *row = adw_action_row_new ();
      g_autofree char *count = g_strdup_printf ("%" G_GINT64_FORMAT,
                                                mt_read_alarm_reports (self->db, self->actor, self->device_id, types[i]));
      GtkWidget *label = gtk_label_new (count);

      gtk_widget_add_css_class (label, "numeric");
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), mt_alarm_type_title (types[i]));
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), label);
      adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), row);
    }
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), ADW_PREFERENCES_GROUP (group));
  return page;
}

void
mt_bms_dialog_set_tab (MtBmsDialog *self,
                       const char  *tab)
{
  adw_view_stack_set_visible_child_name (ADW_VIEW_STACK (self->stack), tab);
}

static void
mt_bms_dialog_dispose (GObject *object)
{
  MtBmsDialog *self = MT_BMS_DIALOG (object);

  if (self->ingest && self->telemetry_id)
    g_signal_handler_disconnect (self->ingest, self->telemetry_id);
  self->telemetry_id = 0;
  g_clear_handle_id (&self->poll, g_source_remove);
  if (self->polling)
    g_cancellable_cancel (self->polling);
  g_clear_object (&self->ingest);
  g_clear_object (&self->relays);
  G_OBJECT_CLASS (mt_bms_dialog_parent_class)->dispose (object);
}

static void
mt_bms_dialog_finalize (GObject *object)
{
  g_free (MT_BMS_DIALOG (object)->device_no);
  mt_battery_spec_free (MT_BMS_DIALOG (object)->spec);
  g_clear_object (&MT_BMS_DIALOG (object)->context);
  G_OBJECT_CLASS (mt_bms_dialog_parent_class)->finalize (object);
}

static void
mt_bms_dialog_class_init (MtBmsDialogClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = mt_bms_dialog_dispose;
  G_OBJECT_CLASS (klass)->finalize = mt_bms_dialog_finalize;
  signals[SIGNAL_COMMAND_DONE] = g_signal_new ("command-done", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                               NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  gtk_widget_class_set_template_from_resource (GTK_WIDGET_CLASS (klass), "/com/mtxnyjs/Mingtang/ui/mt-bms-dialog.ui");
  gtk_widget_class_install_action (GTK_WIDGET_CLASS (klass), "bms.read", NULL, bms_action);
  gtk_widget_class_install_action (GTK_WIDGET_CLASS (klass), "bms.write", NULL, bms_action);
  gtk_widget_class_install_action (GTK_WIDGET_CLASS (klass), "bms.restart", NULL, bms_action);
  gtk_widget_class_install_action (GTK_WIDGET_CLASS (klass), "bms.reset", NULL, bms_action);
  gtk_widget_class_bind_template_child (GTK_WIDGET_CLASS (klass), MtBmsDialog, toasts);
  gtk_widget_class_bind_template_child (GTK_WIDGET_CLASS (klass), MtBmsDialog, stack);
  gtk_widget_class_bind_template_child (GTK_WIDGET_CLASS (klass), MtBmsDialog, switcher);
  gtk_widget_class_bind_template_child (GTK_WIDGET_CLASS (klass), MtBmsDialog, status_page);
  gtk_widget_class_bind_template_child (GTK_WIDGET_CLASS (klass), MtBmsDialog, settings_page);
  gtk_widget_class_bind_template_child (GTK_WIDGET_CLASS (klass), MtBmsDialog, control_page);
  gtk_widget_class_bind_template_child (GTK_WIDGET_CLASS (klass), MtBmsDialog, statistics_page);
}

static void
mt_bms_dialog_init (MtBmsDialog *self)
{
  static const GActionEntry relays[] = {
    { "charge", relay_activate, "s", "'unknown'", NULL },
    { "discharge", relay_activate, "s", "'unknown'", NULL },
  };

  gtk_widget_init_template (GTK_WIDGET (self));
  self->online = -1;
  self->relays = g_simple_action_group_new ();
  g_action_map_add_action_entries (G_ACTION_MAP (self->relays), relays, G_N_ELEMENTS (relays), self);
  gtk_widget_insert_action_group (GTK_WIDGET (self), "relay", G_ACTION_GROUP (self->relays));
}

MtBmsDialog *
mt_bms_dialog_new (GtkWindow     *parent,
                   MtContext     *context,
                   gint64         device_id)
{
  MtBmsDialog *self = g_object_new (MT_TYPE_BMS_DIALOG, "transient-for", parent, NULL);
  MtIngest *ingest = mt_context_get_ingest (context);
  g_autofree char *title = NULL;

  self->context = g_object_ref (context);
  self->db = mt_context_get_db (context);
  self->actor = mt_context_get_actor (context);
  self->device_id = device_id;
  self->ingest = ingest ? g_object_ref (ingest) : NULL;
  self->connected = mt_context_get_engine (context) != NULL;
  self->device_no = mt_read_device_no (self->db, self->actor, device_id);
  self->spec = mt_read_battery_spec (self->db, self->actor, device_id);
  title = g_strdup_printf (_("BMS · %s"), self->device_no ? self->device_no : "");
  gtk_window_set_title (GTK_WINDOW (self), title);
  adw_view_switcher_title_set_title (ADW_VIEW_SWITCHER_TITLE (self->switcher), title);
  {
    GtkWidget *pages[][2] = { { self->status_page, build_status (self) },
                              { self->settings_page, build_settings (self) },
                              { self->control_page, build_control (self) },
                              { self->statistics_page, build_statistics (self) } };

    for (guint i = 0; i < G_N_ELEMENTS (pages); i++)
      {
        gtk_widget_set_vexpand (pages[i][1], TRUE);
        gtk_box_append (GTK_BOX (pages[i][0]), pages[i][1]);
      }
  }

  load_latest (self);
  if (self->ingest)
    self->telemetry_id = g_signal_connect (self->ingest, "telemetry", G_CALLBACK (telemetry_cb), self);
  else if (self->connected)
    {
      /* connected: the server holds the live messages; asked twice a second while open */
      poll_cb (self);
      self->poll = g_timeout_add (500, poll_cb, self);
    }
  return self;
}
