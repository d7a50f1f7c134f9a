/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mt-entities"

#include "config.h"

#include <glib/gi18n.h>

#include "mt-billing.h"
#include "mt-db.h"
#include "mt-entity-private.h"
#include "mt-error.h"
#include "mt-ops.h"
#include "mt-validate.h"

#define END_FIELDS { NULL }

const MtChoice mt_device_states[] = {
  { "ready", N_("Ready") },
  { "rented", N_("Rented") },
  { "repair", N_("In Repair") },
  { "scrapped", N_("Scrapped") },
  { NULL }
};

const MtChoice mt_chemistries[] = {
  { "LFP", N_("LiFePO₄ (LFP)") },
  { "NMC", N_("Ternary (NMC)") },
  { "LMO", N_("Manganese (LMO)") },
  { "LTO", N_("Titanate (LTO)") },
  { NULL }
};

const MtChoice mt_audiences[] = {
  { "all", N_("Everyone") },
  { "members", N_("Members") },
  { "stores", N_("Stores") },
  { NULL }
};

const MtChoice mt_campaign_kinds[] = {
  { "recharge_bonus", N_("Recharge bonus") },
  { "referral", N_("Referral") },
  { "discount", N_("Discount") },
  { NULL }
};

const MtChoice mt_reporter_kinds[] = {
  { "member", N_("Member") },
  { "store", N_("Store") },
  { "operator", N_("Operator") },
  { NULL }
};

/* ------------------------------------------------------------------ accounts */

static gboolean
accounts_prepare (MtDb *db, const MtActor *actor, gint64 id, GHashTable *old,
                  GHashTable *fields, MtColumns *cols, GError **error)
{
  gint64 operator_id = _mt_columns_get_int (cols, "operator_id", _mt_row_int (old, "operator_id"));
  gint64 store_id = _mt_columns_has (cols, "store_id")
                    ? _mt_columns_get_int (cols, "store_id", 0) : _mt_row_int (old, "store_id");
  gint64 role_id = _mt_columns_get_int (cols, "role_id", _mt_row_int (old, "role_id"));
  g_autofree char *perms = NULL;

  if (store_id != 0 &&
      mt_db_query_int (db, 0, "SELECT operator_id FROM stores WHERE id = ?", "i", store_id) != operator_id)
    {
      mt_set_field_error (error, "store_id", _("Store"), _("belongs to another operator"));
      return FALSE;
    }

  /* Nobody hands out more than they hold themselves */
  perms = mt_db_query_text (db, "SELECT permissions FROM roles WHERE id = ?", "i", role_id);
  if (!actor->all_permissions)
    {
      g_auto(GStrv) list = g_strsplit (perms ? perms : "", " ", -1);
      for (guint i = 0; list[i]; i++)
        {
          const char *colon = strchr (list[i], ':');
          g_autofree char *page = colon ? g_strndup (list[i], colon - list[i]) : NULL;

          if (g_str_equal (list[i], "*") || (colon && !mt_actor_can (actor, page, colon + 1)))
            {
              mt_set_field_error (error, "role_id", _("Role"),
                                  _("grants more than your own role: choose another"));
              return FALSE;
            }
        }
    }

  if (id != 0 && id == actor->account_id && _mt_columns_get_int (cols, "enabled", 1) == 0)
    {
      mt_set_field_error (error, "enabled", _("Enabled"), _("you cannot disable your own account"));
      return FALSE;
    }
  return TRUE;
}

static const MtFieldSpec account_fields[] = {
  { "username", N_("User name"), MT_FIELD_TEXT, MT_FIELD_REQUIRED | MT_FIELD_CREATE_ONLY, .max = 32 },
  { "password", N_("Password"), MT_FIELD_PASSWORD, MT_FIELD_REQUIRED },
  { "name", N_("Name"), MT_FIELD_TEXT, MT_FIELD_REQUIRED, .max = 40 },
  { "mobile", N_("Mobile"), MT_FIELD_MOBILE, MT_FIELD_OPTIONAL },
  { "operator_id", N_("Operator"), MT_FIELD_REF, MT_FIELD_REQUIRED, .ref = "operators" },
  { "store_id", N_("Store"), MT_FIELD_REF, MT_FIELD_OPTIONAL, .ref = "stores" },
  { "role_id", N_("Role"), MT_FIELD_REF, MT_FIELD_REQUIRED, .ref = "roles" },
  { "enabled", N_("Enabled"), MT_FIELD_BOOL, 0 },
  END_FIELDS
};

const MtEntity _mt_entity_accounts = {
  .id = "accounts",
  .table = "accounts",
  .page = "accounts",
  .title = N_("Account"),
  .fields = account_fields,
  .op_col = "operator_id",
  .store_col = "store_id",
  .unique_field = "username",
  .prepare = accounts_prepare,
};

/* ------------------------------------------------------------------ roles */

static gboolean
roles_scope (MtDb *db, const MtActor *actor, GHashTable *row)
{
  if (g_hash_table_lookup (row, "builtin") != NULL)
    return TRUE;
  return mt_actor_owns_operator (db, actor, _mt_row_int (row, "operator_id"));
}

static gboolean
roles_prepare (MtDb *db, const MtActor *actor, gint64 id, GHashTable *old,
               GHashTable *fields, MtColumns *cols, GError **error)
{
  if (old != NULL && g_hash_table_lookup (old, "builtin") != NULL)
    {
      g_set_error_literal (error, MT_ERROR, MT_ERROR_FORBIDDEN,
                           _("Built-in roles cannot be changed: make a new role instead"));
      return FALSE;
    }
  if (old == NULL)
    _mt_columns_int (cols, "operator_id", actor->operator_id);
  return TRUE;
}

static gboolean
roles_can_delete (MtDb *db, const MtActor *actor, gint64 id, GHashTable *old, GError **error)
{
  if (g_hash_table_lookup (old, "builtin") != NULL)
    {
      g_set_error_literal (error, MT_ERROR, MT_ERROR_FORBIDDEN, _("Built-in roles cannot be deleted"));
      return FALSE;
    }
  if (mt_db_query_int (db, 0, "SELECT count(*) FROM accounts WHERE role_id = ? AND deleted = 0", "i", id) > 0)
    {
      g_set_error_literal (error, MT_ERROR, MT_ERROR_CONFLICT,
                           _("Accounts still have this role: give them another role first"));
      return FALSE;
    }
  return TRUE;
}

static const MtFieldSpec role_fields[] = {
  { "name", N_("Name"), MT_FIELD_TEXT, MT_FIELD_REQUIRED, .max = 40 },
  { "description", N_("Description"), MT_FIELD_MULTILINE, MT_FIELD_OPTIONAL, .max = 400 },
  { "permissions", N_("Permissions"), MT_FIELD_PERMISSIONS, MT_FIELD_OPTIONAL },
  END_FIELDS
};

