// The router's own IPv4 stack on the LAN and WAN ports: ARP (answer, cache, resolve with a bounded
// queue), IPv4 input validation, ICMP echo (answer rate-limited, and ping), UDP sockets, and the
// hand-off of every frame that is not for the router to the forwarding hook (NAPPT).
// Frames are parsed in place; the forwarding path allocates nothing.
// Over 400 lines: not yet split into ARP, ICMP, UDP and egress (issue 11).
import type { Hal, Port, PortName } from '../../hal/hal';
import { PORT_NAMES } from '../../hal/hal';
import { BROADCAST_MAC, macEquals } from '../util/mac';
import { internetChecksum } from '../wire/checksum';
import { BROADCAST_IP, prefixMask, readIp, sameSubnet } from '../util/ipv4';
import {
  ARP_PACKET_LEN,
  ARP_SHA,
  ARP_SPA,
  ARP_TPA,
  ArpOperation,
  arpOperation,
  checkArp,
  emitArp,
} from '../wire/arp';
import {
  ETH_DST,
  ETH_HEADER_LEN,
  ETH_MIN_FRAME,
  ETH_SRC,
  EtherType,
  ethernetEtherType,
  ethernetPayloadOffset,
  writeEthernetHeader,
} from '../wire/ethernet';
import {
  IPV4_MIN_HEADER_LEN,
  IpProtocol,
  checkIpv4,
  emitIpv4,
  ipv4Dst,
  ipv4HeaderLength,
  ipv4IsFragment,
  ipv4Protocol,
  ipv4Src,
  ipv4TotalLength,
} from '../wire/ipv4';
import {
  ICMP_HEADER_LEN,
  IcmpType,
  checkIcmp,
  emitIcmp,
  icmpEchoIdent,
  icmpEchoSeq,
  icmpQuoteLength,
  isIcmpError,
  UnreachableCode,
} from '../wire/icmp';
import { UDP_HEADER_LEN, checkUdp, fillUdpChecksum, udpDstPort, udpLength, udpSrcPort, verifyUdpChecksum, writeUdpHeader, UdpError } from '../wire/udp';
import { ArpCache } from './arp-cache';
import { ArpPending } from './arp-pending';
import { Counters } from './counters';
import { PendingPings } from './pings';
import { TokenBucket } from '../util/token-bucket';
import type { Service } from './service';
import type { Datagram, DatagramHandler, ForwardHook, InterfaceAddress, Stack, UdpEndpoint } from './types';
import { UdpPorts, type UdpBinding } from './udp-ports';

export interface StackOptions {
  /** ARP cache entries per port (oldest evicted first). */
  readonly arpCacheSize?: number;
  /** How long a learned MAC is trusted. */
  readonly arpLifetimeMs?: number;
  /**
   * An entry used this close to its expiry gets one unicast ARP request, so a busy next hop is
   * refreshed before it lapses and its traffic never waits in the resolution queue.
   */
  readonly arpRefreshMs?: number;
  /** Interval between ARP requests for an unresolved next hop. */
  readonly arpRetryMs?: number;
  /** Requests sent before the queued frames are dropped (counted 'arp.unresolved'). */
  readonly arpMaxRequests?: number;
  /** Frames queued per unresolved next hop. */
  readonly arpQueuePerHop?: number;
  /** Frames queued for resolution in total, per port. */
  readonly arpQueueTotal?: number;
  /** Echo replies per second, and the burst allowed above that rate. */
  readonly icmpRatePerSecond?: number;
  readonly icmpBurst?: number;
  /** TTL of packets the router originates. */
  readonly ttl?: number;
}

const DEFAULTS: Required<StackOptions> = {
  arpCacheSize: 256,
  arpLifetimeMs: 120_000,
  arpRefreshMs: 5_000,
  arpRetryMs: 1000,
  arpMaxRequests: 3,
  arpQueuePerHop: 4,
  arpQueueTotal: 64,
  icmpRatePerSecond: 100,
  icmpBurst: 50,
  ttl: 64,
};

