// Flash emulator for the simulated board: real NOR/NAND semantics (erase to 0xFF, program only clears
// bits, NAND pages programmed once and in order, bad blocks), per-block erase counters, asynchronous
// completion through the virtual scheduler, and power-cut injection for the torture tests.
//
// Power-cut contract (chosen and relied on by tests): after a cut, every pending and every future
// operation of this instance NEVER resolves — the board is dead and no firmware code may observe
// anything after the cut. `powerLost` turns true and `onPowerCut` fires (from a scheduler event).
// `afterPowerCut()` returns a fresh instance over the same medium for the rebooted board.
import type { Flash, FlashKind } from '../hal';
import { SysError } from '../hal';
import type { Scheduler } from './scheduler';
import type { Rng } from './random';

/** Latencies in virtual milliseconds. Defaults follow typical SPI NOR / SLC NAND datasheets. */
export interface FlashTiming {
  readonly eraseMinMs: number;
  readonly eraseMaxMs: number;
  /** Fixed cost of one program operation plus a per-byte cost. */
  readonly programBaseMs: number;
  readonly programPerByteMs: number;
  readonly readBaseMs: number;
  readonly readPerByteMs: number;
}

export const NOR_TIMING: FlashTiming = {
  eraseMinMs: 300, // 64 KiB sector erase: typ. 0.15-0.4 s, max ~1-2 s
  eraseMaxMs: 1000,
  programBaseMs: 0.02,
  programPerByteMs: 0.0028, // ~0.7 ms per 256-byte page
  readBaseMs: 0.005,
  readPerByteMs: 0.00002, // ~50 MB/s quad SPI
};

export const NAND_TIMING: FlashTiming = {
  eraseMinMs: 2, // SLC NAND block erase: typ. 2-3.5 ms
  eraseMaxMs: 3.5,
  programBaseMs: 0.2, // tPROG typ. 200-600 us per page
  programPerByteMs: 0.0002,
  readBaseMs: 0.025, // tR
  readPerByteMs: 0.00004,
};

export interface FlashGeometry {
  readonly kind: FlashKind;
  readonly size: number;
  readonly blockSize: number;
  /** 1 on NOR (byte-programmable); the page size on NAND. */
  readonly programUnit: number;
  readonly factoryBadBlocks?: readonly number[];
  readonly timing?: Partial<FlashTiming>;
}

export interface FlashCounters {
  reads: number;
  programs: number;
  erases: number;
  bytesRead: number;
  bytesProgrammed: number;
  /** Program operations that cleared bits in already-programmed bytes (NOR ANDing). */
  overPrograms: number;
}

/** An injected device failure: the next matching operation fails with `error` (default IO). */
export interface InjectedFailure {
  readonly op: 'program' | 'erase';
  /** Only operations on this block match; any block when omitted. */
  readonly block?: number;
  readonly error?: SysError;
}

/** The physical medium: survives power cuts and is shared by the instances before and after a cut. */
interface Medium {
  readonly bytes: Uint8Array;
  readonly eraseCounts: Uint32Array;
  readonly bad: Uint8Array;
  /** NAND: 1 for every page programmed since its block's last erase. */
  readonly pageProgrammed: Uint8Array;
  readonly counters: FlashCounters;
}

interface PendingOp {
  readonly kind: 'read' | 'program' | 'erase';
  readonly duration: number;
  /** Applies the operation's effect and returns its result. */
  readonly complete: () => SysError;
  /** Applies a partial effect for a power cut during the operation (program/erase only). */
  readonly tear?: () => void;
  readonly resolve: (result: SysError) => void;
}

export class SimFlash implements Flash {
  readonly kind: FlashKind;
  readonly size: number;
  readonly blockSize: number;
  readonly programUnit: number;
  readonly eraseValue = 0xff;
  readonly timing: FlashTiming;
  /** Fired once, from a scheduler event, when this instance loses power. */
  onPowerCut?: () => void;

