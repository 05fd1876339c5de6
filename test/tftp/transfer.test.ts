// Read transfers on the virtual LAN under loss, duplication and reordering; Sorcerer's Apprentice;
// rollover with a 40 MiB image; windowing; netascii; only-LAN; TIDs; concurrency caps.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { sha256 } from '@noble/hashes/sha2.js';
import { Bench, PERFECT, patternBytes, patternByte, fillPattern, ROUTER_LAN_IP, ROUTER_WAN_IP } from './harness';
import { TftpTestClient, type TransferResult } from './client';
import { buildAck, buildRequest, parsePacket, Opcode } from '../../firmware/wire/tftp';

const CLIENT = 0xc0a80164;
const hex = (u: Uint8Array | undefined): string => (u ? Buffer.from(u).toString('hex') : 'none');

test('5% loss, 5% duplication and reordering: byte-exact, lock-step and windowed, several seeds', async () => {
  const image = patternBytes(300_000);
  const want = hex(sha256(image));
  for (const seed of [1, 2, 3]) {
    for (const windowsize of ['1', '8']) {
      const b = new Bench(seed, { latencyMs: 1, loss: 0.05, duplicate: 0.05, reorder: 0.1, reorderMs: 5, rateBps: 0 });
      b.store.putBytes('phone.bin', image);
      b.net.addHost(CLIENT);
      const r = new TftpTestClient(b.net, CLIENT).read('phone.bin', {
        options: [{ name: 'blksize', value: '1468' }, { name: 'windowsize', value: windowsize }],
      });
      assert.ok(await b.run(() => r.done, 600_000), `seed ${seed} ws ${windowsize} did not finish`);
      assert.ok(r.ok, `seed ${seed} ws ${windowsize}: ${r.errorMessage}`);
      assert.is(hex(r.sha256), want, `seed ${seed} ws ${windowsize}`);
      assert.ok(b.net.stats.lost > 0 && b.net.stats.duplicated > 0);
    }
  }
});

test("Sorcerer's Apprentice: delayed duplicate ACKs never make the server send a window twice", async () => {
  // ACKs (and DATA) are sometimes delayed past the server's 1 s timeout, and the client re-ACKs
  // every duplicate DATA like a classic RFC 1350 client: the recipe for SAS on a non-compliant server.
  const image = patternBytes(200_000);
  const b = new Bench(9, { latencyMs: 2, loss: 0, duplicate: 0.1, reorder: 0.03, reorderMs: 1500, rateBps: 0 });
  b.store.putBytes('phone.bin', image);
  b.net.addHost(CLIENT);
  let dataFromServer = 0;
  b.net.tap = (fromRouter, srcPort, payload) => {
    if (fromRouter && srcPort !== 69 && payload[1] === Opcode.DATA) dataFromServer++;
  };
  const r = new TftpTestClient(b.net, CLIENT).read('phone.bin', { reAckDuplicates: true, options: [{ name: 'timeout', value: '1' }] });
  assert.ok(await b.run(() => r.done && b.server.status().active.length === 0, 600_000));
  assert.ok(r.ok, r.errorMessage);
  assert.is(hex(r.sha256), hex(sha256(image)));
  const totals = b.server.status().totals;
  const blocks = Math.floor(image.length / 512) + 1;
  assert.ok(totals.duplicateAcks > 20, `duplicate ACKs seen: ${totals.duplicateAcks}`);
  // Every DATA beyond one per block is a timeout retransmission, never an answer to a duplicate ACK.
  assert.is(dataFromServer, blocks + totals.retransmits);
  assert.ok(totals.retransmits < blocks / 10, `retransmits ${totals.retransmits}`);
});

test('a port that refuses sends for 3 s: the transfer waits, polls less and less often, then finishes byte-exact', async () => {
  const image = patternBytes(400_000);
  const b = new Bench(4, { ...PERFECT, latencyMs: 1 });
  b.store.putBytes('phone.bin', image);
  b.net.addHost(CLIENT);
  const r = new TftpTestClient(b.net, CLIENT).read('phone.bin', {
    options: [{ name: 'blksize', value: '1468' }, { name: 'windowsize', value: '8' }],
  });
  const start = b.net.scheduler.now();
  b.net.routerPortRefuses = (now) => now >= start + 20 && now < start + 3020;
  assert.ok(await b.run(() => r.done, 60_000), 'did not finish');
  assert.ok(r.ok, r.errorMessage);
  assert.is(hex(r.sha256), hex(sha256(image)));
  // 3000 ms of refusals: polled every 1, 2, 4 ... 64 ms (plus the retransmission timer), not every ms.
  assert.ok(b.net.stats.refused > 5 && b.net.stats.refused < 100, `${b.net.stats.refused} refused sends`);
  assert.ok((r.finishedAt ?? Infinity) < start + 3020 + 2000, `finished ${(r.finishedAt ?? 0) - start} ms after the start`);
});

