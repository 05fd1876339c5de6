// A simulated host for tests and `npm start`: a MAC on a link that sends raw frames and keeps what it
// receives (a bounded queue plus a callback), answers ARP and ping for its own address, and has small
// conveniences for ARP resolution, UDP and ping.
import type { Scheduler } from './scheduler';
import type { FrameReceiver, LinkEnd, Pluggable } from './link';
import { parseIp, sameSubnet, ipToString } from '../../firmware/util/ipv4';
import { parseMac, macEquals } from '../../firmware/util/mac';
import { IpProtocol } from '../../firmware/wire';
import { BROADCAST, buildArp, buildEcho, buildIpv4, parseFrame, udpSegment, icmpMessage } from './frames';
import type { ParsedFrame } from './frames';

export interface SimHostOptions {
  readonly name: string;
  readonly mac: Uint8Array | string;
  readonly ip?: number | string;
  readonly prefixLength?: number;
  readonly gateway?: number | string;
  /** Answer ARP requests for our address (default true). */
  readonly answerArp?: boolean;
  /** Answer echo requests to our address (default true). */
  readonly answerPing?: boolean;
  /** Received frames kept for take() before the oldest go (default 1000). */
  readonly keepFrames?: number;
}

export interface EchoReply {
  readonly from: number;
  readonly ident: number;
  readonly seq: number;
  readonly ttl: number;
  /** Scheduler ms between our request and this reply, or undefined for a reply we did not ask for. */
  readonly rttMs: number | undefined;
  readonly at: number;
}

export interface ReceivedUdp {
  readonly srcIp: number;
  readonly srcPort: number;
  readonly dstIp: number;
  readonly dstPort: number;
  readonly payload: Uint8Array;
  readonly srcMac: Uint8Array;
  readonly at: number;
}

export interface SimHostStats {
  received: number;
  sent: number;
  /** Frames dropped because ARP for the next hop failed or its queue was full. */
  unresolved: number;
  /** Frames that failed to parse (by reason). */
  malformed: Record<string, number>;
}

/** How often and how many times the host asks ARP before dropping what waits. */
const ARP_RETRY_MS = 1000;
const ARP_TRIES = 3;
const ARP_QUEUE = 16;

function toIp(value: number | string | undefined, what: string): number | undefined {
  if (value === undefined || typeof value === 'number') return value;
  const ip = parseIp(value);
  if (ip === undefined) throw new Error(`${what}: not an IPv4 address: ${value}`);
  return ip;
}

export class SimHost implements Pluggable, FrameReceiver {
  readonly name: string;
  readonly mac: Uint8Array;
  ip: number | undefined;
  prefixLength: number;
  gateway: number | undefined;
  readonly stats: SimHostStats = { received: 0, sent: 0, unresolved: 0, malformed: {} };
  readonly arpCache = new Map<number, Uint8Array>();
  readonly echoReplies: EchoReply[] = [];
  readonly udp: ReceivedUdp[] = [];
  /** Called for every received frame after the host's own handling (ARP/ping answers). */
  onFrame: ((parsed: ParsedFrame, host: SimHost) => void) | undefined;
  onUdp: ((datagram: ReceivedUdp, host: SimHost) => void) | undefined;
  onEchoReply: ((reply: EchoReply, host: SimHost) => void) | undefined;
  private end: LinkEnd | undefined;
  private readonly queue: ParsedFrame[] = [];
  private readonly keepFrames: number;
  private readonly answerArp: boolean;
  private readonly answerPing: boolean;
  private readonly pendingArp = new Map<number, { frames: ((mac: Uint8Array) => Uint8Array)[]; tries: number }>();
  private readonly pings = new Map<string, number>();
  private ident = 1;

