// SPDX-License-Identifier: GPL-2.0-only
/*
 * iio-sim with buffer=dmaengine: each converter sits on
 * industrialio-buffer-dmaengine over its channel of the software DMA
 * controller (sim-dmac.c), whose thread runs each transfer through the
 * converter (sim_process()). Needs IIO DMABUF (6.11): the dmaengine
 * buffer has no output before it.
 */

#include <linux/iio/buffer-dmaengine.h>
#include <linux/iio/buffer_impl.h>
#include <linux/iio/iio.h>
#include <linux/slab.h>

#include "sim-dmac.h"
#include "sim.h"

#ifdef SIM_HAVE_DMABUF
/*
 * buffer=dmaengine: the DMA controller's thread runs each transfer through
 * the converter. A terminate (the buffer disabled) stops the sample clock,
 * as sim_abort() does.
 */
static int sim_dmac_transfer(void *ctx, struct sim_dmac_xfer *x)
{
	struct sim_buffer *sb = ctx;
	struct sim_state *st = sim_buffer_state(sb);

	if (x->restart) {
		sb->running = false;
		WRITE_ONCE(sb->aborting, false);
	} else if (x->idle_ns && sb->running) {
		sb->dry = true;
	}
	wait_event(sb->wq, !READ_ONCE(st->stall) || READ_ONCE(sb->aborting));
	if (READ_ONCE(sb->aborting))
		return -EINTR;
	if (atomic_add_unless(&st->fail_next, -1, 0)) {
		sim_fail_transfer(sb, x->len);
		return -EIO;
	}
	x->done = sim_process(sb, NULL, x);
	return READ_ONCE(sb->aborting) ? -EINTR : 0;
}

/* Atomic context: the controller's lock is held. */
static void sim_dmac_terminate(void *ctx)
{
	struct sim_buffer *sb = ctx;

	WRITE_ONCE(sb->aborting, true);
	wake_up(&sb->wq);
}

static const struct sim_dmac_peripheral_ops sim_dmac_ops = {
	.transfer = sim_dmac_transfer,
	.terminate = sim_dmac_terminate,
};

/* After the dmaengine buffer is gone (devm runs actions in reverse). */
static void sim_dmac_teardown(void *data)
{
	struct sim_buffer *sb = data;
	struct sim_state *st = sim_buffer_state(sb);

	sim_dmac_set_peripheral(st->output, NULL, NULL);
	kfree(sb);
}

int sim_probe_dmaengine(struct device *dev, struct iio_dev *indio_dev,
			struct sim_buffer *sb)
{
	struct sim_state *st = iio_priv(indio_dev);
	int ret;

	/* (only sim_is_output() reads the queue in this mode) */
	sb->queue.buffer.direction = st->output ? IIO_BUFFER_DIRECTION_OUT :
						  IIO_BUFFER_DIRECTION_IN;
	st->buf = sb;
	ret = devm_add_action_or_reset(dev, sim_dmac_teardown, sb);
	if (ret)
		return ret;
	ret = devm_iio_dmaengine_buffer_setup_ext(dev, indio_dev,
						  st->output ? "tx" : "rx",
						  sb->queue.buffer.direction);
	if (ret)
		return dev_err_probe(dev, ret, "no DMA channel\n");
	sim_dmac_set_peripheral(st->output, &sim_dmac_ops, sb);
	return devm_iio_device_register(dev, indio_dev);
}
#else
int sim_probe_dmaengine(struct device *dev, struct iio_dev *indio_dev,
			struct sim_buffer *sb)
{
	kfree(sb);
	return -EOPNOTSUPP; /* sim_init() refuses buffer=dmaengine first */
}
#endif
