/* iiosrc: negotiates and schedules a capture through libiio; the device
 * object (gstiiolibiiodevice) finds the device and its channels, libiio's
 * iio_buffer moves the samples.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/**
 * SECTION:element-iiosrc
 * @title: iiosrc
 *
 * Captures samples from an IIO device of any libiio context: a remote board
 * running iiod (uri=ip:host), a USB device (uri=usb:...) or this machine
 * (uri=local:, the default). The properties it shares with iiodmabufsrc
 * (device, channels, sampling-frequency, attributes, samples-per-buffer,
 * timeout) mean the same; caps are the same mapping of the enabled channels
 * (audio/x-raw where they map 1:1 onto an audio format, else
 * application/x-iio with the scan layout).
 *
 * Each buffer is a copy: libiio refills its own iio_buffer (over the
 * network, from the socket) and the element copies the block into a
 * GstBuffer. That is the nature of the transport. For zero-copy capture from
 * a local device whose buffer supports IIO DMABUF, use iiodmabufsrc.
 *
 * A live source: each buffer is stamped with the running time of its first
 * sample and counts samples in its offsets. Every failure is an error that
 * names the URI and the device: a context that cannot be created (no iiod
 * at that address, within the connection timeout of libiio), an unknown
 * device or channel, a refill that fails or times out after
 * #GstIioLibiioSrc:timeout (iiod gone, device stalled).
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 iiosrc uri=ip:192.168.2.1 device=iio-sim-adc \
 *     num-buffers=1000 ! fakesink
 * ]| Captures 1000 buffers from the device named iio-sim-adc on a board
 * running iiod.
 * |[
 * gst-launch-1.0 iiosrc uri=ip:192.168.2.1 device=sim-adc \
 *     channels=voltage0,voltage1 samples-per-buffer=4096 num-buffers=10 ! \
 *     filesink location=capture.raw
 * ]| Two channels of the device labelled sim-adc, into a file.
 *
 * Since: 0.1
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstiiolibiiosrc.h"
#include "gstiiocaps.h"
#include "gstiiosettings.h"
#include "gstiiolibiiodevice.h"

#include <errno.h>
#include <string.h>

GST_DEBUG_CATEGORY_STATIC (gst_iio_libiio_src_debug);
#define GST_CAT_DEFAULT gst_iio_libiio_src_debug

#define DEFAULT_URI "local:"

enum {
  PROP_URI = GST_IIO_PROP_LAST,
};

/* The shared properties that apply to libiio: no buffer index, kernel queue,
 * io-mode or dma-heap (libiio owns the buffer). */
/* The kernel blocks libiio keeps in flight (its default). */
#define LIBIIO_KERNEL_BLOCKS 4

#define SHARED_PROPS                                                           \
  (GST_IIO_PROP_BIT (GST_IIO_PROP_DEVICE) |                                    \
      GST_IIO_PROP_BIT (GST_IIO_PROP_CHANNELS) |                               \
      GST_IIO_PROP_BIT (GST_IIO_PROP_SAMPLING_FREQUENCY) |                     \
      GST_IIO_PROP_BIT (GST_IIO_PROP_ATTRIBUTES) |                             \
      GST_IIO_PROP_BIT (GST_IIO_PROP_SAMPLES_PER_BUFFER) |                     \
      GST_IIO_PROP_BIT (GST_IIO_PROP_TIMEOUT))

struct _GstIioLibiioSrc
{
  GstPushSrc parent;

  /* properties; the object lock guards them */
  GstIioSettings settings;
  gchar *uri;

  /* READY and up */
  GstIioLibiioDevice *dev;
  guint scan_bytes;

  /* negotiated */
  gdouble rate;
  guint block_samples;
  gsize block_bytes;

  /* the streaming thread creates and destroys it; unlock() cancels it */
  GMutex lock;
  struct iio_buffer *buf;
  gboolean flushing;  /* between unlock() and unlock_stop(), lock */
  gboolean cancelled; /* buf was cancelled: make a new one, lock */

  /* streaming thread */
  GstClockTime ts0;
  guint64 offset;
};

