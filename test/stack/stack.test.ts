// The router's own stack, driven through a fake HAL: ARP (answers, cache, expiry, queue bounds,
// retries, gratuitous), echo replies and their rate limit, ping, UDP sockets, drops by reason,
// and the forward hook. Every test checks that each received frame ended in exactly one outcome.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createStack, type RouterStack, type StackOptions } from '../../firmware/stack';
import type { Datagram } from '../../firmware/stack';
import {
  ArpOperation,
  isWireError,
  parseArp,
  parseEthernet,
  parseIcmp,
  parseIpv4,
  parseUdp,
  verifyIpv4Checksum,
  type ArpRepr,
  type EthernetRepr,
  type IcmpRepr,
  type Ipv4Repr,
  type UdpRepr,
} from '../../firmware/wire';
import { parseIp } from '../../firmware/util/ipv4';
import { FakeHal } from './fake-hal';
import { BROADCAST, ZERO, arpFrame, echoFrame, udpFrame } from './frames';
import { withVlanTag } from '../wire/fixtures';

const ROUTER_IP = parseIp('192.168.1.1') as number;
const HOST_IP = parseIp('192.168.1.50') as number;
const OTHER_IP = parseIp('192.168.1.77') as number;
const INTERNET_IP = parseIp('198.51.100.7') as number;
const HOST_MAC = Uint8Array.from([0x0a, 0, 0, 0, 0, 0x50]);
const OTHER_MAC = Uint8Array.from([0x0a, 0, 0, 0, 0, 0x77]);

function ok<T>(result: T | string): T {
  if (isWireError(result)) throw new Error(`unexpected wire error ${result}`);
  return result as T;
}

function setup(options: StackOptions = {}): { hal: FakeHal; stack: RouterStack; routerMac: Uint8Array } {
  const hal = new FakeHal(7);
  const stack = createStack(hal, options);
  stack.setAddress('lan', { ip: ROUTER_IP, prefixLength: 24 });
  hal.ports.lan.take(); // the gratuitous ARP
  return { hal, stack, routerMac: hal.ports.lan.mac };
}

function assertAccounted(stack: RouterStack): void {
  const outcomes = Object.values(stack.frameOutcomes()).reduce((sum, count) => sum + count, 0);
  assert.is(outcomes, stack.counters()['rx.frames'] ?? 0, 'every received frame ends in exactly one outcome');
}

interface Decoded {
  eth: EthernetRepr;
  ip: Ipv4Repr;
  l4: number;
  end: number;
  frame: Uint8Array;
}
function decodeIp(frame: Uint8Array): Decoded {
  const eth = ok<EthernetRepr>(parseEthernet(frame));
  const ip = ok<Ipv4Repr>(parseIpv4(frame, 14));
  return { eth, ip, l4: 14 + 20 + ip.options.length, end: 34 + ip.options.length + ip.payloadLength, frame };
}

test('setting an address sends one gratuitous ARP; clearing it stops answering', () => {
  const hal = new FakeHal();
  const stack = createStack(hal);
  stack.setAddress('lan', { ip: ROUTER_IP, prefixLength: 24 });
  const [frame, ...rest] = hal.ports.lan.take();
  assert.is(rest.length, 0);
  assert.is(frame.length, 60, 'padded to the Ethernet minimum');
  const eth = ok<EthernetRepr>(parseEthernet(frame));
  assert.equal([...eth.dst], [...BROADCAST]);
  const arp = ok<ArpRepr>(parseArp(frame, 14));
  assert.is(arp.operation, ArpOperation.Request);
  assert.is(arp.senderIp, ROUTER_IP);
  assert.is(arp.targetIp, ROUTER_IP);
  assert.equal([...arp.senderMac], [...hal.ports.lan.mac]);
  assert.is(stack.counters()['arp.gratuitous-sent'], 1);
  assert.equal(stack.address('lan'), { ip: ROUTER_IP, prefixLength: 24 });
  stack.setAddress('lan', undefined);
  hal.ports.lan.deliver(arpFrame(1, BROADCAST, HOST_MAC, HOST_IP, ZERO, ROUTER_IP));
  assert.is(hal.ports.lan.take().length, 0);
  assert.is(stack.frameOutcomes()['arp.not-for-us'], 1);
  assertAccounted(stack);
});

