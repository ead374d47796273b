/* iiodmabufsrc: live capture from an IIO input buffer through IIO DMABUF.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_IIO_DMABUF_SRC_H__
#define __GST_IIO_DMABUF_SRC_H__

#include <gst/gst.h>
#include <gst/base/gstpushsrc.h>

#include "gstiiobuffer.h"
#include "gstiiodevice.h"
#include "gstiioelement.h"

G_BEGIN_DECLS

#define GST_TYPE_IIO_DMABUF_SRC (gst_iio_dmabuf_src_get_type ())
G_DECLARE_FINAL_TYPE (
    GstIioDmabufSrc, gst_iio_dmabuf_src, GST, IIO_DMABUF_SRC, GstPushSrc)

GST_ELEMENT_REGISTER_DECLARE (iiodmabufsrc);

G_END_DECLS

#endif /* __GST_IIO_DMABUF_SRC_H__ */
