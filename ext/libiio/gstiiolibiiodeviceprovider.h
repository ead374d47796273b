/* Device discovery through libiio: a GstDeviceProvider for the IIO devices
 * of remote (network, USB) contexts.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_IIO_LIBIIO_DEVICE_PROVIDER_H__
#define __GST_IIO_LIBIIO_DEVICE_PROVIDER_H__

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_IIO_LIBIIO_DEVICE_PROVIDER                                    \
  (gst_iio_libiio_device_provider_get_type ())
G_DECLARE_FINAL_TYPE (GstIioLibiioDeviceProvider,
    gst_iio_libiio_device_provider, GST, IIO_LIBIIO_DEVICE_PROVIDER,
    GstDeviceProvider)

#define GST_TYPE_IIO_LIBIIO_PROVIDER_DEVICE                                    \
  (gst_iio_libiio_provider_device_get_type ())
G_DECLARE_FINAL_TYPE (GstIioLibiioProviderDevice,
    gst_iio_libiio_provider_device, GST, IIO_LIBIIO_PROVIDER_DEVICE, GstDevice)

GST_DEVICE_PROVIDER_REGISTER_DECLARE (iiolibiiodeviceprovider);

G_END_DECLS

#endif /* __GST_IIO_LIBIIO_DEVICE_PROVIDER_H__ */
