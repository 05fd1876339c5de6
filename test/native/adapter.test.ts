import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SysError } from '../../hal/hal';
import { createNativeHal, parseBoardText, portMac, TimerHeap, FlashOp } from '../../hal/native/adapter';
import type { NativeHandlers, NativeRuntime } from '../../hal/native/adapter';

// The adapter against a scripted stand-in for the C runtime: what the Hal promises (views valid
// during onFrame, copies on send, deferred callbacks, flash promises settling by id) holds.
const hostBoard = readFileSync(join(import.meta.dirname, '..', '..', 'board', 'host.json'), 'utf8');

class FakeNative implements NativeRuntime {
  readonly version = 1;
  board = hostBoard;
  argv: string[] = [];
  readonly memory = [new ArrayBuffer(4096), new ArrayBuffer(4096)];
  readonly ports = [
    { index: 0, name: 'lan', interface: 'lan0', mac: new Uint8Array([2, 0, 0, 0, 0, 1]).buffer, mtu: 1500, memory: this.memory[0] },
    { index: 1, name: 'wan', interface: 'wan0', mac: new Uint8Array([2, 0, 0, 0, 0, 2]).buffer, mtu: 1500, memory: this.memory[1] },
  ];
  readonly descriptors = new ArrayBuffer(64 * 8);
  flash: NativeRuntime['flash'] = { kind: 'nor', size: 65536 * 4, blockSize: 65536, programUnit: 1 };
  readonly console = { device: 'stdio', baud: 115200 };
  handlers: NativeHandlers | undefined;
  clock = 0;
  wakeAt = -1;
  sent: { port: number; frame: Uint8Array }[] = [];
  consoleOut: number[] = [];
  submitted: { op: number; id: number; offset: number; bytes?: Uint8Array }[] = [];
  submitResult = 0;
  rebooted = 0;
  logs: string[] = [];
  attach(handlers: NativeHandlers): void {
    this.handlers = handlers;
  }
  now(): number {
    return this.clock;
  }
  wallClock(): number | undefined {
    return undefined;
  }
  setWakeAt(ms: number): void {
    this.wakeAt = ms;
  }
  randomFill(into: Uint8Array): void {
    into.fill(7);
  }
  consoleWrite(bytes: Uint8Array): void {
    this.consoleOut.push(...bytes);
  }
  send(port: number, frame: Uint8Array): boolean {
    this.sent.push({ port, frame: frame.slice() });
    return true;
  }
  linkUp(): boolean {
    return true;
  }
  portStats() {
    return { rxFrames: 1, rxDropped: 0, rxRingDrops: 0, rxChecksumsCompleted: 0, txFrames: 0, txDropped: 0 };
  }
  flashSubmit(op: number, id: number, offset: number, bytes?: Uint8Array): number {
    this.submitted.push({ op, id, offset, bytes });
    return this.submitResult;
  }
  flashIsBad(block: number): boolean {
    return block === 3;
  }
  reboot(): void {
    this.rebooted++;
  }
  log(text: string): void {
    this.logs.push(text);
  }
  memoryUsed(): number {
    return 1234;
  }
  /** What the C runtime does for a batch: fill memory and descriptors, then call frames(). */
  deliver(port: number, frames: Uint8Array[]): void {
    const memory = new Uint8Array(this.memory[port]);
    const descriptors = new Uint32Array(this.descriptors);
    let at = 100;
    frames.forEach((frame, i) => {
      memory.set(frame, at);
      descriptors[2 * i] = at;
      descriptors[2 * i + 1] = frame.length;
      at += frame.length + 10;
    });
    this.handlers?.frames(port, frames.length);
  }
}

