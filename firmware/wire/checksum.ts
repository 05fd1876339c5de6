// The Internet checksum (RFC 1071) and its incremental update (RFC 1624).
// Sums are kept as plain numbers; folding happens once at the end.

type SumWords = (bytes: Uint8Array, start: number, end: number, acc: number) => number;

/**
 * Below this many bytes the loop here is cheaper than a call into the runtime. In QuickJS a call
 * into C costs about 80 ns, the loop here about 35 ns per byte: even a 20-byte IP header gains.
 */
const NATIVE_FROM = 8;
let nativeSumWords: SumWords | undefined;

/** Use the runtime's sumWords (HAL kernels) from now on, for NATIVE_FROM bytes or more; undefined goes back. */
export function useNativeSumWords(kernel: SumWords | undefined): void {
  nativeSumWords = kernel;
}

/** Add the 16-bit big-endian words of bytes[start, end) to `acc` (an odd final byte is padded with zero). */
export function sumWords(bytes: Uint8Array, start: number, end: number, acc = 0): number {
  if (nativeSumWords !== undefined && end - start >= NATIVE_FROM) return nativeSumWords(bytes, start, end, acc);
  let sum = acc;
  let i = start;
  for (; i + 1 < end; i += 2) sum += (bytes[i] << 8) | bytes[i + 1];
  if (i < end) sum += bytes[i] << 8;
  return sum;
}

/** Fold a running sum into 16 bits and complement it: the value that goes on the wire. */
export function finishChecksum(sum: number): number {
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return ~sum & 0xffff;
}

/** The Internet checksum of bytes[start, end). */
export function internetChecksum(bytes: Uint8Array, start = 0, end = bytes.length, acc = 0): number {
  return finishChecksum(sumWords(bytes, start, end, acc));
}

/** Sum of the IPv4 pseudo-header (RFC 768 / RFC 793) for a transport segment of `length` bytes. */
export function pseudoHeaderSum(srcIp: number, dstIp: number, protocol: number, length: number): number {
  return (srcIp >>> 16) + (srcIp & 0xffff) + (dstIp >>> 16) + (dstIp & 0xffff) + protocol + length;
}

/**
 * RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'), for one 16-bit word changing from `oldWord` to `newWord`.
 * Never yields 0xffff-vs-0 ambiguity problems for IP/TCP; UDP callers keep a zero checksum zero.
 */
export function adjustChecksum16(checksum: number, oldWord: number, newWord: number): number {
  let sum = (~checksum & 0xffff) + (~oldWord & 0xffff) + (newWord & 0xffff);
  sum = (sum & 0xffff) + (sum >>> 16);
  sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** RFC 1624 update for a 32-bit field (an IPv4 address) changing from `oldValue` to `newValue`. */
export function adjustChecksum32(checksum: number, oldValue: number, newValue: number): number {
  let sum =
    (~checksum & 0xffff) +
    (~(oldValue >>> 16) & 0xffff) +
    (~oldValue & 0xffff) +
    (newValue >>> 16) +
    (newValue & 0xffff);
  sum = (sum & 0xffff) + (sum >>> 16);
  sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}
