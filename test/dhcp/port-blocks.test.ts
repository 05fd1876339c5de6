// Port blocks: RFC 7597 arithmetic with offset 0, buddy allocation of mixed sizes (disjoint,
// aligned, never touching 0-1023 or reserved ports), persistence per owner, quarantine, and
// reuse only when no never-used block is left.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { PortBlockAllocator, portBlock } from '../../firmware/dhcp/port-blocks';
import { MessageType } from '../../firmware/wire/dhcp';
import { Harness, testConfig } from './harness';
import { TestClient, macOf } from './client';

const Q = 120_000;

test('blocks are aligned, sized 2^(16-k), and never touch 0-1023', () => {
  const blocks = new PortBlockAllocator([], Q);
  const first = blocks.acquire('a', 10, 0)!.holding.block;
  assert.equal(first, { first: 1024, last: 1087, psidLength: 10, psid: 16 }, 'the RFC 7618 worked example block');
  const big = blocks.acquire('b', 6, 0)!.holding.block; // 1024 ports
  assert.is(big.first % 1024, 0);
  assert.ok(big.first >= 1024);
  assert.equal(portBlock(9, 511), { first: 65408, last: 65535, psidLength: 9, psid: 511 });
});

test('buddy allocation: mixed sizes stay disjoint and small blocks fill split regions first', () => {
  const blocks = new PortBlockAllocator([{ first: 1024, last: 16383 }], Q);
  const a = blocks.acquire('a', 10, 0)!.holding.block; // 64 ports
  const b = blocks.acquire('b', 9, 0)!.holding.block; // 128 ports
  const c = blocks.acquire('c', 10, 0)!.holding.block; // 64: a's buddy
  assert.equal([a.first, a.last], [16384, 16447]);
  assert.equal([c.first, c.last], [16448, 16511], 'the free buddy of a is used before splitting more');
  assert.equal([b.first, b.last], [16512, 16639]);
});

test('property: any sequence of acquires gives disjoint blocks outside the excluded ports', () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 4, max: 12 }), { minLength: 1, maxLength: 300 }), (sizes) => {
      const blocks = new PortBlockAllocator([{ first: 5000, last: 5100 }], Q);
      const taken: [number, number][] = [];
      sizes.forEach((k, i) => {
        const result = blocks.acquire(`o${i}`, k, 0);
        if (!result) return;
        blocks.activate(`o${i}`);
        const { first, last, psid, psidLength } = result.holding.block;
        assert.is(last - first + 1, 2 ** (16 - psidLength));
        assert.is(first, psid * 2 ** (16 - psidLength));
        assert.ok(first > 1023, 'never 0-1023');
        assert.ok(last < 5000 || first > 5100, 'never the reserved ports');
        for (const [f, l] of taken) assert.ok(last < f || first > l, 'disjoint');
        taken.push([first, last]);
        assert.is(blocks.holderOfPort(first)!.owner, `o${i}`);
        assert.is(blocks.holderOfPort(last)!.owner, `o${i}`);
      });
    }),
    { numRuns: 200, seed: 42 },
  );
});

test('an owner keeps its block; an ended block is not reused within its quarantine', () => {
  // Room for exactly two 64-port blocks: 65408-65471 and 65472-65535.
  const blocks = new PortBlockAllocator([{ first: 1024, last: 65407 }], Q);
  const a = blocks.acquire('a', 10, 0)!.holding.block;
  blocks.activate('a');
  blocks.end('a', 1000);
  // 'a' comes back: same block, even after its lease ended.
  assert.is(blocks.acquire('a', 10, 5000)!.holding.block, a);
  blocks.activate('a');
  const b = blocks.acquire('b', 10, 5000)!.holding.block;
  blocks.activate('b');
  assert.not.equal(b, a);
  blocks.end('a', 10_000);
  // No never-used block left; a's block is in quarantine until 10 000 + 120 000.
  assert.is(blocks.acquire('c', 10, 129_999), undefined);
  const reused = blocks.acquire('c', 10, 130_000)!;
  assert.equal(reused.holding.block, a);
  assert.equal(reused.evicted, ['a']);
  assert.is(blocks.holding('a'), undefined);
});

test('a never-used block is preferred to a quarantine-expired one', () => {
  const blocks = new PortBlockAllocator([{ first: 1024, last: 65343 }], Q); // three blocks free
  const a = blocks.acquire('a', 10, 0)!.holding.block;
  blocks.activate('a');
  blocks.end('a', 0);
  const b = blocks.acquire('b', 10, 1_000_000)!;
  assert.not.equal(b.holding.block, a);
  assert.equal(b.evicted, []);
  assert.is(blocks.neverUsedBlocks(10), 1);
});

test('an offered block that is never bound goes straight back (not burnt by spoofed DISCOVERs)', () => {
  const blocks = new PortBlockAllocator([], Q);
  const before = blocks.neverUsedBlocks(10);
  const offered = blocks.acquire('x', 10, 0)!.holding.block;
  blocks.end('x', 10);
  assert.is(blocks.neverUsedBlocks(10), before);
  assert.equal(blocks.acquire('y', 10, 20)!.holding.block, offered);
});

test('server: no block reuse within quarantine; no block -> lease without a range and a log line', () => {
  const h = new Harness(testConfig({ reservedPorts: [{ first: 1024, last: 65471 }], leaseTime: 600 }));
  h.dispatch(3000);
  const a = new TestClient(macOf(1), { vendorClass: 'yealink' });
  const offerA = h.send(a.discover(), 3000)[0].reply;
  const ackA = h.send(a.select(offerA), 3000)[0].reply;
  assert.equal(ackA.portParams, { offset: 0, psidLength: 10, psid: 1023 });
  const b = new TestClient(macOf(2), { vendorClass: 'yealink' });
  const offerB = h.send(b.discover(), 4000)[0].reply;
  assert.is(offerB.type, MessageType.OFFER);
  assert.not.ok(offerB.hasPortParams, 'only one block exists');
  assert.ok(h.logs.some((line) => /no 64-port block free .*lease without a port range/.test(line)));
  // A's lease expires at 603 000; the block is quarantined until 723 000.
  h.dispatch(603_000);
  const c = new TestClient(macOf(3), { vendorClass: 'yealink' });
  assert.not.ok(h.send(c.discover(), 722_999)[0].reply.hasPortParams);
  const offerC = h.send(new TestClient(macOf(4), { vendorClass: 'yealink' }).discover(), 723_000)[0].reply;
  assert.equal(offerC.portParams, { offset: 0, psidLength: 10, psid: 1023 });
});

test.run();
