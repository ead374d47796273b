/* iiodmabufsrc, capture: keeps the device's queue full from the pool,
 * copies a block out when downstream holds every buffer, reads in
 * io-mode=rw, and stamps each block, telling lost samples.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstiiodmabufsrcprivate.h"
#include "gstiiodmabufpool.h"

#define GST_CAT_DEFAULT gst_iio_dmabuf_src_debug

/* Takes a free buffer from the pool, without waiting (GST_FLOW_EOS: none
 * is free, downstream holds them all), and checks it can carry a block. */
static GstFlowReturn
gst_iio_dmabuf_src_acquire (GstIioDmabufSrc *src, GstBuffer **buffer)
{
  GstBufferPoolAcquireParams params = { 0 };
  GstFlowReturn ret;

  params.flags = GST_BUFFER_POOL_ACQUIRE_FLAG_DONTWAIT;
  ret = gst_buffer_pool_acquire_buffer (src->pool, buffer, &params);
  if (ret == GST_FLOW_EOS || ret == GST_FLOW_FLUSHING)
    return ret;
  if (ret != GST_FLOW_OK) {
    GError *perr = GST_IS_IIO_DMABUF_POOL (src->pool)
        ? gst_iio_dmabuf_pool_take_error (GST_IIO_DMABUF_POOL (src->pool))
        : NULL;

    if (perr)
      GST_IIO_POST_ERROR (src, perr);
    else
      GST_ELEMENT_ERROR (src, RESOURCE, NO_SPACE_LEFT,
          ("Cannot get a buffer to capture into"),
          ("%s pool %" GST_PTR_FORMAT ": %s",
              GST_IS_IIO_DMABUF_POOL (src->pool) ? "own" : "downstream's",
              src->pool, gst_flow_get_name (ret)));
    return ret;
  }
  if (gst_buffer_get_size (*buffer) < src->block_bytes) {
    GST_ELEMENT_ERROR (src, RESOURCE, SETTINGS,
        ("The pool's dma-buf of %" G_GSIZE_FORMAT " bytes is smaller than a "
         "block of %" G_GSIZE_FORMAT,
            gst_buffer_get_size (*buffer), src->block_bytes),
        ("%s pool %" GST_PTR_FORMAT,
            GST_IS_IIO_DMABUF_POOL (src->pool) ? "own" : "downstream's",
            src->pool));
    gst_clear_buffer (buffer);
    return GST_FLOW_ERROR;
  }
  return GST_FLOW_OK;
}

/* Nothing is in the kernel's queue and the pool has nothing free: waits,
 * no longer than the timeout, for downstream to let go of a buffer. Our
 * own pool kicks the wait when one comes back (src->waiting is set);
 * downstream's pool is asked again every 10 ms. */
static GstFlowReturn
gst_iio_dmabuf_src_wait_free (GstIioDmabufSrc *src, GstBuffer **buffer)
{
  GstClockTime timeout =
      gst_iio_settings_wait_timeout (GST_ELEMENT (src), &src->settings);
  guint64 t0 = gst_iio_now_ns ();
  GstClockTime slice;
  GstFlowReturn ret;

  for (;;) {
    ret = gst_iio_dmabuf_src_acquire (src, buffer);
    if (ret != GST_FLOW_EOS)
      return ret;
    if (!gst_iio_next_wait_slice (timeout, gst_iio_now_ns () - t0, &slice)) {
      GST_ELEMENT_ERROR (src, RESOURCE, READ,
          ("Downstream held every buffer for %" GST_TIME_FORMAT
           ": nothing to capture into",
              GST_TIME_ARGS (timeout)),
          ("io-mode=%s, %s pool %" GST_PTR_FORMAT ", n-buffers %u; none "
           "came back (see the timeout property)",
              gst_iio_io_mode_nick (src->mode),
              GST_IS_IIO_DMABUF_POOL (src->pool) ? "own" : "downstream's",
              src->pool, src->n_blocks));
      return GST_FLOW_ERROR;
    }
    if (!GST_IS_IIO_DMABUF_POOL (src->pool))
      slice = MIN (slice, 10 * GST_MSECOND);
    if (gst_iio_queue_wait_kick (src->queue, slice) == GST_IIO_QUEUE_FLUSHING)
      return GST_FLOW_FLUSHING;
  }
}

