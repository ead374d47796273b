/* Data plane of one IIO buffer: its fd, the dma-bufs attached to it,
 * enqueueing and awaiting transfers, and read()/write() for the fileio path.
 * Knows nothing of GStreamer elements; every call but set_flushing(),
 * kick() and the attach calls (a pool attaches its dma-bufs as it allocates
 * them, in its user's thread) is made from one streaming thread at a time.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_IIO_BUFFER_H__
#define __GST_IIO_BUFFER_H__

#include <gst/gst.h>

G_BEGIN_DECLS

typedef struct _GstIioBuffer GstIioBuffer;

/* Errors of the data plane. */
#define GST_IIO_BUFFER_ERROR (gst_iio_buffer_error_quark ())
GQuark gst_iio_buffer_error_quark (void);
typedef enum {
  GST_IIO_BUFFER_ERROR_FAILED,
  GST_IIO_BUFFER_ERROR_NOT_SUPPORTED, /* no DMABUF on this buffer */
  GST_IIO_BUFFER_ERROR_BUSY,
  GST_IIO_BUFFER_ERROR_TRANSFER, /* the kernel failed or aborted one */
  GST_IIO_BUFFER_ERROR_GONE,     /* the device went away */
  GST_IIO_BUFFER_ERROR_TIMEOUT,
  GST_IIO_BUFFER_ERROR_INVALID, /* not a buffer it can queue */
} GstIioBufferError;

typedef enum {
  GST_IIO_WAIT_OK,
  GST_IIO_WAIT_FLUSHING, /* set_flushing() interrupted the wait */
  GST_IIO_WAIT_TIMEOUT,
  GST_IIO_WAIT_ERROR,  /* the transfer failed, or poll() did */
  GST_IIO_WAIT_KICKED, /* gst_iio_buffer_kick() interrupted the wait */
} GstIioWaitResult;

/* CLOCK_MONOTONIC in ns: the clock of fence timestamps. */
guint64 gst_iio_now_ns (void);

/* Opens @devnode and gets the fd of its buffer @index (IIO_BUFFER_GET_FD).
 * Errors: GST_RESOURCE_ERROR_NOT_FOUND, _OPEN_READ/_OPEN_WRITE (EACCES and
 * others, with the errno text), _BUSY. */
GstIioBuffer *gst_iio_buffer_open (
    const gchar *devnode, guint index, gboolean output, GError **error);
/* Detaches every dma-buf and closes every fd this object owns. */
void gst_iio_buffer_close (GstIioBuffer *buf);

/* Attaches a dma-buf, once: a dma-buf already attached (same dma-buf,
 * whatever the fd) is a no-op. The buffer keeps its own dup of the fd until
 * it is detached. A buffer without DMABUF support (EPERM in 6.12; ENOTTY or
 * EINVAL before 6.11) gives GST_IIO_BUFFER_ERROR_NOT_SUPPORTED; EBUSY
 * (enabled in fileio mode) _BUSY; others _FAILED. */
gboolean gst_iio_buffer_attach (
    GstIioBuffer *buf, gint dmabuf_fd, GError **error);
/* The same for a dma-buf GstMemory, whose identity is looked up once and
 * kept on the memory: the per-buffer path. */
gboolean gst_iio_buffer_attach_memory (
    GstIioBuffer *buf, GstMemory *mem, GError **error);
gboolean gst_iio_buffer_is_attached (GstIioBuffer *buf, gint dmabuf_fd);
guint gst_iio_buffer_n_attached (GstIioBuffer *buf);
void gst_iio_buffer_detach_all (GstIioBuffer *buf);
/* Holds off attaches from other threads (recursive: this thread may
 * attach). Hold it while transfers are queued on a disabled buffer until it
 * is enabled: in 6.12 an attach then drops the transfers queued so far
 * (industrialio-buffer-dma resets its incoming list), and they never
 * complete. */
void gst_iio_buffer_lock_attach (GstIioBuffer *buf);
void gst_iio_buffer_unlock_attach (GstIioBuffer *buf);

/* Queues a transfer of @bytes of an attached dma-buf. */
gboolean gst_iio_buffer_enqueue (GstIioBuffer *buf, gint dmabuf_fd, gsize bytes,
    gboolean cyclic, GError **error);
/* Waits until the last transfer queued on @dmabuf_fd is complete. A
 * transfer the kernel failed or aborted gives GST_IIO_WAIT_ERROR. */
GstIioWaitResult gst_iio_buffer_wait (
    GstIioBuffer *buf, gint dmabuf_fd, GstClockTime timeout, GError **error);

/* The queue of GstBuffers in the kernel, oldest first: each holds one
 * attached dma-buf memory. queue_buffer() attaches (once) and enqueues the
 * buffer's dma-buf and keeps the GstBuffer (takes the ref) until
 * dequeue() has seen its transfer complete and hands it back (the ref goes
 * to the caller). On GST_IIO_WAIT_ERROR the failed buffer is handed back
 * too, for the caller to drop or report. */
gboolean gst_iio_buffer_queue_buffer (GstIioBuffer *buf, GstBuffer *buffer,
    gsize bytes, gboolean cyclic, GError **error);
GstIioWaitResult gst_iio_buffer_dequeue (GstIioBuffer *buf,
    GstClockTime timeout, GstBuffer **buffer, GError **error);
guint gst_iio_buffer_n_queued (GstIioBuffer *buf);
/* When the transfer of the last gst_iio_buffer_wait()/dequeue() completed
 * (CLOCK_MONOTONIC ns, from its fence), or 0 when the kernel did not say. */
guint64 gst_iio_buffer_done_ns (GstIioBuffer *buf);
/* How long the device had nothing queued before the transfer of the last
 * dequeue() started (ns): from the completion of the one before it to its
 * own enqueue, when that came later; 0 when it was queued in time or a
 * time is unknown. A converter that runs on meanwhile loses those samples. */
guint64 gst_iio_buffer_idle_ns (GstIioBuffer *buf);
/* Drops every queued GstBuffer (after the device was disabled). */
void gst_iio_buffer_flush_queue (GstIioBuffer *buf);

/* fileio: waits (interruptibly) until the buffer is readable/writable and
 * moves up to @size bytes; returns the count, 0 when flushing, -1 on error. */
gssize gst_iio_buffer_read (GstIioBuffer *buf, guint8 *data, gsize size,
    GstClockTime timeout, GError **error);
gssize gst_iio_buffer_write (GstIioBuffer *buf, const guint8 *data, gsize size,
    GstClockTime timeout, GError **error);

/* Waits for a kick (or a flush) alone, at most @timeout: for a thread with
 * nothing in the kernel's queue to wait on. GST_IIO_WAIT_KICKED,
 * _FLUSHING or _TIMEOUT. */
GstIioWaitResult gst_iio_buffer_wait_kick (
    GstIioBuffer *buf, GstClockTime timeout);
/* Makes the current or next wait (not a read()/write(), which go on)
 * return GST_IIO_WAIT_KICKED; from any thread. Kicks before that wait
 * count as one. */
void gst_iio_buffer_kick (GstIioBuffer *buf);
/* Makes waits return GST_IIO_WAIT_FLUSHING at once, until cleared. Any
 * thread may call it. */
void gst_iio_buffer_set_flushing (GstIioBuffer *buf, gboolean flushing);

G_END_DECLS

#endif /* __GST_IIO_BUFFER_H__ */
