// What a torture campaign is: a named, seeded, reproducible long run that reports figures. The runner
// (tools/torture/run.ts) and the quick test (quick.test.ts) both drive campaigns through this shape.

export interface CampaignContext {
  /** The short form (`npm test`) instead of the full one (`npm run torture`). */
  readonly quick: boolean;
  /** Every random choice of the campaign derives from this. */
  readonly seed: number;
  /** Run only this case (as printed in a failure's reproducer), when given. */
  readonly only?: string;
  /** One line of progress (the runner overwrites it in place). */
  progress(text: string): void;
}

/** A figure for the final table: what was measured and its value, as text. */
export interface Figure {
  readonly what: string;
  readonly value: string;
}

export interface Campaign {
  readonly name: string;
  readonly describe: string;
  run(context: CampaignContext): Promise<Figure[]>;
}

/**
 * A failure the campaign found: it names the case so `--case` replays exactly that one. Thrown out of
 * `run`; the runner prints it with the seed and the command that reproduces it.
 */
export class TortureFailure extends Error {
  constructor(
    message: string,
    readonly caseId: string,
  ) {
    super(message);
  }
}

/** The command line that replays one failure. */
export function reproducer(campaign: string, seed: number, quick: boolean, caseId?: string): string {
  return `npm run torture -- --only ${campaign} --seed ${seed}${quick ? ' --quick' : ''}${caseId ? ` --case ${caseId}` : ''}`;
}

/** Nearest-rank percentile of a list of numbers (0 when empty). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export const count = (n: number): string => n.toLocaleString('en');
