// The Internet checksum against published vectors, and the RFC 1624 incremental update against
// full recomputation over random edits.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import {
  adjustChecksum16,
  adjustChecksum32,
  fillIpv4Checksum,
  internetChecksum,
  ipv4Checksum,
  pseudoHeaderSum,
  sumWords,
  finishChecksum,
  verifyIpv4Checksum,
} from '../../firmware/wire';
import { hex } from './fixtures';

test('RFC 1071 section 3 example: words 0001 f203 f4f5 f6f7 sum to ddf2, checksum 220d', () => {
  const bytes = hex('0001f203f4f5f6f7');
  const sum = sumWords(bytes, 0, bytes.length);
  assert.is(sum, 0x2ddf0);
  assert.is(finishChecksum(sum), 0x220d);
  assert.is(internetChecksum(bytes), 0x220d);
});

test('a well-known IPv4 header (192.168.0.1 -> 192.168.0.199) has checksum b861', () => {
  const header = hex('450000730000400040110000c0a80001c0a800c7');
  assert.is(internetChecksum(header), 0xb861);
  fillIpv4Checksum(header, 0);
  assert.is(ipv4Checksum(header, 0), 0xb861);
  assert.ok(verifyIpv4Checksum(header, 0));
});

test('odd length pads the last byte with zero; the pseudo-header sum splits addresses into words', () => {
  // 0x0102 + 0xff00 = 0x10002, folded with its end-around carry to 0x0003, complemented: 0xfffc.
  assert.is(internetChecksum(hex('0102ff')), 0xfffc);
  assert.is(pseudoHeaderSum(0xc0a80001, 0x0a000002, 17, 12), 0xc0a8 + 0x0001 + 0x0a00 + 0x0002 + 17 + 12);
});

test('a message containing its own checksum sums to zero (any content, any length)', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 2, maxLength: 200 }), (bytes) => {
      const data = bytes.slice();
      if (data.length % 2 === 1) return; // the checksum word must be word-aligned with the rest
      data[0] = 0;
      data[1] = 0;
      const checksum = internetChecksum(data);
      data[0] = checksum >>> 8;
      data[1] = checksum & 0xff;
      assert.is(internetChecksum(data), 0);
    }),
    { seed: 1071, numRuns: 500 },
  );
});

/** A random IPv4-like header whose checksum is valid, and a word position to edit (not the checksum). */
const headerAndEdit = fc.record({
  header: fc.uint8Array({ minLength: 20, maxLength: 60 }).map((bytes) => {
    const header = bytes.slice(0, bytes.length & ~3);
    header[0] = 0x40 | (header.length / 4);
    fillIpv4Checksum(header, 0);
    return header;
  }),
  wordIndex: fc.nat(),
  newWord: fc.integer({ min: 0, max: 0xffff }),
  newValue: fc.integer({ min: 0, max: 0xffffffff }),
});

test('RFC 1624: adjustChecksum16 equals full recomputation for any 16-bit edit', () => {
  fc.assert(
    fc.property(headerAndEdit, ({ header, wordIndex, newWord }) => {
      const words = header.length / 2;
      let index = 1 + (wordIndex % (words - 1)); // never word 0 (version/IHL) ...
      if (index === 5) index = 6; // ... nor word 5 (the checksum itself)
      const at = index * 2;
      const old = (header[at] << 8) | header[at + 1];
      const adjusted = adjustChecksum16(ipv4Checksum(header, 0), old, newWord);
      header[at] = newWord >>> 8;
      header[at + 1] = newWord & 0xff;
      fillIpv4Checksum(header, 0);
      const full = ipv4Checksum(header, 0);
      // One's complement has two zeros; both values must verify, and they may only differ there.
      assert.ok(adjusted === full || (adjusted ^ full) === 0xffff && (adjusted === 0 || full === 0), `${adjusted} vs ${full}`);
      header[10] = adjusted >>> 8;
      header[11] = adjusted & 0xff;
      assert.ok(verifyIpv4Checksum(header, 0));
    }),
    { seed: 1624, numRuns: 2000 },
  );
});

test('RFC 1624: adjustChecksum32 (an address rewrite, as NAPPT does) equals full recomputation', () => {
  fc.assert(
    fc.property(headerAndEdit, fc.boolean(), ({ header, newValue }, source) => {
      const at = source ? 12 : 16;
      const old = ((header[at] << 24) | (header[at + 1] << 16) | (header[at + 2] << 8) | header[at + 3]) >>> 0;
      const adjusted = adjustChecksum32(ipv4Checksum(header, 0), old, newValue);
      header[at] = newValue >>> 24;
      header[at + 1] = (newValue >>> 16) & 0xff;
      header[at + 2] = (newValue >>> 8) & 0xff;
      header[at + 3] = newValue & 0xff;
      fillIpv4Checksum(header, 0);
      const full = ipv4Checksum(header, 0);
      assert.ok(adjusted === full || (adjusted ^ full) === 0xffff && (adjusted === 0 || full === 0), `${adjusted} vs ${full}`);
      header[10] = adjusted >>> 8;
      header[11] = adjusted & 0xff;
      assert.ok(verifyIpv4Checksum(header, 0));
    }),
    { seed: 16240, numRuns: 2000 },
  );
});

test('RFC 1624 section 4 example: updating 0xdd2f with a word 5555 -> 3285 gives 0x0000', () => {
  // RFC 1624 section 4: HC = 0xdd2f, m = 0x5555, m' = 0x3285 -> HC' = 0x0000 (eqn. 3).
  assert.is(adjustChecksum16(0xdd2f, 0x5555, 0x3285), 0x0000);
});

test.run();
