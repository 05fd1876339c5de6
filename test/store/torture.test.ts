// Power-cut torture, LittleFS style: age a small flash with a workload (so blocks hold stale data and
// garbage collection runs), then replay short workload segments of puts, replacements, removals and
// record updates from that aged image, cutting power during a different program/erase each time, on NOR
// and on NAND. After every cut: remount, check every committed item byte-exact (SHA-256), the in-flight
// one old-or-new, no damage, a consistent index; then write again to show the store keeps working.
// STORE_TORTURE_CUTS=<n> (per geometry, default 510) runs a longer setting by hand.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Rng } from '../../hal/sim/random';
import { Scheduler } from '../../hal/sim/scheduler';
import type { FlashGeometry, SimFlash } from '../../hal/sim/flash';
import type { FlashStore, StoreOptions } from '../../firmware/store';
import { drive, mount, rig, SMALL_NAND, SMALL_NOR } from './harness';
import type { Rig } from './harness';
import { apply, makeWorkload, Model, settleModel, verify, verifyNames } from './workload';
import type { InFlight, Op, WorkloadShape } from './workload';

const CUTS = Number(process.env.STORE_TORTURE_CUTS ?? 510);
const SEGMENTS = 6;
const AGING: WorkloadShape = { ops: 40, names: 4, keys: 3, minSize: 1, maxSize: 90_000, maxRecord: 3000 };
const SEGMENT: WorkloadShape = { ops: 10, names: 4, keys: 3, minSize: 1, maxSize: 60_000, maxRecord: 3000, mix: [4, 2, 4] };

const tally = { total: 0, put: 0, replace: 0, remove: 0, record: 0, idle: 0, gc: 0, erase: 0 };

interface Aged {
  readonly flash: SimFlash;
  readonly model: Model;
}

/** Runs `ops` on a fresh store over a copy of `aged`; optionally cuts power at the Nth program/erase. */
async function replay(aged: Aged, ops: Op[], seed: number, options: StoreOptions, cutAt?: number) {
  const scheduler = new Scheduler();
  const rng = new Rng(seed);
  const r: Rig = { scheduler, rng, flash: aged.flash.clone(scheduler, rng.fork()) };
  const before = r.flash.counters();
  const model = aged.model.clone();
  const inflight: { current?: InFlight } = {};
  const holder: { store?: FlashStore; existed?: boolean } = {};
  const done = (async () => {
    holder.store = await mount(r, options);
    if (cutAt !== undefined) r.flash.cutAfter(cutAt);
    for (const op of ops) {
      holder.existed = op.kind === 'put' ? model.items.has(op.name) : undefined;
      await apply(holder.store, model, op, inflight);
    }
    await holder.store.idle();
    return true;
  })();
  const finished = await drive(scheduler, done, r.flash);
  const after = r.flash.counters();
  return { r, model, inflight: inflight.current, store: holder.store, existed: holder.existed, finished, ops: after.programs + after.erases - before.programs - before.erases };
}

async function torture(geometry: FlashGeometry, seed: number): Promise<number> {
  // Age the flash once, without cuts.
  const base = rig(geometry, seed);
  const agedModel = new Model();
  const agedStore = await mount(base);
  await drive(
    base.scheduler,
    (async () => {
      for (const op of makeWorkload(seed, AGING)) await apply(agedStore, agedModel, op, {});
      await agedStore.idle();
    })(),
  );
  const aged: Aged = { flash: base.flash, model: agedModel };
  let cuts = 0;
  let gcCuts = 0;
  for (let segment = 0; cuts < CUTS; segment++) {
    assert.ok(segment < 200, 'too many segments');
    const ops = makeWorkload(seed * 100 + segment, SEGMENT);
    // Odd segments collect eagerly (a high low-water mark) so many cuts land inside garbage collection.
    const options: StoreOptions = segment % 2 === 1 ? { lowWaterBlocks: geometry.size / geometry.blockSize - 2 } : {};
    const dry = await replay(aged, ops, segment, options);
    assert.ok(dry.finished, 'dry run finished');
    const total = dry.ops;
    // Spread this segment's cut points over all of its program/erase operations.
    const want = Math.min(total, CUTS - cuts, Math.ceil(CUTS / SEGMENTS));
    for (let i = 0; i < want; i++) {
      const cutAt = 1 + Math.floor((i * total) / want);
      const run = await replay(aged, ops, segment, options, cutAt);
      assert.ok(run.finished === undefined && run.r.flash.powerLost, `cut ${cutAt} of ${total} never happened`);
      cuts++;
      const during = run.inflight;
      const inGc = run.store?.collecting() ?? false;
      if (inGc) gcCuts++;
      tally.total++;
      if (inGc) tally.gc++;
      if (!during) tally.idle++;
      else if (during.space === 'record') tally.record++;
      else if (!during.after) tally.remove++;
      else if (run.existed) tally.replace++;
      else tally.put++;
      // Reboot on the same medium.
      const rebooted: Rig = { ...run.r, flash: run.r.flash.afterPowerCut() };
      const store = await mount(rebooted, options);
      const where = `${geometry.kind} segment ${segment} cut ${cutAt}/${total} (during ${during ? `${during.space} ${during.name}${during.after ? '' : ' remove'}` : 'no op'}${inGc ? ', GC running' : ''})`;
      assert.equal(await drive(rebooted.scheduler, verify(store, run.model, during)), [], where);
      // The store keeps working: write an item and a record, read them back after another reboot.
      await drive(rebooted.scheduler, settleModel(store, run.model, during));
      const follow: Op[] = [
        { kind: 'put', name: 'after-cut.bin', size: 3000 + i, seed: i, piece: 1468 },
        { kind: 'record', key: 'config', size: 300, seed: i + 1 },
      ];
      await drive(
        rebooted.scheduler,
        (async () => {
          for (const op of follow) await apply(store, run.model, op, {});
          await store.idle();
        })(),
      );
      // Every cut: the new writes read back. Every fourth cut: reboot again and verify everything.
      const recheck = i % 4 === 0 ? await mount({ ...rebooted, flash: rebooted.flash.afterPowerCut() }, options) : store;
      const problems = await drive(rebooted.scheduler, i % 4 === 0 ? verify(recheck, run.model) : verifyNames(recheck, run.model, ['after-cut.bin'], ['config']));
      assert.equal(problems, [], `${where}, after recovery writes`);
    }
  }
  assert.ok(gcCuts > 0, `no cut landed during garbage collection on ${geometry.kind}`);
  return cuts;
}

test('power cuts on NOR geometry', async () => {
  await torture(SMALL_NOR, 11);
});

test('power cuts on NAND geometry', async () => {
  await torture(SMALL_NAND, 12);
});

test('report', () => {
  console.log(
    `\n  power-cut torture: ${tally.total} distinct cut points (during new put ${tally.put}, replacement ${tally.replace}, remove ${tally.remove}, record update ${tally.record}, between ops ${tally.idle}; ${tally.gc} with garbage collection running)`,
  );
  assert.ok(tally.total >= 2 * CUTS);
});

test.run();
