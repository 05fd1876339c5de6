// The phones' persistent path: out with the port unchanged, in by block alone, only while the lease lives.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { GATEWAY_IP, PHONE_A, PHONE_B, PUBLIC_IP, WAN_HOST, bytes, checksumProblems, fromPhone, fromWan, ip, makeRig, parse, tcpSegment, udpSegment } from './harness';

test('phone UDP from inside its block leaves with the public address, same port, TTL-1, valid checksums, to the gateway', () => {
  const rig = makeRig();
  const out = rig.lan(fromPhone(PHONE_A, { dst: WAN_HOST, protocol: 17, ttl: 64, transport: udpSegment(PHONE_A.ip, WAN_HOST, 16400, 5060, bytes(100)) }));
  assert.is(out.length, 1);
  assert.is(out[0].port, 'wan');
  assert.is(out[0].nextHop, GATEWAY_IP);
  const p = parse(out[0].frame);
  assert.is(p.src, PUBLIC_IP);
  assert.is(p.dst, WAN_HOST);
  assert.is(p.srcPort, 16400);
  assert.is(p.dstPort, 5060);
  assert.is(p.ttl, 63);
  assert.equal(checksumProblems(out[0].frame), []);
  assert.is(rig.forwarder.counters()['out-phone'], 1);
  assert.is(rig.forwarder.mappings().length, 0, 'no per-flow state on the phone path');
});

test('a UDP checksum of zero (none) stays zero', () => {
  const rig = makeRig();
  const out = rig.lan(fromPhone(PHONE_A, { dst: WAN_HOST, protocol: 17, transport: udpSegment(PHONE_A.ip, WAN_HOST, 16401, 4000, bytes(20), true) }));
  assert.is(parse(out[0].frame).transportChecksum, 0);
  assert.equal(checksumProblems(out[0].frame), []);
});

test('phone TCP (with Ethernet padding after the packet) keeps its port and a valid checksum', () => {
  const rig = makeRig();
  const frame = fromPhone(PHONE_B, { dst: WAN_HOST, protocol: 6, transport: tcpSegment(PHONE_B.ip, WAN_HOST, 17000, 443, 0x18, [], bytes(3)), padding: 3 });
  const out = rig.lan(frame);
  const p = parse(out[0].frame);
  assert.is(p.src, PUBLIC_IP);
  assert.is(p.srcPort, 17000);
  assert.equal(checksumProblems(out[0].frame), []);
});

test('WAN-initiated UDP and TCP to a port inside a block reach that phone with the port unchanged (no prior outbound)', () => {
  const rig = makeRig();
  const udp = rig.wan(fromWan({ src: WAN_HOST, dst: PUBLIC_IP, protocol: 17, ttl: 50, transport: udpSegment(WAN_HOST, PUBLIC_IP, 5060, 16895, bytes(200)) }));
  assert.is(udp.length, 1);
  assert.is(udp[0].port, 'lan');
  assert.is(udp[0].nextHop, PHONE_A.ip);
  let p = parse(udp[0].frame);
  assert.is(p.dst, PHONE_A.ip);
  assert.is(p.dstPort, 16895);
  assert.is(p.src, WAN_HOST);
  assert.is(p.ttl, 49);
  assert.equal(checksumProblems(udp[0].frame), []);
  const tcp = rig.wan(fromWan({ src: WAN_HOST, dst: PUBLIC_IP, protocol: 6, transport: tcpSegment(WAN_HOST, PUBLIC_IP, 40000, 16896, 0x02) }));
  p = parse(tcp[0].frame);
  assert.is(p.dst, PHONE_B.ip);
  assert.is(p.dstPort, 16896);
  assert.equal(checksumProblems(tcp[0].frame), []);
  const blocks = rig.forwarder.blocks();
  assert.is(blocks.find((b) => b.ip === PHONE_A.ip)?.packetsIn, 1);
  assert.is(blocks.find((b) => b.ip === PHONE_A.ip)?.bytesIn, 228);
});

test('inbound to a block stops when the lease ends, and when its expiry time passes without an event', () => {
  const rig = makeRig();
  const inbound = () => fromWan({ src: WAN_HOST, dst: PUBLIC_IP, protocol: 17, transport: udpSegment(WAN_HOST, PUBLIC_IP, 5060, 16500, bytes(8)) });
  assert.is(rig.wan(inbound()).length, 1);
  rig.leases.end(PHONE_A.ip, 'expired');
  assert.is(rig.wan(inbound()).length, 0);
  assert.is(rig.forwarder.drops()['wan-no-mapping'], 1);
  rig.leases.bind({ mac: PHONE_A.mac, ip: PHONE_A.ip, block: PHONE_A.block, expiresAt: 5000 });
  assert.is(rig.wan(inbound()).length, 1);
  rig.clock.now = 5000;
  assert.is(rig.wan(inbound()).length, 0);
  assert.is(rig.forwarder.drops()['wan-no-mapping'], 2);
});

