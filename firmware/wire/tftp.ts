// TFTP packets (RFC 1350, options RFC 2347/2348/2349/7440): zero-copy parsing and building.
// Options are parsed as a strict (name\0 value\0)* sequence inside the datagram; see protocols.md 5.3.

export const Opcode = { RRQ: 1, WRQ: 2, DATA: 3, ACK: 4, ERROR: 5, OACK: 6 } as const;
export type Opcode = (typeof Opcode)[keyof typeof Opcode];

/** Error codes on the wire (RFC 1350 section 5, RFC 2347 for 8). */
export const TftpError = {
  NOT_DEFINED: 0,
  FILE_NOT_FOUND: 1,
  ACCESS_VIOLATION: 2,
  DISK_FULL: 3,
  ILLEGAL_OPERATION: 4,
  UNKNOWN_TID: 5,
  FILE_EXISTS: 6,
  NO_SUCH_USER: 7,
  OPTION_REFUSED: 8,
} as const;
export type TftpError = (typeof TftpError)[keyof typeof TftpError];

/** Why a datagram is not a valid TFTP packet. Drops are counted by these names. */
export const ParseError = {
  TRUNCATED: 'truncated',
  BAD_OPCODE: 'bad-opcode',
  UNTERMINATED: 'unterminated-string',
  BAD_MODE: 'bad-mode',
  EMPTY_OPTION_NAME: 'empty-option-name',
  DUPLICATE_OPTION: 'duplicate-option',
  TOO_MANY_OPTIONS: 'too-many-options',
  FIELD_TOO_LONG: 'field-too-long',
  TRAILING_BYTES: 'trailing-bytes',
} as const;
export type ParseError = (typeof ParseError)[keyof typeof ParseError];

// Field offsets (every packet starts with a 2-byte opcode).
const OPCODE = 0;
const BLOCK = 2; // DATA, ACK
const DATA_PAYLOAD = 4;
const ERROR_CODE = 2;
const ERROR_MESSAGE = 4;
const REQUEST_FILENAME = 2;
const OACK_OPTIONS = 2;

export const DATA_HEADER_LENGTH = 4;
export const ACK_LENGTH = 4;
/** RFC 1350 block size, and the size a request must fit in (RFC 2347). */
export const DEFAULT_BLOCK_SIZE = 512;
/** Longest name or value we accept; a request is at most a datagram, this bounds each field. */
export const MAX_FIELD_LENGTH = 255;
/** More options than any client sends; bounds parsing work. */
export const MAX_OPTIONS = 16;

export type Mode = 'octet' | 'netascii';

/** Options in order of appearance, names lower-cased, values as sent. */
export type Options = ReadonlyArray<{ readonly name: string; readonly value: string }>;

export interface Request {
  readonly op: typeof Opcode.RRQ | typeof Opcode.WRQ;
  /** Raw file name bytes decoded one char per byte (never interpreted here). */
  readonly filename: string;
  readonly mode: Mode;
  readonly options: Options;
}
export interface Data {
  readonly op: typeof Opcode.DATA;
  readonly block: number;
  /** A view into the datagram: copy it to keep it. */
  readonly payload: Uint8Array;
}
export interface Ack {
  readonly op: typeof Opcode.ACK;
  readonly block: number;
}
export interface ErrorPacket {
  readonly op: typeof Opcode.ERROR;
  readonly code: number;
  readonly message: string;
}
export interface Oack {
  readonly op: typeof Opcode.OACK;
  readonly options: Options;
}
export type Packet = Request | Data | Ack | ErrorPacket | Oack;

export type ParseResult = { readonly ok: true; readonly packet: Packet } | { readonly ok: false; readonly reason: ParseError };

function fail(reason: ParseError): ParseResult {
  return { ok: false, reason };
}

function u16(bytes: Uint8Array, offset: number): number {
  return (bytes[offset] << 8) | bytes[offset + 1];
}

/** Reads one NUL-terminated string at `start`; a reason when no NUL before `end` or too long. */
function readString(bytes: Uint8Array, start: number, end: number): { text: string; next: number } | ParseError {
  let text = '';
  for (let i = start; i < end; i++) {
    const b = bytes[i];
    if (b === 0) return { text, next: i + 1 };
    if (i - start >= MAX_FIELD_LENGTH) return ParseError.FIELD_TOO_LONG;
    text += String.fromCharCode(b);
  }
  return ParseError.UNTERMINATED;
}

/** Strict option list: pairs until the end of the datagram, both NUL-terminated, no duplicates. */
export function parseOptions(bytes: Uint8Array, start: number, end: number): Options | ParseError {
  const options: { name: string; value: string }[] = [];
  let at = start;
  while (at < end) {
    const name = readString(bytes, at, end);
    if (typeof name === 'string') return name;
    const value = readString(bytes, name.next, end);
    if (typeof value === 'string') return value;
    const lower = name.text.toLowerCase();
    if (lower.length === 0) return ParseError.EMPTY_OPTION_NAME;
    if (options.some((o) => o.name === lower)) return ParseError.DUPLICATE_OPTION;
    if (options.length >= MAX_OPTIONS) return ParseError.TOO_MANY_OPTIONS;
    options.push({ name: lower, value: value.text });
    at = value.next;
  }
  return options;
}

