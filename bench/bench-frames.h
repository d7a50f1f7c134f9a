/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Frame times of a window, as the console's frame benchmarks measure them: the interval
 * between two frames and each frame's own work (layout and paint), while measuring */
#pragma once

#include <gtk/gtk.h>

typedef struct _BenchFrames BenchFrames;

struct _BenchFrames
{
  GArray   *intervals;   /* ms between two frames */
  GArray   *work;        /* ms from a frame's start to its end */
  gint64    last_frame;
  gint64    frame_start;
  gboolean  measuring;
  /* told of every interval over 50 ms, when set */
  void    (*long_frame) (BenchFrames *frames, double ms);
};

static void
bench_frames_before_cb (GdkFrameClock *clock,
                        BenchFrames   *f)
{
  f->frame_start = g_get_monotonic_time ();
}

static void
bench_frames_after_cb (GdkFrameClock *clock,
                       BenchFrames   *f)
{
  gint64 now = g_get_monotonic_time ();
  double ms;

  if (!f->measuring)
    return;
  ms = (now - f->frame_start) / 1000.0;
  g_array_append_val (f->work, ms);
  if (f->last_frame)
    {
      ms = (now - f->last_frame) / 1000.0;
      g_array_append_val (f->intervals, ms);
      if (ms > 50 && f->long_frame)
        f->long_frame (f, ms);
    }
  f->last_frame = now;
}

/* Starts following @widget's frame clock (not measuring yet) */
static inline void
bench_frames_watch (BenchFrames *f,
                    GtkWidget   *widget)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (widget);

  f->intervals = g_array_new (FALSE, FALSE, sizeof (double));
  f->work = g_array_new (FALSE, FALSE, sizeof (double));
  g_signal_connect (clock, "before-paint", G_CALLBACK (bench_frames_before_cb), f);
  g_signal_connect (clock, "after-paint", G_CALLBACK (bench_frames_after_cb), f);
}

static gboolean
bench_done_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Runs the main loop for @seconds */
static inline void
bench_run_for (double seconds)
{
  gboolean done = FALSE;

  g_timeout_add ((guint) (seconds * 1000), bench_done_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

/* Measures the frames of the next @seconds, from scratch */
static inline void
bench_frames_measure (BenchFrames *f,
                      double       seconds)
{
  g_array_set_size (f->intervals, 0);
  g_array_set_size (f->work, 0);
  f->last_frame = 0;
  f->measuring = TRUE;
  bench_run_for (seconds);
  f->measuring = FALSE;
}
