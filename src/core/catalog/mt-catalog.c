/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mt-catalog"

#include "config.h"

#include <glib/gi18n.h>

#include "mt-catalog-private.h"
#include "mt-orders.h"
#include "mt-ops.h"

/* What the groups' lists share. Only these fixed expressions reach SQL; user input is always bound. */

const MtChoice _mt_catalog_enabled_choices[] = { { "1", N_("Enabled") }, { "0", N_("Disabled") }, { NULL } };

const MtChoice _mt_catalog_yes_no[] = { { "1", N_("Yes") }, { "0", N_("No") }, { NULL } };

const MtChoice mt_order_states[] = {
  { "active", N_("In Use") }, { "overdue", N_("Overdue") }, { "ended", N_("Ended") }, { NULL }
};

const MtChoice mt_pay_methods[] = {
  { "offline", N_("Offline (cash)") }, { "online", N_("Online") }, { "balance", N_("Balance") },
  { "internal", N_("Internal") }, { NULL }
};

const MtChoice mt_ledger_kinds[] = {
  { "rent", N_("Rent") }, { "deposit_in", N_("Deposit received") },
  { "deposit_out", N_("Deposit refunded") }, { "deposit_deduct", N_("Deposit deducted") },
  { "service", N_("Service fee") }, { "overdue", N_("Overdue rent") }, { "damage", N_("Damages") },
  { "recharge", N_("Recharge") }, { "bonus", N_("Bonus") }, { "balance_pay", N_("Paid from balance") },
  { "refund", N_("Refund") }, { "repair_fee", N_("Repair fee") }, { "withdrawal", N_("Withdrawal") },
  { "split", N_("Revenue split") }, { "commission", N_("Commission") }, { NULL }
};

const MtChoice _mt_catalog_expiry_choices[] = {
  { "none", N_("Not rented") }, { "not_due", N_("Not due") }, { "due_3", N_("Due in 3 days") },
  { "overdue", N_("Overdue") }, { NULL }
};

const MtChoice mt_alarm_types[] = {
  { "geofence", N_("Out of geofence") },
  { "vibration", N_("Vibration") },
  { "cell_ov", N_("Cell over-voltage protection") },
  { "cell_uv", N_("Cell under-voltage protection") },
  { "pack_ov", N_("Pack over-voltage protection") },
  { "pack_uv", N_("Pack under-voltage protection") },
  { "over_charge", N_("Over-charge") },
  { "over_discharge", N_("Over-discharge") },
  { "charge_oc", N_("Charge over-current") },
  { "discharge_oc", N_("Discharge over-current") },
  { "short_circuit", N_("Short circuit") },
  { "temp_high", N_("Temperature high") },
  { "temp_low", N_("Temperature low") },
  { "imbalance", N_("Cell imbalance") },
  { "low_soc", N_("Low SOC") },
  { "offline", N_("Offline too long") },
  { NULL }
};

static const MtCatalogPage *const groups[] = {
  _mt_catalog_home,
  _mt_catalog_system,
  _mt_catalog_operations,
  _mt_catalog_devices,
  _mt_catalog_finance,
  _mt_catalog_members,
  _mt_catalog_operators,
  _mt_catalog_stores,
  _mt_catalog_geofences,
  _mt_catalog_repairs,
  _mt_catalog_alarms,
  _mt_catalog_statistics,
};

const MtCatalogPage *
_mt_catalog_page (guint index)
{
  for (guint g = 0; g < G_N_ELEMENTS (groups); g++)
    for (const MtCatalogPage *page = groups[g]; page->info.id != NULL; page++)
      if (index-- == 0)
        return page;
  return NULL;
}

const MtCatalogPage *
_mt_catalog_lookup (const char *id)
{
  const MtCatalogPage *page;

  for (guint i = 0; (page = _mt_catalog_page (i)) != NULL; i++)
    if (g_strcmp0 (page->info.id, id) == 0)
      return page;
  return NULL;
}

const MtEntity *
_mt_entity_at (guint index)
{
  const MtCatalogPage *page;

  for (guint i = 0; (page = _mt_catalog_page (i)) != NULL; i++)
    if (page->entity != NULL && index-- == 0)
      return page->entity;
  return NULL;
}

const MtEntity *
mt_entity_lookup (const char *id)
{
  const MtEntity *entity;

  for (guint i = 0; (entity = _mt_entity_at (i)) != NULL; i++)
    if (g_strcmp0 (entity->id, id) == 0)
      return entity;
  return NULL;
}
