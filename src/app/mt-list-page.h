/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "mt-context.h"
#include "mt-database.h"
#include "mt-device-layer.h"
#include "mt-sync-engine.h"
#include "mt-listing.h"
#include "mt-perm.h"
#include "mt-row-model.h"

G_BEGIN_DECLS

#define MT_TYPE_LIST_PAGE (mt_list_page_get_type ())
G_DECLARE_FINAL_TYPE (MtListPage, mt_list_page, MT, LIST_PAGE, GtkBox)

/* Any list of the admin: filter bar, state counts, lazy sortable columns, selection, actions */
MtListPage *mt_list_page_new          (MtContext     *context,
                                       const char    *page_id,
                                       GError       **error);
MtListing  *mt_list_page_get_listing  (MtListPage    *self);
GListModel *mt_list_page_get_model    (MtListPage    *self);
/* A modal window over the page with a header (@title, @subtitle) and @content; -1: natural size */
GtkWidget     *mt_list_page_present_window (MtListPage *self,
                                            const char *title,
                                            const char *subtitle,
                                            GtkWidget  *content,
                                            int         width,
                                            int         height);
/* The devices' 全部 / 在线 / 离线 buttons: @value NULL, "1" or "0"; FALSE on another list */
gboolean       mt_list_page_set_online     (MtListPage *self,
                                            const char *value);
/* The "from" or "to" date entry of a list with dates (its calendar attached), or NULL */
GtkWidget     *mt_list_page_get_date_entry (MtListPage *self,
                                            gboolean    to);
/* The table (its columns: the listing's, then 操作 when the role has row actions) */
GtkWidget     *mt_list_page_get_column_view (MtListPage *self);
void        mt_list_page_reload       (MtListPage    *self);
/* Live data changed: the rows on hand are read again in place (selection and scroll stay) */
void        mt_list_page_refresh      (MtListPage    *self);
/* The ids of the rows on hand (what is shown and near it), at most @max */
GArray     *mt_list_page_get_loaded_ids (MtListPage  *self,
                                         guint        max);
GtkSelectionModel *mt_list_page_get_selection (MtListPage *self);
void        mt_list_page_set_search   (MtListPage    *self,
                                       const char    *text);
/* The state filter: one of the listing's states, or NULL for all */
void        mt_list_page_set_state    (MtListPage    *self,
                                       const char    *state);
/* The date filter's first and last day, "YYYY-MM-DD" ("" or NULL: open) */
void        mt_list_page_set_dates    (MtListPage    *self,
                                       const char    *from,
                                       const char    *to);

/* For the page's action modules */
MtDb          *mt_list_page_get_db       (MtListPage    *self);
const MtActor *mt_list_page_get_actor    (MtListPage    *self);
MtSyncEngine  *mt_list_page_get_engine   (MtListPage    *self);
/* The ids of the selected rows, in order */
GArray        *mt_list_page_get_selected_ids (MtListPage *self);
void           mt_list_page_show_error   (MtListPage    *self,
                                          const GError  *error);
/* Sends @requests (MtApiRequest, taken) one after another through the session; the first
 * refusal is shown and ends them; the page reloads when they are answered */
void           mt_list_page_send         (MtListPage    *self,
                                          GPtrArray     *requests);
/* The selected rows (MtRowItem), and a row's cell in the page's column @key */
GPtrArray     *mt_list_page_get_selected_items (MtListPage *self);
const char    *mt_list_page_item_cell    (MtListPage    *self,
                                          MtRowItem     *item,
                                          const char    *key);
/* One request for each selected row, built by @build; an operation that takes a "version" gets
 * the row's, as the list shows it */
typedef MtApiRequest *(*MtRowRequest) (gint64 id, gpointer data);
gboolean       mt_list_page_send_each_selected (MtListPage   *self,
                                                MtRowRequest  build,
                                                gpointer      data);
MtContext     *mt_list_page_get_context  (MtListPage    *self);
/* Long jobs on the session's worker, the page's bar showing how far they are (with Cancel):
 * every row of the page's filters as CSV or XLSX, the selected devices' QR label sheet */
void           mt_list_page_export       (MtListPage    *self,
                                          const char    *path,
                                          gboolean       xlsx);
void           mt_list_page_write_labels (MtListPage    *self,
                                          const char    *path);
/* The page's actions ("list.new", "devices.transfer", "refunds.approve"…), each enabled by the
 * account's permissions; @callback gets the page. A button for one is hidden when it is not. */
void           mt_list_page_add_action   (MtListPage    *self,
                                          const char    *name,
                                          GCallback      callback,
                                          gboolean       enabled);
gboolean       mt_list_page_action_enabled (MtListPage  *self,
                                          const char    *name);
GtkWidget     *mt_list_page_action_button (MtListPage   *self,
                                          const char    *label,
                                          const char    *name);
/* An action and its button, packed into @bar (a box or an action bar) */
GtkWidget     *mt_list_page_add_action_button (MtListPage *self,
                                               GtkWidget  *bar,
                                               const char *label,
                                               const char *name,
                                               GCallback   callback,
                                               gboolean    enabled);
void           mt_list_page_focus_search (MtListPage    *self);
/* "Saved as …", or the error, of the last job; NULL before one ends */
const char    *mt_list_page_get_job_message (MtListPage *self);
/* A message dialog over the page with entry and combo @rows (NULL-terminated); @done runs on
 * "ok" with the page and the dialog */
GtkWidget     *mt_list_page_form_dialog  (MtListPage    *page,
                                          const char    *title,
                                          const char    *body,
                                          const char    *ok_label,
                                          GtkWidget    **rows,
                                          GCallback      done);
GtkWidget     *mt_entry_row_new          (const char    *title);
/* The text of the entry row kept on @dialog as @key */
const char    *mt_dialog_row_text        (GtkWidget     *dialog,
                                          const char    *key);

/* Beside a map: a narrower search entry */
void           mt_list_page_set_compact  (MtListPage    *page);
/* The stores page: its rows on the map instead of the table (and back) */
void           mt_list_page_show_map     (MtListPage    *page,
                                          gboolean       map);
/* The stores' map layer once the map was shown, or NULL */
MtDeviceLayer *mt_list_page_get_map_layer (MtListPage    *page);

G_END_DECLS
