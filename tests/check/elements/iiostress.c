/* Reliability of both elements on the iio-sim test driver in the guest:
 * state cycles per io-mode, random state changes against flushes from a
 * second thread, devices that go away and come back, a downstream that
 * holds every buffer. Each test prints its figures (fds, RSS, times).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gst/check/gstcheck.h>

#include "iiosim.h"

#include <errno.h>
#include <unistd.h>

#define ADC "iio-sim-adc"
#define DAC "iio-sim-dac"
#define CAPS2 "audio/x-raw,format=S16LE,layout=interleaved,channels=2"

/* State cycles per test: 1000, or GIID_STRESS_CYCLES (at least 10) where
 * a slow kernel makes 1000 too long (tests/memcheck's debug kernel). */
static guint
cycles (void)
{
  const gchar *env = g_getenv ("GIID_STRESS_CYCLES");
  guint64 n = env ? g_ascii_strtoull (env, NULL, 10) : 1000;

  return CLAMP (n, 10, 1000000);
}

static void
setup (void)
{
  iiosim_reload (NULL);
  iiosim_write (ADC, "sim_free_run", "1");
  iiosim_write (DAC, "sim_free_run", "1");
}

/* The element named @name in @pipe reached PLAYING with io-mode @mode. */
static void
check_mode (GstElement *pipe, const gchar *name, const gchar *mode)
{
  GstElement *el = gst_bin_get_by_name (GST_BIN (pipe), name);
  gchar *got = iiosim_stat_string (el, "io-mode");

  fail_unless_equals_string (got, mode);
  g_free (got);
  gst_object_unref (el);
}

/* Reads an element's "stats" in a loop, as a monitoring application does,
 * while the state changes under it. */
typedef struct
{
  GstElement *el;
  gint stop;
  guint reads;
} StatsReader;

static gpointer
read_stats (gpointer data)
{
  StatsReader *r = data;

  while (!g_atomic_int_get (&r->stop)) {
    GstStructure *stats = NULL;

    g_object_get (r->el, "stats", &stats, NULL);
    fail_unless (stats != NULL);
    gst_structure_free (stats);
    r->reads++;
  }
  return NULL;
}

/* cycles() times NULL -> PLAYING (through READY and PAUSED) -> NULL, with a
 * thread reading the element's stats all along; fds and RSS after the
 * second cycle and at the end are printed and compared. */
static void
cycle (const gchar *desc, const gchar *el, const gchar *mode)
{
  GstElement *pipe = gst_parse_launch (desc, NULL);
  guint fds0 = 0, rss0 = 0, fds1, rss1;
  gint64 t0 = g_get_monotonic_time ();
  StatsReader reader = { 0 };
  GThread *thread;
  const guint n = cycles ();

  fail_unless (pipe != NULL, "%s", desc);
  reader.el = gst_bin_get_by_name (GST_BIN (pipe), el);
  fail_unless (reader.el != NULL);
  thread = g_thread_new ("stats", read_stats, &reader);
  for (guint i = 0; i < n; i++) {
    fail_unless (gst_element_set_state (pipe, GST_STATE_PLAYING) !=
        GST_STATE_CHANGE_FAILURE);
    fail_unless_equals_int (
        gst_element_get_state (pipe, NULL, NULL, 10 * GST_SECOND),
        GST_STATE_CHANGE_SUCCESS);
    if (i == 0)
      check_mode (pipe, el, mode);
    fail_unless_equals_int (
        gst_element_set_state (pipe, GST_STATE_NULL), GST_STATE_CHANGE_SUCCESS);
    if (i == 1) {
      fds0 = iiosim_count_fds ();
      rss0 = iiosim_rss_kib ();
    }
  }
  g_atomic_int_set (&reader.stop, 1);
  g_thread_join (thread);
  gst_object_unref (reader.el);
  fds1 = iiosim_count_fds ();
  rss1 = iiosim_rss_kib ();
  g_print ("state cycles: %s %s: %u cycles in %.1f s; fds %u -> %u, "
           "RSS %u -> %u KiB; stats read %u times meanwhile\n",
      el, mode, n, (g_get_monotonic_time () - t0) / 1e6, fds0, fds1, rss0, rss1,
      reader.reads);
  fail_unless (reader.reads >= n, "stats read only %u times", reader.reads);
  fail_unless_equals_int (fds1, fds0);
  /* a block, or even a GstBuffer, leaked per cycle would show */
  fail_unless (rss1 < rss0 || rss1 - rss0 < IIOSIM_RSS_SLACK_KIB,
      "RSS grew from %u to %u KiB", rss0, rss1);
  gst_object_unref (pipe);
}

