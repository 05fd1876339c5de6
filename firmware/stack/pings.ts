// Echo requests the router itself sent and is waiting on: matched by sequence number (one identifier
// per stack), resolved with the round trip or with undefined at the deadline.

interface Outstanding {
  readonly dstIp: number;
  readonly sentAt: number;
  readonly deadline: number;
  readonly resolve: (rttMs: number | undefined) => void;
}

export class PendingPings {
  private readonly outstanding = new Map<number, Outstanding>();
  private nextSeq = 0;

  /** Reserve a sequence number that is not outstanding; undefined when all 65536 are. */
  allocateSeq(): number | undefined {
    for (let tries = 0; tries < 0x10000; tries++) {
      const seq = this.nextSeq;
      this.nextSeq = (this.nextSeq + 1) & 0xffff;
      if (!this.outstanding.has(seq)) return seq;
    }
    return undefined;
  }

  add(seq: number, dstIp: number, sentAt: number, deadline: number, resolve: (rttMs: number | undefined) => void): void {
    this.outstanding.set(seq, { dstIp, sentAt, deadline, resolve });
  }

  /** An echo reply with our identifier arrived: true when it answered an outstanding ping. */
  answer(seq: number, fromIp: number, now: number): boolean {
    const ping = this.outstanding.get(seq);
    if (ping === undefined || ping.dstIp !== fromIp) return false;
    this.outstanding.delete(seq);
    ping.resolve(now - ping.sentAt);
    return true;
  }

  nextDeadline(): number | undefined {
    let next: number | undefined;
    for (const ping of this.outstanding.values()) if (next === undefined || ping.deadline < next) next = ping.deadline;
    return next;
  }

  /** Resolve every ping whose deadline has passed with undefined; returns how many timed out. */
  expire(now: number): number {
    let count = 0;
    for (const [seq, ping] of this.outstanding) {
      if (ping.deadline > now) continue;
      this.outstanding.delete(seq);
      ping.resolve(undefined);
      count++;
    }
    return count;
  }

  get size(): number {
    return this.outstanding.size;
  }
}
