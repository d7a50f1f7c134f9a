/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mt-list-page"

#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "mt-date-picker.h"
#include "mt-entity.h"
#include "mt-error.h"
#include "mt-fences.h"
#include "mt-form-dialog.h"
#include "mt-export.h"
#include "mt-labels.h"
#include "mt-list-page.h"
#include "mt-ops.h"
#include "mt-alarm-dialog.h"
#include "mt-money-actions.h"
#include "mt-telemetry-actions.h"
#include "mt-order-dialog.h"
#include "mt-rent-dialog.h"
#include "mt-repair-dialog.h"
#include "mt-reads.h"
#include "mt-row-model.h"
#include "mt-position-selection.h"
#include "mt-staged-selection.h"
#include "mt-sync-engine.h"
#include "mt-track-page.h"
#include "mt-validate.h"
#include "mt-window.h"
#include "mt-device-layer.h"
#include "mt-map.h"
#include "mt-member-dialog.h"

/* How long the keys pause before a typed search is asked (the search entry's delay; GTK's own is
 * 150 ms). None: every key asks at once, on the worker, and the next key stops that query where
 * it is, so fast typing costs nothing and each answer comes as soon as it can. */
#define SEARCH_PAUSE_MS 0

/* The listing far pages are read with on the worker, shared by their jobs (refcounted) */
typedef struct
{
  MtListing *listing;
} Pager;

static void pager_drop (MtListPage *self);

struct _MtListPage
{
  GtkBox              parent_instance;

  MtContext          *context;
  MtDb               *db;       /* the context's */
  const MtActor      *actor;    /* the context's */
  MtListing          *listing;
  MtRowModel         *model;
  MtPositionSelection *selection;
  MtStagedSelection  *staged;   /* the selection as the column view shows it: rows let in by frames */
  char               *actions_markup;   /* the 操作 column's links */
  GtkWidget          *column_view;
  GtkWidget          *search;
  GtkWidget          *filter_bar;
  GtkWidget          *filters;
  GtkWidget          *header_actions;
  GtkWidget          *content;
  GtkWidget          *states_box;
  GPtrArray          *state_buttons;
  GtkWidget          *count_label;
  GPtrArray          *online_buttons;  /* devices: 全部 / 在线 / 离线 with their counts */
  GtkWidget          *action_bar;
  /* a long job (an export, a label sheet) running on the session's worker */
  GtkWidget          *job_bar;
  GtkWidget          *job_label;
  GtkWidget          *job_progress_bar;
  GCancellable       *job_cancellable;
  MtProgress         *job_progress;   /* shared with the worker (g_rc_box) */
  guint              job_timer;
  char               *job_message;    /* what the last job came to, for the tests */
  GtkWidget          *selected_label;
  GtkWidget          *date_from;
  GtkWidget          *date_to;
  GPtrArray          *filter_options;  /* per filter: GPtrArray of MtOption */
  GPtrArray          *columns;         /* GtkColumnViewColumn, in listing order */
  const MtEntity     *entity;
  MtSyncEngine       *engine;   /* the context's server link, or NULL standalone */
  GHashTable         *action_groups;   /* prefix ("list", "devices") → GSimpleActionGroup */
  gboolean            disposed;        /* its template's children may still say they changed */
  GCancellable       *searching;       /* the typed search being answered on the worker */
  GCancellable       *paging;          /* pages far into the list being read on the worker */
  Pager              *pager;           /* the listing those pages are read with, on the worker */
  guint               search_serial;   /* of the last one asked: older answers are dropped */
  /* the stores' map view (列表 / 地图), built when first shown */
  GtkWidget          *views;
  GtkWidget          *map_toggle;
  MtMap              *map;
  MtDeviceLayer      *map_layer;
};

G_DEFINE_FINAL_TYPE (MtListPage, mt_list_page, GTK_TYPE_BOX)

enum { SIGNAL_RELOADED, N_SIGNALS };
static guint signals[N_SIGNALS];

static void
mt_list_page_dispose (GObject *object)
{
  MtListPage *self = MT_LIST_PAGE (object);

  self->disposed = TRUE;
  g_cancellable_cancel (self->searching);
  g_clear_object (&self->searching);
  g_clear_handle_id (&self->job_timer, g_source_remove);
  if (self->job_cancellable)
    g_cancellable_cancel (self->job_cancellable);   /* a job of a closed page is not wanted */
  /* Disposing the column view removes its columns, and the sorter says it changed: the page
   * must not reload then, its state buttons and labels are already gone */
  if (self->column_view != NULL)
    g_signal_handlers_disconnect_by_data (gtk_column_view_get_sorter (GTK_COLUMN_VIEW (self->column_view)),
                                          self);
  if (self->selection != NULL)
    g_signal_handlers_disconnect_by_data (self->selection, self);
  self->column_view = NULL;
  G_OBJECT_CLASS (mt_list_page_parent_class)->dispose (object);
}

static void
mt_list_page_finalize (GObject *object)
{
  MtListPage *self = MT_LIST_PAGE (object);

  g_clear_object (&self->staged);
  g_clear_object (&self->selection);
  if (self->model != NULL)
    mt_row_model_detach (self->model);
  g_clear_object (&self->model);
  g_clear_pointer (&self->listing, mt_listing_free);
  g_clear_object (&self->context);
  g_clear_object (&self->job_cancellable);
  g_clear_object (&self->paging);
  pager_drop (self);
  g_clear_pointer (&self->job_progress, g_rc_box_release);
  g_clear_pointer (&self->action_groups, g_hash_table_unref);
  g_free (self->actions_markup);
  g_free (self->job_message);
  g_clear_pointer (&self->state_buttons, g_ptr_array_unref);
  g_clear_pointer (&self->filter_options, g_ptr_array_unref);
  g_clear_pointer (&self->online_buttons, g_ptr_array_unref);
  g_clear_pointer (&self->columns, g_ptr_array_unref);
  G_OBJECT_CLASS (mt_list_page_parent_class)->finalize (object);
}

static void search_changed_cb (MtListPage *self);

static void
mt_list_page_class_init (MtListPageClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = mt_list_page_dispose;
  G_OBJECT_CLASS (klass)->finalize = mt_list_page_finalize;

  gtk_widget_class_set_template_from_resource (GTK_WIDGET_CLASS (klass), "/com/mtxnyjs/Mingtang/ui/mt-list-page.ui");
  gtk_widget_class_bind_template_child (GTK_WIDGET_CLASS (klass), MtListPage, filter_bar);
  gtk_widget_class_bind_template_child (GTK_WIDGET_CLASS (klass), MtListPage, search);
  gtk_widget_class_bind_template_child (GTK_WIDGET_CLASS (klass), MtListPage, filters);
  gtk_widget_class_bind_template_child (GTK_WIDGET_CLASS (klass), MtListPage, header_actions);
  gtk_widget_class_bind_template_child (GTK_WIDGET_CLASS (klass), MtListPage, states_box);
  gtk_widget_class_bind_template_child (GTK_WIDGET_CLASS (klass), MtListPage, count_label);
  gtk_widget_class_bind_template_child (GTK_WIDGET_CLASS (klass), MtListPage, content);
  gtk_widget_class_bind_template_child (GTK_WIDGET_CLASS (klass), MtListPage, action_bar);
  gtk_widget_class_bind_template_child (GTK_WIDGET_CLASS (klass), MtListPage, selected_label);
  gtk_widget_class_bind_template_child (GTK_WIDGET_CLASS (klass), MtListPage, job_bar);
  gtk_widget_class_bind_template_child (GTK_WIDGET_CLASS (klass), MtListPage, job_label);
  gtk_widget_class_bind_template_child (GTK_WIDGET_CLASS (klass), MtListPage, job_progress_bar);
  gtk_widget_class_bind_template_callback (GTK_WIDGET_CLASS (klass), search_changed_cb);

  /* The rows were read again from the start: search, filters, state or data changed */
  signals[SIGNAL_RELOADED] = g_signal_new ("reloaded", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                                           NULL, G_TYPE_NONE, 0);
}

static void
mt_list_page_init (MtListPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_search_entry_set_search_delay (GTK_SEARCH_ENTRY (self->search), SEARCH_PAUSE_MS);
  self->state_buttons = g_ptr_array_new ();
  self->filter_options = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);
  self->columns = g_ptr_array_new ();
}

static GtkWindow *
toplevel (MtListPage *self)
{
  return GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self)));
}

void
mt_list_page_show_error (MtListPage   *self,
                         const GError *error)
{
  GtkWidget *dialog = adw_message_dialog_new (toplevel (self), _("Not done"), error->message);

  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
  gtk_window_present (GTK_WINDOW (dialog));
}

/* Requests sent one after another: the first refusal is shown and ends the batch */
typedef struct
{
  MtListPage *page;
  GPtrArray  *requests;   /* MtApiRequest */
  guint       next;
} Batch;

static void
batch_free (Batch *batch)
{
  g_object_unref (batch->page);
  g_ptr_array_unref (batch->requests);
  g_free (batch);
}

static void batch_send_next (Batch *batch);

static void
batch_answered_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      data)
{
  Batch *batch = data;
  MtListPage *self = batch->page;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) answer = mt_context_call_finish (MT_CONTEXT (source), result, &error);

  if (answer == NULL || batch->next == batch->requests->len || gtk_widget_get_root (GTK_WIDGET (self)) == NULL)
    {
      if (answer == NULL && gtk_widget_get_root (GTK_WIDGET (self)) != NULL)
        mt_list_page_show_error (self, error);
      if (gtk_widget_get_root (GTK_WIDGET (self)) != NULL)
        mt_list_page_reload (self);
      batch_free (batch);
      return;
    }
  batch_send_next (batch);
}

static void
batch_send_next (Batch *batch)
{
  MtApiRequest *request = batch->requests->pdata[batch->next++];

  mt_context_call_async (batch->page->context, request, NULL, batch_answered_cb, batch);
}

void
mt_list_page_send (MtListPage *self,
                   GPtrArray  *requests)
{
  Batch *batch;

  g_return_if_fail (MT_IS_LIST_PAGE (self));
  if (requests->len == 0)
    {
      g_ptr_array_unref (requests);
      return;
    }
  batch = g_new0 (Batch, 1);
  batch->page = g_object_ref (self);
  batch->requests = requests;
  batch_send_next (batch);
}

/* One request */
static void
send_one (MtListPage   *self,
          MtApiRequest *request)
{
  GPtrArray *requests = g_ptr_array_new_with_free_func ((GDestroyNotify) mt_api_request_unref);

  g_ptr_array_add (requests, request);
  mt_list_page_send (self, requests);
}

static GPtrArray *
requests_new (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify) mt_api_request_unref);
}

gboolean
mt_list_page_send_each_selected (MtListPage   *self,
                                 MtRowRequest  build,
                                 gpointer      data)
{
  g_autoptr(GtkBitset) set = gtk_selection_model_get_selection (GTK_SELECTION_MODEL (self->selection));
  GPtrArray *requests = requests_new ();
  gboolean any = FALSE;
  GtkBitsetIter iter;
  guint pos;

  for (gboolean ok = gtk_bitset_iter_init_first (&iter, set, &pos); ok; ok = gtk_bitset_iter_next (&iter, &pos))
    {
      g_autoptr(MtRowItem) item = g_list_model_get_item (G_LIST_MODEL (self->model), pos);
      MtApiRequest *request;

      if (item == NULL)
        continue;
      request = build (mt_row_item_get_id (item), data);
      /* an operation on a row's version gets the one the user saw: a row changed meanwhile is refused */
      if (mt_api_request_wants_version (request))
        mt_api_request_set_int (request, "version", mt_row_item_get_version (item));
      g_ptr_array_add (requests, request);
      any = TRUE;
    }
  mt_list_page_send (self, requests);
  return any;
}

/* An operation on a row: its id and nothing else */
static MtApiRequest *
row_request (const char *operation,
             gint64      id)
{
  MtApiRequest *request = mt_api_request_new (operation);

  mt_api_request_set_id (request, id);
  return request;
}

/* "N rows", or "More than N rows" while the rows are counted only as far as they are shown */
static void
update_row_count (MtListPage *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->model));
  g_autofree char *text = NULL;

  if (mt_row_model_is_complete (self->model))
    text = g_strdup_printf (ngettext ("%u row", "%u rows", n), n);
  else
    /* TRANSLATORS: a count stopped there: "More than 10000 rows" */
    text = g_strdup_printf (_("More than %u rows"), n - 1);
  gtk_label_set_text (GTK_LABEL (self->count_label), text);
}

