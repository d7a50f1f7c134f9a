/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "mt-context.h"
#include "mt-reads.h"

G_BEGIN_DECLS

#define MT_TYPE_QUICK_SEARCH (mt_quick_search_get_type ())
G_DECLARE_FINAL_TYPE (MtQuickSearch, mt_quick_search, MT, QUICK_SEARCH, GtkWidget)

/*
 * The header's search (设备号/客户): as it is typed, the devices and members it begins (read on
 * the session's worker, an older answer dropped when a newer key arrived) in a list under the
 * entry; Enter or a click opens one: ::open (MtQuickKind, its key: the device number or the
 * mobile, its id). Without a session it finds nothing.
 */
MtQuickSearch *mt_quick_search_new         (void);
void           mt_quick_search_set_context (MtQuickSearch *self,
                                            MtContext     *context);
/* Types @text as a person would, and what the list shows once it is answered */
void           mt_quick_search_set_text    (MtQuickSearch *self,
                                            const char    *text);
guint          mt_quick_search_get_n_hits  (MtQuickSearch *self);
const MtQuickHit *mt_quick_search_get_hit  (MtQuickSearch *self,
                                            guint          index);
/* Searches still on the way (the tests wait for 0) */
guint          mt_quick_search_get_pending (MtQuickSearch *self);
/* Opens the first hit, as Enter does; FALSE when there is none */
gboolean       mt_quick_search_open_first  (MtQuickSearch *self);

G_END_DECLS
