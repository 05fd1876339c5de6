// Ordinary NAPT for guests and out-of-block phone ports: EIM, filtering, timeouts, TCP tracking, caps.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { GUEST, PHONE_A, PUBLIC_IP, WAN_HOST, bytes, checksumProblems, fromPhone, fromWan, ip, makeRig, parse, tcpSegment, udpSegment, type Rig } from './harness';

const OTHER_HOST = ip('203.0.113.99');

function guestUdp(rig: Rig, srcPort: number, dst = WAN_HOST, dstPort = 53) {
  const out = rig.lan(fromPhone(GUEST, { dst, protocol: 17, transport: udpSegment(GUEST.ip, dst, srcPort, dstPort, bytes(30)) }));
  assert.is(out.length, 1, 'translated');
  return parse(out[0].frame);
}

function inboundUdp(rig: Rig, src: number, srcPort: number, dstPort: number) {
  return rig.wan(fromWan({ src, dst: PUBLIC_IP, protocol: 17, transport: udpSegment(src, PUBLIC_IP, srcPort, dstPort, bytes(12)) }));
}

test('guest UDP gets a pool port of the same parity, valid checksums, and the mapping is endpoint-independent (REQ-1)', () => {
  const rig = makeRig();
  const a = guestUdp(rig, 40001, WAN_HOST, 53);
  assert.is(a.src, PUBLIC_IP);
  assert.ok(a.srcPort >= 4096 && a.srcPort <= 16383, `pool port ${a.srcPort}`);
  assert.is(a.srcPort & 1, 1, 'parity preserved (REQ-4)');
  const b = guestUdp(rig, 40001, OTHER_HOST, 123);
  assert.is(b.srcPort, a.srcPort, 'same mapping towards another destination');
  const c = guestUdp(rig, 40002, WAN_HOST, 53);
  assert.not.equal(c.srcPort, a.srcPort);
  assert.is(rig.forwarder.mappings().length, 2);
});

test('replies come back translated to the guest; address-and-port-dependent filtering by default', () => {
  const rig = makeRig();
  const out = guestUdp(rig, 40001, WAN_HOST, 53);
  const reply = inboundUdp(rig, WAN_HOST, 53, out.srcPort);
  assert.is(reply.length, 1);
  const p = parse(reply[0].frame);
  assert.is(p.dst, GUEST.ip);
  assert.is(p.dstPort, 40001);
  assert.equal(checksumProblems(reply[0].frame), []);
  assert.is(inboundUdp(rig, WAN_HOST, 54, out.srcPort).length, 0, 'other port of the same host: filtered');
  assert.is(inboundUdp(rig, OTHER_HOST, 53, out.srcPort).length, 0, 'other host: filtered');
  assert.is(rig.forwarder.drops()['wan-filtered'], 2);
  assert.is(inboundUdp(rig, WAN_HOST, 53, 9999).length, 0);
  assert.is(rig.forwarder.drops()['wan-no-mapping'], 1);
});

test('address-dependent and endpoint-independent filtering are configurable (REQ-8a)', () => {
  const ad = makeRig({ filtering: 'address-dependent' });
  const a = guestUdp(ad, 40001);
  assert.is(inboundUdp(ad, WAN_HOST, 999, a.srcPort).length, 1);
  assert.is(inboundUdp(ad, OTHER_HOST, 53, a.srcPort).length, 0);
  const eif = makeRig({ filtering: 'endpoint-independent' });
  const e = guestUdp(eif, 40001);
  assert.is(inboundUdp(eif, OTHER_HOST, 7, e.srcPort).length, 1);
});

