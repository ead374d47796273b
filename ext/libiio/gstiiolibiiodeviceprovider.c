/* Device discovery through libiio: lists the buffer-capable devices of
 * libiio contexts (iiod on a board, USB) as GstDevices for iiosrc/iiosink.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/**
 * SECTION:provider-iiolibiiodeviceprovider
 * @title: iiolibiiodeviceprovider
 *
 * Lists the IIO devices of libiio contexts (a board running iiod, a USB
 * device) for #GstDeviceMonitor and `gst-device-monitor-1.0`. Which
 * contexts:
 *
 * - the comma-separated libiio URIs in the environment variable
 *   `GST_IIO_CONTEXTS` (e.g. `ip:192.168.2.1,usb:1.2.5`), read at each
 *   probe (set but empty: none);
 * - when it is unset, the contexts that libiio's scan finds over USB and
 *   over the network (DNS-SD, which needs avahi-daemon). Local contexts
 *   are left out there: iiodeviceprovider of the iiodmabuf plugin lists
 *   the local devices, with zero-copy elements.
 *
 * Each device with scan elements is listed once per direction: input
 * devices are of class "Source/IIO/Remote", output devices
 * "Sink/IIO/Remote". A device carries the caps of its default channel
 * selection (every scan element but the timestamp), the same mapping as
 * iiosrc and iiosink, and these properties:
 *
 * - `device.api`: "libiio"; `iio.uri`: the context's URI
 * - `iio.id`, `iio.name`, `iio.label` (when the driver gives one)
 * - `iio.direction`: "input" or "output"
 * - `iio.channels`: "id:type" of each scan element, comma-separated, in
 *   the kernel's notation (e.g. "voltage0:le:s16/16>>0")
 * - `iio.sampling-frequency` (Hz, 0 when the device has none)
 *
 * gst_device_create_element() returns an iiosrc or iiosink with `uri` and
 * `device` set.
 *
 * The list is read once, when the monitor starts or probes: remote
 * contexts report no devices that come and go. A context that cannot be
 * created (nobody at that address, a USB device gone) is skipped with a
 * warning in the debug log; creating it takes at most libiio's connection
 * timeout (5 s for the network), and each read of the listing at most
 * 5 s, so an unreachable board delays the list but never hangs it.
 *
 * ## Example
 * |[
 * GST_IIO_CONTEXTS=ip:192.168.2.1 gst-device-monitor-1.0 Source/IIO/Remote \
 *     Sink/IIO/Remote
 * ]|
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstiiolibiiodeviceprovider.h"

#include "gstiiocaps.h"
#include "gstiiolibiiodevice.h"

#include <errno.h>
#include <string.h>

GST_DEBUG_CATEGORY_STATIC (gst_iio_libiio_device_provider_debug);
#define GST_CAT_DEFAULT gst_iio_libiio_device_provider_debug

#define CONTEXTS_ENV "GST_IIO_CONTEXTS"
/* The I/O timeout while a context is listed. */
#define PROBE_TIMEOUT (5 * GST_SECOND)

struct _GstIioLibiioProviderDevice
{
  GstDevice parent;

  gchar *uri;
  gchar *id;
  gboolean output;
};

G_DEFINE_TYPE (GstIioLibiioProviderDevice, gst_iio_libiio_provider_device,
    GST_TYPE_DEVICE);

struct _GstIioLibiioDeviceProvider
{
  GstDeviceProvider parent;
};

G_DEFINE_TYPE (GstIioLibiioDeviceProvider, gst_iio_libiio_device_provider,
    GST_TYPE_DEVICE_PROVIDER);

GST_DEVICE_PROVIDER_REGISTER_DEFINE (iiolibiiodeviceprovider,
    "iiolibiiodeviceprovider", GST_RANK_SECONDARY,
    GST_TYPE_IIO_LIBIIO_DEVICE_PROVIDER);

/* ----- GstIioLibiioProviderDevice ----- */

static const gchar *
factory_name (GstIioLibiioProviderDevice *self)
{
  return self->output ? "iiosink" : "iiosrc";
}

static GstElement *
gst_iio_libiio_provider_device_create_element (
    GstDevice *device, const gchar *name)
{
  GstIioLibiioProviderDevice *self = GST_IIO_LIBIIO_PROVIDER_DEVICE (device);
  GstElement *element = gst_element_factory_make (factory_name (self), name);

  if (element)
    g_object_set (element, "uri", self->uri, "device", self->id, NULL);
  return element;
}

