// BOOTP/DHCP wire format: parse and emit round trips, overload, RFC 3396 splitting, option 159
// bytes (RFC 7618), and a 100,000-packet mutation fuzz that must never throw.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import {
  emitDhcp, parseDhcp, isDhcpError, chaddrOf, DhcpError, Opt, MessageType, BOOTREQUEST, BOOTREPLY,
  FILE, SNAME, OPTIONS, MIN_MESSAGE, type DhcpMessage,
} from '../../firmware/wire/dhcp';
import {
  portParamsValue, readPortParams, optionBytes, contiguousPortRange, readEnterpriseNumbers, readSubOptions,
  subOptionsValue, ipListValue, readIpList, u32Value, readU32Value,
} from '../../firmware/wire/dhcp-options';
import { Rng } from '../../hal/sim/random';

const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ').toUpperCase();
const mac = Uint8Array.of(0x00, 0x04, 0xf2, 0x11, 0x22, 0x33);

function discover(): Uint8Array {
  const buffer = new Uint8Array(548);
  const { length } = emitDhcp(
    {
      op: BOOTREQUEST, xid: 0xdeadbeef, flags: 0x8000, chaddr: mac,
      options: [
        { code: Opt.MESSAGE_TYPE, value: Uint8Array.of(MessageType.DISCOVER) },
        { code: Opt.PARAMETER_LIST, value: Uint8Array.of(1, 3, 6, 159, 66) },
        { code: Opt.VENDOR_CLASS, value: new TextEncoder().encode('yealink') },
      ],
    },
    buffer,
  );
  return buffer.slice(0, length);
}

test('a hand-made DISCOVER parses field by field', () => {
  const bytes = discover();
  assert.is(bytes.length, MIN_MESSAGE, 'padded to the BOOTP minimum');
  const message = parseDhcp(bytes) as DhcpMessage;
  assert.not.ok(isDhcpError(message));
  assert.is(message.op, BOOTREQUEST);
  assert.is(message.xid, 0xdeadbeef);
  assert.is(message.flags, 0x8000);
  assert.is(message.messageType, MessageType.DISCOVER);
  assert.equal(Array.from(chaddrOf(message)), Array.from(mac));
  assert.equal(Array.from(message.options.get(Opt.PARAMETER_LIST)!), [1, 3, 6, 159, 66]);
  // Zero copy: the option value is a view into the packet.
  assert.is(message.options.get(Opt.VENDOR_CLASS)!.buffer, bytes.buffer);
  // The wire bytes at the options start: 53/1/1 first.
  assert.equal(Array.from(bytes.subarray(OPTIONS, OPTIONS + 3)), [53, 1, 1]);
});

test('option 159 bytes: the worked example and others derived from RFC 7618', () => {
  const example = optionBytes({ code: Opt.PORT_PARAMS, value: portParamsValue({ offset: 0, psidLength: 10, psid: 16 }) });
  assert.is(hex(example), '9F 04 00 0A 04 00');
  assert.equal(contiguousPortRange(10, 16), { first: 1024, last: 1087 });
  // Kea PR #63: 0x00040000 = offset 0, k 4, PSID 0.
  assert.is(hex(portParamsValue({ offset: 0, psidLength: 4, psid: 0 })), '00 04 00 00');
  // MAP default offset 6, k 6, PSID 52 (RFC 7597 example): 52 << 10 = 0xD000.
  assert.is(hex(portParamsValue({ offset: 6, psidLength: 6, psid: 52 })), '06 06 D0 00');
  // k = 9, PSID 511: the top 128 ports 65408-65535.
  assert.is(hex(portParamsValue({ offset: 0, psidLength: 9, psid: 511 })), '00 09 FF 80');
  assert.equal(contiguousPortRange(9, 511), { first: 65408, last: 65535 });
  // k = 16 : one port, PSID is the port itself.
  assert.is(hex(portParamsValue({ offset: 0, psidLength: 16, psid: 5060 })), '00 10 13 C4');
  // k = 0: PSID ignored.
  assert.is(hex(portParamsValue({ offset: 0, psidLength: 0, psid: 0 })), '00 00 00 00');
  assert.equal(readPortParams(Uint8Array.of(0, 10, 4, 0)), { offset: 0, psidLength: 10, psid: 16 });
  assert.is(readPortParams(Uint8Array.of(0, 10, 4, 1)), undefined, 'bits below the PSID must be zero');
  assert.is(readPortParams(Uint8Array.of(8, 10, 4, 0)), undefined, 'a + k > 16');
  assert.is(readPortParams(Uint8Array.of(0, 10, 4)), undefined, 'length 3');
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 16 }), fc.nat(), (k, n) => {
      const psid = k === 0 ? 0 : n % 2 ** k;
      assert.equal(readPortParams(portParamsValue({ offset: 0, psidLength: k, psid })), { offset: 0, psidLength: k, psid });
    }),
  );
});

