// Frames waiting for ARP resolution, per next hop, with caps per hop and in total. The owner sends
// the requests; this table says when to retry and when to give up. Next hops are keyed by their
// int32 twin (ip | 0), as in the ARP cache; due() hands back that form (write it with writeIp).

export interface PendingHop {
  readonly frames: Uint8Array[];
  /** ARP requests sent so far. */
  requests: number;
  nextRetryAt: number;
}

export type EnqueueResult = 'queued-new' | 'queued' | 'hop-full' | 'total-full';

export class ArpPending {
  private readonly hops = new Map<number, PendingHop>();
  private total = 0;

  constructor(
    private readonly perHop: number,
    private readonly totalCap: number,
    private readonly maxHops: number,
  ) {}

  /** Queue a copy of `frame` for `nextHop`. 'queued-new' means the caller must send the first request. */
  enqueue(address: number, frame: Uint8Array, now: number, retryMs: number): EnqueueResult {
    const nextHop = address | 0;
    if (this.total >= this.totalCap) return 'total-full';
    const hop = this.hops.get(nextHop);
    if (hop !== undefined) {
      if (hop.frames.length >= this.perHop) return 'hop-full';
      hop.frames.push(frame.slice());
      this.total++;
      return 'queued';
    }
    if (this.hops.size >= this.maxHops) return 'total-full';
    this.hops.set(nextHop, { frames: [frame.slice()], requests: 1, nextRetryAt: now + retryMs });
    this.total++;
    return 'queued-new';
  }

  /** Remove and return the frames waiting for `nextHop` (resolved or given up). */
  take(address: number): Uint8Array[] | undefined {
    const nextHop = address | 0;
    const hop = this.hops.get(nextHop);
    if (hop === undefined) return undefined;
    this.hops.delete(nextHop);
    this.total -= hop.frames.length;
    return hop.frames;
  }

  has(nextHop: number): boolean {
    return this.hops.has(nextHop | 0);
  }

  nextRetry(): number | undefined {
    let next: number | undefined;
    for (const hop of this.hops.values()) if (next === undefined || hop.nextRetryAt < next) next = hop.nextRetryAt;
    return next;
  }

  /** Hops whose retry time has come at `now` (a snapshot: callers may take() while iterating it). */
  due(now: number): [number, PendingHop][] {
    const due: [number, PendingHop][] = [];
    for (const entry of this.hops) if (entry[1].nextRetryAt <= now) due.push(entry);
    return due;
  }

  queuedFrames(): number {
    return this.total;
  }

  hopCount(): number {
    return this.hops.size;
  }
}
