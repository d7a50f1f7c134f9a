/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>
#include <xlsxwriter.h>

G_BEGIN_DECLS

/* Closes @wb, written at @tmp, and renames it to @path: the workbook is there whole or not at all */
gboolean _mt_xlsx_finish (lxw_workbook *wb,
                          const char   *tmp,
                          const char   *path,
                          GError      **error);

G_END_DECLS
