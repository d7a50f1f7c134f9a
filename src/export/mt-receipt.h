/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <cairo.h>
#include <glib.h>

#include "mt-database.h"
#include "mt-perm.h"

G_BEGIN_DECLS

/* An order's receipt (page 1) and its signed contract (the pages after), drawn on any cairo
 * context: a PDF file, a print job, a preview. Sizes are in points. */
typedef struct _MtOrderDoc MtOrderDoc;

MtOrderDoc *mt_order_doc_load       (MtDb          *db,
                                     const MtActor *actor,
                                     gint64         order_id,
                                     GError       **error);
void        mt_order_doc_free       (MtOrderDoc    *doc);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MtOrderDoc, mt_order_doc_free)

const char *mt_order_doc_get_title  (MtOrderDoc    *doc);
/* What the document says, for showing it on screen: the order's facts (@money FALSE) or its
 * ledger lines (@money TRUE), and the paid / refunded total */
guint       mt_order_doc_n_lines    (MtOrderDoc    *doc,
                                     gboolean       money);
void        mt_order_doc_get_line   (MtOrderDoc    *doc,
                                     gboolean       money,
                                     guint          index,
                                     const char   **label,
                                     const char   **value);
const char *mt_order_doc_get_total  (MtOrderDoc    *doc);
/* Lays the document out for pages of @width × @height on @cr; returns the number of pages */
guint       mt_order_doc_paginate   (MtOrderDoc    *doc,
                                     cairo_t       *cr,
                                     double         width,
                                     double         height);
void        mt_order_doc_draw_page  (MtOrderDoc    *doc,
                                     cairo_t       *cr,
                                     guint          page);
/* An A4 PDF, written whole or not at all */
gboolean    mt_order_doc_write_pdf  (MtOrderDoc    *doc,
                                     const char    *path,
                                     GError       **error);

G_END_DECLS
