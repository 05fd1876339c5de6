// flash.sh end to end against the test router (tools/testrouter): install over SSH, the init
// script restarted, a phone on the LAN port gets its lease, port block and boot file over TFTP, its
// UDP leaves for the WAN host with its own port; --uninstall leaves every file byte-identical.
// And the ways an install must fail without a trace: another DHCP server on the LAN, the SSH link
// cut mid-install, an overlay too full for the package and its store.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { udhcpcLease, type Phone } from '../../tools/rig';
import { TestRouter, WAN_ADDRESS, WAN_HOST_ADDRESS, testRouterUnavailable, type Snapshot } from '../../tools/testrouter/testrouter';

const REPO = join(import.meta.dirname, '../..');
const RUNTIME = join(REPO, 'hal/native/build/x86_64/plugboard');
const why = testRouterUnavailable() ?? (existsSync(RUNTIME) ? undefined : 'no x86_64 runtime (bash hal/native/build.sh)');
const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const REFLECTOR = join(REPO, 'test/router/reflector.mjs');

function flashArgs(router: TestRouter, ...args: string[]): string[] {
  return ['ip', 'netns', 'exec', router.pc.ns, 'bash', join(REPO, 'flash.sh'), '--host', '192.168.1.1', '--identity', router.identity,
    '--ssh-option', `UserKnownHostsFile=${router.knownHosts}`, ...args];
}

function flash(router: TestRouter, ...args: string[]): { status: number | null; out: string } {
  const argv = flashArgs(router, ...args);
  const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', timeout: 90_000 });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

function differences(before: Snapshot, after: Snapshot): string[] {
  return [...new Set([...before.keys(), ...after.keys()])].filter((k) => before.get(k) !== after.get(k)).map((k) => `${k}: ${before.get(k) ?? 'absent'} -> ${after.get(k) ?? 'absent'}`);
}

/** Processes running the installed runtime (found by their executable inside the router's root). */
function plugboardPids(router: TestRouter): number[] {
  const binary = join(router.root, 'usr/sbin/plugboard');
  return readdirSync('/proc').filter((e) => /^\d+$/.test(e)).filter((e) => {
    try { return readlinkSync(`/proc/${e}/exe`) === binary; } catch { return false; }
  }).map(Number);
}

/** The service's process as procd's pidfile names it, when alive. */
function servicePid(router: TestRouter): number | undefined {
  try {
    const pid = Number(readFileSync(join(router.root, 'tmp/run/plugboard.pid'), 'utf8').trim());
    return pid > 0 && existsSync(`/proc/${pid}`) ? pid : undefined;
  } catch { return undefined; }
}

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
  for (let waited = 0; waited < ms; waited += 200) {
    if (await check()) return;
    await pause(200);
  }
  assert.unreachable(`timed out waiting for ${what}`);
}

