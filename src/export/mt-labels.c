/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mt-labels"

#include "config.h"

#include <cairo-pdf.h>
#include <errno.h>
#include <gio/gio.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <pango/pangocairo.h>
#include <qrencode.h>

#include "mt-db-private.h"
#include "mt-error.h"
#include "mt-labels.h"

/* A4 in points, 3 columns × 8 rows, like common adhesive label sheets */
#define PAGE_W 595.28
#define PAGE_H 841.89
#define COLS 3
#define ROWS 8
#define MARGIN_X 18.0
#define MARGIN_Y 24.0
#define QR_SIZE 72.0

typedef struct
{
  char *number;
  char *type;
  char *owner;
} Label;

static void
label_clear (Label *label)
{
  g_free (label->number);
  g_free (label->type);
  g_free (label->owner);
}

void
mt_labels_draw_qr (cairo_t    *cr,
                   const char *text,
                   double      x,
                   double      y,
                   double      size)
{
  QRcode *code = QRcode_encodeString (text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
  double module;

  if (code == NULL)
    return;
  /* two modules of quiet zone on each side */
  module = size / (code->width + 4);
  cairo_set_source_rgb (cr, 0, 0, 0);
  for (int r = 0; r < code->width; r++)
    for (int c = 0; c < code->width; c++)
      if (code->data[r * code->width + c] & 1)
        cairo_rectangle (cr, x + (c + 2) * module, y + (r + 2) * module, module, module);
  cairo_fill (cr);
  QRcode_free (code);
}

static void
draw_text (cairo_t    *cr,
           const char *text,
           const char *font,
           double      x,
           double      y,
           double      width)
{
  PangoLayout *layout = pango_cairo_create_layout (cr);
  PangoFontDescription *desc = pango_font_description_from_string (font);

  pango_layout_set_font_description (layout, desc);
  pango_layout_set_width (layout, (int) (width * PANGO_SCALE));
  pango_layout_set_ellipsize (layout, PANGO_ELLIPSIZE_END);
  pango_layout_set_text (layout, text, -1);
  cairo_move_to (cr, x, y);
  pango_cairo_show_layout (cr, layout);
  pango_font_description_free (desc);
  g_object_unref (layout);
}

static gboolean
load_labels (MtDb          *db,
             const MtActor *actor,
             const gint64  *ids,
             guint          n_ids,
             GArray        *labels,
             GError       **error)
{
  for (guint i = 0; i < n_ids; i++)
    {
      sqlite3_stmt *stmt = mt_db_prepare (db, error,
                                          "SELECT d.operator_id, coalesce (d.store_id, 0), d.device_no, "
                                          "coalesce (t.name, ''), coalesce (s.name, o.name) "
                                          "FROM devices d JOIN operators o ON o.id = d.operator_id "
                                          "LEFT JOIN device_types t ON t.id = d.type_id "
                                          "LEFT JOIN stores s ON s.id = d.store_id "
                                          "WHERE d.id = ? AND d.deleted = 0", "i", ids[i]);
      Label label = { NULL, NULL, NULL };
      gboolean owned;

      if (stmt == NULL)
        return FALSE;
      if (sqlite3_step (stmt) != SQLITE_ROW)
        {
          sqlite3_reset (stmt);
          g_set_error (error, MT_ERROR, MT_ERROR_NOT_FOUND, _("Device %lld does not exist"),
                       (long long) ids[i]);
          return FALSE;
        }
      owned = mt_actor_owns_row (db, actor, sqlite3_column_int64 (stmt, 0), sqlite3_column_int64 (stmt, 1));
      label.number = g_strdup ((const char *) sqlite3_column_text (stmt, 2));
      label.type = g_strdup ((const char *) sqlite3_column_text (stmt, 3));
      label.owner = g_strdup ((const char *) sqlite3_column_text (stmt, 4));
      sqlite3_reset (stmt);
      g_array_append_val (labels, label);
      if (!owned)
        {
          mt_set_forbidden (error);
          return FALSE;
        }
    }
  return TRUE;
}

gboolean
mt_devices_write_labels (MtDb          *db,
                         const MtActor *actor,
                         const gint64  *ids,
                         guint          n_ids,
                         const char    *path,
                         GCancellable  *cancellable,
                         MtProgress    *progress,
                         GError       **error)
{
  g_autoptr(GArray) labels = g_array_new (FALSE, TRUE, sizeof (Label));
  g_autofree char *partial = NULL;
  cairo_surface_t *surface;
  cairo_t *cr;
  double cell_w = (PAGE_W - 2 * MARGIN_X) / COLS;
  double cell_h = (PAGE_H - 2 * MARGIN_Y) / ROWS;

  g_return_val_if_fail (db != NULL && actor != NULL && path != NULL, FALSE);
  g_array_set_clear_func (labels, (GDestroyNotify) label_clear);

  if (!mt_actor_require (actor, "devices", "view", error))
    return FALSE;
  if (!load_labels (db, actor, ids, n_ids, labels, error))
    return FALSE;

  partial = g_strconcat (path, ".partial", NULL);
  surface = cairo_pdf_surface_create (partial, PAGE_W, PAGE_H);
  cairo_pdf_surface_set_metadata (surface, CAIRO_PDF_METADATA_TITLE, _("Device QR labels"));
  cairo_pdf_surface_set_metadata (surface, CAIRO_PDF_METADATA_CREATOR, "Mingtang");
  cr = cairo_create (surface);
  if (progress != NULL)
    g_atomic_int_set (&progress->total, (gint) labels->len);
  for (guint i = 0; i < labels->len; i++)
    {
      const Label *label = &g_array_index (labels, Label, i);
      guint slot = i % MT_LABELS_PER_PAGE;
      double x = MARGIN_X + (slot % COLS) * cell_w;
      double y = MARGIN_Y + (slot / COLS) * cell_h;
      double text_x = x + QR_SIZE + 6;
      double text_w = cell_w - QR_SIZE - 14;

      if (i > 0 && slot == 0)
        {
          if (g_cancellable_set_error_if_cancelled (cancellable, error))
            {
              cairo_destroy (cr);
              cairo_surface_finish (surface);
              cairo_surface_destroy (surface);
              g_unlink (partial);
              return FALSE;
            }
          if (progress != NULL)
            g_atomic_int_set (&progress->done, (gint) i);
          cairo_show_page (cr);
        }
      /* a light cut line around each label */
      cairo_set_source_rgb (cr, 0.8, 0.8, 0.8);
      cairo_set_line_width (cr, 0.5);
      cairo_rectangle (cr, x + 2, y + 2, cell_w - 4, cell_h - 4);
      cairo_stroke (cr);

      mt_labels_draw_qr (cr, label->number, x + 4, y + (cell_h - QR_SIZE) / 2, QR_SIZE);
      cairo_set_source_rgb (cr, 0, 0, 0);
      draw_text (cr, label->number, "Monospace Bold 10", text_x, y + 20, text_w);
      draw_text (cr, label->type, "Sans 8", text_x, y + 38, text_w);
      cairo_set_source_rgb (cr, 0.35, 0.35, 0.35);
      draw_text (cr, label->owner, "Sans 7", text_x, y + 54, text_w);
    }
  cairo_destroy (cr);
  if (progress != NULL)
    g_atomic_int_set (&progress->done, (gint) labels->len);
  return mt_pdf_finish (surface, partial, path, error);
}

gboolean
mt_pdf_finish (cairo_surface_t  *surface,
               const char       *partial,
               const char       *path,
               GError          **error)
{
  cairo_status_t status;

  cairo_surface_finish (surface);
  status = cairo_surface_status (surface);
  cairo_surface_destroy (surface);
  if (status != CAIRO_STATUS_SUCCESS || g_rename (partial, path) != 0)
    {
      g_set_error (error, MT_ERROR, MT_ERROR_FAILED, _("Cannot write “%s”: %s"), path,
                   status != CAIRO_STATUS_SUCCESS ? cairo_status_to_string (status) : g_strerror (errno));
      g_unlink (partial);
      return FALSE;
    }
  return TRUE;
}
