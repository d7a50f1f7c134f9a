/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mt-track-page"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <stdio.h>

#include "mt-error.h"
#include "mt-reads.h"
#include "mt-track-page.h"
#include "mt-tracks.h"
#include "mt-validate.h"

#define STOP_MIN_US      (5 * 60 * G_USEC_PER_SEC)   /* a stop: five minutes or more … */
#define STOP_RADIUS_M    50.0                        /* … within 50 m */
#define TRACK_SECONDS_1X 60.0                        /* 1×: a minute of the track a second */
#define MIN_STEP_PX      3.0                         /* closer points are not drawn separately */

static const guint speeds[] = { 1, 2, 4, 8, 16, 32, 64 };

/* ------------------------------------------------------------------ the path layer */

#define MT_TYPE_TRACK_LAYER (mt_track_layer_get_type ())
G_DECLARE_FINAL_TYPE (MtTrackLayer, mt_track_layer, MT, TRACK_LAYER, ShumateLayer)

struct _MtTrackLayer
{
  ShumateLayer  parent_instance;

  double       *x, *y;        /* each point in world units [0, 1) */
  guint         n;
  GArray       *stops;        /* MtTrackStop */
  guint         current;      /* the point the playback is at */
  double        cur_x, cur_y; /* where between it and the next */
  guint         drawn;        /* segments the last frame drew */
};

G_DEFINE_FINAL_TYPE (MtTrackLayer, mt_track_layer, SHUMATE_TYPE_LAYER)

/* The path from point @from to @to as one cairo path, leaving out points closer than
 * MIN_STEP_PX to the last one drawn, and the stretches off screen: a month of points costs what
 * the screen can show */
static guint
path_add (MtTrackLayer *self,
          cairo_t      *cr,
          guint         from,
          guint         to,
          double        cx,
          double        cy,
          double        scale,
          double        half_w,
          double        half_h)
{
  double last_x = 0, last_y = 0, margin = 40;
  gboolean last_out = TRUE;
  guint segments = 0;

  for (guint i = from; i <= to && i < self->n; i++)
    {
      double px = (self->x[i] - cx) * scale + half_w, py = (self->y[i] - cy) * scale + half_h;
      gboolean out = px < -margin || py < -margin || px > 2 * half_w + margin || py > 2 * half_h + margin;

      if (i == from || (out && last_out))
        cairo_move_to (cr, px, py);   /* nothing of this step shows */
      else if (i == to || out != last_out || fabs (px - last_x) + fabs (py - last_y) >= MIN_STEP_PX)
        cairo_line_to (cr, px, py), segments++;
      else
        continue;
      last_x = px, last_y = py, last_out = out;
    }
  return segments;
}

static void
marker (cairo_t     *cr,
        double       x,
        double       y,
        double       radius,
        const double rgb[3])
{
  cairo_new_sub_path (cr);
  cairo_arc (cr, x, y, radius, 0, 2 * G_PI);
  cairo_set_source_rgb (cr, rgb[0], rgb[1], rgb[2]);
  cairo_fill_preserve (cr);
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_set_line_width (cr, 2);
  cairo_stroke (cr);
}