test('when the public address changes, translation follows at once', () => {
  const rig = makeRig();
  const next = ip('198.51.100.77');
  rig.forwarder.setWan({ address: next, prefixLength: 24, gateway: GATEWAY_IP });
  const out = rig.lan(fromPhone(PHONE_A, { dst: WAN_HOST, protocol: 17, transport: udpSegment(PHONE_A.ip, WAN_HOST, 16400, 5060, bytes(4)) }));
  assert.is(parse(out[0].frame).src, next);
  assert.equal(checksumProblems(out[0].frame), []);
  assert.is(rig.wan(fromWan({ src: WAN_HOST, dst: PUBLIC_IP, protocol: 17, transport: udpSegment(WAN_HOST, PUBLIC_IP, 1, 16400, bytes(4)) })).length, 0);
  assert.is(rig.wan(fromWan({ src: WAN_HOST, dst: next, protocol: 17, transport: udpSegment(WAN_HOST, next, 1, 16400, bytes(4)) })).length, 1);
  rig.forwarder.setWan(undefined);
  assert.is(rig.lan(fromPhone(PHONE_A, { dst: WAN_HOST, protocol: 17, transport: udpSegment(PHONE_A.ip, WAN_HOST, 16400, 5060, bytes(4)) })).length, 0);
  assert.is(rig.forwarder.drops()['no-wan-address'], 1);
});

test('a WAN address inside the LAN subnet is refused (RFC 4787 REQ-7): nothing is forwarded until it changes', () => {
  const rig = makeRig();
  assert.is(rig.forwarder.setWan({ address: ip('192.168.10.77'), prefixLength: 24, gateway: ip('192.168.10.254') }), false);
  assert.is(rig.forwarder.publicAddress(), undefined);
  assert.is(rig.lan(fromPhone(PHONE_A, { dst: WAN_HOST, protocol: 17, transport: udpSegment(PHONE_A.ip, WAN_HOST, 16400, 5060, bytes(4)) })).length, 0);
  assert.match(rig.logs.join('\n'), /overlaps the LAN subnet/);
  assert.is(rig.forwarder.counters()['wan-lan-conflicts'], 1);
  assert.is(rig.forwarder.setWan({ address: ip('192.168.0.5'), prefixLength: 16, gateway: ip('192.168.0.1') }), false, 'a wider WAN prefix that covers the LAN');
  assert.is(rig.forwarder.setWan({ address: PUBLIC_IP, prefixLength: 24, gateway: GATEWAY_IP }), true);
  assert.is(rig.lan(fromPhone(PHONE_A, { dst: WAN_HOST, protocol: 17, transport: udpSegment(PHONE_A.ip, WAN_HOST, 16400, 5060, bytes(4)) })).length, 1);
});

test('a destination on the WAN subnet is sent to it directly, not to the gateway', () => {
  const rig = makeRig();
  const neighbour = ip('198.51.100.9');
  const out = rig.lan(fromPhone(PHONE_A, { dst: neighbour, protocol: 17, transport: udpSegment(PHONE_A.ip, neighbour, 16400, 53, bytes(4)) }));
  assert.is(out[0].nextHop, neighbour);
});

test('802.1Q: a frame whose IP header sits at offset 18 is translated and sent untagged', () => {
  const rig = makeRig();
  const plain = fromPhone(PHONE_A, { dst: WAN_HOST, protocol: 17, transport: udpSegment(PHONE_A.ip, WAN_HOST, 16400, 5060, bytes(10)) });
  const tagged = new Uint8Array(plain.length + 4);
  tagged.set(plain.subarray(0, 12), 0);
  tagged.set([0x81, 0x00, 0x00, 0x0a], 12);
  tagged.set(plain.subarray(12), 16);
  rig.forwarder.hook('lan', tagged, 18);
  const out = rig.stack.take();
  assert.is(out.length, 1);
  assert.is(out[0].frame[12], 0x08);
  assert.is(parse(out[0].frame).src, PUBLIC_IP);
  assert.equal(checksumProblems(out[0].frame), []);
});

test.run();
