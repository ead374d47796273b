// SPDX-License-Identifier: GPL-2.0-only
/*
 * iio-sim: software IIO converters on industrialio-buffer-dma, for testing
 * userspace against the real IIO DMABUF ABI without hardware.
 *
 * The module registers two platform devices, "iio-sim-adc" and "iio-sim-dac",
 * and a platform driver that turns each into an IIO device with one DMA
 * buffer (input for the ADC, output for the DAC). A kernel thread per device
 * stands in for the DMA controller: it completes the queued blocks in order,
 * paced by sampling_frequency.
 *
 * ADC pattern: the value of channel c (its scan index) in sample s (counted
 * from 0 at each buffer enable) is (s + c * 0x1000) truncated to the storage
 * bits, little endian. A consumer can check every sample for loss,
 * duplication, reordering and interleaving. The ADC's sample clock runs on
 * from the enable, whether blocks are queued or not: sample s is taken at
 * s / rate after the first (sim_ppm off). Samples it takes while no block
 * is queued, or while the "DMA" lags it by more than 100 ms (sim_stall, a
 * guest too slow for the rate), are lost, as on real hardware: the index
 * moves on and sim_samples_lost counts them. A failed block's samples go
 * with it (sim_failed counts the block).
 *
 * Timestamp channel (module parameter adc_timestamp=1): the ADC has
 * in_timestamp (s64, scan index after the voltages, IIO's layout: aligned
 * to 8 bytes, the scan padded to 8), holding the time its scan was taken
 * on the clock current_timestamp_clock selects: exact to the ns along the
 * sample clock, so the jump after lost samples is their time. With
 * sim_free_run the times are the clock's at the rate, ahead of the wall.
 *
 * DAC accounting: every byte of every block it consumes is folded into a
 * running FNV-1a 64 checksum (sim_checksum) and counted (sim_bytes,
 * sim_blocks). A cyclic block is consumed (and checksummed) once, then
 * repeated at the sample rate until another block is queued or the buffer is
 * disabled, and only then its fence is signalled; sim_cyclic_repeats counts
 * the repetitions.
 *
 * Channels, as on real converters: in_voltageN_raw (or out_) is one
 * conversion (ADC: the pattern's value at the current sample index; DAC:
 * the last value written), _scale is mV per LSB over +-2.5 V, _offset 0;
 * raw is -EBUSY while the buffer runs. sampling_frequency is shared by all.
 *
 * Knobs, as IIO device attributes:
 *   sim_free_run    1: ignore sampling_frequency, complete blocks at once
 *   sim_ppm         N: the paced sample clock runs N ppm fast (negative:
 *                   slow) against the kernel's CLOCK_MONOTONIC, -100000
 *                   to 100000 (a converter's crystal off its nominal)
 *   sim_stall       1: stop completing blocks (queued ones stay queued)
 *   sim_fail_next   N: the next N DMABUF blocks fail (fence error -EINTR,
 *                   as an aborted transfer; their samples are lost)
 *   sim_reset       write 1: zero the counters and the DAC checksum
 *   sim_warn        write 1: log a kernel WARNING (the guest run's
 *                   kernel-log check must fail on it)
 *   sim_leak_next   N: each of the next N blocks leaks 128 bytes of
 *                   kmalloc (the debug kernel's leak check must fail)
 *   sim_fail_enable N: the next N buffer enables fail (-EIO), after the
 *                   buffer's request_update, as a device that does not
 *                   start (update_scan_mode)
 * Counters: sim_blocks, sim_bytes, sim_checksum, sim_samples_lost,
 * sim_cyclic_repeats, sim_underruns, sim_failed, and sim_queued (blocks
 * queued to the "DMA" now, not yet complete).
 * Hot-unplug is the driver core's own: write "iio-sim-adc" to
 * /sys/bus/platform/drivers/iio-sim/unbind (and bind to bring it back).
 *
 * Layout, as module parameters: adc_channels/dac_channels (1..8),
 * adc_bits/dac_bits (16 or 32 storage bits), adc_realbits/dac_realbits
 * (shift is storage minus real bits).
 *
 * Buffer kind, as module parameter buffer: "dma" (the default) as above;
 * "dmaengine": each device sits on industrialio-buffer-dmaengine over a
 * channel of the software DMA controller in sim-dmac.c, as converters on
 * real boards do, and the controller's thread runs the converter. Same
 * pattern, checksum and knobs, except that the dmaengine buffer repeats no
 * cyclic block and (6.12, 7.2) signals a failed transfer's fence without an
 * error: sim_fail_next then gives a block with no data (bytes_used 0).
 *
 * Kernels: it builds on 6.1, 6.12 and 7.2; Kbuild tells what the tree
 * offers from its headers. Without IIO DMABUF (6.1) the ADC's DMA buffer
 * does read() only, the DAC sits on a kfifo (sim-kfifo.c), and
 * buffer=dmaengine is refused.
 */

