/* Channel layout <-> caps: audio/x-raw where the scan maps 1:1 onto a
 * GStreamer audio format, else application/x-iio carrying the layout.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_IIO_CAPS_H__
#define __GST_IIO_CAPS_H__

#include <gst/gst.h>
#include "gstiiodevice.h"

G_BEGIN_DECLS

#define GST_IIO_CAPS_GENERIC "application/x-iio"

/* What a pad template can carry: any interleaved audio/x-raw and
 * application/x-iio. */
GstCaps *gst_iio_caps_template (void);
/* Frees a GstIioChannel (its id and type too): the free func of a
 * channel array. */
void gst_iio_channel_free (gpointer channel);
/* Sorts @channels (GstIioChannel *) by scan index. */
void gst_iio_channels_sort (GPtrArray *channels);

/* The enabled channels of @channels, in order (new array of borrowed
 * pointers: g_ptr_array_unref() it). */
GPtrArray *gst_iio_channels_enabled (GPtrArray *channels);

/* Bytes of whole @scan_bytes scans in @size; a partial scan is warned
 * about on @element once (*@warned). */
gsize gst_iio_whole_scans (
    GstElement *element, gsize size, guint scan_bytes, gboolean *warned);

/* "id:type,id:type" of every channel in @channels (GstIioChannel *), for
 * a device's properties. */
gchar *gst_iio_caps_describe_channels (GPtrArray *channels);

/* Adds the "src" or "sink" pad template of an IIO element (always, with
 * gst_iio_caps_template()) to @klass. */
void gst_iio_caps_add_pad_template (
    GstElementClass *klass, GstPadDirection direction);

/* Caps for a scan of @channels (enabled channels in scan order, with
 * offsets, as gst_iio_device_get_enabled_channels() gives) at @rate Hz
 * (rounded to an integer; 0: any rate, [1, MAX]).
 *
 * audio/x-raw, format=<S16LE ...>, layout=interleaved, rate, channels,
 *   channel-mask=0x0 for more than 2 channels
 * when every channel has the same storage, signedness and endianness,
 * realbits == storagebits, shift 0, repeat 1, no timestamp, no padding
 * (scan size == channels * storage bytes) and the storage is 8, 16 or 32
 * bits (S8 U8 S16LE/BE U16LE/BE S32LE/BE U32LE/BE); anything else
 * (64-bit storage included) is generic.
 *
 * Otherwise application/x-iio, rate=(int), channels=(int),
 *   scan-bytes=(int) bytes per scan,
 *   layout=(string) "id:index:type;id:index:type" in scan order,
 *   e.g. "voltage0:0:le:s12/16>>4;voltage1:1:le:s12/16>>4". */
GstCaps *gst_iio_caps_from_channels (GPtrArray *channels, gdouble rate);

/* The bytes per scan that fixed @caps describe (bpf of audio, scan-bytes
 * of application/x-iio), and their rate; FALSE when @caps are neither. */
gboolean gst_iio_caps_get_scan (
    const GstCaps *caps, guint *scan_bytes, gint *rate);

/* What an element's get_caps answers: @templ (its pad template caps) while
 * no device is open (@channels NULL); else the layout of @channels at
 * @rate, or, with @rate 0, at any rate with @preferred_rate (when > 0)
 * first so that fixating keeps it. Intersected with @filter. */
GstCaps *gst_iio_caps_query (GstCaps *templ, GPtrArray *channels, gdouble rate,
    gdouble preferred_rate, GstCaps *filter);

/* A source's set_caps check: @caps must describe a scan of @scan_bytes at a
 * positive rate, stored in @rate; otherwise a CORE/NEGOTIATION error is
 * posted on @element and FALSE returned. */
gboolean gst_iio_caps_check_scan (
    GstElement *element, GstCaps *caps, guint scan_bytes, gint *rate);

G_END_DECLS

#endif /* __GST_IIO_CAPS_H__ */
