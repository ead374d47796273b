/* The device's own time: the IIO timestamp channel. Reads the timestamp
 * of a buffer's first scan (from a dma-buf through a one-page mapping of it
 * kept with the memory, bracketed by DMA_BUF_IOCTL_SYNC), attaches it as a
 * GstReferenceTimestampMeta, and tells from successive timestamps how many
 * samples the device lost in between.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_IIO_TIMESTAMP_H__
#define __GST_IIO_TIMESTAMP_H__

#include <gst/gst.h>
#include "gstiiodevice.h"

G_BEGIN_DECLS

/* The media type of the reference caps; their field "clock" names the
 * device's current_timestamp_clock ("monotonic", "realtime", ...). */
#define GST_IIO_TIMESTAMP_REFERENCE "timestamp/x-iio"

typedef struct
{
  gboolean enabled; /* the scan holds the timestamp channel */
  guint offset;     /* of the timestamp in a scan */
  gboolean big_endian;
  GstCaps *reference;
  gboolean steady; /* the clock never goes back */

  /* the loss track: the timestamp of sample last_offset, and of
   * anchor_offset, where the stretch of steady timestamps began */
  gboolean anchored;
  gint64 last_ts;
  guint64 last_offset;
  gint64 anchor_ts;
  guint64 anchor_offset;
} GstIioTimestamps;

/* Finds the timestamp channel among @dev's enabled channels and the clock
 * it runs on (current_timestamp_clock, "realtime" when unreadable, the IIO
 * default); @t is disabled when the scan has no timestamp. */
void gst_iio_timestamps_setup (GstIioTimestamps *t, GstIioDevice *dev);
/* Back to nothing known (setup() again to use it). */
void gst_iio_timestamps_clear (GstIioTimestamps *t);
/* A new stream: the loss track starts again. */
void gst_iio_timestamps_restart (GstIioTimestamps *t);

/* The timestamp of @buffer's first scan: from a dma-buf through a mapping
 * of the page that holds it, between DMA_BUF_IOCTL_SYNC START and END
 * (*@mapped TRUE), else from the memory's bytes. FALSE with @error when
 * it cannot be read. */
gboolean gst_iio_timestamp_read (const GstIioTimestamps *t, GstBuffer *buffer,
    gint64 *ts, gboolean *mapped, GError **error);

/* Samples lost before the buffer whose first scan has timestamp @ts and
 * sample number @offset (samples counted so far, lost ones not yet) at
 * @rate Hz. The time per sample is the timestamps' own once they span
 * 100 ms (the device's crystal, not the nominal rate); a gap past half a
 * sample (and the rate's uncertainty over the step) is lost samples.
 * A timestamp behind its expected time by as much: on a clock that never
 * goes back (monotonic, boottime) the buffer holds no new scan, a transfer
 * that failed without an error, and *@stale is set (the track stays as it
 * was); on one that can be set (realtime, tai) the track starts again
 * from it. */
guint64 gst_iio_timestamps_lost (GstIioTimestamps *t, gint64 ts, guint64 offset,
    gdouble rate, gboolean *stale);

/* Attaches @ts as @buffer's GstReferenceTimestampMeta (reference caps
 * timestamp/x-iio, clock=...), lasting @duration. A negative @ts is not
 * attached. */
void gst_iio_timestamps_attach (const GstIioTimestamps *t, GstBuffer *buffer,
    gint64 ts, GstClockTime duration);

G_END_DECLS

#endif /* __GST_IIO_TIMESTAMP_H__ */
