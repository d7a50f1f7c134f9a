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

/* The status rows, in the order shown */
enum
{
  ROW_STATE, ROW_ONLINE, ROW_SOC, ROW_PACK, ROW_CURRENT, ROW_CELL_HIGH, ROW_CELL_LOW, ROW_CELL_DELTA,
  ROW_CAPACITY, ROW_CYCLES, ROW_TEMPS, ROW_BOARD, ROW_PROTECTION, ROW_BALANCING, ROW_RELAYS,
  ROW_FIRMWARE, ROW_UPDATED, N_ROWS
};

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

  GtkWidget     *toasts;
  GtkWidget     *stack;
  GtkWidget     *switcher;
  GtkWidget     *status_page;
  GtkWidget     *settings_page;
  GtkWidget     *control_page;
  GtkWidget     *statistics_page;
  GtkWidget     *rows[N_ROWS];
  GtkWidget     *cells;          /* GtkFlowBox */
  GtkWidget     *cell_labels[MT_MAX_CELLS];
  char           cell_marks[MT_MAX_CELLS][8];
  GtkWidget     *params[MT_N_PARAMS];
  GtkWidget     *charge;
  GtkWidget     *discharge;
  gboolean       updating;       /* switches set from telemetry, not by the user */
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
set_row (MtBmsDialog *self,
         guint        row,
         const char  *text)
{
  adw_action_row_set_subtitle (ADW_ACTION_ROW (self->rows[row]), text && *text ? text : "—");
}

static char *
volts (int mv)
{
  return g_strdup_printf ("%.3f V", mv / 1000.0);
}

static char *
celsius (int dc)
{
  /* TRANSLATORS: a temperature sensor that is not connected */
  return dc == MT_ABSENT ? g_strdup (_("open")) : g_strdup_printf ("%.1f °C", dc / 10.0);
}

/* ------------------------------------------------------------------ status */

