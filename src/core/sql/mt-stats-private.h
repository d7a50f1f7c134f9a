/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "mt-db.h"

G_BEGIN_DECLS

/* Migration 18: the daily aggregates, the triggers that keep them, and their first sums */
gboolean _mt_stats_create (MtDb *db, GError **error);
gboolean _mt_stats_members_create (MtDb *db, GError **error);
/* The statistics worked out again from the rows: after rows written with their triggers away */
gboolean _mt_stats_rebuild (MtDb *db, GError **error);

G_END_DECLS
