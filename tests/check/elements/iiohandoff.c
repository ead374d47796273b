/* Handing the elements' dma-bufs and samples on, against the real kernel
 * (test guest). vgem, the kernel's virtual GEM driver, stands for a GPU or
 * any second device: it imports what iiodmabufsrc pushes (a PRIME import:
 * the dma-buf attached to a second device, no copy), and its fences order
 * what iiodmabufsink plays. And the samples cross the network as RTP.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/allocators/allocators.h>

#include "iiosim.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/dma-buf.h>
#include <linux/types.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define ADC "iio-sim-adc"
#define DAC "iio-sim-dac"

/* The DRM and vgem uapi this suite uses (include/uapi/drm/drm.h and
 * vgem_drm.h): Debian 12 installs those headers only with libdrm. */
struct giid_drm_version
{
  int version_major;
  int version_minor;
  int version_patchlevel;
  size_t name_len;
  char *name;
  size_t date_len;
  char *date;
  size_t desc_len;
  char *desc;
};

struct giid_drm_prime_handle
{
  __u32 handle;
  __u32 flags;
  __s32 fd;
};

struct giid_drm_gem_close
{
  __u32 handle;
  __u32 pad;
};

struct giid_vgem_fence_attach
{
  __u32 handle;
  __u32 flags;
  __u32 out_fence;
  __u32 pad;
};

struct giid_vgem_fence_signal
{
  __u32 fence;
  __u32 flags;
};

#define GIID_DRM_IOCTL_VERSION _IOWR ('d', 0x00, struct giid_drm_version)
#define GIID_DRM_IOCTL_GEM_CLOSE _IOW ('d', 0x09, struct giid_drm_gem_close)
#define GIID_DRM_IOCTL_PRIME_HANDLE_TO_FD                                      \
  _IOWR ('d', 0x2d, struct giid_drm_prime_handle)
#define GIID_DRM_IOCTL_PRIME_FD_TO_HANDLE                                      \
  _IOWR ('d', 0x2e, struct giid_drm_prime_handle)
/* DRM_COMMAND_BASE (0x40) + DRM_VGEM_FENCE_ATTACH / _SIGNAL */
#define GIID_VGEM_IOCTL_FENCE_ATTACH                                           \
  _IOWR ('d', 0x41, struct giid_vgem_fence_attach)
#define GIID_VGEM_IOCTL_FENCE_SIGNAL                                           \
  _IOW ('d', 0x42, struct giid_vgem_fence_signal)
#define GIID_VGEM_FENCE_WRITE 0x1

/* The vgem device's node, opened; fails the test when there is none. */
static int
vgem_open (void)
{
  for (guint i = 0; i < 8; i++) {
    gchar *path = g_strdup_printf ("/dev/dri/card%u", i);
    int fd = open (path, O_RDWR | O_CLOEXEC);
    char name[32] = "";
    struct giid_drm_version v = { 0 };

    g_free (path);
    if (fd < 0)
      continue;
    v.name = name;
    v.name_len = sizeof (name) - 1;
    if (ioctl (fd, GIID_DRM_IOCTL_VERSION, &v) == 0 &&
        g_str_equal (name, "vgem"))
      return fd;
    close (fd);
  }
  fail ("no vgem device in /dev/dri (the guest kernel needs CONFIG_DRM_VGEM)");
  return -1;
}

/* Imports the dma-buf of @fd into vgem: its GEM handle in @handle, 0, or
 * errno (no check assertion: usable off the test's thread). */
static int
vgem_try_import (int vgem, int fd, guint32 *handle)
{
  struct giid_drm_prime_handle p = { .fd = fd };

  if (ioctl (vgem, GIID_DRM_IOCTL_PRIME_FD_TO_HANDLE, &p) < 0)
    return errno;
  *handle = p.handle;
  return 0;
}

/* The dma-buf of @fd imported by vgem: its GEM handle. */
static guint32
vgem_import (int vgem, int fd)
{
  guint32 handle = 0;
  int err = vgem_try_import (vgem, fd, &handle);

  fail_unless (err == 0, "vgem import: %s", g_strerror (err));
  return handle;
}

static void
vgem_close (int vgem, guint32 handle)
{
  struct giid_drm_gem_close c = { .handle = handle };

  fail_unless (ioctl (vgem, GIID_DRM_IOCTL_GEM_CLOSE, &c) == 0);
}

