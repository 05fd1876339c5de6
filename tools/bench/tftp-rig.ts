// Benchmark on real interfaces: TFTP download throughput of Plugboard's server (native runtime, full
// firmware, the image uploaded into its flash store through a console-opened window) against atftpd
// (the Debian TFTP server that honours windowsize) in its own namespace on the same LAN switch,
// serving the same seeded image from a directory. Clients run in a phone namespace that took its
// lease as a Yealink: curl (512-byte lock-step), curl --tftp-blksize 1468, atftp blksize 1468 +
// windowsize 8; then N concurrent curl (1468) from N addresses. Wall-clock time per transfer
// (process start included), every copy checked byte-exact; medians of several runs. By default the
// clients run on CPU 0 and both servers on CPU 1 (see PINNING). Prints figures; asserts nothing.
// --forwarding kernel runs Plugboard in router mode (TFTP on the kernel's UDP sockets) instead of
// ports mode (its own stack on the raw LAN port); run both to compare router CPU per block.
// Usage: npx tsx tools/bench/tftp-rig.ts [--runs 3] [--mib 16] [--clients 10] [--pin split|same|none] [--forwarding ports|kernel]   (root; bash hal/native/build.sh && npm run build first; --clients 0 skips the concurrent case)
import { chmodSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { BUNDLE, RUNTIME_BINARY, Rig, namespacesUnavailable, seededImage, sha256, sha256Of, udhcpcLease, type ConsoleClient, type Phone } from '../rig';
import { processCounters } from './proc';
import { median, numberOption, stringOption } from './cli';

const RUNS = numberOption('--runs', 3);
const PIN = stringOption('--pin', 'split');
const MIB = numberOption('--mib', 16);
const CLIENTS = numberOption('--clients', 10);
const FORWARDING = stringOption('--forwarding', 'ports') === 'kernel' ? 'kernel' : 'ports';

const ATFTPD = '/usr/sbin/atftpd';
// Where processes run. Unpinned, a lock-step transfer is bimodal: the scheduler sometimes puts client
// and server on one core (no cross-core wake-up per packet) and sometimes not; atftpd's lock-step
// rate moved 7x between runs here. 'split' (default): clients on CPU 0, both servers on CPU 1, so
// every packet wakes the other core, as a client on another machine would. 'same': everything on
// CPU 0. 'none': unpinned.
const PINNING: Record<string, { client: string[]; server: string[] }> = {
  split: { client: ['taskset', '-c', '0'], server: ['taskset', '-c', '1'] },
  same: { client: ['taskset', '-c', '0'], server: ['taskset', '-c', '0'] },
  none: { client: [], server: [] },
};
const pinned = PINNING[PIN] ?? PINNING.split;
const IMAGE_NAME = 'bench-fw.bin';
const WINDOWED_UPLOAD = 'bench-up.bin';
const IMAGE_BYTES = MIB * 1048576;
const PEER = '192.168.1.60';
/** Concurrent clients' own addresses: outside the phone pool (.100-.199) and the guest pool (.200-.249). */
const concurrentAddress = (i: number): string => `192.168.1.${10 + i}`;

const mbps = (bytes: number, seconds: number): number => bytes / 1e6 / seconds;


interface Client {
  readonly name: string;
  readonly blockSize: number;
  argv(server: string, out: string): string[];
}

// Phones ask for 1468-byte blocks (one block per 1500-byte frame) and, mostly, no window.
const CLIENTS_SINGLE: Client[] = [
  { name: 'curl (blksize 512)', blockSize: 512, argv: (server, out) => [...pinned.client, 'curl', '-sS', '--max-time', '60', '-o', out, `tftp://${server}/${IMAGE_NAME}`] },
  { name: 'curl --tftp-blksize 1468', blockSize: 1468, argv: (server, out) => [...pinned.client, 'curl', '-sS', '--max-time', '60', '--tftp-blksize', '1468', '-o', out, `tftp://${server}/${IMAGE_NAME}`] },
  {
    name: 'atftp blksize 1468 windowsize 8',
    blockSize: 1468,
    argv: (server, out) => [...pinned.client, 'atftp', '--option', 'blksize 1468', '--option', 'windowsize 8', '--get', '-r', IMAGE_NAME, '-l', out, server],
  },
];

interface Outcome {
  seconds: number;
  ok: boolean;
  note: string;
}

/** Run one client to completion, timed from spawn to exit; the copy must match the image. */
async function fetchOnce(phone: Phone, argv: string[], out: string, hash: string): Promise<Outcome> {
  rmSync(out, { force: true });
  const start = process.hrtime.bigint();
  const result = await phone.runAsync(argv, 120_000);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const got = sha256Of(out);
  rmSync(out, { force: true });
  const ok = result.status === 0 && got === hash;
  return { seconds, ok, note: ok ? '' : `exit ${result.status}, ${got === 'missing' ? 'no file' : 'copy differs'}: ${(result.stderr || result.stdout).trim().slice(-200)}` };
}

/** N clients at once, each from its own address (Plugboard admits 4 transfers per client address). */
async function fetchConcurrent(phone: Phone, server: string, dir: string, hash: string): Promise<Outcome> {
  const outs = Array.from({ length: CLIENTS }, (_, i) => join(dir, `c${i}.bin`));
  for (const out of outs) rmSync(out, { force: true });
  const start = process.hrtime.bigint();
  const results = await Promise.all(
    outs.map((out, i) =>
      phone.runAsync([...pinned.client, 'curl', '-sS', '--max-time', '120', '--interface', concurrentAddress(i), '--tftp-blksize', '1468', '-o', out, `tftp://${server}/${IMAGE_NAME}`], 180_000),
    ),
  );
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  let good = 0;
  const notes: string[] = [];
  results.forEach((result, i) => {
    if (result.status === 0 && sha256Of(outs[i]) === hash) good++;
    else notes.push(`client ${i}: exit ${result.status} ${result.stderr.trim().slice(-120)}`);
    rmSync(outs[i], { force: true });
  });
  return { seconds, ok: good === CLIENTS, note: notes.slice(0, 3).join('; ') };
}

/** atftpd in the foreground (--daemon --no-fork), our child by PID; waits until it listens on :69. */
async function startAtftpd(rig: Rig, peer: Phone, root: string): Promise<{ child: ChildProcess; log: () => string }> {
  const child = rig.spawnIn(peer.ns, [...pinned.server, ATFTPD, '--daemon', '--no-fork', '--logfile', '-', '--bind-address', PEER, '--port', '69', '--maxthread', '200', root]);
  let log = '';
  // Drain its log (a full pipe would stall it); keep the tail for failure messages.
  const keep = (text: Buffer) => {
    log = (log + text.toString('utf8')).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  for (let i = 0; i < 50; i++) {
    if (child.exitCode !== null) break;
    const ss = await peer.runAsync(['ss', '-Hlun', 'sport = :69']);
    if (ss.stdout.includes(':69')) return { child, log: () => log };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`atftpd did not start listening on ${PEER}:69 (exit ${child.exitCode}): ${log}`);
}

async function main(): Promise<number> {
  const why =
    namespacesUnavailable() ??
    (!existsSync(RUNTIME_BINARY) || !existsSync(BUNDLE) ? 'no native runtime or bundle' : undefined) ??
    (!existsSync(ATFTPD) ? `no ${ATFTPD} (bash tools/setup.sh installs atftpd)` : undefined) ??
    (!(PIN in PINNING) ? '--pin: split, same or none' : undefined) ??
    (PIN !== 'none' && availableParallelism() < 2 ? '--pin split|same needs 2 CPUs (try --pin none)' : undefined) ??
    (!(CLIENTS >= 0 && CLIENTS <= 50) ? '--clients: 0 to 50 (their addresses are 192.168.1.10-59)' : undefined) ??
    (!(Number.isInteger(MIB) && MIB >= 1 && MIB <= 31 && RUNS >= 1) ? '--mib: a whole number 1 to 31 (the 512-byte upload stays below block 65536), --runs: at least 1' : undefined);
  if (why) {
    console.error(`tftp-rig bench: ${why}`);
    return 1;
  }
  const started = Date.now();
  const image = seededImage(IMAGE_BYTES, 0x5eed7f7b);
  const hash = sha256(image);

  // The host board's 4 MiB flash file cannot hold the image: give the router a larger one (a later
  // --flash on the runtime's command line wins).
  // taskset execs the program, so the PIDs the rig and this file hold are the servers' own.
  const rig = await Rig.up({ firmware: 'full', forwarding: FORWARDING, startRouter: false, runtime: [...pinned.server, RUNTIME_BINARY] });
  let atftpd: ChildProcess | undefined;
  let term: ConsoleClient | undefined;
  try {
    await rig.startRouter(['--flash', `${rig.flashFile}:${2 * MIB + 8}M`]); // the image and a windowed upload of it
    // atftpd serves as 'nobody': the rig's state directory and the served file must be readable.
    chmodSync(rig.dir, 0o755);
    const root = join(rig.dir, 'tftproot');
    const outDir = join(rig.dir, 'out');
    mkdirSync(root);
    chmodSync(root, 0o755);
    mkdirSync(outDir);
    const imageFile = join(root, IMAGE_NAME);
    writeFileSync(imageFile, image, { mode: 0o644 });

    // ---- the image into Plugboard's store: the peer host uploads it inside a console window ------
    term = rig.console();
    term.write('\r');
    await term.expect(/plugboard> $/, 15_000);
    await term.command('terminal length 0');
    await term.command(`image upload ${PEER} ${IMAGE_NAME} 10`, /Upload window .*\r\n/);
    const peer = rig.addPhone('peer', { address: `${PEER}/24` });
    const upStart = process.hrtime.bigint();
    const put = await peer.runAsync(['tftp', '-m', 'binary', rig.lanAddress, '-c', 'put', imageFile, IMAGE_NAME], 300_000);
    const upSeconds = Number(process.hrtime.bigint() - upStart) / 1e9;
    const stored = await term.command('image list', /\d+ items, .* free\r\n/);
    if (put.status !== 0 || /Error/i.test(put.stdout + put.stderr) || !new RegExp(`${IMAGE_NAME.replace('.', '\\.')} +${IMAGE_BYTES} +${hash.slice(0, 16)} `).test(stored)) {
      throw new Error(`upload into Plugboard failed (exit ${put.status}): ${put.stdout} ${put.stderr}\n${stored}`);
    }
    // The same image again, as atftp sends with a window (what uploads are tuned for), under a second name.
    await term.command(`image upload ${PEER} ${WINDOWED_UPLOAD} 10`, /Upload window .*\r\n/);
    const windowedStart = process.hrtime.bigint();
    const windowed = await peer.runAsync(['atftp', '--option', 'blksize 1468', '--option', 'windowsize 8', '-p', '-l', imageFile, '-r', WINDOWED_UPLOAD, rig.lanAddress], 300_000);
    const windowedSeconds = Number(process.hrtime.bigint() - windowedStart) / 1e9;
    const storedAgain = await term.command('image list', /\d+ items, .* free\r\n/);
    const windowedOk = windowed.status === 0 && new RegExp(`${WINDOWED_UPLOAD.replace('.', '\\.')} +${IMAGE_BYTES} +${hash.slice(0, 16)} `).test(storedAgain);

    const peerServer = await startAtftpd(rig, peer, root);
    atftpd = peerServer.child;

    // ---- the phone: a lease as a Yealink, and addresses for the concurrent clients ----------------
    const phone = rig.addPhone('phone');
    const lease = await udhcpcLease(phone, rig.dir, { vendorClass: 'yealink SIP-T46U' });
    for (let i = 0; i < CLIENTS; i++) await phone.runAsync(['ip', 'addr', 'add', `${concurrentAddress(i)}/24`, 'dev', 'eth0']);

    const servers = [
      { name: 'Plugboard', address: rig.lanAddress },
      { name: 'atftpd', address: PEER },
    ];
    const routerPid = rig.router?.pid;
    const rates = new Map<string, number[]>();
    const cpuPerBlock = new Map<string, number[]>();
    const switchesPerBlock = new Map<string, number[]>();
    const failures: string[] = [];
    const push = (map: Map<string, number[]>, key: string, value: number) => map.set(key, [...(map.get(key) ?? []), value]);
    /** Time one case; for Plugboard also the router's CPU and context switches per DATA block. */
    const measure = async (row: string, server: string, transfers: number, blockSize: number, go: () => Promise<Outcome>) => {
      const bytes = transfers * IMAGE_BYTES;
      const before = server === 'Plugboard' ? processCounters(routerPid) : undefined;
      const outcome = await go();
      if (!outcome.ok) {
        failures.push(`${row} from ${server}: ${outcome.note}`);
        return;
      }
      push(rates, `${row}|${server}`, mbps(bytes, outcome.seconds));
      if (before) {
        const after = processCounters(routerPid);
        const blocks = transfers * (Math.floor(IMAGE_BYTES / blockSize) + 1);
        push(cpuPerBlock, row, (after.cpuNs - before.cpuNs) / 1000 / blocks);
        push(switchesPerBlock, row, (after.switches - before.switches) / blocks);
      }
    };
    // Warm-up: one fetch per server (page cache for the flash file and atftpd's file).
    const warm = join(outDir, 'warm.bin');
    for (const server of servers) await fetchOnce(phone, CLIENTS_SINGLE[1].argv(server.address, warm), warm, hash);
    const concurrentRow = `${CLIENTS} x curl 1468 at once`;
    for (let r = 0; r < RUNS; r++) {
      // Alternate which server goes first, so drift over the run does not favour one.
      const order = r % 2 === 0 ? servers : [...servers].reverse();
      for (const client of CLIENTS_SINGLE) {
        for (const server of order) {
          const out = join(outDir, 'one.bin');
          await measure(client.name, server.name, 1, client.blockSize, () => fetchOnce(phone, client.argv(server.address, out), out, hash));
        }
      }
      if (CLIENTS === 0) continue;
      for (const server of order) {
        await measure(concurrentRow, server.name, CLIENTS, 1468, () => fetchConcurrent(phone, server.address, outDir, hash));
      }
    }
    const show = await term.command('show tftp', /Upload window [^\n]*\r\n[\s\S]*?plugboard[>#] $/);

    // ---- figures -----------------------------------------------------------------------------------
    const rows = [...CLIENTS_SINGLE.map((c) => c.name), ...(CLIENTS > 0 ? [concurrentRow] : [])];
    const med = (values: number[] | undefined): number => (values && values.length > 0 ? median(values) : NaN);
    const list = (values: number[] | undefined) => (values ?? []).map((v) => v.toFixed(1)).join(' ');
    console.log(`TFTP download of a ${MIB} MiB image on the veth rig, phone ${lease.ip} -> server, MB/s (10^6 bytes/s), Plugboard in ${FORWARDING === 'kernel' ? 'router mode (kernel sockets)' : 'ports mode (own stack)'}, median of ${RUNS} runs, ${PIN === 'split' ? 'clients pinned to CPU 0, servers to CPU 1' : PIN === 'same' ? 'clients and servers pinned to CPU 0' : 'unpinned'}`);
    console.log(`${'client'.padEnd(34)} ${'Plugboard'.padStart(9)} ${'atftpd'.padStart(9)}  ratio  router CPU µs/block  switches/block  runs (Plugboard | atftpd)`);
    for (const row of rows) {
      const ours = med(rates.get(`${row}|Plugboard`));
      const theirs = med(rates.get(`${row}|atftpd`));
      console.log(
        `${row.padEnd(34)} ${ours.toFixed(2).padStart(9)} ${theirs.toFixed(2).padStart(9)}  ${(ours / theirs).toFixed(3)}  ${med(cpuPerBlock.get(row)).toFixed(1).padStart(19)}  ${med(switchesPerBlock.get(row)).toFixed(2).padStart(14)}  ${list(rates.get(`${row}|Plugboard`))} | ${list(rates.get(`${row}|atftpd`))}`,
      );
    }
    console.log(`upload into Plugboard (tftp-hpa put, 512-byte lock-step, once): ${mbps(IMAGE_BYTES, upSeconds).toFixed(2)} MB/s`);
    console.log(`upload into Plugboard (atftp put, blksize 1468, windowsize 8, once): ${windowedOk ? `${mbps(IMAGE_BYTES, windowedSeconds).toFixed(2)} MB/s` : `FAILED (exit ${windowed.status}) ${windowed.stdout} ${windowed.stderr}`}`);
    console.log(`Plugboard's counters: ${show.split('\r\n').filter((l) => /^(Requests|Sent|Errors)/.test(l)).join('; ')}`);
    for (const failure of failures) console.log(`FAILED ${failure}`);
    if (failures.length > 0) console.log(`atftpd log tail:\n${peerServer.log().slice(-1000)}`);
    console.log(`whole run ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } finally {
    term?.close();
    if (atftpd?.pid && atftpd.exitCode === null && atftpd.signalCode === null) process.kill(atftpd.pid, 'SIGTERM');
    await rig.down();
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
