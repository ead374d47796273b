/* Streams a capture through iiodmabufsrc and prints what it measured:
 * throughput, CPU time per GiB, buffers per second, the io-mode in use and
 * the copies the element made. With --verify every sample is checked
 * against the iio-sim test driver's pattern (the check's own cost is then
 * part of the figures).
 *
 *   iio-capture [--verify] [--io-mode M] [--buffers N] [--samples S]
 *               [--device D] [--offer-pool] [--set NAME=VALUE]...
 *
 * --offer-pool makes the sink offer a pool of dma-heap dma-bufs in the
 * allocation query, as a GPU or network sink would (for dmabuf-import).
 * --set NAME=VALUE sets a property of the source (repeatable).
 *
 * The figures are for the steady state, as the raw ioctl loop's are: the
 * clock starts when the first few buffers (a tenth, at most 8) are through,
 * so opening the device and allocating and attaching the dma-bufs are left
 * out; the buffers and bytes after that point are counted.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <gst/gst.h>

#include "plugin-pool.h"

typedef struct
{
  gboolean verify;
  guint n_channels;
  guint64 next;
  guint64 bad;
  guint64 bytes;
  guint64 buffers;
  guint64 discont;
  /* the measuring window starts after @skip buffers */
  guint skip;
  gint64 t0;
  gdouble c0;
  guint64 bytes0;
} Verify;

