/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A source attached to @context (NULL: the default one) that runs @func whenever another
 * thread sets its ready time to 0 (g_source_set_ready_time); @func sets it back to -1 */
GSource    *mt_wake_source_new       (GSourceFunc   func,
                                      gpointer      data,
                                      GMainContext *context);

G_END_DECLS
