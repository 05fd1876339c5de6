// The mutations every fuzz target draws from: random bytes, bit flips, byte overwrites with edge values,
// truncation, extension, length fields set to extremes, TLV runs with bad lengths, spliced corpus
// pieces. Each is a pure function of (input, rng), so an input is rebuilt from its seed alone.
import { Rng } from '../../../hal/sim/random';

/** Where the structure of a seed input lies, so mutations can aim at it. */
export interface Shape {
  /** Offsets of big-endian length/count fields: [offset, width in bytes]. */
  readonly lengthFields?: readonly (readonly [number, 1 | 2])[];
  /** Offset where a run of type-length-value options starts (DHCP options, IPv4/TCP options). */
  readonly tlvStart?: number;
}

export interface Seed {
  readonly bytes: Uint8Array;
  readonly shape?: Shape;
}

/** Values that break code which assumes sane fields. */
const EDGE_BYTES = [0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff];
const EDGE_U16 = [0, 1, 2, 0x7fff, 0x8000, 0xfffe, 0xffff];

export function randomBytes(rng: Rng, maxLength: number): Uint8Array {
  const out = new Uint8Array(rng.int(maxLength + 1));
  rng.fill(out);
  return out;
}

function flipBits(bytes: Uint8Array, rng: Rng): Uint8Array {
  const out = bytes.slice();
  if (out.length === 0) return out;
  for (let n = 1 + rng.int(8); n > 0; n--) out[rng.int(out.length)] ^= 1 << rng.int(8);
  return out;
}

function edgeBytes(bytes: Uint8Array, rng: Rng): Uint8Array {
  const out = bytes.slice();
  if (out.length === 0) return out;
  for (let n = 1 + rng.int(4); n > 0; n--) out[rng.int(out.length)] = EDGE_BYTES[rng.int(EDGE_BYTES.length)];
  return out;
}

function truncate(bytes: Uint8Array, rng: Rng): Uint8Array {
  return bytes.slice(0, rng.int(bytes.length + 1));
}

function extend(bytes: Uint8Array, rng: Rng): Uint8Array {
  const extra = rng.chance(0.1) ? 1000 + rng.int(9000) : 1 + rng.int(64);
  const out = new Uint8Array(bytes.length + extra);
  out.set(bytes);
  if (rng.chance(0.5)) for (let i = bytes.length; i < out.length; i++) out[i] = rng.nextU32() & 0xff;
  return out;
}

function extremeLength(bytes: Uint8Array, rng: Rng, shape: Shape): Uint8Array {
  const fields = shape.lengthFields ?? [];
  const out = bytes.slice();
  if (fields.length === 0) return edgeBytes(out, rng);
  const [offset, width] = fields[rng.int(fields.length)];
  if (offset + width > out.length) return out;
  const value = width === 1 ? EDGE_BYTES[rng.int(EDGE_BYTES.length)] : EDGE_U16[rng.int(EDGE_U16.length)];
  const nudged = rng.chance(0.3) ? (width === 1 ? out[offset] : (out[offset] << 8) | out[offset + 1]) + (rng.chance(0.5) ? 1 : -1) : value;
  if (width === 1) out[offset] = nudged & 0xff;
  else {
    out[offset] = (nudged >> 8) & 0xff;
    out[offset + 1] = nudged & 0xff;
  }
  return out;
}

/** Walk the TLV run from `start` and corrupt one option's length (or type), or append a broken one. */
function badTlv(bytes: Uint8Array, rng: Rng, start: number): Uint8Array {
  const out = bytes.slice();
  const lengthsAt: number[] = [];
  for (let at = start; at + 1 < out.length && lengthsAt.length < 64; ) {
    const type = out[at];
    if (type === 0) {
      at++;
      continue;
    }
    if (type === 255) break;
    lengthsAt.push(at + 1);
    at += 2 + out[at + 1];
  }
  const roll = rng.int(4);
  if (roll === 0 || lengthsAt.length === 0) {
    // An option whose length runs past the end, then maybe an END the parser should not reach.
    const tail = Uint8Array.of(1 + rng.int(254), 200 + rng.int(56), rng.nextU32() & 0xff);
    const grown = new Uint8Array(Math.min(start, out.length) + tail.length);
    grown.set(out.subarray(0, Math.min(start, out.length)));
    grown.set(tail, Math.min(start, out.length));
    return grown;
  }
  const at = lengthsAt[rng.int(lengthsAt.length)];
  if (roll === 1) out[at] = EDGE_BYTES[rng.int(EDGE_BYTES.length)];
  else if (roll === 2) out[at - 1] = rng.chance(0.5) ? rng.nextU32() & 0xff : [52, 53, 55, 61, 60, 124, 125, 159, 255, 0][rng.int(10)];
  else out[at] = (out[at] + 1 + rng.int(3)) & 0xff;
  return out;
}

