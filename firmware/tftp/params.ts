// Settings of one transfer after option negotiation, and the server-wide limits they come from.
import type { RolloverTo } from './blockNumbers';

export interface TransferParams {
  readonly blockSize: number;
  readonly windowSize: number;
  /** First retransmission timeout; doubles on each retry up to maxTimeoutMs. */
  readonly timeoutMs: number;
  readonly maxTimeoutMs: number;
  /** Retransmissions of one window (or ACK) before the transfer is abandoned. */
  readonly maxRetries: number;
  readonly rolloverTo: RolloverTo;
  /** Blocks read ahead of the window (memory: (windowSize + readAhead) x blockSize per transfer). */
  readonly readAhead: number;
}

export interface TftpLimits {
  /** Largest windowsize granted (RFC 7440); requests above are lowered. */
  readonly maxWindowSize: number;
  /** Largest blksize granted; the server also caps it at LAN MTU - 32 so a block fits one frame. */
  readonly maxBlockSize: number;
  readonly defaultTimeoutMs: number;
  readonly maxTimeoutMs: number;
  readonly maxRetries: number;
  /** Rollover when the client does not ask (0 is what most clients expect). */
  readonly rolloverTo: RolloverTo;
  readonly readAhead: number;
  /** Concurrent transfers in all (>= 200) and per client address. */
  readonly maxTransfers: number;
  readonly maxTransfersPerClient: number;
  /** Upper bound of a rendered provisioning file. */
  readonly maxRenderedBytes: number;
  /** Largest image an upload may write. */
  readonly maxUploadBytes: number;
  /** How long a finished upload keeps answering a repeated last DATA with its ACK. */
  readonly dallyMs: number;
}

export const DEFAULT_LIMITS: TftpLimits = {
  maxWindowSize: 16,
  maxBlockSize: 65464,
  defaultTimeoutMs: 1000,
  maxTimeoutMs: 8000,
  maxRetries: 5,
  rolloverTo: 0,
  readAhead: 2,
  maxTransfers: 256,
  maxTransfersPerClient: 4,
  maxRenderedBytes: 64 * 1024,
  dallyMs: 3000,
  maxUploadBytes: 64 * 1024 * 1024,
};

/** TFTP header (4) + UDP (8) + IPv4 (20): what a block must leave room for in one frame. */
export const BLOCK_OVERHEAD = 32;
