// Fragments both ways (shallow virtual reassembly with a bounded hold), WAN-MTU fragmentation, hairpinning.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { GUEST, PHONE_A, PHONE_B, PUBLIC_IP, WAN_HOST, bytes, checksumProblems, fromPhone, ipv4Frame, makeRig, parse, udpSegment, type Rig } from './harness';
import { internetChecksum, pseudoHeaderSum } from '../../firmware/wire/checksum';

/** Split a UDP datagram into IP fragments of `chunk` payload bytes (multiple of 8). */
function fragments(src: number, dst: number, segment: Uint8Array, chunk: number, id: number, side: 'lan' | 'wan', srcMac?: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let at = 0; at < segment.length; at += chunk) {
    const more = at + chunk < segment.length;
    const piece = segment.subarray(at, Math.min(segment.length, at + chunk));
    const frame = ipv4Frame({ src, dst, protocol: 17, id, fragment: (at / 8) | (more ? 0x2000 : 0), transport: piece, srcMac, dstMac: side === 'wan' ? undefined : undefined });
    out.push(frame);
  }
  return out;
}

/** Reassemble UDP fragments from frames and check the datagram's checksum from scratch. */
function reassembledUdpValid(frames: Uint8Array[]): boolean {
  const parts = frames.map((f) => ({ offset: (((f[20] << 8) | f[21]) & 0x1fff) * 8, data: f.slice(34, 14 + ((f[16] << 8) | f[17])) }));
  const length = Math.max(...parts.map((p) => p.offset + p.data.length));
  const whole = new Uint8Array(length);
  for (const p of parts) whole.set(p.data, p.offset);
  const f = frames[0];
  const src = (f[26] << 24 | f[27] << 16 | f[28] << 8 | f[29]) >>> 0;
  const dst = (f[30] << 24 | f[31] << 16 | f[32] << 8 | f[33]) >>> 0;
  return internetChecksum(whole, 0, length, pseudoHeaderSum(src, dst, 17, length)) === 0;
}

function send(rig: Rig, side: 'lan' | 'wan', frames: Uint8Array[]) {
  return frames.flatMap((f) => (side === 'lan' ? rig.lan(f) : rig.wan(f)));
}

test('outbound fragments from a guest: every fragment gets the public address, the first also the mapped port', () => {
  const rig = makeRig();
  const seg = udpSegment(GUEST.ip, WAN_HOST, 40000, 5004, bytes(3000, 7));
  const out = send(rig, 'lan', fragments(GUEST.ip, WAN_HOST, seg, 1200, 0x4444, 'lan', GUEST.mac));
  assert.is(out.length, 3);
  for (const s of out) {
    assert.is(parse(s.frame).src, PUBLIC_IP);
    assert.equal(checksumProblems(s.frame), []);
  }
  assert.not.equal(parse(out[0].frame).srcPort, 40000);
  assert.ok(reassembledUdpValid(out.map((s) => s.frame)), 'the datagram checksum (in the first fragment) matches the rewritten datagram');
  assert.is(rig.forwarder.counters()['fragments-out'], 2);
});

test('inbound fragments follow the first fragment to the phone; the datagram stays valid', () => {
  const rig = makeRig();
  const seg = udpSegment(WAN_HOST, PUBLIC_IP, 5004, 16400, bytes(2500, 9));
  const out = send(rig, 'wan', fragments(WAN_HOST, PUBLIC_IP, seg, 1000, 0x5555, 'wan'));
  assert.is(out.length, 3);
  for (const s of out) {
    assert.is(s.nextHop, PHONE_A.ip);
    assert.is(parse(s.frame).dst, PHONE_A.ip);
    assert.equal(checksumProblems(s.frame), []);
  }
  assert.ok(reassembledUdpValid(out.map((s) => s.frame)));
  assert.is(rig.forwarder.blocks().find((b) => b.ip === PHONE_A.ip)?.packetsIn, 3);
});

test('out-of-order inbound fragments are held and released when the first arrives (RFC 4787 REQ-14)', () => {
  const rig = makeRig();
  const seg = udpSegment(WAN_HOST, PUBLIC_IP, 5004, 16400, bytes(2500, 9));
  const [first, second, third] = fragments(WAN_HOST, PUBLIC_IP, seg, 1000, 0x6666, 'wan');
  assert.is(rig.wan(third).length, 0);
  assert.is(rig.wan(second).length, 0);
  assert.is(rig.forwarder.counters()['fragments-held'], 2);
  assert.ok(rig.forwarder.pollAt() !== undefined);
  const out = rig.wan(first);
  assert.is(out.length, 3);
  assert.ok(out.every((s) => parse(s.frame).dst === PHONE_A.ip));
  assert.ok(reassembledUdpValid(out.map((s) => s.frame)));
  assert.is(rig.forwarder.counters()['fragment-released'], 2);
});

