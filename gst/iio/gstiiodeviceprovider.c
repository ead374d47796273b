/* Device discovery: lists the buffers of the local IIO devices as GstDevices
 * and follows the kernel's uevents to report devices that come and go.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/**
 * SECTION:provider-iiodeviceprovider
 * @title: iiodeviceprovider
 *
 * Lists every buffer of every local IIO device (ADCs, DACs, SDR front
 * ends) for #GstDeviceMonitor and `gst-device-monitor-1.0`. Input buffers
 * are of class "Source/IIO", output buffers "Sink/IIO". Each device carries
 * the caps of its default channel selection (every scan element but the
 * timestamp) and these properties:
 *
 * - `device.api`: "iio"
 * - `iio.id`, `iio.name`, `iio.label` (when the driver gives one),
 *   `iio.devnode`
 * - `iio.direction`: "input" or "output"; `iio.buffer-index`
 * - `iio.channels`: "id:type" of each scan element, comma-separated, as
 *   the kernel describes it (e.g. "voltage0:le:s16/16>>0")
 * - `iio.sampling-frequency` (Hz, 0 when the device has none)
 * - `iio.dmabuf`: whether the buffer accepts DMABUF (zero-copy); when the
 *   device node cannot be opened to find out (another process streams,
 *   no permission) `iio.dmabuf-unknown` gives the reason instead.
 *
 * gst_device_create_element() returns an iiodmabufsrc or iiodmabufsink
 * with `device` and `buffer-index` set. Devices that appear or go away
 * while the monitor runs (a driver bound or unbound, a module loaded) are
 * reported from the kernel's uevents.
 *
 * Finding out about DMABUF opens the device node for a moment; IIO allows
 * one open at a time, so an application that opens the same device at
 * that very moment gets EBUSY.
 *
 * ## Example
 * |[
 * gst-device-monitor-1.0 Source/IIO Sink/IIO
 * ]|
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstiiodeviceprovider.h"

#include "gstiiobuffer.h"
#include "gstiiocaps.h"
#include "gstiiodevice.h"
#include "gstiiodmabufpool.h"
#include "gstiioelement.h"

#include <errno.h>
#include <linux/netlink.h>
#include <poll.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

GST_DEBUG_CATEGORY_STATIC (gst_iio_device_provider_debug);
#define GST_CAT_DEFAULT gst_iio_device_provider_debug

/* The kernel's own uevent multicast group (udev re-broadcasts on 2). */
#define UEVENT_KERNEL_GROUP 1
#define UEVENT_MAX 8192

struct _GstIioDmabufDevice
{
  GstDevice parent;

  gchar *id;
  guint buffer_index;
  gboolean output;
};

G_DEFINE_TYPE (GstIioDmabufDevice, gst_iio_dmabuf_device, GST_TYPE_DEVICE);

struct _GstIioDeviceProvider
{
  GstDeviceProvider parent;

  GThread *thread;
  gint uevent_fd; /* netlink socket, owned; -1 when not monitoring */
  gint wake_fd;   /* eventfd that stops the thread, owned */
};

G_DEFINE_TYPE (
    GstIioDeviceProvider, gst_iio_device_provider, GST_TYPE_DEVICE_PROVIDER);

GST_DEVICE_PROVIDER_REGISTER_DEFINE (iiodeviceprovider, "iiodeviceprovider",
    GST_RANK_PRIMARY, GST_TYPE_IIO_DEVICE_PROVIDER);

/* ----- GstIioDmabufDevice ----- */

static GstElement *
gst_iio_dmabuf_device_create_element (GstDevice *device, const gchar *name)
{
  GstIioDmabufDevice *self = GST_IIO_DMABUF_DEVICE (device);
  GstElement *element = gst_element_factory_make (
      self->output ? "iiodmabufsink" : "iiodmabufsrc", name);

  if (element)
    g_object_set (
        element, "device", self->id, "buffer-index", self->buffer_index, NULL);
  return element;
}

static gboolean
gst_iio_dmabuf_device_reconfigure_element (
    GstDevice *device, GstElement *element)
{
  GstIioDmabufDevice *self = GST_IIO_DMABUF_DEVICE (device);
  const gchar *factory = self->output ? "iiodmabufsink" : "iiodmabufsrc";

  if (g_strcmp0 (
          GST_OBJECT_NAME (gst_element_get_factory (element)), factory) != 0)
    return FALSE;
  g_object_set (
      element, "device", self->id, "buffer-index", self->buffer_index, NULL);
  return TRUE;
}

