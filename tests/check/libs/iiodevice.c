/* Host tests of gstiiodevice.c over a fake sysfs tree.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gst/check/gstcheck.h>
#include <string.h>

#include "gstiiodevice.h"
#include "fakesysfs.h"

static gchar *root;

static void
add_adc_channels (guint num, const gchar *dir, guint n, const gchar *type)
{
  guint i;

  for (i = 0; i < n; i++) {
    gchar *id = g_strdup_printf ("voltage%u", i);

    fake_sysfs_add_channel (root, num, dir, "in", id, i, type);
    g_free (id);
  }
  fake_sysfs_add_channel (root, num, dir, "in", "timestamp", n, "le:s64/64>>0");
}

static void
setup (void)
{
  root = fake_sysfs_new ();

  /* 0: a 6.12 ADC, 4 x s16 and a timestamp, rate on the device */
  fake_sysfs_add_device (root, 0, "sim-adc", NULL);
  fake_sysfs_put (root, "iio:device0/sampling_frequency", "1000");
  fake_sysfs_add_buffer (root, 0, 0, "in");
  add_adc_channels (0, "buffer0", 4, "le:s16/16>>0");

  /* 1: pre-5.11 layout (scan_elements/, buffer/, no direction): 12 bits
   * shifted by 4 in 16, rate per channel type */
  fake_sysfs_add_device (root, 1, "sim-accel12", NULL);
  fake_sysfs_put (root, "iio:device1/buffer/enable", "0");
  fake_sysfs_put (root, "iio:device1/buffer/length", "0");
  fake_sysfs_add_channel (
      root, 1, "scan_elements", "in", "accel_x", 0, "le:s12/16>>4");
  fake_sysfs_add_channel (
      root, 1, "scan_elements", "in", "accel_y", 1, "le:s12/16>>4");
  fake_sysfs_add_channel (
      root, 1, "scan_elements", "in", "timestamp", 2, "le:s64/64>>0");
  fake_sysfs_put (root, "iio:device1/in_accel_sampling_frequency", "100");

  /* 2: a DAC, rate on the buffer */
  fake_sysfs_add_device (root, 2, "sim-dac", NULL);
  fake_sysfs_add_buffer (root, 2, 0, "out");
  fake_sysfs_add_channel (
      root, 2, "buffer0", "out", "voltage0", 0, "le:u16/16>>0");
  fake_sysfs_add_channel (
      root, 2, "buffer0", "out", "voltage1", 1, "le:u16/16>>0");
  fake_sysfs_put (root, "iio:device2/buffer0/sampling_frequency", "2000");

  /* 3: labelled, ids with underscores, no rate anywhere */
  fake_sysfs_add_device (root, 3, "sim-mic", "front-mic");
  fake_sysfs_add_buffer (root, 3, 0, "in");
  fake_sysfs_add_channel (
      root, 3, "buffer0", "in", "voltage0_1", 0, "le:s32/32>>0");
  fake_sysfs_add_channel (
      root, 3, "buffer0", "in", "voltage2_3", 1, "le:s32/32>>0");

  /* 4: a pre-5.11 DAC: only out_ scan elements say it is one */
  fake_sysfs_add_device (root, 4, "sim-old-dac", NULL);
  fake_sysfs_put (root, "iio:device4/buffer/enable", "0");
  fake_sysfs_add_channel (
      root, 4, "scan_elements", "out", "voltage0", 0, "le:u16/16>>0");

  /* 5: no buffer at all */
  fake_sysfs_add_device (root, 5, "sim-temp", NULL);

  /* 10: sorts before 2 as text; buffer0 in, buffer1 out */
  fake_sysfs_add_device (root, 10, "sim-late", NULL);
  fake_sysfs_add_buffer (root, 10, 0, "in");
  fake_sysfs_add_channel (
      root, 10, "buffer0", "in", "voltage0", 0, "le:u8/8>>0");
  fake_sysfs_add_buffer (root, 10, 1, "out");
  fake_sysfs_add_channel (
      root, 10, "buffer1", "out", "voltage1", 0, "le:s16/16>>0");

  /* not a device */
  fake_sysfs_put (root, "trigger0/name", "sim-trig");
}

static void
teardown (void)
{
  fake_sysfs_free (root);
  root = NULL;
}

static GstIioDevice *
open_ok (const gchar *spec, GstIioDirection direction, guint idx)
{
  GError *error = NULL;
  GstIioDevice *dev = gst_iio_device_open (spec, direction, idx, &error);

  fail_unless (dev != NULL, "opening \"%s\": %s", spec,
      error ? error->message : "no error");
  return dev;
}

static GError *
open_fails (const gchar *spec, GstIioDirection direction, guint idx)
{
  GError *error = NULL;

  fail_unless (gst_iio_device_open (spec, direction, idx, &error) == NULL);
  fail_unless (error != NULL);
  fail_unless (error->domain == GST_RESOURCE_ERROR);
  return error;
}

#define assert_contains(text, part)                                            \
  fail_unless (                                                                \
      strstr ((text), (part)) != NULL, "\"%s\" lacks \"%s\"", (text), (part))

#define assert_lacks(text, part)                                               \
  fail_unless (                                                                \
      strstr ((text), (part)) == NULL, "\"%s\" has \"%s\"", (text), (part))

/* Compares exactly: what the code wrote has no newline, what the fixture
 * wrote ends in one. */
static void
assert_file (const gchar *rel, const gchar *expected)
{
  gchar *contents = fake_sysfs_get (root, rel);

  fail_unless (contents != NULL, "%s missing", rel);
  fail_unless_equals_string (contents, expected);
  g_free (contents);
}

static GstIioChannel *
channel (GstIioDevice *dev, guint i)
{
  GPtrArray *channels = gst_iio_device_get_channels (dev);

  fail_unless (i < channels->len);
  return g_ptr_array_index (channels, i);
}

static void
select_ok (GstIioDevice *dev, const gchar *list)
{
  GError *error = NULL;

  fail_unless (gst_iio_device_select_channels (dev, list, &error),
      "selecting \"%s\": %s", list, error ? error->message : "no error");
}

