/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mt-receipt"

#include "config.h"

#include <cairo-pdf.h>
#include <glib/gi18n.h>
#include <pango/pangocairo.h>

#include "mt-billing.h"
#include "mt-db.h"
#include "mt-error.h"
#include "mt-labels.h"
#include "mt-orders.h"
#include "mt-receipt.h"
#include "mt-validate.h"

#define A4_W 595.0
#define A4_H 842.0
#define MARGIN 56.0

typedef struct
{
  char *label;
  char *value;
} Line;

struct _MtOrderDoc
{
  char       *title;        /* "Receipt DD2026…" */
  char       *heading;      /* the store */
  GArray     *facts;        /* Line: order, member, device, dates … */
  GArray     *money;        /* Line: one per ledger row */
  char       *total;
  char       *contract;
  char       *printed;
  /* laid out by mt_order_doc_paginate () */
  double      width, height;
  GArray     *contract_breaks;   /* index of the first contract line on each contract page */
  guint       n_contract_lines;
};

static void
line_clear (Line *line)
{
  g_free (line->label);
  g_free (line->value);
}

void
mt_order_doc_free (MtOrderDoc *doc)
{
  if (doc == NULL)
    return;
  g_free (doc->title);
  g_free (doc->heading);
  g_clear_pointer (&doc->facts, g_array_unref);
  g_clear_pointer (&doc->money, g_array_unref);
  g_free (doc->total);
  g_free (doc->contract);
  g_free (doc->printed);
  g_clear_pointer (&doc->contract_breaks, g_array_unref);
  g_free (doc);
}

static void
add_line (GArray     *lines,
          const char *label,
          char       *value)   /* taken */
{
  Line line = { g_strdup (label), value };
  g_array_append_val (lines, line);
}

static char *
text_column (sqlite3_stmt *stmt,
             int           column)
{
  const char *text = (const char *) sqlite3_column_text (stmt, column);
  return g_strdup (text ? text : "");
}