static void
gst_iio_dmabuf_device_finalize (GObject *object)
{
  g_free (GST_IIO_DMABUF_DEVICE (object)->id);
  G_OBJECT_CLASS (gst_iio_dmabuf_device_parent_class)->finalize (object);
}

static void
gst_iio_dmabuf_device_class_init (GstIioDmabufDeviceClass *klass)
{
  GstDeviceClass *device_class = GST_DEVICE_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = gst_iio_dmabuf_device_finalize;
  device_class->create_element = gst_iio_dmabuf_device_create_element;
  device_class->reconfigure_element = gst_iio_dmabuf_device_reconfigure_element;
}

static void
gst_iio_dmabuf_device_init (GstIioDmabufDevice *self)
{
}

/* Whether the buffer takes DMABUF: attaches a small dma-buf. FALSE with
 * @unknown set when the node cannot be opened. */
static gboolean
probe_dmabuf (GstIioDevice *dev, gchar **unknown)
{
  GError *err = NULL;
  gchar *problem = NULL;
  gboolean ok;
  GstIioBuffer *buf = gst_iio_buffer_open (gst_iio_device_get_devnode (dev),
      gst_iio_device_get_buffer_index (dev),
      gst_iio_device_get_direction (dev) == GST_IIO_DIRECTION_OUTPUT, &err);

  if (buf == NULL) {
    *unknown = g_strdup (err->message);
    g_error_free (err);
    return FALSE;
  }
  ok = gst_iio_probe_dmabuf (
      NULL, buf, GST_IIO_DEFAULT_DMA_HEAP, &problem, NULL);
  GST_DEBUG ("%s: DMABUF %s%s", gst_iio_device_get_id (dev),
      ok ? "supported" : "refused: ", problem ? problem : "");
  g_free (problem);
  gst_iio_buffer_close (buf);
  return ok;
}

static GstDevice *
device_from_iio (GstIioDevice *dev)
{
  gboolean output =
      gst_iio_device_get_direction (dev) == GST_IIO_DIRECTION_OUTPUT;
  const gchar *label = gst_iio_device_get_label (dev);
  g_autofree gchar *channels =
      gst_iio_caps_describe_channels (gst_iio_device_get_channels (dev));
  g_autofree gchar *display = NULL, *unknown = NULL;
  gboolean dmabuf = probe_dmabuf (dev, &unknown);
  GstIioDmabufDevice *device;
  GstStructure *props;
  GstCaps *caps = NULL;
  gdouble rate = 0;

  /* The caps of the default selection, computed without touching the
   * device: it may be streaming for someone else. */
  if (gst_iio_device_plan_channels (dev, NULL, NULL)) {
    GPtrArray *enabled = gst_iio_device_get_enabled_channels (dev);

    rate = gst_iio_device_get_sampling_frequency (dev);
    caps = gst_iio_caps_from_channels (enabled, rate);
    g_ptr_array_unref (enabled);
  }
  if (caps == NULL)
    caps = gst_caps_new_empty ();

  props = gst_structure_new ("iio-device-properties", "device.api",
      G_TYPE_STRING, "iio", "iio.id", G_TYPE_STRING,
      gst_iio_device_get_id (dev), "iio.name", G_TYPE_STRING,
      gst_iio_device_get_name (dev), "iio.devnode", G_TYPE_STRING,
      gst_iio_device_get_devnode (dev), "iio.direction", G_TYPE_STRING,
      output ? "output" : "input", "iio.buffer-index", G_TYPE_UINT,
      gst_iio_device_get_buffer_index (dev), "iio.channels", G_TYPE_STRING,
      channels, "iio.sampling-frequency", G_TYPE_DOUBLE, rate, NULL);
  if (label)
    gst_structure_set (props, "iio.label", G_TYPE_STRING, label, NULL);
  if (unknown)
    gst_structure_set (
        props, "iio.dmabuf-unknown", G_TYPE_STRING, unknown, NULL);
  else
    gst_structure_set (props, "iio.dmabuf", G_TYPE_BOOLEAN, dmabuf, NULL);

  display = g_strdup_printf ("%s (%s, buffer%u)",
      label ? label : gst_iio_device_get_name (dev),
      gst_iio_device_get_id (dev), gst_iio_device_get_buffer_index (dev));
  device = g_object_new (GST_TYPE_IIO_DMABUF_DEVICE, "display-name", display,
      "caps", caps, "device-class", output ? "Sink/IIO" : "Source/IIO",
      "properties", props, NULL);
  device->id = g_strdup (gst_iio_device_get_id (dev));
  device->buffer_index = gst_iio_device_get_buffer_index (dev);
  device->output = output;
  gst_caps_unref (caps);
  gst_structure_free (props);
  return GST_DEVICE (device);
}

