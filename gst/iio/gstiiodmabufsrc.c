/* iiodmabufsrc: negotiates and schedules a capture from an IIO input buffer;
 * the device object (gstiiodevice), the data plane (gstiiobuffer) and the
 * pool (gstiiodmabufpool) do the work.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/**
 * SECTION:element-iiodmabufsrc
 * @title: iiodmabufsrc
 *
 * Captures samples from a Linux IIO device's input buffer. Where the buffer
 * supports IIO DMABUF (Linux 6.11+, buffers built on industrialio-buffer-dma)
 * the device writes straight into dma-bufs that flow downstream as
 * GstDmaBufAllocator memory: no CPU copy. Either the element allocates them
 * (io-mode=dmabuf, from a dma-heap) or it takes them from the pool that
 * downstream offers (io-mode=dmabuf-import). Elsewhere it read()s the buffer
 * (io-mode=rw). io-mode=auto picks the first that works and says which in
 * the log and in #GstIioDmabufSrc:current-io-mode.
 *
 * Caps come from the enabled channels: audio/x-raw where they map 1:1 onto
 * an audio format, else application/x-iio with the scan layout.
 *
 * The source keeps #GstIioDmabufSrc:n-buffers blocks queued in the kernel.
 * Downstream may hold on to buffers: filesink keeps 64 KiB before it
 * writes, muxers and queues keep more. The source's own pool grows by as
 * many dma-bufs as hold 256 KiB of blocks (at least 16, at most 64); when
 * downstream holds every one of them (or every buffer of the pool it
 * offered), each completed block is copied into system memory and its
 * dma-buf goes straight back to the device, so the device never runs dry
 * because of it. The "copies" statistic counts those buffers, and the
 * GST_PERFORMANCE debug category says when it starts. A buffer that
 * downstream drops goes back to the kernel queue at once.
 *
 * Block size: by default about 10 ms of samples, and no less than a page
 * (4 KiB, the smallest dma-buf). For files and other aggregating sinks,
 * bigger blocks cost fewer system calls and no copies (samples-per-buffer
 * so that a block is 64 KiB or more); for low latency, small blocks and a
 * downstream that lets go of each buffer at once (the latency is a block,
 * and n-buffers blocks at most).
 *
 * Every wait of the streaming thread (for the device, for a buffer to come
 * back) ends after #GstIioDmabufSrc:timeout with an error that says what
 * the element waited for.
 *
 * A live source: each buffer is stamped with the running time of its first
 * sample and counts samples in its offsets. When a block completed later
 * than its sample count says (judged by the time its fence signalled: the
 * kernel queue ran dry or the device stalled), the next buffer is DISCONT,
 * its offset skips the samples lost, a warning tells how many, and the
 * "samples-lost" and "overruns" statistics count them. A downstream that
 * stalls for less time than the queued blocks last loses nothing. Loss is
 * judged on CLOCK_MONOTONIC, whatever the pipeline clock.
 *
 * The source provides a clock (#GstIioDmabufSrc:provide-clock): the
 * device's sample count over its rate, so that a pipeline on it runs at
 * the converter's pace. On another clock, the "drift-ppm" statistic says
 * how fast the device runs against it, measured from 5 s of blocks on,
 * and a warning says when that is past what a crystal drifts (1000 ppm).
 *
 * When the scan holds the device's timestamp channel (name "timestamp" in
 * #GstIioDmabufSrc:channels; the caps' layout then keeps it), each buffer
 * carries the device timestamp of its first scan as a
 * #GstReferenceTimestampMeta whose reference caps are "timestamp/x-iio"
 * with the field "clock" (the device's current_timestamp_clock), and lost
 * samples are told from the timestamps, exactly. Reading it maps the
 * dma-buf for the CPU ("maps" statistic: two DMA_BUF_IOCTL_SYNC calls per
 * buffer, no copy). On a monotonic clock a block whose first scan is older
 * than the last one's holds no new samples (a transfer that failed without
 * an error): it is dropped and counted in "blocks-failed".
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 iiodmabufsrc device=iio-sim-adc num-buffers=1000 ! fakesink
 * ]| Captures 1000 blocks from the device named iio-sim-adc, zero-copy.
 * |[
 * gst-launch-1.0 iiodmabufsrc device=sim-adc channels=voltage0,voltage1 \
 *     sampling-frequency=48000 num-buffers=100 ! audioconvert ! \
 *     audio/x-raw,format=F32LE ! fakesink
 * ]| Two channels of the device labelled sim-adc at 48 kHz, as float.
 * |[
 * gst-launch-1.0 iiodmabufsrc device=iio:device0 io-mode=rw \
 *     samples-per-buffer=4096 num-buffers=10 ! filesink location=capture.raw
 * ]| The first IIO device, through read(), into a file.
 *
 * Since: 0.1
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstiiodmabufsrcprivate.h"
#include "gstiiocaps.h"
#include "gstiiodmabufpool.h"

#include <unistd.h>

#include <gst/allocators/allocators.h>

GST_DEBUG_CATEGORY (gst_iio_dmabuf_src_debug);
#define GST_CAT_DEFAULT gst_iio_dmabuf_src_debug
GST_DEBUG_CATEGORY (gst_iio_dmabuf_src_performance);

#define DEFAULT_PROVIDE_CLOCK TRUE

enum {
  PROP_CURRENT_IO_MODE = GST_IIO_PROP_LAST,
  PROP_STATS,
  PROP_PROVIDE_CLOCK,
};

#define gst_iio_dmabuf_src_parent_class parent_class
G_DEFINE_TYPE (GstIioDmabufSrc, gst_iio_dmabuf_src, GST_TYPE_PUSH_SRC);
GST_ELEMENT_REGISTER_DEFINE (
    iiodmabufsrc, "iiodmabufsrc", GST_RANK_NONE, GST_TYPE_IIO_DMABUF_SRC);

static void gst_iio_dmabuf_src_set_property (
    GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec);
static void gst_iio_dmabuf_src_get_property (
    GObject *object, guint prop_id, GValue *value, GParamSpec *pspec);
static void gst_iio_dmabuf_src_finalize (GObject *object);
static GstClock *gst_iio_dmabuf_src_provide_clock (GstElement *element);
static GstStateChangeReturn gst_iio_dmabuf_src_change_state (
    GstElement *element, GstStateChange transition);
static void gst_iio_dmabuf_src_close (GstIioDmabufSrc *src);
static gboolean gst_iio_dmabuf_src_start (GstBaseSrc *bsrc);
static gboolean gst_iio_dmabuf_src_stop (GstBaseSrc *bsrc);
static GstCaps *gst_iio_dmabuf_src_get_caps (GstBaseSrc *bsrc, GstCaps *filter);
static gboolean gst_iio_dmabuf_src_set_caps (GstBaseSrc *bsrc, GstCaps *caps);
static gboolean gst_iio_dmabuf_src_decide_allocation (
    GstBaseSrc *bsrc, GstQuery *query);
static gboolean gst_iio_dmabuf_src_query (GstBaseSrc *bsrc, GstQuery *query);
static gboolean gst_iio_dmabuf_src_unlock (GstBaseSrc *bsrc);
static gboolean gst_iio_dmabuf_src_unlock_stop (GstBaseSrc *bsrc);
static GstFlowReturn gst_iio_dmabuf_src_create (
    GstPushSrc *psrc, GstBuffer **buf);

static void
gst_iio_dmabuf_src_class_init (GstIioDmabufSrcClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseSrcClass *basesrc_class = GST_BASE_SRC_CLASS (klass);
  GstPushSrcClass *pushsrc_class = GST_PUSH_SRC_CLASS (klass);

  GST_DEBUG_CATEGORY_INIT (
      gst_iio_dmabuf_src_debug, "iiodmabufsrc", 0, "IIO DMABUF source");
  GST_DEBUG_CATEGORY_GET (gst_iio_dmabuf_src_performance, "GST_PERFORMANCE");

  gobject_class->set_property = gst_iio_dmabuf_src_set_property;
  gobject_class->get_property = gst_iio_dmabuf_src_get_property;
  gobject_class->finalize = gst_iio_dmabuf_src_finalize;

  gst_iio_settings_install (gobject_class, GST_IIO_DIRECTION_INPUT);
  g_object_class_install_property (gobject_class, PROP_CURRENT_IO_MODE,
      g_param_spec_enum ("current-io-mode", "Current I/O mode",
          "The I/O mode in use (auto until negotiated)", GST_TYPE_IIO_IO_MODE,
          GST_IIO_IO_MODE_AUTO, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject_class, PROP_STATS,
      g_param_spec_boxed ("stats", "Statistics",
          "buffers, bytes, copies (buffers the CPU copied), maps (reads "
          "of the timestamp channel in a dma-buf), samples-lost, "
          "overruns (times samples were lost), blocks-failed, "
          "dmabufs-attached, io-mode, push-latency-p50-ns and "
          "push-latency-p99-ns (block completed to buffer pushed), "
          "drift-ppm (the device's rate against the pipeline clock's, "
          "positive: fast; 0 until measured over 5 s)",
          GST_TYPE_STRUCTURE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject_class, PROP_PROVIDE_CLOCK,
      g_param_spec_boolean ("provide-clock", "Provide clock",
          "Offer the device's clock (its sample count over its rate) to the "
          "pipeline",
          DEFAULT_PROVIDE_CLOCK,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
              GST_PARAM_MUTABLE_READY));

  gst_element_class_set_static_metadata (element_class, "IIO DMABUF source",
      "Source/Audio/Hardware",
      "Captures from a Linux IIO input buffer, zero-copy through IIO DMABUF",
      "gst-iio-dmabuf developers");
  gst_iio_caps_add_pad_template (element_class, GST_PAD_SRC);

  element_class->change_state =
      GST_DEBUG_FUNCPTR (gst_iio_dmabuf_src_change_state);
  element_class->provide_clock =
      GST_DEBUG_FUNCPTR (gst_iio_dmabuf_src_provide_clock);
  basesrc_class->start = GST_DEBUG_FUNCPTR (gst_iio_dmabuf_src_start);
  basesrc_class->stop = GST_DEBUG_FUNCPTR (gst_iio_dmabuf_src_stop);
  basesrc_class->get_caps = GST_DEBUG_FUNCPTR (gst_iio_dmabuf_src_get_caps);
  basesrc_class->set_caps = GST_DEBUG_FUNCPTR (gst_iio_dmabuf_src_set_caps);
  basesrc_class->decide_allocation =
      GST_DEBUG_FUNCPTR (gst_iio_dmabuf_src_decide_allocation);
  basesrc_class->query = GST_DEBUG_FUNCPTR (gst_iio_dmabuf_src_query);
  basesrc_class->unlock = GST_DEBUG_FUNCPTR (gst_iio_dmabuf_src_unlock);
  basesrc_class->unlock_stop =
      GST_DEBUG_FUNCPTR (gst_iio_dmabuf_src_unlock_stop);
  pushsrc_class->create = GST_DEBUG_FUNCPTR (gst_iio_dmabuf_src_create);

  gst_type_mark_as_plugin_api (GST_TYPE_IIO_IO_MODE, 0);
}

static void
gst_iio_dmabuf_src_init (GstIioDmabufSrc *src)
{
  gst_iio_settings_init (&src->settings);
  gst_base_src_set_live (GST_BASE_SRC (src), TRUE);
  gst_base_src_set_format (GST_BASE_SRC (src), GST_FORMAT_TIME);
  gst_iio_clock_init (&src->clock, GST_OBJECT (src));
  gst_iio_clock_set_provide (
      &src->clock, GST_ELEMENT (src), DEFAULT_PROVIDE_CLOCK);
}

static void
gst_iio_dmabuf_src_finalize (GObject *object)
{
  GstIioDmabufSrc *src = GST_IIO_DMABUF_SRC (object);

  gst_iio_settings_clear (&src->settings);
  gst_iio_clock_clear (&src->clock);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static GstStructure *
gst_iio_dmabuf_src_stats (GstIioDmabufSrc *src)
{
  return gst_structure_new ("stats", "buffers", G_TYPE_UINT64,
      src->n_buffers_out, "bytes", G_TYPE_UINT64, src->n_bytes_out, "copies",
      G_TYPE_UINT64, src->n_copies, "maps", G_TYPE_UINT64, src->n_maps,
      "samples-lost", G_TYPE_UINT64, src->n_samples_lost, "overruns",
      G_TYPE_UINT64, src->n_overruns, "blocks-failed", G_TYPE_UINT64,
      src->n_blocks_failed, "dmabufs-attached", G_TYPE_UINT,
      src->queue ? gst_iio_queue_n_attached (src->queue) : 0, "io-mode",
      G_TYPE_STRING, gst_iio_io_mode_nick (src->mode), "push-latency-p50-ns",
      G_TYPE_UINT64, gst_iio_latency_percentile (&src->push_latency, 50),
      "push-latency-p99-ns", G_TYPE_UINT64,
      gst_iio_latency_percentile (&src->push_latency, 99), "drift-ppm",
      G_TYPE_DOUBLE, gst_iio_clock_get_drift_ppm (&src->clock), NULL);
}

static void
gst_iio_dmabuf_src_set_property (
    GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  GstIioDmabufSrc *src = GST_IIO_DMABUF_SRC (object);
  gboolean known;

  GST_OBJECT_LOCK (src);
  if (prop_id == PROP_PROVIDE_CLOCK) {
    gst_iio_clock_set_provide (
        &src->clock, GST_ELEMENT (src), g_value_get_boolean (value));
    known = TRUE;
  } else {
    known = !gst_iio_settings_may_set (GST_ELEMENT (src), prop_id, pspec) ||
        gst_iio_settings_set_property (&src->settings, prop_id, value);
  }
  GST_OBJECT_UNLOCK (src);
  if (!known)
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
}

static void
gst_iio_dmabuf_src_get_property (
    GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  GstIioDmabufSrc *src = GST_IIO_DMABUF_SRC (object);

  GST_OBJECT_LOCK (src);
  if (gst_iio_settings_get_property (&src->settings, prop_id, value)) {
    /* one of the properties both elements have */
  } else if (prop_id == PROP_CURRENT_IO_MODE) {
    g_value_set_enum (value, src->mode);
  } else if (prop_id == PROP_STATS) {
    g_value_take_boxed (value, gst_iio_dmabuf_src_stats (src));
  } else if (prop_id == PROP_PROVIDE_CLOCK) {
    g_value_set_boolean (value, gst_iio_clock_get_provide (&src->clock));
  } else {
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
  GST_OBJECT_UNLOCK (src);
}

