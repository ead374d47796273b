/* The device's time, against the real kernel (test guest): iiodmabufsrc
 * provides a clock driven by the converter's sample count; with it as the
 * pipeline clock, the pipeline runs at the device's pace; with the system
 * clock instead, the source measures how far the device drifts from it.
 * The test driver's sim_ppm runs its sample clock N ppm off the kernel's.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gst/check/gstcheck.h>

#include "iiosim.h"

#include <string.h>

#define ADC "iio-sim-adc"
#define RATE 48000
#define SPB 4800 /* 100 ms blocks */
#define PPM 200
/* The buffers of the first 5 s are left out of the lateness fits: the
 * pipeline's start shifts when they reach the sink. */
#define SETTLED (5 * RATE / SPB)
/* How closely the buffers' arrival at the sink tracks a clock: the time
 * from a block's completion to the sink wanders by a millisecond or two
 * over the run under emulation, tens of ppm of a minute (seen: -22 and
 * -34 on the device clock, -270 and -206 on the system clock). */
#define LATE_TOLERANCE 80

/* Least squares slope of @y over @x from point @from on, minus 1, in ppm. */
static gdouble
slope_ppm (GArray *x, GArray *y, guint from)
{
  gdouble mx = 0, my = 0, sxx = 0, sxy = 0;
  guint n = x->len - from;

  fail_unless (x->len >= from + 3);
  for (guint i = from; i < x->len; i++) {
    mx += g_array_index (x, gdouble, i) / n;
    my += g_array_index (y, gdouble, i) / n;
  }
  for (guint i = from; i < x->len; i++) {
    gdouble dx = g_array_index (x, gdouble, i) - mx;

    sxx += dx * dx;
    sxy += dx * (g_array_index (y, gdouble, i) - my);
  }
  return (sxy / sxx - 1.0) * 1e6;
}

/* What the sink saw: each buffer's PTS against the running time of the
 * pipeline clock when it got it, and against the monotonic time. */
typedef struct
{
  GstElement *pipe;
  GMutex lock;
  GArray *mono;    /* seconds, CLOCK_MONOTONIC at the buffer */
  GArray *running; /* seconds, the pipeline clock's running time then */
  GArray *pts;     /* seconds */
  guint64 next;    /* the sample the next buffer must start with */
  guint bad_pts;   /* buffers whose PTS is not their offset's time */
} Seen;

static GstPadProbeReturn
seen_buffer (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  Seen *s = user_data;
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);
  GstClock *clock = gst_element_get_clock (s->pipe);
  gdouble mono = g_get_monotonic_time () / 1e6, running, pts;

  if (!clock)
    return GST_PAD_PROBE_OK;
  running = (gdouble)(gst_clock_get_time (clock) -
                gst_element_get_base_time (s->pipe)) /
      GST_SECOND;
  gst_object_unref (clock);
  pts = (gdouble)GST_BUFFER_PTS (buf) / GST_SECOND;

  g_mutex_lock (&s->lock);
  /* PTS = the stream's start + offset / rate, to within a sample */
  if (s->pts->len > 0) {
    gdouble pts0 = g_array_index (s->pts, gdouble, 0);
    gdouble want = pts0 + (gdouble)GST_BUFFER_OFFSET (buf) / RATE;

    if (ABS (pts - want) > 1.0 / RATE)
      s->bad_pts++;
  }
  if (GST_BUFFER_OFFSET (buf) != s->next)
    s->bad_pts++;
  s->next = GST_BUFFER_OFFSET_END (buf);
  g_array_append_val (s->mono, mono);
  g_array_append_val (s->running, running);
  g_array_append_val (s->pts, pts);
  g_mutex_unlock (&s->lock);
  return GST_PAD_PROBE_OK;
}

/* Captures @seconds of the ADC (PPM fast) into a syncing fakesink, the
 * device's clock provided or not. */
