// Errors with nothing lost: no-space refusal, checksum mismatch reported on read, damaged mounts that
// still serve intact items, NAND factory and runtime bad blocks, and API misuse answered with failures.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SysError } from '../../hal/hal';
import { isFailure } from '../../firmware/store';
import type { StoreFailure } from '../../firmware/store';
import { bytesOf, drive, KiB, mount, putAll, readAll, rig, sha, SMALL_NAND, SMALL_NOR } from './harness';
import { sameBytes } from './workload';

function failure(value: unknown): StoreFailure {
  assert.ok(isFailure(value), `expected a failure, got ${JSON.stringify(value)}`);
  return value as StoreFailure;
}

test('a put larger than the free space is refused up front with NO_SPACE; contents untouched', async () => {
  const r = rig(SMALL_NOR, 1);
  const store = await mount(r);
  const a = bytesOf(1, 200_000);
  await drive(r.scheduler, putAll(store, 'a', a));
  const before = r.flash.counters().programs;
  const refused = failure(await drive(r.scheduler, store.put('huge', 10 * 64 * KiB)));
  assert.is(refused.error, SysError.NO_SPACE);
  assert.match(refused.message, /no space/);
  assert.is(r.flash.counters().programs, before, 'nothing written');
  assert.ok(sameBytes((await drive(r.scheduler, readAll(store, 'a'))) as Uint8Array, a));
});

for (const geometry of [SMALL_NOR, SMALL_NAND]) {
  test(`${geometry.kind}: a put without a size that runs out of space fails with NO_SPACE; earlier items and a replaced version survive, also after a reboot`, async () => {
    const r = rig(geometry, 2);
    const store = await mount(r);
    const a = bytesOf(2, 150_000);
    const b = bytesOf(3, 100_000);
    await drive(r.scheduler, putAll(store, 'a', a));
    await drive(r.scheduler, putAll(store, 'b', b));
    assert.is(await drive(r.scheduler, store.setRecord('leases', bytesOf(4, 2000))), undefined);
    // Replace 'a' with something that cannot fit: the old 'a' must stay.
    const outcome = failure(await drive(r.scheduler, putAll(store, 'a', bytesOf(5, geometry.size), 8192, false)));
    assert.is(outcome.error, SysError.NO_SPACE);
    assert.match(outcome.message, /no space/);
    await drive(r.scheduler, store.idle());
    for (const s of [store, await mount({ ...r, flash: r.flash.afterPowerCut() })]) {
      assert.ok(sameBytes((await drive(r.scheduler, readAll(s, 'a'))) as Uint8Array, a));
      assert.ok(sameBytes((await drive(r.scheduler, readAll(s, 'b'))) as Uint8Array, b));
      assert.ok(sameBytes((await drive(r.scheduler, s.getRecord('leases'))) as Uint8Array, bytesOf(4, 2000)));
      assert.equal(s.audit(), []);
      assert.is(s.list().length, 2);
    }
    // Space comes back once something is removed.
    const again = await mount({ ...r, flash: r.flash.afterPowerCut() });
    assert.is(await drive(r.scheduler, again.remove('b')), undefined);
    const c = bytesOf(6, 200_000);
    const stat = await drive(r.scheduler, putAll(again, 'c', c));
    assert.ok(stat && !isFailure(stat), JSON.stringify(stat));
  });
}

test('a flipped bit in a data record is reported as CORRUPT for reads of that chunk only; other items read fine', async () => {
  const r = rig(SMALL_NOR, 3);
  const store = await mount(r);
  const a = bytesOf(7, 20_000);
  const b = bytesOf(8, 20_000);
  await drive(r.scheduler, putAll(store, 'a', a));
  await drive(r.scheduler, putAll(store, 'b', b));
  // Find chunk 3 of 'a' on the medium by its content and flip one bit of it.
  const raw = r.flash.rawBytes();
  const needle = a.subarray(3 * 2048, 3 * 2048 + 64);
  let at = -1;
  for (let i = 0; i + needle.length <= raw.length && at < 0; i++) if (raw[i] === needle[0] && sameBytes(raw.subarray(i, i + needle.length), needle)) at = i;
  assert.ok(at >= 0);
  raw[at + 100] ^= 0x10;
  const reader = store.open('a');
  assert.ok(!isFailure(reader));
  if (isFailure(reader)) return;
  const into = new Uint8Array(512);
  assert.is(await drive(r.scheduler, reader.read(0, into)), 512); // chunk 0 is fine
  const bad = failure(await drive(r.scheduler, reader.read(3 * 2048 + 10, into)));
  assert.is(bad.error, SysError.CORRUPT);
  assert.match(bad.message, /'a': data record 3 .* fails its checksum/);
  assert.is(await drive(r.scheduler, reader.read(5 * 2048, into)), 512); // chunk 5 is fine
  reader.close();
  assert.ok(sameBytes((await drive(r.scheduler, readAll(store, 'b'))) as Uint8Array, b));
});

