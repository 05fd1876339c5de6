// THE determinism test: a scenario with traffic over lossy, jittery, duplicating, reordering links
// and a power cut, run twice with the same seed, must give byte-identical frame logs.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Testbed } from '../../hal/sim/testbed';
import { boot } from '../../firmware/main';
import type { Firmware } from '../../firmware/main';
import { settingsOf, DEFAULT_CONFIG } from '../../firmware/config';
import { Rng } from '../../hal/sim/random';

const routerIp = settingsOf(DEFAULT_CONFIG).lan.address;

interface Outcome {
  log: Uint8Array;
  records: number;
  console: string;
  replies: number;
}

/** Lets the firmware's promise continuations run at each virtual instant. */
const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

async function scenario(seed: number): Promise<Outcome> {
  const bed = new Testbed<Firmware>({
    seed,
    frameLog: true,
    scribbleReceivedFrames: true,
    conditions: { latencyMs: 0.3, jitterMs: 0.4, loss: 0.05, duplicate: 0.02, reorder: 0.05, reorderDelayMs: 2 },
  });
  const hosts = [10, 11, 12, 13].map((n) =>
    bed.addHost({ name: `h${n}`, mac: `02:00:00:00:01:${n.toString(16).padStart(2, '0')}`, ip: ((routerIp & 0xffffff00) | n) >>> 0 }),
  );
  bed.start((hal) => boot(hal));
  // The traffic plan comes from its own seeded generator, so it is the same for the same seed.
  const plan = new Rng(seed ^ 0xabcdef);
  for (let t = 0; t < 400; t++) {
    bed.scheduler.at(5 + t * 25, () => {
      const from = hosts[plan.int(hosts.length)];
      const kind = plan.int(3);
      if (kind === 0) from.ping(routerIp, t);
      else if (kind === 1) from.ping(hosts[plan.int(hosts.length)].ip as number, t);
      else from.sendUdp(routerIp, 40000 + plan.int(1000), 9 + plan.int(100), new Uint8Array(plan.int(200)));
    });
  }
  bed.scheduler.at(4000, () => bed.board.powerCycle(300));
  await bed.runAsync(12_000, tick);
  const frameLog = bed.frameLog;
  if (!frameLog) throw new Error('no frame log');
  return {
    log: frameLog.serialize(),
    records: frameLog.entries().length,
    console: bed.board.console.read(),
    replies: hosts.reduce((n, h) => n + h.echoReplies.length, 0),
  };
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

test('the same seed twice gives byte-identical frame logs (and console output)', async () => {
  const first = await scenario(1234);
  const second = await scenario(1234);
  assert.ok(first.records > 1500, `too little traffic to mean anything: ${first.records} records`);
  assert.ok(first.replies > 100, `pings must be answered: ${first.replies}`);
  assert.ok(same(first.log, second.log), 'frame logs differ');
  assert.is(first.console, second.console);
  console.log(`  determinism: ${first.records} frame records, ${first.log.length} bytes, identical across runs`);
});

test('a different seed gives a different log under loss', async () => {
  const a = await scenario(1234);
  const b = await scenario(4321);
  assert.not.ok(same(a.log, b.log));
});

test.run();
