// The NAPPT forwarder: the stack's forward hook for every transit frame. Phones keep their ports
// (only the address changes, no per-flow state); everything else goes through ordinary NAPT.
// Frames are translated in place with incremental checksums; nothing allocates per packet.
// Over 400 lines: the per-packet hot path, kept whole for the data-plane issue that reshapes it.
import type { PortName } from '../../hal/hal';
import type { LeaseDirectory, LeaseEvent } from '../dhcp/types';
import type { ForwardHook, Stack } from '../stack/types';
import type { Service } from '../stack/service';
import { internetChecksum } from '../wire/checksum';
import { ipToString, prefixMask, sameSubnet } from '../util/ipv4';
import { DEFAULT_NAPPT_CONFIG, validateNapptConfig, type NapptConfig } from './config';
import { Counters, Drop, Event } from './drops';
import { FragmentMemory, NO_ENTRY } from './fragments';
import { IcmpErrorBuilder } from './icmpErrors';
import { NaptProtocol, NaptTable, NO_MAPPING, type MappingReport } from './naptTable';
import {
  ETH_HEADER_LENGTH,
  ICMP_CHECKSUM,
  ICMP_CODE_FRAGMENTATION_NEEDED,
  ICMP_DEST_UNREACHABLE,
  ICMP_ERROR_EMBEDDED,
  ICMP_HEADER,
  ICMP_ID,
  ICMP_TIME_EXCEEDED,
  IP_DST,
  IP_FLAGS_FRAGMENT,
  IP_FLAG_DF,
  IP_FLAG_MF,
  IP_FRAGMENT_OFFSET_MASK,
  IP_ID,
  IP_MIN_HEADER,
  IP_PROTOCOL,
  IP_SRC,
  IP_TOTAL_LENGTH,
  IP_TTL,
  L4_DST_PORT,
  L4_SRC_PORT,
  PROTO_ICMP,
  PROTO_TCP,
  PROTO_UDP,
  TCP_CHECKSUM,
  TCP_FLAGS,
  TCP_MIN_HEADER,
  TCP_SYN,
  UDP_CHECKSUM,
  UDP_HEADER,
  icmpQueryKind,
  isIcmpError,
  readAddress,
  readU16,
  writeU16,
} from './packet';
import { NO_PHONE, PhoneTable, type BlockReport } from './phoneTable';
import { NO_CHECKSUM, clampMss, decrementTtl, fillIpChecksum, rewriteAddress, rewritePort } from './rewrite';
import { isBogon, isNonUnicast } from './addressClass';

/** The WAN side as the forwarder needs it: our public address, its subnet and the default gateway. */
export interface WanLink {
  readonly address: number;
  readonly prefixLength: number;
  readonly gateway: number | undefined;
}

export interface ForwarderOptions {
  readonly stack: Pick<Stack, 'sendIpFrame' | 'address'>;
  readonly leases: LeaseDirectory;
  /** Monotonic ms; read once per frame (the forwarder is the I/O edge of the NAT tables). */
  readonly now: () => number;
  readonly config?: NapptConfig;
  readonly log?: (line: string) => void;
  /** Seeds the pool's port choice (RFC 6056-style scattering, deterministic in simulation). */
  readonly seed?: number;
  /** The router's port MACs: unicast frames to any other MAC (switch flooding) are not forwarded. */
  readonly macs?: { readonly lan: Uint8Array; readonly wan: Uint8Array };
}

export type ReverseAnswer =
  | { readonly kind: 'phone'; readonly ip: number; readonly mac: Uint8Array; readonly first: number; readonly last: number }
  | { readonly kind: 'napt'; readonly protocol: string; readonly ip: number; readonly port: number }
  | { readonly kind: 'none' };

const LARGEST_FRAME = 14 + 4 + 65535;

export class NapptForwarder implements Service {
  readonly name = 'nappt';
  readonly stats = new Counters();
  readonly phones: PhoneTable;
  readonly napt: NaptTable;
  readonly fragments: FragmentMemory;
  private config: NapptConfig;
  private readonly icmp: IcmpErrorBuilder;
  private readonly stack: ForwarderOptions['stack'];
  private leases: LeaseDirectory;
  private readonly now: () => number;
  private readonly macs: ForwarderOptions['macs'];
  private readonly log: (line: string) => void;
  private unsubscribe: () => void;
  private hasWan = false;
  // Addresses in int32 form (see readAddress); `>>> 0` where they leave the forwarder.
  private publicIp = 0;
  private wanNet = 0;
  private wanMask = 0;
  private gateway = 0;
  private hasGateway = false;
  private lastExhaustionLog = -Infinity;
  /** Frames whose IP header is not at offset 14 (802.1Q) are moved here first. */
  private readonly shifted = new Uint8Array(LARGEST_FRAME);
  /** Fragments built for a smaller WAN MTU. */
  private readonly pieces = new Uint8Array(14 + 1500);
  /** The ForwardHook to give to stack.setForwardHook. */
  readonly hook: ForwardHook = (port, frame, ipOffset) => this.handleFrame(port, frame, ipOffset);

  constructor(options: ForwarderOptions) {
    const config = options.config ?? DEFAULT_NAPPT_CONFIG;
    const errors = validateNapptConfig(config);
    if (errors.length > 0) throw new Error(`invalid NAPPT configuration: ${errors.join('; ')}`);
    this.config = config;
    this.stack = options.stack;
    this.leases = options.leases;
    this.now = options.now;
    this.macs = options.macs;
    this.log = options.log ?? (() => undefined);
    this.phones = new PhoneTable(config.maxPhones);
    const owner = this.phones.portOwner;
    this.napt = new NaptTable(config.maxMappings, config.maxMappingsPerHost, config.pool, this.timeouts(config), (port) => owner[port] !== NO_PHONE, options.seed);
    this.fragments = new FragmentMemory(config.fragmentMemory, config.fragmentHoldSlots);
    this.icmp = new IcmpErrorBuilder(config.icmpErrorsPerSecond, config.icmpErrorBurst);
    for (const lease of this.leases.all()) this.phones.bind(lease);
    this.unsubscribe = this.leases.subscribe((event) => this.onLease(event));
  }

