/* Plays buffers into iiodmabufsink and prints what it measured: throughput,
 * CPU time per GiB, buffers per second, the copies the sink made and the
 * p50/p99 time from render() to the block being queued in the kernel.
 *
 *   iio-play [--io-mode M] [--buffers N] [--samples S] [--device D]
 *            [--set NAME=VALUE]...
 *
 * Where the buffers come from follows the io-mode: dmabuf takes them from
 * the pool the sink proposes (as audiotestsrc or a decoder would),
 * dmabuf-import from a dma-heap pool of its own (a peer's dma-bufs), rw
 * and auto from system memory. Upstream writes the data once, before the
 * clock starts, and touches it no more: its cost stays out of the figures.
 * Buffers are pushed from the sink's own streaming thread (appsrc's
 * need-data), as the raw loop runs in one thread: no hand-over between
 * threads in the counts, only what the sink does.
 * --set NAME=VALUE sets a property of the sink (repeatable).
 * The figures are for the steady state, as the raw ioctl loop's are: the
 * clock starts when the sink gets its buffer number n/10 (at most 8), so
 * preparing the device and attaching the dma-bufs are left out; the buffers
 * from there to EOS are counted.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <gst/gst.h>

#include "plugin-pool.h"

#define RING 8

static gdouble
cpu_seconds (void)
{
  struct rusage ru;

  getrusage (RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec +
      ru.ru_stime.tv_usec / 1e6;
}

/* The pool the sink proposes in the allocation query, active. */
static GstBufferPool *
proposed_pool (GstElement *appsrc, GstCaps *caps)
{
  GstPad *pad = gst_element_get_static_pad (appsrc, "src");
  GstQuery *query = gst_query_new_allocation (caps, TRUE);
  GstBufferPool *pool = NULL;

  if (gst_pad_peer_query (pad, query) &&
      gst_query_get_n_allocation_pools (query) > 0)
    gst_query_parse_nth_allocation_pool (query, 0, &pool, NULL, NULL, NULL);
  gst_query_unref (query);
  gst_object_unref (pad);
  return pool;
}

static GstBufferPool *
heap_pool (GstCaps *caps, guint size)
{
  GstBufferPool *pool = plugin_pool_new ();
  GstStructure *config = gst_buffer_pool_get_config (pool);

  gst_buffer_pool_config_set_params (config, caps, size, RING, RING);
  if (!gst_buffer_pool_set_config (pool, config)) {
    gst_object_unref (pool);
    return NULL;
  }
  return pool;
}

/* What need-data pushes: the pool's buffers or the ring's, @n_buffers of
 * them, then EOS. Runs in appsrc's streaming thread. */
typedef struct
{
  GstBufferPool *pool;
  GstBuffer **ring;
  guint size;
  guint n_buffers;
  guint pushed;
  /* appsrc asks from PAUSED on, before the pool is set up: it waits */
  GMutex lock;
  GCond cond;
  gboolean ready;
} Feed;

static void
need_data (GstElement *appsrc, guint length, Feed *f)
{
  GstBuffer *buf;
  GstFlowReturn ret;

  g_mutex_lock (&f->lock);
  while (!f->ready)
    g_cond_wait (&f->cond, &f->lock);
  g_mutex_unlock (&f->lock);
  if (f->pushed == f->n_buffers) {
    g_signal_emit_by_name (appsrc, "end-of-stream", &ret);
    return;
  }
  buf = f->ring[f->pushed % RING];
  /* A pool buffer comes back when the sink lets go of it (the DAC has read
   * it); the sink holds at most n-buffers, so one is free here. */
  if (f->pool) {
    if (gst_buffer_pool_acquire_buffer (f->pool, &buf, NULL) != GST_FLOW_OK) {
      g_signal_emit_by_name (appsrc, "end-of-stream", &ret);
      return;
    }
    gst_buffer_set_size (buf, f->size);
  }
  f->pushed++;
  g_signal_emit_by_name (appsrc, "push-buffer", buf, &ret);
  if (f->pool)
    gst_buffer_unref (buf);
}

