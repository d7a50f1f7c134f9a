/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mt-row-model"

#include "config.h"

#include <math.h>

#include "mt-row-model.h"

#define PAGE_SIZE 100

struct _MtRowItem
{
  GObject    parent_instance;
  MtListRow *row;
};

G_DEFINE_FINAL_TYPE (MtRowItem, mt_row_item, G_TYPE_OBJECT)

enum { ITEM_CHANGED, N_ITEM_SIGNALS };
static guint item_signals[N_ITEM_SIGNALS];

static void
mt_row_item_finalize (GObject *object)
{
  MtRowItem *self = MT_ROW_ITEM (object);

  g_clear_pointer (&self->row, mt_list_row_free);
  G_OBJECT_CLASS (mt_row_item_parent_class)->finalize (object);
}

static void
mt_row_item_class_init (MtRowItemClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = mt_row_item_finalize;

  /**
   * MtRowItem::changed:
   *
   * The row at this item's position was read again: what its cells show may differ.
   */
  item_signals[ITEM_CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                             0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
mt_row_item_init (MtRowItem *self)
{
}

gint64
mt_row_item_get_id (MtRowItem *self)
{
  return self->row->id;
}

gint64
mt_row_item_get_version (MtRowItem *self)
{
  return self->row->version;
}

const char *
mt_row_item_get_cell (MtRowItem *self,
                      guint      column)
{
  return self->row->cells[column];
}

struct _MtRowModel
{
  GObject     parent_instance;
  MtListing  *listing;
  guint       n_items;
  gboolean    exact;    /* FALSE: n_items is where counting stopped, there are more */
  guint       growing;  /* the idle that counts further */
  GHashTable *pages;  /* page index → GPtrArray of MtRowItem */
  MtRowModelLoader loader;
  gpointer    loader_data;
  guint       serial;   /* of the question: loads asked for an older one are dropped */
  GHashTable *loading;  /* pages being read by the loader */
};

static void list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (MtRowModel, mt_row_model, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

static GType
mt_row_model_get_item_type (GListModel *model)
{
  return MT_TYPE_ROW_ITEM;
}

static guint
mt_row_model_get_n_items (GListModel *model)
{
  return MT_ROW_MODEL (model)->n_items;
}

static void
count_rows (MtRowModel *self)
{
  self->n_items = mt_listing_count (self->listing);
  self->exact = mt_listing_count_is_exact (self->listing);
}

/* Near the end of the rows counted so far: count as many more, and add them */
static gboolean
grow_cb (gpointer data)
{
  MtRowModel *self = data;
  guint old = self->n_items;

  self->growing = 0;
  mt_listing_set_count_limit (self->listing, old - 1 + MT_LISTING_COUNT_LIMIT);
  count_rows (self);
  if (self->n_items > old)
    g_list_model_items_changed (G_LIST_MODEL (self), old, 0, self->n_items - old);
  return G_SOURCE_REMOVE;
}

/* The page's items, made for @rows (read for the page) after those it has, up to @n of them */
static GPtrArray *
page_fill (MtRowModel *self,
           guint       page,
           GPtrArray  *rows,
           guint       n)
{
  GPtrArray *items = g_hash_table_lookup (self->pages, GUINT_TO_POINTER (page));

  if (items == NULL)
    {
      items = g_ptr_array_new_with_free_func (g_object_unref);
      g_hash_table_insert (self->pages, GUINT_TO_POINTER (page), items);
    }
  for (guint i = items->len; i < MIN (rows->len, n); i++)
    {
      MtRowItem *item = g_object_new (MT_TYPE_ROW_ITEM, NULL);

      item->row = g_steal_pointer (&rows->pdata[i]);
      g_ptr_array_add (items, item);
    }
  return items;
}

/* The first @n of a page's items take the rows read again for them (@rows' are taken); each is
 * added to @changed, to emit ::changed once the model is consistent */
static void
items_take_rows (GPtrArray *items,
                 GPtrArray *rows,
                 guint      n,
                 GPtrArray *changed)
{
  for (guint i = 0; i < n && i < items->len && i < rows->len; i++)
    {
      MtRowItem *item = items->pdata[i];

      mt_list_row_free (item->row);
      item->row = g_steal_pointer (&rows->pdata[i]);
      g_ptr_array_add (changed, g_object_ref (item));
    }
}

static void
items_changed_emit (GPtrArray *changed)
{
  for (guint i = 0; i < changed->len; i++)
    g_signal_emit (changed->pdata[i], item_signals[ITEM_CHANGED], 0);
}

/* An empty row of the listing's columns, shown while its page is read elsewhere */
static MtListRow *
placeholder_row (MtRowModel *self)
{
  guint n = 0;
  MtListRow *row;
  char *empty;

  mt_listing_get_columns (self->listing, &n);
  row = g_malloc0 (sizeof (MtListRow) + n * sizeof (double) + (n + 1) * sizeof (char *) + 1);
  row->numbers = (double *) (row + 1);
  row->cells = (char **) (row->numbers + n);
  empty = (char *) (row->cells + n + 1);
  for (guint i = 0; i < n; i++)
    {
      row->numbers[i] = NAN;
      row->cells[i] = empty;
    }
  return row;
}

/* Whether page @page is read by the loader rather than here */
static gboolean
is_far (MtRowModel *self,
        guint       page)
{
  return self->loader != NULL && !mt_listing_page_is_near (self->listing, page * PAGE_SIZE);
}

/* Page @page asked of the loader, for the question asked now */
static void
load_ask (MtRowModel *self,
          guint       page)
{
  g_hash_table_add (self->loading, GUINT_TO_POINTER (page));
  self->loader (self, page, self->serial, self->loader_data);
}

/* Page @page asked of the loader, its items empty meanwhile */
static GPtrArray *
page_load (MtRowModel *self,
           guint       page)
{
  GPtrArray *items = g_ptr_array_new_with_free_func (g_object_unref);
  guint n = MIN (PAGE_SIZE, self->n_items - page * PAGE_SIZE);

  for (guint i = 0; i < n; i++)
    {
      MtRowItem *item = g_object_new (MT_TYPE_ROW_ITEM, NULL);

      item->row = placeholder_row (self);
      g_ptr_array_add (items, item);
    }
  g_hash_table_insert (self->pages, GUINT_TO_POINTER (page), items);
  load_ask (self, page);
  return items;
}

static gpointer
mt_row_model_get_item (GListModel *model,
                       guint       position)
{
  MtRowModel *self = MT_ROW_MODEL (model);
  guint page = position / PAGE_SIZE;
  GPtrArray *items;

  if (position >= self->n_items || self->listing == NULL)
    return NULL;
  if (!self->exact && self->growing == 0 && position + PAGE_SIZE >= self->n_items)
    self->growing = g_idle_add_full (G_PRIORITY_DEFAULT, grow_cb, self, NULL);

  items = g_hash_table_lookup (self->pages, GUINT_TO_POINTER (page));
  if (items == NULL && is_far (self, page))
    items = page_load (self, page);
  /* a page may be partly there: the first page after a reset keeps only the rows it had */
  if (items == NULL || position % PAGE_SIZE >= items->len)
    {
      g_autoptr(GPtrArray) rows = mt_listing_fetch (self->listing, page * PAGE_SIZE, PAGE_SIZE);

      items = page_fill (self, page, rows, rows->len);
    }
  if (position % PAGE_SIZE >= items->len)
    return NULL;
  return g_object_ref (items->pdata[position % PAGE_SIZE]);
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = mt_row_model_get_item_type;
  iface->get_n_items = mt_row_model_get_n_items;
  iface->get_item = mt_row_model_get_item;
}

static void
mt_row_model_finalize (GObject *object)
{
  MtRowModel *self = MT_ROW_MODEL (object);

  g_clear_handle_id (&self->growing, g_source_remove);
  g_clear_pointer (&self->pages, g_hash_table_destroy);
  g_clear_pointer (&self->loading, g_hash_table_destroy);
  G_OBJECT_CLASS (mt_row_model_parent_class)->finalize (object);
}

static void
mt_row_model_class_init (MtRowModelClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = mt_row_model_finalize;
}

static void
mt_row_model_init (MtRowModel *self)
{
  self->pages = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) g_ptr_array_unref);
  self->loading = g_hash_table_new (NULL, NULL);
}

MtRowModel *
mt_row_model_new (MtListing *listing)
{
  MtRowModel *self = g_object_new (MT_TYPE_ROW_MODEL, NULL);

  self->listing = listing;
  count_rows (self);
  return self;
}

void
mt_row_model_detach (MtRowModel *self)
{
  g_return_if_fail (MT_IS_ROW_MODEL (self));
  g_clear_handle_id (&self->growing, g_source_remove);
  self->listing = NULL;
  self->loader = NULL;
  self->serial++;
}

void
mt_row_model_set_loader (MtRowModel       *self,
                         MtRowModelLoader  loader,
                         gpointer          data)
{
  g_return_if_fail (MT_IS_ROW_MODEL (self));
  self->loader = loader;
  self->loader_data = data;
}

void
mt_row_model_page_loaded (MtRowModel *self,
                          guint       page,
                          guint       serial,
                          GPtrArray  *rows)
{
  GPtrArray *items;
  g_autoptr(GPtrArray) changed = g_ptr_array_new_with_free_func (g_object_unref);

  g_return_if_fail (MT_IS_ROW_MODEL (self));
  if (serial != self->serial || !g_hash_table_remove (self->loading, GUINT_TO_POINTER (page)))
    return;   /* asked for a question since replaced */
  items = g_hash_table_lookup (self->pages, GUINT_TO_POINTER (page));
  if (items != NULL)
    items_take_rows (items, rows, items->len, changed);
  items_changed_emit (changed);
}

gboolean
mt_row_model_is_loading (MtRowModel *self)
{
  g_return_val_if_fail (MT_IS_ROW_MODEL (self), FALSE);
  return g_hash_table_size (self->loading) > 0;
}

/* A new question (a reset): loads of the old one are not wanted */
static void
loads_drop (MtRowModel *self)
{
  self->serial++;
  g_hash_table_remove_all (self->loading);
}

gboolean
mt_row_model_is_complete (MtRowModel *self)
{
  g_return_val_if_fail (MT_IS_ROW_MODEL (self), TRUE);
  return self->exact;
}

MtListing *
mt_row_model_get_listing (MtRowModel *self)
{
  return self->listing;
}

/* The first page keeps its item objects, read again in place (they emit ::changed), and only
 * the positions after it are removed and added. GTK then keeps the row widgets on screen instead
 * of destroying and building them all, and never looks through the added positions (an
 * items-changed that removes the rows on screen makes GTK 4.8 search every added item). */
void
mt_row_model_reset (MtRowModel *self)
{
  mt_row_model_reset_with (self, NULL);
}

/* At most this many pages read again in place on a reset; more and the positions after the first
 * page are replaced instead */
#define IN_PLACE_PAGES 8

static int
compare_pages (gconstpointer a,
               gconstpointer b)
{
  return (int) GPOINTER_TO_UINT (a) - (int) GPOINTER_TO_UINT (b);
}

/* Whether GTK holds any item of a page (shows its rows): a reference besides the page's own */
static gboolean
page_is_held (GPtrArray *items)
{
  for (guint i = 0; i < items->len; i++)
    if (g_atomic_int_get (&G_OBJECT (items->pdata[i])->ref_count) > 1)
      return TRUE;
  return FALSE;
}

/* The far pages let go (their first positions in @starts), below @end, said to have changed */
static void
far_changed (MtRowModel *self,
             GArray     *starts,
             guint       end)
{
  for (guint i = 0; i < starts->len; i++)
    {
      guint start = g_array_index (starts, guint, i);
      guint n = MIN (PAGE_SIZE, end - start);

      g_list_model_items_changed (G_LIST_MODEL (self), start, n, n);
    }
}

/* Rows @start … of @rows (taken from it), at most a page */
static GPtrArray *
rows_slice (GPtrArray *rows,
            guint      start)
{
  GPtrArray *page = g_ptr_array_new_with_free_func ((GDestroyNotify) mt_list_row_free);

  for (guint i = start; i < rows->len && i < start + PAGE_SIZE; i++)
    g_ptr_array_add (page, g_steal_pointer (&rows->pdata[i]));
  return page;
}

guint
mt_row_model_get_rows_held (MtRowModel *self)
{
  GHashTableIter iter;
  gpointer key, value;
  guint end = PAGE_SIZE;

  g_return_val_if_fail (MT_IS_ROW_MODEL (self), PAGE_SIZE);
  /* more pages than a reset reads again in place: it keeps the first alone */
  if (g_hash_table_size (self->pages) > IN_PLACE_PAGES)
    return PAGE_SIZE;
  g_hash_table_iter_init (&iter, self->pages);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      guint page = GPOINTER_TO_UINT (key);

      if (page > 0 && page_is_held (value) && !is_far (self, page))
        end = MAX (end, (page + 1) * PAGE_SIZE);
    }
  return end;
}