static gboolean
gst_iio_libiio_provider_device_reconfigure_element (
    GstDevice *device, GstElement *element)
{
  GstIioLibiioProviderDevice *self = GST_IIO_LIBIIO_PROVIDER_DEVICE (device);
  GstElementFactory *factory = gst_element_get_factory (element);

  if (!factory || g_strcmp0 (GST_OBJECT_NAME (factory), factory_name (self)))
    return FALSE;
  g_object_set (element, "uri", self->uri, "device", self->id, NULL);
  return TRUE;
}

static void
gst_iio_libiio_provider_device_finalize (GObject *object)
{
  GstIioLibiioProviderDevice *self = GST_IIO_LIBIIO_PROVIDER_DEVICE (object);

  g_free (self->uri);
  g_free (self->id);
  G_OBJECT_CLASS (gst_iio_libiio_provider_device_parent_class)
      ->finalize (object);
}

static void
gst_iio_libiio_provider_device_class_init (
    GstIioLibiioProviderDeviceClass *klass)
{
  GstDeviceClass *device_class = GST_DEVICE_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = gst_iio_libiio_provider_device_finalize;
  device_class->create_element = gst_iio_libiio_provider_device_create_element;
  device_class->reconfigure_element =
      gst_iio_libiio_provider_device_reconfigure_element;
}

static void
gst_iio_libiio_provider_device_init (GstIioLibiioProviderDevice *self)
{
}

/* ----- listing ----- */

static GstDevice *
device_from_libiio (GstIioLibiioDevice *dev, GstIioDirection direction)
{
  struct iio_device *iio = gst_iio_libiio_device_get_iio (dev);
  const gchar *uri = gst_iio_libiio_device_get_uri (dev);
  const gchar *name = gst_iio_libiio_device_get_name (dev);
  const gchar *label = iio_device_get_label (iio);
  gboolean output = direction == GST_IIO_DIRECTION_OUTPUT;
  g_autofree gchar *channels =
      gst_iio_caps_describe_channels (gst_iio_libiio_device_get_channels (dev));
  g_autofree gchar *display = NULL;
  GPtrArray *enabled = gst_iio_libiio_device_get_enabled_channels (dev);
  gdouble rate = gst_iio_libiio_device_get_sampling_frequency (dev);
  GstCaps *caps = gst_iio_caps_from_channels (enabled, rate);
  GstIioLibiioProviderDevice *device;
  GstStructure *props;

  g_ptr_array_unref (enabled);
  if (caps == NULL)
    caps = gst_caps_new_empty ();
  props = gst_structure_new ("iio-device-properties", "device.api",
      G_TYPE_STRING, "libiio", "iio.uri", G_TYPE_STRING, uri, "iio.id",
      G_TYPE_STRING, iio_device_get_id (iio), "iio.name", G_TYPE_STRING, name,
      "iio.direction", G_TYPE_STRING, output ? "output" : "input",
      "iio.channels", G_TYPE_STRING, channels, "iio.sampling-frequency",
      G_TYPE_DOUBLE, rate, NULL);
  if (label)
    gst_structure_set (props, "iio.label", G_TYPE_STRING, label, NULL);

  display = g_strdup_printf ("%s (%s)", label ? label : name, uri);
  device = g_object_new (GST_TYPE_IIO_LIBIIO_PROVIDER_DEVICE, "display-name",
      display, "caps", caps, "device-class",
      output ? "Sink/IIO/Remote" : "Source/IIO/Remote", "properties", props,
      NULL);
  device->uri = g_strdup (uri);
  device->id = g_strdup (iio_device_get_id (iio));
  device->output = output;
  gst_caps_unref (caps);
  gst_structure_free (props);
  return GST_DEVICE (device);
}

/* Appends a GstDevice per direction of each device of context @uri with
 * scan elements; a context that cannot be created is skipped. */
static GList *
list_context (GstDeviceProvider *provider, const gchar *uri, GList *list)
{
  static const GstIioDirection directions[] = { GST_IIO_DIRECTION_INPUT,
    GST_IIO_DIRECTION_OUTPUT };
  GError *err = NULL;
  struct iio_context *ctx =
      gst_iio_libiio_context_new (uri, PROBE_TIMEOUT, &err);
  guint i, n;

  if (ctx == NULL) {
    /* The message names the URI. */
    GST_WARNING_OBJECT (provider, "%s: skipped", err->message);
    g_error_free (err);
    return list;
  }
  n = iio_context_get_devices_count (ctx);
  for (i = 0; i < n; i++) {
    struct iio_device *iio = iio_context_get_device (ctx, i);

    for (guint d = 0; d < G_N_ELEMENTS (directions); d++) {
      GstIioLibiioDevice *dev;

      if (!gst_iio_libiio_device_has_scan_elements (iio, directions[d]))
        continue;
      dev = gst_iio_libiio_device_new_from_iio (
          uri, ctx, iio, directions[d], &err);
      if (dev == NULL) {
        GST_WARNING_OBJECT (provider, "skipping %s of %s: %s",
            iio_device_get_id (iio), uri, err->message);
        g_clear_error (&err);
        continue;
      }
      list = g_list_append (list, device_from_libiio (dev, directions[d]));
      gst_iio_libiio_device_free (dev);
    }
  }
  GST_INFO_OBJECT (provider, "%s: %u IIO devices", uri, n);
  iio_context_destroy (ctx);
  return list;
}