static GError *
select_fails (GstIioDevice *dev, const gchar *list)
{
  GError *error = NULL;

  fail_if (gst_iio_device_select_channels (dev, list, &error));
  fail_unless (error != NULL);
  fail_unless (
      g_error_matches (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS),
      "%s", error->message);
  return error;
}

/* type parsing */

GST_START_TEST (test_parse_type_le_signed)
{
  GstIioChannel ch = { 0 };

  fail_unless (gst_iio_channel_parse_type ("le:s16/16>>0", &ch));
  fail_if (ch.big_endian);
  fail_unless (ch.is_signed);
  fail_unless_equals_int (ch.realbits, 16);
  fail_unless_equals_int (ch.storagebits, 16);
  fail_unless_equals_int (ch.shift, 0);
  fail_unless_equals_int (ch.repeat, 1);
}

GST_END_TEST;

GST_START_TEST (test_parse_type_be_unsigned_shift)
{
  GstIioChannel ch = { 0 };

  fail_unless (gst_iio_channel_parse_type ("be:u12/16>>4", &ch));
  fail_unless (ch.big_endian);
  fail_if (ch.is_signed);
  fail_unless_equals_int (ch.realbits, 12);
  fail_unless_equals_int (ch.storagebits, 16);
  fail_unless_equals_int (ch.shift, 4);
  fail_unless_equals_int (ch.repeat, 1);
}

GST_END_TEST;

GST_START_TEST (test_parse_type_repeat)
{
  GstIioChannel ch = { 0 };

  fail_unless (gst_iio_channel_parse_type ("le:s24/32X4>>8", &ch));
  fail_unless_equals_int (ch.realbits, 24);
  fail_unless_equals_int (ch.storagebits, 32);
  fail_unless_equals_int (ch.repeat, 4);
  fail_unless_equals_int (ch.shift, 8);
  fail_unless (gst_iio_channel_parse_type ("le:u64/64X64>>0", &ch));
  fail_unless_equals_int (ch.repeat, 64);
  fail_unless_equals_int (ch.storagebits, 64);
}

GST_END_TEST;

GST_START_TEST (test_parse_type_malformed)
{
  static const gchar *bad[] = {
    "",
    "le:",
    "le:s",
    "le:s16",
    "le:s16/",
    "le:s16/16",
    "le:s16/16>",
    "le:s16/16>>",
    "xx:s16/16>>0",
    "LE:s16/16>>0",
    "le:x16/16>>0",
    "le:s16/16>>0 ",
    " le:s16/16>>0",
    "le:s16/16>>0\n",
    "le:s-1/16>>0",
    "le:s16/16X>>0",
    "le:s16/16x2>>0",
    "le:s16/16>>0junk",
    "le:s16,16>>0",
  };
  GstIioChannel none = { 0 };
  guint i;

  fail_if (gst_iio_channel_parse_type (NULL, &none));
  for (i = 0; i < G_N_ELEMENTS (bad); i++) {
    GstIioChannel ch = { 0 };

    ch.storagebits = 99;
    fail_if (gst_iio_channel_parse_type (bad[i], &ch), "\"%s\" parsed", bad[i]);
    /* a refused type leaves the channel as it was */
    fail_unless_equals_int (ch.storagebits, 99);
  }
}

GST_END_TEST;

GST_START_TEST (test_parse_type_out_of_range)
{
  static const gchar *bad[] = {
    "le:s17/16>>0", /* realbits > storagebits */
    "le:s0/16>>0",  /* no bits */
    "le:s16/12>>0", /* storage not a multiple of 8 */
    "le:s4/4>>0",   /* storage below 8 */
    "le:s16/72>>0", /* storage above 64 */
    "le:s16/16>>1", /* shift + realbits > storagebits */
    "le:s12/16>>5",
    "le:s16/16X0>>0",  /* repeat 0 */
    "le:s16/16X65>>0", /* repeat above 64 */
    "le:s99999999999999999999/16>>0",
    "le:s16/18446744073709551632>>0",
    "le:s16/16>>4294967296",
    "le:s16/16X4294967297>>0",
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (bad); i++) {
    GstIioChannel ch = { 0 };

    fail_if (gst_iio_channel_parse_type (bad[i], &ch), "\"%s\" parsed", bad[i]);
  }
}

GST_END_TEST;

/* finding a device */

GST_START_TEST (test_open_by_name)
{
  GstIioDevice *dev = open_ok ("sim-adc", GST_IIO_DIRECTION_INPUT, 0);
  gchar *devnode = g_build_filename (root, "dev", "iio:device0", NULL);
  GPtrArray *channels = gst_iio_device_get_channels (dev);
  static const gchar *ids[] = { "voltage0", "voltage1", "voltage2", "voltage3",
    "timestamp" };
  guint i;

  fail_unless_equals_string (gst_iio_device_get_id (dev), "iio:device0");
  fail_unless_equals_string (gst_iio_device_get_name (dev), "sim-adc");
  fail_unless (gst_iio_device_get_label (dev) == NULL);
  fail_unless_equals_string (gst_iio_device_get_devnode (dev), devnode);
  fail_unless_equals_int (
      gst_iio_device_get_direction (dev), GST_IIO_DIRECTION_INPUT);
  fail_unless_equals_int (gst_iio_device_get_buffer_index (dev), 0);
  fail_unless_equals_int (channels->len, 5);
  for (i = 0; i < channels->len; i++) {
    GstIioChannel *ch = g_ptr_array_index (channels, i);

    fail_unless_equals_string (ch->id, ids[i]);
    fail_unless_equals_int (ch->index, i);
    fail_unless_equals_int (ch->is_timestamp, i == 4);
    fail_unless_equals_string (
        ch->type, i == 4 ? "le:s64/64>>0" : "le:s16/16>>0");
    fail_unless_equals_int (ch->storagebits, i == 4 ? 64 : 16);
    fail_if (ch->enabled);
  }
  g_free (devnode);
  gst_iio_device_free (dev);
}

GST_END_TEST;

