// The log head: appends records to the active erase block. NOR programs each record as it comes;
// NAND collects records in a one-page RAM buffer and programs every page exactly once (a partial page
// is padded with 0xFF at a sync). A record is reported by `onDurable` only once all of its bytes are
// on flash, so the index never points at bytes that a cut could still take away. A failed program
// retires the block and re-appends the records that were not yet durable into a fresh block.
import type { Flash } from '../../hal/hal';
import { SysError } from '../../hal/hal';
import type { BlockTable } from './blocks';
import type { Loc } from './catalog';
import { BLOCK_HEADER_SIZE, emitBlockHeader } from './format';

interface Pending {
  readonly bytes: Uint8Array;
  readonly onDurable: (loc: Loc) => void;
  readonly at: number;
}

/** How many fresh blocks one append may burn through on program failures before giving up. */
const MAX_RELOCATIONS = 3;

export class LogHead {
  block: number | undefined;
  /** Next append offset in the active block. */
  appendEnd = 0;
  /** Everything below this offset in the active block is programmed. */
  durableEnd = 0;
  /** Count of runtime program/erase failures seen (for status). */
  failures = 0;

  private readonly pageSize: number;
  private readonly page: Uint8Array;
  private pending: Pending[] = [];
  private relocating = 0;

  constructor(
    private readonly flash: Flash,
    private readonly table: BlockTable,
    /** Free blocks that only garbage collection may take. */
    private readonly reserve: number,
  ) {
    this.pageSize = flash.kind === 'nand' ? flash.programUnit : 0;
    this.page = new Uint8Array(this.pageSize).fill(0xff);
  }

  /** Bytes appended but not yet on flash. */
  pendingBytes(): number {
    let n = 0;
    for (const p of this.pending) n += p.bytes.length;
    return n;
  }

  /** NAND: records sit in the page buffer, not yet programmed. */
  unsynced(): boolean {
    return this.pageSize > 0 && this.block !== undefined && this.appendEnd > this.durableEnd;
  }

  /** Room left in the active block for one more record (0 when there is no active block). */
  room(): number {
    return this.block === undefined ? 0 : this.flash.blockSize - this.appendEnd;
  }

  /**
   * Appends one whole record. Resolves OK once it is placed (NOR: programmed; NAND: buffered, durable
   * at the next full page or `sync`). NO_SPACE when a new block is needed and only the reserve is
   * left (unless `mayUseReserve`, which garbage collection passes).
   */
  async append(bytes: Uint8Array, onDurable: (loc: Loc) => void, mayUseReserve: boolean): Promise<SysError> {
    for (let attempt = 0; attempt <= MAX_RELOCATIONS; attempt++) {
      if (this.block === undefined || this.appendEnd + bytes.length > this.flash.blockSize) {
        const opened = await this.openNext(mayUseReserve);
        if (opened !== SysError.OK) return opened;
      }
      const block = this.block as number;
      const at = this.appendEnd;
      this.appendEnd += bytes.length;
      if (this.pageSize === 0) {
        const result = await this.flash.program(block * this.flash.blockSize + at, bytes);
        if (result === SysError.OK) {
          this.durableEnd = this.appendEnd;
          this.table.blocks[block].written = this.appendEnd;
          onDurable({ block, offset: at, length: bytes.length });
          return SysError.OK;
        }
        this.retireActive(); // torn bytes sit in that block now; never append behind them
        continue;
      }
      this.pending.push({ bytes, onDurable, at });
      const result = await this.fillPages(bytes, at);
      return result;
    }
    return SysError.IO;
  }

  /** Makes everything appended so far durable (NAND: programs the partial page, padded). */
  async sync(): Promise<SysError> {
    for (let attempt = 0; attempt <= MAX_RELOCATIONS; attempt++) {
      if (this.pageSize === 0 || this.block === undefined || this.appendEnd === this.durableEnd) return SysError.OK;
      const result = await this.programPage();
      if (result === SysError.OK) {
        this.appendEnd = this.durableEnd;
        return SysError.OK;
      }
      const relocated = await this.relocatePending();
      if (relocated !== SysError.OK) return relocated;
    }
    return SysError.IO;
  }

