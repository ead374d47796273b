/* The IIO timestamp channel (gstiiotimestamp), on the host: lost samples
 * told from the timestamps of converters that drift and jitter, a stale
 * block and a clock set back, and the timestamp read from system memory.
 * (The dma-buf read runs in the guest suite iiotimestamps.)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gst/check/gstcheck.h>

#include "gstiiotimestamp.h"

static void
track_init (GstIioTimestamps *t, gboolean steady)
{
  memset (t, 0, sizeof (*t));
  t->enabled = TRUE;
  t->offset = 8;
  t->steady = steady;
  t->reference = gst_caps_new_simple (GST_IIO_TIMESTAMP_REFERENCE, "clock",
      G_TYPE_STRING, steady ? "monotonic" : "realtime", NULL);
}

/* The time a converter @ppm fast at @rate takes sample @s, from t0 = 1000 s. */
static gint64
scan_time (guint64 s, gdouble rate, gdouble ppm)
{
  return (gint64)(1e12 + llround ((gdouble)s * 1e9 / rate / (1 + ppm * 1e-6)));
}

/* 200 blocks of 1000 samples at 100 kHz from a converter @ppm off, @lost
 * samples missing before block @at (0: none): the track tells exactly those,
 * there and nowhere else. */
static void
expect_losses (gdouble ppm, guint64 lost, guint at)
{
  GstIioTimestamps t;
  guint64 device = 0, counted = 0, told_total = 0;

  track_init (&t, TRUE);
  for (guint b = 0; b < 200; b++) {
    gboolean stale;
    guint64 told;

    if (b == at && lost)
      device += lost;
    told = gst_iio_timestamps_lost (
        &t, scan_time (device, 100000, ppm), counted, 100000, &stale);
    fail_if (stale);
    fail_unless (told == (b == at ? lost : 0),
        "%.0f ppm, %" G_GUINT64_FORMAT
        " lost at block %u: block %u: %" G_GUINT64_FORMAT " samples told lost",
        ppm, lost, at, b, told);
    told_total += told;
    counted += told + 1000;
    device += 1000;
  }
  fail_unless_equals_uint64 (told_total, lost);
  gst_iio_timestamps_clear (&t);
}

GST_START_TEST (test_losses_exact)
{
  const gdouble ppms[] = { 0, 200, -200, 500, -900 };
  const guint64 losses[] = { 0, 1, 7, 999, 1000, 30000, 3000000 };

  for (guint i = 0; i < G_N_ELEMENTS (ppms); i++)
    for (guint j = 0; j < G_N_ELEMENTS (losses); j++)
      expect_losses (ppms[i], losses[j], 50);
  /* before the timestamps span 100 ms: judged on the nominal rate, give or
   * take 1000 ppm of the step (a sample of a 10 ms block at 100 kHz) */
  expect_losses (200, 3, 3);
  expect_losses (0, 123, 1);
}

GST_END_TEST;

/* A driver that stamps each scan when its interrupt ran: +-2 us of jitter
 * at 10 kHz (a sample is 100 us) is no loss; 5 samples lost are 5. */
GST_START_TEST (test_jitter)
{
  GstIioTimestamps t;
  guint64 device = 0, counted = 0;
  GRand *rand = g_rand_new_with_seed (7);

  track_init (&t, TRUE);
  for (guint b = 0; b < 500; b++) {
    gboolean stale;
    guint64 told;
    gint64 ts;

    if (b == 300)
      device += 5;
    ts = scan_time (device, 10000, 0) + g_rand_int_range (rand, -2000, 2001);
    told = gst_iio_timestamps_lost (&t, ts, counted, 10000, &stale);
    fail_if (stale);
    fail_unless_equals_uint64 (told, b == 300 ? 5 : 0);
    counted += told + 100;
    device += 100;
  }
  g_rand_free (rand);
  gst_iio_timestamps_clear (&t);
}

GST_END_TEST;

/* On a monotonic clock a timestamp older than the last is a block with no
 * new scan (its dma-buf's old content): stale, and the track goes on as if
 * it had not come; its samples are counted by the caller, not lost. */
GST_START_TEST (test_stale_block)
{
  GstIioTimestamps t;
  gboolean stale;

  track_init (&t, TRUE);
  for (guint64 b = 0; b < 20; b++) {
    fail_unless_equals_uint64 (
        gst_iio_timestamps_lost (
            &t, scan_time (b * 1000, 100000, 0), b * 1000, 100000, &stale),
        0);
    fail_if (stale);
  }
  /* block 20 holds block 4's content */
  fail_unless_equals_uint64 (
      gst_iio_timestamps_lost (
          &t, scan_time (4000, 100000, 0), 20000, 100000, &stale),
      0);
  fail_unless (stale);
  /* a dma-buf never written: 0 */
  gst_iio_timestamps_lost (&t, 0, 21000, 100000, &stale);
  fail_unless (stale);
  fail_unless_equals_uint64 (
      gst_iio_timestamps_lost (
          &t, scan_time (22000, 100000, 0), 22000, 100000, &stale),
      0);
  fail_if (stale);
  gst_iio_timestamps_clear (&t);
}