test('flash.sh installs on the test router: the phone gets its lease, block and boot file, its UDP keeps its port to the WAN; --uninstall restores every byte', async () => {
  if (why) { console.log(`  skipped: ${why}`); return; }
  const router = await TestRouter.up();
  try {
    const before = router.snapshot();
    const installed = flash(router, '--board', 'x86-64-generic');
    assert.is(installed.status, 0, installed.out);
    for (let i = 1; i <= 8; i++) assert.match(installed.out, new RegExp(`\\[${i}/8\\]`));
    assert.match(installed.out, /Plugboard firmware 0\.1\.0, Board x86-64-generic/, 'the status query had its answer from the console');
    assert.match((await router.ssh('opkg list-installed')).stdout, /^plugboard - 0\.1\.0-1$/m);
    assert.is((await router.ssh('uci get dhcp.lan.ignore')).stdout.trim(), '1', "dnsmasq's DHCP off on the LAN");
    assert.is((await router.ssh('uci -q get dhcp.@dnsmasq[0].port; echo $?')).stdout.trim(), '1', 'its DNS untouched (no port 0)');
    assert.match(readFileSync(join(router.root, 'etc/inittab'), 'utf8'), /^ttyS0::askfirst:\/usr\/sbin\/plugboard-console --serial$/m);
    assert.match(readFileSync(join(router.root, 'tmp/log/dnsmasq.actions'), 'utf8'), /reload/);
    assert.match(readFileSync(join(router.root, 'tmp/log/firewall.actions'), 'utf8'), /reload/);
    assert.ok(existsSync(join(router.root, 'usr/share/nftables.d/chain-pre/forward_wan/plugboard.nft')));

    // The installed init script, restarted as an owner would: a new process, running again.
    const firstPid = servicePid(router);
    assert.ok(firstPid && plugboardPids(router).includes(firstPid), 'the service runs the installed runtime');
    const restarted = await router.ssh('/etc/init.d/plugboard restart');
    assert.is(restarted.status, 0, restarted.stderr);
    await until('the restarted service', async () => (await router.ssh('/etc/init.d/plugboard status')).stdout.trim() === 'running' && servicePid(router) !== undefined && servicePid(router) !== firstPid);
    await until('the table in the kernel', async () => (await router.ssh('nft list table inet plugboard >/dev/null && echo yes')).stdout.includes('yes'));

    // A phone on the LAN port: lease, port block (option 159), boot file over TFTP.
    const phone = router.addPhone() as unknown as Phone;
    const lease = await udhcpcLease(phone, router.dir, { vendorClass: 'yealink SIP-T46U' });
    assert.ok(lease.block, `option 159 in the lease: ${lease.portParams}`);
    assert.is(lease.tftpServer, '192.168.1.1');
    assert.ok(lease.bootFile, 'a boot file named');
    const local = join(router.dir, 'bootfile');
    const got = await phone.runAsync(['busybox', 'tftp', '-g', '-r', lease.bootFile!, '-l', local, '192.168.1.1'], 15_000);
    assert.is(got.status, 0, `tftp: ${got.stderr}`);
    const boot = readFileSync(local, 'utf8');
    assert.match(boot, new RegExp(`ports ${lease.block!.first}-${lease.block!.last} on ${WAN_ADDRESS.replace(/\./g, '\\.')}`), boot);

    // Its UDP reaches the WAN host from the router's address with the phone's own port.
    const reflector = router.spawnIn(router.wanNs, [process.execPath, REFLECTOR, '9000', '9001', '9100']);
    await until('the reflector', async () => (await router.wanHost(['ss', '-Hlnu'])).includes(':9000 '));
    const port = lease.block!.first + 5;
    let seen = '';
    for (let attempt = 0; attempt < 3 && !seen; attempt++) {
      const r = await phone.runAsync(['sh', '-c', `echo probe | socat -T 3 -t 3 - UDP:${WAN_HOST_ADDRESS}:9000,sourceport=${port},reuseaddr`], 10_000);
      seen = r.stdout.trim();
    }
    assert.is(seen, `${WAN_ADDRESS} ${port}`, 'the WAN host saw the public address and the phone\'s port');
    assert.match((await router.ssh("plugboard-console -c 'show phones' 2")).stdout, new RegExp(lease.ip.replace(/\./g, '\\.')));
    if (reflector.pid) process.kill(reflector.pid, 'SIGTERM');

    // The serial login line's program on a terminal (socat gives it a pty, as the serial line is):
    // Plugboard's console first, then Ctrl-] and the OpenWrt shell.
    const serial = router.spawnIn(router.routerNs, ['socat', '-', `EXEC:chroot ${router.root} /usr/sbin/plugboard-console --serial,pty,setsid,ctty,stderr`]);
    let screen = '';
    serial.stdout?.setEncoding('utf8');
    serial.stdout?.on('data', (t: string) => (screen += t));
    const serialIn = serial.stdin;
    await until('the console banner', () => /Ctrl-\] leaves to the OpenWrt shell/.test(screen), 10_000);
    serialIn?.write('show version\r');
    await until("Plugboard's answer on the serial line", () => /Plugboard firmware 0\.1\.0/.test(screen.slice(screen.indexOf('show version'))), 10_000);
    serialIn?.write('\x1d');
    await pause(500);
    serialIn?.write('echo OPENWRT-SHELL-$((20+22))\n');
    await until('the OpenWrt shell after Ctrl-]', () => screen.includes('OPENWRT-SHELL-42'), 10_000);
    serialIn?.write('exit\n');

    const removed = flash(router, '--uninstall');
    assert.is(removed.status, 0, removed.out);
    assert.equal(differences(before, router.snapshot()), [], 'every file byte-identical after --uninstall');
    assert.equal(plugboardPids(router), [], 'no Plugboard process left');
    assert.is((await router.ssh('nft list table inet plugboard')).status, 1, 'its table is gone');
  } finally {
    router.down();
  }
});

