// The on-flash format of the store (described byte by byte in FORMAT.md): block headers, record
// headers and the commit/tombstone payloads. All multi-byte fields are little-endian. Parsing is
// bounds-checked and returns a reason instead of throwing.
import { crc32 } from '../util/crc32';
import { decodeUtf8, encodeUtf8 } from '../util/text';

export const FORMAT_VERSION = 1;

// ---- block header: the first bytes of every block in use ------------------------------------------
export const BLOCK_MAGIC = 0x54534250; // bytes 'P','B','S','T'
export const BLOCK_HEADER_SIZE = 16;
const BH_MAGIC = 0; // u32
const BH_VERSION = 4; // u8
const BH_RESERVED = 5; // u8, 0
const BH_HEADER_SIZE = 6; // u16
const BH_ERASE_COUNT = 8; // u32
const BH_CRC = 12; // u32 CRC-32 of bytes 0..12

// ---- record header: in front of every record -----------------------------------------------------
export const RECORD_MAGIC = 0x5250; // bytes 'P','R'
export const RECORD_HEADER_SIZE = 24;
const RH_MAGIC = 0; // u16
const RH_TYPE = 2; // u8 RecordType
const RH_SPACE = 3; // u8 Namespace
const RH_LENGTH = 4; // u32 payload length
const RH_SEQ = 8; // u32 data: version id; commit: commit sequence; tombstone: sequence
const RH_AUX = 12; // u32 data: chunk index; commit: version id; tombstone: 0
const RH_PAYLOAD_CRC = 16; // u32 CRC-32 of the payload
const RH_HEADER_CRC = 20; // u32 CRC-32 of header bytes 0..20

export const RecordType = { DATA: 1, COMMIT: 2, TOMBSTONE: 3 } as const;
export type RecordType = (typeof RecordType)[keyof typeof RecordType];

/** Items (images, files) and keyed records (config, leases) are separate name spaces. */
export const Namespace = { ITEM: 0, RECORD: 1 } as const;
export type Namespace = (typeof Namespace)[keyof typeof Namespace];

/** Payload bytes of one data record. A data record is RECORD_HEADER_SIZE + up to CHUNK_SIZE bytes. */
export const CHUNK_SIZE = 2048;
export const DATA_STRIDE = RECORD_HEADER_SIZE + CHUNK_SIZE;
export const MAX_NAME_BYTES = 255;

// ---- commit payload -------------------------------------------------------------------------------
const CP_SIZE_LO = 0; // u32
const CP_SIZE_HI = 4; // u32 (sizes up to 2^53)
const CP_CHUNK_SIZE = 8; // u32
const CP_CHUNK_COUNT = 12; // u32
const CP_SHA256 = 16; // 32 bytes
const CP_COMMITTED_AT = 48; // f64
const CP_NAME_LENGTH = 56; // u16
const CP_NAME = 58;
export const COMMIT_FIXED_SIZE = CP_NAME;
/** The largest record other than a data record: a commit with a 255-byte name. */
export const MAX_COMMIT_RECORD = RECORD_HEADER_SIZE + COMMIT_FIXED_SIZE + MAX_NAME_BYTES;
export const MAX_RECORD_SPAN = Math.max(DATA_STRIDE, MAX_COMMIT_RECORD);

// ---- tombstone payload ----------------------------------------------------------------------------
const TP_NAME_LENGTH = 0; // u16
const TP_NAME = 2;

export const ParseError = {
  ERASED: 'erased', // the header bytes are all 0xFF: end of the log (or of a NAND page)
  TRUNCATED: 'truncated',
  BAD_MAGIC: 'bad-magic',
  BAD_VERSION: 'bad-version',
  BAD_HEADER_CRC: 'bad-header-crc',
  BAD_PAYLOAD_CRC: 'bad-payload-crc',
  BAD_FIELD: 'bad-field',
} as const;
export type ParseError = (typeof ParseError)[keyof typeof ParseError];

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function allErased(bytes: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (bytes[i] !== 0xff) return false;
  return true;
}

export interface BlockHeader {
  readonly eraseCount: number;
}

