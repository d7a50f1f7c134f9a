/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mt-rent-dialog"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "mt-entity.h"
#include "mt-error.h"
#include "mt-orders.h"
#include "mt-pay-row.h"
#include "mt-reads.h"
#include "mt-rent-dialog.h"
#include "mt-validate.h"

struct _MtRentDialog
{
  GtkWindow      parent_instance;

  MtContext     *context;
  MtDb          *db;           /* the context's */
  const MtActor *actor;        /* the context's */
  gboolean       closed;
  GPtrArray     *stores;       /* MtOption, in the store row's order */

  GtkWidget     *error_label;
  GtkWidget     *store_row;
  GtkWidget     *device_row;
  GtkWidget     *device_group;
  GtkWidget     *member_group;
  GtkWidget     *mobile_row;
  GtkWidget     *name_row;
  GtkWidget     *id_card_row;
  GtkWidget     *referrer_row;
  GtkWidget     *periods_spin;
  GtkWidget     *pay_row;
  GtkWidget     *services_group;
  GPtrArray     *service_rows;   /* AdwActionRow with a GtkCheckButton suffix ("check" data) */
  GtkWidget     *rent_label;
  GtkWidget     *services_label;
  GtkWidget     *deposit_label;
  GtkWidget     *total_label;
  GtkTextBuffer *contract;
  GtkWidget     *rent_button;
  GtkWidget     *contract_view;

  guint          quote_timeout;
  guint          quote_serial;   /* only the newest answer counts */
  char          *error;
};

G_DEFINE_FINAL_TYPE (MtRentDialog, mt_rent_dialog, GTK_TYPE_WINDOW)

enum { RENTED, N_SIGNALS };
static guint signals[N_SIGNALS];

static void
mt_rent_dialog_dispose (GObject *object)
{
  MtRentDialog *self = MT_RENT_DIALOG (object);

  self->closed = TRUE;
  g_clear_handle_id (&self->quote_timeout, g_source_remove);
  G_OBJECT_CLASS (mt_rent_dialog_parent_class)->dispose (object);
}

static void
mt_rent_dialog_finalize (GObject *object)
{
  MtRentDialog *self = MT_RENT_DIALOG (object);

  g_clear_pointer (&self->stores, g_ptr_array_unref);
  g_clear_pointer (&self->service_rows, g_ptr_array_unref);
  g_free (self->error);
  g_clear_object (&self->context);
  G_OBJECT_CLASS (mt_rent_dialog_parent_class)->finalize (object);
}

static void inputs_changed_cb (MtRentDialog *self);
static void mobile_changed_cb (MtRentDialog *self);
static void device_activated_cb (MtRentDialog *self);
static void rent_action (GtkWidget *widget, const char *name, GVariant *param);

static void
mt_rent_dialog_class_init (MtRentDialogClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = mt_rent_dialog_dispose;
  G_OBJECT_CLASS (klass)->finalize = mt_rent_dialog_finalize;
  /**
   * MtRentDialog::rented:
   * @order_id: the new order
   */
  signals[RENTED] = g_signal_new ("rented", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                                  NULL, G_TYPE_NONE, 1, G_TYPE_INT64);
  gtk_widget_class_add_binding_action (GTK_WIDGET_CLASS (klass), GDK_KEY_Escape, 0, "window.close", NULL);
  gtk_widget_class_install_action (GTK_WIDGET_CLASS (klass), "rent.rent", NULL, rent_action);
  gtk_widget_class_set_template_from_resource (GTK_WIDGET_CLASS (klass), "/com/mtxnyjs/Mingtang/ui/mt-rent-dialog.ui");
#define BIND(name) gtk_widget_class_bind_template_child (GTK_WIDGET_CLASS (klass), MtRentDialog, name)
  BIND (error_label);
  BIND (rent_button);
  BIND (device_group);
  BIND (store_row);
  BIND (device_row);
  BIND (member_group);
  BIND (mobile_row);
  BIND (name_row);
  BIND (id_card_row);
  BIND (referrer_row);
  BIND (periods_spin);
  BIND (pay_row);
  BIND (services_group);
  BIND (rent_label);
  BIND (services_label);
  BIND (deposit_label);
  BIND (total_label);
  BIND (contract_view);
#undef BIND
  gtk_widget_class_bind_template_callback (GTK_WIDGET_CLASS (klass), inputs_changed_cb);
  gtk_widget_class_bind_template_callback (GTK_WIDGET_CLASS (klass), mobile_changed_cb);
  gtk_widget_class_bind_template_callback (GTK_WIDGET_CLASS (klass), device_activated_cb);
}

