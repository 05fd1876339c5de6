// SHA-256 of the store's images, hashed as they arrive. With the runtime's sha256Blocks kernel the
// rounds run in C and this file only keeps the partial block and does the padding (FIPS 180-4
// section 5.1.1); without it (the simulation, Node) @noble/hashes does it all and stays the
// reference both are tested against. In QuickJS noble's rounds cost more per uploaded byte than
// receiving and storing it.
import { sha256 } from '@noble/hashes/sha2.js';

type Sha256Blocks = (state: Uint8Array, bytes: Uint8Array, start: number, end: number) => void;

export interface Sha256 {
  update(bytes: Uint8Array): void;
  /** The 32-byte digest; the hash takes no more input after it. */
  digest(): Uint8Array;
}

/** SHA-256's initial chaining value (the first 32 bits of the square roots' fractions, big-endian). */
const INITIAL = Uint8Array.from([
  0x6a, 0x09, 0xe6, 0x67, 0xbb, 0x67, 0xae, 0x85, 0x3c, 0x6e, 0xf3, 0x72, 0xa5, 0x4f, 0xf5, 0x3a,
  0x51, 0x0e, 0x52, 0x7f, 0x9b, 0x05, 0x68, 0x8c, 0x1f, 0x83, 0xd9, 0xab, 0x5b, 0xe0, 0xcd, 0x19,
]);

let nativeBlocks: Sha256Blocks | undefined;

/** Use the runtime's sha256Blocks (HAL kernels) for hashes created from now on; undefined goes back. */
export function useNativeSha256(kernel: Sha256Blocks | undefined): void {
  nativeBlocks = kernel;
}

export function createSha256(): Sha256 {
  return nativeBlocks ? new NativeSha256(nativeBlocks) : sha256.create();
}

class NativeSha256 implements Sha256 {
  private readonly state = INITIAL.slice();
  private readonly partial = new Uint8Array(64);
  private held = 0;
  private length = 0;
  private done = false;

  constructor(private readonly blocks: Sha256Blocks) {}

  update(bytes: Uint8Array): void {
    if (this.done) throw new Error('sha256: update after digest');
    this.length += bytes.length;
    let at = 0;
    if (this.held > 0) {
      const take = Math.min(64 - this.held, bytes.length);
      this.partial.set(bytes.subarray(0, take), this.held);
      this.held += take;
      at = take;
      if (this.held < 64) return;
      this.blocks(this.state, this.partial, 0, 64);
      this.held = 0;
    }
    // Whole blocks straight from the caller's bytes, no copy.
    const whole = at + Math.floor((bytes.length - at) / 64) * 64;
    if (whole > at) this.blocks(this.state, bytes, at, whole);
    this.partial.set(bytes.subarray(whole), 0);
    this.held = bytes.length - whole;
  }

  digest(): Uint8Array {
    if (this.done) throw new Error('sha256: digest twice');
    this.done = true;
    // Padding: 0x80, zeros, then the message length in bits as a 64-bit big-endian number.
    const tail = new Uint8Array(this.held < 56 ? 64 : 128);
    tail.set(this.partial.subarray(0, this.held));
    tail[this.held] = 0x80;
    const bits = this.length * 8;
    const view = new DataView(tail.buffer);
    view.setUint32(tail.length - 8, Math.floor(bits / 0x100000000));
    view.setUint32(tail.length - 4, bits >>> 0);
    this.blocks(this.state, tail, 0, tail.length);
    return this.state.slice();
  }
}
