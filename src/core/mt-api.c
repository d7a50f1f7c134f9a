/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mt-api"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "mt-alarms.h"
#include "mt-api.h"
#include "mt-db.h"
#include "mt-entity-private.h"
#include "mt-error.h"
#include "mt-fences.h"
#include "mt-listing.h"
#include "mt-ops.h"
#include "mt-orders.h"
#include "mt-tracks.h"

#define MAX_LIST 1000

const char *const mt_status_members[MT_N_STATUS_MEMBERS] = {
  "online", "pack_mv", "soc", "lat", "lng", "last_seen", "current_ma", "discharge_on"
};

/* ------------------------------------------------------------------ reading a request */

static JsonNode *
member_node (MtApiCall  *call,
             const char *member)
{
  return call->body ? json_object_get_member (call->body, member) : NULL;
}

/* Members were checked against the operation's before the answer runs: these only read them */
static gint64
call_int (MtApiCall  *call,
          const char *member)
{
  JsonNode *node = member_node (call, member);
  return node ? json_node_get_int (node) : 0;
}

static const char *
call_text (MtApiCall  *call,
           const char *member)
{
  JsonNode *node = member_node (call, member);
  return node ? json_node_get_string (node) : "";
}

static gboolean
call_bool (MtApiCall  *call,
           const char *member)
{
  JsonNode *node = member_node (call, member);
  return node ? json_node_get_boolean (node) : FALSE;
}

static GArray *
call_ids (MtApiCall  *call,
          const char *member)
{
  JsonNode *node = member_node (call, member);
  GArray *ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  JsonArray *array = node ? json_node_get_array (node) : NULL;

  for (guint i = 0; array && i < json_array_get_length (array); i++)
    {
      gint64 id = json_array_get_int_element (array, i);
      g_array_append_val (ids, id);
    }
  return ids;
}

static gboolean
invalid (GError    **error,
         const char *member,
         const char *problem)
{
  mt_set_field_error (error, member, member, problem);
  return FALSE;
}

static const char *
query_value (MtApiCall  *call,
             const char *key)
{
  return call->query ? g_hash_table_lookup (call->query, key) : NULL;
}

/* ------------------------------------------------------------------ answers */

static void
answer (MtApiCall *call,
        guint      status,
        JsonNode  *node)
{
  call->status = status;
  g_clear_pointer (&call->response, json_node_unref);
  if (call->response_text != NULL)
    g_string_free (g_steal_pointer (&call->response_text), TRUE);
  if (call->response_text != NULL)
    g_string_free (g_steal_pointer (&call->response_text), TRUE);
  call->response = node;
}

/* A string as JSON: quoted, with what JSON must escape escaped (the text is UTF-8 already); the
 * runs between are copied whole */
static void
json_text (GString    *out,
           const char *text)
{
  const char *run = text;

  g_string_append_c (out, '"');
  for (const char *p = text; *p; p++)
    {
      unsigned char c = (unsigned char) *p;

      if (c >= 0x20 && c != '"' && c != '\\' && c != 0x7f)
        continue;
      g_string_append_len (out, run, p - run);
      run = p + 1;
      switch (c)
        {
        case '"':
          g_string_append (out, "\\\"");
          break;
        case '\\':
          g_string_append (out, "\\\\");
          break;
        case '\n':
          g_string_append (out, "\\n");
          break;
        case '\r':
          g_string_append (out, "\\r");
          break;
        case '\t':
          g_string_append (out, "\\t");
          break;
        default:
          g_string_append_printf (out, "\\u%04x", c);
        }
    }
  g_string_append (out, run);
  g_string_append_c (out, '"');
}

static gboolean
answer_done (MtApiCall *call)
{
  answer (call, 204, NULL);
  return TRUE;
}

static void
add_int (JsonBuilder *b,
         const char  *name,
         gint64       value)
{
  json_builder_set_member_name (b, name);
  json_builder_add_int_value (b, value);
}

static gboolean
answer_builder (MtApiCall   *call,
                guint        status,
                JsonBuilder *b)
{
  answer (call, status, json_builder_get_root (b));
  return TRUE;
}

/* {id, version} of the row written */
static gboolean
answer_saved (MtApiCall  *call,
              guint       status,
              const char *table,
              gint64      id)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autofree char *sql = g_strdup_printf ("SELECT version FROM %s WHERE id = ?", table);

  json_builder_begin_object (b);
  add_int (b, "id", id);
  add_int (b, "version", mt_db_query_int (call->db, 0, sql, "i", id));
  json_builder_end_object (b);
  return answer_builder (call, status, b);
}

static void
device_changed (MtApiCall *call,
                gint64     device_id)
{
  if (device_id == 0)
    return;
  if (call->devices == NULL)
    call->devices = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_array_append_val (call->devices, device_id);
}

/* ------------------------------------------------------------------ entities */

/* A JSON value as the core's field text; FALSE for objects and arrays */
static gboolean
node_to_text (JsonNode  *node,
              char     **text)
{
  if (JSON_NODE_HOLDS_NULL (node))
    *text = g_strdup ("");
  else if (!JSON_NODE_HOLDS_VALUE (node))
    return FALSE;
  else if (json_node_get_value_type (node) == G_TYPE_STRING)
    *text = g_strdup (json_node_get_string (node));
  else if (json_node_get_value_type (node) == G_TYPE_INT64)
    *text = g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));
  else if (json_node_get_value_type (node) == G_TYPE_DOUBLE)
    {
      char buf[G_ASCII_DTOSTR_BUF_SIZE];

      /* a number written with a fraction or an exponent stays one, so a whole-number field
       * (fen, a count) refuses it: 1e3 and 1000.0 are not 1000 */
      g_ascii_dtostr (buf, sizeof buf, json_node_get_double (node));
      *text = strpbrk (buf, ".eEn") ? g_strdup (buf) : g_strconcat (buf, ".0", NULL);
    }
  else if (json_node_get_value_type (node) == G_TYPE_BOOLEAN)
    *text = g_strdup (json_node_get_boolean (node) ? "true" : "false");
  else
    return FALSE;
  return TRUE;
}