static void
layer_draw (MtTrackLayer *self,
            cairo_t      *cr,
            int           width,
            int           height)
{
  static const double start_rgb[3] = { 0.18, 0.76, 0.49 }, end_rgb[3] = { 0.88, 0.11, 0.14 };
  static const double stop_rgb[3] = { 0.90, 0.38, 0.00 }, now_rgb[3] = { 0.10, 0.37, 0.71 };
  double cx, cy, scale, hw = width / 2.0, hh = height / 2.0;

  self->drawn = 0;
  if (self->n == 0)
    return;
  mt_viewport_world (shumate_layer_get_viewport (SHUMATE_LAYER (self)), &cx, &cy, &scale);
  /* bevelled joins: round ones cost a third of the time of a long path; and for a dense path
   * the quicker antialiasing (tens of thousands of segments, where no one sees the edges) */
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_BEVEL);
  if (self->n > 20000)
    cairo_set_antialias (cr, CAIRO_ANTIALIAS_FAST);
  /* the whole path, light; what the playback has passed, dark */
  self->drawn += path_add (self, cr, 0, self->n - 1, cx, cy, scale, hw, hh);
  cairo_set_source_rgba (cr, 0.21, 0.52, 0.89, 0.45);
  cairo_set_line_width (cr, 4);
  cairo_stroke (cr);
  self->drawn += path_add (self, cr, 0, self->current, cx, cy, scale, hw, hh);
  cairo_line_to (cr, (self->cur_x - cx) * scale + hw, (self->cur_y - cy) * scale + hh);
  cairo_set_source_rgb (cr, 0.10, 0.37, 0.71);
  cairo_set_line_width (cr, 4);
  cairo_stroke (cr);

  for (guint s = 0; self->stops && s < self->stops->len; s++)
    {
      const MtTrackStop *stop = &g_array_index (self->stops, MtTrackStop, s);
      double px = (self->x[stop->first] - cx) * scale + hw, py = (self->y[stop->first] - cy) * scale + hh;
      char text[16];
      cairo_text_extents_t extents;

      marker (cr, px, py, 9, stop_rgb);
      g_snprintf (text, sizeof text, "%u", s + 1);
      cairo_set_font_size (cr, 11);
      cairo_text_extents (cr, text, &extents);
      cairo_move_to (cr, px - extents.width / 2 - extents.x_bearing, py - extents.height / 2 - extents.y_bearing);
      cairo_set_source_rgb (cr, 1, 1, 1);
      cairo_show_text (cr, text);
    }
  marker (cr, (self->x[0] - cx) * scale + hw, (self->y[0] - cy) * scale + hh, 7, start_rgb);
  marker (cr, (self->x[self->n - 1] - cx) * scale + hw, (self->y[self->n - 1] - cy) * scale + hh, 7, end_rgb);
  marker (cr, (self->cur_x - cx) * scale + hw, (self->cur_y - cy) * scale + hh, 10, now_rgb);
}

static void
mt_track_layer_snapshot (GtkWidget   *widget,
                         GtkSnapshot *snapshot)
{
  MtTrackLayer *self = MT_TRACK_LAYER (widget);
  int width = gtk_widget_get_width (widget), height = gtk_widget_get_height (widget);
  cairo_t *cr;

  if (self->n == 0)
    return;
  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, (float) width, (float) height));
  layer_draw (self, cr, width, height);
  cairo_destroy (cr);
}