test('an ARP request for our address is answered by unicast and teaches us the asker', () => {
  const { hal, stack, routerMac } = setup();
  hal.ports.lan.deliver(arpFrame(1, BROADCAST, HOST_MAC, HOST_IP, ZERO, ROUTER_IP));
  const [reply] = hal.ports.lan.take();
  const eth = ok<EthernetRepr>(parseEthernet(reply));
  assert.equal([...eth.dst], [...HOST_MAC]);
  assert.equal([...eth.src], [...routerMac]);
  const arp = ok<ArpRepr>(parseArp(reply, 14));
  assert.is(arp.operation, ArpOperation.Reply);
  assert.is(arp.senderIp, ROUTER_IP);
  assert.equal([...arp.senderMac], [...routerMac]);
  assert.is(arp.targetIp, HOST_IP);
  assert.equal([...arp.targetMac], [...HOST_MAC]);
  assert.equal([...(stack.arpLookup('lan', HOST_IP) ?? [])], [...HOST_MAC]);
  // A request for someone else: no answer, nothing learned; the WAN port is a separate world.
  hal.ports.lan.deliver(arpFrame(1, BROADCAST, OTHER_MAC, OTHER_IP, ZERO, HOST_IP));
  assert.is(hal.ports.lan.take().length, 0);
  assert.is(stack.arpLookup('lan', OTHER_IP), undefined);
  assert.is(stack.arpLookup('wan', HOST_IP), undefined);
  assert.is(stack.frameOutcomes()['arp.replied'], 1);
  assert.is(stack.frameOutcomes()['arp.not-for-us'], 1);
  assertAccounted(stack);
});

test('unsolicited ARP replies only refresh known entries; a conflict on our address is counted', () => {
  const { hal, stack, routerMac } = setup();
  hal.ports.lan.deliver(arpFrame(2, routerMac, OTHER_MAC, OTHER_IP, routerMac, ROUTER_IP));
  assert.is(stack.arpLookup('lan', OTHER_IP), undefined, 'an unsolicited reply adds nothing');
  assert.is(stack.frameOutcomes()['arp.unsolicited'], 1);
  hal.ports.lan.deliver(arpFrame(2, BROADCAST, HOST_MAC, HOST_IP, ZERO, HOST_IP)); // a gratuitous announcement
  assert.is(stack.arpLookup('lan', HOST_IP), undefined);
  // Once known, an announcement refreshes the entry with the new MAC.
  hal.ports.lan.deliver(arpFrame(1, BROADCAST, HOST_MAC, HOST_IP, ZERO, ROUTER_IP));
  hal.ports.lan.deliver(arpFrame(2, BROADCAST, OTHER_MAC, HOST_IP, ZERO, HOST_IP));
  assert.equal([...(stack.arpLookup('lan', HOST_IP) ?? [])], [...OTHER_MAC]);
  assert.is(stack.frameOutcomes()['arp.refreshed'], 1);
  hal.ports.lan.deliver(arpFrame(1, BROADCAST, OTHER_MAC, ROUTER_IP, ZERO, ROUTER_IP));
  assert.is(stack.frameOutcomes()['arp.address-conflict'], 1);
  assertAccounted(stack);
});

test('ARP entries expire through pollAt/dispatch', () => {
  const { hal, stack } = setup({ arpLifetimeMs: 60_000 });
  hal.ports.lan.deliver(arpFrame(1, BROADCAST, HOST_MAC, HOST_IP, ZERO, ROUTER_IP));
  assert.is(stack.pollAt(), hal.time + 60_000);
  hal.time += 59_999;
  stack.dispatch(hal.time);
  assert.ok(stack.arpLookup('lan', HOST_IP));
  hal.time += 1;
  assert.is(stack.arpLookup('lan', HOST_IP), undefined, 'an expired entry is never used, even before dispatch');
  stack.dispatch(hal.time);
  assert.is(stack.counters()['arp.expired'], 1);
  assert.is(stack.pollAt(), undefined, 'nothing left to do');
});