GST_START_TEST (test_cycles_src_dmabuf)
{
  cycle ("iiodmabufsrc name=src device=" ADC " io-mode=dmabuf "
         "samples-per-buffer=256 ! fakesink sync=false",
      "src", "dmabuf");
}

GST_END_TEST;

GST_START_TEST (test_cycles_src_dmabuf_import)
{
  /* the DAC's sink offers the pool the source imports */
  cycle ("iiodmabufsrc name=src device=" ADC " io-mode=dmabuf-import "
         "channels=voltage0,voltage1 samples-per-buffer=256 ! "
         "iiodmabufsink device=" DAC " sync=false",
      "src", "dmabuf-import");
}

GST_END_TEST;

GST_START_TEST (test_cycles_src_rw)
{
  cycle ("iiodmabufsrc name=src device=" ADC " io-mode=rw "
         "samples-per-buffer=256 ! fakesink sync=false",
      "src", "rw");
}

GST_END_TEST;

GST_START_TEST (test_cycles_sink_dmabuf)
{
  /* audiotestsrc writes into the pool the sink proposes */
  cycle ("audiotestsrc samplesperbuffer=256 ! " CAPS2 ",rate=48000 ! "
         "iiodmabufsink name=sink device=" DAC " io-mode=dmabuf",
      "sink", "dmabuf");
}

GST_END_TEST;

GST_START_TEST (test_cycles_sink_dmabuf_import)
{
  cycle ("iiodmabufsrc device=" ADC " channels=voltage0,voltage1 "
         "samples-per-buffer=256 ! iiodmabufsink name=sink device=" DAC
         " io-mode=dmabuf-import sync=false",
      "sink", "dmabuf-import");
}

GST_END_TEST;

GST_START_TEST (test_cycles_sink_rw)
{
  cycle ("audiotestsrc samplesperbuffer=256 ! " CAPS2 ",rate=48000 ! "
         "iiodmabufsink name=sink device=" DAC " io-mode=rw",
      "sink", "rw");
}

GST_END_TEST;

typedef struct
{
  GstElement *pipe;
  volatile gint stop;
  volatile guint changes;
  volatile guint flushes;
} Chaos;

/* Prints every thread's stack of this process (gdb from the host system,
 * when there is one): what a hang is stuck on. */
static void
print_stacks (void)
{
  gchar *cmd = g_strdup_printf (
      "gdb -q -batch -p %d -ex 'thread apply all bt'", (gint)getpid ());
  gchar *out = NULL;

  if (g_spawn_command_line_sync (cmd, &out, NULL, NULL, NULL))
    g_print ("%s\n", out);
  g_free (out);
  g_free (cmd);
}

/* Aborts, with every thread's stack, when neither the state changes nor
 * the flushes have moved for 15 s: a deadlock, named. */
