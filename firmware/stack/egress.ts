// Frames the router sends: its own packets are built in one scratch buffer (Ethernet + IPv4
// headers written here), forwarded ones are sent as given; either way the next hop's MAC comes
// from the ARP cache, or the frame waits in the port's bounded resolution queue.
import { BROADCAST_IP, sameSubnet } from '../util/ipv4';
import { BROADCAST_MAC } from '../util/mac';
import { ARP_PACKET_LEN, ArpOperation, emitArp } from '../wire/arp';
import { ETH_DST, ETH_HEADER_LEN, ETH_MIN_FRAME, ETH_SRC, EtherType, writeEthernetHeader } from '../wire/ethernet';
import { IPV4_MIN_HEADER_LEN, emitIpv4 } from '../wire/ipv4';
import type { Counters } from './counters';
import { NO_IP, ZERO_MAC, type PortState } from './port-state';

export interface EgressOptions {
  readonly arpRefreshMs: number;
  readonly arpRetryMs: number;
  /** TTL of packets the router originates. */
  readonly ttl: number;
}

const EMPTY = new Uint8Array(0);

export class Egress {
  /** Where the router's own packets are built; valid until the next send. */
  readonly scratch: Uint8Array;

  constructor(
    private readonly now: () => number,
    private readonly counters: Counters,
    private readonly options: EgressOptions,
    largestMtu: number,
    private ipIdent: number,
    /** pollAt may have moved earlier (a frame started waiting for ARP). */
    private readonly pollChanged: () => void,
  ) {
    this.scratch = new Uint8Array(ETH_HEADER_LEN + largestMtu);
  }

  /** Hand a finished frame to the port (the HAL copies it). */
  transmit(state: PortState, frame: Uint8Array): boolean {
    if (state.port.send(frame)) {
      this.counters.event('tx.frames');
      return true;
    }
    this.counters.event('tx.dropped');
    return false;
  }

  /**
   * The first `length` bytes of scratch as a frame, zero-padded to the Ethernet minimum: the
   * router's own runts (ARP, small UDP) leave padded as a NIC would send them. Forwarded frames
   * are sent as given; padding them would cost a copy per frame, and the driver pads on the wire.
   */
  scratchFrame(length: number): Uint8Array {
    if (length >= ETH_MIN_FRAME) return this.scratch.subarray(0, length);
    this.scratch.fill(0, length, ETH_MIN_FRAME);
    return this.scratch.subarray(0, ETH_MIN_FRAME);
  }

  /** Send scratch[0, length) (an IPv4 frame with its destination MAC still to fill) towards `nextHop`. */
  routeScratch(state: PortState, nextHop: number, length: number): boolean {
    const frame = this.scratchFrame(length);
    frame.set(state.mac, ETH_SRC);
    return this.resolveAndSend(state, nextHop | 0, frame);
  }

  /** A forwarded IPv4 frame: our source MAC, EtherType IPv4, then resolution. `nextHop` as u32 or int32. */
  sendIpFrame(state: PortState, nextHop: number, frame: Uint8Array): boolean {
    if (frame.length < ETH_HEADER_LEN + IPV4_MIN_HEADER_LEN) throw new RangeError('sendIpFrame: frame too short');
    frame.set(state.mac, ETH_SRC);
    frame[12] = EtherType.IPv4 >>> 8;
    frame[13] = EtherType.IPv4 & 0xff;
    return this.resolveAndSend(state, nextHop | 0, frame);
  }

  /**
   * `hop` is the next hop's int32 twin (ip | 0): on the forwarding path a u32 above 2^31 passed
   * between functions would be boxed by V8, one allocation per frame.
   */
  private resolveAndSend(state: PortState, hop: number, frame: Uint8Array): boolean {
    if (hop === -1 || (state.subnetBroadcast !== NO_IP && hop === (state.subnetBroadcast | 0))) {
      frame.set(BROADCAST_MAC, ETH_DST);
      return this.transmit(state, frame);
    }
    const now = this.now();
    const entry = state.arp.live(hop, now);
    if (entry !== undefined) {
      frame.set(entry.mac, ETH_DST);
      const sent = this.transmit(state, frame);
      // After the frame is out: the request reuses the scratch buffer `frame` may live in.
      if (!entry.refreshSent && entry.expiresAt - now <= this.options.arpRefreshMs) {
        entry.refreshSent = true;
        this.counters.event('arp.refresh-sent');
        this.sendArp(state, ArpOperation.Request, entry.mac, ZERO_MAC, hop, state.ownIp === NO_IP ? 0 : state.ownIp);
      }
      return sent;
    }
    const result = state.pending.enqueue(hop, frame, now, this.options.arpRetryMs);
    if (result === 'hop-full' || result === 'total-full') {
      // Dropped and counted, as when the hop never answers: `false` is kept for a port that refuses,
      // since senders (TFTP) wait for the port then, and one silent hop must not hold them all.
      this.counters.event('arp.queue-full');
      return true;
    }
    if (result === 'queued-new') {
      this.sendArpRequest(state, hop);
      this.pollChanged();
    }
    return true;
  }

  /** The next hop for a destination from `state`, or undefined when there is no route. */
  nextHop(state: PortState, dstIp: number): number | undefined {
    const address = state.address;
    if (dstIp === BROADCAST_IP) return dstIp;
    if (address === undefined) return undefined;
    if (sameSubnet(dstIp, address.ip, address.prefixLength)) return dstIp;
    return address.gateway;
  }

  /** Write Ethernet (dst left for resolution) + IPv4 headers for a packet the router originates. */
  writeIpHeaders(state: PortState, src: number, dst: number, protocol: number, payloadLength: number): number {
    writeEthernetHeader(this.scratch, ZERO_MAC, state.mac, EtherType.IPv4);
    this.ipIdent = (this.ipIdent + 1) & 0xffff;
    return (
      ETH_HEADER_LEN +
      emitIpv4(
        {
          dscp: 0,
          ecn: 0,
          identification: this.ipIdent,
          dontFragment: false,
          moreFragments: false,
          fragmentOffset: 0,
          ttl: this.options.ttl,
          protocol,
          src,
          dst,
          options: EMPTY,
          payloadLength,
        },
        this.scratch,
        ETH_HEADER_LEN,
      )
    );
  }

  sendArp(state: PortState, operation: ArpOperation, dstMac: Uint8Array, targetMac: Uint8Array, targetIp: number, senderIp: number): void {
    const frame = this.scratchFrame(ETH_HEADER_LEN + ARP_PACKET_LEN);
    writeEthernetHeader(frame, dstMac, state.mac, EtherType.ARP);
    emitArp({ operation, senderMac: state.mac, senderIp, targetMac, targetIp }, frame, ETH_HEADER_LEN);
    this.transmit(state, frame);
  }

  sendArpRequest(state: PortState, targetIp: number): void {
    this.counters.event('arp.request-sent');
    this.sendArp(state, ArpOperation.Request, BROADCAST_MAC, ZERO_MAC, targetIp, state.address?.ip ?? 0);
  }
}
