/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mt-quick-search"

#include "config.h"

#include <glib/gi18n.h>

#include "mt-quick-search.h"

#define MAX_HITS 8

struct _MtQuickSearch
{
  GtkWidget     parent_instance;

  GtkWidget    *entry;
  GtkWidget    *popover;
  GtkWidget    *list;

  MtContext    *context;
  GCancellable *cancellable;
  GPtrArray    *hits;      /* MtQuickHit, what the list shows */
  char         *searched;  /* the text asked for last */
  guint         pending;
};

G_DEFINE_FINAL_TYPE (MtQuickSearch, mt_quick_search, GTK_TYPE_WIDGET)

enum { OPEN, N_SIGNALS };
static guint signals[N_SIGNALS];

typedef struct
{
  MtContext *context;
  char      *text;
} Job;

static void
job_free (Job *job)
{
  g_object_unref (job->context);
  g_free (job->text);
  g_free (job);
}

static gpointer
search_job (MtDb          *db,
            gpointer       data,
            GCancellable  *cancellable,
            GError       **error)
{
  Job *job = data;

  return mt_read_quick_search (db, mt_context_get_actor (job->context), job->text, MAX_HITS);
}

static GtkWidget *
hit_row_new (const MtQuickHit *hit)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *icon = gtk_image_new_from_icon_name (hit->kind == MT_QUICK_DEVICE ? "battery-good-symbolic"
                                                                                : "avatar-default-symbolic");

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), hit->title && *hit->title ? hit->title : hit->key);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), hit->subtitle ? hit->subtitle : "");
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), icon);
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
  return row;
}

static void
show_hits (MtQuickSearch *self,
           GPtrArray     *hits)
{
  GtkWidget *child;

  g_clear_pointer (&self->hits, g_ptr_array_unref);
  self->hits = hits;
  while ((child = gtk_widget_get_first_child (self->list)) != NULL)
    gtk_list_box_remove (GTK_LIST_BOX (self->list), child);
  for (guint i = 0; i < hits->len; i++)
    gtk_list_box_append (GTK_LIST_BOX (self->list), hit_row_new (hits->pdata[i]));
  if (hits->len == 0 && *gtk_editable_get_text (GTK_EDITABLE (self->entry)) != '\0')
    {
      GtkWidget *none = gtk_label_new (_("No device or member begins with this"));

      gtk_widget_add_css_class (none, "dim-label");
      gtk_widget_set_margin_top (none, 12);
      gtk_widget_set_margin_bottom (none, 12);
      gtk_list_box_append (GTK_LIST_BOX (self->list), none);
      gtk_list_box_row_set_activatable (gtk_list_box_get_row_at_index (GTK_LIST_BOX (self->list), 0), FALSE);
    }
  else if (hits->len > 0)
    gtk_list_box_select_row (GTK_LIST_BOX (self->list), gtk_list_box_get_row_at_index (GTK_LIST_BOX (self->list), 0));
  if (*gtk_editable_get_text (GTK_EDITABLE (self->entry)) != '\0')
    gtk_popover_popup (GTK_POPOVER (self->popover));
  else
    gtk_popover_popdown (GTK_POPOVER (self->popover));
}

static void
search_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(MtQuickSearch) self = user_data;
  g_autoptr(GError) error = NULL;
  GPtrArray *hits = mt_context_run_finish (MT_CONTEXT (source), result, &error);

  self->pending--;
  if (hits == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_warning ("The header search failed: %s", error ? error->message : "");
      return;
    }
  show_hits (self, hits);
}

static void
search_changed_cb (MtQuickSearch *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->entry));
  Job *job;

  if (g_strcmp0 (text, self->searched) == 0 && self->context != NULL && *text != '\0')
    return;   /* asked already (typed in by a caller, then the entry's own delayed signal) */
  g_free (self->searched);
  self->searched = g_strdup (text);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->context == NULL || *text == '\0')
    {
      show_hits (self, g_ptr_array_new ());
      return;
    }
  self->cancellable = g_cancellable_new ();
  job = g_new0 (Job, 1);
  job->context = g_object_ref (self->context);
  job->text = g_strdup (text);
  self->pending++;
  mt_context_run_async (self->context, search_job, job, (GDestroyNotify) job_free,
                        (GDestroyNotify) g_ptr_array_unref, self->cancellable, search_cb, g_object_ref (self));
}

static void
open_hit (MtQuickSearch *self,
          guint          index)
{
  const MtQuickHit *hit;
  g_autofree char *key = NULL;

  if (self->hits == NULL || index >= self->hits->len)
    return;
  hit = self->hits->pdata[index];
  key = g_strdup (hit->key);
  gtk_popover_popdown (GTK_POPOVER (self->popover));
  g_signal_emit (self, signals[OPEN], 0, (int) hit->kind, key, hit->id);
}

static void
activate_cb (MtQuickSearch *self)
{
  GtkListBoxRow *row = gtk_list_box_get_selected_row (GTK_LIST_BOX (self->list));

  open_hit (self, row ? (guint) gtk_list_box_row_get_index (row) : 0);
}

static void
stop_search_cb (MtQuickSearch *self)
{
  gtk_editable_set_text (GTK_EDITABLE (self->entry), "");
  gtk_popover_popdown (GTK_POPOVER (self->popover));
}

static void
row_activated_cb (MtQuickSearch *self,
                  GtkListBoxRow *row)
{
  open_hit (self, (guint) gtk_list_box_row_get_index (row));
}

