/* iiodmabufsink, zero-copy: plays dma-buf blocks through the queue, copies
 * what is no dma-buf into the sink's own, and tells underruns.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstiiodmabufsinkprivate.h"
#include "gstiiodmabufpool.h"

#include <string.h>

#include <gst/allocators/allocators.h>

#define GST_CAT_DEFAULT gst_iio_dmabuf_sink_debug

/* Takes the oldest queued block back once the device has read it, waiting
 * at most @timeout (0: not at all, GST_FLOW_OK and nothing taken when it is
 * still in flight: @done says whether one was taken). */
static GstFlowReturn
gst_iio_dmabuf_sink_dequeue (
    GstIioDmabufSink *sink, GstClockTime timeout, gboolean *done)
{
  GstBuffer *buffer = NULL;
  GError *err = NULL;
  GstIioQueueResult res;

  *done = FALSE;
  do /* nobody kicks the sink's queue */
    res = gst_iio_queue_pop (sink->queue, timeout, &buffer, &err);
  while (res == GST_IIO_QUEUE_KICKED);

  switch (res) {
    case GST_IIO_QUEUE_DONE:
      gst_buffer_unref (buffer);
      *done = TRUE;
      return GST_FLOW_OK;
    case GST_IIO_QUEUE_TIMEOUT:
      if (timeout == 0)
        return GST_FLOW_OK;
      return gst_iio_dmabuf_sink_timed_out (sink, timeout);
    case GST_IIO_QUEUE_FLUSHING:
      return GST_FLOW_FLUSHING;
    case GST_IIO_QUEUE_GONE:
      gst_iio_dmabuf_sink_gone (sink, err->message);
      g_error_free (err);
      return GST_FLOW_ERROR;
    case GST_IIO_QUEUE_FAILED:
      /* A failed block: its samples did not play; the stream goes on. */
      GST_OBJECT_LOCK (sink);
      sink->n_failed++;
      GST_OBJECT_UNLOCK (sink);
      GST_IIO_POST_WARNING (sink, err);
      *done = TRUE;
      return GST_FLOW_OK;
    default:
      GST_IIO_POST_ERROR (sink, err);
      return GST_FLOW_ERROR;
  }
}

/* Counts @n blocks of @bytes in all as played (under the object lock). */
static void
gst_iio_dmabuf_sink_account (GstIioDmabufSink *sink, guint n, gsize bytes)
{
  GST_OBJECT_LOCK (sink);
  sink->n_played += n;
  sink->n_bytes += bytes;
  GST_OBJECT_UNLOCK (sink);
}

/* Starts the device with the staged blocks. */
static GstFlowReturn
gst_iio_dmabuf_sink_start_device (GstIioDmabufSink *sink, gboolean cyclic)
{
  guint n = gst_iio_queue_n_staged (sink->queue);
  GError *err = NULL;

  if (!gst_iio_queue_start (sink->queue, cyclic, &err)) {
    GST_IIO_POST_ERROR (sink, err);
    return GST_FLOW_ERROR;
  }
  sink->resumed = FALSE;
  GST_INFO_OBJECT (sink, "device started with %u blocks queued%s", n,
      cyclic ? " (cyclic)" : "");
  return GST_FLOW_OK;
}

/* How many blocks may be in flight for a buffer like @buffer. An upstream
 * pool with a limit gets one of its buffers back while we hold the rest, or
 * it could wait for ever for one while we wait for the next buffer. */
static guint
gst_iio_dmabuf_sink_limit (GstIioDmabufSink *sink, GstBuffer *buffer)
{
  GstBufferPool *pool = buffer->pool;

  if (!pool || pool == sink->proposed || pool == sink->copy_pool)
    return sink->n_blocks;
  if (pool != sink->limit_pool) {
    GstStructure *config = gst_buffer_pool_get_config (pool);
    guint min;

    sink->limit_max = 0;
    gst_buffer_pool_config_get_params (
        config, NULL, NULL, &min, &sink->limit_max);
    gst_structure_free (config);
    gst_object_replace ((GstObject **)&sink->limit_pool, GST_OBJECT (pool));
    GST_DEBUG_OBJECT (sink, "upstream pool %" GST_PTR_FORMAT " max %u", pool,
        sink->limit_max);
  }
  if (sink->limit_max == 0)
    return sink->n_blocks;
  return CLAMP (sink->limit_max - 1, 1, sink->n_blocks);
}

/* Counts an underrun when the device has played everything we queued before
 * this block came; one warning per run of them. A run ends when a queue's
 * worth of blocks (n-buffers) in a row found blocks still queued. */