  private timeouts(config: NapptConfig) {
    return {
      udpMs: config.udpTimeout * 1000,
      tcpEstablishedMs: config.tcpEstablishedTimeout * 1000,
      tcpTransitoryMs: config.tcpTransitoryTimeout * 1000,
      icmpMs: config.icmpTimeout * 1000,
    };
  }

  /** The configuration in force. */
  currentConfig(): NapptConfig {
    return this.config;
  }

  /** Apply a changed configuration at once (table sizes stay as built; they need a reload). */
  setConfig(config: NapptConfig): string[] {
    const errors = validateNapptConfig(config);
    if (errors.length > 0) return errors;
    this.config = config;
    this.napt.configure(config.maxMappingsPerHost, config.pool, this.timeouts(config));
    this.icmp.configure(config.icmpErrorsPerSecond, config.icmpErrorBurst);
    return [];
  }

  /**
   * The WAN address changed (static config or the WAN DHCP client): translation follows at once.
   * False when the address was refused (its subnet overlaps the LAN's).
   */
  setWan(offered: WanLink | undefined): boolean {
    let link = offered;
    const lan = this.stack.address('lan');
    if (link !== undefined && lan !== undefined && sameSubnet(link.address, lan.ip, Math.min(link.prefixLength, lan.prefixLength))) {
      // RFC 4787 REQ-7: a WAN subnet overlapping the LAN cannot be told apart; refuse to forward.
      this.log(`WAN address ${ipToString(link.address)}/${link.prefixLength} overlaps the LAN subnet; not forwarding until it changes`);
      this.stats.events[Event.WAN_LAN_CONFLICTS]++;
      link = undefined;
    }
    const changed = !this.hasWan || link === undefined || (link.address | 0) !== this.publicIp;
    this.hasWan = link !== undefined;
    if (link !== undefined) {
      this.publicIp = link.address | 0;
      this.wanMask = prefixMask(link.prefixLength) | 0;
      this.wanNet = this.publicIp & this.wanMask;
      this.hasGateway = link.gateway !== undefined;
      this.gateway = (link.gateway ?? 0) | 0;
    }
    if (changed) {
      // Mappings name the old public address to their peers; they cannot survive it.
      const flushed = this.napt.flush(() => true);
      this.stats.events[Event.MAPPINGS_FLUSHED] += flushed;
      this.stats.drops[Drop.FRAGMENT_HOLD_TIMEOUT] += this.fragments.forget(undefined);
      this.log(link ? `public address ${ipToString(link.address)}` : 'no public address');
    }
    return link !== undefined || offered === undefined;
  }

  publicAddress(): number | undefined {
    return this.hasWan ? this.publicIp >>> 0 : undefined;
  }

  close(): void {
    this.unsubscribe();
  }

  /** Follow another lease table (the DHCP server attaches after the store mounts). */
  setLeases(leases: LeaseDirectory): void {
    this.unsubscribe();
    for (const lease of this.leases.all()) this.onLease({ kind: 'released', lease });
    this.leases = leases;
    for (const lease of leases.all()) this.phones.bind(lease);
    this.unsubscribe = leases.subscribe((event) => this.onLease(event));
  }

  /**
   * Whether a WAN frame addressed to the public address belongs to the forwarder (a phone block, a
   * NAPT mapping, a fragment, TCP) rather than to the router's own stack (its DHCP client, pings to
   * the router). The stack treats everything sent to its address as local, so the WAN port asks
   * this first (see attach.ts).
   */
  claimsInbound(frame: Uint8Array, ip: number): boolean {
    if (!this.hasWan || frame.length < ip + IP_MIN_HEADER || frame[ip] >>> 4 !== 4) return false;
    if (readAddress(frame, ip + IP_DST) !== this.publicIp) return false;
    if ((readU16(frame, ip + IP_FLAGS_FRAGMENT) & IP_FRAGMENT_OFFSET_MASK) !== 0) return true;
    const protocol = frame[ip + IP_PROTOCOL];
    const l4 = ip + (frame[ip] & 0x0f) * 4;
    if (protocol === PROTO_UDP) {
      if (frame.length < l4 + UDP_HEADER) return false;
      return this.ownsPort(NaptProtocol.UDP, readU16(frame, l4 + L4_DST_PORT));
    }
    if (protocol === PROTO_ICMP) {
      if (frame.length < l4 + ICMP_HEADER) return false;
      const type = frame[l4];
      if (icmpQueryKind(type) === 2) return this.ownsPort(NaptProtocol.ICMP, readU16(frame, l4 + ICMP_ID));
      if (!isIcmpError(type)) return false;
      const inner = l4 + ICMP_ERROR_EMBEDDED;
      if (frame.length < inner + IP_MIN_HEADER || frame[inner] >>> 4 !== 4) return false;
      const innerL4 = inner + (frame[inner] & 0x0f) * 4;
      if (frame.length < innerL4 + 8) return false;
      const innerProtocol = frame[inner + IP_PROTOCOL];
      if (innerProtocol === PROTO_UDP) return this.ownsPort(NaptProtocol.UDP, readU16(frame, innerL4 + L4_SRC_PORT));
      if (innerProtocol === PROTO_TCP) return this.ownsPort(NaptProtocol.TCP, readU16(frame, innerL4 + L4_SRC_PORT));
      if (innerProtocol === PROTO_ICMP) return this.ownsPort(NaptProtocol.ICMP, readU16(frame, innerL4 + ICMP_ID));
      return false;
    }
    // The router terminates no TCP and no other protocol on WAN: the forwarder takes and counts them.
    return true;
  }

  private ownsPort(protocol: number, port: number): boolean {
    const owner = this.phones.portOwner[port];
    if (owner !== NO_PHONE) return this.phones.expiresAt[owner] > this.now();
    return this.napt.findInbound(protocol, port, this.now()) !== NO_MAPPING;
  }

