/* Router mode: ICMP echo from the router itself (the console's ping, DHCP's probe that an address
 * is free) on a raw socket, opened at the first echo. Replies are matched by our identifier. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>
#include "rt.h"

static int icmp_fd = -1;
static uint16_t identifier;
static echo_reply_fn reply_fn;

void icmp_set_reply(echo_reply_fn fn) { reply_fn = fn; }

static uint16_t checksum(const uint8_t *p, size_t len) {
  uint64_t sum = kernel_sum_words(p, len);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return (uint16_t)~sum;
}

static void on_readable(void *ctx, uint32_t events) {
  uint8_t packet[1500];
  for (int i = 0; i < 64; i++) {
    struct sockaddr_in from;
    socklen_t len = sizeof from;
    ssize_t n = recvfrom(icmp_fd, packet, sizeof packet, MSG_DONTWAIT, (struct sockaddr *)&from, &len);
    if (n < 0) return;
    size_t header = (size_t)(packet[0] & 0x0f) * 4; /* a raw ICMP socket hands over the IP header */
    if ((size_t)n < header + 8) continue;
    const uint8_t *icmp = packet + header;
    if (icmp[0] != 0 || (icmp[4] << 8 | icmp[5]) != identifier) continue; /* not our echo reply */
    if (reply_fn) reply_fn((uint16_t)(icmp[6] << 8 | icmp[7]), ntohl(from.sin_addr.s_addr));
  }
}

int icmp_echo(uint16_t seq, uint32_t address) {
  if (icmp_fd < 0) {
    icmp_fd = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_ICMP);
    if (icmp_fd < 0) return -errno;
    identifier = (uint16_t)getpid();
    int rc = loop_add(icmp_fd, EPOLLIN, on_readable, NULL);
    if (rc < 0) {
      close(icmp_fd);
      icmp_fd = -1;
      return rc;
    }
  }
  uint8_t echo[8 + 16] = {8, 0, 0, 0, identifier >> 8, identifier & 0xff, seq >> 8, seq & 0xff};
  memcpy(echo + 8, "plugboard-probe!", 16);
  uint16_t sum = checksum(echo, sizeof echo);
  echo[2] = sum >> 8;
  echo[3] = sum & 0xff;
  struct sockaddr_in to = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(address)};
  return sendto(icmp_fd, echo, sizeof echo, MSG_DONTWAIT, (struct sockaddr *)&to, sizeof to) < 0 ? -errno : 0;
}
