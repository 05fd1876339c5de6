// TFTP wire format: real packet bytes, round trips, strict option parsing, fuzzing.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import {
  parsePacket, buildRequest, buildData, buildAck, buildError, buildOack, parseOptionNumber,
  Opcode, ParseError, MAX_FIELD_LENGTH,
} from '../../firmware/wire/tftp';
import { Rng } from '../../hal/sim/random';

const bytes = (...parts: (string | number[])[]): Uint8Array =>
  Uint8Array.from(parts.flatMap((p) => (typeof p === 'string' ? [...p].map((c) => c.charCodeAt(0)) : p)));

test('RRQ from a real client (curl --tftp-blksize 1468) parses with options lower-cased', () => {
  const rrq = bytes([0, 1], 'phone.bin', [0], 'octet', [0], 'tsize', [0], '0', [0], 'BLKSIZE', [0], '1468', [0]);
  const r = parsePacket(rrq);
  assert.ok(r.ok);
  if (!r.ok || r.packet.op !== Opcode.RRQ) throw new Error('not RRQ');
  assert.is(r.packet.filename, 'phone.bin');
  assert.is(r.packet.mode, 'octet');
  assert.equal(r.packet.options, [{ name: 'tsize', value: '0' }, { name: 'blksize', value: '1468' }]);
});

test('mode is case-insensitive; unknown modes (mail) are refused', () => {
  const r = parsePacket(bytes([0, 1], 'a', [0], 'NetASCII', [0]));
  assert.ok(r.ok && r.packet.op === Opcode.RRQ && r.packet.mode === 'netascii');
  assert.equal(parsePacket(bytes([0, 1], 'a', [0], 'mail', [0])), { ok: false, reason: ParseError.BAD_MODE });
});

test('strict options: duplicates (any case), missing NUL, empty names are refused', () => {
  assert.equal(parsePacket(bytes([0, 1], 'a', [0], 'octet', [0], 'blksize', [0], '512', [0], 'BlkSize', [0], '1024', [0])),
    { ok: false, reason: ParseError.DUPLICATE_OPTION });
  assert.equal(parsePacket(bytes([0, 1], 'a', [0], 'octet', [0], 'blksize', [0], '512')),
    { ok: false, reason: ParseError.UNTERMINATED });
  assert.equal(parsePacket(bytes([0, 1], 'a', [0], 'octet', [0], 'blksize', [0])),
    { ok: false, reason: ParseError.UNTERMINATED });
  assert.equal(parsePacket(bytes([0, 1], 'a', [0], 'octet', [0], [0], '1', [0])),
    { ok: false, reason: ParseError.EMPTY_OPTION_NAME });
  // "foo_blksize_bar" is its own (unknown) option, not blksize (the U-Boot strstr bug).
  const r = parsePacket(bytes([0, 1], 'a', [0], 'octet', [0], 'foo_blksize_bar', [0], '9', [0]));
  assert.ok(r.ok && r.packet.op === Opcode.RRQ && r.packet.options[0].name === 'foo_blksize_bar');
});

test('overlong fields are refused, not truncated', () => {
  const long = 'x'.repeat(MAX_FIELD_LENGTH + 1);
  assert.equal(parsePacket(bytes([0, 1], long, [0], 'octet', [0])), { ok: false, reason: ParseError.FIELD_TOO_LONG });
  const ok = parsePacket(bytes([0, 1], 'x'.repeat(MAX_FIELD_LENGTH), [0], 'octet', [0]));
  assert.ok(ok.ok);
});

test('DATA, ACK, ERROR, OACK parse and round-trip through their builders', () => {
  const d = parsePacket(buildData(65535, Uint8Array.of(1, 2, 3)));
  assert.ok(d.ok && d.packet.op === Opcode.DATA && d.packet.block === 65535);
  if (d.ok && d.packet.op === Opcode.DATA) assert.equal([...d.packet.payload], [1, 2, 3]);
  assert.equal(parsePacket(buildAck(258)), { ok: true, packet: { op: Opcode.ACK, block: 258 } });
  assert.equal([...buildAck(258)], [0, 4, 1, 2]);
  assert.equal(parsePacket(buildError(1, 'File not found')), { ok: true, packet: { op: Opcode.ERROR, code: 1, message: 'File not found' } });
  assert.equal([...buildError(8, 'x')], [0, 5, 0, 8, 120, 0]);
  const o = [{ name: 'blksize', value: '1468' }, { name: 'tsize', value: '8388608' }];
  assert.equal(parsePacket(buildOack(o)), { ok: true, packet: { op: Opcode.OACK, options: o } });
  const rq = buildRequest(Opcode.WRQ, 'img', 'octet', o);
  assert.equal(parsePacket(rq), { ok: true, packet: { op: Opcode.WRQ, filename: 'img', mode: 'octet', options: o } });
});

test('truncated packets and bad opcodes are reasons, not exceptions', () => {
  assert.equal(parsePacket(new Uint8Array(0)), { ok: false, reason: ParseError.TRUNCATED });
  assert.equal(parsePacket(Uint8Array.of(0, 3, 0)), { ok: false, reason: ParseError.TRUNCATED });
  assert.equal(parsePacket(Uint8Array.of(0, 4, 0)), { ok: false, reason: ParseError.TRUNCATED });
  assert.equal(parsePacket(Uint8Array.of(0, 4, 0, 1, 0)), { ok: false, reason: ParseError.TRAILING_BYTES });
  assert.equal(parsePacket(Uint8Array.of(0, 9, 0, 1)), { ok: false, reason: ParseError.BAD_OPCODE });
  assert.equal(parsePacket(Uint8Array.of(0, 1, 65)), { ok: false, reason: ParseError.UNTERMINATED });
});

test('option numbers: digits only, bounded', () => {
  assert.is(parseOptionNumber('1468', 8, 65464), 1468);
  assert.is(parseOptionNumber('7', 8, 65464), undefined);
  assert.is(parseOptionNumber('65465', 8, 65464), undefined);
  for (const bad of ['', '-1', '+5', ' 5', '5 ', '0x10', '1e3', '12345678901', '1.5']) {
    assert.is(parseOptionNumber(bad, 0, 2 ** 40), undefined, bad);
  }
});

test('fuzz: arbitrary bytes never throw; accepted requests re-encode to an equivalent packet', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 600 }), (raw) => {
      const r = parsePacket(raw);
      if (r.ok && (r.packet.op === Opcode.RRQ || r.packet.op === Opcode.WRQ)) {
        const again = parsePacket(buildRequest(r.packet.op, r.packet.filename, r.packet.mode, r.packet.options));
        assert.equal(again, r);
      }
    }),
    { numRuns: 3000, seed: 7 },
  );
});

test('fuzz: seeded mutations of valid requests never throw and never yield duplicate options', () => {
  const rng = new Rng(42);
  const seedPacket = buildRequest(Opcode.RRQ, 'SEP001122334455.cnf.xml', 'octet', [
    { name: 'blksize', value: '1468' }, { name: 'tsize', value: '0' }, { name: 'windowsize', value: '8' },
  ]);
  for (let i = 0; i < 20000; i++) {
    const m = seedPacket.slice(0, 2 + rng.int(seedPacket.length));
    const flips = 1 + rng.int(4);
    for (let k = 0; k < flips; k++) m[rng.int(m.length)] = rng.chance(0.3) ? 0 : rng.int(256);
    const r = parsePacket(m);
    if (r.ok && 'options' in r.packet) {
      const names = r.packet.options.map((o) => o.name);
      assert.is(new Set(names).size, names.length);
    }
  }
});

test.run();
