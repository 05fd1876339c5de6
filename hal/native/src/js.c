/* The JavaScript side of the runtime: one QuickJS context, the global `plugboardNative` object the
 * bundle's adapter (hal/native/adapter) turns into the Hal, and fatal reporting of uncaught errors
 * (message and stack on stderr, exit 70) so the init system restarts the firmware. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "rt.h"

static JSRuntime *rt;
static JSContext *ctx;
/* Initialised in js_init (JS_UNDEFINED is not a constant expression on 32-bit NaN-boxing targets). */
static JSValue native_obj, handlers, h_frames, h_timer, h_console, h_flash, h_link;
static JSValue h_optional[JS_OPTIONAL_COUNT];
static const char *const optional_names[JS_OPTIONAL_COUNT] = {"udp", "addresses", "spawnDone", "echoReply"};
static uint32_t descriptors[2 * RT_RX_BATCH]; /* (offset, length) pairs, read by JavaScript in place */

typedef struct {
  uint32_t id;
  JSValue target; /* the Uint8Array a read fills */
} pending_read;
static pending_read *reads;
static size_t reads_len, reads_cap;

#define MAX_UNHANDLED 8
static JSValue unhandled[MAX_UNHANDLED], unhandled_promise[MAX_UNHANDLED];
static int unhandled_count;

static void fatal_exception(const char *where) {
  JSValue ex = JS_GetException(ctx);
  const char *msg = JS_ToCString(ctx, ex);
  rt_log("uncaught JavaScript error (%s): %s", where, msg ? msg : "(unprintable)");
  if (msg) JS_FreeCString(ctx, msg);
  if (JS_IsObject(ex)) {
    JSValue stack = JS_GetPropertyStr(ctx, ex, "stack");
    const char *text = JS_IsUndefined(stack) ? NULL : JS_ToCString(ctx, stack);
    if (text) {
      fprintf(stderr, "%s", text);
      JS_FreeCString(ctx, text);
    }
    JS_FreeValue(ctx, stack);
  }
  JS_FreeValue(ctx, ex);
  fflush(stderr);
  ports_flush_all();
  console_close();
  loop_watchdog_close();
  exit(EXIT_JS_ERROR);
}

static void check(JSValue result, const char *where) {
  if (JS_IsException(result)) fatal_exception(where);
  JS_FreeValue(ctx, result);
}

static void on_rejection(JSContext *c, JSValueConst promise, JSValueConst reason, JS_BOOL is_handled, void *opaque) {
  if (!is_handled) {
    if (unhandled_count < MAX_UNHANDLED) {
      unhandled_promise[unhandled_count] = JS_DupValue(c, promise);
      unhandled[unhandled_count++] = JS_DupValue(c, reason);
    }
    return;
  }
  /* A handler attached later (before the job queue ran dry) takes the rejection back. */
  for (int i = 0; i < unhandled_count; i++) {
    if (JS_VALUE_GET_PTR(unhandled_promise[i]) != JS_VALUE_GET_PTR(promise)) continue;
    JS_FreeValue(c, unhandled_promise[i]);
    JS_FreeValue(c, unhandled[i]);
    unhandled_count--;
    unhandled_promise[i] = unhandled_promise[unhandled_count];
    unhandled[i] = unhandled[unhandled_count];
    break;
  }
}

void js_drain_jobs(void) {
  JSContext *job_ctx;
  for (;;) {
    int rc = JS_ExecutePendingJob(rt, &job_ctx);
    if (rc == 0) break;
    if (rc < 0) fatal_exception("job");
  }
  if (unhandled_count > 0) {
    JS_Throw(ctx, JS_DupValue(ctx, unhandled[0]));
    fatal_exception("unhandled promise rejection");
  }
}

