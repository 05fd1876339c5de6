// A virtual Ethernet cable between two ends, with per-direction latency, jitter, loss, duplication,
// reordering and an optional line rate. All randomness comes from the seeded Rng; frames are copied
// on send, so the sender may reuse its buffer at once.
import type { Rng } from './random';
import type { Scheduler } from './scheduler';
import type { FrameLog } from './frame-log';

export interface LinkConditions {
  /** One-way base delay in ms. */
  readonly latencyMs: number;
  /** Extra delay, uniform in [0, jitterMs); frames still arrive in order unless reordered. */
  readonly jitterMs: number;
  /** Probability a frame vanishes. */
  readonly loss: number;
  /** Probability a frame arrives twice. */
  readonly duplicate: number;
  /** Probability a frame is held back `reorderDelayMs` so later frames overtake it. */
  readonly reorder: number;
  readonly reorderDelayMs: number;
  /** Line rate; undefined = frames take no time to serialise. */
  readonly bitsPerSecond: number | undefined;
  /** With a line rate: bytes that may wait to be sent before new frames are dropped. */
  readonly queueBytes: number;
}

export const PERFECT_LINK: LinkConditions = {
  latencyMs: 0.05,
  jitterMs: 0,
  loss: 0,
  duplicate: 0,
  reorder: 0,
  reorderDelayMs: 1,
  bitsPerSecond: undefined,
  queueBytes: 256 * 1024,
};

/** Whatever sits at the end of a link: a board port, a switch port, a host. */
export interface FrameReceiver {
  /** The frame is the receiver's own copy. */
  receiveFrame(frame: Uint8Array): void;
}

/** Anything a link can be plugged into. */
export interface Pluggable {
  plug(end: LinkEnd): void;
}

export interface LinkStats {
  sent: number;
  delivered: number;
  lost: number;
  duplicated: number;
  reordered: number;
  queueDrops: number;
  /** Frames that reached an end nobody was plugged into. */
  unplugged: number;
}

function newStats(): LinkStats {
  return { sent: 0, delivered: 0, lost: 0, duplicated: 0, reordered: 0, queueDrops: 0, unplugged: 0 };
}

function checkConditions(c: LinkConditions): void {
  const probability = (p: number, name: string): void => {
    if (!(p >= 0 && p <= 1)) throw new Error(`link ${name} must be a probability in [0, 1], got ${p}`);
  };
  probability(c.loss, 'loss');
  probability(c.duplicate, 'duplicate');
  probability(c.reorder, 'reorder');
  for (const [name, value] of [['latencyMs', c.latencyMs], ['jitterMs', c.jitterMs], ['reorderDelayMs', c.reorderDelayMs], ['queueBytes', c.queueBytes]] as const) {
    if (!(value >= 0) || !Number.isFinite(value)) throw new Error(`link ${name} must be a finite number >= 0, got ${value}`);
  }
  if (c.bitsPerSecond !== undefined && !(c.bitsPerSecond > 0)) throw new Error(`link bitsPerSecond must be > 0, got ${c.bitsPerSecond}`);
}

/** One direction of a link: its conditions, its queue and its statistics. */
class Channel {
  conditions: LinkConditions;
  readonly stats = newStats();
  private lastArrival = 0;
  private busyUntil = 0;
  receiver: FrameReceiver | undefined;

  constructor(
    private readonly link: Link,
    private readonly direction: 'ab' | 'ba',
    conditions: LinkConditions,
  ) {
    this.conditions = conditions;
  }

