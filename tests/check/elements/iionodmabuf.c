/* The elements on a kernel without IIO DMABUF (before Linux 6.11; the rig
 * boots Debian's 6.1): io-mode=auto falls back to read()/write() with a
 * warning that says why, a forced zero-copy mode is an error that says
 * why, and the fallback streams the right samples both ways. The test
 * driver's ADC is on industrialio-buffer-dma (fileio only on such a
 * kernel), its DAC on a kfifo (the DMA buffer had no output yet).
 *
 * Suite "nodmabuf", not "guest": on a kernel with IIO DMABUF it fails.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/allocators/gstdmabuf.h>
#include <stdio.h>
#include <sys/utsname.h>

#include "iiosim.h"

#define ADC "iio-sim-adc"
#define DAC "iio-sim-dac"
#define DAC_CAPS                                                               \
  "audio/x-raw,format=S16LE,layout=interleaved,channels=2,rate=48000"
#define WHY "has no IIO DMABUF: it came in Linux 6.11"

static void
setup (void)
{
  iiosim_write (ADC, "sim_free_run", "1");
  iiosim_write (DAC, "sim_free_run", "1");
  iiosim_write (DAC, "sim_reset", "1");
}

/* This suite proves nothing on a kernel that has IIO DMABUF. */
GST_START_TEST (test_kernel_lacks_dmabuf)
{
  struct utsname u;
  guint major = 0, minor = 0;

  fail_unless_equals_int (uname (&u), 0);
  fail_unless_equals_int (sscanf (u.release, "%u.%u", &major, &minor), 2);
  fail_unless (major < 6 || (major == 6 && minor < 11),
      "Linux %s has IIO DMABUF: run this suite on an older kernel", u.release);
}

GST_END_TEST;

/* ENOTTY: a 6.1 buffer fd has no ioctls, DMA buffer (ADC) or kfifo (DAC). */
#define ENOTTY_TEXT "Inappropriate ioctl for device"

GST_START_TEST (test_auto_warns_why)
{
  iiosim_expect_message ("iiodmabufsrc device=" ADC " ! fakesink",
      GST_MESSAGE_WARNING, ENOTTY_TEXT,
      "No zero-copy, capturing with read() (io-mode=rw)", WHY, NULL);
  iiosim_expect_message ("audiotestsrc ! " DAC_CAPS
                         " ! iiodmabufsink device=" DAC,
      GST_MESSAGE_WARNING, ENOTTY_TEXT,
      "No zero-copy, playing with write() (io-mode=rw)", WHY, NULL);
}

GST_END_TEST;

GST_START_TEST (test_forced_dmabuf_is_an_error)
{
  iiosim_expect_error ("iiodmabufsrc device=" ADC " io-mode=dmabuf ! fakesink",
      "io-mode=dmabuf cannot work: the kernel", FALSE);
  iiosim_expect_error (
      "iiodmabufsrc device=" ADC " io-mode=dmabuf ! fakesink", WHY, FALSE);
  iiosim_expect_error ("audiotestsrc ! " DAC_CAPS " ! iiodmabufsink device=" DAC
                       " io-mode=dmabuf",
      WHY, FALSE);
}

GST_END_TEST;

/* io-mode=auto captures through read(): every sample of the pattern, in
 * order, in system memory. */
GST_START_TEST (test_auto_captures_with_read)
{
  GstHarness *h = gst_harness_new_parse (
      "iiodmabufsrc device=" ADC " channels=voltage0,voltage1");
  guint idx[2] = { 0, 1 };
  guint64 next = 0;

  gst_harness_set_blocking_push_mode (h);
  gst_harness_play (h);
  for (guint i = 0; i < 20; i++) {
    GstBuffer *buf = gst_harness_pull (h);
    GstMapInfo map;

    fail_unless (buf != NULL, "no buffer %u", i);
    if (i == 0)
      next = GST_BUFFER_OFFSET (buf);
    fail_unless_equals_uint64 (GST_BUFFER_OFFSET (buf), next);
    fail_if (gst_is_dmabuf_memory (gst_buffer_peek_memory (buf, 0)));
    fail_unless (gst_buffer_map (buf, &map, GST_MAP_READ));
    fail_unless (map.size > 0);
    fail_unless_equals_uint64 (
        iiosim_check_pattern (map.data, map.size, 2, 2, idx, next), 0);
    next += map.size / 4;
    gst_buffer_unmap (buf, &map);
    gst_buffer_unref (buf);
  }
  gst_harness_teardown (h);
}

GST_END_TEST;

/* io-mode=auto plays through write(): the DAC consumes what was sent, in
 * order, then the silence that completes the last block. */
GST_START_TEST (test_auto_plays_with_write)
{
  GstHarness *h = gst_harness_new_parse ("iiodmabufsink device=" DAC);
  guint64 hash = IIOSIM_FNV_OFFSET, played;
  guint8 zeros[64] = { 0 };
  gsize sent = 0;
  guint32 x = 11;

  gst_harness_set_src_caps_str (h, DAC_CAPS);
  gst_harness_play (h);
  for (guint i = 0; i < 40; i++) {
    GstBuffer *buf = gst_buffer_new_allocate (NULL, 4000, NULL);
    GstMapInfo map;

    fail_unless (gst_buffer_map (buf, &map, GST_MAP_WRITE));
    for (gsize k = 0; k < map.size; k++) {
      x = x * 1103515245u + 12345u;
      map.data[k] = x >> 16;
    }
    hash = iiosim_fnv1a (hash, map.data, map.size);
    gst_buffer_unmap (buf, &map);
    sent += 4000;
    fail_unless_equals_int (gst_harness_push (h, buf), GST_FLOW_OK);
  }
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  gst_harness_teardown (h);

  played = iiosim_read_u64 (DAC, "sim_bytes");
  fail_unless (played >= sent && played % 4 == 0,
      "%" G_GUINT64_FORMAT " bytes played of %" G_GSIZE_FORMAT, played, sent);
  for (gsize left = played - sent; left > 0;) {
    gsize n = MIN (left, sizeof (zeros));

    hash = iiosim_fnv1a (hash, zeros, n);
    left -= n;
  }
  fail_unless (iiosim_read_u64 (DAC, "sim_checksum") == hash,
      "the DAC played other samples");
}

GST_END_TEST;

static Suite *
iionodmabuf_suite (void)
{
  Suite *s = suite_create ("iionodmabuf");
  TCase *tc = tcase_create ("guest");

  tcase_set_timeout (tc, 300);
  tcase_add_checked_fixture (tc, setup, NULL);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_kernel_lacks_dmabuf);
  tcase_add_test (tc, test_auto_warns_why);
  tcase_add_test (tc, test_forced_dmabuf_is_an_error);
  tcase_add_test (tc, test_auto_captures_with_read);
  tcase_add_test (tc, test_auto_plays_with_write);
  return s;
}

GST_CHECK_MAIN (iionodmabuf);
