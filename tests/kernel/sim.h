/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * iio-sim: what the converters (sim-core.c) and their IIO device
 * attributes (sim-attrs.c) share.
 */
#ifndef SIM_H
#define SIM_H

#include <linux/iio/buffer-dma.h>
#include <linux/iio/iio.h>
#include <linux/kthread.h>
#include <linux/spinlock.h>
#include <linux/wait.h>

#define SIM_MAX_CHANNELS	8
#define SIM_CHANNEL_STEP	0x1000
#define SIM_DEFAULT_RATE	1000000
#define SIM_MAX_RATE		1000000000
/* Full scale of the converters: +-2.5 V (the scale attribute, in mV) */
#define SIM_VREF_MV		2500
#define FNV64_OFFSET		0xcbf29ce484222325ULL
#define FNV64_PRIME		0x00000100000001b3ULL

struct sim_layout {
	unsigned int channels;
	unsigned int bits;
	unsigned int realbits;
	/* the ADC's timestamp channel (scan index channels) */
	bool timestamp;
};

/* A scan: 8 converter channels of 32 bits, then the 64-bit timestamp */
#define SIM_MAX_SCAN_BYTES	(SIM_MAX_CHANNELS * 4 + 8)

struct sim_buffer {
	struct iio_dma_buffer_queue queue;
	struct iio_dev *indio_dev;

	/* Submitted blocks, oldest first; protected by queue.list_lock. */
	struct list_head active;
	/* The block the thread works on, outside the list. */
	struct iio_dma_buffer_block *cur;
	bool aborting;

	struct task_struct *thread;
	/* Kernels whose DMA buffer has no output: the DAC's kfifo (sim-kfifo.c). */
	struct iio_buffer *kfifo;
	u8 *chunk;
	wait_queue_head_t wq;
	wait_queue_head_t idle_wq;

	/* Sample clock, owned by the thread: sample samples_since_base is
	 * taken at base + its time at the clock's rate (sim_due()); the
	 * clock runs on, samples lost or not. */
	bool running;
	bool dry;
	ktime_t base;
	u64 samples_since_base;
	u64 sample_index;
	/* the timestamp's clock less CLOCK_MONOTONIC, read at the enable */
	s64 ts_offset;
};

struct sim_state {
	struct sim_buffer *buf;
	bool output;
	struct sim_layout layout;
	struct iio_chan_spec channels[SIM_MAX_CHANNELS + 1];

	/* Knobs and counters; written from sysfs, read by the thread. */
	u32 rate;
	/* The sample clock's error against the kernel's: +N runs N ppm fast */
	s32 ppm;
	/* The DAC's raw attribute per channel (scan index) */
	s32 dac_raw[SIM_MAX_CHANNELS];
	bool free_run;
	bool stall;
	atomic_t fail_next;
	atomic_t fail_enable;
	atomic_t leak_next;

	spinlock_t stats_lock;	/* the counters below */
	u64 blocks;
	u64 bytes;
	u64 checksum;
	u64 samples_lost;
	u64 cyclic_repeats;
	u64 underruns;
	u64 failed;
};

static inline struct sim_buffer *to_sim_buffer(struct iio_buffer *buffer)
{
	return container_of(buffer, struct sim_buffer, queue.buffer);
}

static inline struct sim_state *sim_buffer_state(struct sim_buffer *sb)
{
	return iio_priv(sb->indio_dev);
}

struct sim_dmac_xfer;

/* sim-core.c */
bool sim_on_dmaengine(void);
/* Converts one block (or one DMA controller transfer, block NULL): fills it
 * (ADC) or checksums it (DAC), paced by the sample rate; returns its bytes. */
size_t sim_process(struct sim_buffer *sb, struct iio_dma_buffer_block *block,
		   const struct sim_dmac_xfer *x);
/* Scan indices of the enabled converter channels, in scan order; returns
 * their count (the timestamp channel is not one). */
unsigned int sim_enabled_channels(struct sim_state *st, unsigned int *idx);
/* Bytes of one scan of the enabled channels, the timestamp's included. */
size_t sim_scan_bytes(struct sim_state *st);
/* A transfer of @bytes failed: the converter ran on (its samples are lost
 * with it, the clock moves on) and sim_failed counts it. */
void sim_fail_transfer(struct sim_buffer *sb, size_t bytes);

/* sim-dmaengine.c: the device on industrialio-buffer-dmaengine; takes @sb. */
int sim_probe_dmaengine(struct device *dev, struct iio_dev *indio_dev,
			struct sim_buffer *sb);
/* Blocks queued to the converter's "DMA" and not complete. */
unsigned int sim_queued(struct sim_state *st);

/* sim-attrs.c */
extern const struct iio_info sim_info;
int sim_layout_check(struct device *dev, const struct sim_layout *l);
void sim_init_channels(struct sim_state *st);

/* sim-kfifo.c */
int sim_kfifo_setup(struct device *dev, struct iio_dev *indio_dev,
		    struct sim_buffer *sb);

#endif