test('a next hop in use is refreshed by one unicast ARP request shortly before it would expire', () => {
  const { hal, stack, routerMac } = setup({ arpLifetimeMs: 60_000, arpRefreshMs: 5_000 });
  hal.ports.lan.deliver(arpFrame(1, BROADCAST, HOST_MAC, HOST_IP, ZERO, ROUTER_IP));
  hal.ports.lan.take();
  const socket = stack.bindUdp('lan', 5000, () => {})!;
  hal.time += 54_999;
  socket.sendTo(HOST_IP, 9, Uint8Array.from([1]));
  assert.is(hal.ports.lan.take().length, 1, 'not yet within the refresh window');
  hal.time += 1;
  socket.sendTo(HOST_IP, 9, Uint8Array.from([2]));
  socket.sendTo(HOST_IP, 9, Uint8Array.from([3]));
  const sent = hal.ports.lan.take();
  assert.is(sent.length, 3, 'two datagrams and one refresh request');
  const refresh = sent[1];
  assert.equal([...refresh.subarray(0, 6)], [...HOST_MAC], 'unicast to the cached MAC');
  const request = ok<ArpRepr>(parseArp(refresh, 14));
  assert.equal([request.operation, request.targetIp, request.senderIp], [ArpOperation.Request, HOST_IP, ROUTER_IP]);
  const udp = decodeIp(sent[2]);
  assert.equal([...udp.eth.dst], [...HOST_MAC], 'the datagram after the request is intact');
  assert.is(stack.counters()['arp.refresh-sent'], 1);
  hal.time += 2;
  hal.ports.lan.deliver(arpFrame(2, routerMac, HOST_MAC, HOST_IP, routerMac, ROUTER_IP));
  assert.is(stack.frameOutcomes()['arp.learned'], 1);
  hal.time += 10_000; // past the old expiry
  assert.ok(stack.arpLookup('lan', HOST_IP), 'the answer extended the entry');
  assertAccounted(stack);
});

test('the ARP cache is bounded: the oldest entry makes room', () => {
  const { hal, stack } = setup({ arpCacheSize: 4 });
  for (let i = 0; i < 5; i++) {
    hal.time += 10;
    const mac = Uint8Array.from([0x0a, 0, 0, 0, 1, i]);
    hal.ports.lan.deliver(arpFrame(1, BROADCAST, mac, HOST_IP + i, ZERO, ROUTER_IP));
  }
  assert.is(stack.arpLookup('lan', HOST_IP), undefined);
  for (let i = 1; i < 5; i++) assert.ok(stack.arpLookup('lan', HOST_IP + i));
  assert.is(stack.counters()['arp.evicted'], 1);
});

test('unresolved sends queue per next hop within bounds, retry, and give up counted', () => {
  const { hal, stack } = setup({ arpQueuePerHop: 2, arpQueueTotal: 3, arpRetryMs: 1000, arpMaxRequests: 3 });
  const socket = stack.bindUdp('lan', 5000, () => {})!;
  const payload = Uint8Array.from([1, 2, 3]);
  assert.is(socket.sendTo(HOST_IP, 9, payload), true);
  assert.is(socket.sendTo(HOST_IP, 9, payload), true);
  // Over a cap the frame is dropped and counted; the port itself refused nothing, so no `false`.
  assert.is(socket.sendTo(HOST_IP, 9, payload), true, 'per-hop cap');
  assert.is(socket.sendTo(OTHER_IP, 9, payload), true);
  assert.is(socket.sendTo(OTHER_IP + 1, 9, payload), true, 'total cap');
  assert.is(stack.counters()['arp.queue-full'], 2);
  const requests = hal.ports.lan.take().map((frame) => ok<ArpRepr>(parseArp(frame, 14)));
  assert.equal(requests.map((arp) => arp.targetIp), [HOST_IP, OTHER_IP], 'one request per new next hop');
  assert.is(requests[0].senderIp, ROUTER_IP);
  assert.is(stack.pollAt(), hal.time + 1000);
  for (const step of [1, 2]) {
    hal.time += 1000;
    stack.dispatch(hal.time);
    assert.is(hal.ports.lan.take().length, 2, `retry ${step} for both hops`);
  }
  hal.time += 1000;
  stack.dispatch(hal.time);
  assert.is(hal.ports.lan.take().length, 0);
  assert.is(stack.counters()['arp.unresolved'], 3, 'every queued frame dropped and counted');
  assert.is(stack.counters()['arp.request-sent'], 6);
  assert.is(stack.pollAt(), undefined);
});