/* Before the device runs: stages up to n-buffers from the pool (at least
 * one), then starts it (the queue attaches them all before it queues
 * any). */
static GstFlowReturn
gst_iio_dmabuf_src_prime (GstIioDmabufSrc *src)
{
  GstBuffer *buffer;
  GstFlowReturn ret;
  GError *err = NULL;
  guint n = 0;

  ret = gst_iio_dmabuf_src_wait_free (src, &buffer);
  while (ret == GST_FLOW_OK) {
    if (!gst_iio_queue_push (src->queue, buffer, src->block_bytes, &err)) {
      GST_IIO_POST_ERROR (src, err);
      return GST_FLOW_ERROR;
    }
    if (++n == src->n_blocks)
      break;
    ret = gst_iio_dmabuf_src_acquire (src, &buffer);
  }
  if (ret != GST_FLOW_OK && ret != GST_FLOW_EOS)
    return ret; /* (EOS: downstream holds the others, fewer are queued) */
  if (!gst_iio_queue_start (src->queue, FALSE, &err)) {
    GST_IIO_POST_ERROR (src, err);
    return GST_FLOW_ERROR;
  }
  return GST_FLOW_OK;
}

/* While streaming: queues free pool buffers until n-buffers are in the
 * kernel or none is free (downstream holds them); when nothing at all is
 * queued and @may_wait, waits for one (bounded by the timeout). */
static GstFlowReturn
gst_iio_dmabuf_src_fill_queue (GstIioDmabufSrc *src, gboolean may_wait)
{
  GstBuffer *buffer;
  GstFlowReturn ret;
  GError *err = NULL;
  /* (only this thread queues or takes blocks) */
  guint n;

  for (n = gst_iio_queue_n_queued (src->queue); n < src->n_blocks; n++) {
    if (may_wait && n == 0)
      ret = gst_iio_dmabuf_src_wait_free (src, &buffer);
    else
      ret = gst_iio_dmabuf_src_acquire (src, &buffer);
    if (ret == GST_FLOW_EOS)
      break;
    if (ret != GST_FLOW_OK)
      return ret;
    if (!gst_iio_queue_push (src->queue, buffer, src->block_bytes, &err)) {
      GST_IIO_POST_ERROR (src, err);
      return GST_FLOW_ERROR;
    }
  }
  return GST_FLOW_OK;
}

/* Downstream holds every buffer the pool has (a filesink batching small
 * blocks, a muxer, a deep queue, an application that keeps samples):
 * rather than let the kernel queue run dry, which loses samples, the
 * completed @block is copied into system memory and its dma-buf queued
 * again at once. The copy replaces *@block. */
static GstFlowReturn
gst_iio_dmabuf_src_copy_out (GstIioDmabufSrc *src, GstBuffer **block)
{
  GstBuffer *copy;
  GstMapInfo map;
  GError *err = NULL;

  if (!gst_buffer_map (*block, &map, GST_MAP_READ)) {
    GST_ELEMENT_ERROR (src, RESOURCE, READ,
        ("Cannot map a captured dma-buf to copy it"),
        ("downstream holds every buffer of the pool; mapping the block "
         "failed"));
    gst_clear_buffer (block);
    return GST_FLOW_ERROR;
  }
  copy = gst_buffer_new_memdup (map.data, src->block_bytes);
  gst_buffer_unmap (*block, &map);
  if (!gst_iio_queue_push (
          src->queue, g_steal_pointer (block), src->block_bytes, &err)) {
    gst_buffer_unref (copy);
    GST_IIO_POST_ERROR (src, err);
    return GST_FLOW_ERROR;
  }
  *block = copy;
  GST_OBJECT_LOCK (src);
  src->n_copies++;
  GST_OBJECT_UNLOCK (src);
  if (!src->copy_logged) {
    GST_CAT_WARNING_OBJECT (gst_iio_dmabuf_src_performance, src,
        "downstream holds every buffer of the pool (%s): copying completed "
        "blocks into system memory to keep %u queued in the device; raise "
        "samples-per-buffer, or let downstream hold fewer buffers",
        GST_IS_IIO_DMABUF_POOL (src->pool) ? "own" : "downstream's",
        src->n_blocks);
    src->copy_logged = TRUE;
  }
  return GST_FLOW_OK;
}

