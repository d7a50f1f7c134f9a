/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "mt-device-layer.h"
#include "mt-list-page.h"
#include "mt-map.h"

G_BEGIN_DECLS

#define MT_TYPE_MONITOR_PAGE (mt_monitor_page_get_type ())
G_DECLARE_FINAL_TYPE (MtMonitorPage, mt_monitor_page, MT, MONITOR_PAGE, GtkBox)

/* 定位监控: the devices of the list's filters on a map, clustered, coloured by state; the
 * selected device's card; following it live */
MtMonitorPage *mt_monitor_page_new       (MtContext     *context,
                                          GError       **error);
MtListPage    *mt_monitor_page_get_list  (MtMonitorPage *self);
MtMap         *mt_monitor_page_get_map   (MtMonitorPage *self);
MtDeviceLayer *mt_monitor_page_get_layer (MtMonitorPage *self);
/* Live positions: the devices in view read again (the window's once-a-second tick) */
void           mt_monitor_page_refresh   (MtMonitorPage *self);
/* Up to @max ids of the devices in view, for asking the server about them */
GArray        *mt_monitor_page_get_visible_ids (MtMonitorPage *self,
                                                guint          max);
/* Shows the device's card (0: none) and, with @center, brings it into view */
void           mt_monitor_page_select    (MtMonitorPage *self,
                                          gint64         device_id,
                                          gboolean       center);
void           mt_monitor_page_set_follow (MtMonitorPage *self,
                                           gboolean       follow);
/* How many fences of the selected device the map shows */
guint          mt_monitor_page_get_n_fences_shown (MtMonitorPage *self);
/* The card's text, one line per field, for tests */
char          *mt_monitor_page_get_card_text (MtMonitorPage *self);

G_END_DECLS
