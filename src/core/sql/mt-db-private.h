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

/* Every money column and the bound of the money rule it keeps (mt-validate.h): the schema's
 * triggers refuse anything else with this message, and reconcile reports it */
typedef struct
{
  const char *table;
  const char *column;
  gint64      min;
  gint64      max;
  int         since;   /* the migration that added the column; 0: migration 15 or before */
} MtMoneyColumn;

#define MT_MONEY_TRIGGER_MESSAGE "mt-money"

extern const MtMoneyColumn mt_money_columns[];
extern const guint mt_n_money_columns;

/* The lists whose rows are counted per operator, store and state in list_counts (migration 25) */
typedef struct
{
  const char *table;
  const char *state;   /* the state column, or NULL */
} MtKeptList;

extern const MtKeptList mt_kept_lists[];
/* The BMS list's counts recounted from the rows (list_counts' 'bms': by online) */
extern const char mt_bms_counts_select[];

extern const MtMigration mt_migrations[];
extern const guint mt_n_migrations;

char     *_mt_schema_journal_sql  (const char *table);
gboolean  _mt_schema_load_regions (MtDb *db, GError **error);
/* list_counts' triggers for @list and its counts of the rows there are */
char     *_mt_schema_kept_counts_sql (const MtKeptList *list);
/* @list's counts of the rows there are, into list_counts */
char     *_mt_schema_kept_fill_sql (const MtKeptList *list);
/* Balances, list counts and statistics worked out again from the rows */
gboolean  _mt_schema_rebuild_kept (MtDb *db, GError **error);

G_END_DECLS