static void
layer_set_points (MtTrackLayer       *self,
                  const MtTrackPoint *points,
                  guint               n,
                  GArray             *stops,
                  MtMap              *map)
{
  g_free (self->x);
  g_free (self->y);
  self->x = g_new (double, MAX (n, 1));
  self->y = g_new (double, MAX (n, 1));
  self->n = n;
  for (guint i = 0; i < n; i++)
    mt_mercator_project (mt_map_to_display (map, (MtGeoPoint) { points[i].lat, points[i].lng }), &self->x[i],
                         &self->y[i]);
  g_clear_pointer (&self->stops, g_array_unref);
  self->stops = stops ? g_array_ref (stops) : NULL;
  self->current = 0;
  self->cur_x = n ? self->x[0] : 0;
  self->cur_y = n ? self->y[0] : 0;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
mt_track_layer_constructed (GObject *object)
{
  G_OBJECT_CLASS (mt_track_layer_parent_class)->constructed (object);
  mt_layer_follow_view (SHUMATE_LAYER (object));
}

static void
mt_track_layer_finalize (GObject *object)
{
  MtTrackLayer *self = MT_TRACK_LAYER (object);

  g_free (self->x);
  g_free (self->y);
  g_clear_pointer (&self->stops, g_array_unref);
  G_OBJECT_CLASS (mt_track_layer_parent_class)->finalize (object);
}

static void
mt_track_layer_class_init (MtTrackLayerClass *klass)
{
  G_OBJECT_CLASS (klass)->constructed = mt_track_layer_constructed;
  G_OBJECT_CLASS (klass)->finalize = mt_track_layer_finalize;
  GTK_WIDGET_CLASS (klass)->snapshot = mt_track_layer_snapshot;
}

static void
mt_track_layer_init (MtTrackLayer *self)
{
  gtk_widget_set_can_target (GTK_WIDGET (self), FALSE);
}

/* ------------------------------------------------------------------ the page */

struct _MtTrackPage
{
  GtkBox         parent_instance;

  MtContext     *context;
  MtDb          *db;         /* the context's */
  const MtActor *actor;      /* the context's */
  MtMap         *map;
  MtTrackLayer  *layer;
  GArray        *points;     /* MtTrackPoint */
  GArray        *stops;      /* MtTrackStop */
  gint64         time;       /* where the playback is */
  guint          speed;
  guint          tick;
  gint64         last_frame;
  gboolean       follow;
  GCancellable  *cancellable;
  char          *error;

  GtkWidget     *device;
  GtkWidget     *from;
  GtkWidget     *to;
  GtkWidget     *error_label;
  GtkWidget     *summary;
  GtkWidget     *point;
  GtkWidget     *stop_list;
  GtkWidget     *play;
  GtkWidget     *speed_menu;
  GtkWidget     *slider;
  GtkWidget     *clock;
  GtkWidget     *right;
  gulong         slider_handler;
};

G_DEFINE_FINAL_TYPE (MtTrackPage, mt_track_page, GTK_TYPE_BOX)

static void
show_error (MtTrackPage *self,
            const char  *message)
{
  g_free (self->error);
  self->error = g_strdup (message);
  gtk_label_set_text (GTK_LABEL (self->error_label), message ? message : "");
  gtk_widget_set_visible (self->error_label, message != NULL);
}

static char *
format_duration (gint64 us)
{
  gint64 minutes = us / (60 * G_USEC_PER_SEC);

  if (minutes < 60)
    return g_strdup_printf (_("%d min"), (int) minutes);
  return g_strdup_printf (_("%d h %02d min"), (int) (minutes / 60), (int) (minutes % 60));
}

/* The playback's place: the point at or before the time, and where between it and the next */
static void
update_position (MtTrackPage *self)
{
  const MtTrackPoint *p;
  g_autofree char *time = NULL, *speed = NULL, *soc = NULL, *text = NULL;
  guint i;

  if (self->points == NULL || self->points->len == 0)
    return;
  p = (MtTrackPoint *) self->points->data;
  i = mt_track_find (p, self->points->len, self->time);
  self->layer->current = i;
  self->layer->cur_x = self->layer->x[i];
  self->layer->cur_y = self->layer->y[i];
  if (i + 1 < self->points->len && p[i + 1].at > p[i].at && self->time > p[i].at)
    {
      double t = CLAMP ((double) (self->time - p[i].at) / (double) (p[i + 1].at - p[i].at), 0, 1);
      self->layer->cur_x += (self->layer->x[i + 1] - self->layer->x[i]) * t;
      self->layer->cur_y += (self->layer->y[i + 1] - self->layer->y[i]) * t;
    }
  gtk_widget_queue_draw (GTK_WIDGET (self->layer));

  time = mt_format_time (p[i].at);
  speed = p[i].speed_kmh >= 0 ? g_strdup_printf ("%.0f km/h", p[i].speed_kmh) : g_strdup ("—");
  soc = p[i].soc >= 0 ? g_strdup_printf ("%d%%", p[i].soc) : g_strdup ("—");
  /* TRANSLATORS: the playback's current point: its time, speed and charge */
  text = g_strdup_printf (_("%s · %s · SOC %s"), time, speed, soc);
  gtk_label_set_text (GTK_LABEL (self->point), text);
  {
    g_autoptr(GDateTime) local = g_date_time_new_from_unix_local (self->time / G_USEC_PER_SEC);
    g_autofree char *clock = local ? g_date_time_format (local, "%m-%d %H:%M:%S") : NULL;
    gtk_label_set_text (GTK_LABEL (self->clock), clock ? clock : "");
  }
  g_signal_handler_block (self->slider, self->slider_handler);
  gtk_range_set_value (GTK_RANGE (self->slider), (double) (self->time - p[0].at) / G_USEC_PER_SEC);
  g_signal_handler_unblock (self->slider, self->slider_handler);

  /* keep the moving marker in view: recentre when it nears the edge */
  if (self->follow)
    {
      ShumateViewport *viewport = mt_map_get_viewport (self->map);
      double cx, cy, scale;
      int w = gtk_widget_get_width (GTK_WIDGET (self->map)), h = gtk_widget_get_height (GTK_WIDGET (self->map));

      mt_viewport_world (viewport, &cx, &cy, &scale);
      if (w > 0 && (fabs ((self->layer->cur_x - cx) * scale) > w * 0.4 || fabs ((self->layer->cur_y - cy) * scale) > h * 0.4))
        {
          MtGeoPoint at = mt_mercator_unproject (self->layer->cur_x, self->layer->cur_y);
          shumate_location_set_location (SHUMATE_LOCATION (viewport), at.lat, at.lng);
        }
    }
}

void
mt_track_page_seek (MtTrackPage *self,
                    gint64       at)
{
  if (self->points == NULL || self->points->len == 0)
    return;
  self->time = CLAMP (at, g_array_index (self->points, MtTrackPoint, 0).at,
                      g_array_index (self->points, MtTrackPoint, self->points->len - 1).at);
  update_position (self);
}

gint64
mt_track_page_get_time (MtTrackPage *self)
{
  return self->time;
}

char *
mt_track_page_get_point_text (MtTrackPage *self)
{
  return g_strdup (gtk_label_get_text (GTK_LABEL (self->point)));
}

static gboolean
tick_cb (GtkWidget     *widget,
         GdkFrameClock *clock,
         gpointer       data)
{
  MtTrackPage *self = MT_TRACK_PAGE (widget);
  gint64 now = gdk_frame_clock_get_frame_time (clock);
  gint64 end;

  if (self->points == NULL || self->points->len == 0)
    return G_SOURCE_CONTINUE;
  end = g_array_index (self->points, MtTrackPoint, self->points->len - 1).at;
  if (self->last_frame != 0)
    self->time += (gint64) ((now - self->last_frame) * TRACK_SECONDS_1X * self->speed);
  self->last_frame = now;
  if (self->time >= end)
    {
      self->time = end;
      update_position (self);
      mt_track_page_play (self, FALSE);
      return G_SOURCE_REMOVE;
    }
  update_position (self);
  return G_SOURCE_CONTINUE;
}

void
mt_track_page_play (MtTrackPage *self,
                    gboolean     playing)
{
  if (self->points == NULL || self->points->len == 0)
    playing = FALSE;
  if (playing && self->tick == 0)
    {
      /* from the end: again from the start */
      if (self->time >= g_array_index (self->points, MtTrackPoint, self->points->len - 1).at)
        self->time = g_array_index (self->points, MtTrackPoint, 0).at;
      self->last_frame = 0;
      self->follow = TRUE;
      self->tick = gtk_widget_add_tick_callback (GTK_WIDGET (self), tick_cb, NULL, NULL);
    }
  else if (!playing && self->tick != 0)
    {
      gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->tick);
      self->tick = 0;
    }
  gtk_button_set_icon_name (GTK_BUTTON (self->play), self->tick ? "media-playback-pause-symbolic"
                                                                : "media-playback-start-symbolic");
  gtk_widget_set_tooltip_text (self->play, self->tick ? _("Pause") : _("Play"));
}