static guint64
fd_inode (int fd)
{
  struct stat st;

  fail_unless (fstat (fd, &st) == 0);
  return st.st_ino;
}

/* The devices attached to the dma-buf of inode @ino, from the kernel's
 * dma-buf debugfs listing ("Attached Devices:" under its line); NULL when
 * the listing has no such dma-buf. */
static gchar **
dmabuf_attached_devices (guint64 ino)
{
  gchar *text = NULL;
  gchar **lines, **l;
  GPtrArray *devs = NULL;

  fail_unless (g_file_get_contents (
                   "/sys/kernel/debug/dma_buf/bufinfo", &text, NULL, NULL),
      "cannot read /sys/kernel/debug/dma_buf/bufinfo");
  lines = g_strsplit (text, "\n", -1);
  for (l = lines; *l && !devs; l++) {
    gchar **f = g_strsplit (*l, "\t", -1);

    /* size, flags, mode, count, exporter, inode, name */
    if (g_strv_length (f) >= 7 && g_ascii_isdigit (f[5][0]) &&
        g_ascii_strtoull (f[5], NULL, 10) == ino) {
      devs = g_ptr_array_new ();
      while (l[1] && !g_str_has_prefix (l[1], "\tAttached Devices:"))
        l++;
      for (l += 2; l[-1] && *l && (*l)[0] == '\t'; l++)
        g_ptr_array_add (devs, g_strdup (*l + 1));
      l--;
    }
    g_strfreev (f);
  }
  g_strfreev (lines);
  g_free (text);
  if (!devs)
    return NULL;
  g_ptr_array_add (devs, NULL);
  return (gchar **)g_ptr_array_free (devs, FALSE);
}

/* Every buffer iiodmabufsrc pushes is imported by vgem: the handle exports
 * back the very dma-buf (same inode), which the kernel lists as attached to
 * vgem and to the IIO side at once; mapped from that export, it holds the
 * ADC's pattern; the source copied nothing. */
GST_START_TEST (test_vgem_imports_capture)
{
  static const guint idx[2] = { 0, 1 };
  const guint n = 32, spb = 1024;
  GstHarness *h;
  GstElement *src;
  int vgem = vgem_open ();
  guint64 next = 0, bad = 0;

  iiosim_write (ADC, "sim_free_run", "1");
  iiosim_write (ADC, "sampling_frequency", "1000");
  h = gst_harness_new_parse (
      "iiodmabufsrc device=" ADC " io-mode=dmabuf channels=voltage0,voltage1 "
      "samples-per-buffer=1024 num-buffers=32");
  gst_harness_set_blocking_push_mode (h);
  gst_harness_use_systemclock (h);
  gst_harness_play (h);
  src = gst_harness_find_element (h, "iiodmabufsrc");

  for (guint i = 0; i < n; i++) {
    GstBuffer *buf = gst_harness_pull (h);
    GstMemory *mem;
    struct giid_drm_prime_handle back = { 0 };
    struct dma_buf_sync sync = { 0 };
    gchar **devs;
    guint8 *data;
    gsize offset, size;
    int fd;

    fail_unless (buf != NULL, "no buffer %u", i);
    fail_unless_equals_int (gst_buffer_n_memory (buf), 1);
    mem = gst_buffer_peek_memory (buf, 0);
    fail_unless (gst_is_dmabuf_memory (mem), "buffer %u is no dma-buf", i);
    fd = gst_dmabuf_memory_get_fd (mem);
    size = gst_memory_get_sizes (mem, &offset, NULL);
    fail_unless_equals_uint64 (size, (guint64)spb * 4);

    back.handle = vgem_import (vgem, fd);
    back.flags = O_CLOEXEC;
    fail_unless (ioctl (vgem, GIID_DRM_IOCTL_PRIME_HANDLE_TO_FD, &back) == 0,
        "vgem export: %s", g_strerror (errno));
    fail_unless_equals_uint64 (fd_inode (back.fd), fd_inode (fd));

    devs = dmabuf_attached_devices (fd_inode (fd));
    fail_unless (devs != NULL, "dma-buf %" G_GUINT64_FORMAT " not listed",
        fd_inode (fd));
    fail_unless (g_strv_contains ((const gchar *const *)devs, "vgem"),
        "vgem is not attached to buffer %u's dma-buf", i);
    fail_unless (g_strv_length (devs) >= 2,
        "only vgem is attached to buffer %u's dma-buf: the IIO side is not", i);
    if (i == 0) {
      gchar *all = g_strjoinv (", ", devs);

      GST_INFO (
          "dma-buf %" G_GUINT64_FORMAT " attached to: %s", fd_inode (fd), all);
      g_free (all);
    }
    g_strfreev (devs);

    data = mmap (NULL, offset + size, PROT_READ, MAP_SHARED, back.fd, 0);
    fail_unless (data != MAP_FAILED, "mmap: %s", g_strerror (errno));
    sync.flags = DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ;
    fail_unless (ioctl (back.fd, DMA_BUF_IOCTL_SYNC, &sync) == 0);
    bad += iiosim_check_pattern (data + offset, size, 2, 2, idx, next);
    sync.flags = DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ;
    fail_unless (ioctl (back.fd, DMA_BUF_IOCTL_SYNC, &sync) == 0);
    munmap (data, offset + size);
    close (back.fd);
    vgem_close (vgem, back.handle);
    fail_unless_equals_uint64 (GST_BUFFER_OFFSET (buf), next);
    next += spb;
    gst_buffer_unref (buf);
  }
  fail_unless_equals_uint64 (bad, 0);
  fail_unless_equals_uint64 (iiosim_stat_u64 (src, "copies"), 0);
  gst_object_unref (src);
  gst_harness_teardown (h);
  close (vgem);
}

