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

/* The device played @block: its clock counts the samples at the moment the
 * fence says, and the drift against the pipeline clock gets a point. */
static void
gst_iio_dmabuf_sink_played (GstIioDmabufSink *sink, GstBuffer *block)
{
  guint64 done = gst_iio_queue_done_ns (sink->queue);
  GstClockTime device, at;
  gboolean own;

  if (sink->rate <= 0)
    return;
  if (done == 0)
    done = gst_iio_now_ns ();
  sink->samples_played += gst_buffer_get_size (block) / sink->scan_bytes;
  device = gst_iio_clock_advance (&sink->clock, sink->samples_played, done);
  at = gst_iio_clock_pipeline_time_at (
      &sink->clock, GST_ELEMENT (sink), done, &own);
  gst_iio_clock_drift_observe (
      &sink->clock, GST_ELEMENT (sink), at, own, device, FALSE, sink->rate);
}

/* Takes the oldest queued block back once the device has read it, waiting
 * at most @timeout (0: not at all, GST_FLOW_OK and nothing taken when it is
 * still in flight: @done says whether one was taken). */
static GstFlowReturn
gst_iio_dmabuf_sink_dequeue_full (GstIioDmabufSink *sink, GstClockTime timeout,
    gboolean *done, GstBuffer **played)
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
      gst_iio_dmabuf_sink_played (sink, buffer);
      if (played)
        *played = buffer;
      else
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
      /* A failed block: its samples did not play; the stream goes on, and
       * the clock runs on over the gap. */
      gst_iio_clock_run_free (&sink->clock);
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

