// Option negotiation end to end on the virtual LAN: every option, its OACK and its effect.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { sha256 } from '@noble/hashes/sha2.js';
import { Bench, patternBytes, ROUTER_LAN_IP } from './harness';
import { TftpTestClient } from './client';
import { buildRequest, Opcode, parsePacket } from '../../firmware/wire/tftp';

const IMAGE = patternBytes(100_000);
const CLIENT = 0xc0a80164;

function bench(seed = 1): { b: Bench; c: TftpTestClient } {
  const b = new Bench(seed);
  b.store.putBytes('phone.bin', IMAGE);
  b.net.addHost(CLIENT);
  return { b, c: new TftpTestClient(b.net, CLIENT) };
}
const hex = (u: Uint8Array | undefined): string => (u ? Buffer.from(u).toString('hex') : 'none');

test('no options: plain RFC 1350, 512-byte blocks, no OACK', async () => {
  const { b, c } = bench();
  const r = c.read('phone.bin');
  assert.ok(await b.run(() => r.done, 60_000));
  assert.ok(r.ok, r.errorMessage);
  assert.is(r.oack, undefined);
  assert.is(r.bytes, IMAGE.length);
  assert.is(hex(r.sha256), hex(sha256(IMAGE)));
  assert.is(r.dataReceived, Math.floor(IMAGE.length / 512) + 1);
  assert.ok(await b.run(() => b.server.status().active.length === 0, 10_000));
  assert.is(b.server.status().totals.readsCompleted, 1);
  assert.is(b.net.routerPortsBound(), 1, 'the transfer port is closed, only 69 stays');
});

test('blksize: granted as asked, capped at LAN MTU - 32 (1468), refused outside 8-65464', async () => {
  for (const [asked, granted] of [['1024', '1024'], ['1468', '1468'], ['8192', '1468'], ['65464', '1468'], ['8', '8']]) {
    const { b, c } = bench();
    const r = c.read('phone.bin', { options: [{ name: 'blksize', value: asked }] });
    assert.ok(await b.run(() => r.done, 600_000));
    assert.ok(r.ok, `${asked}: ${r.errorMessage}`);
    assert.is(r.oack?.blksize, granted);
    assert.is(hex(r.sha256), hex(sha256(IMAGE)));
    assert.is(r.dataReceived, Math.floor(IMAGE.length / Number(granted)) + 1);
  }
  for (const bad of ['7', '65465', '0', 'abc', '-1', '']) {
    const { b, c } = bench();
    const r = c.read('phone.bin', { options: [{ name: 'blksize', value: bad }] });
    assert.ok(await b.run(() => r.done, 10_000));
    assert.is(r.errorCode, 8, `blksize '${bad}' must be refused with error 8`);
  }
});

test('tsize: the item size in octet; omitted for a store item in netascii', async () => {
  {
    const { b, c } = bench();
    const r = c.read('phone.bin', { options: [{ name: 'tsize', value: '0' }] });
    assert.ok(await b.run(() => r.done, 60_000));
    assert.is(r.oack?.tsize, String(IMAGE.length));
  }
  {
    const { b, c } = bench();
    const r = c.read('phone.bin', { mode: 'netascii', options: [{ name: 'tsize', value: '0' }, { name: 'blksize', value: '1024' }] });
    assert.ok(await b.run(() => r.done, 60_000));
    assert.ok(r.ok);
    assert.is(r.oack?.tsize, undefined);
    assert.is(r.oack?.blksize, '1024');
  }
});

