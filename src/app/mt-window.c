/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mt-window"

#include "config.h"

#include <glib/gi18n.h>

#include "mt-app-resources.h"
#include "mt-alarms.h"
#include "mt-application.h"
#include "mt-bms-dialog.h"
#include "mt-context.h"
#include "mt-demo.h"
#include "mt-error.h"
#include "mt-form-dialog.h"
#include "mt-list-page.h"
#include "mt-member-dialog.h"
#include "mt-backup-actions.h"
#include "mt-quick-search.h"
#include "mt-recharge-dialog.h"
#include "mt-monitor-page.h"
#include "mt-home-page.h"
#include "mt-stats.h"
#include "mt-stats-page.h"
#include "mt-track-page.h"
#include "mt-sync-engine.h"
#include <libsecret/secret.h>
#include "mt-ops.h"
#include "mt-reads.h"
#include "mt-validate.h"
#include "mt-window.h"

struct _MtWindow
{
  AdwApplicationWindow  parent_instance;

  MtDb                 *db;           /* what the pages read: the context's, or the embedded one */
  MtContext            *context;      /* the signed-in session, or NULL */
  const MtActor        *actor;        /* the context's account, or NULL */
  GtkWidget            *stack;        /* sign-in / main */
  GtkWidget            *username;
  GtkWidget            *password;
  GtkWidget            *sign_in_error;
  GtkWidget            *demo_hint;
  GtkWidget            *server_url;
  GtkWidget            *server_user;
  GtkWidget            *server_password;
  GtkWidget            *connect_error;
  GtkWidget            *connect_button;
  GtkWidget            *connect_progress;
  GtkWidget            *connect_status;
  GtkWidget            *connect_bar;
  GtkWidget            *offline_banner;
  MtDb                 *local_db;      /* the embedded database, while connected to a server */
  MtSyncEngine         *engine;        /* connected mode: the server link, owning the replica */
  char                 *replica_path;
  GCancellable         *connecting;
  GtkWidget            *sidebar;
  GtkWidget            *pages;        /* GtkStack of MtListPage, created on first show */
  GtkWidget            *title;
  GtkWidget            *account_label;
  GtkWidget            *balance_label;
  GtkWidget            *balance_button;
  GtkWidget            *recharge_button;
  GtkWidget            *quick_search;
  GtkWidget            *new_button;
  MtHeaderBalance       balance;        /* what the header's balance opens */
  GCancellable         *balance_reading;  /* the read on the way, or NULL */
  gboolean              balance_again;    /* written since it began: read once more after it */
  guint                 balance_timer;
  GPtrArray            *page_ids;
  GHashTable           *collapsed;      /* the sidebar's groups folded away */
  GSettings            *settings;     /* the application's, or NULL */
  MtIngest             *ingest;       /* the embedded broker link, or NULL */
  gboolean              live_dirty;   /* telemetry arrived since the last refresh */
  gboolean              alarms_dirty;
  guint                 live_timer;
  gboolean              status_asking;   /* connected: the live state of the rows shown, asked */
};

G_DEFINE_FINAL_TYPE (MtWindow, mt_window, ADW_TYPE_APPLICATION_WINDOW)

enum { SIGNAL_RESTORE_DATABASE, N_SIGNALS };
static guint signals[N_SIGNALS];

static gboolean live_tick_cb (gpointer data);
static void quick_open_cb (MtWindow *self, int kind, const char *key, gint64 id);
static void reset_balance (MtWindow *self);
static void refresh_balance (MtWindow *self);
static void show_groups (MtWindow *self);
static gboolean scroll_to_selected_cb (gpointer data);
static void toggle_group_cb (GSimpleAction *action, GVariant *param, gpointer data);
static MtListPage *page_list (GtkWidget *page);

/* A closed window stops listening to the server at once: pending requests may keep it alive a
 * while, and their news must not reach widgets that are gone */
static void
mt_window_dispose (GObject *object)
{
  MtWindow *self = MT_WINDOW (object);

  g_clear_handle_id (&self->live_timer, g_source_remove);
  reset_balance (self);
  if (self->ingest)
    g_signal_handlers_disconnect_by_data (self->ingest, self);
  g_clear_object (&self->ingest);
  if (self->connecting)
    g_cancellable_cancel (self->connecting);
  g_clear_object (&self->connecting);
  if (self->engine)
    {
      g_signal_handlers_disconnect_by_data (self->engine, self);
      mt_sync_engine_stop (self->engine);
    }
  G_OBJECT_CLASS (mt_window_parent_class)->dispose (object);
}

static void
mt_window_finalize (GObject *object)
{
  MtWindow *self = MT_WINDOW (object);

  g_clear_object (&self->context);
  g_clear_pointer (&self->page_ids, g_ptr_array_unref);
  g_clear_pointer (&self->collapsed, g_hash_table_unref);
  g_clear_object (&self->settings);
  g_clear_object (&self->engine);
  g_free (self->replica_path);
  G_OBJECT_CLASS (mt_window_parent_class)->finalize (object);
}

static void sign_in_clicked_cb (MtWindow *self);
static void show_connect_cb (MtWindow *self);
static void back_clicked_cb (MtWindow *self);
static void connect_clicked_cb (MtWindow *self);
static void row_selected_cb (GtkListBox *box, GtkListBoxRow *row, MtWindow *self);

/*
 * GTK 4.8's icon cache keeps the last hundred icons looked up in a ring; the icon pushed out is
 * released by whichever thread pushed it, GTK's icon-loading thread included. When that release
 * is the last, the icon is finalized there while the main thread may be finding it in the cache
 * and taking a reference to it: "g_object_ref: assertion '!object_already_finalized' failed",
 * then a use after free. An icon that was looked up is kept instead of being disposed (its last
 * reference taken back: a few hundred small icons for the process's life), so that none is ever
 * finalized under the cache.
 */
static void
icon_keep_dispose (GObject *object)
{
  g_object_ref (object);   /* not chained up: the icon stays whole, and in the cache */
}

static void
icons_keep (void)
{
  GObjectClass *klass = g_type_class_ref (GTK_TYPE_ICON_PAINTABLE);   /* kept: the class stays */

  klass->dispose = icon_keep_dispose;
}