/* A block completed: the kernel's queue is refilled at once from the pool.
 * When the pool has nothing free and the queue would stay a quarter short
 * of n-buffers or more, the block is copied out and its dma-buf goes back
 * (above); a buffer or two that downstream holds a moment longer (a
 * harness, an application that maps each buffer) costs no copy. */
static GstFlowReturn
gst_iio_dmabuf_src_keep_queue_full (GstIioDmabufSrc *src, GstBuffer **block)
{
  guint n = src->n_blocks;
  /* (no wait: with nothing free, the block in hand goes back instead) */
  GstFlowReturn ret = gst_iio_dmabuf_src_fill_queue (src, FALSE);

  if (ret != GST_FLOW_OK) {
    gst_clear_buffer (block);
    return ret;
  }
  if (gst_iio_queue_n_queued (src->queue) >= n - n / 4)
    return GST_FLOW_OK;
  return gst_iio_dmabuf_src_copy_out (src, block);
}

/* A block that brought no samples (its transfer failed): it is counted,
 * never pushed, and the stream skips its samples. */
static void
gst_iio_dmabuf_src_skip_failed (GstIioDmabufSrc *src)
{
  GST_OBJECT_LOCK (src);
  src->n_blocks_failed++;
  GST_OBJECT_UNLOCK (src);
  src->offset += src->block_samples;
  src->discont = TRUE;
}

/* Samples lost before @buffer by the device's timestamps, attached to it
 * as its reference timestamp; -1 when they say nothing (no timestamp
 * channel, or one that cannot be read: then the fences judge); -2 when
 * the buffer holds no new scan (its timestamp is older than the last). */
static gint64
gst_iio_dmabuf_src_timestamps_lost (
    GstIioDmabufSrc *src, GstBuffer *buffer, GstClockTime block)
{
  GError *err = NULL;
  gboolean mapped, stale;
  guint64 lost;
  gint64 ts;

  if (!src->timestamps.enabled)
    return -1;
  if (!gst_iio_timestamp_read (&src->timestamps, buffer, &ts, &mapped, &err)) {
    GST_ELEMENT_WARNING (src, RESOURCE, READ,
        ("Cannot read the IIO device's timestamps: buffers go on without "
         "them"),
        ("%s", err->message));
    g_error_free (err);
    src->timestamps.enabled = FALSE;
    return -1;
  }
  if (mapped) {
    GST_OBJECT_LOCK (src);
    src->n_maps++;
    GST_OBJECT_UNLOCK (src);
  }
  lost = gst_iio_timestamps_lost (
      &src->timestamps, ts, src->offset, src->rate, &stale);
  if (stale)
    return -2;
  gst_iio_timestamps_attach (&src->timestamps, buffer, ts, block);
  return (gint64)lost;
}

/* How fast the device completes blocks queued back to back, against its
 * nominal rate: about 1 for a clocked converter (off by its crystal's ppm,
 * or a test driver's sim_ppm), far below for a device that completes blocks
 * as they come (a test driver running freely). Learnt from blocks the
 * fence timed that did not follow an idle queue. */
static void
gst_iio_dmabuf_src_learn_pace (GstIioDmabufSrc *src, guint64 done)
{
  guint64 samples = src->offset + src->block_samples - src->prev_end;
  gdouble nominal, pace;

  if (!src->done_ns || !src->prev_done || src->idle_ns ||
      done <= src->prev_done || src->offset < src->prev_end)
    return;
  nominal = (gdouble)samples * GST_SECOND / src->rate;
  pace = (gdouble)(done - src->prev_done) / nominal;
  src->pace = src->n_paces ? 0.9 * src->pace + 0.1 * pace : pace;
  src->n_paces++;
}

/* Samples lost before the block that completed at @done (CLOCK_MONOTONIC)
 * by its fence: when the device fell behind its clock. A clocked device
 * (its pace steady within 5% of nominal) is judged from the last block's
 * fence at its own pace, so that one running fast cannot hide an overrun
 * in the time it gained; any other from the first block at the nominal
 * rate (a device ahead of it lost nothing by waiting). */
