/* libFuzzer target: the control plane reading what a driver put in sysfs.
 * One input fills the attribute files of iio:device0 (name, label, buffer
 * direction, a channel's type/index/enable, the rates), split on '|'; a
 * file the input does not reach is missing. Then the device is opened as
 * an element opens it, its channels selected and its caps built: errors
 * are fine, what succeeds must describe one consistent scan.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "fuzz.h"

#include "gstiiocaps.h"
#include "gstiiodevice.h"
#include "gstiioelement.h"

#include <math.h>
#include <string.h>

#define FIELD_SEP '|'

/* In the order the fields come in an input. */
static const gchar *const fields[] = {
  "iio:device0/name",
  "iio:device0/label",
  "iio:device0/buffer0/direction",
  "iio:device0/buffer0/in_voltage0_type",
  "iio:device0/buffer0/in_voltage0_index",
  "iio:device0/buffer0/in_voltage0_en",
  "iio:device0/sampling_frequency",
  "iio:device0/buffer0/in_voltage1_type",
  "iio:device0/buffer0/sampling_frequency",
  "iio:device0/in_voltage_sampling_frequency",
};

static const gchar *root;

/* iio:device0 gets a second channel and a timestamp that stay sane, so
 * that a fuzzed channel is not all there is; iio:device1 is a DAC, a
 * device that never fits an input open and that error messages list. */
static void
make_tree (void)
{
  root = fuzz_sysfs_new ();
  fuzz_sysfs_add_device (root, 0, "sim-adc", NULL);
  fuzz_sysfs_add_buffer (root, 0, 0, "in");
  fuzz_sysfs_add_channel (root, 0, 0, "in", "voltage0", 0, "le:s16/16>>0");
  fuzz_sysfs_add_channel (root, 0, 0, "in", "voltage1", 1, "le:s16/16>>0");
  fuzz_sysfs_add_channel (root, 0, 0, "in", "timestamp", 2, "le:s64/64>>0");
  fuzz_sysfs_add_device (root, 1, "sim-dac", "dac");
  fuzz_sysfs_add_buffer (root, 1, 0, "out");
  fuzz_sysfs_add_channel (root, 1, 0, "out", "voltage0", 0, "le:u16/16>>0");
}

static void
check_scan (GstIioDevice *dev)
{
  g_autoptr (GPtrArray) enabled = gst_iio_device_get_enabled_channels (dev);
  guint scan = gst_iio_device_get_scan_size (dev), i, end = 0;

  g_assert (enabled->len > 0 && scan > 0);
  for (i = 0; i < enabled->len; i++) {
    const GstIioChannel *ch = g_ptr_array_index (enabled, i);
    guint len = ch->storagebits / 8 * ch->repeat;

    /* in scan order, each aligned to its size, none overlapping */
    g_assert (ch->enabled && len > 0);
    g_assert (ch->offset % len == 0 && ch->offset >= end);
    end = ch->offset + len;
    g_assert (end <= scan);
  }
}

static void
check_caps (GstIioDevice *dev, gdouble rate)
{
  g_autoptr (GPtrArray) enabled = gst_iio_device_get_enabled_channels (dev);
  GstCaps *caps = gst_iio_caps_from_channels (enabled, rate);
  guint scan_bytes, block;
  gint caps_rate;

  g_assert (caps != NULL && gst_caps_get_size (caps) == 1);
  /* fixed when the rate is known; then they carry the device's scan and
   * size a block the way the elements do */
  g_assert (gst_caps_is_fixed (caps) == (rate > 0));
  if (gst_iio_caps_get_scan (caps, &scan_bytes, &caps_rate)) {
    g_assert (scan_bytes == gst_iio_device_get_scan_size (dev));
    g_assert (caps_rate >= 1);
    block = gst_iio_samples_per_block (0, caps_rate, scan_bytes, 1);
    g_assert (block >= 1);
    g_assert ((guint64)block * scan_bytes <= GST_IIO_MAX_AUTO_BLOCK_BYTES);
  } else {
    g_assert (rate <= 0);
  }
  gst_caps_unref (caps);
}

static void
check_rate (GstIioDevice *dev)
{
  gdouble rate = gst_iio_device_get_sampling_frequency (dev);
  GError *error = NULL;

  g_assert (rate == 0 || (rate > 0 && isfinite (rate)));
  check_caps (dev, rate);
  if (rate == 0)
    return;
  /* what was read, written back, reads back the same */
  g_assert (gst_iio_device_set_sampling_frequency (dev, rate, &error));
  g_assert (gst_iio_device_get_sampling_frequency (dev) == rate);
}

static void
exercise (const gchar *spec)
{
  GError *error = NULL;
  GstIioDevice *dev;

  dev = gst_iio_device_open (spec, GST_IIO_DIRECTION_INPUT, 0, &error);
  if (dev == NULL) {
    g_assert (error != NULL && error->domain == GST_RESOURCE_ERROR);
    g_error_free (error);
    return;
  }
  g_assert (error == NULL);
  g_assert (gst_iio_device_get_channels (dev)->len > 0);
  if (gst_iio_device_select_channels (dev, NULL, &error)) {
    check_scan (dev);
    check_rate (dev);
  } else {
    g_assert (error != NULL && error->domain == GST_RESOURCE_ERROR);
    g_clear_error (&error);
  }
  gst_iio_device_free (dev);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree gchar *name = NULL;
  size_t pos = 0;
  guint i;

  fuzz_init ();
  if (root == NULL)
    make_tree ();

  for (i = 0; i < G_N_ELEMENTS (fields); i++) {
    const uint8_t *sep;
    size_t len;

    if (pos > size) {
      fuzz_sysfs_unlink (root, fields[i]);
      continue;
    }
    sep = pos < size ? memchr (data + pos, FIELD_SEP, size - pos) : NULL;
    len = sep ? (size_t)(sep - (data + pos)) : size - pos;
    fuzz_sysfs_write (root, fields[i], data + pos, len);
    if (i == 0)
      name = fuzz_string (data + pos, len);
    pos += len + 1;
  }

  /* the first input device, then the one named as the input names it */
  exercise (NULL);
  if (name && *name)
    exercise (name);
  return 0;
}
