// ICMPv4 (RFC 792): echo request/reply, and the errors that embed the invoking packet's IP header
// plus at least its first 8 bytes (destination unreachable, time exceeded, parameter problem).
import { internetChecksum } from './checksum';

export const ICMP_TYPE = 0;
export const ICMP_CODE = 1;
export const ICMP_CHECKSUM = 2;
/** Echo: identifier and sequence number. */
export const ICMP_ECHO_IDENT = 4;
export const ICMP_ECHO_SEQ = 6;
/** Destination unreachable, code 4 (fragmentation needed): next-hop MTU (RFC 1191). */
export const ICMP_NEXT_HOP_MTU = 6;
/** Parameter problem: the pointer octet. */
export const ICMP_POINTER = 4;
export const ICMP_HEADER_LEN = 8;
/** Errors carry the invoking IP header and at least this many bytes of what followed it. */
export const ICMP_ERROR_L4_BYTES = 8;

export const IcmpType = {
  EchoReply: 0,
  DestinationUnreachable: 3,
  Redirect: 5,
  EchoRequest: 8,
  TimeExceeded: 11,
  ParameterProblem: 12,
} as const;

export const UnreachableCode = {
  Net: 0,
  Host: 1,
  Protocol: 2,
  Port: 3,
  FragmentationNeeded: 4,
  AdministrativelyProhibited: 13,
} as const;

export const IcmpError = {
  Truncated: 'icmp.truncated',
  BadChecksum: 'icmp.bad-checksum',
  BadEmbedded: 'icmp.bad-embedded',
} as const;
export type IcmpError = (typeof IcmpError)[keyof typeof IcmpError];

export type IcmpRepr =
  | { readonly kind: 'echo-request' | 'echo-reply'; readonly ident: number; readonly seq: number; readonly data: Uint8Array }
  | {
      readonly kind: 'destination-unreachable';
      readonly code: number;
      /** Only meaningful for code 4 (fragmentation needed); 0 otherwise. */
      readonly nextHopMtu: number;
      /** The invoking packet: its IP header and what followed it (a view when parsed). */
      readonly invoking: Uint8Array;
    }
  | { readonly kind: 'time-exceeded'; readonly code: number; readonly invoking: Uint8Array }
  | { readonly kind: 'parameter-problem'; readonly code: number; readonly pointer: number; readonly invoking: Uint8Array }
  /** Any other type: the 4 bytes after the checksum and the body are kept as they are. */
  | { readonly kind: 'other'; readonly type: number; readonly code: number; readonly rest: number; readonly body: Uint8Array };

export function icmpType(bytes: Uint8Array, offset: number): number {
  return bytes[offset + ICMP_TYPE];
}
export function icmpCode(bytes: Uint8Array, offset: number): number {
  return bytes[offset + ICMP_CODE];
}
export function icmpEchoIdent(bytes: Uint8Array, offset: number): number {
  return (bytes[offset + ICMP_ECHO_IDENT] << 8) | bytes[offset + ICMP_ECHO_IDENT + 1];
}
export function icmpEchoSeq(bytes: Uint8Array, offset: number): number {
  return (bytes[offset + ICMP_ECHO_SEQ] << 8) | bytes[offset + ICMP_ECHO_SEQ + 1];
}
export function icmpChecksum(bytes: Uint8Array, offset: number): number {
  return (bytes[offset + ICMP_CHECKSUM] << 8) | bytes[offset + ICMP_CHECKSUM + 1];
}
export function setIcmpChecksum(bytes: Uint8Array, offset: number, checksum: number): void {
  bytes[offset + ICMP_CHECKSUM] = checksum >>> 8;
  bytes[offset + ICMP_CHECKSUM + 1] = checksum & 0xff;
}
export function isIcmpError(type: number): boolean {
  return type === IcmpType.DestinationUnreachable || type === IcmpType.TimeExceeded || type === IcmpType.ParameterProblem;
}

/** The checksum covers the whole ICMP message, bytes[offset, end). */
export function verifyIcmpChecksum(bytes: Uint8Array, offset: number, end: number): boolean {
  return internetChecksum(bytes, offset, end) === 0;
}
export function fillIcmpChecksum(bytes: Uint8Array, offset: number, end: number): void {
  setIcmpChecksum(bytes, offset, 0);
  setIcmpChecksum(bytes, offset, internetChecksum(bytes, offset, end));
}

/**
 * Check the embedded packet of an ICMP error at `offset` (the ICMP header's start): a whole IPv4
 * header (version, IHL) must be present. Its total length is not checked against what is quoted
 * (the quote is cut short by design), nor its transport checksum (RFC 5508 REQ-3c); its header
 * checksum is the caller's choice (RFC 5508 REQ-3a) via `verifyIpv4Checksum` on the embedded offset.
 */
export function checkIcmpEmbedded(bytes: Uint8Array, offset: number, end: number): IcmpError | undefined {
  const inner = offset + ICMP_HEADER_LEN;
  if (end - inner < 20) return IcmpError.BadEmbedded;
  const verIhl = bytes[inner];
  const headerLength = (verIhl & 0x0f) * 4;
  if (verIhl >>> 4 !== 4 || headerLength < 20 || headerLength > end - inner) return IcmpError.BadEmbedded;
  return undefined;
}

/** Check the message bytes[offset, end): long enough, checksum right, and an error's embedded header sane. */
export function checkIcmp(bytes: Uint8Array, offset: number, end: number, verifyChecksum = true): IcmpError | undefined {
  if (end - offset < ICMP_HEADER_LEN) return IcmpError.Truncated;
  if (verifyChecksum && !verifyIcmpChecksum(bytes, offset, end)) return IcmpError.BadChecksum;
  if (isIcmpError(bytes[offset + ICMP_TYPE])) return checkIcmpEmbedded(bytes, offset, end);
  return undefined;
}