/** The stack plus the Service face the reactor polls (ARP expiry and retries, ping timeouts). */
export interface RouterStack extends Stack, Service {
  /**
   * Per received frame, the one outcome it ended in (handled or dropped, by reason). The values
   * always sum to counters()['rx.frames'].
   */
  frameOutcomes(): Record<string, number>;
  /** Set by the owner of the reactor: called when pollAt() may have moved earlier outside a frame batch. */
  onPollChange?: () => void;
}

interface PortState {
  readonly name: PortName;
  readonly port: Port;
  readonly mac: Uint8Array;
  address: InterfaceAddress | undefined;
  /**
   * The address and the subnet broadcast as plain numbers, NO_IP when absent (and the broadcast
   * for /31 and /32). A sentinel rather than undefined keeps the per-frame comparisons unboxed:
   * a number-or-undefined above 2^31 makes V8 allocate a HeapNumber on every frame.
   */
  ownIp: number;
  subnetBroadcast: number;
  readonly arp: ArpCache;
  readonly pending: ArpPending;
  readonly udp: UdpPorts;
}

const ZERO_MAC = new Uint8Array(6);
/** Never equal to a u32 address. */
const NO_IP = -1;
const PING_DATA_LEN = 56;

export function createStack(hal: Hal, options: StackOptions = {}): RouterStack {
  return new IPv4Stack(hal, { ...DEFAULTS, ...options });
}

class IPv4Stack implements RouterStack {
  readonly name = 'stack';
  onPollChange?: () => void;

  private readonly counters_ = new Counters();
  private readonly ports: Record<PortName, PortState>;
  private readonly icmpBucket: TokenBucket;
  private readonly pings = new PendingPings();
  private readonly pingIdent: number;
  private readonly scratch: Uint8Array;
  private forwardHook: ForwardHook | undefined;
  private ipIdent: number;

  constructor(
    private readonly hal: Hal,
    private readonly options: Required<StackOptions>,
  ) {
    const random = new Uint8Array(8);
    hal.randomFill(random);
    this.pingIdent = (random[0] << 8) | random[1];
    this.ipIdent = (random[2] << 8) | random[3];
    const portStart = (random[4] << 8) | random[5];
    const make = (name: PortName): PortState => ({
      name,
      port: hal.ports[name],
      mac: hal.ports[name].mac.slice(0, 6),
      address: undefined,
      ownIp: NO_IP,
      subnetBroadcast: NO_IP,
      arp: new ArpCache(options.arpCacheSize, options.arpLifetimeMs),
      pending: new ArpPending(options.arpQueuePerHop, options.arpQueueTotal, options.arpQueueTotal),
      udp: new UdpPorts(portStart + (name === 'wan' ? 7919 : 0)),
    });
    this.ports = { lan: make('lan'), wan: make('wan') };
    this.icmpBucket = new TokenBucket(options.icmpRatePerSecond, options.icmpBurst);
    const largestMtu = Math.max(hal.ports.lan.mtu, hal.ports.wan.mtu);
    this.scratch = new Uint8Array(ETH_HEADER_LEN + largestMtu);
    for (const name of PORT_NAMES) {
      const state = this.ports[name];
      state.port.onFrame = (frame) => this.receive(state, frame);
    }
  }

  // ---- Stack: configuration and queries ----

  address(port: PortName): InterfaceAddress | undefined {
    return this.ports[port].address;
  }

