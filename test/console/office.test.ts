// `npm start -- --phones 3 --duration 24`, run non-interactively: three simulated phones plug in,
// DHCP, fetch their image and rendered config over TFTP and call through NAPPT; `show phones`
// typed on the console meanwhile lists them with their port blocks.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { join } from 'node:path';

const repo = join(import.meta.dirname, '..', '..');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run npm start with stdin kept open; type each [afterMs, text] at its time. */
function run(args: string[], typed: Array<[number, string]>, limitMs: number): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['start', '--silent', '--', ...args], { cwd: repo, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timers = typed.map(([at, text]) => setTimeout(() => child.stdin.write(text), at));
    // Never hang the suite: a stuck simulator is killed by its PID and the test fails.
    const guard = setTimeout(() => child.kill('SIGKILL'), limitMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(guard);
      for (const t of timers) clearTimeout(t);
      child.stdin.destroy();
      resolve({ code, stdout, stderr });
    });
  });
}

test('npm start -- --phones 3: the phones boot (DHCP, TFTP, calls) and show phones lists them', async () => {
  const { code, stdout, stderr } = await run(
    ['--phones', '3', '--duration', '24', '--no-ping', '--seed', '3'],
    [
      [3000, 'terminal length 0\r'],
      [17000, 'show phones\r'],
      [17500, 'show nat\r'],
    ],
    60_000,
  );
  assert.is(code, 0, stderr);
  assert.match(stdout, /config: loaded from flash/);
  for (const n of ['01', '02', '03']) {
    assert.match(stdout, new RegExp(`phone-${n} got 192\\.168\\.1\\.\\d+/24, ports \\d+-\\d+, boot file demo-phone-fw\\.bin`), `phone-${n} bound`);
    assert.match(stdout, new RegExp(`phone-${n} booted: fetched demo-phone-fw\\.bin \\(196608 bytes\\) and [0-9a-f]{12}\\.cfg \\(\\d+ bytes\\)`), `phone-${n} booted`);
  }
  // The console answered while the phones ran.
  const phones = stdout.slice(stdout.indexOf('show phones'));
  assert.match(phones, /3 phones/);
  assert.is((phones.slice(0, phones.indexOf('3 phones')).match(/ yealink +\d+-\d+ +demo-phone-fw\.bin/g) ?? []).length, 3);
  assert.match(stdout, /Public address 203\.0\.113\.2/);
  // Calls went through NAPPT both ways.
  const server = /voip-server: (\d+) SIP requests from (\d+) public ports, RTP (\d+) in \/ (\d+) out, seen from ([\d., ]+)/.exec(stdout);
  assert.ok(server, 'server summary');
  assert.ok(Number(server![1]) >= 3);
  assert.is(server![2], '3', 'one public SIP port per phone (ports preserved)');
  assert.ok(Number(server![3]) > 100, 'RTP reached the server');
  assert.is(server![5].trim(), '203.0.113.2', 'everything came from the public address');
  for (const line of stdout.split('\n').filter((l) => /\[sim\] phone-\d+ .*: calls/.test(l))) {
    const m = /RTP (\d+)\/(\d+) back/.exec(line);
    assert.ok(m && Number(m[2]) > 0 && Number(m[1]) > 0, line);
  }
});

test.run();
