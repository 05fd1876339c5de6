// UDP for the router's own services: datagrams to a bound port are delivered (checksum checked),
// others get a rate-limited port unreachable; endpoints send through the port they are bound on.
import type { PortName } from '../../hal/hal';
import { BROADCAST_IP } from '../util/ipv4';
import { BROADCAST_MAC } from '../util/mac';
import { ETH_DST, ETH_HEADER_LEN, ETH_SRC } from '../wire/ethernet';
import { IPV4_MIN_HEADER_LEN, IpProtocol, ipv4Dst, ipv4Src } from '../wire/ipv4';
import { UDP_HEADER_LEN, UdpError, checkUdp, fillUdpChecksum, udpDstPort, udpLength, udpSrcPort, verifyUdpChecksum, writeUdpHeader } from '../wire/udp';
import type { Counters } from './counters';
import type { Egress } from './egress';
import type { Icmp } from './icmp';
import type { PortState } from './port-state';
import type { Datagram, DatagramHandler, UdpEndpoint } from './types';
import type { UdpBinding } from './udp-ports';

export class Udp {
  constructor(
    private readonly counters: Counters,
    private readonly egress: Egress,
    private readonly icmp: Icmp,
  ) {}

  /** A UDP datagram for us at frame[l4, end): exactly one outcome is counted. */
  receive(state: PortState, frame: Uint8Array, ip: number, l4: number, end: number, broadcast: boolean): void {
    const counters = this.counters;
    const error = checkUdp(frame, l4, end);
    if (error !== undefined) return counters.outcome(error);
    const src = ipv4Src(frame, ip);
    const dst = ipv4Dst(frame, ip);
    if (!verifyUdpChecksum(frame, l4, src, dst)) return counters.outcome(UdpError.BadChecksum);
    const binding = state.udp.get(udpDstPort(frame, l4));
    if (binding === undefined) {
      // RFC 1122 4.1.3.1: SHOULD say port unreachable; 3.2.2: never about a broadcast, and within the ICMP rate.
      if (!broadcast && (frame[ETH_DST] & 1) === 0 && src !== 0 && this.icmp.mayAnswer()) this.icmp.portUnreachable(state, frame, ip, end);
      return counters.outcome('udp.no-listener');
    }
    const datagram: Datagram = {
      port: state.name,
      srcMac: frame.subarray(ETH_SRC, ETH_SRC + 6),
      srcIp: src,
      srcPort: udpSrcPort(frame, l4),
      dstIp: dst,
      dstPort: binding.localPort,
      payload: frame.subarray(l4 + UDP_HEADER_LEN, l4 + udpLength(frame, l4)),
      broadcast,
    };
    counters.outcome('udp.delivered');
    binding.handler(datagram);
  }

  bind(state: PortState, localPort: number, onDatagram: DatagramHandler): UdpEndpoint | undefined {
    const binding = state.udp.bind(localPort, onDatagram);
    if (binding === undefined) return undefined;
    return new Endpoint(this, state, binding);
  }

  /** Build and send one datagram from `state`; `dstMac` skips ARP (undefined = resolve). */
  send(state: PortState, binding: UdpBinding, dstIp: number, dstPort: number, payload: Uint8Array, dstMac: Uint8Array | undefined): boolean {
    const counters = this.counters;
    const egress = this.egress;
    if (!state.udp.isBound(binding)) {
      counters.event('udp.closed-send');
      return false;
    }
    const length = UDP_HEADER_LEN + payload.length;
    if (ETH_HEADER_LEN + IPV4_MIN_HEADER_LEN + length > ETH_HEADER_LEN + state.port.mtu) {
      counters.event('udp.too-big');
      return false;
    }
    const dst = dstIp >>> 0;
    let nextHop: number | undefined;
    if (dstMac === undefined) {
      nextHop = egress.nextHop(state, dst);
      if (nextHop === undefined) {
        counters.event('ipv4.no-route');
        return false;
      }
    }
    const src = state.address?.ip ?? 0;
    const scratch = egress.scratch;
    const at = egress.writeIpHeaders(state, src, dst, IpProtocol.UDP, length);
    writeUdpHeader(scratch, at, binding.localPort, dstPort, length);
    scratch.set(payload, at + UDP_HEADER_LEN);
    fillUdpChecksum(scratch, at, src, dst);
    counters.event('udp.sent');
    if (dstMac !== undefined) {
      const frame = egress.scratchFrame(at + length);
      frame.set(dstMac.subarray(0, 6), ETH_DST);
      return egress.transmit(state, frame);
    }
    return egress.routeScratch(state, nextHop as number, at + length);
  }
}

class Endpoint implements UdpEndpoint {
  readonly port: PortName;
  readonly localPort: number;

  constructor(
    private readonly udp: Udp,
    private readonly state: PortState,
    private readonly binding: UdpBinding,
  ) {
    this.port = state.name;
    this.localPort = binding.localPort;
  }

  sendTo(dstIp: number, dstPort: number, payload: Uint8Array): boolean {
    return this.udp.send(this.state, this.binding, dstIp, dstPort, payload, undefined);
  }

  sendToMac(dstMac: Uint8Array, dstIp: number, dstPort: number, payload: Uint8Array): boolean {
    return this.udp.send(this.state, this.binding, dstIp, dstPort, payload, dstMac);
  }

  sendBroadcast(dstPort: number, payload: Uint8Array): boolean {
    return this.udp.send(this.state, this.binding, BROADCAST_IP, dstPort, payload, BROADCAST_MAC);
  }

  close(): void {
    this.state.udp.release(this.binding);
  }
}
