// Where a read transfer's bytes come from: a store item read by offset, or a rendered file in RAM,
// optionally through netascii. Sources are sequential and fill one block at a time, so memory per
// transfer stays at the blocks the transfer holds (never the whole image).
import type { ItemReader, StoreFailure } from '../store/types';
import { isFailure } from '../store/types';
import { NetasciiEncoder } from './netascii';

export interface BlockSource {
  /** Fill into[start, start+length) with the next bytes; resolves with the count (< length only at the end). */
  fill(into: Uint8Array, start: number, length: number): Promise<number | StoreFailure>;
  close(): void;
}

/** Raw bytes of a store item, read sequentially by offset. */
export class ItemSource implements BlockSource {
  private offset = 0;
  constructor(private readonly reader: ItemReader) {}

  async fill(into: Uint8Array, start: number, length: number): Promise<number | StoreFailure> {
    let got = 0;
    while (got < length) {
      const n = await this.reader.read(this.offset, into.subarray(start + got, start + length));
      if (isFailure(n)) return n;
      if (n === 0) break;
      got += n;
      this.offset += n;
    }
    return got;
  }

  close(): void {
    this.reader.close();
  }
}

/** A small file already in RAM (a rendered provisioning file). */
export class BytesSource implements BlockSource {
  private offset = 0;
  constructor(private readonly bytes: Uint8Array) {}

  async fill(into: Uint8Array, start: number, length: number): Promise<number> {
    const n = Math.min(length, this.bytes.length - this.offset);
    into.set(this.bytes.subarray(this.offset, this.offset + n), start);
    this.offset += n;
    return n;
  }

  close(): void {}
}

/** Netascii view of another source; holds one raw chunk of read-ahead. */
export class NetasciiSource implements BlockSource {
  private readonly encoder = new NetasciiEncoder();
  private readonly raw: Uint8Array;
  private rawStart = 0;
  private rawEnd = 0;
  private rawDone = false;

  constructor(private readonly inner: BlockSource, chunkSize = 512) {
    this.raw = new Uint8Array(chunkSize);
  }

  async fill(into: Uint8Array, start: number, length: number): Promise<number | StoreFailure> {
    let written = 0;
    while (written < length) {
      if (this.rawStart === this.rawEnd && !this.encoder.hasPending()) {
        if (this.rawDone) break;
        const n = await this.inner.fill(this.raw, 0, this.raw.length);
        if (isFailure(n)) return n;
        this.rawStart = 0;
        this.rawEnd = n;
        if (n < this.raw.length) this.rawDone = true;
        if (n === 0) break;
      }
      const step = this.encoder.encode(this.raw, this.rawStart, this.rawEnd, into, start + written, start + length);
      this.rawStart += step.used;
      written += step.written;
    }
    return written;
  }

  close(): void {
    this.inner.close();
  }
}
