/* The device clock and the drift fit (gstiioclock), on the host: what the
 * clock reads from the sample count, and the fit against known drifts.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gst/check/gstcheck.h>

#include "gstiiobuffer.h"
#include "gstiioclock.h"

static GstIioClock *
clock_new (void)
{
  GstIioClock *c = g_new0 (GstIioClock, 1);
  GstObject *owner = g_object_new (GST_TYPE_BIN, "name", "dev", NULL);

  gst_object_ref_sink (owner);
  gst_iio_clock_init (c, owner);
  gst_object_unref (owner);
  return c;
}

static void
clock_free (GstIioClock *c)
{
  gst_iio_clock_clear (c);
  g_free (c);
}

/* The time is the count over the rate, then runs on with the monotonic
 * clock up to ahead_max, and stops there (a stalled device). */
GST_START_TEST (test_time_from_count)
{
  GstIioClock *c = clock_new ();
  GstClockTime t0, t1, t2;

  fail_unless (g_str_has_suffix (GST_OBJECT_NAME (c->clock), "dev-clock"));
  gst_iio_clock_start (c, 1000, 50 * GST_MSECOND);
  t0 = gst_clock_get_time (c->clock);
  gst_iio_clock_advance (c, 2000, gst_iio_now_ns ());
  t1 = gst_clock_get_time (c->clock);
  fail_unless (
      t1 >= t0 + 2 * GST_SECOND && t1 < t0 + 2 * GST_SECOND + 50 * GST_MSECOND,
      "%" GST_TIME_FORMAT " after %" GST_TIME_FORMAT, GST_TIME_ARGS (t1),
      GST_TIME_ARGS (t0));
  g_usleep (200 * 1000);
  t2 = gst_clock_get_time (c->clock);
  fail_unless_equals_uint64 (t2, t0 + 2 * GST_SECOND + 50 * GST_MSECOND);

  /* a new stream: the device time restarts, the clock does not go back */
  gst_iio_clock_start (c, 1000, 50 * GST_MSECOND);
  gst_iio_clock_advance (c, 10, gst_iio_now_ns ());
  fail_unless (gst_clock_get_time (c->clock) >= t2);
  clock_free (c);
}

GST_END_TEST;

/* The fit: a device @ppm off the other clock, blocks every 100 ms with
 * completion times jittered by up to @jitter_us (a deterministic spread),
 * over @seconds. */
