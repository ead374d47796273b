/* The scan elements of an IIO buffer: their types, the layout of a scan,
 * and which are enabled (gstiiodevice.h).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstiiodeviceprivate.h"
#include "gstiiocaps.h"

#include <string.h>

#define GST_CAT_DEFAULT gst_iio_device_debug

static gboolean
skip (const gchar **p, const gchar *literal)
{
  if (!g_str_has_prefix (*p, literal))
    return FALSE;
  *p += strlen (literal);
  return TRUE;
}

/* At least one decimal digit, value <= 64 (checked as it grows, so huge
 * numbers cannot overflow). */
static gboolean
read_number (const gchar **p, guint *out)
{
  const gchar *s = *p;
  guint v = 0;

  if (!g_ascii_isdigit (*s))
    return FALSE;
  for (; g_ascii_isdigit (*s); s++) {
    v = v * 10 + (*s - '0');
    if (v > 64)
      return FALSE;
  }
  *p = s;
  *out = v;
  return TRUE;
}

gboolean
gst_iio_channel_parse_type (const gchar *type, GstIioChannel *ch)
{
  const gchar *p = type;
  gboolean big_endian, is_signed;
  guint realbits, storagebits, shift, repeat = 1;

  g_return_val_if_fail (ch != NULL, FALSE);

  if (type == NULL)
    return FALSE;
  if (skip (&p, "be:"))
    big_endian = TRUE;
  else if (skip (&p, "le:"))
    big_endian = FALSE;
  else
    return FALSE;
  if (*p != 's' && *p != 'u')
    return FALSE;
  is_signed = *p++ == 's';
  if (!read_number (&p, &realbits) || !skip (&p, "/") ||
      !read_number (&p, &storagebits))
    return FALSE;
  if (skip (&p, "X") && !read_number (&p, &repeat))
    return FALSE;
  if (!skip (&p, ">>") || !read_number (&p, &shift) || *p != '\0')
    return FALSE;
  if (storagebits < 8 || storagebits % 8 != 0 || realbits < 1 ||
      realbits > storagebits || shift + realbits > storagebits || repeat < 1)
    return FALSE;

  ch->big_endian = big_endian;
  ch->is_signed = is_signed;
  ch->realbits = realbits;
  ch->storagebits = storagebits;
  ch->shift = shift;
  ch->repeat = repeat;
  return TRUE;
}

/* The kernel's iio_compute_scan_bytes(): each enabled element aligned to its
 * own size, the scan to the largest. */
static void
compute_layout (GstIioDevice *dev)
{
  guint i, bytes = 0, largest = 0;

  for (i = 0; i < dev->channels->len; i++) {
    GstIioChannel *ch = g_ptr_array_index (dev->channels, i);
    guint len = ch->storagebits / 8 * ch->repeat;

    ch->offset = 0;
    if (!ch->enabled)
      continue;
    bytes = (bytes + len - 1) / len * len;
    ch->offset = bytes;
    bytes += len;
    largest = MAX (largest, len);
  }
  dev->scan_size = largest ? (bytes + largest - 1) / largest * largest : 0;
  GST_DEBUG ("%s buffer%u: %u bytes per scan", dev->id, dev->buffer_index,
      dev->scan_size);
}

/* "<scan dir>/<in_|out_><id>_<suffix>" */
static gchar *
scan_attr (GstIioDevice *dev, const gchar *id, const gchar *suffix)
{
  return g_strdup_printf ("%s/%s%s_%s", dev->scan_dir, dev->prefix, id, suffix);
}

static GstIioChannel *
load_channel (GstIioDevice *dev, const gchar *id, GError **error)
{
  g_autofree gchar *type_attr = scan_attr (dev, id, "type");
  g_autofree gchar *index_attr = scan_attr (dev, id, "index");
  g_autofree gchar *en_attr = scan_attr (dev, id, "en");
  g_autofree gchar *idx = NULL, *en = NULL;
  GstIioChannel *ch = g_new0 (GstIioChannel, 1);

  ch->id = g_strdup (id);
  ch->is_timestamp = g_str_equal (id, "timestamp");
  ch->type = gst_iio_device_read_attr (dev, type_attr, error);
  if (ch->type == NULL)
    goto failed;
  if (!gst_iio_channel_parse_type (ch->type, ch)) {
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_READ,
        "IIO device %s has a channel of a type this element does not "
        "understand\n%s is \"%s\" (expected e.g. \"le:s16/16>>0\")",
        dev->id, type_attr, ch->type);
    goto failed;
  }
  idx = gst_iio_device_read_attr (dev, index_attr, error);
  if (idx == NULL)
    goto failed;
  if (!gst_iio_parse_uint (idx, &ch->index)) {
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_READ,
        "IIO device %s has a channel without a scan index\n%s is "
        "\"%s\"",
        dev->id, index_attr, idx);
    goto failed;
  }
  en = gst_iio_device_read_attr (dev, en_attr, error);
  if (en == NULL)
    goto failed;
  ch->enabled = g_str_equal (en, "1");
  GST_LOG ("%s: %s index %u type %s%s", dev->id, id, ch->index, ch->type,
      ch->enabled ? " (enabled)" : "");
  return ch;

failed:
  gst_iio_channel_free (ch);
  return NULL;
}

/* Every <in_|out_><id>_en of the buffer's scan elements is one channel;
 * their enable state is read as it is, so the layout is known at once. */
