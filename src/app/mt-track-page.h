/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "mt-context.h"
#include "mt-database.h"
#include "mt-map.h"
#include "mt-perm.h"
#include "mt-sync-engine.h"

G_BEGIN_DECLS

#define MT_TYPE_TRACK_PAGE (mt_track_page_get_type ())
G_DECLARE_FINAL_TYPE (MtTrackPage, mt_track_page, MT, TRACK_PAGE, GtkBox)

/* 轨迹回放: a device and a time range → its path on the map, where it stopped, and playback
 * with a time slider at 1×–64× (1×: a minute of the track each second) */
MtTrackPage *mt_track_page_new        (MtContext     *context);
/* Loads the device's track of [@from, @to] (UTC µs) through the session's backend: "loaded"
 * follows, or the error is shown. FALSE with the message shown when there is no such device. */
gboolean     mt_track_page_load       (MtTrackPage   *self,
                                       const char    *device_no,
                                       gint64         from,
                                       gint64         to);
/* The last day of the device's track */
void         mt_track_page_show_device (MtTrackPage  *self,
                                        gint64        device_id);
guint        mt_track_page_get_n_points (MtTrackPage *self);
guint        mt_track_page_get_n_stops  (MtTrackPage *self);
/* Playback */
void         mt_track_page_play       (MtTrackPage   *self,
                                       gboolean       playing);
gboolean     mt_track_page_is_playing (MtTrackPage   *self);
void         mt_track_page_set_speed  (MtTrackPage   *self,
                                       guint          factor);
void         mt_track_page_seek       (MtTrackPage   *self,
                                       gint64         at);
gint64       mt_track_page_get_time   (MtTrackPage   *self);
/* The current point's time, speed and SOC as shown */
char        *mt_track_page_get_point_text (MtTrackPage *self);
const char  *mt_track_page_get_error  (MtTrackPage   *self);
MtMap       *mt_track_page_get_map    (MtTrackPage   *self);
/* Draws the path of the present view into a throwaway snapshot; returns how long it took (ms)
 * and how many segments it drew (for the benchmarks) */
double       mt_track_page_measure_draw (MtTrackPage *self,
                                         guint       *segments);

G_END_DECLS
