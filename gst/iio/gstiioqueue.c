/* The queue of blocks in one IIO buffer: attachments tied to the memory
 * they came from, staged and queued blocks, start, stop and the waits.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstiioqueue.h"

#include <errno.h>
#include <sys/stat.h>

#include <gst/allocators/allocators.h>

GST_DEBUG_CATEGORY_STATIC (gst_iio_queue_debug);
#define GST_CAT_DEFAULT gst_iio_queue_debug

/* One attached dma-buf. @pins: blocks of it staged or queued; an entry
 * with pins is never detached. */
typedef struct
{
  guint64 ino; /* the dma-buf's identity */
  gpointer handle;
  guint pins;
} GstIioEntry;

/* A block: staged (before start) or in the kernel. */
typedef struct
{
  GstBuffer *buffer;
  GstIioEntry *entry;
  gsize bytes;
  guint64 queued_ns; /* CLOCK_MONOTONIC just before its enqueue */
} GstIioBlock;

/* Lock order: an element's object lock or a pool's lock may be held when
 * q->lock is taken. Under q->lock only the kernel is called (the backend):
 * no other lock is taken and no GstBuffer or GstMemory is unreffed (the
 * last unref of a memory comes back here, through its links, from any
 * thread). The links' own lock is never held with q->lock. */
struct _GstIioQueue
{
  gint refcount; /* atomic: the owner, and each memory linked to it */
  GMutex lock;
  const GstIioQueueBackend *be;
  gpointer kbuf;
  GDestroyNotify kbuf_free;
  gboolean closed;      /* lock */
  GHashTable *attached; /* lock: guint64 ino -> GstIioEntry */
  GQueue staged;        /* lock: GstIioBlock, in order */
  GQueue queued;        /* lock: GstIioBlock, oldest first */
  gint n_queued;        /* atomic, set under lock: queued's length */
  gboolean started;     /* lock */

  /* the streaming thread's */
  guint64 done_ns, prev_done_ns, idle_ns;
};

/* What a GstMemory carries (qdata): its dma-buf's identity, found once, and
 * the queues that attached it, to be told when it is freed. */
typedef struct
{
  guint64 ino;
  GSList *queues; /* GstIioQueue, one ref each */
} GstIioMemLinks;

G_LOCK_DEFINE_STATIC (mem_links);

static GQuark
mem_links_quark (void)
{
  static GQuark quark;

  if (!quark)
    quark = g_quark_from_static_string ("gst-iio-queue-links");
  return quark;
}

static GstIioQueue *
queue_ref (GstIioQueue *q)
{
  g_atomic_int_inc (&q->refcount);
  return q;
}

static void
queue_unref (GstIioQueue *q)
{
  if (!g_atomic_int_dec_and_test (&q->refcount))
    return;
  g_hash_table_unref (q->attached);
  g_mutex_clear (&q->lock);
  g_free (q);
}

/* Detaches @entry (q->lock held, no pins). */
static void
entry_detach_locked (GstIioQueue *q, GstIioEntry *entry)
{
  g_assert (entry->pins == 0);
  GST_DEBUG ("detaching dma-buf %" G_GUINT64_FORMAT, entry->ino);
  g_hash_table_remove (q->attached, &entry->ino);
  q->be->detach (q->kbuf, entry->handle);
  g_free (entry);
}

/* The last ref of a memory that was attached here was dropped, in any
 * thread: its dma-buf is detached unless a block of it (another GstMemory
 * of the same dma-buf) is in flight. */
static void
mem_links_free (gpointer data)
{
  GstIioMemLinks *links = data;
  GSList *l;

  for (l = links->queues; l; l = l->next) {
    GstIioQueue *q = l->data;
    GstIioEntry *entry;

    g_mutex_lock (&q->lock);
    entry = q->closed ? NULL : g_hash_table_lookup (q->attached, &links->ino);
    if (entry && entry->pins == 0)
      entry_detach_locked (q, entry);
    g_mutex_unlock (&q->lock);
    queue_unref (q);
  }
  g_slist_free (links->queues);
  g_free (links);
}

/* The identity of @mem's dma-buf, and a link from @mem to @q (made once),
 * so that the memory's end detaches it. */
