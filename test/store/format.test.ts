// The on-flash format: CRC-32 against known vectors, header/payload round trips with the byte layout of
// FORMAT.md, and parsers fed random and mutated bytes (they return a reason, never throw or overrun).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { crc32, crc32Update } from '../../firmware/util/crc32';
import {
  BLOCK_HEADER_SIZE,
  buildCommitPayload,
  buildRecord,
  buildTombstonePayload,
  CHUNK_SIZE,
  emitBlockHeader,
  Namespace,
  ParseError,
  parseBlockHeader,
  parseCommitPayload,
  parseRecordHeader,
  parseTombstonePayload,
  payloadIntact,
  RECORD_HEADER_SIZE,
  RecordType,
} from '../../firmware/store/format';
import { walkRecords } from '../../firmware/store/walk';
import { encodeAscii } from '../../firmware/util/text';

test('CRC-32 matches the IEEE/zlib check values and runs incrementally', () => {
  assert.is(crc32(encodeAscii('123456789')), 0xcbf43926);
  assert.is(crc32(new Uint8Array(0)), 0);
  assert.is(crc32(encodeAscii('The quick brown fox jumps over the lazy dog')), 0x414fa339);
  const data = encodeAscii('hello, flash store');
  assert.is(crc32Update(crc32(data, 0, 7), data, 7), crc32(data));
});

test('property: the four-bytes-a-step CRC equals the bit-by-bit definition at any offset, length and split', () => {
  const reference = (bytes: Uint8Array, start: number, end: number): number => {
    let c = 0xffffffff;
    for (let i = start; i < end; i++) {
      c ^= bytes[i];
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    }
    return (c ^ 0xffffffff) >>> 0;
  };
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), fc.nat(), fc.nat(), fc.nat(), (bytes, a, b, cut) => {
      const start = bytes.length === 0 ? 0 : a % bytes.length;
      const end = start + (b % (bytes.length - start + 1));
      const mid = start + (cut % (end - start + 1));
      const want = reference(bytes, start, end);
      return crc32(bytes, start, end) === want && crc32Update(crc32(bytes, start, mid), bytes, mid, end) === want;
    }),
    { numRuns: 2000 },
  );
});

test('block header: byte layout (little-endian) and round trip', () => {
  const bytes = new Uint8Array(BLOCK_HEADER_SIZE);
  emitBlockHeader({ eraseCount: 0x01020304 }, bytes);
  assert.equal(Array.from(bytes.subarray(0, 12)), [0x50, 0x42, 0x53, 0x54, 1, 0, 16, 0, 4, 3, 2, 1]);
  assert.equal(parseBlockHeader(bytes), { eraseCount: 0x01020304 });
  bytes[9] ^= 1;
  assert.is(parseBlockHeader(bytes), ParseError.BAD_HEADER_CRC);
  assert.is(parseBlockHeader(new Uint8Array(16).fill(0xff)), ParseError.ERASED);
  assert.is(parseBlockHeader(new Uint8Array(8)), ParseError.TRUNCATED);
});

test('record header and commit payload: byte layout and round trip', () => {
  const info = { size: 5000, chunkSize: CHUNK_SIZE, chunkCount: 3, sha256: new Uint8Array(32).fill(7), committedAt: 1_700_000_000_000, name: 'phones/a.bin' };
  const payload = buildCommitPayload(info, encodeAscii(info.name));
  const record = buildRecord(RecordType.COMMIT, Namespace.ITEM, 42, 41, payload);
  assert.equal(Array.from(record.subarray(0, 16)), [0x50, 0x52, 2, 0, payload.length, 0, 0, 0, 42, 0, 0, 0, 41, 0, 0, 0]);
  const header = parseRecordHeader(record, 0, record.length);
  if (typeof header === 'string') throw new Error(header);
  assert.is(header.type, RecordType.COMMIT);
  assert.is(header.seq, 42);
  assert.is(header.aux, 41);
  assert.ok(payloadIntact(header, record, RECORD_HEADER_SIZE));
  assert.equal(parseCommitPayload(record, RECORD_HEADER_SIZE, header.length), info);
  const tomb = buildTombstonePayload(encodeAscii('x'));
  assert.equal(parseTombstonePayload(tomb, 0, tomb.length), { name: 'x' });
  // A payload bit flip is caught by the payload CRC, a header bit flip by the header CRC.
  record[RECORD_HEADER_SIZE + 3] ^= 0x80;
  assert.not.ok(payloadIntact(header, record, RECORD_HEADER_SIZE));
  record[5] ^= 0x01;
  assert.is(parseRecordHeader(record, 0, record.length), ParseError.BAD_HEADER_CRC);
  // A record may not claim more room than the block has left.
  const data = buildRecord(RecordType.DATA, Namespace.ITEM, 1, 0, new Uint8Array(100));
  assert.is(parseRecordHeader(data, 0, 50), ParseError.BAD_FIELD);
});

