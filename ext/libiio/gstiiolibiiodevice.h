/* Control plane of an IIO device reached through libiio: the context of a
 * URI, the device, its scan elements as GstIioChannel (for gstiiocaps),
 * the channel selection, attributes and sampling frequency. Knows nothing
 * of the data path or of elements.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_IIO_LIBIIO_DEVICE_H__
#define __GST_IIO_LIBIIO_DEVICE_H__

#include <gst/gst.h>
#include <iio.h>

#include "gstiiodevice.h"

G_BEGIN_DECLS

typedef struct _GstIioLibiioDevice GstIioLibiioDevice;

/* libiio's text for a negative (or positive) errno-style @ret; free it. */
gchar *gst_iio_libiio_strerror (gssize ret);

/* Creates the context of @uri ("ip:host[:port]", "usb:...", "local:")
 * with an I/O timeout of @timeout (GST_CLOCK_TIME_NONE or 0: none); its
 * creation itself is bounded by libiio's connection timeout. Error:
 * GST_RESOURCE_ERROR_OPEN_READ_WRITE naming @uri and the reason. Free with
 * iio_context_destroy(). */
struct iio_context *gst_iio_libiio_context_new (
    const gchar *uri, GstClockTime timeout, GError **error);

/* Whether @dev has scan elements (buffer-capable channels) of @direction. */
gboolean gst_iio_libiio_device_has_scan_elements (
    struct iio_device *dev, GstIioDirection direction);

/* Creates the context of @uri ("ip:host", "usb:...", "local:"), sets its
 * I/O timeout to @timeout (GST_CLOCK_TIME_NONE or 0: none), finds the
 * device @spec (name, label or id; NULL or "": the first with scan elements
 * of @direction) and enables the scan elements of @direction named in
 * @channels (comma-separated ids; NULL or "": all but the timestamp),
 * disabling the others. Errors are GST_RESOURCE_ERROR: OPEN_READ_WRITE (no
 * context), NOT_FOUND (no such device: the message lists those that fit),
 * SETTINGS (unknown or repeated channel, empty selection); each names the
 * URI and the reason. */
GstIioLibiioDevice *gst_iio_libiio_device_open (const gchar *uri,
    const gchar *spec, GstIioDirection direction, const gchar *channels,
    GstClockTime timeout, GError **error);
/* Wraps @dev of @ctx, which stays the caller's and must outlive the result,
 * with the default selection of @direction (all scan elements but the
 * timestamp); @uri is for messages. For listing devices: one context for
 * all of them. */
GstIioLibiioDevice *gst_iio_libiio_device_new_from_iio (const gchar *uri,
    struct iio_context *ctx, struct iio_device *dev, GstIioDirection direction,
    GError **error);
void gst_iio_libiio_device_free (GstIioLibiioDevice *dev);

const gchar *gst_iio_libiio_device_get_uri (GstIioLibiioDevice *dev);
/* The device's name (else its id), for messages. */
const gchar *gst_iio_libiio_device_get_name (GstIioLibiioDevice *dev);
struct iio_device *gst_iio_libiio_device_get_iio (GstIioLibiioDevice *dev);

/* Changes the context's I/O timeout (0 or GST_CLOCK_TIME_NONE: none). */
void gst_iio_libiio_device_set_timeout (
    GstIioLibiioDevice *dev, GstClockTime timeout);

/* Every scan element of the direction (GstIioChannel *, owned by @dev) in
 * scan order, with its kernel-style type string ("le:s16/16>>0"). */
GPtrArray *gst_iio_libiio_device_get_channels (GstIioLibiioDevice *dev);
/* The enabled channels (GstIioChannel *, owned by @dev) in scan order, with
 * their offsets; a new array, free with g_ptr_array_unref(). */
GPtrArray *gst_iio_libiio_device_get_enabled_channels (GstIioLibiioDevice *dev);
/* Bytes of one scan of the enabled channels. */
guint gst_iio_libiio_device_get_scan_size (GstIioLibiioDevice *dev);

/* The sampling frequency: the device's "sampling_frequency", else the
 * buffer's, else the first enabled channel's; 0 when none is readable. */
gdouble gst_iio_libiio_device_get_sampling_frequency (GstIioLibiioDevice *dev);
/* Writes @attributes ("name=value,...", device attributes) and, above 0,
 * @sampling_frequency where get_sampling_frequency() reads it. */
gboolean gst_iio_libiio_device_apply_settings (GstIioLibiioDevice *dev,
    const gchar *attributes, gdouble sampling_frequency, GError **error);

G_END_DECLS

#endif /* __GST_IIO_LIBIIO_DEVICE_H__ */