/* From the thread that dropped a buffer's last ref. */
static void
gst_iio_dmabuf_src_buffer_released (GstIioDmabufSrc *src)
{
  if (g_atomic_int_get (&src->waiting))
    gst_iio_queue_kick (src->queue);
}

static void
gst_iio_dmabuf_src_clear_pool (GstIioDmabufSrc *src)
{
  if (src->pool && GST_IS_IIO_DMABUF_POOL (src->pool))
    gst_iio_dmabuf_pool_set_release_notify (
        GST_IIO_DMABUF_POOL (src->pool), NULL, NULL);
  gst_clear_object (&src->pool);
}

static gboolean
gst_iio_dmabuf_src_open (GstIioDmabufSrc *src)
{
  GstIioSettings *set = &src->settings;
  GError *err = NULL;

  if (!gst_iio_open_buffer (GST_ELEMENT (src), set->device,
          GST_IIO_DIRECTION_INPUT, set->buffer_index, set->channels, &src->dev,
          &src->buf, &err)) {
    GST_IIO_POST_ERROR (src, err);
    return FALSE;
  }
  GST_OBJECT_LOCK (src);
  src->queue = gst_iio_queue_new (src->dev, src->buf);
  GST_OBJECT_UNLOCK (src);
  GST_INFO_OBJECT (src, "opened %s (%s), buffer %u",
      gst_iio_device_get_name (src->dev), gst_iio_device_get_id (src->dev),
      set->buffer_index);
  return TRUE;
}

