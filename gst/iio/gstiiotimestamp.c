/* The IIO timestamp channel: reading it, attaching it, and what successive
 * timestamps say of lost samples (gstiiotimestamp.h).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstiiotimestamp.h"

#include <errno.h>
#include <math.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <gst/allocators/allocators.h>

#include "iio-uapi.h"

/* Steady timestamps measure the device's time per sample once they span
 * this much. */
#define MEASURE_SPAN (100 * GST_MSECOND)
/* How far the time per sample may be off: the nominal rate against any
 * crystal; the measured one against its own jitter. */
#define NOMINAL_TOLERANCE 1e-3
#define MEASURED_TOLERANCE 1e-4

void
gst_iio_timestamps_setup (GstIioTimestamps *t, GstIioDevice *dev)
{
  g_autoptr (GPtrArray) enabled = gst_iio_device_get_enabled_channels (dev);
  g_autofree gchar *clock = NULL;
  guint i;

  gst_iio_timestamps_clear (t);
  for (i = 0; i < enabled->len; i++) {
    const GstIioChannel *ch = g_ptr_array_index (enabled, i);

    /* (an s64 as the kernel makes it; another size is not a time) */
    if (ch->is_timestamp && ch->storagebits == 64 && ch->repeat == 1) {
      t->enabled = TRUE;
      t->offset = ch->offset;
      t->big_endian = ch->big_endian;
    }
  }
  if (!t->enabled)
    return;
  clock = gst_iio_device_read_attr (dev, "current_timestamp_clock", NULL);
  if (clock == NULL || *clock == '\0') {
    g_free (clock);
    clock = g_strdup ("realtime");
  }
  t->steady =
      g_str_has_prefix (clock, "monotonic") || g_str_equal (clock, "boottime");
  t->reference = gst_caps_new_simple (
      GST_IIO_TIMESTAMP_REFERENCE, "clock", G_TYPE_STRING, clock, NULL);
}

void
gst_iio_timestamps_clear (GstIioTimestamps *t)
{
  gst_clear_caps (&t->reference);
  memset (t, 0, sizeof (*t));
}

void
gst_iio_timestamps_restart (GstIioTimestamps *t)
{
  t->anchored = FALSE;
}

/* A read-only mapping of the page(s) of a dma-buf that hold a first
 * scan's timestamp, kept with its GstMemory: the memory comes back from
 * its pool again and again, so a buffer costs two ioctls, not an mmap. */
typedef struct
{
  guint8 *addr;
  gsize len;
  off_t pgoff;
} Mapping;

static GQuark
mapping_quark (void)
{
  static gsize quark;

  if (g_once_init_enter (&quark))
    g_once_init_leave (
        &quark, g_quark_from_static_string ("gst-iio-timestamp-mapping"));
  return (GQuark)quark;
}

static void
mapping_free (gpointer data)
{
  Mapping *m = data;

  munmap (m->addr, m->len);
  g_free (m);
}

static gboolean
dmabuf_sync (gint fd, guint64 flags)
{
  struct dma_buf_sync sync = { .flags = flags };
  gint r;

  do {
    r = ioctl (fd, DMA_BUF_IOCTL_SYNC, &sync);
  } while (r < 0 && (errno == EINTR || errno == EAGAIN));
  return r == 0;
}

