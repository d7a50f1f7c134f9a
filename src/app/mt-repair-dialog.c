/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mt-repair-dialog"

#include "config.h"

#include <glib/gi18n.h>

#include "mt-entity.h"
#include "mt-ops.h"
#include "mt-reads.h"
#include "mt-repair-dialog.h"
#include "mt-validate.h"

struct _MtRepairDialog
{
  GtkWindow      parent_instance;
  MtContext     *context;
  MtDb          *db;       /* the context's */
  const MtActor *actor;    /* the context's */
  gint64         repair_id;
  gint64         version;
  GtkWidget     *error_label;
  GtkWidget     *report_group;
  GtkWidget     *device_row;
  GtkWidget     *kind_row;
  GtkWidget     *reporter_row;
  GtkWidget     *fault_row;
  GtkWidget     *info_group;
  GtkWidget     *history_group;
  GtkWidget     *step_group;
  GtkWidget     *state_row;
  GtkWidget     *note_row;
  GtkWidget     *cost_row;
  const char *const *next_states;
  gboolean       closed;
};

G_DEFINE_FINAL_TYPE (MtRepairDialog, mt_repair_dialog, GTK_TYPE_WINDOW)

enum { SAVED, N_SIGNALS };
static guint signals[N_SIGNALS];

static void
mt_repair_dialog_dispose (GObject *object)
{
  MtRepairDialog *self = MT_REPAIR_DIALOG (object);

  self->closed = TRUE;
  G_OBJECT_CLASS (mt_repair_dialog_parent_class)->dispose (object);
}

static void
mt_repair_dialog_finalize (GObject *object)
{
  g_clear_object (&MT_REPAIR_DIALOG (object)->context);
  G_OBJECT_CLASS (mt_repair_dialog_parent_class)->finalize (object);
}

static void save_action (GtkWidget *widget, const char *name, GVariant *param);

static void
mt_repair_dialog_class_init (MtRepairDialogClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = mt_repair_dialog_dispose;
  G_OBJECT_CLASS (klass)->finalize = mt_repair_dialog_finalize;
  signals[SAVED] = g_signal_new ("saved", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                 NULL, NULL, NULL, G_TYPE_NONE, 0);
  gtk_widget_class_set_template_from_resource (widget_class, "/com/mtxnyjs/Mingtang/ui/mt-repair-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, MtRepairDialog, error_label);
  gtk_widget_class_bind_template_child (widget_class, MtRepairDialog, report_group);
  gtk_widget_class_bind_template_child (widget_class, MtRepairDialog, device_row);
  gtk_widget_class_bind_template_child (widget_class, MtRepairDialog, kind_row);
  gtk_widget_class_bind_template_child (widget_class, MtRepairDialog, reporter_row);
  gtk_widget_class_bind_template_child (widget_class, MtRepairDialog, fault_row);
  gtk_widget_class_bind_template_child (widget_class, MtRepairDialog, info_group);
  gtk_widget_class_bind_template_child (widget_class, MtRepairDialog, history_group);
  gtk_widget_class_bind_template_child (widget_class, MtRepairDialog, step_group);
  gtk_widget_class_bind_template_child (widget_class, MtRepairDialog, state_row);
  gtk_widget_class_bind_template_child (widget_class, MtRepairDialog, note_row);
  gtk_widget_class_bind_template_child (widget_class, MtRepairDialog, cost_row);
  gtk_widget_class_install_action (widget_class, "repair.save", NULL, save_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
mt_repair_dialog_init (MtRepairDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

static void
show_error (MtRepairDialog *self,
            const GError   *error)
{
  gtk_label_set_text (GTK_LABEL (self->error_label), error->message);
  gtk_widget_set_visible (self->error_label, TRUE);
}

static void
saved_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      data)
{
  g_autoptr(MtRepairDialog) self = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) answer = mt_context_call_finish (MT_CONTEXT (source), result, &error);

  if (self->closed)
    return;
  if (answer == NULL)
    return show_error (self, error);
  g_signal_emit (self, signals[SAVED], 0);
  gtk_window_destroy (GTK_WINDOW (self));
}

/* A fault report (repairs.report) or a step of the ticket (repairs.steps) */
static void
save_action (GtkWidget  *widget,
             const char *name,
             GVariant   *param)
{
  MtRepairDialog *self = MT_REPAIR_DIALOG (widget);
  g_autoptr(GError) error = NULL;
  g_autoptr(MtApiRequest) request = NULL;

  if (self->repair_id == 0)
    {
      const char *no = gtk_editable_get_text (GTK_EDITABLE (self->device_row));
      gint64 device_id = mt_read_device_id (self->db, self->actor, no);
      guint kind = adw_combo_row_get_selected (ADW_COMBO_ROW (self->kind_row));

      if (device_id == 0)
        {
          gtk_label_set_text (GTK_LABEL (self->error_label), _("Device number: no device has this number"));
          gtk_widget_set_visible (self->error_label, TRUE);
          return;
        }
      request = mt_api_request_new ("repairs.report");
      mt_api_request_set_int (request, "device_id", device_id);
      mt_api_request_set_text (request, "reporter_kind", mt_reporter_kinds[kind].value);
      mt_api_request_set_text (request, "reporter", gtk_editable_get_text (GTK_EDITABLE (self->reporter_row)));
      mt_api_request_set_text (request, "fault", gtk_editable_get_text (GTK_EDITABLE (self->fault_row)));
    }
  else
    {
      guint pos = adw_combo_row_get_selected (ADW_COMBO_ROW (self->state_row));
      gint64 cost = 0;
      const char *cost_text = gtk_editable_get_text (GTK_EDITABLE (self->cost_row));

      if (self->next_states[0] == NULL)
        return;   /* a closed ticket takes no more steps */
      if (cost_text[0] && !mt_parse_money (cost_text, &cost, "cost_fen", _("Repair cost"), &error))
        {
          show_error (self, error);
          return;
        }
      request = mt_api_request_new ("repairs.steps");
      mt_api_request_set_id (request, self->repair_id);
      mt_api_request_set_int (request, "version", self->version);
      mt_api_request_set_text (request, "state", self->next_states[pos]);
      mt_api_request_set_text (request, "note", gtk_editable_get_text (GTK_EDITABLE (self->note_row)));
      mt_api_request_set_int (request, "cost_fen", cost);
    }
  mt_context_call_async (self->context, request, NULL, saved_cb, g_object_ref (self));
}

/* The ticket's steps so far, into the history group */
static void
fill_history (MtRepairDialog *self)
{
  GtkWidget *group = self->history_group;
  g_autoptr(GArray) steps = mt_read_repair_steps (self->db, self->actor, self->repair_id);

  for (guint i = 0; i < steps->len; i++)
    {
      const MtRepairStep *step = &g_array_index (steps, MtRepairStep, i);
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *note = NULL;
      g_autofree char *when = mt_format_time (step->at);
      g_autofree char *cost = mt_format_money (step->cost_fen);
      g_autofree char *who = g_strdup_printf ("%s · %s · %s", when, step->by && *step->by ? step->by : _("System"), cost);

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), mt_choice_label (mt_repair_states, step->state));
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), who);
      note = gtk_label_new (step->note);
      gtk_widget_add_css_class (note, "mt-data");
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), note);
      adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), row);
    }
}