static void
gst_iio_dmabuf_src_close (GstIioDmabufSrc *src)
{
  GstIioQueue *queue;

  /* "stats" reads the queue under the object lock, from any thread. */
  GST_OBJECT_LOCK (src);
  queue = g_steal_pointer (&src->queue);
  GST_OBJECT_UNLOCK (src);
  gst_iio_queue_close (queue);
  g_clear_pointer (&src->buf, gst_iio_buffer_close);
  g_clear_pointer (&src->dev, gst_iio_device_free);
  gst_iio_dmabuf_probe_clear (&src->dmabuf);
  gst_iio_timestamps_clear (&src->timestamps);
}

static GstStateChangeReturn
gst_iio_dmabuf_src_change_state (GstElement *element, GstStateChange transition)
{
  GstIioDmabufSrc *src = GST_IIO_DMABUF_SRC (element);
  GstStateChangeReturn ret;

  if (transition == GST_STATE_CHANGE_NULL_TO_READY &&
      !gst_iio_dmabuf_src_open (src))
    return GST_STATE_CHANGE_FAILURE;

  ret = GST_ELEMENT_CLASS (parent_class)->change_state (element, transition);

  /* like the audio sources: the pipeline may pick the device's clock from
   * PAUSED on, and picks another when the device stops */
  gst_iio_clock_state_changed (&src->clock, element, transition);
  if (transition == GST_STATE_CHANGE_READY_TO_NULL)
    gst_iio_dmabuf_src_close (src);
  return ret;
}

