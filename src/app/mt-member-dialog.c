/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mt-member-dialog"

#include "config.h"

#include <glib/gi18n.h>

#include "mt-member-dialog.h"
#include "mt-reads.h"
#include "mt-validate.h"

struct _MtMemberDialog
{
  AdwWindow        parent_instance;

  GtkWidget       *switcher;
  GtkWidget       *summary;
  GtkWidget       *balance_row;
  GtkWidget       *withdrawable_row;
  GtkWidget       *card_row;
  GtkWidget       *stack;

  MtContext       *context;
  MtMemberDetails *details;
};

G_DEFINE_FINAL_TYPE (MtMemberDialog, mt_member_dialog, ADW_TYPE_WINDOW)

static const struct
{
  const char *id;
  const char *title;   /* NC_("member tab", …) */
  const char *icon;
} tabs[MT_MEMBER_N_SECTIONS] = {
  [MT_MEMBER_ORDERS] = { "orders", NC_("member tab", "Orders"), "document-edit-symbolic" },
  [MT_MEMBER_BALANCE] = { "balance", NC_("member tab", "Balance History"), "view-paged-symbolic" },
  [MT_MEMBER_DEPOSITS] = { "deposits", NC_("member tab", "Deposits"), "security-medium-symbolic" },
  [MT_MEMBER_CARDS] = { "cards", NC_("member tab", "Rental Cards"), "x-office-calendar-symbolic" },
  [MT_MEMBER_REPAIRS] = { "repairs", NC_("member tab", "Repairs"), "applications-engineering-symbolic" },
};

static GtkWidget *
value_label (const char *text)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_widget_add_css_class (label, "numeric");
  gtk_widget_add_css_class (label, "mt-data");
  return label;
}

static GtkWidget *
line_row (const MtMemberLine *line)
{
  GtkWidget *row = adw_action_row_new ();
  g_autoptr(GDateTime) at = g_date_time_new_from_unix_local (line->at / G_USEC_PER_SEC);
  g_autofree char *when = at ? g_date_time_format (at, "%Y-%m-%d %H:%M") : g_strdup ("");
  g_autofree char *subtitle = line->detail && *line->detail ? g_strdup_printf (_("%s · %s"), when, line->detail)
                                                             : g_strdup (when);

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), line->what ? line->what : "");
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  if (line->fen != G_MININT64)
    {
      g_autofree char *money = mt_format_money (line->fen);

      adw_action_row_add_suffix (ADW_ACTION_ROW (row), value_label (money));
    }
  return row;
}

static void
fill (MtMemberDialog *self)
{
  const MtMemberDetails *d = self->details;
  g_autofree char *balance = mt_format_money (d->balance_fen);
  g_autofree char *withdrawable = mt_format_money (d->withdrawable_fen);

  adw_view_switcher_title_set_title (ADW_VIEW_SWITCHER_TITLE (self->switcher), d->name && *d->name ? d->name : d->mobile);
  adw_view_switcher_title_set_subtitle (ADW_VIEW_SWITCHER_TITLE (self->switcher), d->mobile);
  {
    /* who: the name first, the mobile and store under it (the switcher takes the header) */
    g_autofree char *where = d->store && *d->store ? g_strdup_printf (_("%s · %s"), d->mobile, d->store)
                                                   : g_strdup (d->mobile);

    adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (self->summary), d->name && *d->name ? d->name : d->mobile);
    adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (self->summary), where);
  }
  adw_action_row_add_suffix (ADW_ACTION_ROW (self->balance_row), value_label (balance));
  adw_action_row_add_suffix (ADW_ACTION_ROW (self->withdrawable_row), value_label (withdrawable));
  if (d->card_until > 0)
    {
      g_autoptr(GDateTime) until = g_date_time_new_from_unix_local (d->card_until / G_USEC_PER_SEC);
      g_autofree char *text = g_date_time_format (until, _("Until %Y-%m-%d %H:%M"));

      adw_action_row_add_suffix (ADW_ACTION_ROW (self->card_row), value_label (text));
    }
  else
    adw_action_row_add_suffix (ADW_ACTION_ROW (self->card_row), value_label (_("None running")));

  for (guint s = 0; s < MT_MEMBER_N_SECTIONS; s++)
    {
      GtkWidget *page = adw_preferences_page_new ();
      GtkWidget *group = adw_preferences_group_new ();
      GArray *lines = d->sections[s];
      AdwViewStackPage *stack_page;

      for (guint i = 0; i < lines->len; i++)
        adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), line_row (&g_array_index (lines, MtMemberLine, i)));
      if (lines->len == 0)
        adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (group), _("Nothing yet"));
      adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), ADW_PREFERENCES_GROUP (group));
      stack_page = adw_view_stack_add_titled (ADW_VIEW_STACK (self->stack), page, tabs[s].id,
                                              g_dpgettext2 (GETTEXT_PACKAGE, "member tab", tabs[s].title));
      adw_view_stack_page_set_icon_name (stack_page, tabs[s].icon);
    }
}

static void
mt_member_dialog_dispose (GObject *object)
{
  MtMemberDialog *self = MT_MEMBER_DIALOG (object);

  g_clear_object (&self->context);
  g_clear_pointer (&self->details, mt_member_details_free);
  gtk_widget_dispose_template (GTK_WIDGET (self), MT_TYPE_MEMBER_DIALOG);
  G_OBJECT_CLASS (mt_member_dialog_parent_class)->dispose (object);
}

static void
mt_member_dialog_class_init (MtMemberDialogClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = mt_member_dialog_dispose;
  gtk_widget_class_set_template_from_resource (widget_class, "/com/mtxnyjs/Mingtang/ui/mt-member-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, MtMemberDialog, switcher);
  gtk_widget_class_bind_template_child (widget_class, MtMemberDialog, summary);
  gtk_widget_class_bind_template_child (widget_class, MtMemberDialog, balance_row);
  gtk_widget_class_bind_template_child (widget_class, MtMemberDialog, withdrawable_row);
  gtk_widget_class_bind_template_child (widget_class, MtMemberDialog, card_row);
  gtk_widget_class_bind_template_child (widget_class, MtMemberDialog, stack);
}

static void
mt_member_dialog_init (MtMemberDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

MtMemberDialog *
mt_member_dialog_new (GtkWindow *parent,
                      MtContext *context,
                      gint64     member_id)
{
  MtMemberDialog *self = g_object_new (MT_TYPE_MEMBER_DIALOG, "transient-for", parent, NULL);

  self->context = g_object_ref (context);
  /* the latest 100 of each: what a counter looks at */
  self->details = mt_read_member_details (mt_context_get_db (context), mt_context_get_actor (context), member_id, 100);
  if (self->details != NULL)
    fill (self);
  else
    {
      adw_view_switcher_title_set_title (ADW_VIEW_SWITCHER_TITLE (self->switcher), _("Member"));
      adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (self->summary),
                                             _("This member does not exist or is outside your scope."));
      gtk_widget_set_visible (self->balance_row, FALSE);
      gtk_widget_set_visible (self->withdrawable_row, FALSE);
      gtk_widget_set_visible (self->card_row, FALSE);
    }
  return self;
}

int
mt_member_dialog_count (MtMemberDialog *self,
                        const char     *tab)
{
  g_return_val_if_fail (MT_IS_MEMBER_DIALOG (self), -1);
  if (self->details == NULL)
    return -1;
  for (guint s = 0; s < MT_MEMBER_N_SECTIONS; s++)
    if (g_str_equal (tabs[s].id, tab))
      return (int) self->details->sections[s]->len;
  return -1;
}
