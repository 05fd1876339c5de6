// Whole-router simulation: stack + reactor + flash store + DHCP service on a SimBoard, 200 phone
// clients on the simulated LAN switch booting at once; then a power cut and every phone comes
// back (INIT-REBOOT or renewal at T1) into the same address and the same port block.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Testbed } from '../../hal/sim/testbed';
import { contiguousPortRange } from '../../firmware/wire/dhcp-options';
import { ipToString } from '../../firmware/util/ipv4';
import { routerFirmware, tick, type Router } from './sim-router';
import { SimPhone } from './sim-phone';
import { macOf } from './client';

function blockOf(phone: SimPhone): [number, number] {
  const params = phone.lease!.portParams!;
  const range = contiguousPortRange(params.psidLength, params.psid);
  return [range.first, range.last];
}

test('200 phones boot at once: distinct addresses, disjoint blocks above 1023; after a power cut all come back to the same', async () => {
  const bed = new Testbed<Router>({ seed: 7 });
  let router!: Router;
  bed.board.onBoot = (firmware) => (router = firmware);
  bed.start(routerFirmware);
  await bed.runAsync(5000, tick);
  assert.ok(router.service, 'DHCP service up after the store mounted');

  // A host squats on the first pool address without a lease: the probe must find it.
  bed.addHost({ name: 'squatter', mac: '02:00:00:00:99:99', ip: '10.1.1.1', prefixLength: 16 });
  const rng = bed.board.rng.fork();
  const phones: SimPhone[] = [];
  for (let i = 0; i < 200; i++) {
    const polycom = i % 4 === 0;
    const host = bed.addHost({ name: `phone${i}`, mac: macOf(i, polycom ? [0x00, 0x04, 0xf2] : [0x80, 0x5e, 0xc0]) });
    phones.push(new SimPhone(host, bed.scheduler, rng.fork(), { vendorClass: polycom ? 'Polycom-VVX410' : 'yealink SIP-T46U' }));
  }
  for (const phone of phones) bed.scheduler.after(rng.int(100), () => phone.boot());
  await bed.runAsync(120_000, tick);

  const bound = phones.filter((p) => p.state === 'bound');
  assert.is(bound.length, 200, `all bound (${router.lines.slice(-5).join(' | ')})`);
  const addresses = new Set(phones.map((p) => p.lease!.yiaddr));
  assert.is(addresses.size, 200, 'distinct addresses');
  assert.not.ok(addresses.has(0x0a010101), 'the squatted address was probed and skipped');
  assert.ok(router.lines.some((line) => /10\.1\.1\.1 answers although nobody leased it/.test(line)));
  const blocks = phones.map(blockOf).sort((a, b) => a[0] - b[0]);
  for (let i = 0; i < blocks.length; i++) {
    assert.ok(blocks[i][0] > 1023, 'no block touches 0-1023');
    if (i > 0) assert.ok(blocks[i][0] > blocks[i - 1][1], `blocks disjoint: ${blocks[i - 1]} / ${blocks[i]}`);
  }
  for (const phone of phones) {
    const expectedSize = phone.client.options.vendorClass === 'Polycom-VVX410' ? 128 : 64;
    const [first, last] = blockOf(phone);
    assert.is(last - first + 1, expectedSize);
    // The router's directory agrees (what NAPPT and TFTP read).
    const info = router.service!.server.byIp(phone.lease!.yiaddr)!;
    assert.equal([info.block!.first, info.block!.last], [first, last]);
    assert.is(router.service!.server.byPublicPort(first + 5)!.ip, phone.lease!.yiaddr);
  }
  const before = new Map(phones.map((p) => [p, { ip: p.lease!.yiaddr, block: blockOf(p) }]));
  const writesBefore = router.service!.server.counters()['dhcp.persist.writes'];

  // Site power cut at t = 125 s: the router and half of the phones lose power.
  bed.board.powerCut();
  for (const phone of phones.slice(0, 100)) phone.stop();
  await bed.runAsync(1000, tick);
  bed.board.powerOn();
  await bed.runAsync(5000, tick);
  assert.ok(router.service, 'DHCP back after reboot');
  assert.ok(router.lines.some((line) => /200 lease\(s\) restored from flash/.test(line)), router.lines.join('\n'));
  // The phones that lost power come back with INIT-REBOOT; the others renew at T1 (~1800 s).
  for (const phone of phones.slice(0, 100)) bed.scheduler.after(rng.int(2000), () => phone.reboot());
  await bed.runAsync(1900_000, tick);

  const states: Record<string, number> = {};
  for (const phone of phones) states[phone.state] = (states[phone.state] ?? 0) + 1;
  assert.equal(states, { bound: 200 }, JSON.stringify(router.service!.server.counters()));
  for (const phone of phones) {
    assert.is(phone.state, 'bound');
    assert.ok(phone.acks.length >= 2, 'a second ACK after the power cut');
    assert.is(phone.naks, 0);
    const was = before.get(phone)!;
    assert.is(ipToString(phone.lease!.yiaddr), ipToString(was.ip), 'same address');
    assert.equal(blockOf(phone), was.block, 'same block');
  }
  // Renewals write nothing to flash (the bindings did not change).
  assert.is(router.service!.server.counters()['dhcp.persist.writes'] ?? 0, 0, 'no lease writes after reboot');
  assert.ok(writesBefore > 0 && writesBefore < 200, `boot storm writes were batched (${writesBefore} group commits for 200 phones)`);
  for (const phone of phones) phone.stop();
});

test('another DHCP server on the LAN is found by the start-up probe and reported', async () => {
  const bed = new Testbed<Router>({ seed: 9 });
  let router!: Router;
  bed.board.onBoot = (firmware) => (router = firmware);
  // A home router's DHCP server plugged into the phone LAN by mistake: it answers every DISCOVER.
  const rogue = bed.addHost({ name: 'rogue', mac: '02:00:00:00:77:77', ip: '10.1.0.2', prefixLength: 16 });
  rogue.onUdp = (datagram) => {
    if (datagram.dstPort !== 67) return;
    const offer = datagram.payload.slice(0, 240);
    const reply = new Uint8Array(300);
    reply.set(offer);
    reply[0] = 2;
    reply.set([10, 1, 9, 9], 16);
    reply.set([53, 1, 2, 54, 4, 10, 1, 0, 2, 255], 240);
    rogue.sendUdp(0xffffffff, 67, 68, reply);
  };
  bed.start(routerFirmware);
  await bed.runAsync(10_000, tick);
  assert.ok(router.lines.some((line) => /ANOTHER DHCP SERVER ANSWERS ON THE LAN: 10\.1\.0\.2 offered 10\.1\.9\.9/.test(line)), router.lines.join('\n'));
  assert.equal(router.service!.server.status().otherServers, ['10.1.0.2']);
  assert.ok(router.service!.server.status().serving, "policy 'warn' keeps serving");
});

test.run();
