/* pbcalls: the rig's call generator and latency probe (host only; the benchmarks run it in the
 * rig's namespaces).
 *
 *   pbcalls serve <ip> <port> <seconds>
 *       The far end of every call: one socket; each new source endpoint it hears is a call, and it
 *       sends that endpoint its own 50 packets/s stream of the same size until the endpoint has
 *       been silent for 200 ms. Prints: serve calls_heard H sent S received R send_errors E
 *   pbcalls dial <far-ip> <port> <calls> <seconds> <first-local-port> [size]
 *       The phone: <calls> sockets on consecutive even local ports (RTP's habit), each sending a
 *       50 packets/s stream of <size> bytes (default 200), spread evenly over the 20 ms period.
 *       Prints: dial calls N sent S received R send_errors E
 *   pbcalls echo <ip> <port> <seconds>
 *       Sends every datagram back to where it came from.
 *   pbcalls ping <far-ip> <port> <count> <local-port> [size]
 *       One datagram outstanding at a time, the reply awaited in poll(); prints the round trips'
 *       p50/p99/p999/max in microseconds. Gives up after 100 losses or 120 s.
 *       Both ends sleep in the kernel rather than spin: on a machine with few cores, two spinning
 *       ends starve the softirq that forwards the packets and the figure measures the scheduler.
 *
 * Loss of a run is 1 - (received by both ends) / (sent by both ends). Every loop is bounded by
 * <seconds>, <count> or a fixed limit. */
#define _GNU_SOURCE /* recvmmsg, sendmmsg */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define PERIOD_NS 20000000LL /* 50 packets/s */
#define SILENCE_NS 200000000LL
#define MAX_CALLS 16384
#define MAX_SIZE 1472
#define BATCH 64

static int64_t now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (int64_t)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static void sleep_until(int64_t when) {
  struct timespec t = {.tv_sec = when / 1000000000LL, .tv_nsec = when % 1000000000LL};
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t, NULL) == EINTR) {
  }
}

static int parse_number(const char *text, long low, long high, long *out) {
  char *end;
  errno = 0;
  long value = strtol(text, &end, 10);
  if (errno || *end || value < low || value > high) return -1;
  *out = value;
  return 0;
}

static int parse_endpoint(const char *ip, const char *port, struct sockaddr_in *out) {
  long number;
  memset(out, 0, sizeof *out);
  out->sin_family = AF_INET;
  if (inet_pton(AF_INET, ip, &out->sin_addr) != 1 || parse_number(port, 1, 65535, &number)) return -1;
  out->sin_port = htons((uint16_t)number);
  return 0;
}

/* A socket with large buffers (the generator's bursts must not be lost in its own socket). */
static int udp_socket(void) {
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  if (fd < 0) return -1;
  int size = 8 << 20;
  if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size)) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof size)) setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
  return fd;
}

static int bound_socket(const struct sockaddr_in *where) {
  int fd = udp_socket();
  if (fd < 0) return -1;
  if (bind(fd, (const struct sockaddr *)where, sizeof *where)) {
    close(fd);
    return -1;
  }
  return fd;
}

/* ---- serve: the far end of every call ---- */

struct endpoint {
  struct sockaddr_in addr;
  int64_t next_send, last_heard;
};

static struct endpoint endpoints[MAX_CALLS];
static int endpoint_count;
/* Open addressing over (address, port): index + 1 of the endpoint, 0 for an empty slot. */
#define SLOTS (4 * MAX_CALLS)
static uint16_t slots[SLOTS];

static struct endpoint *endpoint_of(const struct sockaddr_in *from) {
  uint32_t key = from->sin_addr.s_addr * 2654435761u ^ from->sin_port * 40503u;
  for (uint32_t probe = 0; probe < SLOTS; probe++) {
    uint32_t slot = (key + probe) % SLOTS;
    if (slots[slot]) {
      struct endpoint *known = &endpoints[slots[slot] - 1];
      if (known->addr.sin_addr.s_addr == from->sin_addr.s_addr && known->addr.sin_port == from->sin_port) return known;
      continue;
    }
    if (endpoint_count == MAX_CALLS) return NULL;
    struct endpoint *fresh = &endpoints[endpoint_count++];
    slots[slot] = (uint16_t)endpoint_count;
    fresh->addr = *from;
    fresh->next_send = now_ns() + PERIOD_NS / 2;
    return fresh;
  }
  return NULL;
}

