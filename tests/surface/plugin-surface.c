/* The public surface of a plugin as text: its element and device provider
 * factories, their pad templates, properties, signals and enums; what a
 * user sees in gst-inspect-1.0, without the parts that change per build
 * (paths, versions). docs/plugin-surface/ keeps one file per plugin, and
 * the host test compares the built plugin with it, so that a change to
 * what users see is a reviewed change.
 *   plugin-surface --check DIR PLUGIN.so...   compare (exit 1 on a change)
 *   plugin-surface --write DIR PLUGIN.so...   regenerate
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include <gst/gst.h>

/* Properties and signals of our own types only: those a base class
 * (GstBaseSrc, GstBaseSink) adds follow the GStreamer version. */
static gboolean
is_ours (GType owner)
{
  return g_str_has_prefix (g_type_name (owner), "GstIio");
}

static void
add_flags (GString *out, GParamFlags flags)
{
  static const struct
  {
    guint flag;
    const gchar *name;
  } names[] = {
    { G_PARAM_READABLE, "readable" },
    { G_PARAM_WRITABLE, "writable" },
    { G_PARAM_CONSTRUCT, "construct" },
    { G_PARAM_CONSTRUCT_ONLY, "construct-only" },
    { G_PARAM_DEPRECATED, "deprecated" },
    { GST_PARAM_CONTROLLABLE, "controllable" },
    { GST_PARAM_MUTABLE_READY, "changeable-in-ready" },
    { GST_PARAM_MUTABLE_PAUSED, "changeable-in-paused" },
    { GST_PARAM_MUTABLE_PLAYING, "changeable-in-playing" },
    { GST_PARAM_DOC_SHOW_DEFAULT, "doc-show-default" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (flags & names[i].flag)
      g_string_append_printf (out, " %s", names[i].name);
}

static void
add_enum (GString *out, GType type)
{
  if (G_TYPE_IS_ENUM (type)) {
    GEnumClass *klass = g_type_class_ref (type);

    for (guint i = 0; i < klass->n_values; i++)
      g_string_append_printf (out, "      %d %s: %s\n", klass->values[i].value,
          klass->values[i].value_nick, klass->values[i].value_name);
    g_type_class_unref (klass);
  } else if (G_TYPE_IS_FLAGS (type)) {
    GFlagsClass *klass = g_type_class_ref (type);

    for (guint i = 0; i < klass->n_values; i++)
      g_string_append_printf (out, "      0x%x %s: %s\n",
          klass->values[i].value, klass->values[i].value_nick,
          klass->values[i].value_name);
    g_type_class_unref (klass);
  }
}

/* The range of a numeric property, "" for the others. */
static gchar *
range_of (GParamSpec *p)
{
#define RANGE(TYPE, FMT)                                                       \
  if (G_IS_PARAM_SPEC_##TYPE (p))                                              \
    return g_strdup_printf (" range " FMT " .. " FMT,                          \
        G_PARAM_SPEC_##TYPE (p)->minimum, G_PARAM_SPEC_##TYPE (p)->maximum);
  RANGE (INT, "%d")
  RANGE (UINT, "%u")
  RANGE (INT64, "%" G_GINT64_FORMAT)
  RANGE (UINT64, "%" G_GUINT64_FORMAT)
  RANGE (LONG, "%ld")
  RANGE (ULONG, "%lu")
  RANGE (DOUBLE, "%g")
  RANGE (FLOAT, "%g")
#undef RANGE
  return g_strdup ("");
}

/* A default as users read it: an enum's nick, NULL for no boxed value
 * (GStreamer's own transforms refuse a NULL structure). */
static gchar *
value_text (const GValue *v)
{
  if (G_VALUE_HOLDS_ENUM (v)) {
    GEnumClass *klass = g_type_class_ref (G_VALUE_TYPE (v));
    GEnumValue *e = g_enum_get_value (klass, g_value_get_enum (v));
    gchar *text = g_strdup (e ? e->value_nick : "(none)");

    g_type_class_unref (klass);
    return text;
  }
  if ((G_VALUE_HOLDS_BOXED (v) || G_VALUE_HOLDS_OBJECT (v)) &&
      g_value_peek_pointer (v) == NULL)
    return g_strdup ("NULL");
  return g_strdup_value_contents (v);
}

static void
add_properties (GString *out, GObjectClass *klass)
{
  guint n;
  GParamSpec **props = g_object_class_list_properties (klass, &n);

  for (guint i = 0; i < n; i++) {
    GParamSpec *p = props[i];
    gchar *value, *range;

    if (!is_ours (p->owner_type))
      continue;
    value = value_text (g_param_spec_get_default_value (p));
    range = range_of (p);
    g_string_append_printf (out, "  property %s: %s, default %s%s;", p->name,
        g_type_name (p->value_type), value, range);
    add_flags (out, p->flags);
    g_string_append_printf (out, "\n    %s\n",
        g_param_spec_get_blurb (p) ? g_param_spec_get_blurb (p) : "");
    add_enum (out, p->value_type);
    g_free (value);
    g_free (range);
  }
  g_free (props);
}

static void
add_signals (GString *out, GType type)
{
  for (GType t = type; t && is_ours (t); t = g_type_parent (t)) {
    guint n;
    guint *ids = g_signal_list_ids (t, &n);

    for (guint i = 0; i < n; i++) {
      GSignalQuery q;

      g_signal_query (ids[i], &q);
      g_string_append_printf (
          out, "  signal %s: %s (", q.signal_name, g_type_name (q.return_type));
      for (guint k = 0; k < q.n_params; k++)
        g_string_append_printf (out, "%s%s", k ? ", " : "",
            g_type_name (q.param_types[k] & ~G_SIGNAL_TYPE_STATIC_SCOPE));
      g_string_append_printf (
          out, ")%s\n", (q.signal_flags & G_SIGNAL_ACTION) ? " action" : "");
    }
    g_free (ids);
  }
}

static void
add_metadata (GString *out, GstPluginFeature *feature,
    const gchar *(*get) (GstPluginFeature *, const gchar *))
{
  static const gchar *keys[] = { GST_ELEMENT_METADATA_LONGNAME,
    GST_ELEMENT_METADATA_KLASS, GST_ELEMENT_METADATA_DESCRIPTION,
    GST_ELEMENT_METADATA_AUTHOR };

  g_string_append_printf (
      out, "  rank: %u\n", gst_plugin_feature_get_rank (feature));
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    g_string_append_printf (out, "  %s: %s\n", keys[i],
        get (feature, keys[i]) ? get (feature, keys[i]) : "");
}

static const gchar *
element_metadata (GstPluginFeature *f, const gchar *key)
{
  return gst_element_factory_get_metadata (GST_ELEMENT_FACTORY (f), key);
}

static const gchar *
provider_metadata (GstPluginFeature *f, const gchar *key)
{
  return gst_device_provider_factory_get_metadata (
      GST_DEVICE_PROVIDER_FACTORY (f), key);
}

static void
add_pad_templates (GString *out, GstElementFactory *factory)
{
  static const gchar *dirs[] = { "unknown", "src", "sink" };
  static const gchar *presences[] = { "always", "sometimes", "request" };

  for (const GList *l = gst_element_factory_get_static_pad_templates (factory);
       l; l = l->next) {
    GstStaticPadTemplate *t = l->data;
    GstCaps *caps = gst_static_caps_get (&t->static_caps);

    g_string_append_printf (out, "  pad %s: %s, %s\n", t->name_template,
        dirs[t->direction], presences[t->presence]);
    for (guint i = 0; i < gst_caps_get_size (caps); i++) {
      gchar *s = gst_structure_to_string (gst_caps_get_structure (caps, i));
      GstCapsFeatures *f = gst_caps_get_features (caps, i);
      gchar *fs = f &&
              !gst_caps_features_is_equal (
                  f, GST_CAPS_FEATURES_MEMORY_SYSTEM_MEMORY)
          ? gst_caps_features_to_string (f)
          : NULL;

      g_string_append_printf (out, "    %s%s%s%s\n", s, fs ? " (" : "",
          fs ? fs : "", fs ? ")" : "");
      g_free (fs);
      g_free (s);
    }
    gst_caps_unref (caps);
  }
}

static gint
by_name (gconstpointer a, gconstpointer b)
{
  return strcmp (gst_plugin_feature_get_name ((GstPluginFeature *)a),
      gst_plugin_feature_get_name ((GstPluginFeature *)b));
}

static gchar *
describe (GstPlugin *plugin)
{
  GString *out = g_string_new (NULL);
  GList *features = gst_registry_get_feature_list_by_plugin (
      gst_registry_get (), gst_plugin_get_name (plugin));

  g_string_append_printf (out,
      "plugin %s\n  description: %s\n  license: %s\n  package: %s\n",
      gst_plugin_get_name (plugin), gst_plugin_get_description (plugin),
      gst_plugin_get_license (plugin), gst_plugin_get_package (plugin));
  features = g_list_sort (features, by_name);
  for (GList *l = features; l; l = l->next) {
    GstPluginFeature *f = l->data, *loaded;
    const gchar *kind;
    const gchar *(*metadata) (GstPluginFeature *, const gchar *);
    GObjectClass *klass;
    GType type;

    if (GST_IS_ELEMENT_FACTORY (f)) {
      loaded = gst_plugin_feature_load (f);
      type =
          gst_element_factory_get_element_type (GST_ELEMENT_FACTORY (loaded));
      kind = "element";
      metadata = element_metadata;
    } else if (GST_IS_DEVICE_PROVIDER_FACTORY (f)) {
      loaded = gst_plugin_feature_load (f);
      type = gst_device_provider_factory_get_device_provider_type (
          GST_DEVICE_PROVIDER_FACTORY (loaded));
      kind = "device-provider";
      metadata = provider_metadata;
    } else {
      continue;
    }
    klass = g_type_class_ref (type);
    g_string_append_printf (out, "\n%s %s: %s\n", kind,
        gst_plugin_feature_get_name (f), g_type_name (type));
    add_metadata (out, f, metadata);
    if (GST_IS_ELEMENT_FACTORY (loaded))
      add_pad_templates (out, GST_ELEMENT_FACTORY (loaded));
    add_properties (out, klass);
    add_signals (out, type);
    g_type_class_unref (klass);
    gst_object_unref (loaded);
  }
  gst_plugin_feature_list_free (features);
  return g_string_free (out, FALSE);
}

/* Prints the first line where @want and @got differ. */
static void
print_change (const gchar *path, const gchar *want, const gchar *got)
{
  gchar **a = g_strsplit (want, "\n", -1), **b = g_strsplit (got, "\n", -1);
  guint i = 0;

  while (a[i] && b[i] && !strcmp (a[i], b[i]))
    i++;
  g_printerr ("%s:%u: the plugin's public surface changed\n"
              "  recorded: %s\n  built:    %s\n",
      path, i + 1, a[i] ? a[i] : "(end)", b[i] ? b[i] : "(end)");
  g_strfreev (a);
  g_strfreev (b);
}

int
main (int argc, char **argv)
{
  gboolean write;
  int status = 0;

  gst_init (&argc, &argv);
  if (argc < 4 ||
      (strcmp (argv[1], "--check") && strcmp (argv[1], "--write"))) {
    g_printerr ("usage: %s --check|--write DIR PLUGIN.so...\n", argv[0]);
    return 2;
  }
  write = !strcmp (argv[1], "--write");
  for (int i = 3; i < argc; i++) {
    GError *err = NULL;
    GstPlugin *plugin = gst_plugin_load_file (argv[i], &err);
    gchar *text, *path, *want = NULL;

    if (!plugin) {
      g_printerr ("%s: %s\n", argv[i], err->message);
      g_clear_error (&err);
      status = 1;
      continue;
    }
    text = describe (plugin);
    path = g_strdup_printf ("%s/%s.txt", argv[2], gst_plugin_get_name (plugin));
    if (write) {
      if (!g_file_set_contents (path, text, -1, &err)) {
        g_printerr ("%s\n", err->message);
        g_clear_error (&err);
        status = 1;
      } else {
        g_print ("wrote %s\n", path);
      }
    } else if (!g_file_get_contents (path, &want, NULL, &err)) {
      g_printerr ("%s (regenerate with: ninja -C build plugin-surface)\n",
          err->message);
      g_clear_error (&err);
      status = 1;
    } else if (strcmp (want, text)) {
      print_change (path, want, text);
      g_printerr ("review the change, then: ninja -C build plugin-surface\n");
      status = 1;
    } else {
      g_print ("%s: unchanged\n", path);
    }
    g_free (want);
    g_free (path);
    g_free (text);
    gst_object_unref (plugin);
  }
  return status;
}
