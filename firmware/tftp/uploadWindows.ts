// The upload windows the owner opened on the console: which LAN host may put which name until
// when. Several may be open at once (an image from one PC, a template from another); opening one
// for the same host and name again moves its closing time instead of adding a second.
import { checkUploadName, NAME_REFUSALS } from './names';

export interface UploadWindow {
  /** The only LAN address allowed to upload. */
  readonly host: number;
  /** When set, the only item name it may write. */
  readonly name?: string;
  /** Monotonic ms (HAL clock) at which the window closes. */
  readonly until: number;
}

export interface OpenUploadWindow extends UploadWindow {
  /** Its number on the console (`image upload cancel <id>`); never reused while the server runs. */
  readonly id: number;
}

export type WindowOpening =
  | { readonly ok: true; readonly window: OpenUploadWindow; readonly replaced: boolean }
  | { readonly ok: false; readonly reason: string };

/** A few at once is plenty for an owner at a console; more is a script gone wrong. */
export const MAX_UPLOAD_WINDOWS = 8;

export class UploadWindows {
  private windows: OpenUploadWindow[] = [];
  private nextId = 1;

  open(request: UploadWindow, now: number): WindowOpening {
    let name: string | undefined;
    if (request.name !== undefined) {
      // A request's one leading '/' is dropped (clients add it); a name typed for a window is refused.
      const checked = request.name.startsWith('/') ? ({ ok: false, reason: 'absolute-path' } as const) : checkUploadName(request.name);
      if (!checked.ok) return { ok: false, reason: `refused name '${request.name}': ${NAME_REFUSALS[checked.reason] ?? checked.reason}` };
      name = checked.name;
    }
    if (!(request.until > now)) return { ok: false, reason: 'the window would close before it opens' };
    this.prune(now);
    const same = this.windows.findIndex((w) => w.host === request.host && w.name === name);
    if (same >= 0) {
      const window = { id: this.windows[same].id, host: request.host, name, until: request.until };
      this.windows[same] = window;
      return { ok: true, window, replaced: true };
    }
    if (this.windows.length >= MAX_UPLOAD_WINDOWS) return { ok: false, reason: `${MAX_UPLOAD_WINDOWS} windows are open already (cancel one first)` };
    const window = { id: this.nextId++, host: request.host, name, until: request.until };
    this.windows.push(window);
    return { ok: true, window, replaced: false };
  }

  /** Close one window by its id; undefined when no such window is open. */
  cancel(id: number, now: number): OpenUploadWindow | undefined {
    this.prune(now);
    const at = this.windows.findIndex((w) => w.id === id);
    if (at < 0) return undefined;
    return this.windows.splice(at, 1)[0];
  }

  /** Close every window; returns how many were open. */
  cancelAll(now: number): number {
    this.prune(now);
    const n = this.windows.length;
    this.windows = [];
    return n;
  }

  /** The open window that lets `host` put `name`, if any. */
  admitting(host: number, name: string, now: number): OpenUploadWindow | undefined {
    return this.windows.find((w) => now < w.until && w.host === host && (w.name === undefined || w.name === name));
  }

  /** Windows still open, oldest first. */
  list(now: number): readonly OpenUploadWindow[] {
    this.prune(now);
    return this.windows.slice();
  }

  private prune(now: number): void {
    this.windows = this.windows.filter((w) => now < w.until);
  }
}
