/* iiodmabufsink against the real kernel: runs in the test guest, on the
 * iio-sim test driver (tests/kernel/sim-core.c), whose DAC checksums every
 * byte it plays.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/allocators/allocators.h>

#include "iiosim.h"

#include <fcntl.h>
#include <unistd.h>

#define ADC "iio-sim-adc"
#define DAC "iio-sim-dac"
/* The DAC's default layout: 2 channels of le:s16/16. */
#define SCAN 4
#define CAPS "audio/x-raw,format=S16LE,layout=interleaved,channels=2,rate=48000"
/* Samples a buffer in the tests. */
#define SPB 256
#define BLOCK (SPB * SCAN)

/* The DAC consumes blocks as fast as it can, from a zeroed checksum. */
static void
dac_free_run (void)
{
  iiosim_write (DAC, "sim_free_run", "1");
  iiosim_write (DAC, "sim_reset", "1");
}

/* Known data: xorshift32, four bytes at a time. */
static void
fill_prng (guint8 *data, gsize size, guint32 *state)
{
  for (gsize i = 0; i < size; i += 4) {
    guint32 x = *state;

    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *state = x;
    GST_WRITE_UINT32_LE (data + i, x);
  }
}

/* Waits for EOS, failing on an error; returns the warnings seen but those
 * about underruns (a device in free run drains faster than any upstream). */
static guint
wait_eos (GstElement *pipe, GstClockTime timeout)
{
  GstBus *bus = gst_element_get_bus (pipe);
  guint warnings = 0;

  for (;;) {
    GstMessage *msg = gst_bus_timed_pop_filtered (bus, timeout,
        GST_MESSAGE_EOS | GST_MESSAGE_ERROR | GST_MESSAGE_WARNING);
    GError *err = NULL;
    gchar *dbg = NULL;

    fail_unless (msg != NULL, "no EOS within %" GST_TIME_FORMAT,
        GST_TIME_ARGS (timeout));
    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS) {
      gst_message_unref (msg);
      break;
    }
    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
      gst_message_parse_error (msg, &err, &dbg);
      fail ("error from %s: %s (%s)", GST_OBJECT_NAME (msg->src), err->message,
          dbg);
    }
    gst_message_parse_warning (msg, &err, &dbg);
    GST_INFO ("warning from %s: %s (%s)", GST_OBJECT_NAME (msg->src),
        err->message, dbg);
    if (!strstr (err->message, "Underrun")) {
      /* (in the log: a caller that expects none fails on the count) */
      g_printerr ("warning from %s: %s (%s)\n", GST_OBJECT_NAME (msg->src),
          err->message, dbg);
      warnings++;
    }
    g_error_free (err);
    g_free (dbg);
    gst_message_unref (msg);
  }
  gst_object_unref (bus);
  return warnings;
}

/* The first message of @type on the bus of @pipe, within @timeout. */
static gchar *
pop_message_text (GstElement *pipe, GstMessageType type, GstClockTime timeout)
{
  GstBus *bus = gst_element_get_bus (pipe);
  GstMessage *msg = gst_bus_timed_pop_filtered (bus, timeout, type);
  GError *err = NULL;
  gchar *text;

  fail_unless (msg != NULL, "no %s message", gst_message_type_get_name (type));
  if (type == GST_MESSAGE_ERROR)
    gst_message_parse_error (msg, &err, NULL);
  else
    gst_message_parse_warning (msg, &err, NULL);
  text = g_strdup (err->message);
  g_error_free (err);
  gst_message_unref (msg);
  gst_object_unref (bus);
  return text;
}

/* An appsrc feeding the sink, and what was sent through it. */
typedef struct
{
  GstElement *pipe;
  GstElement *appsrc;
  GstElement *sink;
  GstBufferPool *pool; /* buffers come from it; system memory when NULL */
  GHashTable *inodes;  /* dma-bufs sent */
  guint32 prng;
  guint64 hash; /* of the bytes sent but the first @skip buffers */
  guint64 bytes;
  guint64 buffers;
  guint skip;
} Play;

