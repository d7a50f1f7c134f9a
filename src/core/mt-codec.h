/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The telemetry protocol of docs/protocol.md: topics and the JSON payloads of telemetry, events,
 * status, commands and acks. One strict parser, bounded in size and depth, used by the server,
 * the console and the simulator; it never trusts its input. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define MT_CODEC_VERSION      1
#define MT_CODEC_MAX_PAYLOAD  16384
#define MT_MAX_CELLS          32
#define MT_MAX_TEMPS          8
#define MT_DEVICE_NO_MAX      32
#define MT_COMMAND_ID_MAX     64

#define MT_CODEC_ERROR (mt_codec_error_quark ())
GQuark mt_codec_error_quark (void);

/* Why a message was refused: the counters of the ingest are kept per code */
typedef enum
{
  MT_CODEC_ERROR_TOPIC,     /* not PREFIX/dev/NO/KIND, or a bad device number */
  MT_CODEC_ERROR_SIZE,      /* empty or larger than MT_CODEC_MAX_PAYLOAD */
  MT_CODEC_ERROR_SYNTAX,    /* not one JSON object */
  MT_CODEC_ERROR_VERSION,   /* "v" missing or not 1 */
  MT_CODEC_ERROR_MEMBER,    /* a member missing, of the wrong type or out of range */
  MT_CODEC_N_ERRORS
} MtCodecError;

typedef enum
{
  MT_TOPIC_TELEMETRY,
  MT_TOPIC_EVENT,
  MT_TOPIC_STATUS,
  MT_TOPIC_CMD,
  MT_TOPIC_ACK,
  MT_N_TOPICS
} MtTopicKind;

/* @device_no receives the number (MT_DEVICE_NO_MAX + 1 bytes) */
gboolean    mt_topic_parse        (const char  *prefix,
                                   const char  *topic,
                                   char        *device_no,
                                   MtTopicKind *kind,
                                   GError     **error);
char       *mt_topic_build        (const char  *prefix,
                                   const char  *device_no,
                                   MtTopicKind  kind);
/* PREFIX/dev/+/KIND */
char       *mt_topic_filter       (const char  *prefix,
                                   MtTopicKind  kind);
gboolean    mt_device_no_is_valid (const char  *device_no);

/* Protections a BMS reports; also alarm types of the same name */
typedef enum
{
  MT_PROT_CELL_OV,
  MT_PROT_CELL_UV,
  MT_PROT_PACK_OV,
  MT_PROT_PACK_UV,
  MT_PROT_CHARGE_OC,
  MT_PROT_DISCHARGE_OC,
  MT_PROT_SHORT_CIRCUIT,
  MT_PROT_TEMP_HIGH,
  MT_PROT_TEMP_LOW,
  MT_N_PROTS
} MtProt;

const char *mt_prot_name (MtProt prot);

typedef enum
{
  MT_BMS_IDLE,
  MT_BMS_CHARGING,
  MT_BMS_DISCHARGING
} MtBmsState;

const char *mt_bms_state_name (MtBmsState state);

/* The cells' chemistry a board reports ("chem") */
typedef enum
{
  MT_CHEM_NMC,     /* 三元 */
  MT_CHEM_LFP,     /* 磷酸铁锂 */
  MT_CHEM_LTO,     /* 钛酸锂 */
  MT_N_CHEMS
} MtChemistry;

const char *mt_chemistry_name (MtChemistry chem);

/* How the board balances its cells ("balance") */
typedef enum
{
  MT_BALANCE_PASSIVE,
  MT_BALANCE_ACTIVE,
  MT_N_BALANCE_TYPES
} MtBalanceType;

#define MT_MAX_EXT_TEMPS 2

/* Absent optional integers are MT_ABSENT */
#define MT_ABSENT G_MININT32

typedef struct
{
  guint32    seq;
  gint64     ts_ms;
  MtBmsState state;
  int        soc;
  int        pack_mv;
  int        current_ma;
  int        n_cells;
  int        cells_mv[MT_MAX_CELLS];
  int        n_temps;
  int        temps_dc[MT_MAX_TEMPS];   /* MT_ABSENT: an open sensor */
  int        board_dc;                 /* MT_ABSENT: none or open */
  int        remaining_mah;
  int        nominal_mah;
  int        cycles;
  int        charge_on;                /* 0, 1 or MT_ABSENT */
  int        discharge_on;
  int        vibration;
  guint32    prot;                     /* 1 << MtProt */
  guint32    balancing;                /* 1 << (cell - 1) */
  gboolean   has_pos;
  double     lat;
  double     lng;
  double     speed_kmh;                /* < 0: absent */
  char       fw[33];
  char       hw[33];
  char       tower[33];
  /* the board's description, sent with every reading or now and then; all optional */
  int        chem;                     /* MtChemistry or MT_ABSENT */
  int        balance_type;             /* MtBalanceType or MT_ABSENT */
  int        n_ext;
  int        ext_dc[MT_MAX_EXT_TEMPS];  /* EXT1, EXT2: MT_ABSENT is an open sensor */
  int        preheat;                  /* 0, 1 or MT_ABSENT: the pre-heating function is on */
  int        relay;                    /* 0, 1 or MT_ABSENT: switches by relays (otherwise MOS) */
  int        fw_major;                 /* MT_ABSENT, or 0 – 65535 */
  int        fw_minor;
  char       mcu[33];
  char       vendor[33];
  char       cabinet[33];
  char       made[11];                 /* YYYY-MM-DD, the date it left the factory */
} MtTelemetry;

