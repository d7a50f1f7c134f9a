/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "mt-list-page.h"

G_BEGIN_DECLS

/* The telemetry actions of a page, as its role allows: the BMS of the selected device (device
 * list and BMS pages), handling alarms with a note (alarm list). Selection buttons go to
 * @action_bar. */
void      mt_telemetry_actions_add    (MtListPage *page,
                                       const char *page_id,
                                       GtkWidget  *bar,
                                       GtkWidget  *action_bar);
/* The BMS window of the page's selected device (or @device_id when not 0) */
GtkWidget *mt_telemetry_actions_open_bms (MtListPage *page,
                                          gint64      device_id);
/* Handles the selected alarms with @note; standalone: done at once */
gboolean  mt_telemetry_actions_handle (MtListPage *page,
                                       const char *note);

/* Hides (or shows again) the selected alarm types from the signed-in account */
gboolean  mt_telemetry_actions_hide_types (MtListPage *page,
                                           gboolean    hidden);

G_END_DECLS
