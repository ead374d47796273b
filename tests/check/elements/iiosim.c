/* Helpers for the guest suites (see iiosim.h).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "iiosim.h"
#include "iio-uapi.h"

#include <dirent.h>
#include <stdarg.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gst/allocators/allocators.h>
#include <gst/check/gstcheck.h>
#include <glib/gstdio.h>
#include <errno.h>

#define SYSFS "/sys/bus/iio/devices"

gchar *
iiosim_device_dir (const gchar *name)
{
  GDir *dir = g_dir_open (SYSFS, 0, NULL);
  const gchar *e;
  gchar *found = NULL;

  while (dir && !found && (e = g_dir_read_name (dir))) {
    gchar *path = g_build_filename (SYSFS, e, "name", NULL);
    gchar *text = NULL;

    if (g_file_get_contents (path, &text, NULL, NULL) &&
        !g_strcmp0 (g_strstrip (text), name))
      found = g_build_filename (SYSFS, e, NULL);
    g_free (text);
    g_free (path);
  }
  if (dir)
    g_dir_close (dir);
  return found;
}

/* sysfs takes an attribute in one write() to the file itself. */
static void
write_sysfs (const gchar *path, const gchar *value)
{
  gint fd = open (path, O_WRONLY | O_CLOEXEC);
  gssize n = fd < 0 ? -1 : write (fd, value, strlen (value));

  fail_unless (n == (gssize)strlen (value), "writing %s to %s: %s", value, path,
      g_strerror (errno));
  close (fd);
}

void
iiosim_write (const gchar *name, const gchar *attr, const gchar *value)
{
  gchar *dir = iiosim_device_dir (name);
  gchar *path;

  fail_unless (dir != NULL, "device %s not found", name);
  path = g_build_filename (dir, attr, NULL);
  write_sysfs (path, value);
  g_free (path);
  g_free (dir);
}

guint64
iiosim_read_u64 (const gchar *name, const gchar *attr)
{
  gchar *dir = iiosim_device_dir (name);
  gchar *path, *text = NULL;
  guint64 v;

  fail_unless (dir != NULL, "device %s not found", name);
  path = g_build_filename (dir, attr, NULL);
  fail_unless (g_file_get_contents (path, &text, NULL, NULL), "read %s", path);
  v = g_ascii_strtoull (text, NULL, 0);
  g_free (text);
  g_free (path);
  g_free (dir);
  return v;
}

gboolean
iiosim_on_dmaengine (const gchar *name)
{
  gchar *dir = iiosim_device_dir (name);
  gchar *path;
  gboolean found;

  fail_unless (dir != NULL, "device %s not found", name);
  path = g_build_filename (dir, "buffer0", "length_align_bytes", NULL);
  found = g_file_test (path, G_FILE_TEST_EXISTS);
  g_free (path);
  g_free (dir);
  return found;
}

static void
run (const gchar *cmd)
{
  gint status = 0;
  GError *err = NULL;

  fail_unless (g_spawn_command_line_sync (cmd, NULL, NULL, &status, &err),
      "%s: %s", cmd, err ? err->message : "");
  fail_unless (g_spawn_check_wait_status (status, NULL), "%s failed", cmd);
}

void
iiosim_reload (const gchar *params)
{
  const gchar *kmod = g_getenv ("giid_kmod");
  gchar *cmd, *kind;

  fail_unless (kmod != NULL, "giid_kmod not set: not in the test guest?");
  run ("rmmod iio_sim");
  /* the run's own parameters (the buffer kind) first, then the test's */
  kind = g_strdup (g_getenv ("giid_sim_params"));
  if (kind)
    g_strdelimit (kind, ",", ' ');
  cmd = g_strdup_printf (
      "insmod %s %s %s", kmod, kind ? kind : "", params ? params : "");
  g_free (kind);
  run (cmd);
  g_free (cmd);
}

