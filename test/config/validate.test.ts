import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { CONFIG_KEYS, DEFAULT_CONFIG, dhcpConfigOf, errorsOf, hashPassword, napptConfigOf, settingsOf, usablePortBlocks, validateConfig, verifyPassword, withValue, withPhoneClass, newPhoneClass, type RouterConfig } from '../../firmware/config';
import { validateDhcpConfig } from '../../firmware/dhcp/config';
import { isPasswordHash, Pbkdf2Work, PasswordCheck, PASSWORD_ITERATIONS } from '../../firmware/config';
import { pbkdf2 } from '@noble/hashes/pbkdf2.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { encodeUtf8 } from '../../firmware/util/text';
import { validateNapptConfig } from '../../firmware/nappt/config';
import { parseIp } from '../../firmware/util/ipv4';

const ip = (t: string) => parseIp(t) as number;
const errorKeys = (c: RouterConfig) => errorsOf(validateConfig(c)).map((p) => p.key);

test('the defaults are valid for the router, the DHCP server and the NAPPT forwarder', () => {
  assert.equal(errorsOf(validateConfig(DEFAULT_CONFIG)), []);
  assert.equal(validateDhcpConfig(dhcpConfigOf(DEFAULT_CONFIG)), []);
  assert.equal(validateNapptConfig(napptConfigOf(DEFAULT_CONFIG)), []);
  const s = settingsOf(DEFAULT_CONFIG);
  assert.is(s.lan.address, ip('192.168.1.1'));
  assert.is(s.dhcp.pool.first, '192.168.1.100');
  assert.is(s.wan.mode, 'dhcp');
});

test('dhcp.probe reaches the DHCP server: on by default, off offers new addresses without a probe', () => {
  assert.is(dhcpConfigOf(DEFAULT_CONFIG).probeNewAddresses, true);
  assert.is(dhcpConfigOf(withValue(DEFAULT_CONFIG, 'dhcp.probe', false)).probeNewAddresses, false);
});

test('every key has help text, a syntax and a default that its own type accepts', () => {
  for (const def of CONFIG_KEYS) {
    assert.ok(def.help.length > 10, def.key);
    assert.ok(def.type.syntax.length > 0, def.key);
    if (def.defaultValue !== undefined) {
      const parsed = def.type.parse(def.type.format(def.defaultValue).replace(/^"(.*)"$/, '$1'));
      assert.ok(parsed.ok && parsed.value === def.defaultValue, `${def.key} default round-trips`);
    }
  }
});

test('pools must lie in the LAN subnet, avoid network/broadcast and the router, and not overlap', () => {
  assert.equal(errorKeys(withValue(DEFAULT_CONFIG, 'dhcp.pool-start', ip('192.168.2.100'))), ['dhcp.pool-start']);
  assert.equal(errorKeys(withValue(DEFAULT_CONFIG, 'dhcp.pool-start', ip('192.168.1.0'))), ['dhcp.pool-start']);
  assert.equal(errorKeys(withValue(DEFAULT_CONFIG, 'dhcp.guest-pool-end', ip('192.168.1.255'))), ['dhcp.guest-pool-end']);
  assert.equal(errorKeys(withValue(DEFAULT_CONFIG, 'lan.address', ip('192.168.1.150'))), ['dhcp.pool-start']);
  assert.equal(errorKeys(withValue(DEFAULT_CONFIG, 'dhcp.pool-end', ip('192.168.1.90'))), ['dhcp.pool-end']);
  assert.equal(errorKeys(withValue(DEFAULT_CONFIG, 'dhcp.guest-pool-start', ip('192.168.1.150'))), ['dhcp.guest-pool-start']);
  assert.equal(errorKeys(withValue(DEFAULT_CONFIG, 'lan.address', ip('192.168.1.255'))), ['lan.address']);
});

test('port blocks: a class whose block cannot fit outside reserved ports is refused; too few blocks warn', () => {
  assert.is(usablePortBlocks(10, [{ first: 1024, last: 16383 }]), 1024 - 256);
  assert.is(usablePortBlocks(1, [{ first: 1024, last: 16383 }]), 1);
  assert.is(usablePortBlocks(1, [{ first: 1024, last: 40000 }]), 0);
  const big = withPhoneClass(DEFAULT_CONFIG, { ...newPhoneClass('big'), vendorClasses: ['prefix:Big'], bootFile: 'b', psidLength: 1 });
  assert.equal(errorKeys(withValue(big, 'dhcp.reserved-ports', '1024-40000')), ['phone-class big']);
  const problems = validateConfig(big);
  assert.ok(problems.some((p) => p.severity === 'warning' && p.key === 'phone-class big' && /only 1 blocks of 32768 ports for 100 phone addresses/.test(p.message)));
});

test('static WAN needs an address and a gateway in its subnet, apart from the LAN', () => {
  const stat = withValue(DEFAULT_CONFIG, 'wan.mode', 'static');
  assert.equal(errorKeys(stat), ['wan.address', 'wan.gateway']);
  const good = withValue(withValue(stat, 'wan.address', ip('203.0.113.5')), 'wan.gateway', ip('203.0.113.1'));
  assert.equal(errorKeys(good), []);
  const s = settingsOf(good);
  assert.equal(s.wan, { mode: 'static', address: ip('203.0.113.5'), prefixLength: 24, gateway: ip('203.0.113.1'), mtu: 1500 });
  assert.equal(errorKeys(withValue(good, 'wan.gateway', ip('198.51.100.1'))), ['wan.gateway']);
  assert.equal(errorKeys(withValue(good, 'wan.address', ip('192.168.1.7'))), ['wan.gateway', 'wan.address']);
});

