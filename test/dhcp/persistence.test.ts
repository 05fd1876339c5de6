// The lease database on flash: record format round trips and refuses damage (magic, version,
// byte order, length, CRC), a 20,000-mutation fuzz of the decoder, restore after a reboot, a
// torn write, group commit, and ACK-after-durable.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Rng } from '../../hal/sim/random';
import {
  decodeMeta, decodeShard, encodeMeta, encodeShard, RecordError, META_KEY, shardKey, type BindingRecord,
} from '../../firmware/dhcp/lease-record';
import { MessageType } from '../../firmware/wire/dhcp';
import { Harness, testConfig } from './harness';
import { TestClient, macOf, type Reply } from './client';

const entry = (slot: number, overrides: Partial<BindingRecord> = {}): BindingRecord => ({
  slot, key: `hw:00156500000${slot % 10}`, mac: macOf(slot), ip: 0xc0a80164 + slot, phoneClass: 'yealink',
  psidLength: 10, psid: 256 + slot, released: false, ...overrides,
});

test('shard and meta records round trip and state their byte order', () => {
  const entries = [entry(16), entry(17, { phoneClass: undefined, psidLength: 0, psid: 0 }), entry(31, { ip: 0 })];
  const bytes = encodeShard(1, entries);
  assert.equal(Array.from(bytes.subarray(0, 6)), [0x50, 0x42, 0x4c, 0x45, 1, 0x42], "'PBLE', version 1, 'B' = big-endian");
  const decoded = decodeShard(bytes);
  assert.ok(typeof decoded !== 'string');
  if (typeof decoded === 'string') return;
  assert.is(decoded.shard, 1);
  assert.equal(decoded.entries.map((e) => ({ ...e, mac: Array.from(e.mac) })), entries.map((e) => ({ ...e, mac: Array.from(e.mac) })));
  const bitmap = new Uint8Array(512).fill(0x0f);
  const meta = decodeMeta(encodeMeta(3, bitmap));
  assert.ok(typeof meta !== 'string' && meta.shardCount === 3 && meta.everUsed[0] === 0x0f);
});

test('damaged records are refused with a reason', () => {
  const bytes = encodeShard(0, [entry(0)]);
  const mutated = (at: number, value: number) => {
    const copy = bytes.slice();
    copy[at] = value;
    return decodeShard(copy);
  };
  assert.is(mutated(0, 0), RecordError.BAD_MAGIC);
  assert.is(mutated(4, 2), RecordError.BAD_VERSION);
  assert.is(mutated(5, 0x4c), RecordError.BAD_BYTE_ORDER);
  assert.is(mutated(13, 99), RecordError.BAD_LENGTH);
  assert.is(mutated(bytes.length - 1, 0xee), RecordError.BAD_CRC);
  assert.is(decodeShard(bytes.subarray(0, 10)), RecordError.TRUNCATED);
  assert.is(decodeShard(bytes.subarray(0, bytes.length - 1)), RecordError.BAD_LENGTH);
});

test('fuzz: 20,000 mutated lease records never throw', () => {
  const rng = new Rng(11);
  const seed = encodeShard(0, Array.from({ length: 16 }, (_, i) => entry(i)));
  let accepted = 0;
  for (let i = 0; i < 20_000; i++) {
    const bytes = seed.slice(0, rng.chance(0.2) ? rng.int(seed.length) : seed.length);
    for (let f = 0; f <= rng.int(4); f++) if (bytes.length) bytes[rng.int(bytes.length)] = rng.int(256);
    // Half the mutants get a fixed-up length and CRC so the entry parser itself is exercised.
    if (rng.chance(0.5) && bytes.length >= 18) {
      const payload = bytes.length - 18;
      bytes.set([payload >>> 24, (payload >>> 16) & 255, (payload >>> 8) & 255, payload & 255], 10);
      bytes.set([0x50, 0x42, 0x4c, 0x45, 1, 0x42], 0);
      const fixed = encodeShardCrc(bytes);
      bytes.set(fixed, 14);
    }
    const result = decodeShard(bytes);
    if (typeof result !== 'string') {
      accepted++;
      for (const e of result.entries) assert.ok(e.slot < 16 * 65536 && e.psidLength <= 16);
    }
  }
  assert.ok(accepted > 100, `some mutants still decode (${accepted})`);
});

import { crc32 } from '../../firmware/util/crc32';
function encodeShardCrc(bytes: Uint8Array): number[] {
  const c = crc32(bytes, 18, bytes.length);
  return [c >>> 24, (c >>> 16) & 255, (c >>> 8) & 255, c & 255];
}

