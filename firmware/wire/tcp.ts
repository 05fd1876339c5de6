// TCP segment headers (RFC 9293): named offsets, flags, the options walk, MSS find/replace for
// clamping (with an RFC 1624 checksum update), the checksum over the pseudo-header, and a Repr.
import { adjustChecksum16, finishChecksum, pseudoHeaderSum, sumWords } from './checksum';
import { IpProtocol } from './ipv4';

export const TCP_SRC_PORT = 0;
export const TCP_DST_PORT = 2;
export const TCP_SEQ = 4;
export const TCP_ACK = 8;
/** Upper 4 bits: data offset in 32-bit words; lowest bit: the NS flag. */
export const TCP_DATA_OFFSET = 12;
export const TCP_FLAGS = 13;
export const TCP_WINDOW = 14;
export const TCP_CHECKSUM = 16;
export const TCP_URGENT = 18;
export const TCP_MIN_HEADER_LEN = 20;
export const TCP_MAX_HEADER_LEN = 60;

export const TcpFlag = { FIN: 0x01, SYN: 0x02, RST: 0x04, PSH: 0x08, ACK: 0x10, URG: 0x20, ECE: 0x40, CWR: 0x80 } as const;

export const TcpOption = { End: 0, Nop: 1, Mss: 2, WindowScale: 3, SackPermitted: 4, Sack: 5, Timestamp: 8 } as const;

export const TcpError = {
  Truncated: 'tcp.truncated',
  BadDataOffset: 'tcp.bad-data-offset',
  BadOptions: 'tcp.bad-options',
  BadChecksum: 'tcp.bad-checksum',
} as const;
export type TcpError = (typeof TcpError)[keyof typeof TcpError];

export interface TcpRepr {
  readonly srcPort: number;
  readonly dstPort: number;
  readonly seq: number;
  readonly ack: number;
  /** TcpFlag bits (8 bits; NS is not represented). */
  readonly flags: number;
  readonly window: number;
  readonly urgent: number;
  readonly mss?: number;
  readonly windowScale?: number;
  readonly sackPermitted: boolean;
  /** Left/right edge pairs of a SACK option (at most 4 blocks). */
  readonly sackBlocks?: readonly (readonly [number, number])[];
  readonly timestamp?: readonly [number, number];
  /** A view into the parsed buffer. */
  readonly payload: Uint8Array;
}

function u16(bytes: Uint8Array, at: number): number {
  return (bytes[at] << 8) | bytes[at + 1];
}
function u32(bytes: Uint8Array, at: number): number {
  return ((bytes[at] << 24) | (bytes[at + 1] << 16) | (bytes[at + 2] << 8) | bytes[at + 3]) >>> 0;
}
function put16(bytes: Uint8Array, at: number, value: number): void {
  bytes[at] = (value >>> 8) & 0xff;
  bytes[at + 1] = value & 0xff;
}
function put32(bytes: Uint8Array, at: number, value: number): void {
  bytes[at] = value >>> 24;
  bytes[at + 1] = (value >>> 16) & 0xff;
  bytes[at + 2] = (value >>> 8) & 0xff;
  bytes[at + 3] = value & 0xff;
}

export function tcpSrcPort(bytes: Uint8Array, offset: number): number {
  return u16(bytes, offset + TCP_SRC_PORT);
}
export function tcpDstPort(bytes: Uint8Array, offset: number): number {
  return u16(bytes, offset + TCP_DST_PORT);
}
export function tcpHeaderLength(bytes: Uint8Array, offset: number): number {
  return (bytes[offset + TCP_DATA_OFFSET] >>> 4) * 4;
}
export function tcpFlags(bytes: Uint8Array, offset: number): number {
  return bytes[offset + TCP_FLAGS];
}
export function tcpChecksum(bytes: Uint8Array, offset: number): number {
  return u16(bytes, offset + TCP_CHECKSUM);
}
export function setTcpChecksum(bytes: Uint8Array, offset: number, checksum: number): void {
  put16(bytes, offset + TCP_CHECKSUM, checksum);
}

/**
 * Walk the options between `offset + 20` and the header end. Returns the offset (absolute) of the
 * first option of `kind`, -1 when absent, or -2 when the options are malformed (an option runs
 * past the header or declares a length below 2).
 */
export function tcpFindOption(bytes: Uint8Array, offset: number, kind: number): number {
  const end = offset + tcpHeaderLength(bytes, offset);
  let at = offset + TCP_MIN_HEADER_LEN;
  while (at < end) {
    const current = bytes[at];
    if (current === TcpOption.End) return -1;
    if (current === TcpOption.Nop) {
      at++;
      continue;
    }
    if (at + 1 >= end) return -2;
    const length = bytes[at + 1];
    if (length < 2 || at + length > end) return -2;
    if (current === kind) return at;
    at += length;
  }
  return -1;
}