  setAddress(port: PortName, address: InterfaceAddress | undefined): void {
    const state = this.ports[port];
    if (address !== undefined) {
      const valid =
        Number.isInteger(address.prefixLength) && address.prefixLength >= 0 && address.prefixLength <= 32 && Number.isInteger(address.ip);
      if (!valid) throw new RangeError(`bad interface address for ${port}`);
    }
    state.address = address === undefined ? undefined : { ...address, ip: address.ip >>> 0 };
    state.ownIp = address === undefined ? NO_IP : address.ip >>> 0;
    state.subnetBroadcast =
      address === undefined || address.prefixLength >= 31 ? NO_IP : ((address.ip | ~prefixMask(address.prefixLength)) >>> 0);
    if (address !== undefined) this.sendGratuitousArp(state);
  }

  setForwardHook(hook: ForwardHook | undefined): void {
    this.forwardHook = hook;
  }

  arpLookup(port: PortName, ip: number): Uint8Array | undefined {
    const mac = this.ports[port].arp.lookup(ip >>> 0, this.hal.now());
    return mac === undefined ? undefined : mac.slice();
  }

  counters(): Record<string, number> {
    return this.counters_.all();
  }

  frameOutcomes(): Record<string, number> {
    return this.counters_.outcomeCounts();
  }

  clearCounters(): void {
    this.counters_.clear();
  }

  // ---- Service ----

  pollAt(): number | undefined {
    let next = this.pings.nextDeadline();
    for (const name of PORT_NAMES) {
      const state = this.ports[name];
      next = earliest(next, state.arp.nextExpiry());
      next = earliest(next, state.pending.nextRetry());
    }
    return next;
  }

  dispatch(now: number): void {
    for (const name of PORT_NAMES) {
      const state = this.ports[name];
      const expired = state.arp.expire(now);
      if (expired > 0) this.counters_.event('arp.expired', expired);
      for (const [nextHop, hop] of state.pending.due(now)) {
        if (hop.requests >= this.options.arpMaxRequests) {
          const frames = state.pending.take(nextHop);
          this.counters_.event('arp.unresolved', frames === undefined ? 0 : frames.length);
          continue;
        }
        hop.requests++;
        hop.nextRetryAt = now + this.options.arpRetryMs;
        this.sendArpRequest(state, nextHop);
      }
    }
    const timedOut = this.pings.expire(now);
    if (timedOut > 0) this.counters_.event('icmp.echo-request-unanswered', timedOut);
  }

  // ---- Receive ----

  private receive(state: PortState, frame: Uint8Array): void {
    const counters = this.counters_;
    counters.frameIn();
    const payload = ethernetPayloadOffset(frame);
    if (payload === 0) return counters.outcome('ethernet.truncated');
    const etherType = ethernetEtherType(frame);
    if (etherType === EtherType.IPv4) return this.receiveIpv4(state, frame, payload);
    const forUs = macEquals(frame, ETH_DST, state.mac) || (frame[ETH_DST] & 1) === 1;
    if (!forUs) return counters.outcome('ethernet.not-for-us');
    if (payload !== ETH_HEADER_LEN) return counters.outcome('ethernet.unsupported-vlan');
    if (etherType === EtherType.ARP) return this.receiveArp(state, frame, payload);
    return counters.outcome('ethernet.unsupported-type');
  }

  private receiveArp(state: PortState, frame: Uint8Array, at: number): void {
    const counters = this.counters_;
    const error = checkArp(frame, at);
    if (error !== undefined) return counters.outcome(error);
    const senderIp = readIp(frame, at + ARP_SPA);
    const targetIp = readIp(frame, at + ARP_TPA);
    const ours = state.ownIp;
    if ((frame[at + ARP_SHA] & 1) === 1) return counters.outcome('arp.bad-sender');
    if (senderIp === ours) {
      // Someone else claims our address (or our own gratuitous ARP looped back).
      if (macEquals(frame, at + ARP_SHA, state.mac)) return counters.outcome('arp.own-echo');
      return counters.outcome('arp.address-conflict');
    }
    const now = this.hal.now();
    const forUs = targetIp === ours;
    const request = arpOperation(frame, at) === ArpOperation.Request;
    // RFC 826: refresh an entry we have (or are resolving); add one when a request asks for us,
    // since the asker is about to talk to us. Unsolicited replies add nothing, so a flood of them
    // cannot push real neighbours out of the cache.
    const known = state.arp.has(senderIp) || state.pending.has(senderIp);
    if (senderIp !== 0 && (known || (forUs && request))) this.learn(state, senderIp, frame, at + ARP_SHA, now);
    if (!forUs) return counters.outcome(known ? 'arp.refreshed' : 'arp.not-for-us');
    if (!request) return counters.outcome(known ? 'arp.learned' : 'arp.unsolicited');
    this.sendArpReply(state, frame, at);
    return counters.outcome('arp.replied');
  }

