// The router's ICMP: echo requests answered (rate-limited, never to a broadcast), its own pings
// (the console's `ping`, DHCP's address probes) sent and matched, port unreachable for UDP.
import type { PortName } from '../../hal/hal';
import { PORT_NAMES } from '../../hal/hal';
import { sameSubnet } from '../util/ipv4';
import { TokenBucket } from '../util/token-bucket';
import { internetChecksum } from '../wire/checksum';
import { ETH_DST, ETH_HEADER_LEN, ETH_SRC } from '../wire/ethernet';
import {
  ICMP_HEADER_LEN, IcmpType, UnreachableCode, checkIcmp, emitIcmp, icmpEchoIdent, icmpEchoSeq, icmpQuoteLength, isIcmpError,
} from '../wire/icmp';
import { IPV4_MIN_HEADER_LEN, IpProtocol, ipv4Dst, ipv4Src } from '../wire/ipv4';
import type { Counters } from './counters';
import type { Egress } from './egress';
import { PendingPings } from './pings';
import type { PortState } from './port-state';

const PING_DATA_LEN = 56;

export interface IcmpOptions {
  /** Echo replies (and port unreachables) per second, and the burst allowed above that rate. */
  readonly icmpRatePerSecond: number;
  readonly icmpBurst: number;
}

export class Icmp {
  private readonly bucket: TokenBucket;
  private readonly pings = new PendingPings();

  constructor(
    private readonly now: () => number,
    private readonly counters: Counters,
    private readonly egress: Egress,
    options: IcmpOptions,
    private readonly pingIdent: number,
    private readonly pollChanged: () => void,
  ) {
    this.bucket = new TokenBucket(options.icmpRatePerSecond, options.icmpBurst);
  }

  /** An ICMP message for us at frame[l4, end): exactly one outcome is counted. */
  receive(state: PortState, frame: Uint8Array, ip: number, l4: number, end: number, broadcast: boolean): void {
    const counters = this.counters;
    const error = checkIcmp(frame, l4, end);
    if (error !== undefined) return counters.outcome(error);
    const type = frame[l4];
    if (type === IcmpType.EchoRequest) {
      // No answer to broadcast pings (RFC 1122 3.2.2.6 allows silence; it avoids smurf amplification).
      if (broadcast) return counters.outcome('icmp.broadcast-ignored');
      if (!this.bucket.take(this.now())) return counters.outcome('icmp.rate-limited');
      return counters.outcome(this.echoReply(state, frame, ip, l4, end));
    }
    if (type === IcmpType.EchoReply) {
      if (icmpEchoIdent(frame, l4) !== this.pingIdent) return counters.outcome('icmp.echo-reply-unmatched');
      const matched = this.pings.answer(icmpEchoSeq(frame, l4), ipv4Src(frame, ip), this.now());
      return counters.outcome(matched ? 'icmp.echo-reply-matched' : 'icmp.echo-reply-unmatched');
    }
    if (isIcmpError(type)) return counters.outcome('icmp.error-received');
    return counters.outcome('icmp.type-ignored');
  }

  /** A token for an error the router sends (shared with echo replies). */
  mayAnswer(): boolean {
    return this.bucket.take(this.now());
  }

  /** ICMP destination unreachable (port) quoting the datagram's IP header and first 8 bytes. */
  portUnreachable(state: PortState, frame: Uint8Array, ip: number, end: number): void {
    const egress = this.egress;
    const quote = icmpQuoteLength(frame, ip, end);
    const at = egress.writeIpHeaders(state, ipv4Dst(frame, ip), ipv4Src(frame, ip), IpProtocol.ICMP, ICMP_HEADER_LEN + quote);
    emitIcmp({ kind: 'destination-unreachable', code: UnreachableCode.Port, nextHopMtu: 0, invoking: frame.subarray(ip, ip + quote) }, egress.scratch, at);
    const reply = egress.scratchFrame(at + ICMP_HEADER_LEN + quote);
    reply.set(frame.subarray(ETH_SRC, ETH_SRC + 6), ETH_DST);
    this.counters.event('icmp.unreachable-sent');
    egress.transmit(state, reply);
  }

