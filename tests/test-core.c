/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <string.h>

#include "mt-alarms.h"
#include "mt-backup.h"
#include "mt-db.h"
#include "mt-demo.h"
#include "mt-stats.h"
#include "mt-entity-private.h"
#include "mt-error.h"
#include "mt-fences.h"
#include "mt-tracks.h"
#include "mt-ingest.h"
#include "mt-export.h"
#include "mt-labels.h"
#include "mt-listing.h"
#include "mt-listing-private.h"
#include "mt-local-backend.h"
#include "mt-ops.h"
#include "mt-orders.h"
#include "mt-perm.h"
#include "mt-reads.h"
#include "mt-validate.h"
#include "test-util.h"

typedef struct
{
  char *dir;
  char *path;
  MtDb *db;
} Fixture;

/* One demo database, generated once and copied per test: Argon2id hashing is deliberately slow */
static char *template_path = NULL;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *contents = NULL;
  gsize len = 0;
  g_autoptr(GError) error = NULL;

  f->dir = g_dir_make_tmp ("mt-test-XXXXXX", NULL);
  f->path = g_build_filename (f->dir, "test.db", NULL);
  if (data != NULL)   /* an empty database */
    {
      f->db = mt_db_open (f->path, &error);
      g_assert_no_error (error);
      return;
    }
  g_assert_true (g_file_get_contents (template_path, &contents, &len, NULL));
  g_assert_true (g_file_set_contents (f->path, contents, len, NULL));
  f->db = mt_db_open (f->path, &error);
  g_assert_no_error (error);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *wal = g_strconcat (f->path, "-wal", NULL);
  g_autofree char *shm = g_strconcat (f->path, "-shm", NULL);

  mt_db_close (f->db);
  g_unlink (f->path);
  g_unlink (wal);
  g_unlink (shm);
  g_rmdir (f->dir);
  g_free (f->path);
  g_free (f->dir);
}

static MtActor *
sign_in (Fixture *f, const char *user)
{
  g_autoptr(GError) error = NULL;
  MtActor *actor = mt_sign_in (f->db, user, MT_DEMO_PASSWORD, &error);

  g_assert_no_error (error);
  g_assert_nonnull (actor);
  return actor;
}

static void
test_validate_mobile (void)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (mt_validate_mobile ("13812345678", "mobile", "Mobile", NULL));
  g_assert_false (mt_validate_mobile ("12812345678", "mobile", "Mobile", NULL));
  g_assert_false (mt_validate_mobile ("1381234567", "mobile", "Mobile", NULL));
  g_assert_false (mt_validate_mobile ("1381234567a", "mobile", "Mobile", &error));
  g_assert_error (error, MT_ERROR, MT_ERROR_INVALID);
  g_assert_cmpstr (mt_error_get_field (error), ==, "mobile");
  g_assert_nonnull (strstr (error->message, "Mobile"));
}

static void
test_validate_id_card (void)
{
  g_autoptr(GError) error = NULL;

  /* GB 11643 example number, and one with the check digit X */
  g_assert_true (mt_validate_id_card ("11010519491231002X", "id", "ID", NULL));
  g_assert_true (mt_validate_id_card ("11010519491231002x", "id", "ID", NULL));
  g_assert_true (mt_validate_id_card ("440305199003071236", "id", "ID", NULL));
  g_assert_false (mt_validate_id_card ("440305199003071235", "id", "ID", &error));
  g_assert_error (error, MT_ERROR, MT_ERROR_INVALID);
  g_assert_cmpstr (mt_error_get_field (error), ==, "id");
  g_assert_false (mt_validate_id_card ("44030519900307123", "id", "ID", NULL));
  g_assert_false (mt_validate_id_card ("440305199013071236", "id", "ID", NULL)); /* month 13 */
}

/* Times shown in local time as GDateTime would write them, across daylight-saving changes and in
 * another zone once TZ changes */
static void
test_format_local (void)
{
  const char *zones[] = { "Asia/Shanghai", "America/New_York", "UTC", "Australia/Lord_Howe" };
  g_autofree char *saved = g_strdup (g_getenv ("TZ"));

  for (guint z = 0; z < G_N_ELEMENTS (zones); z++)
    {
      g_setenv ("TZ", zones[z], TRUE);
      /* 2026-03-07 … 2026-03-10 and 2026-10-31 … 2026-11-03 by 17 minutes, and a few far ones */
      for (gint64 start = 1772841600, k = 0; k < 2; k++, start = 1793404800)
        for (gint64 t = start; t < start + 3 * 86400; t += 17 * 60)
          {
            g_autoptr(GDateTime) d = g_date_time_new_from_unix_local (t);
            g_autofree char *time = g_date_time_format (d, "%Y-%m-%d %H:%M");
            g_autofree char *date = g_date_time_format (d, "%Y-%m-%d");
            g_autofree char *ours = mt_format_time (t * G_USEC_PER_SEC + 999999);
            g_autofree char *our_date = mt_format_date (t * G_USEC_PER_SEC);

            g_assert_cmpstr (ours, ==, time);
            g_assert_cmpstr (our_date, ==, date);
          }
    }
  /* the last second GDateTime knows, past the year 9999 in a zone ahead of UTC: nothing, as it */
  {
    g_autoptr(GDateTime) d = g_date_time_new_from_unix_local (253402300799);
    g_autofree char *expected = d ? g_date_time_format (d, "%Y-%m-%d %H:%M") : g_strdup ("");
    g_autofree char *far = mt_format_time ((gint64) 253402300799 * G_USEC_PER_SEC);

    g_assert_cmpstr (far, ==, expected);
    g_assert_cmpstr (far, ==, "");   /* Lord Howe is ahead of UTC */
  }
  if (saved)
    g_setenv ("TZ", saved, TRUE);
  else
    g_unsetenv ("TZ");
}

static void
test_validate_money_hours (void)
{
  gint64 fen = -1;
  int open = 0, close = 0;

  g_assert_true (mt_parse_money ("12.5", &fen, "p", "P", NULL));
  g_assert_cmpint (fen, ==, 1250);
  g_assert_true (mt_parse_money ("0.07", &fen, "p", "P", NULL));
  g_assert_cmpint (fen, ==, 7);
  g_assert_true (mt_parse_money ("300", &fen, "p", "P", NULL));
  g_assert_cmpint (fen, ==, 30000);
  g_assert_false (mt_parse_money ("-1", &fen, "p", "P", NULL));
  g_assert_false (mt_parse_money ("1.234", &fen, "p", "P", NULL));
  g_assert_false (mt_parse_money ("abc", &fen, "p", "P", NULL));
  g_assert_false (mt_parse_money ("", &fen, "p", "P", NULL));

  g_assert_true (mt_parse_hours ("08:00-22:00", &open, &close, "h", "H", NULL));
  g_assert_cmpint (open, ==, 480);
  g_assert_cmpint (close, ==, 1320);
  g_assert_true (mt_parse_hours ("00:00-24:00", &open, &close, "h", "H", NULL));
  g_assert_false (mt_parse_hours ("22:00-08:00", &open, &close, "h", "H", NULL));
  g_assert_false (mt_parse_hours ("8-22", &open, &close, "h", "H", NULL));
  g_assert_false (mt_parse_hours ("08:60-22:00", &open, &close, "h", "H", NULL));

  g_assert_true (mt_validate_store_no ("M202209302832"));
  g_assert_false (mt_validate_store_no ("M202213302832"));
  g_assert_false (mt_validate_store_no ("X202209302832"));
  {
    g_autofree char *s = mt_format_money (123456789);
    g_assert_cmpstr (s, ==, "¥1,234,567.89");
  }
}

static GHashTable *
store_fields (void)
{
  GHashTable *fields = mt_fields_new ();

  g_hash_table_insert (fields, g_strdup ("name"), g_strdup ("测试门店"));
  g_hash_table_insert (fields, g_strdup ("operator_id"), g_strdup ("2"));
  g_hash_table_insert (fields, g_strdup ("mobile"), g_strdup ("13812345678"));
  g_hash_table_insert (fields, g_strdup ("password"), g_strdup ("secret-pass"));
  g_hash_table_insert (fields, g_strdup ("password_confirm"), g_strdup ("secret-pass"));
  g_hash_table_insert (fields, g_strdup ("manager"), g_strdup ("张三"));
  g_hash_table_insert (fields, g_strdup ("manager_id_card"), g_strdup ("11010519491231002X"));
  g_hash_table_insert (fields, g_strdup ("hours"), g_strdup ("08:00-22:00"));
  g_hash_table_insert (fields, g_strdup ("region_code"), g_strdup ("310115"));
  g_hash_table_insert (fields, g_strdup ("address"), g_strdup ("张杨路 1 号"));
  g_hash_table_insert (fields, g_strdup ("pay_offline"), g_strdup ("1"));
  g_hash_table_insert (fields, g_strdup ("pay_online"), g_strdup ("1"));
  g_hash_table_insert (fields, g_strdup ("forced_settlement"), g_strdup ("0"));
  return fields;
}

static void
assert_store_refused (Fixture    *f,
                      MtActor    *actor,
                      const char *key,
                      const char *value)
{
  g_autoptr(GHashTable) fields = store_fields ();
  g_autoptr(GError) error = NULL;
  gint64 stores = mt_db_query_int (f->db, 0, "SELECT count(*) FROM stores", NULL);
  gint64 journal = mt_db_query_int (f->db, 0, "SELECT count(*) FROM change_log", NULL);

  if (value)
    g_hash_table_insert (fields, g_strdup (key), g_strdup (value));
  else
    g_hash_table_remove (fields, key);
  g_assert_cmpint (mt_entity_save (f->db, actor, mt_entity_lookup ("stores"), 0, 0, fields, &error), ==, 0);
  g_assert_error (error, MT_ERROR, MT_ERROR_INVALID);
  /* a mismatched confirmation is reported on the password itself */
  g_assert_cmpstr (mt_error_get_field (error), ==,
                   g_str_equal (key, "password_confirm") ? "password" : key);
  g_assert_cmpint (mt_db_query_int (f->db, 0, "SELECT count(*) FROM stores", NULL), ==, stores);
  g_assert_cmpint (mt_db_query_int (f->db, 0, "SELECT count(*) FROM change_log", NULL), ==, journal);
}

static void
test_store_create (Fixture *f, gconstpointer data)
{
  g_autoptr(MtActor) admin = sign_in (f, "admin");
  g_autoptr(GHashTable) fields = store_fields ();
  g_autoptr(GError) error = NULL;
  g_autofree char *no = NULL;
  gint64 id;

  assert_store_refused (f, admin, "mobile", "1381234567");
  assert_store_refused (f, admin, "manager_id_card", "110105194912310021");
  assert_store_refused (f, admin, "region_code", NULL);
  assert_store_refused (f, admin, "region_code", "");
  assert_store_refused (f, admin, "region_code", "3101");        /* a city: the district is missing */
  assert_store_refused (f, admin, "hours", "22:00-08:00");
  assert_store_refused (f, admin, "password_confirm", "other-pass");
  assert_store_refused (f, admin, "colour", "red");              /* unknown field */

  id = mt_entity_save (f->db, admin, mt_entity_lookup ("stores"), 0, 0, fields, &error);
  g_assert_no_error (error);
  g_assert_cmpint (id, >, 0);
  no = mt_db_query_text (f->db, "SELECT store_no FROM stores WHERE id = ?", "i", id);
  g_assert_true (mt_validate_store_no (no));
  /* The journal row is written with the change */
  g_assert_cmpint (mt_db_query_int (f->db, 0, "SELECT count(*) FROM change_log WHERE tbl = 'stores' "
                                              "AND row_id = ? AND op = 'insert'", "i", id), ==, 1);
  g_assert_cmpint (mt_db_query_int (f->db, 0, "SELECT count (*) FROM stores WHERE password_hash LIKE '%secret-pass%'",
                                    NULL), ==, 0);
  g_assert_true (mt_db_integrity_ok (f->db));
}

static void
test_store_stale_version (Fixture *f, gconstpointer data)
{
  g_autoptr(MtActor) admin = sign_in (f, "admin");
  g_autoptr(GHashTable) fields = mt_fields_new ();
  g_autoptr(GError) error = NULL;
  gint64 version = mt_db_query_int (f->db, 0, "SELECT version FROM stores WHERE id = 1", NULL);

  g_hash_table_insert (fields, g_strdup ("name"), g_strdup ("改名门店"));
  g_assert_cmpint (mt_entity_save (f->db, admin, mt_entity_lookup ("stores"), 1, version, fields, &error), ==, 1);
  g_assert_no_error (error);
  g_assert_cmpint (mt_entity_save (f->db, admin, mt_entity_lookup ("stores"), 1, version, fields, &error), ==, 0);
  g_assert_error (error, MT_ERROR, MT_ERROR_CONFLICT);
  g_assert_cmpint (mt_db_query_int (f->db, 0, "SELECT version FROM stores WHERE id = 1", NULL), ==, version + 1);
}

static void
test_store_manager_scope (Fixture *f, gconstpointer data)
{
  g_autoptr(MtActor) manager = sign_in (f, "store");
  g_autoptr(GError) error = NULL;
  const char *pages[] = { "devices", "orders", "members" };
  gint64 other_device;
  g_autoptr(GHashTable) row = NULL;

  g_assert_cmpint (manager->store_id, >, 0);
  for (guint i = 0; i < G_N_ELEMENTS (pages); i++)
    {
      g_autoptr(MtListing) listing = mt_listing_new (f->db, manager, pages[i], &error);
      g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM %s WHERE store_id = ? AND deleted = 0",
                                              pages[i]);
      guint n;

      g_assert_no_error (error);
      n = mt_listing_count (listing);
      g_assert_cmpint (n, >, 0);
      g_assert_cmpint (n, ==, mt_db_query_int (f->db, -1, sql, "i", manager->store_id));
    }

  /* A core call for another store's row is forbidden, not merely hidden */
  other_device = mt_db_query_int (f->db, 0, "SELECT id FROM devices WHERE store_id <> ? LIMIT 1", "i",
                                  manager->store_id);
  row = mt_entity_load (f->db, manager, mt_entity_lookup ("devices"), other_device, &error);
  g_assert_null (row);
  g_assert_error (error, MT_ERROR, MT_ERROR_FORBIDDEN);
  g_clear_error (&error);
  g_assert_cmpint (mt_repair_report (f->db, manager, other_device, "store", "x", "坏了", &error), ==, 0);
  g_assert_error (error, MT_ERROR, MT_ERROR_FORBIDDEN);
  g_clear_error (&error);
  g_assert_null (mt_listing_new (f->db, manager, "accounts", &error));
  g_assert_error (error, MT_ERROR, MT_ERROR_FORBIDDEN);
}

static void
test_operator_scope (Fixture *f, gconstpointer data)
{
  g_autoptr(MtActor) hz = sign_in (f, "hangzhou");
  g_autoptr(MtActor) east = sign_in (f, "east");
  g_autoptr(GError) error = NULL;
  g_autoptr(MtListing) hz_devices = mt_listing_new (f->db, hz, "devices", &error);
  g_autoptr(MtListing) east_devices = mt_listing_new (f->db, east, "devices", &error);
  gint64 south_store = mt_db_query_int (f->db, 0, "SELECT id FROM stores WHERE operator_id = 3 LIMIT 1", NULL);
  gint64 hz_device = mt_db_query_int (f->db, 0, "SELECT id FROM devices WHERE operator_id = 5 AND state = 'ready' LIMIT 1", NULL);

  /* The sub-operator's devices are inside its parent's subtree */
  g_assert_cmpint (mt_listing_count (hz_devices), ==,
                   mt_db_query_int (f->db, 0, "SELECT count(*) FROM devices WHERE operator_id = 5", NULL));
  g_assert_cmpint (mt_listing_count (east_devices), ==,
                   mt_db_query_int (f->db, 0, "SELECT count(*) FROM devices WHERE operator_id IN (2, 5)", NULL));
  /* East cannot move a device into another operator's store */
  g_assert_false (mt_devices_transfer (f->db, east, &hz_device, 1, 0, south_store, &error));
  g_assert_error (error, MT_ERROR, MT_ERROR_INVALID);
  g_clear_error (&error);
  /* The sub-operator cannot reach its parent's operator */
  g_assert_false (mt_operator_set_enabled (f->db, hz, 2, FALSE, &error));
  g_assert_error (error, MT_ERROR, MT_ERROR_FORBIDDEN);
}

