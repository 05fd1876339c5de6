// What the console needs from the rest of the firmware. Every service is optional: the console
// works from the first moment of boot and each command says plainly when its service is absent.
import type { BoardInfo, Port } from '../../hal/hal';
import type { LiveConfig } from '../config/live';
import type { Store } from '../store/types';
import type { Stack } from '../stack/types';
import type { LeaseDirectory } from '../dhcp/types';
import type { LogEntry, LogLevel } from '../log';

export type Outcome = { readonly ok: true; readonly message: string } | { readonly ok: false; readonly reason: string };

export interface DhcpView {
  /** Drop every lease (phones re-DHCP); resolves with how many went. Absent: not supported. */
  clearLeases: (() => number | Promise<number>) | undefined;
  /** Drop the lease of one address or MAC; whose it was (for the console), undefined when none. */
  clearLease?: (which: { readonly ip: number } | { readonly mac: Uint8Array }) => string | undefined;
  counters(): Record<string, number>;
  clearCounters(): void;
}

export interface TftpView {
  /** Lines for `show tftp`: transfers in progress, totals, the upload window. */
  statusLines(): string[];
  /**
   * Accept uploads from `host` (LAN) for `minutes`, only of `name` when given (checked like a
   * request name). Other windows stay open; the same host and name again moves its closing time.
   */
  openUploadWindow(host: number, name: string | undefined, minutes: number): Outcome;
  /** The open upload windows, numbered, for `image upload`. */
  uploadWindowLines(): string[];
  /** Close one upload window by its number, or all of them. */
  cancelUploadWindow(which: number | 'all'): Outcome;
  counters(): Record<string, number>;
  clearCounters(): void;
  /** Per phone (by IP): what it fetched lately, when, and whether it finished, for `show phones`. */
  phoneProgress?(ip: number): string | undefined;
}

export interface NatView {
  /** Router mode: read the kernel's counters before statusLines (they come from another process). */
  refresh?(): Promise<void>;
  /** Lines for `show nat`: phone blocks in use, NAPT mappings, public address. */
  statusLines(): string[];
  counters(): Record<string, number>;
  clearCounters(): void;
  /** Per phone (by IP): packets/bytes out and in, for `show phones`. */
  phoneTraffic?(ip: number): string | undefined;
}

export interface WanView {
  /** The public address in use (static, or from the WAN DHCP client). */
  publicAddress(): number | undefined;
  statusLine(): string;
}

export interface LogView {
  entries(level?: LogLevel): LogEntry[];
  setConsoleLevel(level: LogLevel): void;
}

export interface ConsoleRouter {
  readonly firmwareVersion: string;
  readonly board: BoardInfo;
  readonly ports: { readonly lan: Port; readonly wan: Port };
  now(): number;
  wallClock(): number | undefined;
  randomFill(into: Uint8Array): void;
  reboot(): void;
  /** Resolve on a later turn of the event loop, so slow work (password hashing) lets forwarding run. */
  pause?(): Promise<void>;
  readonly config: LiveConfig;
  /** Set by boot as services come up. */
  store?: Store;
  stack?: Stack;
  leases?: LeaseDirectory;
  dhcp?: DhcpView;
  tftp?: TftpView;
  nat?: NatView;
  wan?: WanView;
  log?: LogView;
  /** More counters for `show stats` (reactor, console). */
  extraCounters?: () => Record<string, number>;
  /** Text of how the configuration was loaded at boot, for `show status`. */
  readonly configOrigin?: string;
}
