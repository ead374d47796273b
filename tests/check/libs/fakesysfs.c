/* A fake IIO sysfs tree for host tests (fakesysfs.h).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "fakesysfs.h"

#include <gst/check/gstcheck.h>
#include <glib/gstdio.h>
#include <unistd.h>

static void
remove_tree (const gchar *path)
{
  GDir *dir;
  const gchar *name;

  if (!g_file_test (path, G_FILE_TEST_IS_SYMLINK) &&
      g_file_test (path, G_FILE_TEST_IS_DIR)) {
    dir = g_dir_open (path, 0, NULL);
    fail_unless (dir != NULL, "cannot list %s", path);
    while ((name = g_dir_read_name (dir)) != NULL) {
      gchar *child = g_build_filename (path, name, NULL);

      remove_tree (child);
      g_free (child);
    }
    g_dir_close (dir);
    fail_unless_equals_int (g_rmdir (path), 0);
  } else {
    fail_unless_equals_int (g_unlink (path), 0);
  }
}

gchar *
fake_sysfs_new (void)
{
  GError *error = NULL;
  gchar *root = g_dir_make_tmp ("gst-iio-test-XXXXXX", &error);
  gchar *sys, *dev;

  fail_unless (
      root != NULL, "g_dir_make_tmp: %s", error ? error->message : "?");
  sys = g_build_filename (root, "sys", NULL);
  dev = g_build_filename (root, "dev", NULL);
  fail_unless_equals_int (g_mkdir (sys, 0755), 0);
  fail_unless_equals_int (g_mkdir (dev, 0755), 0);
  g_setenv ("GST_IIO_SYSFS_ROOT", sys, TRUE);
  g_setenv ("GST_IIO_DEV_ROOT", dev, TRUE);
  g_free (sys);
  g_free (dev);
  return root;
}

void
fake_sysfs_free (gchar *root)
{
  g_unsetenv ("GST_IIO_SYSFS_ROOT");
  g_unsetenv ("GST_IIO_DEV_ROOT");
  remove_tree (root);
  g_free (root);
}

void
fake_sysfs_put (const gchar *root, const gchar *rel, const gchar *contents)
{
  gchar *path = g_build_filename (root, "sys", rel, NULL);
  gchar *parent = g_path_get_dirname (path);
  gchar *text = g_strconcat (contents, "\n", NULL);
  GError *error = NULL;

  fail_unless_equals_int (g_mkdir_with_parents (parent, 0755), 0);
  fail_unless (g_file_set_contents (path, text, -1, &error), "%s",
      error ? error->message : "?");
  g_free (text);
  g_free (parent);
  g_free (path);
}

gchar *
fake_sysfs_get (const gchar *root, const gchar *rel)
{
  gchar *path = g_build_filename (root, "sys", rel, NULL);
  gchar *contents = NULL;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    contents = NULL;
  g_free (path);
  return contents;
}

void
fake_sysfs_remove (const gchar *root, const gchar *rel)
{
  gchar *path = g_build_filename (root, "sys", rel, NULL);

  remove_tree (path);
  g_free (path);
}

void
fake_sysfs_add_device (
    const gchar *root, guint num, const gchar *name, const gchar *label)
{
  gchar *id = g_strdup_printf ("iio:device%u", num);
  gchar *target = g_build_filename (root, "platform", id, NULL);
  gchar *entry = g_build_filename (root, "sys", id, NULL);
  gchar *rel;

  fail_unless_equals_int (g_mkdir_with_parents (target, 0755), 0);
  fail_unless_equals_int (symlink (target, entry), 0);
  rel = g_strdup_printf ("%s/name", id);
  fake_sysfs_put (root, rel, name);
  g_free (rel);
  if (label) {
    rel = g_strdup_printf ("%s/label", id);
    fake_sysfs_put (root, rel, label);
    g_free (rel);
  }
  g_free (entry);
  g_free (target);
  g_free (id);
}

void
fake_sysfs_add_buffer (
    const gchar *root, guint num, guint idx, const gchar *direction)
{
  gchar *rel;

  rel = g_strdup_printf ("iio:device%u/buffer%u/enable", num, idx);
  fake_sysfs_put (root, rel, "0");
  g_free (rel);
  rel = g_strdup_printf ("iio:device%u/buffer%u/length", num, idx);
  fake_sysfs_put (root, rel, "0");
  g_free (rel);
  if (direction) {
    rel = g_strdup_printf ("iio:device%u/buffer%u/direction", num, idx);
    fake_sysfs_put (root, rel, direction);
    g_free (rel);
  }
}

void
fake_sysfs_add_channel (const gchar *root, guint num, const gchar *dir,
    const gchar *prefix, const gchar *id, guint idx, const gchar *type)
{
  gchar *rel, *value;

  rel = g_strdup_printf ("iio:device%u/%s/%s_%s_en", num, dir, prefix, id);
  fake_sysfs_put (root, rel, "0");
  g_free (rel);
  rel = g_strdup_printf ("iio:device%u/%s/%s_%s_index", num, dir, prefix, id);
  value = g_strdup_printf ("%u", idx);
  fake_sysfs_put (root, rel, value);
  g_free (value);
  g_free (rel);
  rel = g_strdup_printf ("iio:device%u/%s/%s_%s_type", num, dir, prefix, id);
  fake_sysfs_put (root, rel, type);
  g_free (rel);
}
