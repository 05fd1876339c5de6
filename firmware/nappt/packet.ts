// Named byte offsets of the headers the forwarder rewrites in place (IPv4, UDP, TCP, ICMP), and the
// few read/write helpers it needs. Offsets are relative to the start of each header.
// (Kept here until firmware/wire/{ipv4,udp,tcp,icmp}.ts land; the names match those modules.)

export const ETH_HEADER_LENGTH = 14;

export const IP_VERSION_IHL = 0;
export const IP_TOS = 1;
export const IP_TOTAL_LENGTH = 2;
export const IP_ID = 4;
export const IP_FLAGS_FRAGMENT = 6;
export const IP_TTL = 8;
export const IP_PROTOCOL = 9;
export const IP_CHECKSUM = 10;
export const IP_SRC = 12;
export const IP_DST = 16;
export const IP_MIN_HEADER = 20;
export const IP_FLAG_DF = 0x4000;
export const IP_FLAG_MF = 0x2000;
export const IP_FRAGMENT_OFFSET_MASK = 0x1fff;

export const PROTO_ICMP = 1;
export const PROTO_TCP = 6;
export const PROTO_UDP = 17;

export const L4_SRC_PORT = 0;
export const L4_DST_PORT = 2;
export const UDP_LENGTH = 4;
export const UDP_CHECKSUM = 6;
export const UDP_HEADER = 8;

export const TCP_DATA_OFFSET = 12;
export const TCP_FLAGS = 13;
export const TCP_CHECKSUM = 16;
export const TCP_MIN_HEADER = 20;
export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_ACK = 0x10;
export const TCP_OPTION_END = 0;
export const TCP_OPTION_NOP = 1;
export const TCP_OPTION_MSS = 2;

export const ICMP_TYPE = 0;
export const ICMP_CODE = 1;
export const ICMP_CHECKSUM = 2;
/** Echo and the other query messages: identifier and sequence number. */
export const ICMP_ID = 4;
export const ICMP_SEQ = 6;
/** Destination unreachable, code 4: the next-hop MTU (RFC 1191). */
export const ICMP_NEXT_HOP_MTU = 6;
/** Error messages carry the offending IP header (+ at least 8 bytes) from here. */
export const ICMP_ERROR_EMBEDDED = 8;
export const ICMP_HEADER = 8;

export const ICMP_ECHO_REPLY = 0;
export const ICMP_DEST_UNREACHABLE = 3;
export const ICMP_SOURCE_QUENCH = 4;
export const ICMP_REDIRECT = 5;
export const ICMP_ECHO_REQUEST = 8;
export const ICMP_TIME_EXCEEDED = 11;
export const ICMP_PARAMETER_PROBLEM = 12;
export const ICMP_TIMESTAMP = 13;
export const ICMP_TIMESTAMP_REPLY = 14;
export const ICMP_CODE_FRAGMENTATION_NEEDED = 4;

/** Queries whose identifier the NAT treats like a port (RFC 5508 REQ-1). 1 = request, 2 = reply. */
export function icmpQueryKind(type: number): 0 | 1 | 2 {
  if (type === ICMP_ECHO_REQUEST || type === ICMP_TIMESTAMP) return 1;
  if (type === ICMP_ECHO_REPLY || type === ICMP_TIMESTAMP_REPLY) return 2;
  return 0;
}

export function isIcmpError(type: number): boolean {
  return (
    type === ICMP_DEST_UNREACHABLE ||
    type === ICMP_TIME_EXCEEDED ||
    type === ICMP_PARAMETER_PROBLEM ||
    type === ICMP_SOURCE_QUENCH ||
    type === ICMP_REDIRECT
  );
}

/**
 * An IPv4 address as a signed 32-bit integer. The hot path keeps addresses in int32 form: V8 boxes
 * numbers above 2^31 (u32 form) whenever they cross a call, which would allocate per packet.
 * Convert with `>>> 0` at the API edges (reports, the stack's sendIpFrame).
 */
export function readAddress(bytes: Uint8Array, offset: number): number {
  return (bytes[offset] << 24) | (bytes[offset + 1] << 16) | (bytes[offset + 2] << 8) | bytes[offset + 3];
}

export function readU16(bytes: Uint8Array, offset: number): number {
  return (bytes[offset] << 8) | bytes[offset + 1];
}

export function writeU16(bytes: Uint8Array, offset: number, value: number): void {
  bytes[offset] = (value >>> 8) & 0xff;
  bytes[offset + 1] = value & 0xff;
}
