// Mount: read every block, walk its records, and rebuild the RAM index. The newest commit or tombstone
// (highest sequence number) of a name wins; data without a commit is discarded; a commit whose data is
// incomplete or corrupt marks its item damaged while every intact item is still served.
import type { Flash } from '../../hal/hal';
import { SysError } from '../../hal/hal';
import { BlockTable } from './blocks';
import type { Entry, Loc } from './catalog';
import { Version, entryKey } from './catalog';
import {
  BLOCK_HEADER_SIZE,
  DATA_STRIDE,
  MAX_RECORD_SPAN,
  Namespace,
  ParseError,
  RECORD_HEADER_SIZE,
  RecordType,
  parseBlockHeader,
  parseCommitPayload,
  parseTombstonePayload,
} from './format';
import type { CommitInfo, RecordHeader } from './format';
import { walkRecords } from './walk';

export interface MountReport {
  /** Blocks that held junk (a torn erase) and will be erased before use. */
  dirtyBlocks: number;
  /** Records cut short (power loss mid-program), discarded. */
  tornRecords: number;
  /** Data versions found without a commit (writes cut by power loss), discarded. */
  uncommittedVersions: number;
  /** Blocks whose log stopped at an unreadable record header. */
  truncatedBlocks: number;
}

export interface Mounted {
  readonly table: BlockTable;
  readonly entries: Map<string, Entry>;
  readonly nextSeq: number;
  readonly damage: string[];
  readonly report: MountReport;
}

interface FoundCommit {
  readonly seq: number;
  readonly versionId: number;
  readonly space: Namespace;
  readonly info: CommitInfo;
  readonly loc: Loc;
}

interface FoundTombstone {
  readonly seq: number;
  readonly space: Namespace;
  readonly name: string;
  readonly loc: Loc;
}

/** Offset of the last byte that is not 0xFF (-1 when all are). */
function lastWritten(bytes: Uint8Array): number {
  for (let i = bytes.length - 1; i >= 0; i--) if (bytes[i] !== 0xff) return i;
  return -1;
}

function erased(bytes: Uint8Array): boolean {
  const words = bytes.byteOffset % 4 === 0 && bytes.length % 4 === 0 ? new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4) : undefined;
  if (words) {
    for (let i = 0; i < words.length; i++) if (words[i] !== 0xffffffff) return false;
    return true;
  }
  for (let i = 0; i < bytes.length; i++) if (bytes[i] !== 0xff) return false;
  return true;
}