  private readonly medium: Medium;
  private readonly queue: PendingOp[] = [];
  private busy = false;
  private dead = false;
  /** Program/erase operations still to start before the cut; undefined when no cut is armed. */
  private cutCountdown: number | undefined;
  private failures: InjectedFailure[] = [];
  private readonly geometry: FlashGeometry;

  constructor(
    private readonly scheduler: Scheduler,
    private readonly rng: Rng,
    geometry: FlashGeometry,
    medium?: Medium,
  ) {
    const { kind, size, blockSize, programUnit } = geometry;
    if (!(blockSize > 0) || size % blockSize !== 0 || size <= 0) throw new RangeError('flash size must be a positive multiple of blockSize');
    if (kind === 'nor' && programUnit !== 1) throw new RangeError('NOR flash is byte-programmable (programUnit 1)');
    if (kind === 'nand' && (programUnit <= 1 || blockSize % programUnit !== 0)) throw new RangeError('NAND pages must divide the block');
    this.kind = kind;
    this.size = size;
    this.blockSize = blockSize;
    this.programUnit = programUnit;
    this.timing = { ...(kind === 'nor' ? NOR_TIMING : NAND_TIMING), ...geometry.timing };
    this.geometry = geometry;
    if (medium) {
      this.medium = medium;
    } else {
      const blocks = size / blockSize;
      this.medium = {
        bytes: new Uint8Array(size).fill(0xff),
        eraseCounts: new Uint32Array(blocks),
        bad: new Uint8Array(blocks),
        pageProgrammed: new Uint8Array(kind === 'nand' ? size / programUnit : 0),
        counters: { reads: 0, programs: 0, erases: 0, bytesRead: 0, bytesProgrammed: 0, overPrograms: 0 },
      };
      for (const block of geometry.factoryBadBlocks ?? []) {
        if (kind !== 'nand') throw new RangeError('only NAND has factory bad blocks');
        if (!(block >= 0 && block < blocks)) throw new RangeError(`bad block ${block} out of range`);
        this.medium.bad[block] = 1;
        // A factory bad block holds whatever it holds; a store must never trust it.
        rng.fill(this.medium.bytes.subarray(block * blockSize, (block + 1) * blockSize));
      }
    }
  }

  get blockCount(): number {
    return this.size / this.blockSize;
  }

  get powerLost(): boolean {
    return this.dead;
  }

  read(offset: number, into: Uint8Array): Promise<SysError> {
    if (!this.inRange(offset, into.length)) return Promise.resolve(SysError.INVALID);
    const t = this.timing;
    return this.enqueue('read', t.readBaseMs + t.readPerByteMs * into.length, () => {
      into.set(this.medium.bytes.subarray(offset, offset + into.length));
      this.medium.counters.reads++;
      this.medium.counters.bytesRead += into.length;
      return SysError.OK;
    });
  }

  program(offset: number, data: Uint8Array): Promise<SysError> {
    if (!this.inRange(offset, data.length)) return Promise.resolve(SysError.INVALID);
    if (data.length === 0) return Promise.resolve(SysError.OK);
    const unit = this.programUnit;
    if (offset % unit !== 0 || data.length % unit !== 0) return Promise.resolve(SysError.INVALID);
    const copy = data.slice(); // the HAL copies before returning
    const t = this.timing;
    const block = Math.floor(offset / this.blockSize);
    if (Math.floor((offset + data.length - 1) / this.blockSize) !== block) return Promise.resolve(SysError.INVALID);
    return this.enqueue(
      'program',
      t.programBaseMs + t.programPerByteMs * data.length,
      () => {
        if (this.medium.bad[block]) return SysError.BAD_BLOCK;
        const injected = this.takeFailure('program', block);
        if (injected !== undefined) {
          // A failing program leaves the target in an undefined state: some of it landed.
          this.applyProgram(offset, copy.subarray(0, this.rng.int(copy.length)));
          this.markPages(offset, copy.length);
          return injected;
        }
        if (this.kind === 'nand') {
          const check = this.checkPages(offset, copy.length);
          if (check !== SysError.OK) return check;
        }
        this.applyProgram(offset, copy);
        this.markPages(offset, copy.length);
        this.medium.counters.programs++;
        this.medium.counters.bytesProgrammed += copy.length;
        return SysError.OK;
      },
      () => {
        // Only a prefix of the bytes lands; a torn NAND page counts as programmed.
        this.applyProgram(offset, copy.subarray(0, this.rng.int(copy.length)));
        this.markPages(offset, copy.length);
      },
    );
  }

