/* The system calls of one IIO buffer: its fd, dma-buf attach and detach,
 * enqueue, completion through the transfer's fence, and fileio.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstiiobuffer.h"
#include "iio-uapi.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <gst/allocators/allocators.h>

GST_DEBUG_CATEGORY_STATIC (gst_iio_buffer_debug);
#define GST_CAT_DEFAULT gst_iio_buffer_debug

/* Owns a dup of the dma-buf fd and the sync_file of its pending transfer,
 * if any. */
struct _GstIioAttachment
{
  gint fd;
  gint sync_fd;
};

struct _GstIioBuffer
{
  gint devfd;   /* owned: the character device */
  gint fd;      /* owned: the buffer fd */
  gint wake_fd; /* owned: eventfd that interrupts waits */
  gboolean output;
  gint flushing;     /* atomic */
  gint no_sync_file; /* atomic: the kernel cannot export fences */
  gint check;        /* atomic: export each transfer's fence */
  /* Whether the last wait found its transfer complete before it began:
   * then the next one asks the fence first and polls only if it is still
   * pending (one call, not two, when the device is ahead). Waits happen in
   * one thread at a time. */
  gboolean ahead;
  /* The last refused attach said EPERM: a 6.11+ kernel whose buffer has no
   * DMABUF ops (kfifo), so no DMA block ring behind read() either. */
  gint no_dma_ops; /* atomic */
};

/* The sync_files of completed transfers, closed in batches: one
 * close_range() for each run of consecutive numbers, rather than a close()
 * for each. Sound because every fd in the list is still open and ours, so
 * a run of consecutive numbers holds nobody else's fd. Runs are long: the
 * kernel gives each new sync_file the lowest free number, and those waiting
 * here are not free. Process-wide, so that the fds of a source and a sink
 * in one pipeline form one run. It holds at most REAPER_BATCH fds, and is
 * flushed when a buffer closes. What a waiting sync_file keeps is its small
 * IIO fence alone: the kernel drops the fence's hold on the attachment
 * (and so on the dma-buf) once it has signalled, and every fence here has. */
#define REAPER_BATCH 64
G_LOCK_DEFINE_STATIC (reaper);
static gint reaper_fds[REAPER_BATCH];
static guint reaper_n;

/* Closes @fds, one close_range() per run of consecutive numbers. They come
 * in a few runs that grow one number at a time (each new sync_file takes
 * the lowest free number), so the runs are found in one pass, unsorted;
 * past 8 runs, the rest close one by one. */
static void
close_fds (const gint *fds, guint n)
{
  struct
  {
    gint lo, hi;
  } runs[8];
  guint i, r, n_runs = 0;

  for (i = 0; i < n; i++) {
    gint fd = fds[i];

    for (r = 0; r < n_runs; r++) {
      if (fd == runs[r].hi + 1) {
        runs[r].hi = fd;
        break;
      }
      if (fd == runs[r].lo - 1) {
        runs[r].lo = fd;
        break;
      }
    }
    if (r < n_runs)
      continue;
    if (n_runs == G_N_ELEMENTS (runs)) {
      close (fd);
      continue;
    }
    runs[n_runs].lo = runs[n_runs].hi = fd;
    n_runs++;
  }
  for (r = 0; r < n_runs; r++) {
#ifdef SYS_close_range
    if (runs[r].hi > runs[r].lo &&
        syscall (SYS_close_range, runs[r].lo, runs[r].hi, 0) == 0)
      continue;
#endif
    for (gint fd = runs[r].lo; fd <= runs[r].hi; fd++)
      close (fd);
  }
}

static void
reaper_flush_locked (void)
{
  close_fds (reaper_fds, reaper_n);
  reaper_n = 0;
}

static void
close_later (gint fd)
{
  G_LOCK (reaper);
  reaper_fds[reaper_n++] = fd;
  if (reaper_n == REAPER_BATCH)
    reaper_flush_locked ();
  G_UNLOCK (reaper);
}

static void
reaper_flush (void)
{
  G_LOCK (reaper);
  reaper_flush_locked ();
  G_UNLOCK (reaper);
}

guint64
gst_iio_now_ns (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (guint64)ts.tv_sec * GST_SECOND + ts.tv_nsec;
}