static void
write_driver_file (const gchar *file, const gchar *name)
{
  gchar *path =
      g_build_filename ("/sys/bus/platform/drivers/iio-sim", file, NULL);
  gint fd = open (path, O_WRONLY | O_CLOEXEC);

  fail_unless (fd >= 0, "open %s: %s", path, g_strerror (errno));
  fail_unless (write (fd, name, strlen (name)) == (gssize)strlen (name),
      "%s %s: %s", file, name, g_strerror (errno));
  close (fd);
  g_free (path);
}

void
iiosim_unbind (const gchar *name)
{
  write_driver_file ("unbind", name);
}

void
iiosim_bind (const gchar *name)
{
  write_driver_file ("bind", name);
}

#define CONFIGFS "/sys/kernel/config/iio"

void
iiosim_dummy_create (const gchar *name, guint hz)
{
  gchar *path, *trig, *hzs, *dev;

  path = g_build_filename (CONFIGFS, "devices/dummy", name, NULL);
  fail_unless (g_mkdir (path, 0755) == 0 || errno == EEXIST, "mkdir %s", path);
  trig = g_strdup_printf ("%s/triggers/hrtimer/%s-trig", CONFIGFS, name);
  fail_unless (g_mkdir (trig, 0755) == 0 || errno == EEXIST, "mkdir %s", trig);
  /* The trigger's sysfs device carries its rate. */
  hzs = g_strdup_printf ("%u", hz);
  {
    GDir *d = g_dir_open ("/sys/bus/iio/devices", 0, NULL);
    const gchar *e;

    while ((e = g_dir_read_name (d))) {
      gchar *np = g_build_filename ("/sys/bus/iio/devices", e, "name", NULL);
      gchar *t = NULL;
      gchar *want = g_strdup_printf ("%s-trig", name);

      if (g_str_has_prefix (e, "trigger") &&
          g_file_get_contents (np, &t, NULL, NULL) &&
          !g_strcmp0 (g_strstrip (t), want)) {
        gchar *fp = g_build_filename (
            "/sys/bus/iio/devices", e, "sampling_frequency", NULL);
        write_sysfs (fp, hzs);
        g_free (fp);
      }
      g_free (want);
      g_free (t);
      g_free (np);
    }
    g_dir_close (d);
  }
  dev = g_strdup_printf ("%s-trig", name);
  iiosim_write (name, "trigger/current_trigger", dev);
  g_free (dev);
  g_free (hzs);
  g_free (trig);
  g_free (path);
}

void
iiosim_dummy_stop (const gchar *name)
{
  iiosim_write (name, "trigger/current_trigger", "");
}

guint64
iiosim_check_pattern (const guint8 *data, gsize size, guint bytes,
    guint n_channels, const guint *idx, guint64 first)
{
  gsize samples = size / (bytes * n_channels);
  guint64 bad = 0;

  for (gsize s = 0; s < samples; s++) {
    for (guint j = 0; j < n_channels; j++) {
      guint32 want =
          (guint32)(first + s + (guint64)idx[j] * IIOSIM_CHANNEL_STEP);
      const guint8 *p = data + (s * n_channels + j) * bytes;
      guint32 got =
          bytes == 2 ? GST_READ_UINT16_LE (p) : GST_READ_UINT32_LE (p);

      if (bytes == 2)
        want &= 0xffff;
      bad += got != want;
    }
  }
  return bad;
}

void
iiosim_check_two_halves (const gchar *text, const gchar *debug)
{
  fail_unless (text && *text && !strchr (text, '\n') && strlen (text) < 300,
      "the user text is no short sentence: \"%s\"", text);
  fail_unless (debug && *debug, "\"%s\" has no debug text", text);
}

void
iiosim_expect_error (const gchar *desc, const gchar *what, gboolean at_once)
{
  GstElement *pipe = gst_parse_launch (desc, NULL);
  GstStateChangeReturn ret;
  GstMessage *msg;
  GError *err = NULL;
  gchar *dbg = NULL;

  fail_unless (pipe != NULL, "cannot parse %s", desc);
  ret = gst_element_set_state (pipe, GST_STATE_PLAYING);
  if (at_once)
    fail_unless_equals_int (ret, GST_STATE_CHANGE_FAILURE);
  msg = gst_bus_timed_pop_filtered (
      GST_ELEMENT_BUS (pipe), 10 * GST_SECOND, GST_MESSAGE_ERROR);
  fail_unless (msg != NULL, "no error for %s", desc);
  gst_message_parse_error (msg, &err, &dbg);
  fail_unless (strstr (err->message, what) != NULL,
      "error \"%s\" does not name \"%s\"", err->message, what);
  GST_INFO ("%s: %s (%s)", desc, err->message, dbg);
  iiosim_check_two_halves (err->message, dbg);
  g_error_free (err);
  g_free (dbg);
  gst_message_unref (msg);
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (pipe);
}

