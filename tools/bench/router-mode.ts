// Router mode on the veth rig: UDP packets/s through the kernel as Plugboard programs it (the full
// firmware with --forwarding kernel: the phone path and guest NAPT), beside the kernel with one
// plain nftables masquerade rule, same sender, same run; and the control plane: how long one
// atomic `nft -f` takes for a table of 1, 100 and 1,000 phones. Medians of several runs, unpinned.
// The flowtable (offload) rows run only where the kernel has nf_flow_table. Prints; asserts nothing.
// Usage: npx tsx tools/bench/router-mode.ts [--runs 3] [--seconds 3] [--pings 20000] [--chart file.svg]   (root; build the runtime and bundle first)
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BUNDLE, RUNTIME_BINARY, Rig, must, namespacesUnavailable, run, udhcpcLease, type Phone } from '../rig';
import { renderNatTable } from '../../hal/native/adapter/nft-render';
import type { NatTable } from '../../hal/hal';
import { median, numberOption, runBench } from './cli';
import { kernelNatRouter } from './kernel-peer';
import { writeChartIfAsked, type RatioRow } from './chart';

const RUNS = numberOption('--runs', 3);
const SECONDS = numberOption('--seconds', 3);
const SIZES = [64, 200];
const FLOWS = [1, 8];
/** Round-trip percentiles (µs) by path, filled in by measure(). */
const latency = new Map<string, number[]>();

async function blast(rig: Rig, sender: Phone, cport: number, size: number, flows: number): Promise<number> {
  const server = rig.spawnIn(rig.wanNs, ['iperf3', '-s', '-1', '-B', rig.wanHostAddress, '-p', '5201']);
  const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()));
  await new Promise((resolve) => setTimeout(resolve, 300));
  const argv = ['iperf3', '-c', rig.wanHostAddress, '-p', '5201', '-u', '-b', '0', '-l', String(size), '-t', String(SECONDS), '-P', String(flows), '--cport', String(cport), '-J'];
  const result = await sender.runAsync(argv, (SECONDS + 15) * 1000);
  await exited;
  const sum = (JSON.parse(result.stdout) as { end: { sum: { packets: number; lost_packets: number; seconds: number } } }).end.sum;
  return (sum.packets - sum.lost_packets) / sum.seconds;
}

const PROBE = join(RUNTIME_BINARY, '..', 'pbcalls');
const PINGS = numberOption('--pings', 20000);

