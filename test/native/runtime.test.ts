import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { HOST_BOARD, RUNTIME_BINARY, writePcap, arpRequest } from '../../tools/rig';

// The runtime binary itself, without namespaces: command line, fatal JavaScript errors, the
// file-backed flash, and malformed pcap input for its file ports.
const repo = join(import.meta.dirname, '..', '..');
const work = mkdtempSync(join(tmpdir(), 'pb-runtime-'));

function ensureBuilt(): void {
  if (!existsSync(RUNTIME_BINARY)) spawnSync('bash', [join(repo, 'hal/native/build.sh')], { stdio: 'inherit' });
}

/** Empty pcap ports (nothing to replay) so no network is needed. */
function quietPorts(): string[] {
  const empty = join(work, 'empty.pcap');
  writeFileSync(empty, writePcap([]));
  return ['--lan', `pcap:${empty},${join(work, 'lan.out')}`, '--wan', `pcap:${empty},${join(work, 'wan.out')}`];
}

function runtime(args: string[], timeoutMs = 20_000): { status: number | null; signal: string | null; stderr: string } {
  ensureBuilt();
  const result = spawnSync(RUNTIME_BINARY, args, { encoding: 'utf8', timeout: timeoutMs });
  return { status: result.status, signal: result.signal, stderr: result.stderr };
}

function script(name: string, source: string): string {
  const file = join(work, name);
  writeFileSync(file, source);
  return file;
}

const ATTACH = 'plugboardNative.attach({frames(){}, timer(){}, consoleInput(){}, flashDone(){}, linkChange(){}});';

test('command line: missing board, unknown option and stray arguments exit 2 with a usage text', () => {
  for (const args of [['x.js'], ['--board', HOST_BOARD, '--bogus', 'x.js'], ['--board', HOST_BOARD, 'a.js', 'b.js'], ['--board', HOST_BOARD, '--exit-after', 'soon', 'x.js']]) {
    const result = runtime(args);
    assert.is(result.status, 2, `${args.join(' ')}: ${result.stderr}`);
    assert.match(result.stderr, /usage: plugboard/);
  }
  const missingBoard = runtime(['--board', join(work, 'nope.json'), ...quietPorts(), '--console', 'none', 'x.js']);
  assert.is(missingBoard.status, 2);
  assert.match(missingBoard.stderr, /board .*nope\.json/);
});

test('a bundle that never attaches to plugboardNative is refused', () => {
  const result = runtime(['--board', HOST_BOARD, ...quietPorts(), '--console', 'none', script('inert.js', 'var x = 1;')]);
  assert.is(result.status, 2);
  assert.match(result.stderr, /did not attach/);
});

test('an uncaught error in a timer callback is logged with its stack and exits 70', () => {
  const bundle = script(
    'throws.js',
    `${ATTACH.replace('timer(){}', 'timer(){ explode(); }')}\nfunction explode() { throw new Error('boom in a timer'); }\nplugboardNative.setWakeAt(plugboardNative.now() + 20);`,
  );
  const result = runtime(['--board', HOST_BOARD, ...quietPorts(), '--console', 'none', '--exit-after', '5000', bundle]);
  assert.is(result.status, 70, result.stderr);
  assert.match(result.stderr, /uncaught JavaScript error \(timer\): Error: boom in a timer/);
  assert.match(result.stderr, /at explode \(.*throws\.js/);
});

test('an error while evaluating the bundle exits 70', () => {
  const result = runtime(['--board', HOST_BOARD, ...quietPorts(), '--console', 'none', script('bad.js', 'null.property;')]);
  assert.is(result.status, 70);
  assert.match(result.stderr, /bundle evaluation\): TypeError/);
});