MtOrderDoc *
mt_order_doc_load (MtDb          *db,
                   const MtActor *actor,
                   gint64         order_id,
                   GError       **error)
{
  g_autoptr(MtOrderDoc) doc = g_new0 (MtOrderDoc, 1);
  sqlite3_stmt *stmt;
  gint64 paid = 0, refunded = 0;

  if (!mt_actor_require (actor, "orders", "detail", error))
    return NULL;
  doc->facts = g_array_new (FALSE, TRUE, sizeof (Line));
  doc->money = g_array_new (FALSE, TRUE, sizeof (Line));
  g_array_set_clear_func (doc->facts, (GDestroyNotify) line_clear);
  g_array_set_clear_func (doc->money, (GDestroyNotify) line_clear);

  stmt = mt_db_prepare (db, error,
                        "SELECT o.order_no, o.operator_id, o.store_id, s.name, m.name, m.mobile, d.device_no, "
                        "t.name, o.start_at, o.expire_at, o.end_at, o.periods, o.period_days, o.pay_method, "
                        "o.state, o.contract FROM orders o JOIN stores s ON s.id = o.store_id "
                        "JOIN members m ON m.id = o.member_id JOIN devices d ON d.id = o.device_id "
                        "JOIN device_types t ON t.id = o.type_id WHERE o.id = ? AND o.deleted = 0", "i", order_id);
  if (stmt == NULL)
    return NULL;
  if (sqlite3_step (stmt) != SQLITE_ROW)
    {
      sqlite3_reset (stmt);
      g_set_error (error, MT_ERROR, MT_ERROR_NOT_FOUND, _("Order %lld does not exist"), (long long) order_id);
      return NULL;
    }
  if (!mt_actor_owns_row (db, actor, sqlite3_column_int64 (stmt, 1), sqlite3_column_int64 (stmt, 2)))
    {
      sqlite3_reset (stmt);
      mt_set_forbidden (error);
      return NULL;
    }
  doc->title = g_strdup_printf (_("Receipt %s"), (const char *) sqlite3_column_text (stmt, 0));
  doc->heading = text_column (stmt, 3);
  add_line (doc->facts, _("Order number"), text_column (stmt, 0));
  add_line (doc->facts, _("Member"), g_strdup_printf ("%s  %s", sqlite3_column_text (stmt, 4),
                                                      sqlite3_column_text (stmt, 5)));
  add_line (doc->facts, _("Device"), g_strdup_printf ("%s  %s", sqlite3_column_text (stmt, 6),
                                                      sqlite3_column_text (stmt, 7)));
  add_line (doc->facts, _("Start"), mt_format_time (sqlite3_column_int64 (stmt, 8)));
  add_line (doc->facts, _("Expiry"), mt_format_time (sqlite3_column_int64 (stmt, 9)));
  if (sqlite3_column_type (stmt, 10) != SQLITE_NULL)
    add_line (doc->facts, _("Ended"), mt_format_time (sqlite3_column_int64 (stmt, 10)));
  add_line (doc->facts, _("Periods"),
            g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%lld × %lld day", "%lld × %lld days",
                                          sqlite3_column_int64 (stmt, 12)),
                             (long long) sqlite3_column_int64 (stmt, 11), (long long) sqlite3_column_int64 (stmt, 12)));
  add_line (doc->facts, _("Payment"), g_strdup (mt_choice_label (mt_pay_methods, (const char *) sqlite3_column_text (stmt, 13))));
  add_line (doc->facts, _("State"), g_strdup (mt_choice_label (mt_order_states, (const char *) sqlite3_column_text (stmt, 14))));
  doc->contract = text_column (stmt, 15);
  sqlite3_reset (stmt);

  /* every movement of this order, as the ledger has it */
  stmt = mt_db_prepare (db, error, "SELECT at, kind, pay_method, amount_fen FROM ledger WHERE order_id = ? "
                                   "AND deleted = 0 ORDER BY at, id", "i", order_id);
  while (stmt && sqlite3_step (stmt) == SQLITE_ROW)
    {
      const char *kind = (const char *) sqlite3_column_text (stmt, 1);
      const char *method = (const char *) sqlite3_column_text (stmt, 2);
      gint64 amount = sqlite3_column_int64 (stmt, 3);
      g_autofree char *when = mt_format_time (sqlite3_column_int64 (stmt, 0));
      g_autofree char *label = g_strdup_printf ("%s · %s · %s", when, mt_choice_label (mt_ledger_kinds, kind),
                                                mt_choice_label (mt_pay_methods, method));

      if (!g_str_equal (method, "internal"))
        {
          if (amount > 0)
            paid += amount;
          else
            refunded -= amount;
        }
      add_line (doc->money, label, mt_format_money (amount));
    }
  if (stmt == NULL)
    return NULL;
  sqlite3_reset (stmt);
  {
    g_autofree char *p = mt_format_money (paid);
    g_autofree char *r = mt_format_money (refunded);
    doc->total = g_strdup_printf (_("Paid %s · refunded %s"), p, r);
  }
  {
    g_autoptr(GDateTime) now = g_date_time_new_from_unix_local (mt_now () / G_USEC_PER_SEC);
    g_autofree char *when = g_date_time_format (now, "%Y-%m-%d %H:%M");
    doc->printed = g_strdup_printf (_("Printed %s by %s"), when, actor->name ? actor->name : "");
  }
  return g_steal_pointer (&doc);
}

const char *
mt_order_doc_get_title (MtOrderDoc *doc)
{
  return doc->title;
}

guint
mt_order_doc_n_lines (MtOrderDoc *doc,
                      gboolean    money)
{
  return (money ? doc->money : doc->facts)->len;
}

void
mt_order_doc_get_line (MtOrderDoc  *doc,
                       gboolean     money,
                       guint        index,
                       const char **label,
                       const char **value)
{
  GArray *lines = money ? doc->money : doc->facts;

  g_return_if_fail (index < lines->len);
  *label = g_array_index (lines, Line, index).label;
  *value = g_array_index (lines, Line, index).value;
}

const char *
mt_order_doc_get_total (MtOrderDoc *doc)
{
  return doc->total;
}

