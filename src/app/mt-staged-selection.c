/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mt-staged-selection"

#include "config.h"

#include "mt-staged-selection.h"

/* Rows shown first: a screenful of the tallest list a window shows (rows are 30–36 px high) */
#define FIRST_ROWS 50
/* Rows let in per frame after it */
#define STEP_ROWS 50
/* GTK 4.8 makes widgets for at most this many rows (GTK_LIST_VIEW_MAX_LIST_ITEMS): past it the
 * rest of the list costs nothing to let in */
#define GTK_ROWS 200

struct _MtStagedSelection
{
  GObject            parent_instance;
  GtkSelectionModel *inner;
  GtkWidget         *view;      /* not owned: the view that shows this model */
  guint              limit;     /* positions shown: G_MAXUINT once all are */
  guint              tick;      /* the view's tick callback while rows are let in */
  gboolean           painted;   /* a frame was painted since the last stage began */
};

static void list_model_iface_init (GListModelInterface *iface);
static void selection_model_iface_init (GtkSelectionModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (MtStagedSelection, mt_staged_selection, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init)
                               G_IMPLEMENT_INTERFACE (GTK_TYPE_SELECTION_MODEL, selection_model_iface_init))

static guint
inner_n (MtStagedSelection *self)
{
  return g_list_model_get_n_items (G_LIST_MODEL (self->inner));
}

static guint
shown (MtStagedSelection *self,
       guint              n)
{
  return MIN (n, self->limit);
}

/* ------------------------------------------------------------------ GListModel */

static GType
get_item_type (GListModel *model)
{
  return g_list_model_get_item_type (G_LIST_MODEL (MT_STAGED_SELECTION (model)->inner));
}

static guint
get_n_items (GListModel *model)
{
  MtStagedSelection *self = MT_STAGED_SELECTION (model);

  return shown (self, inner_n (self));
}

static gpointer
get_item (GListModel *model,
          guint       position)
{
  MtStagedSelection *self = MT_STAGED_SELECTION (model);

  if (position >= self->limit)
    return NULL;
  return g_list_model_get_item (G_LIST_MODEL (self->inner), position);
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = get_item_type;
  iface->get_n_items = get_n_items;
  iface->get_item = get_item;
}

/* ------------------------------------------------------------------ GtkSelectionModel */

static gboolean
is_selected (GtkSelectionModel *model,
             guint              position)
{
  return gtk_selection_model_is_selected (MT_STAGED_SELECTION (model)->inner, position);
}

static GtkBitset *
get_selection_in_range (GtkSelectionModel *model,
                        guint              position,
                        guint              n_items)
{
  return gtk_selection_model_get_selection_in_range (MT_STAGED_SELECTION (model)->inner, position, n_items);
}

static gboolean
select_item (GtkSelectionModel *model,
             guint              position,
             gboolean           unselect_rest)
{
  return gtk_selection_model_select_item (MT_STAGED_SELECTION (model)->inner, position, unselect_rest);
}

static gboolean
unselect_item (GtkSelectionModel *model,
               guint              position)
{
  return gtk_selection_model_unselect_item (MT_STAGED_SELECTION (model)->inner, position);
}

static gboolean
select_range (GtkSelectionModel *model,
              guint              position,
              guint              n_items,
              gboolean           unselect_rest)
{
  return gtk_selection_model_select_range (MT_STAGED_SELECTION (model)->inner, position, n_items, unselect_rest);
}

static gboolean
unselect_range (GtkSelectionModel *model,
                guint              position,
                guint              n_items)
{
  return gtk_selection_model_unselect_range (MT_STAGED_SELECTION (model)->inner, position, n_items);
}

/* Ctrl+A in the view selects the whole list, not only the rows let in */
static gboolean
select_all (GtkSelectionModel *model)
{
  return gtk_selection_model_select_all (MT_STAGED_SELECTION (model)->inner);
}

static gboolean
unselect_all (GtkSelectionModel *model)
{
  return gtk_selection_model_unselect_all (MT_STAGED_SELECTION (model)->inner);
}

static gboolean
set_selection (GtkSelectionModel *model,
               GtkBitset         *selected,
               GtkBitset         *mask)
{
  return gtk_selection_model_set_selection (MT_STAGED_SELECTION (model)->inner, selected, mask);
}

static void
selection_model_iface_init (GtkSelectionModelInterface *iface)
{
  iface->is_selected = is_selected;
  iface->get_selection_in_range = get_selection_in_range;
  iface->select_item = select_item;
  iface->unselect_item = unselect_item;
  iface->select_range = select_range;
  iface->unselect_range = unselect_range;
  iface->select_all = select_all;
  iface->unselect_all = unselect_all;
  iface->set_selection = set_selection;
}

/* ------------------------------------------------------------------ forwarding */

