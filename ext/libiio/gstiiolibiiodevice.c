/* An IIO device of a libiio context and its scan elements
 * (gstiiolibiiodevice.h).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstiiolibiiodevice.h"
#include "gstiiocaps.h"
#include "gstiiosettings.h"

#include <errno.h>
#include <string.h>

/* Owns the context unless made by new_from_iio(); the device and channels
 * are the context's. */
struct _GstIioLibiioDevice
{
  gchar *uri;
  struct iio_context *ctx;
  gboolean owns_ctx;
  struct iio_device *dev;
  GstIioDirection direction;
  GPtrArray *channels;     /* GstIioChannel *, scan elements, by index */
  GPtrArray *iio_channels; /* struct iio_channel *, the same order */
  guint scan_bytes;
};

#define FREQ_ATTR "sampling_frequency"

gchar *
gst_iio_libiio_strerror (gssize ret)
{
  gchar text[256];

  iio_strerror ((gint)(ret < 0 ? -ret : ret), text, sizeof (text));
  return g_strdup (text);
}

static gboolean
is_scan_element (struct iio_channel *chn, GstIioDirection direction)
{
  return iio_channel_is_scan_element (chn) &&
      iio_channel_get_index (chn) >= 0 &&
      iio_channel_is_output (chn) == (direction == GST_IIO_DIRECTION_OUTPUT);
}

gboolean
gst_iio_libiio_device_has_scan_elements (
    struct iio_device *dev, GstIioDirection direction)
{
  guint i, n = iio_device_get_channels_count (dev);

  for (i = 0; i < n; i++)
    if (is_scan_element (iio_device_get_channel (dev, i), direction))
      return TRUE;
  return FALSE;
}

/* The scan elements of @direction as GstIioChannel, in scan order; the
 * libiio channel of each is its user data. */
static void
list_channels (GstIioLibiioDevice *self)
{
  guint i, n = iio_device_get_channels_count (self->dev);

  self->channels = g_ptr_array_new_with_free_func (gst_iio_channel_free);
  for (i = 0; i < n; i++) {
    struct iio_channel *chn = iio_device_get_channel (self->dev, i);
    const struct iio_data_format *fmt;
    GstIioChannel *ch;

    if (!is_scan_element (chn, self->direction))
      continue;
    fmt = iio_channel_get_data_format (chn);
    ch = g_new0 (GstIioChannel, 1);
    ch->id = g_strdup (iio_channel_get_id (chn));
    ch->index = (guint)iio_channel_get_index (chn);
    ch->big_endian = fmt->is_be;
    ch->is_signed = fmt->is_signed;
    ch->realbits = fmt->bits;
    ch->storagebits = fmt->length;
    ch->shift = fmt->shift;
    ch->repeat = MAX (fmt->repeat, 1);
    ch->is_timestamp = !g_strcmp0 (ch->id, "timestamp");
    /* The kernel's scan-element type, as the local provider lists it. */
    if (ch->repeat > 1)
      ch->type = g_strdup_printf ("%s:%c%u/%uX%u>>%u",
          ch->big_endian ? "be" : "le", ch->is_signed ? 's' : 'u', ch->realbits,
          ch->storagebits, ch->repeat, ch->shift);
    else
      ch->type = g_strdup_printf ("%s:%c%u/%u>>%u",
          ch->big_endian ? "be" : "le", ch->is_signed ? 's' : 'u', ch->realbits,
          ch->storagebits, ch->shift);
    g_ptr_array_add (self->channels, ch);
  }
  gst_iio_channels_sort (self->channels);
  self->iio_channels = g_ptr_array_new ();
  for (i = 0; i < self->channels->len; i++) {
    GstIioChannel *ch = g_ptr_array_index (self->channels, i);

    g_ptr_array_add (self->iio_channels,
        iio_device_find_channel (
            self->dev, ch->id, self->direction == GST_IIO_DIRECTION_OUTPUT));
  }
}

static gchar *
channel_ids (GstIioLibiioDevice *self)
{
  GString *s = g_string_new (NULL);
  guint i;

  for (i = 0; i < self->channels->len; i++) {
    GstIioChannel *ch = g_ptr_array_index (self->channels, i);

    g_string_append_printf (s, "%s%s", i ? "," : "", ch->id);
  }
  return g_string_free (s, FALSE);
}

