/* The serial console as raw bytes: a tty (termios raw at the board's baud), a pty (for tests; its
 * path is logged and optionally symlinked), stdin/stdout, or none. Output never blocks the loop:
 * what the device cannot take now waits in a bounded buffer; overflow is dropped and counted. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <termios.h>
#include <unistd.h>
#include "rt.h"

#define OUT_CAPACITY (64 * 1024)

static int in_fd = -1, out_fd = -1, pty_slave_fd = -1;
static bool restore_stdin;
static struct termios saved_termios;
static uint8_t out_buf[OUT_CAPACITY];
static size_t out_len;
static uint64_t out_dropped;
static console_input_fn input_fn;
static char link_path[256];

void console_set_input(console_input_fn fn) { input_fn = fn; }

static speed_t speed_of(int baud) {
  static const struct { int baud; speed_t speed; } table[] = {
      {9600, B9600}, {19200, B19200}, {38400, B38400}, {57600, B57600},
      {115200, B115200}, {230400, B230400}, {460800, B460800}, {921600, B921600},
  };
  for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
    if (table[i].baud == baud) return table[i].speed;
  return 0;
}

static void make_raw(int fd, int baud) {
  struct termios t;
  if (tcgetattr(fd, &t) < 0) return;
  cfmakeraw(&t);
  t.c_cc[VMIN] = 1;
  t.c_cc[VTIME] = 0;
  speed_t speed = baud ? speed_of(baud) : 0;
  if (speed) cfsetspeed(&t, speed);
  tcsetattr(fd, TCSANOW, &t);
}

static void on_output_ready(void *ctx, uint32_t events);

static void on_input(void *ctx, uint32_t events) {
  uint8_t buf[512];
  for (;;) {
    ssize_t n = read(in_fd, buf, sizeof buf);
    if (n > 0) {
      if (input_fn) input_fn(buf, (size_t)n);
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
    /* EOF or error (stdin closed, pty slave gone): stop listening, keep running. */
    if (in_fd == out_fd && out_len > 0) loop_mod(in_fd, EPOLLOUT, on_output_ready, NULL);
    else loop_del(in_fd);
    return;
  }
}

static void flush_out(void) {
  while (out_len > 0) {
    ssize_t n = write(out_fd, out_buf, out_len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    memmove(out_buf, out_buf + n, out_len - (size_t)n);
    out_len -= (size_t)n;
  }
  uint32_t want = (in_fd == out_fd ? EPOLLIN : 0) | (out_len ? EPOLLOUT : 0);
  if (in_fd == out_fd) loop_mod(out_fd, want, on_output_ready, NULL);
  else if (out_len) loop_mod(out_fd, EPOLLOUT, on_output_ready, NULL);
  else loop_del(out_fd);
}

static void on_output_ready(void *ctx, uint32_t events) {
  if (events & EPOLLIN) on_input(ctx, events);
  if (events & EPOLLOUT) flush_out();
}

void console_write(const uint8_t *bytes, size_t len) {
  if (out_fd < 0) return;
  if (out_len == 0) {
    ssize_t n = write(out_fd, bytes, len);
    if (n > 0) bytes += n, len -= (size_t)n;
  }
  if (len == 0) return;
  size_t room = OUT_CAPACITY - out_len, take = len < room ? len : room;
  memcpy(out_buf + out_len, bytes, take);
  out_len += take;
  out_dropped += len - take;
  flush_out();
}

static int set_nonblocking(int fd) {
  int flags = fcntl(fd, F_GETFL);
  return flags < 0 ? -1 : fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

int console_open(const char *spec, int baud) {
  if (!spec || strcmp(spec, "none") == 0) return 0;
  if (strcmp(spec, "stdio") == 0) {
    in_fd = 0;
    out_fd = 1;
    if (isatty(0) && tcgetattr(0, &saved_termios) == 0) {
      restore_stdin = true;
      make_raw(0, 0);
    }
    set_nonblocking(0);
    set_nonblocking(1);
    loop_add(0, EPOLLIN, on_input, NULL); /* fails harmlessly when stdin is /dev/null (regular file) */
    return 0;
  }
  if (strncmp(spec, "pty", 3) == 0 && (spec[3] == 0 || spec[3] == ':')) {
    int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (master < 0 || grantpt(master) < 0 || unlockpt(master) < 0) return -errno;
    const char *slave = ptsname(master);
    /* Holding the slave open keeps the master from reporting hang-up while no test is attached,
     * and lets us put the line discipline in raw mode: the firmware does echo and editing. */
    pty_slave_fd = open(slave, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (pty_slave_fd >= 0) make_raw(pty_slave_fd, 0);
    set_nonblocking(master);
    in_fd = out_fd = master;
    rt_log("console: pty %s", slave);
    if (spec[3] == ':') {
      snprintf(link_path, sizeof link_path, "%s", spec + 4);
      unlink(link_path);
      if (symlink(slave, link_path) < 0) rt_log("console: symlink %s: %s", link_path, strerror(errno));
    }
    return loop_add(master, EPOLLIN, on_output_ready, NULL);
  }
  int fd = open(spec, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    rt_log("console: %s: %s", spec, strerror(errno));
    return -errno;
  }
  if (baud && !speed_of(baud)) rt_log("console: unsupported baud %d; keeping the device's speed", baud);
  make_raw(fd, baud);
  in_fd = out_fd = fd;
  return loop_add(fd, EPOLLIN, on_output_ready, NULL);
}

void console_close(void) {
  if (out_fd >= 0 && out_len > 0) {
    int flags = fcntl(out_fd, F_GETFL);
    fcntl(out_fd, F_SETFL, flags & ~O_NONBLOCK);
    if (write(out_fd, out_buf, out_len) < 0) { /* nothing more to do on the way out */ }
    out_len = 0;
  }
  if (restore_stdin) tcsetattr(0, TCSANOW, &saved_termios);
  if (out_dropped) rt_log("console: %llu output bytes dropped (device too slow)", (unsigned long long)out_dropped);
  if (link_path[0]) unlink(link_path);
}
