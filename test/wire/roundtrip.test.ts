// Property tests: for every format, emit(repr) then parse gives the same fields back (fast-check,
// seeded), and the bytes emitted carry valid checksums.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import {
  emitArp,
  emitEthernet,
  emitIcmp,
  emitIpv4,
  emitTcp,
  emitUdp,
  icmpReprLength,
  ipv4ReprHeaderLength,
  isWireError,
  parseArp,
  parseEthernet,
  parseIcmp,
  parseIpv4,
  parseTcp,
  parseUdp,
  tcpReprHeaderLength,
  type IcmpRepr,
  type Ipv4Repr,
  type TcpRepr,
} from '../../firmware/wire';

const RUNS = { seed: 42, numRuns: 400 };
const mac = fc.uint8Array({ minLength: 6, maxLength: 6 });
const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const ip = u32;

/** Typed arrays compare by content once spread into plain arrays. */
function plain(value: unknown): unknown {
  if (value instanceof Uint8Array) return [...value];
  if (Array.isArray(value)) return value.map(plain);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, field]) => [key, plain(field)]));
  }
  return value;
}

test('Ethernet (with and without 802.1Q) round trips', () => {
  const repr = fc.record(
    {
      dst: mac,
      src: mac,
      vlan: fc.record({ pcp: fc.integer({ min: 0, max: 7 }), dei: fc.boolean(), vid: fc.integer({ min: 0, max: 4095 }) }),
      etherType: u16.filter((type) => type !== 0x8100),
    },
    { requiredKeys: ['dst', 'src', 'etherType'] },
  );
  fc.assert(
    fc.property(repr, (ethernet) => {
      const frame = new Uint8Array(64);
      const offset = emitEthernet(ethernet, frame);
      assert.is(offset, ethernet.vlan ? 18 : 14);
      assert.equal(plain(parseEthernet(frame)), plain(ethernet));
    }),
    RUNS,
  );
});

test('ARP round trips', () => {
  const repr = fc.record({
    operation: fc.constantFrom(1 as const, 2 as const),
    senderMac: mac,
    senderIp: ip,
    targetMac: mac,
    targetIp: ip,
  });
  fc.assert(
    fc.property(repr, fc.nat(8), (arp, offset) => {
      const bytes = new Uint8Array(offset + 28);
      assert.is(emitArp(arp, bytes, offset), 28);
      assert.equal(plain(parseArp(bytes, offset)), plain(arp));
    }),
    RUNS,
  );
});

const ipv4Repr: fc.Arbitrary<Ipv4Repr> = fc.record({
  dscp: fc.integer({ min: 0, max: 63 }),
  ecn: fc.integer({ min: 0, max: 3 }),
  identification: u16,
  dontFragment: fc.boolean(),
  moreFragments: fc.boolean(),
  fragmentOffset: fc.integer({ min: 0, max: 0x1fff }).map((units) => units * 8),
  ttl: fc.integer({ min: 0, max: 255 }),
  protocol: fc.integer({ min: 0, max: 255 }),
  src: ip,
  dst: ip,
  options: fc.integer({ min: 0, max: 10 }).chain((words) => fc.uint8Array({ minLength: words * 4, maxLength: words * 4 })),
  payloadLength: fc.integer({ min: 0, max: 200 }),
});

test('IPv4 (options, fragment fields, checksum) round trips', () => {
  fc.assert(
    fc.property(ipv4Repr, (repr) => {
      const headerLength = ipv4ReprHeaderLength(repr);
      const bytes = new Uint8Array(headerLength + repr.payloadLength);
      assert.is(emitIpv4(repr, bytes), headerLength);
      assert.equal(plain(parseIpv4(bytes)), plain(repr), 'the checksum verifies and every field comes back');
    }),
    RUNS,
  );
});

test('UDP round trips, with the checksum verified over the pseudo-header', () => {
  const repr = fc.record({ srcPort: u16, dstPort: u16, payload: fc.uint8Array({ maxLength: 300 }) });
  fc.assert(
    fc.property(repr, ip, ip, (udp, src, dst) => {
      const bytes = new Uint8Array(8 + udp.payload.length);
      assert.is(emitUdp(udp, bytes, 0, src, dst), bytes.length);
      assert.ok(((bytes[6] << 8) | bytes[7]) !== 0, 'a computed checksum is never sent as 0');
      assert.equal(plain(parseUdp(bytes, 0, bytes.length, src, dst)), plain(udp));
      assert.ok(isWireError(parseUdp(bytes, 0, bytes.length, src ^ 1, dst)), 'a different pseudo-header fails');
    }),
    RUNS,
  );
});

