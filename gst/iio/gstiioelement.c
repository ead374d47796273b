/* Element-level helpers shared by iiodmabufsrc and iiodmabufsink.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstiioelement.h"

#include "gstiiobuffer.h"
#include "gstiiodmabufpool.h"

#include <unistd.h>

GST_DEBUG_CATEGORY_STATIC (gst_iio_element_debug);
#define GST_CAT_DEFAULT gst_iio_element_debug

static void
ensure_debug (void)
{
  static gsize once = 0;

  if (g_once_init_enter (&once)) {
    GST_DEBUG_CATEGORY_INIT (
        gst_iio_element_debug, "iioelement", 0, "IIO element helpers");
    g_once_init_leave (&once, 1);
  }
}

GType
gst_iio_io_mode_get_type (void)
{
  static gsize type = 0;
  static const GEnumValue values[] = {
    { GST_IIO_IO_MODE_AUTO,
        "Zero-copy (dmabuf-import, else dmabuf) where the "
        "device supports DMABUF, else rw",
        "auto" },
    { GST_IIO_IO_MODE_DMABUF, "Export: the element's own dma-bufs", "dmabuf" },
    { GST_IIO_IO_MODE_DMABUF_IMPORT, "Import: dma-bufs from the peer's pool",
        "dmabuf-import" },
    { GST_IIO_IO_MODE_RW, "read()/write() on the buffer fd (copies)", "rw" },
    { 0, NULL, NULL }
  };

  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_enum_register_static ("GstIioIoMode", values));
  return type;
}

const gchar *
gst_iio_io_mode_nick (GstIioIoMode mode)
{
  GEnumClass *klass = g_type_class_ref (GST_TYPE_IIO_IO_MODE);
  GEnumValue *v = g_enum_get_value (klass, mode);
  const gchar *nick = v ? v->value_nick : "unknown";

  g_type_class_unref (klass);
  return nick;
}

void
gst_iio_post_error (GstElement *element, GstMessageType type, GError *err,
    const gchar *file, const gchar *function, gint line)
{
  GQuark domain = GST_RESOURCE_ERROR;
  gint code = GST_RESOURCE_ERROR_FAILED;

  if (err->domain == GST_RESOURCE_ERROR || err->domain == GST_CORE_ERROR ||
      err->domain == GST_STREAM_ERROR || err->domain == GST_LIBRARY_ERROR) {
    domain = err->domain;
    code = err->code;
  } else if (err->domain == GST_IIO_BUFFER_ERROR) {
    switch (err->code) {
      case GST_IIO_BUFFER_ERROR_GONE:
        code = GST_RESOURCE_ERROR_NOT_FOUND;
        break;
      case GST_IIO_BUFFER_ERROR_BUSY:
        code = GST_RESOURCE_ERROR_BUSY;
        break;
      case GST_IIO_BUFFER_ERROR_NOT_SUPPORTED:
      case GST_IIO_BUFFER_ERROR_INVALID:
        code = GST_RESOURCE_ERROR_SETTINGS;
        break;
      default:
        code = GST_RESOURCE_ERROR_READ;
        break;
    }
  }
  gst_element_message_full (element, type, domain, code,
      g_strdup (err->message), NULL, file, function, line);
  g_error_free (err);
}

GstStructure *
gst_iio_parse_attributes (const gchar *text)
{
  gchar *full = g_strdup_printf ("attributes, %s", text);
  GstStructure *s = gst_structure_from_string (full, NULL);

  g_free (full);
  return s;
}

guint
gst_iio_samples_per_block (guint requested, gdouble rate, guint scan_bytes)
{
  guint64 n;

  if (requested)
    return requested;
  n = rate > 0 ? (guint64)(rate * GST_IIO_BLOCK_MS / 1000.0) : 1024;
  n = MAX (n, GST_IIO_MIN_AUTO_SAMPLES);
  if (scan_bytes && n * scan_bytes > GST_IIO_MAX_AUTO_BLOCK_BYTES)
    n = GST_IIO_MAX_AUTO_BLOCK_BYTES / scan_bytes;
  return (guint)n;
}

gboolean
gst_iio_clear_stale_enable (
    GstElement *element, GstIioDevice *dev, guint buffer_index, GError **error)
{
  gchar *attr = g_strdup_printf ("buffer%u/enable", buffer_index);
  gchar *val = gst_iio_device_read_attr (dev, attr, NULL);
  gboolean ok = TRUE;

  ensure_debug ();
  if (val && !g_strcmp0 (val, "1")) {
    GST_WARNING_OBJECT (element,
        "%s was left enabled by a client that went away: disabling it", attr);
    ok = gst_iio_device_set_buffer_enabled (dev, FALSE, error);
  }
  g_free (val);
  g_free (attr);
  return ok;
}

gboolean
gst_iio_open_buffer (GstElement *element, const gchar *spec,
    GstIioDirection direction, guint buffer_index, const gchar *channels,
    GstIioDevice **dev, GstIioBuffer **buf, GError **error)
{
  *buf = NULL;
  *dev = gst_iio_device_open (spec, direction, buffer_index, error);
  if (!*dev)
    return FALSE;
  /* The device node first: it is exclusive, so past it the buffer is ours. */
  *buf = gst_iio_buffer_open (gst_iio_device_get_devnode (*dev), buffer_index,
      direction == GST_IIO_DIRECTION_OUTPUT, error);
  if (!*buf ||
      !gst_iio_clear_stale_enable (element, *dev, buffer_index, error) ||
      !gst_iio_device_select_channels (*dev, channels, error)) {
    g_clear_pointer (buf, gst_iio_buffer_close);
    g_clear_pointer (dev, gst_iio_device_free);
    return FALSE;
  }
  return TRUE;
}

gboolean
gst_iio_probe_dmabuf (GstIioBuffer *buf, const gchar *heap, gchar **problem)
{
  const gchar *source;
  GError *err = NULL;
  gboolean ok = FALSE;
  gint fd;

  *problem = NULL;
  fd = gst_iio_dmabuf_alloc_fd (heap, 4096, &source, &err);
  if (fd >= 0) {
    ok = gst_iio_buffer_attach (buf, fd, &err);
    gst_iio_buffer_detach_all (buf);
    close (fd);
  }
  if (err) {
    ok = FALSE;
    *problem = g_strdup (err->message);
    g_error_free (err);
  }
  return ok;
}

gboolean
gst_iio_apply_settings (GstIioDevice *dev, const gchar *attributes,
    gdouble sampling_frequency, GError **error)
{
  if (attributes && *attributes) {
    GstStructure *attrs = gst_iio_parse_attributes (attributes);
    gboolean ok;

    if (!attrs) {
      g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
          "Cannot parse attributes \"%s\": expected name=value,name=value",
          attributes);
      return FALSE;
    }
    ok = gst_iio_device_write_attrs (dev, attrs, error);
    gst_structure_free (attrs);
    if (!ok)
      return FALSE;
  }
  if (sampling_frequency > 0 &&
      !gst_iio_device_set_sampling_frequency (dev, sampling_frequency, error))
    return FALSE;
  return TRUE;
}
