// The ARP cache of one port: IPv4 -> MAC with a fixed lifetime, bounded in size. A Map keeps
// insertion order and every (re)learned entry moves to the end, so the first entry is always the
// next to expire and also the oldest to evict when the cache is full.
// Keys are the int32 twin of the address (ip | 0): small integers stay unboxed in V8, where a u32
// above 2^31 used as a Map key costs an allocation per lookup.

export interface ArpEntry {
  readonly mac: Uint8Array;
  expiresAt: number;
  /** A unicast refresh request went out for this entry since it was last learned. */
  refreshSent: boolean;
}

export class ArpCache {
  private readonly entries = new Map<number, ArpEntry>();

  constructor(
    private readonly capacity: number,
    private readonly lifetimeMs: number,
  ) {}

  /** The live MAC for `ip` at `now`, or undefined. Never allocates. */
  lookup(ip: number, now: number): Uint8Array | undefined {
    return this.live(ip, now)?.mac;
  }

  /** The live entry for `ip` at `now` (to check whether it needs a refresh), or undefined. */
  live(ip: number, now: number): ArpEntry | undefined {
    const entry = this.entries.get(ip | 0);
    if (entry === undefined || entry.expiresAt <= now) return undefined;
    return entry;
  }

  has(ip: number): boolean {
    return this.entries.has(ip | 0);
  }

  /** Learn or refresh `ip` -> mac[offset..+6]. Returns true when an older entry was evicted to make room. */
  learn(address: number, mac: Uint8Array, offset: number, now: number): boolean {
    const ip = address | 0;
    const existing = this.entries.get(ip);
    let entry: ArpEntry;
    if (existing !== undefined) {
      this.entries.delete(ip);
      existing.mac.set(mac.subarray(offset, offset + 6));
      existing.expiresAt = now + this.lifetimeMs;
      existing.refreshSent = false;
      entry = existing;
    } else {
      entry = { mac: mac.slice(offset, offset + 6), expiresAt: now + this.lifetimeMs, refreshSent: false };
    }
    let evicted = false;
    if (existing === undefined && this.entries.size >= this.capacity) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
      evicted = true;
    }
    this.entries.set(ip, entry);
    return evicted;
  }

  /** When the next entry expires, or undefined when empty. */
  nextExpiry(): number | undefined {
    const first = this.entries.values().next();
    return first.done ? undefined : first.value.expiresAt;
  }

  /** Drop every entry expired at `now`; returns how many. */
  expire(now: number): number {
    let count = 0;
    for (const [ip, entry] of this.entries) {
      if (entry.expiresAt > now) break;
      this.entries.delete(ip);
      count++;
    }
    return count;
  }

  get size(): number {
    return this.entries.size;
  }

  clear(): void {
    this.entries.clear();
  }
}
