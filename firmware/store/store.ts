// The flash store: items (phone images) streamed in as data records and made visible by one commit
// record; keyed records (config, lease database) replaced atomically the same way; removals as
// tombstones. One log head, one lane serializing log work, background garbage collection that does
// one flash operation per step. See FORMAT.md (bytes on flash) and DESIGN.md (why).
// Over 400 lines: the store's public operations share one lane, one head and one space account;
// split apart they would each need the others' private state (format, mount and GC are apart).
import type { Flash } from '../../hal/hal';
import { SysError } from '../../hal/hal';
import { createSha256 } from '../util/sha256';
import type { ItemReader, ItemStat, ItemWriter, Store, StoreFailure, StoreUsage } from './types';
import { isFailure } from './types';
import type { BlockTable } from './blocks';
import type { Entry, Loc } from './catalog';
import { Version, entryKey } from './catalog';
import {
  DATA_STRIDE,
  BLOCK_HEADER_SIZE,
  CHUNK_SIZE,
  MAX_COMMIT_RECORD,
  MAX_RECORD_SPAN,
  Namespace,
  RECORD_HEADER_SIZE,
  RecordType,
  buildCommitPayload,
  buildRecord,
  buildTombstonePayload,
  encodeName,
  parseRecordHeader,
  payloadIntact,
} from './format';
import { Lane } from './lane';
import { LogHead } from './log';
import type { MountReport, Mounted } from './mount';
import { Collector } from './gc';

export interface StoreClock {
  now(): number;
  wallClock(): number | undefined;
}

export interface StoreOptions {
  /** Free blocks only garbage collection may use (default 1 on NOR, 2 on NAND: one spare for a block going bad). */
  readonly reserveBlocks?: number;
  /** Static wear levelling moves a cold block once the erase-count spread reaches this (default 8). */
  readonly wearThreshold?: number;
  /** Background collection starts when fewer free blocks than this remain (default reserve + 2). */
  readonly lowWaterBlocks?: number;
}

/** Largest value `setRecord` accepts. Records are read whole into RAM by `getRecord`. */
export const MAX_RECORD_VALUE = 256 * 1024;

function fail(error: SysError, message: string): StoreFailure {
  return { error, message };
}

export interface StoreStats {
  readonly mount: MountReport;
  readonly gcErases: number;
  readonly gcCopiedBytes: number;
  readonly wearMoves: number;
  readonly appendedBytes: number;
  readonly deviceFailures: number;
}

export class FlashStore implements Store {
  readonly lane = new Lane();
  readonly head: LogHead;
  readonly table: BlockTable;
  readonly entries: Map<string, Entry>;
  /** Every version whose data is live: current ones, open writers', and replaced ones still being read. */
  readonly versions = new Map<number, Version>();
  readonly reserve: number;
  readonly wearThreshold: number;
  readonly lowWater: number;
  readonly pageSize: number;
  /** Bytes appended by callers (payload + headers), for write-amplification figures. */
  appendedBytes = 0;
  private seq: number;
  private readonly blockDamage: string[];
  private readonly mountReport: MountReport;
  private readonly writers = new Set<string>();
  private readonly reservations = new Map<Version, number>();
  private readonly recordChains = new Map<string, Promise<unknown>>();
  private readonly collector: Collector;

  constructor(
    readonly flash: Flash,
    private readonly clock: StoreClock,
    mounted: Mounted,
    options: StoreOptions = {},
  ) {
    this.table = mounted.table;
    this.entries = mounted.entries;
    this.seq = mounted.nextSeq;
    this.blockDamage = mounted.damage.filter((d) => d.startsWith('block'));
    this.mountReport = mounted.report;
    for (const entry of this.entries.values()) if (entry.current) this.versions.set(entry.current.id, entry.current);
    this.reserve = options.reserveBlocks ?? (flash.kind === 'nand' ? 2 : 1);
    this.wearThreshold = options.wearThreshold ?? 8;
    this.lowWater = options.lowWaterBlocks ?? this.reserve + 2;
    this.pageSize = flash.kind === 'nand' ? flash.programUnit : 0;
    this.head = new LogHead(flash, this.table, this.reserve);
    this.collector = new Collector(this);
  }

  // ---- space accounting -------------------------------------------------------------------------

