// Benchmark on real interfaces: DHCP exchanges per second from one LAN namespace for Plugboard (native
// runtime, full firmware) and for dnsmasq and Kea serving the same /24 from the router namespace of
// the same rig shape. The load is pbdhcp (hal/native/tools/pbdhcp.c): N broadcast clients, each with
// its own MAC, at most W in flight. Phase "dora" binds new clients (DISCOVER, OFFER, REQUEST, ACK);
// phase "reboot" has each bound client ask again for its address (INIT-REBOOT REQUEST, ACK). By
// default no server checks a new address before offering it (Plugboard `dhcp.probe off`, dnsmasq
// --no-ping; Kea never does); with --defaults Plugboard and dnsmasq check (echo request) as they do
// out of the box. A fresh rig for every server and run.
// Medians of several runs; servers alternate which goes first. Prints figures; asserts nothing.
// Plugboard runs in both forwarding modes unless --forwarding ports|kernel says one: its own stack on
// raw ports, and router mode's kernel sockets.
// Usage: npx tsx tools/bench/dhcp-rig.ts [--runs 3] [--clients 200] [--window 16] [--defaults] [--forwarding both|ports|kernel]
//   (root; bash hal/native/build.sh && npm run build first; apt-get install dnsmasq-base kea-dhcp4-server)
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { BUNDLE, RUNTIME_BINARY, Rig, namespacesUnavailable } from '../rig';
import { processCounters } from './proc';
import { flag, median, numberOption, stringOption, runBench } from './cli';
import { lanHostRig, startDnsmasq, startKea } from './peers';

const RUNS = numberOption('--runs', 3);
const CLIENTS = numberOption('--clients', 200);
const WINDOW = numberOption('--window', 16);
const DEFAULTS = flag('--defaults');
/** Which of Plugboard's modes to run: ports (own stack on raw ports), kernel (router mode's kernel sockets) or both. */
const FORWARDING = stringOption('--forwarding', 'both');
const LOADER = join(RUNTIME_BINARY, '..', 'pbdhcp');
const FIRST = '192.168.1.6';
const LAST = '192.168.1.250';