test('frames arrive as views of the runtime memory, in order, then onBatchEnd once', () => {
  const native = new FakeNative();
  const hal = createNativeHal(native);
  const seen: number[][] = [];
  const buffers = new Set<ArrayBufferLike>();
  let batchEnds = 0;
  hal.ports.wan.onFrame = (frame) => {
    seen.push([...frame]);
    buffers.add(frame.buffer);
  };
  hal.ports.wan.onBatchEnd = () => batchEnds++;
  native.deliver(1, [new Uint8Array([1, 2, 3]), new Uint8Array([4, 5]), new Uint8Array([6])]);
  assert.equal(seen, [[1, 2, 3], [4, 5], [6]]);
  assert.is(batchEnds, 1);
  assert.ok(buffers.size === 1 && buffers.has(native.memory[1]), 'frames must be views into the lent memory (no copy)');
});

test('ports carry the board MAC sources, the MTU and send through the runtime', () => {
  const native = new FakeNative();
  const hal = createNativeHal(native);
  assert.equal([...hal.ports.lan.mac], [2, 0, 0, 0, 0, 1]); // source "interface"
  assert.is(hal.ports.lan.mtu, 1500);
  assert.is(hal.ports.lan.name, 'lan');
  const frame = new Uint8Array(60).fill(9);
  assert.ok(hal.ports.lan.send(frame));
  assert.is(native.sent[0].port, 0);
  assert.equal(native.sent[0].frame, frame);
  assert.equal(
    [...portMac({ source: 'fixed', address: '02:50:42:00:00:ff', increment: 1 }, new Uint8Array(6), () => {}, 'lan')],
    [2, 0x50, 0x42, 0, 1, 0],
  );
  const logs: string[] = [];
  const fallback = portMac({ source: 'mtd', partition: 'factory', offset: 0xe006, increment: 0 }, new Uint8Array([2, 1, 1, 1, 1, 1]), (t) => logs.push(t), 'wan');
  assert.equal([...fallback], [2, 1, 1, 1, 1, 1]);
  assert.is(logs.length, 1);
});

test('the board info names the console the runtime opened (--console, --baud), not the board file\'s default', () => {
  const native = Object.assign(new FakeNative(), { console: { device: 'pty:/tmp/pb-console', baud: 57600 } });
  const hal = createNativeHal(native);
  assert.equal(hal.board.console, { device: 'pty:/tmp/pb-console', baud: 57600 });
});

test('an invalid board stops the boot with every error listed', () => {
  assert.throws(() => parseBoardText('{"name": "x"'), /not JSON/);
  const native = new FakeNative();
  native.board = JSON.stringify({ ...JSON.parse(hostBoard), arch: 'z80', memoryBudgetKiB: 1 });
  assert.throws(() => createNativeHal(native), (error: Error) => /arch/.test(error.message) && /memoryBudgetKiB/.test(error.message));
});

test('flash operations settle by id with the runtime code; refusals settle at once', async () => {
  const native = new FakeNative();
  const hal = createNativeHal(native);
  const into = new Uint8Array(8);
  const read = hal.flash.read(128, into);
  const erase = hal.flash.erase(2);
  const program = hal.flash.program(65536 * 2, new Uint8Array([1, 2]));
  assert.equal(native.submitted.map((s) => [s.op, s.offset]), [[FlashOp.READ, 128], [FlashOp.ERASE, 2], [FlashOp.PROGRAM, 131072]]);
  assert.is(native.submitted[0].bytes, into, 'the read target itself goes to the runtime (it fills it)');
  // Completions may come in any order.
  native.handlers?.flashDone(native.submitted[2].id, SysError.OK);
  native.handlers?.flashDone(native.submitted[0].id, SysError.IO);
  native.handlers?.flashDone(native.submitted[1].id, SysError.OK);
  native.handlers?.flashDone(999, SysError.OK); // unknown ids are ignored
  assert.equal(await Promise.all([read, erase, program]), [SysError.IO, SysError.OK, SysError.OK]);
  native.submitResult = SysError.INVALID;
  assert.is(await hal.flash.program(1 << 30, new Uint8Array(1)), SysError.INVALID);
  assert.is(await hal.flash.read(-1, into), SysError.INVALID);
  assert.is(await hal.flash.erase(1.5), SysError.INVALID);
  assert.ok(hal.flash.isBad(3));
  assert.not.ok(hal.flash.isBad(2));
  assert.is(hal.flash.kind, 'nor');
  assert.is(hal.flash.blockSize, 65536);
  assert.is(hal.flash.eraseValue, 0xff);
});