static PangoLayout *
new_layout (cairo_t    *cr,
            const char *font,
            double      width,
            const char *text)
{
  PangoLayout *layout = pango_cairo_create_layout (cr);
  PangoFontDescription *desc = pango_font_description_from_string (font);

  pango_layout_set_font_description (layout, desc);
  pango_layout_set_width (layout, (int) (width * PANGO_SCALE));
  pango_layout_set_wrap (layout, PANGO_WRAP_WORD_CHAR);
  pango_layout_set_text (layout, text, -1);
  pango_font_description_free (desc);
  return layout;
}

/* The contract laid out from its simple markup (headings, bold, items, table rows) */
static PangoLayout *
contract_layout (cairo_t    *cr,
                 double      width,
                 const char *contract)
{
  PangoLayout *layout = new_layout (cr, "Sans 11", width, "");
  g_autofree char *markup = mt_contract_to_pango (contract);

  pango_layout_set_markup (layout, markup, -1);
  return layout;
}

/* Draws @text at (x, y) and returns the y below it */
static double
show (cairo_t    *cr,
      const char *font,
      double      x,
      double      y,
      double      width,
      const char *text,
      PangoAlignment align)
{
  PangoLayout *layout = new_layout (cr, font, width, text);
  int h;

  pango_layout_set_alignment (layout, align);
  cairo_move_to (cr, x, y);
  pango_cairo_show_layout (cr, layout);
  pango_layout_get_size (layout, NULL, &h);
  g_object_unref (layout);
  return y + (double) h / PANGO_SCALE;
}

guint
mt_order_doc_paginate (MtOrderDoc *doc,
                       cairo_t    *cr,
                       double      width,
                       double      height)
{
  PangoLayout *layout;
  double body_h = height - 2 * MARGIN - 60;   /* below the contract's title */
  double used = 0;
  int n;

  doc->width = width;
  doc->height = height;
  g_clear_pointer (&doc->contract_breaks, g_array_unref);
  doc->contract_breaks = g_array_new (FALSE, FALSE, sizeof (guint));
  if (doc->contract[0] == '\0')
    return 1;   /* no contract: the receipt alone */
  layout = contract_layout (cr, width - 2 * MARGIN, doc->contract);
  pango_layout_set_spacing (layout, 4 * PANGO_SCALE);
  n = pango_layout_get_line_count (layout);
  doc->n_contract_lines = n;
  for (int i = 0; i < n; i++)
    {
      PangoRectangle logical;
      PangoLayoutLine *line = pango_layout_get_line_readonly (layout, i);

      pango_layout_line_get_pixel_extents (line, NULL, &logical);
      if (i == 0 || used + logical.height + 4 > body_h)
        {
          guint first = i;
          g_array_append_val (doc->contract_breaks, first);
          used = 0;
        }
      used += logical.height + 4;
    }
  g_object_unref (layout);
  return 1 + doc->contract_breaks->len;
}

