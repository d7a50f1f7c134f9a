/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "mt-database.h"

G_BEGIN_DECLS

/* Capability flags an operator is granted by its parent */
typedef enum
{
  MT_CAP_BMS_CONTROL           = 1 << 0,
  MT_CAP_BMS_PARAMS            = 1 << 1,
  MT_CAP_INDEPENDENT_COLLECTION = 1 << 2,
  MT_CAP_OFFLINE_PAYMENT       = 1 << 3,
  MT_CAP_UNRENTED_POWER_CUT    = 1 << 4,
  MT_CAP_CUSTOM_BILLING        = 1 << 5,
} MtCapability;
#define MT_CAP_ALL 0x3f
#define MT_N_CAPS 6

typedef struct
{
  const char *id;      /* "system" */
  const char *title;   /* NC_("sidebar group", …): show with mt_group_title() */
} MtGroupInfo;

typedef struct
{
  const char *id;       /* "devices": also the permission prefix */
  const char *group;    /* MtGroupInfo id */
  const char *title;    /* NC_("page", …): show with mt_page_title() */
  const char *icon;
  const char *actions;  /* space separated: "view detail edit" */
  const char *grants;   /* what the built-in roles hold here: "store_manager:view,detail finance:view"
                         * (headquarters admin holds everything) */
} MtPageInfo;

typedef struct
{
  gint64      account_id;
  gint64      operator_id;
  gint64      store_id;        /* 0 unless the account belongs to one store */
  gint64      role_id;
  char       *operator_path;   /* "/1/4/" */
  char       *username;
  char       *name;
  char       *operator_name;
  char       *role_name;
  char       *role_builtin;    /* "hq_admin"… or NULL */
  guint       caps;
  gboolean    all_permissions;
  GHashTable *permissions;     /* "page:action" set */
} MtActor;

const MtGroupInfo *mt_groups               (guint       *n_groups);
const MtPageInfo  *mt_pages                (guint       *n_pages);
const MtPageInfo  *mt_page_lookup          (const char  *id);
const char        *mt_group_title          (const MtGroupInfo *group);
const char        *mt_page_title           (const MtPageInfo  *page);
const char        *mt_action_title         (const char  *action);
const char        *mt_capability_title     (guint        cap);
const char        *mt_builtin_role_permissions (const char *builtin);
gboolean           mt_permission_is_known  (const char  *perm);

MtActor  *mt_actor_new_system      (void);
MtActor  *mt_actor_load            (MtDb        *db,
                                    gint64       account_id,
                                    GError     **error);
/* The account with this user name (not deleted), or NULL with MT_ERROR_NOT_FOUND */
MtActor  *mt_actor_load_username   (MtDb        *db,
                                    const char  *username,
                                    GError     **error);
void      mt_actor_free            (MtActor     *actor);
gboolean  mt_actor_can             (const MtActor *actor,
                                    const char  *page,
                                    const char  *action);
gboolean  mt_actor_can_view        (const MtActor *actor,
                                    const char  *page);
gboolean  mt_actor_require         (const MtActor *actor,
                                    const char  *page,
                                    const char  *action,
                                    GError     **error);
gboolean  mt_actor_is_root         (const MtActor *actor);
/* Whether an operator lies in the actor's subtree (a store account: only its own operator) */
gboolean  mt_actor_owns_operator   (MtDb        *db,
                                    const MtActor *actor,
                                    gint64       operator_id);
/* Whether a row with these owner columns is in the actor's scope; store_id 0 = none */
gboolean  mt_actor_owns_row        (MtDb        *db,
                                    const MtActor *actor,
                                    gint64       operator_id,
                                    gint64       store_id);
/*
 * An SQL condition limiting rows to the actor's scope, for columns @op_col and @store_col
 * (@store_col may be NULL for tables without a store). Bound values are appended to @params.
 */
char     *mt_actor_scope_sql       (const MtActor *actor,
                                    const char  *op_col,
                                    const char  *store_col,
                                    GPtrArray   *params);

char     *mt_password_hash         (const char  *password);
gboolean  mt_password_verify       (const char  *hash,
                                    const char  *password);
/* The account and every operator above it are enabled, else MT_ERROR_DISABLED */
gboolean  mt_account_check_enabled (MtDb        *db,
                                    gint64       account_id,
                                    GError     **error);
MtActor  *mt_sign_in               (MtDb        *db,
                                    const char  *username,
                                    const char  *password,
                                    GError     **error);
void      mt_audit                 (MtDb        *db,
                                    const MtActor *actor,
                                    const char  *operation,
                                    const char  *table,
                                    gint64       target_id,
                                    const char  *result,
                                    const char  *detail);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MtActor, mt_actor_free)

/*
 * Personal data in the rows an account receives (the change feed, snapshots, GET ENTITY/ID and
 * the console's forms): a column listed in mt-perm.c goes only to accounts that view one of the
 * pages showing it; ID card numbers are masked ("110105********002X") unless the role holds
 * MT_PERMISSION_ID_CARDS. Columns not listed go with their rows.
 */
typedef enum
{
  MT_COLUMN_FULL,
  MT_COLUMN_MASKED,
  MT_COLUMN_HIDDEN,
} MtColumnAccess;

#define MT_PERMISSION_ID_CARDS_PAGE   "members"
#define MT_PERMISSION_ID_CARDS_ACTION "id_cards"

MtColumnAccess  mt_actor_column_access  (const MtActor *actor,
                                         const char    *table,
                                         const char    *column);
/* The first 6 and last 4 characters of an 18-character ID card number, stars between; "" else */
char           *mt_mask_id_card         (const char    *id_card);

G_END_DECLS
