// The public port space cut into per-phone blocks (RFC 7597 arithmetic, offset 0): a block of PSID
// length k is the 2^(16-k) ports [psid * size, psid * size + size - 1]. Blocks of different sizes
// share the space by buddy allocation over a counting tree; each owner keeps its block (persistent),
// an ended block is quarantined (RFC 6888 REQ-8) and reused only when no never-used block is left.
import type { PortRange } from './config';
import type { PortBlock } from './types';

/** Bookkeeping unit: 16 ports. The smallest block (k = 12) is one unit, the tree's leaf. */
const UNIT_BITS = 4;
const UNITS = 1 << (16 - UNIT_BITS); // 4096
const TREE_DEPTH = 16 - UNIT_BITS; // 12: depth of a node = PSID length of a block that size

const EXCLUDED = 1; // ports 0-1023 or configured reserved ports
const EVER_USED = 2; // was part of a block that was bound at least once
const HELD = 4; // part of a block some owner holds (offered, active or dormant)

export type HoldingState = 'offered' | 'active' | 'dormant';

export interface Holding {
  readonly owner: string;
  readonly block: PortBlock;
  state: HoldingState;
  /** When the owner's lease ended (dormant), for the quarantine. */
  endedAt: number;
}

export function portBlock(psidLength: number, psid: number): PortBlock {
  const size = 2 ** (16 - psidLength);
  return { first: psid * size, last: psid * size + size - 1, psidLength, psid };
}

function unitsOf(block: PortBlock): [number, number] {
  return [block.first >>> UNIT_BITS, (block.last >>> UNIT_BITS) + 1];
}

/** Best fit in a counting tree (index 1 = root; depth d holds 2^d nodes): a free node of depth k. */
function bestFit(tree: Uint16Array, psidLength: number): number | undefined {
  // Prefer a free block whose buddy is (partly) taken, then split the smallest free region above it,
  // so large aligned regions stay whole for classes with bigger blocks.
  for (let depth = psidLength; depth >= 0; depth--) {
    const start = 1 << depth;
    for (let node = start; node < start << 1; node++) {
      if (tree[node] === 0 && (depth === 0 || tree[node >> 1] > 0)) {
        return (node - start) << (psidLength - depth);
      }
    }
  }
  return undefined;
}

export interface AcquireResult {
  readonly holding: Holding;
  /** Owners whose dormant (quarantine-expired) block was taken to satisfy this request. */
  readonly evicted: readonly string[];
}

export class PortBlockAllocator {
  private readonly unitFlags = new Uint8Array(UNITS);
  /** Units that are EXCLUDED, EVER_USED or HELD, counted per tree node (pass 1: never-used only). */
  private readonly neverUsedTree = new Uint16Array(UNITS * 2);
  private readonly unitOwner: (Holding | undefined)[] = new Array(UNITS).fill(undefined);
  /** Per unit: when the last block covering it ended; quarantine runs from here. */
  private readonly unitEndedAt = new Float64Array(UNITS).fill(-Infinity);
  private readonly holdings = new Map<string, Holding>();

  constructor(reservedPorts: readonly PortRange[], private readonly quarantineMs: number) {
    // Ports 0-1023 are never assigned (RFC 7618 §... "well-known ports MUST NOT be assigned").
    this.excludeRange(0, 1023);
    for (const range of reservedPorts) this.excludeRange(range.first, range.last);
  }

  private excludeRange(first: number, last: number): void {
    for (let unit = first >>> UNIT_BITS; unit <= last >>> UNIT_BITS && unit < UNITS; unit++) this.setFlag(unit, EXCLUDED);
  }

  private setFlag(unit: number, flag: number): void {
    const before = this.unitFlags[unit];
    const after = before | flag;
    this.unitFlags[unit] = after;
    if (before === 0 && after !== 0) this.adjustTree(unit, 1);
  }

  private clearFlag(unit: number, flag: number): void {
    const before = this.unitFlags[unit];
    const after = before & ~flag;
    this.unitFlags[unit] = after;
    if (before !== 0 && after === 0) this.adjustTree(unit, -1);
  }

  private adjustTree(unit: number, delta: number): void {
    for (let node = UNITS + unit; node >= 1; node >>= 1) this.neverUsedTree[node] += delta;
  }

  holding(owner: string): Holding | undefined {
    return this.holdings.get(owner);
  }

  /** The holding whose block contains `port`, if any (O(1)). */
  holderOfPort(port: number): Holding | undefined {
    if (!Number.isInteger(port) || port < 0 || port > 65535) return undefined;
    return this.unitOwner[port >>> UNIT_BITS];
  }

  holdingsList(): IterableIterator<Holding> {
    return this.holdings.values();
  }

  /** Whether a port lies in a block that can never be given out (0-1023 or reserved). */
  isReserved(port: number): boolean {
    return (this.unitFlags[port >>> UNIT_BITS] & EXCLUDED) !== 0;
  }

  /**
   * The owner's block (kept from before when its size still fits), or a new one: a never-used
   * block if any is left, else one whose quarantine has passed (its dormant owner loses it).
   * Undefined when every block of that size is taken, reserved or in quarantine.
   */
  acquire(owner: string, psidLength: number, now: number): AcquireResult | undefined {
    const existing = this.holdings.get(owner);
    if (existing && existing.block.psidLength === psidLength) return { holding: existing, evicted: [] };
    if (existing) this.end(owner, now, true);
    let psid = bestFit(this.neverUsedTree, psidLength);
    const evicted: string[] = [];
    if (psid === undefined) {
      psid = bestFit(this.reuseTree(now), psidLength);
      if (psid === undefined) return undefined;
      const [from, to] = unitsOf(portBlock(psidLength, psid));
      for (let unit = from; unit < to; unit++) {
        const previous = this.unitOwner[unit];
        if (previous && !evicted.includes(previous.owner)) {
          evicted.push(previous.owner);
          this.release(previous, now);
        }
      }
    }
    const holding: Holding = { owner, block: portBlock(psidLength, psid), state: 'offered', endedAt: 0 };
    this.hold(holding);
    return { holding, evicted };
  }

