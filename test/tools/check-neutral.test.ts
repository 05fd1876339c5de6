import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { checkSource } from '../../tools/check-neutral';

const repo = join(import.meta.dirname, '..', '..');

test('the repository itself passes the engine-neutrality check', () => {
  const run = spawnSync('npx', ['tsx', 'tools/check-neutral.ts'], { cwd: repo, encoding: 'utf8' });
  assert.is(run.status, 0, run.stderr);
});

test("adding `import fs from 'node:fs'` under firmware/ fails the check", () => {
  const root = mkdtempSync(join(tmpdir(), 'neutral-'));
  try {
    mkdirSync(join(root, 'firmware'));
    writeFileSync(join(root, 'firmware', 'bad.ts'), "import fs from 'node:fs';\nexport const x = fs;\n");
    const run = spawnSync('npx', ['tsx', join(repo, 'tools/check-neutral.ts'), '--root', root], { encoding: 'utf8' });
    assert.is(run.status, 1);
    assert.match(run.stderr, /firmware\/bad\.ts:1: imports Node built-in 'node:fs'/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('Node globals and bare built-in names are caught; comments and look-alikes are not', () => {
  assert.is(checkSource('a.ts', "import { readFile } from 'fs';").length, 1);
  assert.is(checkSource('a.ts', 'const b = Buffer.from([1]);').length, 1);
  assert.is(checkSource('a.ts', 'if (process.env.X) {}').length, 1);
  assert.is(checkSource('a.ts', "const m = await import('node:os');").length, 1);
  assert.is(checkSource('a.ts', '// Buffer.from is not allowed here\nconst processed = 1;').length, 0);
  assert.is(checkSource('a.ts', "import { x } from './process';").length, 0);
});

test.run();
