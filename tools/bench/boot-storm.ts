// The office after a power cut, on the veth rig: N phone namespaces plugged in at once, each asks
// DHCP for a lease as a Yealink (busybox udhcpc with a vendor class), then reads the boot file the
// lease names from the TFTP server the lease names (curl at 512-byte lock-step, or atftp with
// blksize 1468 and windowsize 8). The figure is the time from power-on until the last phone has its
// whole image, against the link-rate bound of the shaped LAN port and against the peers doing the
// same job on the same rig: dnsmasq (its DHCP and its TFTP) and Kea + atftpd. Plugboard runs in
// router mode (kernel sockets), as on a router. The router's LAN port is shaped with `tbf` to each
// rate; tbf counts the Ethernet frame without FCS, so the bound is blocks × (block + 46 bytes of
// TFTP, UDP, IPv4 and Ethernet headers) per phone. Prints figures; asserts nothing.
// Usage: npx tsx tools/bench/boot-storm.ts [--phones 50] [--mib 8] [--rates 100,1000] [--clients curl,atftp] [--runs 1]
//   (root; runtime and bundle built; apt-get install dnsmasq-base kea-dhcp4-server for the peers)
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { BUNDLE, RUNTIME_BINARY, Rig, must, namespacesUnavailable, run, seededImage, type Phone } from '../rig';
import { median, numberOption, stringOption, runBench } from './cli';
import { lanHostRig, startDnsmasq, startKea } from './peers';

const PHONES = numberOption('--phones', 50);
const MIB = numberOption('--mib', 8);
const RUNS = numberOption('--runs', 1);
const RATES = stringOption('--rates', '100,1000').split(',').map(Number);
const CLIENTS = stringOption('--clients', 'curl,atftp').split(',') as Client[];
const IMAGE = 'storm-fw.bin';
const IMAGE_BYTES = MIB * 1048576;
const UPLOADER = '192.168.1.60';
const ATFTPD = '/usr/sbin/atftpd';
/** Transfers each server may run at once (dnsmasq --tftp-max, atftpd --maxthread, Plugboard tftp.max-sessions). */
const MAX_TRANSFERS = 200;

type Client = 'curl' | 'atftp';
const BLOCK: Record<Client, number> = { curl: 512, atftp: 1468 };
const FETCH: Record<Client, string> = {
  curl: 'curl -sS -o /dev/null -w "%{size_download}" "tftp://$server/$file"',
  atftp: 'atftp --option "blksize 1468" --option "windowsize 8" -g -r "$file" -l /tmp/$$.img "$server" && stat -c %s /tmp/$$.img; rm -f /tmp/$$.img',
};

interface Server {
  readonly name: string;
  /** Bring up a rig serving the image (the caller shapes its LAN and tears it down). */
  up(image: Uint8Array): Promise<Rig>;
}

