/* A file-backed port for self-tests (and qemu runs with no network): frames recorded in a pcap file
 * are replayed into the firmware at their recorded spacing, and every frame it sends is appended to
 * an output pcap. Spec: pcap:<input.pcap>,<output.pcap>[,<mac aa:bb:cc:dd:ee:ff>] */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>
#include "rt.h"

typedef struct {
  uint32_t offset, len;
  double at_ms; /* relative to the first record */
} record;

typedef struct {
  record *records;
  size_t count, next;
  double start_ms;
  bool started;
  int timer_fd;
  FILE *out;
  pcap_replay replay;
} pcap_port;

static int replaying; /* pcap ports whose replay has not finished */

static void replay_finished(pcap_port *pp) {
  if (--replaying == 0 && pp->replay.exit_when_done_ms > 0) {
    rt_log("pcap replay done: exiting in %ld ms", pp->replay.exit_when_done_ms);
    loop_set_exit_at(loop_now_ms() + (double)pp->replay.exit_when_done_ms);
  }
}


static uint32_t rd32(const uint8_t *p, bool swap) {
  uint32_t v;
  memcpy(&v, p, 4);
  return swap ? __builtin_bswap32(v) : v;
}

static void arm(pcap_port *pp) {
  double due = pp->start_ms + pp->records[pp->next].at_ms - loop_now_ms();
  if (due < 0.001) due = 0.001;
  struct itimerspec its = {.it_value = {(time_t)(due / 1000), (long)((due - (double)(time_t)(due / 1000) * 1000) * 1e6)}};
  if (its.it_value.tv_sec == 0 && its.it_value.tv_nsec == 0) its.it_value.tv_nsec = 1000;
  timerfd_settime(pp->timer_fd, 0, &its, NULL);
}

static void replay(void *ctx, uint32_t events) {
  rt_port *port = ctx;
  pcap_port *pp = port->backend;
  uint64_t expirations;
  if (read(pp->timer_fd, &expirations, sizeof expirations) < 0 && errno != EAGAIN) return;
  double now = loop_now_ms();
  uint32_t desc[2 * RT_RX_BATCH];
  while (pp->next < pp->count && pp->start_ms + pp->records[pp->next].at_ms <= now) {
    int count = 0;
    while (count < RT_RX_BATCH && pp->next < pp->count && pp->start_ms + pp->records[pp->next].at_ms <= now) {
      desc[2 * count] = pp->records[pp->next].offset;
      desc[2 * count + 1] = pp->records[pp->next].len;
      pp->next++;
      count++;
    }
    port->rx_frames += count;
    js_deliver_frames(port, desc, count);
  }
  if (pp->next < pp->count) arm(pp);
  else {
    loop_del(pp->timer_fd);
    replay_finished(pp);
  }
}

static void start_replay(pcap_port *pp) {
  pp->started = true;
  pp->start_ms = loop_now_ms() + (double)pp->replay.delay_ms;
  arm(pp);
}

static int pcap_flush(rt_port *port) {
  pcap_port *pp = port->backend;
  if (!pp->started && pp->count > 0 && port->tx_count > 0) start_replay(pp);
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  for (int i = 0; i < port->tx_count; i++) {
    uint32_t hdr[4] = {(uint32_t)ts.tv_sec, (uint32_t)(ts.tv_nsec / 1000), port->tx_len[i], port->tx_len[i]};
    fwrite(hdr, sizeof hdr, 1, pp->out);
    fwrite(port->tx_slots[i], port->tx_len[i], 1, pp->out);
  }
  fflush(pp->out);
  port->tx_frames += port->tx_count;
  port->tx_count = 0;
  return 0;
}

static bool pcap_link(rt_port *port) { return true; }

