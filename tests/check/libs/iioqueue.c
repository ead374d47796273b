/* The queue of blocks (gstiioqueue) against a test double of the kernel's
 * IIO buffer: the order of attach, enqueue and enable, one attachment per
 * dma-buf that lives as long as its memory, the waits and what their end
 * means. No kernel, no qemu.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gst/allocators/allocators.h>
#include <gst/check/gstcheck.h>

#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>

#include "gstiioqueue.h"

/* One attached dma-buf of the double. */
typedef struct
{
  gint fd;
  gint state; /* 0 idle, 1 queued, 2 done, 3 failed */
  guint64 done_ns;
} FakeAtt;

/* The double: what was called, in order ('A'ttach, 'D'etach, 'E'nqueue,
 * 'S'tart (enable), 's'top), and transfers completed by the test. */
typedef struct
{
  GMutex lock;
  GCond cond;
  GString *log;
  GQueue pending; /* FakeAtt queued, not completed by the test yet */
  guint n_attached;
  gboolean enabled, alive, flushing;
  guint alive_checks;
  gint kicks;
  guint fail_enqueue_at; /* fail the Nth enqueue (1-based), 0: none */
  guint n_enqueues;
  /* on the first enqueue, attach this from another thread */
  GstMemory *race_mem;
  GstIioQueue *race_q;
  GThread *race_thread;
} FakeKbuf;

static gpointer
fake_attach (gpointer kbuf, gint dmabuf_fd, GError **error)
{
  FakeKbuf *k = kbuf;
  FakeAtt *att = g_new0 (FakeAtt, 1);

  att->fd = dmabuf_fd;
  g_mutex_lock (&k->lock);
  g_string_append_c (k->log, 'A');
  k->n_attached++;
  g_mutex_unlock (&k->lock);
  return att;
}

static void
fake_detach (gpointer kbuf, gpointer handle)
{
  FakeKbuf *k = kbuf;
  FakeAtt *att = handle;

  g_mutex_lock (&k->lock);
  fail_unless (att->state != 1, "detached while queued");
  g_queue_remove (&k->pending, att);
  g_string_append_c (k->log, 'D');
  k->n_attached--;
  g_mutex_unlock (&k->lock);
  g_free (att);
}

static gpointer
race_attach (gpointer data)
{
  FakeKbuf *k = data;

  fail_unless (gst_iio_queue_attach (k->race_q, k->race_mem, NULL));
  return NULL;
}

static gboolean
fake_enqueue (gpointer kbuf, gpointer handle, gsize bytes, gboolean cyclic,
    GError **error)
{
  FakeKbuf *k = kbuf;
  FakeAtt *att = handle;
  GThread *racer = NULL;

  g_mutex_lock (&k->lock);
  k->n_enqueues++;
  if (k->fail_enqueue_at && k->n_enqueues == k->fail_enqueue_at) {
    g_mutex_unlock (&k->lock);
    g_set_error (error, GST_IIO_BUFFER_ERROR, GST_IIO_BUFFER_ERROR_FAILED,
        "enqueue refused");
    return FALSE;
  }
  g_string_append_c (k->log, 'E');
  att->state = 1;
  g_queue_push_tail (&k->pending, att);
  if (k->race_mem && !k->race_thread)
    racer = k->race_thread = g_thread_new ("racer", race_attach, k);
  g_mutex_unlock (&k->lock);
  /* An attach from another thread now would land between two enqueues. */
  if (racer)
    g_usleep (50 * G_TIME_SPAN_MILLISECOND);
  return TRUE;
}

static GstIioWaitResult
fake_wait (gpointer kbuf, gpointer handle, GstClockTime timeout,
    guint64 *done_ns, GError **error)
{
  FakeKbuf *k = kbuf;
  FakeAtt *att = handle;
  gint64 end = g_get_monotonic_time () + (gint64)(timeout / GST_USECOND);
  GstIioWaitResult res;

  *done_ns = 0;
  g_mutex_lock (&k->lock);
  for (;;) {
    if (k->flushing) {
      res = GST_IIO_WAIT_FLUSHING;
      break;
    }
    if (k->kicks) {
      k->kicks = 0;
      res = GST_IIO_WAIT_KICKED;
      break;
    }
    if (att->state == 2) {
      *done_ns = att->done_ns;
      res = GST_IIO_WAIT_OK;
      break;
    }
    if (att->state == 3) {
      g_set_error (error, GST_IIO_BUFFER_ERROR, GST_IIO_BUFFER_ERROR_TRANSFER,
          "The IIO transfer failed: %s", g_strerror (EIO));
      res = GST_IIO_WAIT_ERROR;
      break;
    }
    if (!g_cond_wait_until (&k->cond, &k->lock, end)) {
      res = GST_IIO_WAIT_TIMEOUT;
      break;
    }
  }
  if (res == GST_IIO_WAIT_OK || res == GST_IIO_WAIT_ERROR)
    att->state = 0;
  g_mutex_unlock (&k->lock);
  return res;
}

