/* iiodeviceprovider against the iio-sim test driver and iio_dummy in the
 * guest: what the device monitor lists, the elements it creates, and the
 * devices it reports as they come and go.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gst/check/gstcheck.h>

#include "iiosim.h"

#define ADC "iio-sim-adc"
#define DAC "iio-sim-dac"
#define DUMMY "dp_dummy"

/* The devices of the monitor's current list whose iio.name is @name. */
static GList *
find_devices (GList *devices, const gchar *name)
{
  GList *found = NULL;

  for (GList *l = devices; l; l = l->next) {
    GstStructure *props = gst_device_get_properties (l->data);

    if (props &&
        !g_strcmp0 (gst_structure_get_string (props, "iio.name"), name))
      found = g_list_append (found, gst_object_ref (l->data));
    if (props)
      gst_structure_free (props);
  }
  return found;
}

/* Probes and returns the one device named @name; fails otherwise. */
static GstDevice *
probe_one (const gchar *name)
{
  GstDeviceMonitor *mon = gst_device_monitor_new ();
  GList *devices, *found;
  GstDevice *dev;

  gst_device_monitor_add_filter (mon, "Source/IIO", NULL);
  gst_device_monitor_add_filter (mon, "Sink/IIO", NULL);
  devices = gst_device_monitor_get_devices (mon);
  found = find_devices (devices, name);
  fail_unless_equals_int (g_list_length (found), 1);
  dev = gst_object_ref (found->data);
  g_list_free_full (found, gst_object_unref);
  g_list_free_full (devices, gst_object_unref);
  gst_object_unref (mon);
  return dev;
}

/* The iio:deviceN directory name of device @name. */
static gchar *
sysfs_id (const gchar *name)
{
  gchar *dir = iiosim_device_dir (name);
  gchar *id = g_path_get_basename (dir);

  g_free (dir);
  return id;
}

static void
check_props (GstDevice *dev, const gchar *name, const gchar *label,
    const gchar *klass, const gchar *direction, const gchar *channels,
    gdouble rate)
{
  GstStructure *p = gst_device_get_properties (dev);
  gchar *id = sysfs_id (name), *devnode = g_strdup_printf ("/dev/%s", id);
  gchar *klass_got = gst_device_get_device_class (dev);
  guint index = 99;
  gdouble rate_got = -1;

  fail_unless_equals_string (klass_got, klass);
  fail_unless_equals_string (gst_structure_get_string (p, "device.api"), "iio");
  fail_unless_equals_string (gst_structure_get_string (p, "iio.id"), id);
  fail_unless_equals_string (
      gst_structure_get_string (p, "iio.devnode"), devnode);
  fail_unless_equals_string (gst_structure_get_string (p, "iio.label"), label);
  fail_unless_equals_string (
      gst_structure_get_string (p, "iio.direction"), direction);
  fail_unless (gst_structure_get_uint (p, "iio.buffer-index", &index));
  fail_unless_equals_int (index, 0);
  fail_unless_equals_string (
      gst_structure_get_string (p, "iio.channels"), channels);
  fail_unless (
      gst_structure_get_double (p, "iio.sampling-frequency", &rate_got));
  fail_unless_equals_float (rate_got, rate);
  g_free (klass_got);
  g_free (devnode);
  g_free (id);
  gst_structure_free (p);
}

static gboolean
get_dmabuf (GstDevice *dev, gboolean *known)
{
  GstStructure *p = gst_device_get_properties (dev);
  gboolean dmabuf = FALSE;

  *known = gst_structure_get_boolean (p, "iio.dmabuf", &dmabuf);
  fail_unless (*known != gst_structure_has_field (p, "iio.dmabuf-unknown"));
  gst_structure_free (p);
  return dmabuf;
}

