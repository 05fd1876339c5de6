// Router mode's stack: the kernel owns the addresses, answers ARP and ping, and forwards. Services
// keep the Stack contract they use in ports mode, served here by the HAL's kernel UDP sockets, so
// DHCP and TFTP run unchanged in both modes.
import type { KernelNet, PortName, UdpSocket } from '../../hal/hal';
import type { Datagram, DatagramHandler, ForwardHook, InterfaceAddress, UdpEndpoint } from '../stack/types';
import type { RouterStack } from '../stack/stack';
import { Counters } from '../stack/counters';
import { prefixMask } from '../util/ipv4';

/** DHCP's server and client ports: the sockets that must send and receive broadcasts. */
const BROADCAST_PORTS = new Set([67, 68]);
const NO_MAC = new Uint8Array(6);
const LIMITED_BROADCAST = 0xffffffff;

function subnetBroadcast(address: InterfaceAddress | undefined): number | undefined {
  if (address === undefined || address.prefixLength >= 31) return undefined;
  return (address.ip | ~prefixMask(address.prefixLength)) >>> 0;
}

class KernelEndpoint implements UdpEndpoint {
  constructor(
    private readonly socket: UdpSocket,
    private readonly counters: Counters,
  ) {}
  get port(): PortName {
    return this.socket.side;
  }
  get localPort(): number {
    return this.socket.localPort;
  }
  sendTo(dstIp: number, dstPort: number, payload: Uint8Array): boolean {
    return this.sent(this.socket.send(payload, dstIp, dstPort));
  }
  sendToMac(dstMac: Uint8Array, dstIp: number, dstPort: number, payload: Uint8Array): boolean {
    return this.sent(this.socket.send(payload, dstIp, dstPort, dstMac));
  }
  sendBroadcast(dstPort: number, payload: Uint8Array): boolean {
    return this.sent(this.socket.send(payload, LIMITED_BROADCAST, dstPort));
  }
  close(): void {
    this.socket.close();
  }
  private sent(ok: boolean): boolean {
    this.counters.event(ok ? 'udp.sent' : 'udp.send-failed');
    return ok;
  }
}

export class KernelStack implements RouterStack {
  readonly name = 'stack';
  onPollChange?: () => void;
  private readonly counters_ = new Counters();

  constructor(private readonly net: KernelNet) {}

  address(port: PortName): InterfaceAddress | undefined {
    const first = this.net.addresses(port)[0];
    return first === undefined ? undefined : { ip: first.ip, prefixLength: first.prefixLength };
  }

  /** The kernel's addresses are OpenWrt's (netifd): the firmware never sets them here. */
  setAddress(): void {
    this.counters_.event('address.set-ignored');
  }

  bindUdp(port: PortName, localPort: number, onDatagram: DatagramHandler): UdpEndpoint | undefined {
    const socket = this.net.openUdp({ side: port, port: localPort, broadcast: BROADCAST_PORTS.has(localPort) });
    if (typeof socket === 'number') {
      this.counters_.event('udp.bind-failed');
      return undefined;
    }
    socket.onReceive = (payload, fromAddress, fromPort, toAddress) => {
      this.counters_.event('udp.received');
      const datagram: Datagram = {
        port,
        srcMac: NO_MAC, // the kernel does not say; no service needs it
        srcIp: fromAddress,
        srcPort: fromPort,
        dstIp: toAddress,
        dstPort: socket.localPort,
        payload,
        broadcast: toAddress === LIMITED_BROADCAST || toAddress === subnetBroadcast(this.address(port)),
      };
      onDatagram(datagram);
    };
    return new KernelEndpoint(socket, this.counters_);
  }

  /** The kernel forwards: there is no transit traffic for a hook to see. */
  setForwardHook(_hook: ForwardHook | undefined): void {}

  arpLookup(): Uint8Array | undefined {
    return undefined;
  }

  sendIpFrame(): boolean {
    return false;
  }

  ping(dstIp: number, timeoutMs: number): Promise<number | undefined> {
    this.counters_.event('ping.sent');
    return this.net.ping(dstIp, timeoutMs);
  }

  counters(): Record<string, number> {
    const { ["rx.frames"]: _frames, ...events } = this.counters_.all();
    return events;
  }

  clearCounters(): void {
    this.counters_.clear();
  }

  frameOutcomes(): Record<string, number> {
    return {};
  }

  pollAt(): number | undefined {
    return undefined;
  }

  dispatch(): void {}
}