const MtEntity _mt_entity_roles = {
  .id = "roles",
  .table = "roles",
  .page = "roles",
  .title = N_("Role"),
  .fields = role_fields,
  .scope = roles_scope,
  .prepare = roles_prepare,
  .can_delete = roles_can_delete,
};

/* ------------------------------------------------------------------ revenue split ratios */

/* An operator's or store's split of its income, in permille, kept in split_rules. All three
 * empty: the default applies. Changing them needs the revenue split page's edit right. */
#define OPERATOR_SPLIT "operator_id = ? AND store_id IS NULL"
#define STORE_SPLIT "store_id = ?"

static const char *const split_keys[3] = { "split_hq_permille", "split_operator_permille", "split_store_permille" };

#define SPLIT_FIELDS \
  { "split_hq_permille", N_("Revenue split: headquarters (‰)"), MT_FIELD_INT, MT_FIELD_OPTIONAL | MT_FIELD_EXTRA, .min = 0, .max = 1000 }, \
  { "split_operator_permille", N_("Revenue split: operator (‰)"), MT_FIELD_INT, MT_FIELD_OPTIONAL | MT_FIELD_EXTRA, .min = 0, .max = 1000 }, \
  { "split_store_permille", N_("Revenue split: store (‰)"), MT_FIELD_INT, MT_FIELD_OPTIONAL | MT_FIELD_EXTRA, .min = 0, .max = 1000 }

static gint64
split_current (MtDb       *db,
               const char *owner_sql,
               gint64      id,
               guint       part)
{
  static const char *const columns[3] = { "hq_permille", "operator_permille", "store_permille" };
  g_autofree char *sql = g_strdup_printf ("SELECT %s FROM split_rules WHERE deleted = 0 AND %s", columns[part], owner_sql);

  return mt_db_query_int (db, -1, sql, "i", id);
}

static gboolean
split_changed (MtDb       *db,
               const char *owner_sql,
               gint64      id,
               MtColumns  *cols)
{
  for (guint i = 0; i < 3; i++)
    {
      gint64 v = _mt_columns_extra_empty (cols, split_keys[i]) ? -1 : _mt_columns_extra_int (cols, split_keys[i]);
      if (v != (id ? split_current (db, owner_sql, id, i) : -1))
        return TRUE;
    }
  return FALSE;
}

static gboolean
split_prepare (MtDb          *db,
               const MtActor *actor,
               gint64         id,
               const char    *owner_sql,
               MtColumns     *cols,
               GError       **error)
{
  gint64 sum = 0;
  guint given = 0;

  if (!_mt_columns_has_extra (cols, split_keys[0]) || !split_changed (db, owner_sql, id, cols))
    return TRUE;
  for (guint i = 0; i < 3; i++)
    {
      given += !_mt_columns_extra_empty (cols, split_keys[i]);
      sum += _mt_columns_extra_int (cols, split_keys[i]);
    }
  if (!mt_actor_can (actor, "splits", "edit"))
    {
      mt_set_field_error (error, split_keys[0], _("Revenue split"), _("is changed only with the right to edit revenue splits"));
      return FALSE;
    }
  if (given != 0 && (given != 3 || sum != 1000))
    {
      mt_set_field_error (error, split_keys[0], _("Revenue split"), _("must be three parts that add up to 1000 ‰"));
      return FALSE;
    }
  return TRUE;
}

static gboolean
split_after_save (MtDb       *db,
                  gint64      operator_id,
                  gint64      store_id,
                  MtColumns  *cols,
                  GError    **error)
{
  gint64 now = mt_now ();
  gboolean set = !_mt_columns_extra_empty (cols, split_keys[0]);   /* checked: all three or none */

  if (!_mt_columns_has_extra (cols, split_keys[0]) ||
      !split_changed (db, store_id ? STORE_SPLIT : OPERATOR_SPLIT, store_id ? store_id : operator_id, cols))
    return TRUE;
  if (!mt_db_run (db, error, "UPDATE split_rules SET deleted = 1, version = version + 1, updated_at = ? "
                             "WHERE deleted = 0 AND operator_id = ? AND store_id IS nullif (?, 0)", "iii",
                  now, operator_id, store_id))
    return FALSE;
  if (!set)
    return TRUE;
  return mt_db_run (db, error, "INSERT INTO split_rules (created_at, updated_at, operator_id, store_id, hq_permille, "
                               "operator_permille, store_permille) VALUES (?1, ?1, ?2, nullif (?3, 0), ?4, ?5, ?6)",
                    "iiiiii", now, operator_id, store_id, _mt_columns_extra_int (cols, split_keys[0]),
                    _mt_columns_extra_int (cols, split_keys[1]), _mt_columns_extra_int (cols, split_keys[2]));
}

static void
split_load (MtDb       *db,
            const char *owner_sql,
            gint64      id,
            GHashTable *out)
{
  for (guint i = 0; i < 3; i++)
    {
      gint64 v = split_current (db, owner_sql, id, i);
      g_hash_table_insert (out, g_strdup (split_keys[i]), v < 0 ? g_strdup ("") : g_strdup_printf ("%" G_GINT64_FORMAT, v));
    }
}


static void
operators_load_extra (MtDb *db, gint64 id, GHashTable *out)
{
  char *username = mt_db_query_text (db, "SELECT a.username FROM accounts a JOIN roles r ON r.id = a.role_id "
                                         "WHERE a.operator_id = ? AND a.store_id IS NULL AND a.deleted = 0 "
                                         "AND r.builtin = 'operator_admin' ORDER BY a.id LIMIT 1", "i", id);

  split_load (db, OPERATOR_SPLIT, id, out);
  if (username != NULL)
    g_hash_table_insert (out, g_strdup ("account_username"), username);
}

static void
stores_load_extra (MtDb *db, gint64 id, GHashTable *out)
{
  split_load (db, STORE_SPLIT, id, out);
}

/* ------------------------------------------------------------------ operators */