/* Body members as the field table of mt_entity_save (an update's "version" aside) */
static GHashTable *
body_fields (MtApiCall *call,
             GError   **error)
{
  g_autoptr(GHashTable) fields = mt_fields_new ();
  g_autoptr(GList) members = json_object_get_members (call->body);

  for (GList *l = members; l; l = l->next)
    {
      char *text = NULL;

      if (call->id != 0 && g_str_equal (l->data, "version"))
        continue;
      if (!node_to_text (json_object_get_member (call->body, l->data), &text))
        {
          invalid (error, l->data, _("must be a text, a number, true or false"));
          return NULL;
        }
      g_hash_table_insert (fields, g_strdup (l->data), text);
    }
  return g_steal_pointer (&fields);
}

static void
entity_written (MtApiCall *call)
{
  if (g_str_equal (mt_entity_get_page (call->entity), "geofences"))
    call->fences_changed = TRUE;
}

/* GET ENTITY?offset&limit&search&state */
static gboolean
run_entity_list (MtApiCall *call,
                 GError   **error)
{
  g_autoptr(MtListing) listing = mt_listing_new (call->db, call->actor, mt_entity_get_page (call->entity), error);
  g_autoptr(GPtrArray) rows = NULL;
  const char *text;
  gint64 offset = 0, limit = 100;
  guint n_columns;
  const MtListColumn *columns;

  if (listing == NULL)
    return FALSE;
  if ((text = query_value (call, "offset")) && !g_ascii_string_to_signed (text, 10, 0, G_MAXINT32, &offset, NULL))
    return invalid (error, "offset", _("must be a whole number"));
  if ((text = query_value (call, "limit")) && !g_ascii_string_to_signed (text, 10, 1, MAX_LIST, &limit, NULL))
    return invalid (error, "limit", _("must be a number from 1 to 1000"));
  if ((text = query_value (call, "search")))
    mt_listing_set_search (listing, text);
  if ((text = query_value (call, "state")))
    mt_listing_set_state (listing, text);

  columns = mt_listing_get_columns (listing, &n_columns);
  rows = mt_listing_fetch (listing, (guint) offset, (guint) limit);
  /* counted past the page asked for, up to the limit beyond it: "total_exact": false says more */
  mt_listing_set_count_limit (listing, (guint) MIN (offset + limit + MT_LISTING_COUNT_LIMIT, G_MAXINT32));
  /* a page of a list is written as text directly: a tree of nodes for it costs more than the query */
  {
    guint total = mt_listing_count (listing);
    GString *out = g_string_sized_new (256 + rows->len * 64 * (n_columns + 2));

    g_string_append_printf (out, "{\"total\":%u,\"total_exact\":%s,\"rows\":[", total,
                            mt_listing_count_is_exact (listing) ? "true" : "false");
    for (guint i = 0; i < rows->len; i++)
      {
        MtListRow *row = rows->pdata[i];

        g_string_append_printf (out, "%s{\"id\":%" G_GINT64_FORMAT ",\"version\":%" G_GINT64_FORMAT ",\"cells\":{",
                                i ? "," : "", row->id, row->version);
        for (guint c = 0; c < n_columns; c++)
          {
            if (c > 0)
              g_string_append_c (out, ',');
            json_text (out, columns[c].key);
            g_string_append_c (out, ':');
            json_text (out, row->cells[c]);
          }
        g_string_append (out, "}}");
      }
    g_string_append (out, "]}");
    answer (call, 200, NULL);
    call->response_text = out;
  }
  return TRUE;
}

/* GET ENTITY/ID */
static gboolean
run_entity_get (MtApiCall *call,
                GError   **error)
{
  g_autoptr(GHashTable) row = mt_entity_load (call->db, call->actor, call->entity, call->id, error);
  g_autoptr(JsonBuilder) b = json_builder_new ();
  GHashTableIter iter;
  const char *key, *value;

  if (row == NULL)
    return FALSE;
  g_hash_table_remove (row, "password_hash");
  json_builder_begin_object (b);
  g_hash_table_iter_init (&iter, row);
  while (g_hash_table_iter_next (&iter, (gpointer *) &key, (gpointer *) &value))
    {
      json_builder_set_member_name (b, key);
      if (g_str_equal (key, "id") || g_str_equal (key, "version"))
        json_builder_add_int_value (b, g_ascii_strtoll (value, NULL, 10));
      else
        json_builder_add_string_value (b, value);
    }
  json_builder_end_object (b);
  return answer_builder (call, 200, b);
}

/* POST ENTITY {fields}; PUT ENTITY/ID {version, fields} */
static gboolean
run_entity_save (MtApiCall *call,
                 GError   **error)
{
  g_autoptr(GHashTable) fields = body_fields (call, error);
  gint64 id;

  if (fields == NULL)
    return FALSE;
  id = mt_entity_save (call->db, call->actor, call->entity, call->id, call->id ? call_int (call, "version") : 0,
                       fields, error);
  if (id == 0)
    return FALSE;
  entity_written (call);
  return answer_saved (call, call->id ? 200 : 201, call->entity->table, id);
}

/* DELETE ENTITY/ID?version=N */
static gboolean
run_entity_delete (MtApiCall *call,
                   GError   **error)
{
  const char *text = query_value (call, "version");
  gint64 version = 0;

  if (text == NULL || !g_ascii_string_to_signed (text, 10, G_MININT64, G_MAXINT64, &version, NULL))
    return invalid (error, "version", _("is required"));
  if (!mt_entity_delete (call->db, call->actor, call->entity, call->id, version, error))
    return FALSE;
  entity_written (call);
  return answer_done (call);
}

/* ------------------------------------------------------------------ devices, repairs, settings */