static GstClock *
gst_iio_dmabuf_src_provide_clock (GstElement *element)
{
  return gst_iio_clock_provided (&GST_IIO_DMABUF_SRC (element)->clock);
}

static gboolean
gst_iio_dmabuf_src_start (GstBaseSrc *bsrc)
{
  GstIioDmabufSrc *src = GST_IIO_DMABUF_SRC (bsrc);
  GError *err = NULL;
  gchar *heap;

  if (!gst_iio_apply_settings (src->dev, src->settings.attributes,
          src->settings.sampling_frequency, &err)) {
    GST_IIO_POST_ERROR (src, err);
    return FALSE;
  }
  /* Probed for each run: io-mode and dma-heap may change in READY. */
  gst_iio_dmabuf_probe_clear (&src->dmabuf);
  GST_OBJECT_LOCK (src);
  heap = g_strdup (src->settings.dma_heap);
  gst_iio_buffer_set_check_transfers (src->buf, src->settings.check_transfers);
  GST_OBJECT_UNLOCK (src);
  if (src->settings.io_mode == GST_IIO_IO_MODE_RW) {
    /* (read() needs a dma-buf only to see the kernel let go of an earlier
     * DMABUF user: gst_iio_enable_fileio()) */
    src->dmabuf.heap = g_steal_pointer (&heap);
  } else {
    gst_iio_dmabuf_probe_run (GST_ELEMENT (src), src->dev, src->buf, heap,
        src->settings.io_mode == GST_IIO_IO_MODE_AUTO, &src->dmabuf);
    g_free (heap);
    GST_INFO_OBJECT (src, "DMABUF %s (dma-bufs from %s)%s%s",
        src->dmabuf.ok ? "supported" : "not usable", src->dmabuf.heap,
        src->dmabuf.problem ? ": " : "",
        src->dmabuf.problem ? src->dmabuf.problem : "");
  }
  src->rate = gst_iio_device_get_sampling_frequency (src->dev);
  src->scan_bytes = gst_iio_device_get_scan_size (src->dev);
  src->length_align = gst_iio_device_get_length_align (src->dev);
  gst_iio_timestamps_setup (&src->timestamps, src->dev);
  src->mode = GST_IIO_IO_MODE_AUTO;
  src->streaming = FALSE;
  src->rw_skip = 0;
  src->offset = 0;
  src->ts0 = GST_CLOCK_TIME_NONE;
  src->mono0 = 0;
  src->prev_done = src->prev_end = 0;
  src->pace = 0;
  src->n_paces = 0;
  src->discont = TRUE;
  src->n_blocks = gst_iio_blocks_queued (src->settings.n_buffers, 0, 0, 0);
  GST_OBJECT_LOCK (src);
  src->n_buffers_out = src->n_bytes_out = src->n_copies = src->n_maps = 0;
  src->n_samples_lost = src->n_overruns = src->n_blocks_failed = 0;
  gst_iio_clock_drift_forget (&src->clock);
  gst_iio_latency_clear (&src->push_latency);
  GST_OBJECT_UNLOCK (src);
  src->done_ns = 0;
  src->copy_logged = FALSE;
  return TRUE;
}

