/* Switch ports on AF_PACKET sockets: a TPACKET_V2 receive ring mapped into the process and lent to
 * JavaScript as one ArrayBuffer (no copy per frame), transmit batched with sendmmsg at the end of
 * every loop turn. Frames a veth peer left with a partial checksum are completed here. */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include "rt.h"

#define RING_BLOCK_SIZE (1u << 16)
#define RING_FRAME_SIZE 2048u
#define RING_BLOCKS 8u
#define RING_FRAMES (RING_BLOCKS * (RING_BLOCK_SIZE / RING_FRAME_SIZE))
#define MAX_BATCHES_PER_WAKE 8 /* then yield to the other port, the console and timers */

#ifndef PACKET_IGNORE_OUTGOING
#define PACKET_IGNORE_OUTGOING 23
#endif

typedef struct {
  unsigned next; /* ring slot to look at next */
} packet_ring;

static rt_port *port_table[RT_MAX_PORTS];

rt_port *ports_get(int index) { return index >= 0 && index < RT_MAX_PORTS ? port_table[index] : NULL; }
int ports_count(void) { return RT_MAX_PORTS; }
void ports_set(int index, rt_port *port) { port_table[index] = port; }

bool ports_queue(rt_port *port, const uint8_t *frame, size_t len) {
  if (port->kernel_owned || len < 14 || len > RT_TX_SLOT_SIZE) {
    port->tx_dropped++;
    return false;
  }
  if (port->tx_count == RT_TX_SLOTS) port->flush(port);
  if (port->tx_count == RT_TX_SLOTS) {
    /* Still full: the kernel would not take more. Refused, so the caller may try again later. */
    port->tx_dropped++;
    return false;
  }
  memcpy(port->tx_slots[port->tx_count], frame, len);
  port->tx_len[port->tx_count++] = (uint16_t)len;
  return true;
}

void ports_flush_all(void) {
  for (int i = 0; i < RT_MAX_PORTS; i++)
    if (port_table[i] && port_table[i]->tx_count > 0) port_table[i]->flush(port_table[i]);
}

bool ports_tx_pending(void) {
  for (int i = 0; i < RT_MAX_PORTS; i++)
    if (port_table[i] && port_table[i]->tx_count > 0) return true;
  return false;
}

static int packet_flush(rt_port *port) {
  struct mmsghdr msgs[RT_TX_SLOTS];
  struct iovec iov[RT_TX_SLOTS];
  int total = port->tx_count, sent = 0;
  for (int i = 0; i < total; i++) {
    iov[i] = (struct iovec){port->tx_slots[i], port->tx_len[i]};
    msgs[i] = (struct mmsghdr){.msg_hdr = {.msg_iov = &iov[i], .msg_iovlen = 1}};
  }
  bool keep = false;
  while (sent < total) {
    int n = sendmmsg(port->fd, msgs + sent, total - sent, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      /* EAGAIN (socket send buffer full) or ENOBUFS (qdisc full): the kernel's queue is full, so
       * the rest waits in the slots for the next flush, and JavaScript's send() sees the queue fill
       * up. Anything else (ENETDOWN, ...) loses the rest of the batch, counted. */
      keep = errno == EAGAIN || errno == ENOBUFS;
      if (!keep) port->tx_dropped += total - sent;
      break;
    }
    sent += n;
  }
  port->tx_frames += sent;
  if (keep && sent > 0) {
    for (int i = sent; i < total; i++) {
      memmove(port->tx_slots[i - sent], port->tx_slots[i], port->tx_len[i]);
      port->tx_len[i - sent] = port->tx_len[i];
    }
  }
  port->tx_count = keep ? total - sent : 0;
  return sent == total ? 0 : -1;
}

void ports_update_stats(rt_port *port) {
  if (port->fd < 0 || port->kernel_owned) return;
  struct tpacket_stats stats;
  socklen_t len = sizeof stats;
  /* The kernel resets its counters on every read: accumulate. */
  if (getsockopt(port->fd, SOL_PACKET, PACKET_STATISTICS, &stats, &len) == 0) port->kernel_drops += stats.tp_drops;
}

static bool packet_poll_link(rt_port *port) {
  struct ifreq ifr = {0};
  snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%.15s", port->ifname);
  if (ioctl(port->fd, SIOCGIFFLAGS, &ifr) < 0) return false;
  return (ifr.ifr_flags & IFF_UP) && (ifr.ifr_flags & IFF_RUNNING);
}

/* The kernel strips an 802.1Q tag into the ring header; put it back so JavaScript sees the wire. */
static uint8_t *reinsert_vlan(struct tpacket2_hdr *hdr, uint8_t *mac, uint32_t *len) {
  uint8_t *start = mac - 4;
  if ((uint8_t *)hdr + TPACKET_ALIGN(sizeof *hdr) + sizeof(struct sockaddr_ll) > start) return NULL;
  memmove(start, mac, 12);
  uint16_t tpid = (hdr->tp_status & TP_STATUS_VLAN_TPID_VALID) ? hdr->tp_vlan_tpid : ETH_P_8021Q;
  start[12] = tpid >> 8;
  start[13] = tpid & 0xff;
  start[14] = hdr->tp_vlan_tci >> 8;
  start[15] = hdr->tp_vlan_tci & 0xff;
  *len += 4;
  return start;
}