GST_START_TEST (test_open_by_label)
{
  GstIioDevice *dev = open_ok ("front-mic", GST_IIO_DIRECTION_INPUT, 0);

  fail_unless_equals_string (gst_iio_device_get_id (dev), "iio:device3");
  fail_unless_equals_string (gst_iio_device_get_name (dev), "sim-mic");
  fail_unless_equals_string (gst_iio_device_get_label (dev), "front-mic");
  gst_iio_device_free (dev);
}

GST_END_TEST;

GST_START_TEST (test_open_by_id)
{
  GstIioDevice *dev = open_ok ("iio:device10", GST_IIO_DIRECTION_OUTPUT, 1);

  fail_unless_equals_string (gst_iio_device_get_id (dev), "iio:device10");
  fail_unless_equals_string (gst_iio_device_get_name (dev), "sim-late");
  fail_unless_equals_int (gst_iio_device_get_buffer_index (dev), 1);
  fail_unless_equals_int (gst_iio_device_get_channels (dev)->len, 1);
  fail_unless_equals_string (channel (dev, 0)->id, "voltage1");
  gst_iio_device_free (dev);
}

GST_END_TEST;

GST_START_TEST (test_open_default_input)
{
  GstIioDevice *dev = open_ok (NULL, GST_IIO_DIRECTION_INPUT, 0);

  fail_unless_equals_string (gst_iio_device_get_id (dev), "iio:device0");
  gst_iio_device_free (dev);
  dev = open_ok ("", GST_IIO_DIRECTION_INPUT, 0);
  fail_unless_equals_string (gst_iio_device_get_id (dev), "iio:device0");
  gst_iio_device_free (dev);
}

GST_END_TEST;

GST_START_TEST (test_open_default_output)
{
  GstIioDevice *dev = open_ok (NULL, GST_IIO_DIRECTION_OUTPUT, 0);

  /* iio:device2, not iio:device10 that sorts before it as text */
  fail_unless_equals_string (gst_iio_device_get_id (dev), "iio:device2");
  fail_unless_equals_int (
      gst_iio_device_get_direction (dev), GST_IIO_DIRECTION_OUTPUT);
  gst_iio_device_free (dev);
  dev = open_ok (NULL, GST_IIO_DIRECTION_OUTPUT, 1);
  fail_unless_equals_string (gst_iio_device_get_id (dev), "iio:device10");
  gst_iio_device_free (dev);
}

GST_END_TEST;

GST_START_TEST (test_open_legacy_scan_elements)
{
  GstIioDevice *dev = open_ok ("sim-accel12", GST_IIO_DIRECTION_INPUT, 0);

  fail_unless_equals_int (gst_iio_device_get_channels (dev)->len, 3);
  fail_unless_equals_string (channel (dev, 0)->id, "accel_x");
  fail_unless_equals_string (channel (dev, 1)->id, "accel_y");
  fail_unless_equals_string (channel (dev, 2)->id, "timestamp");
  fail_unless_equals_int (channel (dev, 0)->realbits, 12);
  fail_unless_equals_int (channel (dev, 0)->shift, 4);
  gst_iio_device_free (dev);
}

GST_END_TEST;

GST_START_TEST (test_open_legacy_output)
{
  GstIioDevice *dev = open_ok ("sim-old-dac", GST_IIO_DIRECTION_OUTPUT, 0);
  GError *error;

  fail_unless_equals_string (channel (dev, 0)->id, "voltage0");
  gst_iio_device_free (dev);
  error = open_fails ("sim-old-dac", GST_IIO_DIRECTION_INPUT, 0);
  assert_contains (error->message, "output buffer, not an input one");
  g_error_free (error);
}

GST_END_TEST;

GST_START_TEST (test_open_ids_with_underscores)
{
  GstIioDevice *dev = open_ok ("sim-mic", GST_IIO_DIRECTION_INPUT, 0);

  fail_unless_equals_int (gst_iio_device_get_channels (dev)->len, 2);
  fail_unless_equals_string (channel (dev, 0)->id, "voltage0_1");
  fail_unless_equals_string (channel (dev, 1)->id, "voltage2_3");
  gst_iio_device_free (dev);
}

GST_END_TEST;

GST_START_TEST (test_open_reads_enabled_state)
{
  GstIioDevice *dev;

  fake_sysfs_put (root, "iio:device0/buffer0/in_voltage1_en", "1");
  fake_sysfs_put (root, "iio:device0/buffer0/in_timestamp_en", "1");
  dev = open_ok ("sim-adc", GST_IIO_DIRECTION_INPUT, 0);
  fail_if (channel (dev, 0)->enabled);
  fail_unless (channel (dev, 1)->enabled);
  fail_unless (channel (dev, 4)->enabled);
  fail_unless_equals_int (channel (dev, 4)->offset, 8);
  fail_unless_equals_int (gst_iio_device_get_scan_size (dev), 16);
  gst_iio_device_free (dev);
}

GST_END_TEST;

GST_START_TEST (test_open_not_found_lists_available)
{
  GError *error = open_fails ("foo", GST_IIO_DIRECTION_INPUT, 0);

  fail_unless (g_error_matches (
      error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NOT_FOUND));
  assert_contains (error->message, "\"foo\" not found");
  assert_contains (error->message,
      "available (input buffer0): sim-adc "
      "(iio:device0), sim-accel12 (iio:device1), sim-mic (iio:device3, "
      "label front-mic), sim-late (iio:device10)");
  assert_lacks (error->message, "sim-dac");
  assert_lacks (error->message, "sim-temp");
  assert_lacks (error->message, "sim-trig");
  g_error_free (error);
}

GST_END_TEST;

GST_START_TEST (test_open_wrong_direction)
{
  GError *error = open_fails ("sim-dac", GST_IIO_DIRECTION_INPUT, 0);

  fail_unless (g_error_matches (
      error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NOT_FOUND));
  assert_contains (error->message,
      "\"sim-dac\" (iio:device2): buffer0 is "
      "an output buffer, not an input one");
  assert_contains (error->message, "sim-adc (iio:device0)");
  g_error_free (error);
}