#include <linux/delay.h>
#include <linux/dma-mapping.h>
#include <linux/hrtimer.h>
#include <linux/kthread.h>
#include <linux/mod_devicetable.h>
#include <linux/module.h>
#include <linux/platform_device.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#if __has_include(<linux/unaligned.h>)
#include <linux/unaligned.h>
#else /* before 6.12 */
#include <asm/unaligned.h>
#endif
#include <linux/version.h>
#include <linux/wait.h>

#include <linux/iio/buffer-dma.h>
#include <linux/iio/buffer_impl.h>
#include <linux/iio/iio.h>
#include <linux/iio/sysfs.h>

#include "sim-dmac.h"
#include "sim.h"

static char *buffer = "dma";
module_param(buffer, charp, 0444);
MODULE_PARM_DESC(buffer, "buffer kind: dma (the driver's own) or dmaengine (over sim-dmac)");
static unsigned int adc_channels = 4;
module_param(adc_channels, uint, 0444);
MODULE_PARM_DESC(adc_channels, "ADC channel count (1..8)");
static unsigned int adc_bits = 16;
module_param(adc_bits, uint, 0444);
MODULE_PARM_DESC(adc_bits, "ADC storage bits per sample (16 or 32)");
static unsigned int adc_realbits;
module_param(adc_realbits, uint, 0444);
MODULE_PARM_DESC(adc_realbits, "ADC real bits per sample (0: storage bits)");
static bool adc_timestamp;
module_param(adc_timestamp, bool, 0444);
MODULE_PARM_DESC(adc_timestamp, "ADC timestamp channel (in_timestamp)");
static unsigned int dac_channels = 2;
module_param(dac_channels, uint, 0444);
MODULE_PARM_DESC(dac_channels, "DAC channel count (1..8)");
static unsigned int dac_bits = 16;
module_param(dac_bits, uint, 0444);
MODULE_PARM_DESC(dac_bits, "DAC storage bits per sample (16 or 32)");
static unsigned int dac_realbits;
module_param(dac_realbits, uint, 0444);
MODULE_PARM_DESC(dac_realbits, "DAC real bits per sample (0: storage bits)");

static bool sim_is_output(struct sim_buffer *sb)
{
	return sb->queue.buffer.direction == IIO_BUFFER_DIRECTION_OUT;
}

#ifdef SIM_HAVE_DMABUF
static bool sim_block_fileio(const struct iio_dma_buffer_block *block)
{
	return block->fileio;
}

static struct sg_table *sim_block_sgt(const struct iio_dma_buffer_block *block)
{
	return block->sg_table;
}

static bool sim_block_cyclic(const struct iio_dma_buffer_block *block)
{
	return block->cyclic;
}
#else
/* Without IIO DMABUF every block is a fileio block in the buffer's memory. */
static bool sim_block_fileio(const struct iio_dma_buffer_block *block)
{
	return true;
}

static struct sg_table *sim_block_sgt(const struct iio_dma_buffer_block *block)
{
	return NULL;
}

static bool sim_block_cyclic(const struct iio_dma_buffer_block *block)
{
	return false;
}
#endif

unsigned int sim_enabled_channels(struct sim_state *st, unsigned int *idx)
{
	const unsigned long *mask = st->buf->indio_dev->active_scan_mask;
	unsigned int n = 0, i;

	if (!mask)
		return 0;
	for (i = 0; i < st->layout.channels; i++)
		if (test_bit(i, mask))
			idx[n++] = i;
	return n;
}

