import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { consoleRig } from './harness';
import { CONFIG_KEYS, DEFAULT_CONFIG, configEquals, getValue, hashPassword } from '../../firmware/config';
import { parseIp } from '../../firmware/util/ipv4';
import { MAX_LINE_LENGTH } from '../../firmware/console/lineEditor';

const ESC = '\x1b';

test('banner, prompt, and unambiguous prefixes run the same command', () => {
  const rig = consoleRig();
  rig.run(10);
  assert.match(rig.screen.text(), /^Plugboard 0\.1\.0-test on sim\. Type \? for help\.\nplugboard>/);
  const full = rig.command('show version');
  const short = rig.command('sh ver');
  assert.ok(full.length >= 3);
  assert.equal(short, full.map((l) => l.replace(/Uptime \d+s/, (m) => m)));
  assert.match(full[0], /Plugboard firmware 0\.1\.0-test/);
});

test('errors say which word is wrong and why', () => {
  const rig = consoleRig();
  rig.run(10);
  assert.equal(rig.command('s'), ["% Ambiguous 's' (word 1): could be save, set, show"]);
  assert.match(rig.command('frobnicate')[0], /Unknown command 'frobnicate' \(word 1\)/);
  assert.match(rig.command('show foo')[0], /Unknown word 'foo' \(word 2\) after 'show': expected one of version, status/);
  assert.match(rig.command('show')[0], /Incomplete command 'show': expected one of version/);
  assert.match(rig.command('set lan.address 300.1.1.1')[0], /Invalid <value> '300\.1\.1\.1' \(word 3\): not an IPv4 address/);
  assert.match(rig.command('set lan.prefix 31')[0], /Invalid <value> '31' \(word 3\): out of range 8-30/);
  assert.match(rig.command('set wan.mode bogus')[0], /Invalid <value> 'bogus' \(word 3\): expected one of dhcp, static/);
  assert.match(rig.command('show version now')[0], /Unexpected 'now' \(word 3\): 'show version' takes nothing more/);
  assert.match(rig.command('set hostname "unterminated')[0], /Unterminated quote/);
  assert.match(rig.command('phone-class acme block-size 100')[0], /Invalid <size> '100' \(word 4\): not a power of two/);
  assert.match(rig.command('phone-class acme block-size 99999999999')[0], /Invalid <size> '99999999999' \(word 4\): out of range 2-32768/);
  assert.match(rig.command('set lan.prefix 99999999999')[0], /Invalid <value> '99999999999' \(word 3\): out of range 8-30/);
  assert.ok(configEquals(rig.instance().router.config.current, DEFAULT_CONFIG), 'nothing changed');
});