GST_END_TEST;

/* A second device's write fence on a dma-buf holds the DAC: the ADC's
 * dma-bufs go to the DAC, vgem fences one of them on its way, and the DAC
 * plays nothing from that block on until vgem signals the fence; then
 * everything plays, in order, with no copy. */
typedef struct
{
  int vgem;
  guint n;      /* buffers seen by the sink */
  guint fenced; /* the buffer that gets the fence */
  guint32 handle;
  guint32 fence;
  GThread *signaller;
  guint64 blocks_while_fenced;
  gchar *error; /* what went wrong off the test's thread */
} FenceTest;

/* Runs off the test's thread, where a check failure would not end the
 * test cleanly: it records what failed, and always signals the fence. */
static gpointer
signal_later (gpointer user_data)
{
  FenceTest *t = user_data;
  struct giid_vgem_fence_signal s = { .fence = t->fence };
  gchar *dir = iiosim_device_dir (DAC);
  gchar *path = g_build_filename (dir, "sim_blocks", NULL);
  gchar *text = NULL;

  /* time enough for the DAC to play the fenced block, were it not held */
  g_usleep (500 * 1000);
  if (g_file_get_contents (path, &text, NULL, NULL))
    t->blocks_while_fenced = g_ascii_strtoull (text, NULL, 10);
  else
    t->error = g_strdup_printf ("cannot read %s", path);
  if (ioctl (t->vgem, GIID_VGEM_IOCTL_FENCE_SIGNAL, &s) < 0 && !t->error)
    t->error = g_strdup_printf ("vgem signal: %s", g_strerror (errno));
  g_free (text);
  g_free (path);
  g_free (dir);
  return NULL;
}

static GstPadProbeReturn
fence_one (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  FenceTest *t = user_data;
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);
  GstMemory *mem = gst_buffer_peek_memory (buf, 0);
  struct giid_vgem_fence_attach a = { 0 };
  int err;

  if (t->n++ != t->fenced)
    return GST_PAD_PROBE_OK;
  if (!gst_is_dmabuf_memory (mem)) {
    t->error = g_strdup ("the fenced buffer is no dma-buf");
    return GST_PAD_PROBE_OK;
  }
  err = vgem_try_import (t->vgem, gst_dmabuf_memory_get_fd (mem), &t->handle);
  if (err) {
    t->error = g_strdup_printf ("vgem import: %s", g_strerror (err));
    return GST_PAD_PROBE_OK;
  }
  a.handle = t->handle;
  a.flags = GIID_VGEM_FENCE_WRITE;
  if (ioctl (t->vgem, GIID_VGEM_IOCTL_FENCE_ATTACH, &a) < 0) {
    t->error = g_strdup_printf ("vgem fence: %s", g_strerror (errno));
    return GST_PAD_PROBE_OK;
  }
  t->fence = a.out_fence;
  t->signaller = g_thread_new ("signal", signal_later, t);
  return GST_PAD_PROBE_OK;
}