  constructor(
    private readonly scheduler: Scheduler,
    options: SimHostOptions,
  ) {
    this.name = options.name;
    const mac = typeof options.mac === 'string' ? parseMac(options.mac) : options.mac.slice();
    if (!mac || mac.length !== 6) throw new Error(`${options.name}: bad MAC ${String(options.mac)}`);
    this.mac = mac;
    this.ip = toIp(options.ip, options.name);
    this.prefixLength = options.prefixLength ?? 24;
    this.gateway = toIp(options.gateway, options.name);
    this.answerArp = options.answerArp ?? true;
    this.answerPing = options.answerPing ?? true;
    this.keepFrames = options.keepFrames ?? 1000;
  }

  plug(end: LinkEnd): void {
    this.end = end;
    end.connect(this);
  }

  /** Send a raw frame (copied by the link). False when not plugged in or the link queue is full. */
  send(frame: Uint8Array): boolean {
    if (!this.end) return false;
    this.stats.sent++;
    return this.end.send(frame);
  }

  receiveFrame(frame: Uint8Array): void {
    this.stats.received++;
    const parsed = parseFrame(frame);
    if (parsed.error) this.stats.malformed[parsed.error] = (this.stats.malformed[parsed.error] ?? 0) + 1;
    const eth = parsed.eth;
    // A NIC drops unicast for other MACs (the switch floods unknown unicast everywhere).
    if (eth && (eth.dst[0] & 1) === 0 && !macEquals(eth.dst, 0, this.mac)) return;
    this.handle(parsed);
    if (this.queue.length >= this.keepFrames) this.queue.shift();
    this.queue.push(parsed);
    this.onFrame?.(parsed, this);
  }

  /** Remove and return the oldest received frame that matches (any frame when no predicate). */
  take(match?: (parsed: ParsedFrame) => boolean): ParsedFrame | undefined {
    const index = match ? this.queue.findIndex(match) : this.queue.length > 0 ? 0 : -1;
    return index >= 0 ? this.queue.splice(index, 1)[0] : undefined;
  }

  /** Frames received and not yet taken. */
  frames(): readonly ParsedFrame[] {
    return this.queue;
  }

  clear(): void {
    this.queue.length = 0;
    this.udp.length = 0;
    this.echoReplies.length = 0;
  }

  sendArpRequest(targetIp: number): boolean {
    return this.send(buildArp('request', this.mac, this.ip ?? 0, BROADCAST, targetIp));
  }

  /** Send an IPv4 packet carrying `l4`, resolving the next hop (on-link or gateway) with ARP. */
  sendIpv4(dstIp: number, protocol: number, l4: Uint8Array, options: { ttl?: number; dstMac?: Uint8Array } = {}): boolean {
    const src = this.ip ?? 0;
    const build = (mac: Uint8Array): Uint8Array => buildIpv4(this.mac, mac, src, dstIp, protocol, l4, { ttl: options.ttl });
    if (options.dstMac) return this.send(build(options.dstMac));
    if (dstIp === 0xffffffff) return this.send(build(BROADCAST));
    const nextHop = this.ip !== undefined && sameSubnet(dstIp, this.ip, this.prefixLength) ? dstIp : this.gateway;
    if (nextHop === undefined) {
      this.stats.unresolved++;
      return false;
    }
    const known = this.arpCache.get(nextHop);
    if (known) return this.send(build(known));
    return this.enqueueForArp(nextHop, build);
  }

  sendUdp(dstIp: number, srcPort: number, dstPort: number, payload: Uint8Array, options: { dstMac?: Uint8Array } = {}): boolean {
    return this.sendIpv4(dstIp, IpProtocol.UDP, udpSegment(this.ip ?? 0, dstIp, srcPort, dstPort, payload), options);
  }

  /** Send one echo request; the reply (with its RTT) lands in echoReplies and onEchoReply. */
  ping(dstIp: number, seq: number, data: Uint8Array = new Uint8Array(56), ident = this.ident): boolean {
    this.pings.set(`${dstIp}/${ident}/${seq}`, this.scheduler.now());
    return this.sendIpv4(dstIp, IpProtocol.ICMP, icmpMessage({ kind: 'echo-request', ident, seq, data }));
  }

