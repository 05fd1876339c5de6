// The one event loop of the firmware: keeps ONE HAL timer armed at the smallest pollAt of all
// services, dispatches the services that are due, and re-evaluates after every frame batch.
import type { Hal, Port, TimerId } from '../hal/hal';
import { PORT_NAMES } from '../hal/hal';
import type { Service } from './stack/service';

export interface ReactorOptions {
  /** Told about a service whose dispatch threw (a programmer error); the loop carries on. */
  readonly onServiceError?: (service: Service, error: unknown) => void;
}

/**
 * A service still due right after its dispatch would spin the loop at one instant; after this many
 * such rounds in a row the reactor waits 1 ms between rounds so the rest of the system runs.
 */
const SPIN_LIMIT = 64;
/**
 * A deadline this close ahead of now counts as due: a clock made by subtraction (time since boot)
 * cannot always land on a deadline a few ULPs ahead, and a timer armed for it would fire "early"
 * at the same instant for ever.
 */
const DUE_SLACK_MS = 0.001;

export class Reactor {
  private readonly services: Service[] = [];
  private timer: TimerId | undefined;
  private armedAt: number | undefined;
  private dispatching = false;
  private spins = 0;
  private stopped = false;
  private readonly stats = { rounds: 0, dispatches: 0, serviceErrors: 0, throttled: 0 };

  constructor(
    private readonly hal: Hal,
    private readonly options: ReactorOptions = {},
  ) {
    for (const name of PORT_NAMES) this.chainBatchEnd(hal.ports[name]);
  }

  add(service: Service): void {
    if (!this.services.includes(service)) this.services.push(service);
    this.reschedule();
  }

  remove(service: Service): void {
    const index = this.services.indexOf(service);
    if (index >= 0) this.services.splice(index, 1);
    this.reschedule();
  }

  /** Recompute the wake-up time. Services call this after asynchronous events (flash completions). */
  reschedule(): void {
    if (this.stopped) return;
    // Inside a round the loop re-arms once at its end.
    if (this.dispatching) return;
    const wake = this.earliestPollAt();
    if (wake === undefined) {
      this.disarm();
      return;
    }
    const now = this.hal.now();
    let at = wake - now <= DUE_SLACK_MS ? now : wake;
    if (at <= now && this.spins >= SPIN_LIMIT) {
      at = now + 1;
      this.stats.throttled++;
    }
    if (this.timer !== undefined && this.armedAt === at) return;
    this.disarm();
    this.armedAt = at;
    this.timer = this.hal.setTimer(at - now, () => this.onTimer());
  }

  /** Stop for good (the firmware is shutting down): disarm and ignore further reschedules. */
  stop(): void {
    this.stopped = true;
    this.disarm();
  }

  serviceNames(): string[] {
    return this.services.map((service) => service.name);
  }

  counters(): Record<string, number> {
    return { 'reactor.rounds': this.stats.rounds, 'reactor.dispatches': this.stats.dispatches, 'reactor.service-errors': this.stats.serviceErrors, 'reactor.throttled': this.stats.throttled };
  }

  private onTimer(): void {
    this.timer = undefined;
    this.armedAt = undefined;
    if (this.stopped) return;
    this.runDue();
  }

  /** Dispatch every service that is due now (each once), then re-arm. */
  private runDue(): void {
    const now = this.hal.now();
    this.stats.rounds++;
    this.dispatching = true;
    try {
      // A copy: a dispatch may add or remove services.
      for (const service of this.services.slice()) {
        const at = service.pollAt();
        if (at === undefined || at - now > DUE_SLACK_MS) continue;
        this.stats.dispatches++;
        try {
          service.dispatch(now);
        } catch (error) {
          this.stats.serviceErrors++;
          this.options.onServiceError?.(service, error);
        }
      }
    } finally {
      this.dispatching = false;
    }
    const next = this.earliestPollAt();
    this.spins = next !== undefined && next - this.hal.now() <= DUE_SLACK_MS ? this.spins + 1 : 0;
    this.reschedule();
  }

  private earliestPollAt(): number | undefined {
    let earliest: number | undefined;
    for (const service of this.services) {
      const at = service.pollAt();
      if (at !== undefined && (earliest === undefined || at < earliest)) earliest = at;
    }
    return earliest;
  }

  private disarm(): void {
    if (this.timer !== undefined) this.hal.clearTimer(this.timer);
    this.timer = undefined;
    this.armedAt = undefined;
  }

  /** Keep whatever onBatchEnd the port already has (the stack may flush there) and run ours after it. */
  private chainBatchEnd(port: Port): void {
    const previous = port.onBatchEnd;
    port.onBatchEnd = () => {
      previous?.();
      this.spins = 0;
      this.reschedule();
    };
  }
}
