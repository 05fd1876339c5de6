// Test harness for the NAPPT forwarder: frame builders with from-scratch checksums, a checker that
// recomputes every checksum of a frame and compares it with the wire, a recording stack and a
// scriptable lease directory. The forwarder under test is the real one.
import type { PortName } from '../../hal/hal';
import type { LeaseDirectory, LeaseEvent, LeaseInfo } from '../../firmware/dhcp/types';
import type { InterfaceAddress } from '../../firmware/stack/types';
import { internetChecksum, pseudoHeaderSum } from '../../firmware/wire/checksum';
import { parseIp, readIp, writeIp } from '../../firmware/util/ipv4';
import { parseMac } from '../../firmware/util/mac';
import { NapptForwarder } from '../../firmware/nappt/forwarder';
import { DEFAULT_NAPPT_CONFIG, type NapptConfig } from '../../firmware/nappt/config';

export const ip = (text: string): number => parseIp(text) as number;
export const mac = (text: string): Uint8Array => parseMac(text) as Uint8Array;

export const ROUTER_LAN_MAC = mac('02:00:00:00:00:01');
export const ROUTER_WAN_MAC = mac('02:00:00:00:00:02');
export const LAN_IP = ip('192.168.10.1');
export const PUBLIC_IP = ip('198.51.100.2');
export const GATEWAY_IP = ip('198.51.100.1');
export const WAN_HOST = ip('203.0.113.7');
export const PHONE_A = { mac: mac('00:15:65:00:00:0a'), ip: ip('192.168.10.100'), block: { first: 16384, last: 16895, psidLength: 7, psid: 32 } };
export const PHONE_B = { mac: mac('00:15:65:00:00:0b'), ip: ip('192.168.10.101'), block: { first: 16896, last: 17407, psidLength: 7, psid: 33 } };
export const GUEST = { mac: mac('3c:22:fb:00:00:01'), ip: ip('192.168.10.150') };

export interface Packet {
  src: number;
  dst: number;
  protocol: number;
  ttl?: number;
  id?: number;
  /** Flags + fragment offset field (in 8-byte units, with DF 0x4000 / MF 0x2000). */
  fragment?: number;
  srcMac?: Uint8Array;
  dstMac?: Uint8Array;
  /** The transport bytes (header + data), checksums already filled by the udp/tcp/icmp builders. */
  transport: Uint8Array;
  /** Extra bytes after the IP packet (Ethernet padding). */
  padding?: number;
}

export function ipv4Frame(p: Packet): Uint8Array {
  const total = 20 + p.transport.length;
  const frame = new Uint8Array(14 + total + (p.padding ?? 0));
  frame.set(p.dstMac ?? ROUTER_LAN_MAC, 0);
  frame.set(p.srcMac ?? mac('00:00:5e:00:53:01'), 6);
  frame[12] = 0x08;
  frame[13] = 0x00;
  const at = 14;
  frame[at] = 0x45;
  frame[at + 2] = total >> 8;
  frame[at + 3] = total & 0xff;
  frame[at + 4] = (p.id ?? 0x1234) >> 8;
  frame[at + 5] = (p.id ?? 0x1234) & 0xff;
  const fragment = p.fragment ?? 0;
  frame[at + 6] = fragment >> 8;
  frame[at + 7] = fragment & 0xff;
  frame[at + 8] = p.ttl ?? 64;
  frame[at + 9] = p.protocol;
  writeIp(frame, at + 12, p.src);
  writeIp(frame, at + 16, p.dst);
  const sum = internetChecksum(frame, at, at + 20);
  frame[at + 10] = sum >> 8;
  frame[at + 11] = sum & 0xff;
  frame.set(p.transport, at + 20);
  return frame;
}

function put16(bytes: Uint8Array, at: number, value: number): void {
  bytes[at] = (value >> 8) & 0xff;
  bytes[at + 1] = value & 0xff;
}

export function udpSegment(src: number, dst: number, srcPort: number, dstPort: number, data: Uint8Array, zeroChecksum = false): Uint8Array {
  const seg = new Uint8Array(8 + data.length);
  put16(seg, 0, srcPort);
  put16(seg, 2, dstPort);
  put16(seg, 4, seg.length);
  seg.set(data, 8);
  if (!zeroChecksum) {
    let sum = internetChecksum(seg, 0, seg.length, pseudoHeaderSum(src, dst, 17, seg.length));
    if (sum === 0) sum = 0xffff;
    put16(seg, 6, sum);
  }
  return seg;
}

export function tcpSegment(src: number, dst: number, srcPort: number, dstPort: number, flags: number, options: number[] = [], data: Uint8Array = new Uint8Array(0)): Uint8Array {
  const headerLength = 20 + Math.ceil(options.length / 4) * 4;
  const seg = new Uint8Array(headerLength + data.length);
  put16(seg, 0, srcPort);
  put16(seg, 2, dstPort);
  put16(seg, 4, 0x1111);
  put16(seg, 8, 0x2222);
  seg[12] = (headerLength / 4) << 4;
  seg[13] = flags;
  put16(seg, 14, 65535);
  seg.set(options, 20);
  seg.set(data, headerLength);
  put16(seg, 16, internetChecksum(seg, 0, seg.length, pseudoHeaderSum(src, dst, 6, seg.length)));
  return seg;
}

