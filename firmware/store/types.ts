// The public contract of the flash store (firmware/store). Everything is asynchronous and nothing
// holds a whole image in RAM. Failures are values (StoreFailure), never exceptions.
import type { SysError } from '../../hal/hal';

export interface StoreFailure {
  readonly error: SysError;
  readonly message: string;
}

export function isFailure(value: unknown): value is StoreFailure {
  return typeof value === 'object' && value !== null && 'error' in value && 'message' in value;
}

export interface ItemStat {
  readonly name: string;
  readonly size: number;
  /** 32 bytes. */
  readonly sha256: Uint8Array;
  /** HAL wall clock (ms since epoch) at commit, or monotonic ms when the board had no wall clock. */
  readonly committedAt: number;
}

/** Streams one new version of an item. It becomes visible (replacing the old one) only at commit. */
export interface ItemWriter {
  write(chunk: Uint8Array): Promise<StoreFailure | undefined>;
  commit(): Promise<ItemStat | StoreFailure>;
  /** Drop the unfinished version; the old one (if any) stays. */
  abort(): void;
}

/** Reads one committed version by offset, even if it is replaced or removed meanwhile. */
export interface ItemReader {
  readonly stat: ItemStat;
  /** Read up to into.length bytes at offset; resolves with the byte count (0 at end). */
  read(offset: number, into: Uint8Array): Promise<number | StoreFailure>;
  close(): void;
}

export interface StoreUsage {
  readonly totalBytes: number;
  readonly usedBytes: number;
  readonly freeBytes: number;
  readonly reclaimableBytes: number;
  readonly eraseCounts: readonly number[];
  readonly badBlocks: number;
}

export interface Store {
  put(name: string, expectedSize?: number): Promise<ItemWriter | StoreFailure>;
  open(name: string): ItemReader | StoreFailure;
  stat(name: string): ItemStat | undefined;
  list(): ItemStat[];
  remove(name: string): Promise<StoreFailure | undefined>;
  /** Small keyed records (config, lease database), replaced atomically. */
  setRecord(key: string, bytes: Uint8Array): Promise<StoreFailure | undefined>;
  getRecord(key: string): Promise<Uint8Array | undefined | StoreFailure>;
  usage(): StoreUsage;
  /** Damage found at mount (items that could not be recovered), for `show status`. */
  damage(): readonly string[];
}
