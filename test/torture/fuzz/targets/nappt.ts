// The NAPPT forwarder in both directions: from the LAN (phones inside and outside their blocks,
// a guest, fragments, DF over the WAN MTU, hairpin), and from the WAN (replies to live mappings and
// blocks, unsolicited and bogon-sourced packets, ICMP errors). Nothing may leave on the WAN with a
// source other than the public address, and every frame is forwarded, dropped by reason or held.
import { Rng } from '../../../../hal/sim/random';
import { internetChecksum } from '../../../../firmware/wire/checksum';
import { readIp } from '../../../../firmware/util/ipv4';
import {
  GUEST, PHONE_A, PHONE_B, PUBLIC_IP, WAN_HOST, echo, fromPhone, fromWan, icmpMessage, ip, ipPacket, makeRig, tcpSegment, udpSegment, type Rig,
} from '../../../nappt/harness';
import { count, type Figure } from '../../campaign';
import { behindHeaderByte, mutate, type Seed, type Shape } from '../mutate';
import { reseal } from '../frames';
import type { FuzzInstance, FuzzTarget } from '../target';

const SHAPE: Shape = { lengthFields: [[14, 1], [16, 2], [20, 2], [22, 1], [23, 1], [38, 2], [46, 1]] };
const data = (n: number, fill = 0x61): Uint8Array => new Uint8Array(n).fill(fill);

function lanSeeds(): Seed[] {
  const out: Uint8Array[] = [];
  for (const h of [PHONE_A, PHONE_B, GUEST]) {
    const inBlock = h === GUEST ? 40000 : (h as typeof PHONE_A).block.first + 10;
    for (const port of [inBlock, 5060, 53]) {
      out.push(fromPhone(h, { dst: WAN_HOST, protocol: 17, transport: udpSegment(h.ip, WAN_HOST, port, 5060, data(160)) }));
      out.push(fromPhone(h, { dst: WAN_HOST, protocol: 6, transport: tcpSegment(h.ip, WAN_HOST, port, 443, 0x02, [2, 4, 5, 180]) }));
    }
    out.push(fromPhone(h, { dst: WAN_HOST, protocol: 1, transport: echo(8, inBlock, 1) }));
    out.push(fromPhone(h, { dst: PUBLIC_IP, protocol: 17, transport: udpSegment(h.ip, PUBLIC_IP, inBlock, PHONE_B.block.first + 3, data(40)) }));
    out.push(fromPhone(h, { dst: WAN_HOST, protocol: 17, fragment: 0x2000, id: 77, transport: udpSegment(h.ip, WAN_HOST, inBlock, 5004, data(1000)).subarray(0, 512) }));
    out.push(fromPhone(h, { dst: WAN_HOST, protocol: 17, fragment: 64, id: 77, transport: data(300) }));
    out.push(fromPhone(h, { dst: WAN_HOST, protocol: 17, fragment: 0x4000, transport: udpSegment(h.ip, WAN_HOST, inBlock, 5004, data(1450)) }));
    out.push(fromPhone(h, { dst: WAN_HOST, protocol: 1, transport: icmpMessage(3, 3, 0, ipPacket(fromWan({ src: WAN_HOST, dst: h.ip, protocol: 17, transport: udpSegment(WAN_HOST, h.ip, 5060, inBlock, data(8)) }))) }));
  }
  out.push(fromPhone({ mac: GUEST.mac, ip: PHONE_A.ip }, { dst: WAN_HOST, protocol: 17, transport: udpSegment(PHONE_A.ip, WAN_HOST, 16400, 5060, data(20)) }));
  out.push(fromPhone(GUEST, { dst: WAN_HOST, protocol: 47, transport: data(40) }));
  return out.map((bytes) => ({ bytes, shape: SHAPE }));
}

