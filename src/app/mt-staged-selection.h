/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define MT_TYPE_STAGED_SELECTION (mt_staged_selection_get_type ())
G_DECLARE_FINAL_TYPE (MtStagedSelection, mt_staged_selection, MT, STAGED_SELECTION, GObject)

/* A selection model that shows a list view the first rows of another one and lets the rest in a
 * step per frame. GTK 4.8's list views make row widgets for up to 200 rows around the top,
 * whatever the window shows: for a list of 16 columns and a few buttons a row, building them all
 * costs several frames before the first is painted. Through this model the rows the window
 * shows come first; the others follow, @step a frame, while the first are on screen.
 * Positions are those of @inner: selecting, reading and counting rows go to @inner directly. */
MtStagedSelection *mt_staged_selection_new     (GtkSelectionModel *inner,
                                                GtkWidget         *view);
/* Shows at most the rows on screen now (and at least a screenful), and lets the others in again
 * frame by frame: before a change that may add rows to a list showing few */
void               mt_staged_selection_restage (MtStagedSelection *self);
/* Every row let in at once */
void               mt_staged_selection_finish  (MtStagedSelection *self);
gboolean           mt_staged_selection_is_done (MtStagedSelection *self);

G_END_DECLS
