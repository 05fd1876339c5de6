// The DHCP peers the benchmarks measure Plugboard against, each in the router namespace of a rig
// whose router is a plain Linux host on the LAN: dnsmasq and Kea, started the same way by every
// bench so their figures compare.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { Rig, must } from '../rig';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A rig whose router namespace is an ordinary Linux host on the LAN at the rig's LAN address. */
export async function lanHostRig(): Promise<Rig> {
  const rig = await Rig.up({ startRouter: false });
  must(rig.routerNs, ['ip', 'addr', 'add', `${rig.lanAddress}/${rig.lanPrefix}`, 'dev', 'lan0']);
  must(rig.routerNs, ['ip', 'link', 'set', 'lan0', 'up']);
  return rig;
}

/**
 * dnsmasq on lan0 handing out `first`-`last`, with a lease file and a log file, and no line per
 * transaction (as Plugboard and Kea at WARN): with no syslog daemon in the namespace dnsmasq's
 * syslog writes stall it. `extra` adds its own flags (--no-ping, TFTP, a boot file).
 */
export async function startDnsmasq(rig: Rig, first: string, last: string, extra: readonly string[]): Promise<ChildProcess> {
  const server = rig.spawnIn(rig.routerNs, [
    'dnsmasq', '--no-daemon', '--conf-file=/dev/null', '--port=0', '--user=root', '--interface=lan0', '--bind-interfaces',
    `--dhcp-range=${first},${last},1h`, `--dhcp-leasefile=${join(rig.dir, 'dnsmasq.leases')}`, '--dhcp-authoritative',
    `--pid-file=${join(rig.dir, 'dnsmasq.pid')}`, `--log-facility=${join(rig.dir, 'dnsmasq.log')}`, '--quiet-dhcp', ...extra,
  ]);
  await sleep(500);
  if (server.exitCode !== null) throw new Error('dnsmasq exited at start');
  return server;
}

/** Kea on lan0 (raw sockets, leases persisted in a memfile, log at WARN) serving one subnet. */
export async function startKea(rig: Rig, first: string, last: string, subnet: Record<string, unknown> = {}): Promise<ChildProcess> {
  const config = join(rig.dir, 'kea-dhcp4.json');
  const options = [{ name: 'routers', data: rig.lanAddress }, ...((subnet['option-data'] as unknown[] | undefined) ?? [])];
  writeFileSync(config, JSON.stringify({
    Dhcp4: {
      'interfaces-config': { interfaces: ['lan0'], 'dhcp-socket-type': 'raw' },
      'lease-database': { type: 'memfile', persist: true, name: join(rig.dir, 'kea-leases4.csv'), 'lfc-interval': 0 },
      'valid-lifetime': 3600,
      authoritative: true,
      subnet4: [{ id: 1, subnet: `${rig.lanAddress.replace(/\.\d+$/, '.0')}/${rig.lanPrefix}`, pools: [{ pool: `${first} - ${last}` }], ...subnet, 'option-data': options }],
      loggers: [{ name: 'kea-dhcp4', output_options: [{ output: 'stdout' }], severity: 'WARN' }],
    },
  }));
  const server = rig.spawnIn(rig.routerNs, ['env', `KEA_PIDFILE_DIR=${rig.dir}`, `KEA_LOCKFILE_DIR=${rig.dir}`, 'kea-dhcp4', '-c', config]);
  await sleep(1500);
  if (server.exitCode !== null) throw new Error('kea-dhcp4 exited at start');
  return server;
}