/* The inner list changed from @removed to @added items at @position: the part of it shown */
static void
inner_items_changed_cb (GListModel        *inner,
                        guint              position,
                        guint              removed,
                        guint              added,
                        MtStagedSelection *self)
{
  guint now = inner_n (self);
  guint before = now - added + removed;

  if (position >= self->limit)
    return;
  if (removed == added)
    {
      guint n = MIN (removed, self->limit - position);

      g_list_model_items_changed (G_LIST_MODEL (self), position, n, n);
      return;
    }
  /* the shown rows from @position on are replaced by those that slide in */
  g_list_model_items_changed (G_LIST_MODEL (self), position, shown (self, before) - position,
                              shown (self, now) - position);
}

static void
inner_selection_changed_cb (GtkSelectionModel *inner,
                            guint              position,
                            guint              n_items,
                            MtStagedSelection *self)
{
  if (position < self->limit)
    gtk_selection_model_selection_changed (GTK_SELECTION_MODEL (self), position,
                                           MIN (n_items, self->limit - position));
}

/* ------------------------------------------------------------------ staging */

static void
set_limit (MtStagedSelection *self,
           guint              limit)
{
  guint n = inner_n (self);
  guint old = shown (self, n);

  self->limit = limit >= GTK_ROWS || limit >= n ? G_MAXUINT : limit;
  if (shown (self, n) != old)
    g_list_model_items_changed (G_LIST_MODEL (self), MIN (old, shown (self, n)),
                                old > shown (self, n) ? old - shown (self, n) : 0,
                                shown (self, n) > old ? shown (self, n) - old : 0);
}

static void
stop_ticking (MtStagedSelection *self)
{
  if (self->tick != 0 && self->view != NULL)
    gtk_widget_remove_tick_callback (self->view, self->tick);
  self->tick = 0;
}

/* Once per frame, in its update phase: the first frame paints what is shown, each one after it
 * lets the next step in (laid out and painted in that same frame) */
static gboolean
tick_cb (GtkWidget     *view,
         GdkFrameClock *clock,
         gpointer       data)
{
  MtStagedSelection *self = data;

  if (!self->painted)
    {
      self->painted = TRUE;
      return G_SOURCE_CONTINUE;
    }
  set_limit (self, self->limit + STEP_ROWS);
  if (self->limit != G_MAXUINT)
    return G_SOURCE_CONTINUE;
  self->tick = 0;
  return G_SOURCE_REMOVE;
}

void
mt_staged_selection_restage (MtStagedSelection *self)
{
  g_return_if_fail (MT_IS_STAGED_SELECTION (self));

  if (self->view == NULL)
    return;
  /* what is shown stays (nothing changes for the view now); a list showing less than a
   * screenful may grow to that much at once */
  self->limit = shown (self, inner_n (self)) >= GTK_ROWS ? G_MAXUINT
              : MAX (shown (self, inner_n (self)), FIRST_ROWS);
  self->painted = FALSE;
  if (self->limit != G_MAXUINT && self->tick == 0)
    self->tick = gtk_widget_add_tick_callback (self->view, tick_cb, self, NULL);
}

void
mt_staged_selection_finish (MtStagedSelection *self)
{
  g_return_if_fail (MT_IS_STAGED_SELECTION (self));
  stop_ticking (self);
  set_limit (self, G_MAXUINT);
}

gboolean
mt_staged_selection_is_done (MtStagedSelection *self)
{
  g_return_val_if_fail (MT_IS_STAGED_SELECTION (self), TRUE);
  return self->limit == G_MAXUINT;
}

static void
view_gone_cb (gpointer  data,
              GObject  *where)
{
  MtStagedSelection *self = data;

  self->view = NULL;
  self->tick = 0;   /* removed with the widget */
  self->limit = G_MAXUINT;
}

/* ------------------------------------------------------------------ object */

static void
mt_staged_selection_dispose (GObject *object)
{
  MtStagedSelection *self = MT_STAGED_SELECTION (object);

  stop_ticking (self);
  if (self->view != NULL)
    g_object_weak_unref (G_OBJECT (self->view), view_gone_cb, self);
  self->view = NULL;
  if (self->inner != NULL)
    g_signal_handlers_disconnect_by_data (self->inner, self);
  g_clear_object (&self->inner);
  G_OBJECT_CLASS (mt_staged_selection_parent_class)->dispose (object);
}

static void
mt_staged_selection_class_init (MtStagedSelectionClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = mt_staged_selection_dispose;
}

static void
mt_staged_selection_init (MtStagedSelection *self)
{
  self->limit = G_MAXUINT;
}

MtStagedSelection *
mt_staged_selection_new (GtkSelectionModel *inner,
                         GtkWidget         *view)
{
  MtStagedSelection *self = g_object_new (MT_TYPE_STAGED_SELECTION, NULL);

  g_return_val_if_fail (GTK_IS_SELECTION_MODEL (inner) && GTK_IS_WIDGET (view), self);
  self->inner = g_object_ref (inner);
  self->view = view;
  g_object_weak_ref (G_OBJECT (view), view_gone_cb, self);
  g_signal_connect (inner, "items-changed", G_CALLBACK (inner_items_changed_cb), self);
  g_signal_connect (inner, "selection-changed", G_CALLBACK (inner_selection_changed_cb), self);
  self->limit = FIRST_ROWS;   /* nothing shown yet */
  mt_staged_selection_restage (self);
  return self;
}
