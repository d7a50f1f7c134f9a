/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mt-money-actions"

#include "config.h"

#include <glib/gi18n.h>

#include "mt-entity.h"
#include "mt-money-actions.h"
#include "mt-error.h"
#include "mt-orders.h"
#include "mt-pay-row.h"
#include "mt-validate.h"

/* ------------------------------------------------------------------ deposit refunds */

typedef struct
{
  gboolean    approve;
  const char *reason;
} RefundChoice;

static MtApiRequest *
refund_request (gint64   id,
                gpointer data)
{
  RefundChoice *c = data;
  MtApiRequest *request = mt_api_request_new (c->approve ? "deposit_refunds.approve" : "deposit_refunds.reject");

  mt_api_request_set_id (request, id);
  if (!c->approve)
    mt_api_request_set_text (request, "reason", c->reason);
  return request;
}

gboolean
mt_money_actions_refunds (MtListPage *page,
                          gboolean    approve,
                          const char *reason)
{
  RefundChoice choice = { approve, reason };

  return mt_list_page_send_each_selected (page, refund_request, &choice);
}

static void
approve_refunds_cb (MtListPage *page)
{
  mt_money_actions_refunds (page, TRUE, NULL);
}

static void
reject_done_cb (MtListPage *page,
                const char *response,
                GtkWidget  *dialog)
{
  mt_money_actions_refunds (page, FALSE, mt_dialog_row_text (dialog, "reason"));
}

static void
reject_refunds_cb (MtListPage *page)
{
  GtkWidget *rows[] = { mt_entry_row_new (_("Reason")), NULL };
  GtkWidget *dialog = mt_list_page_form_dialog (page, _("Reject the Refunds?"),
                                   _("The deposits are kept as damages. The reason is recorded."),
                                   _("_Reject"), rows, G_CALLBACK (reject_done_cb));

  g_object_set_data (G_OBJECT (dialog), "reason", rows[0]);
}

/* ------------------------------------------------------------------ withdrawals */

static MtApiRequest *
withdrawal_request (gint64   id,
                    gpointer data)
{
  MtApiRequest *request = mt_api_request_new ("withdrawals.state");

  mt_api_request_set_id (request, id);
  mt_api_request_set_text (request, "state", data);
  return request;
}

gboolean
mt_money_actions_withdrawals (MtListPage *page,
                              const char *state)
{
  return mt_list_page_send_each_selected (page, withdrawal_request, (gpointer) state);
}

static void
approve_withdrawals_cb (MtListPage *page)
{
  mt_money_actions_withdrawals (page, "approved");
}

static void
pay_withdrawals_cb (MtListPage *page)
{
  mt_money_actions_withdrawals (page, "paid");
}

static void
reject_withdrawals_cb (MtListPage *page)
{
  mt_money_actions_withdrawals (page, "rejected");
}

gboolean
mt_money_actions_request (MtListPage *page,
                          const char *amount_yuan,
                          const char *payee)
{
  g_autoptr(GError) error = NULL;
  gint64 amount = 0;

  if (!mt_parse_money (amount_yuan, &amount, "amount_fen", _("Amount (yuan)"), &error))
    {
      mt_list_page_show_error (page, error);
      return FALSE;
    }
  {
    GPtrArray *requests = g_ptr_array_new_with_free_func ((GDestroyNotify) mt_api_request_unref);
    MtApiRequest *request = mt_api_request_new ("withdrawals.request");

    mt_api_request_set_int (request, "amount_fen", amount);
    mt_api_request_set_text (request, "payee", payee);
    g_ptr_array_add (requests, request);
    mt_list_page_send (page, requests);
  }
  return TRUE;
}

static void
request_done_cb (MtListPage *page,
                 const char *response,
                 GtkWidget  *dialog)
{
  mt_money_actions_request (page, mt_dialog_row_text (dialog, "amount"), mt_dialog_row_text (dialog, "payee"));
}

