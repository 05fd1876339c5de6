// A FIFO mutex with two priorities: the store's single "lane" to the log head. Foreground work
// (writers, removals, records) goes before background garbage collection, so a caller waits behind at
// most the one GC step (one flash operation) already holding the lane.

export type Priority = 'foreground' | 'background';

export class Lane {
  private held = false;
  private readonly foreground: Array<() => void> = [];
  private readonly background: Array<() => void> = [];

  get busy(): boolean {
    return this.held;
  }

  get waiting(): number {
    return this.foreground.length + this.background.length;
  }

  acquire(priority: Priority): Promise<void> {
    if (!this.held) {
      this.held = true;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => (priority === 'foreground' ? this.foreground : this.background).push(resolve));
  }

  release(): void {
    const next = this.foreground.shift() ?? this.background.shift();
    if (next) next(); // ownership passes directly to the next waiter
    else this.held = false;
  }

  hasForegroundWaiters(): boolean {
    return this.foreground.length > 0;
  }
}
