// Encoders and bounds-checked decoders for DHCP option values: addresses, times, text, RFC 7618
// port parameters (option 159), vendor sub-options (43) and RFC 3925 V-I vendor data (124/125).
import { readIp, writeIp } from '../util/ipv4';
import { encodeAscii } from '../util/text';
import { Opt, type DhcpOption } from './dhcp';

export function ipListValue(ips: readonly number[]): Uint8Array {
  const value = new Uint8Array(ips.length * 4);
  ips.forEach((ip, i) => writeIp(value, i * 4, ip));
  return value;
}

export function u32Value(n: number): Uint8Array {
  const value = new Uint8Array(4);
  writeIp(value, 0, n >>> 0);
  return value;
}

export function u16Value(n: number): Uint8Array {
  return Uint8Array.of((n >>> 8) & 0xff, n & 0xff);
}

export function textValue(text: string): Uint8Array {
  return encodeAscii(text);
}

/** A 4-byte value as u32, or undefined when the length is wrong. */
export function readU32Value(value: Uint8Array | undefined): number | undefined {
  return value && value.length === 4 ? readIp(value, 0) : undefined;
}

export function readU16Value(value: Uint8Array | undefined): number | undefined {
  return value && value.length === 2 ? (value[0] << 8) | value[1] : undefined;
}

/** A list of IPv4 addresses, or undefined when the length is not a non-zero multiple of 4. */
export function readIpList(value: Uint8Array | undefined): number[] | undefined {
  if (!value || value.length === 0 || value.length % 4 !== 0) return undefined;
  const ips: number[] = [];
  for (let i = 0; i < value.length; i += 4) ips.push(readIp(value, i));
  return ips;
}

// ---- RFC 7618 option 159 (OPTION_V4_PORTPARAMS) ----

export interface PortParams {
  /** a: 0..15 (0 = contiguous blocks, the lw4o6 form Plugboard uses). */
  readonly offset: number;
  /** k: 0..16; 0 means the PSID is ignored (the whole port space). */
  readonly psidLength: number;
  readonly psid: number;
}

/** The 4-byte value: offset, PSID length, then the PSID left-aligned in 16 bits. */
export function portParamsValue(params: PortParams): Uint8Array {
  const { offset, psidLength, psid } = params;
  if (!Number.isInteger(offset) || offset < 0 || offset > 15) throw new RangeError('PSID offset must be 0..15');
  if (!Number.isInteger(psidLength) || psidLength < 0 || psidLength + offset > 16) throw new RangeError('bad PSID length');
  if (!Number.isInteger(psid) || psid < 0 || psid >= 2 ** psidLength) throw new RangeError('PSID out of range');
  const aligned = psidLength === 0 ? 0 : (psid << (16 - psidLength)) & 0xffff;
  return Uint8Array.of(offset, psidLength, aligned >>> 8, aligned & 0xff);
}

/** Decode option 159; undefined when the value is malformed (wrong length, a + k > 16, stray low bits). */
export function readPortParams(value: Uint8Array | undefined): PortParams | undefined {
  if (!value || value.length !== 4) return undefined;
  const offset = value[0];
  const psidLength = value[1];
  if (offset > 15 || psidLength + offset > 16) return undefined;
  const aligned = (value[2] << 8) | value[3];
  if (psidLength === 0) return { offset, psidLength, psid: 0 };
  const lowBits = 16 - psidLength;
  if (lowBits > 0 && (aligned & ((1 << lowBits) - 1)) !== 0) return undefined;
  return { offset, psidLength, psid: aligned >>> lowBits };
}

/** Ports of a PSID in the contiguous scheme (offset 0): [psid * 2^(16-k), (psid+1) * 2^(16-k) - 1]. */
export function contiguousPortRange(psidLength: number, psid: number): { first: number; last: number } {
  const size = 2 ** (16 - psidLength);
  return { first: psid * size, last: psid * size + size - 1 };
}

// ---- vendor sub-options (43) and RFC 3925 V-I data (124/125) ----

export interface SubOption {
  readonly code: number;
  readonly value: Uint8Array;
}

/** Encapsulate sub-options as code/length/value triples (RFC 2132 §8.4). */
export function subOptionsValue(subOptions: readonly SubOption[]): Uint8Array {
  let total = 0;
  for (const sub of subOptions) {
    if (sub.value.length > 255) throw new RangeError('sub-option longer than 255 bytes');
    total += 2 + sub.value.length;
  }
  const value = new Uint8Array(total);
  let at = 0;
  for (const sub of subOptions) {
    value[at] = sub.code;
    value[at + 1] = sub.value.length;
    value.set(sub.value, at + 2);
    at += 2 + sub.value.length;
  }
  return value;
}

/** Decode encapsulated sub-options; undefined on an overrun. PAD (0) and END (255) are honoured. */
export function readSubOptions(value: Uint8Array, start = 0): SubOption[] | undefined {
  const subOptions: SubOption[] = [];
  let at = start;
  while (at < value.length) {
    const code = value[at];
    if (code === 0) {
      at++;
      continue;
    }
    if (code === 255) break;
    if (at + 1 >= value.length) return undefined;
    const length = value[at + 1];
    if (at + 2 + length > value.length) return undefined;
    subOptions.push({ code, value: value.subarray(at + 2, at + 2 + length) });
    at += 2 + length;
  }
  return subOptions;
}

/**
 * Enterprise numbers in an RFC 3925 option 124/125 value: a sequence of
 * enterprise (4 bytes), data-length (1), data. Undefined on an overrun.
 */
export function readEnterpriseNumbers(value: Uint8Array | undefined): number[] | undefined {
  if (!value) return undefined;
  const numbers: number[] = [];
  let at = 0;
  while (at < value.length) {
    if (at + 5 > value.length) return undefined;
    const length = value[at + 4];
    if (at + 5 + length > value.length) return undefined;
    numbers.push(readIp(value, at));
    at += 5 + length;
  }
  return numbers;
}

/** The option as it appears on the wire (code, length, value): handy for tests and logs. */
export function optionBytes(option: DhcpOption): Uint8Array {
  const out = new Uint8Array(option.value.length + 2);
  out[0] = option.code;
  out[1] = option.value.length;
  out.set(option.value, 2);
  return out;
}

export { Opt };