static void
request_clicked_cb (MtListPage *page)
{
  const MtActor *actor = mt_list_page_get_actor (page);
  gint64 available = mt_available_balance (mt_list_page_get_db (page), actor->operator_id, actor->store_id);
  g_autofree char *money = mt_format_money (available);
  g_autofree char *body = g_strdup_printf (_("Available to withdraw: %s"), money);
  GtkWidget *rows[] = { mt_entry_row_new (_("Amount (yuan)")), mt_entry_row_new (_("Payee")), NULL };
  GtkWidget *dialog = mt_list_page_form_dialog (page, _("Request a Withdrawal"), body, _("_Request"), rows,
                                   G_CALLBACK (request_done_cb));

  g_object_set_data (G_OBJECT (dialog), "amount", rows[0]);
  g_object_set_data (G_OBJECT (dialog), "payee", rows[1]);
}

/* ------------------------------------------------------------------ recharges */

typedef struct
{
  gint64      plan_id;
  gint64      amount;
  const char *method;
} Recharge;

static MtApiRequest *
recharge_request (gint64   id,
                  gpointer data)
{
  Recharge *r = data;
  MtApiRequest *request = mt_api_request_new ("members.recharge");

  mt_api_request_set_id (request, id);
  if (r->plan_id != 0)
    mt_api_request_set_int (request, "plan_id", r->plan_id);
  else
    mt_api_request_set_int (request, "amount_fen", r->amount);
  mt_api_request_set_text (request, "pay_method", r->method);
  return request;
}

gboolean
mt_money_actions_recharge (MtListPage *page,
                           gint64      plan_id,
                           const char *amount_yuan,
                           const char *pay_method)
{
  Recharge r = { plan_id, 0, pay_method };
  g_autoptr(GError) error = NULL;

  if (plan_id == 0 && !mt_parse_money (amount_yuan, &r.amount, "amount_fen", _("Amount (yuan)"), &error))
    {
      mt_list_page_show_error (page, error);
      return FALSE;
    }
  return mt_list_page_send_each_selected (page, recharge_request, &r);
}

/* The options' labels, after @first when not NULL */
static GtkStringList *
option_labels (GPtrArray  *options,
               const char *first)
{
  GtkStringList *labels = gtk_string_list_new (NULL);

  if (first != NULL)
    gtk_string_list_append (labels, first);
  for (guint i = 0; i < options->len; i++)
    gtk_string_list_append (labels, ((MtOption *) options->pdata[i])->label);
  return labels;
}

/* The id of the option at @pos of a combo row listing @options after @skip extra items, or 0 */
static gint64
chosen_option (GtkWidget *dialog,
               const char *key,
               guint      skip)
{
  GPtrArray *options = g_object_get_data (G_OBJECT (dialog), "options");
  guint pos = adw_combo_row_get_selected (g_object_get_data (G_OBJECT (dialog), key));

  if (pos < skip || pos - skip >= options->len)
    return 0;
  return g_ascii_strtoll (((MtOption *) options->pdata[pos - skip])->id, NULL, 10);
}

static void
recharge_done_cb (MtListPage *page,
                  const char *response,
                  GtkWidget  *dialog)
{
  mt_money_actions_recharge (page, chosen_option (dialog, "plan", 1), mt_dialog_row_text (dialog, "amount"),
                             mt_pay_row_get (g_object_get_data (G_OBJECT (dialog), "method")));
}

/* The free amount is typed only when no denomination is chosen */
static void
plan_chosen_cb (AdwComboRow *plan_row,
                GParamSpec  *pspec,
                GtkWidget   *amount_row)
{
  gtk_widget_set_sensitive (amount_row, adw_combo_row_get_selected (plan_row) == 0);
}

