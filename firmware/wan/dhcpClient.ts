// The WAN DHCP client (RFC 2131 section 4.4) as a pure state machine: DISCOVER/OFFER/REQUEST/ACK,
// renew at T1 (unicast), rebind at T2 (broadcast), restart on expiry or NAK, exponential
// retransmission. It takes `now`, never reads a clock; what it sends goes to the `send` edge.
import {
  BOOTREPLY,
  BOOTREQUEST,
  FLAG_BROADCAST,
  MessageType,
  Opt,
  chaddrOf,
  emitDhcp,
  isDhcpError,
  parseDhcp,
  type DhcpOption,
} from '../wire/dhcp';
import { readIpList, readU32Value, textValue, u16Value } from '../wire/dhcp-options';
import type { Service } from '../stack/service';

export type DhcpClientPhase = 'init' | 'selecting' | 'requesting' | 'bound' | 'renewing' | 'rebinding';

export interface WanLease {
  readonly address: number;
  readonly prefixLength: number;
  readonly gateway: number | undefined;
  readonly dns: readonly number[];
  readonly server: number;
  readonly boundAt: number;
  readonly t1At: number;
  readonly t2At: number;
  readonly expiresAt: number;
}

export interface DhcpClientOptions {
  readonly mac: Uint8Array;
  readonly hostname?: string;
  /** Uniform 32-bit random numbers (transaction ids and retransmission jitter). */
  readonly random: () => number;
  /** Unicast to `server` when given (renewing), else broadcast. */
  readonly send: (payload: Uint8Array, server: number | undefined) => void;
  /** A lease was bound or changed (address, gateway...), or lost (undefined). */
  readonly onLease: (lease: WanLease | undefined) => void;
  readonly log?: (line: string) => void;
}

const FIRST_RETRANSMIT_MS = 4000;
const MAX_RETRANSMIT_MS = 64000;
/** REQUESTING gives up after this many tries and starts over with DISCOVER. */
const REQUEST_TRIES = 4;
/** RFC 2131 4.4.5: in RENEWING/REBINDING wait half the remaining time, but at least 60 s. */
const MIN_RENEW_RETRANSMIT_MS = 60000;
const PARAMETERS = new Uint8Array([Opt.SUBNET_MASK, Opt.ROUTER, Opt.DNS, Opt.LEASE_TIME, Opt.RENEWAL_TIME, Opt.REBINDING_TIME, Opt.DOMAIN, Opt.NTP]);

export function prefixFromMask(mask: number): number | undefined {
  const inverted = ~mask >>> 0;
  if ((inverted & (inverted + 1)) !== 0) return undefined; // not contiguous
  let length = 0;
  for (let m = mask >>> 0; m & 0x80000000; m = (m << 1) >>> 0) length++;
  return length;
}

export class DhcpClient implements Service {
  readonly name = 'wan-dhcp';
  phase: DhcpClientPhase = 'init';
  lease: WanLease | undefined;
  readonly counters: Record<string, number> = {
    discovers: 0, offers: 0, requests: 0, acks: 0, naks: 0, ignored: 0, renewals: 0, rebinds: 0, expiries: 0, restarts: 0,
  };
  private xid = 0;
  private startedAt = 0;
  private nextAt: number | undefined;
  private interval = FIRST_RETRANSMIT_MS;
  private tries = 0;
  private offered = 0;
  private offerServer = 0;
  private readonly buffer = new Uint8Array(576);
  private readonly clientId: Uint8Array;

  constructor(private readonly options: DhcpClientOptions) {
    this.clientId = new Uint8Array(7);
    this.clientId[0] = 1;
    this.clientId.set(options.mac.subarray(0, 6), 1);
  }

  /** Begin (or restart) acquiring an address at `now`. */
  start(now: number): void {
    this.toInit(now, 0);
  }

  pollAt(): number | undefined {
    return this.nextAt;
  }