export function parsePacket(bytes: Uint8Array): ParseResult {
  if (bytes.length < 2) return fail(ParseError.TRUNCATED);
  const op = u16(bytes, OPCODE);
  switch (op) {
    case Opcode.RRQ:
    case Opcode.WRQ: {
      const filename = readString(bytes, REQUEST_FILENAME, bytes.length);
      if (typeof filename === 'string') return fail(filename);
      const mode = readString(bytes, filename.next, bytes.length);
      if (typeof mode === 'string') return fail(mode);
      const modeName = mode.text.toLowerCase();
      if (modeName !== 'octet' && modeName !== 'netascii') return fail(ParseError.BAD_MODE);
      const options = parseOptions(bytes, mode.next, bytes.length);
      if (typeof options === 'string') return fail(options);
      return { ok: true, packet: { op, filename: filename.text, mode: modeName, options } };
    }
    case Opcode.DATA:
      if (bytes.length < DATA_HEADER_LENGTH) return fail(ParseError.TRUNCATED);
      return { ok: true, packet: { op, block: u16(bytes, BLOCK), payload: bytes.subarray(DATA_PAYLOAD) } };
    case Opcode.ACK:
      if (bytes.length < ACK_LENGTH) return fail(ParseError.TRUNCATED);
      // Some clients pad; a longer ACK is malformed per RFC 1350, refuse it so no data hides there.
      if (bytes.length > ACK_LENGTH) return fail(ParseError.TRAILING_BYTES);
      return { ok: true, packet: { op, block: u16(bytes, BLOCK) } };
    case Opcode.ERROR: {
      if (bytes.length < ERROR_MESSAGE) return fail(ParseError.TRUNCATED);
      // The message should be NUL-terminated; accept a missing NUL (lenient on what ends a transfer).
      const end = Math.min(bytes.length, ERROR_MESSAGE + MAX_FIELD_LENGTH);
      let message = '';
      for (let i = ERROR_MESSAGE; i < end && bytes[i] !== 0; i++) message += String.fromCharCode(bytes[i]);
      return { ok: true, packet: { op, code: u16(bytes, ERROR_CODE), message } };
    }
    case Opcode.OACK: {
      const options = parseOptions(bytes, OACK_OPTIONS, bytes.length);
      if (typeof options === 'string') return fail(options);
      return { ok: true, packet: { op, options } };
    }
    default:
      return fail(ParseError.BAD_OPCODE);
  }
}

/**
 * Strict unsigned decimal (digits only, no sign, no spaces, at most 10 digits) within [min, max].
 * Undefined when it is not a number or out of range.
 */
export function parseOptionNumber(value: string, min: number, max: number): number | undefined {
  if (value.length === 0 || value.length > 10) return undefined;
  let n = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return undefined;
    n = n * 10 + c;
  }
  return n >= min && n <= max ? n : undefined;
}

// ---- builders -------------------------------------------------------------------------------

function putString(into: Uint8Array, at: number, text: string): number {
  for (let i = 0; i < text.length; i++) into[at + i] = text.charCodeAt(i) & 0xff;
  into[at + text.length] = 0;
  return at + text.length + 1;
}

function optionsLength(options: Options): number {
  let n = 0;
  for (const o of options) n += o.name.length + o.value.length + 2;
  return n;
}

export function buildRequest(
  op: typeof Opcode.RRQ | typeof Opcode.WRQ,
  filename: string,
  mode: Mode,
  options: Options = [],
): Uint8Array {
  const out = new Uint8Array(2 + filename.length + 1 + mode.length + 1 + optionsLength(options));
  out[1] = op;
  let at = putString(out, REQUEST_FILENAME, filename);
  at = putString(out, at, mode);
  for (const o of options) at = putString(out, putString(out, at, o.name), o.value);
  return out;
}

/** Writes a DATA header in place before `payloadLength` bytes already at offset 4; returns the packet view. */
export function writeDataHeader(into: Uint8Array, block: number, payloadLength: number): Uint8Array {
  into[0] = 0;
  into[1] = Opcode.DATA;
  into[2] = (block >>> 8) & 0xff;
  into[3] = block & 0xff;
  return into.subarray(0, DATA_HEADER_LENGTH + payloadLength);
}

export function buildData(block: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(DATA_HEADER_LENGTH + payload.length);
  out.set(payload, DATA_PAYLOAD);
  return writeDataHeader(out, block, payload.length);
}

export function buildAck(block: number): Uint8Array {
  return Uint8Array.of(0, Opcode.ACK, (block >>> 8) & 0xff, block & 0xff);
}

export function buildError(code: number, message: string): Uint8Array {
  const text = message.length > MAX_FIELD_LENGTH ? message.slice(0, MAX_FIELD_LENGTH) : message;
  const out = new Uint8Array(ERROR_MESSAGE + text.length + 1);
  out[1] = Opcode.ERROR;
  out[2] = (code >>> 8) & 0xff;
  out[3] = code & 0xff;
  putString(out, ERROR_MESSAGE, text);
  return out;
}

export function buildOack(options: Options): Uint8Array {
  const out = new Uint8Array(2 + optionsLength(options));
  out[1] = Opcode.OACK;
  let at = OACK_OPTIONS;
  for (const o of options) at = putString(out, putString(out, at, o.name), o.value);
  return out;
}
