/* Control plane of an IIO device: finds it in sysfs, loads and enables the
 * scan elements of one buffer, reads and writes attributes (gstiiodevice.h).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstiiodeviceprivate.h"
#include "gstiiocaps.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

GST_DEBUG_CATEGORY (gst_iio_device_debug);
#define GST_CAT_DEFAULT gst_iio_device_debug

#define DEFAULT_SYSFS_ROOT "/sys/bus/iio/devices"
#define DEFAULT_DEV_ROOT "/dev"

static void
init_debug (void)
{
  static gsize done = 0;

  if (g_once_init_enter (&done)) {
    GST_DEBUG_CATEGORY_INIT (gst_iio_device_debug, "iiodevice", 0,
        "IIO device control plane (sysfs)");
    g_once_init_leave (&done, 1);
  }
}

const gchar *
gst_iio_sysfs_root (void)
{
  const gchar *root = g_getenv ("GST_IIO_SYSFS_ROOT");

  return root && *root ? root : DEFAULT_SYSFS_ROOT;
}

const gchar *
gst_iio_dev_root (void)
{
  const gchar *root = g_getenv ("GST_IIO_DEV_ROOT");

  return root && *root ? root : DEFAULT_DEV_ROOT;
}

static gint
device_compare (gconstpointer a, gconstpointer b)
{
  const GstIioDevice *da = *(GstIioDevice *const *)a;
  const GstIioDevice *db = *(GstIioDevice *const *)b;

  return da->num < db->num ? -1 : da->num > db->num;
}

static void
device_free (gpointer dev)
{
  gst_iio_device_free (dev);
}

/* Every iio:deviceN under the sysfs root, lowest N first. */
static GPtrArray *
list_devices (GError **error)
{
  const gchar *root = gst_iio_sysfs_root (), *fname;
  GError *err = NULL;
  GPtrArray *devices;
  GDir *dir;

  dir = g_dir_open (root, 0, &err);
  if (dir == NULL) {
    if (g_error_matches (err, G_FILE_ERROR, G_FILE_ERROR_NOENT))
      g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NOT_FOUND,
          "There are no IIO devices (load the device's driver)\n%s does "
          "not exist (GST_IIO_SYSFS_ROOT moves it)",
          root);
    else
      g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_READ,
          "Cannot list the IIO devices\n%s", err->message);
    g_error_free (err);
    return NULL;
  }

  devices = g_ptr_array_new_with_free_func (device_free);
  while ((fname = g_dir_read_name (dir)) != NULL) {
    g_autofree gchar *name = NULL, *label = NULL;
    GstIioDevice *dev;
    guint num;

    /* triggerN and other entries live here too */
    if (!g_str_has_prefix (fname, "iio:device") ||
        !gst_iio_parse_uint (fname + strlen ("iio:device"), &num))
      continue;
    dev = g_new0 (GstIioDevice, 1);
    dev->num = num;
    dev->id = g_strdup (fname);
    dev->path = g_build_filename (root, fname, NULL);
    /* both optional: a driver may give neither */
    name = g_build_filename (dev->path, "name", NULL);
    dev->name = gst_iio_read_file (name, NULL);
    label = g_build_filename (dev->path, "label", NULL);
    dev->label = gst_iio_read_file (label, NULL);
    g_ptr_array_add (devices, dev);
  }
  g_dir_close (dir);
  g_ptr_array_sort (devices, device_compare);
  return devices;
}

/* Which way the scan elements in @scan_path go when the buffer does not say
 * (before Linux 5.11): output only when they are out_. */
static GstIioDirection
direction_from_scan_elements (const gchar *scan_path)
{
  GstIioDirection direction = GST_IIO_DIRECTION_INPUT;
  const gchar *fname;
  GDir *dir;

  dir = g_dir_open (scan_path, 0, NULL);
  if (dir == NULL)
    return direction;
  while ((fname = g_dir_read_name (dir)) != NULL) {
    if (!g_str_has_suffix (fname, "_en"))
      continue;
    if (g_str_has_prefix (fname, "in_")) {
      direction = GST_IIO_DIRECTION_INPUT;
      break;
    }
    if (g_str_has_prefix (fname, "out_"))
      direction = GST_IIO_DIRECTION_OUTPUT;
  }
  g_dir_close (dir);
  return direction;
}

/* Fills the buffer fields of @dev for buffer @idx: where its attributes
 * and scan elements are, which way it goes. FALSE when there is none. */
