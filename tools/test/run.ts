// `npm test`'s runner: every folder under test/ is a group, run by uvu in its own process, one after
// the other, each headed by its name and ending with its counts and time; then one last line with
// the totals. No colour codes unless the output is a terminal. Exits non-zero if any group failed.
// Usage: tsx tools/test/run.ts [group ...]   (no group: all of them)
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');
const TESTS = join(ROOT, 'test');
const UVU = join(ROOT, 'node_modules', 'uvu', 'bin.js');
const colour = process.stdout.isTTY === true;

interface Counts {
  passed: number;
  failed: number;
  skipped: number;
}

const groups = (wanted: readonly string[]): string[] => {
  const all = readdirSync(TESTS).filter((name) => statSync(join(TESTS, name)).isDirectory()).sort();
  const unknown = wanted.filter((name) => !all.includes(name));
  if (unknown.length > 0) throw new Error(`no test group ${unknown.join(', ')} (groups: ${all.join(' ')})`);
  return wanted.length > 0 ? [...wanted] : all;
};

/** Counts from uvu's summary ("Total: 9", "Passed: 8", "Skipped: 0"), colour codes stripped. */
function countsOf(output: string, exitCode: number | null): Counts {
  const plain = output.replace(/\x1b\[[0-9;]*m/g, '');
  const field = (name: string): number => Number(new RegExp(`^\\s*${name}:\\s+(\\d+)`, 'm').exec(plain)?.[1] ?? 0);
  const total = field('Total');
  const passed = field('Passed');
  const skipped = field('Skipped');
  const failed = Math.max(total - passed - skipped, 0);
  // A group that crashed before its summary still failed, even with nothing counted.
  return { passed, skipped, failed: exitCode !== 0 && failed === 0 ? 1 : failed };
}

function runGroup(group: string): Promise<Counts> {
  return new Promise((resolve) => {
    const env = { ...process.env, ...(colour ? {} : { NO_COLOR: '1', FORCE_COLOR: '0' }) };
    const child = spawn(process.execPath, [UVU, '-r', 'tsx', join('test', group), '\\.test\\.ts$'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const pass = (stream: NodeJS.WriteStream) => (chunk: Buffer) => {
      output += chunk.toString('utf8');
      stream.write(chunk);
    };
    child.stdout.on('data', pass(process.stdout));
    child.stderr.on('data', pass(process.stderr));
    child.on('close', (code) => resolve(countsOf(output, code)));
  });
}

async function main(): Promise<number> {
  const started = Date.now();
  const total: Counts = { passed: 0, failed: 0, skipped: 0 };
  const failedGroups: string[] = [];
  for (const group of groups(process.argv.slice(2))) {
    console.log(`\n== test/${group}`);
    const groupStarted = Date.now();
    const counts = await runGroup(group);
    const seconds = ((Date.now() - groupStarted) / 1000).toFixed(1);
    console.log(`== test/${group}: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped in ${seconds} s`);
    total.passed += counts.passed;
    total.failed += counts.failed;
    total.skipped += counts.skipped;
    if (counts.failed > 0) failedGroups.push(group);
  }
  const minutes = ((Date.now() - started) / 60000).toFixed(1);
  if (failedGroups.length > 0) console.log(`failed groups: ${failedGroups.join(' ')}`);
  console.log(`${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped in ${minutes} min`);
  return total.failed > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(2);
  },
);
