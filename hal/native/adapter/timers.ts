// HAL timers on top of the runtime's single wake-up deadline: a binary heap ordered by due time
// (then by creation, so equal deadlines run in the order they were set).
import type { TimerId } from '../../hal';

interface Entry {
  readonly at: number;
  readonly id: TimerId;
  readonly callback: () => void;
}

function before(a: Entry, b: Entry): boolean {
  return a.at < b.at || (a.at === b.at && a.id < b.id);
}

export class TimerHeap {
  private readonly heap: Entry[] = [];
  private readonly live = new Set<TimerId>();
  private nextId = 1;
  private armed = -1;

  /** `now` reads the monotonic clock; `arm` tells the runtime the next deadline (negative: none). */
  constructor(
    private readonly now: () => number,
    private readonly arm: (at: number) => void,
  ) {}

  set(delayMs: number, callback: () => void): TimerId {
    const delay = Number.isFinite(delayMs) && delayMs > 0 ? delayMs : 0;
    const id = this.nextId++;
    this.push({ at: this.now() + delay, id, callback });
    this.live.add(id);
    this.rearm();
    return id;
  }

  clear(id: TimerId): void {
    // Lazily removed when it reaches the top; the runtime may wake once for nothing.
    this.live.delete(id);
  }

  pending(): number {
    return this.live.size;
  }

  /** Run every timer due now (ones set meanwhile for "now" wait for the next wake-up), then re-arm. */
  runDue(): void {
    // The runtime forgot its deadline when it called us; always tell it the next one.
    this.armed = Number.NaN;
    const now = this.now();
    const due: Entry[] = [];
    while (this.heap.length > 0 && this.heap[0].at <= now) {
      const entry = this.pop() as Entry;
      if (this.live.delete(entry.id)) due.push(entry);
    }
    try {
      for (const entry of due) entry.callback();
    } finally {
      this.rearm();
    }
  }

  private rearm(): void {
    while (this.heap.length > 0 && !this.live.has(this.heap[0].id)) this.pop();
    const next = this.heap.length > 0 ? this.heap[0].at : -1;
    if (next !== this.armed) {
      this.armed = next;
      this.arm(next);
    }
  }

  private push(entry: Entry): void {
    const heap = this.heap;
    heap.push(entry);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i], heap[parent])) break;
      [heap[i], heap[parent]] = [heap[parent], heap[i]];
      i = parent;
    }
  }

  private pop(): Entry | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (heap.length > 0 && last !== undefined) {
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
