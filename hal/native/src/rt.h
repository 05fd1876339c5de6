/* Shared declarations of the native runtime: one process, one epoll loop, one QuickJS context.
 * Each .c file owns one concern (loop, ports, flash, console, js bindings, options, main). */
#ifndef PLUGBOARD_RT_H
#define PLUGBOARD_RT_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "quickjs.h"

#define RT_MAX_PORTS 2
#define RT_RX_BATCH 64      /* frames handed to JavaScript per call */
#define RT_TX_SLOTS 64      /* frames queued per port before a forced flush */
#define RT_TX_SLOT_SIZE 2048

/* Exit codes: 0 clean (SIGTERM, --exit-after), 2 usage, 70 uncaught JavaScript error, 71 system error. */
enum { EXIT_USAGE = 2, EXIT_JS_ERROR = 70, EXIT_SYSTEM = 71 };

/* ---- options.c: the command line and the board file ---- */
typedef struct {
  const char *board_path;
  const char *bundle_path;
  const char *port_spec[RT_MAX_PORTS]; /* "lan"/"wan": interface name or pcap:<in>:<out> */
  const char *flash_spec;              /* path[:size] */
  const char *console_spec;            /* stdio | pty[:link] | /dev/tty... | none */
  int baud;                            /* 0 = from board */
  long exit_after_ms;                  /* >0: clean exit after this long (self-tests, figures) */
  long replay_delay_ms;                /* pcap ports: when the first recorded frame is delivered */
  bool replay_after_tx;                /* pcap ports: count that delay from the port's first transmission */
  long exit_when_replayed_ms;          /* >0: clean exit this long after every pcap port replayed */
  const char *flash_kind;              /* nor|nand, overrides board */
  long flash_block_size;               /* overrides board */
  long flash_program_unit;             /* overrides board */
  long flash_erase_ms;                 /* file emulation: how long an erase takes */
  const char *forwarding;              /* kernel|ports, overrides board */
  const char *watchdog;                /* device path, overrides board */
  int js_argc;                         /* arguments after the bundle, passed to JavaScript */
  char **js_argv;
  char **argv;                         /* the whole command line, for reboot (re-exec) */
} rt_options;

int options_parse(rt_options *opts, int argc, char **argv);
void options_usage(void);

/* ---- loop.c: epoll, deadlines, signals ---- */
typedef void (*loop_handler)(void *ctx, uint32_t events);
int loop_init(void);
int loop_add(int fd, uint32_t events, loop_handler handler, void *ctx);
int loop_mod(int fd, uint32_t events, loop_handler handler, void *ctx);
void loop_del(int fd);
double loop_now_ms(void); /* CLOCK_MONOTONIC, ms since the runtime started */
/* Runs until a stop is requested and nothing is pending; returns the exit code. */
int loop_run(void);
void loop_request_stop(int code);
void loop_request_reboot(void);
bool loop_stopping(void);
void loop_set_wake_at(double ms); /* <0: no JavaScript timer pending */
void loop_set_exit_at(double ms);
bool loop_reboot_requested(void);
void loop_watchdog_open(const char *device);
void loop_watchdog_close(void);

/* ---- ports.c (AF_PACKET) and pcapport.c (file-backed) ---- */
typedef struct rt_port rt_port;
struct rt_port {
  int index;
  char name[8];           /* "lan" | "wan" */
  char ifname[64];
  uint8_t mac[6];
  int mtu;
  bool link_up;
  /* receive memory lent to JavaScript: one ArrayBuffer over all of it, frames as (offset,len) */
  uint8_t *rx_memory;
  size_t rx_memory_size;
  /* transmit queue, flushed at the end of every loop turn */
  uint8_t (*tx_slots)[RT_TX_SLOT_SIZE];
  uint16_t tx_len[RT_TX_SLOTS];
  int tx_count;
  uint64_t rx_frames, tx_frames, tx_dropped, rx_csum_completed, rx_dropped;
  uint64_t kernel_drops; /* frames the kernel dropped because the receive ring was full */
  bool kernel_owned;     /* router mode: the kernel forwards; frames from JavaScript are refused */
  /* backend */
  int fd;
  int (*flush)(rt_port *port);
  bool (*poll_link)(rt_port *port);
  void *backend;
};

int ports_open_packet(rt_port *port, const char *ifname);
/* Router mode (kport.c): the interface's name, MAC, MTU and link only; no frames either way. */
int ports_open_kernel(rt_port *port, const char *ifname);
typedef struct {
  long delay_ms;
  bool after_tx;
  long exit_when_done_ms;
} pcap_replay;
int ports_open_pcap(rt_port *port, const char *spec, const pcap_replay *replay);
bool ports_queue(rt_port *port, const uint8_t *frame, size_t len);
void ports_update_stats(rt_port *port);
void ports_flush_all(void);
/* Frames left in a port's slots because the kernel's queue was full (retried within 1 ms). */
bool ports_tx_pending(void);
rt_port *ports_get(int index);
int ports_count(void);
void ports_set(int index, rt_port *port);
/* Completes the transport checksum the sender left partial (veth CHECKSUM_PARTIAL). */
bool csum_complete_ipv4(uint8_t *frame, size_t len);

