// The office of `npm start` (the whole firmware and tools/sim's phones) in virtual time with a
// two-minute lease: phones renew at T1 and keep their address, block and public SIP port; a phone
// whose unicast renewals are lost rebinds at T2; one that hears nothing loses its lease at the end,
// the router logs that expiry, and the phone starts over into the same address and block.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Testbed } from '../../hal/sim/testbed';
import { Scheduler } from '../../hal/sim/scheduler';
import { boot, type Firmware } from '../../firmware/main';
import { DhcpService } from '../../firmware/dhcp/service';
import { preloadedFlash, startOffice } from '../../tools/sim/office';
import type { OfficePhone } from '../../tools/sim/phone';
import { ipToString } from '../../firmware/util/ipv4';
import { macToString } from '../../firmware/util/mac';

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));
const LEASE_S = 120; // T1 60 s, T2 105 s

/** Drop the phone's DHCP messages to the server while `when()` holds (a lost path, not a bug). */
function loseDhcp(phone: OfficePhone, when: (dstIp: number) => boolean): void {
  const send = phone.host.sendUdp.bind(phone.host);
  phone.host.sendUdp = (dstIp, srcPort, dstPort, payload, options) => (dstPort === 67 && when(dstIp) ? false : send(dstIp, srcPort, dstPort, payload, options));
}

test('phones keep their leases: renew at T1, rebind at T2 when unicast is lost, start over after an expiry the router logs', async () => {
  const scheduler = new Scheduler();
  const bed = new Testbed<Firmware>({ seed: 15, scheduler, flash: await preloadedFlash(15, scheduler), conditions: { latencyMs: 0.1 } });
  const fw = bed.start((hal) => boot(hal));
  await bed.runAsync(1000, tick);
  await fw.ready;
  bed.board.console.type(`set dhcp.lease-time ${LEASE_S}\r`);
  await bed.runAsync(300, tick);
  const notes: string[] = [];
  const office = startOffice(bed as Testbed<unknown>, { phones: 3, plugIntervalMs: 500, say: (text) => notes.push(text) });
  const [steady, rebinding, silent] = office.phones;
  loseDhcp(rebinding, (dstIp) => dstIp !== 0xffffffff); // its unicast renewals never arrive
  loseDhcp(silent, () => silent.address !== undefined && silent.stats.expired === 0); // nothing, once bound, until its lease ends
  await bed.runAsync(15_000, tick);
  const before = office.phones.map((p) => ({ ip: p.address, ports: p.ports, discovers: p.stats.dhcpAttempts }));
  for (const phone of office.phones) assert.is(phone.stage, 'running', notes.join('\n'));

  await bed.runAsync(300_000, tick);
  const server = (fw.dhcp as DhcpService).server;
  const log = fw.log.entries().map((e) => e.text);

  // Renewing at T1 (unicast), every T1: no new DISCOVER, same address and block.
  assert.ok(steady.stats.renewed >= 4, `renewed ${steady.stats.renewed} times`);
  assert.is(steady.stats.rebindsSent, 0);
  assert.is(steady.stats.dhcpAttempts, before[0].discovers, 'never started over');
  assert.equal([steady.address, steady.ports], [before[0].ip, before[0].ports]);
  // Rebinding at T2 (broadcast) when the unicast renewals get no answer.
  assert.ok(rebinding.stats.renewalsSent >= 2 && rebinding.stats.rebindsSent >= 2, JSON.stringify(rebinding.stats));
  assert.ok(rebinding.stats.renewed >= 2);
  assert.is(rebinding.stats.expired, 0);
  assert.equal([rebinding.address, rebinding.ports], [before[1].ip, before[1].ports]);
  assert.ok(server.counters()['dhcp.rebinding'] >= 2);
  assert.ok(notes.some((n) => /phone-02: no answer to its renewals by T2; rebinding by broadcast/.test(n)));
  // Nothing heard: the lease ends on both sides; the router says so; the phone starts over.
  assert.is(silent.stats.expired, 1);
  const expired = log.filter((text) => / expired \(not renewed\)$/.test(text));
  assert.equal(expired, [`${macToString(silent.host.mac)} (yealink) ${ipToString(before[2].ip!)} ports ${before[2].ports!.first}-${before[2].ports!.last} expired (not renewed)`]);
  assert.is(silent.stage, 'running', notes.join('\n'));
  assert.equal([silent.address, silent.ports], [before[2].ip, before[2].ports], 'same address and block after starting over');

  assert.is(server.status().leases.bound, 3);
  assert.is(office.server.stats.sipPorts.size, 3, 'one public SIP port per phone all along');
});

test.run();
