/* What the libFuzzer targets share: a quiet GStreamer set up once, inputs
 * as strings, and a fake sysfs tree that lives as long as the process.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __FUZZ_H__
#define __FUZZ_H__

#include <glib.h>
#include <stddef.h>
#include <stdint.h>

G_BEGIN_DECLS

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* GStreamer without plugins or a registry, its debug log off, and every
 * g_critical() an abort: a critical is API misuse, which is a finding.
 * Warnings are dropped. Safe to call more than once. */
void fuzz_init (void);

/* For a target whose every call into GStreamer is valid by construction,
 * so that a critical GStreamer raises there is about the text it was
 * given, its own bug: shows each such message once instead of aborting. */
void fuzz_tolerate_gstreamer_criticals (void);

/* @data as a string: a NUL-terminated copy (an embedded NUL ends it). */
gchar *fuzz_string (const uint8_t *data, size_t size);

/* A fake sysfs tree in $TMPDIR, laid out as tests/check/libs/fakesysfs.h
 * lays out its own (which asserts with check and so needs a check runner):
 * <root>/sys is GST_IIO_SYSFS_ROOT, <root>/dev GST_IIO_DEV_ROOT. Removed
 * when the process exits normally. */
const gchar *fuzz_sysfs_new (void);

/* Makes sys/@rel of @root hold exactly @len bytes of @data (no newline
 * added, NULs kept), as a driver's attribute could, making its
 * directories. */
void fuzz_sysfs_write (
    const gchar *root, const gchar *rel, const uint8_t *data, size_t len);
/* @text and a newline, as sysfs shows an attribute. */
void fuzz_sysfs_put (const gchar *root, const gchar *rel, const gchar *text);
/* What sys/@rel holds, or NULL. */
gchar *fuzz_sysfs_get (const gchar *root, const gchar *rel);
/* Removes sys/@rel when it is there. */
void fuzz_sysfs_unlink (const gchar *root, const gchar *rel);

/* iio:device@num with "name" and, when not NULL, "label"; buffer @idx of
 * it with enable, length and direction; a disabled scan element of it
 * (<prefix>_<id>_{en,index,type} in bufferN/). */
void fuzz_sysfs_add_device (
    const gchar *root, guint num, const gchar *name, const gchar *label);
void fuzz_sysfs_add_buffer (
    const gchar *root, guint num, guint idx, const gchar *direction);
void fuzz_sysfs_add_channel (const gchar *root, guint num, guint buffer,
    const gchar *prefix, const gchar *id, guint idx, const gchar *type);

G_END_DECLS

#endif /* __FUZZ_H__ */
