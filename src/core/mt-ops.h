/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "mt-database.h"
#include "mt-entity.h"
#include "mt-perm.h"

G_BEGIN_DECLS

extern const MtChoice mt_device_states[];
extern const MtChoice mt_chemistries[];
extern const MtChoice mt_audiences[];
extern const MtChoice mt_reporter_kinds[];
extern const MtChoice mt_repair_states[];
extern const MtChoice mt_campaign_kinds[];
extern const MtChoice mt_fence_alarms[];

/* "M" + local date + 4 digits, not yet used */
char     *mt_generate_store_no        (MtDb          *db);

/* Batch device actions: all or nothing; a rented device refuses the whole batch */
gboolean  mt_devices_transfer         (MtDb          *db,
                                       const MtActor *actor,
                                       const gint64  *ids,
                                       guint          n_ids,
                                       gint64         operator_id,
                                       gint64         store_id,
                                       GError       **error);
gboolean  mt_devices_set_type         (MtDb          *db,
                                       const MtActor *actor,
                                       const gint64  *ids,
                                       guint          n_ids,
                                       gint64         type_id,
                                       GError       **error);
gboolean  mt_devices_set_power_cut    (MtDb          *db,
                                       const MtActor *actor,
                                       const gint64  *ids,
                                       guint          n_ids,
                                       gboolean       power_cut,
                                       GError       **error);

/* Repairs: report puts the device in repair; progress moves the ticket on */
gint64    mt_repair_report            (MtDb          *db,
                                       const MtActor *actor,
                                       gint64         device_id,
                                       const char    *reporter_kind,
                                       const char    *reporter,
                                       const char    *fault,
                                       GError       **error);
gboolean  mt_repair_progress          (MtDb          *db,
                                       const MtActor *actor,
                                       gint64         repair_id,
                                       gint64         version,
                                       const char    *state,
                                       const char    *note,
                                       gint64         cost_fen,
                                       GError       **error);
/* Which states a ticket in @state may move to (NULL-terminated, static) */
const char *const *mt_repair_next_states (const char *state);

/* Operator enable/disable, by its parent */
gboolean  mt_operator_set_enabled     (MtDb          *db,
                                       const MtActor *actor,
                                       gint64         operator_id,
                                       gboolean       enabled,
                                       GError       **error);
gboolean  mt_message_send             (MtDb          *db,
                                       const MtActor *actor,
                                       gint64         message_id,
                                       GError       **error);

/* Settings, per operator with the parent's value as the default */
typedef enum
{
  MT_SETTING_TEXT,
  MT_SETTING_INT,
  MT_SETTING_BOOL,
  MT_SETTING_GEOCODER_URL, /* "none", or an http(s) URL with {q} (a Nominatim-style search) */
  MT_SETTING_TILE_URL,   /* a preset ("osm", "amap", "tianditu:KEY") or an http(s) URL with {z}, {x}, {y} */
} MtSettingKind;

typedef struct
{
  const char    *key;
  const char    *title;   /* N_() */
  MtSettingKind  kind;
  gint64         min, max;
} MtSettingInfo;

const MtSettingInfo *mt_settings           (guint         *n_settings);
const MtSettingInfo *mt_setting_lookup     (const char    *key);
/* The value as shown: translated yes/no for switches */
char     *mt_setting_format           (const char    *key,
                                       const char    *value);
char     *mt_setting_get              (MtDb          *db,
                                       gint64         operator_id,
                                       const char    *key);
gboolean  mt_setting_set              (MtDb          *db,
                                       const MtActor *actor,
                                       const char    *key,
                                       const char    *value,
                                       GError       **error);
/* Map tiles: the presets the tile_url setting offers by name, for maps in China */
typedef struct
{
  const char *id;            /* "osm", "amap", "tianditu" */
  const char *title;         /* N_() */
  gboolean    needs_key;     /* written "id:KEY" */
} MtTilePreset;

const MtTilePreset *mt_tile_presets   (guint         *n_presets);

/* The tiles an operator's settings choose (tile_url, or a preset's), ready to fetch */
typedef struct
{
  char     *url;             /* {z} {x} {y}, {tmsy}; {s} one of @servers */
  char     *servers;         /* the values {s} takes, one character each, or NULL */
  char     *labels_url;      /* place names drawn over the tiles (Tianditu's), or NULL */
  char     *attribution;
  char     *name;            /* translated: the preset's title, or the address's host */
  gboolean  gcj02;
  int       max_zoom;
} MtTileChoice;

/* @url_override (the environment's) wins over the settings when not NULL */
MtTileChoice *mt_tile_choice_get      (MtDb          *db,
                                       gint64         operator_id,
                                       const char    *url_override);
void          mt_tile_choice_free     (MtTileChoice  *choice);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MtTileChoice, mt_tile_choice_free)

/* The operator's available balance in fen: what its splits brought less what it withdrew, kept
 * with those rows (migration 24) and proved by mt_ledger_reconcile() */
gint64    mt_operator_balance         (MtDb          *db,
                                       gint64         operator_id);
/* Headquarters' share of every split, kept the same way */
gint64    mt_headquarters_share       (MtDb          *db);

/*
 * A device's broker credentials (docs/protocol.md, "Broker and credentials"): a new random
 * password for device @device_no, returned once; the database keeps only its broker hash, which
 * replaces any earlier one. The system actor, or one that may edit devices in scope.
 */
char     *mt_device_credentials_issue (MtDb          *db,
                                       const MtActor *actor,
                                       const char    *device_no,
                                       GError       **error);
/* The device password file of the broker ("NO:$7$…" lines in mosquitto's format) from every
 * credential issued to a device not deleted or scrapped, written whole or not at all */
gboolean  mt_broker_passwords_write   (MtDb          *db,
                                       const char    *path,
                                       guint         *n_devices,
                                       GError       **error);
/* mosquitto's password hash of @password: PBKDF2-HMAC-SHA512, 101 rounds, 12 bytes of salt */
char     *mt_broker_password_hash     (const char    *password,
                                       const guint8  *salt,
                                       gsize          salt_len);

G_END_DECLS

G_BEGIN_DECLS
/* Child regions of @parent (NULL: provinces) as MtOption (code, name) */
GPtrArray *mt_region_children (MtDb       *db,
                               const char *parent);
G_END_DECLS
