/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "mt-perm.h"

G_BEGIN_DECLS

#define MT_TYPE_PERMISSION_TREE (mt_permission_tree_get_type ())
G_DECLARE_FINAL_TYPE (MtPermissionTree, mt_permission_tree, MT, PERMISSION_TREE, GtkWidget)

/*
 * A role's permissions as the admin's tree: sidebar group → page → action, each level with a
 * check that holds all below it (mixed when part is held). What the granting account does not
 * hold itself cannot be ticked (the core refuses it too).
 */
MtPermissionTree *mt_permission_tree_new             (const MtActor    *granter);
/* "page:action" words, space separated */
void              mt_permission_tree_set_permissions (MtPermissionTree *self,
                                                      const char       *permissions);
char             *mt_permission_tree_get_permissions (MtPermissionTree *self);
/* Ticks or clears a whole group, a page ("devices") or one action ("devices:edit"), as a click
 * on its check does */
gboolean          mt_permission_tree_set_active      (MtPermissionTree *self,
                                                      const char       *node,
                                                      gboolean          active);
/* Whether a group's ("g:devices") or a page's ("devices") check shows part of it held */
gboolean          mt_permission_tree_is_mixed        (MtPermissionTree *self,
                                                      const char       *node);

G_END_DECLS
