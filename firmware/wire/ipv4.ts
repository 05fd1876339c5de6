// IPv4 headers (RFC 791): named offsets, in-place accessors for the forwarding hot path, a Repr
// with options and fragment fields, and the header checksum.
import { readIp, writeIp } from '../util/ipv4';
import { internetChecksum, sumWords, finishChecksum } from './checksum';

export const IPV4_VER_IHL = 0;
export const IPV4_DSCP_ECN = 1;
export const IPV4_TOTAL_LEN = 2;
export const IPV4_IDENT = 4;
export const IPV4_FLAGS_FRAG = 6;
export const IPV4_TTL = 8;
export const IPV4_PROTOCOL = 9;
export const IPV4_CHECKSUM = 10;
export const IPV4_SRC = 12;
export const IPV4_DST = 16;
export const IPV4_MIN_HEADER_LEN = 20;
export const IPV4_MAX_HEADER_LEN = 60;

export const IPV4_FLAG_DF = 0x4000;
export const IPV4_FLAG_MF = 0x2000;
export const IPV4_FRAG_OFFSET_MASK = 0x1fff;

export const IpProtocol = { ICMP: 1, TCP: 6, UDP: 17 } as const;

export const Ipv4Error = {
  Truncated: 'ipv4.truncated',
  BadVersion: 'ipv4.bad-version',
  BadHeaderLength: 'ipv4.bad-header-length',
  BadTotalLength: 'ipv4.bad-total-length',
  BadChecksum: 'ipv4.bad-checksum',
} as const;
export type Ipv4Error = (typeof Ipv4Error)[keyof typeof Ipv4Error];

export interface Ipv4Repr {
  readonly dscp: number;
  readonly ecn: number;
  readonly identification: number;
  readonly dontFragment: boolean;
  readonly moreFragments: boolean;
  /** In bytes (a multiple of 8). */
  readonly fragmentOffset: number;
  readonly ttl: number;
  readonly protocol: number;
  readonly src: number;
  readonly dst: number;
  /** Raw option bytes (a multiple of 4 long, at most 40); a view when parsed. */
  readonly options: Uint8Array;
  readonly payloadLength: number;
}

/**
 * Validate the header at `offset` against the buffer end: version, IHL, total length, and (unless
 * `verifyChecksum` is false) the header checksum. Undefined when the header can be trusted.
 */
export function checkIpv4(bytes: Uint8Array, offset: number, end = bytes.length, verifyChecksum = true): Ipv4Error | undefined {
  const available = end - offset;
  if (available < IPV4_MIN_HEADER_LEN) return Ipv4Error.Truncated;
  const verIhl = bytes[offset + IPV4_VER_IHL];
  if (verIhl >>> 4 !== 4) return Ipv4Error.BadVersion;
  const headerLength = (verIhl & 0x0f) * 4;
  if (headerLength < IPV4_MIN_HEADER_LEN || headerLength > available) return Ipv4Error.BadHeaderLength;
  const totalLength = (bytes[offset + IPV4_TOTAL_LEN] << 8) | bytes[offset + IPV4_TOTAL_LEN + 1];
  if (totalLength < headerLength || totalLength > available) return Ipv4Error.BadTotalLength;
  if (verifyChecksum && internetChecksum(bytes, offset, offset + headerLength) !== 0) return Ipv4Error.BadChecksum;
  return undefined;
}

export function ipv4HeaderLength(bytes: Uint8Array, offset: number): number {
  return (bytes[offset + IPV4_VER_IHL] & 0x0f) * 4;
}
export function ipv4TotalLength(bytes: Uint8Array, offset: number): number {
  return (bytes[offset + IPV4_TOTAL_LEN] << 8) | bytes[offset + IPV4_TOTAL_LEN + 1];
}
export function ipv4Identification(bytes: Uint8Array, offset: number): number {
  return (bytes[offset + IPV4_IDENT] << 8) | bytes[offset + IPV4_IDENT + 1];
}
export function ipv4FlagsFragment(bytes: Uint8Array, offset: number): number {
  return (bytes[offset + IPV4_FLAGS_FRAG] << 8) | bytes[offset + IPV4_FLAGS_FRAG + 1];
}
/** True for any fragment (MF set or a non-zero offset): only the first fragment carries the L4 header. */
export function ipv4IsFragment(bytes: Uint8Array, offset: number): boolean {
  return (ipv4FlagsFragment(bytes, offset) & (IPV4_FLAG_MF | IPV4_FRAG_OFFSET_MASK)) !== 0;
}
/** Fragment offset in bytes. */
export function ipv4FragmentOffset(bytes: Uint8Array, offset: number): number {
  return (ipv4FlagsFragment(bytes, offset) & IPV4_FRAG_OFFSET_MASK) * 8;
}
export function ipv4Ttl(bytes: Uint8Array, offset: number): number {
  return bytes[offset + IPV4_TTL];
}
export function ipv4Protocol(bytes: Uint8Array, offset: number): number {
  return bytes[offset + IPV4_PROTOCOL];
}
export function ipv4Src(bytes: Uint8Array, offset: number): number {
  return readIp(bytes, offset + IPV4_SRC);
}
export function ipv4Dst(bytes: Uint8Array, offset: number): number {
  return readIp(bytes, offset + IPV4_DST);
}
export function ipv4Checksum(bytes: Uint8Array, offset: number): number {
  return (bytes[offset + IPV4_CHECKSUM] << 8) | bytes[offset + IPV4_CHECKSUM + 1];
}
export function setIpv4Checksum(bytes: Uint8Array, offset: number, checksum: number): void {
  bytes[offset + IPV4_CHECKSUM] = checksum >>> 8;
  bytes[offset + IPV4_CHECKSUM + 1] = checksum & 0xff;
}

