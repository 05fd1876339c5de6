// The ordinary NAPT's mappings, preallocated: endpoint-independent (RFC 4787 REQ-1) keyed by
// (protocol, inside address, inside port) -> public port, with idle timers, TCP SYN/FIN/RST
// tracking (RFC 5382), a per-host cap (RFC 6888 REQ-4), remembered remote endpoints for
// address(-and-port)-dependent filtering, and exhaustion reporting. No allocation per packet.
import type { InboundFiltering, PortSpan } from './config';
import { Drop } from './drops';

export const NaptProtocol = { UDP: 0, TCP: 1, ICMP: 2 } as const;
export type NaptProtocol = (typeof NaptProtocol)[keyof typeof NaptProtocol];
const PROTOCOL_NAMES = ['udp', 'tcp', 'icmp'];

export const NO_MAPPING = -1;
/** Remote endpoints remembered per mapping for filtering (oldest replaced first). */
export const REMOTES_PER_MAPPING = 4;

const SYN_OUT = 1;
const SYN_IN = 2;
const FIN_OUT = 4;
const FIN_IN = 8;
const RST_SEEN = 16;
const CLOSING = FIN_OUT | FIN_IN | RST_SEEN;

export interface NaptTimeouts {
  readonly udpMs: number;
  readonly tcpEstablishedMs: number;
  readonly tcpTransitoryMs: number;
  readonly icmpMs: number;
}

export interface MappingReport {
  readonly protocol: string;
  readonly internalIp: number;
  readonly internalPort: number;
  readonly externalPort: number;
  readonly ageMs: number;
  readonly idleMs: number;
  readonly expiresInMs: number;
  readonly tcpState: 'established' | 'transitory' | '';
  readonly remotes: number;
  readonly packets: number;
}

export class NaptTable {
  readonly protocol: Uint8Array;
  /** int32 form (see readAddress). */
  readonly internalIp: Int32Array;
  readonly internalPort: Uint16Array;
  readonly externalPort: Uint16Array;
  readonly createdAt: Float64Array;
  readonly lastActive: Float64Array;
  readonly expiresAt: Float64Array;
  readonly tcpFlags: Uint8Array;
  readonly packets: Float64Array;
  private readonly inUse: Uint8Array;
  private readonly remoteIp: Int32Array;
  private readonly remotePort: Uint16Array;
  private readonly remoteCount: Uint8Array;
  private readonly remoteNext: Uint8Array;
  /** Open-addressing index (linear probing) of slot + 1 by (protocol, inside address, port). */
  private readonly index: Int32Array;
  private readonly indexMask: number;
  /** (protocol << 16 | public port) -> slot. */
  private readonly byExternal = new Int32Array(3 * 65536).fill(NO_MAPPING);
  private readonly freeSlots: Int32Array;
  private freeTop: number;
  private readonly usedPorts = new Int32Array(3);
  private readonly hostCount = new Map<number, number>();
  private random: number;
  /** A lower bound of the earliest expiry of any live mapping (Infinity when none). */
  earliestExpiry = Infinity;
  /** Why the last create() failed. */
  lastFailure: Drop = Drop.NAPT_TABLE_FULL;
  live = 0;

  constructor(
    readonly capacity: number,
    private perHostCap: number,
    private pool: PortSpan,
    private timeouts: NaptTimeouts,
    /** Ports of phone blocks are never handed out, even if the pool overlaps them. */
    private readonly isPhonePort: (port: number) => boolean,
    seed = 0x2545f491,
  ) {
    this.protocol = new Uint8Array(capacity);
    this.internalIp = new Int32Array(capacity);
    this.internalPort = new Uint16Array(capacity);
    this.externalPort = new Uint16Array(capacity);
    this.createdAt = new Float64Array(capacity);
    this.lastActive = new Float64Array(capacity);
    this.expiresAt = new Float64Array(capacity);
    this.tcpFlags = new Uint8Array(capacity);
    this.packets = new Float64Array(capacity);
    this.inUse = new Uint8Array(capacity);
    this.remoteIp = new Int32Array(capacity * REMOTES_PER_MAPPING);
    this.remotePort = new Uint16Array(capacity * REMOTES_PER_MAPPING);
    this.remoteCount = new Uint8Array(capacity);
    this.remoteNext = new Uint8Array(capacity);
    let size = 16;
    while (size < capacity * 2) size *= 2;
    this.index = new Int32Array(size);
    this.indexMask = size - 1;
    this.freeSlots = new Int32Array(capacity);
    for (let i = 0; i < capacity; i++) this.freeSlots[i] = capacity - 1 - i;
    this.freeTop = capacity;
    this.random = seed >>> 0 || 1;
  }