test('held fragments whose first never comes time out, counted; a full hold buffer drops and counts', () => {
  const rig = makeRig({ fragmentHoldSlots: 2, fragmentHoldMs: 2000 });
  const seg = udpSegment(WAN_HOST, PUBLIC_IP, 5004, 16400, bytes(4000, 9));
  const [, a, b, c] = fragments(WAN_HOST, PUBLIC_IP, seg, 1000, 0x7777, 'wan');
  rig.wan(a);
  rig.wan(b);
  rig.wan(c);
  assert.is(rig.forwarder.drops()['fragment-hold-full'], 1);
  assert.is(rig.forwarder.pollAt(), 3000);
  rig.forwarder.dispatch(3000);
  assert.is(rig.forwarder.drops()['fragment-hold-timeout'], 2);
  assert.is(rig.forwarder.pollAt(), undefined);
  const none = makeRig({ fragmentHoldSlots: 0 });
  none.wan(a);
  assert.is(none.forwarder.drops()['fragment-no-first'], 1);
});

test('DF=0 packets larger than the WAN MTU leave as in-order fragments (RFC 4787 REQ-13a)', () => {
  const rig = makeRig({ wanMtu: 1280 });
  const out = rig.lan(fromPhone(PHONE_A, { dst: WAN_HOST, protocol: 17, transport: udpSegment(PHONE_A.ip, WAN_HOST, 16400, 5004, bytes(3000, 3)) }));
  assert.is(out.length, 3);
  let expectedOffset = 0;
  for (const [i, s] of out.entries()) {
    const p = parse(s.frame);
    assert.ok(p.total <= 1280);
    assert.is(p.src, PUBLIC_IP);
    assert.is((p.fragment & 0x1fff) * 8, expectedOffset);
    assert.is((p.fragment & 0x2000) !== 0, i < 2);
    expectedOffset += p.total - 20;
    assert.equal(checksumProblems(s.frame), []);
  }
  assert.ok(reassembledUdpValid(out.map((s) => s.frame)));
});

test('hairpin: a guest reaches a phone through the public address, seen from the public address and its mapped port', () => {
  const rig = makeRig();
  const out = rig.lan(fromPhone(GUEST, { dst: PUBLIC_IP, protocol: 17, transport: udpSegment(GUEST.ip, PUBLIC_IP, 40000, 16500, bytes(10)) }));
  assert.is(out.length, 1);
  assert.is(out[0].port, 'lan');
  assert.is(out[0].nextHop, PHONE_A.ip);
  const p = parse(out[0].frame);
  assert.is(p.dst, PHONE_A.ip);
  assert.is(p.dstPort, 16500);
  assert.is(p.src, PUBLIC_IP);
  const mapped = rig.forwarder.reverse(p.srcPort, 'udp');
  assert.equal(mapped, { kind: 'napt', protocol: 'udp', ip: GUEST.ip, port: 40000 });
  assert.equal(checksumProblems(out[0].frame), []);
  // The phone answers to public:mapped port and the reply hairpins back to the guest.
  const reply = rig.lan(fromPhone(PHONE_A, { dst: PUBLIC_IP, protocol: 17, transport: udpSegment(PHONE_A.ip, PUBLIC_IP, 16500, p.srcPort, bytes(10)) }));
  const q = parse(reply[0].frame);
  assert.is(q.dst, GUEST.ip);
  assert.is(q.dstPort, 40000);
  assert.is(q.src, PUBLIC_IP);
  assert.is(q.srcPort, 16500);
  assert.equal(checksumProblems(reply[0].frame), []);
});

test('hairpin between phones keeps both ports; disabled by config it is dropped and counted', () => {
  const rig = makeRig();
  const out = rig.lan(fromPhone(PHONE_B, { dst: PUBLIC_IP, protocol: 17, transport: udpSegment(PHONE_B.ip, PUBLIC_IP, 17000, 16400, bytes(10)) }));
  const p = parse(out[0].frame);
  assert.is(p.src, PUBLIC_IP);
  assert.is(p.srcPort, 17000);
  assert.is(p.dst, PHONE_A.ip);
  assert.equal(checksumProblems(out[0].frame), []);
  assert.is(rig.lan(fromPhone(PHONE_B, { dst: PUBLIC_IP, protocol: 17, transport: udpSegment(PHONE_B.ip, PUBLIC_IP, 17000, 9999, bytes(10)) })).length, 0);
  assert.is(rig.forwarder.drops()['hairpin-no-target'], 1);
  const off = makeRig({ hairpin: false });
  assert.is(off.lan(fromPhone(PHONE_B, { dst: PUBLIC_IP, protocol: 17, transport: udpSegment(PHONE_B.ip, PUBLIC_IP, 17000, 16400, bytes(10)) })).length, 0);
  assert.is(off.forwarder.drops()['hairpin-disabled'], 1);
});

test.run();
