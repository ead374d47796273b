/* The device's time: a GstClock that runs at the converter's pace, and the
 * converter's drift against another clock.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_IIO_CLOCK_H__
#define __GST_IIO_CLOCK_H__

#include <gst/gst.h>

G_BEGIN_DECLS

/* Drift is reported once its points span this much of the other clock. */
#define GST_IIO_DRIFT_MIN_SPAN (5 * GST_SECOND)
/* A drift past this is no crystal's: the elements warn (the rate is
 * likely not what the device says). */
#define GST_IIO_DRIFT_WARN_PPM 1000
/* ... when the fit's scatter is under this: a steady device. */
#define GST_IIO_DRIFT_STEADY (5 * GST_MSECOND)

typedef struct
{
  GstClock *clock; /* a GstAudioClock reading the device time */

  GMutex lock;      /* everything below */
  gboolean provide; /* the element offers the clock (provide-clock) */
  gdouble rate;
  guint64 samples;        /* the device's sample count at anchor_ns */
  guint64 anchor_ns;      /* CLOCK_MONOTONIC; 0: no sample yet */
  GstClockTime ahead_max; /* how far the time runs past the anchor */
  gint64 base;            /* ns added to the count's time (run_free) */
  gboolean free;          /* runs on unbounded; the next count follows on */
  gdouble drift_ppm;      /* the last measured; 0 until then */
  gboolean drift_warned;

  /* least squares of device time over the other clock's, since the last
   * reset: centred sums, in seconds */
  guint64 n;
  gdouble mean_x, mean_y, sxx, sxy, syy;
  GstClockTime first_x, last_x;
} GstIioClock;

/* The clock of @owner's device, named after it. */
void gst_iio_clock_init (GstIioClock *c, GstObject *owner);
void gst_iio_clock_clear (GstIioClock *c);

/* The provide-clock property of @element, which owns @c: the element's
 * GST_ELEMENT_FLAG_PROVIDE_CLOCK follows it. */
void gst_iio_clock_set_provide (
    GstIioClock *c, GstElement *element, gboolean provide);
gboolean gst_iio_clock_get_provide (GstIioClock *c);
/* For GstElementClass.provide_clock: the clock (a ref), or NULL when the
 * element does not offer it. */
GstClock *gst_iio_clock_provided (GstIioClock *c);
/* After @element's state change @transition: the messages with which the
 * audio elements announce their clock (clock-provide at READY_TO_PAUSED)
 * and take it back (clock-lost at PAUSED_TO_READY: the pipeline picks
 * another). */
void gst_iio_clock_state_changed (
    GstIioClock *c, GstElement *element, GstStateChange transition);

/* A new stream at @rate: the device time starts again from 0 (the GstClock
 * stays monotonic), and runs at most @ahead_max past the last count while
 * no new one comes (the samples queued ahead; then it stops, as a stalled
 * device does). */
void gst_iio_clock_start (GstIioClock *c, gdouble rate, GstClockTime ahead_max);
/* The device had converted @samples (lost ones included) at @mono_ns
 * (CLOCK_MONOTONIC; 0: now). Returns the device time of that count. */
GstClockTime gst_iio_clock_advance (
    GstIioClock *c, guint64 samples, guint64 mono_ns);
/* The device stopped counting (a DAC that ran dry, or was paused): from now
 * the time runs on with CLOCK_MONOTONIC, unbounded, and the next count
 * carries on from where it got to, without a step back. Resets the drift
 * fit. */
void gst_iio_clock_run_free (GstIioClock *c);

/* One point of the drift fit: @device (the device time of a sample) was
 * reached at @other on the other clock. A discontinuity resets the fit. */
void gst_iio_clock_drift_add (
    GstIioClock *c, GstClockTime other, GstClockTime device);
void gst_iio_clock_drift_reset (GstIioClock *c);
/* The device's drift against the other clock in ppm (positive: the device
 * runs fast), once the points span GST_IIO_DRIFT_MIN_SPAN; else FALSE.
 * @scatter (if not NULL): how far the points lie from the fitted line (root
 * mean square): a clocked converter's blocks complete on a line, within
 * the system's scheduling jitter; a device that completes blocks as they
 * come (a test driver running freely) scatters, and its drift means
 * nothing. */
gboolean gst_iio_clock_drift_ppm (
    GstIioClock *c, gdouble *ppm, GstClockTime *scatter);

/* @element's pipeline clock time when CLOCK_MONOTONIC read @mono_ns (in the
 * past), or GST_CLOCK_TIME_NONE without a clock; @own: whether that clock
 * is @c's. */
GstClockTime gst_iio_clock_pipeline_time_at (
    GstIioClock *c, GstElement *element, guint64 mono_ns, gboolean *own);
/* One point of the drift of @element's device against its pipeline clock
 * (gst_iio_clock_pipeline_time_at() of the moment the device reached
 * @device; NONE: no point), the fit reset first on a @discont. Once it
 * spans GST_IIO_DRIFT_MIN_SPAN the drift is kept (get_drift_ppm()), and a
 * steady one past GST_IIO_DRIFT_WARN_PPM is warned about once, naming
 * @rate, the device's nominal rate. Nothing while the pipeline runs on
 * @c's own clock (@own, from gst_iio_clock_pipeline_time_at()): the drift
 * stays 0. */
void gst_iio_clock_drift_observe (GstIioClock *c, GstElement *element,
    GstClockTime at, gboolean own, GstClockTime device, gboolean discont,
    gdouble rate);
gdouble gst_iio_clock_get_drift_ppm (GstIioClock *c);
/* A new run: no drift measured, none warned about. */
void gst_iio_clock_drift_forget (GstIioClock *c);

G_END_DECLS

#endif