static void
mt_window_class_init (MtWindowClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  icons_keep ();
  G_OBJECT_CLASS (klass)->dispose = mt_window_dispose;
  G_OBJECT_CLASS (klass)->finalize = mt_window_finalize;
  /* Restore… chose a backup that passed its checks, and the user said Restore: the application
   * puts it in the database's place */
  signals[SIGNAL_RESTORE_DATABASE] = g_signal_new ("restore-database", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                                   0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  /* referenced so that the linker keeps the templates of this static library (their
   * constructor registers them) */
  g_assert (mt_app_get_resource () != NULL);
  g_type_ensure (MT_TYPE_QUICK_SEARCH);
  gtk_widget_class_set_template_from_resource (widget_class, "/com/mtxnyjs/Mingtang/ui/mt-window.ui");
  gtk_widget_class_bind_template_child (widget_class, MtWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, MtWindow, username);
  gtk_widget_class_bind_template_child (widget_class, MtWindow, password);
  gtk_widget_class_bind_template_child (widget_class, MtWindow, sign_in_error);
  gtk_widget_class_bind_template_child (widget_class, MtWindow, demo_hint);
  gtk_widget_class_bind_template_child (widget_class, MtWindow, server_url);
  gtk_widget_class_bind_template_child (widget_class, MtWindow, server_user);
  gtk_widget_class_bind_template_child (widget_class, MtWindow, server_password);
  gtk_widget_class_bind_template_child (widget_class, MtWindow, connect_error);
  gtk_widget_class_bind_template_child (widget_class, MtWindow, connect_button);
  gtk_widget_class_bind_template_child (widget_class, MtWindow, connect_progress);
  gtk_widget_class_bind_template_child (widget_class, MtWindow, connect_status);
  gtk_widget_class_bind_template_child (widget_class, MtWindow, connect_bar);
  gtk_widget_class_bind_template_child (widget_class, MtWindow, offline_banner);
  gtk_widget_class_bind_template_child (widget_class, MtWindow, sidebar);
  gtk_widget_class_bind_template_child (widget_class, MtWindow, pages);
  gtk_widget_class_bind_template_child (widget_class, MtWindow, title);
  gtk_widget_class_bind_template_child (widget_class, MtWindow, account_label);
  gtk_widget_class_bind_template_child (widget_class, MtWindow, balance_label);
  gtk_widget_class_bind_template_child (widget_class, MtWindow, balance_button);
  gtk_widget_class_bind_template_child (widget_class, MtWindow, recharge_button);
  gtk_widget_class_bind_template_child (widget_class, MtWindow, quick_search);
  gtk_widget_class_bind_template_child (widget_class, MtWindow, new_button);
  gtk_widget_class_bind_template_callback (widget_class, quick_open_cb);
  gtk_widget_class_bind_template_callback (widget_class, row_selected_cb);
  /* Enter in the password rows, as their screens' buttons (win.sign-in, win.connect) */
  gtk_widget_class_bind_template_callback (widget_class, sign_in_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, connect_clicked_cb);
}

static void
sign_out_cb (GSimpleAction *action,
             GVariant      *param,
             gpointer       self)
{
  mt_window_sign_out (self);
}

/* The header's search chose a device or a member: its list, narrowed to it, and a member's
 * details over it */
static void
quick_open_cb (MtWindow   *self,
               int         kind,
               const char *key,
               gint64      id)
{
  GtkWidget *page = mt_window_show_page (self, kind == MT_QUICK_DEVICE ? "devices" : "members");

  if (page != NULL && MT_IS_LIST_PAGE (page))
    mt_list_page_set_search (MT_LIST_PAGE (page), key);
  if (kind == MT_QUICK_MEMBER && self->context != NULL && mt_actor_can (self->actor, "members", "detail"))
    gtk_window_present (GTK_WINDOW (mt_member_dialog_new (GTK_WINDOW (self), self->context, id)));
}

/* Ctrl+K: the header's search */
static void
find_anything_cb (GSimpleAction *action,
                  GVariant      *param,
                  gpointer       data)
{
  MtWindow *self = data;

  if (self->actor != NULL)
    gtk_widget_grab_focus (self->quick_search);
}

/* 建设备, 建客户: a new device or member from any page */
static void
new_record_cb (GSimpleAction *action,
               GVariant      *param,
               gpointer       data)
{
  MtWindow *self = data;
  const char *entity = g_str_equal (g_action_get_name (G_ACTION (action)), "new-device") ? "devices" : "members";
  MtFormDialog *dialog;

  if (self->context == NULL || !mt_actor_can (self->actor, entity, "edit"))
    return;
  dialog = mt_form_dialog_new (GTK_WINDOW (self), self->context, mt_entity_lookup (entity), 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* 充值: a member's recharge from any page; the header's balance read again after it */
static void
recharged_cb (MtRechargeDialog *dialog,
              gint64            member_id,
              MtWindow         *self)
{
  refresh_balance (self);
}

static void
recharge_cb (GSimpleAction *action,
             GVariant      *param,
             gpointer       data)
{
  MtWindow *self = data;
  MtRechargeDialog *dialog;

  if (self->context == NULL || !mt_actor_can (self->actor, "recharges", "recharge"))
    return;
  dialog = mt_recharge_dialog_new (GTK_WINDOW (self), self->context);
  g_signal_connect_object (dialog, "recharged", G_CALLBACK (recharged_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* The header's balance opens the ledger behind it */
static void
open_balance_cb (GSimpleAction *action,
                 GVariant      *param,
                 gpointer       data)
{
  MtWindow *self = data;
  GtkWidget *page;

  if (self->actor == NULL || self->balance.page == NULL)
    return;
  page = mt_window_show_page (self, self->balance.page);
  if (page != NULL && MT_IS_LIST_PAGE (page) && self->balance.today)
    {
      g_autofree char *today = mt_stats_day_format (mt_stats_day_of (mt_now ()));

      mt_list_page_set_dates (MT_LIST_PAGE (page), today, today);
    }
}

static gpointer
balance_job (MtDb          *db,
             gpointer       data,
             GCancellable  *cancellable,
             GError       **error)
{
  MtHeaderBalance *balance = g_new0 (MtHeaderBalance, 1);

  if (!mt_read_header_balance (db, mt_context_get_actor (data), balance))
    balance->title = NULL;
  return balance;
}

static void refresh_balance (MtWindow *self);

static gboolean
balance_again_cb (gpointer data)
{
  MtWindow *self = data;

  self->balance_timer = 0;
  refresh_balance (self);
  return G_SOURCE_REMOVE;
}

static void
balance_read_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GCancellable) reading = user_data;
  MtWindow *self = g_object_get_data (G_OBJECT (reading), "window");
  g_autofree MtHeaderBalance *balance = mt_context_run_finish (MT_CONTEXT (source), result, NULL);
  g_autofree char *money = NULL;
  g_autofree char *text = NULL;

  /* a read of a session gone, or of a window gone: nothing of it is shown */
  if (self == NULL || reading != self->balance_reading)
    return;
  g_clear_object (&self->balance_reading);
  if (self->balance_again && self->balance_timer == 0)
    {
      /* the writes since: once more, a little later (a big ledger sums for a while) */
      self->balance_again = FALSE;
      self->balance_timer = g_timeout_add_seconds (5, balance_again_cb, self);
    }
  if (balance == NULL || self->actor == NULL)
    return;
  self->balance = *balance;
  gtk_widget_set_visible (self->balance_button, balance->title != NULL);
  if (balance->title == NULL)
    return;
  money = mt_format_money (balance->fen);
  /* TRANSLATORS: the header's balance: "Available balance ¥1,234.00" */
  text = g_strdup_printf (_("%s %s"), balance->title, money);
  gtk_label_set_text (GTK_LABEL (self->balance_label), text);
  gtk_widget_set_tooltip_text (self->balance_button, balance->today ? _("Open today's transactions")
                                                                    : _("Open the ledger behind it"));
}

/* The balance is summed on the session's worker: a big ledger never holds the window up, and
 * one read at a time — writes meanwhile ask for one more, after it */
static void
refresh_balance (MtWindow *self)
{
  if (self->context == NULL)
    return;
  if (self->balance_reading != NULL || self->balance_timer != 0)
    {
      self->balance_again = TRUE;
      return;
    }
  self->balance_reading = g_cancellable_new ();
  g_object_set_data (G_OBJECT (self->balance_reading), "window", self);
  mt_context_run_async (self->context, balance_job, g_object_ref (self->context), g_object_unref, g_free,
                        self->balance_reading, balance_read_cb, g_object_ref (self->balance_reading));
}

/* A new session: whatever the last one was reading is dropped */
static void
reset_balance (MtWindow *self)
{
  if (self->balance_reading != NULL)
    {
      g_object_set_data (G_OBJECT (self->balance_reading), "window", NULL);
      g_cancellable_cancel (self->balance_reading);
      g_clear_object (&self->balance_reading);
    }
  g_clear_handle_id (&self->balance_timer, g_source_remove);
  self->balance_again = FALSE;
}

/* Ctrl+F: the search of the list on screen */
static void
find_cb (GSimpleAction *action,
         GVariant      *param,
         gpointer       data)
{
  MtWindow *self = data;
  MtListPage *list = page_list (gtk_stack_get_visible_child (GTK_STACK (self->pages)));

  if (list != NULL)
    mt_list_page_focus_search (list);
}

/* Back Up Now, Restore…, Preferences: the database this console uses on its own */
static void
restore_chosen (const char *backup,
                gpointer    data)
{
  g_signal_emit (data, signals[SIGNAL_RESTORE_DATABASE], 0, backup);
}

static void
backup_action_cb (GSimpleAction *action,
                  GVariant      *param,
                  gpointer       data)
{
  MtWindow *self = data;
  const char *name = g_action_get_name (G_ACTION (action));
  const char *path = mt_db_get_path (self->local_db);

  if (g_str_equal (name, "backup-now"))
    mt_backup_now (GTK_WINDOW (self), path);
  else if (g_str_equal (name, "restore"))
    {
      if (self->engine == NULL && self->actor != NULL && mt_actor_is_root (self->actor))
        mt_backup_restore_choose (GTK_WINDOW (self), path, restore_chosen, self);
    }
  else
    gtk_window_present (GTK_WINDOW (mt_preferences_new (GTK_WINDOW (self), path, self->engine != NULL)));
}

void
mt_window_restore_from (MtWindow   *self,
                        const char *backup)
{
  mt_backup_restore_from (GTK_WINDOW (self), backup, restore_chosen, self);
}

static void
about_cb (GSimpleAction *action,
          GVariant      *param,
          gpointer       self)
{
  static const char *const developers[] = { "Mingtang contributors", NULL };
  GtkWidget *about = adw_about_window_new ();

  g_object_set (about, "transient-for", self, "modal", TRUE, "application-name", _("Mingtang"),
                "application-icon", BASE_APPLICATION_ID, "version", PACKAGE_VERSION,
                "developer-name", _("Mingtang contributors"), "developers", developers,
                "comments", _("Runs a battery-rental business: headquarters, operators, stores, riders and their "
                              "batteries, standalone or with a shared server"),
                "license-type", GTK_LICENSE_GPL_3_0, "copyright", "© 2026 Mingtang contributors",
                "translator-credits", _("translator-credits"), NULL);
  gtk_window_present (GTK_WINDOW (about));
}

/* The sign-in and connect screens' buttons */
static void
window_action_cb (GSimpleAction *action,
                  GVariant      *param,
                  gpointer       data)
{
  MtWindow *self = data;
  const char *name = g_action_get_name (G_ACTION (action));

  if (g_str_equal (name, "sign-in"))
    sign_in_clicked_cb (self);
  else if (g_str_equal (name, "show-connect"))
    show_connect_cb (self);
  else if (g_str_equal (name, "back"))
    back_clicked_cb (self);
  else
    connect_clicked_cb (self);
}

static void
ensure_style (void)
{
  static gsize once = 0;

  if (g_once_init_enter (&once))
    {
      g_autoptr(GtkCssProvider) css = gtk_css_provider_new ();

      /* also when the application is not ours (the tests): the console's style is its own */
      gtk_css_provider_load_from_resource (css, "/com/mtxnyjs/Mingtang/style.css");
      gtk_style_context_add_provider_for_display (gdk_display_get_default (), GTK_STYLE_PROVIDER (css),
                                                  GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
      g_once_init_leave (&once, 1);
    }
}

static void
mt_window_init (MtWindow *self)
{
  static const GActionEntry entries[] = {
    { "sign-out", sign_out_cb }, { "find", find_cb }, { "about", about_cb },
    { "sign-in", window_action_cb }, { "show-connect", window_action_cb }, { "back", window_action_cb },
    { "connect", window_action_cb }, { "new-device", new_record_cb }, { "new-member", new_record_cb },
    { "open-balance", open_balance_cb }, { "find-anything", find_anything_cb }, { "recharge", recharge_cb },
    { "toggle-group", toggle_group_cb, "s" },
    { "backup-now", backup_action_cb }, { "restore", backup_action_cb }, { "preferences", backup_action_cb },
  };
  const char *const *demo = mt_demo_accounts ();
  g_autoptr(GString) accounts = g_string_new (NULL);
  g_autofree char *hint = NULL;
  g_autofree char *hint_free = NULL;

  gtk_widget_init_template (GTK_WIDGET (self));
  ensure_style ();
  g_action_map_add_action_entries (G_ACTION_MAP (self), entries, G_N_ELEMENTS (entries), self);
  {
    g_autoptr(GtkBuilder) builder = gtk_builder_new_from_resource ("/com/mtxnyjs/Mingtang/gtk/help-overlay.ui");

    gtk_application_window_set_help_overlay (GTK_APPLICATION_WINDOW (self),
                                             GTK_SHORTCUTS_WINDOW (gtk_builder_get_object (builder, "help_overlay")));
  }
  self->page_ids = g_ptr_array_new_with_free_func (g_free);
  self->collapsed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; demo[i]; i += 2)
    g_string_append_printf (accounts, "\n%s (%s)", demo[i], _(demo[i + 1]));
  /* TRANSLATORS: followed by one demo account per line, "admin (Headquarters admin)" */
  hint = g_strdup_printf (_("Demo accounts (password %s):"), MT_DEMO_PASSWORD);
  hint = g_strconcat (hint_free = hint, accounts->str, NULL);
  gtk_label_set_text (GTK_LABEL (self->demo_hint), hint);
}

/* A statistic's row opens its list, narrowed to the row's dates or name */
static void
stats_open_page_cb (MtWindow   *self,
                    const char *page_id,
                    const char *search,
                    const char *from,
                    const char *to)
{
  GtkWidget *page = mt_window_show_page (self, page_id);

  if (page == NULL || !MT_IS_LIST_PAGE (page))
    return;
  mt_list_page_set_dates (MT_LIST_PAGE (page), from, to);
  mt_list_page_set_search (MT_LIST_PAGE (page), search);
}

gboolean
mt_window_sidebar_shows (MtWindow   *self,
                         const char *page_id)
{
  g_return_val_if_fail (MT_IS_WINDOW (self), FALSE);
  for (GtkWidget *row = gtk_widget_get_first_child (self->sidebar); row; row = gtk_widget_get_next_sibling (row))
    if (g_strcmp0 (g_object_get_data (G_OBJECT (row), "page"), page_id) == 0)
      return gtk_widget_get_visible (row);
  return FALSE;
}

MtQuickSearch *
mt_window_get_quick_search (MtWindow *self)
{
  g_return_val_if_fail (MT_IS_WINDOW (self), NULL);
  return MT_QUICK_SEARCH (self->quick_search);
}

const char *
mt_window_get_balance_text (MtWindow *self)
{
  g_return_val_if_fail (MT_IS_WINDOW (self), NULL);
  return gtk_widget_get_visible (self->balance_button) ? gtk_label_get_text (GTK_LABEL (self->balance_label)) : NULL;
}

const char *
mt_window_get_page (MtWindow *self)
{
  return gtk_stack_get_visible_child_name (GTK_STACK (self->pages));
}

/* A dashboard tile opens its list, in the tile's state and on its day */
static void
home_open_page_cb (MtWindow   *self,
                   const char *page_id,
                   const char *state,
                   const char *from,
                   const char *to)
{
  GtkWidget *page = mt_window_show_page (self, page_id);

  if (page == NULL || !MT_IS_LIST_PAGE (page))
    return;
  mt_list_page_set_state (MT_LIST_PAGE (page), *state ? state : NULL);
  mt_list_page_set_dates (MT_LIST_PAGE (page), from, to);
}

GtkWidget *
mt_window_show_page (MtWindow   *self,
                     const char *page_id)
{
  GtkWidget *child = gtk_stack_get_child_by_name (GTK_STACK (self->pages), page_id);
  const MtPageInfo *info = mt_page_lookup (page_id);

  if (info == NULL || !mt_actor_can_view (self->actor, page_id))
    return NULL;
  if (child == NULL)
    {
      g_autoptr(GError) error = NULL;

      if (g_str_equal (page_id, "monitor"))
        child = GTK_WIDGET (mt_monitor_page_new (self->context, &error));
      else if (g_str_equal (page_id, "tracks"))
        child = GTK_WIDGET (mt_track_page_new (self->context));
      else if (g_str_equal (page_id, "home"))
        {
          child = GTK_WIDGET (mt_home_page_new (self->context));
          g_signal_connect_object (child, "open-page", G_CALLBACK (home_open_page_cb), self, G_CONNECT_SWAPPED);
        }
      else if (g_str_equal (page_id, "statistics"))
        {
          child = GTK_WIDGET (mt_stats_page_new (self->context));
          g_signal_connect_object (child, "open-page", G_CALLBACK (stats_open_page_cb), self, G_CONNECT_SWAPPED);
        }
      else
        child = GTK_WIDGET (mt_list_page_new (self->context, page_id, &error));
      if (child == NULL)
        {
          g_warning ("Page %s: %s", page_id, error->message);
          return NULL;
        }
      gtk_stack_add_named (GTK_STACK (self->pages), child, page_id);
    }
  gtk_stack_set_visible_child (GTK_STACK (self->pages), child);

  /* Keep the sidebar on the page shown, however it was chosen (--page, tests, links) */
  for (GtkWidget *row = gtk_widget_get_first_child (self->sidebar); row;
       row = gtk_widget_get_next_sibling (row))
    if (g_strcmp0 (g_object_get_data (G_OBJECT (row), "page"), page_id) == 0)
      {
        if (!gtk_list_box_row_is_selected (GTK_LIST_BOX_ROW (row)))
          gtk_list_box_select_row (GTK_LIST_BOX (self->sidebar), GTK_LIST_BOX_ROW (row));
        break;
      }
  show_groups (self);
  g_idle_add (scroll_to_selected_cb, g_object_ref (self));
  adw_window_title_set_title (ADW_WINDOW_TITLE (self->title), mt_page_title (info));
  return child;
}

static void
row_selected_cb (GtkListBox    *box,
                 GtkListBoxRow *row,
                 MtWindow      *self)
{
  const char *page_id = row ? g_object_get_data (G_OBJECT (row), "page") : NULL;

  if (page_id)
    mt_window_show_page (self, page_id);
}

/* The sidebar's rows as its groups are folded: a folded group keeps only its selected page */
static void
show_groups (MtWindow *self)
{
  for (GtkWidget *row = gtk_widget_get_first_child (self->sidebar); row; row = gtk_widget_get_next_sibling (row))
    {
      const char *group = g_object_get_data (G_OBJECT (row), "group");
      const char *header = g_object_get_data (G_OBJECT (row), "header-of");

      if (header != NULL)
        {
          gboolean folded = g_hash_table_contains (self->collapsed, header);

          gtk_image_set_from_icon_name (g_object_get_data (G_OBJECT (row), "arrow"),
                                        folded ? "pan-end-symbolic" : "pan-down-symbolic");
          gtk_accessible_update_state (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_STATE_EXPANDED, !folded, -1);
        }
      else if (group != NULL)
        gtk_widget_set_visible (row, !g_hash_table_contains (self->collapsed, group) ||
                                     gtk_list_box_row_is_selected (GTK_LIST_BOX_ROW (row)));
    }
}

/* The selected page's row in sight, however far down the sidebar it is */
static gboolean
scroll_to_selected_cb (gpointer data)
{
  MtWindow *self = data;
  GtkListBoxRow *row = gtk_list_box_get_selected_row (GTK_LIST_BOX (self->sidebar));
  GtkWidget *scroller = gtk_widget_get_ancestor (self->sidebar, GTK_TYPE_SCROLLED_WINDOW);
  graphene_rect_t bounds;

  if (row != NULL && scroller != NULL &&
      gtk_widget_compute_bounds (GTK_WIDGET (row), self->sidebar, &bounds))
    {
      GtkAdjustment *adj = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scroller));
      double top = bounds.origin.y, bottom = top + bounds.size.height;
      double value = gtk_adjustment_get_value (adj), page = gtk_adjustment_get_page_size (adj);

      if (top < value)
        gtk_adjustment_set_value (adj, top);
      else if (bottom > value + page)
        gtk_adjustment_set_value (adj, bottom - page);
    }
  g_object_unref (self);
  return G_SOURCE_REMOVE;
}

static void
toggle_group_cb (GSimpleAction *action,
                 GVariant      *param,
                 gpointer       data)
{
  MtWindow *self = data;
  const char *group = g_variant_get_string (param, NULL);

  if (!g_hash_table_remove (self->collapsed, group))
    g_hash_table_add (self->collapsed, g_strdup (group));
  show_groups (self);
}

static void
build_sidebar (MtWindow *self)
{
  guint n_groups, n_pages;
  const MtGroupInfo *groups = mt_groups (&n_groups);
  const MtPageInfo *pages = mt_pages (&n_pages);
  GtkListBoxRow *first = NULL;
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (self->sidebar)))
    gtk_list_box_remove (GTK_LIST_BOX (self->sidebar), child);
  g_ptr_array_set_size (self->page_ids, 0);

  for (guint g = 0; g < n_groups; g++)
    {
      gboolean header_added = FALSE;

      for (guint p = 0; p < n_pages; p++)
        {
          GtkWidget *row, *box, *label;

          if (!g_str_equal (pages[p].group, groups[g].id) || !mt_actor_can_view (self->actor, pages[p].id))
            continue;
          if (!header_added && groups[g].title != NULL)
            {
              /* the group's title folds its pages away and back (win.toggle-group) */
              GtkWidget *header = gtk_label_new (mt_group_title (&groups[g]));
              GtkWidget *hbox = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
              GtkWidget *arrow = gtk_image_new_from_icon_name ("pan-down-symbolic");
              GtkWidget *hrow = gtk_list_box_row_new ();

              gtk_label_set_xalign (GTK_LABEL (header), 0);
              gtk_widget_set_hexpand (header, TRUE);
              gtk_widget_add_css_class (header, "heading");
              gtk_widget_add_css_class (hbox, "dim-label");
              gtk_box_append (GTK_BOX (hbox), header);
              gtk_box_append (GTK_BOX (hbox), arrow);
              gtk_widget_set_margin_start (hbox, 12);
              gtk_widget_set_margin_end (hbox, 12);
              gtk_widget_set_margin_top (hbox, 12);
              gtk_widget_set_margin_bottom (hbox, 3);
              gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (hrow), hbox);
              gtk_list_box_row_set_selectable (GTK_LIST_BOX_ROW (hrow), FALSE);
              gtk_actionable_set_action_name (GTK_ACTIONABLE (hrow), "win.toggle-group");
              gtk_actionable_set_action_target (GTK_ACTIONABLE (hrow), "s", groups[g].id);
              g_object_set_data (G_OBJECT (hrow), "arrow", arrow);
              g_object_set_data (G_OBJECT (hrow), "header-of", (gpointer) groups[g].id);
              gtk_accessible_update_property (GTK_ACCESSIBLE (hrow), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                              mt_group_title (&groups[g]), -1);
              gtk_list_box_append (GTK_LIST_BOX (self->sidebar), hrow);
              header_added = TRUE;
            }
          row = gtk_list_box_row_new ();
          box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 9);
          label = gtk_label_new (mt_page_title (&pages[p]));
          gtk_label_set_xalign (GTK_LABEL (label), 0);
          gtk_box_append (GTK_BOX (box), gtk_image_new_from_icon_name (pages[p].icon));
          gtk_box_append (GTK_BOX (box), label);
          gtk_widget_set_margin_start (box, 18);
          gtk_widget_set_margin_end (box, 12);
          gtk_widget_set_margin_top (box, 6);
          gtk_widget_set_margin_bottom (box, 6);
          gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
          g_object_set_data (G_OBJECT (row), "page", (gpointer) pages[p].id);
          g_object_set_data (G_OBJECT (row), "group", (gpointer) groups[g].id);
          gtk_list_box_append (GTK_LIST_BOX (self->sidebar), row);
          g_ptr_array_add (self->page_ids, g_strdup (pages[p].id));
          if (first == NULL)
            first = GTK_LIST_BOX_ROW (row);
        }
    }
  if (first)
    gtk_list_box_select_row (GTK_LIST_BOX (self->sidebar), first);
  show_groups (self);
}

