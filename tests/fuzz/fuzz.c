/* Set-up shared by the libFuzzer targets (fuzz.h).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "fuzz.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <gst/gst.h>

static gchar *tree_root;

static gboolean tolerate_gstreamer;
static GHashTable *tolerated; /* messages already shown */

static void
log_handler (const gchar *domain, GLogLevelFlags level, const gchar *message,
    gpointer user_data)
{
  if (!(level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL)))
    return;
  if (tolerate_gstreamer && !(level & G_LOG_LEVEL_ERROR) &&
      g_strcmp0 (domain, "GStreamer") == 0) {
    if (tolerated == NULL)
      tolerated = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
    if (g_hash_table_add (tolerated, g_strdup (message)))
      g_printerr ("fuzz: GStreamer's own critical, tolerated: %s\n", message);
    return;
  }
  g_printerr ("%s-CRITICAL: %s\n", domain ? domain : "", message);
  abort ();
}

void
fuzz_tolerate_gstreamer_criticals (void)
{
  tolerate_gstreamer = TRUE;
}

void
fuzz_init (void)
{
  static gsize done = 0;

  if (!g_once_init_enter (&done))
    return;
  /* GSlice of GLib 2.74 caches memory that LeakSanitizer cannot see */
  g_setenv ("G_SLICE", "always-malloc", TRUE);
  /* nothing from the host: no plugins loaded, no registry written */
  g_setenv ("GST_REGISTRY_DISABLE", "yes", TRUE);
  g_setenv ("GST_PLUGIN_SYSTEM_PATH_1_0", "", TRUE);
  g_setenv ("GST_PLUGIN_PATH_1_0", "", TRUE);
  g_unsetenv ("GST_DEBUG");
  g_log_set_default_handler (log_handler, NULL);
  gst_init (NULL, NULL);
  g_once_init_leave (&done, 1);
}

gchar *
fuzz_string (const uint8_t *data, size_t size)
{
  gchar *s = g_malloc (size + 1);

  if (size > 0)
    memcpy (s, data, size);
  s[size] = '\0';
  return s;
}

/* Depth first; the iio:deviceN entries are symlinks, removed as such. */
static void
remove_tree (const gchar *path)
{
  const gchar *name;
  GDir *dir;

  if (!g_file_test (path, G_FILE_TEST_IS_SYMLINK) &&
      g_file_test (path, G_FILE_TEST_IS_DIR)) {
    dir = g_dir_open (path, 0, NULL);
    while (dir && (name = g_dir_read_name (dir)) != NULL) {
      g_autofree gchar *child = g_build_filename (path, name, NULL);

      remove_tree (child);
    }
    if (dir)
      g_dir_close (dir);
    g_rmdir (path);
  } else {
    g_unlink (path);
  }
}

static void
remove_sysfs (void)
{
  remove_tree (tree_root);
  g_clear_pointer (&tree_root, g_free);
}

const gchar *
fuzz_sysfs_new (void)
{
  GError *error = NULL;
  g_autofree gchar *sys = NULL, *dev = NULL;

  g_assert (tree_root == NULL);
  tree_root = g_dir_make_tmp ("gst-iio-fuzz-XXXXXX", &error);
  if (tree_root == NULL)
    g_error ("cannot make the fake sysfs: %s", error->message);
  sys = g_build_filename (tree_root, "sys", NULL);
  dev = g_build_filename (tree_root, "dev", NULL);
  if (g_mkdir (sys, 0755) < 0 || g_mkdir (dev, 0755) < 0)
    g_error ("cannot make %s: %s", sys, g_strerror (errno));
  g_setenv ("GST_IIO_SYSFS_ROOT", sys, TRUE);
  g_setenv ("GST_IIO_DEV_ROOT", dev, TRUE);
  atexit (remove_sysfs);
  return tree_root;
}

void
fuzz_sysfs_write (
    const gchar *root, const gchar *rel, const uint8_t *data, size_t len)
{
  g_autofree gchar *path = g_build_filename (root, "sys", rel, NULL);
  g_autofree gchar *parent = g_path_get_dirname (path);
  ssize_t n;
  int fd;

  /* a failure here is the harness's, not the code's: stop loudly */
  if (g_mkdir_with_parents (parent, 0755) < 0)
    g_error ("cannot make %s: %s", parent, g_strerror (errno));
  fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    g_error ("cannot create %s: %s", path, g_strerror (errno));
  n = len > 0 ? write (fd, data, len) : 0;
  if (n < 0 || (size_t)n != len)
    g_error ("cannot write %s: %s", path, g_strerror (errno));
  close (fd);
}

void
fuzz_sysfs_put (const gchar *root, const gchar *rel, const gchar *text)
{
  g_autofree gchar *line = g_strconcat (text, "\n", NULL);

  fuzz_sysfs_write (root, rel, (const uint8_t *)line, strlen (line));
}

gchar *
fuzz_sysfs_get (const gchar *root, const gchar *rel)
{
  g_autofree gchar *path = g_build_filename (root, "sys", rel, NULL);
  gchar *contents;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return NULL;
  return contents;
}

void
fuzz_sysfs_unlink (const gchar *root, const gchar *rel)
{
  g_autofree gchar *path = g_build_filename (root, "sys", rel, NULL);

  if (g_unlink (path) < 0 && errno != ENOENT)
    g_error ("cannot remove %s: %s", path, g_strerror (errno));
}

void
fuzz_sysfs_add_device (
    const gchar *root, guint num, const gchar *name, const gchar *label)
{
  g_autofree gchar *id = g_strdup_printf ("iio:device%u", num);
  g_autofree gchar *target = g_build_filename (root, "platform", id, NULL);
  g_autofree gchar *entry = g_build_filename (root, "sys", id, NULL);
  g_autofree gchar *name_rel = g_strdup_printf ("%s/name", id);
  g_autofree gchar *label_rel = g_strdup_printf ("%s/label", id);

  /* like sysfs, the entry is a symlink to the device's directory */
  if (g_mkdir_with_parents (target, 0755) < 0 || symlink (target, entry) < 0)
    g_error ("cannot make %s: %s", entry, g_strerror (errno));
  fuzz_sysfs_put (root, name_rel, name);
  if (label)
    fuzz_sysfs_put (root, label_rel, label);
}

void
fuzz_sysfs_add_buffer (
    const gchar *root, guint num, guint idx, const gchar *direction)
{
  static const gchar *const attrs[] = { "enable", "length", "direction" };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (attrs); i++) {
    g_autofree gchar *rel =
        g_strdup_printf ("iio:device%u/buffer%u/%s", num, idx, attrs[i]);

    fuzz_sysfs_put (root, rel, i == 2 ? direction : "0");
  }
}

void
fuzz_sysfs_add_channel (const gchar *root, guint num, guint buffer,
    const gchar *prefix, const gchar *id, guint idx, const gchar *type)
{
  g_autofree gchar *index = g_strdup_printf ("%u", idx);
  const gchar *const values[][2] = {
    { "en", "0" },
    { "index", index },
    { "type", type },
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (values); i++) {
    g_autofree gchar *rel = g_strdup_printf ("iio:device%u/buffer%u/%s_%s_%s",
        num, buffer, prefix, id, values[i][0]);

    fuzz_sysfs_put (root, rel, values[i][1]);
  }
}