  private onLease(event: LeaseEvent): void {
    const lease = event.lease;
    if (event.kind === 'bound') {
      this.phones.bind(lease);
      this.stats.events[Event.PORT_TABLE_CONFLICTS] = this.phones.conflicts;
      const block = lease.block;
      if (block !== undefined) {
        // Pool ports that a phone now owns must stop leading to the old NAPT mapping.
        const napt = this.napt;
        const flushed = napt.flush((slot) => napt.externalPort[slot] >= block.first && napt.externalPort[slot] <= block.last);
        this.stats.events[Event.MAPPINGS_FLUSHED] += flushed;
      }
      return;
    }
    this.phones.unbindIp(lease.ip);
    const napt = this.napt;
    const address = lease.ip | 0;
    this.stats.events[Event.MAPPINGS_FLUSHED] += napt.flush((slot) => napt.internalIp[slot] === address);
    this.fragments.forget(lease.ip);
  }

  // ---- Service: mapping expiry and held fragments ------------------------------------------------

  pollAt(): number | undefined {
    const next = Math.min(this.napt.earliestExpiry, this.fragments.nextHoldDeadline());
    return next === Infinity ? undefined : next;
  }

  dispatch(now: number): void {
    if (now >= this.napt.earliestExpiry) this.stats.events[Event.MAPPINGS_EXPIRED] += this.napt.expire(now);
    this.stats.drops[Drop.FRAGMENT_HOLD_TIMEOUT] += this.fragments.expireHeld(now);
  }

  // ---- Introspection -----------------------------------------------------------------------------

  blocks(): BlockReport[] {
    return this.phones.report();
  }

  mappings(): MappingReport[] {
    return this.napt.report(this.now());
  }

  drops(): Record<string, number> {
    return this.stats.dropsByName();
  }

  counters(): Record<string, number> {
    return { ...this.stats.eventsByName(), ...this.stats.dropsByName(), 'mappings-live': this.napt.live, 'fragments-held': this.fragments.held };
  }

  /** Who is behind public `port` (det44's `reverse`): a phone's block or a NAPT mapping. */
  reverse(port: number, protocol: 'udp' | 'tcp' | 'icmp' = 'udp'): ReverseAnswer {
    const slot = this.phones.portOwner[port & 0xffff];
    if (slot !== NO_PHONE) {
      return { kind: 'phone', ip: this.phones.ip[slot] >>> 0, mac: this.phones.mac.slice(slot * 6, slot * 6 + 6), first: this.phones.first[slot], last: this.phones.last[slot] };
    }
    const p = protocol === 'udp' ? NaptProtocol.UDP : protocol === 'tcp' ? NaptProtocol.TCP : NaptProtocol.ICMP;
    const mapping = this.napt.findInbound(p, port & 0xffff, this.now());
    if (mapping === NO_MAPPING) return { kind: 'none' };
    return { kind: 'napt', protocol, ip: this.napt.internalIp[mapping] >>> 0, port: this.napt.internalPort[mapping] };
  }

  // ---- The hook ----------------------------------------------------------------------------------

  handleFrame(port: PortName, frame: Uint8Array, ipOffset: number): boolean {
    const now = this.now();
    if (port === 'lan') this.stats.events[Event.FRAMES_LAN]++;
    else this.stats.events[Event.FRAMES_WAN]++;
    if (this.macs !== undefined) {
      const own = port === 'lan' ? this.macs.lan : this.macs.wan;
      for (let i = 0; i < 6; i++) if (frame[i] !== own[i]) return this.drop(Drop.NOT_OUR_MAC);
    }
    let bytes = frame;
    if (ipOffset !== ETH_HEADER_LENGTH) {
      // sendIpFrame wants IPv4 at 14: move the packet (VLAN-tagged frames only; not the hot path).
      if (ipOffset < ETH_HEADER_LENGTH || ipOffset > frame.length || frame.length - ipOffset + ETH_HEADER_LENGTH > this.shifted.length) {
        return this.drop(Drop.TRUNCATED);
      }
      this.shifted.set(frame.subarray(0, 12), 0);
      this.shifted[12] = 0x08;
      this.shifted[13] = 0x00;
      this.shifted.set(frame.subarray(ipOffset), ETH_HEADER_LENGTH);
      bytes = this.shifted.subarray(0, frame.length - ipOffset + ETH_HEADER_LENGTH);
    }
    if (port === 'lan') this.fromLan(bytes, ETH_HEADER_LENGTH, now);
    else this.fromWan(bytes, ETH_HEADER_LENGTH, now);
    return true;
  }

  private drop(reason: Drop): true {
    this.stats.drops[reason]++;
    return true;
  }

  /** -1 when the IPv4 header at `ip` is sound, else the drop reason. */
  private checkIpHeader(frame: Uint8Array, ip: number): number {
    if (frame.length < ip + IP_MIN_HEADER) return Drop.TRUNCATED;
    const versionIhl = frame[ip];
    if (versionIhl >>> 4 !== 4) return Drop.NOT_IPV4;
    const headerLength = (versionIhl & 0x0f) * 4;
    if (headerLength < IP_MIN_HEADER) return Drop.BAD_IP_HEADER;
    const total = readU16(frame, ip + IP_TOTAL_LENGTH);
    if (total < headerLength) return Drop.BAD_IP_HEADER;
    if (ip + total > frame.length) return Drop.TRUNCATED;
    if (internetChecksum(frame, ip, ip + headerLength) !== 0) return Drop.BAD_IP_CHECKSUM;
    return -1;
  }

  private onWanSubnet(ip: number): boolean {
    return (ip & this.wanMask) === this.wanNet;
  }

  /** Send an ICMP error about the packet at `ip` back to its source, if allowed and not rate-limited. */
  private sendIcmpError(frame: Uint8Array, ip: number, total: number, type: number, code: number, mtu: number, port: PortName, now: number): void {
    const headerLength = (frame[ip] & 0x0f) * 4;
    if (!IcmpErrorBuilder.mayAnswer(frame, ip, headerLength, total)) return;
    let source: number;
    let nextHop: number;
    const origin = readAddress(frame, ip + IP_SRC);
    if (port === 'lan') {
      const lan = this.stack.address('lan');
      if (lan === undefined) return;
      source = lan.ip;
      nextHop = origin;
    } else {
      source = this.publicIp;
      if (this.onWanSubnet(origin)) nextHop = origin;
      else if (this.hasGateway) nextHop = this.gateway;
      else return;
    }
    if (!this.icmp.allow(now)) {
      this.stats.events[Event.ICMP_RATE_LIMITED]++;
      return;
    }
    const length = this.icmp.build(frame, ip, total, type, code, mtu, source);
    if (this.stack.sendIpFrame(port, nextHop >>> 0, this.icmp.frame.subarray(0, length))) this.stats.events[Event.ICMP_SENT]++;
  }

