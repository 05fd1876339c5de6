// One read transfer (RRQ) as a pure state machine: it never reads a clock or reads the store.
// The server feeds it blocks (pushBlock) and packets (onAck/onError) with the time, and calls
// dispatch at pollAt for retransmissions. Memory: at most windowSize + readAhead block buffers.
// When the port refuses a packet (its transmit queue is full) the transfer stops where it is and
// reports `blocked`; the server calls resume() once the port may have room. Nothing is lost at the
// router's own queue, so a storm of windowed transfers is paced by the cable instead of timeouts.
import { writeDataHeader, DATA_HEADER_LENGTH } from '../wire/tftp';
import { wireBlock, seqDelta } from './blockNumbers';
import type { TransferParams } from './params';

/** Hands a packet to the port; false means its transmit queue is full and the packet was not sent. */
export type Send = (packet: Uint8Array) => boolean | void;
/** 'no-space': an upload the store had no room for (counted apart from other store failures). */
export type TransferEnd = 'complete' | 'timeout' | 'client-error' | 'source-error' | 'no-space' | 'aborted';

export class ReadTransfer {
  private phase: 'oack' | 'sending' | 'done';
  private ended: TransferEnd | undefined;
  /** DATA packets for sequence numbers acked+1 ... acked+queue.length, header already written. */
  private readonly queue: Uint8Array[] = [];
  private readonly spare: Uint8Array[] = [];
  private acked = 0;
  private nextSend = 1;
  /** Sequence number of the final (short) block once it has been pushed. */
  private lastSeq = -1;
  private deadline: number | undefined;
  private rto: number;
  private retries = 0;
  private portFull = false;

  // Progress and behaviour counters for introspection and tests.
  bytesAcked = 0;
  dataSent = 0;
  retransmits = 0;
  duplicateAcks = 0;
  staleAcks = 0;

  constructor(
    readonly params: TransferParams,
    private readonly oack: Uint8Array | undefined,
    now: number,
    send: Send,
  ) {
    this.rto = params.timeoutMs;
    if (oack) {
      this.phase = 'oack';
      send(oack);
      this.deadline = now + this.rto;
    } else {
      this.phase = 'sending';
    }
  }

  get done(): boolean {
    return this.phase === 'done';
  }
  get endReason(): TransferEnd | undefined {
    return this.ended;
  }
  /** The port refused the last packet; waiting for resume(). */
  get blocked(): boolean {
    return this.portFull && this.phase === 'sending';
  }
  /** Blocks acknowledged so far (sequence number, not wrapped). */
  get blocksAcked(): number {
    return this.acked;
  }

  /** How many more blocks the transfer will take now (0 once the last block is in, or when full). */
  room(): number {
    if (this.phase === 'done' || this.lastSeq >= 0) return 0;
    return Math.max(0, this.params.windowSize + this.params.readAhead - this.queue.length);
  }

  /** A buffer for the next block: payload goes at offset 4, blockSize bytes at most. */
  takeBuffer(): Uint8Array {
    return this.spare.pop() ?? new Uint8Array(DATA_HEADER_LENGTH + this.params.blockSize);
  }

  /** The next block's payload is in buffer[4, 4+length); a length below blockSize ends the file. */
  pushBlock(now: number, buffer: Uint8Array, length: number, send: Send): void {
    if (this.room() === 0) throw new Error('pushBlock without room'); // programmer error
    const seq = this.acked + this.queue.length + 1;
    this.queue.push(writeDataHeader(buffer, wireBlock(seq, this.params.rolloverTo), length));
    if (length < this.params.blockSize) this.lastSeq = seq;
    if (this.phase === 'sending') this.pump(now, send);
  }

  onAck(now: number, wire: number, send: Send): void {
    if (this.phase === 'oack') {
      if (wire !== 0) {
        this.staleAcks++;
        return;
      }
      this.phase = 'sending';
      this.retries = 0;
      this.rto = this.params.timeoutMs;
      this.deadline = undefined;
      this.pump(now, send);
      return;
    }
    if (this.phase !== 'sending') return;
    const inFlight = this.nextSend - 1 - this.acked;
    const delta = seqDelta(wire, this.acked, inFlight, this.params.rolloverTo);
    if (delta === 0) {
      // RFC 1123 4.2.3.1: a duplicate ACK never triggers a resend (Sorcerer's Apprentice).
      this.duplicateAcks++;
      return;
    }
    if (delta < 0) {
      this.staleAcks++;
      return;
    }
    for (let i = 0; i < delta; i++) {
      const packet = this.queue.shift() as Uint8Array;
      this.bytesAcked += packet.length - DATA_HEADER_LENGTH;
      this.spare.push(new Uint8Array(packet.buffer, packet.byteOffset, DATA_HEADER_LENGTH + this.params.blockSize));
    }
    this.acked += delta;
    this.retries = 0;
    this.rto = this.params.timeoutMs;
    if (this.acked === this.lastSeq) {
      this.finish('complete');
      return;
    }
    // RFC 7440: an ACK inside the window means the receiver saw a gap; resume right after it.
    if (delta < inFlight) this.nextSend = this.acked + 1;
    this.deadline = undefined;
    this.pump(now, send);
  }

  /** The client sent ERROR: the transfer ends without a reply (RFC 1350). */
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
    if (this.phase === 'done' || this.deadline === undefined || now < this.deadline) return;
    this.retries++;
    if (this.retries > this.params.maxRetries) {
      this.finish('timeout');
      return;
    }
    this.retransmits++;
    this.rto = Math.min(this.rto * 2, Math.max(this.params.maxTimeoutMs, this.params.timeoutMs));
    if (this.phase === 'oack') {
      send(this.oack as Uint8Array);
      this.deadline = now + this.rto;
      return;
    }
    this.nextSend = this.acked + 1;
    this.deadline = undefined;
    this.pump(now, send);
  }

  /** The port may have room again: go on sending where the refused packet was. */
  resume(now: number, send: Send): void {
    if (!this.blocked) return;
    this.pump(now, send);
  }

  /** Send what the window allows from nextSend; arm the timer when something went out. */
  private pump(now: number, send: Send): void {
    let sent = false;
    this.portFull = false;
    const windowEnd = this.acked + this.params.windowSize;
    while (this.nextSend <= windowEnd && this.nextSend - this.acked <= this.queue.length) {
      if (send(this.queue[this.nextSend - this.acked - 1]) === false) {
        this.portFull = true;
        break;
      }
      this.nextSend++;
      this.dataSent++;
      sent = true;
    }
    // A refused packet also arms the timer: should nobody resume us, the retransmission does.
    if (sent || (this.portFull && this.deadline === undefined)) this.deadline = now + this.rto;
  }

  private finish(reason: TransferEnd): void {
    if (this.phase === 'done') return;
    this.phase = 'done';
    this.ended = reason;
    this.deadline = undefined;
    this.queue.length = 0;
    this.spare.length = 0;
  }
}
