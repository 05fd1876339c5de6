// Found by the ARP flood: a LAN host that names pool addresses as its own in ARP requests to the
// router (from MACs nobody answers for) must not take them out of the pool. Before the fix, the
// address probe took any ARP cache entry as "in use", so forged claims starved phones of addresses.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildArp } from '../../hal/sim/frames';
import { officeBed, running, ROUTER_LAN_IP } from './office';

test('forged ARP claims on every LAN address do not keep a phone from its lease', async () => {
  const bed = await officeBed(3, 2, 500);
  const attacker = bed.host('arp-claimer', '02:88:88:00:00:01');
  for (let last = 2; last < 255; last++) {
    const mac = Uint8Array.of(0x02, 0x88, 0x88, 0x01, 0x00, last);
    attacker.send(buildArp('request', mac, (0xc0a80100 | last) >>> 0, new Uint8Array(6), ROUTER_LAN_IP));
  }
  await bed.run(30_000);
  const phones = bed.office.phones;
  assert.is(running(phones), 2, phones.map((p) => p.describe()).join('; '));
  assert.equal(bed.errors(), []);
});

test('a host that answers the probe (but not its ping) still keeps its address out of the pool', async () => {
  const bed = await officeBed(4, 1, 500);
  // A static host on the first pool addresses that answers ARP but drops echo requests.
  for (const last of [100, 101, 102]) bed.bed.addHost({ name: `squatter-${last}`, mac: `02:99:00:00:00:${last.toString(16)}`, ip: (0xc0a80100 | last) >>> 0, prefixLength: 24, answerPing: false });
  await bed.run(20_000);
  const phone = bed.office.phones[0];
  assert.is(phone.stage, 'running');
  assert.ok(phone.address !== undefined && ![100, 101, 102].includes(phone.address & 0xff), `phone got ${phone.describe()}`);
});

test.run();
