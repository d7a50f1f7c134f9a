/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mt-order-dialog"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "mt-entity.h"
#include "mt-error.h"
#include "mt-order-dialog.h"
#include "mt-orders.h"
#include "mt-pay-row.h"
#include "mt-reads.h"
#include "mt-receipt.h"
#include "mt-validate.h"

struct _MtOrderDialog
{
  GtkWindow      parent_instance;

  MtContext     *context;
  MtDb          *db;       /* the context's */
  const MtActor *actor;    /* the context's */
  gboolean       closed;
  gint64         order_id;
  MtOrderDoc    *doc;

  GtkWidget     *error_label;
  GtkWidget     *holder;        /* the page, rebuilt after each action */
  GtkWidget     *renew_spin;
  GtkWidget     *renew_pay;
  GtkWidget     *device_row;
  GtkWidget     *fault_row;
  GtkWidget     *damage_row;
  GtkWidget     *pay_row;
  GtkWidget     *hold_switch;
  GtkWidget     *forced_switch;
  GtkWidget     *settle_row;
  char          *error;
  guint          settle_serial;
};

G_DEFINE_FINAL_TYPE (MtOrderDialog, mt_order_dialog, GTK_TYPE_WINDOW)

enum { CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS];

static void
mt_order_dialog_dispose (GObject *object)
{
  MtOrderDialog *self = MT_ORDER_DIALOG (object);

  self->closed = TRUE;
  G_OBJECT_CLASS (mt_order_dialog_parent_class)->dispose (object);
}

static void
mt_order_dialog_finalize (GObject *object)
{
  MtOrderDialog *self = MT_ORDER_DIALOG (object);

  g_clear_pointer (&self->doc, mt_order_doc_free);
  g_free (self->error);
  g_clear_object (&self->context);
  G_OBJECT_CLASS (mt_order_dialog_parent_class)->finalize (object);
}

static void order_action (GtkWidget *widget, const char *name, GVariant *param);

