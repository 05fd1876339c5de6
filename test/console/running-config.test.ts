import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { consoleRig, type Rig } from './harness';
import { changedKeys, configEquals, DEFAULT_CONFIG } from '../../firmware/config';

function runningConfig(rig: Rig): string[] {
  rig.command('terminal length 0');
  return rig.command('show running-config');
}

/** Paste lines into a fresh router, as a user pastes into a terminal. */
function replay(lines: readonly string[]): Rig {
  const fresh = consoleRig({ seed: 99 });
  fresh.run(10);
  fresh.type(lines.join('\r\n') + '\r\n', 2000);
  return fresh;
}

let nonDefault = 0;
const word = fc.stringMatching(/^[a-z][a-z0-9-]{0,11}$/);
const octet = fc.integer({ min: 2, max: 254 });
const builtIn = fc.constantFrom('cisco', 'polycom', 'yealink', 'grandstream', 'snom', 'avaya');
const className = fc.oneof(builtIn, fc.constantFrom('acme', 'lab-phones', 'x1'));
const line = fc.oneof(
  word.map((w) => `set hostname ${w}`),
  fc.integer({ min: 576, max: 1500 }).map((n) => `set lan.mtu ${n}`),
  fc.integer({ min: 576, max: 1500 }).map((n) => `set wan.mtu ${n}`),
  fc.integer({ min: 60, max: 604800 }).map((n) => `set dhcp.lease-time ${n}`),
  fc.constantFrom('on', 'off').map((v) => `set nat.hairpin ${v}`),
  fc.constantFrom('napt', 'drop').map((v) => `set nat.phone-outside-block ${v}`),
  fc.constantFrom('endpoint-independent', 'address-dependent').map((v) => `set nat.filtering ${v}`),
  fc.constantFrom('error', 'warn', 'info', 'debug').map((v) => `log level ${v}`),
  fc.array(fc.tuple(octet, octet), { minLength: 1, maxLength: 3 }).map((ips) => `set dhcp.dns ${ips.map(([a, b]) => `9.9.${a}.${b}`).join(',')}`),
  fc.tuple(octet, octet).map(([a, b]) => `set dhcp.pool-start 192.168.1.${Math.min(a, b, 199)}`),
  fc.tuple(octet, octet).map(([a, b]) => `set lan.address 192.168.1.${Math.min(a, b)}`),
  fc.tuple(octet, octet).map(([a, b]) => `set wan.mode static\nset wan.address 203.0.113.${a}\nset wan.gateway 203.0.113.${b === a ? (a % 250) + 2 : b}`),
  fc.tuple(className, fc.constantFrom('prefix:Acme', 'contains:lab phone', 'exact:X-1', 'hex:00112233', 'hex:00??363d', 'enterprise:9')).map(([c, p]) => `phone-class ${c} vendor-class ${/[ ?]/.test(p) ? `"${p}"` : p}`),
  fc.tuple(className, fc.constantFrom(16, 64, 256, 1024)).map(([c, n]) => `phone-class ${c} block-size ${n}`),
  fc.tuple(className, word).map(([c, f]) => `phone-class ${c} boot-file ${f}.bin`),
  fc.tuple(className, fc.constantFrom('sip_server', 'ntp_server', 'timezone'), fc.constantFrom('10.0.0.1', 'Europe/Paris', 'a b c')).map(([c, k, v]) => `phone-class ${c} var ${k} "${v}"`),
  fc.tuple(className, fc.integer({ min: 1, max: 254 }), fc.constantFrom('text hello', 'text "two words"', 'hex 0a0b0c')).map(([c, code, v]) => `phone-class ${c} option ${code} ${v}`),
  fc.tuple(className, fc.constantFrom('00:11:22', '00:04:f2:aa:bb:cc')).map(([c, m]) => `phone-class ${c} mac ${m}`),
  fc.tuple(className, fc.constantFrom('always', 'requested')).map(([c, m]) => `phone-class ${c} port-params ${m}`),
  className.map((c) => `no phone-class ${c}`),
);

test('show running-config pasted into a fresh router gives an identical configuration (random configurations)', () => {
  fc.assert(
    fc.property(fc.array(line, { minLength: 1, maxLength: 14 }), (lines) => {
      const rig = consoleRig({ seed: 5 });
      rig.run(10);
      rig.command('configure');
      for (const l of lines.flatMap((x) => x.split('\n'))) rig.command(l);
      rig.command('end');
      const original = rig.instance().router.config.current;
      if (!configEquals(original, DEFAULT_CONFIG)) nonDefault++;
      const text = runningConfig(rig);
      const fresh = replay(text);
      const copy = fresh.instance().router.config.current;
      assert.ok(configEquals(original, copy), `differs in ${changedKeys(original, copy).join(', ')}\n${text.join('\n')}\n--- replay screen ---\n${fresh.screen.text().slice(-2000)}`);
      assert.equal(runningConfig(fresh), text);
    }),
    { numRuns: 60, seed: 11 },
  );
  // The generator must mostly produce configurations that pass the rules, or the test proves little.
  assert.ok(nonDefault >= 40, `only ${nonDefault} of 60 generated configurations were accepted`);
});

test('the default configuration prints as an empty configure block and replays to the defaults', () => {
  const rig = consoleRig();
  rig.run(10);
  assert.equal(runningConfig(rig), ['! plugboard running configuration', 'configure', 'end']);
  assert.ok(configEquals(replay(runningConfig(rig)).instance().router.config.current, DEFAULT_CONFIG));
});

test('edits of built-in classes replay with minimal lines', () => {
  const rig = consoleRig();
  rig.run(10);
  rig.command('no phone-class grandstream');
  rig.command('phone-class acme vendor-class prefix:Acme');
  rig.command('phone-class acme boot-file acme.bin');
  const text = runningConfig(rig);
  assert.equal(text, [
    '! plugboard running configuration',
    'configure',
    'no phone-class grandstream',
    'phone-class acme',
    'phone-class acme vendor-class prefix:Acme',
    'phone-class acme block-size 64',
    'phone-class acme boot-file acme.bin',
    'end',
  ]);
  assert.ok(configEquals(replay(text).instance().router.config.current, rig.instance().router.config.current));
});

test.run();
