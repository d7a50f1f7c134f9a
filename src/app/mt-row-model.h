/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "mt-listing.h"

G_BEGIN_DECLS

#define MT_TYPE_ROW_ITEM (mt_row_item_get_type ())
G_DECLARE_FINAL_TYPE (MtRowItem, mt_row_item, MT, ROW_ITEM, GObject)

gint64      mt_row_item_get_id      (MtRowItem *self);
gint64      mt_row_item_get_version (MtRowItem *self);
const char *mt_row_item_get_cell    (MtRowItem *self,
                                     guint      column);

#define MT_TYPE_ROW_MODEL (mt_row_model_get_type ())
G_DECLARE_FINAL_TYPE (MtRowModel, mt_row_model, MT, ROW_MODEL, GObject)

/* A lazy list over a listing: rows are read from SQLite a page at a time, when shown */
MtRowModel *mt_row_model_new     (MtListing  *listing);
MtListing  *mt_row_model_get_listing (MtRowModel *self);
/* FALSE while the rows are counted only up to where they are shown: more follow as the list is
 * scrolled to its end */
gboolean    mt_row_model_is_complete (MtRowModel *self);
/* The listing is going away: the model reads nothing more (GTK may hold it a while longer) */
void        mt_row_model_detach  (MtRowModel *self);
/* Re-runs the query (after a filter, sort or data change) */

/* Reads the listing again: its rows changed, or its search, filters or order */
void        mt_row_model_reset   (MtRowModel *self);
/* The same with the first rows already read (elsewhere, with the listing's counts adopted): as
 * many as mt_row_model_get_rows_held() said, so that none is read here (@first_rows are taken) */
void        mt_row_model_reset_with (MtRowModel *self,
                                     GPtrArray  *first_rows);
/* How many rows from the start a reset reads again (the pages GTK holds rows of; a page at least) */
guint       mt_row_model_get_rows_held (MtRowModel *self);
/* Reads the rows on hand again in place (live data changed); a reset if their number changed */
void        mt_row_model_refresh (MtRowModel *self);
/* Reads page @page (rows @page × 100 …) of @model's listing elsewhere (the worker) and hands its
 * rows to mt_row_model_page_loaded() with @serial */
typedef void (*MtRowModelLoader) (MtRowModel *model,
                                  guint       page,
                                  guint       serial,
                                  gpointer    data);

/* With a loader, a page far into a big list (counted off from its start: seconds for a page in
 * the middle of a million rows) is shown at once as empty rows and filled when the loader answers */
void        mt_row_model_set_loader  (MtRowModel       *self,
                                      MtRowModelLoader  loader,
                                      gpointer          data);
void        mt_row_model_page_loaded (MtRowModel       *self,
                                      guint             page,
                                      guint             serial,
                                      GPtrArray        *rows);
/* Whether any page is being read elsewhere */
gboolean    mt_row_model_is_loading  (MtRowModel       *self);

/* The ids of the rows read so far (the pages shown), at most @max */
GArray     *mt_row_model_get_loaded_ids (MtRowModel *self,
                                         guint       max);

G_END_DECLS
