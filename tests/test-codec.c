/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The telemetry codec: every message type written and read back, each refusal naming what is
 * wrong, and the fuzzer's corpus of malformed payloads replayed through every parser. */

#include "config.h"

#include <math.h>
#include <string.h>

#include "mt-codec.h"

/* A literal payload and its length */
#define P(s) s, strlen (s)

static void
sample (MtTelemetry *t)
{
  mt_telemetry_init (t);
  t->seq = 4294967295u;
  t->ts_ms = G_GINT64_CONSTANT (1795795200000);
  t->state = MT_BMS_DISCHARGING;
  t->soc = 76;
  t->pack_mv = 76160;
  t->current_ma = -12400;
  t->n_cells = 20;
  for (int k = 0; k < 20; k++)
    t->cells_mv[k] = 3800 + k;
  t->n_temps = 3;
  t->temps_dc[0] = 251;
  t->temps_dc[1] = MT_ABSENT;
  t->temps_dc[2] = -45;
  t->board_dc = 268;
  t->cycles = 312;
  t->charge_on = 1;
  t->discharge_on = 0;
  t->prot = (1u << MT_PROT_CELL_OV) | (1u << MT_PROT_TEMP_LOW);
  t->balancing = (1u << 3) | (1u << 19);
  t->has_pos = TRUE;
  t->lat = 30.274135;
  t->lng = 120.155072;
  t->speed_kmh = 21.5;
  g_strlcpy (t->fw, "固件 \"2.3\"\\1", sizeof t->fw);
  t->chem = MT_CHEM_LFP;
  t->balance_type = MT_BALANCE_ACTIVE;
  t->n_ext = 2;
  t->ext_dc[0] = MT_ABSENT;
  t->ext_dc[1] = -15;
  t->preheat = 1;
  t->relay = 0;
  t->fw_major = 65535;
  t->fw_minor = 0;
  g_strlcpy (t->mcu, "GD32F303", sizeof t->mcu);
  g_strlcpy (t->vendor, "厂商01", sizeof t->vendor);
  g_strlcpy (t->cabinet, "换电柜-A", sizeof t->cabinet);
  g_strlcpy (t->made, "2024-02-29", sizeof t->made);
}