void
iiosim_expect_message (
    const gchar *desc, GstMessageType type, const gchar *debug, ...)
{
  GstElement *pipe = gst_parse_launch (desc, NULL);
  GstMessage *msg;
  GError *err = NULL;
  gchar *dbg = NULL;
  const gchar *text;
  va_list args;

  fail_unless (pipe != NULL, "cannot parse %s", desc);
  gst_element_set_state (pipe, GST_STATE_PLAYING);
  msg = gst_bus_timed_pop_filtered (
      GST_ELEMENT_BUS (pipe), 10 * GST_SECOND, type | GST_MESSAGE_ERROR);
  fail_unless (
      msg != NULL, "no %s for %s", gst_message_type_get_name (type), desc);
  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR)
    gst_message_parse_error (msg, &err, &dbg);
  else
    gst_message_parse_warning (msg, &err, &dbg);
  GST_INFO ("%s: %s (%s)", desc, err->message, dbg);
  fail_unless (GST_MESSAGE_TYPE (msg) == type, "%s: error \"%s\" (%s)", desc,
      err->message, dbg);
  va_start (args, debug);
  while ((text = va_arg (args, const gchar *)))
    fail_unless (strstr (err->message, text) != NULL,
        "%s \"%s\" does not name \"%s\"", gst_message_type_get_name (type),
        err->message, text);
  va_end (args);
  fail_unless (debug == NULL || (dbg && strstr (dbg, debug) != NULL),
      "debug text \"%s\" does not name \"%s\"", dbg, debug);
  iiosim_check_two_halves (err->message, dbg);
  g_error_free (err);
  g_free (dbg);
  gst_message_unref (msg);
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (pipe);
}

void
iiosim_wait_eos (GstElement *pipe, GstClockTime timeout, const gchar *what)
{
  GstMessage *msg = gst_bus_timed_pop_filtered (GST_ELEMENT_BUS (pipe), timeout,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR | GST_MESSAGE_WARNING);

  fail_unless (msg != NULL, "%s did not reach EOS in %" GST_TIME_FORMAT, what,
      GST_TIME_ARGS (timeout));
  if (GST_MESSAGE_TYPE (msg) != GST_MESSAGE_EOS) {
    GError *err = NULL;
    gchar *dbg = NULL;

    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR)
      gst_message_parse_error (msg, &err, &dbg);
    else
      gst_message_parse_warning (msg, &err, &dbg);
    fail ("%s: %s: %s (%s)", what, GST_MESSAGE_TYPE_NAME (msg), err->message,
        dbg);
  }
  gst_message_unref (msg);
}

GstElement *
iiosim_run_to_eos (const gchar *desc, GstClockTime timeout)
{
  GstElement *pipe = gst_parse_launch (desc, NULL);

  fail_unless (pipe != NULL, "%s", desc);
  gst_element_set_state (pipe, GST_STATE_PLAYING);
  iiosim_wait_eos (pipe, timeout, desc);
  fail_unless_equals_int (
      gst_element_set_state (pipe, GST_STATE_NULL), GST_STATE_CHANGE_SUCCESS);
  return pipe;
}

void
iiosim_check_file (const gchar *path, gsize offset, gsize size,
    guint n_channels, guint64 first_sample)
{
  guint idx[8] = { 0, 1, 2, 3, 4, 5, 6, 7 };
  gchar *data = NULL;
  gsize len = 0;

  fail_unless (n_channels <= G_N_ELEMENTS (idx));
  fail_unless (g_file_get_contents (path, &data, &len, NULL), "no %s", path);
  fail_unless_equals_uint64 (len, offset + size);
  fail_unless_equals_uint64 (iiosim_check_pattern ((guint8 *)data + offset,
                                 size, 2, n_channels, idx, first_sample),
      0);
  g_free (data);
  g_unlink (path);
}

