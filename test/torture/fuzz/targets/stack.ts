// The router's IPv4 stack (ARP, IPv4, ICMP, UDP, TCP to the router, the forwarding hand-off) fed
// random and mutated frames on both ports, half of them re-sealed so mutations reach the layers
// below the checksums. Every frame must end in exactly one outcome counter.
import { createStack } from '../../../../firmware/stack';
import { Rng } from '../../../../hal/sim/random';
import { FakeHal } from '../../../stack/fake-hal';
import { ALL_FIXTURES, HOST_MAC, HOST_IP, PEER_IP, withVlanTag } from '../../../wire/fixtures';
import { BROADCAST, ZERO, arpFrame, echoFrame, udpFrame } from '../../../stack/frames';
import { count, type Figure } from '../../campaign';
import { behindHeaderByte, mutate, type Seed, type Shape } from '../mutate';
import { reseal } from '../frames';
import type { FuzzInstance, FuzzTarget } from '../target';

/** Ethernet type, IPv4 version/IHL, total length, flags/offset, protocol, UDP length, ARP lengths. */
const SHAPE: Shape = { lengthFields: [[12, 2], [14, 1], [16, 2], [20, 2], [23, 1], [38, 2], [18, 1], [19, 1]] };

function seeds(): Seed[] {
  const hal = new FakeHal(1);
  const router = hal.ports.lan.mac;
  const readdressed = (frame: Uint8Array): Uint8Array => {
    const copy = frame.slice();
    if ((copy[0] & 1) === 0) copy.set(router, 0);
    return copy;
  };
  const fixtures = Object.values(ALL_FIXTURES).map(readdressed);
  const withOptions = echoFrame(router, HOST_MAC, HOST_IP, PEER_IP, 9, 9, new Uint8Array(40));
  const frames = [
    ...fixtures,
    ...fixtures.map((f) => withVlanTag(f, 7)),
    arpFrame(1, BROADCAST, HOST_MAC, HOST_IP, ZERO, PEER_IP),
    arpFrame(2, router, HOST_MAC, HOST_IP, router, PEER_IP),
    echoFrame(router, HOST_MAC, HOST_IP, PEER_IP, 5, 5, new Uint8Array(1400)),
    withOptions,
    udpFrame(BROADCAST, HOST_MAC, 0, 68, 0xffffffff, 67, new Uint8Array(300)),
    udpFrame(router, HOST_MAC, HOST_IP, 40000, PEER_IP, 69, Uint8Array.of(0, 1, 0x61, 0, 0x6f, 0x63, 0x74, 0x65, 0x74, 0)),
    udpFrame(router, HOST_MAC, HOST_IP, 5060, 0x08080808, 5060, new Uint8Array(20)),
  ];
  return frames.map((bytes) => ({ bytes, shape: SHAPE }));
}

/** One input: a header byte (port, time step) then the frame, re-sealed half of the time. */
function generate(rng: Rng, corpus: readonly Seed[]): Uint8Array {
  const frame = mutate(corpus, rng).bytes;
  if (rng.chance(0.5)) reseal(frame);
  return behindHeaderByte(rng, frame);
}

export const stackFrames: FuzzTarget = {
  name: 'stack',
  describe: 'IPv4/UDP/TCP/ICMP/ARP frames through the stack on both ports',
  seeds,
  generate,
  create(seed): FuzzInstance {
    const hal = new FakeHal(seed);
    const rng = new Rng(seed ^ 0x57ac);
    const stack = createStack(hal, { arpCacheSize: 16, icmpRatePerSecond: 1000, icmpBurst: 100 });
    stack.setAddress('lan', { ip: PEER_IP, prefixLength: 24, gateway: PEER_IP + 253 });
    stack.setAddress('wan', { ip: 0xcb007102, prefixLength: 30 });
    let touched = 0;
    for (const port of [53, 67, 69, 8080]) {
      stack.bindUdp('lan', port, (d) => {
        for (const byte of d.payload) touched += byte; // read every byte of the lent views
        if (rng.chance(0.05)) stack.bindUdp('lan', 0, () => {})?.sendTo(d.srcIp, d.srcPort, d.payload);
      });
    }
    stack.setForwardHook((_port, frame, ipOffset) => {
      touched += frame[ipOffset + 9];
      return rng.chance(0.5);
    });
    let sent = 0;
    return {
      feed(input) {
        const head = input[0] ?? 0;
        (head & 0xe0 ? hal.ports.lan : hal.ports.wan).deliver(input.subarray(1));
        if ((head & 0x0f) === 0) {
          hal.time += (head >> 4) * 300;
          const due = stack.pollAt();
          if (due !== undefined && due <= hal.time) stack.dispatch(hal.time);
        }
        if (head === 0x5a) void stack.ping(HOST_IP + (head & 3), 1000);
        sent += hal.ports.lan.take().length + hal.ports.wan.take().length;
        return undefined;
      },
      audit(fed) {
        const outcomes = stack.frameOutcomes();
        const total = Object.values(outcomes).reduce((sum, n) => sum + n, 0);
        const problems: string[] = [];
        if (stack.counters()['rx.frames'] !== fed) problems.push(`${fed} frames in, rx.frames says ${stack.counters()['rx.frames']}`);
        if (total !== fed) problems.push(`${fed} frames in, ${total} outcomes`);
        return problems;
      },
      figures(): Figure[] {
        const outcomes = Object.entries(stack.frameOutcomes()).sort((a, b) => b[1] - a[1]);
        return [
          { what: 'frame outcomes (distinct)', value: `${outcomes.length}: ${outcomes.slice(0, 5).map(([k, v]) => `${k} ${count(v)}`).join(', ')}, ...` },
          { what: 'frames sent by the router', value: count(sent) },
        ];
      },
    };
  },
};
