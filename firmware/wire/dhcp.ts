// BOOTP/DHCP messages (RFC 951, RFC 2131, RFC 2132, RFC 3396): a zero-copy parse of the fixed
// header and the options (with overload, 52, into `file`/`sname`), and an emitter. Client/server
// neutral: the LAN server and the WAN client both use it.
import { readIp, writeIp } from '../util/ipv4';

// Fixed header, byte offsets (RFC 2131 figure 1).
export const OP = 0;
export const HTYPE = 1;
export const HLEN = 2;
export const HOPS = 3;
export const XID = 4;
export const SECS = 8;
export const FLAGS = 10;
export const CIADDR = 12;
export const YIADDR = 16;
export const SIADDR = 20;
export const GIADDR = 24;
export const CHADDR = 28;
export const CHADDR_LEN = 16;
export const SNAME = 44;
export const SNAME_LEN = 64;
export const FILE = 108;
export const FILE_LEN = 128;
export const COOKIE = 236;
export const OPTIONS = 240;
export const MAGIC_COOKIE = 0x63825363;
/** BOOTP's minimum message (RFC 1542 §2.1): some relays and clients drop anything shorter. */
export const MIN_MESSAGE = 300;
/** The size every client must accept (RFC 2131 §2: a 576-byte IP datagram minus 28 bytes of IP/UDP). */
export const DEFAULT_MAX_MESSAGE = 548;

export const BOOTREQUEST = 1;
export const BOOTREPLY = 2;
export const FLAG_BROADCAST = 0x8000;

/** Option 53 values. */
export const MessageType = {
  DISCOVER: 1,
  OFFER: 2,
  REQUEST: 3,
  DECLINE: 4,
  ACK: 5,
  NAK: 6,
  RELEASE: 7,
  INFORM: 8,
} as const;
export type MessageType = (typeof MessageType)[keyof typeof MessageType];
export const MESSAGE_TYPE_NAMES: Readonly<Record<number, string>> = {
  1: 'discover',
  2: 'offer',
  3: 'request',
  4: 'decline',
  5: 'ack',
  6: 'nak',
  7: 'release',
  8: 'inform',
};

/** Option codes used here. */
export const Opt = {
  PAD: 0,
  SUBNET_MASK: 1,
  ROUTER: 3,
  DNS: 6,
  HOSTNAME: 12,
  DOMAIN: 15,
  NTP: 42,
  VENDOR_SPECIFIC: 43,
  REQUESTED_IP: 50,
  LEASE_TIME: 51,
  OVERLOAD: 52,
  MESSAGE_TYPE: 53,
  SERVER_ID: 54,
  PARAMETER_LIST: 55,
  MESSAGE: 56,
  MAX_MESSAGE_SIZE: 57,
  RENEWAL_TIME: 58,
  REBINDING_TIME: 59,
  VENDOR_CLASS: 60,
  CLIENT_ID: 61,
  TFTP_SERVER_NAME: 66,
  BOOTFILE: 67,
  RELAY_AGENT: 82,
  VI_VENDOR_CLASS: 124,
  VI_VENDOR_SPECIFIC: 125,
  TFTP_SERVERS: 150,
  PORT_PARAMS: 159,
  AVAYA_SITE: 242,
  END: 255,
} as const;

/** Why a message was refused. Each one is a counter name on the server. */
export const DhcpError = {
  TRUNCATED: 'truncated',
  BAD_OP: 'bad-op',
  BAD_HLEN: 'bad-hlen',
  BAD_COOKIE: 'bad-cookie',
  OPTION_OVERRUN: 'option-overrun',
  BAD_OVERLOAD: 'bad-overload',
  BAD_MESSAGE_TYPE: 'bad-message-type',
} as const;
export type DhcpError = (typeof DhcpError)[keyof typeof DhcpError];

/** A parsed message. Option values are views into the packet unless split instances had to be joined. */
export interface DhcpMessage {
  readonly bytes: Uint8Array;
  readonly op: number;
  readonly htype: number;
  readonly hlen: number;
  readonly hops: number;
  readonly xid: number;
  readonly secs: number;
  readonly flags: number;
  readonly ciaddr: number;
  readonly yiaddr: number;
  readonly siaddr: number;
  readonly giaddr: number;
  /** Option 53, or 0 for a plain BOOTP message. */
  readonly messageType: number;
  /** Option 52 as read (0 none, 1 file, 2 sname, 3 both). */
  readonly overload: number;
  /** Option values by code; RFC 3396 split options are concatenated in order. */
  readonly options: ReadonlyMap<number, Uint8Array>;
}