static gboolean
operators_prepare (MtDb *db, const MtActor *actor, gint64 id, GHashTable *old,
                   GHashTable *fields, MtColumns *cols, GError **error)
{
  gint64 parent_id = old ? _mt_row_int (old, "parent_id") : _mt_columns_get_int (cols, "parent_id", 0);
  gint64 parent_caps;
  gint64 caps;

  if (old != NULL && parent_id == 0)
    {
      g_set_error_literal (error, MT_ERROR, MT_ERROR_FORBIDDEN,
                           _("Headquarters is not edited here: change it in the general settings"));
      return FALSE;
    }
  /* An operator is edited by its parent: its own accounts cannot raise its flags */
  if (old != NULL && id == actor->operator_id && !mt_actor_is_root (actor))
    {
      g_set_error_literal (error, MT_ERROR, MT_ERROR_FORBIDDEN,
                           _("Forbidden: only the parent operator changes an operator"));
      return FALSE;
    }

  if (old == NULL)
    {
      /* under its parent until after_save appends the new row's own id */
      g_autofree char *parent_path = mt_db_query_text (db, "SELECT path FROM operators WHERE id = ?", "i", parent_id);

      _mt_columns_text (cols, "path", parent_path ? parent_path : "");
    }
  parent_caps = mt_db_query_int (db, 0, "SELECT caps FROM operators WHERE id = ?", "i", parent_id);
  if (old == NULL && g_hash_table_lookup (fields, "caps") == NULL)
    _mt_columns_int (cols, "caps", _mt_columns_get_int (cols, "caps", 0) & parent_caps);
  caps = _mt_columns_get_int (cols, "caps", old ? _mt_row_int (old, "caps") : 0);
  if ((caps & ~parent_caps) != 0)
    {
      mt_set_field_error (error, "caps", _("Capabilities"),
                          _("can only include what the parent operator has"));
      return FALSE;
    }
  if (old == NULL)
    {
      g_autofree char *username = g_strdup (_mt_columns_extra_text (cols, "account_username"));

      if (g_utf8_strlen (username, -1) < 3)
        {
          mt_set_field_error (error, "account_username", _("Login account"), _("must be at least 3 characters"));
          return FALSE;
        }
      if (mt_db_query_int (db, 0, "SELECT count (*) FROM accounts WHERE username = ? AND deleted = 0", "t",
                           username) > 0)
        {
          mt_set_field_error (error, "account_username", _("Login account"), _("is already taken"));
          return FALSE;
        }
      if (mt_db_query_int (db, 0, "SELECT count (*) FROM roles WHERE builtin = 'operator_admin' AND deleted = 0",
                           NULL) == 0)
        {
          g_set_error_literal (error, MT_ERROR, MT_ERROR_CONFLICT,
                               _("The built-in operator administrator role is missing: its login account cannot be made"));
          return FALSE;
        }
    }
  return split_prepare (db, actor, id, OPERATOR_SPLIT, cols, error);
}

/* A new operator's login account: its administrator, named by the form */
static gboolean
operator_account_create (MtDb           *db,
                         const MtActor  *actor,
                         gint64          operator_id,
                         MtColumns      *cols,
                         GError        **error)
{
  gint64 now = mt_now ();

  if (!mt_db_run (db, error, "INSERT INTO accounts (created_at, updated_at, username, password_hash, name, mobile, "
                             "operator_id, store_id, role_id, enabled) SELECT ?1, ?1, ?2, ?3, o.contact, o.phone, o.id, "
                             "NULL, (SELECT id FROM roles WHERE builtin = 'operator_admin' AND deleted = 0 "
                             "ORDER BY id LIMIT 1), 1 FROM operators o WHERE o.id = ?4",
                  "itti", now, _mt_columns_extra_text (cols, "account_username"),
                  _mt_columns_extra_text (cols, "account_password"), operator_id))
    return FALSE;
  mt_audit (db, actor, "create", "accounts", mt_db_last_insert_id (db), "ok", NULL);
  return TRUE;
}

static gboolean
operators_after_save (MtDb *db, const MtActor *actor, gint64 id, GHashTable *old,
                      MtColumns *cols, GError **error)
{
  g_autofree char *parent_path = NULL;
  g_autofree char *path = NULL;

  if (!split_after_save (db, id, 0, cols, error))
    return FALSE;
  if (old != NULL)
    return TRUE;
  parent_path = mt_db_query_text (db, "SELECT path FROM operators WHERE id = "
                                      "(SELECT parent_id FROM operators WHERE id = ?)", "i", id);
  path = g_strdup_printf ("%s%" G_GINT64_FORMAT "/", parent_path, id);
  return mt_db_run (db, error, "UPDATE operators SET path = ? WHERE id = ?", "ti", path, id) &&
         operator_account_create (db, actor, id, cols, error);
}

static gboolean
operators_scope (MtDb *db, const MtActor *actor, GHashTable *row)
{
  return mt_actor_owns_operator (db, actor, _mt_row_int (row, "id"));
}

static const MtFieldSpec operator_fields[] = {
  { "name", N_("Name"), MT_FIELD_TEXT, MT_FIELD_REQUIRED, .max = 60 },
  { "parent_id", N_("Parent operator"), MT_FIELD_REF, MT_FIELD_REQUIRED | MT_FIELD_CREATE_ONLY, .ref = "operators" },
  { "region_code", N_("Region"), MT_FIELD_REGION, MT_FIELD_OPTIONAL },
  { "address", N_("Address"), MT_FIELD_TEXT, MT_FIELD_OPTIONAL, .max = 200 },
  { "contact", N_("Contact"), MT_FIELD_TEXT, MT_FIELD_REQUIRED, .max = 40 },
  { "phone", N_("Phone"), MT_FIELD_MOBILE, MT_FIELD_REQUIRED },
  { "id_card", N_("ID card number"), MT_FIELD_ID_CARD, MT_FIELD_OPTIONAL },
  /* offline payment unless said otherwise, as far as the parent has it */
  { "caps", N_("Capabilities"), MT_FIELD_CAPS, 0, .initial = "8" },
  { "enabled", N_("Enabled"), MT_FIELD_BOOL, 0 },
  /* its login account, made with it */
  { "account_username", N_("Login account"), MT_FIELD_TEXT,
    MT_FIELD_REQUIRED | MT_FIELD_CREATE_ONLY | MT_FIELD_EXTRA, .max = 32 },
  { "account_password", N_("Password"), MT_FIELD_PASSWORD, MT_FIELD_REQUIRED | MT_FIELD_CREATE_ONLY | MT_FIELD_EXTRA },
  SPLIT_FIELDS,
  END_FIELDS
};

const MtEntity _mt_entity_operators = {
  .id = "operators",
  .table = "operators",
  .page = "operators",
  .title = N_("Operator"),
  .fields = operator_fields,
  .scope = operators_scope,
  .prepare = operators_prepare,
  .after_save = operators_after_save,
  .load_extra = operators_load_extra,
};

/* ------------------------------------------------------------------ stores */