static gboolean
mem_link (GstIioQueue *q, GstMemory *mem, guint64 *ino, GError **error)
{
  GstMiniObject *obj = GST_MINI_OBJECT_CAST (mem);
  GstIioMemLinks *links;
  struct stat st;
  gint err;

  G_LOCK (mem_links);
  links = gst_mini_object_get_qdata (obj, mem_links_quark ());
  if (!links) {
    if (fstat (gst_dmabuf_memory_get_fd (mem), &st) < 0) {
      err = errno;
      G_UNLOCK (mem_links);
      g_set_error (error, GST_IIO_BUFFER_ERROR, GST_IIO_BUFFER_ERROR_INVALID,
          "Cannot play or capture into this memory\nfstat of dma-buf fd %d: %s",
          gst_dmabuf_memory_get_fd (mem), g_strerror (err));
      return FALSE;
    }
    links = g_new0 (GstIioMemLinks, 1);
    links->ino = st.st_ino;
    gst_mini_object_set_qdata (obj, mem_links_quark (), links, mem_links_free);
  }
  if (!g_slist_find (links->queues, q))
    links->queues = g_slist_prepend (links->queues, queue_ref (q));
  *ino = links->ino;
  G_UNLOCK (mem_links);
  return TRUE;
}

/* The entry of @mem's dma-buf, attached now if it is not (q->lock held). */
static GstIioEntry *
entry_get_locked (GstIioQueue *q, GstMemory *mem, guint64 ino, GError **error)
{
  GstIioEntry *entry = g_hash_table_lookup (q->attached, &ino);
  gpointer handle;

  if (entry)
    return entry;
  if (q->closed) {
    g_set_error (error, GST_IIO_BUFFER_ERROR, GST_IIO_BUFFER_ERROR_FAILED,
        "The IIO buffer is closed\nattach after gst_iio_queue_close()");
    return NULL;
  }
  handle = q->be->attach (q->kbuf, gst_dmabuf_memory_get_fd (mem), error);
  if (!handle)
    return NULL;
  entry = g_new0 (GstIioEntry, 1);
  entry->ino = ino;
  entry->handle = handle;
  g_hash_table_insert (q->attached, &entry->ino, entry);
  GST_DEBUG ("attached dma-buf %" G_GUINT64_FORMAT " (%u attached)", ino,
      g_hash_table_size (q->attached));
  return entry;
}

static gboolean
is_dmabuf (GstMemory *mem, GError **error)
{
  if (mem && gst_is_dmabuf_memory (mem))
    return TRUE;
  g_set_error (error, GST_IIO_BUFFER_ERROR, GST_IIO_BUFFER_ERROR_INVALID,
      "Cannot queue this memory in the IIO buffer: it is no dma-buf\n"
      "%" GST_PTR_FORMAT,
      mem);
  return FALSE;
}

gboolean
gst_iio_queue_attach (GstIioQueue *q, GstMemory *mem, GError **error)
{
  GstIioEntry *entry;
  guint64 ino;

  if (!is_dmabuf (mem, error) || !mem_link (q, mem, &ino, error))
    return FALSE;
  g_mutex_lock (&q->lock);
  entry = entry_get_locked (q, mem, ino, error);
  g_mutex_unlock (&q->lock);
  return entry != NULL;
}

static GstIioQueue *
queue_new (const GstIioQueueBackend *backend, gpointer kbuf)
{
  static gsize once = 0;
  GstIioQueue *q;

  if (g_once_init_enter (&once)) {
    GST_DEBUG_CATEGORY_INIT (
        gst_iio_queue_debug, "iioqueue", 0, "IIO buffer queue");
    g_once_init_leave (&once, 1);
  }
  q = g_new0 (GstIioQueue, 1);
  q->refcount = 1;
  g_mutex_init (&q->lock);
  q->be = backend;
  q->kbuf = kbuf;
  q->attached = g_hash_table_new (g_int64_hash, g_int64_equal);
  g_queue_init (&q->staged);
  g_queue_init (&q->queued);
  return q;
}

GstIioQueue *
gst_iio_queue_new_with_backend (
    const GstIioQueueBackend *backend, gpointer kbuf)
{
  return queue_new (backend, kbuf);
}

/* Takes the blocks of @from (q->lock held) onto @drop, unpinned, for the
 * caller to unref after it let go of the lock. */
static void
blocks_take_locked (GQueue *from, GQueue *drop)
{
  GstIioBlock *block;

  while ((block = g_queue_pop_head (from))) {
    block->entry->pins--;
    g_queue_push_tail (drop, block->buffer);
    g_free (block);
  }
}

