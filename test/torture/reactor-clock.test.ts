// Found by the office soak: after a reload at a fractional instant, the simulated board's clock
// (virtual time minus the boot instant) cannot land exactly on a deadline a few ULPs ahead, so a
// timer armed for it fired "before" it forever and the reactor re-armed at the same instant without
// end (the week-long soak stalled on day one). A deadline within a microsecond of now is due.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SimBoard } from '../../hal/sim/board';
import { Reactor } from '../../firmware/reactor';
import type { Service } from '../../firmware/stack/service';
import type { Hal } from '../../hal/hal';
import simBoardJson from '../../board/sim.json';

/** The next double above `x`. */
function nextUp(x: number): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  view.setBigUint64(0, view.getBigUint64(0) + 1n);
  return view.getFloat64(0);
}

class OneDeadline implements Service {
  readonly name = 'one-deadline';
  dispatchedAt: number | undefined;
  constructor(public deadline: number | undefined) {}
  pollAt(): number | undefined {
    return this.deadline;
  }
  dispatch(now: number): void {
    if (this.deadline !== undefined && this.deadline <= now) {
      this.dispatchedAt = now;
      this.deadline = undefined;
    }
  }
}

test('a deadline one ULP ahead of a rebooted clock is dispatched, and virtual time moves on', () => {
  const board = new SimBoard<{ hal: Hal; reactor: Reactor }>({ seed: 1, board: simBoardJson, rebootDelayMs: 0 });
  board.start((hal) => ({ hal, reactor: new Reactor(hal) }));
  // The instants the soak hit: a reload at 10,821,060.94... ms, the deadline at 67,221,397.85... ms.
  board.scheduler.runUntil(10_821_060.94382222);
  board.powerCut();
  board.powerOn();
  board.scheduler.runUntil(67_221_397.85656205);
  const { hal, reactor } = board.current()!;
  const service = new OneDeadline(nextUp(hal.now()));
  reactor.add(service);
  const before = board.scheduler.now();
  board.scheduler.runUntil(before + 5, 100_000);
  assert.ok(service.dispatchedAt !== undefined, 'the deadline was dispatched');
  assert.ok(board.scheduler.now() >= before + 5, `virtual time stuck at ${board.scheduler.now()}`);
});

test.run();