static gboolean
stores_prepare (MtDb *db, const MtActor *actor, gint64 id, GHashTable *old,
                GHashTable *fields, MtColumns *cols, GError **error)
{
  gint64 operator_id = _mt_columns_get_int (cols, "operator_id", _mt_row_int (old, "operator_id"));
  gint64 caps = mt_db_query_int (db, 0, "SELECT caps FROM operators WHERE id = ?", "i", operator_id);

  if (old != NULL && operator_id != _mt_row_int (old, "operator_id") &&
      mt_db_query_int (db, 0, "SELECT count(*) FROM devices WHERE store_id = ? AND deleted = 0", "i", id) > 0)
    {
      mt_set_field_error (error, "operator_id", _("Operator"),
                          _("cannot change while the store has devices"));
      return FALSE;
    }
  if (_mt_columns_get_int (cols, "pay_offline", 0) && !(caps & MT_CAP_OFFLINE_PAYMENT))
    {
      mt_set_field_error (error, "pay_offline", _("Offline payment"),
                          _("the operator is not allowed to take offline payments"));
      return FALSE;
    }
  if (old == NULL)
    {
      g_autofree char *no = mt_generate_store_no (db);
      _mt_columns_text (cols, "store_no", no);
    }
  return split_prepare (db, actor, id, STORE_SPLIT, cols, error);
}

static gboolean
stores_after_save (MtDb *db, const MtActor *actor, gint64 id, GHashTable *old,
                   MtColumns *cols, GError **error)
{
  gint64 operator_id = mt_db_query_int (db, 0, "SELECT operator_id FROM stores WHERE id = ?", "i", id);

  return split_after_save (db, operator_id, id, cols, error);
}

static gboolean
stores_can_delete (MtDb *db, const MtActor *actor, gint64 id, GHashTable *old, GError **error)
{
  if (mt_db_query_int (db, 0, "SELECT count(*) FROM devices WHERE store_id = ? AND deleted = 0", "i", id) > 0)
    {
      g_set_error_literal (error, MT_ERROR, MT_ERROR_CONFLICT,
                           _("The store still has devices: transfer them first"));
      return FALSE;
    }
  if (mt_db_query_int (db, 0, "SELECT count(*) FROM orders WHERE store_id = ? AND state <> 'ended' "
                              "AND deleted = 0", "i", id) > 0)
    {
      g_set_error_literal (error, MT_ERROR, MT_ERROR_CONFLICT,
                           _("The store still has open orders: end them first"));
      return FALSE;
    }
  return TRUE;
}

static const MtFieldSpec store_fields[] = {
  { "name", N_("Store name"), MT_FIELD_TEXT, MT_FIELD_REQUIRED, .max = 60 },
  { "operator_id", N_("Operator"), MT_FIELD_REF, MT_FIELD_REQUIRED, .ref = "operators" },
  { "mobile", N_("Main account (mobile)"), MT_FIELD_MOBILE, MT_FIELD_REQUIRED, .hint = N_("Receives SMS codes") },
  { "password", N_("Password"), MT_FIELD_PASSWORD, MT_FIELD_REQUIRED },
  { "manager", N_("Manager"), MT_FIELD_TEXT, MT_FIELD_REQUIRED, .max = 40 },
  { "manager_id_card", N_("Manager ID card number"), MT_FIELD_ID_CARD, MT_FIELD_REQUIRED },
  { "hours", N_("Business hours"), MT_FIELD_HOURS, MT_FIELD_REQUIRED, .hint = N_("08:00-22:00") },
  { "region_code", N_("Region"), MT_FIELD_REGION, MT_FIELD_REQUIRED | MT_FIELD_LEAF },
  { "address", N_("Street address"), MT_FIELD_TEXT, MT_FIELD_REQUIRED, .max = 200 },
  { "pay_offline", N_("Offline payment"), MT_FIELD_BOOL, 0 },
  { "pay_online", N_("Online payment"), MT_FIELD_BOOL, 0 },
  { "forced_settlement", N_("Forced settlement"), MT_FIELD_BOOL, 0 },
  { "lat", N_("Latitude"), MT_FIELD_COORD, MT_FIELD_OPTIONAL, .max = 90 },
  { "lng", N_("Longitude"), MT_FIELD_COORD, MT_FIELD_OPTIONAL, .max = 180 },
  { "enabled", N_("Enabled"), MT_FIELD_BOOL, 0 },
  SPLIT_FIELDS,
  END_FIELDS
};

const MtEntity _mt_entity_stores = {
  .id = "stores",
  .table = "stores",
  .page = "stores",
  .title = N_("Store"),
  .fields = store_fields,
  .op_col = "operator_id",
  .store_col = "id",
  .prepare = stores_prepare,
  .after_save = stores_after_save,
  .can_delete = stores_can_delete,
  .load_extra = stores_load_extra,
};

/* ------------------------------------------------------------------ device types and specs */

static gboolean
device_types_can_delete (MtDb *db, const MtActor *actor, gint64 id, GHashTable *old, GError **error)
{
  if (mt_db_query_int (db, 0, "SELECT (SELECT count(*) FROM devices WHERE type_id = ?1 AND deleted = 0) + "
                              "(SELECT count(*) FROM device_specs WHERE type_id = ?1 AND deleted = 0)",
                       "i", id) > 0)
    {
      g_set_error_literal (error, MT_ERROR, MT_ERROR_CONFLICT,
                           _("Devices or specs still use this type"));
      return FALSE;
    }
  return TRUE;
}

static const MtFieldSpec device_type_fields[] = {
  { "name", N_("Name"), MT_FIELD_TEXT, MT_FIELD_REQUIRED, .max = 60 },
  { "description", N_("Description"), MT_FIELD_MULTILINE, MT_FIELD_OPTIONAL, .max = 400 },
  END_FIELDS
};

const MtEntity _mt_entity_device_types = {
  .id = "device_types",
  .table = "device_types",
  .page = "device_types",
  .title = N_("Device type"),
  .fields = device_type_fields,
  .unique_field = "name",
  .can_delete = device_types_can_delete,
};

static gboolean
device_specs_prepare (MtDb *db, const MtActor *actor, gint64 id, GHashTable *old,
                      GHashTable *fields, MtColumns *cols, GError **error)
{
  gint64 ov = _mt_columns_get_int (cols, "cell_ov_mv", _mt_row_int (old, "cell_ov_mv"));
  gint64 uv = _mt_columns_get_int (cols, "cell_uv_mv", _mt_row_int (old, "cell_uv_mv"));
  gint64 th = _mt_columns_get_int (cols, "temp_high_dc", _mt_row_int (old, "temp_high_dc"));
  gint64 tl = _mt_columns_get_int (cols, "temp_low_dc", _mt_row_int (old, "temp_low_dc"));

  if (ov <= uv)
    {
      mt_set_field_error (error, "cell_ov_mv", _("Cell over-voltage (mV)"),
                          _("must be above the cell under-voltage"));
      return FALSE;
    }
  if (th <= tl)
    {
      mt_set_field_error (error, "temp_high_dc", _("High temperature (0.1 °C)"),
                          _("must be above the low temperature"));
      return FALSE;
    }
  return TRUE;
}

