// Per-erase-block bookkeeping: state, erase count, how far the log is written, live bytes, and reads
// in flight (a block is never erased under a reader). Also the allocation and wear-levelling choices.

export type BlockState =
  | 'free' // erased, no header yet
  | 'active' // the log head appends here
  | 'closed' // full (or from an earlier boot): read-only until collected
  | 'dirty' // holds nothing live but is not erased (torn erase, junk)
  | 'retiring' // NAND: a program failed; evacuate, then mark bad
  | 'bad';

export interface BlockInfo {
  state: BlockState;
  eraseCount: number;
  /** False when the count was lost (a cut between erase and first use); estimated then. */
  eraseKnown: boolean;
  /** Bytes used by the log from the block start (header included). */
  written: number;
  /** Bytes of live records. */
  live: number;
  /** Reads in flight. */
  pins: number;
}

export class BlockTable {
  readonly blocks: BlockInfo[];
  private drainWaiters = new Map<number, Array<() => void>>();

  constructor(count: number) {
    this.blocks = [];
    for (let i = 0; i < count; i++) {
      this.blocks.push({ state: 'free', eraseCount: 0, eraseKnown: true, written: 0, live: 0, pins: 0 });
    }
  }

  get count(): number {
    return this.blocks.length;
  }

  countIn(state: BlockState): number {
    let n = 0;
    for (const b of this.blocks) if (b.state === state) n++;
    return n;
  }

  good(): number {
    return this.blocks.length - this.countIn('bad');
  }

  totalLive(): number {
    let n = 0;
    for (const b of this.blocks) n += b.live;
    return n;
  }

  /** The free block with the lowest erase count: fresh blocks go to the least worn. */
  pickFree(): number | undefined {
    let best: number | undefined;
    for (let i = 0; i < this.blocks.length; i++) {
      const b = this.blocks[i];
      if (b.state === 'free' && (best === undefined || b.eraseCount < this.blocks[best].eraseCount)) best = i;
    }
    return best;
  }

  /** Greedy victim: the closed block with the most reclaimable bytes (ties: least worn). */
  pickVictim(minDead: number, blockSize: number): number | undefined {
    let best: number | undefined;
    let bestDead = minDead - 1;
    for (let i = 0; i < this.blocks.length; i++) {
      const b = this.blocks[i];
      if (b.state === 'retiring') return i; // evacuating a failing block comes first
      if (b.state !== 'closed') continue;
      const dead = blockSize - b.live;
      if (dead > bestDead || (dead === bestDead && best !== undefined && b.eraseCount < this.blocks[best].eraseCount)) {
        best = i;
        bestDead = dead;
      }
    }
    return best;
  }

  /**
   * Static wear levelling: when the most-worn good block is `threshold` erases ahead of the least-worn
   * closed block, that cold block is moved so its little-worn erase block rejoins the free pool.
   */
  pickCold(threshold: number): number | undefined {
    let max = 0;
    let cold: number | undefined;
    for (let i = 0; i < this.blocks.length; i++) {
      const b = this.blocks[i];
      if (b.state === 'bad') continue;
      if (b.eraseCount > max) max = b.eraseCount;
      if (b.state === 'closed' && (cold === undefined || b.eraseCount < this.blocks[cold].eraseCount)) cold = i;
    }
    if (cold === undefined) return undefined;
    return max - this.blocks[cold].eraseCount >= threshold ? cold : undefined;
  }

  pin(block: number): void {
    this.blocks[block].pins++;
  }

  unpin(block: number): void {
    const b = this.blocks[block];
    b.pins--;
    if (b.pins === 0) {
      const waiters = this.drainWaiters.get(block);
      if (waiters) {
        this.drainWaiters.delete(block);
        for (const w of waiters) w();
      }
    }
  }

  /** Resolves once no read is in flight on `block`. */
  drained(block: number): Promise<void> {
    if (this.blocks[block].pins === 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const list = this.drainWaiters.get(block) ?? [];
      list.push(resolve);
      this.drainWaiters.set(block, list);
    });
  }

  /** Erase counts lost to a cut are estimated as the mean of the known ones. */
  estimateUnknownEraseCounts(): void {
    let sum = 0;
    let known = 0;
    for (const b of this.blocks) if (b.eraseKnown && b.state !== 'bad') (sum += b.eraseCount), known++;
    const mean = known > 0 ? Math.round(sum / known) : 0;
    for (const b of this.blocks) if (!b.eraseKnown) b.eraseCount = mean;
  }
}