  // ---- LAN -> WAN (and hairpin) ------------------------------------------------------------------

  private fromLan(frame: Uint8Array, ip: number, now: number): void {
    const bad = this.checkIpHeader(frame, ip);
    if (bad >= 0) {
      this.drop(bad as Drop);
      return;
    }
    const headerLength = (frame[ip] & 0x0f) * 4;
    const total = readU16(frame, ip + IP_TOTAL_LENGTH);
    const src = readAddress(frame, ip + IP_SRC);
    const dst = readAddress(frame, ip + IP_DST);
    const lan = this.stack.address('lan');
    if (isNonUnicast(src) || (lan !== undefined && (src === (lan.ip | 0) || ((src ^ lan.ip) & prefixMask(lan.prefixLength)) !== 0))) {
      this.drop(Drop.LAN_SOURCE_INVALID);
      return;
    }
    // A phone's packets must carry its lease's address, and only its MAC may use that address.
    const senderSlot = this.phones.slotOfIp(src);
    if (senderSlot !== NO_PHONE) {
      if (!this.phones.macEquals(senderSlot, frame, 6)) {
        this.drop(Drop.LAN_SOURCE_SPOOFED);
        return;
      }
    } else {
      if (this.phones.slotOfMac(frame, 6) !== NO_PHONE) {
        this.drop(Drop.LAN_SOURCE_SPOOFED);
        return;
      }
      if (this.config.unleasedHosts === 'drop' && this.leases.byIp(src >>> 0) === undefined) {
        this.drop(Drop.UNLEASED_HOST);
        return;
      }
    }
    if (!this.hasWan) {
      this.drop(Drop.NO_WAN_ADDRESS);
      return;
    }
    if (dst === this.publicIp) {
      this.hairpin(frame, ip, headerLength, total, src, senderSlot, now);
      return;
    }
    if (isNonUnicast(dst) || (lan !== undefined && ((dst ^ lan.ip) & prefixMask(lan.prefixLength)) === 0)) {
      this.drop(Drop.LAN_DESTINATION_INVALID);
      return;
    }
    if (frame[ip + IP_TTL] <= 1) {
      this.sendIcmpError(frame, ip, total, ICMP_TIME_EXCEEDED, 0, 0, 'lan', now);
      this.drop(Drop.TTL_EXCEEDED);
      return;
    }
    const fragmentField = readU16(frame, ip + IP_FLAGS_FRAGMENT);
    if (total > this.config.wanMtu && (fragmentField & IP_FLAG_DF) !== 0) {
      this.sendIcmpError(frame, ip, total, ICMP_DEST_UNREACHABLE, ICMP_CODE_FRAGMENTATION_NEEDED, this.config.wanMtu, 'lan', now);
      this.drop(Drop.FRAGMENTATION_NEEDED);
      return;
    }
    const protocol = frame[ip + IP_PROTOCOL];
    const l4 = ip + headerLength;
    const end = ip + total;
    let viaPhone = false;
    if ((fragmentField & IP_FRAGMENT_OFFSET_MASK) !== 0) {
      // No ports here: only the address changes, for phones and NAPT alike.
      rewriteAddress(frame, ip, ip + IP_SRC, this.publicIp, NO_CHECKSUM, false);
      this.stats.events[Event.FRAGMENTS_OUT]++;
      viaPhone = senderSlot !== NO_PHONE;
    } else if (protocol === PROTO_UDP || protocol === PROTO_TCP) {
      const udp = protocol === PROTO_UDP;
      if (end - l4 < (udp ? UDP_HEADER : TCP_MIN_HEADER)) {
        this.drop(Drop.TRUNCATED);
        return;
      }
      const checksumAt = l4 + (udp ? UDP_CHECKSUM : TCP_CHECKSUM);
      const srcPort = readU16(frame, l4 + L4_SRC_PORT);
      if (senderSlot !== NO_PHONE && this.phones.portOwner[srcPort] === senderSlot) {
        rewriteAddress(frame, ip, ip + IP_SRC, this.publicIp, checksumAt, udp);
        viaPhone = true;
      } else {
        const mapping = this.mapOutbound(udp ? NaptProtocol.UDP : NaptProtocol.TCP, src, srcPort, senderSlot, now);
        if (mapping === NO_MAPPING) return;
        this.napt.noteOutbound(mapping, dst, readU16(frame, l4 + L4_DST_PORT), udp ? 0 : frame[l4 + TCP_FLAGS], now);
        rewriteAddress(frame, ip, ip + IP_SRC, this.publicIp, checksumAt, udp);
        rewritePort(frame, l4 + L4_SRC_PORT, this.napt.externalPort[mapping], checksumAt, udp);
      }
      if (!udp && this.config.clampMss && (frame[l4 + TCP_FLAGS] & TCP_SYN) !== 0) {
        if (clampMss(frame, l4, end, this.config.wanMtu - 40, checksumAt)) this.stats.events[Event.MSS_CLAMPED]++;
      }
    } else if (protocol === PROTO_ICMP) {
      if (!this.translateIcmpOut(frame, ip, l4, end, src, senderSlot, now)) return;
      viaPhone = senderSlot !== NO_PHONE && this.phones.portOwner[readU16(frame, l4 + ICMP_ID)] === senderSlot;
    } else {
      this.drop(Drop.PROTOCOL_UNSUPPORTED);
      return;
    }
    decrementTtl(frame, ip);
    if (!this.sendWan(frame, ip, total, dst)) return;
    if (viaPhone) {
      this.stats.events[Event.OUT_PHONE]++;
      this.phones.packetsOut[senderSlot]++;
      this.phones.bytesOut[senderSlot] += total;
    } else this.stats.events[Event.OUT_NAPT]++;
  }

