// Console views over the services as they are built (DHCP server, TFTP server, NAPPT forwarder, WAN):
// the few lines each `show` command prints, and the actions (clear, upload window) they offer.
import type { DhcpService } from '../dhcp/service';
import type { TftpServer } from '../tftp/server';
import type { NapptForwarder } from '../nappt/forwarder';
import type { WanAddressing } from '../wan/types';
import type { DhcpView, NatView, TftpView, WanView } from './router';
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

export function tftpView(server: TftpServer, now: () => number, lanAddress: () => number | undefined): TftpView {
  return {
    statusLines() {
      const s = server.status();
      const lines = [
        `Requests ${s.totals.requests}, reads done ${s.totals.readsCompleted}, uploads done ${s.totals.writesCompleted}, failed ${s.totals.failed}, peak ${s.totals.peakConcurrent} at once`,
        `Sent ${bytes(s.totals.bytesSent)}, received ${bytes(s.totals.bytesReceived)}, retransmits ${s.totals.retransmits}`,
        s.uploadWindow
          ? `Upload window open for ${ipToString(s.uploadWindow.host)}${s.uploadWindow.name ? ` (name ${s.uploadWindow.name})` : ''}, closes in ${duration(s.uploadWindow.until - now())}`
          : 'Upload window closed',
      ];
      if (s.active.length === 0) lines.push('No transfers in progress');
      else {
        const rows = s.active.map((t) => [t.kind, t.name, `${t.client}:${t.clientPort}`, t.size ? `${Math.floor((100 * t.bytes) / Math.max(1, t.size))}%` : bytes(t.bytes), `${t.blockSize}x${t.windowSize}`, duration(t.ageMs)]);
        lines.push(...table(['Kind', 'Name', 'Client', 'Done', 'Block x window', 'Age'], rows));
      }
      const errors = Object.keys(s.errors);
      if (errors.length > 0) lines.push(`Errors: ${errors.map((k) => `${k} ${s.errors[k]}`).join(', ')}`);
      return lines;
    },
    openUploadWindow(host, name, minutes) {
      server.openUploadWindow({ host, name, until: now() + minutes * 60000 });
      const router = lanAddress();
      const how = `e.g. tftp -m binary ${router === undefined ? '<router>' : ipToString(router)} -c put <file>${name ? ` ${name}` : ''}`;
      return { ok: true, message: `Upload window open for ${ipToString(host)} for ${minutes} min${name ? `; the file is stored as ${name}` : ''} (${how})` };
    },
    counters() {
      const s = server.status();
      return { requests: s.totals.requests, 'reads-completed': s.totals.readsCompleted, 'writes-completed': s.totals.writesCompleted, failed: s.totals.failed, 'bytes-sent': s.totals.bytesSent, 'bytes-received': s.totals.bytesReceived, retransmits: s.totals.retransmits, 'duplicate-acks': s.totals.duplicateAcks, ...s.errors };
    },
    clearCounters() {
      // The TFTP server keeps running totals only; they are not resettable from outside.
    },
    phoneProgress(ip) {
      const client = ipToString(ip);
      const t = server.status().active.find((a) => a.client === client);
      return t ? `${t.kind === 'read' ? 'reading' : 'writing'} ${t.name} ${t.size ? `${Math.floor((100 * t.bytes) / Math.max(1, t.size))}%` : bytes(t.bytes)}` : undefined;
    },
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
