// The simulated serial console: a terminal side (tests type and read; `npm start` binds it to the
// real terminal) and a device side handed to each firmware instance as the HAL Console.
import type { Console } from '../hal';
import type { Scheduler } from './scheduler';
import { decodeUtf8, encodeUtf8 } from '../../firmware/util/text';

export interface SimConsoleOptions {
  /** Input bytes arrive at the line rate (10 bits per byte at 8N1). Default 115200. */
  readonly baud?: number;
  /** Output kept for read() before the oldest bytes go (default 1 MiB). */
  readonly keepBytes?: number;
}

export interface SimConsoleStats {
  bytesIn: number;
  bytesOut: number;
  /** Typed while no firmware was running (during a reboot): a real UART drops those too. */
  droppedIn: number;
  /** Written by a firmware instance that has since lost power. */
  staleWrites: number;
}

export class SimConsole {
  readonly stats: SimConsoleStats = { bytesIn: 0, bytesOut: 0, droppedIn: 0, staleWrites: 0 };
  /** Called with each chunk of output as it is written (the terminal binding of `npm start`). */
  onOutput: ((bytes: Uint8Array) => void) | undefined;
  private readonly chunks: Uint8Array[] = [];
  private kept = 0;
  private readonly keepBytes: number;
  private readonly byteTimeMs: number;
  private device: (Console & { onInput?: (bytes: Uint8Array) => void }) | undefined;
  private lineFreeAt = 0;

  constructor(
    private readonly scheduler: Scheduler,
    options: SimConsoleOptions = {},
  ) {
    this.byteTimeMs = 10_000 / (options.baud ?? 115200);
    this.keepBytes = options.keepBytes ?? 1024 * 1024;
  }

  /** Type text (UTF-8) or bytes at the terminal; they reach the firmware after their line time. */
  type(input: string | Uint8Array): void {
    const bytes = typeof input === 'string' ? encodeUtf8(input) : input.slice();
    if (bytes.length === 0) return;
    const start = Math.max(this.scheduler.now(), this.lineFreeAt);
    this.lineFreeAt = start + bytes.length * this.byteTimeMs;
    const target = this.device;
    this.scheduler.at(this.lineFreeAt, () => {
      if (!target || target !== this.device || !target.onInput) {
        this.stats.droppedIn += bytes.length;
        return;
      }
      this.stats.bytesIn += bytes.length;
      target.onInput(bytes);
    });
  }

  /** All output since the last read, as text. */
  read(): string {
    return decodeUtf8(this.readBytes());
  }

  readBytes(): Uint8Array {
    const out = new Uint8Array(this.kept);
    let at = 0;
    for (const chunk of this.chunks) {
      out.set(chunk, at);
      at += chunk.length;
    }
    this.chunks.length = 0;
    this.kept = 0;
    return out;
  }

  /** A fresh device side for a newly booted firmware instance; the previous one goes dead. */
  attach(): Console {
    const device: Console = {
      write: (bytes: Uint8Array) => {
        if (device !== this.device) {
          this.stats.staleWrites++;
          return;
        }
        this.output(bytes.slice());
      },
      onInput: undefined,
    };
    this.device = device;
    return device;
  }

  /** Power is gone: nobody reads the line until the next attach. */
  detach(): void {
    this.device = undefined;
  }

  private output(bytes: Uint8Array): void {
    this.stats.bytesOut += bytes.length;
    this.chunks.push(bytes);
    this.kept += bytes.length;
    while (this.kept > this.keepBytes && this.chunks.length > 1) this.kept -= (this.chunks.shift() as Uint8Array).length;
    this.onOutput?.(bytes);
  }
}
