/* sysfs attributes of an IIO device: reading and writing them, with errors
 * that name the attribute, the value and the errno text (gstiiodevice.h).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstiiodeviceprivate.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#define GST_CAT_DEFAULT gst_iio_device_debug

/* A sysfs attribute, trailing newline stripped. sysfs gives every attribute
 * the size of a page and g_file_get_contents() reads up to EOF. */
gchar *
gst_iio_read_file (const gchar *path, GError **error)
{
  gchar *contents;

  if (!g_file_get_contents (path, &contents, NULL, error))
    return NULL;
  return g_strchomp (contents);
}

/* Writes @value in one write(), as sysfs takes an attribute; 0 or errno.
 * No O_CREAT: an attribute the driver lacks is an error. */
static int
write_file (const gchar *path, const gchar *value)
{
  size_t len = strlen (value);
  ssize_t n;
  int fd, err = 0;

  fd = open (path, O_WRONLY | O_TRUNC | O_CLOEXEC);
  if (fd < 0)
    return errno;
  do {
    n = write (fd, value, len);
  } while (n < 0 && errno == EINTR);
  if (n < 0)
    err = errno;
  else if ((size_t)n != len)
    err = EIO;
  if (close (fd) < 0 && err == 0)
    err = errno;
  return err;
}

/* How to get past a refused sysfs write. */
static const gchar *
write_hint (int err)
{
  switch (err) {
    case EACCES:
    case EPERM:
    case EROFS:
      return " (the attribute is read-only, or writing it needs root or a "
             "udev rule granting access)";
    case EBUSY:
      return " (the buffer is enabled: stop whoever streams from it)";
    case EINVAL:
      return " (the driver refused the value: see its *_available "
             "attributes)";
    case ENOENT:
    case ENOTDIR:
      return " (the driver does not provide this attribute)";
    default:
      return "";
  }
}

gchar *
gst_iio_device_read_attr (GstIioDevice *dev, const gchar *attr, GError **error)
{
  g_autofree gchar *path = g_build_filename (dev->path, attr, NULL);
  GError *err = NULL;
  gchar *value;

  value = gst_iio_read_file (path, &err);
  if (value == NULL) {
    g_set_error (error, GST_RESOURCE_ERROR,
        g_error_matches (err, G_FILE_ERROR, G_FILE_ERROR_NOENT)
            ? GST_RESOURCE_ERROR_NOT_FOUND
            : GST_RESOURCE_ERROR_OPEN_READ,
        "Cannot read attribute %s of IIO device %s\n%s", attr,
        gst_iio_device_display_name (dev), err->message);
    g_error_free (err);
  }
  return value;
}

/* An attribute name must stay inside the device's directory: relative, no
 * ".." component (the "attributes" property comes from users). */
static gboolean
attr_name_ok (const gchar *attr)
{
  gchar **parts;
  gboolean ok;

  if (!attr || !*attr || attr[0] == '/')
    return FALSE;
  parts = g_strsplit (attr, "/", -1);
  ok = TRUE;
  for (guint i = 0; parts[i]; i++)
    ok &= *parts[i] != '\0' && strcmp (parts[i], "..") != 0 &&
        strcmp (parts[i], ".") != 0;
  g_strfreev (parts);
  return ok;
}

gboolean
gst_iio_device_write_attr (
    GstIioDevice *dev, const gchar *attr, const gchar *value, GError **error)
{
  g_autofree gchar *path = NULL;
  int errnum;

  if (!attr_name_ok (attr)) {
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
        "\"%s\" is no attribute of IIO device %s: give a name inside its "
        "sysfs directory\nnot under %s (a leading / or ..)",
        attr, gst_iio_device_display_name (dev), dev->path);
    return FALSE;
  }
  path = g_build_filename (dev->path, attr, NULL);
  errnum = write_file (path, value);

  if (errnum != 0) {
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
        "Cannot set attribute %s of IIO device %s to \"%s\"%s\n"
        "write(%s): %s",
        attr, gst_iio_device_display_name (dev), value, write_hint (errnum),
        path, g_strerror (errnum));
    return FALSE;
  }
  GST_DEBUG ("%s: %s = %s", dev->id, attr, value);
  return TRUE;
}

gchar *
gst_iio_format_double (gdouble value)
{
  gchar buf[G_ASCII_DTOSTR_BUF_SIZE];

  return g_strdup (g_ascii_dtostr (buf, sizeof (buf), value));
}

/* sysfs text for a structure field: strings as they are, booleans 1/0,
 * doubles in the C locale (GLib's transform would use the user's); NULL
 * for what has no text form. */
static gchar *
value_to_string (const GValue *v)
{
  GValue s = G_VALUE_INIT;
  gchar *str;

  if (G_VALUE_HOLDS_STRING (v))
    return g_value_dup_string (v);
  if (G_VALUE_HOLDS_BOOLEAN (v))
    return g_strdup (g_value_get_boolean (v) ? "1" : "0");
  if (G_VALUE_HOLDS_DOUBLE (v))
    return gst_iio_format_double (g_value_get_double (v));
  if (!g_value_type_transformable (G_VALUE_TYPE (v), G_TYPE_STRING))
    return NULL;
  g_value_init (&s, G_TYPE_STRING);
  g_value_transform (v, &s);
  str = g_value_dup_string (&s);
  g_value_unset (&s);
  return str;
}

gboolean
gst_iio_device_write_attrs (
    GstIioDevice *dev, const GstStructure *attrs, GError **error)
{
  gint i, n = gst_structure_n_fields (attrs);

  for (i = 0; i < n; i++) {
    const gchar *attr = gst_structure_nth_field_name (attrs, i);
    const GValue *v = gst_structure_get_value (attrs, attr);
    g_autofree gchar *value = value_to_string (v);

    if (value == NULL) {
      g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
          "Cannot set attribute %s of IIO device %s: give a string or a "
          "number\na %s has no text form",
          attr, gst_iio_device_display_name (dev), G_VALUE_TYPE_NAME (v));
      return FALSE;
    }
    if (!gst_iio_device_write_attr (dev, attr, value, error))
      return FALSE;
  }
  return TRUE;
}

gboolean
gst_iio_parse_uint (const gchar *s, guint *out)
{
  guint64 v;

  if (!g_ascii_string_to_unsigned (s, 10, 0, G_MAXUINT, &v, NULL))
    return FALSE;
  *out = v;
  return TRUE;
}