/* Pointer and length of a Uint8Array (or ArrayBuffer) argument; NULL when it is neither. */
uint8_t *js_bytes_of(JSValueConst value, size_t *len) {
  size_t offset, length, bpe, size;
  JSValue buffer = JS_GetTypedArrayBuffer(ctx, value, &offset, &length, &bpe);
  if (JS_IsException(buffer)) {
    JS_FreeValue(ctx, JS_GetException(ctx));
    uint8_t *p = JS_GetArrayBuffer(ctx, &size, value);
    if (!p) JS_FreeValue(ctx, JS_GetException(ctx));
    *len = size;
    return p;
  }
  uint8_t *base = JS_GetArrayBuffer(ctx, &size, buffer);
  JS_FreeValue(ctx, buffer);
  if (!base) {
    JS_FreeValue(ctx, JS_GetException(ctx));
    return NULL;
  }
  *len = length;
  return base + offset;
}

static JSValue fn_now(JSContext *c, JSValueConst this, int argc, JSValueConst *argv) {
  return JS_NewFloat64(c, loop_now_ms());
}

static JSValue fn_wall_clock(JSContext *c, JSValueConst this, int argc, JSValueConst *argv) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  /* Before 2020 the board has not set its clock (no RTC): say so rather than lie. */
  if (ts.tv_sec < 1577836800) return JS_UNDEFINED;
  return JS_NewFloat64(c, (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6);
}

static JSValue fn_set_wake_at(JSContext *c, JSValueConst this, int argc, JSValueConst *argv) {
  double at = -1;
  if (argc > 0 && JS_ToFloat64(c, &at, argv[0]) < 0) return JS_EXCEPTION;
  loop_set_wake_at(at);
  return JS_UNDEFINED;
}