static gboolean
fake_set_enabled (gpointer kbuf, gboolean enabled, GError **error)
{
  FakeKbuf *k = kbuf;
  FakeAtt *att;

  g_mutex_lock (&k->lock);
  g_string_append_c (k->log, enabled ? 'S' : 's');
  k->enabled = enabled;
  /* disabling aborts what is queued */
  while (!enabled && (att = g_queue_pop_head (&k->pending)))
    att->state = 0;
  g_mutex_unlock (&k->lock);
  return TRUE;
}

static gboolean
fake_alive (gpointer kbuf)
{
  FakeKbuf *k = kbuf;
  gboolean alive;

  g_mutex_lock (&k->lock);
  k->alive_checks++;
  alive = k->alive && k->enabled;
  g_mutex_unlock (&k->lock);
  return alive;
}

static GstIioWaitResult
fake_wait_kick (gpointer kbuf, GstClockTime timeout)
{
  FakeAtt never = { -1, 1, 0 };
  guint64 done;

  return fake_wait (kbuf, &never, timeout, &done, NULL);
}

static void
fake_kick (gpointer kbuf)
{
  FakeKbuf *k = kbuf;

  g_mutex_lock (&k->lock);
  k->kicks++;
  g_cond_broadcast (&k->cond);
  g_mutex_unlock (&k->lock);
}

static void
fake_set_flushing (gpointer kbuf, gboolean flushing)
{
  FakeKbuf *k = kbuf;

  g_mutex_lock (&k->lock);
  k->flushing = flushing;
  g_cond_broadcast (&k->cond);
  g_mutex_unlock (&k->lock);
}

static const GstIioQueueBackend fake_backend = {
  fake_attach,
  fake_detach,
  fake_enqueue,
  fake_wait,
  fake_set_enabled,
  fake_alive,
  fake_wait_kick,
  fake_kick,
  fake_set_flushing,
};

static FakeKbuf *fake;
static GstIioQueue *q;
static GstAllocator *dmabuf_alloc;

static void
setup (void)
{
  fake = g_new0 (FakeKbuf, 1);
  g_mutex_init (&fake->lock);
  g_cond_init (&fake->cond);
  fake->log = g_string_new (NULL);
  fake->alive = TRUE;
  q = gst_iio_queue_new_with_backend (&fake_backend, fake);
  dmabuf_alloc = gst_dmabuf_allocator_new ();
}

static void
teardown (void)
{
  gst_iio_queue_close (q);
  fail_unless_equals_int (fake->n_attached, 0);
  g_string_free (fake->log, TRUE);
  g_mutex_clear (&fake->lock);
  g_cond_clear (&fake->cond);
  g_free (fake);
  gst_object_unref (dmabuf_alloc);
}

/* A memory over a fresh memfd, standing in for a dma-buf (the queue knows
 * a dma-buf by its inode). The memory owns the fd. */
static GstMemory *
new_mem (void)
{
  gint fd = memfd_create ("iioqueue", MFD_CLOEXEC);

  fail_unless (fd >= 0);
  fail_unless (ftruncate (fd, 4096) == 0);
  return gst_dmabuf_allocator_alloc (dmabuf_alloc, fd, 4096);
}

static GstBuffer *
buffer_of (GstMemory *mem)
{
  GstBuffer *buf = gst_buffer_new ();

  gst_buffer_append_memory (buf, mem);
  return buf;
}

/* Completes (state 2, at @done_ns) or fails (3) the oldest transfer the
 * double has not completed yet. */
