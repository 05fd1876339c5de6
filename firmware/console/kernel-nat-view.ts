// `show nat` in router mode: the same table as ports mode, filled from what the kernel counted
// (nftables counters per phone block, conntrack's flows) for the table the firmware programmed.
import type { KernelNet, NatCounters } from '../../hal/hal';
import type { LeaseDirectory } from '../dhcp/types';
import type { NatProgrammer } from '../router/nat-programmer';
import type { WanAddressing } from '../wan/types';
import type { NatView } from './router';
import { ipToString } from '../util/ipv4';
import { macToString } from '../util/mac';
import { bytes, table } from './commands/format';

type PhoneCounts = NatCounters['phones'][number];

export function kernelNatView(programmer: NatProgrammer, net: KernelNet, wan: WanAddressing, leases: LeaseDirectory | undefined): NatView {
  let last: NatCounters | undefined;
  let baseline: NatCounters | undefined;
  const since = (c: NatCounters | undefined): NatCounters | undefined => (c === undefined || baseline === undefined ? c : minus(c, baseline));
  const phoneOf = (ip: number): PhoneCounts | undefined => since(last)?.phones.find((p) => p.ip === ip);
  return {
    async refresh() {
      const counters = await net.natCounters();
      if (typeof counters !== 'number') last = counters;
    },
    statusLines() {
      const lines: string[] = [];
      const publicIp = wan.publicAddress();
      lines.push(`Public address ${publicIp === undefined ? 'none (WAN down): nothing is forwarded' : ipToString(publicIp)} (router mode: the kernel translates)`);
      const kernelTable = programmer.table();
      const phones = kernelTable?.phones ?? [];
      lines.push(`Phone blocks (port-preserving, endpoint-independent): ${phones.length}`);
      if (phones.length > 0) {
        const rows = phones.map((p) => {
          const c = phoneOf(p.ip);
          const phoneClass = leases?.byIp(p.ip)?.phoneClass ?? '-';
          return [ipToString(p.ip), macToString(p.mac), phoneClass, `${p.firstPort}-${p.lastPort}`, `${c?.outPackets ?? 0}/${bytes(c?.outBytes ?? 0)}`, `${c?.inPackets ?? 0}/${bytes(c?.inBytes ?? 0)}`, String(c?.flows ?? 0)];
        });
        lines.push(...table(['Phone', 'MAC', 'Class', 'Public ports', 'Out pkts/bytes', 'In pkts/bytes', 'Flows'], rows));
      }
      const counted = since(last);
      const pool = kernelTable ? `${kernelTable.guestPool.firstPort}-${kernelTable.guestPool.lastPort}` : '-';
      lines.push(`NAPT (guests, out-of-block ports) into ports ${pool}: ${counted?.guests.flows ?? 0} flows, out ${counted?.guests.outPackets ?? 0}/${bytes(counted?.guests.outBytes ?? 0)}`);
      const drops = counted?.drops ?? {};
      const nonzero = Object.keys(drops).filter((k) => drops[k] > 0);
      lines.push(nonzero.length === 0 ? 'Drops: none' : `Drops: ${nonzero.map((k) => `${k} ${drops[k]}`).join(', ')}`);
      if (last === undefined) lines.push('% The kernel\'s counters could not be read (is nft installed?)');
      if (programmer.lastError !== undefined) lines.push(`% Last table change refused by the kernel: ${programmer.lastError}`);
      lines.push(`Kernel table: applied ${programmer.applyCount} time(s)${programmer.lastApplyMs === undefined ? '' : `, last in ${programmer.lastApplyMs.toFixed(1)} ms`}`);
      return lines;
    },
    counters() {
      const counted = since(last);
      const out: Record<string, number> = { 'nat.table-applies': programmer.applyCount };
      if (counted === undefined) return out;
      out['nat.guest-flows'] = counted.guests.flows;
      for (const [reason, count] of Object.entries(counted.drops)) out[`nat.drop.${reason}`] = count;
      return out;
    },
    clearCounters() {
      baseline = last;
    },
    phoneTraffic(ip) {
      const c = phoneOf(ip);
      return c ? `out ${c.outPackets} in ${c.inPackets}` : undefined;
    },
  };
}

function minus(now: NatCounters, base: NatCounters): NatCounters {
  const phones = now.phones.map((p) => {
    const b = base.phones.find((x) => x.ip === p.ip);
    return b === undefined ? p : { ...p, outPackets: p.outPackets - b.outPackets, outBytes: p.outBytes - b.outBytes, inPackets: p.inPackets - b.inPackets, inBytes: p.inBytes - b.inBytes };
  });
  const drops: Record<string, number> = {};
  for (const [reason, count] of Object.entries(now.drops)) drops[reason] = count - (base.drops[reason] ?? 0);
  const guests = { ...now.guests, outPackets: now.guests.outPackets - base.guests.outPackets, outBytes: now.guests.outBytes - base.guests.outBytes };
  return { phones, guests, drops };
}