test('an unhandled promise rejection exits 70; one handled in the same turn does not', () => {
  const unhandled = runtime(['--board', HOST_BOARD, ...quietPorts(), '--console', 'none', '--exit-after', '3000',
    script('reject.js', `${ATTACH}\nPromise.reject(new Error('nobody listens'));`)]);
  assert.is(unhandled.status, 70, unhandled.stderr);
  assert.match(unhandled.stderr, /unhandled promise rejection\): Error: nobody listens/);
  const handled = runtime(['--board', HOST_BOARD, ...quietPorts(), '--console', 'none', '--exit-after', '300',
    script('handled.js', `${ATTACH}\nconst p = Promise.reject(new Error('late'));\nPromise.resolve().then(() => p.catch(() => {}));`)]);
  assert.is(handled.status, 0, handled.stderr);
});

test('HAL kernels: native sumWords and crc32Update equal the firmware\'s JavaScript on 2000 random ranges, SHA-256 through sha256Blocks equals @noble/hashes; bad ranges throw', () => {
  const bundle = join(work, 'kernels-check.js');
  buildSync({ entryPoints: [join(import.meta.dirname, 'bundles', 'kernels-check.ts')], bundle: true, format: 'iife', platform: 'neutral', target: 'es2020', outfile: bundle, logLevel: 'error' });
  const result = runtime(['--board', HOST_BOARD, ...quietPorts(), '--console', 'none', '--flash', `${join(work, 'kernels.img')}:256K`, '--exit-after', '100', bundle], 60_000);
  assert.is(result.status, 0, result.stderr);
  const line = /kernels-check (\{.*\})/.exec(result.stderr);
  assert.ok(line, result.stderr);
  assert.equal(JSON.parse(line[1]), {
    present: true, cases: 2000, sumMismatches: 0, crcMismatches: 0, checkValue: 'cbf43926',
    shaCases: 400, shaMismatches: 0, shaAbc: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    refusals: ['RangeError', 'RangeError', 'RangeError', 'RangeError', 'TypeError', 'RangeError', 'TypeError'],
  });
});

function flashCheck(extra: string[], flashFile: string): Record<string, unknown> {
  const bundle = join(work, 'flash-check.js');
  buildSync({ entryPoints: [join(import.meta.dirname, 'bundles', 'flash-check.ts')], bundle: true, format: 'iife', platform: 'neutral', target: 'es2020', outfile: bundle, logLevel: 'error' });
  const result = runtime(['--board', HOST_BOARD, ...quietPorts(), '--console', 'none', '--flash', flashFile, ...extra, '--exit-after', '1500', bundle]);
  assert.is(result.status, 0, result.stderr);
  const line = /flash-check (\{.*\})/.exec(result.stderr);
  assert.ok(line, result.stderr);
  return JSON.parse(line[1]) as Record<string, unknown>;
}

test('file-backed NOR flash: erased reads 0xff, program only clears bits, erase restores, bounds refused, FIFO order, persisted', () => {
  const file = join(work, 'nor.img');
  const result = flashCheck([], `${file}:256K`);
  assert.equal(result, {
    kind: 'nor', size: 262144, blockSize: 65536, programUnit: 1,
    freshRead: [0, 0xff, 0xff],
    program1: 0, program2: 0,
    afterPrograms: [0, 0x03, 0xff],
    persistMark: 0,
    erase: 0,
    afterErase: [0, 0xff],
    readPastEnd: -22, eraseOutOfRange: -22, misaligned: 'n/a',
    order: [0, 1, 2, 3],
  });
  const image = readFileSync(file);
  assert.is(image.length, 262144);
  assert.is(image[2 * 65536], 0x42, 'the program reached the file');
  assert.is(image[65536], 0xff, 'the erase reached the file');
  assert.equal([...image.subarray(3 * 65536, 3 * 65536 + 4)], [0, 1, 2, 3]);
});

test('file-backed NAND flash (from the command line): page-aligned programs only', () => {
  const result = flashCheck(['--flash-kind', 'nand', '--flash-block', '131072', '--flash-program-unit', '2048'], `${join(work, 'nand.img')}:1M`);
  assert.is(result.kind, 'nand');
  assert.is(result.programUnit, 2048);
  assert.is(result.misaligned, -22);
  assert.equal(result.afterPrograms, [0, 0x0f, 0xff]);
  assert.equal(result.order, [0, 1, 2, 3]);
});

