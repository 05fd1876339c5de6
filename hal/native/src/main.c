/* plugboard: runs the firmware bundle on a Linux router or host. Reads the board file, opens the
 * ports, flash and console it names (or the command line overrides), evaluates the bundle with
 * `plugboardNative` defined, and runs the event loop until SIGTERM, --exit-after or reboot. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "rt.h"

typedef struct {
  char *text;
  char port_if[RT_MAX_PORTS][64];
  char console[128];
  int baud;
  char flash_kind[8];
  char flash_partition[64];
  double flash_size, flash_block, flash_unit;
  char watchdog[128];
  char forwarding[16];
} board_config;

static char *read_text(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long len = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *text = len >= 0 && len < (1 << 20) ? malloc((size_t)len + 1) : NULL;
  if (text && fread(text, 1, (size_t)len, f) != (size_t)len) {
    free(text);
    text = NULL;
  }
  if (text) text[len] = 0;
  fclose(f);
  return text;
}

static void get_string(JSContext *ctx, JSValueConst obj, const char *path, char *out, size_t size) {
  JSValue v = JS_DupValue(ctx, obj);
  char key[64];
  for (const char *p = path; *p;) {
    size_t n = strcspn(p, ".");
    snprintf(key, sizeof key, "%.*s", (int)n, p);
    JSValue next = JS_IsObject(v) ? JS_GetPropertyStr(ctx, v, key) : JS_UNDEFINED;
    JS_FreeValue(ctx, v);
    v = next;
    p += n + (p[n] == '.');
  }
  const char *s = JS_IsString(v) ? JS_ToCString(ctx, v) : NULL;
  if (s) {
    snprintf(out, size, "%s", s);
    JS_FreeCString(ctx, s);
  } else if (JS_IsNumber(v)) {
    double d;
    JS_ToFloat64(ctx, &d, v);
    snprintf(out, size, "%.0f", d);
  }
  JS_FreeValue(ctx, v);
}

/* The fields the C side needs; the firmware validates the whole board (firmware/board.ts). */
static int load_board(const char *path, board_config *b) {
  memset(b, 0, sizeof *b);
  b->text = read_text(path);
  if (!b->text) {
    rt_log("board %s: %s", path, strerror(errno ? errno : EINVAL));
    return -1;
  }
  JSRuntime *rt = JS_NewRuntime();
  JSContext *ctx = JS_NewContext(rt);
  JSValue json = JS_ParseJSON(ctx, b->text, strlen(b->text), path);
  if (JS_IsException(json) || !JS_IsObject(json)) {
    rt_log("board %s: not a JSON object", path);
    return -1;
  }
  char number[32] = "";
  const char *names[RT_MAX_PORTS] = {"ports.lan.interfaces.0", "ports.wan.interfaces.0"};
  for (int i = 0; i < RT_MAX_PORTS; i++) get_string(ctx, json, names[i], b->port_if[i], sizeof b->port_if[i]);
  get_string(ctx, json, "console.device", b->console, sizeof b->console);
  get_string(ctx, json, "console.baud", number, sizeof number);
  b->baud = atoi(number);
  get_string(ctx, json, "flash.kind", b->flash_kind, sizeof b->flash_kind);
  get_string(ctx, json, "flash.partition", b->flash_partition, sizeof b->flash_partition);
  number[0] = 0, get_string(ctx, json, "flash.size", number, sizeof number), b->flash_size = atof(number);
  number[0] = 0, get_string(ctx, json, "flash.blockSize", number, sizeof number), b->flash_block = atof(number);
  number[0] = 0, get_string(ctx, json, "flash.programUnit", number, sizeof number), b->flash_unit = atof(number);
  get_string(ctx, json, "watchdog", b->watchdog, sizeof b->watchdog);
  get_string(ctx, json, "forwarding", b->forwarding, sizeof b->forwarding);
  JS_FreeValue(ctx, json);
  JS_FreeContext(ctx);
  JS_FreeRuntime(rt);
  return 0;
}

/* On a router the store lives in the MTD partition the board names: find /dev/mtdN in /proc/mtd. */
static int find_mtd(const char *partition, char *out, size_t size) {
  FILE *f = fopen("/proc/mtd", "r");
  if (!f) return -1;
  char line[256], quoted[80];
  int found = -1;
  snprintf(quoted, sizeof quoted, "\"%s\"", partition);
  while (fgets(line, sizeof line, f)) {
    int n;
    if (sscanf(line, "mtd%d:", &n) == 1 && strstr(line, quoted)) {
      snprintf(out, size, "/dev/mtd%d", n);
      found = 0;
      break;
    }
  }
  fclose(f);
  return found;
}

