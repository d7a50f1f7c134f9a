/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "mt-db.h"

G_BEGIN_DECLS

/* A real mingtang-server ($MINGTANG_SERVER) on a free loopback port over @database; it dies with
 * the test. Returns the process and sets @url ("http://127.0.0.1:PORT/"). */
GSubprocess *mt_test_server_start (const char  *database,
                                   char       **url);
/* The same on a given "127.0.0.1:PORT" (to come back where it was) */
GSubprocess *mt_test_server_start_at (const char  *database,
                                      const char  *listen,
                                      char       **url);
/* The same with more arguments (NULL-terminated) */
GSubprocess *mt_test_server_start_full (const char         *database,
                                        const char         *listen,
                                        const char *const  *extra,
                                        char              **url);
void         mt_test_server_stop  (GSubprocess *server);
/* mosquitto on free loopback ports with the shipped configuration and ACL (build-aux/broker.sh,
 * plus @extra_acl lines, and @extra_conf lines: another listener, say), and @users as
 * NULL-terminated name, password pairs (names of digits are batteries, on the device listener);
 * files in @dir. Sets @uri to the service listener ("tcp://127.0.0.1:PORT") and @device_uri
 * (if not NULL) to the device listener. Stop it with mt_test_server_stop(). */
GSubprocess *mt_test_broker_start (const char         *dir,
                                   const char *const  *users,
                                   const char         *extra_acl,
                                   const char         *extra_conf,
                                   char              **uri,
                                   char              **device_uri);
/* A loopback port nobody listens on now */
guint16      mt_test_free_port    (void);
/* mosquitto_pub: one message at QoS 1 to the broker at @uri ("tcp://127.0.0.1:PORT") */
/* Many messages in one connection, each on its own topic, at QoS 1, retained or not; returns
 * when the broker has taken them all */
void         mt_test_mqtt_publish_many (const char        *uri,
                                        const char        *user,
                                        const char        *password,
                                        GPtrArray         *topics,
                                        GPtrArray         *payloads,
                                        gboolean           retained);
void         mt_test_mqtt_publish (const char         *uri,
                                   const char         *user,
                                   const char         *password,
                                   const char         *topic,
                                   const char         *payload);
/* Runs @argv to its end, quietly; the test fails unless it exits with 0 */
void         mt_test_run          (const char *const  *argv);
/* A launcher whose children die with the test */
GSubprocessLauncher *mt_test_launcher_new (GSubprocessFlags flags);
/* A copy of a demo database (generated once per test program) at @path */
void         mt_test_demo_copy    (const char  *path);
void         mt_test_demo_cleanup (void);
/* SQL: the battery type in the column @type has live billing rules, each with services and a
 * contract (the demo's one district rule has neither, and which batteries are free to rent
 * depends on the day the demo is made) */
#define MT_TEST_FULL_RULES(type) \
  type " IN (SELECT type_id FROM billing_rules WHERE deleted = 0) AND " type " NOT IN (SELECT " \
  "r.type_id FROM billing_rules r WHERE r.deleted = 0 AND (r.contract = '' OR NOT EXISTS (SELECT 1 " \
  "FROM billing_services s WHERE s.rule_id = r.id AND s.deleted = 0)))"

/* Counts the statements run on @db from now on in @counter (PRAGMAs aside: its data stamp), or
 * stops counting (@counter NULL) */
void         mt_test_count_statements (MtDb  *db,
                                       guint *counter);
/* Removes a database file with its -wal and -shm, and its folder when that is then empty */
void         mt_test_remove_db    (const char  *path);

/* Asserts the text a query answers (mt_db_query_text's arguments after the database) */
#define mt_assert_query_text(db, expected, ...) G_STMT_START { \
    g_autofree char *mt_text_ = mt_db_query_text (db, __VA_ARGS__); \
    g_assert_cmpstr (mt_text_, ==, expected); } G_STMT_END

/* Removes @path and everything under it */
void         mt_test_remove_tree     (const char  *path);

G_END_DECLS