test('an ARP reply releases the queued frames with the learned MAC', () => {
  const { hal, stack, routerMac } = setup();
  const socket = stack.bindUdp('lan', 69, () => {})!;
  socket.sendTo(HOST_IP, 1234, Uint8Array.from([9, 8, 7]));
  socket.sendTo(HOST_IP, 1234, Uint8Array.from([6]));
  hal.ports.lan.take();
  hal.ports.lan.deliver(arpFrame(2, routerMac, HOST_MAC, HOST_IP, routerMac, ROUTER_IP));
  const released = hal.ports.lan.take();
  assert.is(released.length, 2);
  const first = decodeIp(released[0]);
  assert.equal([...first.eth.dst], [...HOST_MAC]);
  assert.equal([...first.eth.src], [...routerMac]);
  const udp = ok<UdpRepr>(parseUdp(first.frame, first.l4, first.end, first.ip.src, first.ip.dst));
  assert.equal([udp.srcPort, udp.dstPort, [...udp.payload]], [69, 1234, [9, 8, 7]]);
  assert.is(stack.frameOutcomes()['arp.learned'], 1);
  assert.is(stack.pollAt(), hal.time + 120_000, 'only the cache entry remains to expire');
  assertAccounted(stack);
});

test('echo requests to our address get a correct reply', () => {
  const { hal, stack, routerMac } = setup();
  const data = Uint8Array.from({ length: 40 }, (_, i) => i * 3);
  hal.ports.lan.deliver(echoFrame(routerMac, HOST_MAC, HOST_IP, ROUTER_IP, 0x1234, 7, data));
  const [reply] = hal.ports.lan.take();
  const decoded = decodeIp(reply);
  assert.equal([...decoded.eth.dst], [...HOST_MAC], 'answered to the MAC the request came from, no ARP');
  assert.is(decoded.ip.src, ROUTER_IP);
  assert.is(decoded.ip.dst, HOST_IP);
  assert.ok(verifyIpv4Checksum(reply, 14));
  const icmp = ok<IcmpRepr>(parseIcmp(reply, decoded.l4, decoded.end)); // verifies the ICMP checksum
  if (icmp.kind !== 'echo-reply') throw new Error(icmp.kind);
  assert.equal([icmp.ident, icmp.seq, [...icmp.data]], [0x1234, 7, [...data]]);
  assert.is(stack.frameOutcomes()['icmp.echo-replied'], 1);
  // Broadcast pings get no answer.
  hal.ports.lan.deliver(echoFrame(BROADCAST, HOST_MAC, HOST_IP, 0xffffffff, 1, 1));
  hal.ports.lan.deliver(echoFrame(BROADCAST, HOST_MAC, HOST_IP, parseIp('192.168.1.255') as number, 1, 2));
  assert.is(hal.ports.lan.take().length, 0);
  assert.is(stack.frameOutcomes()['icmp.broadcast-ignored'], 2);
  assertAccounted(stack);
});