static void
check_caps (GstDevice *dev, const gchar *expected)
{
  GstCaps *caps = gst_device_get_caps (dev);
  GstCaps *want = gst_caps_from_string (expected);

  gchar *text = gst_caps_to_string (caps);

  fail_unless (gst_caps_is_equal (caps, want), "caps %s", text);
  g_free (text);
  gst_caps_unref (want);
  gst_caps_unref (caps);
}

static void
setup (void)
{
  gchar *left = iiosim_device_dir (DUMMY);

  /* the dummy device of an earlier test stays (see iiosim_dummy_stop) */
  if (left)
    iiosim_dummy_stop (DUMMY);
  g_free (left);
  iiosim_reload (NULL);
}

GST_START_TEST (test_lists_adc_dac_and_dummy)
{
  GstDevice *dev;
  gboolean known;

  iiosim_write (ADC, "sampling_frequency", "48000");
  iiosim_dummy_create (DUMMY, 100);

  dev = probe_one (ADC);
  check_props (dev, ADC, "sim-adc", "Source/IIO", "input",
      "voltage0:le:s16/16>>0,voltage1:le:s16/16>>0,voltage2:le:s16/16>>0,"
      "voltage3:le:s16/16>>0",
      48000);
  check_caps (dev,
      "audio/x-raw, format=S16LE, layout=interleaved, "
      "rate=48000, channels=4, channel-mask=(bitmask)0");
  fail_unless (get_dmabuf (dev, &known));
  fail_unless (known);
  gst_object_unref (dev);

  dev = probe_one (DAC);
  check_props (dev, DAC, "sim-dac", "Sink/IIO", "output",
      "voltage0:le:s16/16>>0,voltage1:le:s16/16>>0", 1000000);
  check_caps (dev,
      "audio/x-raw, format=S16LE, layout=interleaved, "
      "rate=1000000, channels=2");
  fail_unless (get_dmabuf (dev, &known));
  fail_unless (known);
  gst_object_unref (dev);

  /* kfifo buffer: no DMABUF; the timestamp is listed but not in the caps */
  dev = probe_one (DUMMY);
  fail_if (get_dmabuf (dev, &known));
  fail_unless (known);
  {
    GstStructure *p = gst_device_get_properties (dev);
    const gchar *chans = gst_structure_get_string (p, "iio.channels");

    fail_unless (
        g_str_has_suffix (chans, ",timestamp:le:s64/64>>0"), "%s", chans);
    fail_unless (gst_structure_get_string (p, "iio.label") == NULL);
    gst_structure_free (p);
  }
  {
    GstCaps *caps = gst_device_get_caps (dev);
    GstStructure *s = gst_caps_get_structure (caps, 0);

    fail_unless (gst_structure_has_name (s, "application/x-iio"));
    fail_if (strstr (gst_structure_get_string (s, "layout"), "timestamp"));
    gst_caps_unref (caps);
  }
  gst_object_unref (dev);
  iiosim_dummy_stop (DUMMY);
}

GST_END_TEST;