static guint64
gst_iio_dmabuf_src_fence_lost (
    GstIioDmabufSrc *src, guint64 done, GstClockTime block)
{
  gint rate = (gint)src->rate;
  guint64 expect = src->mono0 +
      gst_util_uint64_scale_int (
          src->offset + src->block_samples, GST_SECOND, rate);
  GstClockTime slack = MAX (2 * block, 50 * GST_MSECOND);

  gst_iio_dmabuf_src_learn_pace (src, done);
  if (src->n_paces >= 8 && ABS (src->pace - 1.0) < 0.05 && src->prev_done &&
      src->offset >= src->prev_end)
    expect = src->prev_done +
        (guint64)((gdouble)(src->offset + src->block_samples - src->prev_end) *
            GST_SECOND / src->rate * src->pace);

  if (done > expect + slack) {
    /* far behind the device's nominal clock: a stall */
    return gst_util_uint64_scale_int (done - expect, rate, GST_SECOND);
  }
  if (src->idle_ns && done > expect) {
    /* Behind it by less, and the kernel's queue was empty before this
     * block: the converter ran on meanwhile. (A device ahead of its
     * nominal rate, such as a test driver running freely, lost nothing by
     * waiting.) */
    return gst_util_uint64_scale_int (
        MIN (src->idle_ns, done - expect), rate, GST_SECOND);
  }
  return 0;
}

/* Stamps a completed block: PTS from the sample count, which skips the
 * samples the device lost. Those are told by the device's timestamps when
 * the scan has them (exact: the time between two first scans against
 * their sample count), else by the fences: a block that completed later
 * than the nominal clock says is judged on CLOCK_MONOTONIC, whatever clock
 * the pipeline runs on (it may be the device's own, which cannot see a
 * loss); judging the moment the fence signalled, not the moment create()
 * got to it, lets downstream fall behind for a while without the device
 * losing anything. Then the device clock learns the new sample count, and
 * the drift against the pipeline clock gets a point. */
gboolean
gst_iio_dmabuf_src_timestamp (GstIioDmabufSrc *src, GstBuffer *buffer)
{
  gint rate = (gint)src->rate;
  GstClockTime block =
      gst_util_uint64_scale_int (src->block_samples, GST_SECOND, rate);
  guint64 mono = gst_iio_now_ns ();
  guint64 done = src->done_ns && src->done_ns < mono ? src->done_ns : mono;
  gint64 by_timestamps =
      gst_iio_dmabuf_src_timestamps_lost (src, buffer, block);
  GstClockTime device, at_done;
  gboolean own;

  if (by_timestamps == -2) {
    /* (industrialio-buffer-dmaengine completes a failed transfer like a
     * good one: docs/kernel-notes.md) */
    gst_iio_dmabuf_src_skip_failed (src);
    GST_ELEMENT_WARNING (src, RESOURCE, READ,
        ("An IIO transfer brought no new samples: its block is dropped"),
        ("the timestamp of its first scan is older than the last block's "
         "on the %s clock: the transfer failed without an error",
            gst_structure_get_string (
                gst_caps_get_structure (src->timestamps.reference, 0),
                "clock")));
    return FALSE;
  }

  if (!src->mono0) {
    /* (the first block pushed may not start at sample 0: rw) */
    GstClockTime since0 = gst_util_uint64_scale_int (
        src->offset + src->block_samples, GST_SECOND, rate);

    src->mono0 = done > since0 ? done - since0 : 1;
    gst_iio_clock_start (&src->clock, src->rate, src->n_blocks * block);
  } else {
    guint64 lost = by_timestamps >= 0
        ? (guint64)by_timestamps
        : gst_iio_dmabuf_src_fence_lost (src, done, block);

    if (lost) {
      src->offset += lost;
      src->discont = TRUE;
      GST_OBJECT_LOCK (src);
      src->n_samples_lost += lost;
      src->n_overruns++;
      GST_OBJECT_UNLOCK (src);
      GST_ELEMENT_WARNING (src, RESOURCE, READ,
          ("The IIO device lost %" G_GUINT64_FORMAT
           " samples (%" GST_TIME_FORMAT
           "): the kernel queue ran dry or the device stalled",
              lost,
              GST_TIME_ARGS (
                  gst_util_uint64_scale_int (lost, GST_SECOND, rate))),
          ("told by %s; raise n-buffers or samples-per-buffer, or make "
           "downstream faster",
              by_timestamps >= 0 ? "the device's timestamps"
                                 : "the fences' completion times"));
    }
  }
  src->prev_done = src->done_ns ? done : 0;
  src->prev_end = src->offset + src->block_samples;
  device = gst_iio_clock_advance (
      &src->clock, src->offset + src->block_samples, done);

  at_done = gst_iio_clock_pipeline_time_at (
      &src->clock, GST_ELEMENT (src), done, &own);
  if (!GST_CLOCK_TIME_IS_VALID (src->ts0)) {
    GstClockTime base = gst_element_get_base_time (GST_ELEMENT (src));
    GstClockTime running = GST_CLOCK_TIME_IS_VALID (at_done) && at_done > base
        ? at_done - base
        : 0;

    src->ts0 = running > device ? running - device : 0;
  }
  gst_iio_clock_drift_observe (&src->clock, GST_ELEMENT (src), at_done, own,
      device, src->discont, src->rate);

  gst_iio_stamp_buffer (
      buffer, src->ts0, src->offset, src->block_samples, rate);
  src->offset += src->block_samples;
  if (src->discont) {
    GST_BUFFER_FLAG_SET (buffer, GST_BUFFER_FLAG_DISCONT);
    src->discont = FALSE;
  } else {
    GST_BUFFER_FLAG_UNSET (buffer, GST_BUFFER_FLAG_DISCONT);
  }
  return TRUE;
}