  configure(perHostCap: number, pool: PortSpan, timeouts: NaptTimeouts): void {
    this.perHostCap = perHostCap;
    this.timeouts = timeouts;
    if (pool.first !== this.pool.first || pool.last !== this.pool.last) {
      this.flush(() => true);
      this.pool = pool;
    }
  }

  private home(protocol: number, ip: number, port: number): number {
    let h = Math.imul(ip ^ 0x5bd1e995, 0x9e3779b1) ^ Math.imul(port | (protocol << 16), 0x85ebca6b);
    h ^= h >>> 15;
    h = Math.imul(h, 0x2c1b3c6d);
    h ^= h >>> 12;
    return h & this.indexMask;
  }

  /** The mapping of an inside endpoint, or NO_MAPPING. Expired mappings count as absent. */
  findOutbound(protocol: number, anyIp: number, port: number, now: number): number {
    const ip = anyIp | 0;
    let at = this.home(protocol, ip, port);
    for (;;) {
      const entry = this.index[at];
      if (entry === 0) return NO_MAPPING;
      const slot = entry - 1;
      if (this.internalPort[slot] === port && this.internalIp[slot] === ip && this.protocol[slot] === protocol) {
        return this.expiresAt[slot] <= now ? NO_MAPPING : slot;
      }
      at = (at + 1) & this.indexMask;
    }
  }

  /** The mapping holding public `port` for `protocol`, or NO_MAPPING. */
  findInbound(protocol: number, port: number, now: number): number {
    const slot = this.byExternal[(protocol << 16) | port];
    if (slot === NO_MAPPING || this.expiresAt[slot] <= now) return NO_MAPPING;
    return slot;
  }

  /** Create a mapping for an inside endpoint; NO_MAPPING (and lastFailure) when it cannot. */
  create(protocol: number, anyIp: number, port: number, now: number): number {
    const ip = anyIp | 0;
    const stale = this.findIndexed(protocol, ip, port);
    if (stale !== NO_MAPPING) this.remove(stale);
    if (this.freeTop === 0) {
      this.lastFailure = Drop.NAPT_TABLE_FULL;
      return NO_MAPPING;
    }
    const held = this.hostCount.get(ip) ?? 0;
    if (held >= this.perHostCap) {
      this.lastFailure = Drop.NAPT_HOST_LIMIT;
      return NO_MAPPING;
    }
    const external = this.allocatePort(protocol, port);
    if (external === 0) {
      this.lastFailure = Drop.NAPT_POOL_EXHAUSTED;
      return NO_MAPPING;
    }
    const slot = this.freeSlots[--this.freeTop];
    this.inUse[slot] = 1;
    this.protocol[slot] = protocol;
    this.internalIp[slot] = ip;
    this.internalPort[slot] = port;
    this.externalPort[slot] = external;
    this.createdAt[slot] = now;
    this.lastActive[slot] = now;
    this.tcpFlags[slot] = 0;
    this.packets[slot] = 0;
    this.remoteCount[slot] = 0;
    this.remoteNext[slot] = 0;
    this.byExternal[(protocol << 16) | external] = slot;
    this.usedPorts[protocol]++;
    this.hostCount.set(ip, held + 1);
    let at = this.home(protocol, ip, port);
    while (this.index[at] !== 0) at = (at + 1) & this.indexMask;
    this.index[at] = slot + 1;
    this.live++;
    this.expiresAt[slot] = now + this.timeoutOf(slot);
    if (this.expiresAt[slot] < this.earliestExpiry) this.earliestExpiry = this.expiresAt[slot];
    return slot;
  }