static void
update_counts (MtListPage *self)
{
  const MtChoice *states = mt_listing_get_states (self->listing);

  if (states != NULL)
    {
      guint total = 0;
      g_autofree guint *counts = mt_listing_state_counts (self->listing, &total);
      gboolean exact = mt_listing_count_is_exact (self->listing);

      /* past the count limit the states' numbers are not known: their names alone */
      for (guint i = 0; i < self->state_buttons->len; i++)
        {
          g_autofree char *label = i == 0
            ? (exact ? g_strdup_printf (_("All %u"), total) : g_strdup_printf (_("All %u+"), MT_LISTING_COUNT_LIMIT))
            : exact ? g_strdup_printf ("%s %u", _(states[i - 1].label), counts[i - 1])
                    : g_strdup (_(states[i - 1].label));
          gtk_button_set_label (self->state_buttons->pdata[i], label);
        }
    }
  if (self->online_buttons != NULL)
    {
      guint total = 0;
      g_autofree guint *counts = mt_listing_filter_counts (self->listing, "online", &total);
      gboolean exact = mt_listing_count_is_exact (self->listing);

      for (guint i = 0; counts && i < self->online_buttons->len; i++)
        {
          const char *name = i == 1 ? _("Online") : _("Offline");
          g_autofree char *label = i == 0 ? (exact ? g_strdup_printf (_("All %u"), total)
                                                   : g_strdup_printf (_("All %u+"), MT_LISTING_COUNT_LIMIT))
                                          : exact ? g_strdup_printf ("%s %u", name, counts[i - 1]) : g_strdup (name);

          gtk_button_set_label (self->online_buttons->pdata[i], label);
        }
    }
  update_row_count (self);
}

static void selection_changed_cb (MtListPage *self);

/* The stores of the list's filters on the map: enabled green, disabled grey */
static void
map_points_load (MtListPage *self)
{
  g_autoptr(GArray) places = mt_read_listing_places (self->listing);
  g_autoptr(GArray) points = g_array_sized_new (FALSE, FALSE, sizeof (MtMapPoint), places->len);
  double south = 90, west = 180, north = -90, east = -180;

  for (guint i = 0; i < places->len; i++)
    {
      const MtPlace *place = &g_array_index (places, MtPlace, i);
      MtGeoPoint shown = mt_map_to_display (self->map, (MtGeoPoint) { place->lat, place->lng });
      MtMapPoint p = { place->id, shown.lat, shown.lng, (guint8) place->kind };

      g_array_append_val (points, p);
      south = MIN (south, place->lat), north = MAX (north, place->lat);
      west = MIN (west, place->lng), east = MAX (east, place->lng);
    }
  mt_device_layer_set_points (self->map_layer, (MtMapPoint *) points->data, points->len);
  if (points->len > 0)
    mt_map_fit (self->map, south, west, north, east);
}

static void open_id (MtListPage *self, gint64 id);

static void
map_store_activated_cb (MtListPage *self,
                        gint64      id)
{
  open_id (self, id);
}

void
mt_list_page_show_map (MtListPage *self,
                       gboolean    map)
{
  if (self->views == NULL)
    return;
  if (map && self->map == NULL)
    {
      self->map = mt_map_new (self->db, self->actor->operator_id);
      self->map_layer = mt_device_layer_new (mt_map_get_viewport (self->map));
      mt_map_add_layer (self->map, SHUMATE_LAYER (self->map_layer));
      g_signal_connect_swapped (self->map_layer, "device-activated", G_CALLBACK (map_store_activated_cb), self);
      gtk_stack_add_named (GTK_STACK (self->views), GTK_WIDGET (self->map), "map");
      map_points_load (self);
    }
  gtk_stack_set_visible_child_name (GTK_STACK (self->views), map ? "map" : "list");
  if (gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (self->map_toggle)) != map)
    gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (self->map_toggle), map);
}

void
mt_list_page_set_compact (MtListPage *self)
{
  gtk_editable_set_width_chars (GTK_EDITABLE (self->search), 14);
}

MtDeviceLayer *
mt_list_page_get_map_layer (MtListPage *self)
{
  return self->map_layer;
}

static void
map_toggled_cb (MtListPage *self)
{
  mt_list_page_show_map (self, gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (self->map_toggle)));
}

static void search_drop (MtListPage *self);

/* The listing's answer shown: its rows (the first page already read when @first_rows is given,
 * mt_row_model_reset_with), the counts, the map */
static void
show_answer (MtListPage *self,
             GPtrArray  *first_rows)
{
  /* rows keep their positions across a reset, not their meaning: drop the selection first */
  gtk_selection_model_unselect_all (GTK_SELECTION_MODEL (self->selection));
  /* a list that grows from a few rows to many lets them in a frame at a time */
  if (self->staged != NULL)
    mt_staged_selection_restage (self->staged);
  /* pages of the old question still being read are not wanted */
  if (self->paging != NULL)
    {
      g_cancellable_cancel (self->paging);
      g_clear_object (&self->paging);
    }
  pager_drop (self);
  mt_row_model_reset_with (self->model, first_rows);
  selection_changed_cb (self);
  update_counts (self);
  if (self->map_layer != NULL)
    map_points_load (self);
  g_signal_emit (self, signals[SIGNAL_RELOADED], 0);
}

void
mt_list_page_reload (MtListPage *self)
{
  /* a typed search not answered yet is part of the question: asked here, with the rest */
  if (self->searching != NULL)
    {
      search_drop (self);
      mt_listing_set_search (self->listing, gtk_editable_get_text (GTK_EDITABLE (self->search)));
    }
  show_answer (self, NULL);
}

/* Live data changed (telemetry): the rows on hand are read again where they are */
void
mt_list_page_refresh (MtListPage *self)
{
  mt_row_model_refresh (self->model);
}

GArray *
mt_list_page_get_loaded_ids (MtListPage *self,
                             guint       max)
{
  return mt_row_model_get_loaded_ids (self->model, max);
}

/* A page far into a big list is read on the worker (counting off half a million rows takes
 * seconds): its rows are shown empty meanwhile, and the keys found there let the pages after it
 * be read at once */
static void
pager_clear (Pager *pager)
{
  g_clear_pointer (&pager->listing, mt_listing_free);
}

typedef struct
{
  Pager     *pager;     /* a reference */
  MtListing *listing;   /* an answer's: a copy of the pager's listing, with its keys */
  GPtrArray *rows;
  guint      page;
  guint      serial;
} PageJob;

static void
page_job_free (PageJob *job)
{
  if (job->pager != NULL)
    g_atomic_rc_box_release_full (job->pager, (GDestroyNotify) pager_clear);
  g_clear_pointer (&job->listing, mt_listing_free);
  g_clear_pointer (&job->rows, g_ptr_array_unref);
  g_free (job);
}

/* On the worker, one job after another: the pager's listing is theirs alone, and the keys it
 * finds for a page serve the next page asked for */
static gpointer
page_job (MtDb          *db,
          gpointer       data,
          GCancellable  *cancellable,
          GError       **error)
{
  PageJob *job = data;
  PageJob *answer = g_new0 (PageJob, 1);
  MtListing *listing = job->pager->listing;

  answer->page = job->page;
  answer->serial = job->serial;
  mt_listing_set_db (listing, db);
  answer->rows = mt_listing_fetch (listing, answer->page * 100, 100);
  mt_listing_set_db (listing, NULL);
  answer->listing = mt_listing_copy (listing, NULL);
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    {
      page_job_free (answer);
      return NULL;
    }
  return answer;
}

static void
page_read_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  g_autoptr(MtListPage) self = data;
  PageJob *answer = mt_context_run_finish (MT_CONTEXT (source), result, NULL);

  if (answer == NULL)
    return;
  if (!self->disposed)
    {
      mt_listing_adopt_keys (self->listing, answer->listing);
      mt_row_model_page_loaded (self->model, answer->page, answer->serial, answer->rows);
    }
  page_job_free (answer);
}

static void
page_load_cb (MtRowModel *model,
              guint       page,
              guint       serial,
              gpointer    data)
{
  MtListPage *self = data;
  PageJob *job;

  if (self->disposed)
    return;
  if (self->paging == NULL)
    self->paging = g_cancellable_new ();
  if (self->pager == NULL)
    {
      self->pager = g_atomic_rc_box_new0 (Pager);
      self->pager->listing = mt_listing_copy (self->listing, NULL);
    }
  job = g_new0 (PageJob, 1);
  job->pager = g_atomic_rc_box_acquire (self->pager);
  job->page = page;
  job->serial = serial;
  mt_context_run_async (self->context, page_job, job, (GDestroyNotify) page_job_free, (GDestroyNotify) page_job_free,
                        self->paging, page_read_cb, g_object_ref (self));
}

/* The pager of an old question let go (its jobs hold it while they run) */
static void
pager_drop (MtListPage *self)
{
  if (self->pager != NULL)
    g_atomic_rc_box_release_full (self->pager, (GDestroyNotify) pager_clear);
  self->pager = NULL;
}


/* A typed search is answered on the session's worker: the count, the states' counts and the
 * first rows (as many as the view holds), on the worker's connection, with a copy of the
 * listing. The window keeps drawing meanwhile; a key typed before the answer stops the query
 * where it is and asks again. */
typedef struct
{
  MtListing *listing;
  guint      serial;
  guint      n_rows;
} SearchJob;

typedef struct
{
  MtListing *listing;
  GPtrArray *rows;
  guint      serial;
} SearchAnswer;

static void
search_job_free (SearchJob *job)
{
  g_clear_pointer (&job->listing, mt_listing_free);
  g_free (job);
}

static void
search_answer_free (SearchAnswer *answer)
{
  g_clear_pointer (&answer->listing, mt_listing_free);
  g_clear_pointer (&answer->rows, g_ptr_array_unref);
  g_free (answer);
}

static gpointer
search_job (MtDb          *db,
            gpointer       data,
            GCancellable  *cancellable,
            GError       **error)
{
  SearchJob *job = data;
  SearchAnswer *answer = g_new0 (SearchAnswer, 1);

  answer->serial = job->serial;
  answer->listing = g_steal_pointer (&job->listing);
  mt_listing_set_db (answer->listing, db);
  mt_listing_count (answer->listing);
  g_free (mt_listing_state_counts (answer->listing, &(guint) { 0 }));
  answer->rows = mt_listing_fetch (answer->listing, 0, job->n_rows);
  mt_listing_set_db (answer->listing, NULL);
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    {
      search_answer_free (answer);
      return NULL;
    }
  return answer;
}

static void
search_answered_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      data)
{
  g_autoptr(MtListPage) self = data;
  SearchAnswer *answer = mt_context_run_finish (MT_CONTEXT (source), result, NULL);

  if (answer == NULL)
    return;
  if (!self->disposed && answer->serial == self->search_serial)
    {
      g_clear_object (&self->searching);
      mt_listing_set_search (self->listing, mt_listing_get_search (answer->listing));
      mt_listing_adopt (self->listing, answer->listing);
      show_answer (self, answer->rows);
    }
  search_answer_free (answer);
}

/* The entry's text asked on the worker */
static void
search_ask (MtListPage *self)
{
  SearchJob *job = g_new0 (SearchJob, 1);

  job->listing = mt_listing_copy (self->listing, NULL);
  mt_listing_set_search (job->listing, gtk_editable_get_text (GTK_EDITABLE (self->search)));
  /* the rows GTK holds are read there too: none is left to read here when the answer comes */
  job->n_rows = mt_row_model_get_rows_held (self->model);
  job->serial = ++self->search_serial;
  self->searching = g_cancellable_new ();
  mt_context_run_async (self->context, search_job, job, (GDestroyNotify) search_job_free,
                        (GDestroyNotify) search_answer_free, self->searching, search_answered_cb,
                        g_object_ref (self));
}

/* The question asked before is not wanted any more */
static void
search_drop (MtListPage *self)
{
  g_cancellable_cancel (self->searching);
  g_clear_object (&self->searching);
  self->search_serial++;
}

static void
search_changed_cb (MtListPage *self)
{
  g_autofree char *text = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->search))));

  if (self->disposed)
    return;
  /* the text the list shows already (set by mt_list_page_set_search: the entry says so later) */
  if (self->searching == NULL && g_strcmp0 (text[0] ? text : NULL, mt_listing_get_search (self->listing)) == 0)
    return;
  /* Typing stays fluid: the query runs on the worker (after the entry's search delay,
   * SEARCH_PAUSE_MS); a key typed after that stops it where it is */
  search_drop (self);
  search_ask (self);
}

void
mt_list_page_set_search (MtListPage *self,
                         const char *text)
{
  gtk_editable_set_text (GTK_EDITABLE (self->search), text ? text : "");
  /* asked for, not typed: answered at once */
  search_drop (self);
  mt_listing_set_search (self->listing, text);
  mt_list_page_reload (self);
}

