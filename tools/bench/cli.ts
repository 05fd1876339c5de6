// What every benchmark needs from its command line and its samples.

const args = process.argv.slice(2);

/** `--name N` from the command line, else `fallback`. */
export function numberOption(name: string, fallback: number): number {
  const at = args.indexOf(name);
  return at >= 0 ? Number(args[at + 1]) : fallback;
}

/** `--name WORD` from the command line, else `fallback`. */
export function stringOption(name: string, fallback: string): string {
  const at = args.indexOf(name);
  return at >= 0 ? args[at + 1] : fallback;
}

/** Whether `--name` is on the command line. */
export function flag(name: string): boolean {
  return args.includes(name);
}

/** The middle value (the upper one of the two middles for an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Runs a benchmark's main and exits with its code; an error prints its stack and exits 1. */
export function runBench(main: () => Promise<number>): void {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error instanceof Error ? error.stack : error);
      process.exit(1);
    },
  );
}
