// SPDX-License-Identifier: GPL-2.0-only
/*
 * sim-dmac: a software DMA controller, so that the iio-sim converters can
 * sit on industrialio-buffer-dmaengine as the converters of real boards do
 * (an AXI DMAC behind an ADC or a DAC).
 *
 * It registers a platform device "iio-sim-dmac" with a dmaengine device of
 * SIM_DMAC_CHANNELS slave channels. Consumers find them without a device
 * tree, through the controller's dma_slave_map: "rx" of iio-sim-adc is
 * channel 0, "tx" of iio-sim-dac channel 1. A transfer is prepared from a
 * scatterlist (fileio blocks) or from a dma_vec array (DMABUF blocks, the
 * 6.12 path); a kernel thread per channel runs the issued transfers in
 * order and lets the channel's peripheral move each one's data with the
 * CPU. As the AXI DMAC does, it refuses segments whose address or length
 * is not a multiple of its bus width, and it reports residue.
 *
 * Module parameters: dmac_bus_width (bytes per beat: 1, 2, 4, 8 or 16;
 * what the IIO buffer shows as length_align_bytes) and dmac_max_segment
 * (the device's maximum DMA segment in bytes). The IIO buffer reads the
 * latter: it cuts fileio input blocks to it and fails a longer fileio
 * output block before the controller sees it. A dma_vec segment longer
 * than it is moved in pieces, as the AXI DMAC splits transfers at its
 * hardware length; the AXI DMAC's driver itself sets no maximum (UINT_MAX),
 * which the default here (4 MiB) stands for.
 *
 * The controller has no IOMMU and no DMA offset: a DMA address is the
 * physical address of memory in the kernel's linear map.
 */

#include <linux/dma-mapping.h>
#include <linux/dmaengine.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/platform_device.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>

#include "dmaengine.h"
#include "virt-dma.h"
#include "sim-dmac.h"

#ifndef __counted_by /* before 6.6 */
#define __counted_by(member)
#endif

static unsigned int dmac_bus_width = 4;
module_param(dmac_bus_width, uint, 0444);
MODULE_PARM_DESC(dmac_bus_width,
		 "DMA controller bus width in bytes (1, 2, 4, 8, 16): the buffers' length_align_bytes");
static unsigned int dmac_max_segment = SZ_4M;
module_param(dmac_max_segment, uint, 0444);
MODULE_PARM_DESC(dmac_max_segment,
		 "DMA controller's maximum segment in bytes: the buffers' largest fileio block");

struct sim_dmac_desc {
	struct virt_dma_desc vd;
	enum dma_transfer_direction dir;
	size_t len;
	size_t done; /* set by the thread, read by tx_status */
	unsigned int nsegs;
	struct sim_dmac_seg segs[] __counted_by(nsegs);
};

struct sim_dmac_chan {
	struct virt_dma_chan vc;
	struct task_struct *thread;
	wait_queue_head_t wq;      /* the thread waits for an issued transfer */
	wait_queue_head_t idle_wq; /* synchronize waits for cur == NULL */

	/* vc.lock */
	struct sim_dmac_desc *cur; /* the transfer the thread runs */
	bool cur_terminated;       /* a terminate came while it ran */
	bool stopped;              /* terminated since the last transfer */
	bool idle;
	ktime_t idle_since;
	const struct sim_dmac_peripheral_ops *ops;
	void *ctx;
};

struct sim_dmac {
	struct dma_device dma;
	struct sim_dmac_chan chans[SIM_DMAC_CHANNELS];
	struct dma_slave_map map[SIM_DMAC_CHANNELS];
};

static struct platform_device *sim_dmac_pdev;
static struct sim_dmac *sim_dmac;

static struct sim_dmac_chan *to_sim_chan(struct dma_chan *chan)
{
	return container_of(chan, struct sim_dmac_chan, vc.chan);
}

static struct sim_dmac_desc *to_sim_desc(struct virt_dma_desc *vd)
{
	return container_of(vd, struct sim_dmac_desc, vd);
}

