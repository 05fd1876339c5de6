// What every WAN side (the firmware's own client, router mode's kernel address) tells the rest of
// the firmware: the current state and the listeners to tell when it changes.
import type { WanAddressing, WanState } from './types';

export class WanStateBook implements WanAddressing {
  private current: WanState | undefined;
  private readonly listeners = new Set<(state: WanState | undefined) => void>();

  publicAddress(): number | undefined {
    return this.current?.address;
  }

  state(): WanState | undefined {
    return this.current;
  }

  subscribe(listener: (state: WanState | undefined) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Record `state` and tell every listener. */
  protected announce(state: WanState | undefined): void {
    this.current = state;
    for (const listener of this.listeners) listener(state);
  }
}
