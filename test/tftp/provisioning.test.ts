// Provisioning files rendered per phone: own MAC only, own port range and public address,
// each family's names and fallbacks, store templates overriding the shipped ones.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Bench, leaseFor, PUBLIC_IP } from './harness';
import { TftpTestClient } from './client';
import { renderTemplate } from '../../firmware/tftp/render';
import { matchProvisioningName } from '../../firmware/tftp/provisioning';
import { ipToString } from '../../firmware/util/ipv4';

const text = (u: Uint8Array | undefined): string => (u ? Buffer.from(u).toString('latin1') : '');

async function fetch(b: Bench, ip: number, name: string): Promise<{ ok: boolean; code?: number; body: string; message?: string }> {
  const r = new TftpTestClient(b.net, ip).read(name, { keep: true });
  assert.ok(await b.run(() => r.done, 30_000), name);
  return { ok: r.ok, code: r.errorCode, body: text(r.data), message: r.errorMessage };
}

function setup(): { b: Bench; yealink: ReturnType<typeof leaseFor>; cisco: ReturnType<typeof leaseFor>; polycom: ReturnType<typeof leaseFor>; gs: ReturnType<typeof leaseFor> } {
  const b = new Bench(30);
  const yealink = leaseFor(1, 'yealink', { sip_server: '198.51.100.7', ntp: 'pool.ntp.org', firmware: 'T46-66.86.0.15.rom' });
  const cisco = leaseFor(2, 'cisco', { sip_server: '198.51.100.7' });
  const polycom = leaseFor(3, 'polycom');
  const gs = leaseFor(4, 'grandstream');
  for (const l of [yealink, cisco, polycom, gs]) {
    b.leases.add(l);
    b.net.addHost(l.ip);
  }
  return { b, yealink, cisco, polycom, gs };
}

const macHex = (l: { mac: Uint8Array }): string => Buffer.from(l.mac).toString('hex');

test('Yealink <mac>.cfg: the phone own range (SIP port, RTP min/max) and the public address', async () => {
  const { b, yealink } = setup();
  const r = await fetch(b, yealink.ip, `${macHex(yealink)}.cfg`);
  assert.ok(r.ok, r.message);
  const block = yealink.block!;
  assert.match(r.body, `sip.listen_port = ${block.first}\n`);
  assert.match(r.body, `static.network.port.min_rtpport = ${block.first + 2}\n`);
  assert.match(r.body, `static.network.port.max_rtpport = ${block.last}\n`);
  assert.match(r.body, `ports ${block.first}-${block.last} on ${ipToString(PUBLIC_IP)}`);
  assert.match(r.body, 'account.1.sip_server.1.address = 198.51.100.7\n');
  assert.match(r.body, 'static.firmware.url = tftp://192.168.1.1/T46-66.86.0.15.rom\n');
  // The common file is rendered for the requester too.
  const common = await fetch(b, yealink.ip, 'y000000000028.cfg');
  assert.ok(common.ok);
  assert.match(common.body, `min_rtpport = ${block.first + 2}`);
});

test('Yealink firmware URL: the class boot file by default, var firmware when set, no line without either', async () => {
  const { b } = setup();
  const bare = leaseFor(5, 'yealink', {});
  const noBoot = { ...leaseFor(6, 'yealink', {}), bootFile: undefined };
  for (const l of [bare, noBoot]) {
    b.leases.add(l);
    b.net.addHost(l.ip);
  }
  const r = await fetch(b, bare.ip, `${macHex(bare)}.cfg`);
  assert.ok(r.ok, r.message);
  assert.match(r.body, /^static\.firmware\.url = tftp:\/\/192\.168\.1\.1\/phone\.bin$/m);
  const none = await fetch(b, noBoot.ip, `${macHex(noBoot)}.cfg`);
  assert.ok(none.ok, none.message);
  assert.not.match(none.body, 'firmware', 'never tftp://<router>/ with an empty path');
});