static void packet_receive(void *ctx, uint32_t events) {
  rt_port *port = ctx;
  packet_ring *ring = port->backend;
  uint32_t desc[2 * RT_RX_BATCH];
  unsigned taken[RT_RX_BATCH];
  for (int batch = 0; batch < MAX_BATCHES_PER_WAKE; batch++) {
    int count = 0, seen = 0;
    while (seen < RT_RX_BATCH) {
      struct tpacket2_hdr *hdr = (struct tpacket2_hdr *)(port->rx_memory + (size_t)ring->next * RING_FRAME_SIZE);
      if (!(__atomic_load_n(&hdr->tp_status, __ATOMIC_ACQUIRE) & TP_STATUS_USER)) break;
      taken[seen++] = ring->next;
      ring->next = (ring->next + 1) % RING_FRAMES;
      struct sockaddr_ll *sll = (struct sockaddr_ll *)((uint8_t *)hdr + TPACKET_ALIGN(sizeof *hdr));
      if (sll->sll_pkttype == PACKET_OUTGOING) continue; /* our own transmissions */
      uint8_t *frame = (uint8_t *)hdr + hdr->tp_mac;
      uint32_t len = hdr->tp_snaplen;
      if (hdr->tp_len != hdr->tp_snaplen) {
        port->rx_dropped++; /* truncated: larger than a ring slot (GSO from a peer with offload on) */
        continue;
      }
      if ((hdr->tp_status & TP_STATUS_VLAN_VALID) && hdr->tp_vlan_tci) {
        frame = reinsert_vlan(hdr, frame, &len);
        if (!frame) {
          port->rx_dropped++;
          continue;
        }
      }
      if ((hdr->tp_status & TP_STATUS_CSUMNOTREADY) && csum_complete_ipv4(frame, len)) port->rx_csum_completed++;
      desc[2 * count] = (uint32_t)(frame - port->rx_memory);
      desc[2 * count + 1] = len;
      count++;
    }
    if (seen == 0) break;
    port->rx_frames += count;
    if (count > 0) js_deliver_frames(port, desc, count);
    for (int i = 0; i < seen; i++) {
      struct tpacket2_hdr *hdr = (struct tpacket2_hdr *)(port->rx_memory + (size_t)taken[i] * RING_FRAME_SIZE);
      __atomic_store_n(&hdr->tp_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
    }
    if (seen < RT_RX_BATCH) break;
  }
}

int ports_open_packet(rt_port *port, const char *ifname) {
  snprintf(port->ifname, sizeof port->ifname, "%s", ifname);
  unsigned ifindex = if_nametoindex(ifname);
  if (ifindex == 0) {
    rt_log("port %s: no interface '%s'", port->name, ifname);
    return -ENODEV;
  }
  /* Protocol 0 until bound: an unbound ETH_P_ALL socket would see every interface's frames. */
  int fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -errno;
  port->fd = fd;
  int version = TPACKET_V2, one = 1;
  struct tpacket_req req = {RING_BLOCK_SIZE, RING_BLOCKS, RING_FRAME_SIZE, RING_FRAMES};
  if (setsockopt(fd, SOL_PACKET, PACKET_VERSION, &version, sizeof version) < 0 ||
      setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof req) < 0) {
    rt_log("port %s: rx ring: %s", port->name, strerror(errno));
    return -errno;
  }
  setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof one); /* best effort; also filtered */
  port->rx_memory_size = (size_t)RING_BLOCK_SIZE * RING_BLOCKS;
  port->rx_memory = mmap(NULL, port->rx_memory_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (port->rx_memory == MAP_FAILED) return -errno;
  struct sockaddr_ll addr = {.sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL), .sll_ifindex = (int)ifindex};
  if (bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0) return -errno;
  struct packet_mreq mreq = {.mr_ifindex = (int)ifindex, .mr_type = PACKET_MR_PROMISC};
  if (setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mreq, sizeof mreq) < 0) return -errno;
  struct ifreq ifr = {0};
  snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", ifname);
  if (ioctl(fd, SIOCGIFHWADDR, &ifr) == 0) memcpy(port->mac, ifr.ifr_hwaddr.sa_data, 6);
  port->mtu = ioctl(fd, SIOCGIFMTU, &ifr) == 0 ? ifr.ifr_mtu : 1500;
  port->tx_slots = calloc(RT_TX_SLOTS, RT_TX_SLOT_SIZE);
  port->backend = calloc(1, sizeof(packet_ring));
  if (!port->tx_slots || !port->backend) return -ENOMEM;
  port->flush = packet_flush;
  port->poll_link = packet_poll_link;
  port->link_up = packet_poll_link(port);
  return loop_add(fd, EPOLLIN, packet_receive, port);
}