/* (the timestamp is not in the scan masks: each buffer says whether its
 * scan has it) */
static bool sim_timestamp_enabled(struct sim_state *st)
{
	struct iio_buffer *buffer = st->buf->indio_dev->buffer;

	return st->layout.timestamp && buffer && buffer->scan_timestamp;
}

size_t sim_scan_bytes(struct sim_state *st)
{
	unsigned int idx[SIM_MAX_CHANNELS];
	size_t bytes = sim_enabled_channels(st, idx) * (st->layout.bits / 8);

	if (!sim_timestamp_enabled(st))
		return bytes;
	/* the timestamp aligned to its 8 bytes, the scan to its largest */
	return ALIGN(bytes, 8) + 8;
}

/* Position in the ADC pattern: sample, enabled channel, byte of the value;
 * with the timestamp channel, byte of the scan (pos) and the times. */
struct sim_cursor {
	u64 sample;
	unsigned int chan;
	unsigned int byte;
	unsigned int nen;
	unsigned int bytes;
	unsigned int idx[SIM_MAX_CHANNELS];
	bool timestamp;
	unsigned int pos;
	unsigned int scan_bytes;
	s64 t0;		/* the time of sample0, on the timestamp's clock */
	u64 sample0;
	u32 rate;
	s32 ppm;
};

static u32 sim_cursor_value(const struct sim_cursor *cur)
{
	return (u32)(cur->sample + (u64)cur->idx[cur->chan] * SIM_CHANNEL_STEP);
}

static void sim_cursor_next(struct sim_cursor *cur)
{
	cur->byte = 0;
	if (++cur->chan == cur->nen) {
		cur->chan = 0;
		cur->sample++;
	}
}

/* One value of @bytes (2 or 4), little endian. */
static void sim_put_value(u8 *p, u32 v, unsigned int bytes)
{
	if (bytes == 2)
		put_unaligned_le16((u16)v, p);
	else
		put_unaligned_le32(v, p);
}

static void sim_fill_chunk(struct sim_cursor *cur, u8 *p, size_t len)
{
	while (len) {
		u32 v = sim_cursor_value(cur);

		if (cur->byte == 0 && len >= cur->bytes) {
			sim_put_value(p, v, cur->bytes);
			p += cur->bytes;
			len -= cur->bytes;
			sim_cursor_next(cur);
			continue;
		}
		/* A value split across two chunks: byte by byte. */
		*p++ = (u8)(v >> (8 * cur->byte));
		len--;
		if (++cur->byte == cur->bytes)
			sim_cursor_next(cur);
	}
}

/* Nanoseconds the sample clock takes for @n samples: at @rate, N ppm fast,
 * a sample lasts 10^6 / (10^6 + N) of its nominal time. */
static u64 sim_clock_ns(u64 n, u32 rate, s32 ppm)
{
	u64 ns = mul_u64_u32_div(n, NSEC_PER_SEC, rate);

	return mul_u64_u32_div(ns, 1000000, 1000000 + ppm);
}

/* Samples the clock takes in @ns: the inverse of sim_clock_ns(). */
static u64 sim_clock_samples(u64 ns, u32 rate, s32 ppm)
{
	u64 n = mul_u64_u32_div(ns, 1000000 + ppm, 1000000);

	return mul_u64_u32_div(n, rate, NSEC_PER_SEC);
}

/* One scan with the timestamp: the enabled channels' values, the time the
 * scan was taken, zero padding. */
static void sim_build_scan(const struct sim_cursor *cur, u8 *scan)
{
	s64 t = cur->t0 + (s64)sim_clock_ns(cur->sample - cur->sample0,
					      cur->rate, cur->ppm);
	unsigned int j;

	memset(scan, 0, cur->scan_bytes);
	for (j = 0; j < cur->nen; j++)
		sim_put_value(scan + j * cur->bytes,
			      (u32)(cur->sample + (u64)cur->idx[j] * SIM_CHANNEL_STEP),
			      cur->bytes);
	put_unaligned_le64((u64)t, scan + cur->scan_bytes - 8);
}