test('Cisco SEP<MAC>.cnf.xml (upper case) and XMLDefault.cnf.xml carry voipControlPort and the media range', async () => {
  const { b, cisco } = setup();
  const r = await fetch(b, cisco.ip, `SEP${macHex(cisco).toUpperCase()}.cnf.xml`);
  assert.ok(r.ok, r.message);
  const block = cisco.block!;
  assert.match(r.body, `<voipControlPort>${block.first}</voipControlPort>`);
  assert.match(r.body, `<startMediaPort>${block.first + 2}</startMediaPort>`);
  assert.match(r.body, `<stopMediaPort>${block.last}</stopMediaPort>`);
  assert.match(r.body, '<processNodeName>198.51.100.7</processNodeName>');
  const fallback = await fetch(b, cisco.ip, 'XMLDefault.cnf.xml');
  assert.ok(fallback.ok);
  assert.match(fallback.body, `<startMediaPort>${block.first + 2}</startMediaPort>`);
});

test('Polycom: <mac>.cfg and 000000000000.cfg are masters naming <mac>-plugboard.cfg, which sets the ports', async () => {
  const { b, polycom } = setup();
  const master = await fetch(b, polycom.ip, `${macHex(polycom)}.cfg`);
  assert.ok(master.ok, master.message);
  assert.match(master.body, `CONFIG_FILES="${macHex(polycom)}-plugboard.cfg"`);
  const zero = await fetch(b, polycom.ip, '000000000000.cfg');
  assert.is(zero.body, master.body);
  const settings = await fetch(b, polycom.ip, `${macHex(polycom)}-plugboard.cfg`);
  assert.match(settings.body, `voIpProt.local.port="${polycom.block!.first}"`);
  assert.match(settings.body, `tcpIpApp.port.rtp.mediaPortRangeStart="${polycom.block!.first + 2}"`);
});

test('Grandstream cfg<mac>.xml sets P40/P39 and turns random ports off', async () => {
  const { b, gs } = setup();
  const r = await fetch(b, gs.ip, `cfg${macHex(gs)}.xml`);
  assert.ok(r.ok, r.message);
  assert.match(r.body, `<P40>${gs.block!.first}</P40>`);
  assert.match(r.body, `<P39>${gs.block!.first + 2}</P39>`);
  assert.match(r.body, '<P78>0</P78>');
  assert.match(r.body, `<mac>${macHex(gs)}</mac>`);
});

test("a phone may only read its own MAC's file; no lease gets error 1", async () => {
  const { b, yealink, cisco } = setup();
  const other = await fetch(b, cisco.ip, `${macHex(yealink)}.cfg`);
  assert.not.ok(other.ok);
  assert.is(other.code, 2);
  const otherCisco = await fetch(b, yealink.ip, `SEP${macHex(cisco).toUpperCase()}.cnf.xml`);
  assert.is(otherCisco.code, 2);
  const stranger = 0xc0a80190;
  b.net.addHost(stranger);
  for (const name of [`${macHex(yealink)}.cfg`, 'XMLDefault.cnf.xml', '000000000000.cfg', 'y000000000000.cfg', 'cfg.xml']) {
    const r = await fetch(b, stranger, name);
    assert.is(r.code, 1, name);
  }
  const errors = b.server.status().errors;
  assert.is(errors['provisioning:other-mac'], 2);
  assert.is(errors['provisioning:no-lease'], 5);
});

test('a template item in the store replaces the shipped one; a bad template fails cleanly', async () => {
  const { b, yealink } = setup();
  b.store.putBytes('template:yealink', Buffer.from('mac={{mac}} ip={{ip}} range={{port_min}}-{{port_max}} pub={{public_ip}} tftp={{tftp_server}} boot={{boot_file}} tz={{tz|UTC}}\n'));
  const r = await fetch(b, yealink.ip, `${macHex(yealink)}.cfg`);
  assert.is(r.body, `mac=${macHex(yealink)} ip=${ipToString(yealink.ip)} range=${yealink.block!.first}-${yealink.block!.last} pub=203.0.113.1 tftp=192.168.1.1 boot=phone.bin tz=UTC\n`);
  b.store.putBytes('template:yealink', Buffer.from('x={{no_such_var}}'));
  const bad = await fetch(b, yealink.ip, `${macHex(yealink)}.cfg`);
  assert.is(bad.code, 0);
  assert.match(bad.message ?? '', 'no value for {{no_such_var}}');
});

