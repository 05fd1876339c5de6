// Every path of the RFC 2131 server state machine, as scripts at exact virtual times: DORA,
// SELECTING for another server, INIT-REBOOT (right, wrong, unknown, wrong network), RENEWING,
// REBINDING, DECLINE, RELEASE, INFORM, offer lapse, lease expiry, reservations, reply addressing.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MessageType, FLAG_BROADCAST } from '../../firmware/wire/dhcp';
import { Harness, ROUTER_IP, ip, testConfig, type Sent } from './harness';
import { TestClient, macOf, type Reply } from './client';
import type { LeaseEvent } from '../../firmware/dhcp/types';
import { ipToString } from '../../firmware/util/ipv4';

const YEALINK = { vendorClass: 'yealink SIP-T46G 28.83.0.50' };

function only(sent: Sent[], type: number): Sent {
  assert.is(sent.length, 1, `exactly one reply expected, got ${sent.map((s) => s.reply.type).join(',')}`);
  assert.is(sent[0].reply.type, type);
  return sent[0];
}

/** Full DORA; returns the ACK. */
function dora(h: Harness, client: TestClient, now: number): Reply {
  const offer = only(h.send(client.discover(), now), MessageType.OFFER).reply;
  return only(h.send(client.select(offer), now + 10), MessageType.ACK).reply;
}

test('DORA: a phone is probed, offered, and ACKed only once its binding is on flash', () => {
  const h = new Harness();
  const phone = new TestClient(macOf(1), YEALINK);
  const offer = only(h.send(phone.discover(), 1000), MessageType.OFFER);
  assert.equal(h.probes, [ip('192.168.1.100')], 'a never-used address is probed first');
  const r = offer.reply;
  assert.is(r.yiaddr, ip('192.168.1.100'));
  assert.is(r.serverId, ROUTER_IP);
  assert.is(r.leaseSeconds, 3600);
  assert.is(r.t1, 1800);
  assert.is(r.t2, 3150);
  assert.is(r.mask, 0xffffff00);
  assert.equal(r.routers, [ROUTER_IP]);
  assert.is(r.dns, undefined, 'dhcp.dns none: no DNS server is named');
  assert.is(r.tftpName, '192.168.1.1');
  assert.equal(r.tftpServers, [ROUTER_IP]);
  assert.is(r.bootFile, 'y000000000000.cfg');
  assert.is(r.file, 'y000000000000.cfg', 'BOOTP file field filled too');
  assert.is(r.siaddr, ROUTER_IP);
  // Yealink k = 10: the first block above the reserved 1024-16383 is PSID 256 (16384-16447).
  assert.equal(r.portParams, { offset: 0, psidLength: 10, psid: 256 });
  assert.equal(offer.to, { mac: '00:15:65:00:00:01', ip: ip('192.168.1.100') }, 'no broadcast bit: unicast to yiaddr at chaddr');
  // Options follow the parameter request list order (1 3 6 51 54 66 67 150 159) after 53/54/51.
  assert.equal(r.order.slice(0, 6), [53, 54, 51, 58, 59, 1]);
  assert.ok(r.order.indexOf(66) < r.order.indexOf(67) && r.order.indexOf(150) < r.order.indexOf(159));

  h.autoPersist = false;
  const held = h.send(phone.select(r), 1010);
  assert.equal(held, [], 'no ACK before the write completes');
  assert.is(h.pendingPersist.length, 1);
  const ack = only(h.completePersist(1020), MessageType.ACK).reply;
  assert.is(ack.yiaddr, ip('192.168.1.100'));
  assert.equal(ack.portParams, r.portParams);
  const lease = h.server.byIp(ip('192.168.1.100'))!;
  assert.is(lease.phoneClass, 'yealink');
  assert.is(lease.provisioningName, '{mac}.cfg', "the class's provisioning-file pattern, for TFTP");
  assert.equal(lease.block, { first: 16384, last: 16447, psidLength: 10, psid: 256 });
  assert.is(lease.expiresAt, 1020 + 3600_000);
  assert.is(h.server.byPublicPort(16400)?.ip, ip('192.168.1.100'));
  assert.is(h.server.byPublicPort(16448), undefined);
});