  describe(): string {
    return `${this.name} ${this.ip === undefined ? '(no address)' : ipToString(this.ip)}`;
  }

  private enqueueForArp(nextHop: number, build: (mac: Uint8Array) => Uint8Array): boolean {
    let pending = this.pendingArp.get(nextHop);
    if (!pending) {
      pending = { frames: [], tries: 0 };
      this.pendingArp.set(nextHop, pending);
      this.askArp(nextHop, pending);
    }
    if (pending.frames.length >= ARP_QUEUE) {
      this.stats.unresolved++;
      return false;
    }
    pending.frames.push(build);
    return true;
  }

  private askArp(nextHop: number, pending: { frames: ((mac: Uint8Array) => Uint8Array)[]; tries: number }): void {
    if (this.pendingArp.get(nextHop) !== pending) return; // resolved meanwhile
    if (pending.tries >= ARP_TRIES) {
      this.stats.unresolved += pending.frames.length;
      this.pendingArp.delete(nextHop);
      return;
    }
    pending.tries++;
    this.sendArpRequest(nextHop);
    this.scheduler.after(ARP_RETRY_MS, () => this.askArp(nextHop, pending));
  }

  private learn(ip: number, mac: Uint8Array): void {
    this.arpCache.set(ip, mac.slice());
    const pending = this.pendingArp.get(ip);
    if (!pending) return;
    this.pendingArp.delete(ip);
    for (const build of pending.frames) this.send(build(mac));
  }

  private handle(parsed: ParsedFrame): void {
    const { arp, ipv4, icmp, udp, eth } = parsed;
    if (arp && eth) {
      if (arp.senderIp !== 0 && (this.arpCache.has(arp.senderIp) || arp.targetIp === this.ip || this.pendingArp.has(arp.senderIp))) {
        this.learn(arp.senderIp, arp.senderMac);
      }
      if (arp.operation === 1 && this.answerArp && this.ip !== undefined && arp.targetIp === this.ip) {
        this.send(buildArp('reply', this.mac, this.ip, arp.senderMac, arp.senderIp));
      }
      return;
    }
    if (!ipv4 || !eth) return;
    const forUs = ipv4.dst === this.ip || ipv4.dst === 0xffffffff;
    if (icmp && forUs) {
      if (icmp.kind === 'echo-request' && this.answerPing && this.ip !== undefined && ipv4.dst === this.ip) {
        this.send(buildEcho('echo-reply', this.mac, eth.src, this.ip, ipv4.src, icmp.ident, icmp.seq, icmp.data.slice()));
      } else if (icmp.kind === 'echo-reply') {
        const key = `${ipv4.src}/${icmp.ident}/${icmp.seq}`;
        const sentAt = this.pings.get(key);
        this.pings.delete(key);
        const reply: EchoReply = { from: ipv4.src, ident: icmp.ident, seq: icmp.seq, ttl: ipv4.ttl, rttMs: sentAt === undefined ? undefined : this.scheduler.now() - sentAt, at: this.scheduler.now() };
        this.echoReplies.push(reply);
        if (this.echoReplies.length > this.keepFrames) this.echoReplies.shift();
        this.onEchoReply?.(reply, this);
      }
      return;
    }
    if (udp && (forUs || ipv4.dst === 0 || this.ip === undefined || (eth.dst[0] & 1) === 1)) {
      const datagram: ReceivedUdp = { srcIp: ipv4.src, srcPort: udp.srcPort, dstIp: ipv4.dst, dstPort: udp.dstPort, payload: udp.payload.slice(), srcMac: eth.src.slice(), at: this.scheduler.now() };
      this.udp.push(datagram);
      if (this.udp.length > this.keepFrames) this.udp.shift();
      this.onUdp?.(datagram, this);
    }
  }
}
