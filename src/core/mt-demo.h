/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "mt-database.h"

G_BEGIN_DECLS

typedef struct
{
  guint32 seed;
  guint   n_devices;   /* 300 by default */
  guint   n_members;   /* 500 by default */
  guint   n_orders;    /* about 12 months of history; 0 = ten per device */
  gint64  now;         /* UTC µs the history ends at; 0 = now */
} MtDemoOptions;

#define MT_DEMO_PASSWORD "mingtang2026"

void      mt_demo_options_init    (MtDemoOptions       *options);
gboolean  mt_demo_generate        (MtDb                *db,
                                   const MtDemoOptions *options,
                                   GError             **error);
/* The demo's accounts: user name, role (translated) — for the sign-in screen */
const char *const *mt_demo_accounts (void);

G_END_DECLS
