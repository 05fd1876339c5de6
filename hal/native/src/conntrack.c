/* Router mode: when a phone's lease ends its flows must end too, or the kernel would keep
 * translating them with the phone's old block (conntrack outlives the NAT rules that made it).
 * This dumps the IPv4 conntrack table over ctnetlink and deletes every entry whose original or
 * reply source is the address, sending back the original tuple exactly as the kernel gave it. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <linux/netlink.h>
#include "rt.h"

#define MAX_DELETES 4096 /* per call; a phone holds a few dozen flows */

typedef struct {
  struct nlmsghdr h;
  struct nfgenmsg g;
} ct_request;

/* The nested attribute `type` inside [p, p+len), or NULL. */
static const struct nlattr *find_attr(const uint8_t *p, size_t len, int type) {
  while (len >= sizeof(struct nlattr)) {
    const struct nlattr *a = (const struct nlattr *)p;
    if (a->nla_len < sizeof *a || a->nla_len > len) return NULL;
    if ((a->nla_type & NLA_TYPE_MASK) == type) return a;
    size_t step = NLA_ALIGN(a->nla_len);
    if (step > len) return NULL;
    p += step, len -= step;
  }
  return NULL;
}

static const uint8_t *payload(const struct nlattr *a) { return (const uint8_t *)a + NLA_HDRLEN; }
static size_t payload_len(const struct nlattr *a) { return a->nla_len - NLA_HDRLEN; }

/* The IPv4 source of a CTA_TUPLE_ORIG/REPLY attribute, or 0. */
static uint32_t tuple_source(const struct nlattr *tuple) {
  const struct nlattr *ip = tuple ? find_attr(payload(tuple), payload_len(tuple), CTA_TUPLE_IP) : NULL;
  const struct nlattr *src = ip ? find_attr(payload(ip), payload_len(ip), CTA_IP_V4_SRC) : NULL;
  if (!src || payload_len(src) < 4) return 0;
  uint32_t v;
  memcpy(&v, payload(src), 4);
  return ntohl(v);
}

static int open_ctnetlink(void) {
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
  if (fd < 0) return -errno;
  struct timeval timeout = {1, 0}; /* never hang the loop on a kernel that does not answer */
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  struct sockaddr_nl addr = {.nl_family = AF_NETLINK};
  if (bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
    int error = errno;
    close(fd);
    return -error;
  }
  return fd;
}

static ct_request header(int type, int flags, uint32_t seq) {
  return (ct_request){{NLMSG_LENGTH(sizeof(struct nfgenmsg)), (NFNL_SUBSYS_CTNETLINK << 8) | type, NLM_F_REQUEST | flags, seq, 0},
                      {AF_INET, NFNETLINK_V0, 0}};
}

int conntrack_forget(uint32_t address) {
  int fd = open_ctnetlink();
  if (fd < 0) return fd;
  ct_request dump = header(IPCTNL_MSG_CT_GET, NLM_F_DUMP, 1);
  if (send(fd, &dump, dump.h.nlmsg_len, 0) < 0) {
    int error = errno;
    close(fd);
    return -error;
  }
  /* Collect the tuples first: deleting while the dump runs would disturb it. */
  uint8_t (*tuples)[128] = malloc(MAX_DELETES * sizeof *tuples);
  uint16_t *tuple_len = malloc(MAX_DELETES * sizeof *tuple_len);
  int found = 0, rc = 0;
  static uint8_t buffer[65536];
  for (bool done = false; !done && tuples && tuple_len;) {
    ssize_t n = recv(fd, buffer, sizeof buffer, 0);
    if (n < 0) {
      rc = errno == EINTR ? 0 : -errno;
      if (rc < 0) break;
      continue;
    }
    for (struct nlmsghdr *h = (struct nlmsghdr *)buffer; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
      if (h->nlmsg_type == NLMSG_DONE || h->nlmsg_type == NLMSG_ERROR) {
        done = true;
        break;
      }
      size_t offset = NLMSG_LENGTH(sizeof(struct nfgenmsg));
      if (h->nlmsg_len < offset) continue;
      const uint8_t *attrs = (const uint8_t *)h + NLMSG_ALIGN(offset);
      size_t attrs_len = h->nlmsg_len - NLMSG_ALIGN(offset);
      const struct nlattr *orig = find_attr(attrs, attrs_len, CTA_TUPLE_ORIG);
      const struct nlattr *reply = find_attr(attrs, attrs_len, CTA_TUPLE_REPLY);
      if (!orig || (tuple_source(orig) != address && tuple_source(reply) != address)) continue;
      if (found < MAX_DELETES && orig->nla_len <= sizeof tuples[0]) {
        memcpy(tuples[found], orig, orig->nla_len);
        tuple_len[found++] = orig->nla_len;
      }
    }
  }
  int deleted = 0;
  for (int i = 0; i < found; i++) {
    uint8_t message[NLMSG_LENGTH(sizeof(struct nfgenmsg)) + 128];
    ct_request del = header(IPCTNL_MSG_CT_DELETE, NLM_F_ACK, 2 + (uint32_t)i);
    del.h.nlmsg_len = NLMSG_LENGTH(sizeof(struct nfgenmsg)) + NLA_ALIGN(tuple_len[i]);
    memcpy(message, &del, sizeof del);
    memcpy(message + NLMSG_LENGTH(sizeof(struct nfgenmsg)), tuples[i], tuple_len[i]);
    if (send(fd, message, del.h.nlmsg_len, 0) < 0) continue;
    ssize_t n = recv(fd, buffer, sizeof buffer, 0); /* the ACK (or ENOENT: it ended meanwhile) */
    struct nlmsghdr *h = (struct nlmsghdr *)buffer;
    if (n >= (ssize_t)NLMSG_LENGTH(sizeof(struct nlmsgerr)) && h->nlmsg_type == NLMSG_ERROR &&
        ((struct nlmsgerr *)NLMSG_DATA(h))->error == 0)
      deleted++;
  }
  free(tuples);
  free(tuple_len);
  close(fd);
  return rc < 0 ? rc : deleted;
}