static void
gst_iio_dmabuf_sink_check_underrun (GstIioDmabufSink *sink)
{
  gboolean dry = gst_iio_queue_n_queued (sink->queue) == 0 && !sink->resumed;

  sink->resumed = FALSE;
  if (!dry) {
    if (sink->in_underrun && ++sink->healthy >= sink->n_blocks)
      sink->in_underrun = FALSE;
    return;
  }
  sink->healthy = 0;
  GST_OBJECT_LOCK (sink);
  sink->n_underruns++;
  GST_OBJECT_UNLOCK (sink);
  if (!sink->in_underrun)
    GST_ELEMENT_WARNING (sink, RESOURCE, WRITE,
        ("Underrun: the IIO device played every queued block before the "
         "next one came"),
        ("upstream is slower than the device; raise n-buffers or make "
         "upstream faster"));
  sink->in_underrun = TRUE;
}

/* Plays one dma-buf block (transfer full): staged until the device
 * starts, queued after that, with at most @limit in flight. */
static GstFlowReturn
gst_iio_dmabuf_sink_play (GstIioDmabufSink *sink, GstBuffer *block, guint limit)
{
  GstFlowReturn ret = GST_FLOW_OK;
  GError *err = NULL;
  gsize bytes = gst_buffer_get_size (block);
  gboolean done = TRUE;
  GstClockTime timeout;

  if (!gst_iio_queue_is_started (sink->queue)) {
    if (!gst_iio_queue_push (sink->queue, block, bytes, &err)) {
      GST_IIO_POST_ERROR (sink, err);
      return GST_FLOW_ERROR;
    }
    gst_iio_dmabuf_sink_account (sink, 1, bytes);
    if (gst_iio_queue_n_staged (sink->queue) >= limit)
      return gst_iio_dmabuf_sink_start_device (sink, FALSE);
    return GST_FLOW_OK;
  }

  /* Let go of what the device has read, at once, then look at the queue. */
  while (ret == GST_FLOW_OK && done && gst_iio_queue_n_queued (sink->queue))
    ret = gst_iio_dmabuf_sink_dequeue (sink, 0, &done);
  if (ret == GST_FLOW_OK)
    gst_iio_dmabuf_sink_check_underrun (sink);
  timeout = gst_iio_settings_wait_timeout (GST_ELEMENT (sink), &sink->settings);
  while (ret == GST_FLOW_OK && gst_iio_queue_n_queued (sink->queue) >= limit)
    ret = gst_iio_dmabuf_sink_dequeue (sink, timeout, &done);
  if (ret != GST_FLOW_OK) {
    gst_buffer_unref (block);
    return ret;
  }
  if (!gst_iio_queue_push (sink->queue, block, bytes, &err)) {
    GST_IIO_POST_ERROR (sink, err);
    return GST_FLOW_ERROR;
  }
  gst_iio_dmabuf_sink_account (sink, 1, bytes);
  return GST_FLOW_OK;
}

/* A buffer the device can read as it is: one dma-buf, from its first byte,
 * of whole scans. */
static gboolean
gst_iio_dmabuf_sink_is_playable (GstIioDmabufSink *sink, GstBuffer *buffer)
{
  GstMemory *mem;
  gsize offset, size;

  if (gst_buffer_n_memory (buffer) != 1)
    return FALSE;
  mem = gst_buffer_peek_memory (buffer, 0);
  if (!gst_is_dmabuf_memory (mem))
    return FALSE;
  size = gst_memory_get_sizes (mem, &offset, NULL);
  return offset == 0 && size > 0 && size % sink->scan_bytes == 0;
}

/* A buffer to play as it is: playable, and attached to the IIO buffer. A
 * dma-buf the device cannot attach is copied, with a warning the first
 * time. */
static gboolean
gst_iio_dmabuf_sink_attached (GstIioDmabufSink *sink, GstBuffer *buffer)
{
  GError *err = NULL;

  if (!gst_iio_dmabuf_sink_is_playable (sink, buffer))
    return FALSE;
  if (gst_iio_queue_attach (
          sink->queue, gst_buffer_peek_memory (buffer, 0), &err))
    return TRUE;
  if (!sink->attach_warned) {
    GST_ELEMENT_WARNING (sink, RESOURCE, SETTINGS,
        ("Cannot play upstream's dma-buf as it is: copying it"),
        ("%s", err->message));
    sink->attach_warned = TRUE;
  }
  g_error_free (err);
  return FALSE;
}

