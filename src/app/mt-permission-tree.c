/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mt-permission-tree"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "mt-permission-tree.h"

/* A check of the tree: a group ("g:system"), a page ("p:devices") or an action ("devices:view") */
typedef struct
{
  GtkWidget *check;
  char      *node;
  char      *group;   /* the group it is in */
  char      *page;    /* the page it is in, NULL for a group */
  GtkWidget *expander;   /* its group's row */
} Node;

struct _MtPermissionTree
{
  GtkWidget     parent_instance;

  GtkWidget    *groups;

  const MtActor *granter;  /* who hands them on (the session's, which outlives the form) */
  GArray       *nodes;     /* Node */
  gboolean      updating;
};

G_DEFINE_FINAL_TYPE (MtPermissionTree, mt_permission_tree, GTK_TYPE_WIDGET)

static void
node_clear (Node *node)
{
  g_free (node->node);
  g_free (node->group);
  g_free (node->page);
}

static Node *
find (MtPermissionTree *self,
      const char       *node)
{
  for (guint i = 0; i < self->nodes->len; i++)
    if (g_str_equal (g_array_index (self->nodes, Node, i).node, node))
      return &g_array_index (self->nodes, Node, i);
  return NULL;
}

static gboolean
is_action (const Node *n)
{
  return n->page != NULL && n->node[1] != ':';
}

/* A group's or page's check from the actions under it: all, none or mixed */
static void
update_parents (MtPermissionTree *self)
{
  self->updating = TRUE;
  for (guint i = 0; i < self->nodes->len; i++)
    {
      Node *parent = &g_array_index (self->nodes, Node, i);
      guint held = 0, all = 0;

      if (is_action (parent))
        continue;
      for (guint j = 0; j < self->nodes->len; j++)
        {
          const Node *n = &g_array_index (self->nodes, Node, j);

          if (!is_action (n) || !gtk_widget_get_sensitive (n->check))
            continue;
          if (parent->page ? g_strcmp0 (n->page, parent->page) != 0 : g_strcmp0 (n->group, parent->group) != 0)
            continue;
          all++;
          held += gtk_check_button_get_active (GTK_CHECK_BUTTON (n->check));
        }
      gtk_check_button_set_inconsistent (GTK_CHECK_BUTTON (parent->check), held > 0 && held < all);
      gtk_check_button_set_active (GTK_CHECK_BUTTON (parent->check), all > 0 && held == all);
      gtk_widget_set_sensitive (parent->check, all > 0);
    }
  self->updating = FALSE;
}

static void
toggled_cb (GtkCheckButton   *check,
            MtPermissionTree *self)
{
  Node *node = NULL;
  gboolean active = gtk_check_button_get_active (check);

  if (self->updating)
    return;
  for (guint i = 0; i < self->nodes->len && node == NULL; i++)
    if (g_array_index (self->nodes, Node, i).check == GTK_WIDGET (check))
      node = &g_array_index (self->nodes, Node, i);
  if (node == NULL)
    return;
  if (!is_action (node))
    {
      /* everything under it that may be ticked */
      self->updating = TRUE;
      for (guint j = 0; j < self->nodes->len; j++)
        {
          const Node *n = &g_array_index (self->nodes, Node, j);
          gboolean under = node->page ? g_strcmp0 (n->page, node->page) == 0 : g_strcmp0 (n->group, node->group) == 0;

          if (is_action (n) && under && gtk_widget_get_sensitive (n->check))
            gtk_check_button_set_active (GTK_CHECK_BUTTON (n->check), active);
        }
      self->updating = FALSE;
    }
  update_parents (self);
}

static GtkWidget *
add_check (MtPermissionTree *self,
           GtkWidget        *expander,
           const char       *label,
           const char       *node,
           const char       *group,
           const char       *page)
{
  Node n = { gtk_check_button_new_with_label (label), g_strdup (node), g_strdup (group), g_strdup (page), expander };

  g_signal_connect (n.check, "toggled", G_CALLBACK (toggled_cb), self);
  g_array_append_val (self->nodes, n);
  return n.check;
}

