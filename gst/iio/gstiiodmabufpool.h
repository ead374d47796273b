/* A GstBufferPool of dma-bufs the element exports: each buffer is one
 * GstDmaBufAllocator memory over a dma-buf from a dma-heap (or from
 * /dev/udmabuf over a memfd when the heap is missing).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_IIO_DMABUF_POOL_H__
#define __GST_IIO_DMABUF_POOL_H__

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_IIO_DEFAULT_DMA_HEAP "/dev/dma_heap/system"
/* As a heap: dma-bufs from /dev/udmabuf over a memfd. */
#define GST_IIO_UDMABUF "/dev/udmabuf"

#define GST_TYPE_IIO_DMABUF_POOL (gst_iio_dmabuf_pool_get_type ())
G_DECLARE_FINAL_TYPE (
    GstIioDmabufPool, gst_iio_dmabuf_pool, GST, IIO_DMABUF_POOL, GstBufferPool)

/* @heap: the dma-heap to allocate from, or GST_IIO_UDMABUF. Only when it
 * is the default heap and missing does the pool fall back to udmabuf. */
GstBufferPool *gst_iio_dmabuf_pool_new (const gchar *heap);

/* Allocates one dma-buf of @size bytes as the pool does; returns the fd
 * (owned by the caller) and, in @source, what it came from ("dma-heap
 * <path>" or "udmabuf"; static). Errors: GST_RESOURCE_ERROR_NOT_FOUND (no
 * heap, no udmabuf), _SETTINGS (the path is not a dma-heap), _NO_SPACE_LEFT. */
gint gst_iio_dmabuf_alloc_fd (
    const gchar *heap, gsize size, const gchar **source, GError **error);

/* Calls @func (@data) each time a buffer comes back to the pool (its last
 * ref was dropped, in whatever thread did that), until set to NULL; once
 * this returns, no call of the previous @func runs or will run. */
void gst_iio_dmabuf_pool_set_release_notify (
    GstIioDmabufPool *pool, GCallback func, gpointer data);

/* Calls @func (the new dma-buf memory, @data) each time the pool allocates
 * a buffer, in the thread that allocates, before the buffer is handed out;
 * until set to NULL, with the same guarantee as above. */
typedef void (*GstIioDmabufPoolAllocFunc) (GstMemory *mem, gpointer data);
void gst_iio_dmabuf_pool_set_alloc_notify (
    GstIioDmabufPool *pool, GstIioDmabufPoolAllocFunc func, gpointer data);

/* Activates @pool (any GstBufferPool), allocating its minimum; on failure
 * the error says why (the first allocation error of one of ours). */
gboolean gst_iio_dmabuf_pool_activate (GstBufferPool *pool, GError **error);

/* The first allocation error of the pool, if any (transfer full). */
GError *gst_iio_dmabuf_pool_take_error (GstIioDmabufPool *pool);

G_END_DECLS

#endif /* __GST_IIO_DMABUF_POOL_H__ */