  /** Find or create the NAPT mapping of an inside endpoint; counts the drop itself on failure. */
  private mapOutbound(protocol: number, src: number, port: number, senderSlot: number, now: number): number {
    if (!this.config.fallbackNapt) {
      this.drop(Drop.NAPT_DISABLED);
      return NO_MAPPING;
    }
    if (senderSlot !== NO_PHONE && this.config.phoneOutsideBlock === 'drop') {
      this.drop(Drop.PHONE_PORT_OUTSIDE_BLOCK);
      return NO_MAPPING;
    }
    let mapping = this.napt.findOutbound(protocol, src, port, now);
    if (mapping === NO_MAPPING) {
      mapping = this.napt.create(protocol, src, port, now);
      if (mapping === NO_MAPPING) {
        this.drop(this.napt.lastFailure);
        if (now - this.lastExhaustionLog >= 10000) {
          this.lastExhaustionLog = now;
          this.log(`cannot map ${ipToString(src)}:${port} (${this.napt.lastFailure === Drop.NAPT_HOST_LIMIT ? 'per-host limit' : this.napt.lastFailure === Drop.NAPT_POOL_EXHAUSTED ? 'pool exhausted' : 'table full'})`);
        }
        return NO_MAPPING;
      }
      this.stats.events[Event.MAPPINGS_CREATED]++;
    }
    return mapping;
  }

  /** Outbound ICMP: queries map their identifier like a port; errors get their quote translated. */
  private translateIcmpOut(frame: Uint8Array, ip: number, l4: number, end: number, src: number, senderSlot: number, now: number): boolean {
    if (end - l4 < ICMP_HEADER) return this.dropFalse(Drop.TRUNCATED);
    const whole = (readU16(frame, ip + IP_FLAGS_FRAGMENT) & IP_FLAG_MF) === 0;
    if (whole && internetChecksum(frame, l4, end) !== 0) return this.dropFalse(Drop.ICMP_BAD_CHECKSUM);
    const type = frame[l4];
    if (icmpQueryKind(type) === 1) {
      const id = readU16(frame, l4 + ICMP_ID);
      rewriteAddress(frame, ip, ip + IP_SRC, this.publicIp, NO_CHECKSUM, false);
      if (senderSlot !== NO_PHONE && this.phones.portOwner[id] === senderSlot) return true;
      const mapping = this.mapOutbound(NaptProtocol.ICMP, src, id, senderSlot, now);
      if (mapping === NO_MAPPING) return false;
      this.napt.noteOutbound(mapping, readAddress(frame, ip + IP_DST), 0, 0, now);
      rewritePort(frame, l4 + ICMP_ID, this.napt.externalPort[mapping], l4 + ICMP_CHECKSUM, false);
      return true;
    }
    if (!isIcmpError(type) || !whole) return this.dropFalse(Drop.ICMP_UNSUPPORTED);
    // RFC 5508 REQ-5: the quoted packet was sent TO this host; its destination becomes public.
    const inner = this.innerHeader(frame, l4, end);
    if (inner < 0) return false;
    const innerHeader = (frame[inner] & 0x0f) * 4;
    const innerL4 = inner + innerHeader;
    if (readAddress(frame, inner + IP_DST) !== src) return this.dropFalse(Drop.ICMP_ERROR_MALFORMED);
    const innerProtocol = frame[inner + IP_PROTOCOL];
    const napProtocol = innerProtocol === PROTO_UDP ? NaptProtocol.UDP : innerProtocol === PROTO_TCP ? NaptProtocol.TCP : -1;
    if (napProtocol < 0) return this.dropFalse(Drop.ICMP_ERROR_NO_MAPPING);
    const port = readU16(frame, innerL4 + L4_DST_PORT);
    let publicPort = port;
    if (senderSlot === NO_PHONE || this.phones.portOwner[port] !== senderSlot) {
      const mapping = this.napt.findOutbound(napProtocol, src, port, now);
      if (mapping === NO_MAPPING) return this.dropFalse(Drop.ICMP_ERROR_NO_MAPPING);
      publicPort = this.napt.externalPort[mapping];
    }
    const innerChecksum = this.innerChecksumAt(innerProtocol, innerL4, end);
    const udp = innerProtocol === PROTO_UDP;
    rewriteAddress(frame, inner, inner + IP_DST, this.publicIp, innerChecksum, udp);
    rewritePort(frame, innerL4 + L4_DST_PORT, publicPort, innerChecksum, udp);
    rewriteAddress(frame, ip, ip + IP_SRC, this.publicIp, NO_CHECKSUM, false);
    this.refillIcmpChecksum(frame, l4, end);
    this.stats.events[Event.ICMP_ERRORS_TRANSLATED]++;
    return true;
  }

  private dropFalse(reason: Drop): false {
    this.stats.drops[reason]++;
    return false;
  }

  /** Offset of an ICMP error's quoted IP header when it is sound and quotes 8 transport bytes, else -1 (counted). */
  private innerHeader(frame: Uint8Array, l4: number, end: number): number {
    const inner = l4 + ICMP_ERROR_EMBEDDED;
    if (end - inner < IP_MIN_HEADER || frame[inner] >>> 4 !== 4) {
      this.drop(Drop.ICMP_ERROR_MALFORMED);
      return -1;
    }
    const innerHeader = (frame[inner] & 0x0f) * 4;
    // RFC 5508 REQ-3a: a bad quoted IP checksum drops; REQ-3c: the quoted transport checksum is not checked.
    if (innerHeader < IP_MIN_HEADER || end - inner < innerHeader + 8 || internetChecksum(frame, inner, inner + innerHeader) !== 0) {
      this.drop(Drop.ICMP_ERROR_MALFORMED);
      return -1;
    }
    if ((readU16(frame, inner + IP_FLAGS_FRAGMENT) & IP_FRAGMENT_OFFSET_MASK) !== 0) {
      this.drop(Drop.ICMP_ERROR_NO_MAPPING);
      return -1;
    }
    return inner;
  }