export function emitBlockHeader(header: BlockHeader, into: Uint8Array, at = 0): void {
  const v = view(into);
  v.setUint32(at + BH_MAGIC, BLOCK_MAGIC, true);
  v.setUint8(at + BH_VERSION, FORMAT_VERSION);
  v.setUint8(at + BH_RESERVED, 0);
  v.setUint16(at + BH_HEADER_SIZE, BLOCK_HEADER_SIZE, true);
  v.setUint32(at + BH_ERASE_COUNT, header.eraseCount >>> 0, true);
  v.setUint32(at + BH_CRC, crc32(into, at, at + BH_CRC), true);
}

export function parseBlockHeader(bytes: Uint8Array, at = 0): BlockHeader | ParseError {
  if (at + BLOCK_HEADER_SIZE > bytes.length) return ParseError.TRUNCATED;
  if (allErased(bytes, at, at + BLOCK_HEADER_SIZE)) return ParseError.ERASED;
  const v = view(bytes);
  if (v.getUint32(at + BH_MAGIC, true) !== BLOCK_MAGIC) return ParseError.BAD_MAGIC;
  if (v.getUint32(at + BH_CRC, true) !== crc32(bytes, at, at + BH_CRC)) return ParseError.BAD_HEADER_CRC;
  if (v.getUint8(at + BH_VERSION) !== FORMAT_VERSION || v.getUint16(at + BH_HEADER_SIZE, true) !== BLOCK_HEADER_SIZE) {
    return ParseError.BAD_VERSION;
  }
  return { eraseCount: v.getUint32(at + BH_ERASE_COUNT, true) };
}

export interface RecordHeader {
  readonly type: RecordType;
  readonly space: Namespace;
  readonly length: number;
  readonly seq: number;
  readonly aux: number;
  readonly payloadCrc: number;
}

export function emitRecordHeader(header: RecordHeader, into: Uint8Array, at = 0): void {
  const v = view(into);
  v.setUint16(at + RH_MAGIC, RECORD_MAGIC, true);
  v.setUint8(at + RH_TYPE, header.type);
  v.setUint8(at + RH_SPACE, header.space);
  v.setUint32(at + RH_LENGTH, header.length, true);
  v.setUint32(at + RH_SEQ, header.seq >>> 0, true);
  v.setUint32(at + RH_AUX, header.aux >>> 0, true);
  v.setUint32(at + RH_PAYLOAD_CRC, header.payloadCrc >>> 0, true);
  v.setUint32(at + RH_HEADER_CRC, crc32(into, at, at + RH_HEADER_CRC), true);
}

/** Parses a record header; `room` is how many bytes the block has left from `at` (payload must fit). */
export function parseRecordHeader(bytes: Uint8Array, at: number, room: number): RecordHeader | ParseError {
  if (at + RECORD_HEADER_SIZE > bytes.length || room < RECORD_HEADER_SIZE) return ParseError.TRUNCATED;
  if (allErased(bytes, at, at + RECORD_HEADER_SIZE)) return ParseError.ERASED;
  const v = view(bytes);
  if (v.getUint16(at + RH_MAGIC, true) !== RECORD_MAGIC) return ParseError.BAD_MAGIC;
  if (v.getUint32(at + RH_HEADER_CRC, true) !== crc32(bytes, at, at + RH_HEADER_CRC)) return ParseError.BAD_HEADER_CRC;
  const type = v.getUint8(at + RH_TYPE);
  const space = v.getUint8(at + RH_SPACE);
  const length = v.getUint32(at + RH_LENGTH, true);
  if (type !== RecordType.DATA && type !== RecordType.COMMIT && type !== RecordType.TOMBSTONE) return ParseError.BAD_FIELD;
  if (space !== Namespace.ITEM && space !== Namespace.RECORD) return ParseError.BAD_FIELD;
  if (RECORD_HEADER_SIZE + length > room) return ParseError.BAD_FIELD;
  if (type === RecordType.DATA && length > CHUNK_SIZE) return ParseError.BAD_FIELD;
  return {
    type: type as RecordType,
    space: space as Namespace,
    length,
    seq: v.getUint32(at + RH_SEQ, true),
    aux: v.getUint32(at + RH_AUX, true),
    payloadCrc: v.getUint32(at + RH_PAYLOAD_CRC, true),
  };
}