/* This process's open fds whose link reads @target (NULL: all of them),
 * the directory's own left out. */
static guint
count_fds_to (const gchar *target)
{
  GDir *d = g_dir_open ("/proc/self/fd", 0, NULL);
  const gchar *name;
  guint n = 0;

  while ((name = g_dir_read_name (d))) {
    gchar *path, *link;

    if (!target) {
      n++;
      continue;
    }
    path = g_build_filename ("/proc/self/fd", name, NULL);
    link = g_file_read_link (path, NULL);
    if (link && g_str_equal (link, target))
      n++;
    g_free (link);
    g_free (path);
  }
  g_dir_close (d);
  return target ? n : n - 1;
}

guint
iiosim_count_fds (void)
{
  return count_fds_to (NULL);
}

guint
iiosim_count_sync_files (void)
{
  return count_fds_to ("anon_inode:sync_file");
}

guint
iiosim_rss_kib (void)
{
  gchar *text = NULL, *line;
  guint kib = 0;

  fail_unless (g_file_get_contents ("/proc/self/status", &text, NULL, NULL));
  line = strstr (text, "VmRSS:");
  if (line)
    kib = (guint)g_ascii_strtoull (line + 6, NULL, 10);
  g_free (text);
  return kib;
}

guint64
iiosim_dmabuf_inode (GstBuffer *buffer)
{
  GstMemory *mem = gst_buffer_peek_memory (buffer, 0);
  struct stat st;

  if (!gst_is_dmabuf_memory (mem) ||
      fstat (gst_dmabuf_memory_get_fd (mem), &st) < 0)
    return 0;
  return st.st_ino;
}

/* The peer's pool: a plain GstBufferPool that allocates dma-heap dma-bufs. */
typedef struct
{
  GstBufferPool parent;
  GstAllocator *allocator;
  GHashTable *inodes;
  guint size;
  gint starved; /* atomic */
} HeapPool;

typedef GstBufferPoolClass HeapPoolClass;

static GType heap_pool_get_type (void);
G_DEFINE_TYPE (HeapPool, heap_pool, GST_TYPE_BUFFER_POOL);

static gboolean
heap_pool_set_config (GstBufferPool *bpool, GstStructure *config)
{
  HeapPool *pool = (HeapPool *)bpool;
  guint min, max;

  gst_buffer_pool_config_get_params (config, NULL, &pool->size, &min, &max);
  gst_buffer_pool_config_set_allocator (config, pool->allocator, NULL);
  return GST_BUFFER_POOL_CLASS (heap_pool_parent_class)
      ->set_config (bpool, config);
}

gint
iiosim_try_attach (const gchar *name)
{
  struct dma_heap_allocation_data data = { .len = 4096 };
  gchar *dir = iiosim_device_dir (name);
  gchar *node;
  gint heap, dev, buf = 0, err = 0;

  fail_unless (dir != NULL, "device %s not found", name);
  node = g_strconcat ("/dev/", strrchr (dir, '/') + 1, NULL);
  data.fd_flags = O_RDWR | O_CLOEXEC;
  heap = open ("/dev/dma_heap/system", O_RDONLY | O_CLOEXEC);
  fail_unless (heap >= 0 && ioctl (heap, DMA_HEAP_IOCTL_ALLOC, &data) == 0,
      "dma-heap: %s", g_strerror (errno));
  close (heap);
  dev = open (node, O_RDWR | O_CLOEXEC);
  fail_unless (dev >= 0 && ioctl (dev, IIO_BUFFER_GET_FD_IOCTL, &buf) == 0,
      "%s: %s", node, g_strerror (errno));
  if (ioctl (buf, IIO_BUFFER_DMABUF_ATTACH_IOCTL, &data.fd) < 0)
    err = errno;
  else
    ioctl (buf, IIO_BUFFER_DMABUF_DETACH_IOCTL, &data.fd);
  close (buf);
  close (dev);
  close ((gint)data.fd);
  g_free (node);
  g_free (dir);
  return err;
}

