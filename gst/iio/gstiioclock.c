/* The device's time: a GstClock that runs at the converter's pace, and the
 * converter's drift against another clock.
 *
 * The device time is the converter's sample count over its nominal rate.
 * The count is known when a block completes (its fence's signal time says
 * when); in between, the time runs on with CLOCK_MONOTONIC, at most
 * ahead_max past the last count. GstAudioClock keeps what the pipeline
 * reads monotonic across the small steps back that a late count makes,
 * and across streams (each restarts the device time at 0).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstiioclock.h"
#include "gstiiobuffer.h"

#include <gst/audio/audio.h>
#include <math.h>

static GstClockTime
device_time (GstClock *clock, gpointer user_data)
{
  GstIioClock *c = user_data;
  GstClockTime t = GST_CLOCK_TIME_NONE;

  g_mutex_lock (&c->lock);
  if (c->anchor_ns && c->rate >= 1) {
    guint64 now = gst_iio_now_ns ();
    GstClockTime since = now > c->anchor_ns ? now - c->anchor_ns : 0;

    /* the rate as the elements stamp buffers with it: whole Hz */
    t = gst_util_uint64_scale (c->samples, GST_SECOND, (guint64)c->rate) +
        MIN (since, c->ahead_max);
  }
  g_mutex_unlock (&c->lock);
  return t;
}

void
gst_iio_clock_init (GstIioClock *c, GstObject *owner)
{
  gchar *name = g_strdup_printf ("%s-clock", GST_OBJECT_NAME (owner));

  g_mutex_init (&c->lock);
  c->provide = TRUE;
  c->clock = gst_audio_clock_new (name, device_time, c, NULL);
  g_free (name);
  gst_iio_clock_drift_reset (c);
}

void
gst_iio_clock_clear (GstIioClock *c)
{
  /* The pipeline may still hold the clock: it must not read @c after. */
  gst_audio_clock_invalidate (GST_AUDIO_CLOCK (c->clock));
  gst_clear_object (&c->clock);
  g_mutex_clear (&c->lock);
}

void
gst_iio_clock_set_provide (
    GstIioClock *c, GstElement *element, gboolean provide)
{
  g_mutex_lock (&c->lock);
  c->provide = provide;
  g_mutex_unlock (&c->lock);
  if (provide)
    GST_OBJECT_FLAG_SET (element, GST_ELEMENT_FLAG_PROVIDE_CLOCK);
  else
    GST_OBJECT_FLAG_UNSET (element, GST_ELEMENT_FLAG_PROVIDE_CLOCK);
}

gboolean
gst_iio_clock_get_provide (GstIioClock *c)
{
  gboolean provide;

  g_mutex_lock (&c->lock);
  provide = c->provide;
  g_mutex_unlock (&c->lock);
  return provide;
}

GstClock *
gst_iio_clock_provided (GstIioClock *c)
{
  return gst_iio_clock_get_provide (c) ? gst_object_ref (c->clock) : NULL;
}

void
gst_iio_clock_state_changed (
    GstIioClock *c, GstElement *element, GstStateChange transition)
{
  if (!gst_iio_clock_get_provide (c))
    return;
  if (transition == GST_STATE_CHANGE_READY_TO_PAUSED)
    gst_element_post_message (element,
        gst_message_new_clock_provide (
            GST_OBJECT_CAST (element), c->clock, TRUE));
  else if (transition == GST_STATE_CHANGE_PAUSED_TO_READY)
    gst_element_post_message (element,
        gst_message_new_clock_lost (GST_OBJECT_CAST (element), c->clock));
}

void
gst_iio_clock_start (GstIioClock *c, gdouble rate, GstClockTime ahead_max)
{
  g_mutex_lock (&c->lock);
  c->rate = rate;
  c->samples = 0;
  c->anchor_ns = 0;
  c->ahead_max = ahead_max;
  g_mutex_unlock (&c->lock);
  gst_audio_clock_reset (GST_AUDIO_CLOCK (c->clock), 0);
  gst_iio_clock_drift_reset (c);
}

void
gst_iio_clock_advance (GstIioClock *c, guint64 samples, guint64 mono_ns)
{
  g_mutex_lock (&c->lock);
  c->samples = samples;
  c->anchor_ns = mono_ns ? mono_ns : gst_iio_now_ns ();
  g_mutex_unlock (&c->lock);
}

void
gst_iio_clock_drift_add (
    GstIioClock *c, GstClockTime other, GstClockTime device)
{
  gdouble x, y, dx, dy;

  g_mutex_lock (&c->lock);
  if (c->n == 0)
    c->first_x = other;
  c->last_x = other;
  /* relative to the first point: seconds, well within a double */
  x = (gdouble)GST_CLOCK_DIFF (c->first_x, other) / GST_SECOND;
  y = (gdouble)device / GST_SECOND;
  c->n++;
  dx = x - c->mean_x;
  dy = y - c->mean_y;
  c->mean_x += dx / c->n;
  c->mean_y += dy / c->n;
  /* Welford's update: the step from the old mean times the distance from
   * the new one */
  c->sxx += dx * (x - c->mean_x);
  c->sxy += dx * (y - c->mean_y);
  c->syy += dy * (y - c->mean_y);
  g_mutex_unlock (&c->lock);
}

void
gst_iio_clock_drift_reset (GstIioClock *c)
{
  g_mutex_lock (&c->lock);
  c->n = 0;
  c->mean_x = c->mean_y = c->sxx = c->sxy = c->syy = 0;
  c->first_x = c->last_x = 0;
  g_mutex_unlock (&c->lock);
}

gboolean
gst_iio_clock_drift_ppm (GstIioClock *c, gdouble *ppm, GstClockTime *scatter)
{
  gboolean ok;

  g_mutex_lock (&c->lock);
  ok = c->n >= 3 && c->last_x - c->first_x >= GST_IIO_DRIFT_MIN_SPAN &&
      c->sxx > 0;
  if (ok) {
    /* the residuals' sum of squares: syy less what the line explains */
    gdouble rss = MAX (c->syy - c->sxy * c->sxy / c->sxx, 0);

    *ppm = (c->sxy / c->sxx - 1.0) * 1e6;
    if (scatter)
      *scatter = (GstClockTime)(sqrt (rss / c->n) * GST_SECOND);
  }
  g_mutex_unlock (&c->lock);
  return ok;
}