static gdouble
cpu_seconds (void)
{
  struct rusage ru;

  getrusage (RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec +
      ru.ru_stime.tv_usec / 1e6;
}

static void
on_handoff (GstElement *sink, GstBuffer *buf, GstPad *pad, Verify *v)
{
  v->buffers++;
  v->bytes += gst_buffer_get_size (buf);
  if (v->buffers == v->skip) {
    v->t0 = g_get_monotonic_time ();
    v->c0 = cpu_seconds ();
    v->bytes0 = v->bytes;
  }
  if (v->buffers > 1 && GST_BUFFER_FLAG_IS_SET (buf, GST_BUFFER_FLAG_DISCONT))
    v->discont++;
  if (v->verify) {
    GstMapInfo map;

    gst_buffer_map (buf, &map, GST_MAP_READ);
    for (gsize s = 0; s < map.size / (2 * v->n_channels); s++, v->next++)
      for (guint c = 0; c < v->n_channels; c++)
        v->bad += GST_READ_UINT16_LE (map.data + 2 * (s * v->n_channels + c)) !=
            (guint16)(v->next + c * 0x1000);
    gst_buffer_unmap (buf, &map);
  }
}

/* The sink's side of the allocation query: a pool of dma-heap dma-bufs. */
static GstPadProbeReturn
offer_pool (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  GstQuery *q = GST_PAD_PROBE_INFO_QUERY (info);
  GstBufferPool *pool;
  GstStructure *config;
  GstCaps *caps;
  guint size = GPOINTER_TO_UINT (user_data);

  if (GST_QUERY_TYPE (q) != GST_QUERY_ALLOCATION)
    return GST_PAD_PROBE_OK;
  gst_query_parse_allocation (q, &caps, NULL);
  pool = plugin_pool_new ();
  config = gst_buffer_pool_get_config (pool);
  gst_buffer_pool_config_set_params (config, caps, size, 8, 8);
  gst_buffer_pool_set_config (pool, config);
  gst_query_add_allocation_pool (q, pool, size, 8, 8);
  gst_object_unref (pool);
  return GST_PAD_PROBE_HANDLED;
}

int
main (int argc, char **argv)
{
  const gchar *io_mode = "auto", *device = "iio-sim-adc";
  guint n_buffers = 2000, samples = 32768, n_channels = 4;
  gboolean offer = FALSE;
  Verify v = { 0 };
  GstElement *pipe, *src, *sink;
  GstStructure *stats = NULL;
  GstMessage *msg;
  GError *err = NULL;
  gchar *desc, *mode = NULL;
  guint64 copies = 0, p50 = 0, p99 = 0;
  guint64 bytes;
  gint64 t1;
  gdouble c1, secs;
  GString *props = g_string_new (NULL);

  gst_init (&argc, &argv);
  for (gint i = 1; i < argc; i++) {
    if (!strcmp (argv[i], "--verify"))
      v.verify = TRUE;
    else if (!strcmp (argv[i], "--io-mode") && i + 1 < argc)
      io_mode = argv[++i];
    else if (!strcmp (argv[i], "--buffers") && i + 1 < argc)
      n_buffers = atoi (argv[++i]);
    else if (!strcmp (argv[i], "--samples") && i + 1 < argc)
      samples = atoi (argv[++i]);
    else if (!strcmp (argv[i], "--device") && i + 1 < argc)
      device = argv[++i];
    else if (!strcmp (argv[i], "--offer-pool"))
      offer = TRUE;
    else if (!strcmp (argv[i], "--set") && i + 1 < argc)
      g_string_append_printf (props, " %s", argv[++i]);
    else {
      fprintf (stderr,
          "usage: %s [--verify] [--io-mode M] [--buffers N] "
          "[--samples S] [--device D] [--offer-pool] [--set NAME=VALUE]...\n",
          argv[0]);
      return 2;
    }
  }
  v.n_channels = n_channels;

  desc = g_strdup_printf ("iiodmabufsrc name=src device=%s io-mode=%s "
                          "num-buffers=%u samples-per-buffer=%u%s ! "
                          "fakesink name=sink sync=false signal-handoffs=true",
      device, io_mode, n_buffers, samples, props->str);
  g_string_free (props, TRUE);
  /* A missing element (plugin not on GST_PLUGIN_PATH) still gives a
   * pipeline, with the error set. */
  pipe = gst_parse_launch (desc, &err);
  if (!pipe || err) {
    fprintf (stderr, "%s\n", err ? err->message : "cannot build the pipeline");
    return 1;
  }
  src = gst_bin_get_by_name (GST_BIN (pipe), "src");
  sink = gst_bin_get_by_name (GST_BIN (pipe), "sink");
  g_signal_connect (sink, "handoff", G_CALLBACK (on_handoff), &v);
  if (offer) {
    GstPad *pad = gst_element_get_static_pad (sink, "sink");

    gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_QUERY_DOWNSTREAM, offer_pool,
        GUINT_TO_POINTER (samples * n_channels * 2), NULL);
    gst_object_unref (pad);
  }

  v.skip = MIN (8, n_buffers / 10);
  v.t0 = g_get_monotonic_time ();
  v.c0 = cpu_seconds ();
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
  g_object_get (src, "stats", &stats, NULL);
  gst_structure_get_uint64 (stats, "copies", &copies);
  gst_structure_get_uint64 (stats, "push-latency-p50-ns", &p50);
  gst_structure_get_uint64 (stats, "push-latency-p99-ns", &p99);
  mode = g_strdup (gst_structure_get_string (stats, "io-mode"));
  gst_element_set_state (pipe, GST_STATE_NULL);

  secs = (t1 - v.t0) / 1e6;
  bytes = v.bytes - v.bytes0;
  printf ("iiodmabufsrc %s io-mode=%s: %" G_GUINT64_FORMAT
          " buffers of %" G_GUINT64_FORMAT
          " bytes in %.3f s: %.1f MiB/s, %.0f buffers/s, "
          "%.3f CPU s/GiB, copies %" G_GUINT64_FORMAT
          ", completion to push p50 %.1f us p99 %.1f us",
      device, mode, v.buffers - v.skip, v.buffers ? v.bytes / v.buffers : 0,
      secs, bytes / secs / 1048576.0, (v.buffers - v.skip) / secs,
      (c1 - v.c0) / (bytes / 1073741824.0), copies, p50 / 1e3, p99 / 1e3);
  if (v.verify)
    printf (", samples verified %" G_GUINT64_FORMAT ", bad %" G_GUINT64_FORMAT
            ", discont %" G_GUINT64_FORMAT,
        v.next, v.bad, v.discont);
  printf ("\n");

  gst_structure_free (stats);
  g_free (mode);
  g_free (desc);
  gst_object_unref (src);
  gst_object_unref (sink);
  gst_object_unref (pipe);
  return (v.buffers == n_buffers && v.bad == 0 && v.discont == 0) ? 0 : 1;
}
