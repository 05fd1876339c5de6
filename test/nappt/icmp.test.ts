// RFC 5508: echo identifiers like ports, ICMP errors translated both ways, errors the router sends.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  GATEWAY_IP, GUEST, LAN_IP, PHONE_A, PUBLIC_IP, WAN_HOST, bytes, checksumProblems, echo, fromPhone, fromWan, icmpMessage, ip, ipPacket, makeRig, parse, tcpSegment, udpSegment,
} from './harness';
import { readIp } from '../../firmware/util/ipv4';
import { internetChecksum, pseudoHeaderSum } from '../../firmware/wire/checksum';

const ROUTER_HOP = ip('203.0.113.254');

test('a phone echo id inside its block is kept; the reply returns by id (EIF, like a port)', () => {
  const rig = makeRig();
  const out = rig.lan(fromPhone(PHONE_A, { dst: WAN_HOST, protocol: 1, transport: echo(8, 16390, 1) }));
  const p = parse(out[0].frame);
  assert.is(p.src, PUBLIC_IP);
  assert.is(p.icmpId, 16390);
  assert.equal(checksumProblems(out[0].frame), []);
  const back = rig.wan(fromWan({ src: WAN_HOST, dst: PUBLIC_IP, protocol: 1, transport: echo(0, 16390, 1) }));
  assert.is(parse(back[0].frame).dst, PHONE_A.ip);
  assert.equal(checksumProblems(back[0].frame), []);
});

test('a guest echo id is mapped through the pool and mapped back on the reply', () => {
  const rig = makeRig();
  const out = rig.lan(fromPhone(GUEST, { dst: WAN_HOST, protocol: 1, transport: echo(8, 77, 5) }));
  const p = parse(out[0].frame);
  assert.ok(p.icmpId >= 4096 && p.icmpId <= 16383);
  assert.equal(checksumProblems(out[0].frame), []);
  const back = rig.wan(fromWan({ src: WAN_HOST, dst: PUBLIC_IP, protocol: 1, transport: echo(0, p.icmpId, 5) }));
  const q = parse(back[0].frame);
  assert.is(q.dst, GUEST.ip);
  assert.is(q.icmpId, 77);
  assert.equal(checksumProblems(back[0].frame), []);
  assert.is(rig.forwarder.mappings()[0].expiresInMs, 60_000, 'ICMP query timer 60 s (REQ-2)');
  assert.is(rig.wan(fromWan({ src: WAN_HOST, dst: PUBLIC_IP, protocol: 1, transport: echo(0, 4095, 5) })).length, 0);
});

test('inbound port-unreachable about a phone UDP packet: quoted source reverted, every checksum valid', () => {
  const rig = makeRig();
  const sent = rig.lan(fromPhone(PHONE_A, { dst: WAN_HOST, protocol: 17, transport: udpSegment(PHONE_A.ip, WAN_HOST, 16400, 5060, bytes(40)) }));
  const quoted = ipPacket(sent[0].frame);
  const error = rig.wan(fromWan({ src: WAN_HOST, dst: PUBLIC_IP, protocol: 1, transport: icmpMessage(3, 3, 0, quoted) }));
  assert.is(error.length, 1);
  const f = error[0].frame;
  const p = parse(f);
  assert.is(p.dst, PHONE_A.ip);
  assert.is(p.icmpType, 3);
  assert.is(readIp(f, 14 + 20 + 8 + 12), PHONE_A.ip, 'quoted source is the phone again');
  assert.equal(checksumProblems(f), []);
});

test('inbound time-exceeded about a guest (NAPT) UDP packet reverts the quoted port too (traceroute)', () => {
  const rig = makeRig();
  const sent = rig.lan(fromPhone(GUEST, { dst: WAN_HOST, protocol: 17, ttl: 2, transport: udpSegment(GUEST.ip, WAN_HOST, 45000, 33434, bytes(24)) }));
  const publicPort = parse(sent[0].frame).srcPort;
  const quoted = ipPacket(sent[0].frame);
  const error = rig.wan(fromWan({ src: ROUTER_HOP, dst: PUBLIC_IP, protocol: 1, transport: icmpMessage(11, 0, 0, quoted) }));
  assert.is(error.length, 1);
  const f = error[0].frame;
  assert.is(parse(f).dst, GUEST.ip);
  const inner = 14 + 20 + 8;
  assert.is(readIp(f, inner + 12), GUEST.ip);
  assert.is((f[inner + 20] << 8) | f[inner + 21], 45000);
  assert.equal(checksumProblems(f), []);
  assert.ok(rig.forwarder.mappings()[0].idleMs >= 0);
  assert.not.equal(publicPort, 45000);
  // An error quoting a port nobody holds, or with a bad ICMP checksum, is dropped and counted.
  const stray = quoted.slice();
  stray[20] = 0x0f;
  stray[21] = 0xf0;
  assert.is(rig.wan(fromWan({ src: ROUTER_HOP, dst: PUBLIC_IP, protocol: 1, transport: icmpMessage(11, 0, 0, stray) })).length, 0);
  assert.is(rig.forwarder.drops()['icmp-error-no-mapping'], 1);
  const bad = icmpMessage(11, 0, 0, quoted);
  bad[2] ^= 0xff;
  assert.is(rig.wan(fromWan({ src: ROUTER_HOP, dst: PUBLIC_IP, protocol: 1, transport: bad })).length, 0);
  assert.is(rig.forwarder.drops()['icmp-bad-checksum'], 1);
});

