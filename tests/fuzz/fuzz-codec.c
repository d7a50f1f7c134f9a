/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer target: every payload through every parser of the codec, and what is accepted
 * written back and read again. Built and run by tests/fuzz/run.sh (clang). */

#include <stdint.h>
#include <string.h>

#include "mt-codec.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  const char *payload = (const char *) data;
  char no[MT_DEVICE_NO_MAX + 1];
  MtTopicKind kind;
  MtTelemetry t;
  MtEvent e;
  MtCommand c;
  MtAck a;
  gboolean online;
  char *topic;

  if (mt_telemetry_parse (payload, size, &t, NULL))
    {
      char *again = mt_telemetry_to_json (&t);
      MtTelemetry back;

      /* what the codec accepts, it writes in a form it accepts */
      if (!mt_telemetry_parse (again, strlen (again), &back, NULL) || back.soc != t.soc ||
          back.n_cells != t.n_cells || back.prot != t.prot)
        __builtin_trap ();
      g_free (again);
    }
  if (mt_event_parse (payload, size, &e, NULL))
    g_free (mt_event_to_json (&e));
  mt_status_parse (payload, size, &online, NULL);
  if (mt_command_parse (payload, size, &c, NULL))
    {
      char *again = mt_command_to_json (&c);
      MtCommand back;

      if (!mt_command_parse (again, strlen (again), &back, NULL) || back.kind != c.kind ||
          strcmp (back.id, c.id) != 0)
        __builtin_trap ();
      g_free (again);
    }
  if (mt_ack_parse (payload, size, &a, NULL))
    g_free (mt_ack_to_json (&a));
  /* the payload as a topic too */
  topic = g_strndup (payload, size);
  mt_topic_parse ("mt/v1", topic, no, &kind, NULL);
  g_free (topic);
  return 0;
}
