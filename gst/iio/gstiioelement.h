/* What iiodmabufsrc and iiodmabufsink share as elements: the io-mode enum,
 * the common property set and defaults, and posting a GError as an element
 * message.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_IIO_ELEMENT_H__
#define __GST_IIO_ELEMENT_H__

#include <gst/gst.h>
#include "gstiiodevice.h"

G_BEGIN_DECLS

typedef enum {
  GST_IIO_IO_MODE_AUTO,
  GST_IIO_IO_MODE_DMABUF,
  GST_IIO_IO_MODE_DMABUF_IMPORT,
  GST_IIO_IO_MODE_RW,
} GstIioIoMode;

#define GST_TYPE_IIO_IO_MODE (gst_iio_io_mode_get_type ())
GType gst_iio_io_mode_get_type (void);
const gchar *gst_iio_io_mode_nick (GstIioIoMode mode);

#define GST_IIO_DEFAULT_N_BUFFERS 4
#define GST_IIO_MIN_N_BUFFERS 2
#define GST_IIO_MAX_N_BUFFERS 64
#define GST_IIO_MAX_SAMPLES_PER_BUFFER (16 * 1024 * 1024)
/* Default block: about 10 ms of samples, within these bounds. */
#define GST_IIO_BLOCK_MS 10
#define GST_IIO_MIN_AUTO_SAMPLES 64
#define GST_IIO_MAX_AUTO_BLOCK_BYTES (4 * 1024 * 1024)

/* Posts @err (a GStreamer error domain or GST_IIO_BUFFER_ERROR) as an element
 * error or warning with @debug; keeps the GError's domain and code where it is
 * a GStreamer one. Takes @err. */
void gst_iio_post_error (GstElement *element, GstMessageType type, GError *err,
    const gchar *file, const gchar *function, gint line);
#define GST_IIO_POST_ERROR(el, err)                                            \
  gst_iio_post_error (GST_ELEMENT (el), GST_MESSAGE_ERROR, (err), __FILE__,    \
      GST_FUNCTION, __LINE__)
#define GST_IIO_POST_WARNING(el, err)                                          \
  gst_iio_post_error (GST_ELEMENT (el), GST_MESSAGE_WARNING, (err), __FILE__,  \
      GST_FUNCTION, __LINE__)

/* Parses the "attributes" property: "name=value,name=value" (a GstStructure
 * body). NULL on a syntax error. */
GstStructure *gst_iio_parse_attributes (const gchar *text);

/* Samples per block: @requested when not 0, else about GST_IIO_BLOCK_MS of
 * @rate, bounded. */
guint gst_iio_samples_per_block (
    guint requested, gdouble rate, guint scan_bytes);

G_END_DECLS

#endif /* __GST_IIO_ELEMENT_H__ */
