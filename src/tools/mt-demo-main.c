/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mingtang-demo"

#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>

#include "mt-db.h"
#include "mt-demo.h"

int
main (int   argc,
      char *argv[])
{
  MtDemoOptions options;
  int seed = 2026, devices = 300, members = 0, orders = 0;
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(MtDb) db = NULL;
  gint64 t0;
  GOptionEntry entries[] = {
    { "seed", 's', 0, G_OPTION_ARG_INT, &seed, N_("Random seed (the same seed gives the same fleet)"), "N" },
    { "devices", 'd', 0, G_OPTION_ARG_INT, &devices, N_("Number of devices"), "N" },
    { "members", 'm', 0, G_OPTION_ARG_INT, &members, N_("Number of members"), "N" },
    { "orders", 'o', 0, G_OPTION_ARG_INT, &orders, N_("Number of orders over 12 months"), "N" },
    { NULL }
  };

  setlocale (LC_ALL, "");
  /* MINGTANG_LOCALEDIR: the build tree's translations, for running uninstalled */
  bindtextdomain (GETTEXT_PACKAGE, g_getenv ("MINGTANG_LOCALEDIR") ? g_getenv ("MINGTANG_LOCALEDIR") : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  context = g_option_context_new (_("DATABASE — fill a new database with a demo fleet"));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error) || argc != 2 || devices <= 0 ||
      members < 0 || orders < 0)
    {
      g_printerr ("%s\n", error ? error->message : _("Give one database path and positive sizes"));
      return 2;
    }

  mt_demo_options_init (&options);
  options.seed = (guint32) seed;
  options.n_devices = (guint) devices;
  options.n_members = members ? (guint) members : MAX (500u, (guint) devices * 5 / 3);
  options.n_orders = (guint) orders;

  t0 = g_get_monotonic_time ();
  db = mt_db_open (argv[1], &error);
  if (db == NULL || !mt_demo_generate (db, &options, &error))
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }
  g_print (_("Demo fleet written to %s in %.1f s\n"), argv[1], (g_get_monotonic_time () - t0) / 1e6);
  return 0;
}
