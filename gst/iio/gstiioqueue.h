/* The queue of blocks in one IIO buffer, for both directions: which
 * dma-bufs are attached, which GstBuffers are in the kernel and in what
 * order, when the device starts and stops, and what a wait that ends
 * means. The elements negotiate and account; this is the one place that
 * attaches, enqueues and waits.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_IIO_QUEUE_H__
#define __GST_IIO_QUEUE_H__

#include <gst/gst.h>
#include "gstiiobuffer.h"
#include "gstiiodevice.h"

G_BEGIN_DECLS

typedef struct _GstIioQueue GstIioQueue;

/* What the queue needs of the kernel: an IIO buffer and its device. The
 * real one is gst_iio_queue_new(); tests give their own. @attach returns a
 * handle for one dma-buf (NULL with an error), valid until @detach. */
typedef struct
{
  gpointer (*attach) (gpointer kbuf, gint dmabuf_fd, GError **error);
  void (*detach) (gpointer kbuf, gpointer handle);
  gboolean (*enqueue) (gpointer kbuf, gpointer handle, gsize bytes,
      gboolean cyclic, GError **error);
  GstIioWaitResult (*wait) (gpointer kbuf, gpointer handle,
      GstClockTime timeout, guint64 *done_ns, GError **error);
  gboolean (*set_enabled) (gpointer kbuf, gboolean enabled, GError **error);
  /* Whether the buffer is still there and enabled. */
  gboolean (*alive) (gpointer kbuf);
  GstIioWaitResult (*wait_kick) (gpointer kbuf, GstClockTime timeout);
  void (*kick) (gpointer kbuf);
  void (*set_flushing) (gpointer kbuf, gboolean flushing);
} GstIioQueueBackend;

/* How a wait for the oldest block ended. */
typedef enum {
  GST_IIO_QUEUE_DONE,     /* it completed: *buffer */
  GST_IIO_QUEUE_FAILED,   /* the kernel failed or aborted it while the device
                           * stayed: dropped, the error says why */
  GST_IIO_QUEUE_GONE,     /* the device went away (or someone disabled its
                           * buffer): the error says what was seen */
  GST_IIO_QUEUE_TIMEOUT,  /* nothing completed within the timeout */
  GST_IIO_QUEUE_FLUSHING, /* gst_iio_queue_set_flushing() */
  GST_IIO_QUEUE_KICKED,   /* gst_iio_queue_kick() */
  GST_IIO_QUEUE_ERROR,    /* anything else: the error says */
} GstIioQueueResult;

/* The queue of bufferN of @dev, opened as @buf (both stay the caller's and
 * must outlive gst_iio_queue_close()). */
GstIioQueue *gst_iio_queue_new (GstIioDevice *dev, GstIioBuffer *buf);
GstIioQueue *gst_iio_queue_new_with_backend (
    const GstIioQueueBackend *backend, gpointer kbuf);
/* Stops the device, drops every block, detaches every dma-buf. Memory that
 * lives on (downstream holds it) keeps a small reference to the queue, no
 * fd and no attachment. */
void gst_iio_queue_close (GstIioQueue *q);

/* Attaches the dma-buf of @mem (a GstDmaBufMemory) unless it is: once per
 * dma-buf, and detached again when the last GstMemory of it that was seen
 * here is freed (then no fd and no kernel mapping outlives the memory), or
 * at gst_iio_queue_stop(). Any thread: a pool may attach what it
 * allocates, in its user's thread. Safe at any time: while blocks wait to
 * be started no attach reaches the kernel (in 6.12 an attach to a disabled
 * buffer drops the transfers queued on it, which never complete). */
gboolean gst_iio_queue_attach (GstIioQueue *q, GstMemory *mem, GError **error);

/* Takes @buffer (one dma-buf memory, transfer full) as the next block of
 * @bytes. Before gst_iio_queue_start() it is attached and staged; after,
 * it is queued in the kernel. GST_IIO_BUFFER_ERROR_INVALID for a buffer
 * that is not one dma-buf memory. Streaming thread. */
gboolean gst_iio_queue_push (
    GstIioQueue *q, GstBuffer *buffer, gsize bytes, GError **error);
/* Queues every staged block in order, then enables the buffer, with no
 * attach in between. @cyclic: the kernel repeats each staged block. The
 * buffer is enabled even when a block could not be queued (blocks left in
 * the queue of a buffer that never runs would play at its next enable);
 * the error then says which failed. */
gboolean gst_iio_queue_start (GstIioQueue *q, gboolean cyclic, GError **error);
gboolean gst_iio_queue_is_started (GstIioQueue *q);

/* Waits at most @timeout (0: not at all; GST_CLOCK_TIME_NONE: for ever)
 * for the oldest queued block, in slices of GST_IIO_ALIVE_CHECK_INTERVAL
 * between which it looks whether the device is still there (after its
 * removal nothing completes). See GstIioQueueResult. */
GstIioQueueResult gst_iio_queue_pop (
    GstIioQueue *q, GstClockTime timeout, GstBuffer **buffer, GError **error);

/* Disables the buffer if it was started (that aborts what is queued) and
 * drops every staged and queued block. Attachments stay. */
void gst_iio_queue_stop (GstIioQueue *q);
/* gst_iio_queue_stop(), then detaches every dma-buf. */
void gst_iio_queue_reset (GstIioQueue *q);

guint gst_iio_queue_n_queued (GstIioQueue *q);
guint gst_iio_queue_n_staged (GstIioQueue *q);
/* Any thread. */
guint gst_iio_queue_n_attached (GstIioQueue *q);

/* Of the block the last pop() returned: when its transfer completed
 * (CLOCK_MONOTONIC ns, from its fence; 0 when the kernel did not say), and
 * how long the device had nothing queued before it started: from the
 * completion of the block before it to its own enqueue, when that came
 * later; 0 when it was queued in time or a time is unknown. A converter
 * that runs on meanwhile loses those samples. */
guint64 gst_iio_queue_done_ns (GstIioQueue *q);
guint64 gst_iio_queue_idle_ns (GstIioQueue *q);

/* Waits for a kick (or a flush) alone: for a thread with nothing queued
 * to wait on. GST_IIO_QUEUE_KICKED, _FLUSHING or _TIMEOUT. */
GstIioQueueResult gst_iio_queue_wait_kick (
    GstIioQueue *q, GstClockTime timeout);
/* Makes the current or next wait return GST_IIO_QUEUE_KICKED; any
 * thread. */
void gst_iio_queue_kick (GstIioQueue *q);
/* Makes waits return GST_IIO_QUEUE_FLUSHING until cleared; any thread. */
void gst_iio_queue_set_flushing (GstIioQueue *q, gboolean flushing);

/* Waits are cut into slices of this, to look between them whether the
 * device is still there. */
#define GST_IIO_ALIVE_CHECK_INTERVAL (200 * GST_MSECOND)

/* How long the next slice of a wait of @timeout (GST_CLOCK_TIME_NONE: for
 * ever) may be, @waited into it; FALSE when the wait is over. */
gboolean gst_iio_next_wait_slice (
    GstClockTime timeout, GstClockTime waited, GstClockTime *slice);

G_END_DECLS

#endif /* __GST_IIO_QUEUE_H__ */