static void
mt_order_dialog_class_init (MtOrderDialogClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = mt_order_dialog_dispose;
  G_OBJECT_CLASS (klass)->finalize = mt_order_dialog_finalize;
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                                   NULL, G_TYPE_NONE, 0);
  gtk_widget_class_set_template_from_resource (widget_class, "/com/mtxnyjs/Mingtang/ui/mt-order-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, MtOrderDialog, error_label);
  gtk_widget_class_bind_template_child (widget_class, MtOrderDialog, holder);
  /* the order's actions, as its buttons do them */
  gtk_widget_class_install_action (widget_class, "order.renew", NULL, order_action);
  gtk_widget_class_install_action (widget_class, "order.replace", NULL, order_action);
  gtk_widget_class_install_action (widget_class, "order.end", NULL, order_action);
  gtk_widget_class_install_action (widget_class, "order.save-pdf", NULL, order_action);
  gtk_widget_class_install_action (widget_class, "order.print", NULL, order_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
mt_order_dialog_init (MtOrderDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

static void
show_error (MtOrderDialog *self,
            const char    *message)
{
  g_free (self->error);
  self->error = g_strdup (message);
  gtk_label_set_text (GTK_LABEL (self->error_label), message ? message : "");
  gtk_widget_set_visible (self->error_label, message != NULL);
}

/* ------------------------------------------------------------------ settlement */

static gboolean
end_request (MtOrderDialog *self,
             MtEndRequest  *end,
             GError       **error)
{
  const char *damage = gtk_editable_get_text (GTK_EDITABLE (self->damage_row));

  memset (end, 0, sizeof *end);
  if (damage[0] && !mt_parse_money (damage, &end->damage_fen, "damage_fen", _("Damages (yuan)"), error))
    return FALSE;
  end->pay_method = mt_pay_row_get (self->pay_row);
  end->hold_deposit = gtk_switch_get_active (GTK_SWITCH (self->hold_switch));
  end->forced = gtk_switch_get_active (GTK_SWITCH (self->forced_switch));
  return TRUE;
}

/* The end request's members (orders.settlement, orders.end) for the order */
static MtApiRequest *
end_api_request (MtOrderDialog      *self,
                 const char         *operation,
                 const MtEndRequest *end)
{
  MtApiRequest *request = mt_api_request_new (operation);

  mt_api_request_set_id (request, self->order_id);
  mt_api_request_set_int (request, "damage_fen", end->damage_fen);
  mt_api_request_set_text (request, "pay_method", end->pay_method);
  mt_api_request_set_bool (request, "hold_deposit", end->hold_deposit);
  mt_api_request_set_bool (request, "forced", end->forced);
  return request;
}

static void
show_settlement (MtOrderDialog      *self,
                 const MtSettlement *s,
                 const char         *problem)
{
  g_autofree char *text = NULL;

  if (s)
    {
      g_autofree char *overdue = mt_format_money (s->overdue_fen);
      g_autofree char *damage = mt_format_money (s->damage_fen);
      g_autofree char *deducted = mt_format_money (s->deducted_fen);
      g_autofree char *shortfall = mt_format_money (s->shortfall_fen);
      g_autofree char *refund = mt_format_money (s->refund_fen);

      text = g_strdup_printf (_("Overdue rent %s · damages %s · from the deposit %s · to pay %s · "
                                "deposit back %s"), overdue, damage, deducted, shortfall, refund);
    }
  adw_action_row_set_subtitle (ADW_ACTION_ROW (self->settle_row), s ? text : problem);
}

typedef struct
{
  MtOrderDialog *dialog;
  guint          serial;
} Asked;

static void
settlement_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      data)
{
  g_autofree Asked *asked = data;
  g_autoptr(MtOrderDialog) self = asked->dialog;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) answer = mt_context_call_finish (MT_CONTEXT (source), result, &error);
  MtSettlement s = { 0 };
  JsonObject *o;

  /* a later question makes this answer stale */
  if (self->closed || self->settle_row == NULL || asked->serial != self->settle_serial)
    return;
  if (answer == NULL || !JSON_NODE_HOLDS_OBJECT (answer))
    return show_settlement (self, NULL, error ? error->message : "");
  o = json_node_get_object (answer);
  s.overdue_fen = json_object_get_int_member_with_default (o, "overdue_fen", 0);
  s.damage_fen = json_object_get_int_member_with_default (o, "damage_fen", 0);
  s.deducted_fen = json_object_get_int_member_with_default (o, "deducted_fen", 0);
  s.shortfall_fen = json_object_get_int_member_with_default (o, "shortfall_fen", 0);
  s.refund_fen = json_object_get_int_member_with_default (o, "refund_fen", 0);
  show_settlement (self, &s, NULL);
}

static void
update_settlement (MtOrderDialog *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MtApiRequest) request = NULL;
  MtEndRequest end;
  Asked *asked;

  if (self->settle_row == NULL)
    return;
  self->settle_serial++;
  if (!end_request (self, &end, &error))
    return show_settlement (self, NULL, error->message);
  request = end_api_request (self, "orders.settlement", &end);
  asked = g_new0 (Asked, 1);
  asked->dialog = g_object_ref (self);
  asked->serial = self->settle_serial;
  mt_context_call_async (self->context, request, NULL, settlement_cb, asked);
}

/* ------------------------------------------------------------------ actions */

static void rebuild (MtOrderDialog *self);

static void
done (MtOrderDialog *self)
{
  show_error (self, NULL);
  g_signal_emit (self, signals[CHANGED], 0);
  rebuild (self);
}

static void
action_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      data)
{
  g_autoptr(MtOrderDialog) self = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) answer = mt_context_call_finish (MT_CONTEXT (source), result, &error);

  if (self->closed)
    return;
  if (answer == NULL)
    return show_error (self, error->message);
  done (self);   /* the data the dialog reads has the change when the answer comes */
}