static Seen *
capture (gboolean provide_clock, guint seconds, GstElement **src_out)
{
  gchar *desc = g_strdup_printf (
      "iiodmabufsrc name=src device=" ADC " channels=voltage0,voltage1 "
      "sampling-frequency=%u samples-per-buffer=%u num-buffers=%u "
      "provide-clock=%s ! fakesink name=sink sync=true",
      RATE, SPB, seconds * RATE / SPB, provide_clock ? "true" : "false");
  Seen *s = g_new0 (Seen, 1);
  GstElement *sink;
  GstPad *pad;

  s->pipe = gst_parse_launch (desc, NULL);
  fail_unless (s->pipe != NULL, "%s", desc);
  g_mutex_init (&s->lock);
  s->mono = g_array_new (FALSE, FALSE, sizeof (gdouble));
  s->running = g_array_new (FALSE, FALSE, sizeof (gdouble));
  s->pts = g_array_new (FALSE, FALSE, sizeof (gdouble));
  sink = gst_bin_get_by_name (GST_BIN (s->pipe), "sink");
  pad = gst_element_get_static_pad (sink, "sink");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, seen_buffer, s, NULL);
  gst_object_unref (pad);
  gst_object_unref (sink);

  iiosim_write (ADC, "sim_free_run", "0");
  iiosim_write (ADC, "sim_ppm", G_STRINGIFY (PPM));
  fail_if (gst_element_set_state (s->pipe, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  iiosim_wait_eos (s->pipe, (seconds + 30) * GST_SECOND, desc);
  *src_out = gst_bin_get_by_name (GST_BIN (s->pipe), "src");
  iiosim_write (ADC, "sim_ppm", "0");
  g_free (desc);
  return s;
}

static void
seen_free (Seen *s)
{
  gst_element_set_state (s->pipe, GST_STATE_NULL);
  gst_object_unref (s->pipe);
  g_array_unref (s->mono);
  g_array_unref (s->running);
  g_array_unref (s->pts);
  g_mutex_clear (&s->lock);
  g_free (s);
}

/* After a run of @pipe: it took @element's clock when @provide, else the
 * system clock (and @element offers none). */
static void
check_pipeline_clock (GstElement *pipe, GstElement *element, gboolean provide)
{
  GstClock *clock = gst_element_get_clock (pipe);
  GstClock *own = gst_element_provide_clock (element);

  fail_unless (clock != NULL);
  if (provide) {
    fail_unless (clock == own, "the pipeline took %s, not %s's",
        GST_OBJECT_NAME (clock), GST_OBJECT_NAME (element));
    fail_unless (g_str_has_suffix (GST_OBJECT_NAME (clock), "-clock"));
  } else {
    fail_unless (own == NULL);
    fail_unless (GST_IS_SYSTEM_CLOCK (clock), "the pipeline took %s",
        GST_OBJECT_NAME (clock));
  }
  gst_object_unref (clock);
  if (own)
    gst_object_unref (own);
}

/* The source offers its clock, and a pipeline of it takes it; with
 * provide-clock=false, the pipeline takes the system clock. */
GST_START_TEST (test_clock_provided)
{
  for (guint provide = 0; provide < 2; provide++) {
    GstElement *pipe = gst_parse_launch (provide
            ? "iiodmabufsrc name=src device=" ADC
              " samples-per-buffer=4800 ! fakesink"
            : "iiodmabufsrc name=src device=" ADC
              " samples-per-buffer=4800 provide-clock=false ! fakesink",
        NULL);
    GstElement *src = gst_bin_get_by_name (GST_BIN (pipe), "src");

    fail_unless_equals_int (
        GST_OBJECT_FLAG_IS_SET (src, GST_ELEMENT_FLAG_PROVIDE_CLOCK), provide);
    iiosim_write (ADC, "sim_free_run", "0");
    fail_if (gst_element_set_state (pipe, GST_STATE_PLAYING) ==
        GST_STATE_CHANGE_FAILURE);
    fail_unless_equals_int (
        gst_element_get_state (pipe, NULL, NULL, 30 * GST_SECOND),
        GST_STATE_CHANGE_SUCCESS);
    check_pipeline_clock (pipe, src, provide);
    gst_element_set_state (pipe, GST_STATE_NULL);
    gst_object_unref (src);
    gst_object_unref (pipe);
  }
}

GST_END_TEST;

/* The ADC 200 ppm fast, its clock the pipeline's, 60 s: the pipeline clock
 * runs 200 +- 20 ppm fast against CLOCK_MONOTONIC; the buffers' PTS keep
 * pace with it (their lateness at the sink does not drift, where on the
 * system clock it drifts by the device's 200 ppm: the next test), each PTS
 * is its offset's time, and the source measures no drift against its own
 * clock. */
GST_START_TEST (test_device_clock_paces_pipeline)
{
  GstElement *src;
  Seen *s = capture (TRUE, 60, &src);
  gdouble clock_ppm, late_ppm, drift;

  fail_unless (s->mono->len >= 590, "%u buffers", s->mono->len);
  fail_unless_equals_int (s->bad_pts, 0);
  clock_ppm = slope_ppm (s->mono, s->running, 0);
  /* running time over PTS: 0 ppm when the PTS follow the clock */
  late_ppm = slope_ppm (s->pts, s->running, SETTLED);
  drift = iiosim_stat_double (src, "drift-ppm");
  GST_INFO ("device clock: %.1f ppm against CLOCK_MONOTONIC, running time "
            "over PTS %.1f ppm, drift-ppm %.1f",
      clock_ppm, late_ppm, drift);
  fail_unless (ABS (clock_ppm - PPM) <= 20,
      "the pipeline clock runs %.1f ppm off CLOCK_MONOTONIC, not %d", clock_ppm,
      PPM);
  fail_unless (ABS (late_ppm) <= LATE_TOLERANCE,
      "running time drifts %.1f ppm from the PTS", late_ppm);
  fail_unless (drift == 0, "drift-ppm %.1f against its own clock", drift);
  fail_unless_equals_uint64 (iiosim_stat_u64 (src, "samples-lost"), 0);
  gst_object_unref (src);
  seen_free (s);
}

GST_END_TEST;

/* The ADC 200 ppm fast, the system clock the pipeline's: drift-ppm reads
 * 200 +- 20, and the PTS run ahead of the running time at that rate. */
GST_START_TEST (test_drift_against_system_clock)
{
  GstElement *src;
  Seen *s = capture (FALSE, 30, &src);
  gdouble late_ppm, drift;

  fail_unless (s->mono->len >= 290, "%u buffers", s->mono->len);
  fail_unless_equals_int (s->bad_pts, 0);
  late_ppm = slope_ppm (s->pts, s->running, SETTLED);
  drift = iiosim_stat_double (src, "drift-ppm");
  GST_INFO ("system clock: drift-ppm %.1f, running time over PTS %.1f ppm",
      drift, late_ppm);
  fail_unless (
      ABS (drift - PPM) <= 20, "drift-ppm %.1f, not %d +- 20", drift, PPM);
  fail_unless (ABS (late_ppm + PPM) <= LATE_TOLERANCE,
      "running time over PTS %.1f ppm, not -%d", late_ppm, PPM);
  fail_unless_equals_uint64 (iiosim_stat_u64 (src, "samples-lost"), 0);
  gst_object_unref (src);
  seen_free (s);
}

GST_END_TEST;

/* A device 5000 ppm off the pipeline clock is no crystal's error: a
 * warning says so, in two halves, the rate it was told in the second. */
GST_START_TEST (test_drift_warning)
{
  GstElement *pipe = gst_parse_launch (
      "iiodmabufsrc device=" ADC " channels=voltage0,voltage1 "
      "sampling-frequency=48000 samples-per-buffer=4800 provide-clock=false "
      "! fakesink",
      NULL);
  GstMessage *msg;
  GError *err = NULL;
  gchar *dbg = NULL;

  iiosim_write (ADC, "sim_free_run", "0");
  iiosim_write (ADC, "sim_ppm", "5000");
  gst_element_set_state (pipe, GST_STATE_PLAYING);
  /* the drift is known after 5 s of blocks */
  msg = gst_bus_timed_pop_filtered (GST_ELEMENT_BUS (pipe), 30 * GST_SECOND,
      GST_MESSAGE_WARNING | GST_MESSAGE_ERROR);
  iiosim_write (ADC, "sim_ppm", "0");
  fail_unless (msg != NULL, "no warning in 30 s");
  fail_unless_equals_int (GST_MESSAGE_TYPE (msg), GST_MESSAGE_WARNING);
  gst_message_parse_warning (msg, &err, &dbg);
  GST_INFO ("%s (%s)", err->message, dbg);
  fail_unless (g_str_has_prefix (err->message, "The IIO device's clock is "),
      "%s", err->message);
  fail_unless (strstr (err->message, "ppm off the pipeline's clock"));
  fail_unless (
      dbg && strstr (dbg, "sampling_frequency says 48000 Hz"), "%s", dbg);
  iiosim_check_two_halves (err->message, dbg);
  g_error_free (err);
  g_free (dbg);
  gst_message_unref (msg);
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (pipe);
}

GST_END_TEST;

/* The DAC's clock. */

/* (mono, running) of the pipeline clock at each buffer the probe sees */
typedef struct
{
  GstElement *pipe;
  GArray *mono, *running;
} ClockTrace;

static GstPadProbeReturn
trace_clock (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  ClockTrace *t = user_data;
  GstClock *clock = gst_element_get_clock (t->pipe);
  gdouble mono = g_get_monotonic_time () / 1e6, running;

  if (!clock)
    return GST_PAD_PROBE_OK;
  running = (gdouble)(gst_clock_get_time (clock) -
                gst_element_get_base_time (t->pipe)) /
      GST_SECOND;
  gst_object_unref (clock);
  g_array_append_val (t->mono, mono);
  g_array_append_val (t->running, running);
  return GST_PAD_PROBE_OK;
}

#define DAC "iio-sim-dac"
#define DAC_PPM 10000
/* a live source of 20 s at 48 kHz, into the DAC */
#define LIVE_TO_DAC                                                            \
  "audiotestsrc is-live=true samplesperbuffer=1024 num-buffers=940 ! "         \
  "audio/x-raw,format=S16LE,channels=2,rate=48000 ! "                          \
  "iiodmabufsink name=sink device=" DAC

/* The sink offers the DAC's clock, and a pipeline whose source has none
 * takes it; with provide-clock=false, the system clock. */
GST_START_TEST (test_sink_clock_provided)
{
  for (guint provide = 0; provide < 2; provide++) {
    gchar *desc = g_strdup_printf ("audiotestsrc is-live=true num-buffers=50 ! "
                                   "audio/x-raw,format=S16LE,channels=2,"
                                   "rate=48000 ! iiodmabufsink name=sink "
                                   "device=" DAC " provide-clock=%s",
        provide ? "true" : "false");
    GstElement *pipe = gst_parse_launch (desc, NULL);
    GstElement *sink = gst_bin_get_by_name (GST_BIN (pipe), "sink");

    fail_unless_equals_int (
        GST_OBJECT_FLAG_IS_SET (sink, GST_ELEMENT_FLAG_PROVIDE_CLOCK), provide);
    iiosim_write (DAC, "sim_free_run", "0");
    fail_if (gst_element_set_state (pipe, GST_STATE_PLAYING) ==
        GST_STATE_CHANGE_FAILURE);
    /* (a live source, paced by the DAC's clock, which runs on before the
     * DAC starts: no deadlock) */
    iiosim_wait_eos (pipe, 30 * GST_SECOND, desc);
    check_pipeline_clock (pipe, sink, provide);
    gst_element_set_state (pipe, GST_STATE_NULL);
    gst_object_unref (sink);
    gst_object_unref (pipe);
    g_free (desc);
  }
}

GST_END_TEST;

/* The DAC 1% fast, a live source with no clock of its own, 20 s. On the
 * DAC's clock the source produces at the DAC's pace: the pipeline clock
 * runs 1% fast against CLOCK_MONOTONIC and the DAC never runs dry. On the
 * system clock the DAC plays faster than the source makes samples: it
 * runs dry (underruns counted and warned), and drift-ppm says by how much,
 * with a warning. */
GST_START_TEST (test_live_source_paced_by_dac)
{
  for (guint provide = 0; provide < 2; provide++) {
    gchar *desc = g_strdup_printf (
        LIVE_TO_DAC " provide-clock=%s", provide ? "true" : "false");
    GstElement *pipe = gst_parse_launch (desc, NULL);
    GstElement *sink = gst_bin_get_by_name (GST_BIN (pipe), "sink");
    GstPad *pad = gst_element_get_static_pad (sink, "sink");
    ClockTrace t = { pipe, g_array_new (FALSE, FALSE, sizeof (gdouble)),
      g_array_new (FALSE, FALSE, sizeof (gdouble)) };
    GString *warnings = g_string_new (NULL);
    guint64 underruns;
    gdouble drift, clock_ppm;

    gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, trace_clock, &t, NULL);
    gst_object_unref (pad);
    iiosim_write (DAC, "sim_free_run", "0");
    iiosim_write (DAC, "sim_ppm", G_STRINGIFY (DAC_PPM));
    fail_if (gst_element_set_state (pipe, GST_STATE_PLAYING) ==
        GST_STATE_CHANGE_FAILURE);
    iiosim_wait_eos_collecting (pipe, 60 * GST_SECOND, desc, warnings);
    iiosim_write (DAC, "sim_ppm", "0");
    underruns = iiosim_stat_u64 (sink, "underruns");
    drift = iiosim_stat_double (sink, "drift-ppm");
    clock_ppm = slope_ppm (t.mono, t.running, t.mono->len / 4);
    GST_INFO ("provide-clock=%u: clock %.0f ppm against CLOCK_MONOTONIC, "
              "drift-ppm %.0f, underruns %" G_GUINT64_FORMAT ", warnings:\n%s",
        provide, clock_ppm, drift, underruns, warnings->str);
    if (provide) {
      fail_unless (ABS (clock_ppm - DAC_PPM) <= 500,
          "the pipeline clock runs %.0f ppm off CLOCK_MONOTONIC, not %d",
          clock_ppm, DAC_PPM);
      fail_unless_equals_uint64 (underruns, 0);
      fail_unless (
          ABS (drift) <= 100, "drift-ppm %.0f on its own clock", drift);
      fail_unless (warnings->len == 0, "%s", warnings->str);
    } else {
      fail_unless (ABS (clock_ppm) <= 500, "the system clock runs %.0f ppm off",
          clock_ppm);
      fail_unless (underruns > 0, "the faster DAC never ran dry");
      fail_unless (strstr (warnings->str, "sink: Underrun") != NULL, "%s",
          warnings->str);
      /* the fit restarts at each underrun: the last stretch's drift */
      fail_unless (ABS (drift - DAC_PPM) <= 1000, "drift-ppm %.0f", drift);
      fail_unless (
          strstr (warnings->str, "ppm off the pipeline's clock") != NULL, "%s",
          warnings->str);
    }
    g_string_free (warnings, TRUE);
    g_array_unref (t.mono);
    g_array_unref (t.running);
    gst_element_set_state (pipe, GST_STATE_NULL);
    gst_object_unref (sink);
    gst_object_unref (pipe);
    g_free (desc);
  }
}

