/* Router mode's part of `plugboardNative`: `net` with UDP sockets, the kernel's addresses, ICMP echo
 * and child processes (nft). Results are numbers: 0 or an id on success, -errno on failure, which
 * the adapter (hal/native/adapter/net.ts) maps to the HAL's SysError. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "rt.h"

static JSContext *ctx;

static JSValue fn_udp_open(JSContext *c, JSValueConst this, int argc, JSValueConst *argv) {
  int32_t port_index, port;
  if (argc < 3 || JS_ToInt32(c, &port_index, argv[0]) || JS_ToInt32(c, &port, argv[1]))
    return JS_ThrowTypeError(c, "udpOpen(portIndex, port, broadcast)");
  int bound = 0;
  int id = udp_open(port_index, port, JS_ToBool(c, argv[2]), &bound);
  if (id < 0) return JS_NewInt32(c, id);
  JSValue pair = JS_NewArray(c);
  JS_SetPropertyUint32(c, pair, 0, JS_NewInt32(c, id));
  JS_SetPropertyUint32(c, pair, 1, JS_NewInt32(c, bound));
  return pair;
}

static JSValue fn_udp_send(JSContext *c, JSValueConst this, int argc, JSValueConst *argv) {
  int32_t id, port;
  uint32_t address;
  size_t len, mac_len = 0;
  const uint8_t *bytes = argc > 1 ? js_bytes_of(argv[1], &len) : NULL;
  if (argc < 4 || !bytes || JS_ToInt32(c, &id, argv[0]) || JS_ToUint32(c, &address, argv[2]) ||
      JS_ToInt32(c, &port, argv[3]))
    return JS_ThrowTypeError(c, "udpSend(id, bytes, address, port, viaMac?)");
  const uint8_t *mac = argc > 4 && !JS_IsUndefined(argv[4]) ? js_bytes_of(argv[4], &mac_len) : NULL;
  if (mac && mac_len != 6) return JS_NewInt32(c, -EINVAL);
  return JS_NewInt32(c, udp_send(id, bytes, len, address, port, mac));
}

static JSValue fn_udp_close(JSContext *c, JSValueConst this, int argc, JSValueConst *argv) {
  int32_t id;
  if (argc < 1 || JS_ToInt32(c, &id, argv[0])) return JS_ThrowTypeError(c, "udpClose(id)");
  udp_close(id);
  return JS_UNDEFINED;
}

/* [ip, prefixLength, ip, prefixLength, ...] of a port's interface. */
static JSValue fn_addresses(JSContext *c, JSValueConst this, int argc, JSValueConst *argv) {
  int32_t port_index;
  if (argc < 1 || JS_ToInt32(c, &port_index, argv[0])) return JS_ThrowTypeError(c, "addresses(portIndex)");
  rt_address list[16];
  int n = netlink_addresses(port_index, list, 16);
  JSValue out = JS_NewArray(c);
  for (int i = 0; i < n; i++) {
    JS_SetPropertyUint32(c, out, (uint32_t)(2 * i), JS_NewUint32(c, list[i].ip));
    JS_SetPropertyUint32(c, out, (uint32_t)(2 * i + 1), JS_NewInt32(c, list[i].prefix));
  }
  return out;
}

static JSValue fn_echo(JSContext *c, JSValueConst this, int argc, JSValueConst *argv) {
  uint32_t seq, address;
  if (argc < 2 || JS_ToUint32(c, &seq, argv[0]) || JS_ToUint32(c, &address, argv[1]))
    return JS_ThrowTypeError(c, "echo(seq, address)");
  return JS_NewInt32(c, icmp_echo((uint16_t)seq, address));
}

static JSValue fn_forget_flows(JSContext *c, JSValueConst this, int argc, JSValueConst *argv) {
  uint32_t address;
  if (argc < 1 || JS_ToUint32(c, &address, argv[0])) return JS_ThrowTypeError(c, "forgetFlows(address)");
  return JS_NewInt32(c, conntrack_forget(address));
}

