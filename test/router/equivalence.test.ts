// One scenario suite, two data planes: the firmware's TypeScript forwarder (ports mode) and the
// kernel programmed by the firmware (router mode). Real clients (busybox udhcpc, socat) on the
// namespace rig; the WAN host reports the source address and port of what reached it, and each
// scenario asserts the same translation in both modes.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync } from 'node:fs';
import { BUNDLE, RUNTIME_BINARY, namespacesUnavailable, run, udhcpcLease, type Phone, type Rig } from '../../tools/rig';
import { UDP_SINK, inPool, reachesFromWan, routerUp, seenFrom, type Mode } from './harness';

const why = namespacesUnavailable() ?? (!existsSync(RUNTIME_BINARY) || !existsSync(BUNDLE) ? 'no native runtime or bundle (bash hal/native/build.sh && npm run build)' : undefined);
const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function phoneWithBlock(rig: Rig, name: string): Promise<{ phone: Phone; ip: string; first: number; last: number }> {
  const phone = rig.addPhone(name);
  const lease = await udhcpcLease(phone, rig.dir, { vendorClass: 'yealink SIP-T46U' });
  assert.ok(lease.block, `${name} got option 159: ${lease.portParams}`);
  return { phone, ip: lease.ip, first: lease.block!.first, last: lease.block!.last };
}

/**
 * The phone's DHCP client gives its lease back: busybox udhcpc renews it (same address and block),
 * then releases on SIGUSR2, as a phone does when it shuts down cleanly. The lease ends at once.
 */
async function release(rig: Rig, phone: Phone): Promise<void> {
  const client = rig.spawnIn(phone.ns, ['busybox', 'udhcpc', '-i', 'eth0', '-f', '-s', '/bin/true', '-V', 'yealink SIP-T46U', '-O', '159']);
  let log = '';
  client.stderr?.setEncoding('utf8');
  client.stderr?.on('data', (text: string) => (log += text));
  for (let i = 0; i < 100 && !/obtained/.test(log); i++) await pause(100);
  assert.match(log, /obtained/, 'udhcpc renewed before releasing');
  process.kill(client.pid!, 'SIGUSR2');
  for (let i = 0; i < 50 && !/released/.test(log); i++) await pause(100);
  assert.match(log, /released/);
  process.kill(client.pid!, 'SIGTERM');
}

function scenarios(mode: Mode): void {
  test(`${mode} mode: phones keep their ports, blocks receive unsolicited inbound, guests and strays go to the pool, spoofing is dropped, a lease's end cuts the phone off`, async () => {
    if (why) {
      console.log(`  skipped: ${why}`);
      return;
    }
    const { rig, sink } = await routerUp(mode);
    try {
      const one = await phoneWithBlock(rig, 'phone1');
      const two = await phoneWithBlock(rig, 'phone2');
      assert.ok(one.last < two.first || two.last < one.first, `blocks ${one.first}-${one.last} and ${two.first}-${two.last} are disjoint`);
      const guest = rig.addPhone('guest1');
      await udhcpcLease(guest, rig.dir);

      // 1. Outbound UDP and TCP from a block port: public address, port unchanged; both phones.
      for (const { phone, first } of [one, two]) {
        assert.equal(await seenFrom(rig, phone, 'udp', first + 3), { ip: rig.wanAddress, port: first + 3 }, `${phone.name} UDP`);
        assert.equal(await seenFrom(rig, phone, 'tcp', first + 4), { ip: rig.wanAddress, port: first + 4 }, `${phone.name} TCP`);
      }

      // 2. Unsolicited inbound to a block port reaches its phone, UDP and TCP, never the other phone.
      assert.ok(await reachesFromWan(rig, one.phone, 'udp', one.first + 20), 'WAN -> phone1 UDP');
      assert.ok(await reachesFromWan(rig, one.phone, 'tcp', one.first + 21), 'WAN -> phone1 TCP');
      assert.ok(await reachesFromWan(rig, two.phone, 'udp', two.last), 'WAN -> phone2 UDP, last port of its block');
      assert.not.ok(await reachesFromWan(rig, two.phone, 'udp', one.first + 22), "phone1's block never reaches phone2");

      // 3. A guest and a phone both on 5060 (outside every block): both into the pool, distinct ports.
      const guestSip = await seenFrom(rig, guest, 'udp', 5060);
      const phoneSip = await seenFrom(rig, one.phone, 'udp', 5060);
      assert.ok(guestSip && phoneSip, `both reached the WAN host: ${JSON.stringify([guestSip, phoneSip])}`);
      assert.is(guestSip!.ip, rig.wanAddress);
      assert.is(phoneSip!.ip, rig.wanAddress);
      assert.ok(inPool(guestSip!.port) && inPool(phoneSip!.port) && guestSip!.port !== phoneSip!.port, `pool ports ${guestSip!.port} ${phoneSip!.port}`);

      // 4. A phone's port outside its block goes to the pool; a guest's TCP too.
      const stray = await seenFrom(rig, one.phone, 'udp', 40000);
      assert.ok(stray && stray.ip === rig.wanAddress && inPool(stray.port), `stray ${JSON.stringify(stray)}`);
      const guestTcp = await seenFrom(rig, guest, 'tcp', 40001);
      assert.ok(guestTcp && inPool(guestTcp.port), `guest TCP ${JSON.stringify(guestTcp)}`);

      // 5. phone2's lease ends: its block no longer reaches it, its open flow and new ones lose the port.
      await release(rig, two.phone);
      await pause(500);
      assert.not.ok(await reachesFromWan(rig, two.phone, 'udp', two.first + 20), 'the released block no longer reaches phone2');
      const after = await seenFrom(rig, two.phone, 'udp', two.first + 3);
      assert.ok(after && after.ip === rig.wanAddress && inPool(after.port), `after the lease, the old flow goes to the pool: ${JSON.stringify(after)}`);
      const fresh = await seenFrom(rig, two.phone, 'udp', two.first + 5);
      assert.ok(fresh && inPool(fresh.port), `after the lease, a new flow goes to the pool: ${JSON.stringify(fresh)}`);
      // phone1 is untouched.
      assert.equal(await seenFrom(rig, one.phone, 'udp', one.first + 3), { ip: rig.wanAddress, port: one.first + 3 }, 'phone1 keeps its port after phone2 left');
      // 6. Last (it leaves the router's neighbour entry for phone1 pointing at the spoofer): phone1's address from another MAC (a spoofer on the LAN) never leaves; phone1 itself does.
      const spoofer = rig.addPhone('spoofer', { address: `${one.ip}/24` });
      run(spoofer.ns, ['ip', 'route', 'add', 'default', 'via', rig.lanAddress]);
      await spoofer.runAsync(['sh', '-c', `echo spoofed-datagram | socat -t 1 - UDP:${rig.wanHostAddress}:${UDP_SINK},sourceport=${one.first + 30}`]);
      await one.phone.runAsync(['sh', '-c', `echo genuine-datagram | socat -t 1 - UDP:${rig.wanHostAddress}:${UDP_SINK},sourceport=${one.first + 31}`]);
      await pause(500);
      assert.match(sink(), /genuine-datagram/);
      assert.not.match(sink(), /spoofed-datagram/);
      rig.removePhone('spoofer');

    } finally {
      await rig.down();
    }
  });
}

