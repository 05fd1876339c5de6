// Found by the TFTP flood: read requests from a LAN address that never answers ARP filled that next
// hop's ARP queue; the stack refused the transfers' DATA as if the port were busy, and every other
// transfer waited behind them (first come, first served), so booting phones timed out. A frame for
// a next hop that does not resolve is dropped and counted; only a busy port makes senders wait.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildUdp } from '../../hal/sim/frames';
import { buildRequest, Opcode } from '../../firmware/wire/tftp';
import { DEMO_IMAGE } from '../../tools/sim/office';
import { officeBed, running, ROUTER_LAN_IP } from './office';

test('phones boot over TFTP while a host with no ARP answer keeps asking for the image', async () => {
  const bed = await officeBed(5, 3, 1000);
  const attacker = bed.host('silent-asker', '02:aa:aa:00:00:09'); // no address: it answers no ARP
  const routerMac = bed.bed.board.ports.lan.mac;
  for (let i = 0; i < 3000; i++) {
    bed.bed.scheduler.after(i * 10, () => attacker.send(buildUdp(attacker.mac, routerMac, 0xc0a80133, ROUTER_LAN_IP, 1024 + i, 69, buildRequest(Opcode.RRQ, DEMO_IMAGE, 'octet'))));
  }
  await bed.run(40_000);
  const phones = bed.office.phones;
  assert.is(running(phones), 3, phones.map((p) => p.describe()).join('; '));
  assert.ok((bed.firmware().stack.counters()['arp.queue-full'] ?? 0) > 0, 'the silent host filled its ARP queue');
  assert.equal(bed.errors(), []);
});

test.run();
