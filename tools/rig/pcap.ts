// Classic pcap files (little-endian, microseconds, Ethernet): the native runtime's file-backed
// ports replay and record them, pbinject sends them, tcpdump reads them.

const MAGIC = 0xa1b2c3d4;
const GLOBAL_HEADER = 24;
const RECORD_HEADER = 16;

export interface PcapRecord {
  /** Microseconds since the epoch (or since the first record, for fixtures). */
  readonly timeUs: number;
  readonly frame: Uint8Array;
}

export function writePcap(frames: readonly (Uint8Array | PcapRecord)[]): Uint8Array {
  const records = frames.map((item, i) => (item instanceof Uint8Array ? { timeUs: i * 1000, frame: item } : item));
  const size = GLOBAL_HEADER + records.reduce((sum, r) => sum + RECORD_HEADER + r.frame.length, 0);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  view.setUint32(0, MAGIC, true);
  view.setUint16(4, 2, true);
  view.setUint16(6, 4, true);
  view.setUint32(16, 65535, true);
  view.setUint32(20, 1, true); // LINKTYPE_ETHERNET
  let at = GLOBAL_HEADER;
  for (const record of records) {
    view.setUint32(at, Math.floor(record.timeUs / 1e6), true);
    view.setUint32(at + 4, record.timeUs % 1e6, true);
    view.setUint32(at + 8, record.frame.length, true);
    view.setUint32(at + 12, record.frame.length, true);
    out.set(record.frame, at + RECORD_HEADER);
    at += RECORD_HEADER + record.frame.length;
  }
  return out;
}

export type PcapError = 'truncated' | 'bad-magic' | 'not-ethernet';

/** Reads a pcap written by the runtime or writePcap; stops at a truncated last record. */
export function readPcap(bytes: Uint8Array): PcapRecord[] | PcapError {
  if (bytes.length < GLOBAL_HEADER) return 'truncated';
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0, true);
  const little = magic === MAGIC || magic === 0xa1b23c4d;
  if (!little && view.getUint32(0, false) !== MAGIC && view.getUint32(0, false) !== 0xa1b23c4d) return 'bad-magic';
  const nano = (little ? magic : view.getUint32(0, false)) === 0xa1b23c4d;
  if (view.getUint32(20, little) !== 1) return 'not-ethernet';
  const records: PcapRecord[] = [];
  let at = GLOBAL_HEADER;
  while (at + RECORD_HEADER <= bytes.length) {
    const length = view.getUint32(at + 8, little);
    if (at + RECORD_HEADER + length > bytes.length) break;
    const timeUs = view.getUint32(at, little) * 1e6 + Math.floor(view.getUint32(at + 4, little) / (nano ? 1000 : 1));
    records.push({ timeUs, frame: bytes.slice(at + RECORD_HEADER, at + RECORD_HEADER + length) });
    at += RECORD_HEADER + length;
  }
  return records;
}
