/* Helpers for the guest suites: the iio-sim test driver's sysfs knobs and
 * its ADC pattern, and a pool of dma-heap dma-bufs that stands for a peer
 * offering dma-bufs.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __IIOSIM_H__
#define __IIOSIM_H__

#include <gst/gst.h>

G_BEGIN_DECLS

#define IIOSIM_CHANNEL_STEP 0x1000

/* sysfs path of the device named @name (iio-sim-adc, ...), or NULL. */
gchar *iiosim_device_dir (const gchar *name);
/* Writes @value to attribute @attr of device @name; asserts success. */
void iiosim_write (const gchar *name, const gchar *attr, const gchar *value);
guint64 iiosim_read_u64 (const gchar *name, const gchar *attr);
/* Whether the device @name sits on industrialio-buffer-dmaengine (the
 * driver loaded with buffer=dmaengine), told by the attribute only that
 * buffer has: length_align_bytes. */
gboolean iiosim_on_dmaengine (const gchar *name);
/* Reloads the test driver with module parameters (e.g. "adc_bits=32"). */
void iiosim_reload (const gchar *params);
/* Unbinds / binds the test driver from its platform device @name
 * ("iio-sim-adc", "iio-sim-dac"): the IIO device goes away / comes back. */
void iiosim_unbind (const gchar *name);
void iiosim_bind (const gchar *name);
/* Creates (or finds) an iio_dummy device (kfifo buffer) named @name,
 * driven by an hrtimer trigger at @hz. */
void iiosim_dummy_create (const gchar *name, guint hz);
/* Stops it: its trigger is detached. The device and the trigger stay until
 * the guest powers off: removing a software IIO device or trigger through
 * configfs (rmdir) writes to freed memory in 6.12 to 7.2 (their drop_item
 * frees the item, then configfs puts it; docs/kernel-notes.md). */
void iiosim_dummy_stop (const gchar *name);

/* Checks one buffer of interleaved samples against the ADC pattern:
 * channel j of the @n_channels (scan indices in @idx) of sample s holds
 * (first + s + idx[j] * 0x1000) truncated to @bytes. Returns the number of
 * wrong values. */
guint64 iiosim_check_pattern (const guint8 *data, gsize size, guint bytes,
    guint n_channels, const guint *idx, guint64 first);

/* An element error or warning in two halves: @text one short line for
 * users, @debug the details. */
void iiosim_check_two_halves (const gchar *text, const gchar *debug);
/* Sets the gst-launch pipeline @desc to PLAYING and expects an error
 * message whose text holds @what; with @at_once, the state change itself
 * must fail (an error at READY). */
void iiosim_expect_error (
    const gchar *desc, const gchar *what, gboolean at_once);

/* Sets the gst-launch pipeline @desc to PLAYING and waits for the first
 * message of @type (GST_MESSAGE_ERROR or _WARNING) for up to 10 s: its
 * debug text must hold @debug (unless NULL), and its text each of the
 * strings that follow, up to a NULL. */
void iiosim_expect_message (const gchar *desc, GstMessageType type,
    const gchar *debug, ...) G_GNUC_NULL_TERMINATED;

/* Runs the gst-launch pipeline @desc until EOS (an error or a warning, or
 * no EOS within @timeout, fails the test); returns it, back in NULL, for
 * its elements' stats. */
GstElement *iiosim_run_to_eos (const gchar *desc, GstClockTime timeout);
/* Waits up to @timeout for EOS of the running @pipe; an error or a warning
 * first (or nothing) fails the test, naming @what. */
void iiosim_wait_eos (
    GstElement *pipe, GstClockTime timeout, const gchar *what);

/* The file at @path holds @size bytes of the ADC's pattern from @offset
 * on: @n_channels channels (0, 1, ...) of 16 bits, from sample @first_sample.
 * The file is removed. */
void iiosim_check_file (const gchar *path, gsize offset, gsize size,
    guint n_channels, guint64 first_sample);

/* As an unprivileged user (uid/gid 65534, in a child process), taking an
 * element of @factory on @device to READY fails with a RESOURCE error of
 * @code whose message says "Permission denied". */
void iiosim_expect_permission_denied (
    const gchar *factory, const gchar *device, gint code);

/* Open fds of this process, and its resident memory in KiB. */
guint iiosim_count_fds (void);
/* Of those, the sync_files of transfers (the elements close those of
 * completed transfers in batches of up to IIOSIM_SYNC_FILE_BATCH). */