/* The devices that have scan elements of @direction, for messages. */
static gchar *
device_names (struct iio_context *ctx, GstIioDirection direction)
{
  GString *s = g_string_new (NULL);
  guint i, n = iio_context_get_devices_count (ctx);

  for (i = 0; i < n; i++) {
    struct iio_device *dev = iio_context_get_device (ctx, i);
    const gchar *name = iio_device_get_name (dev);
    const gchar *label = iio_device_get_label (dev);

    if (!gst_iio_libiio_device_has_scan_elements (dev, direction))
      continue;
    g_string_append_printf (s, "%s%s (%s%s%s)", s->len ? ", " : "",
        name ? name : iio_device_get_id (dev), iio_device_get_id (dev),
        label ? ", label " : "", label ? label : "");
  }
  if (!s->len)
    g_string_append (s, "none");
  return g_string_free (s, FALSE);
}

static struct iio_device *
find_device (struct iio_context *ctx, const gchar *spec,
    GstIioDirection direction, const gchar *uri, GError **error)
{
  const gchar *what =
      direction == GST_IIO_DIRECTION_OUTPUT ? "output" : "input";
  struct iio_device *dev = NULL;
  gchar *names;
  guint i, n;

  if (spec && *spec) {
    dev = iio_context_find_device (ctx, spec);
    if (dev && gst_iio_libiio_device_has_scan_elements (dev, direction))
      return dev;
  } else {
    n = iio_context_get_devices_count (ctx);
    for (i = 0; i < n; i++) {
      dev = iio_context_get_device (ctx, i);
      if (gst_iio_libiio_device_has_scan_elements (dev, direction))
        return dev;
    }
    dev = NULL;
  }
  names = device_names (ctx, direction);
  if (dev)
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NOT_FOUND,
        "IIO device \"%s\" at %s has no %s channels; those with some: "
        "%s\nno %s scan element in the context's description of it",
        spec, uri, what, names, what);
  else if (spec && *spec)
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NOT_FOUND,
        "IIO device \"%s\" not found at %s; those with %s channels: "
        "%s\nno device of that name, label or id in the context",
        spec, uri, what, names);
  else
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NOT_FOUND,
        "No IIO device with %s channels at %s\nno device of the context "
        "has %s scan elements",
        what, uri, what);
  g_free (names);
  return NULL;
}

/* Enables the channels of @list, disables the others, and lays out the
 * scan as the kernel does (each element aligned to its own size). */
static gboolean
select_channels (GstIioLibiioDevice *self, const gchar *list, GError **error)
{
  gchar **ids = NULL;
  guint i, j, n_enabled = 0, offset = 0, largest = 0;

  if (list && *list)
    ids = g_strsplit (list, ",", -1);
  for (i = 0; i < self->channels->len; i++) {
    GstIioChannel *ch = g_ptr_array_index (self->channels, i);

    ch->enabled = !ids && !ch->is_timestamp;
  }
  for (j = 0; ids && ids[j]; j++) {
    const gchar *id = g_strstrip (ids[j]);
    GstIioChannel *found = NULL;

    if (!*id)
      continue;
    for (i = 0; i < self->channels->len && !found; i++) {
      GstIioChannel *ch = g_ptr_array_index (self->channels, i);

      if (!g_strcmp0 (ch->id, id))
        found = ch;
    }
    if (!found || found->enabled) {
      gchar *avail = channel_ids (self);

      g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
          found ? "Channel \"%s\" is listed twice\nIIO device \"%s\" at %s"
                : "IIO device \"%s\" at %s has no channel \"%s\"\navailable: "
                  "%s",
          found ? id : gst_iio_libiio_device_get_name (self),
          found ? gst_iio_libiio_device_get_name (self) : self->uri,
          found ? self->uri : id, avail);
      g_free (avail);
      g_strfreev (ids);
      return FALSE;
    }
    found->enabled = TRUE;
  }
  g_strfreev (ids);

  for (i = 0; i < self->channels->len; i++) {
    GstIioChannel *ch = g_ptr_array_index (self->channels, i);
    struct iio_channel *chn = g_ptr_array_index (self->iio_channels, i);
    guint bytes = ch->storagebits / 8 * ch->repeat;

    if (!ch->enabled) {
      iio_channel_disable (chn);
      continue;
    }
    iio_channel_enable (chn);
    n_enabled++;
    if (bytes)
      offset = (offset + bytes - 1) / bytes * bytes;
    ch->offset = offset;
    offset += bytes;
    largest = MAX (largest, bytes);
  }
  if (!n_enabled) {
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
        "No channel selected on IIO device \"%s\" at %s\nthe channel "
        "list named none",
        gst_iio_libiio_device_get_name (self), self->uri);
    return FALSE;
  }
  self->scan_bytes = largest ? (offset + largest - 1) / largest * largest : 0;
  return TRUE;
}

static void
set_timeout (struct iio_context *ctx, const gchar *uri, GstClockTime timeout)
{
  guint ms = 0;

  if (GST_CLOCK_TIME_IS_VALID (timeout) && timeout > 0)
    ms = (guint)MIN (MAX (timeout / GST_MSECOND, 1), G_MAXUINT);
  if (iio_context_set_timeout (ctx, ms) < 0)
    GST_WARNING ("cannot set the I/O timeout of %s to %u ms", uri, ms);
}