static gboolean
gst_iio_dmabuf_src_stop (GstBaseSrc *bsrc)
{
  GstIioDmabufSrc *src = GST_IIO_DMABUF_SRC (bsrc);
  GError *err = NULL;

  if (src->streaming &&
      !gst_iio_device_set_buffer_enabled (src->dev, FALSE, &err)) {
    GST_WARNING_OBJECT (src, "%s", err->message);
    g_clear_error (&err);
  }
  src->streaming = FALSE;
  /* The device stops, what was queued is dropped, every dma-buf detached.
   * Buffers still downstream keep their memory. */
  if (src->queue)
    gst_iio_queue_reset (src->queue);
  gst_iio_dmabuf_src_clear_pool (src);
  return TRUE;
}

static GstCaps *
gst_iio_dmabuf_src_get_caps (GstBaseSrc *bsrc, GstCaps *filter)
{
  GstIioDmabufSrc *src = GST_IIO_DMABUF_SRC (bsrc);
  GPtrArray *chans =
      src->dev ? gst_iio_device_get_enabled_channels (src->dev) : NULL;
  gdouble rate = src->settings.sampling_frequency;
  GstCaps *caps;

  if (src->dev && rate <= 0)
    rate = gst_iio_device_get_sampling_frequency (src->dev);
  caps = gst_iio_caps_query (
      gst_pad_get_pad_template_caps (GST_BASE_SRC_PAD (bsrc)), chans, rate, 0,
      filter);
  if (chans)
    g_ptr_array_unref (chans);
  return caps;
}