/* A reset that keeps the item objects GTK holds: every page read so far is read again in place (its
 * items emit ::changed) and only the end of the list grows or shrinks. GTK 4.8 then keeps its row
 * widgets, where replacing the positions after the first page made it tear down and build them all
 * again at every key typed. */
static gboolean
reset_in_place (MtRowModel *self,
                guint       old,
                GPtrArray  *first_rows)
{
  g_autoptr(GList) pages = NULL;
  g_autoptr(GPtrArray) changed = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GArray) far = g_array_new (FALSE, FALSE, sizeof (guint));
  guint common;

  if (g_hash_table_size (self->pages) > IN_PLACE_PAGES)
    return FALSE;
  loads_drop (self);
  count_rows (self);
  common = MIN (old, self->n_items);
  pages = g_list_sort (g_hash_table_get_keys (self->pages), compare_pages);
  for (GList *l = pages; l; l = l->next)
    {
      guint page = GPOINTER_TO_UINT (l->data);
      guint start = page * PAGE_SIZE;
      GPtrArray *items = g_hash_table_lookup (self->pages, l->data);
      g_autoptr(GPtrArray) rows = NULL;
      guint keep;

      /* past the list's new end, or no row of it in GTK's hands (it asks again if it shows them) */
      if (start >= common || (page > 0 && !page_is_held (items)))
        {
          g_hash_table_remove (self->pages, l->data);
          continue;
        }
      if (is_far (self, page))
        {
          /* far into the list: let go; said to have changed if GTK shows its rows (it asks for
           * them again, and the loader reads them) */
          if (page_is_held (items))
            g_array_append_val (far, start);
          g_hash_table_remove (self->pages, l->data);
          continue;
        }
      rows = first_rows != NULL && start < first_rows->len ? rows_slice (first_rows, start)
                                                            : mt_listing_fetch (self->listing, start, PAGE_SIZE);
      /* a page read after the count may hold rows added since: never more than the count */
      keep = MIN (MIN (items->len, rows->len), common - start);
      items_take_rows (items, rows, keep, changed);
      g_ptr_array_set_size (items, keep);
      if (keep == 0)
        g_hash_table_remove (self->pages, l->data);
    }
  /* no first page on hand (GTK holds none of its items): the page read elsewhere is it */
  if (first_rows != NULL && g_hash_table_lookup (self->pages, GUINT_TO_POINTER (0)) == NULL && self->n_items > 0)
    {
      g_autoptr(GPtrArray) first = rows_slice (first_rows, 0);

      page_fill (self, 0, first, self->n_items);
    }
  if (old != self->n_items)
    g_list_model_items_changed (G_LIST_MODEL (self), common, old - common, self->n_items - common);
  far_changed (self, far, common);
  items_changed_emit (changed);
  return TRUE;
}

