/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mt-perm"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>
#include <sodium.h>

#include "mt-catalog-private.h"
#include "mt-db.h"
#include "mt-error.h"
#include "mt-perm.h"

static const MtGroupInfo groups[] = {
  { "home", NULL },   /* the home page stands alone at the top, without a heading */
  { "system", NC_("sidebar group", "System") },
  { "operations", NC_("sidebar group", "Operations") },
  { "devices", NC_("sidebar group", "Devices") },
  { "finance", NC_("sidebar group", "Finance") },
  { "members", NC_("sidebar group", "Members") },
  { "operators", NC_("sidebar group", "Operators") },
  { "stores", NC_("sidebar group", "Stores") },
  { "geofences", NC_("sidebar group", "Geofences") },
  { "repairs", NC_("sidebar group", "Repairs") },
  { "alarms", NC_("sidebar group", "Alarms") },
  { "statistics", NC_("sidebar group", "Statistics") },
};


static const struct { const char *id; const char *title; } actions[] = {
  { "view", N_("List") },
  { "detail", N_("Details") },
  { "edit", N_("Edit") },
  { "delete", N_("Delete") },
  { "transfer", N_("Transfer") },
  { "power", N_("Remote Power Cut") },
  { "withdraw", N_("Balance Withdrawal") },
  { "control", N_("Charge/Discharge Control") },
  { "params", N_("BMS Parameters") },
  { "rent", N_("Rent Out") },
  { "renew", N_("Renew") },
  { "replace", N_("Replace Device") },
  { "end", N_("End Order") },
  { "approve", N_("Approve") },
  { "request", N_("Request") },
  { "recharge", N_("Recharge") },
  { "refund", N_("Refund") },
  { "report", N_("Report Fault") },
  { "progress", N_("Repair Progress") },
  { "handle", N_("Handle Alarm") },
  { "id_cards", N_("See Full ID Card Numbers") },
  /* the statistics views' groups */
  { "devices", N_("Device Statistics") },
  { "trades", N_("Transaction Statistics") },
  { "operators", N_("Operator Statistics") },
  { "stores", N_("Store Statistics") },
  { "members", N_("Member Statistics") },
  { "deposits", N_("Deposit Statistics") },
  { "recharges", N_("Recharge Statistics") },
  { "cards", N_("Rental Card Statistics") },
  { "repair_fees", N_("Repair Fee Statistics") },
};

static const char *const cap_titles[MT_N_CAPS] = {
  N_("BMS charge/discharge control"),
  N_("BMS parameter writes"),
  N_("Independent collection"),
  N_("Offline payment"),
  N_("Unrented power-cut"),
  N_("Custom billing rules"),
};

/* The built-in roles: headquarters admin holds every permission; the others what the catalog's
 * pages grant them (MtPageInfo.grants) */
static const char *const builtin_roles[] = { "operator_admin", "store_manager", "technician", "finance" };

/* Personal columns and the pages that show them (see mt_actor_column_access) */
static const struct { const char *table, *column, *pages; gboolean id_card; } private_columns[] = {
  { "members", "mobile", "members orders rentals transactions deposits deposit_refunds referrals recharges", FALSE },
  { "members", "wechat_id", "members", FALSE },
  { "members", "id_card", "members orders", TRUE },
  { "members", "balance_fen", "members orders recharges", FALSE },
  { "operators", "contact", "operators", FALSE },
  { "operators", "phone", "operators", FALSE },
  { "operators", "id_card", "operators", TRUE },
  { "stores", "manager_id_card", "stores", TRUE },
  { "accounts", "mobile", "accounts", FALSE },
};

MtColumnAccess
mt_actor_column_access (const MtActor *actor,
                        const char    *table,
                        const char    *column)
{
  g_return_val_if_fail (actor != NULL, MT_COLUMN_HIDDEN);

  for (guint i = 0; i < G_N_ELEMENTS (private_columns); i++)
    if (g_str_equal (private_columns[i].table, table) && g_str_equal (private_columns[i].column, column))
      {
        g_auto(GStrv) pages = g_strsplit (private_columns[i].pages, " ", -1);
        gboolean shown = FALSE;

        for (guint k = 0; pages[k] && !shown; k++)
          shown = mt_actor_can_view (actor, pages[k]);
        if (!shown)
          return MT_COLUMN_HIDDEN;
        if (private_columns[i].id_card &&
            !mt_actor_can (actor, MT_PERMISSION_ID_CARDS_PAGE, MT_PERMISSION_ID_CARDS_ACTION))
          return MT_COLUMN_MASKED;
        return MT_COLUMN_FULL;
      }
  return MT_COLUMN_FULL;
}

