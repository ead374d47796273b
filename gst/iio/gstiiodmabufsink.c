/* iiodmabufsink: negotiates and schedules playback into an IIO output
 * buffer; the device object (gstiiodevice), the data plane (gstiiobuffer)
 * and the pool (gstiiodmabufpool) do the work.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/**
 * SECTION:element-iiodmabufsink
 * @title: iiodmabufsink
 *
 * Plays samples into a Linux IIO device's output buffer (a DAC). Where the
 * buffer supports IIO DMABUF (Linux 6.11+, buffers built on
 * industrialio-buffer-dma) the device reads the dma-bufs that arrive
 * straight from memory: no CPU copy. Any buffer that is one dma-buf of
 * whole scans plays as it is: one from the pool of dma-bufs the sink offers
 * upstream in the allocation query (io-mode=dmabuf and auto offer one; its
 * dma-bufs are attached to the IIO buffer as the pool allocates them), or
 * upstream's own (attached the first time it is seen), an iiodmabufsrc's for
 * one (io-mode=dmabuf-import offers none and expects those). Buffers of any
 * other memory are copied once into the sink's own dma-bufs, and the "copies"
 * statistic counts them. Where the buffer has no DMABUF, io-mode=rw (the
 * fallback of auto) write()s every sample; it plays whole blocks, so it pads
 * the last one with silence at EOS. #GstIioDmabufSink:current-io-mode tells
 * which mode plays: in auto, dmabuf-import when the first buffer is upstream's
 * own dma-buf.
 *
 * The sink keeps up to #GstIioDmabufSink:n-buffers blocks queued in the
 * kernel and holds each buffer until the device has read it, so an upstream
 * pool gets its dma-buf back only then. The first n-buffers blocks are
 * queued together before the device starts. The device's sample clock
 * paces playback: the sink does not wait for the pipeline clock
 * (#GstBaseSink:sync is FALSE by default). When the device has played every
 * queued block before the next one arrives, that is an underrun: the
 * "underruns" statistic counts each one and a warning is posted once per run
 * of them (a run ends when n-buffers blocks in a row came in time). In
 * io-mode=rw the kernel's own fileio queue is not visible to the element,
 * so underruns are not detected there. EOS is
 * posted when the device has played every block.
 *
 * The sink provides a clock (#GstIioDmabufSink:provide-clock), as
 * GStreamer's audio sinks do: the samples the DAC has played over its rate,
 * counted as each block completes (the fence says when) and running on
 * between blocks. A pipeline runs on it when no element upstream provides
 * one (a live source such as audiotestsrc is-live=true, or a file): a live
 * source then produces at the DAC's pace, so a DAC off its nominal rate
 * never runs dry nor backs up. Until the first block has played, and
 * while the DAC has run dry, the clock runs on with the monotonic clock,
 * and the count carries on from there. In io-mode=rw and with
 * #GstIioDmabufSink:cyclic the kernel tells no block's end: the clock is
 * the monotonic clock. On another pipeline clock (an iiodmabufsrc's, for
 * one), the "drift-ppm" statistic says how fast the DAC runs against it,
 * measured from 5 s of blocks on, and a warning says when that is past what
 * a crystal drifts (1000 ppm); the sink does not resample or skip: a DAC
 * slower than its source backs up to the source, which then loses samples
 * and says so, a faster one runs dry and counts underruns.
 *
 * The dma-bufs offered upstream hold #GstIioDmabufSink:samples-per-buffer
 * samples, by default about 10 ms and no less than 1024 (what audio sources
 * write by default). An upstream that writes bigger buffers into them (such
 * as audiotestsrc with a bigger samplesperbuffer) needs samples-per-buffer
 * set to match.
 *
 * Caps are the enabled channels' layout (audio/x-raw where it maps 1:1 onto
 * an audio format, else application/x-iio); the rate of the caps is written
 * to the device's sampling_frequency unless
 * #GstIioDmabufSink:sampling-frequency fixes it.
 *
 * With #GstIioDmabufSink:cyclic the first buffer is queued as a cyclic
 * block, which the device repeats until the element stops (goes to READY).
 * Buffers after it are dropped, with one warning. The stream does not end
 * by itself: a cyclic block never completes while it plays, so EOS is not
 * posted; stop the pipeline to stop the output. Cyclic playback needs
 * DMABUF (io-mode=rw cannot repeat a block). An IIO buffer that ignores
 * the cyclic flag (industrialio-buffer-dmaengine, the buffer of converters
 * behind a DMA controller) plays the block once: the sink then queues it
 * again each time it ends, with a warning, and the device may count a gap
 * between repeats as an underrun.
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 audiotestsrc num-buffers=100 ! \
 *     audio/x-raw,format=S16LE,channels=2,rate=48000 ! \
 *     iiodmabufsink device=iio-sim-dac
 * ]| Plays about 2 s of a 440 Hz sine at 48 kHz on the two channels of the
 * device named iio-sim-dac; audiotestsrc writes straight into the sink's
 * dma-bufs.
 * |[
 * gst-launch-1.0 iiodmabufsrc device=iio-sim-adc channels=voltage0,voltage1 \
 *     samples-per-buffer=1024 num-buffers=1000 ! \
 *     iiodmabufsink device=iio-sim-dac
 * ]| Plays what two channels of an ADC capture on the DAC: the same dma-bufs
 * go from one device to the other, the CPU never touches a sample.
 * |[
 * gst-launch-1.0 audiotestsrc num-buffers=1 samplesperbuffer=4800 freq=1000 ! \
 *     audio/x-raw,format=S16LE,channels=2,rate=48000 ! \
 *     iiodmabufsink device=iio-sim-dac cyclic=true samples-per-buffer=4800
 * ]| Repeats one 100 ms buffer of a 1 kHz sine until interrupted (Ctrl-C).
 *
 * Since: 0.1
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstiiodmabufsinkprivate.h"
#include "gstiiocaps.h"
#include "gstiiodmabufpool.h"

#include <string.h>

#include <gst/allocators/allocators.h>

GST_DEBUG_CATEGORY (gst_iio_dmabuf_sink_debug);
#define GST_CAT_DEFAULT gst_iio_dmabuf_sink_debug

enum {
  PROP_CURRENT_IO_MODE = GST_IIO_PROP_LAST,
  PROP_STATS,
  PROP_CYCLIC,
  PROP_PROVIDE_CLOCK,
};

#define gst_iio_dmabuf_sink_parent_class parent_class
G_DEFINE_TYPE (GstIioDmabufSink, gst_iio_dmabuf_sink, GST_TYPE_BASE_SINK);
GST_ELEMENT_REGISTER_DEFINE (
    iiodmabufsink, "iiodmabufsink", GST_RANK_NONE, GST_TYPE_IIO_DMABUF_SINK);

static void gst_iio_dmabuf_sink_set_property (
    GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec);
static void gst_iio_dmabuf_sink_get_property (
    GObject *object, guint prop_id, GValue *value, GParamSpec *pspec);
static void gst_iio_dmabuf_sink_finalize (GObject *object);
static GstClock *gst_iio_dmabuf_sink_provide_clock (GstElement *element);
static GstStateChangeReturn gst_iio_dmabuf_sink_change_state (
    GstElement *element, GstStateChange transition);
static gboolean gst_iio_dmabuf_sink_prepare (GstIioDmabufSink *sink);
static void gst_iio_dmabuf_sink_release (GstIioDmabufSink *sink);
static void gst_iio_dmabuf_sink_post_refused (GstIioDmabufSink *sink,
    GstMessageType type, GstCaps *offered, const gchar *how);
static GstCaps *gst_iio_dmabuf_sink_get_caps (
    GstBaseSink *bsink, GstCaps *filter);
static gboolean gst_iio_dmabuf_sink_query (GstBaseSink *bsink, GstQuery *query);
static gboolean gst_iio_dmabuf_sink_set_caps (
    GstBaseSink *bsink, GstCaps *caps);
static gboolean gst_iio_dmabuf_sink_event (GstBaseSink *bsink, GstEvent *event);
static GstFlowReturn gst_iio_dmabuf_sink_wait_event (
    GstBaseSink *bsink, GstEvent *event);
static gboolean gst_iio_dmabuf_sink_unlock (GstBaseSink *bsink);
static gboolean gst_iio_dmabuf_sink_unlock_stop (GstBaseSink *bsink);
static GstFlowReturn gst_iio_dmabuf_sink_render (
    GstBaseSink *bsink, GstBuffer *buffer);

static void
gst_iio_dmabuf_sink_class_init (GstIioDmabufSinkClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseSinkClass *basesink_class = GST_BASE_SINK_CLASS (klass);

  GST_DEBUG_CATEGORY_INIT (
      gst_iio_dmabuf_sink_debug, "iiodmabufsink", 0, "IIO DMABUF sink");

  gobject_class->set_property = gst_iio_dmabuf_sink_set_property;
  gobject_class->get_property = gst_iio_dmabuf_sink_get_property;
  gobject_class->finalize = gst_iio_dmabuf_sink_finalize;

  gst_iio_settings_install (gobject_class, GST_IIO_DIRECTION_OUTPUT);
  g_object_class_install_property (gobject_class, PROP_CURRENT_IO_MODE,
      g_param_spec_enum ("current-io-mode", "Current I/O mode",
          "The I/O mode in use (auto until decided)", GST_TYPE_IIO_IO_MODE,
          GST_IIO_IO_MODE_AUTO, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject_class, PROP_STATS,
      g_param_spec_boxed ("stats", "Statistics",
          "buffers (played), bytes, copies (buffers the CPU copied), "
          "underruns (dmabuf modes), dropped (cyclic), blocks-failed, "
          "dmabufs-attached, io-mode, enqueue-latency-p50-ns and "
          "enqueue-latency-p99-ns (render to block queued), drift-ppm (the "
          "DAC's rate against the pipeline clock's, positive: fast; 0 until "
          "measured over 5 s)",
          GST_TYPE_STRUCTURE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject_class, PROP_PROVIDE_CLOCK,
      g_param_spec_boolean ("provide-clock", "Provide clock",
          "Provide the DAC's clock (samples played over the rate) to the "
          "pipeline, which then runs at the device's pace",
          TRUE,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
              GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_CYCLIC,
      g_param_spec_boolean ("cyclic", "Cyclic",
          "Repeat the first buffer until the element stops; later buffers "
          "are dropped (needs DMABUF)",
          FALSE,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
              GST_PARAM_MUTABLE_READY));

  gst_element_class_set_static_metadata (element_class, "IIO DMABUF sink",
      "Sink/Audio/Hardware",
      "Plays into a Linux IIO output buffer, zero-copy through IIO DMABUF",
      "gst-iio-dmabuf developers");
  gst_iio_caps_add_pad_template (element_class, GST_PAD_SINK);

  element_class->change_state =
      GST_DEBUG_FUNCPTR (gst_iio_dmabuf_sink_change_state);
  element_class->provide_clock =
      GST_DEBUG_FUNCPTR (gst_iio_dmabuf_sink_provide_clock);
  basesink_class->get_caps = GST_DEBUG_FUNCPTR (gst_iio_dmabuf_sink_get_caps);
  basesink_class->query = GST_DEBUG_FUNCPTR (gst_iio_dmabuf_sink_query);
  basesink_class->set_caps = GST_DEBUG_FUNCPTR (gst_iio_dmabuf_sink_set_caps);
  basesink_class->propose_allocation =
      GST_DEBUG_FUNCPTR (gst_iio_dmabuf_sink_propose_allocation);
  basesink_class->event = GST_DEBUG_FUNCPTR (gst_iio_dmabuf_sink_event);
  basesink_class->wait_event =
      GST_DEBUG_FUNCPTR (gst_iio_dmabuf_sink_wait_event);
  basesink_class->unlock = GST_DEBUG_FUNCPTR (gst_iio_dmabuf_sink_unlock);
  basesink_class->unlock_stop =
      GST_DEBUG_FUNCPTR (gst_iio_dmabuf_sink_unlock_stop);
  basesink_class->render = GST_DEBUG_FUNCPTR (gst_iio_dmabuf_sink_render);

  gst_type_mark_as_plugin_api (GST_TYPE_IIO_IO_MODE, 0);
}

static void
gst_iio_dmabuf_sink_init (GstIioDmabufSink *sink)
{
  gst_iio_settings_init (&sink->settings);
  /* The device's sample clock paces playback. */
  gst_base_sink_set_sync (GST_BASE_SINK (sink), FALSE);
  /* A last-sample ref would keep one more buffer from going back upstream
   * after the device has read it. */
  gst_base_sink_set_last_sample_enabled (GST_BASE_SINK (sink), FALSE);
  gst_iio_clock_init (&sink->clock, GST_OBJECT (sink));
  gst_iio_clock_set_provide (&sink->clock, GST_ELEMENT (sink), TRUE);
}

