/* iiodmabufsink's instance, shared by the files that make the element: the
 * element (gstiiodmabufsink.c), playing dma-buf blocks through the queue
 * (gstiiodmabufsinkplay.c) and write() (gstiiodmabufsinkrw.c).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_IIO_DMABUF_SINK_PRIVATE_H__
#define __GST_IIO_DMABUF_SINK_PRIVATE_H__

#include "gstiiodmabufsink.h"
#include "gstiioqueue.h"

G_BEGIN_DECLS

GST_DEBUG_CATEGORY_EXTERN (gst_iio_dmabuf_sink_debug);

/* Audio sources write 1024 samples a buffer by default (audiotestsrc): the
 * buffers of the pool we offer must hold that much. */
#define MIN_PROPOSED_SAMPLES 1024

struct _GstIioDmabufSink
{
  GstBaseSink parent;

  /* properties; the object lock guards them */
  GstIioSettings settings;
  gboolean cyclic;

  /* READY and up */
  GstIioDevice *dev;
  GstIioBuffer *buf;
  GstIioQueue *queue; /* the pointer: object lock (stats read it) */
  guint scan_bytes;

  /* PAUSED and up */
  GstIioDmabufProbe dmabuf; /* DMABUF on the buffer, and its allocator */
  GstIioIoMode mode;        /* in use; AUTO until decided */
  gsize block_bytes;        /* our dma-bufs and fileio blocks; 0 until known */
  GstBufferPool *copy_pool; /* our dma-bufs that copies go into */
  GstBufferPool *proposed;  /* the pool last offered upstream */
  GstAllocator *proposed_mem; /* its allocator: its buffers' memory */
  GstCaps *refused;           /* caps last refused (one error each) */
  gint caps_warned;           /* atomic: a caps query left nothing */
  gboolean prepared;          /* object lock: between prepare and release */
  GstBufferPool *limit_pool;  /* the upstream pool limit_max is about */
  guint limit_max;            /* its max-buffers */

  /* streaming thread */
  gboolean streaming; /* rw: the IIO buffer is enabled */
  gboolean in_underrun;
  guint healthy;    /* blocks in a row that found others queued */
  gboolean resumed; /* the next buffer follows a pause: no underrun */
  gboolean cyclic_queued;
  gboolean cyclic_warned;
  gboolean partial_warned;
  gboolean attach_warned;
  gsize rw_fill;  /* rw: bytes in the fileio block being written */
  gchar *rw_idle; /* rw: data_available when every block is free */
  gint flushing;  /* atomic: between unlock() and unlock_stop() */

  /* stats, object lock */
  guint64 n_played;
  guint64 n_bytes;
  guint64 n_copies;
  guint64 n_underruns;
  guint64 n_dropped;
  guint64 n_failed;
  GstIioLatency enqueue_latency; /* render() entered -> block queued */
};

/* gstiiodmabufsink.c */
GstFlowReturn gst_iio_dmabuf_sink_gone (
    GstIioDmabufSink *sink, const gchar *detail);
GstFlowReturn gst_iio_dmabuf_sink_timed_out (
    GstIioDmabufSink *sink, GstClockTime timeout);
gsize gst_iio_dmabuf_sink_whole_scans (GstIioDmabufSink *sink, gsize size);
void gst_iio_dmabuf_sink_ensure_block (GstIioDmabufSink *sink, gsize size);

/* gstiiodmabufsinkplay.c: dma-buf blocks through the queue (io-mode
 * dmabuf, dmabuf-import and the zero-copy side of auto). */
GstFlowReturn gst_iio_dmabuf_sink_render_dmabuf (
    GstIioDmabufSink *sink, GstBuffer *buffer);
GstFlowReturn gst_iio_dmabuf_sink_render_cyclic (
    GstIioDmabufSink *sink, GstBuffer *buffer);
GstFlowReturn gst_iio_dmabuf_sink_drain_dmabuf (GstIioDmabufSink *sink);

/* gstiiodmabufsinkrw.c: io-mode=rw */
GstFlowReturn gst_iio_dmabuf_sink_render_rw (
    GstIioDmabufSink *sink, GstBuffer *buffer);
GstFlowReturn gst_iio_dmabuf_sink_drain_rw (GstIioDmabufSink *sink);

G_END_DECLS

#endif /* __GST_IIO_DMABUF_SINK_PRIVATE_H__ */