static gboolean
probe_buffer (GstIioDevice *dev, guint idx)
{
  g_autofree gchar *bufname = g_strdup_printf ("buffer%u", idx);
  g_autofree gchar *bufpath = g_build_filename (dev->path, bufname, NULL);
  g_autofree gchar *legacy =
      g_build_filename (dev->path, "scan_elements", NULL);
  g_autofree gchar *dir_file = NULL, *value = NULL, *scan_path = NULL;

  g_clear_pointer (&dev->buffer_dir, g_free);
  g_clear_pointer (&dev->scan_dir, g_free);
  if (g_file_test (bufpath, G_FILE_TEST_IS_DIR)) {
    dev->buffer_dir = g_strdup (bufname);
    dev->scan_dir = g_strdup (bufname);
  } else if (idx == 0 && g_file_test (legacy, G_FILE_TEST_IS_DIR)) {
    dev->buffer_dir = g_strdup ("buffer");
    dev->scan_dir = g_strdup ("scan_elements");
  } else {
    return FALSE;
  }
  dev->buffer_index = idx;

  dir_file = g_build_filename (dev->path, dev->buffer_dir, "direction", NULL);
  value = gst_iio_read_file (dir_file, NULL);
  scan_path = g_build_filename (dev->path, dev->scan_dir, NULL);
  if (g_strcmp0 (value, "out") == 0)
    dev->direction = GST_IIO_DIRECTION_OUTPUT;
  else if (g_strcmp0 (value, "in") == 0)
    dev->direction = GST_IIO_DIRECTION_INPUT;
  else
    dev->direction = direction_from_scan_elements (scan_path);
  return TRUE;
}

static gboolean
device_fits (GstIioDevice *dev, GstIioDirection direction, guint idx)
{
  return probe_buffer (dev, idx) && dev->direction == direction;
}

static const gchar *
direction_name (GstIioDirection direction)
{
  return direction == GST_IIO_DIRECTION_OUTPUT ? "output" : "input";
}

/* "name (iio:deviceN, label L), ..." of the devices that fit, or of all
 * when @all; "" when there is none. */
static gchar *
describe_devices (
    GPtrArray *devices, gboolean all, GstIioDirection direction, guint idx)
{
  GString *s = g_string_new (NULL);
  guint i;

  for (i = 0; i < devices->len; i++) {
    GstIioDevice *dev = g_ptr_array_index (devices, i);

    if (!all && !device_fits (dev, direction, idx))
      continue;
    g_string_append_printf (s, "%s%s (%s", s->len ? ", " : "",
        dev->name ? dev->name : "(no name)", dev->id);
    if (dev->label)
      g_string_append_printf (s, ", label %s", dev->label);
    g_string_append_c (s, ')');
  }
  return g_string_free (s, FALSE);
}

/* Says why no device fits @spec and lists the ones that would. @named is
 * the first device that @spec names, if any. */
static void
set_not_found_error (GError **error, GPtrArray *devices, const gchar *spec,
    GstIioDevice *named, GstIioDirection direction, guint idx)
{
  g_autofree gchar *fits = describe_devices (devices, FALSE, direction, idx);
  g_autofree gchar *all = describe_devices (devices, TRUE, direction, idx);
  g_autofree gchar *why = NULL, *alternatives = NULL;
  const gchar *dir = direction_name (direction);

  if (spec == NULL || *spec == '\0')
    why = g_strdup_printf ("no IIO device has an %s buffer%u", dir, idx);
  else if (named == NULL)
    why = g_strdup_printf ("IIO device \"%s\" not found", spec);
  else if (!probe_buffer (named, idx))
    why = g_strdup_printf (
        "IIO device \"%s\" (%s) has no buffer%u", spec, named->id, idx);
  else
    why = g_strdup_printf ("IIO device \"%s\" (%s): buffer%u is an %s "
                           "buffer, not an %s one",
        spec, named->id, idx, direction_name (named->direction), dir);

  if (*fits)
    alternatives =
        g_strdup_printf ("available (%s buffer%u): %s", dir, idx, fits);
  else if (*all)
    alternatives = g_strdup_printf ("none of the devices present has an %s "
                                    "buffer%u: %s",
        dir, idx, all);
  else
    alternatives = g_strdup_printf ("there are no IIO devices in %s (load "
                                    "the device's driver)",
        gst_iio_sysfs_root ());
  g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NOT_FOUND,
      "%s\n%s", why, alternatives);
}

static gboolean
device_is_named (GstIioDevice *dev, const gchar *spec)
{
  return g_str_equal (dev->id, spec) || g_strcmp0 (dev->name, spec) == 0 ||
      g_strcmp0 (dev->label, spec) == 0;
}

