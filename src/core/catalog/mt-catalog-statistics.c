/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The sidebar group “Statistics”: one page whose views (mt-stats-views.h) read the daily
 * aggregates; it has no list, so it adds no table to a replica: a view shows what the rows the
 * account's other pages hold add up to */
#define G_LOG_DOMAIN "mt-catalog"

#include "config.h"

#include <glib/gi18n.h>

#include "mt-catalog-private.h"

const MtCatalogPage _mt_catalog_statistics[] = {
  {
    .info = { .id = "statistics", .group = "statistics", .title = NC_("page", "Statistics"), .icon = "x-office-presentation-symbolic",
              /* the views' groups (mt-stats-views.h), as the admin's permission tree has them */
              .actions = "view devices trades operators stores members deposits recharges cards repair_fees",
              .grants = "operator_admin:view,devices,trades,operators,stores,members,deposits,recharges,cards,repair_fees "
                        "store_manager:view,devices,trades,members,deposits,recharges,cards,repair_fees "
                        "finance:view,trades,operators,stores,members,deposits,recharges,cards,repair_fees" },
  },
  { { NULL } }
};
