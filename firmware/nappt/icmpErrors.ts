// ICMP errors the router itself sends while forwarding (RFC 1812 / RFC 5508 REQ-10): time-exceeded
// and fragmentation-needed, built into one preallocated buffer and rate-limited by a token bucket.
import { internetChecksum } from '../wire/checksum';
import { writeIp } from '../util/ipv4';
import {
  ICMP_CHECKSUM,
  ICMP_HEADER,
  ICMP_NEXT_HOP_MTU,
  IP_FLAGS_FRAGMENT,
  IP_FRAGMENT_OFFSET_MASK,
  IP_PROTOCOL,
  IP_SRC,
  PROTO_ICMP,
  isIcmpError,
  readU16,
  writeU16,
} from './packet';
import { isNonUnicast } from './addressClass';
import { fillIpChecksum } from './rewrite';
import { readIp } from '../util/ipv4';

/** RFC 1812 4.3.2.3: quote as much of the offending packet as fits in 576 bytes. */
const MAX_ERROR_PACKET = 576;
const QUOTE_LIMIT = MAX_ERROR_PACKET - 20 - ICMP_HEADER;

export class IcmpErrorBuilder {
  /** Ethernet header space (filled by sendIpFrame) + the error packet. */
  readonly frame = new Uint8Array(14 + MAX_ERROR_PACKET);
  private tokens: number;
  private refilledAt = 0;
  private nextId = 1;

  constructor(
    private perSecond: number,
    private burst: number,
  ) {
    this.tokens = burst;
  }

  configure(perSecond: number, burst: number): void {
    this.perSecond = perSecond;
    this.burst = burst;
    if (this.tokens > burst) this.tokens = burst;
  }

  /** Whether the offending packet may be answered with an error at all (RFC 1812 4.3.2.7). */
  static mayAnswer(frame: Uint8Array, ip: number, headerLength: number, total: number): boolean {
    if ((readU16(frame, ip + IP_FLAGS_FRAGMENT) & IP_FRAGMENT_OFFSET_MASK) !== 0) return false;
    if (isNonUnicast(readIp(frame, ip + IP_SRC))) return false;
    if (frame[ip + IP_PROTOCOL] === PROTO_ICMP) {
      if (total < headerLength + 1) return false;
      if (isIcmpError(frame[ip + headerLength])) return false;
    }
    return true;
  }

  /** Take a token; false when the bucket is empty (the caller counts a rate-limited error). */
  allow(now: number): boolean {
    const elapsed = now - this.refilledAt;
    if (elapsed > 0) {
      this.tokens = Math.min(this.burst, this.tokens + (elapsed * this.perSecond) / 1000);
      this.refilledAt = now;
    }
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /**
   * Build an error about the packet at frame[ip, ip + total) from `source`, in `this.frame`.
   * `mtu` fills the next-hop MTU field (fragmentation-needed). Returns the frame length.
   */
  build(frame: Uint8Array, ip: number, total: number, type: number, code: number, mtu: number, source: number): number {
    const quote = Math.min(total, QUOTE_LIMIT);
    const out = this.frame;
    const at = 14;
    const length = 20 + ICMP_HEADER + quote;
    out.fill(0, 0, 14 + 20 + ICMP_HEADER);
    out[12] = 0x08; // EtherType IPv4
    out[at] = 0x45;
    out[at + 1] = 0xc0; // internetwork control precedence, as routers send errors
    writeU16(out, at + 2, length);
    writeU16(out, at + 4, this.nextId);
    this.nextId = (this.nextId + 1) & 0xffff;
    out[at + 8] = 64;
    out[at + 9] = PROTO_ICMP;
    writeIp(out, at + 12, source);
    writeIp(out, at + 16, readIp(frame, ip + IP_SRC));
    fillIpChecksum(out, at, 20);
    const icmp = at + 20;
    out[icmp] = type;
    out[icmp + 1] = code;
    writeU16(out, icmp + ICMP_NEXT_HOP_MTU, mtu);
    out.set(frame.subarray(ip, ip + quote), icmp + ICMP_HEADER);
    writeU16(out, icmp + ICMP_CHECKSUM, internetChecksum(out, icmp, icmp + ICMP_HEADER + quote));
    return 14 + length;
  }
}