const tcpRepr: fc.Arbitrary<TcpRepr> = fc.record(
  {
    srcPort: u16,
    dstPort: u16,
    seq: u32,
    ack: u32,
    flags: fc.integer({ min: 0, max: 255 }),
    window: u16,
    urgent: u16,
    mss: u16,
    windowScale: fc.integer({ min: 0, max: 14 }),
    sackPermitted: fc.boolean(),
    sackBlocks: fc.array(fc.tuple(u32, u32), { minLength: 1, maxLength: 2 }),
    timestamp: fc.tuple(u32, u32),
    payload: fc.uint8Array({ maxLength: 100 }),
  },
  { requiredKeys: ['srcPort', 'dstPort', 'seq', 'ack', 'flags', 'window', 'urgent', 'sackPermitted', 'payload'] },
);

test('TCP (flags, MSS, window scale, SACK, timestamps) round trips', () => {
  fc.assert(
    fc.property(tcpRepr, ip, ip, (tcp, src, dst) => {
      const length = tcpReprHeaderLength(tcp) + tcp.payload.length;
      const bytes = new Uint8Array(length);
      assert.is(emitTcp(tcp, bytes, 0, src, dst), length);
      assert.equal(plain(parseTcp(bytes, 0, length, src, dst)), plain(tcp));
    }),
    RUNS,
  );
});

const invoking = fc
  .record({ header: ipv4Repr, l4: fc.uint8Array({ minLength: 8, maxLength: 8 }) })
  .map(({ header, l4 }) => {
    const headerLength = ipv4ReprHeaderLength(header);
    const bytes = new Uint8Array(headerLength + 8);
    emitIpv4(header, bytes);
    bytes.set(l4, headerLength);
    return bytes;
  });

const icmpRepr: fc.Arbitrary<IcmpRepr> = fc.oneof(
  fc.record({ kind: fc.constantFrom('echo-request' as const, 'echo-reply' as const), ident: u16, seq: u16, data: fc.uint8Array({ maxLength: 64 }) }),
  fc.record({ kind: fc.constant('destination-unreachable' as const), code: fc.integer({ min: 0, max: 15 }), nextHopMtu: u16, invoking }).map((repr) =>
    repr.code === 4 ? repr : { ...repr, nextHopMtu: 0 },
  ),
  fc.record({ kind: fc.constant('time-exceeded' as const), code: fc.integer({ min: 0, max: 1 }), invoking }),
  fc.record({ kind: fc.constant('parameter-problem' as const), code: fc.integer({ min: 0, max: 2 }), pointer: fc.integer({ min: 0, max: 255 }), invoking }),
  fc.record({
    kind: fc.constant('other' as const),
    type: fc.integer({ min: 0, max: 255 }).filter((type) => ![0, 3, 8, 11, 12].includes(type)),
    code: fc.integer({ min: 0, max: 255 }),
    rest: u32,
    body: fc.uint8Array({ maxLength: 40 }),
  }),
);

test('ICMP (echo, errors with their embedded header, others) round trips', () => {
  fc.assert(
    fc.property(icmpRepr, (icmp) => {
      const bytes = new Uint8Array(icmpReprLength(icmp));
      assert.is(emitIcmp(icmp, bytes), bytes.length);
      assert.equal(plain(parseIcmp(bytes, 0, bytes.length)), plain(icmp));
    }),
    RUNS,
  );
});

test('emitters refuse buffers that are too short instead of writing out of bounds', () => {
  fc.assert(
    fc.property(tcpRepr, icmpRepr, fc.nat(19), (tcp, icmp, cut) => {
      assert.is(emitTcp(tcp, new Uint8Array(Math.max(0, tcpReprHeaderLength(tcp) + tcp.payload.length - 1 - cut)), 0, 1, 2), 0);
      assert.is(emitIcmp(icmp, new Uint8Array(icmpReprLength(icmp) - 1)), 0);
      assert.is(emitArp({ operation: 1, senderMac: new Uint8Array(6), senderIp: 0, targetMac: new Uint8Array(6), targetIp: 0 }, new Uint8Array(27)), 0);
    }),
    { seed: 7, numRuns: 100 },
  );
});

test.run();
