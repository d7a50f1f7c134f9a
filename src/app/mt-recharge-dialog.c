/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mt-recharge"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "mt-error.h"
#include "mt-member-dialog.h"
#include "mt-orders.h"
#include "mt-pay-row.h"
#include "mt-reads.h"
#include "mt-recharge-dialog.h"
#include "mt-validate.h"

struct _MtRechargeDialog
{
  AdwMessageDialog  parent_instance;

  MtContext        *context;
  GtkWindow        *owner;       /* weak: the window the details open over */
  GtkWidget        *mobile;
  GtkWidget        *member_row;
  GtkWidget        *plan;
  GtkWidget        *amount;
  GtkWidget        *method;
  GPtrArray        *plans;       /* MtOption */
  gint64            member_id;
};

G_DEFINE_FINAL_TYPE (MtRechargeDialog, mt_recharge_dialog, ADW_TYPE_MESSAGE_DIALOG)

enum { SIGNAL_RECHARGED, N_SIGNALS };
static guint signals[N_SIGNALS];

/* What can be sent: a member, and a denomination or an amount that reads as money */
static void
validate (MtRechargeDialog *self)
{
  gint64 fen = 0;
  gboolean other = adw_combo_row_get_selected (ADW_COMBO_ROW (self->plan)) == 0;

  gtk_widget_set_sensitive (self->amount, other);
  adw_message_dialog_set_response_enabled (
    ADW_MESSAGE_DIALOG (self), "recharge",
    self->member_id != 0 && (!other || (mt_parse_money (gtk_editable_get_text (GTK_EDITABLE (self->amount)), &fen,
                                                        "amount_fen", "", NULL) && fen > 0)));
}

static void
mobile_changed_cb (MtRechargeDialog *self)
{
  const char *mobile = gtk_editable_get_text (GTK_EDITABLE (self->mobile));
  const MtActor *actor = mt_context_get_actor (self->context);
  g_autoptr(MtMemberHint) hint = NULL;
  g_autofree char *text = NULL;

  self->member_id = 0;
  if (strlen (mobile) == 11 && actor->store_id != 0)
    hint = mt_read_member_by_mobile (mt_context_get_db (self->context), actor, actor->store_id, mobile);
  if (hint != NULL)
    {
      g_autofree char *balance = mt_format_money (hint->balance_fen);

      self->member_id = hint->id;
      /* TRANSLATORS: a member found by mobile: "张三 · balance ¥12.00" */
      text = g_strdup_printf (_("%s · balance %s"), hint->name, balance);
    }
  else if (strlen (mobile) == 11)
    {
      /* above the stores: the members of the account's operators with exactly this mobile */
      g_autoptr(GPtrArray) hits = mt_read_quick_search (mt_context_get_db (self->context), actor, mobile, 3);
      const MtQuickHit *found = NULL;
      guint n = 0;

      for (guint i = 0; i < hits->len; i++)
        {
          const MtQuickHit *hit = hits->pdata[i];

          if (hit->kind == MT_QUICK_MEMBER && g_strcmp0 (hit->key, mobile) == 0)
            found = hit, n++;
        }
      if (n == 1)
        {
          self->member_id = found->id;
          text = g_strdup_printf ("%s · %s", found->title, found->subtitle);
        }
      else if (n > 1)
        text = g_strdup (_("Several operators have a member with this mobile: recharge from the member list"));
    }
  adw_action_row_set_subtitle (ADW_ACTION_ROW (self->member_row),
                               text ? text : strlen (mobile) == 11 ? _("No member with this mobile")
                                                                   : _("Type the member's 11-digit mobile"));
  validate (self);
}

static void
recharged_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) answer = mt_context_call_finish (MT_CONTEXT (source), result, &error);
  g_autoptr(MtRechargeDialog) self = data;
  GtkWindow *owner = self->owner;

  if (owner == NULL)
    return;
  if (answer == NULL)
    {
      GtkWidget *refusal = adw_message_dialog_new (owner, _("Not Recharged"), error->message);

      adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (refusal), "close", _("_Close"));
      gtk_window_present (GTK_WINDOW (refusal));
      return;
    }
  g_signal_emit (self, signals[SIGNAL_RECHARGED], 0, self->member_id);
  /* the member's details: the new balance, the recharge at the top of its history */
  if (mt_actor_can (mt_context_get_actor (self->context), "members", "detail"))
    gtk_window_present (GTK_WINDOW (mt_member_dialog_new (owner, self->context, self->member_id)));
}

static void
response_cb (MtRechargeDialog *self,
             const char       *response)
{
  g_autoptr(MtApiRequest) request = NULL;
  guint chosen = adw_combo_row_get_selected (ADW_COMBO_ROW (self->plan));

  if (!g_str_equal (response, "recharge") || self->member_id == 0)
    return;
  request = mt_api_request_new ("members.recharge");
  mt_api_request_set_id (request, self->member_id);
  if (chosen > 0 && chosen - 1 < self->plans->len)
    mt_api_request_set_int (request, "plan_id",
                            g_ascii_strtoll (((MtOption *) self->plans->pdata[chosen - 1])->id, NULL, 10));
  else
    {
      gint64 fen = 0;

      mt_parse_money (gtk_editable_get_text (GTK_EDITABLE (self->amount)), &fen, "amount_fen", "", NULL);
      mt_api_request_set_int (request, "amount_fen", fen);
    }
  mt_api_request_set_text (request, "pay_method", mt_pay_row_get (self->method));
  mt_context_call_async (self->context, request, NULL, recharged_cb, g_object_ref (self));
}

