/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>

#include "mt-db.h"
#include "mt-demo.h"
#include "mt-form-dialog.h"
#include "mt-list-page.h"
#include "mt-repair-dialog.h"
#include "mt-window.h"

static MtDb *db = NULL;
static GtkApplication *app = NULL;

static void
iterate (guint ms)
{
  gint64 end = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE);
}

static void
test_walk_pages (gconstpointer data)
{
  const char *user = data;
  MtWindow *window = mt_window_new (app, db);
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) pages = NULL;
  guint n_pages, n_visible = 0;
  const MtPageInfo *all = mt_pages (&n_pages);

  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (mt_window_sign_in (window, user, MT_DEMO_PASSWORD, &error));
  g_assert_no_error (error);

  /* The sidebar holds exactly the pages the role may view */
  pages = mt_window_list_pages (window);
  for (guint i = 0; i < n_pages; i++)
    if (mt_actor_can_view (mt_window_get_actor (window), all[i].id))
      {
        g_assert_cmpstr (pages[n_visible], ==, all[i].id);
        n_visible++;
      }
  g_assert_cmpint (g_strv_length (pages), ==, n_visible);
  g_assert_cmpint (n_visible, >, 0);

  /* Every page opens and shows its rows, with no warning (fatal under G_DEBUG) */
  for (guint i = 0; pages[i]; i++)
    {
      GtkWidget *page = mt_window_show_page (window, pages[i]);
      g_assert_nonnull (page);
      iterate (60);
    }
  gtk_window_destroy (GTK_WINDOW (window));
  iterate (50);
}

static void
test_store_form (void)
{
  MtWindow *window = mt_window_new (app, db);
  g_autoptr(GError) error = NULL;
  MtFormDialog *form;
  gint64 stores = mt_db_query_int (db, 0, "SELECT count(*) FROM stores", NULL);

  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (mt_window_sign_in (window, "admin", MT_DEMO_PASSWORD, &error));
  form = mt_form_dialog_new (GTK_WINDOW (window), db, mt_window_get_actor (window),
                             mt_entity_lookup ("stores"), 0);
  gtk_window_present (GTK_WINDOW (form));
  iterate (100);
  mt_form_dialog_set_value (form, "name", "界面门店");
  mt_form_dialog_set_value (form, "operator_id", "2");
  mt_form_dialog_set_value (form, "mobile", "1381234567");
  mt_form_dialog_set_value (form, "password", "secret-pass");
  mt_form_dialog_set_value (form, "manager", "李四");
  mt_form_dialog_set_value (form, "manager_id_card", "11010519491231002X");
  mt_form_dialog_set_value (form, "region_code", "310115");
  mt_form_dialog_set_value (form, "address", "张杨路 2 号");
  g_assert_cmpint (mt_form_dialog_save (form), ==, 0);
  g_assert_nonnull (strstr (mt_form_dialog_get_error (form), "mobile"));
  mt_form_dialog_set_value (form, "mobile", "13812345678");
  g_assert_cmpint (mt_form_dialog_save (form), >, 0);
  g_assert_cmpint (mt_db_query_int (db, 0, "SELECT count(*) FROM stores", NULL), ==, stores + 1);
  gtk_window_destroy (GTK_WINDOW (form));

  {
    gint64 repair = mt_db_query_int (db, 0, "SELECT id FROM repairs WHERE state = 'pending' LIMIT 1", NULL);
    MtRepairDialog *dialog = mt_repair_dialog_new (GTK_WINDOW (window), db, mt_window_get_actor (window), repair);
    gtk_window_present (GTK_WINDOW (dialog));
    iterate (100);
    gtk_window_destroy (GTK_WINDOW (dialog));
  }
  gtk_window_destroy (GTK_WINDOW (window));
  iterate (50);
}

int
main (int argc, char *argv[])
{
  g_autofree char *dir = g_dir_make_tmp ("mt-app-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "demo.db", NULL);
  g_autoptr(GError) error = NULL;
  MtDemoOptions options;
  int ret;

  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  app = gtk_application_new ("com.mtxnyjs.Mingtang.Test", G_APPLICATION_NON_UNIQUE);
  g_application_register (G_APPLICATION (app), NULL, NULL);

  db = mt_db_open (path, &error);
  g_assert_no_error (error);
  mt_demo_options_init (&options);
  g_assert_true (mt_demo_generate (db, &options, &error));

  g_test_add_data_func ("/mt/app/pages/admin", "admin", test_walk_pages);
  g_test_add_data_func ("/mt/app/pages/operator", "east", test_walk_pages);
  g_test_add_data_func ("/mt/app/pages/store-manager", "store", test_walk_pages);
  g_test_add_data_func ("/mt/app/pages/technician", "tech", test_walk_pages);
  g_test_add_data_func ("/mt/app/pages/finance", "finance", test_walk_pages);
  g_test_add_func ("/mt/app/store-form", test_store_form);
  ret = g_test_run ();

  mt_db_close (db);
  g_object_unref (app);
  return ret;
}