test('inbound destination-unreachable about a guest TCP SYN (RFC 5382 REQ-9): quoted port and TCP checksum reverted', () => {
  const rig = makeRig();
  const sent = rig.lan(fromPhone(GUEST, { dst: WAN_HOST, protocol: 6, transport: tcpSegment(GUEST.ip, WAN_HOST, 50123, 443, 0x02) }));
  const quoted = ipPacket(sent[0].frame);
  const error = rig.wan(fromWan({ src: ROUTER_HOP, dst: PUBLIC_IP, protocol: 1, transport: icmpMessage(3, 1, 0, quoted) }));
  assert.is(error.length, 1);
  const f = error[0].frame;
  const inner = 14 + 28;
  assert.is(readIp(f, inner + 12), GUEST.ip);
  assert.is((f[inner + 20] << 8) | f[inner + 21], 50123);
  assert.equal(checksumProblems(f), []);
  // The whole quoted segment is there, so its TCP checksum must be right again too.
  const innerTcp = f.slice(inner + 20, 14 + ((f[16] << 8) | f[17]));
  const sum = internetChecksum(innerTcp, 0, innerTcp.length, pseudoHeaderSum(GUEST.ip, WAN_HOST, 6, innerTcp.length));
  assert.is(sum, 0);
  assert.is(f[14 + 20], 3, 'type kept (REQ-4b)');
  assert.is(f[14 + 21], 1, 'code kept');
  assert.is(rig.forwarder.mappings()[0].tcpState, 'transitory', 'the error did not change the mapping');
});

test('outbound port-unreachable from a phone: quoted destination and outer source become public', () => {
  const rig = makeRig();
  const inbound = rig.wan(fromWan({ src: WAN_HOST, dst: PUBLIC_IP, protocol: 17, transport: udpSegment(WAN_HOST, PUBLIC_IP, 5060, 16401, bytes(16)) }));
  const quoted = ipPacket(inbound[0].frame);
  const out = rig.lan(fromPhone(PHONE_A, { dst: WAN_HOST, protocol: 1, transport: icmpMessage(3, 3, 0, quoted) }));
  assert.is(out.length, 1);
  const f = out[0].frame;
  assert.is(parse(f).src, PUBLIC_IP);
  assert.is(readIp(f, 14 + 28 + 16), PUBLIC_IP);
  assert.equal(checksumProblems(f), []);
});

test('TTL running out: the router sends time-exceeded (from its LAN address) and counts the drop; rate-limited', () => {
  const rig = makeRig({ icmpErrorsPerSecond: 1, icmpErrorBurst: 2 });
  const frame = () => fromPhone(PHONE_A, { dst: WAN_HOST, protocol: 17, ttl: 1, transport: udpSegment(PHONE_A.ip, WAN_HOST, 16400, 33434, bytes(12)) });
  const out = rig.lan(frame());
  assert.is(out.length, 1);
  assert.is(out[0].port, 'lan');
  assert.is(out[0].nextHop, PHONE_A.ip);
  const p = parse(out[0].frame);
  assert.is(p.src, LAN_IP);
  assert.is(p.dst, PHONE_A.ip);
  assert.is(p.icmpType, 11);
  assert.equal(checksumProblems(out[0].frame), []);
  assert.is(rig.lan(frame()).length, 1);
  assert.is(rig.lan(frame()).length, 0, 'bucket empty');
  assert.is(rig.forwarder.counters()['icmp-rate-limited'], 1);
  rig.clock.now += 1000;
  assert.is(rig.lan(frame()).length, 1, 'refilled');
  assert.is(rig.forwarder.drops()['ttl-exceeded'], 4);
  // From the WAN side, the error comes from the public address via the gateway.
  const w = rig.wan(fromWan({ src: WAN_HOST, dst: PUBLIC_IP, protocol: 17, ttl: 1, transport: udpSegment(WAN_HOST, PUBLIC_IP, 1, 16400, bytes(4)) }));
  rig.clock.now += 5000;
  const w2 = w.length ? w : rig.wan(fromWan({ src: WAN_HOST, dst: PUBLIC_IP, protocol: 17, ttl: 1, transport: udpSegment(WAN_HOST, PUBLIC_IP, 1, 16400, bytes(4)) }));
  assert.is(w2[0].port, 'wan');
  assert.is(w2[0].nextHop, GATEWAY_IP);
  assert.is(parse(w2[0].frame).src, PUBLIC_IP);
});

