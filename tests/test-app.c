/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <locale.h>
#include <math.h>
#include <string.h>

#include "mt-error.h"
#include "mt-billing.h"
#include "mt-db.h"
#include "mt-demo.h"
#include "mt-date-picker.h"
#include "mt-form-dialog.h"
#include "mt-permission-tree.h"
#include "mt-geocoder.h"
#include "mt-backup.h"
#include "mt-backup-actions.h"
#include "mt-outline-layer.h"
#include "mt-recharge-dialog.h"
#include "mt-tile-source.h"
#include "mt-list-page.h"
#include "mt-money-actions.h"
#include "mt-order-dialog.h"
#include "mt-ops.h"
#include "mt-orders.h"
#include "mt-rent-dialog.h"
#include "mt-repair-dialog.h"
#include "mt-row-model.h"
#include "mt-alarms.h"
#include "mt-home-page.h"
#include "mt-member-dialog.h"
#include "mt-stats-page.h"
#include "mt-window.h"
#include "mt-telemetry-actions.h"
#include "mt-alarm-dialog.h"
#include "mt-bms-dialog.h"
#include "mt-sync-engine.h"
#include "test-tiles.h"
#include "test-util.h"
#include "mt-monitor-page.h"
#include "mt-fence-editor.h"
#include "mt-fences.h"
#include "mt-track-page.h"
#include "mt-validate.h"
#include <libsecret/secret.h>

static MtDb *db = NULL;
static GtkApplication *app = NULL;
static MtTileServer *tiles = NULL;

static void
iterate (guint ms)
{
  gint64 end = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE);
}

/* Runs the main loop until the window's session has answered every request it was sent (the
 * local backend answers on its worker thread, the remote one when the server does) */
static void
settle (MtWindow *window)
{
  MtContext *context = mt_window_get_context (window);

  while (context != NULL && mt_context_get_pending (context) > 0)
    g_main_context_iteration (NULL, TRUE);
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static void
saved_id_cb (MtFormDialog *form,
             gint64        id,
             gint64       *saved)
{
  *saved = id;
}

/* Saves as the Save button does (its action) and waits for the answer: the row id, or 0 with the
 * error shown */
static gint64
form_save (MtWindow     *window,
           MtFormDialog *form)
{
  gint64 saved = 0;
  gulong handler;

  g_object_ref (form);
  handler = g_signal_connect (form, "saved", G_CALLBACK (saved_id_cb), &saved);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (form), "form.save", NULL));
  settle (window);
  g_signal_handler_disconnect (form, handler);
  g_object_unref (form);
  return saved;
}

static void
test_walk_pages (gconstpointer data)
{
  const char *user = data;
  MtWindow *window = mt_window_new (app, db);
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) pages = NULL;
  guint n_pages, n_visible = 0;
  const MtPageInfo *all = mt_pages (&n_pages);

  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (mt_window_sign_in (window, user, MT_DEMO_PASSWORD, &error));
  g_assert_no_error (error);

  /* The sidebar holds exactly the pages the role may view */
  pages = mt_window_list_pages (window);
  for (guint i = 0; i < n_pages; i++)
    if (mt_actor_can_view (mt_window_get_actor (window), all[i].id))
      {
        g_assert_cmpstr (pages[n_visible], ==, all[i].id);
        n_visible++;
      }
  g_assert_cmpint (g_strv_length (pages), ==, n_visible);
  g_assert_cmpint (n_visible, >, 0);

  /* Every page opens and shows its rows, with no warning (fatal under G_DEBUG); its actions are
   * enabled exactly as the role's permissions say, and a disabled one has no button */
  for (guint i = 0; pages[i]; i++)
    {
      static const struct { const char *page, *action, *perm_page, *perm; } rules[] = {
        { "devices", "devices.transfer", "devices", "transfer" },
        { "devices", "devices.type", "devices", "edit" },
        { "devices", "devices.geofence", "geofences", "edit" },
        { "devices", "devices.bms", "bms", "view" },
        { "devices", "list.rent", "orders", "rent" },
        { "orders", "list.rent", "orders", "rent" },
        { "stores", "list.new", "stores", "edit" },
        { "stores", "list.delete", "stores", "delete" },
        { "repairs", "list.new", "repairs", "report" },
        { "alarms", "alarms.handle", "alarms", "handle" },
        { "deposit_refunds", "refunds.approve", "deposit_refunds", "approve" },
        { "withdrawals", "withdrawals.request", "withdrawals", "request" },
        { "withdrawals", "withdrawals.pay", "withdrawals", "approve" },
        { "members", "members.recharge", "recharges", "recharge" },
        { "members", "members.withdraw", "members", "withdraw" },
        { "member_cards", "member-cards.refund", "member_cards", "refund" },
        { "operators", "operators.disable", "operators", "edit" },
      };
      GtkWidget *page = mt_window_show_page (window, pages[i]);
      const MtActor *actor = mt_window_get_actor (window);

      g_assert_nonnull (page);
      iterate (60);
      for (guint r = 0; r < G_N_ELEMENTS (rules); r++)
        if (g_str_equal (rules[r].page, pages[i]) && MT_IS_LIST_PAGE (page))
          g_assert_cmpint (mt_list_page_action_enabled (MT_LIST_PAGE (page), rules[r].action), ==,
                           mt_actor_can (actor, rules[r].perm_page, rules[r].perm));
      if (MT_IS_LIST_PAGE (page))
        g_assert_true (mt_list_page_action_enabled (MT_LIST_PAGE (page), "list.export-csv"));
    }

  /* the primary menu's About and Keyboard Shortcuts open their windows */
  {
    g_autoptr(GList) before = gtk_window_list_toplevels ();
    g_autoptr(GList) after = NULL;
    gboolean about = FALSE, shortcuts = FALSE;

    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.about", NULL));
    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-help-overlay", NULL));
    iterate (100);
    after = gtk_window_list_toplevels ();
    for (GList *l = after; l; l = l->next)
      if (gtk_widget_get_visible (l->data))
        {
          about |= ADW_IS_ABOUT_WINDOW (l->data) && g_list_find (before, l->data) == NULL;
          shortcuts |= GTK_IS_SHORTCUTS_WINDOW (l->data);   /* the window's own, kept hidden */
          if (ADW_IS_ABOUT_WINDOW (l->data))
            gtk_window_destroy (l->data);
          else
            gtk_widget_set_visible (l->data, FALSE);
        }
    g_assert_true (about);
    g_assert_true (shortcuts);
  }
  /* and Sign Out, as its button does */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.sign-out", NULL));
  g_assert_null (mt_window_get_actor (window));
  gtk_window_destroy (GTK_WINDOW (window));
  iterate (50);
}

/* The first of @widget and its descendants that @match, or NULL */
static GtkWidget *
find_widget (GtkWidget     *widget,
             gboolean     (*match) (GtkWidget *widget, gconstpointer data),
             gconstpointer  data)
{
  if (match (widget, data))
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_widget (child, match, data);

      if (found)
        return found;
    }
  return NULL;
}

static gboolean
is_of_type (GtkWidget     *widget,
            gconstpointer  type)
{
  return G_TYPE_CHECK_INSTANCE_TYPE (widget, GPOINTER_TO_SIZE (type));
}

/* The first descendant of @widget of @type, or NULL */
static GtkWidget *
find_of_type (GtkWidget *widget,
              GType      type)
{
  return find_widget (widget, is_of_type, GSIZE_TO_POINTER (type));
}

static gboolean
is_label_with_text (GtkWidget     *widget,
                    gconstpointer  text)
{
  return GTK_IS_LABEL (widget) && gtk_widget_get_mapped (widget) &&
         g_strcmp0 (gtk_label_get_text (GTK_LABEL (widget)), text) == 0;
}

static GtkWidget *
find_label_with_text (GtkWidget  *widget,
                      const char *text)
{
  return find_widget (widget, is_label_with_text, text);
}

static gboolean
is_button_labelled (GtkWidget     *widget,
                    gconstpointer  label)
{
  return GTK_IS_BUTTON (widget) && g_strcmp0 (gtk_button_get_label (GTK_BUTTON (widget)), label) == 0;
}

static GtkWidget *
find_button (GtkWidget  *widget,
             const char *label)
{
  return find_widget (widget, is_button_labelled, label);
}

static void
count_calls (guint *count)
{
  (*count)++;
}

/* A search shows what it found on screen (rows are read again in place), and forgets the
 * selection: batch actions never reach a row the user did not pick */
static void
test_search_in_place (void)
{
  MtWindow *window = mt_window_new (app, db);
  g_autoptr(GError) error = NULL;
  g_autofree char *first = mt_db_query_text (db, "SELECT device_no FROM devices ORDER BY id LIMIT 1", NULL);
  g_autofree char *wanted = mt_db_query_text (db, "SELECT device_no FROM devices ORDER BY id LIMIT 1 OFFSET 7", NULL);
  MtListPage *page;
  GListModel *model;
  GtkSelectionModel *selection;
  g_autoptr(MtRowItem) item = NULL;

  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (mt_window_sign_in (window, "admin", MT_DEMO_PASSWORD, &error));
  page = MT_LIST_PAGE (mt_window_show_page (window, "devices"));
  iterate (100);
  g_assert_nonnull (find_label_with_text (GTK_WIDGET (page), first));   /* the list starts with it */

  model = mt_list_page_get_model (page);
  selection = mt_list_page_get_selection (page);
  gtk_selection_model_select_item (selection, 0, TRUE);
  g_assert_true (gtk_selection_model_is_selected (selection, 0));

  mt_list_page_set_search (page, wanted);
  iterate (100);
  model = mt_list_page_get_model (page);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 1);
  item = g_list_model_get_item (model, 0);
  g_assert_cmpstr (mt_row_item_get_cell (item, 0), ==, wanted);
  g_assert_nonnull (find_label_with_text (GTK_WIDGET (page), wanted));
  g_assert_null (find_label_with_text (GTK_WIDGET (page), first));
  g_assert_false (gtk_selection_model_is_selected (selection, 0));

  mt_list_page_set_search (page, NULL);
  iterate (100);
  g_assert_cmpuint (g_list_model_get_n_items (mt_list_page_get_model (page)), ==, 300);
  g_assert_nonnull (find_label_with_text (GTK_WIDGET (page), first));

  /* the rows on hand stay the same objects, read again, however far down they were: only the end
   * of the list grows or shrinks, and GTK keeps its row widgets */
  {
    GListModel *rows = mt_list_page_get_model (page);
    g_autoptr(MtRowItem) top = g_list_model_get_item (rows, 0);
    g_autoptr(MtRowItem) lower = g_list_model_get_item (rows, 150);
    g_autoptr(MtRowItem) top_after = NULL;
    g_autoptr(MtRowItem) lower_after = NULL;
    guint changes = 0;

    g_signal_connect_swapped (rows, "items-changed", G_CALLBACK (count_calls), &changes);
    mt_list_page_set_search (page, "230600");   /* every device: nothing added or removed */
    g_assert_cmpuint (changes, ==, 0);
    top_after = g_list_model_get_item (rows, 0);
    lower_after = g_list_model_get_item (rows, 150);
    g_assert_true (top_after == top);
    g_assert_true (lower_after == lower);
    mt_list_page_set_search (page, "23060001");   /* a hundred: the end shrinks */
    g_assert_cmpuint (changes, ==, 1);
    g_assert_cmpuint (g_list_model_get_n_items (rows), ==, 100);
    g_clear_object (&top_after);
    top_after = g_list_model_get_item (rows, 0);
    g_assert_true (top_after == top);
    g_assert_cmpstr (mt_row_item_get_cell (top_after, 0), ==, "2306000100");
    g_signal_handlers_disconnect_by_data (rows, &changes);
    mt_list_page_set_search (page, NULL);
  }

  gtk_window_destroy (GTK_WINDOW (window));
  iterate (50);
}

static void save_screenshot (GtkWidget *widget, const char *name);

/* A job that keeps the session's worker until *data is 0 */
static gpointer
hold_job (MtDb          *db,
          gpointer       data,
          GCancellable  *cancellable,
          GError       **error)
{
  while (g_atomic_int_get ((gint *) data))
    g_usleep (5000);
  return g_strdup ("held");
}

static gboolean
count_frames (GtkWidget     *widget,
              GdkFrameClock *clock,
              gpointer       data)
{
  (*(guint *) data)++;
  return G_SOURCE_CONTINUE;
}

static gboolean
is_search_entry_shown (GtkWidget     *widget,
                       gconstpointer  data)
{
  return GTK_IS_SEARCH_ENTRY (widget) && gtk_widget_get_mapped (widget);
}

static GtkWidget *
find_search_entry (GtkWidget *widget)
{
  return find_widget (widget, is_search_entry_shown, NULL);
}

/* Typed keys are answered on the worker once they pause: the list stays as it was meanwhile, an
 * answer to keys typed over is never shown, and the last text's rows come */
static void
test_search_typed (void)
{
  MtWindow *window = mt_window_new (app, db);
  g_autoptr(GError) error = NULL;
  g_autofree char *wanted = mt_db_query_text (db, "SELECT device_no FROM devices ORDER BY id LIMIT 1 OFFSET 11", NULL);
  guint shown = 0;
  MtListPage *page;
  GtkWidget *entry;

  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (mt_window_sign_in (window, "admin", MT_DEMO_PASSWORD, &error));
  page = MT_LIST_PAGE (mt_window_show_page (window, "devices"));
  iterate (100);
  g_signal_connect_swapped (page, "reloaded", G_CALLBACK (count_calls), &shown);
  entry = find_search_entry (GTK_WIDGET (page));
  g_assert_nonnull (entry);

  gtk_editable_set_text (GTK_EDITABLE (entry), "2");
  g_main_context_iteration (NULL, FALSE);
  gtk_editable_set_text (GTK_EDITABLE (entry), "23");   /* the next key, before "2" is answered */
  g_assert_cmpuint (g_list_model_get_n_items (mt_list_page_get_model (page)), ==, 300);   /* not answered yet */
  iterate (200);
  gtk_editable_set_text (GTK_EDITABLE (entry), wanted);
  settle (window);
  for (guint i = 0; i < 50 && g_list_model_get_n_items (mt_list_page_get_model (page)) != 1; i++)
    {
      iterate (100);
      settle (window);
    }
  g_assert_cmpuint (g_list_model_get_n_items (mt_list_page_get_model (page)), ==, 1);
  {
    g_autoptr(MtRowItem) item = g_list_model_get_item (mt_list_page_get_model (page), 0);

    g_assert_cmpstr (mt_row_item_get_cell (item, 0), ==, wanted);
    g_assert_cmpstr (mt_listing_get_search (mt_list_page_get_listing (page)), ==, wanted);
  }
  /* "2" was stopped by the next key before its answer was shown; "23" may have been answered
   * before the last text: at most those two answers shown, and the last one is the last text's */
  g_assert_cmpuint (shown, >=, 1);
  g_assert_cmpuint (shown, <=, 2);

  /* the worker busy with something long: typed keys wait for it, and the window goes on */
  {
    gint hold = 1;
    guint frames = 0;

    mt_context_run_async (mt_window_get_context (window), hold_job, &hold, NULL, g_free, NULL, NULL, NULL);
    gtk_editable_set_text (GTK_EDITABLE (entry), "");
    iterate (400);
    g_assert_cmpuint (g_list_model_get_n_items (mt_list_page_get_model (page)), ==, 1);   /* not answered yet */
    gtk_widget_add_tick_callback (GTK_WIDGET (page), count_frames, &frames, NULL);
    gtk_widget_queue_draw (GTK_WIDGET (page));
    iterate (300);
    g_assert_cmpuint (frames, >, 0);   /* drawn meanwhile */
    g_atomic_int_set (&hold, 0);
    settle (window);
    for (guint i = 0; i < 50 && g_list_model_get_n_items (mt_list_page_get_model (page)) != 300; i++)
      iterate (100);
    g_assert_cmpuint (g_list_model_get_n_items (mt_list_page_get_model (page)), ==, 300);
  }

  /* a filter chosen while an answer is awaited asks with the text as it is */
  gtk_editable_set_text (GTK_EDITABLE (entry), "");
  mt_list_page_reload (page);
  g_assert_cmpuint (g_list_model_get_n_items (mt_list_page_get_model (page)), ==, 300);
  settle (window);
  iterate (300);
  g_assert_cmpuint (g_list_model_get_n_items (mt_list_page_get_model (page)), ==, 300);

  gtk_window_destroy (GTK_WINDOW (window));
  iterate (50);
}

/* A search matching more rows than are worth counting says "more than" and its states' names
 * alone; scrolled to the end, the list counts as many more and grows; the search cleared, the
 * kept count is exact again */
static void
test_count_limit (void)
{
  MtWindow *window = mt_window_new (app, db);
  g_autoptr(GError) error = NULL;
  gint64 all = mt_db_query_int (db, 0, "SELECT count (*) FROM ledger WHERE deleted = 0", NULL);
  g_autofree char *more = g_strdup_printf (g_dgettext (GETTEXT_PACKAGE, "More than %u rows"), MT_LISTING_COUNT_LIMIT);
  g_autofree char *exact = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u row", "%u rows", (gulong) all), (guint) all);
  MtListPage *page;
  GListModel *model;

  gtk_window_set_default_size (GTK_WINDOW (window), 1500, 950);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (mt_window_sign_in (window, "admin", MT_DEMO_PASSWORD, &error));
  page = MT_LIST_PAGE (mt_window_show_page (window, "transactions"));
  iterate (100);
  g_assert_cmpint (all, >, MT_LISTING_COUNT_LIMIT + 100);
  g_assert_nonnull (find_label_with_text (GTK_WIDGET (page), exact));

  mt_list_page_set_search (page, "1");
  iterate (100);
  model = mt_list_page_get_model (page);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, MT_LISTING_COUNT_LIMIT + 1);
  g_assert_nonnull (find_label_with_text (GTK_WIDGET (page), more));
  iterate (600);   /* the sign-in screen's crossfade over */
  save_screenshot (GTK_WIDGET (window), "count-limit.png");

  /* near the end: counted further */
  g_object_unref (g_list_model_get_item (model, MT_LISTING_COUNT_LIMIT - 10));
  for (guint i = 0; i < 50 && g_list_model_get_n_items (model) == MT_LISTING_COUNT_LIMIT + 1; i++)
    iterate (100);
  g_assert_cmpuint (g_list_model_get_n_items (model), >, MT_LISTING_COUNT_LIMIT + 1);
  g_assert_null (find_label_with_text (GTK_WIDGET (page), more));
  {
    g_autoptr(MtListing) listing = mt_listing_new (db, mt_window_get_actor (window), "transactions", NULL);

    mt_listing_set_search (listing, "1");
    mt_listing_set_count_limit (listing, 0);
    g_assert_cmpuint (g_list_model_get_n_items (model), <=, mt_listing_count (listing));
  }

  mt_list_page_set_search (page, NULL);
  iterate (100);
  g_assert_cmpuint (g_list_model_get_n_items (mt_list_page_get_model (page)), ==, (guint) all);
  g_assert_nonnull (find_label_with_text (GTK_WIDGET (page), exact));

  gtk_window_destroy (GTK_WINDOW (window));
  iterate (50);
}


/* The row widgets a column view has made (its list view's children named "row") */
static guint
count_row_widgets (GtkWidget *column_view)
{
  GtkWidget *list = find_of_type (column_view, GTK_TYPE_LIST_VIEW);
  guint n = 0;

  for (GtkWidget *child = gtk_widget_get_first_child (list); child; child = gtk_widget_get_next_sibling (child))
    n += g_str_equal (gtk_widget_get_css_name (child), "row");
  return n;
}

/* A big list shows its first screenful in its first frame and lets the other rows in a step a
 * frame (GTK 4.8 would build 200 rows of widgets before painting any); the page's model and its
 * selection hold every row meanwhile; a search cleared lets its rows in again the same way; a
 * key typed reads on the worker every row GTK holds */
static void
test_rows_staged (void)
{
  MtWindow *window = mt_window_new (app, db);
  g_autoptr(GError) error = NULL;
  guint all = (guint) mt_db_query_int (db, 0, "SELECT count (*) FROM ledger WHERE deleted = 0", NULL);
  g_autofree char *number = mt_db_query_text (db, "SELECT txn_no FROM ledger WHERE deleted = 0 LIMIT 1", NULL);
  GtkSelectionModel *selection;
  GListModel *shown;
  GtkWidget *view;
  MtListPage *page;
  guint frames = 0, most = 0, grown = 0;

  gtk_window_set_default_size (GTK_WINDOW (window), 1500, 950);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (mt_window_sign_in (window, "admin", MT_DEMO_PASSWORD, &error));
  iterate (300);
  page = MT_LIST_PAGE (mt_window_show_page (window, "transactions"));
  view = find_of_type (GTK_WIDGET (page), GTK_TYPE_COLUMN_VIEW);
  shown = G_LIST_MODEL (gtk_column_view_get_model (GTK_COLUMN_VIEW (view)));
  selection = mt_list_page_get_selection (page);
  g_assert_cmpuint (all, >, 1000);
  g_assert_cmpuint (g_list_model_get_n_items (mt_list_page_get_model (page)), ==, all);
  g_assert_cmpuint (g_list_model_get_n_items (shown), ==, 50);
  g_assert_cmpuint (count_row_widgets (view), <=, 50);

  /* a row not let in yet can be selected (the view does not show it yet) */
  g_assert_true (gtk_selection_model_select_item (selection, 150, TRUE));
  g_assert_true (gtk_selection_model_is_selected (selection, 150));
  g_assert_false (gtk_selection_model_is_selected (GTK_SELECTION_MODEL (shown), 149));

  /* then 50 more a frame (a frame may pass before the view's first), past GTK's 200 all at once */
  while (g_list_model_get_n_items (shown) < all && frames < 20)
    {
      GdkFrameClock *clock = gtk_widget_get_frame_clock (view);
      gint64 frame = gdk_frame_clock_get_frame_counter (clock);
      guint before = g_list_model_get_n_items (shown), now;

      while (gdk_frame_clock_get_frame_counter (clock) == frame)
        g_main_context_iteration (NULL, TRUE);
      now = g_list_model_get_n_items (shown);
      most = MAX (most, count_row_widgets (view));
      g_assert_true (now == all || (now >= before && now - before <= 50));
      grown += now > before;
      frames++;
    }
  g_assert_cmpuint (g_list_model_get_n_items (shown), ==, all);
  g_assert_cmpuint (grown, ==, 3);   /* 100, 150, then all (200 reaches GTK's own count) */
  g_assert_cmpuint (most, <=, 210);   /* GTK 4.8 keeps 200, and a few around its focus and selection */
  iterate (100);
  g_assert_cmpuint (count_row_widgets (view), >, 50);
  g_assert_true (gtk_selection_model_select_item (selection, 150, TRUE));
  g_assert_true (gtk_selection_model_is_selected (GTK_SELECTION_MODEL (shown), 150));

  /* Ctrl+A in the view selects the whole list, without reading its rows (GtkMultiSelection read
   * every one); ranges and single rows are selected and unselected as before */
  {
    guint statements = 0;
    g_autoptr(GtkBitset) set = NULL;

    mt_test_count_statements (db, &statements);
    g_assert_true (gtk_widget_activate_action (find_of_type (view, GTK_TYPE_LIST_VIEW), "list.select-all", NULL));
    mt_test_count_statements (db, NULL);
    g_assert_cmpuint (statements, ==, 0);
    g_assert_true (gtk_selection_model_is_selected (selection, all - 1));
    set = gtk_selection_model_get_selection (selection);
    g_assert_cmpuint (gtk_bitset_get_size (set), ==, all);
    g_assert_true (gtk_selection_model_unselect_range (selection, 10, 20));
    g_assert_false (gtk_selection_model_is_selected (selection, 29));
    g_assert_true (gtk_selection_model_is_selected (selection, 30));
    g_assert_true (gtk_selection_model_is_selected (selection, 9));
    gtk_selection_model_unselect_all (selection);
    gtk_selection_model_select_item (selection, 150, FALSE);
    gtk_selection_model_select_item (selection, 160, FALSE);
    g_clear_pointer (&set, gtk_bitset_unref);
    set = gtk_selection_model_get_selection (selection);
    g_assert_cmpuint (gtk_bitset_get_size (set), ==, 2);
    gtk_selection_model_select_item (selection, 155, TRUE);
    g_assert_false (gtk_selection_model_is_selected (selection, 150));
    g_assert_true (gtk_selection_model_is_selected (selection, 155));
    gtk_selection_model_unselect_all (selection);
  }

  /* a key typed while GTK holds rows of three pages: the worker reads them all with the count,
   * and the answer is shown without a query on the window's own connection */
  {
    GtkWidget *entry = find_of_type (GTK_WIDGET (page), GTK_TYPE_SEARCH_ENTRY);
    g_autoptr(MtListing) listing = mt_listing_copy (mt_list_page_get_listing (page), db);
    g_autoptr(GPtrArray) expected = NULL;
    guint answers = 0, statements = 0;
    gulong handler = g_signal_connect_swapped (page, "reloaded", G_CALLBACK (count_calls), &answers);

    g_assert_cmpuint (mt_row_model_get_rows_held (MT_ROW_MODEL (mt_list_page_get_model (page))), >=, 300);
    mt_listing_set_search (listing, "1");
    expected = mt_listing_fetch (listing, 0, 300);
    g_assert_cmpuint (expected->len, ==, 300);
    mt_test_count_statements (db, &statements);
    gtk_editable_set_text (GTK_EDITABLE (entry), "1");
    while (answers == 0)
      g_main_context_iteration (NULL, TRUE);
    mt_test_count_statements (db, NULL);
    g_assert_cmpuint (statements, ==, 0);
    for (guint i = 0; i < expected->len; i++)
      {
        g_autoptr(MtRowItem) item = g_list_model_get_item (mt_list_page_get_model (page), i);

        g_assert_cmpint (mt_row_item_get_id (item), ==, ((MtListRow *) expected->pdata[i])->id);
      }
    g_signal_handler_disconnect (page, handler);
    gtk_editable_set_text (GTK_EDITABLE (entry), "");
    settle (window);
    for (guint i = 0; i < 50 && g_list_model_get_n_items (mt_list_page_get_model (page)) != all; i++)
      iterate (50);
    g_assert_cmpuint (g_list_model_get_n_items (mt_list_page_get_model (page)), ==, all);
    for (guint i = 0; i < 50 && g_list_model_get_n_items (shown) < all; i++)
      iterate (20);
  }

  /* a search for one row, cleared: a screenful at once, the rest by frames */
  mt_list_page_set_search (page, number);
  iterate (100);
  g_assert_cmpuint (g_list_model_get_n_items (shown), ==, 1);
  mt_list_page_set_search (page, NULL);
  g_assert_cmpuint (g_list_model_get_n_items (mt_list_page_get_model (page)), ==, all);
  g_assert_cmpuint (g_list_model_get_n_items (shown), ==, 50);
  for (guint i = 0; i < 50 && g_list_model_get_n_items (shown) < all; i++)
    iterate (20);
  g_assert_cmpuint (g_list_model_get_n_items (shown), ==, all);

  gtk_window_destroy (GTK_WINDOW (window));
  iterate (50);
}


static void
count_changed (MtRowItem *item,
               guint     *n)
{
  (*n)++;
}