#define MAX_ARGS 16
static JSValue fn_spawn(JSContext *c, JSValueConst this, int argc, JSValueConst *argv) {
  uint32_t id, count;
  JSValue length = argc > 1 ? JS_GetPropertyStr(c, argv[1], "length") : JS_UNDEFINED;
  int bad = argc < 2 || JS_ToUint32(c, &id, argv[0]) || JS_ToUint32(c, &count, length) || count == 0 || count >= MAX_ARGS;
  JS_FreeValue(c, length);
  if (bad) return JS_ThrowTypeError(c, "spawn(id, argv[1..15], stdin?)");
  char *args[MAX_ARGS] = {0};
  const char *texts[MAX_ARGS] = {0};
  for (uint32_t i = 0; i < count; i++) {
    JSValue item = JS_GetPropertyUint32(c, argv[1], i);
    texts[i] = JS_ToCString(c, item);
    JS_FreeValue(c, item);
    args[i] = (char *)texts[i];
  }
  size_t len = 0;
  const uint8_t *input = argc > 2 && !JS_IsUndefined(argv[2]) ? js_bytes_of(argv[2], &len) : NULL;
  int rc = -EINVAL;
  bool complete = true;
  for (uint32_t i = 0; i < count; i++) complete &= texts[i] != NULL;
  if (complete) rc = spawn_start(id, args, input, len);
  for (uint32_t i = 0; i < count; i++)
    if (texts[i]) JS_FreeCString(c, texts[i]);
  return JS_NewInt32(c, rc);
}

static void on_udp(int id, size_t len, uint32_t from, int from_port, uint32_t to) {
  JSValue args[5] = {JS_NewInt32(ctx, id), JS_NewInt32(ctx, (int32_t)len), JS_NewUint32(ctx, from),
                     JS_NewInt32(ctx, from_port), JS_NewUint32(ctx, to)};
  js_call_optional(JS_ON_UDP, 5, args);
}

static void on_addresses(void) { js_call_optional(JS_ON_ADDRESSES, 0, NULL); }

static void on_echo_reply(uint16_t seq, uint32_t from) {
  JSValue args[2] = {JS_NewInt32(ctx, seq), JS_NewUint32(ctx, from)};
  js_call_optional(JS_ON_ECHO_REPLY, 2, args);
}

static void on_spawn_done(uint32_t id, int code, const char *out, size_t out_len, const char *err, size_t err_len) {
  JSValue args[4] = {JS_NewUint32(ctx, id), JS_NewInt32(ctx, code), JS_NewStringLen(ctx, out ? out : "", out_len),
                     JS_NewStringLen(ctx, err ? err : "", err_len)};
  js_call_optional(JS_ON_SPAWN_DONE, 4, args);
  JS_FreeValue(ctx, args[2]);
  JS_FreeValue(ctx, args[3]);
}

static void set_fn(JSValue obj, const char *name, JSCFunction *fn, int length) {
  JS_SetPropertyStr(ctx, obj, name, JS_NewCFunction(ctx, fn, name, length));
}

JSValue js_net_object(JSContext *c) {
  ctx = c;
  udp_set_receive(on_udp);
  netlink_set_changed(on_addresses);
  icmp_set_reply(on_echo_reply);
  spawn_set_done(on_spawn_done);
  JSValue net = JS_NewObject(c);
  JS_SetPropertyStr(c, net, "receiveBuffer", JS_NewArrayBuffer(c, rt_udp_buffer, RT_UDP_BUFFER, NULL, NULL, 0));
  set_fn(net, "udpOpen", fn_udp_open, 3);
  set_fn(net, "udpSend", fn_udp_send, 5);
  set_fn(net, "udpClose", fn_udp_close, 1);
  set_fn(net, "addresses", fn_addresses, 1);
  set_fn(net, "echo", fn_echo, 2);
  set_fn(net, "spawn", fn_spawn, 3);
  set_fn(net, "forgetFlows", fn_forget_flows, 1);
  return net;
}