test('DF and larger than the WAN MTU: fragmentation-needed with the next-hop MTU', () => {
  const rig = makeRig({ wanMtu: 1492 });
  const out = rig.lan(fromPhone(PHONE_A, { dst: WAN_HOST, protocol: 17, fragment: 0x4000, transport: udpSegment(PHONE_A.ip, WAN_HOST, 16400, 5004, bytes(1472)) }));
  assert.is(out.length, 1);
  const f = out[0].frame;
  const p = parse(f);
  assert.is(p.icmpType, 3);
  assert.is(f[14 + 21], 4);
  assert.is((f[14 + 26] << 8) | f[14 + 27], 1492);
  assert.is(p.total, 576, 'quote capped at 576 bytes (RFC 1812)');
  assert.equal(checksumProblems(f), []);
  assert.is(rig.forwarder.drops()['fragmentation-needed'], 1);
  // 1492 bytes fit.
  assert.is(rig.lan(fromPhone(PHONE_A, { dst: WAN_HOST, protocol: 17, fragment: 0x4000, transport: udpSegment(PHONE_A.ip, WAN_HOST, 16400, 5004, bytes(1464)) }))[0].port, 'wan');
});

test('MSS on SYNs is clamped to WAN MTU - 40 both ways, checksum still valid (odd-aligned option too)', () => {
  const rig = makeRig({ wanMtu: 1492 });
  const out = rig.lan(fromPhone(GUEST, { dst: WAN_HOST, protocol: 6, transport: tcpSegment(GUEST.ip, WAN_HOST, 50000, 443, 0x02, [2, 4, 0x05, 0xb4, 1, 1, 4, 2]) }));
  const f = out[0].frame;
  assert.is((f[14 + 20 + 22] << 8) | f[14 + 20 + 23], 1452);
  assert.equal(checksumProblems(f), []);
  const publicPort = parse(f).srcPort;
  const back = rig.wan(fromWan({ src: WAN_HOST, dst: PUBLIC_IP, protocol: 6, transport: tcpSegment(WAN_HOST, PUBLIC_IP, 443, publicPort, 0x12, [1, 2, 4, 0x05, 0xb4, 0, 0, 0]) }));
  const g = back[0].frame;
  assert.is((g[14 + 20 + 23] << 8) | g[14 + 20 + 24], 1452);
  assert.equal(checksumProblems(g), []);
  assert.is(rig.forwarder.counters()['mss-clamped'], 2);
  const small = rig.lan(fromPhone(PHONE_A, { dst: WAN_HOST, protocol: 6, transport: tcpSegment(PHONE_A.ip, WAN_HOST, 16400, 443, 0x02, [2, 4, 0x04, 0x00]) }));
  assert.is((small[0].frame[14 + 20 + 22] << 8) | small[0].frame[14 + 20 + 23], 1024, 'smaller MSS untouched');
});

test('echo requests and unknown ICMP types from WAN are dropped and counted (the stack answers our own pings)', () => {
  const rig = makeRig();
  assert.is(rig.wan(fromWan({ src: WAN_HOST, dst: PUBLIC_IP, protocol: 1, transport: echo(8, 16400, 1) })).length, 0);
  assert.is(rig.wan(fromWan({ src: WAN_HOST, dst: PUBLIC_IP, protocol: 1, transport: icmpMessage(9, 0, 0, bytes(8)) })).length, 0);
  assert.is(rig.forwarder.drops()['icmp-unsupported'], 2);
  assert.is(rig.lan(fromPhone(GUEST, { dst: WAN_HOST, protocol: 6, transport: tcpSegment(GUEST.ip, WAN_HOST, 1, 2, 2).subarray(0, 12) })).length, 0);
  assert.is(rig.forwarder.drops()['truncated'], 1);
});

test.run();