static void
run_to_eos (GstElement *pipe)
{
  GstMessage *msg;

  gst_element_set_state (pipe, GST_STATE_PLAYING);
  msg = gst_bus_timed_pop_filtered (GST_ELEMENT_BUS (pipe), 30 * GST_SECOND,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  fail_unless (msg != NULL);
  fail_unless_equals_int (GST_MESSAGE_TYPE (msg), GST_MESSAGE_EOS);
  gst_message_unref (msg);
  gst_element_set_state (pipe, GST_STATE_NULL);
}

/* The element a device creates is configured for it and streams. */
GST_START_TEST (test_created_elements_stream)
{
  GstDevice *adc = probe_one (ADC), *dac = probe_one (DAC);
  GstElement *src = gst_device_create_element (adc, "src");
  GstElement *sink = gst_device_create_element (dac, "sink");
  GstElement *pipe = gst_pipeline_new (NULL);
  GstElement *fakesink = gst_element_factory_make ("fakesink", NULL);
  GstElement *tone = gst_element_factory_make ("audiotestsrc", NULL);
  GstElement *filter = gst_element_factory_make ("capsfilter", NULL);
  GstCaps *caps;
  gchar *id = sysfs_id (ADC), *got = NULL;

  fail_unless_equals_string (
      GST_OBJECT_NAME (gst_element_get_factory (src)), "iiodmabufsrc");
  fail_unless_equals_string (
      GST_OBJECT_NAME (gst_element_get_factory (sink)), "iiodmabufsink");
  g_object_get (src, "device", &got, NULL);
  fail_unless_equals_string (got, id);
  g_free (got);
  g_free (id);

  iiosim_write (ADC, "sim_free_run", "1");
  g_object_set (src, "num-buffers", 20, NULL);
  gst_bin_add_many (GST_BIN (pipe), src, fakesink, NULL);
  fail_unless (gst_element_link (src, fakesink));
  run_to_eos (pipe);
  gst_object_unref (pipe);

  iiosim_write (DAC, "sim_free_run", "1");
  iiosim_write (DAC, "sim_reset", "1");
  pipe = gst_pipeline_new (NULL);
  caps = gst_device_get_caps (dac);
  g_object_set (filter, "caps", caps, NULL);
  gst_caps_unref (caps);
  g_object_set (tone, "num-buffers", 20, "samplesperbuffer", 1024, NULL);
  g_object_set (sink, "sync", FALSE, NULL);
  gst_bin_add_many (GST_BIN (pipe), tone, filter, sink, NULL);
  fail_unless (gst_element_link_many (tone, filter, sink, NULL));
  run_to_eos (pipe);
  fail_unless_equals_uint64 (iiosim_read_u64 (DAC, "sim_bytes"), 20 * 4096);
  gst_object_unref (pipe);

  /* reconfigure_element only takes the element of the device's kind */
  src = gst_element_factory_make ("iiodmabufsrc", NULL);
  fail_unless (gst_device_reconfigure_element (adc, src));
  fail_if (gst_device_reconfigure_element (dac, src));
  gst_object_unref (src);
  gst_object_unref (adc);
  gst_object_unref (dac);
}

GST_END_TEST;

/* Waits up to @timeout for a DEVICE_ADDED/REMOVED message (@type) of the
 * device named @name on the monitor's bus. */
static gboolean
wait_device (
    GstBus *bus, GstMessageType type, const gchar *name, GstClockTime timeout)
{
  gint64 deadline = g_get_monotonic_time () + timeout / 1000;

  while (g_get_monotonic_time () < deadline) {
    GstMessage *msg = gst_bus_timed_pop_filtered (bus, 100 * GST_MSECOND,
        GST_MESSAGE_DEVICE_ADDED | GST_MESSAGE_DEVICE_REMOVED);
    GstDevice *dev = NULL;
    GstStructure *p;
    gboolean match;

    if (!msg)
      continue;
    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_DEVICE_ADDED)
      gst_message_parse_device_added (msg, &dev);
    else
      gst_message_parse_device_removed (msg, &dev);
    p = gst_device_get_properties (dev);
    match = GST_MESSAGE_TYPE (msg) == type &&
        !g_strcmp0 (gst_structure_get_string (p, "iio.name"), name);
    gst_structure_free (p);
    gst_object_unref (dev);
    gst_message_unref (msg);
    if (match)
      return TRUE;
  }
  return FALSE;
}