gboolean
mt_track_page_is_playing (MtTrackPage *self)
{
  return self->tick != 0;
}

void
mt_track_page_set_speed (MtTrackPage *self,
                         guint        factor)
{
  for (guint i = 0; i < G_N_ELEMENTS (speeds); i++)
    if (speeds[i] == factor)
      {
        self->speed = factor;
        gtk_drop_down_set_selected (GTK_DROP_DOWN (self->speed_menu), i);
      }
}

static void
speed_changed_cb (MtTrackPage *self)
{
  guint i = gtk_drop_down_get_selected (GTK_DROP_DOWN (self->speed_menu));

  if (i < G_N_ELEMENTS (speeds))
    self->speed = speeds[i];
}

static void
play_action (GtkWidget  *widget,
             const char *name,
             GVariant   *param)
{
  MtTrackPage *self = MT_TRACK_PAGE (widget);

  mt_track_page_play (self, self->tick == 0);
}

static void
slider_changed_cb (MtTrackPage *self)
{
  if (self->points == NULL || self->points->len == 0)
    return;
  self->follow = FALSE;   /* the user looks where they want */
  mt_track_page_seek (self, g_array_index (self->points, MtTrackPoint, 0).at +
                              (gint64) (gtk_range_get_value (GTK_RANGE (self->slider)) * G_USEC_PER_SEC));
}

static void
stop_activated_cb (GtkListBox    *box,
                   GtkListBoxRow *row,
                   MtTrackPage   *self)
{
  guint s = (guint) gtk_list_box_row_get_index (row);

  if (self->stops == NULL || s >= self->stops->len)
    return;
  mt_track_page_seek (self, g_array_index (self->stops, MtTrackStop, s).start);
  {
    MtGeoPoint at = mt_mercator_unproject (self->layer->cur_x, self->layer->cur_y);
    shumate_location_set_location (SHUMATE_LOCATION (mt_map_get_viewport (self->map)), at.lat, at.lng);
  }
}

