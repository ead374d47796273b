/* Plugin entry point of "iiodmabuf": registers the IIO elements and
 * the device provider.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/gst.h>

#include "gstiiodeviceprovider.h"
#include "gstiiodmabufpool.h"
#include "gstiiodmabufsink.h"
#include "gstiiodmabufsrc.h"

static gboolean
plugin_init (GstPlugin *plugin)
{
  gboolean ok = FALSE;

  ok |= GST_ELEMENT_REGISTER (iiodmabufsrc, plugin);
  ok |= GST_ELEMENT_REGISTER (iiodmabufsink, plugin);
  ok |= GST_DEVICE_PROVIDER_REGISTER (iiodeviceprovider, plugin);
  /* Registered with the plugin, so that a program that loads it can make
   * one by name ("GstIioDmabufPool") instead of a copy of its own. */
  gst_type_mark_as_plugin_api (GST_TYPE_IIO_DMABUF_POOL, 0);
  return ok;
}

GST_PLUGIN_DEFINE (GST_VERSION_MAJOR, GST_VERSION_MINOR, iiodmabuf,
    "Zero-copy streaming between Linux IIO devices and GStreamer through "
    "IIO DMABUF",
    plugin_init, VERSION, GST_LICENSE, GST_PACKAGE_NAME, GST_PACKAGE_ORIGIN)
