/* The event loop: epoll over ports, console, flash completions and signals; one JavaScript wake-up
 * deadline; the watchdog kick; SIGTERM -> stop once pending flash operations have finished. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>
#include <linux/watchdog.h>
#include "rt.h"

#define MAX_WATCHED (RT_MAX_UDP + 16) /* ports, console, flash, signals, netlink, ICMP + sockets */
#define LINK_POLL_MS 1000.0
#define STOP_GRACE_MS 10000.0 /* longest a stop waits for flash operations */

typedef struct {
  int fd;
  loop_handler handler;
  void *ctx;
} watched;

static int epoll_fd = -1;
static int signal_fd = -1;
static watched table[MAX_WATCHED];
static double start_ns;
static double wake_at = -1;
static int stop_code = -1;
static double stop_since;
static bool reboot_requested;
static int watchdog_fd = -1;
static double watchdog_period_ms, watchdog_next;
static double link_next;
static double exit_at = -1;

void loop_set_exit_at(double ms) { exit_at = ms; }

void rt_log(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("plugboard: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
}

static double mono_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

double loop_now_ms(void) { return (mono_ns() - start_ns) / 1e6; }

static void on_signal(void *ctx, uint32_t events) {
  struct signalfd_siginfo info;
  while (read(signal_fd, &info, sizeof info) == (ssize_t)sizeof info) {
    if (info.ssi_signo == SIGTERM || info.ssi_signo == SIGINT) {
      if (stop_code < 0) rt_log("signal %u: stopping after pending flash operations", info.ssi_signo);
      loop_request_stop(0);
    }
    if (info.ssi_signo == SIGCHLD) spawn_reap();
  }
}

int loop_init(void) {
  start_ns = mono_ns();
  for (int i = 0; i < MAX_WATCHED; i++) table[i].fd = -1;
  epoll_fd = epoll_create1(EPOLL_CLOEXEC);
  if (epoll_fd < 0) return -errno;
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGTERM);
  sigaddset(&mask, SIGINT);
  sigaddset(&mask, SIGCHLD);
  sigprocmask(SIG_BLOCK, &mask, NULL);
  signal(SIGPIPE, SIG_IGN);
  signal_fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
  if (signal_fd < 0) return -errno;
  return loop_add(signal_fd, EPOLLIN, on_signal, NULL);
}

static watched *slot_of(int fd, bool create) {
  for (int i = 0; i < MAX_WATCHED; i++)
    if (table[i].fd == fd) return &table[i];
  if (!create) return NULL;
  for (int i = 0; i < MAX_WATCHED; i++)
    if (table[i].fd < 0) return &table[i];
  return NULL;
}

int loop_add(int fd, uint32_t events, loop_handler handler, void *ctx) {
  watched *w = slot_of(fd, true);
  if (!w) return -ENOSPC;
  *w = (watched){fd, handler, ctx};
  struct epoll_event ev = {.events = events, .data.ptr = w};
  if (epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0) {
    w->fd = -1;
    return -errno;
  }
  return 0;
}

int loop_mod(int fd, uint32_t events, loop_handler handler, void *ctx) {
  watched *w = slot_of(fd, false);
  if (!w) return loop_add(fd, events, handler, ctx);
  w->handler = handler;
  w->ctx = ctx;
  struct epoll_event ev = {.events = events, .data.ptr = w};
  return epoll_ctl(epoll_fd, EPOLL_CTL_MOD, fd, &ev) < 0 ? -errno : 0;
}

void loop_del(int fd) {
  watched *w = slot_of(fd, false);
  if (!w) return;
  epoll_ctl(epoll_fd, EPOLL_CTL_DEL, fd, NULL);
  w->fd = -1;
}

void loop_set_wake_at(double ms) { wake_at = ms; }

void loop_request_stop(int code) {
  if (stop_code >= 0) return;
  stop_code = code;
  stop_since = loop_now_ms();
}

void loop_request_reboot(void) {
  reboot_requested = true;
  loop_request_stop(0);
}

