// Bundle for test/native/runtime.test.ts: the runtime's HAL kernels against the firmware's own
// JavaScript loops on random ranges (odd and even lengths, views into larger buffers), and their
// refusals of ranges outside the array. Logs one JSON line ("kernels-check {...}").
import { createNativeHal } from '../../../hal/native/adapter/hal';
import type { NativeRuntime } from '../../../hal/native/adapter/native';
import { sumWords } from '../../../firmware/wire/checksum';
import { crc32Update } from '../../../firmware/util/crc32';
import { Rng } from '../../../hal/sim/random';
import { sha256 } from '@noble/hashes/sha2.js';
import { createSha256, useNativeSha256 } from '../../../firmware/util/sha256';

declare const globalThis: { plugboardNative: NativeRuntime };

const native = globalThis.plugboardNative;
const kernels = createNativeHal(native).kernels;
const rng = new Rng(0x2545f491);
const next = (): number => rng.nextU32();

const out: Record<string, unknown> = { present: kernels !== undefined, cases: 0, sumMismatches: 0, crcMismatches: 0, shaCases: 0, shaMismatches: 0 };
if (kernels) {
  const backing = new Uint8Array(70_000);
  for (let i = 0; i < backing.length; i++) backing[i] = next() & 0xff;
  for (let n = 0; n < 2000; n++) {
    // A view that starts inside the backing buffer, so byteOffset matters.
    const offset = next() % 64;
    const view = backing.subarray(offset, offset + 1 + (next() % (n < 20 ? 69_000 : 3000)));
    const start = next() % view.length;
    const end = start + (next() % (view.length - start + 1));
    const acc = next() % 100_000;
    const crc = next();
    if (kernels.sumWords(view, start, end, acc) !== sumWords(view, start, end, acc)) (out.sumMismatches as number)++;
    if (kernels.crc32Update(crc, view, start, end) !== crc32Update(crc, view, start, end)) (out.crcMismatches as number)++;
    out.cases = (out.cases as number) + 1;
  }
  // SHA-256 through the kernel (the firmware's wrapper: partial blocks, padding) against
  // @noble/hashes, on messages of every length around the padding's edges and random ones fed in
  // random pieces.
  useNativeSha256(kernels.sha256Blocks);
  const hex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  for (let n = 0; n < 400; n++) {
    const length = n < 200 ? n : next() % 20_000;
    const message = backing.subarray(n, n + length);
    const ours = createSha256();
    for (let at = 0; at < length; ) {
      const piece = 1 + (next() % (n % 3 === 0 ? 64 : 3000));
      ours.update(message.subarray(at, at + piece));
      at += piece;
    }
    if (hex(ours.digest()) !== hex(sha256(message))) (out.shaMismatches as number)++;
    out.shaCases = (out.shaCases as number) + 1;
  }
  const abc = createSha256();
  abc.update(Uint8Array.from([97, 98, 99]));
  out.shaAbc = hex(abc.digest());
  useNativeSha256(undefined);
  // The CRC-32 check value: "123456789" gives 0xcbf43926.
  out.checkValue = kernels.crc32Update(0, Uint8Array.from([49, 50, 51, 52, 53, 54, 55, 56, 57]), 0, 9).toString(16);
  const refusals: string[] = [];
  const small = new Uint8Array(8);
  for (const [start, end] of [[-1, 4], [4, 2], [0, 9], [0, 1e12]]) {
    try {
      kernels.sumWords(small, start, end, 0);
      refusals.push('accepted');
    } catch (error) {
      refusals.push((error as Error).name);
    }
  }
  try {
    kernels.crc32Update(0, 'not bytes' as unknown as Uint8Array, 0, 1);
    refusals.push('accepted');
  } catch (error) {
    refusals.push((error as Error).name);
  }
  for (const call of [() => kernels.sha256Blocks!(new Uint8Array(32), small, 0, 7), () => kernels.sha256Blocks!(new Uint8Array(31), new Uint8Array(64), 0, 64)]) {
    try {
      call();
      refusals.push('accepted');
    } catch (error) {
      refusals.push((error as Error).name);
    }
  }
  out.refusals = refusals;
}
native.log(`kernels-check ${JSON.stringify(out)}`);