/** Part of one seed, then part of another. */
function splice(a: Uint8Array, b: Uint8Array, rng: Rng): Uint8Array {
  const cut = rng.int(a.length + 1);
  const from = rng.int(b.length + 1);
  const out = new Uint8Array(cut + (b.length - from));
  out.set(a.subarray(0, cut));
  out.set(b.subarray(from), cut);
  return out;
}

/** Names of the mutations, for the figures (how many inputs each made). */
export const MUTATIONS = ['random', 'seed', 'bit-flips', 'edge-bytes', 'truncate', 'extend', 'extreme-length', 'bad-tlv', 'splice'] as const;
export type Mutation = (typeof MUTATIONS)[number];

/**
 * One input from the corpus: 10% random bytes, 5% a seed as it is, the rest one to three stacked
 * mutations of a seed. `maxRandom` bounds random inputs' length.
 */
export function mutate(seeds: readonly Seed[], rng: Rng, maxRandom = 1600): { bytes: Uint8Array; how: Mutation } {
  const roll = rng.int(20);
  if (roll < 2) return { bytes: randomBytes(rng, maxRandom), how: 'random' };
  const seed = seeds[rng.int(seeds.length)];
  if (roll < 3) return { bytes: seed.bytes.slice(), how: 'seed' };
  let bytes = seed.bytes;
  let how: Mutation = 'seed';
  for (let n = 1 + rng.int(3); n > 0; n--) {
    const pick = rng.int(8);
    how = (['bit-flips', 'edge-bytes', 'truncate', 'extend', 'extreme-length', 'bad-tlv', 'splice', 'bit-flips'] as const)[pick];
    if (how === 'bit-flips') bytes = flipBits(bytes, rng);
    else if (how === 'edge-bytes') bytes = edgeBytes(bytes, rng);
    else if (how === 'truncate') bytes = truncate(bytes, rng);
    else if (how === 'extend') bytes = extend(bytes, rng);
    else if (how === 'extreme-length') bytes = extremeLength(bytes, rng, seed.shape ?? {});
    else if (how === 'bad-tlv') bytes = seed.shape?.tlvStart !== undefined ? badTlv(bytes, rng, seed.shape.tlvStart) : flipBits(bytes, rng);
    else bytes = splice(bytes, seeds[rng.int(seeds.length)].bytes, rng);
  }
  return { bytes: bytes === seed.bytes ? bytes.slice() : bytes, how };
}

/** The generator of input `index` of a run: independent of every other input, so one can be rebuilt alone. */
export function inputRng(seed: number, target: string, index: number): Rng {
  let h = 0x811c9dc5 ^ seed;
  for (let i = 0; i < target.length; i++) h = Math.imul(h ^ target.charCodeAt(i), 0x01000193);
  return new Rng((Math.imul(h ^ index, 0x9e3779b1) ^ (index >>> 16)) >>> 0);
}

export const hex = (bytes: Uint8Array, max = 4096): string =>
  Array.from(bytes.subarray(0, max), (b) => b.toString(16).padStart(2, '0')).join('') + (bytes.length > max ? `... (${bytes.length} bytes)` : '');

/** `bytes` behind one random header byte: the targets that steer time, ports or leases read it first. */
export function behindHeaderByte(rng: Rng, bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length + 1);
  out[0] = rng.nextU32() & 0xff;
  out.set(bytes, 1);
  return out;
}