  /** Cache the sender and release frames that were waiting for it. */
  private learn(state: PortState, ip: number, frame: Uint8Array, macAt: number, now: number): void {
    if (state.arp.learn(ip, frame, macAt, now)) this.counters_.event('arp.evicted');
    const waiting = state.pending.take(ip);
    if (waiting === undefined) return;
    for (const queued of waiting) {
      queued.set(frame.subarray(macAt, macAt + 6), ETH_DST);
      this.transmit(state, queued);
    }
    this.counters_.event('arp.released', waiting.length);
    this.onPollChange?.();
  }

  private receiveIpv4(state: PortState, frame: Uint8Array, ip: number): void {
    const counters = this.counters_;
    const error = checkIpv4(frame, ip);
    if (error !== undefined) return counters.outcome(error);
    const dst = ipv4Dst(frame, ip);
    const untagged = ip === ETH_HEADER_LEN;
    const macOk = macEquals(frame, ETH_DST, state.mac) || (frame[ETH_DST] & 1) === 1;
    const ours = state.ownIp;
    const broadcast = dst === BROADCAST_IP || dst === state.subnetBroadcast;
    if (untagged && macOk && (dst === ours || broadcast)) return this.receiveLocal(state, frame, ip, broadcast);
    if (dst >>> 28 === 0xe) return counters.outcome('ipv4.multicast');
    const hook = this.forwardHook;
    if (hook !== undefined && hook(state.name, frame, ip)) return counters.outcome('ipv4.forwarded');
    return counters.outcome('ipv4.not-for-us');
  }

  private receiveLocal(state: PortState, frame: Uint8Array, ip: number, broadcast: boolean): void {
    const counters = this.counters_;
    const src = ipv4Src(frame, ip);
    if (src === BROADCAST_IP || src >>> 28 === 0xe) return counters.outcome('ipv4.bad-source');
    // No reassembly: nothing the router serves needs datagrams above the MTU.
    if (ipv4IsFragment(frame, ip)) return counters.outcome('ipv4.fragment');
    const l4 = ip + ipv4HeaderLength(frame, ip);
    const end = ip + ipv4TotalLength(frame, ip);
    const protocol = ipv4Protocol(frame, ip);
    if (protocol === IpProtocol.UDP) return this.receiveUdp(state, frame, ip, l4, end, broadcast);
    if (protocol === IpProtocol.ICMP) return this.receiveIcmp(state, frame, ip, l4, end, broadcast);
    return counters.outcome('ipv4.unsupported-protocol');
  }

  private receiveIcmp(state: PortState, frame: Uint8Array, ip: number, l4: number, end: number, broadcast: boolean): void {
    const counters = this.counters_;
    const error = checkIcmp(frame, l4, end);
    if (error !== undefined) return counters.outcome(error);
    const type = frame[l4];
    if (type === IcmpType.EchoRequest) {
      // No answer to broadcast pings (RFC 1122 3.2.2.6 allows silence; it avoids smurf amplification).
      if (broadcast) return counters.outcome('icmp.broadcast-ignored');
      if (!this.icmpBucket.take(this.hal.now())) return counters.outcome('icmp.rate-limited');
      return counters.outcome(this.sendEchoReply(state, frame, ip, l4, end));
    }
    if (type === IcmpType.EchoReply) {
      if (icmpEchoIdent(frame, l4) !== this.pingIdent) return counters.outcome('icmp.echo-reply-unmatched');
      const matched = this.pings.answer(icmpEchoSeq(frame, l4), ipv4Src(frame, ip), this.hal.now());
      return counters.outcome(matched ? 'icmp.echo-reply-matched' : 'icmp.echo-reply-unmatched');
    }
    if (isIcmpError(type)) return counters.outcome('icmp.error-received');
    return counters.outcome('icmp.type-ignored');
  }

