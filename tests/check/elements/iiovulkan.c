/* A GPU API takes the dma-bufs (test guest, Debian 13 root with Mesa's
 * lavapipe): examples/vulkan-checksum imports every buffer iiodmabufsrc
 * pushes as Vulkan memory and checksums it with a compute shader. Each
 * checksum must be the ADC pattern's over that buffer's samples, and the
 * Vulkan memory must be the dma-buf itself: a change made through the
 * dma-buf's own mapping is what the shader reads next, on the same import.
 *
 * The example's path comes in GIID_VK_CHECKSUM (meson).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gst/check/gstcheck.h>

#include "checksum.h"
#include "iiosim.h"

#include <stdio.h>
#include <string.h>

#define ADC "iio-sim-adc"
#define N_BUFFERS 64
#define SPB 1024

/* Runs the example on @pipeline (and --prove-aliasing); returns its
 * stdout, its stderr in @err_out, its exit status in @status. */
static gchar *
run_example (const gchar *pipeline, gchar **err_out, gint *status)
{
  const gchar *exe = g_getenv ("GIID_VK_CHECKSUM");
  gchar *argv[] = { (gchar *)exe, (gchar *)"--prove-aliasing",
    (gchar *)"--pipeline", (gchar *)pipeline, NULL };
  GError *err = NULL;
  gchar *out = NULL;

  fail_unless (exe != NULL, "GIID_VK_CHECKSUM is not set");
  fail_unless (g_spawn_sync (NULL, argv, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                   &out, err_out, status, &err),
      "cannot run %s: %s", exe, err ? err->message : "?");
  return out;
}

/* The checksum of @n samples of the ADC pattern from sample @first, on the
 * channels of scan index 0 and 1, 16 bits each: what the shader must find
 * in a buffer that holds them. */
static void
pattern_sums (guint64 first, guint n, guint32 *sum1, guint32 *sum2)
{
  guint8 *data = g_malloc (n * 4);

  iiosim_pattern_fill (data, first, n);
  vkc_checksum_cpu (data, n * 4, sum1, sum2);
  g_free (data);
}

/* Every buffer is imported and checksummed on the Vulkan device; the sums
 * are the pattern's for the samples the buffer holds (from its offset);
 * the first buffer's import aliases the dma-buf; the source's dma-bufs are
 * reused (imported once each), and the source copied nothing. The ADC is
 * paced at a rate the emulated device keeps up with, 4 s of samples queued;
 * should it fall behind all the same, the samples lost are the gaps between
 * the buffers' offsets, which the source counts. Its count is an estimate
 * from the clock, at least the samples lost and at most a tenth more
 * (+ 2; the iiopipelines suite holds it to that): after a gap, a buffer's
 * samples may start that much before its offset. */