test('echo replies are rate-limited by a token bucket, and the limited ones are counted', () => {
  const { hal, stack, routerMac } = setup({ icmpRatePerSecond: 10, icmpBurst: 5 });
  for (let seq = 0; seq < 8; seq++) hal.ports.lan.deliver(echoFrame(routerMac, HOST_MAC, HOST_IP, ROUTER_IP, 1, seq));
  assert.is(hal.ports.lan.take().length, 5);
  assert.is(stack.frameOutcomes()['icmp.rate-limited'], 3);
  hal.time += 200; // two tokens back at 10/s
  for (let seq = 0; seq < 3; seq++) hal.ports.lan.deliver(echoFrame(routerMac, HOST_MAC, HOST_IP, ROUTER_IP, 1, seq));
  assert.is(hal.ports.lan.take().length, 2);
  assert.is(stack.frameOutcomes()['icmp.rate-limited'], 4);
  assertAccounted(stack);
});

test('UDP: bind, receive with source address and port, broadcast flag; ports are exclusive', () => {
  const { hal, stack, routerMac } = setup();
  const received: { srcIp: number; srcPort: number; dstIp: number; payload: number[]; broadcast: boolean; srcMac: number[] }[] = [];
  const onDatagram = (d: Datagram): void => {
    received.push({ srcIp: d.srcIp, srcPort: d.srcPort, dstIp: d.dstIp, payload: [...d.payload], broadcast: d.broadcast, srcMac: [...d.srcMac] });
  };
  const server = stack.bindUdp('lan', 67, onDatagram)!;
  assert.is(server.localPort, 67);
  assert.is(stack.bindUdp('lan', 67, () => {}), undefined, 'taken');
  assert.ok(stack.bindUdp('wan', 67, () => {}), 'per-port tables');
  hal.ports.lan.deliver(udpFrame(routerMac, HOST_MAC, HOST_IP, 68, ROUTER_IP, 67, Uint8Array.from([1, 2])));
  hal.ports.lan.deliver(udpFrame(BROADCAST, HOST_MAC, 0, 68, 0xffffffff, 67, Uint8Array.from([3])));
  hal.ports.lan.deliver(udpFrame(routerMac, HOST_MAC, HOST_IP, 68, ROUTER_IP, 99, Uint8Array.from([4])));
  assert.equal(received, [
    { srcIp: HOST_IP, srcPort: 68, dstIp: ROUTER_IP, payload: [1, 2], broadcast: false, srcMac: [...HOST_MAC] },
    { srcIp: 0, srcPort: 68, dstIp: 0xffffffff, payload: [3], broadcast: true, srcMac: [...HOST_MAC] },
  ]);
  assert.is(stack.frameOutcomes()['udp.no-listener'], 1);
  server.close();
  hal.ports.lan.deliver(udpFrame(routerMac, HOST_MAC, HOST_IP, 68, ROUTER_IP, 67, Uint8Array.from([5])));
  assert.is(received.length, 2);
  assert.is(server.sendBroadcast(68, Uint8Array.from([1])), false, 'a closed endpoint cannot send');
  const again = stack.bindUdp('lan', 67, onDatagram);
  assert.ok(again, 'the port is free again');
  server.close(); // a stale close must not free the new binding
  assert.is(stack.bindUdp('lan', 67, () => {}), undefined);
  assertAccounted(stack);
});

