/* What every IIO element shares, the libiio ones included: the io-mode
 * enum, the common properties and their defaults, block sizing, latency
 * figures, and posting an error in two halves.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_IIO_SETTINGS_H__
#define __GST_IIO_SETTINGS_H__

#include <gst/gst.h>
#include "gstiiodevice.h"

G_BEGIN_DECLS

/* Errors of the data plane. Like every error of this project's layers,
 * its message is "what failed, for users\ndetails for developers (the
 * call, fd, errno text)": see gst_iio_post_error(). */
#define GST_IIO_BUFFER_ERROR (gst_iio_buffer_error_quark ())
GQuark gst_iio_buffer_error_quark (void);
typedef enum {
  GST_IIO_BUFFER_ERROR_FAILED,
  GST_IIO_BUFFER_ERROR_NOT_SUPPORTED, /* no DMABUF on this buffer */
  GST_IIO_BUFFER_ERROR_BUSY,
  GST_IIO_BUFFER_ERROR_TRANSFER, /* the kernel failed or aborted one */
  GST_IIO_BUFFER_ERROR_GONE,     /* the device went away */
  GST_IIO_BUFFER_ERROR_TIMEOUT,
  GST_IIO_BUFFER_ERROR_INVALID, /* not a buffer it can queue */
} GstIioBufferError;

typedef enum {
  GST_IIO_IO_MODE_AUTO,
  GST_IIO_IO_MODE_DMABUF,
  GST_IIO_IO_MODE_DMABUF_IMPORT,
  GST_IIO_IO_MODE_RW,
} GstIioIoMode;

#define GST_TYPE_IIO_IO_MODE (gst_iio_io_mode_get_type ())
GType gst_iio_io_mode_get_type (void);
const gchar *gst_iio_io_mode_nick (GstIioIoMode mode);

/* n-buffers: 0 (the default) chooses from the rate; a number asked for
 * is taken as is, GST_IIO_MIN_N_BUFFERS at least. */
#define GST_IIO_MIN_N_BUFFERS 2
#define GST_IIO_MAX_N_BUFFERS 64
/* The automatic queue: GST_IIO_QUEUE_MS of samples in the kernel, to ride
 * out a pause of the reading (or writing) thread that long, in
 * GST_IIO_MIN_AUTO_N_BUFFERS to GST_IIO_MAX_AUTO_N_BUFFERS blocks and no
 * more than GST_IIO_MAX_AUTO_QUEUE_BYTES. 4 blocks when the rate is not
 * known. */
#define GST_IIO_QUEUE_MS 100
#define GST_IIO_MIN_AUTO_N_BUFFERS 4
#define GST_IIO_MAX_AUTO_N_BUFFERS 32
#define GST_IIO_MAX_AUTO_QUEUE_BYTES (64 * 1024 * 1024)
#define GST_IIO_MAX_SAMPLES_PER_BUFFER (16 * 1024 * 1024)
/* Default block: about 10 ms of samples, but no less than a page (the
 * smallest dma-buf there is), within these bounds. */
#define GST_IIO_BLOCK_MS 10
#define GST_IIO_MIN_AUTO_SAMPLES 64
#define GST_IIO_MIN_AUTO_BLOCK_BYTES 4096
#define GST_IIO_MAX_AUTO_BLOCK_BYTES (4 * 1024 * 1024)

/* Blocks to keep queued in the kernel: @requested when not 0, else from
 * the rate as above for blocks of @block_samples scans (@block_bytes). */
guint gst_iio_blocks_queued (
    guint requested, gdouble rate, guint block_samples, gsize block_bytes);

/* Dma-bufs the source's own pool may add to n-buffers while downstream
 * holds buffers: room for GST_IIO_EXTRA_BYTES of blocks (what aggregating
 * elements such as filesink keep before they let go), no fewer than
 * GST_IIO_MIN_EXTRA_BUFFERS and no more than GST_IIO_MAX_EXTRA_BUFFERS
 * (each costs two fds). Past that the source copies (gstiiodmabufsrc.c). */
#define GST_IIO_EXTRA_BYTES (256 * 1024)
#define GST_IIO_MIN_EXTRA_BUFFERS 16
#define GST_IIO_MAX_EXTRA_BUFFERS 64
guint gst_iio_extra_buffers (gsize block_bytes);

/* Posts @err (a GStreamer error domain or GST_IIO_BUFFER_ERROR) as an
 * element error or warning; keeps the GError's domain and code where it is a
 * GStreamer one. The errors of the layers below are written "user
 * text\ndetails": a short sentence that says what failed and how to fix
 * it, then errno, paths and values; the first line becomes the message's
 * text, the rest its debug text. Takes @err. */
void gst_iio_post_error (GstElement *element, GstMessageType type, GError *err,
    const gchar *file, const gchar *function, gint line);
#define GST_IIO_POST_ERROR(el, err)                                            \
  gst_iio_post_error (GST_ELEMENT (el), GST_MESSAGE_ERROR, (err), __FILE__,    \
      GST_FUNCTION, __LINE__)
#define GST_IIO_POST_WARNING(el, err)                                          \
  gst_iio_post_error (GST_ELEMENT (el), GST_MESSAGE_WARNING, (err), __FILE__,  \
      GST_FUNCTION, __LINE__)

/* Stamps a block of @samples scans that starts @offset scans after the
 * stream's time @ts0, at @rate: PTS and DURATION from the sample count (so
 * that they add up without rounding drift), OFFSET and OFFSET_END in
 * scans. */
void gst_iio_stamp_buffer (GstBuffer *buffer, GstClockTime ts0, guint64 offset,
    guint samples, gint rate);