static void sim_fill_scans(struct sim_cursor *cur, u8 *p, size_t len)
{
	u8 scan[SIM_MAX_SCAN_BYTES];
	size_t n;

	while (len) {
		n = min_t(size_t, len, cur->scan_bytes - cur->pos);
		sim_build_scan(cur, scan);
		memcpy(p, scan + cur->pos, n);
		p += n;
		len -= n;
		cur->pos += n;
		if (cur->pos == cur->scan_bytes) {
			cur->pos = 0;
			cur->sample++;
		}
	}
}

static u64 sim_fnv1a(u64 hash, const u8 *p, size_t len)
{
	while (len--) {
		hash ^= *p++;
		hash *= FNV64_PRIME;
	}
	return hash;
}

/* Fills (ADC) or checksums (DAC) the first len bytes of a block, or of a
 * DMA controller's transfer. */
static void sim_fill(struct sim_cursor *cur, u8 *p, size_t len)
{
	if (cur->timestamp)
		sim_fill_scans(cur, p, len);
	else
		sim_fill_chunk(cur, p, len);
}

static u64 sim_transfer(struct sim_buffer *sb, struct iio_dma_buffer_block *block,
			const struct sim_dmac_xfer *x, size_t len,
			struct sim_cursor *cur, u64 hash)
{
	bool output = sim_is_output(sb);
	struct sg_mapping_iter miter;
	unsigned int i;
	size_t n;

	if (x) {
		for (i = 0; i < x->nsegs && len; i++) {
			n = min(len, x->segs[i].len);
			if (output)
				hash = sim_fnv1a(hash, x->segs[i].addr, n);
			else
				sim_fill(cur, x->segs[i].addr, n);
			len -= n;
		}
		return hash;
	}
	if (!sim_block_sgt(block)) {
		if (output)
			return sim_fnv1a(hash, block->vaddr, len);
		sim_fill(cur, block->vaddr, len);
		return hash;
	}

	sg_miter_start(&miter, sim_block_sgt(block)->sgl,
		       sim_block_sgt(block)->orig_nents,
		       output ? SG_MITER_FROM_SG : SG_MITER_TO_SG);
	while (len && sg_miter_next(&miter)) {
		n = min(len, miter.length);
		if (output)
			hash = sim_fnv1a(hash, miter.addr, n);
		else
			sim_fill(cur, miter.addr, n);
		len -= n;
	}
	sg_miter_stop(&miter);
	return hash;
}

/* Sleeps until @due, or until the buffer is aborted (or, with @until_queued, a block is queued). */
static bool sim_wait_until(struct sim_buffer *sb, ktime_t due, bool until_queued)
{
	s64 left;

	for (;;) {
		if (READ_ONCE(sb->aborting) || kthread_should_stop())
			return false;
		if (until_queued && !list_empty(&sb->active))
			return false;
		left = ktime_to_ns(ktime_sub(due, ktime_get()));
		if (left <= 0)
			return true;
		wait_event_hrtimeout(sb->wq,
				     READ_ONCE(sb->aborting) || kthread_should_stop() ||
				     (until_queued && !list_empty(&sb->active)),
				     ns_to_ktime(left));
	}
}

/* When the sample clock reaches the samples since sb->base. */
static ktime_t sim_due(struct sim_buffer *sb, u32 rate)
{
	struct sim_state *st = sim_buffer_state(sb);

	return ktime_add_ns(sb->base, sim_clock_ns(sb->samples_since_base, rate,
						   READ_ONCE(st->ppm)));
}

/* The converter's clock moves on by @n samples that no block took. */
static void sim_skip_samples(struct sim_buffer *sb, u64 n)
{
	if (!sb->running)
		return;
	sb->sample_index += n;
	sb->samples_since_base += n;
}

/* The ADC's samples whose time passed with no block to take them: the ones
 * due by @now when the queue ran dry, or when the "DMA" lags the clock by
 * more than 100 ms. */
