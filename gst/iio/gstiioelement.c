/* Element-level helpers shared by iiodmabufsrc and iiodmabufsink.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstiioelement.h"

#include "gstiiobuffer.h"
#include "gstiiodmabufpool.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

GST_DEBUG_CATEGORY_STATIC (gst_iio_element_debug);
#define GST_CAT_DEFAULT gst_iio_element_debug

static void
ensure_debug (void)
{
  static gsize once = 0;

  if (g_once_init_enter (&once)) {
    GST_DEBUG_CATEGORY_INIT (
        gst_iio_element_debug, "iioelement", 0, "IIO element helpers");
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

  if (g_once_init_enter (&type)) {
    /* Each plugin links a copy of this file: another copy may have
     * registered the type already. */
    GType t = g_type_from_name ("GstIioIoMode");

    if (!t)
      t = g_enum_register_static ("GstIioIoMode", values);
    g_once_init_leave (&type, t);
  }
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
  gst_element_message_full (element, type, domain, code,
      g_strdup (err->message), NULL, file, function, line);
  g_error_free (err);
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
gst_iio_samples_per_block (guint requested, gdouble rate, guint scan_bytes)
{
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
  return (guint)n;
}

guint
gst_iio_extra_buffers (gsize block_bytes)
{
  gsize n = GST_IIO_EXTRA_BYTES / MAX (block_bytes, 1);

  return (guint)CLAMP (n, GST_IIO_MIN_EXTRA_BUFFERS, GST_IIO_MAX_EXTRA_BUFFERS);
}

gboolean
gst_iio_clear_stale_enable (
    GstElement *element, GstIioDevice *dev, GError **error)
{
  ensure_debug ();
  if (!gst_iio_device_get_buffer_enabled (dev))
    return TRUE;
  GST_WARNING_OBJECT (element,
      "buffer %u of %s was left enabled by a client that went away: "
      "disabling it",
      gst_iio_device_get_buffer_index (dev), gst_iio_device_get_id (dev));
  return gst_iio_device_set_buffer_enabled (dev, FALSE, error);
}

gboolean
gst_iio_open_buffer (GstElement *element, const gchar *spec,
    GstIioDirection direction, guint buffer_index, const gchar *channels,
    GstIioDevice **dev, GstIioBuffer **buf, GError **error)
{
  *buf = NULL;
  *dev = gst_iio_device_open (spec, direction, buffer_index, error);
  if (!*dev)
    return FALSE;
  /* The device node first: it is exclusive, so past it the buffer is ours. */
  *buf = gst_iio_buffer_open (gst_iio_device_get_devnode (*dev), buffer_index,
      direction == GST_IIO_DIRECTION_OUTPUT, error);
  if (!*buf || !gst_iio_clear_stale_enable (element, *dev, error) ||
      !gst_iio_device_select_channels (*dev, channels, error)) {
    g_clear_pointer (buf, gst_iio_buffer_close);
    g_clear_pointer (dev, gst_iio_device_free);
    return FALSE;
  }
  return TRUE;
}

gboolean
gst_iio_probe_dmabuf (GstIioBuffer *buf, const gchar *heap, gchar **problem,
    gboolean *alloc_failed)
{
  const gchar *source;
  GError *err = NULL;
  gboolean ok = FALSE;
  gint fd;

  *problem = NULL;
  fd = gst_iio_dmabuf_alloc_fd (heap, 4096, &source, &err);
  if (alloc_failed)
    *alloc_failed = fd < 0;
  if (fd >= 0) {
    GstIioAttachment *att = gst_iio_buffer_attach (buf, fd, &err);

    ok = att != NULL;
    if (att)
      gst_iio_buffer_detach (buf, att);
    close (fd);
  }
  if (err) {
    ok = FALSE;
    *problem = g_strdup (err->message);
    g_error_free (err);
  }
  return ok;
}

void
gst_iio_dmabuf_probe_run (GstElement *element, GstIioBuffer *buf,
    const gchar *heap, gboolean fallback, GstIioDmabufProbe *probe)
{
  gchar *heap_problem;

  gst_iio_dmabuf_probe_clear (probe);
  probe->heap = g_strdup (heap);
  probe->ok =
      gst_iio_probe_dmabuf (buf, heap, &probe->problem, &probe->alloc_failed);
  if (probe->ok || !probe->alloc_failed || !fallback ||
      !g_strcmp0 (heap, GST_IIO_UDMABUF))
    return;

  /* The heap cannot allocate: the next allocator, before zero-copy is
   * given up. */
  heap_problem = g_steal_pointer (&probe->problem);
  g_free (probe->heap);
  probe->heap = g_strdup (GST_IIO_UDMABUF);
  probe->ok = gst_iio_probe_dmabuf (
      buf, probe->heap, &probe->problem, &probe->alloc_failed);
  if (probe->ok || !probe->alloc_failed) {
    GST_ELEMENT_WARNING (element, RESOURCE, SETTINGS,
        ("Cannot allocate dma-bufs from the dma-heap %s: allocating them "
         "from %s instead",
            heap, GST_IIO_UDMABUF),
        ("%s", heap_problem));
  }
  if (!probe->ok) {
    gchar *both = g_strdup_printf ("%s; %s", heap_problem, probe->problem);

    g_free (probe->problem);
    probe->problem = both;
    if (probe->alloc_failed) {
      /* Neither allocates: the problem is named after the heap set. */
      g_free (probe->heap);
      probe->heap = g_strdup (heap);
    }
  }
  g_free (heap_problem);
}

