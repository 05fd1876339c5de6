// Console views over the services as they are built (DHCP server, NAPPT forwarder, WAN): the few
// lines each `show` command prints, and the actions (clear) they offer. TFTP's is in tftpView.ts.
import type { DhcpService } from '../dhcp/service';
import type { NapptForwarder } from '../nappt/forwarder';
import type { WanAddressing } from '../wan/types';
import type { DhcpView, NatView, WanView } from './router';
import { ipToString } from '../util/ipv4';
import { macToString } from '../util/mac';
import { bytes, duration, table } from './commands/format';

export function dhcpView(service: DhcpService): DhcpView {
  const server = service.server;
  // Clearing needs the service edge (it must send nothing, persist the empty table and tell NAPPT):
  // offered only when the DHCP service has it.
  const clearable = service as DhcpService & { clearLeases?: () => number | Promise<number> };
  return {
    clearLeases: typeof clearable.clearLeases === 'function' ? () => (clearable.clearLeases as () => number | Promise<number>)() : undefined,
    clearLease: (which) => service.clearLease(which),
    counters: () => server.counters(),
    clearCounters: () => server.clearCounters(),
  };
}

export function natView(forwarder: NapptForwarder): NatView {
  return {
    statusLines() {
      const lines: string[] = [];
      const publicIp = forwarder.publicAddress();
      lines.push(`Public address ${publicIp === undefined ? 'none (WAN down): nothing is forwarded' : ipToString(publicIp)}`);
      const blocks = forwarder.blocks().sort((a, b) => a.first - b.first);
      lines.push(`Phone blocks (port-preserving, endpoint-independent): ${blocks.length}`);
      if (blocks.length > 0) {
        const rows = blocks.map((b) => [ipToString(b.ip), macToString(b.mac), b.phoneClass ?? '-', `${b.first}-${b.last}`, `${b.packetsOut}/${bytes(b.bytesOut)}`, `${b.packetsIn}/${bytes(b.bytesIn)}`]);
        lines.push(...table(['Phone', 'MAC', 'Class', 'Public ports', 'Out pkts/bytes', 'In pkts/bytes'], rows));
      }
      const mappings = forwarder.mappings();
      lines.push(`NAPT mappings (guests, out-of-block ports): ${mappings.length}`);
      if (mappings.length > 0) {
        const rows = mappings.slice(0, 50).map((m) => [m.protocol, `${ipToString(m.internalIp)}:${m.internalPort}`, String(m.externalPort), duration(m.idleMs), duration(m.expiresInMs), String(m.packets)]);
        lines.push(...table(['Proto', 'Inside', 'Public port', 'Idle', 'Expires in', 'Packets'], rows));
        if (mappings.length > 50) lines.push(`... and ${mappings.length - 50} more`);
      }
      const drops = forwarder.drops();
      const nonzero = Object.keys(drops).filter((k) => drops[k] > 0);
      lines.push(nonzero.length === 0 ? 'Drops: none' : `Drops: ${nonzero.map((k) => `${k} ${drops[k]}`).join(', ')}`);
      return lines;
    },
    counters: () => forwarder.counters(),
    clearCounters: () => forwarder.stats.clear(),
    phoneTraffic(ip) {
      const b = forwarder.blocks().find((x) => x.ip === ip);
      return b ? `out ${b.packetsOut} in ${b.packetsIn}` : undefined;
    },
  };
}

export function wanView(wan: WanAddressing): WanView {
  return {
    publicAddress: () => wan.publicAddress(),
    statusLine() {
      const s = wan.state();
      if (!s) return 'no address yet';
      const gateway = s.gateway === undefined ? 'no gateway' : `via ${ipToString(s.gateway)}`;
      return `${ipToString(s.address)}/${s.prefixLength} ${gateway} (${s.source}${s.server !== undefined ? ` from ${ipToString(s.server)}` : ''})`;
    },
  };
}