static void
complete_next (gint state, guint64 done_ns)
{
  FakeAtt *att;

  g_mutex_lock (&fake->lock);
  att = g_queue_pop_head (&fake->pending);
  fail_unless (att != NULL, "nothing queued to complete");
  att->state = state;
  att->done_ns = done_ns;
  g_cond_broadcast (&fake->cond);
  g_mutex_unlock (&fake->lock);
}

static gchar *
log_take (void)
{
  gchar *s;

  g_mutex_lock (&fake->lock);
  s = g_strdup (fake->log->str);
  g_string_truncate (fake->log, 0);
  g_mutex_unlock (&fake->lock);
  return s;
}

static guint
count_fds (void)
{
  GDir *dir = g_dir_open ("/proc/self/fd", 0, NULL);
  guint n = 0;

  fail_unless (dir != NULL);
  while (g_dir_read_name (dir))
    n++;
  g_dir_close (dir);
  return n;
}

/* Pushes a block of a fresh memory; returns the memory (borrowed). */
static GstMemory *
push_new (void)
{
  GstMemory *mem = new_mem ();

  fail_unless (gst_iio_queue_push (q, buffer_of (mem), 4096, NULL));
  return mem;
}

static void
pop_expect (GstIioQueueResult want, GstMemory *mem)
{
  GstBuffer *out = NULL;
  GError *err = NULL;
  GstIioQueueResult res = gst_iio_queue_pop (q, GST_SECOND, &out, &err);

  fail_unless_equals_int (res, want);
  if (want == GST_IIO_QUEUE_DONE) {
    fail_unless (out != NULL);
    fail_unless (gst_buffer_peek_memory (out, 0) == mem);
    gst_buffer_unref (out);
  } else {
    fail_unless (out == NULL);
  }
  fail_unless ((err != NULL) ==
      (want == GST_IIO_QUEUE_FAILED || want == GST_IIO_QUEUE_GONE ||
          want == GST_IIO_QUEUE_ERROR));
  g_clear_error (&err);
}

GST_START_TEST (test_start_queues_all_then_enables)
{
  gchar *log;

  push_new ();
  push_new ();
  push_new ();
  log = log_take ();
  /* staged: attached, nothing in the kernel's queue yet */
  fail_unless_equals_string (log, "AAA");
  g_free (log);
  fail_unless_equals_int (gst_iio_queue_n_staged (q), 3);
  fail_unless_equals_int (gst_iio_queue_n_queued (q), 0);
  fail_if (gst_iio_queue_is_started (q));

  fail_unless (gst_iio_queue_start (q, FALSE, NULL));
  log = log_take ();
  fail_unless_equals_string (log, "EEES");
  g_free (log);
  fail_unless_equals_int (gst_iio_queue_n_staged (q), 0);
  fail_unless_equals_int (gst_iio_queue_n_queued (q), 3);

  /* once started, a push goes straight to the kernel */
  push_new ();
  log = log_take ();
  fail_unless_equals_string (log, "AE");
  g_free (log);
  fail_unless_equals_int (gst_iio_queue_n_queued (q), 4);
}

GST_END_TEST;

GST_START_TEST (test_no_attach_between_enqueue_and_enable)
{
  gchar *log;

  push_new ();
  push_new ();
  g_free (log_take ());
  /* another thread (a pool allocating) attaches during the start */
  fake->race_q = q;
  fake->race_mem = new_mem ();
  fail_unless (gst_iio_queue_start (q, FALSE, NULL));
  g_thread_join (fake->race_thread);
  log = log_take ();
  fail_unless_equals_string (log, "EESA");
  g_free (log);
  gst_memory_unref (fake->race_mem);
}

GST_END_TEST;

GST_START_TEST (test_one_attachment_per_dmabuf)
{
  GstMemory *mem = new_mem (), *twin;
  gint fd;

  fail_unless (gst_iio_queue_attach (q, mem, NULL));
  fail_unless (gst_iio_queue_attach (q, mem, NULL));
  fail_unless (
      gst_iio_queue_push (q, buffer_of (gst_memory_ref (mem)), 4096, NULL));
  /* another GstMemory (and fd) of the same dma-buf */
  fd = dup (gst_dmabuf_memory_get_fd (mem));
  twin = gst_dmabuf_allocator_alloc (dmabuf_alloc, fd, 4096);
  fail_unless (gst_iio_queue_attach (q, twin, NULL));
  fail_unless_equals_int (gst_iio_queue_n_attached (q), 1);
  fail_unless_equals_int (fake->n_attached, 1);

  /* the twin dies while a block of the dma-buf is staged: it stays */
  gst_memory_unref (twin);
  fail_unless_equals_int (fake->n_attached, 1);
  fail_unless (gst_iio_queue_start (q, FALSE, NULL));
  complete_next (2, 1000);
  pop_expect (GST_IIO_QUEUE_DONE, mem);
  /* the last memory of it dies: detached */
  gst_memory_unref (mem);
  fail_unless_equals_int (gst_iio_queue_n_attached (q), 0);
  fail_unless_equals_int (fake->n_attached, 0);
}

