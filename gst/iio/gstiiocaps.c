/* Channel layout <-> caps: audio/x-raw where a scan is plain interleaved
 * audio, application/x-iio with the layout otherwise (gstiiocaps.h).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstiiocaps.h"

#include <gst/audio/audio.h>

GST_DEBUG_CATEGORY_STATIC (gst_iio_caps_debug);
#define GST_CAT_DEFAULT gst_iio_caps_debug

static void
init_debug (void)
{
  static gsize done = 0;

  if (g_once_init_enter (&done)) {
    GST_DEBUG_CATEGORY_INIT (
        gst_iio_caps_debug, "iiocaps", 0, "IIO channel layout <-> caps");
    g_once_init_leave (&done, 1);
  }
}

GstCaps *
gst_iio_caps_template (void)
{
  return gst_caps_from_string (GST_AUDIO_CAPS_MAKE (
      GST_AUDIO_FORMATS_ALL) ", layout = (string) "
                             "interleaved; " GST_IIO_CAPS_GENERIC
                             ", rate = (int) [ 1, MAX ], "
                             "channels = (int) [ 1, MAX ], scan-bytes = (int) "
                             "[ 1, MAX ]");
}

void
gst_iio_channel_free (gpointer channel)
{
  GstIioChannel *ch = channel;

  g_free (ch->id);
  g_free (ch->type);
  g_free (ch);
}

static gint
compare_index (gconstpointer a, gconstpointer b)
{
  const GstIioChannel *ca = *(GstIioChannel *const *)a;
  const GstIioChannel *cb = *(GstIioChannel *const *)b;

  return ca->index < cb->index ? -1 : ca->index > cb->index;
}

void
gst_iio_channels_sort (GPtrArray *channels)
{
  g_ptr_array_sort (channels, compare_index);
}

GPtrArray *
gst_iio_channels_enabled (GPtrArray *channels)
{
  GPtrArray *enabled = g_ptr_array_new ();

  for (guint i = 0; i < channels->len; i++) {
    GstIioChannel *ch = g_ptr_array_index (channels, i);

    if (ch->enabled)
      g_ptr_array_add (enabled, ch);
  }
  return enabled;
}

gsize
gst_iio_whole_scans (
    GstElement *element, gsize size, guint scan_bytes, gboolean *warned)
{
  gsize whole = size - size % scan_bytes;

  if (whole != size && !*warned) {
    GST_ELEMENT_WARNING (element, STREAM, FORMAT,
        ("A buffer of %" G_GSIZE_FORMAT " bytes is no whole number of "
         "%u-byte scans: the partial scan is dropped",
            size, scan_bytes),
        ("%" G_GSIZE_FORMAT " bytes of it played; upstream's buffers should "
         "hold whole scans of the caps' layout",
            whole));
    *warned = TRUE;
  }
  return whole;
}

gchar *
gst_iio_caps_describe_channels (GPtrArray *channels)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < channels->len; i++) {
    GstIioChannel *ch = g_ptr_array_index (channels, i);

    g_string_append_printf (s, "%s%s:%s", i ? "," : "", ch->id, ch->type);
  }
  return g_string_free (s, FALSE);
}

void
gst_iio_caps_add_pad_template (
    GstElementClass *klass, GstPadDirection direction)
{
  GstCaps *caps = gst_iio_caps_template ();

  gst_element_class_add_pad_template (klass,
      gst_pad_template_new (direction == GST_PAD_SRC ? "src" : "sink",
          direction, GST_PAD_ALWAYS, caps));
  gst_caps_unref (caps);
}

static guint
element_bytes (const GstIioChannel *ch)
{
  return ch->storagebits / 8 * ch->repeat;
}

/* The scan size the kernel gives these channels at their offsets: the end
 * of the last one, rounded up to the largest element. */
static guint
compute_scan_bytes (GPtrArray *channels)
{
  guint i, end = 0, largest = 0;

  for (i = 0; i < channels->len; i++) {
    const GstIioChannel *ch = g_ptr_array_index (channels, i);

    end = MAX (end, ch->offset + element_bytes (ch));
    largest = MAX (largest, element_bytes (ch));
  }
  return largest ? (end + largest - 1) / largest * largest : 0;
}

/* The audio format all @channels share when the scan is plain interleaved
 * samples of 8, 16 or 32 bits, else GST_AUDIO_FORMAT_UNKNOWN. Real bits
 * must equal storage bits: the IIO ABI has no flag for a value the device
 * already sign-extended to its storage (such a driver reports realbits ==
 * storagebits), so a "le:s12/16" value, whose upper bits may hold anything,
 * gets the generic caps and its consumer masks or shifts it. */
static GstAudioFormat
audio_format (GPtrArray *channels)
{
  const GstIioChannel *first = g_ptr_array_index (channels, 0);
  guint i, bits = first->storagebits;

  if (bits != 8 && bits != 16 && bits != 32)
    return GST_AUDIO_FORMAT_UNKNOWN;
  for (i = 0; i < channels->len; i++) {
    const GstIioChannel *ch = g_ptr_array_index (channels, i);

    if (ch->is_timestamp || ch->storagebits != bits || ch->realbits != bits ||
        ch->shift != 0 || ch->repeat != 1 ||
        ch->is_signed != first->is_signed ||
        ch->big_endian != first->big_endian || ch->offset != i * bits / 8)
      return GST_AUDIO_FORMAT_UNKNOWN;
  }
  if (compute_scan_bytes (channels) != channels->len * bits / 8)
    return GST_AUDIO_FORMAT_UNKNOWN;
  return gst_audio_format_build_integer (first->is_signed,
      first->big_endian ? G_BIG_ENDIAN : G_LITTLE_ENDIAN, bits, bits);
}

