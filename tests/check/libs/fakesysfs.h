/* A fake IIO sysfs tree in a temporary directory, for host tests of the
 * control plane: GST_IIO_SYSFS_ROOT and GST_IIO_DEV_ROOT point into it.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __FAKE_SYSFS_H__
#define __FAKE_SYSFS_H__

#include <glib.h>

G_BEGIN_DECLS

/* Creates <tmp>/sys (GST_IIO_SYSFS_ROOT) and <tmp>/dev (GST_IIO_DEV_ROOT);
 * returns <tmp>. */
gchar *fake_sysfs_new (void);
/* Deletes the tree and unsets the variables. */
void fake_sysfs_free (gchar *root);

/* Writes @contents + "\n" (as sysfs shows attributes) to sys/@rel, making
 * its directories. */
void fake_sysfs_put (
    const gchar *root, const gchar *rel, const gchar *contents);
/* Contents of sys/@rel exactly as stored, or NULL. */
gchar *fake_sysfs_get (const gchar *root, const gchar *rel);
void fake_sysfs_remove (const gchar *root, const gchar *rel);

/* iio:device@num with "name" and, when not NULL, "label"; like sysfs, the
 * entry is a symlink to the real directory. */
void fake_sysfs_add_device (
    const gchar *root, guint num, const gchar *name, const gchar *label);
/* bufferN/ with enable, length and, when not NULL, direction. */
void fake_sysfs_add_buffer (
    const gchar *root, guint num, guint idx, const gchar *direction);
/* <dir>/<prefix>_<id>_{en,index,type} of device @num, disabled. */
void fake_sysfs_add_channel (const gchar *root, guint num, const gchar *dir,
    const gchar *prefix, const gchar *id, guint idx, const gchar *type);

G_END_DECLS

#endif /* __FAKE_SYSFS_H__ */