  /** Live bytes the store promises to hold: every good block but the reserve and one in motion. */
  capacity(): number {
    const perBlock = this.flash.blockSize - BLOCK_HEADER_SIZE - MAX_RECORD_SPAN;
    return Math.max(0, (this.table.good() - this.reserve - 1) * perBlock);
  }

  /** Data may fill the capacity up to a slack kept for commits and tombstones. */
  private dataLimit(): number {
    return this.capacity() - 4 * MAX_COMMIT_RECORD;
  }

  private used(): number {
    return this.table.totalLive() + this.head.pendingBytes();
  }

  /** Space promised to open writers (expected size) beyond what they already wrote. */
  private reservedBy(except?: Version): number {
    let n = 0;
    for (const [version, bytes] of this.reservations) {
      if (version === except || bytes === 0) continue;
      let written = 0;
      version.forEachRunBytes((_, b) => (written += b));
      n += Math.max(0, bytes - written);
    }
    return n;
  }

  /** Flash bytes an item of `size` bytes occupies (data records plus its commit). */
  static footprint(size: number): number {
    return Math.ceil(size / CHUNK_SIZE) * RECORD_HEADER_SIZE + size + MAX_COMMIT_RECORD;
  }

  // ---- the Store API ----------------------------------------------------------------------------

  async put(name: string, expectedSize?: number): Promise<ItemWriter | StoreFailure> {
    return this.openWriter(Namespace.ITEM, name, expectedSize);
  }

  open(name: string): ItemReader | StoreFailure {
    return this.openReader(Namespace.ITEM, name);
  }

  stat(name: string): ItemStat | undefined {
    const current = this.entries.get(entryKey(Namespace.ITEM, name))?.current;
    return current ? statOf(current) : undefined;
  }

