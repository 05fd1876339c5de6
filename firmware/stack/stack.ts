// The router's own IPv4 stack on the LAN and WAN ports: Ethernet and IPv4 input validation, the
// hand-off of every frame that is not for the router to the forwarding hook (NAPPT), and the
// delivery of the rest to ARP (arp.ts), ICMP (icmp.ts) and UDP (udp.ts); what leaves goes through
// egress.ts. Frames are parsed in place; the forwarding path allocates nothing.
import type { Hal, PortName } from '../../hal/hal';
import { PORT_NAMES } from '../../hal/hal';
import { macEquals } from '../util/mac';
import { BROADCAST_IP, prefixMask } from '../util/ipv4';
import { ETH_DST, ETH_HEADER_LEN, EtherType, ethernetEtherType, ethernetPayloadOffset } from '../wire/ethernet';
import { IpProtocol, checkIpv4, ipv4Dst, ipv4HeaderLength, ipv4IsFragment, ipv4Protocol, ipv4Src, ipv4TotalLength } from '../wire/ipv4';
import { Arp } from './arp';
import { ArpCache } from './arp-cache';
import { ArpPending } from './arp-pending';
import { Counters } from './counters';
import { Egress } from './egress';
import { Icmp } from './icmp';
import { NO_IP, type PortState } from './port-state';
import type { Service } from './service';
import type { DatagramHandler, ForwardHook, InterfaceAddress, Stack, UdpEndpoint } from './types';
import { Udp } from './udp';
import { UdpPorts } from './udp-ports';

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

export function createStack(hal: Hal, options: StackOptions = {}): RouterStack {
  return new IPv4Stack(hal, { ...DEFAULTS, ...options });
}

class IPv4Stack implements RouterStack {
  readonly name = 'stack';
  onPollChange?: () => void;

  private readonly counters_ = new Counters();
  private readonly ports: Record<PortName, PortState>;
  private readonly egress: Egress;
  private readonly arp: Arp;
  private readonly icmp: Icmp;
  private readonly udp: Udp;
  private forwardHook: ForwardHook | undefined;

  constructor(
    private readonly hal: Hal,
    options: Required<StackOptions>,
  ) {
    const random = new Uint8Array(8);
    hal.randomFill(random);
    const pingIdent = (random[0] << 8) | random[1];
    const ipIdent = (random[2] << 8) | random[3];
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
    const now = () => hal.now();
    const pollChanged = () => this.onPollChange?.();
    const largestMtu = Math.max(hal.ports.lan.mtu, hal.ports.wan.mtu);
    this.egress = new Egress(now, this.counters_, options, largestMtu, ipIdent, pollChanged);
    this.arp = new Arp(now, this.counters_, this.egress, options, pollChanged);
    this.icmp = new Icmp(now, this.counters_, this.egress, options, pingIdent, pollChanged);
    this.udp = new Udp(this.counters_, this.egress, this.icmp);
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
    if (address !== undefined) this.arp.announce(state);
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

  bindUdp(port: PortName, localPort: number, onDatagram: DatagramHandler): UdpEndpoint | undefined {
    return this.udp.bind(this.ports[port], localPort, onDatagram);
  }

  /** `nextHop` may be given as u32 or as its int32 twin (ip | 0); the latter never boxes in V8. */
  sendIpFrame(port: PortName, nextHop: number, frame: Uint8Array): boolean {
    return this.egress.sendIpFrame(this.ports[port], nextHop, frame);
  }

  ping(dstIp: number, timeoutMs: number): Promise<number | undefined> {
    return this.icmp.ping(this.ports, dstIp, timeoutMs);
  }

  // ---- Service ----

  pollAt(): number | undefined {
    let next = this.icmp.nextDeadline();
    for (const name of PORT_NAMES) {
      const state = this.ports[name];
      next = earliest(next, state.arp.nextExpiry());
      next = earliest(next, state.pending.nextRetry());
    }
    return next;
  }

  dispatch(now: number): void {
    for (const name of PORT_NAMES) this.arp.dispatch(this.ports[name], now);
    this.icmp.dispatch(now);
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
    if (etherType === EtherType.ARP) return this.arp.receive(state, frame, payload);
    return counters.outcome('ethernet.unsupported-type');
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
    if (protocol === IpProtocol.UDP) return this.udp.receive(state, frame, ip, l4, end, broadcast);
    if (protocol === IpProtocol.ICMP) return this.icmp.receive(state, frame, ip, l4, end, broadcast);
    return counters.outcome('ipv4.unsupported-protocol');
  }
}

function earliest(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return a < b ? a : b;
}

