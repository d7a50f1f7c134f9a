/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "mt-database.h"
#include "mt-listing.h"
#include "mt-geo.h"
#include "mt-perm.h"

G_BEGIN_DECLS

/*
 * Read models: what the console's pages and dialogs show beyond their lists, read in the core
 * within the account's scope (a row outside it reads as absent). The console holds no SQL.
 */

/* ------------------------------------------------------------------ devices */

/* The device with this number, or 0 (none, or outside the scope) */
gint64        mt_read_device_id        (MtDb          *db,
                                        const MtActor *actor,
                                        const char    *device_no);
/* Its number, or NULL */
char         *mt_read_device_no        (MtDb          *db,
                                        const MtActor *actor,
                                        gint64         device_id);
/* Its store, or 0 */
gint64        mt_read_device_store     (MtDb          *db,
                                        const MtActor *actor,
                                        gint64         device_id);

/* How a point on a map is drawn */
typedef enum
{
  MT_PLACE_READY,
  MT_PLACE_RENTED,
  MT_PLACE_REPAIR,
  MT_PLACE_OFFLINE,
  MT_PLACE_ALARM,
  MT_PLACE_N_KINDS
} MtPlaceKind;

typedef struct
{
  gint64      id;
  double      lat;    /* WGS-84 */
  double      lng;
  MtPlaceKind kind;
} MtPlace;

/* The located rows of a listing, for its map: the devices of the monitor (by state, connection
 * and open alarms) or the stores (enabled READY, disabled OFFLINE). A GArray of MtPlace. */
GArray       *mt_read_listing_places   (MtListing     *listing);
/* The same for these devices (a refresh of those in view) */
GArray       *mt_read_device_places    (MtDb          *db,
                                        const MtActor *actor,
                                        const gint64  *ids,
                                        guint          n_ids);

/* A device at a glance (the monitor's card); unknown numbers are -1, times 0 */
typedef struct
{
  char     *device_no;
  char     *state;
  char     *renter;
  char     *store;
  int       soc;
  int       pack_mv;
  gint64    last_seen;
  gboolean  located;
  double    lat;
  double    lng;
  gboolean  online;
} MtDeviceCard;

MtDeviceCard *mt_read_device_card      (MtDb          *db,
                                        const MtActor *actor,
                                        gint64         device_id);
void          mt_device_card_free      (MtDeviceCard  *card);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MtDeviceCard, mt_device_card_free)

/* The geofences watching the device, as GeoJSON texts */
GStrv         mt_read_device_fences    (MtDb          *db,
                                        const MtActor *actor,
                                        gint64         device_id);

/* The last full message the database holds for the device: @online -1 when it never reported;
 * the payload (NULL without) as the codec reads it; @received when it arrived (UTC µs, the
 * snapshot's time, else the last message's), 0 unknown */
char         *mt_read_device_latest    (MtDb          *db,
                                        const MtActor *actor,
                                        gint64         device_id,
                                        int           *online,
                                        gint64        *received);

typedef struct
{
  char *chemistry;
  int   series;
  int   nominal_mv;
  int   capacity_mah;
} MtBatterySpec;

/* The device's battery as its spec describes it, or NULL */
MtBatterySpec *mt_read_battery_spec    (MtDb          *db,
                                        const MtActor *actor,
                                        gint64         device_id);
void          mt_battery_spec_free     (MtBatterySpec *spec);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MtBatterySpec, mt_battery_spec_free)

/* How often alarms of @type were reported for the device, over all of them */
gint64        mt_read_alarm_reports    (MtDb          *db,
                                        const MtActor *actor,
                                        gint64         device_id,
                                        const char    *type);

/* The device's BMS snapshots from @from to @to (µs), oldest first */
typedef struct
{
  gint64  at;
  char   *payload;
} MtSnapshot;

GArray       *mt_read_snapshots        (MtDb          *db,
                                        const MtActor *actor,
                                        gint64         device_id,
                                        gint64         from,
                                        gint64         to);

/* The bounds of the located stores of an operator's subtree; FALSE without one */
gboolean      mt_read_store_bounds     (MtDb          *db,
                                        gint64         operator_id,
                                        double        *south,
                                        double        *west,
                                        double        *north,
                                        double        *east);

/* ------------------------------------------------------------------ alarms */

typedef struct
{
  gint64    device_id;
  char     *alarm_no;
  char     *type;
  char     *device_no;
  char     *state;
  int       count;
  gint64    first_at;
  gint64    latest_at;
  gboolean  has_value;
  double    value;
  char     *note;
  char     *handled_by;   /* a user name, or NULL */
  gint64    handled_at;   /* 0: not handled */
} MtAlarmDetails;

/* An alarm as its details show it, or NULL (none, or outside the scope) */
MtAlarmDetails *mt_read_alarm          (MtDb          *db,
                                        const MtActor *actor,
                                        gint64         alarm_id);
/* An alarm the account should be told of: in its scope and of a type it does not hide */
MtAlarmDetails *mt_read_alarm_notice   (MtDb          *db,
                                        const MtActor *actor,
                                        gint64         alarm_id);
void          mt_alarm_details_free    (MtAlarmDetails *alarm);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MtAlarmDetails, mt_alarm_details_free)

/* ------------------------------------------------------------------ repairs, orders, members */