/* The error code for a failed syscall. */
static gint
code_from_errno (gint err)
{
  switch (err) {
    case ENODEV:
    case ENXIO:
      return GST_IIO_BUFFER_ERROR_GONE;
    case EBUSY:
      return GST_IIO_BUFFER_ERROR_BUSY;
    case ETIMEDOUT:
      return GST_IIO_BUFFER_ERROR_TIMEOUT;
    default:
      return GST_IIO_BUFFER_ERROR_FAILED;
  }
}

static void
ensure_debug (void)
{
  static gsize once = 0;

  if (g_once_init_enter (&once)) {
    GST_DEBUG_CATEGORY_INIT (
        gst_iio_buffer_debug, "iiobuffer", 0, "IIO buffer data plane");
    g_once_init_leave (&once, 1);
  }
}

GstIioBuffer *
gst_iio_buffer_open (
    const gchar *devnode, guint index, gboolean output, GError **error)
{
  GstIioBuffer *buf;
  gint devfd, idx = index, err;

  ensure_debug ();
  devfd = open (devnode, (output ? O_RDWR : O_RDONLY) | O_CLOEXEC);
  if (devfd < 0) {
    err = errno;
    g_set_error (error, GST_RESOURCE_ERROR,
        err == ENOENT      ? GST_RESOURCE_ERROR_NOT_FOUND
            : err == EBUSY ? GST_RESOURCE_ERROR_BUSY
            : output       ? GST_RESOURCE_ERROR_OPEN_WRITE
                           : GST_RESOURCE_ERROR_OPEN_READ,
        "Cannot open the IIO device %s%s\nopen(%s): %s", devnode,
        err == EACCES      ? ": give the user access to the device node"
            : err == EBUSY ? ": another process has it open"
                           : "",
        devnode, g_strerror (err));
    return NULL;
  }
  if (ioctl (devfd, IIO_BUFFER_GET_FD_IOCTL, &idx) < 0) {
    err = errno;
    close (devfd);
    g_set_error (error, GST_RESOURCE_ERROR,
        err == EBUSY ? GST_RESOURCE_ERROR_BUSY : GST_RESOURCE_ERROR_NOT_FOUND,
        "Cannot get buffer %u of the IIO device %s\n"
        "IIO_BUFFER_GET_FD_IOCTL(%u) on %s: %s",
        index, devnode, index, devnode, g_strerror (err));
    return NULL;
  }

  buf = g_new0 (GstIioBuffer, 1);
  buf->devfd = devfd;
  buf->fd = idx;
  buf->output = output;
  buf->check = 1;
  buf->wake_fd = eventfd (0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (buf->wake_fd < 0) {
    err = errno;
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_FAILED,
        "Cannot set up waiting on the IIO buffer\neventfd: %s",
        g_strerror (err));
    gst_iio_buffer_close (buf);
    return NULL;
  }
  GST_DEBUG ("opened %s buffer %u: fd %d", devnode, index, buf->fd);
  return buf;
}

void
gst_iio_buffer_close (GstIioBuffer *buf)
{
  if (!buf)
    return;
  reaper_flush ();
  if (buf->wake_fd >= 0)
    close (buf->wake_fd);
  /* Closing the buffer fd detaches anything left. */
  close (buf->fd);
  close (buf->devfd);
  g_free (buf);
}

/* Why the kernel refused to attach with @err (EPERM, ENOTTY or EINVAL):
 * a kernel older than 6.11 has no IIO DMABUF at all; on a newer one the
 * buffer is not built on industrialio-buffer-dma. */
static gchar *
unsupported_reason (gint err)
{
  struct utsname u;
  guint major, minor;

  if (err != EPERM && uname (&u) == 0 &&
      sscanf (u.release, "%u.%u", &major, &minor) == 2 &&
      (major < 6 || (major == 6 && minor < 11)))
    return g_strdup_printf (
        "The kernel (Linux %s) has no IIO DMABUF: it came in Linux 6.11",
        u.release);
  return g_strdup ("The IIO buffer has no DMABUF support (it is not built "
                   "on industrialio-buffer-dma, or the kernel is older than "
                   "6.11)");
}