/** What each phone runs: a lease (address, server, boot file from it), then the image; prints the bytes. */
function phoneScript(client: Client): string {
  return [
    '#!/bin/sh',
    // udhcpc calls this with "bound": take the address, remember the server and the boot file.
    'if [ "$1" = bound ]; then ip addr add "$ip/$mask" dev "$interface"; echo "server=${tftp:-${siaddr:-$serverid}}; file=${bootfile:-$boot_file}" > "$LEASE_FILE"; fi',
    'if [ "$1" != fetch ]; then exit 0; fi',
    'export LEASE_FILE=/tmp/pb-storm-lease.$$',
    'busybox udhcpc -i eth0 -n -q -t 8 -T 2 -V yealink -O 66 -O 67 -s "$0" >/dev/null 2>&1 || { echo "no lease"; exit 1; }',
    '. "$LEASE_FILE"; rm -f "$LEASE_FILE"',
    '[ -n "$file" ] || { echo "no boot file in the lease"; exit 1; }',
    FETCH[client],
    '',
  ].join('\n');
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Plugboard in router mode: the image uploaded into its store through a console window. */
const plugboard: Server = {
  name: 'Plugboard (router mode)',
  async up(image) {
    const rig = await Rig.up({ firmware: 'full', forwarding: 'kernel', startRouter: false });
    try {
      const flash = ['--flash', `${rig.flashFile}:${MIB + 8}M`];
      await rig.startRouter(flash);
      // As many transfers at once as the peers are allowed (its default is 128); the setting
      // applies at boot, hence save and a restart.
      let term = rig.console();
      try {
        term.write('\r');
        await term.expect(/plugboard> $/, 15_000);
        for (const line of ['set dhcp.probe off', `phone-class yealink boot-file ${IMAGE}`, `set tftp.max-sessions ${MAX_TRANSFERS}`, 'save']) await term.command(line, /plugboard> $/, 10_000);
      } finally {
        term.close();
      }
      await rig.stopRouter('SIGTERM');
      await rig.startRouter(flash);
      term = rig.console();
      try {
        term.write('\r');
        await term.expect(/plugboard> $/, 15_000);
        await term.command(`image upload ${UPLOADER} ${IMAGE} 10`, /Upload window .*\r\n/);
        const uploader = rig.addPhone('uploader', { address: `${UPLOADER}/24` });
        const file = join(rig.dir, IMAGE);
        writeFileSync(file, image);
        const put = await uploader.runAsync(['tftp', '-m', 'binary', rig.lanAddress, '-c', 'put', file, IMAGE], 600_000);
        const listed = await term.command('image list', /\d+ items, .* free\r\n/);
        if (put.status !== 0 || !listed.includes(`${IMAGE} `)) throw new Error(`upload failed: ${put.stdout}${put.stderr}\n${listed}`);
        rig.removePhone('uploader');
      } finally {
        term.close();
      }
      await sleep(3500); // its start-up listen for another DHCP server is over
      return rig;
    } catch (error) {
      await rig.down();
      throw error;
    }
  },
};

/** A LAN host (see peers.ts) with the image in a directory atftpd (as nobody) and dnsmasq can serve. */
async function peerRig(image: Uint8Array): Promise<{ rig: Rig; root: string }> {
  const rig = await lanHostRig();
  const root = join(rig.dir, 'tftproot');
  chmodSync(rig.dir, 0o755);
  mkdirSync(root, { recursive: true, mode: 0o755 });
  chmodSync(root, 0o755);
  writeFileSync(join(root, IMAGE), image, { mode: 0o644 });
  return { rig, root };
}

const dnsmasq: Server = {
  name: 'dnsmasq (DHCP + TFTP)',
  async up(image) {
    const { rig, root } = await peerRig(image);
    await startDnsmasq(rig, '192.168.1.100', '192.168.1.199', [
      '--no-ping', `--dhcp-boot=${IMAGE},,${rig.lanAddress}`, `--dhcp-option=66,${rig.lanAddress}`,
      '--enable-tftp', `--tftp-root=${root}`, `--tftp-max=${MAX_TRANSFERS}`, '--quiet-tftp',
    ]);
    return rig;
  },
};

const keaAtftpd: Server = {
  name: 'Kea + atftpd',
  async up(image) {
    const { rig, root } = await peerRig(image);
    await startKea(rig, '192.168.1.100', '192.168.1.199', {
      'next-server': rig.lanAddress,
      'boot-file-name': IMAGE,
      'option-data': [{ name: 'tftp-server-name', data: rig.lanAddress }, { name: 'boot-file-name', data: IMAGE }],
    });
    const atftpd = rig.spawnIn(rig.routerNs, [ATFTPD, '--daemon', '--no-fork', '--logfile', '/dev/null', '--bind-address', rig.lanAddress, '--port', '69', '--maxthread', String(MAX_TRANSFERS), root]);
    await sleep(500);
    if (atftpd.exitCode !== null) throw new Error('atftpd exited at start');
    return rig;
  },
};

/** The LAN port shaped to `mbit`: the router's side of the link is where the images leave. */
function shape(rig: Rig, mbit: number): void {
  run(rig.routerNs, ['tc', 'qdisc', 'del', 'dev', 'lan0', 'root']); // none yet on the first rate
  const burst = Math.max(32, Math.round(mbit / 8)); // KiB: about 1 ms at the rate, at least 32 KiB
  must(rig.routerNs, ['tc', 'qdisc', 'add', 'dev', 'lan0', 'root', 'tbf', 'rate', `${mbit}mbit`, 'burst', `${burst}kb`, 'latency', '50ms']);
}

interface Storm {
  readonly seconds: number;
  readonly served: number;
  readonly failures: string[];
}

async function storm(rig: Rig, client: Client, script: string, round: number): Promise<Storm> {
  const phones: Phone[] = [];
  // The same MACs every round: each phone asks again from scratch (DISCOVER), and the pool of 100
  // addresses is not used up by earlier rounds' leases.
  for (let i = 0; i < PHONES; i++) phones.push(rig.addPhone(`s${round}p${i}`, { mac: `02:57:00:00:${(i >> 8).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}` }));
  const started = process.hrtime.bigint();
  const results = await Promise.all(phones.map((phone) => phone.runAsync(['sh', script, 'fetch'], 900_000)));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const failures: string[] = [];
  let served = 0;
  results.forEach((result, i) => {
    if (result.status === 0 && Number(result.stdout.trim().split('\n').pop()) === IMAGE_BYTES) served++;
    else failures.push(`phone ${i}: exit ${result.status} ${result.stdout.slice(-200)} ${result.stderr.slice(-200)}`);
  });
  for (const phone of phones) rig.removePhone(phone.name);
  return { seconds, served, failures };
}

/** Seconds the shaped link needs at least: every block's frame, headers included, at the rate. */
function linkBound(client: Client, mbit: number): number {
  const blocks = Math.floor(IMAGE_BYTES / BLOCK[client]) + 1;
  const frameBytes = IMAGE_BYTES + blocks * 46;
  return (PHONES * frameBytes * 8) / (mbit * 1e6);
}

async function main(): Promise<number> {
  const why =
    namespacesUnavailable() ??
    (!existsSync(RUNTIME_BINARY) || !existsSync(BUNDLE) ? 'no native runtime or bundle' : undefined) ??
    (!(PHONES >= 1 && PHONES <= 100) ? '--phones: 1 to 100 (the phone pool is 192.168.1.100-199)' : undefined) ??
    (CLIENTS.some((c) => !(c in BLOCK)) ? '--clients: curl, atftp' : undefined);
  if (why) {
    console.error(`boot-storm bench: ${why}`);
    return 1;
  }
  const servers: Server[] = [plugboard];
  if (spawnSync('which', ['dnsmasq']).status === 0) servers.push(dnsmasq);
  else console.log('dnsmasq skipped: not installed (apt-get install dnsmasq-base)');
  if (spawnSync('which', ['kea-dhcp4']).status === 0 && existsSync(ATFTPD)) servers.push(keaAtftpd);
  else console.log('Kea + atftpd skipped: not installed (apt-get install kea-dhcp4-server atftpd)');
  const image = seededImage(IMAGE_BYTES, 0x57041);
  const times = new Map<string, number[]>();
  const notes: string[] = [];
  for (const server of servers) {
    const rig = await server.up(image);
    try {
      const script = join(rig.dir, 'phone.sh');
      let round = 0;
      for (const client of CLIENTS) {
        writeFileSync(script, phoneScript(client), { mode: 0o755 });
        for (const mbit of RATES) {
          shape(rig, mbit);
          for (let r = 0; r < RUNS; r++) {
            // A fresh office each time: new MACs, so every phone asks for a new lease.
            const result = await storm(rig, client, script, round++);
            const key = `${server.name}|${client}|${mbit}`;
            if (result.served === PHONES) times.set(key, [...(times.get(key) ?? []), result.seconds]);
            else notes.push(`${server.name}, ${client}, ${mbit} Mbit/s: ${result.served}/${PHONES} phones served; ${result.failures.slice(0, 3).map((f) => f.replace(/\s+/g, " ").trim()).join("; ")}`);
            console.error(`  ${server.name}, ${client}, ${mbit} Mbit/s: ${result.served}/${PHONES} phones in ${result.seconds.toFixed(1)} s`);
          }
        }
      }
    } finally {
      await rig.down();
    }
  }
  console.log(`Boot storm on the veth rig: ${PHONES} phones at once, each a DHCP lease then a ${MIB} MiB image over TFTP; time until the last phone has its image, median of ${RUNS} run(s)`);
  console.log(`${'client, LAN rate'.padEnd(30)} ${'link bound'.padStart(10)} ${servers.map((s) => s.name.padStart(24)).join(' ')}`);
  for (const client of CLIENTS) {
    for (const mbit of RATES) {
      const bound = linkBound(client, mbit);
      const cells = servers.map((s) => {
        const samples = times.get(`${s.name}|${client}|${mbit}`);
        return (samples ? `${median(samples).toFixed(1)} s (${(median(samples) / bound).toFixed(2)}×)` : 'failed').padStart(24);
      });
      const label = `${client === 'curl' ? 'curl 512' : 'atftp 1468 win 8'}, ${mbit} Mbit/s`;
      console.log(`${label.padEnd(30)} ${`${bound.toFixed(1)} s`.padStart(10)} ${cells.join(' ')}`);
    }
  }
  console.log('(×: the time over the link-rate bound; 1.00× is the wire full from the first to the last block)');
  for (const note of notes) console.log(`NOT ALL SERVED ${note}`);
  return 0;
}

runBench(main);
