/* How iiodmabufsrc and iiodmabufsink reach the kernel: opening a buffer,
 * the DMABUF probe, the fileio enable, the settings written at start.
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

/* Scans in the buffer while gst_iio_leave_fileio() enables it: two fileio
 * blocks of 1024 scans, a few pages, and whole bus words for any
 * length_align_bytes up to 1024. */
#define LEAVE_FILEIO_SCANS 2048

gboolean
gst_iio_leave_fileio (GstIioDevice *dev, GError **error)
{
  g_autofree gchar *length =
      gst_iio_device_read_buffer_attr (dev, "length", error);
  guint64 scans;
  gboolean ok;

  ensure_debug ();
  if (!length ||
      !g_ascii_string_to_unsigned (
          g_strstrip (length), 10, 1, G_MAXUINT, &scans, error))
    return FALSE;
  GST_INFO ("%s: enabling and disabling the buffer once to leave fileio mode",
      gst_iio_device_get_id (dev));
  ok = gst_iio_device_set_buffer_length (dev, LEAVE_FILEIO_SCANS, error) &&
      gst_iio_device_set_buffer_enabled (dev, TRUE, error) &&
      gst_iio_device_set_buffer_enabled (dev, FALSE, error);
  /* the length back, after a failure too */
  return gst_iio_device_set_buffer_length (
             dev, (guint)scans, ok ? error : NULL) &&
      ok;
}

/* One attach and detach of @fd: NULL, or why not. */
static GError *
try_attach (GstIioBuffer *buf, gint fd)
{
  GError *err = NULL;
  GstIioAttachment *att = gst_iio_buffer_attach (buf, fd, &err);

  if (att)
    gst_iio_buffer_detach (buf, att);
  return err;
}

gboolean
gst_iio_probe_dmabuf (GstIioDevice *dev, GstIioBuffer *buf, const gchar *heap,
    gchar **problem, gboolean *alloc_failed)
{
  const gchar *source;
  GError *err = NULL;
  gint fd;

  ensure_debug ();
  *problem = NULL;
  fd = gst_iio_dmabuf_alloc_fd (heap, 4096, &source, &err);
  if (alloc_failed)
    *alloc_failed = fd < 0;
  if (fd < 0 && !err)
    g_set_error (&err, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_FAILED,
        "Cannot allocate a dma-buf from %s", heap);
  if (fd >= 0) {
    err = try_attach (buf, fd);
    /* EBUSY from a disabled buffer that is ours: the DMA buffer stayed in
     * fileio mode after an enable that failed (see gstiioelement.h). */
    if (dev && err &&
        g_error_matches (
            err, GST_IIO_BUFFER_ERROR, GST_IIO_BUFFER_ERROR_BUSY) &&
        !gst_iio_device_get_buffer_enabled (dev)) {
      GError *left = NULL;

      GST_WARNING ("%s: the disabled buffer is in fileio mode (%s)",
          gst_iio_device_get_id (dev), err->message);
      if (gst_iio_leave_fileio (dev, &left)) {
        g_clear_error (&err);
        err = try_attach (buf, fd);
      } else {
        GST_WARNING ("could not leave fileio mode: %s", left->message);
        g_error_free (left);
      }
    }
    close (fd);
  }
  if (err) {
    *problem = g_strdup (err->message);
    g_error_free (err);
    return FALSE;
  }
  return TRUE;
}