  send(frame: Uint8Array): boolean {
    const { scheduler, rng } = this.link;
    const c = this.conditions;
    const now = scheduler.now();
    const copy = frame.slice();
    this.stats.sent++;
    this.log('tx', copy);
    if (rng.chance(c.loss)) {
      this.stats.lost++;
      this.log('lost', copy);
      return true; // the sender cannot tell: the cable ate it
    }
    let departure = now;
    if (c.bitsPerSecond !== undefined) {
      const start = Math.max(now, this.busyUntil);
      const backlogBytes = ((start - now) * c.bitsPerSecond) / 8000;
      if (backlogBytes + copy.length > c.queueBytes) {
        this.stats.queueDrops++;
        this.log('queue-drop', copy);
        return false;
      }
      // 20 bytes of preamble, start delimiter and inter-frame gap, 4 of FCS, 60 bytes minimum payload.
      departure = start + ((Math.max(copy.length, 60) + 24) * 8 * 1000) / c.bitsPerSecond;
      this.busyUntil = departure;
    }
    let arrival = departure + c.latencyMs + (c.jitterMs > 0 ? rng.next() * c.jitterMs : 0);
    if (rng.chance(c.reorder)) {
      this.stats.reordered++;
      arrival += c.reorderDelayMs;
    } else {
      arrival = Math.max(arrival, this.lastArrival);
      this.lastArrival = arrival;
    }
    scheduler.at(arrival, () => this.deliver(copy));
    if (rng.chance(c.duplicate)) {
      this.stats.duplicated++;
      const twin = copy.slice();
      this.log('dup', twin);
      scheduler.at(arrival + (c.jitterMs > 0 ? rng.next() * c.jitterMs : 0), () => this.deliver(twin));
    }
    return true;
  }

  private deliver(frame: Uint8Array): void {
    if (!this.receiver) {
      this.stats.unplugged++;
      return;
    }
    this.stats.delivered++;
    this.log('rx', frame);
    this.receiver.receiveFrame(frame);
  }

  private log(event: 'tx' | 'rx' | 'lost' | 'dup' | 'queue-drop', frame: Uint8Array): void {
    this.link.frameLog?.record({ time: this.link.scheduler.now(), link: this.link.name, direction: this.direction, event, frame });
  }
}

/** The end of a link a station holds: it sends into the cable and receives what comes out. */
export class LinkEnd {
  constructor(
    readonly link: Link,
    private readonly outgoing: Channel,
    private readonly incoming: Channel,
  ) {}

  /** Copies the frame. False when the line-rate queue is full (the frame is dropped). */
  send(frame: Uint8Array): boolean {
    return this.outgoing.send(frame);
  }

  connect(receiver: FrameReceiver | undefined): void {
    this.incoming.receiver = receiver;
  }
}

export interface LinkOptions {
  readonly name: string;
  /** Both directions (fields left out take PERFECT_LINK's values). */
  readonly conditions?: Partial<LinkConditions>;
  /** Overrides for the b -> a direction only. */
  readonly conditionsBA?: Partial<LinkConditions>;
  readonly frameLog?: FrameLog;
}

export class Link {
  readonly name: string;
  readonly a: LinkEnd;
  readonly b: LinkEnd;
  readonly frameLog: FrameLog | undefined;
  private readonly ab: Channel;
  private readonly ba: Channel;

  constructor(
    readonly scheduler: Scheduler,
    readonly rng: Rng,
    options: LinkOptions,
  ) {
    this.name = options.name;
    this.frameLog = options.frameLog;
    const both = { ...PERFECT_LINK, ...options.conditions };
    const back = { ...both, ...options.conditionsBA };
    checkConditions(both);
    checkConditions(back);
    this.ab = new Channel(this, 'ab', both);
    this.ba = new Channel(this, 'ba', back);
    this.a = new LinkEnd(this, this.ab, this.ba);
    this.b = new LinkEnd(this, this.ba, this.ab);
  }

  /** Change conditions mid-run (a cable going bad); `direction` undefined = both. */
  setConditions(conditions: Partial<LinkConditions>, direction?: 'ab' | 'ba'): void {
    for (const channel of direction === 'ab' ? [this.ab] : direction === 'ba' ? [this.ba] : [this.ab, this.ba]) {
      const next = { ...channel.conditions, ...conditions };
      checkConditions(next);
      channel.conditions = next;
    }
  }

  stats(direction: 'ab' | 'ba'): Readonly<LinkStats> {
    return (direction === 'ab' ? this.ab : this.ba).stats;
  }
}

/** Cable two stations together. */
export function connect(scheduler: Scheduler, rng: Rng, a: Pluggable, b: Pluggable, options: LinkOptions): Link {
  const link = new Link(scheduler, rng, options);
  a.plug(link.a);
  b.plug(link.b);
  return link;
}