/* A page far into a big list is not counted off on the main thread: its rows come empty at once
 * and are filled from the worker; the page after it is then read at once by the keys found there;
 * a load asked for before a new question is dropped */
static void
test_far_pages (void)
{
  MtWindow *window = mt_window_new (app, db);
  g_autoptr(GError) error = NULL;
  g_autoptr(MtRowItem) far = NULL;
  g_autoptr(MtRowItem) next = NULL;
  g_autoptr(MtListing) listing = NULL;
  g_autoptr(GPtrArray) expected = NULL;
  guint changed = 0;
  MtListPage *page;
  GListModel *model;

  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (mt_window_sign_in (window, "admin", MT_DEMO_PASSWORD, &error));
  page = MT_LIST_PAGE (mt_window_show_page (window, "transactions"));
  iterate (100);
  model = mt_list_page_get_model (page);
  g_assert_cmpuint (g_list_model_get_n_items (model), >, 10200);
  listing = mt_listing_new (db, mt_window_get_actor (window), "transactions", NULL);
  expected = mt_listing_fetch (listing, 10000, 200);

  far = g_list_model_get_item (model, 10000);
  g_assert_cmpint (mt_row_item_get_id (far), ==, 0);   /* empty while read on the worker */
  g_assert_cmpstr (mt_row_item_get_cell (far, 0), ==, "");
  g_assert_true (mt_row_model_is_loading (MT_ROW_MODEL (model)));
  g_signal_connect (far, "changed", G_CALLBACK (count_changed), &changed);
  for (guint i = 0; i < 100 && mt_row_model_is_loading (MT_ROW_MODEL (model)); i++)
    iterate (20);
  g_assert_false (mt_row_model_is_loading (MT_ROW_MODEL (model)));
  g_assert_cmpuint (changed, ==, 1);
  g_assert_cmpint (mt_row_item_get_id (far), ==, ((MtListRow *) expected->pdata[0])->id);
  g_assert_cmpstr (mt_row_item_get_cell (far, 0), ==, ((MtListRow *) expected->pdata[0])->cells[0]);

  /* the page after it: read here at once, after the worker's page's last row */
  next = g_list_model_get_item (model, 10100);
  g_assert_false (mt_row_model_is_loading (MT_ROW_MODEL (model)));
  g_assert_cmpint (mt_row_item_get_id (next), ==, ((MtListRow *) expected->pdata[100])->id);

  /* a far page asked for, then another question: its answer is not shown */
  {
    g_autoptr(MtRowItem) other = g_list_model_get_item (model, 5000);

    g_assert_cmpint (mt_row_item_get_id (other), ==, 0);
    mt_list_page_set_search (page, mt_row_item_get_cell (next, 0));   /* one transaction */
    g_assert_cmpuint (g_list_model_get_n_items (model), ==, 1);
    g_assert_false (mt_row_model_is_loading (MT_ROW_MODEL (model)));
    iterate (300);
    g_assert_cmpint (mt_row_item_get_id (other), ==, 0);
  }

  gtk_window_destroy (GTK_WINDOW (window));
  iterate (50);
}


static GtkWindow *find_window (GType type);
static void close_windows (GType type);

/* Signs in as headquarters and opens @page_id's new-record form through its list.new action */
static MtFormDialog *
open_new_form (MtWindow   *window,
               const char *page_id)
{
  g_autoptr(GError) error = NULL;
  MtFormDialog *form = NULL;
  GtkWidget *page;

  gtk_window_set_default_size (GTK_WINDOW (window), 1400, 860);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (mt_window_sign_in (window, "admin", MT_DEMO_PASSWORD, &error));
  page = mt_window_show_page (window, page_id);
  settle (window);
  g_assert_true (gtk_widget_activate_action (page, "list.new", NULL));
  iterate (200);
  form = MT_FORM_DIALOG (find_window (MT_TYPE_FORM_DIALOG));
  g_assert_nonnull (form);
  return form;
}

/* 新增运营商 through the operators page's action: its login account in the same form, offline
 * payment on from the start; a name taken is refused in the form and leaves nothing behind */
static void
test_operator_form (void)
{
  const char *messages = setlocale (LC_MESSAGES, NULL);
  gboolean chinese = messages && g_str_has_prefix (messages, "zh_CN");
  MtWindow *window = mt_window_new (app, db);
  MtFormDialog *form = NULL;
  gint64 operators = mt_db_query_int (db, 0, "SELECT count (*) FROM operators", NULL);
  g_autofree char *username = g_strdup_printf ("op%u", g_random_int_range (10000, 99999));

  form = open_new_form (window, "operators");
  mt_form_dialog_set_value (form, "name", "宁夏换电运营");
  mt_form_dialog_set_value (form, "parent_id", "1");
  mt_form_dialog_set_value (form, "contact", "马六");
  mt_form_dialog_set_value (form, "phone", "13912340001");
  mt_form_dialog_set_value (form, "account_username", "east");   /* taken */
  mt_form_dialog_set_value (form, "account_password", "ningxia-pass");
  if (chinese)
    save_screenshot (GTK_WIDGET (form), "operator-form.png");
  g_assert_cmpint (form_save (window, form), ==, 0);
  g_assert_nonnull (strstr (mt_form_dialog_get_error (form), _("Login account")));
  g_assert_cmpint (mt_db_query_int (db, 0, "SELECT count (*) FROM operators", NULL), ==, operators);
  mt_form_dialog_set_value (form, "account_username", username);
  g_assert_cmpint (form_save (window, form), >, 0);
  g_assert_cmpint (mt_db_query_int (db, 0, "SELECT count (*) FROM operators", NULL), ==, operators + 1);
  g_assert_cmpint (mt_db_query_int (db, 0, "SELECT o.caps & 8 FROM accounts a JOIN operators o ON o.id = a.operator_id "
                                           "WHERE a.username = ?", "t", username), ==, 8);
  gtk_window_destroy (GTK_WINDOW (window));
  iterate (50);
}

/* 角色管理: the permissions as the admin's tree, group → page → action, driven by its checks */
static void
test_permission_tree (void)
{
  const char *messages = setlocale (LC_MESSAGES, NULL);
  gboolean chinese = messages && g_str_has_prefix (messages, "zh_CN");
  MtWindow *window = mt_window_new (app, db);
  MtFormDialog *form = NULL;
  MtPermissionTree *tree;
  g_autofree char *held = NULL;
  g_autofree char *saved = NULL;
  g_autofree char *name = g_strdup_printf ("巡检员%u", g_random_int_range (100, 999));

  form = open_new_form (window, "roles");
  tree = MT_PERMISSION_TREE (mt_form_dialog_get_field_widget (form, "permissions"));
  g_assert_nonnull (tree);

  /* a page's check holds all its actions; one taken away leaves it mixed */
  g_assert_true (mt_permission_tree_set_active (tree, "devices", TRUE));
  held = mt_permission_tree_get_permissions (tree);
  g_assert_nonnull (strstr (held, "devices:view"));
  g_assert_nonnull (strstr (held, "devices:power"));
  g_assert_null (strstr (held, "bms:"));
  g_assert_true (mt_permission_tree_is_mixed (tree, "g:devices"));   /* the group's other pages are not */
  g_assert_false (mt_permission_tree_is_mixed (tree, "devices"));
  g_assert_true (mt_permission_tree_set_active (tree, "devices:delete", FALSE));
  g_assert_true (mt_permission_tree_is_mixed (tree, "devices"));
  /* a group's check: every page in it */
  g_assert_true (mt_permission_tree_set_active (tree, "g:alarms", TRUE));
  g_clear_pointer (&held, g_free);
  held = mt_permission_tree_get_permissions (tree);
  g_assert_nonnull (strstr (held, "alarms:handle"));
  g_assert_nonnull (strstr (held, "alarm_types:view"));
  g_assert_null (strstr (held, "devices:delete"));
  if (chinese)
    {
      gtk_window_set_default_size (GTK_WINDOW (form), 760, 980);
      iterate (700);   /* the groups' rows have opened */
      save_screenshot (GTK_WIDGET (form), "permission-tree.png");
    }
  mt_form_dialog_set_value (form, "name", name);
  g_assert_cmpint (form_save (window, form), >, 0);
  saved = mt_db_query_text (db, "SELECT permissions FROM roles WHERE name = ?", "t", name);
  g_assert_cmpstr (saved, ==, held);
  gtk_window_destroy (GTK_WINDOW (window));
  iterate (50);
}

/* The first open window of @type, or NULL */
static GtkWindow *
find_window (GType type)
{
  GListModel *tops = gtk_window_get_toplevels ();

  for (guint t = 0; t < g_list_model_get_n_items (tops); t++)
    {
      g_autoptr(GtkWindow) top = g_list_model_get_item (tops, t);

      if (G_TYPE_CHECK_INSTANCE_TYPE (top, type) && gtk_widget_get_visible (GTK_WIDGET (top)))
        return top;
    }
  return NULL;
}

static void
close_windows (GType type)
{
  GtkWindow *top;

  while ((top = find_window (type)) != NULL)
    gtk_window_destroy (top);
}

static gboolean
has_css_class_shown (GtkWidget     *widget,
                     gconstpointer  name)
{
  return gtk_widget_get_mapped (widget) && gtk_widget_has_css_class (widget, name);
}

/* The first widget shown under @widget with the CSS class @name */
static GtkWidget *
find_css_class (GtkWidget  *widget,
                const char *name)
{
  return find_widget (widget, has_css_class_shown, name);
}

/* 操作: each row's actions as the admin shows them, as row.ID actions with the row's id; the
 * role's permissions decide which there are */
static void
test_row_actions (void)
{
  const char *messages = setlocale (LC_MESSAGES, NULL);
  gboolean chinese = messages && g_str_has_prefix (messages, "zh_CN");
  MtWindow *window = mt_window_new (app, db);
  g_autoptr(GError) error = NULL;
  GtkWidget *page;
  gint64 device, order, store, alarm;
  GListModel *columns;

  gtk_window_set_default_size (GTK_WINDOW (window), 1500, 860);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (mt_window_sign_in (window, "admin", MT_DEMO_PASSWORD, &error));

  /* devices: BMS 轨迹 编辑 更多, the column last */
  page = mt_window_show_page (window, "devices");
  settle (window);
  iterate (200);
  columns = gtk_column_view_get_columns (GTK_COLUMN_VIEW (mt_list_page_get_column_view (MT_LIST_PAGE (page))));
  {
    g_autoptr(GtkColumnViewColumn) last = g_list_model_get_item (columns, g_list_model_get_n_items (columns) - 1);

    g_assert_cmpstr (gtk_column_view_column_get_title (last), ==, _("Actions"));
  }
  if (chinese)
    save_screenshot (GTK_WIDGET (window), "devices-actions.png");
  /* 全部 / 在线 / 离线 */
  {
    guint total = 0;
    g_autofree guint *counts = mt_listing_filter_counts (mt_list_page_get_listing (MT_LIST_PAGE (page)), "online",
                                                         &total);
    gint64 online = mt_db_query_int (db, -1, "SELECT count (*) FROM devices d LEFT JOIN device_status st ON "
                                             "st.device_id = d.id WHERE d.deleted = 0 AND coalesce (st.online, 0) = 1",
                                     NULL);

    g_assert_nonnull (counts);
    g_assert_cmpint (counts[0], ==, online);
    g_assert_cmpint (total, ==, mt_listing_count (mt_list_page_get_listing (MT_LIST_PAGE (page))));
    g_assert_true (mt_list_page_set_online (MT_LIST_PAGE (page), "1"));
    settle (window);
    g_assert_cmpint (mt_listing_count (mt_list_page_get_listing (MT_LIST_PAGE (page))), ==, online);
    g_assert_true (mt_list_page_set_online (MT_LIST_PAGE (page), NULL));
    settle (window);
    g_assert_cmpint (mt_listing_count (mt_list_page_get_listing (MT_LIST_PAGE (page))), ==, total);
  }
  device = mt_db_query_int (db, 0, "SELECT id FROM devices WHERE deleted = 0 ORDER BY id LIMIT 1", NULL);
  /* the 操作 cell: one label a row, its actions as links with their shortcuts as tooltips; a
   * link acts on the row the cell shows (更多 pops up a menu: under Xvfb that trips GDK's monitor
   * lookup, so only its link is looked at) */
  {
    GtkWidget *links = find_css_class (page, "row-actions");
    g_autofree char *bms = g_strdup_printf (">%s</a>", _("BMS"));
    g_autofree char *more = g_strdup_printf (">%s</a>", _("More"));
    GtkListItem *item;
    gboolean handled = FALSE;
    gint64 shown;

    g_assert_nonnull (links);
    g_assert_true (GTK_IS_LABEL (links));
    g_assert_null (gtk_widget_get_first_child (links));
    g_assert_nonnull (strstr (gtk_label_get_label (GTK_LABEL (links)), bms));
    g_assert_nonnull (strstr (gtk_label_get_label (GTK_LABEL (links)), more));
    g_assert_nonnull (strstr (gtk_label_get_label (GTK_LABEL (links)), "title=\"Alt+B\""));
    item = g_object_get_data (G_OBJECT (links), "list-item");
    shown = mt_row_item_get_id (gtk_list_item_get_item (item));
    g_signal_emit_by_name (links, "activate-link", "bms", &handled);
    g_assert_true (handled);
    iterate (100);
    g_assert_nonnull (find_window (MT_TYPE_BMS_DIALOG));
    close_windows (MT_TYPE_BMS_DIALOG);
    {
      g_autoptr(GArray) ids = mt_list_page_get_selected_ids (MT_LIST_PAGE (page));

      g_assert_cmpuint (ids->len, ==, 1);
      g_assert_cmpint (g_array_index (ids, gint64, 0), ==, shown);
    }
  }
  g_assert_true (gtk_widget_activate_action (page, "row.edit", "x", device));
  iterate (100);
  g_assert_nonnull (find_window (MT_TYPE_FORM_DIALOG));
  close_windows (MT_TYPE_FORM_DIALOG);
  /* the row acted on is the one selected */
  {
    g_autoptr(GArray) ids = mt_list_page_get_selected_ids (MT_LIST_PAGE (page));

    g_assert_cmpuint (ids->len, ==, 1);
    g_assert_cmpint (g_array_index (ids, gint64, 0), ==, device);
  }
  g_assert_true (gtk_widget_activate_action (page, "row.bms", "x", device));
  iterate (100);
  g_assert_nonnull (find_window (MT_TYPE_BMS_DIALOG));
  close_windows (MT_TYPE_BMS_DIALOG);
  /* the QR code as its label has it */
  {
    guint before = g_list_model_get_n_items (gtk_window_get_toplevels ());

    g_assert_true (gtk_widget_activate_action (page, "row.qr", "x", device));
    iterate (100);
    g_assert_cmpuint (g_list_model_get_n_items (gtk_window_get_toplevels ()), ==, before + 1);
    close_windows (ADW_TYPE_WINDOW);
  }
  g_assert_true (gtk_widget_activate_action (page, "row.track", "x", device));
  settle (window);
  g_assert_cmpstr (mt_window_get_page (window), ==, "tracks");

  /* orders: 详情 结束订单 更换设备 续期, each opening the order where it acts */
  page = mt_window_show_page (window, "orders");
  settle (window);
  order = mt_db_query_int (db, 0, "SELECT id FROM orders WHERE state = 'active' AND deleted = 0 ORDER BY id DESC LIMIT 1",
                           NULL);
  g_assert_true (gtk_widget_activate_action (page, "row.end", "x", order));
  iterate (100);
  g_assert_nonnull (find_window (MT_TYPE_ORDER_DIALOG));
  close_windows (MT_TYPE_ORDER_DIALOG);
  g_assert_true (gtk_widget_activate_action (page, "row.renew", "x", order));
  iterate (100);
  g_assert_nonnull (find_window (MT_TYPE_ORDER_DIALOG));
  close_windows (MT_TYPE_ORDER_DIALOG);

  /* a day from the calendar narrows the orders as a typed date does */
  {
    GtkWidget *from = mt_list_page_get_date_entry (MT_LIST_PAGE (page), FALSE);
    GtkWidget *to = mt_list_page_get_date_entry (MT_LIST_PAGE (page), TRUE);
    guint all = mt_listing_count (mt_list_page_get_listing (MT_LIST_PAGE (page)));
    g_autofree char *day = mt_db_query_text (db, "SELECT date (max (start_at) / 1000000, 'unixepoch', 'localtime') "
                                                 "FROM orders", NULL);

    g_assert_true (mt_date_picker_choose (from, day));
    g_assert_true (mt_date_picker_choose (to, day));
    settle (window);
    g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (from)), ==, day);
    g_assert_cmpuint (mt_listing_count (mt_list_page_get_listing (MT_LIST_PAGE (page))), <, all);
    g_assert_cmpuint (mt_listing_count (mt_list_page_get_listing (MT_LIST_PAGE (page))), >, 0);
    mt_list_page_set_dates (MT_LIST_PAGE (page), "", "");
    settle (window);
  }

  /* alarms: 处理 详情 曲线 */
  page = mt_window_show_page (window, "alarms");
  settle (window);
  alarm = mt_db_query_int (db, 0, "SELECT id FROM alarms WHERE deleted = 0 ORDER BY id DESC LIMIT 1", NULL);
  g_assert_true (gtk_widget_activate_action (page, "row.curve", "x", alarm));
  iterate (100);
  g_assert_nonnull (find_window (MT_TYPE_ALARM_DIALOG));
  close_windows (MT_TYPE_ALARM_DIALOG);
  /* 设置报警类型 as a dialog over the list */
  {
    guint before = g_list_model_get_n_items (gtk_window_get_toplevels ());
    GtkWindow *types = NULL;

    g_assert_true (gtk_widget_activate_action (page, "alarms.types", NULL));
    iterate (100);
    g_assert_cmpuint (g_list_model_get_n_items (gtk_window_get_toplevels ()), ==, before + 1);
    for (guint t = 0; types == NULL && t < g_list_model_get_n_items (gtk_window_get_toplevels ()); t++)
      {
        g_autoptr(GtkWindow) top = g_list_model_get_item (gtk_window_get_toplevels (), t);

        if (gtk_window_get_transient_for (top) == GTK_WINDOW (window) && gtk_window_get_modal (top))
          types = top;
      }
    g_assert_nonnull (types);
    g_assert_nonnull (gtk_widget_get_first_child (GTK_WIDGET (types)));
    gtk_window_destroy (types);
  }

  /* stores: 编辑 详情 删除 */
  page = mt_window_show_page (window, "stores");
  settle (window);
  store = mt_db_query_int (db, 0, "SELECT id FROM stores WHERE deleted = 0 ORDER BY id LIMIT 1", NULL);
  if (chinese)
    save_screenshot (GTK_WIDGET (window), "stores-list.png");
  g_assert_true (gtk_widget_activate_action (page, "row.detail", "x", store));
  iterate (100);
  g_assert_nonnull (find_window (ADW_TYPE_MESSAGE_DIALOG));
  close_windows (ADW_TYPE_MESSAGE_DIALOG);
  gtk_window_destroy (GTK_WINDOW (window));
  iterate (50);

  /* a store manager: BMS and 轨迹, no 编辑 of devices */
  window = mt_window_new (app, db);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (mt_window_sign_in (window, "store", MT_DEMO_PASSWORD, &error));
  page = mt_window_show_page (window, "devices");
  settle (window);
  device = mt_db_query_int (db, 0, "SELECT id FROM devices WHERE store_id = ? AND deleted = 0 ORDER BY id LIMIT 1", "i",
                            mt_window_get_actor (window)->store_id);
  g_assert_false (gtk_widget_activate_action (page, "row.edit", "x", device));
  g_assert_true (gtk_widget_activate_action (page, "row.bms", "x", device));
  iterate (100);
  g_assert_nonnull (find_window (MT_TYPE_BMS_DIALOG));
  close_windows (MT_TYPE_BMS_DIALOG);
  gtk_window_destroy (GTK_WINDOW (window));
  iterate (50);
}

/* 合同模板: placeholders by their names and the simple formatting, through the editor's actions
 * (its menu button and its right-click menu share them) */
static void
test_contract_editor (void)
{
  const char *messages = setlocale (LC_MESSAGES, NULL);
  gboolean chinese = messages && g_str_has_prefix (messages, "zh_CN");
  MtWindow *window = mt_window_new (app, db);
  g_autoptr(GError) error = NULL;
  MtFormDialog *form;
  GtkWidget *view;
  GtkTextBuffer *buffer;
  GtkTextIter start, end;
  g_autofree char *text = NULL;
  g_autofree char *party_a = NULL;

  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (mt_window_sign_in (window, "admin", MT_DEMO_PASSWORD, &error));
  form = mt_form_dialog_new (GTK_WINDOW (window), mt_window_get_context (window), mt_entity_lookup ("billing_rules"),
                             mt_db_query_int (db, 0, "SELECT min (id) FROM billing_rules WHERE deleted = 0", NULL));
  gtk_window_set_default_size (GTK_WINDOW (form), 760, 900);
  gtk_window_present (GTK_WINDOW (form));
  iterate (100);
  view = mt_form_dialog_get_field_widget (form, "contract");
  g_assert_true (GTK_IS_TEXT_VIEW (view));
  buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (view));
  gtk_text_buffer_set_text (buffer, "租赁合同\n", -1);
  gtk_text_buffer_get_start_iter (buffer, &start);
  gtk_text_buffer_place_cursor (buffer, &start);
  g_assert_true (gtk_widget_activate_action (view, "contract.format", "s", "heading"));
  gtk_text_buffer_get_end_iter (buffer, &end);
  gtk_text_buffer_place_cursor (buffer, &end);
  g_assert_true (gtk_widget_activate_action (view, "contract.insert", "s", "party_a"));
  g_assert_true (gtk_widget_activate_action (view, "contract.format", "s", "table"));
  gtk_text_buffer_get_bounds (buffer, &start, &end);
  text = gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
  party_a = g_strdup_printf ("{%s}", mt_contract_placeholder_title ("party_a"));
  g_assert_true (g_str_has_prefix (text, "# 租赁合同\n"));
  g_assert_nonnull (strstr (text, party_a));
  g_assert_nonnull (strstr (text, "|---|---|"));
  if (chinese)
    {
      g_assert_cmpstr (party_a, ==, "{甲方}");
      gtk_widget_grab_focus (view);   /* the page scrolls to the contract */
      iterate (300);
      save_screenshot (GTK_WIDGET (form), "contract-editor.png");
    }
  gtk_window_destroy (GTK_WINDOW (form));
  gtk_window_destroy (GTK_WINDOW (window));
  iterate (50);
}

static void
test_store_form (void)
{
  MtWindow *window = mt_window_new (app, db);
  g_autoptr(GError) error = NULL;
  MtFormDialog *form;
  gint64 stores = mt_db_query_int (db, 0, "SELECT count(*) FROM stores", NULL);

  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (mt_window_sign_in (window, "admin", MT_DEMO_PASSWORD, &error));
  form = mt_form_dialog_new (GTK_WINDOW (window), mt_window_get_context (window), mt_entity_lookup ("stores"), 0);
  gtk_window_present (GTK_WINDOW (form));
  iterate (100);
  mt_form_dialog_set_value (form, "name", "界面门店");
  mt_form_dialog_set_value (form, "operator_id", "2");
  mt_form_dialog_set_value (form, "mobile", "1381234567");
  mt_form_dialog_set_value (form, "password", "secret-pass");
  mt_form_dialog_set_value (form, "manager", "李四");
  mt_form_dialog_set_value (form, "manager_id_card", "11010519491231002X");
  mt_form_dialog_set_value (form, "region_code", "310115");
  mt_form_dialog_set_value (form, "address", "张杨路 2 号");
  g_assert_cmpint (form_save (window, form), ==, 0);
  g_assert_nonnull (strstr (mt_form_dialog_get_error (form), _("Main account (mobile)")));
  mt_form_dialog_set_value (form, "mobile", "13812345678");
  /* business hours from the two time choices */
  mt_form_dialog_set_value (form, "hours", "07:30-21:00");
  if (g_str_has_prefix (setlocale (LC_MESSAGES, NULL) ? setlocale (LC_MESSAGES, NULL) : "", "zh_CN"))
    save_screenshot (GTK_WIDGET (form), "store-form.png");
  g_assert_cmpint (form_save (window, form), >, 0);   /* and the dialog closes */
  g_assert_cmpint (mt_db_query_int (db, 0, "SELECT open_minute * 10000 + close_minute FROM stores WHERE name = '界面门店'",
                                    NULL), ==, 450 * 10000 + 1260);
  g_assert_cmpint (mt_db_query_int (db, 0, "SELECT count(*) FROM stores", NULL), ==, stores + 1);

  {
    gint64 repair = mt_db_query_int (db, 0, "SELECT id FROM repairs WHERE state = 'pending' LIMIT 1", NULL);
    MtRepairDialog *dialog = mt_repair_dialog_new (GTK_WINDOW (window), mt_window_get_context (window), repair);
    gtk_window_present (GTK_WINDOW (dialog));
    iterate (100);
    gtk_window_destroy (GTK_WINDOW (dialog));
  }
  gtk_window_destroy (GTK_WINDOW (window));
  iterate (50);
}

static void
collect_popovers (GtkWidget *widget,
                  GPtrArray *out)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child; child = gtk_widget_get_next_sibling (child))
    {
      if (GTK_IS_POPOVER (child) && gtk_widget_get_mapped (child))
        g_ptr_array_add (out, child);
      collect_popovers (child, out);
    }
}

/* With MT_SCREENSHOT_DIR set, the Chinese walk saves what a person should look at */
static void
save_screenshot (GtkWidget  *widget,
                 const char *name)
{
  const char *dir = g_getenv ("MT_SCREENSHOT_DIR");
  g_autoptr(GdkPaintable) paintable = NULL;
  g_autoptr(GtkSnapshot) snapshot = NULL;
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *path = NULL;
  GskRenderer *renderer;
  int width = gtk_widget_get_width (widget), height = gtk_widget_get_height (widget);

  if (dir == NULL)
    return;
  paintable = gtk_widget_paintable_new (widget);
  for (guint attempt = 0; node == NULL && attempt < 20; attempt++)
    {
      iterate (50);   /* until the page has been laid out and drawn once */
      snapshot = gtk_snapshot_new ();
      gdk_paintable_snapshot (paintable, snapshot, width, height);
      node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
    }
  g_assert_nonnull (node);
  {
    /* popovers are surfaces of their own: drawn over, under the widget they point from */
    g_autoptr(GtkSnapshot) all = gtk_snapshot_new ();
    g_autoptr(GPtrArray) popovers = g_ptr_array_new ();

    gtk_snapshot_append_node (all, node);
    collect_popovers (widget, popovers);
    for (guint i = 0; i < popovers->len; i++)
      {
        GtkWidget *popover = popovers->pdata[i];
        g_autoptr(GdkPaintable) drawn = gtk_widget_paintable_new (popover);
        graphene_rect_t from;

        if (!gtk_widget_compute_bounds (gtk_widget_get_parent (popover), widget, &from))
          continue;
        gtk_snapshot_save (all);
        gtk_snapshot_translate (all, &GRAPHENE_POINT_INIT (from.origin.x, from.origin.y + from.size.height));
        gdk_paintable_snapshot (drawn, all, gtk_widget_get_width (popover), gtk_widget_get_height (popover));
        gtk_snapshot_restore (all);
      }
    gsk_render_node_unref (node);
    node = gtk_snapshot_free_to_node (g_steal_pointer (&all));
  }
  renderer = gtk_native_get_renderer (gtk_widget_get_native (widget));
  texture = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, width, height));
  path = g_build_filename (dir, name, NULL);
  g_assert_true (gdk_texture_save_to_png (texture, path));
}

