/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * sim-dmac: a software DMA controller for the iio-sim test driver. Its
 * channels serve peripherals (the simulated converters) that move the data
 * of each transfer themselves, in the channel's thread.
 */
#ifndef SIM_DMAC_H
#define SIM_DMAC_H

#include <linux/dmaengine.h>
#include <linux/types.h>
#include <linux/wait.h>

#define SIM_DMAC_CHANNELS 2 /* 0: "rx" of iio-sim-adc, 1: "tx" of iio-sim-dac */

struct sim_dmac_seg {
	void *addr; /* the CPU's view of the segment */
	size_t len;
};

/* One transfer, as the peripheral sees it. */
struct sim_dmac_xfer {
	enum dma_transfer_direction dir;
	const struct sim_dmac_seg *segs;
	unsigned int nsegs;
	size_t len; /* of all segments */
	/* The first transfer since the channel was terminated (or ever). */
	bool restart;
	/* How long the channel had nothing to do before this transfer; 0 if
	 * the transfer was queued before the previous one completed. */
	s64 idle_ns;
	size_t done; /* out: bytes moved; the residue is len - done */
};

struct sim_dmac_peripheral_ops {
	/* Moves @xfer's data; 0, or a negative errno that fails the transfer. */
	int (*transfer)(void *ctx, struct sim_dmac_xfer *xfer);
	/* A terminate: an ongoing transfer must return soon. Atomic context. */
	void (*terminate)(void *ctx);
};

int sim_dmac_init(void);
void sim_dmac_exit(void);
/* Connects (or with NULL @ops disconnects) the peripheral of channel @chan. */
void sim_dmac_set_peripheral(unsigned int chan,
			     const struct sim_dmac_peripheral_ops *ops, void *ctx);
/* Transfers issued to channel @chan and not complete. */
unsigned int sim_dmac_queued(unsigned int chan);

#endif