test('a change that breaks a cross-key rule is refused, names the key, and changes nothing', () => {
  const rig = consoleRig();
  rig.run(10);
  const out = rig.command('set dhcp.pool-start 192.168.1.1');
  assert.match(out[0], /Refused, dhcp\.pool-start: the phone pool 192\.168\.1\.1-192\.168\.1\.199 covers the router's own address 192\.168\.1\.1/);
  assert.match(out[out.length - 1], /Nothing was changed/);
  const out2 = rig.command('set dhcp.pool-end 10.0.0.9');
  assert.match(out2.join('\n'), /dhcp\.pool-end: 10\.0\.0\.9 is outside the LAN subnet 192\.168\.1\.0\/24/);
  const out3 = rig.command('set dhcp.reserved-ports 1024-2047');
  assert.match(out3.join('\n'), /nat\.pool: port 4096 is outside dhcp\.reserved-ports/);
  assert.ok(configEquals(rig.instance().router.config.current, DEFAULT_CONFIG));
});

test('set and unset every kind of key; live keys apply, reload keys say so', () => {
  const rig = consoleRig();
  rig.run(10);
  const config = () => rig.instance().router.config.current;
  assert.equal(rig.command('set hostname office'), []);
  assert.is(getValue(config(), 'hostname'), 'office');
  assert.match(rig.screen.current(), /^office>/);
  assert.match(rig.command('set lan.mtu 1400').join('\n'), /lan\.mtu: takes effect after 'save' and 'reload'/);
  assert.equal(rig.command('set nat.hairpin off'), []);
  assert.is(getValue(config(), 'nat.hairpin'), false);
  rig.command('set dhcp.dns 9.9.9.9,1.1.1.1');
  assert.is(getValue(config(), 'dhcp.dns'), '9.9.9.9,1.1.1.1');
  rig.command('set log.level deb'); // enum prefix
  assert.is(getValue(config(), 'log.level'), 'debug');
  rig.command('unset hostname');
  rig.command('unset nat.hairpin');
  rig.command('unset log.level');
  rig.command('unset dhcp.dns');
  rig.command('unset lan.mtu');
  assert.ok(configEquals(config(), DEFAULT_CONFIG));
  assert.equal(rig.instance().router.config.needReload(), []);
});

test('configure ... end checks a batch together; abort drops it', () => {
  const rig = consoleRig();
  rig.run(10);
  const config = () => rig.instance().router.config.current;
  rig.command('configure');
  assert.match(rig.screen.current(), /^plugboard\(config\)>/);
  for (const line of ['set lan.address 10.1.0.1', 'set lan.prefix 16', 'set dhcp.pool-start 10.1.1.10', 'set dhcp.pool-end 10.1.1.99', 'set dhcp.guest-pool-start 10.1.2.1', 'set dhcp.guest-pool-end 10.1.2.50']) {
    assert.equal(rig.command(line), [], line);
  }
  assert.ok(configEquals(config(), DEFAULT_CONFIG), 'not applied before end');
  const out = rig.command('end');
  assert.match(out.join('\n'), /takes effect after 'save' and 'reload'/);
  assert.is(getValue(config(), 'lan.address'), parseIp('10.1.0.1'));
  rig.command('configure');
  rig.command('set lan.prefix 24');
  rig.command('abort');
  assert.is(getValue(config(), 'lan.prefix'), 16);
  rig.command('configure');
  rig.command('set dhcp.pool-end 10.9.9.9');
  const refused = rig.command('end');
  assert.match(refused.join('\n'), /dhcp\.pool-end: 10\.9\.9\.9 is outside the LAN subnet 10\.1\.0\.0\/16/);
  assert.is(getValue(config(), 'dhcp.pool-end'), parseIp('10.1.1.99'));
  assert.match(rig.screen.current(), /^plugboard>/);
});

test('? lists what may come next anywhere in a line, and documents every set key', () => {
  const rig = consoleRig();
  rig.run(10);
  rig.command('terminal length 0');
  rig.type('?');
  const top = rig.screen.text();
  for (const word of ['show', 'set', 'unset', 'phone-class', 'image', 'lease', 'save', 'reload', 'factory-reset', 'ping', 'clear', 'log', 'configure']) {
    assert.match(top, new RegExp(`\\n  ${word} +\\S`), word);
  }
  rig.type('set ?');
  const text = rig.screen.text();
  for (const def of CONFIG_KEYS) assert.ok(new RegExp(`  ${def.key.replace(/\./g, '\\.')}  +\\S`).test(text), `set ? documents ${def.key}, apart from its help`);
  assert.match(text, /console\.password +Console password/);
  rig.type('\x15set lan.address ?');
  assert.match(rig.screen.text(), /<value> +Router's own address on the LAN port: A\.B\.C\.D/);
  rig.type('\x15sh ru?');
  assert.match(rig.screen.text(), /running-config +The configuration as commands/);
  // The line typed so far is redrawn after the help.
  assert.is(rig.screen.current(), 'plugboard> sh ru');
  rig.type('\x15show version ?');
  assert.match(rig.screen.text(), /<cr> +run it/);
  rig.type('\x15show bogus ?');
  assert.match(rig.screen.text(), /Unknown word 'bogus'/);
});

test('tab completes commands and arguments, lists choices when ambiguous', () => {
  const rig = consoleRig();
  rig.run(10);
  rig.type('sh\t');
  assert.is(rig.screen.current(), 'plugboard> show');
  rig.type('ru\t');
  assert.is(rig.screen.current(), 'plugboard> show running-config');
  rig.type('\x15set wan.mode s\t');
  assert.is(rig.screen.current(), 'plugboard> set wan.mode static');
  rig.type('\x15set lan.\t'); // three keys share lan.: listed, line kept
  assert.match(rig.screen.text(), /lan\.address  lan\.prefix  lan\.mtu/);
  assert.is(rig.screen.current(), 'plugboard> set lan.');
  rig.type('\x15set nat.fall\t');
  assert.is(rig.screen.current(), 'plugboard> set nat.fallback-napt');
  rig.type('\x15s\t'); // save, set, show
  assert.match(rig.screen.text(), /save  set  show/);
});

test('history: up arrow recalls and runs the previous command', () => {
  const rig = consoleRig();
  rig.run(10);
  rig.command('set hostname alpha');
  rig.command('show version');
  rig.type(`${ESC}[A${ESC}[A`);
  assert.is(rig.screen.current(), 'alpha> set hostname alpha');
  rig.type('\x17beta\r');
  assert.is(getValue(rig.instance().router.config.current, 'hostname'), 'beta');
  assert.equal(rig.instance().console.session.history(), ['set hostname alpha', 'show version', 'set hostname beta']);
});

test('long output pauses at --More--: space, enter, q; terminal length 0 never pauses', () => {
  const rig = consoleRig();
  rig.run(10);
  rig.command('set console.page-length 10');
  rig.type('show config\r');
  const rowsBefore = rig.screen.rows.length;
  assert.is(rig.screen.current(), '--More--');
  rig.type(' ');
  assert.is(rig.screen.current(), '--More--');
  assert.is(rig.screen.rows.length, rowsBefore + 9);
  rig.type('\r');
  assert.is(rig.screen.rows.length, rowsBefore + 10);
  rig.type('x'); // other keys are ignored
  assert.is(rig.screen.current(), '--More--');
  rig.type('q');
  assert.is(rig.screen.current(), 'plugboard>');
  rig.command('terminal length 0');
  const all = rig.command('show config');
  assert.is(all.length, CONFIG_KEYS.length + 2);
  assert.not.ok(rig.screen.text().endsWith('--More--'));
});

test('input typed while output is paged or a command runs is kept, not lost', () => {
  const rig = consoleRig();
  rig.run(10);
  rig.command('set console.page-length 5');
  rig.type('show config\rq');
  rig.type('show version\r');
  assert.match(rig.screen.text(), /Plugboard firmware/);
});

test('phone-class commands build a class; bad words are refused with the reason', () => {
  const rig = consoleRig();
  rig.run(10);
  const config = () => rig.instance().router.config.current;
  rig.command('phone-class acme');
  rig.command('phone-class acme vendor-class "prefix:Acme Phone"');
  rig.command('phone-class acme mac 00:11:22');
  rig.command('phone-class acme block-size 256');
  rig.command('phone-class acme boot-file acme-fw.bin');
  rig.command('phone-class acme template {mac}.cfg');
  rig.command('phone-class acme option 66 text 192.168.1.1');
  rig.command('phone-class acme option 242 hex 0a0b');
  rig.command('phone-class acme var sip_server "sip.example.net"');
  rig.command('phone-class acme port-params always');
  const acme = config().phoneClasses.find((c) => c.name === 'acme');
  assert.ok(acme);
  assert.equal(acme.vendorClasses, ['prefix:Acme Phone']);
  assert.equal(acme.macs, ['00:11:22']);
  assert.is(acme.psidLength, 8);
  assert.is(acme.bootFile, 'acme-fw.bin');
  assert.equal(acme.options, [{ code: 66, text: '192.168.1.1' }, { code: 242, hex: '0a0b' }]);
  assert.equal(acme.vars, { sip_server: 'sip.example.net' });
  assert.is(acme.sendPortParams, 'always');
  assert.match(rig.command('phone-class acme vendor-class "foo:bar"')[0], /Invalid <pattern> 'foo:bar' \(word 4\): vendor pattern 'foo:bar': must start with exact:/);
  assert.match(rig.command('phone-class acme mac zz:11:22')[0], /Invalid <mac> 'zz:11:22' \(word 4\)/);
  assert.match(rig.command('phone-class bad/name')[0], /Invalid <name> 'bad\/name' \(word 2\)/);
  assert.match(rig.command('no phone-class nosuch')[0], /no such phone class/);
  rig.command('no phone-class acme option 242');
  rig.command('no phone-class acme var sip_server');
  const after = config().phoneClasses.find((c) => c.name === 'acme');
  assert.equal(after?.options, [{ code: 66, text: '192.168.1.1' }]);
  assert.equal(after?.vars, {});
  rig.command('no phone-class acme');
  assert.ok(configEquals(config(), DEFAULT_CONFIG));
  rig.command('no phone-class all');
  assert.is(config().phoneClasses.length, 0);
});

test('services that are not running say so instead of failing', async () => {
  const rig = consoleRig();
  rig.run(10);
  rig.command('terminal length 0');
  assert.equal(rig.command('show leases'), ['% DHCP is not running']);
  assert.equal(rig.command('show phones'), ['% DHCP is not running']);
  assert.equal(rig.command('show nat'), ['% NAPPT is not running']);
  assert.equal(rig.command('show tftp'), ['% TFTP is not running']);
  assert.equal(rig.command('show images'), ['% Store is not mounted']);
  assert.equal(await rig.commandAsync('save'), ['% Store is not mounted; nothing saved']);
  assert.equal(await rig.commandAsync('lease clear'), ['% DHCP is not running']);
  assert.equal(await rig.commandAsync('ping 192.168.1.10'), ['% The IP stack is not running']);
  assert.equal(rig.command('image upload 192.168.1.50'), ['% TFTP is not running']);
  assert.equal(rig.command('show log'), ['% Logging is not running']);
  assert.equal(rig.command('clear counters'), ['Counters cleared']);
  const ports = rig.command('show ports');
  assert.match(ports[2], /^lan +(up|down) +02:50:42:00:00:01 +1500/);
  const status = rig.command('show status');
  assert.match(status.join('\n'), /Configuration +defaults\n/);
});

test('input that cannot be kept is refused with the reason, never altered: non-ASCII, over-long lines', () => {
  const rig = consoleRig();
  rig.run(10);
  const config = () => rig.instance().router.config.current;
  assert.equal(rig.command('set hostname münchen', 400), ["% Refused: 'ü' (column 15) is not ASCII; only ASCII can be kept; nothing was run."]);
  assert.is(getValue(config(), 'hostname'), 'plugboard');
  assert.match(rig.screen.current(), /^plugboard>/);
  const digits = Array.from({ length: 500 }, (_, i) => '0123456789abcdef'[(i * 7) % 16]).join('');
  assert.equal(rig.command(`phone-class avaya option 242 hex ${digits}`, 2000), []);
  const avaya = config().phoneClasses.find((c) => c.name === 'avaya')!;
  assert.is(avaya.options.find((o) => o.code === 242)?.hex, digits, 'all 500 digits are stored');
  const tooLong = `phone-class avaya var note ${'x'.repeat(MAX_LINE_LENGTH)}`;
  assert.equal(rig.command(tooLong, 4000), [`% Refused: the line is longer than ${MAX_LINE_LENGTH} characters; nothing was run.`]);
  assert.is(config().phoneClasses.find((c) => c.name === 'avaya')!.vars.note, undefined);
});

test('password: asked at login, wrong ones wait 1 s, 2 s, 4 s (input dropped meanwhile), right one opens', async () => {
  const rig = consoleRig({ seed: 3 });
  rig.run(10);
  await rig.commandAsync('set console.password "open sesame"');
  const hash = getValue(rig.instance().router.config.current, 'console.password-hash') as string;
  assert.match(hash, /^pbkdf2-sha256\$\d+\$[0-9a-f]{32}\$[0-9a-f]{64}$/);
  assert.not.match(rig.command('show running-config').join('\n'), /open sesame/);
  rig.command('logout');
  const loginRow = rig.screen.rows.length - 1;
  assert.is(rig.screen.current(), 'Password:');
  rig.type('wrong\r', 10);
  assert.match(rig.screen.text(), /Wrong password; try again in 1 s/);
  rig.type('open sesame\r', 500); // typed during the delay: dropped
  assert.not.match(rig.screen.current(), /plugboard>/);
  rig.run(600);
  assert.is(rig.screen.current(), 'Password:');
  rig.type('wrong again\r', 10);
  assert.match(rig.screen.text(), /try again in 2 s/);
  rig.run(1000);
  assert.not.match(rig.screen.current(), /Password:/);
  rig.run(1100);
  assert.is(rig.screen.current(), 'Password:');
  rig.type('open sesame\r');
  assert.is(rig.screen.current(), 'plugboard>');
  assert.not.match(rig.screen.rows.slice(loginRow).join('\n'), /open sesame|wrong/);
  assert.is(rig.instance().console.session.failedLogins, 2);
  rig.command('unset console.password');
  rig.command('logout');
  assert.is(rig.screen.current(), 'plugboard>');
});

test('a stored hash from show running-config with-password works as the password on another router', () => {
  const hash = hashPassword('pw', (b) => b.fill(7), 64);
  const rig = consoleRig();
  rig.run(10);
  assert.equal(rig.command(`set console.password-hash ${hash}`), []);
  rig.command('terminal length 0');
  const plain = rig.command('show running-config').join('\n');
  assert.not.match(plain, /pbkdf2|^set console\.password-hash/m, 'the hash is not shown unless asked for');
  assert.match(plain, /^! console\.password-hash is set; 'show running-config with-password' prints it$/m);
  assert.match(rig.command('show running-config with-password').join('\n'), new RegExp(`^set console\\.password-hash ${hash.replace(/\$/g, '\\$')}$`, 'm'));
  rig.command('logout');
  rig.type('pw\r');
  assert.is(rig.screen.current(), 'plugboard>');
});

test('a malformed password hash is refused with the reason, so the console cannot lock itself', () => {
  const rig = consoleRig();
  rig.run(10);
  assert.match(rig.command('set console.password-hash foo')[0], /Invalid <value> 'foo' \(word 3\): not a password hash \(pbkdf2-sha256\$<iterations>\$<salt hex>\$<hash hex>\); use 'set console\.password <secret>'/);
  const salt = '00'.repeat(16);
  const digest = '00'.repeat(32);
  assert.match(rig.command(`set console.password-hash pbkdf2-sha256$0$${salt}$${digest}`)[0], /iterations must be 1-\d+/);
  assert.match(rig.command(`set console.password-hash pbkdf2-sha256$100$00$${digest}`)[0], /salt must be 8-64 bytes/);
  assert.match(rig.command(`set console.password-hash pbkdf2-sha256$100$${salt}$00ff`)[0], /hash must be 32 bytes \(64 hex digits\)/);
  assert.is(getValue(rig.instance().router.config.current, 'console.password-hash'), undefined);
  rig.command('logout');
  assert.is(rig.screen.current(), 'plugboard>', 'no password is asked');
});

test('a log line arriving while typing takes the prompt row; the half-typed line is redrawn below it', () => {
  const rig = consoleRig();
  rig.run(10);
  rig.type('show ver');
  rig.instance().console.session.notify('[ 1.000] info  dhcp: phone bound');
  assert.is(rig.screen.rows[rig.screen.rows.length - 2].trimEnd(), '[ 1.000] info  dhcp: phone bound');
  assert.is(rig.screen.current(), 'plugboard> show ver');
  rig.type('sion\r');
  assert.match(rig.screen.text(), /Plugboard firmware/);
});

test.run();