typedef struct
{
  char   *repair_no;
  char   *device_no;
  char   *fault;
  char   *state;
  gint64  version;
  gint64  cost_fen;
} MtRepairDetails;

typedef struct
{
  char   *state;
  char   *note;
  gint64  cost_fen;
  gint64  at;
  char   *by;         /* the account's name, "" for the system */
} MtRepairStep;

MtRepairDetails *mt_read_repair        (MtDb          *db,
                                        const MtActor *actor,
                                        gint64         repair_id);
void          mt_repair_details_free   (MtRepairDetails *repair);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MtRepairDetails, mt_repair_details_free)
/* Its steps, oldest first: a GArray of MtRepairStep */
GArray       *mt_read_repair_steps     (MtDb          *db,
                                        const MtActor *actor,
                                        gint64         repair_id);

/* An order's state ("active", "ended"…) and number, or NULL */
char         *mt_read_order_state      (MtDb          *db,
                                        const MtActor *actor,
                                        gint64         order_id,
                                        char         **order_no);

/* A member of the store's operator with this mobile, as the rental counter fills it in */
typedef struct
{
  gint64  id;
  char   *name;
  char   *id_card;
  gint64  balance_fen;
  gint64  card_until;   /* a rental card's end, 0 without */
} MtMemberHint;

MtMemberHint *mt_read_member_by_mobile (MtDb          *db,
                                        const MtActor *actor,
                                        gint64         store_id,
                                        const char    *mobile);
void          mt_member_hint_free      (MtMemberHint  *member);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MtMemberHint, mt_member_hint_free)

/* 地图搜索 without a network: the shipped regions whose name holds the text (shown at their
 * stores' positions when they have any, else over their province's outline) and the account's
 * stores whose name or address holds it, at their positions */
typedef struct
{
  char       *name;      /* "西湖区", "杭州换电站" */
  char       *detail;    /* "浙江省 杭州市", the store's address */
  MtGeoPoint  at;        /* WGS-84 */
  double      south, west, north, east;   /* what to show, or all 0 for a point */
} MtFoundPlace;

GPtrArray    *mt_read_places           (MtDb          *db,
                                        const MtActor *actor,
                                        const char    *text,
                                        guint          limit);
void          mt_found_place_free      (MtFoundPlace  *place);

/* What the header's search finds as it is typed (设备号/客户): devices whose number begins with
 * the text, members whose mobile or name does, within the account's scope and the pages it may
 * view; at most @limit of each, exact matches first. Indexed ranges, never a scan. */
typedef enum
{
  MT_QUICK_DEVICE,
  MT_QUICK_MEMBER,
} MtQuickKind;

typedef struct
{
  MtQuickKind  kind;
  gint64       id;
  char        *title;      /* the device number, the member's name */
  char        *subtitle;   /* the type and state, the mobile and store */
  char        *key;        /* what opens it in its list: the number, the mobile */
} MtQuickHit;

GPtrArray    *mt_read_quick_search     (MtDb          *db,
                                        const MtActor *actor,
                                        const char    *text,
                                        guint          limit);

/* The balance the header shows, the one that belongs to the account's level, to roles that see
 * the finance pages: headquarters' share, an operator's available balance (its income less what
 * it withdrew), a store's takings today. FALSE (nothing to show) for other roles. */
typedef struct
{
  const char *title;   /* translated: "Available balance" … */
  gint64      fen;
  const char *page;    /* the ledger it opens: "splits", "transactions" */
  gboolean    today;   /* the page narrowed to today */
} MtHeaderBalance;

gboolean      mt_read_header_balance   (MtDb            *db,
                                        const MtActor   *actor,
                                        MtHeaderBalance *balance);

/* A member's details (会员详情), within the account's scope: who, the balance and what of it may
 * be taken out, the rental card, and the latest of each history (newest first) */
typedef struct
{
  gint64  at;          /* UTC µs */
  char   *what;        /* an order's number and device, a ledger kind, a card's name… */
  char   *detail;      /* its state, store, note */
  gint64  fen;         /* its money, or G_MININT64 when none */
} MtMemberLine;

typedef enum
{
  MT_MEMBER_ORDERS,
  MT_MEMBER_BALANCE,     /* recharges, bonuses, balance payments, withdrawals, commissions */
  MT_MEMBER_DEPOSITS,
  MT_MEMBER_CARDS,
  MT_MEMBER_REPAIRS,     /* tickets of the devices it had while they were reported */
  MT_MEMBER_N_SECTIONS
} MtMemberSection;

typedef struct
{
  gint64     id;
  char      *name;
  char      *mobile;
  char      *store;
  gint64     balance_fen;
  gint64     withdrawable_fen;
  gint64     card_until;     /* 0 without a running card */
  GArray    *sections[MT_MEMBER_N_SECTIONS];   /* MtMemberLine */
} MtMemberDetails;

MtMemberDetails *mt_read_member_details (MtDb          *db,
                                         const MtActor *actor,
                                         gint64         member_id,
                                         guint          limit);
void          mt_member_details_free   (MtMemberDetails *details);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MtMemberDetails, mt_member_details_free)

/* The key of a settings row, or NULL */
char         *mt_read_setting_key      (MtDb          *db,
                                        const MtActor *actor,
                                        gint64         setting_id);

G_END_DECLS
