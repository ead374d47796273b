// SPDX-License-Identifier: GPL-2.0-only
/*
 * iio-sim: the converters' IIO side, their channels with raw, scale and
 * offset, sampling_frequency and the sim_* knobs and counters (see
 * sim-core.c for what they mean).
 */

#include <linux/device.h>
#include <linux/iio/iio.h>
#include <linux/iio/sysfs.h>
#include <linux/kernel.h>
#include <linux/sysfs.h>

#include "sim.h"

/*
 * A single conversion, as a real converter's raw attribute gives one: the
 * ADC answers the pattern's value at the sample index its clock stands at
 * (0 before the first capture); the DAC holds the last value written. Both
 * are busy while the buffer runs, as drivers that share one converter
 * between direct reads and the buffer are.
 */
static bool sim_claim_direct(struct iio_dev *indio_dev)
{
#ifdef SIM_HAVE_CLAIM_DIRECT_BOOL
	return iio_device_claim_direct(indio_dev);
#else
	return iio_device_claim_direct_mode(indio_dev) == 0;
#endif
}

static void sim_release_direct(struct iio_dev *indio_dev)
{
#ifdef SIM_HAVE_CLAIM_DIRECT_BOOL
	iio_device_release_direct(indio_dev);
#else
	iio_device_release_direct_mode(indio_dev);
#endif
}

/* The ADC pattern's sample @s of channel @c, as a consumer decodes it:
 * storage bits, shifted down, sign-extended from the real bits. */
static int sim_adc_raw(const struct sim_state *st, unsigned int c, u64 s)
{
	u32 v = (u32)(s + (u64)c * SIM_CHANNEL_STEP);

	if (st->layout.bits < 32)
		v &= BIT(st->layout.bits) - 1;
	v >>= st->layout.bits - st->layout.realbits;
	return sign_extend32(v, st->layout.realbits - 1);
}

static int sim_read_raw(struct iio_dev *indio_dev,
			struct iio_chan_spec const *chan,
			int *val, int *val2, long mask)
{
	struct sim_state *st = iio_priv(indio_dev);

	switch (mask) {
	case IIO_CHAN_INFO_SAMP_FREQ:
		*val = READ_ONCE(st->rate);
		return IIO_VAL_INT;
	case IIO_CHAN_INFO_RAW:
		if (!sim_claim_direct(indio_dev))
			return -EBUSY;
		if (st->output)
			*val = st->dac_raw[chan->scan_index];
		else
			*val = sim_adc_raw(st, chan->scan_index,
					   READ_ONCE(st->buf->sample_index));
		sim_release_direct(indio_dev);
		return IIO_VAL_INT;
	case IIO_CHAN_INFO_SCALE:
		/* millivolts per LSB over a bipolar +-SIM_VREF_MV range */
		*val = SIM_VREF_MV;
		*val2 = st->layout.realbits - 1;
		return IIO_VAL_FRACTIONAL_LOG2;
	case IIO_CHAN_INFO_OFFSET:
		*val = 0;
		return IIO_VAL_INT;
	default:
		return -EINVAL;
	}
}

static int sim_write_raw(struct iio_dev *indio_dev,
			 struct iio_chan_spec const *chan,
			 int val, int val2, long mask)
{
	struct sim_state *st = iio_priv(indio_dev);
	s64 half;

	switch (mask) {
	case IIO_CHAN_INFO_SAMP_FREQ:
		if (val < 1 || val > SIM_MAX_RATE || val2)
			return -EINVAL;
		WRITE_ONCE(st->rate, val);
		return 0;
	case IIO_CHAN_INFO_RAW:
		half = BIT_ULL(st->layout.realbits - 1);
		if (!st->output || val2 || val < -half || val >= half)
			return -EINVAL;
		if (!sim_claim_direct(indio_dev))
			return -EBUSY;
		st->dac_raw[chan->scan_index] = val;
		sim_release_direct(indio_dev);
		return 0;
	default:
		return -EINVAL;
	}
}

enum sim_attr {
	SIM_FREE_RUN,
	SIM_STALL,
	SIM_FAIL_NEXT,
	SIM_RESET,
	SIM_BLOCKS,
	SIM_BYTES,
	SIM_CHECKSUM,
	SIM_SAMPLES_LOST,
	SIM_CYCLIC_REPEATS,
	SIM_UNDERRUNS,
	SIM_FAILED,
	SIM_QUEUED,
	SIM_WARN,
	SIM_LEAK_NEXT,
	SIM_FAIL_ENABLE,
};

