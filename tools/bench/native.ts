// Figures of the native runtime for the closing note: binary size per arch, bundle size, resident
// memory at idle, time from start to the first answered ping (in the rig), and instructions per
// processed packet on x86_64 (callgrind, self-test with and without a batch of pings).
// Usage: npx tsx tools/bench/native.ts [--no-rig] [--no-callgrind] [--cold-build]
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { BUNDLE, Rig, namespacesUnavailable, run } from '../rig';
import { ARCHES, runSelfTest, runtimeBinary, writeSelfTestFixture } from '../rig/selftest';
import { median } from './cli';

const repo = join(import.meta.dirname, '..', '..');
const args = new Set(process.argv.slice(2));

function sizes(): void {
  if (args.has('--cold-build')) {
    const started = Date.now();
    const build = spawnSync('bash', [join(repo, 'hal/native/build.sh'), '--arch', 'all', '--force'], { stdio: 'inherit' });
    console.log(`cold build of every arch (2 parallel QuickJS compiles per arch): ${((Date.now() - started) / 1000).toFixed(1)} s (exit ${build.status})`);
  } else {
    spawnSync('bash', [join(repo, 'hal/native/build.sh'), '--arch', 'all'], { stdio: 'ignore' });
  }
  console.log('binary sizes (static, stripped):');
  for (const arch of ARCHES) {
    const file = runtimeBinary(arch);
    if (existsSync(file)) console.log(`  ${arch.padEnd(8)} ${(statSync(file).size / 1024).toFixed(0)} KiB`);
  }
  const bundle = readFileSync(BUNDLE);
  console.log(`bundle dist/plugboard.js: ${(bundle.length / 1024).toFixed(1)} KiB (${(gzipSync(bundle).length / 1024).toFixed(1)} KiB gzipped); the same file on every arch`);
}

function rssOf(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string): number => Number(new RegExp(`${name}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN);
  return { rss: field('VmRSS'), hwm: field('VmHWM') };
}

/** Spawn the router, ping it every 10 ms from a phone whose ARP retries every 10 ms, time the first reply. */
async function firstPing(rig: Rig, ip: string): Promise<number> {
  const phone = rig.phones.get('p1');
  if (!phone) throw new Error('no phone');
  const pinger = spawn('ip', ['netns', 'exec', phone.ns, 'busybox', 'ping', '-i', '0.01', '-c', '2000', '-W', '30', ip], { stdio: ['ignore', 'pipe', 'ignore'] });
  await new Promise((resolve) => setTimeout(resolve, 100));
  const started = performance.now();
  const replied = new Promise<number>((resolve) => {
    pinger.stdout.setEncoding('utf8');
    pinger.stdout.on('data', (text: string) => {
      if (/bytes from/.test(text)) resolve(performance.now() - started);
    });
  });
  await rig.startRouter();
  const ms = await Promise.race([replied, new Promise<number>((resolve) => setTimeout(() => resolve(NaN), 20_000))]);
  if (pinger.pid) process.kill(pinger.pid, 'SIGKILL');
  return ms;
}

async function rigFigures(): Promise<void> {
  const why = namespacesUnavailable();
  if (why) {
    console.log(`rig figures skipped: ${why}`);
    return;
  }
  for (const firmware of ['full', 'bringup'] as const) {
    const times: number[] = [];
    let memory = { rss: NaN, hwm: NaN };
    for (let round = 0; round < 3; round++) {
      const rig = await Rig.up({ firmware, startRouter: false });
      try {
        const phone = rig.addPhone('p1', { address: '192.168.1.10/24' });
        // Let the phone's kernel retry ARP every 10 ms instead of every second.
        phone.run(['sysctl', '-qw', 'net.ipv4.neigh.eth0.retrans_time_ms=10', 'net.ipv4.neigh.eth0.mcast_solicit=255', 'net.ipv4.neigh.eth0.app_solicit=0']);
        times.push(await firstPing(rig, rig.lanAddress));
        await new Promise((resolve) => setTimeout(resolve, 2000));
        if (rig.router?.pid) memory = rssOf(rig.router.pid);
      } finally {
        await rig.down();
      }
    }
    console.log(`${firmware} firmware in the rig (x86_64): first ping answered ${median(times).toFixed(0)} ms after spawn (median of ${times.map((t) => t.toFixed(0)).join(', ')}); RSS at idle ${memory.rss} KiB (peak ${memory.hwm} KiB)`);
  }
}

function instructionsPerPacket(): void {
  if (run(undefined, ['which', 'valgrind']).status !== 0) {
    console.log('instructions per packet skipped: valgrind not installed');
    return;
  }
  const counts: Record<number, number> = {};
  // 25 ms apart on each port: under the stack's shared echo rate limit (100/s), so every request gets its reply; each
  // arrives alone (a batch of one), the costliest case per packet.
  const PINGS = 400;
  for (const pings of [0, PINGS]) {
    const dir = mkdtempSync(join(tmpdir(), 'pb-bench-'));
    try {
      writeSelfTestFixture(dir, pings, 25_000);
      const result = runSelfTest([runtimeBinary('x86_64')], dir, {
        firmware: 'bringup',
        prefix: ['valgrind', '--tool=callgrind', '--callgrind-out-file=/dev/null'],
        timeoutMs: 300_000,
      });
      const collected = /Collected : (\d+)/.exec(result.stderr);
      if (!collected) throw new Error(`callgrind gave no count:\n${result.stderr}`);
      counts[pings] = Number(collected[1]);
      if (pings > 0 && result.echoReplies.lan.length + result.echoReplies.wan.length !== 2 * pings) {
        console.log(`  (only ${result.echoReplies.lan.length + result.echoReplies.wan.length} of ${2 * pings} pings answered under valgrind)`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  // Both ports get the same fixture: 2 x PINGS echo requests, each answered (pcap write included).
  const perPacket = (counts[PINGS] - counts[0]) / (2 * PINGS);
  console.log(`instructions per processed packet (x86_64, callgrind, ICMP echo in + reply out incl. the pcap-port I/O, bring-up firmware): ${perPacket.toFixed(0)}`);
  console.log(`  (boot + idle run without packets: ${(counts[0] / 1e6).toFixed(1)} M instructions)`);
}

sizes();
if (!args.has('--no-rig')) await rigFigures();
if (!args.has('--no-callgrind')) instructionsPerPacket();
