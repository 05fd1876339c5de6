// The fuzz the issue asks for: 100,000 random and mutated frames (seeded) thrown at the stack.
// Nothing throws, and every frame is accounted for: the per-frame outcomes sum to the frames received.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createStack } from '../../firmware/stack';
import { fillIpv4Checksum, fillIcmpChecksum, fillUdpChecksum, WIRE_ERRORS } from '../../firmware/wire';
import { Rng } from '../../hal/sim/random';
import { FakeHal } from './fake-hal';
import { ALL_FIXTURES, HOST_MAC, HOST_IP, PEER_IP, withVlanTag } from '../wire/fixtures';
import { BROADCAST, ZERO, arpFrame, echoFrame, udpFrame } from './frames';

const FRAMES = 100_000;

test(`${FRAMES.toLocaleString('en')} random and mutated frames: nothing throws, every frame is counted`, () => {
  const hal = new FakeHal(11);
  const stack = createStack(hal, { arpCacheSize: 16, icmpRatePerSecond: 1000, icmpBurst: 100 });
  const routerMac = hal.ports.lan.mac;
  // The captures were taken towards 192.168.7.1: give the router that address.
  stack.setAddress('lan', { ip: PEER_IP, prefixLength: 24, gateway: PEER_IP + 253 });
  stack.setAddress('wan', { ip: 0xcb007102, prefixLength: 30 });
  const rng = new Rng(0xf022);
  let touched = 0;
  for (const port of [53, 67, 69, 8080]) {
    stack.bindUdp('lan', port, (datagram) => {
      for (const byte of datagram.payload) touched += byte; // read every byte of the lent views
      touched += datagram.srcMac[5];
      if (rng.chance(0.05)) stack.bindUdp('lan', 0, () => {})?.sendTo(datagram.srcIp, datagram.srcPort, datagram.payload);
    });
  }
  stack.setForwardHook((_port, frame, ipOffset) => {
    touched += frame[ipOffset + 9];
    return rng.chance(0.5);
  });

  const readdressed = (frame: Uint8Array): Uint8Array => {
    const copy = frame.slice();
    if ((copy[0] & 1) === 0) copy.set(routerMac, 0);
    return copy;
  };
  const seeds: Uint8Array[] = [
    ...Object.values(ALL_FIXTURES).map(readdressed),
    ...Object.values(ALL_FIXTURES).map((frame) => withVlanTag(readdressed(frame), 7)),
    arpFrame(1, BROADCAST, HOST_MAC, HOST_IP, ZERO, PEER_IP),
    echoFrame(routerMac, HOST_MAC, HOST_IP, PEER_IP, 5, 5, new Uint8Array(100)),
    udpFrame(BROADCAST, HOST_MAC, 0, 68, 0xffffffff, 67, new Uint8Array(300)),
    udpFrame(routerMac, HOST_MAC, HOST_IP, 5060, 0x08080808, 5060, new Uint8Array(20)),
  ];
  const lengthFields = [14, 16, 17, 18, 19, 38, 39, 46, 12, 13];

  const sendOne = (frame: Uint8Array): void => {
    const port = rng.chance(0.9) ? hal.ports.lan : hal.ports.wan;
    port.deliver(frame);
  };

  for (let i = 0; i < FRAMES; i++) {
    let frame: Uint8Array;
    const kind = rng.int(10);
    if (kind === 0) {
      frame = new Uint8Array(rng.int(1600));
      rng.fill(frame);
      if (rng.chance(0.5) && frame.length >= 14) {
        frame.set(routerMac, 0);
        frame[12] = 0x08;
        frame[13] = rng.chance(0.5) ? 0x00 : 0x06;
      }
    } else {
      frame = seeds[rng.int(seeds.length)].slice();
      const ip = frame[12] === 0x81 ? 18 : 14;
      const flips = rng.int(4);
      for (let f = 0; f < flips; f++) frame[rng.int(frame.length)] ^= 1 << rng.int(8);
      if (rng.chance(0.3)) {
        const field = lengthFields[rng.int(lengthFields.length)] + (ip - 14);
        if (field < frame.length) frame[field] = rng.chance(0.5) ? rng.int(256) : frame[field] + (rng.chance(0.5) ? 1 : -1);
      }
      if (rng.chance(0.15)) frame = frame.subarray(0, rng.int(frame.length + 1));
      if (rng.chance(0.1)) {
        const longer = new Uint8Array(frame.length + rng.int(64));
        longer.set(frame);
        frame = longer;
      }
      // Re-seal the checksums half of the time so that mutations reach the layers below them.
      const ihl = (frame[ip] & 0x0f) * 4;
      if (rng.chance(0.5) && frame.length >= ip + 20 && ihl >= 20 && frame.length >= ip + ihl) {
        fillIpv4Checksum(frame, ip);
        const total = (frame[ip + 2] << 8) | frame[ip + 3];
        const end = Math.min(frame.length, ip + total);
        const l4 = ip + ihl;
        if (frame[ip + 9] === 1 && end - l4 >= 8) fillIcmpChecksum(frame, l4, end);
        const udpLength = (frame[l4 + 4] << 8) | frame[l4 + 5];
        if (frame[ip + 9] === 17 && end - l4 >= 8 && udpLength >= 8 && l4 + udpLength <= end) {
          fillUdpChecksum(frame, l4, (frame[ip + 12] << 24) | (frame[ip + 13] << 16) | (frame[ip + 14] << 8) | frame[ip + 15], (frame[ip + 16] << 24) | (frame[ip + 17] << 16) | (frame[ip + 18] << 8) | frame[ip + 19]);
        }
      }
    }
    sendOne(frame);
    if (rng.chance(0.01)) {
      hal.time += rng.int(5000);
      const due = stack.pollAt();
      if (due !== undefined && due <= hal.time) stack.dispatch(hal.time);
    }
    if (rng.chance(0.001)) void stack.ping(HOST_IP + rng.int(4), 1000);
    hal.ports.lan.take();
    hal.ports.wan.take();
  }

  const counters = stack.counters();
  const outcomes = stack.frameOutcomes();
  const total = Object.values(outcomes).reduce((sum, count) => sum + count, 0);
  assert.is(counters['rx.frames'], FRAMES);
  assert.is(total, FRAMES, 'every frame ended in exactly one outcome');
  // The mutations reached deep: the frames were handled at every layer and dropped for many reasons.
  for (const reached of ['udp.delivered', 'icmp.echo-replied', 'arp.replied', 'ipv4.forwarded', 'ipv4.not-for-us', 'ipv4.bad-checksum', 'udp.bad-checksum', 'icmp.bad-checksum', 'udp.bad-length', 'ipv4.bad-total-length', 'ethernet.truncated']) {
    assert.ok((outcomes[reached] ?? 0) > 0, `no frame ended in ${reached}`);
  }
  const wireReasons = Object.keys(outcomes).filter((key) => WIRE_ERRORS.includes(key as never));
  assert.ok(wireReasons.length >= 10, `only ${wireReasons.length} wire reasons reached`);
  assert.ok(touched > 0);
  if (process.env.FUZZ_VERBOSE) console.log(outcomes, counters);
});

test.run();