/* Words in Latin letters that are right in a Chinese interface: units, acronyms, formats */
static const char *const latin_allowed[] = {
  "BMS", "SOC", "CSV", "Excel", "XLSX", "PDF", "SQLite", "mV", "mA", "mAh", "Ah", "V", "km", "h",
  "LFP", "NMC", "LMO", "LTO", "MINGTANG_PASSWORD", "A", "C", "MCU", "EXT", "m", "kB", "MB", "GB", "db", NULL
};

static void
collect_latin (GtkWidget *widget,
               GString   *found)
{
  const char *texts[3] = { NULL, NULL, NULL };

  if (!gtk_widget_get_visible (widget) || gtk_widget_has_css_class (widget, "mt-data"))
    return;
  if (GTK_IS_LABEL (widget))
    texts[0] = gtk_label_get_text (GTK_LABEL (widget));
  else if (GTK_IS_TEXT (widget))
    texts[0] = gtk_text_get_placeholder_text (GTK_TEXT (widget));
  texts[1] = gtk_widget_get_tooltip_text (widget);

  for (guint t = 0; t < 2; t++)
    {
      const char *p = texts[t];

      while (p && *p)
        {
          if (g_ascii_isalpha (*p))
            {
              const char *start = p;
              g_autofree char *word = NULL;

              while (g_ascii_isalnum (*p) || *p == '_')
                p++;
              word = g_strndup (start, p - start);
              /* a mnemonic shown the Chinese way: 登录(S) */
              if (p - start == 1 && start > texts[t] && start[-1] == '(' && *p == ')')
                continue;
              if (!g_strv_contains (latin_allowed, word) &&
                  !(g_ascii_isdigit (word[strlen (word) - 1]) && g_ascii_isupper (word[0])))
                g_string_append_printf (found, "%s “%s” in “%s”\n", G_OBJECT_TYPE_NAME (widget),
                                        word, texts[t]);
            }
          else
            p++;
        }
    }

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child;
       child = gtk_widget_get_next_sibling (child))
    collect_latin (child, found);
}

static void
assert_chinese (GtkWidget *widget)
{
  g_autoptr(GString) found = g_string_new (NULL);

  collect_latin (widget, found);
  if (found->len > 0)
    g_error ("English left in the Chinese interface:\n%s", found->str);
}

/* The rental counter end to end as a store manager: a scanned device, a new member, a quote
 * with a service, the order, its detail with the settlement, the receipt PDF, the end. In the
 * zh_CN run every screen is also checked for English and photographed. */
static void
test_rental_counter (void)
{
  const char *messages = setlocale (LC_MESSAGES, NULL);
  gboolean chinese = messages && g_str_has_prefix (messages, "zh_CN");
  MtWindow *window = mt_window_new (app, db);
  g_autoptr(GError) error = NULL;
  gint64 store = mt_db_query_int (db, 0, "SELECT store_id FROM accounts WHERE username = 'store'", NULL);
  g_autofree char *device_no = mt_db_query_text (db, "SELECT d.device_no FROM devices d WHERE d.store_id = ? "
                                                     "AND d.state = 'ready' AND " MT_TEST_FULL_RULES ("d.type_id")
                                                     " ORDER BY d.id LIMIT 1", "i", store);
  g_autofree char *mobile = g_strdup_printf ("1380000%04d", chinese ? 1 : 2);
  gint64 orders = mt_db_query_int (db, 0, "SELECT count(*) FROM orders", NULL);
  const char *dir = g_getenv ("MT_SCREENSHOT_DIR");
  MtRentDialog *rent;
  MtOrderDialog *detail;
  gint64 order;
  g_autofree char *total_before = NULL;

  g_assert_nonnull (device_no);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (mt_window_sign_in (window, "store", MT_DEMO_PASSWORD, &error));
  g_assert_no_error (error);

  rent = mt_rent_dialog_new (GTK_WINDOW (window), mt_window_get_context (window), store, 0);
  gtk_window_present (GTK_WINDOW (rent));
  iterate (100);
  /* nothing scanned yet: no quote, a message that says what is missing */
  mt_rent_dialog_refresh (rent);
  g_assert_cmpstr (mt_rent_dialog_get_total (rent), ==, "—");
  g_assert_nonnull (mt_rent_dialog_get_error (rent));

  mt_rent_dialog_set_field (rent, "device_no", device_no);
  mt_rent_dialog_set_field (rent, "mobile", mobile);
  mt_rent_dialog_set_field (rent, "name", "柜台骑手");
  mt_rent_dialog_set_field (rent, "id_card", "11010519491231002X");
  mt_rent_dialog_set_field (rent, "periods", "2");
  mt_rent_dialog_set_field (rent, "pay_method", "offline");
  mt_rent_dialog_refresh (rent);
  settle (window);
  g_assert_null (mt_rent_dialog_get_error (rent));
  total_before = g_strdup (mt_rent_dialog_get_total (rent));
  g_assert_true (g_str_has_prefix (total_before, "¥"));
  /* a per-period service raises the quote */
  mt_rent_dialog_set_service (rent, 0, TRUE);
  mt_rent_dialog_refresh (rent);
  settle (window);
  g_assert_cmpstr (mt_rent_dialog_get_total (rent), !=, total_before);
  iterate (100);
  if (chinese)
    assert_chinese (GTK_WIDGET (rent));
  save_screenshot (GTK_WIDGET (rent), "rent-quote.png");

  {
    gulong handler = g_signal_connect (rent, "rented", G_CALLBACK (saved_id_cb), &order);

    order = 0;
    g_object_ref (rent);
    g_assert_true (mt_rent_dialog_rent (rent));
    settle (window);
    g_signal_handler_disconnect (rent, handler);
    g_object_unref (rent);
  }
  g_assert_cmpint (order, >, 0);
  g_assert_cmpint (mt_db_query_int (db, 0, "SELECT count(*) FROM orders", NULL), ==, orders + 1);
  g_assert_true (mt_ledger_reconcile (db, NULL));
  iterate (50);

  detail = mt_order_dialog_new (GTK_WINDOW (window), mt_window_get_context (window), order);
  gtk_window_present (GTK_WINDOW (detail));
  iterate (100);
  settle (window);
  g_assert_null (mt_order_dialog_get_error (detail));
  g_assert_nonnull (strstr (mt_order_dialog_get_settlement (detail), "¥"));
  if (chinese)
    assert_chinese (GTK_WIDGET (detail));
  save_screenshot (GTK_WIDGET (detail), "order-detail.png");
  {
    g_autofree char *pdf = g_build_filename (dir ? dir : g_get_tmp_dir (), "receipt.pdf", NULL);

    g_assert_true (mt_order_dialog_write_pdf (detail, pdf, &error));
    g_assert_no_error (error);
    g_assert_true (g_file_test (pdf, G_FILE_TEST_IS_REGULAR));
    if (dir == NULL)
      g_unlink (pdf);
    else
      {
        /* the pages as a person sees them: receipt-1.png, receipt-2.png */
        g_autofree char *prefix = g_build_filename (dir, "receipt", NULL);
        const char *argv[] = { "pdftoppm", "-png", "-r", "80", pdf, prefix, NULL };
        g_autoptr(GSubprocess) pdftoppm = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_NONE, &error);

        g_assert_no_error (error);
        g_assert_true (g_subprocess_wait_check (pdftoppm, NULL, &error));
      }
  }
  /* renew one period, then end it with damages */
  mt_order_dialog_set_field (detail, "periods", "1");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (detail), "order.renew", NULL));   /* as Renew does */
  settle (window);
  g_assert_null (mt_order_dialog_get_error (detail));
  g_assert_cmpint (mt_db_query_int (db, 0, "SELECT periods FROM orders WHERE id = ?", "i", order), ==, 3);
  mt_order_dialog_set_field (detail, "damage", "12.50");
  settle (window);
  g_assert_nonnull (strstr (mt_order_dialog_get_settlement (detail), "12.50"));
  g_assert_true (mt_order_dialog_run (detail, "end"));
  settle (window);
  mt_assert_query_text (db, "ended", "SELECT state FROM orders WHERE id = ?", "i", order);
  g_assert_cmpint (mt_db_query_int (db, 0, "SELECT damage_fen FROM orders WHERE id = ?", "i", order), ==, 1250);
  g_assert_true (mt_ledger_reconcile (db, NULL));
  iterate (50);
  gtk_window_destroy (GTK_WINDOW (detail));
  gtk_window_destroy (GTK_WINDOW (window));
  iterate (50);
}

static void
select_row_with_id (MtListPage *page,
                    gint64      id)
{
  GListModel *model = mt_list_page_get_model (page);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(MtRowItem) item = g_list_model_get_item (model, i);
      if (mt_row_item_get_id (item) == id)
        {
          gtk_selection_model_select_item (mt_list_page_get_selection (page), i, TRUE);
          return;
        }
    }
  g_error ("row %" G_GINT64_FORMAT " is not on the page", id);
}

/* Activates the page's action @name (as its button or shortcut does) and returns the message
 * dialog it opened; the action must be enabled for the account */
static GtkWidget *
open_dialog_of (MtListPage *page,
                const char *name)
{
  g_autoptr(GList) before = gtk_window_list_toplevels ();
  g_autoptr(GList) after = NULL;

  g_assert_true (mt_list_page_action_enabled (page, name));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), name, NULL));
  iterate (50);
  after = gtk_window_list_toplevels ();
  for (GList *l = after; l; l = l->next)
    if (ADW_IS_MESSAGE_DIALOG (l->data) && g_list_find (before, l->data) == NULL)
      return l->data;
  g_error ("%s opened no dialog", name);
}

/* In the zh_CN run: the dialog @label opens is Chinese, and photographed as @shot */
static void
look_at_dialog (MtListPage *page,
                const char *name,
                const char *shot)
{
  const char *messages = setlocale (LC_MESSAGES, NULL);
  GtkWidget *dialog = open_dialog_of (page, name);

  iterate (100);
  if (messages && g_str_has_prefix (messages, "zh_CN"))
    {
      assert_chinese (dialog);
      save_screenshot (dialog, shot);
    }
  gtk_window_destroy (GTK_WINDOW (dialog));
  iterate (20);
}

/* The finance pages' actions: a held deposit approved, a withdrawal requested by an operator and
 * paid by headquarters, a member recharged — each through the page, each leaving the books
 * balanced */
static void
test_finance_actions (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MtActor) system = mt_actor_new_system ();
  gint64 store = mt_db_query_int (db, 0, "SELECT store_id FROM accounts WHERE username = 'store'", NULL);
  gint64 device = mt_db_query_int (db, 0, "SELECT id FROM devices WHERE store_id = ? AND state = 'ready' AND type_id IN "
                                          "(SELECT type_id FROM billing_rules WHERE deleted = 0) ORDER BY id DESC LIMIT 1",
                                   "i", store);
  MtRentRequest r = { .store_id = store, .device_id = device, .mobile = "13800007777", .name = "押金骑手",
                      .id_card = "11010519491231002X", .periods = 1, .pay_method = "online" };
  MtEndRequest hold = { .hold_deposit = TRUE };
  gint64 order = mt_order_rent (db, system, &r, &error), refund, withdrawal, member, balance;
  MtWindow *window;
  MtListPage *page;

  g_assert_no_error (error);
  g_assert_true (mt_order_end (db, system, order, &hold, NULL, &error));
  refund = mt_db_query_int (db, 0, "SELECT max (id) FROM deposit_refunds WHERE state = 'requested'", NULL);

  /* finance approves the held refund */
  window = mt_window_new (app, db);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (mt_window_sign_in (window, "finance", MT_DEMO_PASSWORD, &error));
  page = MT_LIST_PAGE (mt_window_show_page (window, "deposit_refunds"));
  iterate (100);
  select_row_with_id (page, refund);
  look_at_dialog (page, "refunds.reject", "refund-reject.png");
  g_assert_true (mt_money_actions_refunds (page, TRUE, NULL));
  settle (window);
  mt_assert_query_text (db, "refunded", "SELECT state FROM deposit_refunds WHERE id = ?", "i", refund);
  gtk_window_destroy (GTK_WINDOW (window));

  /* an operator requests a withdrawal, headquarters approves and pays it */
  window = mt_window_new (app, db);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (mt_window_sign_in (window, "east", MT_DEMO_PASSWORD, &error));
  page = MT_LIST_PAGE (mt_window_show_page (window, "withdrawals"));
  iterate (50);
  look_at_dialog (page, "withdrawals.request", "withdrawal-request.png");
  g_assert_false (mt_money_actions_request (page, "abc", "华东换电运营"));   /* a bad amount: refused */
  g_assert_true (mt_money_actions_request (page, "12.34", "华东换电运营"));
  settle (window);
  withdrawal = mt_db_query_int (db, 0, "SELECT max (id) FROM withdrawals WHERE amount_fen = 1234", NULL);
  g_assert_cmpint (withdrawal, >, 0);
  gtk_window_destroy (GTK_WINDOW (window));
  window = mt_window_new (app, db);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (mt_window_sign_in (window, "admin", MT_DEMO_PASSWORD, &error));
  page = MT_LIST_PAGE (mt_window_show_page (window, "withdrawals"));
  iterate (100);
  select_row_with_id (page, withdrawal);
  g_assert_true (mt_money_actions_withdrawals (page, "approved"));
  settle (window);
  select_row_with_id (page, withdrawal);
  g_assert_true (mt_money_actions_withdrawals (page, "paid"));
  settle (window);
  mt_assert_query_text (db, "paid", "SELECT state FROM withdrawals WHERE id = ?", "i", withdrawal);
  gtk_window_destroy (GTK_WINDOW (window));

  /* a store manager recharges one of its members with a denomination */
  window = mt_window_new (app, db);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (mt_window_sign_in (window, "store", MT_DEMO_PASSWORD, &error));
  page = MT_LIST_PAGE (mt_window_show_page (window, "members"));
  iterate (100);
  member = mt_db_query_int (db, 0, "SELECT max (id) FROM members WHERE store_id = ?", "i", store);
  balance = mt_db_query_int (db, 0, "SELECT balance_fen FROM members WHERE id = ?", "i", member);
  select_row_with_id (page, member);
  look_at_dialog (page, "members.recharge", "recharge.png");
  look_at_dialog (page, "members.sell-card", "sell-card.png");
  g_assert_true (mt_money_actions_recharge (page, 0, "50", "offline"));
  settle (window);
  g_assert_cmpint (mt_db_query_int (db, 0, "SELECT balance_fen FROM members WHERE id = ?", "i", member), ==,
                   balance + 5000);
  /* its details, from the row's 详情 */
  {
    MtMemberDialog *details;

    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "row.detail", "x", member));
    iterate (200);
    details = MT_MEMBER_DIALOG (find_window (MT_TYPE_MEMBER_DIALOG));
    g_assert_nonnull (details);
    g_assert_cmpint (mt_member_dialog_count (details, "balance"), >, 0);
    if (g_str_has_prefix (setlocale (LC_MESSAGES, NULL) ? setlocale (LC_MESSAGES, NULL) : "", "zh_CN"))
      {
        assert_chinese (GTK_WIDGET (details));
        save_screenshot (GTK_WIDGET (details), "member-details.png");
      }
    gtk_window_destroy (GTK_WINDOW (details));
  }
  /* and pays ¥20 of it back out in cash (余额提现) */
  select_row_with_id (page, member);
  look_at_dialog (page, "members.withdraw", "withdraw.png");
  select_row_with_id (page, member);
  g_assert_true (mt_money_actions_withdraw (page, "20", "offline"));
  settle (window);
  g_assert_cmpint (mt_db_query_int (db, 0, "SELECT balance_fen FROM members WHERE id = ?", "i", member), ==,
                   balance + 3000);
  /* and sells it a month card */
  select_row_with_id (page, member);
  g_assert_true (mt_money_actions_sell_card (page, mt_db_query_int (db, 0, "SELECT id FROM rental_cards WHERE days = 30",
                                                                     NULL), "offline"));
  settle (window);
  g_assert_cmpint (mt_member_card_until (db, member), >, 0);
  /* and refunds it from the sales page: the form names the sale and its refund; the 29 whole
   * days after today's go back in cash */
  {
    gint64 sale = mt_db_query_int (db, 0, "SELECT max (id) FROM member_cards WHERE member_id = ?", "i", member);
    gint64 price = mt_db_query_int (db, 0, "SELECT price_fen FROM member_cards WHERE id = ?", "i", sale);

    page = MT_LIST_PAGE (mt_window_show_page (window, "member_cards"));
    iterate (100);
    select_row_with_id (page, sale);
    look_at_dialog (page, "member-cards.refund", "card-refund.png");
    g_assert_true (mt_money_actions_refund_cards (page));
    settle (window);
    g_assert_cmpint (mt_db_query_int (db, 0, "SELECT refunded_fen FROM member_cards WHERE id = ?", "i", sale), ==,
                     price * 29 / 30);
    g_assert_cmpint (mt_member_card_until (db, member), ==, 0);
    /* twice: the refusal is shown, nothing changes */
    select_row_with_id (page, sale);
    g_assert_true (mt_money_actions_refund_cards (page));
    settle (window);
    g_assert_cmpint (mt_db_query_int (db, 0, "SELECT count (*) FROM ledger WHERE member_id = ? AND amount_fen = ?",
                                      "ii", member, -(price * 29 / 30)), ==, 1);
  }
  gtk_window_destroy (GTK_WINDOW (window));

  /* headquarters checks the books from the transactions page */
  window = mt_window_new (app, db);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (mt_window_sign_in (window, "admin", MT_DEMO_PASSWORD, &error));
  page = MT_LIST_PAGE (mt_window_show_page (window, "transactions"));
  iterate (50);
  {
    g_autofree char *books = NULL;
    g_assert_true (mt_money_actions_check_books (page, &books));
    g_assert_nonnull (books);
  }
  gtk_window_destroy (GTK_WINDOW (window));
  iterate (50);
  g_assert_true (mt_ledger_reconcile (db, NULL));
}

/* 主页 is each role's first page: its tiles open their lists in the tile's state; the
 * management's, the store manager's and the technician's are photographed in the zh_CN run */
/* The header, as the admin's: 设备号/客户 found from any page as it is typed, Enter opening the
 * device's or the member's list narrowed to it; 建设备 and 建客户 where the role may; the balance
 * of the account's level only to roles with the finance pages, opening its ledger */
static void
wait_quick_search (MtWindow *window)
{
  MtQuickSearch *search = mt_window_get_quick_search (window);

  while (mt_quick_search_get_pending (search) > 0)
    g_main_context_iteration (NULL, TRUE);
  settle (window);
}

static void
restore_asked_cb (MtWindow   *window,
                  const char *backup,
                  char      **asked)
{
  g_free (*asked);
  *asked = g_strdup (backup);
}

/* The newest AdwMessageDialog open, or NULL */
static AdwMessageDialog *
newest_message_dialog (void)
{
  GListModel *tops = gtk_window_get_toplevels ();
  AdwMessageDialog *found = NULL;

  for (guint t = 0; t < g_list_model_get_n_items (tops); t++)
    {
      g_autoptr(GtkWindow) top = g_list_model_get_item (tops, t);

      if (ADW_IS_MESSAGE_DIALOG (top) && gtk_widget_get_visible (GTK_WIDGET (top)))
        found = ADW_MESSAGE_DIALOG (top);
    }
  return found;
}

static AdwMessageDialog *
wait_message_dialog (const char *heading)
{
  for (guint i = 0; i < 200; i++)
    {
      AdwMessageDialog *d = newest_message_dialog ();

      if (d != NULL && g_strcmp0 (adw_message_dialog_get_heading (d), heading) == 0)
        return d;
      iterate (50);
    }
  return NULL;
}

/* Back Up Now and Restore… at a standalone console: the backup made, listed, checked, what it
 * holds said before the question; a file that is not a backup refused naming why, nothing
 * asked. Only headquarters' administrator may restore. */
static void
test_backup_restore_ui (void)
{
  const char *messages = setlocale (LC_MESSAGES, NULL);
  gboolean chinese = messages && g_str_has_prefix (messages, "zh_CN");
  g_autofree char *dir = g_dir_make_tmp ("mt-backup-ui-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "mingtang.db", NULL);
  g_autofree char *folder = g_build_filename (dir, "backups", NULL);
  g_autofree char *junk = g_build_filename (dir, "订单导出.db", NULL);
  g_autofree char *asked = NULL;
  g_autoptr(GSettings) settings = g_settings_new ("com.mtxnyjs.Mingtang");
  g_autoptr(GError) error = NULL;
  g_autofree char *orders = NULL;
  const char *made = NULL;
  AdwMessageDialog *dialog;
  MtWindow *window;
  MtDb *own;

  mt_test_demo_copy (path);
  own = mt_db_open (path, &error);
  g_assert_no_error (error);
  orders = g_strdup_printf ("%" G_GINT64_FORMAT, mt_db_query_int (own, 0, "SELECT count (*) FROM orders", NULL));
  g_settings_set_string (settings, "backup-folder", folder);
  window = mt_window_new (app, own);
  g_signal_connect (window, "restore-database", G_CALLBACK (restore_asked_cb), &asked);
  gtk_window_present (GTK_WINDOW (window));

  /* a store manager has no Restore… */
  g_assert_true (mt_window_sign_in (window, "store", MT_DEMO_PASSWORD, &error));
  g_assert_false (g_action_group_get_action_enabled (G_ACTION_GROUP (window), "restore"));
  mt_window_sign_out (window);
  g_assert_true (mt_window_sign_in (window, "admin", MT_DEMO_PASSWORD, &error));
  g_assert_true (g_action_group_get_action_enabled (G_ACTION_GROUP (window), "restore"));

  /* Back Up Now */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.backup-now", NULL));
  for (guint i = 0; i < 200 && (made = g_object_get_data (G_OBJECT (window), "mt-last-backup")) == NULL; i++)
    iterate (50);
  g_assert_nonnull (made);
  g_assert_true (g_str_has_prefix (made, folder));
  g_assert_true (g_file_test (made, G_FILE_TEST_IS_REGULAR));
  dialog = wait_message_dialog (_("Backed Up"));
  g_assert_nonnull (dialog);
  gtk_window_destroy (GTK_WINDOW (dialog));

  /* Restore…: the folder's backups, the chosen one checked, what it holds said */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.restore", NULL));
  dialog = wait_message_dialog (_("Restore a Backup"));
  g_assert_nonnull (dialog);
  g_assert_true (adw_message_dialog_has_response (dialog, "check"));
  if (chinese)
    {
      iterate (100);
      assert_chinese (GTK_WIDGET (dialog));
      save_screenshot (GTK_WIDGET (dialog), "restore-choose.png");
    }
  adw_message_dialog_response (dialog, "check");
  dialog = wait_message_dialog (_("Restore This Backup?"));
  g_assert_nonnull (dialog);
  g_assert_nonnull (strstr (adw_message_dialog_get_body (dialog), orders));
  if (chinese)
    {
      iterate (100);
      assert_chinese (GTK_WIDGET (dialog));
      save_screenshot (GTK_WIDGET (dialog), "restore-confirm.png");
    }
  g_assert_null (asked);
  /* written after the backup: the restore takes it back */
  g_assert_true (mt_db_run (own, NULL, "UPDATE members SET name = '备份之后', version = version + 1 WHERE id = 1", NULL));
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), "restore");
  g_assert_cmpstr (asked, ==, made);
  /* what the application does with it: every window closed, the backup in the database's place,
   * a window again on it */
  close_windows (ADW_TYPE_MESSAGE_DIALOG);
  gtk_window_destroy (GTK_WINDOW (window));
  iterate (50);
  {
    g_autofree char *aside = NULL;
    g_autofree char *name = NULL;
    g_autofree char *db_path = g_strdup (mt_db_get_path (own));

    /* as MtApplication does it (there on a thread): closed, restored, opened again */
    mt_db_close (own);
    g_assert_true (mt_backup_restore (asked, db_path, NULL, &aside, &error));
    g_assert_no_error (error);
    own = mt_db_open (db_path, &error);
    g_assert_no_error (error);
    g_assert_nonnull (aside);
    name = mt_db_query_text (own, "SELECT name FROM members WHERE id = 1", NULL);
    g_assert_cmpstr (name, !=, "备份之后");
    g_assert_true (mt_ledger_reconcile (own, NULL));
    g_unlink (aside);
  }
  window = mt_window_new (app, own);
  g_signal_connect (window, "restore-database", G_CALLBACK (restore_asked_cb), &asked);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (mt_window_sign_in (window, "admin", MT_DEMO_PASSWORD, &error));
  g_assert_no_error (error);

  /* a file that is not a backup: refused, nothing asked */
  g_clear_pointer (&asked, g_free);
  g_assert_true (g_file_set_contents (junk, "订单,金额\n", -1, NULL));
  mt_window_restore_from (window, junk);
  dialog = wait_message_dialog (_("This Backup Cannot Be Restored"));
  g_assert_nonnull (dialog);
  g_assert_nonnull (strstr (adw_message_dialog_get_body (dialog), _("it is not a database")));
  if (chinese)
    {
      iterate (100);
      assert_chinese (GTK_WIDGET (dialog));
      save_screenshot (GTK_WIDGET (dialog), "restore-refused.png");
    }
  gtk_window_destroy (GTK_WINDOW (dialog));
  g_assert_null (asked);

  /* the preferences say where and when */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.preferences", NULL));
  iterate (200);
  {
    GtkWindow *prefs = find_window (ADW_TYPE_PREFERENCES_WINDOW);

    g_assert_nonnull (prefs);
    g_assert_nonnull (find_label_with_text (GTK_WIDGET (prefs), folder));
    if (chinese)
      {
        assert_chinese (GTK_WIDGET (prefs));
        save_screenshot (GTK_WIDGET (prefs), "preferences-backups.png");
      }
    gtk_window_destroy (prefs);
  }
  close_windows (ADW_TYPE_MESSAGE_DIALOG);
  gtk_window_destroy (GTK_WINDOW (window));
  iterate (50);
  mt_db_close (own);
  g_settings_reset (settings, "backup-folder");
  mt_test_remove_tree (dir);
}

static void
opened_cb (const char *path,
           gpointer    data)
{
  g_free (*(char **) data);
  *(char **) data = g_strdup (path ? path : "");
}

/* A database that cannot be opened: the dialog offers the latest backup, which takes its place
 * (the damaged file kept aside) */