  private receiveUdp(state: PortState, frame: Uint8Array, ip: number, l4: number, end: number, broadcast: boolean): void {
    const counters = this.counters_;
    const error = checkUdp(frame, l4, end);
    if (error !== undefined) return counters.outcome(error);
    const src = ipv4Src(frame, ip);
    const dst = ipv4Dst(frame, ip);
    if (!verifyUdpChecksum(frame, l4, src, dst)) return counters.outcome(UdpError.BadChecksum);
    const binding = state.udp.get(udpDstPort(frame, l4));
    if (binding === undefined) {
      // RFC 1122 4.1.3.1: SHOULD say port unreachable; 3.2.2: never about a broadcast, and within the ICMP rate.
      if (!broadcast && (frame[ETH_DST] & 1) === 0 && src !== 0 && this.icmpBucket.take(this.hal.now())) this.sendPortUnreachable(state, frame, ip, end);
      return counters.outcome('udp.no-listener');
    }
    const datagram: Datagram = {
      port: state.name,
      srcMac: frame.subarray(ETH_SRC, ETH_SRC + 6),
      srcIp: src,
      srcPort: udpSrcPort(frame, l4),
      dstIp: dst,
      dstPort: binding.localPort,
      payload: frame.subarray(l4 + UDP_HEADER_LEN, l4 + udpLength(frame, l4)),
      broadcast,
    };
    counters.outcome('udp.delivered');
    binding.handler(datagram);
  }

  // ---- Transmit ----

  /** Hand a finished frame to the port (the HAL copies it). */
  private transmit(state: PortState, frame: Uint8Array): boolean {
    if (state.port.send(frame)) {
      this.counters_.event('tx.frames');
      return true;
    }
    this.counters_.event('tx.dropped');
    return false;
  }

  /**
   * The first `length` bytes of scratch as a frame, zero-padded to the Ethernet minimum: the
   * router's own runts (ARP, small UDP) leave padded as a NIC would send them. Forwarded frames
   * are sent as given; padding them would cost a copy per frame, and the driver pads on the wire.
   */
  private scratchFrame(length: number): Uint8Array {
    if (length >= ETH_MIN_FRAME) return this.scratch.subarray(0, length);
    this.scratch.fill(0, length, ETH_MIN_FRAME);
    return this.scratch.subarray(0, ETH_MIN_FRAME);
  }

  /** Send scratch[0, length) (an IPv4 frame with its destination MAC still to fill) towards `nextHop`. */
  private routeScratch(state: PortState, nextHop: number, length: number): boolean {
    const frame = this.scratchFrame(length);
    frame.set(state.mac, ETH_SRC);
    return this.resolveAndSend(state, nextHop | 0, frame);
  }

