/* iiodmabufsrc on the host (no IIO): properties, and the errors at READY
 * over a fake sysfs tree.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gst/check/gstcheck.h>

#include "../libs/fakesysfs.h"

static GParamSpec *
pspec (GstElement *el, const gchar *name)
{
  GParamSpec *p = g_object_class_find_property (G_OBJECT_GET_CLASS (el), name);

  fail_unless (p != NULL, "no property %s", name);
  return p;
}

GST_START_TEST (test_property_defaults_and_ranges)
{
  GstElement *src = gst_element_factory_make ("iiodmabufsrc", NULL);
  GParamSpecUInt *u;
  gchar *s;
  gint mode;

  fail_unless (src != NULL);
  u = G_PARAM_SPEC_UINT (pspec (src, "n-buffers"));
  fail_unless_equals_int (u->default_value, 0);
  fail_unless_equals_int (u->minimum, 0);
  fail_unless_equals_int (u->maximum, 64);
  u = G_PARAM_SPEC_UINT (pspec (src, "samples-per-buffer"));
  fail_unless_equals_int (u->default_value, 0);
  fail_unless_equals_int (u->maximum, 16 * 1024 * 1024);
  u = G_PARAM_SPEC_UINT (pspec (src, "buffer-index"));
  fail_unless_equals_int (u->maximum, 255);
  g_object_get (src, "io-mode", &mode, "dma-heap", &s, NULL);
  fail_unless_equals_int (mode, 0);
  fail_unless_equals_string (s, "/dev/dma_heap/system");
  g_free (s);
  fail_unless ((pspec (src, "stats")->flags & G_PARAM_WRITABLE) == 0);
  fail_unless ((pspec (src, "current-io-mode")->flags & G_PARAM_WRITABLE) == 0);
  /* What the device is opened with is set in NULL; the rest may change in
   * READY, for the next run. */
  fail_if (pspec (src, "device")->flags & GST_PARAM_MUTABLE_READY);
  fail_if (pspec (src, "channels")->flags & GST_PARAM_MUTABLE_READY);
  fail_if (pspec (src, "buffer-index")->flags & GST_PARAM_MUTABLE_READY);
  fail_unless (pspec (src, "io-mode")->flags & GST_PARAM_MUTABLE_READY);
  fail_unless (pspec (src, "n-buffers")->flags & GST_PARAM_MUTABLE_READY);
  /* Set as an application does, and as gst-launch does (an enum by its
   * nick). */
  g_object_set (src, "n-buffers", 8, NULL);
  g_object_get (src, "n-buffers", &mode, NULL);
  fail_unless_equals_int (mode, 8);
  gst_util_set_object_arg (G_OBJECT (src), "io-mode", "dmabuf-import");
  g_object_get (src, "io-mode", &mode, NULL);
  fail_unless_equals_int (mode, 2);
  gst_object_unref (src);
}

GST_END_TEST;

/* Absurd values from a launch line or an application are refused with a
 * warning and the old value stays. */
GST_START_TEST (test_out_of_range_values_refused)
{
  GstElement *el = gst_element_factory_make ("iiodmabufsrc", NULL);
  guint v;

  g_object_set (el, "n-buffers", 8, "samples-per-buffer", 4096, NULL);
  ASSERT_WARNING (g_object_set (el, "n-buffers", 1, NULL));
  ASSERT_WARNING (g_object_set (el, "n-buffers", 65, NULL));
  ASSERT_WARNING (
      g_object_set (el, "samples-per-buffer", 16 * 1024 * 1024 + 1, NULL));
  /* a nick that does not exist: refused (gst-launch reports it) */
  gst_util_set_object_arg (G_OBJECT (el), "io-mode", "zero-copy-please");
  g_object_get (el, "n-buffers", &v, NULL);
  fail_unless_equals_int (v, 8);
  g_object_get (el, "samples-per-buffer", &v, NULL);
  fail_unless_equals_int (v, 4096);
  g_object_get (el, "io-mode", &v, NULL);
  fail_unless_equals_int (v, 0);
  gst_object_unref (el);
}