static void
mt_rent_dialog_init (MtRentDialog *self)
{
  self->service_rows = g_ptr_array_new ();
  gtk_widget_init_template (GTK_WIDGET (self));
  self->contract = gtk_text_view_get_buffer (GTK_TEXT_VIEW (self->contract_view));
  mt_pay_row_fill (self->pay_row, TRUE);
  gtk_adjustment_set_upper (gtk_spin_button_get_adjustment (GTK_SPIN_BUTTON (self->periods_spin)), MT_MAX_PERIODS);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "rent.rent", FALSE);
}

/* ------------------------------------------------------------------ the request */

static gint64
store_id (MtRentDialog *self)
{
  guint pos = adw_combo_row_get_selected (ADW_COMBO_ROW (self->store_row));

  if (pos >= self->stores->len)
    return 0;
  return g_ascii_strtoll (((MtOption *) self->stores->pdata[pos])->id, NULL, 10);
}

static guint
chosen_services (MtRentDialog *self)
{
  guint bits = 0;

  for (guint i = 0; i < self->service_rows->len; i++)
    if (gtk_check_button_get_active (g_object_get_data (self->service_rows->pdata[i], "check")))
      bits |= 1u << i;
  return bits;
}

static gboolean
build_request (MtRentDialog  *self,
               MtRentRequest *r,
               GError       **error)
{
  /* a scanner may add spaces or a line end around the number */
  g_autofree char *no = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->device_row))));

  memset (r, 0, sizeof *r);
  r->store_id = store_id (self);
  r->device_id = mt_read_device_id (self->db, self->actor, no);
  if (r->device_id == 0)
    {
      mt_set_field_error (error, "device_id", _("Device number"),
                          no[0] ? _("no device has this number") : _("type or scan the device's number"));
      return FALSE;
    }
  r->mobile = gtk_editable_get_text (GTK_EDITABLE (self->mobile_row));
  r->name = gtk_editable_get_text (GTK_EDITABLE (self->name_row));
  r->id_card = gtk_editable_get_text (GTK_EDITABLE (self->id_card_row));
  r->referrer = gtk_editable_get_text (GTK_EDITABLE (self->referrer_row));
  r->periods = (guint) gtk_spin_button_get_value_as_int (GTK_SPIN_BUTTON (self->periods_spin));
  r->services = chosen_services (self);
  r->pay_method = mt_pay_row_get (self->pay_row);
  return TRUE;
}

/* The rental as orders.quote or orders.rent */
static MtApiRequest *
api_request (const char          *operation,
             const MtRentRequest *r)
{
  MtApiRequest *request = mt_api_request_new (operation);

  mt_api_request_set_int (request, "store_id", r->store_id);
  mt_api_request_set_int (request, "device_id", r->device_id);
  mt_api_request_set_text (request, "mobile", r->mobile);
  mt_api_request_set_text (request, "name", r->name);
  mt_api_request_set_text (request, "id_card", r->id_card);
  mt_api_request_set_text (request, "referrer", r->referrer);
  mt_api_request_set_int (request, "periods", r->periods);
  mt_api_request_set_int (request, "services", r->services);
  mt_api_request_set_text (request, "pay_method", r->pay_method);
  return request;
}

/* ------------------------------------------------------------------ the quote */

static void
show_error (MtRentDialog *self,
            const char   *message)
{
  g_free (self->error);
  self->error = g_strdup (message);
  gtk_label_set_text (GTK_LABEL (self->error_label), message ? message : "");
  gtk_widget_set_visible (self->error_label, message != NULL);
}

