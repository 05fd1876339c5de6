// Virtual clock and event queue. Time only moves when the scheduler runs an event, so a scenario of
// hours runs in seconds, and events at the same time run in the order they were scheduled.

export type EventId = number;

interface Scheduled {
  time: number;
  seq: number;
  id: EventId;
  run: () => void;
}

export class Scheduler {
  private time = 0;
  private seq = 0;
  private heap: Scheduled[] = [];
  /** Ids scheduled and neither run nor cancelled; a heap entry not in here is a cancelled one. */
  private live = new Set<EventId>();

  now(): number {
    return this.time;
  }

  at(time: number, run: () => void): EventId {
    const id = ++this.seq;
    this.push({ time: Math.max(time, this.time), seq: id, id, run });
    this.live.add(id);
    return id;
  }

  after(delayMs: number, run: () => void): EventId {
    return this.at(this.time + Math.max(0, delayMs), run);
  }

  /** Cancel a pending event; ids that already ran or were cancelled are ignored. */
  cancel(id: EventId): void {
    this.live.delete(id);
  }

  /** Time of the next pending event, or undefined when nothing is pending. */
  nextTime(): number | undefined {
    this.dropCancelledHead();
    return this.heap.length > 0 ? this.heap[0].time : undefined;
  }

  /** Run the next event; false when there is none. */
  step(): boolean {
    this.dropCancelledHead();
    const event = this.pop();
    if (!event) return false;
    this.live.delete(event.id);
    this.time = event.time;
    event.run();
    return true;
  }

  /** Run every event due up to and including `time`, then set the clock to `time`. */
  runUntil(time: number, maxEvents = Number.POSITIVE_INFINITY): void {
    let budget = maxEvents;
    for (;;) {
      const next = this.nextTime();
      if (next === undefined || next > time || budget-- <= 0) break;
      this.step();
    }
    if (time > this.time) this.time = time;
  }

  runFor(durationMs: number, maxEvents?: number): void {
    this.runUntil(this.time + durationMs, maxEvents);
  }

  /** Run until `done()` holds or virtual `timeoutMs` passes; returns whether it held. */
  runUntilTrue(done: () => boolean, timeoutMs: number): boolean {
    const deadline = this.time + timeoutMs;
    while (!done()) {
      const next = this.nextTime();
      if (next === undefined || next > deadline) {
        this.time = Math.max(this.time, deadline);
        return done();
      }
      this.step();
    }
    return true;
  }

  /**
   * Like runUntil, for firmware that awaits promises (flash completions, the store): before the
   * clock moves past an instant, `yieldToJobs` is awaited so every promise continuation triggered at
   * that instant runs at that virtual time. Node callers pass `() => new Promise((r) => setImmediate(r))`
   * (a macrotask, so the whole microtask queue drains first).
   */
  async runUntilAsync(time: number, yieldToJobs: () => Promise<void>, maxEvents = Number.POSITIVE_INFINITY): Promise<void> {
    let budget = maxEvents;
    for (;;) {
      let next = this.nextTime();
      if (next === undefined || next > this.time) {
        // Continuations of what just ran may schedule more work at this instant: let them first.
        await yieldToJobs();
        next = this.nextTime();
      }
      if (next === undefined || next > time || budget-- <= 0) break;
      this.step();
    }
    if (time > this.time) this.time = time;
  }

  runForAsync(durationMs: number, yieldToJobs: () => Promise<void>, maxEvents?: number): Promise<void> {
    return this.runUntilAsync(this.time + durationMs, yieldToJobs, maxEvents);
  }

  /** Like runUntilTrue, with promise continuations run at each instant (see runUntilAsync). */
  async runUntilTrueAsync(done: () => boolean, timeoutMs: number, yieldToJobs: () => Promise<void>): Promise<boolean> {
    const deadline = this.time + timeoutMs;
    for (;;) {
      if (done()) return true;
      let next = this.nextTime();
      if (next === undefined || next > this.time) {
        await yieldToJobs();
        if (done()) return true;
        next = this.nextTime();
      }
      if (next === undefined || next > deadline) {
        this.time = Math.max(this.time, deadline);
        return done();
      }
      this.step();
    }
  }

  pending(): number {
    return this.live.size;
  }

  private dropCancelledHead(): void {
    while (this.heap.length > 0 && !this.live.has(this.heap[0].id)) this.pop();
  }

  private push(event: Scheduled): void {
    const heap = this.heap;
    heap.push(event);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i], heap[parent])) break;
      [heap[i], heap[parent]] = [heap[parent], heap[i]];
      i = parent;
    }
  }

  private pop(): Scheduled | undefined {
    const heap = this.heap;
    if (heap.length === 0) return undefined;
    const top = heap[0];
    const last = heap.pop() as Scheduled;
    if (heap.length > 0) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        const right = left + 1;
        let smallest = i;
        if (left < heap.length && before(heap[left], heap[smallest])) smallest = left;
        if (right < heap.length && before(heap[right], heap[smallest])) smallest = right;
        if (smallest === i) break;
        [heap[i], heap[smallest]] = [heap[smallest], heap[i]];
        i = smallest;
      }
    }
    return top;
  }
}

function before(a: Scheduled, b: Scheduled): boolean {
  return a.time < b.time || (a.time === b.time && a.seq < b.seq);
}
