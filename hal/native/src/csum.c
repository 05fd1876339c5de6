/* Completes the TCP/UDP checksum of an IPv4 frame whose sender relied on checksum offload
 * (TP_STATUS_CSUMNOTREADY on veth): the router must see what a real wire would carry. */
#include "rt.h"

static uint32_t sum16(const uint8_t *p, size_t len, uint32_t sum) {
  for (; len > 1; p += 2, len -= 2) sum += (uint32_t)(p[0] << 8 | p[1]);
  if (len) sum += (uint32_t)p[0] << 8;
  return sum;
}

static uint16_t fold(uint32_t sum) {
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return (uint16_t)~sum;
}

bool csum_complete_ipv4(uint8_t *frame, size_t len) {
  size_t ip = 14;
  if (len < 14) return false;
  uint16_t type = (uint16_t)(frame[12] << 8 | frame[13]);
  if (type == 0x8100 && len >= 18) {
    type = (uint16_t)(frame[16] << 8 | frame[17]);
    ip = 18;
  }
  if (type != 0x0800 || len < ip + 20 || (frame[ip] >> 4) != 4) return false;
  size_t ihl = (size_t)(frame[ip] & 0x0f) * 4;
  size_t total = (size_t)(frame[ip + 2] << 8 | frame[ip + 3]);
  if (ihl < 20 || total < ihl || ip + total > len) return false;
  if ((frame[ip + 6] & 0x3f) || frame[ip + 7]) return false; /* fragments carry no whole L4 */
  uint8_t proto = frame[ip + 9];
  size_t l4 = ip + ihl, l4len = total - ihl, field;
  if (proto == 17 && l4len >= 8) field = l4 + 6;
  else if (proto == 6 && l4len >= 20) field = l4 + 16;
  else return false;
  frame[field] = frame[field + 1] = 0;
  uint32_t sum = sum16(frame + ip + 12, 8, 0) + proto + (uint32_t)l4len;
  uint16_t csum = fold(sum16(frame + l4, l4len, sum));
  if (proto == 17 && csum == 0) csum = 0xffff;
  frame[field] = csum >> 8;
  frame[field + 1] = csum & 0xff;
  return true;
}