test('flash.sh refuses, changing nothing, when another DHCP server answers on the LAN, and on a router with apk', async () => {
  if (why) { console.log(`  skipped: ${why}`); return; }
  const router = await TestRouter.up();
  try {
    const conf = join(router.dir, 'udhcpd.conf');
    writeFileSync(join(router.dir, 'udhcpd.leases'), '');
    writeFileSync(conf, `start 192.168.1.20\nend 192.168.1.30\ninterface eth0\nlease_file ${join(router.dir, 'udhcpd.leases')}\nopt subnet 255.255.255.0\nopt lease 600\n`);
    router.spawnIn(router.pc.ns, ['busybox', 'udhcpd', '-f', conf]);
    await pause(300);
    const before = router.snapshot();
    const refused = flash(router, '--board', 'x86-64-generic');
    assert.is(refused.status, 1, refused.out);
    assert.match(refused.out, /another DHCP server answers on the LAN \(br-lan\)/);
    assert.not.match(refused.out, /\[6\/8\]/, 'stopped before copying anything');
    assert.equal(differences(before, router.snapshot()), []);

    // A router with apk instead of opkg (OpenWrt 25.12 and later): refused, with the reason.
    assert.is((await router.ssh('mv /bin/opkg /bin/apk')).status, 0);
    const apk = router.snapshot();
    const noApk = flash(router, '--board', 'x86-64-generic', '--force');
    assert.is(noApk.status, 1, noApk.out);
    assert.match(noApk.out, /this router uses apk .*builds only opkg \.ipk packages/);
    assert.equal(differences(apk, router.snapshot()), []);
  } finally {
    router.down();
  }
});

test('flash.sh: the SSH link cut mid-install, or an overlay too full, leaves the router as it was', async () => {
  if (why) { console.log(`  skipped: ${why}`); return; }
  const router = await TestRouter.up();
  try {
    const before = router.snapshot();
    const argv = flashArgs(router, '--board', 'x86-64-generic');
    const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (t: string) => (out += t));
    child.stderr.on('data', (t: string) => (out += t));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    // Cut once the router has installed the package and changed its files (uci, inittab).
    await until('the install to reach the router changes', () => /console on ttyS0/.test(out), 60_000);
    const cut = router.sshSessions();
    assert.ok(cut.length >= 1, 'an SSH session to cut');
    for (const pid of cut) process.kill(pid, 'SIGKILL');
    const code = await exited;
    assert.is.not(code, 0, out);
    // Which session the cut hit decides the message: the install's own, or the status query's.
    assert.match(out, /SSH session ended before the router confirmed|put back as it was/, out);
    await until('the router to undo the install', () => !existsSync(join(router.root, 'etc/plugboard')) && plugboardPids(router).length === 0);
    assert.equal(differences(before, router.snapshot()), [], 'byte-identical after the cut');

    // The overlay: leave less room than the package and the board's 32 MiB store need.
    const free = Number((await router.ssh("df -k / | awk 'NR == 2 { print $4 }'")).stdout.trim());
    assert.ok(free > 8192, `free ${free} KiB`);
    assert.is((await router.ssh(`dd if=/dev/zero of=/overlay/filler bs=1024 count=${free - 4096} 2>/dev/null; sync`)).status, 0);
    const full = router.snapshot();
    const refused = flash(router, '--board', 'x86-64-generic');
    assert.is(refused.status, 1, refused.out);
    assert.match(refused.out, /not enough space on the overlay/);
    assert.equal(differences(full, router.snapshot()), [], 'nothing changed on a full overlay');
    assert.match((await router.ssh('opkg list-installed')).stdout, /^firewall4 /m);
  } finally {
    router.down();
  }
});

test('flash.sh in ports mode (a board file of one\'s own): the ports leave netifd\'s bridge and interfaces, dnsmasq ignores the LAN; --uninstall restores every byte', async () => {
  if (why) { console.log(`  skipped: ${why}`); return; }
  const router = await TestRouter.up();
  try {
    const board = JSON.parse(readFileSync(join(REPO, 'board/x86-64-generic.json'), 'utf8'));
    board.name = 'x86-64-ports';
    board.forwarding = 'ports';
    delete board.offload;
    delete board.sources.offload;
    const file = join(router.dir, 'x86-64-ports.json');
    writeFileSync(file, JSON.stringify(board, null, 2));
    const before = router.snapshot();
    const installed = flash(router, '--board', file);
    assert.is(installed.status, 0, installed.out);
    assert.match(installed.out, /ports mode: taking eth0 eth1 from netifd/);
    const get = async (key: string): Promise<string> => (await router.ssh(`uci -q get ${key} || echo absent`)).stdout.trim();
    assert.is(await get('network.@device[0].ports'), 'absent', 'eth0 left br-lan');
    assert.is(await get('network.wan.proto'), 'none');
    assert.is(await get('network.wan.auto'), '0');
    assert.is(await get('network.wan6.proto'), 'none');
    assert.is(await get('network.lan.proto'), 'static', 'the LAN interface itself stays');
    assert.is(await get('dhcp.lan.ignore'), '1');
    assert.match(readFileSync(join(router.root, 'tmp/log/network.actions'), 'utf8'), /reload/, 'netifd reloaded');
    const removed = flash(router, '--uninstall');
    assert.is(removed.status, 0, removed.out);
    assert.equal(differences(before, router.snapshot()), [], 'every file byte-identical after --uninstall');
  } finally {
    router.down();
  }
});

test.run();