static void
test_roles_pages (Fixture *f, gconstpointer data)
{
  struct { const char *user; const char *visible; const char *hidden; } cases[] = {
    { "admin", "accounts roles settings devices orders statistics", "" },
    { "east", "accounts devices orders operators stores", "roles" },
    { "store", "devices orders members repairs alarms statistics", "accounts roles settings operators billing splits" },
    { "tech", "devices bms repairs alarms", "orders members accounts stores statistics" },
    { "finance", "orders transactions withdrawals statistics", "devices repairs accounts" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(MtActor) actor = sign_in (f, cases[i].user);
      g_auto(GStrv) visible = g_strsplit (cases[i].visible, " ", -1);
      g_auto(GStrv) hidden = g_strsplit (cases[i].hidden, " ", -1);

      for (guint v = 0; visible[v]; v++)
        g_assert_true (mt_actor_can_view (actor, visible[v]));
      for (guint h = 0; hidden[h] && hidden[h][0]; h++)
        {
          g_autoptr(GError) error = NULL;
          g_assert_false (mt_actor_can_view (actor, hidden[h]));
          if (!mt_page_has_list (hidden[h]))
            continue;
          g_assert_null (mt_listing_new (f->db, actor, hidden[h], &error));
          g_assert_error (error, MT_ERROR, MT_ERROR_FORBIDDEN);
        }
    }
}

static void
test_sign_in_refused (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MtActor) admin = sign_in (f, "admin");

  g_assert_null (mt_sign_in (f->db, "admin", "wrong-password", &error));
  g_assert_error (error, MT_ERROR, MT_ERROR_AUTH);
  g_clear_error (&error);
  g_assert_null (mt_sign_in (f->db, "nobody", MT_DEMO_PASSWORD, &error));
  g_assert_error (error, MT_ERROR, MT_ERROR_AUTH);
  g_clear_error (&error);
  /* A disabled operator shuts out its accounts and its sub-operators' */
  g_assert_true (mt_operator_set_enabled (f->db, admin, 2, FALSE, &error));
  g_assert_no_error (error);
  g_assert_null (mt_sign_in (f->db, "hangzhou", MT_DEMO_PASSWORD, &error));
  g_assert_error (error, MT_ERROR, MT_ERROR_DISABLED);
}

