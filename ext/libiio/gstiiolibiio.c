/* Plugin entry point of "iiolibiio": registers iiosrc, iiosink and the
 * device provider of libiio contexts.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/gst.h>

#include "gstiiolibiiodeviceprovider.h"
#include "gstiiolibiiosink.h"
#include "gstiiolibiiosrc.h"

static gboolean
plugin_init (GstPlugin *plugin)
{
  gboolean ok = FALSE;

  ok |= GST_ELEMENT_REGISTER (iiosrc, plugin);
  ok |= GST_ELEMENT_REGISTER (iiosink, plugin);
  ok |= GST_DEVICE_PROVIDER_REGISTER (iiolibiiodeviceprovider, plugin);
  return ok;
}

GST_PLUGIN_DEFINE (GST_VERSION_MAJOR, GST_VERSION_MINOR, iiolibiio,
    "Streaming between GStreamer and IIO devices of any libiio context "
    "(local, network, USB)",
    plugin_init, VERSION, GST_LICENSE, GST_PACKAGE_NAME, GST_PACKAGE_ORIGIN)
