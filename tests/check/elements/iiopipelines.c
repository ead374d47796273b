/* The pipelines users write first, against the real kernel: capture into
 * elements that hold buffers (filesink, queue, wavenc, an application, a
 * muxer), and the messages a wrong setting gets. Runs in the test guest.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gst/check/gstcheck.h>
#include <gst/allocators/allocators.h>

#include "iiosim.h"

#include <glib/gstdio.h>

#define ADC "iio-sim-adc"
#define DAC "iio-sim-dac"

/* Follows a capture of the ADC's first @n_channels channels (16 bits)
 * buffer by buffer: every sample, in order, none lost. */
typedef struct
{
  guint n_channels;
  guint64 next;
  guint64 bad;
  guint64 buffers;
  guint64 discont_after_first;
  gint64 first_bad; /* buffer index, for the failure message; -1: none */
  gboolean first_bad_dmabuf;
} Follow;

#define FOLLOW_INIT(n)                                                         \
  {                                                                            \
    (n), 0, 0, 0, 0, -1, FALSE                                                 \
  }

static void
follow (Follow *f, GstBuffer *buf)
{
  guint idx[4] = { 0, 1, 2, 3 };
  GstMapInfo map;

  guint64 bad;

  /* (the first buffer's offset says where the stream starts: 0, or past
   * the blocks read() drops at the start) */
  if (f->buffers == 0)
    f->next = GST_BUFFER_OFFSET (buf);
  fail_unless_equals_uint64 (GST_BUFFER_OFFSET (buf), f->next);

  fail_unless (gst_buffer_map (buf, &map, GST_MAP_READ));
  bad =
      iiosim_check_pattern (map.data, map.size, 2, f->n_channels, idx, f->next);
  if (bad && f->first_bad < 0) {
    f->first_bad = (gint64)f->buffers;
    f->first_bad_dmabuf =
        gst_is_dmabuf_memory (gst_buffer_peek_memory (buf, 0));
    g_printerr ("buffer %" G_GUINT64_FORMAT " (offset %" G_GUINT64_FORMAT
                ", %s): %" G_GUINT64_FORMAT " bad; first values %04x %04x, "
                "want %04x\n",
        f->buffers, f->next, f->first_bad_dmabuf ? "dma-buf" : "copy", bad,
        GST_READ_UINT16_LE (map.data), GST_READ_UINT16_LE (map.data + 2),
        (guint)(f->next & 0xffff));
  }
  f->bad += bad;
  f->next += map.size / (2 * f->n_channels);
  gst_buffer_unmap (buf, &map);
  if (f->buffers++ > 0 && GST_BUFFER_FLAG_IS_SET (buf, GST_BUFFER_FLAG_DISCONT))
    f->discont_after_first++;
}

/* Samples the device lost (its converter ran on with no block queued) are
 * samples the source reported lost: none went missing without a word. */
static void
check_losses_told (GstElement *src)
{
  guint64 told = iiosim_stat_u64 (src, "samples-lost");
  guint64 lost = iiosim_read_u64 (ADC, "sim_samples_lost");

  g_printerr ("device lost %" G_GUINT64_FORMAT
              ", source told %" G_GUINT64_FORMAT "\n",
      lost, told);
  fail_unless (told >= lost && told <= lost + lost / 10 + 2,
      "the device lost %" G_GUINT64_FORMAT
      " samples, the source told of %" G_GUINT64_FORMAT,
      lost, told);
}

static gchar *
tmp_path (const gchar *name)
{
  return g_build_filename (g_get_tmp_dir (), name, NULL);
}

static GstElement *
by_name (GstElement *pipe, const gchar *name)
{
  GstElement *el = gst_bin_get_by_name (GST_BIN (pipe), name);

  fail_unless (el != NULL, "no element %s", name);
  return el;
}

/* Runs the capture @desc (its source named "src", writing to @path) to
 * EOS; the file holds every sample of two channels from the first on, and
 * the source counted @buffers of them. Returns the source's copies. */
static guint64
capture_to_file (const gchar *desc, const gchar *path, gsize header,
    guint64 n_buffers, guint n_channels)
{
  GstElement *pipe = iiosim_run_to_eos (desc, 60 * GST_SECOND);
  GstElement *src = by_name (pipe, "src");
  guint64 copies = iiosim_stat_u64 (src, "copies");

  fail_unless_equals_uint64 (iiosim_stat_u64 (src, "buffers"), n_buffers);
  check_losses_told (src);
  fail_unless_equals_uint64 (iiosim_stat_u64 (src, "samples-lost"), 0);
  iiosim_check_file (
      path, header, iiosim_stat_u64 (src, "bytes"), n_channels, 0);
  gst_object_unref (src);
  gst_object_unref (pipe);
  return copies;
}