gint64
mt_recharge_dialog_get_member (MtRechargeDialog *self)
{
  return self->member_id;
}

void
mt_recharge_dialog_fill (MtRechargeDialog *self,
                         const char       *mobile,
                         guint             denomination,
                         const char       *amount_yuan,
                         const char       *pay_method)
{
  gtk_editable_set_text (GTK_EDITABLE (self->mobile), mobile);
  adw_combo_row_set_selected (ADW_COMBO_ROW (self->plan), denomination);
  gtk_editable_set_text (GTK_EDITABLE (self->amount), amount_yuan ? amount_yuan : "");
  if (pay_method)
    mt_pay_row_set (self->method, pay_method);
}

static void
mt_recharge_dialog_dispose (GObject *object)
{
  MtRechargeDialog *self = MT_RECHARGE_DIALOG (object);

  if (self->owner)
    g_object_remove_weak_pointer (G_OBJECT (self->owner), (gpointer *) &self->owner);
  self->owner = NULL;
  g_clear_pointer (&self->plans, g_ptr_array_unref);
  g_clear_object (&self->context);
  G_OBJECT_CLASS (mt_recharge_dialog_parent_class)->dispose (object);
}

static void
mt_recharge_dialog_class_init (MtRechargeDialogClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = mt_recharge_dialog_dispose;
  signals[SIGNAL_RECHARGED] = g_signal_new ("recharged", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                                            NULL, G_TYPE_NONE, 1, G_TYPE_INT64);
}

static void
mt_recharge_dialog_init (MtRechargeDialog *self)
{
}

MtRechargeDialog *
mt_recharge_dialog_new (GtkWindow *parent,
                        MtContext *context)
{
  MtRechargeDialog *self = g_object_new (MT_TYPE_RECHARGE_DIALOG, "transient-for", parent, "modal", TRUE,
                                         "heading", _("Recharge a Member"),
                                         "body", _("A denomination's bonus is added while its campaign runs."), NULL);
  GtkWidget *list = gtk_list_box_new ();
  g_autoptr(GtkStringList) labels = gtk_string_list_new (NULL);

  self->context = g_object_ref (context);
  self->owner = parent;
  g_object_add_weak_pointer (G_OBJECT (parent), (gpointer *) &self->owner);
  self->plans = mt_recharge_plan_options (mt_context_get_db (context), mt_context_get_actor (context));

  self->mobile = adw_entry_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->mobile), _("Member's mobile"));
  gtk_editable_set_max_width_chars (GTK_EDITABLE (self->mobile), 11);
  self->member_row = adw_action_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->member_row), _("Member"));
  gtk_widget_add_css_class (self->member_row, "property");
  self->plan = adw_combo_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->plan), _("Denomination"));
  gtk_string_list_append (labels, _("Other amount"));
  for (guint i = 0; i < self->plans->len; i++)
    gtk_string_list_append (labels, ((MtOption *) self->plans->pdata[i])->label);
  adw_combo_row_set_model (ADW_COMBO_ROW (self->plan), G_LIST_MODEL (labels));
  self->amount = adw_entry_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->amount), _("Other amount (yuan)"));
  self->method = mt_pay_row_new (_("Payment method"), FALSE);   /* a recharge is not paid from the balance */

  gtk_list_box_set_selection_mode (GTK_LIST_BOX (list), GTK_SELECTION_NONE);
  gtk_widget_add_css_class (list, "boxed-list");
  gtk_list_box_append (GTK_LIST_BOX (list), self->mobile);
  gtk_list_box_append (GTK_LIST_BOX (list), self->member_row);
  gtk_list_box_append (GTK_LIST_BOX (list), self->plan);
  gtk_list_box_append (GTK_LIST_BOX (list), self->amount);
  gtk_list_box_append (GTK_LIST_BOX (list), self->method);
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (self), list);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (self), "cancel", _("_Cancel"), "recharge", _("_Recharge"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (self), "recharge", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (self), "recharge");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (self), "cancel");
  if (self->plans->len > 0)
    adw_combo_row_set_selected (ADW_COMBO_ROW (self->plan), 1);
  g_signal_connect_swapped (self->mobile, "changed", G_CALLBACK (mobile_changed_cb), self);
  g_signal_connect_swapped (self->amount, "changed", G_CALLBACK (validate), self);
  g_signal_connect_swapped (self->plan, "notify::selected", G_CALLBACK (validate), self);
  g_signal_connect (self, "response", G_CALLBACK (response_cb), NULL);
  mobile_changed_cb (self);
  return self;
}
