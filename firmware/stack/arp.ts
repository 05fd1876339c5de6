// ARP on one port (RFC 826): answer requests for our address, learn senders we talk to, release
// frames that waited for a MAC, retry or give up on unresolved next hops, announce a new address.
import { readIp } from '../util/ipv4';
import { BROADCAST_MAC, macEquals } from '../util/mac';
import { ARP_SHA, ARP_SPA, ARP_TPA, ArpOperation, arpOperation, checkArp } from '../wire/arp';
import { ETH_DST } from '../wire/ethernet';
import type { Counters } from './counters';
import type { Egress } from './egress';
import { ZERO_MAC, type PortState } from './port-state';

export interface ArpOptions {
  /** Requests sent before the queued frames are dropped (counted 'arp.unresolved'). */
  readonly arpMaxRequests: number;
  /** Interval between ARP requests for an unresolved next hop. */
  readonly arpRetryMs: number;
}

export class Arp {
  constructor(
    private readonly now: () => number,
    private readonly counters: Counters,
    private readonly egress: Egress,
    private readonly options: ArpOptions,
    private readonly pollChanged: () => void,
  ) {}

  /** An ARP packet at frame[at] on `state`'s port: exactly one outcome is counted. */
  receive(state: PortState, frame: Uint8Array, at: number): void {
    const counters = this.counters;
    const error = checkArp(frame, at);
    if (error !== undefined) return counters.outcome(error);
    const senderIp = readIp(frame, at + ARP_SPA);
    const targetIp = readIp(frame, at + ARP_TPA);
    const ours = state.ownIp;
    if ((frame[at + ARP_SHA] & 1) === 1) return counters.outcome('arp.bad-sender');
    if (senderIp === ours) {
      // Someone else claims our address (or our own gratuitous ARP looped back).
      if (macEquals(frame, at + ARP_SHA, state.mac)) return counters.outcome('arp.own-echo');
      return counters.outcome('arp.address-conflict');
    }
    const now = this.now();
    const forUs = targetIp === ours;
    const request = arpOperation(frame, at) === ArpOperation.Request;
    // RFC 826: refresh an entry we have (or are resolving); add one when a request asks for us,
    // since the asker is about to talk to us. Unsolicited replies add nothing, so a flood of them
    // cannot push real neighbours out of the cache.
    const known = state.arp.has(senderIp) || state.pending.has(senderIp);
    if (senderIp !== 0 && (known || (forUs && request))) this.learn(state, senderIp, frame, at + ARP_SHA, now);
    if (!forUs) return counters.outcome(known ? 'arp.refreshed' : 'arp.not-for-us');
    if (!request) return counters.outcome(known ? 'arp.learned' : 'arp.unsolicited');
    this.reply(state, frame, at);
    return counters.outcome('arp.replied');
  }

  /** The port has a new address: tell the segment (gratuitous ARP). */
  announce(state: PortState): void {
    const ip = state.address?.ip;
    if (ip === undefined) return;
    this.counters.event('arp.gratuitous-sent');
    this.egress.sendArp(state, ArpOperation.Request, BROADCAST_MAC, ZERO_MAC, ip, ip);
  }

  /** Expire old entries; ask again for next hops still unresolved, or drop what waits for them. */
  dispatch(state: PortState, now: number): void {
    const expired = state.arp.expire(now);
    if (expired > 0) this.counters.event('arp.expired', expired);
    for (const [nextHop, hop] of state.pending.due(now)) {
      if (hop.requests >= this.options.arpMaxRequests) {
        const frames = state.pending.take(nextHop);
        this.counters.event('arp.unresolved', frames === undefined ? 0 : frames.length);
        continue;
      }
      hop.requests++;
      hop.nextRetryAt = now + this.options.arpRetryMs;
      this.egress.sendArpRequest(state, nextHop);
    }
  }

  /** Cache the sender and release frames that were waiting for it. */
  private learn(state: PortState, ip: number, frame: Uint8Array, macAt: number, now: number): void {
    if (state.arp.learn(ip, frame, macAt, now)) this.counters.event('arp.evicted');
    const waiting = state.pending.take(ip);
    if (waiting === undefined) return;
    for (const queued of waiting) {
      queued.set(frame.subarray(macAt, macAt + 6), ETH_DST);
      this.egress.transmit(state, queued);
    }
    this.counters.event('arp.released', waiting.length);
    this.pollChanged();
  }

  private reply(state: PortState, request: Uint8Array, at: number): void {
    const senderMac = request.slice(at + ARP_SHA, at + ARP_SHA + 6);
    const senderIp = readIp(request, at + ARP_SPA);
    this.egress.sendArp(state, ArpOperation.Reply, senderMac, senderMac, senderIp, readIp(request, at + ARP_TPA));
  }
}