test('rollover: a 40 MiB image at 512-byte blocks (81921 blocks) wraps to 0 and arrives byte-exact', async () => {
  const size = 40 * 1024 * 1024;
  const b = new Bench(4);
  b.store.putSynthetic('big.bin', size, fillPattern);
  b.net.addHost(CLIENT);
  let mismatches = 0;
  const r = new TftpTestClient(b.net, CLIENT).read('big.bin', {
    hash: false,
    sink: (bytes, offset) => {
      for (let i = 0; i < bytes.length; i++) if (bytes[i] !== patternByte(offset + i)) mismatches++;
    },
  });
  let sawWrapToZero = false;
  b.net.tap = (fromRouter, srcPort, p) => {
    if (fromRouter && srcPort !== 69 && p[1] === Opcode.DATA && p[2] === 0 && p[3] === 0) sawWrapToZero = true;
  };
  assert.ok(await b.run(() => r.done, 10_000_000));
  assert.ok(r.ok, r.errorMessage);
  assert.is(r.bytes, size);
  assert.is(mismatches, 0);
  assert.is(r.dataReceived, size / 512 + 1);
  assert.ok(sawWrapToZero, 'block 65536 went out as block 0');
  assert.ok(b.store.readCalls > 1000, 'read from the store block by block');
});

test('rollover option 1: the server wraps to 1 when the client asks', async () => {
  const size = 512 * 65540 + 100;
  const b = new Bench(5);
  b.store.putSynthetic('big.bin', size, fillPattern);
  b.net.addHost(CLIENT);
  let mismatches = 0;
  const r = new TftpTestClient(b.net, CLIENT).read('big.bin', {
    hash: false,
    options: [{ name: 'rollover', value: '1' }],
    sink: (bytes, offset) => {
      for (let i = 0; i < bytes.length; i++) if (bytes[i] !== patternByte(offset + i)) mismatches++;
    },
  });
  let zeroBlocks = 0;
  b.net.tap = (fromRouter, srcPort, p) => {
    if (fromRouter && srcPort !== 69 && p[1] === Opcode.DATA && p[2] === 0 && p[3] === 0) zeroBlocks++;
  };
  assert.ok(await b.run(() => r.done, 10_000_000));
  assert.ok(r.ok, r.errorMessage);
  assert.is(r.oack?.rollover, '1');
  assert.is(r.bytes, size);
  assert.is(mismatches, 0);
  assert.is(zeroBlocks, 0, 'no DATA block 0 with rollover 1');
});

test('windowsize 16 finishes in far fewer round trips (and far less time) than windowsize 1', async () => {
  const image = patternBytes(2 * 1024 * 1024);
  const results: { acks: number; ms: number }[] = [];
  for (const ws of ['1', '16']) {
    const b = new Bench(6, { ...PERFECT, latencyMs: 1 });
    b.store.putBytes('phone.bin', image);
    b.net.addHost(CLIENT);
    const r = new TftpTestClient(b.net, CLIENT).read('phone.bin', { options: [{ name: 'blksize', value: '1468' }, { name: 'windowsize', value: ws }] });
    assert.ok(await b.run(() => r.done, 600_000));
    assert.ok(r.ok);
    assert.is(hex(r.sha256), hex(sha256(image)));
    results.push({ acks: r.acksSent, ms: (r.finishedAt as number) - r.startedAt });
  }
  const [one, sixteen] = results;
  assert.ok(sixteen.acks * 12 < one.acks, `ACKs: ws1 ${one.acks}, ws16 ${sixteen.acks}`);
  assert.ok(sixteen.ms * 8 < one.ms, `time: ws1 ${one.ms} ms, ws16 ${sixteen.ms} ms`);
});

test('netascii: LF -> CR LF and CR -> CR NUL, including pairs split at a block edge', async () => {
  // 511 'a' then LF: the CR is the last byte of block 1 and its LF starts block 2. Then a CR at 1023.
  const raw = new Uint8Array(2000).fill(0x61);
  raw[511] = 10;
  raw[1022] = 13;
  raw[1500] = 13;
  raw[1501] = 10;
  raw[1999] = 13;
  const b = new Bench(7);
  b.store.putBytes('notes.txt', raw);
  b.net.addHost(CLIENT);
  const blocks: Uint8Array[] = [];
  b.net.tap = (fromRouter, srcPort, p) => {
    if (fromRouter && srcPort !== 69 && p[1] === Opcode.DATA) blocks.push(p.slice(4));
  };
  const r = new TftpTestClient(b.net, CLIENT).read('notes.txt', { mode: 'netascii', keep: true });
  assert.ok(await b.run(() => r.done, 60_000));
  assert.ok(r.ok);
  const onWire = new Uint8Array(blocks.reduce((n, x) => n + x.length, 0));
  let at = 0;
  for (const x of blocks) (onWire.set(x, at), (at += x.length));
  assert.is(onWire.length, 2000 + 5);
  assert.is(onWire[511], 13);
  assert.is(onWire[512], 10, 'the LF of a pair split at the block edge is not lost');
  assert.equal([...onWire.subarray(1023, 1025)], [13, 0], 'bare CR becomes CR NUL');
  assert.equal([...onWire.subarray(onWire.length - 2)], [13, 0]);
  assert.is(hex(r.data), hex(raw), 'decoded back to the original');
});

