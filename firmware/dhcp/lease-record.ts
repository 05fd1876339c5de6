// On-flash form of the lease database: shard records of up to 16 bindings each, plus one meta
// record (shard count and the ever-used port-unit bitmap). Magic, version, byte order, length, CRC.
// All multi-byte fields are big-endian (network order) on every board. Layout in LEASES.md.
import { crc32 } from '../util/crc32';
import { readIp, writeIp } from '../util/ipv4';
import { decodeAscii, encodeAscii } from '../util/text';

export const SHARD_SLOTS = 16;
export const LEASE_MAGIC = 0x50424c45; // 'PBLE'
export const META_MAGIC = 0x50424c4d; // 'PBLM'
export const RECORD_VERSION = 1;
export const BIG_ENDIAN = 0x42; // 'B'
export const HEADER_LEN = 18;
export const MAX_KEY_LEN = 140;

export const shardKey = (shard: number): string => `dhcp.leases.${shard}`;
export const META_KEY = 'dhcp.meta';

/** One persisted binding: who holds which address and port block. No times: see LEASES.md. */
export interface BindingRecord {
  readonly slot: number;
  readonly key: string;
  readonly mac: Uint8Array;
  /** 0 when the client holds only a block (its address was declined or taken back). */
  readonly ip: number;
  readonly phoneClass: string | undefined;
  /** psidLength 0 = no block. */
  readonly psidLength: number;
  readonly psid: number;
  readonly released: boolean;
}

export const RecordError = {
  TRUNCATED: 'truncated',
  BAD_MAGIC: 'bad-magic',
  BAD_VERSION: 'bad-version',
  BAD_BYTE_ORDER: 'bad-byte-order',
  BAD_LENGTH: 'bad-length',
  BAD_CRC: 'bad-crc',
  BAD_ENTRY: 'bad-entry',
} as const;
export type RecordError = (typeof RecordError)[keyof typeof RecordError];

function writeU16(bytes: Uint8Array, at: number, n: number): void {
  bytes[at] = (n >>> 8) & 0xff;
  bytes[at + 1] = n & 0xff;
}

function readU16(bytes: Uint8Array, at: number): number {
  return (bytes[at] << 8) | bytes[at + 1];
}

function entryLength(entry: BindingRecord): number {
  return 1 + 1 + entry.key.length + 6 + 4 + 1 + (entry.phoneClass?.length ?? 0) + 1 + 2 + 1;
}

/** Header: magic(4) version(1) byteOrder(1) shard(2) count(2) payloadLength(4) crc32(4). */
export function encodeShard(shard: number, entries: readonly BindingRecord[]): Uint8Array {
  let payload = 0;
  for (const entry of entries) payload += entryLength(entry);
  const bytes = new Uint8Array(HEADER_LEN + payload);
  writeIp(bytes, 0, LEASE_MAGIC);
  bytes[4] = RECORD_VERSION;
  bytes[5] = BIG_ENDIAN;
  writeU16(bytes, 6, shard);
  writeU16(bytes, 8, entries.length);
  writeIp(bytes, 10, payload);
  let at = HEADER_LEN;
  for (const entry of entries) {
    if (entry.key.length > MAX_KEY_LEN) throw new RangeError('lease key too long');
    bytes[at++] = entry.slot % SHARD_SLOTS;
    bytes[at++] = entry.key.length;
    bytes.set(encodeAscii(entry.key), at);
    at += entry.key.length;
    bytes.set(entry.mac.subarray(0, 6), at);
    at += 6;
    writeIp(bytes, at, entry.ip);
    at += 4;
    const name = entry.phoneClass ?? '';
    bytes[at++] = name.length;
    bytes.set(encodeAscii(name), at);
    at += name.length;
    bytes[at++] = entry.psidLength;
    writeU16(bytes, at, entry.psid);
    at += 2;
    bytes[at++] = entry.released ? 1 : 0;
  }
  writeIp(bytes, 14, crc32(bytes, HEADER_LEN, bytes.length));
  return bytes;
}