void
mt_row_model_reset_with (MtRowModel *self,
                         GPtrArray  *first_rows)
{
  guint old = self->n_items;
  GPtrArray *first;
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GPtrArray) changed = g_ptr_array_new_with_free_func (g_object_unref);
  guint kept = 0;

  g_return_if_fail (MT_IS_ROW_MODEL (self));
  /* a new question: counted up to the limit again, further as the rows are scrolled to */
  g_clear_handle_id (&self->growing, g_source_remove);
  mt_listing_set_count_limit (self->listing, MT_LISTING_COUNT_LIMIT);
  if (reset_in_place (self, old, first_rows))
    return;
  rows = first_rows != NULL ? rows_slice (first_rows, 0) : NULL;

  first = g_hash_table_lookup (self->pages, GUINT_TO_POINTER (0));
  if (first != NULL)
    g_ptr_array_ref (first);
  loads_drop (self);
  g_hash_table_remove_all (self->pages);
  count_rows (self);

  if (first != NULL && self->n_items > 0)
    {
      if (rows == NULL)
        rows = mt_listing_fetch (self->listing, 0, PAGE_SIZE);
      /* a page read after the count may hold rows added since: never keep more than there were */
      kept = MIN (MIN (first->len, rows->len), old);
      g_ptr_array_set_size (first, kept);
      items_take_rows (first, rows, kept, changed);
      /* rows after the kept ones are made on demand by get_item */
      if (kept > 0)
        g_hash_table_insert (self->pages, GUINT_TO_POINTER (0), g_ptr_array_ref (first));
    }
  else if (rows != NULL && self->n_items > 0)
    page_fill (self, 0, rows, self->n_items);   /* nothing on hand: the page read elsewhere is the first */

  g_list_model_items_changed (G_LIST_MODEL (self), kept, old - kept, self->n_items - kept);
  items_changed_emit (changed);
  g_clear_pointer (&first, g_ptr_array_unref);
}