static gboolean
read_dmabuf (GstMemory *mem, gsize at, guint8 *out, GError **error)
{
  gint fd = gst_dmabuf_memory_get_fd (mem);
  gsize page = (gsize)sysconf (_SC_PAGESIZE);
  off_t pgoff = (off_t)(at / page * page);
  gsize in = at - (gsize)pgoff;
  Mapping *m =
      gst_mini_object_get_qdata (GST_MINI_OBJECT (mem), mapping_quark ());

  if (m == NULL || m->pgoff != pgoff) {
    gsize len = (in + 8 + page - 1) / page * page;
    void *addr = mmap (NULL, len, PROT_READ, MAP_SHARED, fd, pgoff);

    if (addr == MAP_FAILED) {
      g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_READ,
          "cannot map the dma-buf (fd %d, offset %zu) to read its first "
          "scan's timestamp: %s",
          fd, (gsize)pgoff, g_strerror (errno));
      return FALSE;
    }
    m = g_new0 (Mapping, 1);
    m->addr = addr;
    m->len = len;
    m->pgoff = pgoff;
    gst_mini_object_set_qdata (
        GST_MINI_OBJECT (mem), mapping_quark (), m, mapping_free);
  }
  if (!dmabuf_sync (fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ)) {
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_READ,
        "DMA_BUF_IOCTL_SYNC before reading the first scan's timestamp: %s",
        g_strerror (errno));
    return FALSE;
  }
  memcpy (out, m->addr + in, 8);
  /* (an END that fails leaves nothing to undo: the bytes are read) */
  dmabuf_sync (fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ);
  return TRUE;
}

gboolean
gst_iio_timestamp_read (const GstIioTimestamps *t, GstBuffer *buffer,
    gint64 *ts, gboolean *mapped, GError **error)
{
  GstMemory *mem = gst_buffer_peek_memory (buffer, 0);
  guint8 raw[8];
  guint64 v;

  *mapped = FALSE;
  if (gst_buffer_get_size (buffer) < t->offset + 8) {
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_READ,
        "a buffer of %zu bytes holds no whole first scan (timestamp at byte "
        "%u)",
        gst_buffer_get_size (buffer), t->offset);
    return FALSE;
  }
  if (gst_is_dmabuf_memory (mem) && mem->size >= t->offset + 8) {
    if (!read_dmabuf (mem, mem->offset + t->offset, raw, error))
      return FALSE;
    *mapped = TRUE;
  } else {
    gst_buffer_extract (buffer, t->offset, raw, 8);
  }
  memcpy (&v, raw, 8);
  *ts = (gint64)(t->big_endian ? GUINT64_FROM_BE (v) : GUINT64_FROM_LE (v));
  return TRUE;
}

guint64
gst_iio_timestamps_lost (GstIioTimestamps *t, gint64 ts, guint64 offset,
    gdouble rate, gboolean *stale)
{
  gdouble period = GST_SECOND / rate, tolerance = NOMINAL_TOLERANCE;
  gdouble dt, gap, slack;
  guint64 lost = 0;

  *stale = FALSE;
  if (!t->anchored || offset < t->last_offset) {
    t->anchored = TRUE;
    t->anchor_ts = t->last_ts = ts;
    t->anchor_offset = t->last_offset = offset;
    return 0;
  }
  if (t->last_ts - t->anchor_ts >= (gint64)MEASURE_SPAN &&
      t->last_offset > t->anchor_offset) {
    period = (gdouble)(t->last_ts - t->anchor_ts) /
        (gdouble)(t->last_offset - t->anchor_offset);
    tolerance = MEASURED_TOLERANCE;
  }
  dt = (gdouble)(ts - t->last_ts);
  gap = dt - (gdouble)(offset - t->last_offset) * period;
  slack = period / 2 + tolerance * fabs (dt);
  if (gap < -slack && t->steady) {
    *stale = TRUE;
    return 0;
  }
  if (gap < -slack) {
    t->anchor_ts = t->last_ts = ts;
    t->anchor_offset = t->last_offset = offset;
    return 0;
  }
  if (gap > slack)
    lost = (guint64)llround (gap / period);
  t->last_ts = ts;
  t->last_offset = offset + lost;
  return lost;
}

void
gst_iio_timestamps_attach (const GstIioTimestamps *t, GstBuffer *buffer,
    gint64 ts, GstClockTime duration)
{
  if (ts >= 0)
    gst_buffer_add_reference_timestamp_meta (
        buffer, t->reference, (GstClockTime)ts, duration);
}