test('UDP mappings expire after the idle timeout (>= 2 min), refreshed by outbound only, at pollAt', () => {
  const rig = makeRig({ udpTimeout: 120 });
  const out = guestUdp(rig, 40001);
  assert.is(rig.forwarder.pollAt(), 1000 + 120_000);
  rig.clock.now = 60_000;
  assert.is(inboundUdp(rig, WAN_HOST, 53, out.srcPort).length, 1, 'inbound does not refresh');
  assert.is(rig.forwarder.pollAt(), 121_000);
  rig.clock.now = 100_000;
  guestUdp(rig, 40001); // outbound refresh (REQ-6)
  rig.forwarder.dispatch(121_000);
  assert.is(rig.forwarder.mappings().length, 1);
  assert.is(rig.forwarder.pollAt(), 220_000);
  rig.clock.now = 219_999;
  assert.is(inboundUdp(rig, WAN_HOST, 53, out.srcPort).length, 1);
  rig.clock.now = 220_000;
  rig.forwarder.dispatch(220_000);
  assert.is(rig.forwarder.mappings().length, 0);
  assert.is(rig.forwarder.counters()['mappings-expired'], 1);
  assert.is(rig.forwarder.pollAt(), undefined);
  assert.is(inboundUdp(rig, WAN_HOST, 53, out.srcPort).length, 0);
});

test('TCP: transitory 4 min until SYN both ways, then established 2 h 4 min; FIN or RST goes back to transitory', () => {
  const rig = makeRig();
  const syn = rig.lan(fromPhone(GUEST, { dst: WAN_HOST, protocol: 6, transport: tcpSegment(GUEST.ip, WAN_HOST, 50000, 80, 0x02) }));
  const publicPort = parse(syn[0].frame).srcPort;
  assert.equal(checksumProblems(syn[0].frame), []);
  let m = rig.forwarder.mappings()[0];
  assert.is(m.tcpState, 'transitory');
  assert.is(m.expiresInMs, 240_000);
  const synAck = rig.wan(fromWan({ src: WAN_HOST, dst: PUBLIC_IP, protocol: 6, transport: tcpSegment(WAN_HOST, PUBLIC_IP, 80, publicPort, 0x12) }));
  assert.is(parse(synAck[0].frame).dstPort, 50000);
  assert.equal(checksumProblems(synAck[0].frame), []);
  m = rig.forwarder.mappings()[0];
  assert.is(m.tcpState, 'established');
  assert.is(m.expiresInMs, 7_440_000);
  rig.clock.now += 1000;
  rig.lan(fromPhone(GUEST, { dst: WAN_HOST, protocol: 6, transport: tcpSegment(GUEST.ip, WAN_HOST, 50000, 80, 0x11) }));
  m = rig.forwarder.mappings()[0];
  assert.is(m.tcpState, 'transitory');
  assert.is(m.expiresInMs, 240_000);
  assert.ok(rig.forwarder.pollAt()! <= rig.clock.now + 240_000);
  // A new SYN on the closing mapping starts over; RST also means transitory.
  rig.lan(fromPhone(GUEST, { dst: WAN_HOST, protocol: 6, transport: tcpSegment(GUEST.ip, WAN_HOST, 50000, 80, 0x02) }));
  rig.wan(fromWan({ src: WAN_HOST, dst: PUBLIC_IP, protocol: 6, transport: tcpSegment(WAN_HOST, PUBLIC_IP, 80, publicPort, 0x12) }));
  assert.is(rig.forwarder.mappings()[0].tcpState, 'established');
  rig.wan(fromWan({ src: WAN_HOST, dst: PUBLIC_IP, protocol: 6, transport: tcpSegment(WAN_HOST, PUBLIC_IP, 80, publicPort, 0x04) }));
  assert.is(rig.forwarder.mappings()[0].tcpState, 'transitory');
  rig.clock.now += 240_000;
  rig.forwarder.dispatch(rig.clock.now);
  assert.is(rig.forwarder.mappings().length, 0);
});

test('per-host cap: one PC cannot drain the pool; the failure is counted and logged', () => {
  const rig = makeRig({ maxMappingsPerHost: 3 });
  for (let port = 40000; port < 40003; port++) guestUdp(rig, port);
  const out = rig.lan(fromPhone(GUEST, { dst: WAN_HOST, protocol: 17, transport: udpSegment(GUEST.ip, WAN_HOST, 40003, 53, bytes(4)) }));
  assert.is(out.length, 0);
  assert.is(rig.forwarder.drops()['napt-host-limit'], 1);
  assert.match(rig.logs.join('\n'), /per-host limit/);
  // Another host still gets mappings; existing ones are never evicted (RFC 6888 REQ-11d).
  const other = { mac: new Uint8Array([0x3c, 0x22, 0xfb, 0, 0, 2]), ip: ip('192.168.10.151') };
  assert.is(rig.lan(fromPhone(other, { dst: WAN_HOST, protocol: 17, transport: udpSegment(other.ip, WAN_HOST, 40003, 53, bytes(4)) })).length, 1);
  assert.is(rig.forwarder.mappings().length, 4);
});

