// The addresses the server hands out: the phone and guest pools, reservations by MAC, addresses
// declined (or found in use by a probe) and resting, and which addresses were ever used (a new one
// is probed before it is offered). Address choice follows RFC 2131 §4.3.1.
import { parseIp } from '../util/ipv4';
import { macToString, parseMac } from '../util/mac';
import type { DhcpConfig, PhoneClass } from './config';
import type { Lease } from './server-types';

export interface AddressRange {
  readonly first: number;
  readonly last: number;
}

/** What the pool asks of the lease table when it chooses. */
export interface AddressHolders {
  /** The lease holding `ip`, if any. */
  holder(ip: number): Lease | undefined;
  /** Whether `ip` is being probed for some client. */
  probing(ip: number): boolean;
  /** Take `ip` away from an ended lease so another client can have it. */
  takeFrom(lease: Lease): void;
}

export interface AddressChoice {
  readonly ip: number;
  /** Never used before: check that nobody holds it first. */
  readonly probe: boolean;
}

export class AddressPool {
  private phones: AddressRange = { first: 0, last: 0 };
  private guests: AddressRange = { first: 0, last: 0 };
  private reservationsByMac = new Map<string, number>();
  private reservedIps = new Set<number>();
  private probeNew = true;
  /** Address -> when its quarantine ends (declined, or answered a probe). */
  private readonly declined = new Map<number, number>();
  private readonly known = new Set<number>();
  /** Per pool (keyed by its first address): every address below the cursor is known (used). */
  private readonly freshCursor = new Map<number, number>();

  constructor(private readonly holders: AddressHolders) {}

  configure(config: DhcpConfig): void {
    this.phones = { first: parseIp(config.pool.first) ?? 0, last: parseIp(config.pool.last) ?? 0 };
    this.guests = { first: parseIp(config.guestPool.first) ?? 0, last: parseIp(config.guestPool.last) ?? 0 };
    this.probeNew = config.probeNewAddresses;
    this.reservationsByMac = new Map();
    this.reservedIps = new Set();
    for (const reservation of config.reservations) {
      const mac = parseMac(reservation.mac);
      const ip = parseIp(reservation.ip);
      if (mac && ip !== undefined) {
        this.reservationsByMac.set(macToString(mac), ip);
        this.reservedIps.add(ip);
      }
    }
  }

  hasReservation(mac: Uint8Array): boolean {
    return this.reservationsByMac.has(macToString(mac));
  }

  reservedFor(mac: Uint8Array): number | undefined {
    return this.reservationsByMac.get(macToString(mac));
  }

  /** The address was handed out (bound) or checked free: it is no longer new. */
  markKnown(ip: number): void {
    this.known.add(ip);
  }

  /** Nobody is offered `ip` before `until` (ms). */
  quarantine(ip: number, until: number): void {
    this.declined.set(ip, until);
  }

  /** The earliest quarantine end, Infinity when none. */
  nextQuarantineEnd(): number {
    let next = Infinity;
    for (const until of this.declined.values()) if (until < next) next = until;
    return next;
  }

  endQuarantines(now: number): void {
    for (const [ip, until] of this.declined) if (until <= now) this.declined.delete(ip);
  }

  /** The lease's address still fits the client's class (pool) and nobody else took it. */
  stillRight(lease: Lease, phoneClass: PhoneClass | undefined, now: number, routerIp: number | undefined): boolean {
    if (!this.usableBy(lease.ip, lease, lease.mac, now, routerIp)) return false;
    if (this.reservedFor(lease.mac) === lease.ip) return true;
    return inRange(lease.ip, this.rangeOf(phoneClass));
  }

  /** Whether `lease` may have `ip` now (not declined, not the router, not someone else's). */
  usableBy(ip: number, lease: Lease | undefined, mac: Uint8Array, now: number, routerIp: number | undefined): boolean {
    if (ip === 0 || ip === routerIp) return false;
    const declinedUntil = this.declined.get(ip);
    if (declinedUntil !== undefined && declinedUntil > now) return false;
    if (this.reservedIps.has(ip) && this.reservedFor(mac) !== ip) return false;
    if (this.holders.probing(ip) && lease?.ip !== ip) return false;
    const holder = this.holders.holder(ip);
    return holder === undefined || holder === lease;
  }

  /** RFC 2131 §4.3.1 address choice, plus "never used before => probe first". */
  pick(
    lease: Lease | undefined, mac: Uint8Array, phoneClass: PhoneClass | undefined, requested: number | undefined, now: number, routerIp: number | undefined,
  ): AddressChoice | undefined {
    const usable = (ip: number) => this.usableBy(ip, lease, mac, now, routerIp);
    const reserved = this.reservedFor(mac);
    if (reserved !== undefined) return usable(reserved) ? { ip: reserved, probe: false } : undefined;
    const pool = this.rangeOf(phoneClass);
    const needsProbe = (ip: number) => this.probeNew && !this.known.has(ip);
    if (lease && lease.ip !== 0 && inRange(lease.ip, pool) && usable(lease.ip)) return { ip: lease.ip, probe: needsProbe(lease.ip) };
    if (requested !== undefined && inRange(requested, pool) && usable(requested)) return { ip: requested, probe: needsProbe(requested) };
    // Addresses only ever become known, so a cursor skips the used prefix of the pool in O(1).
    let cursor = this.freshCursor.get(pool.first) ?? pool.first;
    while (cursor <= pool.last && this.known.has(cursor)) cursor++;
    this.freshCursor.set(pool.first, cursor);
    for (let ip = cursor; ip <= pool.last; ip++) {
      if (!this.known.has(ip) && usable(ip)) return { ip, probe: needsProbe(ip) };
    }
    // Everything was used once: free addresses first, then the longest-ended lease gives its own up.
    let oldest: Lease | undefined;
    for (let ip = pool.first; ip <= pool.last; ip++) {
      const holder = this.holders.holder(ip);
      if (!holder) {
        if (usable(ip)) return { ip, probe: false };
        continue;
      }
      if (holder === lease || (holder.state !== 'released' && holder.state !== 'expired')) continue;
      if (this.reservedIps.has(ip) || this.holders.probing(ip)) continue;
      if (!oldest || holder.expiresAt < oldest.expiresAt) oldest = holder;
    }
    if (!oldest) return undefined;
    const ip = oldest.ip;
    this.holders.takeFrom(oldest);
    return { ip, probe: false };
  }

  private rangeOf(phoneClass: PhoneClass | undefined): AddressRange {
    return phoneClass ? this.phones : this.guests;
  }
}

function inRange(ip: number, range: AddressRange): boolean {
  return ip >= range.first && ip <= range.last;
}
