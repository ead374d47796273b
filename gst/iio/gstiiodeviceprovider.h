/* Device discovery: a GstDeviceProvider for the local IIO devices that have
 * buffers, kept up to date from the kernel's uevents.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_IIO_DEVICE_PROVIDER_H__
#define __GST_IIO_DEVICE_PROVIDER_H__

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_IIO_DEVICE_PROVIDER (gst_iio_device_provider_get_type ())
G_DECLARE_FINAL_TYPE (GstIioDeviceProvider, gst_iio_device_provider, GST,
    IIO_DEVICE_PROVIDER, GstDeviceProvider)

#define GST_TYPE_IIO_DMABUF_DEVICE (gst_iio_dmabuf_device_get_type ())
G_DECLARE_FINAL_TYPE (GstIioDmabufDevice, gst_iio_dmabuf_device, GST,
    IIO_DMABUF_DEVICE, GstDevice)

GST_DEVICE_PROVIDER_REGISTER_DECLARE (iiodeviceprovider);

/* What a kernel uevent says of an IIO device: "add" or "remove" and the
 * device's id ("iio:deviceN"). FALSE for any other message (another
 * subsystem, a trigger, a malformed one). Exposed for the unit tests. */
gboolean gst_iio_parse_uevent (
    const gchar *msg, gsize len, gboolean *added, gchar **id);

G_END_DECLS

#endif /* __GST_IIO_DEVICE_PROVIDER_H__ */
