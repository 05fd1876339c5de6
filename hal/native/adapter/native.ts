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
  /** Router mode: a datagram of `length` bytes for socket `id` is in `net.receiveBuffer`. */
  udp?(id: number, length: number, from: number, fromPort: number, to: number): void;
  /** Router mode: the kernel's addresses changed (read them again with net.addresses). */
  addresses?(): void;
  /** Router mode: the child started with net.spawn(id, ...) exited. */
  spawnDone?(id: number, code: number, stdout: string, stderr: string): void;
  /** Router mode: an echo reply to net.echo(seq, ...) arrived from `from`. */
  echoReply?(seq: number, from: number): void;
}

/** Router mode's kernel sockets (hal/native/src/jsnet.c). Negative numbers are -errno. */
export interface NativeNet {
  /** Shared by every socket: a udp() call's datagram is its first `length` bytes. */
  readonly receiveBuffer: ArrayBuffer;
  /** [id, bound port] or -errno. */
  udpOpen(portIndex: number, port: number, broadcast: boolean): [number, number] | number;
  udpSend(id: number, bytes: Uint8Array, address: number, port: number, viaMac?: Uint8Array): number;
  udpClose(id: number): void;
  /** [ip, prefixLength, ...] of a port's interface. */
  addresses(portIndex: number): number[];
  echo(seq: number, address: number): number;
  /** Deletes the conntrack entries whose original or reply source is `address`: how many, or -errno. */
  forgetFlows(address: number): number;
  /** Starts argv[0] (looked up in PATH) with `stdin`; spawnDone(id, ...) follows. 0 or -errno. */
  spawn(id: number, argv: readonly string[], stdin?: Uint8Array): number;
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
  /** Which mode the runtime opened the ports in (absent in runtimes built before router mode). */
  readonly forwarding?: 'kernel' | 'ports';
  /** Router mode only. */
  readonly net?: NativeNet;
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
  sha256Blocks?(state: Uint8Array, bytes: Uint8Array, start: number, end: number): void;
}