static void
recharge_clicked_cb (MtListPage *page)
{
  GtkWidget *plan_row = adw_combo_row_new ();
  GtkWidget *method_row = mt_pay_row_new (_("Payment method"), FALSE);   /* a recharge is not paid from the balance */
  GtkWidget *rows[] = { plan_row, mt_entry_row_new (_("Other amount (yuan)")), method_row, NULL };
  GPtrArray *plans = mt_recharge_plan_options (mt_list_page_get_db (page), mt_list_page_get_actor (page));
  g_autoptr(GtkStringList) labels = option_labels (plans, _("Other amount"));
  GtkWidget *dialog;

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (plan_row), _("Denomination"));
  adw_combo_row_set_model (ADW_COMBO_ROW (plan_row), G_LIST_MODEL (labels));
  g_signal_connect_object (plan_row, "notify::selected", G_CALLBACK (plan_chosen_cb), rows[1], 0);
  if (plans->len > 0)
    adw_combo_row_set_selected (ADW_COMBO_ROW (plan_row), 1);
  plan_chosen_cb (ADW_COMBO_ROW (plan_row), NULL, rows[1]);
  dialog = mt_list_page_form_dialog (page, _("Recharge the Selected Members"),
                        _("A denomination's bonus is added while its campaign runs."), _("_Recharge"), rows,
                        G_CALLBACK (recharge_done_cb));
  g_object_set_data (G_OBJECT (dialog), "plan", plan_row);
  g_object_set_data (G_OBJECT (dialog), "amount", rows[1]);
  g_object_set_data (G_OBJECT (dialog), "method", method_row);
  g_object_set_data_full (G_OBJECT (dialog), "options", plans, (GDestroyNotify) g_ptr_array_unref);
}

/* ------------------------------------------------------------------ balance withdrawal */

static MtApiRequest *
withdraw_request (gint64   id,
                  gpointer data)
{
  Recharge *w = data;
  MtApiRequest *request = mt_api_request_new ("members.withdraw");

  mt_api_request_set_id (request, id);
  mt_api_request_set_int (request, "amount_fen", w->amount);
  mt_api_request_set_text (request, "pay_method", w->method);
  return request;
}

gboolean
mt_money_actions_withdraw (MtListPage *page,
                           const char *amount_yuan,
                           const char *pay_method)
{
  Recharge w = { 0, 0, pay_method };
  g_autoptr(GError) error = NULL;

  if (!mt_parse_money (amount_yuan, &w.amount, "amount_fen", _("Amount (yuan)"), &error))
    {
      mt_list_page_show_error (page, error);
      return FALSE;
    }
  return mt_list_page_send_each_selected (page, withdraw_request, &w);
}

static void
withdraw_done_cb (MtListPage *page,
                  const char *response,
                  GtkWidget  *dialog)
{
  mt_money_actions_withdraw (page, mt_dialog_row_text (dialog, "amount"),
                             mt_pay_row_get (g_object_get_data (G_OBJECT (dialog), "method")));
}

/* 余额提现: the selected member's own money out at the counter */
static void
withdraw_clicked_cb (MtListPage *page)
{
  g_autoptr(GArray) ids = mt_list_page_get_selected_ids (page);
  GtkWidget *method_row = mt_pay_row_new (_("Paid out by"), FALSE);
  GtkWidget *rows[] = { mt_entry_row_new (_("Amount (yuan)")), method_row, NULL };
  g_autofree char *most = NULL;
  g_autofree char *note = NULL;
  GtkWidget *dialog;

  if (ids->len != 1)
    {
      g_autoptr(GError) error = g_error_new_literal (MT_ERROR, MT_ERROR_INVALID, _("Choose one member to pay out"));

      mt_list_page_show_error (page, error);
      return;
    }
  most = mt_format_money (mt_member_withdrawable (mt_list_page_get_db (page), g_array_index (ids, gint64, 0)));
  note = g_strdup_printf (_("At most %s: the balance less the bonus not spent yet."), most);
  dialog = mt_list_page_form_dialog (page, _("Balance Withdrawal"), note, _("_Pay Out"), rows,
                                     G_CALLBACK (withdraw_done_cb));
  g_object_set_data (G_OBJECT (dialog), "amount", rows[0]);
  g_object_set_data (G_OBJECT (dialog), "method", method_row);
}

/* ------------------------------------------------------------------ rental cards */

typedef struct
{
  gint64      card_id;
  const char *method;
} CardSale;

static MtApiRequest *
card_request (gint64   id,
              gpointer data)
{
  CardSale *c = data;
  MtApiRequest *request = mt_api_request_new ("members.cards");

  mt_api_request_set_id (request, id);
  mt_api_request_set_int (request, "card_id", c->card_id);
  mt_api_request_set_text (request, "pay_method", c->method);
  return request;
}

gboolean
mt_money_actions_sell_card (MtListPage *page,
                            gint64      card_id,
                            const char *pay_method)
{
  CardSale sale = { card_id, pay_method };

  return mt_list_page_send_each_selected (page, card_request, &sale);
}

