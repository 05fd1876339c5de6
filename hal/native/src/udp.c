/* Router mode's UDP sockets, each bound to one port's interface (SO_BINDTODEVICE) so DHCP and TFTP
 * answer only on the LAN. Datagrams land in one shared buffer lent to JavaScript, with their
 * destination (IP_PKTINFO) so DHCP can tell a broadcast from a unicast. */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include "rt.h"

#define MAX_DATAGRAMS_PER_WAKE 64 /* then let the other sockets, the console and timers run */

typedef struct {
  int fd; /* -1: free */
  int port_index;
} udp_socket;

uint8_t rt_udp_buffer[RT_UDP_BUFFER];
static udp_socket sockets[RT_MAX_UDP];
static bool initialised;
static udp_receive_fn receive_fn;

void udp_set_receive(udp_receive_fn fn) { receive_fn = fn; }

static void init_once(void) {
  if (initialised) return;
  for (int i = 0; i < RT_MAX_UDP; i++) sockets[i].fd = -1;
  initialised = true;
}

static udp_socket *socket_of(int id) {
  init_once();
  return id >= 0 && id < RT_MAX_UDP && sockets[id].fd >= 0 ? &sockets[id] : NULL;
}

static void udp_readable(void *ctx, uint32_t events) {
  udp_socket *s = ctx;
  int id = (int)(s - sockets);
  for (int i = 0; i < MAX_DATAGRAMS_PER_WAKE && s->fd >= 0; i++) {
    struct sockaddr_in from;
    char control[CMSG_SPACE(sizeof(struct in_pktinfo))];
    struct iovec iov = {rt_udp_buffer, sizeof rt_udp_buffer};
    struct msghdr msg = {.msg_name = &from, .msg_namelen = sizeof from, .msg_iov = &iov, .msg_iovlen = 1,
                         .msg_control = control, .msg_controllen = sizeof control};
    ssize_t n = recvmsg(s->fd, &msg, MSG_DONTWAIT);
    if (n < 0) break; /* EAGAIN: drained; an ICMP error queued for a send: nothing to deliver */
    if (msg.msg_flags & MSG_TRUNC) continue; /* larger than any datagram DHCP or TFTP sends */
    uint32_t to = 0;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
      if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO)
        to = ntohl(((struct in_pktinfo *)CMSG_DATA(c))->ipi_addr.s_addr);
    if (receive_fn) receive_fn(id, (size_t)n, ntohl(from.sin_addr.s_addr), ntohs(from.sin_port), to);
  }
}

int udp_open(int port_index, int port, bool broadcast, int *bound_port) {
  init_once();
  rt_port *owner = ports_get(port_index);
  if (!owner || port < 0 || port > 65535) return -EINVAL;
  int id = 0;
  while (id < RT_MAX_UDP && sockets[id].fd >= 0) id++;
  if (id == RT_MAX_UDP) return -EMFILE;
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -errno;
  int one = 1;
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port), .sin_addr.s_addr = INADDR_ANY};
  socklen_t len = sizeof addr;
  /* Broadcast sockets (DHCP on 67) share the port with servers bound to other interfaces, as
   * dnsmasq's does; everything else must own its port. */
  if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, owner->ifname, (socklen_t)strlen(owner->ifname)) < 0 ||
      setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof one) < 0 ||
      (broadcast && (setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof one) < 0 ||
                     setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0)) ||
      bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0 || getsockname(fd, (struct sockaddr *)&addr, &len) < 0) {
    int error = errno;
    close(fd);
    return -error;
  }
  sockets[id] = (udp_socket){fd, port_index};
  int rc = loop_add(fd, EPOLLIN, udp_readable, &sockets[id]);
  if (rc < 0) {
    close(fd);
    sockets[id].fd = -1;
    return rc;
  }
  *bound_port = ntohs(addr.sin_port);
  return id;
}

/* A client without an address cannot answer ARP: tell the kernel its MAC first (as dnsmasq does). */
static int set_neighbour(udp_socket *s, uint32_t address, const uint8_t *mac) {
  struct arpreq req = {0};
  struct sockaddr_in *pa = (struct sockaddr_in *)&req.arp_pa;
  pa->sin_family = AF_INET;
  pa->sin_addr.s_addr = htonl(address);
  req.arp_ha.sa_family = ARPHRD_ETHER;
  memcpy(req.arp_ha.sa_data, mac, 6);
  req.arp_flags = ATF_COM;
  snprintf(req.arp_dev, sizeof req.arp_dev, "%.15s", ports_get(s->port_index)->ifname);
  return ioctl(s->fd, SIOCSARP, &req) < 0 ? -errno : 0;
}

int udp_send(int id, const uint8_t *bytes, size_t len, uint32_t address, int port, const uint8_t *via_mac) {
  udp_socket *s = socket_of(id);
  if (!s || port <= 0 || port > 65535) return -EINVAL;
  if (via_mac && address != 0xffffffffu) {
    int rc = set_neighbour(s, address, via_mac);
    if (rc < 0) return rc;
  }
  struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port), .sin_addr.s_addr = htonl(address)};
  ssize_t n = sendto(s->fd, bytes, len, MSG_DONTWAIT, (struct sockaddr *)&to, sizeof to);
  return n < 0 ? -errno : 0;
}

void udp_close(int id) {
  udp_socket *s = socket_of(id);
  if (!s) return;
  loop_del(s->fd);
  close(s->fd);
  s->fd = -1;
}