  list(): ItemStat[] {
    const out: ItemStat[] = [];
    for (const entry of this.entries.values()) if (entry.space === Namespace.ITEM && entry.current) out.push(statOf(entry.current));
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async remove(name: string): Promise<StoreFailure | undefined> {
    return this.removeName(Namespace.ITEM, name);
  }

  /** Removes a keyed record (additive to the Store contract). */
  async removeRecord(key: string): Promise<StoreFailure | undefined> {
    return this.serializeRecord(key, () => this.removeName(Namespace.RECORD, key));
  }

  async setRecord(key: string, bytes: Uint8Array): Promise<StoreFailure | undefined> {
    if (bytes.length > MAX_RECORD_VALUE) return fail(SysError.INVALID, `record '${key}' is ${bytes.length} bytes; the limit is ${MAX_RECORD_VALUE}`);
    const value = bytes.slice();
    return this.serializeRecord(key, async () => {
      const writer = await this.openWriter(Namespace.RECORD, key, value.length);
      if (isFailure(writer)) return writer;
      const wrote = await writer.write(value);
      if (wrote) return wrote;
      const committed = await writer.commit();
      return isFailure(committed) ? committed : undefined;
    });
  }

  async getRecord(key: string): Promise<Uint8Array | undefined | StoreFailure> {
    const entry = this.entries.get(entryKey(Namespace.RECORD, key));
    if (!entry || (!entry.current && entry.latestKind !== 'damaged')) return undefined;
    const reader = this.openReader(Namespace.RECORD, key);
    if (isFailure(reader)) return reader;
    try {
      const out = new Uint8Array(reader.stat.size);
      let at = 0;
      while (at < out.length) {
        const got = await reader.read(at, out.subarray(at));
        if (isFailure(got)) return got;
        if (got === 0) return fail(SysError.CORRUPT, `record '${key}' ended early`);
        at += got;
      }
      return out;
    } finally {
      reader.close();
    }
  }

  usage(): StoreUsage {
    const bs = this.flash.blockSize;
    let reclaimable = 0;
    for (const b of this.table.blocks) {
      if (b.state === 'closed' || b.state === 'retiring') reclaimable += bs - b.live;
      else if (b.state === 'dirty') reclaimable += bs;
      else if (b.state === 'active') reclaimable += Math.max(0, this.head.appendEnd - b.live);
    }
    const used = this.used();
    return {
      totalBytes: this.table.good() * bs,
      usedBytes: used,
      freeBytes: Math.max(0, this.dataLimit() - used - this.reservedBy()),
      reclaimableBytes: reclaimable,
      eraseCounts: this.table.blocks.map((b) => b.eraseCount),
      badBlocks: this.table.count - this.table.good(),
    };
  }

  damage(): readonly string[] {
    const out = [...this.blockDamage];
    for (const entry of this.entries.values()) if (entry.latestKind === 'damaged' && entry.damage) out.push(entry.damage);
    return out;
  }

  // ---- extras for the console, tests and benchmarks ----------------------------------------------

  stats(): StoreStats {
    return {
      mount: { ...this.mountReport },
      gcErases: this.collector.erases,
      gcCopiedBytes: this.collector.copiedBytes,
      wearMoves: this.collector.wearMoves,
      appendedBytes: this.appendedBytes,
      deviceFailures: this.head.failures + this.collector.failures,
    };
  }

  /** Resolves when no log work or garbage collection is running or queued. */
  async idle(): Promise<void> {
    for (;;) {
      await this.lane.acquire('background');
      this.lane.release();
      if (!this.collector.running && !this.lane.busy) return;
      await this.collector.finished();
    }
  }

  /** Checks the RAM index against itself: per-block live bytes must equal what the index references. */
  audit(): string[] {
    const expect = new Array<number>(this.table.count).fill(0);
    for (const version of this.versions.values()) version.forEachRunBytes((block, bytes) => (expect[block] += bytes));
    for (const entry of this.entries.values()) if (entry.latestLoc) expect[entry.latestLoc.block] += entry.latestLoc.length;
    const problems: string[] = [];
    this.table.blocks.forEach((b, i) => {
      if (b.live !== expect[i]) problems.push(`block ${i} (${b.state}): live ${b.live}, index says ${expect[i]}`);
      if (b.live > 0 && (b.state === 'free' || b.state === 'dirty' || b.state === 'bad')) problems.push(`block ${i} is ${b.state} but holds live data`);
    });
    return problems;
  }

  // ---- internals shared with the writer, reader and collector ------------------------------------

  nextSeq(): number {
    return this.seq++;
  }

  /** Appends a record for a caller (lane held): runs collection inline only if the free pool ran dry. */
  async appendForeground(bytes: Uint8Array, onDurable: (loc: Loc) => void, meta: boolean): Promise<SysError> {
    let result = await this.head.append(bytes, onDurable, false);
    if (result === SysError.NO_SPACE && (await this.collector.makeRoom())) result = await this.head.append(bytes, onDurable, false);
    if (result === SysError.NO_SPACE && meta) result = await this.head.append(bytes, onDurable, true);
    if (result === SysError.OK) this.appendedBytes += bytes.length;
    return result;
  }

  /** Runs `work` holding the lane, then lets background collection run if it is wanted. */
  async withLane<T>(work: () => Promise<T>): Promise<T> {
    await this.lane.acquire('foreground');
    try {
      return await work();
    } finally {
      this.lane.release();
      this.collector.kick();
    }
  }

  unref(version: Version): void {
    version.refs--;
    if (version.refs > 0 || version.released) return;
    version.released = true;
    version.forEachRunBytes((block, bytes) => (this.table.blocks[block].live -= bytes));
    this.versions.delete(version.id);
  }

  /** Whether background collection is between steps or running one (for tests and status). */
  collecting(): boolean {
    return this.collector.running;
  }

  kickCollector(): void {
    this.collector.kick();
  }

  private async serializeRecord<T>(key: string, work: () => Promise<T>): Promise<T> {
    const before = this.recordChains.get(key) ?? Promise.resolve();
    const run = before.then(work, work);
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    this.recordChains.set(key, tail);
    try {
      return await run;
    } finally {
      if (this.recordChains.get(key) === tail) this.recordChains.delete(key);
    }
  }

  private async openWriter(space: Namespace, name: string, expectedSize?: number): Promise<ItemWriter | StoreFailure> {
    const nameBytes = encodeName(name);
    if (!nameBytes) return fail(SysError.INVALID, `name must be 1 to 255 bytes of UTF-8`);
    if (expectedSize !== undefined && !(Number.isSafeInteger(expectedSize) && expectedSize >= 0)) {
      return fail(SysError.INVALID, `expected size ${expectedSize} is not a byte count`);
    }
    const key = entryKey(space, name);
    if (this.writers.has(key)) return fail(SysError.BUSY, `'${name}' is already being written`);
    const need = FlashStore.footprint(expectedSize ?? 0);
    const free = this.dataLimit() - this.used() - this.reservedBy();
    if (expectedSize !== undefined && need > free) {
      return fail(SysError.NO_SPACE, `no space: '${name}' needs ${need} bytes on flash, ${Math.max(0, free)} free`);
    }
    const version = new Version(this.nextSeq(), space, name, 0);
    this.versions.set(version.id, version);
    this.writers.add(key);
    this.reservations.set(version, expectedSize !== undefined ? need : 0);
    return new Writer(this, version, nameBytes, () => {
      this.writers.delete(key);
      this.reservations.delete(version);
    });
  }

  /** Space check for one more data record of `version`. */
  roomFor(version: Version, bytes: number): StoreFailure | undefined {
    const free = this.dataLimit() - this.used() - this.reservedBy(version);
    if (bytes > free) return fail(SysError.NO_SPACE, `no space: '${version.name}' needs more than the ${Math.max(0, free)} bytes left`);
    return undefined;
  }

  /** Makes `version` current for its name once its commit record is durable at `loc`. */
  adoptCommit(version: Version, commitSeq: number, loc: Loc): void {
    const key = entryKey(version.space, version.name);
    let entry = this.entries.get(key);
    if (!entry) {
      entry = { space: version.space, name: version.name, latestSeq: 0, latestKind: 'tombstone', latestCopies: 0, staleCommits: 0 };
      this.entries.set(key, entry);
    }
    this.supersede(entry);
    entry.latestSeq = commitSeq;
    entry.latestKind = 'commit';
    entry.latestLoc = loc;
    entry.latestCopies = 1;
    entry.damage = undefined;
    this.table.blocks[loc.block].live += loc.length;
    const previous = entry.current;
    version.commitSeq = commitSeq;
    entry.current = version; // the writer's reference becomes the "current" reference
    if (previous) this.unref(previous);
  }

  /** The latest record of `entry` is about to be replaced: it (and its copies) become stale. */
  private supersede(entry: Entry): void {
    if (entry.latestLoc) this.table.blocks[entry.latestLoc.block].live -= entry.latestLoc.length;
    if (entry.latestKind !== 'tombstone') entry.staleCommits += entry.latestCopies;
    entry.latestLoc = undefined;
    entry.latestCopies = 0;
  }

  private async removeName(space: Namespace, name: string): Promise<StoreFailure | undefined> {
    const key = entryKey(space, name);
    const entry = this.entries.get(key);
    if (!entry || entry.latestKind === 'tombstone') return fail(SysError.NOT_FOUND, `'${name}' does not exist`);
    const nameBytes = encodeName(name) as Uint8Array;
    return this.withLane(async () => {
      const seq = this.nextSeq();
      const record = buildRecord(RecordType.TOMBSTONE, space, seq, 0, buildTombstonePayload(nameBytes));
      let durable: Loc | undefined;
      const appended = await this.appendForeground(record, (loc) => (durable = loc), true);
      if (appended !== SysError.OK) return fail(appended, `removing '${name}' failed: ${describe(appended)}`);
      const synced = await this.head.sync();
      if (synced !== SysError.OK || !durable) return fail(synced || SysError.IO, `removing '${name}' failed: ${describe(synced)}`);
      const loc: Loc = durable;
      const live = this.entries.get(key);
      if (!live) return undefined;
      this.supersede(live);
      live.latestSeq = seq;
      live.latestKind = 'tombstone';
      live.latestLoc = loc;
      live.damage = undefined;
      this.table.blocks[loc.block].live += loc.length;
      const previous = live.current;
      live.current = undefined;
      if (previous) this.unref(previous);
      return undefined;
    });
  }

  private openReader(space: Namespace, name: string): ItemReader | StoreFailure {
    const entry = this.entries.get(entryKey(space, name));
    if (entry?.latestKind === 'damaged') return fail(SysError.CORRUPT, entry.damage ?? `'${name}' is damaged`);
    const version = entry?.current;
    if (!version) return fail(SysError.NOT_FOUND, `'${name}' does not exist`);
    version.refs++;
    return new Reader(this, version);
  }

  /** Reads and verifies the data record of chunk `index`; returns its payload or a failure. */
  /**
   * The payloads of chunk `index` and of up to `max` - 1 chunks after it that lie back to back in
   * the same block, read in one flash operation (a reader streaming an image makes one round trip
   * per extent instead of one per 2 KiB). Every record is checked; the extent ends before the first
   * that fails, and only a failing first chunk is a failure.
   */
  async readChunks(version: Version, index: number, max: number): Promise<Uint8Array[] | StoreFailure> {
    const found = version.locateRun(index, max);
    if (!found) return fail(SysError.CORRUPT, `'${version.name}': chunk ${index} has no data record`);
    const { loc, count } = found;
    const span = (count - 1) * DATA_STRIDE + version.recordLength(index + count - 1);
    const bytes = new Uint8Array(span);
    this.table.pin(loc.block);
    let result: SysError;
    try {
      result = await this.flash.read(loc.block * this.flash.blockSize + loc.offset, bytes);
    } finally {
      this.table.unpin(loc.block);
    }
    const where = `'${version.name}': data record ${index} (block ${loc.block}, offset ${loc.offset})`;
    if (result !== SysError.OK) return fail(result, `${where}: read failed (${describe(result)})`);
    const payloads: Uint8Array[] = [];
    for (let k = 0; k < count; k++) {
      const at = k * DATA_STRIDE;
      const length = version.recordLength(index + k);
      const header = parseRecordHeader(bytes, at, length);
      const intact =
        typeof header !== 'string' &&
        header.type === RecordType.DATA &&
        header.seq === version.id &&
        header.aux === index + k &&
        RECORD_HEADER_SIZE + header.length === length &&
        payloadIntact(header, bytes, at + RECORD_HEADER_SIZE);
      if (!intact) break;
      payloads.push(bytes.subarray(at + RECORD_HEADER_SIZE, at + length));
    }
    if (payloads.length === 0) return fail(SysError.CORRUPT, `${where} fails its checksum`);
    return payloads;
  }

  committedAtNow(): number {
    return this.clock.wallClock() ?? this.clock.now();
  }
}

function statOf(version: Version): ItemStat {
  return { name: version.name, size: version.size, sha256: version.sha256, committedAt: version.committedAt };
}

export function describe(error: SysError): string {
  switch (error) {
    case SysError.OK:
      return 'ok';
    case SysError.NO_SPACE:
      return 'no space';
    case SysError.IO:
      return 'device error';
    case SysError.CORRUPT:
      return 'checksum mismatch';
    case SysError.BAD_BLOCK:
      return 'bad block';
    default:
      return `error ${error}`;
  }
}

/** Streams one version: 2 KiB chunks become data records; commit writes the commit record. */
class Writer implements ItemWriter {
  private readonly stage = new Uint8Array(CHUNK_SIZE);
  private staged = 0;
  private chunks = 0;
  private size = 0;
  private readonly hash = createSha256();
  private chain: Promise<unknown> = Promise.resolve();
  private finished = false;
  private failure: StoreFailure | undefined;

