/* What iiodmabufsrc and iiodmabufsink share as elements: the io-mode enum,
 * the common property set and defaults, and posting a GError as an element
 * message.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_IIO_ELEMENT_H__
#define __GST_IIO_ELEMENT_H__

#include <gst/gst.h>
#include "gstiiobuffer.h"
#include "gstiiodevice.h"
#include "gstiioqueue.h"

G_BEGIN_DECLS

typedef enum {
  GST_IIO_IO_MODE_AUTO,
  GST_IIO_IO_MODE_DMABUF,
  GST_IIO_IO_MODE_DMABUF_IMPORT,
  GST_IIO_IO_MODE_RW,
} GstIioIoMode;

#define GST_TYPE_IIO_IO_MODE (gst_iio_io_mode_get_type ())
GType gst_iio_io_mode_get_type (void);
const gchar *gst_iio_io_mode_nick (GstIioIoMode mode);

#define GST_IIO_DEFAULT_N_BUFFERS 4
#define GST_IIO_MIN_N_BUFFERS 2
#define GST_IIO_MAX_N_BUFFERS 64
#define GST_IIO_MAX_SAMPLES_PER_BUFFER (16 * 1024 * 1024)
/* Default block: about 10 ms of samples, but no less than a page (the
 * smallest dma-buf there is), within these bounds. */
#define GST_IIO_BLOCK_MS 10
#define GST_IIO_MIN_AUTO_SAMPLES 64
#define GST_IIO_MIN_AUTO_BLOCK_BYTES 4096
#define GST_IIO_MAX_AUTO_BLOCK_BYTES (4 * 1024 * 1024)

/* Dma-bufs the source's own pool may add to n-buffers while downstream
 * holds buffers: room for GST_IIO_EXTRA_BYTES of blocks (what aggregating
 * elements such as filesink keep before they let go), no fewer than
 * GST_IIO_MIN_EXTRA_BUFFERS and no more than GST_IIO_MAX_EXTRA_BUFFERS
 * (each costs two fds). Past that the source copies (gstiiodmabufsrc.c). */
#define GST_IIO_EXTRA_BYTES (256 * 1024)
#define GST_IIO_MIN_EXTRA_BUFFERS 16
#define GST_IIO_MAX_EXTRA_BUFFERS 64
guint gst_iio_extra_buffers (gsize block_bytes);

/* Posts @err (a GStreamer error domain or GST_IIO_BUFFER_ERROR) as an element
 * error or warning with @debug; keeps the GError's domain and code where it is
 * a GStreamer one. Takes @err. */
void gst_iio_post_error (GstElement *element, GstMessageType type, GError *err,
    const gchar *file, const gchar *function, gint line);
#define GST_IIO_POST_ERROR(el, err)                                            \
  gst_iio_post_error (GST_ELEMENT (el), GST_MESSAGE_ERROR, (err), __FILE__,    \
      GST_FUNCTION, __LINE__)
#define GST_IIO_POST_WARNING(el, err)                                          \
  gst_iio_post_error (GST_ELEMENT (el), GST_MESSAGE_WARNING, (err), __FILE__,  \
      GST_FUNCTION, __LINE__)

/* Parses the "attributes" property: "name=value,name=value" (a GstStructure
 * body). NULL on a syntax error. */
GstStructure *gst_iio_parse_attributes (const gchar *text);

/* Samples per block: @requested when not 0, else about GST_IIO_BLOCK_MS of
 * @rate, and at least the scans that fill GST_IIO_MIN_AUTO_BLOCK_BYTES,
 * bounded. */
guint gst_iio_samples_per_block (
    guint requested, gdouble rate, guint scan_bytes);

/* Opens what an element streams through, in the order the kernel wants:
 * finds the device (@spec, @direction, @buffer_index), opens its buffer fd
 * (the device node is exclusive, so past it the buffer is ours), disables a
 * buffer a dead client left enabled (gst_iio_clear_stale_enable()) and
 * selects @channels. On failure nothing stays open. */
gboolean gst_iio_open_buffer (GstElement *element, const gchar *spec,
    GstIioDirection direction, guint buffer_index, const gchar *channels,
    GstIioDevice **dev, GstIioBuffer **buf, GError **error);

/* The buffer is enabled though nobody has the device open (we do, and the
 * kernel lets one process at a time): a client died while streaming. Its
 * enable is stale; this disables it, or no channel could be selected. */
gboolean gst_iio_clear_stale_enable (
    GstElement *element, GstIioDevice *dev, GError **error);

/* Attaches and detaches one small dma-buf from @heap: tells whether @buf
 * does DMABUF at all, before anything is negotiated. FALSE with the reason
 * in @problem (free it) when it does not; @alloc_failed (may be NULL) then
 * says whether the dma-buf could not even be allocated (the heap's fault,
 * not the IIO buffer's). */
gboolean gst_iio_probe_dmabuf (GstIioBuffer *buf, const gchar *heap,
    gchar **problem, gboolean *alloc_failed);

/* What an element found at start about DMABUF on its IIO buffer. */
typedef struct
{
  gboolean ok;           /* the buffer takes dma-bufs from @heap */
  gboolean alloc_failed; /* no dma-buf could be allocated to try */
  gchar *heap;           /* where the element allocates: the dma-heap
                          * property, or GST_IIO_UDMABUF when that failed
                          * in io-mode=auto */
  gchar *problem;        /* why not (errno, path), for the debug text */
} GstIioDmabufProbe;

/* Probes @buf with dma-bufs from @heap. In io-mode=auto (@fallback), a
 * heap that cannot allocate gives way to udmabuf, with a warning on
 * @element that names the heap and the error. */
void gst_iio_dmabuf_probe_run (GstElement *element, GstIioBuffer *buf,
    const gchar *heap, gboolean fallback, GstIioDmabufProbe *probe);
void gst_iio_dmabuf_probe_clear (GstIioDmabufProbe *probe);
/* When the probe failed: posts an error on @element and returns FALSE if
 * io-mode @mode asked for DMABUF; in auto, posts the warning that the
 * element falls back to read()/write() and returns TRUE. */
gboolean gst_iio_dmabuf_probe_post (GstElement *element,
    const GstIioDmabufProbe *probe, GstIioIoMode mode,
    GstIioDirection direction);

/* Writes the "attributes" property (name=value,...) and, when above 0,
 * @sampling_frequency to the device. A syntax error in @attributes is
 * GST_RESOURCE_ERROR_SETTINGS. */
gboolean gst_iio_enable_fileio (
    GstIioDevice *dev, GstIioBuffer *buf, const gchar *heap, GError **error);

gboolean gst_iio_apply_settings (GstIioDevice *dev, const gchar *attributes,
    gdouble sampling_frequency, GError **error);

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

#endif /* __GST_IIO_ELEMENT_H__ */