static void
test_damaged_database (void)
{
  const char *messages = setlocale (LC_MESSAGES, NULL);
  gboolean chinese = messages && g_str_has_prefix (messages, "zh_CN");
  g_autofree char *dir = g_dir_make_tmp ("mt-damaged-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "mingtang.db", NULL);
  g_autofree char *folder = g_build_filename (dir, "backups", NULL);
  g_autofree char *backup = NULL;
  g_autofree char *opened = NULL;
  g_autofree char *contents = NULL;
  g_autoptr(GSettings) settings = g_settings_new ("com.mtxnyjs.Mingtang");
  g_autoptr(GError) error = NULL;
  g_autoptr(GDir) listing = NULL;
  GtkWidget *dialog;
  gboolean aside = FALSE;
  gsize len;
  MtDb *reopened;
  const char *name;

  g_settings_set_string (settings, "backup-folder", folder);
  mt_test_demo_copy (path);
  backup = mt_backup_write (path, folder, &error);
  g_assert_no_error (error);
  /* the disk failed: the file's middle overwritten */
  g_assert_true (g_file_get_contents (path, &contents, &len, NULL));
  memset (contents + 4096, 0x5a, len / 2);
  g_assert_true (g_file_set_contents (path, contents, len, NULL));
  g_assert_null (mt_db_open (path, &error));
  g_assert_nonnull (error);

  dialog = mt_damaged_dialog_new (NULL, path, error, opened_cb, &opened);
  gtk_window_present (GTK_WINDOW (dialog));
  iterate (100);
  g_assert_true (adw_message_dialog_has_response (ADW_MESSAGE_DIALOG (dialog), "restore"));
  if (chinese)
    {
      assert_chinese (dialog);
      save_screenshot (dialog, "damaged-database.png");
    }
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), "restore");
  iterate (50);
  g_assert_cmpstr (opened, ==, path);
  g_clear_error (&error);
  reopened = mt_db_open (path, &error);
  g_assert_no_error (error);
  g_assert_true (mt_db_integrity_ok (reopened));
  g_assert_cmpint (mt_db_query_int (reopened, 0, "SELECT count (*) FROM orders", NULL), >, 1000);
  mt_db_close (reopened);
  listing = g_dir_open (dir, 0, NULL);
  while ((name = g_dir_read_name (listing)) != NULL)
    aside |= strstr (name, ".before-restore-") != NULL;
  g_assert_true (aside);
  close_windows (ADW_TYPE_MESSAGE_DIALOG);
  iterate (50);
  g_settings_reset (settings, "backup-folder");
  mt_test_remove_tree (dir);
}

/* 充值 in the header: a store manager recharges a member found by mobile; nothing is sent before
 * a member and an amount are there; the member's details show the result. A technician has no 充值. */
static void
test_header_recharge (void)
{
  const char *messages = setlocale (LC_MESSAGES, NULL);
  gboolean chinese = messages && g_str_has_prefix (messages, "zh_CN");
  MtWindow *window = mt_window_new (app, db);
  g_autoptr(GError) error = NULL;
  gint64 store = mt_db_query_int (db, 0, "SELECT store_id FROM accounts WHERE username = 'store'", NULL);
  gint64 member = mt_db_query_int (db, 0, "SELECT id FROM members WHERE store_id = ? AND deleted = 0 ORDER BY id LIMIT 1",
                                   "i", store);
  g_autofree char *mobile = mt_db_query_text (db, "SELECT mobile FROM members WHERE id = ?", "i", member);
  gint64 before = mt_db_query_int (db, 0, "SELECT balance_fen FROM members WHERE id = ?", "i", member);
  gint64 recharges = mt_db_query_int (db, 0, "SELECT count (*) FROM ledger WHERE member_id = ? AND kind = 'recharge'",
                                      "i", member);
  MtRechargeDialog *dialog;

  g_assert_cmpint (member, >, 0);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (mt_window_sign_in (window, "tech", MT_DEMO_PASSWORD, &error));
  g_assert_false (g_action_group_get_action_enabled (G_ACTION_GROUP (window), "recharge"));
  mt_window_sign_out (window);
  g_assert_true (mt_window_sign_in (window, "store", MT_DEMO_PASSWORD, &error));
  g_assert_true (g_action_group_get_action_enabled (G_ACTION_GROUP (window), "recharge"));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.recharge", NULL));
  iterate (100);
  dialog = MT_RECHARGE_DIALOG (find_window (MT_TYPE_RECHARGE_DIALOG));
  g_assert_nonnull (dialog);

  /* a mobile no member has, then a bad amount: Recharge stays off */
  mt_recharge_dialog_fill (dialog, "13900000000", 0, "50", "offline");
  g_assert_cmpint (mt_recharge_dialog_get_member (dialog), ==, 0);
  g_assert_false (adw_message_dialog_get_response_enabled (ADW_MESSAGE_DIALOG (dialog), "recharge"));
  mt_recharge_dialog_fill (dialog, mobile, 0, "5O", "offline");
  g_assert_cmpint (mt_recharge_dialog_get_member (dialog), ==, member);
  g_assert_false (adw_message_dialog_get_response_enabled (ADW_MESSAGE_DIALOG (dialog), "recharge"));
  mt_recharge_dialog_fill (dialog, mobile, 0, "-5", "offline");
  g_assert_false (adw_message_dialog_get_response_enabled (ADW_MESSAGE_DIALOG (dialog), "recharge"));
  mt_recharge_dialog_fill (dialog, mobile, 0, "50", "offline");
  g_assert_true (adw_message_dialog_get_response_enabled (ADW_MESSAGE_DIALOG (dialog), "recharge"));
  if (chinese)
    {
      iterate (100);
      assert_chinese (GTK_WIDGET (dialog));
      save_screenshot (GTK_WIDGET (dialog), "header-recharge.png");
    }
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), "recharge");
  for (guint i = 0; i < 100 && find_window (MT_TYPE_MEMBER_DIALOG) == NULL; i++)
    iterate (50);
  g_assert_nonnull (find_window (MT_TYPE_MEMBER_DIALOG));
  g_assert_cmpint (mt_db_query_int (db, 0, "SELECT balance_fen FROM members WHERE id = ?", "i", member), ==, before + 5000);
  g_assert_cmpint (mt_db_query_int (db, 0, "SELECT count (*) FROM ledger WHERE member_id = ? AND kind = 'recharge'",
                                    "i", member), ==, recharges + 1);
  close_windows (MT_TYPE_MEMBER_DIALOG);
  gtk_window_destroy (GTK_WINDOW (window));
  iterate (50);
}

static void
test_header (void)
{
  const char *messages = setlocale (LC_MESSAGES, NULL);
  gboolean chinese = messages && g_str_has_prefix (messages, "zh_CN");
  static const struct { const char *user; gboolean new_device, new_member, balance; const char *ledger; } roles[] = {
    { "admin", TRUE, TRUE, TRUE, "splits" },
    { "store", FALSE, TRUE, TRUE, "transactions" },
    { "tech", FALSE, FALSE, FALSE, NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (roles); i++)
    {
      g_autoptr(GError) error = NULL;
      MtWindow *window = mt_window_new (app, db);
      MtQuickSearch *search;
      const MtActor *actor;
      g_autofree char *device_no = NULL;
      g_autofree char *mobile = NULL;

      gtk_window_set_default_size (GTK_WINDOW (window), 1400, 860);
      gtk_window_present (GTK_WINDOW (window));
      g_assert_true (mt_window_sign_in (window, roles[i].user, MT_DEMO_PASSWORD, &error));
      settle (window);
      iterate (300);
      actor = mt_window_get_actor (window);
      search = mt_window_get_quick_search (window);
      g_assert_cmpint (g_action_group_get_action_enabled (G_ACTION_GROUP (window), "new-device"), ==, roles[i].new_device);
      g_assert_cmpint (g_action_group_get_action_enabled (G_ACTION_GROUP (window), "new-member"), ==, roles[i].new_member);
      g_assert_cmpint (mt_window_get_balance_text (window) != NULL, ==, roles[i].balance);
      if (roles[i].ledger != NULL)
        {
          g_test_message ("%s: %s", roles[i].user, mt_window_get_balance_text (window));
          g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.open-balance", NULL));
          settle (window);
          g_assert_cmpstr (mt_window_get_page (window), ==, roles[i].ledger);
        }

      /* a device by the start of its number, from whatever page is shown */
      device_no = mt_db_query_text (db, actor->store_id ? "SELECT device_no FROM devices WHERE store_id = ?1 AND "
                                                          "deleted = 0 ORDER BY id LIMIT 1"
                                                        : "SELECT device_no FROM devices WHERE deleted = 0 AND ?1 = 0 "
                                                          "ORDER BY id LIMIT 1", "i", actor->store_id);
      g_assert_nonnull (device_no);
      {
        g_autofree char *prefix = g_strndup (device_no, strlen (device_no) - 1);

        mt_quick_search_set_text (search, prefix);
        wait_quick_search (window);
        g_assert_cmpuint (mt_quick_search_get_n_hits (search), >=, 1);
        if (chinese && i == 0)
          {
            iterate (200);
            save_screenshot (GTK_WIDGET (window), "header-search.png");
          }
        mt_quick_search_set_text (search, device_no);
        wait_quick_search (window);
        g_assert_cmpint (mt_quick_search_get_hit (search, 0)->kind, ==, MT_QUICK_DEVICE);
        g_assert_cmpstr (mt_quick_search_get_hit (search, 0)->key, ==, device_no);
        g_assert_true (mt_quick_search_open_first (search));
        settle (window);
        g_assert_cmpstr (mt_window_get_page (window), ==, "devices");
        g_assert_cmpint (mt_listing_count (mt_list_page_get_listing (MT_LIST_PAGE (mt_window_show_page (window, "devices")))),
                         ==, 1);
      }
      /* a member by the start of the mobile, where the role sees members */
      mobile = mt_db_query_text (db, actor->store_id ? "SELECT mobile FROM members WHERE store_id = ?1 AND deleted = 0 "
                                                      "ORDER BY id LIMIT 1"
                                                    : "SELECT mobile FROM members WHERE deleted = 0 AND ?1 = 0 "
                                                      "ORDER BY id LIMIT 1", "i", actor->store_id);
      mt_quick_search_set_text (search, mobile);
      wait_quick_search (window);
      if (mt_actor_can_view (actor, "members"))
        {
          g_assert_cmpuint (mt_quick_search_get_n_hits (search), >=, 1);
          g_assert_cmpint (mt_quick_search_get_hit (search, 0)->kind, ==, MT_QUICK_MEMBER);
          g_assert_true (mt_quick_search_open_first (search));
          settle (window);
          g_assert_cmpstr (mt_window_get_page (window), ==, "members");
          g_assert_cmpint (mt_listing_count (mt_list_page_get_listing (MT_LIST_PAGE (mt_window_show_page (window, "members")))),
                           >=, 1);
          /* and the member's details over it */
          iterate (100);
          g_assert_nonnull (find_window (MT_TYPE_MEMBER_DIALOG));
          close_windows (MT_TYPE_MEMBER_DIALOG);
        }
      else
        g_assert_cmpuint (mt_quick_search_get_n_hits (search), ==, 0);

      /* the sidebar's groups fold away; a page shown from elsewhere stays in sight */
      if (i == 0)
        {
          mt_window_show_page (window, "home");
          g_assert_true (mt_window_sidebar_shows (window, "accounts"));
          g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.toggle-group", "s", "system"));
          g_assert_false (mt_window_sidebar_shows (window, "accounts"));
          g_assert_false (mt_window_sidebar_shows (window, "roles"));
          if (chinese)
            save_screenshot (GTK_WIDGET (window), "sidebar-folded.png");
          mt_window_show_page (window, "accounts");
          g_assert_true (mt_window_sidebar_shows (window, "accounts"));
          g_assert_false (mt_window_sidebar_shows (window, "roles"));
          g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.toggle-group", "s", "system"));
          g_assert_true (mt_window_sidebar_shows (window, "roles"));
          /* the last page of a long sidebar, scrolled into sight */
          mt_window_show_page (window, "statistics");
          iterate (100);
        }

      /* 建客户: the member form, from the page shown */
      if (roles[i].new_member)
        {
          guint before = g_list_model_get_n_items (gtk_window_get_toplevels ());

          g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.new-member", NULL));
          iterate (100);
          g_assert_cmpuint (g_list_model_get_n_items (gtk_window_get_toplevels ()), ==, before + 1);
          g_assert_nonnull (find_window (MT_TYPE_FORM_DIALOG));
          if (chinese && i == 1)
            save_screenshot (GTK_WIDGET (find_window (MT_TYPE_FORM_DIALOG)), "header-new-member.png");
          close_windows (MT_TYPE_FORM_DIALOG);
        }
      gtk_window_destroy (GTK_WINDOW (window));
      iterate (50);
    }
}

static void
test_home_page (void)
{
  const char *messages = setlocale (LC_MESSAGES, NULL);
  gboolean chinese = messages && g_str_has_prefix (messages, "zh_CN");
  static const struct { const char *user, *tile, *page, *shot; } roles[] = {
    { "admin", "overdue", "orders", "home-hq.png" },
    { "store", "rented", "devices", "home-store.png" },
    { "tech", "alarms", "alarms", "home-technician.png" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (roles); i++)
    {
      g_autoptr(GError) error = NULL;
      MtWindow *window = mt_window_new (app, db);
      MtHomePage *home;
      g_autofree char *tiles = NULL;

      gtk_window_set_default_size (GTK_WINDOW (window), 1400, 860);
      gtk_window_present (GTK_WINDOW (window));
      g_assert_true (mt_window_sign_in (window, roles[i].user, MT_DEMO_PASSWORD, &error));
      g_assert_cmpstr (mt_window_get_page (window), ==, "home");
      home = MT_HOME_PAGE (mt_window_show_page (window, "home"));
      settle (window);
      iterate (800);   /* the sign-in screen's crossfade is over */
      g_assert_nonnull (mt_home_page_get_dashboard (home));
      tiles = mt_home_page_get_tiles_text (home);
      g_test_message ("%s:\n%s", roles[i].user, tiles);
      g_assert_cmpuint (mt_home_page_get_dashboard (home)->tiles->len, >=, 4);
      if (chinese)
        {
          assert_chinese (GTK_WIDGET (window));
          save_screenshot (GTK_WIDGET (window), roles[i].shot);
        }
      g_assert_true (mt_home_page_open_tile (home, roles[i].tile));
      settle (window);
      g_assert_cmpstr (mt_window_get_page (window), ==, roles[i].page);
      {
        MtListPage *list = MT_LIST_PAGE (mt_window_show_page (window, roles[i].page));
        const MtDashboardTile *tile = NULL;

        for (guint t = 0; t < mt_home_page_get_dashboard (home)->tiles->len; t++)
          if (g_str_equal (((MtDashboardTile *) mt_home_page_get_dashboard (home)->tiles->pdata[t])->id, roles[i].tile))
            tile = mt_home_page_get_dashboard (home)->tiles->pdata[t];
        g_assert_nonnull (tile);
        /* the list opened in the tile's state counts what the tile says */
        g_assert_cmpint (mt_listing_count (mt_list_page_get_listing (list)), ==, tile->value);
      }
      gtk_window_destroy (GTK_WINDOW (window));
      iterate (50);
    }
}

/* The statistics page: every view the role may open reads and draws; figures against the period
 * before; the keys walk the chart's rows and the callout names the exact values; the table view;
 * PNG and PDF files; a bar opens the list behind it, narrowed. A store manager's views are its
 * store's. In the zh_CN run, photographed. */
static void
test_statistics_page (void)
{
  const char *messages = setlocale (LC_MESSAGES, NULL);
  gboolean chinese = messages && g_str_has_prefix (messages, "zh_CN");
  g_autofree char *dir = g_dir_make_tmp ("mt-stats-XXXXXX", NULL);
  g_autofree char *png = g_build_filename (dir, "chart.png", NULL);
  g_autofree char *pdf = g_build_filename (dir, "chart.pdf", NULL);
  g_autoptr(GError) error = NULL;
  MtWindow *window = mt_window_new (app, db);
  MtStatsPage *page;
  g_auto(GStrv) views = NULL;
  gint64 today;

  gtk_window_set_default_size (GTK_WINDOW (window), 1400, 860);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (mt_window_sign_in (window, "admin", MT_DEMO_PASSWORD, &error));
  page = MT_STATS_PAGE (mt_window_show_page (window, "statistics"));
  g_assert_nonnull (page);
  settle (window);
  views = mt_stats_page_list_views (page);
  {
    guint n_views;

    mt_stats_views (&n_views);
    g_assert_cmpuint (g_strv_length (views), ==, n_views);   /* headquarters opens them all */
  }
  for (guint v = 0; views[v]; v++)
    {
      g_assert_true (mt_stats_page_show_view (page, views[v]));
      settle (window);
      iterate (30);
      g_assert_nonnull (mt_stats_page_get_table (page));
      if (chinese)
        assert_chinese (GTK_WIDGET (page));
    }

  /* a year of turnover by month: twelve or thirteen months, tiles against the year before */
  today = mt_stats_day_of (g_get_real_time ());
  g_assert_true (mt_stats_page_show_view (page, "turnover"));
  mt_stats_page_set_days (page, today - 364, today);
  settle (window);
  iterate (50);
  g_assert_cmpuint (mt_stats_page_get_table (page)->n_rows, >=, 12);
  {
    g_autofree char *tiles = mt_stats_page_get_tiles_text (page);
    g_test_message ("%s", tiles);
    g_assert_nonnull (strstr (tiles, "¥"));
  }
  /* the keys walk the rows: End is the last month, Left the one before; the callout has the fen */
  gtk_widget_grab_focus (GTK_WIDGET (mt_stats_page_get_chart (page)));
  mt_chart_set_selected (mt_stats_page_get_chart (page), (int) mt_stats_page_get_table (page)->n_rows - 1);
  {
    g_autofree char *callout = mt_chart_get_callout (mt_stats_page_get_chart (page));
    const MtStatsTable *t = mt_stats_page_get_table (page);
    g_autofree char *rent = mt_stats_format_value (MT_STATS_FEN, mt_stats_table_get (t, t->n_rows - 1, 0));

    g_assert_nonnull (callout);
    g_assert_true (g_str_has_prefix (callout, t->labels[t->n_rows - 1]));
    g_assert_nonnull (strstr (callout, rent));
  }
  iterate (50);
  if (chinese)
    save_screenshot (GTK_WIDGET (window), "statistics-turnover.png");
  g_assert_true (mt_stats_page_save_chart (page, png, &error));
  g_assert_no_error (error);
  g_assert_true (mt_stats_page_save_chart (page, pdf, &error));
  {
    g_autofree char *head = NULL;
    gsize len;

    g_assert_true (g_file_get_contents (pdf, &head, &len, NULL));
    g_assert_true (len > 1000 && g_str_has_prefix (head, "%PDF"));
    g_clear_pointer (&head, g_free);
    g_assert_true (g_file_get_contents (png, &head, &len, NULL));
    g_assert_true (len > 1000 && memcmp (head, "\x89PNG", 4) == 0);
  }

  /* the year's report, on the worker: a PDF and a workbook; in the zh_CN run its first two pages
   * are photographed with poppler */
  {
    g_autofree char *report = g_build_filename (dir, "report.pdf", NULL);
    g_autofree char *workbook = g_build_filename (dir, "report.xlsx", NULL);
    const char *shots = g_getenv ("MT_SCREENSHOT_DIR");

    mt_stats_page_export_report (page, report, workbook);
    settle (window);
    iterate (300);
    g_assert_nonnull (mt_stats_page_get_report_message (page));
    g_assert_nonnull (strstr (mt_stats_page_get_report_message (page), report));
    g_assert_true (g_file_test (report, G_FILE_TEST_EXISTS));
    g_assert_true (g_file_test (workbook, G_FILE_TEST_EXISTS));
    if (chinese && shots)
      {
        g_autofree char *prefix = g_build_filename (shots, "report-page", NULL);
        const char *argv[] = { "pdftoppm", "-r", "70", "-f", "1", "-l", "2", "-png", report, prefix, NULL };
        int status = 0;

        g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL,
                                     &status, NULL));
        g_assert_cmpint (status, ==, 0);
      }
    g_unlink (report);
    g_unlink (workbook);
  }

  /* the same as a table */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "stats.show-table", NULL));
  iterate (50);
  if (chinese)
    save_screenshot (GTK_WIDGET (window), "statistics-table.png");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "stats.show-table", NULL));

  /* by store, and a donut */
  g_assert_true (mt_stats_page_show_view (page, "store_totals"));
  settle (window);
  iterate (50);
  if (chinese)
    save_screenshot (GTK_WIDGET (window), "statistics-stores.png");
  g_assert_true (mt_stats_page_show_view (page, "device_states"));
  settle (window);
  mt_chart_set_selected (mt_stats_page_get_chart (page), 1);
  iterate (50);
  if (chinese)
    save_screenshot (GTK_WIDGET (window), "statistics-devices.png");

  /* the members' retention: month by month, whatever the grain */
  g_assert_true (mt_stats_page_show_view (page, "retention"));
  settle (window);
  {
    const MtStatsTable *t = mt_stats_page_get_table (page);

    g_assert_nonnull (t);
    g_assert_cmpuint (t->n_rows, >=, 1);
    g_assert_cmpint (t->keys[t->n_rows - 1], >, 200001);   /* yyyymm */
    g_assert_cmpint (mt_stats_table_get (t, t->n_rows - 1, 0), >, 0);
  }
  iterate (50);
  if (chinese)
    save_screenshot (GTK_WIDGET (window), "statistics-retention.png");

  /* a month's bar opens the transactions of that month */
  g_assert_true (mt_stats_page_show_view (page, "turnover"));
  settle (window);
  g_signal_emit_by_name (mt_stats_page_get_chart (page), "activated", (int) mt_stats_page_get_table (page)->n_rows - 1);
  settle (window);
  iterate (100);
  {
    GtkWidget *shown = mt_window_show_page (window, "transactions");
    MtListing *listing = mt_list_page_get_listing (MT_LIST_PAGE (shown));
    gint64 narrowed = mt_listing_count (listing);

    g_assert_cmpint (narrowed, >, 0);
    g_assert_cmpint (narrowed, <, mt_db_query_int (db, 0, "SELECT count (*) FROM ledger", NULL));
  }
  gtk_window_destroy (GTK_WINDOW (window));
  iterate (50);

  /* a store manager: no operator views, and its own store only */
  window = mt_window_new (app, db);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (mt_window_sign_in (window, "store", MT_DEMO_PASSWORD, &error));
  page = MT_STATS_PAGE (mt_window_show_page (window, "statistics"));
  g_assert_nonnull (page);
  settle (window);
  g_assert_false (mt_stats_page_show_view (page, "operator_totals"));
  g_assert_true (mt_stats_page_show_view (page, "turnover"));
  settle (window);
  {
    const MtStatsTable *t = mt_stats_page_get_table (page);
    gint64 store = mt_db_query_int (db, 0, "SELECT store_id FROM accounts WHERE username = 'store'", NULL);
    gint64 shown = 0;
    g_autofree char *sql = NULL;

    for (guint r = 0; r < t->n_rows; r++)
      shown += mt_stats_table_get (t, r, 1);   /* services */
    sql = g_strdup_printf ("SELECT coalesce (sum (amount_fen), 0) FROM ledger WHERE kind = 'service' AND store_id = %"
                           G_GINT64_FORMAT " AND at >= %" G_GINT64_FORMAT, store,
                           mt_stats_day_start (mt_stats_day_of (g_get_real_time ()) - 29));
    g_assert_cmpint (shown, ==, mt_db_query_int (db, -1, sql, NULL));
  }
  gtk_window_destroy (GTK_WINDOW (window));
  iterate (50);
  g_unlink (png);
  g_unlink (pdf);
  g_rmdir (dir);
}

/* ------------------------------------------------------------------ a notification server */

/* The desktop's notification service, played by the test on the session bus: it records the
 * summary and body of each notification it is asked to show */
static GPtrArray *notifications = NULL;

static void
notify_method_cb (GDBusConnection       *connection,
                  const char            *sender,
                  const char            *path,
                  const char            *interface,
                  const char            *method,
                  GVariant              *parameters,
                  GDBusMethodInvocation *invocation,
                  gpointer               data)
{
  if (g_str_equal (method, "Notify"))
    {
      const char *summary = NULL, *body = NULL;

      g_variant_get_child (parameters, 3, "&s", &summary);
      g_variant_get_child (parameters, 4, "&s", &body);
      g_ptr_array_add (notifications, g_strdup_printf ("%s | %s", summary, body));
      g_dbus_method_invocation_return_value (invocation, g_variant_new ("(u)", notifications->len));
    }
  else if (g_str_equal (method, "GetCapabilities"))
    {
      const char *caps[] = { "body", "actions", NULL };
      g_dbus_method_invocation_return_value (invocation, g_variant_new ("(^as)", caps));
    }
  else if (g_str_equal (method, "GetServerInformation"))
    g_dbus_method_invocation_return_value (invocation, g_variant_new ("(ssss)", "test", "mingtang", "1", "1.2"));
  else
    g_dbus_method_invocation_return_value (invocation, NULL);
}

