/* GstBufferPool of exported dma-bufs (dma-heap, else udmabuf over memfd).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstiiodmabufpool.h"
#include "iio-uapi.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <gst/allocators/allocators.h>

GST_DEBUG_CATEGORY_STATIC (gst_iio_dmabuf_pool_debug);
#define GST_CAT_DEFAULT gst_iio_dmabuf_pool_debug

struct _GstIioDmabufPool
{
  GstBufferPool parent;

  gchar *heap;
  GstAllocator *allocator;
  gsize size;
  GMutex lock;
  GError *error;                      /* first allocation failure */
  GCallback on_release;               /* under lock */
  gpointer release_data;              /* under lock */
  GstIioDmabufPoolAllocFunc on_alloc; /* under lock */
  gpointer alloc_data;                /* under lock */
};

G_DEFINE_FINAL_TYPE_WITH_CODE (GstIioDmabufPool, gst_iio_dmabuf_pool,
    GST_TYPE_BUFFER_POOL,
    GST_DEBUG_CATEGORY_INIT (
        gst_iio_dmabuf_pool_debug, "iiodmabufpool", 0, "IIO dma-buf pool"));

static gint
udmabuf_alloc (gsize size, GError **error)
{
  struct udmabuf_create create = { 0 };
  gsize page = (gsize)sysconf (_SC_PAGESIZE);
  gint memfd, dev, fd, err;

  /* udmabuf takes whole pages (EINVAL otherwise), as a heap rounds up. */
  size = (size + page - 1) / page * page;
  dev = open ("/dev/udmabuf", O_RDWR | O_CLOEXEC);
  if (dev < 0) {
    err = errno;
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NOT_FOUND,
        "Cannot allocate dma-bufs: no dma-heap and no /dev/udmabuf (enable "
        "CONFIG_DMABUF_HEAPS_SYSTEM or CONFIG_UDMABUF, or use io-mode=rw)\n"
        "open(/dev/udmabuf): %s",
        g_strerror (err));
    return -1;
  }
  memfd = memfd_create ("iiodmabuf", MFD_ALLOW_SEALING | MFD_CLOEXEC);
  if (memfd < 0 || ftruncate (memfd, size) < 0 ||
      fcntl (memfd, F_ADD_SEALS, F_SEAL_SHRINK) < 0) {
    err = errno;
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NO_SPACE_LEFT,
        "Cannot allocate a dma-buf of %" G_GSIZE_FORMAT " bytes\n"
        "memfd for udmabuf: %s",
        size, g_strerror (err));
    if (memfd >= 0)
      close (memfd);
    close (dev);
    return -1;
  }
  create.memfd = memfd;
  create.flags = UDMABUF_FLAGS_CLOEXEC;
  create.size = size;
  fd = ioctl (dev, UDMABUF_CREATE, &create);
  err = errno;
  close (memfd); /* the dma-buf holds the pages */
  close (dev);
  if (fd < 0)
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NO_SPACE_LEFT,
        "Cannot allocate a dma-buf of %" G_GSIZE_FORMAT " bytes\n"
        "UDMABUF_CREATE: %s",
        size, g_strerror (err));
  return fd;
}

