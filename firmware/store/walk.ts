// Walks the records of one block image in RAM (used by mount and by garbage collection). A record whose
// header fails its CRC ends the walk: nothing after a torn or rotten header can be located.
import { ParseError, RECORD_HEADER_SIZE, parseRecordHeader, payloadIntact } from './format';
import type { RecordHeader } from './format';

export interface WalkEnd {
  /** Offset where the log of this block ends (the next record would go here). */
  readonly end: number;
  /** 'end' for a clean end (erased space or block full), else why the walk stopped. */
  readonly stop: 'end' | ParseError;
}

/** `payloadOk` computes the payload CRC on demand (a data payload is 2 KiB: mount checks only the tail). */
export type RecordVisitor = (header: RecordHeader, at: number, payloadOk: () => boolean) => void;

function erasedRange(bytes: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (bytes[i] !== 0xff) return false;
  return true;
}

/**
 * `pageSize` is the NAND page (0 on NOR): a synced NAND page is padded with 0xFF, so erased bytes
 * inside a page mean "continue at the next page"; erased bytes at a page start mean the log ends.
 */
export function walkRecords(block: Uint8Array, start: number, pageSize: number, visit: RecordVisitor): WalkEnd {
  let at = start;
  const size = block.length;
  while (at < size) {
    if (pageSize > 0) {
      const pageEnd = (Math.floor(at / pageSize) + 1) * pageSize;
      if (erasedRange(block, at, Math.min(pageEnd, at + RECORD_HEADER_SIZE))) {
        if (at % pageSize === 0) return { end: at, stop: 'end' };
        at = pageEnd;
        continue;
      }
    }
    const header = parseRecordHeader(block, at, size - at);
    if (header === ParseError.ERASED) return { end: at, stop: 'end' };
    if (header === ParseError.TRUNCATED) return { end: at, stop: size - at < RECORD_HEADER_SIZE && erasedRange(block, at, size) ? 'end' : header };
    if (typeof header === 'string') return { end: at, stop: header };
    const where = at;
    visit(header, at, () => payloadIntact(header, block, where + RECORD_HEADER_SIZE));
    at += RECORD_HEADER_SIZE + header.length;
  }
  return { end: size, stop: 'end' };
}
