// Request names: traversal attempts and malformed names fail cleanly with error 1 or 2, and no
// refused name ever reaches the store.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { checkName } from '../../firmware/tftp/names';
import { Bench, patternBytes, ROUTER_LAN_IP } from './harness';
import { TftpTestClient } from './client';
import { Opcode, parsePacket } from '../../firmware/wire/tftp';

const CLIENT = 0xc0a80164;

test('checkName: one leading slash ignored; traversal, backslashes, control bytes and overlong names refused', () => {
  assert.equal(checkName('/phone.bin'), { ok: true, name: 'phone.bin' });
  assert.equal(checkName('images/phone.bin'), { ok: true, name: 'images/phone.bin' });
  for (const bad of ['../x', '/../../x', '..\\x', 'a/../b', 'a/./b', '//etc/passwd', '', '/', 'a//b', 'x'.repeat(129), 'a\tb', 'caf\u00e9', 'template:cisco', 'TEMPLATE:yealink', 'a/..']) {
    const r = checkName(bad);
    assert.ok(!r.ok, `must refuse ${JSON.stringify(bad)}`);
    if (!r.ok) assert.ok(r.code === 1 || r.code === 2);
  }
});

test('checkName never accepts a name with a dot-dot segment or a backslash (property)', () => {
  fc.assert(
    fc.property(fc.array(fc.constantFrom('..', '.', 'a', 'b', '', '\\', '%2e%2e', 'x.y'), { maxLength: 8 }), fc.boolean(), (parts, lead) => {
      const name = (lead ? '/' : '') + parts.join('/');
      const r = checkName(name);
      if (r.ok) {
        assert.not.ok(r.name.split('/').includes('..'));
        assert.not.ok(r.name.includes('\\'));
        assert.not.ok(r.name.startsWith('/'));
      }
    }),
    { numRuns: 2000, seed: 3 },
  );
});

test('traversal attempts from a client fail with error 1 or 2 and never reach the store', async () => {
  const b = new Bench(20);
  b.store.putBytes('phone.bin', patternBytes(1000));
  b.store.putBytes('template:cisco', new Uint8Array(10));
  const opened: string[] = [];
  const realOpen = b.store.open.bind(b.store);
  b.store.open = (name: string) => {
    opened.push(name);
    return realOpen(name);
  };
  b.net.addHost(CLIENT);
  const c = new TftpTestClient(b.net, CLIENT);
  const attempts = ['../x', '/../../x', '..\\x', '..\\..\\windows\\win.ini', 'x'.repeat(300), 'a/../phone.bin', '', 'template:cisco', 'nope.bin'];
  for (const name of attempts) {
    const r = c.read(name);
    assert.ok(await b.run(() => r.done, 10_000), name);
    assert.not.ok(r.ok, name);
    assert.ok(r.errorCode === 1 || r.errorCode === 2, `${name}: code ${r.errorCode}`);
  }
  assert.equal(opened, ['nope.bin'], 'only the well-formed missing name was looked up');
  const errors = b.server.status().errors;
  assert.ok(errors['name:dot-segment'] >= 2 && errors['name:backslash'] >= 2 && errors['not-found'] === 1);
});

test('a name with a NUL inside, or raw junk after port 69, gets an error, never a crash', async () => {
  const b = new Bench(21);
  b.store.putBytes('phone.bin', patternBytes(1000));
  b.net.addHost(CLIENT);
  const replies: number[] = [];
  const s = b.net.bindHost(CLIENT, 7001, (d) => {
    const p = parsePacket(d.payload);
    if (p.ok && p.packet.op === Opcode.ERROR) replies.push(p.packet.code);
  });
  const enc = (t: string): number[] => [...t].map((ch) => ch.charCodeAt(0));
  // "phone.bin\0../etc\0octet\0": the name ends at the first NUL and "../etc" is not a mode.
  s.sendTo(ROUTER_LAN_IP, 69, Uint8Array.from([0, 1, ...enc('phone.bin'), 0, ...enc('../etc'), 0, ...enc('octet'), 0]));
  s.sendTo(ROUTER_LAN_IP, 69, Uint8Array.from([0, 1, ...enc('phone.bin')]));
  s.sendTo(ROUTER_LAN_IP, 69, Uint8Array.from([0, 1, ...enc('x'.repeat(400)), 0, ...enc('octet'), 0]));
  await b.run(() => false, 5000);
  assert.equal(replies, [4, 4, 1]);
  // Fuzz: random datagrams at port 69 never throw and never leave a transfer behind.
  const rng = b.net.rng;
  for (let i = 0; i < 3000; i++) {
    const n = rng.int(80);
    const junk = new Uint8Array(n);
    rng.fill(junk);
    if (n >= 2 && rng.chance(0.7)) (junk[0] = 0), (junk[1] = 1 + rng.int(2));
    s.sendTo(ROUTER_LAN_IP, 69, junk);
  }
  await b.run(() => false, 200_000);
  assert.is(b.server.status().active.length, 0);
});

test.run();
