/* libFuzzer target: gst_iio_device_select_channels() with any text as the
 * "channels" property, over one fixed fake device. A selection it accepts
 * must enable exactly the channels named (all but the timestamp for an
 * empty list), write that to the _en files and lay out a scan the way the
 * kernel does; one it refuses must say why in a settings error.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "fuzz.h"

#include "gstiiocaps.h"
#include "gstiiodevice.h"

#include <string.h>

static const gchar *root;
static GstIioDevice *dev;

/* Storage of every size the kernel has, a repeat, a shift and ids that
 * are prefixes of each other. */
static void
make_device (void)
{
  static const struct
  {
    const gchar *id, *type;
  } channels[] = {
    { "voltage0", "le:s16/16>>0" },
    { "voltage1", "le:s16/16>>0" },
    { "voltage10", "le:s12/16>>4" },
    { "voltage0_1", "be:s24/32>>8" },
    { "temp", "le:u8/8>>0" },
    { "accel_x", "le:s32/32X4>>0" },
    { "timestamp", "le:s64/64>>0" },
  };
  GError *error = NULL;
  guint i;

  root = fuzz_sysfs_new ();
  fuzz_sysfs_add_device (root, 0, "sim-adc", NULL);
  fuzz_sysfs_add_buffer (root, 0, 0, "in");
  for (i = 0; i < G_N_ELEMENTS (channels); i++)
    fuzz_sysfs_add_channel (
        root, 0, 0, "in", channels[i].id, i, channels[i].type);
  dev = gst_iio_device_open ("sim-adc", GST_IIO_DIRECTION_INPUT, 0, &error);
  if (dev == NULL)
    g_error ("fake device: %s", error->message);
}

/* Whether @id is one of the comma-separated, blank-padded ids of @list. */
static gboolean
listed (const gchar *list, const gchar *id)
{
  g_auto (GStrv) ids = g_strsplit (list, ",", -1);
  guint i;

  for (i = 0; ids[i] != NULL; i++) {
    if (g_str_equal (g_strstrip (ids[i]), id))
      return TRUE;
  }
  return FALSE;
}

static void
check_selection (const gchar *list)
{
  GPtrArray *channels = gst_iio_device_get_channels (dev);
  g_autoptr (GPtrArray) enabled = gst_iio_device_get_enabled_channels (dev);
  guint scan = gst_iio_device_get_scan_size (dev), i, end = 0, largest = 0;

  g_assert (enabled->len > 0);
  for (i = 0; i < channels->len; i++) {
    const GstIioChannel *ch = g_ptr_array_index (channels, i);
    g_autofree gchar *rel =
        g_strdup_printf ("iio:device0/buffer0/in_%s_en", ch->id);
    g_autofree gchar *en = fuzz_sysfs_get (root, rel);
    gboolean want = *list ? listed (list, ch->id) : !ch->is_timestamp;

    g_assert (ch->enabled == want);
    g_assert_cmpstr (en, ==, want ? "1" : "0");
  }
  for (i = 0; i < enabled->len; i++) {
    const GstIioChannel *ch = g_ptr_array_index (enabled, i);
    guint len = ch->storagebits / 8 * ch->repeat;

    g_assert (ch->offset % len == 0 && ch->offset >= end);
    end = ch->offset + len;
    largest = MAX (largest, len);
  }
  g_assert (scan >= end && scan % largest == 0 && scan - end < largest);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree gchar *list = fuzz_string (data, size);
  GError *error = NULL;

  fuzz_init ();
  if (dev == NULL)
    make_device ();

  if (gst_iio_device_select_channels (dev, list, &error)) {
    g_autoptr (GPtrArray) enabled = gst_iio_device_get_enabled_channels (dev);
    GstCaps *caps;
    guint scan_bytes;

    g_assert (error == NULL);
    check_selection (list);
    caps = gst_iio_caps_from_channels (enabled, 48000);
    g_assert (gst_iio_caps_get_scan (caps, &scan_bytes, NULL));
    g_assert (scan_bytes == gst_iio_device_get_scan_size (dev));
    gst_caps_unref (caps);
  } else {
    g_assert (g_error_matches (
        error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS));
    g_assert (error->message && *error->message);
    g_error_free (error);
  }
  return 0;
}
