/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "mt-db.h"
#include "mt-sync-engine.h"
#include "mt-listing.h"
#include "mt-perm.h"

G_BEGIN_DECLS

#define MT_TYPE_LIST_PAGE (mt_list_page_get_type ())
G_DECLARE_FINAL_TYPE (MtListPage, mt_list_page, MT, LIST_PAGE, GtkBox)

/* Any list of the admin: filter bar, state counts, lazy sortable columns, selection, actions */
/* @engine: connected mode (writes go to the server), or NULL */
MtListPage *mt_list_page_new          (MtDb          *db,
                                       const MtActor *actor,
                                       const char    *page_id,
                                       MtSyncEngine  *engine,
                                       GError       **error);
MtListing  *mt_list_page_get_listing  (MtListPage    *self);
GListModel *mt_list_page_get_model    (MtListPage    *self);
void        mt_list_page_reload       (MtListPage    *self);
GtkSelectionModel *mt_list_page_get_selection (MtListPage *self);
void        mt_list_page_set_search   (MtListPage    *self,
                                       const char    *text);

G_END_DECLS
