/* iiodmabufsrc against the real kernel: runs in the test guest, on the
 * iio-sim test driver (tests/kernel/sim-core.c) and iio_dummy.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/allocators/allocators.h>

#include "iiosim.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#define ADC "iio-sim-adc"

typedef struct
{
  guint bytes;
  guint n_channels;
  guint idx[8];
  guint64 first; /* the first buffer's offset */
  guint64 next;  /* expected first sample of the next buffer */
  guint64 bad;
  guint64 buffers;
  guint64 discont_after_first;
  gboolean all_dmabuf;
  gboolean allow_gaps; /* DISCONT may skip samples */
  GHashTable *inodes;  /* dma-bufs seen */
} Check;

static void
check_init (Check *c, guint bytes, guint n_channels)
{
  memset (c, 0, sizeof (*c));
  c->bytes = bytes;
  c->n_channels = n_channels;
  for (guint i = 0; i < n_channels; i++)
    c->idx[i] = i;
  c->all_dmabuf = TRUE;
  c->inodes = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
}

static void
check_buffer (Check *c, GstBuffer *buf)
{
  GstMapInfo map;
  guint64 *ino;

  /* Where the source says samples went missing, the data must resume at
   * the sample its offset says; the first buffer's offset says where the
   * stream starts (0, or past the blocks read() drops at the start). */
  if ((c->allow_gaps || c->buffers == 0) &&
      GST_BUFFER_FLAG_IS_SET (buf, GST_BUFFER_FLAG_DISCONT))
    c->next = GST_BUFFER_OFFSET (buf);
  if (c->buffers == 0)
    c->first = GST_BUFFER_OFFSET (buf);
  fail_unless_equals_uint64 (GST_BUFFER_OFFSET (buf), c->next);
  fail_unless (gst_buffer_map (buf, &map, GST_MAP_READ));
  c->bad += iiosim_check_pattern (
      map.data, map.size, c->bytes, c->n_channels, c->idx, c->next);
  c->next += map.size / (c->bytes * c->n_channels);
  gst_buffer_unmap (buf, &map);
  fail_unless_equals_uint64 (GST_BUFFER_OFFSET_END (buf), c->next);
  if (c->buffers > 0 && GST_BUFFER_FLAG_IS_SET (buf, GST_BUFFER_FLAG_DISCONT))
    c->discont_after_first++;
  if (gst_buffer_n_memory (buf) != 1 ||
      !gst_is_dmabuf_memory (gst_buffer_peek_memory (buf, 0))) {
    c->all_dmabuf = FALSE;
  } else {
    ino = g_new (guint64, 1);
    *ino = iiosim_dmabuf_inode (buf);
    g_hash_table_add (c->inodes, ino);
  }
  c->buffers++;
}

static void
check_clear (Check *c)
{
  g_hash_table_unref (c->inodes);
}

/* Pulls @n buffers from a harness around iiodmabufsrc and checks each. */
static void
capture (GstHarness *h, Check *c, guint n)
{
  for (guint i = 0; i < n; i++) {
    GstBuffer *buf = gst_harness_pull (h);

    fail_unless (buf != NULL, "no buffer %u", i);
    check_buffer (c, buf);
    gst_buffer_unref (buf);
  }
}

/* The driver runs as fast as it can (free run) at a nominal rate so low
 * that its sample clock stays ahead of the system clock: the element sees
 * no late samples however slowly a test checks them. */
static void
adc_free_run (void)
{
  iiosim_write (ADC, "sim_free_run", "1");
  iiosim_write (ADC, "sampling_frequency", "1000");
}

static GstHarness *
start_adc (const gchar *props)
{
  gchar *desc = g_strdup_printf ("iiodmabufsrc device=" ADC " %s", props);
  GstHarness *h;

  adc_free_run ();
  h = gst_harness_new_parse (desc);
  /* pushes block until pulled: no unbounded queue downstream */
  gst_harness_set_blocking_push_mode (h);
  g_free (desc);
  gst_harness_use_systemclock (h);
  gst_harness_play (h);
  return h;
}

/* Captures @n buffers in @io_mode with @channels of @bytes-byte samples and
 * checks every sample; returns the io-mode the element reported. */
static gchar *
capture_checked (const gchar *io_mode, const gchar *channels, guint bytes,
    guint n_channels, guint n, guint64 *copies, guint *n_dmabufs)
{
  gchar *props = g_strdup_printf ("io-mode=%s samples-per-buffer=1024 "
                                  "num-buffers=%u %s%s",
      io_mode, n, channels ? "channels=" : "", channels ? channels : "");
  GstHarness *h = start_adc (props);
  GstElement *src = gst_harness_find_element (h, "iiodmabufsrc");
  gchar *mode;
  Check c;

  check_init (&c, bytes, n_channels);
  if (channels) {
    gchar **ids = g_strsplit (channels, ",", -1);

    for (guint i = 0; ids[i]; i++)
      c.idx[i] = atoi (ids[i] + strlen ("voltage"));
    g_strfreev (ids);
  }
  capture (h, &c, n);
  fail_unless_equals_uint64 (c.bad, 0);
  fail_unless_equals_uint64 (c.discont_after_first, 0);
  fail_unless_equals_uint64 (iiosim_stat_u64 (src, "buffers"), n);
  fail_unless_equals_uint64 (
      iiosim_stat_u64 (src, "bytes"), (guint64)n * 1024 * bytes * n_channels);
  *copies = iiosim_stat_u64 (src, "copies");
  *n_dmabufs = c.all_dmabuf ? g_hash_table_size (c.inodes) : 0;
  if (c.all_dmabuf)
    fail_unless_equals_uint64 (
        iiosim_stat_u64 (src, "dmabufs-attached"), *n_dmabufs);
  mode = iiosim_stat_string (src, "io-mode");
  check_clear (&c);
  gst_object_unref (src);
  gst_harness_teardown (h);
  g_free (props);
  return mode;
}

GST_START_TEST (test_dmabuf_export_4ch_s16)
{
  guint64 copies;
  guint n_dmabufs;
  gchar *mode =
      capture_checked ("dmabuf", NULL, 2, 4, 10000, &copies, &n_dmabufs);

  fail_unless_equals_string (mode, "dmabuf");
  fail_unless_equals_uint64 (copies, 0);
  /* The same few dma-bufs go round (n-buffers, and up to 16 more while the
   * test holds buffers), and they are the ones the element attached. */
  fail_unless (n_dmabufs >= 4 && n_dmabufs <= 4 + 16, "%u dma-bufs", n_dmabufs);
  g_free (mode);
}

GST_END_TEST;

GST_START_TEST (test_dmabuf_export_1_and_2_channels)
{
  guint64 copies;
  guint n_dmabufs;
  gchar *mode =
      capture_checked ("dmabuf", "voltage0", 2, 1, 2000, &copies, &n_dmabufs);

  fail_unless_equals_string (mode, "dmabuf");
  fail_unless_equals_uint64 (copies, 0);
  g_free (mode);
  mode = capture_checked (
      "dmabuf", "voltage0,voltage1", 2, 2, 2000, &copies, &n_dmabufs);
  fail_unless_equals_uint64 (copies, 0);
  fail_unless (n_dmabufs >= 4 && n_dmabufs <= 4 + 16);
  g_free (mode);
}

GST_END_TEST;