  erase(block: number): Promise<SysError> {
    if (!(Number.isInteger(block) && block >= 0 && block < this.blockCount)) return Promise.resolve(SysError.INVALID);
    const t = this.timing;
    const duration = t.eraseMinMs + this.rng.next() * (t.eraseMaxMs - t.eraseMinMs);
    const start = block * this.blockSize;
    return this.enqueue(
      'erase',
      duration,
      () => {
        if (this.medium.bad[block]) return SysError.BAD_BLOCK;
        this.medium.eraseCounts[block]++;
        const injected = this.takeFailure('erase', block);
        if (injected !== undefined) {
          this.scramble(block);
          return injected;
        }
        this.medium.bytes.fill(0xff, start, start + this.blockSize);
        this.setBlockPages(block, 0);
        this.medium.counters.erases++;
        return SysError.OK;
      },
      () => {
        this.medium.eraseCounts[block]++;
        this.scramble(block);
      },
    );
  }

  isBad(block: number): boolean {
    return this.kind === 'nand' && this.medium.bad[block] === 1;
  }

  markBad(block: number): Promise<SysError> {
    if (this.kind !== 'nand') return Promise.resolve(SysError.INVALID);
    if (!(Number.isInteger(block) && block >= 0 && block < this.blockCount)) return Promise.resolve(SysError.INVALID);
    // Writing the bad-block marker is itself a (short) program operation.
    return this.enqueue('program', this.timing.programBaseMs, () => {
      this.medium.bad[block] = 1;
      return SysError.OK;
    });
  }

  // ---- fault injection -------------------------------------------------------------------------

  /** Cut power during the Nth program/erase from now (1 = the next one). */
  cutAfter(operations: number): void {
    if (!(Number.isInteger(operations) && operations >= 1)) throw new RangeError('cutAfter needs a count >= 1');
    this.cutCountdown = operations;
  }

  /** Cut power now: an operation in progress is torn, everything pending is lost. */
  cutNow(): void {
    if (this.dead) return;
    const head = this.busy ? this.queue[0] : undefined;
    head?.tear?.();
    this.die();
  }

  /** Make the next matching program/erase fail (runtime bad block on NAND, or a device error). */
  injectFailure(failure: InjectedFailure): void {
    this.failures.push(failure);
  }

  /** A new instance over the same medium (bytes, erase counts, bad blocks): the rebooted board's flash. */
  afterPowerCut(): SimFlash {
    return new SimFlash(this.scheduler, this.rng, this.geometry, this.medium);
  }

  // ---- inspection for tests --------------------------------------------------------------------

  /** A deep copy of the medium, as an independent flash with its own scheduler queue. */
  clone(scheduler: Scheduler = this.scheduler, rng: Rng = this.rng): SimFlash {
    const m = this.medium;
    return new SimFlash(scheduler, rng, this.geometry, {
      bytes: m.bytes.slice(),
      eraseCounts: m.eraseCounts.slice(),
      bad: m.bad.slice(),
      pageProgrammed: m.pageProgrammed.slice(),
      counters: { ...m.counters },
    });
  }

  /** A copy of the raw bytes. */
  snapshot(): Uint8Array {
    return this.medium.bytes.slice();
  }

  /** Direct access for fault-injection tests (flipping bits at rest). Not part of the HAL. */
  rawBytes(): Uint8Array {
    return this.medium.bytes;
  }

  eraseCounts(): number[] {
    return Array.from(this.medium.eraseCounts);
  }

  counters(): Readonly<FlashCounters> {
    return { ...this.medium.counters };
  }

  // ---- internals -------------------------------------------------------------------------------