static gboolean
device_specs_can_delete (MtDb *db, const MtActor *actor, gint64 id, GHashTable *old, GError **error)
{
  if (mt_db_query_int (db, 0, "SELECT count(*) FROM devices WHERE spec_id = ? AND deleted = 0", "i", id) > 0)
    {
      g_set_error_literal (error, MT_ERROR, MT_ERROR_CONFLICT, _("Devices still use this spec"));
      return FALSE;
    }
  return TRUE;
}

static const MtFieldSpec device_spec_fields[] = {
  { "type_id", N_("Device type"), MT_FIELD_REF, MT_FIELD_REQUIRED, .ref = "device_types" },
  { "name", N_("Name"), MT_FIELD_TEXT, MT_FIELD_REQUIRED, .max = 60 },
  { "chemistry", N_("Chemistry"), MT_FIELD_CHOICE, MT_FIELD_REQUIRED, .choices = mt_chemistries },
  { "series", N_("Cells in series"), MT_FIELD_INT, MT_FIELD_REQUIRED, .min = 1, .max = 32 },
  { "nominal_mv", N_("Nominal voltage (mV)"), MT_FIELD_INT, MT_FIELD_REQUIRED, .min = 1000, .max = 200000 },
  { "capacity_mah", N_("Capacity (mAh)"), MT_FIELD_INT, MT_FIELD_REQUIRED, .min = 100, .max = 1000000 },
  { "cell_ov_mv", N_("Cell over-voltage (mV)"), MT_FIELD_INT, MT_FIELD_REQUIRED, .min = 1000, .max = 5000 },
  { "cell_uv_mv", N_("Cell under-voltage (mV)"), MT_FIELD_INT, MT_FIELD_REQUIRED, .min = 1000, .max = 5000 },
  { "charge_oc_ma", N_("Charge over-current (mA)"), MT_FIELD_INT, MT_FIELD_REQUIRED, .min = 100, .max = 500000 },
  { "discharge_oc_ma", N_("Discharge over-current (mA)"), MT_FIELD_INT, MT_FIELD_REQUIRED, .min = 100, .max = 500000 },
  { "temp_high_dc", N_("High temperature (0.1 °C)"), MT_FIELD_INT, MT_FIELD_REQUIRED, .min = -400, .max = 1200 },
  { "temp_low_dc", N_("Low temperature (0.1 °C)"), MT_FIELD_INT, MT_FIELD_REQUIRED, .min = -400, .max = 1200 },
  END_FIELDS
};

const MtEntity _mt_entity_device_specs = {
  .id = "device_specs",
  .table = "device_specs",
  .page = "device_specs",
  .title = N_("Device spec"),
  .fields = device_spec_fields,
  .unique_field = "name",
  .prepare = device_specs_prepare,
  .can_delete = device_specs_can_delete,
};

/* ------------------------------------------------------------------ devices */

static gboolean
devices_prepare (MtDb *db, const MtActor *actor, gint64 id, GHashTable *old,
                 GHashTable *fields, MtColumns *cols, GError **error)
{
  gint64 operator_id = _mt_columns_get_int (cols, "operator_id", _mt_row_int (old, "operator_id"));
  gint64 store_id = _mt_columns_has (cols, "store_id")
                    ? _mt_columns_get_int (cols, "store_id", 0) : _mt_row_int (old, "store_id");
  gint64 type_id = _mt_columns_get_int (cols, "type_id", _mt_row_int (old, "type_id"));
  gint64 spec_id = _mt_columns_has (cols, "spec_id")
                   ? _mt_columns_get_int (cols, "spec_id", 0) : _mt_row_int (old, "spec_id");
  const char *state = old ? g_hash_table_lookup (old, "state") : "ready";

  if (store_id != 0 &&
      mt_db_query_int (db, 0, "SELECT operator_id FROM stores WHERE id = ?", "i", store_id) != operator_id)
    {
      mt_set_field_error (error, "store_id", _("Store"), _("belongs to another operator"));
      return FALSE;
    }
  if (spec_id != 0 &&
      mt_db_query_int (db, 0, "SELECT type_id FROM device_specs WHERE id = ?", "i", spec_id) != type_id)
    {
      mt_set_field_error (error, "spec_id", _("Spec"), _("belongs to another device type"));
      return FALSE;
    }
  if (old != NULL && g_strcmp0 (state, "rented") == 0 &&
      (operator_id != _mt_row_int (old, "operator_id") || store_id != _mt_row_int (old, "store_id") ||
       type_id != _mt_row_int (old, "type_id")))
    {
      g_set_error_literal (error, MT_ERROR, MT_ERROR_CONFLICT,
                           _("The device is rented: its operator, store and type change only after "
                             "the order ends"));
      return FALSE;
    }
  if (_mt_columns_get_int (cols, "power_cut_unrented", 0) &&
      !(mt_db_query_int (db, 0, "SELECT caps FROM operators WHERE id = ?", "i", operator_id) &
        MT_CAP_UNRENTED_POWER_CUT))
    {
      mt_set_field_error (error, "power_cut_unrented", _("Power cut when unrented"),
                          _("the operator is not allowed unrented power-cut"));
      return FALSE;
    }
  return TRUE;
}

static gboolean
devices_can_delete (MtDb *db, const MtActor *actor, gint64 id, GHashTable *old, GError **error)
{
  if (g_strcmp0 (g_hash_table_lookup (old, "state"), "rented") == 0)
    {
      g_set_error_literal (error, MT_ERROR, MT_ERROR_CONFLICT, _("A rented device cannot be deleted"));
      return FALSE;
    }
  return TRUE;
}

static const MtFieldSpec device_fields[] = {
  { "device_no", N_("Device number"), MT_FIELD_TEXT, MT_FIELD_REQUIRED | MT_FIELD_CREATE_ONLY, .max = 32 },
  { "name", N_("Name"), MT_FIELD_TEXT, MT_FIELD_OPTIONAL, .max = 60 },
  { "type_id", N_("Device type"), MT_FIELD_REF, MT_FIELD_REQUIRED, .ref = "device_types" },
  { "spec_id", N_("Spec"), MT_FIELD_REF, MT_FIELD_OPTIONAL, .ref = "device_specs" },
  { "operator_id", N_("Operator"), MT_FIELD_REF, MT_FIELD_REQUIRED, .ref = "operators" },
  { "store_id", N_("Store"), MT_FIELD_REF, MT_FIELD_OPTIONAL, .ref = "stores" },
  { "power_cut_unrented", N_("Power cut when unrented"), MT_FIELD_BOOL, 0 },
  END_FIELDS
};