static void sim_dmac_desc_free(struct virt_dma_desc *vd)
{
	kfree(to_sim_desc(vd));
}

static bool sim_dmac_seg_ok(struct device *dev, dma_addr_t addr, size_t len)
{
	if (!len || !IS_ALIGNED(addr, dmac_bus_width) ||
	    !IS_ALIGNED(len, dmac_bus_width)) {
		dev_dbg(dev, "segment %pad + %zu not aligned to the %u-byte bus\n",
			&addr, len, dmac_bus_width);
		return false;
	}
	return true;
}

static struct sim_dmac_desc *sim_dmac_desc_alloc(unsigned int nsegs,
						 enum dma_transfer_direction dir)
{
	struct sim_dmac_desc *d;

	if (dir != DMA_DEV_TO_MEM && dir != DMA_MEM_TO_DEV)
		return NULL;
	d = kzalloc(struct_size(d, segs, nsegs), GFP_NOWAIT);
	if (!d)
		return NULL;
	d->nsegs = nsegs;
	d->dir = dir;
	return d;
}

static bool sim_dmac_desc_add(struct device *dev, struct sim_dmac_desc *d,
			      unsigned int i, dma_addr_t addr, size_t len)
{
	if (!sim_dmac_seg_ok(dev, addr, len))
		return false;
	d->segs[i].addr = phys_to_virt((phys_addr_t)addr);
	d->segs[i].len = len;
	d->len += len;
	return true;
}

static struct dma_async_tx_descriptor *
sim_dmac_prep_slave_sg(struct dma_chan *chan, struct scatterlist *sgl,
		       unsigned int sg_len, enum dma_transfer_direction dir,
		       unsigned long flags, void *context)
{
	struct sim_dmac_chan *c = to_sim_chan(chan);
	struct device *dev = chan->device->dev;
	struct sim_dmac_desc *d = sim_dmac_desc_alloc(sg_len, dir);
	struct scatterlist *sg;
	unsigned int i;

	if (!d)
		return NULL;
	for_each_sg(sgl, sg, sg_len, i) {
		if (!sim_dmac_desc_add(dev, d, i, sg_dma_address(sg),
				       sg_dma_len(sg))) {
			kfree(d);
			return NULL;
		}
	}
	return vchan_tx_prep(&c->vc, &d->vd, flags);
}

#ifdef SIM_HAVE_DMA_VEC
static struct dma_async_tx_descriptor *
sim_dmac_prep_dma_vec(struct dma_chan *chan, const struct dma_vec *vecs,
		      size_t nents, enum dma_transfer_direction dir,
		      unsigned long flags)
{
	struct sim_dmac_chan *c = to_sim_chan(chan);
	struct device *dev = chan->device->dev;
	struct sim_dmac_desc *d = sim_dmac_desc_alloc(nents, dir);
	size_t i;

	if (!d)
		return NULL;
	for (i = 0; i < nents; i++) {
		if (!sim_dmac_desc_add(dev, d, i, vecs[i].addr, vecs[i].len)) {
			kfree(d);
			return NULL;
		}
	}
	return vchan_tx_prep(&c->vc, &d->vd, flags);
}
#endif

static void sim_dmac_issue_pending(struct dma_chan *chan)
{
	struct sim_dmac_chan *c = to_sim_chan(chan);
	unsigned long flags;
	bool issued;

	spin_lock_irqsave(&c->vc.lock, flags);
	issued = vchan_issue_pending(&c->vc);
	spin_unlock_irqrestore(&c->vc.lock, flags);
	if (issued)
		wake_up(&c->wq);
}

static enum dma_status sim_dmac_tx_status(struct dma_chan *chan,
					  dma_cookie_t cookie,
					  struct dma_tx_state *state)
{
	struct sim_dmac_chan *c = to_sim_chan(chan);
	struct virt_dma_desc *vd;
	enum dma_status ret;
	unsigned long flags;
	size_t residue = 0;

