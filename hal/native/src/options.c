/* The command line. Everything a board file says can be overridden here, so one board/host.json
 * serves every Linux host and every namespace rig. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "rt.h"

void options_usage(void) {
  fputs(
      "usage: plugboard --board <board.json> [options] <bundle.js> [-- <arguments for the firmware>]\n"
      "  --lan <if|pcap:in,out[,mac]>  LAN port: interface (AF_PACKET) or pcap replay/record\n"
      "  --wan <if|pcap:in,out[,mac]>  WAN port, likewise (default: the board's interfaces)\n"
      "  --flash <path[:size]>         flash: /dev/mtdN, or a file emulating one (size e.g. 4M)\n"
      "  --flash-kind nor|nand, --flash-block <bytes>, --flash-program-unit <bytes>\n"
      "  --flash-erase-ms <ms>         file flash: emulate a slow erase (NOR: 100-2000 ms)\n"
      "  --console stdio|pty[:<symlink>]|<tty device>|none   (default: the board's device)\n"
      "  --baud <n>                    console speed (default: the board's)\n"
      "  --watchdog <device>           keep this watchdog alive (default: the board's)\n"
      "  --forwarding kernel|ports     router mode (the kernel forwards; DHCP/TFTP on kernel sockets)\n"
      "                                or ports mode (raw ports) (default: the board's)\n"
      "  --self-test <dir>             ports from <dir>/{lan,wan}.in.pcap -> <dir>/{lan,wan}.out.pcap,\n"
      "                                flash <dir>/flash.img, no console; replay after each port's first\n"
      "                                transmission, exit 1 s after the replay (at most after 30 s)\n"
      "  --replay-delay <ms>           pcap ports: delay before the first frame (default 500)\n"
      "  --replay-after-tx             pcap ports: start that delay at the port's first transmission\n"
      "                                (the firmware announcing its address), not at start\n"
      "  --exit-when-replayed <ms>     exit cleanly this long after every pcap port has replayed\n"
      "  --exit-after <ms>             exit cleanly after this long\n",
      stderr);
}

static char *join(const char *dir, const char *a, const char *b) {
  size_t n = strlen(dir) + strlen(a) + (b ? strlen(b) + strlen(dir) + 2 : 0) + 16;
  char *out = malloc(n);
  if (b) snprintf(out, n, "pcap:%s/%s,%s/%s", dir, a, dir, b);
  else snprintf(out, n, "%s/%s", dir, a);
  return out;
}

int options_parse(rt_options *o, int argc, char **argv) {
  memset(o, 0, sizeof *o);
  o->argv = argv;
  o->replay_delay_ms = 500;
  const char *self_test = NULL;
  int i = 1;
  for (; i < argc; i++) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
#define TAKE(field)                                          \
  if (!v) {                                                  \
    fprintf(stderr, "plugboard: %s needs a value\n", a);     \
    return -1;                                               \
  }                                                          \
  field = v;                                                 \
  i++;                                                       \
  continue
    if (strcmp(a, "--board") == 0) { TAKE(o->board_path); }
    if (strcmp(a, "--lan") == 0) { TAKE(o->port_spec[0]); }
    if (strcmp(a, "--wan") == 0) { TAKE(o->port_spec[1]); }
    if (strcmp(a, "--flash") == 0) { TAKE(o->flash_spec); }
    if (strcmp(a, "--flash-kind") == 0) { TAKE(o->flash_kind); }
    if (strcmp(a, "--console") == 0) { TAKE(o->console_spec); }
    if (strcmp(a, "--watchdog") == 0) { TAKE(o->watchdog); }
    if (strcmp(a, "--self-test") == 0) { TAKE(self_test); }
    if (strcmp(a, "--forwarding") == 0) { TAKE(o->forwarding); }
    const char *number = NULL;
    if (strcmp(a, "--baud") == 0 || strcmp(a, "--exit-after") == 0 || strcmp(a, "--replay-delay") == 0 ||
        strcmp(a, "--flash-block") == 0 || strcmp(a, "--flash-program-unit") == 0 ||
        strcmp(a, "--flash-erase-ms") == 0 || strcmp(a, "--exit-when-replayed") == 0) {
      if (!v) {
        fprintf(stderr, "plugboard: %s needs a value\n", a);
        return -1;
      }
      number = v;
      char *end;
      long n = strtol(number, &end, 0);
      if (*end || n < 0) {
        fprintf(stderr, "plugboard: %s: '%s' is not a non-negative number\n", a, v);
        return -1;
      }
      if (a[2] == 'b') o->baud = (int)n;
      else if (strcmp(a, "--exit-when-replayed") == 0) o->exit_when_replayed_ms = n;
      else if (a[2] == 'e') o->exit_after_ms = n;
      else if (a[2] == 'r') o->replay_delay_ms = n;
      else if (strcmp(a, "--flash-block") == 0) o->flash_block_size = n;
      else if (strcmp(a, "--flash-erase-ms") == 0) o->flash_erase_ms = n;
      else o->flash_program_unit = n;
      i++;
      continue;
    }
    if (strcmp(a, "--replay-after-tx") == 0) {
      o->replay_after_tx = true;
      continue;
    }
    if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) return -1;
    if (a[0] == '-' && a[1] == '-' && a[2] != 0) {
      fprintf(stderr, "plugboard: unknown option %s\n", a);
      return -1;
    }
    if (strcmp(a, "--") == 0) {
      i++;
      break;
    }
    if (o->bundle_path) {
      fprintf(stderr, "plugboard: unexpected argument %s (firmware arguments go after --)\n", a);
      return -1;
    }
    o->bundle_path = a;
  }
  o->js_argc = argc - i;
  o->js_argv = argv + i;
  if (self_test) {
    if (!o->port_spec[0]) o->port_spec[0] = join(self_test, "lan.in.pcap", "lan.out.pcap");
    if (!o->port_spec[1]) o->port_spec[1] = join(self_test, "wan.in.pcap", "wan.out.pcap");
    if (!o->flash_spec) o->flash_spec = join(self_test, "flash.img", NULL);
    if (!o->console_spec) o->console_spec = "none";
    o->replay_after_tx = true;
    if (!o->exit_when_replayed_ms) o->exit_when_replayed_ms = 1000;
    if (!o->exit_after_ms) o->exit_after_ms = 30000;
  }
  if (o->forwarding && strcmp(o->forwarding, "kernel") != 0 && strcmp(o->forwarding, "ports") != 0) {
    fprintf(stderr, "plugboard: --forwarding: '%s' is neither kernel nor ports\n", o->forwarding);
    return -1;
  }
  if (!o->bundle_path || !o->board_path) {
    fprintf(stderr, "plugboard: %s\n", !o->board_path ? "--board is required" : "no bundle given");
    return -1;
  }
  return 0;
}