static int serve(const struct sockaddr_in *where, long seconds) {
  int fd = bound_socket(where);
  if (fd < 0) {
    perror("pbcalls serve: bind");
    return 1;
  }
  static uint8_t buffers[BATCH][MAX_SIZE];
  static struct sockaddr_in froms[BATCH];
  struct iovec iov[BATCH];
  struct mmsghdr messages[BATCH];
  unsigned long sent = 0, received = 0, errors = 0;
  size_t size = 200;
  int64_t end = now_ns() + seconds * 1000000000LL;
  for (int64_t now = now_ns(); now < end; now = now_ns()) {
    for (;;) {
      for (int i = 0; i < BATCH; i++) {
        iov[i] = (struct iovec){buffers[i], MAX_SIZE};
        messages[i].msg_hdr = (struct msghdr){.msg_name = &froms[i], .msg_namelen = sizeof froms[i], .msg_iov = &iov[i], .msg_iovlen = 1};
      }
      int got = recvmmsg(fd, messages, BATCH, MSG_DONTWAIT, NULL);
      if (got <= 0) break;
      for (int i = 0; i < got; i++) {
        received++;
        size = messages[i].msg_len;
        struct endpoint *call = endpoint_of(&froms[i]);
        if (call) call->last_heard = now;
      }
    }
    /* Sequential endpoint list, sendmmsg batches: the far end must not be the bottleneck. */
    int queued = 0;
    for (int i = 0; i < endpoint_count; i++) {
      struct endpoint *call = &endpoints[i];
      if (now - call->last_heard > SILENCE_NS || call->next_send > now) continue;
      call->next_send += PERIOD_NS;
      if (call->next_send < now) call->next_send = now + PERIOD_NS;
      iov[queued] = (struct iovec){buffers[0], size};
      messages[queued].msg_hdr = (struct msghdr){.msg_name = &call->addr, .msg_namelen = sizeof call->addr, .msg_iov = &iov[queued], .msg_iovlen = 1};
      if (++queued == BATCH) {
        int done = sendmmsg(fd, messages, queued, 0);
        if (done < 0) done = 0;
        sent += done;
        errors += queued - done;
        queued = 0;
      }
    }
    if (queued) {
      int done = sendmmsg(fd, messages, queued, 0);
      if (done < 0) done = 0;
      sent += done;
      errors += queued - done;
    }
    sleep_until(now + 500000); /* a 0.5 ms tick: well inside one 20 ms period */
  }
  printf("serve calls_heard %d sent %lu received %lu send_errors %lu\n", endpoint_count, sent, received, errors);
  return 0;
}

/* ---- dial: the phone's side of every call ---- */

static int dial(const struct sockaddr_in *far, long calls, long seconds, long first_port, long size) {
  struct rlimit files = {.rlim_cur = (rlim_t)calls + 64, .rlim_max = (rlim_t)calls + 64};
  if (setrlimit(RLIMIT_NOFILE, &files)) {
    perror("pbcalls dial: RLIMIT_NOFILE");
    return 1;
  }
  static int fds[MAX_CALLS];
  static int64_t next_send[MAX_CALLS];
  int poller = epoll_create1(0);
  int64_t start = now_ns();
  for (long i = 0; i < calls; i++) {
    struct sockaddr_in local = {.sin_family = AF_INET, .sin_port = htons((uint16_t)(first_port + 2 * i))};
    fds[i] = bound_socket(&local);
    struct epoll_event interest = {.events = EPOLLIN, .data.u32 = (uint32_t)i};
    if (fds[i] < 0 || connect(fds[i], (const struct sockaddr *)far, sizeof *far) || epoll_ctl(poller, EPOLL_CTL_ADD, fds[i], &interest)) {
      fprintf(stderr, "pbcalls dial: socket for local port %ld: %s\n", first_port + 2 * i, strerror(errno));
      return 1;
    }
    next_send[i] = start + (PERIOD_NS * i) / calls;
  }
  static uint8_t packet[MAX_SIZE], sink[MAX_SIZE];
  memset(packet, 0x5a, sizeof packet);
  unsigned long sent = 0, received = 0, errors = 0;
  int64_t stop_sending = start + seconds * 1000000000LL, end = stop_sending + 500000000LL;
  static struct epoll_event ready[256];
  long cursor = 0; /* calls are due in index order, so one cursor walks the schedule */
  for (int64_t now = now_ns(); now < end; now = now_ns()) {
    for (long checked = 0; now < stop_sending && checked < calls && next_send[cursor] <= now; checked++) {
      if (send(fds[cursor], packet, (size_t)size, 0) == size) sent++;
      else errors++;
      next_send[cursor] += PERIOD_NS;
      cursor = (cursor + 1) % calls;
    }
    int64_t wake = next_send[cursor] - now;
    int timeout_ms = now >= stop_sending ? 10 : (int)(wake > 0 ? wake / 1000000 : 0);
    int count = epoll_wait(poller, ready, 256, timeout_ms);
    for (int r = 0; r < count; r++) {
      while (recv(fds[ready[r].data.u32], sink, sizeof sink, MSG_DONTWAIT) > 0) received++;
    }
  }
  printf("dial calls %ld sent %lu received %lu send_errors %lu\n", calls, sent, received, errors);
  return 0;
}

/* ---- echo and ping: round-trip latency ---- */