GST_START_TEST (test_rw_4ch_s16)
{
  guint64 copies;
  guint n_dmabufs;
  gchar *mode = capture_checked ("rw", NULL, 2, 4, 10000, &copies, &n_dmabufs);

  fail_unless_equals_string (mode, "rw");
  /* read() copies every buffer once. */
  fail_unless_equals_uint64 (copies, 10000);
  fail_unless_equals_int (n_dmabufs, 0);
  g_free (mode);
}

GST_END_TEST;

/* io-mode=rw restarts after sessions that took odd and even numbers of
 * the kernel's two fileio blocks (one block per buffer here). The kernel
 * keeps its turn between them, so the first two blocks could come out
 * swapped; the source drops them (gst_iio_dmabuf_src_create_rw()), and
 * every session starts in order at the offset past them. */
GST_START_TEST (test_rw_restarts_in_order)
{
  for (guint n = 1; n <= 5; n++) {
    gchar *props = g_strdup_printf ("io-mode=rw samples-per-buffer=1024 "
                                    "n-buffers=2 num-buffers=%u",
        n);
    GstHarness *h = start_adc (props);
    Check c;

    check_init (&c, 2, 4);
    capture (h, &c, n);
    fail_unless_equals_uint64 (c.bad, 0);
    fail_unless_equals_uint64 (c.first, 2 * 1024);
    fail_unless_equals_uint64 (c.discont_after_first, 0);
    check_clear (&c);
    gst_harness_teardown (h);
    g_free (props);
  }
}

GST_END_TEST;

/* read() right after DMABUF on the same buffer: the kernel releases the
 * attachments of the run before asynchronously, and fileio only starts
 * once they are gone (gst_iio_enable_fileio). Every switch must stream. */
GST_START_TEST (test_switch_dmabuf_to_rw)
{
  guint64 copies;
  guint n_dmabufs;

  for (guint i = 0; i < 25; i++) {
    gchar *mode =
        capture_checked ("dmabuf", NULL, 2, 4, 100, &copies, &n_dmabufs);

    fail_unless_equals_string (mode, "dmabuf");
    g_free (mode);
    mode = capture_checked ("rw", NULL, 2, 4, 100, &copies, &n_dmabufs);
    fail_unless_equals_string (mode, "rw");
    fail_unless_equals_uint64 (copies, 100);
    g_free (mode);
  }
}

GST_END_TEST;

/* io-mode changed while the element is READY (device open) takes effect
 * on the next run, zero-copy included. */
GST_START_TEST (test_io_mode_changed_in_ready)
{
  GstElement *pipe = gst_parse_launch ("iiodmabufsrc name=src device=" ADC
                                       " io-mode=rw num-buffers=20 ! fakesink",
      NULL);
  GstElement *src = gst_bin_get_by_name (GST_BIN (pipe), "src");
  const gchar *modes[] = { "rw", "dmabuf", "auto", "rw" };
  const gchar *used[] = { "rw", "dmabuf", "dmabuf", "rw" };
  GstMessage *msg;

  fail_unless_equals_int (
      gst_element_set_state (pipe, GST_STATE_READY), GST_STATE_CHANGE_SUCCESS);
  for (guint i = 0; i < G_N_ELEMENTS (modes); i++) {
    gchar *mode = NULL;

    gst_util_set_object_arg (G_OBJECT (src), "io-mode", modes[i]);
    fail_unless (gst_element_set_state (pipe, GST_STATE_PLAYING) !=
        GST_STATE_CHANGE_FAILURE);
    msg = gst_bus_timed_pop_filtered (GST_ELEMENT_BUS (pipe), 10 * GST_SECOND,
        GST_MESSAGE_EOS | GST_MESSAGE_ERROR | GST_MESSAGE_WARNING);
    fail_unless (msg && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS,
        "io-mode=%s: %" GST_PTR_FORMAT, modes[i], msg);
    gst_message_unref (msg);
    mode = iiosim_stat_string (src, "io-mode");
    fail_unless_equals_string (mode, used[i]);
    fail_unless_equals_uint64 (
        iiosim_stat_u64 (src, "copies"), strcmp (used[i], "rw") ? 0 : 20);
    g_free (mode);
    fail_unless_equals_int (gst_element_set_state (pipe, GST_STATE_READY),
        GST_STATE_CHANGE_SUCCESS);
  }
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (src);
  gst_object_unref (pipe);
}

GST_END_TEST;

GST_START_TEST (test_auto_picks_dmabuf)
{
  guint64 copies;
  guint n_dmabufs;
  gchar *mode = capture_checked ("auto", NULL, 2, 4, 500, &copies, &n_dmabufs);

  fail_unless_equals_string (mode, "dmabuf");
  fail_unless_equals_uint64 (copies, 0);
  g_free (mode);
}

GST_END_TEST;

GST_START_TEST (test_32bit_storage)
{
  guint64 copies;
  guint n_dmabufs;
  gchar *mode;

  iiosim_reload ("adc_bits=32");
  mode = capture_checked ("dmabuf", NULL, 4, 4, 10000, &copies, &n_dmabufs);
  fail_unless_equals_uint64 (copies, 0);
  g_free (mode);
  mode = capture_checked (
      "rw", "voltage1,voltage3", 4, 2, 2000, &copies, &n_dmabufs);
  g_free (mode);
  /* mono: one 32-bit sample per scan */
  mode =
      capture_checked ("dmabuf", "voltage2", 4, 1, 2000, &copies, &n_dmabufs);
  fail_unless_equals_uint64 (copies, 0);
  g_free (mode);
}

GST_END_TEST;

GST_START_TEST (test_dmabuf_import)
{
  GHashTable *offered =
      g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  GstBufferPool *pool = iiosim_heap_pool_new (offered);
  GstHarness *h =
      gst_harness_new_parse ("iiodmabufsrc device=" ADC
                             " io-mode=dmabuf-import samples-per-buffer=1024");
  GstElement *src = gst_harness_find_element (h, "iiodmabufsrc");
  GHashTableIter it;
  gpointer ino;
  gchar *mode;
  Check c;

  gst_harness_set_blocking_push_mode (h);

  /* A peer that offers a pool of dma-heap dma-bufs. */
  iiosim_offer_pool (h->sinkpad, pool, 1024 * 4 * 2, 6, 6);
  adc_free_run ();
  gst_harness_play (h);
  check_init (&c, 2, 4);
  capture (h, &c, 10000);
  fail_unless_equals_uint64 (c.bad, 0);
  fail_unless (c.all_dmabuf);
  /* Every buffer pushed is one of the peer's own dma-bufs. */
  fail_unless (g_hash_table_size (offered) > 0);
  g_hash_table_iter_init (&it, c.inodes);
  while (g_hash_table_iter_next (&it, &ino, NULL))
    fail_unless (g_hash_table_contains (offered, ino),
        "pushed a dma-buf the peer did not offer");
  /* ... each attached once. */
  fail_unless_equals_uint64 (
      iiosim_stat_u64 (src, "dmabufs-attached"), g_hash_table_size (c.inodes));
  mode = iiosim_stat_string (src, "io-mode");
  fail_unless_equals_string (mode, "dmabuf-import");
  fail_unless_equals_uint64 (iiosim_stat_u64 (src, "copies"), 0);
  g_free (mode);
  check_clear (&c);
  gst_object_unref (src);
  gst_harness_teardown (h);
  gst_object_unref (pool);
  g_hash_table_unref (offered);
}

