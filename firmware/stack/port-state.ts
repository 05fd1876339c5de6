// What the stack keeps per port (LAN, WAN): its address in the forms the per-frame checks compare,
// its ARP cache and resolution queue, and its UDP sockets.
import type { Port, PortName } from '../../hal/hal';
import type { ArpCache } from './arp-cache';
import type { ArpPending } from './arp-pending';
import type { InterfaceAddress } from './types';
import type { UdpPorts } from './udp-ports';

/** Never equal to a u32 address. */
export const NO_IP = -1;
export const ZERO_MAC = new Uint8Array(6);

export interface PortState {
  readonly name: PortName;
  readonly port: Port;
  readonly mac: Uint8Array;
  address: InterfaceAddress | undefined;
  /**
   * The address and the subnet broadcast as plain numbers, NO_IP when absent (and the broadcast
   * for /31 and /32). A sentinel rather than undefined keeps the per-frame comparisons unboxed:
   * a number-or-undefined above 2^31 makes V8 allocate a HeapNumber on every frame.
   */
  ownIp: number;
  subnetBroadcast: number;
  readonly arp: ArpCache;
  readonly pending: ArpPending;
  readonly udp: UdpPorts;
}