GST_END_TEST;

/* ADC -> DAC, the ADC 2% fast, 20 s: the pipeline runs on the ADC's clock
 * (the most upstream provider); the DAC plays slower than the ADC makes
 * samples, backs up to the source, and the ADC loses samples, which the
 * source counts and warns of (judged from each block's fence, not from the
 * nominal rate the fast ADC runs ahead of); the sink measures the DAC slow
 * against the ADC's clock and warns. Never silent. (2%, not a crystal's
 * 100 ppm: the queues hold 200 ms, which 100 ppm fills in half an hour.) */
GST_START_TEST (test_adc_fast_into_dac)
{
  GstElement *pipe = gst_parse_launch (
      "iiodmabufsrc name=src device=" ADC " channels=voltage0,voltage1 "
      "sampling-frequency=48000 samples-per-buffer=1024 num-buffers=940 ! "
      "iiodmabufsink name=sink device=" DAC,
      NULL);
  GstElement *src = gst_bin_get_by_name (GST_BIN (pipe), "src");
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipe), "sink");
  GString *warnings = g_string_new (NULL);
  GstClock *clock, *adc_clock;
  guint64 lost;
  gdouble drift;

  iiosim_write (ADC, "sim_free_run", "0");
  iiosim_write (DAC, "sim_free_run", "0");
  iiosim_write (ADC, "sim_ppm", "20000");
  fail_if (gst_element_set_state (pipe, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  iiosim_wait_eos_collecting (pipe, 60 * GST_SECOND, "ADC -> DAC", warnings);
  iiosim_write (ADC, "sim_ppm", "0");
  clock = gst_element_get_clock (pipe);
  adc_clock = gst_element_provide_clock (src);
  fail_unless (clock != NULL && clock == adc_clock, "the pipeline took %s",
      clock ? GST_OBJECT_NAME (clock) : "no clock");
  gst_object_unref (clock);
  gst_object_unref (adc_clock);
  lost = iiosim_stat_u64 (src, "samples-lost");
  drift = iiosim_stat_double (sink, "drift-ppm");
  GST_INFO ("ADC 20000 ppm fast: lost %" G_GUINT64_FORMAT
            ", DAC drift-ppm %.0f, warnings:\n%s",
      lost, drift, warnings->str);
  fail_unless (lost > 0, "the ADC lost nothing");
  fail_unless (strstr (warnings->str, "src: The IIO device lost ") != NULL,
      "%s", warnings->str);
  /* measured 2% slow once 5 s of blocks are in, and warned of; later the
   * ADC's clock, which the source cannot advance while it waits on the
   * sink, stalls and jumps: the figure at the end is only negative */
  fail_unless (
      strstr (warnings->str, "sink: The IIO device's clock is -") != NULL, "%s",
      warnings->str);
  fail_unless (drift < 0, "DAC drift-ppm %.0f", drift);
  fail_unless_equals_uint64 (iiosim_stat_u64 (sink, "underruns"), 0);
  g_string_free (warnings, TRUE);
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (src);
  gst_object_unref (sink);
  gst_object_unref (pipe);
}

GST_END_TEST;

static Suite *
iioclock_suite (void)
{
  Suite *s = suite_create ("iioclock");
  TCase *tc = tcase_create ("clock");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_clock_provided);
  tcase_add_test (tc, test_device_clock_paces_pipeline);
  tcase_add_test (tc, test_drift_against_system_clock);
  tcase_add_test (tc, test_drift_warning);
  tcase_add_test (tc, test_sink_clock_provided);
  tcase_add_test (tc, test_live_source_paced_by_dac);
  tcase_add_test (tc, test_adc_fast_into_dac);
  return s;
}

GST_CHECK_MAIN (iioclock);