/** Recompute the header checksum in place (IHL must already be valid). */
export function fillIpv4Checksum(bytes: Uint8Array, offset: number): void {
  setIpv4Checksum(bytes, offset, 0);
  setIpv4Checksum(bytes, offset, internetChecksum(bytes, offset, offset + ipv4HeaderLength(bytes, offset)));
}

export function verifyIpv4Checksum(bytes: Uint8Array, offset: number): boolean {
  return finishChecksum(sumWords(bytes, offset, offset + ipv4HeaderLength(bytes, offset))) === 0;
}

/** Parse the header at `offset`. `options` is a view into `bytes`. */
export function parseIpv4(bytes: Uint8Array, offset = 0, end = bytes.length, verifyChecksum = true): Ipv4Repr | Ipv4Error {
  const error = checkIpv4(bytes, offset, end, verifyChecksum);
  if (error !== undefined) return error;
  const headerLength = ipv4HeaderLength(bytes, offset);
  const flagsFragment = ipv4FlagsFragment(bytes, offset);
  return {
    dscp: bytes[offset + IPV4_DSCP_ECN] >>> 2,
    ecn: bytes[offset + IPV4_DSCP_ECN] & 3,
    identification: ipv4Identification(bytes, offset),
    dontFragment: (flagsFragment & IPV4_FLAG_DF) !== 0,
    moreFragments: (flagsFragment & IPV4_FLAG_MF) !== 0,
    fragmentOffset: (flagsFragment & IPV4_FRAG_OFFSET_MASK) * 8,
    ttl: bytes[offset + IPV4_TTL],
    protocol: bytes[offset + IPV4_PROTOCOL],
    src: ipv4Src(bytes, offset),
    dst: ipv4Dst(bytes, offset),
    options: bytes.subarray(offset + IPV4_MIN_HEADER_LEN, offset + headerLength),
    payloadLength: ipv4TotalLength(bytes, offset) - headerLength,
  };
}

/** Header length the Repr will occupy (options padded to 4 bytes), or 0 when the options are too long. */
export function ipv4ReprHeaderLength(repr: Ipv4Repr): number {
  const length = IPV4_MIN_HEADER_LEN + ((repr.options.length + 3) & ~3);
  return length > IPV4_MAX_HEADER_LEN ? 0 : length;
}

/**
 * Emit the header (checksum filled) at `offset`; the payload is the caller's. Returns the header
 * length, or 0 when the buffer is too short or the fields do not fit.
 */
export function emitIpv4(repr: Ipv4Repr, bytes: Uint8Array, offset = 0): number {
  const headerLength = ipv4ReprHeaderLength(repr);
  const totalLength = headerLength + repr.payloadLength;
  if (headerLength === 0 || totalLength > 0xffff || bytes.length - offset < headerLength) return 0;
  if (repr.fragmentOffset % 8 !== 0 || repr.fragmentOffset / 8 > IPV4_FRAG_OFFSET_MASK) return 0;
  bytes[offset + IPV4_VER_IHL] = 0x40 | (headerLength / 4);
  bytes[offset + IPV4_DSCP_ECN] = ((repr.dscp & 0x3f) << 2) | (repr.ecn & 3);
  bytes[offset + IPV4_TOTAL_LEN] = totalLength >>> 8;
  bytes[offset + IPV4_TOTAL_LEN + 1] = totalLength & 0xff;
  bytes[offset + IPV4_IDENT] = (repr.identification >>> 8) & 0xff;
  bytes[offset + IPV4_IDENT + 1] = repr.identification & 0xff;
  const flagsFragment = (repr.dontFragment ? IPV4_FLAG_DF : 0) | (repr.moreFragments ? IPV4_FLAG_MF : 0) | (repr.fragmentOffset / 8);
  bytes[offset + IPV4_FLAGS_FRAG] = flagsFragment >>> 8;
  bytes[offset + IPV4_FLAGS_FRAG + 1] = flagsFragment & 0xff;
  bytes[offset + IPV4_TTL] = repr.ttl & 0xff;
  bytes[offset + IPV4_PROTOCOL] = repr.protocol & 0xff;
  writeIp(bytes, offset + IPV4_SRC, repr.src);
  writeIp(bytes, offset + IPV4_DST, repr.dst);
  bytes.set(repr.options, offset + IPV4_MIN_HEADER_LEN);
  // Pad options with End-of-Option-List (0) up to the 4-byte boundary.
  bytes.fill(0, offset + IPV4_MIN_HEADER_LEN + repr.options.length, offset + headerLength);
  fillIpv4Checksum(bytes, offset);
  return headerLength;
}
