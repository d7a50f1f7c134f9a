/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A listing as an XLSX workbook (libxlsxwriter): kept out of the core, which links no file
 * format library */
#define G_LOG_DOMAIN "mt-export"

#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <math.h>
#include <xlsxwriter.h>

#include "mt-error.h"
#include "mt-export.h"
#include "mt-xlsx-private.h"
#include "mt-perm.h"

#define EXPORT_CHUNK 2000   /* rows between two looks at the progress and the cancellation */

typedef struct
{
  const MtListColumn *columns;
  guint               n_columns;
  lxw_worksheet      *sheet;
  lxw_format         *money;
  GCancellable       *cancellable;
  MtProgress         *progress;
  guint               rows;
} XlsxExport;

/* One row into the sheet (under the header); FALSE to stop (cancelled) */
static gboolean
xlsx_row (MtListRow *row,
          gpointer   data)
{
  XlsxExport *e = data;
  guint r = ++e->rows;

  for (guint i = 0; i < e->n_columns; i++)
    {
      const MtListColumn *col = &e->columns[i];

      if (!isnan (row->numbers[i]) && (col->kind == MT_COL_MONEY || col->kind == MT_COL_INT))
        worksheet_write_number (e->sheet, r, i, row->numbers[i], col->kind == MT_COL_MONEY ? e->money : NULL);
      else
        worksheet_write_string (e->sheet, r, i, row->cells[i], NULL);
    }
  if (r % EXPORT_CHUNK == 0)
    {
      if (e->progress != NULL)
        g_atomic_int_set (&e->progress->done, (gint) r);
      if (g_cancellable_is_cancelled (e->cancellable))
        return FALSE;
    }
  return TRUE;
}

gboolean
mt_listing_export_xlsx (MtListing     *self,
                        const char    *path,
                        GCancellable  *cancellable,
                        MtProgress    *progress,
                        GError       **error)
{
  g_autofree char *tmp = g_strconcat (path, ".part", NULL);
  const MtPageInfo *page = mt_page_lookup (mt_listing_get_page (self));
  XlsxExport export = { .cancellable = cancellable, .progress = progress };
  /* rows go to disk as they come: a million of them never sit in memory */
  lxw_workbook_options options = { .constant_memory = LXW_TRUE };
  lxw_workbook *wb;
  lxw_format *bold;

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;
  if ((wb = workbook_new_opt (tmp, &options)) == NULL)
    {
      g_set_error (error, MT_ERROR, MT_ERROR_FAILED, _("Cannot write “%s”"), path);
      return FALSE;
    }
  export.columns = mt_listing_get_columns (self, &export.n_columns);
  export.sheet = workbook_add_worksheet (wb, page ? mt_page_title (page) : NULL);
  bold = workbook_add_format (wb);
  format_set_bold (bold);
  export.money = workbook_add_format (wb);
  format_set_num_format (export.money, "#,##0.00");
  for (guint i = 0; i < export.n_columns; i++)
    {
      worksheet_write_string (export.sheet, 0, i, _(export.columns[i].title), bold);
      worksheet_set_column (export.sheet, i, i, 16, NULL);
    }

  if (progress != NULL)
    {
      /* every row is read anyway: the progress counts them all */
      mt_listing_set_count_limit (self, 0);
      g_atomic_int_set (&progress->total, (gint) mt_listing_count (self));
    }
  if (!mt_listing_each (self, xlsx_row, &export))
    {
      workbook_close (wb);
      g_unlink (tmp);
      g_cancellable_set_error_if_cancelled (cancellable, error);
      return FALSE;
    }
  if (progress != NULL)
    g_atomic_int_set (&progress->done, (gint) export.rows);
  return _mt_xlsx_finish (wb, tmp, path, error);
}

gboolean
_mt_xlsx_finish (lxw_workbook *wb,
                 const char   *tmp,
                 const char   *path,
                 GError      **error)
{
  lxw_error rc = workbook_close (wb);

  if (rc != LXW_NO_ERROR || g_rename (tmp, path) != 0)
    {
      g_set_error (error, MT_ERROR, MT_ERROR_FAILED, _("Cannot write “%s”: %s"), path,
                   rc != LXW_NO_ERROR ? lxw_strerror (rc) : g_strerror (errno));
      g_unlink (tmp);
      return FALSE;
    }
  return TRUE;
}