static u64 sim_samples_missed(struct sim_buffer *sb, u32 rate, ktime_t now)
{
	struct sim_state *st = sim_buffer_state(sb);
	ktime_t due = sim_due(sb, rate);
	u64 taken;

	if (!ktime_after(now, sb->dry ? due : ktime_add_ms(due, 100)))
		return 0;
	taken = sim_clock_samples(ktime_to_ns(ktime_sub(now, sb->base)), rate,
				  READ_ONCE(st->ppm));
	return taken > sb->samples_since_base ? taken - sb->samples_since_base : 0;
}

/* Converts one block of the driver's own buffer, or (block NULL) one
 * transfer of the DMA controller: returns the bytes it moved. */
size_t sim_process(struct sim_buffer *sb, struct iio_dma_buffer_block *block,
		   const struct sim_dmac_xfer *x)
{
	struct sim_state *st = sim_buffer_state(sb);
	bool output = sim_is_output(sb);
	bool paced = !READ_ONCE(st->free_run);
	u32 rate = READ_ONCE(st->rate);
	struct sim_cursor cur = { 0 };
	ktime_t now = ktime_get();
	u64 lost = 0, underrun = 0, repeats = 0, samples = 0, hash;
	size_t len, sample_bytes;
	unsigned long flags;

	cur.bytes = st->layout.bits / 8;
	cur.nen = sim_enabled_channels(st, cur.idx);
	cur.timestamp = !output && sim_timestamp_enabled(st);
	sample_bytes = sim_scan_bytes(st);
	cur.scan_bytes = sample_bytes;
	if (x)
		len = x->len;
	else
		len = (output || !sim_block_fileio(block)) ? block->bytes_used : block->size;
	if (sample_bytes)
		samples = div_u64(len, sample_bytes);
	len = samples * sample_bytes;
	if (!output && block)
		block->bytes_used = len;

	if (!sb->running) {
		sb->running = true;
		sb->dry = false;
		sb->sample_index = 0;
		sb->base = now;
		sb->samples_since_base = 0;
		/* once: read per block, a preemption between the two reads
		 * would move the times by as much */
		sb->ts_offset = iio_get_time_ns(sb->indio_dev) - ktime_get_ns();
	} else if (output) {
		/* The DAC ran dry, or lags far behind its clock: it starts
		 * again from this block. */
		if (sb->dry)
			underrun = 1;
		if (sb->dry || (paced && ktime_after(now, ktime_add_ms(sim_due(sb, rate), 100)))) {
			sb->base = now;
			sb->samples_since_base = 0;
		}
	} else if (paced && ktime_after(sim_due(sb, rate), ktime_add_ms(now, 100))) {
		/* The clock is far ahead: its rate, sim_ppm or sim_free_run
		 * changed while it ran. It starts again from here. */
		sb->base = now;
		sb->samples_since_base = 0;
	} else if (paced) {
		/* The ADC's clock ran on: what it took with no block is lost. */
		lost = sim_samples_missed(sb, rate, now);
		sim_skip_samples(sb, lost);
	}
	sb->dry = false;

	if (atomic_add_unless(&st->leak_next, -1, 0)) {
		/* Planted: lost on purpose (tests/kernel-leaks must see it). */
		void *leak = kmalloc(128, GFP_KERNEL);

		pr_debug("iio-sim: planted leak %p\n", leak);
	}

	cur.sample = sb->sample_index;
	if (cur.timestamp) {
		cur.sample0 = sb->sample_index;
		cur.rate = rate;
		cur.ppm = READ_ONCE(st->ppm);
		cur.t0 = sb->ts_offset + ktime_to_ns(sb->base) +
			 (s64)sim_clock_ns(sb->samples_since_base, rate, cur.ppm);
	}
	spin_lock_irqsave(&st->stats_lock, flags);
	hash = st->checksum;
	spin_unlock_irqrestore(&st->stats_lock, flags);
	hash = sim_transfer(sb, block, x, len, &cur, hash);

	sb->sample_index += samples;
	sb->samples_since_base += samples;
	if (paced)
		sim_wait_until(sb, sim_due(sb, rate), false);

	if (output && block && sim_block_cyclic(block)) {
		while (sim_wait_until(sb, paced ? sim_due(sb, rate) :
				      ktime_add_ms(ktime_get(), 1), true)) {
			repeats++;
			sb->samples_since_base += samples;
		}
	}

	spin_lock_irqsave(&st->stats_lock, flags);
	st->blocks++;
	st->bytes += len;
	if (output)
		st->checksum = hash;
	st->samples_lost += lost;
	st->underruns += underrun;
	st->cyclic_repeats += repeats;
	spin_unlock_irqrestore(&st->stats_lock, flags);
	return len;
}