void        mt_telemetry_init     (MtTelemetry       *t);
gboolean    mt_telemetry_parse    (const char        *payload,
                                   gsize              length,
                                   MtTelemetry       *out,
                                   GError           **error);
char       *mt_telemetry_to_json  (const MtTelemetry *t);
/* The highest and lowest cell (0-based), or -1 without cells */
void        mt_telemetry_cell_extremes (const MtTelemetry *t,
                                        int               *highest,
                                        int               *lowest);

typedef enum
{
  MT_EVENT_PROT,        /* .prot says which */
  MT_EVENT_VIBRATION,
  MT_EVENT_OVER_CHARGE,
  MT_EVENT_OVER_DISCHARGE,
  MT_EVENT_BUTTON
} MtEventKind;

typedef struct
{
  guint32     seq;
  gint64      ts_ms;
  MtEventKind kind;
  MtProt      prot;
  gboolean    has_value;
  double      value;
} MtEvent;

gboolean    mt_event_parse        (const char  *payload,
                                   gsize        length,
                                   MtEvent     *out,
                                   GError     **error);
char       *mt_event_to_json      (const MtEvent *event);
/* The alarm type of the event ("cell_ov", "vibration", …), or NULL for a button */
const char *mt_event_alarm_type   (const MtEvent *event);

gboolean    mt_status_parse       (const char  *payload,
                                   gsize        length,
                                   gboolean    *online,
                                   GError     **error);
/* @ts_ms 0 leaves "ts" out (the last will) */
char       *mt_status_to_json     (gboolean     online,
                                   gint64       ts_ms);

/* ------------------------------------------------------------------ BMS parameters */

typedef enum
{
  MT_PARAM_CELL_OV,
  MT_PARAM_CELL_OV_RELEASE,
  MT_PARAM_CELL_UV,
  MT_PARAM_CELL_UV_RELEASE,
  MT_PARAM_PACK_OV,
  MT_PARAM_PACK_OV_RELEASE,
  MT_PARAM_PACK_UV,
  MT_PARAM_PACK_UV_RELEASE,
  MT_PARAM_CHARGE_OC,
  MT_PARAM_DISCHARGE_OC,
  MT_PARAM_CHARGE_TEMP_HIGH,
  MT_PARAM_CHARGE_TEMP_LOW,
  MT_PARAM_DISCHARGE_TEMP_HIGH,
  MT_PARAM_DISCHARGE_TEMP_LOW,
  MT_PARAM_BALANCE_START,
  MT_PARAM_BALANCE_DELTA,
  MT_PARAM_LOW_VOLTAGE_ALARM,
  MT_PARAM_NOMINAL_CAPACITY,
  MT_N_PARAMS
} MtParam;

typedef struct
{
  const char *key;      /* "cell_ov_mv" */
  const char *title;    /* N_() */
  const char *unit;     /* "mV", "mA", "0.1 °C", "mAh" */
  int         min;
  int         max;
  int         factory;
  const char *shown_unit;   /* what people read: "V", "A", "°C", "Ah", "mV" */
  int         scale;        /* protocol units in one shown unit: 1000, 10 or 1 */
  int         decimals;     /* decimals shown at least */
} MtParamInfo;

const MtParamInfo *mt_param_info (MtParam param);
gboolean           mt_param_lookup (const char *key,
                                    MtParam    *param);

typedef struct
{
  guint32 mask;                 /* 1 << MtParam of the values present */
  int     values[MT_N_PARAMS];
} MtParams;

/* A value in the shown unit without the unit ("4.250", "85.0", "-20.0"), exact: more decimals
 * when the protocol's integer needs them */
char       *mt_param_format       (MtParam      param,
                                   int          value);
/* Reads a value in the shown unit ("4.25", "4,25", "-20") into the protocol's integer; refuses
 * text that is not a number, finer than the protocol keeps, or out of range, naming the
 * parameter and its range in the shown unit */
gboolean    mt_param_parse        (MtParam      param,
                                   const char  *text,
                                   gint64      *value,
                                   GError     **error);

/* Every parameter at its factory value */
void        mt_params_factory     (MtParams   *params);
/* Refuses a value out of range, naming the parameter and its range */
gboolean    mt_params_set         (MtParams   *params,
                                   MtParam     param,
                                   gint64      value,
                                   GError    **error);

/* ------------------------------------------------------------------ commands */

typedef enum
{
  MT_CMD_CHARGE,
  MT_CMD_DISCHARGE,
  MT_CMD_RESTART,
  MT_CMD_FACTORY_RESET,
  MT_CMD_READ_PARAMS,
  MT_CMD_WRITE_PARAMS,
  MT_N_CMDS
} MtCommandKind;

const char *mt_command_name       (MtCommandKind kind);
gboolean    mt_command_lookup     (const char    *name,
                                   MtCommandKind *kind);

typedef struct
{
  char          id[MT_COMMAND_ID_MAX + 1];
  MtCommandKind kind;
  gboolean      on;        /* charge, discharge */
  MtParams      params;    /* write_params */
} MtCommand;

gboolean    mt_command_parse      (const char  *payload,
                                   gsize        length,
                                   MtCommand   *out,
                                   GError     **error);
char       *mt_command_to_json    (const MtCommand *command);

typedef struct
{
  char     id[MT_COMMAND_ID_MAX + 1];
  gboolean ok;
  char     error[65];
  MtParams params;
} MtAck;

gboolean    mt_ack_parse          (const char  *payload,
                                   gsize        length,
                                   MtAck       *out,
                                   GError     **error);
char       *mt_ack_to_json        (const MtAck *ack);

G_END_DECLS
