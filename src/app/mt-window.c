/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mt-window"

#include "config.h"

#include <glib/gi18n.h>

#include "mt-application.h"
#include "mt-demo.h"
#include "mt-list-page.h"
#include "mt-ops.h"
#include "mt-validate.h"
#include "mt-window.h"

struct _MtWindow
{
  AdwApplicationWindow  parent_instance;

  MtDb                 *db;
  MtActor              *actor;
  GtkWidget            *stack;        /* sign-in / main */
  GtkWidget            *username;
  GtkWidget            *password;
  GtkWidget            *sign_in_error;
  GtkWidget            *sidebar;
  GtkWidget            *pages;        /* GtkStack of MtListPage, created on first show */
  GtkWidget            *title;
  GtkWidget            *account_label;
  GtkWidget            *balance_label;
  GPtrArray            *page_ids;
  GSettings            *settings;     /* the application's, or NULL */
};

G_DEFINE_FINAL_TYPE (MtWindow, mt_window, ADW_TYPE_APPLICATION_WINDOW)

static void
mt_window_finalize (GObject *object)
{
  MtWindow *self = MT_WINDOW (object);

  g_clear_pointer (&self->actor, mt_actor_free);
  g_clear_pointer (&self->page_ids, g_ptr_array_unref);
  g_clear_object (&self->settings);
  G_OBJECT_CLASS (mt_window_parent_class)->finalize (object);
}

static void
mt_window_class_init (MtWindowClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = mt_window_finalize;
}

static void
mt_window_init (MtWindow *self)
{
  self->page_ids = g_ptr_array_new_with_free_func (g_free);
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
      MtListPage *page = mt_list_page_new (self->db, self->actor, page_id, &error);

      if (page == NULL)
        {
          g_warning ("Page %s: %s", page_id, error->message);
          return NULL;
        }
      child = GTK_WIDGET (page);
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
  adw_window_title_set_title (ADW_WINDOW_TITLE (self->title), mt_page_title (info));
  if (self->settings)
    g_settings_set_string (self->settings, "last-page", page_id);
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
          if (!header_added)
            {
              GtkWidget *header = gtk_label_new (mt_group_title (&groups[g]));
              GtkWidget *hrow = gtk_list_box_row_new ();

              gtk_label_set_xalign (GTK_LABEL (header), 0);
              gtk_widget_add_css_class (header, "heading");
              gtk_widget_add_css_class (header, "dim-label");
              gtk_widget_set_margin_start (header, 12);
              gtk_widget_set_margin_top (header, 12);
              gtk_widget_set_margin_bottom (header, 3);
              gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (hrow), header);
              gtk_list_box_row_set_selectable (GTK_LIST_BOX_ROW (hrow), FALSE);
              gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (hrow), FALSE);
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
          gtk_list_box_append (GTK_LIST_BOX (self->sidebar), row);
          g_ptr_array_add (self->page_ids, g_strdup (pages[p].id));
          if (first == NULL)
            first = GTK_LIST_BOX_ROW (row);
        }
    }
  if (first)
    gtk_list_box_select_row (GTK_LIST_BOX (self->sidebar), first);
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

gboolean
mt_window_sign_in (MtWindow    *self,
                   const char  *username,
                   const char  *password,
                   GError     **error)
{
  MtActor *actor = mt_sign_in (self->db, username, password, error);
  g_autofree char *who = NULL;
  g_autofree char *balance = NULL;
  g_autofree char *money = NULL;
  GtkWidget *child;

  if (actor == NULL)
    return FALSE;
  g_clear_pointer (&self->actor, mt_actor_free);
  self->actor = actor;

  while ((child = gtk_widget_get_first_child (self->pages)))
    gtk_stack_remove (GTK_STACK (self->pages), child);

  who = g_strdup_printf ("%s · %s", actor->name, actor->operator_name);
  gtk_label_set_text (GTK_LABEL (self->account_label), who);
  money = mt_format_money (mt_operator_balance (self->db, actor->operator_id));
  balance = g_strdup_printf (_("Balance %s"), money);
  gtk_label_set_text (GTK_LABEL (self->balance_label), balance);

  build_sidebar (self);
  gtk_stack_set_visible_child_name (GTK_STACK (self->stack), "main");
  return TRUE;
}