/* Answers a live source's latency @query: a block of @block_samples at
 * @rate is pushed once filled (the minimum), and @n_blocks of them may be
 * in flight (the maximum). FALSE while rate or block are unknown. */
gboolean gst_iio_latency_query_answer (
    GstQuery *query, guint block_samples, gdouble rate, guint n_blocks);

/* Parses the "attributes" property: "name=value,name=value" (a GstStructure
 * body). NULL on a syntax error. */
GstStructure *gst_iio_parse_attributes (const gchar *text);

/* The fewest scans of @scan_bytes that make a multiple of @align bytes. */
guint gst_iio_scans_step (guint scan_bytes, guint align);

/* Scans per fileio block of a buffer whose queue is @n_blocks blocks of
 * @block_samples scans of @scan_bytes: half the queue (one block at
 * least), as read() sees the kernel's two fileio blocks, but at most
 * @max_bytes (gst_iio_fileio_block_max()): whole blocks when one fits,
 * else whole multiples of gst_iio_scans_step() for @align. */
guint gst_iio_fileio_scans (guint n_blocks, guint block_samples,
    guint scan_bytes, guint align, gsize max_bytes);

/* Samples per block: @requested when not 0, else about GST_IIO_BLOCK_MS of
 * @rate, and at least the scans that fill GST_IIO_MIN_AUTO_BLOCK_BYTES,
 * bounded, and a multiple of gst_iio_scans_step(). */
guint gst_iio_samples_per_block (
    guint requested, gdouble rate, guint scan_bytes, guint align);

/* The last GST_IIO_LATENCY_WINDOW latencies of one kind (ns), for the
 * percentiles in an element's stats. Not locked: the caller's lock. */
#define GST_IIO_LATENCY_WINDOW 1024
typedef struct
{
  guint32 ns[GST_IIO_LATENCY_WINDOW];
  guint n, pos;
} GstIioLatency;

void gst_iio_latency_add (GstIioLatency *lat, gint64 ns);
/* The @pct-th percentile of the window, 0 when empty. */
guint64 gst_iio_latency_percentile (const GstIioLatency *lat, guint pct);
void gst_iio_latency_clear (GstIioLatency *lat);

/* The properties both elements have, and their values (the element's
 * object lock guards them). */
typedef struct
{
  gchar *device;
  guint buffer_index;
  gchar *channels;
  gdouble sampling_frequency;
  gchar *attributes;
  guint samples_per_buffer;
  guint n_buffers;
  GstIioIoMode io_mode;
  gchar *dma_heap;
  GstClockTime timeout;
  gboolean check_transfers;
} GstIioSettings;

/* Their property ids; an element's own ones start at GST_IIO_PROP_LAST. */
enum {
  GST_IIO_PROP_0,
  GST_IIO_PROP_DEVICE,
  GST_IIO_PROP_BUFFER_INDEX,
  GST_IIO_PROP_CHANNELS,
  GST_IIO_PROP_SAMPLING_FREQUENCY,
  GST_IIO_PROP_ATTRIBUTES,
  GST_IIO_PROP_SAMPLES_PER_BUFFER,
  GST_IIO_PROP_N_BUFFERS,
  GST_IIO_PROP_IO_MODE,
  GST_IIO_PROP_DMA_HEAP,
  GST_IIO_PROP_TIMEOUT,
  GST_IIO_PROP_CHECK_TRANSFERS,
  GST_IIO_PROP_LAST
};

#define GST_IIO_DEFAULT_TIMEOUT (5 * GST_SECOND)

/* Installs the shared properties on an element class of @direction (the
 * blurbs say "input" or "output"). */
void gst_iio_settings_install (GObjectClass *klass, GstIioDirection direction);

/* A set of shared properties, for gst_iio_settings_install_some(). */
#define GST_IIO_PROP_BIT(id) (G_GUINT64_CONSTANT (1) << (id))
#define GST_IIO_PROPS_ALL                                                      \
  (GST_IIO_PROP_BIT (GST_IIO_PROP_LAST) -                                      \
      GST_IIO_PROP_BIT (GST_IIO_PROP_DEVICE))

/* Installs only the shared properties whose GST_IIO_PROP_BIT() is in @props,
 * for an element that has some of them (they keep their ids); installing
 * GST_IIO_PROPS_ALL is gst_iio_settings_install(). */
void gst_iio_settings_install_some (
    GObjectClass *klass, GstIioDirection direction, guint64 props);
void gst_iio_settings_init (GstIioSettings *settings);
void gst_iio_settings_clear (GstIioSettings *settings);
/* The "timeout" of @settings, which @element's object lock guards, as a
 * wait's bound: GST_CLOCK_TIME_NONE for 0 (wait for ever). */
GstClockTime gst_iio_settings_wait_timeout (
    GstElement *element, const GstIioSettings *settings);
/* Whether @element (its object lock held) may take a new value of
 * @prop_id now: "device", "buffer-index" and "channels" in NULL, "timeout"
 * at any time, the others (and an element's own) in READY or below. A
 * refused value is logged and not taken: a running stream keeps what it
 * was set up with. */
gboolean gst_iio_settings_may_set (
    GstElement *element, guint prop_id, const GParamSpec *pspec);
/* FALSE when @prop_id is none of the shared ones. */
gboolean gst_iio_settings_set_property (
    GstIioSettings *settings, guint prop_id, const GValue *value);
gboolean gst_iio_settings_get_property (
    const GstIioSettings *settings, guint prop_id, GValue *value);

G_END_DECLS

#endif /* __GST_IIO_SETTINGS_H__ */