test('commit payload fields are validated', () => {
  const good = buildCommitPayload({ size: 4097, chunkSize: CHUNK_SIZE, chunkCount: 3, sha256: new Uint8Array(32), committedAt: 0, name: 'a' }, encodeAscii('a'));
  assert.ok(typeof parseCommitPayload(good, 0, good.length) !== 'string');
  const wrongCount = buildCommitPayload({ size: 4097, chunkSize: CHUNK_SIZE, chunkCount: 2, sha256: new Uint8Array(32), committedAt: 0, name: 'a' }, encodeAscii('a'));
  assert.is(parseCommitPayload(wrongCount, 0, wrongCount.length), ParseError.BAD_FIELD);
  assert.is(parseCommitPayload(good, 0, good.length - 1), ParseError.BAD_FIELD);
  assert.is(parseCommitPayload(good, 10, good.length), ParseError.TRUNCATED);
});

test('fuzz: parsers and the record walker never throw on random or mutated input', () => {
  const sample = (() => {
    const block = new Uint8Array(8192).fill(0xff);
    emitBlockHeader({ eraseCount: 3 }, block);
    let at = BLOCK_HEADER_SIZE;
    for (let i = 0; i < 3; i++) {
      const r = buildRecord(RecordType.DATA, Namespace.ITEM, 5, i, new Uint8Array(1000 + i));
      block.set(r, at);
      at += r.length;
    }
    const c = buildRecord(RecordType.COMMIT, Namespace.RECORD, 9, 5, buildCommitPayload({ size: 3003, chunkSize: CHUNK_SIZE, chunkCount: 2, sha256: new Uint8Array(32), committedAt: 1, name: 'k' }, encodeAscii('k')));
    block.set(c, at);
    return block;
  })();
  fc.assert(
    fc.property(
      fc.oneof(
        fc.uint8Array({ minLength: 0, maxLength: 600 }),
        fc.array(fc.tuple(fc.nat(8191), fc.integer({ min: 0, max: 255 })), { maxLength: 20 }).map((edits) => {
          const copy = sample.slice();
          for (const [i, v] of edits) copy[i] = v;
          return copy;
        }),
      ),
      fc.constantFrom(0, 2048),
      (bytes, page) => {
        parseBlockHeader(bytes);
        for (let at = 0; at < Math.min(bytes.length, 64); at++) {
          const h = parseRecordHeader(bytes, at, bytes.length - at);
          if (typeof h !== 'string') {
            assert.ok(at + RECORD_HEADER_SIZE + h.length <= bytes.length);
            payloadIntact(h, bytes, at + RECORD_HEADER_SIZE);
          }
          parseCommitPayload(bytes, at, bytes.length - at);
          parseTombstonePayload(bytes, at, bytes.length - at);
        }
        let visited = 0;
        const end = walkRecords(bytes, Math.min(bytes.length, BLOCK_HEADER_SIZE), page, (h, at, ok) => {
          visited++;
          assert.ok(at + RECORD_HEADER_SIZE + h.length <= bytes.length);
          ok();
        });
        assert.ok(end.end <= Math.max(bytes.length, BLOCK_HEADER_SIZE) && visited <= bytes.length / RECORD_HEADER_SIZE);
      },
    ),
    { numRuns: 2000, seed: 42 },
  );
});

test.run();