/* GstDevices for the buffers of every IIO device, or only of @id. */
static GList *
list_devices (const gchar *id)
{
  GPtrArray *devs = gst_iio_device_list (NULL);
  GList *list = NULL;

  if (devs == NULL)
    return NULL;
  for (guint i = 0; i < devs->len; i++) {
    GstIioDevice *dev = g_ptr_array_index (devs, i);

    if (id == NULL || g_str_equal (id, gst_iio_device_get_id (dev)))
      list = g_list_append (list, device_from_iio (dev));
  }
  g_ptr_array_unref (devs);
  return list;
}

/* ----- uevents ----- */

gboolean
gst_iio_parse_uevent (const gchar *msg, gsize len, gboolean *added, gchar **id)
{
  const gchar *action = NULL, *devpath = NULL, *subsystem = NULL, *base;
  gsize pos = 0;

  /* "action@devpath\0KEY=value\0KEY=value\0..." */
  while (pos < len) {
    const gchar *field = msg + pos;
    gsize flen = strnlen (field, len - pos);

    if (pos + flen == len)
      break; /* not terminated: ignore the rest */
    if (g_str_has_prefix (field, "ACTION="))
      action = field + strlen ("ACTION=");
    else if (g_str_has_prefix (field, "DEVPATH="))
      devpath = field + strlen ("DEVPATH=");
    else if (g_str_has_prefix (field, "SUBSYSTEM="))
      subsystem = field + strlen ("SUBSYSTEM=");
    pos += flen + 1;
  }
  if (!action || !devpath || g_strcmp0 (subsystem, "iio") != 0)
    return FALSE;
  if (g_str_equal (action, "add"))
    *added = TRUE;
  else if (g_str_equal (action, "remove"))
    *added = FALSE;
  else
    return FALSE;
  base = strrchr (devpath, '/');
  base = base ? base + 1 : devpath;
  if (!g_str_has_prefix (base, "iio:device") ||
      base[strlen ("iio:device")] == '\0' ||
      strspn (base + strlen ("iio:device"), "0123456789") !=
          strlen (base + strlen ("iio:device")))
    return FALSE;
  *id = g_strdup (base);
  return TRUE;
}

static void
device_removed (GstDeviceProvider *provider, const gchar *id)
{
  GList *devices = gst_device_provider_get_devices (provider), *l;

  for (l = devices; l; l = l->next) {
    if (g_str_equal (GST_IIO_DMABUF_DEVICE (l->data)->id, id))
      gst_device_provider_device_remove (provider, l->data);
  }
  g_list_free_full (devices, gst_object_unref);
}

static void
handle_uevent (GstDeviceProvider *provider, const gchar *msg, gsize len)
{
  g_autofree gchar *id = NULL;
  gboolean added;
  GList *l, *found;

  if (!gst_iio_parse_uevent (msg, len, &added, &id))
    return;
  GST_INFO_OBJECT (provider, "%s %s", id, added ? "added" : "removed");
  /* A device that is re-added under the same id replaces the old one. */
  device_removed (provider, id);
  if (!added)
    return;
  found = list_devices (id);
  for (l = found; l; l = l->next)
    gst_device_provider_device_add (provider, l->data);
  g_list_free (found);
}

