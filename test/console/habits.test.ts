import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { consoleRig } from './harness';
import { configEquals, DEFAULT_CONFIG, getValue } from '../../firmware/config';
import { applyFilter, splitPipe } from '../../firmware/console/habits';

const fresh = () => {
  const rig = consoleRig();
  rig.run(10);
  rig.command('terminal length 0');
  return rig;
};

test('conf t, do, exit and end: IOS spellings of configure mode', () => {
  const rig = fresh();
  const config = () => rig.instance().router.config.current;
  rig.command('conf t');
  assert.match(rig.screen.current(), /^plugboard\(config\)>/);
  rig.command('set hostname lab');
  assert.equal(rig.command('do show version')[0], 'Plugboard firmware 0.1.0-test', 'do runs a show inside configure');
  assert.is(getValue(config(), 'hostname'), 'plugboard', 'not applied before exit');
  rig.command('exit');
  assert.is(getValue(config(), 'hostname'), 'lab', 'exit applies as end does');
  assert.match(rig.screen.current(), /^lab>/);
  assert.match(rig.command('exit')[0], /Not in configure mode; 'logout' ends the session/);
  rig.command('configure terminal');
  rig.command('unset hostname');
  rig.command('end');
  assert.ok(configEquals(config(), DEFAULT_CONFIG));
});

test('show ip dhcp binding is show leases', () => {
  const rig = fresh();
  assert.equal(rig.command('show ip dhcp binding'), rig.command('show leases'));
});

test('write memory, wr and copy running-config startup-config save like save does', async () => {
  for (const spelling of ['write memory', 'wr', 'copy running-config startup-config']) {
    const rig = consoleRig({ withStore: true });
    await rig.settle(() => rig.instance()?.console !== undefined, 30000);
    await rig.instance().ready;
    rig.command('set hostname saved-by-habit');
    assert.ok(rig.instance().router.config.unsaved());
    const out = await rig.commandAsync(spelling);
    assert.equal(out, ['Configuration saved'], spelling);
    assert.not.ok(rig.instance().router.config.unsaved(), spelling);
  }
});

test('| include, exclude, begin and count filter any show', () => {
  const rig = fresh();
  rig.command('set hostname filtered');
  const all = rig.command('show running-config');
  assert.equal(rig.command('show running-config | include hostname'), all.filter((l) => l.includes('hostname')));
  assert.ok(rig.command('show running-config | include hostname').length >= 1);
  assert.equal(rig.command('show running-config | exclude hostname'), all.filter((l) => !l.includes('hostname')));
  const begin = rig.command('show running-config | begin configure');
  assert.equal(begin, all.slice(all.findIndex((l) => l.includes('configure'))));
  assert.equal(rig.command('show running-config | count'), [`${all.filter((l) => l !== '').length} lines`]);
  assert.equal(rig.command('sh ver | inc firmware'), ['Plugboard firmware 0.1.0-test'], 'prefixes on both sides');
  assert.equal(rig.command('show version | include NO-SUCH-TEXT'), []);
  assert.match(rig.command('show version | grep x')[0], /After '\|' type one of include, exclude, begin, count/);
  assert.match(rig.command('show version | include')[0], /needs the text to look for/);
  assert.match(rig.command('set hostname a | include b')[0], /filters only the output of 'show'/);
});

test('filters are plain text, case-insensitive, and respect quotes', () => {
  assert.equal(applyFilter(['Alpha', 'beta', 'a.c'], { kind: 'include', pattern: 'A' }), ['Alpha', 'beta', 'a.c']);
  assert.equal(applyFilter(['abc', 'a.c'], { kind: 'include', pattern: '.' }), ['a.c']);
  const split = splitPipe('show phone-class "a|b"');
  assert.ok(split.ok && split.filter === undefined, 'a | inside quotes is no pipe');
});

test('words from other routers say what to type instead', () => {
  const rig = fresh();
  assert.match(rig.command('enable')[0], /'enable' is not a command here: there is no separate privileged mode/);
  assert.match(rig.command('commit')[0], /changes apply at 'end'/);
  assert.match(rig.command('interface eth0')[0], /ports are not configured one by one/);
  assert.match(rig.command('frobnicate')[0], /Unknown command 'frobnicate'/);
});

test('a bad line fails the whole batch: end applies nothing and says which lines', () => {
  const rig = fresh();
  const config = () => rig.instance().router.config.current;
  rig.command('configure');
  rig.command('set hostname half-done');
  assert.match(rig.command('set lan.prefix 99')[0], /Invalid <value> '99'/);
  rig.command('set nat.hairpin off');
  const out = rig.command('end');
  assert.match(out[0], /Batch failed: 1 bad line; nothing was applied/);
  assert.match(out[1], /'set lan\.prefix 99': Invalid <value>/);
  assert.ok(configEquals(config(), DEFAULT_CONFIG), 'the valid lines were not applied either');
  assert.match(rig.screen.current(), /^plugboard>/, 'out of configure mode');
  rig.command('configure');
  rig.command('set hostname clean');
  assert.equal(rig.command('end'), [], 'a later batch is not marked by the failed one');
  assert.is(getValue(config(), 'hostname'), 'clean');
});

test('a bad line outside configure does not mark the next batch; abort clears a failed one', () => {
  const rig = fresh();
  rig.command('set lan.prefix 99');
  rig.command('configure');
  rig.command('bogus');
  rig.command('abort');
  rig.command('configure');
  rig.command('set hostname ok');
  assert.equal(rig.command('end'), []);
  assert.is(getValue(rig.instance().router.config.current, 'hostname'), 'ok');
});

test('a pasted running-config with one broken line leaves the router as it was', () => {
  const source = fresh();
  source.command('set hostname branch');
  source.command('set nat.hairpin off');
  const lines = source.command('show running-config');
  const broken = lines.map((l) => (l.includes('hostname') ? 'set hostname "unterminated' : l));
  const target = fresh();
  target.type(broken.join('\r\n') + '\r\n', 2000);
  assert.ok(configEquals(target.instance().router.config.current, DEFAULT_CONFIG), 'nothing applied');
  assert.match(target.screen.text(), /Batch failed: 1 bad line; nothing was applied/);
  const good = fresh();
  good.type(lines.join('\r\n') + '\r\n', 2000);
  assert.ok(configEquals(good.instance().router.config.current, source.instance().router.config.current), 'the intact paste applies whole');
});

test.run();
