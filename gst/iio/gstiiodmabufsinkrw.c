/* iiodmabufsink, io-mode=rw: write()s whole fileio blocks, and tells from
 * the buffer's free space when all has played.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstiiodmabufsinkprivate.h"

#define GST_CAT_DEFAULT gst_iio_dmabuf_sink_debug

/* rw: data_available of the buffer, the free space in fileio blocks. */
static gchar *
gst_iio_dmabuf_sink_rw_space (GstIioDmabufSink *sink)
{
  return gst_iio_device_read_buffer_attr (sink->dev, "data_available", NULL);
}

/* industrialio-buffer-dmaengine submits a fileio output block as one DMA
 * segment: one longer than the controller's maximum segment fails, and the
 * block then never plays, with no word from the kernel. Userspace cannot
 * read that maximum; 64 KiB is what the kernel assumes of a controller
 * whose driver sets none (dma_get_max_seg_size()). */
#define GST_IIO_DMAC_SAFE_SEGMENT (64 * 1024)

static GstFlowReturn
gst_iio_dmabuf_sink_rw_start (GstIioDmabufSink *sink, gsize size)
{
  GError *err = NULL;
  guint scans;

  gst_iio_dmabuf_sink_ensure_block (sink, size);
  /* The block the sink picks itself stays within the safe segment there;
   * one the user sets (samples-per-buffer) is kept, the timeout's error
   * says why it may not play. */
  if (sink->on_dmac && sink->settings.samples_per_buffer == 0 &&
      sink->block_bytes > GST_IIO_DMAC_SAFE_SEGMENT) {
    gsize step = gst_iio_dmabuf_sink_step (sink);

    sink->block_bytes = MAX (step, GST_IIO_DMAC_SAFE_SEGMENT / step * step);
    GST_INFO_OBJECT (sink,
        "fileio blocks of %" G_GSIZE_FORMAT " bytes: within 64 KiB, the "
        "kernel's maximum segment for a DMA controller that sets none",
        sink->block_bytes);
  }
  scans = sink->block_bytes / sink->scan_bytes;
  if (sink->block_bytes > gst_iio_fileio_block_max ()) {
    scans = gst_iio_fileio_scans (1, scans, sink->scan_bytes,
        sink->length_align, gst_iio_fileio_block_max ());
    sink->block_bytes = (gsize)scans * sink->scan_bytes;
    GST_INFO_OBJECT (sink,
        "fileio blocks of %" G_GSIZE_FORMAT " bytes: the most the kernel "
        "allocates in one piece",
        sink->block_bytes);
  }
  /* The kernel splits the buffer into two fileio blocks: each is a block. */
  if (!gst_iio_device_set_buffer_length (sink->dev, 2 * scans, &err) ||
      !gst_iio_enable_fileio (
          sink->dev, sink->buf, sink->dmabuf.heap, NULL, &err)) {
    GST_IIO_POST_ERROR (sink, err);
    return GST_FLOW_ERROR;
  }
  sink->streaming = TRUE;
  sink->rw_fill = 0;
  g_free (sink->rw_idle);
  sink->rw_idle = gst_iio_dmabuf_sink_rw_space (sink);
  GST_INFO_OBJECT (sink, "io-mode in use: rw, blocks of %u scans", scans);
  return GST_FLOW_OK;
}

/* Writes @size bytes, never across a fileio block: the kernel then takes
 * each write() whole once poll() said there is room, and the wait stays
 * interruptible. */
