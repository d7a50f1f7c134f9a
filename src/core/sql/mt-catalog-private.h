/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "mt-entity-private.h"
#include "mt-listing-private.h"
#include "mt-perm.h"

G_BEGIN_DECLS

/*
 * The catalog: every page of the console, one file per sidebar group (src/core/catalog/), each
 * entry with what the page is (its id, group, title, icon and permission leaves) and what its
 * list shows (rows, owner columns, columns, search, filters, states, the entity it edits). The
 * permission table, the listings and the replica's scope read it.
 */
/* Lookups are LEFT JOINs on primary keys: the rows are the same (the keys are NOT NULL and
 * enforced), and SQLite drops a LEFT JOIN whose columns a query does not use, so counting and
 * grouping touch only the base table unless a search or filter needs the lookup. */
typedef struct
{
  MtPageInfo info;
  MtListSpec listing;   /* .from NULL: a page without a list of its own */
  const MtEntity *entity;   /* what its form edits (fields, rules, scope), or NULL */
} MtCatalogPage;

/* The groups' pages in sidebar order, each array ended by an entry with a NULL id */
extern const MtCatalogPage _mt_catalog_home[];
extern const MtCatalogPage _mt_catalog_system[];
extern const MtCatalogPage _mt_catalog_operations[];
extern const MtCatalogPage _mt_catalog_devices[];
extern const MtCatalogPage _mt_catalog_finance[];
extern const MtCatalogPage _mt_catalog_members[];
extern const MtCatalogPage _mt_catalog_operators[];
extern const MtCatalogPage _mt_catalog_stores[];
extern const MtCatalogPage _mt_catalog_geofences[];
extern const MtCatalogPage _mt_catalog_repairs[];
extern const MtCatalogPage _mt_catalog_alarms[];
extern const MtCatalogPage _mt_catalog_statistics[];

/*
 * The tables a replica may hold and how their rows are scoped: by owner columns as the
 * listings scope them, or through a parent row. A table is fed to an account whose pages show
 * its rows (mt_actor_sees_table), or show its parent's, or view one of @pages.
 */
typedef struct
{
  const char *table;
  const char *op_col;        /* owner columns for mt_actor_scope_sql; NULL: shared by everyone */
  const char *store_col;
  const char *parent_fk;     /* child rows: this column points at a row of parent */
  const char *parent;
  const char *pages;         /* also fed to accounts that view one of these pages */
} MtCatalogTable;

/* The synced tables in the order a replica applies them (parents first), or NULL past the last */
const MtCatalogTable *_mt_catalog_table        (guint       index);
const MtCatalogTable *_mt_catalog_table_lookup (const char *name);

/* Every page of the catalog in sidebar order, or NULL past the last */
const MtCatalogPage *_mt_catalog_page (guint index);
const MtCatalogPage *_mt_catalog_lookup (const char *id);

/* Gives the built-in roles of an existing database what @page_id grants them (for the
 * migration that adds a page; a new database's roles are made with it) */
gboolean _mt_catalog_grant_builtin_roles (MtDb *db, const char *page_id, GError **error);

/* What the groups' lists share: expressions, columns, choices */
#define NOW_US "CAST ((julianday ('now') - 2440587.5) * 86400000000.0 AS INTEGER)"
#define DAY_US "86400000000"
#define COL(k, t, e, kind) { k, t, e, kind, NULL, 0 }
#define CHOICE_COL(k, t, e, c) { k, t, e, MT_COL_CHOICE, c, 0 }
/* A GB/T 2260 code's full path, 省 市 区, whatever its level */
#define REGION_PATH(code) \
  "CASE length (" code ") WHEN 2 THEN (SELECT name FROM regions WHERE code = " code ") " \
  "WHEN 4 THEN (SELECT name FROM regions WHERE code = substr (" code ", 1, 2)) || ' ' || " \
  "(SELECT name FROM regions WHERE code = " code ") " \
  "ELSE (SELECT name FROM regions WHERE code = substr (" code ", 1, 2)) || ' ' || " \
  "(SELECT name FROM regions WHERE code = substr (" code ", 1, 4)) || ' ' || " \
  "(SELECT name FROM regions WHERE code = " code ") END"

/* A rental card sale's state as its member sees it (over a member_cards row x): the stored state
 * says only whether it still counts */
#define CARD_STATE "CASE WHEN x.refunded_at IS NOT NULL THEN 'refunded' WHEN x.state <> 'active' OR x.ends_at <= " \
  NOW_USEC " THEN 'ended' WHEN x.starts_at > " NOW_USEC " THEN 'waiting' ELSE 'running' END"

extern const MtChoice _mt_catalog_deposit_states[];
extern const MtChoice _mt_catalog_card_states[];

#define BOOL_COL(k, t, e, c) { k, t, e, MT_COL_BOOL, c, 0 }
#define END_COLS { NULL }
/* Rows of the operators above the signed-in account's: their offers reach it too */
#define OFFERED_FROM_ABOVE(col) col " IN (SELECT a.id FROM operators a JOIN accounts ac ON ac.id = $ACCOUNT " \
  "JOIN operators ao ON ao.id = ac.operator_id WHERE substr (ao.path, 1, length (a.path)) = a.path)"
#define NOW_USEC "CAST ((julianday ('now') - 2440587.5) * 86400000000.0 AS INTEGER)"
/* The alarm types as rows: id is the type's place in mt_alarm_types (1-based), so that a row can
 * be chosen and hidden or shown */
#define ALARM_TYPES_FROM \
  "(SELECT 1 AS id, 0 AS version, 'geofence' AS type UNION ALL SELECT 2, 0, 'vibration' UNION ALL " \
  "SELECT 3, 0, 'cell_ov' UNION ALL SELECT 4, 0, 'cell_uv' UNION ALL SELECT 5, 0, 'pack_ov' UNION ALL " \
  "SELECT 6, 0, 'pack_uv' UNION ALL SELECT 7, 0, 'over_charge' UNION ALL SELECT 8, 0, 'over_discharge' UNION ALL " \
  "SELECT 9, 0, 'charge_oc' UNION ALL SELECT 10, 0, 'discharge_oc' UNION ALL SELECT 11, 0, 'short_circuit' UNION ALL " \
  "SELECT 12, 0, 'temp_high' UNION ALL SELECT 13, 0, 'temp_low' UNION ALL SELECT 14, 0, 'imbalance' UNION ALL " \
  "SELECT 15, 0, 'low_soc' UNION ALL SELECT 16, 0, 'offline') k"
extern const MtChoice _mt_catalog_enabled_choices[];
extern const MtChoice _mt_catalog_yes_no[];
extern const MtChoice _mt_catalog_expiry_choices[];

G_END_DECLS
