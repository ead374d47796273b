/* iiodmabufsink on the host (no IIO): properties, and the errors at READY
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
  GstElement *sink = gst_element_factory_make ("iiodmabufsink", NULL);
  GParamSpecUInt *u;
  gboolean b;
  gchar *s;
  gint mode;

  fail_unless (sink != NULL);
  u = G_PARAM_SPEC_UINT (pspec (sink, "n-buffers"));
  fail_unless_equals_int (u->default_value, 0);
  fail_unless_equals_int (u->minimum, 0);
  fail_unless_equals_int (u->maximum, 64);
  u = G_PARAM_SPEC_UINT (pspec (sink, "samples-per-buffer"));
  fail_unless_equals_int (u->default_value, 0);
  g_object_get (sink, "io-mode", &mode, "dma-heap", &s, "cyclic", &b, NULL);
  fail_unless_equals_int (mode, 0);
  fail_unless_equals_string (s, "/dev/dma_heap/system");
  fail_unless (!b);
  g_free (s);
  fail_unless ((pspec (sink, "stats")->flags & G_PARAM_WRITABLE) == 0);
  fail_unless (
      (pspec (sink, "current-io-mode")->flags & G_PARAM_WRITABLE) == 0);
  /* The device paces playback, and no buffer is kept back from upstream. */
  g_object_get (sink, "sync", &b, NULL);
  fail_unless (!b);
  g_object_get (sink, "enable-last-sample", &b, NULL);
  fail_unless (!b);
  gst_util_set_object_arg (G_OBJECT (sink), "io-mode", "rw");
  gst_util_set_object_arg (G_OBJECT (sink), "cyclic", "true");
  g_object_get (sink, "io-mode", &mode, "cyclic", &b, NULL);
  fail_unless_equals_int (mode, 3);
  fail_unless (b);
  gst_object_unref (sink);
}

GST_END_TEST;

/* Absurd values from a launch line or an application are refused with a
 * warning and the old value stays. */
GST_START_TEST (test_out_of_range_values_refused)
{
  GstElement *el = gst_element_factory_make ("iiodmabufsink", NULL);
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

GST_START_TEST (test_stats_before_start)
{
  GstElement *sink = gst_element_factory_make ("iiodmabufsink", NULL);
  GstStructure *st = NULL;
  guint64 v = 1;

  g_object_get (sink, "stats", &st, NULL);
  fail_unless (st != NULL);
  fail_unless (gst_structure_get_uint64 (st, "buffers", &v));
  fail_unless_equals_uint64 (v, 0);
  fail_unless (gst_structure_get_uint64 (st, "copies", &v));
  fail_unless (gst_structure_get_uint64 (st, "underruns", &v));
  fail_unless (gst_structure_has_field (st, "dmabufs-attached"));
  fail_unless_equals_string (gst_structure_get_string (st, "io-mode"), "auto");
  gst_structure_free (st);
  gst_object_unref (sink);
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
fake_devices (void)
{
  gchar *root = fake_sysfs_new ();

  fake_sysfs_add_device (root, 0, "fake-adc", NULL);
  fake_sysfs_add_buffer (root, 0, 0, "in");
  fake_sysfs_add_channel (
      root, 0, "buffer0", "in", "voltage0", 0, "le:s16/16>>0");
  fake_sysfs_add_device (root, 1, "fake-dac", "dac-label");
  fake_sysfs_add_buffer (root, 1, 0, "out");
  fake_sysfs_add_channel (
      root, 1, "buffer0", "out", "voltage0", 0, "le:s16/16>>0");
  return root;
}

GST_START_TEST (test_missing_device_lists_available)
{
  gchar *root = fake_devices ();
  const gchar *words[] = { "nope", "fake-dac", NULL };

  expect_error ("fakesrc ! iiodmabufsink device=nope", words);
  fake_sysfs_free (root);
}

GST_END_TEST;

GST_START_TEST (test_input_device_refused)
{
  gchar *root = fake_devices ();
  const gchar *words[] = { "fake-adc", "input", NULL };

  expect_error ("fakesrc ! iiodmabufsink device=fake-adc", words);
  fake_sysfs_free (root);
}

GST_END_TEST;

GST_START_TEST (test_missing_device_node)
{
  gchar *root = fake_devices ();
  const gchar *words[] = { "iio:device1", "No such file", NULL };

  /* sysfs has the device (found by its label), /dev has no node for it. */
  expect_error ("fakesrc ! iiodmabufsink device=dac-label", words);
  fake_sysfs_free (root);
}

GST_END_TEST;

GST_START_TEST (test_no_output_device)
{
  gchar *root = fake_sysfs_new ();
  const gchar *words[] = { "output", NULL };

  fake_sysfs_add_device (root, 0, "fake-adc", NULL);
  fake_sysfs_add_buffer (root, 0, 0, "in");
  expect_error ("fakesrc ! iiodmabufsink", words);
  fake_sysfs_free (root);
}

GST_END_TEST;

static Suite *
iiodmabufsink_host_suite (void)
{
  Suite *s = suite_create ("iiodmabufsink_host");
  TCase *tc = tcase_create ("host");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_property_defaults_and_ranges);
  tcase_add_test (tc, test_out_of_range_values_refused);
  tcase_add_test (tc, test_stats_before_start);
  tcase_add_test (tc, test_missing_device_lists_available);
  tcase_add_test (tc, test_input_device_refused);
  tcase_add_test (tc, test_missing_device_node);
  tcase_add_test (tc, test_no_output_device);
  return s;
}

GST_CHECK_MAIN (iiodmabufsink_host);