GST_END_TEST;

GST_START_TEST (test_open_no_such_buffer)
{
  GError *error = open_fails ("sim-adc", GST_IIO_DIRECTION_INPUT, 1);

  fail_unless (g_error_matches (
      error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NOT_FOUND));
  assert_contains (error->message,
      "\"sim-adc\" (iio:device0) has no "
      "buffer1");
  /* no device has an input buffer1: all are listed */
  assert_contains (error->message,
      "none of the devices present has an "
      "input buffer1");
  assert_contains (error->message, "sim-temp (iio:device5)");
  g_error_free (error);
}

GST_END_TEST;

GST_START_TEST (test_open_no_devices)
{
  gchar *missing = g_build_filename (root, "nowhere", NULL);
  GError *error;

  g_setenv ("GST_IIO_SYSFS_ROOT", missing, TRUE);
  error = open_fails (NULL, GST_IIO_DIRECTION_INPUT, 0);
  fail_unless (g_error_matches (
      error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NOT_FOUND));
  assert_contains (error->message, missing);
  assert_contains (error->message, "does not exist");
  g_error_free (error);
  g_free (missing);
}

GST_END_TEST;

GST_START_TEST (test_open_root_unreadable)
{
  gchar *file = g_build_filename (root, "sys", "trigger0", "name", NULL);
  GError *error;

  /* a file where the directory should be: refused even to root */
  g_setenv ("GST_IIO_SYSFS_ROOT", file, TRUE);
  error = open_fails ("sim-adc", GST_IIO_DIRECTION_INPUT, 0);
  fail_unless (
      g_error_matches (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_READ),
      "%s", error->message);
  assert_contains (error->message, file);
  g_error_free (error);
  g_free (file);
}

GST_END_TEST;

GST_START_TEST (test_roots_default_and_move)
{
  g_unsetenv ("GST_IIO_SYSFS_ROOT");
  g_unsetenv ("GST_IIO_DEV_ROOT");
  fail_unless_equals_string (gst_iio_sysfs_root (), "/sys/bus/iio/devices");
  fail_unless_equals_string (gst_iio_dev_root (), "/dev");
  g_setenv ("GST_IIO_SYSFS_ROOT", "/tmp/a", TRUE);
  g_setenv ("GST_IIO_DEV_ROOT", "/tmp/b", TRUE);
  fail_unless_equals_string (gst_iio_sysfs_root (), "/tmp/a");
  fail_unless_equals_string (gst_iio_dev_root (), "/tmp/b");
  g_unsetenv ("GST_IIO_SYSFS_ROOT");
  g_unsetenv ("GST_IIO_DEV_ROOT");
}

GST_END_TEST;

GST_START_TEST (test_open_bad_type)
{
  GError *error;

  fake_sysfs_put (root, "iio:device0/buffer0/in_voltage2_type", "le:f32/32>>0");
  error = open_fails ("sim-adc", GST_IIO_DIRECTION_INPUT, 0);
  fail_unless (g_error_matches (
      error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_READ));
  assert_contains (error->message, "in_voltage2_type");
  assert_contains (error->message, "le:f32/32>>0");
  g_error_free (error);
}

GST_END_TEST;

/* selecting channels */

GST_START_TEST (test_select_default)
{
  GstIioDevice *dev = open_ok ("sim-adc", GST_IIO_DIRECTION_INPUT, 0);
  GPtrArray *enabled;
  guint i;

  fake_sysfs_put (root, "iio:device0/buffer0/in_timestamp_en", "1");
  select_ok (dev, NULL);
  enabled = gst_iio_device_get_enabled_channels (dev);
  fail_unless_equals_int (enabled->len, 4);
  for (i = 0; i < 4; i++) {
    GstIioChannel *ch = g_ptr_array_index (enabled, i);
    gchar *rel = g_strdup_printf ("iio:device0/buffer0/in_voltage%u_en", i);

    fail_unless (ch == channel (dev, i));
    fail_unless_equals_int (ch->offset, 2 * i);
    assert_file (rel, "1");
    g_free (rel);
  }
  fail_if (channel (dev, 4)->enabled);
  assert_file ("iio:device0/buffer0/in_timestamp_en", "0");
  fail_unless_equals_int (gst_iio_device_get_scan_size (dev), 8);
  g_ptr_array_unref (enabled);
  select_ok (dev, "");
  fail_unless_equals_int (gst_iio_device_get_scan_size (dev), 8);
  gst_iio_device_free (dev);
}

GST_END_TEST;

GST_START_TEST (test_select_list)
{
  GstIioDevice *dev = open_ok ("sim-adc", GST_IIO_DIRECTION_INPUT, 0);
  GPtrArray *enabled;

  /* given out of order, with spaces: enabled in scan order */
  select_ok (dev, " voltage2 , voltage0");
  enabled = gst_iio_device_get_enabled_channels (dev);
  fail_unless_equals_int (enabled->len, 2);
  fail_unless_equals_string (
      ((GstIioChannel *)enabled->pdata[0])->id, "voltage0");
  fail_unless_equals_string (
      ((GstIioChannel *)enabled->pdata[1])->id, "voltage2");
  fail_unless_equals_int (((GstIioChannel *)enabled->pdata[1])->offset, 2);
  fail_unless_equals_int (gst_iio_device_get_scan_size (dev), 4);
  assert_file ("iio:device0/buffer0/in_voltage0_en", "1");
  assert_file ("iio:device0/buffer0/in_voltage1_en", "0");
  assert_file ("iio:device0/buffer0/in_voltage2_en", "1");
  assert_file ("iio:device0/buffer0/in_voltage3_en", "0");
  assert_file ("iio:device0/buffer0/in_timestamp_en", "0");
  g_ptr_array_unref (enabled);
  gst_iio_device_free (dev);
}

GST_END_TEST;