test("a class's own name pattern serves its template:<class> item, rendered, to that phone only", async () => {
  const { b } = setup();
  const snom = { ...leaseFor(6, 'snom', { sip_server: '198.51.100.7' }), provisioningName: 'snom-{MAC}.htm' };
  const other = { ...leaseFor(7, 'snom'), provisioningName: 'snom-{MAC}.htm' };
  const avaya = { ...leaseFor(8, 'avaya'), provisioningName: '46xxsettings.txt' };
  for (const l of [snom, other, avaya]) {
    b.leases.add(l);
    b.net.addHost(l.ip);
  }
  const own = `snom-${macHex(snom).toUpperCase()}.htm`;
  // No template item yet: the name is only a plain store item, and there is none.
  assert.is((await fetch(b, snom.ip, own)).code, 1);
  b.store.putBytes('template:snom', Buffer.from('<html>user_host1: {{sip_server}} ports {{port_min}}-{{port_max}} mac {{MAC}}</html>\n'));
  const r = await fetch(b, snom.ip, own);
  assert.ok(r.ok, r.message);
  assert.is(r.body, `<html>user_host1: 198.51.100.7 ports ${snom.block!.first}-${snom.block!.last} mac ${macHex(snom).toUpperCase()}</html>\n`);
  // Another phone asking for this phone's file does not get it rendered (nor anything: no such item).
  assert.is((await fetch(b, other.ip, own)).code, 1);
  // A pattern without {mac}: one name for every phone of the class, rendered per phone.
  b.store.putBytes('template:avaya', Buffer.from('SET SIPPORT {{sip_port}}\n'));
  const settings = await fetch(b, avaya.ip, '46xxsettings.txt');
  assert.is(settings.body, `SET SIPPORT ${avaya.block!.first}\n`);
  // Without a template item the same name is a plain store item, served as it is.
  b.store.putBytes('46xxsettings.txt', Buffer.from('plain\n'));
  assert.is((await fetch(b, snom.ip, '46xxsettings.txt')).body, 'plain\n');
});

test('family names come first: a Polycom <mac>.cfg stays its master file; a class of our own may use <mac>.cfg', async () => {
  const { b, polycom } = setup();
  b.leases.add({ ...polycom, provisioningName: '{mac}.cfg' });
  b.store.putBytes('template:polycom', Buffer.from('<polycomConfig voIpProt.local.port="{{sip_port}}"/>\n'));
  const master = await fetch(b, polycom.ip, `${macHex(polycom)}.cfg`);
  assert.match(master.body, `CONFIG_FILES="${macHex(polycom)}-plugboard.cfg"`);
  const settings = await fetch(b, polycom.ip, `${macHex(polycom)}-plugboard.cfg`);
  assert.is(settings.body, `<polycomConfig voIpProt.local.port="${polycom.block!.first}"/>\n`);
  // A class the firmware knows no family for: its own template on the <mac>.cfg name.
  const acme = { ...leaseFor(9, 'acme'), provisioningName: '{mac}.cfg' };
  b.leases.add(acme);
  b.net.addHost(acme.ip);
  assert.is((await fetch(b, acme.ip, `${macHex(acme)}.cfg`)).code, 1, 'no template for the class yet');
  b.store.putBytes('template:acme', Buffer.from('port={{sip_port}}\n'));
  assert.is((await fetch(b, acme.ip, `${macHex(acme)}.cfg`)).body, `port=${acme.block!.first}\n`);
});

