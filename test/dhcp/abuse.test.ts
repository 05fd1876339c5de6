// Abuse: a DISCOVER flood from random MACs (starvation) neither exhausts the phone pool nor grows
// memory without bound; per-MAC rate limit; malformed traffic never answered and never throws.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Rng } from '../../hal/sim/random';
import { MessageType } from '../../firmware/wire/dhcp';
import { Harness, testConfig } from './harness';
import { TestClient, macOf } from './client';

test('starvation: 20,000 DISCOVERs from random MACs leave the phone pool alone and memory bounded', () => {
  const h = new Harness(testConfig({ maxOutstandingOffers: 16 }));
  const rng = new Rng(99);
  let offers = 0;
  for (let i = 0; i < 20_000; i++) {
    const mac = new Uint8Array(6);
    rng.fill(mac);
    mac[0] &= 0xfe;
    const sent = h.send(new TestClient(mac, { vendorClass: 'MSFT 5.0' }, i).discover(), i);
    offers += sent.length;
  }
  const status = h.server.status();
  assert.ok(status.leases.offered <= 16, `outstanding offers capped (${status.leases.offered})`);
  assert.ok(status.leases.known <= 16, `no record per random MAC (${status.leases.known})`);
  assert.ok(h.counter('drop.offer-cap') > 19_000);
  assert.ok(h.logs.length < 10, 'no log line per dropped DISCOVER');
  assert.ok(offers <= 16);
  // A phone still gets a phone address and its block, right in the middle of the flood.
  const phone = new TestClient(macOf(1), { vendorClass: 'yealink' });
  const offer = h.send(phone.discover(), 20_000)[0].reply;
  assert.is(offer.type, MessageType.OFFER);
  assert.ok(offer.hasPortParams);
  assert.ok(offer.yiaddr >= 0xc0a80164 && offer.yiaddr <= 0xc0a801c7, 'from the phone pool');
});

test('per-MAC rate limit: a burst, then a trickle', () => {
  const h = new Harness(testConfig({ perMacBurst: 4, perMacPerMinute: 6 }));
  const pc = new TestClient(macOf(2), { vendorClass: 'yealink' });
  let answered = 0;
  for (let i = 0; i < 20; i++) answered += h.send(pc.discover(), 1000 + i).length;
  assert.is(answered, 4);
  assert.is(h.counter('drop.rate-limited'), 16);
  // 10 s later one more token has come back (6 per minute).
  assert.is(h.send(pc.discover(), 11_100).length, 1);
});

test('random garbage on port 67 is counted, never answered, never throws', () => {
  const h = new Harness();
  const rng = new Rng(5);
  for (let i = 0; i < 5000; i++) {
    const bytes = new Uint8Array(rng.int(700));
    rng.fill(bytes);
    if (bytes.length > 240 && rng.chance(0.5)) bytes.set([1, 1, 6, 0], 0), bytes.set([0x63, 0x82, 0x53, 0x63], 236);
    const sent = h.send(bytes, i);
    for (const s of sent) assert.ok(([MessageType.OFFER, MessageType.ACK, MessageType.NAK] as number[]).includes(s.reply.type));
  }
  const drops = Object.entries(h.server.counters()).filter(([name]) => name.startsWith('dhcp.drop.'));
  assert.ok(drops.length >= 3, JSON.stringify(drops));
});

test.run();
