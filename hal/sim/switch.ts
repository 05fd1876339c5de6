// A learning Ethernet switch: learns source MACs per port (bounded table, aging), forwards known
// unicast to one port, floods broadcast, multicast and unknown unicast to every other port.
import type { Scheduler } from './scheduler';
import type { FrameReceiver, LinkEnd, Pluggable } from './link';

export interface SwitchOptions {
  readonly name?: string;
  /** MAC table entries; the least recently seen goes when full. */
  readonly capacity?: number;
  /** An entry not refreshed for this long is forgotten (802.1D default 300 s). */
  readonly agingMs?: number;
}

export interface SwitchStats {
  received: number;
  forwarded: number;
  flooded: number;
  /** Destination learned on the port it came from: nothing to do. */
  filtered: number;
  /** Shorter than an Ethernet header. */
  runts: number;
  evictions: number;
}

interface Entry {
  port: number;
  seenAt: number;
}

class SwitchPort implements Pluggable, FrameReceiver {
  end: LinkEnd | undefined;

  constructor(
    private readonly owner: LearningSwitch,
    readonly index: number,
  ) {}

  plug(end: LinkEnd): void {
    this.end = end;
    end.connect(this);
  }

  receiveFrame(frame: Uint8Array): void {
    this.owner.ingress(this.index, frame);
  }
}

function macKey(frame: Uint8Array, offset: number): number {
  return (frame[offset] * 0x10000 + ((frame[offset + 1] << 8) | frame[offset + 2])) * 0x1000000 + ((frame[offset + 3] << 16) | (frame[offset + 4] << 8) | frame[offset + 5]);
}

export class LearningSwitch {
  readonly name: string;
  readonly stats: SwitchStats = { received: 0, forwarded: 0, flooded: 0, filtered: 0, runts: 0, evictions: 0 };
  private readonly ports: SwitchPort[] = [];
  /** Map order is recency order: a refresh deletes and re-inserts. */
  private readonly table = new Map<number, Entry>();
  private readonly capacity: number;
  private readonly agingMs: number;

  constructor(
    private readonly scheduler: Scheduler,
    options: SwitchOptions = {},
  ) {
    this.name = options.name ?? 'switch';
    this.capacity = options.capacity ?? 1024;
    this.agingMs = options.agingMs ?? 300_000;
  }

  /** A new port to plug a link into. */
  newPort(): Pluggable {
    const port = new SwitchPort(this, this.ports.length);
    this.ports.push(port);
    return port;
  }

  /** The port index a MAC is learned on (for tests), if any and not aged out. */
  portOf(mac: Uint8Array): number | undefined {
    return this.lookup(macKey(mac, 0))?.port;
  }

  tableSize(): number {
    return this.table.size;
  }

  ingress(portIndex: number, frame: Uint8Array): void {
    this.stats.received++;
    if (frame.length < 14) {
      this.stats.runts++;
      return;
    }
    const source = macKey(frame, 6);
    if ((frame[6] & 1) === 0) this.learn(source, portIndex);
    const groupDestination = (frame[0] & 1) === 1;
    const known = groupDestination ? undefined : this.lookup(macKey(frame, 0));
    if (known === undefined) {
      this.stats.flooded++;
      for (const port of this.ports) if (port.index !== portIndex) port.end?.send(frame);
      return;
    }
    if (known.port === portIndex) {
      this.stats.filtered++;
      return;
    }
    this.stats.forwarded++;
    this.ports[known.port].end?.send(frame);
  }

  private learn(key: number, port: number): void {
    const existing = this.table.get(key);
    if (existing) this.table.delete(key);
    else if (this.table.size >= this.capacity) {
      const oldest = this.table.keys().next().value as number;
      this.table.delete(oldest);
      this.stats.evictions++;
    }
    this.table.set(key, { port, seenAt: this.scheduler.now() });
  }

  private lookup(key: number): Entry | undefined {
    const entry = this.table.get(key);
    if (entry && this.scheduler.now() - entry.seenAt > this.agingMs) {
      this.table.delete(key);
      return undefined;
    }
    return entry;
  }
}