static int echo(const struct sockaddr_in *where, long seconds) {
  int fd = bound_socket(where);
  if (fd < 0) {
    perror("pbcalls echo: bind");
    return 1;
  }
  static uint8_t buffer[MAX_SIZE];
  unsigned long echoed = 0;
  int64_t end = now_ns() + seconds * 1000000000LL;
  struct pollfd wait = {.fd = fd, .events = POLLIN};
  while (now_ns() < end) {
    if (poll(&wait, 1, 100) <= 0) continue;
    struct sockaddr_in from;
    socklen_t length = sizeof from;
    ssize_t got = recvfrom(fd, buffer, sizeof buffer, MSG_DONTWAIT, (struct sockaddr *)&from, &length);
    if (got < 0) continue;
    if (sendto(fd, buffer, (size_t)got, 0, (struct sockaddr *)&from, length) == got) echoed++;
  }
  printf("echo echoed %lu\n", echoed);
  return 0;
}

static int compare_times(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return (x > y) - (x < y);
}

static int ping(const struct sockaddr_in *far, long count, long local_port, long size) {
  struct sockaddr_in local = {.sin_family = AF_INET, .sin_port = htons((uint16_t)local_port)};
  int fd = bound_socket(&local);
  if (fd < 0 || connect(fd, (const struct sockaddr *)far, sizeof *far)) {
    perror("pbcalls ping: socket");
    return 1;
  }
  int64_t *times = calloc((size_t)count, sizeof *times);
  if (!times) return 1;
  static uint8_t packet[MAX_SIZE], reply[MAX_SIZE];
  long done = 0, lost = 0;
  int64_t give_up = now_ns() + 120 * 1000000000LL;
  for (uint32_t seq = 0; done < count && lost < 100 && now_ns() < give_up; seq++) {
    memcpy(packet, &seq, sizeof seq);
    int64_t sent_at = now_ns();
    if (send(fd, packet, (size_t)size, 0) != size) {
      lost++;
      continue;
    }
    int answered = 0;
    struct pollfd wait = {.fd = fd, .events = POLLIN};
    while (!answered && now_ns() - sent_at < 100000000LL) {
      if (poll(&wait, 1, 100) <= 0) continue;
      ssize_t got = recv(fd, reply, sizeof reply, MSG_DONTWAIT);
      if (got >= (ssize_t)sizeof seq && memcmp(reply, &seq, sizeof seq) == 0) answered = 1;
    }
    if (answered) times[done++] = now_ns() - sent_at;
    else lost++;
  }
  if (!done) {
    printf("ping replies 0 lost %ld\n", lost);
    return 1;
  }
  qsort(times, (size_t)done, sizeof *times, compare_times);
#define PCT(p) (times[(long)((done - 1) * (p))] / 1000.0)
  printf("ping replies %ld lost %ld p50_us %.1f p99_us %.1f p999_us %.1f max_us %.1f\n", done, lost, PCT(0.5), PCT(0.99), PCT(0.999), times[done - 1] / 1000.0);
  free(times);
  return 0;
}

static int usage(void) {
  fprintf(stderr,
          "usage: pbcalls serve <ip> <port> <seconds>\n"
          "       pbcalls dial <far-ip> <port> <calls> <seconds> <first-local-port> [size]\n"
          "       pbcalls echo <ip> <port> <seconds>\n"
          "       pbcalls ping <far-ip> <port> <count> <local-port> [size]\n");
  return 2;
}

int main(int argc, char **argv) {
  if (argc < 5) return usage();
  struct sockaddr_in endpoint;
  long a, b, c, size = 200;
  if (parse_endpoint(argv[2], argv[3], &endpoint)) return usage();
  const char *mode = argv[1];
  if ((strcmp(mode, "serve") == 0 || strcmp(mode, "echo") == 0) && argc == 5) {
    if (parse_number(argv[4], 1, 3600, &a)) return usage();
    return mode[0] == 's' ? serve(&endpoint, a) : echo(&endpoint, a);
  }
  if (strcmp(mode, "dial") == 0 && (argc == 7 || argc == 8)) {
    if (parse_number(argv[4], 1, MAX_CALLS, &a) || parse_number(argv[5], 1, 3600, &b) || parse_number(argv[6], 1, 65535, &c)) return usage();
    if (argc == 8 && parse_number(argv[7], 16, MAX_SIZE, &size)) return usage();
    if (c + 2 * (a - 1) > 65535) return usage();
    return dial(&endpoint, a, b, c, size);
  }
  if (strcmp(mode, "ping") == 0 && (argc == 6 || argc == 7)) {
    if (parse_number(argv[4], 1, 10000000, &a) || parse_number(argv[5], 1, 65535, &b)) return usage();
    if (argc == 7 && parse_number(argv[6], 16, MAX_SIZE, &size)) return usage();
    return ping(&endpoint, a, b, size);
  }
  return usage();
}