/* filesink in its default mode keeps every buffer until it has 64 KiB to
 * write; audio-rate blocks are small. The capture at 48 kHz runs to the
 * end, every sample in the file, and the source's own pool is deep
 * enough that nothing is copied. */
GST_START_TEST (test_filesink_at_audio_rate)
{
  gchar *path = tmp_path ("iio-48k.raw");
  gchar *desc;

  iiosim_write (ADC, "sim_free_run", "0");
  desc = g_strdup_printf ("iiodmabufsrc name=src device=" ADC
                          " channels=voltage0,voltage1 "
                          "sampling-frequency=48000 num-buffers=200 ! "
                          "filesink location=%s",
      path);
  fail_unless_equals_uint64 (capture_to_file (desc, path, 0, 200, 2), 0);
  g_free (desc);
  desc = g_strdup_printf ("iiodmabufsrc name=src device=" ADC
                          " channels=voltage0,voltage1 "
                          "sampling-frequency=48000 num-buffers=200 ! queue "
                          "! filesink location=%s",
      path);
  fail_unless_equals_uint64 (capture_to_file (desc, path, 0, 200, 2), 0);
  g_free (desc);
  g_free (path);
}

GST_END_TEST;

/* The byte offset of the samples in a RIFF/WAVE file (its "data" chunk). */
static gsize
wav_data_offset (const gchar *path)
{
  gchar *data = NULL;
  gsize len = 0, off = 12;

  fail_unless (g_file_get_contents (path, &data, &len, NULL));
  fail_unless (
      len > 44 && !memcmp (data, "RIFF", 4) && !memcmp (data + 8, "WAVE", 4));
  while (off + 8 <= len && memcmp (data + off, "data", 4) != 0)
    off += 8 + GST_READ_UINT32_LE (data + off + 4);
  fail_unless (off + 8 <= len, "no data chunk in %s", path);
  g_free (data);
  return off + 8;
}

GST_START_TEST (test_wavenc_at_audio_rate)
{
  gchar *path = tmp_path ("iio-48k.wav");
  gchar *desc;
  GstElement *pipe, *src;

  iiosim_write (ADC, "sim_free_run", "0");
  desc = g_strdup_printf ("iiodmabufsrc name=src device=" ADC
                          " channels=voltage0,voltage1 "
                          "sampling-frequency=48000 num-buffers=200 ! "
                          "audioconvert ! wavenc ! filesink location=%s",
      path);
  pipe = iiosim_run_to_eos (desc, 60 * GST_SECOND);
  src = by_name (pipe, "src");
  fail_unless_equals_uint64 (iiosim_stat_u64 (src, "buffers"), 200);
  fail_unless_equals_uint64 (iiosim_stat_u64 (src, "samples-lost"), 0);
  iiosim_check_file (
      path, wav_data_offset (path), iiosim_stat_u64 (src, "bytes"), 2, 0);
  gst_object_unref (src);
  gst_object_unref (pipe);
  g_free (desc);
  g_free (path);
}

GST_END_TEST;

/* Small blocks with the device as fast as it goes: filesink holds 64 KiB
 * of them before it writes. 2 KiB blocks: 32 held, within the source's
 * pool, nothing copied. 512-byte blocks: 128 held, more than the pool
 * has: the file is whole all the same, and copies are counted. */
GST_START_TEST (test_filesink_small_blocks_full_speed)
{
  gchar *path = tmp_path ("iio-fast.raw");
  gchar *desc;

  iiosim_write (ADC, "sim_free_run", "1");
  iiosim_write (ADC, "sampling_frequency", "1000");
  desc = g_strdup_printf ("iiodmabufsrc name=src device=" ADC
                          " samples-per-buffer=256 num-buffers=2000 ! "
                          "filesink location=%s",
      path);
  fail_unless_equals_uint64 (capture_to_file (desc, path, 0, 2000, 4), 0);
  g_free (desc);
  desc = g_strdup_printf ("iiodmabufsrc name=src device=" ADC
                          " channels=voltage0,voltage1 samples-per-buffer=128 "
                          "num-buffers=2000 ! filesink location=%s",
      path);
  fail_unless (capture_to_file (desc, path, 0, 2000, 2) > 0);
  g_free (desc);
  g_free (path);
}

