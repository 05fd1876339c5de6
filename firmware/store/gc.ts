// Garbage collection and wear levelling, one flash operation per step: pick a victim block, read it,
// copy its live records to the log head one by one, make the copies durable, wait for readers to leave
// the block, erase it. Victims: a failing NAND block first, then (in the background) a cold block when
// erase counts drift apart, else the block with the most reclaimable bytes.
import { SysError } from '../../hal/hal';
import type { Loc } from './catalog';
import { entryKey } from './catalog';
import { BLOCK_HEADER_SIZE, RECORD_HEADER_SIZE, RecordType, parseCommitPayload, parseTombstonePayload } from './format';
import type { RecordHeader } from './format';
import type { Flash } from '../../hal/hal';
import type { BlockTable } from './blocks';
import type { Entry, Version } from './catalog';
import type { Lane } from './lane';
import type { LogHead } from './log';
import { walkRecords } from './walk';

/** The parts of the store the collector works on (the FlashStore, which owns the collector). */
export interface CollectedStore {
  readonly flash: Flash;
  readonly lane: Lane;
  readonly head: LogHead;
  readonly table: BlockTable;
  readonly entries: Map<string, Entry>;
  readonly versions: Map<number, Version>;
  readonly reserve: number;
  readonly wearThreshold: number;
  readonly lowWater: number;
  readonly pageSize: number;
}

interface VictimRecord {
  readonly header: RecordHeader;
  readonly at: number;
  /** Name key of a commit or tombstone record. */
  readonly key?: string;
}

interface Job {
  readonly victim: number;
  readonly image: Uint8Array;
  readonly records: VictimRecord[];
  next: number;
  readonly wear: boolean;
  /** Sequence numbers of the commit records in the victim, by name key. */
  readonly commits: Map<string, number[]>;
  /** Copies appended but not yet on flash (NAND page buffer). */
  undurable: number;
}

export class Collector {
  erases = 0;
  copiedBytes = 0;
  wearMoves = 0;
  failures = 0;
  running = false;
  private job: Job | undefined;
  private waiters: Array<() => void> = [];

  constructor(private readonly store: CollectedStore) {}

  /** Background work worth doing now. */
  wanted(): boolean {
    const store = this.store;
    const table = store.table;
    if (this.job) return true;
    if (table.countIn('dirty') > 0 || table.countIn('retiring') > 0) return true;
    const free = table.countIn('free');
    if (free < store.lowWater && table.pickVictim(this.backgroundMinDead(), store.flash.blockSize) !== undefined) return true;
    return free > store.reserve && table.pickCold(store.wearThreshold) !== undefined;
  }

  /** Starts the background loop if there is work; each step takes the lane at background priority. */
  kick(): void {
    if (this.running || !this.wanted()) return;
    this.running = true;
    void this.loop();
  }

  finished(): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  /** Foreground ran out of free blocks (lane held): collect until one beyond the reserve is free. */
  async makeRoom(): Promise<boolean> {
    const table = this.store.table;
    const limit = 4 * table.count * (Math.ceil(this.store.flash.blockSize / RECORD_HEADER_SIZE) + 2);
    for (let i = 0; i < limit; i++) {
      if (table.countIn('free') > this.store.reserve) return true;
      if (!(await this.step(true))) break;
    }
    return table.countIn('free') > this.store.reserve;
  }

  private async loop(): Promise<void> {
    const lane = this.store.lane;
    try {
      while (this.wanted()) {
        await lane.acquire('background');
        let progressed = false;
        try {
          progressed = await this.step(false);
        } finally {
          lane.release();
        }
        if (!progressed) break;
      }
    } finally {
      this.running = false;
      const waiters = this.waiters;
      this.waiters = [];
      for (const w of waiters) w();
    }
  }

  private backgroundMinDead(): number {
    return Math.floor(this.store.flash.blockSize / 4);
  }

  /** One unit of work, at most one flash operation (the lane is held). False: nothing to do. */
  async step(urgent: boolean): Promise<boolean> {
    const table = this.store.table;
    const dirty = table.blocks.findIndex((b) => b.state === 'dirty');
    if (dirty >= 0) {
      await this.erase(dirty);
      return true;
    }
    if (!this.job) {
      const chosen = this.choose(urgent);
      if (!chosen) return false;
      return this.load(chosen.victim, chosen.wear);
    }
    const job = this.job;
    while (job.next < job.records.length) {
      const record = job.records[job.next++];
      if (!this.isLive(job, record)) continue;
      const copied = await this.copy(job, record);
      if (copied !== SysError.OK) {
        this.failures += copied === SysError.NO_SPACE ? 0 : 1;
        this.job = undefined; // the victim stays closed and intact; try again later
        return false;
      }
      return true;
    }
    return this.finish(job);
  }

  private choose(urgent: boolean): { victim: number; wear: boolean } | undefined {
    const store = this.store;
    const table = store.table;
    if (!urgent && table.countIn('free') > store.reserve) {
      const cold = table.pickCold(store.wearThreshold);
      if (cold !== undefined) return { victim: cold, wear: true };
    }
    const victim = table.pickVictim(urgent ? 1 : this.backgroundMinDead(), store.flash.blockSize);
    return victim === undefined ? undefined : { victim, wear: false };
  }