/* The device was removed (or someone else disabled its buffer). Takes
 * @err. */
static GstFlowReturn
gst_iio_dmabuf_src_gone (GstIioDmabufSrc *src, GError *err)
{
  GST_ELEMENT_ERROR (src, RESOURCE, NOT_FOUND,
      ("IIO device \"%s\" (%s) went away while streaming (or its buffer was "
       "disabled by someone else)",
          gst_iio_device_get_name (src->dev), gst_iio_device_get_id (src->dev)),
      ("%s", err->message));
  g_error_free (err);
  return GST_FLOW_ERROR;
}

GstFlowReturn
gst_iio_dmabuf_src_create_dmabuf (GstIioDmabufSrc *src, GstBuffer **out)
{
  GstClockTime timeout;
  GstFlowReturn ret;
  GError *err = NULL;

  for (;;) {
    GstIioQueueResult res;

    /* Set before refilling, tested by the pool after it took a buffer
     * back: a buffer released meanwhile is either refilled here or kicks
     * the wait below. */
    g_atomic_int_set (&src->waiting, 1);
    ret = gst_iio_queue_is_started (src->queue)
        ? gst_iio_dmabuf_src_fill_queue (src, TRUE)
        : gst_iio_dmabuf_src_prime (src);
    if (ret != GST_FLOW_OK) {
      g_atomic_int_set (&src->waiting, 0);
      return ret;
    }
    /* With the queue full, a buffer coming back has nothing to wake. */
    if (gst_iio_queue_n_queued (src->queue) >= src->n_blocks)
      g_atomic_int_set (&src->waiting, 0);
    timeout = gst_iio_settings_wait_timeout (GST_ELEMENT (src), &src->settings);
    res = gst_iio_queue_pop (src->queue, timeout, out, &err);
    g_atomic_int_set (&src->waiting, 0);
    switch (res) {
      case GST_IIO_QUEUE_KICKED:
        GST_LOG_OBJECT (src, "a buffer came back: queueing it");
        break;
      case GST_IIO_QUEUE_DONE:
        src->done_ns = gst_iio_queue_done_ns (src->queue);
        src->idle_ns = gst_iio_queue_idle_ns (src->queue);
        return gst_iio_dmabuf_src_keep_queue_full (src, out);
      case GST_IIO_QUEUE_FLUSHING:
        return GST_FLOW_FLUSHING;
      case GST_IIO_QUEUE_TIMEOUT:
        GST_ELEMENT_ERROR (src, RESOURCE, READ,
            ("The IIO device delivered nothing for %" GST_TIME_FORMAT,
                GST_TIME_ARGS (timeout)),
            ("device stalled or stopped; see the timeout property"));
        return GST_FLOW_ERROR;
      case GST_IIO_QUEUE_GONE:
        return gst_iio_dmabuf_src_gone (src, err);
      case GST_IIO_QUEUE_FAILED:
        /* A failed block: its data is not pushed; the stream goes on. */
        gst_iio_dmabuf_src_skip_failed (src);
        GST_IIO_POST_WARNING (src, err);
        err = NULL;
        break;
      case GST_IIO_QUEUE_ERROR:
        GST_IIO_POST_ERROR (src, err);
        return GST_FLOW_ERROR;
    }
  }
}