static void
build (MtPermissionTree *self)
{
  guint n_groups, n_pages;
  const MtGroupInfo *groups = mt_groups (&n_groups);
  const MtPageInfo *pages = mt_pages (&n_pages);

  for (guint g = 0; g < n_groups; g++)
    {
      g_autofree char *group_node = g_strconcat ("g:", groups[g].id, NULL);
      GtkWidget *expander = NULL;

      for (guint p = 0; p < n_pages; p++)
        {
          g_auto(GStrv) acts = NULL;
          g_autofree char *page_node = NULL;
          GtkWidget *row, *box, *flow, *title;

          if (g_strcmp0 (pages[p].group, groups[g].id) != 0)
            continue;
          if (expander == NULL)
            {
              const char *title_text = mt_group_title (&groups[g]);

              expander = adw_expander_row_new ();
              adw_preferences_row_set_title (ADW_PREFERENCES_ROW (expander), title_text && *title_text ? title_text
                                                                                                      : mt_page_title (&pages[p]));
              adw_expander_row_add_prefix (ADW_EXPANDER_ROW (expander),
                                           add_check (self, expander, "", group_node, groups[g].id, NULL));
              gtk_list_box_append (GTK_LIST_BOX (self->groups), expander);
            }
          page_node = g_strconcat ("p:", pages[p].id, NULL);
          acts = g_strsplit (pages[p].actions, " ", -1);
          row = gtk_list_box_row_new ();
          gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), FALSE);
          box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
          gtk_widget_set_margin_start (box, 24);
          gtk_widget_set_margin_end (box, 12);
          gtk_widget_set_margin_top (box, 6);
          gtk_widget_set_margin_bottom (box, 6);
          title = add_check (self, expander, mt_page_title (&pages[p]), page_node, groups[g].id, pages[p].id);
          gtk_widget_set_size_request (title, 150, -1);
          gtk_widget_set_valign (title, GTK_ALIGN_START);
          gtk_box_append (GTK_BOX (box), title);
          flow = gtk_flow_box_new ();
          gtk_flow_box_set_selection_mode (GTK_FLOW_BOX (flow), GTK_SELECTION_NONE);
          gtk_flow_box_set_max_children_per_line (GTK_FLOW_BOX (flow), 5);
          gtk_flow_box_set_column_spacing (GTK_FLOW_BOX (flow), 6);
          gtk_widget_set_hexpand (flow, TRUE);
          for (guint a = 0; acts[a]; a++)
            {
              g_autofree char *key = g_strconcat (pages[p].id, ":", acts[a], NULL);
              GtkWidget *check = add_check (self, expander, mt_action_title (acts[a]), key, groups[g].id, pages[p].id);

              /* what the granting account lacks cannot be handed on */
              gtk_widget_set_sensitive (check, self->granter == NULL || mt_actor_can (self->granter, pages[p].id, acts[a]));
              gtk_flow_box_append (GTK_FLOW_BOX (flow), check);
            }
          gtk_box_append (GTK_BOX (box), flow);
          gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
          adw_expander_row_add_row (ADW_EXPANDER_ROW (expander), row);
        }
    }
  update_parents (self);
}

static void
mt_permission_tree_dispose (GObject *object)
{
  MtPermissionTree *self = MT_PERMISSION_TREE (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), MT_TYPE_PERMISSION_TREE);
  G_OBJECT_CLASS (mt_permission_tree_parent_class)->dispose (object);
}

static void
mt_permission_tree_finalize (GObject *object)
{
  MtPermissionTree *self = MT_PERMISSION_TREE (object);

  g_array_unref (self->nodes);
  G_OBJECT_CLASS (mt_permission_tree_parent_class)->finalize (object);
}