static void
notification_server_start (void)
{
  static const char xml[] =
    "<node><interface name='org.freedesktop.Notifications'>"
    "<method name='Notify'><arg type='s' direction='in'/><arg type='u' direction='in'/><arg type='s' direction='in'/>"
    "<arg type='s' direction='in'/><arg type='s' direction='in'/><arg type='as' direction='in'/>"
    "<arg type='a{sv}' direction='in'/><arg type='i' direction='in'/><arg type='u' direction='out'/></method>"
    "<method name='CloseNotification'><arg type='u' direction='in'/></method>"
    "<method name='GetCapabilities'><arg type='as' direction='out'/></method>"
    "<method name='GetServerInformation'><arg type='s' direction='out'/><arg type='s' direction='out'/>"
    "<arg type='s' direction='out'/><arg type='s' direction='out'/></method>"
    "<signal name='ActionInvoked'><arg type='u'/><arg type='s'/></signal>"
    "<signal name='NotificationClosed'><arg type='u'/><arg type='u'/></signal>"
    "</interface></node>";
  static const GDBusInterfaceVTable vtable = { notify_method_cb, NULL, NULL };
  g_autoptr(GDBusNodeInfo) info = g_dbus_node_info_new_for_xml (xml, NULL);
  g_autoptr(GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);
  g_autoptr(GVariant) reply = NULL;

  notifications = g_ptr_array_new_with_free_func (g_free);
  g_assert_nonnull (bus);
  g_dbus_connection_register_object (bus, "/org/freedesktop/Notifications", info->interfaces[0], &vtable,
                                     NULL, NULL, NULL);
  reply = g_dbus_connection_call_sync (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                                       "RequestName", g_variant_new ("(su)", "org.freedesktop.Notifications", 4),
                                       NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
  g_assert_nonnull (reply);
}

/* The cell of the device list's row @id in column @key, as shown */
static const char *
list_cell (MtListPage *page,
           gint64      id,
           const char *key)
{
  GListModel *model = mt_list_page_get_model (page);
  guint n_columns;
  const MtListColumn *cols = mt_listing_get_columns (mt_list_page_get_listing (page), &n_columns);

  for (guint i = 0; i < g_list_model_get_n_items (model) && i < 200; i++)
    {
      g_autoptr(MtRowItem) item = g_list_model_get_item (model, i);

      if (mt_row_item_get_id (item) != id)
        continue;
      for (guint c = 0; c < n_columns; c++)
        if (g_str_equal (cols[c].key, key))
          return mt_row_item_get_cell (item, c);
    }
  return NULL;
}

/* Live telemetry in the console: a real broker, the console's own broker link; a message
 * reaches the BMS window's cell grid (highest and lowest marked) and the device list, an
 * over-voltage raises an alarm that is handled from the alarm list */
/* A message of @n_cells cells around @base_mv (cycling through @spread millivolts up), now */
static void
telemetry_fill (MtTelemetry *t,
                guint32      seq,
                int          soc,
                int          current_ma,
                int          n_cells,
                int          base_mv,
                int          spread)
{
  t->seq = seq;
  t->ts_ms = g_get_real_time () / 1000;
  t->soc = soc;
  t->current_ma = current_ma;
  t->n_cells = n_cells;
  for (int k = 0; k < n_cells; k++)
    t->cells_mv[k] = base_mv + k % spread;
}

static void
telemetry_sum_pack (MtTelemetry *t)
{
  t->pack_mv = 0;
  for (int k = 0; k < t->n_cells; k++)
    t->pack_mv += t->cells_mv[k];
}

/* An offline battery: its last stored reading with its age instead of an empty page; relays it
 * never reported are unknown, not off; the settings in volts, a value finer than the board keeps
 * refused before anything is sent */
static void
test_bms_offline (void)
{
  const char *messages = setlocale (LC_MESSAGES, NULL);
  gboolean chinese = messages && g_str_has_prefix (messages, "zh_CN");
  gint64 device = mt_db_query_int (db, 0, "SELECT id FROM devices WHERE state = 'ready' ORDER BY id DESC LIMIT 1", NULL);
  gint64 at = g_get_real_time () - (gint64) 3 * 3600 * G_USEC_PER_SEC - (gint64) 60 * G_USEC_PER_SEC;
  g_autofree char *payload = NULL;
  g_autofree char *ago = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) state = NULL;
  GActionGroup *relays;
  MtTelemetry t;
  MtWindow *window;
  MtBmsDialog *bms;
  GtkWidget *on, *off, *entry = NULL;

  g_assert_cmpint (device, >, 0);
  mt_telemetry_init (&t);
  telemetry_fill (&t, 77, 41, 0, 20, 3650, 2);
  t.state = MT_BMS_IDLE;
  telemetry_sum_pack (&t);
  t.n_temps = 2;
  t.temps_dc[0] = 180;
  t.temps_dc[1] = 176;
  payload = mt_telemetry_to_json (&t);
  g_assert_true (mt_db_run (db, NULL, "CREATE TEMP TABLE saved_status AS SELECT * FROM device_status WHERE device_id = ?",
                            "i", device));
  g_assert_true (mt_db_run (db, NULL, "INSERT OR REPLACE INTO device_status (device_id, online, pack_mv, soc, last_seen, "
                                      "payload) VALUES (?, 0, ?, 41, ?, ?)", "iiit", device, (gint64) t.pack_mv, at, payload));
  g_assert_true (mt_db_run (db, NULL, "INSERT INTO bms_snapshots (device_id, at, soc, pack_mv, current_ma, payload) "
                                      "VALUES (?, ?, 41, ?, 0, ?)", "iiit", device, at, (gint64) t.pack_mv, payload));

  window = mt_window_new (app, db);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (mt_window_sign_in (window, "admin", MT_DEMO_PASSWORD, &error));
  bms = mt_bms_dialog_new (GTK_WINDOW (window), mt_window_get_context (window), device);
  gtk_window_present (GTK_WINDOW (bms));
  iterate (150);

  /* the reading, said to be three hours old, the battery offline */
  ago = mt_format_age (at);
  g_assert_nonnull (mt_bms_dialog_get_age_text (bms));
  g_assert_nonnull (strstr (mt_bms_dialog_get_age_text (bms), ago));
  g_assert_cmpstr (mt_bms_dialog_get_field (bms, "connection"), ==, _("Offline"));
  g_assert_cmpstr (mt_bms_dialog_get_field (bms, "soc"), ==, "41%");
  g_assert_cmpstr (mt_bms_dialog_get_cell_text (bms, 0), ==, "3.650 V");
  g_assert_cmpstr (mt_bms_dialog_get_field (bms, "temp2"), ==, "17.6 °C");
  /* what the board did not send is not made up */
  g_assert_cmpstr (mt_bms_dialog_get_field (bms, "charge_relay"), ==, "—");
  g_assert_cmpstr (mt_bms_dialog_get_field (bms, "ext1"), ==, "—");
  g_assert_cmpstr (mt_bms_dialog_get_field (bms, "mcu"), ==, "—");
  if (chinese)
    {
      mt_bms_dialog_set_tab (bms, "status");
      iterate (150);
      assert_chinese (GTK_WIDGET (bms));
      save_screenshot (GTK_WIDGET (bms), "bms-offline.png");
    }

  /* the relays: unknown, neither button pressed; asking to switch one asks first, and saying no
   * leaves it unknown */
  relays = mt_bms_dialog_get_relays (bms);
  state = g_action_group_get_action_state (relays, "charge");
  g_assert_cmpstr (g_variant_get_string (state, NULL), ==, "unknown");
  mt_bms_dialog_set_tab (bms, "control");
  iterate (100);
  on = find_button (GTK_WIDGET (bms), g_dpgettext2 (NULL, "relay", "On"));
  off = find_button (GTK_WIDGET (bms), g_dpgettext2 (NULL, "relay", "Off"));
  g_assert_nonnull (on);
  g_assert_nonnull (off);
  g_assert_false (gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (on)));
  g_assert_false (gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (off)));
  if (chinese)
    {
      assert_chinese (GTK_WIDGET (bms));
      save_screenshot (GTK_WIDGET (bms), "bms-control-unknown.png");
    }
  g_assert_null (find_window (ADW_TYPE_MESSAGE_DIALOG));
  g_action_group_activate_action (relays, "charge", g_variant_new_string ("off"));
  iterate (50);
  g_assert_nonnull (find_window (ADW_TYPE_MESSAGE_DIALOG));
  close_windows (ADW_TYPE_MESSAGE_DIALOG);
  iterate (50);
  g_clear_pointer (&state, g_variant_unref);
  state = g_action_group_get_action_state (relays, "charge");
  g_assert_cmpstr (g_variant_get_string (state, NULL), ==, "unknown");
  g_assert_false (gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (off)));

  /* a reading arrives: the relay shows its state, the age is no longer said */
  t.charge_on = 0;
  t.discharge_on = 1;
  mt_bms_dialog_show_telemetry (bms, &t);
  iterate (20);
  g_assert_null (mt_bms_dialog_get_age_text (bms));
  g_assert_true (gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (off)));
  g_assert_false (gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (on)));
  g_assert_cmpstr (mt_bms_dialog_get_field (bms, "charge_relay"), ==, _("Off"));

  /* settings in volts: 4.2505 V is finer than the board keeps, nothing asked or sent; 4.2 V asks */
  mt_bms_dialog_set_tab (bms, "settings");
  iterate (100);
  for (GtkWidget *w = GTK_WIDGET (bms); w != NULL && entry == NULL;)
    {
      /* the first entry row: the cell over-voltage protection */
      GtkWidget *child = gtk_widget_get_first_child (w);

      if (ADW_IS_ENTRY_ROW (w) && gtk_widget_get_mapped (w))
        entry = w;
      else if (child)
        w = child;
      else
        {
          while (w && gtk_widget_get_next_sibling (w) == NULL)
            w = gtk_widget_get_parent (w);
          w = w ? gtk_widget_get_next_sibling (w) : NULL;
        }
    }
  g_assert_nonnull (entry);
  g_assert_nonnull (strstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (entry)), "2.000–4.800 V"));
  if (chinese)
    {
      assert_chinese (GTK_WIDGET (bms));
      save_screenshot (GTK_WIDGET (bms), "bms-settings.png");
    }
  gtk_editable_set_text (GTK_EDITABLE (entry), "4.2505");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (bms), "bms.write", NULL));
  iterate (50);
  g_assert_null (find_window (ADW_TYPE_MESSAGE_DIALOG));
  gtk_editable_set_text (GTK_EDITABLE (entry), "4,2");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (bms), "bms.write", NULL));
  iterate (50);
  g_assert_nonnull (find_window (ADW_TYPE_MESSAGE_DIALOG));
  close_windows (ADW_TYPE_MESSAGE_DIALOG);

  gtk_window_destroy (GTK_WINDOW (bms));
  gtk_window_destroy (GTK_WINDOW (window));
  iterate (50);
  g_assert_true (mt_db_run (db, NULL, "DELETE FROM bms_snapshots WHERE device_id = ? AND at = ?", "ii", device, at));
  g_assert_true (mt_db_run (db, NULL, "DELETE FROM device_status WHERE device_id = ?", "i", device));
  g_assert_true (mt_db_run (db, NULL, "INSERT INTO device_status SELECT * FROM saved_status", NULL));
  g_assert_true (mt_db_run (db, NULL, "DROP TABLE saved_status", NULL));
}

static void
test_bms_live (void)
{
  const char *messages = setlocale (LC_MESSAGES, NULL);
  gboolean chinese = messages && g_str_has_prefix (messages, "zh_CN");
  g_autofree char *dir = g_dir_make_tmp ("mt-bms-XXXXXX", NULL);
  const char *users[] = { "mingtang-server", "console-secret", "mingtang-sim", "sim-secret", NULL };
  g_autofree char *uri = NULL;
  g_autoptr(GSubprocess) broker = NULL;
  g_autoptr(MtIngest) ingest = NULL;
  g_autoptr(GError) error = NULL;
  gint64 device = mt_db_query_int (db, 0, "SELECT d.id FROM devices d JOIN device_specs p ON p.id = d.spec_id "
                                          "WHERE d.state = 'ready' AND p.series = 20 AND p.chemistry = 'NMC' ORDER BY d.id LIMIT 1", NULL);
  g_autofree char *no = mt_db_query_text (db, "SELECT device_no FROM devices WHERE id = ?", "i", device);
  g_autofree char *topic = g_strdup_printf ("mt/v1/dev/%s/telemetry", no);
  MtBrokerConfig config = { .username = "mingtang-server", .password = "console-secret" };
  MtTelemetry t;
  MtWindow *window;
  MtBmsDialog *bms;
  MtListPage *page;
  gint64 sent, alarm;

  g_assert_cmpint (device, >, 0);
  broker = mt_test_broker_start (dir, users, NULL, NULL, &uri, NULL);
  config.uri = uri;
  ingest = mt_ingest_new (db, &config);
  g_assert_true (mt_ingest_start (ingest, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < 100 && !mt_ingest_is_connected (ingest); i++)
    iterate (50);
  g_assert_true (mt_ingest_is_connected (ingest));

  window = mt_window_new (app, db);
  mt_window_set_ingest (window, ingest);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (mt_window_sign_in (window, "admin", MT_DEMO_PASSWORD, &error));
  page = MT_LIST_PAGE (mt_window_show_page (window, "devices"));
  mt_list_page_set_search (page, no);
  iterate (400);
  bms = mt_bms_dialog_new (GTK_WINDOW (window), mt_window_get_context (window), device);
  gtk_window_present (GTK_WINDOW (bms));
  iterate (100);

  /* a message with cell #5 the highest and #9 the lowest */
  mt_telemetry_init (&t);
  telemetry_fill (&t, 1, 64, -9500, 20, 3900, 3);
  t.state = MT_BMS_DISCHARGING;
  t.cells_mv[4] = 4010;
  t.cells_mv[8] = 3705;
  telemetry_sum_pack (&t);
  t.n_temps = 2;
  t.temps_dc[0] = 262;
  t.temps_dc[1] = MT_ABSENT;
  t.charge_on = t.discharge_on = 1;
  t.balancing = 1u << 4 | 1u << 11;
  t.has_pos = TRUE;
  t.lat = 30.27;
  t.lng = 120.15;
  /* the board's description, as the admin's page shows it */
  t.chem = MT_CHEM_LFP;
  t.balance_type = MT_BALANCE_PASSIVE;
  t.n_ext = 2;
  t.ext_dc[0] = 215;
  t.ext_dc[1] = MT_ABSENT;
  t.board_dc = 301;
  t.preheat = 1;
  t.relay = 0;
  t.fw_major = 2;
  t.fw_minor = 7;
  t.remaining_mah = 35200;
  t.nominal_mah = 55000;
  g_strlcpy (t.mcu, "STM32F103", sizeof t.mcu);
  g_strlcpy (t.vendor, "MT01", sizeof t.vendor);
  g_strlcpy (t.cabinet, "MTC-1", sizeof t.cabinet);
  g_strlcpy (t.tower, "460-00-12345", sizeof t.tower);
  g_strlcpy (t.made, "2024-05-17", sizeof t.made);
  {
    g_autofree char *payload = mt_telemetry_to_json (&t);
    mt_test_mqtt_publish (uri, "mingtang-sim", "sim-secret", topic, payload);
  }
  sent = g_get_monotonic_time ();
  while (g_strcmp0 (mt_bms_dialog_get_cell_text (bms, 4), "4.010 V") != 0 &&
         g_get_monotonic_time () - sent < 5 * G_USEC_PER_SEC)
    g_main_context_iteration (NULL, FALSE);
  g_test_message ("message to cell grid: %.0f ms after mosquitto_pub returned",
                  (g_get_monotonic_time () - sent) / 1000.0);
  g_assert_cmpstr (mt_bms_dialog_get_cell_text (bms, 4), ==, "4.010 V");
  g_assert_cmpstr (mt_bms_dialog_get_cell_mark (bms, 4), ==, "highest,balancing");
  g_assert_cmpstr (mt_bms_dialog_get_cell_mark (bms, 8), ==, "lowest");
  g_assert_cmpstr (mt_bms_dialog_get_cell_mark (bms, 11), ==, "balancing");
  g_assert_cmpstr (mt_bms_dialog_get_cell_mark (bms, 0), ==, "");
  g_assert_cmpstr (mt_bms_dialog_get_cell_text (bms, 19), ==, "3.901 V");
  /* every value of the admin's page, in words and units; live: nothing said about its age */
  g_assert_null (mt_bms_dialog_get_age_text (bms));
  g_assert_cmpstr (mt_bms_dialog_get_field (bms, "chem"), ==, g_dpgettext2 (NULL, "chemistry", "LFP"));
  g_assert_cmpstr (mt_bms_dialog_get_field (bms, "state"), ==, _("Discharging"));
  g_assert_cmpstr (mt_bms_dialog_get_field (bms, "series"), ==, "20");
  g_assert_cmpstr (mt_bms_dialog_get_field (bms, "remaining"), ==, "35.2 Ah");
  g_assert_cmpstr (mt_bms_dialog_get_field (bms, "nominal"), ==, "55.0 Ah");
  g_assert_cmpstr (mt_bms_dialog_get_field (bms, "soc"), ==, "64%");
  g_assert_cmpstr (mt_bms_dialog_get_field (bms, "charge_current"), ==, "0.0 A");
  g_assert_cmpstr (mt_bms_dialog_get_field (bms, "discharge_current"), ==, "9.5 A");
  g_assert_cmpstr (mt_bms_dialog_get_field (bms, "cell_high"), ==, "4.010 V  #5");
  g_assert_cmpstr (mt_bms_dialog_get_field (bms, "cell_low"), ==, "3.705 V  #9");
  g_assert_cmpstr (mt_bms_dialog_get_field (bms, "cell_delta"), ==, "305 mV");
  g_assert_cmpstr (mt_bms_dialog_get_field (bms, "balance_type"), ==, _("Passive"));
  {
    g_autofree char *two = g_strdup_printf (g_dngettext (NULL, "Balancing %d cell", "Balancing %d cells", 2), 2);
    g_assert_cmpstr (mt_bms_dialog_get_field (bms, "balance_state"), ==, two);
  }
  g_assert_cmpstr (mt_bms_dialog_get_field (bms, "board_temp"), ==, "30.1 °C");
  g_assert_cmpstr (mt_bms_dialog_get_field (bms, "temp1"), ==, "26.2 °C");
  g_assert_cmpstr (mt_bms_dialog_get_field (bms, "temp2"), ==, _("open"));
  g_assert_cmpstr (mt_bms_dialog_get_field (bms, "ext1"), ==, "21.5 °C");
  g_assert_cmpstr (mt_bms_dialog_get_field (bms, "ext2"), ==, _("open"));
  g_assert_cmpstr (mt_bms_dialog_get_field (bms, "charge_prot"), ==, _("Normal"));
  g_assert_cmpstr (mt_bms_dialog_get_field (bms, "discharge_prot"), ==, _("Normal"));
  g_assert_cmpstr (mt_bms_dialog_get_field (bms, "short"), ==, _("Normal"));
  g_assert_cmpstr (mt_bms_dialog_get_field (bms, "charge_relay"), ==, _("On"));
  g_assert_cmpstr (mt_bms_dialog_get_field (bms, "preheat"), ==, _("On"));
  g_assert_cmpstr (mt_bms_dialog_get_field (bms, "relay_fn"), ==, _("Not available"));
  g_assert_cmpstr (mt_bms_dialog_get_field (bms, "mcu"), ==, "STM32F103");
  g_assert_cmpstr (mt_bms_dialog_get_field (bms, "vendor"), ==, "MT01");
  g_assert_cmpstr (mt_bms_dialog_get_field (bms, "fw_major"), ==, "2");
  g_assert_cmpstr (mt_bms_dialog_get_field (bms, "fw_minor"), ==, "7");
  g_assert_cmpstr (mt_bms_dialog_get_field (bms, "cabinet"), ==, "MTC-1");
  g_assert_cmpstr (mt_bms_dialog_get_field (bms, "tower"), ==, "460-00-12345");
  g_assert_cmpstr (mt_bms_dialog_get_field (bms, "made"), ==, "2024-05-17");
  g_assert_cmpstr (mt_bms_dialog_get_field (bms, "connection"), ==, _("Online"));
  /* the relays as the battery says: On shown pressed */
  {
    g_autoptr(GVariant) state = g_action_group_get_action_state (mt_bms_dialog_get_relays (bms), "discharge");
    g_assert_cmpstr (g_variant_get_string (state, NULL), ==, "on");
  }
  /* the device list follows within its one-second refresh, in place */
  iterate (1300);
  {
    g_autofree char *pack = g_strdup_printf ("%.2f V", t.pack_mv / 1000.0);
    g_assert_cmpstr (list_cell (page, device, "voltage"), ==, pack);
    g_assert_cmpstr (list_cell (page, device, "soc"), ==, "64%");
  }
  if (chinese)
    {
      static const char *const tabs[] = { "status", "settings", "control", "statistics" };
      for (guint i = 0; i < G_N_ELEMENTS (tabs); i++)
        {
          g_autofree char *shot = g_strdup_printf ("bms-%s.png", tabs[i]);
          mt_bms_dialog_set_tab (bms, tabs[i]);
          iterate (150);
          assert_chinese (GTK_WIDGET (bms));
          save_screenshot (GTK_WIDGET (bms), shot);
        }
      /* the whole status page at once */
      mt_bms_dialog_set_tab (bms, "status");
      gtk_window_set_default_size (GTK_WINDOW (bms), 760, 1680);
      iterate (300);
      save_screenshot (GTK_WIDGET (bms), "bms-status-full.png");
      gtk_window_set_default_size (GTK_WINDOW (bms), 720, 760);
    }

  /* an over-voltage: one open alarm; handled from the alarm list with a note */
  t.seq = 2;
  t.cells_mv[4] = 4400;
  t.prot = 1u << MT_PROT_CELL_OV;
  {
    g_autofree char *payload = mt_telemetry_to_json (&t);
    mt_test_mqtt_publish (uri, "mingtang-sim", "sim-secret", topic, payload);
  }
  for (guint i = 0; i < 100 && mt_db_query_int (db, 0, "SELECT count (*) FROM alarms WHERE device_id = ? AND type = "
                                                       "'cell_ov' AND state = 'open'", "i", device) == 0; i++)
    iterate (50);
  alarm = mt_db_query_int (db, 0, "SELECT id FROM alarms WHERE device_id = ? AND type = 'cell_ov' AND state = 'open'",
                           "i", device);
  g_assert_cmpint (alarm, >, 0);
  /* the protection on the charge side, the discharge side normal */
  g_assert_cmpstr (mt_bms_dialog_get_field (bms, "charge_prot"), ==, mt_alarm_type_title ("cell_ov"));
  g_assert_cmpstr (mt_bms_dialog_get_field (bms, "discharge_prot"), ==, _("Normal"));
  gtk_window_destroy (GTK_WINDOW (bms));

  /* its details and curve: the cell climbing to the protection over the last hour */
  for (int i = 1; i <= 20; i++)
    {
      g_autofree char *payload = NULL;

      t.cells_mv[4] = 4010 + i * 12;
      t.prot = 0;
      payload = mt_telemetry_to_json (&t);
      g_assert_true (mt_db_run (db, NULL, "INSERT OR IGNORE INTO bms_snapshots (device_id, at, soc, pack_mv, current_ma, "
                                          "payload) VALUES (?, ?, 60, 78000, -9000, ?)", "iit", device,
                                g_get_real_time () - (gint64) (21 - i) * 180 * G_USEC_PER_SEC, payload));
    }
  {
    MtAlarmDialog *details = mt_alarm_dialog_new (GTK_WINDOW (window), mt_window_get_context (window), alarm);

    gtk_window_present (GTK_WINDOW (details));
    iterate (150);
    g_assert_cmpuint (mt_alarm_dialog_get_n_points (details), >=, 20);
    if (chinese)
      {
        assert_chinese (GTK_WIDGET (details));
        save_screenshot (GTK_WIDGET (details), "alarm-curve.png");
      }
    gtk_window_destroy (GTK_WINDOW (details));
  }
  page = MT_LIST_PAGE (mt_window_show_page (window, "alarms"));
  iterate (1300);
  select_row_with_id (page, alarm);
  g_assert_true (mt_telemetry_actions_handle (page, "已更换电芯"));
  settle (window);
  mt_assert_query_text (db, "handled", "SELECT state FROM alarms WHERE id = ?", "i", alarm);
  mt_assert_query_text (db, "已更换电芯", "SELECT note FROM alarms WHERE id = ?", "i", alarm);
  if (chinese)
    {
      /* the alarm list narrowed to this battery: its handled alarm, the filter bar above */
      mt_list_page_set_search (page, no);
      iterate (300);
      g_assert_cmpuint (g_list_model_get_n_items (mt_list_page_get_model (page)), >=, 1);
      assert_chinese (GTK_WIDGET (window));
      save_screenshot (GTK_WIDGET (window), "alarm-list.png");
      mt_list_page_set_search (page, "");
    }
  /* the new alarm was shown on the desktop, naming its kind and the battery */
  for (guint i = 0; i < 40 && notifications->len == 0; i++)
    iterate (50);
  {
    g_autofree char *expected = g_strdup_printf (_("Battery %s"), no);
    gboolean found = FALSE;

    for (guint i = 0; i < notifications->len; i++)
      if (strstr (notifications->pdata[i], expected) && strstr (notifications->pdata[i], mt_alarm_type_title ("cell_ov")))
        found = TRUE;
    g_assert_true (found);
  }

  /* the admin hides over-voltage alarms: gone from the alarm list, back when shown again */
  {
    g_autofree char *alarm_no = mt_db_query_text (db, "SELECT alarm_no FROM alarms WHERE id = ?", "i", alarm);
    g_autoptr(MtListing) listing = mt_listing_new (db, mt_window_get_actor (window), "alarms", &error);

    g_assert_no_error (error);
    mt_listing_set_search (listing, alarm_no);
    g_assert_cmpuint (mt_listing_count (listing), ==, 1);
    page = MT_LIST_PAGE (mt_window_show_page (window, "alarm_types"));
    iterate (200);
    select_row_with_id (page, 3);   /* cell_ov */
    g_assert_true (mt_telemetry_actions_hide_types (page, TRUE));
    settle (window);
    g_assert_cmpuint (mt_listing_count (listing), ==, 0);
    select_row_with_id (page, 3);
    g_assert_true (mt_telemetry_actions_hide_types (page, FALSE));
    settle (window);
    g_assert_cmpuint (mt_listing_count (listing), ==, 1);
  }

  mt_ingest_stop (ingest);
  gtk_window_destroy (GTK_WINDOW (window));
  iterate (50);
  mt_test_server_stop (g_steal_pointer (&broker));
  {
    const char *files[] = { "passwd", "acl", "mosquitto.conf", "services", "devices", "device-passwd", "acl.extra" };
    for (guint i = 0; i < G_N_ELEMENTS (files); i++)
      {
        g_autofree char *file = g_build_filename (dir, files[i], NULL);
        g_unlink (file);
      }
    g_rmdir (dir);
  }
}

/* Under LANG=zh_CN.UTF-8 every page and dialog is Chinese: no English word outside the data */
static void
test_chinese (void)
{
  const char *messages = setlocale (LC_MESSAGES, NULL);
  MtWindow *window;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) pages = NULL;
  GtkWidget *dialog;

  if (messages == NULL || !g_str_has_prefix (messages, "zh_CN"))
    {
      g_test_skip ("runs under LC_ALL=zh_CN.UTF-8 (the app-zh_CN test)");
      return;
    }
  window = mt_window_new (app, db);
  gtk_window_present (GTK_WINDOW (window));
  iterate (100);
  assert_chinese (GTK_WIDGET (window));   /* the sign-in screen */
  g_assert_true (mt_window_sign_in (window, "admin", MT_DEMO_PASSWORD, &error));
  g_assert_no_error (error);

  pages = mt_window_list_pages (window);
  for (guint i = 0; pages[i]; i++)
    {
      g_autofree char *name = g_strconcat (pages[i], ".png", NULL);

      mt_window_show_page (window, pages[i]);
      iterate (60);
      assert_chinese (GTK_WIDGET (window));
      save_screenshot (GTK_WIDGET (window), name);
    }

  dialog = GTK_WIDGET (mt_form_dialog_new (GTK_WINDOW (window), mt_window_get_context (window), mt_entity_lookup ("stores"), 0));
  gtk_window_present (GTK_WINDOW (dialog));
  iterate (100);
  assert_chinese (dialog);
  save_screenshot (dialog, "store-editor.png");
  mt_form_dialog_set_value (MT_FORM_DIALOG (dialog), "name", "中文门店");
  mt_form_dialog_set_value (MT_FORM_DIALOG (dialog), "operator_id", "2");
  mt_form_dialog_set_value (MT_FORM_DIALOG (dialog), "mobile", "1381234567");
  mt_form_dialog_set_value (MT_FORM_DIALOG (dialog), "password", "secret-pass");
  mt_form_dialog_set_value (MT_FORM_DIALOG (dialog), "manager", "李四");
  mt_form_dialog_set_value (MT_FORM_DIALOG (dialog), "manager_id_card", "11010519491231002X");
  mt_form_dialog_set_value (MT_FORM_DIALOG (dialog), "region_code", "310115");
  mt_form_dialog_set_value (MT_FORM_DIALOG (dialog), "address", "张杨路 2 号");
  g_assert_cmpint (form_save (window, MT_FORM_DIALOG (dialog)), ==, 0);
  g_assert_nonnull (strstr (mt_form_dialog_get_error (MT_FORM_DIALOG (dialog)), "手机号"));
  iterate (100);
  save_screenshot (dialog, "store-editor-error.png");
  gtk_window_destroy (GTK_WINDOW (dialog));

  /* the billing rule editor (services, the contract's placeholder menu), the campaign, denomination
   * and rental card editors */
  {
    static const struct { const char *entity, *sql, *shot; } editors[] = {
      { "billing_rules", "SELECT min (id) FROM billing_rules WHERE deleted = 0", "billing-editor.png" },
      { "campaigns", "SELECT min (id) FROM campaigns WHERE deleted = 0", "campaign-editor.png" },
      { "recharge_plans", "SELECT min (id) FROM recharge_plans WHERE deleted = 0", "denomination-editor.png" },
      { "rental_cards", "SELECT min (id) FROM rental_cards WHERE deleted = 0", "rental-card-editor.png" },
    };

    for (guint i = 0; i < G_N_ELEMENTS (editors); i++)
      {
        dialog = GTK_WIDGET (mt_form_dialog_new (GTK_WINDOW (window), mt_window_get_context (window), mt_entity_lookup (editors[i].entity),
                                                 mt_db_query_int (db, 0, editors[i].sql, NULL)));
        gtk_window_present (GTK_WINDOW (dialog));
        iterate (100);
        assert_chinese (dialog);
        save_screenshot (dialog, editors[i].shot);
        gtk_window_destroy (GTK_WINDOW (dialog));
      }
  }

  dialog = GTK_WIDGET (mt_repair_dialog_new (GTK_WINDOW (window), mt_window_get_context (window), mt_db_query_int (db, 0, "SELECT id FROM repairs WHERE state = 'repairing' LIMIT 1", NULL)));
  gtk_window_present (GTK_WINDOW (dialog));
  iterate (100);
  assert_chinese (dialog);
  save_screenshot (dialog, "repair-progress.png");
  gtk_window_destroy (GTK_WINDOW (dialog));

  gtk_window_destroy (GTK_WINDOW (window));
  iterate (50);
}