/* POST devices/transfer {ids, operator_id | store_id} */
static gboolean
run_devices_transfer (MtApiCall *call,
                      GError   **error)
{
  g_autoptr(GArray) ids = call_ids (call, "ids");

  return mt_devices_transfer (call->db, call->actor, (gint64 *) ids->data, ids->len, call_int (call, "operator_id"),
                              call_int (call, "store_id"), error) && answer_done (call);
}

/* POST devices/type {ids, type_id} */
static gboolean
run_devices_type (MtApiCall *call,
                  GError   **error)
{
  g_autoptr(GArray) ids = call_ids (call, "ids");

  return mt_devices_set_type (call->db, call->actor, (gint64 *) ids->data, ids->len, call_int (call, "type_id"),
                              error) && answer_done (call);
}

/* POST devices/power-cut {ids, on} */
static gboolean
run_devices_power_cut (MtApiCall *call,
                       GError   **error)
{
  g_autoptr(GArray) ids = call_ids (call, "ids");

  if (!mt_devices_set_power_cut (call->db, call->actor, (gint64 *) ids->data, ids->len, call_bool (call, "on"), error))
    return FALSE;
  for (guint i = 0; i < ids->len; i++)
    device_changed (call, g_array_index (ids, gint64, i));
  return answer_done (call);
}

/* GET devices/ID/track?from=US&to=US: the device's positions, oldest first */
static gboolean
run_device_track (MtApiCall *call,
                  GError   **error)
{
  g_autoptr(GArray) points = NULL;
  const char *names[] = { "from", "to" };
  gint64 values[2] = { 0, 0 };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      const char *text = query_value (call, names[i]);

      if (text == NULL || !g_ascii_string_to_signed (text, 10, 0, G_MAXINT64, &values[i], NULL))
        return invalid (error, names[i], _("must be a time in microseconds since 1970 (UTC)"));
    }
  points = mt_track_load (call->db, call->actor, call->id, values[0], values[1], error);
  if (points == NULL)
    return FALSE;
  answer (call, 200, mt_track_to_json ((MtTrackPoint *) points->data, points->len));
  return TRUE;
}

/* POST repairs {device_id, reporter_kind, reporter, fault} */
static gboolean
run_repair_report (MtApiCall *call,
                   GError   **error)
{
  gint64 id = mt_repair_report (call->db, call->actor, call_int (call, "device_id"), call_text (call, "reporter_kind"),
                                call_text (call, "reporter"), call_text (call, "fault"), error);

  return id != 0 && answer_saved (call, 201, "repairs", id);
}

/* POST repairs/ID/steps {version, state, note, cost_fen} */
static gboolean
run_repair_steps (MtApiCall *call,
                  GError   **error)
{
  return mt_repair_progress (call->db, call->actor, call->id, call_int (call, "version"), call_text (call, "state"),
                             call_text (call, "note"), call_int (call, "cost_fen"), error) &&
         answer_saved (call, 200, "repairs", call->id);
}

static const MtSettingInfo *
call_setting (MtApiCall *call,
              GError   **error)
{
  const MtSettingInfo *info = mt_setting_lookup (call->name);

  if (info == NULL)
    g_set_error_literal (error, MT_ERROR, MT_ERROR_NOT_FOUND, _("There is no such setting"));
  return info;
}

static gboolean
answer_setting (MtApiCall           *call,
                const MtSettingInfo *info)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autofree char *value = mt_setting_get (call->db, call->actor->operator_id, info->key);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "key");
  json_builder_add_string_value (b, info->key);
  json_builder_set_member_name (b, "value");
  json_builder_add_string_value (b, value ? value : "");
  json_builder_end_object (b);
  return answer_builder (call, 200, b);
}

/* GET settings/KEY */
static gboolean
run_setting_get (MtApiCall *call,
                 GError   **error)
{
  const MtSettingInfo *info = call_setting (call, error);

  return info && mt_actor_require (call->actor, "settings", "view", error) && answer_setting (call, info);
}

/* PUT settings/KEY {value} */
static gboolean
run_setting_set (MtApiCall *call,
                 GError   **error)
{
  const MtSettingInfo *info = call_setting (call, error);

  return info && mt_setting_set (call->db, call->actor, info->key, call_text (call, "value"), error) &&
         answer_setting (call, info);
}

/* POST messages/ID/send */
static gboolean
run_message_send (MtApiCall *call,
                  GError   **error)
{
  return mt_message_send (call->db, call->actor, call->id, error) && answer_done (call);
}

/* PUT operators/ID/enabled {enabled} */
static gboolean
run_operator_enabled (MtApiCall *call,
                      GError   **error)
{
  return mt_operator_set_enabled (call->db, call->actor, call->id, call_bool (call, "enabled"), error) &&
         answer_done (call);
}

/* POST alarms/ID/handle {note} */
static gboolean
run_alarm_handle (MtApiCall *call,
                  GError   **error)
{
  return mt_alarm_handle (call->db, call->actor, call->id, call_text (call, "note"), error) && answer_done (call);
}

/* POST alarm_types/ID/hide and alarm_types/ID/show */
static gboolean
run_alarm_type_visibility (MtApiCall *call,
                           GError   **error)
{
  return mt_alarm_type_set_hidden (call->db, call->actor, call->id, g_str_equal (call->word, "hide"), error) &&
         answer_done (call);
}

/* POST geofences/ID/assign {ids, store_id}; POST geofences/ID/unassign {ids} (none: all) */
static gboolean
run_fence_assign (MtApiCall *call,
                  GError   **error)
{
  g_autoptr(GArray) ids = call_ids (call, "ids");
  g_autoptr(JsonBuilder) b = json_builder_new ();
  gboolean assign = g_str_equal (call->op->name, "geofences.assign");
  gint64 store = call_int (call, "store_id"), n;

  if (assign && ids->len == 0 && store == 0)
    return invalid (error, "ids", _("must name devices, or a store_id must be given"));
  n = assign ? mt_fence_assign (call->db, call->actor, call->id, (gint64 *) ids->data, ids->len, store, error)
             : mt_fence_unassign (call->db, call->actor, call->id, (gint64 *) ids->data, ids->len, error);
  if (n < 0)
    return FALSE;
  call->fences_changed = TRUE;
  json_builder_begin_object (b);
  add_int (b, assign ? "assigned" : "removed", n);
  json_builder_end_object (b);
  return answer_builder (call, 200, b);
}