static ssize_t sim_attr_show(struct device *dev, struct device_attribute *attr,
			     char *buf)
{
	struct sim_state *st = iio_priv(dev_to_iio_dev(dev));
	unsigned long flags;
	u64 v = 0;

	if ((enum sim_attr)to_iio_dev_attr(attr)->address == SIM_QUEUED)
		return sysfs_emit(buf, "%u\n", sim_queued(st));
	spin_lock_irqsave(&st->stats_lock, flags);
	switch ((enum sim_attr)to_iio_dev_attr(attr)->address) {
	case SIM_FREE_RUN:
		v = st->free_run;
		break;
	case SIM_STALL:
		v = st->stall;
		break;
	case SIM_FAIL_NEXT:
		v = atomic_read(&st->fail_next);
		break;
	case SIM_LEAK_NEXT:
		v = atomic_read(&st->leak_next);
		break;
	case SIM_FAIL_ENABLE:
		v = atomic_read(&st->fail_enable);
		break;
	case SIM_BLOCKS:
		v = st->blocks;
		break;
	case SIM_BYTES:
		v = st->bytes;
		break;
	case SIM_CHECKSUM:
		v = st->checksum;
		spin_unlock_irqrestore(&st->stats_lock, flags);
		return sysfs_emit(buf, "0x%016llx\n", v);
	case SIM_SAMPLES_LOST:
		v = st->samples_lost;
		break;
	case SIM_CYCLIC_REPEATS:
		v = st->cyclic_repeats;
		break;
	case SIM_UNDERRUNS:
		v = st->underruns;
		break;
	case SIM_FAILED:
		v = st->failed;
		break;
	default:
		v = 0;
		break;
	}
	spin_unlock_irqrestore(&st->stats_lock, flags);
	return sysfs_emit(buf, "%llu\n", v);
}

static ssize_t sim_attr_store(struct device *dev, struct device_attribute *attr,
			      const char *buf, size_t len)
{
	struct sim_state *st = iio_priv(dev_to_iio_dev(dev));
	unsigned long flags;
	unsigned int val;
	int ret;

	ret = kstrtouint(buf, 0, &val);
	if (ret)
		return ret;

	switch ((enum sim_attr)to_iio_dev_attr(attr)->address) {
	case SIM_FREE_RUN:
		WRITE_ONCE(st->free_run, !!val);
		break;
	case SIM_STALL:
		WRITE_ONCE(st->stall, !!val);
		break;
	case SIM_FAIL_NEXT:
		atomic_set(&st->fail_next, val);
		break;
	case SIM_LEAK_NEXT:
		atomic_set(&st->leak_next, val);
		break;
	case SIM_FAIL_ENABLE:
		atomic_set(&st->fail_enable, val);
		break;
	case SIM_WARN:
		/* for the test that the guest's kernel-log check can fail */
		if (val != 1)
			return -EINVAL;
		WARN(1, "iio-sim: planted warning (sim_warn)\n");
		return len;
	case SIM_RESET:
		if (val != 1)
			return -EINVAL;
		spin_lock_irqsave(&st->stats_lock, flags);
		st->blocks = 0;
		st->bytes = 0;
		st->checksum = FNV64_OFFSET;
		st->samples_lost = 0;
		st->cyclic_repeats = 0;
		st->underruns = 0;
		st->failed = 0;
		spin_unlock_irqrestore(&st->stats_lock, flags);
		break;
	default:
		return -EINVAL;
	}
	wake_up(&st->buf->wq);
	return len;
}

static ssize_t sim_ppm_show(struct device *dev, struct device_attribute *attr,
			    char *buf)
{
	struct sim_state *st = iio_priv(dev_to_iio_dev(dev));

	return sysfs_emit(buf, "%d\n", READ_ONCE(st->ppm));
}

static ssize_t sim_ppm_store(struct device *dev, struct device_attribute *attr,
			     const char *buf, size_t len)
{
	struct sim_state *st = iio_priv(dev_to_iio_dev(dev));
	int val, ret;

	ret = kstrtoint(buf, 0, &val);
	if (ret)
		return ret;
	if (val < -100000 || val > 100000)
		return -EINVAL;
	WRITE_ONCE(st->ppm, val);
	return len;
}

