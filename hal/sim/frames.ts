// Frame builders and a whole-frame parser for simulated hosts and tests: ARP, IPv4, UDP and ICMP
// echo over firmware/wire. Built frames are padded to Ethernet's 60-byte minimum, as NICs send them.
import {
  ArpOperation,
  EtherType,
  IpProtocol,
  emitArp,
  emitEthernet,
  emitIcmp,
  emitIpv4,
  emitUdp,
  parseArp,
  parseEthernet,
  parseIcmp,
  parseIpv4,
  parseUdp,
  ipv4HeaderLength,
} from '../../firmware/wire';
import type { ArpRepr, EthernetRepr, IcmpRepr, Ipv4Repr, UdpRepr } from '../../firmware/wire';

const ETH_MIN = 60;
const ZERO_MAC = new Uint8Array(6);
export const BROADCAST = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);

function frameOf(payloadLength: number, eth: EthernetRepr): { frame: Uint8Array; offset: number } {
  const headerLength = eth.vlan ? 18 : 14;
  const frame = new Uint8Array(Math.max(ETH_MIN, headerLength + payloadLength));
  const offset = emitEthernet(eth, frame);
  return { frame, offset };
}

export function buildArp(op: 'request' | 'reply', srcMac: Uint8Array, srcIp: number, targetMac: Uint8Array, targetIp: number, ethDst?: Uint8Array): Uint8Array {
  const dst = ethDst ?? (op === 'request' ? BROADCAST : targetMac);
  const { frame, offset } = frameOf(28, { dst, src: srcMac, etherType: EtherType.ARP });
  const repr: ArpRepr = {
    operation: op === 'request' ? ArpOperation.Request : ArpOperation.Reply,
    senderMac: srcMac,
    senderIp: srcIp,
    targetMac: op === 'request' ? ZERO_MAC : targetMac,
    targetIp,
  };
  emitArp(repr, frame, offset);
  return frame;
}

export interface IpFrameOptions {
  readonly ttl?: number;
  readonly identification?: number;
  readonly dontFragment?: boolean;
  readonly vlan?: number;
}

/** An Ethernet frame carrying IPv4 with `l4` (a complete transport segment) as payload. */
export function buildIpv4(srcMac: Uint8Array, dstMac: Uint8Array, srcIp: number, dstIp: number, protocol: number, l4: Uint8Array, options: IpFrameOptions = {}): Uint8Array {
  const eth: EthernetRepr = { dst: dstMac, src: srcMac, etherType: EtherType.IPv4, ...(options.vlan !== undefined ? { vlan: { pcp: 0, dei: false, vid: options.vlan } } : {}) };
  const { frame, offset } = frameOf(20 + l4.length, eth);
  const ip: Ipv4Repr = {
    dscp: 0,
    ecn: 0,
    identification: options.identification ?? 0,
    dontFragment: options.dontFragment ?? true,
    moreFragments: false,
    fragmentOffset: 0,
    ttl: options.ttl ?? 64,
    protocol,
    src: srcIp,
    dst: dstIp,
    options: new Uint8Array(0),
    payloadLength: l4.length,
  };
  const headerLength = emitIpv4(ip, frame, offset);
  frame.set(l4, offset + headerLength);
  return frame;
}

export function udpSegment(srcIp: number, dstIp: number, srcPort: number, dstPort: number, payload: Uint8Array): Uint8Array {
  const segment = new Uint8Array(8 + payload.length);
  emitUdp({ srcPort, dstPort, payload }, segment, 0, srcIp, dstIp);
  return segment;
}

export function buildUdp(srcMac: Uint8Array, dstMac: Uint8Array, srcIp: number, dstIp: number, srcPort: number, dstPort: number, payload: Uint8Array, options: IpFrameOptions = {}): Uint8Array {
  return buildIpv4(srcMac, dstMac, srcIp, dstIp, IpProtocol.UDP, udpSegment(srcIp, dstIp, srcPort, dstPort, payload), options);
}

export function icmpMessage(repr: IcmpRepr): Uint8Array {
  const length = repr.kind === 'echo-request' || repr.kind === 'echo-reply' ? 8 + repr.data.length : 8 + ('invoking' in repr ? repr.invoking.length : 0);
  const bytes = new Uint8Array(length);
  emitIcmp(repr, bytes, 0);
  return bytes;
}

export function buildEcho(kind: 'echo-request' | 'echo-reply', srcMac: Uint8Array, dstMac: Uint8Array, srcIp: number, dstIp: number, ident: number, seq: number, data: Uint8Array, options: IpFrameOptions = {}): Uint8Array {
  return buildIpv4(srcMac, dstMac, srcIp, dstIp, IpProtocol.ICMP, icmpMessage({ kind, ident, seq, data }), options);
}

/** A whole frame, parsed as far as it goes; `error` names the first layer that failed. */
export interface ParsedFrame {
  readonly frame: Uint8Array;
  readonly eth?: EthernetRepr;
  readonly arp?: ArpRepr;
  readonly ipv4?: Ipv4Repr;
  readonly udp?: UdpRepr;
  readonly icmp?: IcmpRepr;
  readonly error?: string;
}

/** Views point into `frame`. Checksums are verified (a bad one is an error). */
export function parseFrame(frame: Uint8Array): ParsedFrame {
  const eth = parseEthernet(frame);
  if (typeof eth !== 'object') return { frame, error: eth };
  const offset = eth.vlan ? 18 : 14;
  if (eth.etherType === EtherType.ARP) {
    const arp = parseArp(frame, offset);
    return typeof arp === 'object' ? { frame, eth, arp } : { frame, eth, error: arp };
  }
  if (eth.etherType !== EtherType.IPv4) return { frame, eth };
  const ipv4 = parseIpv4(frame, offset);
  if (typeof ipv4 !== 'object') return { frame, eth, error: ipv4 };
  const l4 = offset + ipv4HeaderLength(frame, offset);
  const end = l4 + ipv4.payloadLength;
  if (ipv4.protocol === IpProtocol.UDP) {
    const udp = parseUdp(frame, l4, end, ipv4.src, ipv4.dst);
    return typeof udp === 'object' ? { frame, eth, ipv4, udp } : { frame, eth, ipv4, error: udp };
  }
  if (ipv4.protocol === IpProtocol.ICMP) {
    const icmp = parseIcmp(frame, l4, end);
    return typeof icmp === 'object' ? { frame, eth, ipv4, icmp } : { frame, eth, ipv4, error: icmp };
  }
  return { frame, eth, ipv4 };
}