export function icmpMessage(type: number, code: number, rest: number, body: Uint8Array): Uint8Array {
  const msg = new Uint8Array(8 + body.length);
  msg[0] = type;
  msg[1] = code;
  put16(msg, 4, rest >>> 16);
  put16(msg, 6, rest & 0xffff);
  msg.set(body, 8);
  put16(msg, 2, internetChecksum(msg, 0, msg.length));
  return msg;
}

export const echo = (type: 0 | 8, id: number, seq: number, data = new Uint8Array(16).fill(0x61)): Uint8Array => icmpMessage(type, 0, (id << 16) | seq, data);

/** The IP packet bytes of a frame (to quote inside ICMP errors). */
export const ipPacket = (frame: Uint8Array): Uint8Array => frame.slice(14, 14 + ((frame[16] << 8) | frame[17]));

export interface Parsed {
  src: number;
  dst: number;
  ttl: number;
  protocol: number;
  id: number;
  fragment: number;
  total: number;
  srcPort: number;
  dstPort: number;
  icmpType: number;
  icmpId: number;
  transportChecksum: number;
}

export function parse(frame: Uint8Array): Parsed {
  const at = 14;
  const headerLength = (frame[at] & 15) * 4;
  const l4 = at + headerLength;
  const protocol = frame[at + 9];
  const fragment = (frame[at + 6] << 8) | frame[at + 7];
  const first = (fragment & 0x1fff) === 0;
  const u16 = (o: number): number => (frame[o] << 8) | frame[o + 1];
  return {
    src: readIp(frame, at + 12),
    dst: readIp(frame, at + 16),
    ttl: frame[at + 8],
    protocol,
    id: u16(at + 4),
    fragment,
    total: u16(at + 2),
    srcPort: first && protocol !== 1 ? u16(l4) : -1,
    dstPort: first && protocol !== 1 ? u16(l4 + 2) : -1,
    icmpType: first && protocol === 1 ? frame[l4] : -1,
    icmpId: first && protocol === 1 ? u16(l4 + 4) : -1,
    transportChecksum: first ? (protocol === 17 ? u16(l4 + 6) : protocol === 6 ? u16(l4 + 16) : u16(l4 + 2)) : -1,
  };
}

/**
 * Recompute every checksum of `frame` from scratch and compare with the wire: IP header; UDP/TCP
 * (pseudo-header; UDP 0 = none) or ICMP for unfragmented packets; for ICMP errors also the quoted
 * IP header and, when wholly quoted, the quoted UDP checksum. Returns the problems found.
 */
export function checksumProblems(frame: Uint8Array, ipAt = 14): string[] {
  const problems: string[] = [];
  const headerLength = (frame[ipAt] & 15) * 4;
  const total = (frame[ipAt + 2] << 8) | frame[ipAt + 3];
  if (internetChecksum(frame, ipAt, ipAt + headerLength) !== 0) problems.push('ip header checksum');
  const fragment = (frame[ipAt + 6] << 8) | frame[ipAt + 7];
  if ((fragment & 0x3fff) !== 0) return problems; // a fragment: the transport checksum spans others
  const protocol = frame[ipAt + 9];
  const l4 = ipAt + headerLength;
  const end = ipAt + total;
  const src = readIp(frame, ipAt + 12);
  const dst = readIp(frame, ipAt + 16);
  if (protocol === 17) {
    const wire = (frame[l4 + 6] << 8) | frame[l4 + 7];
    if (wire !== 0 && internetChecksum(frame, l4, end, pseudoHeaderSum(src, dst, 17, end - l4)) !== 0) problems.push('udp checksum');
  } else if (protocol === 6) {
    if (internetChecksum(frame, l4, end, pseudoHeaderSum(src, dst, 6, end - l4)) !== 0) problems.push('tcp checksum');
  } else if (protocol === 1) {
    if (internetChecksum(frame, l4, end) !== 0) problems.push('icmp checksum');
    const type = frame[l4];
    if ((type === 3 || type === 11 || type === 12) && end - l4 >= 28) {
      const inner = l4 + 8;
      const innerHeader = (frame[inner] & 15) * 4;
      if (internetChecksum(frame, inner, inner + innerHeader) !== 0) problems.push('quoted ip header checksum');
      const innerTotal = (frame[inner + 2] << 8) | frame[inner + 3];
      if (frame[inner + 9] === 17 && inner + innerTotal <= end) {
        const iu = inner + innerHeader;
        const wire = (frame[iu + 6] << 8) | frame[iu + 7];
        const isrc = readIp(frame, inner + 12);
        const idst = readIp(frame, inner + 16);
        if (wire !== 0 && internetChecksum(frame, iu, inner + innerTotal, pseudoHeaderSum(isrc, idst, 17, innerTotal - innerHeader)) !== 0) problems.push('quoted udp checksum');
      }
    }
  }
  return problems;
}