static IIO_DEVICE_ATTR(sim_free_run, 0644, sim_attr_show, sim_attr_store, SIM_FREE_RUN);
static IIO_DEVICE_ATTR(sim_ppm, 0644, sim_ppm_show, sim_ppm_store, 0);
static IIO_DEVICE_ATTR(sim_stall, 0644, sim_attr_show, sim_attr_store, SIM_STALL);
static IIO_DEVICE_ATTR(sim_fail_next, 0644, sim_attr_show, sim_attr_store, SIM_FAIL_NEXT);
static IIO_DEVICE_ATTR(sim_reset, 0200, NULL, sim_attr_store, SIM_RESET);
static IIO_DEVICE_ATTR(sim_blocks, 0444, sim_attr_show, NULL, SIM_BLOCKS);
static IIO_DEVICE_ATTR(sim_bytes, 0444, sim_attr_show, NULL, SIM_BYTES);
static IIO_DEVICE_ATTR(sim_checksum, 0444, sim_attr_show, NULL, SIM_CHECKSUM);
static IIO_DEVICE_ATTR(sim_samples_lost, 0444, sim_attr_show, NULL, SIM_SAMPLES_LOST);
static IIO_DEVICE_ATTR(sim_cyclic_repeats, 0444, sim_attr_show, NULL, SIM_CYCLIC_REPEATS);
static IIO_DEVICE_ATTR(sim_underruns, 0444, sim_attr_show, NULL, SIM_UNDERRUNS);
static IIO_DEVICE_ATTR(sim_failed, 0444, sim_attr_show, NULL, SIM_FAILED);
static IIO_DEVICE_ATTR(sim_queued, 0444, sim_attr_show, NULL, SIM_QUEUED);
static IIO_DEVICE_ATTR(sim_warn, 0200, NULL, sim_attr_store, SIM_WARN);
static IIO_DEVICE_ATTR(sim_leak_next, 0644, sim_attr_show, sim_attr_store, SIM_LEAK_NEXT);
static IIO_DEVICE_ATTR(sim_fail_enable, 0644, sim_attr_show, sim_attr_store, SIM_FAIL_ENABLE);

static struct attribute *sim_attrs[] = {
	&iio_dev_attr_sim_free_run.dev_attr.attr,
	&iio_dev_attr_sim_ppm.dev_attr.attr,
	&iio_dev_attr_sim_stall.dev_attr.attr,
	&iio_dev_attr_sim_fail_next.dev_attr.attr,
	&iio_dev_attr_sim_reset.dev_attr.attr,
	&iio_dev_attr_sim_blocks.dev_attr.attr,
	&iio_dev_attr_sim_bytes.dev_attr.attr,
	&iio_dev_attr_sim_checksum.dev_attr.attr,
	&iio_dev_attr_sim_samples_lost.dev_attr.attr,
	&iio_dev_attr_sim_cyclic_repeats.dev_attr.attr,
	&iio_dev_attr_sim_underruns.dev_attr.attr,
	&iio_dev_attr_sim_failed.dev_attr.attr,
	&iio_dev_attr_sim_queued.dev_attr.attr,
	&iio_dev_attr_sim_warn.dev_attr.attr,
	&iio_dev_attr_sim_leak_next.dev_attr.attr,
	&iio_dev_attr_sim_fail_enable.dev_attr.attr,
	NULL
};

static const struct attribute_group sim_attr_group = {
	.attrs = sim_attrs,
};

/*
 * The core calls this after the buffer's request_update and before it
 * enables the buffer: a failure here is a device that would not start
 * (sim_fail_enable), after the DMA buffer has set up its fileio blocks.
 */
static int sim_update_scan_mode(struct iio_dev *indio_dev,
				const unsigned long *scan_mask)
{
	struct sim_state *st = iio_priv(indio_dev);

	if (atomic_add_unless(&st->fail_enable, -1, 0))
		return -EIO;
	return 0;
}

const struct iio_info sim_info = {
	.read_raw = sim_read_raw,
	.write_raw = sim_write_raw,
	.update_scan_mode = sim_update_scan_mode,
	.attrs = &sim_attr_group,
};

int sim_layout_check(struct device *dev, const struct sim_layout *l)
{
	if (l->channels < 1 || l->channels > SIM_MAX_CHANNELS ||
	    (l->bits != 16 && l->bits != 32) ||
	    l->realbits < 1 || l->realbits > l->bits)
		return dev_err_probe(dev, -EINVAL, "bad layout %u x %u/%u bits\n",
				     l->channels, l->realbits, l->bits);
	return 0;
}

void sim_init_channels(struct sim_state *st)
{
	unsigned int i;

	for (i = 0; i < st->layout.channels; i++) {
		struct iio_chan_spec *ch = &st->channels[i];

		ch->type = IIO_VOLTAGE;
		ch->indexed = 1;
		ch->channel = i;
		ch->output = st->output;
		ch->scan_index = i;
		ch->info_mask_separate = BIT(IIO_CHAN_INFO_RAW) |
					 BIT(IIO_CHAN_INFO_SCALE) |
					 BIT(IIO_CHAN_INFO_OFFSET);
		ch->info_mask_shared_by_all = BIT(IIO_CHAN_INFO_SAMP_FREQ);
		ch->scan_type.sign = 's';
		ch->scan_type.realbits = st->layout.realbits;
		ch->scan_type.storagebits = st->layout.bits;
		ch->scan_type.shift = st->layout.bits - st->layout.realbits;
		ch->scan_type.endianness = IIO_LE;
	}
	if (st->layout.timestamp) {
		struct iio_chan_spec ts = IIO_CHAN_SOFT_TIMESTAMP(st->layout.channels);

		st->channels[st->layout.channels] = ts;
	}
}