  /** Where the quoted transport checksum sits, when the quote is long enough to hold it. */
  private innerChecksumAt(protocol: number, innerL4: number, end: number): number {
    if (protocol === PROTO_UDP) return innerL4 + UDP_CHECKSUM;
    if (protocol === PROTO_TCP && end - innerL4 >= TCP_CHECKSUM + 2) return innerL4 + TCP_CHECKSUM;
    return NO_CHECKSUM;
  }

  private refillIcmpChecksum(frame: Uint8Array, l4: number, end: number): void {
    writeU16(frame, l4 + ICMP_CHECKSUM, 0);
    writeU16(frame, l4 + ICMP_CHECKSUM, internetChecksum(frame, l4, end));
  }

  /** Send a translated packet on WAN: to the gateway unless on-link; fragment for a smaller MTU. */
  private sendWan(frame: Uint8Array, ip: number, total: number, dst: number): boolean {
    let nextHop: number;
    if (this.onWanSubnet(dst)) nextHop = dst;
    else if (this.hasGateway) nextHop = this.gateway;
    else return this.dropFalse(Drop.NO_WAN_ADDRESS);
    if (total > this.config.wanMtu) return this.fragmentOut(frame, ip, total, nextHop);
    if (!this.stack.sendIpFrame('wan', nextHop >>> 0, frame)) return this.dropFalse(Drop.TX_FAILED);
    return true;
  }

  /** RFC 4787 REQ-13a: a DF=0 packet larger than the WAN MTU leaves as in-order fragments. */
  private fragmentOut(frame: Uint8Array, ip: number, total: number, nextHop: number): boolean {
    const headerLength = (frame[ip] & 0x0f) * 4;
    const fragmentField = readU16(frame, ip + IP_FLAGS_FRAGMENT);
    const baseOffset = (fragmentField & IP_FRAGMENT_OFFSET_MASK) * 8;
    const lastHasMore = (fragmentField & IP_FLAG_MF) !== 0;
    const payload = total - headerLength;
    const chunk = Math.floor((this.config.wanMtu - headerLength) / 8) * 8;
    if (chunk <= 0) return this.dropFalse(Drop.FRAGMENT_TOO_SMALL);
    const out = this.pieces;
    out.set(frame.subarray(0, 14), 0);
    for (let done = 0; done < payload; done += chunk) {
      const length = Math.min(chunk, payload - done);
      const last = done + length >= payload;
      out.set(frame.subarray(ip, ip + headerLength), 14);
      writeU16(out, 14 + IP_TOTAL_LENGTH, headerLength + length);
      writeU16(out, 14 + IP_FLAGS_FRAGMENT, ((baseOffset + done) / 8) | (!last || lastHasMore ? IP_FLAG_MF : 0));
      fillIpChecksum(out, 14, headerLength);
      out.set(frame.subarray(ip + headerLength + done, ip + headerLength + done + length), 14 + headerLength);
      if (!this.stack.sendIpFrame('wan', nextHop >>> 0, out.subarray(0, 14 + headerLength + length))) return this.dropFalse(Drop.TX_FAILED);
    }
    this.stats.events[Event.FRAGMENTED_FOR_MTU]++;
    return true;
  }

  /** RFC 4787 REQ-9 / RFC 5382 REQ-8: LAN -> public address:port reaches the owner, from our public endpoint. */
  private hairpin(frame: Uint8Array, ip: number, headerLength: number, total: number, src: number, senderSlot: number, now: number): void {
    if (!this.config.hairpin) {
      this.drop(Drop.HAIRPIN_DISABLED);
      return;
    }
    const protocol = frame[ip + IP_PROTOCOL];
    const fragmentField = readU16(frame, ip + IP_FLAGS_FRAGMENT);
    const l4 = ip + headerLength;
    const end = ip + total;
    if ((protocol !== PROTO_UDP && protocol !== PROTO_TCP) || (fragmentField & (IP_FRAGMENT_OFFSET_MASK | IP_FLAG_MF)) !== 0) {
      this.drop(Drop.HAIRPIN_NO_TARGET);
      return;
    }
    const udp = protocol === PROTO_UDP;
    if (end - l4 < (udp ? UDP_HEADER : TCP_MIN_HEADER)) {
      this.drop(Drop.TRUNCATED);
      return;
    }
    if (frame[ip + IP_TTL] <= 1) {
      this.sendIcmpError(frame, ip, total, ICMP_TIME_EXCEEDED, 0, 0, 'lan', now);
      this.drop(Drop.TTL_EXCEEDED);
      return;
    }
    const napProtocol = udp ? NaptProtocol.UDP : NaptProtocol.TCP;
    const srcPort = readU16(frame, l4 + L4_SRC_PORT);
    const dstPort = readU16(frame, l4 + L4_DST_PORT);
    const flags = udp ? 0 : frame[l4 + TCP_FLAGS];
    // The target first, so a packet that reaches nobody creates no mapping.
    let target: number;
    let targetPort = dstPort;
    let targetMapping = NO_MAPPING;
    const owner = this.phones.portOwner[dstPort];
    if (owner !== NO_PHONE) {
      if (this.phones.expiresAt[owner] <= now) {
        this.drop(Drop.HAIRPIN_NO_TARGET);
        return;
      }
      target = this.phones.ip[owner];
    } else {
      targetMapping = this.napt.findInbound(napProtocol, dstPort, now);
      if (targetMapping === NO_MAPPING) {
        this.drop(Drop.HAIRPIN_NO_TARGET);
        return;
      }
      target = this.napt.internalIp[targetMapping];
      targetPort = this.napt.internalPort[targetMapping];
    }
    let publicSrcPort = srcPort;
    if (senderSlot === NO_PHONE || this.phones.portOwner[srcPort] !== senderSlot) {
      const mapping = this.mapOutbound(napProtocol, src, srcPort, senderSlot, now);
      if (mapping === NO_MAPPING) return;
      this.napt.noteOutbound(mapping, this.publicIp, dstPort, flags, now);
      publicSrcPort = this.napt.externalPort[mapping];
    }
    if (targetMapping !== NO_MAPPING) {
      if (!this.napt.permitsInbound(targetMapping, this.publicIp, publicSrcPort, this.config.filtering)) {
        this.drop(Drop.WAN_FILTERED);
        return;
      }
      this.napt.noteInbound(targetMapping, flags, now);
    }
    const checksumAt = l4 + (udp ? UDP_CHECKSUM : TCP_CHECKSUM);
    rewriteAddress(frame, ip, ip + IP_SRC, this.publicIp, checksumAt, udp);
    rewritePort(frame, l4 + L4_SRC_PORT, publicSrcPort, checksumAt, udp);
    rewriteAddress(frame, ip, ip + IP_DST, target, checksumAt, udp);
    rewritePort(frame, l4 + L4_DST_PORT, targetPort, checksumAt, udp);
    decrementTtl(frame, ip);
    if (!this.stack.sendIpFrame('lan', target >>> 0, frame)) {
      this.drop(Drop.TX_FAILED);
      return;
    }
    this.stats.events[Event.HAIRPIN]++;
  }