/** Parse the message bytes[offset, end); views into `bytes`. */
export function parseIcmp(bytes: Uint8Array, offset: number, end: number, verifyChecksum = true): IcmpRepr | IcmpError {
  const error = checkIcmp(bytes, offset, end, verifyChecksum);
  if (error !== undefined) return error;
  const type = bytes[offset + ICMP_TYPE];
  const code = bytes[offset + ICMP_CODE];
  const body = bytes.subarray(offset + ICMP_HEADER_LEN, end);
  switch (type) {
    case IcmpType.EchoRequest:
    case IcmpType.EchoReply:
      return {
        kind: type === IcmpType.EchoRequest ? 'echo-request' : 'echo-reply',
        ident: icmpEchoIdent(bytes, offset),
        seq: icmpEchoSeq(bytes, offset),
        data: body,
      };
    case IcmpType.DestinationUnreachable:
      return {
        kind: 'destination-unreachable',
        code,
        nextHopMtu: code === UnreachableCode.FragmentationNeeded ? (bytes[offset + ICMP_NEXT_HOP_MTU] << 8) | bytes[offset + ICMP_NEXT_HOP_MTU + 1] : 0,
        invoking: body,
      };
    case IcmpType.TimeExceeded:
      return { kind: 'time-exceeded', code, invoking: body };
    case IcmpType.ParameterProblem:
      return { kind: 'parameter-problem', code, pointer: bytes[offset + ICMP_POINTER], invoking: body };
    default: {
      const rest = ((bytes[offset + 4] << 24) | (bytes[offset + 5] << 16) | (bytes[offset + 6] << 8) | bytes[offset + 7]) >>> 0;
      return { kind: 'other', type, code, rest, body };
    }
  }
}

export function icmpReprLength(repr: IcmpRepr): number {
  switch (repr.kind) {
    case 'echo-request':
    case 'echo-reply':
      return ICMP_HEADER_LEN + repr.data.length;
    case 'other':
      return ICMP_HEADER_LEN + repr.body.length;
    default:
      return ICMP_HEADER_LEN + repr.invoking.length;
  }
}

/** Emit at `offset` with the checksum filled; returns the length, or 0 when it does not fit. */
export function emitIcmp(repr: IcmpRepr, bytes: Uint8Array, offset = 0): number {
  const length = icmpReprLength(repr);
  if (bytes.length - offset < length) return 0;
  bytes.fill(0, offset, offset + ICMP_HEADER_LEN);
  switch (repr.kind) {
    case 'echo-request':
    case 'echo-reply':
      bytes[offset + ICMP_TYPE] = repr.kind === 'echo-request' ? IcmpType.EchoRequest : IcmpType.EchoReply;
      bytes[offset + ICMP_ECHO_IDENT] = (repr.ident >>> 8) & 0xff;
      bytes[offset + ICMP_ECHO_IDENT + 1] = repr.ident & 0xff;
      bytes[offset + ICMP_ECHO_SEQ] = (repr.seq >>> 8) & 0xff;
      bytes[offset + ICMP_ECHO_SEQ + 1] = repr.seq & 0xff;
      bytes.set(repr.data, offset + ICMP_HEADER_LEN);
      break;
    case 'destination-unreachable':
      bytes[offset + ICMP_TYPE] = IcmpType.DestinationUnreachable;
      bytes[offset + ICMP_CODE] = repr.code;
      bytes[offset + ICMP_NEXT_HOP_MTU] = (repr.nextHopMtu >>> 8) & 0xff;
      bytes[offset + ICMP_NEXT_HOP_MTU + 1] = repr.nextHopMtu & 0xff;
      bytes.set(repr.invoking, offset + ICMP_HEADER_LEN);
      break;
    case 'time-exceeded':
      bytes[offset + ICMP_TYPE] = IcmpType.TimeExceeded;
      bytes[offset + ICMP_CODE] = repr.code;
      bytes.set(repr.invoking, offset + ICMP_HEADER_LEN);
      break;
    case 'parameter-problem':
      bytes[offset + ICMP_TYPE] = IcmpType.ParameterProblem;
      bytes[offset + ICMP_CODE] = repr.code;
      bytes[offset + ICMP_POINTER] = repr.pointer;
      bytes.set(repr.invoking, offset + ICMP_HEADER_LEN);
      break;
    case 'other':
      bytes[offset + ICMP_TYPE] = repr.type;
      bytes[offset + ICMP_CODE] = repr.code;
      bytes[offset + 4] = repr.rest >>> 24;
      bytes[offset + 5] = (repr.rest >>> 16) & 0xff;
      bytes[offset + 6] = (repr.rest >>> 8) & 0xff;
      bytes[offset + 7] = repr.rest & 0xff;
      bytes.set(repr.body, offset + ICMP_HEADER_LEN);
      break;
  }
  fillIcmpChecksum(bytes, offset, offset + length);
  return length;
}

/**
 * How much of an invoking packet an error should quote: its IP header plus 8 bytes, bounded by
 * what there is (RFC 792; RFC 1812 allows more, but 8 keeps replies small and predictable).
 */
export function icmpQuoteLength(bytes: Uint8Array, ipOffset: number, end: number): number {
  return Math.min(end - ipOffset, (bytes[ipOffset] & 0x0f) * 4 + ICMP_ERROR_L4_BYTES);
}
