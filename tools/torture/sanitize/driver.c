/* Runs the native runtime's frame handling (checksum completion of offloaded frames, the word sum,
 * CRC-32 and SHA-256 kernels) over a corpus under ASan/UBSan. Each frame gets a heap buffer of exactly its
 * length, so any read or write past it is caught. Corpus and output: records of a 4-byte big-endian
 * length and the bytes; the output adds, before each frame as the runtime left it, whether it was
 * completed (1 byte), the CRC-32 and the low 32 bits of the word sum (4 bytes each, big-endian),
 * the SHA-256 of the frame (32 bytes: the kernel over its whole blocks in place, then the padding). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "rt.h"

static int read_u32(FILE *f, uint32_t *v) {
  uint8_t b[4];
  if (fread(b, 1, 4, f) != 4) return 0;
  *v = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
  return 1;
}

static void write_u32(FILE *f, uint32_t v) {
  uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
  fwrite(b, 1, 4, f);
}

static void sha256(const uint8_t *p, size_t len, uint8_t digest[32]) {
  static const uint8_t iv[32] = {0x6a, 0x09, 0xe6, 0x67, 0xbb, 0x67, 0xae, 0x85, 0x3c, 0x6e, 0xf3, 0x72, 0xa5, 0x4f, 0xf5, 0x3a,
                                 0x51, 0x0e, 0x52, 0x7f, 0x9b, 0x05, 0x68, 0x8c, 0x1f, 0x83, 0xd9, 0xab, 0x5b, 0xe0, 0xcd, 0x19};
  memcpy(digest, iv, 32);
  size_t whole = len / 64;
  kernel_sha256_blocks(digest, p, whole); /* straight from the exact-size heap buffer */
  uint8_t tail[128] = {0};
  size_t rest = len - whole * 64;
  memcpy(tail, p + whole * 64, rest);
  tail[rest] = 0x80;
  size_t blocks = rest + 9 > 64 ? 2 : 1;
  uint64_t bits = (uint64_t)len * 8;
  for (int i = 0; i < 8; i++) tail[blocks * 64 - 1 - i] = (uint8_t)(bits >> (8 * i));
  kernel_sha256_blocks(digest, tail, blocks);
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s <corpus> <output>\n", argv[0]);
    return 2;
  }
  FILE *in = fopen(argv[1], "rb"), *out = fopen(argv[2], "wb");
  if (!in || !out) {
    perror("open");
    return 2;
  }
  unsigned long frames = 0, completed = 0;
  uint32_t len;
  while (read_u32(in, &len)) {
    if (len > 65536) return 3;
    uint8_t *frame = malloc(len ? len : 1);
    if (fread(frame, 1, len, in) != len) return 3;
    uint32_t crc = kernel_crc32_update(0, frame, len);
    uint32_t sum = (uint32_t)kernel_sum_words(frame, len);
    uint8_t digest[32];
    sha256(frame, len, digest);
    bool done = csum_complete_ipv4(frame, len);
    frames++;
    completed += done;
    fputc(done, out);
    write_u32(out, crc);
    write_u32(out, sum);
    fwrite(digest, 1, 32, out);
    write_u32(out, len);
    fwrite(frame, 1, len, out);
    free(frame);
  }
  fclose(out);
  printf("frames %lu completed %lu\n", frames, completed);
  return 0;
}
