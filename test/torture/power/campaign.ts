// Power cuts, LittleFS style, over a store kept at least 80% full: age the flash with static images
// until it is that full, then replay short segments of the router's workload from the aged image,
// cutting power at every program/erase of the segment (NOR, and NAND with a factory bad block). After
// each cut: remount (mount time in virtual flash ms and bytes read), every committed item and record
// byte-identical, the one in flight old-or-new, no damage; then the store takes new writes.
import { Scheduler } from '../../../hal/sim/scheduler';
import { Rng } from '../../../hal/sim/random';
import type { FlashGeometry, SimFlash } from '../../../hal/sim/flash';
import { isFailure, type FlashStore, type StoreOptions } from '../../../firmware/store';
import { bytesOf, drive, mount, putAll, rig, type Rig } from '../../store/harness';
import { Model, settleModel, verify, verifyNames, type InFlight } from '../../store/workload';
import { apply, makeOps, type Op } from './workload';
import { TortureFailure, count, percentile, type Campaign, type CampaignContext, type Figure } from '../campaign';

const KiB = 1024;
const GEOMETRIES: { name: string; geometry: FlashGeometry; maxImage: number }[] = [
  { name: 'nor', geometry: { kind: 'nor', size: 16 * 64 * KiB, blockSize: 64 * KiB, programUnit: 1 }, maxImage: 150 * KiB },
  { name: 'nand', geometry: { kind: 'nand', size: 12 * 128 * KiB, blockSize: 128 * KiB, programUnit: 2048, factoryBadBlocks: [4] }, maxImage: 200 * KiB },
];
/** Fraction of the store's capacity (used + free) held before the workload starts. */
const FILL = 0.82;

interface Aged {
  readonly flash: SimFlash;
  readonly model: Model;
  readonly fill: number;
}

/** Flash usage as the owner sees it: live bytes over what the store can hold. */
function fillOf(store: FlashStore): number {
  const u = store.usage();
  return u.usedBytes / (u.usedBytes + u.freeBytes);
}

/** Fill a fresh store with static images (the ones nobody replaces) up to FILL of its capacity. */
async function age(geometry: FlashGeometry, seed: number): Promise<Aged> {
  const base = rig(geometry, seed);
  const model = new Model();
  const store = await mount(base);
  const fill = await drive(
    base.scheduler,
    (async () => {
      for (let i = 0; fillOf(store) < FILL; i++) {
        const u = store.usage();
        const want = Math.min(40 * KiB, Math.floor((FILL - fillOf(store)) * (u.usedBytes + u.freeBytes)) + 512);
        const data = bytesOf(seed * 1000 + i, want);
        const stat = await putAll(store, `base/static-${i}.bin`, data, 4096);
        if (isFailure(stat)) throw new Error(`ageing: ${stat.message}`);
        model.items.set(`base/static-${i}.bin`, data);
      }
      await store.idle();
      return fillOf(store);
    })(),
  );
  return { flash: base.flash, model, fill: fill ?? 0 };
}

interface Replayed {
  r: Rig;
  model: Model;
  inflight?: InFlight;
  store?: FlashStore;
  finished: boolean | undefined;
  operations: number;
  fill: number;
}

/** Runs `ops` on a copy of the aged flash; with `cutAt`, power goes during that program/erase. */
async function replay(aged: Aged, ops: Op[], seed: number, options: StoreOptions, cutAt?: number): Promise<Replayed> {
  const scheduler = new Scheduler();
  const rng = new Rng(seed);
  const r: Rig = { scheduler, rng, flash: aged.flash.clone(scheduler, rng.fork()) };
  const model = aged.model.clone();
  const inflight: { current?: InFlight } = {};
  const holder: { store?: FlashStore; fill: number } = { fill: 0 };
  let before = 0;
  const done = (async () => {
    holder.store = await mount(r, options);
    // Whatever the mount left running finishes first: an operation already started when the cut is
    // armed would be counted below but never reached by the cut's countdown.
    await holder.store.idle();
    holder.fill = fillOf(holder.store);
    const c = r.flash.counters();
    before = c.programs + c.erases;
    if (cutAt !== undefined) r.flash.cutAfter(cutAt);
    for (const op of ops) await apply(holder.store, model, op, inflight);
    await holder.store.idle();
    return true;
  })();
  const finished = await drive(scheduler, done, r.flash);
  const c = r.flash.counters();
  return { r, model, inflight: inflight.current, store: holder.store, finished, operations: c.programs + c.erases - before, fill: holder.fill };
}

interface Tally {
  cuts: number;
  gc: number;
  during: Record<string, number>;
  mountMs: number[];
  mountBytes: number[];
  minFill: number;
  refused: number;
}

