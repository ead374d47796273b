/* iiosink: negotiates and schedules playback through libiio; the device
 * object (gstiiolibiiodevice) finds the device and its channels, libiio's
 * iio_buffer moves the samples.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/**
 * SECTION:element-iiosink
 * @title: iiosink
 *
 * Plays samples into an IIO device (a DAC) of any libiio context: a remote
 * board running iiod (uri=ip:host), a USB device (uri=usb:...) or this
 * machine (uri=local:, the default). The properties it shares with
 * iiodmabufsink (device, channels, sampling-frequency, attributes,
 * samples-per-buffer, timeout, cyclic) mean the same; caps are the same
 * mapping of the enabled channels (audio/x-raw where they map 1:1 onto an
 * audio format, else application/x-iio). The rate of the caps is written to
 * the device unless #GstIioLibiioSink:sampling-frequency fixes it.
 *
 * Every buffer is copied into libiio's iio_buffer, which libiio pushes to
 * the device (over the network, into the socket). That is the nature of the
 * transport. For zero-copy playback on a local device whose buffer supports
 * IIO DMABUF, use iiodmabufsink.
 *
 * The iio_buffer holds #GstIioLibiioSink:samples-per-buffer samples (0: as
 * many as the first buffer); it is pushed each time it is full, and at EOS
 * the rest is padded with silence, pushed, and the element waits until the
 * device has played it (as far as the kernel's fileio accounting tells).
 * The device's sample clock paces playback: #GstBaseSink:sync is FALSE by
 * default.
 *
 * With #GstIioLibiioSink:cyclic the first buffer is repeated until the
 * element stops; later buffers are dropped with one warning, and EOS is not
 * posted. Where libiio can make the device repeat it (its high-speed
 * interface, not in mainline kernels), the buffer is pushed once; elsewhere
 * the element pushes the same block again and again, which the device
 * cannot tell apart (except for the traffic over the network).
 *
 * Every failure is an error that names the URI and the device: a context
 * that cannot be created, an unknown device or channel, a push that fails
 * or times out after #GstIioLibiioSink:timeout (iiod gone, device stalled).
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 audiotestsrc num-buffers=100 ! \
 *     audio/x-raw,format=S16LE,channels=2,rate=48000 ! \
 *     iiosink uri=ip:192.168.2.1 device=iio-sim-dac
 * ]| Plays about 2 s of a 440 Hz sine on the DAC of a board running iiod.
 * |[
 * gst-launch-1.0 audiotestsrc num-buffers=1 samplesperbuffer=4800 ! \
 *     audio/x-raw,format=S16LE,channels=2,rate=48000 ! \
 *     iiosink uri=ip:192.168.2.1 device=iio-sim-dac cyclic=true
 * ]| Repeats one 100 ms buffer until interrupted (Ctrl-C).
 *
 * Since: 0.1
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstiiolibiiosink.h"
#include "gstiiocaps.h"
#include "gstiiosettings.h"
#include "gstiiolibiiodevice.h"

#include <errno.h>
#include <string.h>

GST_DEBUG_CATEGORY_STATIC (gst_iio_libiio_sink_debug);
#define GST_CAT_DEFAULT gst_iio_libiio_sink_debug

#define DEFAULT_URI "local:"

/* Kernel blocks behind the iio_buffer: with two, each push of a full
 * iio_buffer fills exactly one fileio block of the kernel (which splits its
 * buffer in two), so nothing waits half-full for a push that never comes. */
#define KERNEL_BLOCKS 2

enum {
  PROP_URI = GST_IIO_PROP_LAST,
  PROP_CYCLIC,
};

/* The shared properties that apply to libiio; samples-per-buffer has a
 * blurb of its own. */
#define SHARED_PROPS                                                           \
  (GST_IIO_PROP_BIT (GST_IIO_PROP_DEVICE) |                                    \
      GST_IIO_PROP_BIT (GST_IIO_PROP_CHANNELS) |                               \
      GST_IIO_PROP_BIT (GST_IIO_PROP_SAMPLING_FREQUENCY) |                     \
      GST_IIO_PROP_BIT (GST_IIO_PROP_ATTRIBUTES) |                             \
      GST_IIO_PROP_BIT (GST_IIO_PROP_TIMEOUT))

struct _GstIioLibiioSink
{
  GstBaseSink parent;

  /* properties; the object lock guards them */
  GstIioSettings settings;
  gchar *uri;
  gboolean cyclic;

