/* Router mode runs two programs: `nft -f -` to replace Plugboard's table in one transaction, and
 * `nft -j list counters` for `show nat`. Each child gets its stdin and writes its stdout/stderr
 * into memory files, so the loop never blocks on a pipe; the output is read when it exits (SIGCHLD). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include "rt.h"

#define MAX_CHILDREN 8
#define MAX_OUTPUT (4u << 20) /* more than any nft answer for a thousand phones */

typedef struct {
  pid_t pid; /* 0: free */
  uint32_t id;
  int out_fd, err_fd;
} child;

extern char **environ;
static child children[MAX_CHILDREN];
static spawn_done_fn done_fn;

void spawn_set_done(spawn_done_fn fn) { done_fn = fn; }

int spawn_running(void) {
  int n = 0;
  for (int i = 0; i < MAX_CHILDREN; i++) n += children[i].pid != 0;
  return n;
}

static int memory_file(const char *name) {
  int fd = memfd_create(name, MFD_CLOEXEC);
  return fd < 0 ? -errno : fd;
}

/* The whole of a memory file, NUL-terminated; NULL (and *len 0) when it is empty or unreadable. */
static char *read_all(int fd, size_t *len) {
  *len = 0;
  off_t size = lseek(fd, 0, SEEK_END);
  if (size <= 0) return NULL;
  if ((size_t)size > MAX_OUTPUT) size = MAX_OUTPUT;
  char *text = malloc((size_t)size + 1);
  if (!text) return NULL;
  ssize_t n = pread(fd, text, (size_t)size, 0);
  if (n < 0) n = 0;
  text[n] = 0;
  *len = (size_t)n;
  return text;
}

int spawn_start(uint32_t id, char *const argv[], const uint8_t *stdin_bytes, size_t stdin_len) {
  child *c = NULL;
  for (int i = 0; i < MAX_CHILDREN && !c; i++)
    if (children[i].pid == 0) c = &children[i];
  if (!c) return -EAGAIN;
  int in_fd = memory_file("stdin"), out_fd = memory_file("stdout"), err_fd = memory_file("stderr");
  int rc = in_fd < 0 ? in_fd : out_fd < 0 ? out_fd : err_fd < 0 ? err_fd : 0;
  if (rc == 0 && stdin_len > 0 && pwrite(in_fd, stdin_bytes, stdin_len, 0) != (ssize_t)stdin_len) rc = -EIO;
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  if (rc == 0) {
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in_fd, 0);
    posix_spawn_file_actions_adddup2(&actions, out_fd, 1);
    posix_spawn_file_actions_adddup2(&actions, err_fd, 2);
    /* The runtime blocks SIGTERM/SIGINT/SIGCHLD for its signalfd and ignores SIGPIPE: the child
     * starts with neither. */
    sigset_t none, pipe;
    sigemptyset(&none);
    sigemptyset(&pipe);
    sigaddset(&pipe, SIGPIPE);
    posix_spawnattr_init(&attr);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &pipe);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    pid_t pid;
    int error = posix_spawnp(&pid, argv[0], &actions, &attr, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    if (error) rc = -error;
    else *c = (child){pid, id, out_fd, err_fd};
  }
  if (in_fd >= 0) close(in_fd);
  if (rc < 0) {
    if (out_fd >= 0) close(out_fd);
    if (err_fd >= 0) close(err_fd);
  }
  return rc;
}

void spawn_reap(void) {
  for (int i = 0; i < MAX_CHILDREN; i++) {
    child *c = &children[i];
    int status;
    if (c->pid == 0 || waitpid(c->pid, &status, WNOHANG) != c->pid) continue;
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    size_t out_len, err_len;
    char *out = read_all(c->out_fd, &out_len), *err = read_all(c->err_fd, &err_len);
    close(c->out_fd);
    close(c->err_fd);
    child done = *c;
    c->pid = 0;
    if (done_fn) done_fn(done.id, code, out, out_len, err, err_len);
    free(out);
    free(err);
  }
}