gint
iiosim_fail_one_enable (const gchar *name, const gchar *length)
{
  gchar *dir = iiosim_device_dir (name);
  const gchar *io = g_str_has_suffix (name, "-dac") ? "out" : "in";
  gchar *en, *path;
  gint fd, err;

  fail_unless (dir != NULL, "device %s not found", name);
  en = g_strdup_printf ("scan_elements/%s_voltage0_en", io);
  iiosim_write (name, en, "1");
  iiosim_write (name, "buffer0/length", length);
  iiosim_write (name, "sim_fail_enable", "1");
  path = g_build_filename (dir, "buffer0/enable", NULL);
  fd = open (path, O_WRONLY | O_CLOEXEC);
  fail_unless (fd >= 0, "%s: %s", path, g_strerror (errno));
  err = write (fd, "1", 1) < 0 ? errno : 0;
  close (fd);
  fail_unless_equals_uint64 (iiosim_read_u64 (name, "sim_fail_enable"), 0);
  fail_unless_equals_uint64 (iiosim_read_u64 (name, "buffer0/enable"), 0);
  iiosim_write (name, en, "0");
  g_free (path);
  g_free (en);
  g_free (dir);
  return err;
}

GstMemory *
iiosim_heap_memory (GstAllocator *allocator, gsize size)
{
  struct dma_heap_allocation_data data = { 0 };
  gint heap = open ("/dev/dma_heap/system", O_RDONLY | O_CLOEXEC);

  data.len = size;
  data.fd_flags = O_RDWR | O_CLOEXEC;
  if (heap < 0 || ioctl (heap, DMA_HEAP_IOCTL_ALLOC, &data) < 0) {
    if (heap >= 0)
      close (heap);
    return NULL;
  }
  close (heap);
  return gst_dmabuf_allocator_alloc (allocator, data.fd, size);
}

static GstFlowReturn
heap_pool_alloc (GstBufferPool *bpool, GstBuffer **buffer,
    GstBufferPoolAcquireParams *params)
{
  HeapPool *pool = (HeapPool *)bpool;
  GstMemory *mem = iiosim_heap_memory (pool->allocator, pool->size);

  if (!mem)
    return GST_FLOW_ERROR;
  *buffer = gst_buffer_new ();
  gst_buffer_append_memory (*buffer, mem);
  if (pool->inodes) {
    guint64 *ino = g_new (guint64, 1);

    *ino = iiosim_dmabuf_inode (*buffer);
    g_hash_table_add (pool->inodes, ino);
  }
  return GST_FLOW_OK;
}

static GstFlowReturn
heap_pool_acquire (GstBufferPool *bpool, GstBuffer **buffer,
    GstBufferPoolAcquireParams *params)
{
  if (g_atomic_int_get (&((HeapPool *)bpool)->starved))
    return GST_FLOW_EOS;
  return GST_BUFFER_POOL_CLASS (heap_pool_parent_class)
      ->acquire_buffer (bpool, buffer, params);
}

typedef struct
{
  GstBufferPool *pool;
  guint size, min, max;
} Offer;

static void
offer_free (gpointer data)
{
  Offer *o = data;

  gst_object_unref (o->pool);
  g_free (o);
}

static GstPadProbeReturn
offer_probe (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  GstQuery *q = GST_PAD_PROBE_INFO_QUERY (info);
  Offer *o = user_data;
  GstStructure *config;
  GstCaps *caps;

  if (GST_QUERY_TYPE (q) != GST_QUERY_ALLOCATION)
    return GST_PAD_PROBE_OK;
  gst_query_parse_allocation (q, &caps, NULL);
  config = gst_buffer_pool_get_config (o->pool);
  gst_buffer_pool_config_set_params (config, caps, o->size, o->min, o->max);
  fail_unless (gst_buffer_pool_set_config (o->pool, config));
  gst_query_add_allocation_pool (q, o->pool, o->size, o->min, o->max);
  return GST_PAD_PROBE_HANDLED;
}