/* Devices that go and come back while the monitor runs are reported. */
GST_START_TEST (test_hotplug_reported)
{
  GstDeviceMonitor *mon = gst_device_monitor_new ();
  GstBus *bus = gst_device_monitor_get_bus (mon);
  GList *devices, *found;

  gst_device_monitor_add_filter (mon, "Source/IIO", NULL);
  gst_device_monitor_add_filter (mon, "Sink/IIO", NULL);
  fail_unless (gst_device_monitor_start (mon));
  devices = gst_device_monitor_get_devices (mon);
  found = find_devices (devices, ADC);
  fail_unless_equals_int (g_list_length (found), 1);
  g_list_free_full (found, gst_object_unref);
  g_list_free_full (devices, gst_object_unref);

  iiosim_unbind (ADC);
  fail_unless (
      wait_device (bus, GST_MESSAGE_DEVICE_REMOVED, ADC, 2 * GST_SECOND));
  devices = gst_device_monitor_get_devices (mon);
  found = find_devices (devices, ADC);
  fail_unless_equals_int (g_list_length (found), 0);
  g_list_free_full (devices, gst_object_unref);

  iiosim_bind (ADC);
  fail_unless (
      wait_device (bus, GST_MESSAGE_DEVICE_ADDED, ADC, 2 * GST_SECOND));
  devices = gst_device_monitor_get_devices (mon);
  found = find_devices (devices, ADC);
  fail_unless_equals_int (g_list_length (found), 1);
  g_list_free_full (found, gst_object_unref);
  g_list_free_full (devices, gst_object_unref);

  /* a kfifo device made through configfs appears (a new one: configfs
   * cannot remove one safely, see iiosim_dummy_stop) */
  {
    gchar *name = g_strdup_printf ("dp_hot%d", (gint)getpid ());

    iiosim_dummy_create (name, 100);
    fail_unless (
        wait_device (bus, GST_MESSAGE_DEVICE_ADDED, name, 2 * GST_SECOND));
    iiosim_dummy_stop (name);
    g_free (name);
  }

  gst_device_monitor_stop (mon);
  gst_object_unref (bus);
  gst_object_unref (mon);
}

GST_END_TEST;

/* A device that streams for someone else is listed without being touched:
 * DMABUF support is unknown, the stream goes on. */
GST_START_TEST (test_busy_device_listed_untouched)
{
  GstElement *pipe;
  GstDevice *dev;
  GstStructure *p;
  GstMessage *msg;
  gboolean known;
  guint64 before;

  iiosim_write (ADC, "sim_free_run", "1");
  pipe = gst_parse_launch ("iiodmabufsrc device=" ADC " ! fakesink", NULL);
  gst_element_set_state (pipe, GST_STATE_PLAYING);
  fail_unless_equals_int (
      gst_element_get_state (pipe, NULL, NULL, 10 * GST_SECOND),
      GST_STATE_CHANGE_SUCCESS);
  before = iiosim_read_u64 (ADC, "sim_blocks");
  dev = probe_one (ADC);
  get_dmabuf (dev, &known);
  fail_if (known);
  p = gst_device_get_properties (dev);
  fail_unless (strstr (gst_structure_get_string (p, "iio.dmabuf-unknown"),
                   "busy") != NULL,
      "%s", gst_structure_get_string (p, "iio.dmabuf-unknown"));
  gst_structure_free (p);
  gst_object_unref (dev);
  g_usleep (200 * G_TIME_SPAN_MILLISECOND);
  fail_unless (iiosim_read_u64 (ADC, "sim_blocks") > before);
  msg = gst_bus_pop_filtered (GST_ELEMENT_BUS (pipe), GST_MESSAGE_ERROR);
  fail_unless (msg == NULL, "the stream got an error");
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (pipe);
}

GST_END_TEST;

static Suite *
iiodeviceprovider_suite (void)
{
  Suite *s = suite_create ("iiodeviceprovider");
  TCase *tc = tcase_create ("guest");

  tcase_set_timeout (tc, 120);
  tcase_add_checked_fixture (tc, setup, NULL);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_lists_adc_dac_and_dummy);
  tcase_add_test (tc, test_created_elements_stream);
  tcase_add_test (tc, test_hotplug_reported);
  tcase_add_test (tc, test_busy_device_listed_untouched);
  return s;
}

GST_CHECK_MAIN (iiodeviceprovider);
