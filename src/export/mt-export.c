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
#include "mt-perm.h"

#define EXPORT_CHUNK 2000   /* rows read at a time: a million rows never sit in memory */

gboolean
mt_listing_export_xlsx (MtListing     *self,
                        const char    *path,
                        GCancellable  *cancellable,
                        MtProgress    *progress,
                        GError       **error)
{
  g_autofree char *tmp = g_strconcat (path, ".part", NULL);
  const MtPageInfo *page = mt_page_lookup (mt_listing_get_page (self));
  guint n_columns;
  const MtListColumn *columns = mt_listing_get_columns (self, &n_columns);
  lxw_workbook *wb = workbook_new (tmp);
  lxw_worksheet *ws;
  lxw_format *bold, *money;
  guint r0 = 1;
  lxw_error rc;

  if (wb == NULL)
    {
      g_set_error (error, MT_ERROR, MT_ERROR_FAILED, _("Cannot write “%s”"), path);
      return FALSE;
    }
  ws = workbook_add_worksheet (wb, page ? mt_page_title (page) : NULL);
  bold = workbook_add_format (wb);
  format_set_bold (bold);
  money = workbook_add_format (wb);
  format_set_num_format (money, "#,##0.00");

  for (guint i = 0; i < n_columns; i++)
    {
      worksheet_write_string (ws, 0, i, _(columns[i].title), bold);
      worksheet_set_column (ws, i, i, 16, NULL);
    }

  if (progress != NULL)
    g_atomic_int_set (&progress->total, (gint) mt_listing_count (self));
  for (guint offset = 0;; offset += EXPORT_CHUNK)
    {
      g_autoptr(GPtrArray) rows = NULL;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        {
          workbook_close (wb);
          g_unlink (tmp);
          return FALSE;
        }
      rows = mt_listing_fetch (self, offset, EXPORT_CHUNK);
      if (progress != NULL)
        g_atomic_int_set (&progress->done, (gint) (offset + rows->len));
      for (guint r = 0; r < rows->len; r++, r0++)
        {
          MtListRow *row = rows->pdata[r];
          for (guint i = 0; i < n_columns; i++)
            {
              const MtListColumn *col = &columns[i];
              if (!isnan (row->numbers[i]) && (col->kind == MT_COL_MONEY || col->kind == MT_COL_INT))
                worksheet_write_number (ws, r0, i, row->numbers[i],
                                        col->kind == MT_COL_MONEY ? money : NULL);
              else
                worksheet_write_string (ws, r0, i, row->cells[i], NULL);
            }
        }
      if (rows->len < EXPORT_CHUNK)
        break;
    }

  rc = workbook_close (wb);
  if (rc != LXW_NO_ERROR || g_rename (tmp, path) != 0)
    {
      g_set_error (error, MT_ERROR, MT_ERROR_FAILED, _("Cannot write “%s”: %s"), path,
                   rc != LXW_NO_ERROR ? lxw_strerror (rc) : g_strerror (errno));
      g_unlink (tmp);
      return FALSE;
    }
  return TRUE;
}