int main(int argc, char **argv) {
  rt_options opts;
  if (options_parse(&opts, argc, argv) < 0) {
    options_usage();
    return EXIT_USAGE;
  }
  setvbuf(stderr, NULL, _IOLBF, 0);
  board_config board;
  if (load_board(opts.board_path, &board) < 0) return EXIT_USAGE;
  if (loop_init() < 0) {
    rt_log("event loop: %s", strerror(errno));
    return EXIT_SYSTEM;
  }

  char mtd_path[64];
  const char *flash_spec = opts.flash_spec;
  if (!flash_spec && board.flash_partition[0] && find_mtd(board.flash_partition, mtd_path, sizeof mtd_path) == 0)
    flash_spec = mtd_path;
  rt_flash_info flash = {0};
  bool have_flash = false;
  if (flash_spec) {
    if (flash_open(flash_spec, opts.flash_kind ? opts.flash_kind : board.flash_kind,
                   opts.flash_block_size ? opts.flash_block_size : (long)board.flash_block,
                   opts.flash_program_unit ? opts.flash_program_unit : (long)board.flash_unit,
                   (uint64_t)board.flash_size, &flash) < 0)
      return EXIT_SYSTEM;
    have_flash = true;
    flash_set_erase_delay(opts.flash_erase_ms);
  } else {
    rt_log("no flash: give --flash <file[:size]> (board partition '%s' not in /proc/mtd)", board.flash_partition);
  }

  const char *forwarding = opts.forwarding ? opts.forwarding : board.forwarding[0] ? board.forwarding : "ports";
  bool kernel_mode = strcmp(forwarding, "kernel") == 0;
  static const char *port_names[RT_MAX_PORTS] = {"lan", "wan"};
  for (int i = 0; i < RT_MAX_PORTS; i++) {
    /* Router mode serves the LAN's bridge (OpenWrt's br-lan), not one switch port under it. */
    const char *board_if = kernel_mode && i == 0 ? "br-lan" : board.port_if[i];
    const char *spec = opts.port_spec[i] ? opts.port_spec[i] : board_if;
    if (!spec || !*spec) {
      rt_log("port %s: no interface (board or --%s)", port_names[i], port_names[i]);
      return EXIT_USAGE;
    }
    rt_port *port = calloc(1, sizeof *port);
    port->fd = -1;
    port->index = i;
    snprintf(port->name, sizeof port->name, "%s", port_names[i]);
    pcap_replay replay = {opts.replay_delay_ms, opts.replay_after_tx, opts.exit_when_replayed_ms};
    bool pcap = strncmp(spec, "pcap:", 5) == 0;
    if (pcap && kernel_mode) {
      rt_log("port %s: pcap ports need ports mode (--forwarding ports)", port->name);
      return EXIT_USAGE;
    }
    int rc = pcap ? ports_open_pcap(port, spec, &replay)
                  : kernel_mode ? ports_open_kernel(port, spec) : ports_open_packet(port, spec);
    if (rc < 0) {
      rt_log("port %s (%s): %s", port->name, spec, strerror(-rc));
      return EXIT_SYSTEM;
    }
    ports_set(i, port);
  }

  if (kernel_mode) {
    int rc = netlink_open();
    if (rc < 0) {
      rt_log("netlink: %s", strerror(-rc));
      return EXIT_SYSTEM;
    }
    rt_log("router mode: the kernel forwards between %s and %s; DHCP and TFTP on kernel sockets",
           ports_get(0)->ifname, ports_get(1)->ifname);
  }

  if (!opts.console_spec) opts.console_spec = board.console[0] ? board.console : "stdio";
  if (strncmp(opts.console_spec, "tty", 3) == 0) {
    /* Boards name the device as the kernel does (ttyS0); open it under /dev. */
    static char dev[160];
    snprintf(dev, sizeof dev, "/dev/%s", opts.console_spec);
    opts.console_spec = dev;
  }
  if (!opts.baud) opts.baud = board.baud;
  if (console_open(opts.console_spec, opts.baud) < 0) return EXIT_SYSTEM;
  const char *watchdog = opts.watchdog ? opts.watchdog : board.watchdog[0] ? board.watchdog : NULL;
  if (watchdog) loop_watchdog_open(watchdog);
  if (opts.exit_after_ms > 0) loop_set_exit_at((double)opts.exit_after_ms);

  if (js_init(&opts, board.text, have_flash ? &flash : NULL, kernel_mode) < 0) return EXIT_SYSTEM;
  if (js_eval_bundle(opts.bundle_path) < 0) return EXIT_USAGE;
  int code = loop_run();
  js_shutdown();
  flash_close();
  console_close();
  loop_watchdog_close();
  for (int i = 0; i < RT_MAX_PORTS; i++) {
    rt_port *port = ports_get(i);
    if (port) ports_update_stats(port);
    if (port)
      rt_log("port %s: rx %llu frames (%llu dropped, %llu lost to a full ring, %llu checksums completed), tx %llu (%llu dropped)",
             port->name, (unsigned long long)port->rx_frames, (unsigned long long)port->rx_dropped,
             (unsigned long long)port->kernel_drops,
             (unsigned long long)port->rx_csum_completed, (unsigned long long)port->tx_frames,
             (unsigned long long)port->tx_dropped);
  }
  if (loop_reboot_requested()) {
    rt_log("rebooting: re-executing %s", argv[0]);
    execv("/proc/self/exe", argv);
    rt_log("re-exec failed: %s", strerror(errno));
    return EXIT_SYSTEM;
  }
  rt_log("exit %d", code);
  return code;
}
