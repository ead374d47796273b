/* iiodmabufsrc's instance, shared by the files that make the element: the
 * element (gstiiodmabufsrc.c) and capture (gstiiodmabufsrccapture.c).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_IIO_DMABUF_SRC_PRIVATE_H__
#define __GST_IIO_DMABUF_SRC_PRIVATE_H__

#include "gstiioclock.h"
#include "gstiiodmabufsrc.h"
#include "gstiioqueue.h"
#include "gstiiotimestamp.h"

G_BEGIN_DECLS

GST_DEBUG_CATEGORY_EXTERN (gst_iio_dmabuf_src_debug);
GST_DEBUG_CATEGORY_EXTERN (gst_iio_dmabuf_src_performance);

struct _GstIioDmabufSrc
{
  GstPushSrc parent;

  GstIioSettings settings; /* the object lock guards them */
  GstIioClock clock;       /* the device's time, provided to the pipeline */

  /* READY and up */
  GstIioDevice *dev;
  GstIioBuffer *buf;
  GstIioQueue *queue;          /* the pointer: object lock (stats read it) */
  GstIioDmabufProbe dmabuf;    /* found at start: DMABUF, and its allocator */
  GstIioTimestamps timestamps; /* the scan's timestamp channel, at start */

  /* negotiated */
  gdouble rate;
  guint scan_bytes;
  guint length_align; /* the buffer's transfers: multiples of it (bytes) */
  guint block_samples;
  gsize block_bytes;
  /* blocks kept queued: n-buffers, or chosen from the rate (set_caps) */
  guint n_blocks;
  GstIioIoMode mode;   /* in use; AUTO until decided */
  GstBufferPool *pool; /* ours or downstream's, in the dma modes */

  /* streaming thread */
  gboolean streaming; /* rw: the buffer is enabled */
  guint64 rw_skip;    /* rw: bytes still to drop at the start */
  GstClockTime ts0;
  guint64 mono0;     /* CLOCK_MONOTONIC of sample 0 by the nominal rate, 0:
                      * unknown; where loss is judged */
  guint64 prev_done; /* the last block's fence time, 0: unknown */
  guint64 prev_end;  /* the sample after the last block */
  gdouble pace;      /* blocks' completion intervals over nominal (EMA) */
  guint n_paces;
  guint64 offset;
  gboolean discont;
  guint64 done_ns;      /* when the block being pushed completed, 0: unknown */
  guint64 idle_ns;      /* the device's idle time before it (no block queued) */
  gboolean copy_logged; /* the first copy-out was logged */
  gint waiting;         /* atomic: create() is between refilling the queue and
                         * the end of its wait: a buffer that comes back to the
                         * pool then kicks the wait, to be queued at once */

  /* stats, object lock */
  guint64 n_buffers_out;
  guint64 n_bytes_out;
  guint64 n_copies;
  guint64 n_maps; /* CPU reads of a dma-buf (its first scan's timestamp) */
  guint64 n_samples_lost;
  guint64 n_overruns; /* times samples were lost */
  guint64 n_blocks_failed;
  GstIioLatency push_latency; /* block completion -> handed downstream */
};

/* gstiiodmabufsrccapture.c: a block from the device, in each io-mode,
 * and its timestamp. */
GstFlowReturn gst_iio_dmabuf_src_create_dmabuf (
    GstIioDmabufSrc *src, GstBuffer **out);
GstFlowReturn gst_iio_dmabuf_src_create_rw (
    GstIioDmabufSrc *src, GstBuffer **out);
/* Stamps @buffer (PTS, offsets, DISCONT, the device's timestamp); FALSE
 * when it holds no new samples (a failed transfer its timestamp tells):
 * drop it, its samples are skipped. */
gboolean gst_iio_dmabuf_src_timestamp (GstIioDmabufSrc *src, GstBuffer *buffer);

/* io-mode=rw: the kernel splits its buffer into two fileio blocks, and
 * read() sees a block's samples once it is full. Each holds half the
 * queue's blocks (1 at least), so the queue's time is the device's too,
 * within what the kernel can allocate in one piece. */
static inline guint
gst_iio_dmabuf_src_rw_fileio_samples (GstIioDmabufSrc *src)
{
  return gst_iio_fileio_scans (src->n_blocks, src->block_samples,
      src->scan_bytes, src->length_align, gst_iio_fileio_block_max ());
}

G_END_DECLS

#endif /* __GST_IIO_DMABUF_SRC_PRIVATE_H__ */
