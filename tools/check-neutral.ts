// Fails (exit 1) when engine-neutral code uses a Node API: firmware/, hal/hal.ts, hal/sim/ and
// the native runtime's TypeScript adapter must run under QuickJS, which has none of them.
// Usage: tsx tools/check-neutral.ts [--root <dir>]
import { builtinModules } from 'node:module';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

export const NEUTRAL_PATHS = ['firmware', 'hal/hal.ts', 'hal/sim', 'hal/native/adapter'];

const nodeModules = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));
const importPattern = /\b(?:import|export)\b[^'"`;]*?\bfrom\s*['"]([^'"]+)['"]|\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)|\bimport\s+['"]([^'"]+)['"]/g;
const globalPattern = /\b(Buffer|process|require|__dirname|__filename|setImmediate)\b\s*[.(]/g;

export interface Violation {
  file: string;
  line: number;
  what: string;
}

function stripComments(source: string): string {
  // Keep line structure so line numbers stay right.
  return source
    .replace(/\/\*[\s\S]*?\*\//g, (block) => block.replace(/[^\n]/g, ' '))
    .replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');
}

function lineOf(source: string, index: number): number {
  return source.slice(0, index).split('\n').length;
}

export function checkSource(file: string, source: string): Violation[] {
  const code = stripComments(source);
  const found: Violation[] = [];
  for (const match of code.matchAll(importPattern)) {
    const specifier = match[1] ?? match[2] ?? match[3];
    if (nodeModules.has(specifier) || specifier.startsWith('node:')) {
      found.push({ file, line: lineOf(code, match.index ?? 0), what: `imports Node built-in '${specifier}'` });
    }
  }
  for (const match of code.matchAll(globalPattern)) {
    found.push({ file, line: lineOf(code, match.index ?? 0), what: `uses Node global '${match[1]}'` });
  }
  return found;
}

function sourceFiles(path: string): string[] {
  let stat;
  try {
    stat = statSync(path);
  } catch {
    return [];
  }
  if (stat.isFile()) return /\.(ts|js|mjs)$/.test(path) && !/\.test\.ts$/.test(path) ? [path] : [];
  return readdirSync(path).flatMap((entry) => sourceFiles(join(path, entry)));
}

export function checkTree(root: string): Violation[] {
  return NEUTRAL_PATHS.flatMap((path) => sourceFiles(join(root, path))).flatMap((file) =>
    checkSource(relative(root, file), readFileSync(file, 'utf8')),
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rootFlag = process.argv.indexOf('--root');
  const root = rootFlag > 0 ? process.argv[rootFlag + 1] : process.cwd();
  const violations = checkTree(root);
  for (const v of violations) console.error(`${v.file}:${v.line}: ${v.what}`);
  if (violations.length > 0) {
    console.error(`engine-neutrality check failed: ${violations.length} Node-only use(s) in ${NEUTRAL_PATHS.join(', ')}`);
    process.exit(1);
  }
  console.log(`engine-neutrality check passed (${NEUTRAL_PATHS.join(', ')})`);
}
