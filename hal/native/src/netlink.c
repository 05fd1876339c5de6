/* Router mode: the kernel (netifd on OpenWrt) owns the addresses. This keeps the IPv4 addresses of
 * every interface from one RTM_GETADDR dump plus the RTMGRP_IPV4_IFADDR notifications after it,
 * and tells JavaScript when they change (a new WAN lease, PPPoE coming up, an operator's edit). */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include "rt.h"

#define MAX_ADDRESSES 64

typedef struct {
  int ifindex;
  rt_address address;
} entry;

static int nl_fd = -1;
static entry table[MAX_ADDRESSES];
static int table_len;
static addresses_changed_fn changed_fn;
static uint32_t dump_seq;

void netlink_set_changed(addresses_changed_fn fn) { changed_fn = fn; }

static int find(int ifindex, uint32_t ip) {
  for (int i = 0; i < table_len; i++)
    if (table[i].ifindex == ifindex && table[i].address.ip == ip) return i;
  return -1;
}

/* One RTM_NEWADDR/RTM_DELADDR; true when the table changed. */
static bool apply(struct nlmsghdr *h) {
  struct ifaddrmsg *ifa = NLMSG_DATA(h);
  if (h->nlmsg_len < NLMSG_LENGTH(sizeof *ifa) || ifa->ifa_family != AF_INET) return false;
  uint32_t ip = 0;
  bool have = false;
  int len = (int)IFA_PAYLOAD(h);
  for (struct rtattr *a = IFA_RTA(ifa); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
    if (RTA_PAYLOAD(a) < 4) continue;
    /* IFA_LOCAL is our end of a point-to-point link (PPPoE); IFA_ADDRESS otherwise. */
    if (a->rta_type == IFA_LOCAL || (a->rta_type == IFA_ADDRESS && !have)) {
      memcpy(&ip, RTA_DATA(a), 4);
      have = true;
    }
  }
  if (!have) return false;
  ip = ntohl(ip);
  int at = find((int)ifa->ifa_index, ip);
  if (h->nlmsg_type == RTM_DELADDR) {
    if (at < 0) return false;
    table[at] = table[--table_len];
    return true;
  }
  if (at >= 0) {
    bool changed = table[at].address.prefix != ifa->ifa_prefixlen;
    table[at].address.prefix = ifa->ifa_prefixlen;
    return changed;
  }
  if (table_len == MAX_ADDRESSES) return false;
  table[table_len++] = (entry){(int)ifa->ifa_index, {ip, ifa->ifa_prefixlen}};
  return true;
}

static int request_dump(void) {
  struct {
    struct nlmsghdr h;
    struct ifaddrmsg ifa;
  } req = {{NLMSG_LENGTH(sizeof(struct ifaddrmsg)), RTM_GETADDR, NLM_F_REQUEST | NLM_F_DUMP, ++dump_seq, 0},
           {.ifa_family = AF_INET}};
  return send(nl_fd, &req, req.h.nlmsg_len, 0) < 0 ? -errno : 0;
}

/* Reads what is queued; returns 1 when a dump finished, 0 otherwise, -errno on error. */
static int drain(bool *changed) {
  char buffer[16384];
  int done = 0;
  for (;;) {
    ssize_t n = recv(nl_fd, buffer, sizeof buffer, MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) return done;
      if (errno == ENOBUFS) {
        /* Notifications were lost: start again from a fresh dump. */
        table_len = 0;
        *changed = true;
        request_dump();
        continue;
      }
      return -errno;
    }
    for (struct nlmsghdr *h = (struct nlmsghdr *)buffer; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
      if (h->nlmsg_type == NLMSG_DONE) done = 1;
      else if (h->nlmsg_type == RTM_NEWADDR || h->nlmsg_type == RTM_DELADDR) *changed |= apply(h);
    }
  }
}

static void on_readable(void *ctx, uint32_t events) {
  bool changed = false;
  if (drain(&changed) < 0) rt_log("netlink: %s", strerror(errno));
  if (changed && changed_fn) changed_fn();
}

int netlink_open(void) {
  nl_fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (nl_fd < 0) return -errno;
  struct sockaddr_nl addr = {.nl_family = AF_NETLINK, .nl_groups = RTMGRP_IPV4_IFADDR};
  if (bind(nl_fd, (struct sockaddr *)&addr, sizeof addr) < 0) return -errno;
  int rc = request_dump();
  if (rc < 0) return rc;
  /* The firmware starts knowing the addresses: wait (at most 2 s) for the first dump. */
  bool changed = false;
  double until = loop_now_ms() + 2000;
  while ((rc = drain(&changed)) == 0 && loop_now_ms() < until) usleep(1000);
  if (rc < 0) return rc;
  return loop_add(nl_fd, EPOLLIN, on_readable, NULL);
}

int netlink_addresses(int port_index, rt_address *out, int max) {
  rt_port *port = ports_get(port_index);
  int ifindex = port ? (int)if_nametoindex(port->ifname) : 0;
  int n = 0;
  for (int i = 0; i < table_len && n < max; i++)
    if (table[i].ifindex == ifindex) out[n++] = table[i].address;
  return n;
}