static void
filter_changed_cb (GtkDropDown *dropdown,
                   GParamSpec  *pspec,
                   MtListPage  *self)
{
  const char *key = g_object_get_data (G_OBJECT (dropdown), "filter-key");
  GPtrArray *options = g_object_get_data (G_OBJECT (dropdown), "filter-options");
  guint pos = gtk_drop_down_get_selected (dropdown);

  mt_listing_set_filter (self->listing, key,
                         pos > 0 && pos - 1 < options->len ? ((MtOption *) options->pdata[pos - 1])->id : NULL);
  mt_list_page_reload (self);
}

static void
state_toggled_cb (GtkToggleButton *button,
                  MtListPage      *self)
{
  if (!gtk_toggle_button_get_active (button))
    return;
  mt_listing_set_state (self->listing, g_object_get_data (G_OBJECT (button), "state"));
  mt_list_page_reload (self);
}

void
mt_list_page_set_state (MtListPage *self,
                        const char *state)
{
  /* the first button is "all" */
  for (guint i = 0; i < self->state_buttons->len; i++)
    {
      const char *value = g_object_get_data (G_OBJECT (self->state_buttons->pdata[i]), "state");

      if (g_strcmp0 (value, state) == 0 || (i == 0 && state == NULL))
        {
          gtk_toggle_button_set_active (self->state_buttons->pdata[i], TRUE);
          return;
        }
    }
}

static void dates_changed_cb (MtListPage *self);

void
mt_list_page_set_dates (MtListPage *self,
                        const char *from,
                        const char *to)
{
  if (self->date_from == NULL)   /* a list without dates */
    return;
  gtk_editable_set_text (GTK_EDITABLE (self->date_from), from ? from : "");
  gtk_editable_set_text (GTK_EDITABLE (self->date_to), to ? to : "");
  dates_changed_cb (self);
}

static void
dates_changed_cb (MtListPage *self)
{
  gint64 from = 0, to = 0;
  const char *a = gtk_editable_get_text (GTK_EDITABLE (self->date_from));
  const char *b = gtk_editable_get_text (GTK_EDITABLE (self->date_to));
  gboolean ok_a = a[0] == '\0' || mt_parse_date (a, &from);
  gboolean ok_b = b[0] == '\0' || mt_parse_date (b, &to);

  if (ok_a) gtk_widget_remove_css_class (self->date_from, "error");
  else gtk_widget_add_css_class (self->date_from, "error");
  if (ok_b) gtk_widget_remove_css_class (self->date_to, "error");
  else gtk_widget_add_css_class (self->date_to, "error");
  if (!ok_a || !ok_b)
    return;
  /* The end date is included: the range ends at the next midnight */
  mt_listing_set_dates (self->listing, from, to ? to + G_USEC_PER_SEC * (gint64) 86400 : 0);
  mt_list_page_reload (self);
}

/* ------------------------------------------------------------------ sorting */

static int
probe_sort_cb (gconstpointer a,
               gconstpointer b,
               gpointer      column_key)
{
  /* Never used to sort rows: the list is sorted by SQLite. See sorter_changed_cb. */
  g_object_set_data ((GObject *) a, "probe-column", column_key);
  return -1;
}

static void
sorter_changed_cb (GtkSorter       *sorter,
                   GtkSorterChange  change,
                   MtListPage      *self)
{
  /* GTK 4.8 has no getter for the primary sort column: ask the sorter to compare two probe
   * objects; the column sorter it consults first marks the probe, and the sign tells the order. */
  g_autoptr(GObject) a = g_object_new (G_TYPE_OBJECT, NULL);
  g_autoptr(GObject) b = g_object_new (G_TYPE_OBJECT, NULL);
  GtkOrdering order = gtk_sorter_compare (sorter, a, b);
  const char *key = g_object_get_data (a, "probe-column");
  if (key == NULL)
    key = g_object_get_data (b, "probe-column");

  mt_listing_set_sort (self->listing, order == GTK_ORDERING_EQUAL ? NULL : key,
                       order == GTK_ORDERING_LARGER);
  mt_list_page_reload (self);
}

/* ------------------------------------------------------------------ cells */

static void row_pressed_cb (GtkGestureClick *click, int n_press, double x, double y, MtListPage *self);

static void
setup_cell_cb (GtkSignalListItemFactory *factory,
               GtkListItem              *item,
               gpointer                  user_data)
{
  GtkWidget *label = gtk_label_new (NULL);
  GtkGesture *menu_click = gtk_gesture_click_new ();

  /* "mt-data": shows stored data, not interface text (the translation test skips it) */
  gtk_widget_add_css_class (label, "mt-data");
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_list_item_set_child (item, label);
  /* the right button: the row's actions */
  g_object_set_data (G_OBJECT (label), "list-item", item);
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (menu_click), GDK_BUTTON_SECONDARY);
  g_signal_connect (menu_click, "pressed", G_CALLBACK (row_pressed_cb), user_data);
  gtk_widget_add_controller (label, GTK_EVENT_CONTROLLER (menu_click));
}

static void
cell_item_changed_cb (MtRowItem *row,
                      GtkLabel  *label)
{
  guint column = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (label), "column"));

  gtk_label_set_text (label, mt_row_item_get_cell (row, column));
}

static void
bind_cell_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *item,
              gpointer                  user_data)
{
  guint column = GPOINTER_TO_UINT (user_data);
  MtRowItem *row = gtk_list_item_get_item (item);
  GtkWidget *label = gtk_list_item_get_child (item);

  g_object_set_data (G_OBJECT (label), "column", GUINT_TO_POINTER (column));
  gtk_label_set_text (GTK_LABEL (label), row ? mt_row_item_get_cell (row, column) : "");
  /* the item may be read again in place (a new search): follow it while bound */
  if (row)
    g_signal_connect_object (row, "changed", G_CALLBACK (cell_item_changed_cb), label, 0);
}

static void
unbind_cell_cb (GtkSignalListItemFactory *factory,
                GtkListItem              *item,
                gpointer                  user_data)
{
  MtRowItem *row = gtk_list_item_get_item (item);

  if (row)
    g_signal_handlers_disconnect_by_func (row, cell_item_changed_cb, gtk_list_item_get_child (item));
}

/* ------------------------------------------------------------------ actions */

GPtrArray *
mt_list_page_get_selected_items (MtListPage *self)
{
  GPtrArray *items = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GtkBitset) set = gtk_selection_model_get_selection (GTK_SELECTION_MODEL (self->selection));
  GtkBitsetIter iter;
  guint pos;

  for (gboolean ok = gtk_bitset_iter_init_first (&iter, set, &pos); ok; ok = gtk_bitset_iter_next (&iter, &pos))
    {
      MtRowItem *item = g_list_model_get_item (G_LIST_MODEL (self->model), pos);

      if (item)
        g_ptr_array_add (items, item);
    }
  return items;
}

const char *
mt_list_page_item_cell (MtListPage *self,
                        MtRowItem  *item,
                        const char *key)
{
  guint n;
  const MtListColumn *cols = mt_listing_get_columns (self->listing, &n);

  for (guint i = 0; i < n; i++)
    if (g_str_equal (cols[i].key, key))
      return mt_row_item_get_cell (item, i);
  g_critical ("The page %s has no column %s", mt_listing_get_page (self->listing), key);
  return "";
}

GArray *
mt_list_page_get_selected_ids (MtListPage *self)
{
  GArray *ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GtkBitset) set = gtk_selection_model_get_selection (GTK_SELECTION_MODEL (self->selection));
  GtkBitsetIter iter;
  guint pos;

  for (gboolean ok = gtk_bitset_iter_init_first (&iter, set, &pos); ok; ok = gtk_bitset_iter_next (&iter, &pos))
    {
      g_autoptr(MtRowItem) item = g_list_model_get_item (G_LIST_MODEL (self->model), pos);
      if (item)
        {
          gint64 id = mt_row_item_get_id (item);
          g_array_append_val (ids, id);
        }
    }
  return ids;
}

static void
selection_changed_cb (MtListPage *self)
{
  g_autoptr(GtkBitset) set = gtk_selection_model_get_selection (GTK_SELECTION_MODEL (self->selection));
  guint64 n = gtk_bitset_get_size (set);
  g_autofree char *text = g_strdup_printf (ngettext ("%u selected", "%u selected", (gulong) n), (guint) n);

  gtk_label_set_text (GTK_LABEL (self->selected_label), text);
  gtk_action_bar_set_revealed (GTK_ACTION_BAR (self->action_bar), n > 0);
}

static void
saved_cb (MtListPage *self)
{
  mt_list_page_reload (self);
}

static void
setting_response_cb (AdwMessageDialog *dialog,
                     const char       *response,
                     MtListPage       *self)
{
  MtApiRequest *request;
  const char *key = g_object_get_data (G_OBJECT (dialog), "key");
  GtkWidget *input = adw_message_dialog_get_extra_child (dialog);
  const char *value;

  g_autofree char *composed = NULL;

  if (!g_str_equal (response, "save"))
    return;
  if (GTK_IS_SWITCH (input))
    value = gtk_switch_get_active (GTK_SWITCH (input)) ? "true" : "false";
  else if (g_object_get_data (G_OBJECT (input), "presets") != NULL)
    {
      /* map tiles: a preset, a preset with its key, or an address */
      GtkWidget *presets = g_object_get_data (G_OBJECT (input), "presets");
      GtkWidget *entry = g_object_get_data (G_OBJECT (input), "entry");
      guint n, chosen = gtk_drop_down_get_selected (GTK_DROP_DOWN (presets));
      const MtTilePreset *list = mt_tile_presets (&n);
      g_autofree char *text = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (entry))));

      if (chosen < n)
        composed = list[chosen].needs_key ? g_strdup_printf ("%s:%s", list[chosen].id, text) : g_strdup (list[chosen].id);
      else
        composed = g_steal_pointer (&text);
      value = composed;
    }
  else
    value = gtk_editable_get_text (GTK_EDITABLE (input));
  request = mt_api_request_new ("settings.set");
  mt_api_request_set_name (request, key);
  mt_api_request_set_text (request, "value", value);
  send_one (self, request);
}

/* The tiles' editor: the entry asks for a key or an address as the choice needs one */
static void
tile_preset_changed_cb (GtkDropDown *presets,
                        GParamSpec  *pspec,
                        GtkWidget   *entry)
{
  guint n, chosen = gtk_drop_down_get_selected (presets);
  const MtTilePreset *list = mt_tile_presets (&n);

  gtk_widget_set_visible (entry, chosen >= n || list[chosen].needs_key);
  gtk_entry_set_placeholder_text (GTK_ENTRY (entry), chosen < n ? _("The key Tianditu issued")
                                                                : "https://…/{z}/{x}/{y}.png");
}

static GtkWidget *
tile_editor_new (const char *value)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 8);
  GtkStringList *titles = gtk_string_list_new (NULL);
  GtkWidget *presets, *entry = gtk_entry_new ();
  guint n, chosen;
  const MtTilePreset *list = mt_tile_presets (&n);

  for (guint i = 0; i < n; i++)
    gtk_string_list_append (titles, _(list[i].title));
  gtk_string_list_append (titles, _("An address of your own"));
  presets = gtk_drop_down_new (G_LIST_MODEL (titles), NULL);
  for (chosen = 0; chosen < n; chosen++)
    if (g_strcmp0 (value, list[chosen].id) == 0 ||
        (list[chosen].needs_key && value && g_str_has_prefix (value, list[chosen].id) &&
         value[strlen (list[chosen].id)] == ':'))
      break;
  if (chosen < n && list[chosen].needs_key)
    gtk_editable_set_text (GTK_EDITABLE (entry), value + strlen (list[chosen].id) + 1);
  else if (chosen == n)
    gtk_editable_set_text (GTK_EDITABLE (entry), value ? value : "");
  gtk_drop_down_set_selected (GTK_DROP_DOWN (presets), chosen);
  gtk_entry_set_activates_default (GTK_ENTRY (entry), TRUE);
  g_signal_connect (presets, "notify::selected", G_CALLBACK (tile_preset_changed_cb), entry);
  tile_preset_changed_cb (GTK_DROP_DOWN (presets), NULL, entry);
  gtk_box_append (GTK_BOX (box), presets);
  gtk_box_append (GTK_BOX (box), entry);
  g_object_set_data (G_OBJECT (box), "presets", presets);
  g_object_set_data (G_OBJECT (box), "entry", entry);
  return box;
}

