import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { consoleRig, type Rig } from './harness';
import { configEquals, DEFAULT_CONFIG, getValue } from '../../firmware/config';

async function booted(seed = 1): Promise<Rig> {
  const rig = consoleRig({ seed, withStore: true });
  await rig.settle(() => rig.instance()?.console !== undefined, 30000);
  await rig.instance().ready;
  rig.command('terminal length 0');
  return rig;
}

async function rebooted(rig: Rig): Promise<void> {
  await rig.settle(() => rig.board.current() !== undefined && rig.instance().console !== undefined && rig.instance().loadOutcome !== undefined, 30000);
  rig.command('terminal length 0');
}

const hostname = (rig: Rig) => getValue(rig.instance().router.config.current, 'hostname');

test('save writes the configuration; reload boots with it; show status tracks unsaved changes', async () => {
  const rig = await booted();
  assert.is(rig.instance().loadOutcome?.status, 'no-record');
  rig.command('set hostname office');
  rig.command('phone-class acme vendor-class prefix:Acme');
  assert.match(rig.command('show status').join('\n'), /changed since, not saved/);
  assert.equal(await rig.commandAsync('save'), ['Configuration saved']);
  assert.not.match(rig.command('show status').join('\n'), /not saved/);
  const before = rig.instance().router.config.current;
  rig.type('reload\r', 5);
  await rebooted(rig);
  assert.is(rig.board.bootCount(), 2);
  assert.is(rig.instance().loadOutcome?.status, 'loaded');
  assert.ok(configEquals(rig.instance().router.config.current, before));
  assert.match(rig.screen.current(), /^office>/);
});

test('reload with unsaved changes asks first; n keeps running', async () => {
  const rig = await booted(2);
  rig.command('set hostname changed');
  rig.type('reload\r', 5);
  assert.match(rig.screen.current(), /unsaved changes that a reload loses\. Reload anyway\? \[y\/N\]/);
  rig.type('n\r', 5);
  await rig.settle(() => !rig.instance().console.session.busy());
  assert.match(rig.screen.text(), /Reload cancelled/);
  assert.is(rig.board.bootCount(), 1);
});

test('factory-reset asks to confirm; no keeps everything, yes boots the defaults', async () => {
  const rig = await booted(3);
  rig.command('set hostname office');
  await rig.commandAsync('save');
  rig.type('factory-reset\r', 5);
  assert.match(rig.screen.current(), /Erase the saved configuration and restart with factory defaults\? \[y\/N\]/);
  rig.type('\r', 5); // the default is no
  await rig.settle(() => !rig.instance().console.session.busy());
  assert.match(rig.screen.text(), /Factory reset cancelled/);
  assert.is(hostname(rig), 'office');
  rig.type('factory-reset\r', 5);
  rig.type('yes\r', 5);
  await rebooted(rig);
  await rig.settle(() => rig.board.bootCount() === 2 && rig.instance().loadOutcome !== undefined);
  assert.is(rig.board.bootCount(), 2);
  assert.ok(configEquals(rig.instance().router.config.current, DEFAULT_CONFIG));
});

/** Back after a power cycle, touching no key (at a password prompt any line would be a guess). */
async function poweredBack(rig: Rig): Promise<void> {
  await rig.settle(() => rig.board.current() !== undefined && rig.instance().console !== undefined && rig.instance().loadOutcome !== undefined, 30000);
}

test('password recovery: Ctrl-R on the serial console within 5 s of boot logs in without the password and erases nothing', async () => {
  const rig = await booted(7);
  rig.command('set hostname office');
  rig.command('phone-class acme vendor-class prefix:Acme');
  await rig.commandAsync('set console.password "forgotten one"');
  assert.equal(await rig.commandAsync('save'), ['Configuration saved']);
  const saved = rig.instance().router.config.current;

  // Without the key, or too late, the password is asked as before.
  rig.board.powerCycle();
  await poweredBack(rig);
  assert.match(rig.screen.text(), /Press Ctrl-R within 5 s to log in without the password \(password recovery\)/);
  assert.is(rig.screen.current(), 'Password:');
  rig.run(5000);
  rig.type('\x12', 10);
  assert.is(rig.screen.current(), 'Password:', 'after the window Ctrl-R does nothing');
  rig.type('guess\r', 10);
  assert.match(rig.screen.text(), /Wrong password/);

  // Power cycled (the physical act), Ctrl-R at once: in, with the saved configuration intact.
  rig.board.powerCycle();
  await poweredBack(rig);
  rig.type('\x12', 10);
  assert.match(rig.screen.text(), /% Password recovery: logged in without the password; nothing was erased\./);
  assert.match(rig.screen.current(), /^office>/);
  assert.ok(configEquals(rig.instance().router.config.current, saved), 'the configuration, hash included, is untouched');
  assert.match(rig.command('show status').join('\n'), /Console +logged in by password recovery at boot/);
  rig.command('unset console.password');
  assert.equal(await rig.commandAsync('save'), ['Configuration saved']);
  rig.board.powerCycle();
  await poweredBack(rig);
  assert.match(rig.screen.current(), /^office>/, 'no password any more');
  assert.is(rig.instance().router.config.current.phoneClasses.some((c) => c.name === 'acme'), true);
});