  private inRange(offset: number, length: number): boolean {
    return Number.isInteger(offset) && offset >= 0 && offset + length <= this.size;
  }

  private enqueue(kind: PendingOp['kind'], duration: number, complete: () => SysError, tear?: () => void): Promise<SysError> {
    if (this.dead) return new Promise<SysError>(() => {});
    return new Promise<SysError>((resolve) => {
      this.queue.push({ kind, duration, complete, tear, resolve });
      if (!this.busy) this.startNext();
    });
  }

  /** The chip does one operation at a time, in order of submission. */
  private startNext(): void {
    if (this.dead || this.queue.length === 0) {
      this.busy = false;
      return;
    }
    this.busy = true;
    const op = this.queue[0];
    let cutHere = false;
    if (op.kind !== 'read' && this.cutCountdown !== undefined) {
      this.cutCountdown--;
      if (this.cutCountdown === 0) cutHere = true;
    }
    if (cutHere) {
      // Power fails part-way through this operation.
      this.scheduler.after(op.duration * this.rng.next(), () => {
        if (this.dead) return;
        op.tear?.();
        this.die();
      });
      return;
    }
    this.scheduler.after(op.duration, () => {
      if (this.dead) return;
      this.queue.shift();
      const result = op.complete();
      op.resolve(result);
      this.startNext();
    });
  }

  private die(): void {
    this.dead = true;
    this.busy = false;
    this.cutCountdown = undefined;
    this.queue.length = 0; // their promises never settle
    const callback = this.onPowerCut;
    if (callback) this.scheduler.after(0, callback);
  }

  private applyProgram(offset: number, data: Uint8Array): void {
    const bytes = this.medium.bytes;
    let over = false;
    for (let i = 0; i < data.length; i++) {
      const old = bytes[offset + i];
      if (old !== 0xff && (old & data[i]) !== old) over = true;
      bytes[offset + i] = old & data[i];
    }
    if (over) this.medium.counters.overPrograms++;
  }

  private checkPages(offset: number, length: number): SysError {
    const unit = this.programUnit;
    const first = offset / unit;
    const last = (offset + length) / unit - 1;
    const pagesPerBlock = this.blockSize / unit;
    const blockFirstPage = Math.floor(first / pagesPerBlock) * pagesPerBlock;
    for (let p = first; p <= last; p++) if (this.medium.pageProgrammed[p]) return SysError.INVALID; // programmed twice
    // Pages within a block are programmed in order: no later page may already be programmed.
    for (let p = last + 1; p < blockFirstPage + pagesPerBlock; p++) if (this.medium.pageProgrammed[p]) return SysError.INVALID;
    return SysError.OK;
  }

  private markPages(offset: number, length: number): void {
    if (this.kind !== 'nand') return;
    const unit = this.programUnit;
    for (let p = Math.floor(offset / unit); p < Math.ceil((offset + length) / unit); p++) this.medium.pageProgrammed[p] = 1;
  }

  private setBlockPages(block: number, value: number): void {
    if (this.kind !== 'nand') return;
    const pagesPerBlock = this.blockSize / this.programUnit;
    this.medium.pageProgrammed.fill(value, block * pagesPerBlock, (block + 1) * pagesPerBlock);
  }

  /** An interrupted or failed erase: every byte independently erased, kept, or random. */
  private scramble(block: number): void {
    const start = block * this.blockSize;
    const bytes = this.medium.bytes;
    for (let i = start; i < start + this.blockSize; i++) {
      const pick = this.rng.int(3);
      if (pick === 0) bytes[i] = 0xff;
      else if (pick === 1) bytes[i] = this.rng.nextU32() & 0xff;
    }
    // The block must be erased again before use: on NAND every page counts as programmed.
    this.setBlockPages(block, 1);
  }

  private takeFailure(op: InjectedFailure['op'], block: number): SysError | undefined {
    const index = this.failures.findIndex((f) => f.op === op && (f.block === undefined || f.block === block));
    if (index < 0) return undefined;
    const [failure] = this.failures.splice(index, 1);
    return failure.error ?? SysError.IO;
  }
}