scenarios('ports');
scenarios('kernel');

test('kernel mode: a WAN address change moves every phone to the new public address at once, ports kept', async () => {
  if (why) {
    console.log(`  skipped: ${why}`);
    return;
  }
  const { rig } = await routerUp('kernel');
  try {
    const one = await phoneWithBlock(rig, 'phone1');
    assert.equal(await seenFrom(rig, one.phone, 'udp', one.first + 3), { ip: rig.wanAddress, port: one.first + 3 });
    // show nat reads the kernel's counters and flows for the phone's block.
    const term = rig.console();
    try {
      term.write('\r');
      await term.expect(/plugboard> $/, 15_000);
      term.write('terminal length 0\r');
      await term.expect(/plugboard> $/);
      term.write('show nat\r');
      const shown = await term.expect(/Kernel table: applied \d+ time/, 10_000);
      const row = shown.split('\r\n').find((line) => line.startsWith(`${one.ip} `));
      assert.ok(row, `a row for ${one.ip}:\n${shown}`);
      const cells = new RegExp(`^\\S+ +\\S+ +yealink +${one.first}-${one.last} +(\\d+)/.+? +(\\d+)/.+? +(\\d+) *$`).exec(row!);
      assert.ok(cells, `phone, block, counters, flows: ${row}`);
      assert.ok(Number(cells![1]) >= 1 && Number(cells![2]) >= 1, `packets counted both ways: ${row}`);
      assert.ok(Number(cells![3]) >= 1, `the kernel tracks the phone's flow: ${row}`);
    } finally {
      term.close();
    }
    // What netifd does when the ISP hands out a new address: the old one goes, the new one comes.
    const moved = '198.51.100.7';
    run(rig.routerNs, ['ip', 'addr', 'del', `${rig.wanAddress}/24`, 'dev', 'wan0']);
    run(rig.routerNs, ['ip', 'addr', 'add', `${moved}/24`, 'dev', 'wan0']);
    let seen;
    for (let i = 0; i < 20; i++) {
      await pause(200);
      seen = await seenFrom(rig, one.phone, 'udp', one.first + 6);
      if (seen?.ip === moved) break;
    }
    assert.equal(seen, { ip: moved, port: one.first + 6 });
    assert.ok(await reachesFromWan(rig, one.phone, 'udp', one.first + 20, moved), 'inbound to the new address reaches the phone');
  } finally {
    await rig.down();
  }
});

test.run();