static void
add_uri (GPtrArray *uris, const gchar *uri)
{
  for (guint i = 0; i < uris->len; i++)
    if (g_str_equal (g_ptr_array_index (uris, i), uri))
      return;
  g_ptr_array_add (uris, g_strdup (uri));
}

/* Adds the non-local contexts that libiio's scan of @backend finds. Each
 * backend on its own: one that fails (DNS-SD without avahi-daemon) would
 * fail the whole scan. */
static void
scan_backend (
    GstDeviceProvider *provider, const gchar *backend, GPtrArray *uris)
{
  struct iio_scan_context *scan;
  struct iio_context_info **info = NULL;
  gssize n;

  if (!iio_has_backend (backend))
    return;
  scan = iio_create_scan_context (backend, 0);
  if (scan == NULL) {
    GST_INFO_OBJECT (provider, "no %s scan: %s", backend, g_strerror (errno));
    return;
  }
  n = iio_scan_context_get_info_list (scan, &info);
  if (n < 0) {
    gchar *reason = gst_iio_libiio_strerror (n);

    GST_INFO_OBJECT (provider, "%s scan failed: %s", backend, reason);
    g_free (reason);
  }
  for (gssize i = 0; i < n; i++) {
    const gchar *uri = iio_context_info_get_uri (info[i]);

    GST_DEBUG_OBJECT (provider, "found %s (%s)", uri,
        iio_context_info_get_description (info[i]));
    if (uri && !g_str_has_prefix (uri, "local:"))
      add_uri (uris, uri);
  }
  if (n >= 0)
    iio_context_info_list_free (info);
  iio_scan_context_destroy (scan);
}

/* The URIs of the contexts to list: GST_IIO_CONTEXTS, else a scan. */
static GPtrArray *
context_uris (GstDeviceProvider *provider)
{
  const gchar *env = g_getenv (CONTEXTS_ENV);
  GPtrArray *uris = g_ptr_array_new_with_free_func (g_free);

  if (env) {
    gchar **parts = g_strsplit (env, ",", -1);

    for (guint i = 0; parts[i]; i++) {
      const gchar *uri = g_strstrip (parts[i]);

      if (*uri)
        add_uri (uris, uri);
    }
    g_strfreev (parts);
    GST_DEBUG_OBJECT (
        provider, CONTEXTS_ENV "=%s: %u contexts", env, uris->len);
    return uris;
  }
  scan_backend (provider, "usb", uris);
  scan_backend (provider, "ip", uris);
  return uris;
}

/* ----- GstIioLibiioDeviceProvider ----- */

static GList *
gst_iio_libiio_device_provider_probe (GstDeviceProvider *provider)
{
  GPtrArray *uris = context_uris (provider);
  GList *list = NULL;

  for (guint i = 0; i < uris->len; i++)
    list = list_context (provider, g_ptr_array_index (uris, i), list);
  g_ptr_array_unref (uris);
  return list;
}

static void
gst_iio_libiio_device_provider_class_init (
    GstIioLibiioDeviceProviderClass *klass)
{
  GstDeviceProviderClass *provider_class = GST_DEVICE_PROVIDER_CLASS (klass);

  GST_DEBUG_CATEGORY_INIT (gst_iio_libiio_device_provider_debug,
      "iiolibiiodeviceprovider", 0, "IIO device discovery through libiio");
  /* No start(): GstDeviceProvider then adds what probe() finds, once. */
  provider_class->probe = gst_iio_libiio_device_provider_probe;
  gst_device_provider_class_set_static_metadata (provider_class,
      "IIO device provider (libiio)", "Source/Sink/IIO/Remote",
      "Lists the IIO devices of libiio contexts (boards running iiod, USB)",
      "gst-iio-dmabuf developers");
}

static void
gst_iio_libiio_device_provider_init (GstIioLibiioDeviceProvider *self)
{
}