static void
gst_iio_dmabuf_sink_finalize (GObject *object)
{
  GstIioDmabufSink *sink = GST_IIO_DMABUF_SINK (object);

  gst_iio_settings_clear (&sink->settings);
  gst_iio_clock_clear (&sink->clock);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static GstStructure *
gst_iio_dmabuf_sink_stats (GstIioDmabufSink *sink)
{
  return gst_structure_new ("stats", "buffers", G_TYPE_UINT64, sink->n_played,
      "bytes", G_TYPE_UINT64, sink->n_bytes, "copies", G_TYPE_UINT64,
      sink->n_copies, "underruns", G_TYPE_UINT64, sink->n_underruns, "dropped",
      G_TYPE_UINT64, sink->n_dropped, "blocks-failed", G_TYPE_UINT64,
      sink->n_failed, "dmabufs-attached", G_TYPE_UINT,
      sink->queue ? gst_iio_queue_n_attached (sink->queue) : 0, "io-mode",
      G_TYPE_STRING, gst_iio_io_mode_nick (sink->mode),
      "enqueue-latency-p50-ns", G_TYPE_UINT64,
      gst_iio_latency_percentile (&sink->enqueue_latency, 50),
      "enqueue-latency-p99-ns", G_TYPE_UINT64,
      gst_iio_latency_percentile (&sink->enqueue_latency, 99), "drift-ppm",
      G_TYPE_DOUBLE, gst_iio_clock_get_drift_ppm (&sink->clock), NULL);
}

static void
gst_iio_dmabuf_sink_set_property (
    GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  GstIioDmabufSink *sink = GST_IIO_DMABUF_SINK (object);

  GST_OBJECT_LOCK (sink);
  if (!gst_iio_settings_may_set (GST_ELEMENT (sink), prop_id, pspec))
    ; /* kept: logged */
  else if (prop_id == PROP_CYCLIC)
    sink->cyclic = g_value_get_boolean (value);
  else if (prop_id == PROP_PROVIDE_CLOCK)
    gst_iio_clock_set_provide (
        &sink->clock, GST_ELEMENT (sink), g_value_get_boolean (value));
  else if (!gst_iio_settings_set_property (&sink->settings, prop_id, value))
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  GST_OBJECT_UNLOCK (sink);
}

static void
gst_iio_dmabuf_sink_get_property (
    GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  GstIioDmabufSink *sink = GST_IIO_DMABUF_SINK (object);

  GST_OBJECT_LOCK (sink);
  switch (prop_id) {
    case PROP_CURRENT_IO_MODE:
      g_value_set_enum (value, sink->mode);
      break;
    case PROP_STATS:
      g_value_take_boxed (value, gst_iio_dmabuf_sink_stats (sink));
      break;
    case PROP_CYCLIC:
      g_value_set_boolean (value, sink->cyclic);
      break;
    case PROP_PROVIDE_CLOCK:
      g_value_set_boolean (value, gst_iio_clock_get_provide (&sink->clock));
      break;
    default:
      if (!gst_iio_settings_get_property (&sink->settings, prop_id, value))
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (sink);
}

static void
gst_iio_dmabuf_sink_close (GstIioDmabufSink *sink)
{
  GstIioQueue *queue;

  /* "stats" reads the queue under the object lock, from any thread. */
  GST_OBJECT_LOCK (sink);
  queue = g_steal_pointer (&sink->queue);
  GST_OBJECT_UNLOCK (sink);
  gst_iio_queue_close (queue);
  g_clear_pointer (&sink->buf, gst_iio_buffer_close);
  g_clear_pointer (&sink->dev, gst_iio_device_free);
  GST_OBJECT_LOCK (sink);
  gst_iio_dmabuf_probe_clear (&sink->dmabuf);
  GST_OBJECT_UNLOCK (sink);
}

static gboolean
gst_iio_dmabuf_sink_open (GstIioDmabufSink *sink)
{
  GError *err = NULL;

  if (!gst_iio_open_buffer (GST_ELEMENT (sink), sink->settings.device,
          GST_IIO_DIRECTION_OUTPUT, sink->settings.buffer_index,
          sink->settings.channels, &sink->dev, &sink->buf, &err)) {
    GST_IIO_POST_ERROR (sink, err);
    return FALSE;
  }
  sink->scan_bytes = gst_iio_device_get_scan_size (sink->dev);
  sink->length_align = gst_iio_device_get_length_align (sink->dev);
  sink->on_dmac = gst_iio_device_has_dma_controller (sink->dev);
  GST_OBJECT_LOCK (sink);
  sink->queue = gst_iio_queue_new (sink->dev, sink->buf);
  GST_OBJECT_UNLOCK (sink);
  GST_INFO_OBJECT (sink, "opened %s (%s), buffer %u, %u bytes per scan",
      gst_iio_device_get_name (sink->dev), gst_iio_device_get_id (sink->dev),
      sink->settings.buffer_index, sink->scan_bytes);
  return TRUE;
}

static GstStateChangeReturn
gst_iio_dmabuf_sink_change_state (
    GstElement *element, GstStateChange transition)
{
  GstIioDmabufSink *sink = GST_IIO_DMABUF_SINK (element);
  GstStateChangeReturn ret;

  if (transition == GST_STATE_CHANGE_NULL_TO_READY &&
      !gst_iio_dmabuf_sink_open (sink))
    return GST_STATE_CHANGE_FAILURE;
  if (transition == GST_STATE_CHANGE_READY_TO_PAUSED &&
      !gst_iio_dmabuf_sink_prepare (sink))
    return GST_STATE_CHANGE_FAILURE;
  /* Queued blocks play on while paused: the queue running dry then is no
   * underrun, and the clock runs on meanwhile. */
  if (transition == GST_STATE_CHANGE_PAUSED_TO_PLAYING) {
    sink->resumed = TRUE;
    gst_iio_clock_run_free (&sink->clock);
  }

  ret = GST_ELEMENT_CLASS (parent_class)->change_state (element, transition);
  gst_iio_clock_state_changed (&sink->clock, element, transition);

  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY)
    gst_iio_dmabuf_sink_release (sink);
  if (transition == GST_STATE_CHANGE_READY_TO_NULL)
    gst_iio_dmabuf_sink_close (sink);
  return ret;
}

static GstClock *
gst_iio_dmabuf_sink_provide_clock (GstElement *element)
{
  return gst_iio_clock_provided (&GST_IIO_DMABUF_SINK (element)->clock);
}

/* READY->PAUSED: settings, and the io-mode. (GstBaseSink's start() comes
 * at NULL->READY, too early to redo this for each run.) */
static gboolean
gst_iio_dmabuf_sink_prepare (GstIioDmabufSink *sink)
{
  GstIioDmabufProbe probe = { 0 };
  GError *err = NULL;
  gchar *heap;

  if (!gst_iio_apply_settings (sink->dev, sink->settings.attributes,
          sink->settings.sampling_frequency, &err)) {
    GST_IIO_POST_ERROR (sink, err);
    return FALSE;
  }

  GST_OBJECT_LOCK (sink);
  heap = g_strdup (sink->settings.dma_heap);
  gst_iio_buffer_set_check_transfers (
      sink->buf, sink->settings.check_transfers);
  GST_OBJECT_UNLOCK (sink);
  if (sink->settings.io_mode == GST_IIO_IO_MODE_RW)
    probe.heap = g_steal_pointer (&heap);
  else
    gst_iio_dmabuf_probe_run (GST_ELEMENT (sink), sink->dev, sink->buf, heap,
        sink->settings.io_mode == GST_IIO_IO_MODE_AUTO, &probe);
  g_free (heap);
  /* The last run's probe was kept until now: an allocation query from an
   * upstream thread may still have read it (under the object lock). */
  GST_OBJECT_LOCK (sink);
  gst_iio_dmabuf_probe_clear (&sink->dmabuf);
  sink->dmabuf = probe;
  GST_OBJECT_UNLOCK (sink);
  /* auto decides between dmabuf and dmabuf-import on the first buffer. */
  sink->mode = sink->dmabuf.ok ? sink->settings.io_mode : GST_IIO_IO_MODE_RW;
  /* (cyclic in auto: the error below says why there is no fallback) */
  if (sink->settings.io_mode != GST_IIO_IO_MODE_RW && !sink->dmabuf.ok &&
      !(sink->settings.io_mode == GST_IIO_IO_MODE_AUTO && sink->cyclic) &&
      !gst_iio_dmabuf_probe_post (GST_ELEMENT (sink), &sink->dmabuf,
          sink->settings.io_mode, GST_IIO_DIRECTION_OUTPUT))
    return FALSE;
  if (sink->cyclic && sink->mode == GST_IIO_IO_MODE_RW) {
    GST_ELEMENT_ERROR (sink, RESOURCE, SETTINGS,
        ("cyclic=true needs IIO DMABUF, but %s",
            sink->settings.io_mode == GST_IIO_IO_MODE_RW
                ? "io-mode=rw was asked for: write() cannot repeat a block"
                : sink->dmabuf.alloc_failed
                ? "no dma-buf can be allocated"
                : "this IIO buffer cannot do DMABUF"),
        ("%s", sink->dmabuf.problem ? sink->dmabuf.problem : "io-mode=rw"));
    return FALSE;
  }
  GST_INFO_OBJECT (sink, "io-mode %s%s%s", gst_iio_io_mode_nick (sink->mode),
      sink->dmabuf.problem ? ": " : "",
      sink->dmabuf.problem ? sink->dmabuf.problem : "");

  if (!gst_iio_check_block_align (GST_ELEMENT (sink), sink->dev,
          sink->settings.samples_per_buffer, sink->scan_bytes,
          sink->length_align))
    return FALSE;
  sink->block_bytes =
      (gsize)sink->settings.samples_per_buffer * sink->scan_bytes;
  sink->n_blocks = gst_iio_blocks_queued (sink->settings.n_buffers, 0, 0, 0);
  sink->rate = 0;
  sink->streaming = FALSE;
  sink->in_underrun = FALSE;
  sink->cyclic_queued = sink->cyclic_warned = sink->cyclic_requeued = FALSE;
  sink->partial_warned = sink->attach_warned = FALSE;
  sink->rw_fill = 0;
  GST_OBJECT_LOCK (sink);
  sink->n_played = sink->n_bytes = sink->n_copies = 0;
  sink->n_underruns = sink->n_dropped = sink->n_failed = 0;
  gst_iio_latency_clear (&sink->enqueue_latency);
  gst_iio_clock_drift_forget (&sink->clock);
  sink->prepared = TRUE;
  GST_OBJECT_UNLOCK (sink);
  return TRUE;
}

/* Stops the device and lets go of every block: disabling the buffer aborts
 * the transfers still queued (their fences signal), so the GstBuffers can go
 * back upstream. */
static void
gst_iio_dmabuf_sink_halt (GstIioDmabufSink *sink)
{
  GError *err = NULL;

  if (sink->streaming &&
      !gst_iio_device_set_buffer_enabled (sink->dev, FALSE, &err)) {
    GST_WARNING_OBJECT (sink, "%s", err->message);
    g_clear_error (&err);
  }
  sink->streaming = FALSE;
  sink->cyclic_queued = FALSE;
  sink->in_underrun = FALSE;
  sink->rw_fill = 0;
  g_clear_pointer (&sink->rw_idle, g_free);
  gst_clear_buffer (&sink->pending);
  sink->pending_fill = 0;
  if (sink->queue)
    gst_iio_queue_stop (sink->queue);
}

/* PAUSED->READY, the streaming thread stopped: the device stops, every
 * buffer goes back, every dma-buf is detached. */
static void
gst_iio_dmabuf_sink_release (GstIioDmabufSink *sink)
{
  gst_iio_dmabuf_sink_halt (sink);
  if (sink->queue)
    gst_iio_queue_reset (sink->queue);
  if (sink->copy_pool) {
    gst_buffer_pool_set_active (sink->copy_pool, FALSE);
    gst_clear_object (&sink->copy_pool);
  }
  GST_OBJECT_LOCK (sink);
  sink->prepared = FALSE;
  gst_iio_dmabuf_sink_forget_proposed (sink);
  GST_OBJECT_UNLOCK (sink);
  gst_clear_object (&sink->limit_pool);
  gst_clear_caps (&sink->refused);
  g_atomic_int_set (&sink->caps_warned, FALSE);
  sink->mode = GST_IIO_IO_MODE_AUTO;
}

static GstCaps *
gst_iio_dmabuf_sink_get_caps (GstBaseSink *bsink, GstCaps *filter)
{
  GstIioDmabufSink *sink = GST_IIO_DMABUF_SINK (bsink);
  GPtrArray *chans =
      sink->dev ? gst_iio_device_get_enabled_channels (sink->dev) : NULL;
  GstCaps *caps;

  /* Without a rate set, the device's first, so that fixating keeps it;
   * any other is written to the device in set_caps(). */
  caps = gst_iio_caps_query (
      gst_pad_get_pad_template_caps (GST_BASE_SINK_PAD (bsink)), chans,
      sink->settings.sampling_frequency,
      sink->dev ? gst_iio_device_get_sampling_frequency (sink->dev) : 0,
      filter);
  if (chans)
    g_ptr_array_unref (chans);
  /* Upstream can only offer what the device cannot play (a capsfilter, a
   * source of one format): say so once a run, before upstream fails with
   * "not negotiated". */
  if (sink->dev && filter && gst_caps_is_empty (caps) &&
      !gst_caps_is_empty (filter) &&
      g_atomic_int_compare_and_exchange (&sink->caps_warned, FALSE, TRUE))
    gst_iio_dmabuf_sink_post_refused (
        sink, GST_MESSAGE_WARNING, filter, "nothing upstream offers fits");
  return caps;
}

/* Tells the user what the device plays when upstream offers only @offered:
 * the upstream element's "not negotiated" error cannot say why. */
static void
gst_iio_dmabuf_sink_post_refused (GstIioDmabufSink *sink, GstMessageType type,
    GstCaps *offered, const gchar *how)
{
  GstCaps *want = gst_iio_dmabuf_sink_get_caps (GST_BASE_SINK (sink), NULL);
  gchar *want_str = gst_caps_to_string (want);
  gchar *caps_str = gst_caps_to_string (offered);
  /* The user text names the layout the device plays (the first of its
   * caps); the debug text has every one of them. */
  gchar *first = gst_caps_is_empty (want) || gst_caps_is_any (want)
      ? g_strdup (want_str)
      : gst_structure_to_string (gst_caps_get_structure (want, 0));

  gst_element_message_full (GST_ELEMENT (sink), type, GST_CORE_ERROR,
      GST_CORE_ERROR_NEGOTIATION,
      g_strdup_printf ("The IIO device %s plays %s, not what upstream offers",
          gst_iio_device_get_name (sink->dev), first),
      g_strdup_printf ("offered: %s; the device plays: %s; %u bytes per scan "
                       "of the enabled channels; %s",
          caps_str, want_str, sink->scan_bytes, how),
      __FILE__, GST_FUNCTION, __LINE__);
  g_free (first);
  g_free (caps_str);
  g_free (want_str);
  gst_caps_unref (want);
}

static gboolean
gst_iio_dmabuf_sink_query (GstBaseSink *bsink, GstQuery *query)
{
  GstIioDmabufSink *sink = GST_IIO_DMABUF_SINK (bsink);
  gboolean ret = GST_BASE_SINK_CLASS (parent_class)->query (bsink, query);
  gboolean accepted = TRUE;
  GstCaps *caps = NULL;

  if (GST_QUERY_TYPE (query) != GST_QUERY_ACCEPT_CAPS || !sink->dev)
    return ret;
  gst_query_parse_accept_caps (query, &caps);
  gst_query_parse_accept_caps_result (query, &accepted);
  /* Upstream asks just before it sends caps: refused fixed caps end the
   * negotiation, and this is where the user can learn what would play. */
  if (!accepted && gst_caps_is_fixed (caps) &&
      !(sink->refused && gst_caps_is_equal (caps, sink->refused))) {
    gst_caps_replace (&sink->refused, caps);
    gst_iio_dmabuf_sink_post_refused (
        sink, GST_MESSAGE_ERROR, caps, "upstream sent caps it cannot play");
  }
  return ret;
}

static gboolean
gst_iio_dmabuf_sink_set_caps (GstBaseSink *bsink, GstCaps *caps)
{
  GstIioDmabufSink *sink = GST_IIO_DMABUF_SINK (bsink);
  GError *err = NULL;
  gint rate;

  if (!gst_iio_caps_check_scan (
          GST_ELEMENT (sink), caps, sink->scan_bytes, &rate))
    return FALSE;
  if (sink->settings.sampling_frequency <= 0 &&
      gst_iio_device_get_sampling_frequency (sink->dev) != rate &&
      !gst_iio_device_set_sampling_frequency (sink->dev, rate, &err)) {
    GST_IIO_POST_ERROR (sink, err);
    return FALSE;
  }
  if (rate != sink->rate) {
    /* The DAC's time starts again at this rate, and runs on with the
     * monotonic clock until the device has played a block. */
    gst_iio_clock_start (&sink->clock, rate, GST_CLOCK_TIME_NONE);
    gst_iio_clock_run_free (&sink->clock);
    sink->samples_played = 0;
  }
  sink->rate = rate;
  /* The queue's depth, for the block we know or the one we will offer;
   * the first buffer settles it when upstream has blocks of its own. */
  if (!sink->streaming) {
    guint samples = sink->block_bytes
        ? (guint)(sink->block_bytes / sink->scan_bytes)
        : gst_iio_dmabuf_sink_proposed_samples (sink, rate, sink->scan_bytes);

    sink->n_blocks = gst_iio_blocks_queued (sink->settings.n_buffers, rate,
        samples, (gsize)samples * sink->scan_bytes);
  }
  GST_INFO_OBJECT (sink, "%d Hz, %u bytes per scan, %u blocks queued", rate,
      sink->scan_bytes, sink->n_blocks);
  return TRUE;
}

static gboolean
gst_iio_dmabuf_sink_unlock (GstBaseSink *bsink)
{
  GstIioDmabufSink *sink = GST_IIO_DMABUF_SINK (bsink);

  g_atomic_int_set (&sink->flushing, TRUE);
  if (sink->queue)
    gst_iio_queue_set_flushing (sink->queue, TRUE);
  return TRUE;
}

static gboolean
gst_iio_dmabuf_sink_unlock_stop (GstBaseSink *bsink)
{
  GstIioDmabufSink *sink = GST_IIO_DMABUF_SINK (bsink);

  g_atomic_int_set (&sink->flushing, FALSE);
  if (sink->queue)
    gst_iio_queue_set_flushing (sink->queue, FALSE);
  return TRUE;
}

static GstFlowReturn
gst_iio_dmabuf_sink_render (GstBaseSink *bsink, GstBuffer *buffer)
{
  GstIioDmabufSink *sink = GST_IIO_DMABUF_SINK (bsink);
  guint64 t0 = gst_iio_now_ns ();
  guint64 played = sink->n_played;
  GstFlowReturn ret;

  if (sink->mode == GST_IIO_IO_MODE_RW)
    ret = gst_iio_dmabuf_sink_render_rw (sink, buffer);
  else if (sink->cyclic)
    return gst_iio_dmabuf_sink_render_cyclic (sink, buffer);
  else
    ret = gst_iio_dmabuf_sink_render_dmabuf (sink, buffer);
  /* Until its data is in the kernel's queue (or written): includes the wait
   * for a free block when the queue is full, as a user sees it. */
  GST_OBJECT_LOCK (sink);
  if (ret == GST_FLOW_OK && sink->n_played != played)
    gst_iio_latency_add (
        &sink->enqueue_latency, (gint64)(gst_iio_now_ns () - t0));
  GST_OBJECT_UNLOCK (sink);
  return ret;
}

static GstFlowReturn
gst_iio_dmabuf_sink_wait_event (GstBaseSink *bsink, GstEvent *event)
{
  GstIioDmabufSink *sink = GST_IIO_DMABUF_SINK (bsink);
  GstFlowReturn ret =
      GST_BASE_SINK_CLASS (parent_class)->wait_event (bsink, event);

  if (ret != GST_FLOW_OK || GST_EVENT_TYPE (event) != GST_EVENT_EOS)
    return ret;
  if (sink->mode == GST_IIO_IO_MODE_RW)
    return sink->streaming ? gst_iio_dmabuf_sink_drain_rw (sink) : GST_FLOW_OK;
  return gst_iio_dmabuf_sink_drain_dmabuf (sink);
}

static gboolean
gst_iio_dmabuf_sink_event (GstBaseSink *bsink, GstEvent *event)
{
  GstIioDmabufSink *sink = GST_IIO_DMABUF_SINK (bsink);

  /* A flush drops what is queued: the device stops and starts again with
   * the next buffers. */
  if (GST_EVENT_TYPE (event) == GST_EVENT_FLUSH_STOP)
    gst_iio_dmabuf_sink_halt (sink);
  return GST_BASE_SINK_CLASS (parent_class)->event (bsink, event);
}