GST_END_TEST;

GST_START_TEST (test_not_a_dmabuf)
{
  GstBuffer *sys = gst_buffer_new_allocate (NULL, 4096, NULL);
  GstBuffer *two = gst_buffer_new ();
  GError *err = NULL;

  fail_if (gst_iio_queue_push (q, sys, 4096, &err));
  fail_unless (g_error_matches (
      err, GST_IIO_BUFFER_ERROR, GST_IIO_BUFFER_ERROR_INVALID));
  g_clear_error (&err);
  gst_buffer_append_memory (two, new_mem ());
  gst_buffer_append_memory (two, new_mem ());
  fail_if (gst_iio_queue_push (q, two, 8192, &err));
  fail_unless (g_error_matches (
      err, GST_IIO_BUFFER_ERROR, GST_IIO_BUFFER_ERROR_INVALID));
  g_clear_error (&err);
  fail_unless_equals_int (gst_iio_queue_n_staged (q), 0);
  fail_unless_equals_int (fake->n_attached, 0);
}

GST_END_TEST;

GST_START_TEST (test_pop_in_order)
{
  GstMemory *a, *b;
  GstBuffer *out = NULL;

  a = push_new ();
  b = push_new ();
  fail_unless (gst_iio_queue_start (q, FALSE, NULL));
  /* nothing done: a wait of 0 looks and returns, without reading whether
   * the device is there (a sysfs read per buffer) */
  for (guint i = 0; i < 100; i++)
    fail_unless_equals_int (
        gst_iio_queue_pop (q, 0, &out, NULL), GST_IIO_QUEUE_TIMEOUT);
  fail_unless (out == NULL);
  fail_unless_equals_int (fake->alive_checks, 0);
  complete_next (2, 1000);
  complete_next (2, 2000);
  pop_expect (GST_IIO_QUEUE_DONE, a);
  fail_unless_equals_uint64 (gst_iio_queue_done_ns (q), 1000);
  pop_expect (GST_IIO_QUEUE_DONE, b);
  fail_unless_equals_uint64 (gst_iio_queue_done_ns (q), 2000);
  fail_unless_equals_int (gst_iio_queue_n_queued (q), 0);
  /* nothing queued at all is an error, not a wait */
  pop_expect (GST_IIO_QUEUE_ERROR, NULL);
}

GST_END_TEST;

GST_START_TEST (test_failed_block_and_gone_device)
{
  GstMemory *a, *b, *c;

  a = push_new ();
  b = push_new ();
  c = push_new ();
  fail_unless (gst_iio_queue_start (q, FALSE, NULL));
  /* the device stays: a failed block, dropped, the stream goes on */
  complete_next (3, 0);
  pop_expect (GST_IIO_QUEUE_FAILED, a);
  complete_next (2, 5);
  pop_expect (GST_IIO_QUEUE_DONE, b);
  /* the buffer was disabled under us: the abort is no passing failure */
  g_mutex_lock (&fake->lock);
  fake->alive = FALSE;
  g_mutex_unlock (&fake->lock);
  complete_next (3, 0);
  pop_expect (GST_IIO_QUEUE_GONE, c);
  fail_unless_equals_int (gst_iio_queue_n_queued (q), 0);
}

GST_END_TEST;