/* General settings: one value at a time, with the control its kind needs */
static void
edit_setting (MtListPage *self,
              gint64      id)
{
  g_autofree char *key = mt_read_setting_key (self->db, self->actor, id);
  g_autofree char *value = mt_setting_get (self->db, self->actor->operator_id, key);
  const MtSettingInfo *info = mt_setting_lookup (key);
  GtkWidget *dialog, *input;

  if (info == NULL)
    return;
  dialog = adw_message_dialog_new (toplevel (self), _(info->title), NULL);
  if (info->kind == MT_SETTING_BOOL)
    {
      input = gtk_switch_new ();
      gtk_switch_set_active (GTK_SWITCH (input), g_strcmp0 (value, "true") == 0);
      gtk_widget_set_halign (input, GTK_ALIGN_CENTER);
    }
  else if (info->kind == MT_SETTING_TILE_URL)
    input = tile_editor_new (value);
  else
    {
      input = gtk_entry_new ();
      gtk_editable_set_text (GTK_EDITABLE (input), value ? value : "");
      gtk_entry_set_activates_default (GTK_ENTRY (input), TRUE);
      if (info->kind == MT_SETTING_INT)
        gtk_entry_set_input_purpose (GTK_ENTRY (input), GTK_INPUT_PURPOSE_DIGITS);
    }
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), input);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _("_Cancel"),
                                    "save", _("_Save"), NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "save",
                                              ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "save");
  g_object_set_data_full (G_OBJECT (dialog), "key", g_steal_pointer (&key), g_free);
  g_signal_connect (dialog, "response", G_CALLBACK (setting_response_cb), self);
  gtk_window_present (GTK_WINDOW (dialog));
}

static MtOrderDialog *
open_order (MtListPage *self,
            gint64      order_id)
{
  MtOrderDialog *dialog = mt_order_dialog_new (toplevel (self), self->context, order_id);

  g_signal_connect_swapped (dialog, "changed", G_CALLBACK (saved_cb), self);
  gtk_window_present (GTK_WINDOW (dialog));
  return dialog;
}

static void
rented_cb (MtRentDialog *dialog,
           gint64        order_id,
           MtListPage   *self)
{
  mt_list_page_reload (self);
  if (order_id > 0 && gtk_widget_get_root (GTK_WIDGET (self)))
    open_order (self, order_id);
}

/* The rental counter, for the selected store or device when there is one */
static void
rent_clicked_cb (MtListPage *self)
{
  const char *page = mt_listing_get_page (self->listing);
  g_autoptr(GArray) ids = mt_list_page_get_selected_ids (self);
  gint64 first = ids->len ? g_array_index (ids, gint64, 0) : 0;
  gint64 store = 0, device = 0;
  MtRentDialog *dialog;

  if (g_str_equal (page, "stores"))
    store = first;
  else if (g_str_equal (page, "devices") && first)
    {
      device = first;
      store = mt_read_device_store (self->db, self->actor, device);
    }
  if (store == 0)
    store = self->actor->store_id;
  dialog = mt_rent_dialog_new (toplevel (self), self->context, store, device);
  g_signal_connect_object (dialog, "rented", G_CALLBACK (rented_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
  mt_rent_dialog_refresh (dialog);
}

/* The row's editor, when the role may edit it (from the list, or from the stores' map) */
static void
open_id (MtListPage *self,
         gint64      id)
{
  if (self->entity && mt_actor_can (self->actor, mt_entity_get_page (self->entity), "edit"))
    {
      MtFormDialog *dialog = mt_form_dialog_new (toplevel (self), self->context, self->entity, id);

      g_signal_connect_swapped (dialog, "saved", G_CALLBACK (saved_cb), self);
      gtk_window_present (GTK_WINDOW (dialog));
    }
}

/* Details: every column of the row */
static void
show_details (MtListPage *self,
              MtRowItem  *item)
{
  guint n;
  const MtListColumn *cols = mt_listing_get_columns (self->listing, &n);
  g_autoptr(GString) body = g_string_new (NULL);
  GtkWidget *dialog;

  for (guint i = 0; i < n; i++)
    {
      g_string_append_printf (body, _("%s: %s"), _(cols[i].title), mt_row_item_get_cell (item, i));
      g_string_append_c (body, '\n');
    }
  dialog = adw_message_dialog_new (toplevel (self), _("Details"), body->str);
  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
open_row (MtListPage *self,
          guint       position)
{
  g_autoptr(MtRowItem) item = g_list_model_get_item (G_LIST_MODEL (self->model), position);
  const char *page = mt_listing_get_page (self->listing);

  if (item == NULL || mt_row_item_get_id (item) == 0)
    return;
  if (g_str_equal (page, "orders") && mt_actor_can (self->actor, "orders", "detail"))
    open_order (self, mt_row_item_get_id (item));
  else if (g_str_equal (page, "bms"))
    mt_telemetry_actions_open_bms (self, mt_row_item_get_id (item));
  else if (g_str_equal (page, "alarms"))
    gtk_window_present (GTK_WINDOW (mt_alarm_dialog_new (toplevel (self), self->context, mt_row_item_get_id (item))));
  else if (g_str_equal (page, "repairs"))
    {
      MtRepairDialog *dialog = mt_repair_dialog_new (toplevel (self), self->context, mt_row_item_get_id (item));

      g_signal_connect_swapped (dialog, "saved", G_CALLBACK (saved_cb), self);
      gtk_window_present (GTK_WINDOW (dialog));
    }
  else if (g_str_equal (page, "settings") && mt_actor_can (self->actor, "settings", "edit"))
    edit_setting (self, mt_row_item_get_id (item));
  else if (self->entity && mt_actor_can (self->actor, mt_entity_get_page (self->entity), "edit"))
    open_id (self, mt_row_item_get_id (item));
  else
    show_details (self, item);
}

static void
activate_cb (GtkColumnView *view,
             guint          position,
             MtListPage    *self)
{
  open_row (self, position);
}

/* ------------------------------------------------------------------ row actions (操作) */

/*
 * What the admin shows in each row's 操作 column: a button per action, the same in the row's
 * context menu, and a shortcut acting on the selected row. Each is the action "row.ID" with the
 * row's id as its target; the account's permissions decide which there are.
 */
typedef struct
{
  const char *page;
  const char *id;
  const char *label;      /* N_() */
  const char *accel;
  const char *perm_page;
  const char *perm;
} RowAction;

static const RowAction row_actions[] = {
  { "devices", "bms", N_("BMS"), "<Alt>b", "bms", "view" },
  { "devices", "track", N_("Track"), "<Alt>t", "tracks", "view" },
  { "devices", "edit", N_("Edit"), "F2", "devices", "edit" },
  { "devices", "qr", N_("QR Code"), "<Alt>q", "devices", "view" },
  { "devices", "more", N_("More"), "<Alt>m", "devices", "view" },
  { "orders", "detail", N_("Details"), "<Alt>d", "orders", "detail" },
  { "orders", "end", N_("End Order"), "<Alt>e", "orders", "end" },
  { "orders", "replace", N_("Replace Device"), "<Alt>r", "orders", "replace" },
  { "orders", "renew", N_("Renew"), "<Alt>n", "orders", "renew" },
  { "repairs", "progress", N_("Progress"), "<Alt>p", "repairs", "progress" },
  { "repairs", "detail", N_("Details"), "<Alt>d", "repairs", "view" },
  { "alarms", "handle", N_("Handle"), "<Alt>h", "alarms", "handle" },
  { "alarms", "detail", N_("Details"), "<Alt>d", "alarms", "view" },
  { "alarms", "curve", N_("Curve"), "<Alt>c", "alarms", "view" },
  { "members", "detail", N_("Details"), "<Alt>d", "members", "detail" },
  { "stores", "edit", N_("Edit"), "F2", "stores", "edit" },
  { "stores", "detail", N_("Details"), "<Alt>d", "stores", "view" },
  { "stores", "delete", N_("Delete"), "Delete", "stores", "delete" },
};

static gboolean
row_action_allowed (MtListPage      *self,
                    const RowAction *a)
{
  return g_str_equal (a->page, mt_listing_get_page (self->listing)) && mt_actor_can (self->actor, a->perm_page, a->perm);
}

/* The row of @id alone selected (the selection's actions then act on it); its position */
static gboolean
select_id (MtListPage *self,
           gint64      id,
           guint      *position)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->model));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(MtRowItem) item = g_list_model_get_item (G_LIST_MODEL (self->model), i);

      if (item != NULL && mt_row_item_get_id (item) == id)
        {
          gtk_selection_model_select_item (GTK_SELECTION_MODEL (self->selection), i, TRUE);
          if (position)
            *position = i;
          return TRUE;
        }
    }
  return FALSE;
}

static GMenuModel *
devices_more_menu (void)
{
  GMenu *menu = g_menu_new ();

  g_menu_append (menu, _("_Transfer to Store…"), "devices.transfer");
  g_menu_append (menu, _("Change _Type…"), "devices.type");
  g_menu_append (menu, _("Power-Cut _On"), "devices.power-cut-on");
  g_menu_append (menu, _("Power-Cut O_ff"), "devices.power-cut-off");
  g_menu_append (menu, _("_Geofence…"), "devices.geofence");
  g_menu_append (menu, _("_QR Labels…"), "devices.labels");
  g_menu_append (menu, _("_Rent Out…"), "list.rent");
  return G_MENU_MODEL (menu);
}

/* @model as a menu on @anchor, pointing at @at (NULL: the whole anchor); gone once closed */
static void
menu_popup (GtkWidget          *anchor,
            GMenuModel         *model,
            const GdkRectangle *at)
{
  GtkWidget *popover = gtk_popover_menu_new_from_model (model);

  gtk_widget_set_parent (popover, anchor);
  if (at != NULL)
    {
      gtk_popover_set_pointing_to (GTK_POPOVER (popover), at);
      gtk_popover_set_has_arrow (GTK_POPOVER (popover), FALSE);
      gtk_widget_set_halign (popover, GTK_ALIGN_START);
    }
  g_signal_connect (popover, "closed", G_CALLBACK (gtk_widget_unparent), NULL);
  gtk_popover_popup (GTK_POPOVER (popover));
}

static void
draw_qr_cb (GtkDrawingArea *area,
            cairo_t        *cr,
            int             width,
            int             height,
            gpointer        data)
{
  double size = MIN (width, height);

  /* white under the code, whatever the style: scanners want it */
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_rectangle (cr, (width - size) / 2, (height - size) / 2, size, size);
  cairo_fill (cr);
  mt_labels_draw_qr (cr, data, (width - size) / 2, (height - size) / 2, size);
}

/* A device's QR code on screen, as its label has it, to scan at the counter */
static void
show_qr (MtListPage *self,
         gint64      id)
{
  g_autofree char *number = mt_read_device_no (self->db, self->actor, id);
  GtkWidget *box, *area, *label;

  if (number == NULL)
    return;
  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  area = gtk_drawing_area_new ();
  gtk_drawing_area_set_content_width (GTK_DRAWING_AREA (area), 280);
  gtk_drawing_area_set_content_height (GTK_DRAWING_AREA (area), 280);
  gtk_drawing_area_set_draw_func (GTK_DRAWING_AREA (area), draw_qr_cb, g_strdup (number), g_free);
  gtk_widget_set_margin_start (area, 24);
  gtk_widget_set_margin_end (area, 24);
  gtk_accessible_update_property (GTK_ACCESSIBLE (area), GTK_ACCESSIBLE_PROPERTY_LABEL, number, -1);
  gtk_box_append (GTK_BOX (box), area);
  label = gtk_label_new (number);
  gtk_widget_add_css_class (label, "title-2");
  gtk_widget_add_css_class (label, "mt-data");
  gtk_widget_set_margin_bottom (label, 18);
  gtk_label_set_selectable (GTK_LABEL (label), TRUE);
  gtk_box_append (GTK_BOX (box), label);
  mt_list_page_present_window (self, _("QR Code"), number, box, -1, -1);
}