function wanSeeds(): Seed[] {
  const out: Uint8Array[] = [];
  for (const src of [WAN_HOST, ip('10.0.0.5'), ip('127.0.0.1'), PUBLIC_IP, ip('224.0.0.1')]) {
    for (const port of [PHONE_A.block.first + 10, PHONE_B.block.last, 30000, 1000, 69]) {
      out.push(fromWan({ src, dst: PUBLIC_IP, protocol: 17, transport: udpSegment(src, PUBLIC_IP, 5060, port, data(160)) }));
      out.push(fromWan({ src, dst: PUBLIC_IP, protocol: 6, transport: tcpSegment(src, PUBLIC_IP, 443, port, 0x12) }));
    }
    out.push(fromWan({ src, dst: PUBLIC_IP, protocol: 1, transport: echo(8, 1, 1) }));
    out.push(fromWan({ src, dst: PUBLIC_IP, protocol: 1, transport: echo(0, PHONE_A.block.first, 1) }));
  }
  const inner = ipPacket(fromPhone(PHONE_A, { dst: WAN_HOST, protocol: 17, transport: udpSegment(PUBLIC_IP, WAN_HOST, PHONE_A.block.first, 53, data(8)) })).map((b, k) => (k >= 12 && k < 16 ? [198, 51, 100, 2][k - 12] : b));
  out.push(fromWan({ src: WAN_HOST, dst: PUBLIC_IP, protocol: 1, transport: icmpMessage(3, 4, 1400, inner) }));
  out.push(fromWan({ src: WAN_HOST, dst: PUBLIC_IP, protocol: 1, transport: icmpMessage(11, 0, 0, inner) }));
  out.push(fromWan({ src: WAN_HOST, dst: PUBLIC_IP, protocol: 17, fragment: 0x2000, id: 9, transport: udpSegment(WAN_HOST, PUBLIC_IP, 53, PHONE_A.block.first, data(1200)).subarray(0, 800) }));
  out.push(fromWan({ src: WAN_HOST, dst: PUBLIC_IP, protocol: 17, fragment: 100, id: 9, transport: data(408) }));
  out.push(fromWan({ src: WAN_HOST, dst: ip('198.51.100.9'), protocol: 17, transport: udpSegment(WAN_HOST, ip('198.51.100.9'), 53, 16400, data(8)) }));
  return out.map((bytes) => ({ bytes, shape: SHAPE }));
}

/** One input: a header byte (time step, lease changes, aim at a live mapping) then the frame. */
function generate(rng: Rng, corpus: readonly Seed[]): Uint8Array {
  const frame = mutate(corpus, rng).bytes;
  if (frame.length > 14 && rng.chance(0.5)) reseal(frame);
  return behindHeaderByte(rng, frame);
}

interface Checks {
  sentWan: number;
  sentLan: number;
}

/** Everything the forwarder sent: on the WAN only from the public address with a right IP checksum; on the LAN only to the LAN. */
function check(rig: Rig, checks: Checks): void {
  for (const s of rig.stack.take()) {
    if (s.port === 'wan') {
      checks.sentWan++;
      const src = readIp(s.frame, 26);
      if (src !== PUBLIC_IP) throw new Error(`a frame left on the WAN with source ${src.toString(16)}`);
      if (internetChecksum(s.frame, 14, 14 + (s.frame[14] & 15) * 4) !== 0) throw new Error('a frame left on the WAN with a bad IP checksum');
    } else {
      checks.sentLan++;
      const dst = readIp(s.frame, 30);
      if (dst >>> 8 !== 0xc0a80a) throw new Error(`a frame was sent on the LAN to ${dst.toString(16)}`);
    }
  }
}

/** Forwarded + dropped + held, over all frames the forwarder saw (the set-up ones too). */
function accounting(rig: Rig, fedOnSide: number, side: 'lan' | 'wan', setUp: number): string[] {
  const c = rig.forwarder.counters();
  const drops = Object.values(rig.forwarder.drops()).reduce((a, b) => a + b, 0);
  const forwarded = c['out-phone'] + c['out-napt'] + c['in-phone'] + c['in-napt'] + c['hairpin'];
  const frames = c['frames-lan'] + c['frames-wan'];
  const problems: string[] = [];
  if (c[`frames-${side}`] !== fedOnSide + (side === 'lan' ? setUp : 0)) problems.push(`${fedOnSide} frames fed on the ${side}, frames-${side} ${c[`frames-${side}`]}`);
  if (forwarded + drops - c['fragment-hold-timeout'] + c['fragment-held'] !== frames + c['fragment-released']) {
    problems.push(`${frames} frames: ${forwarded} forwarded, ${drops} dropped, ${c['fragment-held']} held, ${c['fragment-released']} released, ${c['fragment-hold-timeout']} timed out`);
  }
  if (c['fragment-held'] !== c['fragment-released'] + c['fragment-hold-timeout'] + c['fragments-held']) problems.push('held fragments do not add up');
  return problems;
}