char *
mt_mask_id_card (const char *id_card)
{
  if (id_card == NULL || strlen (id_card) != 18)
    return g_strdup ("");
  return g_strdup_printf ("%.6s********%s", id_card, id_card + 14);
}

const MtGroupInfo *
mt_groups (guint *n_groups)
{
  *n_groups = G_N_ELEMENTS (groups);
  return groups;
}

/* The admin menu, in its order, as the catalog has it; each page's actions are its permission
 * leaves */
const MtPageInfo *
mt_pages (guint *n_pages)
{
  static MtPageInfo *pages = NULL;
  static guint n = 0;
  static gsize once = 0;

  if (g_once_init_enter (&once))
    {
      GArray *all = g_array_new (FALSE, FALSE, sizeof (MtPageInfo));
      const MtCatalogPage *page;

      for (guint i = 0; (page = _mt_catalog_page (i)) != NULL; i++)
        g_array_append_val (all, page->info);
      n = all->len;
      pages = (MtPageInfo *) (void *) g_array_free (all, FALSE);
      g_once_init_leave (&once, 1);
    }
  *n_pages = n;
  return pages;
}

const MtPageInfo *
mt_page_lookup (const char *id)
{
  guint n;
  const MtPageInfo *pages = mt_pages (&n);

  for (guint i = 0; i < n; i++)
    if (g_strcmp0 (pages[i].id, id) == 0)
      return &pages[i];
  return NULL;
}

const char *
mt_group_title (const MtGroupInfo *group)
{
  g_return_val_if_fail (group != NULL, NULL);
  return group->title ? g_dpgettext2 (GETTEXT_PACKAGE, "sidebar group", group->title) : "";
}

const char *
mt_page_title (const MtPageInfo *page)
{
  g_return_val_if_fail (page != NULL, NULL);
  return g_dpgettext2 (GETTEXT_PACKAGE, "page", page->title);
}

const char *
mt_action_title (const char *action)
{
  for (guint i = 0; i < G_N_ELEMENTS (actions); i++)
    if (g_strcmp0 (actions[i].id, action) == 0)
      return _(actions[i].title);
  return action;
}

const char *
mt_capability_title (guint cap)
{
  for (guint i = 0; i < MT_N_CAPS; i++)
    if (cap == (1u << i))
      return _(cap_titles[i]);
  return "";
}

/* "page:action …" that @page grants to @builtin, appended to @out */
static void
append_page_grants (GString           *out,
                    const MtPageInfo  *page,
                    const char        *builtin)
{
  g_auto(GStrv) grants = g_strsplit (page->grants ? page->grants : "", " ", -1);

  for (guint i = 0; grants[i]; i++)
    {
      const char *colon = strchr (grants[i], ':');
      g_auto(GStrv) acts = NULL;

      if (colon == NULL || strncmp (grants[i], builtin, colon - grants[i]) != 0 || builtin[colon - grants[i]] != '\0')
        continue;
      acts = g_strsplit (colon + 1, ",", -1);
      for (guint k = 0; acts[k]; k++)
        g_string_append_printf (out, "%s%s:%s", out->len ? " " : "", page->id, acts[k]);
    }
}

const char *
mt_builtin_role_permissions (const char *builtin)
{
  static gsize built = 0;
  static char *perms[G_N_ELEMENTS (builtin_roles)];

  if (g_strcmp0 (builtin, "hq_admin") == 0)
    return "*";
  if (g_once_init_enter (&built))
    {
      guint n_pages;
      const MtPageInfo *pages = mt_pages (&n_pages);

      for (guint r = 0; r < G_N_ELEMENTS (builtin_roles); r++)
        {
          GString *s = g_string_new (NULL);

          for (guint p = 0; p < n_pages; p++)
            append_page_grants (s, &pages[p], builtin_roles[r]);
          perms[r] = g_string_free (s, FALSE);
        }
      g_once_init_leave (&built, 1);
    }
  for (guint r = 0; r < G_N_ELEMENTS (builtin_roles); r++)
    if (g_strcmp0 (builtin_roles[r], builtin) == 0)
      return perms[r];
  return NULL;
}

