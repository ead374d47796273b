/* iiosrc, iiosink and the libiio device provider in the test guest: over
 * iiod on loopback (started and stopped here) and the local context, on the
 * iio-sim test driver.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gst/check/gstcheck.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "iiosim.h"

#define ADC "iio-sim-adc"
#define DAC "iio-sim-dac"
#define ADC_CHANNELS 4
#define REMOTE "ip:127.0.0.1"
#define IIOD_PORT 30431

static GPid iiod_pid;

static gboolean
iiod_accepts (void)
{
  struct sockaddr_in addr = { 0 };
  gint fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  gboolean ok;

  fail_unless (fd >= 0, "socket: %s", g_strerror (errno));
  addr.sin_family = AF_INET;
  addr.sin_port = htons (IIOD_PORT);
  addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  ok = connect (fd, (struct sockaddr *)&addr, sizeof (addr)) == 0;
  close (fd);
  return ok;
}

/* Starts iiod on loopback (its default port) and waits until it accepts
 * connections. */
static void
iiod_start (void)
{
  gchar *argv[] = { (gchar *)"iiod", NULL };
  GError *err = NULL;
  gint64 deadline = g_get_monotonic_time () + 30 * G_TIME_SPAN_SECOND;

  fail_if (iiod_accepts (), "something already listens on port %d", IIOD_PORT);
  fail_unless (g_spawn_async (NULL, argv, NULL,
                   G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD |
                       G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                   NULL, NULL, &iiod_pid, &err),
      "cannot start iiod: %s", err ? err->message : "");
  while (!iiod_accepts ()) {
    fail_if (waitpid (iiod_pid, NULL, WNOHANG) == iiod_pid, "iiod exited");
    fail_if (g_get_monotonic_time () > deadline, "iiod does not accept");
    g_usleep (50 * G_TIME_SPAN_MILLISECOND);
  }
}

/* Stops iiod with @sig (SIGKILL after 5 s), if it still runs. */
static void
iiod_stop_with (gint sig)
{
  gint64 deadline = g_get_monotonic_time () + 5 * G_TIME_SPAN_SECOND;

  if (!iiod_pid)
    return;
  kill (iiod_pid, sig);
  while (waitpid (iiod_pid, NULL, WNOHANG) == 0) {
    if (g_get_monotonic_time () > deadline) {
      kill (iiod_pid, SIGKILL);
      waitpid (iiod_pid, NULL, 0);
      break;
    }
    g_usleep (10 * G_TIME_SPAN_MILLISECOND);
  }
  iiod_pid = 0;
}

static void
iiod_stop (void)
{
  iiod_stop_with (SIGTERM);
}

static void
setup_remote (void)
{
  iiosim_reload (NULL);
  iiod_start ();
}

static void
setup_local (void)
{
  iiosim_reload (NULL);
}

/* Counts buffers and checks every sample against the ADC pattern, each
 * buffer continuing the last. */
typedef struct
{
  GMutex lock;
  guint64 buffers;
  guint64 samples;
  guint64 bad;
  guint64 next; /* the sample the next buffer starts at */
} Capture;

static void
on_capture (GstElement *sink, GstBuffer *buffer, GstPad *pad, gpointer data)
{
  static const guint idx[ADC_CHANNELS] = { 0, 1, 2, 3 };
  Capture *cap = data;
  GstMapInfo map;

  gst_buffer_map (buffer, &map, GST_MAP_READ);
  g_mutex_lock (&cap->lock);
  if (cap->buffers == 0 && map.size >= 2)
    cap->next = GST_READ_UINT16_LE (map.data); /* channel 0 of sample 0 */
  cap->bad += iiosim_check_pattern (
      map.data, map.size, 2, ADC_CHANNELS, idx, cap->next);
  cap->next += map.size / (2 * ADC_CHANNELS);
  cap->samples += map.size / (2 * ADC_CHANNELS);
  cap->buffers++;
  g_mutex_unlock (&cap->lock);
  gst_buffer_unmap (buffer, &map);
}

