// Malformed input: every truncation and each lying length field of the real captures yields its
// reason code, and random or mutated bytes never make a parser throw (seeded, bounded loops).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import {
  ArpError,
  EthernetError,
  IcmpError,
  Ipv4Error,
  TcpError,
  UdpError,
  WIRE_ERRORS,
  checkIcmp,
  checkIpv4,
  ethernetPayloadOffset,
  fillIpv4Checksum,
  isWireError,
  parseArp,
  parseEthernet,
  parseIcmp,
  parseIpv4,
  parseTcp,
  parseUdp,
  tcpClampMss,
  tcpFindOption,
} from '../../firmware/wire';
import { Rng } from '../../hal/sim/random';
import { ALL_FIXTURES, ARP_REQUEST, ICMP_ECHO_REQUEST, ICMP_PORT_UNREACHABLE, TCP_SYN, UDP_DNS_QUERY } from './fixtures';

/** Run every parser over the frame as the stack would, returning the reasons met (never throwing). */
function parseAll(frame: Uint8Array): string[] {
  const reasons: string[] = [];
  const note = (result: unknown): void => {
    if (isWireError(result)) reasons.push(result);
  };
  note(parseEthernet(frame));
  const at = ethernetPayloadOffset(frame);
  if (at === 0) return reasons;
  note(parseArp(frame, at));
  const ip = parseIpv4(frame, at);
  note(ip);
  // Go on even past a bad IPv4 header, with the raw fields: the L4 parsers must cope with anything.
  const ihl = (frame[at] & 0x0f) * 4;
  const l4 = at + ihl;
  const end = Math.min(frame.length, at + (((frame[at + 2] << 8) | frame[at + 3]) || frame.length));
  if (l4 <= end) {
    note(parseUdp(frame, l4, end, 1, 2));
    note(parseTcp(frame, l4, end, 1, 2));
    note(parseIcmp(frame, l4, end));
    tcpFindOption(frame, l4, 2);
    if (end - l4 >= 20 && ((frame[l4 + 12] >>> 4) * 4) <= end - l4) tcpClampMss(frame.slice(), l4, 536);
  }
  for (const reason of reasons) assert.ok(WIRE_ERRORS.includes(reason as never), `unknown reason ${reason}`);
  return reasons;
}

test('every truncation of every capture returns reasons and never throws', () => {
  for (const [name, frame] of Object.entries(ALL_FIXTURES)) {
    for (let length = 0; length < frame.length; length++) {
      const cut = frame.slice(0, length);
      try {
        parseAll(cut);
      } catch (error) {
        throw new Error(`${name} cut at ${length}: ${String(error)}`);
      }
    }
  }
  assert.is(parseEthernet(new Uint8Array(13)), EthernetError.Truncated);
  assert.is(parseArp(ARP_REQUEST.slice(0, 41), 14), ArpError.Truncated);
  assert.is(parseIpv4(UDP_DNS_QUERY.slice(0, 33), 14), Ipv4Error.Truncated);
  assert.is(parseIpv4(UDP_DNS_QUERY.slice(0, 60), 14), Ipv4Error.BadTotalLength, 'the IP total length says 57 bytes');
  assert.is(parseUdp(UDP_DNS_QUERY, 34, 40, 0, 0), UdpError.Truncated);
  assert.is(parseTcp(TCP_SYN, 34, 50, 0, 0), TcpError.Truncated);
  assert.is(parseIcmp(ICMP_ECHO_REQUEST, 34, 40), IcmpError.Truncated);
});