GST_START_TEST (test_select_disables_others)
{
  GstIioDevice *dev;
  guint i;

  for (i = 0; i < 4; i++) {
    gchar *rel = g_strdup_printf ("iio:device0/buffer0/in_voltage%u_en", i);

    fake_sysfs_put (root, rel, "1");
    g_free (rel);
  }
  dev = open_ok ("sim-adc", GST_IIO_DIRECTION_INPUT, 0);
  fail_unless_equals_int (gst_iio_device_get_scan_size (dev), 8);
  select_ok (dev, "voltage3");
  assert_file ("iio:device0/buffer0/in_voltage0_en", "0");
  assert_file ("iio:device0/buffer0/in_voltage1_en", "0");
  assert_file ("iio:device0/buffer0/in_voltage2_en", "0");
  assert_file ("iio:device0/buffer0/in_voltage3_en", "1");
  fail_unless_equals_int (channel (dev, 3)->offset, 0);
  fail_unless_equals_int (gst_iio_device_get_scan_size (dev), 2);
  gst_iio_device_free (dev);
}

GST_END_TEST;

GST_START_TEST (test_select_output_legacy)
{
  GstIioDevice *dev = open_ok ("sim-old-dac", GST_IIO_DIRECTION_OUTPUT, 0);

  select_ok (dev, NULL);
  assert_file ("iio:device4/scan_elements/out_voltage0_en", "1");
  fail_unless_equals_int (gst_iio_device_get_scan_size (dev), 2);
  gst_iio_device_free (dev);
}

GST_END_TEST;

GST_START_TEST (test_select_unknown)
{
  GstIioDevice *dev = open_ok ("sim-adc", GST_IIO_DIRECTION_INPUT, 0);
  GError *error = select_fails (dev, "voltage0,voltage9");

  assert_contains (error->message, "no channel \"voltage9\"");
  assert_contains (error->message,
      "available: voltage0, voltage1, "
      "voltage2, voltage3, timestamp");
  /* nothing written before the whole list was checked */
  assert_file ("iio:device0/buffer0/in_voltage0_en", "0\n");
  g_error_free (error);
  gst_iio_device_free (dev);
}

GST_END_TEST;

GST_START_TEST (test_select_duplicate)
{
  GstIioDevice *dev = open_ok ("sim-adc", GST_IIO_DIRECTION_INPUT, 0);
  GError *error = select_fails (dev, "voltage1, voltage0,voltage1");

  assert_contains (error->message, "\"voltage1\" is listed twice");
  assert_file ("iio:device0/buffer0/in_voltage1_en", "0\n");
  g_error_free (error);
  gst_iio_device_free (dev);
}

GST_END_TEST;

GST_START_TEST (test_select_empty_after_trim)
{
  GstIioDevice *dev = open_ok ("sim-adc", GST_IIO_DIRECTION_INPUT, 0);
  GError *error = select_fails (dev, " , ,");

  assert_contains (error->message, "No channel named");
  assert_contains (error->message, "channels=\" , ,\"");
  assert_contains (error->message, "voltage0, voltage1");
  g_error_free (error);
  error = select_fails (dev, "   ");
  g_error_free (error);
  gst_iio_device_free (dev);
}

GST_END_TEST;

GST_START_TEST (test_select_write_refused)
{
  GstIioDevice *dev;
  GError *error;

  fake_sysfs_put (root, "iio:device0/buffer0/in_voltage3_en", "1");
  dev = open_ok ("sim-adc", GST_IIO_DIRECTION_INPUT, 0);
  /* a directory cannot be written, even by root */
  fake_sysfs_remove (root, "iio:device0/buffer0/in_voltage1_en");
  fake_sysfs_put (root, "iio:device0/buffer0/in_voltage1_en/x", "0");
  error = select_fails (dev, "voltage0,voltage1");
  assert_contains (error->message, "buffer0/in_voltage1_en");
  assert_contains (error->message, "\"1\"");
  assert_contains (error->message, g_strerror (EISDIR));
  fail_if (channel (dev, 1)->enabled);
  /* disabling comes first, so voltage3 is off already */
  assert_file ("iio:device0/buffer0/in_voltage3_en", "0");
  fail_if (channel (dev, 3)->enabled);
  fail_unless (channel (dev, 0)->enabled);
  fail_unless_equals_int (gst_iio_device_get_scan_size (dev), 2);
  g_error_free (error);
  gst_iio_device_free (dev);
}

GST_END_TEST;

GST_START_TEST (test_select_only_timestamp)
{
  GstIioDevice *dev;
  GError *error;

  fake_sysfs_add_device (root, 6, "sim-clock", NULL);
  fake_sysfs_add_buffer (root, 6, 0, "in");
  fake_sysfs_add_channel (
      root, 6, "buffer0", "in", "timestamp", 0, "le:s64/64>>0");
  dev = open_ok ("sim-clock", GST_IIO_DIRECTION_INPUT, 0);
  error = select_fails (dev, NULL);
  assert_contains (error->message, "no channel but a timestamp");
  g_error_free (error);
  select_ok (dev, "timestamp");
  fail_unless_equals_int (gst_iio_device_get_scan_size (dev), 8);
  gst_iio_device_free (dev);
}

GST_END_TEST;

/* scan layout */

GST_START_TEST (test_scan_16bit_and_timestamp)
{
  GstIioDevice *dev = open_ok ("sim-adc", GST_IIO_DIRECTION_INPUT, 0);

  select_ok (dev, "voltage0,timestamp");
  fail_unless_equals_int (channel (dev, 0)->offset, 0);
  fail_unless_equals_int (channel (dev, 4)->offset, 8);
  fail_unless_equals_int (gst_iio_device_get_scan_size (dev), 16);
  gst_iio_device_free (dev);
}

GST_END_TEST;

GST_START_TEST (test_scan_three_16bit_and_timestamp)
{
  GstIioDevice *dev = open_ok ("sim-adc", GST_IIO_DIRECTION_INPUT, 0);

  select_ok (dev, "voltage1,voltage2,voltage3,timestamp");
  fail_unless_equals_int (channel (dev, 1)->offset, 0);
  fail_unless_equals_int (channel (dev, 2)->offset, 2);
  fail_unless_equals_int (channel (dev, 3)->offset, 4);
  fail_unless_equals_int (channel (dev, 4)->offset, 8);
  fail_unless_equals_int (gst_iio_device_get_scan_size (dev), 16);
  select_ok (dev, NULL);
  fail_unless_equals_int (channel (dev, 4)->offset, 0);
  fail_unless_equals_int (gst_iio_device_get_scan_size (dev), 8);
  gst_iio_device_free (dev);
}

