/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>

#include "mt-application.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr(MtApplication) app = NULL;

  setlocale (LC_ALL, "");
  /* MINGTANG_LOCALEDIR: the build tree's translations, for running uninstalled */
  bindtextdomain (GETTEXT_PACKAGE, g_getenv ("MINGTANG_LOCALEDIR") ? g_getenv ("MINGTANG_LOCALEDIR") : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  app = mt_application_new ();
  return g_application_run (G_APPLICATION (app), argc, argv);
}
