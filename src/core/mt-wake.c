/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Waking a main context from another thread (the broker link's and the simulator's paho threads) */

#include "config.h"

#include "mt-wake.h"

static gboolean
wake_dispatch (GSource     *source,
               GSourceFunc  callback,
               gpointer     data)
{
  return callback (data);
}

static GSourceFuncs wake_funcs = { NULL, NULL, wake_dispatch, NULL, NULL, NULL };

GSource *
mt_wake_source_new (GSourceFunc   func,
                    gpointer      data,
                    GMainContext *context)
{
  GSource *source = g_source_new (&wake_funcs, sizeof (GSource));

  g_source_set_callback (source, func, data, NULL);
  g_source_set_ready_time (source, -1);
  g_source_attach (source, context);
  return source;
}

