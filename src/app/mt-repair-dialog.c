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
  GtkWidget     *state_row;
  GtkWidget     *note_row;
  GtkWidget     *cost_row;
  GtkWidget     *device_row;
  GtkWidget     *kind_row;
  GtkWidget     *reporter_row;
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

static void
mt_repair_dialog_class_init (MtRepairDialogClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = mt_repair_dialog_dispose;
  G_OBJECT_CLASS (klass)->finalize = mt_repair_dialog_finalize;
  signals[SAVED] = g_signal_new ("saved", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                 NULL, NULL, NULL, G_TYPE_NONE, 0);
  gtk_widget_class_add_binding_action (GTK_WIDGET_CLASS (klass), GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
mt_repair_dialog_init (MtRepairDialog *self)
{
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
save_clicked_cb (MtRepairDialog *self)
{
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
      mt_api_request_set_text (request, "fault", gtk_editable_get_text (GTK_EDITABLE (self->note_row)));
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

static GtkWidget *
history_group (MtRepairDialog *self)
{
  GtkWidget *group = adw_preferences_group_new ();
  g_autoptr(GArray) steps = mt_read_repair_steps (self->db, self->actor, self->repair_id);

  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (group), _("Progress"));
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
  return group;
}

MtRepairDialog *
mt_repair_dialog_new (GtkWindow     *parent,
                      MtContext     *context,
                      gint64         repair_id)
{
  MtRepairDialog *self = g_object_new (MT_TYPE_REPAIR_DIALOG, "transient-for", parent, "modal", TRUE,
                                       "default-width", 640, "default-height", 640, NULL);
  GtkWidget *header = adw_header_bar_new ();
  GtkWidget *cancel = gtk_button_new_with_mnemonic (_("_Cancel"));
  GtkWidget *save = gtk_button_new_with_mnemonic (_("_Save"));
  GtkWidget *page = adw_preferences_page_new ();
  GtkWidget *form = adw_preferences_group_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  g_autoptr(GtkStringList) states = gtk_string_list_new (NULL);

  self->context = g_object_ref (context);
  self->db = mt_context_get_db (context);
  self->actor = mt_context_get_actor (context);
  self->repair_id = repair_id;

  adw_header_bar_set_show_end_title_buttons (ADW_HEADER_BAR (header), FALSE);
  adw_header_bar_set_show_start_title_buttons (ADW_HEADER_BAR (header), FALSE);
  adw_header_bar_pack_start (ADW_HEADER_BAR (header), cancel);
  adw_header_bar_pack_end (ADW_HEADER_BAR (header), save);
  gtk_widget_add_css_class (save, "suggested-action");
  g_signal_connect_swapped (cancel, "clicked", G_CALLBACK (gtk_window_destroy), self);
  g_signal_connect_swapped (save, "clicked", G_CALLBACK (save_clicked_cb), self);
  gtk_window_set_titlebar (GTK_WINDOW (self), header);

  self->error_label = gtk_label_new (NULL);
  gtk_widget_add_css_class (self->error_label, "error");
  gtk_label_set_wrap (GTK_LABEL (self->error_label), TRUE);
  gtk_widget_set_margin_top (self->error_label, 12);
  gtk_widget_set_visible (self->error_label, FALSE);
  gtk_box_append (GTK_BOX (box), self->error_label);

  if (repair_id == 0)
    {
      g_autoptr(GtkStringList) kinds = gtk_string_list_new (NULL);

      gtk_window_set_title (GTK_WINDOW (self), _("Report Fault"));
      for (guint i = 0; mt_reporter_kinds[i].value; i++)
        gtk_string_list_append (kinds, _(mt_reporter_kinds[i].label));
      self->device_row = adw_entry_row_new ();
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->device_row), _("Device number"));
      self->kind_row = adw_combo_row_new ();
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->kind_row), _("Reported by"));
      adw_combo_row_set_model (ADW_COMBO_ROW (self->kind_row), G_LIST_MODEL (kinds));
      self->reporter_row = adw_entry_row_new ();
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->reporter_row), _("Reporter"));
      self->note_row = adw_entry_row_new ();
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->note_row), _("Fault"));
      adw_preferences_group_add (ADW_PREFERENCES_GROUP (form), self->device_row);
      adw_preferences_group_add (ADW_PREFERENCES_GROUP (form), self->kind_row);
      adw_preferences_group_add (ADW_PREFERENCES_GROUP (form), self->reporter_row);
      adw_preferences_group_add (ADW_PREFERENCES_GROUP (form), self->note_row);
      adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), ADW_PREFERENCES_GROUP (form));
    }
  else
    {
      GtkWidget *info = adw_preferences_group_new ();
      g_autoptr(MtRepairDetails) repair = mt_read_repair (self->db, self->actor, repair_id);
      g_autofree char *title = NULL;
      g_autofree char *state = NULL;

      if (repair != NULL)
        {
          g_autofree char *cost = mt_format_money (repair->cost_fen);
          g_autofree char *desc = g_strdup_printf (_("Device %s · %s · cost so far %s"), repair->device_no,
                                                   repair->fault, cost);
          title = g_strdup_printf (_("Repair Progress — %s"), repair->repair_no);
          state = g_strdup (repair->state);
          self->version = repair->version;
          adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (info),
                                           mt_choice_label (mt_repair_states, state));
          adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (info), desc);
        }
      gtk_window_set_title (GTK_WINDOW (self), title ? title : _("Repair Progress"));

      self->next_states = mt_repair_next_states (state);
      for (guint i = 0; self->next_states[i]; i++)
        gtk_string_list_append (states, mt_choice_label (mt_repair_states, self->next_states[i]));
      self->state_row = adw_combo_row_new ();
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->state_row), _("New state"));
      adw_combo_row_set_model (ADW_COMBO_ROW (self->state_row), G_LIST_MODEL (states));
      if (self->next_states[0] && self->next_states[1])
        adw_combo_row_set_selected (ADW_COMBO_ROW (self->state_row), 1);
      self->note_row = adw_entry_row_new ();
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->note_row), _("Note"));
      self->cost_row = adw_entry_row_new ();
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->cost_row), _("Repair cost (yuan)"));
      adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (form), _("Next step"));
      adw_preferences_group_add (ADW_PREFERENCES_GROUP (form), self->state_row);
      adw_preferences_group_add (ADW_PREFERENCES_GROUP (form), self->note_row);
      adw_preferences_group_add (ADW_PREFERENCES_GROUP (form), self->cost_row);
      gtk_widget_set_sensitive (form, self->next_states[0] != NULL &&
                                      mt_actor_can (self->actor, "repairs", "progress"));
      gtk_widget_set_sensitive (save, self->next_states[0] != NULL && mt_actor_can (self->actor, "repairs", "progress"));
      adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), ADW_PREFERENCES_GROUP (info));
      adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), ADW_PREFERENCES_GROUP (history_group (self)));
      adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), ADW_PREFERENCES_GROUP (form));
    }
  gtk_widget_set_vexpand (page, TRUE);
  gtk_box_append (GTK_BOX (box), page);
  gtk_window_set_child (GTK_WINDOW (self), box);
  return self;
}
