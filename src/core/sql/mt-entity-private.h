/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "mt-entity.h"

G_BEGIN_DECLS

typedef struct _MtColumns MtColumns;

struct _MtEntity
{
  const char        *id;
  const char        *table;
  const char        *page;
  const char        *title;        /* N_() */
  const MtFieldSpec *fields;       /* terminated by { NULL } */
  const char        *op_col;       /* owner columns for scope, or NULL */
  const char        *store_col;
  const char        *unique_field; /* the field a uniqueness conflict is about */
  gboolean         (*scope)      (MtDb *db, const MtActor *actor, GHashTable *row);
  gboolean         (*prepare)    (MtDb *db, const MtActor *actor, gint64 id, GHashTable *old,
                                  GHashTable *fields, MtColumns *cols, GError **error);
  gboolean         (*after_save) (MtDb *db, const MtActor *actor, gint64 id, GHashTable *old,
                                  MtColumns *cols, GError **error);
  gboolean         (*can_delete) (MtDb *db, const MtActor *actor, gint64 id, GHashTable *old,
                                  GError **error);
  /* MT_FIELD_EXTRA fields of row @id as form text, into @out */
  void             (*load_extra) (MtDb *db, gint64 id, GHashTable *out);
};

/* The entities the catalog's pages edit (src/core/catalog/) */
extern const MtEntity _mt_entity_accounts;
extern const MtEntity _mt_entity_roles;
extern const MtEntity _mt_entity_operators;
extern const MtEntity _mt_entity_stores;
extern const MtEntity _mt_entity_device_types;
extern const MtEntity _mt_entity_device_specs;
extern const MtEntity _mt_entity_devices;
extern const MtEntity _mt_entity_members;
extern const MtEntity _mt_entity_messages;
extern const MtEntity _mt_entity_billing_rules;
extern const MtEntity _mt_entity_campaigns;
extern const MtEntity _mt_entity_recharge_plans;
extern const MtEntity _mt_entity_rental_cards;
extern const MtEntity _mt_entity_geofences;
/* Every entity of the catalog, in its order, or NULL past the last */
const MtEntity *_mt_entity_at (guint index);

void        _mt_columns_int      (MtColumns *cols, const char *name, gint64 v);
void        _mt_columns_double   (MtColumns *cols, const char *name, double v);
void        _mt_columns_text     (MtColumns *cols, const char *name, const char *v);
void        _mt_columns_null     (MtColumns *cols, const char *name);
gboolean    _mt_columns_has      (MtColumns *cols, const char *name);
gint64      _mt_columns_get_int  (MtColumns *cols, const char *name, gint64 fallback);
/* MT_FIELD_EXTRA values, checked like the others but kept out of the row's columns */
gboolean    _mt_columns_has_extra (MtColumns *cols, const char *name);
gint64      _mt_columns_extra_int (MtColumns *cols, const char *name);
const char *_mt_columns_extra_text (MtColumns *cols, const char *name);
gboolean    _mt_columns_extra_empty (MtColumns *cols, const char *name);
gint64      _mt_row_int          (GHashTable *row, const char *column);
gboolean    _mt_ref_check        (MtDb *db, const MtActor *actor, const char *ref, gint64 id);
GHashTable *_mt_entity_fetch_for_change (MtDb *db, const MtActor *actor, const MtEntity *entity,
                                         gint64 id, gint64 version, GError **error);

G_END_DECLS