GST_END_TEST;

/* Setting @desc to READY fails with an error in two halves (one short
 * line for users, the details for developers) that, together, hold each
 * of @words. */
static void
expect_error (const gchar *desc, const gchar *const *words)
{
  GstElement *pipe = gst_parse_launch (desc, NULL);
  GstBus *bus = gst_element_get_bus (pipe);
  GstMessage *msg;
  GError *err = NULL;
  gchar *dbg = NULL, *both;

  fail_unless_equals_int (
      gst_element_set_state (pipe, GST_STATE_READY), GST_STATE_CHANGE_FAILURE);
  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  fail_unless (msg != NULL, "no error message for %s", desc);
  gst_message_parse_error (msg, &err, &dbg);
  fail_unless (
      !strchr (err->message, '\n'), "\"%s\" is no one line", err->message);
  fail_unless (dbg && *dbg, "\"%s\" has no debug text", err->message);
  both = g_strconcat (err->message, "\n", dbg, NULL);
  for (guint i = 0; words[i]; i++)
    fail_unless (strstr (both, words[i]) != NULL, "\"%s\" does not say \"%s\"",
        both, words[i]);
  g_free (both);
  g_free (dbg);
  fail_unless (err->domain == GST_RESOURCE_ERROR);
  g_error_free (err);
  gst_message_unref (msg);
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (pipe);
}

static gchar *
fake_adc (void)
{
  gchar *root = fake_sysfs_new ();

  fake_sysfs_add_device (root, 0, "fake-adc", "adc-label");
  fake_sysfs_add_buffer (root, 0, 0, "in");
  fake_sysfs_add_channel (
      root, 0, "buffer0", "in", "voltage0", 0, "le:s16/16>>0");
  fake_sysfs_add_device (root, 1, "fake-dac", NULL);
  fake_sysfs_add_buffer (root, 1, 0, "out");
  fake_sysfs_add_channel (
      root, 1, "buffer0", "out", "voltage0", 0, "le:s16/16>>0");
  return root;
}

GST_START_TEST (test_missing_device_lists_available)
{
  gchar *root = fake_adc ();
  const gchar *words[] = { "nope", "fake-adc", NULL };

  expect_error ("iiodmabufsrc device=nope ! fakesink", words);
  fake_sysfs_free (root);
}

GST_END_TEST;

GST_START_TEST (test_output_device_refused)
{
  gchar *root = fake_adc ();
  const gchar *words[] = { "fake-dac", NULL };

  expect_error ("iiodmabufsrc device=fake-dac ! fakesink", words);
  fake_sysfs_free (root);
}

GST_END_TEST;

GST_START_TEST (test_missing_device_node)
{
  gchar *root = fake_adc ();
  const gchar *words[] = { "iio:device0", "No such file", NULL };

  /* sysfs has the device, /dev has no node for it. */
  expect_error ("iiodmabufsrc device=adc-label ! fakesink", words);
  fake_sysfs_free (root);
}

GST_END_TEST;

GST_START_TEST (test_no_devices_at_all)
{
  gchar *root = fake_sysfs_new ();
  const gchar *words[] = { "input", NULL };

  expect_error ("iiodmabufsrc ! fakesink", words);
  fake_sysfs_free (root);
}

GST_END_TEST;

static Suite *
iiodmabufsrc_host_suite (void)
{
  Suite *s = suite_create ("iiodmabufsrc_host");
  TCase *tc = tcase_create ("host");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_property_defaults_and_ranges);
  tcase_add_test (tc, test_out_of_range_values_refused);
  tcase_add_test (tc, test_missing_device_lists_available);
  tcase_add_test (tc, test_output_device_refused);
  tcase_add_test (tc, test_missing_device_node);
  tcase_add_test (tc, test_no_devices_at_all);
  return s;
}

GST_CHECK_MAIN (iiodmabufsrc_host);