GST_END_TEST;

/* An application holds 100 buffers before it lets go of any, three times
 * over: more than the source's pool has. The device never runs dry: the
 * blocks past the pool are copied out (counted), and not a sample is lost
 * at 48 kHz. (1 KiB blocks last 5 ms: 16 of them queued ride out the
 * start-up of a pipeline in an emulated guest.) */
GST_START_TEST (test_appsink_holds_100)
{
  GstElement *pipe, *sink, *src;
  GPtrArray *held =
      g_ptr_array_new_with_free_func ((GDestroyNotify)gst_sample_unref);
  Follow f = FOLLOW_INIT (2);
  guint64 copies;

  iiosim_write (ADC, "sim_free_run", "0");
  pipe = gst_parse_launch ("iiodmabufsrc name=src device=" ADC
                           " channels=voltage0,voltage1 "
                           "sampling-frequency=48000 samples-per-buffer=256 "
                           "n-buffers=16 "
                           "! appsink name=sink sync=false",
      NULL);
  sink = by_name (pipe, "sink");
  src = by_name (pipe, "src");
  fail_unless (gst_element_set_state (pipe, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
  for (guint round = 0; round < 3; round++) {
    for (guint i = 0; i < 100; i++) {
      GstSample *sample = NULL;

      g_signal_emit_by_name (sink, "try-pull-sample", 5 * GST_SECOND, &sample);
      fail_unless (sample != NULL, "round %u: no buffer %u", round, i);
      follow (&f, gst_sample_get_buffer (sample));
      g_ptr_array_add (held, sample);
    }
    g_ptr_array_set_size (held, 0);
  }
  fail_unless (f.bad == 0,
      "%" G_GUINT64_FORMAT " bad values, from buffer %" G_GINT64_FORMAT " (%s)",
      f.bad, f.first_bad, f.first_bad_dmabuf ? "dma-buf" : "copy");
  fail_unless_equals_uint64 (f.discont_after_first, 0);
  check_losses_told (src);
  fail_unless_equals_uint64 (iiosim_stat_u64 (src, "samples-lost"), 0);
  copies = iiosim_stat_u64 (src, "copies");
  /* 1 KiB blocks: n-buffers 16 and 64 more in the pool, at least 12 of
   * them in the kernel; each round holds 100. */
  fail_unless (copies >= 3 * (100 - 68), "copies %" G_GUINT64_FORMAT, copies);
  fail_unless (copies < 300, "copies %" G_GUINT64_FORMAT, copies);
  gst_element_set_state (pipe, GST_STATE_NULL);
  g_ptr_array_unref (held);
  gst_object_unref (src);
  gst_object_unref (sink);
  gst_object_unref (pipe);
}

GST_END_TEST;

/* Holds a window of buffers, as a muxer interleaving streams does: keeps
 * them until it has 80, then lets go of the oldest 50. */
typedef struct
{
  Follow f;
  GQueue window;
} Holder;

static GstPadProbeReturn
hold_window (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  Holder *h = user_data;
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);

  follow (&h->f, buf);
  g_queue_push_tail (&h->window, gst_buffer_ref (buf));
  if (g_queue_get_length (&h->window) >= 80) {
    for (guint i = 0; i < 50; i++)
      gst_buffer_unref (g_queue_pop_head (&h->window));
  }
  return GST_PAD_PROBE_OK;
}

GST_START_TEST (test_muxer_like_window)
{
  GstElement *pipe, *sink, *src;
  GstPad *pad;
  Holder h = { FOLLOW_INIT (2) };

  g_queue_init (&h.window);
  iiosim_write (ADC, "sim_free_run", "0");
  pipe = gst_parse_launch ("iiodmabufsrc name=src device=" ADC
                           " channels=voltage0,voltage1 "
                           "sampling-frequency=48000 samples-per-buffer=256 "
                           "n-buffers=16 "
                           "num-buffers=400 ! fakesink name=sink sync=false",
      NULL);
  sink = by_name (pipe, "sink");
  src = by_name (pipe, "src");
  pad = gst_element_get_static_pad (sink, "sink");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, hold_window, &h, NULL);
  gst_object_unref (pad);
  fail_unless (gst_element_set_state (pipe, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
  {
    GstMessage *msg = gst_bus_timed_pop_filtered (GST_ELEMENT_BUS (pipe),
        60 * GST_SECOND, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);

    fail_unless (
        msg != NULL && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS, "no EOS");
    gst_message_unref (msg);
  }
  fail_unless_equals_uint64 (h.f.buffers, 400);
  check_losses_told (src);
  fail_unless (h.f.bad == 0,
      "%" G_GUINT64_FORMAT " bad values, from buffer %" G_GINT64_FORMAT " (%s)",
      h.f.bad, h.f.first_bad, h.f.first_bad_dmabuf ? "dma-buf" : "copy");
  fail_unless_equals_uint64 (h.f.discont_after_first, 0);
  fail_unless_equals_uint64 (iiosim_stat_u64 (src, "samples-lost"), 0);
  /* The window (80) is deeper than the pool leaves downstream (80 - 12): some
   * were copied. */
  fail_unless (iiosim_stat_u64 (src, "copies") > 0);
  gst_element_set_state (pipe, GST_STATE_NULL);
  g_queue_clear_full (&h.window, (GDestroyNotify)gst_buffer_unref);
  gst_object_unref (src);
  gst_object_unref (sink);
  gst_object_unref (pipe);
}

GST_END_TEST;

static GstElement *
import_pipeline (GstBufferPool *pool, guint64 timeout)
{
  gchar *desc = g_strdup_printf (
      "iiodmabufsrc name=src device=" ADC " io-mode=dmabuf-import "
      "samples-per-buffer=256 timeout=%" G_GUINT64_FORMAT
      " ! appsink name=sink sync=false",
      timeout);
  GstElement *pipe = gst_parse_launch (desc, NULL);
  GstElement *sink = by_name (pipe, "sink");
  GstPad *pad = gst_element_get_static_pad (sink, "sink");

  iiosim_offer_pool (pad, pool, 256 * 8, 4, 8);
  gst_object_unref (pad);
  gst_object_unref (sink);
  g_free (desc);
  return pipe;
}

/* Downstream's pool gives nothing (its user holds every buffer): the
 * source has nothing to capture into, and says so once the timeout is
 * over, naming what it waited for. */
GST_START_TEST (test_starved_pool_times_out)
{
  GstBufferPool *pool = iiosim_heap_pool_new (NULL);
  GstElement *pipe = import_pipeline (pool, GST_SECOND);
  GstMessage *msg;
  GError *err = NULL;
  gchar *dbg = NULL;
  gint64 t0;

  iiosim_write (ADC, "sim_free_run", "1");
  iiosim_heap_pool_set_starved (pool, TRUE);
  t0 = g_get_monotonic_time ();
  gst_element_set_state (pipe, GST_STATE_PLAYING);
  msg = gst_bus_timed_pop_filtered (
      GST_ELEMENT_BUS (pipe), 10 * GST_SECOND, GST_MESSAGE_ERROR);
  fail_unless (msg != NULL, "no error while downstream holds every buffer");
  gst_message_parse_error (msg, &err, &dbg);
  fail_unless (strstr (err->message, "Downstream held every buffer") != NULL,
      "%s", err->message);
  fail_unless (dbg && strstr (dbg, "dmabuf-import") != NULL, "%s", dbg);
  /* 1 s timeout, give or take the guest's scheduling */
  fail_unless (g_get_monotonic_time () - t0 < 5 * G_USEC_PER_SEC);
  g_error_free (err);
  g_free (dbg);
  gst_message_unref (msg);
  fail_unless_equals_int (
      gst_element_set_state (pipe, GST_STATE_NULL), GST_STATE_CHANGE_SUCCESS);
  gst_object_unref (pipe);
  gst_object_unref (pool);
}

GST_END_TEST;

/* ... and when a buffer comes back within the timeout, the capture starts. */
GST_START_TEST (test_starved_pool_recovers)
{
  GstBufferPool *pool = iiosim_heap_pool_new (NULL);
  GstElement *pipe = import_pipeline (pool, 5 * GST_SECOND);
  GstElement *sink = by_name (pipe, "sink");
  GstSample *sample = NULL;

  iiosim_write (ADC, "sim_free_run", "1");
  iiosim_write (ADC, "sampling_frequency", "1000");
  iiosim_heap_pool_set_starved (pool, TRUE);
  gst_element_set_state (pipe, GST_STATE_PLAYING);
  g_signal_emit_by_name (sink, "try-pull-sample", GST_SECOND / 2, &sample);
  fail_unless (sample == NULL, "a buffer from a starved pool");
  iiosim_heap_pool_set_starved (pool, FALSE);
  for (guint i = 0; i < 20; i++) {
    g_signal_emit_by_name (sink, "try-pull-sample", 5 * GST_SECOND, &sample);
    fail_unless (sample != NULL, "no buffer %u after the pool recovered", i);
    gst_sample_unref (sample);
  }
  fail_unless (
      gst_bus_pop_filtered (GST_ELEMENT_BUS (pipe), GST_MESSAGE_ERROR) == NULL);
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (sink);
  gst_object_unref (pipe);
  gst_object_unref (pool);
}

GST_END_TEST;

/* Runs @desc with @device stalled (its converter completes no block) and
 * expects an error holding @text within 4 s: the timeout (0.5 s) is over
 * and the element says what it waited for. */
static void
expect_timeout (const gchar *desc, const gchar *device, const gchar *text)
{
  GstElement *pipe = gst_parse_launch (desc, NULL);
  gint64 t0 = g_get_monotonic_time ();
  GstMessage *msg;
  GError *err = NULL;
  gint64 ms;

  fail_unless (pipe != NULL, "%s", desc);
  iiosim_write (device, "sim_stall", "1");
  gst_element_set_state (pipe, GST_STATE_PLAYING);
  msg = gst_bus_timed_pop_filtered (
      GST_ELEMENT_BUS (pipe), 10 * GST_SECOND, GST_MESSAGE_ERROR);
  ms = (g_get_monotonic_time () - t0) / 1000;
  fail_unless (msg != NULL, "%s: no error while %s is stalled", desc, device);
  gst_message_parse_error (msg, &err, NULL);
  g_printerr ("%s stalled: \"%s\" after %" G_GINT64_FORMAT " ms\n", device,
      err->message, ms);
  fail_unless (
      strstr (err->message, text) != NULL, "%s: \"%s\"", desc, err->message);
  fail_unless (ms >= 500 && ms < 4000,
      "%s: error after %" G_GINT64_FORMAT " ms", desc, ms);
  g_error_free (err);
  gst_message_unref (msg);
  fail_unless_equals_int (
      gst_element_set_state (pipe, GST_STATE_NULL), GST_STATE_CHANGE_SUCCESS);
  iiosim_write (device, "sim_stall", "0");
  gst_object_unref (pipe);
}

/* Every wait of either element's streaming thread ends with the timeout:
 * for a block of the device, for room in its fileio queue, for a buffer
 * downstream holds (test_starved_pool_times_out). */
GST_START_TEST (test_every_wait_times_out)
{
  expect_timeout ("iiodmabufsrc device=" ADC " timeout=500000000 ! fakesink",
      ADC, "The IIO device delivered nothing for 0:00:00.5");
  expect_timeout ("iiodmabufsrc device=" ADC " io-mode=rw timeout=500000000 "
                  "! fakesink",
      ADC, "The IIO device delivered nothing for 0:00:00.5");
  expect_timeout ("audiotestsrc ! audio/x-raw,format=S16LE,channels=2,"
                  "rate=48000 ! iiodmabufsink device=" DAC " timeout=500000000",
      DAC, "The IIO device consumed nothing for 0:00:00.5");
  expect_timeout ("audiotestsrc ! audio/x-raw,format=S16LE,channels=2,"
                  "rate=48000 ! iiodmabufsink device=" DAC " io-mode=rw "
                  "timeout=500000000",
      DAC, "The IIO device consumed nothing for 0:00:00.5");
}

GST_END_TEST;

/* A dma-heap that is no heap is named as the cause, with its error. */
GST_START_TEST (test_bad_heap_named)
{
  iiosim_write (ADC, "sim_free_run", "1");
  iiosim_expect_message ("iiodmabufsrc device=" ADC " io-mode=dmabuf "
                         "dma-heap=/dev/null ! fakesink",
      GST_MESSAGE_ERROR, "Inappropriate ioctl",
      "io-mode=dmabuf, but no dma-buf can be allocated from /dev/null", NULL);
  iiosim_expect_message ("iiodmabufsrc device=" ADC " io-mode=dmabuf "
                         "dma-heap=/nonexistent ! fakesink",
      GST_MESSAGE_ERROR, "No such file",
      "no dma-buf can be allocated from /nonexistent", NULL);
  iiosim_expect_message ("audiotestsrc num-buffers=10 ! audio/x-raw,"
                         "format=S16LE,channels=2,rate=48000 ! iiodmabufsink "
                         "device=" DAC " io-mode=dmabuf dma-heap=/dev/null",
      GST_MESSAGE_ERROR, "Inappropriate ioctl",
      "no dma-buf can be allocated from /dev/null", NULL);
  /* auto: the heap is named, and udmabuf takes over */
  iiosim_expect_message ("iiodmabufsrc device=" ADC " dma-heap=/dev/null ! "
                         "fakesink",
      GST_MESSAGE_WARNING, "Inappropriate ioctl",
      "Cannot allocate dma-bufs from the dma-heap /dev/null: allocating them "
      "from /dev/udmabuf",
      NULL);
}

GST_END_TEST;

/* The exporter of a dma-buf memory, from the kernel's fdinfo. */
static gchar *
exporter (GstBuffer *buf)
{
  gint fd = gst_dmabuf_memory_get_fd (gst_buffer_peek_memory (buf, 0));
  gchar *path = g_strdup_printf ("/proc/self/fdinfo/%d", fd);
  gchar *text = NULL, *line, *name = NULL;

  fail_unless (g_file_get_contents (path, &text, NULL, NULL));
  line = strstr (text, "exp_name:");
  if (line)
    name = g_strstrip (g_strndup (line + 9, strcspn (line + 9, "\n")));
  g_free (text);
  g_free (path);
  return name;
}

/* auto with a heap that cannot allocate: still zero-copy, on udmabuf. */
GST_START_TEST (test_bad_heap_auto_uses_udmabuf)
{
  GstElement *pipe, *sink, *src;
  Follow f = FOLLOW_INIT (4);
  gchar *mode;

  iiosim_write (ADC, "sim_free_run", "1");
  iiosim_write (ADC, "sampling_frequency", "1000");
  pipe = gst_parse_launch ("iiodmabufsrc name=src device=" ADC
                           " dma-heap=/dev/null samples-per-buffer=256 "
                           "num-buffers=50 ! appsink name=sink sync=false",
      NULL);
  sink = by_name (pipe, "sink");
  src = by_name (pipe, "src");
  gst_element_set_state (pipe, GST_STATE_PLAYING);
  for (guint i = 0; i < 50; i++) {
    GstSample *sample = NULL;
    GstBuffer *buf;
    gchar *exp;

    g_signal_emit_by_name (sink, "try-pull-sample", 5 * GST_SECOND, &sample);
    fail_unless (sample != NULL, "no buffer %u", i);
    buf = gst_sample_get_buffer (sample);
    fail_unless (gst_is_dmabuf_memory (gst_buffer_peek_memory (buf, 0)));
    exp = exporter (buf);
    fail_unless_equals_string (exp, "udmabuf");
    g_free (exp);
    follow (&f, buf);
    gst_sample_unref (sample);
  }
  fail_unless_equals_uint64 (f.bad, 0);
  fail_unless_equals_uint64 (iiosim_stat_u64 (src, "copies"), 0);
  mode = iiosim_stat_string (src, "io-mode");
  fail_unless_equals_string (mode, "dmabuf");
  g_free (mode);
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (src);
  gst_object_unref (sink);
  gst_object_unref (pipe);
}

GST_END_TEST;

/* Caps the DAC cannot play: upstream fails with "not negotiated", and the
 * sink has said before what the DAC plays and what was offered. */
GST_START_TEST (test_dac_names_its_layout)
{
  static const struct
  {
    const gchar *caps, *offered;
  } cases[] = {
    { "format=S32LE,channels=2", "S32LE" },
    { "format=S16LE,channels=6", "channels=(int)6" },
    { "format=F32LE,channels=2", "F32LE" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    gchar *desc = g_strdup_printf ("audiotestsrc num-buffers=10 ! "
                                   "audio/x-raw,%s,rate=48000 ! iiodmabufsink "
                                   "device=" DAC,
        cases[i].caps);

    /* the user text names what plays, the debug text what was offered */
    iiosim_expect_message (desc, GST_MESSAGE_WARNING, cases[i].offered,
        "The IIO device " DAC " plays audio/x-raw", "S16LE", NULL);
    g_free (desc);
  }
}

GST_END_TEST;

/* ... and a pipeline that converts on the way says nothing of the kind. */
GST_START_TEST (test_dac_converted_no_warning)
{
  GstElement *pipe;

  /* (a warning fails it) */
  pipe = iiosim_run_to_eos ("audiotestsrc num-buffers=20 ! audio/x-raw,"
                            "format=F32LE,channels=1,rate=44100 ! "
                            "audioconvert ! audioresample ! "
                            "iiodmabufsink device=" DAC,
      60 * GST_SECOND);
  gst_object_unref (pipe);
}

GST_END_TEST;

/* channels="" is documented as "every channel", as unset is. */
GST_START_TEST (test_empty_channels_means_all)
{
  gchar *path = tmp_path ("iio-all.raw");
  gchar *desc;

  iiosim_write (ADC, "sim_free_run", "1");
  iiosim_write (ADC, "sampling_frequency", "1000");
  desc = g_strdup_printf ("iiodmabufsrc name=src device=" ADC " channels=\"\" "
                          "samples-per-buffer=256 num-buffers=20 ! "
                          "filesink location=%s",
      path);
  capture_to_file (desc, path, 0, 20, 4);
  g_free (desc);
  g_free (path);
}

GST_END_TEST;

static void
setup (void)
{
  iiosim_reload (NULL);
}

/* Downstream asks again while the source streams: a RECONFIGURE sent
 * upstream after @at buffers makes the source negotiate its allocation
 * again. Before it, downstream offers @first (NULL: nothing), after it
 * @then. */
typedef struct
{
  Follow f;
  guint at;
  GstBufferPool *first, *then;
  GHashTable *then_inodes; /* the dma-bufs of @then */
  guint64 from_then;       /* buffers that came in one of them */
  guint queries;
} Reneg;

static GstPadProbeReturn
reneg_query (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  GstQuery *q = GST_PAD_PROBE_INFO_QUERY (info);
  Reneg *r = user_data;
  GstBufferPool *pool;
  GstStructure *config;
  GstCaps *caps;

  if (GST_QUERY_TYPE (q) != GST_QUERY_ALLOCATION)
    return GST_PAD_PROBE_OK;
  pool = r->queries++ == 0 ? r->first : r->then;
  if (!pool)
    return GST_PAD_PROBE_OK;
  gst_query_parse_allocation (q, &caps, NULL);
  config = gst_buffer_pool_get_config (pool);
  gst_buffer_pool_config_set_params (config, caps, 1024, 16, 0);
  fail_unless (gst_buffer_pool_set_config (pool, config));
  gst_query_add_allocation_pool (q, pool, 1024, 16, 0);
  return GST_PAD_PROBE_HANDLED;
}

static GstPadProbeReturn
reneg_buffer (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);
  Reneg *r = user_data;
  guint64 ino = iiosim_dmabuf_inode (buf);

  follow (&r->f, buf);
  if (r->then_inodes && g_hash_table_contains (r->then_inodes, &ino))
    r->from_then++;
  if (r->f.buffers == r->at)
    fail_unless (gst_pad_push_event (pad, gst_event_new_reconfigure ()));
  return GST_PAD_PROBE_OK;
}

/* Captures 300 buffers of 256 scans through a RECONFIGURE at buffer 100:
 * every sample arrives, in order, no error; returns the source's io-mode
 * at the end (g_free it). */
static gchar *
capture_through_reconfigure (const gchar *io_mode, Reneg *r)
{
  gchar *desc = g_strdup_printf (
      "iiodmabufsrc name=src device=" ADC " channels=voltage0,voltage1 "
      "sampling-frequency=48000 samples-per-buffer=256 n-buffers=16 "
      "io-mode=%s num-buffers=300 ! fakesink name=sink sync=false",
      io_mode);
  GstElement *pipe = gst_parse_launch (desc, NULL);
  GstElement *src = by_name (pipe, "src"), *sink = by_name (pipe, "sink");
  GstPad *pad = gst_element_get_static_pad (sink, "sink");
  gchar *mode;

  iiosim_write (ADC, "sim_free_run", "0");
  r->at = 100;
  gst_pad_add_probe (
      pad, GST_PAD_PROBE_TYPE_QUERY_DOWNSTREAM, reneg_query, r, NULL);
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, reneg_buffer, r, NULL);
  fail_unless (gst_element_set_state (pipe, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
  iiosim_wait_eos (pipe, 60 * GST_SECOND, desc);
  /* both allocation queries reached downstream */
  fail_unless (
      r->queries >= 2, "%s: %u allocation queries", io_mode, r->queries);
  fail_unless_equals_uint64 (r->f.buffers, 300);
  fail_unless (r->f.bad == 0,
      "%s: %" G_GUINT64_FORMAT " bad values, from buffer %" G_GINT64_FORMAT,
      io_mode, r->f.bad, r->f.first_bad);
  fail_unless_equals_uint64 (r->f.discont_after_first, 0);
  fail_unless_equals_uint64 (iiosim_stat_u64 (src, "samples-lost"), 0);
  mode = iiosim_stat_string (src, "io-mode");
  fail_unless_equals_int (
      gst_element_set_state (pipe, GST_STATE_NULL), GST_STATE_CHANGE_SUCCESS);
  gst_object_unref (pad);
  gst_object_unref (src);
  gst_object_unref (sink);
  gst_object_unref (pipe);
  g_free (desc);
  return mode;
}

/* Each io-mode streams on through a downstream that asks again with the
 * same answer (no pool: the source's own, or read()). */
GST_START_TEST (test_reconfigure_keeps_streaming)
{
  static const gchar *modes[][2] = {
    { "auto", "dmabuf" },
    { "dmabuf", "dmabuf" },
    { "rw", "rw" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (modes); i++) {
    Reneg r = { FOLLOW_INIT (2) };
    gchar *mode = capture_through_reconfigure (modes[i][0], &r);

    fail_unless_equals_string (mode, modes[i][1]);
    g_free (mode);
  }
}

GST_END_TEST;

/* Downstream offers a new pool mid-stream: the source captures into it from
 * then on, without a gap. In dmabuf-import, and in auto from downstream's
 * pool to its own when downstream stops offering one. */
GST_START_TEST (test_new_pool_mid_stream)
{
  GHashTable *inodes =
      g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  Reneg r = { FOLLOW_INIT (2) };
  gchar *mode;

  r.first = iiosim_heap_pool_new (NULL);
  r.then = iiosim_heap_pool_new (inodes);
  r.then_inodes = inodes;
  mode = capture_through_reconfigure ("dmabuf-import", &r);
  fail_unless_equals_string (mode, "dmabuf-import");
  /* from the new pool on (the blocks queued before it came from the
   * first) */
  fail_unless (r.from_then >= 150, "%" G_GUINT64_FORMAT " from the new pool",
      r.from_then);
  fail_unless (g_hash_table_size (inodes) > 0);
  g_free (mode);
  gst_object_unref (r.first);
  gst_object_unref (r.then);
  g_hash_table_unref (inodes);

  {
    Reneg r2 = { FOLLOW_INIT (2) };

    r2.first = iiosim_heap_pool_new (NULL);
    mode = capture_through_reconfigure ("auto", &r2);
    fail_unless_equals_string (mode, "dmabuf");
    g_free (mode);
    gst_object_unref (r2.first);
  }
}

GST_END_TEST;

static Suite *
iiopipelines_suite (void)
{
  Suite *s = suite_create ("iiopipelines");
  TCase *tc = tcase_create ("general");

  tcase_add_checked_fixture (tc, setup, NULL);
  tcase_add_test (tc, test_filesink_at_audio_rate);
  tcase_add_test (tc, test_wavenc_at_audio_rate);
  tcase_add_test (tc, test_filesink_small_blocks_full_speed);
  tcase_add_test (tc, test_appsink_holds_100);
  tcase_add_test (tc, test_muxer_like_window);
  tcase_add_test (tc, test_starved_pool_times_out);
  tcase_add_test (tc, test_starved_pool_recovers);
  tcase_add_test (tc, test_every_wait_times_out);
  tcase_add_test (tc, test_bad_heap_named);
  tcase_add_test (tc, test_bad_heap_auto_uses_udmabuf);
  tcase_add_test (tc, test_dac_names_its_layout);
  tcase_add_test (tc, test_dac_converted_no_warning);
  tcase_add_test (tc, test_empty_channels_means_all);
  tcase_add_test (tc, test_reconfigure_keeps_streaming);
  tcase_add_test (tc, test_new_pool_mid_stream);
  suite_add_tcase (s, tc);
  return s;
}

GST_CHECK_MAIN (iiopipelines);
