/* Another process takes the dma-bufs (test guest, GStreamer >= 1.24):
 * iiodmabufsrc ! unixfdsink in one process, unixfdsrc ! iiodmabufsink in
 * another. The dma-bufs cross the process boundary as fds over a unix
 * socket; the DAC plays the ADC's own dma-bufs, and nobody copies.
 *
 * The sending process is this test program again, started with --sender:
 * it reports what it pushed (the dma-buf inodes, its source's stats) on
 * its standard output.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gst/check/gstcheck.h>
#include <gst/allocators/allocators.h>
#include <glib/gstdio.h>

#include "iiosim.h"

#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define ADC "iio-sim-adc"
#define DAC "iio-sim-dac"
#define N_BUFFERS 100
#define SPB 480

/* The sender's side, in its own process. */
typedef struct
{
  GHashTable *inodes; /* guint64* of every dma-buf pushed */
  guint n;            /* buffers pushed */
  guint not_dmabuf;   /* buffers that were no dma-buf */
} Seen;

static GstPadProbeReturn
record_dmabuf (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  Seen *seen = user_data;
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);
  GstMemory *mem = gst_buffer_peek_memory (buf, 0);

  seen->n++;
  if (gst_buffer_n_memory (buf) != 1 || !gst_is_dmabuf_memory (mem)) {
    seen->not_dmabuf++;
  } else {
    guint64 *ino = g_new (guint64, 1);

    *ino = iiosim_dmabuf_inode (buf);
    g_hash_table_add (seen->inodes, ino);
  }
  return GST_PAD_PROBE_OK;
}

static Seen *
seen_new (void)
{
  Seen *seen = g_new0 (Seen, 1);

  seen->inodes =
      g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  return seen;
}

static void
seen_free (Seen *seen)
{
  g_hash_table_unref (seen->inodes);
  g_free (seen);
}

static void
probe_pad (GstElement *pipe, const gchar *name, Seen *seen)
{
  GstElement *e = gst_bin_get_by_name (GST_BIN (pipe), name);
  GstPad *pad = gst_element_get_static_pad (e, "sink");

  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, record_dmabuf, seen, NULL);
  gst_object_unref (pad);
  gst_object_unref (e);
}

/* A guint64 field of @src's stats, G_MAXUINT64 when missing: the sender
 * runs outside of check's test runner, where fail_unless cannot be used. */
static guint64
sender_stat (GstElement *src, const gchar *field)
{
  GstStructure *s = NULL;
  guint64 v = G_MAXUINT64;

  g_object_get (src, "stats", &s, NULL);
  if (s) {
    gst_structure_get_uint64 (s, field, &v);
    gst_structure_free (s);
  }
  return v;
}

/* Runs the sending pipeline to EOS and prints what it pushed:
 *   buffers N / not-dmabuf N / copies N / samples-lost N / inode I (each)
 * Exit status 0 at EOS, 1 on an error (printed on stderr).
 *
 * It waits in PAUSED (its socket made, the ADC not started) for a line on
 * its standard input, which the test writes once the receiver has
 * connected: the ADC starts with someone to take its blocks, or it would
 * run its queue dry (a real overrun) for as long as the other process
 * takes to start. */
static int
run_sender (const gchar *socket_path)
{
  gchar *desc = g_strdup_printf (
      "iiodmabufsrc name=src device=" ADC " io-mode=dmabuf "
      "channels=voltage0,voltage1 sampling-frequency=48000 "
      "samples-per-buffer=%u num-buffers=%u ! "
      "unixfdsink name=out socket-path=%s wait-for-connection=true "
      "sync=false",
      SPB, N_BUFFERS, socket_path);
  GError *err = NULL;
  GstElement *pipe = gst_parse_launch (desc, &err);
  GstElement *src;
  GstBus *bus;
  GstMessage *msg;
  Seen *seen = seen_new ();
  GHashTableIter iter;
  gpointer ino;
  gchar go[8];
  int status = 0;

  if (!pipe) {
    g_printerr ("%s: %s\n", desc, err->message);
    return 1;
  }
  probe_pad (pipe, "out", seen);
  src = gst_bin_get_by_name (GST_BIN (pipe), "src");
  bus = gst_element_get_bus (pipe);
  if (gst_element_set_state (pipe, GST_STATE_PAUSED) ==
          GST_STATE_CHANGE_FAILURE ||
      !fgets (go, sizeof (go), stdin)) {
    g_printerr ("the sender did not get to PAUSED, or no go\n");
    status = 1;
    goto done;
  }
  gst_element_set_state (pipe, GST_STATE_PLAYING);
  msg = gst_bus_timed_pop_filtered (
      bus, 120 * GST_SECOND, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  if (!msg) {
    g_printerr ("the sender did not reach EOS in 120 s\n");
    status = 1;
  } else if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
    gchar *dbg = NULL;

    gst_message_parse_error (msg, &err, &dbg);
    g_printerr ("sender error: %s (%s)\n", err->message, dbg);
    g_clear_error (&err);
    g_free (dbg);
    status = 1;
  }
  g_clear_pointer (&msg, gst_message_unref);
done:
  gst_element_set_state (pipe, GST_STATE_NULL);

  g_print ("buffers %u\nnot-dmabuf %u\n", seen->n, seen->not_dmabuf);
  g_print ("copies %" G_GUINT64_FORMAT "\nsamples-lost %" G_GUINT64_FORMAT "\n",
      sender_stat (src, "copies"), sender_stat (src, "samples-lost"));
  g_hash_table_iter_init (&iter, seen->inodes);
  while (g_hash_table_iter_next (&iter, &ino, NULL))
    g_print ("inode %" G_GUINT64_FORMAT "\n", *(guint64 *)ino);

  gst_object_unref (bus);
  gst_object_unref (src);
  gst_object_unref (pipe);
  seen_free (seen);
  g_free (desc);
  return status;
}