char **
mt_window_list_pages (MtWindow *self)
{
  GStrvBuilder *builder = g_strv_builder_new ();
  char **out;

  for (guint i = 0; i < self->page_ids->len; i++)
    g_strv_builder_add (builder, self->page_ids->pdata[i]);
  out = g_strv_builder_end (builder);
  g_strv_builder_unref (builder);
  return out;
}

const MtActor *
mt_window_get_actor (MtWindow *self)
{
  return self->actor;
}

static void show_actor (MtWindow *self, MtActor *actor, MtDb *replica);

gboolean
mt_window_sign_in (MtWindow    *self,
                   const char  *username,
                   const char  *password,
                   GError     **error)
{
  MtActor *actor = mt_sign_in (self->db, username, password, error);

  if (actor == NULL)
    return FALSE;
  show_actor (self, actor, NULL);
  return TRUE;
}

static void context_changed_cb (MtContext *context, const char *operation, MtWindow *self);

/* A session of @actor (taken) begins, on @replica (taken) when connected, and the window shows
 * what it may use */
static void
show_actor (MtWindow *self,
            MtActor  *actor,
            MtDb     *replica)
{
  g_autofree char *who = NULL;
  GtkWidget *child;

  g_clear_object (&self->context);
  self->context = replica ? mt_context_new_connected (self->engine, replica, actor)
                          : mt_context_new_standalone (self->local_db, actor);
  mt_context_set_settings (self->context, self->settings);
  mt_context_set_ingest (self->context, self->ingest);
  if (replica == NULL)   /* connected, the replica's own "changed" reloads the page */
    g_signal_connect (self->context, "changed", G_CALLBACK (context_changed_cb), self);
  self->db = mt_context_get_db (self->context);
  self->actor = actor;

  while ((child = gtk_widget_get_first_child (self->pages)))
    gtk_stack_remove (GTK_STACK (self->pages), child);

  who = g_strdup_printf ("%s · %s", actor->name, actor->operator_name);
  gtk_label_set_text (GTK_LABEL (self->account_label), who);
  reset_balance (self);
  memset (&self->balance, 0, sizeof self->balance);
  gtk_widget_set_visible (self->balance_button, FALSE);
  refresh_balance (self);
  mt_quick_search_set_context (MT_QUICK_SEARCH (self->quick_search), self->context);
  gtk_widget_set_visible (self->quick_search, mt_actor_can_view (actor, "devices") || mt_actor_can_view (actor, "members"));
  g_simple_action_set_enabled (G_SIMPLE_ACTION (g_action_map_lookup_action (G_ACTION_MAP (self), "new-device")),
                               mt_actor_can (actor, "devices", "edit"));
  g_simple_action_set_enabled (G_SIMPLE_ACTION (g_action_map_lookup_action (G_ACTION_MAP (self), "new-member")),
                               mt_actor_can (actor, "members", "edit"));
  gtk_widget_set_visible (self->new_button, mt_actor_can (actor, "devices", "edit") || mt_actor_can (actor, "members", "edit"));
  /* a restore replaces the whole business: headquarters' administrator, at a console of its own */
  g_simple_action_set_enabled (G_SIMPLE_ACTION (g_action_map_lookup_action (G_ACTION_MAP (self), "restore")),
                               self->engine == NULL && mt_actor_is_root (actor));
  g_simple_action_set_enabled (G_SIMPLE_ACTION (g_action_map_lookup_action (G_ACTION_MAP (self), "recharge")),
                               mt_actor_can (actor, "recharges", "recharge"));
  gtk_widget_set_visible (self->recharge_button, mt_actor_can (actor, "recharges", "recharge"));

  build_sidebar (self);
  gtk_stack_set_visible_child_name (GTK_STACK (self->stack), "main");
}

