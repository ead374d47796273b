/* iiodeviceprovider without a kernel: the uevent parser, and the devices it
 * lists over a fake sysfs tree (no device nodes there: DMABUF unknown).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gst/check/gstcheck.h>

#include "fakesysfs.h"
#include "gstiiodeviceprovider.h"

/* A uevent as the kernel sends it: fields separated by NULs. */
static gboolean
parse (const gchar *fields, gboolean *added, gchar **id)
{
  gchar *msg = g_strdup (fields);
  gsize len = strlen (msg);
  gboolean ok;

  for (gsize i = 0; i < len; i++)
    if (msg[i] == '|')
      msg[i] = '\0';
  ok = gst_iio_parse_uevent (msg, len, added, id);
  g_free (msg);
  return ok;
}

GST_START_TEST (test_uevent_add_remove)
{
  gboolean added = FALSE;
  gchar *id = NULL;

  fail_unless (parse ("add@/devices/platform/iio-sim-adc/iio:device3|"
                      "ACTION=add|DEVPATH=/devices/platform/iio-sim-adc/"
                      "iio:device3|SUBSYSTEM=iio|DEVNAME=iio:device3|SEQNUM=7|",
      &added, &id));
  fail_unless (added);
  fail_unless_equals_string (id, "iio:device3");
  g_free (id);
  fail_unless (parse ("remove@/devices/iio:device12|ACTION=remove|"
                      "DEVPATH=/devices/iio:device12|SUBSYSTEM=iio|",
      &added, &id));
  fail_if (added);
  fail_unless_equals_string (id, "iio:device12");
  g_free (id);
}

GST_END_TEST;

GST_START_TEST (test_uevent_others_ignored)
{
  const gchar *others[] = {
    /* a trigger, another subsystem, other actions */
    "add@/devices/trigger0|ACTION=add|DEVPATH=/devices/trigger0|"
    "SUBSYSTEM=iio|",
    "add@/devices/x/input5|ACTION=add|DEVPATH=/devices/x/input5|"
    "SUBSYSTEM=input|",
    "change@/devices/iio:device0|ACTION=change|DEVPATH=/devices/iio:device0|"
    "SUBSYSTEM=iio|",
    "bind@/devices/iio:device0|ACTION=bind|DEVPATH=/devices/iio:device0|"
    "SUBSYSTEM=iio|",
    /* missing or malformed fields */
    "add@/devices/iio:device0|DEVPATH=/devices/iio:device0|SUBSYSTEM=iio|",
    "add@/devices/iio:device0|ACTION=add|SUBSYSTEM=iio|",
    "add@/devices/iio:device0|ACTION=add|DEVPATH=/devices/iio:device0|",
    "add@/devices/iio:device|ACTION=add|DEVPATH=/devices/iio:device|"
    "SUBSYSTEM=iio|",
    "add@/devices/iio:device1x|ACTION=add|DEVPATH=/devices/iio:device1x|"
    "SUBSYSTEM=iio|",
    /* the last field is not terminated: not taken */
    "add@/devices/iio:device0|ACTION=add|DEVPATH=/devices/iio:device0|"
    "SUBSYSTEM=iio",
    "",
  };

  for (guint i = 0; i < G_N_ELEMENTS (others); i++) {
    gboolean added = FALSE;
    gchar *id = NULL;

    fail_if (parse (others[i], &added, &id), "taken: %s", others[i]);
    fail_unless (id == NULL);
  }
}

GST_END_TEST;

static GstDevice *
find (GList *devices, const gchar *id)
{
  for (GList *l = devices; l; l = l->next) {
    GstStructure *p = gst_device_get_properties (l->data);
    gboolean match = !g_strcmp0 (gst_structure_get_string (p, "iio.id"), id);

    gst_structure_free (p);
    if (match)
      return l->data;
  }
  return NULL;
}