static GstFlowReturn
gst_iio_dmabuf_sink_rw_write (
    GstIioDmabufSink *sink, const guint8 *data, gsize size)
{
  GstClockTime timeout =
      gst_iio_settings_wait_timeout (GST_ELEMENT (sink), &sink->settings);
  GstClockTime waited = 0, slice;
  GError *err = NULL;
  gsize n;
  gssize w;

  while (size > 0) {
    if (!gst_iio_next_wait_slice (timeout, waited, &slice))
      return gst_iio_dmabuf_sink_timed_out (sink, timeout);
    n = MIN (size, sink->block_bytes - sink->rw_fill);
    w = gst_iio_buffer_write (sink->buf, data, n, slice, &err);
    if (w == 0)
      return GST_FLOW_FLUSHING;
    if (w < 0 &&
        g_error_matches (
            err, GST_IIO_BUFFER_ERROR, GST_IIO_BUFFER_ERROR_TIMEOUT)) {
      g_clear_error (&err);
      if (!gst_iio_device_get_buffer_enabled (sink->dev))
        return gst_iio_dmabuf_sink_gone (sink, "the buffer is disabled");
      waited += slice;
      continue;
    }
    if (w < 0) {
      GST_IIO_POST_ERROR (sink, err);
      return GST_FLOW_ERROR;
    }
    sink->rw_fill = (sink->rw_fill + n) % sink->block_bytes;
    data += n;
    size -= n;
    waited = 0;
  }
  return GST_FLOW_OK;
}

GstFlowReturn
gst_iio_dmabuf_sink_render_rw (GstIioDmabufSink *sink, GstBuffer *buffer)
{
  GstFlowReturn ret = GST_FLOW_OK;
  GstMapInfo map;
  gsize size;

  if (!gst_buffer_map (buffer, &map, GST_MAP_READ)) {
    GST_ELEMENT_ERROR (sink, RESOURCE, READ, ("Cannot map a buffer"),
        ("gst_buffer_map of %" GST_PTR_FORMAT " for reading failed", buffer));
    return GST_FLOW_ERROR;
  }
  size = gst_iio_dmabuf_sink_whole_scans (sink, map.size);
  if (size > 0 && !sink->streaming)
    ret = gst_iio_dmabuf_sink_rw_start (sink, size);
  if (size > 0 && ret == GST_FLOW_OK)
    ret = gst_iio_dmabuf_sink_rw_write (sink, map.data, size);
  gst_buffer_unmap (buffer, &map);
  if (ret == GST_FLOW_OK && size > 0) {
    GST_OBJECT_LOCK (sink);
    sink->n_copies++;
    sink->n_played++;
    sink->n_bytes += size;
    GST_OBJECT_UNLOCK (sink);
  }
  return ret;
}

/* rw: completes the last fileio block (with silence) and waits until the
 * device has played every block. */
GstFlowReturn
gst_iio_dmabuf_sink_drain_rw (GstIioDmabufSink *sink)
{
  GstClockTime timeout =
      gst_iio_settings_wait_timeout (GST_ELEMENT (sink), &sink->settings);
  gint64 deadline;
  GstFlowReturn ret;

  if (sink->rw_fill) {
    gsize pad = sink->block_bytes - sink->rw_fill;
    guint8 *zeros = g_malloc0 (pad);

    GST_DEBUG_OBJECT (sink,
        "padding the last block with %" G_GSIZE_FORMAT " bytes of silence",
        pad);
    ret = gst_iio_dmabuf_sink_rw_write (sink, zeros, pad);
    g_free (zeros);
    if (ret != GST_FLOW_OK)
      return ret;
  }
  deadline = timeout == GST_CLOCK_TIME_NONE
      ? G_MAXINT64
      : g_get_monotonic_time () + (gint64)(timeout / GST_USECOND);
  /* No fence in fileio: the free space (sysfs) says when all is played. */
  for (;;) {
    gchar *space = gst_iio_dmabuf_sink_rw_space (sink);
    gboolean idle = space && !g_strcmp0 (space, sink->rw_idle);

    if (!space)
      return gst_iio_dmabuf_sink_gone (sink, "data_available unreadable");
    g_free (space);
    if (idle)
      return GST_FLOW_OK;
    if (g_atomic_int_get (&sink->flushing))
      return GST_FLOW_FLUSHING;
    if (g_get_monotonic_time () > deadline)
      return gst_iio_dmabuf_sink_timed_out (sink, timeout);
    g_usleep (G_TIME_SPAN_MILLISECOND);
  }
}