  dispatch(now: number): void {
    if (this.nextAt === undefined || now < this.nextAt) return;
    switch (this.phase) {
      case 'init':
        this.phase = 'selecting';
        this.startedAt = now;
        this.xid = this.options.random() >>> 0;
        this.interval = FIRST_RETRANSMIT_MS;
        this.sendDiscover(now);
        break;
      case 'selecting':
        this.sendDiscover(now);
        break;
      case 'requesting':
        if (this.tries >= REQUEST_TRIES) {
          this.toInit(now, 0);
          break;
        }
        this.sendRequest(now, 'requesting');
        break;
      case 'bound':
        this.phase = 'renewing';
        this.counters.renewals++;
        this.xid = this.options.random() >>> 0;
        this.startedAt = now;
        this.sendRequest(now, 'renewing');
        break;
      case 'renewing':
      case 'rebinding': {
        const lease = this.lease as WanLease;
        if (now >= lease.expiresAt) {
          this.counters.expiries++;
          this.options.log?.('DHCP lease expired');
          this.lease = undefined;
          this.options.onLease(undefined);
          this.toInit(now, 0);
          break;
        }
        if (this.phase === 'renewing' && now >= lease.t2At) {
          this.phase = 'rebinding';
          this.counters.rebinds++;
        }
        this.sendRequest(now, this.phase);
        break;
      }
    }
  }

  /** A DHCP message arrived on UDP port 68. */
  receive(payload: Uint8Array, now: number): void {
    const message = parseDhcp(payload);
    if (isDhcpError(message) || message.op !== BOOTREPLY || message.xid !== this.xid || message.hlen !== 6) {
      this.counters.ignored++;
      return;
    }
    const chaddr = chaddrOf(message);
    for (let i = 0; i < 6; i++) {
      if (chaddr[i] !== this.options.mac[i]) {
        this.counters.ignored++;
        return;
      }
    }
    const server = readIpList(message.options.get(Opt.SERVER_ID))?.[0];
    if (message.messageType === MessageType.OFFER && this.phase === 'selecting') {
      if (message.yiaddr === 0 || server === undefined) {
        this.counters.ignored++;
        return;
      }
      this.counters.offers++;
      this.offered = message.yiaddr;
      this.offerServer = server;
      this.phase = 'requesting';
      this.tries = 0;
      this.interval = FIRST_RETRANSMIT_MS;
      this.sendRequest(now, 'requesting');
      return;
    }
    const waiting = this.phase === 'requesting' || this.phase === 'renewing' || this.phase === 'rebinding';
    if (message.messageType === MessageType.NAK && waiting) {
      if (this.phase === 'requesting' && server !== undefined && server !== this.offerServer) {
        this.counters.ignored++;
        return;
      }
      this.counters.naks++;
      this.options.log?.('DHCP NAK, starting over');
      if (this.lease !== undefined) {
        this.lease = undefined;
        this.options.onLease(undefined);
      }
      this.toInit(now, 1000);
      return;
    }
    if (message.messageType === MessageType.ACK && waiting) {
      const bound = this.bind(message.yiaddr, server ?? this.lease?.server ?? this.offerServer, message.options, now);
      if (bound === undefined) {
        this.counters.ignored++;
        return;
      }
      this.counters.acks++;
      this.lease = bound;
      this.phase = 'bound';
      this.nextAt = bound.t1At;
      this.options.onLease(bound);
      return;
    }
    this.counters.ignored++;
  }

  private bind(address: number, server: number, options: ReadonlyMap<number, Uint8Array>, now: number): WanLease | undefined {
    const seconds = readU32Value(options.get(Opt.LEASE_TIME));
    if (address === 0 || seconds === undefined || seconds === 0) return undefined;
    const mask = readIpList(options.get(Opt.SUBNET_MASK))?.[0];
    const prefixLength = mask === undefined ? defaultPrefix(address) : prefixFromMask(mask);
    if (prefixLength === undefined) return undefined;
    // 0xffffffff means infinite; keep it finite but far away.
    const leaseMs = seconds === 0xffffffff ? 2 ** 40 : seconds * 1000;
    let t1 = (readU32Value(options.get(Opt.RENEWAL_TIME)) ?? seconds / 2) * 1000;
    let t2 = (readU32Value(options.get(Opt.REBINDING_TIME)) ?? seconds * 0.875) * 1000;
    if (!(t2 > 0 && t2 < leaseMs)) t2 = leaseMs * 0.875;
    if (!(t1 > 0 && t1 < t2)) t1 = Math.min(leaseMs / 2, t2);
    const gateway = readIpList(options.get(Opt.ROUTER))?.[0];
    return {
      address,
      prefixLength,
      gateway,
      dns: readIpList(options.get(Opt.DNS)) ?? [],
      server,
      boundAt: now,
      t1At: now + t1,
      t2At: now + t2,
      expiresAt: now + leaseMs,
    };
  }