static gboolean
wait_until (gboolean (*check) (MtWindow *), MtWindow *window, gboolean wanted, guint seconds)
{
  gint64 end = g_get_monotonic_time () + seconds * G_USEC_PER_SEC;

  while (check (window) != wanted && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE), g_usleep (5000);
  return check (window) == wanted;
}

static void
record_order_cb (gint64 *order,
                 gint64  id)
{
  *order = id;
}

static gboolean
signed_in (MtWindow *window)
{
  return mt_window_get_actor (window) != NULL;
}

/* Connected to a real server: the server's rows in a read-only replica, the offline banner
 * when it stops, recovery when it is back */
static void
test_connected (void)
{
  g_autofree char *dir = g_dir_make_tmp ("mt-connected-XXXXXX", NULL);
  g_autofree char *shared = g_build_filename (dir, "shared.db", NULL);
  g_autofree char *url = NULL;
  g_autofree char *listen = NULL;
  g_autofree char *token = NULL;
  GSubprocess *server;
  MtWindow *window;
  MtListPage *page;
  guint stores;

  if (g_getenv ("MINGTANG_SERVER") == NULL)
    {
      g_test_skip ("needs MINGTANG_SERVER");
      return;
    }
  mt_test_demo_copy (shared);
  server = mt_test_server_start (shared, &url);
  listen = g_strndup (url + strlen ("http://"), strlen (url) - strlen ("http://") - 1);
  {
    MtDb *server_db = mt_db_open (shared, NULL);

    stores = mt_db_query_int (server_db, 0, "SELECT count(*) FROM stores s JOIN operators o "
                                            "ON o.id = s.operator_id WHERE o.path LIKE '/1/2/%' AND s.deleted = 0", NULL);
    mt_db_close (server_db);
  }

  window = mt_window_new (app, db);
  gtk_window_present (GTK_WINDOW (window));
  /* the sign-in screen leads to the connect screen */
  {
    GtkWidget *button = find_button (GTK_WIDGET (window), _("Connect to a _Server…"));

    g_assert_nonnull (button);
    g_signal_emit_by_name (button, "clicked");
    iterate (200);
    save_screenshot (GTK_WIDGET (window), "connect.png");
  }
  mt_window_connect (window, url, "east", MT_DEMO_PASSWORD);
  g_assert_true (wait_until (signed_in, window, TRUE, 20));
  page = MT_LIST_PAGE (mt_window_show_page (window, "stores"));
  iterate (200);
  g_assert_cmpuint (g_list_model_get_n_items (mt_list_page_get_model (page)), ==, stores);

  /* an edit goes to the server, and comes back through the replica */
  {
    MtDb *replica = mt_window_get_database (window);
    const MtEntity *entity = mt_entity_lookup ("stores");
    gint64 store = mt_db_query_int (replica, 0, "SELECT s.id FROM stores s JOIN operators o ON o.id = s.operator_id "
                                                "WHERE o.path LIKE '/1/2/%' ORDER BY s.id LIMIT 1", NULL);
    g_autoptr(GHashTable) fields = mt_fields_new ();
    g_autoptr(GError) error = NULL;
    MtFormDialog *form = mt_form_dialog_new (GTK_WINDOW (window), mt_window_get_context (window), entity, store);
    g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM stores WHERE id = %" G_GINT64_FORMAT
                                            " AND name = '远程改名'", store);
    gint64 end = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
    MtDb *server_db;

    gtk_window_present (GTK_WINDOW (form));
    iterate (100);
    mt_form_dialog_set_value (form, "mobile", "1381234567");
    mt_form_dialog_save (form);
    while (mt_form_dialog_get_error (form) == NULL && g_get_monotonic_time () < end)
      iterate (20);
    g_assert_nonnull (strstr (mt_form_dialog_get_error (form), _("Main account (mobile)")));
    mt_form_dialog_set_value (form, "mobile", "13812345678");
    mt_form_dialog_set_value (form, "name", "远程改名");
    mt_form_dialog_save (form);   /* closes itself once the server said yes */
    while (mt_db_query_int (replica, 0, sql, NULL) == 0 && g_get_monotonic_time () < end)
      iterate (20);
    g_assert_cmpint (mt_db_query_int (replica, 0, sql, NULL), ==, 1);
    server_db = mt_db_open (shared, NULL);
    g_assert_cmpint (mt_db_query_int (server_db, 0, sql, NULL), ==, 1);
    mt_db_close (server_db);

    /* someone else changes the row while the form is open: 409, the form takes the row as it
     * is now, and the next save goes through */
    {
      MtFormDialog *late = mt_form_dialog_new (GTK_WINDOW (window), mt_window_get_context (window), entity, store);
      g_autofree char *other = g_strdup_printf ("{\"version\":%" G_GINT64_FORMAT ",\"address\":\"别人改的地址\"}",
                                                mt_db_query_int (replica, 0, "SELECT version FROM stores WHERE id = ?",
                                                                 "i", store));
      g_autoptr(JsonNode) body = json_from_string (other, NULL);
      g_autofree char *path = g_strdup_printf ("stores/%" G_GINT64_FORMAT, store);
      g_autofree char *late_sql = g_strdup_printf ("SELECT count(*) FROM stores WHERE id = %" G_GINT64_FORMAT
                                                   " AND name = '冲突后改名' AND address = '别人改的地址'", store);
      gboolean written = FALSE;

      mt_sync_engine_request_async (mt_window_get_engine (window), "PUT", path, body, NULL,
                                    NULL, NULL);
      end = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
      while (mt_db_query_int (replica, 0, "SELECT count(*) FROM stores WHERE address = '别人改的地址'", NULL) == 0 &&
             g_get_monotonic_time () < end)
        iterate (20);
      mt_form_dialog_set_value (late, "name", "冲突改名");
      mt_form_dialog_save (late);
      while (mt_form_dialog_get_error (late) == NULL && g_get_monotonic_time () < end)
        iterate (20);
      g_assert_nonnull (mt_form_dialog_get_error (late));
      iterate (300);   /* the row comes in and fills the form */
      mt_form_dialog_set_value (late, "name", "冲突后改名");
      mt_form_dialog_save (late);
      end = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
      while (!(written = mt_db_query_int (replica, 0, late_sql, NULL) == 1) && g_get_monotonic_time () < end)
        iterate (20);
      g_assert_true (written);   /* and the other's address was kept: the form had reloaded it */
    }

    /* the pages' connection cannot write: nothing bypasses the server */
    g_hash_table_insert (fields, g_strdup ("name"), g_strdup ("本地改名"));
    g_assert_cmpint (mt_entity_save (replica, mt_window_get_actor (window), entity, store,
                                     mt_db_query_int (replica, 0, "SELECT version FROM stores WHERE id = ?", "i", store),
                                     fields, &error), ==, 0);
    g_assert_nonnull (error);
    g_assert_false (g_error_matches (error, MT_ERROR, MT_ERROR_INVALID));   /* refused by the connection */
  }
  save_screenshot (GTK_WIDGET (window), "connected.png");

  /* a BMS window of a connected console shows what the server last heard from the battery
   * (its replica holds no telemetry): here the server's last snapshot, cell #5 the highest */
  {
    MtDb *replica = mt_window_get_database (window);
    MtDb *server_db = mt_db_open (shared, NULL);
    gint64 device = mt_db_query_int (replica, 0, "SELECT d.id FROM devices d JOIN operators o ON o.id = d.operator_id "
                                                 "WHERE o.path LIKE '/1/2/%' AND d.deleted = 0 ORDER BY d.id LIMIT 1", NULL);
    g_autofree char *payload = NULL;
    MtBmsDialog *bms;
    MtTelemetry t;
    gint64 end;

    mt_telemetry_init (&t);
    telemetry_fill (&t, 9, 81, 0, 16, 3300, 2);
    t.state = MT_BMS_IDLE;
    t.cells_mv[4] = 3390;
    telemetry_sum_pack (&t);
    t.n_temps = 1;
    t.temps_dc[0] = 240;
    t.charge_on = t.discharge_on = 1;
    payload = mt_telemetry_to_json (&t);
    g_assert_true (mt_db_run (server_db, NULL, "INSERT OR REPLACE INTO device_status (device_id, online, pack_mv, soc, "
                                               "last_seen, payload) VALUES (?, 1, ?, 81, ?, ?)", "iiit", device,
                              (gint64) t.pack_mv, g_get_real_time (), payload));
    mt_db_close (server_db);
    g_assert_cmpint (mt_db_query_int (replica, 0, "SELECT count (*) FROM device_status WHERE device_id = ? AND "
                                                  "payload IS NOT NULL", "i", device), ==, 0);
    bms = mt_bms_dialog_new (GTK_WINDOW (window), mt_window_get_context (window), device);
    gtk_window_present (GTK_WINDOW (bms));
    end = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
    while (g_strcmp0 (mt_bms_dialog_get_cell_text (bms, 4), "3.390 V") != 0 && g_get_monotonic_time () < end)
      iterate (20);
    g_assert_cmpstr (mt_bms_dialog_get_cell_text (bms, 4), ==, "3.390 V");
    g_assert_cmpstr (mt_bms_dialog_get_cell_mark (bms, 4), ==, "highest");
    gtk_window_destroy (GTK_WINDOW (bms));
    iterate (100);

    /* the device list shows the live state the server holds, within its one-second tick */
    {
      g_autofree char *no = mt_db_query_text (replica, "SELECT device_no FROM devices WHERE id = ?", "i", device);
      g_autofree char *pack = g_strdup_printf ("%.2f V", t.pack_mv / 1000.0);
      MtListPage *devices = MT_LIST_PAGE (mt_window_show_page (window, "devices"));

      mt_list_page_set_search (devices, no);
      end = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
      while (g_strcmp0 (list_cell (devices, device, "voltage"), pack) != 0 && g_get_monotonic_time () < end)
        iterate (50);
      g_assert_cmpstr (list_cell (devices, device, "voltage"), ==, pack);
      g_assert_cmpstr (list_cell (devices, device, "soc"), ==, "81%");
      mt_list_page_set_search (devices, "");
    }

    /* the location monitor: where every battery in scope is, from the server (the replica
     * holds no positions of its own) */
    {
      MtDb *server = mt_db_open (shared, NULL);
      g_autofree char *path = g_strconcat (mt_window_get_actor (window)->operator_path, "%", NULL);
      gint64 located = mt_db_query_int (server, 0, "SELECT count (*) FROM devices d JOIN device_status st ON "
                                                   "st.device_id = d.id JOIN operators o ON o.id = d.operator_id WHERE "
                                                   "d.deleted = 0 AND st.lat IS NOT NULL AND o.path LIKE ?", "t", path);
      MtMonitorPage *monitor = MT_MONITOR_PAGE (mt_window_show_page (window, "monitor"));
      MtDeviceLayer *layer = mt_monitor_page_get_layer (monitor);

      mt_db_close (server);
      g_assert_cmpint (located, >, 10);
      end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
      while (mt_device_layer_get_n_points (layer) != (guint) located && g_get_monotonic_time () < end)
        iterate (50);
      g_assert_cmpuint (mt_device_layer_get_n_points (layer), ==, located);
    }
  }

  /* the rental counter through the server: its quote, the order, the end */
  {
    MtDb *replica = mt_window_get_database (window);
    gint64 device = mt_db_query_int (replica, 0, "SELECT d.id FROM devices d JOIN operators o ON o.id = d.operator_id "
                                                 "WHERE o.path LIKE '/1/2/%' AND d.state = 'ready' AND d.store_id IS NOT NULL "
                                                 "AND d.type_id = (SELECT min (id) FROM device_types) ORDER BY d.id LIMIT 1",
                                     NULL);
    gint64 store = mt_db_query_int (replica, 0, "SELECT store_id FROM devices WHERE id = ?", "i", device);
    g_autofree char *no = mt_db_query_text (replica, "SELECT device_no FROM devices WHERE id = ?", "i", device);
    MtRentDialog *rent = mt_rent_dialog_new (GTK_WINDOW (window), mt_window_get_context (window), store, 0);
    gint64 end = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
    gint64 order = 0;
    MtOrderDialog *detail;

    g_signal_connect_swapped (rent, "rented", G_CALLBACK (record_order_cb), &order);
    gtk_window_present (GTK_WINDOW (rent));
    mt_rent_dialog_set_field (rent, "device_no", no);
    mt_rent_dialog_set_field (rent, "mobile", "13900009999");
    mt_rent_dialog_set_field (rent, "name", "远程骑手");
    mt_rent_dialog_set_field (rent, "id_card", "11010519491231002X");
    mt_rent_dialog_set_field (rent, "pay_method", "online");
    mt_rent_dialog_refresh (rent);
    while (g_str_equal (mt_rent_dialog_get_total (rent), "—") && g_get_monotonic_time () < end)
      iterate (20);
    g_assert_null (mt_rent_dialog_get_error (rent));
    g_assert_true (g_str_has_prefix (mt_rent_dialog_get_total (rent), "¥"));
    mt_rent_dialog_rent (rent);   /* closes itself once the server said yes */
    while (order == 0 && g_get_monotonic_time () < end)
      iterate (20);
    g_assert_cmpint (order, >, 0);
    mt_assert_query_text (replica, "rented", "SELECT state FROM devices WHERE id = ?", "i", device);

    detail = mt_order_dialog_new (GTK_WINDOW (window), mt_window_get_context (window), order);
    gtk_window_present (GTK_WINDOW (detail));
    g_assert_true (mt_order_dialog_run (detail, "end"));
    while (g_strcmp0 (mt_db_query_text (replica, "SELECT state FROM orders WHERE id = ?", "i", order), "ended") != 0 &&
           g_get_monotonic_time () < end)
      iterate (20);
    mt_assert_query_text (replica, "ended", "SELECT state FROM orders WHERE id = ?", "i", order);
    gtk_window_destroy (GTK_WINDOW (detail));
  }

  /* the session is in the keyring, not in a file (the store is asynchronous) */
  iterate (300);
  token = secret_password_lookup_sync (&(SecretSchema) { "com.mtxnyjs.Mingtang.Session", SECRET_SCHEMA_NONE,
                                                         { { "server", SECRET_SCHEMA_ATTRIBUTE_STRING },
                                                           { "username", SECRET_SCHEMA_ATTRIBUTE_STRING },
                                                           { NULL, 0 } } },
                                       NULL, NULL, "server", url, "username", "east", NULL);
  g_assert_nonnull (token);   /* build-aux/test.sh runs an unlocked keyring */

  /* the server stops: the banner shows, the lists stay */
  mt_test_server_stop (server);
  g_assert_true (wait_until (mt_window_is_offline, window, TRUE, 10));
  iterate (300);
  save_screenshot (GTK_WIDGET (window), "offline.png");
  g_assert_cmpuint (g_list_model_get_n_items (mt_list_page_get_model (page)), ==, stores);

  /* and comes back on the same address: the console reconnects by itself */
  g_free (url);
  server = mt_test_server_start_at (shared, listen, &url);
  g_assert_true (wait_until (mt_window_is_offline, window, FALSE, 40));

  gtk_window_destroy (GTK_WINDOW (window));
  iterate (50);
  mt_test_server_stop (server);
  mt_test_remove_db (shared);
}

/* Connected: the server's monthly reports are listed in the statistics page and saved from
 * there; one of an operator above the account is refused */
static void
test_connected_reports (void)
{
  g_autofree char *dir = g_dir_make_tmp ("mt-reports-XXXXXX", NULL);
  g_autofree char *shared = g_build_filename (dir, "shared.db", NULL);
  g_autofree char *reports = g_build_filename (dir, "reports", NULL);
  g_autofree char *saved = g_build_filename (dir, "saved.pdf", NULL);
  g_autofree char *url = NULL;
  g_autoptr(GDateTime) today = g_date_time_new_from_unix_utc (mt_stats_day_of (g_get_real_time ()) * 86400);
  g_autoptr(GDateTime) last = g_date_time_add_months (today, -1);
  g_autofree char *month = g_date_time_format (last, "%Y-%m");
  const char *extra[] = { "--report-dir", reports, NULL };
  gint64 east = 0, end, expected;
  GSubprocess *server;
  MtWindow *window;
  MtStatsPage *page;

  if (g_getenv ("MINGTANG_SERVER") == NULL)
    {
      g_test_skip ("needs MINGTANG_SERVER");
      return;
    }
  mt_test_demo_copy (shared);
  {
    MtDb *server_db = mt_db_open (shared, NULL);

    east = mt_db_query_int (server_db, 0, "SELECT operator_id FROM accounts WHERE username = 'east'", NULL);
    expected = mt_db_query_int (server_db, 0, "SELECT count (*) FROM operators WHERE deleted = 0 AND path LIKE "
                                              "(SELECT path FROM operators WHERE id = ?) || '%'", "i", east);
    mt_db_close (server_db);
  }
  server = mt_test_server_start_full (shared, "127.0.0.1:0", extra, &url);
  end = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  for (;;)
    {
      g_autofree char *xlsx = g_strdup_printf ("%s/%" G_GINT64_FORMAT "/%s.xlsx", reports, east, month);

      if (g_file_test (xlsx, G_FILE_TEST_EXISTS) || g_get_monotonic_time () > end)
        break;
      g_usleep (100000);
    }
  g_usleep (2 * G_USEC_PER_SEC);   /* the operators after it */

  window = mt_window_new (app, db);
  gtk_window_set_default_size (GTK_WINDOW (window), 1400, 860);
  gtk_window_present (GTK_WINDOW (window));
  mt_window_connect (window, url, "east", MT_DEMO_PASSWORD);
  g_assert_true (wait_until (signed_in, window, TRUE, 20));
  page = MT_STATS_PAGE (mt_window_show_page (window, "statistics"));
  g_assert_nonnull (page);
  settle (window);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "stats.past-reports", NULL));
  end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (mt_stats_page_get_n_past_reports (page) < 0 && g_get_monotonic_time () < end)
    iterate (20);
  g_assert_cmpint (mt_stats_page_get_n_past_reports (page), ==, expected);
  iterate (200);
  {
    g_autofree char *name = g_strdup_printf ("%" G_GINT64_FORMAT "-%s.pdf", east, month);
    g_autofree char *bytes = NULL;
    g_autofree char *hq = g_strdup_printf ("1-%s.pdf", month);
    gsize len = 0;

    mt_stats_page_download_report (page, name, saved);
    end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
    while (mt_stats_page_get_report_message (page) == NULL && g_get_monotonic_time () < end)
      iterate (20);
    g_assert_true (g_file_get_contents (saved, &bytes, &len, NULL));
    g_assert_true (len > 10000 && g_str_has_prefix (bytes, "%PDF"));
    g_unlink (saved);
    /* headquarters' report is above east */
    mt_stats_page_download_report (page, hq, saved);
    end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
    while (mt_stats_page_get_report_message (page) == NULL && g_get_monotonic_time () < end)
      iterate (20);
    g_assert_nonnull (mt_stats_page_get_report_message (page));
    g_assert_false (g_file_test (saved, G_FILE_TEST_EXISTS));
  }
  {
    g_autoptr(GList) tops = gtk_window_list_toplevels ();

    for (GList *l = tops; l; l = l->next)
      if (ADW_IS_MESSAGE_DIALOG (l->data))
        gtk_window_destroy (GTK_WINDOW (l->data));
  }
  gtk_window_destroy (GTK_WINDOW (window));
  iterate (50);
  mt_test_server_stop (server);
  mt_test_remove_db (shared);
  mt_test_remove_tree (reports);
  g_rmdir (dir);
}

/* Until no tile has been asked for in half a second (at most 10 s) */
static void
wait_tiles_loaded (void)
{
  guint last = mt_tile_server_get_count (tiles);

  for (guint quiet = 0, i = 0; quiet < 10 && i < 200; i++)
    {
      iterate (50);
      quiet = mt_tile_server_get_count (tiles) == last ? quiet + 1 : 0;
      last = mt_tile_server_get_count (tiles);
    }
}

static guint
drawn_clusters (MtDeviceLayer *layer)
{
  guint clusters = 0, singles = 0;

  mt_device_layer_get_drawn (layer, &clusters, &singles);
  return clusters;
}

/* Iterates until the layer's last frame drew what @check wants, or @seconds pass */
static gboolean
wait_drawn (MtDeviceLayer *layer,
            gboolean     (*check) (MtDeviceLayer *layer),
            guint          seconds)
{
  gint64 end = g_get_monotonic_time () + seconds * G_USEC_PER_SEC;

  while (!check (layer) && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE), g_usleep (2000);
  return check (layer);
}

static gboolean
has_clusters (MtDeviceLayer *layer)
{
  return drawn_clusters (layer) > 0;
}

/* The location monitor: every located device of the fleet on the map, in clusters with counts
 * over tiles from a loopback server; a click on a cluster zooms into it; a click on a device
 * shows its card; the list's search narrows the map */
static void
test_monitor (void)
{
  MtWindow *window = mt_window_new (app, db);
  g_autoptr(GError) error = NULL;
  MtMonitorPage *page;
  MtDeviceLayer *layer;
  ShumateViewport *viewport;
  guint tiles_before, count = 0;
  gint64 located = mt_db_query_int (db, 0, "SELECT count (*) FROM devices d JOIN device_status st ON "
                                           "st.device_id = d.id WHERE d.deleted = 0 AND st.lat IS NOT NULL", NULL);
  gint64 device = mt_db_query_int (db, 0, "SELECT d.id FROM devices d JOIN device_status st ON st.device_id = d.id "
                                          "WHERE d.deleted = 0 AND st.lat IS NOT NULL AND st.soc IS NOT NULL AND "
                                          "d.store_id IS NOT NULL ORDER BY d.id LIMIT 1", NULL);
  g_autofree char *device_no = mt_db_query_text (db, "SELECT device_no FROM devices WHERE id = ?", "i", device);
  g_autofree char *card = NULL;
  double x = 0, y = 0, zoom;
  MtMapPoint point;

  gtk_window_set_default_size (GTK_WINDOW (window), 1500, 950);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (mt_window_sign_in (window, "admin", MT_DEMO_PASSWORD, &error));
  page = MT_MONITOR_PAGE (mt_window_show_page (window, "monitor"));
  layer = mt_monitor_page_get_layer (page);
  viewport = mt_map_get_viewport (mt_monitor_page_get_map (page));
  g_assert_cmpint (located, >, 100);
  g_assert_cmpuint (mt_device_layer_get_n_points (layer), ==, located);

  /* the whole fleet in view, in clusters, over tiles from the loopback server */
  g_assert_true (wait_drawn (layer, has_clusters, 10));
  wait_tiles_loaded ();
  g_assert_cmpuint (mt_tile_server_get_count (tiles), >, 0);
  g_assert_true (mt_device_layer_find_cluster (layer, &x, &y, &count));
  g_assert_cmpuint (count, >, 1);
  g_assert_cmpuint (count, <=, located);
  wait_tiles_loaded ();
  save_screenshot (GTK_WIDGET (window), "monitor-fleet.png");

  /* into the biggest cluster: two levels closer */
  zoom = shumate_viewport_get_zoom_level (viewport);
  g_assert_true (mt_device_layer_click (layer, x, y));
  g_assert_cmpfloat (shumate_viewport_get_zoom_level (viewport), ==, round (zoom) + 2);

  /* street level at one device: it is drawn alone, and a click on it shows its card */
  g_assert_true (mt_device_layer_get_point (layer, device, &point));
  tiles_before = mt_tile_server_get_count (tiles);
  shumate_viewport_set_zoom_level (viewport, 18);
  shumate_location_set_location (SHUMATE_LOCATION (viewport), point.lat, point.lng);
  /* tiles never seen before come from the server, and stay on disk */
  for (guint i = 0; i < 200 && mt_tile_server_get_count (tiles) == tiles_before; i++)
    iterate (50);
  g_assert_cmpuint (mt_tile_server_get_count (tiles), >, tiles_before);
  wait_tiles_loaded ();
  {
    g_autofree char *id = g_strdup_printf ("mingtang-%08x", g_str_hash (mt_tile_server_get_url (tiles)));
    g_autofree char *folder = g_build_filename (g_get_user_cache_dir (), "mingtang", "tiles", id, "18", NULL);
    g_autoptr(GDir) dir = g_dir_open (folder, 0, NULL);
    const char *name;

    /* kept whole: every file in the cache is an image */
    g_assert_nonnull (dir);
    g_assert_nonnull ((name = g_dir_read_name (dir)));
    for (; name != NULL; name = g_dir_read_name (dir))
      {
        g_autofree char *column = g_build_filename (folder, name, NULL);
        g_autoptr(GDir) tiles_dir = g_dir_open (column, 0, NULL);
        const char *tile;

        while (tiles_dir && (tile = g_dir_read_name (tiles_dir)))
          {
            g_autofree char *path = g_build_filename (column, tile, NULL);
            g_autofree char *data = NULL;
            gsize size = 0;
            g_autoptr(GBytes) bytes = NULL;

            g_assert_true (g_file_get_contents (path, &data, &size, NULL));
            bytes = g_bytes_new (data, size);
            g_assert_true (mt_tile_bytes_look_valid (bytes));
          }
      }
  }
  shumate_viewport_location_to_widget_coords (viewport, GTK_WIDGET (layer), point.lat, point.lng, &x, &y);
  g_assert_true (mt_device_layer_click (layer, x, y));
  g_assert_cmpint (mt_device_layer_get_selected (layer), ==, device);
  card = mt_monitor_page_get_card_text (page);
  g_assert_nonnull (card);
  g_assert_true (g_str_has_prefix (card, device_no));
  g_assert_nonnull (strstr (card, "%"));   /* its charge */
  /* with the fences that watch it (the demo's city zone) */
  g_assert_cmpint (mt_db_query_int (db, 0, "SELECT count (*) FROM geofence_devices WHERE device_id = ? AND deleted = 0",
                                    "i", device), ==, 1);
  g_assert_cmpuint (mt_monitor_page_get_n_fences_shown (page), ==, 1);
  /* a click on nothing selects nothing else */
  g_assert_false (mt_device_layer_click (layer, 3, 3));
  g_assert_cmpint (mt_device_layer_get_selected (layer), ==, device);

  /* out again with the card open: what a person sees */
  shumate_viewport_set_zoom_level (viewport, 11);
  g_assert_true (wait_drawn (layer, has_clusters, 10));
  wait_tiles_loaded ();
  save_screenshot (GTK_WIDGET (window), "monitor.png");

  /* the list's search narrows the map to what it finds */
  mt_list_page_set_search (mt_monitor_page_get_list (page), device_no);
  iterate (100);
  g_assert_cmpuint (mt_device_layer_get_n_points (layer), ==, 1);
  mt_list_page_set_search (mt_monitor_page_get_list (page), "");
  iterate (100);
  g_assert_cmpuint (mt_device_layer_get_n_points (layer), ==, located);

  gtk_window_destroy (GTK_WINDOW (window));
  iterate (50);
}