struct iio_context *
gst_iio_libiio_context_new (
    const gchar *uri, GstClockTime timeout, GError **error)
{
  struct iio_context *ctx;
  /* libiio 0.24 cuts the ":port" off the string it is given. */
  gchar *copy = g_strdup (uri);

  errno = 0;
  ctx = iio_create_context_from_uri (copy);
  g_free (copy);
  if (!ctx) {
    gchar *reason = gst_iio_libiio_strerror (errno ? errno : ENODEV);

    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_READ_WRITE,
        "Cannot reach the libiio context \"%s\"\niio_create_context: %s", uri,
        reason);
    g_free (reason);
    return NULL;
  }
  set_timeout (ctx, uri, timeout);
  return ctx;
}

static GstIioLibiioDevice *
device_new (const gchar *uri, struct iio_context *ctx, gboolean owns_ctx,
    struct iio_device *dev, GstIioDirection direction)
{
  GstIioLibiioDevice *self = g_new0 (GstIioLibiioDevice, 1);

  self->uri = g_strdup (uri);
  self->ctx = ctx;
  self->owns_ctx = owns_ctx;
  self->dev = dev;
  self->direction = direction;
  list_channels (self);
  return self;
}

GstIioLibiioDevice *
gst_iio_libiio_device_new_from_iio (const gchar *uri, struct iio_context *ctx,
    struct iio_device *dev, GstIioDirection direction, GError **error)
{
  GstIioLibiioDevice *self = device_new (uri, ctx, FALSE, dev, direction);

  if (!select_channels (self, NULL, error)) {
    gst_iio_libiio_device_free (self);
    return NULL;
  }
  return self;
}

GstIioLibiioDevice *
gst_iio_libiio_device_open (const gchar *uri, const gchar *spec,
    GstIioDirection direction, const gchar *channels, GstClockTime timeout,
    GError **error)
{
  GstIioLibiioDevice *self;
  struct iio_context *ctx;
  struct iio_device *dev;
  gssize size;

  ctx = gst_iio_libiio_context_new (uri, timeout, error);
  if (!ctx)
    return NULL;
  dev = find_device (ctx, spec, direction, uri, error);
  if (!dev) {
    iio_context_destroy (ctx);
    return NULL;
  }
  self = device_new (uri, ctx, TRUE, dev, direction);
  if (!select_channels (self, channels, error)) {
    gst_iio_libiio_device_free (self);
    return NULL;
  }
  /* libiio lays the scan out itself: it must agree with the caps. */
  size = iio_device_get_sample_size (self->dev);
  if (size != (gssize)self->scan_bytes) {
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
        "IIO device \"%s\" at %s has a scan layout this element does not "
        "understand\nlibiio gives a scan of %" G_GSSIZE_FORMAT
        " bytes where the channels make %u",
        gst_iio_libiio_device_get_name (self), uri, size, self->scan_bytes);
    gst_iio_libiio_device_free (self);
    return NULL;
  }
  return self;
}

void
gst_iio_libiio_device_free (GstIioLibiioDevice *dev)
{
  if (!dev)
    return;
  g_clear_pointer (&dev->channels, g_ptr_array_unref);
  g_clear_pointer (&dev->iio_channels, g_ptr_array_unref);
  if (dev->owns_ctx)
    g_clear_pointer (&dev->ctx, iio_context_destroy);
  g_free (dev->uri);
  g_free (dev);
}

const gchar *
gst_iio_libiio_device_get_uri (GstIioLibiioDevice *dev)
{
  return dev->uri;
}

const gchar *
gst_iio_libiio_device_get_name (GstIioLibiioDevice *dev)
{
  const gchar *name = iio_device_get_name (dev->dev);

  return name ? name : iio_device_get_id (dev->dev);
}

struct iio_device *
gst_iio_libiio_device_get_iio (GstIioLibiioDevice *dev)
{
  return dev->dev;
}

void
gst_iio_libiio_device_set_timeout (
    GstIioLibiioDevice *dev, GstClockTime timeout)
{
  set_timeout (dev->ctx, dev->uri, timeout);
}

GPtrArray *
gst_iio_libiio_device_get_channels (GstIioLibiioDevice *dev)
{
  return dev->channels;
}

GPtrArray *
gst_iio_libiio_device_get_enabled_channels (GstIioLibiioDevice *dev)
{
  return gst_iio_channels_enabled (dev->channels);
}

guint
gst_iio_libiio_device_get_scan_size (GstIioLibiioDevice *dev)
{
  return dev->scan_bytes;
}