GST_END_TEST;

GST_START_TEST (test_scan_mixed_sizes)
{
  GstIioDevice *dev;

  /* 8, 32, 16, 8 bits: 0, 4, 8, 10 and 12 bytes in all */
  fake_sysfs_add_device (root, 7, "sim-mixed", NULL);
  fake_sysfs_add_buffer (root, 7, 0, "in");
  fake_sysfs_add_channel (root, 7, "buffer0", "in", "a", 0, "le:u8/8>>0");
  fake_sysfs_add_channel (root, 7, "buffer0", "in", "b", 1, "le:s32/32>>0");
  fake_sysfs_add_channel (root, 7, "buffer0", "in", "c", 2, "be:s16/16>>0");
  fake_sysfs_add_channel (root, 7, "buffer0", "in", "d", 3, "le:u8/8>>0");
  fake_sysfs_add_channel (root, 7, "buffer0", "in", "q", 4, "le:s16/16X4>>0");
  dev = open_ok ("sim-mixed", GST_IIO_DIRECTION_INPUT, 0);
  select_ok (dev, "a,b,c,d");
  fail_unless_equals_int (channel (dev, 0)->offset, 0);
  fail_unless_equals_int (channel (dev, 1)->offset, 4);
  fail_unless_equals_int (channel (dev, 2)->offset, 8);
  fail_unless_equals_int (channel (dev, 3)->offset, 10);
  fail_unless_equals_int (gst_iio_device_get_scan_size (dev), 12);
  /* a repeated element counts as storage x repeat: 8 bytes */
  select_ok (dev, "a,q");
  fail_unless_equals_int (channel (dev, 4)->offset, 8);
  fail_unless_equals_int (gst_iio_device_get_scan_size (dev), 16);
  gst_iio_device_free (dev);
}

GST_END_TEST;

/* attributes */

GST_START_TEST (test_attr_read)
{
  GstIioDevice *dev = open_ok ("sim-adc", GST_IIO_DIRECTION_INPUT, 0);
  GError *error = NULL;
  gchar *value;

  value = gst_iio_device_read_attr (dev, "sampling_frequency", &error);
  fail_unless_equals_string (value, "1000");
  g_free (value);
  value = gst_iio_device_read_attr (dev, "buffer0/direction", &error);
  fail_unless_equals_string (value, "in");
  g_free (value);
  fail_unless (error == NULL);
  gst_iio_device_free (dev);
}

GST_END_TEST;

GST_START_TEST (test_attr_read_missing)
{
  GstIioDevice *dev = open_ok ("sim-adc", GST_IIO_DIRECTION_INPUT, 0);
  GError *error = NULL;

  fail_unless (
      gst_iio_device_read_attr (dev, "in_voltage0_scale", &error) == NULL);
  fail_unless (g_error_matches (
      error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NOT_FOUND));
  assert_contains (error->message, "in_voltage0_scale");
  assert_contains (error->message, "sim-adc");
  g_error_free (error);
  gst_iio_device_free (dev);
}

GST_END_TEST;

GST_START_TEST (test_attr_write)
{
  GstIioDevice *dev = open_ok ("sim-adc", GST_IIO_DIRECTION_INPUT, 0);
  GError *error = NULL;
  gchar *value;

  fail_unless (
      gst_iio_device_write_attr (dev, "sampling_frequency", "500", &error));
  /* the old, longer value does not show through */
  assert_file ("iio:device0/sampling_frequency", "500");
  value = gst_iio_device_read_attr (dev, "sampling_frequency", &error);
  fail_unless_equals_string (value, "500");
  g_free (value);
  gst_iio_device_free (dev);
}

GST_END_TEST;

GST_START_TEST (test_attr_write_refused)
{
  GstIioDevice *dev = open_ok ("sim-adc", GST_IIO_DIRECTION_INPUT, 0);
  GError *error = NULL;

  fail_if (gst_iio_device_write_attr (dev, "nodir/calibscale", "7", &error));
  fail_unless (
      g_error_matches (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS));
  assert_contains (error->message, "nodir/calibscale");
  assert_contains (error->message, "\"7\"");
  assert_contains (error->message, g_strerror (ENOENT));
  g_clear_error (&error);
  fail_if (gst_iio_device_write_attr (dev, "buffer0", "1", &error));
  assert_contains (error->message, "attribute buffer0 of IIO device sim-adc");
  assert_contains (error->message, g_strerror (EISDIR));
  g_clear_error (&error);
  /* no attribute is created */
  fail_if (gst_iio_device_write_attr (dev, "calibscale", "7", &error));
  fail_unless (fake_sysfs_get (root, "iio:device0/calibscale") == NULL);
  g_clear_error (&error);
  gst_iio_device_free (dev);
}

GST_END_TEST;

GST_START_TEST (test_attrs_write_in_order)
{
  GstIioDevice *dev = open_ok ("sim-adc", GST_IIO_DIRECTION_INPUT, 0);
  GstStructure *attrs;
  GError *error = NULL;

  fake_sysfs_put (root, "iio:device0/in_voltage_scale", "1");
  fake_sysfs_put (root, "iio:device0/powerdown", "1");
  fake_sysfs_put (root, "iio:device0/mode", "x");
  attrs = gst_structure_new ("attrs", "sampling_frequency", G_TYPE_DOUBLE,
      2500.5, "in_voltage_scale", G_TYPE_INT, 3, "powerdown", G_TYPE_BOOLEAN,
      FALSE, "mode", G_TYPE_STRING, "fast", NULL);
  fail_unless (gst_iio_device_write_attrs (dev, attrs, &error), "%s",
      error ? error->message : "");
  assert_file ("iio:device0/sampling_frequency", "2500.5");
  assert_file ("iio:device0/in_voltage_scale", "3");
  assert_file ("iio:device0/powerdown", "0");
  assert_file ("iio:device0/mode", "fast");
  gst_structure_free (attrs);
  gst_iio_device_free (dev);
}

