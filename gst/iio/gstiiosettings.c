/* What every IIO element shares: the io-mode enum, the common properties,
 * block sizing, latency figures and error posting (gstiiosettings.h).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstiiosettings.h"
#include "gstiiodmabufpool.h"

#include <stdlib.h>
#include <string.h>

GST_DEBUG_CATEGORY_STATIC (gst_iio_settings_debug);
#define GST_CAT_DEFAULT gst_iio_settings_debug

G_DEFINE_QUARK (gst - iio - buffer - error - quark, gst_iio_buffer_error);

static void
ensure_debug (void)
{
  static gsize once = 0;

  if (g_once_init_enter (&once)) {
    GST_DEBUG_CATEGORY_INIT (
        gst_iio_settings_debug, "iiosettings", 0, "IIO element settings");
    g_once_init_leave (&once, 1);
  }
}

GType
gst_iio_io_mode_get_type (void)
{
  static gsize type = 0;
  static const GEnumValue values[] = {
    { GST_IIO_IO_MODE_AUTO,
        "Zero-copy (dmabuf-import, else dmabuf) where the "
        "device supports DMABUF, else rw",
        "auto" },
    { GST_IIO_IO_MODE_DMABUF, "Export: the element's own dma-bufs", "dmabuf" },
    { GST_IIO_IO_MODE_DMABUF_IMPORT, "Import: dma-bufs from the peer's pool",
        "dmabuf-import" },
    { GST_IIO_IO_MODE_RW, "read()/write() on the buffer fd (copies)", "rw" },
    { 0, NULL, NULL }
  };

  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_enum_register_static ("GstIioIoMode", values));
  return type;
}

const gchar *
gst_iio_io_mode_nick (GstIioIoMode mode)
{
  GEnumClass *klass = g_type_class_ref (GST_TYPE_IIO_IO_MODE);
  GEnumValue *v = g_enum_get_value (klass, mode);
  const gchar *nick = v ? v->value_nick : "unknown";

  g_type_class_unref (klass);
  return nick;
}

void
gst_iio_post_error (GstElement *element, GstMessageType type, GError *err,
    const gchar *file, const gchar *function, gint line)
{
  GQuark domain = GST_RESOURCE_ERROR;
  gint code = GST_RESOURCE_ERROR_FAILED;
  gchar *text, *debug;
  const gchar *newline;

  if (err->domain == GST_RESOURCE_ERROR || err->domain == GST_CORE_ERROR ||
      err->domain == GST_STREAM_ERROR || err->domain == GST_LIBRARY_ERROR) {
    domain = err->domain;
    code = err->code;
  } else if (err->domain == GST_IIO_BUFFER_ERROR) {
    switch (err->code) {
      case GST_IIO_BUFFER_ERROR_GONE:
        code = GST_RESOURCE_ERROR_NOT_FOUND;
        break;
      case GST_IIO_BUFFER_ERROR_BUSY:
        code = GST_RESOURCE_ERROR_BUSY;
        break;
      case GST_IIO_BUFFER_ERROR_NOT_SUPPORTED:
      case GST_IIO_BUFFER_ERROR_INVALID:
        code = GST_RESOURCE_ERROR_SETTINGS;
        break;
      default:
        code = GST_RESOURCE_ERROR_READ;
        break;
    }
  }
  /* The message is "user text\ndetails"; one without details names
   * only what the user needs, and the debug text says where it came
   * from. */
  newline = strchr (err->message, '\n');
  if (newline) {
    text = g_strndup (err->message, newline - err->message);
    debug = g_strdup (newline + 1);
  } else {
    text = g_strdup (err->message);
    debug =
        g_strdup_printf ("%s %d", g_quark_to_string (err->domain), err->code);
  }
  gst_element_message_full (
      element, type, domain, code, text, debug, file, function, line);
  g_error_free (err);
}

void
gst_iio_stamp_buffer (GstBuffer *buffer, GstClockTime ts0, guint64 offset,
    guint samples, gint rate)
{
  GstClockTime pts = ts0 + gst_util_uint64_scale_int (offset, GST_SECOND, rate);

  GST_BUFFER_PTS (buffer) = pts;
  GST_BUFFER_DTS (buffer) = GST_CLOCK_TIME_NONE;
  GST_BUFFER_DURATION (buffer) = ts0 +
      gst_util_uint64_scale_int (offset + samples, GST_SECOND, rate) - pts;
  GST_BUFFER_OFFSET (buffer) = offset;
  GST_BUFFER_OFFSET_END (buffer) = offset + samples;
}