	ret = dma_cookie_status(chan, cookie, state);
	if (ret == DMA_COMPLETE || !state)
		return ret;
	spin_lock_irqsave(&c->vc.lock, flags);
	vd = vchan_find_desc(&c->vc, cookie);
	if (vd)
		residue = to_sim_desc(vd)->len;
	else if (c->cur && c->cur->vd.tx.cookie == cookie)
		residue = c->cur->len - READ_ONCE(c->cur->done);
	spin_unlock_irqrestore(&c->vc.lock, flags);
	dma_set_residue(state, residue);
	return ret;
}

static int sim_dmac_terminate_all(struct dma_chan *chan)
{
	struct sim_dmac_chan *c = to_sim_chan(chan);
	unsigned long flags;
	LIST_HEAD(head);

	spin_lock_irqsave(&c->vc.lock, flags);
	c->stopped = true;
	if (c->cur) {
		/* The thread frees it once the peripheral lets go of it. */
		c->cur_terminated = true;
		if (c->ops && c->ops->terminate)
			c->ops->terminate(c->ctx);
	}
	vchan_get_all_descriptors(&c->vc, &head);
	spin_unlock_irqrestore(&c->vc.lock, flags);
	vchan_dma_desc_free_list(&c->vc, &head);
	return 0;
}

static bool sim_dmac_idle(struct sim_dmac_chan *c)
{
	unsigned long flags;
	bool idle;

	spin_lock_irqsave(&c->vc.lock, flags);
	idle = !c->cur;
	spin_unlock_irqrestore(&c->vc.lock, flags);
	return idle;
}

static void sim_dmac_synchronize(struct dma_chan *chan)
{
	struct sim_dmac_chan *c = to_sim_chan(chan);

	wait_event(c->idle_wq, sim_dmac_idle(c));
	vchan_synchronize(&c->vc);
}

static void sim_dmac_free_chan_resources(struct dma_chan *chan)
{
	vchan_free_chan_resources(to_virt_chan(chan));
}

static bool sim_dmac_has_work(struct sim_dmac_chan *c)
{
	unsigned long flags;
	bool work;

	spin_lock_irqsave(&c->vc.lock, flags);
	work = !list_empty(&c->vc.desc_issued);
	spin_unlock_irqrestore(&c->vc.lock, flags);
	return work;
}

/* Runs one issued transfer; false when there was none. */
static bool sim_dmac_run_one(struct sim_dmac_chan *c)
{
	const struct sim_dmac_peripheral_ops *ops;
	struct sim_dmac_xfer x = { 0 };
	struct virt_dma_desc *vd;
	struct sim_dmac_desc *d;
	bool terminated;
	void *ctx;
	int ret;

	spin_lock_irq(&c->vc.lock);
	vd = vchan_next_desc(&c->vc);
	if (!vd) {
		spin_unlock_irq(&c->vc.lock);
		return false;
	}
	list_del(&vd->node);
	d = to_sim_desc(vd);
	c->cur = d;
	c->cur_terminated = false;
	x.restart = c->stopped;
	c->stopped = false;
	if (c->idle && !x.restart)
		x.idle_ns = ktime_to_ns(ktime_sub(ktime_get(), c->idle_since));
	c->idle = false;
	ops = c->ops;
	ctx = c->ctx;
	spin_unlock_irq(&c->vc.lock);

	x.dir = d->dir;
	x.segs = d->segs;
	x.nsegs = d->nsegs;
	x.len = d->len;
	ret = ops ? ops->transfer(ctx, &x) : -ENODEV;
	WRITE_ONCE(d->done, min(x.done, d->len));

	spin_lock_irq(&c->vc.lock);
	terminated = c->cur_terminated;
	if (!terminated) {
		vd->tx_result.result = ret ? DMA_TRANS_ABORTED :
					     DMA_TRANS_NOERROR;
		vd->tx_result.residue = d->len - d->done;
		vchan_cookie_complete(vd);
	}
	c->cur = NULL;
	if (list_empty(&c->vc.desc_issued)) {
		c->idle = true;
		c->idle_since = ktime_get();
	}
	spin_unlock_irq(&c->vc.lock);
	if (terminated)
		sim_dmac_desc_free(vd);
	wake_up(&c->idle_wq);
	return true;
}

