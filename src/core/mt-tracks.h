/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tracks (轨迹回放): a device's positions over a time range, where it stopped, and how far it
 * went. */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

#include "mt-database.h"
#include "mt-perm.h"

G_BEGIN_DECLS

#define MT_TRACK_MAX_DAYS    93        /* a range longer than a quarter is refused */
#define MT_TRACK_MAX_POINTS  2000000

typedef struct
{
  gint64 at;          /* UTC µs */
  double lat;
  double lng;
  float  speed_kmh;   /* negative: not reported */
  gint16 soc;         /* percent; negative: not reported */
} MtTrackPoint;

typedef struct
{
  guint  first;       /* indices of the stop's first and last points */
  guint  last;
  gint64 start;
  gint64 end;
} MtTrackStop;

/* The device's points from @from to @to (UTC µs, both included), oldest first, as an array of
 * MtTrackPoint. Permission tracks:view and the device in the actor's scope; a range backwards or
 * longer than MT_TRACK_MAX_DAYS is refused, naming the field. */
GArray  *mt_track_load        (MtDb               *db,
                               const MtActor      *actor,
                               gint64              device_id,
                               gint64              from,
                               gint64              to,
                               GError            **error);
/* Where the device stayed within @radius_m of where it stopped for at least @min_us */
GArray  *mt_track_stops       (const MtTrackPoint *points,
                               guint               n_points,
                               gint64              min_us,
                               double              radius_m);
double   mt_track_distance_m  (const MtTrackPoint *points,
                               guint               n_points);
/* The last point at or before @at (0 when @at is before the first) */
guint    mt_track_find        (const MtTrackPoint *points,
                               guint               n_points,
                               gint64              at);

/* The API's form: {"points": [[at, lat, lng, speed_kmh|null, soc|null], …]} */
JsonNode *mt_track_to_json    (const MtTrackPoint *points,
                               guint               n_points);
/* Reads it back; NULL with a message naming what is wrong */
GArray   *mt_track_from_json  (JsonNode           *node,
                               GError            **error);

G_END_DECLS