bool loop_stopping(void) { return stop_code >= 0; }

void loop_watchdog_open(const char *device) {
  watchdog_fd = open(device, O_WRONLY | O_CLOEXEC);
  if (watchdog_fd < 0) {
    rt_log("watchdog %s: %s (continuing without it)", device, strerror(errno));
    return;
  }
  int timeout = 0;
  if (ioctl(watchdog_fd, WDIOC_GETTIMEOUT, &timeout) < 0 || timeout <= 0) timeout = 15;
  watchdog_period_ms = timeout * 1000.0 / 3; /* three chances per timeout */
  watchdog_next = 0;
  rt_log("watchdog %s: timeout %d s, kicked every %.0f ms", device, timeout, watchdog_period_ms);
}

void loop_watchdog_close(void) {
  if (watchdog_fd < 0) return;
  /* Magic close: a clean exit disarms the watchdog; a crash or hang lets it bite. */
  if (write(watchdog_fd, "V", 1) < 0) rt_log("watchdog magic close: %s", strerror(errno));
  close(watchdog_fd);
  watchdog_fd = -1;
}

static void poll_links(void) {
  for (int i = 0; i < ports_count(); i++) {
    rt_port *port = ports_get(i);
    if (!port || !port->poll_link) continue;
    bool up = port->poll_link(port);
    if (up != port->link_up) {
      port->link_up = up;
      js_link_changed(port);
    }
  }
}

static bool can_stop(void) {
  if (flash_pending() > 0) return false;
  return spawn_running() == 0; /* e.g. the nft that removes Plugboard's table on the way out */
}

int loop_run(void) {
  struct epoll_event events[16];
  for (;;) {
    double now = loop_now_ms();
    if (stop_code >= 0) {
      js_drain_jobs();
      if (can_stop()) break;
      if (now - stop_since > STOP_GRACE_MS) {
        rt_log("stop: flash operations or child processes still pending after %.0f ms; exiting anyway", STOP_GRACE_MS);
        stop_code = EXIT_SYSTEM;
        break;
      }
    }
    if (exit_at >= 0 && now >= exit_at && stop_code < 0) {
      rt_log("--exit-after reached: stopping");
      loop_request_stop(0);
    }
    double deadline = now + 1000.0;
    if (exit_at >= 0 && stop_code < 0 && exit_at < deadline) deadline = exit_at;
    if (wake_at >= 0 && wake_at < deadline) deadline = wake_at;
    if (watchdog_fd >= 0 && watchdog_next < deadline) deadline = watchdog_next;
    if (link_next < deadline) deadline = link_next;
    if (ports_tx_pending() && now + 1 < deadline) deadline = now + 1;
    double wait = deadline - now;
    int timeout = wait <= 0 ? 0 : (int)ceil(wait);
    if (stop_code >= 0 && timeout > 10) timeout = 10;
    int n = epoll_wait(epoll_fd, events, 16, timeout);
    if (n < 0 && errno != EINTR) {
      rt_log("epoll_wait: %s", strerror(errno));
      return EXIT_SYSTEM;
    }
    for (int i = 0; i < n; i++) {
      watched *w = events[i].data.ptr;
      if (w->fd >= 0 && w->handler) w->handler(w->ctx, events[i].events);
      js_drain_jobs();
    }
    now = loop_now_ms();
    if (wake_at >= 0 && now >= wake_at) {
      wake_at = -1; /* JavaScript sets the next one */
      js_timer_due();
      js_drain_jobs();
    }
    if (watchdog_fd >= 0 && now >= watchdog_next) {
      if (write(watchdog_fd, "k", 1) < 0) rt_log("watchdog kick: %s", strerror(errno));
      watchdog_next = now + watchdog_period_ms;
    }
    if (now >= link_next) {
      poll_links();
      js_drain_jobs();
      link_next = now + LINK_POLL_MS;
    }
    ports_flush_all();
  }
  ports_flush_all();
  return stop_code;
}

bool loop_reboot_requested(void) { return reboot_requested; }