GST_END_TEST;

GST_START_TEST (test_attrs_stop_at_first_refusal)
{
  GstIioDevice *dev = open_ok ("sim-adc", GST_IIO_DIRECTION_INPUT, 0);
  GstStructure *attrs;
  GError *error = NULL;

  fake_sysfs_put (root, "iio:device0/mode", "x");
  attrs = gst_structure_new ("attrs", "sampling_frequency", G_TYPE_INT, 10,
      "missing", G_TYPE_INT, 1, "mode", G_TYPE_STRING, "fast", NULL);
  fail_if (gst_iio_device_write_attrs (dev, attrs, &error));
  assert_contains (error->message, "attribute missing");
  assert_file ("iio:device0/sampling_frequency", "10");
  assert_file ("iio:device0/mode", "x\n");
  g_error_free (error);
  gst_structure_free (attrs);
  gst_iio_device_free (dev);
}

GST_END_TEST;

GST_START_TEST (test_attr_names_stay_in_device_dir)
{
  GstIioDevice *dev = open_ok ("sim-adc", GST_IIO_DIRECTION_INPUT, 0);
  const gchar *bad[] = { "../iio:device1/name", "/etc/hostname",
    "buffer0/../../outside", "./name", "", "buffer0//enable", NULL };

  fake_sysfs_put (root, "outside", "keep");
  fake_sysfs_put (root, "iio:device1/name", "other");
  for (guint i = 0; bad[i]; i++) {
    GError *error = NULL;
    GstStructure *attrs = gst_structure_new_empty ("attrs");

    fail_if (gst_iio_device_write_attr (dev, bad[i], "pwned", &error),
        "wrote \"%s\"", bad[i]);
    assert_contains (error->message, "no attribute");
    g_clear_error (&error);
    gst_structure_set (
        attrs, bad[i][0] ? bad[i] : "x", G_TYPE_STRING, "p", NULL);
    if (bad[i][0]) {
      fail_if (gst_iio_device_write_attrs (dev, attrs, &error));
      g_clear_error (&error);
    }
    gst_structure_free (attrs);
  }
  assert_file ("outside", "keep\n");
  assert_file ("iio:device1/name", "other\n");
  gst_iio_device_free (dev);
}

GST_END_TEST;

/* sampling frequency */

GST_START_TEST (test_rate_from_device)
{
  GstIioDevice *dev = open_ok ("sim-adc", GST_IIO_DIRECTION_INPUT, 0);

  /* the device's attribute wins over the buffer's and the channel's */
  fake_sysfs_put (root, "iio:device0/buffer0/sampling_frequency", "3000");
  fake_sysfs_put (root, "iio:device0/in_voltage_sampling_frequency", "4000");
  select_ok (dev, NULL);
  fail_unless_equals_float (
      gst_iio_device_get_sampling_frequency (dev), 1000.0);
  gst_iio_device_free (dev);
}

GST_END_TEST;

GST_START_TEST (test_rate_from_buffer)
{
  GstIioDevice *dev = open_ok ("sim-dac", GST_IIO_DIRECTION_OUTPUT, 0);

  fake_sysfs_put (root, "iio:device2/out_voltage_sampling_frequency", "4000");
  select_ok (dev, NULL);
  fail_unless_equals_float (
      gst_iio_device_get_sampling_frequency (dev), 2000.0);
  gst_iio_device_free (dev);
}

GST_END_TEST;

GST_START_TEST (test_rate_from_channel_type)
{
  GstIioDevice *dev = open_ok ("sim-accel12", GST_IIO_DIRECTION_INPUT, 0);

  /* no channel enabled yet: no channel to ask */
  fail_unless_equals_float (gst_iio_device_get_sampling_frequency (dev), 0);
  select_ok (dev, NULL);
  fail_unless_equals_float (gst_iio_device_get_sampling_frequency (dev), 100.0);
  gst_iio_device_free (dev);
}

GST_END_TEST;

GST_START_TEST (test_rate_from_channel)
{
  GstIioDevice *dev = open_ok ("sim-mic", GST_IIO_DIRECTION_INPUT, 0);

  fake_sysfs_put (root, "iio:device3/in_voltage_sampling_frequency", "48000");
  fake_sysfs_put (
      root, "iio:device3/in_voltage2_3_sampling_frequency", "44100.5\n");
  select_ok (dev, "voltage2_3");
  fail_unless_equals_float (
      gst_iio_device_get_sampling_frequency (dev), 44100.5);
  select_ok (dev, "voltage0_1");
  fail_unless_equals_float (
      gst_iio_device_get_sampling_frequency (dev), 48000.0);
  gst_iio_device_free (dev);
}

GST_END_TEST;

GST_START_TEST (test_rate_none)
{
  GstIioDevice *dev = open_ok ("sim-mic", GST_IIO_DIRECTION_INPUT, 0);

  select_ok (dev, NULL);
  fail_unless_equals_float (gst_iio_device_get_sampling_frequency (dev), 0);
  /* unreadable or zero values count as none */
  fake_sysfs_put (root, "iio:device3/sampling_frequency", "fast");
  fake_sysfs_put (root, "iio:device3/buffer0/sampling_frequency", "0");
  fail_unless_equals_float (gst_iio_device_get_sampling_frequency (dev), 0);
  gst_iio_device_free (dev);
}

GST_END_TEST;

GST_START_TEST (test_rate_set)
{
  GstIioDevice *dev = open_ok ("sim-adc", GST_IIO_DIRECTION_INPUT, 0);
  GError *error = NULL;

  fail_unless (gst_iio_device_set_sampling_frequency (dev, 48000, &error));
  assert_file ("iio:device0/sampling_frequency", "48000");
  fail_unless_equals_float (
      gst_iio_device_get_sampling_frequency (dev), 48000.0);
  fail_if (gst_iio_device_set_sampling_frequency (dev, 0, &error));
  assert_contains (error->message, "positive");
  g_clear_error (&error);
  gst_iio_device_free (dev);

  /* written where it was found */
  dev = open_ok ("sim-dac", GST_IIO_DIRECTION_OUTPUT, 0);
  fail_unless (gst_iio_device_set_sampling_frequency (dev, 1234.5, &error));
  assert_file ("iio:device2/buffer0/sampling_frequency", "1234.5");
  gst_iio_device_free (dev);
}

