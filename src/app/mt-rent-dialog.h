/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "mt-context.h"
#include "mt-database.h"
#include "mt-perm.h"
#include "mt-sync-engine.h"

G_BEGIN_DECLS

#define MT_TYPE_RENT_DIALOG (mt_rent_dialog_get_type ())
G_DECLARE_FINAL_TYPE (MtRentDialog, mt_rent_dialog, MT, RENT_DIALOG, GtkWindow)

/* The rental counter: a device of a store (its number typed or scanned), the member, periods,
 * services and payment, with a live quote and the contract. @store_id and @device_id may be 0.
 * Emits ::rented (gint64 order id) when the order is made. */
MtRentDialog *mt_rent_dialog_new        (GtkWindow     *parent,
                                         MtContext     *context,
                                         gint64         store_id,
                                         gint64         device_id);

/* For tests and scripted use: what a person types and picks */
void          mt_rent_dialog_set_field  (MtRentDialog  *self,
                                         const char    *key,     /* device_no mobile name id_card referrer periods pay_method */
                                         const char    *value);
void          mt_rent_dialog_set_service (MtRentDialog *self,
                                          guint         index,
                                          gboolean      on);
/* Asks for the quote now (the answer follows) */
void          mt_rent_dialog_refresh    (MtRentDialog  *self);
const char   *mt_rent_dialog_get_total  (MtRentDialog  *self);
const char   *mt_rent_dialog_get_error  (MtRentDialog  *self);
/* Rents out: ::rented (the order id) follows and the dialog closes, or the error is shown.
 * FALSE when the request could not be made (no such device number). */
gboolean      mt_rent_dialog_rent       (MtRentDialog  *self);

G_END_DECLS
