// Counters by reason name ('ipv4.bad-checksum', 'udp.delivered'). Two books: the outcome of every
// received frame (exactly one per frame, so the outcomes always sum to the frames received) and
// other events (transmissions, ARP requests, queue drops) that are not tied to one received frame.

export class Counters {
  private outcomes: Record<string, number> = {};
  private events: Record<string, number> = {};
  private received = 0;

  /** A frame arrived; it must end in exactly one outcome(). */
  frameIn(): void {
    this.received++;
  }

  outcome(reason: string): void {
    this.outcomes[reason] = (this.outcomes[reason] ?? 0) + 1;
  }

  event(name: string, by = 1): void {
    this.events[name] = (this.events[name] ?? 0) + by;
  }

  framesReceived(): number {
    return this.received;
  }

  outcomeCounts(): Record<string, number> {
    return { ...this.outcomes };
  }

  all(): Record<string, number> {
    return { 'rx.frames': this.received, ...this.events, ...this.outcomes };
  }

  clear(): void {
    this.outcomes = {};
    this.events = {};
    this.received = 0;
  }
}