static gboolean
gst_iio_dmabuf_sink_ensure_copy_pool (GstIioDmabufSink *sink, gsize size)
{
  GstStructure *config;
  GError *err = NULL;

  if (sink->copy_pool)
    return TRUE;
  gst_iio_dmabuf_sink_ensure_block (sink, size);
  /* A cyclic block must fit one dma-buf. */
  if (sink->cyclic)
    sink->block_bytes = MAX (sink->block_bytes, size);
  sink->copy_pool = gst_iio_dmabuf_pool_new (sink->dmabuf.heap);
  config = gst_buffer_pool_get_config (sink->copy_pool);
  gst_buffer_pool_config_set_params (
      config, NULL, sink->block_bytes, sink->n_blocks, 0);
  if (!gst_buffer_pool_set_config (sink->copy_pool, config) ||
      !gst_iio_dmabuf_pool_activate (sink->copy_pool, &err)) {
    GST_ELEMENT_ERROR (sink, RESOURCE, NO_SPACE_LEFT,
        ("Cannot allocate dma-bufs of %" G_GSIZE_FORMAT " bytes to play from",
            sink->block_bytes),
        ("%s", err ? err->message : "pool configuration refused"));
    g_clear_error (&err);
    gst_clear_object (&sink->copy_pool);
    return FALSE;
  }
  GST_INFO_OBJECT (sink, "copying into dma-bufs of %" G_GSIZE_FORMAT " bytes",
      sink->block_bytes);
  return TRUE;
}

/* Copies @buffer into our own dma-bufs, a block each, onto @blocks. */
static GstFlowReturn
gst_iio_dmabuf_sink_copy (
    GstIioDmabufSink *sink, GstBuffer *buffer, GQueue *blocks)
{
  GstFlowReturn ret = GST_FLOW_OK;
  GstMapInfo in, out;
  gsize size, off, n;

  if (!gst_buffer_map (buffer, &in, GST_MAP_READ)) {
    GST_ELEMENT_ERROR (sink, RESOURCE, READ, ("Cannot map a buffer"),
        ("gst_buffer_map of %" GST_PTR_FORMAT " for reading failed", buffer));
    return GST_FLOW_ERROR;
  }
  size = gst_iio_dmabuf_sink_whole_scans (sink, in.size);
  if (size > 0 && !gst_iio_dmabuf_sink_ensure_copy_pool (sink, size))
    ret = GST_FLOW_ERROR;
  for (off = 0; ret == GST_FLOW_OK && off < size; off += n) {
    GstBuffer *block = NULL;

    n = MIN (size - off, sink->block_bytes);
    ret = gst_buffer_pool_acquire_buffer (sink->copy_pool, &block, NULL);
    if (ret != GST_FLOW_OK) {
      GError *perr = gst_iio_dmabuf_pool_take_error (
          GST_IIO_DMABUF_POOL (sink->copy_pool));

      if (perr)
        GST_IIO_POST_ERROR (sink, perr);
      break;
    }
    if (!gst_buffer_map (block, &out, GST_MAP_WRITE)) {
      GST_ELEMENT_ERROR (sink, RESOURCE, WRITE, ("Cannot map a dma-buf"),
          ("gst_buffer_map of the sink's own %" GST_PTR_FORMAT
           " for writing failed",
              block));
      gst_buffer_unref (block);
      ret = GST_FLOW_ERROR;
      break;
    }
    memcpy (out.data, in.data + off, n);
    gst_buffer_unmap (block, &out);
    gst_buffer_set_size (block, n);
    g_queue_push_tail (blocks, block);
  }
  gst_buffer_unmap (buffer, &in);
  if (ret == GST_FLOW_OK && size > 0) {
    GST_OBJECT_LOCK (sink);
    sink->n_copies++;
    GST_OBJECT_UNLOCK (sink);
  }
  return ret;
}

/* auto: which of the zero-copy modes the stream uses, for the log and
 * current-io-mode. */
static void
gst_iio_dmabuf_sink_decide_auto (
    GstIioDmabufSink *sink, GstBuffer *buffer, gboolean playable)
{
  GstIioIoMode mode = playable &&
          gst_buffer_peek_memory (buffer, 0)->allocator != sink->proposed_mem
      ? GST_IIO_IO_MODE_DMABUF_IMPORT
      : GST_IIO_IO_MODE_DMABUF;

  GST_INFO_OBJECT (sink, "io-mode in use: %s", gst_iio_io_mode_nick (mode));
  GST_OBJECT_LOCK (sink);
  sink->mode = mode;
  GST_OBJECT_UNLOCK (sink);
}

