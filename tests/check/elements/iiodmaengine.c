/* The elements on industrialio-buffer-dmaengine, the buffer of converters
 * behind a DMA controller on real boards: the iio-sim test driver loaded
 * with buffer=dmaengine over its software controller (sim-dmac.c), whose
 * bus width is the buffer's length_align_bytes. Each test loads the driver
 * as it needs; the scan sizes here do not divide the bus width.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/allocators/gstdmabuf.h>

#include "iiosim.h"

#define ADC "iio-sim-adc"
#define DAC "iio-sim-dac"
#define DAC_CAPS                                                               \
  "audio/x-raw,format=S16LE,layout=interleaved,channels=2,rate=48000"
#define THREE "channels=voltage0,voltage1,voltage2" /* 6-byte scans */

static void
setup (void)
{
  iiosim_reload ("buffer=dmaengine dmac_bus_width=16");
  iiosim_write (ADC, "sim_free_run", "1");
  iiosim_write (ADC, "sampling_frequency", "1000");
}

/* The next suite finds the driver as the run loaded it. */
static void
teardown (void)
{
  iiosim_reload (NULL);
}

static guint64
align_of_adc (void)
{
  return iiosim_read_u64 (ADC, "buffer0/length_align_bytes");
}

/* Captures @n buffers of the three channels and checks every sample;
 * returns the size of the buffers. */
static gsize
capture_three (const gchar *props, guint n, gboolean want_dmabuf)
{
  gchar *desc =
      g_strdup_printf ("iiodmabufsrc device=" ADC " " THREE " %s", props);
  GstHarness *h = gst_harness_new_parse (desc);
  guint idx[3] = { 0, 1, 2 };
  guint64 next = 0;
  gsize size = 0;

  gst_harness_set_blocking_push_mode (h);
  gst_harness_play (h);
  for (guint i = 0; i < n; i++) {
    GstBuffer *buf = gst_harness_pull (h);
    GstMapInfo map;

    fail_unless (buf != NULL, "no buffer %u", i);
    if (i == 0)
      next = GST_BUFFER_OFFSET (buf);
    fail_unless_equals_uint64 (GST_BUFFER_OFFSET (buf), next);
    fail_unless_equals_int (
        gst_is_dmabuf_memory (gst_buffer_peek_memory (buf, 0)), want_dmabuf);
    fail_unless (gst_buffer_map (buf, &map, GST_MAP_READ));
    fail_unless (size == 0 || size == map.size);
    size = map.size;
    fail_unless_equals_uint64 (
        iiosim_check_pattern (map.data, map.size, 2, 3, idx, next), 0);
    next += map.size / 6;
    gst_buffer_unmap (buf, &map);
    gst_buffer_unref (buf);
  }
  gst_harness_teardown (h);
  g_free (desc);
  return size;
}

/* The block size the source picks itself is whole scans and whole bus
 * words, zero-copy and through read(). */
GST_START_TEST (test_auto_block_fits_bus)
{
  gsize size;

  fail_unless_equals_uint64 (align_of_adc (), 16);
  size = capture_three ("io-mode=dmabuf", 50, TRUE);
  fail_unless (size % 48 == 0, "%" G_GSIZE_FORMAT " bytes", size);
  size = capture_three ("io-mode=rw", 20, FALSE);
  fail_unless (size % 48 == 0, "%" G_GSIZE_FORMAT " bytes", size);
}

GST_END_TEST;

/* A block the user sets that the bus cannot take is an error that names
 * the constraint and a size that fits; one that fits streams. */
GST_START_TEST (test_forced_block_must_fit_bus)
{
  iiosim_expect_error ("iiodmabufsrc device=" ADC " " THREE
                       " samples-per-buffer=100 ! fakesink",
      "length_align_bytes", FALSE);
  iiosim_expect_error ("iiodmabufsrc device=" ADC " " THREE
                       " samples-per-buffer=100 ! fakesink",
      "multiple of 8", FALSE);
  fail_unless_equals_uint64 (
      capture_three ("io-mode=dmabuf samples-per-buffer=104", 20, TRUE),
      104 * 6);
  /* The sink the same; and a cyclic buffer cannot be completed later. */
  iiosim_expect_error ("audiotestsrc ! " DAC_CAPS " ! iiodmabufsink device=" DAC
                       " samples-per-buffer=101",
      "length_align_bytes", FALSE);
  iiosim_expect_error ("audiotestsrc samplesperbuffer=101 ! " DAC_CAPS
                       " ! iiodmabufsink device=" DAC " cyclic=true",
      "multiple of 16 bytes", FALSE);
}

GST_END_TEST;

/* Plays @n buffers of @size bytes of noise through the sink in @io_mode;
 * returns the FNV-1a of what was sent and sets @sent to its size. */
static guint64
play_buffers (const gchar *io_mode, guint n, gsize size, gsize *sent)
{
  gchar *desc =
      g_strdup_printf ("iiodmabufsink device=" DAC " io-mode=%s", io_mode);
  GstHarness *h = gst_harness_new_parse (desc);
  guint64 hash = IIOSIM_FNV_OFFSET;
  guint32 x = 7;

  iiosim_write (DAC, "sim_free_run", "1");
  iiosim_write (DAC, "sim_reset", "1");
  gst_harness_set_src_caps_str (h, DAC_CAPS);
  gst_harness_play (h);
  *sent = 0;
  for (guint i = 0; i < n; i++) {
    GstBuffer *buf = gst_buffer_new_allocate (NULL, size, NULL);
    GstMapInfo map;

    fail_unless (gst_buffer_map (buf, &map, GST_MAP_WRITE));
    for (gsize k = 0; k < map.size; k++) {
      x = x * 1103515245u + 12345u;
      map.data[k] = x >> 16;
    }
    hash = iiosim_fnv1a (hash, map.data, map.size);
    gst_buffer_unmap (buf, &map);
    *sent += size;
    fail_unless_equals_int (gst_harness_push (h, buf), GST_FLOW_OK);
  }
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  gst_harness_teardown (h);
  g_free (desc);
  return hash;
}

