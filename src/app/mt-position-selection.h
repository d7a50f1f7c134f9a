/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define MT_TYPE_POSITION_SELECTION (mt_position_selection_get_type ())
G_DECLARE_FINAL_TYPE (MtPositionSelection, mt_position_selection, MT, POSITION_SELECTION, GObject)

/* Rows selected by their positions, any number of them, over a lazy list: selecting a million rows
 * (Ctrl+A) reads none of them. GTK 4.8's GtkMultiSelection asks its model for every row it
 * selects, to follow them when rows move: over a list read from SQLite a page at a time, Ctrl+A
 * read every page of the table on the main thread. Here positions move with the list's changes
 * (rows inserted or removed before them shift them); a list read again from scratch keeps no
 * selection worth keeping, and its page unselects everything first. */
MtPositionSelection *mt_position_selection_new (GListModel *model);

G_END_DECLS