/** Round trips of one 200-byte datagram at a time, phone to an echo on the WAN host: p50, p99, p999 (µs). */
async function roundTrips(rig: Rig, sender: Phone, port: number): Promise<number[]> {
  const echo = rig.spawnIn(rig.wanNs, [PROBE, 'echo', rig.wanHostAddress, '7000', '150']);
  await new Promise((resolve) => setTimeout(resolve, 200));
  const result = await sender.runAsync([PROBE, 'ping', rig.wanHostAddress, '7000', String(PINGS), String(port), '200'], 130_000);
  echo.kill();
  const m = /p50_us ([\d.]+) p99_us ([\d.]+) p999_us ([\d.]+)/.exec(result.stdout);
  if (!m) throw new Error(`pbcalls ping: ${result.stdout}${result.stderr}`);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

/** One path to measure: a rig, its sender, and the source ports for the phone path and the NAPT. */
interface Subject {
  readonly rig: Rig;
  readonly label: string;
  readonly phone: Phone;
  readonly ports: { readonly phone?: number; readonly napt: number };
}

const record = (map: Map<string, number[]>, name: string, value: number): void => void map.set(name, [...(map.get(name) ?? []), value]);

/** One sample of every figure for one subject; `r` keeps each run's source ports apart. */
async function sample(subject: Subject, r: number, out: Map<string, number[]>): Promise<void> {
  const { rig, label, phone, ports } = subject;
  const addLatency = (name: string, values: number[]): void => ['p50', 'p99', 'p999'].forEach((p, i) => record(latency, `${name} ${p}`, values[i]));
  if (ports.phone !== undefined) addLatency(`${label} phone path`, await roundTrips(rig, phone, ports.phone + 1000 + r));
  addLatency(`${label} NAPT`, await roundTrips(rig, phone, ports.napt + 1000 + r));
  for (const size of SIZES) {
    for (const flows of FLOWS) {
      if (ports.phone !== undefined) record(out, `${label} phone path, ${size} B, ${flows} flow(s)`, await blast(rig, phone, ports.phone + 10 * r, size, flows));
      record(out, `${label} NAPT, ${size} B, ${flows} flow(s)`, await blast(rig, phone, ports.napt + 10 * r, size, flows));
    }
  }
}

async function routerMode(): Promise<Subject> {
  const rig = await Rig.up({ firmware: 'full', forwarding: 'kernel' });
  try {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const phone = rig.addPhone('phone1');
    const lease = await udhcpcLease(phone, rig.dir, { vendorClass: 'yealink' });
    if (!lease.block) throw new Error('no port block');
    return { rig, label: 'plugboard router mode', phone, ports: { phone: lease.block.first, napt: 40000 } };
  } catch (error) {
    await rig.down();
    throw error;
  }
}

async function plainKernel(): Promise<Subject> {
  const rig = await Rig.up({ startRouter: false });
  try {
    return { rig, label: 'kernel, plain masquerade', phone: kernelNatRouter(rig), ports: { napt: 40000 } };
  } catch (error) {
    await rig.down();
    throw error;
  }
}

/** One table of `count` phones, as the firmware declares it. */
function tableOf(count: number): NatTable {
  const phones = Array.from({ length: count }, (_, i) => ({
    ip: (0x0a000000 + 2 + i) >>> 0,
    mac: new Uint8Array([2, 0, 0, (i >> 16) & 255, (i >> 8) & 255, i & 255]),
    firstPort: 16384 + 48 * i,
    lastPort: 16384 + 48 * i + 47,
  }));
  return { wan: { ip: 0xc6336401, prefixLength: 24 }, lan: { ip: 0x0a000001, prefixLength: 16 }, phones, guestPool: { firstPort: 4096, lastPort: 16383 }, guests: true, phoneOutsideBlock: 'napt', hairpin: true, dropBogons: true, mssClamp: true, wanMtu: 1500, offload: 'none' };
}

async function controlPlane(): Promise<string[]> {
  const rig = await Rig.up({ startRouter: false });
  const lines: string[] = [];
  try {
    for (const count of [1, 100, 1000]) {
      const file = join(rig.dir, `table-${count}.nft`);
      writeFileSync(file, renderNatTable(tableOf(count), { lan: 'lan0', wan: 'wan0', flowDevices: [] }));
      const times: number[] = [];
      for (let r = 0; r < RUNS; r++) {
        const started = process.hrtime.bigint();
        must(rig.routerNs, ['nft', '-f', file], 60_000);
        times.push(Number(process.hrtime.bigint() - started) / 1e6);
      }
      lines.push(`nft -f, table of ${String(count).padStart(4)} phones (one transaction, replaces the previous): ${median(times).toFixed(1)} ms`);
    }
  } finally {
    await rig.down();
  }
  return lines;
}

function offloadAvailable(): boolean {
  const probe = 'table inet pbprobe { flowtable ft { hook ingress priority 0; devices = { lo }; } }\n';
  const file = '/tmp/pb-flowtable-probe.nft';
  writeFileSync(file, probe);
  return run(undefined, ['nft', '-c', '-f', file]).status === 0;
}

async function main(): Promise<number> {
  const why = namespacesUnavailable() ?? (!existsSync(RUNTIME_BINARY) || !existsSync(BUNDLE) ? 'no native runtime or bundle' : undefined);
  if (why) {
    console.error(`router-mode bench: ${why}`);
    return 1;
  }
  const ours = new Map<string, number[]>();
  const peer = new Map<string, number[]>();
  // Both rigs stay up and the runs alternate which goes first, so a busy patch of the machine
  // falls on both, not on one.
  const mine = await routerMode();
  const theirs = await plainKernel().catch(async (error: unknown) => {
    await mine.rig.down();
    throw error;
  });
  try {
    for (let r = 0; r < RUNS; r++) {
      const order: [Subject, Map<string, number[]>][] = [[mine, ours], [theirs, peer]];
      for (const [subject, out] of r % 2 === 0 ? order : order.reverse()) await sample(subject, r, out);
    }
  } finally {
    await mine.rig.down();
    await theirs.rig.down();
  }
  console.log(`UDP through the router on the veth rig, iperf3 -u -b 0 for ${SECONDS} s, received packets/s, median of ${RUNS} runs, unpinned`);
  for (const [name, samples] of [...ours, ...peer]) console.log(`${name.padEnd(52)} ${Math.round(median(samples)).toLocaleString('en').padStart(10)}`);
  const chartRows: RatioRow[] = [];
  for (const size of SIZES) {
    for (const flows of FLOWS) {
      const base = peer.get(`kernel, plain masquerade NAPT, ${size} B, ${flows} flow(s)`);
      if (!base) continue;
      for (const path of ['phone path', 'NAPT']) {
        const mine = ours.get(`plugboard router mode ${path}, ${size} B, ${flows} flow(s)`);
        if (!mine) continue;
        console.log(`ratio router mode ${path} / plain masquerade, ${size} B, ${flows} flow(s): ${(median(mine) / median(base)).toFixed(3)}`);
        chartRows.push({ label: `${path}, ${size} B, ${flows} flow${flows > 1 ? 's' : ''}`, ratio: median(mine) / median(base) });
      }
    }
  }
  writeChartIfAsked('Router mode: UDP packets/s through the kernel as Plugboard programs it', `ratio to plain nftables masquerade, same rig and sender, median of ${RUNS} runs (no flowtable in this kernel)`, chartRows);
  console.log(offloadAvailable() ? 'flowtable: available (rerun on a board with offload for the offload rows)' : 'flowtable offload: this kernel has no nf_flow_table, so the offload rows cannot be measured here');
  console.log(`Round trip, one 200-byte UDP datagram at a time to an echo on the WAN host, ${PINGS} per run (both ends wake on arrival), µs, median of ${RUNS} runs`);
  for (const [name, samples] of latency) console.log(`${name.padEnd(52)} ${median(samples).toFixed(1).padStart(10)}`);
  const kernelP99 = latency.get('kernel, plain masquerade NAPT p99');
  for (const path of ['phone path', 'NAPT']) {
    const mine = latency.get(`plugboard router mode ${path} p99`);
    if (mine && kernelP99) console.log(`p99 router mode ${path} - plain masquerade: ${(median(mine) - median(kernelP99)).toFixed(1)} µs`);
  }
  for (const line of await controlPlane()) console.log(line);
  return 0;
}

runBench(main);
