// The forwarder on the simulated board: the real stack and reactor, the WAN side and the forwarder
// attached as boot attaches them (attachWan, attachNappt), phones and a guest PC behind the
// virtual LAN switch, a WAN host behind the WAN switch. Every frame the router puts on
// either cable is checked (addresses, ports, TTL, every checksum recomputed from scratch).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Testbed } from '../../hal/sim/testbed';
import type { Hal } from '../../hal/hal';
import { Reactor } from '../../firmware/reactor';
import { createStack, type RouterStack } from '../../firmware/stack';
import type { NapptForwarder } from '../../firmware/nappt';
import { attachNappt } from '../../firmware/nappt/boot';
import type { Wan } from '../../firmware/wan';
import { attachWan } from '../../firmware/wan/attach';
import { LiveConfig } from '../../firmware/config';
import { Log } from '../../firmware/log';
import { readIp } from '../../firmware/util/ipv4';
import { GATEWAY_IP, GUEST, LAN_IP, PHONE_A, PHONE_B, PUBLIC_IP, ScriptedLeases, checksumProblems, ip, tcpSegment } from './harness';
import { staticWanConfig } from '../wan/static-config';

const WAN_HOST = ip('198.51.100.7');

interface Firmware {
  stack: RouterStack;
  reactor: Reactor;
  forwarder: NapptForwarder;
  wan: Wan;
  leases: ScriptedLeases;
}

function site(seed = 1) {
  const bed = new Testbed<Firmware>({ seed, frameLog: true });
  const firmware = bed.start((hal: Hal) => {
    const stack = createStack(hal);
    const reactor = new Reactor(hal);
    reactor.add(stack);
    stack.onPollChange = () => reactor.reschedule();
    stack.setAddress('lan', { ip: LAN_IP, prefixLength: 24 });
    const leases = new ScriptedLeases();
    leases.bind({ mac: PHONE_A.mac, ip: PHONE_A.ip, block: PHONE_A.block, expiresAt: 3_600_000 });
    leases.bind({ mac: PHONE_B.mac, ip: PHONE_B.ip, block: PHONE_B.block, expiresAt: 3_600_000 });
    leases.bind({ mac: GUEST.mac, ip: GUEST.ip, block: undefined, expiresAt: 3_600_000 });
    const config = staticWanConfig(PUBLIC_IP, GATEWAY_IP);
    const log = new Log(hal, undefined);
    const now = () => hal.now();
    const randomFill = (into: Uint8Array) => hal.randomFill(into);
    const wan = attachWan({ stack, log, reactor, config, now, randomFill, wanMac: hal.ports.wan.mac });
    const { forwarder } = attachNappt({ stack, log, reactor, config: new LiveConfig(config), now, leases, wan, ports: hal.ports });
    return { stack, reactor, forwarder, wan, leases };
  });
  const lanHost = (h: { mac: Uint8Array; ip: number }, name: string) => bed.addHost({ name, mac: h.mac, ip: h.ip, prefixLength: 24, gateway: LAN_IP });
  const phoneA = lanHost(PHONE_A, 'phone-a');
  const phoneB = lanHost(PHONE_B, 'phone-b');
  const guest = lanHost(GUEST, 'guest');
  const wanHost = bed.addHost({ name: 'wan-host', mac: '00:00:5e:00:53:07', ip: WAN_HOST, prefixLength: 24, gateway: GATEWAY_IP }, 'wan');
  bed.run(10);
  /** Frames the router transmitted on a cable since the last call. */
  let seen = 0;
  const routerFrames = () => {
    const all = bed.frameLog!.entries();
    const fresh = all.slice(seen);
    seen = all.length;
    return {
      wan: fresh.filter((r) => r.link === 'router-wan' && r.direction === 'ba' && r.event === 'tx').map((r) => r.frame),
      lan: fresh.filter((r) => r.link === 'router-lan' && r.direction === 'ba' && r.event === 'tx').map((r) => r.frame),
    };
  };
  return { bed, firmware, phoneA, phoneB, guest, wanHost, routerFrames };
}

const isIpv4 = (f: Uint8Array) => f[12] === 0x08 && f[13] === 0x00;
const u16 = (f: Uint8Array, at: number) => (f[at] << 8) | f[at + 1];

test('phone UDP out and WAN-initiated UDP in, through the real stack and switches', () => {
  const s = site();
  s.phoneA.sendUdp(WAN_HOST, 16400, 5060, new Uint8Array(120).fill(1));
  s.bed.run(50);
  const got = s.wanHost.udp.shift();
  assert.ok(got, 'the WAN host received it');
  assert.is(got!.srcIp, PUBLIC_IP);
  assert.is(got!.srcPort, 16400);
  let frames = s.routerFrames().wan.filter(isIpv4);
  assert.ok(frames.length >= 1);
  for (const f of frames) {
    assert.is(readIp(f, 26), PUBLIC_IP);
    assert.is(f[22], 63, 'TTL 64 - 1');
    assert.equal(checksumProblems(f), []);
  }
  s.wanHost.sendUdp(PUBLIC_IP, 5060, 16401, new Uint8Array(40).fill(2));
  s.bed.run(50);
  const inbound = s.phoneA.udp.shift();
  assert.ok(inbound, 'the phone received the unsolicited datagram');
  assert.is(inbound!.dstIp, PHONE_A.ip);
  assert.is(inbound!.dstPort, 16401);
  assert.is(inbound!.srcIp, WAN_HOST);
  frames = s.routerFrames().lan.filter(isIpv4);
  for (const f of frames) assert.equal(checksumProblems(f), []);
  assert.equal(s.phoneA.stats.malformed, {});
  assert.equal(s.wanHost.stats.malformed, {});
});

