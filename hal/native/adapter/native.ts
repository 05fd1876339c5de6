// The shape of the global `plugboardNative` object the C runtime (hal/native/src/js.c) defines
// before it evaluates the bundle. Only the adapter touches it; everything else sees the Hal.

/** Handlers the adapter registers with attach(); the runtime calls them from its event loop. */
export interface NativeHandlers {
  /** `count` frames of port `portIndex` are described in `descriptors` as (offset, length) pairs. */
  frames(portIndex: number, count: number): void;
  /** The deadline given to setWakeAt has passed (the runtime forgets it; set the next one). */
  timer(): void;
  consoleInput(bytes: ArrayBuffer): void;
  /** A flash operation submitted with `id` finished with a SysError code (reads are filled in). */
  flashDone(id: number, code: number): void;
  linkChange(portIndex: number, up: boolean): void;
}

export interface NativePort {
  readonly index: number;
  readonly name: string;
  readonly interface: string;
  readonly mac: ArrayBuffer;
  readonly mtu: number;
  /** Receive memory lent by the runtime (the AF_PACKET ring); frames are views into it. */
  readonly memory: ArrayBuffer;
}

export interface NativeFlashInfo {
  readonly kind: string;
  readonly size: number;
  readonly blockSize: number;
  readonly programUnit: number;
}

export interface PortStats {
  readonly rxFrames: number;
  readonly rxDropped: number;
  /** Frames the kernel dropped because the receive ring was full (the firmware fell behind). */
  readonly rxRingDrops: number;
  readonly rxChecksumsCompleted: number;
  readonly txFrames: number;
  readonly txDropped: number;
}

/** Flash operation codes of flashSubmit (flash.c). */
export const FlashOp = { READ: 0, PROGRAM: 1, ERASE: 2, MARK_BAD: 3 } as const;

export interface NativeRuntime {
  readonly version: number;
  /** The board file's text (board/<name>.json). */
  readonly board: string;
  /** Arguments after `--` on the runtime's command line. */
  readonly argv: readonly string[];
  readonly ports: readonly NativePort[];
  /** Uint32 (offset, length) pairs for the current frames() call. */
  readonly descriptors: ArrayBuffer;
  readonly flash: NativeFlashInfo | undefined;
  readonly console: { readonly device: string; readonly baud: number };
  attach(handlers: NativeHandlers): void;
  now(): number;
  wallClock(): number | undefined;
  /** Monotonic ms at which timer() should run; negative for none. */
  setWakeAt(ms: number): void;
  randomFill(into: Uint8Array): void;
  consoleWrite(bytes: Uint8Array): void;
  /** Queue a frame (copied) for the batch sent at the end of the loop turn. */
  send(portIndex: number, frame: Uint8Array): boolean;
  linkUp(portIndex: number): boolean;
  portStats(portIndex: number): PortStats | undefined;
  /** Returns a SysError code: 0 means queued and flashDone(id, code) will follow. */
  flashSubmit(op: number, id: number, offset: number, bytes?: Uint8Array): number;
  flashIsBad(block: number): boolean;
  reboot(): void;
  log(text: string): void;
  /** Bytes used by the JavaScript heap. */
  memoryUsed(): number;
  /** HAL kernels (kernels.c); absent in runtimes built before them. */
  sumWords?(bytes: Uint8Array, start: number, end: number, acc: number): number;
  crc32Update?(crc: number, bytes: Uint8Array, start: number, end: number): number;
}
