// Security defaults on both sides, per-reason drop counters, introspection, and the harness's own checker.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { GUEST, LAN_IP, PHONE_A, PHONE_B, PUBLIC_IP, WAN_HOST, bytes, checksumProblems, fromPhone, fromWan, ip, ipv4Frame, mac, makeRig, udpSegment } from './harness';

const udpFromWan = (src: number, dst: number, dstPort: number) => fromWan({ src, dst, protocol: 17, transport: udpSegment(src, dst, 1234, dstPort, bytes(8)) });

test('from WAN: private, loopback, multicast, reserved and our own sources are dropped; WAN-subnet sources are allowed', () => {
  const rig = makeRig();
  for (const src of ['10.1.2.3', '172.16.0.1', '192.168.10.100', '127.0.0.1', '169.254.1.1', '224.0.0.5', '240.0.0.1', '0.1.2.3', '198.51.100.2']) {
    assert.is(rig.wan(udpFromWan(ip(src), PUBLIC_IP, 16400)).length, 0, src);
  }
  assert.is(rig.forwarder.drops()['wan-source-bogon'], 9);
  assert.is(rig.wan(udpFromWan(ip('198.51.100.1'), PUBLIC_IP, 16400)).length, 1, 'the upstream router on our WAN subnet');
  const doubleNat = makeRig();
  doubleNat.forwarder.setWan({ address: ip('192.168.1.20'), prefixLength: 24, gateway: ip('192.168.1.1') });
  assert.is(doubleNat.wan(udpFromWan(ip('192.168.1.1'), ip('192.168.1.20'), 16400)).length, 1, 'double NAT: private upstream on-link is fine');
  assert.is(doubleNat.wan(udpFromWan(ip('10.0.0.1'), ip('192.168.1.20'), 16400)).length, 0);
  const open = makeRig({ dropBogonWanSources: false });
  assert.is(open.wan(udpFromWan(ip('10.1.2.3'), PUBLIC_IP, 16400)).length, 1);
});

test('from WAN: anything not addressed to our public address is dropped (broadcast, other hosts, LAN addresses)', () => {
  const rig = makeRig();
  for (const dst of ['255.255.255.255', '198.51.100.3', '192.168.10.100', '192.168.10.1', '224.0.0.1']) {
    assert.is(rig.wan(udpFromWan(WAN_HOST, ip(dst), 16400)).length, 0, dst);
  }
  assert.is(rig.forwarder.drops()['wan-not-our-address'], 5);
});

test("from WAN: the router's TFTP, DHCP and console ports lead nowhere", () => {
  const rig = makeRig();
  for (const port of [69, 67, 68, 23, 22, 0, 1023, 4095]) assert.is(rig.wan(udpFromWan(WAN_HOST, PUBLIC_IP, port)).length, 0);
  assert.is(rig.forwarder.drops()['wan-no-mapping'], 8);
});

test('from LAN: a phone must use its lease address, and nobody else may use it', () => {
  const rig = makeRig();
  const spoofedSource = ipv4Frame({ src: ip('192.168.10.120'), srcMac: PHONE_A.mac, dst: WAN_HOST, protocol: 17, transport: udpSegment(ip('192.168.10.120'), WAN_HOST, 16400, 5060, bytes(8)) });
  assert.is(rig.lan(spoofedSource).length, 0);
  const stolenAddress = ipv4Frame({ src: PHONE_A.ip, srcMac: mac('66:66:66:66:66:66'), dst: WAN_HOST, protocol: 17, transport: udpSegment(PHONE_A.ip, WAN_HOST, 16400, 5060, bytes(8)) });
  assert.is(rig.lan(stolenAddress).length, 0);
  const otherBlock = fromPhone(PHONE_B, { dst: WAN_HOST, protocol: 17, transport: udpSegment(PHONE_B.ip, WAN_HOST, 16400, 5060, bytes(8)) });
  const out = rig.lan(otherBlock);
  assert.is(out.length, 1);
  assert.not.equal((out[0].frame[34] << 8) | out[0].frame[35], 16400, "phone B cannot send from phone A's block: translated");
  assert.is(rig.forwarder.drops()['lan-source-spoofed'], 2);
});