test('flash size that is not whole erase blocks is refused at start', () => {
  const result = runtime(['--board', HOST_BOARD, ...quietPorts(), '--console', 'none', '--flash', `${join(work, 'odd.img')}:100000`, script('x.js', ATTACH)]);
  assert.is(result.status, 71);
  assert.match(result.stderr, /not a multiple of the erase block/);
});

test('malformed pcap files for a file port: a clear error or a clean run, never a crash (seeded mutations)', () => {
  const bundle = script('attach.js', ATTACH);
  const good = writePcap([arpRequest('02:00:00:00:00:01', '192.168.1.10', '192.168.1.1'), new Uint8Array(60).fill(1)]);
  let state = 0x1234567;
  const next = (n: number): number => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state % n;
  };
  const outcomes = new Map<string, number>();
  for (let i = 0; i < 40; i++) {
    const bytes = good.slice(0, next(good.length + 1));
    for (let f = next(8); f > 0 && bytes.length > 0; f--) bytes[next(bytes.length)] ^= 1 << next(8);
    const file = join(work, `fuzz-${i}.pcap`);
    writeFileSync(file, bytes);
    const result = runtime(['--board', HOST_BOARD, '--lan', `pcap:${file},${join(work, 'fuzz.out')}`, '--wan', `pcap:${file},${join(work, 'fuzz.out2')}`, '--console', 'none', '--replay-delay', '0', '--exit-after', '50', bundle]);
    assert.is(result.signal, null, `mutation ${i} crashed the runtime:\n${result.stderr}`);
    assert.ok(result.status === 0 || result.status === 71, `mutation ${i}: exit ${result.status}\n${result.stderr}`);
    if (result.status === 71) assert.match(result.stderr, /cannot read pcap/);
    outcomes.set(String(result.status), (outcomes.get(String(result.status)) ?? 0) + 1);
  }
  assert.ok((outcomes.get('71') ?? 0) > 0 && (outcomes.get('0') ?? 0) > 0, `both outcomes expected: ${[...outcomes]}`);
});

test('the watchdog named on the command line is kicked while running and disarmed (magic close) on a clean exit', () => {
  const device = join(work, 'watchdog');
  writeFileSync(device, '');
  const result = runtime(['--board', HOST_BOARD, ...quietPorts(), '--console', 'none', '--watchdog', device, '--exit-after', '300', script('w.js', ATTACH)]);
  assert.is(result.status, 0, result.stderr);
  const written = readFileSync(device, 'utf8');
  assert.match(written, /^k+V$/, `watchdog got ${JSON.stringify(written)}`);
});

test('reboot() re-executes the runtime with the same command line; flash contents survive it', () => {
  // First boot: mark byte 0 of the flash and reboot. Second boot: the mark is there; say so.
  const bundle = script(
    'reboot.js',
    `${ATTACH.replace('flashDone(){}', 'flashDone(id, code){ done[id](code); }')}
const done = {};
const mark = new Uint8Array(1);
done[1] = () => {
  if (mark[0] === 0xff) { done[2] = () => plugboardNative.reboot(); plugboardNative.flashSubmit(1, 2, 0, new Uint8Array([0x5a])); }
  else plugboardNative.log('second boot sees ' + mark[0].toString(16));
};
plugboardNative.flashSubmit(0, 1, 0, mark);`,
  );
  const flash = join(work, 'reboot.img');
  rmSync(flash, { force: true });
  const result = runtime(['--board', HOST_BOARD, ...quietPorts(), '--console', 'none', '--flash', `${flash}:128K`, '--exit-after', '500', bundle]);
  assert.is(result.status, 0, result.stderr);
  assert.match(result.stderr, /reboot requested by the firmware[\s\S]*rebooting: re-executing[\s\S]*second boot sees 5a/);
});

test.after(() => rmSync(work, { recursive: true, force: true }));

test.run();