gboolean
gst_iio_device_load_channels (GstIioDevice *dev, GError **error)
{
  g_autofree gchar *path = g_build_filename (dev->path, dev->scan_dir, NULL);
  gsize plen = strlen (dev->prefix);
  const gchar *fname;
  GError *err = NULL;
  GDir *dir;

  dir = g_dir_open (path, 0, &err);
  if (dir == NULL) {
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_READ,
        "Cannot list the channels of IIO device %s\n%s", dev->id, err->message);
    g_error_free (err);
    return FALSE;
  }
  while ((fname = g_dir_read_name (dir)) != NULL) {
    gsize flen = strlen (fname);
    g_autofree gchar *id = NULL;
    GstIioChannel *ch;

    if (flen <= plen + 3 || !g_str_has_prefix (fname, dev->prefix) ||
        !g_str_has_suffix (fname, "_en"))
      continue;
    id = g_strndup (fname + plen, flen - plen - 3);
    ch = load_channel (dev, id, error);
    if (ch == NULL) {
      g_dir_close (dir);
      return FALSE;
    }
    g_ptr_array_add (dev->channels, ch);
  }
  g_dir_close (dir);
  gst_iio_channels_sort (dev->channels);
  compute_layout (dev);
  return TRUE;
}

GPtrArray *
gst_iio_device_get_channels (GstIioDevice *dev)
{
  return dev->channels;
}

static gchar *
channel_ids (GstIioDevice *dev)
{
  GString *s = g_string_new (NULL);
  guint i;

  for (i = 0; i < dev->channels->len; i++) {
    GstIioChannel *ch = g_ptr_array_index (dev->channels, i);

    g_string_append_printf (s, "%s%s", i ? ", " : "", ch->id);
  }
  return g_string_free (s, FALSE);
}

/* Sets want[i] for each channel @list names (NULL or "": all but the
 * timestamp); FALSE with the error when it names none, an unknown one or
 * one twice. */
static gboolean
parse_selection (
    GstIioDevice *dev, const gchar *list, gboolean *want, GError **error)
{
  g_auto (GStrv) ids = g_strsplit (list ? list : "", ",", -1);
  g_autofree gchar *available = channel_ids (dev);
  guint i, j, n = dev->channels->len, count = 0;

  if (list == NULL || *list == '\0') {
    for (j = 0; j < n; j++) {
      want[j] = !((GstIioChannel *)g_ptr_array_index (dev->channels, j))
                     ->is_timestamp;
      count += want[j];
    }
    if (count == 0)
      g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
          "IIO device %s has no channel but a timestamp: name the channels "
          "to enable\n%s (%s), %s",
          gst_iio_device_display_name (dev), gst_iio_device_display_name (dev),
          dev->id, dev->scan_dir);
    return count > 0;
  }

  for (i = 0; ids[i] != NULL; i++) {
    const gchar *id = g_strstrip (ids[i]);

    if (*id == '\0')
      continue;
    for (j = 0; j < n; j++) {
      if (g_str_equal (
              ((GstIioChannel *)g_ptr_array_index (dev->channels, j))->id, id))
        break;
    }
    if (j == n) {
      g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
          "IIO device %s has no channel \"%s\"; available: %s\n"
          "%s (%s), buffer %u",
          gst_iio_device_display_name (dev), id, available, dev->path, dev->id,
          dev->buffer_index);
      return FALSE;
    }
    if (want[j]) {
      g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
          "Channel \"%s\" is listed twice: list each once\nchannels=\"%s\"", id,
          list);
      return FALSE;
    }
    want[j] = TRUE;
    count++;
  }
  if (count == 0)
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
        "No channel named: give comma-separated ids of IIO device %s: "
        "%s\nchannels=\"%s\", %s",
        gst_iio_device_display_name (dev), available, list, dev->id);
  return count > 0;
}

gboolean
gst_iio_device_select_channels (
    GstIioDevice *dev, const gchar *list, GError **error)
{
  guint n = dev->channels->len, i, pass;
  g_autofree gboolean *want = g_new0 (gboolean, n + 1);
  gboolean ok = parse_selection (dev, list, want, error);

  /* Disable before enabling: a driver with fixed scan masks may refuse an
   * enable that, with the old channels still on, matches no mask. */
  for (pass = 0; ok && pass < 2; pass++) {
    for (i = 0; ok && i < n; i++) {
      GstIioChannel *ch = g_ptr_array_index (dev->channels, i);
      g_autofree gchar *attr = scan_attr (dev, ch->id, "en");

      if (want[i] != (pass == 1))
        continue;
      ok = gst_iio_device_write_attr (dev, attr, want[i] ? "1" : "0", error);
      if (ok)
        ch->enabled = want[i];
    }
  }
  compute_layout (dev);
  return ok;
}

gboolean
gst_iio_device_plan_channels (
    GstIioDevice *dev, const gchar *list, GError **error)
{
  guint n = dev->channels->len, i;
  g_autofree gboolean *want = g_new0 (gboolean, n + 1);

  if (!parse_selection (dev, list, want, error))
    return FALSE;
  for (i = 0; i < n; i++)
    ((GstIioChannel *)g_ptr_array_index (dev->channels, i))->enabled = want[i];
  compute_layout (dev);
  return TRUE;
}

GPtrArray *
gst_iio_device_get_enabled_channels (GstIioDevice *dev)
{
  return gst_iio_channels_enabled (dev->channels);
}

guint
gst_iio_device_get_scan_size (GstIioDevice *dev)
{
  return dev->scan_size;
}
