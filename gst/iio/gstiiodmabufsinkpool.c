/* iiodmabufsink: the pool of dma-bufs it offers upstream in the allocation
 * query, whose dma-bufs are attached to the IIO buffer as it allocates
 * them.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstiiodmabufsinkprivate.h"
#include "gstiiodmabufpool.h"

#define GST_CAT_DEFAULT gst_iio_dmabuf_sink_debug

/* Samples in the dma-bufs we offer upstream: what the user asked for, else
 * about 10 ms and no less than what audio sources write by default, in
 * whole words of the buffer's DMA controller (length_align_bytes). */
guint
gst_iio_dmabuf_sink_proposed_samples (
    GstIioDmabufSink *sink, gint rate, guint scan_bytes)
{
  guint n, step;

  if (sink->settings.samples_per_buffer)
    return sink->settings.samples_per_buffer;
  n = MAX (gst_iio_samples_per_block (0, rate, scan_bytes, 1),
      MIN (MIN_PROPOSED_SAMPLES,
          GST_IIO_MAX_AUTO_BLOCK_BYTES / MAX (scan_bytes, 1)));
  step = gst_iio_scans_step (scan_bytes, sink->length_align);
  return (n + step - 1) / step * step;
}

/* The pool we offered allocated a dma-buf (in upstream's thread): attach
 * it now, so the first buffers play without an attach. A failure here is
 * only logged: render() attaches again, and copies what it cannot. */
static void
gst_iio_dmabuf_sink_proposed_alloc (GstMemory *mem, gpointer data)
{
  GstIioDmabufSink *sink = data;
  GError *err = NULL;

  if (!gst_iio_queue_attach (sink->queue, mem, &err)) {
    GST_DEBUG_OBJECT (sink, "attach at allocation: %s", err->message);
    g_clear_error (&err);
  }
}

/* Lets go of the pool offered last; once this returns it attaches no
 * more (it may live on upstream). Object lock held (then the pool's). */
void
gst_iio_dmabuf_sink_forget_proposed (GstIioDmabufSink *sink)
{
  if (sink->proposed)
    gst_iio_dmabuf_pool_set_alloc_notify (
        GST_IIO_DMABUF_POOL (sink->proposed), NULL, NULL);
  gst_clear_object (&sink->proposed);
  gst_clear_object (&sink->proposed_mem);
}

gboolean
gst_iio_dmabuf_sink_propose_allocation (GstBaseSink *bsink, GstQuery *query)
{
  GstIioDmabufSink *sink = GST_IIO_DMABUF_SINK (bsink);
  GstBufferPool *pool;
  GstStructure *config;
  GstCaps *caps;
  guint scan_bytes, size;
  gchar *heap;
  gint rate;

  /* dmabuf-import plays upstream's own dma-bufs, rw write()s. */
  if (sink->mode != GST_IIO_IO_MODE_DMABUF &&
      sink->mode != GST_IIO_IO_MODE_AUTO)
    return TRUE;
  gst_query_parse_allocation (query, &caps, NULL);
  if (!caps || !gst_iio_caps_get_scan (caps, &scan_bytes, &rate))
    return TRUE;

  size = gst_iio_dmabuf_sink_proposed_samples (sink, rate, scan_bytes) *
      scan_bytes;
  /* Upstream asks from its own thread, which may outlive our run (a queue
   * stops after the sink): what the run set up is read, and the offered
   * pool registered, under the object lock, and only between prepare and
   * release. */
  GST_OBJECT_LOCK (sink);
  heap = sink->prepared ? g_strdup (sink->dmabuf.heap) : NULL;
  GST_OBJECT_UNLOCK (sink);
  if (!heap)
    return TRUE;
  pool = gst_iio_dmabuf_pool_new (heap);
  g_free (heap);
  config = gst_buffer_pool_get_config (pool);
  /* No max: upstream may keep a few of its own (an iiodmabufsrc keeps
   * n-buffers in its device) while n-buffers wait in ours. */
  gst_buffer_pool_config_set_params (config, caps, size, sink->n_blocks, 0);
  if (!gst_buffer_pool_set_config (pool, config)) {
    GST_WARNING_OBJECT (sink, "cannot configure the pool to offer");
    gst_object_unref (pool);
    return TRUE;
  }
  gst_query_add_allocation_pool (query, pool, size, sink->n_blocks, 0);
  GST_INFO_OBJECT (sink, "offering a pool of dma-bufs of %u bytes", size);
  GST_OBJECT_LOCK (sink);
  if (sink->prepared) {
    gst_iio_dmabuf_sink_forget_proposed (sink);
    /* Its dma-bufs are attached as it allocates them (the buffer lives
     * until READY->NULL; the pool forgets us at PAUSED->READY). */
    gst_iio_dmabuf_pool_set_alloc_notify (
        GST_IIO_DMABUF_POOL (pool), gst_iio_dmabuf_sink_proposed_alloc, sink);
    sink->proposed = gst_object_ref (pool);
    /* The memory tells our dma-bufs, even in a copy of the buffer (which
     * has no pool). */
    config = gst_buffer_pool_get_config (pool);
    gst_buffer_pool_config_get_allocator (config, &sink->proposed_mem, NULL);
    if (sink->proposed_mem)
      gst_object_ref (sink->proposed_mem);
    gst_structure_free (config);
  }
  GST_OBJECT_UNLOCK (sink);
  gst_object_unref (pool);
  return TRUE;
}