typedef struct
{
  guint seen;
  guint skip;
  gint64 t0;
  gdouble c0;
} Window;

/* Starts the measuring window before the sink renders buffer @skip. */
static GstPadProbeReturn
start_window (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  Window *w = user_data;

  if (w->seen++ == w->skip) {
    w->t0 = g_get_monotonic_time ();
    w->c0 = cpu_seconds ();
  }
  return GST_PAD_PROBE_OK;
}

int
main (int argc, char **argv)
{
  const gchar *io_mode = "dmabuf", *device = "iio-sim-dac";
  guint n_buffers = 2000, samples = 65536, scan = 4;
  GstElement *pipe, *appsrc, *sink;
  GstBufferPool *pool = NULL;
  GstBuffer *ring[RING] = { NULL };
  GstStructure *stats = NULL;
  GstMessage *msg;
  GstCaps *caps;
  GError *err = NULL;
  gchar *desc, *mode = NULL;
  guint64 copies = 0, p50 = 0, p99 = 0, bytes;
  Window w = { 0 };
  gint64 t1;
  gdouble c1, secs;
  gboolean complete;
  guint size;
  GString *props = g_string_new (NULL);
  Feed feed = { 0 };

  gst_init (&argc, &argv);
  for (gint i = 1; i < argc; i++) {
    if (!strcmp (argv[i], "--io-mode") && i + 1 < argc)
      io_mode = argv[++i];
    else if (!strcmp (argv[i], "--buffers") && i + 1 < argc)
      n_buffers = atoi (argv[++i]);
    else if (!strcmp (argv[i], "--samples") && i + 1 < argc)
      samples = atoi (argv[++i]);
    else if (!strcmp (argv[i], "--device") && i + 1 < argc)
      device = argv[++i];
    else if (!strcmp (argv[i], "--set") && i + 1 < argc)
      g_string_append_printf (props, " %s", argv[++i]);
    else {
      fprintf (stderr,
          "usage: %s [--io-mode M] [--buffers N] [--samples S] "
          "[--device D] [--set NAME=VALUE]...\n",
          argv[0]);
      return 2;
    }
  }
  size = samples * scan;

  desc = g_strdup_printf (
      "appsrc name=src format=time max-buffers=1 caps="
      "audio/x-raw,format=S16LE,layout=interleaved,channels=2,rate=1000000 "
      "! iiodmabufsink name=sink device=%s io-mode=%s samples-per-buffer=%u "
      "sync=false%s",
      device, io_mode, samples, props->str);
  g_string_free (props, TRUE);
  /* A missing element (plugin not on GST_PLUGIN_PATH) still gives a
   * pipeline, with the error set. */
  pipe = gst_parse_launch (desc, &err);
  if (!pipe || err) {
    fprintf (stderr, "%s\n", err ? err->message : "cannot build the pipeline");
    return 1;
  }
  appsrc = gst_bin_get_by_name (GST_BIN (pipe), "src");
  sink = gst_bin_get_by_name (GST_BIN (pipe), "sink");
  g_mutex_init (&feed.lock);
  g_cond_init (&feed.cond);
  g_signal_connect (appsrc, "need-data", G_CALLBACK (need_data), &feed);
  gst_element_set_state (pipe, GST_STATE_PAUSED);

  caps = gst_caps_from_string (
      "audio/x-raw,format=S16LE,layout=interleaved,channels=2,rate=1000000");
  if (!strcmp (io_mode, "dmabuf"))
    pool = proposed_pool (appsrc, caps);
  else if (!strcmp (io_mode, "dmabuf-import"))
    pool = heap_pool (caps, size);
  if (pool && !gst_buffer_pool_set_active (pool, TRUE))
    gst_clear_object (&pool);
  if (!pool &&
      (!strcmp (io_mode, "dmabuf") || !strcmp (io_mode, "dmabuf-import"))) {
    fprintf (stderr, "no dma-buf pool for io-mode=%s\n", io_mode);
    return 1;
  }
  /* System memory: a ring of buffers written once (a ramp). Pool buffers
   * keep whatever they held: acquired, sent and released in the loop. */
  for (guint i = 0; !pool && i < RING; i++) {
    GstMapInfo map;

    ring[i] = gst_buffer_new_allocate (NULL, size, NULL);
    gst_buffer_map (ring[i], &map, GST_MAP_WRITE);
    for (gsize k = 0; k < map.size; k++)
      map.data[k] = (guint8)(k + i);
    gst_buffer_unmap (ring[i], &map);
  }

  w.skip = MIN (8, n_buffers / 10);
  w.t0 = g_get_monotonic_time ();
  w.c0 = cpu_seconds ();
  {
    GstPad *pad = gst_element_get_static_pad (sink, "sink");

    gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, start_window, &w, NULL);
    gst_object_unref (pad);
  }
  g_mutex_lock (&feed.lock);
  feed.pool = pool;
  feed.ring = ring;
  feed.size = size;
  feed.n_buffers = n_buffers;
  feed.ready = TRUE;
  g_cond_signal (&feed.cond);
  g_mutex_unlock (&feed.lock);
  gst_element_set_state (pipe, GST_STATE_PLAYING);
  msg = gst_bus_timed_pop_filtered (GST_ELEMENT_BUS (pipe), GST_CLOCK_TIME_NONE,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  t1 = g_get_monotonic_time ();
  c1 = cpu_seconds ();
  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
    gchar *dbg = NULL;

    gst_message_parse_error (msg, &err, &dbg);
    fprintf (stderr, "error: %s (%s)\n", err->message, dbg);
    return 1;
  }
  gst_message_unref (msg);
  g_object_get (sink, "stats", &stats, NULL);
  gst_structure_get_uint64 (stats, "copies", &copies);
  gst_structure_get_uint64 (stats, "bytes", &bytes);
  gst_structure_get_uint64 (stats, "enqueue-latency-p50-ns", &p50);
  gst_structure_get_uint64 (stats, "enqueue-latency-p99-ns", &p99);
  mode = g_strdup (gst_structure_get_string (stats, "io-mode"));
  gst_element_set_state (pipe, GST_STATE_NULL);

  secs = (t1 - w.t0) / 1e6;
  /* Every buffer played, or the figures mean nothing. */
  complete = bytes == (guint64)n_buffers * size;
  bytes -= (guint64)w.skip * size;
  printf (
      "iiodmabufsink %s io-mode=%s: %u buffers of %u bytes in %.3f s: "
      "%.1f MiB/s, %.0f buffers/s, %.3f CPU s/GiB, copies %" G_GUINT64_FORMAT
      ", render to enqueue p50 %.1f us p99 %.1f us\n",
      device, mode, n_buffers - w.skip, size, secs, bytes / secs / 1048576.0,
      (n_buffers - w.skip) / secs, (c1 - w.c0) / (bytes / 1073741824.0), copies,
      p50 / 1e3, p99 / 1e3);

  for (guint i = 0; i < RING; i++)
    gst_clear_buffer (&ring[i]);
  if (pool) {
    gst_buffer_pool_set_active (pool, FALSE);
    gst_object_unref (pool);
  }
  gst_caps_unref (caps);
  gst_structure_free (stats);
  g_free (mode);
  g_free (desc);
  gst_object_unref (appsrc);
  gst_object_unref (sink);
  gst_object_unref (pipe);
  g_mutex_clear (&feed.lock);
  g_cond_clear (&feed.cond);
  if (!complete)
    fprintf (stderr,
        "error: the sink played %" G_GUINT64_FORMAT
        " bytes of %" G_GUINT64_FORMAT "\n",
        bytes + (guint64)w.skip * size, (guint64)n_buffers * size);
  return complete ? 0 : 1;
}