test('pool exhaustion is counted and logged, rate-limited', () => {
  const rig = makeRig({ pool: { first: 5000, last: 5003 } });
  for (let port = 40000; port < 40004; port++) guestUdp(rig, port);
  for (let port = 40004; port < 40010; port++) {
    assert.is(rig.lan(fromPhone(GUEST, { dst: WAN_HOST, protocol: 17, transport: udpSegment(GUEST.ip, WAN_HOST, port, 53, bytes(4)) })).length, 0);
  }
  assert.is(rig.forwarder.drops()['napt-pool-exhausted'], 6);
  assert.is(rig.logs.filter((l) => /pool exhausted/.test(l)).length, 1);
  // TCP has its own port space.
  assert.is(rig.lan(fromPhone(GUEST, { dst: WAN_HOST, protocol: 6, transport: tcpSegment(GUEST.ip, WAN_HOST, 40000, 80, 2) })).length, 1);
});

test('a phone port outside its block is translated through the pool, or dropped by the switch', () => {
  const rig = makeRig();
  const out = rig.lan(fromPhone(PHONE_A, { dst: WAN_HOST, protocol: 17, transport: udpSegment(PHONE_A.ip, WAN_HOST, 33000, 53, bytes(20)) }));
  const p = parse(out[0].frame);
  assert.is(p.src, PUBLIC_IP);
  assert.ok(p.srcPort >= 4096 && p.srcPort <= 16383);
  assert.equal(checksumProblems(out[0].frame), []);
  assert.is(rig.forwarder.counters()['out-napt'], 1);
  const strict = makeRig({ phoneOutsideBlock: 'drop' });
  assert.is(strict.lan(fromPhone(PHONE_A, { dst: WAN_HOST, protocol: 17, transport: udpSegment(PHONE_A.ip, WAN_HOST, 33000, 53, bytes(20)) })).length, 0);
  assert.is(strict.forwarder.drops()['phone-port-outside-block'], 1);
  const off = makeRig({ fallbackNapt: false });
  assert.is(off.lan(fromPhone(GUEST, { dst: WAN_HOST, protocol: 17, transport: udpSegment(GUEST.ip, WAN_HOST, 33000, 53, bytes(20)) })).length, 0);
  assert.is(off.forwarder.drops()['napt-disabled'], 1);
});

test('a guest whose source port lies in a phone block is translated, not mistaken for the phone', () => {
  const rig = makeRig();
  const p = guestUdp(rig, 16400);
  assert.ok(p.srcPort < 16384 || p.srcPort > 17407);
});

test('a lease ending flushes that host\'s mappings; a new phone block flushes pool mappings inside it', () => {
  const rig = makeRig();
  guestUdp(rig, 40001);
  assert.is(rig.forwarder.mappings().length, 1);
  rig.leases.end(0xc0a80a96, 'released');
  assert.is(rig.forwarder.mappings().length, 0);
  const pooled = makeRig({ pool: { first: 4096, last: 4097 } });
  const m = guestUdp(pooled, 40001);
  pooled.leases.bind({ mac: new Uint8Array([0, 0x15, 0x65, 0, 0, 0x0c]), ip: ip('192.168.10.102'), block: { first: m.srcPort, last: m.srcPort, psidLength: 16, psid: 0 } });
  assert.is(pooled.forwarder.mappings().length, 0);
  assert.is(pooled.forwarder.reverse(m.srcPort).kind, 'phone');
});

test('reverse answers which host is behind a public port', () => {
  const rig = makeRig();
  const p = guestUdp(rig, 40001);
  const napt = rig.forwarder.reverse(p.srcPort, 'udp');
  assert.equal(napt, { kind: 'napt', protocol: 'udp', ip: GUEST.ip, port: 40001 });
  const phone = rig.forwarder.reverse(16500);
  assert.is(phone.kind, 'phone');
  assert.is(rig.forwarder.reverse(9000).kind, 'none');
});

test.run();