static gpointer
monitor_thread (gpointer data)
{
  GstIioDeviceProvider *self = data;
  struct pollfd fds[2] = { { .fd = self->uevent_fd, .events = POLLIN },
    { .fd = self->wake_fd, .events = POLLIN } };
  gchar *msg = g_malloc (UEVENT_MAX + 1);

  for (;;) {
    struct sockaddr_nl sender = { 0 };
    struct iovec iov = { .iov_base = msg, .iov_len = UEVENT_MAX };
    struct msghdr hdr = { .msg_name = &sender,
      .msg_namelen = sizeof (sender),
      .msg_iov = &iov,
      .msg_iovlen = 1 };
    ssize_t n;

    if (poll (fds, 2, -1) < 0 && errno != EINTR) {
      GST_WARNING_OBJECT (self, "poll: %s", g_strerror (errno));
      break;
    }
    if (fds[1].revents)
      break;
    if (!(fds[0].revents & POLLIN))
      continue;
    n = recvmsg (self->uevent_fd, &hdr, 0);
    if (n < 0) {
      /* ENOBUFS: events were dropped; the next ones still count. */
      if (errno != EINTR && errno != EAGAIN && errno != ENOBUFS) {
        GST_WARNING_OBJECT (self, "uevent socket: %s", g_strerror (errno));
        break;
      }
      continue;
    }
    /* Only the kernel speaks on this group; ignore anyone else. */
    if (sender.nl_pid != 0)
      continue;
    msg[n] = '\0';
    handle_uevent (GST_DEVICE_PROVIDER (self), msg, n);
  }
  g_free (msg);
  return NULL;
}

/* The netlink socket for kernel uevents; -1 (and a warning) where the
 * kernel or a sandbox refuses it: the provider then lists without updates. */
static gint
open_uevent_socket (GstIioDeviceProvider *self)
{
  struct sockaddr_nl addr = { .nl_family = AF_NETLINK,
    .nl_groups = UEVENT_KERNEL_GROUP };
  gint fd = socket (AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
      NETLINK_KOBJECT_UEVENT);

  if (fd < 0 || bind (fd, (struct sockaddr *)&addr, sizeof (addr)) < 0) {
    GST_WARNING_OBJECT (self,
        "cannot listen to kernel uevents (%s): devices added or removed "
        "later will not be reported",
        g_strerror (errno));
    if (fd >= 0)
      close (fd);
    return -1;
  }
  return fd;
}

/* ----- GstIioDeviceProvider ----- */

static GList *
gst_iio_device_provider_probe (GstDeviceProvider *provider)
{
  return list_devices (NULL);
}

static gboolean
gst_iio_device_provider_start (GstDeviceProvider *provider)
{
  GstIioDeviceProvider *self = GST_IIO_DEVICE_PROVIDER (provider);
  GList *devices, *l;

  /* Listen first: a device added while the list is read is not missed
   * (at worst it is reported twice, and replaced). */
  self->uevent_fd = open_uevent_socket (self);
  devices = list_devices (NULL);
  for (l = devices; l; l = l->next)
    gst_device_provider_device_add (provider, l->data);
  g_list_free (devices);
  if (self->uevent_fd < 0)
    return TRUE;
  self->wake_fd = eventfd (0, EFD_CLOEXEC);
  if (self->wake_fd < 0) {
    GST_WARNING_OBJECT (self, "eventfd: %s", g_strerror (errno));
    close (self->uevent_fd);
    self->uevent_fd = -1;
    return TRUE;
  }
  self->thread = g_thread_new ("iiodeviceprovider", monitor_thread, self);
  return TRUE;
}

static void
gst_iio_device_provider_stop (GstDeviceProvider *provider)
{
  GstIioDeviceProvider *self = GST_IIO_DEVICE_PROVIDER (provider);
  guint64 one = 1;

  if (self->thread) {
    if (write (self->wake_fd, &one, sizeof (one)) < 0)
      GST_WARNING_OBJECT (self, "eventfd write: %s", g_strerror (errno));
    g_thread_join (self->thread);
    self->thread = NULL;
  }
  if (self->wake_fd >= 0)
    close (self->wake_fd);
  if (self->uevent_fd >= 0)
    close (self->uevent_fd);
  self->wake_fd = self->uevent_fd = -1;
}

static void
gst_iio_device_provider_class_init (GstIioDeviceProviderClass *klass)
{
  GstDeviceProviderClass *provider_class = GST_DEVICE_PROVIDER_CLASS (klass);

  GST_DEBUG_CATEGORY_INIT (gst_iio_device_provider_debug, "iiodeviceprovider",
      0, "IIO device discovery");
  provider_class->probe = gst_iio_device_provider_probe;
  provider_class->start = gst_iio_device_provider_start;
  provider_class->stop = gst_iio_device_provider_stop;
  gst_device_provider_class_set_static_metadata (provider_class,
      "IIO device provider", "Source/Sink/IIO",
      "Lists the buffers of local IIO devices (ADCs, DACs, SDR front ends)",
      "gst-iio-dmabuf developers");
}

static void
gst_iio_device_provider_init (GstIioDeviceProvider *self)
{
  self->uevent_fd = -1;
  self->wake_fd = -1;
}