  /* READY and up */
  GstIioLibiioDevice *dev;
  guint scan_bytes;

  /* the streaming thread creates and destroys it; unlock() cancels it */
  GMutex lock;
  GCond cond;
  struct iio_buffer *buf;
  gboolean flushing;  /* between unlock() and unlock_stop(), lock */
  gboolean cancelled; /* buf was cancelled: make a new one, lock */

  /* streaming thread */
  gsize block_bytes; /* of buf */
  gsize fill;        /* bytes in buf not pushed yet */
  gboolean cyclic_queued;
  gboolean cyclic_warned;
  gboolean partial_warned;
  gboolean emulate_cyclic; /* libiio cannot repeat buf: the repeater does */
  GThread *repeater;       /* pushes buf again and again */
  gboolean stop_repeat;    /* lock */
};

#define gst_iio_libiio_sink_parent_class parent_class
G_DEFINE_TYPE (GstIioLibiioSink, gst_iio_libiio_sink, GST_TYPE_BASE_SINK);
GST_ELEMENT_REGISTER_DEFINE (
    iiosink, "iiosink", GST_RANK_NONE, GST_TYPE_IIO_LIBIIO_SINK);

static void gst_iio_libiio_sink_set_property (
    GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec);
static void gst_iio_libiio_sink_get_property (
    GObject *object, guint prop_id, GValue *value, GParamSpec *pspec);
static void gst_iio_libiio_sink_finalize (GObject *object);
static GstStateChangeReturn gst_iio_libiio_sink_change_state (
    GstElement *element, GstStateChange transition);
static GstCaps *gst_iio_libiio_sink_get_caps (
    GstBaseSink *bsink, GstCaps *filter);
static gboolean gst_iio_libiio_sink_set_caps (
    GstBaseSink *bsink, GstCaps *caps);
static gboolean gst_iio_libiio_sink_unlock (GstBaseSink *bsink);
static gboolean gst_iio_libiio_sink_unlock_stop (GstBaseSink *bsink);
static GstFlowReturn gst_iio_libiio_sink_render (
    GstBaseSink *bsink, GstBuffer *buffer);
static GstFlowReturn gst_iio_libiio_sink_wait_event (
    GstBaseSink *bsink, GstEvent *event);
static gboolean gst_iio_libiio_sink_event (GstBaseSink *bsink, GstEvent *event);

static void
gst_iio_libiio_sink_class_init (GstIioLibiioSinkClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseSinkClass *basesink_class = GST_BASE_SINK_CLASS (klass);
  GParamFlags flags =
      G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY;

  GST_DEBUG_CATEGORY_INIT (
      gst_iio_libiio_sink_debug, "iiosink", 0, "IIO sink through libiio");

  gobject_class->set_property = gst_iio_libiio_sink_set_property;
  gobject_class->get_property = gst_iio_libiio_sink_get_property;
  gobject_class->finalize = gst_iio_libiio_sink_finalize;

  g_object_class_install_property (gobject_class, PROP_URI,
      g_param_spec_string ("uri", "URI",
          "libiio context: ip:host, usb:bus.address.interface, local:",
          DEFAULT_URI, flags));
  gst_iio_settings_install_some (
      gobject_class, GST_IIO_DIRECTION_OUTPUT, SHARED_PROPS);
  g_object_class_install_property (gobject_class,
      GST_IIO_PROP_SAMPLES_PER_BUFFER,
      g_param_spec_uint ("samples-per-buffer", "Samples per buffer",
          "Samples (scans) per push to the device; 0: as many as the first "
          "buffer from upstream",
          0, GST_IIO_MAX_SAMPLES_PER_BUFFER, 0, flags));
  g_object_class_install_property (gobject_class, PROP_CYCLIC,
      g_param_spec_boolean ("cyclic", "Cyclic",
          "Repeat the first buffer until the element stops; later buffers "
          "are dropped",
          FALSE, flags));

  gst_element_class_set_static_metadata (element_class, "IIO sink (libiio)",
      "Sink/Audio/Hardware",
      "Plays into an IIO device of a libiio context (local, network, USB), "
      "copying each buffer",
      "gst-iio-dmabuf developers");
  gst_iio_caps_add_pad_template (element_class, GST_PAD_SINK);

  element_class->change_state =
      GST_DEBUG_FUNCPTR (gst_iio_libiio_sink_change_state);
  basesink_class->get_caps = GST_DEBUG_FUNCPTR (gst_iio_libiio_sink_get_caps);
  basesink_class->set_caps = GST_DEBUG_FUNCPTR (gst_iio_libiio_sink_set_caps);
  basesink_class->unlock = GST_DEBUG_FUNCPTR (gst_iio_libiio_sink_unlock);
  basesink_class->unlock_stop =
      GST_DEBUG_FUNCPTR (gst_iio_libiio_sink_unlock_stop);
  basesink_class->render = GST_DEBUG_FUNCPTR (gst_iio_libiio_sink_render);
  basesink_class->wait_event =
      GST_DEBUG_FUNCPTR (gst_iio_libiio_sink_wait_event);
  basesink_class->event = GST_DEBUG_FUNCPTR (gst_iio_libiio_sink_event);
}