test('the broadcast flag is honoured; a retransmitted DISCOVER gets the same offer', () => {
  const h = new Harness();
  const phone = new TestClient(macOf(2), { ...YEALINK, broadcastFlag: true });
  const first = only(h.send(phone.discover(), 0), MessageType.OFFER);
  assert.is(first.to, 'broadcast');
  assert.is(first.reply.flags & FLAG_BROADCAST, FLAG_BROADCAST);
  const again = only(h.send(phone.discover(), 4000), MessageType.OFFER);
  assert.is(again.reply.yiaddr, first.reply.yiaddr);
  assert.is(h.probes.length, 1, 'no second probe');
});

test('SELECTING with another server identifier: our offer is withdrawn silently', () => {
  const h = new Harness();
  const a = new TestClient(macOf(3), YEALINK);
  const offer = only(h.send(a.discover(), 0), MessageType.OFFER).reply;
  const chooseOther = a.build(MessageType.REQUEST, { requested: offer.yiaddr, serverId: ip('192.168.1.2') });
  assert.equal(h.send(chooseOther, 100), []);
  assert.is(h.counter('drop.request-other-server'), 1);
  // The address is free again: a client asking for it gets it.
  assert.is(h.server.status().leases.offered, 0);
  const b = new TestClient(macOf(4), YEALINK);
  assert.is(only(h.send(b.discover(offer.yiaddr), 200), MessageType.OFFER).reply.yiaddr, offer.yiaddr);
});

test('SELECTING for an address we did not offer is NAKed (broadcast)', () => {
  const h = new Harness();
  const a = new TestClient(macOf(5), YEALINK);
  only(h.send(a.discover(), 0), MessageType.OFFER);
  const wrong = a.build(MessageType.REQUEST, { requested: ip('192.168.1.150'), serverId: ROUTER_IP });
  const nak = only(h.send(wrong, 10), MessageType.NAK);
  assert.is(nak.to, 'broadcast');
  assert.is(nak.reply.yiaddr, 0);
  assert.is(nak.reply.leaseSeconds, undefined);
});

test('INIT-REBOOT: right address ACKed, wrong address NAKed, unknown client silent, wrong network NAKed', () => {
  const h = new Harness();
  const phone = new TestClient(macOf(6), YEALINK);
  const ack = dora(h, phone, 0);
  const again = only(h.send(phone.initReboot(ack.yiaddr), 5000), MessageType.ACK);
  assert.is(again.reply.yiaddr, ack.yiaddr);
  assert.equal(again.reply.portParams, ack.portParams);
  const nak = only(h.send(phone.initReboot(ip('192.168.1.170')), 6000), MessageType.NAK);
  assert.is(nak.to, 'broadcast');
  const stranger = new TestClient(macOf(7), YEALINK);
  assert.equal(h.send(stranger.initReboot(ip('192.168.1.120')), 7000), [], 'RFC 2131: silent without a record');
  assert.is(h.counter('drop.init-reboot-unknown'), 1);
  only(h.send(stranger.initReboot(ip('10.0.0.5')), 8000), MessageType.NAK);
});

test('RENEWING by unicast and REBINDING by broadcast extend the lease without a flash write', () => {
  const h = new Harness();
  const phone = new TestClient(macOf(8), YEALINK);
  const ack = dora(h, phone, 0);
  const writes = h.writes;
  const renew = only(h.send(phone.renew(ack.yiaddr), 1_800_000, { broadcast: false, srcIp: ack.yiaddr }), MessageType.ACK);
  assert.equal(renew.to, { mac: '00:15:65:00:00:08', ip: ack.yiaddr }, 'unicast to ciaddr');
  assert.is(renew.reply.ciaddr, ack.yiaddr);
  assert.is(h.server.byIp(ack.yiaddr)!.expiresAt, 1_800_000 + 3_600_000);
  const rebind = only(h.send(phone.renew(ack.yiaddr), 3_150_000, { broadcast: true, srcIp: ack.yiaddr }), MessageType.ACK);
  assert.is(rebind.reply.yiaddr, ack.yiaddr);
  assert.is(h.counter('renewing'), 1);
  assert.is(h.counter('rebinding'), 1);
  assert.is(h.writes, writes, 'renewals write nothing');
  // Renewing an address that is not the client's: NAK.
  only(h.send(phone.renew(ip('192.168.1.180')), 3_200_000, { broadcast: false }), MessageType.NAK);
  // A client we never saw renewing: silent.
  assert.equal(h.send(new TestClient(macOf(9), YEALINK).renew(ip('192.168.1.181')), 3_300_000), []);
});

