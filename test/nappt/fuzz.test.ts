// Fuzz the forwarder with 100,000 random and mutated frames from both sides (seeded): nothing throws,
// no frame with a private (or any non-public) source leaves on WAN, and every frame is accounted
// for exactly once as forwarded, dropped-by-reason or held.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Rng } from '../../hal/sim/random';
import { internetChecksum } from '../../firmware/wire/checksum';
import { readIp } from '../../firmware/util/ipv4';
import {
  GUEST, PHONE_A, PHONE_B, PUBLIC_IP, WAN_HOST, echo, fromPhone, fromWan, icmpMessage, ip, ipPacket, makeRig, tcpSegment, udpSegment,
} from './harness';

const FRAMES = 100_000;

function templates(rng: Rng): { side: 'lan' | 'wan'; frame: Uint8Array }[] {
  const r = (n: number) => rng.nextU32() % n;
  const data = (n: number) => new Uint8Array(n).map(() => r(256));
  const hosts = [PHONE_A, PHONE_B, GUEST];
  const out: { side: 'lan' | 'wan'; frame: Uint8Array }[] = [];
  for (let i = 0; i < 64; i++) {
    const h = hosts[r(3)];
    const port = r(2) ? (h === GUEST ? 30000 + r(1000) : (h as typeof PHONE_A).block.first + r(512)) : 1024 + r(60000);
    const remote = r(4) ? WAN_HOST : ip('203.0.113.' + r(256));
    const fragment = r(8) === 0 ? 0x2000 : r(8) === 0 ? 0x2000 | (1 + r(100)) : r(4) === 0 ? 0x4000 : 0;
    const ttl = r(10) === 0 ? 1 : 64;
    const kind = r(5);
    const transport =
      kind === 0 ? udpSegment(h.ip, remote, port, 1 + r(65535), data(r(1600)), r(5) === 0)
      : kind === 1 ? tcpSegment(h.ip, remote, port, 80, r(256), r(2) ? [2, 4, 5, 180] : [], data(r(100)))
      : kind === 2 ? echo(8, port, r(65536))
      : kind === 3 ? icmpMessage(3, 3, 0, ipPacket(fromWan({ src: remote, dst: h.ip, protocol: 17, transport: udpSegment(remote, h.ip, 5060, port, data(8)) })))
      : tcpSegment(h.ip, PUBLIC_IP, port, 16384 + r(2000), 2);
    const dst = kind === 4 ? PUBLIC_IP : remote;
    out.push({ side: 'lan', frame: fromPhone(h, { dst, protocol: kind === 0 ? 17 : kind === 2 || kind === 3 ? 1 : 6, ttl, fragment, transport }) });
    const wport = r(2) ? 16384 + r(1024) : 4096 + r(12288);
    const src = r(8) === 0 ? ip('10.0.0.' + r(256)) : remote;
    const wkind = r(4);
    const wtransport =
      wkind === 0 ? udpSegment(src, PUBLIC_IP, 1 + r(65535), wport, data(r(1400)))
      : wkind === 1 ? tcpSegment(src, PUBLIC_IP, 443, wport, r(256))
      : wkind === 2 ? echo(0, wport, 1)
      : icmpMessage(r(2) ? 3 : 11, r(5), 0, ipPacket(fromPhone(hosts[r(3)], { dst: src, protocol: 17, transport: udpSegment(PUBLIC_IP, src, wport, 53, data(8)) })).map((b, k) => (k >= 12 && k < 16 ? [198, 51, 100, 2][k - 12] : b)));
    out.push({ side: 'wan', frame: fromWan({ src, dst: r(16) ? PUBLIC_IP : ip('198.51.100.' + r(256)), protocol: wkind === 0 ? 17 : wkind === 1 ? 6 : 1, ttl, fragment, transport: wtransport }) });
  }
  for (const df of [0, 0x4000]) {
    out.push({ side: 'lan', frame: fromPhone(PHONE_A, { dst: WAN_HOST, protocol: 17, fragment: df, transport: udpSegment(PHONE_A.ip, WAN_HOST, 16400, 5004, data(1450)) }) });
    out.push({ side: 'lan', frame: fromPhone(GUEST, { dst: WAN_HOST, protocol: 17, fragment: df, transport: udpSegment(GUEST.ip, WAN_HOST, 40000, 5004, data(1400)) }) });
  }
  return out;
}

function refixIpChecksum(frame: Uint8Array): void {
  const ihl = (frame[14] & 15) * 4;
  if (ihl < 20 || frame.length < 14 + ihl) return;
  frame[24] = 0;
  frame[25] = 0;
  const sum = internetChecksum(frame, 14, 14 + ihl);
  frame[24] = sum >> 8;
  frame[25] = sum & 0xff;
}