/** The client hardware address (first hlen bytes of chaddr), as a view. */
export function chaddrOf(message: DhcpMessage): Uint8Array {
  return message.bytes.subarray(CHADDR, CHADDR + message.hlen);
}

function readU16(bytes: Uint8Array, offset: number): number {
  return (bytes[offset] << 8) | bytes[offset + 1];
}

/**
 * Walk one options area, adding each instance to `found`. Returns false on an overrun (an option
 * whose length runs past the area). The walk stops at END or at the end of the area.
 */
function readOptionArea(bytes: Uint8Array, start: number, end: number, found: Map<number, Uint8Array[]>): boolean {
  let at = start;
  while (at < end) {
    const code = bytes[at];
    if (code === Opt.PAD) {
      at++;
      continue;
    }
    if (code === Opt.END) return true;
    if (at + 1 >= end) return false;
    const length = bytes[at + 1];
    if (at + 2 + length > end) return false;
    const value = bytes.subarray(at + 2, at + 2 + length);
    const list = found.get(code);
    if (list) list.push(value);
    else found.set(code, [value]);
    at += 2 + length;
  }
  return true;
}

function joinInstances(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0];
  let total = 0;
  for (const part of parts) total += part.length;
  const joined = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
    joined.set(part, at);
    at += part.length;
  }
  return joined;
}

/** Parse a BOOTP/DHCP message. Never throws; returns a DhcpError on malformed input. */
export function parseDhcp(bytes: Uint8Array): DhcpMessage | DhcpError {
  if (bytes.length < OPTIONS) return DhcpError.TRUNCATED;
  const op = bytes[OP];
  if (op !== BOOTREQUEST && op !== BOOTREPLY) return DhcpError.BAD_OP;
  const hlen = bytes[HLEN];
  if (hlen > CHADDR_LEN) return DhcpError.BAD_HLEN;
  if (readIp(bytes, COOKIE) !== MAGIC_COOKIE) return DhcpError.BAD_COOKIE;
  const found = new Map<number, Uint8Array[]>();
  if (!readOptionArea(bytes, OPTIONS, bytes.length, found)) return DhcpError.OPTION_OVERRUN;
  let overload = 0;
  const overloadParts = found.get(Opt.OVERLOAD);
  if (overloadParts) {
    // RFC 2131 §4.1: the file field is read first, then sname; each must end with END.
    if (overloadParts.length !== 1 || overloadParts[0].length !== 1) return DhcpError.BAD_OVERLOAD;
    overload = overloadParts[0][0];
    if (overload < 1 || overload > 3) return DhcpError.BAD_OVERLOAD;
    found.delete(Opt.OVERLOAD);
    if (overload & 1 && !readOptionArea(bytes, FILE, FILE + FILE_LEN, found)) return DhcpError.OPTION_OVERRUN;
    if (overload & 2 && !readOptionArea(bytes, SNAME, SNAME + SNAME_LEN, found)) return DhcpError.OPTION_OVERRUN;
    if (found.has(Opt.OVERLOAD)) return DhcpError.BAD_OVERLOAD;
  }
  const options = new Map<number, Uint8Array>();
  for (const [code, parts] of found) options.set(code, joinInstances(parts));
  let messageType = 0;
  const typeValue = options.get(Opt.MESSAGE_TYPE);
  if (typeValue) {
    if (typeValue.length !== 1 || typeValue[0] < 1 || typeValue[0] > 18) return DhcpError.BAD_MESSAGE_TYPE;
    messageType = typeValue[0];
  }
  return {
    bytes,
    op,
    htype: bytes[HTYPE],
    hlen,
    hops: bytes[HOPS],
    xid: readIp(bytes, XID),
    secs: readU16(bytes, SECS),
    flags: readU16(bytes, FLAGS),
    ciaddr: readIp(bytes, CIADDR),
    yiaddr: readIp(bytes, YIADDR),
    siaddr: readIp(bytes, SIADDR),
    giaddr: readIp(bytes, GIADDR),
    messageType,
    overload,
    options,
  };
}