test('clearing leases: released events, blocks quarantined, table written; a unicast renewal is then NAKed', () => {
  const h = new Harness();
  const events: LeaseEvent[] = [];
  h.subscribe((event) => events.push(event));
  const phone = new TestClient(macOf(40), YEALINK);
  const ack = dora(h, phone, 0);
  const writes = h.writes;
  const { count, outputs } = h.server.clearLeases(1000);
  h.run(outputs, 1000);
  assert.is(count, 1);
  assert.equal(events.map((e) => e.kind), ['bound', 'released']);
  assert.is(h.writes, writes + 1, 'the emptied shard is written');
  assert.is(h.server.byIp(ack.yiaddr), undefined);
  only(h.send(phone.renew(ack.yiaddr), 2000, { broadcast: false, srcIp: ack.yiaddr }), MessageType.NAK);
  assert.equal(h.send(phone.renew(ack.yiaddr), 2000, { broadcast: true, srcIp: ack.yiaddr }), [], 'rebinding: silent');
  // Its old block is in quarantine: a new DORA does not get it back within 120 s... unless none other is free.
  const again = dora(h, phone, 3000);
  assert.not.equal(again.portParams, ack.portParams);
});

test('clearing one lease by address or by MAC leaves the others alone', () => {
  const h = new Harness();
  const events: LeaseEvent[] = [];
  h.subscribe((event) => events.push(event));
  const [a, b, c] = [41, 42, 43].map((n) => new TestClient(macOf(n), YEALINK));
  const [ackA, ackB, ackC] = [a, b, c].map((client, i) => dora(h, client, i * 100));
  const writes = h.writes;
  const byIp = h.server.clearLease({ ip: ackA.yiaddr }, 1000);
  h.run(byIp.outputs, 1000);
  assert.is(byIp.cleared, `00:15:65:00:00:29 (yealink) ${ipToString(ackA.yiaddr)} ports 16384-16447`);
  assert.is(h.writes, writes + 1, 'the table is written');
  const byMac = h.server.clearLease({ mac: macOf(42) }, 1100);
  h.run(byMac.outputs, 1100);
  assert.match(byMac.cleared!, /^00:15:65:00:00:2a /);
  assert.equal(h.server.clearLease({ ip: ip('192.168.1.190') }, 1200), { cleared: undefined, outputs: [] });
  assert.equal(h.server.clearLease({ mac: macOf(44) }, 1200), { cleared: undefined, outputs: [] });
  assert.equal(events.map((e) => e.kind), ['bound', 'bound', 'bound', 'released', 'released']);
  assert.is(h.server.byIp(ackA.yiaddr), undefined);
  assert.is(h.server.byIp(ackB.yiaddr), undefined);
  assert.is(h.server.byPublicPort(ackA.portParams!.psid * 64), undefined, 'its block has no owner now');
  assert.is(h.server.byIp(ackC.yiaddr)?.block?.psid, ackC.portParams!.psid, 'the third phone keeps its lease');
  only(h.send(a.renew(ackA.yiaddr), 2000, { broadcast: false, srcIp: ackA.yiaddr }), MessageType.NAK);
  only(h.send(c.renew(ackC.yiaddr), 2000, { broadcast: false, srcIp: ackC.yiaddr }), MessageType.ACK);
  assert.ok(h.logs.includes(`${byIp.cleared} cleared`));
});