  /** Closes the active block (after a sync), e.g. before it is handed to garbage collection. */
  async close(): Promise<SysError> {
    const synced = await this.sync();
    if (synced !== SysError.OK) return synced;
    if (this.block !== undefined) {
      const info = this.table.blocks[this.block];
      info.state = 'closed';
      info.written = this.durableEnd;
      this.block = undefined;
    }
    return SysError.OK;
  }

  private async openNext(mayUseReserve: boolean): Promise<SysError> {
    const closed = await this.close();
    if (closed !== SysError.OK) return closed;
    for (let attempt = 0; attempt <= MAX_RELOCATIONS; attempt++) {
      if (!mayUseReserve && this.table.countIn('free') <= this.reserve) return SysError.NO_SPACE;
      const block = this.table.pickFree();
      if (block === undefined) return SysError.NO_SPACE;
      const info = this.table.blocks[block];
      info.state = 'active';
      info.written = BLOCK_HEADER_SIZE;
      info.eraseKnown = true;
      this.block = block;
      this.appendEnd = BLOCK_HEADER_SIZE;
      const header = new Uint8Array(BLOCK_HEADER_SIZE);
      emitBlockHeader({ eraseCount: info.eraseCount }, header);
      if (this.pageSize > 0) {
        // The header rides in the first page with the first records.
        this.durableEnd = 0;
        this.page.fill(0xff);
        this.page.set(header, 0);
        return SysError.OK;
      }
      const result = await this.flash.program(block * this.flash.blockSize, header);
      if (result === SysError.OK) {
        this.durableEnd = BLOCK_HEADER_SIZE;
        return SysError.OK;
      }
      this.retireActive();
    }
    return SysError.IO;
  }

  /** NAND: copies `bytes` (appended at `at`) into the page buffer, programming each page that fills. */
  private async fillPages(bytes: Uint8Array, at: number): Promise<SysError> {
    let copied = 0;
    while (copied < bytes.length) {
      const pageStart = this.durableEnd;
      const into = at + copied - pageStart;
      const take = Math.min(bytes.length - copied, this.pageSize - into);
      this.page.set(bytes.subarray(copied, copied + take), into);
      copied += take;
      if (into + take === this.pageSize) {
        const result = await this.programPage();
        if (result !== SysError.OK) return this.relocatePending();
      }
    }
    return SysError.OK;
  }

  private async programPage(): Promise<SysError> {
    const block = this.block as number;
    const page = this.page.slice();
    const result = await this.flash.program(block * this.flash.blockSize + this.durableEnd, page);
    if (result !== SysError.OK) return result;
    this.durableEnd += this.pageSize;
    this.table.blocks[block].written = this.durableEnd;
    this.page.fill(0xff);
    // A record straddling into the next page is copied on by fillPages.
    const done = this.pending.filter((p) => p.at + p.bytes.length <= this.durableEnd);
    this.pending = this.pending.filter((p) => p.at + p.bytes.length > this.durableEnd);
    for (const p of done) p.onDurable({ block, offset: p.at, length: p.bytes.length });
    if (this.durableEnd >= this.flash.blockSize) {
      const info = this.table.blocks[block];
      info.state = 'closed';
      info.written = this.flash.blockSize;
      this.block = undefined;
    }
    return SysError.OK;
  }

  /** A page program failed: retire the block, then append the not-yet-durable records afresh. */
  private async relocatePending(): Promise<SysError> {
    this.failures++;
    if (this.relocating >= MAX_RELOCATIONS) return SysError.IO;
    this.relocating++;
    try {
      return await this.reappendPending();
    } finally {
      this.relocating--;
    }
  }

  private async reappendPending(): Promise<SysError> {
    const again = this.pending;
    this.pending = [];
    this.retireActive();
    for (const p of again) {
      const result = await this.append(p.bytes, p.onDurable, true);
      if (result !== SysError.OK) return result;
    }
    return SysError.OK;
  }

  private retireActive(): void {
    if (this.block === undefined) return;
    const info = this.table.blocks[this.block];
    info.state = this.pageSize > 0 ? 'retiring' : 'closed';
    info.written = this.flash.blockSize; // nothing more goes into it
    this.failures += this.pageSize > 0 ? 0 : 1;
    this.block = undefined;
    this.page.fill(0xff);
  }
}