/** One cut: replay to it, reboot, verify, write again. Throws a TortureFailure naming the case. */
async function cutOnce(aged: Aged, ops: Op[], segment: number, options: StoreOptions, cutAt: number, caseId: string, tally: Tally, recheck: boolean): Promise<void> {
  const run = await replay(aged, ops, segment, options, cutAt);
  if (run.finished !== undefined || !run.r.flash.powerLost) throw new TortureFailure(`cut ${cutAt} never happened`, caseId);
  const during = run.inflight;
  const inGc = run.store?.collecting() ?? false;
  tally.cuts++;
  if (inGc) tally.gc++;
  const kind = !during ? 'between ops' : during.space === 'record' ? (during.name === 'config' ? 'config save' : 'lease write') : during.after ? 'image put' : 'delete';
  tally.during[kind] = (tally.during[kind] ?? 0) + 1;
  const rebooted: Rig = { ...run.r, flash: run.r.flash.afterPowerCut() };
  const startMs = rebooted.scheduler.now();
  const readBefore = rebooted.flash.counters().bytesRead;
  const store = await mount(rebooted, options);
  tally.mountMs.push(rebooted.scheduler.now() - startMs);
  tally.mountBytes.push(rebooted.flash.counters().bytesRead - readBefore);
  const where = `${caseId} (during ${kind}${during ? ` ${during.name}` : ''}${inGc ? ', garbage collection running' : ''})`;
  const problems = await drive(rebooted.scheduler, verify(store, run.model, during));
  if (problems && problems.length > 0) throw new TortureFailure(`${where}: ${problems.join('; ')}`, caseId);
  // The store keeps working after the cut: a new image and a config save, read back.
  await drive(rebooted.scheduler, settleModel(store, run.model, during));
  const follow: Op[] = [
    { kind: 'put', name: 'after-cut.bin', size: 2000 + (cutAt % 977), seed: cutAt, piece: 1468 },
    { kind: 'save', key: 'config', value: bytesOf(cutAt + 1, 300), what: 'config' },
  ];
  await drive(
    rebooted.scheduler,
    (async () => {
      for (const op of follow) if (!(await apply(store, run.model, op, {}))) tally.refused++;
      await store.idle();
    })(),
  );
  const again = recheck ? await mount({ ...rebooted, flash: rebooted.flash.afterPowerCut() }, options) : store;
  const after = await drive(rebooted.scheduler, recheck ? verify(again, run.model) : verifyNames(again, run.model, ['after-cut.bin'], ['config']));
  if (after && after.length > 0) throw new TortureFailure(`${where}, after recovery writes: ${after.join('; ')}`, caseId);
}

async function geometryRun(context: CampaignContext, g: (typeof GEOMETRIES)[number], cutsWanted: number, tally: Tally): Promise<void> {
  const seed = context.seed * 31 + g.name.length;
  const aged = await age(g.geometry, seed);
  const only = context.only?.split(':');
  if (only && only[0] !== g.name) return;
  const perSegment = context.quick ? 40 : 400;
  let cuts = 0;
  for (let segment = 0; cuts < cutsWanted; segment++) {
    if (segment > 10_000) throw new TortureFailure('segments stopped producing cut points', `${g.name}`);
    if (only?.[1] !== undefined && only[1] !== `seg${segment}`) {
      if (Number(only[1].slice(3)) < segment) return;
      continue;
    }
    const ops = makeOps(seed * 1000 + segment, { ops: 8, maxImage: g.maxImage });
    // Every other segment collects eagerly (a high low-water mark) so cuts land inside collection.
    const options: StoreOptions = segment % 2 === 1 ? { lowWaterBlocks: g.geometry.size / g.geometry.blockSize - 2 } : {};
    const dry = await replay(aged, ops, segment, options);
    if (!dry.finished) throw new TortureFailure('the uncut run did not finish', `${g.name}:seg${segment}`);
    tally.minFill = Math.min(tally.minFill, dry.fill);
    // Every program/erase of the segment when it has few; evenly spread when it has more.
    const want = Math.min(dry.operations, perSegment, cutsWanted - cuts);
    for (let i = 0; i < want; i++) {
      const cutAt = 1 + Math.floor((i * dry.operations) / want);
      const caseId = `${g.name}:seg${segment}:cut${cutAt}`;
      if (only && only[2] !== undefined && only[2] !== `cut${cutAt}`) continue;
      await cutOnce(aged, ops, segment, options, cutAt, caseId, tally, i % 4 === 0);
      cuts++;
      if (cuts % 25 === 0) context.progress(`${g.name}: ${count(cuts)}/${count(cutsWanted)} cuts, segment ${segment}, ${tally.gc} in garbage collection`);
    }
    if (only?.[1] !== undefined) return;
  }
}

export const powerCuts: Campaign = {
  name: 'power-cuts',
  describe: 'power cut at every program/erase of a router workload on NOR and NAND (bad block), store over 80% full',
  async run(context) {
    const perGeometry = context.quick ? 500 : 6_000;
    const tally: Tally = { cuts: 0, gc: 0, during: {}, mountMs: [], mountBytes: [], minFill: 1, refused: 0 };
    for (const g of GEOMETRIES) await geometryRun(context, g, perGeometry, tally);
    if (!context.only) {
      if (tally.gc === 0) throw new TortureFailure('no cut landed during garbage collection', 'all');
      if (tally.minFill < 0.8) throw new TortureFailure(`the store was only ${(tally.minFill * 100).toFixed(1)}% full at a segment's start`, 'all');
    }
    const figures: Figure[] = [
      { what: 'distinct cut points (NOR 16x64 KiB, NAND 12x128 KiB with a bad block)', value: count(tally.cuts) },
      { what: 'cuts during', value: Object.entries(tally.during).map(([k, v]) => `${k} ${count(v)}`).join(', ') + `; ${count(tally.gc)} with garbage collection running` },
      { what: 'store fill at each segment start (used / capacity)', value: `>= ${(tally.minFill * 100).toFixed(1)}%` },
      { what: 'committed items lost or damaged, half-written items seen', value: '0, 0' },
      { what: 'mount after a cut (virtual flash time)', value: `max ${percentile(tally.mountMs, 100).toFixed(1)} ms, p99 ${percentile(tally.mountMs, 99).toFixed(1)} ms` },
      { what: 'mount after a cut (bytes read)', value: `max ${count(percentile(tally.mountBytes, 100))}, p99 ${count(percentile(tally.mountBytes, 99))}` },
    ];
    return figures;
  },
};
