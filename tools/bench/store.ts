// Figures for the flash store (issue 4 closing note), measured on the flash emulator:
//  1. write amplification of a 16 MiB image (first write, and steady-state replacement with GC running),
//  2. RAM of the index for 100 images + 1,000 lease records (V8 heap delta, and bytes counted per entry),
//  3. erase rate per day for 200 leases rewritten hourly, coalesced into one lease-db record every N min.
// Usage: node --expose-gc --import tsx tools/bench/store.ts
import { Scheduler } from '../../hal/sim/scheduler';
import { Rng } from '../../hal/sim/random';
import { SimFlash } from '../../hal/sim/flash';
import type { FlashGeometry } from '../../hal/sim/flash';
import { mountStore, isFailure, CHUNK_SIZE } from '../../firmware/store';
import type { FlashStore } from '../../firmware/store';

const KiB = 1024;
const MiB = 1024 * KiB;
const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

async function drive<T>(scheduler: Scheduler, promise: Promise<T>): Promise<T> {
  let done = false;
  let value!: T;
  promise.then((v) => {
    done = true;
    value = v;
  });
  for (let idle = 0; !done; ) {
    await tick();
    if (done) break;
    if (scheduler.step()) idle = 0;
    else if (++idle > 3) throw new Error('stalled');
  }
  return value;
}

interface Bench {
  scheduler: Scheduler;
  flash: SimFlash;
  store: FlashStore;
}

async function fresh(geometry: FlashGeometry): Promise<Bench> {
  const scheduler = new Scheduler();
  const flash = new SimFlash(scheduler, new Rng(1), geometry);
  const store = await drive(scheduler, mountStore(flash, { now: () => scheduler.now(), wallClock: () => undefined }));
  return { scheduler, flash, store };
}

async function put(b: Bench, name: string, size: number, fill: number): Promise<void> {
  const writer = await drive(b.scheduler, b.store.put(name, size));
  if (isFailure(writer)) throw new Error(writer.message);
  const piece = new Uint8Array(64 * KiB).fill(fill);
  for (let at = 0; at < size; at += piece.length) {
    const failed = await drive(b.scheduler, writer.write(piece.subarray(0, Math.min(piece.length, size - at))));
    if (failed) throw new Error(failed.message);
  }
  const stat = await drive(b.scheduler, writer.commit());
  if (isFailure(stat)) throw new Error(stat.message);
}

async function writeAmplification(): Promise<void> {
  console.log('1. Write amplification, 16 MiB image (flash bytes programmed / image bytes)');
  for (const geometry of [
    { kind: 'nor', size: 40 * MiB, blockSize: 64 * KiB, programUnit: 1 } as FlashGeometry,
    { kind: 'nand', size: 40 * MiB, blockSize: 128 * KiB, programUnit: 2048 } as FlashGeometry,
  ]) {
    const b = await fresh(geometry);
    const image = 16 * MiB;
    await put(b, 'phone.bin', image, 1);
    await drive(b.scheduler, b.store.idle());
    const first = b.flash.counters();
    // Steady state: replace it repeatedly beside a cold 4 MiB image so GC must copy and erase.
    await put(b, 'cold.bin', 4 * MiB, 2);
    const before = b.flash.counters();
    const rounds = 6;
    for (let i = 0; i < rounds; i++) await put(b, 'phone.bin', image, 3 + i);
    await drive(b.scheduler, b.store.idle());
    const after = b.flash.counters();
    const stats = b.store.stats();
    console.log(
      `   ${geometry.kind} (${geometry.blockSize / KiB} KiB blocks, ${geometry.size / MiB} MiB partition): first write ${(first.bytesProgrammed / image).toFixed(4)}, ` +
        `replacement x${rounds} ${((after.bytesProgrammed - before.bytesProgrammed) / (rounds * image)).toFixed(4)} ` +
        `(${after.erases - before.erases} erases, GC copied ${(stats.gcCopiedBytes / MiB).toFixed(2)} MiB); ` +
        `format overhead alone ${((Math.ceil(image / CHUNK_SIZE) * 24 + image) / image).toFixed(4)}`,
    );
  }
}

function heapUsed(): number {
  const g = globalThis as { gc?: () => void };
  g.gc?.();
  g.gc?.();
  return process.memoryUsage().heapUsed;
}

