// A phone's lease on the rig from a DHCP client nobody here wrote: busybox udhcpc in the phone's
// namespace, as a phone (vendor class, option 159 requested). Its script configures eth0 and prints
// what udhcpc exported, so tests read the lease exactly as the client understood it.
import { chmodSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { contiguousPortRange, readPortParams } from '../../firmware/wire/dhcp-options';
import type { Phone } from './topology';

export interface UdhcpcLease {
  readonly ip: string;
  readonly prefix: number;
  /** Option 66 (tftp), option 67 (bootfile), option 159 as hex ('' when absent). */
  readonly tftpServer: string | undefined;
  readonly bootFile: string | undefined;
  readonly portParams: string;
  /** The contiguous port block option 159 describes (offset 0), when it is there. */
  readonly block: { readonly first: number; readonly last: number } | undefined;
  /** Everything udhcpc exported to its script at 'bound'. */
  readonly env: ReadonlyMap<string, string>;
}

const SCRIPT = `#!/bin/sh
case "$1" in bound|renew)
 ip addr flush dev $interface
 ip addr add $ip/$mask dev $interface
 [ -n "$router" ] && ip route replace default via $router
 echo "--- lease"; env; echo "--- end"
;; esac
exit 0
`;

/**
 * busybox udhcpc on `phone`'s eth0 until bound; eth0 then carries the leased address. `dir` holds
 * the client script (a rig's state directory will do).
 */
export async function udhcpcLease(phone: Phone, dir: string, options: { vendorClass?: string; timeoutMs?: number } = {}): Promise<UdhcpcLease> {
  const script = join(dir, 'udhcpc-lease.sh');
  if (!existsSync(script)) {
    writeFileSync(script, SCRIPT);
    chmodSync(script, 0o755);
  }
  const argv = ['busybox', 'udhcpc', '-i', 'eth0', '-f', '-q', '-n', '-t', '6', '-T', '2', '-s', script, '-O', '66', '-O', '67', '-O', '159'];
  if (options.vendorClass) argv.push('-V', options.vendorClass);
  const result = await phone.runAsync(argv, options.timeoutMs ?? 30_000);
  const dump = /--- lease\n([\s\S]*?)--- end/.exec(result.stdout);
  if (result.status !== 0 || !dump) throw new Error(`udhcpc in ${phone.name}: no lease (${result.status}): ${result.stdout}\n${result.stderr}`);
  const env = new Map<string, string>();
  for (const line of dump[1].split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) env.set(line.slice(0, eq), line.slice(eq + 1));
  }
  const portParams = env.get('opt159') ?? '';
  const params = readPortParams(Uint8Array.from(portParams.match(/../g) ?? [], (pair) => parseInt(pair, 16)));
  const block = params && params.offset === 0 ? contiguousPortRange(params.psidLength, params.psid) : undefined;
  return {
    ip: env.get('ip') ?? '',
    prefix: Number(env.get('mask')),
    tftpServer: env.get('tftp'),
    bootFile: env.get('bootfile'),
    portParams,
    block: block ? { first: block.first, last: block.last } : undefined,
    env,
  };
}
