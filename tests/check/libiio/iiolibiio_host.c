/* The libiio device provider on the host, with no IIO and no iiod: it is
 * registered, and contexts that cannot be created are skipped at once, each
 * with a warning that names it. Only loopback is contacted.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gst/check/gstcheck.h>

#include <string.h>

#define PROVIDER "iiolibiiodeviceprovider"

/* The provider's warnings, and all its debug log */
static GString *warnings, *debug_log;

static void
on_log (GstDebugCategory *category, GstDebugLevel level, const gchar *file,
    const gchar *function, gint line, GObject *object, GstDebugMessage *message,
    gpointer data)
{
  if (g_strcmp0 (gst_debug_category_get_name (category), PROVIDER))
    return;
  g_string_append_printf (debug_log, "%s\n", gst_debug_message_get (message));
  if (level == GST_LEVEL_WARNING)
    g_string_append_printf (warnings, "%s\n", gst_debug_message_get (message));
}

/* What a started monitor of the remote classes lists with
 * GST_IIO_CONTEXTS=@contexts; the provider's log in `warnings` and
 * `debug_log`. */
static GList *
list_remote (const gchar *contexts)
{
  GstDeviceMonitor *mon = gst_device_monitor_new ();
  GList *devices;

  g_setenv ("GST_IIO_CONTEXTS", contexts, TRUE);
  g_string_truncate (warnings, 0);
  g_string_truncate (debug_log, 0);
  gst_debug_set_threshold_for_name (PROVIDER, GST_LEVEL_DEBUG);
  gst_debug_add_log_function (on_log, NULL, NULL);
  gst_device_monitor_add_filter (mon, "Source/IIO/Remote", NULL);
  gst_device_monitor_add_filter (mon, "Sink/IIO/Remote", NULL);
  fail_unless (gst_device_monitor_start (mon));
  devices = gst_device_monitor_get_devices (mon);
  gst_device_monitor_stop (mon);
  gst_debug_remove_log_function (on_log);
  gst_object_unref (mon);
  return devices;
}

GST_START_TEST (test_provider_registered)
{
  GstDeviceProviderFactory *factory =
      gst_device_provider_factory_find (PROVIDER);
  static const gchar *remote[] = { "Source", "IIO", "Remote", NULL };

  fail_unless (factory != NULL);
  /* a monitor filtered on Source/IIO/Remote or Sink/IIO/Remote starts it */
  fail_unless (
      gst_device_provider_factory_has_classesv (factory, (gchar **)remote));
  fail_unless (gst_device_provider_factory_has_classes (factory, "Sink"));
  gst_object_unref (factory);
}

GST_END_TEST;

GST_START_TEST (test_provider_skips_unreachable)
{
  /* nothing listens on port 1; no backend is called bogus */
  static const gchar *const dead[] = { "ip:127.0.0.1:1", "bogus:x" };
  gint64 t0 = g_get_monotonic_time ();
  GList *devices = list_remote ("ip:127.0.0.1:1, ,bogus:x,ip:127.0.0.1:1");
  gdouble took = (g_get_monotonic_time () - t0) / 1e6;

  GST_INFO ("listed in %.2f s, warnings:\n%s", took, warnings->str);
  fail_unless (took < 10, "listing took %.1f s", took);
  fail_unless_equals_int (g_list_length (devices), 0);
  /* one warning per context, the repeated one tried once, each naming its
   * whole URI (port included) */
  for (guint i = 0; i < G_N_ELEMENTS (dead); i++) {
    gchar *quoted = g_strdup_printf ("\"%s\"", dead[i]);
    const gchar *at = strstr (warnings->str, quoted);

    fail_unless (at != NULL, "no warning names %s: %s", dead[i], warnings->str);
    fail_if (strstr (at + 1, quoted) != NULL, "%s tried twice: %s", dead[i],
        warnings->str);
    g_free (quoted);
  }
  g_list_free_full (devices, gst_object_unref);
}

GST_END_TEST;

/* Set but empty: no context at all, not even a scan. */
GST_START_TEST (test_provider_empty_list)
{
  GList *devices = list_remote ("");

  fail_unless_equals_int (g_list_length (devices), 0);
  fail_unless_equals_string (warnings->str, "");
  fail_unless (strstr (debug_log->str, "GST_IIO_CONTEXTS=: 0 contexts"), "%s",
      debug_log->str);
  fail_if (strstr (debug_log->str, "scan"), "%s", debug_log->str);
}

GST_END_TEST;

static Suite *
iiolibiio_host_suite (void)
{
  Suite *s = suite_create ("iiolibiio_host");
  TCase *tc = tcase_create ("provider");

  warnings = g_string_new (NULL);
  debug_log = g_string_new (NULL);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_provider_registered);
  tcase_add_test (tc, test_provider_skips_unreachable);
  tcase_add_test (tc, test_provider_empty_list);
  return s;
}

GST_CHECK_MAIN (iiolibiio_host);