void
iiosim_offer_pool (
    GstPad *pad, GstBufferPool *pool, guint size, guint min, guint max)
{
  Offer *o = g_new (Offer, 1);

  o->pool = gst_object_ref (pool);
  o->size = size;
  o->min = min;
  o->max = max;
  gst_pad_add_probe (
      pad, GST_PAD_PROBE_TYPE_QUERY_DOWNSTREAM, offer_probe, o, offer_free);
}

void
iiosim_heap_pool_set_starved (GstBufferPool *pool, gboolean starved)
{
  g_atomic_int_set (&((HeapPool *)pool)->starved, starved);
}

static void
heap_pool_finalize (GObject *obj)
{
  gst_object_unref (((HeapPool *)obj)->allocator);
  G_OBJECT_CLASS (heap_pool_parent_class)->finalize (obj);
}

static void
heap_pool_class_init (HeapPoolClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = heap_pool_finalize;
  GST_BUFFER_POOL_CLASS (klass)->acquire_buffer = heap_pool_acquire;
  klass->set_config = heap_pool_set_config;
  klass->alloc_buffer = heap_pool_alloc;
}

static void
heap_pool_init (HeapPool *pool)
{
  pool->allocator = gst_dmabuf_allocator_new ();
}

GstBufferPool *
iiosim_heap_pool_new (GHashTable *inodes)
{
  HeapPool *pool = g_object_new (heap_pool_get_type (), NULL);

  pool->inodes = inodes;
  return GST_BUFFER_POOL (gst_object_ref_sink (pool));
}

guint64
iiosim_fnv1a (guint64 hash, const guint8 *data, gsize size)
{
  for (gsize i = 0; i < size; i++) {
    hash ^= data[i];
    hash *= G_GUINT64_CONSTANT (0x100000001b3);
  }
  return hash;
}

guint64
iiosim_pattern_fnv (guint64 n_samples)
{
  guint64 hash = IIOSIM_FNV_OFFSET;
  guint8 scan[4];

  for (guint64 s = 0; s < n_samples; s++) {
    iiosim_pattern_fill (scan, s, 1);
    hash = iiosim_fnv1a (hash, scan, sizeof (scan));
  }
  return hash;
}

void
iiosim_pattern_fill (guint8 *data, guint64 first, guint n)
{
  for (guint i = 0; i < n; i++) {
    GST_WRITE_UINT16_LE (data + 4 * i, (guint16)(first + i));
    GST_WRITE_UINT16_LE (
        data + 4 * i + 2, (guint16)(first + i + IIOSIM_CHANNEL_STEP));
  }
}

guint64
iiosim_stat_u64 (GstElement *element, const gchar *field)
{
  GstStructure *s = NULL;
  guint64 v = G_MAXUINT64;

  g_object_get (element, "stats", &s, NULL);
  fail_unless (s != NULL);
  if (!gst_structure_get_uint64 (s, field, &v)) {
    guint u;

    fail_unless (
        gst_structure_get_uint (s, field, &u), "no %s in stats", field);
    v = u;
  }
  gst_structure_free (s);
  return v;
}

gdouble
iiosim_stat_double (GstElement *element, const gchar *field)
{
  GstStructure *s = NULL;
  gdouble v = G_MAXDOUBLE;

  g_object_get (element, "stats", &s, NULL);
  fail_unless (s != NULL && gst_structure_get_double (s, field, &v),
      "no %s in stats", field);
  gst_structure_free (s);
  return v;
}

gchar *
iiosim_stat_string (GstElement *element, const gchar *field)
{
  GstStructure *s = NULL;
  gchar *v;

  g_object_get (element, "stats", &s, NULL);
  fail_unless (s != NULL);
  v = g_strdup (gst_structure_get_string (s, field));
  fail_unless (v != NULL, "no %s in stats", field);
  gst_structure_free (s);
  return v;
}

