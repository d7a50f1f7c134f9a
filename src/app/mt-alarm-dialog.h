/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "mt-context.h"
#include "mt-database.h"
#include "mt-perm.h"

G_BEGIN_DECLS

#define MT_TYPE_ALARM_DIALOG (mt_alarm_dialog_get_type ())
G_DECLARE_FINAL_TYPE (MtAlarmDialog, mt_alarm_dialog, MT, ALARM_DIALOG, AdwWindow)

/* An alarm's details and the curve of its metric around it (from the BMS snapshots: an hour
 * before the first report to an hour after the latest) */
MtAlarmDialog *mt_alarm_dialog_new       (GtkWindow     *parent,
                                          MtContext     *context,
                                          gint64         alarm_id);
/* The points the curve draws (tests) */
guint          mt_alarm_dialog_get_n_points (MtAlarmDialog *self);

G_END_DECLS
