// The stack on the simulated board (hal/sim Testbed): hosts behind the virtual LAN switch ARP and
// ping the router, the router pings them back, and UDP crosses the switch both ways — in virtual
// time, driven by the firmware reactor through the stack's pollAt/dispatch.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Testbed } from '../../hal/sim/testbed';
import type { Hal } from '../../hal/hal';
import { Reactor } from '../../firmware/reactor';
import { createStack, type RouterStack } from '../../firmware/stack';
import { parseIp } from '../../firmware/util/ipv4';

const ROUTER_IP = parseIp('192.168.1.1') as number;
const PHONE_IP = parseIp('192.168.1.20') as number;

interface Firmware {
  readonly stack: RouterStack;
  readonly reactor: Reactor;
}

function boot(seed: number, conditions?: { latencyMs?: number; loss?: number; duplicate?: number; reorder?: number }): { bed: Testbed<Firmware>; firmware: Firmware } {
  const bed = new Testbed<Firmware>({ seed, ...(conditions ? { conditions } : {}) });
  const firmware = bed.start((hal: Hal) => {
    const stack = createStack(hal);
    const reactor = new Reactor(hal);
    reactor.add(stack);
    stack.onPollChange = () => reactor.reschedule();
    stack.setAddress('lan', { ip: ROUTER_IP, prefixLength: 24 });
    return { stack, reactor };
  });
  return { bed, firmware };
}

test('a LAN host ARPs for the router and pings it through the virtual switch', () => {
  const { bed, firmware } = boot(1);
  const phone = bed.addHost({ name: 'phone', mac: '0a:00:00:00:00:20', ip: PHONE_IP, prefixLength: 24 });
  bed.run(10);
  for (let seq = 0; seq < 5; seq++) {
    assert.ok(phone.ping(ROUTER_IP, seq));
    bed.run(100);
  }
  assert.equal([...(phone.arpCache.get(ROUTER_IP) ?? [])], [...bed.board.ports.lan.mac], 'the router answered ARP');
  assert.is(phone.echoReplies.length, 5, 'every ping answered');
  for (const reply of phone.echoReplies) {
    assert.is(reply.from, ROUTER_IP);
    assert.is(reply.ttl, 64);
    assert.ok(reply.rttMs !== undefined && reply.rttMs > 0 && reply.rttMs < 5, `rtt ${reply.rttMs}`);
  }
  assert.equal(phone.stats.malformed, {}, 'the host parsed every router frame');
  const outcomes = firmware.stack.frameOutcomes();
  assert.is(outcomes['icmp.echo-replied'], 5);
  assert.is(outcomes['arp.replied'], 1);
  assert.equal([...(firmware.stack.arpLookup('lan', PHONE_IP) ?? [])], [0x0a, 0, 0, 0, 0, 0x20], 'and learned the asker');
});

test('the router pings a host: RTT measured in virtual time; a missing host times out via the reactor', async () => {
  const { bed, firmware } = boot(2, { latencyMs: 2 });
  bed.addHost({ name: 'phone', mac: '0a:00:00:00:00:20', ip: PHONE_IP, prefixLength: 24 });
  const answered = firmware.stack.ping(PHONE_IP, 1000);
  const missing = firmware.stack.ping(PHONE_IP + 1, 1000);
  bed.run(5000);
  // ARP out and back, then echo out and back, over two 2 ms cables each way (switch in the middle).
  const rtt = await answered;
  assert.ok(rtt !== undefined && rtt >= 8 && rtt < 20, `rtt ${rtt}`);
  assert.is(await missing, undefined);
  const counters = firmware.stack.counters();
  assert.is(counters['icmp.echo-request-unanswered'], 1);
  assert.is(counters['arp.request-sent'], 4, 'one for the host, three tries for the missing one');
  assert.is(counters['arp.unresolved'], 1);
  assert.ok(firmware.stack.pollAt() !== undefined, 'the learned entry still has to expire');
  bed.run(200_000);
  assert.is(firmware.stack.pollAt(), undefined, 'the reactor ran the expiry: nothing left to do');
  assert.is(firmware.stack.counters()['arp.expired'], 1);
});

test('UDP crosses the switch both ways: a host sends to a bound port and gets the answer', () => {
  const { bed, firmware } = boot(3);
  const phone = bed.addHost({ name: 'phone', mac: '0a:00:00:00:00:20', ip: PHONE_IP, prefixLength: 24 });
  const echo = firmware.stack.bindUdp('lan', 7, (datagram) => {
    echo.sendTo(datagram.srcIp, datagram.srcPort, datagram.payload);
  })!;
  phone.sendUdp(ROUTER_IP, 40000, 7, Uint8Array.from([1, 2, 3, 4]));
  bed.run(100);
  assert.is(phone.udp.length, 1);
  assert.equal([phone.udp[0].srcIp, phone.udp[0].srcPort, phone.udp[0].dstPort, [...phone.udp[0].payload]], [ROUTER_IP, 7, 40000, [1, 2, 3, 4]]);
  assert.equal(phone.stats.malformed, {});
});

test('the same seed gives the same run', async () => {
  const run = async (): Promise<string> => {
    const { bed, firmware } = boot(9, { latencyMs: 1, loss: 0.2, duplicate: 0.1, reorder: 0.1 });
    const phone = bed.addHost({ name: 'phone', mac: '0a:00:00:00:00:20', ip: PHONE_IP, prefixLength: 24 });
    for (let seq = 0; seq < 20; seq++) {
      phone.ping(ROUTER_IP, seq);
      bed.run(50);
    }
    const pinged = firmware.stack.ping(PHONE_IP, 500);
    bed.run(1000);
    const rtt = await pinged;
    return JSON.stringify([phone.echoReplies.map((reply) => [reply.seq, reply.at]), firmware.stack.counters(), rtt]);
  };
  assert.is(await run(), await run());
});

test.run();