test('from LAN: sources outside the LAN subnet or the router itself are dropped; LAN-internal and broadcast destinations too', () => {
  const rig = makeRig();
  const badSources = ['10.9.9.9', '192.168.10.1', '0.0.0.0', '255.255.255.255', '127.0.0.1'];
  for (const src of badSources) {
    assert.is(rig.lan(ipv4Frame({ src: ip(src), dst: WAN_HOST, protocol: 17, transport: udpSegment(ip(src), WAN_HOST, 1, 2, bytes(2)) })).length, 0, src);
  }
  assert.is(rig.forwarder.drops()['lan-source-invalid'], badSources.length);
  for (const dst of ['192.168.10.7', '255.255.255.255', '224.0.0.251', LAN_IP]) {
    const d = typeof dst === 'string' ? ip(dst) : dst;
    assert.is(rig.lan(fromPhone(GUEST, { dst: d, protocol: 17, transport: udpSegment(GUEST.ip, d, 1, 2, bytes(2)) })).length, 0);
  }
  assert.is(rig.forwarder.drops()['lan-destination-invalid'], 4);
});

test('unleased LAN hosts are translated by default and dropped when configured', () => {
  const host = { mac: mac('3c:22:fb:00:00:99'), ip: ip('192.168.10.222') };
  const frame = () => fromPhone(host, { dst: WAN_HOST, protocol: 17, transport: udpSegment(host.ip, WAN_HOST, 40000, 53, bytes(2)) });
  assert.is(makeRig().lan(frame()).length, 1);
  const strict = makeRig({ unleasedHosts: 'drop' });
  assert.is(strict.lan(frame()).length, 0);
  assert.is(strict.forwarder.drops()['unleased-host'], 1);
});

test('malformed headers: each reason counted; other protocols dropped', () => {
  const rig = makeRig();
  const good = fromPhone(GUEST, { dst: WAN_HOST, protocol: 17, transport: udpSegment(GUEST.ip, WAN_HOST, 1, 2, bytes(2)) });
  const badChecksum = good.slice();
  badChecksum[24] ^= 1;
  rig.lan(badChecksum);
  const v6 = good.slice();
  v6[14] = 0x65;
  rig.lan(v6);
  rig.lan(good.subarray(0, 30));
  const longTotal = good.slice();
  longTotal[17] += 40;
  rig.lan(longTotal);
  const gre = fromPhone(GUEST, { dst: WAN_HOST, protocol: 47, transport: bytes(20) });
  rig.lan(gre);
  const d = rig.forwarder.drops();
  assert.is(d['bad-ip-checksum'], 1);
  assert.is(d['not-ipv4'], 1);
  assert.is(d['truncated'], 2);
  assert.is(d['protocol-unsupported'], 1);
  rig.stack.failSends = true;
  rig.lan(good);
  assert.is(rig.forwarder.drops()['tx-failed'], 1);
});

test('introspection: blocks with phones and counters, NAPT mappings with age, drops by reason', () => {
  const rig = makeRig();
  rig.lan(fromPhone(PHONE_A, { dst: WAN_HOST, protocol: 17, transport: udpSegment(PHONE_A.ip, WAN_HOST, 16400, 5060, bytes(72)) }));
  rig.lan(fromPhone(GUEST, { dst: WAN_HOST, protocol: 17, transport: udpSegment(GUEST.ip, WAN_HOST, 40000, 53, bytes(2)) }));
  rig.clock.now += 1500;
  const blocks = rig.forwarder.blocks();
  assert.is(blocks.length, 2);
  assert.is(blocks[0].first, 16384);
  assert.is(blocks[0].packetsOut, 1);
  assert.is(blocks[0].bytesOut, 100);
  const mappings = rig.forwarder.mappings();
  assert.is(mappings.length, 1);
  assert.is(mappings[0].internalIp, GUEST.ip);
  assert.is(mappings[0].ageMs, 1500);
  assert.is(mappings[0].protocol, 'udp');
  assert.is(typeof rig.forwarder.drops()['wan-source-bogon'], 'number');
});

test('the checker itself catches a corrupted checksum (so the other tests can fail)', () => {
  const frame = fromPhone(GUEST, { dst: WAN_HOST, protocol: 17, transport: udpSegment(GUEST.ip, WAN_HOST, 1, 2, bytes(2)) });
  assert.equal(checksumProblems(frame), []);
  frame[40] ^= 1;
  assert.equal(checksumProblems(frame), ['udp checksum']);
  frame[22] ^= 1;
  assert.ok(checksumProblems(frame).includes('ip header checksum'));
});

test.run();