const MtEntity _mt_entity_devices = {
  .id = "devices",
  .table = "devices",
  .page = "devices",
  .title = N_("Device"),
  .fields = device_fields,
  .op_col = "operator_id",
  .store_col = "store_id",
  .unique_field = "device_no",
  .prepare = devices_prepare,
  .can_delete = devices_can_delete,
};

/* ------------------------------------------------------------------ members */

static gboolean
members_prepare (MtDb *db, const MtActor *actor, gint64 id, GHashTable *old,
                 GHashTable *fields, MtColumns *cols, GError **error)
{
  gint64 operator_id = _mt_columns_get_int (cols, "operator_id", _mt_row_int (old, "operator_id"));
  gint64 store_id = _mt_columns_has (cols, "store_id")
                    ? _mt_columns_get_int (cols, "store_id", 0) : _mt_row_int (old, "store_id");

  if (store_id != 0 &&
      mt_db_query_int (db, 0, "SELECT operator_id FROM stores WHERE id = ?", "i", store_id) != operator_id)
    {
      mt_set_field_error (error, "store_id", _("Store"), _("belongs to another operator"));
      return FALSE;
    }
  if (actor->store_id != 0 && store_id != actor->store_id)
    {
      mt_set_field_error (error, "store_id", _("Store"), _("must be your own store"));
      return FALSE;
    }
  return TRUE;
}

static const MtFieldSpec member_fields[] = {
  { "name", N_("Name"), MT_FIELD_TEXT, MT_FIELD_REQUIRED, .max = 40 },
  { "mobile", N_("Mobile"), MT_FIELD_MOBILE, MT_FIELD_REQUIRED },
  { "id_card", N_("ID card number"), MT_FIELD_ID_CARD, MT_FIELD_OPTIONAL },
  { "operator_id", N_("Operator"), MT_FIELD_REF, MT_FIELD_REQUIRED, .ref = "operators" },
  { "store_id", N_("Store"), MT_FIELD_REF, MT_FIELD_OPTIONAL, .ref = "stores" },
  { "enabled", N_("Enabled"), MT_FIELD_BOOL, 0 },
  END_FIELDS
};

const MtEntity _mt_entity_members = {
  .id = "members",
  .table = "members",
  .page = "members",
  .title = N_("Member"),
  .fields = member_fields,
  .op_col = "operator_id",
  .store_col = "store_id",
  .unique_field = "mobile",
  .prepare = members_prepare,
};

/* ------------------------------------------------------------------ messages */

static gboolean
messages_prepare (MtDb *db, const MtActor *actor, gint64 id, GHashTable *old,
                  GHashTable *fields, MtColumns *cols, GError **error)
{
  if (old == NULL)
    _mt_columns_int (cols, "operator_id", actor->operator_id);
  else if (g_strcmp0 (g_hash_table_lookup (old, "state"), "sent") == 0)
    {
      g_set_error_literal (error, MT_ERROR, MT_ERROR_CONFLICT,
                           _("A sent message cannot be changed"));
      return FALSE;
    }
  return TRUE;
}

static const MtFieldSpec message_fields[] = {
  { "title", N_("Title"), MT_FIELD_TEXT, MT_FIELD_REQUIRED, .max = 80 },
  { "body", N_("Text"), MT_FIELD_MULTILINE, MT_FIELD_REQUIRED, .max = 2000 },
  { "audience", N_("Audience"), MT_FIELD_CHOICE, MT_FIELD_REQUIRED, .choices = mt_audiences },
  END_FIELDS
};

const MtEntity _mt_entity_messages = {
  .id = "messages",
  .table = "messages",
  .page = "messages",
  .title = N_("Message"),
  .fields = message_fields,
  .op_col = "operator_id",
  .prepare = messages_prepare,
};

/* ------------------------------------------------------------------ registry */

/* ------------------------------------------------------------------ billing rules */

static const char *const service_keys[MT_MAX_SERVICES][3] = {
  { "service1_name", "service1_price_fen", "service1_per_period" },
  { "service2_name", "service2_price_fen", "service2_per_period" },
  { "service3_name", "service3_price_fen", "service3_per_period" },
};

static gboolean
billing_rules_prepare (MtDb *db, const MtActor *actor, gint64 id, GHashTable *old,
                       GHashTable *fields, MtColumns *cols, GError **error)
{
  gint64 operator_id = _mt_columns_get_int (cols, "operator_id", _mt_row_int (old, "operator_id"));
  gint64 caps = mt_db_query_int (db, 0, "SELECT caps FROM operators WHERE id = ?", "i", operator_id);

  /* headquarters sets the rules; an operator only with the custom billing capability */
  if (operator_id != 1 && !(caps & MT_CAP_CUSTOM_BILLING))
    {
      mt_set_field_error (error, "operator_id", _("Operator"), _("is not allowed custom billing rules"));
      return FALSE;
    }
  if (_mt_columns_has (cols, "rent_fen") && _mt_columns_get_int (cols, "rent_fen", 0) <= 0)
    {
      mt_set_field_error (error, "rent_fen", _("Rent per period (yuan)"), _("must be more than ¥0.00"));
      return FALSE;
    }
  for (guint i = 0; i < MT_MAX_SERVICES; i++)
    {
      const char *name = _mt_columns_extra_text (cols, service_keys[i][0]);
      gint64 price = _mt_columns_extra_int (cols, service_keys[i][1]);

      if (name[0] == '\0' && price != 0)
        {
          mt_set_field_error (error, service_keys[i][0], _("Service name"), _("is required when it has a price"));
          return FALSE;
        }
    }
  return TRUE;
}

/* The services: the rule's rows replaced by the form's (at most 3, by the form's slots) */
static gboolean
billing_rules_after_save (MtDb *db, const MtActor *actor, gint64 id, GHashTable *old,
                          MtColumns *cols, GError **error)
{
  gint64 now = mt_now ();

  if (!_mt_columns_has_extra (cols, service_keys[0][0]))
    return TRUE;   /* the services were not part of this change */
  if (!mt_db_run (db, error, "UPDATE billing_services SET deleted = 1, version = version + 1, updated_at = ? "
                             "WHERE rule_id = ? AND deleted = 0", "ii", now, id))
    return FALSE;
  for (guint i = 0; i < MT_MAX_SERVICES; i++)
    {
      const char *name = _mt_columns_extra_text (cols, service_keys[i][0]);

      if (name[0] == '\0')
        continue;
      if (!mt_db_run (db, error, "INSERT INTO billing_services (created_at, updated_at, rule_id, name, price_fen, "
                                 "per_period) VALUES (?1, ?1, ?2, ?3, ?4, ?5)", "iitii", now, id, name,
                      _mt_columns_extra_int (cols, service_keys[i][1]),
                      _mt_columns_extra_int (cols, service_keys[i][2])))
        return FALSE;
    }
  return TRUE;
}