static void
set_money (GtkWidget *label,
           gint64     fen,
           gboolean   known)
{
  g_autofree char *text = known ? mt_format_money (fen) : g_strdup ("—");
  gtk_label_set_text (GTK_LABEL (label), text);
}

static void
services_changed_cb (MtRentDialog *self);

/* The rule's services as check rows, rebuilt only when they differ (so ticks survive) */
static void
show_services (MtRentDialog       *self,
               guint               n,
               const char *const  *names,
               const gint64       *prices,
               const gboolean     *per_period)
{
  gboolean same = n == self->service_rows->len;

  for (guint i = 0; same && i < n; i++)
    same = g_strcmp0 (adw_preferences_row_get_title (self->service_rows->pdata[i]), names[i]) == 0;
  if (same)
    return;
  for (guint i = 0; i < self->service_rows->len; i++)
    adw_preferences_group_remove (ADW_PREFERENCES_GROUP (self->services_group), self->service_rows->pdata[i]);
  g_ptr_array_set_size (self->service_rows, 0);
  for (guint i = 0; i < n; i++)
    {
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *check = gtk_check_button_new ();
      g_autofree char *price = mt_format_money (prices[i]);
      g_autofree char *subtitle = g_strdup_printf (per_period[i] ? _("%s per period") : _("%s once"), price);

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), names[i]);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
      adw_action_row_add_prefix (ADW_ACTION_ROW (row), check);
      adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), check);
      g_object_set_data (G_OBJECT (row), "check", check);
      g_signal_connect_swapped (check, "toggled", G_CALLBACK (services_changed_cb), self);
      adw_preferences_group_add (ADW_PREFERENCES_GROUP (self->services_group), row);
      g_ptr_array_add (self->service_rows, row);
    }
  gtk_widget_set_visible (self->services_group, n > 0);
}

static void
show_quote (MtRentDialog  *self,
            const MtQuote *quote,
            const char    *contract)
{
  show_error (self, NULL);
  set_money (self->rent_label, quote ? quote->rent_fen : 0, quote != NULL);
  set_money (self->services_label, quote ? quote->services_fen : 0, quote != NULL);
  set_money (self->deposit_label, quote ? quote->deposit_fen : 0, quote != NULL);
  set_money (self->total_label, quote ? quote->total_fen : 0, quote != NULL);
  gtk_text_buffer_set_text (self->contract, contract ? contract : "", -1);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "rent.rent", quote != NULL);
}

static void
quote_failed (MtRentDialog *self,
              const char   *message)
{
  show_quote (self, NULL, NULL);
  show_error (self, message);
}

typedef struct
{
  MtRentDialog *dialog;
  guint         serial;
  guint         services;   /* the services asked for */
} Asked;

static void
quote_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      data)
{
  g_autofree Asked *asked = data;
  g_autoptr(MtRentDialog) self = asked->dialog;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) answer = mt_context_call_finish (MT_CONTEXT (source), result, &error);
  JsonObject *o;
  JsonArray *services;
  MtQuote quote = { 0 };

  /* only the newest question counts */
  if (self->closed || asked->serial != self->quote_serial)
    return;
  if (answer == NULL || !JSON_NODE_HOLDS_OBJECT (answer))
    return quote_failed (self, error ? error->message : _("The server sent an answer that makes no sense"));
  o = json_node_get_object (answer);
  quote.periods = json_object_get_int_member_with_default (o, "periods", 0);
  quote.rent_fen = json_object_get_int_member_with_default (o, "rent_fen", 0);
  quote.services_fen = json_object_get_int_member_with_default (o, "services_fen", 0);
  quote.deposit_fen = json_object_get_int_member_with_default (o, "deposit_fen", 0);
  quote.total_fen = json_object_get_int_member_with_default (o, "total_fen", 0);
  services = json_object_has_member (o, "services") ? json_object_get_array_member (o, "services") : NULL;
  if (services)
    {
      guint n = MIN (json_array_get_length (services), 3);
      const char *names[3];
      gint64 prices[3];
      gboolean per_period[3];

      for (guint i = 0; i < n; i++)
        {
          JsonObject *s = json_array_get_object_element (services, i);
          names[i] = json_object_get_string_member_with_default (s, "name", "");
          prices[i] = json_object_get_int_member_with_default (s, "price_fen", 0);
          per_period[i] = json_object_get_boolean_member_with_default (s, "per_period", FALSE);
        }
      show_services (self, n, names, prices, per_period);
    }
  /* the services shown changed: quote again with their ticks */
  if (chosen_services (self) != asked->services)
    return mt_rent_dialog_refresh (self);
  show_quote (self, &quote, json_object_get_string_member_with_default (o, "contract", ""));
}

