// `npm start -- --duration 3`, run non-interactively: boot lines and the first ping answer appear
// (every answer with --ping), and it stops by itself with exit code 0.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { join } from 'node:path';

const repo = join(import.meta.dirname, '..', '..');

function run(args: string[], input?: string, keepStdinOpen = true): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn('npm', ['start', '--silent', '--', ...args], { cwd: repo, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    if (input !== undefined) child.stdin.write(input);
    if (!keepStdinOpen) child.stdin.end();
    // Never hang the suite: a stuck simulator is killed (by its PID) and fails the test.
    const guard = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(guard);
      child.stdin.destroy();
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    });
  });
}

test('npm start -- --duration 3 boots, prints the boot lines, the first ping answer only, the commands to try, and exits 0', async () => {
  const { code, stdout, stderr } = await run(['--duration', '3', '--seed', '7']);
  assert.is(code, 0, stderr);
  assert.match(stdout, /Plugboard 0\.1\.0 on board sim/);
  assert.match(stdout, /lan: address \d+\.\d+\.\d+\.\d+\/24/);
  assert.match(stdout, /lan-pc: 64 bytes from \d+\.\d+\.\d+\.\d+: icmp_seq=1 ttl=64 time=[\d.]+ ms/);
  assert.not.match(stdout, /icmp_seq=2 /, 'later answers wait for the summary');
  assert.match(stdout, /Try: show phones/);
  assert.match(stdout, /stopped after 3\.0 s: [2-9] pings, [2-9] answered/);
});

test('npm start -- --ping prints every answer', async () => {
  const { code, stdout, stderr } = await run(['--duration', '3', '--seed', '7', '--ping']);
  assert.is(code, 0, stderr);
  assert.match(stdout, /icmp_seq=1 /);
  assert.match(stdout, /icmp_seq=2 /);
});

test('end of input stops it; bad arguments are refused with the usage', async () => {
  const eof = await run([], 'help\n', false);
  assert.is(eof.code, 0, eof.stderr);
  assert.match(eof.stdout, /stopped after/);
  const bad = await run(['--duration', 'soon']);
  assert.is(bad.code, 2);
  assert.match(bad.stderr, /--duration needs a positive number of seconds/);
});

test.run();
