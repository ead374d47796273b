/* iiosrc: capture from an IIO device of any libiio context.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_IIO_LIBIIO_SRC_H__
#define __GST_IIO_LIBIIO_SRC_H__

#include <gst/base/gstpushsrc.h>
#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_IIO_LIBIIO_SRC (gst_iio_libiio_src_get_type ())
G_DECLARE_FINAL_TYPE (
    GstIioLibiioSrc, gst_iio_libiio_src, GST, IIO_LIBIIO_SRC, GstPushSrc)

GST_ELEMENT_REGISTER_DECLARE (iiosrc);

G_END_DECLS

#endif /* __GST_IIO_LIBIIO_SRC_H__ */