void
mt_bms_dialog_show_telemetry (MtBmsDialog       *self,
                              const MtTelemetry *t)
{
  static const char *const states[] = { N_("Idle"), N_("Charging"), N_("Discharging") };
  g_autofree char *pack = volts (t->pack_mv);
  g_autofree char *soc = g_strdup_printf ("%d%%", t->soc);
  g_autofree char *current = NULL;
  g_autofree char *capacity = NULL;
  g_autofree char *cycles = NULL;
  g_autofree char *board = celsius (t->board_dc);
  g_autofree char *updated = NULL;
  GString *temps = g_string_new (NULL);
  GString *prot = g_string_new (NULL);
  GString *balancing = g_string_new (NULL);
  int hi, lo;

  set_row (self, ROW_STATE, _(states[t->state]));
  set_row (self, ROW_SOC, soc);
  set_row (self, ROW_PACK, pack);
  current = t->current_ma == 0 ? g_strdup ("0 A")
            : g_strdup_printf (t->current_ma > 0 ? _("%.1f A charging") : _("%.1f A discharging"),
                               ABS (t->current_ma) / 1000.0);
  set_row (self, ROW_CURRENT, current);
  mt_telemetry_cell_extremes (t, &hi, &lo);
  if (hi >= 0)
    {
      g_autofree char *high = g_strdup_printf ("#%d  %.3f V", hi + 1, t->cells_mv[hi] / 1000.0);
      g_autofree char *low = g_strdup_printf ("#%d  %.3f V", lo + 1, t->cells_mv[lo] / 1000.0);
      g_autofree char *delta = g_strdup_printf ("%d mV", t->cells_mv[hi] - t->cells_mv[lo]);

      set_row (self, ROW_CELL_HIGH, high);
      set_row (self, ROW_CELL_LOW, low);
      set_row (self, ROW_CELL_DELTA, delta);
    }
  if (t->remaining_mah != MT_ABSENT && t->nominal_mah != MT_ABSENT)
    capacity = g_strdup_printf (_("%.1f Ah of %.1f Ah"), t->remaining_mah / 1000.0, t->nominal_mah / 1000.0);
  set_row (self, ROW_CAPACITY, capacity);
  if (t->cycles != MT_ABSENT)
    cycles = g_strdup_printf ("%d", t->cycles);
  set_row (self, ROW_CYCLES, cycles);
  for (int k = 0; k < t->n_temps; k++)
    {
      g_autofree char *one = celsius (t->temps_dc[k]);
      g_string_append_printf (temps, "%s%s", k ? " · " : "", one);
    }
  set_row (self, ROW_TEMPS, temps->str);
  set_row (self, ROW_BOARD, board);
  for (guint k = 0; k < MT_N_PROTS; k++)
    if (t->prot & (1u << k))
      g_string_append_printf (prot, "%s%s", prot->len ? "、" : "", mt_alarm_type_title (mt_prot_name (k)));
  set_row (self, ROW_PROTECTION, prot->len ? prot->str : _("None"));
  for (int k = 0; k < t->n_cells; k++)
    if (t->balancing & (1u << k))
      g_string_append_printf (balancing, "%s#%d", balancing->len ? " " : "", k + 1);
  set_row (self, ROW_BALANCING, balancing->len ? balancing->str : _("Not balancing"));
  {
    g_autofree char *relays = g_strdup_printf (_("charge %s · discharge %s"),
                                               t->charge_on == 0 ? _("off") : t->charge_on == 1 ? _("on") : "—",
                                               t->discharge_on == 0 ? _("off") : t->discharge_on == 1 ? _("on") : "—");
    set_row (self, ROW_RELAYS, relays);
  }
  {
    g_autofree char *firmware = g_strdup_printf ("%s · %s", t->fw[0] ? t->fw : "—", t->hw[0] ? t->hw : "—");
    set_row (self, ROW_FIRMWARE, firmware);
  }
  updated = mt_format_time (t->ts_ms * 1000);
  set_row (self, ROW_UPDATED, updated);
  set_row (self, ROW_ONLINE, _("Online"));

  /* the cell grid: one tile a cell, the highest and lowest marked */
  for (int k = 0; k < MT_MAX_CELLS; k++)
    {
      GtkWidget *tile = self->cell_labels[k] ? gtk_widget_get_parent (gtk_widget_get_parent (self->cell_labels[k])) : NULL;

      if (tile)
        gtk_widget_set_visible (tile, k < t->n_cells);
      if (k >= t->n_cells)
        continue;
      {
        g_autofree char *v = g_strdup_printf ("%.3f V", t->cells_mv[k] / 1000.0);
        GtkWidget *box = gtk_widget_get_parent (self->cell_labels[k]);

        gtk_label_set_text (GTK_LABEL (self->cell_labels[k]), v);
        gtk_widget_remove_css_class (box, "cell-high");
        gtk_widget_remove_css_class (box, "cell-low");
        g_strlcpy (self->cell_marks[k], "", sizeof self->cell_marks[k]);
        if (k == hi && hi != lo)
          {
            gtk_widget_add_css_class (box, "cell-high");
            g_strlcpy (self->cell_marks[k], "highest", sizeof self->cell_marks[k]);
          }
        else if (k == lo && hi != lo)
          {
            gtk_widget_add_css_class (box, "cell-low");
            g_strlcpy (self->cell_marks[k], "lowest", sizeof self->cell_marks[k]);
          }
        gtk_widget_set_tooltip_text (box, k == hi && hi != lo ? _("Highest cell")
                                          : k == lo && hi != lo ? _("Lowest cell") : NULL);
      }
    }

  self->updating = TRUE;
  if (t->charge_on != MT_ABSENT)
    gtk_switch_set_active (GTK_SWITCH (self->charge), t->charge_on);
  if (t->discharge_on != MT_ABSENT)
    gtk_switch_set_active (GTK_SWITCH (self->discharge), t->discharge_on);
  self->updating = FALSE;

  g_string_free (temps, TRUE);
  g_string_free (prot, TRUE);
  g_string_free (balancing, TRUE);
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

/* The last message the database holds for the device (the full one is kept with snapshots) */
static void
load_latest (MtBmsDialog *self)
{
  int online = -1;
  g_autofree char *payload = mt_read_device_latest (self->db, self->actor, self->device_id, &online);
  MtTelemetry t;

  if (payload != NULL && mt_telemetry_parse (payload, strlen (payload), &t, NULL))
    mt_bms_dialog_show_telemetry (self, &t);
  set_row (self, ROW_ONLINE, online == 1 ? _("Online") : online == 0 ? _("Offline") : _("Never reported"));
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

  if (answer == NULL || g_cancellable_is_cancelled (self->polling))
    {
      g_clear_object (&self->polling);
      return;   /* out of reach for now: the next poll tries again */
    }
  g_clear_object (&self->polling);
  o = json_node_get_object (answer);
  node = json_object_get_member (o, "online");
  set_row (self, ROW_ONLINE, node == NULL || JSON_NODE_HOLDS_NULL (node) ? _("Never reported")
                             : json_node_get_boolean (node) ? _("Online") : _("Offline"));
  received = json_object_get_int_member_with_default (o, "received", 0);
  node = json_object_get_member (o, "telemetry");
  if (node != NULL && JSON_NODE_HOLDS_OBJECT (node) && (received == 0 || received != self->polled_received))
    {
      g_autofree char *payload = json_to_string (node, FALSE);
      MtTelemetry t;

      self->polled_received = received;
      if (mt_telemetry_parse (payload, strlen (payload), &t, NULL))
        mt_bms_dialog_show_telemetry (self, &t);
    }
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
        g_autofree char *v = g_strdup_printf ("%d", params->values[k]);
        gtk_editable_set_text (GTK_EDITABLE (self->params[k]), v);
      }
}

