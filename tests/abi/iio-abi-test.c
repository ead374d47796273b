/* Raw IIO DMABUF ABI test: no GStreamer, only the kernel interface the plugin
 * stands on, checked against the iio-sim test driver (tests/kernel/) in the
 * guest. Prints TAP. With --bench N BYTES it measures the capture limit
 * instead, with --bench-out the playback limit, with --bench-loop ADC -> DAC.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "iio-uapi.h"

#define SYSFS_IIO "/sys/bus/iio/devices"
#define SIM_CHANNEL_STEP 0x1000
#define MAX_BUFS 16
#define WAIT_MS 10000

/* Each check must finish within STEP_TIMEOUT_S; a check stuck in the kernel
 * is reported with its name and the kernel stack it sleeps in, instead of
 * the whole test running into the harness's timeout without a word. */
#define STEP_TIMEOUT_S 60
#define STR_(x) #x
#define STR(x) STR_ (x)

static int tap_count;
static int tap_failed;
static const char *volatile current_step = "start";

static void
write_str (const char *s)
{
  ssize_t unused = write (STDOUT_FILENO, s, strlen (s));

  (void)unused;
}

static void
on_alarm (int sig)
{
  char stack[2048];
  int fd = open ("/proc/self/stack", O_RDONLY | O_CLOEXEC);
  ssize_t n = fd < 0 ? -1 : read (fd, stack, sizeof (stack) - 1);

  write_str ("Bail out! stuck for " STR (STEP_TIMEOUT_S) " s in: ");
  write_str (current_step);
  write_str ("\n# kernel stack:\n");
  if (n > 0) {
    stack[n] = 0;
    write_str (stack);
  }
  _exit (1);
  (void)sig;
}

/* Names the check that runs now and restarts its watchdog. */
static void
step (const char *name)
{
  current_step = name;
  alarm (STEP_TIMEOUT_S);
}

static void
tap (bool ok, const char *fmt, ...)
{
  va_list ap;

  printf ("%sok %d - ", ok ? "" : "not ", ++tap_count);
  va_start (ap, fmt);
  vprintf (fmt, ap);
  va_end (ap);
  printf ("\n");
  fflush (stdout);
  if (!ok)
    tap_failed++;
}

static void
diag (const char *fmt, ...)
{
  va_list ap;

  printf ("# ");
  va_start (ap, fmt);
  vprintf (fmt, ap);
  va_end (ap);
  printf ("\n");
}

static int
sysfs_read (const char *path, char *buf, size_t len)
{
  int fd = open (path, O_RDONLY | O_CLOEXEC);
  ssize_t n;

  if (fd < 0)
    return -errno;
  n = read (fd, buf, len - 1);
  close (fd);
  if (n < 0)
    return -errno;
  buf[n] = '\0';
  while (n > 0 && buf[n - 1] == '\n')
    buf[--n] = '\0';
  return 0;
}

static int
sysfs_write (const char *path, const char *val)
{
  int fd = open (path, O_WRONLY | O_CLOEXEC);
  ssize_t n;
  int err;

  if (fd < 0)
    return -errno;
  n = write (fd, val, strlen (val));
  err = n < 0 ? -errno : 0;
  close (fd);
  return err;
}

static int
dev_write (int dev, const char *attr, const char *val)
{
  char path[256];

  snprintf (path, sizeof (path), SYSFS_IIO "/iio:device%d/%s", dev, attr);
  return sysfs_write (path, val);
}

static uint64_t
dev_read_u64 (int dev, const char *attr)
{
  char path[256], buf[64];

  snprintf (path, sizeof (path), SYSFS_IIO "/iio:device%d/%s", dev, attr);
  if (sysfs_read (path, buf, sizeof (buf)) < 0)
    return UINT64_MAX;
  return strtoull (buf, NULL, 0);
}

/* buffer0/length_align_bytes, which only industrialio-buffer-dmaengine
 * has (the bus width of its DMA controller); 0 on the driver's own buffer. */
static uint64_t
buffer_align (int dev)
{
  uint64_t a = dev_read_u64 (dev, "buffer0/length_align_bytes");

  return a == UINT64_MAX ? 0 : a;
}

static int
find_device (const char *name)
{
  DIR *d = opendir (SYSFS_IIO);
  struct dirent *e;
  int found = -1;

  while (d && (e = readdir (d))) {
    char path[512], buf[64];
    int n;

    if (sscanf (e->d_name, "iio:device%d", &n) != 1)
      continue;
    snprintf (path, sizeof (path), SYSFS_IIO "/%s/name", e->d_name);
    if (sysfs_read (path, buf, sizeof (buf)) == 0 && !strcmp (buf, name))
      found = n;
  }
  if (d)
    closedir (d);
  return found;
}

static int
count_fds (void)
{
  DIR *d = opendir ("/proc/self/fd");
  struct dirent *e;
  int n = 0;

  while ((e = readdir (d)))
    n += e->d_name[0] != '.';
  closedir (d);
  return n - 1; /* the directory's own fd */
}