void
mt_rent_dialog_refresh (MtRentDialog *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MtApiRequest) request = NULL;
  MtRentRequest r;
  Asked *asked;

  g_return_if_fail (MT_IS_RENT_DIALOG (self));
  g_clear_handle_id (&self->quote_timeout, g_source_remove);
  self->quote_serial++;
  if (!build_request (self, &r, &error))
    return quote_failed (self, error->message);
  request = api_request ("orders.quote", &r);
  asked = g_new0 (Asked, 1);
  asked->dialog = g_object_ref (self);
  asked->serial = self->quote_serial;
  asked->services = r.services;
  mt_context_call_async (self->context, request, NULL, quote_cb, asked);
}

static gboolean
quote_timeout_cb (gpointer data)
{
  MtRentDialog *self = data;

  self->quote_timeout = 0;
  mt_rent_dialog_refresh (self);
  return G_SOURCE_REMOVE;
}

/* Typing stays fluid: the quote follows once the keys pause */
static void
inputs_changed_cb (MtRentDialog *self)
{
  /* its template's rows say they changed as they go with the dialog: no quote for a closed one */
  if (self->closed)
    return;
  g_clear_handle_id (&self->quote_timeout, g_source_remove);
  self->quote_timeout = g_timeout_add (250, quote_timeout_cb, self);
}

static void
services_changed_cb (MtRentDialog *self)
{
  inputs_changed_cb (self);
}

/* An 11-digit mobile of a known member fills in the rest and shows the balance */
static void
mobile_changed_cb (MtRentDialog *self)
{
  const char *mobile = gtk_editable_get_text (GTK_EDITABLE (self->mobile_row));
  g_autoptr(MtMemberHint) member = strlen (mobile) == 11
    ? mt_read_member_by_mobile (self->db, self->actor, store_id (self), mobile) : NULL;

  if (member != NULL)
    {
      g_autofree char *balance = mt_format_money (member->balance_fen);
      g_autofree char *card = member->card_until ? mt_format_time (member->card_until) : NULL;
      g_autofree char *text = card ? g_strdup_printf (_("A member already: balance %s, rental card until %s"),
                                                      balance, card)
                                   : g_strdup_printf (_("A member already: balance %s"), balance);

      gtk_editable_set_text (GTK_EDITABLE (self->name_row), member->name ? member->name : "");
      gtk_editable_set_text (GTK_EDITABLE (self->id_card_row), member->id_card ? member->id_card : "");
      adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (self->member_group), text);
    }
  else
    adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (self->member_group),
                                           strlen (mobile) == 11 ? _("A new member: give the name and ID card")
                                                                 : NULL);
  inputs_changed_cb (self);
}

/* A scanner types the number and Enter: quote at once and go on to the member */
static void
device_activated_cb (MtRentDialog *self)
{
  mt_rent_dialog_refresh (self);
  gtk_widget_grab_focus (self->mobile_row);
}

/* ------------------------------------------------------------------ renting */

static void
rented_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      data)
{
  g_autoptr(MtRentDialog) self = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) answer = mt_context_call_finish (MT_CONTEXT (source), result, &error);
  gint64 id;

  if (self->closed)
    return;
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "rent.rent", TRUE);
  if (answer == NULL || !JSON_NODE_HOLDS_OBJECT (answer))
    return show_error (self, error ? error->message : _("The server sent an answer that makes no sense"));
  id = json_object_get_int_member_with_default (json_node_get_object (answer), "id", 0);
  g_signal_emit (self, signals[RENTED], 0, id);
  gtk_window_destroy (GTK_WINDOW (self));
}

