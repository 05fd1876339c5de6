// Property test: any sequence of puts, removals, record updates, partial reads and remounts leaves the
// store showing exactly what a plain in-memory map shows (fast-check, seeded, bounded run count).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { isFailure } from '../../firmware/store';
import type { FlashStore } from '../../firmware/store';
import { bytesOf, drive, mount, putAll, rig, SMALL_NAND, SMALL_NOR } from './harness';
import type { Rig } from './harness';
import { apply, Model, sameBytes, verify } from './workload';
import type { Op } from './workload';

type Command = Op | { kind: 'remount' } | { kind: 'read'; name: string; offset: number; length: number } | { kind: 'abort'; name: string; size: number };

const name = fc.constantFrom('a', 'b/c', 'phone image 3.bin', 'ü/ñ');
const command: fc.Arbitrary<Command> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('put' as const), name, size: fc.integer({ min: 0, max: 40_000 }), seed: fc.nat(), piece: fc.constantFrom(1, 512, 2048, 2049, 5000) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('remove' as const), name }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('record' as const), key: fc.constantFrom('config', 'leases'), size: fc.integer({ min: 0, max: 5000 }), seed: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('remount' as const) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('read' as const), name, offset: fc.integer({ min: 0, max: 45_000 }), length: fc.integer({ min: 1, max: 3000 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('abort' as const), name, size: fc.integer({ min: 1, max: 20_000 }) }) },
);

async function run(r: Rig, commands: Command[]): Promise<void> {
  let store: FlashStore = await mount(r);
  const model = new Model();
  for (const c of commands) {
    if (c.kind === 'remount') {
      await store.idle();
      store = await mount({ ...r, flash: r.flash.afterPowerCut() });
    } else if (c.kind === 'read') {
      const want = model.items.get(c.name);
      const reader = store.open(c.name);
      if (!want) {
        assert.ok(isFailure(reader), `${c.name} should not exist`);
        continue;
      }
      if (isFailure(reader)) throw new Error(reader.message);
      const into = new Uint8Array(c.length);
      const got = await reader.read(c.offset, into);
      reader.close();
      if (isFailure(got)) throw new Error(got.message);
      const expect = want.subarray(Math.min(c.offset, want.length), Math.min(want.length, c.offset + c.length));
      assert.is(got, expect.length);
      assert.ok(sameBytes(into.subarray(0, got), expect));
    } else if (c.kind === 'abort') {
      const writer = await store.put(c.name);
      if (isFailure(writer)) throw new Error(writer.message);
      await writer.write(bytesOf(c.size, c.size));
      writer.abort();
    } else {
      await apply(store, model, c, {});
    }
    assert.equal(
      store.list().map((s) => `${s.name}:${s.size}`),
      [...model.items].map(([n, d]) => `${n}:${d.length}`).sort(),
    );
  }
  assert.equal(await verify(store, model), []);
  await store.idle();
  assert.equal(await verify(await mount({ ...r, flash: r.flash.afterPowerCut() }), model), []);
}

test('the store behaves like an in-memory map (NOR and NAND, with remounts)', async () => {
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(SMALL_NOR, SMALL_NAND), fc.array(command, { minLength: 1, maxLength: 30 }), async (geometry, commands) => {
      const r = rig(geometry, 9);
      await drive(r.scheduler, run(r, commands));
    }),
    { numRuns: 40, seed: 0x5eed },
  );
});

test('a replaced or removed item stays readable by a reader opened before (many readers at once)', async () => {
  const r = rig(SMALL_NOR, 10);
  const store = await mount(r);
  const oldData = bytesOf(1, 60_000);
  await drive(r.scheduler, putAll(store, 'img', oldData));
  const readers = Array.from({ length: 200 }, () => store.open('img'));
  const newData = bytesOf(2, 50_000);
  await drive(r.scheduler, putAll(store, 'img', newData));
  // Churn so garbage collection moves the old version's records while they are being read.
  for (let i = 0; i < 6; i++) await drive(r.scheduler, putAll(store, `churn-${i % 2}`, bytesOf(10 + i, 150_000)));
  await drive(r.scheduler, store.remove('img'));
  const reads = readers.map(async (reader, i) => {
    if (isFailure(reader)) throw new Error(reader.message);
    const out = new Uint8Array(reader.stat.size);
    for (let at = (i * 512) % 4096, n = 0; n < 200 && at < out.length; n++, at += 1468) {
      const got = await reader.read(at, out.subarray(at, Math.min(out.length, at + 1468)));
      if (isFailure(got)) throw new Error(got.message);
      assert.ok(sameBytes(out.subarray(at, at + got), oldData.subarray(at, at + got)), `reader ${i} at ${at}`);
    }
    reader.close();
  });
  await drive(r.scheduler, Promise.all(reads));
  await drive(r.scheduler, store.idle());
  assert.equal(store.audit(), []);
  assert.is(store.stat('img'), undefined);
  // Every old-version byte is reclaimable now that the last reader closed.
  assert.ok(store.usage().usedBytes < 2 * 150_000 + 20_000, `used ${store.usage().usedBytes}`);
});

test.run();