void
mt_window_sign_out (MtWindow *self)
{
  GtkWidget *child;

  gtk_stack_set_visible_child_name (GTK_STACK (self->stack), "sign-in");
  while ((child = gtk_widget_get_first_child (self->pages)))
    gtk_stack_remove (GTK_STACK (self->pages), child);
  g_clear_pointer (&self->actor, mt_actor_free);
  gtk_editable_set_text (GTK_EDITABLE (self->password), "");
  gtk_widget_grab_focus (self->username);
}

static void
sign_in_clicked_cb (MtWindow *self)
{
  g_autoptr(GError) error = NULL;
  /* read before signing in: showing the first page overwrites it */
  g_autofree char *page = self->settings ? g_settings_get_string (self->settings, "last-page") : NULL;

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
    {
      g_settings_set_string (self->settings, "last-user", self->actor->username);
      if (page[0] != '\0')
        mt_window_show_page (self, page);   /* refused quietly if this account may not see it */
    }
}

static GtkWidget *
build_sign_in (MtWindow *self)
{
  GtkWidget *status = adw_status_page_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  GtkWidget *list = gtk_list_box_new ();
  GtkWidget *button = gtk_button_new_with_mnemonic (_("_Sign In"));
  GtkWidget *hint;
  const char *const *demo = mt_demo_accounts ();
  GString *accounts = g_string_new (NULL);
  g_autofree char *hint_text = NULL;

  adw_status_page_set_icon_name (ADW_STATUS_PAGE (status), "battery-good-symbolic");
  adw_status_page_set_title (ADW_STATUS_PAGE (status), _("Mingtang"));
  adw_status_page_set_description (ADW_STATUS_PAGE (status), _("Battery rental operations console"));

  gtk_widget_add_css_class (list, "boxed-list");
  self->username = adw_entry_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->username), _("User name"));
  self->password = adw_password_entry_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->password), _("Password"));
  g_signal_connect_swapped (self->password, "entry-activated", G_CALLBACK (sign_in_clicked_cb), self);
  adw_entry_row_set_activates_default (ADW_ENTRY_ROW (self->password), TRUE);
  gtk_list_box_append (GTK_LIST_BOX (list), self->username);
  gtk_list_box_append (GTK_LIST_BOX (list), self->password);

  self->sign_in_error = gtk_label_new (NULL);
  gtk_widget_add_css_class (self->sign_in_error, "error");
  gtk_widget_set_visible (self->sign_in_error, FALSE);

  gtk_widget_add_css_class (button, "suggested-action");
  gtk_widget_add_css_class (button, "pill");
  gtk_widget_set_halign (button, GTK_ALIGN_CENTER);
  g_signal_connect_swapped (button, "clicked", G_CALLBACK (sign_in_clicked_cb), self);

  for (guint i = 0; demo[i]; i += 2)
    g_string_append_printf (accounts, "%s%s (%s)", i ? ", " : "", demo[i], _(demo[i + 1]));
  hint_text = g_strdup_printf (_("Demo accounts: %s. Password: %s"), accounts->str, MT_DEMO_PASSWORD);
  g_string_free (accounts, TRUE);
  hint = gtk_label_new (hint_text);
  gtk_label_set_wrap (GTK_LABEL (hint), TRUE);
  gtk_label_set_selectable (GTK_LABEL (hint), TRUE);
  gtk_widget_add_css_class (hint, "dim-label");
  gtk_widget_add_css_class (hint, "mt-data");

  gtk_widget_set_size_request (box, 360, -1);
  gtk_widget_set_halign (box, GTK_ALIGN_CENTER);
  gtk_box_append (GTK_BOX (box), list);
  gtk_box_append (GTK_BOX (box), self->sign_in_error);
  gtk_box_append (GTK_BOX (box), button);
  gtk_box_append (GTK_BOX (box), hint);
  adw_status_page_set_child (ADW_STATUS_PAGE (status), box);
  return status;
}