test('lying length fields are caught with the right reason', () => {
  const tooLongUdp = UDP_DNS_QUERY.slice();
  tooLongUdp[38] = 0x01; // UDP length 0x0125 > the 37 bytes there are
  assert.is(parseUdp(tooLongUdp, 34, tooLongUdp.length, 0, 0, false), UdpError.BadLength);
  const tooShortUdp = UDP_DNS_QUERY.slice();
  tooShortUdp[38] = 0;
  tooShortUdp[39] = 7;
  assert.is(parseUdp(tooShortUdp, 34, tooShortUdp.length, 0, 0, false), UdpError.BadLength);

  const badIhl = UDP_DNS_QUERY.slice();
  badIhl[14] = 0x44;
  assert.is(checkIpv4(badIhl, 14), Ipv4Error.BadHeaderLength);
  badIhl[14] = 0x4f;
  assert.is(checkIpv4(badIhl.slice(0, 60), 14), Ipv4Error.BadHeaderLength, '60-byte header in a 46-byte packet');
  const badVersion = UDP_DNS_QUERY.slice();
  badVersion[14] = 0x65;
  assert.is(checkIpv4(badVersion, 14), Ipv4Error.BadVersion);
  const totalBelowHeader = UDP_DNS_QUERY.slice();
  totalBelowHeader[17] = 19;
  fillIpv4Checksum(totalBelowHeader, 14);
  assert.is(checkIpv4(totalBelowHeader, 14), Ipv4Error.BadTotalLength);
  const flipped = UDP_DNS_QUERY.slice();
  flipped[22] ^= 0x01; // TTL
  assert.is(checkIpv4(flipped, 14), Ipv4Error.BadChecksum);
  assert.is(checkIpv4(flipped, 14, flipped.length, false), undefined, 'checksum check can be skipped');

  const badOffset = TCP_SYN.slice();
  badOffset[46] = 0x40; // data offset 16 bytes < 20
  assert.is(parseTcp(badOffset, 34, badOffset.length, 0, 0, false), TcpError.BadDataOffset);
  badOffset[46] = 0xf0; // 60 bytes > 40 present
  assert.is(parseTcp(badOffset, 34, badOffset.length, 0, 0, false), TcpError.BadDataOffset);
  const badOption = TCP_SYN.slice();
  badOption[55] = 0x40; // the SACK-permitted option claims 64 bytes
  assert.is(parseTcp(badOption, 34, badOption.length, 0, 0, false), TcpError.BadOptions);
  badOption[55] = 0x01; // a length below 2
  assert.is(parseTcp(badOption, 34, badOption.length, 0, 0, false), TcpError.BadOptions);

  const embedded = ICMP_PORT_UNREACHABLE.slice();
  embedded[42] = 0x4f; // the quoted header claims 60 bytes
  assert.is(checkIcmp(embedded, 34, embedded.length, false), IcmpError.BadEmbedded);
  assert.is(checkIcmp(ICMP_PORT_UNREACHABLE.slice(0, 34 + 8 + 19), 34, 61, false), IcmpError.BadEmbedded);
  const badIcmp = ICMP_ECHO_REQUEST.slice();
  badIcmp[40] ^= 0xff;
  assert.is(parseIcmp(badIcmp, 34, badIcmp.length), IcmpError.BadChecksum);

  const arpHw = ARP_REQUEST.slice();
  arpHw[15] = 6; // IEEE 802 hardware type
  assert.is(parseArp(arpHw, 14), ArpError.UnsupportedHardware);
  const arpProto = ARP_REQUEST.slice();
  arpProto[19] = 16; // protocol length 16
  assert.is(parseArp(arpProto, 14), ArpError.UnsupportedProtocol);
  const arpOp = ARP_REQUEST.slice();
  arpOp[21] = 3; // RARP request
  assert.is(parseArp(arpOp, 14), ArpError.BadOperation);
});

test('random bytes never make a parser throw (fast-check)', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 120 }), (bytes) => {
      parseAll(bytes);
    }),
    { seed: 99, numRuns: 3000 },
  );
});

test('20,000 mutated captures (bit flips, truncation, length lies) never make a parser throw', () => {
  const rng = new Rng(2026);
  const captures = Object.values(ALL_FIXTURES);
  const lengthFields = [16, 17, 14, 38, 39, 46]; // IP total length, IHL, UDP length, TCP data offset
  for (let round = 0; round < 20_000; round++) {
    const frame = captures[rng.int(captures.length)].slice();
    const flips = 1 + rng.int(4);
    for (let i = 0; i < flips; i++) frame[rng.int(frame.length)] ^= 1 << rng.int(8);
    if (rng.chance(0.3)) {
      const field = lengthFields[rng.int(lengthFields.length)];
      if (field < frame.length) frame[field] = rng.int(256);
    }
    const cut = rng.chance(0.3) ? frame.subarray(0, rng.int(frame.length + 1)) : frame;
    parseAll(cut);
  }
});

test.run();