  // ---- WAN -> LAN --------------------------------------------------------------------------------

  private fromWan(frame: Uint8Array, ip: number, now: number): void {
    const bad = this.checkIpHeader(frame, ip);
    if (bad >= 0) {
      this.drop(bad as Drop);
      return;
    }
    if (!this.hasWan) {
      this.drop(Drop.NO_WAN_ADDRESS);
      return;
    }
    const src = readAddress(frame, ip + IP_SRC);
    const dst = readAddress(frame, ip + IP_DST);
    if (dst !== this.publicIp) {
      this.drop(Drop.WAN_NOT_OUR_ADDRESS);
      return;
    }
    if (src === this.publicIp || isNonUnicast(src) || (this.config.dropBogonWanSources && isBogon(src) && !this.onWanSubnet(src))) {
      this.drop(Drop.WAN_SOURCE_BOGON);
      return;
    }
    const total = readU16(frame, ip + IP_TOTAL_LENGTH);
    if (frame[ip + IP_TTL] <= 1) {
      this.sendIcmpError(frame, ip, total, ICMP_TIME_EXCEEDED, 0, 0, 'wan', now);
      this.drop(Drop.TTL_EXCEEDED);
      return;
    }
    const headerLength = (frame[ip] & 0x0f) * 4;
    const protocol = frame[ip + IP_PROTOCOL];
    const fragmentField = readU16(frame, ip + IP_FLAGS_FRAGMENT);
    const l4 = ip + headerLength;
    const end = ip + total;
    if ((fragmentField & IP_FRAGMENT_OFFSET_MASK) !== 0) {
      const id = readU16(frame, ip + IP_ID);
      const entry = this.fragments.lookup(src, id, protocol, now);
      if (entry === NO_ENTRY) {
        if (this.config.fragmentHoldSlots > 0 && this.fragments.hold(frame, ip, total, src, id, protocol, now + this.config.fragmentHoldMs)) {
          this.stats.events[Event.FRAGMENT_HELD]++;
        } else this.drop(this.config.fragmentHoldSlots > 0 ? Drop.FRAGMENT_HOLD_FULL : Drop.FRAGMENT_NO_FIRST);
        return;
      }
      const target = this.fragments.targetOf(entry);
      rewriteAddress(frame, ip, ip + IP_DST, target, NO_CHECKSUM, false);
      decrementTtl(frame, ip);
      if (!this.stack.sendIpFrame('lan', target >>> 0, frame)) {
        this.drop(Drop.TX_FAILED);
        return;
      }
      this.stats.events[Event.FRAGMENTS_IN]++;
      this.countInbound(target, total);
      return;
    }
    let target: number;
    if (protocol === PROTO_UDP || protocol === PROTO_TCP) {
      const udp = protocol === PROTO_UDP;
      if (end - l4 < (udp ? UDP_HEADER : TCP_MIN_HEADER)) {
        this.drop(Drop.TRUNCATED);
        return;
      }
      const checksumAt = l4 + (udp ? UDP_CHECKSUM : TCP_CHECKSUM);
      const dstPort = readU16(frame, l4 + L4_DST_PORT);
      const owner = this.phones.portOwner[dstPort];
      if (owner !== NO_PHONE) {
        // The block alone names the phone (endpoint-independent), while its lease lives.
        if (this.phones.expiresAt[owner] <= now) {
          this.drop(Drop.WAN_NO_MAPPING);
          return;
        }
        target = this.phones.ip[owner];
        rewriteAddress(frame, ip, ip + IP_DST, target, checksumAt, udp);
      } else {
        const mapping = this.napt.findInbound(udp ? NaptProtocol.UDP : NaptProtocol.TCP, dstPort, now);
        if (mapping === NO_MAPPING) {
          this.drop(Drop.WAN_NO_MAPPING);
          return;
        }
        if (!this.napt.permitsInbound(mapping, src, readU16(frame, l4 + L4_SRC_PORT), this.config.filtering)) {
          this.drop(Drop.WAN_FILTERED);
          return;
        }
        this.napt.noteInbound(mapping, udp ? 0 : frame[l4 + TCP_FLAGS], now);
        target = this.napt.internalIp[mapping];
        rewriteAddress(frame, ip, ip + IP_DST, target, checksumAt, udp);
        rewritePort(frame, l4 + L4_DST_PORT, this.napt.internalPort[mapping], checksumAt, udp);
      }
      if (!udp && this.config.clampMss && (frame[l4 + TCP_FLAGS] & TCP_SYN) !== 0) {
        if (clampMss(frame, l4, end, this.config.wanMtu - 40, checksumAt)) this.stats.events[Event.MSS_CLAMPED]++;
      }
    } else if (protocol === PROTO_ICMP) {
      if (!this.translateIcmpIn(frame, ip, l4, end, src, now)) return;
      target = this.icmpTarget;
    } else {
      this.drop(Drop.PROTOCOL_UNSUPPORTED);
      return;
    }
    if ((fragmentField & IP_FLAG_MF) !== 0) {
      // A first fragment: later ones follow it to the same host; release any that came early.
      const id = readU16(frame, ip + IP_ID);
      this.fragments.remember(src, id, protocol, target, now, this.config.fragmentTimeoutMs);
      this.releaseHeld(src, id, protocol, now);
    }
    decrementTtl(frame, ip);
    if (!this.stack.sendIpFrame('lan', target >>> 0, frame)) {
      this.drop(Drop.TX_FAILED);
      return;
    }
    this.countInbound(target, total);
  }