/* ------------------------------------------------------------------ orders and money */

static gboolean
rent_request (MtApiCall     *call,
              MtRentRequest *r,
              GError       **error)
{
  gint64 periods = call_int (call, "periods"), services = call_int (call, "services");

  if (periods < 1 || periods > MT_MAX_PERIODS)
    return invalid (error, "periods", _("is out of range"));
  if (services < 0 || services > 7)
    return invalid (error, "services", _("is out of range"));
  r->store_id = call_int (call, "store_id");
  r->device_id = call_int (call, "device_id");
  r->member_id = call_int (call, "member_id");
  r->mobile = call_text (call, "mobile");
  r->name = call_text (call, "name");
  r->id_card = call_text (call, "id_card");
  r->periods = (guint) periods;
  r->services = (guint) services;
  r->pay_method = call_text (call, "pay_method");
  r->referrer = call_text (call, "referrer");
  return TRUE;
}

/* POST orders/quote {rent request}: the breakdown and the contract, nothing written */
static gboolean
run_order_quote (MtApiCall *call,
                 GError   **error)
{
  g_autoptr(MtBillingRule) rule = NULL;
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autofree char *contract = NULL;
  MtRentRequest r = { 0 };
  MtQuote quote;

  if (!rent_request (call, &r, error) ||
      !mt_order_quote (call->db, call->actor, &r, &quote, &contract, &rule, error))
    return FALSE;
  json_builder_begin_object (b);
  add_int (b, "periods", quote.periods);
  add_int (b, "rent_fen", quote.rent_fen);
  add_int (b, "services_fen", quote.services_fen);
  add_int (b, "deposit_fen", quote.deposit_fen);
  add_int (b, "total_fen", quote.total_fen);
  json_builder_set_member_name (b, "contract");
  json_builder_add_string_value (b, contract ? contract : "");
  /* the rule's services, in the order of the services bits */
  json_builder_set_member_name (b, "services");
  json_builder_begin_array (b);
  for (guint i = 0; i < rule->n_services; i++)
    {
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "name");
      json_builder_add_string_value (b, rule->services[i].name);
      add_int (b, "price_fen", rule->services[i].price_fen);
      json_builder_set_member_name (b, "per_period");
      json_builder_add_boolean_value (b, rule->services[i].per_period);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  return answer_builder (call, 200, b);
}

/* POST orders {rent request}: rents */
static gboolean
run_order_rent (MtApiCall *call,
                GError   **error)
{
  MtRentRequest r = { 0 };
  gint64 id;

  if (!rent_request (call, &r, error) || (id = mt_order_rent (call->db, call->actor, &r, error)) == 0)
    return FALSE;
  device_changed (call, r.device_id);
  return answer_saved (call, 201, "orders", id);
}

/* POST orders/ID/renew {periods, pay_method} */
static gboolean
run_order_renew (MtApiCall *call,
                 GError   **error)
{
  gint64 periods = call_int (call, "periods");

  if (periods < 1 || periods > MT_MAX_PERIODS)
    return invalid (error, "periods", _("is out of range"));
  return mt_order_renew (call->db, call->actor, call->id, (guint) periods, call_text (call, "pay_method"), error) &&
         answer_saved (call, 200, "orders", call->id);
}

static gint64
order_device (MtApiCall *call)
{
  return mt_db_query_int (call->db, 0, "SELECT device_id FROM orders WHERE id = ?", "i", call->id);
}

/* POST orders/ID/replace {device_id, fault} */
static gboolean
run_order_replace (MtApiCall *call,
                   GError   **error)
{
  gint64 old = order_device (call), device = call_int (call, "device_id");
  const char *fault = call_text (call, "fault");

  if (!mt_order_replace (call->db, call->actor, call->id, device, *fault ? fault : NULL, error))
    return FALSE;
  device_changed (call, old);
  device_changed (call, device);
  return answer_saved (call, 200, "orders", call->id);
}

/* POST orders/ID/settlement and orders/ID/end {damage_fen, pay_method, forced, hold_deposit} */
static gboolean
run_order_settle (MtApiCall *call,
                  GError   **error)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  gboolean end = g_str_equal (call->op->name, "orders.end");
  const char *method = call_text (call, "pay_method");
  MtEndRequest request = { .damage_fen = call_int (call, "damage_fen"), .pay_method = *method ? method : NULL,
                           .forced = call_bool (call, "forced"), .hold_deposit = call_bool (call, "hold_deposit") };
  MtSettlement s;

  if (!(end ? mt_order_end (call->db, call->actor, call->id, &request, &s, error)
            : mt_order_settlement (call->db, call->actor, call->id, &request, &s, error)))
    return FALSE;
  if (end)
    device_changed (call, order_device (call));
  json_builder_begin_object (b);
  add_int (b, "order_id", call->id);
  add_int (b, "overdue_fen", s.overdue_fen);
  add_int (b, "damage_fen", s.damage_fen);
  add_int (b, "deducted_fen", s.deducted_fen);
  add_int (b, "shortfall_fen", s.shortfall_fen);
  add_int (b, "refund_fen", s.refund_fen);
  json_builder_end_object (b);
  return answer_builder (call, 200, b);
}

/* POST members/ID/recharge {plan_id | amount_fen, pay_method} */
static gboolean
run_member_recharge (MtApiCall *call,
                     GError   **error)
{
  return mt_member_recharge (call->db, call->actor, call->id, call_int (call, "plan_id"),
                             call_int (call, "amount_fen"), call_text (call, "pay_method"), error) &&
         answer_done (call);
}

