// `lease clear` on the whole firmware with two simulated phones bound: every lease only after a
// yes (`?` shows help and never runs it, a bare Enter is a no), one lease by address or by MAC.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Testbed } from '../../hal/sim/testbed';
import { Scheduler } from '../../hal/sim/scheduler';
import { boot, type Firmware } from '../../firmware/main';
import { DhcpService } from '../../firmware/dhcp/service';
import { preloadedFlash, startOffice } from '../../tools/sim/office';
import { ipToString } from '../../firmware/util/ipv4';
import { macToString } from '../../firmware/util/mac';
import { Screen } from './terminal';

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

test('lease clear: asks before clearing all, never runs on ?, clears one by address or MAC', async () => {
  const scheduler = new Scheduler();
  const bed = new Testbed<Firmware>({ seed: 10, scheduler, flash: await preloadedFlash(10, scheduler), conditions: { latencyMs: 0.1 } });
  const screen = new Screen();
  bed.board.console.onOutput = (bytes) => screen.write(new TextDecoder().decode(bytes));
  const fw = bed.start((hal) => boot(hal));
  await bed.runAsync(1000, tick);
  await fw.ready;
  const { phones } = startOffice(bed as Testbed<unknown>, { phones: 2, plugIntervalMs: 500, say: () => {} });
  await bed.runAsync(15_000, tick);
  const bound = () => (fw.dhcp as DhcpService).server.status().leases.bound;
  assert.is(bound(), 2);
  /** Type `text`; the screen rows from the current one on, without trailing blanks. */
  const type = async (text: string) => {
    const from = screen.rows.length - 1;
    bed.board.console.type(text);
    await bed.runAsync(300, tick);
    return screen.rows.slice(from).map((row) => row.trimEnd()).filter((row) => row !== '');
  };

  // `?` lists what may follow and runs nothing; the Enter after it asks, and a bare Enter is a no.
  const help = await type('lease clear ?');
  assert.ok(help.some((row) => /<cr>/.test(row)), help.join('\n'));
  assert.is(bound(), 2, '? ran nothing');
  const asked = await type('\r');
  assert.is(bound(), 2, 'nothing cleared by the Enter after ?');
  assert.match(asked[asked.length - 1], /^Clear all 2 leases\? Every phone then needs a new lease \(DHCP from scratch\)\. \[y\/N\]$/);
  assert.ok(help.some((row) => /<address\|mac> +The lease of this address or MAC only/.test(row)), help.join('\n'));
  assert.ok((await type('\r')).includes('% Leases not cleared'));
  await type('lease clear\r');
  assert.ok((await type('n\r')).includes('% Leases not cleared'));
  assert.is(bound(), 2);

  // One lease, by address, then by MAC; an address nobody holds is said so.
  const [a, b] = phones;
  const byIp = await type(`lease clear ${ipToString(a.address!)}\r`);
  assert.ok(byIp.includes(`Cleared the lease of ${macToString(a.host.mac)} (yealink) ${ipToString(a.address!)} ports ${a.ports!.first}-${a.ports!.last}`), byIp.join('\n'));
  assert.is(bound(), 1);
  assert.ok((fw.dhcp as DhcpService).server.byIp(b.address!), 'the other phone keeps its lease');
  assert.ok((await type('lease clear 192.168.1.199\r')).includes('% No lease for 192.168.1.199'));
  assert.ok((await type('lease clear 00:11:22:33:44:55\r')).includes('% No lease for 00:11:22:33:44:55'));
  assert.ok((await type('lease clear 1.2.3\r')).some((row) => /% Invalid <address\|mac> '1\.2\.3' \(word 3\): not an IPv4 address or a MAC/.test(row)));
  const byMac = await type(`lease clear ${macToString(b.host.mac)}\r`);
  assert.ok(byMac.some((row) => row.startsWith(`Cleared the lease of ${macToString(b.host.mac)} (yealink)`)), byMac.join('\n'));
  assert.is(bound(), 0);

  // All of them, with a yes.
  await bed.runAsync(5_000, tick);
  await type('lease clear\r');
  assert.ok((await type('y\r')).some((row) => /^Cleared \d+ leases$/.test(row)));
});

test.run();
