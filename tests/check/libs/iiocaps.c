/* Host tests of gstiiocaps.c, on channels read from a fake sysfs tree.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gst/check/gstcheck.h>
#include <gst/audio/audio.h>
#include <math.h>

#include "gstiiocaps.h"
#include "fakesysfs.h"

static gchar *root;
static GstIioDevice *dev;
static GPtrArray *enabled;

static void
setup (void)
{
  root = fake_sysfs_new ();
}

static void
teardown (void)
{
  g_clear_pointer (&enabled, g_ptr_array_unref);
  g_clear_pointer (&dev, gst_iio_device_free);
  fake_sysfs_free (root);
  root = NULL;
}

/* Opens a device whose input buffer0 has channels voltage0.. of the given
 * types (NULL-terminated; "timestamp" adds the timestamp), selects @list
 * and returns the enabled channels. */
static GPtrArray *
scan_of (const gchar *list, const gchar *type, ...)
{
  GError *error = NULL;
  va_list args;
  guint i = 0;

  fake_sysfs_add_device (root, 0, "caps-dev", NULL);
  fake_sysfs_add_buffer (root, 0, 0, "in");
  va_start (args, type);
  for (; type != NULL; type = va_arg (args, const gchar *), i++) {
    gchar *id = g_strdup_printf ("voltage%u", i);

    if (g_str_equal (type, "timestamp"))
      fake_sysfs_add_channel (
          root, 0, "buffer0", "in", "timestamp", i, "le:s64/64>>0");
    else
      fake_sysfs_add_channel (root, 0, "buffer0", "in", id, i, type);
    g_free (id);
  }
  va_end (args);

  dev = gst_iio_device_open ("caps-dev", GST_IIO_DIRECTION_INPUT, 0, &error);
  fail_unless (dev != NULL, "%s", error ? error->message : "");
  fail_unless (gst_iio_device_select_channels (dev, list, &error), "%s",
      error ? error->message : "");
  enabled = gst_iio_device_get_enabled_channels (dev);
  return enabled;
}

static void
assert_caps (GstCaps *caps, GstCaps *expected)
{
  fail_unless (gst_caps_is_equal (caps, expected),
      "got %" GST_PTR_FORMAT ", expected %" GST_PTR_FORMAT, caps, expected);
  gst_caps_unref (expected);
}

static GstCaps *
generic_caps (gint rate, gint channels, gint scan_bytes, const gchar *layout)
{
  return gst_caps_new_simple (GST_IIO_CAPS_GENERIC, "rate", G_TYPE_INT, rate,
      "channels", G_TYPE_INT, channels, "scan-bytes", G_TYPE_INT, scan_bytes,
      "layout", G_TYPE_STRING, layout, NULL);
}

GST_START_TEST (test_audio_s16le_4ch)
{
  GPtrArray *channels = scan_of (NULL, "le:s16/16>>0", "le:s16/16>>0",
      "le:s16/16>>0", "le:s16/16>>0", "timestamp", NULL);
  GstCaps *caps = gst_iio_caps_from_channels (channels, 1000);
  GstAudioInfo info;

  assert_caps (caps,
      gst_caps_from_string ("audio/x-raw, format=S16LE, "
                            "layout=interleaved, rate=1000, channels=4, "
                            "channel-mask=(bitmask)0x0"));
  fail_unless (gst_audio_info_from_caps (&info, caps));
  fail_unless_equals_int (GST_AUDIO_INFO_BPF (&info), 8);
  fail_unless (GST_AUDIO_INFO_IS_UNPOSITIONED (&info));
  gst_caps_unref (caps);
}

GST_END_TEST;

GST_START_TEST (test_audio_2ch_without_mask)
{
  GPtrArray *channels = scan_of (NULL, "le:s16/16>>0", "le:s16/16>>0", NULL);
  GstCaps *caps = gst_iio_caps_from_channels (channels, 48000);

  /* equality fails on an extra field, so no channel-mask */
  assert_caps (caps,
      gst_caps_from_string ("audio/x-raw, format=S16LE, "
                            "layout=interleaved, rate=48000, channels=2"));
  gst_caps_unref (caps);
}

GST_END_TEST;