static void
billing_rules_load_extra (MtDb *db, gint64 id, GHashTable *out)
{
  sqlite3_stmt *stmt = mt_db_prepare (db, NULL, "SELECT name, price_fen, per_period FROM billing_services "
                                                "WHERE rule_id = ? AND deleted = 0 ORDER BY id LIMIT 3", "i", id);

  for (guint i = 0; stmt && sqlite3_step (stmt) == SQLITE_ROW; i++)
    {
      g_hash_table_insert (out, g_strdup (service_keys[i][0]), g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
      g_hash_table_insert (out, g_strdup (service_keys[i][1]),
                           g_strdup_printf ("%" G_GINT64_FORMAT, (gint64) sqlite3_column_int64 (stmt, 1)));
      g_hash_table_insert (out, g_strdup (service_keys[i][2]), g_strdup (sqlite3_column_int (stmt, 2) ? "1" : "0"));
    }
  if (stmt)
    sqlite3_reset (stmt);
}

static const MtFieldSpec billing_rule_fields[] = {
  { "operator_id", N_("Operator"), MT_FIELD_REF, MT_FIELD_REQUIRED, .ref = "operators" },
  { "region_code", N_("Region (province, city or district)"), MT_FIELD_REGION, MT_FIELD_REQUIRED },
  { "type_id", N_("Device type"), MT_FIELD_REF, MT_FIELD_REQUIRED, .ref = "device_types" },
  { "rent_fen", N_("Rent per period (yuan)"), MT_FIELD_MONEY, MT_FIELD_REQUIRED },
  { "period_days", N_("Days per period"), MT_FIELD_INT, MT_FIELD_REQUIRED, .min = 1, .max = 366 },
  { "deposit_fen", N_("Deposit (yuan)"), MT_FIELD_MONEY, MT_FIELD_REQUIRED },
  { "service1_name", N_("Service 1"), MT_FIELD_TEXT, MT_FIELD_OPTIONAL | MT_FIELD_EXTRA, .max = 30 },
  { "service1_price_fen", N_("Service 1 price (yuan)"), MT_FIELD_MONEY, MT_FIELD_OPTIONAL | MT_FIELD_EXTRA },
  { "service1_per_period", N_("Service 1 charged every period"), MT_FIELD_BOOL, MT_FIELD_EXTRA },
  { "service2_name", N_("Service 2"), MT_FIELD_TEXT, MT_FIELD_OPTIONAL | MT_FIELD_EXTRA, .max = 30 },
  { "service2_price_fen", N_("Service 2 price (yuan)"), MT_FIELD_MONEY, MT_FIELD_OPTIONAL | MT_FIELD_EXTRA },
  { "service2_per_period", N_("Service 2 charged every period"), MT_FIELD_BOOL, MT_FIELD_EXTRA },
  { "service3_name", N_("Service 3"), MT_FIELD_TEXT, MT_FIELD_OPTIONAL | MT_FIELD_EXTRA, .max = 30 },
  { "service3_price_fen", N_("Service 3 price (yuan)"), MT_FIELD_MONEY, MT_FIELD_OPTIONAL | MT_FIELD_EXTRA },
  { "service3_per_period", N_("Service 3 charged every period"), MT_FIELD_BOOL, MT_FIELD_EXTRA },
  { "contract", N_("Contract template"), MT_FIELD_MULTILINE, MT_FIELD_OPTIONAL, .max = 8000 },
  END_FIELDS
};

const MtEntity _mt_entity_billing_rules = {
  .id = "billing_rules",
  .table = "billing_rules",
  .page = "billing",
  .title = N_("Billing rule"),
  .fields = billing_rule_fields,
  .op_col = "operator_id",
  .unique_field = "region_code",
  .prepare = billing_rules_prepare,
  .after_save = billing_rules_after_save,
  .load_extra = billing_rules_load_extra,
};

/* ------------------------------------------------------------------ campaigns */

#define DAY (G_USEC_PER_SEC * (gint64) 86400)

/* The form's end date is the campaign's last day: it runs until the midnight after it */
static gboolean
campaigns_prepare (MtDb *db, const MtActor *actor, gint64 id, GHashTable *old,
                   GHashTable *fields, MtColumns *cols, GError **error)
{
  gint64 starts = _mt_columns_get_int (cols, "starts_at", _mt_row_int (old, "starts_at"));
  gint64 ends;

  if (_mt_columns_has (cols, "ends_at"))
    _mt_columns_int (cols, "ends_at", _mt_columns_get_int (cols, "ends_at", 0) + DAY);
  ends = _mt_columns_get_int (cols, "ends_at", _mt_row_int (old, "ends_at"));
  if (ends <= starts)
    {
      mt_set_field_error (error, "ends_at", _("Last day"), _("must not be before the first day"));
      return FALSE;
    }
  return TRUE;
}

static void
campaigns_load_extra (MtDb *db, gint64 id, GHashTable *out)
{
  gint64 ends = mt_db_query_int (db, 0, "SELECT ends_at FROM campaigns WHERE id = ?", "i", id);

  g_hash_table_insert (out, g_strdup ("ends_at"), mt_format_date (ends - DAY));
}

static const MtFieldSpec campaign_fields[] = {
  { "operator_id", N_("Operator"), MT_FIELD_REF, MT_FIELD_REQUIRED, .ref = "operators" },
  { "name", N_("Name"), MT_FIELD_TEXT, MT_FIELD_REQUIRED, .max = 60 },
  { "kind", N_("Kind"), MT_FIELD_CHOICE, MT_FIELD_REQUIRED, .choices = mt_campaign_kinds },
  { "starts_at", N_("First day"), MT_FIELD_DATE, MT_FIELD_REQUIRED, .hint = N_("YYYY-MM-DD") },
  { "ends_at", N_("Last day"), MT_FIELD_DATE, MT_FIELD_REQUIRED, .hint = N_("YYYY-MM-DD") },
  { "enabled", N_("Enabled"), MT_FIELD_BOOL, 0 },
  END_FIELDS
};

const MtEntity _mt_entity_campaigns = {
  .id = "campaigns",
  .table = "campaigns",
  .page = "campaigns",
  .title = N_("Campaign"),
  .fields = campaign_fields,
  .op_col = "operator_id",
  .prepare = campaigns_prepare,
  .load_extra = campaigns_load_extra,
};

/* ------------------------------------------------------------------ recharge denominations */

#define MAX_RECHARGE_FEN G_GINT64_CONSTANT (10000000)

/* A column's new value, or the row's current one */
static gint64
new_or_old (MtColumns *cols, GHashTable *old, const char *key)
{
  return _mt_columns_has (cols, key) ? _mt_columns_get_int (cols, key, 0) : _mt_row_int (old, key);
}

static gboolean
recharge_plans_prepare (MtDb *db, const MtActor *actor, gint64 id, GHashTable *old,
                        GHashTable *fields, MtColumns *cols, GError **error)
{
  gint64 operator_id = new_or_old (cols, old, "operator_id");
  gint64 campaign = new_or_old (cols, old, "campaign_id");
  gint64 amount = new_or_old (cols, old, "amount_fen");
  gint64 bonus = new_or_old (cols, old, "bonus_fen");

  if (amount <= 0 || amount > MAX_RECHARGE_FEN)
    {
      mt_set_field_error (error, "amount_fen", _("Amount (yuan)"), _("must be from ¥0.01 to ¥100,000.00"));
      return FALSE;
    }
  if (bonus > amount)
    {
      mt_set_field_error (error, "bonus_fen", _("Bonus (yuan)"), _("must not be more than the amount"));
      return FALSE;
    }
  /* the bonus campaign is the operator's own or one an operator above it runs for everyone below */
  if (campaign != 0 &&
      mt_db_query_int (db, 0, "SELECT count (*) FROM campaigns c JOIN operators co ON co.id = c.operator_id "
                              "JOIN operators po ON po.id = ?2 WHERE c.id = ?1 AND c.deleted = 0 "
                              "AND c.kind = 'recharge_bonus' AND substr (po.path, 1, length (co.path)) = co.path",
                       "ii", campaign, operator_id) == 0)
    {
      mt_set_field_error (error, "campaign_id", _("Bonus campaign"),
                          _("must be a recharge bonus campaign of this operator or one above it"));
      return FALSE;
    }
  if (mt_db_query_int (db, 0, "SELECT count (*) FROM recharge_plans WHERE operator_id = ? AND coalesce (campaign_id, 0) = ? "
                              "AND amount_fen = ? AND id <> ? AND deleted = 0", "iiii",
                       operator_id, campaign, amount, id) > 0)
    {
      mt_set_field_error (error, "amount_fen", _("Amount (yuan)"), _("is already offered by this operator"));
      return FALSE;
    }
  return TRUE;
}

static const MtFieldSpec recharge_plan_fields[] = {
  { "operator_id", N_("Operator"), MT_FIELD_REF, MT_FIELD_REQUIRED, .ref = "operators" },
  { "amount_fen", N_("Amount (yuan)"), MT_FIELD_MONEY, MT_FIELD_REQUIRED },
  { "bonus_fen", N_("Bonus (yuan)"), MT_FIELD_MONEY, MT_FIELD_REQUIRED },
  { "campaign_id", N_("Bonus campaign"), MT_FIELD_REF, MT_FIELD_OPTIONAL, .ref = "campaigns",
    .hint = N_("Without a campaign the bonus is always given") },
  END_FIELDS
};

const MtEntity _mt_entity_recharge_plans = {
  .id = "recharge_plans",
  .table = "recharge_plans",
  .page = "recharge_plans",
  .title = N_("Recharge denomination"),
  .fields = recharge_plan_fields,
  .op_col = "operator_id",
  .prepare = recharge_plans_prepare,
};

/* ------------------------------------------------------------------ rental cards */

static gboolean
rental_cards_prepare (MtDb *db, const MtActor *actor, gint64 id, GHashTable *old,
                      GHashTable *fields, MtColumns *cols, GError **error)
{
  gint64 price = new_or_old (cols, old, "price_fen");

  if (price <= 0 || price > MAX_RECHARGE_FEN)
    {
      mt_set_field_error (error, "price_fen", _("Price (yuan)"), _("must be from ¥0.01 to ¥100,000.00"));
      return FALSE;
    }
  return TRUE;
}

static const MtFieldSpec rental_card_fields[] = {
  { "operator_id", N_("Operator"), MT_FIELD_REF, MT_FIELD_REQUIRED, .ref = "operators" },
  { "name", N_("Name"), MT_FIELD_TEXT, MT_FIELD_REQUIRED, .max = 30 },
  { "days", N_("Days of rent covered"), MT_FIELD_INT, MT_FIELD_REQUIRED, .min = 1, .max = 3660 },
  { "price_fen", N_("Price (yuan)"), MT_FIELD_MONEY, MT_FIELD_REQUIRED },
  { "enabled", N_("On sale"), MT_FIELD_BOOL, 0 },
  END_FIELDS
};

const MtEntity _mt_entity_rental_cards = {
  .id = "rental_cards",
  .table = "rental_cards",
  .page = "rental_cards",
  .title = N_("Rental card"),
  .fields = rental_card_fields,
  .op_col = "operator_id",
  .prepare = rental_cards_prepare,
};

/* ------------------------------------------------------------------ geofences */

const MtChoice mt_fence_alarms[] = {
  { "exit", N_("On exit") },
  { "entry", N_("On entry") },
  { NULL }
};

/* A deleted fence leaves its devices: the assignments go with it */
static gboolean
geofences_can_delete (MtDb *db, const MtActor *actor, gint64 id, GHashTable *old, GError **error)
{
  return mt_db_run (db, error, "UPDATE geofence_devices SET deleted = 1, version = version + 1, updated_at = ? "
                               "WHERE fence_id = ? AND deleted = 0", "ii", mt_now (), id);
}

static const MtFieldSpec geofence_fields[] = {
  { "operator_id", N_("Operator"), MT_FIELD_REF, MT_FIELD_REQUIRED | MT_FIELD_CREATE_ONLY, .ref = "operators" },
  { "name", N_("Fence name"), MT_FIELD_TEXT, MT_FIELD_REQUIRED, .max = 60 },
  { "alarm_on", N_("Alarm"), MT_FIELD_CHOICE, MT_FIELD_REQUIRED, .choices = mt_fence_alarms },
  { "geojson", N_("Fence"), MT_FIELD_GEOMETRY, MT_FIELD_REQUIRED },
  END_FIELDS
};

const MtEntity _mt_entity_geofences = {
  .id = "geofences",
  .table = "geofences",
  .page = "geofences",
  .title = N_("Geofence"),
  .fields = geofence_fields,
  .op_col = "operator_id",
  .can_delete = geofences_can_delete,
};

