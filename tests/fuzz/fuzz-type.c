/* libFuzzer target: gst_iio_channel_parse_type() on any text a driver's
 * <scan element>_type could hold. What it accepts must keep the documented
 * bounds and read back the same from the kernel's own spelling; what it
 * refuses must leave the channel untouched.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "fuzz.h"

#include "gstiiodevice.h"

#include <string.h>

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree gchar *type = fuzz_string (data, size);
  g_autoptr (GString) canonical = NULL;
  GstIioChannel ch, before, again;

  fuzz_init ();
  memset (&ch, 0xa5, sizeof (ch));
  before = ch;
  if (!gst_iio_channel_parse_type (type, &ch)) {
    g_assert (memcmp (&ch, &before, sizeof (ch)) == 0);
    return 0;
  }

  g_assert (ch.storagebits >= 8 && ch.storagebits <= 64);
  g_assert (ch.storagebits % 8 == 0);
  g_assert (ch.realbits >= 1 && ch.realbits <= ch.storagebits);
  g_assert (ch.shift + ch.realbits <= ch.storagebits);
  g_assert (ch.repeat >= 1 && ch.repeat <= 64);
  g_assert (ch.big_endian == TRUE || ch.big_endian == FALSE);
  g_assert (ch.is_signed == TRUE || ch.is_signed == FALSE);
  /* the fields the parser does not own stay as they were */
  g_assert (ch.id == before.id && ch.type == before.type);
  g_assert (ch.index == before.index && ch.offset == before.offset);

  /* how the kernel prints it (iio_show_fixed_type()) parses the same */
  canonical = g_string_new (NULL);
  g_string_append_printf (canonical, "%s:%c%u/%u", ch.big_endian ? "be" : "le",
      ch.is_signed ? 's' : 'u', ch.realbits, ch.storagebits);
  if (ch.repeat > 1)
    g_string_append_printf (canonical, "X%u", ch.repeat);
  g_string_append_printf (canonical, ">>%u", ch.shift);
  memset (&again, 0, sizeof (again));
  g_assert (gst_iio_channel_parse_type (canonical->str, &again));
  g_assert (again.big_endian == ch.big_endian);
  g_assert (again.is_signed == ch.is_signed);
  g_assert (again.realbits == ch.realbits);
  g_assert (again.storagebits == ch.storagebits);
  g_assert (again.shift == ch.shift);
  g_assert (again.repeat == ch.repeat);
  return 0;
}
