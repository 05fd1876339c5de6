// The runtime's self-test without a network: a fixture directory of pcap files (an ARP request and
// a batch of pings per port) replayed through `plugboard --self-test <dir>`, natively or under
// qemu-user, and the recorded answers read back. Used by test/native and tools/bench.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { arpRequest, icmpEchoRequest, parseArpReply, parseEchoReply } from './frames';
import type { ArpReply, EchoReply } from './frames';
import { readPcap, writePcap } from './pcap';
import { BUNDLE, HOST_BOARD } from './topology';

export const SELF_TEST = {
  lan: { routerMac: '02:50:42:00:00:01', routerIp: '192.168.1.1', hostMac: '02:00:00:00:01:0a', hostIp: '192.168.1.10', prefix: 24 },
  wan: { routerMac: '02:50:42:00:00:02', routerIp: '198.51.100.1', hostMac: '02:00:00:00:02:02', hostIp: '198.51.100.2', prefix: 24 },
} as const;

export type Arch = 'x86_64' | 'mipsel' | 'mips' | 'armhf' | 'aarch64';
export const ARCHES: readonly Arch[] = ['x86_64', 'mipsel', 'mips', 'armhf', 'aarch64'];
const QEMU: Record<Arch, string | undefined> = { x86_64: undefined, mipsel: 'qemu-mipsel-static', mips: 'qemu-mips-static', armhf: 'qemu-arm-static', aarch64: 'qemu-aarch64-static' };

export function runtimeBinary(arch: Arch): string {
  return join(import.meta.dirname, '..', '..', 'hal/native/build', arch, 'plugboard');
}

/** The command that runs the runtime for `arch` on this machine (qemu-user for foreign CPUs). */
export function runtimeCommand(arch: Arch): string[] {
  const qemu = process.arch === 'x64' ? QEMU[arch] : undefined;
  return qemu ? [qemu, runtimeBinary(arch)] : [runtimeBinary(arch)];
}

/**
 * Writes lan.in.pcap / wan.in.pcap: per port an ARP request for the router at t=0, then `pings`
 * echo requests from 10 ms on, `spacingUs` apart (0: all at once, so the runtime hands them over
 * in batches of 64).
 */
export function writeSelfTestFixture(dir: string, pings = 16, spacingUs = 0): void {
  mkdirSync(dir, { recursive: true });
  for (const name of ['lan', 'wan'] as const) {
    const side = SELF_TEST[name];
    const records = [{ timeUs: 0, frame: arpRequest(side.hostMac, side.hostIp, side.routerIp) }];
    for (let seq = 0; seq < pings; seq++) {
      records.push({ timeUs: 10_000 + seq * spacingUs, frame: icmpEchoRequest(side.hostMac, side.routerMac, side.hostIp, side.routerIp, 0x5042, seq) });
    }
    writeFileSync(join(dir, `${name}.in.pcap`), writePcap(records));
  }
}

export interface SelfTestResult {
  readonly status: number | null;
  readonly stderr: string;
  readonly wallMs: number;
  readonly arpReplies: Record<'lan' | 'wan', ArpReply[]>;
  readonly echoReplies: Record<'lan' | 'wan', EchoReply[]>;
  readonly sentFrames: Record<'lan' | 'wan', number>;
}

export interface SelfTestOptions {
  /** 'full': firmware/main.ts boot() with its default configuration (LAN 192.168.1.1/24, WAN by DHCP);
   *  'bringup' (default): the bring-up firmware with both addresses of SELF_TEST. */
  readonly firmware?: 'full' | 'bringup';
  /** Backstop: exit after this long even if a port never transmitted (default: the runtime's 30 s). */
  readonly exitAfterMs?: number;
  /** Wraps the command (e.g. valgrind). */
  readonly prefix?: readonly string[];
  readonly timeoutMs?: number;
}

/** Run the self-test in `dir` (fixture already written). */
export function runSelfTest(command: readonly string[], dir: string, options: SelfTestOptions = {}): SelfTestResult {
  const firmwareArgs =
    options.firmware === 'full'
      ? []
      : ['--bringup', '--lan-address', `${SELF_TEST.lan.routerIp}/${SELF_TEST.lan.prefix}`, '--wan-address', `${SELF_TEST.wan.routerIp}/${SELF_TEST.wan.prefix}`];
  const argv = [
    ...(options.prefix ?? []),
    ...command,
    '--board', HOST_BOARD,
    '--self-test', dir,
    ...(options.exitAfterMs ? ['--exit-after', String(options.exitAfterMs)] : []),
    '--console', 'none',
    BUNDLE,
    '--',
    ...firmwareArgs,
  ];
  const started = Date.now();
  const run = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', timeout: options.timeoutMs ?? 60_000 });
  const wallMs = Date.now() - started;
  const arpReplies = { lan: [] as ArpReply[], wan: [] as ArpReply[] };
  const echoReplies = { lan: [] as EchoReply[], wan: [] as EchoReply[] };
  const sentFrames = { lan: 0, wan: 0 };
  for (const name of ['lan', 'wan'] as const) {
    let records;
    try {
      records = readPcap(readFileSync(join(dir, `${name}.out.pcap`)));
    } catch {
      continue;
    }
    if (typeof records === 'string') continue;
    sentFrames[name] = records.length;
    for (const { frame } of records) {
      const arp = parseArpReply(frame);
      if (arp) arpReplies[name].push(arp);
      const echo = parseEchoReply(frame);
      if (echo) echoReplies[name].push(echo);
    }
  }
  return { status: run.status, stderr: (run.stderr ?? '') + (run.error ? String(run.error) : ''), wallMs, arpReplies, echoReplies, sentFrames };
}