static void
test_repairs (Fixture *f, gconstpointer data)
{
  g_autoptr(MtActor) tech = sign_in (f, "tech");
  g_autoptr(GError) error = NULL;
  gint64 device = mt_db_query_int (f->db, 0, "SELECT id FROM devices WHERE state = 'ready' LIMIT 1", NULL);
  gint64 rented = mt_db_query_int (f->db, 0, "SELECT id FROM devices WHERE state = 'rented' LIMIT 1", NULL);
  gint64 repair;
  g_autofree char *state = NULL;

  g_assert_cmpint (mt_repair_report (f->db, tech, rented, "store", "门店", "坏了", &error), ==, 0);
  g_assert_error (error, MT_ERROR, MT_ERROR_CONFLICT);
  g_clear_error (&error);

  repair = mt_repair_report (f->db, tech, device, "member", "骑手", "无法充电", &error);
  g_assert_no_error (error);
  state = mt_db_query_text (f->db, "SELECT state FROM devices WHERE id = ?", "i", device);
  g_assert_cmpstr (state, ==, "repair");
  g_clear_pointer (&state, g_free);

#define REPAIR_VERSION(id) mt_db_query_int (f->db, 0, "SELECT version FROM repairs WHERE id = ?", "i", id)
  /* only the ticket's current version moves it: none, a negative one or a stale one is refused */
  {
    static const gint64 versions[] = { 0, -1, G_MININT64 };
    for (guint i = 0; i < G_N_ELEMENTS (versions); i++)
      {
        g_assert_false (mt_repair_progress (f->db, tech, repair, versions[i], "repairing", "拆检", 0, &error));
        g_assert_error (error, MT_ERROR, MT_ERROR_INVALID);
        g_assert_cmpstr (mt_error_get_field (error), ==, "version");
        g_clear_error (&error);
      }
    g_assert_false (mt_repair_progress (f->db, tech, repair, REPAIR_VERSION (repair) + 1, "repairing", "拆检", 0, &error));
    g_assert_error (error, MT_ERROR, MT_ERROR_CONFLICT);
    g_clear_error (&error);
  }
  /* a cost beyond the money rule, alone or added to what the ticket has, is refused on cost_fen */
  g_assert_false (mt_repair_progress (f->db, tech, repair, REPAIR_VERSION (repair), "repairing", "x",
                                      G_GINT64_CONSTANT (9223372036854775000), &error));
  g_assert_cmpstr (mt_error_get_field (error), ==, "cost_fen");
  g_clear_error (&error);
  g_assert_true (mt_repair_progress (f->db, tech, repair, REPAIR_VERSION (repair), "pending", "报价", MT_MONEY_MAX_FEN - 5000, &error));
  g_assert_false (mt_repair_progress (f->db, tech, repair, REPAIR_VERSION (repair), "pending", "加价", 5001, &error));
  g_assert_cmpstr (mt_error_get_field (error), ==, "cost_fen");
  g_clear_error (&error);
  g_assert_cmpint (mt_db_query_int (f->db, 0, "SELECT cost_fen FROM repairs WHERE id = ?", "i", repair), ==,
                   MT_MONEY_MAX_FEN - 5000);
  {
    g_autofree char *type = mt_db_query_text (f->db, "SELECT typeof (cost_fen) FROM repairs WHERE id = ?", "i", repair);
    g_assert_cmpstr (type, ==, "integer");
  }

  g_assert_true (mt_repair_progress (f->db, tech, repair, REPAIR_VERSION (repair), "repairing", "拆检", 0, &error));
  g_assert_false (mt_repair_progress (f->db, tech, repair, REPAIR_VERSION (repair), "pending", "", 0, &error));
  g_assert_error (error, MT_ERROR, MT_ERROR_CONFLICT);
  g_clear_error (&error);
  g_assert_false (mt_repair_progress (f->db, tech, repair, REPAIR_VERSION (repair), "done", "", -5, &error));
  g_assert_error (error, MT_ERROR, MT_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_true (mt_repair_progress (f->db, tech, repair, REPAIR_VERSION (repair), "done", "更换电芯", 3500, &error));
  g_assert_no_error (error);
  state = mt_db_query_text (f->db, "SELECT state FROM devices WHERE id = ?", "i", device);
  g_assert_cmpstr (state, ==, "ready");
  g_assert_cmpint (mt_db_query_int (f->db, 0, "SELECT cost_fen FROM repairs WHERE id = ?", "i", repair), ==,
                   MT_MONEY_MAX_FEN - 5000 + 3500);
  g_assert_cmpint (mt_db_query_int (f->db, 0, "SELECT count(*) FROM repair_steps WHERE repair_id = ?", "i", repair), ==, 4);
  /* Closed tickets do not move */
  g_assert_false (mt_repair_progress (f->db, tech, repair, REPAIR_VERSION (repair), "scrapped", "x", 0, &error));
  g_assert_error (error, MT_ERROR, MT_ERROR_CONFLICT);
  g_clear_error (&error);

  /* Scrapping scraps the device */
  repair = mt_repair_report (f->db, tech, device, "store", "门店", "进水", &error);
  g_assert_true (mt_repair_progress (f->db, tech, repair, REPAIR_VERSION (repair), "scrapped", "无法修复", 0, &error));
  g_clear_pointer (&state, g_free);
  state = mt_db_query_text (f->db, "SELECT state FROM devices WHERE id = ?", "i", device);
  g_assert_cmpstr (state, ==, "scrapped");
}

static void
test_transfer_rented_refused (Fixture *f, gconstpointer data)
{
  g_autoptr(MtActor) admin = sign_in (f, "admin");
  g_autoptr(GError) error = NULL;
  gint64 ids[2] = {
    mt_db_query_int (f->db, 0, "SELECT id FROM devices WHERE state = 'ready' LIMIT 1", NULL),
    mt_db_query_int (f->db, 0, "SELECT id FROM devices WHERE state = 'rented' LIMIT 1", NULL),
  };
  gint64 store0 = mt_db_query_int (f->db, 0, "SELECT store_id FROM devices WHERE id = ?", "i", ids[0]);

  g_assert_false (mt_devices_transfer (f->db, admin, ids, 2, 0, 2, &error));
  g_assert_error (error, MT_ERROR, MT_ERROR_CONFLICT);
  /* all or nothing */
  g_assert_cmpint (mt_db_query_int (f->db, 0, "SELECT store_id FROM devices WHERE id = ?", "i", ids[0]), ==, store0);
  g_clear_error (&error);
  g_assert_true (mt_devices_transfer (f->db, admin, ids, 1, 0, 2, &error));
  g_assert_cmpint (mt_db_query_int (f->db, 0, "SELECT store_id FROM devices WHERE id = ?", "i", ids[0]), ==, 2);
}

static void
test_settings (Fixture *f, gconstpointer data)
{
  g_autoptr(MtActor) admin = sign_in (f, "admin");
  g_autoptr(MtActor) east = sign_in (f, "east");
  g_autoptr(MtActor) tech = sign_in (f, "tech");
  g_autoptr(GError) error = NULL;
  g_autofree char *value = NULL;
  gint64 journal = mt_db_query_int (f->db, 0, "SELECT count(*) FROM change_log", NULL);

  /* refused: unknown key, out of range, not a switch value, a tile URL without {x}, no permission */
  g_assert_false (mt_setting_set (f->db, admin, "colour", "red", &error));
  g_assert_error (error, MT_ERROR, MT_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (mt_setting_set (f->db, admin, "overdue_grace_hours", "1000", &error));
  g_assert_error (error, MT_ERROR, MT_ERROR_INVALID);
  g_assert_cmpstr (mt_error_get_field (error), ==, "overdue_grace_hours");
  g_clear_error (&error);
  g_assert_false (mt_setting_set (f->db, admin, "overdue_power_cut", "maybe", &error));
  g_assert_error (error, MT_ERROR, MT_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (mt_setting_set (f->db, admin, "tile_url", "https://tiles.example/{z}/{y}.png", &error));
  g_assert_error (error, MT_ERROR, MT_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (mt_setting_set (f->db, tech, "overdue_grace_hours", "12", &error));
  g_assert_error (error, MT_ERROR, MT_ERROR_FORBIDDEN);
  g_clear_error (&error);
  g_assert_cmpint (mt_db_query_int (f->db, 0, "SELECT count(*) FROM change_log", NULL), ==, journal);

  /* an operator's own value overrides headquarters' for its subtree only */
  g_assert_true (mt_setting_set (f->db, east, "overdue_grace_hours", " 12 ", &error));
  g_assert_no_error (error);
  value = mt_setting_get (f->db, east->operator_id, "overdue_grace_hours");
  g_assert_cmpstr (value, ==, "12");
  g_clear_pointer (&value, g_free);
  value = mt_setting_get (f->db, admin->operator_id, "overdue_grace_hours");
  g_assert_cmpstr (value, ==, "24");
  g_clear_pointer (&value, g_free);
  g_assert_true (mt_setting_set (f->db, admin, "overdue_power_cut", "0", &error));
  value = mt_setting_get (f->db, admin->operator_id, "overdue_power_cut");
  g_assert_cmpstr (value, ==, "false");
  g_clear_pointer (&value, g_free);

  /* map tiles: a preset by name, Tianditu only with a key, or an address of one's own */
  {
    static const char *const refused[] = {
      "tianditu", "tianditu:", "tianditu:abc", "tianditu:0123456789abcdef'", "amap:key", "osm2",
      "ftp://tiles.example/{z}/{x}/{y}.png", "https://tiles.example/{z}/{x}.png",
    };
    g_autoptr(MtTileChoice) osm = NULL;
    g_autoptr(MtTileChoice) amap = NULL;
    g_autoptr(MtTileChoice) tianditu = NULL;
    g_autoptr(MtTileChoice) own = NULL;
    g_autoptr(MtTileChoice) env = NULL;
    g_autofree char *shown = NULL;

    for (guint i = 0; i < G_N_ELEMENTS (refused); i++)
      {
        g_test_message ("%s", refused[i]);
        g_assert_false (mt_setting_set (f->db, admin, "tile_url", refused[i], &error));
        g_assert_error (error, MT_ERROR, MT_ERROR_INVALID);
        g_assert_cmpstr (mt_error_get_field (error), ==, "tile_url");
        g_clear_error (&error);
      }
    g_assert_true (mt_setting_set (f->db, admin, "tile_url", "osm", &error));
    osm = mt_tile_choice_get (f->db, admin->operator_id, NULL);
    g_assert_cmpstr (osm->url, ==, "https://tile.openstreetmap.org/{z}/{x}/{y}.png");
    g_assert_false (osm->gcj02);
    g_assert_null (osm->labels_url);
    g_assert_true (mt_setting_set (f->db, admin, "tile_url", "amap", &error));
    amap = mt_tile_choice_get (f->db, admin->operator_id, NULL);
    g_assert_true (amap->gcj02);
    g_assert_cmpstr (amap->servers, ==, "1234");
    g_assert_nonnull (strstr (amap->url, "autonavi.com"));
    g_assert_true (mt_setting_set (f->db, admin, "tile_url", "tianditu:0123456789abcdef0123456789abcdef", &error));
    g_assert_no_error (error);
    tianditu = mt_tile_choice_get (f->db, admin->operator_id, NULL);
    g_assert_false (tianditu->gcj02);
    g_assert_nonnull (strstr (tianditu->url, "tk=0123456789abcdef0123456789abcdef"));
    g_assert_nonnull (strstr (tianditu->url, "LAYER=vec"));
    g_assert_nonnull (strstr (tianditu->labels_url, "LAYER=cva"));
    value = mt_setting_get (f->db, admin->operator_id, "tile_url");
    shown = mt_setting_format ("tile_url", value);
    g_assert_cmpstr (shown, ==, _("Tianditu"));
    g_clear_pointer (&value, g_free);
    /* one's own address keeps its attribution and coordinates; the environment wins over all */
    g_assert_true (mt_setting_set (f->db, admin, "tile_url", "https://tiles.example/{z}/{x}/{y}.png", &error));
    g_assert_true (mt_setting_set (f->db, admin, "tile_gcj02", "true", &error));
    own = mt_tile_choice_get (f->db, admin->operator_id, NULL);
    g_assert_true (own->gcj02);
    g_assert_cmpstr (own->name, ==, "tiles.example");
    env = mt_tile_choice_get (f->db, admin->operator_id, "http://127.0.0.1:9/{z}/{x}/{y}.png");
    g_assert_false (env->gcj02);
    g_assert_cmpstr (env->url, ==, "http://127.0.0.1:9/{z}/{x}/{y}.png");
  }
  /* the geocoder: none, or an address with {q} */
  g_assert_false (mt_setting_set (f->db, admin, "geocoder_url", "https://geo.example/search", &error));
  g_assert_error (error, MT_ERROR, MT_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_true (mt_setting_set (f->db, admin, "geocoder_url", "http://127.0.0.1:1/search?q={q}", &error));
  g_assert_true (mt_setting_set (f->db, admin, "geocoder_url", "none", &error));
  g_assert_no_error (error);
}

/* 地图搜索 offline: shipped regions at their stores or over their province, and stores by name
 * or address, within the account's scope */
static void
test_place_search (Fixture *f, gconstpointer data)
{
  g_autoptr(MtActor) admin = sign_in (f, "admin");
  g_autoptr(MtActor) store = sign_in (f, "store");
  g_autoptr(GPtrArray) places = NULL;
  g_autofree char *store_name = NULL;
  g_autofree char *other_name = NULL;
  const MtFoundPlace *p;
  const MtProvinceOutline *zhejiang = mt_china_outline_province ("33");

  /* a province no store is in: its outline's bounds */
  g_assert_nonnull (zhejiang);
  places = mt_read_places (f->db, admin, "西藏", 5);
  g_assert_cmpuint (places->len, >=, 1);
  p = places->pdata[0];
  g_assert_cmpstr (p->name, ==, "西藏自治区");
  g_assert_cmpfloat (p->south, <, 29.65);
  g_assert_cmpfloat (p->north, >, 29.65);
  g_assert_cmpfloat (p->west, <, 91.1);
  g_assert_cmpfloat (p->east, >, 91.1);
  g_clear_pointer (&places, g_ptr_array_unref);
  /* a city: the whole name first, with its province named */
  places = mt_read_places (f->db, admin, "杭州市", 5);
  g_assert_cmpuint (places->len, >=, 1);
  p = places->pdata[0];
  g_assert_cmpstr (p->name, ==, "杭州市");
  g_assert_cmpstr (p->detail, ==, "浙江省");
  g_assert_cmpfloat (p->at.lat, >, zhejiang->south);
  g_assert_cmpfloat (p->at.lat, <, zhejiang->north);
  g_clear_pointer (&places, g_ptr_array_unref);
  /* stores: the account's own, by name, at their position; another operator's store not found */
  store_name = mt_db_query_text (f->db, "SELECT name FROM stores WHERE id = ?", "i", store->store_id);
  other_name = mt_db_query_text (f->db, "SELECT name FROM stores WHERE operator_id <> ? AND lat IS NOT NULL "
                                        "ORDER BY id LIMIT 1", "i", store->operator_id);
  places = mt_read_places (f->db, store, store_name, 5);
  g_assert_cmpuint (places->len, >=, 1);
  p = places->pdata[places->len - 1];
  g_assert_cmpstr (p->name, ==, store_name);
  g_assert_cmpfloat (p->south, ==, 0);
  g_clear_pointer (&places, g_ptr_array_unref);
  if (other_name != NULL && g_strcmp0 (other_name, store_name) != 0)
    {
      places = mt_read_places (f->db, store, other_name, 5);
      for (guint i = 0; i < places->len; i++)
        g_assert_cmpstr (((MtFoundPlace *) places->pdata[i])->name, !=, other_name);
      g_clear_pointer (&places, g_ptr_array_unref);
    }
  /* nothing, or hostile text: no place, no error */
  places = mt_read_places (f->db, admin, "  ", 5);
  g_assert_cmpuint (places->len, ==, 0);
  g_clear_pointer (&places, g_ptr_array_unref);
  places = mt_read_places (f->db, admin, "%' OR 1=1 --", 5);
  g_assert_cmpuint (places->len, ==, 0);
}

static char *
file_digest (const char *path)
{
  g_autofree char *contents = NULL;
  gsize len = 0;

  if (!g_file_get_contents (path, &contents, &len, NULL))
    return g_strdup ("absent");
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) contents, len);
}

/* A backup of the live database holds it all and passes every check; what it holds is said */
static void
test_backup_write (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_build_filename (f->dir, "backups", NULL);
  g_autofree char *path = NULL;
  g_autoptr(GPtrArray) listed = NULL;
  MtBackupInfo info = { 0 };
  gint64 orders = mt_db_query_int (f->db, 0, "SELECT count (*) FROM orders WHERE deleted = 0", NULL);

  /* written while this connection holds a write open elsewhere in the file's life: WAL */
  g_assert_true (mt_db_run (f->db, NULL, "UPDATE members SET name = name WHERE id = 1", NULL));
  path = mt_backup_write (f->path, dir, &error);
  g_assert_no_error (error);
  g_assert_nonnull (path);
  {
    g_autofree char *part = g_strconcat (path, ".part", NULL);
    g_assert_false (g_file_test (part, G_FILE_TEST_EXISTS));
  }
  g_assert_true (mt_backup_check (path, &info, &error));
  g_assert_no_error (error);
  g_assert_cmpint (info.version, ==, mt_db_latest_version ());
  g_assert_cmpint (info.orders, ==, orders);
  g_assert_cmpint (info.devices, ==, mt_db_query_int (f->db, 0, "SELECT count (*) FROM devices WHERE deleted = 0", NULL));
  g_assert_nonnull (info.last_order_no);
  g_assert_cmpint (info.last_order_at, >, 0);
  g_assert_cmpint (info.size, >, 0);
  mt_backup_info_clear (&info);
  /* the backup is a file of its own, checked without a trace left beside it */
  {
    g_autofree char *wal = g_strconcat (path, "-wal", NULL);
    g_autofree char *shm = g_strconcat (path, "-shm", NULL);

    g_assert_false (g_file_test (wal, G_FILE_TEST_EXISTS));
    g_assert_false (g_file_test (shm, G_FILE_TEST_EXISTS));
  }
  listed = mt_backup_list (dir);
  g_assert_cmpuint (listed->len, ==, 1);
  g_assert_cmpstr (listed->pdata[0], ==, path);
  g_assert_cmpint (mt_backup_latest_time (dir), >, g_get_real_time () - 60 * G_USEC_PER_SEC);
}

/* Rotation keeps the newest of each of the last days, weeks and months */
static void
test_backup_rotate (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_build_filename (f->dir, "rotate", NULL);
  g_autoptr(GDateTime) now = g_date_time_new_local (2026, 12, 3, 3, 0, 0);
  g_autoptr(GPtrArray) left = NULL;
  g_autoptr(GHashTable) kept = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *last_day = g_build_filename (dir, "mingtang-20261203-120000.db", NULL);
  g_autofree char *stranger = g_build_filename (dir, "notes.txt", NULL);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  /* a backup a day for 400 days, two on the last day, and a stranger that is not a backup */
  for (int d = 0; d < 400; d++)
    {
      g_autoptr(GDateTime) at = g_date_time_add_days (now, -d);
      g_autofree char *stamp = g_date_time_format (at, "%Y%m%d-%H%M%S");
      g_autofree char *name = g_strdup_printf ("%s/mingtang-%s.db", dir, stamp);

      g_assert_true (g_file_set_contents (name, "x", 1, NULL));
    }
  g_assert_true (g_file_set_contents (last_day, "x", 1, NULL));
  g_assert_true (g_file_set_contents (stranger, "x", 1, NULL));
  g_assert_cmpuint (mt_backup_rotate (dir, 7, 4, 12, &error), >, 370);
  g_assert_no_error (error);
  left = mt_backup_list (dir);
  for (guint i = 0; i < left->len; i++)
    g_hash_table_add (kept, g_path_get_basename (left->pdata[i]));
  /* 7 days (the later of the last day's two), weeks and months besides: at most 7 + 4 + 12 */
  g_assert_cmpuint (left->len, <=, 23);
  g_assert_cmpuint (left->len, >=, 12 + 7 - 2);
  g_assert_true (g_hash_table_contains (kept, "mingtang-20261203-120000.db"));
  g_assert_false (g_hash_table_contains (kept, "mingtang-20261203-030000.db"));
  g_assert_true (g_hash_table_contains (kept, "mingtang-20261127-030000.db"));    /* the 7th day */
  g_assert_false (g_hash_table_contains (kept, "mingtang-20251101-030000.db"));   /* 13 months back */
  g_assert_true (g_file_test (stranger, G_FILE_TEST_EXISTS));
}

/* Restore: an older schema's backup is migrated and takes the database's place, the database it
 * replaced kept aside; a damaged or foreign backup is refused naming why, nothing touched */
static void
test_backup_restore (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *old = g_build_filename (f->dir, "v16.db", NULL);
  g_autofree char *before = NULL;
  g_autofree char *aside = NULL;
  g_autofree char *good = NULL;
  g_autofree char *dir = g_build_filename (f->dir, "backups", NULL);
  MtBackupInfo info = { 0 };
  MtDb *db;

  good = mt_backup_write (f->path, dir, &error);
  g_assert_no_error (error);
  mt_db_close (f->db);
  f->db = NULL;

  /* refused, each with its reason, the database left as it was */
  {
    g_autofree char *text = g_build_filename (f->dir, "notes.db", NULL);
    g_autofree char *foreign = g_build_filename (f->dir, "foreign.db", NULL);
    g_autofree char *cut = g_build_filename (f->dir, "cut.db", NULL);
    g_autofree char *newer = g_build_filename (f->dir, "newer.db", NULL);
    g_autofree char *unbalanced = g_build_filename (f->dir, "unbalanced.db", NULL);
    g_autofree char *flipped = g_build_filename (f->dir, "flipped.db", NULL);
    g_autofree char *absent = g_build_filename (f->dir, "absent.db", NULL);
    g_autofree char *contents = NULL;
    gsize len = 0;
    sqlite3 *handle = NULL;
    const struct { const char *path; int code; const char *says; } cases[] = {
      { text, MT_ERROR_CORRUPT, _("it is not a database") },
      { foreign, MT_ERROR_CORRUPT, _("it is an SQLite database, but not a Mingtang database") },
      { cut, MT_ERROR_CORRUPT, NULL },
      { flipped, MT_ERROR_CORRUPT, NULL },
      { newer, MT_ERROR_TOO_NEW, "999" },
      { unbalanced, MT_ERROR_CORRUPT, NULL },
      { absent, MT_ERROR_CORRUPT, _("the file cannot be read") },
    };

    g_assert_true (g_file_set_contents (text, "订单, 金额\n1, 2\n", -1, NULL));
    g_assert_cmpint (sqlite3_open (foreign, &handle), ==, SQLITE_OK);
    g_assert_cmpint (sqlite3_exec (handle, "CREATE TABLE t (x); INSERT INTO t VALUES (1)", NULL, NULL, NULL), ==, SQLITE_OK);
    sqlite3_close (handle);
    g_assert_true (g_file_get_contents (good, &contents, &len, NULL));
    g_assert_true (g_file_set_contents (cut, contents, len / 2, NULL));
    /* a page in the middle overwritten: what a failing disk leaves */
    memset (contents + len / 2, 0x5a, 4096);
    g_assert_true (g_file_set_contents (flipped, contents, len, NULL));
    g_clear_pointer (&contents, g_free);
    g_assert_true (g_file_get_contents (good, &contents, &len, NULL));
    g_assert_true (g_file_set_contents (newer, contents, len, NULL));
    g_assert_cmpint (sqlite3_open (newer, &handle), ==, SQLITE_OK);
    g_assert_cmpint (sqlite3_exec (handle, "PRAGMA user_version = 999", NULL, NULL, NULL), ==, SQLITE_OK);
    sqlite3_close (handle);
    g_assert_true (g_file_set_contents (unbalanced, contents, len, NULL));
    g_assert_cmpint (sqlite3_open (unbalanced, &handle), ==, SQLITE_OK);
    g_assert_cmpint (sqlite3_exec (handle, "UPDATE members SET balance_fen = balance_fen + 1 WHERE id = "
                                           "(SELECT min (id) FROM members)", NULL, NULL, NULL), ==, SQLITE_OK);
    sqlite3_close (handle);

    before = file_digest (f->path);
    for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
      {
        g_autoptr(GError) refused = NULL;
        g_autofree char *staging = g_strconcat (f->path, ".restoring", NULL);

        g_test_message ("%s", cases[i].path);
        g_assert_false (mt_backup_check (cases[i].path, NULL, &refused));
        g_assert_error (refused, MT_ERROR, cases[i].code);
        g_clear_error (&refused);
        g_assert_false (mt_backup_restore (cases[i].path, f->path, NULL, &aside, &refused));
        g_assert_error (refused, MT_ERROR, cases[i].code);
        g_test_message ("%s", refused->message);
        if (cases[i].says)
          g_assert_nonnull (strstr (refused->message, cases[i].says));
        g_assert_null (aside);
        g_assert_false (g_file_test (staging, G_FILE_TEST_EXISTS));
        {
          g_autofree char *now = file_digest (f->path);
          g_assert_cmpstr (now, ==, before);
        }
      }
  }

  /* a backup of schema 16 with a member and money: migrated on the way in */
  db = mt_db_open_at_version (old, 16, &error);
  g_assert_no_error (error);
  g_assert_true (mt_db_exec (db, "INSERT INTO operators (created_at, updated_at, path, name) VALUES (1, 1, '/1/', 'HQ');"
                                 "INSERT INTO roles (created_at, updated_at, operator_id, name, builtin, permissions) "
                                 "VALUES (1, 1, 1, '店长', 'store_manager', 'devices:view members:view')", &error));
  g_assert_no_error (error);
  mt_db_close (db);
  g_assert_true (mt_backup_check (old, &info, &error));
  g_assert_no_error (error);
  g_assert_cmpint (info.version, ==, 16);
  g_assert_cmpint (info.orders, ==, 0);
  mt_backup_info_clear (&info);
  g_assert_true (mt_backup_restore (old, f->path, &info, &aside, &error));
  g_assert_cmpint (info.version, ==, 16);
  mt_backup_info_clear (&info);
  g_assert_no_error (error);
  g_assert_nonnull (aside);
  {
    g_autofree char *kept = file_digest (aside);
    g_assert_cmpstr (kept, ==, before);   /* the database replaced, whole, aside */
  }
  f->db = mt_db_open (f->path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (mt_db_get_version (f->db), ==, mt_db_latest_version ());
  g_assert_cmpint (mt_db_query_int (f->db, 0, "SELECT count (*) FROM operators", NULL), ==, 1);
  {
    /* the role was given what the pages added since schema 16 */
    g_autofree char *perms = mt_db_query_text (f->db, "SELECT ' ' || permissions || ' ' FROM roles", NULL);
    g_assert_nonnull (strstr (perms, " member_cards:refund "));
  }
  g_assert_true (mt_ledger_reconcile (f->db, NULL));
  /* and back to the good one */
  mt_db_close (f->db);
  g_clear_pointer (&aside, g_free);
  g_assert_true (mt_backup_restore (good, f->path, NULL, &aside, &error));
  g_assert_no_error (error);
  f->db = mt_db_open (f->path, &error);
  g_assert_cmpint (mt_db_query_int (f->db, 0, "SELECT count (*) FROM orders", NULL), >, 1000);
}

static void
test_labels (Fixture *f, gconstpointer data)
{
  g_autoptr(MtActor) admin = sign_in (f, "admin");
  g_autoptr(MtActor) store = sign_in (f, "store");
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (f->dir, "labels.pdf", NULL);
  g_autofree char *pdf = NULL;
  gint64 ids[30];
  gint64 foreign;
  gsize len = 0;
  guint pages = 0;

  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    ids[i] = mt_db_query_int (f->db, 0, "SELECT id FROM devices ORDER BY id LIMIT 1 OFFSET ?", "i", (gint64) i);
  g_assert_true (mt_devices_write_labels (f->db, admin, ids, G_N_ELEMENTS (ids), path, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (path, &pdf, &len, NULL));
  g_assert_true (g_str_has_prefix (pdf, "%PDF-"));
  /* the PDF holds binary streams: compare bytes, not strings */
  for (gsize i = 0; i + 12 <= len; i++)
    if (memcmp (pdf + i, "/Type /Page", 11) == 0 && pdf[i + 11] != 's')
      pages++;
  g_assert_cmpuint (pages, ==, (G_N_ELEMENTS (ids) + MT_LABELS_PER_PAGE - 1) / MT_LABELS_PER_PAGE);
  g_unlink (path);

  /* a store manager prints only its own devices; nothing is written otherwise */
  foreign = mt_db_query_int (f->db, 0, "SELECT id FROM devices WHERE coalesce (store_id, 0) <> ? LIMIT 1",
                             "i", store->store_id);
  g_assert_false (mt_devices_write_labels (f->db, store, &foreign, 1, path, NULL, NULL, &error));
  g_assert_error (error, MT_ERROR, MT_ERROR_FORBIDDEN);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  g_clear_error (&error);
  g_assert_false (mt_devices_write_labels (f->db, admin, (gint64[]) { 99999999 }, 1, path, NULL, NULL, &error));
  g_assert_error (error, MT_ERROR, MT_ERROR_NOT_FOUND);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
}

static void
test_export_filtered (Fixture *f, gconstpointer data)
{
  g_autoptr(MtActor) admin = sign_in (f, "admin");
  g_autoptr(GError) error = NULL;
  g_autoptr(MtListing) listing = mt_listing_new (f->db, admin, "devices", &error);
  g_autofree char *csv = g_build_filename (f->dir, "devices.csv", NULL);
  g_autofree char *xlsx = g_build_filename (f->dir, "devices.xlsx", NULL);
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;
  guint expected;

  mt_listing_set_state (listing, "ready");
  mt_listing_set_filter (listing, "type", "1");
  expected = mt_db_query_int (f->db, 0, "SELECT count(*) FROM devices WHERE state = 'ready' AND type_id = 1", NULL);
  g_assert_cmpint (mt_listing_count (listing), ==, expected);
  g_assert_true (mt_listing_export_csv (listing, csv, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (csv, &contents, NULL, NULL));
  lines = g_strsplit (contents, "\r\n", -1);
  g_assert_cmpint (g_strv_length (lines), ==, expected + 2);  /* header, rows, empty tail */
  for (guint i = 1; i <= expected; i++)
    {
      g_autofree char *no = g_strndup (lines[i], strchr (lines[i], ',') - lines[i]);
      g_assert_cmpint (mt_db_query_int (f->db, 0, "SELECT count(*) FROM devices WHERE device_no = ? "
                                                  "AND state = 'ready' AND type_id = 1", "t", no), ==, 1);
    }
  g_assert_true (mt_listing_export_xlsx (listing, xlsx, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_test (xlsx, G_FILE_TEST_IS_REGULAR));
  g_unlink (csv);
  g_unlink (xlsx);

  /* a copy on another connection, as a worker thread exports it: the same rows, its progress
   * counted; cancelled, nothing is left behind */
  {
    g_autoptr(MtDb) other = mt_db_open (mt_db_get_path (f->db), &error);
    g_autoptr(MtListing) copy = mt_listing_copy (listing, NULL);
    g_autoptr(GCancellable) cancellable = g_cancellable_new ();
    g_autofree char *again = NULL;
    MtProgress progress = { 0 };

    g_assert_no_error (error);
    mt_listing_set_state (listing, NULL);   /* the copy does not follow the original */
    mt_listing_set_db (copy, other);
    g_assert_cmpint (mt_listing_count (copy), ==, expected);
    g_assert_true (mt_listing_export_csv (copy, csv, NULL, &progress, &error));
    g_assert_no_error (error);
    g_assert_cmpint (progress.total, ==, expected);
    g_assert_cmpint (progress.done, ==, expected);
    g_assert_true (g_file_get_contents (csv, &again, NULL, NULL));
    g_assert_cmpstr (again, ==, contents);
    g_unlink (csv);
    g_cancellable_cancel (cancellable);
    g_assert_false (mt_listing_export_xlsx (copy, xlsx, cancellable, NULL, &error));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
    g_clear_error (&error);
    g_assert_false (mt_listing_export_csv (copy, csv, cancellable, NULL, &error));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
    g_assert_false (g_file_test (csv, G_FILE_TEST_EXISTS));
    g_assert_false (g_file_test (xlsx, G_FILE_TEST_EXISTS));
    {
      g_autofree char *part = g_strconcat (xlsx, ".part", NULL);
      g_assert_false (g_file_test (part, G_FILE_TEST_EXISTS));
    }
  }
}

static void
test_every_listing (Fixture *f, gconstpointer data)
{
  g_autoptr(MtActor) admin = sign_in (f, "admin");
  guint n_pages;
  const MtPageInfo *pages = mt_pages (&n_pages);

  for (guint i = 0; i < n_pages; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(MtListing) listing = NULL;
      g_autoptr(GPtrArray) rows = NULL;
      guint n_columns;

      if (!mt_page_has_list (pages[i].id))
        {
          g_assert_null (mt_listing_new (f->db, admin, pages[i].id, &error));
          g_assert_error (error, MT_ERROR, MT_ERROR_NOT_FOUND);
          continue;
        }
      listing = mt_listing_new (f->db, admin, pages[i].id, &error);
      g_assert_no_error (error);
      mt_listing_set_search (listing, "%_'\";--");
      if (!g_str_equal (pages[i].id, "alarm_types"))   /* a fixed list: nothing to search */
        g_assert_cmpint (mt_listing_count (listing), ==, 0);
      mt_listing_set_search (listing, NULL);
      rows = mt_listing_fetch (listing, 0, 50);
      g_assert_cmpint (rows->len, ==, MIN (50u, mt_listing_count (listing)));
      if (!g_str_equal (pages[i].id, "geofences") && !g_str_equal (pages[i].id, "campaigns"))
        g_assert_cmpint (rows->len, >, 0);
      mt_listing_get_columns (listing, &n_columns);
      g_assert_true (mt_listing_set_sort (listing, mt_listing_get_columns (listing, &n_columns)[n_columns - 1].key, TRUE));
      g_clear_pointer (&rows, g_ptr_array_unref);
      rows = mt_listing_fetch (listing, 0, 5);
      g_assert_cmpint (rows->len, <=, 5);

      /* the count (taken from a lighter grouped query) is exactly the rows the view shows */
      for (guint view = 0; view < 3; view++)
        {
          const MtChoice *states = mt_listing_get_states (listing);
          guint n;

          mt_listing_set_search (listing, view == 1 ? "1" : NULL);
          mt_listing_set_state (listing, view == 2 && states ? states[0].value : NULL);
          n = mt_listing_count (listing);
          g_clear_pointer (&rows, g_ptr_array_unref);
          rows = mt_listing_fetch (listing, 0, n + 10);
          if (!mt_listing_count_is_exact (listing))
            {
              /* past the limit the count says "more than", and counts them all when asked */
              g_assert_cmpuint (n, ==, MT_LISTING_COUNT_LIMIT + 1);
              g_assert_cmpuint (rows->len, >, MT_LISTING_COUNT_LIMIT);
              mt_listing_set_count_limit (listing, 0);
              n = mt_listing_count (listing);
              g_assert_true (mt_listing_count_is_exact (listing));
              g_clear_pointer (&rows, g_ptr_array_unref);
              rows = mt_listing_fetch (listing, 0, n + 10);
              mt_listing_set_count_limit (listing, MT_LISTING_COUNT_LIMIT);
            }
          g_assert_cmpuint (rows->len, ==, n);
        }
    }
}

/* Cached counts follow changes made meanwhile */
static void
test_listing_counts_follow_changes (Fixture *f, gconstpointer data)
{
  g_autoptr(MtActor) admin = sign_in (f, "admin");
  g_autoptr(GError) error = NULL;
  g_autoptr(MtListing) listing = mt_listing_new (f->db, admin, "devices", &error);
  gint64 ready = mt_db_query_int (f->db, 0, "SELECT id FROM devices WHERE state = 'ready' LIMIT 1", NULL);
  guint total, before, *counts;

  mt_listing_set_state (listing, "repair");
  before = mt_listing_count (listing);
  g_free (mt_listing_state_counts (listing, &total));
  g_assert_cmpint (mt_repair_report (f->db, admin, ready, "store", "门店", "不亮", &error), >, 0);
  g_assert_no_error (error);
  g_assert_cmpuint (mt_listing_count (listing), ==, before + 1);
  counts = mt_listing_state_counts (listing, &total);
  g_assert_cmpuint (counts[2], ==, before + 1);   /* ready · rented · repair · scrapped */
  g_free (counts);
}

static int
compare_lines (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

static int
compare_ids (gconstpointer a,
             gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

/* Every row of the listing, each as "id|cells", sorted: what a plan found */
static GPtrArray *
listing_rows (MtListing *listing)
{
  g_autoptr(GPtrArray) rows = mt_listing_fetch (listing, 0, 1000000);
  GPtrArray *lines = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < rows->len; i++)
    {
      MtListRow *row = rows->pdata[i];
      g_autofree char *cells = g_strjoinv ("|", row->cells);

      g_ptr_array_add (lines, g_strdup_printf ("%" G_GINT64_FORMAT "|%s", row->id, cells));
    }
  g_ptr_array_sort (lines, compare_lines);
  return lines;
}

/* The ids @sql selects with the search text bound as ?1 and its LIKE pattern as ?2 */
static GArray *
oracle_ids (MtDb       *db,
            const char *sql,
            const char *text)
{
  g_autoptr(GString) pattern = g_string_new ("%");
  GArray *ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  sqlite3_stmt *stmt;

  for (const char *p = text; *p; p++)
    {
      if (*p == '%' || *p == '_' || *p == '\\')
        g_string_append_c (pattern, '\\');
      g_string_append_c (pattern, *p);
    }
  g_string_append_c (pattern, '%');
  stmt = mt_db_prepare (db, NULL, sql, "tt", text, pattern->str);
  g_assert_nonnull (stmt);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (stmt, 0);
      g_array_append_val (ids, id);
    }
  sqlite3_reset (stmt);
  return ids;
}

/* A search reads indexes when its matches are few and scans the list when they are many: every
 * way of planning it finds the same rows, the ones its words say (numbers from their start,
 * mobiles and names anywhere), and nothing a hostile text could smuggle in */
static void
test_listing_search_plans (Fixture *f, gconstpointer data)
{
  g_autoptr(MtActor) admin = sign_in (f, "admin");
  g_autoptr(MtActor) store = sign_in (f, "store");
  g_autofree char *device = mt_db_query_text (f->db, "SELECT d.device_no FROM orders r JOIN devices d ON d.id = r.device_id "
                                                     "ORDER BY r.id LIMIT 1", NULL);
  g_autofree char *mobile = mt_db_query_text (f->db, "SELECT mobile FROM members ORDER BY id LIMIT 1 OFFSET 7", NULL);
  g_autofree char *name = mt_db_query_text (f->db, "SELECT name FROM members ORDER BY id LIMIT 1 OFFSET 7", NULL);
  g_autofree char *order = mt_db_query_text (f->db, "SELECT order_no FROM orders ORDER BY id LIMIT 1 OFFSET 5", NULL);
  g_autofree char *txn = mt_db_query_text (f->db, "SELECT txn_no FROM ledger ORDER BY id LIMIT 1 OFFSET 9", NULL);
  g_autofree char *order_start = g_ascii_strdown (order, 8);
  g_autofree char *surname = g_utf8_substring (name, 0, 1);
  g_autofree char *tail = g_strdup (device + strlen (device) - 4);
  g_autofree char *long_text = g_strnfill (400, '9');
  const char *texts[] = { "13", device, tail, mobile, name, surname, order, order_start, txn, "%", "_", "\\", "'",
                          "\xf4\x8f\xbf\xbf", long_text };
  const char *pages[] = { "orders", "rentals", "transactions", "deposits", "deposit_refunds", "splits", "members",
                          "devices", "monitor", "bms", "tracks", "recharges", "repairs", "alarms", "stores" };
  const struct { guint ids_max, index_rows; } plans[] = { { 20000, 20000 }, { 0, 0 }, { 100000, 0 }, { 100000, 100000 } };
  guint found = 0;

  for (guint a = 0; a < 2; a++)
    for (guint p = 0; p < G_N_ELEMENTS (pages); p++)
      for (guint t = 0; t < G_N_ELEMENTS (texts); t++)
        {
          g_autoptr(GPtrArray) first = NULL;
          MtActor *actor = a == 0 ? admin : store;

          if (!mt_actor_can_view (actor, pages[p]))
            continue;
          for (guint k = 0; k < G_N_ELEMENTS (plans); k++)
            {
              g_autoptr(GError) error = NULL;
              g_autoptr(MtListing) listing = mt_listing_new (f->db, actor, pages[p], &error);
              g_autoptr(GPtrArray) rows = NULL;

              g_assert_no_error (error);
              _mt_listing_set_planning (listing, plans[k].ids_max, plans[k].index_rows, TRUE);
              mt_listing_set_count_limit (listing, 0);
              mt_listing_set_search (listing, texts[t]);
              rows = listing_rows (listing);
              g_assert_cmpuint (mt_listing_count (listing), ==, rows->len);
              g_assert_true (mt_listing_count_is_exact (listing));
              if (first == NULL)
                {
                  first = g_steal_pointer (&rows);
                  found += first->len > 0;
                  continue;
                }
              if (rows->len != first->len)
                g_error ("%s, “%s”, plan %u: %u rows, plan 0: %u", pages[p], texts[t], k, rows->len, first->len);
              for (guint i = 0; i < rows->len; i++)
                g_assert_cmpstr (rows->pdata[i], ==, first->pdata[i]);
            }
        }
  g_assert_cmpuint (found, >, 40);

  /* what the words say, against plain SQL over the joined rows */
  for (guint t = 0; t < G_N_ELEMENTS (texts); t++)
    {
      static const struct { const char *page, *sql; } oracles[] = {
        { "orders", "SELECT r.id FROM orders r LEFT JOIN devices d ON d.id = r.device_id LEFT JOIN members m "
                    "ON m.id = r.member_id WHERE r.deleted = 0 AND (substr (r.order_no, 1, length (?1)) IN (?1, upper (?1)) "
                    "OR d.device_no LIKE ?2 ESCAPE '\\' OR m.mobile LIKE ?2 ESCAPE '\\' OR m.name LIKE ?2 ESCAPE '\\') "
                    "ORDER BY r.id" },
        { "transactions", "SELECT l.id FROM ledger l LEFT JOIN orders r ON r.id = l.order_id LEFT JOIN members m "
                          "ON m.id = l.member_id WHERE l.deleted = 0 AND (substr (l.txn_no, 1, length (?1)) IN (?1, upper (?1)) "
                          "OR substr (r.order_no, 1, length (?1)) IN (?1, upper (?1)) OR m.mobile LIKE ?2 ESCAPE '\\' "
                          "OR m.name LIKE ?2 ESCAPE '\\') ORDER BY l.id" },
        { "devices", "SELECT id FROM devices WHERE deleted = 0 AND (device_no LIKE ?2 ESCAPE '\\' "
                     "OR name LIKE ?2 ESCAPE '\\') ORDER BY id" },
      };

      for (guint o = 0; o < G_N_ELEMENTS (oracles); o++)
        {
          g_autoptr(GError) error = NULL;
          g_autoptr(MtListing) listing = mt_listing_new (f->db, admin, oracles[o].page, &error);
          g_autoptr(GArray) expected = oracle_ids (f->db, oracles[o].sql, texts[t]);
          g_autoptr(GPtrArray) rows = NULL;
          g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));

          mt_listing_set_search (listing, texts[t]);
          rows = mt_listing_fetch (listing, 0, 1000000);
          for (guint i = 0; i < rows->len; i++)
            g_array_append_val (ids, ((MtListRow *) rows->pdata[i])->id);
          g_array_sort (ids, compare_ids);
          g_assert_cmpuint (ids->len, ==, expected->len);
          for (guint i = 0; i < ids->len; i++)
            g_assert_cmpint (g_array_index (ids, gint64, i), ==, g_array_index (expected, gint64, i));
        }
    }
}

/* The big lists' counts kept per owner and state equal the rows counted, for every scope and
 * the owner filters, and stay so through inserts, moves, state changes and tombstones; a count
 * that drifted is found by the check */
static void
assert_kept_counts (Fixture *f)
{
  const char *users[] = { "admin", "east", "hangzhou", "store", "finance" };
  const char *pages[] = { "devices", "members", "orders", "rentals", "deposits", "transactions", "splits", "bms" };
  g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func (g_free);
  gint64 store_id = mt_db_query_int (f->db, 0, "SELECT store_id FROM orders WHERE store_id IS NOT NULL LIMIT 1", NULL);
  g_autofree char *store = g_strdup_printf ("%" G_GINT64_FORMAT, store_id);

  g_assert_true (mt_listing_counts_check (f->db, problems));
  g_assert_cmpuint (problems->len, ==, 0);
  for (guint u = 0; u < G_N_ELEMENTS (users); u++)
    {
      g_autoptr(MtActor) actor = sign_in (f, users[u]);

      for (guint p = 0; p < G_N_ELEMENTS (pages); p++)
        for (guint filtered = 0; filtered < 2; filtered++)
          {
            g_autoptr(MtListing) kept = NULL, counted = NULL;
            g_autofree guint *kept_states = NULL, *counted_states = NULL;
            guint kept_total = 0, counted_total = 0;
            const MtChoice *states;

            if (!mt_actor_can_view (actor, pages[p]))
              continue;
            kept = mt_listing_new (f->db, actor, pages[p], NULL);
            counted = mt_listing_new (f->db, actor, pages[p], NULL);
            _mt_listing_set_planning (counted, 20000, 20000, FALSE);
            mt_listing_set_count_limit (counted, 0);
            if (filtered && mt_listing_get_filters (kept, &(guint) { 0 }) != NULL)
              {
                mt_listing_set_filter (kept, "store", store);
                mt_listing_set_filter (counted, "store", store);
              }
            g_assert_cmpuint (mt_listing_count (kept), ==, mt_listing_count (counted));
            g_assert_true (mt_listing_count_is_exact (kept));
            states = mt_listing_get_states (kept);
            kept_states = mt_listing_state_counts (kept, &kept_total);
            counted_states = mt_listing_state_counts (counted, &counted_total);
            g_assert_cmpuint (kept_total, ==, counted_total);
            for (guint i = 0; states && states[i].value; i++)
              {
                g_assert_cmpuint (kept_states[i], ==, counted_states[i]);
                mt_listing_set_state (kept, states[i].value);
                mt_listing_set_state (counted, states[i].value);
                g_assert_cmpuint (mt_listing_count (kept), ==, mt_listing_count (counted));
              }
          }
    }
}

static void
test_listing_kept_counts (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func (g_free);
  gint64 device = mt_db_query_int (f->db, 0, "SELECT id FROM devices WHERE state = 'ready' LIMIT 1", NULL);
  gint64 other_op = mt_db_query_int (f->db, 0, "SELECT max (id) FROM operators", NULL);
  gint64 order = mt_db_query_int (f->db, 0, "SELECT id FROM orders WHERE state = 'active' LIMIT 1", NULL);
  gint64 member = mt_db_query_int (f->db, 0, "SELECT member_id FROM orders WHERE id = ?", "i", order);
  gint64 before = mt_db_query_int (f->db, 0, "SELECT sum (n) FROM list_counts WHERE tbl = 'devices'", NULL);

  assert_kept_counts (f);

  /* writes of every kind, straight in SQL: the triggers keep up whoever writes */
  g_assert_true (mt_db_run (f->db, NULL, "INSERT INTO devices (version, created_at, updated_at, deleted, device_no, name, "
                                         "type_id, spec_id, operator_id, store_id, state, member_id, rent_expiry, "
                                         "power_cut_unrented) SELECT 1, created_at, updated_at, 0, 'KEPT-1', name, type_id, "
                                         "spec_id, operator_id, NULL, 'ready', NULL, NULL, power_cut_unrented FROM devices "
                                         "WHERE id = ?", "i", device));
  g_assert_cmpint (mt_db_query_int (f->db, 0, "SELECT sum (n) FROM list_counts WHERE tbl = 'devices'", NULL), ==, before + 1);
  g_assert_true (mt_db_run (f->db, NULL, "UPDATE devices SET state = 'repair' WHERE id = ?", "i", device));
  g_assert_true (mt_db_run (f->db, NULL, "UPDATE devices SET operator_id = ?, store_id = NULL WHERE id = ?", "ii",
                            other_op, device));
  /* the BMS list counts by the status's online flag: a status comes, flips, goes */
  g_assert_true (mt_db_run (f->db, NULL, "INSERT INTO device_status (device_id, online, last_seen) SELECT id, 1, 1 "
                                         "FROM devices WHERE device_no = 'KEPT-1'", NULL));
  g_assert_true (mt_db_run (f->db, NULL, "UPDATE device_status SET online = 1 - online WHERE device_id IN "
                                         "(SELECT id FROM devices ORDER BY id LIMIT 5)", NULL));
  g_assert_true (mt_db_run (f->db, NULL, "DELETE FROM device_status WHERE device_id = (SELECT max (device_id) "
                                         "FROM device_status WHERE device_id <> (SELECT id FROM devices WHERE "
                                         "device_no = 'KEPT-1'))", NULL));
  assert_kept_counts (f);
  g_assert_true (mt_db_run (f->db, NULL, "UPDATE devices SET deleted = 1 WHERE device_no = 'KEPT-1'", NULL));
  g_assert_cmpint (mt_db_query_int (f->db, 0, "SELECT sum (n) FROM list_counts WHERE tbl = 'devices'", NULL), ==, before);
  mt_db_run (f->db, &error, "UPDATE orders SET state = 'overdue' WHERE id = ?", "i", order);
  g_assert_no_error (error);
  g_assert_true (mt_db_run (f->db, NULL, "UPDATE members SET enabled = 0 WHERE id = ?", "i", member));
  /* the books are written once: a row more */
  mt_db_run (f->db, &error, "INSERT INTO ledger (version, created_at, updated_at, deleted, txn_no, at, operator_id, store_id, "
                            "member_id, order_id, kind, amount_fen, pay_method, note) SELECT 1, created_at, updated_at, 0, "
                            "txn_no || 'K', at, operator_id, NULL, member_id, order_id, kind, amount_fen, pay_method, note "
                            "FROM ledger WHERE order_id = ? LIMIT 1", "i", order);
  g_assert_no_error (error);
  mt_db_run (f->db, &error, "INSERT INTO splits (version, created_at, updated_at, deleted, ledger_id, order_id, operator_id, "
                            "store_id, total_fen, hq_fen, operator_fen, store_fen, at) SELECT 1, created_at, updated_at, 0, "
                            "?, order_id, operator_id, NULL, total_fen, hq_fen, operator_fen, store_fen, at FROM splits "
                            "WHERE order_id = ? LIMIT 1", "ii", mt_db_last_insert_id (f->db), order);
  g_assert_no_error (error);
  g_assert_true (mt_db_run (f->db, NULL, "UPDATE deposits SET state = 'refunded' WHERE order_id = ?", "i", order));
  g_assert_true (mt_db_run (f->db, NULL, "UPDATE rentals SET reason = 'replace' WHERE order_id = ?", "i", order));
  assert_kept_counts (f);

  /* a count that drifted from its rows is named */
  g_assert_true (mt_db_run (f->db, NULL, "UPDATE list_counts SET n = n + 1 WHERE tbl = 'orders' AND state = 'active'",
                            NULL));
  g_assert_false (mt_listing_counts_check (f->db, problems));
  g_assert_cmpuint (problems->len, >, 0);
  g_assert_nonnull (strstr (problems->pdata[0], "list count differs"));
}

/* Past the count limit a count says "more than" and costs no more; asked, it counts them all */
static void
test_listing_count_limit (Fixture *f, gconstpointer data)
{
  g_autoptr(MtActor) admin = sign_in (f, "admin");
  g_autoptr(MtListing) listing = mt_listing_new (f->db, admin, "transactions", NULL);
  guint all;

  mt_listing_set_count_limit (listing, 0);
  all = mt_listing_count (listing);
  g_assert_cmpuint (all, >, 20);
  mt_listing_set_count_limit (listing, 5);
  /* no search: the kept count, exact */
  g_assert_cmpuint (mt_listing_count (listing), ==, all);
  g_assert_true (mt_listing_count_is_exact (listing));
  /* a date range: counted, up to the limit */
  mt_listing_set_dates (listing, 1, G_MAXINT64);
  g_assert_cmpuint (mt_listing_count (listing), ==, 6);
  g_assert_false (mt_listing_count_is_exact (listing));
  mt_listing_set_count_limit (listing, all);
  g_assert_cmpuint (mt_listing_count (listing), ==, all);
  g_assert_true (mt_listing_count_is_exact (listing));
  mt_listing_set_count_limit (listing, all - 1);
  g_assert_cmpuint (mt_listing_count (listing), ==, all);
  g_assert_false (mt_listing_count_is_exact (listing));
}

/* The ids of @listing's pages of @size read one after the other from the start */
static GArray *
pages_in_turn (MtListing *listing,
               guint      size,
               guint     *keyed)
{
  GArray *ids = g_array_new (FALSE, FALSE, sizeof (gint64));

  for (guint offset = 0;; offset += size)
    {
      g_autoptr(GPtrArray) rows = mt_listing_fetch (listing, offset, size);

      if (offset > 0 && _mt_listing_last_page_keyed (listing))
        (*keyed)++;
      for (guint i = 0; i < rows->len; i++)
        g_array_append_val (ids, ((MtListRow *) rows->pdata[i])->id);
      if (rows->len < size)
        return ids;
    }
}

static gboolean
collect_id (MtListRow *row,
            gpointer   data)
{
  g_array_append_val ((GArray *) data, row->id);
  return TRUE;
}

/* Pages read in turn are found after the last row of the one before (keyset paging), and hold
 * the same rows as pages counted off from the start and as the whole list read at once — with
 * rows that tie on the order (transactions of one instant), as headquarters and as a store, with
 * a search and a state; a page read out of turn, a changed question or changed data are counted
 * off again */
static void
test_listing_keyset (Fixture *f, gconstpointer data)
{
  static const char *const users[] = { "admin", "store" };
  /* scanned: a search scanned for in the list's order, through the live rows' index of the order
   * (too many matches for its own indexes: forced here) */
  static const struct { const char *page, *search, *state; gboolean keys, scanned; } cases[] = {
    { "transactions", NULL, NULL, TRUE, FALSE }, { "transactions", "1", NULL, TRUE, FALSE },
    { "orders", NULL, NULL, TRUE, FALSE }, { "orders", NULL, "active", TRUE, FALSE },
    { "rentals", NULL, NULL, TRUE, FALSE }, { "splits", NULL, NULL, TRUE, FALSE }, { "devices", NULL, NULL, TRUE, FALSE },
    { "members", "13", NULL, TRUE, FALSE }, { "deposits", NULL, NULL, TRUE, FALSE },
    { "audit", NULL, NULL, FALSE, FALSE },   /* rows without an id of their own: counted off */
    { "orders", "1", NULL, TRUE, TRUE }, { "rentals", "1", NULL, TRUE, TRUE }, { "transactions", "1", NULL, TRUE, TRUE },
    { "deposits", "1", NULL, TRUE, TRUE }, { "splits", "JY", NULL, TRUE, TRUE },
  };

  g_assert_cmpint (mt_db_query_int (f->db, 0, "SELECT count (*) - count (DISTINCT at) FROM ledger", NULL), >, 100);
  for (guint u = 0; u < G_N_ELEMENTS (users); u++)
    for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
      {
        g_autoptr(MtActor) actor = sign_in (f, users[u]);
        g_autoptr(MtListing) listing = mt_listing_new (f->db, actor, cases[c].page, NULL);
        g_autoptr(MtListing) whole = mt_listing_new (f->db, actor, cases[c].page, NULL);
        g_autoptr(GArray) all = g_array_new (FALSE, FALSE, sizeof (gint64));
        g_autoptr(GArray) keyed_ids = NULL;
        guint keyed = 0, size;

        if (listing == NULL && u > 0)
          continue;   /* not a store's to see */
        g_assert_nonnull (listing);
        if (cases[c].scanned)
          _mt_listing_set_planning (listing, 20000, 0, TRUE);   /* no search read by its indexes */
        mt_listing_set_search (listing, cases[c].search);
        mt_listing_set_search (whole, cases[c].search);
        mt_listing_set_state (listing, cases[c].state);
        mt_listing_set_state (whole, cases[c].state);
        g_assert_true (mt_listing_each (whole, collect_id, all));
        size = all->len > 100 ? 37 : 3;   /* a store's lists are short */
        keyed_ids = pages_in_turn (listing, size, &keyed);
        g_test_message ("%s %s%s: %u rows, %u pages found by keys", users[u], cases[c].page,
                        cases[c].scanned ? " scanned for" : "", all->len, keyed);
        g_assert_cmpuint (keyed_ids->len, ==, all->len);
        g_assert_cmpmem (keyed_ids->data, keyed_ids->len * sizeof (gint64), all->data, all->len * sizeof (gint64));
        g_assert_cmpuint (all->len, >, size);
        g_assert_cmpuint (keyed, ==, cases[c].keys ? all->len / size : 0);
        /* each page counted off on its own (a listing with no keys at hand) holds the same rows */
        for (guint offset = 0; offset < all->len; offset += size)
          {
            g_autoptr(MtListing) alone = mt_listing_new (f->db, actor, cases[c].page, NULL);
            g_autoptr(GPtrArray) rows = NULL;

            if (cases[c].scanned)
              _mt_listing_set_planning (alone, 20000, 0, TRUE);
            mt_listing_set_search (alone, cases[c].search);
            mt_listing_set_state (alone, cases[c].state);
            rows = mt_listing_fetch (alone, offset, size);
            g_assert_false (_mt_listing_last_page_keyed (alone));
            for (guint i = 0; i < rows->len; i++)
              g_assert_cmpint (((MtListRow *) rows->pdata[i])->id, ==, g_array_index (all, gint64, offset + i));
          }
      }

  /* a page deep in a list sorted by a column of a joined table, read alone (its ids first),
   * holds the rows the whole list has there */
  for (guint u = 0; u < G_N_ELEMENTS (users); u++)
    for (guint desc = 0; desc < 2; desc++)
      {
        g_autoptr(MtActor) actor = sign_in (f, users[u]);
        g_autoptr(MtListing) whole = mt_listing_new (f->db, actor, "orders", NULL);
        g_autoptr(GArray) all = g_array_new (FALSE, FALSE, sizeof (gint64));

        g_assert_true (mt_listing_set_sort (whole, desc ? "store" : "member", desc));
        g_assert_true (mt_listing_each (whole, collect_id, all));
        g_assert_cmpuint (all->len, >, (u == 0 ? 2000 : 30));
        for (guint offset = all->len / 3; offset < all->len; offset += all->len / 4)
          {
            g_autoptr(MtListing) alone = mt_listing_new (f->db, actor, "orders", NULL);
            g_autoptr(GPtrArray) rows = NULL;

            g_assert_true (mt_listing_set_sort (alone, desc ? "store" : "member", desc));
            rows = mt_listing_fetch (alone, offset, 37);
            g_assert_cmpuint (rows->len, ==, MIN (37, all->len - offset));
            for (guint i = 0; i < rows->len; i++)
              g_assert_cmpint (((MtListRow *) rows->pdata[i])->id, ==, g_array_index (all, gint64, offset + i));
          }
      }

  /* keys are dropped when the question or the data change */
  {
    g_autoptr(MtActor) admin = sign_in (f, "admin");
    g_autoptr(MtListing) listing = mt_listing_new (f->db, admin, "transactions", NULL);
    g_autoptr(GPtrArray) first = mt_listing_fetch (listing, 0, 50);
    g_autoptr(GPtrArray) second = NULL;
    g_autoptr(GPtrArray) again = NULL;
    gint64 newest;

    g_clear_pointer (&second, g_ptr_array_unref);
    second = mt_listing_fetch (listing, 50, 50);
    g_assert_true (_mt_listing_last_page_keyed (listing));
    g_clear_pointer (&second, g_ptr_array_unref);
    second = mt_listing_fetch (listing, 200, 50);   /* out of turn */
    g_assert_false (_mt_listing_last_page_keyed (listing));
    mt_listing_set_search (listing, "JY");
    g_clear_pointer (&second, g_ptr_array_unref);
    second = mt_listing_fetch (listing, 50, 50);
    g_assert_false (_mt_listing_last_page_keyed (listing));
    mt_listing_set_search (listing, NULL);
    g_clear_pointer (&first, g_ptr_array_unref);
    first = mt_listing_fetch (listing, 0, 50);
    /* a transaction newer than all: every row moves down one, the next page counted off */
    newest = mt_db_query_int (f->db, 0, "SELECT max (at) FROM ledger", NULL) + 1;
    g_assert_true (mt_db_run (f->db, NULL, "INSERT INTO ledger (created_at, updated_at, txn_no, at, operator_id, kind, "
                                           "amount_fen, pay_method) SELECT ?1, ?1, 'JYKEYSET', ?1, operator_id, kind, amount_fen, pay_method "
                                           "FROM ledger LIMIT 1", "i", newest));
    again = mt_listing_fetch (listing, 50, 50);
    g_assert_false (_mt_listing_last_page_keyed (listing));
    g_assert_cmpint (((MtListRow *) again->pdata[0])->id, ==, ((MtListRow *) first->pdata[49])->id);
  }
}

/* A search answered on another connection (a worker's copy of the listing) is taken over whole:
 * its counts, state counts and first page are not read again, and the page after the copy's
 * is found by its keys; a copy asked another question, or data changed since, give nothing */
static void
test_listing_adopt (Fixture *f, gconstpointer data)
{
  g_autoptr(MtActor) admin = sign_in (f, "admin");
  g_autoptr(MtListing) alone = mt_listing_new (f->db, admin, "orders", NULL);
  g_autoptr(MtDb) worker = mt_db_open (f->path, NULL);
  g_autofree guint *states = NULL, *states_again = NULL;
  g_autoptr(GPtrArray) page = NULL, expected = NULL;
  guint total, expected_total, state_total, n_states = 0, statements = 0;

  while (mt_listing_get_states (alone)[n_states].value)
    n_states++;
  g_assert_cmpuint (n_states, >, 2);
  mt_listing_set_search (alone, "13");
  expected_total = mt_listing_count (alone);
  for (guint round = 0; round < 3; round++)
    {
      g_autoptr(MtListing) listing = mt_listing_new (f->db, admin, "orders", NULL);
      g_autoptr(MtListing) copy = mt_listing_copy (listing, NULL);
      g_autoptr(GPtrArray) first = NULL;

      g_assert_nonnull (worker);
      /* round 1: the copy asked another question; round 2: the data changed since the copy */
      mt_listing_set_search (copy, round == 1 ? "14" : "13");
      mt_listing_set_db (copy, worker);
      total = mt_listing_count (copy);
      g_free (mt_listing_state_counts (copy, &state_total));
      first = mt_listing_fetch (copy, 0, 50);
      mt_listing_set_db (copy, NULL);
      g_assert_cmpuint (total, >, 100);
      g_assert_cmpuint (first->len, ==, 50);
      if (round != 1)
        g_assert_cmpuint (total, ==, expected_total);
      if (round == 2)
        g_assert_true (mt_db_run (f->db, NULL, "UPDATE orders SET updated_at = updated_at + 1 WHERE id = "
                                               "(SELECT max (id) FROM orders)", ""));

      mt_listing_set_search (listing, "13");
      mt_listing_adopt (listing, copy);
      statements = 0;
      mt_test_count_statements (f->db, &statements);
      g_assert_cmpuint (mt_listing_count (listing), ==, expected_total);
      states = mt_listing_state_counts (listing, &state_total);
      g_clear_pointer (&page, g_ptr_array_unref);
      page = mt_listing_fetch (listing, 50, 50);
      mt_test_count_statements (f->db, NULL);
      g_test_message ("round %u: %u statements", round, statements);
      if (round == 0)
        {
          /* the page itself: one statement, found after the copy's first page */
          g_assert_cmpuint (statements, ==, 1);
          g_assert_true (_mt_listing_last_page_keyed (listing));
        }
      else
        {
          g_assert_cmpuint (statements, >, 1);
          g_assert_false (_mt_listing_last_page_keyed (listing));
        }
      g_clear_pointer (&expected, g_ptr_array_unref);
      expected = mt_listing_fetch (alone, 50, 50);
      states_again = mt_listing_state_counts (alone, &state_total);
      g_assert_cmpmem (states, n_states * sizeof (guint), states_again, n_states * sizeof (guint));
      g_clear_pointer (&states, g_free);
      g_clear_pointer (&states_again, g_free);
      g_assert_cmpuint (page->len, ==, expected->len);
      for (guint i = 0; i < page->len; i++)
        g_assert_cmpint (((MtListRow *) page->pdata[i])->id, ==, ((MtListRow *) expected->pdata[i])->id);
    }
}

/* The plan SQLite makes for @sql, its lines joined */
static char *
plan_of (MtDb       *db,
         const char *sql)
{
  g_autofree char *explain = g_strconcat ("EXPLAIN QUERY PLAN ", sql, NULL);
  sqlite3_stmt *stmt = mt_db_prepare (db, NULL, explain, NULL);
  GString *plan = g_string_new (NULL);

  g_assert_nonnull (stmt);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_string_append_printf (plan, "%s\n", sqlite3_column_text (stmt, 3));
  sqlite3_reset (stmt);
  return g_string_free (plan, FALSE);
}

/* The big lists' order indexes (migration 28) serve the reads that name them — a deep page's ids,
 * a search scanned for — from the index alone, without a sort; no partial index of the live rows
 * is left for SQLite to read a whole table through. A search's count by member, device or order
 * finds the live rows in the index (migration 27). */
static void
test_order_indexes (Fixture *f, gconstpointer data)
{
  static const struct { const char *table, *column, *index; } lists[] = {
    { "orders", "start_at", "orders_start" }, { "rentals", "start_at", "rentals_start" }, { "ledger", "at", "ledger_at" },
    { "deposits", "created_at", "deposits_created" }, { "splits", "at", "splits_at" },
  };

  g_assert_cmpint (mt_db_query_int (f->db, -1, "SELECT count (*) FROM sqlite_master WHERE type = 'index' AND "
                                               "sql LIKE '%WHERE deleted = 0 AND id > 0'", NULL), ==, 0);
  for (guint i = 0; i < G_N_ELEMENTS (lists); i++)
    {
      g_autofree char *deep = g_strdup_printf ("SELECT id FROM %s INDEXED BY %s WHERE deleted = 0 ORDER BY %s DESC, "
                                               "id DESC LIMIT 100 OFFSET 1000", lists[i].table, lists[i].index,
                                               lists[i].column);
      g_autofree char *deep_plan = plan_of (f->db, deep);

      g_test_message ("%s: %s", lists[i].table, deep_plan);
      g_assert_nonnull (strstr (deep_plan, "COVERING INDEX"));
      g_assert_null (strstr (deep_plan, "TEMP B-TREE"));
    }

  /* a search's count by member, device or order reads the tombstone from the index (migration 27) */
  {
    static const char *const counted[] = {
      "SELECT reason, count (*) FROM rentals WHERE deleted = 0 AND member_id IN (1, 2, 3) GROUP BY 1",
      "SELECT reason, count (*) FROM rentals WHERE deleted = 0 AND device_id IN (1, 2, 3) GROUP BY 1",
      "SELECT reason, count (*) FROM rentals WHERE deleted = 0 AND order_id IN (1, 2, 3) GROUP BY 1",
      "SELECT state, count (*) FROM deposits WHERE deleted = 0 AND member_id IN (1, 2, 3) GROUP BY 1",
    };

    for (guint i = 0; i < G_N_ELEMENTS (counted); i++)
      {
        g_autofree char *plan = plan_of (f->db, counted[i]);

        g_test_message ("%s", plan);
        g_assert_nonnull (strstr (plan, "AND deleted=?)"));
      }
  }
}

/* A query that takes long, on the worker: a recursive count to a hundred million */
static gpointer
slow_job (MtDb          *db,
          gpointer       data,
          GCancellable  *cancellable,
          GError       **error)
{
  gint64 *answer = g_new0 (gint64, 1);
  sqlite3_stmt *stmt = mt_db_prepare (db, NULL, "WITH RECURSIVE n (i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
                                                "WHERE i < 100000000) SELECT count (*) FROM n", NULL);

  *answer = sqlite3_step (stmt) == SQLITE_ROW ? sqlite3_column_int64 (stmt, 0) : -sqlite3_errcode (mt_db_get_handle (db));
  sqlite3_reset (stmt);
  return answer;
}

static void
job_done_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      data)
{
  *(gint64 **) data = mt_local_backend_run_finish (MT_LOCAL_BACKEND (source), result, NULL);
}

/* A job nobody waits for any more stops in the middle of its query: the next key's search does
 * not queue behind the last one's */
static void
test_worker_interrupted (Fixture *f, gconstpointer data)
{
  g_autoptr(MtLocalBackend) backend = mt_local_backend_new (f->db, 0);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autofree gint64 *answer = NULL;
  gint64 t0 = g_get_monotonic_time ();

  mt_local_backend_run_async (backend, slow_job, NULL, NULL, g_free, cancellable, job_done_cb, &answer);
  g_usleep (100000);
  g_cancellable_cancel (cancellable);
  while (answer == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpint (*answer, ==, -SQLITE_INTERRUPT);
  g_assert_cmpint (g_get_monotonic_time () - t0, <, 5 * G_USEC_PER_SEC);
}

static void
test_migrations (void)
{
  g_autofree char *dir = g_dir_make_tmp ("mt-migrate-XXXXXX", NULL);

  for (int from = 0; from < mt_db_latest_version (); from++)
    {
      g_autofree char *path = g_strdup_printf ("%s/v%d.db", dir, from);
      g_autoptr(GError) error = NULL;
      MtDb *db = mt_db_open_at_version (path, from, &error);

      g_assert_no_error (error);
      g_assert_cmpint (mt_db_get_version (db), ==, from);
      if (from >= 1)
        g_assert_true (mt_db_run (db, NULL, "INSERT INTO operators (created_at, updated_at, path, name) "
                                            "VALUES (1, 1, '/1/', 'HQ')", NULL));
      mt_db_close (db);

      db = mt_db_open (path, &error);
      g_assert_no_error (error);
      g_assert_cmpint (mt_db_get_version (db), ==, mt_db_latest_version ());
      g_assert_true (mt_db_integrity_ok (db));
      if (from >= 1)
        g_assert_cmpint (mt_db_query_int (db, 0, "SELECT count(*) FROM operators", NULL), ==, 1);
      g_assert_cmpint (mt_db_query_int (db, 0, "SELECT count(*) FROM regions", NULL), ==, 3429);
      mt_db_close (db);
    }

  /* A database of schema 16 with a built-in role and a money movement: the migrations give
   * the role what the pages added since grant it (each permission once) and sum the statistics of
   * the rows there are */
  {
    g_autofree char *path = g_strdup_printf ("%s/v16-demo.db", dir);
    g_autoptr(GError) error = NULL;
    MtDb *db = mt_db_open_at_version (path, 16, &error);
    g_autofree char *perms = NULL;

    g_assert_no_error (error);
    g_assert_true (mt_db_exec (db, "INSERT INTO operators (created_at, updated_at, path, name) VALUES (1, 1, '/1/', 'HQ');"
                                   "INSERT INTO roles (created_at, updated_at, operator_id, name, builtin, permissions) "
                                   "VALUES (1, 1, 1, '店长', 'store_manager', 'devices:view members:view')", NULL));
    g_assert_true (mt_db_exec (db, "INSERT INTO ledger (created_at, updated_at, txn_no, at, operator_id, kind, amount_fen, "
                                   "pay_method) VALUES (1790000000000000, 1790000000000000, 'JY1', 1790000000000000, 1, "
                                   "'recharge', 5000, 'online')", NULL));
    mt_db_close (db);
    db = mt_db_open (path, &error);
    g_assert_no_error (error);
    perms = mt_db_query_text (db, "SELECT ' ' || permissions || ' ' FROM roles WHERE builtin = 'store_manager'", NULL);
    g_assert_nonnull (strstr (perms, " member_cards:refund "));
    g_assert_nonnull (strstr (perms, " statistics:trades "));
    g_assert_null (strstr (perms, " statistics:operators "));   /* not a store manager's */
    g_assert_true (strstr (perms, " members:view ") == g_strrstr (perms, " members:view "));
    g_assert_true (mt_stats_check (db, NULL));
    g_assert_cmpint (mt_db_query_int (db, 0, "SELECT fen FROM stats_daily WHERE metric = 'l:recharge'", NULL), ==, 5000);
    mt_db_close (db);
  }

  /* A newer schema and a file that is not a database are refused with a clear error */
  {
    g_autofree char *path = g_strdup_printf ("%s/new.db", dir);
    g_autoptr(GError) error = NULL;
    MtDb *db = mt_db_open (path, &error);
    mt_db_exec (db, "PRAGMA user_version = 999", NULL);
    mt_db_close (db);
    g_assert_null (mt_db_open (path, &error));
    g_assert_error (error, MT_ERROR, MT_ERROR_TOO_NEW);
  }
  {
    g_autofree char *path = g_strdup_printf ("%s/junk.db", dir);
    g_autoptr(GError) error = NULL;
    g_file_set_contents (path, "this is not a database, not at all, no sqlite here at all......", -1, NULL);
    g_assert_null (mt_db_open (path, &error));
    g_assert_error (error, MT_ERROR, MT_ERROR_CORRUPT);
  }
}

static void
test_demo_deterministic (void)
{
  g_autofree char *dir = g_dir_make_tmp ("mt-demo-XXXXXX", NULL);
  MtDemoOptions options;
  char *sums[2];

  mt_demo_options_init (&options);
  options.n_devices = 60;
  options.n_members = 80;
  options.now = G_GINT64_CONSTANT (1790000000000000);
  for (int i = 0; i < 2; i++)
    {
      g_autofree char *path = g_strdup_printf ("%s/d%d.db", dir, i);
      g_autoptr(GError) error = NULL;
      MtDb *db = mt_db_open (path, &error);

      g_assert_true (mt_demo_generate (db, &options, &error));
      g_assert_no_error (error);
      sums[i] = mt_db_query_text (db, "SELECT group_concat (device_no || state || coalesce (member_id, ''), ',') "
                                      "FROM (SELECT * FROM devices ORDER BY id)", NULL);
      g_assert_cmpint (mt_db_query_int (db, 0, "SELECT count(DISTINCT state) FROM devices", NULL), ==, 4);
      g_assert_true (mt_db_integrity_ok (db));
      mt_db_close (db);
    }
  g_assert_cmpstr (sums[0], ==, sums[1]);
  g_free (sums[0]);
  g_free (sums[1]);
}

static void
collect_type (const char *type,
              double      value,
              gpointer    data)
{
  g_ptr_array_add (data, g_strdup (type));
}

/* Silence: a device not heard for the offline setting's minutes goes offline; after the offline
 * alarm setting's hours one alarm opens, and later sweeps do not open more. History past the
 * retention is dropped. The alarm rules hold a message against its spec's limits. */
static void
test_offline_sweep (Fixture       *f,
                    gconstpointer  data)
{
  MtBrokerConfig config = { .uri = "tcp://127.0.0.1:1" };   /* never started: the sweep needs no broker */
  g_autoptr(MtIngest) ingest = mt_ingest_new (f->db, &config);
  gint64 now = g_get_real_time (), hour = (gint64) 3600 * G_USEC_PER_SEC;
  gint64 quiet = mt_db_query_int (f->db, 0, "SELECT id FROM devices WHERE deleted = 0 ORDER BY id LIMIT 1", NULL);
  gint64 heard = mt_db_query_int (f->db, 0, "SELECT id FROM devices WHERE deleted = 0 ORDER BY id LIMIT 1 OFFSET 1", NULL);

  g_assert_true (mt_db_run (f->db, NULL, "DELETE FROM device_status", NULL));
  g_assert_true (mt_db_run (f->db, NULL, "INSERT INTO device_status (device_id, online, last_seen) VALUES (?, 1, ?), "
                                         "(?, 1, ?)", "iiii", quiet, now - 11 * 60 * G_USEC_PER_SEC, heard, now));
  g_assert_true (mt_db_run (f->db, NULL, "INSERT INTO track_points (device_id, at, lat, lng) VALUES (?, ?, 30, 120), "
                                         "(?, ?, 30, 120)", "iiii", quiet, now - 200 * 24 * hour, quiet, now));
  mt_ingest_sweep (ingest, now);
  g_assert_cmpint (mt_db_query_int (f->db, -1, "SELECT online FROM device_status WHERE device_id = ?", "i", quiet), ==, 0);
  g_assert_cmpint (mt_db_query_int (f->db, -1, "SELECT online FROM device_status WHERE device_id = ?", "i", heard), ==, 1);
  g_assert_cmpint (mt_db_query_int (f->db, -1, "SELECT count (*) FROM track_points WHERE at < ?", "i",
                                    now - 181 * 24 * hour), ==, 0);
  g_assert_cmpint (mt_db_query_int (f->db, -1, "SELECT count (*) FROM track_points WHERE device_id = ? AND at = ?", "ii",
                                    quiet, now), ==, 1);
  g_assert_cmpint (mt_db_query_int (f->db, -1, "SELECT count (*) FROM alarms WHERE device_id = ? AND type = 'offline' "
                                               "AND state = 'open'", "i", quiet), ==, 0);
  /* a day later: one offline alarm, however often the sweep runs */
  mt_ingest_sweep (ingest, now + 25 * hour);
  mt_ingest_sweep (ingest, now + 26 * hour);
  g_assert_cmpint (mt_db_query_int (f->db, -1, "SELECT count (*) FROM alarms WHERE device_id = ? AND type = 'offline'",
                                    "i", quiet), ==, 1);
  g_assert_cmpint (mt_db_query_int (f->db, -1, "SELECT count FROM alarms WHERE device_id = ? AND type = 'offline'",
                                    "i", quiet), ==, 1);
  /* handled while the battery stays silent: no second alarm for the same silence */
  g_assert_true (mt_db_run (f->db, NULL, "UPDATE alarms SET state = 'handled', version = version + 1 "
                                         "WHERE device_id = ? AND type = 'offline'", "i", quiet));
  mt_ingest_sweep (ingest, now + 27 * hour);
  g_assert_cmpint (mt_db_query_int (f->db, -1, "SELECT count (*) FROM alarms WHERE device_id = ? AND type = 'offline'",
                                    "i", quiet), ==, 1);
  /* the one heard an hour ago went silent too: offline now, its alarm a day later */
  g_assert_cmpint (mt_db_query_int (f->db, -1, "SELECT online FROM device_status WHERE device_id = ?", "i", heard), ==, 0);
  g_assert_cmpint (mt_db_query_int (f->db, -1, "SELECT count (*) FROM alarms WHERE device_id = ? AND type = 'offline' "
                                               "AND state = 'open'", "i", heard), ==, 1);

  /* the rules: a spec's limits, the settings' imbalance and low charge */
  {
    MtAlarmLimits limits;
    MtTelemetry t;
    GPtrArray *types = g_ptr_array_new_with_free_func (g_free);

    mt_alarm_limits_default (&limits);
    mt_telemetry_init (&t);
    t.n_cells = 20;
    for (int k = 0; k < 20; k++)
      t.cells_mv[k] = 3900;
    t.cells_mv[3] = 4300;    /* over the cell limit, and 400 mV above the others */
    t.pack_mv = 78400;
    t.soc = 5;
    t.current_ma = -70000;   /* over the discharge limit */
    t.n_temps = 1;
    t.temps_dc[0] = 650;     /* over 60 °C */
    mt_alarm_rules_check (&t, &limits, collect_type, types);
    g_assert_true (g_ptr_array_find_with_equal_func (types, "cell_ov", g_str_equal, NULL));
    g_assert_true (g_ptr_array_find_with_equal_func (types, "discharge_oc", g_str_equal, NULL));
    g_assert_true (g_ptr_array_find_with_equal_func (types, "temp_high", g_str_equal, NULL));
    g_assert_true (g_ptr_array_find_with_equal_func (types, "imbalance", g_str_equal, NULL));
    g_assert_true (g_ptr_array_find_with_equal_func (types, "low_soc", g_str_equal, NULL));
    g_assert_false (g_ptr_array_find_with_equal_func (types, "cell_uv", g_str_equal, NULL));
    g_assert_false (g_ptr_array_find_with_equal_func (types, "charge_oc", g_str_equal, NULL));
    g_assert_cmpuint (types->len, ==, 5);
    g_ptr_array_unref (types);
  }
}

/* Geofences: saved with their GeoJSON checked and made canonical; assigned in batch or by
 * store, all or nothing; every refusal of the permission and scope rules */
static void
test_geofences (Fixture *f, gconstpointer data)
{
  g_autoptr(MtActor) admin = sign_in (f, "admin");
  g_autoptr(MtActor) east = sign_in (f, "east");
  g_autoptr(MtActor) hangzhou = sign_in (f, "hangzhou");
  g_autoptr(MtActor) store = sign_in (f, "store");
  g_autoptr(MtActor) tech = sign_in (f, "tech");
  g_autoptr(GHashTable) fields = mt_fields_new ();
  g_autoptr(GError) error = NULL;
  const MtEntity *entity = mt_entity_lookup ("geofences");
  g_autofree char *stored = NULL;
  gint64 hz_op = mt_db_query_int (f->db, 0, "SELECT id FROM operators WHERE name = '杭州骑士能源'", NULL);
  gint64 south_op = mt_db_query_int (f->db, 0, "SELECT id FROM operators WHERE name = '华南换电运营'", NULL);
  gint64 hz_store = store->store_id;
  gint64 fences_before = mt_db_query_int (f->db, 0, "SELECT count (*) FROM geofences", NULL);
  gint64 hz_device, hz_device2, south_device, south_fence, fence, n, store_devices;
  g_autofree char *op_text = g_strdup_printf ("%" G_GINT64_FORMAT, hz_op);

  g_assert_cmpint (hz_op, >, 0);
  g_assert_cmpint (south_op, >, 0);
  hz_device = mt_db_query_int (f->db, 0, "SELECT id FROM devices WHERE operator_id = ? AND store_id IS NOT ? AND "
                                         "deleted = 0 ORDER BY id LIMIT 1", "ii", hz_op, hz_store);
  hz_device2 = mt_db_query_int (f->db, 0, "SELECT id FROM devices WHERE operator_id = ? AND id > ? AND store_id IS NOT ? "
                                          "AND deleted = 0 ORDER BY id LIMIT 1", "iii", hz_op, hz_device, hz_store);
  south_device = mt_db_query_int (f->db, 0, "SELECT id FROM devices WHERE operator_id = ? AND deleted = 0 LIMIT 1",
                                  "i", south_op);
  south_fence = mt_db_query_int (f->db, 0, "SELECT id FROM geofences WHERE operator_id = ? LIMIT 1", "i", south_op);
  store_devices = mt_db_query_int (f->db, 0, "SELECT count (*) FROM devices WHERE store_id = ? AND deleted = 0 AND "
                                             "state <> 'scrapped'", "i", hz_store);
  g_assert_cmpint (hz_device, >, 0);
  g_assert_cmpint (hz_device2, >, 0);
  g_assert_cmpint (south_device, >, 0);
  g_assert_cmpint (south_fence, >, 0);
  g_assert_cmpint (store_devices, >, 0);

  /* bad geometry: refused on its field, nothing written */
  g_hash_table_insert (fields, g_strdup ("operator_id"), g_strdup (op_text));
  g_hash_table_insert (fields, g_strdup ("name"), g_strdup ("西湖区"));
  g_hash_table_insert (fields, g_strdup ("alarm_on"), g_strdup ("exit"));
  g_hash_table_insert (fields, g_strdup ("geojson"), g_strdup ("{\"type\":\"Feature\",\"geometry\":{\"type\":"
                                                               "\"Polygon\",\"coordinates\":[[[120,30],[120.1,30]]]}}"));
  g_assert_cmpint (mt_entity_save (f->db, admin, entity, 0, 0, fields, &error), ==, 0);
  g_assert_error (error, MT_ERROR, MT_ERROR_INVALID);
  g_assert_cmpstr (mt_error_get_field (error), ==, "geojson");
  g_clear_error (&error);
  g_assert_cmpint (mt_db_query_int (f->db, 0, "SELECT count (*) FROM geofences", NULL), ==, fences_before);
  /* an alarm that is neither exit nor entry */
  g_hash_table_insert (fields, g_strdup ("geojson"), g_strdup ("{\"type\":\"Feature\",\"geometry\":{\"type\":"
                                                               "\"Polygon\",\"coordinates\":[[[120,30],[120.1,30],"
                                                               "[120.1,30.1],[120,30]]]},\"properties\":{}}"));
  g_hash_table_insert (fields, g_strdup ("alarm_on"), g_strdup ("stay"));
  g_assert_cmpint (mt_entity_save (f->db, admin, entity, 0, 0, fields, &error), ==, 0);
  g_assert_cmpstr (mt_error_get_field (error), ==, "alarm_on");
  g_clear_error (&error);
  g_hash_table_insert (fields, g_strdup ("alarm_on"), g_strdup ("exit"));
  /* a technician only looks; a store has no fences */
  g_assert_cmpint (mt_entity_save (f->db, tech, entity, 0, 0, fields, &error), ==, 0);
  g_assert_error (error, MT_ERROR, MT_ERROR_FORBIDDEN);
  g_clear_error (&error);
  fence = mt_entity_save (f->db, hangzhou, entity, 0, 0, fields, &error);
  g_assert_no_error (error);
  {
    g_autofree char *shape = mt_db_query_text (f->db, "SELECT shape FROM geofences WHERE id = ?", "i", fence);
    g_assert_cmpstr (shape, ==, "polygon");
  }
  g_free (stored);
  stored = mt_db_query_text (f->db, "SELECT geojson FROM geofences WHERE id = ?", "i", fence);
  g_assert_cmpstr (stored, ==,
                   "{\"type\":\"Feature\",\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[120.0000000,"
                   "30.0000000],[120.1000000,30.0000000],[120.1000000,30.1000000],[120.0000000,30.0000000]]]},"
                   "\"properties\":{}}");

  /* assignment refusals: nothing is written by any of them */
  n = mt_fence_assign (f->db, tech, fence, &hz_device, 1, 0, &error);
  g_assert_cmpint (n, ==, -1);
  g_assert_error (error, MT_ERROR, MT_ERROR_FORBIDDEN);   /* view only */
  g_clear_error (&error);
  g_assert_cmpint (mt_fence_assign (f->db, store, fence, &hz_device, 1, 0, &error), ==, -1);
  g_assert_error (error, MT_ERROR, MT_ERROR_FORBIDDEN);   /* no fences page */
  g_clear_error (&error);
  g_assert_cmpint (mt_fence_assign (f->db, hangzhou, south_fence, &hz_device, 1, 0, &error), ==, -1);
  g_assert_error (error, MT_ERROR, MT_ERROR_FORBIDDEN);   /* another operator's fence */
  g_clear_error (&error);
  {
    gint64 ids[] = { hz_device, south_device };   /* one in scope, one not: neither */
    g_assert_cmpint (mt_fence_assign (f->db, hangzhou, fence, ids, 2, 0, &error), ==, -1);
    g_assert_error (error, MT_ERROR, MT_ERROR_FORBIDDEN);
    g_clear_error (&error);
    /* headquarters sees both, but the south's battery is not under the fence's operator */
    g_assert_cmpint (mt_fence_assign (f->db, admin, fence, ids, 2, 0, &error), ==, -1);
    g_assert_error (error, MT_ERROR, MT_ERROR_CONFLICT);
    g_clear_error (&error);
  }
  {
    gint64 ghost = 99999999;
    g_assert_cmpint (mt_fence_assign (f->db, admin, fence, &ghost, 1, 0, &error), ==, -1);
    g_assert_error (error, MT_ERROR, MT_ERROR_NOT_FOUND);
    g_clear_error (&error);
    g_assert_cmpint (mt_fence_assign (f->db, admin, ghost, &hz_device, 1, 0, &error), ==, -1);
    g_assert_error (error, MT_ERROR, MT_ERROR_NOT_FOUND);
    g_clear_error (&error);
    g_assert_cmpint (mt_fence_assign (f->db, admin, fence, NULL, 0, ghost, &error), ==, -1);
    g_assert_error (error, MT_ERROR, MT_ERROR_NOT_FOUND);
    g_clear_error (&error);
  }
  g_assert_cmpint (mt_db_query_int (f->db, 0, "SELECT count (*) FROM geofence_devices WHERE fence_id = ?", "i", fence),
                   ==, 0);

  /* by device, by store; again: nothing new */
  g_assert_cmpint (mt_fence_assign (f->db, east, fence, &hz_device, 1, 0, &error), ==, 1);   /* the parent operator */
  g_assert_no_error (error);
  g_assert_cmpint (mt_fence_assign (f->db, hangzhou, fence, &hz_device, 1, hz_store, &error), ==, store_devices);
  g_assert_no_error (error);
  g_assert_cmpint (mt_fence_assign (f->db, hangzhou, fence, &hz_device, 1, hz_store, &error), ==, 0);
  g_assert_cmpint (mt_fence_assign (f->db, hangzhou, fence, &hz_device2, 1, 0, &error), ==, 1);
  g_assert_cmpint (mt_db_query_int (f->db, 0, "SELECT count (*) FROM geofence_devices WHERE fence_id = ? AND "
                                              "deleted = 0", "i", fence), ==, store_devices + 2);
  g_assert_cmpint (mt_db_query_int (f->db, 0, "SELECT count (*) FROM change_log WHERE tbl = 'geofence_devices'", NULL),
                   >=, store_devices + 2);
  /* the store's own manager may not take its devices off either */
  g_assert_cmpint (mt_fence_unassign (f->db, store, fence, NULL, 0, &error), ==, -1);
  g_assert_error (error, MT_ERROR, MT_ERROR_FORBIDDEN);
  g_clear_error (&error);
  g_assert_cmpint (mt_fence_unassign (f->db, hangzhou, fence, &hz_device2, 1, &error), ==, 1);
  g_assert_cmpint (mt_fence_unassign (f->db, hangzhou, fence, &hz_device2, 1, &error), ==, 0);
  g_assert_cmpint (mt_fence_unassign (f->db, hangzhou, fence, NULL, 0, &error), ==, store_devices + 1);
  g_assert_no_error (error);

  /* deleted: its devices go with it */
  g_assert_cmpint (mt_fence_assign (f->db, hangzhou, fence, &hz_device, 1, 0, &error), ==, 1);
  g_assert_true (mt_entity_delete (f->db, hangzhou, entity, fence,
                                   mt_db_query_int (f->db, 0, "SELECT version FROM geofences WHERE id = ?", "i", fence),
                                   &error));
  g_assert_no_error (error);
  g_assert_cmpint (mt_db_query_int (f->db, 0, "SELECT count (*) FROM geofence_devices WHERE fence_id = ? AND "
                                              "deleted = 0", "i", fence), ==, 0);
  g_assert_cmpint (mt_fence_assign (f->db, hangzhou, fence, &hz_device, 1, 0, &error), ==, -1);
  g_assert_error (error, MT_ERROR, MT_ERROR_NOT_FOUND);
  g_assert_true (mt_db_integrity_ok (f->db));
}

/* A track is read by the table's key, in range and in scope; bad ranges name their field */
static void
test_tracks (Fixture *f, gconstpointer data)
{
  g_autoptr(MtActor) admin = sign_in (f, "admin");
  g_autoptr(MtActor) store = sign_in (f, "store");
  g_autoptr(MtActor) finance = sign_in (f, "finance");
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) points = NULL;
  gint64 own = mt_db_query_int (f->db, 0, "SELECT id FROM devices WHERE store_id = ? AND deleted = 0 LIMIT 1", "i",
                                store->store_id);
  gint64 other = mt_db_query_int (f->db, 0, "SELECT id FROM devices WHERE store_id <> ? AND deleted = 0 LIMIT 1", "i",
                                  store->store_id);
  gint64 t0 = G_GINT64_CONSTANT (1790000000) * G_USEC_PER_SEC, day = G_GINT64_CONSTANT (86400) * G_USEC_PER_SEC;

  g_assert_cmpint (own, >, 0);
  mt_db_exec (f->db, "DELETE FROM track_points", NULL);
  for (int i = 0; i < 100; i++)
    {
      g_assert_true (mt_db_run (f->db, NULL, "INSERT INTO track_points (device_id, at, lat, lng, speed_kmh, soc) "
                                             "VALUES (?, ?, 30.2, ?, ?, 80)", "iidd", own, t0 + (gint64) i * 60 * G_USEC_PER_SEC,
                                120.1 + i * 0.0001, (double) (i % 30)));
      g_assert_true (mt_db_run (f->db, NULL, "INSERT INTO track_points (device_id, at, lat, lng) VALUES (?, ?, 31, 121)",
                                "ii", other, t0 + (gint64) i * 60 * G_USEC_PER_SEC));
    }
  /* its own store's battery, a window of the ride: only its points, oldest first */
  points = mt_track_load (f->db, store, own, t0 + 10 * 60 * G_USEC_PER_SEC, t0 + 19 * 60 * G_USEC_PER_SEC, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (points->len, ==, 10);
  g_assert_cmpint (g_array_index (points, MtTrackPoint, 0).at, ==, t0 + 10 * 60 * G_USEC_PER_SEC);
  g_assert_cmpfloat (g_array_index (points, MtTrackPoint, 9).speed_kmh, ==, 19);
  g_clear_pointer (&points, g_array_unref);
  /* no speed reported: negative */
  points = mt_track_load (f->db, admin, other, t0, t0 + day, &error);
  g_assert_cmpuint (points->len, ==, 100);
  g_assert_cmpfloat (g_array_index (points, MtTrackPoint, 0).speed_kmh, <, 0);
  g_assert_cmpint (g_array_index (points, MtTrackPoint, 0).soc, <, 0);
  g_clear_pointer (&points, g_array_unref);

  /* another store's battery; a role without the page; a range backwards or too long; nothing */
  g_assert_null (mt_track_load (f->db, store, other, t0, t0 + day, &error));
  g_assert_error (error, MT_ERROR, MT_ERROR_FORBIDDEN);
  g_clear_error (&error);
  g_assert_null (mt_track_load (f->db, finance, own, t0, t0 + day, &error));
  g_assert_error (error, MT_ERROR, MT_ERROR_FORBIDDEN);
  g_clear_error (&error);
  g_assert_null (mt_track_load (f->db, admin, own, t0 + day, t0, &error));
  g_assert_error (error, MT_ERROR, MT_ERROR_INVALID);
  g_assert_cmpstr (mt_error_get_field (error), ==, "to");
  g_clear_error (&error);
  g_assert_null (mt_track_load (f->db, admin, own, t0, t0 + 94 * day, &error));
  g_assert_cmpstr (mt_error_get_field (error), ==, "to");
  g_clear_error (&error);
  g_assert_null (mt_track_load (f->db, admin, 99999999, t0, t0 + day, &error));
  g_assert_error (error, MT_ERROR, MT_ERROR_NOT_FOUND);
  g_clear_error (&error);
  points = mt_track_load (f->db, admin, own, t0 - 2 * day, t0 - day, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (points->len, ==, 0);
}

/* The members of an entity as docs/api.md lists them: from the field table validation uses */
static void
describe_entity (GString        *out,
                 const MtEntity *entity)
{
  guint n_fields;
  const MtFieldSpec *fields = mt_entity_get_fields (entity, &n_fields);

  g_string_append_printf (out, "#### `%s`\n\n| member | type | bounds | when |\n|---|---|---|---|\n",
                          entity->id);
  for (guint i = 0; i < n_fields; i++)
    {
      const MtFieldSpec *f = &fields[i];
      g_autofree char *type = NULL, *bounds = NULL;
      const char *when;

      switch (f->kind)
        {
        case MT_FIELD_TEXT:
          type = g_strdup ("text, one line");
          bounds = g_strdup_printf ("at most %u characters", f->max ? (guint) f->max : 200);
          break;
        case MT_FIELD_MULTILINE:
          type = g_strdup ("text, lines kept exactly");
          bounds = g_strdup_printf ("at most %u characters", f->max ? (guint) f->max : 200);
          break;
        case MT_FIELD_PASSWORD:
          type = g_strdup ("text, write-only");
          bounds = g_strdup_printf ("8 characters to 128 bytes; `%s_confirm`, when sent, must match", f->key);
          break;
        case MT_FIELD_MOBILE:
          type = g_strdup ("text");
          bounds = g_strdup ("11-digit mainland mobile number");
          break;
        case MT_FIELD_ID_CARD:
          type = g_strdup ("text");
          bounds = g_strdup ("18-character ID card number, check digit right, born by today");
          break;
        case MT_FIELD_MONEY:
          type = g_strdup ("integer fen");
          bounds = g_strdup_printf ("0 to %" G_GINT64_FORMAT, MT_MONEY_MAX_FEN);
          break;
        case MT_FIELD_INT:
          type = g_strdup ("integer");
          bounds = g_strdup_printf ("%" G_GINT64_FORMAT " to %" G_GINT64_FORMAT, f->min, f->max);
          break;
        case MT_FIELD_BOOL:
          type = g_strdup ("true or false (also 1/0)");
          bounds = g_strdup ("");
          break;
        case MT_FIELD_CHOICE:
          {
            g_autoptr(GString) choices = g_string_new ("one of ");
            for (guint c = 0; f->choices[c].value; c++)
              g_string_append_printf (choices, "%s`%s`", c ? ", " : "", f->choices[c].value);
            type = g_strdup ("text");
            bounds = g_string_free (g_steal_pointer (&choices), FALSE);
          }
          break;
        case MT_FIELD_REF:
          type = g_strdup ("integer id");
          bounds = g_strdup_printf ("a row of `%s` in the account's scope", f->ref);
          break;
        case MT_FIELD_REGION:
          type = g_strdup ("text");
          bounds = g_strdup ((f->flags & MT_FIELD_LEAF) ? "a district's GB/T 2260 code" : "a GB/T 2260 region code");
          break;
        case MT_FIELD_HOURS:
          type = g_strdup ("text");
          bounds = g_strdup ("`HH:MM-HH:MM`");
          break;
        case MT_FIELD_COORD:
          type = g_strdup ("number, degrees");
          bounds = g_strdup_printf ("-%" G_GINT64_FORMAT " to %" G_GINT64_FORMAT, f->max, f->max);
          break;
        case MT_FIELD_CAPS:
          type = g_strdup ("integer bit set");
          bounds = g_strdup_printf ("0 to %d", MT_CAP_ALL);
          break;
        case MT_FIELD_PERMISSIONS:
          type = g_strdup ("text");
          bounds = g_strdup ("`page:action` words, each one the account holds");
          break;
        case MT_FIELD_DATE:
          type = g_strdup ("text");
          bounds = g_strdup ("a local date `YYYY-MM-DD`");
          break;
        case MT_FIELD_GEOMETRY:
          type = g_strdup ("GeoJSON text");
          bounds = g_strdup ("see geofences.md");
          break;
        }
      if (f->flags & MT_FIELD_CREATE_ONLY)
        when = "required on create, never changes";
      else if (f->flags & MT_FIELD_REQUIRED)
        when = "required on create";
      else if (f->flags & MT_FIELD_OPTIONAL)
        when = "optional, may be empty";
      else
        when = "optional";
      if (f->initial != NULL)
        {
          g_autofree char *with = g_strdup_printf ("%s; `%s` when a new record leaves it out", when, f->initial);
          g_string_append_printf (out, "| `%s` | %s | %s | %s |\n", f->key, type, bounds, with);
          continue;
        }
      g_string_append_printf (out, "| `%s` | %s | %s | %s |\n", f->key, type, bounds, when);
    }
  g_string_append_c (out, '\n');
}

/* docs/api.md lists every entity's members as the field tables validate them: a field added,
 * renamed or bounded differently fails here until the docs say so (MT_UPDATE_DOCS=1 rewrites
 * the section) */
static void
test_api_docs (void)
{
  g_autofree char *path = g_build_filename (g_getenv ("MT_SOURCE_ROOT"), "docs", "api.md", NULL);
  g_autofree char *docs = NULL;
  g_autoptr(GString) expected = g_string_new (NULL);
  static const char begin[] = "<!-- entity-fields: generated from the field tables, checked by test-core -->\n";
  static const char end[] = "<!-- entity-fields end -->";
  const char *from, *to;

  const MtEntity *entity;

  for (guint i = 0; (entity = _mt_entity_at (i)) != NULL; i++)
    describe_entity (expected, entity);
  g_assert_true (g_file_get_contents (path, &docs, NULL, NULL));
  from = strstr (docs, begin);
  to = strstr (docs, end);
  g_assert_nonnull (from);
  g_assert_nonnull (to);
  from += strlen (begin);
  if (g_getenv ("MT_UPDATE_DOCS"))
    {
      g_autofree char *updated = g_strdup_printf ("%.*s%s%s", (int) (from - docs), docs, expected->str, to);
      g_assert_true (g_file_set_contents (path, updated, -1, NULL));
      return;
    }
  if (strlen (expected->str) != (gsize) (to - from) || strncmp (from, expected->str, to - from) != 0)
    {
      g_test_message ("docs/api.md's entity fields should read:\n%s", expected->str);
      g_test_fail_printf ("docs/api.md's entity fields differ from the field tables (MT_UPDATE_DOCS=1 rewrites them)");
    }
}

/* MtTxn: leaving the scope without a commit rolls back, a commit keeps, a nested one joins */
static gboolean
write_message (MtDb       *db,
               const char *title,
               gboolean    commit)
{
  g_autoptr(MtTxn) txn = mt_txn_begin (db, NULL);

  g_assert_nonnull (txn);
  g_assert_true (mt_db_run (db, NULL, "INSERT INTO messages (created_at, updated_at, operator_id, title, body, "
                                      "audience) VALUES (1, 1, 1, ?, 'x', 'all')", "t", title));
  return commit ? mt_txn_commit (txn, NULL) : FALSE;
}

static void
test_transactions (Fixture *f, gconstpointer data)
{
  g_assert_false (write_message (f->db, "回滚", FALSE));
  g_assert_cmpint (mt_db_query_int (f->db, -1, "SELECT count (*) FROM messages WHERE title = '回滚'", NULL), ==, 0);
  g_assert_true (write_message (f->db, "提交", TRUE));
  g_assert_cmpint (mt_db_query_int (f->db, -1, "SELECT count (*) FROM messages WHERE title = '提交'", NULL), ==, 1);
  /* an inner one that fails takes the outer one with it */
  {
    g_autoptr(MtTxn) outer = mt_txn_begin (f->db, NULL);
    g_autoptr(GError) error = NULL;

    g_assert_true (write_message (f->db, "外层", TRUE));
    g_assert_false (write_message (f->db, "内层", FALSE));
    g_assert_false (mt_txn_commit (outer, &error));
    g_assert_nonnull (error);
  }
  g_assert_cmpint (mt_db_query_int (f->db, -1, "SELECT count (*) FROM messages WHERE title IN ('外层', '内层')",
                                    NULL), ==, 0);
}

/* The console's read models answer within the account's scope only: a store manager reads its
 * own store's devices, repairs, members and alarms, and another store's read as absent */
/* Stores and billing rules narrowed to a province, their region shown as 省 市 区 in full */
static void
test_province_filter (Fixture *f, gconstpointer data)
{
  g_autoptr(MtActor) admin = sign_in (f, "admin");
  static const char *const pages[] = { "stores", "billing" };

  for (guint p = 0; p < G_N_ELEMENTS (pages); p++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(MtListing) listing = mt_listing_new (f->db, admin, pages[p], &error);
      g_autoptr(GPtrArray) rows = NULL;
      guint all, region = 0, n_columns;
      const MtListColumn *columns = mt_listing_get_columns (listing, &n_columns);

      g_assert_no_error (error);
      for (guint c = 0; c < n_columns; c++)
        if (g_str_equal (columns[c].key, "region"))
          region = c;
      all = mt_listing_count (listing);
      mt_listing_set_filter (listing, "province", "33");
      g_assert_cmpuint (mt_listing_count (listing), >, 0);
      g_assert_cmpuint (mt_listing_count (listing), <, all);
      rows = mt_listing_fetch (listing, 0, 100);
      for (guint r = 0; r < rows->len; r++)
        {
          const char *cell = ((MtListRow *) rows->pdata[r])->cells[region];
          g_auto(GStrv) parts = g_strsplit (cell, " ", -1);

          g_assert_true (g_str_has_prefix (cell, "浙江省"));
          /* a store's district: its province, city and district */
          if (g_str_equal (pages[p], "stores"))
            g_assert_cmpuint (g_strv_length (parts), ==, 3);
        }
    }
}

/* The header's search: devices by the start of their number, members by the start of their
 * mobile or name, within the account's scope and the pages it views; exact first, no duplicates */
static void
test_quick_search (Fixture *f, gconstpointer data)
{
  g_autoptr(MtActor) admin = sign_in (f, "admin");
  g_autoptr(MtActor) store = sign_in (f, "store");
  g_autoptr(MtActor) tech = sign_in (f, "tech");
  gint64 own = mt_db_query_int (f->db, 0, "SELECT min (id) FROM devices WHERE store_id = ? AND deleted = 0", "i",
                                store->store_id);
  g_autofree char *own_no = mt_db_query_text (f->db, "SELECT device_no FROM devices WHERE id = ?", "i", own);
  g_autofree char *other_no = mt_db_query_text (f->db, "SELECT device_no FROM devices WHERE (store_id IS NULL OR "
                                                "store_id <> ?) AND deleted = 0 ORDER BY id LIMIT 1", "i",
                                                store->store_id);
  g_autofree char *mobile = mt_db_query_text (f->db, "SELECT mobile FROM members WHERE store_id = ? AND deleted = 0 "
                                              "ORDER BY id LIMIT 1", "i", store->store_id);
  g_autofree char *prefix = g_strndup (own_no, strlen (own_no) - 2);
  g_autofree char *mobile_prefix = g_strndup (mobile, 7);
  g_autoptr(GPtrArray) hits = NULL;

  /* the whole number: that device, as the first */
  hits = mt_read_quick_search (f->db, admin, own_no, 8);
  g_assert_cmpuint (hits->len, >=, 1);
  g_assert_cmpint (((MtQuickHit *) hits->pdata[0])->kind, ==, MT_QUICK_DEVICE);
  g_assert_cmpint (((MtQuickHit *) hits->pdata[0])->id, ==, own);
  g_assert_cmpstr (((MtQuickHit *) hits->pdata[0])->key, ==, own_no);
  g_clear_pointer (&hits, g_ptr_array_unref);
  /* a prefix: every device beginning with it, at most the limit */
  hits = mt_read_quick_search (f->db, admin, prefix, 5);
  g_assert_cmpuint (hits->len, >=, 2);
  g_assert_cmpuint (hits->len, <=, 15);
  for (guint i = 0; i < hits->len; i++)
    {
      const MtQuickHit *hit = hits->pdata[i];

      if (hit->kind == MT_QUICK_DEVICE)
        g_assert_true (g_str_has_prefix (hit->title, prefix));
    }
  g_clear_pointer (&hits, g_ptr_array_unref);
  /* another store's device is not found by the store manager; its own is */
  hits = mt_read_quick_search (f->db, store, other_no, 8);
  for (guint i = 0; i < hits->len; i++)
    g_assert_false (((MtQuickHit *) hits->pdata[i])->kind == MT_QUICK_DEVICE);
  g_clear_pointer (&hits, g_ptr_array_unref);
  hits = mt_read_quick_search (f->db, store, own_no, 8);
  g_assert_cmpuint (hits->len, ==, 1);
  g_clear_pointer (&hits, g_ptr_array_unref);
  /* a member by the start of the mobile, once, with the mobile as the key */
  hits = mt_read_quick_search (f->db, store, mobile_prefix, 8);
  {
    gboolean found = FALSE;

    for (guint i = 0; i < hits->len; i++)
      {
        const MtQuickHit *hit = hits->pdata[i];

        g_assert_cmpint (hit->kind, ==, MT_QUICK_MEMBER);
        g_assert_true (g_str_has_prefix (hit->key, mobile_prefix));
        g_assert_cmpint (mt_db_query_int (f->db, 0, "SELECT store_id FROM members WHERE id = ?", "i", hit->id), ==,
                         store->store_id);
        found |= g_str_equal (hit->key, mobile);
        for (guint j = 0; j < i; j++)
          g_assert_false (((MtQuickHit *) hits->pdata[j])->id == hit->id);
      }
    g_assert_true (found);
  }
  g_clear_pointer (&hits, g_ptr_array_unref);
  /* a technician sees devices but not members */
  g_assert_false (mt_actor_can_view (tech, "members"));
  hits = mt_read_quick_search (f->db, tech, mobile, 8);
  g_assert_cmpuint (hits->len, ==, 0);
  g_clear_pointer (&hits, g_ptr_array_unref);
  /* nothing typed, or text that is not text: nothing */
  hits = mt_read_quick_search (f->db, admin, "  ", 8);
  g_assert_cmpuint (hits->len, ==, 0);
  g_clear_pointer (&hits, g_ptr_array_unref);
  hits = mt_read_quick_search (f->db, admin, "\xff\xfe", 8);
  g_assert_cmpuint (hits->len, ==, 0);
  g_clear_pointer (&hits, g_ptr_array_unref);
  /* a quote or a percent sign is just text */
  hits = mt_read_quick_search (f->db, admin, "'%", 8);
  g_assert_cmpuint (hits->len, ==, 0);
}

static void
test_read_models (Fixture *f, gconstpointer data)
{
  g_autoptr(MtActor) admin = sign_in (f, "admin");
  g_autoptr(MtActor) store = sign_in (f, "store");
  gint64 own = mt_db_query_int (f->db, 0, "SELECT min (id) FROM devices WHERE store_id = ? AND deleted = 0", "i",
                                store->store_id);
  gint64 other = mt_db_query_int (f->db, 0, "SELECT min (id) FROM devices WHERE (store_id IS NULL OR store_id <> ?) "
                                            "AND deleted = 0", "i", store->store_id);
  g_autofree char *own_no = mt_db_query_text (f->db, "SELECT device_no FROM devices WHERE id = ?", "i", own);
  g_autofree char *other_no = mt_db_query_text (f->db, "SELECT device_no FROM devices WHERE id = ?", "i", other);
  gint64 ids[] = { own, other };
  g_autoptr(MtDeviceCard) card = NULL;
  g_autoptr(GArray) places = NULL;
  g_auto(GStrv) fences = NULL;
  char *no;

  g_assert_cmpint (own, >, 0);
  g_assert_cmpint (other, >, 0);
  g_assert_cmpint (mt_read_device_id (f->db, store, own_no), ==, own);
  g_assert_cmpint (mt_read_device_id (f->db, store, other_no), ==, 0);
  g_assert_cmpint (mt_read_device_id (f->db, admin, other_no), ==, other);
  g_assert_cmpint (mt_read_device_id (f->db, admin, "no-such-device"), ==, 0);
  g_assert_null (mt_read_device_no (f->db, store, other));
  no = mt_read_device_no (f->db, store, own);
  g_assert_cmpstr (no, ==, own_no);
  g_free (no);
  g_assert_cmpint (mt_read_device_store (f->db, store, own), ==, store->store_id);
  g_assert_cmpint (mt_read_device_store (f->db, store, other), ==, 0);
  g_assert_null (mt_read_device_card (f->db, store, other));
  card = mt_read_device_card (f->db, store, own);
  g_assert_nonnull (card);
  g_assert_cmpstr (card->device_no, ==, own_no);
  fences = mt_read_device_fences (f->db, store, other);
  g_assert_cmpuint (g_strv_length (fences), ==, 0);
  g_assert_null (mt_read_battery_spec (f->db, store, other));
  g_assert_cmpint (mt_read_alarm_reports (f->db, store, other, "cell_ov"), ==, 0);
  {
    g_autoptr(GArray) snapshots = mt_read_snapshots (f->db, store, other, 0, G_MAXINT64);
    g_assert_cmpuint (snapshots->len, ==, 0);
  }

  /* of two devices asked, only the one in scope (when it has a position) */
  mt_db_run (f->db, NULL, "INSERT OR REPLACE INTO device_status (device_id, online, lat, lng) VALUES (?, 1, 30.2, 120.1), "
                          "(?, 1, 30.3, 120.2)", "ii", own, other);
  places = mt_read_device_places (f->db, store, ids, G_N_ELEMENTS (ids));
  g_assert_cmpuint (places->len, ==, 1);
  g_assert_cmpint (g_array_index (places, MtPlace, 0).id, ==, own);
  g_clear_pointer (&places, g_array_unref);
  places = mt_read_device_places (f->db, admin, ids, G_N_ELEMENTS (ids));
  g_assert_cmpuint (places->len, ==, 2);

  /* a repair and an alarm of another store read as absent */
  {
    gint64 repair = mt_db_query_int (f->db, 0, "SELECT min (id) FROM repairs WHERE store_id IS NULL OR store_id <> ?",
                                     "i", store->store_id);
    gint64 alarm = mt_db_query_int (f->db, 0, "SELECT min (id) FROM alarms WHERE store_id IS NULL OR store_id <> ?",
                                    "i", store->store_id);
    g_autoptr(MtRepairDetails) details = NULL;
    g_autoptr(GArray) steps = NULL;

    if (repair > 0)
      {
        g_assert_null (mt_read_repair (f->db, store, repair));
        steps = mt_read_repair_steps (f->db, store, repair);
        g_assert_cmpuint (steps->len, ==, 0);
        details = mt_read_repair (f->db, admin, repair);
        g_assert_nonnull (details);
      }
    if (alarm > 0)
      {
        g_autoptr(MtAlarmDetails) seen = mt_read_alarm (f->db, admin, alarm);

        g_assert_null (mt_read_alarm (f->db, store, alarm));
        g_assert_nonnull (seen);
      }
  }

  /* a member is found by mobile only for a store in scope */
  {
    gint64 other_store = mt_db_query_int (f->db, 0, "SELECT min (id) FROM stores WHERE id <> ? AND deleted = 0", "i",
                                          store->store_id);
    g_autofree char *mobile = mt_db_query_text (f->db, "SELECT mobile FROM members WHERE operator_id = ? AND deleted = 0 "
                                                       "LIMIT 1", "i", store->operator_id);
    g_autoptr(MtMemberHint) hint = mt_read_member_by_mobile (f->db, store, store->store_id, mobile);

    g_assert_nonnull (hint);
    g_assert_cmpint (hint->id, >, 0);
    g_assert_null (mt_read_member_by_mobile (f->db, store, other_store, mobile));
    g_assert_null (mt_read_member_by_mobile (f->db, store, store->store_id, "19999999999"));
  }

  /* an order of another store */
  {
    gint64 order = mt_db_query_int (f->db, 0, "SELECT min (id) FROM orders WHERE store_id <> ?", "i", store->store_id);
    g_autofree char *number = NULL;
    g_autofree char *state = mt_read_order_state (f->db, admin, order, &number);

    g_assert_nonnull (state);
    g_assert_nonnull (number);
    g_assert_null (mt_read_order_state (f->db, store, order, NULL));
  }
}

int
main (int argc, char *argv[])
{
  g_autofree char *dir = NULL;
  MtDemoOptions options;
  int ret;

  g_test_init (&argc, &argv, NULL);

  dir = g_dir_make_tmp ("mt-template-XXXXXX", NULL);
  template_path = g_build_filename (dir, "demo.db", NULL);
  {
    g_autoptr(GError) error = NULL;
    MtDb *db = mt_db_open (template_path, &error);
    g_assert_no_error (error);
    mt_demo_options_init (&options);
    g_assert_true (mt_demo_generate (db, &options, &error));
    mt_db_exec (db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL);
    mt_db_close (db);
  }

  g_test_add_func ("/mt/core/validate/mobile", test_validate_mobile);
  g_test_add_func ("/mt/core/validate/id-card", test_validate_id_card);
  g_test_add_func ("/mt/core/validate/money-hours", test_validate_money_hours);
  g_test_add_func ("/mt/core/validate/format-local", test_format_local);
  g_test_add_func ("/mt/core/migrations", test_migrations);
  g_test_add_func ("/mt/core/demo/deterministic", test_demo_deterministic);
#define ADD(name, fn) g_test_add ("/mt/core/" name, Fixture, NULL, fixture_set_up, fn, fixture_tear_down)
  ADD ("offline-sweep", test_offline_sweep);
  ADD ("store/create", test_store_create);
  ADD ("store/stale-version", test_store_stale_version);
  ADD ("scope/store-manager", test_store_manager_scope);
  ADD ("scope/operator", test_operator_scope);
  ADD ("roles/pages", test_roles_pages);
  ADD ("sign-in/refused", test_sign_in_refused);
  g_test_add_func ("/mt/core/api-docs", test_api_docs);
  ADD ("transactions", test_transactions);
  ADD ("repairs/lifecycle", test_repairs);
  ADD ("devices/transfer-rented", test_transfer_rented_refused);
  ADD ("listing/export-filtered", test_export_filtered);
  ADD ("settings/validate", test_settings);
  ADD ("place-search", test_place_search);
  ADD ("backup/write", test_backup_write);
  ADD ("backup/rotate", test_backup_rotate);
  ADD ("backup/restore", test_backup_restore);
  ADD ("devices/qr-labels", test_labels);
  ADD ("listing/every-page", test_every_listing);
  ADD ("listing/counts-follow-changes", test_listing_counts_follow_changes);
  ADD ("listing/search-plans", test_listing_search_plans);
  ADD ("listing/kept-counts", test_listing_kept_counts);
  ADD ("listing/count-limit", test_listing_count_limit);
  ADD ("listing/keyset", test_listing_keyset);
  ADD ("listing/adopt", test_listing_adopt);
  ADD ("listing/order-indexes", test_order_indexes);
  ADD ("listing/worker-interrupted", test_worker_interrupted);
  ADD ("geofences", test_geofences);
  ADD ("tracks", test_tracks);
  ADD ("read-models/scope", test_read_models);
  ADD ("read-models/quick-search", test_quick_search);
  ADD ("listing/province-filter", test_province_filter);

  ret = g_test_run ();
  g_unlink (template_path);
  g_rmdir (dir);
  return ret;
}