/* kernels.c: native versions of the firmware's hot byte loops (HAL `kernels`). */
uint64_t kernel_sum_words(const uint8_t *p, size_t len);
uint32_t kernel_crc32_update(uint32_t crc, const uint8_t *p, size_t len);
/* sha256.c: SHA-256 compression of whole 64-byte blocks into a big-endian 32-byte state. */
void kernel_sha256_blocks(uint8_t state[32], const uint8_t *p, size_t blocks);

/* ---- flash.c ---- */
enum { FLASH_READ = 0, FLASH_PROGRAM = 1, FLASH_ERASE = 2, FLASH_MARK_BAD = 3 };
typedef struct {
  char kind[8];
  uint64_t size;
  uint32_t block_size;
  uint32_t program_unit;
  bool is_mtd;
} rt_flash_info;
int flash_open(const char *spec, const char *kind, long block_size, long program_unit, uint64_t default_size,
               rt_flash_info *info);
/* Queue an operation; `data` is copied for programs. Completion comes back through the loop. */
int flash_submit(int op, uint32_t id, uint64_t offset, const uint8_t *data, size_t len);
bool flash_is_bad(uint32_t block);
void flash_set_erase_delay(long ms); /* file emulation only */
int flash_pending(void);
void flash_close(void);
/* Completed reads: the main thread copies the bytes into JavaScript and reports the code. */
typedef void (*flash_done_fn)(uint32_t id, int op, int code, const uint8_t *data, size_t len);
void flash_set_done(flash_done_fn fn);

/* ---- console.c ---- */
int console_open(const char *spec, int baud);
void console_write(const uint8_t *bytes, size_t len);
void console_close(void);
typedef void (*console_input_fn)(const uint8_t *bytes, size_t len);
void console_set_input(console_input_fn fn);

/* ---- prelude.c ---- */
extern const char js_prelude[];

/* ---- js.c ---- */
int js_init(const rt_options *opts, const char *board_text, const rt_flash_info *flash, bool kernel_mode);
int js_eval_bundle(const char *path);
void js_deliver_frames(rt_port *port, const uint32_t *desc, int count);
void js_timer_due(void);
void js_link_changed(rt_port *port);
void js_drain_jobs(void);
void js_shutdown(void);
uint8_t *js_bytes_of(JSValueConst value, size_t *len); /* Uint8Array or ArrayBuffer; NULL otherwise */
enum { JS_ON_UDP, JS_ON_ADDRESSES, JS_ON_SPAWN_DONE, JS_ON_ECHO_REPLY, JS_OPTIONAL_COUNT };
void js_call_optional(int handler, int argc, JSValueConst *argv);
/* jsnet.c: router mode's `plugboardNative.net` */
JSValue js_net_object(JSContext *ctx);

/* ---- router mode: kernel sockets, addresses, ICMP echo, child processes ---- */
#define RT_MAX_UDP 64          /* sockets open at once (DHCP, TFTP and its transfers) */
#define RT_UDP_BUFFER 65536    /* one receive buffer shared by every socket, lent to JavaScript */
extern uint8_t rt_udp_buffer[RT_UDP_BUFFER];
/* udp.c: ids >= 0, or -errno. Addresses and ports in host byte order. */
int udp_open(int port_index, int port, bool broadcast, int *bound_port);
int udp_send(int id, const uint8_t *bytes, size_t len, uint32_t address, int port, const uint8_t *via_mac);
void udp_close(int id);
typedef void (*udp_receive_fn)(int id, size_t len, uint32_t from, int from_port, uint32_t to);
void udp_set_receive(udp_receive_fn fn);
/* netlink.c: the IPv4 addresses of the ports' interfaces, kept current from RTMGRP_IPV4_IFADDR. */
typedef struct {
  uint32_t ip;
  int prefix;
} rt_address;
int netlink_open(void);
int netlink_addresses(int port_index, rt_address *out, int max);
typedef void (*addresses_changed_fn)(void);
void netlink_set_changed(addresses_changed_fn fn);
/* icmp.c: echo requests from the router; replies reported by sequence number. */
int icmp_echo(uint16_t seq, uint32_t address);
typedef void (*echo_reply_fn)(uint16_t seq, uint32_t from);
void icmp_set_reply(echo_reply_fn fn);
/* conntrack.c: delete the flows whose original or reply source is `address`; count or -errno. */
int conntrack_forget(uint32_t address);
/* spawn.c: run a program (nft, cat) with stdin from bytes; its output comes back when it exits. */
int spawn_start(uint32_t id, char *const argv[], const uint8_t *stdin_bytes, size_t stdin_len);
void spawn_reap(void);
int spawn_running(void);
typedef void (*spawn_done_fn)(uint32_t id, int code, const char *out, size_t out_len, const char *err, size_t err_len);
void spawn_set_done(spawn_done_fn fn);

/* ---- log ---- */
void rt_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
