/* The element helpers that are pure arithmetic: block sizing, the room the
 * source's pool gets, wait slicing and latency percentiles, table-driven.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gst/check/gstcheck.h>

#include "gstiioelement.h"

GST_START_TEST (test_samples_per_block)
{
  static const struct
  {
    guint requested;
    gdouble rate;
    guint scan_bytes, want;
    guint align; /* length_align_bytes; 0 here means 1 */
  } cases[] = {
    /* asked for: taken as it is */
    { 256, 48000, 4, 256 },
    { 1, 1e6, 8, 1 },
    /* 10 ms where that is a page or more */
    { 0, 1e6, 8, 10000 },
    { 0, 200000, 4, 2000 },
    /* less than a page: a page of whole scans */
    { 0, 48000, 4, 1024 },
    { 0, 48000, 8, 512 },
    { 0, 48000, 6, 682 },
    { 0, 2000, 8, 512 },
    { 0, 100, 2, 2048 },
    /* no rate known: 1024 scans, or a page */
    { 0, 0, 8, 1024 },
    { 0, 0, 2, 2048 },
    /* huge scans: never fewer than 64 */
    { 0, 1000, 256, 64 },
    /* at most 4 MiB */
    { 0, 1e9, 8, 524288 },
    { 0, 1e8, 16, 262144 },
    /* a 16-byte bus: whole scans that are whole bus words */
    { 0, 48000, 6, 688, 16 }, /* 3 x 16 bit: steps of 8 scans */
    { 0, 1e6, 6, 10000, 16 },
    { 0, 48000, 4, 1024, 16 },
    { 0, 48000, 12, 480, 64 }, /* 6 x 16 bit, 64-byte bus: 16 scans */
    { 0, 2000, 12, 352, 64 },
    /* asked for: taken as it is, the element checks it */
    { 100, 48000, 6, 100, 16 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    guint got = gst_iio_samples_per_block (cases[i].requested, cases[i].rate,
        cases[i].scan_bytes, MAX (cases[i].align, 1));

    fail_unless (got == cases[i].want, "case %u: %u scans, want %u", i, got,
        cases[i].want);
  }
}

GST_END_TEST;

GST_START_TEST (test_scans_step)
{
  fail_unless_equals_int (gst_iio_scans_step (6, 16), 8);
  fail_unless_equals_int (gst_iio_scans_step (4, 16), 4);
  fail_unless_equals_int (gst_iio_scans_step (8, 4), 1);
  fail_unless_equals_int (gst_iio_scans_step (12, 64), 16);
  fail_unless_equals_int (gst_iio_scans_step (6, 1), 1);
  fail_unless_equals_int (gst_iio_scans_step (6, 0), 1);
}

GST_END_TEST;

/* io-mode=rw's fileio blocks: half the queue in whole blocks, within what
 * the kernel allocates in one piece (4 MiB here). */
GST_START_TEST (test_fileio_scans)
{
  const gsize max = 4 << 20;

  /* half the queue, rounded up; two blocks at least */
  fail_unless_equals_int (gst_iio_fileio_scans (10, 10000, 8, 1, max), 50000);
  fail_unless_equals_int (gst_iio_fileio_scans (5, 1000, 8, 1, max), 3000);
  fail_unless_equals_int (gst_iio_fileio_scans (0, 1024, 4, 1, max), 1024);
  /* 4 MiB blocks of 4-byte scans: one each, not two */
  fail_unless_equals_int (
      gst_iio_fileio_scans (4, 1 << 20, 4, 1, max), 1 << 20);
  /* 3 MiB blocks: one fits, two do not */
  fail_unless_equals_int (
      gst_iio_fileio_scans (8, 3 << 18, 4, 1, max), 3 << 18);
  /* 8 MiB blocks: 4 MiB of scans, whole bus words (6-byte scans, 16-byte
   * bus: steps of 8 scans) */
  fail_unless_equals_int (
      gst_iio_fileio_scans (2, 2 << 20, 4, 1, max), 1 << 20);
  fail_unless_equals_int (
      gst_iio_fileio_scans (2, 1 << 21, 6, 16, max), max / 6 / 8 * 8);
}