static gboolean
gst_iio_dmabuf_src_set_caps (GstBaseSrc *bsrc, GstCaps *caps)
{
  GstIioDmabufSrc *src = GST_IIO_DMABUF_SRC (bsrc);
  guint scan_bytes = src->scan_bytes, block_samples;
  gint rate;

  if (!gst_iio_caps_check_scan (GST_ELEMENT (src), caps, scan_bytes, &rate))
    return FALSE;
  block_samples = gst_iio_samples_per_block (
      src->settings.samples_per_buffer, rate, scan_bytes, src->length_align);
  if (!gst_iio_check_block_align (GST_ELEMENT (src), src->dev, block_samples,
          scan_bytes, src->length_align))
    return FALSE;
  if (block_samples != src->block_samples &&
      gst_iio_queue_is_started (src->queue)) {
    /* New caps while streaming, with blocks of another size: those queued
     * are dropped and the device starts again with new ones. The samples
     * in between are lost, and told as such by the next timestamp. */
    GST_INFO_OBJECT (src, "block of %u scans instead of %u: restarting",
        block_samples, src->block_samples);
    gst_iio_queue_stop (src->queue);
  }
  src->rate = rate;
  src->block_samples = block_samples;
  src->block_bytes = (gsize)src->block_samples * scan_bytes;
  /* The queue's depth follows (not while it runs: its pool was sized). */
  if (!gst_iio_queue_is_started (src->queue))
    src->n_blocks = gst_iio_blocks_queued (
        src->settings.n_buffers, rate, src->block_samples, src->block_bytes);
  gst_base_src_set_blocksize (bsrc, src->block_bytes);
  GST_INFO_OBJECT (src,
      "%u Hz, %u bytes per scan, %u scans (%" G_GSIZE_FORMAT
      " bytes) per buffer, %u blocks queued",
      rate, scan_bytes, src->block_samples, src->block_bytes, src->n_blocks);
  return TRUE;
}

/* A pool downstream offers whose buffers are dma-bufs of a block or more. */
static GstBufferPool *
gst_iio_dmabuf_src_importable_pool (
    GstIioDmabufSrc *src, GstQuery *query, guint *min, guint *max)
{
  GstBufferPool *pool = NULL;
  GstAllocator *allocator = NULL;
  GstStructure *config;
  guint size;

  if (gst_query_get_n_allocation_pools (query) == 0)
    return NULL;
  gst_query_parse_nth_allocation_pool (query, 0, &pool, &size, min, max);
  if (!pool)
    return NULL;
  config = gst_buffer_pool_get_config (pool);
  gst_buffer_pool_config_get_allocator (config, &allocator, NULL);
  if (!allocator || !GST_IS_DMABUF_ALLOCATOR (allocator)) {
    GST_INFO_OBJECT (src,
        "downstream pool %" GST_PTR_FORMAT " is not a "
        "dma-buf pool",
        pool);
    gst_structure_free (config);
    gst_object_unref (pool);
    return NULL;
  }
  gst_structure_free (config);
  return pool;
}

/* Sets @pool up for blocks of ours; a pool that counters with other
 * parameters is taken at its word when they still fit. */
static gboolean
gst_iio_dmabuf_src_configure_pool (GstIioDmabufSrc *src, GstBufferPool *pool,
    GstCaps *caps, guint min, guint max)
{
  GstStructure *config = gst_buffer_pool_get_config (pool);
  GstCaps *has = NULL;

  gst_buffer_pool_config_set_params (config, caps, src->block_bytes, min, max);
  if (gst_buffer_pool_set_config (pool, config))
    return TRUE;
  config = gst_buffer_pool_get_config (pool);
  /* (a pool set up without caps cannot be validated against ours) */
  if (!gst_buffer_pool_config_get_params (config, &has, NULL, NULL, NULL) ||
      !has || !caps ||
      !gst_buffer_pool_config_validate_params (
          config, caps, src->block_bytes, min, max)) {
    gst_structure_free (config);
    return FALSE;
  }
  return gst_buffer_pool_set_config (pool, config);
}