void
gst_iio_queue_stop (GstIioQueue *q)
{
  GQueue drop = G_QUEUE_INIT;
  GError *err = NULL;

  g_mutex_lock (&q->lock);
  if (q->started && !q->be->set_enabled (q->kbuf, FALSE, &err)) {
    GST_WARNING ("stopping the device: %s", err->message);
    g_clear_error (&err);
  }
  q->started = FALSE;
  /* Disabling aborted what was queued: its fences have signalled. */
  blocks_take_locked (&q->queued, &drop);
  g_atomic_int_set (&q->n_queued, 0);
  blocks_take_locked (&q->staged, &drop);
  g_mutex_unlock (&q->lock);
  g_queue_clear_full (&drop, (GDestroyNotify)gst_buffer_unref);
  q->done_ns = q->prev_done_ns = q->idle_ns = 0;
}

static gboolean
detach_one (gpointer key, gpointer value, gpointer user_data)
{
  GstIioQueue *q = user_data;
  GstIioEntry *entry = value;

  q->be->detach (q->kbuf, entry->handle);
  g_free (entry);
  return TRUE;
}

void
gst_iio_queue_reset (GstIioQueue *q)
{
  gst_iio_queue_stop (q);
  g_mutex_lock (&q->lock);
  g_hash_table_foreach_remove (q->attached, detach_one, q);
  g_mutex_unlock (&q->lock);
}

void
gst_iio_queue_close (GstIioQueue *q)
{
  if (!q)
    return;
  gst_iio_queue_reset (q);
  g_mutex_lock (&q->lock);
  q->closed = TRUE;
  g_mutex_unlock (&q->lock);
  if (q->kbuf_free)
    q->kbuf_free (q->kbuf);
  queue_unref (q);
}

/* Enqueues @block (q->lock held). */
static gboolean
block_enqueue_locked (
    GstIioQueue *q, GstIioBlock *block, gboolean cyclic, GError **error)
{
  block->queued_ns = gst_iio_now_ns ();
  if (!q->be->enqueue (
          q->kbuf, block->entry->handle, block->bytes, cyclic, error))
    return FALSE;
  g_queue_push_tail (&q->queued, block);
  g_atomic_int_set (&q->n_queued, q->queued.length);
  return TRUE;
}

gboolean
gst_iio_queue_push (
    GstIioQueue *q, GstBuffer *buffer, gsize bytes, GError **error)
{
  GstMemory *mem = gst_buffer_n_memory (buffer) == 1
      ? gst_buffer_peek_memory (buffer, 0)
      : NULL;
  GstIioBlock *block;
  GstIioEntry *entry;
  gboolean ok = TRUE;
  guint64 ino;

  if (!is_dmabuf (mem, error) || !mem_link (q, mem, &ino, error)) {
    gst_buffer_unref (buffer);
    return FALSE;
  }
  g_mutex_lock (&q->lock);
  entry = entry_get_locked (q, mem, ino, error);
  if (entry) {
    block = g_new0 (GstIioBlock, 1);
    block->buffer = buffer;
    block->entry = entry;
    block->bytes = bytes;
    entry->pins++;
    if (!q->started) {
      g_queue_push_tail (&q->staged, block);
    } else if (!block_enqueue_locked (q, block, FALSE, error)) {
      entry->pins--;
      g_free (block);
      ok = FALSE;
    }
  } else {
    ok = FALSE;
  }
  g_mutex_unlock (&q->lock);
  if (!ok)
    gst_buffer_unref (buffer);
  return ok;
}

gboolean
gst_iio_queue_start (GstIioQueue *q, gboolean cyclic, GError **error)
{
  GQueue drop = G_QUEUE_INIT;
  GstIioBlock *block;
  GError *err = NULL;
  gboolean enabled;

  g_mutex_lock (&q->lock);
  while ((block = g_queue_pop_head (&q->staged))) {
    if (!block_enqueue_locked (q, block, cyclic, &err)) {
      g_queue_push_head (&q->staged, block);
      blocks_take_locked (&q->staged, &drop);
      break;
    }
  }
  enabled = q->be->set_enabled (q->kbuf, TRUE, err ? NULL : &err);
  q->started = enabled;
  g_mutex_unlock (&q->lock);
  g_queue_clear_full (&drop, (GDestroyNotify)gst_buffer_unref);
  if (err) {
    g_propagate_error (error, err);
    return FALSE;
  }
  GST_DEBUG ("started with %d blocks queued%s", g_atomic_int_get (&q->n_queued),
      cyclic ? " (cyclic)" : "");
  return TRUE;
}