gboolean
mt_order_dialog_run (MtOrderDialog *self,
                     const char    *action)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MtApiRequest) request = NULL;

  g_return_val_if_fail (MT_IS_ORDER_DIALOG (self), FALSE);
  if (g_str_equal (action, "renew") && self->renew_spin)
    {
      request = mt_api_request_new ("orders.renew");
      mt_api_request_set_id (request, self->order_id);
      mt_api_request_set_int (request, "periods", gtk_spin_button_get_value_as_int (GTK_SPIN_BUTTON (self->renew_spin)));
      mt_api_request_set_text (request, "pay_method", mt_pay_row_get (self->renew_pay));
    }
  else if (g_str_equal (action, "replace") && self->device_row)
    {
      const char *no = gtk_editable_get_text (GTK_EDITABLE (self->device_row));
      gint64 device = mt_read_device_id (self->db, self->actor, no);

      if (device == 0)
        {
          show_error (self, _("Device number: no device has this number"));
          return FALSE;
        }
      request = mt_api_request_new ("orders.replace");
      mt_api_request_set_id (request, self->order_id);
      mt_api_request_set_int (request, "device_id", device);
      mt_api_request_set_text (request, "fault", gtk_editable_get_text (GTK_EDITABLE (self->fault_row)));
    }
  else if (g_str_equal (action, "end") && self->damage_row)
    {
      MtEndRequest end;

      if (!end_request (self, &end, &error))
        {
          show_error (self, error->message);
          return FALSE;
        }
      request = end_api_request (self, "orders.end", &end);
    }
  else
    return FALSE;
  mt_context_call_async (self->context, request, NULL, action_cb, g_object_ref (self));
  return TRUE;
}


/* ------------------------------------------------------------------ documents */

gboolean
mt_order_dialog_write_pdf (MtOrderDialog *self,
                           const char    *path,
                           GError       **error)
{
  if (self->doc == NULL)
    {
      g_set_error_literal (error, MT_ERROR, MT_ERROR_NOT_FOUND, self->error ? self->error : "");
      return FALSE;
    }
  return mt_order_doc_write_pdf (self->doc, path, error);
}

static void
pdf_response_cb (GtkNativeDialog *chooser,
                 int              response,
                 MtOrderDialog   *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
      g_autofree char *path = g_file_get_path (file);
      g_autoptr(GError) error = NULL;

      if (path == NULL || !mt_order_dialog_write_pdf (self, path, &error))
        show_error (self, error ? error->message : _("Choose a local file"));
    }
  g_object_unref (chooser);
}

static void
pdf_clicked_cb (MtOrderDialog *self)
{
  GtkFileChooserNative *chooser =
    gtk_file_chooser_native_new (_("Save Receipt and Contract"), GTK_WINDOW (self), GTK_FILE_CHOOSER_ACTION_SAVE,
                                 _("_Save"), _("_Cancel"));
  g_autofree char *name = g_strdup_printf ("%s.pdf", self->doc ? mt_order_doc_get_title (self->doc) : "receipt");

  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), name);
  g_signal_connect (chooser, "response", G_CALLBACK (pdf_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
begin_print_cb (GtkPrintOperation *operation,
                GtkPrintContext   *context,
                MtOrderDialog     *self)
{
  gtk_print_operation_set_n_pages (operation,
                                   mt_order_doc_paginate (self->doc, gtk_print_context_get_cairo_context (context),
                                                          gtk_print_context_get_width (context),
                                                          gtk_print_context_get_height (context)));
}

static void
draw_page_cb (GtkPrintOperation *operation,
              GtkPrintContext   *context,
              int                page,
              MtOrderDialog     *self)
{
  mt_order_doc_draw_page (self->doc, gtk_print_context_get_cairo_context (context), (guint) page);
}

static void
print_clicked_cb (MtOrderDialog *self)
{
  g_autoptr(GtkPrintOperation) operation = gtk_print_operation_new ();
  g_autoptr(GError) error = NULL;

  if (self->doc == NULL)
    return;
  gtk_print_operation_set_job_name (operation, mt_order_doc_get_title (self->doc));
  gtk_print_operation_set_unit (operation, GTK_UNIT_POINTS);
  gtk_print_operation_set_use_full_page (operation, TRUE);
  g_signal_connect (operation, "begin-print", G_CALLBACK (begin_print_cb), self);
  g_signal_connect (operation, "draw-page", G_CALLBACK (draw_page_cb), self);
  if (gtk_print_operation_run (operation, GTK_PRINT_OPERATION_ACTION_PRINT_DIALOG, GTK_WINDOW (self), &error) ==
      GTK_PRINT_OPERATION_RESULT_ERROR)
    show_error (self, error->message);
}

/* ------------------------------------------------------------------ building */

static GtkWidget *
text_row (const char *title,
          const char *value)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *label = gtk_label_new (value);

  gtk_widget_add_css_class (label, "mt-data");
  gtk_label_set_selectable (GTK_LABEL (label), TRUE);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_label_set_max_width_chars (GTK_LABEL (label), 48);
  gtk_label_set_xalign (GTK_LABEL (label), 1);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), label);
  return row;
}

