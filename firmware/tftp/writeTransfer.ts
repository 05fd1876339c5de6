// One upload (WRQ) as a pure state machine, lock-step (window 1). The server writes each block to
// the store's ItemWriter and reports back (written/committed); only then is the block ACKed, so a
// fast client cannot outrun the flash and nothing is ACKed that is not stored.
import { buildAck, buildError } from '../wire/tftp';
import { wireBlock, seqDelta } from './blockNumbers';
import type { TransferParams } from './params';
import type { Send, TransferEnd } from './readTransfer';

export interface Chunk {
  readonly bytes: Uint8Array;
  readonly last: boolean;
}

export class WriteTransfer {
  private phase: 'receiving' | 'writing' | 'committing' | 'dally' | 'done' = 'receiving';
  private ended: TransferEnd | undefined;
  /** Sequence number of the last block stored and ACKed. */
  private stored = 0;
  private lastReply: Uint8Array;
  private deadline: number | undefined;
  private rto: number;
  private retries = 0;
  private pendingLast = false;
  private pendingBytes = 0;
  bytesStored = 0;
  retransmits = 0;

  constructor(
    readonly params: TransferParams,
    firstReply: Uint8Array,
    now: number,
    send: Send,
    private readonly dallyMs: number,
  ) {
    this.rto = params.timeoutMs;
    this.lastReply = firstReply;
    send(firstReply);
    this.deadline = now + this.rto;
  }

  get done(): boolean {
    return this.phase === 'done';
  }
  get endReason(): TransferEnd | undefined {
    return this.ended;
  }
  /** True once the new version is committed (the dally that follows only re-ACKs). */
  get committed(): boolean {
    return this.phase === 'dally' || this.ended === 'complete';
  }

  /** A DATA packet; returns the chunk the server must write, or undefined (duplicate, out of order). */
  onData(now: number, wire: number, payload: Uint8Array, send: Send): Chunk | undefined {
    const delta = seqDelta(wire, this.stored, 1, this.params.rolloverTo);
    if (this.phase === 'receiving' && delta === 1) {
      if (payload.length > this.params.blockSize) {
        this.fail(4, 'block larger than negotiated', send);
        return undefined;
      }
      this.phase = 'writing';
      this.pendingLast = payload.length < this.params.blockSize;
      this.pendingBytes = payload.length;
      this.deadline = undefined;
      return { bytes: payload.slice(), last: this.pendingLast };
    }
    // The sender missed our ACK and repeated the block: answer once with the same ACK.
    if ((this.phase === 'receiving' || this.phase === 'dally') && delta === 0 && this.stored > 0) send(this.lastReply);
    return undefined;
  }

  /** The server finished writing the chunk onData returned. */
  written(now: number, send: Send): void {
    if (this.phase !== 'writing') return;
    this.stored++;
    this.bytesStored += this.pendingBytes;
    if (this.pendingLast) {
      this.phase = 'committing';
      return;
    }
    this.reply(now, send);
    this.phase = 'receiving';
  }

  /** The server committed the new version. */
  committedResult(now: number, send: Send): void {
    if (this.phase !== 'committing') return;
    this.lastReply = buildAck(wireBlock(this.stored, this.params.rolloverTo));
    send(this.lastReply);
    this.phase = 'dally';
    this.deadline = now + this.dallyMs;
  }

  /**
   * The store refused the chunk or the commit: the client gets `code` and `message` (the server
   * knows why: a full store is error 3 with its figures) and the transfer ends.
   */
  storeFailed(code: number, message: string, send: Send): void {
    if (this.phase !== 'writing' && this.phase !== 'committing') return;
    this.fail(code, message, send);
  }

  onError(): void {
    this.finish('client-error');
  }

  abort(reason: TransferEnd): void {
    this.finish(reason);
  }

  pollAt(): number | undefined {
    return this.phase === 'done' ? undefined : this.deadline;
  }

  dispatch(now: number, send: Send): void {
    if (this.deadline === undefined || now < this.deadline) return;
    if (this.phase === 'dally') {
      this.finish('complete');
      return;
    }
    if (this.phase !== 'receiving') return;
    this.retries++;
    if (this.retries > this.params.maxRetries) {
      this.finish('timeout');
      return;
    }
    this.retransmits++;
    this.rto = Math.min(this.rto * 2, Math.max(this.params.maxTimeoutMs, this.params.timeoutMs));
    send(this.lastReply);
    this.deadline = now + this.rto;
  }

  private reply(now: number, send: Send): void {
    this.lastReply = buildAck(wireBlock(this.stored, this.params.rolloverTo));
    send(this.lastReply);
    this.retries = 0;
    this.rto = this.params.timeoutMs;
    this.deadline = now + this.rto;
  }

  private fail(code: number, message: string, send: Send): void {
    send(buildError(code, message));
    this.finish('source-error');
  }

  private finish(reason: TransferEnd): void {
    if (this.phase === 'done') return;
    this.phase = 'done';
    this.ended = reason;
    this.deadline = undefined;
  }
}
