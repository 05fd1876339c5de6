// The HAL contract (hal/hal.ts) as hal/sim implements it: callbacks are deferred, buffers are
// copied, time is monotonic, randomness is seeded. Written against `Hal` only, so the same checks
// can run against another HAL host.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Testbed } from '../../hal/sim/testbed';
import type { Hal } from '../../hal/hal';
import { SysError } from '../../hal/hal';
import { decodeUtf8, encodeUtf8 } from '../../firmware/util/text';

const simJson = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'board', 'sim.json'), 'utf8'));
const small = { ...simJson, flash: { ...simJson.flash, size: 65536 * 4 } };

function rig(seed = 1) {
  const bed = new Testbed<Hal>({ seed, board: small });
  const pc = bed.addHost({ name: 'pc', mac: '02:00:00:00:00:33' });
  const hal = bed.start((h) => h);
  return { bed, hal, pc };
}

test('timers never fire inside setTimer, even with delay 0; they fire in due order', () => {
  const { bed, hal } = rig();
  const order: string[] = [];
  hal.setTimer(0, () => order.push('zero'));
  hal.setTimer(5, () => order.push('five'));
  hal.setTimer(1, () => order.push('one'));
  hal.setTimer(Number.NaN, () => order.push('nan-as-zero'));
  assert.equal(order, []);
  bed.run(10);
  assert.equal(order, ['zero', 'nan-as-zero', 'one', 'five']);
  hal.clearTimer(123456); // unknown ids are harmless
});

test('now() is monotonic and advances with virtual time; wallClock follows it', () => {
  const { bed, hal } = rig();
  const seen: number[] = [];
  for (let i = 0; i < 20; i++) hal.setTimer(i * 7.5, () => seen.push(hal.now()));
  bed.run(200);
  for (let i = 1; i < seen.length; i++) assert.ok(seen[i] >= seen[i - 1]);
  assert.is(seen[seen.length - 1], 142.5);
  const wall = hal.wallClock() as number;
  bed.run(1000);
  assert.is((hal.wallClock() as number) - wall, 1000);
});

test('port send copies the frame; frames arrive through onFrame only after send returns', () => {
  const { bed, hal, pc } = rig();
  const frame = new Uint8Array(60).fill(0xff, 0, 6);
  frame[20] = 1;
  let inside = false;
  hal.ports.lan.onFrame = () => assert.not.ok(inside, 'onFrame ran inside a HAL call');
  inside = true;
  assert.ok(hal.ports.lan.send(frame));
  inside = false;
  frame[20] = 2; // reusing the buffer at once is allowed
  bed.run(5);
  assert.is(pc.frames()[0]?.frame[20], 1);
});

test('console write copies its bytes; input arrives deferred', () => {
  const { bed, hal } = rig();
  const bytes = encodeUtf8('hello');
  hal.console.write(bytes);
  bytes[0] = 0x4a;
  assert.is(bed.board.console.read(), 'hello');
  const got: string[] = [];
  hal.console.onInput = (b) => got.push(decodeUtf8(b));
  bed.board.console.type('ab');
  assert.equal(got, []);
  bed.run(1);
  assert.equal(got, ['ab']);
});

test('flash operations resolve later, never synchronously, and program copies its data', async () => {
  const { bed, hal } = rig();
  const data = new Uint8Array([0x12, 0x34]);
  let resolved = false;
  const done = hal.flash.program(8, data).then((r) => ((resolved = true), r));
  data[0] = 0; // the HAL copied it
  await Promise.resolve();
  assert.not.ok(resolved, 'resolved before any time passed');
  bed.run(10);
  assert.is(await done, SysError.OK);
  const into = new Uint8Array(2);
  const read = hal.flash.read(8, into);
  bed.run(10);
  assert.is(await read, SysError.OK);
  assert.equal(Array.from(into), [0x12, 0x34]);
  assert.is(hal.flash.eraseValue, 0xff);
  assert.is(hal.flash.isBad(0), false);
});

test('randomFill is seeded: same seed same bytes, other seed other bytes', () => {
  const draw = (seed: number): number[] => {
    const into = new Uint8Array(16);
    rig(seed).hal.randomFill(into);
    return Array.from(into);
  };
  assert.equal(draw(9), draw(9));
  assert.not.equal(draw(9), draw(10));
});

test.run();