  constructor(
    private readonly store: FlashStore,
    private readonly version: Version,
    private readonly nameBytes: Uint8Array,
    private readonly done: () => void,
  ) {}

  write(chunk: Uint8Array): Promise<StoreFailure | undefined> {
    const copy = chunk.slice(); // the caller may reuse its buffer at once
    const run = this.chain.then(() => this.doWrite(copy));
    this.chain = run;
    return run;
  }

  commit(): Promise<ItemStat | StoreFailure> {
    const run = this.chain.then(() => this.doCommit());
    this.chain = run;
    return run;
  }

  abort(): void {
    if (this.finished) return;
    this.finished = true;
    this.done();
    this.store.unref(this.version);
  }

  private async doWrite(chunk: Uint8Array): Promise<StoreFailure | undefined> {
    if (this.failure) return this.failure;
    if (this.finished) return fail(SysError.INVALID, `writer for '${this.version.name}' is closed`);
    let at = 0;
    while (at < chunk.length) {
      const take = Math.min(CHUNK_SIZE - this.staged, chunk.length - at);
      this.stage.set(chunk.subarray(at, at + take), this.staged);
      this.staged += take;
      at += take;
      if (this.staged === CHUNK_SIZE) {
        const flushed = await this.flushChunk();
        if (flushed) return flushed;
      }
    }
    return undefined;
  }

