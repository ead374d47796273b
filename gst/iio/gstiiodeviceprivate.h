/* The IIO device object's fields, shared by the files that make it:
 * gstiiodevice.c (finding a device, attributes, the buffer) and
 * gstiiochannels.c (its scan elements).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_IIO_DEVICE_PRIVATE_H__
#define __GST_IIO_DEVICE_PRIVATE_H__

#include "gstiiodevice.h"

G_BEGIN_DECLS

GST_DEBUG_CATEGORY_EXTERN (gst_iio_device_debug);

/* Also what the device list holds: a listed device has no channels yet and
 * its buffer fields describe the last buffer probed. */
struct _GstIioDevice
{
  guint num;   /* N of iio:deviceN */
  gchar *id;   /* "iio:deviceN" */
  gchar *name; /* NULL when the driver gives none */
  gchar *label;
  gchar *path; /* its sysfs directory */
  gchar *devnode;
  GstIioDirection direction;
  guint buffer_index;
  gchar *buffer_dir;   /* "bufferN"; "buffer" before Linux 5.11 */
  gchar *scan_dir;     /* "bufferN"; "scan_elements" before 5.11 */
  const gchar *prefix; /* "in_" or "out_" */
  GPtrArray *channels; /* GstIioChannel *, owned, by scan index */
  guint scan_size;
};

/* The device's name; its id when the driver gives it no name. */
static inline const gchar *
gst_iio_device_display_name (GstIioDevice *dev)
{
  return dev->name ? dev->name : dev->id;
}

/* gstiioattrs.c: the file's contents, trailing newline stripped; NULL with
 * @error (G_FILE_ERROR) when unreadable. */
gchar *gst_iio_read_file (const gchar *path, GError **error);
/* @value in the shortest decimal that reads back the same. */
gchar *gst_iio_format_double (gdouble value);
gboolean gst_iio_parse_uint (const gchar *s, guint *out);

/* gstiiochannels.c */

/* Loads every scan element of the buffer into dev->channels, as enabled
 * as sysfs says, and computes the layout. */
gboolean gst_iio_device_load_channels (GstIioDevice *dev, GError **error);

G_END_DECLS

#endif /* __GST_IIO_DEVICE_PRIVATE_H__ */