function checkHeader(bytes: Uint8Array, magic: number): RecordError | undefined {
  if (bytes.length < HEADER_LEN) return RecordError.TRUNCATED;
  if (readIp(bytes, 0) !== magic) return RecordError.BAD_MAGIC;
  if (bytes[4] !== RECORD_VERSION) return RecordError.BAD_VERSION;
  if (bytes[5] !== BIG_ENDIAN) return RecordError.BAD_BYTE_ORDER;
  if (readIp(bytes, 10) !== bytes.length - HEADER_LEN) return RecordError.BAD_LENGTH;
  if (readIp(bytes, 14) !== crc32(bytes, HEADER_LEN, bytes.length)) return RecordError.BAD_CRC;
  return undefined;
}

export function decodeShard(bytes: Uint8Array): { shard: number; entries: BindingRecord[] } | RecordError {
  const bad = checkHeader(bytes, LEASE_MAGIC);
  if (bad) return bad;
  const shard = readU16(bytes, 6);
  const count = readU16(bytes, 8);
  if (count > SHARD_SLOTS) return RecordError.BAD_ENTRY;
  const entries: BindingRecord[] = [];
  let at = HEADER_LEN;
  for (let i = 0; i < count; i++) {
    if (at + 2 > bytes.length) return RecordError.BAD_ENTRY;
    const slotInShard = bytes[at++];
    const keyLength = bytes[at++];
    if (slotInShard >= SHARD_SLOTS || keyLength === 0 || keyLength > MAX_KEY_LEN) return RecordError.BAD_ENTRY;
    if (at + keyLength + 11 > bytes.length) return RecordError.BAD_ENTRY;
    const key = decodeAscii(bytes, at, at + keyLength);
    at += keyLength;
    const mac = bytes.slice(at, at + 6);
    at += 6;
    const ip = readIp(bytes, at);
    at += 4;
    const nameLength = bytes[at++];
    if (at + nameLength + 4 > bytes.length) return RecordError.BAD_ENTRY;
    const name = decodeAscii(bytes, at, at + nameLength);
    at += nameLength;
    const psidLength = bytes[at++];
    const psid = readU16(bytes, at);
    at += 2;
    const flags = bytes[at++];
    if (psidLength > 16 || (psidLength > 0 && psid >= 2 ** psidLength) || flags > 1) return RecordError.BAD_ENTRY;
    entries.push({
      slot: shard * SHARD_SLOTS + slotInShard,
      key,
      mac,
      ip,
      phoneClass: nameLength > 0 ? name : undefined,
      psidLength,
      psid,
      released: flags === 1,
    });
  }
  if (at !== bytes.length) return RecordError.BAD_ENTRY;
  return { shard, entries };
}

/** Meta: header as a shard (shard field = shard count, count = 0) then the ever-used bitmap. */
export function encodeMeta(shardCount: number, everUsed: Uint8Array): Uint8Array {
  const bytes = new Uint8Array(HEADER_LEN + everUsed.length);
  writeIp(bytes, 0, META_MAGIC);
  bytes[4] = RECORD_VERSION;
  bytes[5] = BIG_ENDIAN;
  writeU16(bytes, 6, shardCount);
  writeU16(bytes, 8, 0);
  writeIp(bytes, 10, everUsed.length);
  bytes.set(everUsed, HEADER_LEN);
  writeIp(bytes, 14, crc32(bytes, HEADER_LEN, bytes.length));
  return bytes;
}

export function decodeMeta(bytes: Uint8Array): { shardCount: number; everUsed: Uint8Array } | RecordError {
  const bad = checkHeader(bytes, META_MAGIC);
  if (bad) return bad;
  return { shardCount: readU16(bytes, 6), everUsed: bytes.slice(HEADER_LEN) };
}

export function isRecordError(value: unknown): value is RecordError {
  return typeof value === 'string';
}
