import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SimBoard } from '../../hal/sim/board';
import { SimHost } from '../../hal/sim/host';
import { connect } from '../../hal/sim/link';
import { SimFlash } from '../../hal/sim/flash';
import { Scheduler } from '../../hal/sim/scheduler';
import { Rng } from '../../hal/sim/random';
import type { Hal } from '../../hal/hal';
import { SysError } from '../../hal/hal';
import { encodeUtf8, decodeUtf8 } from '../../firmware/util/text';

const simJson = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'board', 'sim.json'), 'utf8'));
const smallFlash = { ...simJson, flash: { ...simJson.flash, size: 65536 * 4 } };

/** A tiny firmware: ticks every 100 ms, echoes console input upper-cased, reflects LAN frames. */
class TickFirmware {
  ticks = 0;
  frames = 0;
  constructor(readonly hal: Hal, readonly id: number) {
    const tick = (): void => {
      this.ticks++;
      hal.setTimer(100, tick);
    };
    hal.setTimer(100, tick);
    hal.console.onInput = (bytes) => hal.console.write(encodeUtf8(`#${id}:${decodeUtf8(bytes).toUpperCase()}`));
    hal.ports.lan.onFrame = (frame) => {
      this.frames++;
      const reply = frame.slice();
      reply.set(frame.subarray(6, 12), 0);
      reply.set(hal.ports.lan.mac, 6);
      hal.ports.lan.send(reply);
    };
  }
}

test('the board builds a Hal from the JSON: MACs, MTU, clock, board info, timers', () => {
  const board = new SimBoard<TickFirmware>({ seed: 1, board: smallFlash });
  let n = 0;
  const fw = board.start((hal) => new TickFirmware(hal, ++n));
  assert.is(fw.hal.board.name, 'sim');
  assert.equal(Array.from(fw.hal.ports.lan.mac), [2, 0x50, 0x42, 0, 0, 1]);
  assert.is(fw.hal.ports.wan.mtu, 1500);
  assert.is(fw.hal.flash.size, 65536 * 4);
  assert.is(fw.hal.wallClock(), 1767225600000);
  board.scheduler.runFor(1000);
  assert.is(fw.ticks, 10);
  assert.is(fw.hal.now(), 1000);
  const id = fw.hal.setTimer(5, () => assert.unreachable('cleared timer ran'));
  fw.hal.clearTimer(id);
  board.scheduler.runFor(10);
});

test('console: typed bytes reach the firmware at line rate; output is read back', () => {
  const board = new SimBoard<TickFirmware>({ seed: 1, board: smallFlash });
  board.start((hal) => new TickFirmware(hal, 1));
  board.console.type('show');
  board.scheduler.runFor(0.1); // 4 bytes at 115200 baud take ~0.35 ms
  assert.is(board.console.read(), '');
  board.scheduler.runFor(1);
  assert.is(board.console.read(), '#1:SHOW');
  assert.is(board.console.read(), '');
  const chunks: string[] = [];
  board.console.onOutput = (bytes) => chunks.push(decodeUtf8(bytes));
  board.console.type('é');
  board.scheduler.runFor(1);
  assert.equal(chunks, ['#1:É']);
});

test('power cut: stale timers, frames and console input of the old instance do nothing; flash keeps its bytes', async () => {
  const board = new SimBoard<TickFirmware>({ seed: 2, board: smallFlash });
  const host = new SimHost(board.scheduler, { name: 'pc', mac: '02:00:00:00:00:99', ip: '192.168.8.10' });
  connect(board.scheduler, board.rng, host, board.ports.lan, { name: 'lan', conditions: { latencyMs: 1 } });
  let n = 0;
  const first = board.start((hal) => new TickFirmware(hal, ++n));
  // Write a record to flash and let it complete.
  const program = first.hal.flash.program(0, new Uint8Array([1, 2, 3, 4]));
  board.scheduler.runFor(50);
  assert.is(await program, SysError.OK);
  // Things in flight at the cut: a frame on the wire, console input, a timer, a slow erase.
  host.send(new Uint8Array(60).fill(0xff, 0, 6));
  board.console.type('x'.repeat(100)); // 100 bytes take 8.7 ms at 115200 baud
  let eraseResult: number | undefined;
  first.hal.flash.erase(1).then((r) => (eraseResult = r));
  board.scheduler.runFor(0.5);
  const ticksAtCut = first.ticks;
  board.powerCut();
  board.scheduler.runFor(5000);
  assert.is(first.ticks, ticksAtCut);
  assert.is(first.frames, 0);
  assert.is(eraseResult, undefined, 'a cut erase never completes');
  assert.is(board.console.read(), '');
  assert.is(board.console.stats.droppedIn, 100);
  assert.is(board.ports.lan.stats.rxDropped, 1);
  assert.not.ok(first.hal.ports.lan.send(new Uint8Array(60)), 'a dead instance cannot send');
  // Power on: a new instance over the same flash bytes, clock from zero.
  const second = board.powerOn();
  assert.is(second.id, 2);
  assert.is(second.hal.now(), 0);
  const into = new Uint8Array(4);
  const read = second.hal.flash.read(0, into);
  board.scheduler.runFor(10);
  assert.is(await read, SysError.OK);
  assert.equal(Array.from(into), [1, 2, 3, 4]);
  const hello = new Uint8Array(60).fill(0xff, 0, 6);
  hello.set(host.mac, 6);
  host.send(hello);
  board.scheduler.runFor(300);
  assert.is(second.frames, 1);
  assert.is(host.frames().length, 1, 'the new instance answered');
  assert.ok(second.ticks >= 2);
  // The old instance's timer id cannot cancel the new instance's events.
  first.hal.clearTimer(1);
  assert.is(board.bootCount(), 2);
});