static void
card_done_cb (MtListPage *page,
              const char *response,
              GtkWidget  *dialog)
{
  gint64 card = chosen_option (dialog, "card", 0);

  if (card != 0)
    mt_money_actions_sell_card (page, card, mt_pay_row_get (g_object_get_data (G_OBJECT (dialog), "method")));
}

static void
card_clicked_cb (MtListPage *page)
{
  GtkWidget *card_row = adw_combo_row_new ();
  GtkWidget *method_row = mt_pay_row_new (_("Payment method"), TRUE);
  GtkWidget *rows[] = { card_row, method_row, NULL };
  GPtrArray *cards = mt_rental_card_options (mt_list_page_get_db (page), mt_list_page_get_actor (page));
  g_autoptr(GtkStringList) labels = option_labels (cards, NULL);
  GtkWidget *dialog;

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (card_row), _("Rental card"));
  adw_combo_row_set_model (ADW_COMBO_ROW (card_row), G_LIST_MODEL (labels));
  dialog = mt_list_page_form_dialog (page, _("Sell a Rental Card"),
                        _("While the card runs, rentals and renewals charge no rent for the periods it covers."),
                        _("_Sell"), rows, G_CALLBACK (card_done_cb));
  g_object_set_data (G_OBJECT (dialog), "card", card_row);
  g_object_set_data (G_OBJECT (dialog), "method", method_row);
  g_object_set_data_full (G_OBJECT (dialog), "options", cards, (GDestroyNotify) g_ptr_array_unref);
}

/* ------------------------------------------------------------------ rental card refunds */

static MtApiRequest *
card_refund_request (gint64   id,
                     gpointer data)
{
  MtApiRequest *request = mt_api_request_new ("member_cards.refund");

  mt_api_request_set_id (request, id);   /* the version is the row's, as the list shows it */
  return request;
}

gboolean
mt_money_actions_refund_cards (MtListPage *page)
{
  return mt_list_page_send_each_selected (page, card_refund_request, NULL);
}

static void
card_refund_done_cb (MtListPage *page,
                     const char *response,
                     GtkWidget  *dialog)
{
  mt_money_actions_refund_cards (page);
}

/* The refund form: each selected sale with what it would refund now, or why it cannot be */
static void
card_refund_clicked_cb (MtListPage *page)
{
  g_autoptr(GPtrArray) items = mt_list_page_get_selected_items (page);
  g_autoptr(GPtrArray) rows = g_ptr_array_new ();
  g_autofree char *total_text = NULL;
  g_autofree char *body = NULL;
  gint64 total = 0;
  guint refusals = 0;

  for (guint i = 0; i < items->len; i++)
    {
      MtRowItem *item = items->pdata[i];
      g_autoptr(GError) error = NULL;
      gint64 fen = mt_member_card_refund_quote (mt_list_page_get_db (page), mt_list_page_get_actor (page),
                                                mt_row_item_get_id (item), &error);
      g_autofree char *title = NULL;
      g_autofree char *money = NULL;
      g_autofree char *refund_text = NULL;
      GtkWidget *row;

      if (fen >= 0)
        total += fen;
      else
        refusals++;
      if (i >= 6)   /* the form stays short: the total says the rest */
        continue;
      row = adw_action_row_new ();
      title = g_strdup_printf (_("%s · %s"), mt_list_page_item_cell (page, item, "member"),
                               mt_list_page_item_cell (page, item, "card"));
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
      money = fen >= 0 ? mt_format_money (fen) : NULL;
      refund_text = money ? g_strdup_printf (_("Refund %s"), money) : g_strdup (error->message);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), refund_text);
      g_ptr_array_add (rows, row);
    }
  g_ptr_array_add (rows, NULL);
  total_text = mt_format_money (total);
  body = refusals == 0
    ? g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s goes back for %u card, the way it was paid: the whole days "
                                    "left after today and after the rentals that used it.",
                                    "%s goes back for %u cards, the way each was paid: the whole days left after "
                                    "today and after the rentals that used them.", items->len),
                       total_text, items->len)
    : g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s goes back; %u card cannot be refunded, as shown.",
                                    "%s goes back; %u cards cannot be refunded, as shown.", refusals),
                       total_text, refusals);
  mt_list_page_form_dialog (page, _("Refund the Rental Cards?"), body, _("_Refund"),
                            (GtkWidget **) rows->pdata, G_CALLBACK (card_refund_done_cb));
}