  private countInbound(target: number, total: number): void {
    const slot = this.phones.slotOfIp(target);
    if (slot !== NO_PHONE) {
      this.stats.events[Event.IN_PHONE]++;
      this.phones.packetsIn[slot]++;
      this.phones.bytesIn[slot] += total;
    } else this.stats.events[Event.IN_NAPT]++;
  }

  private releaseHeld(src: number, id: number, protocol: number, now: number): void {
    for (let slot = this.fragments.heldFor(src, id, protocol); slot >= 0; slot = this.fragments.heldFor(src, id, protocol)) {
      const held = this.fragments.heldFrame(slot);
      this.fragments.release(slot);
      this.stats.events[Event.FRAGMENT_RELEASED]++;
      // It re-enters as a WAN frame; now its first fragment is known, so it is forwarded.
      this.fromWan(held, ETH_HEADER_LENGTH, now);
    }
  }

  /** Where translateIcmpIn sent the message (int32 form). */
  private icmpTarget = 0;

  /** Inbound ICMP: replies find their host by identifier; errors by their quoted packet. False = dropped (counted). */
  private translateIcmpIn(frame: Uint8Array, ip: number, l4: number, end: number, src: number, now: number): boolean {
    if (end - l4 < ICMP_HEADER) {
      this.drop(Drop.TRUNCATED);
      return false;
    }
    const whole = (readU16(frame, ip + IP_FLAGS_FRAGMENT) & IP_FLAG_MF) === 0;
    if (whole && internetChecksum(frame, l4, end) !== 0) {
      this.drop(Drop.ICMP_BAD_CHECKSUM);
      return false;
    }
    const type = frame[l4];
    if (icmpQueryKind(type) === 2) {
      const id = readU16(frame, l4 + ICMP_ID);
      const owner = this.phones.portOwner[id];
      if (owner !== NO_PHONE && this.phones.expiresAt[owner] > now) {
        const target = this.phones.ip[owner];
        rewriteAddress(frame, ip, ip + IP_DST, target, NO_CHECKSUM, false);
        this.icmpTarget = target;
        return true;
      }
      const mapping = this.napt.findInbound(NaptProtocol.ICMP, id, now);
      if (mapping === NO_MAPPING) {
        this.drop(Drop.WAN_NO_MAPPING);
        return false;
      }
      if (!this.napt.permitsInbound(mapping, src, 0, this.config.filtering)) {
        this.drop(Drop.WAN_FILTERED);
        return false;
      }
      this.napt.noteInbound(mapping, 0, now);
      const target = this.napt.internalIp[mapping];
      rewriteAddress(frame, ip, ip + IP_DST, target, NO_CHECKSUM, false);
      rewritePort(frame, l4 + ICMP_ID, this.napt.internalPort[mapping], l4 + ICMP_CHECKSUM, false);
      this.icmpTarget = target;
      return true;
    }
    if (!isIcmpError(type) || !whole) {
      this.drop(Drop.ICMP_UNSUPPORTED);
      return false;
    }
    // RFC 5508 REQ-4: the quoted packet is one we sent: its source (public:port) names the host.
    const inner = this.innerHeader(frame, l4, end);
    if (inner < 0) return false;
    if (readAddress(frame, inner + IP_SRC) !== this.publicIp) {
      this.drop(Drop.ICMP_ERROR_NO_MAPPING);
      return false;
    }
    const innerL4 = inner + (frame[inner] & 0x0f) * 4;
    const innerProtocol = frame[inner + IP_PROTOCOL];

    let napProtocol: number;
    let portAt: number;
    let remotePort: number;
    if (innerProtocol === PROTO_UDP || innerProtocol === PROTO_TCP) {
      napProtocol = innerProtocol === PROTO_UDP ? NaptProtocol.UDP : NaptProtocol.TCP;
      portAt = innerL4 + L4_SRC_PORT;
      remotePort = readU16(frame, innerL4 + L4_DST_PORT);
    } else if (innerProtocol === PROTO_ICMP && icmpQueryKind(frame[innerL4]) === 1) {
      napProtocol = NaptProtocol.ICMP;
      portAt = innerL4 + ICMP_ID;
      remotePort = 0;
    } else {
      this.drop(Drop.ICMP_ERROR_NO_MAPPING);
      return false;
    }
    const port = readU16(frame, portAt);
    let target: number;
    let insidePort = port;
    const owner = this.phones.portOwner[port];
    if (owner !== NO_PHONE && this.phones.expiresAt[owner] > now) {
      target = this.phones.ip[owner];
    } else {
      const mapping = this.napt.findInbound(napProtocol, port, now);
      // REQ-6: an error never refreshes the mapping; the quoted destination must be a known remote.
      if (mapping === NO_MAPPING || !this.napt.permitsInbound(mapping, readAddress(frame, inner + IP_DST), remotePort, this.config.filtering)) {
        this.drop(Drop.ICMP_ERROR_NO_MAPPING);
        return false;
      }
      target = this.napt.internalIp[mapping];
      insidePort = this.napt.internalPort[mapping];
    }
    const innerChecksum = innerProtocol === PROTO_ICMP ? innerL4 + ICMP_CHECKSUM : this.innerChecksumAt(innerProtocol, innerL4, end);
    const udp = innerProtocol === PROTO_UDP;
    rewriteAddress(frame, inner, inner + IP_SRC, target, innerProtocol === PROTO_ICMP ? NO_CHECKSUM : innerChecksum, udp);
    rewritePort(frame, portAt, insidePort, innerChecksum, udp);
    rewriteAddress(frame, ip, ip + IP_DST, target, NO_CHECKSUM, false);
    this.refillIcmpChecksum(frame, l4, end);
    this.stats.events[Event.ICMP_ERRORS_TRANSLATED]++;
    this.icmpTarget = target;
    return true;
  }
}
