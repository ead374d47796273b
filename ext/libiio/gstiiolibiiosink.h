/* iiosink: playback into an IIO device of any libiio context.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_IIO_LIBIIO_SINK_H__
#define __GST_IIO_LIBIIO_SINK_H__

#include <gst/base/gstbasesink.h>
#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_IIO_LIBIIO_SINK (gst_iio_libiio_sink_get_type ())
G_DECLARE_FINAL_TYPE (
    GstIioLibiioSink, gst_iio_libiio_sink, GST, IIO_LIBIIO_SINK, GstBaseSink)

GST_ELEMENT_REGISTER_DECLARE (iiosink);

G_END_DECLS

#endif /* __GST_IIO_LIBIIO_SINK_H__ */
