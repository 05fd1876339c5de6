// The benchmarks' peer: the Linux kernel doing the router's job on the same rig (ip_forward and one
// nftables masquerade rule), and a LAN host with a static address to send through it.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { must, type Phone, type Rig } from '../rig';

/** Turn the rig's router namespace (started without the runtime) into a plain kernel NAT router. */
export function kernelNatRouter(rig: Rig): Phone {
  const ns = rig.routerNs;
  must(ns, ['ip', 'addr', 'add', `${rig.lanAddress}/${rig.lanPrefix}`, 'dev', 'lan0']);
  must(ns, ['ip', 'addr', 'add', `${rig.wanAddress}/${rig.wanPrefix}`, 'dev', 'wan0']);
  must(ns, ['ip', 'link', 'set', 'lan0', 'up']);
  must(ns, ['ip', 'link', 'set', 'wan0', 'up']);
  must(ns, ['sysctl', '-q', '-w', 'net.ipv4.ip_forward=1']);
  const rules = join(rig.dir, 'nat.nft');
  writeFileSync(rules, 'table ip nat {\n  chain post {\n    type nat hook postrouting priority 100;\n    oifname "wan0" masquerade\n  }\n}\n');
  must(ns, ['nft', '-f', rules]);
  const phone = rig.addPhone('phone1', { address: '192.168.1.10/24' });
  must(phone.ns, ['ip', 'route', 'add', 'default', 'via', rig.lanAddress]);
  return phone;
}