GST_START_TEST (test_vgem_fence_holds_dac)
{
  const guint n = 64;
  GstElement *pipe = gst_parse_launch (
      "iiodmabufsrc name=src device=" ADC " channels=voltage0,voltage1 "
      "samples-per-buffer=256 num-buffers=64 ! "
      "iiodmabufsink name=sink device=" DAC,
      NULL);
  GstElement *src = gst_bin_get_by_name (GST_BIN (pipe), "src");
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipe), "sink");
  GstPad *pad = gst_element_get_static_pad (sink, "sink");
  FenceTest t = { .vgem = vgem_open (), .fenced = 10 };

  iiosim_write (ADC, "sim_free_run", "1");
  iiosim_write (ADC, "sampling_frequency", "1000");
  iiosim_write (DAC, "sim_free_run", "1");
  iiosim_write (DAC, "sim_reset", "1");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, fence_one, &t, NULL);
  fail_if (gst_element_set_state (pipe, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  /* The DAC runs freely: held by the fence, it plays every block queued
   * before the fenced one and runs dry, which the sink reports. */
  fail_unless (iiosim_wait_eos_counting_underruns (
                   pipe, 120 * GST_SECOND, "ADC -> fenced -> DAC") > 0,
      "no underrun while the DAC was held");
  if (t.signaller)
    g_thread_join (t.signaller);
  fail_unless (t.error == NULL, "%s", t.error);
  fail_unless (t.signaller != NULL, "the fenced buffer never came");

  /* the blocks before the fenced one, at most: none from it on */
  GST_INFO (
      "DAC blocks while fenced: %" G_GUINT64_FORMAT, t.blocks_while_fenced);
  fail_unless (t.blocks_while_fenced <= t.fenced,
      "the DAC played %" G_GUINT64_FORMAT " blocks while block %u was fenced",
      t.blocks_while_fenced, t.fenced);
  fail_unless (t.blocks_while_fenced > 0, "the DAC played nothing at all");
  fail_unless_equals_uint64 (iiosim_read_u64 (DAC, "sim_bytes"), n * 256 * 4);
  fail_unless (
      iiosim_read_u64 (DAC, "sim_checksum") == iiosim_pattern_fnv (n * 256),
      "the DAC did not play the ADC's samples in order");
  fail_unless_equals_uint64 (iiosim_stat_u64 (src, "copies"), 0);
  fail_unless_equals_uint64 (iiosim_stat_u64 (sink, "copies"), 0);
  gst_element_set_state (pipe, GST_STATE_NULL);
  if (t.handle)
    vgem_close (t.vgem, t.handle);
  close (t.vgem);
  gst_object_unref (pad);
  gst_object_unref (src);
  gst_object_unref (sink);
  gst_object_unref (pipe);
}

GST_END_TEST;

/* A 32-bit sample as it comes back from an L24 link: audioconvert (no
 * dither) rounds it to the nearest multiple of 256, clamped. */
static guint32
l24_rounded (guint32 v)
{
  gint64 r = (gint64)(gint32)v + 0x80;

  return (guint32)(gint32)MIN (r, G_MAXINT32) & 0xffffff00;
}

/* The FNV-1a of @n scans of the ADC pattern on channels 0 and 1 as 32-bit
 * samples, as an L24 link delivers them. */
static guint64
pattern_fnv_l24 (guint64 n)
{
  guint64 hash = IIOSIM_FNV_OFFSET;
  guint8 scan[8];

  for (guint64 s = 0; s < n; s++) {
    GST_WRITE_UINT32_LE (scan, l24_rounded ((guint32)s));
    GST_WRITE_UINT32_LE (
        scan + 4, l24_rounded ((guint32)(s + IIOSIM_CHANNEL_STEP)));
    hash = iiosim_fnv1a (hash, scan, sizeof (scan));
  }
  return hash;
}

/* The samples over the network: ADC -> iiodmabufsrc ! rtpL@bitspay !
 * udpsink on loopback, udpsrc ! rtpL@bitsdepay ! iiodmabufsink -> DAC, at
 * the ADC's own pace (48 kHz, 2 channels of @bytes bytes). The DAC plays
 * exactly the ADC's samples, in order (its checksum; over L24 the 32-bit
 * samples are rounded to 24 bits), then at most the silence that completes
 * its last block. */
static void
rtp_loopback (guint bits, guint bytes)
{
  const guint n = 100, spb = 480, scan = 2 * bytes;
  gchar *rx_desc = g_strdup_printf (
      "udpsrc port=50004 caps=\"application/x-rtp,media=audio,"
      "clock-rate=48000,encoding-name=L%u,channels=2,payload=96\" ! "
      "rtpL%udepay ! audioconvert ! iiodmabufsink name=sink device=" DAC
      " sync=false",
      bits, bits);
  /* no dither: the bits an L24 link drops are dropped, not randomised */
  gchar *tx_desc = g_strdup_printf (
      "iiodmabufsrc name=src device=" ADC " channels=voltage0,voltage1 "
      "sampling-frequency=48000 samples-per-buffer=480 num-buffers=100 ! "
      "audioconvert dithering=none noise-shaping=none ! rtpL%upay ! "
      "udpsink host=127.0.0.1 port=50004",
      bits);
  GstElement *rx = gst_parse_launch (rx_desc, NULL);
  GstElement *tx = gst_parse_launch (tx_desc, NULL);
  GstElement *src = gst_bin_get_by_name (GST_BIN (tx), "src");
  guint64 want = (guint64)n * spb * scan, played;
  gint64 deadline;
  guint underruns;

  fail_unless (rx != NULL && tx != NULL, "%s / %s", rx_desc, tx_desc);
  iiosim_write (ADC, "sim_free_run", "0");
  iiosim_write (DAC, "sim_free_run", "1");
  iiosim_write (DAC, "sim_reset", "1");
  fail_if (gst_element_set_state (rx, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  fail_if (gst_element_set_state (tx, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  iiosim_wait_eos (tx, 60 * GST_SECOND, "the RTP sender");
  fail_unless_equals_uint64 (iiosim_stat_u64 (src, "samples-lost"), 0);

  /* UDP has no end of stream: once the DAC has it all, end the receiver. */
  deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  while (iiosim_read_u64 (DAC, "sim_bytes") < want &&
      g_get_monotonic_time () < deadline)
    g_usleep (20 * 1000);
  gst_element_send_event (rx, gst_event_new_eos ());
  /* The DAC runs freely, faster than the samples come: it runs dry
   * between packets, which the sink reports (and which adds nothing to
   * what it plays). */
  underruns = iiosim_wait_eos_counting_underruns (
      rx, 30 * GST_SECOND, "the RTP receiver");

  played = iiosim_check_dac_played (want,
      bits == 16 ? iiosim_pattern_fnv ((guint64)n * spb)
                 : pattern_fnv_l24 ((guint64)n * spb));
  GST_INFO ("RTP L%u: %" G_GUINT64_FORMAT " bytes sent, %" G_GUINT64_FORMAT
            " played, %u underrun warnings",
      bits, want, played, underruns);
  gst_element_set_state (tx, GST_STATE_NULL);
  gst_element_set_state (rx, GST_STATE_NULL);
  gst_object_unref (src);
  gst_object_unref (tx);
  gst_object_unref (rx);
  g_free (rx_desc);
  g_free (tx_desc);
}

GST_START_TEST (test_rtp_l16_loopback)
{
  rtp_loopback (16, 2);
}

GST_END_TEST;

/* 32-bit converters over L24 (RFC 3190): each sample rounded to 24 bits. */
GST_START_TEST (test_rtp_l24_loopback)
{
  iiosim_reload ("adc_bits=32 dac_bits=32");
  rtp_loopback (24, 4);
  iiosim_reload (NULL);
}

GST_END_TEST;

static Suite *
iiohandoff_suite (void)
{
  Suite *s = suite_create ("iiohandoff");
  TCase *tc = tcase_create ("vgem");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_vgem_imports_capture);
  tcase_add_test (tc, test_vgem_fence_holds_dac);
  tc = tcase_create ("network");
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_rtp_l16_loopback);
  tcase_add_test (tc, test_rtp_l24_loopback);
  return s;
}

GST_CHECK_MAIN (iiohandoff);
