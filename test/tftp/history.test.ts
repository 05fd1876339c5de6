// What each phone fetched lately (the source of `show phones`' TFTP column): the last transfer of
// each name, how it ended and when, in progress ones first; not shown to a later holder of the address.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Bench, leaseFor, patternBytes, PERFECT } from './harness';
import { TftpTestClient } from './client';
import { TransferHistory } from '../../firmware/tftp/history';

const macHex = (l: { mac: Uint8Array }): string => Buffer.from(l.mac).toString('hex');

test('finished, failed and running transfers per client, newest first, one record per name', async () => {
  const b = new Bench(60, { ...PERFECT, latencyMs: 1 });
  const phone = leaseFor(1, 'yealink', { sip_server: '198.51.100.7' });
  b.leases.add(phone);
  b.net.addHost(phone.ip);
  b.store.putBytes('phone.bin', patternBytes(20_000));
  b.store.putBytes('big.bin', patternBytes(2_000_000));
  const c = new TftpTestClient(b.net, phone.ip);
  assert.equal(b.server.recentTransfers(phone.ip), []);
  for (const name of ['phone.bin', `${macHex(phone)}.cfg`, 'phone.bin']) {
    const r = c.read(name);
    assert.ok(await b.run(() => r.done, 60_000));
    assert.ok(r.ok, r.errorMessage);
  }
  await b.run(() => b.server.status().active.length === 0, 10_000);
  const done = b.server.recentTransfers(phone.ip);
  assert.equal(done.map((r) => [r.name, r.outcome]), [['phone.bin', 'complete'], [`${macHex(phone)}.cfg`, 'complete']], 'the second read of phone.bin replaced the first');
  assert.is(done[0].bytes, 20_000);
  assert.ok(done[0].endedAt !== undefined && done[0].endedAt <= b.now);

  const big = c.read('big.bin', { maxRetries: 1, timeoutMs: 200 });
  await b.run(() => b.server.status().active.some((t) => t.bytes > 100_000), 60_000);
  const running = b.server.recentTransfers(phone.ip)[0];
  assert.is(running.name, 'big.bin');
  assert.is(running.outcome, undefined);
  assert.is(running.size, 2_000_000);
  b.net.impairments.loss = 1; // the cable is pulled: the server gives up
  assert.ok(await b.run(() => b.server.status().active.length === 0, 120_000));
  assert.not.ok(big.ok);
  const failed = b.server.recentTransfers(phone.ip)[0];
  assert.equal([failed.name, failed.outcome], ['big.bin', 'timeout']);
  assert.ok(failed.bytes > 100_000 && failed.bytes < 2_000_000);

  // The address goes to another phone: what the first one fetched is not shown for it.
  b.leases.add({ ...leaseFor(1, 'yealink'), mac: Uint8Array.of(0x00, 0x15, 0x65, 0x99, 0x99, 0x99) });
  assert.equal(b.server.recentTransfers(phone.ip), []);
});

test('history is bounded: names per client and clients', () => {
  const h = new TransferHistory(2, 3);
  const rec = (name: string) => ({ kind: 'read' as const, name, startedAt: 0, endedAt: 1, outcome: 'complete' as const, bytes: 1, size: 1, mac: undefined });
  for (const name of ['a', 'b', 'c']) h.record(1, rec(name));
  assert.equal(h.of(1).map((r) => r.name), ['c', 'b']);
  for (let client = 2; client <= 4; client++) h.record(client, rec('x'));
  assert.equal(h.of(1), [], 'the least recently seen client went first');
  assert.is(h.of(4).length, 1);
});

test.run();
