// The client's lease clock (RFC 2131 §4.4.5) for the simulated phones: when to renew (T1), when to
// rebind (T2), when the lease is gone, and how often to retransmit in between. Pure arithmetic.
import { Opt, type DhcpMessage } from '../../firmware/wire/dhcp';
import { readU32Value } from '../../firmware/wire/dhcp-options';

/** Scheduler times (ms) of one bound lease. */
export interface LeaseTimes {
  readonly t1: number;
  readonly t2: number;
  readonly end: number;
}

/** RFC 2131 §4.4.5: a client waits at least this long between two retransmissions. */
export const MIN_RETRANSMIT_MS = 60_000;

/** From an ACK received at `now`: options 51, 58 and 59, with T1 = 0.5 and T2 = 0.875 by default. */
export function leaseTimes(ack: DhcpMessage, now: number): LeaseTimes | undefined {
  const lease = readU32Value(ack.options.get(Opt.LEASE_TIME));
  if (lease === undefined || lease === 0xffffffff) return undefined; // infinite: nothing to renew
  const t2 = Math.min(readU32Value(ack.options.get(Opt.REBINDING_TIME)) ?? lease * 0.875, lease);
  const t1 = Math.min(readU32Value(ack.options.get(Opt.RENEWAL_TIME)) ?? lease * 0.5, t2);
  return { t1: now + t1 * 1000, t2: now + t2 * 1000, end: now + lease * 1000 };
}

/** Next retransmission while waiting for `deadline` (T2 when renewing, the end when rebinding). */
export function retransmitAt(now: number, deadline: number): number {
  return Math.min(deadline, now + Math.max(MIN_RETRANSMIT_MS, (deadline - now) / 2));
}