test('DECLINE: the address is quarantined and another one offered next time, the block stays', () => {
  const h = new Harness();
  const phone = new TestClient(macOf(10), YEALINK);
  const ack = dora(h, phone, 0);
  assert.equal(h.send(phone.decline(ack.yiaddr, ROUTER_IP), 100), []);
  assert.ok(h.logs.some((line) => line.includes('declined')));
  const offer = only(h.send(phone.discover(), 200), MessageType.OFFER).reply;
  assert.not.equal(offer.yiaddr, ack.yiaddr);
  assert.equal(offer.portParams, ack.portParams, 'same port block');
  // Nobody else gets the declined address during the quarantine (3600 s).
  const other = new TestClient(macOf(11), YEALINK);
  const otherOffer = only(h.send(other.discover(ack.yiaddr), 300), MessageType.OFFER).reply;
  assert.not.equal(otherOffer.yiaddr, ack.yiaddr);
});

test('RELEASE frees the lease; the same client comes back to the same address and block', () => {
  const h = new Harness();
  const events: LeaseEvent[] = [];
  h.subscribe((event) => events.push(event));
  const phone = new TestClient(macOf(12), YEALINK);
  const ack = dora(h, phone, 0);
  assert.equal(h.send(phone.release(ack.yiaddr, ROUTER_IP), 1000, { broadcast: false }), []);
  assert.is(h.server.byIp(ack.yiaddr), undefined);
  assert.equal(events.map((e) => e.kind), ['bound', 'released']);
  const back = dora(h, phone, 2000);
  assert.is(back.yiaddr, ack.yiaddr);
  assert.equal(back.portParams, ack.portParams);
});

test('INFORM gets configuration by unicast to ciaddr, no lease time and no yiaddr', () => {
  const h = new Harness();
  const phone = new TestClient(macOf(13), YEALINK);
  const sent = only(h.send(phone.inform(ip('192.168.1.42')), 0, { broadcast: false, srcIp: ip('192.168.1.42') }), MessageType.ACK);
  assert.equal(sent.to, { mac: '00:15:65:00:00:0d', ip: ip('192.168.1.42') });
  assert.is(sent.reply.yiaddr, 0);
  assert.is(sent.reply.leaseSeconds, undefined);
  assert.is(sent.reply.tftpName, '192.168.1.1');
  assert.is(sent.reply.bootFile, 'y000000000000.cfg');
  assert.is(h.server.byIp(ip('192.168.1.42')), undefined, 'INFORM creates no lease');
});

test('an offer not taken lapses at exactly offerHold; a lease expires at exactly its end', () => {
  const h = new Harness(testConfig({ offerHold: 30, leaseTime: 600 }));
  h.dispatch(3000); // the start-up probe's listening window ends
  const a = new TestClient(macOf(14), YEALINK);
  const offer = only(h.send(a.discover(), 1000), MessageType.OFFER).reply;
  assert.is(h.server.pollAt(), 31_000);
  h.dispatch(30_999);
  assert.is(h.server.status().leases.offered, 1);
  h.dispatch(31_000);
  assert.is(h.server.status().leases.offered, 0);
  assert.is(h.server.pollAt(), 86_400_000, 'idle: only the next probe for other servers is due');
  const events: LeaseEvent[] = [];
  h.subscribe((event) => events.push(event));
  const ack = dora(h, a, 40_000);
  assert.ok(offer.yiaddr && ack.yiaddr);
  assert.is(h.server.pollAt(), 40_010 + 600_000);
  h.dispatch(640_009);
  assert.ok(h.server.byIp(ack.yiaddr));
  const logged = h.logs.length;
  h.dispatch(640_010);
  assert.is(h.server.byIp(ack.yiaddr), undefined);
  assert.equal(events.map((e) => e.kind), ['bound', 'expired']);
  assert.equal(h.logs.slice(logged), [`00:15:65:00:00:0e (yealink) ${ipToString(ack.yiaddr)} ports 16384-16447 expired (not renewed)`], 'the expiry is logged');
  // The expired client INIT-REBOOTs later: its address is still its own.
  only(h.send(a.initReboot(ack.yiaddr), 700_000), MessageType.ACK);
});

test('a reservation gives a fixed address (even outside the pools)', () => {
  const mac = macOf(15);
  const h = new Harness(testConfig({ reservations: [{ mac: '00:15:65:00:00:0f', ip: '192.168.1.20' }] }));
  const ack = dora(h, new TestClient(mac, YEALINK), 0);
  assert.is(ack.yiaddr, ip('192.168.1.20'));
  assert.ok(ack.hasPortParams, 'still a phone with its block');
  // Another client asking for it does not get it.
  const other = only(h.send(new TestClient(macOf(16), YEALINK).discover(ip('192.168.1.20')), 10), MessageType.OFFER);
  assert.not.equal(other.reply.yiaddr, ip('192.168.1.20'));
});