gboolean
gst_iio_latency_query_answer (
    GstQuery *query, guint block_samples, gdouble rate, guint n_blocks)
{
  GstClockTime block;

  if (rate <= 0 || block_samples == 0)
    return FALSE;
  block = gst_util_uint64_scale_int (block_samples, GST_SECOND, (gint)rate);
  gst_query_set_latency (query, TRUE, block, block * n_blocks);
  return TRUE;
}

GstStructure *
gst_iio_parse_attributes (const gchar *text)
{
  gchar *full = g_strdup_printf ("attributes, %s", text);
  GstStructure *s = gst_structure_from_string (full, NULL);

  g_free (full);
  return s;
}

guint
gst_iio_scans_step (guint scan_bytes, guint align)
{
  guint a = MAX (scan_bytes, 1), b = MAX (align, 1);

  while (b) {
    guint t = a % b;

    a = b;
    b = t;
  }
  return MAX (align, 1) / a;
}

guint
gst_iio_fileio_scans (guint n_blocks, guint block_samples, guint scan_bytes,
    guint align, gsize max_bytes)
{
  guint64 want = (guint64)(MAX (n_blocks, 2) + 1) / 2 * block_samples;
  guint64 max = max_bytes / MAX (scan_bytes, 1);
  guint step = gst_iio_scans_step (scan_bytes, align);

  if (want <= max)
    return (guint)want;
  if (block_samples && block_samples <= max)
    return (guint)(max / block_samples * block_samples);
  return (guint)MAX (step, max / step * step);
}

guint
gst_iio_samples_per_block (
    guint requested, gdouble rate, guint scan_bytes, guint align)
{
  guint step = gst_iio_scans_step (scan_bytes, align);
  guint64 n;

  if (requested)
    return requested;
  n = rate > 0 ? (guint64)(rate * GST_IIO_BLOCK_MS / 1000.0) : 1024;
  n = MAX (n, GST_IIO_MIN_AUTO_SAMPLES);
  /* A smaller dma-buf still takes a page; more, shorter blocks only cost
   * system calls and buffers that aggregating elements must hold. */
  if (scan_bytes)
    n = MAX (n, GST_IIO_MIN_AUTO_BLOCK_BYTES / scan_bytes);
  if (scan_bytes && n * scan_bytes > GST_IIO_MAX_AUTO_BLOCK_BYTES)
    n = GST_IIO_MAX_AUTO_BLOCK_BYTES / scan_bytes;
  /* whole scans that are whole bus words too */
  n = (n + step - 1) / step * step;
  return (guint)n;
}

guint
gst_iio_blocks_queued (
    guint requested, gdouble rate, guint block_samples, gsize block_bytes)
{
  guint64 n;

  if (requested)
    return MAX (requested, GST_IIO_MIN_N_BUFFERS);
  if (rate <= 0 || block_samples == 0)
    return GST_IIO_MIN_AUTO_N_BUFFERS;
  /* Blocks of block_samples / rate seconds each, rounded up. */
  n = (guint64)(GST_IIO_QUEUE_MS * rate / (1000.0 * block_samples) + 0.999);
  n = CLAMP (n, GST_IIO_MIN_AUTO_N_BUFFERS, GST_IIO_MAX_AUTO_N_BUFFERS);
  if (block_bytes && n * block_bytes > GST_IIO_MAX_AUTO_QUEUE_BYTES)
    n = MAX (
        GST_IIO_MAX_AUTO_QUEUE_BYTES / block_bytes, GST_IIO_MIN_AUTO_N_BUFFERS);
  return (guint)n;
}

guint
gst_iio_extra_buffers (gsize block_bytes)
{
  gsize n = GST_IIO_EXTRA_BYTES / MAX (block_bytes, 1);

  return (guint)CLAMP (n, GST_IIO_MIN_EXTRA_BUFFERS, GST_IIO_MAX_EXTRA_BUFFERS);
}

void
gst_iio_latency_add (GstIioLatency *lat, gint64 ns)
{
  lat->ns[lat->pos] = (guint32)CLAMP (ns, 0, G_MAXUINT32);
  lat->pos = (lat->pos + 1) % GST_IIO_LATENCY_WINDOW;
  lat->n = MIN (lat->n + 1, GST_IIO_LATENCY_WINDOW);
}

static gint
compare_u32 (gconstpointer a, gconstpointer b)
{
  guint32 x = *(const guint32 *)a, y = *(const guint32 *)b;

  return x < y ? -1 : x > y;
}