GST_END_TEST;

/* n-buffers 0: 100 ms of samples queued, 4 to 32 blocks, 64 MiB at most;
 * a number asked for is taken (2 at least). */
GST_START_TEST (test_blocks_queued)
{
  static const struct
  {
    guint requested;
    gdouble rate;
    guint block_samples;
    gsize block_bytes;
    guint want;
  } cases[] = {
    { 6, 1e6, 10000, 80000, 6 },
    { 1, 1e6, 10000, 80000, 2 },
    { 64, 1e6, 10000, 80000, 64 },
    /* rate or block not known yet: 4 */
    { 0, 0, 0, 0, 4 },
    { 0, 1e6, 0, 0, 4 },
    /* 10 ms blocks: 10 of them */
    { 0, 1e6, 10000, 80000, 10 },
    /* 100 ms does not divide: rounded up (7 of 15 ms) */
    { 0, 1e6, 15000, 120000, 7 },
    /* long blocks (a page at a low rate): 4 */
    { 0, 1000, 512, 4096, 4 },
    /* short blocks: 32 at most */
    { 0, 1e7, 1000, 8000, 32 },
    /* 4 MiB blocks at 100 MS/s: 64 MiB at most, 16 of them */
    { 0, 1e8, 524288, 4194304, 16 },
    /* blocks larger than 16 MiB: still 4 */
    { 0, 1e8, 4194304, 33554432, 4 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    guint got = gst_iio_blocks_queued (cases[i].requested, cases[i].rate,
        cases[i].block_samples, cases[i].block_bytes);

    fail_unless (got == cases[i].want, "case %u: %u blocks, want %u", i, got,
        cases[i].want);
  }
}

GST_END_TEST;

GST_START_TEST (test_extra_buffers)
{
  static const struct
  {
    gsize block_bytes;
    guint want;
  } cases[] = {
    { 0, 64 },
    { 512, 64 },
    { 4096, 64 },
    { 8192, 32 },
    { 16384, 16 },
    { 65536, 16 },
    { 4 * 1024 * 1024, 16 },
    /* between: 256 KiB worth, rounded down */
    { 5000, 52 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    guint got = gst_iio_extra_buffers (cases[i].block_bytes);

    fail_unless (got == cases[i].want, "%" G_GSIZE_FORMAT " bytes: %u, want %u",
        cases[i].block_bytes, got, cases[i].want);
  }
}

GST_END_TEST;

GST_START_TEST (test_wait_slices)
{
  static const struct
  {
    GstClockTime timeout, waited;
    gboolean more;
    GstClockTime slice;
  } cases[] = {
    { GST_CLOCK_TIME_NONE, 0, TRUE, GST_IIO_ALIVE_CHECK_INTERVAL },
    { GST_CLOCK_TIME_NONE, 100 * GST_SECOND, TRUE,
        GST_IIO_ALIVE_CHECK_INTERVAL },
    { GST_SECOND, 0, TRUE, GST_IIO_ALIVE_CHECK_INTERVAL },
    { GST_SECOND, 900 * GST_MSECOND, TRUE, 100 * GST_MSECOND },
    { GST_SECOND, GST_SECOND, FALSE, 0 },
    { GST_SECOND, 2 * GST_SECOND, FALSE, 0 },
    { 50 * GST_MSECOND, 0, TRUE, 50 * GST_MSECOND },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    GstClockTime slice = 0;
    gboolean more =
        gst_iio_next_wait_slice (cases[i].timeout, cases[i].waited, &slice);

    fail_unless (more == cases[i].more, "case %u", i);
    if (more)
      fail_unless (slice == cases[i].slice, "case %u: slice %" GST_TIME_FORMAT,
          i, GST_TIME_ARGS (slice));
  }
}

GST_END_TEST;

GST_START_TEST (test_latency_percentiles)
{
  GstIioLatency lat;

  gst_iio_latency_clear (&lat);
  fail_unless_equals_uint64 (gst_iio_latency_percentile (&lat, 50), 0);
  for (gint i = 100; i >= 1; i--)
    gst_iio_latency_add (&lat, i * 1000);
  fail_unless_equals_uint64 (gst_iio_latency_percentile (&lat, 0), 1000);
  fail_unless_equals_uint64 (gst_iio_latency_percentile (&lat, 50), 51000);
  fail_unless_equals_uint64 (gst_iio_latency_percentile (&lat, 99), 100000);
  fail_unless_equals_uint64 (gst_iio_latency_percentile (&lat, 100), 100000);
  /* negative and huge values are clamped, the window keeps the last ones */
  gst_iio_latency_add (&lat, -5);
  gst_iio_latency_add (&lat, G_GINT64_CONSTANT (1) << 40);
  fail_unless_equals_uint64 (gst_iio_latency_percentile (&lat, 0), 0);
  fail_unless_equals_uint64 (
      gst_iio_latency_percentile (&lat, 100), G_MAXUINT32);
  for (guint i = 0; i < GST_IIO_LATENCY_WINDOW; i++)
    gst_iio_latency_add (&lat, 7);
  fail_unless_equals_uint64 (gst_iio_latency_percentile (&lat, 100), 7);
}

GST_END_TEST;

/* Consecutive blocks stamped from the sample count tile the timeline: no
 * gap and no overlap, whatever the rate's rounding. */
GST_START_TEST (test_stamps_tile_the_timeline)
{
  static const gint rates[] = { 48000, 44100, 1000000, 7, 3000001 };

  for (guint r = 0; r < G_N_ELEMENTS (rates); r++) {
    GstClockTime end = GST_SECOND;
    guint64 offset = 0;

    for (guint i = 0; i < 1000; i++) {
      GstBuffer *buf = gst_buffer_new ();
      guint samples = 1 + (i * 7919) % 1000;

      gst_iio_stamp_buffer (buf, GST_SECOND, offset, samples, rates[r]);
      fail_unless_equals_uint64 (GST_BUFFER_PTS (buf), end);
      fail_unless_equals_uint64 (GST_BUFFER_OFFSET (buf), offset);
      fail_unless_equals_uint64 (GST_BUFFER_OFFSET_END (buf), offset + samples);
      fail_unless (!GST_CLOCK_TIME_IS_VALID (GST_BUFFER_DTS (buf)));
      end = GST_BUFFER_PTS (buf) + GST_BUFFER_DURATION (buf);
      offset += samples;
      gst_buffer_unref (buf);
    }
    fail_unless_equals_uint64 (end,
        GST_SECOND + gst_util_uint64_scale_int (offset, GST_SECOND, rates[r]));
  }
}

GST_END_TEST;

GST_START_TEST (test_latency_answer)
{
  GstQuery *q = gst_query_new_latency ();
  GstClockTime min, max;
  gboolean live;

  fail_if (gst_iio_latency_query_answer (q, 480, 0, 4));
  fail_if (gst_iio_latency_query_answer (q, 0, 48000, 4));
  fail_unless (gst_iio_latency_query_answer (q, 480, 48000, 4));
  gst_query_parse_latency (q, &live, &min, &max);
  fail_unless (live);
  fail_unless_equals_uint64 (min, 10 * GST_MSECOND);
  fail_unless_equals_uint64 (max, 40 * GST_MSECOND);
  gst_query_unref (q);
}

GST_END_TEST;

static Suite *
iiosizing_suite (void)
{
  Suite *s = suite_create ("iiosizing");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_stamps_tile_the_timeline);
  tcase_add_test (tc, test_latency_answer);
  tcase_add_test (tc, test_samples_per_block);
  tcase_add_test (tc, test_scans_step);
  tcase_add_test (tc, test_fileio_scans);
  tcase_add_test (tc, test_extra_buffers);
  tcase_add_test (tc, test_blocks_queued);
  tcase_add_test (tc, test_wait_slices);
  tcase_add_test (tc, test_latency_percentiles);
  return s;
}

GST_CHECK_MAIN (iiosizing);