static void
row_action_cb (GSimpleAction *action,
               GVariant      *parameter,
               gpointer       data)
{
  MtListPage *self = data;
  const char *name = g_action_get_name (G_ACTION (action));
  gint64 id = g_variant_get_int64 (parameter);
  const char *page = mt_listing_get_page (self->listing);
  guint position = 0;

  if (id <= 0 || !select_id (self, id, &position))
    return;
  if (g_str_equal (name, "bms"))
    mt_telemetry_actions_open_bms (self, id);
  else if (g_str_equal (name, "track"))
    {
      GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
      GtkWidget *tracks = MT_IS_WINDOW (root) ? mt_window_show_page (MT_WINDOW (root), "tracks") : NULL;

      if (tracks != NULL && MT_IS_TRACK_PAGE (tracks))
        mt_track_page_show_device (MT_TRACK_PAGE (tracks), id);
    }
  else if (g_str_equal (name, "edit"))
    open_id (self, id);
  else if (g_str_equal (name, "qr"))
    show_qr (self, id);
  else if (g_str_equal (name, "more"))
    {
      /* the selection's own actions, for this row */
      g_autoptr(GMenuModel) model = devices_more_menu ();

      menu_popup (self->column_view, model, NULL);
    }
  else if (g_str_equal (page, "orders"))
    {
      MtOrderDialog *dialog = open_order (self, id);

      if (!g_str_equal (name, "detail"))
        mt_order_dialog_focus (dialog, name);
    }
  else if (g_str_equal (page, "repairs"))
    open_row (self, position);
  else if (g_str_equal (name, "handle"))
    gtk_widget_activate_action (GTK_WIDGET (self), "alarms.handle", NULL);
  else if (g_str_equal (page, "members"))
    gtk_window_present (GTK_WINDOW (mt_member_dialog_new (toplevel (self), self->context, id)));
  else if (g_str_equal (page, "alarms"))
    {
      MtAlarmDialog *dialog = mt_alarm_dialog_new (toplevel (self), self->context, id);

      gtk_window_present (GTK_WINDOW (dialog));
    }
  else if (g_str_equal (name, "detail"))
    {
      g_autoptr(MtRowItem) item = g_list_model_get_item (G_LIST_MODEL (self->model), position);

      show_details (self, item);
    }
  else if (g_str_equal (name, "delete"))
    gtk_widget_activate_action (GTK_WIDGET (self), "list.delete", NULL);
}

/* A link of the 操作 column: its action on the row the cell shows now; 更多 a menu there */
static gboolean
action_link_cb (GtkLabel   *label,
                const char *uri,
                MtListPage *self)
{
  GtkListItem *item = g_object_get_data (G_OBJECT (label), "list-item");
  MtRowItem *row = item ? gtk_list_item_get_item (item) : NULL;
  gint64 id = row ? mt_row_item_get_id (row) : 0;
  g_autofree char *name = g_strconcat ("row.", uri, NULL);

  if (id == 0)
    return TRUE;   /* a row still being read */
  if (g_str_equal (uri, "more"))
    {
      g_autoptr(GMenuModel) menu = devices_more_menu ();
      int width = gtk_widget_get_width (GTK_WIDGET (label));

      /* the menu's actions act on the selection: this row */
      select_id (self, id, NULL);
      menu_popup (GTK_WIDGET (label), menu, &(GdkRectangle) { MAX (width - 24, 0), 0, 1, gtk_widget_get_height (GTK_WIDGET (label)) });
      return TRUE;
    }
  gtk_widget_activate_action (GTK_WIDGET (label), name, "x", id);
  return TRUE;
}

/* The 操作 column's links, the same for every row: made once per page */
static char *
actions_markup (MtListPage *self)
{
  GString *markup = g_string_new (NULL);

  for (guint i = 0; i < G_N_ELEMENTS (row_actions); i++)
    if (row_action_allowed (self, &row_actions[i]))
      {
        g_autofree char *label = g_markup_escape_text (_(row_actions[i].label), -1);
        guint key = 0;
        GdkModifierType mods = 0;
        g_autofree char *accel = NULL, *title = NULL;

        gtk_accelerator_parse (row_actions[i].accel, &key, &mods);
        accel = gtk_accelerator_get_label (key, mods);
        title = g_markup_escape_text (accel, -1);
        g_string_append_printf (markup, "%s<a href=\"%s\" title=\"%s\">%s</a>", markup->len ? "   " : "",
                                row_actions[i].id, title, label);
      }
  return g_string_free (markup, FALSE);
}

/* One label a row, its actions as links: five buttons a row cost more to make than the rest of
 * the row (the device list's first page took a fifth longer) */
static void
setup_actions_cell_cb (GtkSignalListItemFactory *factory,
                       GtkListItem              *item,
                       MtListPage               *self)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_markup (GTK_LABEL (label), self->actions_markup);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_widget_add_css_class (label, "row-actions");
  g_object_set_data (G_OBJECT (label), "list-item", item);
  g_signal_connect (label, "activate-link", G_CALLBACK (action_link_cb), self);
  gtk_list_item_set_child (item, label);
}

/* A shortcut acts on the first selected row */
static gboolean
row_shortcut_cb (GtkWidget *widget,
                 GVariant  *args,
                 gpointer   data)
{
  MtListPage *self = g_object_get_data (G_OBJECT (widget), "mt-list-page");
  g_autoptr(GArray) ids = mt_list_page_get_selected_ids (self);
  g_autofree char *name = g_strconcat ("row.", (const char *) data, NULL);

  if (ids->len == 0)
    return FALSE;
  return gtk_widget_activate_action (GTK_WIDGET (self), name, "x", g_array_index (ids, gint64, 0));
}

/* The right button on a row: the row selected, its actions as a menu where it was clicked */
static void
row_pressed_cb (GtkGestureClick *click,
                int              n_press,
                double           x,
                double           y,
                MtListPage      *self)
{
  GtkWidget *cell = gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (click));
  GtkListItem *item = g_object_get_data (G_OBJECT (cell), "list-item");
  MtRowItem *row = item ? gtk_list_item_get_item (item) : NULL;
  g_autoptr(GMenu) menu = g_menu_new ();

  if (row == NULL || mt_row_item_get_id (row) == 0)
    return;
  for (guint i = 0; i < G_N_ELEMENTS (row_actions); i++)
    if (row_action_allowed (self, &row_actions[i]) && !g_str_equal (row_actions[i].id, "more"))
      {
        g_autofree char *name = g_strconcat ("row.", row_actions[i].id, NULL);
        g_autoptr(GMenuItem) entry = g_menu_item_new (_(row_actions[i].label), NULL);

        g_menu_item_set_action_and_target_value (entry, name, g_variant_new_int64 (mt_row_item_get_id (row)));
        g_menu_append_item (menu, entry);
      }
  if (g_str_equal (mt_listing_get_page (self->listing), "devices"))
    {
      g_autoptr(GMenuModel) more = devices_more_menu ();

      g_menu_append_section (menu, NULL, more);
    }
  if (g_menu_model_get_n_items (G_MENU_MODEL (menu)) == 0)
    return;
  select_id (self, mt_row_item_get_id (row), NULL);
  menu_popup (cell, G_MENU_MODEL (menu), &(GdkRectangle) { (int) x, (int) y, 1, 1 });
  gtk_gesture_set_state (GTK_GESTURE (click), GTK_EVENT_SEQUENCE_CLAIMED);
}

static void
build_row_actions (MtListPage *self)
{
  g_autoptr(GSimpleActionGroup) group = g_simple_action_group_new ();
  GtkEventController *shortcuts = gtk_shortcut_controller_new ();
  GtkListItemFactory *factory;
  GtkColumnViewColumn *column;
  gboolean any = FALSE;

  for (guint i = 0; i < G_N_ELEMENTS (row_actions); i++)
    {
      g_autoptr(GSimpleAction) action = NULL;

      if (!row_action_allowed (self, &row_actions[i]))
        continue;
      action = g_simple_action_new (row_actions[i].id, G_VARIANT_TYPE_INT64);
      g_signal_connect (action, "activate", G_CALLBACK (row_action_cb), self);
      g_action_map_add_action (G_ACTION_MAP (group), G_ACTION (action));
      gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (shortcuts),
                                            gtk_shortcut_new (gtk_shortcut_trigger_parse_string (row_actions[i].accel),
                                                              gtk_callback_action_new (row_shortcut_cb,
                                                                                       (gpointer) row_actions[i].id,
                                                                                       NULL)));
      any = TRUE;
    }
  if (!any)
    {
      g_object_unref (shortcuts);
      return;
    }
  gtk_widget_insert_action_group (GTK_WIDGET (self), "row", G_ACTION_GROUP (group));
  g_object_set_data (G_OBJECT (self->column_view), "mt-list-page", self);
  gtk_widget_add_controller (self->column_view, shortcuts);

  self->actions_markup = actions_markup (self);
  factory = gtk_signal_list_item_factory_new ();
  g_signal_connect (factory, "setup", G_CALLBACK (setup_actions_cell_cb), self);
  column = gtk_column_view_column_new (_("Actions"), factory);
  gtk_column_view_append_column (GTK_COLUMN_VIEW (self->column_view), column);
  g_object_unref (column);
}

static void
new_clicked_cb (MtListPage *self)
{
  if (g_str_equal (mt_listing_get_page (self->listing), "repairs"))
    {
      MtRepairDialog *dialog = mt_repair_dialog_new (toplevel (self), self->context, 0);

      g_signal_connect_swapped (dialog, "saved", G_CALLBACK (saved_cb), self);
      gtk_window_present (GTK_WINDOW (dialog));
      return;
    }
  {
    MtFormDialog *dialog = mt_form_dialog_new (toplevel (self), self->context, self->entity, 0);

    g_signal_connect_swapped (dialog, "saved", G_CALLBACK (saved_cb), self);
    gtk_window_present (GTK_WINDOW (dialog));
  }
}

static void
delete_response_cb (AdwMessageDialog *dialog,
                    const char       *response,
                    MtListPage       *self)
{
  if (!g_str_equal (response, "delete"))
    return;
  {
    /* each row with the version the user saw: a row changed meanwhile is not deleted */
    g_autoptr(GtkBitset) set = gtk_selection_model_get_selection (GTK_SELECTION_MODEL (self->selection));
    GPtrArray *requests = requests_new ();
    GtkBitsetIter iter;
    guint pos;

    for (gboolean ok = gtk_bitset_iter_init_first (&iter, set, &pos); ok; ok = gtk_bitset_iter_next (&iter, &pos))
      {
        g_autoptr(MtRowItem) item = g_list_model_get_item (G_LIST_MODEL (self->model), pos);
        g_autofree char *version = NULL;
        MtApiRequest *request;

        if (item == NULL)
          continue;
        version = g_strdup_printf ("%" G_GINT64_FORMAT, mt_row_item_get_version (item));
        request = row_request ("entity.delete", mt_row_item_get_id (item));
        mt_api_request_set_entity (request, mt_entity_get_page (self->entity));
        mt_api_request_set_query (request, "version", version);
        g_ptr_array_add (requests, request);
      }
    mt_list_page_send (self, requests);
  }
}

static void
delete_clicked_cb (MtListPage *self)
{
  GtkWidget *dialog = adw_message_dialog_new (toplevel (self), _("Delete the selected rows?"),
                                              _("Deleted rows disappear from every list."));

  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _("_Cancel"),
                                    "delete", _("_Delete"), NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "delete",
                                              ADW_RESPONSE_DESTRUCTIVE);
  g_signal_connect (dialog, "response", G_CALLBACK (delete_response_cb), self);
  gtk_window_present (GTK_WINDOW (dialog));
}

typedef enum { BATCH_STORE, BATCH_OPERATOR, BATCH_TYPE, BATCH_FENCE, BATCH_FENCE_STORE } BatchKind;

/* The selected devices to fence @target; or, on the fences page, the devices of store @target
 * to each selected fence */
static void
fence_assign (MtListPage *self,
              BatchKind   kind,
              GArray     *ids,
              gint64      target)
{
  GPtrArray *requests = requests_new ();

  if (kind == BATCH_FENCE)
    {
      MtApiRequest *request = row_request ("geofences.assign", target);

      mt_api_request_set_ids (request, "ids", (gint64 *) ids->data, ids->len);
      g_ptr_array_add (requests, request);
    }
  else
    for (guint i = 0; i < ids->len; i++)
      {
        MtApiRequest *request = row_request ("geofences.assign", g_array_index (ids, gint64, i));

        mt_api_request_set_int (request, "store_id", target);
        g_ptr_array_add (requests, request);
      }
  mt_list_page_send (self, requests);
}

static void
batch_response_cb (AdwMessageDialog *dialog,
                   const char       *response,
                   MtListPage       *self)
{
  GtkWidget *dropdown = adw_message_dialog_get_extra_child (dialog);
  GPtrArray *options = g_object_get_data (G_OBJECT (dialog), "options");
  BatchKind kind = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (dialog), "kind"));
  guint pos = gtk_drop_down_get_selected (GTK_DROP_DOWN (dropdown));
  g_autoptr(GArray) ids = NULL;
  MtApiRequest *request;
  gint64 target;

  if (!g_str_equal (response, "apply") || pos >= options->len)
    return;
  target = g_ascii_strtoll (((MtOption *) options->pdata[pos])->id, NULL, 10);
  ids = mt_list_page_get_selected_ids (self);
  if (kind == BATCH_FENCE || kind == BATCH_FENCE_STORE)
    {
      fence_assign (self, kind, ids, target);
      return;
    }
  request = mt_api_request_new (kind == BATCH_TYPE ? "devices.type" : "devices.transfer");
  mt_api_request_set_ids (request, "ids", (gint64 *) ids->data, ids->len);
  mt_api_request_set_int (request, kind == BATCH_STORE ? "store_id" : kind == BATCH_OPERATOR ? "operator_id" : "type_id",
                          target);
  send_one (self, request);
}

