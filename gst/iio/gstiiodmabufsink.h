/* iiodmabufsink: playback into an IIO output buffer through IIO DMABUF.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_IIO_DMABUF_SINK_H__
#define __GST_IIO_DMABUF_SINK_H__

#include <gst/gst.h>
#include <gst/base/gstbasesink.h>

#include "gstiiobuffer.h"
#include "gstiiodevice.h"
#include "gstiioelement.h"

G_BEGIN_DECLS

#define GST_TYPE_IIO_DMABUF_SINK (gst_iio_dmabuf_sink_get_type ())
G_DECLARE_FINAL_TYPE (
    GstIioDmabufSink, gst_iio_dmabuf_sink, GST, IIO_DMABUF_SINK, GstBaseSink)

GST_ELEMENT_REGISTER_DECLARE (iiodmabufsink);

G_END_DECLS

#endif /* __GST_IIO_DMABUF_SINK_H__ */