static void
mt_permission_tree_class_init (MtPermissionTreeClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = mt_permission_tree_dispose;
  object_class->finalize = mt_permission_tree_finalize;
  gtk_widget_class_set_template_from_resource (widget_class, "/com/mtxnyjs/Mingtang/ui/mt-permission-tree.ui");
  gtk_widget_class_bind_template_child (widget_class, MtPermissionTree, groups);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
mt_permission_tree_init (MtPermissionTree *self)
{
  self->nodes = g_array_new (FALSE, TRUE, sizeof (Node));
  g_array_set_clear_func (self->nodes, (GDestroyNotify) node_clear);
  gtk_widget_init_template (GTK_WIDGET (self));
}

MtPermissionTree *
mt_permission_tree_new (const MtActor *granter)
{
  MtPermissionTree *self = g_object_new (MT_TYPE_PERMISSION_TREE, NULL);

  self->granter = granter;
  build (self);
  return self;
}

void
mt_permission_tree_set_permissions (MtPermissionTree *self,
                                    const char       *permissions)
{
  g_auto(GStrv) held = g_strsplit (permissions ? permissions : "", " ", -1);

  g_return_if_fail (MT_IS_PERMISSION_TREE (self));
  self->updating = TRUE;
  for (guint i = 0; i < self->nodes->len; i++)
    {
      const Node *n = &g_array_index (self->nodes, Node, i);

      if (is_action (n))
        gtk_check_button_set_active (GTK_CHECK_BUTTON (n->check), g_strv_contains ((const char *const *) held, n->node));
    }
  self->updating = FALSE;
  update_parents (self);
}

char *
mt_permission_tree_get_permissions (MtPermissionTree *self)
{
  GString *out = g_string_new (NULL);

  g_return_val_if_fail (MT_IS_PERMISSION_TREE (self), NULL);
  for (guint i = 0; i < self->nodes->len; i++)
    {
      const Node *n = &g_array_index (self->nodes, Node, i);

      if (is_action (n) && gtk_check_button_get_active (GTK_CHECK_BUTTON (n->check)))
        g_string_append_printf (out, "%s%s", out->len ? " " : "", n->node);
    }
  return g_string_free (out, FALSE);
}

gboolean
mt_permission_tree_set_active (MtPermissionTree *self,
                               const char       *node,
                               gboolean          active)
{
  g_autofree char *key = NULL;
  Node *n;

  g_return_val_if_fail (MT_IS_PERMISSION_TREE (self), FALSE);
  /* a page's id or a group's: the page's if there is one */
  key = strchr (node, ':') ? g_strdup (node) : g_strconcat ("p:", node, NULL);
  n = find (self, key);
  if (n == NULL && !strchr (node, ':'))
    {
      g_free (key);
      key = g_strconcat ("g:", node, NULL);
      n = find (self, key);
    }
  if (n == NULL || !gtk_widget_get_sensitive (n->check))
    return FALSE;
  /* what changes is in sight */
  adw_expander_row_set_expanded (ADW_EXPANDER_ROW (n->expander), TRUE);
  gtk_check_button_set_inconsistent (GTK_CHECK_BUTTON (n->check), FALSE);
  if (gtk_check_button_get_active (GTK_CHECK_BUTTON (n->check)) == active)
    toggled_cb (GTK_CHECK_BUTTON (n->check), self);   /* a mixed parent set to what it shows */
  else
    gtk_check_button_set_active (GTK_CHECK_BUTTON (n->check), active);
  return TRUE;
}

gboolean
mt_permission_tree_is_mixed (MtPermissionTree *self,
                             const char       *node)
{
  g_autofree char *page = g_strconcat ("p:", node, NULL);
  g_autofree char *group = g_strconcat ("g:", node, NULL);
  Node *n = find (self, node);   /* "g:devices", "p:devices" as they are */

  g_return_val_if_fail (MT_IS_PERMISSION_TREE (self), FALSE);
  if (n == NULL)
    n = find (self, page);
  if (n == NULL)
    n = find (self, group);
  return n != NULL && gtk_check_button_get_inconsistent (GTK_CHECK_BUTTON (n->check));
}