gboolean
gst_iio_queue_is_started (GstIioQueue *q)
{
  return q->started;
}

GstIioQueueResult
gst_iio_queue_pop (
    GstIioQueue *q, GstClockTime timeout, GstBuffer **buffer, GError **error)
{
  GstClockTime waited = 0, slice = 0;
  GstIioWaitResult res = GST_IIO_WAIT_TIMEOUT;
  GstIioBlock *head;
  gboolean alive;
  GError *err = NULL;
  guint64 done_ns = 0;

  *buffer = NULL;
  g_mutex_lock (&q->lock);
  head = g_queue_peek_head (&q->queued);
  g_mutex_unlock (&q->lock);
  if (!head) {
    g_set_error (error, GST_IIO_BUFFER_ERROR, GST_IIO_BUFFER_ERROR_FAILED,
        "Nothing to wait for\nno block is queued");
    return GST_IIO_QUEUE_ERROR;
  }

  /* Only this thread takes blocks off the queue: @head stays, and its entry
   * is pinned. */
  for (;;) {
    if (timeout != 0 && !gst_iio_next_wait_slice (timeout, waited, &slice))
      return GST_IIO_QUEUE_TIMEOUT;
    res = q->be->wait (q->kbuf, head->entry->handle, slice, &done_ns, &err);
    if (res != GST_IIO_WAIT_TIMEOUT)
      break;
    /* A look without waiting costs no sysfs read: the sink makes one for
     * every buffer. */
    if (timeout == 0)
      return GST_IIO_QUEUE_TIMEOUT;
    if (!q->be->alive (q->kbuf)) {
      g_set_error (error, GST_IIO_BUFFER_ERROR, GST_IIO_BUFFER_ERROR_GONE,
          "The IIO device went away, or someone disabled its buffer\n"
          "no block completes and bufferN/enable is not 1");
      return GST_IIO_QUEUE_GONE;
    }
    waited += slice;
  }

  switch (res) {
    case GST_IIO_WAIT_FLUSHING:
      return GST_IIO_QUEUE_FLUSHING;
    case GST_IIO_WAIT_KICKED:
      return GST_IIO_QUEUE_KICKED;
    default:
      break;
  }

  g_mutex_lock (&q->lock);
  g_queue_pop_head (&q->queued);
  g_atomic_int_set (&q->n_queued, q->queued.length);
  head->entry->pins--;
  g_mutex_unlock (&q->lock);

  if (res == GST_IIO_WAIT_ERROR) {
    /* A transfer aborted while the buffer is disabled (the device was
     * removed, or someone else disabled it) is no passing failure. */
    alive = q->be->alive (q->kbuf);
    gst_buffer_unref (head->buffer);
    g_free (head);
    g_propagate_error (error, err);
    return alive ? GST_IIO_QUEUE_FAILED : GST_IIO_QUEUE_GONE;
  }
  /* Blocks run in order: this one could start when the one before
   * completed, or when it was queued, whichever came last. Queued later:
   * the device had nothing to do in between. */
  q->done_ns = done_ns;
  q->idle_ns = q->prev_done_ns && done_ns && head->queued_ns > q->prev_done_ns
      ? head->queued_ns - q->prev_done_ns
      : 0;
  q->prev_done_ns = done_ns;
  *buffer = head->buffer;
  g_free (head);
  return GST_IIO_QUEUE_DONE;
}

guint
gst_iio_queue_n_queued (GstIioQueue *q)
{
  /* (once per buffer or more: no lock) */
  return (guint)g_atomic_int_get (&q->n_queued);
}

guint
gst_iio_queue_n_staged (GstIioQueue *q)
{
  guint n;

  g_mutex_lock (&q->lock);
  n = q->staged.length;
  g_mutex_unlock (&q->lock);
  return n;
}

guint
gst_iio_queue_n_attached (GstIioQueue *q)
{
  guint n;

  g_mutex_lock (&q->lock);
  n = g_hash_table_size (q->attached);
  g_mutex_unlock (&q->lock);
  return n;
}