  private async flushChunk(): Promise<StoreFailure | undefined> {
    const payload = this.stage.slice(0, this.staged);
    const index = this.chunks;
    const version = this.version;
    const record = buildRecord(RecordType.DATA, Namespace.ITEM, version.id, index, payload);
    const noRoom = this.store.roomFor(version, record.length);
    if (noRoom) return this.fail(noRoom);
    version.size = this.size + payload.length; // keeps recordLength() right once this chunk is placed
    const result = await this.store.withLane(() =>
      this.store.appendForeground(
        record,
        (loc) => {
          if (version.released) return;
          version.place(index, loc.block, loc.offset);
          this.store.table.blocks[loc.block].live += loc.length;
        },
        false,
      ),
    );
    if (result !== SysError.OK) {
      return this.fail(fail(result, result === SysError.NO_SPACE ? `no space left for '${version.name}'` : `writing '${version.name}' failed: ${describe(result)}`));
    }
    this.hash.update(payload);
    this.size += payload.length;
    this.chunks++;
    this.staged = 0;
    return undefined;
  }

  private async doCommit(): Promise<ItemStat | StoreFailure> {
    if (this.failure) return this.failure;
    if (this.finished) return fail(SysError.INVALID, `writer for '${this.version.name}' is closed`);
    if (this.staged > 0) {
      const flushed = await this.flushChunk();
      if (flushed) return flushed;
    }
    const version = this.version;
    const store = this.store;
    const sha = this.hash.digest();
    const committedAt = store.committedAtNow();
    const info = { size: this.size, chunkSize: CHUNK_SIZE, chunkCount: this.chunks, sha256: sha, committedAt, name: version.name };
    version.sha256 = sha;
    version.committedAt = committedAt;
    const outcome = await store.withLane(async () => {
      const seq = store.nextSeq();
      const record = buildRecord(RecordType.COMMIT, version.space, seq, version.id, buildCommitPayload(info, this.nameBytes));
      let durable: Loc | undefined;
      const appended = await store.appendForeground(record, (loc) => (durable = loc), true);
      if (appended !== SysError.OK) return appended;
      const synced = await store.head.sync();
      if (synced !== SysError.OK) return synced;
      if (!durable) return SysError.IO;
      store.adoptCommit(version, seq, durable);
      return SysError.OK;
    });
    if (outcome !== SysError.OK) return this.fail(fail(outcome, `committing '${version.name}' failed: ${describe(outcome)}`));
    this.finished = true;
    this.done();
    return statOf(version);
  }