GST_START_TEST (test_audio_mono)
{
  GPtrArray *channels = scan_of (NULL, "be:u16/16>>0", NULL);
  GstCaps *caps = gst_iio_caps_from_channels (channels, 8000);

  assert_caps (caps,
      gst_caps_from_string ("audio/x-raw, format=U16BE, "
                            "layout=interleaved, rate=8000, channels=1"));
  gst_caps_unref (caps);
}

GST_END_TEST;

GST_START_TEST (test_audio_u8)
{
  GPtrArray *channels =
      scan_of (NULL, "le:u8/8>>0", "le:u8/8>>0", "le:u8/8>>0", NULL);
  GstCaps *caps = gst_iio_caps_from_channels (channels, 100);

  assert_caps (caps,
      gst_caps_from_string ("audio/x-raw, format=U8, "
                            "layout=interleaved, rate=100, channels=3, "
                            "channel-mask=(bitmask)0x0"));
  gst_caps_unref (caps);
}

GST_END_TEST;

GST_START_TEST (test_audio_s32be)
{
  GPtrArray *channels = scan_of (NULL, "be:s32/32>>0", "be:s32/32>>0", NULL);
  GstCaps *caps = gst_iio_caps_from_channels (channels, 96000);

  assert_caps (caps,
      gst_caps_from_string ("audio/x-raw, format=S32BE, "
                            "layout=interleaved, rate=96000, channels=2"));
  gst_caps_unref (caps);
}

GST_END_TEST;

GST_START_TEST (test_audio_every_format)
{
  static const struct
  {
    const gchar *type;
    const gchar *format;
  } table[] = {
    { "le:s8/8>>0", "S8" },
    { "be:u8/8>>0", "U8" },
    { "le:s16/16>>0", "S16LE" },
    { "be:s16/16>>0", "S16BE" },
    { "le:u16/16>>0", "U16LE" },
    { "be:u16/16>>0", "U16BE" },
    { "le:s32/32>>0", "S32LE" },
    { "be:s32/32>>0", "S32BE" },
    { "le:u32/32>>0", "U32LE" },
    { "be:u32/32>>0", "U32BE" },
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (table); i++) {
    GstIioChannel ch = { 0 };
    GPtrArray *channels = g_ptr_array_new ();
    GstCaps *caps;

    fail_unless (gst_iio_channel_parse_type (table[i].type, &ch));
    ch.id = (gchar *)"voltage0";
    ch.enabled = TRUE;
    g_ptr_array_add (channels, &ch);
    caps = gst_iio_caps_from_channels (channels, 10);
    fail_unless_equals_string (
        gst_structure_get_string (gst_caps_get_structure (caps, 0), "format"),
        table[i].format);
    gst_caps_unref (caps);
    g_ptr_array_unref (channels);
  }
}

GST_END_TEST;

GST_START_TEST (test_generic_12_in_16)
{
  GPtrArray *channels =
      scan_of (NULL, "le:s12/16>>4", "le:s12/16>>4", "le:s12/16>>4", NULL);
  GstCaps *caps = gst_iio_caps_from_channels (channels, 100);

  assert_caps (caps,
      generic_caps (100, 3, 6,
          "voltage0:0:le:s12/16>>4;"
          "voltage1:1:le:s12/16>>4;voltage2:2:le:s12/16>>4"));
  gst_caps_unref (caps);
}

GST_END_TEST;

GST_START_TEST (test_generic_with_timestamp)
{
  GPtrArray *channels = scan_of ("voltage0,voltage1,timestamp", "le:s16/16>>0",
      "le:s16/16>>0", "timestamp", NULL);
  GstCaps *caps = gst_iio_caps_from_channels (channels, 1000);

  assert_caps (caps,
      generic_caps (1000, 3, 16,
          "voltage0:0:le:s16/16>>0;"
          "voltage1:1:le:s16/16>>0;timestamp:2:le:s64/64>>0"));
  gst_caps_unref (caps);
}

GST_END_TEST;

GST_START_TEST (test_generic_gap_in_scan)
{
  /* 16 then 32 bits: 2 bytes of padding */
  GPtrArray *channels = scan_of (NULL, "le:s16/16>>0", "le:s32/32>>0", NULL);
  GstCaps *caps = gst_iio_caps_from_channels (channels, 10);

  assert_caps (caps,
      generic_caps (10, 2, 8,
          "voltage0:0:le:s16/16>>0;"
          "voltage1:1:le:s32/32>>0"));
  gst_caps_unref (caps);
}