static bool sim_has_work(struct sim_buffer *sb)
{
	struct sim_state *st = sim_buffer_state(sb);

	return !list_empty(&sb->active) && !READ_ONCE(st->stall) &&
	       !READ_ONCE(sb->aborting);
}

void sim_fail_transfer(struct sim_buffer *sb, size_t bytes)
{
	struct sim_state *st = sim_buffer_state(sb);
	size_t sample_bytes = sim_scan_bytes(st);
	unsigned long flags;

	if (sample_bytes)
		sim_skip_samples(sb, div_u64(bytes, sample_bytes));
	spin_lock_irqsave(&st->stats_lock, flags);
	st->failed++;
	spin_unlock_irqrestore(&st->stats_lock, flags);
}

/*
 * Completes a DMABUF block with an error on its fence, as an abort does.
 * The converter ran on: the samples the block would have held are lost.
 */
static void sim_fail_block(struct sim_buffer *sb, struct iio_dma_buffer_block *block)
{
	LIST_HEAD(one);

	sim_fail_transfer(sb, block->bytes_used);
	list_add(&block->head, &one);
	iio_dma_buffer_block_list_abort(&sb->queue, &one);
}

static int sim_thread(void *data)
{
	struct sim_buffer *sb = data;
	struct sim_state *st = sim_buffer_state(sb);
	struct iio_dma_buffer_block *block;

	while (!kthread_should_stop()) {
		wait_event_interruptible(sb->wq, kthread_should_stop() ||
					 sim_has_work(sb));

		spin_lock_irq(&sb->queue.list_lock);
		block = NULL;
		if (sim_has_work(sb)) {
			block = list_first_entry(&sb->active,
						 struct iio_dma_buffer_block, head);
			list_del(&block->head);
			sb->cur = block;
		}
		spin_unlock_irq(&sb->queue.list_lock);
		if (!block)
			continue;

		if (!sim_block_fileio(block) && atomic_add_unless(&st->fail_next, -1, 0)) {
			sim_fail_block(sb, block);
		} else {
			sim_process(sb, block, NULL);
			iio_dma_buffer_block_done(block);
		}

		spin_lock_irq(&sb->queue.list_lock);
		sb->cur = NULL;
		if (list_empty(&sb->active))
			sb->dry = true;
		spin_unlock_irq(&sb->queue.list_lock);
		wake_up(&sb->idle_wq);
	}
	return 0;
}

static int sim_submit(struct iio_dma_buffer_queue *queue,
		      struct iio_dma_buffer_block *block)
{
	struct sim_buffer *sb = to_sim_buffer(&queue->buffer);

	spin_lock_irq(&queue->list_lock);
	list_add_tail(&block->head, &sb->active);
	spin_unlock_irq(&queue->list_lock);
	wake_up(&sb->wq);
	return 0;
}

/* Called with queue->lock held when the buffer is disabled or the device goes. */
static void sim_abort(struct iio_dma_buffer_queue *queue)
{
	struct sim_buffer *sb = to_sim_buffer(&queue->buffer);

	WRITE_ONCE(sb->aborting, true);
	wake_up(&sb->wq);
	wait_event(sb->idle_wq, !READ_ONCE(sb->cur));
	iio_dma_buffer_block_list_abort(queue, &sb->active);
	sb->running = false;
	WRITE_ONCE(sb->aborting, false);
}

bool sim_on_dmaengine(void)
{
	return !strcmp(buffer, "dmaengine");
}

unsigned int sim_queued(struct sim_state *st)
{
	struct iio_dma_buffer_block *block;
	unsigned long flags;
	unsigned int n = 0;

	if (sim_on_dmaengine())
		return sim_dmac_queued(st->output);
	if (st->buf->kfifo)
		return 0;
	spin_lock_irqsave(&st->buf->queue.list_lock, flags);
	list_for_each_entry(block, &st->buf->active, head)
		n++;
	spin_unlock_irqrestore(&st->buf->queue.list_lock, flags);
	return n;
}

