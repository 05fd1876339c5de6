// Unit tests of the flash emulator's semantics: erase/program rules, NAND page rules, bad blocks,
// asynchronous timing, power cuts (torn program, scrambled erase, dead instance) and counters.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SysError } from '../../hal/hal';
import { Scheduler } from '../../hal/sim/scheduler';
import { Rng } from '../../hal/sim/random';
import { SimFlash } from '../../hal/sim/flash';

const KiB = 1024;

function nor(seed = 1): { s: Scheduler; f: SimFlash } {
  const s = new Scheduler();
  return { s, f: new SimFlash(s, new Rng(seed), { kind: 'nor', size: 4 * 64 * KiB, blockSize: 64 * KiB, programUnit: 1 }) };
}

function nand(seed = 1, factoryBadBlocks: number[] = []): { s: Scheduler; f: SimFlash } {
  const s = new Scheduler();
  return {
    s,
    f: new SimFlash(s, new Rng(seed), { kind: 'nand', size: 4 * 128 * KiB, blockSize: 128 * KiB, programUnit: 2048, factoryBadBlocks }),
  };
}

/** Runs the scheduler until the promise settles; fails if it never does. */
async function settle<T>(s: Scheduler, p: Promise<T>): Promise<T> {
  let done = false;
  let value!: T;
  p.then((v) => {
    done = true;
    value = v;
  });
  for (let i = 0; i < 1000 && !done; i++) {
    await Promise.resolve();
    if (!done && !s.step()) await Promise.resolve();
  }
  assert.ok(done, 'operation did not complete');
  return value;
}

async function readBack(s: Scheduler, f: SimFlash, offset: number, length: number): Promise<Uint8Array> {
  const into = new Uint8Array(length);
  assert.is(await settle(s, f.read(offset, into)), SysError.OK);
  return into;
}

test('a new NOR part reads erased; programming only clears bits (AND)', async () => {
  const { s, f } = nor();
  assert.equal(Array.from(await readBack(s, f, 100, 4)), [0xff, 0xff, 0xff, 0xff]);
  assert.is(await settle(s, f.program(100, new Uint8Array([0xf0, 0x0f, 0xaa, 0x55]))), SysError.OK);
  assert.is(await settle(s, f.program(100, new Uint8Array([0x3c, 0x3c, 0xff, 0x00]))), SysError.OK);
  assert.equal(Array.from(await readBack(s, f, 100, 4)), [0x30, 0x0c, 0xaa, 0x00]);
  assert.is(f.counters().overPrograms, 1);
});

test('erase sets the whole block to 0xFF, counts per block, and leaves neighbours alone', async () => {
  const { s, f } = nor();
  await settle(s, f.program(64 * KiB - 2, new Uint8Array([1, 2])));
  await settle(s, f.program(64 * KiB, new Uint8Array([3, 4])));
  assert.is(await settle(s, f.erase(0)), SysError.OK);
  assert.equal(Array.from(await readBack(s, f, 64 * KiB - 2, 4)), [0xff, 0xff, 3, 4]);
  assert.equal(f.eraseCounts(), [1, 0, 0, 0]);
});

test('operations are asynchronous: nothing happens until the scheduler runs, and a NOR erase takes hundreds of ms', async () => {
  const { s, f } = nor();
  let resolved = false;
  const p = f.erase(1).then((r) => {
    resolved = true;
    return r;
  });
  await Promise.resolve();
  assert.is(resolved, false);
  const start = s.now();
  assert.is(await settle(s, p), SysError.OK);
  assert.ok(s.now() - start >= 300 && s.now() - start <= 1000, `erase took ${s.now() - start} ms`);
});

test('operations complete in submission order, one at a time', async () => {
  const { s, f } = nor();
  const order: string[] = [];
  const a = f.erase(0).then(() => order.push('erase'));
  const b = f.program(0, new Uint8Array([0])).then(() => order.push('program'));
  const c = f.read(0, new Uint8Array(1)).then(() => order.push('read'));
  await settle(s, Promise.all([a, b, c]));
  assert.equal(order, ['erase', 'program', 'read']);
});

test('out-of-range and block-straddling requests are refused with INVALID', async () => {
  const { s, f } = nor();
  assert.is(await settle(s, f.read(f.size - 1, new Uint8Array(2))), SysError.INVALID);
  assert.is(await settle(s, f.program(-1, new Uint8Array(1))), SysError.INVALID);
  assert.is(await settle(s, f.program(64 * KiB - 1, new Uint8Array(2))), SysError.INVALID);
  assert.is(await settle(s, f.erase(4)), SysError.INVALID);
  assert.is(await settle(s, f.markBad(0)), SysError.INVALID); // NOR has no bad blocks
});

test('NAND: whole aligned pages only, each programmed once, in order within a block', async () => {
  const { s, f } = nand();
  const page = new Uint8Array(2048).fill(0x5a);
  assert.is(await settle(s, f.program(100, page)), SysError.INVALID); // misaligned
  assert.is(await settle(s, f.program(0, new Uint8Array(100))), SysError.INVALID); // partial page
  assert.is(await settle(s, f.program(2048, page)), SysError.OK); // page 1 (page 0 skipped: allowed)
  assert.is(await settle(s, f.program(2048, page)), SysError.INVALID); // second program of page 1
  assert.is(await settle(s, f.program(0, page)), SysError.INVALID); // page 0 after page 1: out of order
  assert.is(await settle(s, f.program(4096, page)), SysError.OK);
  assert.is(await settle(s, f.erase(0)), SysError.OK);
  assert.is(await settle(s, f.program(0, page)), SysError.OK); // erased: programmable again
});