test('a damaged medium still mounts: intact items are served and damage() says what was lost', async () => {
  const r = rig(SMALL_NOR, 4);
  const store = await mount(r);
  const items = new Map<string, Uint8Array>();
  for (let i = 0; i < 6; i++) {
    const data = bytesOf(100 + i, 30_000 + i * 7000);
    items.set(`img-${i}`, data);
    await drive(r.scheduler, putAll(store, `img-${i}`, data));
  }
  await drive(r.scheduler, store.setRecord('config', bytesOf(9, 500)));
  await drive(r.scheduler, store.idle());
  // Wreck the middle of block 1 (a run of data records) and the header of block 2.
  const raw = r.flash.rawBytes();
  const bs = 64 * KiB;
  for (let i = bs + 20_000; i < bs + 26_000; i++) raw[i] = 0x00;
  for (let i = 2 * bs; i < 2 * bs + 4; i++) raw[i] ^= 0xff;
  const damaged = await mount({ ...r, flash: r.flash.afterPowerCut() });
  const report = damaged.damage();
  assert.ok(report.length >= 1, 'damage reported');
  assert.ok(report.some((d) => /block 2: header unreadable/.test(d)), report.join('\n'));
  assert.ok(report.some((d) => /block 1: unreadable record at offset \d+ .* bytes after it are lost/.test(d)), report.join('\n'));
  let intact = 0;
  for (const [name, data] of items) {
    const got = await drive(r.scheduler, readAll(damaged, name));
    if (isFailure(got)) {
      // Lost with the wrecked records: either its data (named in the report) or its commit (the block is).
      assert.ok(report.some((d) => d.includes(`'${name}'`)) || (got.error === SysError.NOT_FOUND && report.some((d) => d.startsWith('block 1'))), `${name}: ${got.message}`);
      continue;
    }
    assert.ok(sameBytes(got as Uint8Array, data), `${name} served but wrong`);
    intact++;
  }
  assert.ok(intact >= 3, `only ${intact} intact items served`);
  assert.ok(sameBytes((await drive(r.scheduler, damaged.getRecord('config'))) as Uint8Array, bytesOf(9, 500)));
  // And it keeps working.
  const fresh = bytesOf(10, 10_000);
  assert.ok(!isFailure(await drive(r.scheduler, putAll(damaged, 'fresh', fresh))));
  assert.ok(sameBytes((await drive(r.scheduler, readAll(damaged, 'fresh'))) as Uint8Array, fresh));
});

test('NAND: factory bad blocks are never used; the store works around them', async () => {
  const r = rig({ ...SMALL_NAND, factoryBadBlocks: [0, 5] }, 5);
  const junk = r.flash.snapshot();
  const store = await mount(r);
  assert.is(store.usage().badBlocks, 2);
  const data = new Map<string, Uint8Array>();
  for (let round = 0; round < 12; round++) {
    const name = `img-${round % 3}`;
    const bytes = bytesOf(200 + round, 60_000 + round * 1000);
    data.set(name, bytes);
    const stat = await drive(r.scheduler, putAll(store, name, bytes));
    assert.ok(stat && !isFailure(stat), JSON.stringify(stat));
  }
  await drive(r.scheduler, store.idle());
  const now = r.flash.snapshot();
  const bs = 128 * KiB;
  for (const bad of [0, 5]) assert.ok(sameBytes(now.subarray(bad * bs, (bad + 1) * bs), junk.subarray(bad * bs, (bad + 1) * bs)), `bad block ${bad} untouched`);
  assert.is(r.flash.eraseCounts()[0] + r.flash.eraseCounts()[5], 0);
  const again = await mount({ ...r, flash: r.flash.afterPowerCut() });
  for (const [name, bytes] of data) assert.ok(sameBytes((await drive(r.scheduler, readAll(again, name))) as Uint8Array, bytes));
});

