// UDP (RFC 768): named offsets, in-place accessors, checksum over the IPv4 pseudo-header, and a Repr.
// A transmitted checksum of 0 means "none"; a computed 0 goes on the wire as 0xffff.
import { finishChecksum, pseudoHeaderSum, sumWords } from './checksum';
import { IpProtocol } from './ipv4';

export const UDP_SRC_PORT = 0;
export const UDP_DST_PORT = 2;
export const UDP_LENGTH = 4;
export const UDP_CHECKSUM = 6;
export const UDP_HEADER_LEN = 8;

export const UdpError = {
  Truncated: 'udp.truncated',
  BadLength: 'udp.bad-length',
  BadChecksum: 'udp.bad-checksum',
} as const;
export type UdpError = (typeof UdpError)[keyof typeof UdpError];

export interface UdpRepr {
  readonly srcPort: number;
  readonly dstPort: number;
  /** A view into the parsed buffer. */
  readonly payload: Uint8Array;
}

export function udpSrcPort(bytes: Uint8Array, offset: number): number {
  return (bytes[offset + UDP_SRC_PORT] << 8) | bytes[offset + UDP_SRC_PORT + 1];
}
export function udpDstPort(bytes: Uint8Array, offset: number): number {
  return (bytes[offset + UDP_DST_PORT] << 8) | bytes[offset + UDP_DST_PORT + 1];
}
export function udpLength(bytes: Uint8Array, offset: number): number {
  return (bytes[offset + UDP_LENGTH] << 8) | bytes[offset + UDP_LENGTH + 1];
}
export function udpChecksum(bytes: Uint8Array, offset: number): number {
  return (bytes[offset + UDP_CHECKSUM] << 8) | bytes[offset + UDP_CHECKSUM + 1];
}
export function setUdpChecksum(bytes: Uint8Array, offset: number, checksum: number): void {
  bytes[offset + UDP_CHECKSUM] = checksum >>> 8;
  bytes[offset + UDP_CHECKSUM + 1] = checksum & 0xff;
}

/**
 * Check the datagram at `offset` whose IP payload ends at `end`: the header fits and the length
 * field is within [8, end - offset]. Bytes beyond the UDP length (padding) are allowed.
 */
export function checkUdp(bytes: Uint8Array, offset: number, end: number): UdpError | undefined {
  if (end - offset < UDP_HEADER_LEN) return UdpError.Truncated;
  const length = udpLength(bytes, offset);
  if (length < UDP_HEADER_LEN || length > end - offset) return UdpError.BadLength;
  return undefined;
}

/** The checksum the datagram of `length` bytes at `offset` should carry (with the checksum field taken as 0). */
export function computeUdpChecksum(bytes: Uint8Array, offset: number, length: number, srcIp: number, dstIp: number): number {
  const stored = udpChecksum(bytes, offset);
  let sum = sumWords(bytes, offset, offset + length, pseudoHeaderSum(srcIp, dstIp, IpProtocol.UDP, length));
  sum -= stored; // exclude the field itself without writing to the buffer (the sum included it)
  const checksum = finishChecksum(sum);
  return checksum === 0 ? 0xffff : checksum;
}

/** True when the checksum is absent (0) or right. The length field must already be checked. */
export function verifyUdpChecksum(bytes: Uint8Array, offset: number, srcIp: number, dstIp: number): boolean {
  const stored = udpChecksum(bytes, offset);
  if (stored === 0) return true;
  const length = udpLength(bytes, offset);
  const sum = sumWords(bytes, offset, offset + length, pseudoHeaderSum(srcIp, dstIp, IpProtocol.UDP, length));
  return finishChecksum(sum) === 0;
}

export function fillUdpChecksum(bytes: Uint8Array, offset: number, srcIp: number, dstIp: number): void {
  setUdpChecksum(bytes, offset, 0);
  setUdpChecksum(bytes, offset, computeUdpChecksum(bytes, offset, udpLength(bytes, offset), srcIp, dstIp));
}

/** Parse; the payload is a view. Pass `verifyChecksum` false to skip the checksum (e.g. in ICMP errors). */
export function parseUdp(
  bytes: Uint8Array,
  offset: number,
  end: number,
  srcIp: number,
  dstIp: number,
  verifyChecksum = true,
): UdpRepr | UdpError {
  const error = checkUdp(bytes, offset, end);
  if (error !== undefined) return error;
  if (verifyChecksum && !verifyUdpChecksum(bytes, offset, srcIp, dstIp)) return UdpError.BadChecksum;
  return {
    srcPort: udpSrcPort(bytes, offset),
    dstPort: udpDstPort(bytes, offset),
    payload: bytes.subarray(offset + UDP_HEADER_LEN, offset + udpLength(bytes, offset)),
  };
}

/** Write header and payload at `offset` with the checksum filled; returns the length, or 0 when it does not fit. */
export function emitUdp(repr: UdpRepr, bytes: Uint8Array, offset: number, srcIp: number, dstIp: number): number {
  const length = UDP_HEADER_LEN + repr.payload.length;
  if (length > 0xffff || bytes.length - offset < length) return 0;
  writeUdpHeader(bytes, offset, repr.srcPort, repr.dstPort, length);
  bytes.set(repr.payload, offset + UDP_HEADER_LEN);
  fillUdpChecksum(bytes, offset, srcIp, dstIp);
  return length;
}

/** Ports and length, checksum zeroed: for builders that place the payload themselves. */
export function writeUdpHeader(bytes: Uint8Array, offset: number, srcPort: number, dstPort: number, length: number): void {
  bytes[offset + UDP_SRC_PORT] = srcPort >>> 8;
  bytes[offset + UDP_SRC_PORT + 1] = srcPort & 0xff;
  bytes[offset + UDP_DST_PORT] = dstPort >>> 8;
  bytes[offset + UDP_DST_PORT + 1] = dstPort & 0xff;
  bytes[offset + UDP_LENGTH] = length >>> 8;
  bytes[offset + UDP_LENGTH + 1] = length & 0xff;
  bytes[offset + UDP_CHECKSUM] = 0;
  bytes[offset + UDP_CHECKSUM + 1] = 0;
}
