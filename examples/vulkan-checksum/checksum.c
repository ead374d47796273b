/* The checksum of checksum.comp on the CPU (checksum.h).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "checksum.h"

#include <string.h>

void
vkc_checksum_cpu (
    const guint8 *data, gsize n_bytes, guint32 *sum1, guint32 *sum2)
{
  guint32 s1 = 0, s2 = 0;
  gsize i;

  for (i = 0; i < n_bytes / 4; i++) {
    guint32 w;

    memcpy (&w, data + 4 * i, sizeof (w));
    w = GUINT32_FROM_LE (w);
    s1 += w;
    s2 += w * (guint32)(i + 1);
  }
  *sum1 = s1;
  *sum2 = s2;
}