/** Check the segment at `offset` whose IP payload ends at `end`: header fits, data offset sane, options well-formed. */
export function checkTcp(bytes: Uint8Array, offset: number, end: number): TcpError | undefined {
  if (end - offset < TCP_MIN_HEADER_LEN) return TcpError.Truncated;
  const headerLength = tcpHeaderLength(bytes, offset);
  if (headerLength < TCP_MIN_HEADER_LEN || headerLength > end - offset) return TcpError.BadDataOffset;
  // No option has kind 0x100, so looking for it walks every option and reports a malformed one.
  if (tcpFindOption(bytes, offset, 0x100) === -2) return TcpError.BadOptions;
  return undefined;
}

/** The MSS option value, or undefined when there is none (or it has the wrong length). */
export function tcpMss(bytes: Uint8Array, offset: number): number | undefined {
  const at = tcpFindOption(bytes, offset, TcpOption.Mss);
  if (at < 0 || bytes[at + 1] !== 4) return undefined;
  return u16(bytes, at + 2);
}

/**
 * MSS clamping: when the segment carries an MSS option above `maxMss`, lower it in place and
 * update the checksum incrementally (RFC 1624). Returns true when the segment changed.
 * The option's value starts at an even or odd offset; the checksum word is adjusted accordingly.
 */
export function tcpClampMss(bytes: Uint8Array, offset: number, maxMss: number): boolean {
  const at = tcpFindOption(bytes, offset, TcpOption.Mss);
  if (at < 0 || bytes[at + 1] !== 4) return false;
  const value = at + 2;
  const old = u16(bytes, value);
  if (old <= maxMss) return false;
  let checksum = tcpChecksum(bytes, offset);
  if ((value - offset) % 2 === 0) {
    checksum = adjustChecksum16(checksum, old, maxMss);
    put16(bytes, value, maxMss);
  } else {
    // The value straddles two checksum words: [x, hi] and [lo, y].
    const before1 = u16(bytes, value - 1);
    const before2 = u16(bytes, value + 1);
    put16(bytes, value, maxMss);
    checksum = adjustChecksum16(checksum, before1, u16(bytes, value - 1));
    checksum = adjustChecksum16(checksum, before2, u16(bytes, value + 1));
  }
  setTcpChecksum(bytes, offset, checksum);
  return true;
}

/** Checksum over pseudo-header and the `length` bytes of segment (checksum field taken as 0). */
export function computeTcpChecksum(bytes: Uint8Array, offset: number, length: number, srcIp: number, dstIp: number): number {
  const sum = sumWords(bytes, offset, offset + length, pseudoHeaderSum(srcIp, dstIp, IpProtocol.TCP, length));
  return finishChecksum(sum - tcpChecksum(bytes, offset));
}

export function verifyTcpChecksum(bytes: Uint8Array, offset: number, length: number, srcIp: number, dstIp: number): boolean {
  return finishChecksum(sumWords(bytes, offset, offset + length, pseudoHeaderSum(srcIp, dstIp, IpProtocol.TCP, length))) === 0;
}

export function fillTcpChecksum(bytes: Uint8Array, offset: number, length: number, srcIp: number, dstIp: number): void {
  setTcpChecksum(bytes, offset, computeTcpChecksum(bytes, offset, length, srcIp, dstIp));
}

/**
 * Parse the segment occupying bytes[offset, end) (end = end of the IP payload). Options other than
 * MSS, window scale, SACK-permitted, SACK and timestamps are skipped. `verifyChecksum` needs the addresses.
 */