/* A fixed rate rounded to the nearest Hz (at least 1), or any rate when
 * @rate is 0 (or not a number). */
static void
set_rate (GstStructure *s, gdouble rate)
{
  if (!(rate > 0))
    gst_structure_set (s, "rate", GST_TYPE_INT_RANGE, 1, G_MAXINT, NULL);
  else if (rate + 0.5 >= G_MAXINT)
    gst_structure_set (s, "rate", G_TYPE_INT, G_MAXINT, NULL);
  else
    gst_structure_set (
        s, "rate", G_TYPE_INT, MAX (1, (gint)(rate + 0.5)), NULL);
}

/* "id:index:type;..." with each type in the kernel's own form, so that the
 * layouts of two devices compare equal when their scans do. */
static gchar *
layout_string (GPtrArray *channels)
{
  GString *s = g_string_new (NULL);
  guint i;

  for (i = 0; i < channels->len; i++) {
    const GstIioChannel *ch = g_ptr_array_index (channels, i);

    g_string_append_printf (s, "%s%s:%u:%s:%c%u/%u", i ? ";" : "", ch->id,
        ch->index, ch->big_endian ? "be" : "le", ch->is_signed ? 's' : 'u',
        ch->realbits, ch->storagebits);
    if (ch->repeat > 1)
      g_string_append_printf (s, "X%u", ch->repeat);
    g_string_append_printf (s, ">>%u", ch->shift);
  }
  return g_string_free (s, FALSE);
}

GstCaps *
gst_iio_caps_from_channels (GPtrArray *channels, gdouble rate)
{
  GstAudioFormat format;
  GstStructure *s;
  GstCaps *caps;

  g_return_val_if_fail (channels != NULL && channels->len > 0, NULL);
  init_debug ();

  format = audio_format (channels);
  if (format != GST_AUDIO_FORMAT_UNKNOWN) {
    s = gst_structure_new ("audio/x-raw", "format", G_TYPE_STRING,
        gst_audio_format_to_string (format), "layout", G_TYPE_STRING,
        "interleaved", NULL);
    set_rate (s, rate);
    gst_structure_set (s, "channels", G_TYPE_INT, (gint)channels->len, NULL);
    /* more than 2 IIO channels have no speaker positions */
    if (channels->len > 2)
      gst_structure_set (s, "channel-mask", GST_TYPE_BITMASK, (guint64)0, NULL);
  } else {
    gchar *layout = layout_string (channels);

    s = gst_structure_new_empty (GST_IIO_CAPS_GENERIC);
    set_rate (s, rate);
    gst_structure_set (s, "channels", G_TYPE_INT, (gint)channels->len,
        "scan-bytes", G_TYPE_INT, (gint)compute_scan_bytes (channels), "layout",
        G_TYPE_STRING, layout, NULL);
    g_free (layout);
  }
  caps = gst_caps_new_full (s, NULL);
  GST_DEBUG (
      "%u channels at %g Hz: %" GST_PTR_FORMAT, channels->len, rate, caps);
  return caps;
}

gboolean
gst_iio_caps_get_scan (const GstCaps *caps, guint *scan_bytes, gint *rate)
{
  const GstStructure *s;
  GstAudioInfo info;
  gint bytes, r;

  g_return_val_if_fail (GST_IS_CAPS (caps), FALSE);

  if (!gst_caps_is_fixed (caps))
    return FALSE;
  s = gst_caps_get_structure (caps, 0);
  if (gst_structure_has_name (s, "audio/x-raw")) {
    if (!gst_audio_info_from_caps (&info, caps) ||
        GST_AUDIO_INFO_LAYOUT (&info) != GST_AUDIO_LAYOUT_INTERLEAVED)
      return FALSE;
    bytes = GST_AUDIO_INFO_BPF (&info);
    r = GST_AUDIO_INFO_RATE (&info);
  } else if (gst_structure_has_name (s, GST_IIO_CAPS_GENERIC)) {
    if (!gst_structure_get_int (s, "scan-bytes", &bytes) ||
        !gst_structure_get_int (s, "rate", &r))
      return FALSE;
  } else {
    return FALSE;
  }
  if (bytes <= 0 || r <= 0)
    return FALSE;
  if (scan_bytes)
    *scan_bytes = bytes;
  if (rate)
    *rate = r;
  return TRUE;
}

GstCaps *
gst_iio_caps_query (GstCaps *templ, GPtrArray *channels, gdouble rate,
    gdouble preferred_rate, GstCaps *filter)
{
  GstCaps *caps;

  if (channels == NULL) {
    caps = templ;
  } else if (rate > 0) {
    gst_caps_unref (templ);
    caps = gst_iio_caps_from_channels (channels, rate);
  } else {
    gst_caps_unref (templ);
    caps = gst_iio_caps_from_channels (channels, 0);
    if (preferred_rate > 0)
      caps = gst_caps_merge (
          gst_iio_caps_from_channels (channels, preferred_rate), caps);
  }
  if (filter) {
    GstCaps *tmp =
        gst_caps_intersect_full (filter, caps, GST_CAPS_INTERSECT_FIRST);

    gst_caps_unref (caps);
    caps = tmp;
  }
  return caps;
}

gboolean
gst_iio_caps_check_scan (
    GstElement *element, GstCaps *caps, guint scan_bytes, gint *rate)
{
  guint got = 0;

  if (gst_iio_caps_get_scan (caps, &got, rate) && *rate > 0 &&
      got == scan_bytes)
    return TRUE;
  GST_ELEMENT_ERROR (element, CORE, NEGOTIATION, (NULL),
      ("caps %" GST_PTR_FORMAT " do not describe the device's scan of %u "
       "bytes",
          caps, scan_bytes));
  return FALSE;
}
