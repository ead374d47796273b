/* iio-vk-checksum: imports the dma-bufs an appsink pulls as Vulkan memory,
 * with no copy, and checksums each with a compute shader (checksum.comp).
 *
 *   iio-vk-checksum [--pipeline DESC] [--prove-aliasing]
 *
 * One line per buffer on stdout:
 *   buffer 0 offset 0 bytes 4096 inode 1234 sum1 0123abcd sum2 89abcdef
 * and at the end: buffers 64 imports 4, and the statistics of the
 * pipeline's element named "src" if it has any (iiodmabufsrc's "stats":
 * copies, samples lost).
 *
 * appsink's max-buffers holds the source back while the device works: the
 * source's pool then cycles a handful of dma-bufs, each imported once. An
 * unbounded appsink lets the source run ahead and allocate new ones.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "checksum.h"
#include "vkc-device.h"

#include <gst/gst.h>
#include <gst/allocators/gstdmabuf.h>
#include <gst/app/gstappsink.h>
#include <vulkan/vulkan.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/dma-buf.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEFAULT_PIPELINE                                                       \
  "iiodmabufsrc device=iio-sim-adc channels=voltage0,voltage1 "                \
  "samples-per-buffer=1024 num-buffers=64 ! appsink name=sink max-buffers=2"

static gboolean
dmabuf_sync (gint fd, guint64 flags)
{
  struct dma_buf_sync sync = { .flags = flags };

  while (ioctl (fd, DMA_BUF_IOCTL_SYNC, &sync) < 0) {
    gint err = errno;

    if (err == EINTR || err == EAGAIN)
      continue;
    g_printerr ("iio-vk-checksum: DMA_BUF_IOCTL_SYNC 0x%" G_GINT64_MODIFIER
                "x on dma-buf fd %d: %s\n",
        flags, fd, g_strerror (err));
    return FALSE;
  }
  return TRUE;
}

/* Flips every bit of *@word, in dma-buf @fd's mapping. A read-modify-write:
 * the bracket has READ as well as WRITE, so that the CPU reads what the
 * device wrote. */
static gboolean
flip_word (gint fd, guint32 *word)
{
  if (!dmabuf_sync (fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW))
    return FALSE;
  *word = ~*word;
  return dmabuf_sync (fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW);
}

static gboolean
checksum_mapped (
    gint fd, const guint8 *data, gsize size, guint32 *sum1, guint32 *sum2)
{
  if (!dmabuf_sync (fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ))
    return FALSE;
  vkc_checksum_cpu (data, size, sum1, sum2);
  return dmabuf_sync (fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ);
}

/* Proves that the Vulkan memory of @imp is the dma-buf itself, not a copy
 * taken at the import: the CPU flips the first word of the buffer through
 * its own mapping of the dma-buf, and the shader, run again on the same
 * import, must read the new word; once the word is back, the first sums.
 * @sum1 and @sum2 are the shader's sums of the buffer before. */