test('the NAPT pool must lie inside the ports reserved from phone blocks', () => {
  assert.equal(errorKeys(withValue(DEFAULT_CONFIG, 'nat.pool', '4096-20000')), ['nat.pool']);
  assert.equal(errorKeys(withValue(DEFAULT_CONFIG, 'nat.pool', '2000-3000')), []);
  assert.is(napptConfigOf(withValue(DEFAULT_CONFIG, 'nat.pool', '2000-3000')).pool.last, 3000);
});

test('value types refuse bad text with a reason', () => {
  const def = (k: string) => CONFIG_KEYS.find((d) => d.key === k)!;
  const reason = (k: string, t: string) => {
    const r = def(k).type.parse(t);
    return r.ok ? 'ok' : r.reason;
  };
  assert.match(reason('lan.address', '1.2.3'), /not an IPv4 address/);
  assert.match(reason('lan.prefix', '7'), /out of range/);
  assert.match(reason('lan.prefix', '2x'), /not a whole number/);
  assert.match(reason('hostname', 'a b'), /without spaces/);
  assert.match(reason('dhcp.dns', '1.1.1.1,x'), /'x' is not an IPv4 address/);
  assert.match(reason('dhcp.reserved-ports', '5-3'), /first port after last/);
  assert.match(reason('nat.pool', '80-90'), /1024-65535/);
  assert.match(reason('nat.hairpin', 'maybe'), /on or off/);
  // A long number is a whole number out of range, not "not a whole number".
  assert.is(reason('lan.prefix', '99999999999'), 'out of range 8-30');
  assert.is(reason('dhcp.lease-time', '0000000000000000000000600'), 'ok');
  assert.is(reason('dhcp.reserved-ports', '1024-999999'), "'1024-999999': ports are 0-65535");
  assert.is(reason('nat.pool', '5000-1000000'), 'ports must be 1024-65535');
});

test('password hashes are salted, verify only the right password, and refuse malformed hashes', () => {
  let n = 0;
  const random = (into: Uint8Array) => into.forEach((_, i) => (into[i] = n++ & 0xff));
  const a = hashPassword('secret', random, 100);
  const b = hashPassword('secret', random, 100);
  assert.is.not(a, b);
  assert.ok(verifyPassword('secret', a) && verifyPassword('secret', b));
  assert.not.ok(verifyPassword('Secret', a));
  assert.not.ok(verifyPassword('secret', 'pbkdf2-sha256$100$00$00'));
  assert.not.ok(verifyPassword('secret', 'pbkdf2-sha256$9999999$' + '00'.repeat(16) + '$' + '00'.repeat(32)));
  fc.assert(fc.property(fc.string(), (s) => verifyPassword('x', s) === false), { numRuns: 200, seed: 1 });
});

test('new hashes use the count sized for ~100 ms on MT7621; older 512-iteration hashes still log in; a costlier paste is refused', () => {
  assert.match(hashPassword('pw', (b) => b.fill(1)), new RegExp(`^pbkdf2-sha256\\$${PASSWORD_ITERATIONS}\\$[0-9a-f]{32}\\$[0-9a-f]{64}$`));
  const older = hashPassword('pw', (b) => b.fill(2), 512);
  assert.ok(isPasswordHash(older) && verifyPassword('pw', older));
  assert.not.ok(isPasswordHash(`pbkdf2-sha256$4097$${'00'.repeat(16)}$${'00'.repeat(32)}`), 'a login would take ~20 s on the router');
});

test('sliced PBKDF2 matches RFC 7914 and noble\'s one-shot pbkdf2 for any slice size', () => {
  const rfc = new Pbkdf2Work('passwd', encodeUtf8('salt'), 1);
  assert.ok(rfc.step());
  assert.is(Array.from(rfc.result(), (b) => b.toString(16).padStart(2, '0')).join(''), '55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc');
  fc.assert(
    fc.property(fc.string({ maxLength: 20 }), fc.uint8Array({ minLength: 8, maxLength: 24 }), fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 50 }), (password, salt, c, slice) => {
      const work = new Pbkdf2Work(password, salt, c);
      let steps = 0;
      while (!work.step(slice)) steps++;
      assert.ok(steps <= Math.ceil(c / slice));
      assert.equal(Array.from(work.result()), Array.from(pbkdf2(sha256, encodeUtf8(password), salt, { c, dkLen: 32 })));
    }),
    { numRuns: 60, seed: 9 },
  );
});

test('a password check is done in slices and refuses malformed hashes at once', () => {
  const stored = hashPassword('pw', (b) => b.fill(3), 100);
  const check = new PasswordCheck('pw', stored);
  let slices = 0;
  while (!check.step(10)) slices++;
  assert.is(slices, 9);
  assert.ok(check.matches());
  const bad = new PasswordCheck('pw', 'not-a-hash');
  assert.ok(bad.step(1));
  assert.not.ok(bad.matches());
});

test.run();