GST_END_TEST;

GST_START_TEST (test_rate_set_without_attribute)
{
  GstIioDevice *dev = open_ok ("sim-mic", GST_IIO_DIRECTION_INPUT, 0);
  GError *error = NULL;

  select_ok (dev, NULL);
  fail_if (gst_iio_device_set_sampling_frequency (dev, 8000, &error));
  fail_unless (
      g_error_matches (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS));
  assert_contains (error->message, "no sampling_frequency attribute");
  assert_contains (error->message, "8000");
  g_error_free (error);
  gst_iio_device_free (dev);
}

GST_END_TEST;

/* buffer */

GST_START_TEST (test_buffer_length_and_enable)
{
  GstIioDevice *dev = open_ok ("sim-adc", GST_IIO_DIRECTION_INPUT, 0);
  GError *error = NULL;

  fail_unless (gst_iio_device_set_buffer_length (dev, 4096, &error));
  assert_file ("iio:device0/buffer0/length", "4096");
  fail_unless (gst_iio_device_set_buffer_enabled (dev, TRUE, &error));
  assert_file ("iio:device0/buffer0/enable", "1");
  fail_unless (gst_iio_device_set_buffer_enabled (dev, FALSE, &error));
  assert_file ("iio:device0/buffer0/enable", "0");
  gst_iio_device_free (dev);

  dev = open_ok ("iio:device10", GST_IIO_DIRECTION_OUTPUT, 1);
  fail_unless (gst_iio_device_set_buffer_length (dev, 64, &error));
  assert_file ("iio:device10/buffer1/length", "64");
  assert_file ("iio:device10/buffer0/length", "0\n");
  gst_iio_device_free (dev);
}

GST_END_TEST;

GST_START_TEST (test_buffer_legacy)
{
  GstIioDevice *dev = open_ok ("sim-accel12", GST_IIO_DIRECTION_INPUT, 0);
  GError *error = NULL;

  fail_unless (gst_iio_device_set_buffer_length (dev, 128, &error));
  assert_file ("iio:device1/buffer/length", "128");
  fail_unless (gst_iio_device_set_buffer_enabled (dev, TRUE, &error));
  assert_file ("iio:device1/buffer/enable", "1");
  gst_iio_device_free (dev);
}

GST_END_TEST;

static Suite *
iiodevice_suite (void)
{
  Suite *s = suite_create ("iiodevice");
  TCase *tc;

  tc = tcase_create ("type");
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_parse_type_le_signed);
  tcase_add_test (tc, test_parse_type_be_unsigned_shift);
  tcase_add_test (tc, test_parse_type_repeat);
  tcase_add_test (tc, test_parse_type_malformed);
  tcase_add_test (tc, test_parse_type_out_of_range);
  tcase_add_test (tc, test_roots_default_and_move);

  tc = tcase_create ("open");
  suite_add_tcase (s, tc);
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_test (tc, test_open_by_name);
  tcase_add_test (tc, test_open_by_label);
  tcase_add_test (tc, test_open_by_id);
  tcase_add_test (tc, test_open_default_input);
  tcase_add_test (tc, test_open_default_output);
  tcase_add_test (tc, test_open_legacy_scan_elements);
  tcase_add_test (tc, test_open_legacy_output);
  tcase_add_test (tc, test_open_ids_with_underscores);
  tcase_add_test (tc, test_open_reads_enabled_state);
  tcase_add_test (tc, test_open_not_found_lists_available);
  tcase_add_test (tc, test_open_wrong_direction);
  tcase_add_test (tc, test_open_no_such_buffer);
  tcase_add_test (tc, test_open_no_devices);
  tcase_add_test (tc, test_open_root_unreadable);
  tcase_add_test (tc, test_open_bad_type);

  tc = tcase_create ("select");
  suite_add_tcase (s, tc);
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_test (tc, test_select_default);
  tcase_add_test (tc, test_select_list);
  tcase_add_test (tc, test_select_disables_others);
  tcase_add_test (tc, test_select_output_legacy);
  tcase_add_test (tc, test_select_unknown);
  tcase_add_test (tc, test_select_duplicate);
  tcase_add_test (tc, test_select_empty_after_trim);
  tcase_add_test (tc, test_select_write_refused);
  tcase_add_test (tc, test_select_only_timestamp);
  tcase_add_test (tc, test_scan_16bit_and_timestamp);
  tcase_add_test (tc, test_scan_three_16bit_and_timestamp);
  tcase_add_test (tc, test_scan_mixed_sizes);

  tc = tcase_create ("attributes");
  suite_add_tcase (s, tc);
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_test (tc, test_attr_read);
  tcase_add_test (tc, test_attr_read_missing);
  tcase_add_test (tc, test_attr_write);
  tcase_add_test (tc, test_attr_write_refused);
  tcase_add_test (tc, test_attr_names_stay_in_device_dir);
  tcase_add_test (tc, test_attrs_write_in_order);
  tcase_add_test (tc, test_attrs_stop_at_first_refusal);
  tcase_add_test (tc, test_rate_from_device);
  tcase_add_test (tc, test_rate_from_buffer);
  tcase_add_test (tc, test_rate_from_channel_type);
  tcase_add_test (tc, test_rate_from_channel);
  tcase_add_test (tc, test_rate_none);
  tcase_add_test (tc, test_rate_set);
  tcase_add_test (tc, test_rate_set_without_attribute);
  tcase_add_test (tc, test_buffer_length_and_enable);
  tcase_add_test (tc, test_buffer_legacy);

  return s;
}

GST_CHECK_MAIN (iiodevice);