gboolean
_mt_catalog_grant_builtin_roles (MtDb        *db,
                                 const char  *page_id,
                                 GError     **error)
{
  const MtPageInfo *page = mt_page_lookup (page_id);

  g_return_val_if_fail (page != NULL, FALSE);
  for (guint r = 0; r < G_N_ELEMENTS (builtin_roles); r++)
    {
      g_autoptr(GString) add = g_string_new (NULL);

      g_auto(GStrv) perms = NULL;

      append_page_grants (add, page, builtin_roles[r]);
      perms = g_strsplit (add->str, " ", -1);
      /* each one the role does not hold yet */
      for (guint i = 0; perms[i] && *perms[i]; i++)
        if (!mt_db_run (db, error, "UPDATE roles SET permissions = trim (permissions || ' ' || ?1), "
                                   "version = version + 1, updated_at = ?2 WHERE builtin = ?3 AND deleted = 0 "
                                   "AND ' ' || permissions || ' ' NOT LIKE '% ' || ?1 || ' %'",
                        "tit", perms[i], mt_now (), builtin_roles[r]))
          return FALSE;
    }
  return TRUE;
}

gboolean
mt_permission_is_known (const char *perm)
{
  const char *colon = strchr (perm, ':');
  g_autofree char *page_id = NULL;
  const MtPageInfo *page;
  g_auto(GStrv) acts = NULL;

  if (colon == NULL)
    return FALSE;
  page_id = g_strndup (perm, colon - perm);
  page = mt_page_lookup (page_id);
  if (page == NULL)
    return FALSE;
  acts = g_strsplit (page->actions, " ", -1);
  return g_strv_contains ((const char * const *) acts, colon + 1);
}

static void
actor_set_permissions (MtActor    *actor,
                       const char *perms)
{
  g_auto(GStrv) list = g_strsplit_set (perms ? perms : "", " \n\t", -1);

  g_hash_table_remove_all (actor->permissions);
  actor->all_permissions = FALSE;
  for (guint i = 0; list[i] != NULL; i++)
    {
      if (g_str_equal (list[i], "*"))
        actor->all_permissions = TRUE;
      else if (list[i][0] != '\0')
        g_hash_table_add (actor->permissions, g_strdup (list[i]));
    }
}

static MtActor *
actor_new (void)
{
  MtActor *actor = g_new0 (MtActor, 1);

  actor->permissions = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  return actor;
}

/* The actor of set-up work (migrations, the demo generator, the server's init) */
MtActor *
mt_actor_new_system (void)
{
  MtActor *actor = actor_new ();

  actor->operator_id = 1;
  actor->operator_path = g_strdup ("/1/");
  actor->username = g_strdup ("system");
  actor->name = g_strdup ("system");
  actor->operator_name = g_strdup ("");
  actor->role_name = g_strdup ("");
  actor->caps = MT_CAP_ALL;
  actor->all_permissions = TRUE;
  return actor;
}

MtActor *
mt_actor_load (MtDb    *db,
               gint64   account_id,
               GError **error)
{
  g_autoptr(MtActor) actor = actor_new ();
  sqlite3_stmt *stmt;

  stmt = mt_db_prepare (db, error,
                        "SELECT a.id, a.operator_id, coalesce (a.store_id, 0), a.role_id, o.path, "
                        "a.username, a.name, o.name, CASE WHEN r.builtin IS NULL THEN r.name ELSE tr (r.name) END, r.builtin, o.caps, r.permissions "
                        "FROM accounts a JOIN operators o ON o.id = a.operator_id "
                        "JOIN roles r ON r.id = a.role_id "
                        "WHERE a.id = ? AND a.deleted = 0", "i", account_id);
  if (stmt == NULL)
    return NULL;
  if (sqlite3_step (stmt) != SQLITE_ROW)
    {
      sqlite3_reset (stmt);
      g_set_error_literal (error, MT_ERROR, MT_ERROR_NOT_FOUND, _("The account does not exist"));
      return NULL;
    }
  actor->account_id = sqlite3_column_int64 (stmt, 0);
  actor->operator_id = sqlite3_column_int64 (stmt, 1);
  actor->store_id = sqlite3_column_int64 (stmt, 2);
  actor->role_id = sqlite3_column_int64 (stmt, 3);
  actor->operator_path = g_strdup ((const char *) sqlite3_column_text (stmt, 4));
  actor->username = g_strdup ((const char *) sqlite3_column_text (stmt, 5));
  actor->name = g_strdup ((const char *) sqlite3_column_text (stmt, 6));
  actor->operator_name = g_strdup ((const char *) sqlite3_column_text (stmt, 7));
  actor->role_name = g_strdup ((const char *) sqlite3_column_text (stmt, 8));
  actor->role_builtin = g_strdup ((const char *) sqlite3_column_text (stmt, 9));
  actor->caps = (guint) sqlite3_column_int64 (stmt, 10);
  actor_set_permissions (actor, (const char *) sqlite3_column_text (stmt, 11));
  sqlite3_reset (stmt);

  return g_steal_pointer (&actor);
}