/* Reads and drops the first two fileio blocks after an enable. Returns 1
 * when done, 0 when flushing (the rest is dropped on the next call), -1 on
 * error (in @err). */
static gint
gst_iio_dmabuf_src_rw_skip (GstIioDmabufSrc *src, GError **err)
{
  /* Whole scans: read() returns whole scans, and the fileio loop asks
   * again for the rest, which must never be less than one. */
  gsize chunk = MIN (
      src->rw_skip, MAX (65536 / src->scan_bytes, 1) * (gsize)src->scan_bytes);
  guint8 *scratch = chunk ? g_malloc (chunk) : NULL;
  GstClockTime timeout =
      gst_iio_settings_wait_timeout (GST_ELEMENT (src), &src->settings);
  gint ret = 1;

  while (src->rw_skip > 0) {
    gssize n = gst_iio_buffer_read (
        src->buf, scratch, MIN (chunk, src->rw_skip), timeout, err);

    if (n <= 0) {
      ret = n == 0 ? 0 : -1;
      break;
    }
    src->rw_skip -= n;
    src->offset += n / src->scan_bytes;
  }
  g_free (scratch);
  return ret;
}

/* io-mode=rw. industrialio-buffer-dma (6.12, and every kernel before it)
 * hands its two fileio blocks to read() in turn, and an enable does not
 * reset the turn: after an earlier reader of the buffer took an odd number
 * of blocks, the first read() gets block 1, which the device fills after
 * block 0, and the first two blocks come out swapped. Nothing a reader can
 * see tells which turn it got, so on such a buffer the source drops the
 * first two blocks (the queue the kernel filled at enable): from the third
 * on, the turn no longer matters. Their samples count in the offsets, as
 * samples the stream started without. */
GstFlowReturn
gst_iio_dmabuf_src_create_rw (GstIioDmabufSrc *src, GstBuffer **out)
{
  GstBaseSrc *bsrc = GST_BASE_SRC (src);
  GstFlowReturn ret;
  GstMapInfo map;
  GError *err = NULL;
  gboolean ring = TRUE;
  gssize n;

  if (!src->streaming) {
    guint fileio = gst_iio_dmabuf_src_rw_fileio_samples (src);

    if (!gst_iio_device_set_buffer_length (src->dev, 2 * fileio, &err) ||
        !gst_iio_enable_fileio (
            src->dev, src->buf, src->dmabuf.heap, &ring, &err)) {
      GST_IIO_POST_ERROR (src, err);
      return GST_FLOW_ERROR;
    }
    src->streaming = TRUE;
    src->rw_skip = ring ? 2 * (guint64)fileio * src->scan_bytes : 0;
    if (ring)
      GST_INFO_OBJECT (src,
          "read(): dropping the first %" G_GUINT64_FORMAT
          " bytes (two fileio blocks of the kernel's DMA buffer)",
          src->rw_skip);
  }
  switch (gst_iio_dmabuf_src_rw_skip (src, &err)) {
    case 0:
      return GST_FLOW_FLUSHING;
    case -1:
      GST_IIO_POST_ERROR (src, err);
      return GST_FLOW_ERROR;
  }
  /* (the element keeps GstBaseSrc's alloc) */
  ret = GST_BASE_SRC_GET_CLASS (src)->alloc (
      bsrc, src->offset, src->block_bytes, out);
  if (ret != GST_FLOW_OK)
    return ret;
  gst_buffer_map (*out, &map, GST_MAP_WRITE);
  n = gst_iio_buffer_read (src->buf, map.data, src->block_bytes,
      gst_iio_settings_wait_timeout (GST_ELEMENT (src), &src->settings), &err);
  gst_buffer_unmap (*out, &map);
  if (n == (gssize)src->block_bytes) {
    GST_OBJECT_LOCK (src);
    src->n_copies++;
    GST_OBJECT_UNLOCK (src);
    return GST_FLOW_OK;
  }
  gst_clear_buffer (out);
  if (n == 0)
    return GST_FLOW_FLUSHING;
  GST_IIO_POST_ERROR (src, err);
  return GST_FLOW_ERROR;
}