  private findIndexed(protocol: number, ip: number, port: number): number {
    let at = this.home(protocol, ip, port);
    for (;;) {
      const entry = this.index[at];
      if (entry === 0) return NO_MAPPING;
      const slot = entry - 1;
      if (this.internalPort[slot] === port && this.internalIp[slot] === ip && this.protocol[slot] === protocol) return slot;
      at = (at + 1) & this.indexMask;
    }
  }

  private nextRandom(): number {
    let x = this.random;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.random = x >>> 0;
    return this.random;
  }

  /** A free public port from the pool, of the inside port's parity when one is free (REQ-4). 0 = none. */
  private allocatePort(protocol: number, insidePort: number): number {
    const size = this.pool.last - this.pool.first + 1;
    if (this.usedPorts[protocol] >= size) return 0;
    const start = this.nextRandom() % size;
    let fallback = 0;
    const base = protocol << 16;
    for (let n = 0; n < size; n++) {
      const port = this.pool.first + ((start + n) % size);
      if (this.byExternal[base | port] !== NO_MAPPING || this.isPhonePort(port)) continue;
      if ((port & 1) === (insidePort & 1)) return port;
      if (fallback === 0) fallback = port;
    }
    return fallback;
  }

  private timeoutOf(slot: number): number {
    const protocol = this.protocol[slot];
    if (protocol === NaptProtocol.UDP) return this.timeouts.udpMs;
    if (protocol === NaptProtocol.ICMP) return this.timeouts.icmpMs;
    const flags = this.tcpFlags[slot];
    const established = (flags & (SYN_OUT | SYN_IN)) === (SYN_OUT | SYN_IN) && (flags & CLOSING) === 0;
    return established ? this.timeouts.tcpEstablishedMs : this.timeouts.tcpTransitoryMs;
  }

  /** An outbound packet used the mapping: remember the remote endpoint, track TCP, refresh (REQ-6). */
  noteOutbound(slot: number, anyRemoteIp: number, remotePort: number, tcpFlags: number, now: number): void {
    const remoteIp = anyRemoteIp | 0;
    if (this.protocol[slot] === NaptProtocol.TCP) this.trackTcp(slot, tcpFlags, true);
    const base = slot * REMOTES_PER_MAPPING;
    const count = this.remoteCount[slot];
    let known = false;
    for (let i = 0; i < count; i++) {
      if (this.remoteIp[base + i] === remoteIp && this.remotePort[base + i] === remotePort) {
        known = true;
        break;
      }
    }
    if (!known) {
      const at = count < REMOTES_PER_MAPPING ? count : this.remoteNext[slot];
      this.remoteIp[base + at] = remoteIp;
      this.remotePort[base + at] = remotePort;
      if (count < REMOTES_PER_MAPPING) this.remoteCount[slot] = count + 1;
      else this.remoteNext[slot] = (at + 1) % REMOTES_PER_MAPPING;
    }
    this.packets[slot]++;
    this.lastActive[slot] = now;
    this.expiresAt[slot] = now + this.timeoutOf(slot);
    // A FIN or RST shortens the timer, so the lower bound may have to move down.
    if (this.expiresAt[slot] < this.earliestExpiry) this.earliestExpiry = this.expiresAt[slot];
  }

  /** An inbound packet passed the filter. Only TCP refreshes on inbound (RFC 4787 REQ-6a is a MAY). */
  noteInbound(slot: number, tcpFlags: number, now: number): void {
    this.packets[slot]++;
    if (this.protocol[slot] !== NaptProtocol.TCP) return;
    this.trackTcp(slot, tcpFlags, false);
    this.lastActive[slot] = now;
    this.expiresAt[slot] = now + this.timeoutOf(slot);
    if (this.expiresAt[slot] < this.earliestExpiry) this.earliestExpiry = this.expiresAt[slot];
  }

  private trackTcp(slot: number, flags: number, outbound: boolean): void {
    let state = this.tcpFlags[slot];
    if (flags & 0x02) {
      // A fresh SYN on a closed or closing mapping starts a new connection on the same mapping.
      if (outbound && (flags & 0x10) === 0 && (state & CLOSING) !== 0) state = 0;
      state |= outbound ? SYN_OUT : SYN_IN;
    }
    if (flags & 0x01) state |= outbound ? FIN_OUT : FIN_IN;
    if (flags & 0x04) state |= RST_SEEN;
    this.tcpFlags[slot] = state;
  }