MtActor *
mt_actor_load_username (MtDb        *db,
                        const char  *username,
                        GError     **error)
{
  gint64 account = mt_db_query_int (db, 0, "SELECT id FROM accounts WHERE username = ? AND deleted = 0", "t",
                                    username ? username : "");

  if (account == 0)
    {
      g_set_error (error, MT_ERROR, MT_ERROR_NOT_FOUND, _("There is no account “%s”"), username ? username : "");
      return NULL;
    }
  return mt_actor_load (db, account, error);
}

void
mt_actor_free (MtActor *actor)
{
  if (actor == NULL)
    return;
  g_free (actor->operator_path);
  g_free (actor->username);
  g_free (actor->name);
  g_free (actor->operator_name);
  g_free (actor->role_name);
  g_free (actor->role_builtin);
  g_clear_pointer (&actor->permissions, g_hash_table_destroy);
  g_free (actor);
}

gboolean
mt_actor_can (const MtActor *actor,
              const char    *page,
              const char    *action)
{
  g_autofree char *key = NULL;

  g_return_val_if_fail (actor != NULL, FALSE);

  if (actor->all_permissions)
    return TRUE;
  key = g_strconcat (page, ":", action, NULL);
  return g_hash_table_contains (actor->permissions, key);
}

gboolean
mt_actor_can_view (const MtActor *actor,
                   const char    *page)
{
  return mt_actor_can (actor, page, "view");
}

gboolean
mt_actor_require (const MtActor  *actor,
                  const char     *page,
                  const char     *action,
                  GError        **error)
{
  if (mt_actor_can (actor, page, action))
    return TRUE;
  g_set_error (error, MT_ERROR, MT_ERROR_FORBIDDEN,
               _("Forbidden: your role does not allow “%s” on “%s”"),
               mt_action_title (action),
               mt_page_lookup (page) ? mt_page_title (mt_page_lookup (page)) : page);
  return FALSE;
}

gboolean
mt_actor_is_root (const MtActor *actor)
{
  return actor->store_id == 0 && g_strcmp0 (actor->operator_path, "/1/") == 0;
}

gboolean
mt_actor_owns_operator (MtDb          *db,
                        const MtActor *actor,
                        gint64         operator_id)
{
  g_autofree char *path = NULL;

  if (actor->store_id != 0)
    return operator_id == actor->operator_id;
  if (mt_actor_is_root (actor))
    return mt_db_query_int (db, 0, "SELECT 1 FROM operators WHERE id = ?", "i", operator_id) == 1;
  path = mt_db_query_text (db, "SELECT path FROM operators WHERE id = ?", "i", operator_id);
  return path != NULL && g_str_has_prefix (path, actor->operator_path);
}

gboolean
mt_actor_owns_row (MtDb          *db,
                   const MtActor *actor,
                   gint64         operator_id,
                   gint64         store_id)
{
  if (actor->store_id != 0)
    return store_id == actor->store_id;
  return mt_actor_owns_operator (db, actor, operator_id);
}

char *
mt_actor_scope_sql (const MtActor *actor,
                    const char    *op_col,
                    const char    *store_col,
                    GPtrArray     *params)
{
  /* Ids are integers from the database, written as literals; only the path is bound */
  if (actor->store_id != 0)
    {
      if (store_col == NULL)
        return g_strdup_printf ("%s = %" G_GINT64_FORMAT, op_col ? op_col : "0", actor->operator_id);
      return g_strdup_printf ("%s = %" G_GINT64_FORMAT, store_col, actor->store_id);
    }
  if (mt_actor_is_root (actor) || op_col == NULL)
    return g_strdup ("1");
  g_ptr_array_add (params, g_strconcat (actor->operator_path, "%", NULL));
  return g_strdup_printf ("%s IN (SELECT id FROM operators WHERE path LIKE ?)", op_col);
}