static void pdf_clicked_cb (MtOrderDialog *self);
static void print_clicked_cb (MtOrderDialog *self);

static void
order_action (GtkWidget  *widget,
              const char *name,
              GVariant   *param)
{
  MtOrderDialog *self = MT_ORDER_DIALOG (widget);

  if (g_str_equal (name, "order.save-pdf"))
    pdf_clicked_cb (self);
  else if (g_str_equal (name, "order.print"))
    print_clicked_cb (self);
  else
    mt_order_dialog_run (self, name + strlen ("order."));
}

static GtkWidget *
group_with_button (const char *title,
                   const char *label,
                   const char *action,
                   gboolean    destructive)
{
  GtkWidget *group = adw_preferences_group_new ();
  GtkWidget *b = gtk_button_new_with_mnemonic (label);

  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (group), title);
  gtk_widget_add_css_class (b, destructive ? "destructive-action" : "suggested-action");
  gtk_widget_set_valign (b, GTK_ALIGN_CENTER);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (b), action);
  adw_preferences_group_set_header_suffix (ADW_PREFERENCES_GROUP (group), b);
  return group;
}

static void
rebuild (MtOrderDialog *self)
{
  g_autoptr(GError) error = NULL;
  GtkWidget *page = adw_preferences_page_new ();
  GtkWidget *details = adw_preferences_group_new ();
  GtkWidget *money = adw_preferences_group_new ();
  g_autofree char *no = NULL;
  g_autofree char *state = mt_read_order_state (self->db, self->actor, self->order_id, &no);
  gboolean open = state && !g_str_equal (state, "ended");

  self->renew_spin = self->renew_pay = self->device_row = self->fault_row = NULL;
  self->damage_row = self->pay_row = self->hold_switch = self->forced_switch = self->settle_row = NULL;
  g_clear_pointer (&self->doc, mt_order_doc_free);
  self->doc = mt_order_doc_load (self->db, self->actor, self->order_id, &error);
  if (self->doc == NULL)
    {
      show_error (self, error->message);
      return;
    }
  {
    g_autofree char *title = g_strdup_printf (_("Order %s"), no ? no : "");
    gtk_window_set_title (GTK_WINDOW (self), title);
  }

  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (details), _("Order"));
  for (guint i = 0; i < mt_order_doc_n_lines (self->doc, FALSE); i++)
    {
      const char *label, *value;
      mt_order_doc_get_line (self->doc, FALSE, i, &label, &value);
      adw_preferences_group_add (ADW_PREFERENCES_GROUP (details), text_row (label, value));
    }
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), ADW_PREFERENCES_GROUP (details));

  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (money), _("Money"));
  adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (money), mt_order_doc_get_total (self->doc));
  for (guint i = 0; i < mt_order_doc_n_lines (self->doc, TRUE); i++)
    {
      const char *label, *value;
      mt_order_doc_get_line (self->doc, TRUE, i, &label, &value);
      adw_preferences_group_add (ADW_PREFERENCES_GROUP (money), text_row (label, value));
    }

  if (open && mt_actor_can (self->actor, "orders", "end"))
    {
      GtkWidget *group = group_with_button (_("End Order"), _("_End Order"), "order.end", TRUE);

      self->damage_row = adw_entry_row_new ();
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->damage_row), _("Damages (yuan)"));
      g_signal_connect_swapped (self->damage_row, "changed", G_CALLBACK (update_settlement), self);
      adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), self->damage_row);
      self->pay_row = mt_pay_row_new (_("What the deposit does not cover is paid by"), TRUE);
      adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), self->pay_row);
      mt_switch_row_add (group, _("Hold the deposit for approval"), _("The refund waits in Deposit Refunds"),
                  &self->hold_switch);
      mt_switch_row_add (group, _("Forced settlement"), _("Settle without the member returning the device"),
                  &self->forced_switch);
      g_signal_connect_swapped (self->hold_switch, "notify::active", G_CALLBACK (update_settlement), self);
      g_signal_connect_swapped (self->forced_switch, "notify::active", G_CALLBACK (update_settlement), self);
      self->settle_row = adw_action_row_new ();
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->settle_row), _("Settlement now"));
      adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), self->settle_row);
      adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), ADW_PREFERENCES_GROUP (group));
      update_settlement (self);
    }
  if (open && mt_actor_can (self->actor, "orders", "renew"))
    {
      GtkWidget *group = group_with_button (_("Renew"), _("Re_new"), "order.renew", FALSE);
      GtkWidget *row = adw_action_row_new ();

      self->renew_spin = gtk_spin_button_new_with_range (1, MT_MAX_PERIODS, 1);
      gtk_widget_set_valign (self->renew_spin, GTK_ALIGN_CENTER);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("Periods"));
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), self->renew_spin);
      adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), row);
      self->renew_pay = mt_pay_row_new (_("Payment method"), TRUE);
      adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), self->renew_pay);
      adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), ADW_PREFERENCES_GROUP (group));
    }
  if (open && mt_actor_can (self->actor, "orders", "replace"))
    {
      GtkWidget *group = group_with_button (_("Replace Device"), _("Re_place"), "order.replace", FALSE);

      self->device_row = adw_entry_row_new ();
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->device_row), _("New device number (type or scan)"));
      self->fault_row = adw_entry_row_new ();
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->fault_row), _("Fault of the old device (sends it to repair)"));
      adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), self->device_row);
      adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), self->fault_row);
      adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), ADW_PREFERENCES_GROUP (group));
    }
  /* the money last: the counter's actions come first */
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), ADW_PREFERENCES_GROUP (money));
  gtk_widget_set_vexpand (page, TRUE);
  if (gtk_widget_get_first_child (self->holder))
    gtk_box_remove (GTK_BOX (self->holder), gtk_widget_get_first_child (self->holder));
  gtk_box_append (GTK_BOX (self->holder), page);
}