export interface Sent {
  port: PortName;
  nextHop: number;
  frame: Uint8Array;
}

/** The stack surface the forwarder uses, recording what it sends. */
export class RecordingStack {
  sent: Sent[] = [];
  lan: InterfaceAddress | undefined = { ip: LAN_IP, prefixLength: 24 };
  wan: InterfaceAddress | undefined = { ip: PUBLIC_IP, prefixLength: 24 };
  failSends = false;

  address(port: PortName): InterfaceAddress | undefined {
    return port === 'lan' ? this.lan : this.wan;
  }

  sendIpFrame(port: PortName, nextHop: number, frame: Uint8Array): boolean {
    if (this.failSends) return false;
    this.sent.push({ port, nextHop, frame: frame.slice() });
    return true;
  }

  take(): Sent[] {
    const out = this.sent;
    this.sent = [];
    return out;
  }
}

export class ScriptedLeases implements LeaseDirectory {
  private readonly leases = new Map<number, LeaseInfo>();
  private readonly listeners = new Set<(event: LeaseEvent) => void>();

  byIp(address: number): LeaseInfo | undefined {
    return this.leases.get(address);
  }

  byPublicPort(port: number): LeaseInfo | undefined {
    for (const lease of this.leases.values()) if (lease.block && port >= lease.block.first && port <= lease.block.last) return lease;
    return undefined;
  }

  all(): Iterable<LeaseInfo> {
    return this.leases.values();
  }

  subscribe(listener: (event: LeaseEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  bind(lease: Omit<LeaseInfo, 'phoneClass' | 'bootFile' | 'vars' | 'expiresAt'> & { expiresAt?: number; phoneClass?: string }): LeaseInfo {
    const full: LeaseInfo = {
      mac: lease.mac,
      ip: lease.ip,
      block: lease.block,
      phoneClass: lease.phoneClass ?? (lease.block ? 'yealink' : undefined),
      expiresAt: lease.expiresAt ?? 3_600_000,
      bootFile: undefined,
      vars: {},
    };
    this.leases.set(full.ip, full);
    for (const listener of this.listeners) listener({ kind: 'bound', lease: full });
    return full;
  }

  end(address: number, kind: 'released' | 'expired' = 'expired'): void {
    const lease = this.leases.get(address);
    if (!lease) return;
    this.leases.delete(address);
    for (const listener of this.listeners) listener({ kind, lease });
  }
}

export interface Rig {
  forwarder: NapptForwarder;
  stack: RecordingStack;
  leases: ScriptedLeases;
  clock: { now: number };
  logs: string[];
  /** Hand a frame to the hook and return what came out. */
  lan(frame: Uint8Array): Sent[];
  wan(frame: Uint8Array): Sent[];
}

export function makeRig(config: Partial<NapptConfig> = {}, options: { phones?: boolean; guest?: boolean } = {}): Rig {
  const stack = new RecordingStack();
  const leases = new ScriptedLeases();
  const clock = { now: 1000 };
  const logs: string[] = [];
  if (options.phones !== false) {
    leases.bind({ mac: PHONE_A.mac, ip: PHONE_A.ip, block: PHONE_A.block });
    leases.bind({ mac: PHONE_B.mac, ip: PHONE_B.ip, block: PHONE_B.block });
  }
  if (options.guest !== false) leases.bind({ mac: GUEST.mac, ip: GUEST.ip, block: undefined });
  const forwarder = new NapptForwarder({ stack, leases, now: () => clock.now, config: { ...DEFAULT_NAPPT_CONFIG, ...config }, log: (line) => logs.push(line), seed: 7 });
  forwarder.setWan({ address: PUBLIC_IP, prefixLength: 24, gateway: GATEWAY_IP });
  return {
    forwarder,
    stack,
    leases,
    clock,
    logs,
    lan: (frame) => {
      forwarder.hook('lan', frame, 14);
      return stack.take();
    },
    wan: (frame) => {
      forwarder.hook('wan', frame, 14);
      return stack.take();
    },
  };
}

/** Frames from the LAN / WAN side with the right MACs. */
export const fromPhone = (phone: { mac: Uint8Array; ip: number }, p: Omit<Packet, 'src' | 'srcMac'>): Uint8Array => ipv4Frame({ ...p, src: phone.ip, srcMac: phone.mac, dstMac: ROUTER_LAN_MAC });
export const fromWan = (p: Omit<Packet, 'dstMac'>): Uint8Array => ipv4Frame({ ...p, srcMac: mac('00:00:5e:00:53:ff'), dstMac: ROUTER_WAN_MAC });

export const bytes = (n: number, fill = 0x55): Uint8Array => new Uint8Array(n).fill(fill);