GstIioDevice *
gst_iio_device_open (const gchar *spec, GstIioDirection direction,
    guint buffer_index, GError **error)
{
  GstIioDevice *dev = NULL, *named = NULL;
  GPtrArray *devices;
  guint i;

  init_debug ();
  devices = list_devices (error);
  if (devices == NULL)
    return NULL;

  for (i = 0; i < devices->len; i++) {
    GstIioDevice *candidate = g_ptr_array_index (devices, i);

    if (spec && *spec && !device_is_named (candidate, spec))
      continue;
    if (named == NULL)
      named = candidate;
    if (device_fits (candidate, direction, buffer_index)) {
      dev = g_ptr_array_steal_index (devices, i);
      break;
    }
  }
  if (dev == NULL) {
    set_not_found_error (error, devices, spec, named, direction, buffer_index);
    goto out;
  }

  dev->devnode = g_build_filename (gst_iio_dev_root (), dev->id, NULL);
  dev->prefix = direction == GST_IIO_DIRECTION_OUTPUT ? "out_" : "in_";
  dev->channels = g_ptr_array_new_with_free_func (gst_iio_channel_free);
  if (!gst_iio_device_load_channels (dev, error)) {
    g_clear_pointer (&dev, gst_iio_device_free);
    goto out;
  }
  GST_INFO ("opened %s (%s) %s buffer%u at %s: %u scan elements",
      gst_iio_device_get_name (dev), dev->id, direction_name (direction),
      buffer_index, dev->path, dev->channels->len);

out:
  g_ptr_array_unref (devices);
  return dev;
}

void
gst_iio_device_free (GstIioDevice *dev)
{
  if (dev == NULL)
    return;
  g_free (dev->id);
  g_free (dev->name);
  g_free (dev->label);
  g_free (dev->path);
  g_free (dev->devnode);
  g_free (dev->buffer_dir);
  g_free (dev->scan_dir);
  if (dev->channels)
    g_ptr_array_unref (dev->channels);
  g_free (dev);
}

/* The device's name; its id when the driver gives it no name. */
const gchar *
gst_iio_device_get_name (GstIioDevice *dev)
{
  return gst_iio_device_display_name (dev);
}

const gchar *
gst_iio_device_get_label (GstIioDevice *dev)
{
  return dev->label;
}

const gchar *
gst_iio_device_get_id (GstIioDevice *dev)
{
  return dev->id;
}

GstIioDirection
gst_iio_device_get_direction (GstIioDevice *dev)
{
  return dev->direction;
}

guint
gst_iio_device_get_buffer_index (GstIioDevice *dev)
{
  return dev->buffer_index;
}

const gchar *
gst_iio_device_get_devnode (GstIioDevice *dev)
{
  return dev->devnode;
}

GPtrArray *
gst_iio_device_list (GError **error)
{
  GPtrArray *devices = list_devices (error), *found;
  guint i, idx;

  if (devices == NULL)
    return NULL;
  found = g_ptr_array_new_with_free_func (device_free);
  for (i = 0; i < devices->len; i++) {
    GstIioDevice *candidate = g_ptr_array_index (devices, i);

    /* Devices without a buffer (triggers, plain sensors) are left out; a
     * device that goes away meanwhile is skipped. */
    for (idx = 0; probe_buffer (candidate, idx); idx++) {
      GstIioDevice *dev =
          gst_iio_device_open (candidate->id, candidate->direction, idx, NULL);

      if (dev)
        g_ptr_array_add (found, dev);
    }
  }
  g_ptr_array_unref (devices);
  return found;
}

/* Where the rate may be, in the header's order; for the first enabled
 * channel its own attribute (info_mask_separate) comes before its type's
 * (info_mask_shared_by_type). */
static GPtrArray *
sampling_frequency_attrs (GstIioDevice *dev)
{
  GPtrArray *attrs = g_ptr_array_new_with_free_func (g_free);
  guint i;

  g_ptr_array_add (attrs, g_strdup ("sampling_frequency"));
  g_ptr_array_add (
      attrs, g_strdup_printf ("%s/sampling_frequency", dev->buffer_dir));
  for (i = 0; i < dev->channels->len; i++) {
    GstIioChannel *ch = g_ptr_array_index (dev->channels, i);
    const gchar *p = ch->id;

    if (!ch->enabled || ch->is_timestamp)
      continue;
    /* the channel type is the leading letters: "voltage0" -> "voltage" */
    while (g_ascii_isalpha (*p))
      p++;
    g_ptr_array_add (attrs,
        g_strdup_printf ("%s%s_sampling_frequency", dev->prefix, ch->id));
    if (p != ch->id && *p != '\0')
      g_ptr_array_add (attrs,
          g_strdup_printf ("%s%.*s_sampling_frequency", dev->prefix,
              (int)(p - ch->id), ch->id));
    break;
  }
  return attrs;
}