static MtFormDialog *new_form_dialog (GList *before);

/* The geofence editor: a polygon drawn corner by corner on the map, a corner dragged, saved
 * as the GeoJSON of the positions under the clicks; too few corners refused with the core's
 * message; a circle's edge dragged to widen it; a stored fence shown again for editing */
static void
test_fence_editor (void)
{
  MtWindow *window = mt_window_new (app, db);
  g_autoptr(GError) error = NULL;
  const MtActor *actor;
  MtFormDialog *dialog;
  MtFenceEditor *editor;
  MtMap *map;
  g_autofree char *op = NULL, *stored = NULL, *again = NULL;
  g_autoptr(MtFence) fence = NULL;
  gint64 id;
  MtGeoPoint a, c, moved;
  double w, h;

  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (mt_window_sign_in (window, "hangzhou", MT_DEMO_PASSWORD, &error));
  actor = mt_window_get_actor (window);
  /* the fences page's New… opens the form with the map */
  {
    GtkWidget *page = mt_window_show_page (window, "geofences");
    g_autoptr(GList) before = gtk_window_list_toplevels ();

    g_assert_nonnull (page);
    g_assert_true (mt_list_page_action_enabled (MT_LIST_PAGE (page), "list.new"));
    g_assert_true (gtk_widget_activate_action (page, "list.new", NULL));
    iterate (50);
    dialog = new_form_dialog (before);
    g_assert_nonnull (dialog);
  }
  editor = MT_FENCE_EDITOR (find_of_type (GTK_WIDGET (dialog), MT_TYPE_FENCE_EDITOR));
  g_assert_nonnull (editor);
  map = mt_fence_editor_get_map (editor);
  op = g_strdup_printf ("%" G_GINT64_FORMAT, actor->operator_id);
  mt_form_dialog_set_value (dialog, "operator_id", op);
  mt_form_dialog_set_value (dialog, "name", "西湖停车区");
  mt_form_dialog_set_value (dialog, "alarm_on", "exit");
  for (guint i = 0; i < 40 && gtk_widget_get_width (GTK_WIDGET (map)) == 0; i++)
    iterate (50);
  w = gtk_widget_get_width (GTK_WIDGET (map));
  h = gtk_widget_get_height (GTK_WIDGET (map));
  g_assert_cmpfloat (w, >, 300);

  /* two corners: not a fence yet, and nothing is written */
  g_assert_true (mt_fence_editor_click (editor, w * 0.3, h * 0.3, GDK_BUTTON_PRIMARY));
  g_assert_true (mt_fence_editor_click (editor, w * 0.7, h * 0.3, GDK_BUTTON_PRIMARY));
  g_assert_cmpint (form_save (window, dialog), ==, 0);
  g_assert_nonnull (mt_form_dialog_get_error (dialog));
  g_assert_cmpint (mt_db_query_int (db, 0, "SELECT count (*) FROM geofences WHERE name = '西湖停车区'", NULL), ==, 0);
  /* a third, then the first dragged elsewhere; a right click on a stray fourth takes it away */
  g_assert_true (mt_fence_editor_click (editor, w * 0.5, h * 0.7, GDK_BUTTON_PRIMARY));
  g_assert_true (mt_fence_editor_click (editor, w * 0.9, h * 0.9, GDK_BUTTON_PRIMARY));
  g_assert_true (mt_fence_editor_click (editor, w * 0.9, h * 0.9, GDK_BUTTON_SECONDARY));
  g_assert_true (mt_fence_editor_drag (editor, w * 0.3, h * 0.3, w * 0.2, h * 0.25));
  g_assert_false (mt_fence_editor_drag (editor, w * 0.45, h * 0.5, w * 0.1, h * 0.1));   /* no handle there */
  moved = mt_map_position_at (map, w * 0.2, h * 0.25);
  c = mt_map_position_at (map, w * 0.5, h * 0.7);
  id = form_save (window, dialog);
  g_assert_cmpint (id, >, 0);
  stored = mt_db_query_text (db, "SELECT geojson FROM geofences WHERE id = ?", "i", id);
  fence = mt_fence_parse (stored, &error);
  g_assert_no_error (error);
  g_assert_cmpint (fence->shape, ==, MT_FENCE_POLYGON);
  g_assert_cmpuint (fence->sizes[0], ==, 3);
  g_assert_cmpfloat_with_epsilon (fence->rings[0][0].lat, moved.lat, 1e-6);
  g_assert_cmpfloat_with_epsilon (fence->rings[0][0].lng, moved.lng, 1e-6);
  g_assert_cmpfloat_with_epsilon (fence->rings[0][2].lat, c.lat, 1e-6);
  g_assert_cmpfloat_with_epsilon (fence->rings[0][2].lng, c.lng, 1e-6);
  mt_assert_query_text (db, "polygon", "SELECT shape FROM geofences WHERE id = ?", "i", id);

  /* opened again: the same fence on the map */
  dialog = mt_form_dialog_new (GTK_WINDOW (window), mt_window_get_context (window), mt_entity_lookup ("geofences"), id);
  gtk_window_present (GTK_WINDOW (dialog));
  editor = MT_FENCE_EDITOR (find_of_type (GTK_WIDGET (dialog), MT_TYPE_FENCE_EDITOR));
  again = mt_fence_editor_get_geojson (editor);
  g_assert_cmpstr (again, ==, stored);
  wait_tiles_loaded ();
  save_screenshot (GTK_WIDGET (dialog), "fence-editor.png");

  /* a circle instead: its edge dragged out widens it */
  for (guint i = 0; i < 40 && gtk_widget_get_width (GTK_WIDGET (mt_fence_editor_get_map (editor))) == 0; i++)
    iterate (50);
  map = mt_fence_editor_get_map (editor);
  w = gtk_widget_get_width (GTK_WIDGET (map));
  h = gtk_widget_get_height (GTK_WIDGET (map));
  mt_fence_editor_set_shape (editor, MT_FENCE_CIRCLE);
  g_assert_true (mt_fence_editor_click (editor, w / 2, h / 2, GDK_BUTTON_PRIMARY));
  {
    g_autofree char *small = mt_fence_editor_get_geojson (editor);
    g_autofree char *large = NULL;
    g_autoptr(MtFence) before = mt_fence_parse (small, NULL);
    g_autoptr(MtFence) after = NULL;

    g_assert_nonnull (before);
    a = mt_map_position_at (map, w / 2, h / 2);
    g_assert_cmpfloat_with_epsilon (before->center.lat, a.lat, 1e-6);
    /* the edge handle sits 80 px east of the centre */
    g_assert_true (mt_fence_editor_drag (editor, w / 2 + 80, h / 2, w / 2 + 160, h / 2));
    large = mt_fence_editor_get_geojson (editor);
    after = mt_fence_parse (large, NULL);
    g_assert_nonnull (after);
    g_assert_cmpfloat (after->radius_m, >, before->radius_m * 1.8);
  }
  g_assert_cmpint (form_save (window, dialog), ==, id);
  mt_assert_query_text (db, "circle", "SELECT shape FROM geofences WHERE id = ?", "i", id);

  /* assigned in batch: two selected devices, then all of a store's, then taken off again */
  {
    MtListPage *page = MT_LIST_PAGE (mt_window_show_page (window, "devices"));
    g_autoptr(GPtrArray) fences = mt_lookup (db, actor, "geofences", NULL, 0);
    g_autoptr(GPtrArray) stores = mt_lookup (db, actor, "stores", NULL, 0);
    g_autofree char *fence_id = g_strdup_printf ("%" G_GINT64_FORMAT, id);
    g_autofree char *store_id = NULL;
    guint fence_at = G_MAXUINT, store_at = 0;
    gint64 store_devices;
    GtkWidget *choose;
    const char *sql = "SELECT count (*) FROM geofence_devices WHERE fence_id = ? AND deleted = 0";

    for (guint i = 0; i < fences->len; i++)
      if (g_str_equal (((MtOption *) fences->pdata[i])->id, fence_id))
        fence_at = i;
    g_assert_cmpuint (fence_at, <, fences->len);
    iterate (100);
    gtk_selection_model_select_item (mt_list_page_get_selection (page), 0, TRUE);
    gtk_selection_model_select_item (mt_list_page_get_selection (page), 1, FALSE);
    choose = open_dialog_of (page, "devices.geofence");
    gtk_drop_down_set_selected (GTK_DROP_DOWN (adw_message_dialog_get_extra_child (ADW_MESSAGE_DIALOG (choose))),
                                fence_at);
    adw_message_dialog_response (ADW_MESSAGE_DIALOG (choose), "apply");
    settle (window);
    g_assert_cmpint (mt_db_query_int (db, 0, sql, "i", id), ==, 2);

    store_id = g_strdup (((MtOption *) stores->pdata[store_at])->id);
    store_devices = mt_db_query_int (db, 0, "SELECT count (*) FROM devices WHERE store_id = ? AND deleted = 0 AND "
                                            "state <> 'scrapped'", "i", g_ascii_strtoll (store_id, NULL, 10));
    page = MT_LIST_PAGE (mt_window_show_page (window, "geofences"));
    mt_list_page_reload (page);   /* the fence was saved by a dialog of the test's, not of the page */
    iterate (100);
    select_row_with_id (page, id);
    choose = open_dialog_of (page, "geofences.assign-store");
    gtk_drop_down_set_selected (GTK_DROP_DOWN (adw_message_dialog_get_extra_child (ADW_MESSAGE_DIALOG (choose))),
                                store_at);
    adw_message_dialog_response (ADW_MESSAGE_DIALOG (choose), "apply");
    settle (window);
    g_assert_cmpint (mt_db_query_int (db, 0, sql, "i", id), >=, store_devices);
    g_assert_cmpint (mt_db_query_int (db, 0, sql, "i", id), <=, store_devices + 2);
    select_row_with_id (page, id);
    choose = open_dialog_of (page, "geofences.take-off");
    adw_message_dialog_response (ADW_MESSAGE_DIALOG (choose), "remove");
    settle (window);
    g_assert_cmpint (mt_db_query_int (db, 0, sql, "i", id), ==, 0);
  }

  gtk_window_destroy (GTK_WINDOW (window));
  iterate (50);
}

/* Track playback: a device's day on the map with its stops; playing moves the time on; a seek
 * shows that point's time, speed and SOC; a wrong device or range is refused, named */
static void
test_playback (void)
{
  MtWindow *window = mt_window_new (app, db);
  g_autoptr(GError) error = NULL;
  MtTrackPage *page;
  gint64 device = mt_db_query_int (db, 0, "SELECT device_id FROM track_points GROUP BY device_id ORDER BY device_id "
                                          "LIMIT 1", NULL);
  g_autofree char *no = mt_db_query_text (db, "SELECT device_no FROM devices WHERE id = ?", "i", device);
  gint64 from = mt_db_query_int (db, 0, "SELECT min (at) FROM track_points WHERE device_id = ?", "i", device);
  gint64 to = mt_db_query_int (db, 0, "SELECT max (at) FROM track_points WHERE device_id = ?", "i", device);
  gint64 count = mt_db_query_int (db, 0, "SELECT count (*) FROM track_points WHERE device_id = ?", "i", device);
  gint64 middle = mt_db_query_int (db, 0, "SELECT at FROM track_points WHERE device_id = ? ORDER BY at LIMIT 1 OFFSET 100",
                                   "i", device);
  gint64 speed = mt_db_query_int (db, -1, "SELECT speed_kmh FROM track_points WHERE device_id = ? AND at = ?", "ii",
                                  device, middle);
  g_autofree char *text = NULL, *when = mt_format_time (middle);
  g_autofree char *speed_text = g_strdup_printf ("%" G_GINT64_FORMAT " km/h", speed);
  guint segments = 0;

  gtk_window_set_default_size (GTK_WINDOW (window), 1500, 950);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (mt_window_sign_in (window, "admin", MT_DEMO_PASSWORD, &error));
  page = MT_TRACK_PAGE (mt_window_show_page (window, "tracks"));
  g_assert_nonnull (page);
  g_assert_cmpint (count, >, 200);

  g_assert_false (mt_track_page_load (page, "0000000000", from, to));
  g_assert_nonnull (strstr (mt_track_page_get_error (page), "0000000000"));
  g_assert_true (mt_track_page_load (page, no, to, from));   /* asked, and refused */
  settle (window);
  g_assert_nonnull (mt_track_page_get_error (page));

  g_assert_true (mt_track_page_load (page, no, from, to));
  settle (window);
  g_assert_null (mt_track_page_get_error (page));
  g_assert_cmpuint (mt_track_page_get_n_points (page), ==, count);
  g_assert_cmpuint (mt_track_page_get_n_stops (page), ==, 6);   /* the demo parks it every four hours */
  g_assert_cmpint (mt_track_page_get_time (page), ==, from);

  /* playing at 64×: an hour of the track a second */
  mt_track_page_set_speed (page, 64);
  mt_track_page_play (page, TRUE);
  g_assert_true (mt_track_page_is_playing (page));
  iterate (700);
  g_assert_cmpint (mt_track_page_get_time (page), >, from + 10 * 60 * G_USEC_PER_SEC);
  mt_track_page_play (page, FALSE);
  g_assert_false (mt_track_page_is_playing (page));

  mt_track_page_seek (page, middle);
  text = mt_track_page_get_point_text (page);
  g_assert_nonnull (strstr (text, when));
  g_assert_nonnull (strstr (text, speed_text));
  {
    g_autofree char *soc = g_strdup_printf ("%" G_GINT64_FORMAT "%%",
                                            mt_db_query_int (db, -1, "SELECT soc FROM track_points WHERE device_id = ? "
                                                                     "AND at = ?", "ii", device, middle));
    g_assert_nonnull (strstr (text, soc));
  }
  g_assert_cmpfloat (mt_track_page_measure_draw (page, &segments), >=, 0);
  g_assert_cmpuint (segments, >, 0);
  g_assert_cmpuint (segments, <=, 2 * count);
  wait_tiles_loaded ();
  save_screenshot (GTK_WIDGET (window), "playback.png");

  gtk_window_destroy (GTK_WINDOW (window));
  iterate (50);
}


static MtFormDialog *
new_form_dialog (GList *before)
{
  g_autoptr(GList) after = gtk_window_list_toplevels ();

  for (GList *l = after; l; l = l->next)
    if (MT_IS_FORM_DIALOG (l->data) && g_list_find (before, l->data) == NULL)
      return l->data;
  return NULL;
}

/* Tiles that cannot be fetched: the provinces' outline drawn instead, with a message saying why,
 * gone again when tiles come back */
static void
test_map_fallback (void)
{
  const char *messages = setlocale (LC_MESSAGES, NULL);
  gboolean chinese = messages && g_str_has_prefix (messages, "zh_CN");
  g_autoptr(MtActor) admin = mt_sign_in (db, "admin", MT_DEMO_PASSWORD, NULL);
  g_autoptr(GError) error = NULL;
  GtkWidget *window = gtk_window_new ();
  MtMap *map;
  const char *text = NULL;

  g_assert_true (mt_setting_set (db, admin, "tile_url", mt_tile_server_get_down_url (tiles), &error));
  map = mt_map_new (db, admin->operator_id);
  g_assert_false (mt_map_is_gcj02 (map));
  gtk_window_set_default_size (GTK_WINDOW (window), 900, 700);
  gtk_window_set_child (GTK_WINDOW (window), GTK_WIDGET (map));
  gtk_window_present (GTK_WINDOW (window));
  for (guint i = 0; i < 100 && (text = mt_map_get_fallback_text (map)) == NULL; i++)
    iterate (50);
  g_assert_nonnull (text);
  g_test_message ("%s", text);
  g_assert_nonnull (strstr (text, "127.0.0.1"));
  g_assert_nonnull (strstr (text, "503"));
  g_assert_nonnull (mt_map_get_outline (map));
  iterate (200);
  /* the whole country in view: every province drawn */
  g_assert_cmpuint (mt_outline_layer_get_drawn (MT_OUTLINE_LAYER (mt_map_get_outline (map))), >=, 30);
  if (chinese)
    {
      assert_chinese (window);
      save_screenshot (window, "map-fallback.png");
    }
  /* close in on Hangzhou: Zhejiang and its neighbours only */
  mt_map_go_to (map, (MtGeoPoint) { 30.27, 120.15 }, 8);
  iterate (200);
  g_assert_cmpuint (mt_outline_layer_get_drawn (MT_OUTLINE_LAYER (mt_map_get_outline (map))), <, 10);
  g_assert_cmpuint (mt_outline_layer_get_drawn (MT_OUTLINE_LAYER (mt_map_get_outline (map))), >=, 1);
  gtk_window_destroy (GTK_WINDOW (window));

  /* tiles that come: no outline, no message */
  g_assert_true (mt_setting_set (db, admin, "tile_url", mt_tile_server_get_url (tiles), &error));
  window = gtk_window_new ();
  map = mt_map_new (db, admin->operator_id);
  gtk_window_set_child (GTK_WINDOW (window), GTK_WIDGET (map));
  gtk_window_present (GTK_WINDOW (window));
  wait_tiles_loaded ();
  g_assert_null (mt_map_get_fallback_text (map));
  g_assert_null (mt_map_get_outline (map));
  gtk_window_destroy (GTK_WINDOW (window));
  iterate (50);
}

/* 地图搜索 in the store editor: regions and stores as it is typed, the geocoder on Enter (a fake
 * one here: its hostile entries left out, its failures said); a result moves the map, a point
 * puts the pin there */
static void
test_map_search (void)
{
  const char *messages = setlocale (LC_MESSAGES, NULL);
  gboolean chinese = messages && g_str_has_prefix (messages, "zh_CN");
  MtWindow *window = mt_window_new (app, db);
  g_autoptr(GError) error = NULL;
  g_autoptr(MtActor) admin = mt_sign_in (db, "admin", MT_DEMO_PASSWORD, NULL);
  g_autofree char *store_name = mt_db_query_text (db, "SELECT name FROM stores WHERE lat IS NOT NULL AND deleted = 0 "
                                                      "ORDER BY id LIMIT 1", NULL);
  double store_lat = mt_db_query_double (db, 0, "SELECT lat FROM stores WHERE name = ?", "t", store_name);
  MtFormDialog *form;
  MtPositionPicker *picker;
  GtkWidget *entry;
  MtGeoPoint p;
  guint searches;

  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (mt_window_sign_in (window, "admin", MT_DEMO_PASSWORD, &error));
  form = mt_form_dialog_new (GTK_WINDOW (window), mt_window_get_context (window), mt_entity_lookup ("stores"), 0);
  gtk_window_present (GTK_WINDOW (form));
  picker = mt_form_dialog_get_picker (form);
  g_assert_nonnull (picker);
  entry = gtk_widget_get_first_child (GTK_WIDGET (picker));
  g_assert_true (GTK_IS_SEARCH_ENTRY (entry));

  /* a region as it is typed: over its stores or its province */
  gtk_editable_set_text (GTK_EDITABLE (entry), "杭州");
  for (guint i = 0; i < 40 && mt_position_picker_get_n_results (picker) == 0; i++)
    iterate (50);
  g_assert_cmpuint (mt_position_picker_get_n_results (picker), >=, 1);
  g_assert_cmpstr (mt_position_picker_get_result (picker, 0), ==, "杭州市");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (picker), "picker.choose", "i", 0));
  iterate (100);
  g_assert_false (mt_position_picker_get_position (picker, &p));   /* a region moves the map, no pin */
  /* a store by its name: the pin where it is */
  gtk_editable_set_text (GTK_EDITABLE (entry), store_name);
  for (guint i = 0; i < 40 && g_strcmp0 (mt_position_picker_get_result (picker, 0), store_name) != 0; i++)
    iterate (50);
  g_assert_cmpstr (mt_position_picker_get_result (picker, 0), ==, store_name);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (picker), "picker.choose", "i", 0));
  g_assert_true (mt_position_picker_get_position (picker, &p));
  g_assert_cmpfloat_with_epsilon (p.lat, store_lat, 1e-6);

  /* no geocoder set: Enter says so */
  gtk_editable_set_text (GTK_EDITABLE (entry), "西湖");
  iterate (300);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (picker), "picker.search-online", NULL));
  g_assert_false (mt_position_picker_is_asking (picker));

  /* the geocoder: its two good places first, the hostile ones left out */
  g_assert_true (mt_setting_set (db, admin, "geocoder_url", mt_tile_server_get_geocoder_url (tiles), &error));
  searches = mt_tile_server_get_searches (tiles);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (picker), "picker.search-online", NULL));
  g_assert_true (mt_position_picker_is_asking (picker));
  for (guint i = 0; i < 100 && mt_position_picker_is_asking (picker); i++)
    iterate (50);
  g_assert_cmpuint (mt_tile_server_get_searches (tiles), ==, searches + 1);
  g_assert_cmpstr (mt_position_picker_get_result (picker, 0), ==, "西湖");
  g_assert_cmpstr (mt_position_picker_get_result (picker, 1), ==, "西湖公园");
  for (guint i = 2; i < mt_position_picker_get_n_results (picker); i++)
    {
      const char *name = mt_position_picker_get_result (picker, i);

      g_assert_null (strstr (name, "beyond"));
      g_assert_null (strstr (name, "number"));
    }
  /* the parser itself: a place with bounds that make no sense keeps its point, not the bounds */
  {
    static const char answer[] = "[{\"display_name\":\"bad bounds, here\",\"lat\":\"31\",\"lon\":\"121\","
                                 "\"boundingbox\":[\"40\",\"30\",\"x\",\"1\"]}, {\"lat\":1e999,\"lon\":1,\"name\":\"x\"}]";
    g_autoptr(GPtrArray) parsed = mt_geocoder_parse (answer, sizeof answer - 1, &error);
    const MtFoundPlace *place;

    g_assert_no_error (error);
    g_assert_cmpuint (parsed->len, ==, 1);
    place = parsed->pdata[0];
    g_assert_cmpstr (place->name, ==, "bad bounds");
    g_assert_cmpstr (place->detail, ==, "here");
    g_assert_cmpfloat (place->south, ==, 0);
    g_assert_null (mt_geocoder_parse ("{\"lat\":1}", 10, NULL));
    g_assert_null (mt_geocoder_parse ("[", 1, NULL));
  }
  if (chinese)
    {
      GtkWidget *scroller = find_of_type (GTK_WIDGET (form), GTK_TYPE_SCROLLED_WINDOW);
      GtkAdjustment *adjustment = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scroller));
      graphene_point_t at;

      iterate (200);
      /* the search and its results at the top of the form */
      g_assert_true (gtk_widget_compute_point (GTK_WIDGET (picker), gtk_scrolled_window_get_child (GTK_SCROLLED_WINDOW (scroller)),
                                               &GRAPHENE_POINT_INIT (0, 0), &at));
      gtk_adjustment_set_value (adjustment, at.y - 60);
      iterate (200);
      assert_chinese (GTK_WIDGET (form));
      save_screenshot (GTK_WIDGET (form), "map-search.png");
    }
  /* a park without bounds: the pin on it */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (picker), "picker.choose", "i", 1));
  g_assert_true (mt_position_picker_get_position (picker, &p));
  g_assert_cmpfloat_with_epsilon (p.lat, 26.09, 1e-6);
  g_assert_cmpfloat_with_epsilon (p.lng, 119.29, 1e-6);

  /* a geocoder that fails, or answers nonsense: said, nothing lost */
  gtk_editable_set_text (GTK_EDITABLE (entry), "error");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (picker), "picker.search-online", NULL));
  for (guint i = 0; i < 100 && mt_position_picker_is_asking (picker); i++)
    iterate (50);
  g_assert_nonnull (strstr (mt_position_picker_get_status (picker), "503"));
  gtk_editable_set_text (GTK_EDITABLE (entry), "garbage");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (picker), "picker.search-online", NULL));
  for (guint i = 0; i < 100 && mt_position_picker_is_asking (picker); i++)
    iterate (50);
  g_assert_cmpstr (mt_position_picker_get_status (picker), ==, _("The geocoder's answer is not a list of places"));
  g_assert_true (mt_position_picker_get_position (picker, &p));
  g_assert_cmpfloat_with_epsilon (p.lat, 26.09, 1e-6);

  g_assert_true (mt_setting_set (db, admin, "geocoder_url", "none", &error));
  gtk_window_destroy (GTK_WINDOW (form));
  gtk_window_destroy (GTK_WINDOW (window));
  iterate (50);
}

/* The stores on a map (列表 / 地图), a click opening the store; the store editor's map puts the
 * store where it is clicked, and the latitude and longitude follow */