guint64
gst_iio_latency_percentile (const GstIioLatency *lat, guint pct)
{
  guint32 sorted[GST_IIO_LATENCY_WINDOW];

  if (lat->n == 0)
    return 0;
  memcpy (sorted, lat->ns, lat->n * sizeof (guint32));
  qsort (sorted, lat->n, sizeof (guint32), compare_u32);
  return sorted[MIN (lat->n - 1, (lat->n * MIN (pct, 100)) / 100)];
}

void
gst_iio_latency_clear (GstIioLatency *lat)
{
  lat->n = lat->pos = 0;
}

GstClockTime
gst_iio_settings_wait_timeout (GstElement *element, const GstIioSettings *s)
{
  GstClockTime timeout;

  GST_OBJECT_LOCK (element);
  timeout = s->timeout ? s->timeout : GST_CLOCK_TIME_NONE;
  GST_OBJECT_UNLOCK (element);
  return timeout;
}

void
gst_iio_settings_install (GObjectClass *klass, GstIioDirection direction)
{
  gst_iio_settings_install_some (klass, direction, GST_IIO_PROPS_ALL);
}

void
gst_iio_settings_install_some (
    GObjectClass *klass, GstIioDirection direction, guint64 props)
{
  gboolean out = direction == GST_IIO_DIRECTION_OUTPUT;
  GParamFlags flags =
      G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY;
  /* Read when the device is opened (NULL->READY): set them in NULL. */
  GParamFlags open_flags = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS;

  if (props & GST_IIO_PROP_BIT (GST_IIO_PROP_DEVICE))
    g_object_class_install_property (klass, GST_IIO_PROP_DEVICE,
        g_param_spec_string ("device", "Device",
            out ? "IIO device: its name, its label or iio:deviceN "
                  "(default: the first device with an output buffer)"
                : "IIO device: its name, its label or iio:deviceN "
                  "(default: the first device with an input buffer)",
            NULL, open_flags));
  if (props & GST_IIO_PROP_BIT (GST_IIO_PROP_BUFFER_INDEX))
    g_object_class_install_property (klass, GST_IIO_PROP_BUFFER_INDEX,
        g_param_spec_uint ("buffer-index", "Buffer index",
            "Which buffer of the device (bufferN)", 0, 255, 0, open_flags));
  if (props & GST_IIO_PROP_BIT (GST_IIO_PROP_CHANNELS))
    g_object_class_install_property (klass, GST_IIO_PROP_CHANNELS,
        g_param_spec_string ("channels", "Channels",
            "Comma-separated channel ids as sysfs names them (voltage0,...); "
            "unset or empty: every scan element but the timestamp",
            NULL, open_flags));
  if (props & GST_IIO_PROP_BIT (GST_IIO_PROP_SAMPLING_FREQUENCY))
    g_object_class_install_property (klass, GST_IIO_PROP_SAMPLING_FREQUENCY,
        g_param_spec_double ("sampling-frequency", "Sampling frequency",
            out ? "Sampling frequency to set, in Hz (0: the rate of the caps)"
                : "Sampling frequency to set, in Hz (0: keep the device's)",
            0, G_MAXINT, 0, flags));
  if (props & GST_IIO_PROP_BIT (GST_IIO_PROP_ATTRIBUTES))
    g_object_class_install_property (klass, GST_IIO_PROP_ATTRIBUTES,
        g_param_spec_string ("attributes", "Attributes",
            "Device attributes to write at start, \"name=value,name=value\"",
            NULL, flags));
  if (props & GST_IIO_PROP_BIT (GST_IIO_PROP_SAMPLES_PER_BUFFER))
    g_object_class_install_property (klass, GST_IIO_PROP_SAMPLES_PER_BUFFER,
        g_param_spec_uint ("samples-per-buffer", "Samples per buffer",
            out ? "Samples (scans) in the sink's own dma-bufs and write() "
                  "blocks; 0: the size of the first buffer from upstream (for "
                  "the pool offered upstream: about 10 ms, at least 1024)"
                : "Samples (scans) per buffer; 0: about 10 ms at the device's "
                  "rate, at least a 4 KiB page and at most 4 MiB of samples",
            0, GST_IIO_MAX_SAMPLES_PER_BUFFER, 0, flags));
  if (props & GST_IIO_PROP_BIT (GST_IIO_PROP_N_BUFFERS))
    g_object_class_install_property (klass, GST_IIO_PROP_N_BUFFERS,
        g_param_spec_uint ("n-buffers", "Kernel buffers",
            "Blocks kept queued in the kernel (0: enough for 100 ms of "
            "samples at the stream's rate, 4 to 32 blocks and 64 MiB at "
            "most; 1 is refused)",
            0, GST_IIO_MAX_N_BUFFERS, 0, flags));
  if (props & GST_IIO_PROP_BIT (GST_IIO_PROP_IO_MODE))
    g_object_class_install_property (klass, GST_IIO_PROP_IO_MODE,
        g_param_spec_enum ("io-mode", "I/O mode",
            out ? "How buffers reach the device: dma-bufs queued as they are "
                  "(dmabuf: own pool offered upstream; dmabuf-import: "
                  "upstream's), or write() (rw); auto picks zero-copy when the "
                  "device can"
                : "How samples reach buffers: the device fills dma-bufs "
                  "(dmabuf: allocated here; dmabuf-import: from downstream's "
                  "pool), or read() copies them (rw); auto picks zero-copy "
                  "when the device can",
            GST_TYPE_IIO_IO_MODE, GST_IIO_IO_MODE_AUTO, flags));
  if (props & GST_IIO_PROP_BIT (GST_IIO_PROP_DMA_HEAP))
    g_object_class_install_property (klass, GST_IIO_PROP_DMA_HEAP,
        g_param_spec_string ("dma-heap", "DMA heap",
            out ? "dma-heap to allocate the sink's own dma-bufs from (the "
                  "default heap falls back to /dev/udmabuf when missing)"
                : "dma-heap to allocate from in io-mode=dmabuf (the default "
                  "heap falls back to /dev/udmabuf when missing)",
            GST_IIO_DEFAULT_DMA_HEAP, flags));
  if (props & GST_IIO_PROP_BIT (GST_IIO_PROP_TIMEOUT))
    g_object_class_install_property (klass, GST_IIO_PROP_TIMEOUT,
        g_param_spec_uint64 ("timeout", "Timeout",
            out ? "Error out when the device consumes nothing for this long "
                  "(ns, 0: wait for ever)"
                : "Error out when the device delivers nothing, or "
                  "downstream returns no buffer, for this long (ns, 0: wait "
                  "for ever)",
            0, G_MAXUINT64, GST_IIO_DEFAULT_TIMEOUT,
            G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
                GST_PARAM_MUTABLE_PLAYING));
  if (props & GST_IIO_PROP_BIT (GST_IIO_PROP_CHECK_TRANSFERS))
    g_object_class_install_property (klass, GST_IIO_PROP_CHECK_TRANSFERS,
        g_param_spec_boolean ("check-transfers", "Check transfers",
            out ? "In the dma-buf modes, read each transfer's status from its "
                  "fence, so that one the kernel failed or aborted is an "
                  "error, not samples silently lost (1 or 2 system calls "
                  "per buffer more: the fence's export and status; their "
                  "closes are batched); off: wait on the dma-buf alone (2 "
                  "calls per buffer in all)"
                : "In the dma-buf modes, read each transfer's status from its "
                  "fence, so that one the kernel failed or aborted is an "
                  "error, never pushed as data (1 or 2 system calls per "
                  "buffer more: the fence's export and status; their "
                  "closes are batched); off: wait on the dma-buf alone (2 "
                  "calls per buffer in all), and an aborted block goes "
                  "downstream",
            TRUE, flags));
}