gint
gst_iio_dmabuf_alloc_fd (
    const gchar *heap, gsize size, const gchar **source, GError **error)
{
  struct dma_heap_allocation_data data = { 0 };
  gint hfd, err;

  if (!g_strcmp0 (heap, GST_IIO_UDMABUF)) {
    *source = "udmabuf";
    return udmabuf_alloc (size, error);
  }
  hfd = open (heap, O_RDONLY | O_CLOEXEC);
  if (hfd < 0) {
    err = errno;
    if (err == ENOENT && !g_strcmp0 (heap, GST_IIO_DEFAULT_DMA_HEAP)) {
      *source = "udmabuf";
      return udmabuf_alloc (size, error);
    }
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NOT_FOUND,
        "Cannot open the dma-heap %s\nopen(%s): %s", heap, heap,
        g_strerror (err));
    return -1;
  }
  data.len = size;
  data.fd_flags = O_RDWR | O_CLOEXEC;
  if (ioctl (hfd, DMA_HEAP_IOCTL_ALLOC, &data) < 0) {
    err = errno;
    close (hfd);
    g_set_error (error, GST_RESOURCE_ERROR,
        err == ENOMEM ? GST_RESOURCE_ERROR_NO_SPACE_LEFT
                      : GST_RESOURCE_ERROR_SETTINGS,
        "Cannot allocate %" G_GSIZE_FORMAT " bytes from %s%s\n"
        "DMA_HEAP_IOCTL_ALLOC on %s: %s",
        size, heap, err == ENOTTY || err == EINVAL ? ": it is no dma-heap" : "",
        heap, g_strerror (err));
    return -1;
  }
  close (hfd);
  *source = "dma-heap";
  return data.fd;
}

static gboolean
gst_iio_dmabuf_pool_set_config (GstBufferPool *bpool, GstStructure *config)
{
  GstIioDmabufPool *pool = GST_IIO_DMABUF_POOL (bpool);
  GstCaps *caps;
  guint size, min, max;

  if (!gst_buffer_pool_config_get_params (config, &caps, &size, &min, &max) ||
      size == 0)
    return FALSE;
  /* Its own allocator: the memory must be what we allocate. */
  gst_buffer_pool_config_set_allocator (config, pool->allocator, NULL);
  pool->size = size;
  return GST_BUFFER_POOL_CLASS (gst_iio_dmabuf_pool_parent_class)
      ->set_config (bpool, config);
}

static GstFlowReturn
gst_iio_dmabuf_pool_alloc_buffer (GstBufferPool *bpool, GstBuffer **buffer,
    GstBufferPoolAcquireParams *params)
{
  GstIioDmabufPool *pool = GST_IIO_DMABUF_POOL (bpool);
  const gchar *source = NULL;
  GError *err = NULL;
  GstBuffer *buf;
  gint fd;

  fd = gst_iio_dmabuf_alloc_fd (pool->heap, pool->size, &source, &err);
  if (fd < 0) {
    GST_ERROR_OBJECT (pool, "%s", err->message);
    g_mutex_lock (&pool->lock);
    if (!pool->error)
      pool->error = g_steal_pointer (&err);
    g_mutex_unlock (&pool->lock);
    g_clear_error (&err);
    return GST_FLOW_ERROR;
  }
  buf = gst_buffer_new ();
  /* The memory owns the fd from here. */
  gst_buffer_append_memory (
      buf, gst_dmabuf_allocator_alloc (pool->allocator, fd, pool->size));
  GST_LOG_OBJECT (pool,
      "allocated dma-buf fd %d of %" G_GSIZE_FORMAT " bytes from %s", fd,
      pool->size, source);
  g_mutex_lock (&pool->lock);
  if (pool->on_alloc)
    pool->on_alloc (gst_buffer_peek_memory (buf, 0), pool->alloc_data);
  g_mutex_unlock (&pool->lock);
  *buffer = buf;
  return GST_FLOW_OK;
}

static void
gst_iio_dmabuf_pool_release_buffer (GstBufferPool *bpool, GstBuffer *buffer)
{
  GstIioDmabufPool *pool = GST_IIO_DMABUF_POOL (bpool);

  GST_BUFFER_POOL_CLASS (gst_iio_dmabuf_pool_parent_class)
      ->release_buffer (bpool, buffer);
  g_mutex_lock (&pool->lock);
  if (pool->on_release)
    ((void (*) (gpointer))pool->on_release) (pool->release_data);
  g_mutex_unlock (&pool->lock);
}

void
gst_iio_dmabuf_pool_set_release_notify (
    GstIioDmabufPool *pool, GCallback func, gpointer data)
{
  g_mutex_lock (&pool->lock);
  pool->on_release = func;
  pool->release_data = data;
  g_mutex_unlock (&pool->lock);
}

