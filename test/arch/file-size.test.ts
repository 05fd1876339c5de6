// Files under firmware/ stay short enough to read in one sitting: one over 400 lines says why at
// its top, in a comment line starting "Over 400 lines:" within its first 12 lines.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { relative } from 'node:path';
import { sourceFiles } from './imports';

const FIRMWARE = fileURLToPath(new URL('../../firmware', import.meta.url));
export const LIMIT = 400;
const REASON = /^\/\/ Over 400 lines: \S/;

export function longFilesWithoutReason(files: readonly { path: string; text: string }[]): string[] {
  return files
    .map(({ path, text }) => ({ path, lines: (text.endsWith('\n') ? text.slice(0, -1) : text).split('\n') }))
    .filter(({ lines }) => lines.length > LIMIT && !lines.slice(0, 12).some((line) => REASON.test(line)))
    .map(({ path, lines }) => `${path} (${lines.length} lines)`);
}

test('the check sees a long file without a reason, and accepts one with it', () => {
  const body = 'const x = 1;\n'.repeat(LIMIT + 1);
  assert.equal(longFilesWithoutReason([{ path: 'long.ts', text: '// A file.\n' + body }]), [`long.ts (${LIMIT + 2} lines)`]);
  assert.equal(longFilesWithoutReason([{ path: 'long.ts', text: '// A file.\n// Over 400 lines: one table.\n' + body }]), []);
  assert.equal(longFilesWithoutReason([{ path: 'short.ts', text: '// A file.\n' }]), []);
});

test(`every firmware file over ${LIMIT} lines states why at its top`, () => {
  const files = sourceFiles(FIRMWARE).map((path) => ({ path: relative(FIRMWARE, path), text: readFileSync(path, 'utf8') }));
  assert.equal(longFilesWithoutReason(files), []);
});

test.run();
