import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Scheduler } from '../../hal/sim/scheduler';
import { Rng } from '../../hal/sim/random';
import { Link } from '../../hal/sim/link';
import type { LinkConditions } from '../../hal/sim/link';

/** Send `count` numbered frames a->b, 1 ms apart; return the sequence numbers in arrival order. */
function run(seed: number, conditions: Partial<LinkConditions>, count: number): { arrivals: number[]; arrivalTimes: number[]; link: Link } {
  const scheduler = new Scheduler();
  const link = new Link(scheduler, new Rng(seed), { name: 'l', conditions });
  const arrivals: number[] = [];
  const arrivalTimes: number[] = [];
  link.b.connect({ receiveFrame: (f) => (arrivals.push((f[14] << 8) | f[15]), arrivalTimes.push(scheduler.now())) });
  const frame = new Uint8Array(64);
  for (let i = 0; i < count; i++) {
    scheduler.at(i, () => {
      frame[14] = i >> 8;
      frame[15] = i & 0xff;
      link.a.send(frame); // the same buffer every time: the link must copy
    });
  }
  scheduler.runUntil(count + 10_000);
  return { arrivals, arrivalTimes, link };
}

test('a perfect link delivers every frame, in order, after its latency, as a copy', () => {
  const { arrivals, arrivalTimes, link } = run(1, { latencyMs: 2 }, 100);
  assert.equal(arrivals, Array.from({ length: 100 }, (_, i) => i));
  assert.equal(arrivalTimes.slice(0, 3), [2, 3, 4]);
  assert.is(link.stats('ab').delivered, 100);
});

test('loss, duplication and reordering follow their probabilities (seeded, 20,000 frames)', () => {
  const n = 20_000;
  const { arrivals, link } = run(5, { loss: 0.1, duplicate: 0.05, reorder: 0.1, reorderDelayMs: 5 }, n);
  const stats = link.stats('ab');
  const near = (value: number, expected: number, tolerance: number): void =>
    assert.ok(Math.abs(value - expected) <= tolerance, `${value} not within ${tolerance} of ${expected}`);
  near(stats.lost / n, 0.1, 0.01);
  near(stats.duplicated / (n - stats.lost), 0.05, 0.01);
  near(stats.reordered / (n - stats.lost), 0.1, 0.01);
  assert.is(arrivals.length, n - stats.lost + stats.duplicated);
  const distinct = new Set(arrivals);
  assert.is(distinct.size, n - stats.lost);
  let outOfOrder = 0;
  for (let i = 1; i < arrivals.length; i++) if (arrivals[i] < arrivals[i - 1]) outOfOrder++;
  assert.ok(outOfOrder > n * 0.05, `only ${outOfOrder} frames arrived out of order`);
});

test('jitter alone never reorders', () => {
  const { arrivals } = run(9, { latencyMs: 1, jitterMs: 5 }, 2000);
  for (let i = 1; i < arrivals.length; i++) assert.ok(arrivals[i] > arrivals[i - 1]);
});

test('a line rate serialises frames and a full queue drops (counted)', () => {
  const scheduler = new Scheduler();
  // 10 Mb/s: a 64-byte frame (+24 overhead) takes 70.4 us; queue of 1,000 bytes holds ~11 frames.
  const link = new Link(scheduler, new Rng(1), { name: 'slow', conditions: { latencyMs: 0, bitsPerSecond: 10_000_000, queueBytes: 1000 } });
  const times: number[] = [];
  link.b.connect({ receiveFrame: () => times.push(scheduler.now()) });
  let refused = 0;
  for (let i = 0; i < 50; i++) if (!link.a.send(new Uint8Array(64))) refused++;
  scheduler.runFor(100);
  assert.ok(Math.abs(times[0] - 0.0704) < 1e-9);
  assert.ok(Math.abs(times[1] - times[0] - 0.0704) < 1e-9);
  assert.ok(refused > 30 && refused < 45, `refused ${refused}`);
  assert.is(link.stats('ab').queueDrops, refused);
  assert.is(times.length, 50 - refused);
});

test('the two directions are independent; bad conditions are refused', () => {
  const scheduler = new Scheduler();
  const link = new Link(scheduler, new Rng(1), { name: 'x', conditions: { latencyMs: 1 }, conditionsBA: { latencyMs: 7 } });
  const got: string[] = [];
  link.a.connect({ receiveFrame: () => got.push(`a@${scheduler.now()}`) });
  link.b.connect({ receiveFrame: () => got.push(`b@${scheduler.now()}`) });
  link.a.send(new Uint8Array(60));
  link.b.send(new Uint8Array(60));
  scheduler.runFor(10);
  assert.equal(got, ['b@1', 'a@7']);
  assert.throws(() => new Link(scheduler, new Rng(1), { name: 'bad', conditions: { loss: 1.5 } }), /loss/);
  assert.throws(() => link.setConditions({ latencyMs: -1 }), /latencyMs/);
  link.a.connect(undefined);
  link.b.send(new Uint8Array(60));
  scheduler.runFor(10);
  assert.is(link.stats('ba').unplugged, 1);
});

test.run();