GstIioAttachment *
gst_iio_buffer_attach (GstIioBuffer *buf, gint dmabuf_fd, GError **error)
{
  GstIioAttachment *att;
  gint fd, err;

  if (ioctl (buf->fd, IIO_BUFFER_DMABUF_ATTACH_IOCTL, &dmabuf_fd) < 0) {
    gboolean unsupported;
    gchar *reason = NULL;

    err = errno;
    unsupported = err == EPERM || err == ENOTTY || err == EINVAL;
    g_atomic_int_set (&buf->no_dma_ops, err == EPERM);
    if (unsupported)
      reason = unsupported_reason (err);
    g_set_error (error, GST_IIO_BUFFER_ERROR,
        unsupported ? GST_IIO_BUFFER_ERROR_NOT_SUPPORTED
                    : code_from_errno (err),
        "%s\nIIO_BUFFER_DMABUF_ATTACH_IOCTL(dma-buf fd %d): %s",
        unsupported ? reason
            : err == EBUSY
            ? "Cannot attach a dma-buf: the IIO buffer is enabled "
              "in fileio mode"
            : "Cannot attach a dma-buf to the IIO buffer",
        dmabuf_fd, g_strerror (err));
    g_free (reason);
    return NULL;
  }
  fd = fcntl (dmabuf_fd, F_DUPFD_CLOEXEC, 3);
  if (fd < 0) {
    err = errno;
    ioctl (buf->fd, IIO_BUFFER_DMABUF_DETACH_IOCTL, &dmabuf_fd);
    g_set_error (error, GST_IIO_BUFFER_ERROR, code_from_errno (err),
        "Cannot attach a dma-buf to the IIO buffer\n"
        "F_DUPFD_CLOEXEC of dma-buf fd %d: %s",
        dmabuf_fd, g_strerror (err));
    return NULL;
  }
  att = g_new (GstIioAttachment, 1);
  att->fd = fd;
  att->sync_fd = -1;
  GST_DEBUG ("attached dma-buf fd %d as %d", dmabuf_fd, fd);
  return att;
}

void
gst_iio_buffer_detach (GstIioBuffer *buf, GstIioAttachment *att)
{
  if (ioctl (buf->fd, IIO_BUFFER_DMABUF_DETACH_IOCTL, &att->fd) < 0)
    GST_WARNING ("detach of dma-buf fd %d: %s", att->fd, g_strerror (errno));
  if (att->sync_fd >= 0)
    close (att->sync_fd);
  close (att->fd);
  g_free (att);
}

gboolean
gst_iio_buffer_enqueue (GstIioBuffer *buf, GstIioAttachment *att, gsize bytes,
    gboolean cyclic, GError **error)
{
  struct iio_dmabuf req = { 0 };
  struct dma_buf_export_sync_file ex = { 0 };
  gint err;

  req.fd = att->fd;
  req.flags = cyclic ? IIO_BUFFER_DMABUF_CYCLIC : 0;
  req.bytes_used = bytes;
  while (ioctl (buf->fd, IIO_BUFFER_DMABUF_ENQUEUE_IOCTL, &req) < 0) {
    err = errno;
    if (err == EINTR)
      continue;
    g_set_error (error, GST_IIO_BUFFER_ERROR, code_from_errno (err),
        "Cannot queue a block of %" G_GSIZE_FORMAT " bytes in the IIO "
        "buffer\nIIO_BUFFER_DMABUF_ENQUEUE_IOCTL(dma-buf fd %d, "
        "%" G_GSIZE_FORMAT " bytes%s): %s",
        bytes, att->fd, bytes, cyclic ? ", cyclic" : "", g_strerror (err));
    return FALSE;
  }

  /* The fence of this transfer, as a sync_file: polling it waits for this
   * transfer alone, and its status tells a failed or aborted transfer from a
   * good one. Once signalled, the dma-buf no longer yields the fence, so it
   * is taken now. The input transfer is a writer, the output one a reader. */
  GST_LOG ("queued %" G_GSIZE_FORMAT " bytes of dma-buf fd %d%s", bytes,
      att->fd, cyclic ? " (cyclic)" : "");
  if (att->sync_fd >= 0) {
    close (att->sync_fd);
    att->sync_fd = -1;
  }
  if (g_atomic_int_get (&buf->check) &&
      !g_atomic_int_get (&buf->no_sync_file)) {
    ex.flags = buf->output ? DMA_BUF_SYNC_WRITE : DMA_BUF_SYNC_READ;
    if (ioctl (att->fd, DMA_BUF_IOCTL_EXPORT_SYNC_FILE, &ex) == 0) {
      att->sync_fd = ex.fd;
    } else {
      GST_WARNING ("cannot export the transfer's fence (%s): completion by "
                   "poll only, failed transfers go unnoticed",
          g_strerror (errno));
      g_atomic_int_set (&buf->no_sync_file, 1);
    }
  }
  return TRUE;
}