GST_END_TEST;

GST_START_TEST (test_generic_64bit_storage)
{
  GPtrArray *channels = scan_of (NULL, "be:u64/64>>0", NULL);
  GstCaps *caps = gst_iio_caps_from_channels (channels, 10);

  assert_caps (caps, generic_caps (10, 1, 8, "voltage0:0:be:u64/64>>0"));
  gst_caps_unref (caps);
}

GST_END_TEST;

GST_START_TEST (test_generic_mixed_sign)
{
  GPtrArray *channels = scan_of (NULL, "le:s16/16>>0", "le:u16/16>>0", NULL);
  GstCaps *caps = gst_iio_caps_from_channels (channels, 10);

  assert_caps (caps,
      generic_caps (10, 2, 4,
          "voltage0:0:le:s16/16>>0;"
          "voltage1:1:le:u16/16>>0"));
  gst_caps_unref (caps);
}

GST_END_TEST;

GST_START_TEST (test_generic_repeat)
{
  GPtrArray *channels = scan_of (NULL, "le:s16/16X4>>0", NULL);
  GstCaps *caps = gst_iio_caps_from_channels (channels, 50);

  assert_caps (caps, generic_caps (50, 1, 8, "voltage0:0:le:s16/16X4>>0"));
  gst_caps_unref (caps);
}

GST_END_TEST;

GST_START_TEST (test_rate_any)
{
  GPtrArray *channels = scan_of (NULL, "le:s16/16>>0", "le:s12/16>>4", NULL);
  gdouble rates[] = { 0, -5, NAN };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (rates); i++) {
    GstCaps *caps = gst_iio_caps_from_channels (channels, rates[i]);
    const GValue *rate =
        gst_structure_get_value (gst_caps_get_structure (caps, 0), "rate");

    fail_unless (GST_VALUE_HOLDS_INT_RANGE (rate));
    fail_unless_equals_int (gst_value_get_int_range_min (rate), 1);
    fail_unless_equals_int (gst_value_get_int_range_max (rate), G_MAXINT);
    fail_if (gst_caps_is_fixed (caps));
    gst_caps_unref (caps);
  }
}

GST_END_TEST;

GST_START_TEST (test_rate_rounded)
{
  GPtrArray *channels = scan_of (NULL, "le:s16/16>>0", NULL);
  gdouble rates[] = { 999.6, 1000.4, 0.2, 1e12 };
  gint expected[] = { 1000, 1000, 1, G_MAXINT };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (rates); i++) {
    GstCaps *caps = gst_iio_caps_from_channels (channels, rates[i]);
    gint rate = 0;

    fail_unless (gst_structure_get_int (
        gst_caps_get_structure (caps, 0), "rate", &rate));
    fail_unless_equals_int (rate, expected[i]);
    gst_caps_unref (caps);
  }
}

GST_END_TEST;

GST_START_TEST (test_get_scan_audio)
{
  GPtrArray *channels = scan_of (NULL, "le:s16/16>>0", "le:s16/16>>0",
      "le:s16/16>>0", "le:s16/16>>0", NULL);
  GstCaps *caps = gst_iio_caps_from_channels (channels, 1000);
  guint scan_bytes = 0;
  gint rate = 0;

  fail_unless (gst_iio_caps_get_scan (caps, &scan_bytes, &rate));
  fail_unless_equals_int (scan_bytes, 8);
  fail_unless_equals_int (scan_bytes, gst_iio_device_get_scan_size (dev));
  fail_unless_equals_int (rate, 1000);
  gst_caps_unref (caps);

  caps = gst_caps_from_string ("audio/x-raw, format=S24LE, "
                               "layout=interleaved, rate=44100, channels=2");
  fail_unless (gst_iio_caps_get_scan (caps, &scan_bytes, NULL));
  fail_unless_equals_int (scan_bytes, 6);
  gst_caps_unref (caps);
}

GST_END_TEST;