/* The loaded track on the map: its path, stops, summary, and the playback at its start */
static void
track_show (MtTrackPage *self,
            GArray      *points)
{
  const MtTrackPoint *p = (MtTrackPoint *) points->data;
  GtkWidget *child;
  double south = 90, west = 180, north = -90, east = -180;

  mt_track_page_play (self, FALSE);
  g_clear_pointer (&self->points, g_array_unref);
  g_clear_pointer (&self->stops, g_array_unref);
  self->points = g_array_ref (points);
  self->stops = mt_track_stops (p, points->len, STOP_MIN_US, STOP_RADIUS_M);
  layer_set_points (self->layer, p, points->len, self->stops, self->map);
  while ((child = gtk_widget_get_first_child (self->stop_list)))
    gtk_list_box_remove (GTK_LIST_BOX (self->stop_list), child);
  if (points->len == 0)
    {
      gtk_label_set_text (GTK_LABEL (self->summary), _("No positions in this time range"));
      gtk_label_set_text (GTK_LABEL (self->point), "");
      gtk_widget_action_set_enabled (GTK_WIDGET (self), "track.play", FALSE);
      gtk_widget_set_sensitive (self->slider, FALSE);
      return;
    }
  {
    g_autofree char *duration = format_duration (p[points->len - 1].at - p[0].at);
    /* TRANSLATORS: two lines: how many positions and how far; how long and how many stops */
    g_autofree char *text = g_strdup_printf (_("%u positions · %.1f km\n%s · %u stops"), points->len,
                                             mt_track_distance_m (p, points->len) / 1000, duration, self->stops->len);
    gtk_label_set_text (GTK_LABEL (self->summary), text);
  }
  for (guint s = 0; s < self->stops->len; s++)
    {
      const MtTrackStop *stop = &g_array_index (self->stops, MtTrackStop, s);
      g_autofree char *start = mt_format_time (stop->start);
      g_autofree char *length = format_duration (stop->end - stop->start);
      /* TRANSLATORS: a stop of the track: its number, when it began, how long it lasted */
      g_autofree char *text = g_strdup_printf (_("Stop %u: %s, %s"), s + 1, start, length);
      GtkWidget *label = gtk_label_new (text);

      gtk_label_set_xalign (GTK_LABEL (label), 0);
      gtk_widget_set_margin_start (label, 8);
      gtk_widget_set_margin_end (label, 8);
      gtk_widget_set_margin_top (label, 4);
      gtk_widget_set_margin_bottom (label, 4);
      gtk_list_box_append (GTK_LIST_BOX (self->stop_list), label);
    }
  gtk_range_set_range (GTK_RANGE (self->slider), 0,
                       MAX (1, (double) (p[points->len - 1].at - p[0].at) / G_USEC_PER_SEC));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "track.play", TRUE);
  gtk_widget_set_sensitive (self->slider, TRUE);
  for (guint i = 0; i < points->len; i++)
    {
      south = MIN (south, p[i].lat), north = MAX (north, p[i].lat);
      west = MIN (west, p[i].lng), east = MAX (east, p[i].lng);
    }
  mt_map_fit (self->map, south, west, north, east);
  self->time = p[0].at;
  update_position (self);
}

static void
track_received_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      data)
{
  g_autoptr(MtTrackPage) self = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) answer = mt_context_call_finish (MT_CONTEXT (source), result, &error);
  g_autoptr(GArray) points = NULL;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (answer != NULL)
    points = mt_track_from_json (answer, &error);
  if (points == NULL)
    {
      show_error (self, error->message);
      return;
    }
  track_show (self, points);
}