GST_START_TEST (test_gone_noticed_within_a_slice)
{
  GstBuffer *out = NULL;
  GError *err = NULL;
  gint64 t0;

  push_new ();
  fail_unless (gst_iio_queue_start (q, FALSE, NULL));
  g_mutex_lock (&fake->lock);
  fake->alive = FALSE;
  g_mutex_unlock (&fake->lock);
  t0 = g_get_monotonic_time ();
  fail_unless_equals_int (
      gst_iio_queue_pop (q, GST_CLOCK_TIME_NONE, &out, &err),
      GST_IIO_QUEUE_GONE);
  fail_unless (g_get_monotonic_time () - t0 <
      2 * (gint64)(GST_IIO_ALIVE_CHECK_INTERVAL / GST_USECOND));
  fail_unless (
      g_error_matches (err, GST_IIO_BUFFER_ERROR, GST_IIO_BUFFER_ERROR_GONE));
  g_clear_error (&err);
  fail_unless (out == NULL);
}

GST_END_TEST;

GST_START_TEST (test_timeout_is_kept)
{
  GstBuffer *out = NULL;
  gint64 t0, took;

  push_new ();
  fail_unless (gst_iio_queue_start (q, FALSE, NULL));
  t0 = g_get_monotonic_time ();
  fail_unless_equals_int (gst_iio_queue_pop (q, 450 * GST_MSECOND, &out, NULL),
      GST_IIO_QUEUE_TIMEOUT);
  took = g_get_monotonic_time () - t0;
  fail_unless (
      took >= 450 * G_TIME_SPAN_MILLISECOND, "%" G_GINT64_FORMAT, took);
  fail_unless (
      took < 1500 * G_TIME_SPAN_MILLISECOND, "%" G_GINT64_FORMAT, took);
  /* the block is still queued */
  fail_unless_equals_int (gst_iio_queue_n_queued (q), 1);
}

GST_END_TEST;

GST_START_TEST (test_flushing_and_kick)
{
  GstBuffer *out = NULL;

  push_new ();
  fail_unless (gst_iio_queue_start (q, FALSE, NULL));
  gst_iio_queue_kick (q);
  fail_unless_equals_int (
      gst_iio_queue_pop (q, GST_SECOND, &out, NULL), GST_IIO_QUEUE_KICKED);
  fail_unless_equals_int (
      gst_iio_queue_wait_kick (q, 10 * GST_MSECOND), GST_IIO_QUEUE_TIMEOUT);
  gst_iio_queue_set_flushing (q, TRUE);
  fail_unless_equals_int (
      gst_iio_queue_pop (q, GST_SECOND, &out, NULL), GST_IIO_QUEUE_FLUSHING);
  fail_unless_equals_int (
      gst_iio_queue_wait_kick (q, GST_SECOND), GST_IIO_QUEUE_FLUSHING);
  gst_iio_queue_set_flushing (q, FALSE);
  fail_unless_equals_int (gst_iio_queue_n_queued (q), 1);
}

GST_END_TEST;

GST_START_TEST (test_idle_time)
{
  GstMemory *a, *b, *c;
  guint64 before;

  a = push_new ();
  fail_unless (gst_iio_queue_start (q, FALSE, NULL));
  complete_next (2, 1000);
  pop_expect (GST_IIO_QUEUE_DONE, a);
  fail_unless_equals_uint64 (gst_iio_queue_idle_ns (q), 0);
  /* queued long after the one before completed: the device idled */
  before = gst_iio_now_ns ();
  b = push_new ();
  complete_next (2, before + 5000000);
  pop_expect (GST_IIO_QUEUE_DONE, b);
  fail_unless (gst_iio_queue_idle_ns (q) >= before - 1000);
  /* queued before the one before completed: no idle time */
  c = push_new ();
  complete_next (2, before + 10000000);
  pop_expect (GST_IIO_QUEUE_DONE, c);
  fail_unless_equals_uint64 (gst_iio_queue_idle_ns (q), 0);
}

GST_END_TEST;

GST_START_TEST (test_start_enables_after_a_failure)
{
  GError *err = NULL;
  gchar *log;

  push_new ();
  push_new ();
  push_new ();
  g_free (log_take ());
  fake->fail_enqueue_at = 2;
  fail_if (gst_iio_queue_start (q, FALSE, &err));
  fail_unless (err != NULL);
  g_clear_error (&err);
  log = log_take ();
  /* the first is queued and the buffer enabled all the same; the rest is
   * dropped, and their memory, which died with them, detached */
  fail_unless_equals_string (log, "ESDD");
  g_free (log);
  fail_unless_equals_int (gst_iio_queue_n_queued (q), 1);
  fail_unless_equals_int (gst_iio_queue_n_staged (q), 0);
}