/* Reads the rows already read again, in place: their items emit ::changed, nothing moves, the
 * selection and the scroll stay. When the number of rows changed, a reset instead. */
GArray *
mt_row_model_get_loaded_ids (MtRowModel *self,
                             guint       max)
{
  GArray *ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  GHashTableIter iter;
  gpointer value;

  g_return_val_if_fail (MT_IS_ROW_MODEL (self), ids);
  g_hash_table_iter_init (&iter, self->pages);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      GPtrArray *items = value;

      for (guint i = 0; i < items->len && ids->len < max; i++)
        {
          gint64 id = mt_row_item_get_id (items->pdata[i]);

          if (id != 0)   /* not a row still being read */
            g_array_append_val (ids, id);
        }
    }
  return ids;
}

void
mt_row_model_refresh (MtRowModel *self)
{
  g_autoptr(GPtrArray) changed = g_ptr_array_new_with_free_func (g_object_unref);
  GHashTableIter iter;
  gpointer key, value;

  g_return_if_fail (MT_IS_ROW_MODEL (self));
  if (mt_listing_count (self->listing) != self->n_items)
    {
      mt_row_model_reset (self);
      return;
    }
  loads_drop (self);
  g_hash_table_iter_init (&iter, self->pages);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      GPtrArray *items = value;
      g_autoptr(GPtrArray) rows = NULL;

      if (is_far (self, GPOINTER_TO_UINT (key)))
        {
          /* far into the list: read again by the loader, in place, while GTK shows it; let go
           * when it does not */
          if (page_is_held (items))
            {
              load_ask (self, GPOINTER_TO_UINT (key));
            }
          else
            g_hash_table_iter_remove (&iter);
          continue;
        }
      rows = mt_listing_fetch (self->listing, GPOINTER_TO_UINT (key) * PAGE_SIZE, PAGE_SIZE);
      items_take_rows (items, rows, items->len, changed);
    }
  items_changed_emit (changed);
}