  private fail(failure: StoreFailure): StoreFailure {
    this.failure = failure;
    this.abort();
    return failure;
  }
}

/** Chunks a reader fetches per flash operation: 8 x 2 KiB, 16 KiB held per open reader. */
const READ_AHEAD_CHUNKS = 8;

/** Reads one committed version by offset; keeps that version's data alive until closed. */
class Reader implements ItemReader {
  readonly stat: ItemStat;
  private closed = false;
  /** The extent last read: payloads of chunks cachedFirst, cachedFirst + 1, ... */
  private cachedFirst = -1;
  private cached: Uint8Array[] = [];

  constructor(
    private readonly store: FlashStore,
    private readonly version: Version,
  ) {
    this.stat = statOf(version);
  }

  async read(offset: number, into: Uint8Array): Promise<number | StoreFailure> {
    if (this.closed) return fail(SysError.INVALID, 'reader is closed');
    if (!(Number.isSafeInteger(offset) && offset >= 0)) return fail(SysError.INVALID, `offset ${offset} is not a byte offset`);
    const size = this.version.size;
    let done = 0;
    while (done < into.length && offset + done < size) {
      const position = offset + done;
      const index = Math.floor(position / CHUNK_SIZE);
      let payload = index >= this.cachedFirst ? this.cached[index - this.cachedFirst] : undefined;
      if (!payload) {
        const got = await this.store.readChunks(this.version, index, READ_AHEAD_CHUNKS);
        if (isFailure(got)) return got;
        this.cached = got;
        this.cachedFirst = index;
        payload = got[0];
      }
      const from = position - index * CHUNK_SIZE;
      const take = Math.min(into.length - done, payload.length - from);
      into.set(payload.subarray(from, from + take), done);
      done += take;
    }
    return done;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.cached = [];
    this.store.unref(this.version);
  }
}