static gboolean
prove_aliasing (Vkc *vk, VkcImport *imp, gint fd, gsize offset, gsize size,
    guint32 sum1, guint32 sum2)
{
  const guint32 first_word = offset / 4, n_words = size / 4;
  guint32 cpu1, cpu2, gpu1, gpu2;
  gboolean flipped = FALSE, ok = FALSE;
  guint32 *word;
  guint8 *map;

  if (n_words == 0) {
    g_printerr ("iio-vk-checksum: aliasing: the first buffer is empty\n");
    return FALSE;
  }
  map =
      mmap (NULL, imp->dmabuf_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (map == MAP_FAILED) {
    gint err = errno;

    g_printerr ("iio-vk-checksum: aliasing: mmap of dma-buf fd %d: %s\n", fd,
        g_strerror (err));
    return FALSE;
  }
  word = (guint32 *)(map + offset);

  /* What the CPU reads must already be what the shader summed. */
  if (!checksum_mapped (fd, map + offset, size, &cpu1, &cpu2))
    goto out;
  if (cpu1 != sum1 || cpu2 != sum2) {
    g_printerr ("iio-vk-checksum: aliasing: the shader's sums %08x %08x "
                "differ from the CPU's %08x %08x over the same bytes\n",
        sum1, sum2, cpu1, cpu2);
    goto out;
  }

  if (!flip_word (fd, word))
    goto out;
  flipped = TRUE;
  if (!checksum_mapped (fd, map + offset, size, &cpu1, &cpu2))
    goto out;
  if (!vkc_checksum (vk, imp, first_word, n_words, &gpu1, &gpu2))
    goto out;
  if (gpu1 != cpu1 || gpu2 != cpu2 || (gpu1 == sum1 && gpu2 == sum2)) {
    g_printerr ("iio-vk-checksum: aliasing: with the first word flipped by "
                "the CPU, the shader read sums %08x %08x from the same "
                "import, the CPU %08x %08x (before the flip: %08x %08x)\n",
        gpu1, gpu2, cpu1, cpu2, sum1, sum2);
    goto out;
  }

  flipped = FALSE;
  if (!flip_word (fd, word))
    goto out;
  if (!vkc_checksum (vk, imp, first_word, n_words, &gpu1, &gpu2))
    goto out;
  if (gpu1 != sum1 || gpu2 != sum2) {
    g_printerr ("iio-vk-checksum: aliasing: with the first word restored, "
                "the shader read sums %08x %08x, not the first ones %08x "
                "%08x\n",
        gpu1, gpu2, sum1, sum2);
    goto out;
  }
  ok = TRUE;

out:
  /* Leave the samples as the ADC wrote them. */
  if (flipped)
    flip_word (fd, word);
  munmap (map, imp->dmabuf_size);
  return ok;
}

/* Checksums buffer number @num (from 0) on the device and prints its
 * line. */
static gboolean
checksum_buffer (Vkc *vk, GstBuffer *buf, guint num, gboolean prove)
{
  GstMemory *mem;
  VkcImport *imp;
  struct stat st;
  guint32 sum1, sum2;
  gsize offset, size;
  gint fd;

  if (gst_buffer_n_memory (buf) != 1) {
    g_printerr ("iio-vk-checksum: buffer %u has %u memories: the example "
                "takes one dma-buf per buffer, as iiodmabufsrc pushes\n",
        num, gst_buffer_n_memory (buf));
    return FALSE;
  }
  mem = gst_buffer_peek_memory (buf, 0);
  if (!gst_is_dmabuf_memory (mem)) {
    g_printerr ("iio-vk-checksum: buffer %u is no dma-buf (its memory is "
                "\"%s\"): the example imports dma-bufs, as iiodmabufsrc "
                "pushes\n",
        num, mem->allocator ? mem->allocator->mem_type : "unknown");
    return FALSE;
  }
  fd = gst_dmabuf_memory_get_fd (mem);
  size = gst_memory_get_sizes (mem, &offset, NULL);
  if (offset % 4 != 0 || size % 4 != 0) {
    g_printerr ("iio-vk-checksum: buffer %u: offset %" G_GSIZE_FORMAT
                " and size %" G_GSIZE_FORMAT " must be multiples of 4 bytes "
                "(the shader reads 32-bit words)\n",
        num, offset, size);
    return FALSE;
  }
  if (fstat (fd, &st) < 0) {
    gint err = errno;

    g_printerr (
        "iio-vk-checksum: fstat of dma-buf fd %d: %s\n", fd, g_strerror (err));
    return FALSE;
  }

  imp = vkc_import_get (vk, fd, st.st_ino);
  if (!imp)
    return FALSE;
  if (offset + size > imp->dmabuf_size) {
    g_printerr ("iio-vk-checksum: buffer %u: bytes %" G_GSIZE_FORMAT
                " to %" G_GSIZE_FORMAT
                " lie past the dma-buf's end (%" G_GUINT64_FORMAT " bytes)\n",
        num, offset, offset + size, (guint64)imp->dmabuf_size);
    return FALSE;
  }
  if (!vkc_checksum (vk, imp, offset / 4, size / 4, &sum1, &sum2))
    return FALSE;

  g_print ("buffer %u offset %" G_GUINT64_FORMAT " bytes %" G_GSIZE_FORMAT
           " inode %" G_GUINT64_FORMAT " sum1 %08x sum2 %08x\n",
      num, GST_BUFFER_OFFSET (buf), size, (guint64)st.st_ino, sum1, sum2);

  if (prove && num == 0) {
    if (!prove_aliasing (vk, imp, fd, offset, size, sum1, sum2))
      return FALSE;
    g_print ("aliasing ok\n");
  }
  return TRUE;
}

/* Prints the pipeline's first error, if it posted one: both its texts. */
static gboolean
pipeline_failed (GstElement *pipeline)
{
  GstBus *bus = gst_element_get_bus (pipeline);
  GstMessage *msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  GError *err = NULL;
  gchar *debug = NULL;

  gst_object_unref (bus);
  if (!msg)
    return FALSE;
  gst_message_parse_error (msg, &err, &debug);
  g_printerr ("iio-vk-checksum: error from %s: %s\n%s\n",
      GST_OBJECT_NAME (GST_MESSAGE_SRC (msg)), err->message,
      debug ? debug : "(no debug text)");
  g_error_free (err);
  g_free (debug);
  gst_message_unref (msg);
  return TRUE;
}

/* Pulls and checksums samples until the end of the stream; FALSE on an
 * error, reported. */
static gboolean
run (Vkc *vk, GstElement *pipeline, GstAppSink *sink, gboolean prove,
    guint *n_buffers)
{
  if (gst_element_set_state (pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE) {
    if (!pipeline_failed (pipeline))
      g_printerr ("iio-vk-checksum: the pipeline did not start\n");
    return FALSE;
  }

  /* A source that fails posts an error but may never send EOS: wait for
   * samples in slices and look at the bus in between. */
  for (;;) {
    GstSample *sample;
    gboolean ok;

    if (pipeline_failed (pipeline))
      return FALSE;
    sample = gst_app_sink_try_pull_sample (sink, 100 * GST_MSECOND);
    if (!sample) {
      if (gst_app_sink_is_eos (sink))
        break;
      continue;
    }
    ok =
        checksum_buffer (vk, gst_sample_get_buffer (sample), *n_buffers, prove);
    gst_sample_unref (sample);
    if (!ok)
      return FALSE;
    (*n_buffers)++;
  }
  return !pipeline_failed (pipeline);
}

int
main (int argc, char **argv)
{
  gchar *desc = NULL;
  gboolean prove = FALSE;
  GOptionEntry entries[] = {
    { "pipeline", 0, 0, G_OPTION_ARG_STRING, &desc,
        "The pipeline, with an appsink named sink (default: " DEFAULT_PIPELINE
        ")",
        "DESC" },
    { "prove-aliasing", 0, 0, G_OPTION_ARG_NONE, &prove,
        "On the first buffer, change a word through the CPU and check that "
        "the shader sees it on the same import",
        NULL },
    { NULL },
  };
  GOptionContext *ctx;
  GError *err = NULL;
  GstElement *pipeline = NULL, *sink = NULL;
  Vkc vk = { 0 };
  guint n_buffers = 0;
  gboolean ok = FALSE;

  ctx = g_option_context_new ("- checksum the dma-bufs of a capture on a "
                              "Vulkan device, imported with no copy");
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_add_group (ctx, gst_init_get_option_group ());
  if (!g_option_context_parse (ctx, &argc, &argv, &err)) {
    g_printerr ("iio-vk-checksum: %s\n", err->message);
    g_error_free (err);
    g_option_context_free (ctx);
    return 1;
  }
  g_option_context_free (ctx);

  if (!vkc_init (&vk))
    goto out;

  pipeline = gst_parse_launch_full (
      desc ? desc : DEFAULT_PIPELINE, NULL, GST_PARSE_FLAG_FATAL_ERRORS, &err);
  if (!pipeline) {
    g_printerr ("iio-vk-checksum: pipeline \"%s\": %s\n",
        desc ? desc : DEFAULT_PIPELINE, err->message);
    g_error_free (err);
    goto out;
  }
  if (GST_IS_BIN (pipeline))
    sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  if (!sink || !GST_IS_APP_SINK (sink)) {
    g_printerr ("iio-vk-checksum: the pipeline has no appsink named "
                "\"sink\"\n");
    goto out;
  }

  ok = run (&vk, pipeline, GST_APP_SINK (sink), prove, &n_buffers);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  if (ok) {
    GstElement *src = gst_bin_get_by_name (GST_BIN (pipeline), "src");

    g_print ("buffers %u imports %u\n", n_buffers, vk.n_imports);
    if (src &&
        g_object_class_find_property (G_OBJECT_GET_CLASS (src), "stats")) {
      GstStructure *stats = NULL;
      gchar *text;

      g_object_get (src, "stats", &stats, NULL);
      text = stats ? gst_structure_to_string (stats) : g_strdup ("none");
      g_print ("src stats %s\n", text);
      g_free (text);
      if (stats)
        gst_structure_free (stats);
    }
    if (src)
      gst_object_unref (src);
  }

out:
  if (sink)
    gst_object_unref (sink);
  if (pipeline)
    gst_object_unref (pipeline);
  /* After the pipeline: the samples are gone, the dma-bufs back in the
   * source's pool, and the imports let go of them. */
  vkc_clear (&vk);
  g_free (desc);
  gst_deinit ();
  return ok ? 0 : 1;
}