/* The sender's report, parsed: its counts and its inodes. */
typedef struct
{
  guint64 buffers, not_dmabuf, copies, samples_lost;
  GHashTable *inodes;
} Report;

static void
report_parse (Report *r, const gchar *out)
{
  gchar **lines = g_strsplit (out, "\n", -1);

  r->buffers = r->not_dmabuf = r->copies = r->samples_lost = G_MAXUINT64;
  r->inodes = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  for (gchar **l = lines; *l; l++) {
    gchar **kv = g_strsplit (*l, " ", 2);

    if (g_strv_length (kv) == 2) {
      guint64 v = g_ascii_strtoull (kv[1], NULL, 10);

      if (g_str_equal (kv[0], "buffers"))
        r->buffers = v;
      else if (g_str_equal (kv[0], "not-dmabuf"))
        r->not_dmabuf = v;
      else if (g_str_equal (kv[0], "copies"))
        r->copies = v;
      else if (g_str_equal (kv[0], "samples-lost"))
        r->samples_lost = v;
      else if (g_str_equal (kv[0], "inode"))
        g_hash_table_add (r->inodes, g_memdup2 (&v, sizeof (v)));
    }
    g_strfreev (kv);
  }
  g_strfreev (lines);
}

/* Starts this program again as the sender, its stdout to @out_fd, its
 * stdin from @in_fd. */
static GPid
spawn_sender (const gchar *socket_path, gint *in_fd, gint *out_fd)
{
  gchar *self = g_file_read_link ("/proc/self/exe", NULL);
  gchar *argv[] = { self, (gchar *)"--sender", (gchar *)socket_path, NULL };
  GError *err = NULL;
  GPid pid;

  fail_unless (self != NULL);
  fail_unless (
      g_spawn_async_with_pipes (NULL, argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD,
          NULL, NULL, &pid, in_fd, out_fd, NULL, &err),
      "cannot start the sender: %s", err ? err->message : "?");
  g_free (self);
  return pid;
}

/* Reads @fd to its end, with @pid's exit status. */
static gchar *
collect_sender (GPid pid, gint fd, gint *status)
{
  GIOChannel *ch = g_io_channel_unix_new (fd);
  gchar *out = NULL;
  gsize len;

  g_io_channel_set_close_on_unref (ch, TRUE);
  fail_unless (
      g_io_channel_read_to_end (ch, &out, &len, NULL) == G_IO_STATUS_NORMAL);
  g_io_channel_unref (ch);
  fail_unless (waitpid (pid, status, 0) == pid);
  g_spawn_close_pid (pid);
  return out;
}

static void
wait_for_socket (const gchar *path)
{
  gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;

  while (!g_file_test (path, G_FILE_TEST_EXISTS) &&
      g_get_monotonic_time () < deadline)
    g_usleep (10 * 1000);
  fail_unless (g_file_test (path, G_FILE_TEST_EXISTS),
      "the sender made no socket at %s in 20 s", path);
}

/* ADC -> iiodmabufsrc ! unixfdsink | unixfdsrc ! iiodmabufsink -> DAC: the
 * DAC plays exactly the ADC's samples (its checksum), every buffer it gets
 * is one of the dma-bufs the ADC filled in the other process (same inode),
 * and neither element copied. */