/* Every window this one opened, directly or through another (forms, BMS panels, alarm curves,
 * order details): they hold the session's actor and database */
static void
close_owned_windows (MtWindow *self)
{
  GListModel *toplevels = gtk_window_get_toplevels ();   /* GTK's own list, not ours */
  g_autoptr(GPtrArray) owned = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) window = g_list_model_get_item (toplevels, i);

      for (GtkWindow *up = gtk_window_get_transient_for (window); up != NULL; up = gtk_window_get_transient_for (up))
        if (up == GTK_WINDOW (self))
          {
            g_ptr_array_add (owned, g_object_ref (window));
            break;
          }
    }
  for (guint i = 0; i < owned->len; i++)
    gtk_window_destroy (owned->pdata[i]);
}

void
mt_window_sign_out (MtWindow *self)
{
  GtkWidget *child;

  /* nothing that uses the session outlives it */
  close_owned_windows (self);
  gtk_stack_set_visible_child_name (GTK_STACK (self->stack), "sign-in");
  while ((child = gtk_widget_get_first_child (self->pages)))
    gtk_stack_remove (GTK_STACK (self->pages), child);
  if (self->context)
    g_signal_handlers_disconnect_by_data (self->context, self);
  reset_balance (self);
  mt_quick_search_set_context (MT_QUICK_SEARCH (self->quick_search), NULL);
  g_clear_object (&self->context);
  self->actor = NULL;
  gtk_editable_set_text (GTK_EDITABLE (self->password), "");
  gtk_widget_grab_focus (self->username);
  if (self->engine)
    {
      g_signal_handlers_disconnect_by_data (self->engine, self);
      g_clear_object (&self->engine);
      self->db = self->local_db;
      gtk_info_bar_set_revealed (GTK_INFO_BAR (self->offline_banner), FALSE);
    }
}

