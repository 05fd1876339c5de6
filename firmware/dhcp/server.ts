// The DHCP server as a pure state machine (RFC 2131 server side): receive(input, now) and
// dispatch(now) return what to send, probe, persist, log, and the lease events (bound, released,
// expired) for the edge (DhcpService) to deliver; it never reads a clock or does I/O.
// (receive is the design's process(): the engine-neutrality check reads `process(` as Node's global.)
// Admission picks phone or guest, the pool gives an address, the allocator a port block.
// Over 400 lines: the RFC 2131 handlers and the lease table they all change; the address pool,
// options, rogue-server probe, lease journal, client identity and types are in their own files.
import { ipToString, sameSubnet } from '../util/ipv4';
import { macToString } from '../util/mac';
import { TokenBucket } from '../util/token-bucket';
import {
  BOOTREQUEST, FLAG_BROADCAST, MESSAGE_TYPE_NAMES, MessageType, Opt, chaddrOf, isDhcpError, parseDhcp, type DhcpMessage,
} from '../wire/dhcp';
import { readU32Value } from '../wire/dhcp-options';
import { admit, compileClasses, type CompiledClass } from './admission';
import type { DhcpConfig, PhoneClass } from './config';
import { offeredOptions, tftpServerOf } from './options';
import { AddressPool } from './address-pool';
import { RogueProbe } from './rogue-probe';
import type { DhcpInput, DhcpNetwork, DhcpOutput, DhcpStatus, Lease, ReplyTarget } from './server-types';
import { clientKeyOf, macKey, onePerMac } from './client-key';
import { LeaseJournal } from './lease-journal';
import { PortBlockAllocator, portBlock } from './port-blocks';
import { buildReply } from './reply';
import type { LeaseEvent, LeaseInfo, LeaseLookup, PortBlock } from './types';

export type { DhcpInput, DhcpNetwork, DhcpOutput, DhcpStatus, Lease, LeaseState, ReplyTarget } from './server-types';

const MAX_PROBES_PER_REQUEST = 3;
const MAX_BUCKETS = 1024;


interface Parked {
  readonly key: string;
  readonly payload: Uint8Array;
  readonly input: Omit<DhcpInput, 'payload'>;
  readonly ip: number;
  readonly probes: number;
  /** Counted with the phones' outstanding offers rather than the guests'. */
  readonly phone: boolean;
}

interface HeldAck {
  readonly lease: Lease;
  readonly version: number;
  readonly output: DhcpOutput;
}

export class DhcpServer implements LeaseLookup {
  private config!: DhcpConfig;
  private classes: CompiledClass[] = [];
  private blocks!: PortBlockAllocator;
  private network: DhcpNetwork | undefined;

  private readonly byKey = new Map<string, Lease>();
  private readonly byIpMap = new Map<number, Lease>();
  private readonly addresses = new AddressPool({
    holder: (ip) => this.byIpMap.get(ip),
    probing: (ip) => this.probing.has(ip),
    takeFrom: (lease) => this.takeAddressFrom(lease),
  });
  private readonly probing = new Map<number, Parked>();
  private readonly buckets = new Map<string, TokenBucket>();
  private bucketLimits = { perMinute: 0, burst: 0 };
  private readonly counterMap = new Map<string, number>();

  private readonly journal = new LeaseJournal();
  private heldAcks: HeldAck[] = [];
  private offersPhone = 0;
  private offersGuest = 0;

  private exhaustedLoggedAt = -Infinity;
  private nextDue = Infinity;
  private dueDirty = false;
  private readonly rogue: RogueProbe;

  constructor(config: DhcpConfig, randomU32: () => number = () => 0x12345678) {
    this.rogue = new RogueProbe(randomU32, (name) => this.count(name));
    this.configure(config);
  }

  /** Apply a (validated) configuration. Leases are kept; the port space is re-cut only on first use. */
  configure(config: DhcpConfig): void {
    this.config = config;
    this.classes = compileClasses(config.classes);
    this.addresses.configure(config);
    if (!this.blocks) this.blocks = new PortBlockAllocator(config.reservedPorts, config.blockQuarantine * 1000);
    // Buckets hold their rates: new limits start every client afresh.
    if (this.bucketLimits.perMinute !== config.perMacPerMinute || this.bucketLimits.burst !== config.perMacBurst) {
      this.bucketLimits = { perMinute: config.perMacPerMinute, burst: config.perMacBurst };
      this.buckets.clear();
    }
  }

  /** Set (or clear) the LAN address the server answers from; without one it stays silent. */
  setNetwork(network: DhcpNetwork | undefined): void {
    this.network = network;
  }

  // ---------------------------------------------------------------- counters and status