GST_END_TEST;

/* On the realtime clock a timestamp that goes back is the clock set back:
 * the track starts again from it, and the next loss is told right. */
GST_START_TEST (test_realtime_set_back)
{
  GstIioTimestamps t;
  gboolean stale;
  const gint64 back = 3 * GST_SECOND;

  track_init (&t, FALSE);
  for (guint64 b = 0; b < 20; b++)
    gst_iio_timestamps_lost (
        &t, scan_time (b * 1000, 100000, 0), b * 1000, 100000, &stale);
  for (guint64 b = 20; b < 40; b++) {
    fail_unless_equals_uint64 (
        gst_iio_timestamps_lost (&t, scan_time (b * 1000, 100000, 0) - back,
            b * 1000, 100000, &stale),
        0);
    fail_if (stale);
  }
  /* 250 samples lost after the step */
  fail_unless_equals_uint64 (
      gst_iio_timestamps_lost (
          &t, scan_time (40250, 100000, 0) - back, 40000, 100000, &stale),
      250);
  gst_iio_timestamps_clear (&t);
}

GST_END_TEST;

/* From system memory (io-mode=rw, a copied block): the bytes at the
 * channel's offset, in its endianness; a buffer shorter than a scan is an
 * error, not a guess. */
GST_START_TEST (test_read_system_memory)
{
  GstIioTimestamps t;
  GstBuffer *buf = gst_buffer_new_allocate (NULL, 32, NULL);
  GError *err = NULL;
  gboolean mapped = TRUE;
  gint64 ts = 0;

  track_init (&t, TRUE);
  gst_buffer_memset (buf, 0, 0xee, 32);
  {
    guint8 le[8];

    GST_WRITE_UINT64_LE (le, G_GUINT64_CONSTANT (0x0102030405060708));
    gst_buffer_fill (buf, 8, le, 8);
  }
  fail_unless (gst_iio_timestamp_read (&t, buf, &ts, &mapped, &err));
  fail_if (mapped);
  fail_unless_equals_int64 (ts, G_GINT64_CONSTANT (0x0102030405060708));
  t.big_endian = TRUE;
  fail_unless (gst_iio_timestamp_read (&t, buf, &ts, &mapped, &err));
  fail_unless_equals_int64 (ts, G_GINT64_CONSTANT (0x0807060504030201));
  t.offset = 28;
  fail_if (gst_iio_timestamp_read (&t, buf, &ts, &mapped, &err));
  fail_unless (err != NULL && strstr (err->message, "no whole first scan"));
  g_clear_error (&err);
  gst_buffer_unref (buf);
  gst_iio_timestamps_clear (&t);
}

GST_END_TEST;

/* The meta: the timestamp, the duration, caps naming the clock; a negative
 * time (before the clock's epoch) is not attached. */
GST_START_TEST (test_attach)
{
  GstIioTimestamps t;
  GstBuffer *buf = gst_buffer_new ();
  GstCaps *any = gst_caps_new_empty_simple (GST_IIO_TIMESTAMP_REFERENCE);
  GstReferenceTimestampMeta *meta;

  track_init (&t, TRUE);
  gst_iio_timestamps_attach (&t, buf, -5, GST_MSECOND);
  fail_unless (gst_buffer_get_reference_timestamp_meta (buf, any) == NULL);
  gst_iio_timestamps_attach (&t, buf, 123456789, GST_MSECOND);
  meta = gst_buffer_get_reference_timestamp_meta (buf, any);
  fail_unless (meta != NULL);
  fail_unless_equals_uint64 (meta->timestamp, 123456789);
  fail_unless_equals_uint64 (meta->duration, GST_MSECOND);
  fail_unless_equals_string (
      gst_structure_get_string (
          gst_caps_get_structure (meta->reference, 0), "clock"),
      "monotonic");
  gst_caps_unref (any);
  gst_buffer_unref (buf);
  gst_iio_timestamps_clear (&t);
}

GST_END_TEST;

static Suite *
iiotimestamp_suite (void)
{
  Suite *s = suite_create ("iiotimestamp");
  TCase *tc = tcase_create ("timestamp");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_losses_exact);
  tcase_add_test (tc, test_jitter);
  tcase_add_test (tc, test_stale_block);
  tcase_add_test (tc, test_realtime_set_back);
  tcase_add_test (tc, test_read_system_memory);
  tcase_add_test (tc, test_attach);
  return s;
}

GST_CHECK_MAIN (iiotimestamp);