gboolean
mt_rent_dialog_rent (MtRentDialog *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MtApiRequest) request = NULL;
  MtRentRequest r;

  g_return_val_if_fail (MT_IS_RENT_DIALOG (self), FALSE);
  if (!build_request (self, &r, &error))
    {
      show_error (self, error->message);
      return FALSE;
    }
  request = api_request ("orders.rent", &r);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "rent.rent", FALSE);
  mt_context_call_async (self->context, request, NULL, rented_cb, g_object_ref (self));
  return TRUE;
}

static void
rent_action (GtkWidget  *widget,
             const char *name,
             GVariant   *param)
{
  mt_rent_dialog_rent (MT_RENT_DIALOG (widget));
}

/* ------------------------------------------------------------------ scripted use */

void
mt_rent_dialog_set_field (MtRentDialog *self,
                          const char   *key,
                          const char   *value)
{
  g_return_if_fail (MT_IS_RENT_DIALOG (self));

  if (g_str_equal (key, "device_no"))
    gtk_editable_set_text (GTK_EDITABLE (self->device_row), value);
  else if (g_str_equal (key, "mobile"))
    gtk_editable_set_text (GTK_EDITABLE (self->mobile_row), value);
  else if (g_str_equal (key, "name"))
    gtk_editable_set_text (GTK_EDITABLE (self->name_row), value);
  else if (g_str_equal (key, "id_card"))
    gtk_editable_set_text (GTK_EDITABLE (self->id_card_row), value);
  else if (g_str_equal (key, "referrer"))
    gtk_editable_set_text (GTK_EDITABLE (self->referrer_row), value);
  else if (g_str_equal (key, "periods"))
    gtk_spin_button_set_value (GTK_SPIN_BUTTON (self->periods_spin), g_ascii_strtod (value, NULL));
  else if (g_str_equal (key, "pay_method"))
    mt_pay_row_set (self->pay_row, value);
  else
    g_warning ("No rent field “%s”", key);
}

void
mt_rent_dialog_set_service (MtRentDialog *self,
                            guint         index,
                            gboolean      on)
{
  g_return_if_fail (MT_IS_RENT_DIALOG (self) && index < self->service_rows->len);
  gtk_check_button_set_active (g_object_get_data (self->service_rows->pdata[index], "check"), on);
}

const char *
mt_rent_dialog_get_total (MtRentDialog *self)
{
  return gtk_label_get_text (GTK_LABEL (self->total_label));
}

const char *
mt_rent_dialog_get_error (MtRentDialog *self)
{
  return self->error;
}

/* ------------------------------------------------------------------ building */

MtRentDialog *
mt_rent_dialog_new (GtkWindow     *parent,
                    MtContext     *context,
                    gint64         store,
                    gint64         device)
{
  MtRentDialog *self = g_object_new (MT_TYPE_RENT_DIALOG, "transient-for", parent, NULL);
  g_autoptr(GtkStringList) store_names = gtk_string_list_new (NULL);

  self->context = g_object_ref (context);
  self->db = mt_context_get_db (context);
  self->actor = mt_context_get_actor (context);

  /* the device: its store, its number (typed or scanned) */
  self->stores = mt_lookup (self->db, self->actor, "stores", NULL, 0);
  for (guint i = 0; i < self->stores->len; i++)
    gtk_string_list_append (store_names, ((MtOption *) self->stores->pdata[i])->label);
  adw_combo_row_set_model (ADW_COMBO_ROW (self->store_row), G_LIST_MODEL (store_names));
  for (guint i = 0; i < self->stores->len; i++)
    if (g_ascii_strtoll (((MtOption *) self->stores->pdata[i])->id, NULL, 10) == store)
      adw_combo_row_set_selected (ADW_COMBO_ROW (self->store_row), i);
  if (device != 0)
    {
      g_autofree char *no = mt_read_device_no (self->db, self->actor, device);
      gtk_editable_set_text (GTK_EDITABLE (self->device_row), no ? no : "");
    }
  gtk_widget_grab_focus (self->device_row);
  return self;
}
