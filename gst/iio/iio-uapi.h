/* The kernel uapi this plugin needs for IIO DMABUF (Linux 6.11+), defined here
 * for system headers that predate it. Every definition is guarded, so newer
 * kernel headers win.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_IIO_UAPI_H__
#define __GST_IIO_UAPI_H__

#include <linux/types.h>
#include <linux/ioctl.h>
#include <linux/iio/buffer.h>
#include <linux/dma-buf.h>
#include <linux/dma-heap.h>
#include <linux/udmabuf.h>
#include <linux/sync_file.h>

#ifndef IIO_BUFFER_GET_FD_IOCTL
#define IIO_BUFFER_GET_FD_IOCTL _IOWR ('i', 0x91, int)
#endif

/* linux/iio/buffer.h gained the DMABUF interface in 6.11: the descriptor
 * and the ioctls arrived together, so one guard covers them. */
#ifndef IIO_BUFFER_DMABUF_ENQUEUE_IOCTL
struct iio_dmabuf
{
  __u32 fd;         /* the dma-buf */
  __u32 flags;      /* IIO_BUFFER_DMABUF_* */
  __u64 bytes_used; /* bytes to transfer, 1 .. dma-buf size */
};
#define IIO_BUFFER_DMABUF_ATTACH_IOCTL _IOW ('i', 0x92, int)
#define IIO_BUFFER_DMABUF_DETACH_IOCTL _IOW ('i', 0x93, int)
#define IIO_BUFFER_DMABUF_ENQUEUE_IOCTL _IOW ('i', 0x94, struct iio_dmabuf)
#endif

#ifndef IIO_BUFFER_DMABUF_CYCLIC
#define IIO_BUFFER_DMABUF_CYCLIC (1 << 0)
#endif

#endif /* __GST_IIO_UAPI_H__ */
