/* Element-level helpers shared by iiodmabufsrc and iiodmabufsink.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstiioelement.h"

#include "gstiiobuffer.h"

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