/* Enables channels 0..n-1 of a direction ("in"/"out"), disables the rest. */
static void
set_channels (int dev, const char *dir, int n, int total)
{
  char attr[64];

  for (int i = 0; i < total; i++) {
    snprintf (attr, sizeof (attr), "scan_elements/%s_voltage%d_en", dir, i);
    dev_write (dev, attr, i < n ? "1" : "0");
  }
}

static int
open_buffer (int dev, int *devfd)
{
  char path[64];
  int idx = 0;

  snprintf (path, sizeof (path), "/dev/iio:device%d", dev);
  *devfd = open (path, O_RDWR | O_CLOEXEC);
  if (*devfd < 0)
    return -errno;
  if (ioctl (*devfd, IIO_BUFFER_GET_FD_IOCTL, &idx) < 0) {
    int err = -errno;
    close (*devfd);
    return err;
  }
  return idx;
}

static int
heap_alloc (size_t size)
{
  struct dma_heap_allocation_data data = {
    .len = size,
    .fd_flags = O_RDWR | O_CLOEXEC,
  };
  int heap = open ("/dev/dma_heap/system", O_RDONLY | O_CLOEXEC);
  int ret;

  if (heap < 0)
    return -errno;
  ret = ioctl (heap, DMA_HEAP_IOCTL_ALLOC, &data);
  ret = ret < 0 ? -errno : (int)data.fd;
  close (heap);
  return ret;
}

static int
udmabuf_alloc (size_t size)
{
  struct udmabuf_create create = { .flags = UDMABUF_FLAGS_CLOEXEC,
    .size = size };
  int memfd, dev, ret;

  memfd = memfd_create ("iio-abi-test", MFD_ALLOW_SEALING | MFD_CLOEXEC);
  if (memfd < 0)
    return -errno;
  if (ftruncate (memfd, size) < 0 ||
      fcntl (memfd, F_ADD_SEALS, F_SEAL_SHRINK) < 0) {
    ret = -errno;
    close (memfd);
    return ret;
  }
  dev = open ("/dev/udmabuf", O_RDWR | O_CLOEXEC);
  if (dev < 0) {
    ret = -errno;
    close (memfd);
    return ret;
  }
  create.memfd = memfd;
  ret = ioctl (dev, UDMABUF_CREATE, &create);
  ret = ret < 0 ? -errno : ret;
  close (dev);
  close (memfd); /* the dma-buf holds the pages */
  return ret;
}

static int
enqueue (int buf, int dmabuf, uint64_t bytes, uint32_t flags)
{
  struct iio_dmabuf req = { .fd = dmabuf, .flags = flags, .bytes_used = bytes };

  return ioctl (buf, IIO_BUFFER_DMABUF_ENQUEUE_IOCTL, &req) < 0 ? -errno : 0;
}

/* Polls one fd (a dma-buf's fence, or a buffer fd) with a bound. */
static int
wait_fence (int dmabuf, short events)
{
  struct pollfd p = { .fd = dmabuf, .events = events };
  int n = poll (&p, 1, WAIT_MS);

  return n < 0 ? -errno : n == 0 ? -ETIMEDOUT : 0;
}

static int
cpu_sync (int dmabuf, uint64_t flags)
{
  struct dma_buf_sync s = { .flags = flags };

  return ioctl (dmabuf, DMA_BUF_IOCTL_SYNC, &s) < 0 ? -errno : 0;
}