test('probing off (dhcp.probe off): a never-used address is offered at once', () => {
  const h = new Harness(testConfig({ probeNewAddresses: false }));
  const offer = only(h.send(new TestClient(macOf(20), YEALINK).discover(), 0), MessageType.OFFER).reply;
  assert.equal(h.probes, []);
  assert.is(offer.yiaddr, ip('192.168.1.100'));
});

test('a probe that finds the address in use skips it and offers the next one', () => {
  const h = new Harness();
  h.probesInUse.add(ip('192.168.1.100'));
  const offer = only(h.send(new TestClient(macOf(17), YEALINK).discover(), 0), MessageType.OFFER).reply;
  assert.equal(h.probes, [ip('192.168.1.100'), ip('192.168.1.101')]);
  assert.is(offer.yiaddr, ip('192.168.1.101'));
  assert.is(h.counter('probe-conflict'), 1);
});

test('a storm of new phones: every DISCOVER up to the offer cap is probed at once, none dropped', () => {
  // Probes take a while (the stack waits for ARP answers); a phone arriving meanwhile must not be
  // dropped while fewer than maxOutstandingOffers offers are outstanding or on their way.
  const h = new Harness(testConfig({ maxOutstandingOffers: 40 }));
  h.autoProbe = false;
  for (let n = 0; n < 50; n++) assert.equal(h.send(new TestClient(macOf(300 + n), YEALINK).discover(), 0), []);
  assert.is(h.probes.length, 40, 'one probe per phone, up to the cap');
  assert.is(new Set(h.probes).size, 40, 'each phone probes its own address');
  assert.is(h.counter('drop.offer-cap'), 10);
  const offers = h.answerProbes(500);
  assert.is(offers.filter((s) => s.reply.type === MessageType.OFFER).length, 40);
  assert.is(new Set(offers.map((s) => s.reply.yiaddr)).size, 40);
});

test('maximum message size (57) is respected: options that do not fit are left out whole', () => {
  const big = testConfig({
    classes: [{ ...testConfig().classes[2], options: [{ code: 242, text: 'X'.repeat(250) }, { code: 243, text: 'Y'.repeat(250) }] }],
  });
  const h = new Harness(big);
  const small = only(h.send(new TestClient(macOf(20), YEALINK).discover(), 0), MessageType.OFFER);
  assert.ok(small.reply.message.bytes.length <= 548);
  assert.ok(h.counter('options-dropped-size') >= 1);
  const large = only(h.send(new TestClient(macOf(21), { ...YEALINK, maxMessageSize: 1500 }).discover(), 0), MessageType.OFFER);
  assert.ok(large.reply.message.options.has(242) && large.reply.message.options.has(243));
});

test('option 159 is sent only when requested, unless the class says always', () => {
  const h = new Harness();
  const noAsk = only(h.send(new TestClient(macOf(22), { ...YEALINK, parameterList: [1, 3, 6] }).discover(), 0), MessageType.OFFER).reply;
  assert.not.ok(noAsk.hasPortParams);
  const cls = testConfig().classes.find((c) => c.name === 'yealink')!;
  const h2 = new Harness(testConfig({ classes: [{ ...cls, sendPortParams: 'always', portRangeSubOptions: { first: 10, last: 11 } }] }));
  const forced = only(h2.send(new TestClient(macOf(23), { ...YEALINK, parameterList: [1, 3, 6] }).discover(), 0), MessageType.OFFER).reply;
  assert.ok(forced.hasPortParams);
  assert.equal(Array.from(forced.message.options.get(43)!), [10, 2, 0x40, 0x00, 11, 2, 0x40, 0x3f]);
});

