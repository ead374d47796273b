/* The device's timestamps, against the real kernel (test guest): the test
 * driver loaded with adc_timestamp=1 gives the ADC an in_timestamp channel
 * holding the time each scan was taken. iiodmabufsrc attaches the first
 * scan's as each buffer's GstReferenceTimestampMeta and tells lost samples
 * from them, exactly: every check here compares with the data itself (the
 * pattern, each scan's timestamp) and with the driver's own counts.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gst/check/gstcheck.h>

#include "iiosim.h"

#include <glib/gstdio.h>
#include <string.h>

#define ADC "iio-sim-adc"
#define RATE 100000
#define SPB 1000 /* 10 ms blocks */
/* voltage0, voltage1 (16 bits), 4 bytes of padding, the timestamp */
#define SCAN 16
#define TS_CHANNELS "voltage0,voltage1,timestamp"

/* What the sink saw of one buffer. */
typedef struct
{
  guint64 offset;
  guint64 first_value; /* voltage0 of the first scan */
  gint64 scan_ts;      /* the first scan's timestamp, from the data */
  gboolean has_meta;
  guint64 meta_ts;
  gboolean discont;
} Seen;

static void
prepare (const gchar *clock, gint ppm)
{
  gchar *v = g_strdup_printf ("%d", ppm);

  /* (left enabled by a test that failed: the clock cannot change then) */
  iiosim_write (ADC, "buffer0/enable", "0");
  iiosim_write (ADC, "sim_free_run", "0");
  iiosim_write (ADC, "sampling_frequency", G_STRINGIFY (RATE));
  iiosim_write (ADC, "sim_ppm", v);
  iiosim_write (ADC, "current_timestamp_clock", clock);
  iiosim_write (ADC, "sim_reset", "1");
  g_free (v);
}