GST_START_TEST (test_unixfd_two_processes)
{
  gchar *dir = g_dir_make_tmp ("iiounixfd-XXXXXX", NULL);
  gchar *path = g_build_filename (dir, "socket", NULL);
  gchar *desc = g_strdup_printf ("unixfdsrc socket-path=%s ! "
                                 "iiodmabufsink name=sink device=" DAC
                                 " io-mode=dmabuf sync=false",
      path);
  guint64 want = (guint64)N_BUFFERS * SPB * 4, played;
  GstElement *rx, *sink;
  Seen *seen = seen_new ();
  Report report;
  GHashTableIter iter;
  gpointer ino;
  gchar *out;
  gint in_fd, out_fd, status;
  guint underruns;
  GPid pid;

  fail_unless (dir != NULL);
  iiosim_write (ADC, "sim_free_run", "0");
  iiosim_write (DAC, "sim_free_run", "1");
  iiosim_write (DAC, "sim_reset", "1");

  pid = spawn_sender (path, &in_fd, &out_fd);
  wait_for_socket (path);
  rx = gst_parse_launch (desc, NULL);
  fail_unless (rx != NULL, "%s", desc);
  probe_pad (rx, "sink", seen);
  sink = gst_bin_get_by_name (GST_BIN (rx), "sink");
  fail_if (gst_element_set_state (rx, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  /* connected (unixfdsrc connects as it starts): the ADC may start */
  fail_unless (write (in_fd, "go\n", 3) == 3);
  close (in_fd);
  /* the DAC runs freely, faster than the ADC fills: it runs dry between
   * blocks, which the sink reports (and which adds nothing to what it
   * plays) */
  underruns = iiosim_wait_eos_counting_underruns (
      rx, 120 * GST_SECOND, "the unixfd receiver");

  out = collect_sender (pid, out_fd, &status);
  fail_unless (
      g_spawn_check_wait_status (status, NULL), "the sender failed:\n%s", out);
  report_parse (&report, out);
  GST_INFO ("sender: %s", out);

  /* the sender: every buffer a dma-buf, none copied, none lost */
  fail_unless_equals_uint64 (report.buffers, N_BUFFERS);
  fail_unless_equals_uint64 (report.not_dmabuf, 0);
  fail_unless_equals_uint64 (report.copies, 0);
  fail_unless_equals_uint64 (report.samples_lost, 0);
  fail_unless (g_hash_table_size (report.inodes) > 0);

  /* the receiver: the same dma-bufs, played without a copy */
  fail_unless_equals_int (seen->n, N_BUFFERS);
  fail_unless_equals_int (seen->not_dmabuf, 0);
  g_hash_table_iter_init (&iter, seen->inodes);
  while (g_hash_table_iter_next (&iter, &ino, NULL))
    fail_unless (g_hash_table_contains (report.inodes, ino),
        "the DAC got dma-buf %" G_GUINT64_FORMAT
        ", which the ADC's process never pushed",
        *(guint64 *)ino);
  fail_unless_equals_uint64 (iiosim_stat_u64 (sink, "copies"), 0);
  fail_unless_equals_uint64 (iiosim_stat_u64 (sink, "buffers"), N_BUFFERS);

  /* the DAC played the ADC's samples, then at most the silence that
   * completes its last block */
  played = iiosim_check_dac_played (
      want, iiosim_pattern_fnv ((guint64)N_BUFFERS * SPB));
  GST_INFO ("%u buffers over unixfd, %u dma-bufs, %" G_GUINT64_FORMAT
            " bytes played, %u underrun warnings",
      seen->n, g_hash_table_size (seen->inodes), played, underruns);

  gst_element_set_state (rx, GST_STATE_NULL);
  gst_object_unref (sink);
  gst_object_unref (rx);
  g_hash_table_unref (report.inodes);
  seen_free (seen);
  g_free (out);
  g_remove (path);
  g_rmdir (dir);
  g_free (path);
  g_free (dir);
  g_free (desc);
}

GST_END_TEST;

static Suite *
iiounixfd_suite (void)
{
  Suite *s = suite_create ("iiounixfd");
  TCase *tc = tcase_create ("unixfd");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_unixfd_two_processes);
  return s;
}

int
main (int argc, char **argv)
{
  if (argc == 3 && g_str_equal (argv[1], "--sender")) {
    gst_init (NULL, NULL);
    return run_sender (argv[2]);
  }
  gst_check_init (&argc, &argv);
  return gst_check_run_suite (iiounixfd_suite (), "iiounixfd", __FILE__);
}
