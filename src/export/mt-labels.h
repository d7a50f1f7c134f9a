/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <cairo.h>

#include "mt-database.h"
#include "mt-listing.h"
#include "mt-perm.h"

G_BEGIN_DECLS

#define MT_LABELS_PER_PAGE 24   /* 3 × 8 on A4 */

/* A printable A4 PDF sheet of QR labels, one per device, in the given order. The file appears
 * whole or not at all. */
gboolean  mt_devices_write_labels (MtDb          *db,
                                   const MtActor *actor,
                                   const gint64  *ids,
                                   guint          n_ids,
                                   const char    *path,
                                   GCancellable  *cancellable,
                                   MtProgress    *progress,
                                   GError       **error);

/* A device's QR code (its number, as on the labels) in a @size square at (@x, @y), black on
 * whatever is under it, with its quiet zone */
void      mt_labels_draw_qr       (cairo_t         *cr,
                                   const char      *text,
                                   double           x,
                                   double           y,
                                   double           size);

/* Finishes and frees a PDF @surface written to @partial, then moves it to @path: the file is
 * there whole, or not at all */
gboolean  mt_pdf_finish           (cairo_surface_t *surface,
                                   const char      *partial,
                                   const char      *path,
                                   GError         **error);

G_END_DECLS
