// The test router's stand-ins behave as OpenWrt documents them, checked over SSH (Debian's
// dropbear in the router's chroot): uci (staging until commit, @type[n] names, lists, untouched
// files keep their bytes), procd's init API (respawn, term_timeout, status, enable/disable) and
// opkg (an .ipk's layout, clashes, architecture, remove restores the status file).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { TestRouter, testRouterUnavailable } from '../../tools/testrouter/testrouter';

const why = testRouterUnavailable();
const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function sh(router: TestRouter, command: string): Promise<string> {
  const result = await router.ssh(command);
  assert.is(result.status, 0, `'${command}' failed: ${result.stderr}`);
  return result.stdout;
}

/** An .ipk as OpenWrt's scripts/ipkg-build lays it out, built with tar here. */
function ipk(dir: string, name: string, arch: string, files: Record<string, string>, scripts: Record<string, string> = {}): string {
  const work = mkdtempSync(join(dir, 'ipk-'));
  mkdirSync(join(work, 'data')); mkdirSync(join(work, 'control'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(work, 'data', path, '..'), { recursive: true });
    writeFileSync(join(work, 'data', path), text);
  }
  writeFileSync(join(work, 'control/control'), `Package: ${name}\nVersion: 1.0-1\nArchitecture: ${arch}\nDescription: test\n`);
  for (const [script, text] of Object.entries(scripts)) writeFileSync(join(work, 'control', script), text, { mode: 0o755 });
  writeFileSync(join(work, 'debian-binary'), '2.0\n');
  const tar = (args: string[]): void => { const r = spawnSync('tar', args, { cwd: work }); assert.is(r.status, 0, String(r.stderr)); };
  tar(['-czf', 'data.tar.gz', '-C', 'data', '.']);
  tar(['-czf', 'control.tar.gz', '-C', 'control', '.']);
  const out = join(dir, `${name}.ipk`);
  tar(['-czf', out, './debian-binary', './data.tar.gz', './control.tar.gz']);
  return out;
}

/** Copies a local file to the router the way flash.sh does: ssh … 'cat > path'. */
function copy(router: TestRouter, file: string, target: string): void {
  const r = spawnSync('ip', ['netns', 'exec', router.pc.ns, ...router.sshArgs(), `cat > ${target}`], { input: readFileSync(file) });
  assert.is(r.status, 0, String(r.stderr));
}