test('timeout: echoed and used as the first retransmission timeout; 0, 256 and 3000 declined, the other options stand', async () => {
  const { b, c } = bench();
  // The client never ACKs the OACK: the server resends it after 3 s, then backs off.
  const sock = b.net.bindHost(CLIENT, 0, () => undefined);
  const seen: number[] = [];
  b.net.bindHost(CLIENT, 7000, () => seen.push(b.now));
  const raw = buildRequest(Opcode.RRQ, 'phone.bin', 'octet', [{ name: 'timeout', value: '3' }]);
  sock.close();
  const s7000 = { sendTo: (p: Uint8Array) => b.net['transmit']('h', 'lan', CLIENT, 7000, ROUTER_LAN_IP, 69, p, true) };
  s7000.sendTo(raw);
  await b.run(() => false, 60_000);
  assert.ok(seen.length >= 4, `OACK and its retransmissions: ${seen.length}`);
  const gaps = seen.slice(1).map((t, i) => Math.round(t - seen[i]));
  assert.equal(gaps.slice(0, 3), [3000, 6000, 8000], 'timeout 3 s, doubling, capped at 8 s');
  assert.is(b.server.status().active.length, 0, 'given up after the retry limit');
  assert.ok((b.server.status().errors['transfer:timeout'] ?? 0) === 1);
  for (const bad of ['0', '256', '3000']) {
    const { b: b2, c: c2 } = bench();
    const r = c2.read('phone.bin', { options: [{ name: 'timeout', value: bad }, { name: 'blksize', value: '1024' }] });
    assert.ok(await b2.run(() => r.done, 60_000));
    assert.ok(r.ok, `timeout ${bad}: ${r.errorMessage}`);
    assert.equal(r.oack, { blksize: '1024' }, `timeout ${bad} is left out of the OACK`);
    assert.is(hex(r.sha256), hex(sha256(IMAGE)));
  }
  void c;
});

test('windowsize: capped by configuration (16), refused at 0', async () => {
  const { b, c } = bench();
  const r = c.read('phone.bin', { options: [{ name: 'windowsize', value: '64' }] });
  assert.ok(await b.run(() => r.done, 60_000));
  assert.ok(r.ok);
  assert.is(r.oack?.windowsize, '16');
  assert.is(hex(r.sha256), hex(sha256(IMAGE)));
  const { b: b2, c: c2 } = bench();
  const r2 = c2.read('phone.bin', { options: [{ name: 'windowsize', value: '0' }] });
  assert.ok(await b2.run(() => r2.done, 10_000));
  assert.is(r2.errorCode, 8);
});

test('rollover: accepted as 0 or 1 and echoed; other values refused; unknown options ignored', async () => {
  const { b, c } = bench();
  const r = c.read('phone.bin', { options: [{ name: 'rollover', value: '1' }, { name: 'x-vendor', value: 'y' }, { name: 'multicast', value: '' }] });
  assert.ok(await b.run(() => r.done, 60_000));
  assert.ok(r.ok);
  assert.equal(r.oack, { rollover: '1' });
  const { b: b2, c: c2 } = bench();
  const r2 = c2.read('phone.bin', { options: [{ name: 'rollover', value: '2' }] });
  assert.ok(await b2.run(() => r2.done, 10_000));
  assert.is(r2.errorCode, 8);
  // Only unknown options: no OACK at all (RFC 2347), the transfer starts with DATA 1.
  const { b: b3, c: c3 } = bench();
  const r3 = c3.read('phone.bin', { options: [{ name: 'utimeout', value: '5000' }] });
  assert.ok(await b3.run(() => r3.done, 60_000));
  assert.ok(r3.ok);
  assert.is(r3.oack, undefined);
});

test('option names are case-insensitive; a duplicated option is refused with error 8', async () => {
  const { b, c } = bench();
  const r = c.read('phone.bin', { options: [{ name: 'BLKSIZE', value: '1024' }, { name: 'TSize', value: '0' }] });
  assert.ok(await b.run(() => r.done, 60_000));
  assert.ok(r.ok);
  assert.equal(r.oack, { blksize: '1024', tsize: String(IMAGE.length) });
  const { b: b2, c: c2 } = bench();
  const r2 = c2.read('phone.bin', { options: [{ name: 'blksize', value: '1024' }, { name: 'BlkSize', value: '512' }] });
  assert.ok(await b2.run(() => r2.done, 10_000));
  assert.is(r2.errorCode, 8);
});

test('all options together, windowed, byte-exact', async () => {
  const { b, c } = bench();
  const r = c.read('phone.bin', {
    options: [{ name: 'blksize', value: '1468' }, { name: 'tsize', value: '0' }, { name: 'timeout', value: '2' }, { name: 'windowsize', value: '8' }],
  });
  assert.ok(await b.run(() => r.done, 60_000));
  assert.ok(r.ok);
  assert.equal(r.oack, { blksize: '1468', tsize: String(IMAGE.length), timeout: '2', windowsize: '8' });
  assert.is(hex(r.sha256), hex(sha256(IMAGE)));
  assert.is(r.acksSent, 1 + Math.ceil((Math.floor(IMAGE.length / 1468) + 1) / 8));
});

void parsePacket;
test.run();
