// The fuzz campaign: every target gets N inputs (1,000,000 in the full form), each rebuilt from
// (seed, target, index) alone. Exceptions must be 0; inputs over 10 ms and heap growth are reported;
// the target's own counters must account for every input (audited every 10% and at the end). A
// failure names `target:index`, the input in hex and, when it throws on a fresh target too, the
// smallest input found that still does.
import { performance } from 'node:perf_hooks';
import { TortureFailure, count, type Campaign, type CampaignContext, type Figure } from '../campaign';
import { hex, inputRng, mutate, type Seed } from './mutate';
import type { FuzzInstance, FuzzTarget } from './target';
import { FUZZ_TARGETS } from './targets';
import { heapAfterGc, mib } from '../heap';

const FULL = 1_000_000;
const QUICK = 3_000;
const SLOW_MS = 10;

function inputOf(target: FuzzTarget, seeds: readonly Seed[], seed: number, index: number): Uint8Array {
  const rng = inputRng(seed, target.name, index);
  return target.generate ? target.generate(rng, seeds) : mutate(seeds, rng).bytes;
}

async function throwsAlone(target: FuzzTarget, seed: number, input: Uint8Array, index: number): Promise<boolean> {
  const fresh = await target.create(seed);
  try {
    await fresh.feed(input, index);
    return false;
  } catch {
    return true;
  }
}

/** Smallest input (by cutting pieces out) that still throws on a fresh target; bounded in tries. */
async function shrink(target: FuzzTarget, seed: number, input: Uint8Array, index: number): Promise<Uint8Array> {
  let best = input;
  let tries = 0;
  for (let piece = Math.max(1, best.length >> 1); piece >= 1 && tries < 400; piece = piece >> 1) {
    for (let at = 0; at + piece <= best.length && tries < 400; ) {
      const candidate = new Uint8Array(best.length - piece);
      candidate.set(best.subarray(0, at));
      candidate.set(best.subarray(at + piece), at);
      tries++;
      if (await throwsAlone(target, seed, candidate, index)) best = candidate;
      else at += piece;
    }
  }
  return best;
}

async function failure(target: FuzzTarget, seed: number, index: number, input: Uint8Array, error: unknown): Promise<TortureFailure> {
  const what = error instanceof Error ? `${error.message}\n${error.stack?.split('\n').slice(1, 6).join('\n')}` : String(error);
  const lines = [`${target.name} input ${index} threw: ${what}`, `    input (${input.length} bytes): ${hex(input)}`];
  if (await throwsAlone(target, seed, input, index)) lines.push(`    minimal reproducer on a fresh target: ${hex(await shrink(target, seed, input, index))}`);
  else lines.push('    a fresh target takes it: it needs the state left by the inputs before it (replay with --case)');
  return new TortureFailure(lines.join('\n'), `${target.name}:${index}`);
}

/** Best of three timings of `input` on a fresh target: a slow input that is not slow again was a pause (GC, JIT, a neighbour). */
async function retime(target: FuzzTarget, seed: number, input: Uint8Array, index: number): Promise<number> {
  let best = Infinity;
  for (let i = 0; i < 3; i++) {
    const fresh = await target.create(seed);
    const started = performance.now();
    await fresh.feed(input, index);
    best = Math.min(best, performance.now() - started);
  }
  return best;
}

interface TargetRun {
  inputs: number;
  slow: number;
  /** Of the slow ones, those still over the limit when timed again on a fresh target. */
  slowAgain: number;
  worstMs: number;
  heapGrowth: number;
  outcomes: Map<string, number>;
  figures: Figure[];
}

async function audit(target: FuzzTarget, instance: FuzzInstance, fed: number, outcomes: Map<string, number>): Promise<void> {
  const problems = instance.audit(fed, outcomes);
  if (problems.length > 0) throw new TortureFailure(`${target.name} after ${count(fed)} inputs: ${problems.join('; ')}`, `${target.name}:${fed - 1}`);
}