void
gst_iio_dmabuf_probe_run (GstElement *element, GstIioDevice *dev,
    GstIioBuffer *buf, const gchar *heap, gboolean fallback,
    GstIioDmabufProbe *probe)
{
  gchar *heap_problem;

  gst_iio_dmabuf_probe_clear (probe);
  probe->heap = g_strdup (heap);
  probe->ok = gst_iio_probe_dmabuf (
      dev, buf, heap, &probe->problem, &probe->alloc_failed);
  if (probe->ok || !probe->alloc_failed || !fallback ||
      !g_strcmp0 (heap, GST_IIO_UDMABUF))
    return;

  /* The heap cannot allocate: the next allocator, before zero-copy is
   * given up. */
  heap_problem = g_steal_pointer (&probe->problem);
  g_free (probe->heap);
  probe->heap = g_strdup (GST_IIO_UDMABUF);
  probe->ok = gst_iio_probe_dmabuf (
      dev, buf, probe->heap, &probe->problem, &probe->alloc_failed);
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
  gchar *reason;
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
  /* The problem's first line says why the buffer cannot do DMABUF. */
  reason = g_strndup (probe->problem ? probe->problem : "",
      strcspn (probe->problem ? probe->problem : "", "\n"));
  reason[0] = g_ascii_tolower (reason[0]);
  if (mode != GST_IIO_IO_MODE_AUTO) {
    GST_ELEMENT_ERROR (element, RESOURCE, SETTINGS,
        ("io-mode=%s cannot work: %s", gst_iio_io_mode_nick (mode), reason),
        ("%s", probe->problem));
    g_free (reason);
    return FALSE;
  }
  if (probe->alloc_failed)
    GST_ELEMENT_WARNING (element, RESOURCE, SETTINGS,
        ("No zero-copy: no dma-buf can be allocated from %s or %s, %s",
            probe->heap, GST_IIO_UDMABUF, fallback),
        ("%s", probe->problem));
  else
    GST_ELEMENT_WARNING (element, RESOURCE, SETTINGS,
        ("No zero-copy, %s: %s", fallback, reason), ("%s", probe->problem));
  g_free (reason);
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
 *
 * @block_ring (may be NULL): whether read()/write() may go through the
 * two fileio blocks of an industrialio-buffer-dma buffer, which it hands
 * out in turn without resetting the turn at enable (see
 * gst_iio_dmabuf_src_create_rw()). FALSE only when the kernel said the
 * buffer has no DMABUF ops (a kfifo buffer).
 */
gboolean
gst_iio_enable_fileio (GstIioDevice *dev, GstIioBuffer *buf, const gchar *heap,
    gboolean *block_ring, GError **error)
{
  gint64 deadline = g_get_monotonic_time () + FILEIO_SETTLE_US;
  gulong delay = 1000;
  GstIioAttachment *att;
  const gchar *source;
  gint fd = gst_iio_dmabuf_alloc_fd (heap, 4096, &source, NULL);

  for (;;) {
    if (!gst_iio_device_set_buffer_enabled (dev, TRUE, error)) {
      GError *left = NULL;

      /* A failed enable can leave the buffer in fileio mode, and the next
       * user's attach refused: leave it, as a DMABUF user would. */
      if (!gst_iio_leave_fileio (dev, &left)) {
        GST_INFO ("%s", left->message);
        g_error_free (left);
      }
      break;
    }
    if (fd < 0 || !(att = gst_iio_buffer_attach (buf, fd, NULL))) {
      if (block_ring)
        *block_ring = fd < 0 || !gst_iio_buffer_has_no_dma_ops (buf);
      if (fd >= 0)
        close (fd);
      return TRUE;
    }
    gst_iio_buffer_detach (buf, att);
    if (!gst_iio_device_set_buffer_enabled (dev, FALSE, error))
      break;
    if (g_get_monotonic_time () > deadline) {
      g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_BUSY,
          "read()/write() cannot start on IIO device %s: the kernel still "
          "holds the dma-bufs of an earlier user\nthe buffer enabled with "
          "an attachable dma-buf for %d s",
          gst_iio_device_get_name (dev), FILEIO_SETTLE_US / G_USEC_PER_SEC);
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
          "Cannot parse the attributes: write name=value,name=value\n"
          "attributes=\"%s\"",
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

gboolean
gst_iio_check_block_align (GstElement *element, GstIioDevice *dev,
    guint samples, guint scan_bytes, guint align)
{
  if (align <= 1 || (guint64)samples * scan_bytes % align == 0)
    return TRUE;
  GST_ELEMENT_ERROR (element, RESOURCE, SETTINGS,
      ("samples-per-buffer=%u does not fit the IIO buffer: its transfers "
       "must be multiples of %u bytes (length_align_bytes), and %u scans "
       "of %u bytes are not; use a multiple of %u",
          samples, align, samples, scan_bytes,
          gst_iio_scans_step (scan_bytes, align)),
      ("%s/length_align_bytes = %u", gst_iio_device_get_id (dev), align));
  return FALSE;
}