void
gst_iio_dmabuf_pool_set_alloc_notify (
    GstIioDmabufPool *pool, GstIioDmabufPoolAllocFunc func, gpointer data)
{
  g_mutex_lock (&pool->lock);
  pool->on_alloc = func;
  pool->alloc_data = data;
  g_mutex_unlock (&pool->lock);
}

gboolean
gst_iio_dmabuf_pool_activate (GstBufferPool *pool, GError **error)
{
  GError *err;

  if (gst_buffer_pool_set_active (pool, TRUE))
    return TRUE;
  err = GST_IS_IIO_DMABUF_POOL (pool)
      ? gst_iio_dmabuf_pool_take_error (GST_IIO_DMABUF_POOL (pool))
      : NULL;
  if (!err)
    err = g_error_new (GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
        "Cannot activate the buffer pool %s", GST_OBJECT_NAME (pool));
  g_propagate_error (error, err);
  return FALSE;
}

GError *
gst_iio_dmabuf_pool_take_error (GstIioDmabufPool *pool)
{
  GError *err;

  g_mutex_lock (&pool->lock);
  err = g_steal_pointer (&pool->error);
  g_mutex_unlock (&pool->lock);
  return err;
}

static void
gst_iio_dmabuf_pool_finalize (GObject *object)
{
  GstIioDmabufPool *pool = GST_IIO_DMABUF_POOL (object);

  g_free (pool->heap);
  gst_object_unref (pool->allocator);
  g_clear_error (&pool->error);
  g_mutex_clear (&pool->lock);
  G_OBJECT_CLASS (gst_iio_dmabuf_pool_parent_class)->finalize (object);
}

enum {
  PROP_0,
  PROP_DMA_HEAP,
};

static void
gst_iio_dmabuf_pool_set_property (
    GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  GstIioDmabufPool *pool = GST_IIO_DMABUF_POOL (object);

  if (prop_id != PROP_DMA_HEAP) {
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    return;
  }
  g_free (pool->heap);
  pool->heap = g_value_dup_string (value);
  if (!pool->heap)
    pool->heap = g_strdup (GST_IIO_DEFAULT_DMA_HEAP);
}

static void
gst_iio_dmabuf_pool_get_property (
    GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  GstIioDmabufPool *pool = GST_IIO_DMABUF_POOL (object);

  if (prop_id == PROP_DMA_HEAP)
    g_value_set_string (value, pool->heap);
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
}

static void
gst_iio_dmabuf_pool_class_init (GstIioDmabufPoolClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstBufferPoolClass *pool_class = GST_BUFFER_POOL_CLASS (klass);

  gobject_class->set_property = gst_iio_dmabuf_pool_set_property;
  gobject_class->get_property = gst_iio_dmabuf_pool_get_property;
  gobject_class->finalize = gst_iio_dmabuf_pool_finalize;
  /* For programs that load the plugin and want its pool (as a peer that
   * offers dma-heap dma-bufs): g_object_new() by the type's name. */
  g_object_class_install_property (gobject_class, PROP_DMA_HEAP,
      g_param_spec_string ("dma-heap", "DMA heap",
          "The dma-heap to allocate from, or /dev/udmabuf",
          GST_IIO_DEFAULT_DMA_HEAP,
          G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));
  pool_class->set_config = gst_iio_dmabuf_pool_set_config;
  pool_class->alloc_buffer = gst_iio_dmabuf_pool_alloc_buffer;
  pool_class->release_buffer = gst_iio_dmabuf_pool_release_buffer;
}

static void
gst_iio_dmabuf_pool_init (GstIioDmabufPool *pool)
{
  g_mutex_init (&pool->lock);
  pool->allocator = gst_dmabuf_allocator_new ();
}

GstBufferPool *
gst_iio_dmabuf_pool_new (const gchar *heap)
{
  GstIioDmabufPool *pool =
      g_object_new (GST_TYPE_IIO_DMABUF_POOL, "dma-heap", heap, NULL);

  return GST_BUFFER_POOL (gst_object_ref_sink (pool));
}
