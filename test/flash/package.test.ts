// The package flash.sh installs: an .ipk laid out as opkg expects (outer gzip'd tar of
// ./debian-binary, ./data.tar.gz, ./control.tar.gz, in that order), for each real board, with the
// runtime, bundle, board file, a procd init script, keep.d and the firewall4 drop-in; and
// flash.sh --dry-run, which prints its commands and runs none (a fake ssh on PATH would notice).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const REPO = join(import.meta.dirname, '../..');
const BOARDS: Record<string, string> = {
  'x86-64-generic': 'x86_64',
  'xiaomi-mi-router-4a-gigabit': 'mipsel_24kc',
  'glinet-gl-mt3000': 'aarch64_cortex-a53',
  'tplink-archer-c7-v2': 'mips_24kc',
};

function sh(argv: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): string {
  const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', ...options });
  assert.is(r.status, 0, `${argv.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

test('build-ipk: each real board gets an .ipk opkg can read, with its arch, a procd init script, keep.d and the firewall4 drop-in', () => {
  const dir = mkdtempSync('/tmp/pbf-pkg-');
  try {
    const runtime = join(dir, 'runtime');
    const bundle = join(dir, 'bundle.js');
    writeFileSync(runtime, 'runtime bytes');
    writeFileSync(bundle, 'bundle bytes');
    for (const [board, arch] of Object.entries(BOARDS)) {
      const out = join(dir, board);
      const ipk = sh(['bash', join(REPO, 'tools/flash/build-ipk.sh'), '--board', board, '--out', out, '--runtime', runtime, '--bundle', bundle]).trim();
      assert.ok(ipk.endsWith(`_${arch}.ipk`), ipk);
      assert.equal(sh(['tar', '-tzf', ipk]).split('\n').filter(Boolean), ['./debian-binary', './data.tar.gz', './control.tar.gz']);
      sh(['tar', '-xzf', ipk, '-C', out]);
      assert.is(readFileSync(join(out, 'debian-binary'), 'utf8'), '2.0\n');
      const control = sh(['tar', '-xzOf', join(out, 'control.tar.gz'), './control']);
      assert.match(control, /^Package: plugboard$/m);
      assert.match(control, new RegExp(`^Architecture: ${arch}$`, 'm'));
      const files = sh(['tar', '-tzf', join(out, 'data.tar.gz')]).split('\n');
      for (const f of ['./usr/sbin/plugboard', './usr/share/plugboard/plugboard.js', './usr/share/plugboard/board.json', './etc/init.d/plugboard',
        './lib/upgrade/keep.d/plugboard', './usr/sbin/plugboard-console', './usr/share/nftables.d/chain-pre/forward_wan/plugboard.nft']) {
        assert.ok(files.includes(f), `${board}: ${f} in data.tar.gz`);
      }
      const init = sh(['tar', '-xzOf', join(out, 'data.tar.gz'), './etc/init.d/plugboard']);
      assert.match(init, /^#!\/bin\/sh \/etc\/rc\.common$/m);
      assert.match(init, /^USE_PROCD=1$/m);
      assert.match(init, /procd_set_param respawn 3600 5 5/);
      assert.match(init, /procd_set_param term_timeout 10/);
      const size = JSON.parse(readFileSync(join(REPO, 'board', `${board}.json`), 'utf8')).flash.size / 1024;
      assert.match(init, new RegExp(`--flash /etc/plugboard/store\\.flash:${size}K`), 'store size from the board file');
      assert.is(sh(['tar', '-xzOf', join(out, 'data.tar.gz'), './lib/upgrade/keep.d/plugboard']), '/etc/plugboard/\n');
      assert.is(sh(['tar', '-xzOf', join(out, 'data.tar.gz'), './usr/share/plugboard/board.json']), readFileSync(join(REPO, 'board', `${board}.json`), 'utf8'));
      assert.match(sh(['tar', '-xzOf', join(out, 'data.tar.gz'), './usr/share/nftables.d/chain-pre/forward_wan/plugboard.nft']), /^ct status dnat accept$/m);
    }
    // Reproducible: the same inputs give the same bytes.
    const again = sh(['bash', join(REPO, 'tools/flash/build-ipk.sh'), '--board', 'x86-64-generic', '--out', join(dir, 'again'), '--runtime', runtime, '--bundle', bundle]).trim();
    assert.equal(readFileSync(again), readFileSync(join(dir, 'x86-64-generic', 'plugboard_0.1.0-1_x86_64.ipk')));
    const refused = spawnSync('bash', [join(REPO, 'tools/flash/build-ipk.sh'), '--board', 'sim', '--out', dir, '--runtime', runtime, '--bundle', bundle], { encoding: 'utf8' });
    assert.is.not(refused.status, 0, 'the simulated board is not a router');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('flash.sh --dry-run prints every command (builds, ssh copies with cat >, the install, the status query) and runs none', () => {
  if (!existsSync(join(REPO, 'hal/native/build.sh'))) return;
  const dir = mkdtempSync('/tmp/pbf-dry-');
  try {
    for (const fake of ['ssh', 'npm', 'scp']) {
      writeFileSync(join(dir, fake), `#!/bin/sh\necho "$0 $*" >>${join(dir, 'ran')}\nexit 1\n`);
      chmodSync(join(dir, fake), 0o755);
    }
    const env = { ...process.env, PATH: `${dir}:${process.env.PATH}` };
    const install = sh(['bash', join(REPO, 'flash.sh'), '--board', 'x86-64-generic', '--host', '192.0.2.1', '--port', '2222', '--dry-run'], { env });
    assert.ok(!existsSync(join(dir, 'ran')), `nothing ran: ${existsSync(join(dir, 'ran')) ? readFileSync(join(dir, 'ran'), 'utf8') : ''}`);
    for (let i = 1; i <= 8; i++) assert.match(install, new RegExp(`^\\[${i}/8\\] `, 'm'));
    assert.match(install, /\+ bash .*hal\/native\/build\.sh --arch x86_64/);
    assert.match(install, /\+ ssh -p 2222 .*root@192\.0\.2\.1 'mkdir -p \/tmp\/plugboard-flash && cat > \/tmp\/plugboard-flash\/plugboard\.ipk' < /);
    assert.match(install, /udhcpc\\ -n\\ -q/);
    assert.match(install, /pbflash\.sh\\ install/);
    assert.match(install, /plugboard\\ status/);
    assert.match(install, /^  opkg install \/tmp\/plugboard-flash\/plugboard\.ipk$/m, 'the router-side commands are listed too');
    assert.match(install, /^  uci set dhcp\.lan\.ignore=1; uci commit dhcp$/m);
    assert.match(install, /ttyS0::askfirst:\/usr\/libexec\/login\.sh .*-> \/usr\/sbin\/plugboard-console --serial/);
    assert.match(install, /Dry run: nothing was run\./);
    const uninstall = sh(['bash', join(REPO, 'flash.sh'), '--uninstall', '--host', '192.0.2.1', '--dry-run'], { env });
    assert.ok(!existsSync(join(dir, 'ran')));
    assert.match(uninstall, /pbflash\.sh\\ uninstall/);
    assert.match(uninstall, /opkg remove plugboard/);
    const bad = spawnSync('bash', [join(REPO, 'flash.sh'), '--board', 'nosuch', '--host', 'x', '--dry-run'], { encoding: 'utf8', env });
    assert.is(bad.status, 2);
    assert.match(bad.stderr, /no board 'nosuch'/);
    assert.is(spawnSync('bash', [join(REPO, 'flash.sh'), '--board', 'x86-64-generic'], { encoding: 'utf8' }).status, 2, '--host is required');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
