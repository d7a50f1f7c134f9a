/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <json-glib/json-glib.h>

/* The Flatpak manifest: valid JSON, the right id and runtime, and every library the build needs
 * that the GNOME runtime lacks, built before the app itself */
static void
test_flatpak_manifest (void)
{
  g_autofree char *path = g_build_filename (SOURCE_ROOT, "flatpak", BASE_APPLICATION_ID ".json", NULL);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  static const char *const needed[] = { "libsodium", "qrencode", "libxlsxwriter", "paho-mqtt-c",
                                        "libshumate", NULL };
  JsonObject *root;
  JsonArray *modules;
  guint n;

  json_parser_load_from_file (parser, path, &error);
  g_assert_no_error (error);
  root = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpstr (json_object_get_string_member (root, "id"), ==, BASE_APPLICATION_ID);
  g_assert_cmpstr (json_object_get_string_member (root, "command"), ==, "mingtang");
  g_assert_cmpstr (json_object_get_string_member (root, "runtime"), ==, "org.gnome.Platform");
  /* GNOME 43 is GTK 4.8 and libadwaita 1.2: the API floor the code is pinned to */
  g_assert_cmpstr (json_object_get_string_member (root, "runtime-version"), ==, "43");

  modules = json_object_get_array_member (root, "modules");
  n = json_array_get_length (modules);
  g_assert_cmpuint (n, ==, g_strv_length ((char **) needed) + 1);
  for (guint i = 0; needed[i]; i++)
    {
      JsonObject *module = json_array_get_object_element (modules, i);
      JsonArray *sources = json_object_get_array_member (module, "sources");
      JsonObject *source = json_array_get_object_element (sources, 0);

      g_assert_cmpstr (json_object_get_string_member (module, "name"), ==, needed[i]);
      /* pinned to a release, never a moving branch */
      g_assert_true (json_object_has_member (source, "tag") || json_object_has_member (source, "sha256"));
    }
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (modules, n - 1), "name"),
                   ==, "mingtang");
}

/* The desktop entry the build merges carries the Chinese name and comment */
static void
test_desktop_translated (void)
{
  g_autofree char *path = g_build_filename (BUILD_ROOT, "data", APPLICATION_ID ".desktop", NULL);
  g_autoptr(GKeyFile) file = g_key_file_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *name = NULL;
  g_autofree char *comment = NULL;
  g_autofree char *icon = NULL;

  g_key_file_load_from_file (file, path, G_KEY_FILE_KEEP_TRANSLATIONS, &error);
  g_assert_no_error (error);
  name = g_key_file_get_locale_string (file, "Desktop Entry", "Name", "zh_CN", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (name, ==, "明唐");
  comment = g_key_file_get_locale_string (file, "Desktop Entry", "Comment", "zh_CN", &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (comment, "经营电池租赁业务"));
  icon = g_key_file_get_string (file, "Desktop Entry", "Icon", NULL);
  g_assert_cmpstr (icon, ==, APPLICATION_ID);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/mt/data/flatpak-manifest", test_flatpak_manifest);
  g_test_add_func ("/mt/data/desktop-translated", test_desktop_translated);
  return g_test_run ();
}