void
gst_iio_dmabuf_probe_clear (GstIioDmabufProbe *probe)
{
  g_clear_pointer (&probe->heap, g_free);
  g_clear_pointer (&probe->problem, g_free);
  probe->ok = probe->alloc_failed = FALSE;
}

gboolean
gst_iio_dmabuf_probe_post (GstElement *element, const GstIioDmabufProbe *probe,
    GstIioIoMode mode, GstIioDirection direction)
{
  const gchar *fallback = direction == GST_IIO_DIRECTION_OUTPUT
      ? "playing with write() (io-mode=rw)"
      : "capturing with read() (io-mode=rw)";

  if (probe->ok)
    return TRUE;
  if (mode != GST_IIO_IO_MODE_AUTO && probe->alloc_failed) {
    GST_ELEMENT_ERROR (element, RESOURCE, SETTINGS,
        ("io-mode=%s, but no dma-buf can be allocated from %s",
            gst_iio_io_mode_nick (mode), probe->heap),
        ("%s", probe->problem));
    return FALSE;
  }
  if (mode != GST_IIO_IO_MODE_AUTO) {
    GST_ELEMENT_ERROR (element, RESOURCE, SETTINGS,
        ("io-mode=%s, but this IIO buffer cannot do DMABUF",
            gst_iio_io_mode_nick (mode)),
        ("%s", probe->problem));
    return FALSE;
  }
  if (probe->alloc_failed)
    GST_ELEMENT_WARNING (element, RESOURCE, SETTINGS,
        ("No zero-copy: no dma-buf can be allocated from %s or %s, %s",
            probe->heap, GST_IIO_UDMABUF, fallback),
        ("%s", probe->problem));
  else
    GST_ELEMENT_WARNING (element, RESOURCE, SETTINGS,
        ("No zero-copy: the IIO buffer cannot do DMABUF, %s", fallback),
        ("%s", probe->problem));
  return TRUE;
}

/* How long gst_iio_enable_fileio() waits for the kernel to let go of the
 * DMABUF attachments of an earlier user of the buffer. */
#define FILEIO_SETTLE_US (2 * G_USEC_PER_SEC)

/**
 * gst_iio_enable_fileio:
 *
 * Enables the buffer for read()/write(). The kernel (6.12) sets up its
 * fileio blocks at enable only when no DMABUF attachment of the buffer is
 * alive, and it releases attachments from a work item, some time after
 * DETACH or close(). An enable in that window gives a buffer in neither
 * mode: read() and write() wait for ever. A dma-buf that can be attached
 * to the enabled buffer reveals that state (in fileio mode the kernel
 * answers EBUSY): then disable, give the release time, and enable again.
 * Without a dma-buf to probe with (no heap, no udmabuf), enables once.
 */
gboolean
gst_iio_enable_fileio (
    GstIioDevice *dev, GstIioBuffer *buf, const gchar *heap, GError **error)
{
  gint64 deadline = g_get_monotonic_time () + FILEIO_SETTLE_US;
  gulong delay = 1000;
  GstIioAttachment *att;
  const gchar *source;
  gint fd = gst_iio_dmabuf_alloc_fd (heap, 4096, &source, NULL);

  for (;;) {
    if (!gst_iio_device_set_buffer_enabled (dev, TRUE, error))
      break;
    if (fd < 0 || !(att = gst_iio_buffer_attach (buf, fd, NULL))) {
      if (fd >= 0)
        close (fd);
      return TRUE;
    }
    gst_iio_buffer_detach (buf, att);
    if (!gst_iio_device_set_buffer_enabled (dev, FALSE, error))
      break;
    if (g_get_monotonic_time () > deadline) {
      g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_BUSY,
          "The kernel still holds DMA-buf attachments of an earlier user of "
          "%s: read()/write() cannot start",
          gst_iio_device_get_name (dev));
      break;
    }
    GST_INFO ("fileio did not come up on %s, retrying in %lu us",
        gst_iio_device_get_name (dev), delay);
    g_usleep (delay);
    delay = MIN (delay * 2, 100000);
  }
  if (fd >= 0)
    close (fd);
  return FALSE;
}

gboolean
gst_iio_apply_settings (GstIioDevice *dev, const gchar *attributes,
    gdouble sampling_frequency, GError **error)
{
  if (attributes && *attributes) {
    GstStructure *attrs = gst_iio_parse_attributes (attributes);
    gboolean ok;

    if (!attrs) {
      g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
          "Cannot parse attributes \"%s\": expected name=value,name=value",
          attributes);
      return FALSE;
    }
    ok = gst_iio_device_write_attrs (dev, attrs, error);
    gst_structure_free (attrs);
    if (!ok)
      return FALSE;
  }
  if (sampling_frequency > 0 &&
      !gst_iio_device_set_sampling_frequency (dev, sampling_frequency, error))
    return FALSE;
  return TRUE;
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
            "Blocks kept queued in the kernel", GST_IIO_MIN_N_BUFFERS,
            GST_IIO_MAX_N_BUFFERS, GST_IIO_DEFAULT_N_BUFFERS, flags));
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
}

void
gst_iio_settings_init (GstIioSettings *settings)
{
  memset (settings, 0, sizeof (*settings));
  settings->n_buffers = GST_IIO_DEFAULT_N_BUFFERS;
  settings->io_mode = GST_IIO_IO_MODE_AUTO;
  settings->dma_heap = g_strdup (GST_IIO_DEFAULT_DMA_HEAP);
  settings->timeout = GST_IIO_DEFAULT_TIMEOUT;
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
    default:
      return FALSE;
  }
  return TRUE;
}
