// On real interfaces: the native runtime with the full firmware in the namespace rig, and DHCP
// clients nobody here wrote (busybox udhcpc, ISC dhclient) in phone namespaces. Options 159, 66,
// 67 and 150 are decoded from what the clients received; guest lease; release; INIT-REBOOT after
// the router was killed and restarted on the same flash file (same address, same block).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, chmodSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rig, namespacesUnavailable, type Phone, type ConsoleClient } from '../../tools/rig';
import { BUNDLE, RUNTIME_BINARY } from '../../tools/rig/topology';
import { readPortParams } from '../../firmware/wire/dhcp-options';
import { contiguousPortRange } from '../../firmware/wire/dhcp-options';

const why = namespacesUnavailable() ?? (!existsSync(RUNTIME_BINARY) || !existsSync(BUNDLE) ? 'native runtime or bundle not built' : undefined);

function skip(name: string): boolean {
  if (why) console.log(`  skipped '${name}': ${why}`);
  return why !== undefined;
}

const work = mkdtempSync(join(tmpdir(), 'pb-dhcp-'));

/** A client hook script that appends its environment (one event per block) to `file`. */
function dumpScript(file: string, configure: boolean): string {
  const path = join(work, `hook-${Math.random().toString(36).slice(2)}.sh`);
  const apply = configure
    ? `case "$reason" in BOUND|RENEW|REBIND|REBOOT) ip addr flush dev "$interface"; ip addr add "$new_ip_address/24" dev "$interface";; esac`
    : '';
  writeFileSync(path, `#!/bin/sh\n{ echo "--- $1 $reason"; env | sort; } >> ${file}\n${apply}\nexit 0\n`);
  chmodSync(path, 0o755);
  return path;
}

/** The last event block of a dump as a map of variables. */
function lastEvent(file: string, event: RegExp): Map<string, string> {
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const blocks = text.split(/^--- /m).filter((block) => event.test(block.split('\n')[0]));
  const vars = new Map<string, string>();
  for (const line of (blocks[blocks.length - 1] ?? '').split('\n').slice(1)) {
    const eq = line.indexOf('=');
    if (eq > 0) vars.set(line.slice(0, eq), line.slice(eq + 1));
  }
  return vars;
}

function hexBytes(text: string): Uint8Array {
  const clean = text.replace(/[^0-9a-fA-F]/g, '');
  return Uint8Array.from(clean.match(/../g) ?? [], (pair) => parseInt(pair, 16));
}

/** dhclient writes its pid file from the child it forks: the parent may exit first. Bounded wait. */
async function pidFromFile(path: string): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const pid = existsSync(path) ? Number(readFileSync(path, 'utf8').trim()) : 0;
    if (pid > 0) return pid;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return 0;
}

/** dhclient prints unknown string options as "0:a:40:0" or as quoted text. */
function dhclientBytes(value: string): Uint8Array {
  if (/^[0-9a-f]{1,2}(:[0-9a-f]{1,2})+$/i.test(value)) return Uint8Array.from(value.split(':'), (part) => parseInt(part, 16));
  return hexBytes(value);
}

async function udhcpc(phone: Phone, file: string, extra: string[]): Promise<Map<string, string>> {
  const result = await phone.runAsync(
    ['busybox', 'udhcpc', '-i', 'eth0', '-f', '-q', '-n', '-t', '6', '-T', '2', '-s', dumpScript(file, false), ...extra],
    30_000,
  );
  assert.is(result.status, 0, `udhcpc failed: ${result.stdout}\n${result.stderr}`);
  return lastEvent(file, /bound/);
}

function dhclientConfig(vendorClass: string | undefined): string {
  const path = join(work, `dhclient-${Math.random().toString(36).slice(2)}.conf`);
  writeFileSync(
    path,
    [
      'option v4-portparams code 159 = string;',
      'option tftp-servers code 150 = array of ip-address;',
      vendorClass ? `send vendor-class-identifier "${vendorClass}";` : '',
      'request subnet-mask, routers, domain-name-servers, dhcp-lease-time, tftp-server-name, bootfile-name, tftp-servers, v4-portparams;',
      'timeout 30;',
      'initial-interval 1;',
    ].join('\n'),
  );
  return path;
}

