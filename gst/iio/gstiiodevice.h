/* Control plane of an IIO device: finds it in sysfs, lists and enables the
 * scan elements of one of its buffers, reads and writes its attributes, and
 * sizes and enables that buffer. Knows nothing of the data path.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_IIO_DEVICE_H__
#define __GST_IIO_DEVICE_H__

#include <gst/gst.h>

G_BEGIN_DECLS

typedef enum {
  GST_IIO_DIRECTION_INPUT,
  GST_IIO_DIRECTION_OUTPUT,
} GstIioDirection;

/* One scan element of a buffer, as sysfs describes it. */
typedef struct
{
  gchar *id;   /* "voltage0", "timestamp": no in_/out_ prefix */
  gchar *type; /* as read: "le:s12/16>>4" */
  guint index; /* scan index */
  gboolean big_endian;
  gboolean is_signed;
  guint realbits;
  guint storagebits;
  guint shift;
  guint repeat; /* 1 unless the type says X<n> */
  gboolean is_timestamp;
  gboolean enabled; /* selected by gst_iio_device_select_channels() */
  guint offset;     /* byte offset in a scan, when enabled */
} GstIioChannel;

typedef struct _GstIioDevice GstIioDevice;

/* Where sysfs and the device nodes are: the environment variables
 * GST_IIO_SYSFS_ROOT (default /sys/bus/iio/devices) and GST_IIO_DEV_ROOT
 * (default /dev) move them, for tests. */
const gchar *gst_iio_sysfs_root (void);
const gchar *gst_iio_dev_root (void);

/* Parses a scan element type string ("le:s12/16>>4", "be:u16/16X4>>0").
 * Fills the format fields of @ch; FALSE when the string is malformed or
 * the numbers are out of range (storagebits must be 8..64 and a multiple
 * of 8, 1 <= realbits <= storagebits, shift + realbits <= storagebits,
 * repeat 1..64). */
gboolean gst_iio_channel_parse_type (const gchar *type, GstIioChannel *ch);

/* Finds a device by @spec: its name, its label, or "iio:deviceN"; NULL or
 * "" picks the first device (lowest N) that has a buffer of @direction.
 * The device must have buffer @buffer_index and it must be of @direction.
 * Errors are in GST_RESOURCE_ERROR: NOT_FOUND (no such device, no such
 * buffer, or a buffer of the other direction; the message says which and
 * lists the devices that would fit), OPEN_READ (sysfs unreadable). */
GstIioDevice *gst_iio_device_open (const gchar *spec, GstIioDirection direction,
    guint buffer_index, GError **error);
void gst_iio_device_free (GstIioDevice *dev);

const gchar *gst_iio_device_get_name (GstIioDevice *dev);
const gchar *gst_iio_device_get_label (GstIioDevice *dev); /* or NULL */
const gchar *gst_iio_device_get_id (GstIioDevice *dev);    /* "iio:deviceN" */
GstIioDirection gst_iio_device_get_direction (GstIioDevice *dev);
guint gst_iio_device_get_buffer_index (GstIioDevice *dev);
/* The character device, "<dev root>/iio:deviceN"; owned by @dev. */
const gchar *gst_iio_device_get_devnode (GstIioDevice *dev);

/* All scan elements of the buffer (GstIioChannel *, owned by @dev),
 * sorted by scan index. */
GPtrArray *gst_iio_device_get_channels (GstIioDevice *dev);

/* Enables the channels named in @list (comma-separated ids, spaces
 * ignored) and disables every other scan element of the buffer, writing
 * the _en files. NULL or "" selects every channel but the timestamp.
 * Errors (GST_RESOURCE_ERROR_SETTINGS): an unknown id (the message lists
 * the available ones), an id given twice, an empty selection, or a
 * refused write (errno text). Computes each enabled channel's offset. */
gboolean gst_iio_device_select_channels (
    GstIioDevice *dev, const gchar *list, GError **error);
/* As gst_iio_device_select_channels(), but in memory only: the _en files
 * stay as they are (for a view of a device another process may use). */
gboolean gst_iio_device_plan_channels (
    GstIioDevice *dev, const gchar *list, GError **error);

/* Every buffer of every IIO device (a GstIioDevice per device and buffer,
 * channels loaded), lowest device number and buffer index first. NULL
 * with the error of gst_iio_device_open() when sysfs has no IIO root. */
GPtrArray *gst_iio_device_list (GError **error);

/* The enabled channels (GstIioChannel *, owned by @dev) in scan order;
 * new array, free with g_ptr_array_unref(). */
GPtrArray *gst_iio_device_get_enabled_channels (GstIioDevice *dev);
/* Bytes of one scan of the enabled channels, with the kernel's alignment
 * (each element aligned to its own size, the whole to the largest). */
guint gst_iio_device_get_scan_size (GstIioDevice *dev);
/* What the buffer's transfers must be a multiple of, in bytes: its
 * length_align_bytes (industrialio-buffer-dmaengine: the DMA controller's
 * bus width), 1 when it has none. */
guint gst_iio_device_get_length_align (GstIioDevice *dev);
/* Whether the buffer sits behind a DMA controller
 * (industrialio-buffer-dmaengine, which alone has length_align_bytes). */
gboolean gst_iio_device_has_dma_controller (GstIioDevice *dev);

/* Reads an attribute of the device directory ("sampling_frequency",
 * "bufferN/length", ...); NULL with an error when missing. Trailing
 * newline stripped. */
gchar *gst_iio_device_read_attr (
    GstIioDevice *dev, const gchar *attr, GError **error);
/* Writes one; a refusal gives GST_RESOURCE_ERROR_SETTINGS naming the
 * attribute, the value and the errno text. */
gboolean gst_iio_device_write_attr (
    GstIioDevice *dev, const gchar *attr, const gchar *value, GError **error);
/* Writes each field of @attrs (name = value) in order. */
gboolean gst_iio_device_write_attrs (
    GstIioDevice *dev, const GstStructure *attrs, GError **error);

/* The sampling frequency in Hz: the device's "sampling_frequency", else
 * the buffer's, else the first enabled channel's
 * "<in|out>_<type>_sampling_frequency". 0 when none is readable. */
gdouble gst_iio_device_get_sampling_frequency (GstIioDevice *dev);
gboolean gst_iio_device_set_sampling_frequency (
    GstIioDevice *dev, gdouble hz, GError **error);

/* bufferN/length in scans, and bufferN/enable ("buffer/" before Linux
 * 5.11: the buffer's directory is found at open). */
gboolean gst_iio_device_set_buffer_length (
    GstIioDevice *dev, guint scans, GError **error);
gboolean gst_iio_device_set_buffer_enabled (
    GstIioDevice *dev, gboolean enabled, GError **error);
/* Whether bufferN/enable reads 1: FALSE too when the device is gone. */
gboolean gst_iio_device_get_buffer_enabled (GstIioDevice *dev);
/* Reads an attribute of the buffer's directory ("data_available"). */
gchar *gst_iio_device_read_buffer_attr (
    GstIioDevice *dev, const gchar *name, GError **error);

G_END_DECLS

#endif /* __GST_IIO_DEVICE_H__ */