GST_START_TEST (test_drift_fit)
{
  static const struct
  {
    gdouble ppm;
    guint seconds, jitter_us;
    gdouble tolerance;
  } cases[] = {
    { 0, 10, 0, 0.01 },
    { 200, 10, 0, 0.01 },
    { -200, 10, 0, 0.01 },
    { 50, 60, 0, 0.01 },
    /* a busy machine: completions up to 5 ms late */
    { 200, 60, 5000, 10 },
    { -1500, 60, 5000, 10 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    GstIioClock *c = clock_new ();
    guint n = cases[i].seconds * 10;
    GstClockTime scatter = 0;
    gdouble ppm = 0;

    gst_iio_clock_drift_reset (c);
    for (guint k = 0; k <= n; k++) {
      GstClockTime device = k * 100 * GST_MSECOND;
      /* the other clock's time when the device reached @device */
      GstClockTime other = 1000 * GST_SECOND +
          (GstClockTime)(device / (1 + cases[i].ppm / 1e6)) +
          (cases[i].jitter_us ? ((k * 7919) % cases[i].jitter_us) * GST_USECOND
                              : 0);

      gst_iio_clock_drift_add (c, other, device);
      /* nothing until the points span 5 s */
      if (k < 49)
        fail_if (
            gst_iio_clock_drift_ppm (c, &ppm, NULL), "case %u: at %u", i, k);
    }
    fail_unless (gst_iio_clock_drift_ppm (c, &ppm, &scatter), "case %u", i);
    fail_unless (ABS (ppm - cases[i].ppm) <= cases[i].tolerance,
        "case %u: %.3f ppm for %.1f", i, ppm, cases[i].ppm);
    /* on the line, or spread as the jitter (uniform: width / sqrt 12) */
    if (cases[i].jitter_us == 0)
      fail_unless (scatter < GST_USECOND, "case %u: scatter %" G_GUINT64_FORMAT,
          i, scatter);
    else
      fail_unless (scatter > GST_MSECOND && scatter < 2 * GST_MSECOND,
          "case %u: scatter %" G_GUINT64_FORMAT, i, scatter);
    gst_iio_clock_drift_reset (c);
    fail_if (gst_iio_clock_drift_ppm (c, &ppm, NULL));
    clock_free (c);
  }
}

GST_END_TEST;

/* Blocks that complete as they come, not on a clock (a device running
 * freely, held back now and then): the points scatter far from a line. */
GST_START_TEST (test_drift_scatter_of_bursts)
{
  GstIioClock *c = clock_new ();
  GstClockTime scatter = 0, other = 0;
  gdouble ppm = 0;

  for (guint k = 0; k <= 100; k++) {
    /* ten blocks at once, then a wait of a second */
    other += (k % 10 == 0) ? GST_SECOND : GST_MSECOND;
    gst_iio_clock_drift_add (c, other, k * 100 * GST_MSECOND);
  }
  fail_unless (gst_iio_clock_drift_ppm (c, &ppm, &scatter));
  fail_unless (scatter > GST_IIO_DRIFT_STEADY,
      "scatter %" G_GUINT64_FORMAT " of bursts", scatter);
  clock_free (c);
}

GST_END_TEST;

/* A DAC's clock: before the device counts (and after it ran dry) the time
 * runs on with the monotonic clock, unbounded; the next count carries on
 * from there, without a step either way; then the count drives it. */
GST_START_TEST (test_run_free_carries_on)
{
  GstIioClock *c = clock_new ();
  GstClockTime t0, t1, t2, t3, t4;

  gst_iio_clock_start (c, 1000, GST_CLOCK_TIME_NONE);
  gst_iio_clock_run_free (c);
  t0 = gst_clock_get_time (c->clock);
  g_usleep (50000);
  t1 = gst_clock_get_time (c->clock);
  fail_unless (t1 - t0 >= 50 * GST_MSECOND, "free: %" GST_TIME_FORMAT,
      GST_TIME_ARGS (t1 - t0));
  /* the first block (10 ms of samples) played now: no step back to 10 ms */
  gst_iio_clock_advance (c, 10, 0);
  t2 = gst_clock_get_time (c->clock);
  fail_unless (t2 >= t1 && t2 - t1 < 20 * GST_MSECOND,
      "after the first count: %" GST_TIME_FORMAT " -> %" GST_TIME_FORMAT,
      GST_TIME_ARGS (t1), GST_TIME_ARGS (t2));
  /* 100 ms more of samples at once: the count drives it */
  gst_iio_clock_advance (c, 110, 0);
  t3 = gst_clock_get_time (c->clock);
  fail_unless (t3 - t2 >= 95 * GST_MSECOND && t3 - t2 < 130 * GST_MSECOND,
      "a count of 100 ms moved it %" GST_TIME_FORMAT, GST_TIME_ARGS (t3 - t2));
  /* the DAC ran dry for 80 ms, then 10 ms more played: the time went on
   * meanwhile and carries on, it does not stand still for the gap */
  gst_iio_clock_run_free (c);
  g_usleep (80000);
  gst_iio_clock_advance (c, 120, 0);
  t4 = gst_clock_get_time (c->clock);
  fail_unless (t4 - t3 >= 80 * GST_MSECOND && t4 - t3 < 130 * GST_MSECOND,
      "across the gap: %" GST_TIME_FORMAT, GST_TIME_ARGS (t4 - t3));
  clock_free (c);
}

GST_END_TEST;

/* drift_observe() on an element: 1% steady drift against another clock is
 * kept and warned about once; on the device's own clock it is not measured
 * (it would be read from the same count), stays 0, and nothing is warned. */
GST_START_TEST (test_drift_observed_not_on_own_clock)
{
  for (guint own = 0; own < 2; own++) {
    GstIioClock *c = clock_new ();
    GstElement *el = gst_pipeline_new (NULL);
    GstClock *other = g_object_new (GST_TYPE_SYSTEM_CLOCK, NULL);
    GstBus *bus = gst_element_get_bus (el);
    GstMessage *msg;

    gst_object_ref_sink (other);
    /* (a pipeline's bus takes messages from READY on) */
    gst_element_set_state (el, GST_STATE_READY);
    gst_element_set_clock (el, own ? c->clock : other);
    for (guint k = 0; k <= 100; k++) {
      gboolean on_own;

      gst_iio_clock_pipeline_time_at (c, el, gst_iio_now_ns (), &on_own);
      fail_unless_equals_int (on_own, own);
      gst_iio_clock_drift_observe (c, el, k * 100 * GST_MSECOND, on_own,
          k * 101 * GST_MSECOND, FALSE, 1000);
    }
    msg = gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING);
    if (own) {
      fail_unless (gst_iio_clock_get_drift_ppm (c) == 0);
      fail_unless (msg == NULL);
    } else {
      fail_unless (ABS (gst_iio_clock_get_drift_ppm (c) - 10000) < 1,
          "%.1f ppm", gst_iio_clock_get_drift_ppm (c));
      fail_unless (msg != NULL);
      fail_unless (gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING) == NULL,
          "warned twice");
      gst_message_unref (msg);
    }
    gst_element_set_state (el, GST_STATE_NULL);
    gst_object_unref (bus);
    gst_object_unref (other);
    gst_object_unref (el);
    clock_free (c);
  }
}

GST_END_TEST;

static Suite *
iioclock_suite (void)
{
  Suite *s = suite_create ("iioclock");
  TCase *tc = tcase_create ("clock");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_time_from_count);
  tcase_add_test (tc, test_drift_fit);
  tcase_add_test (tc, test_drift_scatter_of_bursts);
  tcase_add_test (tc, test_run_free_carries_on);
  tcase_add_test (tc, test_drift_observed_not_on_own_clock);
  return s;
}

GST_CHECK_MAIN (iioclock);
