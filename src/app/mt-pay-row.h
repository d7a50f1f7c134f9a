/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

/* The routes a payment can take, as a combo row: offline (cash) and online, and the member's
 * balance unless @with_balance is FALSE */
GtkWidget  *mt_pay_row_new (const char *title,
                            gboolean    with_balance);
/* The same routes into a combo row of a template */
void        mt_pay_row_fill (GtkWidget *row,
                             gboolean   with_balance);
/* "offline", "online" or "balance" */
const char *mt_pay_row_get (GtkWidget  *row);
void        mt_pay_row_set (GtkWidget  *row,
                            const char *method);

/* A row with a switch (*@sw) at its end, added to the preferences @group */
GtkWidget  *mt_switch_row_add (GtkWidget   *group,
                               const char  *title,
                               const char  *subtitle,
                               GtkWidget  **sw);

G_END_DECLS