void
gst_iio_settings_init (GstIioSettings *settings)
{
  memset (settings, 0, sizeof (*settings));
  settings->io_mode = GST_IIO_IO_MODE_AUTO;
  settings->dma_heap = g_strdup (GST_IIO_DEFAULT_DMA_HEAP);
  settings->timeout = GST_IIO_DEFAULT_TIMEOUT;
  settings->check_transfers = TRUE;
}

void
gst_iio_settings_clear (GstIioSettings *settings)
{
  g_clear_pointer (&settings->device, g_free);
  g_clear_pointer (&settings->channels, g_free);
  g_clear_pointer (&settings->attributes, g_free);
  g_clear_pointer (&settings->dma_heap, g_free);
}

gboolean
gst_iio_settings_may_set (
    GstElement *element, guint prop_id, const GParamSpec *pspec)
{
  /* What the element opens with needs NULL; what a run is set up with,
   * READY or below; the timeout may change at any time. */
  GstState limit = GST_STATE_READY;
  GstState state = MAX (GST_STATE (element), GST_STATE_NEXT (element));

  ensure_debug ();

  switch (prop_id) {
    case GST_IIO_PROP_DEVICE:
    case GST_IIO_PROP_BUFFER_INDEX:
    case GST_IIO_PROP_CHANNELS:
      limit = GST_STATE_NULL;
      break;
    case GST_IIO_PROP_TIMEOUT:
      return TRUE;
    default:
      break;
  }
  if (state <= limit)
    return TRUE;
  GST_WARNING_OBJECT (element,
      "\"%s\" can only change in %s or below: kept as it is in %s", pspec->name,
      gst_element_state_get_name (limit), gst_element_state_get_name (state));
  return FALSE;
}