static void
test_store_map (void)
{
  MtWindow *window = mt_window_new (app, db);
  g_autoptr(GError) error = NULL;
  g_autoptr(GList) before = NULL;
  MtListPage *page;
  MtDeviceLayer *layer;
  MtFormDialog *dialog;
  MtPositionPicker *picker;
  MtMapPoint point;
  gint64 store = mt_db_query_int (db, 0, "SELECT id FROM stores WHERE lat IS NOT NULL AND deleted = 0 ORDER BY id LIMIT 1",
                                  NULL);
  gint64 located = mt_db_query_int (db, 0, "SELECT count (*) FROM stores WHERE lat IS NOT NULL AND deleted = 0", NULL);
  double x, y, w, h;
  MtGeoPoint p, there;

  gtk_window_set_default_size (GTK_WINDOW (window), 1500, 950);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (mt_window_sign_in (window, "admin", MT_DEMO_PASSWORD, &error));
  page = MT_LIST_PAGE (mt_window_show_page (window, "stores"));
  g_assert_null (mt_list_page_get_map_layer (page));   /* built when first shown */
  mt_list_page_show_map (page, TRUE);
  layer = mt_list_page_get_map_layer (page);
  g_assert_nonnull (layer);
  g_assert_cmpint (mt_device_layer_get_n_points (layer), ==, located);
  g_assert_true (wait_drawn (layer, has_clusters, 10) || mt_device_layer_get_n_points (layer) > 0);
  wait_tiles_loaded ();
  save_screenshot (GTK_WIDGET (window), "store-map.png");

  /* a store at street level, clicked: its editor opens */
  g_assert_true (mt_device_layer_get_point (layer, store, &point));
  shumate_viewport_set_zoom_level (mt_map_get_viewport (MT_MAP (gtk_widget_get_ancestor (GTK_WIDGET (layer), MT_TYPE_MAP))),
                                   18);
  shumate_location_set_location (SHUMATE_LOCATION (shumate_layer_get_viewport (SHUMATE_LAYER (layer))), point.lat,
                                 point.lng);
  iterate (100);
  shumate_viewport_location_to_widget_coords (shumate_layer_get_viewport (SHUMATE_LAYER (layer)), GTK_WIDGET (layer),
                                              point.lat, point.lng, &x, &y);
  before = gtk_window_list_toplevels ();
  g_assert_true (mt_device_layer_click (layer, x, y));
  dialog = new_form_dialog (before);
  g_assert_nonnull (dialog);

  /* its map shows where it is; a click elsewhere moves it, and the fields follow */
  picker = mt_form_dialog_get_picker (dialog);
  g_assert_nonnull (picker);
  g_assert_true (mt_position_picker_get_position (picker, &p));
  g_assert_cmpfloat_with_epsilon (p.lat, mt_db_query_double (db, 0, "SELECT lat FROM stores WHERE id = ?", "i", store), 1e-6);
  for (guint i = 0; i < 40 && gtk_widget_get_width (GTK_WIDGET (mt_position_picker_get_map (picker))) == 0; i++)
    iterate (50);
  w = gtk_widget_get_width (GTK_WIDGET (mt_position_picker_get_map (picker)));
  h = gtk_widget_get_height (GTK_WIDGET (mt_position_picker_get_map (picker)));
  mt_position_picker_click (picker, w * 0.25, h * 0.4);
  there = mt_map_position_at (mt_position_picker_get_map (picker), w * 0.25, h * 0.4);
  g_assert_true (mt_position_picker_get_position (picker, &p));
  g_assert_cmpfloat_with_epsilon (p.lat, there.lat, 1e-7);
  /* and the pin can be dragged by its head */
  {
    double px, py;
    MtGeoPoint dragged;

    shumate_viewport_location_to_widget_coords (mt_map_get_viewport (mt_position_picker_get_map (picker)),
                                                GTK_WIDGET (mt_position_picker_get_map (picker)), there.lat, there.lng,
                                                &px, &py);
    g_assert_true (mt_position_picker_drag (picker, px, py - 14, px + 40, py - 14));
    dragged = mt_map_position_at (mt_position_picker_get_map (picker), px + 40, py);
    g_assert_true (mt_position_picker_get_position (picker, &p));
    g_assert_cmpfloat_with_epsilon (p.lng, dragged.lng, 1e-6);
    g_assert_false (mt_position_picker_drag (picker, 2, 2, 50, 50));   /* not on the pin */
    there = dragged;
  }
  {
    /* down to the map, as a person would scroll */
    GtkWidget *scroller = find_of_type (GTK_WIDGET (dialog), GTK_TYPE_SCROLLED_WINDOW);
    GtkAdjustment *adjustment = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scroller));

    gtk_adjustment_set_value (adjustment, gtk_adjustment_get_upper (adjustment));
  }
  wait_tiles_loaded ();
  save_screenshot (GTK_WIDGET (dialog), "store-position.png");
  g_assert_cmpint (form_save (window, dialog), ==, store);
  g_assert_cmpfloat_with_epsilon (mt_db_query_double (db, 0, "SELECT lat FROM stores WHERE id = ?", "i", store),
                                  there.lat, 1e-6);
  g_assert_cmpfloat_with_epsilon (mt_db_query_double (db, 0, "SELECT lng FROM stores WHERE id = ?", "i", store),
                                  there.lng, 1e-6);

  gtk_window_destroy (GTK_WINDOW (window));
  iterate (50);
}

/* Tiles declared GCJ-02 (most Chinese providers): batteries report WGS-84 and are drawn
 * shifted onto those tiles; a fence drawn on them is stored back in WGS-84 */
static void
test_gcj02 (void)
{
  MtWindow *window = mt_window_new (app, db);
  g_autoptr(GError) error = NULL;
  const MtActor *actor;
  MtMonitorPage *page;
  GtkWidget *dialog;
  MtFenceEditor *editor;
  MtMapPoint point;
  gint64 device;
  MtGeoPoint wgs, shown, under;
  g_autofree char *geojson = NULL;
  g_autoptr(MtFence) fence = NULL;
  double w, h;

  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (mt_window_sign_in (window, "hangzhou", MT_DEMO_PASSWORD, &error));
  actor = mt_window_get_actor (window);
  g_assert_true (mt_setting_set (db, actor, "tile_gcj02", "true", &error));

  page = MT_MONITOR_PAGE (mt_window_show_page (window, "monitor"));
  g_assert_true (mt_map_is_gcj02 (mt_monitor_page_get_map (page)));
  device = mt_db_query_int (db, 0, "SELECT d.id FROM devices d JOIN device_status st ON st.device_id = d.id WHERE "
                                   "d.operator_id = ? AND st.lat IS NOT NULL LIMIT 1", "i", actor->operator_id);
  wgs.lat = mt_db_query_double (db, 0, "SELECT lat FROM device_status WHERE device_id = ?", "i", device);
  wgs.lng = mt_db_query_double (db, 0, "SELECT lng FROM device_status WHERE device_id = ?", "i", device);
  shown = mt_geo_wgs84_to_gcj02 (wgs);
  g_assert_true (mt_device_layer_get_point (mt_monitor_page_get_layer (page), device, &point));
  g_assert_cmpfloat_with_epsilon (point.lat, shown.lat, 1e-9);
  g_assert_cmpfloat_with_epsilon (point.lng, shown.lng, 1e-9);
  g_assert_cmpfloat (fabs (point.lng - wgs.lng), >, 0.001);   /* hundreds of metres in Hangzhou */

  dialog = GTK_WIDGET (mt_form_dialog_new (GTK_WINDOW (window), mt_window_get_context (window), mt_entity_lookup ("geofences"), 0));
  gtk_window_present (GTK_WINDOW (dialog));
  editor = MT_FENCE_EDITOR (find_of_type (dialog, MT_TYPE_FENCE_EDITOR));
  for (guint i = 0; i < 40 && gtk_widget_get_width (GTK_WIDGET (mt_fence_editor_get_map (editor))) == 0; i++)
    iterate (50);
  w = gtk_widget_get_width (GTK_WIDGET (mt_fence_editor_get_map (editor)));
  h = gtk_widget_get_height (GTK_WIDGET (mt_fence_editor_get_map (editor)));
  mt_fence_editor_set_shape (editor, MT_FENCE_CIRCLE);
  g_assert_true (mt_fence_editor_click (editor, w / 2, h / 2, GDK_BUTTON_PRIMARY));
  shumate_viewport_widget_coords_to_location (mt_map_get_viewport (mt_fence_editor_get_map (editor)),
                                              GTK_WIDGET (mt_fence_editor_get_map (editor)), w / 2, h / 2,
                                              &under.lat, &under.lng);
  geojson = mt_fence_editor_get_geojson (editor);
  fence = mt_fence_parse (geojson, &error);
  g_assert_no_error (error);
  wgs = mt_geo_gcj02_to_wgs84 (under);
  g_assert_cmpfloat_with_epsilon (fence->center.lat, wgs.lat, 1e-6);
  g_assert_cmpfloat_with_epsilon (fence->center.lng, wgs.lng, 1e-6);
  g_assert_cmpfloat (fabs (fence->center.lng - under.lng), >, 0.001);

  g_assert_true (mt_setting_set (db, actor, "tile_gcj02", "false", &error));
  gtk_window_destroy (GTK_WINDOW (dialog));
  gtk_window_destroy (GTK_WINDOW (window));
  iterate (50);
}

static void
store_result (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  *(GAsyncResult **) data = g_object_ref (result);
}

static void
count_cb (guint *count)
{
  (*count)++;
}

/* Runs the main loop until the tile request answers */
static GBytes *
fetch_tile (MtTileSource *source,
            int           x,
            int           y,
            int           z,
            GCancellable *cancellable,
            GError      **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  shumate_data_source_get_tile_data_async (SHUMATE_DATA_SOURCE (source), x, y, z, cancellable, store_result, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  return shumate_data_source_get_tile_data_finish (SHUMATE_DATA_SOURCE (source), result, error);
}

/* Issue 14, 10: a tile reaches the disk whole or not at all, and only images are drawn. A cut
 * file in the cache (what libshumate's own downloader left when a tile was cancelled while being
 * written) is dropped and fetched again; a cancelled tile leaves nothing half-written; a server
 * answering something else than an image is refused and nothing is kept. */
static void
test_tile_source (void)
{
  MtTileServer *server = mt_tile_server_start ();
  g_autofree char *dir = g_dir_make_tmp ("mt-tiles-XXXXXX", NULL);
  g_autoptr(MtTileSource) source = mt_tile_source_new (mt_tile_server_get_url (server), dir, "mingtang-test");
  g_autoptr(MtTileSource) broken = NULL;
  g_autofree char *path = mt_tile_source_get_path (source, 3, 5, 4);
  g_autofree char *parent = g_path_get_dirname (path);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  guint received = 0;

  g_signal_connect_swapped (source, "received-data", G_CALLBACK (count_cb), &received);
  /* an empty file where the tile should be: not drawn, replaced by the real tile */
  g_assert_cmpint (g_mkdir_with_parents (parent, 0700), ==, 0);
  g_assert_true (g_file_set_contents (path, "", 0, NULL));
  bytes = fetch_tile (source, 3, 5, 4, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (mt_tile_bytes_look_valid (bytes));
  g_assert_cmpuint (received, ==, 1);
  g_assert_cmpuint (mt_tile_server_get_count (server), ==, 1);
  for (guint i = 0; i < 100; i++)   /* kept by a worker thread */
    {
      g_autofree char *kept = NULL;
      gsize size = 0;

      if (g_file_get_contents (path, &kept, &size, NULL) && size == g_bytes_get_size (bytes))
        break;
      iterate (20);
    }
  {
    g_autofree char *kept = NULL;
    gsize size = 0;
    g_autoptr(GBytes) kept_bytes = NULL;

    g_assert_true (g_file_get_contents (path, &kept, &size, NULL));
    kept_bytes = g_bytes_new_take (g_steal_pointer (&kept), size);
    g_assert_true (g_bytes_equal (kept_bytes, bytes));
  }
  /* now from the disk: no download */
  g_clear_pointer (&bytes, g_bytes_unref);
  bytes = fetch_tile (source, 3, 5, 4, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (mt_tile_server_get_count (server), ==, 1);

  /* many tiles cancelled at once, at every point of their way: nothing cut short is left */
  for (guint i = 0; i < 40; i++)
    {
      g_autoptr(GCancellable) cancellable = g_cancellable_new ();
      g_autoptr(GBytes) cancelled = NULL;
      g_autoptr(GAsyncResult) result = NULL;

      shumate_data_source_get_tile_data_async (SHUMATE_DATA_SOURCE (source), i, 0, 6, cancellable, store_result, &result);
      iterate (i % 5);
      g_cancellable_cancel (cancellable);
      while (result == NULL)
        g_main_context_iteration (NULL, TRUE);
      cancelled = shumate_data_source_get_tile_data_finish (SHUMATE_DATA_SOURCE (source), result, NULL);
      g_assert_true (cancelled == NULL || mt_tile_bytes_look_valid (cancelled));
    }
  iterate (500);
  for (guint i = 0; i < 40; i++)
    {
      g_autofree char *tile = mt_tile_source_get_path (source, i, 0, 6);
      g_autofree char *kept = NULL;
      gsize size = 0;

      if (g_file_get_contents (tile, &kept, &size, NULL))
        {
          g_autoptr(GBytes) kept_bytes = g_bytes_new_take (g_steal_pointer (&kept), size);
          g_assert_true (mt_tile_bytes_look_valid (kept_bytes));
        }
    }

  /* a server that answers text: an error, nothing drawn, nothing kept */
  {
    g_autofree char *url = g_strdup_printf ("%s", mt_tile_server_get_url (server));
    g_autofree char *base = g_strndup (url, strstr (url, "/{z}") - url);
    g_autofree char *bad = g_strconcat (base, "/garbage/{z}/{x}/{y}.png", NULL);
    g_autofree char *bad_dir = g_build_filename (dir, "bad", NULL);
    g_autofree char *bad_path = NULL;
    guint bad_received = 0;

    broken = mt_tile_source_new (bad, bad_dir, "mingtang-test");
    g_signal_connect_swapped (broken, "received-data", G_CALLBACK (count_cb), &bad_received);
    g_clear_pointer (&bytes, g_bytes_unref);
    bytes = fetch_tile (broken, 1, 1, 2, NULL, &error);
    g_assert_null (bytes);
    g_assert_nonnull (error);
    g_clear_error (&error);
    g_assert_cmpuint (bad_received, ==, 0);
    iterate (100);
    bad_path = mt_tile_source_get_path (broken, 1, 1, 2);
    g_assert_false (g_file_test (bad_path, G_FILE_TEST_EXISTS));
  }
  mt_tile_server_stop (server);
}

/* Issue 14, 9: signing out closes every window that holds the session — a BMS panel, an alarm's
 * curve, a form — so none keeps using the signed-out actor or database, and every window and
 * page of the session is finalized, not only hidden (this test also runs in the
 * AddressSanitizer build, app-lifetimes) */
static void
test_sign_out_windows (void)
{
  MtWindow *window = mt_window_new (app, db);
  g_autoptr(GError) error = NULL;
  gint64 device = mt_db_query_int (db, 0, "SELECT id FROM devices WHERE deleted = 0 ORDER BY id LIMIT 1", NULL);
  gint64 alarm = mt_db_query_int (db, 0, "SELECT max (id) FROM alarms", NULL);
  GtkWidget *bms, *curve = NULL, *form;
  GtkWidget *again, *devices, *monitor;

  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (mt_window_sign_in (window, "admin", MT_DEMO_PASSWORD, &error));
  g_assert_no_error (error);
  /* pages shown during the session: finalized with it, not kept by a timer or a signal */
  devices = mt_window_show_page (window, "devices");
  g_object_add_weak_pointer (G_OBJECT (devices), (gpointer *) &devices);
  monitor = mt_window_show_page (window, "monitor");
  g_object_add_weak_pointer (G_OBJECT (monitor), (gpointer *) &monitor);
  bms = GTK_WIDGET (mt_bms_dialog_new (GTK_WINDOW (window), mt_window_get_context (window), device));
  gtk_window_present (GTK_WINDOW (bms));
  g_object_add_weak_pointer (G_OBJECT (bms), (gpointer *) &bms);
  if (alarm > 0)
    {
      curve = GTK_WIDGET (mt_alarm_dialog_new (GTK_WINDOW (window), mt_window_get_context (window), alarm));
      gtk_window_present (GTK_WINDOW (curve));
      g_object_add_weak_pointer (G_OBJECT (curve), (gpointer *) &curve);
    }
  form = GTK_WIDGET (mt_form_dialog_new (GTK_WINDOW (window), mt_window_get_context (window), mt_entity_lookup ("stores"), 0));
  gtk_window_present (GTK_WINDOW (form));
  g_object_add_weak_pointer (G_OBJECT (form), (gpointer *) &form);
  /* a window opened from a window opened here goes too */
  again = GTK_WIDGET (mt_bms_dialog_new (GTK_WINDOW (bms), mt_window_get_context (window), device));
  gtk_window_present (GTK_WINDOW (again));
  g_object_add_weak_pointer (G_OBJECT (again), (gpointer *) &again);
  iterate (300);

  mt_window_sign_out (window);
  g_assert_null (mt_window_get_actor (window));
  /* their timers would fire now, on a freed actor, were they alive */
  iterate (1500);
  g_assert_null (bms);
  g_assert_null (curve);
  g_assert_null (form);
  g_assert_null (again);
  g_assert_null (devices);
  g_assert_null (monitor);
  /* and the window signs in again, as someone else */
  g_assert_true (mt_window_sign_in (window, "tech", MT_DEMO_PASSWORD, &error));
  g_assert_no_error (error);
  gtk_window_destroy (GTK_WINDOW (window));
  iterate (100);
}

/* Every dialog closed as a person closes it (and a page dropped) is finalized at once: nothing
 * keeps one alive — a timer, a signal, a request still out — while the session goes on */
static void
test_closed_windows (void)
{
  MtWindow *window = mt_window_new (app, db);
  g_autoptr(GError) error = NULL;
  gint64 device = mt_db_query_int (db, 0, "SELECT id FROM devices WHERE deleted = 0 ORDER BY id LIMIT 1", NULL);
  gint64 alarm = mt_db_query_int (db, 0, "SELECT max (id) FROM alarms", NULL);
  gint64 order = mt_db_query_int (db, 0, "SELECT max (id) FROM orders WHERE state IN ('active', 'overdue')", NULL);
  gint64 repair = mt_db_query_int (db, 0, "SELECT max (id) FROM repairs", NULL);
  gint64 store = mt_db_query_int (db, 0, "SELECT min (id) FROM stores WHERE deleted = 0", NULL);
  MtContext *context;
  GtkWidget *windows[8] = { NULL };
  guint n = 0;

  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (mt_window_sign_in (window, "admin", MT_DEMO_PASSWORD, &error));
  context = mt_window_get_context (window);
  g_object_add_weak_pointer (G_OBJECT (context), (gpointer *) &context);
  windows[n++] = GTK_WIDGET (mt_bms_dialog_new (GTK_WINDOW (window), context, device));
  windows[n++] = GTK_WIDGET (mt_order_dialog_new (GTK_WINDOW (window), context, order));
  windows[n++] = GTK_WIDGET (mt_rent_dialog_new (GTK_WINDOW (window), context, store, 0));
  windows[n++] = GTK_WIDGET (mt_repair_dialog_new (GTK_WINDOW (window), context, 0));
  windows[n++] = GTK_WIDGET (mt_form_dialog_new (GTK_WINDOW (window), context, mt_entity_lookup ("stores"), store));
  if (repair > 0)
    windows[n++] = GTK_WIDGET (mt_repair_dialog_new (GTK_WINDOW (window), context, repair));
  if (alarm > 0)
    windows[n++] = GTK_WIDGET (mt_alarm_dialog_new (GTK_WINDOW (window), context, alarm));
  for (guint i = 0; i < n; i++)
    {
      gtk_window_present (GTK_WINDOW (windows[i]));
      g_object_add_weak_pointer (G_OBJECT (windows[i]), (gpointer *) &windows[i]);
    }
  /* their requests out (quotes, settlements, the BMS's) while they close */
  mt_rent_dialog_refresh (MT_RENT_DIALOG (windows[2]));
  iterate (300);
  for (guint i = 0; i < n; i++)
    gtk_window_destroy (GTK_WINDOW (windows[i]));
  settle (window);
  iterate (200);
  for (guint i = 0; i < n; i++)
    if (windows[i] != NULL)
      g_error ("%s is still alive after it closed", G_OBJECT_TYPE_NAME (windows[i]));
  g_assert_nonnull (context);   /* the window's session goes on */
  gtk_window_destroy (GTK_WINDOW (window));
  iterate (100);
  g_assert_null (context);      /* and ends with the window */
}

/* Exports and label sheets run on the session's worker: the files appear whole, the page says
 * so, a cancelled export leaves nothing behind; the devices page stays usable meanwhile */
static void
test_jobs (void)
{
  MtWindow *window = mt_window_new (app, db);
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("mt-jobs-XXXXXX", NULL);
  g_autofree char *csv = g_build_filename (dir, "devices.csv", NULL);
  g_autofree char *xlsx = g_build_filename (dir, "devices.xlsx", NULL);
  g_autofree char *pdf = g_build_filename (dir, "labels.pdf", NULL);
  g_autofree char *cancelled = g_build_filename (dir, "cancelled.xlsx", NULL);
  g_autofree char *contents = NULL;
  MtListPage *page;
  guint rows;

  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (mt_window_sign_in (window, "admin", MT_DEMO_PASSWORD, &error));
  page = MT_LIST_PAGE (mt_window_show_page (window, "devices"));
  iterate (200);
  rows = mt_listing_count (mt_list_page_get_listing (page));
  g_assert_cmpuint (rows, >, 100);

  mt_list_page_export (page, csv, FALSE);
  settle (window);
  g_assert_true (g_file_get_contents (csv, &contents, NULL, NULL));
  {
    g_auto(GStrv) lines = g_strsplit (contents, "\r\n", -1);
    g_assert_cmpuint (g_strv_length (lines), ==, rows + 2);   /* header, rows, empty tail */
  }
  g_assert_nonnull (strstr (mt_list_page_get_job_message (page), "devices.csv"));

  mt_list_page_export (page, xlsx, TRUE);
  settle (window);
  g_assert_true (g_file_test (xlsx, G_FILE_TEST_IS_REGULAR));

  gtk_selection_model_select_item (mt_list_page_get_selection (page), 0, TRUE);
  gtk_selection_model_select_item (mt_list_page_get_selection (page), 1, FALSE);
  mt_list_page_write_labels (page, pdf);
  settle (window);
  g_assert_true (g_file_get_contents (pdf, &contents, NULL, NULL) && g_str_has_prefix (contents, "%PDF"));

  /* a second export replaces the first; Cancel stops it, and no file is left */
  mt_list_page_export (page, cancelled, TRUE);
  mt_list_page_export (page, cancelled, TRUE);
  {
    GtkWidget *bar = gtk_widget_get_last_child (GTK_WIDGET (page));

    g_assert_true (GTK_IS_REVEALER (bar) && gtk_revealer_get_reveal_child (GTK_REVEALER (bar)));
    /* its Cancel button */
    g_signal_emit_by_name (gtk_widget_get_last_child (gtk_revealer_get_child (GTK_REVEALER (bar))), "clicked");
  }
  settle (window);
  g_assert_cmpstr (mt_list_page_get_job_message (page), ==, _("Cancelled"));
  g_assert_false (g_file_test (cancelled, G_FILE_TEST_EXISTS));
  {
    g_autofree char *part = g_strconcat (cancelled, ".part", NULL);
    g_assert_false (g_file_test (part, G_FILE_TEST_EXISTS));
  }
  g_unlink (csv);
  g_unlink (xlsx);
  g_unlink (pdf);
  g_rmdir (dir);
  gtk_window_destroy (GTK_WINDOW (window));
  iterate (50);
}

int
main (int argc, char *argv[])
{
  g_autofree char *dir = g_dir_make_tmp ("mt-app-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "demo.db", NULL);
  g_autoptr(GError) error = NULL;
  MtDemoOptions options;
  int ret;

  g_autofree char *cache = g_build_filename (dir, "cache", NULL);

  /* map tiles cached in the test's own folder, not the user's */
  g_setenv ("XDG_CACHE_HOME", cache, TRUE);
  setlocale (LC_ALL, "");   /* gtk_test_init () keeps the C locale otherwise */
  gtk_test_init (&argc, &argv, NULL);
  bindtextdomain (GETTEXT_PACKAGE, g_getenv ("MINGTANG_LOCALEDIR"));
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  adw_init ();
  app = gtk_application_new ("com.mtxnyjs.Mingtang.Test", G_APPLICATION_NON_UNIQUE);
  g_application_register (G_APPLICATION (app), NULL, NULL);
  notification_server_start ();

  db = mt_db_open (path, &error);
  g_assert_no_error (error);
  mt_demo_options_init (&options);
  g_assert_true (mt_demo_generate (db, &options, &error));
  /* every map of the tests on tiles from loopback */
  tiles = mt_tile_server_start ();
  {
    g_autoptr(MtActor) admin = mt_sign_in (db, "admin", MT_DEMO_PASSWORD, &error);
    g_assert_no_error (error);
    g_assert_true (mt_setting_set (db, admin, "tile_url", mt_tile_server_get_url (tiles), &error));
    g_assert_true (mt_setting_set (db, admin, "tile_attribution", "Test tiles", &error));
  }

  g_test_add_data_func ("/mt/app/pages/admin", "admin", test_walk_pages);
  g_test_add_data_func ("/mt/app/pages/operator", "east", test_walk_pages);
  g_test_add_data_func ("/mt/app/pages/store-manager", "store", test_walk_pages);
  g_test_add_data_func ("/mt/app/pages/technician", "tech", test_walk_pages);
  g_test_add_data_func ("/mt/app/pages/finance", "finance", test_walk_pages);
  g_test_add_func ("/mt/app/tile-source", test_tile_source);
  g_test_add_func ("/mt/app/lifetimes/sign-out-windows", test_sign_out_windows);
  g_test_add_func ("/mt/app/lifetimes/closed-windows", test_closed_windows);
  g_test_add_func ("/mt/app/store-form", test_store_form);
  g_test_add_func ("/mt/app/operator-form", test_operator_form);
  g_test_add_func ("/mt/app/permission-tree", test_permission_tree);
  g_test_add_func ("/mt/app/row-actions", test_row_actions);
  g_test_add_func ("/mt/app/contract-editor", test_contract_editor);
  g_test_add_func ("/mt/app/jobs", test_jobs);
  g_test_add_func ("/mt/app/search-in-place", test_search_in_place);
  g_test_add_func ("/mt/app/count-limit", test_count_limit);
  g_test_add_func ("/mt/app/rows-staged", test_rows_staged);
  g_test_add_func ("/mt/app/far-pages", test_far_pages);
  g_test_add_func ("/mt/app/search-typed", test_search_typed);
  g_test_add_func ("/mt/app/rental-counter", test_rental_counter);
  g_test_add_func ("/mt/app/finance-actions", test_finance_actions);
  g_test_add_func ("/mt/app/statistics", test_statistics_page);
  g_test_add_func ("/mt/app/home", test_home_page);
  g_test_add_func ("/mt/app/header", test_header);
  g_test_add_func ("/mt/app/header-recharge", test_header_recharge);
  g_test_add_func ("/mt/app/backup-restore", test_backup_restore_ui);
  g_test_add_func ("/mt/app/damaged-database", test_damaged_database);
  g_test_add_func ("/mt/app/bms-live", test_bms_live);
  g_test_add_func ("/mt/app/bms-offline", test_bms_offline);
  g_test_add_func ("/mt/app/connected", test_connected);
  g_test_add_func ("/mt/app/connected/reports", test_connected_reports);
  g_test_add_func ("/mt/app/chinese", test_chinese);
  g_test_add_func ("/mt/app/monitor", test_monitor);
  g_test_add_func ("/mt/app/fence-editor", test_fence_editor);
  g_test_add_func ("/mt/app/playback", test_playback);
  g_test_add_func ("/mt/app/store-map", test_store_map);
  g_test_add_func ("/mt/app/map-fallback", test_map_fallback);
  g_test_add_func ("/mt/app/map-search", test_map_search);
  g_test_add_func ("/mt/app/gcj02", test_gcj02);
  ret = g_test_run ();

  mt_db_close (db);
  mt_tile_server_stop (tiles);
  g_object_unref (app);
  mt_test_demo_cleanup ();
  return ret;
}