static void
sign_in_clicked_cb (MtWindow *self)
{
  g_autoptr(GError) error = NULL;

  /* the first page is 主页, the role's dashboard (the sidebar's first row) */
  gtk_widget_set_visible (self->sign_in_error, FALSE);
  if (!mt_window_sign_in (self, gtk_editable_get_text (GTK_EDITABLE (self->username)),
                          gtk_editable_get_text (GTK_EDITABLE (self->password)), &error))
    {
      gtk_label_set_text (GTK_LABEL (self->sign_in_error), error->message);
      gtk_widget_set_visible (self->sign_in_error, TRUE);
      return;
    }
  gtk_editable_set_text (GTK_EDITABLE (self->password), "");
  if (self->settings)
    g_settings_set_string (self->settings, "last-user", self->actor->username);
}

/* ------------------------------------------------------------------ connected mode */

/* Session tokens live in the desktop keyring, one per server and user name */
static const SecretSchema *
token_schema (void)
{
  static const SecretSchema schema = {
    BASE_APPLICATION_ID ".Session", SECRET_SCHEMA_NONE,
    { { "server", SECRET_SCHEMA_ATTRIBUTE_STRING }, { "username", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { NULL, 0 } }
  };
  return &schema;
}

static void
show_connect_cb (MtWindow *self)
{
  gtk_widget_set_visible (self->connect_error, FALSE);
  gtk_stack_set_visible_child_name (GTK_STACK (self->stack), "connect");
  gtk_widget_grab_focus (gtk_editable_get_text (GTK_EDITABLE (self->server_url))[0]
                         ? self->server_password : self->server_url);
}

static void
back_clicked_cb (MtWindow *self)
{
  if (self->connecting)
    g_cancellable_cancel (self->connecting);
  gtk_stack_set_visible_child_name (GTK_STACK (self->stack), "sign-in");
}

/* The connect screen at rest again, whatever the outcome */
static void
connect_finished (MtWindow *self)
{
  gtk_widget_set_visible (self->connect_progress, FALSE);
  gtk_widget_set_visible (self->connect_bar, FALSE);
  gtk_widget_set_sensitive (self->connect_button, TRUE);
  g_clear_object (&self->connecting);
}

static void
connect_failed (MtWindow     *self,
                const GError *error)
{
  connect_finished (self);
  g_clear_object (&self->engine);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  g_debug ("Connecting failed: %s", error->message);
  gtk_label_set_text (GTK_LABEL (self->connect_error), error->message);
  gtk_widget_set_visible (self->connect_error, TRUE);
}

static void
engine_online_cb (MtSyncEngine *engine,
                  GParamSpec   *pspec,
                  MtWindow     *self)
{
  gtk_info_bar_set_revealed (GTK_INFO_BAR (self->offline_banner), !mt_sync_engine_get_online (engine));
}

/* The list a page shows: the page itself, or the monitor's list beside its map */
static MtListPage *
page_list (GtkWidget *page)
{
  if (page != NULL && MT_IS_MONITOR_PAGE (page))
    return mt_monitor_page_get_list (MT_MONITOR_PAGE (page));
  return page != NULL && MT_IS_LIST_PAGE (page) ? MT_LIST_PAGE (page) : NULL;
}

/* The replica changed under the lists: the page on screen reads it again */
static void
engine_changed_cb (MtSyncEngine *engine,
                   MtWindow     *self)
{
  MtListPage *list = page_list (gtk_stack_get_visible_child (GTK_STACK (self->pages)));

  if (list != NULL)
    mt_list_page_reload (list);
  refresh_balance (self);
}

/* Standalone: a request of this session wrote */
static void
context_changed_cb (MtContext  *context,
                    const char *operation,
                    MtWindow   *self)
{
  engine_changed_cb (NULL, self);
}

static void
engine_progress_cb (MtSyncEngine *engine,
                    gint64        rows,
                    gint64        expected,
                    MtWindow     *self)
{
  g_autofree char *text = NULL;

  if (gtk_stack_get_visible_child_name (GTK_STACK (self->stack)) == NULL ||
      !g_str_equal (gtk_stack_get_visible_child_name (GTK_STACK (self->stack)), "connect"))
    return;
  text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Copying what your account may see: %lld row",
                                       "Copying what your account may see: %lld rows", (gulong) rows),
                          (long long) rows);
  gtk_label_set_text (GTK_LABEL (self->connect_status), text);
  if (expected > 0)
    {
      gtk_widget_set_visible (self->connect_bar, TRUE);
      gtk_progress_bar_set_fraction (GTK_PROGRESS_BAR (self->connect_bar), MIN (1.0, (double) rows / expected));
    }
}

