// The hardware abstraction layer: the only door between the firmware and a board.
// Two hosts implement it: hal/sim (deterministic simulation) and hal/native (the C runtime).
// Shaped after ECMA-419: callbacks are never invoked from inside a HAL method call, and
// asynchronous flash operations report a SysError code instead of throwing.

/** System errors from HAL and store calls (negative, like LittleFS's lfs_error). 0 is success. */
export const SysError = {
  OK: 0,
  IO: -5, // the device failed the operation
  CORRUPT: -84, // data read back does not match its checksum
  BAD_BLOCK: -77, // NAND block is (or went) bad
  NO_SPACE: -28,
  INVALID: -22, // argument out of range or misaligned
  NOT_FOUND: -2,
  BUSY: -16,
  POWER_LOST: -125, // only in simulation: the operation was cut and will never complete
} as const;
export type SysError = (typeof SysError)[keyof typeof SysError];

export type PortName = 'lan' | 'wan';
export const PORT_NAMES: readonly PortName[] = ['lan', 'wan'];

/** One switch port (or the interface the board maps to it). Frames are whole Ethernet frames without FCS. */
export interface Port {
  readonly name: PortName;
  /** 6 bytes; the router's own MAC on this port. */
  readonly mac: Uint8Array;
  /** IP MTU of the port (1500 on Ethernet); frames may carry 14 (+4 with 802.1Q) bytes more. */
  readonly mtu: number;
  linkUp(): boolean;
  /**
   * Queue one frame for transmission. The HAL copies it before returning, so the caller may reuse
   * the buffer at once. Returns false (and counts it) when the transmit queue is full: the frame
   * was not sent, and a sender that can wait (TFTP) tries again a little later.
   */
  send(frame: Uint8Array): boolean;
  /**
   * Set by the firmware. Called once per received frame. The view is only valid during the call
   * (the native runtime lends its receive ring); copy what must outlive it.
   */
  onFrame?: (frame: Uint8Array) => void;
  /** Called after a batch of onFrame calls: the place to flush work that batches well. */
  onBatchEnd?: () => void;
  onLinkChange?: (up: boolean) => void;
}

export type FlashKind = 'nor' | 'nand';

/** A raw flash partition. Offsets are bytes from the start of the partition. */
export interface Flash {
  readonly kind: FlashKind;
  readonly size: number;
  /** Erase granularity: 64 KiB on typical NOR, 128 KiB on typical SLC NAND. */
  readonly blockSize: number;
  /** Program granularity: 1 on NOR (byte-programmable), the page size (e.g. 2048) on NAND. */
  readonly programUnit: number;
  /** Value of an erased byte; always 0xff here. */
  readonly eraseValue: number;
  /** Read `into.length` bytes at `offset` into `into`. */
  read(offset: number, into: Uint8Array): Promise<SysError>;
  /**
   * Program `data` at `offset`. Programming can only clear bits. On NAND, offset and length must be
   * multiples of `programUnit` and each page may be programmed once between erases.
   * The HAL copies `data` before returning.
   */
  program(offset: number, data: Uint8Array): Promise<SysError>;
  /** Erase one block to `eraseValue`. May take a second; never blocks frame processing. */
  erase(block: number): Promise<SysError>;
  /** NAND: whether the block is marked bad (factory or runtime). Always false on NOR. */
  isBad(block: number): boolean;
  /** NAND: mark a block bad after it failed a program or erase. */
  markBad(block: number): Promise<SysError>;
}

/** The serial console: raw bytes both ways (the firmware does echo and line editing). */
export interface Console {
  write(bytes: Uint8Array): void;
  onInput?: (bytes: Uint8Array) => void;
}

export type TimerId = number;

/** The board as it is described in board/<name>.json, after validation. */
export interface BoardInfo {
  readonly name: string;
  readonly arch: string;
  readonly console: { readonly device: string; readonly baud: number };
  readonly memoryBudgetKiB: number;
}

/**
 * Native versions of the byte loops the firmware runs most (every TFTP block: the UDP checksum and
 * the store's CRC-32). Optional: without them the firmware's own JavaScript runs, with the same
 * results. Both throw a RangeError when [start, end) is not inside `bytes`.
 */
export interface Kernels {
  /** `acc` plus the big-endian 16-bit words of bytes[start, end) (an odd last byte padded), unfolded. */
  sumWords(bytes: Uint8Array, start: number, end: number, acc: number): number;
  /** CRC-32 (IEEE) `crc` continued over bytes[start, end); start from 0. */
  crc32Update(crc: number, bytes: Uint8Array, start: number, end: number): number;
}

export interface Hal {
  readonly board: BoardInfo;
  readonly ports: { readonly lan: Port; readonly wan: Port };
  readonly flash: Flash;
  readonly console: Console;
  /** Monotonic milliseconds since boot (fractional allowed). */
  now(): number;
  /** Wall-clock milliseconds since the Unix epoch, or undefined when the board does not know it. */
  wallClock(): number | undefined;
  /** Run `callback` once, `delayMs` from now. The callback is always deferred. */
  setTimer(delayMs: number, callback: () => void): TimerId;
  clearTimer(id: TimerId): void;
  /** Fill `into` with random bytes (cryptographic quality on real boards; seeded in simulation). */
  randomFill(into: Uint8Array): void;
  /** Restart the firmware (the simulation keeps flash contents; a board reboots). */
  reboot(): void;
  readonly kernels?: Kernels;
}