test('TCP both ways: phone SYN out keeps its port; a WAN SYN to the phone port reaches the phone', () => {
  const s = site(2);
  s.phoneB.sendIpv4(WAN_HOST, 6, tcpSegment(PHONE_B.ip, WAN_HOST, 17001, 80, 0x02, [2, 4, 5, 180]));
  s.bed.run(50);
  const out = s.routerFrames().wan.filter((f) => isIpv4(f) && f[23] === 6);
  assert.is(out.length, 1);
  assert.is(readIp(out[0], 26), PUBLIC_IP);
  assert.is(u16(out[0], 34), 17001);
  assert.equal(checksumProblems(out[0]), []);
  s.wanHost.sendIpv4(PUBLIC_IP, 6, tcpSegment(WAN_HOST, PUBLIC_IP, 41000, 17002, 0x02));
  s.bed.run(50);
  const inbound = s.routerFrames().lan.filter((f) => isIpv4(f) && f[23] === 6);
  assert.is(inbound.length, 1);
  assert.is(readIp(inbound[0], 30), PHONE_B.ip);
  assert.is(u16(inbound[0], 36), 17002);
  assert.equal(checksumProblems(inbound[0]), []);
});

test('a guest reaches the WAN host through ordinary NAPT and gets the reply; pings work through the router', () => {
  const s = site(3);
  s.guest.sendUdp(WAN_HOST, 40000, 53, new Uint8Array(30));
  s.bed.run(50);
  const query = s.wanHost.udp.shift()!;
  assert.is(query.srcIp, PUBLIC_IP);
  assert.ok(query.srcPort >= 4096 && query.srcPort <= 16383);
  s.wanHost.sendUdp(PUBLIC_IP, 53, query.srcPort, new Uint8Array(60));
  s.bed.run(50);
  const answer = s.guest.udp.shift()!;
  assert.is(answer.srcIp, WAN_HOST);
  assert.is(answer.dstPort, 40000);
  s.guest.ping(WAN_HOST, 1);
  s.phoneA.ping(WAN_HOST, 1, new Uint8Array(56), 16390);
  s.bed.run(100);
  assert.is(s.guest.echoReplies.length, 1);
  assert.is(s.phoneA.echoReplies.length, 1);
  assert.is(s.phoneA.echoReplies[0].from, WAN_HOST);
  // The WAN host pings the router's public address: the stack answers (not claimed by NAPPT).
  s.wanHost.ping(PUBLIC_IP, 1);
  s.bed.run(50);
  assert.is(s.wanHost.echoReplies.length, 1);
  for (const f of s.routerFrames().wan.filter(isIpv4)) {
    assert.is(readIp(f, 26), PUBLIC_IP, 'no private source on the WAN cable');
    assert.equal(checksumProblems(f), []);
  }
});

test('traceroute-style TTL 1 gets time-exceeded from the router; hairpin guest -> phone via the public address', () => {
  const s = site(4);
  s.guest.sendIpv4(WAN_HOST, 17, new Uint8Array([0x9c, 0x40, 0x82, 0x9a, 0, 8, 0, 0]), { ttl: 1 });
  s.bed.run(50);
  const errors = s.routerFrames().lan.filter((f) => isIpv4(f) && f[23] === 1);
  assert.is(errors.length, 1);
  assert.is(readIp(errors[0], 26), LAN_IP);
  assert.is(errors[0][34], 11);
  assert.equal(checksumProblems(errors[0]), []);
  s.guest.sendUdp(PUBLIC_IP, 40001, 16500, new Uint8Array(10));
  s.bed.run(50);
  const hair = s.phoneA.udp.shift()!;
  assert.is(hair.srcIp, PUBLIC_IP);
  assert.is(hair.dstPort, 16500);
  assert.ok(hair.srcPort >= 4096 && hair.srcPort <= 16383);
});

test("nothing from WAN reaches the router's DHCP or TFTP ports or the LAN; drops counted", () => {
  const s = site(5);
  for (const port of [67, 69, 23]) s.wanHost.sendUdp(PUBLIC_IP, 1000, port, new Uint8Array(20));
  s.wanHost.sendIpv4(PUBLIC_IP, 6, tcpSegment(WAN_HOST, PUBLIC_IP, 1000, 23, 0x02));
  s.bed.run(50);
  assert.is(s.routerFrames().lan.filter(isIpv4).length, 0);
  assert.is(s.firmware.stack.frameOutcomes()['udp.no-listener'], 3);
  assert.is(s.firmware.forwarder.drops()['wan-no-mapping'], 1);
});

test.run();