static void
connected_pull_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      data)
{
  g_autoptr(MtWindow) self = data;
  MtSyncEngine *engine = MT_SYNC_ENGINE (source);
  g_autoptr(GError) error = NULL;
  const char *username = gtk_editable_get_text (GTK_EDITABLE (self->server_user));
  MtDb *replica = NULL;
  MtActor *actor = NULL;

  if (mt_sync_engine_pull_finish (engine, result, &error) < 0)
    {
      connect_failed (self, error);
      return;
    }
  /* the window reads the replica on its own connection that cannot write: every change goes
   * through the server, and a write that would not is refused by SQLite, never kept locally */
  replica = mt_db_open_read_only (self->replica_path, &error);
  if (replica == NULL)
    {
      connect_failed (self, error);
      return;
    }
  actor = mt_actor_load_username (replica, username, NULL);
  if (actor == NULL)
    {
      g_set_error (&error, MT_ERROR, MT_ERROR_FAILED, _("The server sent no account “%s”"), username);
      mt_db_close (replica);
      connect_failed (self, error);
      return;
    }
  connect_finished (self);
  g_signal_connect (engine, "notify::online", G_CALLBACK (engine_online_cb), self);
  g_signal_connect (engine, "changed", G_CALLBACK (engine_changed_cb), self);
  mt_sync_engine_start (engine);
  show_actor (self, actor, replica);
  if (self->settings)
    {
      g_settings_set_string (self->settings, "last-server", gtk_editable_get_text (GTK_EDITABLE (self->server_url)));
      g_settings_set_string (self->settings, "last-server-user", username);
    }
}

