/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "mt-context.h"
#include "mt-database.h"
#include "mt-entity.h"
#include "mt-sync-engine.h"
#include "mt-perm.h"
#include "mt-position-picker.h"

G_BEGIN_DECLS

#define MT_TYPE_FORM_DIALOG (mt_form_dialog_get_type ())
G_DECLARE_FINAL_TYPE (MtFormDialog, mt_form_dialog, MT, FORM_DIALOG, GtkWindow)

/* An editor for one row of @entity (@id 0: a new row), built from the entity's fields */
MtFormDialog *mt_form_dialog_new        (GtkWindow      *parent,
                                         MtContext      *context,
                                         const MtEntity *entity,
                                         gint64          id);
void          mt_form_dialog_set_value  (MtFormDialog   *self,
                                         const char     *key,
                                         const char     *value);
/* Saves as the Save button does, through the session's backend: ::saved (the row id) and the
 * dialog closes, or the error is shown on the field at fault */
void          mt_form_dialog_save       (MtFormDialog   *self);
const char   *mt_form_dialog_get_error  (MtFormDialog   *self);


/* The latitude and longitude's map, when the entity has them (stores), or NULL */
MtPositionPicker *mt_form_dialog_get_picker (MtFormDialog   *self);
/* The widget that edits field @key (a role's MtPermissionTree…), or NULL */
GtkWidget    *mt_form_dialog_get_field_widget (MtFormDialog *self,
                                               const char   *key);

G_END_DECLS
