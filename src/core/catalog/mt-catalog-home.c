/* SPDX-License-Identifier: GPL-3.0-or-later */
/* 主页: each role's first page (mt-dashboard.h); no list of its own */
#define G_LOG_DOMAIN "mt-catalog"

#include "config.h"

#include <glib/gi18n.h>

#include "mt-catalog-private.h"

const MtCatalogPage _mt_catalog_home[] = {
  {
    .info = { .id = "home", .group = "home", .title = NC_("page", "Home"), .icon = "user-home-symbolic",
              .actions = "view",
              .grants = "operator_admin:view store_manager:view technician:view finance:view" },
  },
  { { NULL } }
};
