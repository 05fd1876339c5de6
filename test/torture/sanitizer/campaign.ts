// The native runtime's frame handling in C (completing offloaded checksums: Ethernet, 802.1Q,
// IPv4 header and UDP/TCP length checks; the word-sum, CRC-32 and SHA-256 kernels) built with ASan and
// UBSan and run over the stack fuzz target's corpus, in batches. Every result is checked against
// the firmware's TypeScript: the same CRC-32, word sum and SHA-256, a completed checksum that verifies, an
// untouched frame otherwise. Skipped, saying why, where gcc cannot build with the sanitizers.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sha256 } from '@noble/hashes/sha2.js';
import { crc32 } from '../../../firmware/util/crc32';
import { internetChecksum, pseudoHeaderSum, sumWords } from '../../../firmware/wire/checksum';
import { TortureFailure, count, type Campaign } from '../campaign';
import { hex, inputRng } from '../fuzz/mutate';
import { stackFrames } from '../fuzz/targets/stack';
import { napptLan, napptWan } from '../fuzz/targets/nappt';

const REPO = join(import.meta.dirname, '../../..');
const OUT = join(REPO, 'hal/native/build/sanitize');
const QJS = join(REPO, 'node_modules/qjsc/deps/quickjs_2021_03_27');
const BATCH = 50_000;

function build(): { binary?: string; why?: string } {
  mkdirSync(OUT, { recursive: true });
  const binary = join(OUT, 'frames-asan');
  const args = ['-std=gnu11', '-g', '-O1', '-fsanitize=address,undefined', '-fno-sanitize-recover=all', '-fno-omit-frame-pointer', `-I${join(REPO, 'hal/native/src')}`, `-I${QJS}`,
    join(REPO, 'tools/torture/sanitize/driver.c'), join(REPO, 'hal/native/src/csum.c'), join(REPO, 'hal/native/src/kernels.c'), join(REPO, 'hal/native/src/sha256.c'), '-o', binary];
  const r = spawnSync('gcc', args, { encoding: 'utf8' });
  if (r.error || r.status !== 0) return { why: `gcc with -fsanitize=address,undefined failed: ${(r.error?.message ?? r.stderr).split('\n')[0]}` };
  return { binary };
}

const TARGETS = [stackFrames, napptLan, napptWan];
const corpora = new Map<string, ReturnType<typeof stackFrames.seeds>>();

/** Frames of the stack and NAPPT fuzz targets (without their header byte), by index. */
function frameOf(seed: number, index: number): Uint8Array {
  const target = TARGETS[index % TARGETS.length];
  let seeds = corpora.get(target.name);
  if (!seeds) corpora.set(target.name, (seeds = target.seeds()));
  return target.generate!(inputRng(seed, `sanitizer-${target.name}`, index), seeds).subarray(1);
}

function records(frames: Uint8Array[]): Uint8Array {
  const total = frames.reduce((n, f) => n + 4 + f.length, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const f of frames) {
    new DataView(out.buffer).setUint32(at, f.length);
    out.set(f, at + 4);
    at += 4 + f.length;
  }
  return out;
}

/** What the TypeScript says about one frame and what the C left: undefined when they agree. */
function disagreement(input: Uint8Array, done: boolean, crc: number, sum: number, digest: Uint8Array, output: Uint8Array): string | undefined {
  if (crc !== crc32(input)) return `CRC-32 ${crc.toString(16)}, TypeScript ${crc32(input).toString(16)}`;
  if (hex(digest) !== hex(sha256(input))) return `SHA-256 ${hex(digest)}, @noble/hashes ${hex(sha256(input))}`;
  if (sum !== sumWords(input, 0, input.length) >>> 0) return `word sum ${sum}, TypeScript ${sumWords(input, 0, input.length) >>> 0}`;
  if (!done) return output.every((b, i) => b === input[i]) ? undefined : 'a frame it did not complete was changed';
  const ip = input[12] === 0x81 && input[13] === 0 ? 18 : 14;
  const ihl = (output[ip] & 15) * 4;
  const total = (output[ip + 2] << 8) | output[ip + 3];
  const view = new DataView(output.buffer, output.byteOffset);
  const pseudo = pseudoHeaderSum(view.getUint32(ip + 12), view.getUint32(ip + 16), output[ip + 9], total - ihl);
  if (internetChecksum(output, ip + ihl, ip + total, pseudo) !== 0) return 'the completed checksum does not verify';
  return undefined;
}

export const sanitizerCampaign: Campaign = {
  name: 'sanitizer',
  describe: "the runtime's C frame handling under ASan/UBSan over the fuzz corpus, checked against the TypeScript",
  async run(context) {
    const built = build();
    if (!built.binary) return [{ what: 'skipped', value: built.why ?? 'no compiler' }];
    const total = context.quick ? 20_000 : 1_000_000;
    let completed = 0;
    for (let start = 0; start < total; start += BATCH) {
      const frames: Uint8Array[] = [];
      for (let i = start; i < Math.min(total, start + BATCH); i++) frames.push(frameOf(context.seed, i));
      const corpus = join(OUT, 'corpus.bin');
      const output = join(OUT, 'output.bin');
      writeFileSync(corpus, records(frames));
      const run = spawnSync(built.binary, [corpus, output], { encoding: 'utf8', env: { ...process.env, ASAN_OPTIONS: 'detect_leaks=1:abort_on_error=0', UBSAN_OPTIONS: 'print_stacktrace=1' } });
      const out = readFileSync(output);
      // Walk what the driver wrote: the frame after the last complete record is the one that failed.
      let at = 0;
      let n = 0;
      const HEAD = 1 + 4 + 4 + 32 + 4;
      for (; at + HEAD <= out.length; n++) {
        const view = new DataView(out.buffer, out.byteOffset + at);
        const len = view.getUint32(41);
        if (at + HEAD + len > out.length) break;
        const problem = disagreement(frames[n], out[at] === 1, view.getUint32(1), view.getUint32(5), out.subarray(at + 9, at + 41), out.subarray(at + HEAD, at + HEAD + len));
        if (problem) throw new TortureFailure(`frame ${start + n}: ${problem}; frame ${hex(frames[n])}`, `${start + n}`);
        if (out[at] === 1) completed++;
        at += HEAD + len;
      }
      if (run.status !== 0 || n !== frames.length) {
        throw new TortureFailure(`the sanitizer build stopped at frame ${start + n} (exit ${run.status}): ${run.stderr.split('\n').slice(0, 12).join('\n')}\n    frame ${hex(frames[n] ?? new Uint8Array(0))}`, `${start + n}`);
      }
      context.progress(`${count(Math.min(total, start + BATCH))}/${count(total)} frames`);
    }
    return [
      { what: 'frames through the C checksum completion, word sum, CRC-32 and SHA-256 under ASan+UBSan', value: count(total) },
      { what: 'checksums completed (each verified by the TypeScript), sanitizer reports, disagreements', value: `${count(completed)}, 0, 0` },
    ];
  },
};
