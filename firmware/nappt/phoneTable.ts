// Who owns which public port: a 65536-entry port -> phone-slot table plus per-slot lease facts and
// counters, kept current from the DHCP server's lease events. Lookups on the hot path are one
// typed-array read; nothing here allocates per packet.
import type { LeaseInfo } from '../dhcp/types';
import { U32Map, U32_MISSING } from './u32Map';

export const NO_PHONE = -1;

/** The low 32 bits of a MAC: the key of the MAC index (the full MAC is compared after). */
function macLow(bytes: Uint8Array, offset: number): number {
  return ((bytes[offset + 2] << 24) | (bytes[offset + 3] << 16) | (bytes[offset + 4] << 8) | bytes[offset + 5]) >>> 0;
}

export interface BlockReport {
  readonly mac: Uint8Array;
  readonly ip: number;
  readonly phoneClass: string | undefined;
  readonly first: number;
  readonly last: number;
  readonly expiresAt: number;
  readonly packetsOut: number;
  readonly bytesOut: number;
  readonly packetsIn: number;
  readonly bytesIn: number;
}

export class PhoneTable {
  /** Public port -> slot, or NO_PHONE. */
  readonly portOwner = new Int16Array(65536).fill(NO_PHONE);
  /** int32 form (see readAddress). */
  readonly ip: Int32Array;
  /** 6 bytes per slot. */
  readonly mac: Uint8Array;
  readonly expiresAt: Float64Array;
  readonly first: Uint16Array;
  readonly last: Uint16Array;
  readonly packetsOut: Float64Array;
  readonly bytesOut: Float64Array;
  readonly packetsIn: Float64Array;
  readonly bytesIn: Float64Array;
  private readonly leases: (LeaseInfo | undefined)[];
  private readonly freeSlots: number[] = [];
  private readonly slotByIp: U32Map;
  private readonly slotByMac: U32Map;
  /** Blocks that overlapped another live block when bound (the DHCP server should prevent it). */
  conflicts = 0;

  constructor(readonly capacity: number) {
    this.ip = new Int32Array(capacity);
    this.mac = new Uint8Array(capacity * 6);
    this.expiresAt = new Float64Array(capacity);
    this.first = new Uint16Array(capacity);
    this.last = new Uint16Array(capacity);
    this.packetsOut = new Float64Array(capacity);
    this.bytesOut = new Float64Array(capacity);
    this.packetsIn = new Float64Array(capacity);
    this.bytesIn = new Float64Array(capacity);
    this.slotByIp = new U32Map(capacity);
    this.slotByMac = new U32Map(capacity);
    this.leases = new Array<LeaseInfo | undefined>(capacity).fill(undefined);
    for (let slot = capacity - 1; slot >= 0; slot--) this.freeSlots.push(slot);
  }

  slotOfIp(ip: number): number {
    const slot = this.slotByIp.get(ip);
    return slot === U32_MISSING ? NO_PHONE : slot;
  }

  /** The phone whose lease MAC is bytes[offset, offset + 6), or NO_PHONE. */
  slotOfMac(bytes: Uint8Array, offset: number): number {
    const slot = this.slotByMac.get(macLow(bytes, offset));
    return slot !== U32_MISSING && this.macEquals(slot, bytes, offset) ? slot : NO_PHONE;
  }

  macEquals(slot: number, bytes: Uint8Array, offset: number): boolean {
    const base = slot * 6;
    for (let i = 0; i < 6; i++) if (this.mac[base + i] !== bytes[offset + i]) return false;
    return true;
  }

  lease(slot: number): LeaseInfo | undefined {
    return this.leases[slot];
  }

  /** Install or refresh a phone lease with a block. Returns the slot, or NO_PHONE when full. */
  bind(lease: LeaseInfo): number {
    const block = lease.block;
    if (block === undefined) {
      this.unbindIp(lease.ip);
      return NO_PHONE;
    }
    let slot = this.slotOfMac(lease.mac, 0);
    const address = lease.ip | 0;
    if (slot !== NO_PHONE && (this.ip[slot] !== address || this.first[slot] !== block.first || this.last[slot] !== block.last)) {
      this.unbindSlot(slot);
      slot = NO_PHONE;
    }
    const other = this.slotOfIp(lease.ip);
    if (other !== NO_PHONE && other !== slot) this.unbindSlot(other);
    if (slot === NO_PHONE) {
      const free = this.freeSlots.pop();
      if (free === undefined) return NO_PHONE;
      slot = free;
      this.ip[slot] = address;
      this.mac.set(lease.mac.subarray(0, 6), slot * 6);
      this.first[slot] = block.first;
      this.last[slot] = block.last;
      this.packetsOut[slot] = this.bytesOut[slot] = this.packetsIn[slot] = this.bytesIn[slot] = 0;
      this.slotByIp.set(lease.ip, slot);
      this.slotByMac.set(macLow(lease.mac, 0), slot);
      for (let port = block.first; port <= block.last; port++) {
        if (this.portOwner[port] !== NO_PHONE) this.conflicts++;
        this.portOwner[port] = slot;
      }
    }
    this.leases[slot] = lease;
    this.expiresAt[slot] = lease.expiresAt;
    return slot;
  }

  /** Forget the phone at `ip` (released or expired lease). Returns the freed slot or NO_PHONE. */
  unbindIp(ip: number): number {
    const slot = this.slotOfIp(ip);
    if (slot !== NO_PHONE) this.unbindSlot(slot);
    return slot;
  }

  private unbindSlot(slot: number): void {
    for (let port = this.first[slot]; port <= this.last[slot]; port++) {
      if (this.portOwner[port] === slot) this.portOwner[port] = NO_PHONE;
    }
    this.slotByIp.delete(this.ip[slot]);
    const low = macLow(this.mac, slot * 6);
    if (this.slotByMac.get(low) === slot) this.slotByMac.delete(low);
    this.leases[slot] = undefined;
    this.expiresAt[slot] = 0;
    this.freeSlots.push(slot);
  }

  /** Live phones with their blocks and counters, for `show nat blocks`. */
  report(): BlockReport[] {
    const out: BlockReport[] = [];
    for (let slot = 0; slot < this.capacity; slot++) {
      const lease = this.leases[slot];
      if (lease === undefined) continue;
      out.push({
        mac: lease.mac,
        ip: this.ip[slot] >>> 0,
        phoneClass: lease.phoneClass,
        first: this.first[slot],
        last: this.last[slot],
        expiresAt: this.expiresAt[slot],
        packetsOut: this.packetsOut[slot],
        bytesOut: this.bytesOut[slot],
        packetsIn: this.packetsIn[slot],
        bytesIn: this.bytesIn[slot],
      });
    }
    out.sort((a, b) => a.first - b.first);
    return out;
  }
}
