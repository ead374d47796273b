/* Data plane of one IIO buffer: its fd, the dma-bufs attached to it,
 * enqueueing and awaiting transfers, and read()/write() for the fileio path.
 * The system calls alone: which transfer goes when, and when a dma-buf may
 * be attached, is the queue's (gstiioqueue.h). Knows nothing of elements.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_IIO_BUFFER_H__
#define __GST_IIO_BUFFER_H__

#include <gst/gst.h>
#include "gstiiosettings.h"

G_BEGIN_DECLS

typedef struct _GstIioBuffer GstIioBuffer;

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

/* One dma-buf attached to the buffer: the buffer's own dup of its fd (so
 * the dma-buf outlives its exporter's fd until detached) and the fence of
 * its pending transfer. Owned by the buffer from attach() to detach(). */
typedef struct _GstIioAttachment GstIioAttachment;

/* Attaches the dma-buf @dmabuf_fd (IIO_BUFFER_DMABUF_ATTACH_IOCTL). A
 * buffer without DMABUF support (EPERM in 6.12; ENOTTY or EINVAL before
 * 6.11) gives GST_IIO_BUFFER_ERROR_NOT_SUPPORTED; EBUSY (enabled in fileio
 * mode) _BUSY; others _FAILED. Thread-safe; see gstiioqueue.h for when an
 * attach is safe at all. */
GstIioAttachment *gst_iio_buffer_attach (
    GstIioBuffer *buf, gint dmabuf_fd, GError **error);
/* Whether the last attach the kernel refused said the buffer has no
 * DMABUF ops at all (EPERM, kfifo on 6.11+), rather than that the kernel
 * has no DMABUF (before 6.11) or the buffer is busy. */
gboolean gst_iio_buffer_has_no_dma_ops (GstIioBuffer *buf);
/* Detaches it and closes its fds. Not while its transfer is queued. */
void gst_iio_buffer_detach (GstIioBuffer *buf, GstIioAttachment *att);

/* Queues a transfer of @bytes of @att's dma-buf and keeps its fence. */
gboolean gst_iio_buffer_enqueue (GstIioBuffer *buf, GstIioAttachment *att,
    gsize bytes, gboolean cyclic, GError **error);
/* Waits at most @timeout for the last transfer queued on @att. A transfer
 * the kernel failed or aborted gives GST_IIO_WAIT_ERROR with
 * GST_IIO_BUFFER_ERROR_TRANSFER. @done_ns: when it completed
 * (CLOCK_MONOTONIC, from its fence), 0 when the kernel did not say. */
GstIioWaitResult gst_iio_buffer_wait (GstIioBuffer *buf, GstIioAttachment *att,
    GstClockTime timeout, guint64 *done_ns, GError **error);
/* With @check (the default) each enqueue exports the transfer's fence as a
 * sync_file, and the wait reads its status: a transfer the kernel failed
 * or aborted ends the wait with GST_IIO_WAIT_ERROR, and @done_ns gets the
 * fence's signal time. That costs two system calls per block (export,
 * status) beside the enqueue and the poll, and a close() batched with
 * others (close_range() of the sync_files of up to 64 transfers). Without it
 * the wait polls the dma-buf itself, as the raw ioctl loop does: two calls per
 * block, and a failed transfer looks like a good one. Takes effect at the
 * next enqueue. */
void gst_iio_buffer_set_check_transfers (GstIioBuffer *buf, gboolean check);

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
