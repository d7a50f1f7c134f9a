/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The console's window over a benchmark database, as the benchmarks of the console open it */
#pragma once

#include <adwaita.h>
#include <stdio.h>

#include "mt-window.h"

/* Initialises GTK, registers @app_id, opens @database into @db and presents a 1400×860 window */
static inline MtWindow *
bench_window_new (const char      *app_id,
                  const char      *database,
                  GtkApplication **app,
                  MtDb           **db)
{
  g_autoptr(GError) error = NULL;
  MtWindow *window;

  setvbuf (stdout, NULL, _IOLBF, 0);
  gtk_init ();
  adw_init ();
  *app = gtk_application_new (app_id, G_APPLICATION_NON_UNIQUE);
  g_application_register (G_APPLICATION (*app), NULL, NULL);
  *db = mt_db_open (database, &error);
  if (*db == NULL)
    g_error ("%s", error->message);
  window = mt_window_new (*app, *db);
  gtk_window_set_default_size (GTK_WINDOW (window), 1400, 860);
  gtk_window_present (GTK_WINDOW (window));
  return window;
}