gboolean
gst_iio_settings_set_property (
    GstIioSettings *settings, guint prop_id, const GValue *value)
{
  switch (prop_id) {
    case GST_IIO_PROP_DEVICE:
      g_free (settings->device);
      settings->device = g_value_dup_string (value);
      break;
    case GST_IIO_PROP_BUFFER_INDEX:
      settings->buffer_index = g_value_get_uint (value);
      break;
    case GST_IIO_PROP_CHANNELS:
      g_free (settings->channels);
      settings->channels = g_value_dup_string (value);
      break;
    case GST_IIO_PROP_SAMPLING_FREQUENCY:
      settings->sampling_frequency = g_value_get_double (value);
      break;
    case GST_IIO_PROP_ATTRIBUTES:
      g_free (settings->attributes);
      settings->attributes = g_value_dup_string (value);
      break;
    case GST_IIO_PROP_SAMPLES_PER_BUFFER:
      settings->samples_per_buffer = g_value_get_uint (value);
      break;
    case GST_IIO_PROP_N_BUFFERS:
      /* (a GParamSpecUInt has one range: 1 is refused here, as GObject
       * refuses what is past the range) */
      if (g_value_get_uint (value) == 1) {
        g_warning ("n-buffers 1: a device needs 2 blocks at least, one to "
                   "fill while the other is read (0: from the rate)");
        break;
      }
      settings->n_buffers = g_value_get_uint (value);
      break;
    case GST_IIO_PROP_IO_MODE:
      settings->io_mode = g_value_get_enum (value);
      break;
    case GST_IIO_PROP_DMA_HEAP:
      g_free (settings->dma_heap);
      settings->dma_heap = g_value_dup_string (value);
      if (!settings->dma_heap)
        settings->dma_heap = g_strdup (GST_IIO_DEFAULT_DMA_HEAP);
      break;
    case GST_IIO_PROP_TIMEOUT:
      settings->timeout = g_value_get_uint64 (value);
      break;
    case GST_IIO_PROP_CHECK_TRANSFERS:
      settings->check_transfers = g_value_get_boolean (value);
      break;
    default:
      return FALSE;
  }
  return TRUE;
}

gboolean
gst_iio_settings_get_property (
    const GstIioSettings *settings, guint prop_id, GValue *value)
{
  switch (prop_id) {
    case GST_IIO_PROP_DEVICE:
      g_value_set_string (value, settings->device);
      break;
    case GST_IIO_PROP_BUFFER_INDEX:
      g_value_set_uint (value, settings->buffer_index);
      break;
    case GST_IIO_PROP_CHANNELS:
      g_value_set_string (value, settings->channels);
      break;
    case GST_IIO_PROP_SAMPLING_FREQUENCY:
      g_value_set_double (value, settings->sampling_frequency);
      break;
    case GST_IIO_PROP_ATTRIBUTES:
      g_value_set_string (value, settings->attributes);
      break;
    case GST_IIO_PROP_SAMPLES_PER_BUFFER:
      g_value_set_uint (value, settings->samples_per_buffer);
      break;
    case GST_IIO_PROP_N_BUFFERS:
      g_value_set_uint (value, settings->n_buffers);
      break;
    case GST_IIO_PROP_IO_MODE:
      g_value_set_enum (value, settings->io_mode);
      break;
    case GST_IIO_PROP_DMA_HEAP:
      g_value_set_string (value, settings->dma_heap);
      break;
    case GST_IIO_PROP_TIMEOUT:
      g_value_set_uint64 (value, settings->timeout);
      break;
    case GST_IIO_PROP_CHECK_TRANSFERS:
      g_value_set_boolean (value, settings->check_transfers);
      break;
    default:
      return FALSE;
  }
  return TRUE;
}