test('UDP to a port nobody listens on: ICMP port unreachable quoting the header + 8 bytes, never for broadcasts', () => {
  const { hal, stack, routerMac } = setup();
  const datagram = udpFrame(routerMac, HOST_MAC, HOST_IP, 40000, ROUTER_IP, 99, Uint8Array.from({ length: 30 }, (_, i) => i));
  hal.ports.lan.deliver(datagram);
  const [error] = hal.ports.lan.take();
  const d = decodeIp(error);
  assert.equal([...d.eth.dst], [...HOST_MAC]);
  assert.is(d.ip.src, ROUTER_IP);
  assert.is(d.ip.dst, HOST_IP);
  const icmp = ok<IcmpRepr>(parseIcmp(error, d.l4, d.end));
  if (icmp.kind !== 'destination-unreachable') throw new Error(icmp.kind);
  assert.is(icmp.code, 3);
  assert.equal([...icmp.invoking], [...datagram.subarray(14, 14 + 28)]);
  hal.ports.lan.deliver(udpFrame(BROADCAST, HOST_MAC, HOST_IP, 40000, 0xffffffff, 99, Uint8Array.from([1])));
  hal.ports.lan.deliver(udpFrame(routerMac, HOST_MAC, 0, 68, ROUTER_IP, 99, Uint8Array.from([1])));
  assert.is(hal.ports.lan.take().length, 0, 'silent about broadcasts and unaddressed senders');
  assert.is(stack.frameOutcomes()['udp.no-listener'], 3);
  assert.is(stack.counters()['icmp.unreachable-sent'], 1);
  assertAccounted(stack);
});

test('UDP: ephemeral ports come from 49152-65535 and are never handed out twice', () => {
  const { stack } = setup();
  const seen = new Set<number>();
  for (let i = 0; i < 200; i++) {
    const socket = stack.bindUdp('lan', 0, () => {})!;
    assert.ok(socket.localPort >= 49152 && socket.localPort <= 65535);
    assert.not.ok(seen.has(socket.localPort));
    seen.add(socket.localPort);
  }
  assert.throws(() => stack.bindUdp('lan', 70000, () => {}), /out of range/);
});

test('UDP: sendTo (ARP-resolved), sendToMac (no ARP) and sendBroadcast build correct frames', () => {
  const { hal, stack, routerMac } = setup();
  hal.ports.lan.deliver(arpFrame(1, BROADCAST, HOST_MAC, HOST_IP, ZERO, ROUTER_IP));
  hal.ports.lan.take();
  const socket = stack.bindUdp('lan', 67, () => {})!;
  const check = (frame: Uint8Array, dstMac: Uint8Array, dstIp: number, payload: number[]): void => {
    const d = decodeIp(frame);
    assert.equal([...d.eth.dst], [...dstMac]);
    assert.equal([...d.eth.src], [...routerMac]);
    assert.is(d.ip.src, ROUTER_IP);
    assert.is(d.ip.dst, dstIp);
    assert.is(d.ip.ttl, 64);
    const udp = ok<UdpRepr>(parseUdp(frame, d.l4, d.end, d.ip.src, d.ip.dst)); // checksum verified
    assert.equal([udp.srcPort, udp.dstPort, [...udp.payload]], [67, 68, payload]);
    assert.ok(((frame[d.l4 + 6] << 8) | frame[d.l4 + 7]) !== 0, 'checksum filled');
  };
  assert.ok(socket.sendTo(HOST_IP, 68, Uint8Array.from([1])));
  check(hal.ports.lan.take()[0], HOST_MAC, HOST_IP, [1]);
  assert.ok(socket.sendToMac(OTHER_MAC, OTHER_IP, 68, Uint8Array.from([2])));
  check(hal.ports.lan.take()[0], OTHER_MAC, OTHER_IP, [2]);
  assert.is(stack.arpLookup('lan', OTHER_IP), undefined, 'sendToMac neither asks nor learns');
  assert.ok(socket.sendBroadcast(68, Uint8Array.from([3])));
  check(hal.ports.lan.take()[0], BROADCAST, 0xffffffff, [3]);
  assert.is(socket.sendTo(INTERNET_IP, 53, Uint8Array.from([4])), false, 'no gateway, no route');
  assert.is(stack.counters()['ipv4.no-route'], 1);
  assert.is(socket.sendTo(HOST_IP, 68, new Uint8Array(1473)), false, 'above the MTU: no fragmentation');
  assert.is(stack.counters()['udp.too-big'], 1);
  assert.ok(socket.sendTo(HOST_IP, 68, new Uint8Array(1472)), 'exactly the MTU');
  assert.is(hal.ports.lan.take()[0].length, 1514);
  hal.ports.lan.accepting = false;
  assert.is(socket.sendTo(HOST_IP, 68, Uint8Array.from([5])), false, 'HAL refused');
  assert.is(stack.counters()['tx.dropped'], 1);
});