async function runTarget(target: FuzzTarget, context: CampaignContext, inputs: number): Promise<TargetRun> {
  const seeds = target.seeds();
  const instance = await target.create(context.seed);
  const outcomes = new Map<string, number>();
  const warmup = Math.min(inputs, Math.max(100, Math.floor(inputs / 20)));
  let heapStart = 0;
  let slow = 0;
  let slowAgain = 0;
  let worstMs = 0;
  for (let index = 0; index < inputs; index++) {
    if (index === warmup) heapStart = heapAfterGc();
    const input = inputOf(target, seeds, context.seed, index);
    const started = performance.now();
    let outcome: string | undefined;
    try {
      outcome = await instance.feed(input, index);
    } catch (error) {
      throw await failure(target, context.seed, index, input, error);
    }
    const ms = performance.now() - started;
    if (ms > SLOW_MS) {
      slow++;
      if (slow <= 200 && (await retime(target, context.seed, input, index)) > SLOW_MS) slowAgain++;
    }
    if (ms > worstMs) worstMs = ms;
    if (outcome !== undefined) outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    if ((index + 1) % Math.max(1, Math.floor(inputs / 10)) === 0) {
      await audit(target, instance, index + 1, outcomes);
      context.progress(`${target.name}: ${count(index + 1)}/${count(inputs)} inputs, ${slow} over ${SLOW_MS} ms`);
    }
  }
  await audit(target, instance, inputs, outcomes);
  const heapGrowth = inputs > warmup ? heapAfterGc() - heapStart : 0;
  return { inputs, slow, slowAgain, worstMs, heapGrowth, outcomes, figures: instance.figures?.() ?? [] };
}

/** The campaign over `all` targets (the planted-bug test builds one over its own). */
export function makeFuzzCampaign(all: readonly FuzzTarget[]): Campaign {
  return {
  name: 'fuzz',
  describe: 'random and structure-aware mutated inputs to every parser and service path; 0 exceptions, every input counted',
  async run(context) {
    const [onlyTarget, onlyIndex] = context.only?.split(':') ?? [];
    const targets = all.filter((t) => !onlyTarget || t.name === onlyTarget);
    if (targets.length === 0) throw new TortureFailure(`no fuzz target ${onlyTarget}; there are ${all.map((t) => t.name).join(', ')}`, onlyTarget);
    const figures: Figure[] = [];
    let total = 0;
    for (const target of targets) {
      // A replayed case runs the inputs up to and including the failing one.
      const inputs = onlyIndex !== undefined ? Number(onlyIndex) + 1 : context.quick ? QUICK : FULL;
      const run = await runTarget(target, context, inputs);
      total += run.inputs;
      figures.push({
        what: `${target.name}: inputs, exceptions, over ${SLOW_MS} ms (worst; slow again on a fresh target), heap growth`,
        value: `${count(run.inputs)}, 0, ${run.slow} (${run.worstMs.toFixed(1)} ms; ${run.slowAgain}${run.slow > 200 ? ' of the first 200' : ''}), ${mib(run.heapGrowth)}`,
      });
      if (run.outcomes.size > 0) figures.push({ what: `${target.name}: outcomes`, value: topOutcomes(run.outcomes) });
      for (const f of run.figures) figures.push({ what: `${target.name}: ${f.what}`, value: f.value });
    }
    figures.unshift({ what: `inputs over ${targets.length} targets (each rebuilt from seed + index)`, value: count(total) });
    return figures;
  },
  };
}

export const fuzzCampaign = makeFuzzCampaign(FUZZ_TARGETS);

function topOutcomes(outcomes: ReadonlyMap<string, number>): string {
  const sorted = [...outcomes].sort((a, b) => b[1] - a[1]);
  const shown = sorted.slice(0, 6).map(([k, v]) => `${k} ${count(v)}`);
  return shown.join(', ') + (sorted.length > 6 ? `, ${sorted.length - 6} more` : '');
}