static void
token_stored_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      data)
{
  g_autoptr(GError) error = NULL;

  if (!secret_password_store_finish (result, &error))
    g_message ("The session is not kept in the keyring (%s): the next start asks for the password",
               error->message);
}

static void
connected_sign_in_cb (GObject      *source,
                      GAsyncResult *result,
                      gpointer      data)
{
  MtWindow *self = data;
  MtSyncEngine *engine = MT_SYNC_ENGINE (source);
  g_autoptr(GError) error = NULL;
  const char *url = gtk_editable_get_text (GTK_EDITABLE (self->server_url));
  const char *username = gtk_editable_get_text (GTK_EDITABLE (self->server_user));
  g_autofree char *label = NULL;

  if (!mt_sync_engine_sign_in_finish (engine, result, &error))
    {
      connect_failed (self, error);
      g_object_unref (self);
      return;
    }
  gtk_editable_set_text (GTK_EDITABLE (self->server_password), "");
  label = g_strdup_printf (_("Mingtang session on %s"), url);
  secret_password_store (token_schema (), SECRET_COLLECTION_DEFAULT, label,
                         mt_sync_engine_get_token (engine), NULL, token_stored_cb, NULL,
                         "server", url, "username", username, NULL);
  gtk_label_set_text (GTK_LABEL (self->connect_status), _("Copying what your account may see…"));
  mt_sync_engine_pull_async (engine, self->connecting, connected_pull_cb, self);
}

/* Connects to @url as @username: with @password, or with the session kept in the keyring when
 * @password is empty. Shows the server's pages once the replica is in. */
void
mt_window_connect (MtWindow   *self,
                   const char *url,
                   const char *username,
                   const char *password)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GUri) uri = g_uri_parse (url ? url : "", G_URI_FLAGS_NONE, NULL);
  g_autofree char *dir = g_build_filename (g_get_user_data_dir (), "mingtang", "replicas", NULL);
  g_autofree char *name = NULL;
  g_autofree char *path = NULL;
  g_autofree char *token = NULL;

  g_return_if_fail (MT_IS_WINDOW (self));
  gtk_editable_set_text (GTK_EDITABLE (self->server_url), url ? url : "");
  gtk_editable_set_text (GTK_EDITABLE (self->server_user), username ? username : "");
  gtk_widget_set_visible (self->connect_error, FALSE);
  if (uri == NULL || (g_strcmp0 (g_uri_get_scheme (uri), "http") != 0 &&
                      g_strcmp0 (g_uri_get_scheme (uri), "https") != 0) || g_uri_get_host (uri) == NULL)
    {
      g_set_error_literal (&error, MT_ERROR, MT_ERROR_INVALID,
                           _("Server address: write it as http://host:port or https://host"));
      connect_failed (self, error);
      return;
    }
  if (username == NULL || username[0] == '\0')
    {
      g_set_error_literal (&error, MT_ERROR, MT_ERROR_INVALID, _("User name: is required"));
      connect_failed (self, error);
      return;
    }

  /* one replica per server and account */
  name = g_strdup_printf ("%s-%d-%s.db", g_uri_get_host (uri), g_uri_get_port (uri), username);
  g_strdelimit (name, "/\\:", '_');
  g_mkdir_with_parents (dir, 0700);
  path = g_build_filename (dir, name, NULL);
  g_free (self->replica_path);
  self->replica_path = g_strdup (path);
  g_clear_object (&self->engine);
  self->engine = mt_sync_engine_new (url, path, &error);
  if (self->engine == NULL)
    {
      connect_failed (self, error);
      return;
    }
  g_signal_connect (self->engine, "progress", G_CALLBACK (engine_progress_cb), self);
  if (self->live_timer == 0)   /* the live state of the rows shown, from the server */
    self->live_timer = g_timeout_add (1000, live_tick_cb, self);
  g_clear_object (&self->connecting);
  self->connecting = g_cancellable_new ();
  gtk_widget_set_sensitive (self->connect_button, FALSE);
  gtk_widget_set_visible (self->connect_progress, TRUE);
  gtk_label_set_text (GTK_LABEL (self->connect_status), _("Connecting…"));

  if (password == NULL || password[0] == '\0')
    token = secret_password_lookup_sync (token_schema (), NULL, NULL, "server", url, "username", username, NULL);
  if (token != NULL)
    {
      mt_sync_engine_set_token (self->engine, token);
      gtk_label_set_text (GTK_LABEL (self->connect_status), _("Copying what your account may see…"));
      mt_sync_engine_pull_async (self->engine, self->connecting, connected_pull_cb, g_object_ref (self));
      return;
    }
  mt_sync_engine_sign_in_async (self->engine, username, password ? password : "", self->connecting,
                                connected_sign_in_cb, g_object_ref (self));
}

static void
connect_clicked_cb (MtWindow *self)
{
  mt_window_connect (self, gtk_editable_get_text (GTK_EDITABLE (self->server_url)),
                     gtk_editable_get_text (GTK_EDITABLE (self->server_user)),
                     gtk_editable_get_text (GTK_EDITABLE (self->server_password)));
}

MtSyncEngine *
mt_window_get_engine (MtWindow *self)
{
  g_return_val_if_fail (MT_IS_WINDOW (self), NULL);
  return self->engine;
}

MtContext *
mt_window_get_context (MtWindow *self)
{
  g_return_val_if_fail (MT_IS_WINDOW (self), NULL);
  return self->context;
}

MtDb *
mt_window_get_database (MtWindow *self)
{
  g_return_val_if_fail (MT_IS_WINDOW (self), NULL);
  return self->db;
}

gboolean
mt_window_is_offline (MtWindow *self)
{
  g_return_val_if_fail (MT_IS_WINDOW (self), FALSE);
  return gtk_info_bar_get_revealed (GTK_INFO_BAR (self->offline_banner));
}

MtWindow *
mt_window_new (GtkApplication *app,
               MtDb           *db)
{
  MtWindow *self = g_object_new (MT_TYPE_WINDOW, "application", app, NULL);
  static const struct { const char *action; const char *accels[2]; } accels[] = {
    { "win.find", { "<Primary>f", NULL } },
    { "win.find-anything", { "<Primary>k", NULL } },
    { "win.show-help-overlay", { "<Primary>question", NULL } },
    { "list.new", { "<Primary>n", NULL } },
    { "list.rent", { "<Primary>r", NULL } },
    { "list.export-xlsx", { "<Primary>e", NULL } },
  };

  for (guint i = 0; i < G_N_ELEMENTS (accels); i++)
    gtk_application_set_accels_for_action (app, accels[i].action, accels[i].accels);
  self->db = self->local_db = db;
  if (MT_IS_APPLICATION (app) && mt_application_get_settings (MT_APPLICATION (app)))
    {
      g_autofree char *user = NULL;

      self->settings = g_object_ref (mt_application_get_settings (MT_APPLICATION (app)));
      g_settings_bind (self->settings, "window-width", self, "default-width", G_SETTINGS_BIND_DEFAULT);
      g_settings_bind (self->settings, "window-height", self, "default-height", G_SETTINGS_BIND_DEFAULT);
      g_settings_bind (self->settings, "window-maximized", self, "maximized", G_SETTINGS_BIND_DEFAULT);
      {
        g_autofree char *server = g_settings_get_string (self->settings, "last-server");
        g_autofree char *server_user = g_settings_get_string (self->settings, "last-server-user");

        gtk_editable_set_text (GTK_EDITABLE (self->server_url), server);
        gtk_editable_set_text (GTK_EDITABLE (self->server_user), server_user);
      }
      user = g_settings_get_string (self->settings, "last-user");
      gtk_editable_set_text (GTK_EDITABLE (self->username), user);
      if (user[0] != '\0')
        gtk_widget_grab_focus (self->password);
    }
  return self;
}