/* POST members/ID/withdraw {amount_fen, pay_method} */
static gboolean
run_member_withdraw (MtApiCall *call,
                     GError   **error)
{
  return mt_member_withdraw (call->db, call->actor, call->id, call_int (call, "amount_fen"),
                             call_text (call, "pay_method"), error) &&
         answer_done (call);
}

/* POST members/ID/cards {card_id, pay_method} */
static gboolean
run_member_buy_card (MtApiCall *call,
                     GError   **error)
{
  gint64 bought = mt_member_buy_card (call->db, call->actor, call->id, call_int (call, "card_id"),
                                      call_text (call, "pay_method"), error);

  return bought != 0 && answer_saved (call, 201, "member_cards", bought);
}

/* POST member_cards/ID/refund {version}: {id, refunded_fen} */
static gboolean
run_member_card_refund (MtApiCall *call,
                        GError   **error)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  gint64 refunded = mt_member_card_refund (call->db, call->actor, call->id, call_int (call, "version"), error);

  if (refunded < 0)
    return FALSE;
  json_builder_begin_object (b);
  add_int (b, "id", call->id);
  add_int (b, "refunded_fen", refunded);
  json_builder_end_object (b);
  return answer_builder (call, 200, b);
}

/* POST deposit_refunds/ID/approve {}; POST deposit_refunds/ID/reject {reason} */
static gboolean
run_deposit_refund (MtApiCall *call,
                    GError   **error)
{
  gboolean approve = g_str_equal (call->op->name, "deposit_refunds.approve");

  return mt_deposit_refund_handle (call->db, call->actor, call->id, approve, call_text (call, "reason"), error) &&
         answer_done (call);
}

/* POST withdrawals {store_id, amount_fen, payee} */
static gboolean
run_withdrawal_request (MtApiCall *call,
                        GError   **error)
{
  gint64 id = mt_withdrawal_request (call->db, call->actor, call_int (call, "store_id"), call_int (call, "amount_fen"),
                                     call_text (call, "payee"), error);

  return id != 0 && answer_saved (call, 201, "withdrawals", id);
}

/* PUT withdrawals/ID/state {state} */
static gboolean
run_withdrawal_state (MtApiCall *call,
                      GError   **error)
{
  return mt_withdrawal_handle (call->db, call->actor, call->id, call_text (call, "state"), error) &&
         answer_done (call);
}

/* ------------------------------------------------------------------ the table */

#define M(...) ((const MtApiMember[]) { __VA_ARGS__, { NULL } })
#define REQ(name, type) { name, MT_API_##type, TRUE }
#define OPT(name, type) { name, MT_API_##type, FALSE }

#define RENT_MEMBERS M (REQ ("store_id", INT), REQ ("device_id", INT), OPT ("member_id", INT), OPT ("mobile", TEXT), \
                        OPT ("name", TEXT), OPT ("id_card", TEXT), REQ ("periods", INT), OPT ("services", INT),     \
                        REQ ("pay_method", TEXT), OPT ("referrer", TEXT))
#define END_MEMBERS M (OPT ("damage_fen", INT), OPT ("pay_method", TEXT), OPT ("forced", BOOL), \
                       OPT ("hold_deposit", BOOL))

#define W MT_API_WRITES
#define B MT_API_BODY