GST_END_TEST;

GST_START_TEST (test_stop_and_reset)
{
  GstMemory *a;
  gchar *log;

  a = push_new ();
  push_new ();
  fail_unless (gst_iio_queue_start (q, FALSE, NULL));
  g_free (log_take ());
  gst_memory_ref (a);
  gst_iio_queue_stop (q);
  log = log_take ();
  /* disabled; the memory nobody holds any more detached with its death */
  fail_unless_equals_string (log, "sD");
  g_free (log);
  fail_unless_equals_int (gst_iio_queue_n_queued (q), 0);
  fail_if (gst_iio_queue_is_started (q));
  /* the memory we still hold keeps its dma-buf attached */
  fail_unless_equals_int (gst_iio_queue_n_attached (q), 1);
  gst_iio_queue_reset (q);
  fail_unless_equals_int (gst_iio_queue_n_attached (q), 0);
  /* and it plays again after a reset */
  fail_unless (gst_iio_queue_push (q, buffer_of (a), 4096, NULL));
  fail_unless (gst_iio_queue_start (q, FALSE, NULL));
  log = log_take ();
  fail_unless_equals_string (log, "DAES");
  g_free (log);
}

GST_END_TEST;

/* An upstream that allocates a fresh dma-buf for every buffer: attachments
 * and fds stay bounded by what is alive (the blocks in flight). */
GST_START_TEST (test_fresh_dmabufs_stay_bounded)
{
  guint fds0, i, max_attached = 0;
  GstBuffer *out = NULL;

  fail_unless (gst_iio_queue_start (q, FALSE, NULL));
  fds0 = count_fds ();
  for (i = 0; i < 10000; i++) {
    push_new ();
    if (gst_iio_queue_n_queued (q) < 4)
      continue;
    complete_next (2, i);
    fail_unless_equals_int (
        gst_iio_queue_pop (q, GST_SECOND, &out, NULL), GST_IIO_QUEUE_DONE);
    fail_unless (out != NULL);
    gst_buffer_unref (out);
    max_attached = MAX (max_attached, gst_iio_queue_n_attached (q));
  }
  fail_unless (max_attached <= 4, "%u attached", max_attached);
  fail_unless (
      count_fds () <= fds0 + 4, "%u fds, %u before", count_fds (), fds0);
}

GST_END_TEST;

static gpointer
unref_memory (gpointer mem)
{
  gst_memory_unref (mem);
  return NULL;
}

/* Memory downstream still holds when the element closes its queue dies
 * later, in another thread: nothing to detach, nothing to crash on. */
GST_START_TEST (test_memory_outlives_the_queue)
{
  GstMemory *a = push_new ();
  GThread *t;

  gst_memory_ref (a);
  fail_unless (gst_iio_queue_start (q, FALSE, NULL));
  gst_iio_queue_close (q);
  q = gst_iio_queue_new_with_backend (&fake_backend, fake);
  fail_unless_equals_int (fake->n_attached, 0);
  t = g_thread_new ("unref", unref_memory, a);
  g_thread_join (t);
  fail_unless_equals_int (fake->n_attached, 0);
}

GST_END_TEST;

static Suite *
iioqueue_suite (void)
{
  Suite *s = suite_create ("iioqueue");
  TCase *tc = tcase_create ("queue");

  tcase_add_checked_fixture (tc, setup, teardown);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_start_queues_all_then_enables);
  tcase_add_test (tc, test_no_attach_between_enqueue_and_enable);
  tcase_add_test (tc, test_one_attachment_per_dmabuf);
  tcase_add_test (tc, test_not_a_dmabuf);
  tcase_add_test (tc, test_pop_in_order);
  tcase_add_test (tc, test_failed_block_and_gone_device);
  tcase_add_test (tc, test_gone_noticed_within_a_slice);
  tcase_add_test (tc, test_timeout_is_kept);
  tcase_add_test (tc, test_flushing_and_kick);
  tcase_add_test (tc, test_idle_time);
  tcase_add_test (tc, test_start_enables_after_a_failure);
  tcase_add_test (tc, test_stop_and_reset);
  tcase_add_test (tc, test_fresh_dmabufs_stay_bounded);
  tcase_add_test (tc, test_memory_outlives_the_queue);
  return s;
}

GST_CHECK_MAIN (iioqueue);
