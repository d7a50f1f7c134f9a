/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "mt-chart.h"
#include "mt-context.h"
#include "mt-dashboard.h"

G_BEGIN_DECLS

#define MT_TYPE_HOME_PAGE (mt_home_page_get_type ())
G_DECLARE_FINAL_TYPE (MtHomePage, mt_home_page, MT, HOME_PAGE, GtkBox)

/*
 * 主页: the signed-in role's dashboard (mt-dashboard.h), read on the session's worker, read
 * again after every write of the session and every half minute while it is shown. A tile opens
 * the list behind it: ::open-page (page id, state or "", first day, last day — "" when not
 * narrowed).
 */
MtHomePage    *mt_home_page_new            (MtContext  *context);
void           mt_home_page_refresh        (MtHomePage *self);
/* What the page shows now (NULL until it is read), and its tiles as text, a line each */
const MtDashboard *mt_home_page_get_dashboard (MtHomePage *self);
char          *mt_home_page_get_tiles_text (MtHomePage *self);
/* Opens the list behind tile @id, as a click does; FALSE when there is no such tile */
gboolean       mt_home_page_open_tile      (MtHomePage *self,
                                            const char *id);
MtChart       *mt_home_page_get_chart      (MtHomePage *self);

G_END_DECLS
