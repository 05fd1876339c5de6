// A full store with real clients on the namespace rig (issue 15 item 6): the runtime with the full
// firmware on the host board's 4 MiB flash. curl announces the size (tsize) and is refused before
// any data with error 3 and the figures; tftp-hpa announces nothing and gets error 3 when the store
// fills. Both leave a warning on the console and count no-space; a smaller image still goes in.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUNDLE, RUNTIME_BINARY, Rig, namespacesUnavailable, seededImage, type ConsoleClient } from '../../tools/rig';

const why = namespacesUnavailable() ?? (!existsSync(RUNTIME_BINARY) || !existsSync(BUNDLE) ? 'no native runtime or bundle (bash hal/native/build.sh && npm run build)' : undefined);
const ADMIN = '192.168.1.50';
const work = mkdtempSync(join(tmpdir(), 'pb-tftp-full-'));

test('a 6 MiB upload into the 4 MiB store: error 3 up front with tsize (curl), error 3 mid-transfer without (tftp-hpa)', async () => {
  if (why) {
    console.log(`  skipped: ${why}`);
    return;
  }
  const big = join(work, 'big.bin');
  writeFileSync(big, seededImage(6 * 1024 * 1024, 0x6d1b));
  const small = join(work, 'small.bin');
  writeFileSync(small, seededImage(1024 * 1024, 0x5a11));
  const rig = await Rig.up({ firmware: 'full' });
  let term: ConsoleClient | undefined;
  try {
    term = rig.console();
    term.write('\r');
    await term.expect(/plugboard> $/, 15_000);
    await term.command('terminal length 0');
    const router = rig.lanAddress;
    const admin = rig.addPhone('admin', { address: `${ADMIN}/24` });
    await term.command(`image upload ${ADMIN}`, /Upload window open .*\r\n/);

    // curl sends tsize with the file's size on an upload: refused before any DATA.
    const curl = await admin.runAsync(['curl', '-sS', '--max-time', '30', '-T', big, `tftp://${router}/big.bin`], 40_000);
    assert.is(curl.status, 70, `curl exit 70 is "out of disk space on TFTP server": ${curl.status} ${curl.stderr}`);
    const refused = await term.expect(/upload of 'big\.bin' \(6291456 bytes\) from 192\.168\.1\.50 refused, store full: asked 6291456 bytes \(6\.0 MiB\), \d+ bytes \([\d.]+ MiB\) free\r\n/, 5000);
    assert.ok(refused);

    // tftp-hpa announces nothing: the store fills, error 3 ends the transfer.
    const hpa = await admin.runAsync(['tftp', '-m', 'binary', router, '-c', 'put', big, 'big.bin'], 60_000);
    assert.match(hpa.stdout + hpa.stderr, /Error code 3: disk full after \d+ bytes \(\d+ bytes free for an upload\)/, `${hpa.stdout} ${hpa.stderr}`);
    await term.expect(/upload of 'big\.bin' from 192\.168\.1\.50 failed, store full after \d+ bytes \([\d.]+ MiB\): it has \d+ bytes \([\d.]+ MiB\) free for an upload\r\n/, 5000);

    const stats = await term.command('show stats', /system:/);
    assert.match(stats, /^ +no-space +2\r$/m, stats);
    assert.match(stats, /^ +transfer:no-space +1\r$/m, stats);
    assert.not.match(stats, /transfer:source-error/, stats);
    await term.expect(/plugboard[>#] $/);

    // Nothing of it was kept, and an image that fits goes in.
    const fits = await admin.runAsync(['tftp', '-m', 'binary', router, '-c', 'put', small, 'small.bin'], 60_000);
    assert.not.match(fits.stdout + fits.stderr, /Error/i, fits.stdout + fits.stderr);
    const list = await term.command('image list', /\d+ items, .* free\r\n/);
    assert.match(list, /^small\.bin +1048576 /m, list);
    assert.not.match(list, /big\.bin/, list);
  } finally {
    term?.close();
    await rig.down();
  }
});

test.after(() => rmSync(work, { recursive: true, force: true }));

test.run();
