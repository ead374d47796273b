/* The device's time: a GstClock that runs at the converter's pace, and the
 * converter's drift against another clock.
 *
 * The device time is the converter's sample count over its nominal rate.
 * The count is known when a block completes (its fence's signal time says
 * when); in between, the time runs on with CLOCK_MONOTONIC, at most
 * ahead_max past the last count. A DAC stops counting when it runs dry:
 * run_free() lets the time run on unbounded meanwhile, and shifts the next
 * count's time (base) so that it carries on from there. GstAudioClock keeps
 * what the pipeline reads monotonic across the small steps back that a late
 * count makes, and across streams (each restarts the device time at 0).
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

GST_DEBUG_CATEGORY_STATIC (gst_iio_clock_debug);
#define GST_CAT_DEFAULT gst_iio_clock_debug

/* The count's time (the rate as the elements stamp buffers with it: whole
 * Hz), plus base. Lock held. */
static gint64
count_time (GstIioClock *c, guint64 samples)
{
  return c->base +
      (gint64)gst_util_uint64_scale (samples, GST_SECOND, (guint64)c->rate);
}

/* The time at @now (CLOCK_MONOTONIC), anchored. Lock held. */
static gint64
time_at (GstIioClock *c, guint64 now)
{
  GstClockTime since = now > c->anchor_ns ? now - c->anchor_ns : 0;

  return count_time (c, c->samples) +
      (gint64)(c->free ? since : MIN (since, c->ahead_max));
}

/* Shifts base so that a count of @samples reads, from @at on, the time the
 * clock had reached at @at. Lock held. */
static void
carry_on (GstIioClock *c, guint64 at, guint64 samples)
{
  c->base += time_at (c, at) - count_time (c, samples);
}

static GstClockTime
device_time (GstClock *clock, gpointer user_data)
{
  GstIioClock *c = user_data;
  GstClockTime t = GST_CLOCK_TIME_NONE;

  g_mutex_lock (&c->lock);
  if (c->anchor_ns && c->rate >= 1)
    t = (GstClockTime)MAX (time_at (c, gst_iio_now_ns ()), 0);
  g_mutex_unlock (&c->lock);
  return t;
}

void
gst_iio_clock_init (GstIioClock *c, GstObject *owner)
{
  gchar *name = g_strdup_printf ("%s-clock", GST_OBJECT_NAME (owner));
  static gsize debug_once;

  if (g_once_init_enter (&debug_once)) {
    GST_DEBUG_CATEGORY_INIT (
        gst_iio_clock_debug, "iioclock", 0, "IIO device clocks and drift");
    g_once_init_leave (&debug_once, 1);
  }

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
  c->base = 0;
  c->free = FALSE;
  g_mutex_unlock (&c->lock);
  gst_audio_clock_reset (GST_AUDIO_CLOCK (c->clock), 0);
  gst_iio_clock_drift_reset (c);
}

GstClockTime
gst_iio_clock_advance (GstIioClock *c, guint64 samples, guint64 mono_ns)
{
  guint64 at = mono_ns ? mono_ns : gst_iio_now_ns ();
  gint64 t;

  g_mutex_lock (&c->lock);
  if (c->free && c->anchor_ns && c->rate >= 1) {
    /* carry on from where the free-running time got to */
    carry_on (c, at, samples);
    c->free = FALSE;
  }
  c->samples = samples;
  c->anchor_ns = at;
  t = c->rate >= 1 ? count_time (c, samples) : 0;
  g_mutex_unlock (&c->lock);
  return (GstClockTime)MAX (t, 0);
}

void
gst_iio_clock_run_free (GstIioClock *c)
{
  guint64 now = gst_iio_now_ns ();

  g_mutex_lock (&c->lock);
  if (c->anchor_ns && c->rate >= 1)
    carry_on (c, now, c->samples);
  c->anchor_ns = now;
  c->free = TRUE;
  g_mutex_unlock (&c->lock);
  gst_iio_clock_drift_reset (c);
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

GstClockTime
gst_iio_clock_pipeline_time_at (
    GstIioClock *c, GstElement *element, guint64 mono_ns, gboolean *own)
{
  GstClock *clock = gst_element_get_clock (element);
  guint64 mono = gst_iio_now_ns ();
  GstClockTime now;

  *own = clock != NULL && clock == c->clock;
  if (clock == NULL)
    return GST_CLOCK_TIME_NONE;
  now = gst_clock_get_time (clock);
  gst_object_unref (clock);
  return now - MIN (now, mono > mono_ns ? mono - mono_ns : 0);
}

void
gst_iio_clock_drift_observe (GstIioClock *c, GstElement *element,
    GstClockTime at, gboolean own, GstClockTime device, gboolean discont,
    gdouble rate)
{
  GstClockTime scatter;
  gboolean warn;
  gdouble ppm;

  /* On the device's own clock there is nothing to measure: @at is read
   * from the same count (and a device that completes blocks in bursts,
   * which its clock follows, would seem to drift against itself). */
  if (!GST_CLOCK_TIME_IS_VALID (at) || own)
    return;
  if (discont)
    gst_iio_clock_drift_reset (c);
  gst_iio_clock_drift_add (c, at, device);
  if (!gst_iio_clock_drift_ppm (c, &ppm, &scatter))
    return;
  g_mutex_lock (&c->lock);
  c->drift_ppm = ppm;
  warn = ABS (ppm) > GST_IIO_DRIFT_WARN_PPM && scatter < GST_IIO_DRIFT_STEADY &&
      !c->drift_warned;
  c->drift_warned |= warn;
  g_mutex_unlock (&c->lock);
  GST_LOG_OBJECT (element, "drift %.1f ppm, scatter %" GST_TIME_FORMAT, ppm,
      GST_TIME_ARGS (scatter));
  if (warn)
    GST_ELEMENT_WARNING (element, RESOURCE, SETTINGS,
        ("The IIO device's clock is %.0f ppm off the pipeline's clock", ppm),
        ("sampling_frequency says %g Hz; measured over at least "
         "%" GST_TIME_FORMAT "; is the device's rate what it says?",
            rate, GST_TIME_ARGS (GST_IIO_DRIFT_MIN_SPAN)));
}

gdouble
gst_iio_clock_get_drift_ppm (GstIioClock *c)
{
  gdouble ppm;

  g_mutex_lock (&c->lock);
  ppm = c->drift_ppm;
  g_mutex_unlock (&c->lock);
  return ppm;
}

void
gst_iio_clock_drift_forget (GstIioClock *c)
{
  g_mutex_lock (&c->lock);
  c->drift_ppm = 0;
  c->drift_warned = FALSE;
  g_mutex_unlock (&c->lock);
  gst_iio_clock_drift_reset (c);
}
