/* iiodmabufsink's instance, shared by the files that make the element: the
 * element (gstiiodmabufsink.c), playing dma-buf blocks through the queue
 * (gstiiodmabufsinkplay.c) and write() (gstiiodmabufsinkrw.c).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_IIO_DMABUF_SINK_PRIVATE_H__
#define __GST_IIO_DMABUF_SINK_PRIVATE_H__

#include "gstiiodmabufsink.h"
#include "gstiiocaps.h"
#include "gstiioclock.h"
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
  GstIioClock clock; /* the DAC's time, provided to the pipeline */

  /* READY and up */
  GstIioDevice *dev;
  GstIioBuffer *buf;
  GstIioQueue *queue; /* the pointer: object lock (stats read it) */
  guint scan_bytes;
  guint length_align; /* the buffer's transfers: multiples of it (bytes) */
  gboolean on_dmac;   /* the buffer is behind a DMA controller */

  /* PAUSED and up */
  GstIioDmabufProbe dmabuf; /* DMABUF on the buffer, and its allocator */
  GstIioIoMode mode;        /* in use; AUTO until decided */
  gsize block_bytes;        /* our dma-bufs and fileio blocks; 0 until known */
  guint n_blocks; /* kept queued: n-buffers, or from the rate and block */
  gint rate;
  GstBufferPool *copy_pool;   /* our dma-bufs that copies go into */
  GstBufferPool *proposed;    /* the pool last offered upstream */
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
  /* the buffer did not repeat the cyclic block: the sink queues it again */
  gboolean cyclic_requeued;
  gboolean partial_warned;
  gboolean attach_warned;
  gsize rw_fill; /* rw: bytes in the fileio block being written */
  /* copies: our dma-buf being filled, held back until it ends on a whole
   * multiple of the step (whole scans and length_align_bytes) */
  GstBuffer *pending;
  gsize pending_fill;
  gchar *rw_idle;         /* rw: data_available when every block is free */
  gint flushing;          /* atomic: between unlock() and unlock_stop() */
  guint64 samples_played; /* the device's count, for its clock */

  /* stats, object lock */
  guint64 n_played;
  guint64 n_bytes;
  guint64 n_copies;
  guint64 n_underruns;
  guint64 n_dropped;
  guint64 n_failed;
  GstIioLatency enqueue_latency; /* render() entered -> block queued */
};

/* The device was removed (or someone else disabled its buffer): what was
 * queued is aborted, and a transfer queued after that never completes. */
static inline GstFlowReturn
gst_iio_dmabuf_sink_gone (GstIioDmabufSink *sink, const gchar *detail)
{
  GST_ELEMENT_ERROR (sink, RESOURCE, NOT_FOUND,
      ("IIO device \"%s\" (%s) went away while playing (or someone else "
       "disabled its buffer)",
          gst_iio_device_get_name (sink->dev),
          gst_iio_device_get_id (sink->dev)),
      ("%s", detail));
  return GST_FLOW_ERROR;
}

static inline GstFlowReturn
gst_iio_dmabuf_sink_timed_out (GstIioDmabufSink *sink, GstClockTime timeout)
{
  if (sink->mode == GST_IIO_IO_MODE_RW && sink->on_dmac) {
    /* The kernel's silent failure: see gst_iio_dmabuf_sink_rw_start(). */
    GST_ELEMENT_ERROR (sink, RESOURCE, WRITE,
        ("The IIO device consumed nothing for %" GST_TIME_FORMAT,
            GST_TIME_ARGS (timeout)),
        ("device stalled or stopped; see the timeout property. io-mode=rw "
         "plays fileio blocks of %" G_GSIZE_FORMAT " bytes: a DMA "
         "controller whose maximum segment is smaller refuses them and the "
         "kernel then plays nothing (64 KiB when the controller's driver "
         "sets none); use io-mode=dmabuf or a smaller samples-per-buffer",
            sink->block_bytes));
    return GST_FLOW_ERROR;
  }
  GST_ELEMENT_ERROR (sink, RESOURCE, WRITE,
      ("The IIO device consumed nothing for %" GST_TIME_FORMAT,
          GST_TIME_ARGS (timeout)),
      ("device stalled or stopped; see the timeout property"));
  return GST_FLOW_ERROR;
}

/* Bytes of whole scans in @size; warns once about a partial scan. */
static inline gsize
gst_iio_dmabuf_sink_whole_scans (GstIioDmabufSink *sink, gsize size)
{
  return gst_iio_whole_scans (
      GST_ELEMENT (sink), size, sink->scan_bytes, &sink->partial_warned);
}

/* Bytes a block must be a multiple of: whole scans, and whole words of the
 * buffer's DMA controller (length_align_bytes). */
static inline gsize
gst_iio_dmabuf_sink_step (GstIioDmabufSink *sink)
{
  return (gsize)gst_iio_scans_step (sink->scan_bytes, sink->length_align) *
      sink->scan_bytes;
}

/* The block size of our own dma-bufs and write()s: samples-per-buffer, else
 * the size of the first buffer that needs one, rounded up to the step. */
static inline void
gst_iio_dmabuf_sink_ensure_block (GstIioDmabufSink *sink, gsize size)
{
  gsize step = gst_iio_dmabuf_sink_step (sink);

  if (sink->block_bytes != 0)
    return;
  sink->block_bytes = (MAX (size, 1) + step - 1) / step * step;
  if (!sink->streaming)
    sink->n_blocks = gst_iio_blocks_queued (sink->settings.n_buffers,
        sink->rate, (guint)(sink->block_bytes / MAX (sink->scan_bytes, 1)),
        sink->block_bytes);
}

/* gstiiodmabufsinkpool.c: the pool offered upstream. Samples in its
 * dma-bufs at @rate and @scan_bytes; forgetting it (object lock held); the
 * GstBaseSink propose_allocation. */
guint gst_iio_dmabuf_sink_proposed_samples (
    GstIioDmabufSink *sink, gint rate, guint scan_bytes);
void gst_iio_dmabuf_sink_forget_proposed (GstIioDmabufSink *sink);
gboolean gst_iio_dmabuf_sink_propose_allocation (
    GstBaseSink *bsink, GstQuery *query);

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