static const MtApiOperation operations[] = {
  /* answered by the server: sessions, the change feed, the broker link */
  { "session.open", "POST", "session", MT_API_OPEN | W, M (REQ ("username", TEXT), REQ ("password", TEXT)) },
  { "session.close", "DELETE", "session", MT_API_OPEN | W },
  { "changes", "GET", "changes" },
  { "snapshot", "GET", "snapshot" },
  { "snapshot.table", "GET", "snapshot/*" },
  { "devices.command", "POST", "devices/#/commands", B | W,
    M (REQ ("cmd", TEXT), OPT ("on", BOOL), OPT ("params", OBJECT)) },
  { "devices.telemetry", "GET", "devices/#/telemetry" },
  { "telemetry.status", "GET", "telemetry/status" },
  { "telemetry.positions", "GET", "telemetry/positions" },
  { "telemetry.stats", "GET", "telemetry/stats" },
  { "reports.list", "GET", "reports" },
  { "reports.file", "GET", "reports/*" },

  /* answered by the core */
  { "devices.transfer", "POST", "devices/transfer", B | W,
    M (REQ ("ids", IDS), OPT ("operator_id", INT), OPT ("store_id", INT)), run_devices_transfer },
  { "devices.type", "POST", "devices/type", B | W, M (REQ ("ids", IDS), REQ ("type_id", INT)), run_devices_type },
  { "devices.power_cut", "POST", "devices/power-cut", B | W, M (REQ ("ids", IDS), REQ ("on", BOOL)),
    run_devices_power_cut },
  { "devices.track", "GET", "devices/#/track", 0, NULL, run_device_track },
  { "alarms.handle", "POST", "alarms/#/handle", B | W, M (OPT ("note", TEXT)), run_alarm_handle },
  { "alarm_types.visibility", "POST", "alarm_types/#/hide|show", W, NULL, run_alarm_type_visibility },
  { "geofences.assign", "POST", "geofences/#/assign", B | W, M (OPT ("ids", IDS), OPT ("store_id", INT)),
    run_fence_assign },
  { "geofences.unassign", "POST", "geofences/#/unassign", B | W, M (OPT ("ids", IDS)), run_fence_assign },
  { "repairs.report", "POST", "repairs", B | W,
    M (REQ ("device_id", INT), REQ ("reporter_kind", TEXT), OPT ("reporter", TEXT), REQ ("fault", TEXT)),
    run_repair_report },
  { "repairs.steps", "POST", "repairs/#/steps", B | W,
    M (REQ ("version", INT), REQ ("state", TEXT), OPT ("note", TEXT), OPT ("cost_fen", INT)), run_repair_steps },
  { "orders.quote", "POST", "orders/quote", B, RENT_MEMBERS, run_order_quote },
  { "orders.rent", "POST", "orders", B | W, RENT_MEMBERS, run_order_rent },
  { "orders.renew", "POST", "orders/#/renew", B | W, M (REQ ("periods", INT), REQ ("pay_method", TEXT)),
    run_order_renew },
  { "orders.replace", "POST", "orders/#/replace", B | W, M (REQ ("device_id", INT), OPT ("fault", TEXT)),
    run_order_replace },
  { "orders.settlement", "POST", "orders/#/settlement", B, END_MEMBERS, run_order_settle },
  { "orders.end", "POST", "orders/#/end", B | W, END_MEMBERS, run_order_settle },
  { "members.recharge", "POST", "members/#/recharge", B | W,
    M (OPT ("plan_id", INT), OPT ("amount_fen", INT), REQ ("pay_method", TEXT)), run_member_recharge },
  { "members.withdraw", "POST", "members/#/withdraw", B | W,
    M (REQ ("amount_fen", INT), REQ ("pay_method", TEXT)), run_member_withdraw },
  { "members.cards", "POST", "members/#/cards", B | W, M (REQ ("card_id", INT), REQ ("pay_method", TEXT)),
    run_member_buy_card },
  { "member_cards.refund", "POST", "member_cards/#/refund", B | W, M (REQ ("version", INT)), run_member_card_refund },
  { "deposit_refunds.approve", "POST", "deposit_refunds/#/approve", B | W, M (OPT ("reason", TEXT)),
    run_deposit_refund },
  { "deposit_refunds.reject", "POST", "deposit_refunds/#/reject", B | W, M (REQ ("reason", TEXT)),
    run_deposit_refund },
  { "withdrawals.request", "POST", "withdrawals", B | W,
    M (OPT ("store_id", INT), REQ ("amount_fen", INT), REQ ("payee", TEXT)), run_withdrawal_request },
  { "withdrawals.state", "PUT", "withdrawals/#/state", B | W, M (REQ ("state", TEXT)), run_withdrawal_state },
  { "messages.send", "POST", "messages/#/send", W, NULL, run_message_send },
  { "operators.enabled", "PUT", "operators/#/enabled", B | W, M (REQ ("enabled", BOOL)), run_operator_enabled },
  { "settings.get", "GET", "settings/*", 0, NULL, run_setting_get },
  { "settings.set", "PUT", "settings/*", B | W, M (REQ ("value", TEXT)), run_setting_set },
  { "entity.list", "GET", "E", 0, NULL, run_entity_list },
  { "entity.create", "POST", "E", B | W | MT_API_FIELDS, NULL, run_entity_save },
  { "entity.get", "GET", "E/#", 0, NULL, run_entity_get },
  { "entity.update", "PUT", "E/#", B | W | MT_API_FIELDS, M (REQ ("version", INT)), run_entity_save },
  { "entity.delete", "DELETE", "E/#", W, NULL, run_entity_delete },
};

#undef W
#undef B
#undef M
#undef REQ
#undef OPT

const MtApiOperation *
mt_api_operations (guint *n_operations)
{
  *n_operations = G_N_ELEMENTS (operations);
  return operations;
}

const MtApiOperation *
mt_api_lookup (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (operations); i++)
    if (g_str_equal (operations[i].name, name))
      return &operations[i];
  return NULL;
}

/* ------------------------------------------------------------------ routing */

/* Each operation's pattern split into its segments, once for the process */
static char ***
operation_patterns (void)
{
  static char **patterns[G_N_ELEMENTS (operations)];
  static gsize once = 0;

  if (g_once_init_enter (&once))
    {
      for (guint i = 0; i < G_N_ELEMENTS (operations); i++)
        patterns[i] = g_strsplit (operations[i].pattern, "/", -1);
      g_once_init_leave (&once, 1);
    }
  return patterns;
}

/* Whether @word is one of @alternatives ("transfer|type|power-cut"), without allocating */
static gboolean
word_is_one_of (const char *word,
                const char *alternatives)
{
  gsize n = strlen (word);

  for (const char *p = alternatives; p != NULL; p = strchr (p, '|') ? strchr (p, '|') + 1 : NULL)
    if (strncmp (p, word, n) == 0 && (p[n] == '|' || p[n] == '\0'))
      return TRUE;
  return FALSE;
}

static gboolean
parse_id (const char *text,
          gint64     *id)
{
  return text != NULL && g_ascii_string_to_signed (text, 10, 1, G_MAXINT64, id, NULL);
}

/* Whether the address has the segments @parts; its captures into @call when it has */
static gboolean
address_matches (const char *const *segments,
                 const char *const *parts,
                 MtApiCall         *call)
{
  call->id = 0;
  call->name = call->word = NULL;
  call->entity = NULL;
  if (g_strv_length ((GStrv) parts) != g_strv_length ((GStrv) segments))
    return FALSE;
  for (guint k = 0; parts[k]; k++)
    {
      const char *segment = segments[k];

      if (g_str_equal (parts[k], "#"))
        {
          if (!parse_id (segment, &call->id))
            return FALSE;
        }
      else if (g_str_equal (parts[k], "*"))
        call->name = segment;
      else if (g_str_equal (parts[k], "E"))
        {
          if ((call->entity = mt_entity_lookup (segment)) == NULL)
            return FALSE;
        }
      else if (word_is_one_of (segment, parts[k]))
        call->word = strchr (parts[k], '|') ? segment : NULL;
      else
        return FALSE;
    }
  return TRUE;
}

const MtApiOperation *
mt_api_route (const char        *method,
              const char *const *segments,
              MtApiCall         *call,
              GString           *allowed)
{
  char ***patterns = operation_patterns ();

  for (guint i = 0; i < G_N_ELEMENTS (operations); i++)
    if (address_matches (segments, (const char *const *) patterns[i], call))
      {
        if (g_str_equal (operations[i].method, method))
          {
            call->op = &operations[i];
            return call->op;
          }
        if (strstr (allowed->str, operations[i].method) == NULL)
          g_string_append_printf (allowed, "%s%s", allowed->len ? ", " : "", operations[i].method);
      }
  return NULL;
}

