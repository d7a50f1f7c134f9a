/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Alarms (报警): the rules that raise them from telemetry, one open alarm per device and type
 * with a count, and handling them. */
#pragma once

#include <glib.h>

#include "mt-codec.h"
#include "mt-database.h"
#include "mt-perm.h"

G_BEGIN_DECLS

/* What a device's telemetry is held against: its spec's thresholds and the settings */
typedef struct
{
  int series;            /* cells in the pack; 0: pack voltage is not checked */
  int cell_ov_mv;
  int cell_uv_mv;
  int charge_oc_ma;
  int discharge_oc_ma;
  int temp_high_dc;
  int temp_low_dc;
  int imbalance_mv;      /* highest − lowest cell */
  int low_soc;           /* percent */
} MtAlarmLimits;

/* Fills @limits with the defaults of the settings and an NMC spec */
void      mt_alarm_limits_default (MtAlarmLimits       *limits);

typedef void (*MtAlarmFunc) (const char *type,
                             double      value,
                             gpointer    user_data);

/* Calls @func once for each alarm type the message shows, with the reading that shows it:
 * protections the BMS reports, and the limits crossed */
void      mt_alarm_rules_check    (const MtTelemetry   *t,
                                   const MtAlarmLimits *limits,
                                   MtAlarmFunc          func,
                                   gpointer             user_data);

/* Opens the device's alarm of @type, or counts one more on the open one (its latest time and
 * value follow); in the caller's transaction if there is one. Returns the alarm's id, or 0;
 * *@opened says whether it is new. */
gint64    mt_alarm_raise          (MtDb                *db,
                                   gint64               device_id,
                                   const char          *type,
                                   double               value,
                                   gint64               at,
                                   gboolean            *opened,
                                   GError             **error);

/* Handles an open alarm with a note (permission alarms:handle, in the actor's scope) */
gboolean  mt_alarm_handle         (MtDb                *db,
                                   const MtActor       *actor,
                                   gint64               alarm_id,
                                   const char          *note,
                                   GError             **error);

gboolean  mt_alarm_type_is_valid  (const char          *type);
/* Hides (or shows again) an alarm type from the account's alarm list and notifications;
 * @type_index is its row on the alarm types page (1-based). Permission alarm_types:edit. */
gboolean  mt_alarm_type_set_hidden (MtDb                *db,
                                    const MtActor       *actor,
                                    gint64               type_index,
                                    gboolean             hidden,
                                    GError             **error);

/* The type's name, translated ("Cell over-voltage protection") */
const char *mt_alarm_type_title   (const char          *type);

G_END_DECLS
