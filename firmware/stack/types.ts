// The contract the router's own IPv4 stack offers to services (DHCP, TFTP, NAPPT, console ping).
// Addresses are u32 numbers (util/ipv4.ts); MACs are 6-byte Uint8Arrays.
import type { PortName } from '../../hal/hal';

/** A received UDP datagram. Every view is valid only during the callback: copy what you keep. */
export interface Datagram {
  readonly port: PortName;
  readonly srcMac: Uint8Array;
  readonly srcIp: number;
  readonly srcPort: number;
  readonly dstIp: number;
  readonly dstPort: number;
  readonly payload: Uint8Array;
  /** True when sent to 255.255.255.255 or the subnet broadcast. */
  readonly broadcast: boolean;
}

export type DatagramHandler = (datagram: Datagram) => void;

/** A bound UDP port on one of the router's interfaces. Sends copy the payload before returning. */
export interface UdpEndpoint {
  readonly port: PortName;
  readonly localPort: number;
  /**
   * Unicast; resolves the next hop with ARP (queued while unresolved; dropped and counted when that
   * hop's queue is full). False = the port refused it (its transmit queue is full): try again later.
   */
  sendTo(dstIp: number, dstPort: number, payload: Uint8Array): boolean;
  /** Unicast to a known MAC without ARP (a DHCP client that has no address yet). */
  sendToMac(dstMac: Uint8Array, dstIp: number, dstPort: number, payload: Uint8Array): boolean;
  /** To 255.255.255.255 at ff:ff:ff:ff:ff:ff. */
  sendBroadcast(dstPort: number, payload: Uint8Array): boolean;
  close(): void;
}

export interface InterfaceAddress {
  readonly ip: number;
  readonly prefixLength: number;
  /** Next hop for destinations off the subnet (the router's own sends: sendTo, ping). Optional. */
  readonly gateway?: number;
}

/**
 * Receives every frame that is not for the router itself (not our MAC/IP, or transit traffic),
 * with the offset of its IPv4 header. Return true when the hook took the frame (forwarded or
 * counted a drop itself); false lets the stack count it as "not for us".
 */
export type ForwardHook = (port: PortName, frame: Uint8Array, ipOffset: number) => boolean;

export interface Stack {
  address(port: PortName): InterfaceAddress | undefined;
  /** Set (or clear with undefined) the port's address; sends a gratuitous ARP when set. */
  setAddress(port: PortName, address: InterfaceAddress | undefined): void;
  /** Bind a UDP port (0 picks a free ephemeral port). Undefined when the port is taken. */
  bindUdp(port: PortName, localPort: number, onDatagram: DatagramHandler): UdpEndpoint | undefined;
  setForwardHook(hook: ForwardHook | undefined): void;
  /** The MAC cached for `ip` on `port`, if any (never triggers a request). */
  arpLookup(port: PortName, ip: number): Uint8Array | undefined;
  /**
   * Send a complete Ethernet frame carrying IPv4 at offset 14 towards `nextHop`: fills source and
   * destination MACs (resolving with ARP, queueing while unresolved). The frame is copied.
   */
  sendIpFrame(port: PortName, nextHop: number, frame: Uint8Array): boolean;
  /** Ping from the router; resolves with the round-trip ms, or undefined on timeout. */
  ping(dstIp: number, timeoutMs: number): Promise<number | undefined>;
  /** Drop and event counters by reason, for `show stats`. */
  counters(): Record<string, number>;
  clearCounters(): void;
}