test('test router: uci stages until commit, names @type[n] sections, keeps lists, and never rewrites a file it did not change', async () => {
  if (why) { console.log(`  skipped: ${why}`); return; }
  const router = await TestRouter.up();
  try {
    const before = router.snapshot();
    assert.is((await sh(router, 'uci get dhcp.lan.interface')).trim(), 'lan');
    assert.is((await sh(router, 'uci get dhcp.@dnsmasq[0].domain')).trim(), 'lan');
    assert.is((await sh(router, 'uci get firewall.@zone[-1].name')).trim(), 'wan');
    assert.is((await sh(router, 'uci get firewall.@zone[1].network')).trim(), 'wan wan6');
    assert.is((await sh(router, 'uci get firewall.@rule[0].name')).trim(), 'Allow-DHCP-Renew', 'double quotes parsed');
    assert.is((await sh(router, 'uci get dhcp.lan')).trim(), 'dhcp', 'a section gives its type');
    const missing = await router.ssh('uci get dhcp.lan.nothing');
    assert.is(missing.status, 1);
    assert.match(missing.stderr, /Entry not found/);
    assert.is((await router.ssh('uci -q get dhcp.nosuch.x')).stderr, '', '-q says nothing');
    assert.match(await sh(router, 'uci show firewall'), /^firewall\.@zone\[1\]\.network='wan' 'wan6'$/m);
    assert.match(await sh(router, 'uci export dhcp'), /^package dhcp\n\nconfig dnsmasq\n\toption domainneeded '1'\n/);

    // A change is staged: uci sees it, the file does not change until commit.
    await sh(router, "uci set dhcp.lan.ignore=1 && uci set dhcp.lan.note=\"it's\"");
    assert.is((await sh(router, 'uci get dhcp.lan.ignore')).trim(), '1');
    assert.equal(router.snapshot(), before, 'nothing written before commit');
    const staged = await sh(router, 'uci show dhcp');
    await sh(router, 'uci commit');
    const after = router.snapshot();
    const changed = [...after.keys()].filter((k) => after.get(k) !== before.get(k));
    assert.equal(changed, ['etc/config/dhcp'], 'commit rewrote only the changed config');
    assert.is(await sh(router, 'uci show dhcp'), staged, 'the committed file reads back as staged');
    const dhcp = readFileSync(join(router.root, 'etc/config/dhcp'), 'utf8');
    assert.match(dhcp, /\n\toption ignore '1'\n\toption note 'it'\\''s'\n/, "single-quoted as uci writes, ' escaped");
    assert.match(dhcp, /\tlist ra_flags 'managed-config'\n\tlist ra_flags 'other-config'\n/, 'lists kept in order');

    // The rest of the verbs.
    await sh(router, 'uci add_list dhcp.lan.dhcp_option=6,192.168.1.1 && uci add_list dhcp.lan.dhcp_option=42,192.168.1.1');
    assert.is((await sh(router, 'uci get dhcp.lan.dhcp_option')).trim(), '6,192.168.1.1 42,192.168.1.1');
    await sh(router, 'uci delete dhcp.lan.dhcp_option && uci delete dhcp.wan && uci set dhcp.extra=dhcp && uci set dhcp.extra.interface=guest');
    assert.not.match(await sh(router, 'uci show dhcp'), /dhcp_option|dhcp\.wan/);
    assert.is((await sh(router, 'uci get dhcp.extra.interface')).trim(), 'guest');
    await sh(router, 'uci revert dhcp');
    assert.is(await sh(router, 'uci show dhcp'), staged, 'revert drops what was staged');
    assert.equal(router.snapshot(), after);
    assert.is((await router.ssh('uci set dhcp.nosuch.x=1')).status, 1, 'an option of a missing section is refused');
    // A file uci cannot parse is named, with its line, and nothing is written.
    writeFileSync(join(router.root, 'etc/config/broken'), "config thing 'a'\n\toption name 'unterminated\n");
    const broken = await router.ssh('uci show broken');
    assert.is(broken.status, 1);
    assert.match(broken.stderr, /Parse error \(unterminated quote\) at line 2/);
    assert.is((await router.ssh('uci set broken.a.name=x; uci changes')).stdout, '', 'a change to it is refused, nothing staged');
  } finally {
    router.down();
  }
});

test('test router: procd instances respawn after a crash, stop with SIGTERM then SIGKILL after term_timeout, report status; enable/disable link rc.d', async () => {
  if (why) { console.log(`  skipped: ${why}`); return; }
  const router = await TestRouter.up();
  try {
    writeFileSync(join(router.root, 'etc/init.d/sleeper'), `#!/bin/sh /etc/rc.common
START=50
STOP=50
USE_PROCD=1
start_service() {
	procd_open_instance
	procd_set_param command /bin/sh -c 'trap "" TERM; echo started; while :; do sleep 1; done'
	procd_set_param respawn 1 0 2
	procd_set_param term_timeout 1
	procd_set_param stdout 1
	procd_set_param pidfile /var/run/sleeper.pid
	procd_close_instance
}
`, { mode: 0o755 });
    assert.match(await router.ssh('/etc/init.d/sleeper status').then((r) => r.stdout), /inactive/);
    await sh(router, '/etc/init.d/sleeper enable');
    assert.is((await sh(router, 'readlink /etc/rc.d/S50sleeper; readlink /etc/rc.d/K50sleeper')), '../init.d/sleeper\n../init.d/sleeper\n');
    await sh(router, '/etc/init.d/sleeper start');
    let pid = '';
    for (let i = 0; i < 50 && !pid; i++) { await pause(100); pid = (await router.ssh('cat /var/run/sleeper.pid')).stdout.trim(); }
    assert.ok(pid, 'pidfile written');
    assert.is((await sh(router, '/etc/init.d/sleeper status')).trim(), 'running');
    // A second start with the same description leaves the running instance alone.
    await sh(router, '/etc/init.d/sleeper start');
    assert.is((await sh(router, 'cat /var/run/sleeper.pid')).trim(), pid);
    // A crash: procd starts it again after respawn_timeout.
    await sh(router, `kill -KILL ${pid}`);
    let respawned = pid;
    for (let i = 0; i < 50 && (respawned === pid || respawned === ''); i++) { await pause(100); respawned = (await router.ssh('cat /var/run/sleeper.pid')).stdout.trim(); }
    assert.is.not(respawned, pid, 'respawned with a new pid');
    // Stop: it ignores SIGTERM, so it ends by SIGKILL after term_timeout.
    await sh(router, '/etc/init.d/sleeper stop');
    assert.is((await router.ssh(`kill -0 ${respawned}`)).status, 1, 'the instance is gone after stop');
    assert.match((await router.ssh('/etc/init.d/sleeper status')).stdout, /inactive/);
    assert.match(await sh(router, 'cat /var/log/sleeper.log'), /started\nstarted/);
    await sh(router, '/etc/init.d/sleeper disable');
    assert.not.match(await sh(router, 'ls /etc/rc.d'), /sleeper/);

    // Respawn gives up after retry crashes in a row inside the threshold.
    writeFileSync(join(router.root, 'etc/init.d/crasher'), `#!/bin/sh /etc/rc.common
USE_PROCD=1
start_service() {
	procd_open_instance
	procd_set_param command /bin/false
	procd_set_param respawn 3600 0 2
	procd_close_instance
}
`, { mode: 0o755 });
    await sh(router, '/etc/init.d/crasher start');
    let exits = 0;
    for (let i = 0; i < 50 && !(await router.ssh('ls /var/run/procd/crasher/instance1/crashed')).stdout; i++) await pause(100);
    exits = Number((await sh(router, 'wc -l < /var/run/procd/crasher/instance1/exits')).trim());
    assert.is(exits, 3, 'ran once and respawned twice, then stayed down');
    assert.match((await router.ssh('/etc/init.d/crasher status')).stdout, /not running/);
    await sh(router, '/etc/init.d/crasher stop');
  } finally {
    router.down();
  }
});

test('test router: opkg installs an .ipk (outer tar.gz of debian-binary, control.tar.gz, data.tar.gz), refuses clashes and foreign architectures, and remove restores its status', async () => {
  if (why) { console.log(`  skipped: ${why}`); return; }
  const router = await TestRouter.up();
  const dir = mkdtempSync('/tmp/pbf-ipk-');
  try {
    const before = router.snapshot();
    const good = ipk(dir, 'hello', 'x86_64', { 'usr/bin/hello': '#!/bin/sh\necho hello\n', 'etc/hello.conf': 'x=1\n' }, { postinst: '#!/bin/sh\necho configured >/tmp/hello.postinst\n' });
    copy(router, good, '/tmp/hello.ipk');
    await sh(router, 'opkg install /tmp/hello.ipk');
    assert.match(await sh(router, 'opkg list-installed'), /^hello - 1\.0-1$/m);
    assert.is(await sh(router, 'cat /etc/hello.conf'), 'x=1\n');
    assert.is(await sh(router, 'cat /tmp/hello.postinst'), 'configured\n', 'postinst ran');
    assert.match(await sh(router, 'opkg files hello'), /\/usr\/bin\/hello\n\/etc\/hello\.conf|\/etc\/hello\.conf\n\/usr\/bin\/hello/);
    const again = await router.ssh('opkg install /tmp/hello.ipk');
    assert.match(again.stdout, /up to date/);

    const clash = ipk(dir, 'clash', 'x86_64', { 'usr/bin/hello': 'other\n' });
    copy(router, clash, '/tmp/clash.ipk');
    const refused = await router.ssh('opkg install /tmp/clash.ipk');
    assert.is.not(refused.status, 0);
    assert.match(refused.stderr, /already provided by package hello/);
    const mips = ipk(dir, 'mipsy', 'mipsel_24kc', { 'usr/bin/mipsy': 'x\n' });
    copy(router, mips, '/tmp/mipsy.ipk');
    assert.match((await router.ssh('opkg install /tmp/mipsy.ipk')).stderr, /incompatible with the architectures/);
    writeFileSync(join(dir, 'junk.ipk'), 'not a package');
    copy(router, join(dir, 'junk.ipk'), '/tmp/junk.ipk');
    assert.match((await router.ssh('opkg install /tmp/junk.ipk')).stderr, /Malformed package/);

    await sh(router, 'opkg remove hello');
    assert.not.match(await sh(router, 'opkg list-installed'), /hello/);
    // Directories the package made stay, as with opkg; everything else is as before.
    const after = router.snapshot();
    const differ = [...new Set([...before.keys(), ...after.keys()])].filter((k) => before.get(k) !== after.get(k));
    assert.equal(differ, [], 'status file and every file byte-identical after remove');
  } finally {
    router.down();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