/* Buffers that end between bus words: the sink's blocks are whole words
 * all the same (no block fails in the controller), and the samples play
 * in order, the last block completed with silence. */
GST_START_TEST (test_sink_odd_buffers_fit_bus)
{
  static const gchar *modes[] = { "dmabuf", "rw" };
  guint8 zeros[16] = { 0 };

  fail_unless_equals_uint64 (
      iiosim_read_u64 (DAC, "buffer0/length_align_bytes"), 16);
  for (guint m = 0; m < G_N_ELEMENTS (modes); m++) {
    gsize sent, padded;
    /* 101 scans: 404 bytes, whole scans but not whole bus words */
    guint64 hash = play_buffers (modes[m], 50, 404, &sent);
    guint64 played = iiosim_read_u64 (DAC, "sim_bytes");

    /* 20200 bytes sent: 8 bytes of silence make the last block whole. */
    padded = (sent + 15) / 16 * 16;
    fail_unless_equals_uint64 (iiosim_read_u64 (DAC, "sim_failed"), 0);
    if (m == 0) {
      fail_unless_equals_uint64 (played, padded);
      hash = iiosim_fnv1a (hash, zeros, padded - sent);
    } else {
      /* (rw: the fileio block is completed with silence) */
      fail_unless (played >= padded && played % 16 == 0,
          "%" G_GUINT64_FORMAT " bytes", played);
      for (gsize left = played - sent; left > 0;) {
        gsize n = MIN (left, sizeof (zeros));

        hash = iiosim_fnv1a (hash, zeros, n);
        left -= n;
      }
    }
    fail_unless (iiosim_read_u64 (DAC, "sim_checksum") == hash,
        "io-mode=%s: the DAC played other samples", modes[m]);
  }
}

GST_END_TEST;

/* A DMA controller whose maximum segment (dmac_max_segment) is smaller
 * than the blocks. The kernel cuts each fileio input block to it, and
 * read() still gets every sample in order. A dma-buf transfer longer than
 * it is moved in pieces, as the AXI DMAC does. */
GST_START_TEST (test_capture_blocks_over_max_segment)
{
  guint64 blocks, bytes;

  iiosim_reload ("buffer=dmaengine dmac_bus_width=16 dmac_max_segment=4096");
  iiosim_write (ADC, "sim_free_run", "1");
  /* (the nominal rate setup() set, lost with the reload: without a fence
   * the source judges loss by it, and a free-running driver moving 4 KiB
   * segments under emulation can be slower than the default 1 MHz) */
  iiosim_write (ADC, "sampling_frequency", "1000");
  iiosim_write (ADC, "sim_reset", "1");
  fail_unless_equals_uint64 (
      capture_three ("io-mode=rw samples-per-buffer=1024", 20, FALSE), 6144);
  blocks = iiosim_read_u64 (ADC, "sim_blocks");
  bytes = iiosim_read_u64 (ADC, "sim_bytes");
  fail_unless (blocks > 0 && bytes / blocks <= 4096,
      "%" G_GUINT64_FORMAT " bytes in %" G_GUINT64_FORMAT " blocks: "
      "not cut to the maximum segment",
      bytes, blocks);
  fail_unless_equals_uint64 (
      capture_three ("io-mode=dmabuf samples-per-buffer=1024", 20, TRUE), 6144);
}

GST_END_TEST;

/* Playback through write() on such a controller: the kernel submits each
 * fileio block as one segment, and one longer than the maximum fails and
 * never plays, with no word from the kernel. The sink keeps the blocks it
 * picks itself within 64 KiB (the kernel's maximum segment for a
 * controller that sets none), so 128 KiB buffers play in full; a block the
 * user forces over it ends in the timeout's error, which names the cause. */
GST_START_TEST (test_rw_playback_within_max_segment)
{
  gsize sent;
  guint64 hash;

  iiosim_reload ("buffer=dmaengine dmac_bus_width=16 dmac_max_segment=65536");
  hash = play_buffers ("rw", 10, 128 * 1024, &sent);
  fail_unless_equals_uint64 (iiosim_read_u64 (DAC, "sim_bytes"), sent);
  fail_unless (iiosim_read_u64 (DAC, "sim_checksum") == hash,
      "the DAC played other samples");
  fail_unless (iiosim_read_u64 (DAC, "sim_blocks") >= 20);

  iiosim_expect_message ("audiotestsrc samplesperbuffer=32768 ! " DAC_CAPS
                         " ! iiodmabufsink device=" DAC " io-mode=rw "
                         "samples-per-buffer=32768 timeout=1000000000",
      GST_MESSAGE_ERROR, "maximum segment", "consumed nothing", NULL);
  fail_unless_equals_uint64 (iiosim_read_u64 (DAC, "sim_failed"), 0);
}

GST_END_TEST;

static Suite *
iiodmaengine_suite (void)
{
  Suite *s = suite_create ("iiodmaengine");
  TCase *tc = tcase_create ("guest");

  tcase_set_timeout (tc, 300);
  tcase_add_checked_fixture (tc, setup, teardown);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_auto_block_fits_bus);
  tcase_add_test (tc, test_forced_block_must_fit_bus);
  tcase_add_test (tc, test_sink_odd_buffers_fit_bus);
  tcase_add_test (tc, test_capture_blocks_over_max_segment);
  tcase_add_test (tc, test_rw_playback_within_max_segment);
  return s;
}

GST_CHECK_MAIN (iiodmaengine);