test('NAND: a page program failure retires the block (evacuated, then marked bad); nothing is lost', async () => {
  const r = rig(SMALL_NAND, 6);
  const store = await mount(r);
  const a = bytesOf(11, 50_000);
  await drive(r.scheduler, putAll(store, 'a', a));
  const active = store.head.block as number;
  r.flash.injectFailure({ op: 'program', block: active });
  const b = bytesOf(12, 50_000);
  const stat = await drive(r.scheduler, putAll(store, 'b', b));
  assert.ok(stat && !isFailure(stat), JSON.stringify(stat));
  await drive(r.scheduler, store.idle());
  assert.ok(r.flash.isBad(active), `block ${active} marked bad`);
  assert.is(store.usage().badBlocks, 1);
  assert.ok(store.stats().deviceFailures >= 1);
  assert.equal(store.audit(), []);
  const again = await mount({ ...r, flash: r.flash.afterPowerCut() });
  assert.ok(sameBytes((await drive(r.scheduler, readAll(again, 'a'))) as Uint8Array, a));
  assert.ok(sameBytes((await drive(r.scheduler, readAll(again, 'b'))) as Uint8Array, b));
  assert.is(again.usage().badBlocks, 1);
});

test('NAND: an erase failure marks the block bad and collection carries on', async () => {
  const r = rig(SMALL_NAND, 7);
  const store = await mount(r);
  r.flash.injectFailure({ op: 'erase' });
  const keep = new Map<string, Uint8Array>();
  for (let round = 0; round < 16; round++) {
    const name = `img-${round % 2}`;
    const bytes = bytesOf(300 + round, 90_000);
    keep.set(name, bytes);
    const stat = await drive(r.scheduler, putAll(store, name, bytes));
    assert.ok(stat && !isFailure(stat), `round ${round}: ${JSON.stringify(stat)}`);
  }
  await drive(r.scheduler, store.idle());
  assert.is(store.usage().badBlocks, 1);
  const again = await mount({ ...r, flash: r.flash.afterPowerCut() });
  for (const [name, bytes] of keep) assert.ok(sameBytes((await drive(r.scheduler, readAll(again, name))) as Uint8Array, bytes));
});

test('misuse is answered with failures, never exceptions', async () => {
  const r = rig(SMALL_NOR, 8);
  const store = await mount(r);
  assert.is(failure(await drive(r.scheduler, store.put(''))).error, SysError.INVALID);
  assert.is(failure(await drive(r.scheduler, store.put('x'.repeat(256)))).error, SysError.INVALID);
  assert.is(failure(await drive(r.scheduler, store.put('x', -1))).error, SysError.INVALID);
  assert.is(failure(store.open('missing')).error, SysError.NOT_FOUND);
  assert.is(failure(await drive(r.scheduler, store.remove('missing'))).error, SysError.NOT_FOUND);
  assert.is(await drive(r.scheduler, store.getRecord('missing')), undefined);
  assert.is(failure(await drive(r.scheduler, store.setRecord('big', new Uint8Array(300 * 1024)))).error, SysError.INVALID);
  const w = await drive(r.scheduler, store.put('one'));
  assert.ok(w && !isFailure(w));
  assert.is(failure(await drive(r.scheduler, store.put('one'))).error, SysError.BUSY);
  if (w && !isFailure(w)) {
    w.abort();
    assert.is(failure(await drive(r.scheduler, w.write(new Uint8Array(1)))).error, SysError.INVALID);
  }
  const stat = await drive(r.scheduler, putAll(store, 'one', bytesOf(1, 10)));
  assert.ok(stat && !isFailure(stat));
  const reader = store.open('one');
  if (isFailure(reader)) throw new Error(reader.message);
  assert.is(await drive(r.scheduler, reader.read(10, new Uint8Array(4))), 0);
  assert.is(failure(await drive(r.scheduler, reader.read(-1, new Uint8Array(4)))).error, SysError.INVALID);
  reader.close();
  assert.is(failure(await drive(r.scheduler, reader.read(0, new Uint8Array(4)))).error, SysError.INVALID);
  assert.is(sha(new Uint8Array(0)), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  const empty = await drive(r.scheduler, putAll(store, 'empty', new Uint8Array(0)));
  assert.ok(empty && !isFailure(empty));
  assert.is(store.stat('empty')?.size, 0);
  assert.is(Array.from(store.stat('empty')!.sha256, (b) => b.toString(16).padStart(2, '0')).join(''), sha(new Uint8Array(0)));
});

test.run();
