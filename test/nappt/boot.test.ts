// The whole firmware (firmware/main.ts boot) on the simulated board: the WAN side comes up from the
// configuration and the forwarder carries a LAN host's traffic to the WAN host and back.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Testbed } from '../../hal/sim/testbed';
import { boot, type Firmware } from '../../firmware/main';
import { DEFAULT_CONFIG, settingsOf, withValue } from '../../firmware/config';
import type { NapptAttachment } from '../../firmware/nappt';
import { parseIp } from '../../firmware/util/ipv4';
import { staticWanConfig } from '../wan/static-config';

const ip = (t: string) => parseIp(t) as number;
const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const routerIp = settingsOf(DEFAULT_CONFIG).lan.address;
const PUBLIC = ip('198.51.100.2');
const WAN_HOST = ip('198.51.100.7');

test('static WAN from the configuration: a LAN PC reaches the WAN host through NAPT, replies come back', async () => {
  const config = staticWanConfig(PUBLIC, ip('198.51.100.1'));
  const bed = new Testbed<Firmware>({ seed: 21, conditions: { latencyMs: 0.2 } });
  const pc = bed.addHost({ name: 'pc', mac: '02:00:00:00:00:10', ip: ((routerIp & 0xffffff00) | 10) >>> 0, prefixLength: 24, gateway: routerIp });
  const wanHost = bed.addHost({ name: 'wan-host', mac: '00:00:5e:00:53:07', ip: WAN_HOST, prefixLength: 24 }, 'wan');
  const fw = bed.start((hal) => boot(hal, { config }));
  await bed.runAsync(2000, tick);
  await fw.ready;
  const nappt = fw.nappt as NapptAttachment;
  assert.is(nappt.wan.publicAddress(), PUBLIC);
  assert.is(nappt.forwarder.publicAddress(), PUBLIC);
  pc.sendUdp(WAN_HOST, 40000, 53, new Uint8Array(20));
  await bed.runAsync(100, tick);
  const query = wanHost.udp.find((d) => d.dstPort === 53);
  assert.ok(query, 'the WAN host got the datagram');
  assert.is(query!.srcIp, PUBLIC);
  wanHost.sendUdp(PUBLIC, 53, query!.srcPort, new Uint8Array(10));
  await bed.runAsync(100, tick);
  assert.ok(pc.udp.some((d) => d.srcIp === WAN_HOST && d.dstPort === 40000), 'the reply reached the PC');
  assert.equal(pc.stats.malformed, {});
  assert.equal(wanHost.stats.malformed, {});
  assert.match(bed.board.console.read(), /wan: address 198\.51\.100\.2\/24 via 198\.51\.100\.1 \(static\)/);
  // nat.* keys apply live: switching NAPT off drops the PC's next new flow.
  const proposed = fw.config.propose(withValue(fw.config.current, 'nat.fallback-napt', false));
  assert.ok(proposed.ok);
  assert.is(nappt.forwarder.currentConfig().fallbackNapt, false);
  pc.sendUdp(WAN_HOST, 40002, 53, new Uint8Array(20));
  await bed.runAsync(100, tick);
  assert.is(nappt.forwarder.drops()['napt-disabled'], 1);
});

test('default configuration: the WAN DHCP client broadcasts DISCOVERs on the WAN port', async () => {
  const bed = new Testbed<Firmware>({ seed: 22 });
  const isp = bed.addHost({ name: 'isp', mac: '00:00:5e:00:53:01' }, 'wan');
  const fw = bed.start((hal) => boot(hal));
  await bed.runAsync(15_000, tick);
  await fw.ready;
  const discovers = isp.udp.filter((d) => d.dstPort === 67 && d.srcPort === 68 && d.payload[242] === 1);
  assert.ok(discovers.length >= 2, `${discovers.length} DISCOVERs`);
  assert.is((fw.nappt as NapptAttachment).wan.client?.phase, 'selecting');
});

test.run();