/* Where the sampling frequency lives: device, buffer, else the first
 * enabled channel (the kernel's in_voltage_sampling_frequency). */
typedef enum {
  FREQ_NONE,
  FREQ_DEVICE,
  FREQ_BUFFER,
  FREQ_CHANNEL,
} FreqPlace;

static FreqPlace
find_freq (GstIioLibiioDevice *dev, struct iio_channel **chn)
{
  guint i;

  *chn = NULL;
  if (iio_device_find_attr (dev->dev, FREQ_ATTR))
    return FREQ_DEVICE;
  if (iio_device_find_buffer_attr (dev->dev, FREQ_ATTR))
    return FREQ_BUFFER;
  for (i = 0; i < dev->channels->len; i++) {
    GstIioChannel *ch = g_ptr_array_index (dev->channels, i);
    struct iio_channel *c = g_ptr_array_index (dev->iio_channels, i);

    if (ch->enabled && iio_channel_find_attr (c, FREQ_ATTR)) {
      *chn = c;
      return FREQ_CHANNEL;
    }
  }
  return FREQ_NONE;
}

gdouble
gst_iio_libiio_device_get_sampling_frequency (GstIioLibiioDevice *dev)
{
  struct iio_channel *chn;
  gdouble hz = 0;
  gint ret = -ENOENT;

  switch (find_freq (dev, &chn)) {
    case FREQ_DEVICE:
      ret = iio_device_attr_read_double (dev->dev, FREQ_ATTR, &hz);
      break;
    case FREQ_BUFFER:
      ret = iio_device_buffer_attr_read_double (dev->dev, FREQ_ATTR, &hz);
      break;
    case FREQ_CHANNEL:
      ret = iio_channel_attr_read_double (chn, FREQ_ATTR, &hz);
      break;
    case FREQ_NONE:
      break;
  }
  return ret < 0 || !(hz > 0) ? 0 : hz;
}

static gboolean
set_sampling_frequency (GstIioLibiioDevice *dev, gdouble hz, GError **error)
{
  struct iio_channel *chn;
  gint ret = -ENOENT;
  gchar *reason;

  switch (find_freq (dev, &chn)) {
    case FREQ_DEVICE:
      ret = iio_device_attr_write_double (dev->dev, FREQ_ATTR, hz);
      break;
    case FREQ_BUFFER:
      ret = iio_device_buffer_attr_write_double (dev->dev, FREQ_ATTR, hz);
      break;
    case FREQ_CHANNEL:
      ret = iio_channel_attr_write_double (chn, FREQ_ATTR, hz);
      break;
    case FREQ_NONE:
      break;
  }
  if (ret >= 0)
    return TRUE;
  reason = gst_iio_libiio_strerror (ret);
  g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
      "Cannot set the sampling frequency of IIO device \"%s\" at %s to %g "
      "Hz\n%s",
      gst_iio_libiio_device_get_name (dev), dev->uri, hz, reason);
  g_free (reason);
  return FALSE;
}

static gboolean
write_attr (GQuark field, const GValue *value, gpointer user_data)
{
  gpointer *args = user_data;
  GstIioLibiioDevice *dev = args[0];
  GError **error = args[1];
  const gchar *name = g_quark_to_string (field);
  gchar *text = G_VALUE_HOLDS_STRING (value) ? g_value_dup_string (value)
                                             : gst_value_serialize (value);
  gssize ret = text ? iio_device_attr_write (dev->dev, name, text) : -EINVAL;

  if (ret < 0) {
    gchar *reason = gst_iio_libiio_strerror (ret);

    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
        "Cannot write \"%s\" to attribute %s of IIO device \"%s\" at %s\n%s",
        text ? text : "", name, gst_iio_libiio_device_get_name (dev), dev->uri,
        reason);
    g_free (reason);
  }
  g_free (text);
  return ret >= 0;
}

gboolean
gst_iio_libiio_device_apply_settings (GstIioLibiioDevice *dev,
    const gchar *attributes, gdouble sampling_frequency, GError **error)
{
  if (attributes && *attributes) {
    GstStructure *attrs = gst_iio_parse_attributes (attributes);
    gpointer args[2] = { dev, error };
    gboolean ok;

    if (!attrs) {
      g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
          "Cannot parse the attributes: write name=value,name=value\n"
          "attributes=\"%s\"",
          attributes);
      return FALSE;
    }
    ok = gst_structure_foreach (attrs, write_attr, args);
    gst_structure_free (attrs);
    if (!ok)
      return FALSE;
  }
  if (sampling_frequency > 0 &&
      !set_sampling_frequency (dev, sampling_frequency, error))
    return FALSE;
  return TRUE;
}
