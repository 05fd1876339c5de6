import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { Scheduler } from '../../hal/sim/scheduler';
import { Rng } from '../../hal/sim/random';

test('events run in time order, ties in scheduling order, and the clock jumps to each', () => {
  const s = new Scheduler();
  const seen: string[] = [];
  s.at(30, () => seen.push(`c@${s.now()}`));
  s.at(10, () => seen.push(`a@${s.now()}`));
  s.at(10, () => seen.push(`b@${s.now()}`));
  s.after(20, () => {
    seen.push(`d@${s.now()}`);
    s.after(0, () => seen.push(`e@${s.now()}`)); // scheduled during a run, same instant: after d
  });
  s.runUntil(100);
  assert.equal(seen, ['a@10', 'b@10', 'd@20', 'e@20', 'c@30']);
  assert.is(s.now(), 100);
});

test('cancelled events never run; the past is clamped to now', () => {
  const s = new Scheduler();
  let ran = 0;
  const id = s.at(5, () => ran++);
  s.cancel(id);
  s.runFor(10);
  assert.is(ran, 0);
  s.at(1, () => assert.is(s.now(), 10));
  s.runFor(1);
  assert.is(s.pending(), 0);
  // Cancelling an event that already ran (a stale timer id) changes nothing.
  let later = 0;
  s.cancel(id);
  s.cancel(999);
  s.after(5, () => later++);
  assert.is(s.pending(), 1);
  s.runFor(10);
  assert.is(later, 1);
  assert.is(s.pending(), 0);
});

test('runUntilTrue stops as soon as the condition holds, or at the virtual timeout', () => {
  const s = new Scheduler();
  let count = 0;
  const tick = (): void => {
    count++;
    s.after(100, tick);
  };
  tick();
  assert.ok(s.runUntilTrue(() => count >= 5, 10_000));
  assert.is(s.now(), 400);
  assert.not.ok(s.runUntilTrue(() => count >= 1000, 1000));
  assert.is(s.now(), 1400);
});

test('property: any interleaving of at/after/cancel runs in (time, order) order', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 50 }), fc.boolean()), { maxLength: 200 }), (plan) => {
      const s = new Scheduler();
      const ran: [number, number][] = [];
      plan.forEach(([time, cancel], i) => {
        const id = s.at(time, () => ran.push([s.now(), i]));
        if (cancel) s.cancel(id);
      });
      s.runUntil(100);
      const expected = plan.map(([time, cancel], i) => ({ time, cancel, i })).filter((e) => !e.cancel).sort((a, b) => a.time - b.time || a.i - b.i);
      assert.equal(ran, expected.map((e) => [e.time, e.i]));
    }),
    { seed: 11, numRuns: 300 },
  );
});

test('the same seed gives the same random stream; different seeds differ', () => {
  const a = new Rng(42);
  const b = new Rng(42);
  const c = new Rng(43);
  const take = (r: Rng): number[] => Array.from({ length: 16 }, () => r.nextU32());
  const sa = take(a);
  assert.equal(sa, take(b));
  assert.not.equal(sa, take(c));
  // Roughly uniform: 10,000 draws into 10 buckets, each within 20% of 1,000.
  const r = new Rng(7);
  const buckets = new Array(10).fill(0);
  for (let i = 0; i < 10_000; i++) buckets[r.int(10)]++;
  for (const n of buckets) assert.ok(n > 800 && n < 1200, `bucket ${n}`);
});

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

test('async run: promise continuations run at the virtual instant that resolved them', async () => {
  const s = new Scheduler();
  // An "operation" completes through the scheduler; the awaiting code then starts the next one.
  const op = (ms: number): Promise<number> => new Promise((resolve) => s.after(ms, () => resolve(s.now())));
  const seen: number[] = [];
  let finished = false;
  void (async () => {
    for (let i = 0; i < 5; i++) seen.push(await op(10));
    finished = true;
  })();
  await s.runForAsync(1000, tick);
  assert.ok(finished);
  assert.equal(seen, [10, 20, 30, 40, 50], 'each await continues at its completion time, not at the end of the run');
  assert.is(s.now(), 1000);
});

test('async runUntilTrue: waits through chains of awaits and stops as soon as the condition holds', async () => {
  const s = new Scheduler();
  let done = false;
  void (async () => {
    await Promise.resolve();
    await new Promise<void>((resolve) => s.after(25, resolve));
    await Promise.resolve();
    done = true;
  })();
  assert.ok(await s.runUntilTrueAsync(() => done, 100, tick));
  assert.is(s.now(), 25);
  assert.not.ok(await s.runUntilTrueAsync(() => false, 100, tick));
  assert.is(s.now(), 125);
});

test.run();
