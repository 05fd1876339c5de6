// A static-WAN boot announces its address once: one gratuitous ARP on the WAN port and one
// "wan: address" line (boot used to set the address itself and then the WAN side set it again).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Testbed } from '../../hal/sim/testbed';
import { boot, type Firmware } from '../../firmware/main';
import { ArpOperation } from '../../firmware/wire';
import { parseIp } from '../../firmware/util/ipv4';
import { staticWanConfig } from '../wan/static-config';

const ip = (t: string) => parseIp(t) as number;
const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const PUBLIC = ip('198.51.100.2');

test('static WAN: one gratuitous ARP for the public address and one address log line', async () => {
  const config = staticWanConfig(PUBLIC, ip('198.51.100.1'));
  const bed = new Testbed<Firmware>({ seed: 31 });
  const watcher = bed.addHost({ name: 'wan-watcher', mac: '00:00:5e:00:53:09', ip: ip('198.51.100.9'), prefixLength: 24 }, 'wan');
  const fw = bed.start((hal) => boot(hal, { config }));
  await bed.runAsync(2000, tick);
  await fw.ready;
  const gratuitous = watcher
    .frames()
    .filter((f) => f.arp !== undefined && f.arp.operation === ArpOperation.Request && f.arp.senderIp === PUBLIC && f.arp.targetIp === PUBLIC);
  assert.is(gratuitous.length, 1, `${gratuitous.length} gratuitous ARPs for the public address`);
  assert.is(fw.stack.counters()['arp.gratuitous-sent'], 2, 'one per port: LAN and WAN');
  const lines = bed.board.console.read().split('\n').filter((line) => /wan: address/.test(line));
  assert.is(lines.length, 1, lines.join('\n'));
  assert.match(lines[0], /wan: address 198\.51\.100\.2\/24 via 198\.51\.100\.1 \(static\)/);
});

test.run();