  private async load(victim: number, wear: boolean): Promise<boolean> {
    const store = this.store;
    const flash = store.flash;
    const image = new Uint8Array(flash.blockSize);
    const read = await flash.read(victim * flash.blockSize, image);
    if (read !== SysError.OK) {
      // Cannot evacuate what cannot be read: leave the block out of service for this session.
      this.failures++;
      store.table.blocks[victim].state = 'bad';
      return true;
    }
    const records: VictimRecord[] = [];
    const commits = new Map<string, number[]>();
    walkRecords(image, BLOCK_HEADER_SIZE, store.pageSize, (header, at, payloadOk) => {
      // Data records are copied as they are (a rotten one stays detectably rotten); metadata is parsed.
      if (header.type !== RecordType.DATA && !payloadOk()) return;
      const payloadAt = at + RECORD_HEADER_SIZE;
      let key: string | undefined;
      if (header.type === RecordType.COMMIT) {
        const info = parseCommitPayload(image, payloadAt, header.length);
        if (typeof info === 'string') return;
        key = entryKey(header.space, info.name);
        const seqs = commits.get(key) ?? [];
        seqs.push(header.seq);
        commits.set(key, seqs);
      } else if (header.type === RecordType.TOMBSTONE) {
        const parsed = parseTombstonePayload(image, payloadAt, header.length);
        if (typeof parsed === 'string') return;
        key = entryKey(header.space, parsed.name);
      }
      records.push({ header, at, key });
    });
    this.job = { victim, image, records, next: 0, wear, commits, undurable: 0 };
    return true;
  }

  private isLive(job: Job, record: VictimRecord): boolean {
    const store = this.store;
    const { header, at } = record;
    const here = (loc: Loc | undefined): boolean => loc !== undefined && loc.block === job.victim && loc.offset === at;
    if (header.type === RecordType.DATA) {
      const version = store.versions.get(header.seq);
      return version !== undefined && !version.released && here(version.locate(header.aux));
    }
    const entry = record.key === undefined ? undefined : store.entries.get(record.key);
    if (!entry || entry.latestSeq !== header.seq || !here(entry.latestLoc)) return false;
    if (header.type === RecordType.COMMIT) return entry.latestKind !== 'tombstone';
    // A tombstone lives while older commits of its name survive outside this victim.
    const olderHere = (job.commits.get(record.key as string) ?? []).filter((seq) => seq < entry.latestSeq).length;
    return entry.latestKind === 'tombstone' && entry.staleCommits - olderHere > 0;
  }

  private async copy(job: Job, record: VictimRecord): Promise<SysError> {
    const store = this.store;
    const table = store.table;
    const { header, at } = record;
    const length = RECORD_HEADER_SIZE + header.length;
    const bytes = job.image.slice(at, at + length);
    job.undurable++;
    const result = await store.head.append(
      bytes,
      (loc) => {
        job.undurable--;
        const from: Loc = { block: job.victim, offset: at, length };
        const here = (l: Loc | undefined): boolean => l !== undefined && l.block === from.block && l.offset === from.offset;
        if (header.type === RecordType.DATA) {
          const version = store.versions.get(header.seq);
          if (!version || version.released || !here(version.locate(header.aux))) return; // died meanwhile
          version.place(header.aux, loc.block, loc.offset);
        } else {
          const entry = record.key === undefined ? undefined : store.entries.get(record.key);
          if (!entry || entry.latestSeq !== header.seq || !here(entry.latestLoc)) return;
          entry.latestLoc = loc;
          if (header.type === RecordType.COMMIT) entry.latestCopies++;
        }
        table.blocks[from.block].live -= length;
        table.blocks[loc.block].live += length;
      },
      true,
    );
    if (result === SysError.OK) this.copiedBytes += length;
    return result;
  }

  private async finish(job: Job): Promise<boolean> {
    const store = this.store;
    if (job.undurable > 0 && store.head.unsynced()) {
      // Copies must be on flash before the original goes; that is this step's one operation.
      const synced = await store.head.sync();
      if (synced !== SysError.OK) {
        this.failures++;
        this.job = undefined;
        return false;
      }
      return true;
    }
    this.job = undefined;
    const info = store.table.blocks[job.victim];
    let gone: boolean;
    if (info.state === 'retiring') {
      await store.table.drained(job.victim);
      gone = (await store.flash.markBad(job.victim)) === SysError.OK;
      info.state = 'bad';
      info.live = 0;
    } else {
      gone = await this.erase(job.victim);
    }
    if (job.wear) this.wearMoves++;
    if (gone) this.forgetCommits(job);
    return true;
  }

  /** The victim's commit records no longer exist: fix the counts that keep tombstones alive. */
  private forgetCommits(job: Job): void {
    const store = this.store;
    for (const [key, seqs] of job.commits) {
      const entry = store.entries.get(key);
      if (!entry) continue;
      for (const seq of seqs) {
        if (seq < entry.latestSeq) entry.staleCommits--;
        else if (seq === entry.latestSeq && entry.latestKind !== 'tombstone') entry.latestCopies--;
      }
      if (entry.latestKind === 'tombstone' && entry.staleCommits <= 0) {
        // Nothing older survives: the tombstone has done its job.
        // (A tombstone left in the erased victim went with it: that block's live count is already 0.)
        const loc = entry.latestLoc;
        if (loc && loc.block !== job.victim) store.table.blocks[loc.block].live -= loc.length;
        store.entries.delete(key);
      }
    }
  }

  private async erase(block: number): Promise<boolean> {
    const store = this.store;
    const info = store.table.blocks[block];
    await store.table.drained(block);
    const result = await store.flash.erase(block);
    if (result === SysError.OK) {
      info.state = 'free';
      info.eraseCount++;
      info.eraseKnown = true;
      info.live = 0;
      info.written = 0;
      this.erases++;
      return true;
    }
    this.failures++;
    info.eraseCount++;
    if (store.flash.kind === 'nand') {
      const marked = await store.flash.markBad(block);
      info.state = 'bad';
      info.live = 0;
      return marked === SysError.OK;
    }
    info.state = 'bad'; // out of service for this session; it is scanned again at the next mount
    info.live = 0;
    return false;
  }
}
