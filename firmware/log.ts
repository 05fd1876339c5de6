// The firmware's logger: levelled lines on the console and a bounded in-RAM ring for `show log`.
// Engine-neutral: it writes through the HAL console and reads time from a clock it is given.
import type { Console } from '../hal/hal';
import { encodeUtf8 } from './util/text';

export type LogLevel = 'error' | 'warn' | 'info' | 'debug';
export const LOG_LEVELS: readonly LogLevel[] = ['error', 'warn', 'info', 'debug'];
const RANK: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };

export interface LogEntry {
  /** Monotonic ms since boot. */
  readonly time: number;
  readonly level: LogLevel;
  /** The part of the firmware that logged (`boot`, `dhcp`, `store`...). */
  readonly source: string;
  readonly text: string;
}

export interface LogOptions {
  /** Lines at this level or more severe reach the console (default info). */
  readonly consoleLevel?: LogLevel;
  /** Lines at this level or more severe enter the ring (default debug). */
  readonly ringLevel?: LogLevel;
  /** Entries the ring keeps (default 256); the oldest go first. */
  readonly ringSize?: number;
  /** Longer texts are cut here so one runaway message cannot eat the RAM budget (default 240). */
  readonly maxTextLength?: number;
}

/** Where console lines go; the console engineer can swap this to redraw the prompt around log lines. */
export type LogSink = (line: string) => void;

export class Log {
  private readonly ring: (LogEntry | undefined)[];
  private next = 0;
  private stored = 0;
  private dropped = 0;
  private consoleRank: number;
  private ringRank: number;
  private readonly maxTextLength: number;
  private sink: LogSink | undefined;

  constructor(
    private readonly clock: { now(): number },
    console: Console | undefined,
    options: LogOptions = {},
  ) {
    const size = options.ringSize ?? 256;
    if (!Number.isInteger(size) || size < 1) throw new Error(`ringSize must be a positive integer, got ${size}`);
    this.ring = new Array<LogEntry | undefined>(size).fill(undefined);
    this.consoleRank = RANK[options.consoleLevel ?? 'info'];
    this.ringRank = RANK[options.ringLevel ?? 'debug'];
    this.maxTextLength = options.maxTextLength ?? 240;
    this.sink = console ? (line) => console.write(encodeUtf8(line)) : undefined;
  }

  error(source: string, text: string): void {
    this.add('error', source, text);
  }
  warn(source: string, text: string): void {
    this.add('warn', source, text);
  }
  info(source: string, text: string): void {
    this.add('info', source, text);
  }
  debug(source: string, text: string): void {
    this.add('debug', source, text);
  }

  add(level: LogLevel, source: string, text: string): void {
    const rank = RANK[level];
    if (rank > this.consoleRank && rank > this.ringRank) return;
    const cut = text.length > this.maxTextLength ? `${text.slice(0, this.maxTextLength)}...` : text;
    const entry: LogEntry = { time: this.clock.now(), level, source, text: cut };
    if (rank <= this.ringRank) {
      if (this.ring[this.next] !== undefined) this.dropped++;
      this.ring[this.next] = entry;
      this.next = (this.next + 1) % this.ring.length;
      this.stored = Math.min(this.stored + 1, this.ring.length);
    }
    if (rank <= this.consoleRank && this.sink) this.sink(`${formatLogEntry(entry)}\r\n`);
  }

  /** The ring's entries, oldest first, optionally only those at `level` or more severe. */
  entries(level: LogLevel = 'debug'): LogEntry[] {
    const out: LogEntry[] = [];
    const start = (this.next - this.stored + this.ring.length) % this.ring.length;
    for (let i = 0; i < this.stored; i++) {
      const entry = this.ring[(start + i) % this.ring.length];
      if (entry && RANK[entry.level] <= RANK[level]) out.push(entry);
    }
    return out;
  }

  /** Entries pushed out of the ring by newer ones since boot (or the last clear). */
  droppedCount(): number {
    return this.dropped;
  }

  clear(): void {
    this.ring.fill(undefined);
    this.next = 0;
    this.stored = 0;
    this.dropped = 0;
  }

  setConsoleLevel(level: LogLevel): void {
    this.consoleRank = RANK[level];
  }

  consoleLevel(): LogLevel {
    return LOG_LEVELS[this.consoleRank];
  }

  /** Replace where console lines go (undefined silences the console; the ring still fills). */
  setSink(sink: LogSink | undefined): void {
    this.sink = sink;
  }
}

/** `[   12.345] info  dhcp: text` — seconds since boot, like the kernel's printk. */
export function formatLogEntry(entry: LogEntry): string {
  const seconds = (entry.time / 1000).toFixed(3);
  return `[${seconds.padStart(10)}] ${entry.level.padEnd(5)} ${entry.source}: ${entry.text}`;
}

export function isLogLevel(value: string): value is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(value);
}
