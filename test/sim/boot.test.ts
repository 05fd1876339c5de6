import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Testbed } from '../../hal/sim/testbed';
import { boot } from '../../firmware/main';
import type { Firmware } from '../../firmware/main';
import { settingsOf, DEFAULT_CONFIG } from '../../firmware/config';

const routerIp = settingsOf(DEFAULT_CONFIG).lan.address;

function site(seed: number) {
  const bed = new Testbed<Firmware>({ seed, conditions: { latencyMs: 0.2 } });
  const pc = bed.addHost({ name: 'pc', mac: '02:00:00:00:00:10', ip: ((routerIp & 0xffffff00) | 10) >>> 0, prefixLength: 24 });
  return { bed, pc };
}

test('boot prints the banner and the LAN address on the console', async () => {
  const { bed } = site(1);
  const fw = bed.start((hal) => boot(hal));
  bed.run(100);
  await fw.ready;
  const text = bed.board.console.read();
  assert.match(text, /Plugboard 0\.1\.0 on board sim \(sim\), console sim at 115200 baud/);
  assert.match(text, /lan port 02:50:42:00:00:01 mtu 1500 link up/);
  assert.match(text, /flash NOR 16384 KiB: 256 blocks of 64 KiB/);
  assert.match(text, /lan: address 192\.168\.\d+\.1\/24/);
  assert.match(text, /ready in \d+ ms/);
  assert.ok(fw.stack.address('lan'));
});

test('a LAN host resolves the router with ARP and pings it through the switch', () => {
  const { bed, pc } = site(2);
  const fw = bed.start((hal) => boot(hal));
  bed.run(10);
  for (let seq = 1; seq <= 5; seq++) {
    pc.ping(routerIp, seq);
    bed.run(1000);
  }
  assert.equal(pc.echoReplies.map((r) => r.seq), [1, 2, 3, 4, 5]);
  assert.ok(pc.echoReplies.every((r) => r.from === routerIp && r.rttMs !== undefined && r.rttMs < 5));
  assert.equal(Array.from(pc.arpCache.get(routerIp) ?? []), Array.from(fw.hal.ports.lan.mac));
  assert.is(pc.stats.malformed && Object.keys(pc.stats.malformed).length, 0);
});

test('after a power cut the new instance answers ping again', () => {
  const { bed, pc } = site(3);
  bed.start((hal) => boot(hal));
  bed.run(10);
  pc.ping(routerIp, 1);
  bed.run(100);
  bed.board.powerCycle(500);
  pc.ping(routerIp, 2); // lost: the board is off
  bed.run(1000);
  pc.ping(routerIp, 3);
  bed.run(1000);
  assert.equal(pc.echoReplies.map((r) => r.seq), [1, 3]);
  assert.is(bed.board.bootCount(), 2);
});

test.run();