  private toInit(now: number, delayMs: number): void {
    if (this.phase !== 'init') this.counters.restarts++;
    this.phase = 'init';
    this.offered = 0;
    this.tries = 0;
    // RFC 2131 4.4.1 asks for a random start delay, so a site of routers does not storm the server.
    this.nextAt = now + delayMs + (this.options.random() % 1000);
  }

  private jitter(): number {
    return (this.options.random() % 2001) - 1000;
  }

  private common(type: number, now: number): DhcpOption[] {
    const options: DhcpOption[] = [
      { code: Opt.MESSAGE_TYPE, value: new Uint8Array([type]) },
      { code: Opt.CLIENT_ID, value: this.clientId },
      { code: Opt.MAX_MESSAGE_SIZE, value: u16Value(576) },
    ];
    if (this.options.hostname) options.push({ code: Opt.HOSTNAME, value: textValue(this.options.hostname) });
    options.push({ code: Opt.PARAMETER_LIST, value: PARAMETERS });
    void now;
    return options;
  }

  private emit(options: DhcpOption[], now: number, ciaddr: number, broadcastFlag: boolean, server: number | undefined): void {
    const secs = Math.min(0xffff, Math.floor((now - this.startedAt) / 1000));
    const result = emitDhcp(
      { op: BOOTREQUEST, xid: this.xid, secs, flags: broadcastFlag ? FLAG_BROADCAST : 0, ciaddr, chaddr: this.options.mac.subarray(0, 6), options },
      this.buffer,
      this.buffer.length,
    );
    this.options.send(this.buffer.slice(0, result.length), server);
  }

  private sendDiscover(now: number): void {
    this.counters.discovers++;
    // No address yet: ask for broadcast replies (our stack cannot receive unicast before it has one).
    this.emit(this.common(MessageType.DISCOVER, now), now, 0, true, undefined);
    this.nextAt = now + this.interval + this.jitter();
    this.interval = Math.min(MAX_RETRANSMIT_MS, this.interval * 2);
  }

  private sendRequest(now: number, phase: 'requesting' | 'renewing' | 'rebinding'): void {
    this.counters.requests++;
    const options = this.common(MessageType.REQUEST, now);
    if (phase === 'requesting') {
      options.push({ code: Opt.REQUESTED_IP, value: ipBytes(this.offered) });
      options.push({ code: Opt.SERVER_ID, value: ipBytes(this.offerServer) });
      this.emit(options, now, 0, true, undefined);
      this.tries++;
      this.nextAt = now + this.interval + this.jitter();
      this.interval = Math.min(MAX_RETRANSMIT_MS, this.interval * 2);
      return;
    }
    const lease = this.lease as WanLease;
    // RENEWING: unicast to the server that granted the lease; REBINDING: broadcast to any server.
    this.emit(options, now, lease.address, false, phase === 'renewing' ? lease.server : undefined);
    const deadline = phase === 'renewing' ? lease.t2At : lease.expiresAt;
    const wait = Math.max(MIN_RENEW_RETRANSMIT_MS, (deadline - now) / 2);
    this.nextAt = Math.min(now + wait, deadline);
  }
}

function ipBytes(ip: number): Uint8Array {
  return new Uint8Array([ip >>> 24, (ip >>> 16) & 0xff, (ip >>> 8) & 0xff, ip & 0xff]);
}

/** Classful default when a server sends no mask (RFC 2132 says it SHOULD send one). */
function defaultPrefix(address: number): number {
  const top = address >>> 24;
  return top < 128 ? 8 : top < 192 ? 16 : 24;
}