function instance(seed: number, side: 'lan' | 'wan'): FuzzInstance {
  const rng = new Rng(seed ^ (side === 'lan' ? 0x1a1a : 0x3e3e));
  const rig = makeRig({ maxMappings: 512, maxMappingsPerHost: 128, fragmentHoldSlots: 4, wanMtu: 1400, filtering: 'address-dependent' });
  const checks: Checks = { sentWan: 0, sentLan: 0 };
  // The WAN side needs mappings to answer: the guest and the phones open some first.
  let setUp = 0;
  if (side === 'wan') {
    for (let i = 0; i < 300; i++) {
      const h = [GUEST, PHONE_A, PHONE_B][i % 3];
      const port = h === GUEST ? 30000 + i : 5000 + i; // phones outside their blocks go through NAPT too
      rig.forwarder.hook('lan', fromPhone(h, { dst: WAN_HOST, protocol: i % 2 ? 6 : 17, transport: i % 2 ? tcpSegment(h.ip, WAN_HOST, port, 443, 0x02) : udpSegment(h.ip, WAN_HOST, port, 53, data(20)) }), 14);
      setUp++;
    }
    check(rig, checks);
  }
  let mappings = rig.forwarder.mappings();
  let fed = 0;
  return {
    feed(input, index) {
      const head = input[0] ?? 0;
      let frame = input.subarray(1);
      if (index % 1000 === 0) mappings = rig.forwarder.mappings();
      if (side === 'wan' && (head & 0xc0) === 0xc0 && mappings.length > 0) {
        // A well-formed reply to a live mapping, so translation inward runs as often as refusals.
        const m = mappings[(head * 37 + index) % mappings.length];
        const protocol = m.protocol === 'tcp' ? 6 : m.protocol === 'icmp' ? 1 : 17;
        const transport = protocol === 6 ? tcpSegment(WAN_HOST, PUBLIC_IP, 443, m.externalPort, 0x12) : protocol === 1 ? echo(0, m.externalPort, 1) : udpSegment(WAN_HOST, PUBLIC_IP, 53, m.externalPort, data(head & 0x3f));
        frame = fromWan({ src: WAN_HOST, dst: PUBLIC_IP, protocol, transport });
      }
      rig.forwarder.hook(side, frame, 14);
      fed++;
      check(rig, checks);
      if ((head & 0x0f) === 0) rig.clock.now += (head >> 4) * 2000;
      const due = rig.forwarder.pollAt();
      if (due !== undefined && due <= rig.clock.now) rig.forwarder.dispatch(rig.clock.now);
      if (head === 0x31 && rng.chance(0.5)) rig.leases.end(PHONE_B.ip);
      if (head === 0x32) rig.leases.bind({ mac: PHONE_B.mac, ip: PHONE_B.ip, block: PHONE_B.block, expiresAt: rig.clock.now + 3_600_000 });
      return undefined;
    },
    audit: () => accounting(rig, fed, side, setUp),
    figures(): Figure[] {
      const c = rig.forwarder.counters();
      return [
        { what: 'forwarded out (phone, NAPT), in (phone, NAPT), hairpin', value: `${count(c['out-phone'])}, ${count(c['out-napt'])}, ${count(c['in-phone'])}, ${count(c['in-napt'])}, ${count(c['hairpin'])}` },
        { what: 'frames sent on WAN, LAN; mappings at the end', value: `${count(checks.sentWan)}, ${count(checks.sentLan)}; ${rig.forwarder.mappings().length}` },
      ];
    },
  };
}

export const napptLan: FuzzTarget = {
  name: 'nappt-lan',
  describe: 'NAPPT forwarder, frames from the LAN',
  seeds: lanSeeds,
  generate,
  create: (seed) => instance(seed, 'lan'),
};

export const napptWan: FuzzTarget = {
  name: 'nappt-wan',
  describe: 'NAPPT forwarder, frames from the WAN',
  seeds: wanSeeds,
  generate,
  create: (seed) => instance(seed, 'wan'),
};
