/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "mt-database.h"
#include "mt-perm.h"

G_BEGIN_DECLS

typedef enum
{
  MT_FIELD_TEXT,
  MT_FIELD_MULTILINE,
  MT_FIELD_PASSWORD,     /* hashed into password_hash; "<key>_confirm" must match */
  MT_FIELD_MOBILE,
  MT_FIELD_ID_CARD,
  MT_FIELD_MONEY,        /* whole fen as digits, 0 … MT_MONEY_MAX_FEN (forms convert from yuan) */
  MT_FIELD_INT,
  MT_FIELD_BOOL,
  MT_FIELD_CHOICE,       /* one of choices[] */
  MT_FIELD_REF,          /* id of a row from the lookup named by ref */
  MT_FIELD_REGION,       /* GB/T 2260 code */
  MT_FIELD_HOURS,        /* "08:00-22:00" → open_minute, close_minute */
  MT_FIELD_COORD,        /* latitude or longitude, decimal degrees */
  MT_FIELD_CAPS,         /* capability bit mask */
  MT_FIELD_PERMISSIONS,  /* space-separated "page:action" list */
  MT_FIELD_DATE,         /* local "YYYY-MM-DD" in, UTC µs of its midnight stored */
  MT_FIELD_GEOMETRY,     /* a fence as GeoJSON (mt-fences.h); also sets the "shape" column */
} MtFieldKind;

typedef enum
{
  MT_FIELD_REQUIRED    = 1 << 0,
  MT_FIELD_CREATE_ONLY = 1 << 1,  /* set when created, read-only afterwards */
  MT_FIELD_OPTIONAL    = 1 << 2,  /* may be empty */
  MT_FIELD_LEAF        = 1 << 3,  /* REGION: down to the district */
  MT_FIELD_EXTRA       = 1 << 4,  /* not a column of the table: the entity stores it itself */
} MtFieldFlags;

typedef struct
{
  const char *value;
  const char *label;   /* N_() */
} MtChoice;

typedef struct
{
  const char     *key;
  const char     *label;   /* N_() */
  MtFieldKind     kind;
  guint           flags;
  const MtChoice *choices; /* CHOICE: terminated by { NULL } */
  const char     *ref;     /* REF: lookup id, see mt_lookup() */
  gint64          min;
  gint64          max;
  const char     *hint;    /* N_() placeholder, or NULL */
  const char     *initial; /* a new record's value when none is given, or NULL */
} MtFieldSpec;

typedef struct _MtEntity MtEntity;

typedef struct
{
  char  *id;
  char  *label;
} MtOption;

const MtEntity    *mt_entity_lookup      (const char     *id);
const char        *mt_entity_get_page    (const MtEntity *entity);
const char        *mt_entity_get_title   (const MtEntity *entity);
const MtFieldSpec *mt_entity_get_fields  (const MtEntity *entity,
                                          guint          *n_fields);
const char        *mt_choice_label       (const MtChoice *choices,
                                          const char     *value);

/*
 * Creates (@id 0) or updates a row from string @fields (form or JSON values by field key).
 * @version: the row version the caller edited: a stale one is MT_ERROR_CONFLICT, one below 1
 * MT_ERROR_INVALID on "version". Returns the row id.
 */
gint64      mt_entity_save     (MtDb           *db,
                                const MtActor  *actor,
                                const MtEntity *entity,
                                gint64          id,
                                gint64          version,
                                GHashTable     *fields,
                                GError        **error);
/* The row's fields as strings, plus "id" and "version" */
GHashTable *mt_entity_load     (MtDb           *db,
                                const MtActor  *actor,
                                const MtEntity *entity,
                                gint64          id,
                                GError        **error);
gboolean    mt_entity_delete   (MtDb           *db,
                                const MtActor  *actor,
                                const MtEntity *entity,
                                gint64          id,
                                gint64          version,
                                GError        **error);

/* Options of a REF field, in the actor's scope; free with g_ptr_array_unref */
GPtrArray  *mt_lookup          (MtDb           *db,
                                const MtActor  *actor,
                                const char     *ref,
                                const char     *filter_key,
                                gint64          filter_id);
void        mt_option_free     (MtOption       *option);

GHashTable *mt_fields_new      (void);

G_END_DECLS
