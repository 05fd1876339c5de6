// Shallow virtual reassembly for inbound fragments (VPP ip4-sv-reassembly style, bounded): the first
// fragment names the inside host for its (source, id, protocol); later fragments follow it. Fragments
// that arrive before their first are held briefly in a fixed buffer, then forwarded or dropped.

/** lookup() found no first fragment. */
export const NO_ENTRY = -1;
/** Largest IPv4 packet a hold slot keeps (a full Ethernet payload), placed after a 14-byte header. */
export const HOLD_FRAME_BYTES = 14 + 1500;

export class FragmentMemory {
  private readonly source: Int32Array;
  private readonly id: Uint16Array;
  private readonly protocol: Uint8Array;
  private readonly target: Int32Array;
  private readonly expiresAt: Float64Array;
  private readonly holdFrames: Uint8Array;
  private readonly holdLength: Int32Array;
  private readonly holdSource: Int32Array;
  private readonly holdId: Uint16Array;
  private readonly holdProtocol: Uint8Array;
  private readonly holdUntil: Float64Array;
  held = 0;

  constructor(
    readonly capacity: number,
    readonly holdSlots: number,
  ) {
    this.source = new Int32Array(capacity);
    this.id = new Uint16Array(capacity);
    this.protocol = new Uint8Array(capacity);
    this.target = new Int32Array(capacity);
    this.expiresAt = new Float64Array(capacity);
    this.holdFrames = new Uint8Array(holdSlots * HOLD_FRAME_BYTES);
    this.holdLength = new Int32Array(holdSlots);
    this.holdSource = new Int32Array(holdSlots);
    this.holdId = new Uint16Array(holdSlots);
    this.holdProtocol = new Uint8Array(holdSlots);
    this.holdUntil = new Float64Array(holdSlots);
  }

  /** Remember that fragments of (source, id, protocol) go to `target` until now + timeoutMs. */
  remember(anySource: number, id: number, protocol: number, target: number, now: number, timeoutMs: number): void {
    const source = anySource | 0;
    let victim = 0;
    let oldest = Infinity;
    for (let i = 0; i < this.capacity; i++) {
      if (this.expiresAt[i] > now && this.source[i] === source && this.id[i] === id && this.protocol[i] === protocol) {
        victim = i;
        break;
      }
      // Reuse an expired entry first, else the one closest to expiry.
      if (this.expiresAt[i] < oldest) {
        oldest = this.expiresAt[i];
        victim = i;
      }
    }
    this.source[victim] = source;
    this.id[victim] = id;
    this.protocol[victim] = protocol;
    this.target[victim] = target | 0;
    this.expiresAt[victim] = now + timeoutMs;
  }

  /** The entry remembering (source, id, protocol), or NO_ENTRY; targetOf() gives its inside host. */
  lookup(anySource: number, id: number, protocol: number, now: number): number {
    const source = anySource | 0;
    for (let i = 0; i < this.capacity; i++) {
      if (this.expiresAt[i] > now && this.source[i] === source && this.id[i] === id && this.protocol[i] === protocol) return i;
    }
    return NO_ENTRY;
  }

  /** The inside host (int32 form) of entry `index`. */
  targetOf(index: number): number {
    return this.target[index];
  }

  /** Forget every entry that leads to `target` (its lease ended), or everything. Returns held fragments dropped. */
  forget(target: number | undefined): number {
    for (let i = 0; i < this.capacity; i++) if (target === undefined || this.target[i] === (target | 0)) this.expiresAt[i] = 0;
    if (target !== undefined) return 0;
    const dropped = this.held;
    this.holdLength.fill(0);
    this.held = 0;
    return dropped;
  }

  /** Copy an early fragment (IP packet bytes) into a hold slot. False when no slot is free or it is too big. */
  hold(frame: Uint8Array, ip: number, length: number, anySource: number, id: number, protocol: number, until: number): boolean {
    const source = anySource | 0;
    if (length + 14 > HOLD_FRAME_BYTES) return false;
    for (let slot = 0; slot < this.holdSlots; slot++) {
      if (this.holdLength[slot] !== 0) continue;
      const base = slot * HOLD_FRAME_BYTES;
      this.holdFrames.set(frame.subarray(ip - 14, ip + length), base);
      this.holdLength[slot] = 14 + length;
      this.holdSource[slot] = source;
      this.holdId[slot] = id;
      this.holdProtocol[slot] = protocol;
      this.holdUntil[slot] = until;
      this.held++;
      return true;
    }
    return false;
  }

  /** The next held slot waiting for (source, id, protocol), or -1. */
  heldFor(anySource: number, id: number, protocol: number): number {
    const source = anySource | 0;
    for (let slot = 0; slot < this.holdSlots; slot++) {
      if (this.holdLength[slot] !== 0 && this.holdSource[slot] === source && this.holdId[slot] === id && this.holdProtocol[slot] === protocol) return slot;
    }
    return -1;
  }

  /** The held frame (Ethernet header space + IP packet) of `slot`. */
  heldFrame(slot: number): Uint8Array {
    const base = slot * HOLD_FRAME_BYTES;
    return this.holdFrames.subarray(base, base + this.holdLength[slot]);
  }

  release(slot: number): void {
    if (this.holdLength[slot] === 0) return;
    this.holdLength[slot] = 0;
    this.held--;
  }

  /** Drop held fragments whose time is up; returns how many. */
  expireHeld(now: number): number {
    let dropped = 0;
    for (let slot = 0; slot < this.holdSlots; slot++) {
      if (this.holdLength[slot] !== 0 && this.holdUntil[slot] <= now) {
        this.release(slot);
        dropped++;
      }
    }
    return dropped;
  }

  /** When the next held fragment times out (Infinity when none is held). */
  nextHoldDeadline(): number {
    let next = Infinity;
    for (let slot = 0; slot < this.holdSlots; slot++) if (this.holdLength[slot] !== 0 && this.holdUntil[slot] < next) next = this.holdUntil[slot];
    return next;
  }
}