test('a power cut at every flash operation of save leaves either the old or the new configuration, whole', async () => {
  const outcomes: string[] = [];
  for (let cutAt = 1; cutAt <= 12; cutAt++) {
    const rig = await booted(10 + cutAt);
    rig.command('set hostname alpha');
    rig.command('set dhcp.lease-time 600');
    assert.equal(await rig.commandAsync('save'), ['Configuration saved']);
    rig.command('set hostname beta');
    rig.command('set dhcp.lease-time 900');
    const flash = rig.board.flash();
    flash.cutAfter(cutAt);
    rig.type('save\r', 1);
    await rig.settle(() => flash.powerLost || !rig.instance().console.session.busy(), 30000);
    const reported = /Configuration saved\s*\n\S*> *$/.test(rig.screen.text());
    if (!flash.powerLost) {
      // The save needed fewer operations than cutAt: it completed, and no later cut is pending.
      assert.ok(reported);
      outcomes.push('done');
      break;
    }
    rig.board.powerCut();
    rig.board.powerOn();
    await rebooted(rig);
    const loaded = rig.instance().loadOutcome;
    assert.is(loaded?.status, 'loaded', `cut at ${cutAt}: the configuration record must stay readable`);
    const name = hostname(rig);
    const lease = getValue(rig.instance().router.config.current, 'dhcp.lease-time');
    assert.ok((name === 'alpha' && lease === 600) || (name === 'beta' && lease === 900), `cut at ${cutAt}: got ${name}/${lease}`);
    if (reported) assert.is(name, 'beta', 'a save reported done must survive');
    outcomes.push(String(name));
  }
  assert.is(outcomes[0], 'alpha', 'a cut at the first write keeps the old configuration');
  assert.is(outcomes[outcomes.length - 1], 'done', `saves finish within the cut range: ${outcomes.join(',')}`);
});

test('a boot file that is not in the store (nor a rendered name) is a warning, not an error', async () => {
  const rig = await booted(40);
  const out = rig.command('phone-class yealink boot-file missing-fw.bin');
  assert.match(out.join('\n'), /Warning, phone-class yealink: boot-file 'missing-fw\.bin' is not in the store \(image upload <lan-host> missing-fw\.bin\)/);
  assert.is(rig.instance().router.config.current.phoneClasses.find((c) => c.name === 'yealink')?.bootFile, 'missing-fw.bin');
  assert.match(rig.command('show status').join('\n'), /Config warning +phone-class yealink: boot-file 'missing-fw\.bin'/);
  assert.equal(rig.command('phone-class yealink boot-file y000000000000.cfg'), [], 'a name TFTP renders needs no item');
});

test('a damaged record boots the defaults and says why', async () => {
  const rig = await booted(30);
  rig.command('set hostname office');
  await rig.commandAsync('save');
  // Overwrite the record with bytes that are not a configuration.
  const store = rig.instance().router.store!;
  let done = false;
  store.setRecord('config', new Uint8Array([1, 2, 3])).then(() => (done = true));
  await rig.settle(() => done);
  rig.board.powerCycle(10);
  await rebooted(rig);
  await rig.settle(() => rig.board.bootCount() === 2 && rig.instance().loadOutcome !== undefined);
  const outcome = rig.instance().loadOutcome;
  assert.is(outcome?.status, 'unreadable');
  assert.is(outcome?.status === 'unreadable' && outcome.reason, 'truncated');
  assert.ok(configEquals(rig.instance().router.config.current, DEFAULT_CONFIG));
});

test.run();
