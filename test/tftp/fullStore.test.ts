// A full flash store (issue 15 item 6), on the real store over a simulated NOR flash: an upload
// whose tsize cannot fit is refused before a byte moves, one without tsize that fills the store
// ends with error 3; both say free against asked on the log, count no-space, keep the old image.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Scheduler } from '../../hal/sim/scheduler';
import { Rng } from '../../hal/sim/random';
import { SimFlash } from '../../hal/sim/flash';
import { mountStore, isFailure, type FlashStore } from '../../firmware/store';
import { Bench, patternBytes, PERFECT } from './harness';
import { TftpTestClient } from './client';

const ADMIN = 0xc0a80102;
const KiB = 1024;

async function flashBench(): Promise<{ b: Bench; store: FlashStore; old: Uint8Array }> {
  const scheduler = new Scheduler();
  const flash = new SimFlash(scheduler, new Rng(7), { kind: 'nor', size: 8 * 64 * KiB, blockSize: 64 * KiB, programUnit: 1 });
  const clock = { now: () => scheduler.now(), wallClock: () => undefined };
  let store: FlashStore | undefined;
  void mountStore(flash, clock).then((s) => (store = s));
  while (!store) {
    await new Promise((resolve) => setImmediate(resolve));
    scheduler.step();
  }
  const b = new Bench(50, { ...PERFECT, latencyMs: 1 }, { store, limits: { maxUploadBytes: 16 << 20 } }, scheduler);
  b.net.addHost(ADMIN);
  // The old image goes in through TFTP too, so the bench's clock drives every flash operation.
  const old = patternBytes(100 * KiB).map((x) => x ^ 0x11);
  b.server.openUploadWindow({ host: ADMIN, until: b.now + 3_600_000 });
  const w = new TftpTestClient(b.net, ADMIN).write('phone.bin', old, { options: [{ name: 'blksize', value: '1468' }] });
  assert.ok(await b.run(() => w.done, 600_000));
  assert.ok(w.ok, w.errorMessage);
  return { b, store, old };
}

async function readBack(b: Bench, store: FlashStore, name: string): Promise<Uint8Array | undefined> {
  const reader = store.open(name);
  if (isFailure(reader)) return undefined;
  const out = new Uint8Array(reader.stat.size);
  let at = 0;
  let failed = false;
  let done = false;
  const step = async (): Promise<void> => {
    while (at < out.length) {
      const n = await reader.read(at, out.subarray(at));
      if (isFailure(n) || n === 0) return void (failed = true);
      at += n;
    }
  };
  void step().then(() => (done = true));
  // Flash reads finish as virtual time passes; their continuations need turns of the event loop.
  for (let i = 0; i < 100_000 && !done; i++) {
    await new Promise((resolve) => setImmediate(resolve));
    b.net.scheduler.step();
  }
  reader.close();
  return failed ? undefined : out;
}

const sameBytes = (a: Uint8Array | undefined, b: Uint8Array) => a !== undefined && a.length === b.length && a.every((x, i) => x === b[i]);

test('tsize larger than the free space: error 3 with the figures before any DATA, a log line, counted no-space', async () => {
  const { b, store, old } = await flashBench();
  const free = store.usage().freeBytes;
  const asked = free + 10 * KiB;
  const appendedBefore = store.stats().appendedBytes;
  const w = new TftpTestClient(b.net, ADMIN).write('big.bin', patternBytes(asked), { options: [{ name: 'tsize', value: String(asked) }, { name: 'blksize', value: '1468' }] });
  assert.ok(await b.run(() => w.done, 60_000));
  assert.is(w.errorCode, 3);
  assert.is(w.errorMessage, `disk full: ${asked} bytes asked, ${free} bytes free`);
  assert.is(w.bytes, 0, 'refused before any DATA');
  assert.is(store.stats().appendedBytes, appendedBefore, 'nothing written');
  const line = b.warnings.find((l) => l.includes('big.bin'));
  assert.ok(line, b.warnings.join('\n'));
  assert.match(line!, `asked ${asked} bytes`);
  assert.match(line!, `${free} bytes`);
  assert.match(line!, 'free');
  const errors = b.server.status().errors;
  assert.is(errors['no-space'], 1);
  assert.is(errors['transfer:source-error'], undefined);
  assert.ok(sameBytes(await readBack(b, store, 'phone.bin'), old));
  // Just under the free figure: the record headers do not fit, and the message says so.
  const under = new TftpTestClient(b.net, ADMIN).write('big.bin', patternBytes(free - 100), { options: [{ name: 'tsize', value: String(free - 100) }] });
  assert.ok(await b.run(() => under.done, 60_000));
  assert.is(under.errorMessage, `disk full: ${free - 100} bytes asked, ${free} bytes free (too few with the record headers)`);
});

test('no tsize and the store fills mid-transfer: error 3, a log line, no-space (not source-error), old image kept', async () => {
  const { b, store, old } = await flashBench();
  const free = store.usage().freeBytes;
  const image = patternBytes(free + 64 * KiB);
  const w = new TftpTestClient(b.net, ADMIN).write('big.bin', image, { options: [{ name: 'blksize', value: '1468' }] });
  assert.ok(await b.run(() => w.done, 600_000));
  assert.is(w.errorCode, 3);
  assert.match(w.errorMessage ?? '', new RegExp(`^disk full after \\d+ bytes \\(${free} bytes free for an upload\\)$`));
  const line = b.warnings.find((l) => l.includes('big.bin'));
  assert.ok(line, b.warnings.join('\n'));
  assert.match(line!, /store full after \d+ bytes/);
  assert.match(line!, `${free} bytes`);
  await b.run(() => b.server.status().active.length === 0, 10_000);
  const errors = b.server.status().errors;
  assert.is(errors['no-space'], 1);
  assert.is(errors['transfer:no-space'], 1);
  assert.is(errors['transfer:source-error'], undefined);
  assert.is(store.stat('big.bin'), undefined, 'the unfinished upload is not visible');
  assert.ok(sameBytes(await readBack(b, store, 'phone.bin'), old));
  // The space the broken upload took is free again: a file that fits goes in.
  const fits = patternBytes(50 * KiB);
  const again = new TftpTestClient(b.net, ADMIN).write('small.bin', fits, { options: [{ name: 'tsize', value: String(fits.length) }] });
  assert.ok(await b.run(() => again.done, 600_000));
  assert.ok(again.ok, again.errorMessage);
});

test.run();