void
iiosim_expect_permission_denied (
    const gchar *factory, const gchar *device, gint code)
{
  pid_t pid = fork ();
  gint status = 0;

  fail_unless (pid >= 0);
  if (pid == 0) {
    GstElement *el;
    GstMessage *msg;
    GError *err = NULL;
    gchar *dbg = NULL;
    GstBus *bus;

    if (setgid (65534) != 0 || setuid (65534) != 0)
      _exit (10);
    el = gst_element_factory_make (factory, NULL);
    g_object_set (el, "device", device, NULL);
    bus = gst_bus_new ();
    gst_element_set_bus (el, bus);
    if (gst_element_set_state (el, GST_STATE_READY) != GST_STATE_CHANGE_FAILURE)
      _exit (11);
    msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
    if (!msg)
      _exit (12);
    gst_message_parse_error (msg, &err, &dbg);
    _exit (strstr (err->message, "give the user access") && dbg &&
                strstr (dbg, "Permission denied") && err->code == code
            ? 0
            : 13);
  }
  fail_unless (waitpid (pid, &status, 0) == pid);
  fail_unless (WIFEXITED (status));
  /* 10: setuid refused, 11: READY succeeded, 12: no error message,
   * 13: another error than expected */
  fail_unless_equals_int (WEXITSTATUS (status), 0);
}

/* Waits up to @timeout for EOS of @pipe, where the DAC may run dry: the
 * sink's underrun warnings are counted and returned, any other warning or
 * error fails the test, naming @what. */
void
iiosim_wait_eos_collecting (GstElement *pipe, GstClockTime timeout,
    const gchar *what, GString *warnings)
{
  GstBus *bus = gst_element_get_bus (pipe);
  gint64 deadline = g_get_monotonic_time () + timeout / GST_USECOND;

  for (;;) {
    gint64 left = deadline - g_get_monotonic_time ();
    GstMessage *msg =
        gst_bus_timed_pop_filtered (bus, MAX (left, 0) * GST_USECOND,
            GST_MESSAGE_EOS | GST_MESSAGE_ERROR | GST_MESSAGE_WARNING);
    GError *err = NULL;
    gchar *dbg = NULL;

    fail_unless (msg != NULL, "%s did not reach EOS", what);
    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS) {
      gst_message_unref (msg);
      break;
    }
    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
      gst_message_parse_error (msg, &err, &dbg);
      fail ("%s: error: %s (%s)", what, err->message, dbg);
    }
    gst_message_parse_warning (msg, &err, &dbg);
    iiosim_check_two_halves (err->message, dbg);
    g_string_append_printf (warnings, "%s: %s\n",
        GST_OBJECT_NAME (GST_MESSAGE_SRC (msg)), err->message);
    g_clear_error (&err);
    g_free (dbg);
    gst_message_unref (msg);
  }
  gst_object_unref (bus);
}

guint
iiosim_wait_eos_counting_underruns (
    GstElement *pipe, GstClockTime timeout, const gchar *what)
{
  GString *warnings = g_string_new (NULL);
  gchar **lines;
  guint underruns = 0;

  iiosim_wait_eos_collecting (pipe, timeout, what, warnings);
  lines = g_strsplit (warnings->str, "\n", -1);
  for (guint i = 0; lines[i] && *lines[i]; i++) {
    const gchar *text = strstr (lines[i], ": ");

    fail_unless (text && g_str_has_prefix (text + 2, "Underrun"),
        "%s: warning from %s", what, lines[i]);
    underruns++;
  }
  g_strfreev (lines);
  g_string_free (warnings, TRUE);
  return underruns;
}

guint64
iiosim_check_dac_played (guint64 want, guint64 hash)
{
  static const guint8 zero = 0;
  guint64 played = iiosim_read_u64 ("iio-sim-dac", "sim_bytes");

  fail_unless (played >= want && played - want < 65536,
      "the DAC played %" G_GUINT64_FORMAT " bytes for %" G_GUINT64_FORMAT,
      played, want);
  for (guint64 i = want; i < played; i++)
    hash = iiosim_fnv1a (hash, &zero, 1);
  fail_unless (iiosim_read_u64 ("iio-sim-dac", "sim_checksum") == hash,
      "the DAC did not play the expected samples (%" G_GUINT64_FORMAT
      " bytes played)",
      played);
  return played;
}
