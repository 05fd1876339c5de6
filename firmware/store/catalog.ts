// The store's RAM index: one entry per name (item or keyed record) and, per live version, where its
// data records are. Locations are kept as runs (consecutive records in one block), so the index grows
// with the number of items and erase blocks, never with image sizes chunk by chunk.
import { CHUNK_SIZE, DATA_STRIDE, Namespace, RECORD_HEADER_SIZE } from './format';

/** Where one record lives on flash. */
export interface Loc {
  readonly block: number;
  readonly offset: number; // from the start of the block
  readonly length: number; // header + payload
}

/** `count` data records for chunks first..first+count-1, back to back from `offset` in `block`. */
export interface Run {
  block: number;
  offset: number;
  first: number;
  count: number;
}

export class Version {
  /** Sum of current + open readers + open writer; at 0 the data records are dead. */
  refs = 1;
  released = false;
  runs: Run[] = [];
  /** Set at commit (or at mount). */
  commitSeq = 0;
  sha256: Uint8Array = new Uint8Array(32);
  committedAt = 0;

  constructor(
    readonly id: number,
    readonly space: Namespace,
    readonly name: string,
    public size: number,
  ) {}

  get chunkCount(): number {
    return Math.ceil(this.size / CHUNK_SIZE);
  }

  /** Bytes on flash of the data record holding chunk `index`. */
  recordLength(index: number): number {
    return RECORD_HEADER_SIZE + Math.min(CHUNK_SIZE, this.size - index * CHUNK_SIZE);
  }

  /** Chunk `index`'s record and how many chunks from it on (1 to `max`) lie back to back after it. */
  locateRun(index: number, max: number): { readonly loc: Loc; readonly count: number } | undefined {
    const run = this.runOf(index);
    if (!run) return undefined;
    return { loc: this.locIn(run, index), count: Math.max(1, Math.min(max, run.first + run.count - index)) };
  }

  locate(index: number): Loc | undefined {
    const run = this.runOf(index);
    return run && this.locIn(run, index);
  }

  private locIn(run: Run, index: number): Loc {
    return { block: run.block, offset: run.offset + (index - run.first) * DATA_STRIDE, length: this.recordLength(index) };
  }

  /** The run holding chunk `index` (binary search: runs are sorted by first chunk). */
  private runOf(index: number): Run | undefined {
    const runs = this.runs;
    let lo = 0;
    let hi = runs.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const run = runs[mid];
      if (index < run.first) hi = mid - 1;
      else if (index >= run.first + run.count) lo = mid + 1;
      else return run;
    }
    return undefined;
  }

  /** Records (or moves) chunk `index` to `block`/`offset`, keeping runs sorted and merged. */
  place(index: number, block: number, offset: number): void {
    this.unplace(index);
    const runs = this.runs;
    let at = 0;
    while (at < runs.length && runs[at].first < index) at++;
    const prev = runs[at - 1];
    const next = runs[at];
    const joinsPrev = prev && prev.block === block && prev.first + prev.count === index && prev.offset + prev.count * DATA_STRIDE === offset;
    const joinsNext = next && next.block === block && next.first === index + 1 && next.offset === offset + DATA_STRIDE;
    if (joinsPrev && joinsNext) {
      prev.count += 1 + next.count;
      runs.splice(at, 1);
    } else if (joinsPrev) {
      prev.count++;
    } else if (joinsNext) {
      next.first--;
      next.offset -= DATA_STRIDE;
      next.count++;
    } else {
      runs.splice(at, 0, { block, offset, first: index, count: 1 });
    }
  }

  private unplace(index: number): void {
    const runs = this.runs;
    const i = runs.findIndex((r) => index >= r.first && index < r.first + r.count);
    if (i < 0) return;
    const run = runs[i];
    const k = index - run.first;
    const tail: Run = { block: run.block, offset: run.offset + (k + 1) * DATA_STRIDE, first: index + 1, count: run.count - k - 1 };
    run.count = k;
    const replacement = [run, tail].filter((r) => r.count > 0);
    runs.splice(i, 1, ...replacement);
  }

  /** Every placed chunk, run by run: (block, bytes on flash) pairs for live-byte accounting. */
  forEachRunBytes(visit: (block: number, bytes: number) => void): void {
    for (const run of this.runs) {
      let bytes = run.count * DATA_STRIDE;
      const last = run.first + run.count - 1;
      bytes -= DATA_STRIDE - this.recordLength(last);
      visit(run.block, bytes);
    }
  }

  placedChunks(): number {
    let n = 0;
    for (const run of this.runs) n += run.count;
    return n;
  }
}

export type LatestKind = 'commit' | 'damaged' | 'tombstone';

/** Everything the store knows about one name. */
export interface Entry {
  readonly space: Namespace;
  readonly name: string;
  /** The version served to readers (committed and intact). */
  current?: Version;
  /** The highest commit/tombstone sequence number on flash for this name, and what it is. */
  latestSeq: number;
  latestKind: LatestKind;
  /** The authoritative copy of the latest commit/tombstone record. */
  latestLoc?: Loc;
  /** Physical copies of the latest commit on flash (an interrupted GC move leaves two). */
  latestCopies: number;
  /** Commit records on flash with a sequence below latestSeq: a tombstone must outlive them. */
  staleCommits: number;
  /** The open writer's version, if any (one writer per name). */
  writing?: Version;
  damage?: string;
}

export function entryKey(space: Namespace, name: string): string {
  return `${space}:${name}`;
}