/* ------------------------------------------------------------------ the books */

gboolean
mt_money_actions_check_books (MtListPage  *page,
                              char       **result)
{
  g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func (g_free);
  GString *text;

  if (mt_ledger_reconcile (mt_list_page_get_db (page), problems))
    {
      *result = g_strdup (_("Every balance, deposit, order, split and withdrawal agrees with the ledger: the "
                            "books balance to the fen."));
      return TRUE;
    }
  text = g_string_new (NULL);
  g_string_append_printf (text, g_dngettext (GETTEXT_PACKAGE, "%u difference with the ledger:",
                                             "%u differences with the ledger:", problems->len), problems->len);
  for (guint i = 0; i < problems->len && i < 12; i++)
    g_string_append_printf (text, "\n%s", (const char *) problems->pdata[i]);
  *result = g_string_free (text, FALSE);
  return FALSE;
}

static void
check_books_cb (MtListPage *page)
{
  g_autofree char *result = NULL;
  GtkWidget *dialog;

  mt_money_actions_check_books (page, &result);
  dialog = adw_message_dialog_new (GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (page))), _("The Books"), result);
  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
  gtk_window_present (GTK_WINDOW (dialog));
}

/* ------------------------------------------------------------------ the buttons */

void
mt_money_actions_add (MtListPage *page,
                      const char *page_id,
                      GtkWidget  *bar,
                      GtkWidget  *action_bar)
{
  const MtActor *actor = mt_list_page_get_actor (page);
  static const struct
  {
    const char *page;
    gboolean    header;    /* in the filter bar, not the selection's action bar */
    const char *label;
    const char *name;
    void      (*activate) (MtListPage *page);
    const char *perm_page; /* NULL: headquarters only */
    const char *perm;
  } actions[] = {
    { "deposit_refunds", FALSE, N_("_Approve Refund"), "refunds.approve", approve_refunds_cb, "deposit_refunds", "approve" },
    { "deposit_refunds", FALSE, N_("_Reject…"), "refunds.reject", reject_refunds_cb, "deposit_refunds", "approve" },
    { "withdrawals", TRUE, N_("Request _Withdrawal…"), "withdrawals.request", request_clicked_cb, "withdrawals", "request" },
    { "withdrawals", FALSE, N_("_Approve"), "withdrawals.approve", approve_withdrawals_cb, "withdrawals", "approve" },
    { "withdrawals", FALSE, N_("Mark _Paid"), "withdrawals.pay", pay_withdrawals_cb, "withdrawals", "approve" },
    { "withdrawals", FALSE, N_("_Reject"), "withdrawals.reject", reject_withdrawals_cb, "withdrawals", "approve" },
    { "transactions", TRUE, N_("Check the _Books"), "transactions.check-books", check_books_cb, NULL, NULL },
    { "members", FALSE, N_("_Recharge…"), "members.recharge", recharge_clicked_cb, "recharges", "recharge" },
    { "members", FALSE, N_("Sell Rental _Card…"), "members.sell-card", card_clicked_cb, "recharges", "recharge" },
    { "members", FALSE, N_("_Withdraw Balance…"), "members.withdraw", withdraw_clicked_cb, "members", "withdraw" },
    { "member_cards", FALSE, N_("_Refund…"), "member-cards.refund", card_refund_clicked_cb, "member_cards", "refund" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (actions); i++)
    if (g_str_equal (page_id, actions[i].page))
      {
        gboolean enabled = actions[i].perm_page ? mt_actor_can (actor, actions[i].perm_page, actions[i].perm)
                                                : mt_actor_is_root (actor);
        GtkWidget *b = mt_list_page_add_action_button (page, actions[i].header ? bar : action_bar, _(actions[i].label),
                                                       actions[i].name, G_CALLBACK (actions[i].activate), enabled);

        if (g_str_equal (actions[i].name, "transactions.check-books"))
          gtk_widget_set_tooltip_text (b, _("Compare every stored balance with the ledger"));
      }
}
