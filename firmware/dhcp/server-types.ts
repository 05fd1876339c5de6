// What the pure DHCP server takes and gives: one datagram in, outputs to perform (send, probe,
// persist, log), the network it serves, its status, and one lease as the server keeps it.
import type { PortName } from '../../hal/hal';
import type { PhoneClass } from './config';
import type { LeaseEvent, LeaseInfo } from './types';

export type LeaseState = 'offered' | 'bound' | 'released' | 'expired' | 'idle';

/** One client the server knows: its address (0 = none), class and lease times. */
export interface Lease {
  readonly key: string;
  mac: Uint8Array;
  ip: number;
  phoneClass: PhoneClass | undefined;
  state: LeaseState;
  /** Bound: when the lease ends; offered: when the offer lapses; else when it ended. */
  expiresAt: number;
  /** Persistence slot (-1 until the first bind). */
  slot: number;
  /** Bumped when a persisted fact (address, class, block) changes; durable when equal. */
  version: number;
  durableVersion: number;
  info: LeaseInfo | undefined;
}

/** One received datagram for the server. Views need only live during the call. */
export interface DhcpInput {
  readonly port: PortName;
  readonly payload: Uint8Array;
  readonly srcIp: number;
  /** Sent to a broadcast address (REBINDING) rather than to us (RENEWING). */
  readonly broadcast: boolean;
}

export type ReplyTarget =
  | { readonly kind: 'broadcast' }
  /** Unicast at a known MAC without ARP (the client may have no address yet). */
  | { readonly kind: 'mac'; readonly mac: Uint8Array; readonly ip: number };

export type DhcpOutput =
  | { readonly kind: 'send'; readonly from: 67 | 68; readonly to: ReplyTarget; readonly toPort: 67 | 68; readonly payload: Uint8Array }
  /** Check that nobody holds `ip`; answer with probeResult(ip, inUse, now). */
  | { readonly kind: 'probe'; readonly ip: number }
  /** Write these records (group commit); answer with persisted(ticket, ok, now). */
  | { readonly kind: 'persist'; readonly ticket: number; readonly records: readonly { readonly key: string; readonly bytes: Uint8Array }[] }
  | { readonly kind: 'log'; readonly level: 'info' | 'warn' | 'error'; readonly text: string }
  /** A lease was bound, released or expired: the edge tells NAPPT, router mode and the console. */
  | { readonly kind: 'lease'; readonly event: LeaseEvent };

export interface DhcpNetwork {
  /** The router's LAN address and prefix (server identifier, mask). */
  readonly ip: number;
  readonly prefixLength: number;
  /** The router's LAN MAC (chaddr of its own rogue-server probe). */
  readonly mac: Uint8Array;
}

export interface DhcpStatus {
  readonly serving: boolean;
  readonly stoppedBecause: string | undefined;
  readonly otherServers: readonly string[];
  readonly lastProbeAt: number | undefined;
  readonly leases: { readonly bound: number; readonly offered: number; readonly known: number };
  readonly persistPending: number;
}