static void
play_init_caps (
    Play *p, const gchar *caps, const gchar *sink_props, guint max_buffers)
{
  gchar *desc = g_strdup_printf (
      "appsrc name=src format=time caps=%s max-buffers=%u block=true ! "
      "iiodmabufsink name=sink device=" DAC " %s",
      caps, max_buffers, sink_props);

  memset (p, 0, sizeof (*p));
  p->pipe = gst_parse_launch (desc, NULL);
  fail_unless (p->pipe != NULL, "%s", desc);
  p->appsrc = gst_bin_get_by_name (GST_BIN (p->pipe), "src");
  p->sink = gst_bin_get_by_name (GST_BIN (p->pipe), "sink");
  p->prng = 0x12345678;
  p->hash = IIOSIM_FNV_OFFSET;
  p->inodes = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  fail_if (gst_element_set_state (p->pipe, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  g_free (desc);
}

static void
play_init (Play *p, const gchar *sink_props, guint max_buffers)
{
  play_init_caps (p, CAPS, sink_props, max_buffers);
}

/* Upstream's part of the allocation query: the pool the sink offers. */
static GstBufferPool *
play_query_pool (Play *p, guint *size)
{
  GstPad *pad = gst_element_get_static_pad (p->appsrc, "src");
  GstCaps *caps = gst_caps_from_string (CAPS);
  GstQuery *query = gst_query_new_allocation (caps, TRUE);
  GstBufferPool *pool = NULL;
  GstStructure *config;
  GstAllocator *allocator = NULL;
  guint min, max;

  fail_unless (gst_pad_peer_query (pad, query));
  if (gst_query_get_n_allocation_pools (query) > 0)
    gst_query_parse_nth_allocation_pool (query, 0, &pool, size, &min, &max);
  if (pool) {
    config = gst_buffer_pool_get_config (pool);
    gst_buffer_pool_config_get_allocator (config, &allocator, NULL);
    fail_unless (allocator && GST_IS_DMABUF_ALLOCATOR (allocator),
        "the pool offered is no dma-buf pool");
    gst_structure_free (config);
  }
  gst_query_unref (query);
  gst_caps_unref (caps);
  gst_object_unref (pad);
  return pool;
}

static guint
play_pool_min (GstBufferPool *pool)
{
  GstStructure *config = gst_buffer_pool_get_config (pool);
  guint min = 0;

  fail_unless (
      gst_buffer_pool_config_get_params (config, NULL, NULL, &min, NULL));
  gst_structure_free (config);
  return min;
}

static void
play_use_pool (Play *p, GstBufferPool *pool)
{
  p->pool = pool;
  fail_unless (gst_buffer_pool_set_active (pool, TRUE));
}

static void play_push_buffer (Play *p, GstBuffer *buf);

/* Sends one buffer of @size bytes of known data. */
static void
play_push (Play *p, gsize size)
{
  GstBuffer *buf;

  if (p->pool) {
    fail_unless_equals_int (
        gst_buffer_pool_acquire_buffer (p->pool, &buf, NULL), GST_FLOW_OK);
    gst_buffer_set_size (buf, size);
  } else {
    buf = gst_buffer_new_allocate (NULL, size, NULL);
  }
  play_push_buffer (p, buf);
}

/* Fills @buf (taken) with known data and sends it. */
static void
play_push_buffer (Play *p, GstBuffer *buf)
{
  gsize size = gst_buffer_get_size (buf);
  GstFlowReturn ret;
  GstMapInfo map;

  if (gst_buffer_n_memory (buf) > 0 &&
      gst_is_dmabuf_memory (gst_buffer_peek_memory (buf, 0))) {
    guint64 *ino = g_new (guint64, 1);

    *ino = iiosim_dmabuf_inode (buf);
    g_hash_table_add (p->inodes, ino);
  }
  fail_unless (gst_buffer_map (buf, &map, GST_MAP_WRITE));
  fill_prng (map.data, map.size, &p->prng);
  if (p->buffers >= p->skip) {
    p->hash = iiosim_fnv1a (p->hash, map.data, map.size);
    p->bytes += size;
  }
  gst_buffer_unmap (buf, &map);
  p->buffers++;
  g_signal_emit_by_name (p->appsrc, "push-buffer", buf, &ret);
  gst_buffer_unref (buf);
  fail_unless_equals_int (ret, GST_FLOW_OK);
}

static void
play_eos (Play *p)
{
  GstFlowReturn ret;

  g_signal_emit_by_name (p->appsrc, "end-of-stream", &ret);
  fail_unless_equals_int (ret, GST_FLOW_OK);
}

/* What the DAC played is what was sent, byte for byte. */
static void
play_check_dac (Play *p)
{
  guint64 sum = iiosim_read_u64 (DAC, "sim_checksum");

  GST_INFO ("sent %" G_GUINT64_FORMAT " buffers, %" G_GUINT64_FORMAT
            " bytes, FNV-1a 0x%016" G_GINT64_MODIFIER
            "x; DAC 0x%016" G_GINT64_MODIFIER "x, %" G_GUINT64_FORMAT " bytes",
      p->buffers, p->bytes, p->hash, sum, iiosim_read_u64 (DAC, "sim_bytes"));
  fail_unless_equals_uint64 (iiosim_read_u64 (DAC, "sim_bytes"), p->bytes);
  fail_unless (sum == p->hash,
      "DAC checksum 0x%016" G_GINT64_MODIFIER "x, sent 0x%016" G_GINT64_MODIFIER
      "x",
      sum, p->hash);
  fail_unless_equals_uint64 (iiosim_stat_u64 (p->sink, "buffers"), p->buffers);
  if (p->skip == 0)
    fail_unless_equals_uint64 (iiosim_stat_u64 (p->sink, "bytes"), p->bytes);
}

static void
play_clear (Play *p)
{
  fail_unless_equals_int (gst_element_set_state (p->pipe, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  if (p->pool) {
    gst_buffer_pool_set_active (p->pool, FALSE);
    gst_object_unref (p->pool);
  }
  g_hash_table_unref (p->inodes);
  gst_object_unref (p->appsrc);
  gst_object_unref (p->sink);
  gst_object_unref (p->pipe);
}

/* Plays @n buffers of known data in @io_mode; from the pool the sink offers
 * (@pool "proposed"), from a peer's dma-heap pool ("heap"), or from system
 * memory (NULL). Checks the DAC's checksum and returns the sink's copies. */
static guint64
play_checked (
    const gchar *io_mode, const gchar *pool, guint n, const gchar *expect_mode)
{
  gchar *props = g_strdup_printf (
      "io-mode=%s samples-per-buffer=%u n-buffers=4", io_mode, SPB);
  guint64 copies;
  gchar *mode;
  Play p;

  dac_free_run ();
  play_init (&p, props, 4);
  if (!g_strcmp0 (pool, "proposed")) {
    guint size = 0;
    GstBufferPool *offered = play_query_pool (&p, &size);

    fail_unless (offered != NULL, "the sink offered no pool");
    fail_unless_equals_int (size, BLOCK);
    fail_unless_equals_uint64 (iiosim_stat_u64 (p.sink, "dmabufs-attached"), 0);
    play_use_pool (&p, offered);
    /* Activating it allocated its first dma-bufs: already attached, before
     * a buffer was sent. */
    fail_unless (iiosim_stat_u64 (p.sink, "dmabufs-attached") > 0);
    fail_unless_equals_uint64 (
        iiosim_stat_u64 (p.sink, "dmabufs-attached"), play_pool_min (offered));
  } else if (!g_strcmp0 (pool, "heap")) {
    GstBufferPool *heap = iiosim_heap_pool_new (NULL);
    GstCaps *caps = gst_caps_from_string (CAPS);
    GstStructure *config = gst_buffer_pool_get_config (heap);
    guint size = 0;

    /* dmabuf-import offers nothing: upstream brings its own. */
    if (!g_strcmp0 (io_mode, "dmabuf-import"))
      fail_unless (play_query_pool (&p, &size) == NULL);
    gst_buffer_pool_config_set_params (config, caps, BLOCK, 8, 8);
    fail_unless (gst_buffer_pool_set_config (heap, config));
    gst_caps_unref (caps);
    play_use_pool (&p, heap);
  }
  for (guint i = 0; i < n; i++)
    play_push (&p, BLOCK);
  play_eos (&p);
  fail_unless_equals_int (wait_eos (p.pipe, 300 * GST_SECOND), 0);
  play_check_dac (&p);
  copies = iiosim_stat_u64 (p.sink, "copies");
  mode = iiosim_stat_string (p.sink, "io-mode");
  fail_unless_equals_string (mode, expect_mode);
  if (g_hash_table_size (p.inodes) > 0) {
    guint64 attached = iiosim_stat_u64 (p.sink, "dmabufs-attached");

    /* The dma-bufs sent are attached, and no other; one whose memory died
     * (a pool may drop a buffer that comes back) is detached with it. */
    fail_unless (attached > 0 && attached <= g_hash_table_size (p.inodes),
        "%" G_GUINT64_FORMAT " attached, %u sent", attached,
        g_hash_table_size (p.inodes));
  }
  g_free (mode);
  play_clear (&p);
  g_free (props);
  return copies;
}

GST_START_TEST (test_dmabuf_proposed_pool)
{
  fail_unless_equals_uint64 (
      play_checked ("dmabuf", "proposed", 10000, "dmabuf"), 0);
}

GST_END_TEST;

GST_START_TEST (test_dmabuf_import_heap_pool)
{
  fail_unless_equals_uint64 (
      play_checked ("dmabuf-import", "heap", 10000, "dmabuf-import"), 0);
}

GST_END_TEST;

GST_START_TEST (test_rw_system_memory)
{
  /* write() copies every buffer once. */
  fail_unless_equals_uint64 (play_checked ("rw", NULL, 10000, "rw"), 10000);
}

GST_END_TEST;

/* write() right after DMABUF on the same buffer (see
 * gst_iio_enable_fileio): every switch plays, checksum and all. */
GST_START_TEST (test_switch_dmabuf_to_rw)
{
  for (guint i = 0; i < 25; i++) {
    fail_unless_equals_uint64 (
        play_checked ("dmabuf", "proposed", 4, "dmabuf"), 0);
    fail_unless_equals_uint64 (play_checked ("rw", NULL, 4, "rw"), 4);
  }
}

GST_END_TEST;

/* Odd buffers from upstream: an empty one is skipped and one larger than a
 * block is split over several blocks, from system memory (auto copies, rw
 * writes) and from the pool the sink proposes (a dma-buf cut to 0 bytes);
 * the DAC plays every byte sent, in order, and no error or warning comes. */
static void
play_odd_sizes (const gchar *io_mode, gboolean proposed)
{
  gchar *props = g_strdup_printf (
      "io-mode=%s samples-per-buffer=%u n-buffers=4", io_mode, SPB);
  guint64 sum;
  Play p;

  dac_free_run ();
  play_init (&p, props, 4);
  if (proposed) {
    guint size = 0;

    play_use_pool (&p, play_query_pool (&p, &size));
  }
  play_push (&p, BLOCK);
  play_push (&p, 0);
  play_push (&p, proposed ? BLOCK : 3 * BLOCK);
  play_push (&p, 0);
  play_push (&p, BLOCK);
  play_eos (&p);
  fail_unless_equals_int (wait_eos (p.pipe, 60 * GST_SECOND), 0);
  sum = iiosim_read_u64 (DAC, "sim_checksum");
  fail_unless_equals_uint64 (iiosim_read_u64 (DAC, "sim_bytes"), p.bytes);
  fail_unless (
      sum == p.hash, "%s: DAC checksum differs from what was sent", io_mode);
  play_clear (&p);
  g_free (props);
}

GST_START_TEST (test_empty_and_oversized_buffers)
{
  play_odd_sizes ("auto", FALSE);
  play_odd_sizes ("rw", FALSE);
  play_odd_sizes ("dmabuf", TRUE);
}

GST_END_TEST;

/* Fills @size bytes of @buf's dma-buf from @offset (shares of it are
 * read-only, so this is done before sharing) and adds them to @p's
 * checksum. */
static void
fill_range (Play *p, GstBuffer *buf, gsize offset, gsize size)
{
  GstMemory *mem = gst_buffer_peek_memory (buf, 0);
  GstMapInfo map;

  fail_unless (gst_memory_map (mem, &map, GST_MAP_WRITE));
  fail_unless (offset + size <= map.size);
  fill_prng (map.data + offset, size, &p->prng);
  p->hash = iiosim_fnv1a (p->hash, map.data + offset, size);
  p->bytes += size;
  gst_memory_unmap (mem, &map);
}

/* Dma-bufs the DAC cannot take as they are (a block split over two
 * dma-bufs; a dma-buf whose data starts at an offset) are copied once
 * each, and play byte for byte. */
GST_START_TEST (test_split_and_offset_dmabufs_copied)
{
  GstBufferPool *heap = iiosim_heap_pool_new (NULL);
  GstStructure *config = gst_buffer_pool_get_config (heap);
  GstFlowReturn ret;
  Play p;

  gst_buffer_pool_config_set_params (config, NULL, BLOCK + SCAN, 8, 8);
  fail_unless (gst_buffer_pool_set_config (heap, config));
  fail_unless (gst_buffer_pool_set_active (heap, TRUE));
  dac_free_run ();
  play_init (&p, "io-mode=auto samples-per-buffer=256", 4);
  for (guint i = 0; i < 100; i++) {
    GstBuffer *a, *b, *buf;

    fail_unless_equals_int (
        gst_buffer_pool_acquire_buffer (heap, &a, NULL), GST_FLOW_OK);
    if (i % 2 == 0) {
      /* two dma-bufs, half a block each */
      fail_unless_equals_int (
          gst_buffer_pool_acquire_buffer (heap, &b, NULL), GST_FLOW_OK);
      fill_range (&p, a, 0, BLOCK / 2);
      fill_range (&p, b, 0, BLOCK / 2);
      buf = gst_buffer_new ();
      gst_buffer_append_memory (
          buf, gst_memory_share (gst_buffer_peek_memory (a, 0), 0, BLOCK / 2));
      gst_buffer_append_memory (
          buf, gst_memory_share (gst_buffer_peek_memory (b, 0), 0, BLOCK / 2));
      gst_buffer_add_parent_buffer_meta (buf, b);
      gst_buffer_unref (b);
    } else {
      /* one dma-buf, its data one scan in */
      fill_range (&p, a, SCAN, BLOCK);
      buf = gst_buffer_new ();
      gst_buffer_append_memory (
          buf, gst_memory_share (gst_buffer_peek_memory (a, 0), SCAN, BLOCK));
    }
    /* the pool must not hand @a (or @b) out again while appsrc queues @buf */
    gst_buffer_add_parent_buffer_meta (buf, a);
    gst_buffer_unref (a);
    p.buffers++;
    g_signal_emit_by_name (p.appsrc, "push-buffer", buf, &ret);
    gst_buffer_unref (buf);
    fail_unless_equals_int (ret, GST_FLOW_OK);
  }
  play_eos (&p);
  fail_unless_equals_int (wait_eos (p.pipe, 60 * GST_SECOND), 0);
  play_check_dac (&p);
  fail_unless_equals_uint64 (iiosim_stat_u64 (p.sink, "copies"), 100);
  play_clear (&p);
  gst_buffer_pool_set_active (heap, FALSE);
  gst_object_unref (heap);
}

GST_END_TEST;

/* Channel lists that name nothing or a channel twice: clear errors. */
GST_START_TEST (test_bad_channel_lists)
{
  iiosim_expect_error ("audiotestsrc ! " CAPS " ! iiodmabufsink device=" DAC
                       " channels=,",
      "No channel named", FALSE);
  iiosim_expect_error ("audiotestsrc ! " CAPS " ! iiodmabufsink device=" DAC
                       " channels=voltage0,voltage0",
      "listed twice", FALSE);
}

GST_END_TEST;

/* A user without access to the device node: a clear error at READY. */
GST_START_TEST (test_permission_denied)
{
  iiosim_expect_permission_denied (
      "iiodmabufsink", DAC, GST_RESOURCE_ERROR_OPEN_WRITE);
}

GST_END_TEST;

GST_START_TEST (test_auto_system_memory)
{
  /* Each buffer is copied once into the sink's own dma-bufs. */
  fail_unless_equals_uint64 (
      play_checked ("auto", NULL, 10000, "dmabuf"), 10000);
}

GST_END_TEST;

GST_START_TEST (test_auto_dmabuf_import)
{
  /* A peer's own dma-bufs play as they are. */
  fail_unless_equals_uint64 (
      play_checked ("auto", "heap", 2000, "dmabuf-import"), 0);
}

GST_END_TEST;

/* identity's handoff: what goes to the sink, summed as the DAC sums it. */
typedef struct
{
  guint64 hash;
  guint64 bytes;
  guint64 buffers;
  guint64 not_dmabuf;
} Tap;

static void
tap_handoff (GstElement *identity, GstBuffer *buf, gpointer user_data)
{
  Tap *t = user_data;
  GstMapInfo map;

  if (gst_buffer_n_memory (buf) != 1 ||
      !gst_is_dmabuf_memory (gst_buffer_peek_memory (buf, 0)))
    t->not_dmabuf++;
  fail_unless (gst_buffer_map (buf, &map, GST_MAP_READ));
  t->hash = iiosim_fnv1a (t->hash, map.data, map.size);
  t->bytes += map.size;
  gst_buffer_unmap (buf, &map);
  t->buffers++;
}

GST_START_TEST (test_upstream_uses_proposed_pool)
{
  /* audiotestsrc allocates from the pool the sink offers: it writes its
   * samples straight into dma-bufs the DAC reads. */
  GstElement *pipe = gst_parse_launch (
      "audiotestsrc num-buffers=2000 ! " CAPS " ! identity name=tap "
      "signal-handoffs=true ! iiodmabufsink name=sink device=" DAC,
      NULL);
  GstElement *tap = gst_bin_get_by_name (GST_BIN (pipe), "tap");
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipe), "sink");
  Tap t = { IIOSIM_FNV_OFFSET, 0, 0, 0 };
  gchar *mode;

  dac_free_run ();
  g_signal_connect (tap, "handoff", G_CALLBACK (tap_handoff), &t);
  fail_if (gst_element_set_state (pipe, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  wait_eos (pipe, 300 * GST_SECOND);
  fail_unless_equals_uint64 (t.buffers, 2000);
  fail_unless_equals_uint64 (t.not_dmabuf, 0);
  fail_unless_equals_uint64 (iiosim_stat_u64 (sink, "copies"), 0);
  mode = iiosim_stat_string (sink, "io-mode");
  fail_unless_equals_string (mode, "dmabuf");
  fail_unless_equals_uint64 (iiosim_read_u64 (DAC, "sim_bytes"), t.bytes);
  fail_unless_equals_uint64 (t.bytes, 2000 * 1024 * SCAN);
  fail_unless (iiosim_read_u64 (DAC, "sim_checksum") == t.hash);
  /* The rate of the caps went to the device. */
  fail_unless_equals_uint64 (
      iiosim_read_u64 (DAC, "sampling_frequency"), 48000);
  g_free (mode);
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (tap);
  gst_object_unref (sink);
  gst_object_unref (pipe);
}

GST_END_TEST;

/* Plays @p's next buffer as a cyclic block for @ms, then stops; returns the
 * repeats the DAC counted. On industrialio-buffer-dmaengine, which ignores
 * the cyclic flag, the repeats are the sink's: the block queued again each
 * time it ends, each one a block the DAC counts. */
static guint64
play_cyclic_for (Play *p, guint ms)
{
  gboolean requeued = iiosim_on_dmaengine (DAC);
  guint64 repeats, hash, blocks;
  gboolean dropped_warned = FALSE, requeue_warned = FALSE;
  gchar *text;

  iiosim_write (DAC, "sim_reset", "1");
  fail_if (gst_element_set_state (p->pipe, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  p->hash = IIOSIM_FNV_OFFSET;
  play_push (p, BLOCK);
  hash = p->hash;
  play_push (p, BLOCK);
  play_push (p, BLOCK);
  play_eos (p);
  g_usleep (ms * G_TIME_SPAN_MILLISECOND);

  /* The driver publishes what a cyclic block did when it ends (another
   * block comes, or the buffer is disabled): nothing yet. */
  if (requeued)
    fail_unless (iiosim_read_u64 (DAC, "sim_blocks") >= 2);
  else
    fail_unless_equals_uint64 (iiosim_read_u64 (DAC, "sim_blocks"), 0);
  fail_unless_equals_uint64 (iiosim_read_u64 (DAC, "sim_cyclic_repeats"), 0);
  fail_unless_equals_uint64 (iiosim_stat_u64 (p->sink, "buffers"), 1);
  fail_unless_equals_uint64 (iiosim_stat_u64 (p->sink, "dropped"), 2);
  /* The buffers after the first were dropped, with a warning, once (not
   * once per dropped buffer); and once, where the sink repeats the block,
   * a warning that says so. */
  for (guint i = 0; i < (requeued ? 2u : 1u); i++) {
    text = pop_message_text (p->pipe, GST_MESSAGE_WARNING, GST_SECOND);
    fail_unless (strstr (text, "cyclic") != NULL, "%s", text);
    if (strstr (text, "dropped"))
      dropped_warned = TRUE;
    else if (strstr (text, "does not repeat"))
      requeue_warned = TRUE;
    g_free (text);
  }
  fail_unless (dropped_warned);
  fail_unless_equals_int (requeue_warned, requeued);
  {
    GstMessage *msg =
        gst_bus_pop_filtered (GST_ELEMENT_BUS (p->pipe), GST_MESSAGE_WARNING);

    fail_unless (msg == NULL, "a second warning for the dropped buffers");
  }
  /* A cyclic block never completes while it plays: no EOS. */
  {
    GstBus *bus = gst_element_get_bus (p->pipe);
    GstMessage *msg = gst_bus_pop_filtered (bus, GST_MESSAGE_EOS);

    fail_unless (msg == NULL, "EOS while the cyclic block plays");
    gst_object_unref (bus);
  }

  /* Stopping ends it. */
  fail_unless_equals_int (gst_element_set_state (p->pipe, GST_STATE_READY),
      GST_STATE_CHANGE_SUCCESS);
  repeats = iiosim_read_u64 (DAC, "sim_cyclic_repeats");
  blocks = iiosim_read_u64 (DAC, "sim_blocks");
  g_usleep (100 * G_TIME_SPAN_MILLISECOND);
  fail_unless_equals_uint64 (
      iiosim_read_u64 (DAC, "sim_cyclic_repeats"), repeats);
  fail_unless_equals_uint64 (iiosim_read_u64 (DAC, "sim_blocks"), blocks);
  if (requeued) {
    /* Only the first buffer played, again and again. */
    fail_unless_equals_uint64 (
        iiosim_read_u64 (DAC, "sim_bytes"), blocks * BLOCK);
    return blocks - 1;
  }
  /* The first buffer went into the checksum once, and nothing else. */
  fail_unless_equals_uint64 (blocks, 1);
  fail_unless_equals_uint64 (iiosim_read_u64 (DAC, "sim_bytes"), BLOCK);
  fail_unless (iiosim_read_u64 (DAC, "sim_checksum") == hash);
  return repeats;
}

GST_START_TEST (test_cyclic_repeats_until_stopped)
{
  guint64 short_run, long_run;
  Play p;

  dac_free_run ();
  play_init (&p, "cyclic=true", 0);
  /* Free run repeats the block about every millisecond. */
  short_run = play_cyclic_for (&p, 300);
  long_run = play_cyclic_for (&p, 1200);
  GST_INFO ("cyclic: %" G_GUINT64_FORMAT
            " repeats in 300 ms, %" G_GUINT64_FORMAT " in 1200 ms",
      short_run, long_run);
  fail_unless (short_run >= 30, "%" G_GUINT64_FORMAT " repeats", short_run);
  fail_unless (long_run > short_run);
  play_clear (&p);
}

GST_END_TEST;

GST_START_TEST (test_cyclic_rw_is_an_error)
{
  iiosim_expect_error ("audiotestsrc ! " CAPS " ! iiodmabufsink device=" DAC
                       " io-mode=rw cyclic=true",
      "cyclic", FALSE);
}

GST_END_TEST;

GST_START_TEST (test_open_errors)
{
  iiosim_expect_error ("audiotestsrc ! " CAPS
                       " ! iiodmabufsink device=no-such-dac",
      "no-such-dac", FALSE);
  /* An input device has no output buffer. */
  iiosim_expect_error (
      "audiotestsrc ! " CAPS " ! iiodmabufsink device=" ADC, ADC, FALSE);
  iiosim_expect_error ("audiotestsrc ! " CAPS " ! iiodmabufsink device=" DAC
                       " channels=voltage9",
      "voltage9", FALSE);
}

GST_END_TEST;

GST_START_TEST (test_caps_refused_names_layout)
{
  /* The DAC plays 2 x S16LE: 32-bit samples or one channel are refused
   * when upstream offers them, and the message says what would play. */
  iiosim_expect_error (
      "appsrc caps=audio/x-raw,format=S32LE,layout=interleaved,"
      "channels=2,rate=48000 ! iiodmabufsink device=" DAC,
      "S16LE", FALSE);
  iiosim_expect_error (
      "appsrc caps=audio/x-raw,format=S16LE,layout=interleaved,"
      "channels=1,rate=48000 ! iiodmabufsink device=" DAC,
      "channels=(int)2", FALSE);
}

GST_END_TEST;

/* A DAC whose samples no audio format fits (12 of 16 bits): the sink takes
 * the generic caps describing its layout, plays what comes byte for byte,
 * and refuses audio caps with the layout it wants in the message. */
GST_START_TEST (test_generic_caps_play)
{
  GstPad *pad;
  GstCaps *caps;
  GstStructure *st;
  Play p;

  iiosim_reload ("dac_realbits=12");
  dac_free_run ();
  memset (&p, 0, sizeof (p));
  p.pipe = gst_parse_launch ("appsrc name=src format=time max-buffers=4 "
                             "block=true ! iiodmabufsink name=sink device=" DAC
                             " samples-per-buffer=256",
      NULL);
  p.appsrc = gst_bin_get_by_name (GST_BIN (p.pipe), "src");
  p.sink = gst_bin_get_by_name (GST_BIN (p.pipe), "sink");
  p.prng = 0x12345678;
  p.hash = IIOSIM_FNV_OFFSET;
  p.inodes = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  fail_unless_equals_int (gst_element_set_state (p.pipe, GST_STATE_READY),
      GST_STATE_CHANGE_SUCCESS);
  pad = gst_element_get_static_pad (p.sink, "sink");
  caps = gst_pad_query_caps (pad, NULL);
  gst_object_unref (pad);
  caps = gst_caps_fixate (caps);
  st = gst_caps_get_structure (caps, 0);
  fail_unless (gst_structure_has_name (st, "application/x-iio"),
      "%" GST_PTR_FORMAT, caps);
  fail_unless (
      strstr (gst_structure_get_string (st, "layout"), "le:s12/16>>4") != NULL,
      "%" GST_PTR_FORMAT, caps);
  g_object_set (p.appsrc, "caps", caps, NULL);
  gst_caps_unref (caps);
  fail_if (gst_element_set_state (p.pipe, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  for (guint i = 0; i < 200; i++)
    play_push (&p, BLOCK);
  play_eos (&p);
  fail_unless_equals_int (wait_eos (p.pipe, 120 * GST_SECOND), 0);
  play_check_dac (&p);
  play_clear (&p);

  iiosim_expect_error ("appsrc caps=" CAPS " ! iiodmabufsink device=" DAC,
      "application/x-iio", FALSE);
}

GST_END_TEST;

/* ADC -> DAC: the ADC's dma-bufs go to the DAC, no CPU copy on either side,
 * and the DAC sums exactly the ADC pattern. @middle goes between them;
 * with @tee a second branch maps every buffer and checks the pattern. */
typedef struct
{
  guint64 next;
  guint64 bad;
  guint64 buffers;
} PatternCheck;

static void
pattern_handoff (
    GstElement *fakesink, GstBuffer *buf, GstPad *pad, gpointer user_data)
{
  static const guint idx[2] = { 0, 1 };
  PatternCheck *c = user_data;
  GstMapInfo map;

  fail_unless (gst_buffer_map (buf, &map, GST_MAP_READ));
  c->bad += iiosim_check_pattern (map.data, map.size, 2, 2, idx, c->next);
  c->next += map.size / SCAN;
  c->buffers++;
  gst_buffer_unmap (buf, &map);
}

static void
adc_to_dac (const gchar *middle, gboolean tee, guint n, const gchar *src_want,
    const gchar *sink_want)
{
  gchar *desc = g_strdup_printf ("iiodmabufsrc name=src device=" ADC
                                 " channels=voltage0,voltage1 "
                                 "samples-per-buffer=%u num-buffers=%u ! %s %s "
                                 "iiodmabufsink name=sink device=" DAC " %s",
      SPB, n, middle, tee ? "tee name=t ! queue !" : "",
      tee ? "t. ! queue ! fakesink name=check signal-handoffs=true" : "");
  GstElement *pipe = gst_parse_launch (desc, NULL);
  GstElement *src = gst_bin_get_by_name (GST_BIN (pipe), "src");
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipe), "sink");
  PatternCheck c = { 0, 0, 0 };
  guint64 sum, want = iiosim_pattern_fnv ((guint64)n * SPB);

  fail_unless (pipe != NULL, "%s", desc);
  if (tee) {
    GstElement *check = gst_bin_get_by_name (GST_BIN (pipe), "check");

    g_signal_connect (check, "handoff", G_CALLBACK (pattern_handoff), &c);
    gst_object_unref (check);
  }
  iiosim_write (ADC, "sim_free_run", "1");
  iiosim_write (ADC, "sampling_frequency", "1000");
  dac_free_run ();
  fail_if (gst_element_set_state (pipe, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  wait_eos (pipe, 300 * GST_SECOND);

  sum = iiosim_read_u64 (DAC, "sim_checksum");
  {
    gchar *src_mode = iiosim_stat_string (src, "io-mode");
    gchar *sink_mode = iiosim_stat_string (sink, "io-mode");

    GST_INFO ("%s: %u buffers, DAC 0x%016" G_GINT64_MODIFIER
              "x, pattern 0x%016" G_GINT64_MODIFIER
              "x; src %s, sink %s, %" G_GUINT64_FORMAT " dma-bufs attached",
        desc, n, sum, want, src_mode, sink_mode,
        iiosim_stat_u64 (sink, "dmabufs-attached"));
    fail_unless_equals_string (src_mode, src_want);
    fail_unless_equals_string (sink_mode, sink_want);
    g_free (src_mode);
    g_free (sink_mode);
  }
  fail_unless_equals_uint64 (
      iiosim_read_u64 (DAC, "sim_bytes"), (guint64)n * BLOCK);
  fail_unless (sum == want,
      "DAC checksum 0x%016" G_GINT64_MODIFIER
      "x, ADC pattern 0x%016" G_GINT64_MODIFIER "x",
      sum, want);
  fail_unless_equals_uint64 (iiosim_stat_u64 (sink, "buffers"), n);
  fail_unless_equals_uint64 (iiosim_stat_u64 (src, "copies"), 0);
  fail_unless_equals_uint64 (iiosim_stat_u64 (sink, "copies"), 0);
  /* The sink attached the source's dma-bufs and no others (a block still
   * in the ADC's queue at EOS may never have reached the sink). */
  fail_unless (iiosim_stat_u64 (sink, "dmabufs-attached") > 0);
  fail_unless (iiosim_stat_u64 (sink, "dmabufs-attached") <=
          iiosim_stat_u64 (src, "dmabufs-attached"),
      "sink attached %" G_GUINT64_FORMAT ", source %" G_GUINT64_FORMAT,
      iiosim_stat_u64 (sink, "dmabufs-attached"),
      iiosim_stat_u64 (src, "dmabufs-attached"));
  if (tee) {
    fail_unless_equals_uint64 (c.buffers, n);
    fail_unless_equals_uint64 (c.bad, 0);
  }
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (src);
  gst_object_unref (sink);
  gst_object_unref (pipe);
  g_free (desc);
}

GST_START_TEST (test_adc_to_dac)
{
  /* The source fills the dma-bufs of the pool the sink offers. */
  adc_to_dac ("", FALSE, 10000, "dmabuf-import", "dmabuf");
}

GST_END_TEST;

GST_START_TEST (test_adc_queue_dac)
{
  adc_to_dac ("queue !", FALSE, 2000, "dmabuf-import", "dmabuf");
}

GST_END_TEST;

GST_START_TEST (test_adc_tee_dac_and_check)
{
  /* tee offers no pool upstream (two branches): the source fills its own
   * dma-bufs, and the sink plays them as they come. */
  adc_to_dac ("", TRUE, 2000, "dmabuf", "dmabuf-import");
}

GST_END_TEST;

GST_START_TEST (test_stall_then_null_returns)
{
  GstStateChangeReturn ret;
  gint64 t0, elapsed;
  Play p;

  dac_free_run ();
  iiosim_write (DAC, "sim_stall", "1");
  play_init (&p, "io-mode=dmabuf", 0);
  for (guint i = 0; i < 24; i++)
    play_push (&p, BLOCK);
  play_eos (&p);
  /* The queue is queued in the stalled device, the next waits for one:
   * n-buffers at its default, 100 ms of 5.3 ms blocks (256 scans at
   * 48 kHz), 19 of them. */
  for (guint i = 0; i < 500 && iiosim_stat_u64 (p.sink, "buffers") < 19; i++)
    g_usleep (10 * G_TIME_SPAN_MILLISECOND);
  g_usleep (100 * G_TIME_SPAN_MILLISECOND);
  fail_unless_equals_uint64 (iiosim_stat_u64 (p.sink, "buffers"), 19);
  g_usleep (100 * G_TIME_SPAN_MILLISECOND);
  fail_unless_equals_uint64 (iiosim_read_u64 (DAC, "sim_blocks"), 0);

  t0 = g_get_monotonic_time ();
  ret = gst_element_set_state (p.pipe, GST_STATE_NULL);
  elapsed = g_get_monotonic_time () - t0;
  GST_INFO ("NULL in %" G_GINT64_FORMAT " us", elapsed);
  fail_unless_equals_int (ret, GST_STATE_CHANGE_SUCCESS);
  fail_unless (elapsed < G_TIME_SPAN_SECOND,
      "NULL took %" G_GINT64_FORMAT " us", elapsed);
  fail_unless_equals_uint64 (iiosim_read_u64 (DAC, "sim_blocks"), 0);
  play_clear (&p);
}

GST_END_TEST;

/* A buffer of known data for a harness: PRNG bytes, summed into @hash. */
static GstBuffer *
known_buffer (guint32 *prng, guint64 *hash)
{
  GstBuffer *buf = gst_buffer_new_allocate (NULL, BLOCK, NULL);
  GstMapInfo map;

  gst_buffer_map (buf, &map, GST_MAP_WRITE);
  fill_prng (map.data, map.size, prng);
  *hash = iiosim_fnv1a (*hash, map.data, map.size);
  gst_buffer_unmap (buf, &map);
  return buf;
}

typedef struct
{
  GstHarness *h;
  guint32 prng;
  guint64 hash;
  GstFlowReturn last;
} Pusher;

/* Pushes until a push fails (the flush). */
static gpointer
push_until_flushed (gpointer data)
{
  Pusher *p = data;

  do
    p->last = gst_harness_push (p->h, known_buffer (&p->prng, &p->hash));
  while (p->last == GST_FLOW_OK);
  return NULL;
}

GST_START_TEST (test_flush_while_stalled)
{
  GstHarness *h =
      gst_harness_new_parse ("iiodmabufsink device=" DAC " n-buffers=4");
  GstElement *sink = gst_harness_find_element (h, "iiodmabufsink");
  Pusher pusher = { h, 1, IIOSIM_FNV_OFFSET, GST_FLOW_OK };
  guint64 hash = IIOSIM_FNV_OFFSET;
  guint32 prng = 99;
  GstSegment segment;
  GThread *thread;
  gint64 t0, elapsed;

  dac_free_run ();
  iiosim_write (DAC, "sim_stall", "1");
  gst_harness_set_src_caps_str (h, CAPS);
  gst_harness_play (h);
  thread = g_thread_new ("push", push_until_flushed, &pusher);
  /* n-buffers in the stalled device, the next push waits for one. */
  for (guint i = 0; i < 500 && iiosim_stat_u64 (sink, "buffers") < 4; i++)
    g_usleep (10 * G_TIME_SPAN_MILLISECOND);
  g_usleep (100 * G_TIME_SPAN_MILLISECOND);
  fail_unless_equals_uint64 (iiosim_stat_u64 (sink, "buffers"), 4);

  t0 = g_get_monotonic_time ();
  fail_unless (gst_harness_push_event (h, gst_event_new_flush_start ()));
  g_thread_join (thread);
  elapsed = g_get_monotonic_time () - t0;
  fail_unless_equals_int (pusher.last, GST_FLOW_FLUSHING);
  fail_unless (elapsed < G_TIME_SPAN_SECOND,
      "the flush took %" G_GINT64_FORMAT " us", elapsed);
  fail_unless (gst_harness_push_event (h, gst_event_new_flush_stop (TRUE)));
  /* The flush dropped what the device had not played. */
  fail_unless_equals_uint64 (iiosim_read_u64 (DAC, "sim_blocks"), 0);

  /* The device runs again, the stream starts over. */
  iiosim_write (DAC, "sim_stall", "0");
  gst_segment_init (&segment, GST_FORMAT_TIME);
  fail_unless (gst_harness_push_event (h, gst_event_new_segment (&segment)));
  for (guint i = 0; i < 20; i++)
    fail_unless_equals_int (
        gst_harness_push (h, known_buffer (&prng, &hash)), GST_FLOW_OK);
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  fail_unless_equals_uint64 (iiosim_read_u64 (DAC, "sim_bytes"), 20 * BLOCK);
  fail_unless (iiosim_read_u64 (DAC, "sim_checksum") == hash);
  gst_object_unref (sink);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* After 100 buffers and EOS through a block the DAC failed, when the sink
 * does not learn of the failure: the block counts as played, nothing is
 * said. */
static void
expect_failed_block_unnoticed (Play *p)
{
  fail_unless_equals_int (wait_eos (p->pipe, 60 * GST_SECOND), 0);
  fail_unless_equals_uint64 (iiosim_read_u64 (DAC, "sim_failed"), 1);
  fail_unless_equals_uint64 (iiosim_stat_u64 (p->sink, "blocks-failed"), 0);
  fail_unless_equals_uint64 (iiosim_stat_u64 (p->sink, "buffers"), 100);
}

/* On industrialio-buffer-dmaengine the kernel completes a failed transfer
 * like a good one (docs/kernel-notes.md): the sink cannot tell, as with
 * check-transfers=false; a kernel that starts to report it fails here. */
GST_START_TEST (test_failed_block_warns_and_goes_on)
{
  gboolean hidden = iiosim_on_dmaengine (DAC);
  Play p;

  dac_free_run ();
  /* The DAC fails the first block: it does not play, the rest do. */
  iiosim_write (DAC, "sim_fail_next", "1");
  play_init (&p, "io-mode=dmabuf", 4);
  p.skip = 1;
  for (guint i = 0; i < 100; i++)
    play_push (&p, BLOCK);
  play_eos (&p);
  if (hidden) {
    expect_failed_block_unnoticed (&p);
  } else {
    fail_unless (wait_eos (p.pipe, 60 * GST_SECOND) >= 1, "no warning");
    fail_unless_equals_uint64 (iiosim_read_u64 (DAC, "sim_failed"), 1);
    fail_unless_equals_uint64 (iiosim_stat_u64 (p.sink, "blocks-failed"), 1);
    play_check_dac (&p);
  }
  play_clear (&p);
}

GST_END_TEST;

/* check-transfers=false: the failed block's status is not read, so it is
 * counted as played and nothing is said, as the property describes. */
GST_START_TEST (test_failed_block_unnoticed_without_checks)
{
  Play p;

  dac_free_run ();
  iiosim_write (DAC, "sim_fail_next", "1");
  play_init (&p, "io-mode=dmabuf check-transfers=false", 4);
  for (guint i = 0; i < 100; i++)
    play_push (&p, BLOCK);
  play_eos (&p);
  expect_failed_block_unnoticed (&p);
  play_clear (&p);
}

GST_END_TEST;

static void
write_platform_driver (const gchar *what, const gchar *device)
{
  gchar *path = g_strdup_printf ("/sys/bus/platform/drivers/iio-sim/%s", what);
  gint fd = open (path, O_WRONLY | O_CLOEXEC);

  fail_unless (fd >= 0, "%s", path);
  fail_unless (write (fd, device, strlen (device)) == (gssize)strlen (device));
  close (fd);
  g_free (path);
}

GST_START_TEST (test_device_removed_while_playing)
{
  GstElement *pipe =
      gst_parse_launch ("audiotestsrc samplesperbuffer=256 ! " CAPS
                        " ! iiodmabufsink device=" DAC,
          NULL);
  GstMessage *msg;
  gint64 t0;

  dac_free_run ();
  fail_if (gst_element_set_state (pipe, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  fail_unless_equals_int (
      gst_element_get_state (pipe, NULL, NULL, 10 * GST_SECOND),
      GST_STATE_CHANGE_SUCCESS);
  g_usleep (200 * G_TIME_SPAN_MILLISECOND);
  fail_unless (iiosim_read_u64 (DAC, "sim_blocks") > 0);

  t0 = g_get_monotonic_time ();
  write_platform_driver ("unbind", DAC);
  msg = gst_bus_timed_pop_filtered (
      GST_ELEMENT_BUS (pipe), 5 * GST_SECOND, GST_MESSAGE_ERROR);
  fail_unless (msg != NULL, "no error after the device went away");
  fail_unless (g_get_monotonic_time () - t0 < G_USEC_PER_SEC,
      "the error took %" G_GINT64_FORMAT " us", g_get_monotonic_time () - t0);
  gst_message_unref (msg);
  t0 = g_get_monotonic_time ();
  fail_unless_equals_int (
      gst_element_set_state (pipe, GST_STATE_NULL), GST_STATE_CHANGE_SUCCESS);
  fail_unless (g_get_monotonic_time () - t0 < G_USEC_PER_SEC);
  gst_object_unref (pipe);
  write_platform_driver ("bind", DAC);
}

GST_END_TEST;

/* Counts the sink's underrun warnings on the bus. */
static guint
count_underrun_warnings (GstElement *pipe)
{
  GstBus *bus = gst_element_get_bus (pipe);
  GstMessage *msg;
  guint n = 0;

  while ((msg = gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING))) {
    GError *err = NULL;

    gst_message_parse_warning (msg, &err, NULL);
    n += strstr (err->message, "Underrun") != NULL;
    g_error_free (err);
    gst_message_unref (msg);
  }
  gst_object_unref (bus);
  return n;
}

static void
wait_played (Play *p, guint64 n)
{
  for (guint i = 0; i < 1000 && iiosim_stat_u64 (p->sink, "buffers") < n; i++)
    g_usleep (5 * G_TIME_SPAN_MILLISECOND);
  fail_unless_equals_uint64 (iiosim_stat_u64 (p->sink, "buffers"), n);
}

GST_START_TEST (test_underrun_counted_warned_per_burst)
{
  /* 10 kHz, 2000 samples: each block plays 200 ms. */
  const gsize block = 2000 * SCAN;
  Play p;

  iiosim_write (DAC, "sim_free_run", "0");
  iiosim_write (DAC, "sampling_frequency", "10000");
  iiosim_write (DAC, "sim_reset", "1");
  play_init_caps (&p,
      "audio/x-raw,format=S16LE,layout=interleaved,channels=2,rate=10000",
      "n-buffers=2 sampling-frequency=10000", 0);
  /* 1 and 2 start the device. 3 comes after it played them: an underrun,
   * a warning. 4 and 5 come while 3 plays: a queue's worth in time ends the
   * run. 6 comes late: a new run, a new warning. 7 comes late too: the same
   * run, counted, no warning. */
  play_push (&p, block);
  play_push (&p, block);
  wait_played (&p, 2);
  g_usleep (700 * G_TIME_SPAN_MILLISECOND);
  play_push (&p, block);
  wait_played (&p, 3);
  play_push (&p, block);
  play_push (&p, block);
  wait_played (&p, 5);
  g_usleep (900 * G_TIME_SPAN_MILLISECOND);
  play_push (&p, block);
  wait_played (&p, 6);
  g_usleep (500 * G_TIME_SPAN_MILLISECOND);
  play_push (&p, block);
  wait_played (&p, 7);
  play_eos (&p);
  fail_unless_equals_int (count_underrun_warnings (p.pipe), 2);
  wait_eos (p.pipe, 60 * GST_SECOND);
  fail_unless_equals_uint64 (iiosim_stat_u64 (p.sink, "underruns"), 3);
  /* The driver saw the same. */
  fail_unless_equals_uint64 (iiosim_read_u64 (DAC, "sim_underruns"), 3);
  play_check_dac (&p);
  play_clear (&p);
}

GST_END_TEST;

GST_START_TEST (test_state_cycles_no_leak)
{
  GstElement *pipe =
      gst_parse_launch ("audiotestsrc samplesperbuffer=256 ! " CAPS " ! "
                        "iiodmabufsink device=" DAC,
          NULL);
  guint fds0 = 0;

  dac_free_run ();
  for (guint i = 0; i < 200; i++) {
    fail_unless (gst_element_set_state (pipe, GST_STATE_PLAYING) !=
        GST_STATE_CHANGE_FAILURE);
    fail_unless_equals_int (
        gst_element_get_state (pipe, NULL, NULL, 5 * GST_SECOND),
        GST_STATE_CHANGE_SUCCESS);
    fail_unless_equals_int (
        gst_element_set_state (pipe, GST_STATE_NULL), GST_STATE_CHANGE_SUCCESS);
    if (i == 1)
      fds0 = iiosim_count_fds ();
  }
  fail_unless_equals_int (iiosim_count_fds (), fds0);
  /* It played. */
  fail_unless (iiosim_read_u64 (DAC, "sim_blocks") > 0);
  gst_object_unref (pipe);
}

GST_END_TEST;

/* The example launch lines of the element's documentation, as written
 * there (without gst-launch-1.0), on the driver's defaults: paced by the
 * sampling frequency. */
/* attributes: written at start (before the caps are checked against the
 * device's rate); a value the driver refuses, an unknown attribute and a
 * malformed string are errors that name them. */
GST_START_TEST (test_attributes_property)
{
  GstElement *pipe;

  /* The test driver's own knob as the attribute: the DAC, paced at 48 kHz,
   * is switched to free run by the element. */
  iiosim_write (DAC, "sim_free_run", "0");
  pipe = gst_parse_launch ("audiotestsrc num-buffers=10 ! " CAPS
                           " ! iiodmabufsink device=" DAC
                           " attributes=\"sim_free_run=1\" sync=false",
      NULL);
  fail_if (gst_element_set_state (pipe, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  fail_unless_equals_int (wait_eos (pipe, 60 * GST_SECOND), 0);
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (pipe);
  fail_unless_equals_uint64 (iiosim_read_u64 (DAC, "sim_free_run"), 1);
  fail_unless (iiosim_read_u64 (DAC, "sim_bytes") > 0);

  iiosim_expect_error ("audiotestsrc ! " CAPS " ! iiodmabufsink device=" DAC
                       " attributes=\"sampling_frequency=0\"",
      "sampling_frequency", FALSE);
  iiosim_expect_error ("audiotestsrc ! " CAPS " ! iiodmabufsink device=" DAC
                       " attributes=\"no_such_attr=1\"",
      "no_such_attr", FALSE);
  iiosim_expect_error ("audiotestsrc ! " CAPS " ! iiodmabufsink device=" DAC
                       " attributes=\"=,\"",
      "attributes", FALSE);
}

GST_END_TEST;

/* sync=true: the sink renders on the pipeline clock, so 30 buffers of
 * 20 ms take at least about 600 ms however fast the DAC drains them; with
 * sync=false the free-running DAC takes them at once. (The system clock:
 * the DAC's own, which a driver running freely races, is not provided.) */
GST_START_TEST (test_sync_follows_the_clock)
{
  const gchar *desc[] = {
    "audiotestsrc num-buffers=30 samplesperbuffer=960 ! "
    "audio/x-raw,format=S16LE,channels=2,rate=48000 ! iiodmabufsink "
    "device=" DAC " samples-per-buffer=960 sync=true provide-clock=false",
    "audiotestsrc num-buffers=30 samplesperbuffer=960 ! "
    "audio/x-raw,format=S16LE,channels=2,rate=48000 ! iiodmabufsink "
    "device=" DAC " samples-per-buffer=960 sync=false provide-clock=false",
  };
  gint64 took[2];

  dac_free_run ();
  for (guint i = 0; i < 2; i++) {
    GstElement *pipe = gst_parse_launch (desc[i], NULL);
    gint64 t0 = g_get_monotonic_time ();

    fail_if (gst_element_set_state (pipe, GST_STATE_PLAYING) ==
        GST_STATE_CHANGE_FAILURE);
    fail_unless_equals_int (wait_eos (pipe, 60 * GST_SECOND), 0);
    took[i] = g_get_monotonic_time () - t0;
    gst_element_set_state (pipe, GST_STATE_NULL);
    gst_object_unref (pipe);
  }
  GST_INFO ("30 x 20 ms: sync=true %" G_GINT64_FORMAT
            " us, sync=false %" G_GINT64_FORMAT " us",
      took[0], took[1]);
  fail_unless (took[0] >= 550 * G_TIME_SPAN_MILLISECOND,
      "sync=true played 600 ms of audio in %" G_GINT64_FORMAT " us", took[0]);
  fail_unless (took[1] < took[0], "sync=false was not faster");
}

GST_END_TEST;

GST_START_TEST (test_doc_examples)
{
  static const gchar *const ending[] = {
    "audiotestsrc num-buffers=100 ! "
    "audio/x-raw,format=S16LE,channels=2,rate=48000 ! "
    "iiodmabufsink device=iio-sim-dac",
    "iiodmabufsrc device=iio-sim-adc channels=voltage0,voltage1 "
    "samples-per-buffer=1024 num-buffers=1000 ! "
    "iiodmabufsink device=iio-sim-dac",
  };
  const gchar *cyclic =
      "audiotestsrc num-buffers=1 samplesperbuffer=4800 freq=1000 ! "
      "audio/x-raw,format=S16LE,channels=2,rate=48000 ! "
      "iiodmabufsink device=iio-sim-dac cyclic=true samples-per-buffer=4800";
  const guint64 bytes[] = { 100 * 1024 * SCAN, 1000 * 1024 * SCAN };
  GstElement *pipe;

  for (guint i = 0; i < G_N_ELEMENTS (ending); i++) {
    iiosim_write (DAC, "sim_reset", "1");
    pipe = gst_parse_launch (ending[i], NULL);
    fail_unless (pipe != NULL, "%s", ending[i]);
    fail_if (gst_element_set_state (pipe, GST_STATE_PLAYING) ==
        GST_STATE_CHANGE_FAILURE);
    wait_eos (pipe, 120 * GST_SECOND);
    gst_element_set_state (pipe, GST_STATE_NULL);
    gst_object_unref (pipe);
    fail_unless_equals_uint64 (iiosim_read_u64 (DAC, "sim_bytes"), bytes[i]);
  }

  /* The cyclic one plays until stopped. */
  iiosim_write (DAC, "sim_reset", "1");
  pipe = gst_parse_launch (cyclic, NULL);
  fail_unless (pipe != NULL, "%s", cyclic);
  fail_if (gst_element_set_state (pipe, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  g_usleep (500 * G_TIME_SPAN_MILLISECOND);
  {
    GstBus *bus = gst_element_get_bus (pipe);
    GstMessage *msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);

    fail_unless (msg == NULL, "%s: an error", cyclic);
    gst_object_unref (bus);
  }
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (pipe);
  if (iiosim_on_dmaengine (DAC)) {
    /* (the buffer ignores the cyclic flag: the sink repeats the block) */
    guint64 blocks = iiosim_read_u64 (DAC, "sim_blocks");

    fail_unless (blocks > 1, "%" G_GUINT64_FORMAT " blocks", blocks);
    fail_unless_equals_uint64 (
        iiosim_read_u64 (DAC, "sim_bytes"), blocks * 4800 * SCAN);
  } else {
    fail_unless_equals_uint64 (iiosim_read_u64 (DAC, "sim_blocks"), 1);
    fail_unless_equals_uint64 (iiosim_read_u64 (DAC, "sim_bytes"), 4800 * SCAN);
    fail_unless (iiosim_read_u64 (DAC, "sim_cyclic_repeats") > 0);
  }
}

GST_END_TEST;

/* Each test starts from a freshly loaded driver: default layout and knobs. */
static void
reload_driver (void)
{
  iiosim_reload (NULL);
}

/* An upstream that allocates a fresh dma-buf for every buffer (a decoder
 * without a pool, another process handing over new ones): each is attached
 * when it comes and detached when its memory dies, so attachments and fds
 * stay bounded by the blocks in flight however long it plays. The bound:
 * n-buffers (4) queued and the one being played, attached; the fds of
 * those, their dups, and appsrc's queue (4); and the sync_files of their
 * transfers, those of completed ones closed in batches. */
GST_START_TEST (test_fresh_dmabufs_stay_bounded)
{
  GstAllocator *alloc = gst_dmabuf_allocator_new ();
  guint64 attached, max_attached = 0;
  guint fds, fds0, max_fds = 0, syncs, max_syncs = 0;
  Play p;

  dac_free_run ();
  play_init (&p, "io-mode=dmabuf-import n-buffers=4", 4);
  fds0 = iiosim_count_fds ();
  for (guint i = 0; i < 10000; i++) {
    GstMemory *mem = iiosim_heap_memory (alloc, BLOCK);
    GstBuffer *buf = gst_buffer_new ();

    fail_unless (mem != NULL);
    gst_buffer_append_memory (buf, mem);
    play_push_buffer (&p, buf);
    if (i % 50 == 0) {
      attached = iiosim_stat_u64 (p.sink, "dmabufs-attached");
      syncs = iiosim_count_sync_files ();
      fds = iiosim_count_fds () - syncs;
      max_attached = MAX (max_attached, attached);
      max_fds = MAX (max_fds, fds);
      max_syncs = MAX (max_syncs, syncs);
    }
  }
  play_eos (&p);
  fail_unless_equals_int (wait_eos (p.pipe, 300 * GST_SECOND), 0);
  play_check_dac (&p);
  fail_unless_equals_uint64 (iiosim_stat_u64 (p.sink, "copies"), 0);
  GST_INFO ("at most %" G_GUINT64_FORMAT " attached, %u fds (%u before)",
      max_attached, max_fds, fds0);
  fail_unless (max_attached <= 5, "%" G_GUINT64_FORMAT " dma-bufs attached",
      max_attached);
  fail_unless (max_fds <= fds0 + 3 * 5 + 4, "%u fds, %u before", max_fds, fds0);
  fail_unless (
      max_syncs <= IIOSIM_SYNC_FILE_BATCH + 5, "%u sync_files", max_syncs);
  play_clear (&p);
  gst_object_unref (alloc);
}

GST_END_TEST;

/* Upstream asks for a pool 100 times in one run and plays a few buffers
 * from each: every pool the sink offered is attached as it allocates, and
 * let go of as it dies. The bound: the pool in use (n-buffers = 4 at
 * activation, a fifth when all four are in flight as the fifth buffer of
 * the five played from it is acquired: the pool has no maximum), the
 * blocks of the one before still in flight (4), and one of those that has
 * completed and that the streaming thread is letting go of as the count
 * is read from this thread (1): 10. A dma-buf leaked per query would reach
 * 100. The
 * sync_files of transfers apart (those of completed ones are closed in
 * batches). */
GST_START_TEST (test_allocation_queries_stay_bounded)
{
  guint64 attached, max_attached = 0;
  guint fds0 = 0;
  Play p;

  dac_free_run ();
  play_init (&p, "io-mode=dmabuf n-buffers=4", 4);
  for (guint i = 0; i < 100; i++) {
    guint size = 0;
    GstBufferPool *pool = play_query_pool (&p, &size);

    fail_unless (pool != NULL, "query %u: no pool offered", i);
    fail_unless (size >= BLOCK, "query %u: dma-bufs of %u bytes", i, size);
    play_use_pool (&p, pool);
    for (guint j = 0; j < 5; j++)
      play_push (&p, BLOCK);
    attached = iiosim_stat_u64 (p.sink, "dmabufs-attached");
    max_attached = MAX (max_attached, attached);
    gst_buffer_pool_set_active (pool, FALSE);
    gst_object_unref (pool);
    p.pool = NULL;
    if (i == 1)
      fds0 = iiosim_count_fds () - iiosim_count_sync_files ();
    fail_unless (iiosim_count_sync_files () <= IIOSIM_SYNC_FILE_BATCH + 9,
        "query %u: %u sync_files", i, iiosim_count_sync_files ());
  }
  play_eos (&p);
  fail_unless_equals_int (wait_eos (p.pipe, 300 * GST_SECOND), 0);
  play_check_dac (&p);
  fail_unless_equals_uint64 (iiosim_stat_u64 (p.sink, "copies"), 0);
  fail_unless (max_attached <= 10, "%" G_GUINT64_FORMAT " dma-bufs attached",
      max_attached);
  fail_unless (iiosim_count_fds () - iiosim_count_sync_files () <= fds0 + 8,
      "%u fds, %u after query 1",
      iiosim_count_fds () - iiosim_count_sync_files (), fds0);
  play_clear (&p);
}

GST_END_TEST;

static Suite *
iiodmabufsink_suite (void)
{
  Suite *s = suite_create ("iiodmabufsink");
  TCase *tc = tcase_create ("guest");

  tcase_set_timeout (tc, 600);
  tcase_add_checked_fixture (tc, reload_driver, NULL);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_dmabuf_proposed_pool);
  tcase_add_test (tc, test_dmabuf_import_heap_pool);
  tcase_add_test (tc, test_fresh_dmabufs_stay_bounded);
  tcase_add_test (tc, test_allocation_queries_stay_bounded);
  tcase_add_test (tc, test_rw_system_memory);
  tcase_add_test (tc, test_switch_dmabuf_to_rw);
  tcase_add_test (tc, test_empty_and_oversized_buffers);
  tcase_add_test (tc, test_bad_channel_lists);
  tcase_add_test (tc, test_permission_denied);
  tcase_add_test (tc, test_auto_system_memory);
  tcase_add_test (tc, test_auto_dmabuf_import);
  tcase_add_test (tc, test_upstream_uses_proposed_pool);
  tcase_add_test (tc, test_cyclic_repeats_until_stopped);
  tcase_add_test (tc, test_cyclic_rw_is_an_error);
  tcase_add_test (tc, test_open_errors);
  tcase_add_test (tc, test_caps_refused_names_layout);
  tcase_add_test (tc, test_adc_to_dac);
  tcase_add_test (tc, test_adc_queue_dac);
  tcase_add_test (tc, test_adc_tee_dac_and_check);
  tcase_add_test (tc, test_stall_then_null_returns);
  tcase_add_test (tc, test_flush_while_stalled);
  tcase_add_test (tc, test_failed_block_warns_and_goes_on);
  tcase_add_test (tc, test_failed_block_unnoticed_without_checks);
  tcase_add_test (tc, test_device_removed_while_playing);
  tcase_add_test (tc, test_underrun_counted_warned_per_burst);
  tcase_add_test (tc, test_state_cycles_no_leak);
  tcase_add_test (tc, test_doc_examples);
  tcase_add_test (tc, test_attributes_property);
  tcase_add_test (tc, test_generic_caps_play);
  tcase_add_test (tc, test_split_and_offset_dmabufs_copied);
  tcase_add_test (tc, test_sync_follows_the_clock);
  return s;
}

GST_CHECK_MAIN (iiodmabufsink);