static void
batch_choose (MtListPage *self,
              BatchKind   kind)
{
  static const char *const refs[] = { "stores", "operators", "device_types", "geofences", "stores" };
  const char *titles[] = { _("Transfer to store"), _("Transfer to operator"), _("Change device type"),
                           _("Assign to a geofence"), _("Assign a store's devices") };
  const char *bodies[] = {
    _("Rented devices cannot be transferred."),
    _("Rented devices cannot be transferred. The devices leave their store: choose one later."),
    _("Rented devices keep their type."),
    _("The fence watches the selected devices: crossing its border the wrong way raises an alarm."),
    _("Every device of the store is assigned to the selected fences."),
  };
  GPtrArray *options = mt_lookup (self->db, self->actor, refs[kind], NULL, 0);
  GtkStringList *labels = gtk_string_list_new (NULL);
  GtkWidget *dialog = adw_message_dialog_new (toplevel (self), titles[kind], bodies[kind]);

  for (guint i = 0; i < options->len; i++)
    gtk_string_list_append (labels, ((MtOption *) options->pdata[i])->label);
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), gtk_drop_down_new (G_LIST_MODEL (labels), NULL));
  g_object_set_data_full (G_OBJECT (dialog), "options", options, (GDestroyNotify) g_ptr_array_unref);
  g_object_set_data (G_OBJECT (dialog), "kind", GINT_TO_POINTER (kind));
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _("_Cancel"),
                                    "apply", _("_Apply"), NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "apply", ADW_RESPONSE_SUGGESTED);
  g_signal_connect (dialog, "response", G_CALLBACK (batch_response_cb), self);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void transfer_clicked_cb (MtListPage *self) { batch_choose (self, BATCH_STORE); }
static void transfer_operator_clicked_cb (MtListPage *self) { batch_choose (self, BATCH_OPERATOR); }
static void type_clicked_cb (MtListPage *self) { batch_choose (self, BATCH_TYPE); }
static void fence_clicked_cb (MtListPage *self) { batch_choose (self, BATCH_FENCE); }
static void fence_store_clicked_cb (MtListPage *self) { batch_choose (self, BATCH_FENCE_STORE); }

static MtApiRequest *
unassign_request (gint64   fence,
                  gpointer data)
{
  return row_request ("geofences.unassign", fence);
}

static void
unassign_response_cb (AdwMessageDialog *dialog,
                      const char       *response,
                      MtListPage       *self)
{
  if (g_str_equal (response, "remove"))
    mt_list_page_send_each_selected (self, unassign_request, NULL);
}

static void
unassign_clicked_cb (MtListPage *self)
{
  GtkWidget *dialog = adw_message_dialog_new (toplevel (self), _("Take the selected fences off all devices?"),
                                              _("The fences stay, watching no device until assigned again."));

  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _("_Cancel"),
                                    "remove", _("_Take Off"), NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "remove", ADW_RESPONSE_DESTRUCTIVE);
  g_signal_connect (dialog, "response", G_CALLBACK (unassign_response_cb), self);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
power_cut (MtListPage *self,
           gboolean    on)
{
  g_autoptr(GArray) ids = mt_list_page_get_selected_ids (self);
  MtApiRequest *request = mt_api_request_new ("devices.power_cut");

  mt_api_request_set_ids (request, "ids", (gint64 *) ids->data, ids->len);
  mt_api_request_set_bool (request, "on", on);
  send_one (self, request);
}

static void power_cut_on_cb (MtListPage *self) { power_cut (self, TRUE); }
static void power_cut_off_cb (MtListPage *self) { power_cut (self, FALSE); }

static void
copy_ids_cb (MtListPage *self)
{
  g_autoptr(GtkBitset) set = gtk_selection_model_get_selection (GTK_SELECTION_MODEL (self->selection));
  g_autoptr(GString) text = g_string_new (NULL);
  GtkBitsetIter iter;
  guint pos;

  for (gboolean ok = gtk_bitset_iter_init_first (&iter, set, &pos); ok; ok = gtk_bitset_iter_next (&iter, &pos))
    {
      g_autoptr(MtRowItem) item = g_list_model_get_item (G_LIST_MODEL (self->model), pos);
      if (item)
        g_string_append_printf (text, "%s%s", text->len ? "\n" : "", mt_row_item_get_cell (item, 0));
    }
  gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (self)), text->str);
}

static MtApiRequest *
enabled_request (gint64   id,
                 gpointer data)
{
  MtApiRequest *request = row_request ("operators.enabled", id);

  mt_api_request_set_bool (request, "enabled", GPOINTER_TO_INT (data));
  return request;
}

static void enable_clicked_cb (MtListPage *self) { mt_list_page_send_each_selected (self, enabled_request, GINT_TO_POINTER (TRUE)); }
static void disable_clicked_cb (MtListPage *self) { mt_list_page_send_each_selected (self, enabled_request, GINT_TO_POINTER (FALSE)); }

static MtApiRequest *
send_request (gint64   id,
              gpointer data)
{
  return row_request ("messages.send", id);
}

static void
send_clicked_cb (MtListPage *self)
{
  mt_list_page_send_each_selected (self, send_request, NULL);
}

/* ------------------------------------------------------------------ export */

/* ------------------------------------------------------------------ long jobs */

typedef struct
{
  MtListing     *listing;   /* an export: a copy of the page's, given the worker's connection */
  gboolean       xlsx;
  GArray        *ids;       /* a label sheet: the devices */
  const MtActor *actor;     /* the context's: alive while its job runs */
  char          *path;
  MtProgress    *progress;  /* g_rc_box, the page's too */
} Job;

static void
job_free (Job *job)
{
  g_clear_pointer (&job->listing, mt_listing_free);
  g_clear_pointer (&job->ids, g_array_unref);
  g_free (job->path);
  g_rc_box_release (job->progress);
  g_free (job);
}

/* On the worker: the file, or the error; the path written as the result */
static gpointer
export_job_run (MtDb          *db,
                gpointer       data,
                GCancellable  *cancellable,
                GError       **error)
{
  Job *job = data;
  gboolean ok;

  mt_listing_set_db (job->listing, db);
  ok = job->xlsx ? mt_listing_export_xlsx (job->listing, job->path, cancellable, job->progress, error)
                 : mt_listing_export_csv (job->listing, job->path, cancellable, job->progress, error);
  return ok ? g_strdup (job->path) : NULL;
}

static gpointer
labels_job_run (MtDb          *db,
                gpointer       data,
                GCancellable  *cancellable,
                GError       **error)
{
  Job *job = data;

  if (!mt_devices_write_labels (db, job->actor, (gint64 *) job->ids->data, job->ids->len, job->path, cancellable,
                                job->progress, error))
    return NULL;
  return g_strdup (job->path);
}

static void
job_show (MtListPage *self,
          const char *text)
{
  gtk_label_set_text (GTK_LABEL (self->job_label), text);
  gtk_revealer_set_reveal_child (GTK_REVEALER (self->job_bar), TRUE);
}

/* Ten times a second: how far the job is */
static gboolean
job_tick_cb (gpointer data)
{
  MtListPage *self = data;
  gint done = g_atomic_int_get (&self->job_progress->done);
  gint total = g_atomic_int_get (&self->job_progress->total);
  g_autofree char *text = NULL;

  if (total > 0)
    {
      text = g_strdup_printf (_("Working… %d of %d"), done, total);
      gtk_progress_bar_set_fraction (GTK_PROGRESS_BAR (self->job_progress_bar), MIN (1.0, (double) done / total));
    }
  else
    {
      text = g_strdup (_("Working…"));
      gtk_progress_bar_pulse (GTK_PROGRESS_BAR (self->job_progress_bar));
    }
  job_show (self, text);
  return G_SOURCE_CONTINUE;
}

static gboolean
job_hide_cb (gpointer data)
{
  MtListPage *self = data;

  self->job_timer = 0;
  gtk_revealer_set_reveal_child (GTK_REVEALER (self->job_bar), FALSE);
  return G_SOURCE_REMOVE;
}

typedef struct
{
  MtListPage   *page;
  GCancellable *cancellable;   /* the job's own */
} Started;

static void
job_done_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      data)
{
  Started *started = data;
  g_autoptr(MtListPage) self = started->page;
  g_autoptr(GCancellable) cancellable = started->cancellable;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = mt_context_run_finish (MT_CONTEXT (source), result, &error);
  g_autofree char *name = NULL;
  gboolean current = cancellable == self->job_cancellable;

  g_free (started);
  if (g_cancellable_is_cancelled (cancellable))
    {
      /* cancelled, or replaced by a newer job: a file done just before is not wanted either */
      if (path != NULL)
        g_unlink (path);
      g_clear_pointer (&path, g_free);
      g_clear_error (&error);
      g_set_error_literal (&error, G_IO_ERROR, G_IO_ERROR_CANCELLED, _("Cancelled"));
    }
  if (!current)
    return;
  g_clear_handle_id (&self->job_timer, g_source_remove);
  g_clear_object (&self->job_cancellable);
  if (gtk_widget_get_root (GTK_WIDGET (self)) == NULL)
    return;   /* its window closed meanwhile */
  g_free (self->job_message);
  if (path == NULL)
    {
      self->job_message = g_strdup (error->message);
      gtk_revealer_set_reveal_child (GTK_REVEALER (self->job_bar), FALSE);
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        mt_list_page_show_error (self, error);
      return;
    }
  name = g_path_get_basename (path);
  self->job_message = g_strdup_printf (_("Saved as %s"), name);
  gtk_progress_bar_set_fraction (GTK_PROGRESS_BAR (self->job_progress_bar), 1.0);
  job_show (self, self->job_message);
  self->job_timer = g_timeout_add_seconds (5, job_hide_cb, self);
}

/* Starts @job on the session's worker: a bar shows how far it is, with Cancel */
static void
job_start (MtListPage   *self,
           MtWorkerFunc  run,
           Job          *job)
{
  if (self->job_cancellable != NULL)
    g_cancellable_cancel (self->job_cancellable);
  g_clear_object (&self->job_cancellable);
  g_clear_handle_id (&self->job_timer, g_source_remove);
  g_clear_pointer (&self->job_progress, g_rc_box_release);
  self->job_progress = g_rc_box_new0 (MtProgress);
  job->progress = g_rc_box_acquire (self->job_progress);
  self->job_cancellable = g_cancellable_new ();
  gtk_progress_bar_set_fraction (GTK_PROGRESS_BAR (self->job_progress_bar), 0);
  job_show (self, _("Working…"));
  self->job_timer = g_timeout_add (100, job_tick_cb, self);
  {
    Started *started = g_new0 (Started, 1);

    started->page = g_object_ref (self);
    started->cancellable = g_object_ref (self->job_cancellable);
    mt_context_run_async (self->context, run, job, (GDestroyNotify) job_free, g_free, self->job_cancellable,
                          job_done_cb, started);
  }
}

static void
job_cancel_cb (MtListPage *self)
{
  if (self->job_cancellable != NULL)
    g_cancellable_cancel (self->job_cancellable);
}

void
mt_list_page_export (MtListPage *self,
                     const char *path,
                     gboolean    xlsx)
{
  Job *job = g_new0 (Job, 1);

  g_return_if_fail (MT_IS_LIST_PAGE (self));
  job->listing = mt_listing_copy (self->listing, NULL);
  job->xlsx = xlsx;
  job->path = g_strdup (path);
  job_start (self, export_job_run, job);
}

void
mt_list_page_write_labels (MtListPage *self,
                           const char *path)
{
  Job *job = g_new0 (Job, 1);

  g_return_if_fail (MT_IS_LIST_PAGE (self));
  job->ids = mt_list_page_get_selected_ids (self);
  job->actor = self->actor;
  job->path = g_strdup (path);
  job_start (self, labels_job_run, job);
}

void
mt_list_page_focus_search (MtListPage *self)
{
  gtk_widget_grab_focus (self->search);
}

const char *
mt_list_page_get_job_message (MtListPage *self)
{
  return self->job_message;
}