static GstElement *
capture_pipeline (const gchar *desc, Capture *cap)
{
  GstElement *pipe = gst_parse_launch (desc, NULL);
  GstElement *sink;

  fail_unless (pipe != NULL, "cannot parse %s", desc);
  sink = gst_bin_get_by_name (GST_BIN (pipe), "out");
  fail_unless (sink != NULL);
  g_object_set (sink, "signal-handoffs", TRUE, NULL);
  g_signal_connect (sink, "handoff", G_CALLBACK (on_capture), cap);
  gst_object_unref (sink);
  return pipe;
}

/* Plays @pipe to EOS (or fails on an error) within @seconds. */
static void
run_to_eos (GstElement *pipe, guint seconds)
{
  GstMessage *msg;

  fail_unless (gst_element_set_state (pipe, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
  msg = gst_bus_timed_pop_filtered (GST_ELEMENT_BUS (pipe),
      seconds * GST_SECOND, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  fail_unless (msg != NULL, "no EOS in %u s", seconds);
  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
    GError *err = NULL;
    gchar *dbg = NULL;

    gst_message_parse_error (msg, &err, &dbg);
    fail ("error: %s (%s)", err->message, dbg);
  }
  gst_message_unref (msg);
  fail_unless_equals_int (
      gst_element_set_state (pipe, GST_STATE_NULL), GST_STATE_CHANGE_SUCCESS);
}

static void
check_capture (const gchar *uri)
{
  Capture cap = { 0 };
  gchar *desc = g_strdup_printf ("iiosrc uri=%s device=" ADC
                                 " samples-per-buffer=1024 num-buffers=1000 ! "
                                 "fakesink name=out sync=false",
      uri);
  GstElement *pipe;
  gint64 t0 = g_get_monotonic_time ();

  iiosim_write (ADC, "sim_free_run", "1");
  g_mutex_init (&cap.lock);
  pipe = capture_pipeline (desc, &cap);
  run_to_eos (pipe, 300);
  GST_INFO ("%s: %" G_GUINT64_FORMAT " buffers in %.1f s", uri, cap.buffers,
      (g_get_monotonic_time () - t0) / 1e6);
  fail_unless_equals_uint64 (cap.buffers, 1000);
  fail_unless_equals_uint64 (cap.samples, 1000 * 1024);
  fail_unless_equals_uint64 (cap.bad, 0);
  gst_object_unref (pipe);
  g_mutex_clear (&cap.lock);
  g_free (desc);
}

GST_START_TEST (test_capture_remote_pattern)
{
  check_capture (REMOTE);
}

GST_END_TEST;

GST_START_TEST (test_capture_local_pattern)
{
  check_capture ("local:");
}

GST_END_TEST;

/* appsrc ! caps ! iiosink: pushes @n buffers (the first @n_known of
 * @blocks, then again from the start) and EOS. */
static GstElement *
playback_pipeline (const gchar *sink_props, GstElement **src)
{
  gchar *desc = g_strdup_printf (
      "appsrc name=in format=time caps=audio/x-raw,format=S16LE,"
      "layout=interleaved,channels=2,rate=48000 ! iiosink name=dac uri=" REMOTE
      " device=" DAC " %s",
      sink_props);
  GstElement *pipe = gst_parse_launch (desc, NULL);

  fail_unless (pipe != NULL, "cannot parse %s", desc);
  *src = gst_bin_get_by_name (GST_BIN (pipe), "in");
  g_free (desc);
  return pipe;
}

static void
push (GstElement *src, const guint8 *data, gsize size)
{
  GstFlowReturn ret;
  GstBuffer *buf = gst_buffer_new_memdup (data, size);

  g_signal_emit_by_name (src, "push-buffer", buf, &ret);
  gst_buffer_unref (buf);
  fail_unless_equals_int (ret, GST_FLOW_OK);
}

#define PLAY_BLOCK (1024 * 2 * 2) /* 1024 samples of 2 x S16 */
#define PLAY_BLOCKS 64

GST_START_TEST (test_playback_remote_checksum)
{
  GRand *rand = g_rand_new_with_seed (42);
  guint8 *data = g_malloc (PLAY_BLOCK * PLAY_BLOCKS);
  guint64 hash;
  GstElement *pipe, *src;
  GstFlowReturn ret;
  guint i;

  for (i = 0; i < PLAY_BLOCK * PLAY_BLOCKS; i++)
    data[i] = g_rand_int (rand) & 0xff;
  hash = iiosim_fnv1a (IIOSIM_FNV_OFFSET, data, PLAY_BLOCK * PLAY_BLOCKS);
  iiosim_write (DAC, "sim_free_run", "1");
  iiosim_write (DAC, "sim_reset", "1");

  pipe = playback_pipeline ("", &src);
  fail_unless (gst_element_set_state (pipe, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
  for (i = 0; i < PLAY_BLOCKS; i++)
    push (src, data + i * PLAY_BLOCK, PLAY_BLOCK);
  g_signal_emit_by_name (src, "end-of-stream", &ret);
  gst_object_unref (src);
  run_to_eos (pipe, 120);

  fail_unless_equals_uint64 (
      iiosim_read_u64 (DAC, "sim_bytes"), PLAY_BLOCK * PLAY_BLOCKS);
  fail_unless_equals_uint64 (iiosim_read_u64 (DAC, "sim_checksum"), hash);
  /* The caps' rate went to the device. */
  fail_unless_equals_uint64 (
      iiosim_read_u64 (DAC, "sampling_frequency"), 48000);
  gst_object_unref (pipe);
  g_rand_free (rand);
  g_free (data);
}

GST_END_TEST;

/* Waits up to @seconds for a message of @type whose error text holds
 * @what; returns the text. */
static gchar *
wait_message (
    GstElement *pipe, GstMessageType type, const gchar *what, guint seconds)
{
  GstMessage *msg = gst_bus_timed_pop_filtered (
      GST_ELEMENT_BUS (pipe), seconds * GST_SECOND, type | GST_MESSAGE_ERROR);
  GError *err = NULL;
  gchar *text;

  fail_unless (msg != NULL, "no %s within %u s",
      gst_message_type_get_name (type), seconds);
  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_WARNING)
    gst_message_parse_warning (msg, &err, NULL);
  else
    gst_message_parse_error (msg, &err, NULL);
  fail_unless_equals_string (gst_message_type_get_name (GST_MESSAGE_TYPE (msg)),
      gst_message_type_get_name (type));
  fail_unless (strstr (err->message, what) != NULL,
      "\"%s\" does not name \"%s\"", err->message, what);
  text = g_strdup (err->message);
  g_error_free (err);
  gst_message_unref (msg);
  return text;
}

GST_START_TEST (test_cyclic_remote_repeats)
{
  guint8 block[PLAY_BLOCK];
  guint64 bytes, blocks1, blocks2, hash = IIOSIM_FNV_OFFSET, n, i;
  GstElement *pipe, *src;
  GstFlowReturn ret;
  GstMessage *msg;
  gchar *text;

  for (i = 0; i < PLAY_BLOCK; i++)
    block[i] = (guint8)(i * 7 + 3);
  iiosim_write (DAC, "sim_free_run", "1");
  iiosim_write (DAC, "sim_reset", "1");

  pipe = playback_pipeline ("cyclic=true", &src);
  fail_unless (gst_element_set_state (pipe, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
  push (src, block, PLAY_BLOCK);
  /* A second buffer is dropped, with one warning. */
  memset (block, 0x55, 64);
  push (src, block, PLAY_BLOCK);
  for (i = 0; i < 64; i++)
    block[i] = (guint8)(i * 7 + 3);
  text = wait_message (pipe, GST_MESSAGE_WARNING, "cyclic", 30);
  g_free (text);
  g_signal_emit_by_name (src, "end-of-stream", &ret);
  gst_object_unref (src);

  /* The DAC keeps consuming the block while the element plays. */
  g_usleep (500 * G_TIME_SPAN_MILLISECOND);
  blocks1 = iiosim_read_u64 (DAC, "sim_blocks");
  g_usleep (1000 * G_TIME_SPAN_MILLISECOND);
  blocks2 = iiosim_read_u64 (DAC, "sim_blocks");
  GST_INFO ("cyclic: %" G_GUINT64_FORMAT " then %" G_GUINT64_FORMAT
            " blocks, sim_cyclic_repeats %" G_GUINT64_FORMAT,
      blocks1, blocks2, iiosim_read_u64 (DAC, "sim_cyclic_repeats"));
  fail_unless (blocks2 > blocks1 && blocks1 >= 2,
      "the DAC did not repeat the block: %" G_GUINT64_FORMAT " then "
      "%" G_GUINT64_FORMAT " blocks",
      blocks1, blocks2);
  /* No EOS while it repeats. */
  msg = gst_bus_pop_filtered (GST_ELEMENT_BUS (pipe), GST_MESSAGE_EOS);
  fail_if (msg != NULL, "EOS while the block repeats");
  fail_unless_equals_int (
      gst_element_set_state (pipe, GST_STATE_NULL), GST_STATE_CHANGE_SUCCESS);

  /* Every byte the DAC consumed was the first buffer, over and over. */
  bytes = iiosim_read_u64 (DAC, "sim_bytes");
  fail_unless (bytes % PLAY_BLOCK == 0, "%" G_GUINT64_FORMAT " bytes", bytes);
  n = bytes / PLAY_BLOCK;
  for (i = 0; i < n; i++)
    hash = iiosim_fnv1a (hash, block, PLAY_BLOCK);
  fail_unless_equals_uint64 (iiosim_read_u64 (DAC, "sim_checksum"), hash);
  gst_object_unref (pipe);
}

GST_END_TEST;

GST_START_TEST (test_error_unreachable)
{
  gint64 t0 = g_get_monotonic_time ();

  /* No iiod on loopback. */
  iiosim_expect_error (
      "iiosrc uri=" REMOTE " device=" ADC " ! fakesink", REMOTE, TRUE);
  iiosim_expect_error ("appsrc caps=audio/x-raw,format=S16LE,channels=2,"
                       "rate=48000,layout=interleaved ! iiosink uri=" REMOTE
                       " device=" DAC,
      REMOTE, TRUE);
  /* Nobody at a documentation address (no route in the guest). */
  iiosim_expect_error ("iiosrc uri=ip:192.0.2.1 device=" ADC
                       " timeout=1000000000 ! fakesink",
      "ip:192.0.2.1", TRUE);
  fail_unless (g_get_monotonic_time () - t0 < 30 * G_TIME_SPAN_SECOND);
}

GST_END_TEST;

GST_START_TEST (test_error_unknown_device_remote)
{
  iiosim_expect_error ("iiosrc uri=" REMOTE " device=no-such-adc ! fakesink",
      "no-such-adc", TRUE);
  /* A DAC is no capture device: the message names it and the ADC. */
  iiosim_expect_error (
      "iiosrc uri=" REMOTE " device=" DAC " ! fakesink", ADC, TRUE);
}

GST_END_TEST;

GST_START_TEST (test_error_unknown_channel_remote)
{
  iiosim_expect_error ("iiosrc uri=" REMOTE " device=" ADC
                       " channels=voltage0,voltage9 ! fakesink",
      "voltage9", TRUE);
  iiosim_expect_error ("appsrc caps=audio/x-raw,format=S16LE,channels=2,"
                       "rate=48000,layout=interleaved ! iiosink uri=" REMOTE
                       " device=" DAC " channels=voltage7",
      "voltage7", TRUE);
}

GST_END_TEST;

/* The pipeline goes to NULL within @limit seconds. */
static void
stop_within (GstElement *pipe, guint limit)
{
  gint64 t0 = g_get_monotonic_time ();

  fail_unless_equals_int (
      gst_element_set_state (pipe, GST_STATE_NULL), GST_STATE_CHANGE_SUCCESS);
  fail_unless (g_get_monotonic_time () - t0 < limit * G_TIME_SPAN_SECOND,
      "going to NULL took %.1f s", (g_get_monotonic_time () - t0) / 1e6);
}

GST_START_TEST (test_iiod_killed_while_capturing)
{
  Capture cap = { 0 };
  GstElement *pipe;
  gint64 t0, deadline;
  gchar *text;

  g_mutex_init (&cap.lock);
  /* Free run: it streams until stopped and never overruns (paced, a slow
   * guest loses samples in the kernel, which iiosrc does not detect), so
   * every sample that arrives must match. */
  iiosim_write (ADC, "sim_free_run", "1");
  pipe = capture_pipeline ("iiosrc uri=" REMOTE " device=" ADC
                           " samples-per-buffer=4096 timeout=2000000000 ! "
                           "fakesink name=out sync=false",
      &cap);
  fail_unless (gst_element_set_state (pipe, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
  deadline = g_get_monotonic_time () + 60 * G_TIME_SPAN_SECOND;
  for (;;) {
    guint64 n;

    g_mutex_lock (&cap.lock);
    n = cap.buffers;
    g_mutex_unlock (&cap.lock);
    if (n >= 10)
      break;
    fail_if (g_get_monotonic_time () > deadline, "no capture");
    g_usleep (10 * G_TIME_SPAN_MILLISECOND);
  }
  t0 = g_get_monotonic_time ();
  iiod_stop_with (SIGKILL);
  text = wait_message (pipe, GST_MESSAGE_ERROR, REMOTE, 15);
  GST_INFO ("error %.1f s after iiod died: %s",
      (g_get_monotonic_time () - t0) / 1e6, text);
  fail_unless (
      strstr (text, ADC) != NULL, "\"%s\" does not name %s", text, ADC);
  g_free (text);
  stop_within (pipe, 10);
  fail_unless_equals_uint64 (cap.bad, 0);
  gst_object_unref (pipe);
  g_mutex_clear (&cap.lock);
}

GST_END_TEST;

/* A refill that waits for a slow device returns at once when the pipeline
 * stops: 100 Hz, a block of 10 s. */
GST_START_TEST (test_stop_while_refill_blocks)
{
  Capture cap = { 0 };
  GstElement *pipe;

  g_mutex_init (&cap.lock);
  pipe = capture_pipeline ("iiosrc uri=" REMOTE " device=" ADC
                           " sampling-frequency=100 samples-per-buffer=1000 "
                           "timeout=60000000000 ! fakesink name=out sync=false",
      &cap);
  fail_unless (gst_element_set_state (pipe, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
  g_usleep (2 * G_TIME_SPAN_SECOND);
  fail_unless_equals_uint64 (iiosim_read_u64 (ADC, "sampling_frequency"), 100);
  fail_unless_equals_uint64 (cap.buffers, 0);
  stop_within (pipe, 5);
  gst_object_unref (pipe);
  g_mutex_clear (&cap.lock);
}

GST_END_TEST;

/* ----- iiolibiiodeviceprovider ----- */

/* The provider's warnings, as the debug log gives them. */
typedef struct
{
  GMutex lock;
  GString *text;
} Warnings;

static void
on_log (GstDebugCategory *category, GstDebugLevel level, const gchar *file,
    const gchar *function, gint line, GObject *object, GstDebugMessage *message,
    gpointer data)
{
  Warnings *w = data;

  if (level != GST_LEVEL_WARNING ||
      g_strcmp0 (
          gst_debug_category_get_name (category), "iiolibiiodeviceprovider"))
    return;
  g_mutex_lock (&w->lock);
  g_string_append_printf (w->text, "%s\n", gst_debug_message_get (message));
  g_mutex_unlock (&w->lock);
}

/* The remote devices the monitor lists with GST_IIO_CONTEXTS=@contexts;
 * the provider's warnings go to @w when not NULL. */
static GList *
list_remote (const gchar *contexts, Warnings *w)
{
  GstDeviceMonitor *mon = gst_device_monitor_new ();
  GList *devices;

  g_setenv ("GST_IIO_CONTEXTS", contexts, TRUE);
  if (w) {
    gst_debug_set_threshold_for_name (
        "iiolibiiodeviceprovider", GST_LEVEL_WARNING);
    gst_debug_add_log_function (on_log, w, NULL);
  }
  gst_device_monitor_add_filter (mon, "Source/IIO/Remote", NULL);
  gst_device_monitor_add_filter (mon, "Sink/IIO/Remote", NULL);
  fail_unless (gst_device_monitor_start (mon));
  devices = gst_device_monitor_get_devices (mon);
  gst_device_monitor_stop (mon);
  if (w)
    gst_debug_remove_log_function (on_log);
  gst_object_unref (mon);
  return devices;
}

/* The one device of @devices whose iio.name is @name; fails otherwise. */
static GstDevice *
find_one (GList *devices, const gchar *name)
{
  GstDevice *found = NULL;

  for (GList *l = devices; l; l = l->next) {
    GstStructure *p = gst_device_get_properties (l->data);

    if (!g_strcmp0 (gst_structure_get_string (p, "iio.name"), name)) {
      fail_if (found != NULL, "%s listed twice", name);
      found = l->data;
    }
    gst_structure_free (p);
  }
  fail_unless (found != NULL, "%s not listed", name);
  return found;
}

static void
check_remote_device (GstDevice *dev, const gchar *name, const gchar *label,
    const gchar *klass, const gchar *direction, const gchar *channels,
    gdouble rate, const gchar *caps)
{
  GstStructure *p = gst_device_get_properties (dev);
  gchar *klass_got = gst_device_get_device_class (dev);
  gchar *display = gst_device_get_display_name (dev);
  gchar *want_display = g_strdup_printf ("%s (" REMOTE ")", label);
  gchar *id = iiosim_device_dir (name), *base = g_path_get_basename (id);
  GstCaps *got = gst_device_get_caps (dev), *want = gst_caps_from_string (caps);
  gchar *got_text = gst_caps_to_string (got);
  gdouble rate_got = -1;

  fail_unless_equals_string (klass_got, klass);
  fail_unless_equals_string (display, want_display);
  fail_unless_equals_string (
      gst_structure_get_string (p, "device.api"), "libiio");
  fail_unless_equals_string (gst_structure_get_string (p, "iio.uri"), REMOTE);
  /* iiod's ids are the kernel's */
  fail_unless_equals_string (gst_structure_get_string (p, "iio.id"), base);
  fail_unless_equals_string (gst_structure_get_string (p, "iio.label"), label);
  fail_unless_equals_string (
      gst_structure_get_string (p, "iio.direction"), direction);
  fail_unless_equals_string (
      gst_structure_get_string (p, "iio.channels"), channels);
  fail_unless (
      gst_structure_get_double (p, "iio.sampling-frequency", &rate_got));
  fail_unless_equals_float (rate_got, rate);
  fail_unless (gst_caps_is_equal (got, want), "caps %s", got_text);
  g_free (got_text);
  gst_caps_unref (want);
  gst_caps_unref (got);
  g_free (base);
  g_free (id);
  g_free (want_display);
  g_free (display);
  g_free (klass_got);
  gst_structure_free (p);
}

/* Buffered IIO devices other than the test driver's (the iio_dummy
 * devices earlier suites of the same boot left: configfs cannot remove
 * them safely, see iiosim_dummy_stop()). */
static guint
other_buffered_devices (void)
{
  GDir *d = g_dir_open ("/sys/bus/iio/devices", 0, NULL);
  const gchar *e;
  guint n = 0;

  fail_unless (d != NULL);
  while ((e = g_dir_read_name (d))) {
    gchar *np = g_build_filename ("/sys/bus/iio/devices", e, "name", NULL);
    gchar *bp = g_build_filename ("/sys/bus/iio/devices", e, "buffer0", NULL);
    gchar *name = NULL;

    if (g_str_has_prefix (e, "iio:device") &&
        g_file_get_contents (np, &name, NULL, NULL) &&
        !g_str_has_prefix (g_strstrip (name), "iio-sim-") &&
        g_file_test (bp, G_FILE_TEST_IS_DIR))
      n++;
    g_free (name);
    g_free (bp);
    g_free (np);
  }
  g_dir_close (d);
  return n;
}

GST_START_TEST (test_provider_lists_remote_devices)
{
  GList *devices;

  iiosim_write (ADC, "sampling_frequency", "48000");
  devices = list_remote (REMOTE, NULL);
  /* the ADC and the DAC, and the iio_dummy devices left by other suites */
  fail_unless_equals_int (
      g_list_length (devices), 2 + other_buffered_devices ());
  check_remote_device (find_one (devices, ADC), ADC, "sim-adc",
      "Source/IIO/Remote", "input",
      "voltage0:le:s16/16>>0,voltage1:le:s16/16>>0,voltage2:le:s16/16>>0,"
      "voltage3:le:s16/16>>0",
      48000,
      "audio/x-raw, format=S16LE, layout=interleaved, rate=48000, "
      "channels=4, channel-mask=(bitmask)0");
  check_remote_device (find_one (devices, DAC), DAC, "sim-dac",
      "Sink/IIO/Remote", "output",
      "voltage0:le:s16/16>>0,voltage1:le:s16/16>>0", 1000000,
      "audio/x-raw, format=S16LE, layout=interleaved, rate=1000000, "
      "channels=2");
  g_list_free_full (devices, gst_object_unref);
}

GST_END_TEST;

/* The element of the ADC's device is an iiosrc for it, and captures the
 * pattern; reconfigure_element takes only an iiosrc. */
GST_START_TEST (test_provider_element_captures)
{
  GList *devices = list_remote (REMOTE, NULL);
  GstDevice *adc = find_one (devices, ADC), *dac = find_one (devices, DAC);
  GstElement *src = gst_device_create_element (adc, "src");
  GstElement *sink = gst_device_create_element (dac, "sink");
  GstElement *pipe = gst_pipeline_new (NULL);
  GstElement *out = gst_element_factory_make ("fakesink", "out");
  GstElement *other;
  gchar *uri = NULL, *device = NULL, *id = iiosim_device_dir (ADC);
  gchar *base = g_path_get_basename (id);
  Capture cap = { 0 };

  fail_unless (src != NULL);
  fail_unless_equals_string (
      GST_OBJECT_NAME (gst_element_get_factory (src)), "iiosrc");
  fail_unless_equals_string (
      GST_OBJECT_NAME (gst_element_get_factory (sink)), "iiosink");
  g_object_get (src, "uri", &uri, "device", &device, NULL);
  fail_unless_equals_string (uri, REMOTE);
  fail_unless_equals_string (device, base);
  g_free (uri);
  g_free (device);
  gst_object_unref (sink);

  other = gst_element_factory_make ("iiosink", NULL);
  fail_if (gst_device_reconfigure_element (adc, other));
  gst_object_unref (other);
  other = gst_element_factory_make ("iiosrc", NULL);
  fail_unless (gst_device_reconfigure_element (adc, other));
  g_object_get (other, "uri", &uri, "device", &device, NULL);
  fail_unless_equals_string (uri, REMOTE);
  fail_unless_equals_string (device, base);
  g_free (uri);
  g_free (device);
  gst_object_unref (other);

  iiosim_write (ADC, "sim_free_run", "1");
  g_mutex_init (&cap.lock);
  g_object_set (src, "num-buffers", 50, "samples-per-buffer", 1024, NULL);
  g_object_set (out, "sync", FALSE, "signal-handoffs", TRUE, NULL);
  g_signal_connect (out, "handoff", G_CALLBACK (on_capture), &cap);
  gst_bin_add_many (GST_BIN (pipe), src, out, NULL);
  fail_unless (gst_element_link (src, out));
  run_to_eos (pipe, 120);
  fail_unless_equals_uint64 (cap.buffers, 50);
  fail_unless_equals_uint64 (cap.samples, 50 * 1024);
  fail_unless_equals_uint64 (cap.bad, 0);
  gst_object_unref (pipe);
  g_mutex_clear (&cap.lock);
  g_free (base);
  g_free (id);
  g_list_free_full (devices, gst_object_unref);
}

GST_END_TEST;

/* Contexts that cannot be created are skipped, each with a warning that
 * names it, in bounded time; the reachable one is still listed. */
GST_START_TEST (test_provider_skips_unreachable)
{
  static const gchar *const dead[] = { "ip:127.0.0.1:1", "ip:192.0.2.1" };
  Warnings w = { .text = g_string_new (NULL) };
  gint64 t0 = g_get_monotonic_time ();
  GList *devices;
  gdouble took;

  g_mutex_init (&w.lock);
  devices = list_remote ("ip:127.0.0.1:1, ip:192.0.2.1,," REMOTE, &w);
  took = (g_get_monotonic_time () - t0) / 1e6;
  GST_INFO ("listed in %.1f s, warnings:\n%s", took, w.text->str);
  fail_unless (took < 30, "listing took %.1f s", took);
  fail_unless_equals_int (
      g_list_length (devices), 2 + other_buffered_devices ());
  for (GList *l = devices; l; l = l->next) {
    GstStructure *p = gst_device_get_properties (l->data);

    fail_unless_equals_string (gst_structure_get_string (p, "iio.uri"), REMOTE);
    gst_structure_free (p);
  }
  find_one (devices, ADC);
  find_one (devices, DAC);
  for (guint i = 0; i < G_N_ELEMENTS (dead); i++) {
    gchar *quoted = g_strdup_printf ("\"%s\"", dead[i]);

    fail_unless (strstr (w.text->str, quoted) != NULL,
        "no warning names %s: %s", dead[i], w.text->str);
    g_free (quoted);
  }
  fail_if (strstr (w.text->str, REMOTE "\"") != NULL, "%s", w.text->str);
  g_list_free_full (devices, gst_object_unref);
  g_string_free (w.text, TRUE);
  g_mutex_clear (&w.lock);
}

GST_END_TEST;

static Suite *
iiolibiio_suite (void)
{
  Suite *s = suite_create ("iiolibiio");
  TCase *remote = tcase_create ("remote");
  TCase *local = tcase_create ("local");

  tcase_set_timeout (remote, 600);
  tcase_add_checked_fixture (remote, setup_remote, iiod_stop);
  suite_add_tcase (s, remote);
  tcase_add_test (remote, test_capture_remote_pattern);
  tcase_add_test (remote, test_playback_remote_checksum);
  tcase_add_test (remote, test_cyclic_remote_repeats);
  tcase_add_test (remote, test_error_unknown_device_remote);
  tcase_add_test (remote, test_error_unknown_channel_remote);
  tcase_add_test (remote, test_iiod_killed_while_capturing);
  tcase_add_test (remote, test_stop_while_refill_blocks);
  tcase_add_test (remote, test_provider_lists_remote_devices);
  tcase_add_test (remote, test_provider_element_captures);
  tcase_add_test (remote, test_provider_skips_unreachable);

  tcase_set_timeout (local, 600);
  tcase_add_checked_fixture (local, setup_local, NULL);
  suite_add_tcase (s, local);
  tcase_add_test (local, test_capture_local_pattern);
  tcase_add_test (local, test_error_unreachable);
  return s;
}

GST_CHECK_MAIN (iiolibiio);