static int load(rt_port *port, pcap_port *pp, const char *path) {
  FILE *in = fopen(path, "rb");
  if (!in) return -errno;
  struct stat st;
  if (fstat(fileno(in), &st) < 0 || st.st_size < 24 || st.st_size > (64 << 20)) {
    fclose(in);
    return -EINVAL;
  }
  uint8_t *data = malloc((size_t)st.st_size);
  size_t got = data ? fread(data, 1, (size_t)st.st_size, in) : 0;
  fclose(in);
  if (got != (size_t)st.st_size) return -EIO;
  uint32_t magic = rd32(data, false);
  bool swap = magic == 0xd4c3b2a1 || magic == 0x4d3cb2a1;
  bool nano = magic == 0xa1b23c4d || magic == 0x4d3cb2a1;
  if (!swap && magic != 0xa1b2c3d4 && magic != 0xa1b23c4d) return -EINVAL;
  if (rd32(data + 20, swap) != 1) return -EINVAL; /* LINKTYPE_ETHERNET only */
  size_t cap = 64, at = 24;
  pp->records = malloc(cap * sizeof(record));
  double first = -1;
  while (at + 16 <= got) {
    uint32_t sec = rd32(data + at, swap), frac = rd32(data + at + 4, swap), incl = rd32(data + at + 8, swap);
    if (incl > RT_TX_SLOT_SIZE || at + 16 + incl > got) return -EINVAL;
    double ms = sec * 1000.0 + frac / (nano ? 1e6 : 1e3);
    if (first < 0) first = ms;
    if (pp->count == cap) pp->records = realloc(pp->records, (cap *= 2) * sizeof(record));
    pp->records[pp->count++] = (record){(uint32_t)(at + 16), incl, ms - first};
    at += 16 + incl;
  }
  port->rx_memory = data;
  port->rx_memory_size = got;
  return 0;
}

static bool parse_mac(const char *text, uint8_t mac[6]) {
  unsigned v[6];
  if (sscanf(text, "%x:%x:%x:%x:%x:%x", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]) != 6) return false;
  for (int i = 0; i < 6; i++) mac[i] = (uint8_t)v[i];
  return true;
}

int ports_open_pcap(rt_port *port, const char *spec, const pcap_replay *options) {
  char buf[1024];
  snprintf(buf, sizeof buf, "%s", spec + strlen("pcap:"));
  char *in = buf, *out = strchr(buf, ','), *mac = NULL;
  if (!out) {
    rt_log("port %s: '%s' is not pcap:<input>,<output>[,<mac>]", port->name, spec);
    return -EINVAL;
  }
  *out++ = 0;
  if ((mac = strchr(out, ','))) *mac++ = 0;
  snprintf(port->ifname, sizeof port->ifname, "pcap");
  /* 02:50:42 = locally administered "PB"; the last byte tells the ports apart. */
  uint8_t fallback[6] = {0x02, 0x50, 0x42, 0x00, 0x00, (uint8_t)(port->index + 1)};
  memcpy(port->mac, fallback, 6);
  if (mac && !parse_mac(mac, port->mac)) {
    rt_log("port %s: bad MAC '%s'", port->name, mac);
    return -EINVAL;
  }
  port->mtu = 1500;
  pcap_port *pp = calloc(1, sizeof *pp);
  pp->replay = *options;
  port->backend = pp;
  int rc = load(port, pp, in);
  if (rc < 0) {
    rt_log("port %s: cannot read pcap '%s': %s", port->name, in, strerror(-rc));
    return rc;
  }
  pp->out = fopen(out, "wbe");
  if (!pp->out) {
    rt_log("port %s: cannot write '%s': %s", port->name, out, strerror(errno));
    return -errno;
  }
  uint32_t header[6] = {0xa1b2c3d4, 0x00040002, 0, 0, 65535, 1};
  fwrite(header, sizeof header, 1, pp->out);
  fflush(pp->out);
  port->tx_slots = calloc(RT_TX_SLOTS, RT_TX_SLOT_SIZE);
  port->flush = pcap_flush;
  port->poll_link = pcap_link;
  port->link_up = true;
  port->fd = -1;
  if (pp->count == 0) return 0;
  replaying++;
  pp->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  if (!pp->replay.after_tx) start_replay(pp);
  return loop_add(pp->timer_fd, EPOLLIN, replay, port);
}
