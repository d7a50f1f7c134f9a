/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/*
 * A calendar button for a date entry ("YYYY-MM-DD", local): it opens on the entry's date (today
 * when there is none), and the day chosen is written into the entry as if typed. The entry keeps
 * taking typed dates.
 */
GtkWidget *mt_date_picker_new       (GtkEditable *target);
/* The same as the entry's own calendar icon (its secondary icon) */
void       mt_date_picker_attach    (GtkEntry    *entry);
/* Chooses @date ("YYYY-MM-DD") as a click on its day does, on a picker or an entry with one
 * attached; FALSE when it is not a date */
gboolean   mt_date_picker_choose    (GtkWidget   *picker,
                                     const char  *date);

G_END_DECLS
