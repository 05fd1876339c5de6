// The small pieces of the running firmware that the services' attach functions ask for. Each
// attach names only what it uses; main.ts (the composition root) hands them over.
import type { Service } from './stack/service';

/** Where a service registers with the reactor and asks it to re-read pollAt. */
export interface ReactorSlot {
  add(service: Service): void;
  remove(service: Service): void;
  reschedule(): void;
}

/** Log lines under a source name (firmware/log.ts's Log). */
export interface LogLines {
  info(source: string, text: string): void;
  warn(source: string, text: string): void;
  error(source: string, text: string): void;
}

/** What every service's attach gets: log lines, the reactor and the monotonic clock (ms). */
export interface ServiceDeps {
  readonly log: LogLines;
  readonly reactor: ReactorSlot;
  readonly now: () => number;
}