test('NAND: factory bad blocks are reported, refuse program/erase, and hold junk', async () => {
  const { s, f } = nand(3, [2]);
  assert.is(f.isBad(2), true);
  assert.is(f.isBad(1), false);
  assert.is(await settle(s, f.erase(2)), SysError.BAD_BLOCK);
  assert.is(await settle(s, f.program(2 * 128 * KiB, new Uint8Array(2048))), SysError.BAD_BLOCK);
  const junk = await readBack(s, f, 2 * 128 * KiB, 64);
  assert.ok(junk.some((b) => b !== 0xff));
});

test('NAND: an injected program failure, then markBad, makes the block bad for good (and after a reboot)', async () => {
  const { s, f } = nand();
  f.injectFailure({ op: 'program', block: 1 });
  assert.is(await settle(s, f.program(0, new Uint8Array(2048))), SysError.OK); // other block unaffected
  assert.is(await settle(s, f.program(128 * KiB, new Uint8Array(2048))), SysError.IO);
  assert.is(await settle(s, f.markBad(1)), SysError.OK);
  assert.is(f.isBad(1), true);
  assert.is(f.afterPowerCut().isBad(1), true);
  f.injectFailure({ op: 'erase' });
  assert.is(await settle(s, f.erase(3)), SysError.IO);
});

test('cutAfter: the cut program leaves only a prefix; this instance never resolves again', async () => {
  for (let seed = 1; seed <= 20; seed++) {
    const { s, f } = nor(seed);
    let cutSeen = false;
    f.onPowerCut = () => (cutSeen = true);
    f.cutAfter(2);
    assert.is(await settle(s, f.program(0, new Uint8Array(16).fill(0x11))), SysError.OK);
    let settled = false;
    f.program(100, new Uint8Array(64).fill(0x00)).then(() => (settled = true));
    f.read(0, new Uint8Array(1)).then(() => (settled = true));
    s.runFor(10_000);
    await Promise.resolve();
    assert.is(settled, false);
    assert.ok(f.powerLost && cutSeen);
    f.read(0, new Uint8Array(1)).then(() => (settled = true));
    s.runFor(10_000);
    await Promise.resolve();
    assert.is(settled, false, 'a dead flash never resolves');
    const after = f.afterPowerCut();
    const bytes = await readBack(s, after, 100, 64);
    const landed = bytes.findIndex((b) => b === 0xff);
    const prefix = landed < 0 ? 64 : landed;
    assert.ok(prefix < 64, 'a torn program never lands whole');
    for (let i = 0; i < 64; i++) assert.is(bytes[i], i < prefix ? 0x00 : 0xff);
    assert.equal(Array.from(await readBack(s, after, 0, 16)), new Array(16).fill(0x11)); // earlier program intact
  }
});

test('a cut during an erase leaves an undefined mix and counts the erase; reads do not count toward the cut', async () => {
  const { s, f } = nor(7);
  await settle(s, f.program(0, new Uint8Array(1024).fill(0x00)));
  f.cutAfter(1);
  await settle(s, f.read(0, new Uint8Array(4))); // a read is not a program/erase
  f.erase(0);
  s.runFor(5_000);
  const after = f.afterPowerCut();
  const bytes = await readBack(s, after, 0, 1024);
  const ff = bytes.filter((b) => b === 0xff).length;
  const zero = bytes.filter((b) => b === 0x00).length;
  assert.ok(ff > 100 && zero > 100 && ff + zero < 1024, `mix ff=${ff} zero=${zero}`);
  assert.is(after.eraseCounts()[0], 1);
});

test('cutNow tears the operation in progress; afterPowerCut shares erase counts and bytes', async () => {
  const { s, f } = nand(5);
  await settle(s, f.erase(0));
  const p = f.program(0, new Uint8Array(2048).fill(0));
  // The program is now in flight (the chip started it; its completion event is pending).
  f.cutNow();
  let settled = false;
  p.then(() => (settled = true));
  s.runFor(1000);
  await Promise.resolve();
  assert.is(settled, false);
  const after = f.afterPowerCut();
  assert.equal(after.eraseCounts(), f.eraseCounts());
  // The torn page counts as programmed: programming it again is refused until an erase.
  assert.is(await settle(s, after.program(0, new Uint8Array(2048))), SysError.INVALID);
});

test('clone and snapshot are independent copies; counters count', async () => {
  const { s, f } = nor();
  await settle(s, f.program(0, new Uint8Array([0])));
  const c = f.clone();
  const snap = f.snapshot();
  await settle(s, f.program(1, new Uint8Array([0])));
  assert.is(snap[1], 0xff);
  assert.equal(Array.from(await readBack(s, c, 0, 2)), [0, 0xff]);
  const k = f.counters();
  assert.is(k.programs, 2);
  assert.is(k.bytesProgrammed, 2);
});

test('same seed, same torn bytes (deterministic)', async () => {
  const run = async (): Promise<Uint8Array> => {
    const { s, f } = nor(42);
    f.cutAfter(1);
    f.program(0, new Uint8Array(4096).fill(0));
    s.runFor(100);
    return f.snapshot().subarray(0, 4096);
  };
  assert.equal(Array.from(await run()), Array.from(await run()));
});

test.run();
