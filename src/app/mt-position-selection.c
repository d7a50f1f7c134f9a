/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mt-position-selection"

#include "config.h"

#include "mt-position-selection.h"

struct _MtPositionSelection
{
  GObject     parent_instance;
  GListModel *model;
  GtkBitset  *selected;
};

static void list_model_iface_init (GListModelInterface *iface);
static void selection_model_iface_init (GtkSelectionModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (MtPositionSelection, mt_position_selection, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init)
                               G_IMPLEMENT_INTERFACE (GTK_TYPE_SELECTION_MODEL, selection_model_iface_init))

static GType
get_item_type (GListModel *model)
{
  return g_list_model_get_item_type (MT_POSITION_SELECTION (model)->model);
}

static guint
get_n_items (GListModel *model)
{
  return g_list_model_get_n_items (MT_POSITION_SELECTION (model)->model);
}

static gpointer
get_item (GListModel *model,
          guint       position)
{
  return g_list_model_get_item (MT_POSITION_SELECTION (model)->model, position);
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = get_item_type;
  iface->get_n_items = get_n_items;
  iface->get_item = get_item;
}

static gboolean
is_selected (GtkSelectionModel *model,
             guint              position)
{
  return gtk_bitset_contains (MT_POSITION_SELECTION (model)->selected, position);
}

static GtkBitset *
get_selection_in_range (GtkSelectionModel *model,
                        guint              position,
                        guint              n_items)
{
  return gtk_bitset_ref (MT_POSITION_SELECTION (model)->selected);
}

/* The other operations (select an item, a range, all…) are the interface's own, through this */
static gboolean
set_selection (GtkSelectionModel *model,
               GtkBitset         *selected,
               GtkBitset         *mask)
{
  MtPositionSelection *self = MT_POSITION_SELECTION (model);
  g_autoptr(GtkBitset) kept = gtk_bitset_copy (self->selected);
  g_autoptr(GtkBitset) chosen = gtk_bitset_copy (selected);
  g_autoptr(GtkBitset) changed = gtk_bitset_copy (self->selected);
  guint first, last;

  /* outside the mask as before, inside it as asked */
  gtk_bitset_subtract (kept, mask);
  gtk_bitset_intersect (chosen, mask);
  gtk_bitset_union (kept, chosen);
  /* only positions the list has */
  gtk_bitset_remove_range (kept, get_n_items (G_LIST_MODEL (self)), G_MAXUINT - get_n_items (G_LIST_MODEL (self)));
  gtk_bitset_difference (changed, kept);   /* symmetric: unselected or selected now */
  if (gtk_bitset_is_empty (changed))
    return TRUE;
  gtk_bitset_unref (self->selected);
  self->selected = g_steal_pointer (&kept);
  first = gtk_bitset_get_minimum (changed);
  last = gtk_bitset_get_maximum (changed);
  gtk_selection_model_selection_changed (model, first, last - first + 1);
  return TRUE;
}

static void
selection_model_iface_init (GtkSelectionModelInterface *iface)
{
  iface->is_selected = is_selected;
  iface->get_selection_in_range = get_selection_in_range;
  iface->set_selection = set_selection;
}

/* Rows removed and added at @position: the selected positions after them move along */
static void
items_changed_cb (GListModel          *model,
                  guint                position,
                  guint                removed,
                  guint                added,
                  MtPositionSelection *self)
{
  gtk_bitset_splice (self->selected, position, removed, added);
  g_list_model_items_changed (G_LIST_MODEL (self), position, removed, added);
}

static void
mt_position_selection_dispose (GObject *object)
{
  MtPositionSelection *self = MT_POSITION_SELECTION (object);

  if (self->model != NULL)
    g_signal_handlers_disconnect_by_data (self->model, self);
  g_clear_object (&self->model);
  G_OBJECT_CLASS (mt_position_selection_parent_class)->dispose (object);
}

static void
mt_position_selection_finalize (GObject *object)
{
  gtk_bitset_unref (MT_POSITION_SELECTION (object)->selected);
  G_OBJECT_CLASS (mt_position_selection_parent_class)->finalize (object);
}

static void
mt_position_selection_class_init (MtPositionSelectionClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = mt_position_selection_dispose;
  G_OBJECT_CLASS (klass)->finalize = mt_position_selection_finalize;
}

static void
mt_position_selection_init (MtPositionSelection *self)
{
  self->selected = gtk_bitset_new_empty ();
}

MtPositionSelection *
mt_position_selection_new (GListModel *model)
{
  MtPositionSelection *self = g_object_new (MT_TYPE_POSITION_SELECTION, NULL);

  g_return_val_if_fail (G_IS_LIST_MODEL (model), self);
  self->model = g_object_ref (model);
  g_signal_connect (model, "items-changed", G_CALLBACK (items_changed_cb), self);
  return self;
}