static gpointer
watchdog (gpointer data)
{
  Chaos *c = data;
  guint changes = 0, flushes = 0;
  gint64 moved = g_get_monotonic_time ();

  while (!g_atomic_int_get (&c->stop)) {
    g_usleep (100 * G_TIME_SPAN_MILLISECOND);
    if ((guint)g_atomic_int_get (&c->changes) != changes ||
        (guint)g_atomic_int_get (&c->flushes) != flushes) {
      changes = g_atomic_int_get (&c->changes);
      flushes = g_atomic_int_get (&c->flushes);
      moved = g_get_monotonic_time ();
    } else if (g_get_monotonic_time () - moved > 15 * G_USEC_PER_SEC) {
      g_print ("deadlock: %u state changes, %u flushes, then nothing for "
               "15 s\n",
          changes, flushes);
      print_stacks ();
      abort ();
    }
  }
  return NULL;
}

static gpointer
random_states (gpointer data)
{
  Chaos *c = data;
  const GstState states[] = { GST_STATE_NULL, GST_STATE_READY, GST_STATE_PAUSED,
    GST_STATE_PLAYING };
  GRand *rand = g_rand_new_with_seed (20261125);

  while (!g_atomic_int_get (&c->stop)) {
    gst_element_set_state (c->pipe, states[g_rand_int_range (rand, 0, 4)]);
    /* Not waiting for async changes: a pipeline flushed all the time may
     * never preroll, and the next change must still be taken. */
    g_atomic_int_inc (&c->changes);
    g_usleep (g_rand_int_range (rand, 0, 5000));
  }
  g_rand_free (rand);
  return NULL;
}

/* One thread changes states at random while this one flushes (a flushing
 * seek, which a live source refuses, then flush-start/stop sent to the
 * pipeline, which hands them to the source as a seek would): every call
 * returns, no critical, and NULL at the end leaves the fds as they were.
 * (Flush events sent to the source element itself, bypassing the
 * pipeline, or a flush-start and flush-stop with a state change between
 * them, deadlock in GStreamer's own locks, whatever the elements.) */
static void
chaos (const gchar *desc)
{
  GstElement *pipe = gst_parse_launch (desc, NULL);
  guint fds0 = iiosim_count_fds (), rss0 = iiosim_rss_kib ();
  gint64 t0 = g_get_monotonic_time ();
  Chaos c = { pipe, 0, 0, 0 };
  GThread *thread, *dog;

  thread = g_thread_new ("states", random_states, &c);
  dog = g_thread_new ("watchdog", watchdog, &c);
  while (g_get_monotonic_time () - t0 < 20 * G_USEC_PER_SEC) {
    gst_element_seek_simple (pipe, GST_FORMAT_TIME, GST_SEEK_FLAG_FLUSH, 0);
    /* start and stop under the state lock, as one flush: a state change
     * between them would restart streaming, which then blocks in preroll
     * holding the stream lock that flush-stop needs */
    GST_STATE_LOCK (pipe);
    gst_element_send_event (pipe, gst_event_new_flush_start ());
    g_usleep (1000);
    gst_element_send_event (pipe, gst_event_new_flush_stop (TRUE));
    GST_STATE_UNLOCK (pipe);
    g_atomic_int_inc (&c.flushes);
    g_usleep (3000);
  }
  g_atomic_int_set (&c.stop, 1);
  g_thread_join (thread);
  g_thread_join (dog);
  fail_unless_equals_int (
      gst_element_set_state (pipe, GST_STATE_NULL), GST_STATE_CHANGE_SUCCESS);
  g_print ("random states: %s: %u state changes, %u flushes in 20 s; "
           "fds %u -> %u, RSS %u -> %u KiB\n",
      desc, c.changes, c.flushes, fds0, iiosim_count_fds (), rss0,
      iiosim_rss_kib ());
  fail_unless (c.changes > 200, "only %u state changes", c.changes);
  fail_unless_equals_int (iiosim_count_fds (), fds0);
  gst_object_unref (pipe);
}

GST_START_TEST (test_random_states_and_flushes_src)
{
  chaos ("iiodmabufsrc name=src device=" ADC " samples-per-buffer=256 ! "
         "fakesink sync=false");
}

GST_END_TEST;