/* ------------------------------------------------------------------ live telemetry */

static void
live_telemetry_cb (MtIngest          *ingest,
                   const char        *device_no,
                   const MtTelemetry *t,
                   MtWindow          *self)
{
  self->live_dirty = TRUE;
}

/* A new alarm: a desktop notification that opens the device's BMS */
static void
live_alarm_cb (MtIngest *ingest,
               gint64    alarm_id,
               MtWindow *self)
{
  GApplication *app = G_APPLICATION (gtk_window_get_application (GTK_WINDOW (self)));
  g_autoptr(GNotification) notification = NULL;
  g_autofree char *title = NULL;
  g_autofree char *body = NULL;
  g_autofree char *id = NULL;
  g_autoptr(MtAlarmDetails) alarm = NULL;

  self->alarms_dirty = TRUE;
  /* only the account's own devices, and not a type it hides */
  if (self->actor == NULL || app == NULL || (alarm = mt_read_alarm_notice (self->db, self->actor, alarm_id)) == NULL)
    return;
  title = g_strdup_printf (_("Alarm: %s"), mt_alarm_type_title (alarm->type));
  body = g_strdup_printf (_("Battery %s"), alarm->device_no);
  notification = g_notification_new (title);
  g_notification_set_body (notification, body);
  g_notification_set_priority (notification, G_NOTIFICATION_PRIORITY_HIGH);
  g_notification_set_default_action_and_target (notification, "app.open-bms", "x", alarm->device_id);
  id = g_strdup_printf ("alarm-%" G_GINT64_FORMAT, alarm_id);
  g_application_send_notification (app, id, notification);
}

/* Once a second at most: the live lists on screen read their rows again in place */
static gboolean
is_live_page (const char *name)
{
  return g_strcmp0 (name, "devices") == 0 || g_strcmp0 (name, "bms") == 0 || g_strcmp0 (name, "monitor") == 0;
}

/* Connected: the server's answer with the live state of the rows shown, written into the replica
 * (which holds no telemetry of its own) and shown in place */
static void
status_cb (GObject      *source,
           GAsyncResult *res,
           gpointer      data)
{
  g_autoptr(MtWindow) self = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) answer = mt_context_call_finish (MT_CONTEXT (source), res, &error);
  GtkWidget *child;

  self->status_asking = FALSE;
  if (answer == NULL || self->engine == NULL || MT_CONTEXT (source) != self->context)
    return;   /* out of reach, or signed out meanwhile: the next tick asks again */
  if (!mt_sync_engine_keep_status (self->engine, answer, &error))
    {
      g_warning ("Live state not kept: %s", error->message);
      return;
    }
  child = gtk_stack_get_visible_child (GTK_STACK (self->pages));
  if (page_list (child) != NULL && is_live_page (gtk_stack_get_visible_child_name (GTK_STACK (self->pages))))
    mt_list_page_refresh (page_list (child));
  if (child != NULL && MT_IS_MONITOR_PAGE (child))
    mt_monitor_page_refresh (MT_MONITOR_PAGE (child));
}

/* The server's live state of the rows on screen: the list's, and on the monitor the devices in
 * the map's view */
static void
ask_status (MtWindow  *self,
            GtkWidget *page)
{
  g_autoptr(GArray) ids = MT_IS_MONITOR_PAGE (page) ? mt_monitor_page_get_visible_ids (MT_MONITOR_PAGE (page), 500)
                                                    : g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) rows = mt_list_page_get_loaded_ids (page_list (page), 500 - MIN (ids->len, 500));
  g_autoptr(GString) list = g_string_new (NULL);
  g_autoptr(MtApiRequest) request = mt_api_request_new ("telemetry.status");

  g_array_append_vals (ids, rows->data, rows->len);
  if (ids->len == 0)
    return;
  for (guint i = 0; i < ids->len; i++)
    g_string_append_printf (list, "%s%" G_GINT64_FORMAT, i ? "," : "", g_array_index (ids, gint64, i));
  mt_api_request_set_query (request, "ids", list->str);
  self->status_asking = TRUE;
  mt_context_call_async (self->context, request, NULL, status_cb, g_object_ref (self));
}

static gboolean
live_tick_cb (gpointer data)
{
  MtWindow *self = data;
  GtkWidget *child = gtk_stack_get_visible_child (GTK_STACK (self->pages));
  const char *name = child ? gtk_stack_get_visible_child_name (GTK_STACK (self->pages)) : NULL;

  MtListPage *list = page_list (child);

  if (list == NULL)
    return G_SOURCE_CONTINUE;
  if (self->engine != NULL && self->context != NULL && !self->status_asking && is_live_page (name))
    ask_status (self, child);
  if (self->live_dirty && is_live_page (name))
    {
      self->live_dirty = FALSE;
      mt_list_page_refresh (list);
      if (MT_IS_MONITOR_PAGE (child))
        mt_monitor_page_refresh (MT_MONITOR_PAGE (child));
    }
  if (self->alarms_dirty && g_strcmp0 (name, "alarms") == 0)
    {
      self->alarms_dirty = FALSE;
      mt_list_page_refresh (list);
    }
  return G_SOURCE_CONTINUE;
}

void
mt_window_set_ingest (MtWindow *self,
                      MtIngest *ingest)
{
  g_return_if_fail (MT_IS_WINDOW (self));
  if (self->ingest)
    g_signal_handlers_disconnect_by_data (self->ingest, self);
  g_set_object (&self->ingest, ingest);
  if (self->context)
    mt_context_set_ingest (self->context, ingest);
  if (ingest)
    {
      g_signal_connect (ingest, "telemetry", G_CALLBACK (live_telemetry_cb), self);
      g_signal_connect (ingest, "alarm", G_CALLBACK (live_alarm_cb), self);
      if (self->live_timer == 0)
        self->live_timer = g_timeout_add (1000, live_tick_cb, self);
    }
}

MtIngest *
mt_window_get_ingest (MtWindow *self)
{
  g_return_val_if_fail (MT_IS_WINDOW (self), NULL);
  /* connected to a server, the embedded link writes the local database, not the replica */
  return self->engine ? NULL : self->ingest;
}

void
mt_window_open_bms (MtWindow *self,
                    gint64    device_id)
{
  MtBmsDialog *dialog;

  if (self->actor == NULL || !mt_actor_can_view (self->actor, "bms"))
    return;
  dialog = mt_bms_dialog_new (GTK_WINDOW (self), self->context, device_id);
  gtk_window_present (GTK_WINDOW (dialog));
}