static int sim_dmac_thread(void *data)
{
	struct sim_dmac_chan *c = data;

	while (!kthread_should_stop()) {
		wait_event_interruptible(c->wq, kthread_should_stop() ||
					 sim_dmac_has_work(c));
		while (!kthread_should_stop() && sim_dmac_run_one(c))
			;
	}
	return 0;
}

static bool sim_dmac_filter(struct dma_chan *chan, void *param)
{
	return chan->device == &sim_dmac->dma &&
	       chan->chan_id == (unsigned long)param;
}

void sim_dmac_set_peripheral(unsigned int chan,
			     const struct sim_dmac_peripheral_ops *ops, void *ctx)
{
	struct sim_dmac_chan *c = &sim_dmac->chans[chan];

	spin_lock_irq(&c->vc.lock);
	c->ops = ops;
	c->ctx = ops ? ctx : NULL;
	spin_unlock_irq(&c->vc.lock);
}

unsigned int sim_dmac_queued(unsigned int chan)
{
	struct sim_dmac_chan *c = &sim_dmac->chans[chan];
	struct virt_dma_desc *vd;
	unsigned int n = 0;

	spin_lock_irq(&c->vc.lock);
	list_for_each_entry(vd, &c->vc.desc_issued, node)
		n++;
	if (c->cur && !c->cur_terminated)
		n++;
	spin_unlock_irq(&c->vc.lock);
	return n;
}

static void sim_dmac_stop_threads(struct sim_dmac *s)
{
	unsigned int i;

	for (i = 0; i < SIM_DMAC_CHANNELS; i++) {
		if (!IS_ERR_OR_NULL(s->chans[i].thread))
			kthread_stop(s->chans[i].thread);
		s->chans[i].thread = NULL;
	}
}

static int sim_dmac_probe(struct platform_device *pdev)
{
	static const char *const names[SIM_DMAC_CHANNELS][2] = {
		{ "iio-sim-adc", "rx" },
		{ "iio-sim-dac", "tx" },
	};
	struct device *dev = &pdev->dev;
	struct sim_dmac *s;
	unsigned int i;
	int ret;

	dma_set_max_seg_size(dev, dmac_max_segment);
	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return -ENOMEM;
	dma_cap_set(DMA_SLAVE, s->dma.cap_mask);
	dma_cap_set(DMA_PRIVATE, s->dma.cap_mask);
	s->dma.dev = dev;
	s->dma.directions = BIT(DMA_DEV_TO_MEM) | BIT(DMA_MEM_TO_DEV);
	s->dma.src_addr_widths = BIT(dmac_bus_width);
	s->dma.dst_addr_widths = BIT(dmac_bus_width);
	s->dma.residue_granularity = DMA_RESIDUE_GRANULARITY_BURST;
	s->dma.device_prep_slave_sg = sim_dmac_prep_slave_sg;
#ifdef SIM_HAVE_DMA_VEC
	s->dma.device_prep_peripheral_dma_vec = sim_dmac_prep_dma_vec;
#endif
	s->dma.device_issue_pending = sim_dmac_issue_pending;
	s->dma.device_tx_status = sim_dmac_tx_status;
	s->dma.device_terminate_all = sim_dmac_terminate_all;
	s->dma.device_synchronize = sim_dmac_synchronize;
	s->dma.device_free_chan_resources = sim_dmac_free_chan_resources;
	INIT_LIST_HEAD(&s->dma.channels);
	for (i = 0; i < SIM_DMAC_CHANNELS; i++) {
		struct sim_dmac_chan *c = &s->chans[i];

		c->vc.desc_free = sim_dmac_desc_free;
		vchan_init(&c->vc, &s->dma);
		init_waitqueue_head(&c->wq);
		init_waitqueue_head(&c->idle_wq);
		c->stopped = true;
		s->map[i].devname = names[i][0];
		s->map[i].slave = names[i][1];
		s->map[i].param = (void *)(unsigned long)i;
	}
	s->dma.filter.map = s->map;
	s->dma.filter.mapcnt = SIM_DMAC_CHANNELS;
	s->dma.filter.fn = sim_dmac_filter;
	for (i = 0; i < SIM_DMAC_CHANNELS; i++) {
		struct sim_dmac_chan *c = &s->chans[i];

		c->thread = kthread_run(sim_dmac_thread, c, "sim-dmac/%u", i);
		if (IS_ERR(c->thread)) {
			ret = PTR_ERR(c->thread);
			goto err_threads;
		}
	}
	sim_dmac = s;
	ret = dma_async_device_register(&s->dma);
	if (ret)
		goto err_threads;
	platform_set_drvdata(pdev, s);
	return 0;

err_threads:
	sim_dmac = NULL;
	sim_dmac_stop_threads(s);
	kfree(s);
	return ret;
}