static void sim_buffer_release(struct iio_buffer *buffer)
{
	struct sim_buffer *sb = to_sim_buffer(buffer);

	iio_dma_buffer_release(&sb->queue);
	kfree(sb);
}

static const struct iio_buffer_access_funcs sim_buffer_access = {
	.read = iio_dma_buffer_read,
	.set_bytes_per_datum = iio_dma_buffer_set_bytes_per_datum,
	.set_length = iio_dma_buffer_set_length,
	.request_update = iio_dma_buffer_request_update,
	.enable = iio_dma_buffer_enable,
	.disable = iio_dma_buffer_disable,
#ifdef SIM_HAVE_DMA_USAGE
	.data_available = iio_dma_buffer_usage,
#else
	.data_available = iio_dma_buffer_data_available,
#endif
#ifdef SIM_HAVE_DMA_WRITE
	.write = iio_dma_buffer_write,
	.space_available = iio_dma_buffer_usage,
#endif
	.release = sim_buffer_release,

#ifdef SIM_HAVE_DMABUF
	.enqueue_dmabuf = iio_dma_buffer_enqueue_dmabuf,
	.attach_dmabuf = iio_dma_buffer_attach_dmabuf,
	.detach_dmabuf = iio_dma_buffer_detach_dmabuf,
	.lock_queue = iio_dma_buffer_lock_queue,
	.unlock_queue = iio_dma_buffer_unlock_queue,
	.get_dma_dev = iio_dma_buffer_get_dma_dev,
#endif

	.modes = INDIO_BUFFER_HARDWARE,
	.flags = INDIO_BUFFER_FLAG_FIXED_WATERMARK,
};

static const struct iio_dma_buffer_ops sim_dma_ops = {
	.submit = sim_submit,
	.abort = sim_abort,
};

/* devm teardown, after the IIO device is unregistered (buffer disabled). */
static void sim_buffer_teardown(void *data)
{
	struct sim_buffer *sb = data;

	kthread_stop(sb->thread);
	iio_dma_buffer_exit(&sb->queue);
	iio_buffer_put(&sb->queue.buffer);
}

static int sim_probe(struct platform_device *pdev)
{
	struct device *dev = &pdev->dev;
	bool output = platform_get_device_id(pdev)->driver_data;
	struct iio_dev *indio_dev;
	struct sim_buffer *sb;
	struct sim_state *st;
	int ret;

	indio_dev = devm_iio_device_alloc(dev, sizeof(*st));
	if (!indio_dev)
		return -ENOMEM;
	st = iio_priv(indio_dev);
	st->output = output;
	st->layout.channels = output ? dac_channels : adc_channels;
	st->layout.bits = output ? dac_bits : adc_bits;
	st->layout.realbits = output ? dac_realbits : adc_realbits;
	if (!st->layout.realbits)
		st->layout.realbits = st->layout.bits;
	st->layout.timestamp = !output && adc_timestamp;
	ret = sim_layout_check(dev, &st->layout);
	if (ret)
		return ret;
	st->rate = SIM_DEFAULT_RATE;
	st->checksum = FNV64_OFFSET;
	spin_lock_init(&st->stats_lock);
	atomic_set(&st->fail_next, 0);
	atomic_set(&st->leak_next, 0);
	sim_init_channels(st);

	indio_dev->name = output ? "iio-sim-dac" : "iio-sim-adc";
	indio_dev->label = output ? "sim-dac" : "sim-adc";
	indio_dev->info = &sim_info;
	indio_dev->channels = st->channels;
	indio_dev->num_channels = st->layout.channels + st->layout.timestamp;
	indio_dev->modes = INDIO_BUFFER_HARDWARE;

	sb = kzalloc(sizeof(*sb), GFP_KERNEL);
	if (!sb)
		return -ENOMEM;
	sb->indio_dev = indio_dev;
	INIT_LIST_HEAD(&sb->active);
	init_waitqueue_head(&sb->wq);
	init_waitqueue_head(&sb->idle_wq);
	if (sim_on_dmaengine())
		return sim_probe_dmaengine(dev, indio_dev, sb);
#ifndef SIM_HAVE_DMA_WRITE
	if (output) {
		ret = sim_kfifo_setup(dev, indio_dev, sb);
		return ret ?: devm_iio_device_register(dev, indio_dev);
	}
#endif
	iio_dma_buffer_init(&sb->queue, dev, &sim_dma_ops);
	sb->queue.buffer.access = &sim_buffer_access;
	sb->queue.buffer.direction = output ? IIO_BUFFER_DIRECTION_OUT :
					      IIO_BUFFER_DIRECTION_IN;
	st->buf = sb;

	sb->thread = kthread_run(sim_thread, sb, "%s", indio_dev->name);
	if (IS_ERR(sb->thread)) {
		ret = PTR_ERR(sb->thread);
		iio_buffer_put(&sb->queue.buffer);
		return ret;
	}
	ret = devm_add_action_or_reset(dev, sim_buffer_teardown, sb);
	if (ret)
		return ret;

	ret = iio_device_attach_buffer(indio_dev, &sb->queue.buffer);
	if (ret)
		return ret;

	return devm_iio_device_register(dev, indio_dev);
}