static void
draw_receipt (MtOrderDoc *doc,
              cairo_t    *cr)
{
  double w = doc->width - 2 * MARGIN, y = MARGIN;

  cairo_set_source_rgb (cr, 0, 0, 0);
  y = show (cr, "Sans Bold 18", MARGIN, y, w, _("Rental Receipt"), PANGO_ALIGN_CENTER);
  y = show (cr, "Sans 11", MARGIN, y + 4, w, doc->heading, PANGO_ALIGN_CENTER) + 18;
  for (guint i = 0; i < doc->facts->len; i++)
    {
      const Line *line = &g_array_index (doc->facts, Line, i);
      double below;

      cairo_set_source_rgb (cr, 0.35, 0.35, 0.35);
      show (cr, "Sans 10", MARGIN, y, 120, line->label, PANGO_ALIGN_LEFT);
      cairo_set_source_rgb (cr, 0, 0, 0);
      below = show (cr, "Sans 10", MARGIN + 130, y, w - 130, line->value, PANGO_ALIGN_LEFT);
      y = below + 4;
    }
  y += 10;
  cairo_set_line_width (cr, 0.8);
  cairo_move_to (cr, MARGIN, y);
  cairo_line_to (cr, MARGIN + w, y);
  cairo_stroke (cr);
  y += 10;
  for (guint i = 0; i < doc->money->len && y < doc->height - MARGIN - 120; i++)
    {
      const Line *line = &g_array_index (doc->money, Line, i);

      show (cr, "Sans 10", MARGIN, y, w - 110, line->label, PANGO_ALIGN_LEFT);
      y = show (cr, "Monospace 10", MARGIN + w - 110, y, 110, line->value, PANGO_ALIGN_RIGHT) + 4;
    }
  y += 6;
  cairo_move_to (cr, MARGIN, y);
  cairo_line_to (cr, MARGIN + w, y);
  cairo_stroke (cr);
  y = show (cr, "Sans Bold 12", MARGIN, y + 8, w, doc->total, PANGO_ALIGN_RIGHT) + 40;
  show (cr, "Sans 10", MARGIN, y, w, _("Member's signature: ______________________"), PANGO_ALIGN_LEFT);
  cairo_set_source_rgb (cr, 0.45, 0.45, 0.45);
  show (cr, "Sans 8", MARGIN, doc->height - MARGIN, w, doc->printed, PANGO_ALIGN_LEFT);
}

static void
draw_contract (MtOrderDoc *doc,
               cairo_t    *cr,
               guint       part)
{
  double w = doc->width - 2 * MARGIN, y = MARGIN;
  guint first = g_array_index (doc->contract_breaks, guint, part);
  guint end = part + 1 < doc->contract_breaks->len ? g_array_index (doc->contract_breaks, guint, part + 1)
                                                   : doc->n_contract_lines;
  PangoLayout *layout = contract_layout (cr, w, doc->contract);

  pango_layout_set_spacing (layout, 4 * PANGO_SCALE);
  cairo_set_source_rgb (cr, 0, 0, 0);
  if (part == 0)
    y = show (cr, "Sans Bold 16", MARGIN, y, w, _("Rental Contract"), PANGO_ALIGN_CENTER) + 24;
  else
    y += 24;
  for (guint i = first; i < end; i++)
    {
      PangoLayoutLine *line = pango_layout_get_line_readonly (layout, i);
      PangoRectangle logical;

      pango_layout_line_get_pixel_extents (line, NULL, &logical);
      cairo_move_to (cr, MARGIN, y - logical.y);
      pango_cairo_show_layout_line (cr, line);
      y += logical.height + 4;
    }
  g_object_unref (layout);
  if (part + 1 == doc->contract_breaks->len)
    show (cr, "Sans 10", MARGIN, MIN (y + 40, doc->height - MARGIN - 30), w,
          _("Party A (seal): ______________        Party B (signature): ______________"), PANGO_ALIGN_LEFT);
}

void
mt_order_doc_draw_page (MtOrderDoc *doc,
                        cairo_t    *cr,
                        guint       page)
{
  g_return_if_fail (doc->contract_breaks != NULL);

  if (page == 0)
    draw_receipt (doc, cr);
  else if (page - 1 < doc->contract_breaks->len)
    draw_contract (doc, cr, page - 1);
}

gboolean
mt_order_doc_write_pdf (MtOrderDoc  *doc,
                        const char  *path,
                        GError     **error)
{
  g_autofree char *partial = g_strconcat (path, ".partial", NULL);
  cairo_surface_t *surface = cairo_pdf_surface_create (partial, A4_W, A4_H);
  cairo_t *cr = cairo_create (surface);
  guint pages;

  cairo_pdf_surface_set_metadata (surface, CAIRO_PDF_METADATA_TITLE, doc->title);
  cairo_pdf_surface_set_metadata (surface, CAIRO_PDF_METADATA_CREATOR, "Mingtang");
  pages = mt_order_doc_paginate (doc, cr, A4_W, A4_H);
  for (guint i = 0; i < pages; i++)
    {
      if (i > 0)
        cairo_show_page (cr);
      mt_order_doc_draw_page (doc, cr, i);
    }
  cairo_destroy (cr);
  return mt_pdf_finish (surface, partial, path, error);
}
