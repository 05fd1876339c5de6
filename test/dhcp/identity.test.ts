// One MAC, one lease: a client is known by its hardware address (chaddr) whether or not it sends a
// client identifier (61), so a phone whose boot loader omits 61 and whose application sends it
// (or the other way round, or two different identifiers) keeps one address and one port block,
// and a lease an earlier firmware stored under the identifier is found under the MAC.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MessageType, Opt } from '../../firmware/wire/dhcp';
import { Harness, ip, testConfig } from './harness';
import { DhcpServer } from '../../firmware/dhcp/server';
import { TestClient, macOf, type Reply } from './client';
import { decodeShard, encodeMeta, encodeShard, META_KEY, shardKey, type BindingRecord } from '../../firmware/dhcp/lease-record';

const YEALINK = { vendorClass: 'yealink SIP-T46G' };
const K = 10; // Yealink blocks: 64 ports

function one(h: Harness, payload: Uint8Array, now: number, type: number, how = {}): Reply {
  const sent = h.send(payload, now, how);
  assert.is(sent.length, 1, `one reply expected, got ${sent.length}`);
  assert.is(sent[0].reply.type, type, `reply type ${sent[0].reply.type}`);
  return sent[0].reply;
}

function dora(h: Harness, client: TestClient, now: number): Reply {
  const offer = one(h, client.discover(), now, MessageType.OFFER);
  return one(h, client.select(offer), now + 10, MessageType.ACK);
}

const bootLoader = (n: number) => new TestClient(macOf(n), YEALINK);
const application = (n: number, id = Uint8Array.of(1, ...macOf(n))) => new TestClient(macOf(n), { ...YEALINK, clientId: id });

/** The second client of the same phone, in every state it may arrive in, gets the first one's lease. */
function sameLeaseForBoth(first: TestClient, second: TestClient): void {
  const h = new Harness();
  const ack = dora(h, first, 0);
  assert.ok(ack.portParams, 'a phone lease with a block');
  const blocksLeft = h.server.neverUsedBlocks(K);
  // INIT-REBOOT, RENEWING and REBINDING with the other form of identity: the same lease, ACKed.
  assert.is(one(h, second.initReboot(ack.yiaddr), 1000, MessageType.ACK).yiaddr, ack.yiaddr);
  assert.equal(one(h, second.renew(ack.yiaddr), 2000, MessageType.ACK, { broadcast: false, srcIp: ack.yiaddr }).portParams, ack.portParams);
  assert.equal(one(h, second.renew(ack.yiaddr), 3000, MessageType.ACK, { broadcast: true, srcIp: ack.yiaddr }).portParams, ack.portParams);
  // A fresh DORA (the application starting over): the same address and block are offered and bound.
  const again = dora(h, second, 4000);
  assert.is(again.yiaddr, ack.yiaddr, 'same address');
  assert.equal(again.portParams, ack.portParams, 'same port block');
  // And the first form still works afterwards (the phone reboots into its boot loader).
  assert.is(dora(h, first, 5000).yiaddr, ack.yiaddr);
  assert.is(h.server.leaseTable().length, 1, 'one lease for the MAC');
  assert.is(h.server.neverUsedBlocks(K), blocksLeft, 'no second block taken');
  assert.is(h.server.byPublicPort(ack.portParams!.psid * 64)?.ip, ack.yiaddr);
}

test('no option 61, then 61 (boot loader, then application): one lease, one block', () => {
  sameLeaseForBoth(bootLoader(1), application(1));
});

test('option 61, then none: one lease, one block', () => {
  sameLeaseForBoth(application(2), bootLoader(2));
});

test('two different identifiers from one MAC (RFC 4361 DUID after a type-1 id): one lease, one block', () => {
  const duid = Uint8Array.of(0xff, 0, 0, 0, 1, 0, 3, 0, 1, ...macOf(3));
  sameLeaseForBoth(application(3), application(3, duid));
});

test('option 61 is echoed (RFC 6842) but names no lease: the same identifier from another MAC does not get it', () => {
  const h = new Harness();
  const id = Uint8Array.of(1, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff);
  const ack = dora(h, new TestClient(macOf(4), { ...YEALINK, clientId: id }), 0);
  assert.equal(Array.from(ack.message.options.get(Opt.CLIENT_ID)!), Array.from(id));
  const other = new TestClient(macOf(5), { ...YEALINK, clientId: id });
  assert.equal(h.send(other.initReboot(ack.yiaddr), 100), [], 'unknown MAC: silent (RFC 2131 §4.3.2)');
  const offer = one(h, other.discover(), 200, MessageType.OFFER);
  assert.is.not(offer.yiaddr, ack.yiaddr, 'another MAC is another client');
});