test('no flash: every operation fails with IO rather than pretending', async () => {
  const native = new FakeNative();
  native.flash = undefined;
  const hal = createNativeHal(native);
  assert.is(await hal.flash.read(0, new Uint8Array(1)), SysError.IO);
  assert.is(await hal.flash.erase(0), SysError.IO);
});

test('console bytes both ways; reboot, random and clock go to the runtime', () => {
  const native = new FakeNative();
  const hal = createNativeHal(native);
  const got: number[] = [];
  hal.console.onInput = (bytes) => got.push(...bytes);
  native.handlers?.consoleInput(new Uint8Array([104, 105]).buffer);
  assert.equal(got, [104, 105]);
  hal.console.write(new Uint8Array([33]));
  assert.equal(native.consoleOut, [33]);
  hal.reboot();
  assert.is(native.rebooted, 1);
  const random = new Uint8Array(4);
  hal.randomFill(random);
  assert.equal([...random], [7, 7, 7, 7]);
  native.clock = 42.5;
  assert.is(hal.now(), 42.5);
  assert.is(hal.wallClock(), undefined);
});

test('timers: deferred, in deadline order (ties in creation order), cleared ones never run, one wake-up armed', () => {
  const native = new FakeNative();
  const hal = createNativeHal(native);
  const ran: string[] = [];
  hal.setTimer(30, () => ran.push('c'));
  hal.setTimer(10, () => ran.push('a'));
  hal.setTimer(10, () => ran.push('b'));
  const cleared = hal.setTimer(5, () => ran.push('never'));
  hal.clearTimer(cleared);
  assert.equal(ran, [], 'callbacks are never invoked from inside setTimer');
  native.clock = 10;
  native.handlers?.timer();
  assert.equal(ran, ['a', 'b']);
  assert.is(native.wakeAt, 30);
  native.clock = 31;
  native.handlers?.timer();
  assert.equal(ran, ['a', 'b', 'c']);
  assert.is(native.wakeAt, -1);
});

test('timer heap: a timer set by a callback for "now" runs on the next wake-up, not in the same one', () => {
  let clock = 0;
  const arms: number[] = [];
  const heap = new TimerHeap(
    () => clock,
    (at) => arms.push(at),
  );
  const ran: number[] = [];
  heap.set(0, () => {
    ran.push(1);
    heap.set(0, () => ran.push(2));
  });
  heap.runDue();
  assert.equal(ran, [1]);
  assert.is(arms[arms.length - 1], 0);
  heap.runDue();
  assert.equal(ran, [1, 2]);
  assert.is(heap.pending(), 0);
  // Random schedules run in (deadline, creation) order.
  const order: [number, number][] = [];
  for (let i = 0; i < 200; i++) {
    const delay = (i * 7919) % 50;
    heap.set(delay, () => order.push([delay, i]));
  }
  clock = 100;
  heap.runDue();
  const sorted = order.slice().sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  assert.equal(order, sorted);
  assert.is(order.length, 200);
});

test('an exception in a timer callback still re-arms the remaining timers, then propagates (fatal in the runtime)', () => {
  let clock = 0;
  let armed = -1;
  const heap = new TimerHeap(
    () => clock,
    (at) => (armed = at),
  );
  heap.set(1, () => {
    throw new Error('boom');
  });
  heap.set(5, () => {});
  clock = 2;
  assert.throws(() => heap.runDue(), /boom/);
  assert.is(armed, 5);
});

test.run();