test('off-subnet sends go to the gateway of the address', () => {
  const hal = new FakeHal();
  const stack = createStack(hal);
  const wanIp = parseIp('203.0.113.2') as number;
  const gateway = parseIp('203.0.113.1') as number;
  stack.setAddress('wan', { ip: wanIp, prefixLength: 30, gateway });
  hal.ports.wan.take();
  const socket = stack.bindUdp('wan', 0, () => {})!;
  assert.ok(socket.sendTo(INTERNET_IP, 53, Uint8Array.from([1])));
  const [request] = hal.ports.wan.take();
  assert.is(ok<ArpRepr>(parseArp(request, 14)).targetIp, gateway);
});

test('bad checksums and malformed headers are dropped and counted by reason', () => {
  const { hal, stack, routerMac } = setup();
  let delivered = 0;
  stack.bindUdp('lan', 67, () => delivered++);
  const udp = udpFrame(routerMac, HOST_MAC, HOST_IP, 68, ROUTER_IP, 67, Uint8Array.from([1, 2, 3]));
  const badUdp = udp.slice();
  badUdp[42] ^= 0xff;
  hal.ports.lan.deliver(badUdp);
  const noChecksum = udp.slice();
  noChecksum[40] = 0;
  noChecksum[41] = 0;
  noChecksum[42] ^= 0xff;
  hal.ports.lan.deliver(noChecksum); // 0 = "no checksum" is accepted
  const badIp = udp.slice();
  badIp[22] ^= 1;
  hal.ports.lan.deliver(badIp);
  const echo = echoFrame(routerMac, HOST_MAC, HOST_IP, ROUTER_IP, 1, 1);
  echo[45] ^= 0x55;
  hal.ports.lan.deliver(echo);
  hal.ports.lan.deliver(udp.slice(0, 20));
  assert.is(delivered, 1);
  assert.is(hal.ports.lan.take().length, 0, 'no reply to a corrupt echo request');
  const outcomes = stack.frameOutcomes();
  assert.is(outcomes['udp.bad-checksum'], 1);
  assert.is(outcomes['ipv4.bad-checksum'], 1);
  assert.is(outcomes['icmp.bad-checksum'], 1);
  assert.is(outcomes['ipv4.truncated'], 1);
  assert.is(outcomes['udp.delivered'], 1);
  assertAccounted(stack);
});

test('transit frames go to the forward hook with their IPv4 offset (14, or 18 behind 802.1Q)', () => {
  const { hal, stack, routerMac } = setup();
  const seen: [string, number, number][] = [];
  let accept = true;
  stack.setForwardHook((port, frame, ipOffset) => {
    seen.push([port, ipOffset, (frame[ipOffset + 16] << 24) >>> 0]);
    return accept;
  });
  const transit = udpFrame(routerMac, HOST_MAC, HOST_IP, 5060, INTERNET_IP, 5060, Uint8Array.from([1]));
  hal.ports.lan.deliver(transit);
  hal.ports.lan.deliver(withVlanTag(transit, 10));
  hal.ports.lan.deliver(udpFrame(OTHER_MAC, HOST_MAC, HOST_IP, 5060, OTHER_IP, 5060, Uint8Array.from([1]))); // another host's frame
  hal.ports.lan.deliver(udpFrame(routerMac, HOST_MAC, HOST_IP, 68, ROUTER_IP, 67, Uint8Array.from([1]))); // ours: not forwarded
  accept = false;
  hal.ports.lan.deliver(transit);
  assert.equal(seen.map(([port, offset]) => [port, offset]), [['lan', 14], ['lan', 18], ['lan', 14], ['lan', 14]]);
  const outcomes = stack.frameOutcomes();
  assert.is(outcomes['ipv4.forwarded'], 3);
  assert.is(outcomes['ipv4.not-for-us'], 1);
  assert.is(outcomes['udp.no-listener'], 1);
  stack.setForwardHook(undefined);
  hal.ports.lan.deliver(transit);
  assert.is(stack.frameOutcomes()['ipv4.not-for-us'], 2);
  assertAccounted(stack);
});