test('firmware reboot() power-cycles the board and boots a new instance via the factory', () => {
  const board = new SimBoard<TickFirmware>({ seed: 3, board: smallFlash, rebootDelayMs: 20 });
  let n = 0;
  const booted: number[] = [];
  board.onBoot = (fw) => booted.push(fw.id);
  const first = board.start((hal) => new TickFirmware(hal, ++n));
  board.scheduler.runFor(250);
  first.hal.reboot();
  assert.ok(board.isPowered(), 'reboot is deferred, never inside the call');
  board.scheduler.runFor(1);
  assert.not.ok(board.isPowered());
  board.scheduler.runFor(30);
  assert.equal(booted, [1, 2]);
  assert.is(board.current()?.id, 2);
  const ticks = first.ticks;
  board.scheduler.runFor(1000);
  assert.is(first.ticks, ticks);
});

test('a cut armed inside the flash takes the whole board down at that operation', async () => {
  const scheduler = new Scheduler();
  const flash = new SimFlash(scheduler, new Rng(1), { kind: 'nor', size: 65536 * 4, blockSize: 65536, programUnit: 1 });
  const board = new SimBoard<TickFirmware>({ seed: 4, board: smallFlash, scheduler, flash });
  const fw = board.start((hal) => new TickFirmware(hal, 1));
  flash.cutAfter(2);
  void fw.hal.flash.program(0, new Uint8Array(16));
  void fw.hal.flash.program(16, new Uint8Array(16).fill(0x0f));
  scheduler.runFor(100);
  assert.not.ok(board.isPowered());
  assert.is.not(board.flash(), flash, 'the next instance gets a fresh flash over the same medium');
  const second = board.powerOn();
  const into = new Uint8Array(16);
  const read = second.hal.flash.read(0, into);
  scheduler.runFor(10);
  assert.is(await read, SysError.OK);
  assert.equal(Array.from(into), new Array(16).fill(0), 'the first program completed before the cut');
});

test('unplugging a cable: link down reported to the firmware, sends refused and counted', () => {
  const board = new SimBoard<TickFirmware>({ seed: 5, board: smallFlash });
  const host = new SimHost(board.scheduler, { name: 'pc', mac: '02:00:00:00:00:98' });
  connect(board.scheduler, board.rng, host, board.ports.lan, { name: 'lan' });
  const fw = board.start((hal) => new TickFirmware(hal, 1));
  const changes: boolean[] = [];
  fw.hal.ports.lan.onLinkChange = (up) => changes.push(up);
  assert.ok(fw.hal.ports.lan.linkUp());
  assert.not.ok(fw.hal.ports.wan.linkUp(), 'nothing is plugged into the WAN port');
  board.ports.lan.unplug();
  assert.equal(changes, [], 'callbacks are deferred');
  board.scheduler.runFor(1);
  assert.equal(changes, [false]);
  assert.not.ok(fw.hal.ports.lan.send(new Uint8Array(60)));
  assert.is(board.ports.lan.stats.txDropped, 1);
  connect(board.scheduler, board.rng, host, board.ports.lan, { name: 'lan2' });
  board.scheduler.runFor(1);
  assert.equal(changes, [false, true]);
  assert.not.ok(fw.hal.ports.lan.send(new Uint8Array(10)), 'a runt is refused');
  assert.not.ok(fw.hal.ports.lan.send(new Uint8Array(1519)), 'so is a frame above MTU + 18');
  assert.ok(fw.hal.ports.lan.send(new Uint8Array(1518)));
});

test('invalid board JSON is refused with the field named', () => {
  assert.throws(() => new SimBoard({ seed: 1, board: { ...simJson, console: { device: 'sim' } } }), /board\.console\.baud/);
});

test.run();
