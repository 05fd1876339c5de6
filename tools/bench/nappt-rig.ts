// Benchmark on real interfaces: UDP packets/s that cross the router from a LAN namespace to the WAN
// host, for Plugboard (native runtime, full firmware: the phone path and ordinary NAPT) and for the
// Linux kernel doing the same job (ip_forward + nftables masquerade) on the same rig, same sender.
// iperf3 blasts UDP (-b 0) for a few seconds; the figure is what the WAN host received. Medians of
// several runs. Unpinned (the kernel forwards in softirq on the sender's core; our router is a
// process on whichever core is free). Prints figures; asserts nothing.
// Usage: npx tsx tools/bench/nappt-rig.ts [--runs 3] [--seconds 3]   (root; bash hal/native/build.sh && npm run build first)
import { chmodSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { BUNDLE, RUNTIME_BINARY, Rig, namespacesUnavailable, wanUp, type Phone } from '../rig';
import { processCounters } from './proc';
import { kernelNatRouter } from './kernel-peer';
import { median, numberOption } from './cli';

const RUNS = numberOption('--runs', 3);
const SECONDS = numberOption('--seconds', 3);
const SIZES = [64, 1400];

interface Sample {
  sentPps: number;
  receivedPps: number;
  /** Plugboard only: the router process's CPU time per packet the WAN host received. */
  cpuUsPerPacket?: number;
}


async function blast(rig: Rig, sender: Phone, cport: number | undefined, size: number): Promise<Sample> {
  const before = processCounters(rig.router?.pid);
  const server = rig.spawnIn(rig.wanNs, ['iperf3', '-s', '-1', '-B', rig.wanHostAddress, '-p', '5201']);
  const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()));
  await new Promise((resolve) => setTimeout(resolve, 300));
  const argv = ['iperf3', '-c', rig.wanHostAddress, '-p', '5201', '-u', '-b', '0', '-l', String(size), '-t', String(SECONDS), '-J'];
  if (cport !== undefined) argv.push('--cport', String(cport));
  const result = await sender.runAsync(argv, (SECONDS + 15) * 1000);
  await exited;
  const report = JSON.parse(result.stdout) as { end: { sum: { packets: number; lost_packets: number; seconds: number } } };
  const sum = report.end.sum;
  const received = sum.packets - sum.lost_packets;
  const cpuNs = processCounters(rig.router?.pid).cpuNs - before.cpuNs;
  const cpuUsPerPacket = rig.router?.pid && received > 0 ? cpuNs / 1000 / received : undefined;
  return { sentPps: sum.packets / sum.seconds, receivedPps: received / sum.seconds, cpuUsPerPacket };
}

async function dhcpLease(rig: Rig, phone: Phone, vendorClass?: string): Promise<{ ip: string; portParams: string }> {
  const script = join(rig.dir, 'udhcpc.sh');
  writeFileSync(script, '#!/bin/sh\ncase "$1" in bound|renew)\n ip addr flush dev $interface\n ip addr add $ip/$mask dev $interface\n [ -n "$router" ] && ip route replace default via $router\n echo "LEASE $ip $opt159"\n;; esac\n');
  chmodSync(script, 0o755);
  const argv = ['busybox', 'udhcpc', '-i', 'eth0', '-O', '159', '-s', script, '-q', '-f', '-n', '-t', '5', '-T', '1'];
  if (vendorClass) argv.push('-V', vendorClass);
  const out = await phone.runAsync(argv, 20_000);
  const match = /LEASE (\S+) ?(\S*)/.exec(out.stdout);
  if (!match) throw new Error(`no lease: ${out.stdout}${out.stderr}`);
  return { ip: match[1], portParams: match[2] };
}

async function measurePlugboard(): Promise<Map<string, Sample[]>> {
  const results = new Map<string, Sample[]>();
  const rig = await Rig.up({ firmware: 'full' });
  try {
    await wanUp(rig, 'ports');
    const phone = rig.addPhone('phone1');
    const lease = await dhcpLease(rig, phone, 'yealink');
    const psidLength = parseInt(lease.portParams.slice(2, 4), 16);
    const first = (parseInt(lease.portParams.slice(4, 8), 16) >>> (16 - psidLength)) << (16 - psidLength);
    for (const size of SIZES) {
      const phonePath: Sample[] = [];
      const naptPath: Sample[] = [];
      for (let r = 0; r < RUNS; r++) {
        phonePath.push(await blast(rig, phone, first + 1, size));
        naptPath.push(await blast(rig, phone, 40000 + r, size));
      }
      results.set(`plugboard phone path ${size} B`, phonePath);
      results.set(`plugboard NAPT ${size} B`, naptPath);
    }
  } finally {
    await rig.down();
  }
  return results;
}

async function measureKernel(): Promise<Map<string, Sample[]>> {
  const results = new Map<string, Sample[]>();
  const rig = await Rig.up({ startRouter: false });
  try {
    const phone = kernelNatRouter(rig);
    for (const size of SIZES) {
      const samples: Sample[] = [];
      for (let r = 0; r < RUNS; r++) samples.push(await blast(rig, phone, 40000 + r, size));
      results.set(`kernel NAT (nft masquerade) ${size} B`, samples);
    }
  } finally {
    await rig.down();
  }
  return results;
}

async function main(): Promise<number> {
  const why = namespacesUnavailable() ?? (!existsSync(RUNTIME_BINARY) || !existsSync(BUNDLE) ? 'no native runtime or bundle' : undefined);
  if (why) {
    console.error(`nappt-rig bench: ${why}`);
    return 1;
  }
  const ours = await measurePlugboard();
  const haveNft = spawnSync('nft', ['--version']).status === 0;
  const kernel = haveNft ? await measureKernel() : new Map<string, Sample[]>();
  console.log(`UDP through the router on the veth rig, iperf3 -b 0 for ${SECONDS} s, median of ${RUNS} runs, unpinned`);
  console.log('path                                   sent pkt/s   received pkt/s   router CPU µs/packet');
  for (const [name, samples] of [...ours, ...kernel]) {
    const cpu = samples.map((s) => s.cpuUsPerPacket).filter((v): v is number => v !== undefined);
    const cpuText = cpu.length > 0 ? median(cpu).toFixed(1) : '-';
    console.log(`${name.padEnd(38)} ${Math.round(median(samples.map((s) => s.sentPps))).toLocaleString('en').padStart(10)}   ${Math.round(median(samples.map((s) => s.receivedPps))).toLocaleString('en').padStart(12)}   ${cpuText.padStart(20)}`);
  }
  if (!haveNft) console.log('kernel peer skipped: nft not installed (tools/setup.sh installs nftables)');
  for (const size of SIZES) {
    const k = kernel.get(`kernel NAT (nft masquerade) ${size} B`);
    if (!k) continue;
    const kr = median(k.map((s) => s.receivedPps));
    for (const path of ['phone path', 'NAPT']) {
      const o = ours.get(`plugboard ${path} ${size} B`);
      if (o) console.log(`ratio plugboard ${path} / kernel NAT at ${size} B: ${(median(o.map((s) => s.receivedPps)) / kr).toFixed(3)}`);
    }
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error instanceof Error ? error.stack : error);
    process.exit(1);
  },
);