test('udhcpc (-V vendor class, -O options) and dhclient get phone leases; a client without the class gets a guest lease; release; INIT-REBOOT', async () => {
  if (skip('rig')) return;
  const rig = await Rig.up({ firmware: 'full' });
  let term: ConsoleClient | undefined;
  try {
    term = rig.console();
    await new Promise((resolve) => setTimeout(resolve, 1000)); // boot lines went out before we attached

    // busybox udhcpc as a Yealink, asking for 66 67 150 159.
    const yealink = rig.addPhone('yea');
    const yeaDump = join(work, 'yea.env');
    const env = await udhcpc(yealink, yeaDump, ['-V', 'yealink SIP-T46U', '-O', '66', '-O', '67', '-O', '150', '-O', '159']);
    const ip = env.get('ip') ?? '';
    assert.match(ip, /^192\.168\.1\.(1\d\d)$/, `phone pool: ${[...env].join(' ')}`);
    assert.ok(Number(ip.split('.')[3]) <= 199);
    assert.not.ok(env.has('dns'), `dhcp.dns none: no DNS server named (nothing answers on port 53): ${env.get('dns')}`);
    assert.is(env.get('tftp'), '192.168.1.1', 'option 66');
    assert.is(env.get('bootfile'), 'y000000000000.cfg', 'option 67');
    const opt150 = env.get('opt150') ?? env.get('tftp_servers');
    assert.ok(opt150, `option 150 present: ${[...env.keys()].join(' ')}`);
    assert.equal(Array.from(hexBytes(opt150!)), [192, 168, 1, 1], 'option 150');
    const params = readPortParams(hexBytes(env.get('opt159') ?? ''));
    assert.ok(params, `option 159 decodes: ${env.get('opt159')}`);
    assert.is(params!.offset, 0);
    assert.is(params!.psidLength, 10);
    const range = contiguousPortRange(params!.psidLength, params!.psid);
    assert.ok(range.first > 16383, `outside 0-1023 and the reserved ports: ${range.first}-${range.last}`);

    // A client without a phone vendor class: guest pool, no 159/66/67.
    const laptop = rig.addPhone('pc');
    const guest = await udhcpc(laptop, join(work, 'pc.env'), ['-O', '66', '-O', '159']);
    assert.match(guest.get('ip') ?? '', /^192\.168\.1\.2[0-4]\d$/, 'guest pool');
    assert.not.ok(guest.has('opt159'));
    assert.not.ok(guest.has('tftp'));

    // ISC dhclient as a Polycom-ish string class... use Cisco's string; request list declares 159.
    const cisco = rig.addPhone('cisco');
    const ciscoDump = join(work, 'cisco.env');
    const conf = dhclientConfig('Cisco Systems, Inc. IP Phone CP-8841');
    const leases = join(work, 'cisco.leases');
    const script = dumpScript(ciscoDump, true);
    const first = await cisco.runAsync(['dhclient', '-1', '-v', '-cf', conf, '-lf', leases, '-pf', join(work, 'cisco.pid'), '-sf', script, 'eth0'], 40_000);
    assert.is(first.status, 0, first.stderr);
    const bound = lastEvent(ciscoDump, /BOUND/);
    const ciscoIp = bound.get('new_ip_address') ?? '';
    assert.match(ciscoIp, /^192\.168\.1\.1\d\d$/, [...bound].join(' '));
    assert.not.ok(bound.has('new_domain_name_servers'), 'no DNS server named to dhclient either');
    assert.is(bound.get('new_tftp_server_name'), '192.168.1.1');
    assert.is(bound.get('new_bootfile_name'), 'XMLDefault.cnf.xml');
    assert.is(bound.get('new_tftp_servers'), '192.168.1.1');
    const ciscoParams = readPortParams(dhclientBytes(bound.get('new_v4_portparams') ?? ''));
    assert.ok(ciscoParams, `dhclient's option 159: ${bound.get('new_v4_portparams')}`);
    assert.is(ciscoParams!.psidLength, 10);
    assert.not.equal(ciscoParams!.psid, params!.psid, 'another phone, another block');
    // dhclient exits after binding with -1? It daemonises; stop it by its pid file, keeping the lease.
    const pid = await pidFromFile(join(work, 'cisco.pid'));
    if (pid > 0) process.kill(pid, 'SIGKILL');

    // The router loses power (SIGKILL) and comes back with the same flash file.
    term.close();
    await rig.stopRouter('SIGKILL');
    await rig.startRouter();
    term = rig.console();
    await new Promise((resolve) => setTimeout(resolve, 1500));

    // INIT-REBOOT: dhclient starts again with its lease file and asks for the same address.
    const again = await cisco.runAsync(['dhclient', '-1', '-v', '-cf', conf, '-lf', leases, '-pf', join(work, 'cisco.pid'), '-sf', script, 'eth0'], 40_000);
    assert.is(again.status, 0, again.stderr);
    assert.match(again.stderr, /DHCPREQUEST for [\d.]+ on eth0/, 'INIT-REBOOT: REQUEST straight away, no DISCOVER');
    const reboot = lastEvent(ciscoDump, /REBOOT|BOUND/);
    assert.is(reboot.get('new_ip_address'), ciscoIp, 'INIT-REBOOT keeps the address');
    assert.equal(readPortParams(dhclientBytes(reboot.get('new_v4_portparams') ?? '')), ciscoParams, 'and the port block, across the router power cut');

    // dhclient -r releases (unicast from the leased address); the router logs it.
    const released = await cisco.runAsync(['dhclient', '-r', '-v', '-cf', conf, '-lf', leases, '-pf', join(work, 'cisco.pid'), '-sf', script, 'eth0'], 20_000);
    assert.is(released.status, 0, released.stderr);
    await term.expect(new RegExp(`dhcp: [0-9a-f:]+ \\(cisco\\) ${ciscoIp.replace(/\./g, '\\.')} ports \\d+-\\d+ released`), 10_000);
  } finally {
    term?.close();
    await rig.down();
  }
});

test.after(() => rmSync(work, { recursive: true, force: true }));

test.run();