GST_START_TEST (test_get_scan_generic)
{
  GPtrArray *channels = scan_of (
      "voltage0,timestamp", "le:s12/16>>4", "le:s12/16>>4", "timestamp", NULL);
  GstCaps *caps = gst_iio_caps_from_channels (channels, 250);
  guint scan_bytes = 0;
  gint rate = 0;

  fail_unless (gst_iio_caps_get_scan (caps, &scan_bytes, &rate));
  fail_unless_equals_int (scan_bytes, 16);
  fail_unless_equals_int (scan_bytes, gst_iio_device_get_scan_size (dev));
  fail_unless_equals_int (rate, 250);
  gst_caps_unref (caps);
}

GST_END_TEST;

GST_START_TEST (test_get_scan_refuses)
{
  static const gchar *refused[] = {
    "video/x-raw, format=RGB, width=2, height=2, framerate=1/1",
    "audio/x-raw, format=S16LE, layout=interleaved, rate=[1, 10], "
    "channels=2",
    "audio/x-raw, format=S16LE, layout=non-interleaved, rate=10, channels=2",
    "application/x-iio, rate=10, channels=1",
    "application/x-iio, rate=10, channels=1, scan-bytes=0",
    "application/x-iio, rate=0, channels=1, scan-bytes=2",
    "application/x-iio, rate=10, channels=1, scan-bytes=2; "
    "application/x-iio, rate=20, channels=1, scan-bytes=2",
  };
  guint i, scan_bytes = 77;
  gint rate = 77;

  for (i = 0; i < G_N_ELEMENTS (refused); i++) {
    GstCaps *caps = gst_caps_from_string (refused[i]);

    fail_unless (caps != NULL, "%s", refused[i]);
    fail_if (
        gst_iio_caps_get_scan (caps, &scan_bytes, &rate), "%s", refused[i]);
    gst_caps_unref (caps);
  }
  fail_unless_equals_int (scan_bytes, 77);
  fail_unless_equals_int (rate, 77);
}

GST_END_TEST;

GST_START_TEST (test_template_covers_both)
{
  GstCaps *templ = gst_iio_caps_template ();
  GPtrArray *channels = scan_of ("voltage0,voltage1,timestamp", "le:s16/16>>0",
      "le:s16/16>>0", "timestamp", NULL);
  GstCaps *generic = gst_iio_caps_from_channels (channels, 1000);
  GstCaps *audio =
      gst_caps_from_string ("audio/x-raw, format=F32LE, "
                            "layout=interleaved, rate=48000, channels=8, "
                            "channel-mask=(bitmask)0x0");
  GstCaps *planar =
      gst_caps_from_string ("audio/x-raw, format=S16LE, "
                            "layout=non-interleaved, rate=48000, channels=2");

  fail_unless_equals_int (gst_caps_get_size (templ), 2);
  fail_unless (gst_caps_is_subset (generic, templ));
  fail_unless (gst_caps_is_subset (audio, templ));
  fail_if (gst_caps_can_intersect (planar, templ));
  gst_caps_unref (planar);
  gst_caps_unref (audio);
  gst_caps_unref (generic);
  gst_caps_unref (templ);
}

GST_END_TEST;

static Suite *
iiocaps_suite (void)
{
  Suite *s = suite_create ("iiocaps");
  TCase *tc = tcase_create ("caps");

  suite_add_tcase (s, tc);
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_test (tc, test_audio_s16le_4ch);
  tcase_add_test (tc, test_audio_2ch_without_mask);
  tcase_add_test (tc, test_audio_mono);
  tcase_add_test (tc, test_audio_u8);
  tcase_add_test (tc, test_audio_s32be);
  tcase_add_test (tc, test_audio_every_format);
  tcase_add_test (tc, test_generic_12_in_16);
  tcase_add_test (tc, test_generic_with_timestamp);
  tcase_add_test (tc, test_generic_gap_in_scan);
  tcase_add_test (tc, test_generic_64bit_storage);
  tcase_add_test (tc, test_generic_mixed_sign);
  tcase_add_test (tc, test_generic_repeat);
  tcase_add_test (tc, test_rate_any);
  tcase_add_test (tc, test_rate_rounded);
  tcase_add_test (tc, test_get_scan_audio);
  tcase_add_test (tc, test_get_scan_generic);
  tcase_add_test (tc, test_get_scan_refuses);
  tcase_add_test (tc, test_template_covers_both);

  return s;
}

GST_CHECK_MAIN (iiocaps);