export function parseTcp(
  bytes: Uint8Array,
  offset: number,
  end: number,
  srcIp: number,
  dstIp: number,
  verifyChecksum = true,
): TcpRepr | TcpError {
  const error = checkTcp(bytes, offset, end);
  if (error !== undefined) return error;
  if (verifyChecksum && !verifyTcpChecksum(bytes, offset, end - offset, srcIp, dstIp)) return TcpError.BadChecksum;
  const headerLength = tcpHeaderLength(bytes, offset);
  let mss: number | undefined;
  let windowScale: number | undefined;
  let sackPermitted = false;
  let sackBlocks: [number, number][] | undefined;
  let timestamp: [number, number] | undefined;
  let at = offset + TCP_MIN_HEADER_LEN;
  const optionsEnd = offset + headerLength;
  while (at < optionsEnd) {
    const kind = bytes[at];
    if (kind === TcpOption.End) break;
    if (kind === TcpOption.Nop) {
      at++;
      continue;
    }
    const length = bytes[at + 1]; // checkTcp proved every option fits
    if (kind === TcpOption.Mss && length === 4) mss = u16(bytes, at + 2);
    else if (kind === TcpOption.WindowScale && length === 3) windowScale = bytes[at + 2];
    else if (kind === TcpOption.SackPermitted && length === 2) sackPermitted = true;
    else if (kind === TcpOption.Timestamp && length === 10) timestamp = [u32(bytes, at + 2), u32(bytes, at + 6)];
    else if (kind === TcpOption.Sack && length >= 10 && (length - 2) % 8 === 0) {
      sackBlocks = [];
      for (let block = at + 2; block < at + length; block += 8) sackBlocks.push([u32(bytes, block), u32(bytes, block + 4)]);
    }
    at += length;
  }
  return {
    srcPort: tcpSrcPort(bytes, offset),
    dstPort: tcpDstPort(bytes, offset),
    seq: u32(bytes, offset + TCP_SEQ),
    ack: u32(bytes, offset + TCP_ACK),
    flags: bytes[offset + TCP_FLAGS],
    window: u16(bytes, offset + TCP_WINDOW),
    urgent: u16(bytes, offset + TCP_URGENT),
    ...(mss !== undefined ? { mss } : {}),
    ...(windowScale !== undefined ? { windowScale } : {}),
    sackPermitted,
    ...(sackBlocks !== undefined ? { sackBlocks } : {}),
    ...(timestamp !== undefined ? { timestamp } : {}),
    payload: bytes.subarray(offset + headerLength, end),
  };
}

/** Bytes of options the Repr needs, padded to a multiple of 4. */
function optionsLength(repr: TcpRepr): number {
  let length = 0;
  if (repr.mss !== undefined) length += 4;
  if (repr.sackPermitted) length += 2;
  if (repr.timestamp !== undefined) length += 10;
  if (repr.windowScale !== undefined) length += 4; // NOP + window scale, as Linux aligns it
  if (repr.sackBlocks !== undefined && repr.sackBlocks.length > 0) length += 2 + 8 * repr.sackBlocks.length;
  return (length + 3) & ~3;
}

export function tcpReprHeaderLength(repr: TcpRepr): number {
  return TCP_MIN_HEADER_LEN + optionsLength(repr);
}

/** Emit header, options and payload at `offset` with the checksum filled; returns the length, or 0 when it does not fit. */
export function emitTcp(repr: TcpRepr, bytes: Uint8Array, offset: number, srcIp: number, dstIp: number): number {
  const headerLength = tcpReprHeaderLength(repr);
  const length = headerLength + repr.payload.length;
  if (headerLength > TCP_MAX_HEADER_LEN || bytes.length - offset < length) return 0;
  put16(bytes, offset + TCP_SRC_PORT, repr.srcPort);
  put16(bytes, offset + TCP_DST_PORT, repr.dstPort);
  put32(bytes, offset + TCP_SEQ, repr.seq);
  put32(bytes, offset + TCP_ACK, repr.ack);
  bytes[offset + TCP_DATA_OFFSET] = (headerLength / 4) << 4;
  bytes[offset + TCP_FLAGS] = repr.flags & 0xff;
  put16(bytes, offset + TCP_WINDOW, repr.window);
  put16(bytes, offset + TCP_CHECKSUM, 0);
  put16(bytes, offset + TCP_URGENT, repr.urgent);
  let at = offset + TCP_MIN_HEADER_LEN;
  if (repr.mss !== undefined) {
    bytes[at] = TcpOption.Mss;
    bytes[at + 1] = 4;
    put16(bytes, at + 2, repr.mss);
    at += 4;
  }
  if (repr.sackPermitted) {
    bytes[at] = TcpOption.SackPermitted;
    bytes[at + 1] = 2;
    at += 2;
  }
  if (repr.timestamp !== undefined) {
    bytes[at] = TcpOption.Timestamp;
    bytes[at + 1] = 10;
    put32(bytes, at + 2, repr.timestamp[0]);
    put32(bytes, at + 6, repr.timestamp[1]);
    at += 10;
  }
  if (repr.windowScale !== undefined) {
    bytes[at] = TcpOption.Nop;
    bytes[at + 1] = TcpOption.WindowScale;
    bytes[at + 2] = 3;
    bytes[at + 3] = repr.windowScale;
    at += 4;
  }
  if (repr.sackBlocks !== undefined && repr.sackBlocks.length > 0) {
    bytes[at] = TcpOption.Sack;
    bytes[at + 1] = 2 + 8 * repr.sackBlocks.length;
    at += 2;
    for (const [left, right] of repr.sackBlocks) {
      put32(bytes, at, left);
      put32(bytes, at + 4, right);
      at += 8;
    }
  }
  bytes.fill(TcpOption.End, at, offset + headerLength);
  bytes.set(repr.payload, offset + headerLength);
  fillTcpChecksum(bytes, offset, length, srcIp, dstIp);
  return length;
}