  /**
   * `hop` is the next hop's int32 twin (ip | 0): on the forwarding path a u32 above 2^31 passed
   * between functions would be boxed by V8, one allocation per frame.
   */
  private resolveAndSend(state: PortState, hop: number, frame: Uint8Array): boolean {
    if (hop === -1 || (state.subnetBroadcast !== NO_IP && hop === (state.subnetBroadcast | 0))) {
      frame.set(BROADCAST_MAC, ETH_DST);
      return this.transmit(state, frame);
    }
    const now = this.hal.now();
    const entry = state.arp.live(hop, now);
    if (entry !== undefined) {
      frame.set(entry.mac, ETH_DST);
      const sent = this.transmit(state, frame);
      // After the frame is out: the request reuses the scratch buffer `frame` may live in.
      if (!entry.refreshSent && entry.expiresAt - now <= this.options.arpRefreshMs) {
        entry.refreshSent = true;
        this.counters_.event('arp.refresh-sent');
        this.sendArp(state, ArpOperation.Request, entry.mac, ZERO_MAC, hop, state.ownIp === NO_IP ? 0 : state.ownIp);
      }
      return sent;
    }
    const result = state.pending.enqueue(hop, frame, now, this.options.arpRetryMs);
    if (result === 'hop-full' || result === 'total-full') {
      // Dropped and counted, as when the hop never answers: `false` is kept for a port that refuses,
      // since senders (TFTP) wait for the port then, and one silent hop must not hold them all.
      this.counters_.event('arp.queue-full');
      return true;
    }
    if (result === 'queued-new') {
      this.sendArpRequest(state, hop);
      this.onPollChange?.();
    }
    return true;
  }

  /** The next hop for a destination from `state`, or undefined when there is no route. */
  private nextHop(state: PortState, dstIp: number): number | undefined {
    const address = state.address;
    if (dstIp === BROADCAST_IP) return dstIp;
    if (address === undefined) return undefined;
    if (sameSubnet(dstIp, address.ip, address.prefixLength)) return dstIp;
    return address.gateway;
  }

  /** `nextHop` may be given as u32 or as its int32 twin (ip | 0); the latter never boxes in V8. */
  sendIpFrame(port: PortName, nextHop: number, frame: Uint8Array): boolean {
    const state = this.ports[port];
    if (frame.length < ETH_HEADER_LEN + IPV4_MIN_HEADER_LEN) throw new RangeError('sendIpFrame: frame too short');
    frame.set(state.mac, ETH_SRC);
    frame[12] = EtherType.IPv4 >>> 8;
    frame[13] = EtherType.IPv4 & 0xff;
    return this.resolveAndSend(state, nextHop | 0, frame);
  }

  /** Write Ethernet (dst left for resolution) + IPv4 headers for a packet the router originates. */
  private writeIpHeaders(state: PortState, src: number, dst: number, protocol: number, payloadLength: number): number {
    writeEthernetHeader(this.scratch, ZERO_MAC, state.mac, EtherType.IPv4);
    this.ipIdent = (this.ipIdent + 1) & 0xffff;
    return (
      ETH_HEADER_LEN +
      emitIpv4(
        {
          dscp: 0,
          ecn: 0,
          identification: this.ipIdent,
          dontFragment: false,
          moreFragments: false,
          fragmentOffset: 0,
          ttl: this.options.ttl,
          protocol,
          src,
          dst,
          options: EMPTY,
          payloadLength,
        },
        this.scratch,
        ETH_HEADER_LEN,
      )
    );
  }

  private sendEchoReply(state: PortState, frame: Uint8Array, ip: number, l4: number, end: number): string {
    const icmpLength = end - l4;
    if (ETH_HEADER_LEN + IPV4_MIN_HEADER_LEN + icmpLength > this.scratch.length) return 'icmp.echo-too-big';
    const src = ipv4Dst(frame, ip);
    const dst = ipv4Src(frame, ip);
    const at = this.writeIpHeaders(state, src, dst, IpProtocol.ICMP, icmpLength);
    // Same identifier, sequence and data; only the type changes (and so the checksum).
    this.scratch.set(frame.subarray(l4, end), at);
    this.scratch[at] = IcmpType.EchoReply;
    this.scratch[at + 1] = 0;
    this.scratch[at + 2] = 0;
    this.scratch[at + 3] = 0;
    const checksum = internetChecksum(this.scratch, at, at + icmpLength);
    this.scratch[at + 2] = checksum >>> 8;
    this.scratch[at + 3] = checksum & 0xff;
    // Answer the MAC the request came from: on-link host or the gateway that routed it.
    const reply = this.scratchFrame(at + icmpLength);
    reply.set(frame.subarray(ETH_SRC, ETH_SRC + 6), ETH_DST);
    this.transmit(state, reply);
    return 'icmp.echo-replied';
  }