static double
now_s (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double
cpu_s (void)
{
  struct rusage ru;

  getrusage (RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec +
      ru.ru_stime.tv_usec / 1e6;
}

/* Checks 16-bit ADC samples against the test driver's pattern. Returns the
 * number of wrong values; *next is the sample index expected first. */
static uint64_t
check_pattern (const int16_t *v, size_t samples, int nch, uint64_t *next)
{
  uint64_t bad = 0;

  for (size_t s = 0; s < samples; s++, (*next)++)
    for (int c = 0; c < nch; c++)
      bad += v[s * nch + c] !=
          (int16_t)(uint16_t)(*next + (uint64_t)c * SIM_CHANNEL_STEP);
  return bad;
}

struct capture_result
{
  uint64_t blocks, bytes, bad, samples_lost;
  double seconds, cpu;
  int err;
};

/* Streams nblocks from the ADC through nbufs dma-bufs of size bytes each. */
static struct capture_result
capture (int adc, int nch, int (*alloc) (size_t), size_t size, int nbufs,
    uint64_t nblocks, bool check)
{
  struct capture_result r = { 0 };
  int devfd, buf, fds[MAX_BUFS];
  void *maps[MAX_BUFS];
  uint64_t next = 0, queued = 0;
  size_t samples = size / (2 * nch);
  double t0, c0;

  set_channels (adc, "in", nch, 4);
  dev_write (adc, "sim_reset", "1");
  buf = open_buffer (adc, &devfd);
  if (buf < 0) {
    r.err = buf;
    return r;
  }
  for (int i = 0; i < nbufs; i++) {
    fds[i] = alloc (size);
    maps[i] = fds[i] < 0 ? MAP_FAILED
                         : mmap (NULL, size, PROT_READ, MAP_SHARED, fds[i], 0);
    if (fds[i] < 0 || maps[i] == MAP_FAILED ||
        ioctl (buf, IIO_BUFFER_DMABUF_ATTACH_IOCTL, &fds[i]) < 0) {
      r.err = fds[i] < 0 ? fds[i] : -errno;
      diag ("buffer %d: %s", i, strerror (-r.err));
      nbufs = i + (fds[i] >= 0);
      goto out;
    }
  }
  /* Attach before enable: an enabled buffer with none attached is in fileio
   * mode and refuses DMABUF (EBUSY). */
  for (int i = 0; i < nbufs && queued < nblocks; i++, queued++)
    if ((r.err = enqueue (buf, fds[i], samples * 2 * nch, 0)))
      goto out;
  if ((r.err = dev_write (adc, "buffer0/enable", "1")))
    goto out;

  t0 = now_s ();
  c0 = cpu_s ();
  for (uint64_t b = 0; b < nblocks; b++) {
    int i = b % nbufs;

    if ((r.err = wait_fence (fds[i], POLLIN)))
      break;
    if (check) {
      cpu_sync (fds[i], DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ);
      r.bad += check_pattern (maps[i], samples, nch, &next);
      cpu_sync (fds[i], DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ);
    }
    r.blocks++;
    r.bytes += samples * 2 * nch;
    if (queued < nblocks) {
      if ((r.err = enqueue (buf, fds[i], samples * 2 * nch, 0)))
        break;
      queued++;
    }
  }
  r.seconds = now_s () - t0;
  r.cpu = cpu_s () - c0;
  dev_write (adc, "buffer0/enable", "0");
  r.samples_lost = dev_read_u64 (adc, "sim_samples_lost");
out:
  for (int i = 0; i < nbufs; i++) {
    if (fds[i] < 0)
      continue;
    if (maps[i] != MAP_FAILED)
      munmap (maps[i], size);
    ioctl (buf, IIO_BUFFER_DMABUF_DETACH_IOCTL, &fds[i]);
    close (fds[i]);
  }
  close (buf);
  close (devfd);
  return r;
}

static void
test_capture (int adc, const char *what, int (*alloc) (size_t), size_t size,
    int nch, uint64_t nblocks)
{
  struct capture_result r;

  dev_write (adc, "sim_free_run", "1");
  r = capture (adc, nch, alloc, size, 4, nblocks, true);
  diag ("%s: %" PRIu64 " blocks, %.1f MiB/s, %" PRIu64 " bad values, %" PRIu64
        " samples lost",
      what, r.blocks, r.bytes / r.seconds / 1048576.0, r.bad, r.samples_lost);
  tap (r.err == 0 && r.blocks == nblocks && r.bad == 0 && r.samples_lost == 0,
      "capture %" PRIu64 " x %zu bytes, %d channels, through %s: pattern intact"
      " (%s)",
      nblocks, size, nch, what, r.err ? strerror (-r.err) : "ok");
}

/* FNV-1a 64, as the test driver's sim_checksum. */
static uint64_t
fnv1a (uint64_t h, const uint8_t *p, size_t n)
{
  while (n--) {
    h ^= *p++;
    h *= 0x00000100000001b3ULL;
  }
  return h;
}

static void
test_playback (int dac, uint64_t nblocks)
{
  const size_t size = 65536;
  int devfd, buf, fds[4], nbufs = 4, err = 0;
  uint8_t *maps[4];
  uint64_t expect = 0xcbf29ce484222325ULL, sent = 0, queued = 0, done = 0;
  uint32_t x = 12345;
  /* whole scans (4 bytes), and whole bus words on a dmaengine buffer */
  size_t step = buffer_align (dac) > 4 ? buffer_align (dac) : 4;

  set_channels (dac, "out", 2, 2);
  dev_write (dac, "sim_free_run", "1");
  dev_write (dac, "sim_reset", "1");
  buf = open_buffer (dac, &devfd);
  if (buf < 0) {
    tap (false, "playback: open buffer: %s", strerror (-buf));
    return;
  }
  for (int i = 0; i < nbufs; i++) {
    fds[i] = heap_alloc (size);
    maps[i] = mmap (NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fds[i], 0);
    if (ioctl (buf, IIO_BUFFER_DMABUF_ATTACH_IOCTL, &fds[i]) < 0)
      err = -errno;
  }
  /* Each block gets fresh data: a stale or repeated block changes the sum. */
  for (uint64_t b = 0; !err && b < nblocks; b++) {
    int i = b % nbufs;
    size_t bytes = size - step * (b % 7); /* varying length */

    if (b >= (uint64_t)nbufs) {
      if ((err = wait_fence (fds[i], POLLOUT)))
        break;
      done++;
    }
    cpu_sync (fds[i], DMA_BUF_SYNC_START | DMA_BUF_SYNC_WRITE);
    for (size_t k = 0; k < bytes; k++) {
      x = x * 1103515245u + 12345u;
      maps[i][k] = x >> 16;
    }
    cpu_sync (fds[i], DMA_BUF_SYNC_END | DMA_BUF_SYNC_WRITE);
    expect = fnv1a (expect, maps[i], bytes);
    sent += bytes;
    if ((err = enqueue (buf, fds[i], bytes, 0)))
      break;
    queued++;
    if (queued == (uint64_t)nbufs ||
        (b + 1 == nblocks && queued < (uint64_t)nbufs))
      err = dev_write (dac, "buffer0/enable", "1");
  }
  for (uint64_t b = done; !err && b < queued; b++)
    err = wait_fence (fds[b % nbufs], POLLOUT);
  dev_write (dac, "buffer0/enable", "0");
  {
    uint64_t got = dev_read_u64 (dac, "sim_checksum");
    uint64_t bytes = dev_read_u64 (dac, "sim_bytes");
    uint64_t blocks = dev_read_u64 (dac, "sim_blocks");

    diag ("dac: sent %" PRIu64 " bytes in %" PRIu64
          " blocks, device counted %" PRIu64 " bytes in %" PRIu64
          " blocks, checksum 0x%016" PRIx64 " expected 0x%016" PRIx64,
        sent, queued, bytes, blocks, got, expect);
    tap (!err && got == expect && bytes == sent && blocks == nblocks,
        "playback %" PRIu64 " blocks through dma-heap bufs: dac checksum and "
        "byte count match (%s)",
        nblocks, err ? strerror (-err) : "ok");
  }
  for (int i = 0; i < nbufs; i++) {
    munmap (maps[i], size);
    ioctl (buf, IIO_BUFFER_DMABUF_DETACH_IOCTL, &fds[i]);
    close (fds[i]);
  }
  close (buf);
  close (devfd);
}

/* The enqueue rules the elements rely on. */
static void
test_enqueue_errors (int adc, int dac)
{
  int devfd, buf, fd, err;

  set_channels (adc, "in", 4, 4);
  /* fileio mode first, then attach: refused. Checked before the cases
   * below leave attachments that the kernel releases lazily. */
  buf = open_buffer (adc, &devfd);
  err = dev_write (adc, "buffer0/enable", "1");
  if (err)
    diag ("enable in fileio mode: %s", strerror (-err));
  fd = heap_alloc (65536);
  err = ioctl (buf, IIO_BUFFER_DMABUF_ATTACH_IOCTL, &fd) < 0 ? -errno : 0;
  if (err == 0)
    err = enqueue (buf, fd, 65536, 0);
  tap (err == -EBUSY, "DMABUF on a buffer enabled in fileio mode: EBUSY (%s)",
      strerror (-err));
  dev_write (adc, "buffer0/enable", "0");
  close (fd);
  close (buf);
  close (devfd);

  buf = open_buffer (adc, &devfd);
  fd = heap_alloc (65536);
  ioctl (buf, IIO_BUFFER_DMABUF_ATTACH_IOCTL, &fd);
  tap (enqueue (buf, fd, 0, 0) == -EINVAL, "enqueue with bytes_used 0: EINVAL");
  tap (enqueue (buf, fd, 65537, 0) == -EINVAL,
      "enqueue beyond the dma-buf: EINVAL");
  tap (enqueue (buf, fd, 65536, IIO_BUFFER_DMABUF_CYCLIC) == -EINVAL,
      "cyclic enqueue on an input buffer: EINVAL");
  /* The kernel waits for the previous fence first (EBUSY after a timeout,
   * at once with O_NONBLOCK) before it would see that the block is queued. */
  fcntl (buf, F_SETFL, fcntl (buf, F_GETFL) | O_NONBLOCK);
  err = enqueue (buf, fd, 65536, 0);
  if (err == 0)
    err = enqueue (buf, fd, 65536, 0);
  tap (err == -EBUSY,
      "non-blocking enqueue of a dma-buf whose transfer is "
      "pending: EBUSY at once (%s)",
      strerror (-err));
  /* Run the queued block out before closing: a block left queued on a buffer
   * that never ran stays on the kernel's incoming list until the next enable.
   */
  dev_write (adc, "buffer0/enable", "1");
  wait_fence (fd, POLLIN);
  dev_write (adc, "buffer0/enable", "0");
  ioctl (buf, IIO_BUFFER_DMABUF_DETACH_IOCTL, &fd);
  close (fd);
  close (buf);
  close (devfd);

  (void)dac;
}

/* Enables the buffer for read()/write(). The kernel only sets up its fileio
 * blocks when no DMABUF attachment is alive, and it releases attachments
 * asynchronously (a work item) after DETACH and close(): an enable in that
 * window leaves the buffer in neither mode, and read() blocks forever. An
 * attach that succeeds on the enabled buffer reveals it (fileio mode
 * answers EBUSY); then disable, let the release run, and enable again.
 * Returns the number of retries, or -errno. */
static int
enable_fileio (int dev, int buf)
{
  int fd = heap_alloc (4096), err = 0, tries;

  if (fd < 0)
    return fd;
  for (tries = 0; tries < 50; tries++) {
    if ((err = dev_write (dev, "buffer0/enable", "1")))
      break;
    if (ioctl (buf, IIO_BUFFER_DMABUF_ATTACH_IOCTL, &fd) < 0) {
      err = errno == EBUSY ? 0 : -errno;
      break;
    }
    ioctl (buf, IIO_BUFFER_DMABUF_DETACH_IOCTL, &fd);
    dev_write (dev, "buffer0/enable", "0");
    usleep (20000);
    err = -ETIMEDOUT;
  }
  close (fd);
  return err ? err : tries;
}

/* The fileio buffer of read(): FILEIO_LENGTH scans in two kernel blocks. */
#define FILEIO_LENGTH 8192
#define FILEIO_BLOCK_SCANS (FILEIO_LENGTH / 2)
#define FILEIO_BLOCK_BYTES (FILEIO_BLOCK_SCANS * 4) /* 2 x 16 bit */

/* industrialio-buffer-dma hands its two fileio blocks to read() in turn and
 * does not reset its turn (fileio.next_dequeue) when the buffer is enabled
 * again: after a session that took an odd number of blocks, the next one
 * starts with block 1, which the device fills after block 0, and the first
 * two blocks come out swapped. The sample index of scan i of a session that
 * starts with block `first`: */
static uint64_t
fileio_expected (uint64_t i, int first)
{
  if (!first || i >= 2 * FILEIO_BLOCK_SCANS)
    return i;
  return i < FILEIO_BLOCK_SCANS ? i + FILEIO_BLOCK_SCANS
                                : i - FILEIO_BLOCK_SCANS;
}

struct fileio_session
{
  uint64_t bytes, bad;
  int first; /* the block read() handed out first: 0, 1, or -1 if none */
};

/* One enable .. disable of the ADC in fileio mode, reading `bytes` (whole
 * blocks) and checking every scan against the pattern. */
static struct fileio_session
fileio_session (int adc, uint64_t bytes)
{
  struct fileio_session r = { .first = -1 };
  int devfd, buf, retries;
  int16_t v[4096];

  buf = open_buffer (adc, &devfd);
  dev_write (adc, "buffer0/length", STR (FILEIO_LENGTH));
  retries = enable_fileio (adc, buf);
  if (retries > 0)
    diag ("fileio came up after %d retries", retries);
  while (retries >= 0 && r.bytes < bytes) {
    ssize_t n;

    if (wait_fence (buf, POLLIN) < 0) /* any fd: bounded poll */
      break;
    n = read (buf, v, sizeof (v));
    if (n <= 0 || n % 4)
      break;
    if (r.first < 0)
      r.first = v[0] == (int16_t)FILEIO_BLOCK_SCANS;
    for (ssize_t s = 0; s < n / 4; s++) {
      uint64_t want = fileio_expected (r.bytes / 4 + s, r.first);

      for (int c = 0; c < 2; c++)
        r.bad += v[s * 2 + c] !=
            (int16_t)(uint16_t)(want + (uint64_t)c * SIM_CHANNEL_STEP);
    }
    r.bytes += n;
  }
  dev_write (adc, "buffer0/enable", "0");
  close (buf);
  close (devfd);
  return r;
}

/* The block the session after r starts with, if the kernel keeps its turn. */
static int
fileio_next_first (const struct fileio_session *r)
{
  uint64_t blocks = (r->bytes + FILEIO_BLOCK_BYTES - 1) / FILEIO_BLOCK_BYTES;

  return (int)((r->first + blocks) % 2);
}

/* Fileio read() on the same ADC: the element's fallback path. Runs right
 * after DMABUF transfers on the same buffer, as a mode switch does, and
 * after whatever fileio sessions ran before on this boot. */
static void
test_fileio_read (int adc)
{
  struct fileio_session a, b, c;
  bool kept, reset;

  set_channels (adc, "in", 2, 4);
  dev_write (adc, "sim_free_run", "1");
  a = fileio_session (adc, 1 << 20);
  tap (a.bytes >= (1 << 20) && a.bad == 0,
      "read() fallback: %" PRIu64 " bytes, pattern intact (%" PRIu64
      " bad), first block handed out: %d",
      a.bytes, a.bad, a.first);
  /* Two sessions of one block each: one of them starts with block 1 on a
   * kernel that keeps the turn; both start with block 0 on one that resets
   * it. Anything else is a kernel this test does not know. */
  b = fileio_session (adc, FILEIO_BLOCK_BYTES);
  c = fileio_session (adc, FILEIO_BLOCK_BYTES);
  kept = b.first == fileio_next_first (&a) && c.first == fileio_next_first (&b);
  reset = b.first == 0 && c.first == 0;
  diag ("read() restarts: the kernel %s",
      kept        ? "keeps its block turn across enables (first two blocks "
                    "swapped after an odd session)"
          : reset ? "resets its block turn on enable"
                  : "hands blocks out in an unknown order");
  tap (b.bytes == FILEIO_BLOCK_BYTES && c.bytes == FILEIO_BLOCK_BYTES &&
          b.bad == 0 && c.bad == 0 && (kept || reset),
      "read() restarts: samples in order once the swap is accounted for "
      "(first blocks %d, %d; %" PRIu64 " bad)",
      b.first, c.first, b.bad + c.bad);
}

/* Ends a test of one dma-buf @fd on the buffer @buf of device @dev: the
 * buffer disabled, the exported sync_file @sync_fd (if any) closed, the
 * dma-buf detached, every fd closed. */
static void
release_one (int dev, int devfd, int buf, int fd, int sync_fd)
{
  dev_write (dev, "buffer0/enable", "0");
  if (sync_fd > 0)
    close (sync_fd);
  ioctl (buf, IIO_BUFFER_DMABUF_DETACH_IOCTL, &fd);
  close (fd);
  close (buf);
  close (devfd);
}

/* A block the driver fails carries the error on its fence. Not on
 * industrialio-buffer-dmaengine: its completion callback drops the DMA
 * controller's result (6.12 to 7.2), so a failed transfer completes like a
 * good one. That is checked as well, so that a kernel which starts to
 * report it is noticed. */
static void
test_fence_error (int adc)
{
  struct sync_file_info info = { 0 };
  struct dma_buf_export_sync_file ex = { .flags = DMA_BUF_SYNC_READ };
  bool dmaengine = buffer_align (adc) > 0;
  int devfd, buf, fd, err;

  set_channels (adc, "in", 4, 4);
  dev_write (adc, "sim_fail_next", "1");
  buf = open_buffer (adc, &devfd);
  fd = heap_alloc (65536);
  ioctl (buf, IIO_BUFFER_DMABUF_ATTACH_IOCTL, &fd);
  dev_write (adc, "sim_stall", "1");
  dev_write (adc, "buffer0/enable", "1");
  err = enqueue (buf, fd, 65536, 0);
  if (!err && ioctl (fd, DMA_BUF_IOCTL_EXPORT_SYNC_FILE, &ex) < 0)
    err = -errno;
  dev_write (adc, "sim_stall", "0");
  if (!err)
    err = wait_fence (fd, POLLIN);
  if (!err && ioctl (ex.fd, SYNC_IOC_FILE_INFO, &info) < 0)
    err = -errno;
  if (dmaengine)
    tap (!err && info.status == 1 && dev_read_u64 (adc, "sim_failed") >= 1,
        "failed transfer on the dmaengine buffer: the exported sync_file "
        "reports success (%d, %s), the kernel drops the error",
        info.status, err ? strerror (-err) : "ok");
  else
    tap (!err && info.status < 0 && dev_read_u64 (adc, "sim_failed") >= 1,
        "failed block: the exported sync_file reports error %d (%s)",
        info.status, err ? strerror (-err) : "ok");
  dev_write (adc, "sim_fail_next", "0");
  release_one (adc, devfd, buf, fd, ex.fd);
}

/* On industrialio-buffer-dmaengine a DMABUF block must be whole bus words
 * (length_align_bytes): the kernel hands the length to the DMA controller
 * as it is, and a controller refuses a length it cannot move. The block
 * must fail, and nothing of it may play. */
static void
test_unaligned_block (int dac)
{
  uint64_t align = buffer_align (dac);
  struct sync_file_info info = { 0 };
  struct dma_buf_export_sync_file ex = { .flags = DMA_BUF_SYNC_WRITE };
  size_t bytes = 16 * align + 4; /* whole scans, not whole words */
  int devfd, buf, fd, err, fence = 0;

  if (align <= 4) {
    diag ("unaligned block: the buffer asks no alignment beyond the scan");
    return;
  }
  set_channels (dac, "out", 2, 2);
  dev_write (dac, "sim_free_run", "1");
  dev_write (dac, "sim_reset", "1");
  buf = open_buffer (dac, &devfd);
  fd = heap_alloc (65536);
  /* Queued before the enable, so that the fence can be exported before the
   * submission fails: one that failed in the enqueue ioctl itself exports
   * as a stub without the error. */
  err = ioctl (buf, IIO_BUFFER_DMABUF_ATTACH_IOCTL, &fd) < 0 ? -errno : 0;
  if (!err)
    err = enqueue (buf, fd, bytes, 0);
  if (!err && ioctl (fd, DMA_BUF_IOCTL_EXPORT_SYNC_FILE, &ex) < 0)
    fence = -errno;
  if (!err)
    err = dev_write (dac, "buffer0/enable", "1");
  if (!err && !fence)
    fence = wait_fence (fd, POLLOUT);
  if (!err && !fence && ioctl (ex.fd, SYNC_IOC_FILE_INFO, &info) < 0)
    fence = -errno;
  diag ("unaligned block of %zu bytes (alignment %" PRIu64 "): enqueue %s, "
        "fence %s, status %d",
      bytes, align, err ? strerror (-err) : "ok",
      fence ? strerror (-fence) : "ok", info.status);
  tap ((err < 0 || (!fence && info.status < 0)) &&
          dev_read_u64 (dac, "sim_bytes") == 0,
      "unaligned block on the dmaengine buffer: refused, nothing played");
  release_one (dac, devfd, buf, fd, ex.fd);
}

/* iio_dummy's kfifo buffer has no DMABUF ops. */
static void
test_kfifo_refuses (void)
{
  int dummy, devfd, buf, fd, err, fds_before = count_fds ();

  mkdir (
      "/sys/kernel/config/iio/devices/dummy/abi_dummy", 0755); /* or EEXIST */
  dummy = find_device ("abi_dummy");
  if (dummy < 0) {
    tap (false, "kfifo: iio_dummy device not created through configfs");
    return;
  }
  buf = open_buffer (dummy, &devfd);
  fd = heap_alloc (65536);
  err = ioctl (buf, IIO_BUFFER_DMABUF_ATTACH_IOCTL, &fd) < 0 ? -errno : 0;
  close (fd);
  close (buf);
  close (devfd);
  tap (err == -EPERM, "attach on the kfifo buffer of iio_dummy: EPERM (%s)",
      strerror (-err));
  tap (count_fds () == fds_before, "kfifo: no fd leaked (%d before, %d after)",
      fds_before, count_fds ());
  /* no rmdir: configfs removal of a software IIO device writes to freed
   * memory (6.12 to 7.2, docs/kernel-notes.md); it stays until power-off */
}

static int
bench (int adc, int argc, char **argv)
{
  uint64_t nblocks = argc > 0 ? strtoull (argv[0], NULL, 0) : 2000;
  size_t size = argc > 1 ? strtoull (argv[1], NULL, 0) : 1 << 20;
  struct capture_result r;

  dev_write (adc, "sim_free_run", "1");
  r = capture (adc, 4, heap_alloc, size, 4, nblocks, false);
  if (r.err) {
    fprintf (stderr, "capture failed: %s\n", strerror (-r.err));
    return 1;
  }
  printf ("raw-abi capture: %" PRIu64 " blocks of %zu bytes in %.3f s: "
          "%.1f MiB/s, %.3f CPU s/GiB\n",
      r.blocks, size, r.seconds, r.bytes / r.seconds / 1048576.0,
      r.cpu / (r.bytes / 1073741824.0));
  return 0;
}

/* The output limit: nbufs dma-bufs written once, then enqueued to the DAC
 * over and over (attach, enqueue, poll, re-enqueue), no CPU touching the
 * data in the loop. */
static int
bench_out (int dac, int argc, char **argv)
{
  uint64_t nblocks = argc > 0 ? strtoull (argv[0], NULL, 0) : 2000;
  size_t size = argc > 1 ? strtoull (argv[1], NULL, 0) : 1 << 20;
  int devfd, buf, fds[4], nbufs = 4, err = 0;
  uint64_t queued = 0, done = 0;
  double t0, c0, secs, cpu;

  set_channels (dac, "out", 2, 2);
  dev_write (dac, "sim_free_run", "1");
  buf = open_buffer (dac, &devfd);
  if (buf < 0) {
    fprintf (stderr, "open buffer: %s\n", strerror (-buf));
    return 1;
  }
  for (int i = 0; i < nbufs; i++) {
    fds[i] = heap_alloc (size);
    if (fds[i] < 0 ||
        ioctl (buf, IIO_BUFFER_DMABUF_ATTACH_IOCTL, &fds[i]) < 0) {
      fprintf (stderr, "dma-buf %d: %s\n", i, strerror (errno));
      return 1;
    }
  }
  for (int i = 0; i < nbufs && queued < nblocks; i++, queued++)
    if ((err = enqueue (buf, fds[i], size, 0)))
      break;
  if (!err)
    err = dev_write (dac, "buffer0/enable", "1");
  t0 = now_s ();
  c0 = cpu_s ();
  for (; !err && done < nblocks; done++) {
    int i = done % nbufs;

    if ((err = wait_fence (fds[i], POLLOUT)))
      break;
    if (queued < nblocks) {
      if ((err = enqueue (buf, fds[i], size, 0)))
        break;
      queued++;
    }
  }
  secs = now_s () - t0;
  cpu = cpu_s () - c0;
  dev_write (dac, "buffer0/enable", "0");
  for (int i = 0; i < nbufs; i++) {
    ioctl (buf, IIO_BUFFER_DMABUF_DETACH_IOCTL, &fds[i]);
    close (fds[i]);
  }
  close (buf);
  close (devfd);
  if (err) {
    fprintf (stderr, "playback failed: %s\n", strerror (-err));
    return 1;
  }
  printf ("raw-abi playback: %" PRIu64 " blocks of %zu bytes in %.3f s: "
          "%.1f MiB/s, %.3f CPU s/GiB\n",
      done, size, secs, done * (double)size / secs / 1048576.0,
      cpu / (done * (double)size / 1073741824.0));
  return 0;
}

/* The ADC -> DAC limit: the same dma-bufs attached to both devices, each
 * block enqueued on the ADC, then (once filled) on the DAC, then (once
 * played) on the ADC again, four on each side, no CPU touching the data:
 * what a zero-copy pipeline can at best reach. Four system calls per block
 * (a poll and an enqueue on each device). */
static int
bench_loop (int adc, int dac, int argc, char **argv)
{
  uint64_t nblocks = argc > 0 ? strtoull (argv[0], NULL, 0) : 2000;
  size_t size = argc > 1 ? strtoull (argv[1], NULL, 0) : 1 << 20;
  enum { NBUFS = 8, DEPTH = NBUFS / 2 };
  int adevfd, ddevfd, abuf, dbuf, fds[NBUFS], err = 0;
  uint64_t b;
  double t0, c0, secs, cpu;

  set_channels (adc, "in", 2, 4);
  set_channels (dac, "out", 2, 2);
  dev_write (adc, "sim_free_run", "1");
  dev_write (dac, "sim_free_run", "1");
  abuf = open_buffer (adc, &adevfd);
  dbuf = open_buffer (dac, &ddevfd);
  if (abuf < 0 || dbuf < 0) {
    fprintf (
        stderr, "open buffers: %s\n", strerror (-(abuf < 0 ? abuf : dbuf)));
    return 1;
  }
  for (int i = 0; i < NBUFS; i++) {
    fds[i] = heap_alloc (size);
    if (fds[i] < 0 ||
        ioctl (abuf, IIO_BUFFER_DMABUF_ATTACH_IOCTL, &fds[i]) < 0 ||
        ioctl (dbuf, IIO_BUFFER_DMABUF_ATTACH_IOCTL, &fds[i]) < 0) {
      fprintf (stderr, "dma-buf %d: %s\n", i, strerror (errno));
      return 1;
    }
  }
  for (int i = 0; i < DEPTH && !err; i++)
    err = enqueue (abuf, fds[i], size, 0);
  if (!err)
    err = dev_write (dac, "buffer0/enable", "1");
  if (!err)
    err = dev_write (adc, "buffer0/enable", "1");
  t0 = now_s ();
  c0 = cpu_s ();
  for (b = 0; !err && b < nblocks; b++) {
    int i = b % NBUFS, j = (b + DEPTH) % NBUFS;

    if ((err = wait_fence (fds[i], POLLIN)) ||
        (err = enqueue (dbuf, fds[i], size, 0)))
      break;
    /* Block j goes back to the ADC once the DAC has played it (its first
     * lap: it is fresh). */
    if (b + DEPTH < nblocks &&
        ((b >= DEPTH && (err = wait_fence (fds[j], POLLOUT))) ||
            (err = enqueue (abuf, fds[j], size, 0))))
      break;
  }
  /* The DAC's last blocks played too. */
  for (int k = 0; !err && k < NBUFS; k++)
    err = wait_fence (fds[k], POLLOUT);
  secs = now_s () - t0;
  cpu = cpu_s () - c0;
  dev_write (adc, "buffer0/enable", "0");
  dev_write (dac, "buffer0/enable", "0");
  for (int i = 0; i < NBUFS; i++) {
    ioctl (abuf, IIO_BUFFER_DMABUF_DETACH_IOCTL, &fds[i]);
    ioctl (dbuf, IIO_BUFFER_DMABUF_DETACH_IOCTL, &fds[i]);
    close (fds[i]);
  }
  close (abuf);
  close (adevfd);
  close (dbuf);
  close (ddevfd);
  if (err) {
    fprintf (stderr, "ADC -> DAC failed at block %" PRIu64 ": %s\n", b,
        strerror (-err));
    return 1;
  }
  printf ("raw-abi adc-to-dac: %" PRIu64 " blocks of %zu bytes in %.3f s: "
          "%.1f MiB/s, %.3f CPU s/GiB\n",
      b, size, secs, b * (double)size / secs / 1048576.0,
      cpu / (b * (double)size / 1073741824.0));
  return 0;
}

int
main (int argc, char **argv)
{
  int adc = find_device ("iio-sim-adc");
  int dac = find_device ("iio-sim-dac");
  int fds_before = count_fds ();

  if (adc < 0 || dac < 0) {
    printf (
        "Bail out! iio-sim devices not found (is the test driver loaded?)\n");
    return 1;
  }
  if (argc > 1 && !strcmp (argv[1], "--bench"))
    return bench (adc, argc - 2, argv + 2);
  if (argc > 1 && !strcmp (argv[1], "--bench-out"))
    return bench_out (dac, argc - 2, argv + 2);
  if (argc > 1 && !strcmp (argv[1], "--bench-loop"))
    return bench_loop (adc, dac, argc - 2, argv + 2);

  signal (SIGALRM, on_alarm);
  step ("capture 1000 x 64 KiB through dma-heap");
  test_capture (adc, "dma-heap", heap_alloc, 65536, 4, 1000);
  step ("capture 200 x 1 MiB through dma-heap");
  test_capture (adc, "dma-heap", heap_alloc, 1 << 20, 1, 200);
  step ("capture 1000 x 64 KiB through udmabuf");
  test_capture (adc, "udmabuf", udmabuf_alloc, 65536, 2, 1000);
  step ("playback 1000 blocks");
  test_playback (dac, 1000);
  step ("enqueue errors");
  test_enqueue_errors (adc, dac);
  step ("read() fallback");
  test_fileio_read (adc);
  step ("failed block's fence");
  test_fence_error (adc);
  step ("unaligned block");
  test_unaligned_block (dac);
  step ("kfifo refuses DMABUF");
  test_kfifo_refuses ();
  alarm (0);
  tap (count_fds () == fds_before,
      "no fd leaked over the run (%d before, %d after)", fds_before,
      count_fds ());
  printf ("1..%d\n", tap_count);
  return tap_failed ? 1 : 0;
}