GST_START_TEST (test_random_states_and_flushes_adc_to_dac)
{
  chaos ("iiodmabufsrc name=src device=" ADC " channels=voltage0,voltage1 "
         "samples-per-buffer=256 ! queue ! iiodmabufsink device=" DAC
         " sync=false");
}

GST_END_TEST;

/* Plays @pipe for 300 ms: no error, and device @counted (the ADC, or the
 * DAC) moved blocks meanwhile. */
static void
run_briefly (GstElement *pipe, const gchar *counted)
{
  guint64 before = iiosim_read_u64 (counted, "sim_blocks");
  GstMessage *msg;

  fail_unless (gst_element_set_state (pipe, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
  msg = gst_bus_timed_pop_filtered (
      GST_ELEMENT_BUS (pipe), 300 * GST_MSECOND, GST_MESSAGE_ERROR);
  if (msg) {
    GError *err = NULL;

    gst_message_parse_error (msg, &err, NULL);
    fail ("error: %s", err->message);
  }
  fail_unless (iiosim_read_u64 (counted, "sim_blocks") > before,
      "%s moved no block", counted);
  fail_unless_equals_int (
      gst_element_set_state (pipe, GST_STATE_NULL), GST_STATE_CHANGE_SUCCESS);
}

/* Plays @desc, unbinds platform device @gone while it streams: an error
 * naming @gone within 1 s, NULL within 1 s; after the device is back the
 * same pipeline streams again, and no fd is left behind. */
static void
unplug_and_return (const gchar *desc, const gchar *gone)
{
  const gchar *counted = strstr (desc, "iiodmabufsrc") ? ADC : DAC;
  GstElement *pipe = gst_parse_launch (desc, NULL);
  guint fds0 = iiosim_count_fds ();
  GstMessage *msg;
  GError *err = NULL;
  gint64 t0, error_us, null_us;

  run_briefly (pipe, counted); /* it works before */
  fail_unless (gst_element_set_state (pipe, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
  fail_unless_equals_int (
      gst_element_get_state (pipe, NULL, NULL, 10 * GST_SECOND),
      GST_STATE_CHANGE_SUCCESS);
  g_usleep (100 * G_TIME_SPAN_MILLISECOND);
  t0 = g_get_monotonic_time ();
  iiosim_unbind (gone);
  msg = gst_bus_timed_pop_filtered (
      GST_ELEMENT_BUS (pipe), 5 * GST_SECOND, GST_MESSAGE_ERROR);
  error_us = g_get_monotonic_time () - t0;
  fail_unless (msg != NULL, "no error after %s went away", gone);
  gst_message_parse_error (msg, &err, NULL);
  fail_unless (strstr (err->message, gone) != NULL, "error '%s' names not %s",
      err->message, gone);
  g_error_free (err);
  gst_message_unref (msg);
  t0 = g_get_monotonic_time ();
  fail_unless_equals_int (
      gst_element_set_state (pipe, GST_STATE_NULL), GST_STATE_CHANGE_SUCCESS);
  null_us = g_get_monotonic_time () - t0;
  iiosim_bind (gone);
  iiosim_write (ADC, "sim_free_run", "1");
  iiosim_write (DAC, "sim_free_run", "1");
  run_briefly (pipe, counted); /* and again once the device is back */
  g_print ("unplug %s: error after %.1f ms, NULL after %.1f ms, restarted; "
           "fds %u -> %u\n",
      gone, error_us / 1e3, null_us / 1e3, fds0, iiosim_count_fds ());
  fail_unless (error_us < G_USEC_PER_SEC, "error after %" G_GINT64_FORMAT " us",
      error_us);
  fail_unless (null_us < G_USEC_PER_SEC);
  fail_unless_equals_int (iiosim_count_fds (), fds0);
  gst_object_unref (pipe);
}

GST_START_TEST (test_unplug_src_and_return)
{
  unplug_and_return ("iiodmabufsrc device=" ADC " samples-per-buffer=1024 "
                     "! fakesink sync=false",
      ADC);
}

GST_END_TEST;

GST_START_TEST (test_unplug_sink_and_return)
{
  unplug_and_return ("audiotestsrc samplesperbuffer=1024 ! " CAPS2
                     ",rate=1000000 ! iiodmabufsink device=" DAC " sync=false",
      DAC);
}

GST_END_TEST;

GST_START_TEST (test_unplug_adc_to_dac_and_return)
{
  unplug_and_return ("iiodmabufsrc device=" ADC " channels=voltage0,voltage1 "
                     "samples-per-buffer=1024 ! "
                     "iiodmabufsink device=" DAC " sync=false",
      ADC);
  unplug_and_return ("iiodmabufsrc device=" ADC " channels=voltage0,voltage1 "
                     "samples-per-buffer=1024 ! "
                     "iiodmabufsink device=" DAC " sync=false",
      DAC);
}

GST_END_TEST;

/* Downstream keeps every buffer for 500 ms: more than the source's pool
 * has, so the blocks past it are copied out and the device (paced at
 * 100 kHz) never runs dry: nothing lost, no DISCONT, the copies counted. */
GST_START_TEST (test_downstream_holds_every_buffer)
{
  GstElement *pipe, *sink, *src;
  GstSample *sample;
  GList *held = NULL;
  guint64 next = 0, copies;
  guint n_held = 0;

  iiosim_write (ADC, "sampling_frequency", "100000");
  iiosim_write (ADC, "sim_free_run", "0");
  pipe = gst_parse_launch ("iiodmabufsrc name=src device=" ADC
                           " samples-per-buffer=1000 ! appsink name=sink "
                           "sync=false",
      NULL);
  sink = gst_bin_get_by_name (GST_BIN (pipe), "sink");
  src = gst_bin_get_by_name (GST_BIN (pipe), "src");
  fail_unless (gst_element_set_state (pipe, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
  /* hold everything that comes for 500 ms, then let go and go on */
  for (gint64 end = g_get_monotonic_time () + 500 * G_TIME_SPAN_MILLISECOND,
              stop = end + 500 * G_TIME_SPAN_MILLISECOND;
       g_get_monotonic_time () < stop;) {
    GstBuffer *buf;

    g_signal_emit_by_name (sink, "try-pull-sample", 10 * GST_MSECOND, &sample);
    if (!sample)
      continue;
    buf = gst_sample_get_buffer (sample);
    if (n_held++ == 0)
      next = GST_BUFFER_OFFSET (buf);
    fail_unless_equals_uint64 (GST_BUFFER_OFFSET (buf), next);
    fail_unless (
        !GST_BUFFER_FLAG_IS_SET (buf, GST_BUFFER_FLAG_DISCONT) || n_held == 1,
        "DISCONT on buffer %u", n_held);
    next = GST_BUFFER_OFFSET_END (buf);
    if (g_get_monotonic_time () < end) {
      held = g_list_prepend (held, sample);
    } else {
      g_list_free_full (held, (GDestroyNotify)gst_sample_unref);
      held = NULL;
      gst_sample_unref (sample);
    }
  }
  g_list_free_full (held, (GDestroyNotify)gst_sample_unref);
  copies = iiosim_stat_u64 (src, "copies");
  g_print ("downstream held every buffer for 500 ms: %u buffers in 1 s, "
           "%" G_GUINT64_FORMAT " copied, %" G_GUINT64_FORMAT " samples lost\n",
      n_held, copies, iiosim_stat_u64 (src, "samples-lost"));
  /* 8 KB blocks: the pool has 4 + 32; 50 came in the 500 ms held */
  fail_unless (copies > 0);
  fail_unless (n_held > 50, "%u buffers in 1 s at 100 blocks/s", n_held);
  fail_unless_equals_uint64 (iiosim_stat_u64 (src, "samples-lost"), 0);
  fail_unless (gst_bus_pop_filtered (
                   GST_ELEMENT_BUS (pipe), GST_MESSAGE_WARNING) == NULL);
  fail_unless_equals_int (
      gst_element_set_state (pipe, GST_STATE_NULL), GST_STATE_CHANGE_SUCCESS);
  gst_object_unref (src);
  gst_object_unref (sink);
  gst_object_unref (pipe);
}

GST_END_TEST;

/* Downstream blocks the streaming thread itself for 500 ms (an appsink of
 * one buffer nobody pulls): the source cannot requeue, the device overruns.
 * When it goes on: DISCONT, a warning and the lost samples counted. */
GST_START_TEST (test_downstream_blocks_streaming_thread)
{
  GstElement *pipe, *sink, *src;
  GstMessage *msg;
  GstSample *sample;
  gboolean discont = FALSE;
  guint64 lost;

  iiosim_write (ADC, "sampling_frequency", "100000");
  iiosim_write (ADC, "sim_free_run", "0");
  pipe = gst_parse_launch ("iiodmabufsrc name=src device=" ADC
                           " samples-per-buffer=1000 ! appsink name=sink "
                           "sync=false max-buffers=1",
      NULL);
  sink = gst_bin_get_by_name (GST_BIN (pipe), "sink");
  src = gst_bin_get_by_name (GST_BIN (pipe), "src");
  fail_unless (gst_element_set_state (pipe, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
  g_signal_emit_by_name (sink, "try-pull-sample", 2 * GST_SECOND, &sample);
  fail_unless (sample != NULL);
  gst_sample_unref (sample);
  g_usleep (500 * G_TIME_SPAN_MILLISECOND);
  for (guint i = 0; i < 200 && !discont; i++) {
    g_signal_emit_by_name (sink, "try-pull-sample", 2 * GST_SECOND, &sample);
    fail_unless (sample != NULL, "the stream did not go on");
    discont = GST_BUFFER_FLAG_IS_SET (
        gst_sample_get_buffer (sample), GST_BUFFER_FLAG_DISCONT);
    gst_sample_unref (sample);
  }
  fail_unless (discont, "no DISCONT after the streaming thread was blocked");
  msg = gst_bus_timed_pop_filtered (
      GST_ELEMENT_BUS (pipe), 2 * GST_SECOND, GST_MESSAGE_WARNING);
  fail_unless (msg != NULL, "no warning about lost samples");
  gst_message_unref (msg);
  lost = iiosim_stat_u64 (src, "samples-lost");
  g_print ("streaming thread blocked for 500 ms: %" G_GUINT64_FORMAT
           " samples reported lost, DISCONT set\n",
      lost);
  /* 500 ms at 100 kHz less what the queued blocks carried */
  fail_unless (lost > 10000, "samples-lost %" G_GUINT64_FORMAT, lost);
  fail_unless_equals_int (
      gst_element_set_state (pipe, GST_STATE_NULL), GST_STATE_CHANGE_SUCCESS);
  gst_object_unref (src);
  gst_object_unref (sink);
  gst_object_unref (pipe);
}

GST_END_TEST;

/* Properties a run is set up with stay as they are while it runs: a new
 * n-buffers or io-mode in PLAYING is not taken (it would change under the
 * streaming thread); the timeout may change at any time, and the others
 * again once the element is back in READY. */
GST_START_TEST (test_settings_kept_while_running)
{
  GstElement *pipe = gst_parse_launch (
      "iiodmabufsrc name=src device=" ADC " n-buffers=4 ! fakesink", NULL);
  GstElement *src = gst_bin_get_by_name (GST_BIN (pipe), "src");
  guint n = 0;
  guint64 timeout = 0;
  gchar *device = NULL;

  fail_unless (gst_element_set_state (pipe, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
  fail_unless_equals_int (
      gst_element_get_state (pipe, NULL, NULL, 10 * GST_SECOND),
      GST_STATE_CHANGE_SUCCESS);
  g_object_set (src, "n-buffers", 7, "device", DAC, "timeout",
      (guint64)(3 * GST_SECOND), NULL);
  g_object_get (
      src, "n-buffers", &n, "device", &device, "timeout", &timeout, NULL);
  fail_unless_equals_int (n, 4);
  fail_unless_equals_string (device, ADC);
  fail_unless_equals_uint64 (timeout, 3 * GST_SECOND);
  g_free (device);
  fail_unless_equals_int (
      gst_element_set_state (pipe, GST_STATE_READY), GST_STATE_CHANGE_SUCCESS);
  g_object_set (src, "n-buffers", 7, "device", DAC, NULL);
  g_object_get (src, "n-buffers", &n, "device", &device, NULL);
  fail_unless_equals_int (n, 7);
  /* the device is open in READY */
  fail_unless_equals_string (device, ADC);
  g_free (device);
  gst_element_set_state (pipe, GST_STATE_NULL);
  g_object_set (src, "device", DAC, NULL);
  g_object_get (src, "device", &device, NULL);
  fail_unless_equals_string (device, DAC);
  g_free (device);
  gst_object_unref (src);
  gst_object_unref (pipe);
}

GST_END_TEST;

/* industrialio-buffer-dma (6.11 to 7.2) leaves a buffer whose enable
 * failed in fileio mode, disabled: every DMABUF attach is refused (EBUSY)
 * until it has once been enabled and disabled. A driver that would not
 * start once (sim_fail_enable) leaves the buffer so; the element after it
 * takes the buffer out of that mode at its DMABUF probe and streams
 * zero-copy (gst_iio_leave_fileio()). */
static void
stream_after_failed_enable (const gchar *device, const gchar *desc)
{
  GstElement *pipe, *el;
  gint busy;

  fail_unless_equals_int (iiosim_fail_one_enable (device, "8192"), EIO);
  busy = iiosim_try_attach (device);
  fail_unless (busy == EBUSY,
      "an attach after the failed enable: %s (has the kernel stopped "
      "leaving the buffer in fileio mode?)",
      busy ? g_strerror (busy) : "accepted");
  /* (io-mode=dmabuf: a DMABUF probe that fails is an error) */
  pipe = iiosim_run_to_eos (desc, 60 * GST_SECOND);
  el = gst_bin_get_by_name (GST_BIN (pipe), "el");
  fail_unless (iiosim_stat_u64 (el, "buffers") == 20);
  fail_unless_equals_uint64 (iiosim_stat_u64 (el, "copies"), 0);
  fail_unless_equals_int (iiosim_try_attach (device), 0);
  gst_object_unref (el);
  gst_object_unref (pipe);
}

GST_START_TEST (test_src_after_failed_enable)
{
  stream_after_failed_enable (ADC,
      "iiodmabufsrc name=el device=" ADC " io-mode=dmabuf num-buffers=20 "
      "samples-per-buffer=1024 ! fakesink");
}

GST_END_TEST;

GST_START_TEST (test_sink_after_failed_enable)
{
  /* (the DAC paced at the stream's rate: running freely it would run dry) */
  iiosim_write (DAC, "sim_free_run", "0");
  stream_after_failed_enable (DAC,
      "audiotestsrc num-buffers=20 samplesperbuffer=1024 ! " CAPS2
      ",rate=48000 ! iiodmabufsink name=el device=" DAC
      " io-mode=dmabuf sync=false");
}

GST_END_TEST;

/* io-mode=rw with blocks of 8 MiB: the kernel allocates each of its two
 * fileio blocks in one piece, at most 4 MiB (1024 pages); asked for more
 * it fails the enable with a warning in the kernel log (the guest run's
 * kernel-log check) and leaves the buffer in fileio mode. The elements
 * keep their fileio blocks within that: every sample arrives. */
#define BIG_SCANS (2 * 1024 * 1024) /* 8 MiB of two 16-bit channels */

GST_START_TEST (test_src_rw_blocks_past_page_allocator)
{
  gchar *path = g_build_filename (g_get_tmp_dir (), "iio-rw-big.raw", NULL);
  gchar *desc = g_strdup_printf ("iiodmabufsrc name=el device=" ADC
                                 " io-mode=rw channels=voltage0,voltage1 "
                                 "samples-per-buffer=%u num-buffers=3 ! "
                                 "filesink location=%s",
      BIG_SCANS, path);
  GstElement *pipe = iiosim_run_to_eos (desc, 120 * GST_SECOND);
  GstElement *el = gst_bin_get_by_name (GST_BIN (pipe), "el");

  fail_unless_equals_uint64 (
      iiosim_read_u64 (ADC, "buffer0/length") * 4 / 2, 4 * 1024 * 1024);
  fail_unless_equals_uint64 (iiosim_stat_u64 (el, "samples-lost"), 0);
  /* (read() drops the kernel's first two fileio blocks: 2 x 4 MiB) */
  iiosim_check_file (path, 0, 3 * BIG_SCANS * 4, 2, BIG_SCANS);
  fail_unless_equals_int (iiosim_try_attach (ADC), 0);
  gst_object_unref (el);
  gst_object_unref (pipe);
  g_free (desc);
  g_free (path);
}

GST_END_TEST;

GST_START_TEST (test_sink_rw_blocks_past_page_allocator)
{
  gchar *desc = g_strdup_printf ("audiotestsrc wave=silence num-buffers=3 "
                                 "samplesperbuffer=%u ! " CAPS2
                                 ",rate=1000000 ! iiodmabufsink device=" DAC
                                 " io-mode=rw sync=false",
      BIG_SCANS);

  gst_object_unref (iiosim_run_to_eos (desc, 120 * GST_SECOND));
  /* (behind a DMA controller the sink keeps within 64 KiB segments) */
  fail_unless_equals_uint64 (iiosim_read_u64 (DAC, "buffer0/length") * 4 / 2,
      iiosim_on_dmaengine (DAC) ? 64 * 1024 : 4 * 1024 * 1024);
  fail_unless_equals_uint64 (
      iiosim_read_u64 (DAC, "sim_bytes"), 3 * BIG_SCANS * 4);
  fail_unless_equals_int (iiosim_try_attach (DAC), 0);
  g_free (desc);
}

GST_END_TEST;

static Suite *
iiostress_suite (void)
{
  Suite *s = suite_create ("iiostress");
  TCase *tc = tcase_create ("guest");

  tcase_set_timeout (tc, 600);
  tcase_add_checked_fixture (tc, setup, NULL);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_cycles_src_dmabuf);
  tcase_add_test (tc, test_settings_kept_while_running);
  tcase_add_test (tc, test_cycles_src_dmabuf_import);
  tcase_add_test (tc, test_cycles_src_rw);
  tcase_add_test (tc, test_cycles_sink_dmabuf);
  tcase_add_test (tc, test_cycles_sink_dmabuf_import);
  tcase_add_test (tc, test_cycles_sink_rw);
  tcase_add_test (tc, test_random_states_and_flushes_src);
  tcase_add_test (tc, test_random_states_and_flushes_adc_to_dac);
  tcase_add_test (tc, test_unplug_src_and_return);
  tcase_add_test (tc, test_unplug_sink_and_return);
  tcase_add_test (tc, test_unplug_adc_to_dac_and_return);
  tcase_add_test (tc, test_downstream_holds_every_buffer);
  tcase_add_test (tc, test_downstream_blocks_streaming_thread);
  tcase_add_test (tc, test_src_after_failed_enable);
  tcase_add_test (tc, test_sink_after_failed_enable);
  tcase_add_test (tc, test_src_rw_blocks_past_page_allocator);
  tcase_add_test (tc, test_sink_rw_blocks_past_page_allocator);
  return s;
}

GST_CHECK_MAIN (iiostress);
