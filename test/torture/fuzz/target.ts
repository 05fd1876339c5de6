// What a fuzz target is: a parser or a service path, its corpus of valid inputs, and an audit that
// checks the target's own drop counters account for every input it was fed.
import type { Rng } from '../../../hal/sim/random';
import type { Figure } from '../campaign';
import type { Seed } from './mutate';

export interface FuzzInstance {
  /** Handle one input. Returns its outcome (a parser's reason, or undefined when the target counts it itself). */
  feed(input: Uint8Array, index: number): string | undefined | Promise<string | undefined>;
  /** After `fed` inputs: what the target's counters fail to account for (empty when every input is counted). */
  audit(fed: number, outcomes: ReadonlyMap<string, number>): string[];
  /** Figures of its own (table sizes, replies sent). */
  figures?(): Figure[];
}

export interface FuzzTarget {
  readonly name: string;
  readonly describe: string;
  /** Valid inputs the mutations start from. */
  seeds(): Seed[];
  /** A fresh target; everything random in it derives from `seed`. */
  create(seed: number): FuzzInstance | Promise<FuzzInstance>;
  /** Build input `index` from its own generator (default: `mutate` over the seeds). */
  generate?(rng: Rng, seeds: readonly Seed[]): Uint8Array;
}
