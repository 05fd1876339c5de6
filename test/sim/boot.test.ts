import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Testbed } from '../../hal/sim/testbed';
import { boot } from '../../firmware/main';
import type { Firmware } from '../../firmware/main';
import { settingsOf, DEFAULT_CONFIG, saveConfig, withValue } from '../../firmware/config';
import { parseIp } from '../../firmware/util/ipv4';

const routerIp = settingsOf(DEFAULT_CONFIG).lan.address;
/** Lets promise continuations (flash, store, services) run between virtual instants. */
const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function site(seed: number) {
  const bed = new Testbed<Firmware>({ seed, conditions: { latencyMs: 0.2 } });
  const pc = bed.addHost({ name: 'pc', mac: '02:00:00:00:00:10', ip: ((routerIp & 0xffffff00) | 10) >>> 0, prefixLength: 24 });
  return { bed, pc };
}

test('boot prints the banner and the LAN address on the console', async () => {
  const { bed } = site(1);
  const fw = bed.start((hal) => boot(hal));
  await bed.runAsync(2000, tick);
  await fw.ready;
  const text = bed.board.console.read();
  assert.match(text, /Plugboard 0\.1\.0 on board sim \(sim\), console sim at 115200 baud/);
  assert.match(text, /lan port 02:50:42:00:00:01 mtu 1500 link up/);
  assert.match(text, /flash NOR 16384 KiB: 256 blocks of 64 KiB/);
  assert.match(text, /store: mounted in \d+ ms: 0 items/);
  assert.match(text, /config: defaults \(nothing saved\)/);
  assert.match(text, /lan: address 192\.168\.\d+\.1\/24/);
  assert.match(text, /ready in \d+ ms/);
  assert.ok(fw.stack.address('lan'));
});

test('a LAN host resolves the router with ARP and pings it through the switch', async () => {
  const { bed, pc } = site(2);
  const fw = bed.start((hal) => boot(hal));
  await bed.runAsync(1000, tick);
  for (let seq = 1; seq <= 5; seq++) {
    pc.ping(routerIp, seq);
    await bed.runAsync(1000, tick);
  }
  assert.equal(pc.echoReplies.map((r) => r.seq), [1, 2, 3, 4, 5]);
  assert.ok(pc.echoReplies.every((r) => r.from === routerIp && r.rttMs !== undefined && r.rttMs < 5));
  assert.equal(Array.from(pc.arpCache.get(routerIp) ?? []), Array.from(fw.hal.ports.lan.mac));
  assert.is(pc.stats.malformed && Object.keys(pc.stats.malformed).length, 0);
});

test('after a power cut the new instance answers ping again', async () => {
  const { bed, pc } = site(3);
  bed.start((hal) => boot(hal));
  await bed.runAsync(1000, tick);
  pc.ping(routerIp, 1);
  await bed.runAsync(100, tick);
  bed.board.powerCycle(500);
  pc.ping(routerIp, 2); // lost: the board is off
  await bed.runAsync(2000, tick);
  pc.ping(routerIp, 3);
  await bed.runAsync(1000, tick);
  assert.equal(pc.echoReplies.map((r) => r.seq), [1, 3]);
  assert.is(bed.board.bootCount(), 2);
});

test('a saved configuration is loaded at the next boot: the LAN address changes, nothing answers on the old one', async () => {
  const { bed, pc } = site(4);
  const first = bed.start((hal) => boot(hal));
  await bed.runAsync(2000, tick);
  await first.ready;
  const store = first.store;
  if (!store) throw new Error('store not mounted');
  const newIp = parseIp('10.9.8.1') as number;
  let saved = false;
  void saveConfig(store, withValue(first.config.current, 'lan.address', newIp)).then((failure) => (saved = failure === undefined));
  await bed.scheduler.runUntilTrueAsync(() => saved, 10_000, tick);
  assert.ok(saved);
  bed.board.console.read();
  bed.board.powerCycle(100);
  await bed.runAsync(3000, tick);
  const second = bed.board.current();
  assert.ok(second && second !== first);
  assert.is(second?.stack.address('lan')?.ip, newIp);
  assert.match(bed.board.console.read(), /config: loaded from flash/);
  assert.is(second?.configOrigin.startsWith('loaded from flash'), true);
  pc.ping(routerIp, 9);
  await bed.runAsync(3000, tick);
  assert.is(pc.echoReplies.length, 0, 'the old default address is gone');
});

test.run();
