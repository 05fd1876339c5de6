// Property tests of the building blocks: incremental rewrites equal from-scratch checksums, and the
// typed-array hash tables agree with a plain Map model under random insert/delete sequences.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { U32Map } from '../../firmware/nappt/u32Map';
import { NaptTable, NO_MAPPING } from '../../firmware/nappt/naptTable';
import { rewriteAddress, rewritePort, decrementTtl, clampMss } from '../../firmware/nappt/rewrite';
import { checksumProblems, ipv4Frame, tcpSegment, udpSegment } from './harness';

test('rewriting addresses, ports and TTL incrementally leaves every checksum equal to a from-scratch one', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 0xffffffff }),
      fc.integer({ min: 0, max: 65535 }), fc.integer({ min: 0, max: 65535 }), fc.integer({ min: 0, max: 65535 }),
      fc.uint8Array({ maxLength: 64 }), fc.boolean(), fc.boolean(), fc.integer({ min: 2, max: 255 }),
      (src, dst, next, sport, dport, nextPort, data, tcp, zero, ttl) => {
        const transport = tcp ? tcpSegment(src, dst, sport, dport, 0x10, [], data) : udpSegment(src, dst, sport, dport, data, zero);
        const frame = ipv4Frame({ src, dst, protocol: tcp ? 6 : 17, ttl, transport });
        const checksumAt = 34 + (tcp ? 16 : 6);
        rewriteAddress(frame, 14, 26, next, checksumAt, !tcp);
        rewritePort(frame, 34, nextPort, checksumAt, !tcp);
        rewriteAddress(frame, 14, 30, src, checksumAt, !tcp);
        decrementTtl(frame, 14);
        assert.equal(checksumProblems(frame), []);
        if (!tcp && zero) assert.is(frame[40] | frame[41], 0);
        assert.is(frame[22], ttl - 1);
      },
    ),
    { numRuns: 3000, seed: 42 },
  );
});

test('MSS clamping at any alignment keeps the TCP checksum valid and never reads past the options', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 65535 }), fc.integer({ min: 536, max: 1460 }), (nops, mss, limit) => {
      const options = [...new Array(nops).fill(1), 2, 4, mss >> 8, mss & 0xff];
      const frame = ipv4Frame({ src: 1, dst: 2, protocol: 6, transport: tcpSegment(1, 2, 3, 4, 2, options) });
      const changed = clampMss(frame, 34, frame.length, limit, 50);
      assert.is(changed, mss > limit);
      const at = 54 + nops + 2;
      assert.is((frame[at] << 8) | frame[at + 1], Math.min(mss, limit));
      assert.equal(checksumProblems(frame), []);
    }),
    { numRuns: 2000, seed: 7 },
  );
});

test('U32Map agrees with Map under random set/delete', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 1000 })), { maxLength: 300 }), (ops) => {
      const map = new U32Map(64);
      const model = new Map<number, number>();
      for (const [del, k, v] of ops) {
        const key = (k * 0x9e3779b1) >>> 0; // spread keys over the full u32 range
        if (del) assert.is(map.delete(key), model.delete(key));
        else if (model.size < 64 || model.has(key)) {
          map.set(key, v);
          model.set(key, v);
        }
        assert.is(map.size, model.size);
      }
      for (let k = 0; k <= 40; k++) {
        const key = (k * 0x9e3779b1) >>> 0;
        assert.is(map.get(key), model.has(key) ? model.get(key) : -1);
      }
    }),
    { numRuns: 500, seed: 3 },
  );
});

test('NaptTable: lookups both ways agree with a model through creates, expiries and flushes', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 7 }), fc.integer({ min: 0, max: 30 })), { maxLength: 200 }), (ops) => {
      const table = new NaptTable(32, 16, { first: 5000, last: 5063 }, { udpMs: 100, tcpEstablishedMs: 1000, tcpTransitoryMs: 200, icmpMs: 60 }, () => false, 9);
      const model = new Map<string, { ext: number; expires: number }>();
      let now = 0;
      for (const [op, protocol, host, port] of ops) {
        const ipAddr = (0xc0a80a00 + host) >>> 0;
        const key = `${protocol}/${ipAddr}/${port}`;
        if (op === 0 || op === 1) {
          let slot = table.findOutbound(protocol, ipAddr, port, now);
          if (slot === NO_MAPPING) slot = table.create(protocol, ipAddr, port, now);
          if (slot !== NO_MAPPING) {
            table.noteOutbound(slot, 1, 2, 0x02, now);
            model.set(key, { ext: table.externalPort[slot], expires: table.expiresAt[slot] });
          }
        } else if (op === 2) {
          now += 50;
          table.expire(now);
          for (const [k, v] of model) if (v.expires <= now) model.delete(k);
        } else {
          table.flush((slot) => table.internalIp[slot] === (ipAddr | 0));
          for (const k of [...model.keys()]) if (k.split('/')[1] === String(ipAddr)) model.delete(k);
        }
        assert.is(table.live, model.size);
        const seen = new Set<string>();
        for (const [k, v] of model) {
          const [p, a, q] = k.split('/').map(Number);
          const slot = table.findOutbound(p, a, q, now);
          assert.ok(slot !== NO_MAPPING, `missing ${k}`);
          assert.is(table.externalPort[slot], v.ext);
          assert.is(table.findInbound(p, v.ext, now), slot);
          assert.not.ok(seen.has(`${p}/${v.ext}`), 'no public port shared by two mappings (no overloading)');
          seen.add(`${p}/${v.ext}`);
        }
      }
    }),
    { numRuns: 300, seed: 11 },
  );
});

test.run();
