/* pbdhcp: a DHCPv4 load generator for the benchmarks. N clients, each with its own MAC, run
 * DISCOVER -> OFFER -> REQUEST -> ACK against whatever server is on the link, at most W at a time,
 * over one AF_PACKET socket (no relay: plain broadcast clients, unlike perfdhcp). A second phase
 * has every bound client ask again for its address (INIT-REBOOT REQUEST -> ACK, no probe, no new
 * binding). Prints one line per phase:
 *   <phase> clients N done D failed F ms T per_s R
 * A client retransmits after 1 s and gives up after 4 tries. Everything is bounded by the counts.
 * Usage: pbdhcp <ifname> <clients> <window> <seed> */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>

#define RETRY_MS 1000.0
#define TRIES 4
#define DHCP_AT (14 + 20 + 8) /* BOOTP starts after Ethernet, IPv4 and UDP headers */
#define OPTIONS_AT (DHCP_AT + 240)

enum { IDLE, DISCOVERING, REQUESTING, BOUND, FAILED, REBOOTING, DONE };

typedef struct {
  uint8_t mac[6];
  int state, tries;
  double sent_at;
  uint32_t offered, server;
} client;

static int fd;
static struct sockaddr_ll link_addr;
static uint32_t xid_base;

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static uint16_t ip_checksum(const uint8_t *p, int len) {
  uint32_t sum = 0;
  for (int i = 0; i + 1 < len; i += 2) sum += (uint32_t)(p[i] << 8 | p[i + 1]);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return (uint16_t)~sum;
}

/* A broadcast DHCP message of `type` from client `index`; REQUEST carries 50 and, when selecting, 54. */
static void send_message(client *c, int index, int type, uint32_t requested, uint32_t server) {
  uint8_t f[400] = {0};
  memset(f, 0xff, 6);
  memcpy(f + 6, c->mac, 6);
  f[12] = 0x08;
  uint8_t *d = f + DHCP_AT;
  d[0] = 1, d[1] = 1, d[2] = 6;
  uint32_t xid = htonl(xid_base + (uint32_t)index);
  memcpy(d + 4, &xid, 4);
  d[10] = 0x80; /* broadcast flag: the client has no address yet */
  memcpy(d + 28, c->mac, 6);
  d[236] = 99, d[237] = 130, d[238] = 83, d[239] = 99;
  uint8_t *o = f + OPTIONS_AT;
  *o++ = 53, *o++ = 1, *o++ = (uint8_t)type;
  if (requested) *o++ = 50, *o++ = 4, memcpy(o, &requested, 4), o += 4;
  if (server) *o++ = 54, *o++ = 4, memcpy(o, &server, 4), o += 4;
  *o++ = 55, *o++ = 3, *o++ = 1, *o++ = 3, *o++ = 51;
  *o++ = 255;
  int udp_len = (int)(o - (f + 34));
  int total = 20 + udp_len;
  uint8_t *ip = f + 14;
  ip[0] = 0x45, ip[2] = (uint8_t)(total >> 8), ip[3] = (uint8_t)total, ip[8] = 64, ip[9] = 17;
  memset(ip + 16, 0xff, 4); /* from 0.0.0.0 to 255.255.255.255 */
  uint16_t sum = ip_checksum(ip, 20);
  ip[10] = (uint8_t)(sum >> 8), ip[11] = (uint8_t)sum;
  uint8_t *udp = f + 34;
  udp[0] = 0, udp[1] = 68, udp[2] = 0, udp[3] = 67, udp[4] = (uint8_t)(udp_len >> 8), udp[5] = (uint8_t)udp_len;
  /* UDP checksum 0: none (RFC 768), which every server here accepts */
  int len = 14 + total < 60 ? 60 : 14 + total;
  for (int attempt = 0; attempt < 100; attempt++) {
    if (sendto(fd, f, (size_t)len, 0, (struct sockaddr *)&link_addr, sizeof link_addr) >= 0) break;
    if (errno != ENOBUFS && errno != EAGAIN) break;
    usleep(200);
  }
  c->sent_at = now_ms();
}

/* The reply's message type, or 0 when the frame is not a reply to one of our clients. */
static int parse_reply(const uint8_t *f, ssize_t len, int clients, int *index, uint32_t *yiaddr, uint32_t *server) {
  if (len < OPTIONS_AT + 3 || f[12] != 0x08 || f[13] != 0 || f[14 + 9] != 17) return 0;
  int ihl = (f[14] & 0x0f) * 4;
  const uint8_t *udp = f + 14 + ihl;
  if (udp[2] != 0 || udp[3] != 68) return 0;
  const uint8_t *d = udp + 8;
  if (d + 240 > f + len || d[0] != 2) return 0;
  uint32_t xid;
  memcpy(&xid, d + 4, 4);
  uint32_t i = ntohl(xid) - xid_base;
  if (i >= (uint32_t)clients) return 0;
  *index = (int)i;
  memcpy(yiaddr, d + 16, 4);
  int type = 0;
  *server = 0;
  for (const uint8_t *o = d + 240; o + 1 < f + len && *o != 255;) {
    if (*o == 0) {
      o++;
      continue;
    }
    int olen = o[1];
    if (o + 2 + olen > f + len) break;
    if (o[0] == 53 && olen == 1) type = o[2];
    if (o[0] == 54 && olen == 4) memcpy(server, o + 2, 4);
    o += 2 + olen;
  }
  return type;
}