  /** Whether the filtering mode lets (remoteIp, remotePort) reach the mapping (RFC 4787 REQ-8). */
  permitsInbound(slot: number, anyRemoteIp: number, remotePort: number, filtering: InboundFiltering): boolean {
    const remoteIp = anyRemoteIp | 0;
    if (filtering === 'endpoint-independent') return true;
    const base = slot * REMOTES_PER_MAPPING;
    const count = this.remoteCount[slot];
    const checkPort = filtering === 'address-and-port-dependent';
    for (let i = 0; i < count; i++) {
      if (this.remoteIp[base + i] === remoteIp && (!checkPort || this.remotePort[base + i] === remotePort)) return true;
    }
    return false;
  }

  private remove(slot: number): void {
    let at = this.home(this.protocol[slot], this.internalIp[slot], this.internalPort[slot]);
    while (this.index[at] !== slot + 1) at = (at + 1) & this.indexMask;
    // Backward-shift deletion keeps every probe chain unbroken without tombstones.
    let hole = at;
    let next = at;
    this.index[hole] = 0;
    for (;;) {
      next = (next + 1) & this.indexMask;
      const entry = this.index[next];
      if (entry === 0) break;
      const s = entry - 1;
      const want = this.home(this.protocol[s], this.internalIp[s], this.internalPort[s]);
      const between = hole <= next ? want > hole && want <= next : want > hole || want <= next;
      if (!between) {
        this.index[hole] = entry;
        this.index[next] = 0;
        hole = next;
      }
    }
    const protocol = this.protocol[slot];
    this.byExternal[(protocol << 16) | this.externalPort[slot]] = NO_MAPPING;
    this.usedPorts[protocol]--;
    const ip = this.internalIp[slot];
    const held = (this.hostCount.get(ip) ?? 1) - 1;
    if (held <= 0) this.hostCount.delete(ip);
    else this.hostCount.set(ip, held);
    this.inUse[slot] = 0;
    this.expiresAt[slot] = 0;
    this.freeSlots[this.freeTop++] = slot;
    this.live--;
  }

  /** Remove every mapping idle past its timeout. Returns how many expired. */
  expire(now: number): number {
    let expired = 0;
    let earliest = Infinity;
    for (let slot = 0; slot < this.capacity; slot++) {
      if (this.inUse[slot] === 0) continue;
      if (this.expiresAt[slot] <= now) {
        this.remove(slot);
        expired++;
      } else if (this.expiresAt[slot] < earliest) earliest = this.expiresAt[slot];
    }
    this.earliestExpiry = earliest;
    return expired;
  }

  /** Remove the mappings `which` selects (a host's lease ended, the public address changed). */
  flush(which: (slot: number) => boolean): number {
    let removed = 0;
    for (let slot = 0; slot < this.capacity; slot++) {
      if (this.inUse[slot] !== 0 && which(slot)) {
        this.remove(slot);
        removed++;
      }
    }
    if (this.live === 0) this.earliestExpiry = Infinity;
    return removed;
  }

  report(now: number): MappingReport[] {
    const out: MappingReport[] = [];
    for (let slot = 0; slot < this.capacity; slot++) {
      if (this.inUse[slot] === 0 || this.expiresAt[slot] <= now) continue;
      const protocol = this.protocol[slot];
      let tcpState: MappingReport['tcpState'] = '';
      if (protocol === NaptProtocol.TCP) tcpState = this.timeoutOf(slot) === this.timeouts.tcpEstablishedMs ? 'established' : 'transitory';
      out.push({
        protocol: PROTOCOL_NAMES[protocol],
        internalIp: this.internalIp[slot] >>> 0,
        internalPort: this.internalPort[slot],
        externalPort: this.externalPort[slot],
        ageMs: now - this.createdAt[slot],
        idleMs: now - this.lastActive[slot],
        expiresInMs: this.expiresAt[slot] - now,
        tcpState,
        remotes: this.remoteCount[slot],
        packets: this.packets[slot],
      });
    }
    return out;
  }
}