static void
command_result (MtBmsDialog     *self,
                MtCommandResult  result,
                const char      *error,
                const MtParams  *params)
{
  g_autofree char *text = NULL;

  switch (result)
    {
    case MT_COMMAND_DONE:
      text = g_strdup (_("Done: the battery confirmed it"));
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
      command_result (sent->self, result, ack ? ack->error : NULL, ack ? &ack->params : NULL);
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
          command_result (sent->self, g_str_equal (result, "done") ? MT_COMMAND_DONE : MT_COMMAND_REFUSED,
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
  GtkWidget   *revert;    /* a switch to put back when the user says no */
} Confirm;

static void
confirm_response_cb (AdwMessageDialog *dialog,
                     const char       *response,
                     Confirm          *c)
{
  if (g_str_equal (response, "go"))
    mt_bms_dialog_send (c->self, &c->command);
  else if (c->revert != NULL)
    {
      c->self->updating = TRUE;
      gtk_switch_set_active (GTK_SWITCH (c->revert), !gtk_switch_get_active (GTK_SWITCH (c->revert)));
      c->self->updating = FALSE;
    }
}

static void
confirm (MtBmsDialog     *self,
         const MtCommand *command,
         const char      *heading,
         const char      *body,
         const char      *go,
         gboolean         destructive,
         GtkWidget       *revert)
{
  GtkWidget *dialog = adw_message_dialog_new (GTK_WINDOW (self), heading, body);
  Confirm *c = g_new0 (Confirm, 1);

  c->self = self;
  c->command = *command;
  c->revert = revert;
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _("_Cancel"), "go", go, NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "go",
                                              destructive ? ADW_RESPONSE_DESTRUCTIVE : ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_object_set_data_full (G_OBJECT (dialog), "confirm", c, g_free);
  g_signal_connect (dialog, "response", G_CALLBACK (confirm_response_cb), c);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
switch_cb (GtkSwitch   *sw,
           GParamSpec  *pspec,
           MtBmsDialog *self)
{
  gboolean on = gtk_switch_get_active (sw);
  MtCommand command = { .kind = GTK_WIDGET (sw) == self->charge ? MT_CMD_CHARGE : MT_CMD_DISCHARGE, .on = on };

  if (self->updating)
    return;
  if (command.kind == MT_CMD_CHARGE)
    confirm (self, &command, on ? _("Turn Charging On?") : _("Turn Charging Off?"),
             on ? _("The battery can be charged again.") : _("The battery will refuse to charge."),
             on ? _("Turn _On") : _("Turn _Off"), !on, GTK_WIDGET (sw));
  else
    confirm (self, &command, on ? _("Turn Discharging On?") : _("Turn Discharging Off?"),
             on ? _("The battery powers the vehicle again.")
                : _("The battery stops giving power: a vehicle in use will stop."),
             on ? _("Turn _On") : _("Turn _Off"), !on, GTK_WIDGET (sw));
}

static void
restart_cb (MtBmsDialog *self)
{
  MtCommand command = { .kind = MT_CMD_RESTART };

  confirm (self, &command, _("Restart the BMS?"), _("The battery goes offline for a moment and comes back."),
           _("_Restart"), FALSE, NULL);
}

static void
factory_reset_cb (MtBmsDialog *self)
{
  MtCommand command = { .kind = MT_CMD_FACTORY_RESET };

  confirm (self, &command, _("Reset to Factory Values?"),
           _("Every protection parameter goes back to its factory value; the nominal capacity is kept."),
           _("_Reset"), TRUE, NULL);
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
      if (!g_ascii_string_to_signed (text, 10, G_MININT32, G_MAXINT32, &v, NULL) ||
          !mt_params_set (&command.params, k, v, &error))
        {
          g_autofree char *message = error ? g_strdup (error->message)
                                           : g_strdup_printf (_("%s must be a whole number"), _(mt_param_info (k)->title));
          toast (self, message);
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
             "it from protecting itself."), _("_Write"), TRUE, NULL);
}

/* ------------------------------------------------------------------ building */

static GtkWidget *
status_row (MtBmsDialog *self,
            GtkWidget   *group,
            guint        row,
            const char  *title)
{
  GtkWidget *r = adw_action_row_new ();

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (r), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (r), "—");
  gtk_widget_add_css_class (r, "property");
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), r);
  self->rows[row] = r;
  return r;
}

