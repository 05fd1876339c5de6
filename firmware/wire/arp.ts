// ARP for IPv4 over Ethernet (RFC 826): the 28-byte packet after the Ethernet header.
// Other hardware or protocol types are refused with a reason; the router never needs them.
import { readIp, writeIp } from '../util/ipv4';

export const ARP_HTYPE = 0;
export const ARP_PTYPE = 2;
export const ARP_HLEN = 4;
export const ARP_PLEN = 5;
export const ARP_OPER = 6;
export const ARP_SHA = 8;
export const ARP_SPA = 14;
export const ARP_THA = 18;
export const ARP_TPA = 24;
export const ARP_PACKET_LEN = 28;

export const ARP_HTYPE_ETHERNET = 1;
export const ARP_PTYPE_IPV4 = 0x0800;

export const ArpOperation = { Request: 1, Reply: 2 } as const;
export type ArpOperation = (typeof ArpOperation)[keyof typeof ArpOperation];

export const ArpError = {
  Truncated: 'arp.truncated',
  UnsupportedHardware: 'arp.unsupported-hardware',
  UnsupportedProtocol: 'arp.unsupported-protocol',
  BadOperation: 'arp.bad-operation',
} as const;
export type ArpError = (typeof ArpError)[keyof typeof ArpError];

export interface ArpRepr {
  readonly operation: ArpOperation;
  readonly senderMac: Uint8Array;
  readonly senderIp: number;
  readonly targetMac: Uint8Array;
  readonly targetIp: number;
}

/** Check an ARP packet at `offset` in place; undefined when it is a well-formed Ethernet/IPv4 request or reply. */
export function checkArp(bytes: Uint8Array, offset: number, end = bytes.length): ArpError | undefined {
  if (end - offset < ARP_PACKET_LEN) return ArpError.Truncated;
  if (((bytes[offset + ARP_HTYPE] << 8) | bytes[offset + ARP_HTYPE + 1]) !== ARP_HTYPE_ETHERNET || bytes[offset + ARP_HLEN] !== 6) {
    return ArpError.UnsupportedHardware;
  }
  if (((bytes[offset + ARP_PTYPE] << 8) | bytes[offset + ARP_PTYPE + 1]) !== ARP_PTYPE_IPV4 || bytes[offset + ARP_PLEN] !== 4) {
    return ArpError.UnsupportedProtocol;
  }
  const operation = arpOperation(bytes, offset);
  if (operation !== ArpOperation.Request && operation !== ArpOperation.Reply) return ArpError.BadOperation;
  return undefined;
}

export function arpOperation(bytes: Uint8Array, offset: number): number {
  return (bytes[offset + ARP_OPER] << 8) | bytes[offset + ARP_OPER + 1];
}
export function arpSenderIp(bytes: Uint8Array, offset: number): number {
  return readIp(bytes, offset + ARP_SPA);
}
export function arpTargetIp(bytes: Uint8Array, offset: number): number {
  return readIp(bytes, offset + ARP_TPA);
}

/** Parse; MAC fields are views into `bytes`. */
export function parseArp(bytes: Uint8Array, offset = 0, end = bytes.length): ArpRepr | ArpError {
  const error = checkArp(bytes, offset, end);
  if (error !== undefined) return error;
  return {
    operation: arpOperation(bytes, offset) as ArpOperation,
    senderMac: bytes.subarray(offset + ARP_SHA, offset + ARP_SHA + 6),
    senderIp: readIp(bytes, offset + ARP_SPA),
    targetMac: bytes.subarray(offset + ARP_THA, offset + ARP_THA + 6),
    targetIp: readIp(bytes, offset + ARP_TPA),
  };
}

/** Emit at `offset`; returns the bytes written (28), or 0 when the buffer is too short. */
export function emitArp(repr: ArpRepr, bytes: Uint8Array, offset = 0): number {
  if (bytes.length - offset < ARP_PACKET_LEN) return 0;
  bytes[offset + ARP_HTYPE] = 0;
  bytes[offset + ARP_HTYPE + 1] = ARP_HTYPE_ETHERNET;
  bytes[offset + ARP_PTYPE] = ARP_PTYPE_IPV4 >>> 8;
  bytes[offset + ARP_PTYPE + 1] = ARP_PTYPE_IPV4 & 0xff;
  bytes[offset + ARP_HLEN] = 6;
  bytes[offset + ARP_PLEN] = 4;
  bytes[offset + ARP_OPER] = repr.operation >>> 8;
  bytes[offset + ARP_OPER + 1] = repr.operation & 0xff;
  bytes.set(repr.senderMac.subarray(0, 6), offset + ARP_SHA);
  writeIp(bytes, offset + ARP_SPA, repr.senderIp);
  bytes.set(repr.targetMac.subarray(0, 6), offset + ARP_THA);
  writeIp(bytes, offset + ARP_TPA, repr.targetIp);
  return ARP_PACKET_LEN;
}
