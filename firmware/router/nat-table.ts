// The NAT table router mode asks the kernel for, built from what the firmware decided: the live
// phone leases with their blocks, the LAN and WAN addresses, and the nat.* policy. Pure, so a
// renewal (same leases, same addresses) gives an identical table and nothing is re-applied.
import type { BoardInfo, KernelAddress, NatTable } from '../../hal/hal';
import type { LeaseInfo } from '../dhcp/types';
import type { NapptConfig } from '../nappt/config';

export interface NatInputs {
  readonly leases: Iterable<LeaseInfo>;
  readonly lan: KernelAddress;
  readonly wan: KernelAddress | undefined;
  readonly policy: NapptConfig;
  readonly offload: BoardInfo['offload'];
  /** Monotonic now: leases past their end are left out even before the server expires them. */
  readonly now: number;
}

export function buildNatTable(inputs: NatInputs): NatTable {
  const phones = [];
  for (const lease of inputs.leases) {
    if (lease.block === undefined || lease.expiresAt <= inputs.now) continue;
    phones.push({ ip: lease.ip >>> 0, mac: lease.mac.slice(0, 6), firstPort: lease.block.first, lastPort: lease.block.last });
  }
  phones.sort((a, b) => a.ip - b.ip);
  const { policy } = inputs;
  return {
    wan: inputs.wan,
    lan: inputs.lan,
    phones,
    guestPool: { firstPort: policy.pool.first, lastPort: policy.pool.last },
    guests: policy.fallbackNapt,
    phoneOutsideBlock: policy.phoneOutsideBlock,
    hairpin: policy.hairpin,
    dropBogons: policy.dropBogonWanSources,
    mssClamp: policy.clampMss,
    wanMtu: policy.wanMtu,
    offload: inputs.offload,
  };
}

/** Two tables the kernel would treat the same. */
export function sameNatTable(a: NatTable, b: NatTable): boolean {
  return tableKey(a) === tableKey(b);
}

function tableKey(table: NatTable): string {
  const address = (x: KernelAddress | undefined): string => (x === undefined ? '-' : `${x.ip}/${x.prefixLength}`);
  const phones = table.phones.map((p) => `${p.ip}@${Array.from(p.mac).join('.')}:${p.firstPort}-${p.lastPort}`).join(',');
  const pool = `${table.guestPool.firstPort}-${table.guestPool.lastPort}`;
  return [address(table.wan), address(table.lan), phones, pool, table.guests, table.phoneOutsideBlock, table.hairpin, table.dropBogons, table.mssClamp, table.wanMtu, table.offload].join('|');
}