export async function scanFlash(flash: Flash): Promise<Mounted> {
  const blockCount = flash.size / flash.blockSize;
  const table = new BlockTable(blockCount);
  const pageSize = flash.kind === 'nand' ? flash.programUnit : 0;
  const buffer = new Uint8Array(flash.blockSize);
  const chunks = new Map<number, Map<number, Loc>>();
  const commits = new Map<string, FoundCommit[]>();
  const tombstones = new Map<string, FoundTombstone[]>();
  const damage: string[] = [];
  const report: MountReport = { dirtyBlocks: 0, tornRecords: 0, uncommittedVersions: 0, truncatedBlocks: 0 };
  let maxSeq = 0;

  for (let block = 0; block < blockCount; block++) {
    const info = table.blocks[block];
    if (flash.isBad(block)) {
      info.state = 'bad';
      continue;
    }
    const read = await flash.read(block * flash.blockSize, buffer);
    if (read !== SysError.OK) {
      // Leave it alone (never erase what could not be read) and say so.
      info.state = 'bad';
      damage.push(`block ${block}: unreadable (error ${read}); skipped`);
      continue;
    }
    const header = parseBlockHeader(buffer);
    if (header === ParseError.ERASED && erased(buffer)) {
      info.state = 'free';
      info.eraseKnown = false; // the count lived in the header of the block's previous life
      continue;
    }
    // First find where this block's log ends, then interpret its records. A power cut can only tear
    // the records at the end of the log (the last record on NOR, the last programmed page on NAND),
    // so data payloads are checked there; elsewhere a data CRC is checked when the data is read.
    const found: Array<{ h: RecordHeader; at: number; payloadOk: () => boolean }> = [];
    const walk = walkRecords(buffer, BLOCK_HEADER_SIZE, pageSize, (h, at, payloadOk) => void found.push({ h, at, payloadOk }));
    const records = found.length;
    const tailFrom = walk.end - 2 * Math.max(pageSize, DATA_STRIDE);
    for (const { h, at, payloadOk } of found) {
      maxSeq = Math.max(maxSeq, h.seq, h.type === RecordType.COMMIT ? h.aux : 0);
      const loc: Loc = { block, offset: at, length: RECORD_HEADER_SIZE + h.length };
      const mustCheck = h.type !== RecordType.DATA || at + loc.length > tailFrom || walk.stop !== 'end';
      if (mustCheck && !payloadOk()) {
        report.tornRecords++;
        continue;
      }
      const payloadAt = at + RECORD_HEADER_SIZE;
      if (h.type === RecordType.DATA) {
        const versionChunks = chunks.get(h.seq) ?? new Map<number, Loc>();
        if (!versionChunks.has(h.aux)) versionChunks.set(h.aux, loc); // a duplicate is an interrupted GC move
        chunks.set(h.seq, versionChunks);
      } else if (h.type === RecordType.COMMIT) {
        const parsed = parseCommitPayload(buffer, payloadAt, h.length);
        if (typeof parsed === 'string') {
          report.tornRecords++;
          continue;
        }
        const key = entryKey(h.space, parsed.name);
        const list = commits.get(key) ?? [];
        list.push({ seq: h.seq, versionId: h.aux, space: h.space, info: parsed, loc });
        commits.set(key, list);
      } else {
        const parsed = parseTombstonePayload(buffer, payloadAt, h.length);
        if (typeof parsed === 'string') {
          report.tornRecords++;
          continue;
        }
        const key = entryKey(h.space, parsed.name);
        const list = tombstones.get(key) ?? [];
        list.push({ seq: h.seq, space: h.space, name: parsed.name, loc });
        tombstones.set(key, list);
      }
    }
    if (typeof header === 'string') {
      if (records === 0) {
        info.state = 'dirty';
        info.eraseKnown = false;
        report.dirtyBlocks++;
        continue;
      }
      damage.push(`block ${block}: header unreadable (${header}); ${records} records recovered`);
      info.eraseKnown = false;
    } else {
      info.eraseCount = header.eraseCount;
    }
    if (walk.stop !== 'end') {
      report.truncatedBlocks++;
      // A cut tears only the record (NOR) or page (NAND) being programmed; anything written further on
      // means the medium itself lost records here.
      const tornReach = pageSize > 0 ? Math.floor(walk.end / pageSize) * pageSize + 2 * pageSize : walk.end + MAX_RECORD_SPAN;
      const last = lastWritten(buffer);
      if (last >= tornReach) damage.push(`block ${block}: unreadable record at offset ${walk.end} (${walk.stop}); ${last + 1 - walk.end} bytes after it are lost`);
    }
    // Never append behind a log found at mount: its tail may hold weakly programmed bytes.
    info.state = 'closed';
    info.written = walk.end;
  }
  table.estimateUnknownEraseCounts();

  const entries = new Map<string, Entry>();
  const keys = new Set<string>([...commits.keys(), ...tombstones.keys()]);
  for (const key of keys) {
    const found = commits.get(key) ?? [];
    const gone = tombstones.get(key) ?? [];
    let latestSeq = 0;
    for (const c of found) latestSeq = Math.max(latestSeq, c.seq);
    const latestTombstone = gone.find((t) => t.seq > latestSeq);
    if (latestTombstone) latestSeq = Math.max(...gone.map((t) => t.seq));
    const staleCommits = found.filter((c) => c.seq < latestSeq).length;
    const latestCommits = found.filter((c) => c.seq === latestSeq);
    if (latestCommits.length === 0) {
      // A tombstone is the newest record: it must outlive every older commit of the name.
      if (staleCommits === 0) continue;
      const tomb = gone.find((t) => t.seq === latestSeq) as FoundTombstone;
      entries.set(key, {
        space: tomb.space,
        name: tomb.name,
        latestSeq,
        latestKind: 'tombstone',
        latestLoc: tomb.loc,
        latestCopies: 0,
        staleCommits,
      });
      table.blocks[tomb.loc.block].live += tomb.loc.length;
      continue;
    }
    const commit = latestCommits[0];
    const entry: Entry = {
      space: commit.space,
      name: commit.info.name,
      latestSeq,
      latestKind: 'commit',
      latestLoc: commit.loc,
      latestCopies: latestCommits.length,
      staleCommits,
    };
    table.blocks[commit.loc.block].live += commit.loc.length;
    const version = new Version(commit.versionId, commit.space, commit.info.name, commit.info.size);
    version.commitSeq = commit.seq;
    version.sha256 = commit.info.sha256;
    version.committedAt = commit.info.committedAt;
    const have = chunks.get(commit.versionId);
    const missing: number[] = [];
    for (let k = 0; k < version.chunkCount; k++) {
      const loc = have?.get(k);
      if (loc && loc.length === version.recordLength(k)) version.place(k, loc.block, loc.offset);
      else missing.push(k);
    }
    if (missing.length === 0) {
      entry.current = version;
      version.forEachRunBytes((block, bytes) => (table.blocks[block].live += bytes));
    } else {
      entry.latestKind = 'damaged';
      entry.damage = `${commit.space === Namespace.ITEM ? 'item' : 'record'} '${commit.info.name}': ${missing.length} of ${version.chunkCount} data records missing or corrupt (first: chunk ${missing[0]})`;
      damage.push(entry.damage);
    }
    entries.set(key, entry);
  }
  const committedVersions = new Set<number>();
  for (const list of commits.values()) for (const c of list) committedVersions.add(c.versionId);
  for (const id of chunks.keys()) if (!committedVersions.has(id)) report.uncommittedVersions++;

  return { table, entries, nextSeq: maxSeq + 1, damage, report };
}