GST_START_TEST (test_lists_buffers_of_fake_devices)
{
  gchar *root = fake_sysfs_new ();
  GstDeviceProvider *provider;
  GList *devices;
  GstStructure *p;
  GstDevice *dev;
  GstCaps *caps;
  gchar *klass;
  gdouble rate = 0;

  /* an ADC with a label, a device without buffers, a two-buffer DAC */
  fake_sysfs_add_device (root, 0, "adc", "front-adc");
  fake_sysfs_add_buffer (root, 0, 0, "in");
  fake_sysfs_add_channel (
      root, 0, "buffer0", "in", "voltage0", 0, "le:s16/16>>0");
  fake_sysfs_add_channel (
      root, 0, "buffer0", "in", "voltage1", 1, "le:s16/16>>0");
  fake_sysfs_add_channel (
      root, 0, "buffer0", "in", "timestamp", 2, "le:s64/64>>0");
  fake_sysfs_put (root, "iio:device0/sampling_frequency", "8000");
  fake_sysfs_add_device (root, 1, "thermometer", NULL);
  fake_sysfs_add_device (root, 2, "dac", NULL);
  for (guint b = 0; b < 2; b++) {
    gchar *dir = g_strdup_printf ("buffer%u", b);

    fake_sysfs_add_buffer (root, 2, b, "out");
    fake_sysfs_add_channel (root, 2, dir, "out", "voltage0", 0, "le:u12/16>>4");
    g_free (dir);
  }

  provider = g_object_new (GST_TYPE_IIO_DEVICE_PROVIDER, NULL);
  devices = gst_device_provider_get_devices (provider);
  fail_unless_equals_int (g_list_length (devices), 3);

  dev = find (devices, "iio:device0");
  fail_unless (dev != NULL);
  klass = gst_device_get_device_class (dev);
  fail_unless_equals_string (klass, "Source/IIO");
  g_free (klass);
  p = gst_device_get_properties (dev);
  fail_unless_equals_string (
      gst_structure_get_string (p, "iio.label"), "front-adc");
  fail_unless_equals_string (gst_structure_get_string (p, "iio.channels"),
      "voltage0:le:s16/16>>0,voltage1:le:s16/16>>0,timestamp:le:s64/64>>0");
  fail_unless (gst_structure_get_double (p, "iio.sampling-frequency", &rate));
  fail_unless_equals_float (rate, 8000);
  /* no device node in the fake tree: unknown, with the reason */
  fail_if (gst_structure_has_field (p, "iio.dmabuf"));
  fail_unless (gst_structure_get_string (p, "iio.dmabuf-unknown") != NULL);
  gst_structure_free (p);
  caps = gst_device_get_caps (dev);
  {
    GstCaps *want = gst_caps_from_string (
        "audio/x-raw, format=S16LE, layout=interleaved, rate=8000, "
        "channels=2");

    fail_unless (gst_caps_is_equal (caps, want));
    gst_caps_unref (want);
  }
  gst_caps_unref (caps);
  /* listing did not touch the device: the channels stay disabled */
  {
    gchar *en = fake_sysfs_get (root, "iio:device0/buffer0/in_voltage0_en");

    fail_unless_equals_string (en, "0\n");
    g_free (en);
  }

  fail_if (find (devices, "iio:device1"));
  dev = find (devices, "iio:device2");
  fail_unless (dev != NULL);
  klass = gst_device_get_device_class (dev);
  fail_unless_equals_string (klass, "Sink/IIO");
  g_free (klass);
  {
    GList *l;
    guint seen = 0;

    for (l = devices; l; l = l->next) {
      guint idx;

      p = gst_device_get_properties (l->data);
      if (!g_strcmp0 (gst_structure_get_string (p, "iio.id"), "iio:device2")) {
        fail_unless (gst_structure_get_uint (p, "iio.buffer-index", &idx));
        seen |= 1 << idx;
      }
      gst_structure_free (p);
    }
    fail_unless_equals_int (seen, 3);
  }

  g_list_free_full (devices, gst_object_unref);
  gst_object_unref (provider);
  fake_sysfs_free (root);
}

GST_END_TEST;

static Suite *
iiodeviceprovider_suite (void)
{
  Suite *s = suite_create ("iiodeviceprovider");
  TCase *tc = tcase_create ("host");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_uevent_add_remove);
  tcase_add_test (tc, test_uevent_others_ignored);
  tcase_add_test (tc, test_lists_buffers_of_fake_devices);
  return s;
}

GST_CHECK_MAIN (iiodeviceprovider);