gboolean
mt_track_page_load (MtTrackPage *self,
                    const char  *device_no,
                    gint64       from,
                    gint64       to)
{
  gint64 device = mt_read_device_id (self->db, self->actor, device_no);

  show_error (self, NULL);
  if (device == 0)
    {
      g_autofree char *message = g_strdup_printf (_("There is no device %s"), device_no ? device_no : "");
      show_error (self, message);
      return FALSE;
    }
  gtk_editable_set_text (GTK_EDITABLE (self->device), device_no);
  {
    g_autofree char *a = mt_format_time (from), *b = mt_format_time (to);
    gtk_editable_set_text (GTK_EDITABLE (self->from), a);
    gtk_editable_set_text (GTK_EDITABLE (self->to), b);
  }
  {
    g_autoptr(MtApiRequest) request = mt_api_request_new ("devices.track");
    g_autofree char *from_text = g_strdup_printf ("%" G_GINT64_FORMAT, from);
    g_autofree char *to_text = g_strdup_printf ("%" G_GINT64_FORMAT, to);

    mt_api_request_set_id (request, device);
    mt_api_request_set_query (request, "from", from_text);
    mt_api_request_set_query (request, "to", to_text);
    /* a newer question makes the older one's answer worthless */
    g_cancellable_cancel (self->cancellable);
    g_clear_object (&self->cancellable);
    self->cancellable = g_cancellable_new ();
    mt_context_call_async (self->context, request, self->cancellable, track_received_cb, g_object_ref (self));
  }
  return TRUE;
}

void
mt_track_page_show_device (MtTrackPage *self,
                           gint64       device_id)
{
  g_autofree char *no = mt_read_device_no (self->db, self->actor, device_id);
  gint64 now = g_get_real_time ();

  if (no != NULL)
    mt_track_page_load (self, no, now - (gint64) 86400 * G_USEC_PER_SEC, now);
}

/* "2026-11-24 08:30" or "2026-11-24", local time */
static gboolean
parse_local (const char *text,
             gint64     *out)
{
  int y, mo, d, h = 0, mi = 0, n;
  g_autoptr(GDateTime) t = NULL;

  n = sscanf (text, "%d-%d-%d %d:%d", &y, &mo, &d, &h, &mi);
  if (n != 3 && n != 5)
    return FALSE;
  t = g_date_time_new_local (y, mo, d, h, mi, 0);
  if (t == NULL)
    return FALSE;
  *out = g_date_time_to_unix (t) * G_USEC_PER_SEC;
  return TRUE;
}

static void
load_clicked_cb (MtTrackPage *self)
{
  gint64 from = 0, to = 0;

  if (!parse_local (gtk_editable_get_text (GTK_EDITABLE (self->from)), &from))
    {
      show_error (self, _("Start: must be a time like 2026-11-24 08:00"));
      return;
    }
  if (!parse_local (gtk_editable_get_text (GTK_EDITABLE (self->to)), &to))
    {
      show_error (self, _("End: must be a time like 2026-11-24 18:00"));
      return;
    }
  mt_track_page_load (self, gtk_editable_get_text (GTK_EDITABLE (self->device)), from, to);
}

static void
show_action (GtkWidget  *widget,
             const char *name,
             GVariant   *param)
{
  load_clicked_cb (MT_TRACK_PAGE (widget));
}

/* The last @param days, and the track at once when a device is given */
static void
last_days_action (GtkWidget  *widget,
                  const char *name,
                  GVariant   *param)
{
  MtTrackPage *self = MT_TRACK_PAGE (widget);
  gint64 days = g_variant_get_int32 (param);
  gint64 now = g_get_real_time ();
  g_autofree char *a = mt_format_time (now - days * 86400 * G_USEC_PER_SEC), *b = mt_format_time (now);

  gtk_editable_set_text (GTK_EDITABLE (self->from), a);
  gtk_editable_set_text (GTK_EDITABLE (self->to), b);
  if (*gtk_editable_get_text (GTK_EDITABLE (self->device)))
    load_clicked_cb (self);
}

guint
mt_track_page_get_n_points (MtTrackPage *self)
{
  return self->points ? self->points->len : 0;
}

guint
mt_track_page_get_n_stops (MtTrackPage *self)
{
  return self->stops ? self->stops->len : 0;
}

const char *
mt_track_page_get_error (MtTrackPage *self)
{
  return self->error;
}

MtMap *
mt_track_page_get_map (MtTrackPage *self)
{
  return self->map;
}

double
mt_track_page_measure_draw (MtTrackPage *self,
                            guint       *segments)
{
  int width = MAX (gtk_widget_get_width (GTK_WIDGET (self->map)), 1);
  int height = MAX (gtk_widget_get_height (GTK_WIDGET (self->map)), 1);
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, width, height);
  cairo_t *cr = cairo_create (surface);
  gint64 t0 = g_get_monotonic_time ();

  layer_draw (self->layer, cr, width, height);
  cairo_surface_flush (surface);
  *segments = self->layer->drawn;
  t0 = g_get_monotonic_time () - t0;
  cairo_destroy (cr);
  cairo_surface_destroy (surface);
  return t0 / 1000.0;
}