static GtkWidget *
build_status (MtBmsDialog *self)
{
  GtkWidget *page = adw_preferences_page_new ();
  GtkWidget *grid_group = adw_preferences_group_new ();
  GtkWidget *pack = adw_preferences_group_new ();
  GtkWidget *cells = adw_preferences_group_new ();
  GtkWidget *board = adw_preferences_group_new ();
  g_autofree char *spec = NULL;

  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (grid_group), _("Cell Voltages"));
  adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (grid_group),
                                         _("Live; the highest cell is marked red, the lowest blue."));
  self->cells = gtk_flow_box_new ();
  gtk_flow_box_set_selection_mode (GTK_FLOW_BOX (self->cells), GTK_SELECTION_NONE);
  gtk_flow_box_set_min_children_per_line (GTK_FLOW_BOX (self->cells), 5);
  gtk_flow_box_set_max_children_per_line (GTK_FLOW_BOX (self->cells), 10);
  gtk_flow_box_set_homogeneous (GTK_FLOW_BOX (self->cells), TRUE);
  gtk_flow_box_set_row_spacing (GTK_FLOW_BOX (self->cells), 6);
  gtk_flow_box_set_column_spacing (GTK_FLOW_BOX (self->cells), 6);
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
      gtk_box_append (GTK_BOX (box), name);
      gtk_box_append (GTK_BOX (box), self->cell_labels[k]);
      gtk_flow_box_append (GTK_FLOW_BOX (self->cells), box);
      gtk_widget_set_visible (gtk_widget_get_parent (box), FALSE);
    }
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (grid_group), self->cells);

  {
    g_autofree char *battery = g_strdup_printf (_("Battery %s"), self->device_no ? self->device_no : "");
    adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (pack), battery);
  }
  {
    g_autoptr(MtBatterySpec) battery = mt_read_battery_spec (self->db, self->actor, self->device_id);

    if (battery != NULL && battery->chemistry != NULL)
      spec = g_strdup_printf (_("%s · %d cells · %.1f V · %.1f Ah"), battery->chemistry, battery->series,
                              battery->nominal_mv / 1000.0, battery->capacity_mah / 1000.0);
  }
  adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (pack), spec);
  status_row (self, pack, ROW_STATE, _("Working state"));
  status_row (self, pack, ROW_ONLINE, _("Connection"));
  status_row (self, pack, ROW_SOC, _("State of charge"));
  status_row (self, pack, ROW_PACK, _("Pack voltage"));
  status_row (self, pack, ROW_CURRENT, _("Current"));
  status_row (self, pack, ROW_CAPACITY, _("Remaining capacity"));
  status_row (self, pack, ROW_CYCLES, _("Cycles"));
  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (cells), _("Cells and Temperatures"));
  status_row (self, cells, ROW_CELL_HIGH, _("Highest cell"));
  status_row (self, cells, ROW_CELL_LOW, _("Lowest cell"));
  status_row (self, cells, ROW_CELL_DELTA, _("Difference"));
  status_row (self, cells, ROW_TEMPS, _("Cell temperatures"));
  status_row (self, cells, ROW_BOARD, _("Board temperature"));
  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (board), _("Protection and Board"));
  status_row (self, board, ROW_PROTECTION, _("Protection active"));
  status_row (self, board, ROW_BALANCING, _("Balancing"));
  status_row (self, board, ROW_RELAYS, _("Relays"));
  status_row (self, board, ROW_FIRMWARE, _("Firmware · hardware"));
  status_row (self, board, ROW_UPDATED, _("Last update"));
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), ADW_PREFERENCES_GROUP (grid_group));
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), ADW_PREFERENCES_GROUP (pack));
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), ADW_PREFERENCES_GROUP (cells));
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), ADW_PREFERENCES_GROUP (board));
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
      g_autofree char *title = g_strdup_printf ("%s (%s, %d–%d)", _(info->title), info->unit, info->min, info->max);

      self->params[k] = adw_entry_row_new ();
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->params[k]), title);
      gtk_editable_set_editable (GTK_EDITABLE (self->params[k]), can_write);
      adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), self->params[k]);
    }
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), ADW_PREFERENCES_GROUP (group));
  return page;
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

  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (switches), _("Switches"));
  adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (switches),
                                         can || can_power
                                         ? _("Each change is confirmed, sent to the battery and recorded in the "
                                             "audit log with its result.")
                                         : _("Your role or operator may not control batteries."));
  mt_switch_row_add (switches, _("Charge switch"), _("The charge relay"), &self->charge);
  mt_switch_row_add (switches, _("Discharge switch"), _("The discharge relay: off cuts the power"), &self->discharge);
  g_signal_connect (self->charge, "notify::active", G_CALLBACK (switch_cb), self);
  g_signal_connect (self->discharge, "notify::active", G_CALLBACK (switch_cb), self);
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
  gtk_widget_set_sensitive (gtk_widget_get_ancestor (self->charge, ADW_TYPE_ACTION_ROW), can);
  gtk_widget_set_sensitive (gtk_widget_get_ancestor (self->discharge, ADW_TYPE_ACTION_ROW), can_power);
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
  G_OBJECT_CLASS (mt_bms_dialog_parent_class)->dispose (object);
}

static void
mt_bms_dialog_finalize (GObject *object)
{
  g_free (MT_BMS_DIALOG (object)->device_no);
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
  gtk_widget_init_template (GTK_WIDGET (self));
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