test('only the LAN: a request arriving on the WAN port is never answered', async () => {
  const b = new Bench(8);
  b.store.putBytes('phone.bin', patternBytes(1000));
  const wanHost = 0xcb007102;
  b.net.addHost(wanHost, 'wan');
  const replies: Uint8Array[] = [];
  const s = b.net.bindHost(wanHost, 4000, (d) => replies.push(d.payload));
  s.sendTo(ROUTER_WAN_IP, 69, buildRequest(Opcode.RRQ, 'phone.bin', 'octet'));
  s.sendTo(ROUTER_LAN_IP, 69, buildRequest(Opcode.RRQ, 'phone.bin', 'octet'));
  await b.run(() => false, 10_000);
  assert.is(replies.length, 0);
  assert.is(b.server.status().totals.requests, 0);
});

test('a packet from a stranger on the transfer port gets error 5 and the transfer carries on', async () => {
  const image = patternBytes(50_000);
  const b = new Bench(10, { ...PERFECT, latencyMs: 1 });
  b.store.putBytes('phone.bin', image);
  b.net.addHost(CLIENT);
  const stranger = 0xc0a80199;
  b.net.addHost(stranger);
  const strangerGot: number[] = [];
  const s = b.net.bindHost(stranger, 5555, (d) => {
    const p = parsePacket(d.payload);
    if (p.ok && p.packet.op === Opcode.ERROR) strangerGot.push(p.packet.code);
  });
  const r = new TftpTestClient(b.net, CLIENT).read('phone.bin');
  await b.run(() => r.serverPort !== undefined, 1000);
  s.sendTo(ROUTER_LAN_IP, r.serverPort as number, buildAck(5));
  assert.ok(await b.run(() => r.done, 60_000));
  assert.ok(r.ok);
  assert.is(hex(r.sha256), hex(sha256(image)));
  assert.equal(strangerGot, [5]);
});

test('200 concurrent transfers run at once; the global and per-client caps refuse with a clear error', async () => {
  const image = patternBytes(64 * 1024);
  const b = new Bench(11, { ...PERFECT, latencyMs: 1 });
  b.store.putBytes('phone.bin', image);
  const results: TransferResult[] = [];
  for (let i = 0; i < 220; i++) {
    const ip = 0x0a000000 + i; // 10.0.0.x: many clients
    b.net.addHost(ip);
    results.push(new TftpTestClient(b.net, ip).read('phone.bin'));
  }
  let peakActive = 0;
  assert.ok(await b.run(() => {
    peakActive = Math.max(peakActive, b.server.status().active.length);
    return results.every((r) => r.done);
  }, 600_000));
  assert.ok(peakActive >= 200, `peak ${peakActive}`);
  assert.ok(results.every((r) => r.ok && hex(r.sha256) === hex(sha256(image))));
  // Caps: a small global cap, and 4 per client.
  const small = new Bench(12, { ...PERFECT, latencyMs: 1 }, { limits: { maxTransfers: 3 } });
  small.store.putBytes('phone.bin', image);
  const rs: TransferResult[] = [];
  for (let i = 0; i < 5; i++) {
    small.net.addHost(0x0a000100 + i);
    rs.push(new TftpTestClient(small.net, 0x0a000100 + i).read('phone.bin'));
  }
  assert.ok(await small.run(() => rs.every((r) => r.done), 600_000));
  const refused = rs.filter((r) => !r.ok);
  assert.is(refused.length, 2);
  assert.ok(refused.every((r) => r.errorCode === 0 && /server busy/.test(r.errorMessage ?? '')));
  const per = new Bench(13, { ...PERFECT, latencyMs: 1 });
  per.store.putBytes('phone.bin', image);
  per.net.addHost(CLIENT);
  const c = new TftpTestClient(per.net, CLIENT);
  const mine = [0, 1, 2, 3, 4].map(() => c.read('phone.bin'));
  assert.ok(await per.run(() => mine.every((r) => r.done), 600_000));
  const perRefused = mine.filter((r) => !r.ok);
  assert.is(perRefused.length, 1);
  assert.match(perRefused[0].errorMessage ?? '', /too many transfers from this address/);
  assert.is(per.server.status().errors['busy-client'], 1);
});

test('a repeated RRQ (our first answer was slow) does not start a second transfer', async () => {
  const b = new Bench(14, { ...PERFECT, latencyMs: 1 });
  b.store.putBytes('phone.bin', patternBytes(5000));
  b.net.addHost(CLIENT);
  const got: Uint8Array[] = [];
  const s = b.net.bindHost(CLIENT, 6000, (d) => got.push(d.payload));
  const rrq = buildRequest(Opcode.RRQ, 'phone.bin', 'octet');
  s.sendTo(ROUTER_LAN_IP, 69, rrq);
  s.sendTo(ROUTER_LAN_IP, 69, rrq);
  await b.run(() => false, 100);
  assert.is(b.server.status().active.length, 1);
  assert.is(b.server.status().errors['duplicate-request'], 1);
});

test.run();