/* One phase: clients in state `from` move through it to `to`, at most `window` in flight. */
static void run_phase(const char *name, client *cs, int clients, int window) {
  int from = strcmp(name, "dora") == 0 ? IDLE : BOUND;
  int next = 0, active = 0, done = 0, failed = 0, eligible = 0;
  for (int i = 0; i < clients; i++) eligible += cs[i].state == from;
  double start = now_ms();
  static uint8_t buf[2048];
  while (done + failed < eligible) {
    while (active < window && next < clients) {
      client *c = &cs[next];
      if (c->state == from) {
        c->tries = 1;
        if (from == IDLE) c->state = DISCOVERING, send_message(c, next, 1, 0, 0);
        else c->state = REBOOTING, send_message(c, next, 3, c->offered, 0);
        active++;
      }
      next++;
    }
    struct pollfd p = {fd, POLLIN, 0};
    if (poll(&p, 1, 10) > 0) {
      ssize_t n;
      while ((n = recv(fd, buf, sizeof buf, MSG_DONTWAIT)) > 0) {
        int i;
        uint32_t yiaddr, server;
        int type = parse_reply(buf, n, clients, &i, &yiaddr, &server);
        client *c = type ? &cs[i] : NULL;
        if (!c) continue;
        if (type == 2 && c->state == DISCOVERING) {
          c->offered = yiaddr, c->server = server, c->state = REQUESTING, c->tries = 1;
          send_message(c, i, 3, yiaddr, server);
        } else if (type == 5 && (c->state == REQUESTING || c->state == REBOOTING)) {
          c->state = c->state == REQUESTING ? BOUND : DONE;
          active--, done++;
        } else if (type == 6 && (c->state == REQUESTING || c->state == REBOOTING)) {
          c->state = FAILED;
          active--, failed++;
        }
      }
    }
    double now = now_ms();
    for (int i = 0; i < next; i++) {
      client *c = &cs[i];
      if ((c->state != DISCOVERING && c->state != REQUESTING && c->state != REBOOTING) || now - c->sent_at < RETRY_MS) continue;
      if (c->tries++ >= TRIES) {
        c->state = FAILED;
        active--, failed++;
      } else if (c->state == DISCOVERING) send_message(c, i, 1, 0, 0);
      else send_message(c, i, 3, c->offered, c->state == REQUESTING ? c->server : 0);
    }
  }
  double ms = now_ms() - start;
  printf("%s clients %d done %d failed %d ms %.1f per_s %.1f\n", name, eligible, done, failed, ms, ms > 0 ? done * 1000.0 / ms : 0);
  fflush(stdout);
}

int main(int argc, char **argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: pbdhcp <ifname> <clients> <window> <seed>\n");
    return 2;
  }
  int clients = atoi(argv[2]), window = atoi(argv[3]);
  unsigned seed = (unsigned)strtoul(argv[4], NULL, 0);
  unsigned ifindex = if_nametoindex(argv[1]);
  if (!ifindex || clients <= 0 || clients > 65536 || window <= 0) {
    fprintf(stderr, "pbdhcp: %s\n", !ifindex ? "no such interface" : "bad counts");
    return 2;
  }
  fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_IP));
  if (fd < 0) {
    perror("pbdhcp: socket");
    return 1;
  }
  link_addr = (struct sockaddr_ll){.sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_IP), .sll_ifindex = (int)ifindex, .sll_halen = 6};
  memset(link_addr.sll_addr, 0xff, 6);
  if (bind(fd, (struct sockaddr *)&link_addr, sizeof link_addr) < 0) {
    perror("pbdhcp: bind");
    return 1;
  }
  xid_base = seed * 2654435761u;
  client *cs = calloc((size_t)clients, sizeof *cs);
  for (int i = 0; i < clients; i++) {
    uint8_t mac[6] = {0x02, 0x50, (uint8_t)(seed >> 8), (uint8_t)seed, (uint8_t)(i >> 8), (uint8_t)i};
    memcpy(cs[i].mac, mac, 6);
  }
  run_phase("dora", cs, clients, window);
  run_phase("reboot", cs, clients, window);
  free(cs);
  return 0;
}