export function payloadIntact(header: RecordHeader, bytes: Uint8Array, payloadAt: number): boolean {
  return payloadAt + header.length <= bytes.length && crc32(bytes, payloadAt, payloadAt + header.length) === header.payloadCrc;
}

/** A whole record (header + payload) as bytes ready to program. */
export function buildRecord(type: RecordType, space: Namespace, seq: number, aux: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(RECORD_HEADER_SIZE + payload.length);
  out.set(payload, RECORD_HEADER_SIZE);
  emitRecordHeader({ type, space, length: payload.length, seq, aux, payloadCrc: crc32(payload) }, out, 0);
  return out;
}

export interface CommitInfo {
  readonly size: number;
  readonly chunkSize: number;
  readonly chunkCount: number;
  readonly sha256: Uint8Array;
  readonly committedAt: number;
  readonly name: string;
}

export function encodeName(name: string): Uint8Array | undefined {
  const bytes = encodeUtf8(name);
  return bytes.length >= 1 && bytes.length <= MAX_NAME_BYTES ? bytes : undefined;
}

export function buildCommitPayload(info: CommitInfo, nameBytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(CP_NAME + nameBytes.length);
  const v = view(out);
  v.setUint32(CP_SIZE_LO, info.size % 0x100000000, true);
  v.setUint32(CP_SIZE_HI, Math.floor(info.size / 0x100000000), true);
  v.setUint32(CP_CHUNK_SIZE, info.chunkSize, true);
  v.setUint32(CP_CHUNK_COUNT, info.chunkCount, true);
  out.set(info.sha256, CP_SHA256);
  v.setFloat64(CP_COMMITTED_AT, info.committedAt, true);
  v.setUint16(CP_NAME_LENGTH, nameBytes.length, true);
  out.set(nameBytes, CP_NAME);
  return out;
}

export function parseCommitPayload(bytes: Uint8Array, at: number, length: number): CommitInfo | ParseError {
  if (length < CP_NAME || at + length > bytes.length) return ParseError.TRUNCATED;
  const v = view(bytes);
  const nameLength = v.getUint16(at + CP_NAME_LENGTH, true);
  if (nameLength < 1 || nameLength > MAX_NAME_BYTES || CP_NAME + nameLength !== length) return ParseError.BAD_FIELD;
  const size = v.getUint32(at + CP_SIZE_LO, true) + v.getUint32(at + CP_SIZE_HI, true) * 0x100000000;
  const chunkSize = v.getUint32(at + CP_CHUNK_SIZE, true);
  const chunkCount = v.getUint32(at + CP_CHUNK_COUNT, true);
  if (chunkSize !== CHUNK_SIZE || chunkCount !== Math.ceil(size / CHUNK_SIZE) || !Number.isSafeInteger(size)) return ParseError.BAD_FIELD;
  return {
    size,
    chunkSize,
    chunkCount,
    sha256: bytes.slice(at + CP_SHA256, at + CP_SHA256 + 32),
    committedAt: v.getFloat64(at + CP_COMMITTED_AT, true),
    name: decodeUtf8(bytes, at + CP_NAME, at + CP_NAME + nameLength),
  };
}

export function buildTombstonePayload(nameBytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(TP_NAME + nameBytes.length);
  view(out).setUint16(TP_NAME_LENGTH, nameBytes.length, true);
  out.set(nameBytes, TP_NAME);
  return out;
}

export function parseTombstonePayload(bytes: Uint8Array, at: number, length: number): { name: string } | ParseError {
  if (length < TP_NAME || at + length > bytes.length) return ParseError.TRUNCATED;
  const nameLength = view(bytes).getUint16(at + TP_NAME_LENGTH, true);
  if (nameLength < 1 || nameLength > MAX_NAME_BYTES || TP_NAME + nameLength !== length) return ParseError.BAD_FIELD;
  return { name: decodeUtf8(bytes, at + TP_NAME, at + TP_NAME + nameLength) };
}