gdouble
gst_iio_device_get_sampling_frequency (GstIioDevice *dev)
{
  g_autoptr (GPtrArray) attrs = sampling_frequency_attrs (dev);
  guint i;

  for (i = 0; i < attrs->len; i++) {
    const gchar *attr = g_ptr_array_index (attrs, i);
    g_autofree gchar *value = gst_iio_device_read_attr (dev, attr, NULL);
    gchar *end;
    gdouble hz;

    if (value == NULL)
      continue;
    hz = g_ascii_strtod (value, &end);
    GST_DEBUG ("%s: %s = %s", dev->id, attr, value);
    if (end == value || *end != '\0')
      GST_WARNING ("%s: %s is \"%s\", not a number", dev->id, attr, value);
    else if (hz > 0 && hz < G_MAXDOUBLE)
      return hz;
  }
  return 0;
}

gboolean
gst_iio_device_set_sampling_frequency (
    GstIioDevice *dev, gdouble hz, GError **error)
{
  g_autoptr (GPtrArray) attrs = sampling_frequency_attrs (dev);
  g_autofree gchar *value = gst_iio_format_double (hz);
  guint i;

  if (!(hz > 0 && hz < G_MAXDOUBLE)) {
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
        "%s Hz is not a sampling frequency: give a positive rate\n"
        "IIO device %s (%s)",
        value, gst_iio_device_get_name (dev), dev->id);
    return FALSE;
  }
  /* the first that exists is the one that counts */
  for (i = 0; i < attrs->len; i++) {
    g_autofree gchar *path =
        g_build_filename (dev->path, attrs->pdata[i], NULL);

    if (g_file_test (path, G_FILE_TEST_EXISTS))
      return gst_iio_device_write_attr (dev, attrs->pdata[i], value, error);
  }
  g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
      "Cannot set IIO device %s to %s Hz: leave the rate to the driver\n"
      "%s has no sampling_frequency attribute",
      gst_iio_device_get_name (dev), value, dev->path);
  return FALSE;
}

gboolean
gst_iio_device_set_buffer_length (
    GstIioDevice *dev, guint scans, GError **error)
{
  g_autofree gchar *attr = g_strdup_printf ("%s/length", dev->buffer_dir);
  g_autofree gchar *value = g_strdup_printf ("%u", scans);

  return gst_iio_device_write_attr (dev, attr, value, error);
}

gboolean
gst_iio_device_set_buffer_enabled (
    GstIioDevice *dev, gboolean enabled, GError **error)
{
  g_autofree gchar *attr = g_strdup_printf ("%s/enable", dev->buffer_dir);

  return gst_iio_device_write_attr (dev, attr, enabled ? "1" : "0", error);
}

guint
gst_iio_device_get_length_align (GstIioDevice *dev)
{
  g_autofree gchar *value =
      gst_iio_device_read_buffer_attr (dev, "length_align_bytes", NULL);
  guint64 align = 1;

  if (value &&
      (!g_ascii_string_to_unsigned (value, 10, 1, 1 << 20, &align, NULL) ||
          (align & (align - 1)))) {
    GST_WARNING (
        "%s: length_align_bytes is \"%s\": taken as 1", dev->id, value);
    align = 1;
  }
  return (guint)align;
}

gboolean
gst_iio_device_has_dma_controller (GstIioDevice *dev)
{
  g_autofree gchar *value =
      gst_iio_device_read_buffer_attr (dev, "length_align_bytes", NULL);

  return value != NULL;
}

gchar *
gst_iio_device_read_buffer_attr (
    GstIioDevice *dev, const gchar *name, GError **error)
{
  g_autofree gchar *attr = g_build_filename (dev->buffer_dir, name, NULL);

  return gst_iio_device_read_attr (dev, attr, error);
}

gboolean
gst_iio_device_get_buffer_enabled (GstIioDevice *dev)
{
  g_autofree gchar *val = gst_iio_device_read_buffer_attr (dev, "enable", NULL);

  return val && !g_strcmp0 (val, "1");
}