MtRepairDialog *
mt_repair_dialog_new (GtkWindow     *parent,
                      MtContext     *context,
                      gint64         repair_id)
{
  MtRepairDialog *self = g_object_new (MT_TYPE_REPAIR_DIALOG, "transient-for", parent, NULL);

  self->context = g_object_ref (context);
  self->db = mt_context_get_db (context);
  self->actor = mt_context_get_actor (context);
  self->repair_id = repair_id;

  if (repair_id == 0)
    {
      g_autoptr(GtkStringList) kinds = gtk_string_list_new (NULL);

      gtk_window_set_title (GTK_WINDOW (self), _("Report Fault"));
      for (guint i = 0; mt_reporter_kinds[i].value; i++)
        gtk_string_list_append (kinds, _(mt_reporter_kinds[i].label));
      adw_combo_row_set_model (ADW_COMBO_ROW (self->kind_row), G_LIST_MODEL (kinds));
      gtk_widget_set_visible (self->report_group, TRUE);
    }
  else
    {
      g_autoptr(MtRepairDetails) repair = mt_read_repair (self->db, self->actor, repair_id);
      g_autoptr(GtkStringList) states = gtk_string_list_new (NULL);
      g_autofree char *title = NULL;
      gboolean progress;

      if (repair != NULL)
        {
          g_autofree char *cost = mt_format_money (repair->cost_fen);
          g_autofree char *desc = g_strdup_printf (_("Device %s · %s · cost so far %s"), repair->device_no,
                                                   repair->fault, cost);
          title = g_strdup_printf (_("Repair Progress — %s"), repair->repair_no);
          self->version = repair->version;
          adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (self->info_group),
                                           mt_choice_label (mt_repair_states, repair->state));
          adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (self->info_group), desc);
        }
      gtk_window_set_title (GTK_WINDOW (self), title ? title : _("Repair Progress"));

      self->next_states = mt_repair_next_states (repair ? repair->state : NULL);
      for (guint i = 0; self->next_states[i]; i++)
        gtk_string_list_append (states, mt_choice_label (mt_repair_states, self->next_states[i]));
      adw_combo_row_set_model (ADW_COMBO_ROW (self->state_row), G_LIST_MODEL (states));
      if (self->next_states[0] && self->next_states[1])
        adw_combo_row_set_selected (ADW_COMBO_ROW (self->state_row), 1);
      fill_history (self);
      progress = self->next_states[0] != NULL && mt_actor_can (self->actor, "repairs", "progress");
      gtk_widget_set_sensitive (self->step_group, progress);
      gtk_widget_action_set_enabled (GTK_WIDGET (self), "repair.save", progress);
      gtk_widget_set_visible (self->info_group, TRUE);
      gtk_widget_set_visible (self->history_group, TRUE);
      gtk_widget_set_visible (self->step_group, TRUE);
    }
  return self;
}