static GstIioWaitResult
poll_one (GstIioBuffer *buf, gint fd, short events, GstClockTime timeout,
    GError **error)
{
  struct pollfd pfd[2] = { { fd, events, 0 }, { buf->wake_fd, POLLIN, 0 } };
  gint ms = timeout == GST_CLOCK_TIME_NONE
      ? -1
      : (gint)MIN (timeout / GST_MSECOND, G_MAXINT);
  gint n, err;

  for (;;) {
    if (g_atomic_int_get (&buf->flushing))
      return GST_IIO_WAIT_FLUSHING;
    n = poll (pfd, 2, ms);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      err = errno;
      g_set_error (error, GST_IIO_BUFFER_ERROR, code_from_errno (err),
          "Waiting for the IIO device failed\npoll(fd %d): %s", fd,
          g_strerror (err));
      return GST_IIO_WAIT_ERROR;
    }
    if (n == 0)
      return GST_IIO_WAIT_TIMEOUT;
    if (pfd[1].revents && g_atomic_int_get (&buf->flushing))
      return GST_IIO_WAIT_FLUSHING;
    if (pfd[1].revents) {
      guint64 count;

      /* A kick. Takes its count, and a flush's if one came meanwhile: the
       * flag is checked first thing in the next wait. */
      if (read (buf->wake_fd, &count, sizeof (count)) < 0 && errno != EAGAIN)
        GST_WARNING ("eventfd read: %s", g_strerror (errno));
      return GST_IIO_WAIT_KICKED;
    }
    if (pfd[0].revents & (POLLERR | POLLNVAL)) {
      g_set_error (error, GST_IIO_BUFFER_ERROR, GST_IIO_BUFFER_ERROR_GONE,
          "The IIO device went away\npoll(fd %d): %s", fd,
          (pfd[0].revents & POLLNVAL) ? "POLLNVAL" : "POLLERR");
      return GST_IIO_WAIT_ERROR;
    }
    if (pfd[0].revents & events)
      return GST_IIO_WAIT_OK;
  }
}

/* The status of @att's fence: 1 signalled, 0 pending, < 0 the transfer's
 * error; its signal time (CLOCK_MONOTONIC) in @done_ns when it has one. */
static gint
fence_status (GstIioAttachment *att, guint64 *done_ns)
{
  struct sync_file_info info = { 0 };
  struct sync_fence_info fence = { 0 };

  /* One call gives the status and, for the usual single fence, its own
   * signal time; a sync_file of several fences (EINVAL) is asked for its
   * status alone. */
  info.num_fences = 1;
  info.sync_fence_info = (guintptr)&fence;
  if (ioctl (att->sync_fd, SYNC_IOC_FILE_INFO, &info) == 0) {
    /* A transfer that completed before its fence was exported left only
     * the kernel's signalled stub, whose timestamp is from boot. */
    if (info.status > 0 && strcmp (fence.driver_name, "stub") != 0)
      *done_ns = fence.timestamp_ns;
    return info.status;
  }
  memset (&info, 0, sizeof (info));
  if (ioctl (att->sync_fd, SYNC_IOC_FILE_INFO, &info) < 0)
    return 0;
  return info.status;
}

GstIioWaitResult
gst_iio_buffer_wait (GstIioBuffer *buf, GstIioAttachment *att,
    GstClockTime timeout, guint64 *done_ns, GError **error)
{
  GstIioWaitResult res = GST_IIO_WAIT_OK;
  guint64 start;
  gint status = 0;

  *done_ns = 0;
  if (att->sync_fd < 0)
    return poll_one (
        buf, att->fd, buf->output ? POLLOUT : POLLIN, timeout, error);

  /* A device ahead of its reader has the block done already: the status
   * alone says so. Otherwise poll, then read the status. */
  if (buf->ahead)
    status = fence_status (att, done_ns);
  if (status == 0) {
    start = gst_iio_now_ns ();
    res = poll_one (buf, att->sync_fd, POLLIN, timeout, error);
    if (res != GST_IIO_WAIT_OK) {
      buf->ahead = FALSE;
      return res;
    }
    status = fence_status (att, done_ns);
    buf->ahead = *done_ns == 0 || *done_ns < start;
  }
  if (status < 0) {
    g_set_error (error, GST_IIO_BUFFER_ERROR, GST_IIO_BUFFER_ERROR_TRANSFER,
        "The IIO device failed a transfer\nfence of dma-buf fd %d "
        "(sync_file %d) signalled with %s",
        att->fd, att->sync_fd, g_strerror (-status));
    res = GST_IIO_WAIT_ERROR;
  }
  close_later (att->sync_fd);
  att->sync_fd = -1;
  return res;
}