#define gst_iio_libiio_src_parent_class parent_class
G_DEFINE_TYPE (GstIioLibiioSrc, gst_iio_libiio_src, GST_TYPE_PUSH_SRC);
GST_ELEMENT_REGISTER_DEFINE (
    iiosrc, "iiosrc", GST_RANK_NONE, GST_TYPE_IIO_LIBIIO_SRC);

static void gst_iio_libiio_src_set_property (
    GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec);
static void gst_iio_libiio_src_get_property (
    GObject *object, guint prop_id, GValue *value, GParamSpec *pspec);
static void gst_iio_libiio_src_finalize (GObject *object);
static GstStateChangeReturn gst_iio_libiio_src_change_state (
    GstElement *element, GstStateChange transition);
static gboolean gst_iio_libiio_src_start (GstBaseSrc *bsrc);
static gboolean gst_iio_libiio_src_stop (GstBaseSrc *bsrc);
static GstCaps *gst_iio_libiio_src_get_caps (GstBaseSrc *bsrc, GstCaps *filter);
static gboolean gst_iio_libiio_src_set_caps (GstBaseSrc *bsrc, GstCaps *caps);
static gboolean gst_iio_libiio_src_query (GstBaseSrc *bsrc, GstQuery *query);
static gboolean gst_iio_libiio_src_unlock (GstBaseSrc *bsrc);
static gboolean gst_iio_libiio_src_unlock_stop (GstBaseSrc *bsrc);
static GstFlowReturn gst_iio_libiio_src_create (
    GstPushSrc *psrc, GstBuffer **buf);

static void
gst_iio_libiio_src_class_init (GstIioLibiioSrcClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseSrcClass *basesrc_class = GST_BASE_SRC_CLASS (klass);
  GstPushSrcClass *pushsrc_class = GST_PUSH_SRC_CLASS (klass);

  GST_DEBUG_CATEGORY_INIT (
      gst_iio_libiio_src_debug, "iiosrc", 0, "IIO source through libiio");

  gobject_class->set_property = gst_iio_libiio_src_set_property;
  gobject_class->get_property = gst_iio_libiio_src_get_property;
  gobject_class->finalize = gst_iio_libiio_src_finalize;

  g_object_class_install_property (gobject_class, PROP_URI,
      g_param_spec_string ("uri", "URI",
          "libiio context: ip:host, usb:bus.address.interface, local:",
          DEFAULT_URI,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
              GST_PARAM_MUTABLE_READY));
  gst_iio_settings_install_some (
      gobject_class, GST_IIO_DIRECTION_INPUT, SHARED_PROPS);

  gst_element_class_set_static_metadata (element_class, "IIO source (libiio)",
      "Source/Audio/Hardware",
      "Captures from an IIO device of a libiio context (local, network, "
      "USB), copying each buffer",
      "gst-iio-dmabuf developers");
  gst_iio_caps_add_pad_template (element_class, GST_PAD_SRC);

  element_class->change_state =
      GST_DEBUG_FUNCPTR (gst_iio_libiio_src_change_state);
  basesrc_class->start = GST_DEBUG_FUNCPTR (gst_iio_libiio_src_start);
  basesrc_class->stop = GST_DEBUG_FUNCPTR (gst_iio_libiio_src_stop);
  basesrc_class->get_caps = GST_DEBUG_FUNCPTR (gst_iio_libiio_src_get_caps);
  basesrc_class->set_caps = GST_DEBUG_FUNCPTR (gst_iio_libiio_src_set_caps);
  basesrc_class->query = GST_DEBUG_FUNCPTR (gst_iio_libiio_src_query);
  basesrc_class->unlock = GST_DEBUG_FUNCPTR (gst_iio_libiio_src_unlock);
  basesrc_class->unlock_stop =
      GST_DEBUG_FUNCPTR (gst_iio_libiio_src_unlock_stop);
  pushsrc_class->create = GST_DEBUG_FUNCPTR (gst_iio_libiio_src_create);
}

static void
gst_iio_libiio_src_init (GstIioLibiioSrc *src)
{
  gst_iio_settings_init (&src->settings);
  src->uri = g_strdup (DEFAULT_URI);
  g_mutex_init (&src->lock);
  gst_base_src_set_live (GST_BASE_SRC (src), TRUE);
  gst_base_src_set_format (GST_BASE_SRC (src), GST_FORMAT_TIME);
}