GST_START_TEST (test_vulkan_imports_capture)
{
  gchar *pipeline = g_strdup_printf (
      "iiodmabufsrc name=src device=" ADC " io-mode=dmabuf "
      "channels=voltage0,voltage1 sampling-frequency=4000 n-buffers=16 "
      "samples-per-buffer=%u num-buffers=%u ! "
      "appsink name=sink max-buffers=2",
      SPB, N_BUFFERS);
  gchar *err_text = NULL, *out, **lines;
  guint n = 0, imports = G_MAXUINT, reported = G_MAXUINT;
  guint64 next = 0, gaps = 0, window = 0;
  gboolean aliasing = FALSE;
  GstStructure *stats = NULL;
  gint status;

  iiosim_write (ADC, "sim_free_run", "0");
  out = run_example (pipeline, &err_text, &status);
  fail_unless (g_spawn_check_wait_status (status, NULL),
      "the example failed:\n%s\n%s", err_text, out);
  GST_INFO ("example: %s%s", err_text, out);

  lines = g_strsplit (out, "\n", -1);
  for (gchar **l = lines; *l; l++) {
    guint idx;
    guint64 offset, bytes, inode;
    guint32 sum1, sum2, want1, want2;

    if (sscanf (*l,
            "buffer %u offset %" G_GUINT64_FORMAT " bytes %" G_GUINT64_FORMAT
            " inode %" G_GUINT64_FORMAT " sum1 %x sum2 %x",
            &idx, &offset, &bytes, &inode, &sum1, &sum2) == 6) {
      fail_unless_equals_int (idx, n);
      fail_unless (offset >= next,
          "buffer %u: offset %" G_GUINT64_FORMAT
          " goes back (next %" G_GUINT64_FORMAT ")",
          idx, offset, next);
      if (offset > next) {
        gaps += offset - next;
        window += (offset - next) / 10 + 2;
      }
      next = offset + SPB;
      /* the samples start at the offset, or up to the estimate's error
       * before it */
      for (guint64 e = 0; e <= MIN (window, offset); e++) {
        pattern_sums (offset - e, SPB, &want1, &want2);
        if (sum1 == want1 && sum2 == want2)
          break;
      }
      fail_unless (sum1 == want1 && sum2 == want2,
          "buffer %u: the shader's sums %08x %08x are no pattern's from "
          "sample %" G_GUINT64_FORMAT " back to %" G_GUINT64_FORMAT,
          idx, sum1, sum2, offset, offset - MIN (window, offset));
      n++;
    } else if (g_str_equal (*l, "aliasing ok")) {
      aliasing = TRUE;
    } else if (g_str_has_prefix (*l, "buffers ")) {
      fail_unless (
          sscanf (*l, "buffers %u imports %u", &reported, &imports) == 2);
    } else if (g_str_has_prefix (*l, "src stats ")) {
      stats = gst_structure_from_string (*l + strlen ("src stats "), NULL);
    }
  }
  g_strfreev (lines);

  fail_unless_equals_int (n, N_BUFFERS);
  fail_unless_equals_int (reported, N_BUFFERS);
  fail_unless (aliasing, "no aliasing proof in:\n%s", out);
  /* held back by appsink, the source cycles its few dma-bufs */
  fail_unless (imports >= 1 && imports < N_BUFFERS / 2,
      "%u imports for %u buffers", imports, N_BUFFERS);
  fail_unless (stats != NULL, "no source stats in:\n%s", out);
  {
    guint64 copies = G_MAXUINT64, lost = G_MAXUINT64;

    fail_unless (gst_structure_get_uint64 (stats, "copies", &copies));
    fail_unless (gst_structure_get_uint64 (stats, "samples-lost", &lost));
    fail_unless_equals_uint64 (copies, 0);
    fail_unless_equals_uint64 (lost, gaps);
  }
  GST_INFO ("%u buffers checksummed on the Vulkan device, %u imports, "
            "%" G_GUINT64_FORMAT " samples lost",
      n, imports, gaps);

  gst_structure_free (stats);
  g_free (out);
  g_free (err_text);
  g_free (pipeline);
}

GST_END_TEST;

/* Memory that is no dma-buf (the source's read() mode) is refused with a
 * message, not imported some other way. */
GST_START_TEST (test_vulkan_refuses_system_memory)
{
  gchar *err_text = NULL, *out;
  gint status;

  iiosim_write (ADC, "sim_free_run", "1");
  out = run_example ("iiodmabufsrc device=" ADC " io-mode=rw "
                     "channels=voltage0,voltage1 num-buffers=4 ! "
                     "appsink name=sink",
      &err_text, &status);
  fail_if (g_spawn_check_wait_status (status, NULL),
      "the example took system memory:\n%s", out);
  fail_unless (strstr (err_text, "buffer 0 is no dma-buf") != NULL,
      "the example said:\n%s", err_text);
  g_free (out);
  g_free (err_text);
}

GST_END_TEST;

static Suite *
iiovulkan_suite (void)
{
  Suite *s = suite_create ("iiovulkan");
  TCase *tc = tcase_create ("lavapipe");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_vulkan_imports_capture);
  tcase_add_test (tc, test_vulkan_refuses_system_memory);
  return s;
}

GST_CHECK_MAIN (iiovulkan);
