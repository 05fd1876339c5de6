import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Scheduler } from '../../hal/sim/scheduler';
import { Rng } from '../../hal/sim/random';
import { connect } from '../../hal/sim/link';
import { LearningSwitch } from '../../hal/sim/switch';
import type { FrameReceiver, LinkEnd, Pluggable } from '../../hal/sim/link';

/** A station that records what it receives. */
class Station implements Pluggable, FrameReceiver {
  end!: LinkEnd;
  got: Uint8Array[] = [];
  constructor(readonly mac: number) {}
  plug(end: LinkEnd): void {
    this.end = end;
    end.connect(this);
  }
  receiveFrame(frame: Uint8Array): void {
    this.got.push(frame);
  }
  sendTo(dst: number | 'broadcast', tag = 0): void {
    const frame = new Uint8Array(60);
    if (dst === 'broadcast') frame.fill(0xff, 0, 6);
    else frame.set([2, 0, 0, 0, 0, dst], 0);
    frame.set([2, 0, 0, 0, 0, this.mac], 6);
    frame[14] = tag;
    this.end.send(frame);
  }
}

function setup(count: number, options = {}) {
  const scheduler = new Scheduler();
  const rng = new Rng(3);
  const sw = new LearningSwitch(scheduler, options);
  const stations = Array.from({ length: count }, (_, i) => new Station(i + 1));
  stations.forEach((s, i) => connect(scheduler, rng, s, sw.newPort(), { name: `p${i}` }));
  return { scheduler, sw, stations };
}

test('unknown unicast floods, then the switch learns and forwards to one port only', () => {
  const { scheduler, sw, stations } = setup(4);
  const [a, b, c, d] = stations;
  a.sendTo(2); // b is unknown yet: everyone but a gets it
  scheduler.runFor(1);
  assert.equal([a.got.length, b.got.length, c.got.length, d.got.length], [0, 1, 1, 1]);
  b.sendTo(1); // a was learned from its first frame: only a gets this
  scheduler.runFor(1);
  assert.equal([a.got.length, b.got.length, c.got.length, d.got.length], [1, 1, 1, 1]);
  a.sendTo(2); // b is learned now
  scheduler.runFor(1);
  assert.equal([a.got.length, b.got.length, c.got.length, d.got.length], [1, 2, 1, 1]);
  assert.is(sw.stats.flooded, 1);
  assert.is(sw.stats.forwarded, 2);
  assert.is(sw.portOf(new Uint8Array([2, 0, 0, 0, 0, 1])), 0);
});

test('broadcast reaches every other port; multicast sources are never learned', () => {
  const { scheduler, sw, stations } = setup(3);
  stations[2].sendTo('broadcast', 7);
  scheduler.runFor(1);
  assert.equal(stations.map((s) => s.got.length), [1, 1, 0]);
  assert.is(stations[0].got[0][14], 7);
  const bogus = new Uint8Array(60);
  bogus.fill(0xff, 0, 6);
  bogus.set([1, 0, 0x5e, 0, 0, 1], 6); // multicast source: invalid, must not be learned
  stations[0].end.send(bogus);
  scheduler.runFor(1);
  assert.is(sw.tableSize(), 1);
});

test('entries age out and the table is bounded (least recently seen goes)', () => {
  const { scheduler, sw, stations } = setup(4, { agingMs: 1000, capacity: 2 });
  const [a, b, c] = stations;
  a.sendTo('broadcast');
  b.sendTo('broadcast');
  scheduler.runFor(1);
  assert.is(sw.tableSize(), 2);
  c.sendTo('broadcast'); // evicts a
  scheduler.runFor(1);
  assert.is(sw.stats.evictions, 1);
  assert.is(sw.portOf(new Uint8Array([2, 0, 0, 0, 0, 1])), undefined);
  assert.is(sw.portOf(new Uint8Array([2, 0, 0, 0, 0, 3])), 2);
  scheduler.runFor(2000);
  assert.is(sw.portOf(new Uint8Array([2, 0, 0, 0, 0, 3])), undefined);
});

test('frames to a MAC on the ingress port are filtered; runts are dropped and counted', () => {
  const { scheduler, sw, stations } = setup(2);
  stations[0].sendTo('broadcast');
  scheduler.runFor(1);
  stations[0].sendTo(1); // to itself: learned on its own port
  stations[0].end.send(new Uint8Array(10));
  scheduler.runFor(1);
  assert.is(sw.stats.filtered, 1);
  assert.is(sw.stats.runts, 1);
  assert.is(stations[1].got.length, 1);
});

test.run();