static void
gst_iio_libiio_sink_init (GstIioLibiioSink *sink)
{
  gst_iio_settings_init (&sink->settings);
  sink->uri = g_strdup (DEFAULT_URI);
  g_mutex_init (&sink->lock);
  g_cond_init (&sink->cond);
  /* The device's sample clock paces playback. */
  gst_base_sink_set_sync (GST_BASE_SINK (sink), FALSE);
}

static void
gst_iio_libiio_sink_finalize (GObject *object)
{
  GstIioLibiioSink *sink = GST_IIO_LIBIIO_SINK (object);

  gst_iio_settings_clear (&sink->settings);
  g_free (sink->uri);
  g_mutex_clear (&sink->lock);
  g_cond_clear (&sink->cond);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_iio_libiio_sink_set_property (
    GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  GstIioLibiioSink *sink = GST_IIO_LIBIIO_SINK (object);

  GST_OBJECT_LOCK (sink);
  if (prop_id == PROP_URI) {
    g_free (sink->uri);
    sink->uri = g_value_dup_string (value);
    if (!sink->uri)
      sink->uri = g_strdup (DEFAULT_URI);
  } else if (prop_id == PROP_CYCLIC) {
    sink->cyclic = g_value_get_boolean (value);
  } else if (!gst_iio_settings_set_property (&sink->settings, prop_id, value)) {
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
  if (prop_id == GST_IIO_PROP_TIMEOUT && sink->dev)
    gst_iio_libiio_device_set_timeout (sink->dev, sink->settings.timeout);
  GST_OBJECT_UNLOCK (sink);
}

static void
gst_iio_libiio_sink_get_property (
    GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  GstIioLibiioSink *sink = GST_IIO_LIBIIO_SINK (object);

  GST_OBJECT_LOCK (sink);
  if (prop_id == PROP_URI)
    g_value_set_string (value, sink->uri);
  else if (prop_id == PROP_CYCLIC)
    g_value_set_boolean (value, sink->cyclic);
  else if (!gst_iio_settings_get_property (&sink->settings, prop_id, value))
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  GST_OBJECT_UNLOCK (sink);
}

static gboolean
gst_iio_libiio_sink_open (GstIioLibiioSink *sink)
{
  GError *err = NULL;

  sink->dev = gst_iio_libiio_device_open (sink->uri, sink->settings.device,
      GST_IIO_DIRECTION_OUTPUT, sink->settings.channels, sink->settings.timeout,
      &err);
  if (!sink->dev) {
    GST_IIO_POST_ERROR (sink, err);
    return FALSE;
  }
  sink->scan_bytes = gst_iio_libiio_device_get_scan_size (sink->dev);
  GST_INFO_OBJECT (sink, "opened %s at %s, %u bytes per scan",
      gst_iio_libiio_device_get_name (sink->dev), sink->uri, sink->scan_bytes);
  return TRUE;
}

static gboolean
gst_iio_libiio_sink_prepare (GstIioLibiioSink *sink)
{
  GError *err = NULL;

  if (!gst_iio_libiio_device_apply_settings (sink->dev,
          sink->settings.attributes, sink->settings.sampling_frequency, &err)) {
    GST_IIO_POST_ERROR (sink, err);
    return FALSE;
  }
  sink->block_bytes =
      (gsize)sink->settings.samples_per_buffer * sink->scan_bytes;
  sink->fill = 0;
  sink->cyclic_queued = sink->cyclic_warned = sink->partial_warned = FALSE;
  return TRUE;
}

/* Stops the repeater and lets go of the iio_buffer (libiio disables the
 * device's buffer, dropping what it has not played). */
static void
gst_iio_libiio_sink_release (GstIioLibiioSink *sink)
{
  g_mutex_lock (&sink->lock);
  sink->stop_repeat = TRUE;
  if (sink->buf && sink->repeater)
    iio_buffer_cancel (sink->buf);
  g_mutex_unlock (&sink->lock);
  if (sink->repeater)
    g_thread_join (g_steal_pointer (&sink->repeater));
  g_mutex_lock (&sink->lock);
  g_clear_pointer (&sink->buf, iio_buffer_destroy);
  sink->cancelled = FALSE;
  sink->stop_repeat = FALSE;
  g_mutex_unlock (&sink->lock);
  sink->fill = 0;
  sink->cyclic_queued = FALSE;
  sink->emulate_cyclic = FALSE;
}

static GstStateChangeReturn
gst_iio_libiio_sink_change_state (
    GstElement *element, GstStateChange transition)
{
  GstIioLibiioSink *sink = GST_IIO_LIBIIO_SINK (element);
  GstStateChangeReturn ret;

  if (transition == GST_STATE_CHANGE_NULL_TO_READY &&
      !gst_iio_libiio_sink_open (sink))
    return GST_STATE_CHANGE_FAILURE;
  if (transition == GST_STATE_CHANGE_READY_TO_PAUSED &&
      !gst_iio_libiio_sink_prepare (sink))
    return GST_STATE_CHANGE_FAILURE;

  ret = GST_ELEMENT_CLASS (parent_class)->change_state (element, transition);

  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY)
    gst_iio_libiio_sink_release (sink);
  if (transition == GST_STATE_CHANGE_READY_TO_NULL)
    g_clear_pointer (&sink->dev, gst_iio_libiio_device_free);
  return ret;
}

static GstCaps *
gst_iio_libiio_sink_get_caps (GstBaseSink *bsink, GstCaps *filter)
{
  GstIioLibiioSink *sink = GST_IIO_LIBIIO_SINK (bsink);
  GPtrArray *chans =
      sink->dev ? gst_iio_libiio_device_get_enabled_channels (sink->dev) : NULL;
  GstCaps *caps;

  /* Without a rate set, the device's first, so that fixating keeps it;
   * any other is written to the device in set_caps(). */
  caps = gst_iio_caps_query (
      gst_pad_get_pad_template_caps (GST_BASE_SINK_PAD (bsink)), chans,
      sink->settings.sampling_frequency,
      sink->dev ? gst_iio_libiio_device_get_sampling_frequency (sink->dev) : 0,
      filter);
  if (chans)
    g_ptr_array_unref (chans);
  return caps;
}

static gboolean
gst_iio_libiio_sink_set_caps (GstBaseSink *bsink, GstCaps *caps)
{
  GstIioLibiioSink *sink = GST_IIO_LIBIIO_SINK (bsink);
  GError *err = NULL;
  guint scan_bytes;
  gint rate;

  if (!gst_iio_caps_get_scan (caps, &scan_bytes, &rate) || rate <= 0 ||
      scan_bytes != sink->scan_bytes) {
    GST_ELEMENT_ERROR (sink, CORE, NEGOTIATION, (NULL),
        ("caps %" GST_PTR_FORMAT " do not describe the device's scan of %u "
         "bytes",
            caps, sink->scan_bytes));
    return FALSE;
  }
  if (sink->settings.sampling_frequency <= 0 &&
      (gint)(gst_iio_libiio_device_get_sampling_frequency (sink->dev) + 0.5) !=
          rate &&
      !gst_iio_libiio_device_apply_settings (sink->dev, NULL, rate, &err)) {
    GST_IIO_POST_ERROR (sink, err);
    return FALSE;
  }
  GST_INFO_OBJECT (sink, "%d Hz, %u bytes per scan", rate, scan_bytes);
  return TRUE;
}

static gboolean
gst_iio_libiio_sink_unlock (GstBaseSink *bsink)
{
  GstIioLibiioSink *sink = GST_IIO_LIBIIO_SINK (bsink);

  g_mutex_lock (&sink->lock);
  sink->flushing = TRUE;
  if (sink->buf) {
    iio_buffer_cancel (sink->buf);
    sink->cancelled = TRUE;
  }
  g_cond_broadcast (&sink->cond);
  g_mutex_unlock (&sink->lock);
  return TRUE;
}

static gboolean
gst_iio_libiio_sink_unlock_stop (GstBaseSink *bsink)
{
  GstIioLibiioSink *sink = GST_IIO_LIBIIO_SINK (bsink);

  g_mutex_lock (&sink->lock);
  sink->flushing = FALSE;
  g_mutex_unlock (&sink->lock);
  return TRUE;
}

/* Posts the error of a failed push (the streaming thread's or the
 * repeater's) unless a flush caused it; FLUSHING then. */
static GstFlowReturn
gst_iio_libiio_sink_push_failed (GstIioLibiioSink *sink, gssize ret)
{
  gboolean flushing;
  gchar *reason;

  g_mutex_lock (&sink->lock);
  flushing = sink->flushing || sink->stop_repeat;
  g_mutex_unlock (&sink->lock);
  if (flushing)
    return GST_FLOW_FLUSHING;
  reason = gst_iio_libiio_strerror (ret);
  if (ret == -ETIMEDOUT)
    GST_ELEMENT_ERROR (sink, RESOURCE, WRITE,
        ("IIO device \"%s\" at %s consumed nothing for %" GST_TIME_FORMAT
         ": %s",
            gst_iio_libiio_device_get_name (sink->dev), sink->uri,
            GST_TIME_ARGS (sink->settings.timeout), reason),
        ("device stalled, or iiod is gone; see the timeout property"));
  else
    GST_ELEMENT_ERROR (sink, RESOURCE, WRITE,
        ("Cannot write to IIO device \"%s\" at %s: %s",
            gst_iio_libiio_device_get_name (sink->dev), sink->uri, reason),
        ("iio_buffer_push: %" G_GSSIZE_FORMAT, ret));
  g_free (reason);
  return GST_FLOW_ERROR;
}

static GstFlowReturn
gst_iio_libiio_sink_push (GstIioLibiioSink *sink)
{
  gssize ret = iio_buffer_push (sink->buf);

  sink->fill = 0;
  return ret < 0 ? gst_iio_libiio_sink_push_failed (sink, ret) : GST_FLOW_OK;
}

/* Cyclic without libiio's own: pushes the same block until stopped. */
static gpointer
gst_iio_libiio_sink_repeat (gpointer data)
{
  GstIioLibiioSink *sink = data;
  guint64 repeats = 0;

  for (;;) {
    gboolean stop;
    gssize ret;

    g_mutex_lock (&sink->lock);
    stop = sink->stop_repeat;
    g_mutex_unlock (&sink->lock);
    if (stop)
      break;
    ret = iio_buffer_push (sink->buf);
    if (ret < 0) {
      gst_iio_libiio_sink_push_failed (sink, ret);
      break;
    }
    repeats++;
  }
  GST_DEBUG_OBJECT (
      sink, "repeated the cyclic block %" G_GUINT64_FORMAT " times", repeats);
  return NULL;
}

/* The iio_buffer: made on the first buffer (of @size bytes when
 * samples-per-buffer is 0) and again after a cancel. */
static GstFlowReturn
gst_iio_libiio_sink_ensure_buffer (GstIioLibiioSink *sink, gsize size)
{
  struct iio_device *dev = gst_iio_libiio_device_get_iio (sink->dev);
  struct iio_buffer *buf;
  gsize samples;
  gint err;

  g_mutex_lock (&sink->lock);
  if (sink->flushing) {
    g_mutex_unlock (&sink->lock);
    return GST_FLOW_FLUSHING;
  }
  if (sink->cancelled) {
    g_clear_pointer (&sink->buf, iio_buffer_destroy);
    sink->cancelled = FALSE;
    sink->fill = 0;
  }
  g_mutex_unlock (&sink->lock);
  if (sink->buf)
    return GST_FLOW_OK;

  if (sink->block_bytes == 0 || sink->cyclic)
    sink->block_bytes = MAX (size, sink->block_bytes);
  samples = sink->block_bytes / sink->scan_bytes;
  if (iio_device_set_kernel_buffers_count (dev, KERNEL_BLOCKS) < 0)
    GST_INFO_OBJECT (sink, "cannot set the kernel buffer count");

  errno = 0;
  buf = iio_device_create_buffer (dev, samples, sink->cyclic);
  err = errno;
  if (!buf && sink->cyclic && (err == EPERM || err == ENOSYS)) {
    GST_INFO_OBJECT (sink,
        "libiio cannot make the device repeat a buffer (%s): pushing it "
        "again and again instead",
        g_strerror (err));
    errno = 0;
    buf = iio_device_create_buffer (dev, samples, false);
    err = errno;
    sink->emulate_cyclic = buf != NULL;
  }
  if (!buf) {
    gchar *reason = gst_iio_libiio_strerror (err ? err : EIO);

    GST_ELEMENT_ERROR (sink, RESOURCE, OPEN_WRITE,
        ("Cannot start playback into IIO device \"%s\" at %s: %s",
            gst_iio_libiio_device_get_name (sink->dev), sink->uri, reason),
        ("iio_device_create_buffer (%" G_GSIZE_FORMAT " samples%s): %d",
            samples, sink->cyclic ? ", cyclic" : "", -err));
    g_free (reason);
    return GST_FLOW_ERROR;
  }
  g_mutex_lock (&sink->lock);
  sink->buf = buf;
  sink->fill = 0;
  if (sink->flushing) {
    iio_buffer_cancel (buf);
    sink->cancelled = TRUE;
  }
  g_mutex_unlock (&sink->lock);
  GST_INFO_OBJECT (sink, "playing blocks of %" G_GSIZE_FORMAT " samples%s",
      samples, sink->cyclic ? ", cyclic" : "");
  return GST_FLOW_OK;
}

static gsize
gst_iio_libiio_sink_whole_scans (GstIioLibiioSink *sink, gsize size)
{
  return gst_iio_whole_scans (
      GST_ELEMENT (sink), size, sink->scan_bytes, &sink->partial_warned);
}

static GstFlowReturn
gst_iio_libiio_sink_render_cyclic (
    GstIioLibiioSink *sink, const guint8 *data, gsize size)
{
  GstFlowReturn ret;

  if (sink->cyclic_queued) {
    if (!sink->cyclic_warned) {
      GST_ELEMENT_WARNING (sink, STREAM, FAILED,
          ("cyclic=true: the device repeats the first buffer, later ones are "
           "dropped"),
          ("a buffer of %" G_GSIZE_FORMAT " bytes dropped (and those after "
           "it, without another warning)",
              size));
      sink->cyclic_warned = TRUE;
    }
    return GST_FLOW_OK;
  }
  ret = gst_iio_libiio_sink_ensure_buffer (sink, size);
  if (ret != GST_FLOW_OK)
    return ret;
  /* The block is as big as the first buffer, or bigger: pad with silence. */
  memset (iio_buffer_start (sink->buf), 0, sink->block_bytes);
  memcpy (iio_buffer_start (sink->buf), data, MIN (size, sink->block_bytes));
  ret = gst_iio_libiio_sink_push (sink);
  if (ret != GST_FLOW_OK)
    return ret;
  sink->cyclic_queued = TRUE;
  if (sink->emulate_cyclic)
    sink->repeater =
        g_thread_new ("iiosink-cyclic", gst_iio_libiio_sink_repeat, sink);
  return GST_FLOW_OK;
}

static GstFlowReturn
gst_iio_libiio_sink_render (GstBaseSink *bsink, GstBuffer *buffer)
{
  GstIioLibiioSink *sink = GST_IIO_LIBIIO_SINK (bsink);
  GstFlowReturn ret = GST_FLOW_OK;
  GstMapInfo map;
  gsize size, off, n;

  if (!gst_buffer_map (buffer, &map, GST_MAP_READ)) {
    GST_ELEMENT_ERROR (sink, RESOURCE, READ, ("Cannot map a buffer"),
        ("gst_buffer_map of %" GST_PTR_FORMAT " for reading failed", buffer));
    return GST_FLOW_ERROR;
  }
  size = gst_iio_libiio_sink_whole_scans (sink, map.size);
  if (size == 0) {
    /* nothing to play */
  } else if (sink->cyclic) {
    ret = gst_iio_libiio_sink_render_cyclic (sink, map.data, size);
  } else {
    for (off = 0; ret == GST_FLOW_OK && off < size; off += n) {
      ret = gst_iio_libiio_sink_ensure_buffer (sink, size);
      if (ret != GST_FLOW_OK)
        break;
      n = MIN (size - off, sink->block_bytes - sink->fill);
      memcpy ((guint8 *)iio_buffer_start (sink->buf) + sink->fill,
          map.data + off, n);
      sink->fill += n;
      if (sink->fill == sink->block_bytes)
        ret = gst_iio_libiio_sink_push (sink);
    }
  }
  gst_buffer_unmap (buffer, &map);
  return ret;
}

/* Bytes the kernel says are free in its fileio blocks (data_available of an
 * output buffer), or -1. */
static gint64
gst_iio_libiio_sink_free_space (GstIioLibiioSink *sink)
{
  long long v = -1;

  if (iio_device_buffer_attr_read_longlong (
          gst_iio_libiio_device_get_iio (sink->dev), "data_available", &v) < 0)
    return -1;
  return v;
}

/* EOS: pads and pushes the last block, then waits until the kernel's
 * fileio blocks are all free again: the device has played everything. */
static GstFlowReturn
gst_iio_libiio_sink_drain (GstIioLibiioSink *sink)
{
  GstClockTime timeout = sink->settings.timeout;
  gint64 deadline, idle = (gint64)sink->block_bytes * KERNEL_BLOCKS;
  GstFlowReturn ret;

  if (!sink->buf)
    return GST_FLOW_OK;
  if (sink->fill) {
    memset ((guint8 *)iio_buffer_start (sink->buf) + sink->fill, 0,
        sink->block_bytes - sink->fill);
    GST_DEBUG_OBJECT (sink,
        "padding the last block with %" G_GSIZE_FORMAT " bytes of silence",
        sink->block_bytes - sink->fill);
    ret = gst_iio_libiio_sink_push (sink);
    if (ret != GST_FLOW_OK)
      return ret;
  }
  deadline = timeout == GST_CLOCK_TIME_NONE || timeout == 0
      ? G_MAXINT64
      : g_get_monotonic_time () + (gint64)(timeout / GST_USECOND);
  for (;;) {
    gint64 space = gst_iio_libiio_sink_free_space (sink);
    gboolean flushing;

    if (space < 0) {
      GST_INFO_OBJECT (sink,
          "data_available unreadable: not waiting for the "
          "device to play the last blocks");
      return GST_FLOW_OK;
    }
    if (space >= idle)
      return GST_FLOW_OK;
    g_mutex_lock (&sink->lock);
    flushing = sink->flushing;
    g_mutex_unlock (&sink->lock);
    if (flushing)
      return GST_FLOW_FLUSHING;
    if (g_get_monotonic_time () > deadline) {
      GST_ELEMENT_ERROR (sink, RESOURCE, WRITE,
          ("IIO device \"%s\" at %s did not play its last blocks in "
           "%" GST_TIME_FORMAT,
              gst_iio_libiio_device_get_name (sink->dev), sink->uri,
              GST_TIME_ARGS (timeout)),
          ("data_available %" G_GINT64_FORMAT " of %" G_GINT64_FORMAT, space,
              idle));
      return GST_FLOW_ERROR;
    }
    g_usleep (2 * G_TIME_SPAN_MILLISECOND);
  }
}

/* cyclic: the stream does not end while the block repeats; EOS waits for
 * the flush of a state change. */
static GstFlowReturn
gst_iio_libiio_sink_wait_stopped (GstIioLibiioSink *sink)
{
  g_mutex_lock (&sink->lock);
  while (!sink->flushing)
    g_cond_wait (&sink->cond, &sink->lock);
  g_mutex_unlock (&sink->lock);
  return GST_FLOW_FLUSHING;
}

static GstFlowReturn
gst_iio_libiio_sink_wait_event (GstBaseSink *bsink, GstEvent *event)
{
  GstIioLibiioSink *sink = GST_IIO_LIBIIO_SINK (bsink);
  GstFlowReturn ret =
      GST_BASE_SINK_CLASS (parent_class)->wait_event (bsink, event);

  if (ret != GST_FLOW_OK || GST_EVENT_TYPE (event) != GST_EVENT_EOS)
    return ret;
  if (sink->cyclic_queued)
    return gst_iio_libiio_sink_wait_stopped (sink);
  return gst_iio_libiio_sink_drain (sink);
}

static gboolean
gst_iio_libiio_sink_event (GstBaseSink *bsink, GstEvent *event)
{
  GstIioLibiioSink *sink = GST_IIO_LIBIIO_SINK (bsink);

  /* A flush drops what is queued: the next buffer starts afresh. */
  if (GST_EVENT_TYPE (event) == GST_EVENT_FLUSH_STOP)
    gst_iio_libiio_sink_release (sink);
  return GST_BASE_SINK_CLASS (parent_class)->event (bsink, event);
}