  /** A tree in which a unit is busy when excluded, held by a live owner, or still in quarantine. */
  private reuseTree(now: number): Uint16Array {
    const tree = new Uint16Array(UNITS * 2);
    for (let unit = 0; unit < UNITS; unit++) {
      const flags = this.unitFlags[unit];
      const holder = this.unitOwner[unit];
      const busy =
        (flags & EXCLUDED) !== 0 ||
        (holder !== undefined && holder.state !== 'dormant') ||
        now < this.unitEndedAt[unit] + this.quarantineMs;
      if (busy) for (let node = UNITS + unit; node >= 1; node >>= 1) tree[node]++;
    }
    return tree;
  }

  private hold(holding: Holding): void {
    this.holdings.set(holding.owner, holding);
    const [from, to] = unitsOf(holding.block);
    for (let unit = from; unit < to; unit++) {
      this.unitOwner[unit] = holding;
      this.setFlag(unit, HELD);
      if (holding.state !== 'offered') this.setFlag(unit, EVER_USED);
    }
  }

  private release(holding: Holding, now: number): void {
    this.holdings.delete(holding.owner);
    const [from, to] = unitsOf(holding.block);
    const used = holding.state !== 'offered';
    for (let unit = from; unit < to; unit++) {
      if (this.unitOwner[unit] === holding) this.unitOwner[unit] = undefined;
      this.clearFlag(unit, HELD);
      if (used) this.unitEndedAt[unit] = Math.max(this.unitEndedAt[unit], holding.state === 'dormant' ? holding.endedAt : now);
    }
  }

  /** The owner's lease is bound: the block counts as used from now on. True when that is news. */
  activate(owner: string): boolean {
    const holding = this.holdings.get(owner);
    if (!holding) return false;
    holding.state = 'active';
    const [from, to] = unitsOf(holding.block);
    let fresh = false;
    for (let unit = from; unit < to; unit++) {
      if (!(this.unitFlags[unit] & EVER_USED)) fresh = true;
      this.setFlag(unit, EVER_USED);
    }
    return fresh;
  }

  /**
   * The owner's lease ended (expired, released, or the offer lapsed). A block that was never bound
   * goes straight back to the free space; a bound one stays the owner's (dormant) and its
   * quarantine starts. `forget` gives it up entirely (quarantine still applies to others).
   */
  end(owner: string, now: number, forget = false): void {
    const holding = this.holdings.get(owner);
    if (!holding) return;
    if (holding.state === 'offered' || forget) {
      if (holding.state === 'active') {
        holding.state = 'dormant';
        holding.endedAt = now;
      }
      this.release(holding, now);
      return;
    }
    if (holding.state === 'active') {
      holding.state = 'dormant';
      holding.endedAt = now;
      const [from, to] = unitsOf(holding.block);
      for (let unit = from; unit < to; unit++) this.unitEndedAt[unit] = Math.max(this.unitEndedAt[unit], now);
    }
  }

  /**
   * Re-establish a persisted ownership after a reboot, as dormant with its quarantine starting at
   * `now` (the downtime is unknown, so the safe assumption is that the lease only just ended).
   * False when the block overlaps reserved ports or another restored block (corrupt or reconfigured).
   */
  restore(owner: string, block: PortBlock, now: number, active: boolean): boolean {
    const [from, to] = unitsOf(block);
    for (let unit = from; unit < to; unit++) {
      if (this.unitFlags[unit] & (EXCLUDED | HELD)) return false;
    }
    const holding: Holding = { owner, block, state: active ? 'active' : 'dormant', endedAt: now };
    this.hold(holding);
    for (let unit = from; unit < to; unit++) this.unitEndedAt[unit] = Math.max(this.unitEndedAt[unit], now);
    return true;
  }

  /** Mark units ever used (restored from the persisted bitmap). */
  markEverUsed(bitmap: Uint8Array): void {
    for (let unit = 0; unit < UNITS && unit >>> 3 < bitmap.length; unit++) {
      if (bitmap[unit >>> 3] & (1 << (unit & 7))) this.setFlag(unit, EVER_USED);
    }
  }

  /** The ever-used units as a 512-byte bitmap, for persistence. */
  everUsedBitmap(): Uint8Array {
    const bitmap = new Uint8Array(UNITS / 8);
    for (let unit = 0; unit < UNITS; unit++) if (this.unitFlags[unit] & EVER_USED) bitmap[unit >>> 3] |= 1 << (unit & 7);
    return bitmap;
  }

  /** How many never-used blocks of this size are left (for status and tests). */
  neverUsedBlocks(psidLength: number): number {
    let count = 0;
    const start = 1 << psidLength;
    // A node of depth k is wholly free when its count is 0.
    for (let node = start; node < start << 1; node++) if (this.neverUsedTree[node] === 0) count++;
    return count;
  }
}

export const PORT_UNIT_BITS = UNIT_BITS;
export const PORT_TREE_DEPTH = TREE_DEPTH;
