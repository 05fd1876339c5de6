// The console of the whole firmware (boot() on the simulated board), driven through the simulated
// serial port while a simulated phone DHCPs, fetches over TFTP and calls through NAPPT.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { officeConsole as office, tick } from './office-bed';
import { DEMO_IMAGE } from '../../tools/sim/office';
import { macToString } from '../../firmware/util/mac';
import { ipToString } from '../../firmware/util/ipv4';


test('with phones running: show leases, phones, nat, tftp, stats, status, log; errors name the word', async () => {
  const { bed, fw, office: o, notes, command } = await office(21, 2);
  await bed.runAsync(15000, tick);
  const phone = o.phones[0];
  assert.ok(phone.address !== undefined, notes.join('\n'));
  const ip = ipToString(phone.address!).replace(/\./g, '\\.');
  const block = `${phone.ports!.first}-${phone.ports!.last}`;

  const leases = await command('show leases');
  assert.match(leases.join('\n'), new RegExp(`${ip} +${macToString(phone.host.mac)} +yealink +${block} +\\d`));
  assert.match(leases[leases.length - 1], /^2 leases$/);

  const phones = await command('sh ph');
  assert.match(phones.join('\n'), new RegExp(`${ip} +${macToString(phone.host.mac)} +yealink +${block} +${DEMO_IMAGE.replace(/\./g, '\\.')}`));

  const nat = await command('show nat');
  assert.match(nat[0], /^Public address 203\.0\.113\.2$/);
  assert.match(nat.join('\n'), new RegExp(`${ip} .* ${block} +\\d+/`));

  const status = await command('show status');
  assert.match(status.join('\n'), /Configuration +loaded from flash/);
  assert.match(status.join('\n'), /WAN +203\.0\.113\.2\/24 via 203\.0\.113\.1 \(static\)/);
  assert.match(status.join('\n'), /Leases +2 \(2 phones\)/);

  const stats = await command('show stats');
  assert.match(stats.join('\n'), /^stack:/m);
  assert.match(stats.join('\n'), /dhcp\.rx\.discover +\d+/);
  // DHCP's address probes are the router's own echo requests, named as such (nobody typed ping).
  assert.match(stats.join('\n'), /icmp\.echo-request-sent +[1-9]/);
  assert.not.match(stats.join('\n'), /\bping\./);

  const log = await command('show log info');
  assert.match(log.join('\n'), /info +dhcp: .*yealink.* bound/);
  assert.not.match(log.join('\n'), /\b(\w+): \1: /, 'every line says its source once');

  assert.match((await command('show tftp')).join('\n'), fw.tftp ? /Requests \d+/ : /TFTP is not running/);
  assert.match((await command('show ports')).join('\n'), /lan +up +02:50:42:00:00:01 +1500 +192\.168\.1\.1\/24/);
  assert.match((await command('show log bogus'))[0], /Invalid <level> 'bogus' \(word 3\): expected one of error, warn, info, debug/);
  const upload = await command('image upload 10.0.0.5');
  assert.match(upload.join('\n'), fw.tftp ? /Invalid <lan-host> '10\.0\.0\.5' \(word 3\): not a host in the LAN subnet 192\.168\.1\.0\/24/ : /TFTP is not running/);
  if (fw.tftp) {
    assert.match((await command('image upload 192.168.1.50 new-fw.bin 5')).join('\n'), /Upload window open for 192\.168\.1\.50 for 5 min; the file is stored as new-fw\.bin/);
    assert.match((await command('show tftp')).join('\n'), /Upload window open for 192\.168\.1\.50 \(name new-fw\.bin\), closes in 4m5\ds/);
  }
});

test('ping from the router reaches a phone; clear counters zeroes the stack counters', async () => {
  const { bed, office: o, command } = await office(22, 1);
  await bed.runAsync(8000, tick);
  const phone = o.phones[0];
  assert.ok(phone.address !== undefined);
  const before = bed.board.console.stats.bytesOut;
  bed.board.console.type(`ping ${ipToString(phone.address!)} 3\r`);
  await bed.runAsync(5000, tick);
  const out = bed.board.console.read();
  assert.ok(bed.board.console.stats.bytesOut > before);
  assert.match(out, /Reply from 192\.168\.1\.\d+: seq=1 time=[\d.]+ ms/);
  assert.match(out, /3 sent, 3 received, 0% loss, rtt min\/avg\/max/);
  await command('clear counters');
  const stats = await command('show stats');
  assert.not.match(stats.slice(0, stats.indexOf('dhcp:')).join('\n'), /rx\.frames +[1-9]\d{2,}/);
});

test('a live change reaches the running service: nat.hairpin, log level, phone class', async () => {
  const { fw, command } = await office(23, 0);
  const forwarder = (fw.nappt as { forwarder: { setConfig: unknown } }).forwarder;
  assert.ok(forwarder);
  assert.equal(await command('set nat.hairpin off'), []);
  assert.equal(await command('log level warn'), []);
  assert.is(fw.log.consoleLevel(), 'warn');
  assert.equal(await command('phone-class acme vendor-class prefix:Acme'), ['% Warning, phone-class acme: has no boot-file']);
  assert.match((await command('set lan.address 192.168.1.2')).join('\n'), /lan\.address: takes effect after 'save' and 'reload'/);
});

test('reload-only NAT keys wait for the reload, as the console says; live NAT keys apply at once', async () => {
  const { fw, command } = await office(24, 0);
  const forwarder = (fw.nappt as { forwarder: { currentConfig(): { pool: { first: number; last: number }; wanMtu: number; udpTimeout: number } } }).forwarder;
  const before = forwarder.currentConfig();
  assert.match((await command('set nat.pool 5000-9000')).join('\n'), /nat\.pool: takes effect after 'save' and 'reload'/);
  assert.match((await command('set wan.mtu 1400')).join('\n'), /wan\.mtu: takes effect after 'save' and 'reload'/);
  assert.equal(forwarder.currentConfig().pool, before.pool, 'the NAPT pool is not re-cut (its mappings stay)');
  assert.is(forwarder.currentConfig().wanMtu, before.wanMtu);
  assert.equal(await command('set nat.udp-timeout 600'), []);
  assert.is(forwarder.currentConfig().udpTimeout, 600);
  assert.equal(forwarder.currentConfig().pool, before.pool, 'a live NAT key leaves the pool alone too');
  assert.equal(fw.config.needReload(), ['wan.mtu', 'nat.pool']);
});

test.run();
