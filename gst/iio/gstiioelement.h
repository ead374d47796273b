/* What iiodmabufsrc and iiodmabufsink share to reach the kernel: opening
 * a buffer in the order it wants, the DMABUF probe, the fileio enable and
 * the settings written at start.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_IIO_ELEMENT_H__
#define __GST_IIO_ELEMENT_H__

#include <gst/gst.h>
#include <unistd.h>
#include "gstiiobuffer.h"
#include "gstiiodevice.h"
#include "gstiioqueue.h"
#include "gstiiosettings.h"

G_BEGIN_DECLS

/* Opens what an element streams through, in the order the kernel wants:
 * finds the device (@spec, @direction, @buffer_index), opens its buffer fd
 * (the device node is exclusive, so past it the buffer is ours), disables a
 * buffer a dead client left enabled (gst_iio_clear_stale_enable()) and
 * selects @channels. On failure nothing stays open. */
gboolean gst_iio_open_buffer (GstElement *element, const gchar *spec,
    GstIioDirection direction, guint buffer_index, const gchar *channels,
    GstIioDevice **dev, GstIioBuffer **buf, GError **error);

/* The buffer is enabled though nobody has the device open (we do, and the
 * kernel lets one process at a time): a client died while streaming. Its
 * enable is stale; this disables it, or no channel could be selected. */
gboolean gst_iio_clear_stale_enable (
    GstElement *element, GstIioDevice *dev, GError **error);

/* Attaches and detaches one small dma-buf from @heap: tells whether @buf
 * does DMABUF at all, before anything is negotiated. FALSE with the reason
 * in @problem (free it) when it does not; @alloc_failed (may be NULL) then
 * says whether the dma-buf could not even be allocated (the heap's fault,
 * not the IIO buffer's). With @dev (the buffer's device, opened by the
 * caller, or NULL to only look), a disabled buffer that refuses the attach
 * as busy is taken out of fileio mode (gst_iio_leave_fileio()) and probed
 * again. */
gboolean gst_iio_probe_dmabuf (GstIioDevice *dev, GstIioBuffer *buf,
    const gchar *heap, gchar **problem, gboolean *alloc_failed);

/* industrialio-buffer-dma (6.11 to 7.2 at least) puts its queue in fileio
 * mode at each enable that finds no dma-buf attached, before the driver
 * starts, and leaves that mode only when a started buffer is disabled. An
 * enable that fails on the way (its fileio blocks could not be allocated,
 * the driver would not start) leaves a disabled buffer in fileio mode, and
 * every DMABUF attach is refused with EBUSY from then on. This enables the
 * buffer once with a small length and disables it, the length then set
 * back: the way out. */
gboolean gst_iio_leave_fileio (GstIioDevice *dev, GError **error);

/* The largest fileio block the kernel can be asked for: the DMA buffer
 * allocates each of its two fileio blocks in one physically contiguous
 * piece, and the page allocator gives at most 1024 pages at once (the
 * default MAX_PAGE_ORDER 10: 4 MiB with 4 KiB pages). A larger one fails
 * the enable with ENOMEM, after a kernel warning. */
static inline gsize
gst_iio_fileio_block_max (void)
{
  return (gsize)sysconf (_SC_PAGESIZE) << 10;
}

/* What an element found at start about DMABUF on its IIO buffer. */
typedef struct
{
  gboolean ok;           /* the buffer takes dma-bufs from @heap */
  gboolean alloc_failed; /* no dma-buf could be allocated to try */
  gchar *heap;           /* where the element allocates: the dma-heap
                          * property, or GST_IIO_UDMABUF when that failed
                          * in io-mode=auto */
  gchar *problem;        /* why not (errno, path), for the debug text */
} GstIioDmabufProbe;

/* Probes @buf with dma-bufs from @heap. In io-mode=auto (@fallback), a
 * heap that cannot allocate gives way to udmabuf, with a warning on
 * @element that names the heap and the error. */
void gst_iio_dmabuf_probe_run (GstElement *element, GstIioDevice *dev,
    GstIioBuffer *buf, const gchar *heap, gboolean fallback,
    GstIioDmabufProbe *probe);
void gst_iio_dmabuf_probe_clear (GstIioDmabufProbe *probe);
/* When the probe failed: posts an error on @element and returns FALSE if
 * io-mode @mode asked for DMABUF; in auto, posts the warning that the
 * element falls back to read()/write() and returns TRUE. */
gboolean gst_iio_dmabuf_probe_post (GstElement *element,
    const GstIioDmabufProbe *probe, GstIioIoMode mode,
    GstIioDirection direction);

/* Enables the buffer for read()/write() once the kernel has let go of an
 * earlier DMABUF user; @block_ring: see gstiioelement.c. */
gboolean gst_iio_enable_fileio (GstIioDevice *dev, GstIioBuffer *buf,
    const gchar *heap, gboolean *block_ring, GError **error);

/* Writes the "attributes" property (name=value,...) and, when above 0,
 * @sampling_frequency to the device. A syntax error in @attributes is
 * GST_RESOURCE_ERROR_SETTINGS. */
gboolean gst_iio_apply_settings (GstIioDevice *dev, const gchar *attributes,
    gdouble sampling_frequency, GError **error);

/* Whether blocks of @samples scans of @scan_bytes are whole multiples of
 * the buffer's @align (length_align_bytes); if not, posts an error on
 * @element naming the constraint and a size that fits. */
gboolean gst_iio_check_block_align (GstElement *element, GstIioDevice *dev,
    guint samples, guint scan_bytes, guint align);

G_END_DECLS

#endif /* __GST_IIO_ELEMENT_H__ */