guint iiosim_count_sync_files (void);
#define IIOSIM_SYNC_FILE_BATCH 64
guint iiosim_rss_kib (void);
/* The most RSS may grow over a leak check: 2 MiB; unbounded when built with
 * AddressSanitizer, whose quarantine keeps freed memory resident (the
 * plain build checks the bound, the sanitizer build checks use and fds). */
#if defined(__SANITIZE_ADDRESS__)
#define IIOSIM_RSS_SLACK_KIB G_MAXUINT32
#else
#define IIOSIM_RSS_SLACK_KIB 2048
#endif

/* A GstBufferPool of dma-heap dma-bufs (GstDmaBufAllocator memory),
 * independent of the plugin's own pool; records every dma-buf inode it
 * made in @inodes (a GHashTable of guint64*) if not NULL. */
GstBufferPool *iiosim_heap_pool_new (GHashTable *inodes);
/* One dma-buf of @size from the system dma-heap, as @allocator's memory
 * (a GstDmaBufAllocator); NULL when the heap cannot allocate. */
GstMemory *iiosim_heap_memory (GstAllocator *allocator, gsize size);
/* Attaches one 4 KiB dma-heap dma-buf to buffer 0 of @name and detaches
 * it: 0, or the attach's errno (EBUSY: the buffer is in fileio mode). */
gint iiosim_try_attach (const gchar *name);
/* Makes the next enable of @name fail in the driver (sim_fail_enable),
 * after the DMA buffer's request_update, with channel 0 selected and
 * @length scans: enables it from sysfs and returns the errno (checked
 * consumed and disabled); channel 0 is deselected again. */
gint iiosim_fail_one_enable (const gchar *name, const gchar *length);
guint64 iiosim_dmabuf_inode (GstBuffer *buffer);
/* Makes @pad answer the allocation query that reaches it with @pool,
 * configured for the query's caps, @size, @min and @max (a peer that offers
 * its pool). */
void iiosim_offer_pool (
    GstPad *pad, GstBufferPool *pool, guint size, guint min, guint max);
/* While @starved, the pool gives no buffer (GST_FLOW_EOS), as if its
 * user held every one. */
void iiosim_heap_pool_set_starved (GstBufferPool *pool, gboolean starved);

/* The DAC's checksum: FNV-1a 64 over every byte it consumed since
 * sim_reset, which starts it at IIOSIM_FNV_OFFSET. */
#define IIOSIM_FNV_OFFSET G_GUINT64_CONSTANT (0xcbf29ce484222325)
guint64 iiosim_fnv1a (guint64 hash, const guint8 *data, gsize size);
/* The FNV-1a of @n_samples samples of the ADC pattern on the channels of
 * scan index 0 and 1, 16 bits each: what the DAC sums when it plays them. */
guint64 iiosim_pattern_fnv (guint64 n_samples);
/* Writes @n scans of that pattern (channels 0 and 1, 16 bits each) from
 * sample @first into @data (4 * @n bytes): what the ADC fills a buffer with. */
void iiosim_pattern_fill (guint8 *data, guint64 first, guint n);

/* Waits up to @timeout for EOS of @pipe: each warning (two halves) goes
 * into @warnings as a line "<source's name>: <text>"; an error, or no EOS,
 * fails the test, naming @what. */
void iiosim_wait_eos_collecting (GstElement *pipe, GstClockTime timeout,
    const gchar *what, GString *warnings);
/* Waits up to @timeout for EOS of @pipe, where the DAC may run dry: the
 * sink's underrun warnings are counted and returned, any other warning or
 * error fails the test, naming @what. */
guint iiosim_wait_eos_counting_underruns (
    GstElement *pipe, GstClockTime timeout, const gchar *what);
/* The DAC played @want bytes whose FNV-1a (from IIOSIM_FNV_OFFSET) is
 * @hash, then at most the silence that completes its last block (under
 * 64 KiB of zeros); fails the test otherwise. Returns the bytes played. */
guint64 iiosim_check_dac_played (guint64 want, guint64 hash);

/* A field of an element's "stats" structure, as a guint64 (from a guint64
 * or guint field; asserts it is there) or a string (g_free it). */
guint64 iiosim_stat_u64 (GstElement *element, const gchar *field);
gchar *iiosim_stat_string (GstElement *element, const gchar *field);
/* A gdouble field of an element's "stats" (asserts it is there). */
gdouble iiosim_stat_double (GstElement *element, const gchar *field);

G_END_DECLS

#endif