static GtkWidget *
build_main (MtWindow *self)
{
  GtkWidget *paned = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
  GtkWidget *side = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *side_header = adw_header_bar_new ();
  GtkWidget *side_scroll = gtk_scrolled_window_new ();
  GtkWidget *content = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *header = adw_header_bar_new ();
  GtkWidget *sign_out = gtk_button_new_from_icon_name ("system-log-out-symbolic");
  GtkWidget *brand = gtk_label_new (_("Mingtang"));

  gtk_widget_add_css_class (brand, "title");
  adw_header_bar_set_title_widget (ADW_HEADER_BAR (side_header), brand);
  adw_header_bar_set_show_end_title_buttons (ADW_HEADER_BAR (side_header), FALSE);
  gtk_box_append (GTK_BOX (side), side_header);
  self->sidebar = gtk_list_box_new ();
  gtk_widget_add_css_class (self->sidebar, "navigation-sidebar");
  g_signal_connect (self->sidebar, "row-selected", G_CALLBACK (row_selected_cb), self);
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (side_scroll), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (side_scroll), self->sidebar);
  gtk_widget_set_vexpand (side_scroll, TRUE);
  gtk_box_append (GTK_BOX (side), side_scroll);
  gtk_widget_set_size_request (side, 220, -1);
  gtk_widget_add_css_class (side, "background");

  self->title = adw_window_title_new ("", "");
  adw_header_bar_set_title_widget (ADW_HEADER_BAR (header), self->title);
  adw_header_bar_set_show_start_title_buttons (ADW_HEADER_BAR (header), FALSE);
  self->account_label = gtk_label_new (NULL);
  gtk_widget_add_css_class (self->account_label, "mt-data");
  self->balance_label = gtk_label_new (NULL);
  gtk_widget_add_css_class (self->balance_label, "dim-label");
  gtk_widget_set_tooltip_text (sign_out, _("Sign Out"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (sign_out), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Sign Out"), -1);
  g_signal_connect_swapped (sign_out, "clicked", G_CALLBACK (mt_window_sign_out), self);
  adw_header_bar_pack_end (ADW_HEADER_BAR (header), sign_out);
  adw_header_bar_pack_end (ADW_HEADER_BAR (header), self->account_label);
  adw_header_bar_pack_end (ADW_HEADER_BAR (header), self->balance_label);
  gtk_box_append (GTK_BOX (content), header);
  self->pages = gtk_stack_new ();
  gtk_widget_set_vexpand (self->pages, TRUE);
  gtk_widget_set_hexpand (self->pages, TRUE);
  gtk_box_append (GTK_BOX (content), self->pages);

  gtk_box_append (GTK_BOX (paned), side);
  gtk_box_append (GTK_BOX (paned), gtk_separator_new (GTK_ORIENTATION_VERTICAL));
  gtk_box_append (GTK_BOX (paned), content);
  return paned;
}

MtWindow *
mt_window_new (GtkApplication *app,
               MtDb           *db)
{
  MtWindow *self = g_object_new (MT_TYPE_WINDOW, "application", app, "default-width", 1400,
                                 "default-height", 860, "title", _("Mingtang"), NULL);
  GtkWidget *sign_in_page;

  self->db = db;
  self->stack = gtk_stack_new ();
  gtk_stack_set_transition_type (GTK_STACK (self->stack), GTK_STACK_TRANSITION_TYPE_CROSSFADE);
  sign_in_page = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  {
    GtkWidget *header = adw_header_bar_new ();
    GtkWidget *status = build_sign_in (self);
    gtk_widget_set_vexpand (status, TRUE);
    gtk_box_append (GTK_BOX (sign_in_page), header);
    gtk_box_append (GTK_BOX (sign_in_page), status);
  }
  gtk_stack_add_named (GTK_STACK (self->stack), sign_in_page, "sign-in");
  gtk_stack_add_named (GTK_STACK (self->stack), build_main (self), "main");
  adw_application_window_set_content (ADW_APPLICATION_WINDOW (self), self->stack);

  if (MT_IS_APPLICATION (app) && mt_application_get_settings (MT_APPLICATION (app)))
    {
      g_autofree char *user = NULL;

      self->settings = g_object_ref (mt_application_get_settings (MT_APPLICATION (app)));
      g_settings_bind (self->settings, "window-width", self, "default-width", G_SETTINGS_BIND_DEFAULT);
      g_settings_bind (self->settings, "window-height", self, "default-height", G_SETTINGS_BIND_DEFAULT);
      g_settings_bind (self->settings, "window-maximized", self, "maximized", G_SETTINGS_BIND_DEFAULT);
      user = g_settings_get_string (self->settings, "last-user");
      gtk_editable_set_text (GTK_EDITABLE (self->username), user);
      if (user[0] != '\0')
        gtk_widget_grab_focus (self->password);
    }
  return self;
}
