/* The flash partition: a raw MTD device (MEMGETINFO/MEMERASE/MEMGETBADBLOCK) or a file emulating
 * NOR/NAND (erase to 0xff, program only clears bits). Every operation runs in FIFO order on one
 * worker thread, so a one-second erase never stalls forwarding; completions return via an eventfd. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <mtd/mtd-user.h>
#include "rt.h"

/* SysError codes of hal/hal.ts */
enum { SYS_OK = 0, SYS_IO = -5, SYS_BAD_BLOCK = -77, SYS_INVALID = -22 };

typedef struct flash_op {
  struct flash_op *next;
  uint32_t id;
  int op, code;
  uint64_t offset;
  size_t len;
  uint8_t *buf;
} flash_op;

static rt_flash_info info;
static int dev_fd = -1, event_fd = -1;
static uint8_t *bad_map; /* file emulation: blocks marked bad at runtime (not persisted) */
static pthread_t worker;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static flash_op *todo_head, *todo_tail, *done_head, *done_tail;
static bool quitting, worker_running;
static int pending;
static flash_done_fn done_fn;
static long erase_delay_ms;

void flash_set_erase_delay(long ms) { erase_delay_ms = ms; }

void flash_set_done(flash_done_fn fn) { done_fn = fn; }
int flash_pending(void) { return pending; }

static void push(flash_op **head, flash_op **tail, flash_op *op) {
  op->next = NULL;
  if (*tail) (*tail)->next = op;
  else *head = op;
  *tail = op;
}

static flash_op *pop(flash_op **head, flash_op **tail) {
  flash_op *op = *head;
  if (op) {
    *head = op->next;
    if (!*head) *tail = NULL;
  }
  return op;
}

static int full_pread(uint8_t *buf, size_t len, uint64_t offset) {
  while (len > 0) {
    ssize_t n = pread(dev_fd, buf, len, (off_t)offset);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return SYS_IO;
    buf += n, len -= (size_t)n, offset += (uint64_t)n;
  }
  return SYS_OK;
}

static int full_pwrite(const uint8_t *buf, size_t len, uint64_t offset) {
  while (len > 0) {
    ssize_t n = pwrite(dev_fd, buf, len, (off_t)offset);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return SYS_IO;
    buf += n, len -= (size_t)n, offset += (uint64_t)n;
  }
  return SYS_OK;
}

static int do_program(flash_op *op) {
  if (info.is_mtd) return full_pwrite(op->buf, op->len, op->offset) == SYS_OK ? SYS_OK : SYS_IO;
  /* NOR semantics on a file: programming can only clear bits. */
  uint8_t *old = malloc(op->len);
  if (!old) return SYS_IO;
  int rc = full_pread(old, op->len, op->offset);
  if (rc == SYS_OK) {
    for (size_t i = 0; i < op->len; i++) old[i] &= op->buf[i];
    rc = full_pwrite(old, op->len, op->offset);
    if (rc == SYS_OK && fdatasync(dev_fd) < 0) rc = SYS_IO;
  }
  free(old);
  return rc;
}

static int do_erase(flash_op *op) {
  if (info.is_mtd) {
    struct erase_info_user erase = {(uint32_t)op->offset, info.block_size};
    if (ioctl(dev_fd, MEMERASE, &erase) < 0) return errno == EIO ? SYS_BAD_BLOCK : SYS_IO;
    return SYS_OK;
  }
  /* Emulated NOR erase time (a real 64 KiB NOR erase takes 0.1 to 2 s): shows the loop never waits. */
  if (erase_delay_ms > 0) usleep((useconds_t)erase_delay_ms * 1000);
  uint8_t *ones = malloc(info.block_size);
  if (!ones) return SYS_IO;
  memset(ones, 0xff, info.block_size);
  int rc = full_pwrite(ones, info.block_size, op->offset);
  if (rc == SYS_OK && fdatasync(dev_fd) < 0) rc = SYS_IO;
  free(ones);
  return rc;
}

static int do_mark_bad(flash_op *op) {
  if (info.is_mtd) {
    loff_t at = (loff_t)op->offset;
    return ioctl(dev_fd, MEMSETBADBLOCK, &at) < 0 ? SYS_IO : SYS_OK;
  }
  bad_map[op->offset / info.block_size] = 1;
  return SYS_OK;
}

static void *work(void *arg) {
  pthread_mutex_lock(&lock);
  for (;;) {
    flash_op *op = pop(&todo_head, &todo_tail);
    if (!op) {
      if (quitting) break;
      pthread_cond_wait(&wake, &lock);
      continue;
    }
    pthread_mutex_unlock(&lock);
    switch (op->op) {
      case FLASH_READ: op->code = full_pread(op->buf, op->len, op->offset); break;
      case FLASH_PROGRAM: op->code = do_program(op); break;
      case FLASH_ERASE: op->code = do_erase(op); break;
      default: op->code = do_mark_bad(op); break;
    }
    pthread_mutex_lock(&lock);
    push(&done_head, &done_tail, op);
    uint64_t one = 1;
    if (write(event_fd, &one, sizeof one) < 0) { /* counter saturated: the reader still drains all */ }
  }
  pthread_mutex_unlock(&lock);
  return NULL;
}

static void on_done(void *ctx, uint32_t events) {
  uint64_t count;
  if (read(event_fd, &count, sizeof count) < 0 && errno != EAGAIN) return;
  for (;;) {
    pthread_mutex_lock(&lock);
    flash_op *op = pop(&done_head, &done_tail);
    pthread_mutex_unlock(&lock);
    if (!op) break;
    pending--;
    if (done_fn) done_fn(op->id, op->op, op->code, op->buf, op->len);
    free(op->buf);
    free(op);
  }
}