/* The dma-buf blocks @buffer plays as: itself when the device can read it
 * as it is, else copies into the sink's own dma-bufs (onto @blocks). In
 * auto, the first buffer decides between dmabuf and dmabuf-import. */
static GstFlowReturn
gst_iio_dmabuf_sink_to_blocks (
    GstIioDmabufSink *sink, GstBuffer *buffer, GQueue *blocks)
{
  gboolean playable = gst_iio_dmabuf_sink_attached (sink, buffer);

  if (sink->mode == GST_IIO_IO_MODE_AUTO)
    gst_iio_dmabuf_sink_decide_auto (sink, buffer, playable);
  if (!playable)
    return gst_iio_dmabuf_sink_copy (sink, buffer, blocks);
  g_queue_push_tail (blocks, gst_buffer_ref (buffer));
  return GST_FLOW_OK;
}

GstFlowReturn
gst_iio_dmabuf_sink_render_dmabuf (GstIioDmabufSink *sink, GstBuffer *buffer)
{
  guint limit = gst_iio_dmabuf_sink_limit (sink, buffer);
  GQueue blocks = G_QUEUE_INIT;
  GstFlowReturn ret = gst_iio_dmabuf_sink_to_blocks (sink, buffer, &blocks);
  GstBuffer *block;

  while ((block = g_queue_pop_head (&blocks))) {
    if (ret == GST_FLOW_OK)
      ret = gst_iio_dmabuf_sink_play (sink, block, limit);
    else
      gst_buffer_unref (block);
  }
  return ret;
}

/* cyclic: the first buffer becomes the cyclic block, the device starts;
 * later buffers are dropped. */
GstFlowReturn
gst_iio_dmabuf_sink_render_cyclic (GstIioDmabufSink *sink, GstBuffer *buffer)
{
  GstFlowReturn ret;
  GQueue blocks = G_QUEUE_INIT;
  GError *err = NULL;
  GstBuffer *block;
  gsize bytes;

  if (sink->cyclic_queued) {
    if (!sink->cyclic_warned) {
      GST_ELEMENT_WARNING (sink, STREAM, FAILED,
          ("cyclic=true: the device repeats the first buffer, later ones are "
           "dropped"),
          ("buffer %" GST_PTR_FORMAT " dropped (and those after it, without "
           "another warning)",
              buffer));
      sink->cyclic_warned = TRUE;
    }
    GST_OBJECT_LOCK (sink);
    sink->n_dropped++;
    GST_OBJECT_UNLOCK (sink);
    return GST_FLOW_OK;
  }

  ret = gst_iio_dmabuf_sink_to_blocks (sink, buffer, &blocks);
  if (ret != GST_FLOW_OK || g_queue_is_empty (&blocks)) {
    g_queue_clear_full (&blocks, (GDestroyNotify)gst_buffer_unref);
    return ret;
  }
  /* The copy made one block (the pool fits the buffer). */
  block = g_queue_pop_head (&blocks);
  bytes = gst_buffer_get_size (block);
  if (!gst_iio_queue_push (sink->queue, block, bytes, &err)) {
    GST_IIO_POST_ERROR (sink, err);
    return GST_FLOW_ERROR;
  }
  ret = gst_iio_dmabuf_sink_start_device (sink, TRUE);
  if (ret == GST_FLOW_OK) {
    sink->cyclic_queued = TRUE;
    gst_iio_dmabuf_sink_account (sink, 1, bytes);
  }
  return ret;
}

/* EOS: starts the device with what it holds, then waits until it has played
 * every queued block. A cyclic block completes only when the device stops:
 * the wait ends with the flush of a state change. */
GstFlowReturn
gst_iio_dmabuf_sink_drain_dmabuf (GstIioDmabufSink *sink)
{
  GstFlowReturn ret = GST_FLOW_OK;
  gboolean done;

  if (!gst_iio_queue_is_started (sink->queue) &&
      gst_iio_queue_n_staged (sink->queue) > 0)
    ret = gst_iio_dmabuf_sink_start_device (sink, FALSE);
  if (sink->cyclic_queued)
    return gst_iio_dmabuf_sink_dequeue (sink, GST_CLOCK_TIME_NONE, &done);
  while (ret == GST_FLOW_OK && gst_iio_queue_n_queued (sink->queue) > 0)
    ret = gst_iio_dmabuf_sink_dequeue (sink,
        gst_iio_settings_wait_timeout (GST_ELEMENT (sink), &sink->settings),
        &done);
  GST_DEBUG_OBJECT (sink, "drained: %s", gst_flow_get_name (ret));
  return ret;
}