/* ------------------------------------------------------------------ building */

static void
mt_track_page_dispose (GObject *object)
{
  MtTrackPage *self = MT_TRACK_PAGE (object);

  if (self->cancellable)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  G_OBJECT_CLASS (mt_track_page_parent_class)->dispose (object);
}

static void
mt_track_page_finalize (GObject *object)
{
  MtTrackPage *self = MT_TRACK_PAGE (object);

  g_clear_pointer (&self->points, g_array_unref);
  g_clear_pointer (&self->stops, g_array_unref);
  g_free (self->error);
  g_clear_object (&self->context);
  G_OBJECT_CLASS (mt_track_page_parent_class)->finalize (object);
}

static void
mt_track_page_class_init (MtTrackPageClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = mt_track_page_dispose;
  G_OBJECT_CLASS (klass)->finalize = mt_track_page_finalize;
  gtk_widget_class_set_template_from_resource (GTK_WIDGET_CLASS (klass), "/com/mtxnyjs/Mingtang/ui/mt-track-page.ui");
#define BIND(name) gtk_widget_class_bind_template_child (GTK_WIDGET_CLASS (klass), MtTrackPage, name)
  BIND (device);
  BIND (from);
  BIND (to);
  BIND (error_label);
  BIND (summary);
  BIND (point);
  BIND (stop_list);
  BIND (play);
  BIND (speed_menu);
  BIND (slider);
  BIND (clock);
  BIND (right);
#undef BIND
  gtk_widget_class_bind_template_callback (GTK_WIDGET_CLASS (klass), stop_activated_cb);
  gtk_widget_class_bind_template_callback (GTK_WIDGET_CLASS (klass), speed_changed_cb);
  gtk_widget_class_bind_template_callback (GTK_WIDGET_CLASS (klass), load_clicked_cb);
  gtk_widget_class_install_action (GTK_WIDGET_CLASS (klass), "track.show", NULL, show_action);
  gtk_widget_class_install_action (GTK_WIDGET_CLASS (klass), "track.last-days", "i", last_days_action);
  gtk_widget_class_install_action (GTK_WIDGET_CLASS (klass), "track.play", NULL, play_action);
}

static void
mt_track_page_init (MtTrackPage *self)
{
  g_autoptr(GtkStringList) labels = gtk_string_list_new (NULL);

  gtk_widget_init_template (GTK_WIDGET (self));
  for (guint i = 0; i < G_N_ELEMENTS (speeds); i++)
    {
      g_autofree char *text = g_strdup_printf ("%u×", speeds[i]);
      gtk_string_list_append (labels, text);
    }
  gtk_drop_down_set_model (GTK_DROP_DOWN (self->speed_menu), G_LIST_MODEL (labels));
  gtk_drop_down_set_selected (GTK_DROP_DOWN (self->speed_menu), 3);
  self->speed = speeds[3];
  self->slider_handler = g_signal_connect_swapped (self->slider, "value-changed", G_CALLBACK (slider_changed_cb), self);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "track.play", FALSE);
}

MtTrackPage *
mt_track_page_new (MtContext *context)
{
  MtTrackPage *self = g_object_new (MT_TYPE_TRACK_PAGE, NULL);

  self->context = g_object_ref (context);
  self->db = mt_context_get_db (context);
  self->actor = mt_context_get_actor (context);
  self->map = mt_map_new (self->db, self->actor->operator_id);
  self->layer = g_object_new (MT_TYPE_TRACK_LAYER, "viewport", mt_map_get_viewport (self->map), NULL);
  mt_map_add_layer (self->map, SHUMATE_LAYER (self->layer));
  gtk_box_prepend (GTK_BOX (self->right), GTK_WIDGET (self->map));
  {
    /* the last day, ready for a device number */
    gint64 now = g_get_real_time ();
    g_autofree char *a = mt_format_time (now - (gint64) 86400 * G_USEC_PER_SEC), *b = mt_format_time (now);
    gtk_editable_set_text (GTK_EDITABLE (self->from), a);
    gtk_editable_set_text (GTK_EDITABLE (self->to), b);
  }
  return self;
}