static void
gst_iio_libiio_src_finalize (GObject *object)
{
  GstIioLibiioSrc *src = GST_IIO_LIBIIO_SRC (object);

  gst_iio_settings_clear (&src->settings);
  g_free (src->uri);
  g_mutex_clear (&src->lock);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_iio_libiio_src_set_property (
    GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  GstIioLibiioSrc *src = GST_IIO_LIBIIO_SRC (object);

  GST_OBJECT_LOCK (src);
  if (prop_id == PROP_URI) {
    g_free (src->uri);
    src->uri = g_value_dup_string (value);
    if (!src->uri)
      src->uri = g_strdup (DEFAULT_URI);
  } else if (!gst_iio_settings_set_property (&src->settings, prop_id, value)) {
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
  /* A new timeout applies at once, even while streaming. */
  if (prop_id == GST_IIO_PROP_TIMEOUT && src->dev)
    gst_iio_libiio_device_set_timeout (src->dev, src->settings.timeout);
  GST_OBJECT_UNLOCK (src);
}

static void
gst_iio_libiio_src_get_property (
    GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  GstIioLibiioSrc *src = GST_IIO_LIBIIO_SRC (object);

  GST_OBJECT_LOCK (src);
  if (prop_id == PROP_URI)
    g_value_set_string (value, src->uri);
  else if (!gst_iio_settings_get_property (&src->settings, prop_id, value))
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  GST_OBJECT_UNLOCK (src);
}

static gboolean
gst_iio_libiio_src_open (GstIioLibiioSrc *src)
{
  GError *err = NULL;

  src->dev = gst_iio_libiio_device_open (src->uri, src->settings.device,
      GST_IIO_DIRECTION_INPUT, src->settings.channels, src->settings.timeout,
      &err);
  if (!src->dev) {
    GST_IIO_POST_ERROR (src, err);
    return FALSE;
  }
  src->scan_bytes = gst_iio_libiio_device_get_scan_size (src->dev);
  GST_INFO_OBJECT (src, "opened %s at %s, %u bytes per scan",
      gst_iio_libiio_device_get_name (src->dev), src->uri, src->scan_bytes);
  return TRUE;
}

static GstStateChangeReturn
gst_iio_libiio_src_change_state (GstElement *element, GstStateChange transition)
{
  GstIioLibiioSrc *src = GST_IIO_LIBIIO_SRC (element);
  GstStateChangeReturn ret;

  if (transition == GST_STATE_CHANGE_NULL_TO_READY &&
      !gst_iio_libiio_src_open (src))
    return GST_STATE_CHANGE_FAILURE;

  ret = GST_ELEMENT_CLASS (parent_class)->change_state (element, transition);

  if (transition == GST_STATE_CHANGE_READY_TO_NULL)
    g_clear_pointer (&src->dev, gst_iio_libiio_device_free);
  return ret;
}

static gboolean
gst_iio_libiio_src_start (GstBaseSrc *bsrc)
{
  GstIioLibiioSrc *src = GST_IIO_LIBIIO_SRC (bsrc);
  GError *err = NULL;

  if (!gst_iio_libiio_device_apply_settings (src->dev, src->settings.attributes,
          src->settings.sampling_frequency, &err)) {
    GST_IIO_POST_ERROR (src, err);
    return FALSE;
  }
  src->rate = gst_iio_libiio_device_get_sampling_frequency (src->dev);
  src->offset = 0;
  src->ts0 = GST_CLOCK_TIME_NONE;
  return TRUE;
}

static void
gst_iio_libiio_src_destroy_buffer (GstIioLibiioSrc *src)
{
  g_mutex_lock (&src->lock);
  g_clear_pointer (&src->buf, iio_buffer_destroy);
  src->cancelled = FALSE;
  g_mutex_unlock (&src->lock);
}

static gboolean
gst_iio_libiio_src_stop (GstBaseSrc *bsrc)
{
  gst_iio_libiio_src_destroy_buffer (GST_IIO_LIBIIO_SRC (bsrc));
  return TRUE;
}

static GstCaps *
gst_iio_libiio_src_get_caps (GstBaseSrc *bsrc, GstCaps *filter)
{
  GstIioLibiioSrc *src = GST_IIO_LIBIIO_SRC (bsrc);
  GPtrArray *chans =
      src->dev ? gst_iio_libiio_device_get_enabled_channels (src->dev) : NULL;
  gdouble rate = src->settings.sampling_frequency;
  GstCaps *caps;

  if (src->dev && rate <= 0)
    rate = gst_iio_libiio_device_get_sampling_frequency (src->dev);
  caps = gst_iio_caps_query (
      gst_pad_get_pad_template_caps (GST_BASE_SRC_PAD (bsrc)), chans, rate, 0,
      filter);
  if (chans)
    g_ptr_array_unref (chans);
  return caps;
}

static gboolean
gst_iio_libiio_src_set_caps (GstBaseSrc *bsrc, GstCaps *caps)
{
  GstIioLibiioSrc *src = GST_IIO_LIBIIO_SRC (bsrc);
  guint scan_bytes = src->scan_bytes;
  gint rate;

  if (!gst_iio_caps_check_scan (GST_ELEMENT (src), caps, scan_bytes, &rate))
    return FALSE;
  src->rate = rate;
  src->block_samples = gst_iio_samples_per_block (
      src->settings.samples_per_buffer, rate, scan_bytes, 1);
  src->block_bytes = (gsize)src->block_samples * scan_bytes;
  gst_base_src_set_blocksize (bsrc, src->block_bytes);
  GST_INFO_OBJECT (src,
      "%d Hz, %u bytes per scan, %u scans (%" G_GSIZE_FORMAT
      " bytes) per buffer",
      rate, scan_bytes, src->block_samples, src->block_bytes);
  return TRUE;
}

static gboolean
gst_iio_libiio_src_query (GstBaseSrc *bsrc, GstQuery *query)
{
  GstIioLibiioSrc *src = GST_IIO_LIBIIO_SRC (bsrc);

  /* A block is pushed when libiio has refilled it; the kernel (and iiod)
   * keep a few more in flight. */
  if (GST_QUERY_TYPE (query) == GST_QUERY_LATENCY)
    return gst_iio_latency_query_answer (
        query, src->block_samples, src->rate, LIBIIO_KERNEL_BLOCKS);
  return GST_BASE_SRC_CLASS (parent_class)->query (bsrc, query);
}

/* Makes a blocked refill return at once: a cancelled iio_buffer answers
 * every call with an error, so create() makes a new one after
 * unlock_stop(). */
static gboolean
gst_iio_libiio_src_unlock (GstBaseSrc *bsrc)
{
  GstIioLibiioSrc *src = GST_IIO_LIBIIO_SRC (bsrc);

  g_mutex_lock (&src->lock);
  src->flushing = TRUE;
  if (src->buf) {
    iio_buffer_cancel (src->buf);
    src->cancelled = TRUE;
  }
  g_mutex_unlock (&src->lock);
  return TRUE;
}

static gboolean
gst_iio_libiio_src_unlock_stop (GstBaseSrc *bsrc)
{
  GstIioLibiioSrc *src = GST_IIO_LIBIIO_SRC (bsrc);

  g_mutex_lock (&src->lock);
  src->flushing = FALSE;
  g_mutex_unlock (&src->lock);
  return TRUE;
}

/* The iio_buffer to refill: a new one at the start and after a cancel. */
static GstFlowReturn
gst_iio_libiio_src_ensure_buffer (GstIioLibiioSrc *src)
{
  struct iio_buffer *buf;
  gint err;

  g_mutex_lock (&src->lock);
  if (src->flushing) {
    g_mutex_unlock (&src->lock);
    return GST_FLOW_FLUSHING;
  }
  if (src->cancelled) {
    g_clear_pointer (&src->buf, iio_buffer_destroy);
    src->cancelled = FALSE;
  }
  g_mutex_unlock (&src->lock);
  if (src->buf)
    return GST_FLOW_OK;

  errno = 0;
  buf = iio_device_create_buffer (
      gst_iio_libiio_device_get_iio (src->dev), src->block_samples, false);
  err = errno ? errno : EIO;
  if (!buf) {
    gchar *reason = gst_iio_libiio_strerror (err);

    GST_ELEMENT_ERROR (src, RESOURCE, OPEN_READ,
        ("Cannot start a capture from IIO device \"%s\" at %s: %s",
            gst_iio_libiio_device_get_name (src->dev), src->uri, reason),
        ("iio_device_create_buffer (%u samples): %d", src->block_samples,
            -err));
    g_free (reason);
    return GST_FLOW_ERROR;
  }
  g_mutex_lock (&src->lock);
  src->buf = buf;
  /* An unlock() that came while we were creating it. */
  if (src->flushing) {
    iio_buffer_cancel (buf);
    src->cancelled = TRUE;
  }
  g_mutex_unlock (&src->lock);
  GST_INFO_OBJECT (src, "capturing blocks of %u samples from %s at %s",
      src->block_samples, gst_iio_libiio_device_get_name (src->dev), src->uri);
  return GST_FLOW_OK;
}

static void
gst_iio_libiio_src_timestamp (GstIioLibiioSrc *src, GstBuffer *buffer)
{
  gint rate = (gint)src->rate;

  if (!GST_CLOCK_TIME_IS_VALID (src->ts0)) {
    GstClock *clock = gst_element_get_clock (GST_ELEMENT (src));
    GstClockTime block =
        gst_util_uint64_scale_int (src->block_samples, GST_SECOND, rate);

    src->ts0 = 0;
    if (clock) {
      GstClockTime now = gst_clock_get_time (clock);
      GstClockTime base = gst_element_get_base_time (GST_ELEMENT (src));
      GstClockTime running = now > base ? now - base : 0;

      /* The first sample of the block was taken a block ago. */
      src->ts0 = running > block ? running - block : 0;
      gst_object_unref (clock);
    }
    GST_BUFFER_FLAG_SET (buffer, GST_BUFFER_FLAG_DISCONT);
  }
  gst_iio_stamp_buffer (
      buffer, src->ts0, src->offset, src->block_samples, rate);
  src->offset += src->block_samples;
}

static GstFlowReturn
gst_iio_libiio_src_create (GstPushSrc *psrc, GstBuffer **outbuf)
{
  GstIioLibiioSrc *src = GST_IIO_LIBIIO_SRC (psrc);
  GstFlowReturn ret;
  gboolean flushing;
  const guint8 *start, *end;
  gssize n;

  *outbuf = NULL;
  ret = gst_iio_libiio_src_ensure_buffer (src);
  if (ret != GST_FLOW_OK)
    return ret;

  n = iio_buffer_refill (src->buf);
  g_mutex_lock (&src->lock);
  flushing = src->flushing || src->cancelled;
  g_mutex_unlock (&src->lock);
  if (flushing)
    return GST_FLOW_FLUSHING;
  if (n < 0) {
    gchar *reason = gst_iio_libiio_strerror (n);

    if (n == -ETIMEDOUT)
      GST_ELEMENT_ERROR (src, RESOURCE, READ,
          ("IIO device \"%s\" at %s delivered nothing for %" GST_TIME_FORMAT
           ": %s",
              gst_iio_libiio_device_get_name (src->dev), src->uri,
              GST_TIME_ARGS (src->settings.timeout), reason),
          ("device stalled, or iiod is gone; see the timeout property"));
    else
      GST_ELEMENT_ERROR (src, RESOURCE, READ,
          ("Cannot read from IIO device \"%s\" at %s: %s",
              gst_iio_libiio_device_get_name (src->dev), src->uri, reason),
          ("iio_buffer_refill: %" G_GSSIZE_FORMAT, n));
    g_free (reason);
    return GST_FLOW_ERROR;
  }

  start = iio_buffer_start (src->buf);
  end = iio_buffer_end (src->buf);
  if (end - start != (gssize)src->block_bytes) {
    GST_ELEMENT_ERROR (src, RESOURCE, READ,
        ("IIO device \"%s\" at %s gave a block of %" G_GSSIZE_FORMAT
         " bytes instead of %" G_GSIZE_FORMAT,
            gst_iio_libiio_device_get_name (src->dev), src->uri,
            (gssize)(end - start), src->block_bytes),
        ("iio_buffer_refill gave a block of another size"));
    return GST_FLOW_ERROR;
  }
  *outbuf = gst_buffer_new_memdup (start, src->block_bytes);
  gst_iio_libiio_src_timestamp (src, *outbuf);
  return GST_FLOW_OK;
}