/* Up and Down move through the hits while the entry keeps the keyboard */
static gboolean
key_pressed_cb (GtkEventControllerKey *controller,
                guint                  keyval,
                guint                  keycode,
                GdkModifierType        state,
                MtQuickSearch         *self)
{
  GtkListBoxRow *row = gtk_list_box_get_selected_row (GTK_LIST_BOX (self->list));
  int index = row ? gtk_list_box_row_get_index (row) : -1;
  int n = self->hits ? (int) self->hits->len : 0;

  if ((keyval != GDK_KEY_Down && keyval != GDK_KEY_Up) || n == 0)
    return FALSE;
  index = keyval == GDK_KEY_Down ? MIN (index + 1, n - 1) : MAX (index - 1, 0);
  gtk_list_box_select_row (GTK_LIST_BOX (self->list), gtk_list_box_get_row_at_index (GTK_LIST_BOX (self->list), index));
  return TRUE;
}

static void
mt_quick_search_measure (GtkWidget      *widget,
                         GtkOrientation  orientation,
                         int             for_size,
                         int            *minimum,
                         int            *natural,
                         int            *minimum_baseline,
                         int            *natural_baseline)
{
  MtQuickSearch *self = MT_QUICK_SEARCH (widget);

  gtk_widget_measure (self->entry, orientation, for_size, minimum, natural, minimum_baseline, natural_baseline);
}

static void
mt_quick_search_size_allocate (GtkWidget *widget,
                               int        width,
                               int        height,
                               int        baseline)
{
  MtQuickSearch *self = MT_QUICK_SEARCH (widget);

  gtk_widget_size_allocate (self->entry, &(GtkAllocation) { 0, 0, width, height }, baseline);
  gtk_widget_set_size_request (self->popover, MAX (width, 320), -1);
  gtk_popover_present (GTK_POPOVER (self->popover));
}

static gboolean
mt_quick_search_grab_focus (GtkWidget *widget)
{
  return gtk_widget_grab_focus (MT_QUICK_SEARCH (widget)->entry);
}

static void
mt_quick_search_dispose (GObject *object)
{
  MtQuickSearch *self = MT_QUICK_SEARCH (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->context);
  g_clear_pointer (&self->hits, g_ptr_array_unref);
  g_clear_pointer (&self->searched, g_free);
  gtk_widget_dispose_template (GTK_WIDGET (object), MT_TYPE_QUICK_SEARCH);
  G_OBJECT_CLASS (mt_quick_search_parent_class)->dispose (object);
}

static void
mt_quick_search_class_init (MtQuickSearchClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = mt_quick_search_dispose;
  widget_class->measure = mt_quick_search_measure;
  widget_class->size_allocate = mt_quick_search_size_allocate;
  widget_class->grab_focus = mt_quick_search_grab_focus;

  /* ::open (kind, key, id): a hit was chosen */
  signals[OPEN] = g_signal_new ("open", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                G_TYPE_NONE, 3, G_TYPE_INT, G_TYPE_STRING, G_TYPE_INT64);

  gtk_widget_class_set_template_from_resource (widget_class, "/com/mtxnyjs/Mingtang/ui/mt-quick-search.ui");
  gtk_widget_class_bind_template_child (widget_class, MtQuickSearch, entry);
  gtk_widget_class_bind_template_child (widget_class, MtQuickSearch, popover);
  gtk_widget_class_bind_template_child (widget_class, MtQuickSearch, list);
  gtk_widget_class_bind_template_callback (widget_class, search_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, activate_cb);
  gtk_widget_class_bind_template_callback (widget_class, stop_search_cb);
  gtk_widget_class_bind_template_callback (widget_class, row_activated_cb);
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_SEARCH);
}

static void
mt_quick_search_init (MtQuickSearch *self)
{
  GtkEventController *keys = gtk_event_controller_key_new ();

  gtk_widget_init_template (GTK_WIDGET (self));
  g_signal_connect (keys, "key-pressed", G_CALLBACK (key_pressed_cb), self);
  gtk_widget_add_controller (self->entry, keys);
}

MtQuickSearch *
mt_quick_search_new (void)
{
  return g_object_new (MT_TYPE_QUICK_SEARCH, NULL);
}

void
mt_quick_search_set_context (MtQuickSearch *self,
                             MtContext     *context)
{
  g_return_if_fail (MT_IS_QUICK_SEARCH (self));
  g_cancellable_cancel (self->cancellable);
  g_set_object (&self->context, context);
  g_clear_pointer (&self->searched, g_free);
  gtk_editable_set_text (GTK_EDITABLE (self->entry), "");
  show_hits (self, g_ptr_array_new ());
}

void
mt_quick_search_set_text (MtQuickSearch *self,
                          const char    *text)
{
  g_return_if_fail (MT_IS_QUICK_SEARCH (self));
  gtk_editable_set_text (GTK_EDITABLE (self->entry), text ? text : "");
  search_changed_cb (self);   /* at once, not after the entry's typing delay */
}

guint
mt_quick_search_get_n_hits (MtQuickSearch *self)
{
  g_return_val_if_fail (MT_IS_QUICK_SEARCH (self), 0);
  return self->hits ? self->hits->len : 0;
}

const MtQuickHit *
mt_quick_search_get_hit (MtQuickSearch *self,
                         guint          index)
{
  g_return_val_if_fail (MT_IS_QUICK_SEARCH (self), NULL);
  return self->hits && index < self->hits->len ? self->hits->pdata[index] : NULL;
}

guint
mt_quick_search_get_pending (MtQuickSearch *self)
{
  g_return_val_if_fail (MT_IS_QUICK_SEARCH (self), 0);
  return self->pending;
}

gboolean
mt_quick_search_open_first (MtQuickSearch *self)
{
  g_return_val_if_fail (MT_IS_QUICK_SEARCH (self), FALSE);
  if (self->hits == NULL || self->hits->len == 0)
    return FALSE;
  open_hit (self, 0);
  return TRUE;
}
