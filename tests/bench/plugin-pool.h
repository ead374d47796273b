/* The iiodmabuf plugin's own pool of dma-heap dma-bufs, for the measuring
 * tools that play a peer which offers dma-bufs (a GPU or network sink, a
 * decoder). Made by its type's name: the plugin registers the type when it
 * is loaded, and a copy compiled in here would register it a second time.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __IIO_BENCH_PLUGIN_POOL_H__
#define __IIO_BENCH_PLUGIN_POOL_H__

#include <stdlib.h>

#include <gst/gst.h>

static inline GstBufferPool *
plugin_pool_new (void)
{
  GstPlugin *plugin = gst_plugin_load_by_name ("iiodmabuf");
  GType type = g_type_from_name ("GstIioDmabufPool");

  if (plugin)
    gst_object_unref (plugin);
  if (!type) {
    g_printerr ("the iiodmabuf plugin (and its GstIioDmabufPool) is not "
                "found: set GST_PLUGIN_PATH\n");
    exit (1);
  }
  return GST_BUFFER_POOL (gst_object_ref_sink (g_object_new (type, NULL)));
}

#endif /* __IIO_BENCH_PLUGIN_POOL_H__ */
