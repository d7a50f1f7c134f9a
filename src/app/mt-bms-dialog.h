/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "mt-context.h"
#include "mt-database.h"
#include "mt-ingest.h"
#include "mt-perm.h"
#include "mt-sync-engine.h"

G_BEGIN_DECLS

#define MT_TYPE_BMS_DIALOG (mt_bms_dialog_get_type ())
G_DECLARE_FINAL_TYPE (MtBmsDialog, mt_bms_dialog, MT, BMS_DIALOG, AdwWindow)

/* One battery's BMS (SPEC §3.8): status with the live cell grid, settings, control and
 * statistics. Live and commands through the session's link: the server's when connected, else
 * the embedded broker link (none: the last snapshot, and commands say there is no broker). */
MtBmsDialog *mt_bms_dialog_new         (GtkWindow     *parent,
                                       MtContext     *context,
                                       gint64         device_id);
/* For tests: the telemetry shown (as if just received), and what the grid shows */
void         mt_bms_dialog_show_telemetry (MtBmsDialog       *self,
                                           const MtTelemetry *t);
const char  *mt_bms_dialog_get_cell_text  (MtBmsDialog       *self,
                                           guint              cell);
/* "highest", "lowest" or "", then ",balancing" / "balancing" when it balances now */
const char  *mt_bms_dialog_get_cell_mark  (MtBmsDialog       *self,
                                           guint              cell);
/* A status value by its key ("chem", "ext1", "charge_prot" … see the dialog's table) */
const char  *mt_bms_dialog_get_field      (MtBmsDialog       *self,
                                           const char        *key);
/* The relays' actions ("charge", "discharge", state "on", "off" or "unknown"), inserted as
 * "relay" */
GActionGroup *mt_bms_dialog_get_relays    (MtBmsDialog       *self);
/* What is said over the status when the reading is not live (its age), or NULL */
const char  *mt_bms_dialog_get_age_text   (MtBmsDialog       *self);
void         mt_bms_dialog_set_tab        (MtBmsDialog       *self,
                                           const char        *tab);
/* Sends a command as the Control and Settings tabs do; the result arrives as a toast and as
 * the "command-done" signal (result name) */
void         mt_bms_dialog_send           (MtBmsDialog       *self,
                                           MtCommand         *command);

G_END_DECLS
