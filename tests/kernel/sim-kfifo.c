// SPDX-License-Identifier: GPL-2.0-only
/*
 * iio-sim's DAC on kernels whose industrialio-buffer-dma has no output
 * (no write(), before IIO DMABUF): a kfifo output buffer, as DACs without
 * DMA have, emptied by a kernel thread that runs while the buffer is
 * enabled. It pops the scans userspace wrote, a chunk at a time, and runs
 * each chunk through the converter (sim_process()), so pacing, checksum,
 * underruns and the stall knob behave as on the DMA buffer. Such a kernel
 * has no IIO DMABUF: the DAC there is for read()/write() fallbacks.
 */

#ifndef SIM_HAVE_DMA_WRITE

#include <linux/delay.h>
#include <linux/iio/buffer.h>
#include <linux/iio/buffer_impl.h>
#include <linux/iio/kfifo_buf.h>
#include <linux/slab.h>

#include "sim-dmac.h"
#include "sim.h"

#define SIM_KFIFO_CHUNK 4096

static int sim_kfifo_thread(void *data)
{
	struct sim_buffer *sb = data;
	struct sim_state *st = sim_buffer_state(sb);
	size_t scan = sb->kfifo->bytes_per_datum;
	struct sim_dmac_seg seg = { .addr = sb->chunk };
	struct sim_dmac_xfer x = {
		.dir = DMA_MEM_TO_DEV,
		.segs = &seg,
		.nsegs = 1,
	};
	size_t n;

	while (!kthread_should_stop()) {
		n = 0;
		while (!READ_ONCE(st->stall) && scan && n + scan <= SIM_KFIFO_CHUNK &&
		       !iio_pop_from_buffer(sb->kfifo, sb->chunk + n))
			n += scan;
		if (!n) {
			/* Nothing written: the converter runs dry. */
			if (sb->running)
				sb->dry = true;
			usleep_range(500, 1000);
			continue;
		}
		seg.len = n;
		x.len = n;
		sim_process(sb, NULL, &x);
	}
	return 0;
}

static int sim_kfifo_postenable(struct iio_dev *indio_dev)
{
	struct sim_state *st = iio_priv(indio_dev);
	struct sim_buffer *sb = st->buf;
	struct task_struct *t;

	sb->running = false;
	sb->dry = false;
	t = kthread_run(sim_kfifo_thread, sb, "%s", indio_dev->name);
	if (IS_ERR(t))
		return PTR_ERR(t);
	sb->thread = t;
	return 0;
}

static int sim_kfifo_predisable(struct iio_dev *indio_dev)
{
	struct sim_state *st = iio_priv(indio_dev);
	struct sim_buffer *sb = st->buf;

	if (sb->thread)
		kthread_stop(sb->thread);
	sb->thread = NULL;
	return 0;
}

static const struct iio_buffer_setup_ops sim_kfifo_setup_ops = {
	.postenable = sim_kfifo_postenable,
	.predisable = sim_kfifo_predisable,
};

static void sim_kfifo_free(void *data)
{
	kfree(data);
}

int sim_kfifo_setup(struct device *dev, struct iio_dev *indio_dev,
		    struct sim_buffer *sb)
{
	struct sim_state *st = iio_priv(indio_dev);
	int ret;

	ret = devm_add_action_or_reset(dev, sim_kfifo_free, sb);
	if (ret)
		return ret;
	sb->chunk = devm_kmalloc(dev, SIM_KFIFO_CHUNK, GFP_KERNEL);
	if (!sb->chunk)
		return -ENOMEM;
	/* Only sim_is_output() reads the queue in this mode. */
	sb->queue.buffer.direction = IIO_BUFFER_DIRECTION_OUT;
	st->buf = sb;
	indio_dev->modes = 0;
	ret = devm_iio_kfifo_buffer_setup(dev, indio_dev, &sim_kfifo_setup_ops);
	if (ret)
		return ret;
	sb->kfifo = indio_dev->buffer;
	sb->kfifo->direction = IIO_BUFFER_DIRECTION_OUT;
	return 0;
}

#endif
