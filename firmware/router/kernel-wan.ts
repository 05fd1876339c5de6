// Router mode's WAN side: OpenWrt (netifd) brings the WAN up (DHCP, PPPoE, static, VLAN) and the
// firmware reads the address the kernel holds, for the NAT table, the console and TFTP templates.
import type { KernelNet } from '../../hal/hal';
import type { WanAddressing, WanState } from '../wan/types';

export class KernelWan implements WanAddressing {
  private current: WanState | undefined;
  private readonly listeners = new Set<(state: WanState | undefined) => void>();

  constructor(private readonly net: KernelNet) {
    this.current = this.read();
  }

  publicAddress(): number | undefined {
    return this.current?.address;
  }

  state(): WanState | undefined {
    return this.current;
  }

  subscribe(listener: (state: WanState | undefined) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The kernel's WAN addresses changed (netlink): tell the subscribers if ours did. */
  refresh(): void {
    const next = this.read();
    if (next?.address === this.current?.address && next?.prefixLength === this.current?.prefixLength) return;
    this.current = next;
    for (const listener of this.listeners) listener(next);
  }

  private read(): WanState | undefined {
    const first = this.net.addresses('wan')[0];
    return first === undefined ? undefined : { address: first.ip, prefixLength: first.prefixLength, gateway: undefined, dns: [], source: 'kernel' };
  }
}
