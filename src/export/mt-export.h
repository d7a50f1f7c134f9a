/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "mt-listing.h"

G_BEGIN_DECLS

/* Every row of @listing's filters as an XLSX workbook at @path (written beside and renamed);
 * cancellation and progress as mt_listing_export_csv */
gboolean mt_listing_export_xlsx (MtListing     *listing,
                                 const char    *path,
                                 GCancellable  *cancellable,
                                 MtProgress    *progress,
                                 GError       **error);

G_END_DECLS