interface Phase {
  readonly done: number;
  readonly failed: number;
  readonly perSecond: number;
}
interface Sample {
  readonly dora: Phase;
  readonly reboot: Phase;
  /** Server process CPU per completed exchange, both phases together (µs). */
  readonly cpuUs: number | undefined;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function parsePhase(text: string, name: string): Phase {
  const m = new RegExp(`^${name} clients \\d+ done (\\d+) failed (\\d+) ms [\\d.]+ per_s ([\\d.]+)$`, 'm').exec(text);
  if (!m) throw new Error(`pbdhcp printed no '${name}' line:\n${text}`);
  return { done: Number(m[1]), failed: Number(m[2]), perSecond: Number(m[3]) };
}

/** Run the load from a fresh client namespace on the rig's switch; `pid` is the server's. */
async function load(rig: Rig, seed: number, pid: number | undefined): Promise<Sample> {
  const client = rig.addPhone('load');
  const before = processCounters(pid);
  const result = await client.runAsync([LOADER, 'eth0', String(CLIENTS), String(WINDOW), String(seed)], 120_000);
  const cpuNs = processCounters(pid).cpuNs - before.cpuNs;
  if (result.status !== 0) throw new Error(`pbdhcp: ${result.stderr}`);
  const dora = parsePhase(result.stdout, 'dora');
  const reboot = parsePhase(result.stdout, 'reboot');
  const exchanges = dora.done + reboot.done;
  return { dora, reboot, cpuUs: pid && exchanges > 0 ? cpuNs / 1000 / exchanges : undefined };
}

async function plugboard(seed: number, forwarding: 'ports' | 'kernel'): Promise<Sample> {
  const rig = await Rig.up({ firmware: 'full', forwarding });
  try {
    const term = rig.console();
    try {
      term.write('\r');
      await term.expect(/plugboard> $/, 15_000);
      // Nearly the whole /24 to guests (the load sends no vendor class), the phone pool moved to
      // .2-.5; in this order every step leaves two valid, disjoint pools.
      const lines = ['set dhcp.pool-start 192.168.1.2', 'set dhcp.pool-end 192.168.1.5', `set dhcp.guest-pool-start ${FIRST}`, `set dhcp.guest-pool-end ${LAST}`];
      if (!DEFAULTS) lines.push('set dhcp.probe off');
      for (const line of lines) {
        const out = await term.command(line);
        if (/%|error|invalid/i.test(out)) throw new Error(`${line}: ${out}`);
      }
    } finally {
      term.close();
    }
    await sleep(3500); // the start-up listen for another DHCP server
    return await load(rig, seed, rig.router?.pid);
  } finally {
    await rig.down();
  }
}

async function dnsmasq(seed: number): Promise<Sample> {
  const rig = await lanHostRig();
  try {
    const server = await startDnsmasq(rig, FIRST, LAST, DEFAULTS ? [] : ['--no-ping']);
    return await load(rig, seed, server.pid);
  } finally {
    await rig.down();
  }
}

async function kea(seed: number): Promise<Sample> {
  const rig = await lanHostRig();
  try {
    const server = await startKea(rig, FIRST, LAST);
    return await load(rig, seed, server.pid);
  } finally {
    await rig.down();
  }
}

async function main(): Promise<number> {
  const why = namespacesUnavailable() ?? (!existsSync(RUNTIME_BINARY) || !existsSync(BUNDLE) || !existsSync(LOADER) ? 'no native runtime, pbdhcp or bundle' : undefined);
  if (why) {
    console.error(`dhcp-rig bench: ${why}`);
    return 1;
  }
  const servers: [string, (seed: number) => Promise<Sample>][] = [];
  if (FORWARDING !== 'kernel') servers.push(['Plugboard', (seed) => plugboard(seed, 'ports')]);
  if (FORWARDING !== 'ports') servers.push(['Plugboard router mode', (seed) => plugboard(seed, 'kernel')]);
  const ours = servers.map(([name]) => name);
  for (const [name, command, run] of [['dnsmasq', 'dnsmasq', dnsmasq], ['Kea', 'kea-dhcp4', kea]] as const) {
    if (spawnSync('which', [command]).status === 0) servers.push([name, run]);
    else console.log(`${name} skipped: ${command} not installed (apt-get install ${name === 'Kea' ? 'kea-dhcp4-server' : 'dnsmasq-base'})`);
  }
  const samples = new Map<string, Sample[]>(servers.map(([name]) => [name, []]));
  for (let r = 0; r < RUNS; r++) {
    const order = r % 2 === 0 ? servers : [...servers].reverse();
    for (const [name, run] of order) samples.get(name)?.push(await run(0x100 + r));
  }
  console.log(`DHCP on the veth rig: ${CLIENTS} clients, ${WINDOW} in flight, medians of ${RUNS} runs, ${DEFAULTS ? 'defaults (Plugboard and dnsmasq probe new addresses)' : 'no address probes'}`);
  console.log(`${'server'.padEnd(22)} ${'DORA/s'.padStart(8)} ${'failed'.padStart(7)} ${'reboot/s'.padStart(9)} ${'failed'.padStart(7)} ${'CPU µs/exchange'.padStart(16)}  runs DORA/s`);
  const doraOf = (name: string) => median((samples.get(name) ?? []).map((s) => s.dora.perSecond));
  const rebootOf = (name: string) => median((samples.get(name) ?? []).map((s) => s.reboot.perSecond));
  for (const [name, list] of samples) {
    const cpu = list.map((s) => s.cpuUs).filter((v): v is number => v !== undefined);
    console.log(
      `${name.padEnd(22)} ${doraOf(name).toFixed(0).padStart(8)} ${median(list.map((s) => s.dora.failed)).toString().padStart(7)} ` +
        `${rebootOf(name).toFixed(0).padStart(9)} ${median(list.map((s) => s.reboot.failed)).toString().padStart(7)} ` +
        `${(cpu.length > 0 ? median(cpu).toFixed(0) : '-').padStart(16)}  ${list.map((s) => s.dora.perSecond.toFixed(0)).join(' ')}`,
    );
  }
  for (const [name] of servers.slice(ours.length)) {
    for (const mine of ours) console.log(`ratio ${mine} / ${name}: DORA ${(doraOf(mine) / doraOf(name)).toFixed(3)}, reboot ${(rebootOf(mine) / rebootOf(name)).toFixed(3)}`);
  }
  return 0;
}

runBench(main);