void
gst_iio_buffer_set_check_transfers (GstIioBuffer *buf, gboolean check)
{
  g_atomic_int_set (&buf->check, check ? 1 : 0);
}

static gssize
fileio (GstIioBuffer *buf, guint8 *data, gsize size, GstClockTime timeout,
    GError **error)
{
  gsize done = 0;
  gssize n;
  gint err;

  while (done < size) {
    switch (poll_one (
        buf, buf->fd, buf->output ? POLLOUT : POLLIN, timeout, error)) {
      case GST_IIO_WAIT_OK:
        break;
      case GST_IIO_WAIT_KICKED:
        continue;
      case GST_IIO_WAIT_FLUSHING:
        return 0;
      case GST_IIO_WAIT_TIMEOUT:
        g_set_error (error, GST_IIO_BUFFER_ERROR, GST_IIO_BUFFER_ERROR_TIMEOUT,
            "The IIO device %s nothing for %" GST_TIME_FORMAT
            "\npoll(buffer fd %d) timed out",
            buf->output ? "consumed" : "delivered", GST_TIME_ARGS (timeout),
            buf->fd);
        return -1;
      default:
        return -1;
    }
    n = buf->output ? write (buf->fd, data + done, size - done)
                    : read (buf->fd, data + done, size - done);
    if (n < 0) {
      err = errno;
      if (err == EINTR || err == EAGAIN)
        continue;
      g_set_error (error, GST_IIO_BUFFER_ERROR, code_from_errno (err),
          "%s the IIO buffer failed\n%s(buffer fd %d): %s",
          buf->output ? "Writing to" : "Reading from",
          buf->output ? "write" : "read", buf->fd, g_strerror (err));
      return -1;
    }
    if (n == 0) {
      g_set_error (error, GST_IIO_BUFFER_ERROR, GST_IIO_BUFFER_ERROR_GONE,
          "The IIO device went away\n%s(buffer fd %d) returned 0",
          buf->output ? "write" : "read", buf->fd);
      return -1;
    }
    done += n;
  }
  return done;
}

gboolean
gst_iio_buffer_has_no_dma_ops (GstIioBuffer *buf)
{
  return g_atomic_int_get (&buf->no_dma_ops);
}

gssize
gst_iio_buffer_read (GstIioBuffer *buf, guint8 *data, gsize size,
    GstClockTime timeout, GError **error)
{
  g_return_val_if_fail (!buf->output, -1);
  return fileio (buf, data, size, timeout, error);
}

gssize
gst_iio_buffer_write (GstIioBuffer *buf, const guint8 *data, gsize size,
    GstClockTime timeout, GError **error)
{
  g_return_val_if_fail (buf->output, -1);
  return fileio (buf, (guint8 *)data, size, timeout, error);
}

GstIioWaitResult
gst_iio_buffer_wait_kick (GstIioBuffer *buf, GstClockTime timeout)
{
  GError *err = NULL;
  GstIioWaitResult res;

  /* poll() skips an entry whose fd is negative: only the eventfd counts. */
  res = poll_one (buf, -1, 0, timeout, &err);
  if (res == GST_IIO_WAIT_ERROR) {
    GST_WARNING ("waiting for a kick: %s", err->message);
    g_clear_error (&err);
    res = GST_IIO_WAIT_TIMEOUT;
  }
  return res;
}

void
gst_iio_buffer_kick (GstIioBuffer *buf)
{
  guint64 one = 1;

  if (write (buf->wake_fd, &one, sizeof (one)) < 0)
    GST_WARNING ("eventfd write: %s", g_strerror (errno));
}

void
gst_iio_buffer_set_flushing (GstIioBuffer *buf, gboolean flushing)
{
  guint64 one = 1;

  g_atomic_int_set (&buf->flushing, flushing);
  if (flushing) {
    if (write (buf->wake_fd, &one, sizeof (one)) < 0)
      GST_WARNING ("eventfd write: %s", g_strerror (errno));
  } else {
    if (read (buf->wake_fd, &one, sizeof (one)) < 0 && errno != EAGAIN)
      GST_WARNING ("eventfd read: %s", g_strerror (errno));
  }
}