test('class raw options (Avaya-style site option 242) are sent even when not requested', () => {
  const avaya = testConfig().classes.find((c) => c.name === 'avaya')!;
  const h = new Harness(testConfig({ classes: [{ ...avaya, options: [{ code: 242, text: 'HTTPSRVR=192.168.1.1,L2Q=0' }] }] }));
  const ack = dora(h, new TestClient(macOf(30), { vendorClass: 'ccp.avaya.com', parameterList: [1, 3, 6] }), 0);
  assert.is(new TextDecoder().decode(ack.message.options.get(242)), 'HTTPSRVR=192.168.1.1,L2Q=0');
  assert.is(ack.leaseSeconds, 3600, 'option 51 always (Avaya refuses offers without it)');
  assert.not.ok(ack.hasPortParams, '159 not requested');
});

test('a guest gets a plain lease from the guest pool: no block, no 66/67/159', () => {
  const h = new Harness();
  const pc = new TestClient(macOf(24, [0x3c, 0x22, 0xfb]), { vendorClass: 'MSFT 5.0' });
  const ack = dora(h, pc, 0);
  assert.is(ack.yiaddr, ip('192.168.1.200'));
  assert.not.ok(ack.hasPortParams);
  assert.is(ack.tftpName, undefined);
  assert.is(ack.bootFile, undefined);
  assert.is(h.server.byIp(ack.yiaddr)!.block, undefined);
  assert.is(h.server.byIp(ack.yiaddr)!.phoneClass, undefined);
});

test('packets from the WAN port, relays, BOOTP and malformed packets are dropped and counted', () => {
  const h = new Harness();
  const phone = new TestClient(macOf(25), YEALINK);
  assert.equal(h.send(phone.discover(), 0, { port: 'wan' }), []);
  assert.is(h.counter('drop.wan-port'), 1);
  const relayed = phone.discover();
  relayed[24] = 10;
  assert.equal(h.send(relayed, 0), []);
  assert.is(h.counter('drop.relayed'), 1);
  assert.equal(h.send(new Uint8Array(100), 0), []);
  assert.is(h.counter('drop.truncated'), 1);
  const bootp = phone.discover();
  bootp.set([0, 0, 0], 240); // 53/1/1 -> pads
  assert.equal(h.send(bootp, 0), []);
  assert.is(h.counter('drop.bootp'), 1);
  const reply = phone.discover();
  reply[0] = 2;
  assert.equal(h.send(reply, 0), []);
  assert.is(h.counter('drop.not-request'), 1);
});

test('start-up and periodic probe for another DHCP server: warn, or stop serving, and recover', () => {
  const h = new Harness(testConfig({ rogueServerPolicy: 'stop', rogueProbeInterval: 60 }));
  // Answer to our probe from another server.
  const probeXid = 0xabcdef01;
  const other = new TestClient(h.server['network']!.mac, {}, probeXid);
  const offerBytes = other.build(MessageType.DISCOVER);
  offerBytes[0] = 2; // make it a reply
  offerBytes[242] = MessageType.OFFER;
  const withServerId = new Uint8Array(offerBytes.length + 6);
  withServerId.set(offerBytes);
  // Append option 54 = 192.168.1.2 before END.
  let end = 240;
  while (withServerId[end] !== 255) end += 2 + withServerId[end + 1];
  withServerId.set([54, 4, 192, 168, 1, 2, 255], end);
  const out = h.server.processClientSide({ port: 'lan', payload: withServerId, srcIp: ip('192.168.1.2'), broadcast: true }, 500);
  assert.ok(out.some((o) => o.kind === 'log' && /ANOTHER DHCP SERVER.*192\.168\.1\.2/.test(o.text)));
  assert.is(h.server.status().serving, false);
  assert.equal(h.server.status().otherServers, ['192.168.1.2']);
  assert.equal(h.send(new TestClient(macOf(26), YEALINK).discover(), 600), []);
  assert.is(h.counter('drop.stopped-other-server'), 1);
  // Listening window ends at 3 s; next probe at 60 s; nobody answers; serving again after its window.
  h.dispatch(3000);
  assert.is(h.server.pollAt(), 60_000);
  const probe = h.server.dispatch(60_000);
  assert.is(probe.filter((o) => o.kind === 'send').length, 1);
  h.dispatch(63_000);
  assert.is(h.server.status().serving, true);
  only(h.send(new TestClient(macOf(26), YEALINK).discover(), 64_000), MessageType.OFFER);
});

test.run();