test('sendIpFrame fills the MACs (in place when resolved, queued when not)', () => {
  const { hal, stack, routerMac } = setup();
  const frame = udpFrame(ZERO, ZERO, ROUTER_IP, 1, HOST_IP, 2, Uint8Array.from([7]));
  assert.ok(stack.sendIpFrame('lan', HOST_IP, frame));
  assert.is(ok<ArpRepr>(parseArp(hal.ports.lan.take()[0], 14)).targetIp, HOST_IP);
  hal.ports.lan.deliver(arpFrame(2, routerMac, HOST_MAC, HOST_IP, routerMac, ROUTER_IP));
  const [queued] = hal.ports.lan.take();
  assert.equal([...queued.subarray(0, 12)], [...HOST_MAC, ...routerMac]);
  assert.ok(stack.sendIpFrame('lan', HOST_IP, frame));
  assert.equal([...hal.ports.lan.take()[0].subarray(0, 12)], [...HOST_MAC, ...routerMac]);
});

test('ping resolves with the round trip after ARP, and with undefined on timeout', async () => {
  const { hal, stack, routerMac } = setup();
  const result = stack.ping(HOST_IP, 2000);
  const [request] = hal.ports.lan.take();
  assert.is(ok<ArpRepr>(parseArp(request, 14)).targetIp, HOST_IP);
  hal.time += 3;
  hal.ports.lan.deliver(arpFrame(2, routerMac, HOST_MAC, HOST_IP, routerMac, ROUTER_IP));
  const [echo] = hal.ports.lan.take();
  const d = decodeIp(echo);
  assert.equal([...d.eth.dst], [...HOST_MAC]);
  const icmp = ok<IcmpRepr>(parseIcmp(echo, d.l4, d.end));
  if (icmp.kind !== 'echo-request') throw new Error(icmp.kind);
  hal.time += 4;
  // A reply with the wrong sequence does not count; the right one resolves the ping.
  hal.ports.lan.deliver(echoFrame(routerMac, HOST_MAC, HOST_IP, ROUTER_IP, icmp.ident, icmp.seq + 1, icmp.data, true));
  hal.ports.lan.deliver(echoFrame(routerMac, HOST_MAC, HOST_IP, ROUTER_IP, icmp.ident, icmp.seq, icmp.data, true));
  assert.is(await result, 7);
  assert.is(stack.frameOutcomes()['icmp.echo-reply-matched'], 1);
  assert.is(stack.frameOutcomes()['icmp.echo-reply-unmatched'], 1);

  const lost = stack.ping(HOST_IP, 500);
  assert.is(stack.pollAt(), hal.time + 500);
  hal.time += 500;
  stack.dispatch(hal.time);
  assert.is(await lost, undefined);
  assert.is(stack.counters()['icmp.echo-request-unanswered'], 1);
  assert.is(await stack.ping(INTERNET_IP, 100), undefined, 'no route');
  assert.is(await stack.ping(ROUTER_IP, 100), 0, 'our own address');
  assertAccounted(stack);
});

test('the stack creates no timers and reports when its pollAt moves earlier', () => {
  const { stack } = setup();
  let calls = 0;
  stack.onPollChange = () => calls++;
  void stack.ping(HOST_IP, 1000);
  assert.ok(calls >= 1);
  assert.is(stack.name, 'stack');
});

test('clearCounters starts every book from zero', () => {
  const { hal, stack, routerMac } = setup();
  hal.ports.lan.deliver(echoFrame(routerMac, HOST_MAC, HOST_IP, ROUTER_IP, 1, 1));
  stack.clearCounters();
  assert.equal(stack.counters(), { 'rx.frames': 0 });
  assert.equal(stack.frameOutcomes(), {});
});

test.run();