static void
export_response_cb (GtkNativeDialog *chooser,
                    int              response,
                    MtListPage      *self)
{
  gboolean xlsx = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (chooser), "xlsx"));

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
      g_autofree char *path = g_file_get_path (file);

      mt_list_page_export (self, path, xlsx);
    }
  g_object_unref (chooser);
}

static void
export (MtListPage *self,
        gboolean    xlsx)
{
  const MtPageInfo *page = mt_page_lookup (mt_listing_get_page (self->listing));
  GtkFileChooserNative *chooser =
    gtk_file_chooser_native_new (_("Export"), toplevel (self), GTK_FILE_CHOOSER_ACTION_SAVE,
                                 _("_Export"), _("_Cancel"));
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *stamp = g_date_time_format (now, "%Y%m%d-%H%M");
  g_autofree char *name = g_strdup_printf ("%s-%s.%s", mt_page_title (page), stamp, xlsx ? "xlsx" : "csv");

  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), name);
  g_object_set_data (G_OBJECT (chooser), "xlsx", GINT_TO_POINTER (xlsx));
  g_signal_connect (chooser, "response", G_CALLBACK (export_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
labels_response_cb (GtkNativeDialog *chooser,
                    int              response,
                    MtListPage      *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
      g_autofree char *path = g_file_get_path (file);

      mt_list_page_write_labels (self, path);
    }
  g_object_unref (chooser);
}

/* QR labels of the selected devices, as a PDF sheet to print */
static void
labels_clicked_cb (MtListPage *self)
{
  GtkFileChooserNative *chooser =
    gtk_file_chooser_native_new (_("QR Labels"), toplevel (self), GTK_FILE_CHOOSER_ACTION_SAVE,
                                 _("_Export"), _("_Cancel"));
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *stamp = g_date_time_format (now, "%Y%m%d-%H%M");
  /* TRANSLATORS: file name of the QR label sheet; %s is the date and time */
  g_autofree char *name = g_strdup_printf (_("qr-labels-%s.pdf"), stamp);

  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), name);
  g_signal_connect (chooser, "response", G_CALLBACK (labels_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void export_csv_cb (MtListPage *self) { export (self, FALSE); }
static void export_xlsx_cb (MtListPage *self) { export (self, TRUE); }

/* ------------------------------------------------------------------ construction */

void
mt_list_page_add_action (MtListPage *self,
                         const char *name,
                         GCallback   callback,
                         gboolean    enabled)
{
  g_auto(GStrv) parts = g_strsplit (name, ".", 2);
  g_autoptr(GSimpleAction) action = NULL;
  GSimpleActionGroup *group;

  g_return_if_fail (MT_IS_LIST_PAGE (self) && parts[0] != NULL && parts[1] != NULL);
  group = g_hash_table_lookup (self->action_groups, parts[0]);
  if (group == NULL)
    {
      group = g_simple_action_group_new ();
      g_hash_table_insert (self->action_groups, g_strdup (parts[0]), group);
      gtk_widget_insert_action_group (GTK_WIDGET (self), parts[0], G_ACTION_GROUP (group));
    }
  action = g_simple_action_new (parts[1], NULL);
  g_simple_action_set_enabled (action, enabled);
  g_signal_connect_object (action, "activate", callback, self, G_CONNECT_SWAPPED);
  g_action_map_add_action (G_ACTION_MAP (group), G_ACTION (action));
}

gboolean
mt_list_page_action_enabled (MtListPage *self,
                             const char *name)
{
  g_auto(GStrv) parts = g_strsplit (name, ".", 2);
  GActionGroup *group = parts[0] ? g_hash_table_lookup (self->action_groups, parts[0]) : NULL;

  return group != NULL && parts[1] != NULL && g_action_group_get_action_enabled (group, parts[1]);
}

GtkWidget *
mt_list_page_action_button (MtListPage *self,
                            const char *label,
                            const char *name)
{
  GtkWidget *b = gtk_button_new_with_mnemonic (label);

  gtk_actionable_set_action_name (GTK_ACTIONABLE (b), name);
  /* what the account may not do has no button */
  gtk_widget_set_visible (b, mt_list_page_action_enabled (self, name));
  return b;
}

GtkWidget *
mt_list_page_add_action_button (MtListPage *self,
                                GtkWidget  *bar,
                                const char *label,
                                const char *name,
                                GCallback   callback,
                                gboolean    enabled)
{
  GtkWidget *b;

  mt_list_page_add_action (self, name, callback, enabled);
  b = mt_list_page_action_button (self, label, name);
  if (GTK_IS_ACTION_BAR (bar))
    gtk_action_bar_pack_start (GTK_ACTION_BAR (bar), b);
  else
    gtk_box_append (GTK_BOX (bar), b);
  return b;
}

/* An action of the page with its button in the action bar */
static void
bar_action (MtListPage *self,
            const char *label,
            const char *name,
            GCallback   callback,
            gboolean    enabled)
{
  mt_list_page_add_action_button (self, self->action_bar, label, name, callback, enabled);
}

static void
build_filters (MtListPage *self,
               GtkWidget  *bar)
{
  guint n;
  const MtListFilter *filters = mt_listing_get_filters (self->listing, &n);

  for (guint i = 0; i < n; i++)
    {
      GPtrArray *options;
      g_autoptr(GtkStringList) labels = gtk_string_list_new (NULL);
      g_autofree char *all = g_strdup_printf (_("All: %s"), _(filters[i].title));
      GtkWidget *dropdown;

      if (filters[i].ref)
        options = mt_lookup (self->db, self->actor, filters[i].ref, NULL, 0);
      else
        {
          options = g_ptr_array_new_with_free_func ((GDestroyNotify) mt_option_free);
          for (guint c = 0; filters[i].choices[c].value; c++)
            {
              MtOption *o = g_new0 (MtOption, 1);
              o->id = g_strdup (filters[i].choices[c].value);
              o->label = g_strdup (_(filters[i].choices[c].label));
              g_ptr_array_add (options, o);
            }
        }
      g_ptr_array_add (self->filter_options, options);
      gtk_string_list_append (labels, all);
      for (guint o = 0; o < options->len; o++)
        gtk_string_list_append (labels, ((MtOption *) options->pdata[o])->label);
      dropdown = gtk_drop_down_new (G_LIST_MODEL (g_object_ref (labels)), NULL);
      gtk_widget_set_tooltip_text (dropdown, _(filters[i].title));
      g_object_set_data (G_OBJECT (dropdown), "filter-key", (gpointer) filters[i].key);
      g_object_set_data (G_OBJECT (dropdown), "filter-options", options);
      g_signal_connect (dropdown, "notify::selected", G_CALLBACK (filter_changed_cb), self);
      gtk_box_append (GTK_BOX (bar), dropdown);
    }

  if (mt_listing_has_dates (self->listing))
    {
      self->date_from = gtk_entry_new ();
      self->date_to = gtk_entry_new ();
      gtk_entry_set_placeholder_text (GTK_ENTRY (self->date_from), _("From YYYY-MM-DD"));
      gtk_entry_set_placeholder_text (GTK_ENTRY (self->date_to), _("To YYYY-MM-DD"));
      gtk_editable_set_width_chars (GTK_EDITABLE (self->date_from), 14);
      gtk_editable_set_width_chars (GTK_EDITABLE (self->date_to), 14);
      g_signal_connect_swapped (self->date_from, "activate", G_CALLBACK (dates_changed_cb), self);
      g_signal_connect_swapped (self->date_to, "activate", G_CALLBACK (dates_changed_cb), self);
      mt_date_picker_attach (GTK_ENTRY (self->date_from));
      mt_date_picker_attach (GTK_ENTRY (self->date_to));
      if (mt_listing_get_date_hint (self->listing))
        {
          /* TRANSLATORS: a list's date range when it is not the rows' own time: "Rent expiry from" */
          g_autofree char *from = g_strdup_printf (_("%s from"), mt_listing_get_date_hint (self->listing));
          g_autofree char *to = g_strdup_printf (_("%s to"), mt_listing_get_date_hint (self->listing));

          gtk_entry_set_placeholder_text (GTK_ENTRY (self->date_from), from);
          gtk_entry_set_placeholder_text (GTK_ENTRY (self->date_to), to);
          gtk_widget_set_tooltip_text (self->date_from, mt_listing_get_date_hint (self->listing));
          gtk_widget_set_tooltip_text (self->date_to, mt_listing_get_date_hint (self->listing));
        }
      gtk_box_append (GTK_BOX (bar), self->date_from);
      gtk_box_append (GTK_BOX (bar), self->date_to);
    }
}

static void
build_states (MtListPage *self)
{
  const MtChoice *states = mt_listing_get_states (self->listing);
  GtkWidget *first = NULL;

  if (states == NULL)
    return;
  for (int i = -1; i < 0 || states[i].value; i++)
    {
      GtkWidget *b = gtk_toggle_button_new ();

      if (i >= 0)
        g_object_set_data (G_OBJECT (b), "state", (gpointer) states[i].value);
      if (first)
        gtk_toggle_button_set_group (GTK_TOGGLE_BUTTON (b), GTK_TOGGLE_BUTTON (first));
      else
        {
          first = b;
          gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (b), TRUE);
        }
      g_signal_connect (b, "toggled", G_CALLBACK (state_toggled_cb), self);
      g_ptr_array_add (self->state_buttons, b);
      gtk_box_append (GTK_BOX (self->states_box), b);
    }
}

/* 全部 / 在线 / 离线: the devices' online filter as counted buttons, in place of its drop-down */
static void
online_toggled_cb (GtkToggleButton *button,
                   MtListPage      *self)
{
  if (!gtk_toggle_button_get_active (button))
    return;
  mt_listing_set_filter (self->listing, "online", g_object_get_data (G_OBJECT (button), "value"));
  mt_list_page_reload (self);
}

static void
build_online_facet (MtListPage *self)
{
  static const char *const values[] = { NULL, "1", "0" };
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
  GtkWidget *first = NULL;

  if (!g_str_equal (mt_listing_get_page (self->listing), "devices"))
    return;
  self->online_buttons = g_ptr_array_new ();
  gtk_widget_add_css_class (box, "linked");
  gtk_widget_set_margin_start (box, 12);
  for (guint i = 0; i < G_N_ELEMENTS (values); i++)
    {
      GtkWidget *b = gtk_toggle_button_new ();

      g_object_set_data (G_OBJECT (b), "value", (gpointer) values[i]);
      if (first)
        gtk_toggle_button_set_group (GTK_TOGGLE_BUTTON (b), GTK_TOGGLE_BUTTON (first));
      else
        {
          first = b;
          gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (b), TRUE);
        }
      g_signal_connect (b, "toggled", G_CALLBACK (online_toggled_cb), self);
      g_ptr_array_add (self->online_buttons, b);
      gtk_box_append (GTK_BOX (box), b);
    }
  gtk_box_append (GTK_BOX (self->states_box), box);
  /* the drop-down would say the same twice */
  for (GtkWidget *w = gtk_widget_get_first_child (self->filters); w; w = gtk_widget_get_next_sibling (w))
    if (g_strcmp0 (g_object_get_data (G_OBJECT (w), "filter-key"), "online") == 0)
      gtk_widget_set_visible (w, FALSE);
}

/* Chooses 全部 (NULL), 在线 ("1") or 离线 ("0") as a click on its button does */
gboolean
mt_list_page_set_online (MtListPage *self,
                         const char *value)
{
  for (guint i = 0; self->online_buttons && i < self->online_buttons->len; i++)
    if (g_strcmp0 (g_object_get_data (self->online_buttons->pdata[i], "value"), value) == 0)
      {
        gtk_toggle_button_set_active (self->online_buttons->pdata[i], TRUE);
        return TRUE;
      }
  return FALSE;
}