static const struct platform_device_id sim_ids[] = {
	{ .name = "iio-sim-adc", .driver_data = false },
	{ .name = "iio-sim-dac", .driver_data = true },
	{ }
};
MODULE_DEVICE_TABLE(platform, sim_ids);

static struct platform_driver sim_driver = {
	.driver = {
		.name = "iio-sim",
	},
	.probe = sim_probe,
	.id_table = sim_ids,
};

static struct platform_device *sim_pdevs[2];

static void sim_unregister_devices(void)
{
	int i;

	for (i = ARRAY_SIZE(sim_pdevs) - 1; i >= 0; i--) {
		if (!IS_ERR_OR_NULL(sim_pdevs[i]))
			platform_device_unregister(sim_pdevs[i]);
		sim_pdevs[i] = NULL;
	}
}

static int __init sim_init(void)
{
	struct platform_device_info info = {
		.id = PLATFORM_DEVID_NONE,
		.dma_mask = DMA_BIT_MASK(64),
	};
	unsigned int i;
	int ret;

	if (strcmp(buffer, "dma") && !sim_on_dmaengine()) {
		pr_err("iio-sim: buffer=%s: want dma or dmaengine\n", buffer);
		return -EINVAL;
	}
#ifndef SIM_HAVE_DMABUF
	if (sim_on_dmaengine()) {
		pr_err("iio-sim: buffer=dmaengine needs IIO DMABUF (Linux 6.11)\n");
		return -EINVAL;
	}
#endif
	ret = sim_dmac_init();
	if (ret)
		return ret;
	ret = platform_driver_register(&sim_driver);
	if (ret) {
		sim_dmac_exit();
		return ret;
	}

	for (i = 0; i < ARRAY_SIZE(sim_pdevs); i++) {
		info.name = sim_ids[i].name;
		sim_pdevs[i] = platform_device_register_full(&info);
		if (IS_ERR(sim_pdevs[i])) {
			ret = PTR_ERR(sim_pdevs[i]);
			sim_unregister_devices();
			platform_driver_unregister(&sim_driver);
			sim_dmac_exit();
			return ret;
		}
	}
	return 0;
}
module_init(sim_init);

static void __exit sim_exit(void)
{
	sim_unregister_devices();
	platform_driver_unregister(&sim_driver);
	sim_dmac_exit();
}
module_exit(sim_exit);

MODULE_DESCRIPTION("Software IIO ADC and DAC on the IIO DMA buffer, for tests");
MODULE_LICENSE("GPL");
/* Symbol namespaces are string literals since 6.13. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 13, 0)
MODULE_IMPORT_NS("IIO_DMA_BUFFER");
MODULE_IMPORT_NS("IIO_DMAENGINE_BUFFER");
#else
MODULE_IMPORT_NS(IIO_DMA_BUFFER);
MODULE_IMPORT_NS(IIO_DMAENGINE_BUFFER);
#endif