void
mt_order_dialog_focus (MtOrderDialog *self,
                       const char    *action)
{
  GtkWidget *field = g_str_equal (action, "renew") ? self->renew_spin
                     : g_str_equal (action, "replace") ? self->device_row
                     : g_str_equal (action, "end") ? self->damage_row : NULL;

  g_return_if_fail (MT_IS_ORDER_DIALOG (self));
  /* the page scrolls to what has the focus */
  if (field != NULL)
    gtk_widget_grab_focus (field);
}

void
mt_order_dialog_set_field (MtOrderDialog *self,
                           const char    *key,
                           const char    *value)
{
  g_return_if_fail (MT_IS_ORDER_DIALOG (self));

  if (g_str_equal (key, "periods") && self->renew_spin)
    gtk_spin_button_set_value (GTK_SPIN_BUTTON (self->renew_spin), g_ascii_strtod (value, NULL));
  else if (g_str_equal (key, "pay_method") && self->renew_pay)
    {
      mt_pay_row_set (self->renew_pay, value);
      if (self->pay_row)
        mt_pay_row_set (self->pay_row, value);
    }
  else if (g_str_equal (key, "device_no") && self->device_row)
    gtk_editable_set_text (GTK_EDITABLE (self->device_row), value);
  else if (g_str_equal (key, "fault") && self->fault_row)
    gtk_editable_set_text (GTK_EDITABLE (self->fault_row), value);
  else if (g_str_equal (key, "damage") && self->damage_row)
    gtk_editable_set_text (GTK_EDITABLE (self->damage_row), value);
  else if (g_str_equal (key, "hold") && self->hold_switch)
    gtk_switch_set_active (GTK_SWITCH (self->hold_switch), g_str_equal (value, "true"));
  else if (g_str_equal (key, "forced") && self->forced_switch)
    gtk_switch_set_active (GTK_SWITCH (self->forced_switch), g_str_equal (value, "true"));
  else
    g_warning ("No order field “%s” here", key);
}

const char *
mt_order_dialog_get_settlement (MtOrderDialog *self)
{
  return self->settle_row ? adw_action_row_get_subtitle (ADW_ACTION_ROW (self->settle_row)) : NULL;
}

const char *
mt_order_dialog_get_error (MtOrderDialog *self)
{
  return self->error;
}

MtOrderDialog *
mt_order_dialog_new (GtkWindow     *parent,
                     MtContext     *context,
                     gint64         order_id)
{
  MtOrderDialog *self = g_object_new (MT_TYPE_ORDER_DIALOG, "transient-for", parent, NULL);

  self->context = g_object_ref (context);
  self->db = mt_context_get_db (context);
  self->actor = mt_context_get_actor (context);
  self->order_id = order_id;
  rebuild (self);
  return self;
}