static gboolean
sodium_ready (void)
{
  static gsize init = 0;

  if (g_once_init_enter (&init))
    {
      if (sodium_init () < 0)
        g_error ("libsodium failed to initialise");
      g_once_init_leave (&init, 1);
    }
  return TRUE;
}

char *
mt_password_hash (const char *password)
{
  char hash[crypto_pwhash_STRBYTES];

  sodium_ready ();
  if (crypto_pwhash_str_alg (hash, password, strlen (password),
                             crypto_pwhash_OPSLIMIT_INTERACTIVE,
                             crypto_pwhash_MEMLIMIT_INTERACTIVE,
                             crypto_pwhash_ALG_ARGON2ID13) != 0)
    g_error ("Out of memory hashing a password");
  return g_strdup (hash);
}

gboolean
mt_password_verify (const char *hash,
                    const char *password)
{
  sodium_ready ();
  if (hash == NULL || password == NULL)
    return FALSE;
  return crypto_pwhash_str_verify (hash, password, strlen (password)) == 0;
}

gboolean
mt_account_check_enabled (MtDb    *db,
                          gint64   account_id,
                          GError **error)
{
  if (mt_db_query_int (db, 0, "SELECT enabled FROM accounts WHERE id = ? AND deleted = 0", "i",
                       account_id) != 1)
    {
      g_set_error_literal (error, MT_ERROR, MT_ERROR_DISABLED, _("This account is disabled"));
      return FALSE;
    }
  /* A disabled operator anywhere above the account shuts it out */
  if (mt_db_query_int (db, 0,
                       "SELECT count(*) FROM operators o, accounts a, operators mine "
                       "WHERE a.id = ? AND mine.id = a.operator_id AND o.enabled = 0 "
                       "AND mine.path LIKE o.path || '%'", "i", account_id) > 0)
    {
      g_set_error_literal (error, MT_ERROR, MT_ERROR_DISABLED,
                           _("The operator of this account is disabled"));
      return FALSE;
    }
  return TRUE;
}

MtActor *
mt_sign_in (MtDb        *db,
            const char  *username,
            const char  *password,
            GError     **error)
{
  /* A fixed hash of a random string, so an unknown user name costs as much as a wrong password */
  static char *dummy_hash = NULL;
  sqlite3_stmt *stmt;
  g_autofree char *hash = NULL;
  gint64 account_id = 0;

  stmt = mt_db_prepare (db, error,
                        "SELECT id, password_hash, enabled FROM accounts "
                        "WHERE username = ? AND deleted = 0", "t", username ? username : "");
  if (stmt == NULL)
    return NULL;
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      account_id = sqlite3_column_int64 (stmt, 0);
      hash = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
    }
  sqlite3_reset (stmt);

  if (hash == NULL)
    {
      static gsize dummy_init = 0;

      if (g_once_init_enter (&dummy_init))
        {
          dummy_hash = mt_password_hash ("mingtang-no-such-account");
          g_once_init_leave (&dummy_init, 1);
        }
      mt_password_verify (dummy_hash, password ? password : "");
    }
  if (hash == NULL || !mt_password_verify (hash, password))
    {
      g_set_error_literal (error, MT_ERROR, MT_ERROR_AUTH,
                           _("The user name or the password is wrong"));
      return NULL;
    }
  if (!mt_account_check_enabled (db, account_id, error))
    return NULL;

  mt_db_run (db, NULL,
             "UPDATE accounts SET last_sign_in = ?1, updated_at = ?1, version = version + 1 "
             "WHERE id = ?2", "ii", mt_now (), account_id);
  return mt_actor_load (db, account_id, error);
}

void
mt_audit (MtDb          *db,
          const MtActor *actor,
          const char    *operation,
          const char    *table,
          gint64         target_id,
          const char    *result,
          const char    *detail)
{
  mt_db_run (db, NULL,
             "INSERT INTO audit_log (at, account_id, operator_id, operation, target_table, "
             "target_id, result, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", "iiittitt",
             mt_now (), actor ? actor->account_id : (gint64) 0,
             actor ? actor->operator_id : (gint64) 0, operation, table ? table : "",
             target_id, result ? result : "ok", detail ? detail : "");
}
