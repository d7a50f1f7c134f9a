/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mt-date-picker"

#include "config.h"

#include <glib/gi18n.h>

#include "mt-date-picker.h"
#include "mt-validate.h"

/* The entry's date, as the core reads a typed one, or NULL */
static GDateTime *
parse_local_date (const char *text)
{
  gint64 at = 0;

  return mt_parse_date (text, &at) ? g_date_time_new_from_unix_local (at / G_USEC_PER_SEC) : NULL;
}

/* @popover's calendar wrote a day into "target" */
static void
day_selected_cb (GtkCalendar *calendar,
                 GtkWidget   *popover)
{
  GtkEditable *target = g_object_get_data (G_OBJECT (popover), "target");
  g_autoptr(GDateTime) day = gtk_calendar_get_date (calendar);
  g_autofree char *text = g_date_time_format (day, "%Y-%m-%d");

  gtk_editable_set_text (target, text);
  /* as Enter in the entry: whatever waits for a typed date reads it */
  if (GTK_IS_ENTRY (target))
    g_signal_emit_by_name (target, "activate");
  gtk_popover_popdown (GTK_POPOVER (popover));
}

/* Opening: the calendar shows the entry's date */
static void
popover_show_cb (GtkWidget *popover,
                 GtkWidget *calendar)
{
  GtkEditable *target = g_object_get_data (G_OBJECT (popover), "target");
  g_autoptr(GDateTime) day = target ? parse_local_date (gtk_editable_get_text (target)) : NULL;

  if (day == NULL)
    day = g_date_time_new_now_local ();
  g_signal_handlers_block_matched (calendar, G_SIGNAL_MATCH_FUNC, 0, 0, NULL, day_selected_cb, NULL);
  gtk_calendar_select_day (GTK_CALENDAR (calendar), day);
  g_signal_handlers_unblock_matched (calendar, G_SIGNAL_MATCH_FUNC, 0, 0, NULL, day_selected_cb, NULL);
}

static GtkWidget *
calendar_popover_new (GtkEditable *target)
{
  GtkWidget *popover = gtk_popover_new ();
  GtkWidget *calendar = gtk_calendar_new ();

  g_object_set_data (G_OBJECT (popover), "target", target);
  g_object_set_data (G_OBJECT (popover), "calendar", calendar);
  gtk_popover_set_child (GTK_POPOVER (popover), calendar);
  g_signal_connect (calendar, "day-selected", G_CALLBACK (day_selected_cb), popover);
  g_signal_connect (popover, "show", G_CALLBACK (popover_show_cb), calendar);
  return popover;
}

GtkWidget *
mt_date_picker_new (GtkEditable *target)
{
  GtkWidget *picker = gtk_menu_button_new ();
  GtkWidget *popover;

  g_return_val_if_fail (GTK_IS_EDITABLE (target), NULL);
  popover = calendar_popover_new (target);
  g_object_set_data (G_OBJECT (picker), "popover", popover);
  gtk_menu_button_set_icon_name (GTK_MENU_BUTTON (picker), "x-office-calendar-symbolic");
  gtk_widget_set_tooltip_text (picker, _("Choose a date"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (picker), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Choose a date"), -1);
  gtk_widget_set_valign (picker, GTK_ALIGN_CENTER);
  gtk_menu_button_set_popover (GTK_MENU_BUTTON (picker), popover);
  return picker;
}

static void
icon_pressed_cb (GtkEntry             *entry,
                 GtkEntryIconPosition  position,
                 GtkWidget            *popover)
{
  GdkRectangle area;

  gtk_entry_get_icon_area (entry, position, &area);
  gtk_popover_set_pointing_to (GTK_POPOVER (popover), &area);
  gtk_popover_popup (GTK_POPOVER (popover));
}

static void
entry_destroy_cb (GtkWidget *entry,
                  GtkWidget *popover)
{
  gtk_widget_unparent (popover);
}

void
mt_date_picker_attach (GtkEntry *entry)
{
  GtkWidget *popover;

  g_return_if_fail (GTK_IS_ENTRY (entry));
  popover = calendar_popover_new (GTK_EDITABLE (entry));
  gtk_widget_set_parent (popover, GTK_WIDGET (entry));
  g_object_set_data (G_OBJECT (entry), "popover", popover);
  gtk_entry_set_icon_from_icon_name (entry, GTK_ENTRY_ICON_SECONDARY, "x-office-calendar-symbolic");
  gtk_entry_set_icon_tooltip_text (entry, GTK_ENTRY_ICON_SECONDARY, _("Choose a date"));
  g_signal_connect (entry, "icon-press", G_CALLBACK (icon_pressed_cb), popover);
  g_signal_connect (entry, "destroy", G_CALLBACK (entry_destroy_cb), popover);
}

gboolean
mt_date_picker_choose (GtkWidget  *picker,
                       const char *date)
{
  GtkWidget *popover = g_object_get_data (G_OBJECT (picker), "popover");
  GtkWidget *calendar = popover ? g_object_get_data (G_OBJECT (popover), "calendar") : NULL;
  g_autoptr(GDateTime) day = parse_local_date (date);

  g_return_val_if_fail (calendar != NULL, FALSE);
  if (day == NULL)
    return FALSE;
  g_signal_handlers_block_matched (calendar, G_SIGNAL_MATCH_FUNC, 0, 0, NULL, day_selected_cb, NULL);
  gtk_calendar_select_day (GTK_CALENDAR (calendar), day);
  g_signal_handlers_unblock_matched (calendar, G_SIGNAL_MATCH_FUNC, 0, 0, NULL, day_selected_cb, NULL);
  day_selected_cb (GTK_CALENDAR (calendar), popover);   /* as the click on the day */
  return TRUE;
}