  /** ICMP destination unreachable (port) quoting the datagram's IP header and first 8 bytes. */
  private sendPortUnreachable(state: PortState, frame: Uint8Array, ip: number, end: number): void {
    const quote = icmpQuoteLength(frame, ip, end);
    const at = this.writeIpHeaders(state, ipv4Dst(frame, ip), ipv4Src(frame, ip), IpProtocol.ICMP, ICMP_HEADER_LEN + quote);
    emitIcmp({ kind: 'destination-unreachable', code: UnreachableCode.Port, nextHopMtu: 0, invoking: frame.subarray(ip, ip + quote) }, this.scratch, at);
    const reply = this.scratchFrame(at + ICMP_HEADER_LEN + quote);
    reply.set(frame.subarray(ETH_SRC, ETH_SRC + 6), ETH_DST);
    this.counters_.event('icmp.unreachable-sent');
    this.transmit(state, reply);
  }

  private sendArp(state: PortState, operation: ArpOperation, dstMac: Uint8Array, targetMac: Uint8Array, targetIp: number, senderIp: number): void {
    const frame = this.scratchFrame(ETH_HEADER_LEN + ARP_PACKET_LEN);
    writeEthernetHeader(frame, dstMac, state.mac, EtherType.ARP);
    emitArp({ operation, senderMac: state.mac, senderIp, targetMac, targetIp }, frame, ETH_HEADER_LEN);
    this.transmit(state, frame);
  }

  private sendArpRequest(state: PortState, targetIp: number): void {
    this.counters_.event('arp.request-sent');
    this.sendArp(state, ArpOperation.Request, BROADCAST_MAC, ZERO_MAC, targetIp, state.address?.ip ?? 0);
  }

  private sendArpReply(state: PortState, request: Uint8Array, at: number): void {
    const senderMac = request.slice(at + ARP_SHA, at + ARP_SHA + 6);
    const senderIp = readIp(request, at + ARP_SPA);
    this.sendArp(state, ArpOperation.Reply, senderMac, senderMac, senderIp, readIp(request, at + ARP_TPA));
  }

  private sendGratuitousArp(state: PortState): void {
    const ip = state.address?.ip;
    if (ip === undefined) return;
    this.counters_.event('arp.gratuitous-sent');
    this.sendArp(state, ArpOperation.Request, BROADCAST_MAC, ZERO_MAC, ip, ip);
  }

  // ---- UDP ----

  bindUdp(port: PortName, localPort: number, onDatagram: DatagramHandler): UdpEndpoint | undefined {
    const state = this.ports[port];
    const binding = state.udp.bind(localPort, onDatagram);
    if (binding === undefined) return undefined;
    return new Endpoint(this, state, binding);
  }

  /** Build and send one datagram from `state`; `dstMac` skips ARP (undefined = resolve). */
  sendUdp(state: PortState, binding: UdpBinding, dstIp: number, dstPort: number, payload: Uint8Array, dstMac: Uint8Array | undefined): boolean {
    const counters = this.counters_;
    if (!state.udp.isBound(binding)) {
      counters.event('udp.closed-send');
      return false;
    }
    const length = UDP_HEADER_LEN + payload.length;
    if (ETH_HEADER_LEN + IPV4_MIN_HEADER_LEN + length > ETH_HEADER_LEN + state.port.mtu) {
      counters.event('udp.too-big');
      return false;
    }
    const dst = dstIp >>> 0;
    let nextHop: number | undefined;
    if (dstMac === undefined) {
      nextHop = this.nextHop(state, dst);
      if (nextHop === undefined) {
        counters.event('ipv4.no-route');
        return false;
      }
    }
    const src = state.address?.ip ?? 0;
    const at = this.writeIpHeaders(state, src, dst, IpProtocol.UDP, length);
    writeUdpHeader(this.scratch, at, binding.localPort, dstPort, length);
    this.scratch.set(payload, at + UDP_HEADER_LEN);
    fillUdpChecksum(this.scratch, at, src, dst);
    counters.event('udp.sent');
    if (dstMac !== undefined) {
      const frame = this.scratchFrame(at + length);
      frame.set(dstMac.subarray(0, 6), ETH_DST);
      return this.transmit(state, frame);
    }
    return this.routeScratch(state, nextHop as number, at + length);
  }