test('one MAC asking as a phone, then as a guest: its offer counts once, as what it is now', () => {
  const h = new Harness(testConfig({ maxOutstandingOffers: 1 }));
  const offer = one(h, bootLoader(8).discover(), 0, MessageType.OFFER);
  assert.ok(offer.portParams);
  const asGuest = one(h, new TestClient(macOf(8), { vendorClass: 'udhcp 1.36.1' }).discover(), 100, MessageType.OFFER);
  assert.not.ok(asGuest.hasPortParams, 'a guest now: no block');
  // The phone offer cap (1) is free again: another phone is offered at once.
  one(h, bootLoader(9).discover(), 200, MessageType.OFFER);
  assert.is(h.counter('drop.offer-cap'), 0);
});

// ---- leases stored by an earlier firmware, which keyed a client by option 61 when it sent one

const PHONE_IP = ip('192.168.1.120');
const entry = (slot: number, key: string, n: number, overrides: Partial<BindingRecord> = {}): BindingRecord => ({
  slot, key, mac: macOf(n), ip: PHONE_IP, phoneClass: 'yealink', psidLength: K, psid: 300, released: false, ...overrides,
});
const hexOf = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
const idKey = (n: number) => `id:01${hexOf(macOf(n))}`;
const hwKey = (n: number) => `hw:${hexOf(macOf(n))}`;

function stored(entries: BindingRecord[]): Map<string, Uint8Array> {
  return new Map([[shardKey(0), encodeShard(0, entries)], [META_KEY, encodeMeta(1, new Uint8Array(512))]]);
}

test('a lease stored under option 61 is found under the MAC, kept in place and rewritten under the MAC', () => {
  const h = new Harness(undefined, 0, stored([entry(0, idKey(6), 6)]));
  assert.is(h.server.leaseTable().length, 1);
  // The boot loader (no 61) INIT-REBOOTs into it: same address, same block.
  const ack = one(h, bootLoader(6).initReboot(PHONE_IP), 1000, MessageType.ACK);
  assert.equal(ack.portParams, { offset: 0, psidLength: K, psid: 300 });
  const rewritten = decodeShard(h.records.get(shardKey(0))!) as { entries: BindingRecord[] };
  assert.equal(rewritten.entries.map((e) => [e.slot, e.key, e.ip, e.psid]), [[0, hwKey(6), PHONE_IP, 300]], 'same slot, the MAC key');
  // After another restart from the rewritten table, the application (61) finds it too.
  const after = new Harness(undefined, 0, new Map(h.records));
  assert.equal(one(after, application(6).initReboot(PHONE_IP), 1000, MessageType.ACK).portParams, ack.portParams);
});

test('two stored leases of one MAC (the old defect): the one under option 61 is kept, the other block rests and frees', () => {
  const other = ip('192.168.1.121');
  const records = stored([entry(0, hwKey(7), 7, { ip: other, psid: 301 }), entry(1, idKey(7), 7)]);
  const { loaded, skipped } = new DhcpServer(testConfig()).restore((key) => records.get(key), 0);
  assert.is(loaded, 1);
  assert.equal(skipped, [`${hwKey(7)}: second lease of 00:15:65:00:00:07 (192.168.1.121, ports 19264-19327) dropped, one lease per MAC (kept ${idKey(7)})`]);
  const h = new Harness(undefined, 0, records);
  assert.is(h.server.leaseTable().length, 1, 'one lease for the MAC');
  assert.is(h.server.byIp(PHONE_IP)?.block?.psid, 300, 'the application lease (61) is the one kept');
  assert.is(h.server.byIp(other), undefined, "the boot loader's address is free");
  assert.is(h.server.byPublicPort(301 * 64), undefined, 'its block is nobody’s');
  assert.is(one(h, bootLoader(7).initReboot(PHONE_IP), 1000, MessageType.ACK).portParams?.psid, 300);
  assert.equal(one(h, bootLoader(7).initReboot(other), 1100, MessageType.NAK).yiaddr, 0, 'the other address is not its own any more');
  const rewritten = decodeShard(h.records.get(shardKey(0))!) as { entries: BindingRecord[] };
  assert.equal(rewritten.entries.map((e) => [e.slot, e.key, e.psid]), [[1, hwKey(7), 300]], 'the dropped entry is gone from flash');
});

test.run();
