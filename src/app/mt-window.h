/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "mt-context.h"
#include "mt-database.h"
#include "mt-ingest.h"
#include "mt-perm.h"
#include "mt-quick-search.h"
#include "mt-sync-engine.h"

G_BEGIN_DECLS

#define MT_TYPE_WINDOW (mt_window_get_type ())
G_DECLARE_FINAL_TYPE (MtWindow, mt_window, MT, WINDOW, AdwApplicationWindow)

MtWindow   *mt_window_new            (GtkApplication *app,
                                      MtDb           *db);
gboolean    mt_window_sign_in        (MtWindow       *self,
                                      const char     *username,
                                      const char     *password,
                                      GError        **error);
void        mt_window_sign_out       (MtWindow       *self);
const MtActor *mt_window_get_actor   (MtWindow       *self);
/* The ids of the sidebar's pages, in order (NULL-terminated, free with g_strfreev) */
char      **mt_window_list_pages     (MtWindow       *self);
/* The id of the page shown, or NULL */
const char *mt_window_get_page       (MtWindow       *self);
/* Whether the sidebar shows @page_id's row (its group not folded away, or the page selected) */
gboolean    mt_window_sidebar_shows  (MtWindow       *self,
                                      const char     *page_id);
/* The header's search (设备号/客户), and its balance as shown (NULL when the role has none) */
MtQuickSearch *mt_window_get_quick_search (MtWindow  *self);
const char *mt_window_get_balance_text (MtWindow     *self);
GtkWidget  *mt_window_show_page      (MtWindow       *self,
                                      const char     *page_id);

/* Connected mode: the server's database through a replica (see mt-sync-engine.h) */
void        mt_window_connect        (MtWindow       *self,
                                      const char     *url,
                                      const char     *username,
                                      const char     *password);
gboolean    mt_window_is_offline     (MtWindow       *self);
/* The server link (NULL when standalone) and the database the pages read */
MtSyncEngine *mt_window_get_engine   (MtWindow       *self);
MtDb       *mt_window_get_database   (MtWindow       *self);
/* The signed-in session, or NULL */
MtContext  *mt_window_get_context    (MtWindow       *self);

/* The embedded broker link (live telemetry, commands), or NULL; the window follows it: live
 * lists refresh, new alarms notify */
void        mt_window_set_ingest     (MtWindow       *self,
                                      MtIngest       *ingest);
MtIngest   *mt_window_get_ingest     (MtWindow       *self);
/* The BMS window of a device (a notification's action) */
void        mt_window_open_bms       (MtWindow       *self,
                                      gint64          device_id);

/* Restore… with @backup chosen: its check, then the question (what Restore… does after the
 * choice); "restore-database" (path) when the user says Restore */
void           mt_window_restore_from    (MtWindow       *self,
                                          const char     *backup);

G_END_DECLS
