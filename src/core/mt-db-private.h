/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "mt-db.h"

G_BEGIN_DECLS

typedef struct
{
  int                version;
  const char        *sql;
  const char *const *synced_tables;
  gboolean         (*after) (MtDb *db, GError **error);
} MtMigration;

extern const MtMigration mt_migrations[];
extern const guint mt_n_migrations;

char     *_mt_schema_journal_sql  (const char *table);
gboolean  _mt_schema_load_regions (MtDb *db, GError **error);

G_END_DECLS