  // ---- Ping ----

  ping(dstIp: number, timeoutMs: number): Promise<number | undefined> {
    const dst = dstIp >>> 0;
    const now = this.hal.now();
    for (const name of PORT_NAMES) if (this.ports[name].address?.ip === dst) return Promise.resolve(0);
    const state = this.routeFor(dst);
    const nextHop = state === undefined ? undefined : this.nextHop(state, dst);
    if (state === undefined || nextHop === undefined || state.address === undefined) {
      this.counters_.event('ipv4.no-route');
      return Promise.resolve(undefined);
    }
    const seq = this.pings.allocateSeq();
    if (seq === undefined) return Promise.resolve(undefined);
    const at = this.writeIpHeaders(state, state.address.ip, dst, IpProtocol.ICMP, ICMP_HEADER_LEN + PING_DATA_LEN);
    const data = this.scratch.subarray(at + ICMP_HEADER_LEN, at + ICMP_HEADER_LEN + PING_DATA_LEN);
    for (let i = 0; i < PING_DATA_LEN; i++) data[i] = i;
    emitIcmp({ kind: 'echo-request', ident: this.pingIdent, seq, data }, this.scratch, at);
    this.counters_.event('icmp.echo-request-sent'); // the router's own: DHCP's address probes and the console's ping
    const result = new Promise<number | undefined>((resolve) => this.pings.add(seq, dst, now, now + timeoutMs, resolve));
    this.routeScratch(state, nextHop, at + ICMP_HEADER_LEN + PING_DATA_LEN);
    this.onPollChange?.();
    return result;
  }

  /** The port whose subnet holds `dst`; else the first port with a gateway. */
  private routeFor(dst: number): PortState | undefined {
    for (const name of PORT_NAMES) {
      const address = this.ports[name].address;
      if (address !== undefined && sameSubnet(dst, address.ip, address.prefixLength)) return this.ports[name];
    }
    for (const name of PORT_NAMES) if (this.ports[name].address?.gateway !== undefined) return this.ports[name];
    return undefined;
  }
}

const EMPTY = new Uint8Array(0);

class Endpoint implements UdpEndpoint {
  readonly port: PortName;
  readonly localPort: number;

  constructor(
    private readonly stack: IPv4Stack,
    private readonly state: PortState,
    private readonly binding: UdpBinding,
  ) {
    this.port = state.name;
    this.localPort = binding.localPort;
  }

  sendTo(dstIp: number, dstPort: number, payload: Uint8Array): boolean {
    return this.stack.sendUdp(this.state, this.binding, dstIp, dstPort, payload, undefined);
  }

  sendToMac(dstMac: Uint8Array, dstIp: number, dstPort: number, payload: Uint8Array): boolean {
    return this.stack.sendUdp(this.state, this.binding, dstIp, dstPort, payload, dstMac);
  }

  sendBroadcast(dstPort: number, payload: Uint8Array): boolean {
    return this.stack.sendUdp(this.state, this.binding, BROADCAST_IP, dstPort, payload, BROADCAST_MAC);
  }

  close(): void {
    this.state.udp.release(this.binding);
  }
}

function earliest(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return a < b ? a : b;
}

