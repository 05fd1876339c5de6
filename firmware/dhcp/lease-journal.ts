// The lease journal: which bindings are on flash. Each lease that was ever bound owns a slot; slots
// are grouped in shards, one store record each, plus a meta record (shard count, every port block
// ever used). Changes mark their shard dirty; one flush (group commit) at a time writes the dirty
// shards and then the meta record. Format: LEASES.md / lease-record.ts. Pure: no I/O, no clock.
import { META_KEY, SHARD_SLOTS, decodeMeta, decodeShard, encodeMeta, encodeShard, isRecordError, shardKey, type BindingRecord } from './lease-record';
import type { PortBlockAllocator } from './port-blocks';
import type { DhcpOutput, Lease } from './server-types';

const shardOf = (slot: number): number => Math.floor(slot / SHARD_SLOTS);

/** What a flush wrote, for the answer to its 'persist' output. */
export interface FlushDone {
  readonly versions: ReadonlyMap<Lease, number>;
}

/** The stored bindings read back at boot. */
export interface JournalContents {
  /** Undefined when the meta record is unreadable (then nothing else is read). */
  readonly everUsed: Uint8Array | undefined;
  readonly entries: BindingRecord[];
  readonly skipped: string[];
}

export class LeaseJournal {
  private readonly slots: (Lease | undefined)[] = [];
  private readonly freeSlots: number[] = [];
  private readonly dirtyShards = new Set<number>();
  private metaDirty = false;
  private flushing: { ticket: number; versions: Map<Lease, number> } | undefined;
  private nextTicket = 1;
  private shardCount = 0;

  /** The meta record must be written again (the ever-used block map changed). */
  metaChanged(): void {
    this.metaDirty = true;
  }

  /** A persisted fact of this lease changed: its shard is written with the next flush. */
  touched(lease: Lease): void {
    if (lease.slot >= 0) this.dirtyShards.add(shardOf(lease.slot));
  }

  /** Give a newly bound lease a slot (a freed one first). */
  assign(lease: Lease): void {
    let slot = this.freeSlots.pop();
    while (slot !== undefined && this.slots[slot] !== undefined) slot = this.freeSlots.pop();
    if (slot === undefined) slot = this.slots.length;
    this.slots[slot] = lease;
    lease.slot = slot;
    if (shardOf(slot) >= this.shardCount) this.metaDirty = true;
    this.dirtyShards.add(shardOf(slot));
  }

  /** The lease is forgotten: its slot is free and its shard is written without it. */
  release(lease: Lease): void {
    if (lease.slot < 0) return;
    this.slots[lease.slot] = undefined;
    this.freeSlots.push(lease.slot);
    this.dirtyShards.add(shardOf(lease.slot));
  }

  slotTaken(slot: number): boolean {
    return this.slots[slot] !== undefined;
  }

  /** Boot: a restored lease goes back to its stored slot; `rekeyed` when its shard must be rewritten. */
  place(lease: Lease, slot: number, rekeyed: boolean): void {
    lease.slot = slot;
    this.slots[slot] = lease;
    if (rekeyed) this.dirtyShards.add(shardOf(slot));
  }

  /** Boot: a stored binding that was dropped; its slot is rewritten empty. */
  drop(slot: number): void {
    if (!this.slots[slot]) this.freeSlots.push(slot);
    this.dirtyShards.add(shardOf(slot));
  }

  /** Start a flush when something is dirty and none is in flight: the 'persist' output to perform. */
  flush(blocks: PortBlockAllocator): (DhcpOutput & { kind: 'persist' }) | undefined {
    if (this.flushing || (this.dirtyShards.size === 0 && !this.metaDirty)) return undefined;
    const records: { key: string; bytes: Uint8Array }[] = [];
    const versions = new Map<Lease, number>();
    const shards = Array.from(this.dirtyShards).sort((a, b) => a - b);
    this.dirtyShards.clear();
    for (const shard of shards) {
      const entries: BindingRecord[] = [];
      for (let slot = shard * SHARD_SLOTS; slot < (shard + 1) * SHARD_SLOTS; slot++) {
        const lease = this.slots[slot];
        if (!lease) continue;
        const holding = blocks.holding(lease.key);
        entries.push({
          slot, key: lease.key, mac: lease.mac, ip: lease.ip, phoneClass: lease.phoneClass?.name,
          psidLength: holding?.state === 'offered' || !holding ? 0 : holding.block.psidLength,
          psid: holding?.state === 'offered' || !holding ? 0 : holding.block.psid,
          released: false,
        });
        versions.set(lease, lease.version);
      }
      records.push({ key: shardKey(shard), bytes: encodeShard(shard, entries) });
    }
    // The meta record carries the shard count and the ever-used block map, written when either
    // changed and always last. A cut before it loses only what this flush added, and no ACK for
    // that was sent yet (ACKs wait for the whole flush): the client retries and is served again.
    const needed = Math.ceil(this.slots.length / SHARD_SLOTS);
    if (needed > this.shardCount) this.metaDirty = true;
    if (this.metaDirty) {
      this.shardCount = Math.max(this.shardCount, needed);
      this.metaDirty = false;
      records.push({ key: META_KEY, bytes: encodeMeta(this.shardCount, blocks.everUsedBitmap()) });
    }
    const ticket = this.nextTicket++;
    this.flushing = { ticket, versions };
    return { kind: 'persist', ticket, records };
  }

  /**
   * The store answered flush `ticket`. Written: the leases' versions are durable. Failed: their
   * shards stay dirty for the next flush. Undefined for a ticket that is not the one in flight.
   */
  completed(ticket: number, ok: boolean): FlushDone | undefined {
    if (!this.flushing || this.flushing.ticket !== ticket) return undefined;
    const { versions } = this.flushing;
    this.flushing = undefined;
    if (ok) for (const [lease, version] of versions) lease.durableVersion = Math.max(lease.durableVersion, version);
    else for (const lease of versions.keys()) if (lease.slot >= 0) this.dirtyShards.add(shardOf(lease.slot));
    return { versions };
  }

  /** Boot: read the meta record and every shard it names. Undefined when nothing was ever stored. */
  load(read: (key: string) => Uint8Array | undefined): JournalContents | undefined {
    const metaBytes = read(META_KEY);
    if (!metaBytes) return undefined;
    const meta = decodeMeta(metaBytes);
    if (isRecordError(meta)) return { everUsed: undefined, entries: [], skipped: [`${META_KEY}: ${meta}`] };
    this.shardCount = meta.shardCount;
    const skipped: string[] = [];
    const entries: BindingRecord[] = [];
    for (let shard = 0; shard < meta.shardCount; shard++) {
      const bytes = read(shardKey(shard));
      if (!bytes) continue;
      const decoded = decodeShard(bytes);
      if (isRecordError(decoded) || decoded.shard !== shard) {
        skipped.push(`${shardKey(shard)}: ${isRecordError(decoded) ? decoded : 'wrong shard number'}`);
        continue;
      }
      entries.push(...decoded.entries);
    }
    return { everUsed: meta.everUsed, entries, skipped };
  }
}