static void sim_dmac_remove(struct platform_device *pdev)
{
	struct sim_dmac *s = platform_get_drvdata(pdev);
	unsigned int i;

	dma_async_device_unregister(&s->dma);
	sim_dmac_stop_threads(s);
	for (i = 0; i < SIM_DMAC_CHANNELS; i++) {
		tasklet_kill(&s->chans[i].vc.task);
		list_del(&s->chans[i].vc.chan.device_node);
	}
	sim_dmac = NULL;
	kfree(s);
}

static struct platform_driver sim_dmac_driver = {
	.driver = {
		.name = "iio-sim-dmac",
	},
	.probe = sim_dmac_probe,
#ifdef SIM_REMOVE_IS_VOID
	.remove = sim_dmac_remove,
#else
	.remove_new = sim_dmac_remove,
#endif
};

/*
 * The controller and its consumers (the converters of sim-core.c) live in
 * one module. dmaengine takes a reference on the controller driver's owner
 * for every channel a consumer holds, so with THIS_MODULE as the owner the
 * module would hold itself and could never be unloaded: the driver is
 * registered without an owner, and the module's exit removes the consumers
 * before the controller.
 */
int sim_dmac_init(void)
{
	struct platform_device_info info = {
		.name = "iio-sim-dmac",
		.id = PLATFORM_DEVID_NONE,
		.dma_mask = DMA_BIT_MASK(64),
	};
	int ret;

	if (!is_power_of_2(dmac_bus_width) || dmac_bus_width > 16 ||
	    dmac_max_segment < dmac_bus_width) {
		pr_err("sim-dmac: bad bus width %u or segment %u\n",
		       dmac_bus_width, dmac_max_segment);
		return -EINVAL;
	}
#ifdef SIM_DRIVER_REGISTER_TAKES_MOD_NAME
	ret = __platform_driver_register(&sim_dmac_driver, NULL, NULL);
#else
	ret = __platform_driver_register(&sim_dmac_driver, NULL);
#endif
	if (ret)
		return ret;
	sim_dmac_pdev = platform_device_register_full(&info);
	if (IS_ERR(sim_dmac_pdev)) {
		ret = PTR_ERR(sim_dmac_pdev);
		goto err_driver;
	}
	if (!sim_dmac) { /* the probe failed: it said why */
		ret = -ENODEV;
		goto err_pdev;
	}
	return 0;

err_pdev:
	platform_device_unregister(sim_dmac_pdev);
err_driver:
	platform_driver_unregister(&sim_dmac_driver);
	return ret;
}

void sim_dmac_exit(void)
{
	platform_device_unregister(sim_dmac_pdev);
	platform_driver_unregister(&sim_dmac_driver);
}
