// Ethernet II frames with an optional single 802.1Q tag: named offsets, in-place accessors and a Repr.
// Frames here never carry the FCS (the HAL strips it).
import { macEquals } from '../util/mac';

export const ETH_DST = 0;
export const ETH_SRC = 6;
export const ETH_TYPE = 12;
export const ETH_HEADER_LEN = 14;
/** With an 802.1Q tag: the tag control information and the inner EtherType follow the TPID. */
export const VLAN_TCI = 14;
export const VLAN_INNER_TYPE = 16;
export const VLAN_HEADER_LEN = 18;
/** Minimum frame length without FCS; shorter frames are padded on output. */
export const ETH_MIN_FRAME = 60;

export const EtherType = {
  IPv4: 0x0800,
  ARP: 0x0806,
  VLAN: 0x8100,
  IPv6: 0x86dd,
} as const;

export const EthernetError = {
  Truncated: 'ethernet.truncated',
} as const;
export type EthernetError = (typeof EthernetError)[keyof typeof EthernetError];

export interface VlanTag {
  readonly pcp: number;
  readonly dei: boolean;
  readonly vid: number;
}

export interface EthernetRepr {
  readonly dst: Uint8Array;
  readonly src: Uint8Array;
  /** Present when the frame carries an 802.1Q tag. */
  readonly vlan?: VlanTag;
  /** The EtherType of the payload (the inner one when tagged). */
  readonly etherType: number;
}

/**
 * Offset of the payload (14, or 18 behind an 802.1Q tag), or 0 when the frame is too short for
 * its header. 0 is never a valid payload offset, so callers test `=== 0` without allocating.
 */
export function ethernetPayloadOffset(frame: Uint8Array, length = frame.length): number {
  if (length < ETH_HEADER_LEN) return 0;
  if (((frame[ETH_TYPE] << 8) | frame[ETH_TYPE + 1]) !== EtherType.VLAN) return ETH_HEADER_LEN;
  return length < VLAN_HEADER_LEN ? 0 : VLAN_HEADER_LEN;
}

/** The payload EtherType (inner when tagged). Valid only after ethernetPayloadOffset() > 0. */
export function ethernetEtherType(frame: Uint8Array): number {
  const outer = (frame[ETH_TYPE] << 8) | frame[ETH_TYPE + 1];
  return outer === EtherType.VLAN ? (frame[VLAN_INNER_TYPE] << 8) | frame[VLAN_INNER_TYPE + 1] : outer;
}

export function isTagged(frame: Uint8Array): boolean {
  return ((frame[ETH_TYPE] << 8) | frame[ETH_TYPE + 1]) === EtherType.VLAN;
}

/** The group bit (multicast or broadcast) of the destination address. */
export function isMulticastDst(frame: Uint8Array): boolean {
  return (frame[ETH_DST] & 1) === 1;
}

export function isBroadcastDst(frame: Uint8Array): boolean {
  return (frame[0] & frame[1] & frame[2] & frame[3] & frame[4] & frame[5]) === 0xff;
}

export function dstIs(frame: Uint8Array, mac: Uint8Array): boolean {
  return macEquals(frame, ETH_DST, mac);
}

/** Write destination, source and an untagged EtherType. Returns the header length (14). */
export function writeEthernetHeader(frame: Uint8Array, dst: Uint8Array, src: Uint8Array, etherType: number): number {
  frame.set(dst.subarray(0, 6), ETH_DST);
  frame.set(src.subarray(0, 6), ETH_SRC);
  frame[ETH_TYPE] = etherType >>> 8;
  frame[ETH_TYPE + 1] = etherType & 0xff;
  return ETH_HEADER_LEN;
}

/** Parse the header. The MAC fields of the Repr are views into `frame`. */
export function parseEthernet(frame: Uint8Array): EthernetRepr | EthernetError {
  const offset = ethernetPayloadOffset(frame);
  if (offset === 0) return EthernetError.Truncated;
  const dst = frame.subarray(ETH_DST, ETH_DST + 6);
  const src = frame.subarray(ETH_SRC, ETH_SRC + 6);
  if (offset === ETH_HEADER_LEN) return { dst, src, etherType: (frame[ETH_TYPE] << 8) | frame[ETH_TYPE + 1] };
  const tci = (frame[VLAN_TCI] << 8) | frame[VLAN_TCI + 1];
  return {
    dst,
    src,
    vlan: { pcp: tci >>> 13, dei: (tci & 0x1000) !== 0, vid: tci & 0x0fff },
    etherType: (frame[VLAN_INNER_TYPE] << 8) | frame[VLAN_INNER_TYPE + 1],
  };
}

export function ethernetHeaderLength(repr: EthernetRepr): number {
  return repr.vlan ? VLAN_HEADER_LEN : ETH_HEADER_LEN;
}

/** Emit the header into `frame`; returns the payload offset, or 0 when the buffer is too short. */
export function emitEthernet(repr: EthernetRepr, frame: Uint8Array): number {
  const length = ethernetHeaderLength(repr);
  if (frame.length < length) return 0;
  frame.set(repr.dst.subarray(0, 6), ETH_DST);
  frame.set(repr.src.subarray(0, 6), ETH_SRC);
  if (!repr.vlan) {
    frame[ETH_TYPE] = repr.etherType >>> 8;
    frame[ETH_TYPE + 1] = repr.etherType & 0xff;
    return length;
  }
  const tci = ((repr.vlan.pcp & 7) << 13) | (repr.vlan.dei ? 0x1000 : 0) | (repr.vlan.vid & 0x0fff);
  frame[ETH_TYPE] = EtherType.VLAN >>> 8;
  frame[ETH_TYPE + 1] = EtherType.VLAN & 0xff;
  frame[VLAN_TCI] = tci >>> 8;
  frame[VLAN_TCI + 1] = tci & 0xff;
  frame[VLAN_INNER_TYPE] = repr.etherType >>> 8;
  frame[VLAN_INNER_TYPE + 1] = repr.etherType & 0xff;
  return length;
}