static GstFlowReturn
gst_iio_dmabuf_sink_dequeue (
    GstIioDmabufSink *sink, GstClockTime timeout, gboolean *done)
{
  return gst_iio_dmabuf_sink_dequeue_full (sink, timeout, done, NULL);
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
  /* the device stopped counting: its clock runs on meanwhile */
  gst_iio_clock_run_free (&sink->clock);
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
 * of whole scans and whole words of the DMA controller. */
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
  return offset == 0 && size > 0 && size % gst_iio_dmabuf_sink_step (sink) == 0;
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

/* Copies @n bytes of @data to the end of the pending block, acquiring one
 * first when there is none. */
static GstFlowReturn
gst_iio_dmabuf_sink_fill (GstIioDmabufSink *sink, const guint8 *data, gsize n)
{
  GstFlowReturn ret;
  GstMapInfo out;

  if (!sink->pending) {
    ret =
        gst_buffer_pool_acquire_buffer (sink->copy_pool, &sink->pending, NULL);
    if (ret != GST_FLOW_OK) {
      GError *perr = gst_iio_dmabuf_pool_take_error (
          GST_IIO_DMABUF_POOL (sink->copy_pool));

      if (perr)
        GST_IIO_POST_ERROR (sink, perr);
      return ret;
    }
    sink->pending_fill = 0;
  }
  if (!gst_buffer_map (sink->pending, &out, GST_MAP_WRITE)) {
    GST_ELEMENT_ERROR (sink, RESOURCE, WRITE, ("Cannot map a dma-buf"),
        ("gst_buffer_map of the sink's own %" GST_PTR_FORMAT
         " for writing failed",
            sink->pending));
    return GST_FLOW_ERROR;
  }
  if (data)
    memcpy (out.data + sink->pending_fill, data, n);
  else
    memset (out.data + sink->pending_fill, 0, n);
  gst_buffer_unmap (sink->pending, &out);
  sink->pending_fill += n;
  return GST_FLOW_OK;
}

/* Moves the pending block onto @blocks. */
static void
gst_iio_dmabuf_sink_take_pending (GstIioDmabufSink *sink, GQueue *blocks)
{
  gst_buffer_set_size (sink->pending, sink->pending_fill);
  g_queue_push_tail (blocks, sink->pending);
  sink->pending = NULL;
  sink->pending_fill = 0;
}

/* Copies @buffer into our own dma-bufs, onto @blocks, a block each time one
 * is full or the buffer ends on a whole step. A buffer that ends between
 * steps (possible only where length_align_bytes is more than a scan) leaves
 * its tail pending, to be completed by the next buffer, or padded with
 * silence at EOS. */
static GstFlowReturn
gst_iio_dmabuf_sink_copy (
    GstIioDmabufSink *sink, GstBuffer *buffer, GQueue *blocks)
{
  GstFlowReturn ret = GST_FLOW_OK;
  gsize step = gst_iio_dmabuf_sink_step (sink);
  GstMapInfo in;
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
    n = MIN (size - off, sink->block_bytes - sink->pending_fill);
    ret = gst_iio_dmabuf_sink_fill (sink, in.data + off, n);
    if (ret == GST_FLOW_OK &&
        (sink->pending_fill == sink->block_bytes ||
            (off + n == size && sink->pending_fill % step == 0)))
      gst_iio_dmabuf_sink_take_pending (sink, blocks);
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

/* cyclic: waits at most @timeout for the cyclic block to end, which it
 * does only when the device stops, unless the IIO buffer ignores
 * IIO_BUFFER_DMABUF_CYCLIC (industrialio-buffer-dmaengine does, through
 * 7.2): then it played once, and the sink queues it again, each time, with
 * a warning the first time. A repeat can start late: the device counts the
 * gap as an underrun. */
static GstFlowReturn
gst_iio_dmabuf_sink_keep_cyclic (GstIioDmabufSink *sink, GstClockTime timeout)
{
  GstFlowReturn ret;
  GstBuffer *block;
  GError *err = NULL;
  gboolean done;

  for (;;) {
    block = NULL;
    ret = gst_iio_dmabuf_sink_dequeue_full (sink, timeout, &done, &block);
    if (ret != GST_FLOW_OK || !block)
      return ret;
    if (!sink->cyclic_requeued) {
      GST_ELEMENT_WARNING (sink, RESOURCE, SETTINGS,
          ("The device does not repeat the cyclic block: the sink queues it "
           "again each time it ends, with a possible gap between repeats"),
          ("the IIO buffer completed a block enqueued with "
           "IIO_BUFFER_DMABUF_CYCLIC (industrialio-buffer-dmaengine ignores "
           "the flag)"));
      sink->cyclic_requeued = TRUE;
    }
    if (!gst_iio_queue_push (
            sink->queue, block, gst_buffer_get_size (block), &err)) {
      GST_IIO_POST_ERROR (sink, err);
      return GST_FLOW_ERROR;
    }
  }
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
    ret = gst_iio_dmabuf_sink_keep_cyclic (sink, 0);
    if (ret != GST_FLOW_OK)
      return ret;
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

  /* One block, played again and again: it cannot be completed by the next
   * buffer or padded, so it must fit the buffer's alignment as it is. */
  bytes = gst_buffer_get_size (buffer);
  bytes -= bytes % sink->scan_bytes;
  if (bytes % gst_iio_dmabuf_sink_step (sink)) {
    GST_ELEMENT_ERROR (sink, RESOURCE, SETTINGS,
        ("The cyclic buffer of %" G_GSIZE_FORMAT " bytes does not fit the IIO "
         "buffer: its transfers must be multiples of %u bytes "
         "(length_align_bytes); send a multiple of %" G_GSIZE_FORMAT " bytes",
            bytes, sink->length_align, gst_iio_dmabuf_sink_step (sink)),
        ("%s/length_align_bytes = %u, %u bytes per scan",
            gst_iio_device_get_id (sink->dev), sink->length_align,
            sink->scan_bytes));
    return GST_FLOW_ERROR;
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
  gsize step = gst_iio_dmabuf_sink_step (sink);
  gboolean done;

  /* A copy that ended between steps: completed with silence. */
  if (sink->pending) {
    GQueue last = G_QUEUE_INIT;
    gsize pad = (step - sink->pending_fill % step) % step;

    GST_DEBUG_OBJECT (sink,
        "padding the last block with %" G_GSIZE_FORMAT " bytes of silence",
        pad);
    ret = gst_iio_dmabuf_sink_fill (sink, NULL, pad);
    if (ret != GST_FLOW_OK)
      return ret;
    gst_iio_dmabuf_sink_take_pending (sink, &last);
    ret = gst_iio_dmabuf_sink_play (
        sink, g_queue_pop_head (&last), sink->n_blocks);
  }
  if (ret == GST_FLOW_OK && !gst_iio_queue_is_started (sink->queue) &&
      gst_iio_queue_n_staged (sink->queue) > 0)
    ret = gst_iio_dmabuf_sink_start_device (sink, FALSE);
  if (sink->cyclic_queued)
    return gst_iio_dmabuf_sink_keep_cyclic (sink, GST_CLOCK_TIME_NONE);
  while (ret == GST_FLOW_OK && gst_iio_queue_n_queued (sink->queue) > 0)
    ret = gst_iio_dmabuf_sink_dequeue (sink,
        gst_iio_settings_wait_timeout (GST_ELEMENT (sink), &sink->settings),
        &done);
  GST_DEBUG_OBJECT (sink, "drained: %s", gst_flow_get_name (ret));
  return ret;
}