GST_END_TEST;

/* A peer that offers a dma-buf pool already active with buffers too small
 * for a block: it cannot be reconfigured. */
static GstPadProbeReturn
offer_small_pool (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  GstQuery *q = GST_PAD_PROBE_INFO_QUERY (info);

  if (GST_QUERY_TYPE (q) != GST_QUERY_ALLOCATION)
    return GST_PAD_PROBE_OK;
  gst_query_add_allocation_pool (q, user_data, 1024, 2, 2);
  return GST_PAD_PROBE_HANDLED;
}

/* auto falls back to dma-bufs of its own (still zero-copy, none of the
 * peer's); dmabuf-import insists, and fails with a message. */
GST_START_TEST (test_unusable_downstream_pool)
{
  const gchar *modes[] = { "auto", "dmabuf-import" };

  adc_free_run ();
  for (guint i = 0; i < G_N_ELEMENTS (modes); i++) {
    GHashTable *offered =
        g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
    GstBufferPool *pool = iiosim_heap_pool_new (offered);
    GstStructure *config = gst_buffer_pool_get_config (pool);
    gchar *desc = g_strdup_printf ("iiodmabufsrc name=src device=" ADC
                                   " io-mode=%s samples-per-buffer=1024 "
                                   "num-buffers=50 ! fakesink name=sink",
        modes[i]);
    GstElement *pipe = gst_parse_launch (desc, NULL);
    GstElement *src = gst_bin_get_by_name (GST_BIN (pipe), "src");
    GstElement *sink = gst_bin_get_by_name (GST_BIN (pipe), "sink");
    GstPad *pad = gst_element_get_static_pad (sink, "sink");
    GstMessage *msg;

    gst_buffer_pool_config_set_params (config, NULL, 1024, 2, 2);
    fail_unless (gst_buffer_pool_set_config (pool, config));
    fail_unless (gst_buffer_pool_set_active (pool, TRUE));
    gst_pad_add_probe (
        pad, GST_PAD_PROBE_TYPE_QUERY_DOWNSTREAM, offer_small_pool, pool, NULL);
    fail_if (gst_element_set_state (pipe, GST_STATE_PLAYING) ==
        GST_STATE_CHANGE_FAILURE);
    msg = gst_bus_timed_pop_filtered (GST_ELEMENT_BUS (pipe), 30 * GST_SECOND,
        GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
    fail_unless (msg != NULL);
    if (i == 0) {
      gchar *mode = iiosim_stat_string (src, "io-mode");

      fail_unless_equals_int (GST_MESSAGE_TYPE (msg), GST_MESSAGE_EOS);
      fail_unless_equals_string (mode, "dmabuf");
      fail_unless_equals_uint64 (iiosim_stat_u64 (src, "copies"), 0);
      fail_unless_equals_uint64 (iiosim_stat_u64 (src, "buffers"), 50);
      g_free (mode);
    } else {
      GError *err = NULL;

      fail_unless_equals_int (GST_MESSAGE_TYPE (msg), GST_MESSAGE_ERROR);
      gst_message_parse_error (msg, &err, NULL);
      fail_unless (
          strstr (err->message, "downstream pool") != NULL, "%s", err->message);
      g_error_free (err);
    }
    gst_message_unref (msg);
    gst_element_set_state (pipe, GST_STATE_NULL);
    gst_buffer_pool_set_active (pool, FALSE);
    gst_object_unref (pad);
    gst_object_unref (sink);
    gst_object_unref (src);
    gst_object_unref (pipe);
    gst_object_unref (pool);
    g_hash_table_unref (offered);
    g_free (desc);
  }
}

GST_END_TEST;

GST_START_TEST (test_caps_audio_and_rate)
{
  GstHarness *h = start_adc ("sampling-frequency=48000 channels=voltage0,"
                             "voltage2");
  GstCaps *caps;
  GstStructure *s;
  gint rate, channels;
  GstBuffer *buf = gst_harness_pull (h);

  caps = gst_pad_get_current_caps (h->sinkpad);
  s = gst_caps_get_structure (caps, 0);
  fail_unless (gst_structure_has_name (s, "audio/x-raw"));
  fail_unless_equals_string (gst_structure_get_string (s, "format"), "S16LE");
  fail_unless (gst_structure_get_int (s, "rate", &rate));
  fail_unless (gst_structure_get_int (s, "channels", &channels));
  fail_unless_equals_int (rate, 48000);
  fail_unless_equals_int (channels, 2);
  fail_unless_equals_uint64 (
      iiosim_read_u64 (ADC, "sampling_frequency"), 48000);
  /* About 10 ms per buffer by default, but no less than a page. */
  fail_unless_equals_uint64 (gst_buffer_get_size (buf), 4096);
  gst_buffer_unref (buf);
  gst_caps_unref (caps);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_caps_generic_layout)
{
  GstHarness *h;
  GstCaps *caps;
  GstStructure *s;
  GstBuffer *buf;
  gint scan;

  iiosim_reload ("adc_realbits=12");
  h = start_adc ("channels=voltage0,voltage1 samples-per-buffer=100");
  buf = gst_harness_pull (h);
  caps = gst_pad_get_current_caps (h->sinkpad);
  s = gst_caps_get_structure (caps, 0);
  fail_unless (gst_structure_has_name (s, "application/x-iio"),
      "caps %" GST_PTR_FORMAT, caps);
  fail_unless_equals_string (gst_structure_get_string (s, "layout"),
      "voltage0:0:le:s12/16>>4;voltage1:1:le:s12/16>>4");
  fail_unless (gst_structure_get_int (s, "scan-bytes", &scan));
  fail_unless_equals_int (scan, 4);
  fail_unless_equals_uint64 (gst_buffer_get_size (buf), 400);
  gst_buffer_unref (buf);
  gst_caps_unref (caps);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_timestamps_exact)
{
  /* 100 kHz, 1000 samples: 10 ms a buffer, paced by the driver. */
  GstHarness *h;
  GstClockTime pts0 = GST_CLOCK_TIME_NONE;

  iiosim_write (ADC, "sampling_frequency", "100000");
  iiosim_write (ADC, "sim_free_run", "0");
  h = gst_harness_new_parse (
      "iiodmabufsrc device=" ADC " samples-per-buffer=1000");
  gst_harness_set_blocking_push_mode (h);
  gst_harness_use_systemclock (h);
  gst_harness_play (h);
  for (guint i = 0; i < 100; i++) {
    GstBuffer *buf = gst_harness_pull (h);

    if (i == 0)
      pts0 = GST_BUFFER_PTS (buf);
    fail_unless_equals_uint64 (
        GST_BUFFER_PTS (buf), pts0 + i * 10 * GST_MSECOND);
    fail_unless_equals_uint64 (GST_BUFFER_DURATION (buf), 10 * GST_MSECOND);
    fail_unless_equals_uint64 (GST_BUFFER_OFFSET (buf), i * 1000);
    fail_unless (
        GST_BUFFER_FLAG_IS_SET (buf, GST_BUFFER_FLAG_DISCONT) == (i == 0));
    gst_buffer_unref (buf);
  }
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_stall_gives_discont_and_warning)
{
  GstElement *pipe, *sink;
  GstBus *bus;
  GstMessage *msg;
  GstSample *sample;
  gboolean discont = FALSE;
  guint64 lost_before;

  iiosim_write (ADC, "sampling_frequency", "100000");
  iiosim_write (ADC, "sim_free_run", "0");
  pipe = gst_parse_launch (
      "iiodmabufsrc name=src device=" ADC
      " samples-per-buffer=1000 ! appsink name=sink sync=false",
      NULL);
  sink = gst_bin_get_by_name (GST_BIN (pipe), "sink");
  bus = gst_element_get_bus (pipe);
  fail_unless (gst_element_set_state (pipe, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
  for (guint i = 0; i < 20; i++) {
    g_signal_emit_by_name (sink, "pull-sample", &sample);
    gst_sample_unref (sample);
  }
  {
    GstElement *src = gst_bin_get_by_name (GST_BIN (pipe), "src");

    lost_before = iiosim_stat_u64 (src, "samples-lost");
    gst_object_unref (src);
  }
  /* The device stops for 300 ms: 30000 samples it should have delivered. */
  iiosim_write (ADC, "sim_stall", "1");
  g_usleep (300 * G_TIME_SPAN_MILLISECOND);
  iiosim_write (ADC, "sim_stall", "0");
  for (guint i = 0; i < 40 && !discont; i++) {
    g_signal_emit_by_name (sink, "pull-sample", &sample);
    discont = GST_BUFFER_FLAG_IS_SET (
        gst_sample_get_buffer (sample), GST_BUFFER_FLAG_DISCONT);
    gst_sample_unref (sample);
  }
  fail_unless (discont, "no DISCONT after the stall");
  msg = gst_bus_timed_pop_filtered (bus, 2 * GST_SECOND, GST_MESSAGE_WARNING);
  fail_unless (msg != NULL, "no warning after the stall");
  {
    GstElement *src = gst_bin_get_by_name (GST_BIN (pipe), "src");
    guint64 lost = iiosim_stat_u64 (src, "samples-lost");

    /* 300 ms at 100 kHz, give or take the guest's scheduling. */
    fail_unless (lost > lost_before + 15000 && lost < 60000,
        "samples-lost %" G_GUINT64_FORMAT, lost);
    fail_unless (iiosim_stat_u64 (src, "overruns") >= 1);
    gst_object_unref (src);
  }
  gst_message_unref (msg);
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (sink);
  gst_object_unref (pipe);
}

GST_END_TEST;

/* Downstream blocks the streaming thread for 150 ms, less than the 320 ms
 * of blocks queued in the kernel: the device never ran dry, so nothing is
 * lost, and the stream goes on without DISCONT, offsets contiguous. */
GST_START_TEST (test_short_downstream_stall_loses_nothing)
{
  GstElement *pipe, *sink, *src;
  GstSample *sample;
  GstBuffer *buf;
  guint64 next = 0;

  iiosim_write (ADC, "sampling_frequency", "100000");
  iiosim_write (ADC, "sim_free_run", "0");
  pipe = gst_parse_launch ("iiodmabufsrc name=src device=" ADC
                           " samples-per-buffer=1000 n-buffers=32 ! "
                           "appsink name=sink sync=false max-buffers=1",
      NULL);
  sink = gst_bin_get_by_name (GST_BIN (pipe), "sink");
  src = gst_bin_get_by_name (GST_BIN (pipe), "src");
  fail_unless (gst_element_set_state (pipe, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
  for (guint i = 0; i < 60; i++) {
    if (i == 20)
      g_usleep (150 * G_TIME_SPAN_MILLISECOND);
    g_signal_emit_by_name (sink, "pull-sample", &sample);
    fail_unless (sample != NULL);
    buf = gst_sample_get_buffer (sample);
    if (i == 0)
      next = GST_BUFFER_OFFSET (buf);
    fail_unless_equals_uint64 (GST_BUFFER_OFFSET (buf), next);
    fail_unless (
        GST_BUFFER_FLAG_IS_SET (buf, GST_BUFFER_FLAG_DISCONT) == (i == 0),
        "DISCONT on buffer %u", i);
    next = GST_BUFFER_OFFSET_END (buf);
    gst_sample_unref (sample);
  }
  fail_unless_equals_uint64 (iiosim_stat_u64 (src, "samples-lost"), 0);
  fail_unless_equals_uint64 (iiosim_stat_u64 (src, "overruns"), 0);
  {
    GstMessage *msg =
        gst_bus_pop_filtered (GST_ELEMENT_BUS (pipe), GST_MESSAGE_WARNING);

    fail_if (msg != NULL, "unexpected warning");
  }
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (src);
  gst_object_unref (sink);
  gst_object_unref (pipe);
}

GST_END_TEST;

/* Waits up to @ms for the test driver's count of blocks queued to reach
 * @want; returns the last count seen. */
static guint64
wait_queued (guint64 want, guint ms)
{
  guint64 n = iiosim_read_u64 (ADC, "sim_queued");

  for (guint i = 0; i < ms / 10 && n != want; i++) {
    g_usleep (10 * G_TIME_SPAN_MILLISECOND);
    n = iiosim_read_u64 (ADC, "sim_queued");
  }
  return n;
}

/* Downstream holds more buffers than the source's pool has: the kernel's
 * queue stays (all but a quarter) full all the same, as the blocks past
 * the pool are copied out and their dma-bufs queued again at once. With
 * the device stalled, at least 3 of the n-buffers=4 blocks are seen queued
 * in the driver. */
GST_START_TEST (test_held_buffers_keep_kernel_queue_full)
{
  GstElement *pipe, *sink, *src;
  GPtrArray *held =
      g_ptr_array_new_with_free_func ((GDestroyNotify)gst_sample_unref);
  guint64 copies;

  adc_free_run ();
  pipe = gst_parse_launch ("iiodmabufsrc name=src device=" ADC
                           " io-mode=dmabuf samples-per-buffer=256 "
                           "n-buffers=4 ! appsink name=sink sync=false "
                           "enable-last-sample=false",
      NULL);
  sink = gst_bin_get_by_name (GST_BIN (pipe), "sink");
  src = gst_bin_get_by_name (GST_BIN (pipe), "src");
  fail_unless (gst_element_set_state (pipe, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
  /* 2 KiB blocks: a pool of 4 + 64; 100 held. */
  for (guint i = 0; i < 100; i++) {
    GstSample *sample = NULL;

    g_signal_emit_by_name (sink, "try-pull-sample", 5 * GST_SECOND, &sample);
    fail_unless (sample != NULL, "no buffer %u while holding the others", i);
    g_ptr_array_add (held, sample);
  }
  iiosim_write (ADC, "sim_stall", "1");
  fail_unless (wait_queued (4, 1000) >= 3);
  copies = iiosim_stat_u64 (src, "copies");
  /* at most 65 of the pool's dma-bufs downstream */
  fail_unless (copies >= 100 - 65, "copies %" G_GUINT64_FORMAT, copies);
  fail_unless_equals_uint64 (iiosim_stat_u64 (src, "samples-lost"), 0);
  iiosim_write (ADC, "sim_stall", "0");
  g_ptr_array_unref (held);
  fail_unless_equals_int (
      gst_element_set_state (pipe, GST_STATE_NULL), GST_STATE_CHANGE_SUCCESS);
  gst_object_unref (src);
  gst_object_unref (sink);
  gst_object_unref (pipe);
}

GST_END_TEST;

GST_START_TEST (test_errors)
{
  iiosim_expect_error (
      "iiodmabufsrc device=no-such-adc ! fakesink", "no-such-adc", TRUE);
  iiosim_expect_error ("iiodmabufsrc device=" ADC " channels=voltage9 ! "
                       "fakesink",
      "voltage9", TRUE);
  iiosim_expect_error (
      "iiodmabufsrc device=iio-sim-dac ! fakesink", "iio-sim-dac", TRUE);
  /* channel lists that name nothing, or a channel twice */
  iiosim_expect_error ("iiodmabufsrc device=" ADC " channels=, ! fakesink",
      "No channel named", TRUE);
  iiosim_expect_error ("iiodmabufsrc device=" ADC
                       " channels=voltage1,voltage1 ! fakesink",
      "listed twice", TRUE);
}

GST_END_TEST;

GST_START_TEST (test_kfifo_falls_back_to_rw)
{
  GstHarness *h;
  GstElement *src;
  GstBuffer *buf;
  gchar *mode;

  iiosim_dummy_create ("kfifo0", 1000);
  h = gst_harness_new_parse ("iiodmabufsrc device=kfifo0 "
                             "samples-per-buffer=10");
  gst_harness_set_blocking_push_mode (h);
  src = gst_harness_find_element (h, "iiodmabufsrc");
  gst_harness_play (h);
  buf = gst_harness_pull (h);
  fail_unless (buf != NULL);
  fail_unless (!gst_is_dmabuf_memory (gst_buffer_peek_memory (buf, 0)));
  /* a kfifo has no block ring: read() drops nothing at the start */
  fail_unless_equals_uint64 (GST_BUFFER_OFFSET (buf), 0);
  mode = iiosim_stat_string (src, "io-mode");
  fail_unless_equals_string (mode, "rw");
  g_free (mode);
  {
    gint cur;

    g_object_get (src, "current-io-mode", &cur, NULL);
    fail_unless_equals_int (cur, 3); /* rw */
  }
  gst_buffer_unref (buf);
  gst_object_unref (src);
  gst_harness_teardown (h);

  {
    GstElement *pipe = gst_parse_launch ("iiodmabufsrc device=kfifo0 "
                                         "io-mode=dmabuf ! fakesink",
        NULL);
    GstBus *bus = gst_element_get_bus (pipe);
    GstMessage *msg;
    GError *err = NULL;

    gst_element_set_state (pipe, GST_STATE_PLAYING);
    msg = gst_bus_timed_pop_filtered (bus, 5 * GST_SECOND, GST_MESSAGE_ERROR);
    fail_unless (msg != NULL, "io-mode=dmabuf on kfifo gave no error");
    gst_message_parse_error (msg, &err, NULL);
    fail_unless (strstr (err->message, "DMABUF") != NULL, "%s", err->message);
    g_error_free (err);
    gst_message_unref (msg);
    gst_element_set_state (pipe, GST_STATE_NULL);
    gst_object_unref (bus);
    gst_object_unref (pipe);
  }
  iiosim_dummy_stop ("kfifo0");
}

GST_END_TEST;

static void
count_handoff (GstElement *sink, GstBuffer *buf, GstPad *pad, gint *n)
{
  g_atomic_int_inc (n);
}

GST_START_TEST (test_state_cycles_no_leak)
{
  GstElement *pipe = gst_parse_launch ("iiodmabufsrc device=" ADC
                                       " samples-per-buffer=256 ! fakesink "
                                       "name=sink sync=false "
                                       "signal-handoffs=true",
      NULL);
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipe), "sink");
  guint fds0 = 0, rss0 = 0;
  gint n = 0;

  g_signal_connect (sink, "handoff", G_CALLBACK (count_handoff), &n);
  adc_free_run ();
  for (guint i = 0; i < 200; i++) {
    g_atomic_int_set (&n, 0);
    fail_unless (gst_element_set_state (pipe, GST_STATE_PLAYING) !=
        GST_STATE_CHANGE_FAILURE);
    fail_unless_equals_int (
        gst_element_get_state (pipe, NULL, NULL, 5 * GST_SECOND),
        GST_STATE_CHANGE_SUCCESS);
    /* Each run streams: the device was set up, enabled and delivered. */
    for (guint w = 0; w < 500 && g_atomic_int_get (&n) == 0; w++)
      g_usleep (10 * G_TIME_SPAN_MILLISECOND);
    fail_unless (g_atomic_int_get (&n) > 0, "cycle %u: no buffer", i);
    fail_unless_equals_int (
        gst_element_set_state (pipe, GST_STATE_NULL), GST_STATE_CHANGE_SUCCESS);
    if (i == 1) {
      fds0 = iiosim_count_fds ();
      rss0 = iiosim_rss_kib ();
    }
  }
  fail_unless_equals_int (iiosim_count_fds (), fds0);
  /* Memory: a leak of a block (or even a GstBuffer) per cycle would show. */
  {
    guint rss1 = iiosim_rss_kib ();

    fail_unless (rss1 < rss0 || rss1 - rss0 < IIOSIM_RSS_SLACK_KIB,
        "RSS %u KiB after, %u KiB after the second cycle", rss1, rss0);
  }
  gst_object_unref (sink);
  gst_object_unref (pipe);
}

GST_END_TEST;

/* Each test starts from a freshly loaded driver: default layout and knobs. */
static void
reload_driver (void)
{
  iiosim_reload (NULL);
}

#define HEAP "/dev/dma_heap/system"
#define UDMABUF "/dev/udmabuf"

/* Puts a device node back if a test removed it (from the device number in
 * sysfs: the test that removed it may have died since). */
static void
restore_node (const gchar *node, const gchar *sysfs_dev)
{
  gchar *dev = NULL;
  guint maj, min;

  if (access (node, F_OK) == 0)
    return;
  fail_unless (g_file_get_contents (sysfs_dev, &dev, NULL, NULL));
  fail_unless (sscanf (dev, "%u:%u", &maj, &min) == 2);
  fail_unless (mknod (node, S_IFCHR | 0600, makedev (maj, min)) == 0,
      "cannot restore %s: %s", node, g_strerror (errno));
  g_free (dev);
}

static void
restore_heap (void)
{
  restore_node (HEAP, "/sys/class/dma_heap/system/dev");
  restore_node (UDMABUF, "/sys/class/misc/udmabuf/dev");
}

static void
setup (void)
{
  restore_heap ();
  reload_driver ();
}

/* A kernel without the system dma-heap (but with udmabuf): io-mode=dmabuf
 * allocates its dma-bufs from /dev/udmabuf over a memfd, still zero-copy
 * and every sample right. */
GST_START_TEST (test_udmabuf_without_heap)
{
  guint64 copies;
  guint n_dmabufs;
  gchar *mode;

  fail_unless (unlink (HEAP) == 0, "%s", g_strerror (errno));
  mode = capture_checked ("dmabuf", NULL, 2, 4, 500, &copies, &n_dmabufs);
  restore_heap ();
  fail_unless_equals_string (mode, "dmabuf");
  fail_unless_equals_uint64 (copies, 0);
  fail_unless (n_dmabufs > 0);
  g_free (mode);
}

GST_END_TEST;

/* The negotiated caps work with the usual audio elements and filesink. */
static void
run_to_eos (const gchar *desc)
{
  gst_object_unref (iiosim_run_to_eos (desc, 60 * GST_SECOND));
}

/* The launch lines of the element's documentation, as written there but
 * for the device number of the third (iio:device0 is the first device of a
 * board; here the test driver's ADC has whatever number it got). */
GST_START_TEST (test_doc_examples)
{
  gchar *dir = iiosim_device_dir (ADC);
  gchar *id = g_path_get_basename (dir);
  gchar *tmp = g_build_filename (g_get_tmp_dir (), "capture.raw", NULL);
  gchar *third;

  adc_free_run ();
  run_to_eos ("iiodmabufsrc device=iio-sim-adc num-buffers=1000 ! fakesink");
  run_to_eos ("iiodmabufsrc device=sim-adc channels=voltage0,voltage1 "
              "sampling-frequency=48000 num-buffers=100 ! audioconvert ! "
              "audio/x-raw,format=F32LE ! fakesink");
  third = g_strdup_printf ("iiodmabufsrc device=%s io-mode=rw "
                           "samples-per-buffer=4096 num-buffers=10 ! "
                           "filesink location=%s",
      id, tmp);
  run_to_eos (third);
  /* read() dropped the kernel's first two fileio blocks: at 1000 Hz the
   * queue is its 4 blocks at least, a fileio block 2 of them */
  iiosim_check_file (tmp, 0, 10 * 4096 * 4 * 2, 4, 2 * 2 * 4096);
  g_free (third);
  g_free (tmp);
  g_free (id);
  g_free (dir);
}

GST_END_TEST;

GST_START_TEST (test_negotiates_with_audio_elements_and_filesink)
{
  gchar *tmp = g_build_filename (g_get_tmp_dir (), "iio-capture.raw", NULL);
  gchar *desc;

  adc_free_run ();
  run_to_eos ("iiodmabufsrc device=" ADC " num-buffers=20 ! audioconvert ! "
              "audio/x-raw,format=F32LE ! fakesink");
  run_to_eos (
      "iiodmabufsrc device=" ADC " num-buffers=20 channels=voltage0,"
      "voltage1 ! capsfilter caps=audio/x-raw,format=S16LE,channels=2 ! "
      "audioconvert ! audio/x-raw,channels=1 ! fakesink");
  desc = g_strdup_printf ("iiodmabufsrc device=" ADC " num-buffers=10 "
                          "samples-per-buffer=500 ! filesink location=%s",
      tmp);
  run_to_eos (desc);
  iiosim_check_file (tmp, 0, 10 * 500 * 4 * 2, 4, 0);
  g_free (desc);
  g_free (tmp);
}

GST_END_TEST;

/* A layout no audio format fits (12 of 16 bits): the generic caps go
 * through capsfilter to filesink, and the file holds the raw scans. */
GST_START_TEST (test_generic_caps_to_filesink)
{
  gchar *tmp = g_build_filename (g_get_tmp_dir (), "iio-generic.raw", NULL);
  gchar *desc, *data = NULL;
  gsize len = 0;
  guint idx[4] = { 0, 1, 2, 3 };

  iiosim_reload ("adc_realbits=12");
  adc_free_run ();
  desc = g_strdup_printf ("iiodmabufsrc device=" ADC " num-buffers=20 "
                          "samples-per-buffer=256 ! capsfilter "
                          "caps=application/x-iio ! filesink location=%s",
      tmp);
  run_to_eos (desc);
  fail_unless (g_file_get_contents (tmp, &data, &len, NULL));
  fail_unless_equals_uint64 (len, 20 * 256 * 4 * 2);
  fail_unless_equals_uint64 (
      iiosim_check_pattern ((guint8 *)data, len, 2, 4, idx, 0), 0);
  g_free (data);
  g_unlink (tmp);
  g_free (desc);
  g_free (tmp);
}

GST_END_TEST;

/* The device node is root's: an unprivileged user gets a clear error. */
GST_START_TEST (test_permission_denied)
{
  iiosim_expect_permission_denied (
      "iiodmabufsrc", ADC, GST_RESOURCE_ERROR_OPEN_READ);
}

GST_END_TEST;

/* The driver goes away mid-stream: an error, quickly, and NULL works. */
GST_START_TEST (test_device_removed_mid_stream)
{
  GstElement *pipe;
  GstMessage *msg;
  gint64 t0;
  gint fd;

  adc_free_run ();
  iiosim_write (ADC, "sampling_frequency", "100000");
  iiosim_write (ADC, "sim_free_run", "0");
  pipe = gst_parse_launch ("iiodmabufsrc device=" ADC " ! fakesink", NULL);
  gst_element_set_state (pipe, GST_STATE_PLAYING);
  fail_unless_equals_int (
      gst_element_get_state (pipe, NULL, NULL, 10 * GST_SECOND),
      GST_STATE_CHANGE_SUCCESS);
  g_usleep (200 * G_TIME_SPAN_MILLISECOND);
  t0 = g_get_monotonic_time ();
  fd = open ("/sys/bus/platform/drivers/iio-sim/unbind", O_WRONLY);
  fail_unless (fd >= 0);
  fail_unless (write (fd, ADC, strlen (ADC)) == (gssize)strlen (ADC));
  close (fd);
  msg = gst_bus_timed_pop_filtered (
      GST_ELEMENT_BUS (pipe), 5 * GST_SECOND, GST_MESSAGE_ERROR);
  fail_unless (msg != NULL, "no error after the device went away");
  fail_unless (g_get_monotonic_time () - t0 < G_USEC_PER_SEC,
      "error took %" G_GINT64_FORMAT " us", g_get_monotonic_time () - t0);
  gst_message_unref (msg);
  t0 = g_get_monotonic_time ();
  fail_unless_equals_int (
      gst_element_set_state (pipe, GST_STATE_NULL), GST_STATE_CHANGE_SUCCESS);
  fail_unless (g_get_monotonic_time () - t0 < G_USEC_PER_SEC);
  gst_object_unref (pipe);
  fd = open ("/sys/bus/platform/drivers/iio-sim/bind", O_WRONLY);
  fail_unless (write (fd, ADC, strlen (ADC)) == (gssize)strlen (ADC));
  close (fd);
}

GST_END_TEST;

GST_START_TEST (test_attributes_property)
{
  GstHarness *h;
  GstBuffer *buf;

  adc_free_run ();
  /* Written at start, before the rate is read for the caps. */
  h = gst_harness_new_parse (
      "iiodmabufsrc device=" ADC
      " attributes=\"sampling_frequency=2000\" num-buffers=1");
  gst_harness_set_blocking_push_mode (h);
  gst_harness_play (h);
  buf = gst_harness_pull (h);
  fail_unless (buf != NULL);
  fail_unless_equals_uint64 (iiosim_read_u64 (ADC, "sampling_frequency"), 2000);
  /* 10 ms at 2 kHz is 20 scans: the block is a page (512 scans of 8 bytes),
   * stamped at the rate written. */
  fail_unless_equals_uint64 (gst_buffer_get_size (buf), 4096);
  fail_unless_equals_uint64 (GST_BUFFER_DURATION (buf), 256 * GST_MSECOND);
  gst_buffer_unref (buf);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_refused_attribute_values)
{
  adc_free_run ();
  /* The driver refuses 0 Hz (EINVAL): the error names the attribute. */
  iiosim_expect_error ("iiodmabufsrc device=" ADC " attributes=\"sampling_"
                       "frequency=0\" ! fakesink",
      "sampling_frequency", FALSE);
  iiosim_expect_error ("iiodmabufsrc device=" ADC " attributes=\"no_such_"
                       "attr=1\" ! fakesink",
      "no_such_attr", FALSE);
  iiosim_expect_error ("iiodmabufsrc device=" ADC " attributes=\"=,\" ! "
                       "fakesink",
      "attributes", FALSE);
}

GST_END_TEST;

GST_START_TEST (test_dma_heap_property)
{
  GstHarness *h;
  GstElement *src;
  gchar *mode;

  adc_free_run ();
  /* Forced dmabuf with a heap that does not exist: a clear error. */
  iiosim_expect_error ("iiodmabufsrc device=" ADC " io-mode=dmabuf "
                       "dma-heap=/dev/dma_heap/none ! fakesink",
      "no dma-buf can be allocated from /dev/dma_heap/none", FALSE);
  /* A path that is no heap, in auto, and no udmabuf either: it says so,
   * naming both, and captures with read(). */
  fail_unless (unlink (UDMABUF) == 0, "%s", g_strerror (errno));
  iiosim_expect_message ("iiodmabufsrc device=" ADC " dma-heap=/dev/null ! "
                         "fakesink",
      GST_MESSAGE_WARNING, "Inappropriate ioctl",
      "No zero-copy: no dma-buf can be allocated from /dev/null or "
      "/dev/udmabuf",
      NULL);
  h = gst_harness_new_parse (
      "iiodmabufsrc device=" ADC " dma-heap=/dev/null samples-per-buffer=100");
  gst_harness_set_blocking_push_mode (h);
  src = gst_harness_find_element (h, "iiodmabufsrc");
  gst_harness_play (h);
  gst_buffer_unref (gst_harness_pull (h));
  mode = iiosim_stat_string (src, "io-mode");
  restore_heap ();
  fail_unless_equals_string (mode, "rw");
  g_free (mode);
  gst_object_unref (src);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* n-buffers at its default (0): 100 ms of samples queued in the kernel,
 * 4 blocks at least. With the device stalled the driver sees them all; the
 * latency answer's maximum counts them too. */
GST_START_TEST (test_auto_queue_depth)
{
  static const struct
  {
    const gchar *rate;
    guint samples, want;
  } cases[] = {
    { "1000000", 10000, 10 }, /* 10 ms blocks */
    { "1000000", 4000, 25 },  /* 4 ms blocks */
    { "100000", 5000, 4 },    /* 50 ms blocks: the minimum */
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    GstHarness *h;
    GstQuery *q;
    GstClockTime min, max;
    gchar *desc;

    iiosim_write (ADC, "sim_free_run", "0");
    iiosim_write (ADC, "sampling_frequency", cases[i].rate);
    iiosim_write (ADC, "sim_stall", "1");
    desc = g_strdup_printf ("iiodmabufsrc device=" ADC
                            " io-mode=dmabuf samples-per-buffer=%u timeout=0",
        cases[i].samples);
    h = gst_harness_new_parse (desc);
    g_free (desc);
    gst_harness_play (h);
    fail_unless_equals_uint64 (
        wait_queued (cases[i].want, 5000), cases[i].want);
    /* and no more than that */
    g_usleep (200 * G_TIME_SPAN_MILLISECOND);
    fail_unless_equals_uint64 (
        iiosim_read_u64 (ADC, "sim_queued"), cases[i].want);
    q = gst_query_new_latency ();
    fail_unless (gst_pad_peer_query (h->sinkpad, q));
    gst_query_parse_latency (q, NULL, &min, &max);
    fail_unless_equals_uint64 (max, cases[i].want * min);
    gst_query_unref (q);
    iiosim_write (ADC, "sim_stall", "0");
    gst_harness_teardown (h);
  }
}

GST_END_TEST;

/* io-mode=rw: read() sees samples a fileio block at a time, and the
 * kernel's buffer holds the queue's 100 ms in two of them; the latency
 * answer says so (10 blocks of 10 ms: 50 ms, 100 ms). */
GST_START_TEST (test_rw_latency_is_fileio_block)
{
  GstHarness *h;
  GstQuery *q;
  GstClockTime min, max;

  iiosim_write (ADC, "sim_free_run", "0");
  iiosim_write (ADC, "sampling_frequency", "1000000");
  h = gst_harness_new_parse (
      "iiodmabufsrc device=" ADC " io-mode=rw samples-per-buffer=10000");
  gst_harness_set_blocking_push_mode (h);
  gst_harness_play (h);
  gst_buffer_unref (gst_harness_pull (h));
  fail_unless_equals_uint64 (iiosim_read_u64 (ADC, "buffer0/length"), 100000);
  q = gst_query_new_latency ();
  fail_unless (gst_pad_peer_query (h->sinkpad, q));
  gst_query_parse_latency (q, NULL, &min, &max);
  fail_unless_equals_uint64 (min, 50 * GST_MSECOND);
  fail_unless_equals_uint64 (max, 100 * GST_MSECOND);
  gst_query_unref (q);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_latency_query)
{
  GstHarness *h;
  GstQuery *q;
  GstClockTime min, max;
  gboolean live;

  adc_free_run ();
  h = gst_harness_new_parse (
      "iiodmabufsrc device=" ADC " samples-per-buffer=100 n-buffers=6");
  gst_harness_set_blocking_push_mode (h);
  gst_harness_play (h);
  gst_buffer_unref (gst_harness_pull (h));
  q = gst_query_new_latency ();
  fail_unless (gst_pad_peer_query (h->sinkpad, q));
  gst_query_parse_latency (q, &live, &min, &max);
  fail_unless (live);
  /* 100 samples at the 1 kHz nominal rate: 100 ms a block, 6 queued. */
  fail_unless_equals_uint64 (min, 100 * GST_MSECOND);
  fail_unless_equals_uint64 (max, 600 * GST_MSECOND);
  gst_query_unref (q);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_stalled_device_stops_quickly)
{
  GstElement *pipe;
  gint64 t0;

  adc_free_run ();
  pipe = gst_parse_launch ("iiodmabufsrc device=" ADC " timeout=0 ! "
                           "fakesink",
      NULL);
  gst_element_set_state (pipe, GST_STATE_PLAYING);
  fail_unless_equals_int (
      gst_element_get_state (pipe, NULL, NULL, 10 * GST_SECOND),
      GST_STATE_CHANGE_SUCCESS);
  iiosim_write (ADC, "sim_stall", "1");
  g_usleep (300 * G_TIME_SPAN_MILLISECOND);
  /* The streaming thread waits on a fence that will not signal. */
  t0 = g_get_monotonic_time ();
  fail_unless_equals_int (
      gst_element_set_state (pipe, GST_STATE_NULL), GST_STATE_CHANGE_SUCCESS);
  fail_unless (g_get_monotonic_time () - t0 < G_USEC_PER_SEC,
      "stop took %" G_GINT64_FORMAT " us", g_get_monotonic_time () - t0);
  gst_object_unref (pipe);
}

GST_END_TEST;

/* Captures 60 buffers of 1000 scans at 100 kHz from "iiodmabufsrc @props",
 * the driver failing one block after buffer 20, each buffer checked into
 * @c; @offset_before gets where the last DISCONT after the first buffer
 * came (0: none). Returns the pipeline, PLAYING, with its source in @src. */
static GstElement *
capture_with_failed_block (
    const gchar *props, Check *c, guint64 *offset_before, GstElement **src)
{
  gchar *desc = g_strdup_printf ("iiodmabufsrc name=src device=" ADC
                                 " samples-per-buffer=1000 %s ! appsink "
                                 "name=sink sync=false",
      props);
  GstElement *pipe, *sink;
  GstSample *sample;

  iiosim_write (ADC, "sampling_frequency", "100000");
  iiosim_write (ADC, "sim_free_run", "0");
  pipe = gst_parse_launch (desc, NULL);
  g_free (desc);
  sink = gst_bin_get_by_name (GST_BIN (pipe), "sink");
  *src = gst_bin_get_by_name (GST_BIN (pipe), "src");
  gst_element_set_state (pipe, GST_STATE_PLAYING);
  check_init (c, 2, 4);
  c->allow_gaps = TRUE;
  *offset_before = 0;
  for (guint i = 0; i < 60; i++) {
    GstBuffer *buf;

    if (i == 20)
      iiosim_write (ADC, "sim_fail_next", "1");
    g_signal_emit_by_name (sink, "pull-sample", &sample);
    fail_unless (sample != NULL);
    buf = gst_sample_get_buffer (sample);
    if (c->buffers > 0 && GST_BUFFER_FLAG_IS_SET (buf, GST_BUFFER_FLAG_DISCONT))
      *offset_before = c->next;
    check_buffer (c, buf);
    gst_sample_unref (sample);
  }
  gst_object_unref (sink);
  return pipe;
}

/* What a capture through a failed block shows when the source does not
 * learn of the failure: the stale samples go downstream, with no DISCONT,
 * no count and no message. */
static void
expect_failed_block_pushed (GstElement *pipe, GstElement *src, Check *c)
{
  GstMessage *msg;

  fail_unless_equals_uint64 (iiosim_read_u64 (ADC, "sim_failed"), 1);
  fail_unless_equals_uint64 (iiosim_stat_u64 (src, "blocks-failed"), 0);
  fail_unless_equals_uint64 (c->discont_after_first, 0);
  fail_unless (c->bad > 0, "the failed block's stale samples were not pushed");
  msg = gst_bus_timed_pop_filtered (
      GST_ELEMENT_BUS (pipe), 0, GST_MESSAGE_WARNING | GST_MESSAGE_ERROR);
  fail_unless (msg == NULL, "a message for a failure that was not seen");
}

/* On industrialio-buffer-dmaengine the kernel completes a failed transfer
 * like a good one (docs/kernel-notes.md): the source cannot tell, and the
 * capture is what check-transfers=false gives; a kernel that starts to
 * report the error fails this test. */
GST_START_TEST (test_failed_block_not_pushed)
{
  GstElement *src, *pipe;
  GstMessage *msg;
  guint64 offset_before;
  Check c;

  pipe = capture_with_failed_block ("", &c, &offset_before, &src);
  if (iiosim_on_dmaengine (ADC)) {
    expect_failed_block_pushed (pipe, src, &c);
  } else {
    /* One block failed: its samples are skipped, never pushed as data. */
    fail_unless_equals_uint64 (iiosim_read_u64 (ADC, "sim_failed"), 1);
    fail_unless_equals_uint64 (iiosim_stat_u64 (src, "blocks-failed"), 1);
    fail_unless_equals_uint64 (c.discont_after_first, 1);
    fail_unless (offset_before > 0);
    fail_unless_equals_uint64 (c.bad, 0);
    msg = gst_bus_timed_pop_filtered (
        GST_ELEMENT_BUS (pipe), GST_SECOND, GST_MESSAGE_WARNING);
    fail_unless (msg != NULL, "no warning for the failed block");
    gst_message_unref (msg);
  }
  gst_element_set_state (pipe, GST_STATE_NULL);
  check_clear (&c);
  gst_object_unref (src);
  gst_object_unref (pipe);
}

GST_END_TEST;

/* check-transfers=false: the fence's status is not read, so the failed
 * block goes downstream as it is (stale samples, no DISCONT, no warning):
 * what the property's description says it costs. */
GST_START_TEST (test_failed_block_pushed_without_checks)
{
  GstElement *src, *pipe;
  guint64 offset_before;
  Check c;

  pipe = capture_with_failed_block (
      "io-mode=dmabuf check-transfers=false", &c, &offset_before, &src);
  expect_failed_block_pushed (pipe, src, &c);
  gst_element_set_state (pipe, GST_STATE_NULL);
  check_clear (&c);
  gst_object_unref (src);
  gst_object_unref (pipe);
}

GST_END_TEST;

static Suite *
iiodmabufsrc_suite (void)
{
  Suite *s = suite_create ("iiodmabufsrc");
  TCase *tc = tcase_create ("guest");

  tcase_set_timeout (tc, 300);
  tcase_add_checked_fixture (tc, setup, NULL);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_dmabuf_export_4ch_s16);
  tcase_add_test (tc, test_dmabuf_export_1_and_2_channels);
  tcase_add_test (tc, test_rw_4ch_s16);
  tcase_add_test (tc, test_switch_dmabuf_to_rw);
  tcase_add_test (tc, test_rw_restarts_in_order);
  tcase_add_test (tc, test_io_mode_changed_in_ready);
  tcase_add_test (tc, test_auto_picks_dmabuf);
  tcase_add_test (tc, test_dmabuf_import);
  tcase_add_test (tc, test_unusable_downstream_pool);
  tcase_add_test (tc, test_udmabuf_without_heap);
  tcase_add_test (tc, test_32bit_storage);
  tcase_add_test (tc, test_caps_audio_and_rate);
  tcase_add_test (tc, test_caps_generic_layout);
  tcase_add_test (tc, test_timestamps_exact);
  tcase_add_test (tc, test_stall_gives_discont_and_warning);
  tcase_add_test (tc, test_short_downstream_stall_loses_nothing);
  tcase_add_test (tc, test_held_buffers_keep_kernel_queue_full);
  tcase_add_test (tc, test_errors);
  tcase_add_test (tc, test_kfifo_falls_back_to_rw);
  tcase_add_test (tc, test_state_cycles_no_leak);
  tcase_add_test (tc, test_doc_examples);
  tcase_add_test (tc, test_negotiates_with_audio_elements_and_filesink);
  tcase_add_test (tc, test_generic_caps_to_filesink);
  tcase_add_test (tc, test_permission_denied);
  tcase_add_test (tc, test_device_removed_mid_stream);
  tcase_add_test (tc, test_attributes_property);
  tcase_add_test (tc, test_refused_attribute_values);
  tcase_add_test (tc, test_dma_heap_property);
  tcase_add_test (tc, test_latency_query);
  tcase_add_test (tc, test_auto_queue_depth);
  tcase_add_test (tc, test_rw_latency_is_fileio_block);
  tcase_add_test (tc, test_stalled_device_stops_quickly);
  tcase_add_test (tc, test_failed_block_not_pushed);
  tcase_add_test (tc, test_failed_block_pushed_without_checks);
  return s;
}

GST_CHECK_MAIN (iiodmabufsrc);