static uint64_t parse_size(const char *text) {
  char *end;
  unsigned long long v = strtoull(text, &end, 0);
  if (*end == 'k' || *end == 'K') v <<= 10, end++;
  else if (*end == 'm' || *end == 'M') v <<= 20, end++;
  return *end ? 0 : v;
}

int flash_open(const char *spec, const char *kind, long block_size, long program_unit, uint64_t default_size,
               rt_flash_info *out) {
  char path[512];
  snprintf(path, sizeof path, "%s", spec);
  uint64_t size = default_size ? default_size : 1 << 20;
  char *colon = strrchr(path, ':');
  if (colon) {
    size = parse_size(colon + 1);
    *colon = 0;
    if (size == 0) {
      rt_log("flash: bad size in '%s' (e.g. /var/tmp/pb.flash:4M)", spec);
      return -EINVAL;
    }
  }
  struct stat st;
  bool exists = stat(path, &st) == 0;
  if (exists && S_ISCHR(st.st_mode)) {
    dev_fd = open(path, O_RDWR | O_CLOEXEC);
    struct mtd_info_user mtd;
    if (dev_fd < 0 || ioctl(dev_fd, MEMGETINFO, &mtd) < 0) {
      rt_log("flash: %s is not an MTD device: %s", path, strerror(errno));
      return -ENODEV;
    }
    info.is_mtd = true;
    info.size = mtd.size;
    info.block_size = mtd.erasesize;
    info.program_unit = mtd.writesize ? mtd.writesize : 1;
    snprintf(info.kind, sizeof info.kind, "%s", mtd.type == MTD_NANDFLASH || mtd.type == MTD_MLCNANDFLASH ? "nand" : "nor");
  } else {
    info.block_size = block_size > 0 ? (uint32_t)block_size : 65536;
    info.program_unit = program_unit > 0 ? (uint32_t)program_unit : 1;
    snprintf(info.kind, sizeof info.kind, "%s", kind && *kind ? kind : "nor");
    if (exists && !colon) size = (uint64_t)st.st_size; /* an existing file keeps its size */
    if (size % info.block_size) {
      rt_log("flash: size %llu is not a multiple of the erase block %u", (unsigned long long)size, info.block_size);
      return -EINVAL;
    }
    dev_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (dev_fd < 0) {
      rt_log("flash: %s: %s", path, strerror(errno));
      return -errno;
    }
    fstat(dev_fd, &st);
    if ((uint64_t)st.st_size < size) {
      /* New flash reads as erased. */
      uint8_t ones[4096];
      memset(ones, 0xff, sizeof ones);
      for (uint64_t at = (uint64_t)st.st_size; at < size; at += sizeof ones) {
        size_t n = size - at < sizeof ones ? (size_t)(size - at) : sizeof ones;
        if (full_pwrite(ones, n, at) != SYS_OK) return -EIO;
      }
    } else if ((uint64_t)st.st_size > size && ftruncate(dev_fd, (off_t)size) < 0) {
      return -errno;
    }
    info.size = size;
    bad_map = calloc(size / info.block_size, 1);
  }
  event_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (event_fd < 0 || pthread_create(&worker, NULL, work, NULL) != 0) return -errno;
  worker_running = true;
  *out = info;
  return loop_add(event_fd, EPOLLIN, on_done, NULL);
}

int flash_submit(int op, uint32_t id, uint64_t offset, const uint8_t *data, size_t len) {
  if (dev_fd < 0) return SYS_IO;
  if (op == FLASH_ERASE || op == FLASH_MARK_BAD) {
    if (offset >= info.size / info.block_size) return SYS_INVALID;
    offset *= info.block_size;
    len = 0;
  } else {
    if (offset > info.size || len > info.size - offset) return SYS_INVALID;
    if (op == FLASH_PROGRAM && (offset % info.program_unit || len % info.program_unit)) return SYS_INVALID;
  }
  flash_op *fo = calloc(1, sizeof *fo);
  if (!fo) return SYS_IO;
  *fo = (flash_op){.id = id, .op = op, .offset = offset, .len = len};
  if (len) {
    fo->buf = malloc(len);
    if (!fo->buf) {
      free(fo);
      return SYS_IO;
    }
    if (op == FLASH_PROGRAM) memcpy(fo->buf, data, len);
  }
  pthread_mutex_lock(&lock);
  push(&todo_head, &todo_tail, fo);
  pending++;
  pthread_cond_signal(&wake);
  pthread_mutex_unlock(&lock);
  return SYS_OK;
}

bool flash_is_bad(uint32_t block) {
  if (dev_fd < 0 || block >= info.size / info.block_size) return false;
  if (!info.is_mtd) return bad_map[block] != 0;
  if (strcmp(info.kind, "nand") != 0) return false;
  loff_t at = (loff_t)block * info.block_size;
  return ioctl(dev_fd, MEMGETBADBLOCK, &at) > 0;
}

void flash_close(void) {
  if (!worker_running) return;
  pthread_mutex_lock(&lock);
  quitting = true;
  pthread_cond_signal(&wake);
  pthread_mutex_unlock(&lock);
  pthread_join(worker, NULL);
  worker_running = false;
  if (!info.is_mtd) fsync(dev_fd);
  close(dev_fd);
  dev_fd = -1;
}
