// The TFTP pieces of the console on the whole firmware (boot() on the simulated board, phones of
// the demo office): `show phones` says what each phone fetched, `clear counters` zeroes TFTP's,
// `image upload` opens, lists and cancels windows and refuses names no upload may use.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { officeConsole as office, tick } from '../console/office-bed';
import { DEMO_IMAGE } from '../../tools/sim/office';
import { ipToString } from '../../firmware/util/ipv4';


const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

test('show phones: the TFTP column names what each phone fetched, that it finished, and when', async () => {
  const { bed, office: o, command } = await office(41, 2);
  await bed.runAsync(15000, tick);
  const lines = (await command('show phones')).join('\n');
  for (const phone of o.phones) {
    assert.ok(phone.address !== undefined);
    const mac = Array.from(phone.host.mac, (b) => b.toString(16).padStart(2, '0')).join('');
    const row = new RegExp(`^${escape(ipToString(phone.address!))} .*${escape(DEMO_IMAGE)} done, ${mac}\\.cfg done \\((\\d+)s ago\\) +out`, 'm');
    assert.match(lines, row, lines);
  }
  assert.not.match(lines, /yealink +\S+ +\S+ +- +out/, 'no phone shows an empty TFTP column');
});

test('clear counters zeroes the TFTP counters too', async () => {
  const { bed, command } = await office(42, 1);
  await bed.runAsync(10000, tick);
  const tftpOf = (stats: string[]) => stats.slice(stats.indexOf('tftp:') + 1, stats.indexOf('nat:')).join('\n');
  const before = tftpOf(await command('show stats'));
  assert.match(before, /requests +[1-9]/);
  assert.match(before, /reads-completed +[1-9]/);
  await command('clear counters');
  assert.is(tftpOf(await command('show stats')), '  (all zero)');
  assert.match((await command('show tftp')).join('\n'), /^Requests 0, reads done 0, uploads done 0, failed 0/m);
  // What the phones fetched is history, not a counter: show phones still says it.
  assert.match((await command('show phones')).join('\n'), / done \(\d+s ago\)/);
});

test('image upload: several windows listed, one cancelled, all cancelled; traversal and absolute names refused', async () => {
  const { command } = await office(43, 0);
  assert.match((await command('image upload')).join('\n'), /^No upload window is open/m);
  assert.match((await command('image upload 192.168.1.20 T46S-66.86.0.15.rom')).join('\n'), /Upload window open for 192\.168\.1\.20 for 10 min; the file is stored as T46S-66\.86\.0\.15\.rom .*\[window 1; image upload cancel 1 closes it\]/);
  assert.match((await command('image upload 192.168.1.21 template:snom 5')).join('\n'), /Upload window open for 192\.168\.1\.21 for 5 min.*\[window 2; 2 windows open; image upload cancel 2 closes it\]/);
  assert.match((await command('image upload 192.168.1.20 T46S-66.86.0.15.rom 20')).join('\n'), /Upload window 1 for 192\.168\.1\.20 now closes in 20 min/);
  const listed = await command('image upload');
  assert.match(listed.join('\n'), /^1 +192\.168\.1\.20 +T46S-66\.86\.0\.15\.rom +19m5\ds$/m);
  assert.match(listed.join('\n'), /^2 +192\.168\.1\.21 +template:snom +4m5\ds$/m);
  assert.match(listed.join('\n'), /^2 open/m);
  const shown = (await command('show tftp')).join('\n');
  assert.match(shown, /Upload window open for 192\.168\.1\.20 \(name T46S-66\.86\.0\.15\.rom\)/);
  assert.match(shown, /Upload window open for 192\.168\.1\.21 \(name template:snom\)/);
  for (const bad of ['../etc/passwd', '/etc/passwd', 'a/../../b', 'SEP001565100001.cnf.xml']) {
    assert.match((await command(`image upload 192.168.1.22 ${bad}`)).join('\n'), new RegExp(`^% Upload window not opened: refused name '${escape(bad)}'`, 'm'), bad);
  }
  assert.match((await command('image upload cancel 1')).join('\n'), /^Closed upload window 1 for 192\.168\.1\.20 \(T46S-66\.86\.0\.15\.rom\)$/m);
  assert.match((await command('image upload cancel 1')).join('\n'), /^% Not closed: no upload window 1 is open \(open: 2\)$/m);
  assert.match((await command('image upload cancel x')).join('\n'), /Invalid <window> 'x'/);
  assert.match((await command('image upload 192.168.1.23')).join('\n'), /Upload window open for 192\.168\.1\.23 for 10 min \(e\.g\. tftp/);
  assert.match((await command('image upload cancel all')).join('\n'), /^Closed 2 upload windows$/m);
  assert.match((await command('image upload')).join('\n'), /^No upload window is open/m);
  assert.match((await command('show tftp')).join('\n'), /^Upload window closed$/m);
});

test.run();