async function ramFigure(): Promise<void> {
  console.log('2. RAM of the index: 100 images + 1,000 lease records');
  const geometry: FlashGeometry = { kind: 'nor', size: 32 * MiB, blockSize: 64 * KiB, programUnit: 1 };
  const b = await fresh(geometry);
  for (let i = 0; i < 100; i++) await put(b, `phones/vendor-${i % 7}/image-${i}.bin`, 200 * KiB + i * 1000, i);
  for (let i = 0; i < 1000; i++) {
    const mac = `02:00:00:00:${(i >> 8).toString(16).padStart(2, '0')}:${(i & 0xff).toString(16).padStart(2, '0')}`;
    const failed = await drive(b.scheduler, b.store.setRecord(`lease/${mac}`, new Uint8Array(32).fill(i & 0xff)));
    if (failed) throw new Error(failed.message);
  }
  await drive(b.scheduler, b.store.idle());
  // Mount twice over copies of the same medium: once empty, once populated; the heap difference with
  // both stores alive is the index (plus the block table, which is the same size in both).
  const emptyBench = await fresh(geometry);
  const base = heapUsed();
  const remounted = await drive(b.scheduler, mountStore(b.flash.afterPowerCut(), { now: () => 0, wallClock: () => undefined }));
  const withIndex = heapUsed();
  const entries = remounted.entries.size;
  let runs = 0;
  for (const v of remounted.versions.values()) runs += v.runs.length;
  console.log(
    `   V8 heap delta: ${((withIndex - base) / KiB).toFixed(0)} KiB for ${entries} entries (${remounted.list().length} images, ${entries - remounted.list().length} records), ` +
      `${runs} runs; ${((withIndex - base) / entries).toFixed(0)} bytes per entry including the flash-size-dependent block table of ${remounted.table.count} blocks`,
  );
  // Counting bytes: an Entry has 9 fields, a Version 12, a Run 4, a Loc 3 (8 bytes each as doubles/
  // pointers), plus the name string (2 bytes per char + 16 header) and a 32-byte SHA-256.
  const perEntry = 9 * 8 + 12 * 8 + 3 * 8 + 32 + 16 + 2 * 30 + 2 * 16; // 30-char name, object headers
  const perRun = 4 * 8 + 16;
  console.log(`   counted: ~${perEntry} bytes per item/record + ${perRun} bytes per run -> 1,100 entries x ${perEntry} + ${runs} runs x ${perRun} = ${(((1100 * perEntry + runs * perRun) / KiB)).toFixed(0)} KiB`);
  void emptyBench;
}

async function eraseRate(): Promise<void> {
  console.log('3. Erase rate per day: 200 leases rewritten hourly, one coalesced lease-db record every N minutes');
  const leaseBytes = 32; // MAC 6, IP 4, expiry 8, port block 4, flags and client-id hash 10
  const dbBytes = 200 * leaseBytes;
  const onFlash = dbBytes + Math.ceil(dbBytes / CHUNK_SIZE) * 24 + 24 + 58 + 6; // data records + commit ("leases")
  for (const [kind, blockSize] of [
    ['nor', 64 * KiB],
    ['nand', 128 * KiB],
  ] as const) {
    for (const minutes of [1, 5, 15]) {
      const writesPerDay = (24 * 60) / minutes; // 200 leases hourly -> ~3.3 changes a minute: every window is dirty
      // NAND programs whole pages: a synced record occupies whole 2 KiB pages.
      const perWrite = kind === 'nand' ? Math.ceil(onFlash / 2048) * 2048 : onFlash;
      const formula = (writesPerDay * perWrite) / blockSize;
      const geometry: FlashGeometry = kind === 'nor' ? { kind, size: 4 * MiB, blockSize, programUnit: 1 } : { kind, size: 8 * MiB, blockSize, programUnit: 2048 };
      const b = await fresh(geometry);
      await put(b, 'phone.bin', 2 * MiB, 9); // a resident image: cold data the GC must work around
      // Warm up until garbage collection has erased for a whole day (the free pool is used up), then
      // measure one more day.
      let before = 0;
      let warm = 0;
      for (let day = 0; day < 40; day++) {
        const dayStart = b.flash.counters().erases;
        if (warm === 2) before = dayStart;
        if (warm === 3) break;
        for (let i = 0; i < writesPerDay; i++) {
          b.scheduler.runFor(minutes * 60_000);
          const failed = await drive(b.scheduler, b.store.setRecord('leases', new Uint8Array(dbBytes).fill(i & 0xff)));
          if (failed) throw new Error(failed.message);
        }
        if (warm > 0 || dayStart > 0) warm++;
      }
      await drive(b.scheduler, b.store.idle());
      const measured = b.flash.counters().erases - before;
      const blocks = geometry.size / blockSize;
      console.log(
        `   ${kind} ${blockSize / KiB} KiB blocks, N=${minutes} min: formula (1440/N) x ${perWrite} B / ${blockSize} B = ${formula.toFixed(1)} erases/day; ` +
          `measured ${measured} erases in one steady-state day (${(measured / blocks).toFixed(2)} per block per day over ${blocks} blocks)`,
      );
    }
  }
}

await writeAmplification();
await ramFigure();
await eraseRate();