static gboolean
gst_iio_dmabuf_src_decide_allocation (GstBaseSrc *bsrc, GstQuery *query)
{
  GstIioDmabufSrc *src = GST_IIO_DMABUF_SRC (bsrc);
  GstBufferPool *pool = NULL;
  GError *err = NULL;
  gboolean configured;
  GstCaps *caps;
  guint min = 0, max = 0;

  gst_query_parse_allocation (query, &caps, NULL);
  gst_iio_dmabuf_src_clear_pool (src);

  /* Decided afresh each time: downstream may ask again while streaming (a
   * RECONFIGURE) and offer another pool, or none. A running device keeps
   * its kind of I/O: read() in rw; in the dma-buf modes any dma-buf can
   * join the queue, so ours and downstream's may take turns. */
  if (src->streaming) {
    src->mode = GST_IIO_IO_MODE_RW;
  } else {
    src->mode = GST_IIO_IO_MODE_AUTO;
    if (gst_iio_queue_is_started (src->queue))
      GST_INFO_OBJECT (src, "allocation decided again while streaming");
  }

  if (src->settings.io_mode != GST_IIO_IO_MODE_RW && !src->dmabuf.ok &&
      src->mode == GST_IIO_IO_MODE_AUTO) {
    if (!gst_iio_dmabuf_probe_post (GST_ELEMENT (src), &src->dmabuf,
            src->settings.io_mode, GST_IIO_DIRECTION_INPUT))
      return FALSE;
    src->mode = GST_IIO_IO_MODE_RW;
  }

  if (src->mode == GST_IIO_IO_MODE_AUTO &&
      (src->settings.io_mode == GST_IIO_IO_MODE_AUTO ||
          src->settings.io_mode == GST_IIO_IO_MODE_DMABUF_IMPORT)) {
    pool = gst_iio_dmabuf_src_importable_pool (src, query, &min, &max);
    if (pool) {
      src->mode = GST_IIO_IO_MODE_DMABUF_IMPORT;
    } else if (src->settings.io_mode == GST_IIO_IO_MODE_DMABUF_IMPORT) {
      GST_ELEMENT_ERROR (src, RESOURCE, SETTINGS,
          ("io-mode=dmabuf-import, but downstream offers no dma-buf pool"),
          ("allocation query: %" GST_PTR_FORMAT, query));
      return FALSE;
    }
  }
  if (src->mode == GST_IIO_IO_MODE_AUTO &&
      src->settings.io_mode != GST_IIO_IO_MODE_RW) {
    pool = gst_iio_dmabuf_pool_new (src->dmabuf.heap);
    src->mode = GST_IIO_IO_MODE_DMABUF;
    /* n-buffers for the kernel, and room for a downstream that holds a few
     * before it lets go (filesink batches, a queue, ...). */
    min = src->n_blocks;
    max = src->n_blocks + gst_iio_extra_buffers (src->block_bytes);
  }
  if (src->settings.io_mode == GST_IIO_IO_MODE_RW)
    src->mode = GST_IIO_IO_MODE_RW;

  if (src->mode == GST_IIO_IO_MODE_RW) {
    GST_INFO_OBJECT (src, "io-mode in use: rw (read() copies every sample)");
    return GST_BASE_SRC_CLASS (parent_class)->decide_allocation (bsrc, query);
  }

  /* Enough buffers to keep n-buffers in the kernel and some downstream. */
  min = MAX (min, src->n_blocks);
  if (max != 0)
    max = MAX (max, min);
  configured = gst_iio_dmabuf_src_configure_pool (src, pool, caps, min, max);
  if (!configured && src->mode == GST_IIO_IO_MODE_DMABUF_IMPORT &&
      src->settings.io_mode == GST_IIO_IO_MODE_AUTO) {
    /* Downstream's pool cannot hold our blocks: our own dma-bufs then. */
    GST_INFO_OBJECT (src,
        "downstream's dma-buf pool refuses %" G_GSIZE_FORMAT
        " bytes x %u: using dma-bufs of our own",
        src->block_bytes, min);
    gst_object_unref (pool);
    pool = gst_iio_dmabuf_pool_new (src->dmabuf.heap);
    src->mode = GST_IIO_IO_MODE_DMABUF;
    min = src->n_blocks;
    max = src->n_blocks + gst_iio_extra_buffers (src->block_bytes);
    configured = gst_iio_dmabuf_src_configure_pool (src, pool, caps, min, max);
  }
  if (!configured) {
    GST_ELEMENT_ERROR (src, RESOURCE, SETTINGS,
        ("Cannot configure the %s pool for %" G_GSIZE_FORMAT " bytes x %u",
            src->mode == GST_IIO_IO_MODE_DMABUF ? "dma-buf" : "downstream",
            src->block_bytes, min),
        ("gst_buffer_pool_set_config refused by %" GST_PTR_FORMAT, pool));
    gst_object_unref (pool);
    return FALSE;
  }
  /* Activated here, not by the base class, so that a failure is told as
   * what it is (no dma-buf memory), not as "not negotiated". */
  if (!gst_iio_dmabuf_pool_activate (pool, &err)) {
    GST_ELEMENT_ERROR (src, RESOURCE, NO_SPACE_LEFT,
        ("Cannot allocate %u dma-bufs of %" G_GSIZE_FORMAT " bytes to capture "
         "into",
            min, src->block_bytes),
        ("%s pool: %s",
            src->mode == GST_IIO_IO_MODE_DMABUF ? "own" : "downstream's",
            err->message));
    g_error_free (err);
    gst_object_unref (pool);
    return FALSE;
  }
  if (gst_query_get_n_allocation_pools (query) > 0)
    gst_query_set_nth_allocation_pool (
        query, 0, pool, src->block_bytes, min, max);
  else
    gst_query_add_allocation_pool (query, pool, src->block_bytes, min, max);
  src->pool = pool;
  if (GST_IS_IIO_DMABUF_POOL (pool))
    gst_iio_dmabuf_pool_set_release_notify (GST_IIO_DMABUF_POOL (pool),
        G_CALLBACK (gst_iio_dmabuf_src_buffer_released), src);
  GST_INFO_OBJECT (src,
      "io-mode in use: %s, %u dma-bufs of %" G_GSIZE_FORMAT " bytes",
      gst_iio_io_mode_nick (src->mode), min, src->block_bytes);
  return TRUE;
}

