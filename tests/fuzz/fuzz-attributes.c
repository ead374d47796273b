/* libFuzzer target: gst_iio_parse_attributes() on any text a user could
 * give the "attributes" property. A structure it returns must survive what
 * the elements and GStreamer do with it: serialising and parsing back, as a
 * structure and inside caps, and turning each value into sysfs text.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "fuzz.h"

#include "gstiioelement.h"

/* No leak checks here: GStreamer 1.22.0's gst_structure_from_string()
 * leaks the value of a field whose list or array is left open ("a, b={1,"
 * or "a, b=<1" returns NULL and loses the GstValueList it began), as a
 * program calling nothing else shows. A suppression by stack does not hold,
 * as nested "<<<<" push the parser's frame past what LeakSanitizer keeps.
 * Of the project this calls gst_iio_parse_attributes(), which owns one
 * string; the other targets check for leaks. */
const char *__asan_default_options (void);

const char *
__asan_default_options (void)
{
  return "detect_leaks=0";
}

/* What gst_iio_device_write_attrs() asks of a value before writing it;
 * without writing, as a field name may well be a path out of any tree. */
static gboolean
field_to_text (GQuark field, const GValue *value, gpointer user_data)
{
  g_autofree gchar *text = NULL;

  g_assert (value != NULL && G_IS_VALUE (value));
  if (G_VALUE_HOLDS_STRING (value))
    text = g_value_dup_string (value);
  else if (g_value_type_transformable (G_VALUE_TYPE (value), G_TYPE_STRING)) {
    GValue s = G_VALUE_INIT;

    g_value_init (&s, G_TYPE_STRING);
    g_value_transform (value, &s);
    text = g_value_dup_string (&s);
    g_value_unset (&s);
  }
  g_assert (*g_quark_to_string (field) != '\0');
  return TRUE;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree gchar *text = fuzz_string (data, size);
  g_autofree gchar *serialised = NULL, *caps_text = NULL;
  GstStructure *attrs, *again;
  GstCaps *caps, *caps_again;
  gint n;

  fuzz_init ();
  /* gst_iio_parse_attributes() hands the text to gst_structure_from_string()
   * and the round trip below calls GStreamer alone: GStreamer 1.22.0 raises
   * criticals of its own on some text, "(GstBuffer)zz" (a use after free in
   * gst_value_deserialize_buffer()) or "(GstStructure)4" among them */
  fuzz_tolerate_gstreamer_criticals ();
  attrs = gst_iio_parse_attributes (text);
  if (attrs == NULL)
    return 0;
  g_assert (gst_structure_has_name (attrs, "attributes"));
  n = gst_structure_n_fields (attrs);
  gst_structure_foreach (attrs, field_to_text, NULL);

  serialised = gst_structure_to_string (attrs);
  again = gst_structure_from_string (serialised, NULL);
  if (again) {
    g_assert (gst_structure_has_name (again, "attributes"));
    gst_structure_free (again);
  }

  caps = gst_caps_new_full (attrs, NULL);
  caps_text = gst_caps_to_string (caps);
  caps_again = gst_caps_from_string (caps_text);
  if (caps_again) {
    g_assert (gst_caps_get_size (caps_again) == 1);
    gst_caps_unref (caps_again);
  }
  g_assert (gst_structure_n_fields (gst_caps_get_structure (caps, 0)) == n);
  gst_caps_unref (caps);
  return 0;
}
