// The rig's WAN side for the full firmware: in ports mode the firmware's own WAN client asks for its
// address, so the WAN host serves exactly the rig's public address by DHCP (busybox udhcpd); in
// router mode the rig has already given wan0 its address, as netifd would. Either way, wait until
// the router answers pings on its public address.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Rig } from './topology';

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function wanUp(rig: Rig, mode: 'ports' | 'kernel'): Promise<void> {
  if (mode === 'ports') {
    const conf = join(rig.dir, 'udhcpd.conf');
    writeFileSync(join(rig.dir, 'udhcpd.leases'), '');
    writeFileSync(conf, `start ${rig.wanAddress}\nend ${rig.wanAddress}\ninterface eth0\nlease_file ${join(rig.dir, 'udhcpd.leases')}\nopt subnet 255.255.255.0\nopt router ${rig.wanHostAddress}\nopt lease 600\n`);
    rig.spawnIn(rig.wanNs, ['busybox', 'udhcpd', '-f', conf]);
  }
  for (let i = 0; i < 40; i++) {
    await pause(250);
    if ((await rig.wanAsync(['busybox', 'ping', '-c', '1', '-W', '1', rig.wanAddress])).status === 0) return;
  }
  throw new Error(`${mode} mode: the router never answered on ${rig.wanAddress}:\n${rig.routerLog.slice(-2000)}`);
}
