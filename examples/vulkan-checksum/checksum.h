/* The checksum of checksum.comp on the CPU, for expected values (no Vulkan).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef VKC_CHECKSUM_H
#define VKC_CHECKSUM_H

#include <glib.h>

G_BEGIN_DECLS

/**
 * vkc_checksum_cpu:
 * @data: the bytes, read as little-endian 32-bit words
 * @n_bytes: how many; a multiple of 4 (a tail shorter than a word is ignored)
 * @sum1: (out): the sum of the words, mod 2^32
 * @sum2: (out): the sum of word i times (i + 1), i from 0, mod 2^32
 *
 * What checksum.comp computes over the same words: sum2 weighs each word by
 * its place, so words swapped or moved change it.
 */
void vkc_checksum_cpu (
    const guint8 *data, gsize n_bytes, guint32 *sum1, guint32 *sum2);

G_END_DECLS

#endif /* VKC_CHECKSUM_H */