static void
build_action_bar (MtListPage *self)
{
  const char *page = mt_listing_get_page (self->listing);

  if (g_str_equal (page, "devices"))
    {
      gboolean transfer = mt_actor_can (self->actor, "devices", "transfer");
      gboolean edit = mt_actor_can (self->actor, "devices", "edit");
      gboolean power = edit || mt_actor_can (self->actor, "devices", "power");

      bar_action (self, _("_Transfer to Store…"), "devices.transfer", G_CALLBACK (transfer_clicked_cb), transfer);
      bar_action (self, _("To _Operator…"), "devices.transfer-operator", G_CALLBACK (transfer_operator_clicked_cb),
                  transfer && self->actor->store_id == 0);
      bar_action (self, _("Change _Type…"), "devices.type", G_CALLBACK (type_clicked_cb), edit);
      bar_action (self, _("Power-Cut _On"), "devices.power-cut-on", G_CALLBACK (power_cut_on_cb),
                  power && (self->actor->caps & MT_CAP_UNRENTED_POWER_CUT));
      bar_action (self, _("Power-Cut O_ff"), "devices.power-cut-off", G_CALLBACK (power_cut_off_cb), power);
      bar_action (self, _("_Geofence…"), "devices.geofence", G_CALLBACK (fence_clicked_cb),
                  mt_actor_can (self->actor, "geofences", "edit"));
      bar_action (self, _("_QR Labels…"), "devices.labels", G_CALLBACK (labels_clicked_cb), TRUE);
      bar_action (self, _("_Copy IDs"), "devices.copy-ids", G_CALLBACK (copy_ids_cb), TRUE);
    }
  if (g_str_equal (page, "geofences"))
    {
      gboolean edit = mt_actor_can (self->actor, "geofences", "edit");

      bar_action (self, _("Assign a _Store's Devices…"), "geofences.assign-store", G_CALLBACK (fence_store_clicked_cb),
                  edit);
      bar_action (self, _("_Take Off All Devices…"), "geofences.take-off", G_CALLBACK (unassign_clicked_cb), edit);
    }
  if (g_str_equal (page, "operators"))
    {
      gboolean edit = mt_actor_can (self->actor, "operators", "edit");

      bar_action (self, _("_Enable"), "operators.enable", G_CALLBACK (enable_clicked_cb), edit);
      bar_action (self, _("_Disable"), "operators.disable", G_CALLBACK (disable_clicked_cb), edit);
    }
  if (g_str_equal (page, "messages"))
    bar_action (self, _("_Send"), "messages.send", G_CALLBACK (send_clicked_cb),
                mt_actor_can (self->actor, "messages", "edit"));
  mt_list_page_add_action (self, "list.delete", G_CALLBACK (delete_clicked_cb),
                           self->entity && mt_actor_can (self->actor, mt_entity_get_page (self->entity), "delete"));
  {
    GtkWidget *del = mt_list_page_action_button (self, _("_Delete…"), "list.delete");

    gtk_widget_add_css_class (del, "destructive-action");
    gtk_action_bar_pack_end (GTK_ACTION_BAR (self->action_bar), del);
  }
}

MtListPage *
mt_list_page_new (MtContext   *context,
                  const char  *page_id,
                  GError     **error)
{
  g_autoptr(MtListing) listing = mt_listing_new (mt_context_get_db (context), mt_context_get_actor (context), page_id,
                                                 error);
  MtListPage *self;
  GtkWidget *bar, *scroller;
  guint n_columns;
  const MtListColumn *columns;
  GtkSorter *sorter;

  if (listing == NULL)
    return NULL;

  self = g_object_new (MT_TYPE_LIST_PAGE, NULL);
  self->context = g_object_ref (context);
  self->action_groups = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->db = mt_context_get_db (context);
  self->engine = mt_context_get_engine (context);
  self->actor = mt_context_get_actor (context);
  self->listing = g_steal_pointer (&listing);
  self->entity = mt_listing_get_entity (self->listing)
                 ? mt_entity_lookup (mt_listing_get_entity (self->listing)) : NULL;
  self->model = mt_row_model_new (self->listing);
  mt_row_model_set_loader (self->model, page_load_cb, self);
  /* rows counted further as the list is scrolled to its end */
  g_signal_connect_object (self->model, "items-changed", G_CALLBACK (update_row_count), self, G_CONNECT_SWAPPED);
  self->selection = mt_position_selection_new (G_LIST_MODEL (self->model));

  /* Filter bar: the search, the listing's filters, the page's actions */
  g_object_set (self->search, "placeholder-text", mt_listing_get_search_hint (self->listing), NULL);
  gtk_widget_set_tooltip_text (self->search, mt_listing_get_search_hint (self->listing));
  build_filters (self, self->filters);
  bar = self->header_actions;

  mt_list_page_add_action (self, "list.rent", G_CALLBACK (rent_clicked_cb),
                           (g_str_equal (page_id, "orders") || g_str_equal (page_id, "devices") ||
                            g_str_equal (page_id, "stores")) && mt_actor_can (self->actor, "orders", "rent"));
  {
    GtkWidget *b = mt_list_page_action_button (self, _("_Rent Out…"), "list.rent");

    if (g_str_equal (page_id, "orders"))
      gtk_widget_add_css_class (b, "suggested-action");
    gtk_widget_set_tooltip_text (b, _("The rental counter: for the selected store or device, if any"));
    gtk_box_append (GTK_BOX (bar), b);
  }
  if (g_str_equal (page_id, "repairs"))
    {
      mt_list_page_add_action (self, "list.new", G_CALLBACK (new_clicked_cb),
                               mt_actor_can (self->actor, "repairs", "report"));
      gtk_box_append (GTK_BOX (bar), mt_list_page_action_button (self, _("_Report Fault…"), "list.new"));
    }
  else
    {
      GtkWidget *b;

      mt_list_page_add_action (self, "list.new", G_CALLBACK (new_clicked_cb),
                               self->entity && mt_actor_can (self->actor, mt_entity_get_page (self->entity), "edit"));
      b = mt_list_page_action_button (self, _("_New…"), "list.new");
      gtk_widget_add_css_class (b, "suggested-action");
      gtk_box_append (GTK_BOX (bar), b);
    }
  mt_list_page_add_action (self, "list.export-csv", G_CALLBACK (export_csv_cb), TRUE);
  mt_list_page_add_action (self, "list.export-xlsx", G_CALLBACK (export_xlsx_cb), TRUE);
  mt_list_page_add_action (self, "list.cancel-job", G_CALLBACK (job_cancel_cb), TRUE);

  /* State counts */
  build_states (self);
  build_online_facet (self);

  /* Columns */
  self->column_view = gtk_column_view_new (NULL);
  self->staged = mt_staged_selection_new (GTK_SELECTION_MODEL (self->selection), self->column_view);
  gtk_column_view_set_model (GTK_COLUMN_VIEW (self->column_view), GTK_SELECTION_MODEL (self->staged));
  gtk_column_view_set_show_column_separators (GTK_COLUMN_VIEW (self->column_view), TRUE);
  gtk_column_view_set_reorderable (GTK_COLUMN_VIEW (self->column_view), FALSE);
  gtk_widget_add_css_class (self->column_view, "data-table");
  columns = mt_listing_get_columns (self->listing, &n_columns);
  for (guint i = 0; i < n_columns; i++)
    {
      GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
      GtkColumnViewColumn *column;

      g_signal_connect (factory, "setup", G_CALLBACK (setup_cell_cb), self);
      g_signal_connect (factory, "bind", G_CALLBACK (bind_cell_cb), GUINT_TO_POINTER (i));
      g_signal_connect (factory, "unbind", G_CALLBACK (unbind_cell_cb), NULL);
      column = gtk_column_view_column_new (_(columns[i].title), factory);
      gtk_column_view_column_set_resizable (column, TRUE);
      gtk_column_view_column_set_expand (column, columns[i].kind == MT_COL_TEXT);
      gtk_column_view_column_set_sorter (column, GTK_SORTER (gtk_custom_sorter_new (probe_sort_cb,
                                                                                    (gpointer) columns[i].key,
                                                                                    NULL)));
      gtk_column_view_append_column (GTK_COLUMN_VIEW (self->column_view), column);
      g_ptr_array_add (self->columns, column);
      g_object_unref (column);
    }
  build_row_actions (self);
  sorter = gtk_column_view_get_sorter (GTK_COLUMN_VIEW (self->column_view));
  g_signal_connect (sorter, "changed", G_CALLBACK (sorter_changed_cb), self);
  g_signal_connect (self->column_view, "activate", G_CALLBACK (activate_cb), self);
  g_signal_connect_swapped (self->selection, "selection-changed", G_CALLBACK (selection_changed_cb), self);

  scroller = gtk_scrolled_window_new ();
  gtk_widget_set_vexpand (scroller, TRUE);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), self->column_view);
  if (g_str_equal (page_id, "stores"))
    {
      /* 列表 / 地图: the same rows, as a table or on the map */
      GtkWidget *views = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
      GtkWidget *list_toggle = gtk_toggle_button_new_with_mnemonic (_("_List"));

      self->map_toggle = gtk_toggle_button_new_with_mnemonic (_("_Map"));
      gtk_toggle_button_set_group (GTK_TOGGLE_BUTTON (self->map_toggle), GTK_TOGGLE_BUTTON (list_toggle));
      gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (list_toggle), TRUE);
      gtk_widget_add_css_class (views, "linked");
      gtk_box_append (GTK_BOX (views), list_toggle);
      gtk_box_append (GTK_BOX (views), self->map_toggle);
      gtk_box_insert_child_after (GTK_BOX (self->filter_bar), views, self->search);
      g_signal_connect_swapped (self->map_toggle, "toggled", G_CALLBACK (map_toggled_cb), self);
      self->views = gtk_stack_new ();
      gtk_stack_add_named (GTK_STACK (self->views), scroller, "list");
      gtk_widget_set_vexpand (self->views, TRUE);
      gtk_box_append (GTK_BOX (self->content), self->views);
    }
  else
    gtk_box_append (GTK_BOX (self->content), scroller);

  build_action_bar (self);
  mt_money_actions_add (self, page_id, bar, self->action_bar);
  mt_telemetry_actions_add (self, page_id, bar, self->action_bar);

  update_counts (self);
  return self;
}

GtkWidget *
mt_list_page_present_window (MtListPage *self,
                             const char *title,
                             const char *subtitle,
                             GtkWidget  *content,
                             int         width,
                             int         height)
{
  GtkWidget *window = adw_window_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *header = adw_header_bar_new ();

  adw_header_bar_set_title_widget (ADW_HEADER_BAR (header), adw_window_title_new (title, subtitle ? subtitle : ""));
  gtk_box_append (GTK_BOX (box), header);
  gtk_widget_set_vexpand (content, TRUE);
  gtk_box_append (GTK_BOX (box), content);
  adw_window_set_content (ADW_WINDOW (window), box);
  gtk_window_set_transient_for (GTK_WINDOW (window), toplevel (self));
  gtk_window_set_modal (GTK_WINDOW (window), TRUE);
  gtk_window_set_default_size (GTK_WINDOW (window), width, height);
  gtk_window_present (GTK_WINDOW (window));
  return window;
}

GtkWidget *
mt_list_page_get_date_entry (MtListPage *self,
                             gboolean    to)
{
  g_return_val_if_fail (MT_IS_LIST_PAGE (self), NULL);
  return to ? self->date_to : self->date_from;
}

GtkWidget *
mt_list_page_get_column_view (MtListPage *self)
{
  g_return_val_if_fail (MT_IS_LIST_PAGE (self), NULL);
  return self->column_view;
}

MtListing *
mt_list_page_get_listing (MtListPage *self)
{
  return self->listing;
}

GListModel *
mt_list_page_get_model (MtListPage *self)
{
  return G_LIST_MODEL (self->model);
}

GtkSelectionModel *
mt_list_page_get_selection (MtListPage *self)
{
  g_return_val_if_fail (MT_IS_LIST_PAGE (self), NULL);
  return GTK_SELECTION_MODEL (self->selection);
}

MtDb *
mt_list_page_get_db (MtListPage *self)
{
  return self->db;
}

const MtActor *
mt_list_page_get_actor (MtListPage *self)
{
  return self->actor;
}

MtSyncEngine *
mt_list_page_get_engine (MtListPage *self)
{
  return self->engine;
}

MtContext *
mt_list_page_get_context (MtListPage *self)
{
  return self->context;
}

/* ------------------------------------------------------------------ for the action modules */

GtkWidget *
mt_list_page_form_dialog (MtListPage *page,
                          const char *title,
                          const char *body,
                          const char *ok_label,
                          GtkWidget **rows,
                          GCallback   done)
{
  GtkWidget *dialog = adw_message_dialog_new (toplevel (page), title, body);
  GtkWidget *list = gtk_list_box_new ();

  gtk_list_box_set_selection_mode (GTK_LIST_BOX (list), GTK_SELECTION_NONE);
  gtk_widget_add_css_class (list, "boxed-list");
  for (guint i = 0; rows[i]; i++)
    gtk_list_box_append (GTK_LIST_BOX (list), rows[i]);
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), list);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _("_Cancel"), "ok", ok_label, NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "ok", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "ok");
  g_signal_connect_object (dialog, "response::ok", done, page, G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (dialog));
  return dialog;
}

GtkWidget *
mt_entry_row_new (const char *title)
{
  GtkWidget *row = adw_entry_row_new ();

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  return row;
}

const char *
mt_dialog_row_text (GtkWidget  *dialog,
                    const char *key)
{
  return gtk_editable_get_text (GTK_EDITABLE (g_object_get_data (G_OBJECT (dialog), key)));
}
