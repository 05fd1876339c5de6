import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SimBoard } from '../../hal/sim/board';
import { SimHost } from '../../hal/sim/host';
import { connect } from '../../hal/sim/link';
import { Reactor } from '../../firmware/reactor';
import type { Service } from '../../firmware/stack/service';
import type { Hal } from '../../hal/hal';

const simJson = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'board', 'sim.json'), 'utf8'));

/** A service with a list of deadlines; records the `now` of each dispatch. */
class Deadlines implements Service {
  dispatched: number[] = [];
  constructor(readonly name: string, public deadlines: number[]) {}
  pollAt(): number | undefined {
    return this.deadlines.length > 0 ? Math.min(...this.deadlines) : undefined;
  }
  dispatch(now: number): void {
    this.dispatched.push(now);
    this.deadlines = this.deadlines.filter((d) => d > now);
  }
}

function boardWithReactor(): { board: SimBoard<{ hal: Hal; reactor: Reactor }>; hal: Hal; reactor: Reactor; timers: () => number } {
  const board = new SimBoard<{ hal: Hal; reactor: Reactor }>({ seed: 1, board: simJson });
  let armed = 0;
  const fw = board.start((raw) => {
    // Count live timers so the test can check ONE timer is kept armed.
    const hal: Hal = {
      ...raw,
      setTimer: (delay, cb) => {
        armed++;
        return raw.setTimer(delay, () => {
          armed--;
          cb();
        });
      },
      clearTimer: (id) => {
        armed--;
        raw.clearTimer(id);
      },
    };
    return { hal, reactor: new Reactor(hal) };
  });
  return { board, hal: fw.hal, reactor: fw.reactor, timers: () => armed };
}

test('dispatches each service exactly at its pollAt, with one timer armed', () => {
  const { board, reactor, timers } = boardWithReactor();
  const a = new Deadlines('a', [10, 30, 30.5]);
  const b = new Deadlines('b', [20, 30]);
  reactor.add(a);
  reactor.add(b);
  assert.is(timers(), 1);
  board.scheduler.runFor(100);
  assert.equal(a.dispatched, [10, 30, 30.5]);
  assert.equal(b.dispatched, [20, 30]);
  assert.is(timers(), 0, 'idle services: no timer left armed');
});

test('reschedule() picks up a service that became due sooner; remove() stops it', () => {
  const { board, reactor, timers } = boardWithReactor();
  const a = new Deadlines('a', [1000]);
  reactor.add(a);
  board.scheduler.runFor(100);
  a.deadlines.push(150); // an asynchronous event (a flash completion) made work due sooner
  reactor.reschedule();
  assert.is(timers(), 1);
  board.scheduler.runFor(100);
  assert.equal(a.dispatched, [150]);
  reactor.remove(a);
  board.scheduler.runFor(2000);
  assert.equal(a.dispatched, [150]);
  assert.is(timers(), 0);
});

test('after a frame batch the reactor re-evaluates, chaining the onBatchEnd set before it', () => {
  const board = new SimBoard<{ reactor: Reactor; order: string[]; svc: Deadlines }>({ seed: 1, board: simJson });
  const host = new SimHost(board.scheduler, { name: 'h', mac: '02:00:00:00:00:10' });
  connect(board.scheduler, board.rng, host, board.ports.lan, { name: 'lan' });
  const fw = board.start((hal) => {
    const order: string[] = [];
    const svc = new Deadlines('svc', []);
    // What a stack does: handle frames, flush at batch end.
    hal.ports.lan.onFrame = () => {
      order.push('frame');
      svc.deadlines.push(hal.now()); // work due now, without calling reschedule
    };
    hal.ports.lan.onBatchEnd = () => order.push('stack-batch-end');
    const reactor = new Reactor(hal);
    reactor.add(svc);
    return { reactor, order, svc };
  });
  const frame = new Uint8Array(60).fill(0xff, 0, 6);
  host.send(frame);
  host.send(frame);
  board.scheduler.runFor(10);
  assert.equal(fw.order, ['frame', 'frame', 'stack-batch-end'], 'two frames arriving together form one batch');
  assert.is(fw.svc.dispatched.length, 1);
});

test('a service that throws is reported and the others keep running; a spinning service is throttled', () => {
  const { board, hal, timers } = boardWithReactor();
  const errors: string[] = [];
  const reactor2 = new Reactor(hal, { onServiceError: (s, e) => errors.push(`${s.name}: ${(e as Error).message}`) });
  const bad: Service = { name: 'bad', pollAt: () => 5, dispatch: () => { throw new Error('boom'); } };
  const good = new Deadlines('good', [10]);
  reactor2.add(bad);
  reactor2.add(good);
  board.scheduler.runFor(20, 10_000);
  assert.equal(good.dispatched, [10]);
  assert.ok(errors.length > 0 && errors[0] === 'bad: boom');
  // `bad` is always due: without throttling virtual time would never advance past 5.
  assert.ok(reactor2.counters()['reactor.throttled'] > 0);
  reactor2.stop();
  assert.ok(timers() <= 1);
});

test.run();