static void
test_telemetry_round_trip (void)
{
  MtTelemetry t, back;
  g_autoptr(GError) error = NULL;
  g_autofree char *json = NULL;
  int hi, lo;

  sample (&t);
  json = mt_telemetry_to_json (&t);
  g_assert_true (mt_telemetry_parse (json, strlen (json), &back, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (back.seq, ==, t.seq);
  g_assert_cmpint (back.ts_ms, ==, t.ts_ms);
  g_assert_cmpint (back.state, ==, MT_BMS_DISCHARGING);
  g_assert_cmpint (back.soc, ==, 76);
  g_assert_cmpint (back.current_ma, ==, -12400);
  g_assert_cmpint (back.n_cells, ==, 20);
  g_assert_cmpmem (back.cells_mv, sizeof (int) * 20, t.cells_mv, sizeof (int) * 20);
  g_assert_cmpint (back.n_temps, ==, 3);
  g_assert_cmpint (back.temps_dc[1], ==, MT_ABSENT);
  g_assert_cmpint (back.temps_dc[2], ==, -45);
  g_assert_cmpint (back.board_dc, ==, 268);
  g_assert_cmpint (back.remaining_mah, ==, MT_ABSENT);
  g_assert_cmpint (back.cycles, ==, 312);
  g_assert_cmpint (back.charge_on, ==, 1);
  g_assert_cmpint (back.discharge_on, ==, 0);
  g_assert_cmpint (back.vibration, ==, MT_ABSENT);
  g_assert_cmpuint (back.prot, ==, t.prot);
  g_assert_cmpuint (back.balancing, ==, t.balancing);
  g_assert_true (back.has_pos);
  g_assert_cmpfloat_with_epsilon (back.lat, 30.274135, 1e-9);
  g_assert_cmpfloat_with_epsilon (back.lng, 120.155072, 1e-9);
  g_assert_cmpfloat_with_epsilon (back.speed_kmh, 21.5, 1e-9);
  g_assert_cmpstr (back.fw, ==, t.fw);
  /* the board's description */
  g_assert_cmpint (back.chem, ==, MT_CHEM_LFP);
  g_assert_cmpint (back.balance_type, ==, MT_BALANCE_ACTIVE);
  g_assert_cmpint (back.n_ext, ==, 2);
  g_assert_cmpint (back.ext_dc[0], ==, MT_ABSENT);
  g_assert_cmpint (back.ext_dc[1], ==, -15);
  g_assert_cmpint (back.preheat, ==, 1);
  g_assert_cmpint (back.relay, ==, 0);
  g_assert_cmpint (back.fw_major, ==, 65535);
  g_assert_cmpint (back.fw_minor, ==, 0);
  g_assert_cmpstr (back.mcu, ==, "GD32F303");
  g_assert_cmpstr (back.vendor, ==, "厂商01");
  g_assert_cmpstr (back.cabinet, ==, "换电柜-A");
  g_assert_cmpstr (back.made, ==, "2024-02-29");
  mt_telemetry_cell_extremes (&back, &hi, &lo);
  g_assert_cmpint (hi, ==, 19);
  g_assert_cmpint (lo, ==, 0);

  /* without a fix, and with nothing optional */
  mt_telemetry_init (&t);
  t.n_cells = 1;
  t.cells_mv[0] = 3300;
  t.ts_ms = 1;
  g_clear_pointer (&json, g_free);
  json = mt_telemetry_to_json (&t);
  g_assert_true (mt_telemetry_parse (json, strlen (json), &back, &error));
  g_assert_false (back.has_pos);
  g_assert_cmpint (back.n_temps, ==, 0);
  g_assert_cmpint (back.board_dc, ==, MT_ABSENT);
  g_assert_cmpint (back.chem, ==, MT_ABSENT);
  g_assert_cmpint (back.balance_type, ==, MT_ABSENT);
  g_assert_cmpint (back.preheat, ==, MT_ABSENT);
  g_assert_cmpint (back.fw_major, ==, MT_ABSENT);
  g_assert_cmpint (back.n_ext, ==, 0);
  g_assert_cmpstr (back.made, ==, "");
}

typedef struct
{
  const char  *payload;
  MtCodecError code;
  const char  *named;   /* the member the message names, or NULL */
} Refusal;

static void
test_telemetry_refusals (void)
{
#define BASE "\"v\":1,\"seq\":1,\"ts\":1,\"state\":\"idle\",\"pack_mv\":1,\"current_ma\":0"
  static const Refusal cases[] = {
    { "", MT_CODEC_ERROR_SIZE, NULL },
    { "null", MT_CODEC_ERROR_SYNTAX, NULL },
    { "{\"v\":1", MT_CODEC_ERROR_SYNTAX, NULL },
    { "{\"v\":1,}", MT_CODEC_ERROR_SYNTAX, NULL },
    { "{\"v\":1}x", MT_CODEC_ERROR_SYNTAX, NULL },
    { "{'v':1}", MT_CODEC_ERROR_SYNTAX, NULL },
    { "{\"v\":1.0}", MT_CODEC_ERROR_VERSION, "“v”" },
    { "{\"seq\":1}", MT_CODEC_ERROR_VERSION, "“v”" },
    { "{" BASE ",\"cells_mv\":[1]}", MT_CODEC_ERROR_MEMBER, "“soc”" },
    { "{" BASE ",\"soc\":-1,\"cells_mv\":[1]}", MT_CODEC_ERROR_MEMBER, "“soc”" },
    { "{" BASE ",\"soc\":\"50\",\"cells_mv\":[1]}", MT_CODEC_ERROR_MEMBER, "“soc”" },
    { "{" BASE ",\"soc\":5,\"cells_mv\":[5001]}", MT_CODEC_ERROR_MEMBER, "“cells_mv”" },
    { "{" BASE ",\"soc\":5,\"cells_mv\":\"3300\"}", MT_CODEC_ERROR_MEMBER, "“cells_mv”" },
    { "{" BASE ",\"soc\":5,\"cells_mv\":[1],\"temps_dc\":[1501]}", MT_CODEC_ERROR_MEMBER, "“temps_dc”" },
    { "{" BASE ",\"soc\":5,\"cells_mv\":[1],\"pos\":{\"lat\":10}}", MT_CODEC_ERROR_MEMBER, "“lng”" },
    { "{" BASE ",\"soc\":5,\"cells_mv\":[1],\"pos\":{\"lat\":10,\"lng\":181}}", MT_CODEC_ERROR_MEMBER, "“lng”" },
    { "{" BASE ",\"soc\":5,\"cells_mv\":[1],\"pos\":[1,2]}", MT_CODEC_ERROR_MEMBER, "“pos”" },
    { "{" BASE ",\"soc\":5,\"cells_mv\":[1],\"charge_on\":1}", MT_CODEC_ERROR_MEMBER, "“charge_on”" },
    { "{" BASE ",\"soc\":5,\"cells_mv\":[1],\"fw\":\"123456789012345678901234567890123\"}", MT_CODEC_ERROR_MEMBER, "“fw”" },
    { "{" BASE ",\"soc\":5,\"cells_mv\":[1],\"chem\":\"lipo\"}", MT_CODEC_ERROR_MEMBER, "“chem”" },
    { "{" BASE ",\"soc\":5,\"cells_mv\":[1],\"chem\":1}", MT_CODEC_ERROR_MEMBER, "“chem”" },
    { "{" BASE ",\"soc\":5,\"cells_mv\":[1],\"balance\":\"passive-aggressive\"}", MT_CODEC_ERROR_MEMBER, "“balance”" },
    { "{" BASE ",\"soc\":5,\"cells_mv\":[1],\"ext_dc\":[1,2,3]}", MT_CODEC_ERROR_MEMBER, "“ext_dc”" },
    { "{" BASE ",\"soc\":5,\"cells_mv\":[1],\"ext_dc\":[-401]}", MT_CODEC_ERROR_MEMBER, "“ext_dc”" },
    { "{" BASE ",\"soc\":5,\"cells_mv\":[1],\"preheat\":\"yes\"}", MT_CODEC_ERROR_MEMBER, "“preheat”" },
    { "{" BASE ",\"soc\":5,\"cells_mv\":[1],\"relay\":0}", MT_CODEC_ERROR_MEMBER, "“relay”" },
    { "{" BASE ",\"soc\":5,\"cells_mv\":[1],\"fw_major\":65536}", MT_CODEC_ERROR_MEMBER, "“fw_major”" },
    { "{" BASE ",\"soc\":5,\"cells_mv\":[1],\"fw_minor\":-1}", MT_CODEC_ERROR_MEMBER, "“fw_minor”" },
    { "{" BASE ",\"soc\":5,\"cells_mv\":[1],\"mcu\":\"123456789012345678901234567890123\"}", MT_CODEC_ERROR_MEMBER, "“mcu”" },
    { "{" BASE ",\"soc\":5,\"cells_mv\":[1],\"made\":\"2023-02-29\"}", MT_CODEC_ERROR_MEMBER, "“made”" },
    { "{" BASE ",\"soc\":5,\"cells_mv\":[1],\"made\":\"2023-2-9\"}", MT_CODEC_ERROR_MEMBER, "“made”" },
    { "{" BASE ",\"soc\":5,\"cells_mv\":[1],\"made\":\"2023-12-01x\"}", MT_CODEC_ERROR_MEMBER, "“made”" },
    { "{" BASE ",\"soc\":5,\"cells_mv\":[1],\"made\":20231201}", MT_CODEC_ERROR_MEMBER, "“made”" },
    { "{\"v\":1,\"seq\":4294967296,\"ts\":1}", MT_CODEC_ERROR_MEMBER, "“seq”" },
    { "{\"v\":1,\"seq\":1,\"ts\":0}", MT_CODEC_ERROR_MEMBER, "“ts”" },
    { "{\"v\":1,\"seq\":1,\"ts\":1,\"state\":\"flying\"}", MT_CODEC_ERROR_MEMBER, "“state”" },
  };
#undef BASE

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      MtTelemetry t;

      g_test_message ("%s", cases[i].payload);
      g_assert_false (mt_telemetry_parse (cases[i].payload, strlen (cases[i].payload), &t, &error));
      g_assert_error (error, MT_CODEC_ERROR, (int) cases[i].code);
      if (cases[i].named)
        g_assert_nonnull (strstr (error->message, cases[i].named));
    }
  /* larger than the limit */
  {
    g_autoptr(GError) error = NULL;
    g_autofree char *big = g_strnfill (MT_CODEC_MAX_PAYLOAD + 1, ' ');
    MtTelemetry t;

    g_assert_false (mt_telemetry_parse (big, strlen (big), &t, &error));
    g_assert_error (error, MT_CODEC_ERROR, MT_CODEC_ERROR_SIZE);
  }
}

/* BMS parameters as people write them: V, A, °C, Ah, exact both ways */
static void
test_param_units (void)
{
  static const struct { MtParam param; int value; const char *shown; } shown[] = {
    { MT_PARAM_CELL_OV, 4250, "4.250" },
    { MT_PARAM_PACK_OV, 85000, "85.0" },
    { MT_PARAM_PACK_OV, 85050, "85.05" },
    { MT_PARAM_PACK_UV, 56001, "56.001" },
    { MT_PARAM_CHARGE_OC, 30000, "30.0" },
    { MT_PARAM_CHARGE_OC, 100, "0.1" },
    { MT_PARAM_DISCHARGE_TEMP_LOW, -200, "-20.0" },
    { MT_PARAM_DISCHARGE_TEMP_LOW, -5, "-0.5" },
    { MT_PARAM_CHARGE_TEMP_LOW, 0, "0.0" },
    { MT_PARAM_BALANCE_DELTA, 30, "30" },
    { MT_PARAM_NOMINAL_CAPACITY, 55000, "55.0" },
    { MT_PARAM_NOMINAL_CAPACITY, 55123, "55.123" },
  };
  static const struct { MtParam param; const char *text; int value; } read[] = {
    { MT_PARAM_CELL_OV, "4.25", 4250 },
    { MT_PARAM_CELL_OV, " 4,2 ", 4200 },
    { MT_PARAM_CELL_OV, "4", 4000 },
    { MT_PARAM_DISCHARGE_TEMP_LOW, "-20", -200 },
    { MT_PARAM_DISCHARGE_TEMP_LOW, "-0.5", -5 },
    { MT_PARAM_CHARGE_OC, "+30.5", 30500 },
    { MT_PARAM_BALANCE_DELTA, "30", 30 },
  };
  static const struct { MtParam param; const char *text; const char *says; } refused[] = {
    { MT_PARAM_CELL_OV, "", "number" },
    { MT_PARAM_CELL_OV, "abc", "number" },
    { MT_PARAM_CELL_OV, "4.2V", "number" },
    { MT_PARAM_CELL_OV, ".5", "number" },
    { MT_PARAM_CELL_OV, "4.2505", "3" },
    { MT_PARAM_BALANCE_DELTA, "30.5", "0" },
    { MT_PARAM_CELL_OV, "4.801", "4.800" },
    { MT_PARAM_CELL_OV, "1.999", "2.000" },
    { MT_PARAM_DISCHARGE_TEMP_LOW, "-40.1", "-40.0" },
    { MT_PARAM_CHARGE_OC, "99999999999", "number" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (shown); i++)
    {
      g_autofree char *text = mt_param_format (shown[i].param, shown[i].value);
      gint64 back = 0;

      g_assert_cmpstr (text, ==, shown[i].shown);
      g_assert_true (mt_param_parse (shown[i].param, text, &back, NULL));
      g_assert_cmpint (back, ==, shown[i].value);
    }
  for (guint i = 0; i < G_N_ELEMENTS (read); i++)
    {
      g_autoptr(GError) error = NULL;
      gint64 v = 0;

      g_assert_true (mt_param_parse (read[i].param, read[i].text, &v, &error));
      g_assert_no_error (error);
      g_assert_cmpint (v, ==, read[i].value);
    }
  for (guint i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      g_autoptr(GError) error = NULL;
      gint64 v = 0;

      g_test_message ("%s", refused[i].text);
      g_assert_false (mt_param_parse (refused[i].param, refused[i].text, &v, &error));
      g_assert_nonnull (error);
      g_assert_nonnull (strstr (error->message, refused[i].says));
      /* the message names the parameter */
      g_assert_nonnull (strstr (error->message, mt_param_info (refused[i].param)->title));
    }
}

static void
test_topics (void)
{
  char no[MT_DEVICE_NO_MAX + 1];
  MtTopicKind kind;
  g_autofree char *topic = mt_topic_build ("mt/v1", "2306000001", MT_TOPIC_ACK);
  g_autofree char *filter = mt_topic_filter ("mt/v1", MT_TOPIC_TELEMETRY);
  static const char *const bad[] = {
    "mt/v1/dev/2306000001/telemetry/x", "mt/v1/dev/230/telemetry", "mt/v1/dev//telemetry",
    "mt/v2/dev/2306000001/telemetry", "mt/v1/dev/23060000+1/telemetry", "mt/v1/dev/2306000001",
    "mt/v1/devices/2306000001/telemetry", "mt/v1/dev/123456789012345678901234567890123/telemetry",
  };

  g_assert_cmpstr (topic, ==, "mt/v1/dev/2306000001/ack");
  g_assert_cmpstr (filter, ==, "mt/v1/dev/+/telemetry");
  g_assert_true (mt_topic_parse ("mt/v1", topic, no, &kind, NULL));
  g_assert_cmpstr (no, ==, "2306000001");
  g_assert_cmpint (kind, ==, MT_TOPIC_ACK);
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_assert_false (mt_topic_parse ("mt/v1", bad[i], no, &kind, &error));
      g_assert_error (error, MT_CODEC_ERROR, MT_CODEC_ERROR_TOPIC);
    }
}

static void
test_events_and_status (void)
{
  MtEvent e = { .seq = 9, .ts_ms = 5, .kind = MT_EVENT_PROT, .prot = MT_PROT_SHORT_CIRCUIT,
                .has_value = TRUE, .value = 152000 }, back;
  g_autofree char *json = mt_event_to_json (&e);
  g_autofree char *will = mt_status_to_json (FALSE, 0);
  g_autofree char *online = mt_status_to_json (TRUE, 1000);
  g_autoptr(GError) error = NULL;
  gboolean on = TRUE;

  g_assert_true (mt_event_parse (json, strlen (json), &back, &error));
  g_assert_cmpint (back.kind, ==, MT_EVENT_PROT);
  g_assert_cmpstr (mt_event_alarm_type (&back), ==, "short_circuit");
  g_assert_cmpfloat (back.value, ==, 152000);
  g_assert_true (mt_event_parse (P ("{\"v\":1,\"seq\":1,\"ts\":2,\"type\":\"vibration\"}"), &back, NULL));
  g_assert_cmpstr (mt_event_alarm_type (&back), ==, "vibration");
  g_assert_false (back.has_value);
  g_assert_true (mt_event_parse (P ("{\"v\":1,\"seq\":1,\"ts\":2,\"type\":\"button\"}"), &back, NULL));
  g_assert_null (mt_event_alarm_type (&back));
  g_assert_false (mt_event_parse (P ("{\"v\":1,\"seq\":1,\"ts\":2,\"type\":\"fire\"}"), &back, &error));
  g_assert_nonnull (strstr (error->message, "“type”"));
  g_clear_error (&error);

  g_assert_true (mt_status_parse (will, strlen (will), &on, &error));
  g_assert_false (on);
  g_assert_true (mt_status_parse (online, strlen (online), &on, &error));
  g_assert_true (on);
  g_assert_false (mt_status_parse (P ("{\"v\":1}"), &on, &error));
  g_assert_nonnull (strstr (error->message, "“online”"));
}

static void
test_commands (void)
{
  MtCommand c = { .kind = MT_CMD_WRITE_PARAMS }, back;
  MtAck ack = { .ok = TRUE }, ack_back;
  MtParams factory;
  g_autoptr(GError) error = NULL;
  g_autofree char *json = NULL;
  MtParam p;

  g_strlcpy (c.id, "c\"1\"", sizeof c.id);
  g_assert_true (mt_params_set (&c.params, MT_PARAM_CELL_OV, 4200, &error));
  g_assert_false (mt_params_set (&c.params, MT_PARAM_CELL_UV, 4000, &error));
  g_assert_nonnull (strstr (error->message, "1500"));
  g_clear_error (&error);
  json = mt_command_to_json (&c);
  g_assert_true (mt_command_parse (json, strlen (json), &back, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (back.id, ==, "c\"1\"");
  g_assert_cmpint (back.kind, ==, MT_CMD_WRITE_PARAMS);
  g_assert_cmpuint (back.params.mask, ==, 1u << MT_PARAM_CELL_OV);
  g_assert_cmpint (back.params.values[MT_PARAM_CELL_OV], ==, 4200);

  c.kind = MT_CMD_DISCHARGE;
  c.on = FALSE;
  g_clear_pointer (&json, g_free);
  json = mt_command_to_json (&c);
  g_assert_true (mt_command_parse (json, strlen (json), &back, &error));
  g_assert_cmpint (back.kind, ==, MT_CMD_DISCHARGE);
  g_assert_false (back.on);
  for (guint k = 0; k < MT_N_CMDS; k++)
    {
      MtCommandKind kind;
      g_assert_true (mt_command_lookup (mt_command_name (k), &kind));
      g_assert_cmpint (kind, ==, k);
    }

  mt_params_factory (&factory);
  for (guint k = 0; k < MT_N_PARAMS; k++)
    {
      const MtParamInfo *info = mt_param_info (k);
      g_assert_true (mt_param_lookup (info->key, &p));
      g_assert_cmpint (p, ==, k);
      g_assert_cmpint (factory.values[k], >=, info->min);
      g_assert_cmpint (factory.values[k], <=, info->max);
    }
  g_strlcpy (ack.id, "c1", sizeof ack.id);
  ack.params = factory;
  g_clear_pointer (&json, g_free);
  json = mt_ack_to_json (&ack);
  g_assert_true (mt_ack_parse (json, strlen (json), &ack_back, &error));
  g_assert_true (ack_back.ok);
  g_assert_cmpuint (ack_back.params.mask, ==, factory.mask);
  g_assert_cmpmem (ack_back.params.values, sizeof factory.values, factory.values, sizeof factory.values);
  ack.ok = FALSE;
  ack.params.mask = 0;
  g_strlcpy (ack.error, "busy", sizeof ack.error);
  g_clear_pointer (&json, g_free);
  json = mt_ack_to_json (&ack);
  g_assert_true (mt_ack_parse (json, strlen (json), &ack_back, &error));
  g_assert_false (ack_back.ok);
  g_assert_cmpstr (ack_back.error, ==, "busy");
}

/* Every file of a corpus folder through every parser: "good-" files are accepted by the parser
 * of their kind, "bad-" files by none, and nothing crashes; returns how many were read */
static guint
replay (const char *folder)
{
  g_autoptr(GDir) dir = g_dir_open (folder, 0, NULL);
  const char *name;
  guint n = 0;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (folder, name, NULL);
      g_autofree char *data = NULL;
      gsize len = 0;
      MtTelemetry t;
      MtEvent e;
      MtCommand c;
      MtAck a;
      gboolean online, accepted[5];
      guint n_accepted = 0;

      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        continue;
      g_assert_true (g_file_get_contents (path, &data, &len, NULL));
      accepted[0] = mt_telemetry_parse (data, len, &t, NULL);
      accepted[1] = mt_event_parse (data, len, &e, NULL);
      accepted[2] = mt_status_parse (data, len, &online, NULL);
      accepted[3] = mt_command_parse (data, len, &c, NULL);
      accepted[4] = mt_ack_parse (data, len, &a, NULL);
      for (guint k = 0; k < 5; k++)
        n_accepted += accepted[k];
      if (g_str_has_prefix (name, "bad-"))
        {
          if (n_accepted != 0)
            g_error ("%s was accepted", name);
        }
      else if (g_str_has_prefix (name, "good-"))
        {
          if (n_accepted != 1)
            g_error ("%s was accepted by %u parsers", name, n_accepted);
        }
      /* other files (found by the fuzzer) only must not crash; their results re-encode */
      if (accepted[0])
        g_free (mt_telemetry_to_json (&t));
      n++;
    }
  return n;
}

/* The hand-written corpus, and what the fuzzer (tests/fuzz/run.sh) kept */
static void
test_corpus (void)
{
  g_autofree char *found = g_build_filename (CODEC_CORPUS, "found", NULL);

  g_assert_cmpuint (replay (CODEC_CORPUS), >=, 30);
  if (g_file_test (found, G_FILE_TEST_IS_DIR))
    g_test_message ("%u inputs the fuzzer found", replay (found));
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/mt/codec/telemetry-round-trip", test_telemetry_round_trip);
  g_test_add_func ("/mt/codec/telemetry-refusals", test_telemetry_refusals);
  g_test_add_func ("/mt/codec/param-units", test_param_units);
  g_test_add_func ("/mt/codec/topics", test_topics);
  g_test_add_func ("/mt/codec/events-and-status", test_events_and_status);
  g_test_add_func ("/mt/codec/commands", test_commands);
  g_test_add_func ("/mt/codec/corpus", test_corpus);
  return g_test_run ();
}
