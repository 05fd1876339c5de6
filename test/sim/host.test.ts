import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Scheduler } from '../../hal/sim/scheduler';
import { Rng } from '../../hal/sim/random';
import { connect } from '../../hal/sim/link';
import { LearningSwitch } from '../../hal/sim/switch';
import { SimHost } from '../../hal/sim/host';
import { buildUdp, buildEcho, buildArp, parseFrame, BROADCAST } from '../../hal/sim/frames';
import { parseIp } from '../../firmware/util/ipv4';

const ip = (text: string): number => parseIp(text) as number;

function lan(count: number) {
  const scheduler = new Scheduler();
  const rng = new Rng(1);
  const sw = new LearningSwitch(scheduler);
  const hosts = Array.from({ length: count }, (_, i) =>
    new SimHost(scheduler, { name: `h${i}`, mac: `02:00:00:00:00:0${i + 1}`, ip: `10.0.0.${i + 1}`, prefixLength: 24, gateway: '10.0.0.254' }),
  );
  hosts.forEach((h) => connect(scheduler, rng, h, sw.newPort(), { name: h.name, conditions: { latencyMs: 0.5 } }));
  return { scheduler, hosts };
}

test('hosts resolve each other with ARP, then ping and exchange UDP', () => {
  const { scheduler, hosts } = lan(3);
  const [a, b] = hosts;
  a.ping(ip('10.0.0.2'), 1);
  a.sendUdp(ip('10.0.0.2'), 5000, 7, new Uint8Array([1, 2, 3]));
  scheduler.runFor(10);
  assert.is(a.echoReplies.length, 1);
  assert.is(a.echoReplies[0].rttMs, 4, 'ARP exchange then echo exchange, each over two 0.5 ms cables each way');
  assert.is(b.udp.length, 1);
  assert.equal(Array.from(b.udp[0].payload), [1, 2, 3]);
  assert.is(b.udp[0].srcPort, 5000);
  assert.equal(Array.from(a.arpCache.get(ip('10.0.0.2')) ?? []), [2, 0, 0, 0, 0, 2]);
  assert.not.ok(hosts[2].arpCache.has(ip('10.0.0.1')), 'a bystander does not learn from broadcasts it was not asked');
});

test('an unanswered ARP is retried, then the queued packets are dropped and counted', () => {
  const { scheduler, hosts } = lan(1);
  const [a] = hosts;
  for (let i = 0; i < 3; i++) a.sendUdp(ip('10.0.0.99'), 5000, 7, new Uint8Array(4));
  scheduler.runFor(500);
  assert.is(a.stats.sent, 1, 'one ARP request so far');
  scheduler.runFor(5000);
  assert.is(a.stats.sent, 3, 'three ARP requests in all');
  assert.is(a.stats.unresolved, 3);
  // Off-subnet destinations go to the gateway's MAC.
  a.sendUdp(ip('8.8.8.8'), 5000, 53, new Uint8Array(4));
  const arpFor: number[] = [];
  const original = a.sendArpRequest.bind(a);
  a.sendArpRequest = (target: number) => (arpFor.push(target), original(target));
  a.sendUdp(ip('8.8.4.4'), 5000, 53, new Uint8Array(4)); // queued behind the same gateway lookup
  scheduler.runFor(1);
  assert.equal(arpFor, [], 'the gateway lookup was already under way');
  assert.is(a.stats.sent, 4, 'one ARP request for the gateway 10.0.0.254, none for 8.8.8.8');
});

test('frames built here parse back to the same fields; NICs drop unicast for other MACs', () => {
  const src = new Uint8Array([2, 0, 0, 0, 0, 1]);
  const dst = new Uint8Array([2, 0, 0, 0, 0, 2]);
  const udp = parseFrame(buildUdp(src, dst, ip('1.2.3.4'), ip('5.6.7.8'), 1000, 2000, new Uint8Array([9, 9]), { vlan: 5 }));
  assert.is(udp.eth?.vlan?.vid, 5);
  assert.is(udp.ipv4?.src, ip('1.2.3.4'));
  assert.is(udp.udp?.dstPort, 2000);
  assert.equal(Array.from(udp.udp?.payload ?? []), [9, 9]);
  const echo = parseFrame(buildEcho('echo-request', src, dst, 1, 2, 77, 3, new Uint8Array(8)));
  assert.equal(echo.icmp && echo.icmp.kind === 'echo-request' ? [echo.icmp.ident, echo.icmp.seq] : [], [77, 3]);
  assert.is(buildArp('request', src, 1, BROADCAST, 2).length, 60, 'padded to the Ethernet minimum');
  const { scheduler, hosts } = lan(2);
  hosts[0].send(buildUdp(hosts[0].mac, new Uint8Array([2, 0, 0, 0, 0, 0x77]), 1, 2, 3, 4, new Uint8Array(1)));
  scheduler.runFor(5);
  assert.is(hosts[1].frames().length, 0, 'flooded unknown unicast is not for host 1');
});

test('fuzz: parseFrame never throws on random or mutated frames', () => {
  const rng = new Rng(99);
  const seeds = [
    buildUdp(new Uint8Array(6), new Uint8Array(6), 1, 2, 3, 4, new Uint8Array(20)),
    buildEcho('echo-reply', new Uint8Array(6), new Uint8Array(6), 1, 2, 3, 4, new Uint8Array(30)),
    buildArp('reply', new Uint8Array(6), 1, new Uint8Array(6), 2),
  ];
  let errors = 0;
  for (let i = 0; i < 20_000; i++) {
    let frame: Uint8Array;
    if (i % 4 === 0) {
      frame = new Uint8Array(rng.int(100));
      rng.fill(frame);
    } else {
      frame = seeds[rng.int(seeds.length)].slice(0, rng.int(90));
      for (let k = rng.int(4); k > 0; k--) if (frame.length > 0) frame[rng.int(frame.length)] ^= 1 << rng.int(8);
    }
    if (parseFrame(frame).error) errors++;
  }
  assert.ok(errors > 1000, `mutations should break many frames (${errors})`);
});

test.run();