guint64
gst_iio_queue_done_ns (GstIioQueue *q)
{
  return q->done_ns;
}

guint64
gst_iio_queue_idle_ns (GstIioQueue *q)
{
  return q->idle_ns;
}

GstIioQueueResult
gst_iio_queue_wait_kick (GstIioQueue *q, GstClockTime timeout)
{
  switch (q->be->wait_kick (q->kbuf, timeout)) {
    case GST_IIO_WAIT_KICKED:
      return GST_IIO_QUEUE_KICKED;
    case GST_IIO_WAIT_FLUSHING:
      return GST_IIO_QUEUE_FLUSHING;
    default:
      return GST_IIO_QUEUE_TIMEOUT;
  }
}

void
gst_iio_queue_kick (GstIioQueue *q)
{
  q->be->kick (q->kbuf);
}

void
gst_iio_queue_set_flushing (GstIioQueue *q, gboolean flushing)
{
  q->be->set_flushing (q->kbuf, flushing);
}

gboolean
gst_iio_next_wait_slice (
    GstClockTime timeout, GstClockTime waited, GstClockTime *slice)
{
  if (timeout == GST_CLOCK_TIME_NONE) {
    *slice = GST_IIO_ALIVE_CHECK_INTERVAL;
    return TRUE;
  }
  if (waited >= timeout)
    return FALSE;
  *slice = MIN (timeout - waited, GST_IIO_ALIVE_CHECK_INTERVAL);
  return TRUE;
}

/* The kernel's IIO buffer as the queue's backend. */
typedef struct
{
  GstIioDevice *dev;
  GstIioBuffer *buf;
} GstIioKernelBuffer;

static gpointer
kernel_attach (gpointer kbuf, gint dmabuf_fd, GError **error)
{
  return gst_iio_buffer_attach (
      ((GstIioKernelBuffer *)kbuf)->buf, dmabuf_fd, error);
}

static void
kernel_detach (gpointer kbuf, gpointer handle)
{
  gst_iio_buffer_detach (((GstIioKernelBuffer *)kbuf)->buf, handle);
}

static gboolean
kernel_enqueue (gpointer kbuf, gpointer handle, gsize bytes, gboolean cyclic,
    GError **error)
{
  return gst_iio_buffer_enqueue (
      ((GstIioKernelBuffer *)kbuf)->buf, handle, bytes, cyclic, error);
}

static GstIioWaitResult
kernel_wait (gpointer kbuf, gpointer handle, GstClockTime timeout,
    guint64 *done_ns, GError **error)
{
  return gst_iio_buffer_wait (
      ((GstIioKernelBuffer *)kbuf)->buf, handle, timeout, done_ns, error);
}

static gboolean
kernel_set_enabled (gpointer kbuf, gboolean enabled, GError **error)
{
  return gst_iio_device_set_buffer_enabled (
      ((GstIioKernelBuffer *)kbuf)->dev, enabled, error);
}

static gboolean
kernel_alive (gpointer kbuf)
{
  return gst_iio_device_get_buffer_enabled (((GstIioKernelBuffer *)kbuf)->dev);
}

static GstIioWaitResult
kernel_wait_kick (gpointer kbuf, GstClockTime timeout)
{
  return gst_iio_buffer_wait_kick (((GstIioKernelBuffer *)kbuf)->buf, timeout);
}

static void
kernel_kick (gpointer kbuf)
{
  gst_iio_buffer_kick (((GstIioKernelBuffer *)kbuf)->buf);
}

static void
kernel_set_flushing (gpointer kbuf, gboolean flushing)
{
  gst_iio_buffer_set_flushing (((GstIioKernelBuffer *)kbuf)->buf, flushing);
}

static const GstIioQueueBackend kernel_backend = {
  kernel_attach,
  kernel_detach,
  kernel_enqueue,
  kernel_wait,
  kernel_set_enabled,
  kernel_alive,
  kernel_wait_kick,
  kernel_kick,
  kernel_set_flushing,
};

GstIioQueue *
gst_iio_queue_new (GstIioDevice *dev, GstIioBuffer *buf)
{
  GstIioKernelBuffer *kbuf = g_new (GstIioKernelBuffer, 1);
  GstIioQueue *q;

  kbuf->dev = dev;
  kbuf->buf = buf;
  q = queue_new (&kernel_backend, kbuf);
  q->kbuf_free = g_free;
  return q;
}
