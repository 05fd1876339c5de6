// In-place header rewrites with RFC 1624 incremental checksum updates: addresses, ports, TTL, MSS.
// Every function works on a frame and header offsets; none allocates.
import { adjustChecksum16, adjustChecksum32, internetChecksum } from '../wire/checksum';
import { readIp, writeIp } from '../util/ipv4';
import {
  IP_CHECKSUM,
  IP_TTL,
  TCP_DATA_OFFSET,
  TCP_MIN_HEADER,
  TCP_OPTION_END,
  TCP_OPTION_MSS,
  TCP_OPTION_NOP,
  readU16,
  writeU16,
} from './packet';

/** No transport checksum to fix (non-first fragment, ICMP, or a truncated embedded header). */
export const NO_CHECKSUM = -1;

/**
 * Adjust the transport checksum at `at` for a 32-bit pseudo-header/ports change. `udp`: a zero
 * checksum means "none" and stays zero, and a computed zero is sent as 0xffff (RFC 768).
 */
function adjustL4Checksum32(frame: Uint8Array, at: number, oldValue: number, newValue: number, udp: boolean): void {
  const old = readU16(frame, at);
  if (udp && old === 0) return;
  let next = adjustChecksum32(old, oldValue, newValue);
  if (udp && next === 0) next = 0xffff;
  writeU16(frame, at, next);
}

function adjustL4Checksum16(frame: Uint8Array, at: number, oldValue: number, newValue: number, udp: boolean): void {
  const old = readU16(frame, at);
  if (udp && old === 0) return;
  let next = adjustChecksum16(old, oldValue, newValue);
  if (udp && next === 0) next = 0xffff;
  writeU16(frame, at, next);
}

/**
 * Replace the address at `addressAt` (inside the IP header at `ip`) with `address`, fixing the IP
 * header checksum and, when `l4ChecksumAt` is not NO_CHECKSUM, the transport checksum (pseudo-header).
 */
export function rewriteAddress(frame: Uint8Array, ip: number, addressAt: number, address: number, l4ChecksumAt: number, udp: boolean): void {
  const old = readIp(frame, addressAt);
  if (old === address) return;
  writeIp(frame, addressAt, address);
  writeU16(frame, ip + IP_CHECKSUM, adjustChecksum32(readU16(frame, ip + IP_CHECKSUM), old, address));
  if (l4ChecksumAt !== NO_CHECKSUM) adjustL4Checksum32(frame, l4ChecksumAt, old, address, udp);
}

/** Replace the 16-bit port (or ICMP identifier) at `portAt`, fixing the checksum at `checksumAt`. */
export function rewritePort(frame: Uint8Array, portAt: number, port: number, checksumAt: number, udp: boolean): void {
  const old = readU16(frame, portAt);
  if (old === port) return;
  writeU16(frame, portAt, port);
  if (checksumAt !== NO_CHECKSUM) adjustL4Checksum16(frame, checksumAt, old, port, udp);
}

/** TTL - 1 with the header checksum adjusted (the TTL shares its 16-bit word with the protocol). */
export function decrementTtl(frame: Uint8Array, ip: number): void {
  const oldWord = readU16(frame, ip + IP_TTL);
  const newWord = oldWord - 0x100;
  writeU16(frame, ip + IP_TTL, newWord);
  writeU16(frame, ip + IP_CHECKSUM, adjustChecksum16(readU16(frame, ip + IP_CHECKSUM), oldWord, newWord));
}

/** Recompute the IPv4 header checksum from scratch (headers the forwarder builds itself). */
export function fillIpChecksum(frame: Uint8Array, ip: number, headerLength: number): void {
  writeU16(frame, ip + IP_CHECKSUM, 0);
  writeU16(frame, ip + IP_CHECKSUM, internetChecksum(frame, ip, ip + headerLength));
}

/**
 * Lower the MSS option of a TCP SYN at `tcp` (segment bytes available up to `end`) to `maxMss`,
 * fixing the TCP checksum at `checksumAt`. Returns true when it changed the option.
 */
export function clampMss(frame: Uint8Array, tcp: number, end: number, maxMss: number, checksumAt: number): boolean {
  const headerLength = (frame[tcp + TCP_DATA_OFFSET] >>> 4) * 4;
  if (headerLength <= TCP_MIN_HEADER || tcp + headerLength > end) return false;
  let at = tcp + TCP_MIN_HEADER;
  const optionsEnd = tcp + headerLength;
  while (at < optionsEnd) {
    const kind = frame[at];
    if (kind === TCP_OPTION_END) return false;
    if (kind === TCP_OPTION_NOP) {
      at++;
      continue;
    }
    if (at + 1 >= optionsEnd) return false;
    const length = frame[at + 1];
    if (length < 2 || at + length > optionsEnd) return false;
    if (kind === TCP_OPTION_MSS && length === 4) {
      const mss = readU16(frame, at + 2);
      if (mss <= maxMss) return false;
      // The option may sit at an odd offset; adjust over the two 16-bit words it straddles.
      if (((at + 2 - tcp) & 1) === 0) {
        writeU16(frame, at + 2, maxMss);
        writeU16(frame, checksumAt, adjustChecksum16(readU16(frame, checksumAt), mss, maxMss));
      } else {
        const wordA = at + 1;
        const oldA = readU16(frame, wordA);
        const oldB = readU16(frame, wordA + 2);
        writeU16(frame, at + 2, maxMss);
        const newA = readU16(frame, wordA);
        const newB = readU16(frame, wordA + 2);
        let sum = adjustChecksum16(readU16(frame, checksumAt), oldA, newA);
        sum = adjustChecksum16(sum, oldB, newB);
        writeU16(frame, checksumAt, sum);
      }
      return true;
    }
    at += length;
  }
  return false;
}
