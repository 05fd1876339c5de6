// Test images for transfers on the rig: seeded pseudo-random bytes (the same image on every run) and
// the SHA-256 that proves a copy byte-exact.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';

/** Seeded pseudo-random bytes (xorshift32); `size` a multiple of 4. */
export function seededImage(size: number, seed: number): Uint8Array {
  const words = new Uint32Array(size / 4);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    words[i] = x;
  }
  return new Uint8Array(words.buffer);
}

export const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** SHA-256 of a file, or 'missing'. */
export const sha256Of = (file: string): string => (existsSync(file) ? sha256(readFileSync(file)) : 'missing');
