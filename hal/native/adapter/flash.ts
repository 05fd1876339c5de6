// The Hal's Flash over the runtime's flash worker: every operation is queued in FIFO order on a
// worker thread (an erase never stalls frames) and settles when flashDone reports its code.
import { SysError } from '../../hal';
import type { Flash, FlashKind } from '../../hal';
import { FlashOp } from './native';
import type { NativeFlashInfo, NativeRuntime } from './native';

export class NativeFlash implements Flash {
  readonly kind: FlashKind;
  readonly size: number;
  readonly blockSize: number;
  readonly programUnit: number;
  readonly eraseValue = 0xff;
  private readonly waiting = new Map<number, (code: SysError) => void>();
  private nextId = 1;

  constructor(
    private readonly native: NativeRuntime,
    info: NativeFlashInfo,
  ) {
    this.kind = info.kind === 'nand' ? 'nand' : 'nor';
    this.size = info.size;
    this.blockSize = info.blockSize;
    this.programUnit = info.programUnit;
  }

  /** Operations submitted and not yet settled (the runtime's SIGTERM waits for the same count). */
  pending(): number {
    return this.waiting.size;
  }

  read(offset: number, into: Uint8Array): Promise<SysError> {
    return this.submit(FlashOp.READ, offset, into);
  }

  program(offset: number, data: Uint8Array): Promise<SysError> {
    return this.submit(FlashOp.PROGRAM, offset, data);
  }

  erase(block: number): Promise<SysError> {
    return this.submit(FlashOp.ERASE, block);
  }

  isBad(block: number): boolean {
    return Number.isInteger(block) && block >= 0 && this.native.flashIsBad(block);
  }

  markBad(block: number): Promise<SysError> {
    return this.submit(FlashOp.MARK_BAD, block);
  }

  /** Called by the adapter's flashDone handler. */
  complete(id: number, code: number): void {
    const settle = this.waiting.get(id);
    if (settle === undefined) return;
    this.waiting.delete(id);
    settle(code as SysError);
  }

  private submit(op: number, offset: number, bytes?: Uint8Array): Promise<SysError> {
    if (!Number.isInteger(offset) || offset < 0) return Promise.resolve(SysError.INVALID);
    const id = this.nextId;
    this.nextId = this.nextId >= 0x7fffffff ? 1 : this.nextId + 1;
    const code = this.native.flashSubmit(op, id, offset, bytes);
    if (code !== SysError.OK) return Promise.resolve(code as SysError);
    return new Promise((resolve) => this.waiting.set(id, resolve));
  }
}

/** The board has no flash the runtime could open: every operation fails with IO, visibly. */
export class MissingFlash implements Flash {
  readonly kind: FlashKind = 'nor';
  readonly size = 0;
  readonly blockSize = 65536;
  readonly programUnit = 1;
  readonly eraseValue = 0xff;
  read(): Promise<SysError> {
    return Promise.resolve(SysError.IO);
  }
  program(): Promise<SysError> {
    return Promise.resolve(SysError.IO);
  }
  erase(): Promise<SysError> {
    return Promise.resolve(SysError.IO);
  }
  isBad(): boolean {
    return false;
  }
  markBad(): Promise<SysError> {
    return Promise.resolve(SysError.IO);
  }
}