test('options longer than 255 bytes are split (RFC 3396) and joined again on parse', () => {
  const long = new Uint8Array(600).map((_, i) => i & 0xff);
  const buffer = new Uint8Array(1500);
  const { length, dropped } = emitDhcp(
    { op: BOOTREPLY, xid: 1, chaddr: mac, options: [{ code: Opt.MESSAGE_TYPE, value: Uint8Array.of(2) }, { code: 43, value: long }] },
    buffer,
    1500,
  );
  assert.equal(dropped, []);
  const message = parseDhcp(buffer.subarray(0, length)) as DhcpMessage;
  assert.equal(Array.from(message.options.get(43)!), Array.from(long));
});

test('options that do not fit the maximum size are left out whole and reported', () => {
  const buffer = new Uint8Array(548);
  const { length, dropped } = emitDhcp(
    {
      op: BOOTREPLY, xid: 1, chaddr: mac,
      options: [{ code: 53, value: Uint8Array.of(2) }, { code: 43, value: new Uint8Array(400) }, { code: 1, value: u32Value(0xffffff00) }],
    },
    buffer,
  );
  assert.equal(dropped, [43]);
  const message = parseDhcp(buffer.subarray(0, length)) as DhcpMessage;
  assert.is(readU32Value(message.options.get(1)), 0xffffff00);
  assert.not.ok(message.options.has(43));
});

test('overload (52): options in file then sname are read', () => {
  const bytes = discover();
  const packet = new Uint8Array(bytes.length + 3);
  packet.set(bytes);
  // Replace END with 52/1/3 then END.
  let end = OPTIONS;
  while (packet[end] !== 255) end += packet[end] === 0 ? 1 : 2 + packet[end + 1];
  packet.set([52, 1, 3, 255], end);
  packet.set([12, 4, 0x70, 0x68, 0x6f, 0x6e, 255], FILE); // hostname "phon"
  packet.set([15, 3, 0x6c, 0x61, 0x6e, 255], SNAME); // domain "lan"
  const message = parseDhcp(packet) as DhcpMessage;
  assert.not.ok(isDhcpError(message), String(message));
  assert.is(message.overload, 3);
  assert.is(new TextDecoder().decode(message.options.get(12)), 'phon');
  assert.is(new TextDecoder().decode(message.options.get(15)), 'lan');
  packet[FILE + 1] = 200; // overrun inside the file field
  assert.is(parseDhcp(packet), DhcpError.OPTION_OVERRUN);
});