static GstElement *
start (const gchar *props, GstElement **src, GstElement **sink)
{
  gchar *desc = g_strdup_printf (
      "iiodmabufsrc name=src device=" ADC " sampling-frequency=" G_STRINGIFY (
          RATE) " samples-per-buffer=" G_STRINGIFY (SPB) " %s ! appsink "
                                                         "name=sink sync=false",
      props);
  GstElement *pipe = gst_parse_launch (desc, NULL);

  fail_unless (pipe != NULL, "%s", desc);
  g_free (desc);
  *src = gst_bin_get_by_name (GST_BIN (pipe), "src");
  *sink = gst_bin_get_by_name (GST_BIN (pipe), "sink");
  fail_unless (gst_element_set_state (pipe, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
  return pipe;
}

static void
stop (GstElement *pipe, GstElement *src, GstElement *sink)
{
  fail_unless_equals_int (
      gst_element_set_state (pipe, GST_STATE_NULL), GST_STATE_CHANGE_SUCCESS);
  gst_object_unref (src);
  gst_object_unref (sink);
  gst_object_unref (pipe);
}

/* Pulls a buffer and checks its data: each scan holds the pattern at the
 * buffer's offset on (with @timestamps: scan_ts of each scan one device
 * sample period after the last, @period_ns, to within a ns). */
static Seen
pull (GstElement *sink, gboolean timestamps, gdouble period_ns)
{
  GstSample *sample = NULL;
  GstBuffer *buf;
  GstMapInfo map;
  GstCaps *any = gst_caps_new_empty_simple ("timestamp/x-iio");
  GstReferenceTimestampMeta *meta;
  guint scan = timestamps ? SCAN : 4, bad_values = 0, bad_times = 0;
  Seen s = { 0 };

  g_signal_emit_by_name (sink, "try-pull-sample", 5 * GST_SECOND, &sample);
  fail_unless (sample != NULL, "no buffer within 5 s");
  buf = gst_sample_get_buffer (sample);
  s.offset = GST_BUFFER_OFFSET (buf);
  s.discont = GST_BUFFER_FLAG_IS_SET (buf, GST_BUFFER_FLAG_DISCONT);
  fail_unless (gst_buffer_map (buf, &map, GST_MAP_READ));
  fail_unless_equals_uint64 (map.size, SPB * scan);
  s.first_value = GST_READ_UINT16_LE (map.data);
  if (timestamps)
    s.scan_ts = (gint64)GST_READ_UINT64_LE (map.data + 8);
  /* (plain comparisons: an assertion per sample costs a write to check's
   * pipe, slower than the device under emulation) */
  for (guint k = 0; k < SPB; k++) {
    const guint8 *p = map.data + k * scan;

    if (GST_READ_UINT16_LE (p) != ((s.offset + k) & 0xffff) ||
        GST_READ_UINT16_LE (p + 2) != ((s.offset + k + 0x1000) & 0xffff))
      bad_values++;
    if (timestamps &&
        ABS ((gint64)GST_READ_UINT64_LE (p + 8) - s.scan_ts - k * period_ns) >
            1.0)
      bad_times++;
  }
  gst_buffer_unmap (buf, &map);
  fail_unless (bad_values == 0,
      "%u scans of the buffer at offset %" G_GUINT64_FORMAT
      " are not the pattern there",
      bad_values, s.offset);
  fail_unless (bad_times == 0, "%u scans' timestamps are not one sample apart",
      bad_times);
  meta = gst_buffer_get_reference_timestamp_meta (buf, any);
  if (meta) {
    s.has_meta = TRUE;
    s.meta_ts = meta->timestamp;
    fail_unless_equals_uint64 (meta->duration, SPB * GST_SECOND / RATE);
  }
  gst_caps_unref (any);
  gst_sample_unref (sample);
  return s;
}

static const gchar *
meta_clock (GstElement *sink)
{
  GstSample *sample = NULL;
  GstCaps *any = gst_caps_new_empty_simple ("timestamp/x-iio");
  GstReferenceTimestampMeta *meta;
  static gchar clock[32];

  g_signal_emit_by_name (sink, "try-pull-sample", 5 * GST_SECOND, &sample);
  fail_unless (sample != NULL);
  meta = gst_buffer_get_reference_timestamp_meta (
      gst_sample_get_buffer (sample), any);
  fail_unless (meta != NULL, "no timestamp/x-iio meta");
  g_strlcpy (clock,
      gst_structure_get_string (
          gst_caps_get_structure (meta->reference, 0), "clock"),
      sizeof (clock));
  gst_caps_unref (any);
  gst_sample_unref (sample);
  return clock;
}

/* Each buffer's meta is its first scan's timestamp, on the clock the
 * reference caps name; the caps say the timestamp stays in the scan; two
 * buffers' timestamps are their offsets' time apart; in the dma-buf mode
 * each costs one map and no copy, in rw none. */
static void
check_meta_is_first_scan (const gchar *mode)
{
  GstElement *pipe, *src, *sink;
  gchar *props = g_strdup_printf ("io-mode=%s channels=" TS_CHANNELS, mode);
  GstCaps *caps;
  const GstStructure *st;
  Seen prev = { 0 };
  guint64 n_buffers;

  prepare ("monotonic", 0);
  pipe = start (props, &src, &sink);
  g_free (props);
  for (guint i = 0; i < 50; i++) {
    Seen s = pull (sink, TRUE, 1e9 / RATE);
    gint64 now = g_get_monotonic_time () * 1000;

    fail_unless (s.has_meta, "buffer %u has no timestamp/x-iio meta", i);
    fail_unless_equals_uint64 (s.meta_ts, (guint64)s.scan_ts);
    /* taken before it reached the sink, and not long before (the sink's
     * queue grows while this test checks) */
    fail_unless (s.scan_ts <= now && now - s.scan_ts < 5 * GST_SECOND,
        "timestamp %" G_GINT64_FORMAT ", monotonic now %" G_GINT64_FORMAT,
        s.scan_ts, now);
    if (i > 0)
      fail_unless_equals_uint64 (s.meta_ts - prev.meta_ts,
          (s.offset - prev.offset) * (GST_SECOND / RATE));
    prev = s;
  }
  caps = gst_pad_get_current_caps (sink->sinkpads->data);
  st = gst_caps_get_structure (caps, 0);
  fail_unless (gst_structure_has_name (st, "application/x-iio"));
  fail_unless (strstr (gst_structure_get_string (st, "layout"),
                   "timestamp:4:le:s64/64") != NULL,
      "%" GST_PTR_FORMAT, caps);
  gst_caps_unref (caps);
  fail_unless_equals_string (meta_clock (sink), "monotonic");
  /* (stopped first: while it runs, a block can be mapped between the
   * reads of "buffers" and "maps") */
  fail_unless_equals_int (
      gst_element_set_state (pipe, GST_STATE_NULL), GST_STATE_CHANGE_SUCCESS);
  n_buffers = iiosim_stat_u64 (src, "buffers");
  if (g_str_equal (mode, "rw")) {
    fail_unless_equals_uint64 (iiosim_stat_u64 (src, "maps"), 0);
  } else {
    fail_unless_equals_uint64 (iiosim_stat_u64 (src, "maps"), n_buffers);
    fail_unless_equals_uint64 (iiosim_stat_u64 (src, "copies"), 0);
  }
  fail_unless_equals_uint64 (iiosim_stat_u64 (src, "samples-lost"),
      iiosim_read_u64 (ADC, "sim_samples_lost"));
  stop (pipe, src, sink);
}

GST_START_TEST (test_meta_is_first_scan)
{
  check_meta_is_first_scan ("dmabuf");
}

GST_END_TEST;

GST_START_TEST (test_meta_is_first_scan_rw)
{
  check_meta_is_first_scan ("rw");
}

GST_END_TEST;

/* Timestamped scans through filesink (caps application/x-iio, which audio
 * elements refuse): the file holds the scans as the device laid them out,
 * padding and timestamp included. Each scan's sample index is told by its
 * timestamp; its values are the pattern at that index, timestamps only
 * go forward, and the samples the timestamps skip are the source's
 * samples-lost, exactly. */
GST_START_TEST (test_filesink_keeps_scans)
{
  gchar *path = g_build_filename (g_get_tmp_dir (), "iio-ts.raw", NULL);
  gchar *desc = g_strdup_printf (
      "iiodmabufsrc name=src device=" ADC " sampling-frequency=" G_STRINGIFY (
          RATE) " samples-per-buffer=" G_STRINGIFY (SPB) " channels"
                                                         "=" TS_CHANNELS
                                                         " num-buffers=50 ! "
                                                         "filesink location=%s",
      path);
  const gint64 period = GST_SECOND / RATE;
  guint64 n, bad_values = 0, bad_times = 0, last = 0;
  GstElement *pipe, *src;
  gchar *data = NULL;
  gsize len = 0;
  gint64 ts0;

  prepare ("monotonic", 0);
  pipe = iiosim_run_to_eos (desc, 60 * GST_SECOND);
  src = gst_bin_get_by_name (GST_BIN (pipe), "src");
  fail_unless (g_file_get_contents (path, &data, &len, NULL));
  fail_unless_equals_uint64 (len, 50 * SPB * SCAN);
  n = len / SCAN;
  ts0 = (gint64)GST_READ_UINT64_LE (data + 8);
  for (guint64 k = 0; k < n; k++) {
    const guint8 *p = (const guint8 *)data + k * SCAN;
    gint64 dt = (gint64)GST_READ_UINT64_LE (p + 8) - ts0;
    guint64 idx = (guint64)((dt + period / 2) / period);

    if (ABS (dt - (gint64)idx * period) > 1 || (k > 0 && idx <= last))
      bad_times++;
    if (GST_READ_UINT16_LE (p) != (idx & 0xffff) ||
        GST_READ_UINT16_LE (p + 2) != ((idx + 0x1000) & 0xffff))
      bad_values++;
    last = idx;
  }
  fail_unless (bad_times == 0,
      "%" G_GUINT64_FORMAT " scans off the sample grid or going back",
      bad_times);
  fail_unless (bad_values == 0,
      "%" G_GUINT64_FORMAT " scans are not the pattern at their time",
      bad_values);
  fail_unless_equals_uint64 (
      iiosim_stat_u64 (src, "samples-lost"), last + 1 - n);
  fail_unless_equals_uint64 (iiosim_stat_u64 (src, "maps"), 50);
  g_unlink (path);
  g_free (data);
  g_free (desc);
  g_free (path);
  gst_object_unref (src);
  gst_object_unref (pipe);
}

GST_END_TEST;

/* The reference caps name the device's current_timestamp_clock, and the
 * time is that clock's. Without the timestamp channel in the scan there is
 * no meta and no map. */
GST_START_TEST (test_clock_named)
{
  GstElement *pipe, *src, *sink;
  Seen s;
  gint64 now;

  prepare ("realtime", 0);
  pipe = start ("channels=" TS_CHANNELS, &src, &sink);
  fail_unless_equals_string (meta_clock (sink), "realtime");
  s = pull (sink, TRUE, 1e9 / RATE);
  now = g_get_real_time () * 1000;
  fail_unless (s.scan_ts <= now && now - s.scan_ts < 5 * GST_SECOND);
  stop (pipe, src, sink);

  prepare ("monotonic", 0);
  pipe = start ("channels=voltage0,voltage1", &src, &sink);
  for (guint i = 0; i < 5; i++)
    fail_if (pull (sink, FALSE, 0).has_meta);
  fail_unless_equals_uint64 (iiosim_stat_u64 (src, "maps"), 0);
  stop (pipe, src, sink);
}

GST_END_TEST;

/* The device stalls for 300 ms with blocks queued: its converter runs on
 * and the samples of that time are lost. The source tells exactly the
 * driver's count, on the buffer where the data jumps, by as much as it
 * jumps; the timestamps jump by the lost samples' time to within one
 * sample. With the converter @ppm off its nominal rate too: the source
 * measures the time per sample from the timestamps. */
static void
check_stall_told_exactly (gint ppm)
{
  GstElement *pipe, *src, *sink;
  gdouble period = 1e9 / RATE / (1 + ppm * 1e-6);
  Seen prev = { 0 };
  guint disconts = 0, after = 0;
  GstMessage *msg;
  GError *err = NULL;
  gchar *debug = NULL;

  prepare ("monotonic", ppm);
  pipe = start ("channels=" TS_CHANNELS, &src, &sink);
  for (guint i = 0; i < 200 && after < 5; i++) {
    Seen s = pull (sink, TRUE, period);

    if (i == 20) {
      iiosim_write (ADC, "sim_stall", "1");
      g_usleep (300 * G_TIME_SPAN_MILLISECOND);
      iiosim_write (ADC, "sim_stall", "0");
    }
    if (i > 0) {
      guint64 skipped = s.offset - prev.offset - SPB;
      gdouble jump = (gdouble)(s.meta_ts - prev.meta_ts) - SPB * period;

      /* (pull() checked that the data follows the offsets) */
      fail_unless_equals_int (s.discont, skipped > 0);
      fail_unless (ABS (jump - skipped * period) <= period,
          "%d ppm: %" G_GUINT64_FORMAT " samples skipped, the timestamps "
          "jumped %.0f ns",
          ppm, skipped, jump);
      if (s.discont) {
        disconts++;
        fail_unless (skipped > 15000 && skipped < 60000,
            "%" G_GUINT64_FORMAT " lost", skipped);
        /* what the driver lost, to the sample */
        fail_unless_equals_uint64 (iiosim_stat_u64 (src, "samples-lost"),
            iiosim_read_u64 (ADC, "sim_samples_lost"));
      }
    }
    if (disconts)
      after++;
    prev = s;
  }
  fail_unless_equals_int (disconts, 1);
  msg = gst_bus_timed_pop_filtered (
      GST_ELEMENT_BUS (pipe), 0, GST_MESSAGE_WARNING);
  fail_unless (msg != NULL, "no warning for the lost samples");
  gst_message_parse_warning (msg, &err, &debug);
  fail_unless (strstr (err->message, "lost") != NULL, "%s", err->message);
  fail_unless (strstr (debug, "timestamps") != NULL, "%s", debug);
  iiosim_check_two_halves (err->message, debug);
  g_error_free (err);
  g_free (debug);
  gst_message_unref (msg);
  stop (pipe, src, sink);
}

GST_START_TEST (test_stall_told_exactly)
{
  check_stall_told_exactly (0);
  check_stall_told_exactly (200);
}

GST_END_TEST;

/* One transfer fails. On the driver's own buffer its fence says so; on
 * industrialio-buffer-dmaengine the kernel completes it like a good one
 * (docs/kernel-notes.md), and its dma-buf holds old data: the first scan's
 * timestamp, older than the last block's, tells. Either way the block is
 * not pushed: no stale sample goes downstream, its samples are skipped
 * (one DISCONT), counted as a failed block and not as lost. */
GST_START_TEST (test_failed_transfer_dropped)
{
  GstElement *pipe, *src, *sink;
  Seen prev = { 0 };
  guint disconts = 0;

  prepare ("monotonic", 0);
  pipe = start ("channels=" TS_CHANNELS, &src, &sink);
  for (guint i = 0; i < 60; i++) {
    Seen s;

    if (i == 20)
      iiosim_write (ADC, "sim_fail_next", "1");
    s = pull (sink, TRUE, 1e9 / RATE);
    if (i > 0) {
      fail_unless_equals_uint64 (s.meta_ts - prev.meta_ts,
          (s.offset - prev.offset) * (GST_SECOND / RATE));
      if (s.discont) {
        disconts++;
        fail_unless_equals_uint64 (s.offset - prev.offset, 2 * SPB);
      }
    }
    prev = s;
  }
  fail_unless_equals_int (disconts, 1);
  fail_unless_equals_uint64 (iiosim_read_u64 (ADC, "sim_failed"), 1);
  fail_unless_equals_uint64 (iiosim_stat_u64 (src, "blocks-failed"), 1);
  fail_unless_equals_uint64 (iiosim_stat_u64 (src, "samples-lost"), 0);
  stop (pipe, src, sink);
}

GST_END_TEST;

/* Without the timestamp channel the fences judge: the DISCONT lands on the
 * buffer where the data jumps, the offset skips what the data skipped and
 * samples-lost is the driver's count, each to within one block. */
GST_START_TEST (test_stall_told_by_fences)
{
  GstElement *pipe, *src, *sink;
  Seen prev = { 0 };
  guint disconts = 0;
  guint64 told, lost;

  prepare ("monotonic", 0);
  pipe = start ("channels=voltage0,voltage1 io-mode=dmabuf", &src, &sink);
  for (guint i = 0; i < 60; i++) {
    GstSample *sample = NULL;
    GstBuffer *buf;
    GstMapInfo map;
    Seen s = { 0 };

    if (i == 20) {
      iiosim_write (ADC, "sim_stall", "1");
      g_usleep (300 * G_TIME_SPAN_MILLISECOND);
      iiosim_write (ADC, "sim_stall", "0");
    }
    g_signal_emit_by_name (sink, "try-pull-sample", 5 * GST_SECOND, &sample);
    fail_unless (sample != NULL);
    buf = gst_sample_get_buffer (sample);
    s.offset = GST_BUFFER_OFFSET (buf);
    s.discont = GST_BUFFER_FLAG_IS_SET (buf, GST_BUFFER_FLAG_DISCONT);
    fail_unless (gst_buffer_map (buf, &map, GST_MAP_READ));
    s.first_value = GST_READ_UINT16_LE (map.data);
    gst_buffer_unmap (buf, &map);
    gst_sample_unref (sample);
    if (i > 0) {
      guint64 data_jump = (s.first_value - prev.first_value - SPB) & 0xffff;
      guint64 skipped = s.offset - prev.offset - SPB;

      fail_unless_equals_int (s.discont, data_jump > 0);
      fail_unless (skipped + SPB >= data_jump && skipped <= data_jump + SPB,
          "the offset skipped %" G_GUINT64_FORMAT
          ", the data %" G_GUINT64_FORMAT,
          skipped, data_jump);
      disconts += s.discont;
    }
    prev = s;
  }
  fail_unless_equals_int (disconts, 1);
  told = iiosim_stat_u64 (src, "samples-lost");
  lost = iiosim_read_u64 (ADC, "sim_samples_lost");
  fail_unless (told + SPB >= lost && told <= lost + SPB,
      "told %" G_GUINT64_FORMAT ", lost %" G_GUINT64_FORMAT, told, lost);
  stop (pipe, src, sink);
}

GST_END_TEST;

static void
load_with_timestamp (void)
{
  iiosim_reload ("adc_timestamp=1");
}

static void
load_default (void)
{
  iiosim_reload (NULL);
}

static Suite *
iiotimestamps_suite (void)
{
  Suite *s = suite_create ("iiotimestamps");
  TCase *tc = tcase_create ("timestamps");

  suite_add_tcase (s, tc);
  tcase_add_unchecked_fixture (tc, load_with_timestamp, load_default);
  tcase_add_test (tc, test_meta_is_first_scan);
  tcase_add_test (tc, test_meta_is_first_scan_rw);
  tcase_add_test (tc, test_filesink_keeps_scans);
  tcase_add_test (tc, test_clock_named);
  tcase_add_test (tc, test_stall_told_exactly);
  tcase_add_test (tc, test_failed_transfer_dropped);
  tcase_add_test (tc, test_stall_told_by_fences);
  return s;
}

GST_CHECK_MAIN (iiotimestamps);