test('100,000 random and mutated frames: no throw, no non-public source on WAN, every frame accounted for', () => {
  const rng = new Rng(0x5eed);
  const r = (n: number) => rng.nextU32() % n;
  const rig = makeRig({ maxMappings: 512, maxMappingsPerHost: 128, fragmentHoldSlots: 4, wanMtu: 1400, filtering: 'address-dependent' });
  const pool = templates(rng);
  let live = rig.forwarder.mappings();
  /** A reply to a live mapping (or a phone block), whole or as two fragments in either order. */
  const replies = (): { side: 'lan' | 'wan'; frame: Uint8Array }[] => {
    const m = live.length > 0 && r(2) ? live[r(live.length)] : undefined;
    const port = m ? m.externalPort : 16384 + r(1024);
    const protocol = m?.protocol === 'tcp' ? 6 : 17;
    const segment = protocol === 6 ? tcpSegment(WAN_HOST, PUBLIC_IP, 53, port, 0x12) : udpSegment(WAN_HOST, PUBLIC_IP, 53, port, new Uint8Array(8 + r(2000)));
    if (m?.protocol === 'icmp') return [{ side: 'wan', frame: fromWan({ src: WAN_HOST, dst: PUBLIC_IP, protocol: 1, transport: echo(0, port, 1) }) }];
    if (segment.length <= 1400 || r(4) === 0) return [{ side: 'wan', frame: fromWan({ src: WAN_HOST, dst: PUBLIC_IP, protocol, transport: segment }) }];
    const id = r(65536);
    const head = fromWan({ src: WAN_HOST, dst: PUBLIC_IP, protocol, id, fragment: 0x2000, transport: segment.subarray(0, 1000) });
    const tail = fromWan({ src: WAN_HOST, dst: PUBLIC_IP, protocol, id, fragment: 125, transport: segment.subarray(1000) });
    return r(2) ? [{ side: 'wan', frame: head }, { side: 'wan', frame: tail }] : [{ side: 'wan', frame: tail }, { side: 'wan', frame: head }];
  };
  let queue: { side: 'lan' | 'wan'; frame: Uint8Array }[] = [];
  let sentWan = 0;
  let sentLan = 0;
  for (let i = 0; i < FRAMES; i++) {
    if (i % 1000 === 0) live = rig.forwarder.mappings();
    if (queue.length === 0 && r(8) === 0) queue = replies();
    const queued = queue.shift();
    const pick = queued ?? pool[r(pool.length)];
    let frame = pick.frame.slice();
    const how = queued ? (r(4) === 0 ? 1 + r(5) : 0) : r(6);
    if (how === 1) {
      for (let k = 1 + r(4); k > 0; k--) frame[14 + r(frame.length - 14)] = r(256);
    } else if (how === 2) {
      frame = frame.subarray(0, 14 + r(frame.length - 13));
    } else if (how === 3) {
      frame = new Uint8Array(14 + r(200)).map(() => r(256));
      if (frame.length > 14 && r(2)) frame[14] = 0x45;
    } else if (how === 4) {
      // Mutate header fields, then make the IP checksum right so deeper code runs.
      const field = [16, 17, 14, 20, 21, 23, 34, 35, 36, 37, 40, 41, 42, 46, 47][r(15)];
      if (field < frame.length) frame[field] = r(256);
      refixIpChecksum(frame);
    } else if (how === 5) {
      for (let k = 1 + r(3); k > 0; k--) frame[34 + r(Math.max(1, frame.length - 34))] = r(256);
    }
    assert.not.throws(() => rig.forwarder.hook(pick.side, frame, 14));
    for (const s of rig.stack.take()) {
      if (s.port === 'wan') {
        sentWan++;
        const src = readIp(s.frame, 26);
        if (src !== PUBLIC_IP) assert.unreachable(`frame ${i} left on WAN with source ${src.toString(16)}`);
        if (internetChecksum(s.frame, 14, 14 + (s.frame[14] & 15) * 4) !== 0) assert.unreachable(`frame ${i}: bad IP checksum on WAN`);
      } else {
        sentLan++;
        const dst = readIp(s.frame, 30);
        if (dst >>> 8 !== 0xc0a80a) assert.unreachable(`frame ${i} sent on LAN to ${dst.toString(16)}`);
      }
    }
    if (r(50) === 0) rig.clock.now += r(30_000);
    const due = rig.forwarder.pollAt();
    if (due !== undefined && due <= rig.clock.now) rig.forwarder.dispatch(rig.clock.now);
    if (r(20_000) === 0) rig.leases.end(PHONE_B.ip);
    if (r(20_000) === 0) rig.leases.bind({ mac: PHONE_B.mac, ip: PHONE_B.ip, block: PHONE_B.block, expiresAt: rig.clock.now + 3_600_000 });
  }
  const c = rig.forwarder.counters();
  if (process.env.FUZZ_VERBOSE) console.log(c);
  const drops = Object.values(rig.forwarder.drops()).reduce((a, b) => a + b, 0);
  const forwarded = c['out-phone'] + c['out-napt'] + c['in-phone'] + c['in-napt'] + c['hairpin'];
  assert.is(c['frames-lan'] + c['frames-wan'], FRAMES);
  assert.is(forwarded + drops - c['fragment-hold-timeout'] + c['fragment-held'], FRAMES + c['fragment-released'], 'each frame is forwarded, dropped or held once');
  assert.is(c['fragment-held'], c['fragment-released'] + c['fragment-hold-timeout'] + c['fragments-held']);
  assert.ok(forwarded > 5000, `enough frames got through to exercise translation (${forwarded})`);
  assert.ok(sentWan > 2000 && sentLan > 1000, `${sentWan} on WAN, ${sentLan} on LAN`);
});

test.run();