static gboolean
gst_iio_dmabuf_src_query (GstBaseSrc *bsrc, GstQuery *query)
{
  GstIioDmabufSrc *src = GST_IIO_DMABUF_SRC (bsrc);

  /* A block is pushed when the device has filled it; in rw, when the
   * kernel has filled the fileio block it is in (two of them). */
  if (GST_QUERY_TYPE (query) == GST_QUERY_LATENCY &&
      src->mode == GST_IIO_IO_MODE_RW)
    return gst_iio_latency_query_answer (
        query, gst_iio_dmabuf_src_rw_fileio_samples (src), src->rate, 2);
  if (GST_QUERY_TYPE (query) == GST_QUERY_LATENCY)
    return gst_iio_latency_query_answer (
        query, src->block_samples, src->rate, src->n_blocks);
  return GST_BASE_SRC_CLASS (parent_class)->query (bsrc, query);
}

static gboolean
gst_iio_dmabuf_src_unlock (GstBaseSrc *bsrc)
{
  GstIioDmabufSrc *src = GST_IIO_DMABUF_SRC (bsrc);

  if (src->queue)
    gst_iio_queue_set_flushing (src->queue, TRUE);
  if (src->pool)
    gst_buffer_pool_set_flushing (src->pool, TRUE);
  return TRUE;
}

static gboolean
gst_iio_dmabuf_src_unlock_stop (GstBaseSrc *bsrc)
{
  GstIioDmabufSrc *src = GST_IIO_DMABUF_SRC (bsrc);

  if (src->queue)
    gst_iio_queue_set_flushing (src->queue, FALSE);
  if (src->pool)
    gst_buffer_pool_set_flushing (src->pool, FALSE);
  return TRUE;
}

static GstFlowReturn
gst_iio_dmabuf_src_create (GstPushSrc *psrc, GstBuffer **outbuf)
{
  GstIioDmabufSrc *src = GST_IIO_DMABUF_SRC (psrc);
  GstFlowReturn ret;

  *outbuf = NULL;
  do {
    /* (a buffer the timestamps say holds no new samples goes back) */
    gst_clear_buffer (outbuf);
    if (src->mode == GST_IIO_IO_MODE_RW)
      ret = gst_iio_dmabuf_src_create_rw (src, outbuf);
    else
      ret = gst_iio_dmabuf_src_create_dmabuf (src, outbuf);
    if (ret != GST_FLOW_OK)
      return ret;
  } while (!gst_iio_dmabuf_src_timestamp (src, *outbuf));
  GST_OBJECT_LOCK (src);
  src->n_buffers_out++;
  src->n_bytes_out += src->block_bytes;
  if (src->done_ns)
    gst_iio_latency_add (
        &src->push_latency, (gint64)(gst_iio_now_ns () - src->done_ns));
  GST_OBJECT_UNLOCK (src);
  src->done_ns = 0;
  return GST_FLOW_OK;
}
