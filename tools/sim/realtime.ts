// Drives a virtual Scheduler against the wall clock: virtual ms = real ms since start, so the
// simulated board runs in real time for `npm start`. Node-only (tools/).
import type { Scheduler } from '../../hal/sim/scheduler';

export interface RealTimeOptions {
  /** Stop by itself after this many ms (virtual = real). */
  readonly durationMs?: number;
  /** Called once when the run ends (duration reached, stop() called, or an error). */
  readonly onStop?: (reason: 'duration' | 'stopped' | 'error', error?: unknown) => void;
  /** Longest real sleep between checks, so new input is never left waiting long. */
  readonly maxSleepMs?: number;
}

/** Events run per wake-up at most, so a runaway simulation cannot freeze the terminal. */
const EVENTS_PER_WAKE = 200_000;
/** A macrotask: the firmware's promise continuations (flash, store) all run before it. */
const yieldToJobs = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export class RealTimeRunner {
  private timer: NodeJS.Timeout | undefined;
  private startedAt = 0;
  private running = false;
  private pumping = false;

  constructor(
    private readonly scheduler: Scheduler,
    private readonly options: RealTimeOptions = {},
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.startedAt = performance.now() - this.scheduler.now();
    void this.pump();
  }

  /** Virtual time the wall clock says we should be at. */
  target(): number {
    return performance.now() - this.startedAt;
  }

  /** Run what is due now (call after feeding input so it is handled without waiting for a tick). */
  poke(): void {
    if (!this.running || this.pumping) return;
    if (this.timer) clearTimeout(this.timer);
    void this.pump();
  }

  stop(reason: 'duration' | 'stopped' | 'error' = 'stopped', error?: unknown): void {
    if (!this.running) return;
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.options.onStop?.(reason, error);
  }

  isRunning(): boolean {
    return this.running;
  }

  private async pump(): Promise<void> {
    this.timer = undefined;
    this.pumping = true;
    const duration = this.options.durationMs;
    let target = this.target();
    if (duration !== undefined) target = Math.min(target, duration);
    try {
      // Async so that firmware awaiting flash continues at the virtual instant its operation ended.
      await this.scheduler.runUntilAsync(target, yieldToJobs, EVENTS_PER_WAKE);
    } catch (error) {
      this.pumping = false;
      this.stop('error', error);
      return;
    }
    this.pumping = false;
    if (!this.running) return;
    if (duration !== undefined && target >= duration) {
      this.stop('duration');
      return;
    }
    const next = this.scheduler.nextTime();
    const maxSleep = this.options.maxSleepMs ?? 50;
    const untilNext = next === undefined ? maxSleep : next - this.target();
    const untilEnd = duration === undefined ? maxSleep : duration - this.target();
    this.timer = setTimeout(() => void this.pump(), Math.max(0, Math.min(maxSleep, untilNext, untilEnd)));
  }
}
