/* The two byte loops the firmware runs on every TFTP block, done in C: the Internet checksum's
 * word sum and CRC-32. In QuickJS they cost ~50 and ~90 us per 1476-byte block; here well under
 * 2 us. Same results as firmware/wire/checksum.ts sumWords and firmware/util/crc32.ts, byte by
 * byte, so the host's endianness does not matter. */
#include "rt.h"

uint64_t kernel_sum_words(const uint8_t *p, size_t len) {
  uint64_t sum = 0;
  for (; len > 1; p += 2, len -= 2) sum += (uint32_t)(p[0] << 8 | p[1]);
  if (len) sum += (uint32_t)p[0] << 8;
  return sum;
}

static uint32_t crc_table[256];

static void crc_init(void) {
  for (uint32_t n = 0; n < 256; n++) {
    uint32_t c = n;
    for (int k = 0; k < 8; k++) c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
    crc_table[n] = c;
  }
}

uint32_t kernel_crc32_update(uint32_t crc, const uint8_t *p, size_t len) {
  if (!crc_table[1]) crc_init();
  uint32_t c = ~crc;
  while (len--) c = crc_table[(c ^ *p++) & 0xff] ^ (c >> 8);
  return ~c;
}
