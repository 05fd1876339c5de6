// A timestamped record of every frame event on the simulated links, for the determinism test and
// for debugging a scenario: the same seed must give a byte-identical log.

export type FrameEvent = 'tx' | 'rx' | 'lost' | 'dup' | 'queue-drop';

export interface FrameRecord {
  readonly time: number;
  readonly link: string;
  /** 'ab' when sent from end a to end b, 'ba' the other way. */
  readonly direction: 'ab' | 'ba';
  readonly event: FrameEvent;
  readonly frame: Uint8Array;
}

const EVENT_CODES: Record<FrameEvent, number> = { tx: 1, rx: 2, lost: 3, dup: 4, 'queue-drop': 5 };

export class FrameLog {
  private readonly records: FrameRecord[] = [];
  private overflow = 0;

  /** Keeps at most `limit` records (later ones are counted, not kept) so a long run cannot eat RAM. */
  constructor(private readonly limit = 1_000_000) {}

  /** Keeps its own copy of the frame: receivers may rewrite theirs in place (NAPPT does). */
  record(entry: FrameRecord): void {
    if (this.records.length >= this.limit) {
      this.overflow++;
      return;
    }
    this.records.push({ ...entry, frame: entry.frame.slice() });
  }

  entries(): readonly FrameRecord[] {
    return this.records;
  }

  overflowed(): number {
    return this.overflow;
  }

  /**
   * One byte string for the whole log: per record time (float64), link name, direction, event,
   * frame length and bytes. Equal logs serialise to equal bytes and vice versa.
   */
  serialize(): Uint8Array {
    let size = 0;
    for (const r of this.records) size += 8 + 1 + r.link.length * 2 + 1 + 1 + 4 + r.frame.length;
    const out = new Uint8Array(size);
    const view = new DataView(out.buffer);
    let at = 0;
    for (const r of this.records) {
      view.setFloat64(at, r.time);
      at += 8;
      out[at++] = r.link.length;
      for (let i = 0; i < r.link.length; i++, at += 2) view.setUint16(at, r.link.charCodeAt(i));
      out[at++] = r.direction === 'ab' ? 0 : 1;
      out[at++] = EVENT_CODES[r.event];
      view.setUint32(at, r.frame.length);
      at += 4;
      out.set(r.frame, at);
      at += r.frame.length;
    }
    return out;
  }

  /** Human-readable lines (time, link, direction, event, length, first bytes in hex). */
  lines(maxBytes = 42): string[] {
    return this.records.map((r) => {
      let hex = '';
      for (let i = 0; i < Math.min(maxBytes, r.frame.length); i++) hex += (r.frame[i] < 16 ? '0' : '') + r.frame[i].toString(16);
      return `${r.time.toFixed(3)} ${r.link} ${r.direction} ${r.event} ${r.frame.length} ${hex}`;
    });
  }
}