static JSValue fn_random_fill(JSContext *c, JSValueConst this, int argc, JSValueConst *argv) {
  size_t len;
  uint8_t *p = argc > 0 ? js_bytes_of(argv[0], &len) : NULL;
  if (!p) return JS_ThrowTypeError(c, "randomFill needs a Uint8Array");
  while (len > 0) {
    ssize_t n = getrandom(p, len, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return JS_ThrowInternalError(c, "getrandom: %s", strerror(errno));
    p += n, len -= (size_t)n;
  }
  return JS_UNDEFINED;
}

static JSValue fn_console_write(JSContext *c, JSValueConst this, int argc, JSValueConst *argv) {
  size_t len;
  uint8_t *p = argc > 0 ? js_bytes_of(argv[0], &len) : NULL;
  if (!p) return JS_ThrowTypeError(c, "consoleWrite needs a Uint8Array");
  console_write(p, len);
  return JS_UNDEFINED;
}

static rt_port *port_arg(JSContext *c, JSValueConst value) {
  int32_t index;
  if (JS_ToInt32(c, &index, value) < 0) return NULL;
  return ports_get(index);
}

static JSValue fn_send(JSContext *c, JSValueConst this, int argc, JSValueConst *argv) {
  rt_port *port = argc > 1 ? port_arg(c, argv[0]) : NULL;
  size_t len;
  uint8_t *p = argc > 1 ? js_bytes_of(argv[1], &len) : NULL;
  if (!port || !p) return JS_ThrowTypeError(c, "send(portIndex, Uint8Array)");
  return JS_NewBool(c, ports_queue(port, p, len));
}

/* bytes[start, end) of a Uint8Array argument, or NULL after throwing a RangeError/TypeError. */
static const uint8_t *range_arg(JSContext *c, JSValueConst array, JSValueConst start, JSValueConst end, size_t *len) {
  size_t size;
  uint8_t *p = js_bytes_of(array, &size);
  int64_t from, to;
  if (!p) {
    JS_ThrowTypeError(c, "expected a Uint8Array");
    return NULL;
  }
  if (JS_ToInt64(c, &from, start) || JS_ToInt64(c, &to, end)) return NULL;
  if (from < 0 || to < from || (uint64_t)to > size) {
    JS_ThrowRangeError(c, "range %lld..%lld outside 0..%zu", (long long)from, (long long)to, size);
    return NULL;
  }
  *len = (size_t)(to - from);
  return p + from;
}

/* sumWords(bytes, start, end, acc): acc + the big-endian 16-bit words of bytes[start, end), unfolded. */
static JSValue fn_sum_words(JSContext *c, JSValueConst this, int argc, JSValueConst *argv) {
  size_t len;
  double acc;
  if (argc < 4) return JS_ThrowTypeError(c, "sumWords(bytes, start, end, acc)");
  const uint8_t *p = range_arg(c, argv[0], argv[1], argv[2], &len);
  if (!p || JS_ToFloat64(c, &acc, argv[3])) return JS_EXCEPTION;
  return JS_NewFloat64(c, acc + (double)kernel_sum_words(p, len));
}

/* crc32Update(crc, bytes, start, end): the running CRC-32 continued over bytes[start, end). */
static JSValue fn_crc32_update(JSContext *c, JSValueConst this, int argc, JSValueConst *argv) {
  size_t len;
  uint32_t crc;
  if (argc < 4) return JS_ThrowTypeError(c, "crc32Update(crc, bytes, start, end)");
  if (JS_ToUint32(c, &crc, argv[0])) return JS_EXCEPTION;
  const uint8_t *p = range_arg(c, argv[1], argv[2], argv[3], &len);
  if (!p) return JS_EXCEPTION;
  return JS_NewUint32(c, kernel_crc32_update(crc, p, len));
}

/* sha256Blocks(state, bytes, start, end): SHA-256 compression of bytes[start, end) (whole 64-byte
 * blocks) into state, a Uint8Array of 32 bytes holding the big-endian chaining value. */
static JSValue fn_sha256_blocks(JSContext *c, JSValueConst this, int argc, JSValueConst *argv) {
  size_t len, state_size;
  if (argc < 4) return JS_ThrowTypeError(c, "sha256Blocks(state, bytes, start, end)");
  uint8_t *state = js_bytes_of(argv[0], &state_size);
  if (!state || state_size != 32) return JS_ThrowTypeError(c, "sha256Blocks: state must be a Uint8Array of 32 bytes");
  const uint8_t *p = range_arg(c, argv[1], argv[2], argv[3], &len);
  if (!p) return JS_EXCEPTION;
  if (len % 64) return JS_ThrowRangeError(c, "sha256Blocks: %zu bytes is not whole 64-byte blocks", len);
  kernel_sha256_blocks(state, p, len / 64);
  return JS_UNDEFINED;
}

static JSValue fn_link_up(JSContext *c, JSValueConst this, int argc, JSValueConst *argv) {
  rt_port *port = argc > 0 ? port_arg(c, argv[0]) : NULL;
  return JS_NewBool(c, port && port->link_up);
}

static JSValue fn_port_stats(JSContext *c, JSValueConst this, int argc, JSValueConst *argv) {
  rt_port *port = argc > 0 ? port_arg(c, argv[0]) : NULL;
  if (!port) return JS_UNDEFINED;
  ports_update_stats(port);
  JSValue o = JS_NewObject(c);
  JS_SetPropertyStr(c, o, "rxRingDrops", JS_NewFloat64(c, (double)port->kernel_drops));
  JS_SetPropertyStr(c, o, "rxFrames", JS_NewFloat64(c, (double)port->rx_frames));
  JS_SetPropertyStr(c, o, "rxDropped", JS_NewFloat64(c, (double)port->rx_dropped));
  JS_SetPropertyStr(c, o, "rxChecksumsCompleted", JS_NewFloat64(c, (double)port->rx_csum_completed));
  JS_SetPropertyStr(c, o, "txFrames", JS_NewFloat64(c, (double)port->tx_frames));
  JS_SetPropertyStr(c, o, "txDropped", JS_NewFloat64(c, (double)port->tx_dropped));
  return o;
}

static JSValue fn_flash_submit(JSContext *c, JSValueConst this, int argc, JSValueConst *argv) {
  int32_t op;
  uint32_t id;
  double offset;
  if (argc < 3 || JS_ToInt32(c, &op, argv[0]) < 0 || JS_ToUint32(c, &id, argv[1]) < 0 ||
      JS_ToFloat64(c, &offset, argv[2]) < 0)
    return JS_ThrowTypeError(c, "flashSubmit(op, id, offset, bytes?)");
  if (offset < 0 || offset > 9007199254740991.0) return JS_NewInt32(c, -22);
  size_t len = 0;
  uint8_t *p = NULL;
  if (op == FLASH_READ || op == FLASH_PROGRAM) {
    p = argc > 3 ? js_bytes_of(argv[3], &len) : NULL;
    if (!p) return JS_ThrowTypeError(c, "flash read/program needs a Uint8Array");
  }
  int code = flash_submit(op, id, (uint64_t)offset, p, len);
  if (code == 0 && op == FLASH_READ) {
    if (reads_len == reads_cap) {
      reads_cap = reads_cap ? reads_cap * 2 : 16;
      reads = realloc(reads, reads_cap * sizeof *reads);
    }
    reads[reads_len++] = (pending_read){id, JS_DupValue(c, argv[3])};
  }
  return JS_NewInt32(c, code);
}

static JSValue fn_flash_is_bad(JSContext *c, JSValueConst this, int argc, JSValueConst *argv) {
  uint32_t block = 0;
  if (argc < 1 || JS_ToUint32(c, &block, argv[0]) < 0) return JS_EXCEPTION;
  return JS_NewBool(c, flash_is_bad(block));
}

static JSValue fn_reboot(JSContext *c, JSValueConst this, int argc, JSValueConst *argv) {
  rt_log("reboot requested by the firmware");
  loop_request_reboot();
  return JS_UNDEFINED;
}

static JSValue fn_log(JSContext *c, JSValueConst this, int argc, JSValueConst *argv) {
  const char *text = argc > 0 ? JS_ToCString(c, argv[0]) : NULL;
  if (text) {
    rt_log("%s", text);
    JS_FreeCString(c, text);
  }
  return JS_UNDEFINED;
}

static JSValue fn_memory(JSContext *c, JSValueConst this, int argc, JSValueConst *argv) {
  JSMemoryUsage usage;
  JS_ComputeMemoryUsage(rt, &usage);
  return JS_NewFloat64(c, (double)usage.memory_used_size);
}

static JSValue fn_attach(JSContext *c, JSValueConst this, int argc, JSValueConst *argv) {
  if (argc < 1 || !JS_IsObject(argv[0])) return JS_ThrowTypeError(c, "attach(handlers)");
  JS_FreeValue(c, handlers);
  handlers = JS_DupValue(c, argv[0]);
  JSValue *slots[] = {&h_frames, &h_timer, &h_console, &h_flash, &h_link};
  const char *names[] = {"frames", "timer", "consoleInput", "flashDone", "linkChange"};
  for (int i = 0; i < 5; i++) {
    JS_FreeValue(c, *slots[i]);
    *slots[i] = JS_GetPropertyStr(c, handlers, names[i]);
    if (!JS_IsFunction(c, *slots[i])) return JS_ThrowTypeError(c, "attach: handler %s is not a function", names[i]);
  }
  for (int i = 0; i < JS_OPTIONAL_COUNT; i++) {
    JS_FreeValue(c, h_optional[i]);
    h_optional[i] = JS_GetPropertyStr(c, handlers, optional_names[i]);
  }
  return JS_UNDEFINED;
}

static void call(JSValueConst fn, int argc, JSValueConst *argv, const char *where) {
  if (!JS_IsFunction(ctx, fn)) return;
  check(JS_Call(ctx, fn, JS_UNDEFINED, argc, argv), where);
}

void js_deliver_frames(rt_port *port, const uint32_t *desc, int count) {
  if (desc != descriptors) memcpy(descriptors, desc, (size_t)count * 2 * sizeof(uint32_t));
  JSValue args[2] = {JS_NewInt32(ctx, port->index), JS_NewInt32(ctx, count)};
  call(h_frames, 2, args, "frames");
}

/* Optional handlers (router mode's), read once at attach; absent ones are ignored. */
void js_call_optional(int handler, int argc, JSValueConst *argv) {
  if (handler >= 0 && handler < JS_OPTIONAL_COUNT) call(h_optional[handler], argc, argv, optional_names[handler]);
}

void js_timer_due(void) { call(h_timer, 0, NULL, "timer"); }

void js_link_changed(rt_port *port) {
  JSValue args[2] = {JS_NewInt32(ctx, port->index), JS_NewBool(ctx, port->link_up)};
  call(h_link, 2, args, "linkChange");
}

static void on_console_input(const uint8_t *bytes, size_t len) {
  JSValue buffer = JS_NewArrayBufferCopy(ctx, bytes, len);
  call(h_console, 1, &buffer, "consoleInput");
  JS_FreeValue(ctx, buffer);
}

static void on_flash_done(uint32_t id, int op, int code, const uint8_t *data, size_t len) {
  if (op == FLASH_READ) {
    for (size_t i = 0; i < reads_len; i++) {
      if (reads[i].id != id) continue;
      size_t target_len;
      uint8_t *target = js_bytes_of(reads[i].target, &target_len);
      if (code == 0 && target && target_len >= len) memcpy(target, data, len);
      else if (code == 0) code = -5; /* the buffer was detached or shrunk meanwhile */
      JS_FreeValue(ctx, reads[i].target);
      reads[i] = reads[--reads_len];
      break;
    }
  }
  JSValue args[2] = {JS_NewUint32(ctx, id), JS_NewInt32(ctx, code)};
  call(h_flash, 2, args, "flashDone");
}

static void set_fn(JSValue obj, const char *name, JSCFunction *fn, int length) {
  JS_SetPropertyStr(ctx, obj, name, JS_NewCFunction(ctx, fn, name, length));
}

static JSValue external_buffer(uint8_t *memory, size_t size) {
  return JS_NewArrayBuffer(ctx, memory, size, NULL, NULL, 0);
}

int js_init(const rt_options *opts, const char *board_text, const rt_flash_info *flash, bool kernel_mode) {
  native_obj = handlers = h_frames = h_timer = h_console = h_flash = h_link = JS_UNDEFINED;
  for (int i = 0; i < JS_OPTIONAL_COUNT; i++) h_optional[i] = JS_UNDEFINED;
  rt = JS_NewRuntime();
  if (!rt) return -ENOMEM;
  ctx = JS_NewContext(rt);
  if (!ctx) return -ENOMEM;
  JS_SetHostPromiseRejectionTracker(rt, on_rejection, NULL);
  console_set_input(on_console_input);
  flash_set_done(on_flash_done);

  JSValue n = JS_NewObject(ctx);
  JS_SetPropertyStr(ctx, n, "version", JS_NewInt32(ctx, 1));
  JS_SetPropertyStr(ctx, n, "board", JS_NewString(ctx, board_text));
  JSValue args = JS_NewArray(ctx);
  for (int i = 0; i < opts->js_argc; i++) JS_SetPropertyUint32(ctx, args, (uint32_t)i, JS_NewString(ctx, opts->js_argv[i]));
  JS_SetPropertyStr(ctx, n, "argv", args);
  JSValue ports = JS_NewArray(ctx);
  for (int i = 0; i < ports_count(); i++) {
    rt_port *port = ports_get(i);
    if (!port) continue;
    JSValue p = JS_NewObject(ctx);
    JS_SetPropertyStr(ctx, p, "index", JS_NewInt32(ctx, port->index));
    JS_SetPropertyStr(ctx, p, "name", JS_NewString(ctx, port->name));
    JS_SetPropertyStr(ctx, p, "interface", JS_NewString(ctx, port->ifname));
    JS_SetPropertyStr(ctx, p, "mac", JS_NewArrayBufferCopy(ctx, port->mac, 6));
    JS_SetPropertyStr(ctx, p, "mtu", JS_NewInt32(ctx, port->mtu));
    JS_SetPropertyStr(ctx, p, "memory", external_buffer(port->rx_memory, port->rx_memory_size));
    JS_SetPropertyUint32(ctx, ports, (uint32_t)i, p);
  }
  JS_SetPropertyStr(ctx, n, "ports", ports);
  JS_SetPropertyStr(ctx, n, "descriptors", external_buffer((uint8_t *)descriptors, sizeof descriptors));
  if (flash) {
    JSValue f = JS_NewObject(ctx);
    JS_SetPropertyStr(ctx, f, "kind", JS_NewString(ctx, flash->kind));
    JS_SetPropertyStr(ctx, f, "size", JS_NewFloat64(ctx, (double)flash->size));
    JS_SetPropertyStr(ctx, f, "blockSize", JS_NewInt32(ctx, (int32_t)flash->block_size));
    JS_SetPropertyStr(ctx, f, "programUnit", JS_NewInt32(ctx, (int32_t)flash->program_unit));
    JS_SetPropertyStr(ctx, n, "flash", f);
  }
  JSValue console = JS_NewObject(ctx);
  JS_SetPropertyStr(ctx, console, "device", JS_NewString(ctx, opts->console_spec ? opts->console_spec : "none"));
  JS_SetPropertyStr(ctx, console, "baud", JS_NewInt32(ctx, opts->baud));
  JS_SetPropertyStr(ctx, n, "console", console);
  set_fn(n, "attach", fn_attach, 1);
  set_fn(n, "now", fn_now, 0);
  set_fn(n, "wallClock", fn_wall_clock, 0);
  set_fn(n, "setWakeAt", fn_set_wake_at, 1);
  set_fn(n, "randomFill", fn_random_fill, 1);
  set_fn(n, "consoleWrite", fn_console_write, 1);
  set_fn(n, "send", fn_send, 2);
  set_fn(n, "linkUp", fn_link_up, 1);
  set_fn(n, "portStats", fn_port_stats, 1);
  set_fn(n, "flashSubmit", fn_flash_submit, 4);
  set_fn(n, "flashIsBad", fn_flash_is_bad, 1);
  set_fn(n, "reboot", fn_reboot, 0);
  set_fn(n, "log", fn_log, 1);
  set_fn(n, "memoryUsed", fn_memory, 0);
  set_fn(n, "sumWords", fn_sum_words, 4);
  set_fn(n, "crc32Update", fn_crc32_update, 4);
  set_fn(n, "sha256Blocks", fn_sha256_blocks, 4);
  JS_SetPropertyStr(ctx, n, "forwarding", JS_NewString(ctx, kernel_mode ? "kernel" : "ports"));
  if (kernel_mode) JS_SetPropertyStr(ctx, n, "net", js_net_object(ctx));
  native_obj = n;
  JSValue global = JS_GetGlobalObject(ctx);
  JS_SetPropertyStr(ctx, global, "plugboardNative", JS_DupValue(ctx, n));
  JS_FreeValue(ctx, global);
  return 0;
}

int js_eval_bundle(const char *path) {
  check(JS_Eval(ctx, js_prelude, strlen(js_prelude), "<prelude>", JS_EVAL_TYPE_GLOBAL), "prelude");
  FILE *f = fopen(path, "rb");
  if (!f) {
    rt_log("bundle %s: %s", path, strerror(errno));
    return -errno;
  }
  struct stat st;
  fstat(fileno(f), &st);
  char *source = malloc((size_t)st.st_size + 1);
  size_t got = fread(source, 1, (size_t)st.st_size, f);
  fclose(f);
  source[got] = 0;
  JSValue result = JS_Eval(ctx, source, got, path, JS_EVAL_TYPE_GLOBAL);
  free(source);
  check(result, "bundle evaluation");
  js_drain_jobs();
  if (!JS_IsFunction(ctx, h_frames)) {
    rt_log("bundle %s did not attach to plugboardNative (not a Plugboard bundle?)", path);
    return -EINVAL;
  }
  return 0;
}

void js_shutdown(void) {
  /* The process is about to exit: the OS reclaims the heap. Freeing the runtime here would only
   * turn a reference the firmware still holds into an assertion failure on the way out. */
  ports_flush_all();
}