/* ------------------------------------------------------------------ checking a request */

static gboolean
member_has_type (JsonNode *node,
                 MtApiType type)
{
  switch (type)
    {
    case MT_API_INT:
      return JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_INT64;
    case MT_API_TEXT:
      return JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING;
    case MT_API_BOOL:
      return JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_BOOLEAN;
    case MT_API_OBJECT:
      return JSON_NODE_HOLDS_OBJECT (node);
    case MT_API_IDS:
      if (!JSON_NODE_HOLDS_ARRAY (node))
        return FALSE;
      for (guint i = 0; i < json_array_get_length (json_node_get_array (node)); i++)
        {
          JsonNode *element = json_array_get_element (json_node_get_array (node), i);

          if (!JSON_NODE_HOLDS_VALUE (element) || json_node_get_value_type (element) != G_TYPE_INT64)
            return FALSE;
        }
      return TRUE;
    default:
      g_assert_not_reached ();
    }
}

static const char *
type_problem (MtApiType type)
{
  switch (type)
    {
    case MT_API_INT:
      return _("must be a whole number");
    case MT_API_TEXT:
      return _("must be a text");
    case MT_API_BOOL:
      return _("must be true or false");
    case MT_API_IDS:
      return _("must be a list of row numbers");
    case MT_API_OBJECT:
      return _("must be an object");
    default:
      g_assert_not_reached ();
    }
}

static const MtApiMember *
find_member (const MtApiOperation *op,
             const char           *name)
{
  for (const MtApiMember *m = op->members; m && m->name; m++)
    if (g_str_equal (m->name, name))
      return m;
  return NULL;
}

gboolean
mt_api_check_body (const MtApiOperation  *op,
                   JsonObject            *body,
                   GError               **error)
{
  if (body == NULL && (op->flags & MT_API_BODY))
    {
      g_set_error_literal (error, MT_ERROR, MT_ERROR_MALFORMED, _("The request needs a JSON object"));
      return FALSE;
    }
  /* an operation that takes members refuses any other (an entity's fields are its table's) */
  if (body != NULL && (op->members != NULL || (op->flags & MT_API_BODY)) && !(op->flags & MT_API_FIELDS))
    {
      g_autoptr(GList) names = json_object_get_members (body);

      for (GList *l = names; l; l = l->next)
        if (find_member (op, l->data) == NULL)
          return invalid (error, l->data, _("is not a field of this request"));
    }
  for (const MtApiMember *m = op->members; m && m->name; m++)
    {
      JsonNode *node = body ? json_object_get_member (body, m->name) : NULL;
      gboolean empty_ids = m->type == MT_API_IDS && node && JSON_NODE_HOLDS_ARRAY (node) &&
                           json_array_get_length (json_node_get_array (node)) == 0;

      if (node == NULL && !m->required)
        continue;
      /* a missing flag or list is named by what it should be */
      if (node == NULL && m->type != MT_API_BOOL && m->type != MT_API_IDS)
        return invalid (error, m->name, _("is required"));
      if (node == NULL || !member_has_type (node, m->type) || (m->required && empty_ids))
        return invalid (error, m->name, type_problem (m->type));
    }
  return TRUE;
}

gboolean
mt_api_call_run (MtApiCall *call,
                 GError   **error)
{
  g_return_val_if_fail (call->op != NULL && call->op->run != NULL, FALSE);
  g_return_val_if_fail (call->actor != NULL, FALSE);
  call->status = 500;
  return call->op->run (call, error);
}

void
mt_api_call_clear (MtApiCall *call)
{
  g_clear_pointer (&call->response, json_node_unref);
  if (call->response_text != NULL)
    g_string_free (g_steal_pointer (&call->response_text), TRUE);
  g_clear_pointer (&call->devices, g_array_unref);
}

guint
mt_api_error_status (const GError *error,
                     const char  **code)
{
  static const struct { int code; guint status; const char *name; } map[] = {
    { MT_ERROR_INVALID, 422, "invalid" },
    { MT_ERROR_NOT_FOUND, 404, "not-found" },
    { MT_ERROR_CONFLICT, 409, "conflict" },
    { MT_ERROR_FORBIDDEN, 403, "forbidden" },
    { MT_ERROR_AUTH, 401, "unauthorized" },
    { MT_ERROR_DISABLED, 401, "disabled" },
    { MT_ERROR_THROTTLED, 429, "throttled" },
    { MT_ERROR_MALFORMED, 400, "malformed" },
  };

  if (error->domain == MT_ERROR)
    for (guint i = 0; i < G_N_ELEMENTS (map); i++)
      if (map[i].code == error->code)
        {
          *code = map[i].name;
          return map[i].status;
        }
  *code = "failed";
  return 500;
}

/* ------------------------------------------------------------------ requests, as a client */

struct _MtApiRequest
{
  gatomicrefcount       ref_count;
  const MtApiOperation *op;
  gint64                id;
  char                 *word;
  char                 *entity;
  char                 *name;
  GHashTable           *query;   /* key → value, in no order: sorted when written */
  JsonObject           *body;
};

MtApiRequest *
mt_api_request_new (const char *operation)
{
  const MtApiOperation *op = mt_api_lookup (operation);
  MtApiRequest *self;

  g_return_val_if_fail (op != NULL, NULL);
  self = g_new0 (MtApiRequest, 1);
  g_atomic_ref_count_init (&self->ref_count);
  self->op = op;
  self->query = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  if (op->members != NULL || (op->flags & (MT_API_BODY | MT_API_FIELDS)))
    self->body = json_object_new ();
  return self;
}

