// Who a DHCP client is: its hardware address (one lease, one address, one port block per MAC), and
// the rule that folds two stored bindings of one MAC (an earlier firmware keyed some by option 61).
import { bytesToHex } from '../util/hex';
import { chaddrOf, type DhcpMessage } from '../wire/dhcp';
import type { BindingRecord } from './lease-record';

/** The lease key of a hardware address. Stored leases carry it (LEASES.md). */
export const macKey = (mac: Uint8Array): string => `hw:${bytesToHex(mac, 0, Math.min(6, mac.length))}`;

/**
 * A client is its hardware address: one lease, one address and one port block per MAC. Option 61
 * is echoed (RFC 6842) but names no lease, because phones change it while they boot (a boot
 * loader that omits it, an application that sends a type-1 id or an RFC 4361 DUID) and each form
 * would otherwise hold its own address and block. Kea's `match-client-id false` is this rule.
 */
export function clientKeyOf(message: DhcpMessage): string {
  return macKey(chaddrOf(message));
}

/**
 * Stored bindings, one per MAC. Of two for one MAC (an earlier firmware keyed by option 61) the
 * one stored under 61 wins: boot loaders omit it, so that is the lease the running phone uses.
 */
export function onePerMac(entries: readonly BindingRecord[]): { kept: Set<BindingRecord>; dropped: [BindingRecord, BindingRecord][] } {
  const chosen = new Map<string, BindingRecord>();
  const dropped: [BindingRecord, BindingRecord][] = [];
  for (const entry of entries) {
    const key = macKey(entry.mac);
    const held = chosen.get(key);
    if (!held) {
      chosen.set(key, entry);
      continue;
    }
    const keep = entry.key.startsWith('id:') && !held.key.startsWith('id:') ? entry : held;
    const lose = keep === held ? entry : held;
    chosen.set(key, keep);
    dropped.push([lose, keep]);
  }
  return { kept: new Set(chosen.values()), dropped };
}