export function isDhcpError(value: DhcpMessage | DhcpError): value is DhcpError {
  return typeof value === 'string';
}

/** One option to emit. Values longer than 255 bytes are split into instances (RFC 3396). */
export interface DhcpOption {
  readonly code: number;
  readonly value: Uint8Array;
}

/** What emitDhcp writes. */
export interface DhcpRepr {
  readonly op: number;
  readonly htype?: number;
  readonly hlen?: number;
  readonly hops?: number;
  readonly xid: number;
  readonly secs?: number;
  readonly flags?: number;
  readonly ciaddr?: number;
  readonly yiaddr?: number;
  readonly siaddr?: number;
  readonly giaddr?: number;
  /** Up to 16 bytes. */
  readonly chaddr: Uint8Array;
  /** ASCII bytes, at most 63 / 127 (a NUL terminator is kept). */
  readonly sname?: Uint8Array;
  readonly file?: Uint8Array;
  /** Emitted in this order (53 should come first). */
  readonly options: readonly DhcpOption[];
}

export interface EmitResult {
  /** Bytes written (at least MIN_MESSAGE). */
  readonly length: number;
  /** Option codes that did not fit in `maxLength` and were left out. */
  readonly dropped: readonly number[];
}

function encodedOptionLength(value: Uint8Array): number {
  const instances = Math.max(1, Math.ceil(value.length / 255));
  return value.length + 2 * instances;
}

/**
 * Write `repr` into `buffer` (which must hold `maxLength` bytes; maxLength >= MIN_MESSAGE). Options
 * that would not fit are left out whole and reported, never cut. Padding up to MIN_MESSAGE is zero.
 */
export function emitDhcp(repr: DhcpRepr, buffer: Uint8Array, maxLength = DEFAULT_MAX_MESSAGE): EmitResult {
  if (maxLength < MIN_MESSAGE || buffer.length < maxLength) throw new RangeError('emitDhcp: buffer too small');
  if (repr.chaddr.length > CHADDR_LEN) throw new RangeError('emitDhcp: chaddr longer than 16 bytes');
  buffer.fill(0, 0, maxLength);
  buffer[OP] = repr.op;
  buffer[HTYPE] = repr.htype ?? 1;
  buffer[HLEN] = repr.hlen ?? repr.chaddr.length;
  buffer[HOPS] = repr.hops ?? 0;
  writeIp(buffer, XID, repr.xid);
  buffer[SECS] = ((repr.secs ?? 0) >>> 8) & 0xff;
  buffer[SECS + 1] = (repr.secs ?? 0) & 0xff;
  buffer[FLAGS] = ((repr.flags ?? 0) >>> 8) & 0xff;
  buffer[FLAGS + 1] = (repr.flags ?? 0) & 0xff;
  writeIp(buffer, CIADDR, repr.ciaddr ?? 0);
  writeIp(buffer, YIADDR, repr.yiaddr ?? 0);
  writeIp(buffer, SIADDR, repr.siaddr ?? 0);
  writeIp(buffer, GIADDR, repr.giaddr ?? 0);
  buffer.set(repr.chaddr, CHADDR);
  if (repr.sname) buffer.set(repr.sname.subarray(0, SNAME_LEN - 1), SNAME);
  if (repr.file) buffer.set(repr.file.subarray(0, FILE_LEN - 1), FILE);
  writeIp(buffer, COOKIE, MAGIC_COOKIE);
  let at = OPTIONS;
  const limit = maxLength - 1; // keep one byte for END
  const dropped: number[] = [];
  for (const option of repr.options) {
    if (at + encodedOptionLength(option.value) > limit) {
      dropped.push(option.code);
      continue;
    }
    let offset = 0;
    do {
      const chunk = Math.min(255, option.value.length - offset);
      buffer[at] = option.code;
      buffer[at + 1] = chunk;
      buffer.set(option.value.subarray(offset, offset + chunk), at + 2);
      at += 2 + chunk;
      offset += chunk;
    } while (offset < option.value.length);
  }
  buffer[at++] = Opt.END;
  return { length: Math.max(at, MIN_MESSAGE), dropped };
}