function bindPhones(h: Harness, count: number, now: number, from = 0): Reply[] {
  const acks: Reply[] = [];
  for (let i = from; i < from + count; i++) {
    const phone = new TestClient(macOf(i), { vendorClass: i % 2 ? 'yealink' : new Uint8Array([0, 0, 0x36, 0x3d, 0]) }, i);
    const offer = h.send(phone.discover(), now)[0].reply;
    acks.push(h.send(phone.select(offer), now)[0].reply);
  }
  return acks;
}

test('restore after a reboot: every ACKed binding with its address and block, and INIT-REBOOT gets them', () => {
  const h = new Harness();
  const acks = bindPhones(h, 40, 1000);
  assert.ok(acks.every((a) => a.type === MessageType.ACK));
  const after = new Harness(testConfig(), 0, h.records);
  assert.is(after.server.status().leases.bound, 40);
  for (let i = 0; i < 40; i++) {
    const phone = new TestClient(macOf(i), { vendorClass: i % 2 ? 'yealink' : new Uint8Array([0, 0, 0x36, 0x3d, 0]) }, 1000 + i);
    const again = after.send(phone.initReboot(acks[i].yiaddr), 500)[0].reply;
    assert.is(again.type, MessageType.ACK);
    assert.is(again.yiaddr, acks[i].yiaddr);
    assert.equal(again.portParams, acks[i].portParams);
  }
  // A new phone after the reboot never gets a restored block or address.
  const newcomer = bindPhones(after, 1, 600, 1000)[0];
  assert.is(newcomer.type, MessageType.ACK);
  assert.not.ok(acks.some((a) => a.yiaddr === newcomer.yiaddr));
  assert.not.ok(acks.some((a) => a.portParams!.psid === newcomer.portParams!.psid && a.portParams!.psidLength === newcomer.portParams!.psidLength));
});

test('a damaged shard is skipped and reported; the others still load', () => {
  const h = new Harness();
  bindPhones(h, 40, 0);
  const records = new Map(h.records);
  const bad = records.get(shardKey(1))!.slice();
  bad[bad.length - 3] ^= 0xff;
  records.set(shardKey(1), bad);
  const after = new Harness(testConfig(), 0, records);
  assert.is(after.server.status().leases.bound, 24);
  assert.ok(records.has(META_KEY));
});

test('no ACK before the write is durable; a write cut by power loss leaves the old state, and the phone is safe', () => {
  const h = new Harness();
  h.autoPersist = false;
  const phone = new TestClient(macOf(1), { vendorClass: 'yealink' });
  const offer = h.send(phone.discover(), 0)[0].reply;
  assert.equal(h.send(phone.select(offer), 10), []);
  // Power is cut before the write completes: no ACK was ever sent, nothing on flash.
  const after = new Harness(testConfig(), 0, h.records);
  assert.is(after.server.status().leases.known, 0);
  // The phone never got an ACK, so it retries from INIT: a normal DORA.
  const again = after.send(phone.discover(), 100);
  assert.is(again[0].reply.type, MessageType.OFFER);
});

test('group commit: bindings made while a write is in flight share the next write', () => {
  const h = new Harness();
  h.autoPersist = false;
  const phones = Array.from({ length: 10 }, (_, i) => new TestClient(macOf(i), { vendorClass: 'yealink' }, i));
  const offers = phones.map((p) => h.send(p.discover(), 0)[0].reply);
  h.send(phones[0].select(offers[0]), 1);
  assert.is(h.pendingPersist.length, 1);
  for (let i = 1; i < 10; i++) assert.equal(h.send(phones[i].select(offers[i]), 2), []);
  assert.is(h.pendingPersist.length, 1, 'one write in flight at a time');
  const first = h.completePersist(3);
  assert.is(first.length, 1, "phone 0's ACK");
  assert.is(h.pendingPersist.length, 1, 'the nine others in one follow-up write');
  const rest = h.completePersist(4);
  assert.is(rest.length, 9);
  assert.ok(rest.every((s) => s.reply.type === MessageType.ACK));
});

test('a failed write is logged and the ACK still goes out (availability first)', () => {
  const h = new Harness();
  h.autoPersist = false;
  const phone = new TestClient(macOf(1), { vendorClass: 'yealink' });
  const offer = h.send(phone.discover(), 0)[0].reply;
  h.send(phone.select(offer), 1);
  const sent = h.completePersist(2, false);
  assert.is(sent[0].reply.type, MessageType.ACK);
  assert.ok(h.logs.some((line) => /write failed/.test(line)));
});

test.run();