  private count(name: string): void {
    this.counterMap.set(name, (this.counterMap.get(name) ?? 0) + 1);
  }

  /** Counters per message type (rx.*, tx.*) and drop reason (drop.*). */
  counters(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [name, value] of this.counterMap) out[`dhcp.${name}`] = value;
    return out;
  }

  clearCounters(): void {
    this.counterMap.clear();
  }

  status(): DhcpStatus {
    let bound = 0;
    let offered = 0;
    for (const lease of this.byKey.values()) {
      if (lease.state === 'bound') bound++;
      if (lease.state === 'offered') offered++;
    }
    return {
      serving: this.config.enabled && this.rogue.stoppedBecause() === undefined && this.network !== undefined,
      stoppedBecause: this.rogue.stoppedBecause(),
      otherServers: this.rogue.otherServers(),
      lastProbeAt: this.rogue.lastProbeAt(),
      leases: { bound, offered, known: this.byKey.size },
      persistPending: this.heldAcks.length,
    };
  }

  /** Every known client with its state (bound, offered, expired...), for `show leases`. */
  leaseTable(): readonly Lease[] {
    return Array.from(this.byKey.values());
  }

  /** How long the edge waits for an answer to a 'probe' output. */
  probeTimeoutMs(): number {
    return this.config.probeTimeoutMs;
  }

  /** How many never-used port blocks of PSID length k are left. */
  neverUsedBlocks(psidLength: number): number {
    return this.blocks.neverUsedBlocks(psidLength);
  }

  // ---------------------------------------------------------------- LeaseDirectory

  private infoOf(lease: Lease): LeaseInfo {
    if (lease.info && lease.info.expiresAt === lease.expiresAt && lease.info.ip === lease.ip) return lease.info;
    const holding = this.blocks.holding(lease.key);
    const block: PortBlock | undefined = lease.phoneClass && holding?.state === 'active' ? holding.block : undefined;
    lease.info = {
      mac: lease.mac,
      ip: lease.ip,
      phoneClass: lease.phoneClass?.name,
      block,
      expiresAt: lease.expiresAt,
      bootFile: lease.phoneClass?.bootFile,
      provisioningName: lease.phoneClass?.template,
      vars: lease.phoneClass?.vars ?? {},
    };
    return lease.info;
  }

  byIp(ip: number): LeaseInfo | undefined {
    const lease = this.byIpMap.get(ip);
    return lease && lease.state === 'bound' ? this.infoOf(lease) : undefined;
  }

  byPublicPort(publicPort: number): LeaseInfo | undefined {
    const holding = this.blocks.holderOfPort(publicPort);
    if (!holding || holding.state !== 'active') return undefined;
    const lease = this.byKey.get(holding.owner);
    return lease && lease.state === 'bound' ? this.infoOf(lease) : undefined;
  }

  *all(): Iterable<LeaseInfo> {
    for (const lease of this.byKey.values()) if (lease.state === 'bound') yield this.infoOf(lease);
  }

  /** A lease event is an output like any other: the edge delivers it, in order with the sends. */
  private emitEvent(kind: LeaseEvent['kind'], lease: Lease, out: DhcpOutput[]): void {
    lease.info = undefined;
    out.push({ kind: 'lease', event: { kind, lease: this.infoOf(lease) } });
  }

  // ---------------------------------------------------------------- input

  /** Handle one datagram that arrived on UDP port 67. */
  receive(input: DhcpInput, now: number): DhcpOutput[] {
    const out: DhcpOutput[] = [];
    this.dueDirty = true; // any state change may move a deadline
    this.handle(input, input.payload, now, out, 0);
    this.startFlush(out);
    return out;
  }

  private drop(reason: string): void {
    this.count(`drop.${reason}`);
  }

  private handle(
    input: Omit<DhcpInput, 'payload'>, payload: Uint8Array, now: number, out: DhcpOutput[], probes: number, probedIp?: number,
  ): void {
    // Packets on the WAN port are never served, whatever they carry.
    if (input.port !== 'lan') return this.drop('wan-port');
    const message = parseDhcp(payload);
    if (isDhcpError(message)) return this.drop(message);
    if (message.op !== BOOTREQUEST) return this.drop('not-request');
    const name = MESSAGE_TYPE_NAMES[message.messageType];
    if (probes === 0) this.count(`rx.${name ?? 'bootp'}`); // a re-run after a probe is not a new message
    if (message.messageType === 0) return this.drop('bootp');
    if (message.htype !== 1 || message.hlen !== 6) return this.drop('not-ethernet');
    if (message.giaddr !== 0) return this.drop('relayed');
    if (!this.config.enabled) return this.drop('disabled');
    const network = this.network;
    if (!network) return this.drop('no-address');
    if (this.rogue.stoppedBecause() !== undefined) return this.drop('stopped-other-server');
    const mac = chaddrOf(message);
    if (mac.every((b, i) => b === network.mac[i])) return this.drop('own-probe');
    if (probes === 0 && !this.takeToken(macToString(mac), now)) return this.drop('rate-limited');
    switch (message.messageType) {
      case MessageType.DISCOVER:
        return this.onDiscover(input, payload, message, now, out, probes, probedIp);
      case MessageType.REQUEST:
        return this.onRequest(input, message, now, out);
      case MessageType.DECLINE:
        return this.onDecline(message, now, out);
      case MessageType.RELEASE:
        return this.onRelease(message, now, out);
      case MessageType.INFORM:
        return this.onInform(input, message, out);
      default:
        return this.drop('unexpected-type');
    }
  }

  /** Per-MAC token bucket; the table is bounded (oldest entry goes first). */
  private takeToken(mac: string, now: number): boolean {
    let bucket = this.buckets.get(mac);
    if (!bucket) {
      if (this.buckets.size >= MAX_BUCKETS) {
        const oldest = this.buckets.keys().next().value as string;
        this.buckets.delete(oldest);
      }
      bucket = new TokenBucket(this.config.perMacPerMinute / 60, this.config.perMacBurst);
      this.buckets.set(mac, bucket);
    }
    return bucket.take(now);
  }

  private admission(message: DhcpMessage): { phoneClass: PhoneClass | undefined; known: boolean; reason?: string } {
    const mac = chaddrOf(message);
    const result = admit(this.classes, {
      mac,
      vendorClass: message.options.get(Opt.VENDOR_CLASS),
      viVendorClass: message.options.get(Opt.VI_VENDOR_CLASS),
      viVendorSpecific: message.options.get(Opt.VI_VENDOR_SPECIFIC),
    });
    if (result.admitted) return { phoneClass: result.phoneClass, known: true };
    const reserved = this.addresses.hasReservation(mac);
    return { phoneClass: undefined, known: reserved || this.config.unknownClients === 'guest', reason: result.reason };
  }

  // ---------------------------------------------------------------- addresses

  private usableBy(ip: number, lease: Lease | undefined, mac: Uint8Array, now: number): boolean {
    return this.addresses.usableBy(ip, lease, mac, now, this.network?.ip);
  }

  private takeAddressFrom(lease: Lease): void {
    this.byIpMap.delete(lease.ip);
    lease.ip = 0;
    lease.state = 'idle';
    this.changed(lease);
    if (!this.blocks.holding(lease.key)) this.forget(lease);
  }

  private setAddress(lease: Lease, ip: number): void {
    if (lease.ip === ip) return;
    if (lease.ip !== 0 && this.byIpMap.get(lease.ip) === lease) this.byIpMap.delete(lease.ip);
    lease.ip = ip;
    if (ip !== 0) this.byIpMap.set(ip, lease);
    this.changed(lease);
  }

  private forget(lease: Lease): void {
    if (lease.ip !== 0 && this.byIpMap.get(lease.ip) === lease) this.byIpMap.delete(lease.ip);
    this.byKey.delete(lease.key);
    this.journal.release(lease);
  }

  /** A persisted fact of the lease changed: it must be written before the client is told. */
  private changed(lease: Lease): void {
    lease.version++;
    lease.info = undefined;
    this.journal.touched(lease);
  }

  private leaseFor(key: string, mac: Uint8Array): Lease {
    let lease = this.byKey.get(key);
    if (!lease) {
      lease = {
        key, mac: mac.slice(), ip: 0, phoneClass: undefined, state: 'idle', expiresAt: 0,
        slot: -1, version: 0, durableVersion: 0, info: undefined,
      };
      this.byKey.set(key, lease);
    }
    return lease;
  }

  // ---------------------------------------------------------------- messages

  private onDiscover(
    input: Omit<DhcpInput, 'payload'>, payload: Uint8Array, message: DhcpMessage, now: number, out: DhcpOutput[], probes: number,
    probedIp: number | undefined,
  ): void {
    const mac = chaddrOf(message);
    const { phoneClass, known, reason } = this.admission(message);
    if (!phoneClass && reason && probes === 0) this.count(`admission.${reason}`);
    if (!known) return this.drop('unknown-client-ignored');
    const key = clientKeyOf(message);
    // One pass over the probes in flight: this client's own, and those of its kind (see the cap).
    let parkedOfKind = 0;
    for (const parked of this.probing.values()) {
      if (parked.key === key) return this.drop('probe-pending');
      if (parked.phone === (phoneClass !== undefined)) parkedOfKind++;
    }
    const existing = this.byKey.get(key);
    const alreadyOffered = existing?.state === 'offered' || existing?.state === 'bound';
    if (!alreadyOffered) {
      // Starvation cap: bounded outstanding offers, phones and guests counted apart. An address
      // being probed is an offer on its way, so it counts too (and this bounds the parked copies).
      const outstanding = (phoneClass ? this.offersPhone : this.offersGuest) + parkedOfKind;
      if (outstanding >= this.config.maxOutstandingOffers) return this.drop('offer-cap');
    }
    // After a clean probe the probed address is the one to offer.
    const requested = probedIp ?? readU32Value(message.options.get(Opt.REQUESTED_IP));
    const choice = this.addresses.pick(existing, mac, phoneClass, requested, now, this.network?.ip);
    if (!choice) {
      // Logged at most once a minute: a flood must not become a log flood.
      if (now >= this.exhaustedLoggedAt + 60_000) {
        this.exhaustedLoggedAt = now;
        out.push({ kind: 'log', level: 'warn', text: `no free ${phoneClass ? 'phone' : 'guest'} address for ${macToString(mac)}` });
      }
      return this.drop('pool-exhausted');
    }
    if (choice.probe) {
      if (probes >= MAX_PROBES_PER_REQUEST) return this.drop('probe-limit');
      const parked = { port: input.port, srcIp: input.srcIp, broadcast: input.broadcast };
      this.probing.set(choice.ip, { key, payload: payload.slice(), input: parked, ip: choice.ip, probes: probes + 1, phone: phoneClass !== undefined });
      out.push({ kind: 'probe', ip: choice.ip });
      return;
    }
    const lease = this.leaseFor(key, mac);
    if (lease.phoneClass?.name !== phoneClass?.name) {
      // The same MAC, now of another kind (phone <-> guest): its outstanding offer moves with it.
      const offered = lease.state === 'offered';
      if (offered) this.adjustOffers(lease, -1);
      if (!phoneClass && this.blocks.holding(key)?.state === 'offered') this.blocks.end(key, now);
      lease.phoneClass = phoneClass;
      if (offered) this.adjustOffers(lease, +1);
      this.changed(lease);
    }
    this.setAddress(lease, choice.ip);
    if (phoneClass) this.acquireBlock(lease, phoneClass, now, out);
    if (!(lease.state === 'bound' && lease.expiresAt > now)) {
      if (lease.state !== 'offered') this.adjustOffers(lease, +1);
      lease.state = 'offered';
      lease.expiresAt = now + this.config.offerHold * 1000;
      this.noteDue(lease.expiresAt);
    }
    this.reply(MessageType.OFFER, message, lease, out);
  }

  private adjustOffers(lease: Lease, delta: number): void {
    if (lease.phoneClass) this.offersPhone += delta;
    else this.offersGuest += delta;
  }

  private acquireBlock(lease: Lease, phoneClass: PhoneClass, now: number, out: DhcpOutput[]): void {
    const before = this.blocks.holding(lease.key)?.block;
    const result = this.blocks.acquire(lease.key, phoneClass.psidLength, now);
    if (!result) {
      out.push({
        kind: 'log', level: 'warn',
        text: `no ${2 ** (16 - phoneClass.psidLength)}-port block free for ${macToString(lease.mac)} (${phoneClass.name}): lease without a port range`,
      });
      this.count('no-block');
      return;
    }
    for (const owner of result.evicted) {
      const evicted = this.byKey.get(owner);
      if (evicted) {
        this.changed(evicted);
        if (evicted.ip === 0) this.forget(evicted);
      }
      out.push({ kind: 'log', level: 'info', text: `port block of ${owner} (quarantine over) reused` });
    }
    if (before !== result.holding.block) this.changed(lease);
  }

  private onRequest(input: Omit<DhcpInput, 'payload'>, message: DhcpMessage, now: number, out: DhcpOutput[]): void {
    const network = this.network as DhcpNetwork;
    const key = clientKeyOf(message);
    const lease = this.byKey.get(key);
    const serverId = readU32Value(message.options.get(Opt.SERVER_ID));
    const requested = readU32Value(message.options.get(Opt.REQUESTED_IP));
    const { phoneClass, known } = this.admission(message);
    if (serverId !== undefined) {
      // SELECTING.
      if (serverId !== network.ip) {
        // The client chose another server: our offer is withdrawn silently.
        if (lease?.state === 'offered') this.lapseOffer(lease, now);
        return this.drop('request-other-server');
      }
      if (!lease || requested === undefined || lease.ip !== requested || !this.usableBy(requested, lease, lease.mac, now)) {
        return this.nak(message, 'requested address not offered', out);
      }
      return this.bind(lease, message, phoneClass, now, out);
    }
    if (message.ciaddr === 0) {
      // INIT-REBOOT: the client says which address it had.
      if (requested === undefined) return this.drop('bad-request');
      if (!sameSubnet(requested, network.ip, network.prefixLength)) return this.nak(message, 'wrong network', out);
      if (!lease || lease.ip === 0) return this.drop('init-reboot-unknown'); // RFC 2131 §4.3.2: silent
      if (lease.ip !== requested || !known || !this.stillRight(lease, phoneClass, now)) {
        return this.nak(message, 'address not yours', out);
      }
      return this.bind(lease, message, phoneClass, now, out);
    }
    // RENEWING (unicast to us) or REBINDING (broadcast).
    this.count(input.broadcast ? 'rebinding' : 'renewing');
    if (!lease || lease.ip === 0) {
      // A renewal sent to us for a lease we do not hold (cleared, or lost with the flash): NAK so
      // the client starts over now instead of at expiry. A rebinding client may belong to another
      // server, so it gets silence.
      if (!input.broadcast && sameSubnet(message.ciaddr, network.ip, network.prefixLength)) {
        this.count('renew-unknown');
        return this.nak(message, 'no such lease', out);
      }
      return this.drop('renew-unknown');
    }
    if (lease.ip !== message.ciaddr || !known || !this.stillRight(lease, phoneClass, now)) {
      return this.nak(message, 'address not yours', out);
    }
    return this.bind(lease, message, phoneClass, now, out);
  }

  private stillRight(lease: Lease, phoneClass: PhoneClass | undefined, now: number): boolean {
    return this.addresses.stillRight(lease, phoneClass, now, this.network?.ip);
  }

  private bind(lease: Lease, message: DhcpMessage, phoneClass: PhoneClass | undefined, now: number, out: DhcpOutput[]): void {
    if (lease.state === 'offered') this.adjustOffers(lease, -1);
    if (lease.phoneClass?.name !== phoneClass?.name) {
      lease.phoneClass = phoneClass;
      this.changed(lease);
    }
    if (phoneClass) {
      this.acquireBlock(lease, phoneClass, now, out);
      if (this.blocks.activate(lease.key)) this.journal.metaChanged();
    } else if (this.blocks.holding(lease.key)?.state === 'active') {
      // No longer admitted as a phone: its block goes dormant (kept, quarantined) meanwhile.
      this.blocks.end(lease.key, now);
    }
    this.addresses.markKnown(lease.ip);
    const leaseSeconds = this.leaseSecondsOf(lease);
    lease.state = 'bound';
    lease.expiresAt = now + leaseSeconds * 1000;
    this.noteDue(lease.expiresAt);
    if (lease.slot < 0) this.journal.assign(lease);
    this.emitEvent('bound', lease, out);
    const ack = this.reply(MessageType.ACK, message, lease, undefined);
    if (lease.version > lease.durableVersion) {
      out.push({ kind: 'log', level: 'info', text: `${this.describe(lease)} bound` });
      // New address or block: tell the client only once the binding is on flash.
      this.heldAcks = this.heldAcks.filter((held) => held.lease !== lease);
      this.heldAcks.push({ lease, version: lease.version, output: ack });
      this.count('ack-held');
    } else out.push(ack);
  }

  private leaseSecondsOf(lease: Lease): number {
    return lease.phoneClass ? this.config.leaseTime : this.config.guestLeaseTime;
  }

  private lapseOffer(lease: Lease, now: number): void {
    this.adjustOffers(lease, -1);
    if (this.blocks.holding(lease.key)?.state === 'offered') this.blocks.end(lease.key, now);
    if (lease.slot >= 0) {
      // A client we bound before keeps its remembered address.
      lease.state = 'expired';
      lease.expiresAt = now;
    } else {
      lease.state = 'idle';
      this.forget(lease);
    }
  }

  private nak(message: DhcpMessage, why: string, out: DhcpOutput[]): void {
    const network = this.network as DhcpNetwork;
    const { bytes } = buildReply({
      type: MessageType.NAK, request: message, serverIp: network.ip, yiaddr: 0, siaddr: 0,
      offered: new Map(), always: [], message: why,
    });
    this.count('tx.nak');
    // RFC 2131 §4.1: a NAK with giaddr 0 is always broadcast.
    out.push({ kind: 'send', from: 67, to: { kind: 'broadcast' }, toPort: 68, payload: bytes });
  }

  private onDecline(message: DhcpMessage, now: number, out: DhcpOutput[]): void {
    const lease = this.byKey.get(clientKeyOf(message));
    const requested = readU32Value(message.options.get(Opt.REQUESTED_IP));
    if (!lease || requested === undefined || lease.ip !== requested) return this.drop('decline-unknown');
    this.addresses.quarantine(requested, now + this.config.declineQuarantine * 1000);
    this.noteDue(now + this.config.declineQuarantine * 1000);
    out.push({ kind: 'log', level: 'warn', text: `${macToString(lease.mac)} declined ${ipToString(requested)} (in use by another host); quarantined` });
    const wasBound = lease.state === 'bound';
    if (lease.state === 'offered') this.adjustOffers(lease, -1);
    this.blocks.end(lease.key, now);
    this.byIpMap.delete(lease.ip);
    lease.ip = 0;
    lease.state = 'idle';
    lease.expiresAt = now;
    this.changed(lease);
    if (wasBound) this.emitEvent('released', lease, out);
  }

  private describe(lease: Lease): string {
    const block = lease.phoneClass ? this.blocks.holding(lease.key)?.block : undefined;
    const range = block ? ` ports ${block.first}-${block.last}` : '';
    return `${macToString(lease.mac)} ${lease.phoneClass ? `(${lease.phoneClass.name})` : '(guest)'} ${ipToString(lease.ip)}${range}`;
  }

  private onRelease(message: DhcpMessage, now: number, out: DhcpOutput[]): void {
    const lease = this.byKey.get(clientKeyOf(message));
    if (!lease || lease.state !== 'bound' || lease.ip !== message.ciaddr) return this.drop('release-unknown');
    // RFC 2131 §4.3.4: keep the binding so the same address comes back; the block goes dormant.
    lease.state = 'released';
    lease.expiresAt = now;
    this.blocks.end(lease.key, now);
    this.emitEvent('released', lease, out);
    out.push({ kind: 'log', level: 'info', text: `${this.describe(lease)} released` });
  }

  private onInform(input: Omit<DhcpInput, 'payload'>, message: DhcpMessage, out: DhcpOutput[]): void {
    const { phoneClass, known } = this.admission(message);
    if (!known) return this.drop('unknown-client-ignored');
    const target = message.ciaddr !== 0 ? message.ciaddr : input.srcIp;
    if (target === 0) return this.drop('inform-no-address');
    const { offered, always, file } = this.optionsFor(phoneClass, undefined);
    const network = this.network as DhcpNetwork;
    const { bytes } = buildReply({
      type: MessageType.ACK, request: message, serverIp: network.ip, yiaddr: 0,
      siaddr: phoneClass ? this.tftpServer() : 0, file, offered, always,
    });
    this.count('tx.ack');
    // RFC 2131 §4.3.5: INFORM is answered by unicast to ciaddr, with no lease.
    out.push({ kind: 'send', from: 67, to: { kind: 'mac', mac: chaddrOf(message).slice(), ip: target }, toPort: 68, payload: bytes });
  }

  private tftpServer(): number {
    return tftpServerOf(this.config, this.network as DhcpNetwork);
  }

  private optionsFor(phoneClass: PhoneClass | undefined, block: PortBlock | undefined): ReturnType<typeof offeredOptions> {
    return offeredOptions(this.config, this.network as DhcpNetwork, phoneClass, block);
  }

  /** Build an OFFER/ACK for `lease`; pushed to `out` when given, returned either way. */
  private reply(type: number, message: DhcpMessage, lease: Lease, out: DhcpOutput[] | undefined): DhcpOutput {
    const network = this.network as DhcpNetwork;
    const holding = lease.phoneClass ? this.blocks.holding(lease.key) : undefined;
    const { offered, always, file } = this.optionsFor(lease.phoneClass, holding?.block);
    const leaseSeconds = lease.phoneClass ? this.config.leaseTime : this.config.guestLeaseTime;
    const { bytes, dropped } = buildReply({
      type, request: message, serverIp: network.ip, yiaddr: lease.ip,
      siaddr: lease.phoneClass ? this.tftpServer() : 0, file, offered, always, leaseSeconds,
    });
    if (dropped.length > 0) this.count('options-dropped-size');
    this.count(`tx.${MESSAGE_TYPE_NAMES[type]}`);
    // RFC 2131 §4.1: ciaddr set -> unicast there; broadcast bit -> broadcast; else yiaddr at chaddr.
    let to: ReplyTarget;
    if (message.ciaddr !== 0) to = { kind: 'mac', mac: chaddrOf(message).slice(), ip: message.ciaddr };
    else if (message.flags & FLAG_BROADCAST) to = { kind: 'broadcast' };
    else to = { kind: 'mac', mac: chaddrOf(message).slice(), ip: lease.ip };
    const output: DhcpOutput = { kind: 'send', from: 67, to, toPort: 68, payload: bytes.slice() };
    out?.push(output);
    return output;
  }

  /**
   * Forget every lease (console `clear dhcp leases`). Bound clients are told through 'released'
   * events; their port blocks enter quarantine and lose their owner; the emptied table is written.
   */
  clearLeases(now: number): { count: number; outputs: DhcpOutput[] } {
    const out: DhcpOutput[] = [];
    let count = 0;
    for (const lease of Array.from(this.byKey.values())) if (this.clearOne(lease, now, out)) count++;
    this.heldAcks = [];
    this.dueDirty = true;
    out.push({ kind: 'log', level: 'info', text: `${count} lease(s) cleared` });
    this.startFlush(out);
    return { count, outputs: out };
  }

  /**
   * Forget the lease of one address or MAC (console `lease clear <address|mac>`), as clearLeases
   * does for all. Undefined `cleared` when no client holds or held it.
   */
  clearLease(which: { readonly ip: number } | { readonly mac: Uint8Array }, now: number): { cleared: string | undefined; outputs: DhcpOutput[] } {
    const out: DhcpOutput[] = [];
    const lease = 'ip' in which ? this.byIpMap.get(which.ip) : this.byKey.get(macKey(which.mac));
    if (!lease) return { cleared: undefined, outputs: out };
    const cleared = this.describe(lease);
    this.heldAcks = this.heldAcks.filter((held) => held.lease !== lease);
    this.clearOne(lease, now, out);
    this.dueDirty = true;
    out.push({ kind: 'log', level: 'info', text: `${cleared} cleared` });
    this.startFlush(out);
    return { cleared, outputs: out };
  }

  /** Forget one lease: its block is quarantined ownerless, NAPPT hears 'released'. True when it was live. */
  private clearOne(lease: Lease, now: number, out: DhcpOutput[]): boolean {
    const live = lease.state === 'bound' || lease.state === 'offered';
    if (lease.state === 'offered') this.adjustOffers(lease, -1);
    const wasBound = lease.state === 'bound';
    this.blocks.end(lease.key, now, true);
    lease.state = 'idle';
    if (wasBound) this.emitEvent('released', lease, out);
    this.forget(lease);
    return live;
  }

  // ---------------------------------------------------------------- probes

  /** The answer to a 'probe' output: whether some host answered for `ip`. */
  probeResult(ip: number, inUse: boolean, now: number): DhcpOutput[] {
    const out: DhcpOutput[] = [];
    const parked = this.probing.get(ip);
    if (!parked) return out;
    this.dueDirty = true;
    this.probing.delete(ip);
    if (inUse) {
      this.count('probe-conflict');
      this.addresses.quarantine(ip, now + this.config.declineQuarantine * 1000);
      this.noteDue(now + this.config.declineQuarantine * 1000);
      out.push({ kind: 'log', level: 'warn', text: `${ipToString(ip)} answers although nobody leased it; not offered` });
    } else {
      this.addresses.markKnown(ip);
    }
    this.handle(parked.input, parked.payload, now, out, parked.probes, inUse ? undefined : ip);
    this.startFlush(out);
    return out;
  }

  // ---------------------------------------------------------------- persistence

  private startFlush(out: DhcpOutput[]): void {
    const persist = this.journal.flush(this.blocks);
    if (!persist) return;
    this.count('persist.writes');
    out.push(persist);
  }

  /** The store finished (or failed) writing a 'persist' output's records. */
  persisted(ticket: number, ok: boolean, now: number): DhcpOutput[] {
    const out: DhcpOutput[] = [];
    if (!this.journal.completed(ticket, ok)) return out;
    if (!ok) {
      // Availability first: a phone without an address is worse than a lease that may not
      // survive a reboot. The shards stay dirty and are written again with the next change.
      this.count('persist.failed');
      out.push({ kind: 'log', level: 'error', text: 'lease database write failed; answering anyway, retrying with the next change' });
      for (const held of this.heldAcks) held.lease.durableVersion = Math.max(held.lease.durableVersion, held.version);
    }
    const still: HeldAck[] = [];
    for (const held of this.heldAcks) {
      if (held.lease.durableVersion >= held.version && held.lease.state === 'bound') {
        // The client's lease starts when it gets the ACK: never let ours end before its own.
        held.lease.expiresAt = now + this.leaseSecondsOf(held.lease) * 1000;
        held.lease.info = undefined;
        this.noteDue(held.lease.expiresAt);
        out.push(held.output);
      } else if (held.lease.state === 'bound') still.push(held);
    }
    this.heldAcks = still;
    this.startFlush(out);
    return out;
  }

  /**
   * Load the persisted bindings after a boot. `read(key)` returns a record or undefined. Every
   * binding comes back as bound for a whole lease time from `now` (the downtime is unknown, so the
   * phone may still hold it); blocks come back owned by the same clients. Bindings are keyed by
   * MAC: one stored under option 61 (earlier firmware) is migrated in place (see onePerMac).
   */
  restore(read: (key: string) => Uint8Array | undefined, now: number): { loaded: number; skipped: string[] } {
    let loaded = 0;
    const contents = this.journal.load(read);
    if (!contents) return { loaded, skipped: [] };
    const { entries, skipped } = contents;
    if (!contents.everUsed) return { loaded, skipped };
    this.blocks.markEverUsed(contents.everUsed);
    const classes = new Map(this.config.classes.map((phoneClass) => [phoneClass.name, phoneClass]));
    const { kept, dropped } = onePerMac(entries);
    for (const entry of entries) {
      if (!kept.has(entry)) continue;
      const key = macKey(entry.mac);
      if (this.byKey.has(key) || this.journal.slotTaken(entry.slot) || (entry.ip !== 0 && this.byIpMap.has(entry.ip))) {
        skipped.push(`${entry.key}: duplicate`);
        continue;
      }
      const lease = this.leaseFor(key, entry.mac);
      // Stored by an earlier firmware under option 61: same slot, address and block, new key.
      this.journal.place(lease, entry.slot, entry.key !== key);
      lease.phoneClass = entry.phoneClass !== undefined ? classes.get(entry.phoneClass) : undefined;
      if (entry.ip !== 0) {
        lease.ip = entry.ip;
        this.byIpMap.set(entry.ip, lease);
        this.addresses.markKnown(entry.ip);
        lease.state = 'bound';
        lease.expiresAt = now + (lease.phoneClass ? this.config.leaseTime : this.config.guestLeaseTime) * 1000;
        this.noteDue(lease.expiresAt);
      }
      if (entry.psidLength > 0) {
        const block = portBlock(entry.psidLength, entry.psid);
        if (!this.blocks.restore(key, block, now, lease.state === 'bound')) skipped.push(`${entry.key}: block ${block.first}-${block.last} overlaps`);
      }
      loaded++;
    }
    for (const [entry, keptEntry] of dropped) {
      const block = entry.psidLength > 0 ? portBlock(entry.psidLength, entry.psid) : undefined;
      const ports = block ? `, ports ${block.first}-${block.last}` : '';
      skipped.push(`${entry.key}: second lease of ${macToString(entry.mac)} (${ipToString(entry.ip)}${ports}) dropped, one lease per MAC (kept ${keptEntry.key})`);
      // Its block may still be in the phone's hands: it rests a quarantine from now, owned by nobody.
      const owner = `dropped:${entry.key}`; // never a lease key, so no lease loses its own block here
      if (block && this.blocks.restore(owner, block, now, false)) this.blocks.end(owner, now, true);
      this.journal.drop(entry.slot);
    }
    return { loaded, skipped };
  }

  // ---------------------------------------------------------------- time

  /** A deadline moved: pollAt recomputes (lazily, once) so it is exact, never early or late. */
  private noteDue(_at: number): void {
    this.dueDirty = true;
  }

  private recomputeDue(): void {
    let next = Infinity;
    for (const lease of this.byKey.values()) {
      if ((lease.state === 'offered' || lease.state === 'bound') && lease.expiresAt < next) next = lease.expiresAt;
    }
    next = Math.min(next, this.addresses.nextQuarantineEnd());
    this.nextDue = next;
    this.dueDirty = false;
  }

  pollAt(): number | undefined {
    if (this.dueDirty) this.recomputeDue();
    const at = Math.min(this.nextDue, this.rogue.pollAt(this.network !== undefined && this.config.enabled));
    return at === Infinity ? undefined : at;
  }

  /** Run what is due at `now`: lapsed offers, expired leases, quarantines, rogue-server probes. */
  dispatch(now: number): DhcpOutput[] {
    const out: DhcpOutput[] = [];
    for (const lease of Array.from(this.byKey.values())) {
      if (lease.state === 'offered' && lease.expiresAt <= now) this.lapseOffer(lease, now);
      else if (lease.state === 'bound' && lease.expiresAt <= now) {
        // Said aloud: a phone that stops renewing loses its calls' inbound path.
        out.push({ kind: 'log', level: 'info', text: `${this.describe(lease)} expired (not renewed)` });
        lease.state = 'expired';
        this.blocks.end(lease.key, now);
        this.emitEvent('expired', lease, out);
      }
    }
    this.addresses.endQuarantines(now);
    this.recomputeDue();
    this.rogue.dispatch(now, this.network, this.config, out);
    this.startFlush(out);
    return out;
  }

  /** A datagram that arrived on UDP port 68 (answers to our own probe DISCOVER). */
  processClientSide(input: DhcpInput, now: number): DhcpOutput[] {
    return this.rogue.receive(input, now, this.network, this.config);
  }
}