test('tsize of a rendered file is its exact size (octet) or its netascii size', async () => {
  const { b, yealink } = setup();
  const c = new TftpTestClient(b.net, yealink.ip);
  const r = c.read(`${macHex(yealink)}.cfg`, { keep: true, options: [{ name: 'tsize', value: '0' }] });
  assert.ok(await b.run(() => r.done, 30_000));
  assert.is(Number(r.oack?.tsize), r.bytes);
  const lines = (text(r.data).match(/\n/g) ?? []).length;
  const n = c.read(`${macHex(yealink)}.cfg`, { mode: 'netascii', keep: true, options: [{ name: 'tsize', value: '0' }] });
  assert.ok(await b.run(() => n.done, 30_000));
  assert.is(Number(n.oack?.tsize), r.bytes + lines);
  assert.is(text(n.data), text(r.data));
});

test('renderTemplate: defaults, bounds, no code', () => {
  assert.equal(renderTemplate('a{{x}}b{{y|d}}c', { x: '1' }, 100), { ok: true, bytes: Uint8Array.from(Buffer.from('a1bdc')) });
  assert.not.ok(renderTemplate('{{x', {}, 100).ok);
  assert.not.ok(renderTemplate('{{a b}}', {}, 100).ok);
  assert.not.ok(renderTemplate('{{x}}{{x}}', { x: 'y'.repeat(60) }, 100).ok);
  assert.ok(renderTemplate('{{__proto__|z}}', {}, 100).ok);
  assert.equal(matchProvisioningName('SEP001565100001.cnf.xml')?.template, 'cisco');
  assert.equal(matchProvisioningName('000000000000.cfg')?.template, 'polycom-master');
  assert.equal(matchProvisioningName('phone.bin'), undefined);
});

// ---- issue 15 item 8: no empty settings, firmware from the boot file ----------------------------

test('a class with no values: no `key =` lines, empty elements or attributes in any shipped template', async () => {
  const b = new Bench(31);
  const bare = { yealink: leaseFor(11, 'yealink'), cisco: leaseFor(12, 'cisco'), polycom: leaseFor(13, 'polycom'), grandstream: leaseFor(14, 'grandstream') };
  for (const l of Object.values(bare)) {
    b.leases.add({ ...l, bootFile: undefined });
    b.net.addHost(l.ip);
  }
  const files: Array<[number, string]> = [
    [bare.yealink.ip, `${macHex(bare.yealink)}.cfg`],
    [bare.cisco.ip, `SEP${macHex(bare.cisco).toUpperCase()}.cnf.xml`],
    [bare.polycom.ip, `${macHex(bare.polycom)}-plugboard.cfg`],
    [bare.grandstream.ip, `cfg${macHex(bare.grandstream)}.xml`],
  ];
  for (const [ip, name] of files) {
    const r = await fetch(b, ip, name);
    assert.ok(r.ok, `${name}: ${r.message}`);
    assert.not.match(r.body, /=\s*$/m, `${name}: a key with no value`);
    assert.not.match(r.body, /<(\w+)><\/\1>/, `${name}: an empty element`);
    assert.not.match(r.body, /="\s*"/, `${name}: an empty attribute`);
    assert.not.match(r.body, /sip_server|address|ntp|sntp|time_zone|firmware|loadInformation|P47|P30/i, `${name}: a setting with no value was written`);
  }
  // The lines that were left out come back once the class has values.
  const y = await fetch(b, bare.yealink.ip, `${macHex(bare.yealink)}.cfg`);
  assert.match(y.body, `sip.listen_port = ${bare.yealink.block!.first}\n`);
  b.leases.add({ ...bare.cisco, vars: { sip_server: '198.51.100.7', ntp: '198.51.100.8' } });
  const c = await fetch(b, bare.cisco.ip, `SEP${macHex(bare.cisco).toUpperCase()}.cnf.xml`);
  assert.match(c.body, '<processNodeName>198.51.100.7</processNodeName>');
  assert.match(c.body, '<sntpServer>198.51.100.8</sntpServer>');
});

