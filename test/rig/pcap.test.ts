import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { readPcap, writePcap, arpRequest, icmpEchoRequest, parseArpReply, parseEchoReply } from '../../tools/rig';

// The rig's pcap files and hand-built frames: round trips, tcpdump-compatible header, and reading
// damaged files never throws.

test('writePcap/readPcap round trip with times', () => {
  fc.assert(
    fc.property(fc.array(fc.record({ timeUs: fc.integer({ min: 0, max: 2 ** 40 }), frame: fc.uint8Array({ minLength: 0, maxLength: 1600 }) }), { maxLength: 20 }), (records) => {
      const back = readPcap(writePcap(records));
      assert.ok(Array.isArray(back));
      assert.equal(back.map((r) => [r.timeUs, [...r.frame]]), records.map((r) => [r.timeUs, [...r.frame]]));
    }),
    { seed: 0x5042, numRuns: 200 },
  );
});

test('the global header is the classic little-endian microsecond Ethernet one', () => {
  const bytes = writePcap([new Uint8Array(14)]);
  assert.equal([...bytes.subarray(0, 8)], [0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0]);
  assert.is(bytes[20], 1);
  assert.is(readPcap(bytes.subarray(0, 10)), 'truncated');
  const wrong = bytes.slice();
  wrong[0] = 0;
  assert.is(readPcap(wrong), 'bad-magic');
  const linktype = bytes.slice();
  linktype[20] = 105;
  assert.is(readPcap(linktype), 'not-ethernet');
});

test('damaged pcap bytes: readPcap returns records or a reason, never throws (seeded)', () => {
  const good = writePcap([arpRequest('02:00:00:00:00:01', '10.0.0.1', '10.0.0.2'), new Uint8Array(100)]);
  fc.assert(
    fc.property(fc.nat(good.length), fc.array(fc.tuple(fc.nat(good.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }), (cut, edits) => {
      const bytes = good.slice(0, cut);
      for (const [at, value] of edits) if (at < bytes.length) bytes[at] = value;
      const result = readPcap(bytes);
      assert.ok(typeof result === 'string' || Array.isArray(result));
    }),
    { seed: 7, numRuns: 500 },
  );
});

test('hand-built frames: the echo request checksums verify (a reply parser sees them when turned around)', () => {
  const request = icmpEchoRequest('02:00:00:00:00:01', '02:00:00:00:00:02', '10.0.0.1', '10.0.0.2', 9, 3, 20);
  const reply = request.slice();
  reply[34] = 0; // type 8 -> 0; adjust the ICMP checksum by the same amount (RFC 1624)
  const sum = ((reply[36] << 8) | reply[37]) + 0x0800;
  const folded = (sum & 0xffff) + (sum >>> 16);
  reply[36] = folded >> 8;
  reply[37] = folded & 0xff;
  const parsed = parseEchoReply(reply);
  assert.ok(parsed);
  assert.is(parsed.seq, 3);
  assert.is(parsed.ident, 9);
  assert.ok(parsed.checksumsOk);
  reply[40] ^= 1;
  assert.not.ok(parseEchoReply(reply)?.checksumsOk);
  assert.is(parseArpReply(arpRequest('02:00:00:00:00:01', '10.0.0.1', '10.0.0.2')), undefined, 'a request is not a reply');
});

test.run();