MtApiRequest *
mt_api_request_ref (MtApiRequest *self)
{
  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
mt_api_request_unref (MtApiRequest *self)
{
  if (self == NULL || !g_atomic_ref_count_dec (&self->ref_count))
    return;
  g_free (self->word);
  g_free (self->entity);
  g_free (self->name);
  g_hash_table_unref (self->query);
  g_clear_pointer (&self->body, json_object_unref);
  g_free (self);
}

const MtApiOperation *
mt_api_request_get_operation (MtApiRequest *self)
{
  return self->op;
}

void
mt_api_request_set_id (MtApiRequest *self,
                       gint64        id)
{
  self->id = id;
}

void
mt_api_request_set_word (MtApiRequest *self,
                         const char   *word)
{
  g_free (self->word);
  self->word = g_strdup (word);
}

void
mt_api_request_set_entity (MtApiRequest *self,
                           const char   *entity)
{
  g_free (self->entity);
  self->entity = g_strdup (entity);
}

void
mt_api_request_set_name (MtApiRequest *self,
                         const char   *name)
{
  g_free (self->name);
  self->name = g_strdup (name);
}

void
mt_api_request_set_query (MtApiRequest *self,
                          const char   *key,
                          const char   *value)
{
  g_hash_table_replace (self->query, g_strdup (key), g_strdup (value));
}

/* Whether the operation takes @member as @type: a programming error if not */
static gboolean
request_takes (MtApiRequest *self,
               const char   *member,
               MtApiType     type)
{
  const MtApiMember *m = find_member (self->op, member);

  if (m == NULL || m->type != type)
    {
      g_critical ("%s takes no %s member “%s”", self->op->name, m ? "such" : "", member);
      return FALSE;
    }
  return TRUE;
}

gboolean
mt_api_request_wants_version (MtApiRequest *self)
{
  const MtApiMember *m = find_member (self->op, "version");

  return m != NULL && m->type == MT_API_INT && !json_object_has_member (self->body, "version");
}

void
mt_api_request_set_int (MtApiRequest *self,
                        const char   *member,
                        gint64        value)
{
  if (request_takes (self, member, MT_API_INT))
    json_object_set_int_member (self->body, member, value);
}

void
mt_api_request_set_text (MtApiRequest *self,
                         const char   *member,
                         const char   *value)
{
  if (request_takes (self, member, MT_API_TEXT))
    json_object_set_string_member (self->body, member, value ? value : "");
}

void
mt_api_request_set_bool (MtApiRequest *self,
                         const char   *member,
                         gboolean      value)
{
  if (request_takes (self, member, MT_API_BOOL))
    json_object_set_boolean_member (self->body, member, value);
}

void
mt_api_request_set_ids (MtApiRequest *self,
                        const char   *member,
                        const gint64 *ids,
                        guint         n_ids)
{
  JsonArray *array;

  if (!request_takes (self, member, MT_API_IDS))
    return;
  array = json_array_sized_new (n_ids);
  for (guint i = 0; i < n_ids; i++)
    json_array_add_int_element (array, ids[i]);
  json_object_set_array_member (self->body, member, array);
}

void
mt_api_request_set_object (MtApiRequest *self,
                           const char   *member,
                           JsonObject   *object)
{
  if (request_takes (self, member, MT_API_OBJECT))
    json_object_set_object_member (self->body, member, json_object_ref (object));
}

void
mt_api_request_set_fields (MtApiRequest *self,
                           GHashTable   *fields)
{
  GHashTableIter iter;
  const char *key, *value;

  g_return_if_fail (self->op->flags & MT_API_FIELDS);
  g_hash_table_iter_init (&iter, fields);
  while (g_hash_table_iter_next (&iter, (gpointer *) &key, (gpointer *) &value))
    json_object_set_string_member (self->body, key, value ? value : "");
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

char *
mt_api_request_to_path (MtApiRequest *self)
{
  g_auto(GStrv) parts = g_strsplit (self->op->pattern, "/", -1);
  g_autoptr(GString) path = g_string_new (NULL);
  g_autofree gpointer *keys = NULL;
  guint n_keys = 0;

  for (guint k = 0; parts[k]; k++)
    {
      const char *segment = parts[k];
      g_autofree char *number = NULL;

      if (g_str_equal (segment, "#"))
        segment = number = g_strdup_printf ("%" G_GINT64_FORMAT, self->id);
      else if (g_str_equal (segment, "*"))
        segment = self->name;
      else if (g_str_equal (segment, "E"))
        segment = self->entity;
      else if (strchr (segment, '|'))
        segment = self->word;
      g_return_val_if_fail (segment != NULL, NULL);
      if (k > 0)
        g_string_append_c (path, '/');
      g_string_append_uri_escaped (path, segment, NULL, TRUE);
    }
  keys = g_hash_table_get_keys_as_array (self->query, &n_keys);
  qsort (keys, n_keys, sizeof (gpointer), compare_strings);
  for (guint i = 0; i < n_keys; i++)
    {
      g_string_append_c (path, i == 0 ? '?' : '&');
      g_string_append_uri_escaped (path, keys[i], NULL, TRUE);
      g_string_append_c (path, '=');
      g_string_append_uri_escaped (path, g_hash_table_lookup (self->query, keys[i]), NULL, TRUE);
    }
  return g_string_free (g_steal_pointer (&path), FALSE);
}

JsonNode *
mt_api_request_get_body (MtApiRequest *self)
{
  JsonNode *node;

  if (self->body == NULL)
    return NULL;
  node = json_node_new (JSON_NODE_OBJECT);
  json_node_set_object (node, self->body);
  return node;
}

gboolean
mt_api_request_to_call (MtApiRequest *self,
                        MtApiCall    *call,
                        GError      **error)
{
  call->op = self->op;
  call->id = self->id;
  call->word = self->word;
  call->name = self->name;
  call->entity = NULL;
  if (self->entity && (call->entity = mt_entity_lookup (self->entity)) == NULL)
    {
      g_set_error (error, MT_ERROR, MT_ERROR_NOT_FOUND, _("There is nothing at this address"));
      return FALSE;
    }
  call->body = self->body;
  call->query = self->query;
  return mt_api_check_body (self->op, self->body, error);
}