  /** Send one echo request; resolves with the round trip in ms, or undefined (no route, no answer). */
  ping(ports: Record<PortName, PortState>, dstIp: number, timeoutMs: number): Promise<number | undefined> {
    const egress = this.egress;
    const dst = dstIp >>> 0;
    const now = this.now();
    for (const name of PORT_NAMES) if (ports[name].address?.ip === dst) return Promise.resolve(0);
    const state = routeFor(ports, dst);
    const nextHop = state === undefined ? undefined : egress.nextHop(state, dst);
    if (state === undefined || nextHop === undefined || state.address === undefined) {
      this.counters.event('ipv4.no-route');
      return Promise.resolve(undefined);
    }
    const seq = this.pings.allocateSeq();
    if (seq === undefined) return Promise.resolve(undefined);
    const at = egress.writeIpHeaders(state, state.address.ip, dst, IpProtocol.ICMP, ICMP_HEADER_LEN + PING_DATA_LEN);
    const data = egress.scratch.subarray(at + ICMP_HEADER_LEN, at + ICMP_HEADER_LEN + PING_DATA_LEN);
    for (let i = 0; i < PING_DATA_LEN; i++) data[i] = i;
    emitIcmp({ kind: 'echo-request', ident: this.pingIdent, seq, data }, egress.scratch, at);
    this.counters.event('icmp.echo-request-sent'); // the router's own: DHCP's address probes and the console's ping
    const result = new Promise<number | undefined>((resolve) => this.pings.add(seq, dst, now, now + timeoutMs, resolve));
    egress.routeScratch(state, nextHop, at + ICMP_HEADER_LEN + PING_DATA_LEN);
    this.pollChanged();
    return result;
  }

  nextDeadline(): number | undefined {
    return this.pings.nextDeadline();
  }

  /** Pings whose time is up resolve with undefined. */
  dispatch(now: number): void {
    const timedOut = this.pings.expire(now);
    if (timedOut > 0) this.counters.event('icmp.echo-request-unanswered', timedOut);
  }

  private echoReply(state: PortState, frame: Uint8Array, ip: number, l4: number, end: number): string {
    const egress = this.egress;
    const scratch = egress.scratch;
    const icmpLength = end - l4;
    if (ETH_HEADER_LEN + IPV4_MIN_HEADER_LEN + icmpLength > scratch.length) return 'icmp.echo-too-big';
    const src = ipv4Dst(frame, ip);
    const dst = ipv4Src(frame, ip);
    const at = egress.writeIpHeaders(state, src, dst, IpProtocol.ICMP, icmpLength);
    // Same identifier, sequence and data; only the type changes (and so the checksum).
    scratch.set(frame.subarray(l4, end), at);
    scratch[at] = IcmpType.EchoReply;
    scratch[at + 1] = 0;
    scratch[at + 2] = 0;
    scratch[at + 3] = 0;
    const checksum = internetChecksum(scratch, at, at + icmpLength);
    scratch[at + 2] = checksum >>> 8;
    scratch[at + 3] = checksum & 0xff;
    // Answer the MAC the request came from: on-link host or the gateway that routed it.
    const reply = egress.scratchFrame(at + icmpLength);
    reply.set(frame.subarray(ETH_SRC, ETH_SRC + 6), ETH_DST);
    egress.transmit(state, reply);
    return 'icmp.echo-replied';
  }
}

/** The port whose subnet holds `dst`; else the first port with a gateway. */
function routeFor(ports: Record<PortName, PortState>, dst: number): PortState | undefined {
  for (const name of PORT_NAMES) {
    const address = ports[name].address;
    if (address !== undefined && sameSubnet(dst, address.ip, address.prefixLength)) return ports[name];
  }
  for (const name of PORT_NAMES) if (ports[name].address?.gateway !== undefined) return ports[name];
  return undefined;
}
