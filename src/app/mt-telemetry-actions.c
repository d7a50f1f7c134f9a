/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mt-telemetry-actions"

#include "config.h"

#include <glib/gi18n.h>

#include "mt-alarms.h"
#include "mt-bms-dialog.h"
#include "mt-telemetry-actions.h"
#include "mt-window.h"

/* ------------------------------------------------------------------ BMS */

GtkWidget *
mt_telemetry_actions_open_bms (MtListPage *page,
                               gint64      device_id)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (page));
  MtBmsDialog *dialog;

  if (device_id == 0)
    {
      g_autoptr(GArray) ids = mt_list_page_get_selected_ids (page);

      if (ids->len == 0)
        return NULL;
      device_id = g_array_index (ids, gint64, 0);
    }
  dialog = mt_bms_dialog_new (GTK_WINDOW (root), mt_list_page_get_context (page), device_id);
  gtk_window_present (GTK_WINDOW (dialog));
  return GTK_WIDGET (dialog);
}

static void
bms_clicked_cb (MtListPage *page)
{
  mt_telemetry_actions_open_bms (page, 0);
}

/* ------------------------------------------------------------------ alarms */

static MtApiRequest *
handle_request (gint64   id,
                gpointer data)
{
  MtApiRequest *request = mt_api_request_new ("alarms.handle");

  mt_api_request_set_id (request, id);
  mt_api_request_set_text (request, "note", data);
  return request;
}

gboolean
mt_telemetry_actions_handle (MtListPage *page,
                             const char *note)
{
  return mt_list_page_send_each_selected (page, handle_request, (gpointer) note);
}

static void
handle_done_cb (MtListPage *page,
                const char *response,
                GtkWidget  *dialog)
{
  mt_telemetry_actions_handle (page, mt_dialog_row_text (dialog, "note"));
}

static void
handle_clicked_cb (MtListPage *page)
{
  GtkWidget *rows[] = { mt_entry_row_new (_("Note")), NULL };
  GtkWidget *dialog = mt_list_page_form_dialog (page, _("Handle the Selected Alarms?"),
                                                _("They are closed with your note. A new report opens a new alarm."),
                                                _("_Handle"), rows, G_CALLBACK (handle_done_cb));

  g_object_set_data (G_OBJECT (dialog), "note", rows[0]);
}

/* ------------------------------------------------------------------ alarm types */

static MtApiRequest *
visibility_request (gint64   id,
                    gpointer data)
{
  MtApiRequest *request = mt_api_request_new ("alarm_types.visibility");

  mt_api_request_set_id (request, id);
  mt_api_request_set_word (request, GPOINTER_TO_INT (data) ? "hide" : "show");
  return request;
}

gboolean
mt_telemetry_actions_hide_types (MtListPage *page,
                                 gboolean    hidden)
{
  return mt_list_page_send_each_selected (page, visibility_request, GINT_TO_POINTER (hidden));
}

static void
hide_clicked_cb (MtListPage *page)
{
  mt_telemetry_actions_hide_types (page, TRUE);
}

static void
show_clicked_cb (MtListPage *page)
{
  mt_telemetry_actions_hide_types (page, FALSE);
}

/* 设置报警类型: the alarm types, shown or hidden for me, in a dialog over the alarm list */
static void
types_clicked_cb (MtListPage *page)
{
  g_autoptr(GError) error = NULL;
  MtListPage *types = mt_list_page_new (mt_list_page_get_context (page), "alarm_types", &error);
  GtkWidget *window;

  if (types == NULL)
    {
      mt_list_page_show_error (page, error);
      return;
    }
  window = mt_list_page_present_window (page, _("Alarm Types"), NULL, GTK_WIDGET (types), 720, 620);
  /* what is hidden or shown again changes the list behind */
  g_signal_connect_object (window, "destroy", G_CALLBACK (mt_list_page_reload), page, G_CONNECT_SWAPPED);
  mt_list_page_reload (types);
}

void
mt_telemetry_actions_add (MtListPage *page,
                          const char *page_id,
                          GtkWidget  *bar,
                          GtkWidget  *action_bar)
{
  const MtActor *actor = mt_list_page_get_actor (page);

  if (g_str_equal (page_id, "devices") || g_str_equal (page_id, "bms"))
    gtk_widget_set_tooltip_text (mt_list_page_add_action_button (page, action_bar, _("_BMS…"), "devices.bms", G_CALLBACK (bms_clicked_cb),
                                             mt_actor_can (actor, "bms", "view")),
                                 _("Live battery data, settings and control of the selected device"));
  if (g_str_equal (page_id, "alarm_types"))
    {
      gboolean edit = mt_actor_can (actor, "alarm_types", "edit");

      gtk_widget_set_tooltip_text (mt_list_page_add_action_button (page, action_bar, _("_Hide from Me"), "alarm-types.hide",
                                               G_CALLBACK (hide_clicked_cb), edit),
                                   _("Your alarm list and notifications leave these types out"));
      mt_list_page_add_action_button (page, action_bar, _("_Show to Me"), "alarm-types.show", G_CALLBACK (show_clicked_cb), edit);
    }
  if (g_str_equal (page_id, "alarms"))
    {
      mt_list_page_add_action_button (page, action_bar, _("_Handle…"), "alarms.handle", G_CALLBACK (handle_clicked_cb),
                                      mt_actor_can (actor, "alarms", "handle"));
      mt_list_page_add_action_button (page, bar, _("Alarm _Types…"), "alarms.types", G_CALLBACK (types_clicked_cb),
                                      mt_actor_can_view (actor, "alarm_types"));
    }
}
