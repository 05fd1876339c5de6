// Router mode's WAN side: OpenWrt (netifd) brings the WAN up (DHCP, PPPoE, static, VLAN) and the
// firmware reads the address the kernel holds, for the NAT table, the console and TFTP templates.
import type { KernelNet } from '../../hal/hal';
import type { WanAddressing, WanState } from '../wan/types';
import { WanStateBook } from '../wan/state-book';

export class KernelWan extends WanStateBook implements WanAddressing {
  constructor(private readonly net: KernelNet) {
    super();
    this.announce(this.read());
  }

  /** The kernel's WAN addresses changed (netlink): tell the subscribers if ours did. */
  refresh(): void {
    const next = this.read();
    const current = this.state();
    if (next?.address === current?.address && next?.prefixLength === current?.prefixLength) return;
    this.announce(next);
  }

  private read(): WanState | undefined {
    const first = this.net.addresses('wan')[0];
    return first === undefined ? undefined : { address: first.ip, prefixLength: first.prefixLength, gateway: undefined, dns: [], source: 'kernel' };
  }
}
