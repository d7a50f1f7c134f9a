/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "mt-listing.h"
#include "mt-stats-views.h"

G_BEGIN_DECLS

/*
 * The statistics report of a period and a scope, from the database at hand (the embedded one or
 * a replica: no server needed): every view the account may open, as an A4 PDF (a cover with the
 * key figures, then each view's chart and table, page numbers, Chinese text) and an XLSX
 * workbook (a sheet per view with numbers as numbers and a native Excel chart). Each file is
 * written beside and renamed, so it is there whole or not at all; either path may be NULL.
 * @progress counts the views read; @cancellable stops between two.
 */
gboolean mt_report_write (MtDb                *db,
                          const MtActor       *actor,
                          const MtStatsFilter *filter,
                          const char          *pdf_path,
                          const char          *xlsx_path,
                          GCancellable        *cancellable,
                          MtProgress          *progress,
                          GError             **error);

/* The monthly reports: for each operator without them yet, DIR/OPERATOR-ID/YYYY-MM.pdf and .xlsx
 * of everything under it that month; @written (or NULL) says how many were made */
gboolean mt_report_write_month (MtDb        *db,
                                const char  *dir,
                                int          year,
                                int          month,
                                guint       *written,
                                GError     **error);

G_END_DECLS