test('malformed headers are refused with a reason', () => {
  const bytes = discover();
  assert.is(parseDhcp(bytes.subarray(0, 239)), DhcpError.TRUNCATED);
  const badOp = bytes.slice(); badOp[0] = 3;
  assert.is(parseDhcp(badOp), DhcpError.BAD_OP);
  const badHlen = bytes.slice(); badHlen[2] = 17;
  assert.is(parseDhcp(badHlen), DhcpError.BAD_HLEN);
  const badCookie = bytes.slice(); badCookie[236] = 0;
  assert.is(parseDhcp(badCookie), DhcpError.BAD_COOKIE);
  const badType = bytes.slice(); badType[OPTIONS + 2] = 0;
  assert.is(parseDhcp(badType), DhcpError.BAD_MESSAGE_TYPE);
  const overrun = bytes.slice(0, OPTIONS + 4); overrun[OPTIONS + 3] = 60; overrun[OPTIONS + 3 - 0] = 60;
  overrun.set([60, 50, 1, 2], OPTIONS);
  assert.is(parseDhcp(overrun), DhcpError.OPTION_OVERRUN);
});

test('address lists, sub-options and RFC 3925 enterprise data', () => {
  assert.equal(readIpList(ipListValue([0xc0a80101, 0x0a000001])), [0xc0a80101, 0x0a000001]);
  assert.is(readIpList(Uint8Array.of(1, 2, 3)), undefined);
  const subs = readSubOptions(subOptionsValue([{ code: 1, value: Uint8Array.of(9) }, { code: 2, value: Uint8Array.of(7, 8) }]))!;
  assert.equal(subs.map((s) => [s.code, Array.from(s.value)]), [[1, [9]], [2, [7, 8]]]);
  assert.is(readSubOptions(Uint8Array.of(1, 5, 0)), undefined);
  assert.equal(readEnterpriseNumbers(Uint8Array.of(0, 0, 0x36, 0x3d, 2, 1, 0, 0, 0, 0, 9, 0)), [13885, 9]);
  assert.is(readEnterpriseNumbers(Uint8Array.of(0, 0, 0x36, 0x3d, 9, 1)), undefined);
});

test('fuzz: 100,000 mutated packets never throw and never read outside the packet', () => {
  const rng = new Rng(0x5eed);
  const seeds = [discover()];
  const buffer = new Uint8Array(1500);
  const big = emitDhcp(
    {
      op: BOOTREPLY, xid: 7, chaddr: mac,
      options: [
        { code: 53, value: Uint8Array.of(5) }, { code: 52, value: Uint8Array.of(3) }, { code: 159, value: portParamsValue({ offset: 0, psidLength: 10, psid: 16 }) },
        { code: 124, value: Uint8Array.of(0, 0, 0x36, 0x3d, 1, 1) }, { code: 43, value: new Uint8Array(300).fill(1) },
      ],
    },
    buffer,
    1500,
  );
  seeds.push(buffer.slice(0, big.length));
  let parsed = 0;
  for (let i = 0; i < 100_000; i++) {
    const seed = seeds[rng.int(seeds.length)];
    const length = rng.int(4) === 0 ? rng.int(seed.length + 20) : seed.length;
    const packet = new Uint8Array(length);
    packet.set(seed.subarray(0, Math.min(length, seed.length)));
    const flips = 1 + rng.int(8);
    for (let f = 0; f < flips; f++) {
      const at = length > 0 ? rng.int(length) : 0;
      // Aim most mutations at the options, where the lengths live.
      const where = rng.int(3) === 0 ? at : OPTIONS + rng.int(Math.max(1, length - OPTIONS));
      if (where < length) packet[where] = rng.int(256);
    }
    const result = parseDhcp(packet);
    if (!isDhcpError(result)) {
      parsed++;
      for (const value of result.options.values()) {
        if (value.buffer === packet.buffer) {
          assert.ok(value.byteOffset + value.length <= packet.byteOffset + packet.length);
        }
      }
      readPortParams(result.options.get(159));
      readEnterpriseNumbers(result.options.get(124));
      readSubOptions(result.options.get(43) ?? new Uint8Array(0));
    }
  }
  assert.ok(parsed > 1000, `some mutants still parse (${parsed})`);
});

test.run();
