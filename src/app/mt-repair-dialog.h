/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "mt-context.h"
#include "mt-database.h"
#include "mt-perm.h"
#include "mt-sync-engine.h"

G_BEGIN_DECLS

#define MT_TYPE_REPAIR_DIALOG (mt_repair_dialog_get_type ())
G_DECLARE_FINAL_TYPE (MtRepairDialog, mt_repair_dialog, MT, REPAIR_DIALOG, GtkWindow)

/* The progress of a repair ticket (@repair_id), or a new fault report (@repair_id 0) */
MtRepairDialog *mt_repair_dialog_new (GtkWindow     *parent,
                                      MtContext     *context,
                                      gint64         repair_id);


G_END_DECLS