test('firmware defaults to the boot file everywhere: Yealink URL, Polycom APP_FILE_PATH, Cisco load without .loads', async () => {
  const b = new Bench(32);
  const y = { ...leaseFor(21, 'yealink'), bootFile: 'T46S-66.86.0.15.rom' };
  const p = { ...leaseFor(22, 'polycom'), bootFile: '3111-48300-001.sip.ld' };
  const c = { ...leaseFor(23, 'cisco'), bootFile: 'sip88xx.14-1-1-0001-136.loads' };
  const own = { ...leaseFor(24, 'yealink', { firmware: 'T46S-66.86.0.20.rom' }), bootFile: 'T46S-66.86.0.15.rom' };
  for (const l of [y, p, c, own]) {
    b.leases.add(l);
    b.net.addHost(l.ip);
  }
  assert.match((await fetch(b, y.ip, `${macHex(y)}.cfg`)).body, 'static.firmware.url = tftp://192.168.1.1/T46S-66.86.0.15.rom\n');
  assert.match((await fetch(b, p.ip, `${macHex(p)}.cfg`)).body, 'APP_FILE_PATH="3111-48300-001.sip.ld"');
  assert.match((await fetch(b, c.ip, `SEP${macHex(c).toUpperCase()}.cnf.xml`)).body, '<loadInformation>sip88xx.14-1-1-0001-136</loadInformation>');
  assert.match((await fetch(b, own.ip, `${macHex(own)}.cfg`)).body, 'static.firmware.url = tftp://192.168.1.1/T46S-66.86.0.20.rom\n', 'var firmware names another file');
});

test("an owner's template with a required variable the class lacks fails, and the log names the variable", async () => {
  const { b, yealink } = setup();
  b.store.putBytes('template:yealink', Buffer.from('sip.listen_port = {{sip_port}}\naccount.1.user_name = {{sip_user}}\n'));
  const r = await fetch(b, yealink.ip, `${macHex(yealink)}.cfg`);
  assert.is(r.code, 0);
  assert.match(r.message ?? '', 'no value for {{sip_user}}');
  const line = b.warnings.find((l) => l.includes('sip_user'));
  assert.ok(line, b.warnings.join('\n'));
  assert.match(line!, `provisioning file for 00:15:65:10:00:01 at ${ipToString(yealink.ip)} not rendered`);
  assert.match(line!, '(phone-class yealink var sip_user <value>)');
  // An empty value is no value either.
  b.leases.add({ ...yealink, vars: { sip_user: '' } });
  assert.is((await fetch(b, yealink.ip, `${macHex(yealink)}.cfg`)).code, 0);
});

test('renderTemplate: {{x?}} leaves its line out when x has no value, keeps it otherwise', () => {
  const render = (t: string, vars: Record<string, string>) => {
    const r = renderTemplate(t, vars, 1000);
    return r.ok ? Buffer.from(r.bytes).toString() : `error: ${r.reason} (${r.missing})`;
  };
  assert.is(render('a = 1\nb = {{b?}}\nc = 3\n', {}), 'a = 1\nc = 3\n');
  assert.is(render('a = 1\nb = {{b?}}\nc = 3\n', { b: '' }), 'a = 1\nc = 3\n');
  assert.is(render('a = 1\nb = {{b?}}\nc = 3\n', { b: '2' }), 'a = 1\nb = 2\nc = 3\n');
  assert.is(render('last = {{z?}}', {}), '');
  assert.is(render('x={{x}} y={{y?}}\nkeep\n', { x: '1' }), 'keep\n');
  assert.is(render('k = {{k}}\n', { k: '' }), 'error: no value for {{k}} (k)');
  assert.is(render('k = {{k|}}\n', {}), 'k = \n', 'an explicit empty default stays the author\'s choice');
});

test.run();
