// The console's view of the TFTP server: `show tftp`, the upload windows of `image upload`, what
// each phone fetched for `show phones`, and `clear counters`.
import type { TftpServer } from '../tftp/server';
import type { TransferRecord } from '../tftp/history';
import type { OpenUploadWindow } from '../tftp/uploadWindows';
import type { TftpView } from './router';
import { ipToString } from '../util/ipv4';
import { bytes, duration, table } from './commands/format';

/** How many files `show phones` names per phone; the rest are counted. */
const FILES_SHOWN = 3;

const progress = (done: number, size: number | undefined): string => (size ? `${Math.floor((100 * done) / Math.max(1, size))}%` : bytes(done));

/** `demo.bin done`, `demo.bin 45%`, `demo.bin timeout at 38%`. */
function fileState(r: TransferRecord): string {
  if (r.outcome === undefined) return `${r.name} ${progress(r.bytes, r.size)}`;
  if (r.outcome === 'complete') return `${r.name} done`;
  return `${r.name} ${r.outcome} at ${progress(r.bytes, r.size)}`;
}

export function tftpView(server: TftpServer, now: () => number, lanAddress: () => number | undefined): TftpView {
  const windowName = (w: OpenUploadWindow) => w.name ?? '(any name)';
  return {
    statusLines() {
      const s = server.status();
      const lines = [
        `Requests ${s.totals.requests}, reads done ${s.totals.readsCompleted}, uploads done ${s.totals.writesCompleted}, failed ${s.totals.failed}, peak ${s.totals.peakConcurrent} at once`,
        `Sent ${bytes(s.totals.bytesSent)}, received ${bytes(s.totals.bytesReceived)}, retransmits ${s.totals.retransmits}`,
      ];
      if (s.uploadWindows.length === 0) lines.push('Upload window closed');
      for (const w of s.uploadWindows) lines.push(`Upload window open for ${ipToString(w.host)}${w.name ? ` (name ${w.name})` : ''}, closes in ${duration(w.until - now())}`);
      if (s.active.length === 0) lines.push('No transfers in progress');
      else {
        const rows = s.active.map((t) => [t.kind, t.name, `${t.client}:${t.clientPort}`, t.size ? progress(t.bytes, t.size) : bytes(t.bytes), `${t.blockSize}x${t.windowSize}`, duration(t.ageMs)]);
        lines.push(...table(['Kind', 'Name', 'Client', 'Done', 'Block x window', 'Age'], rows));
      }
      const errors = Object.keys(s.errors);
      if (errors.length > 0) lines.push(`Errors: ${errors.map((k) => `${k} ${s.errors[k]}`).join(', ')}`);
      return lines;
    },
    openUploadWindow(host, name, minutes) {
      const opened = server.openUploadWindow({ host, name, until: now() + minutes * 60000 });
      if (!opened.ok) return opened;
      const w = opened.window;
      const open = server.status().uploadWindows.length;
      const router = lanAddress();
      const how = `e.g. tftp -m binary ${router === undefined ? '<router>' : ipToString(router)} -c put <file>${w.name ? ` ${w.name}` : ''}`;
      const others = open > 1 ? `; ${open} windows open` : '';
      const head = opened.replaced ? `Upload window ${w.id} for ${ipToString(host)} now closes in ${minutes} min` : `Upload window open for ${ipToString(host)} for ${minutes} min`;
      return { ok: true, message: `${head}${w.name ? `; the file is stored as ${w.name}` : ''} (${how}) [window ${w.id}${others}; image upload cancel ${w.id} closes it]` };
    },
    uploadWindowLines() {
      const windows = server.status().uploadWindows;
      if (windows.length === 0) return ['No upload window is open (image upload <lan-host> [name] [minutes] opens one)'];
      const rows = windows.map((w) => [String(w.id), ipToString(w.host), windowName(w), duration(w.until - now())]);
      return [...table(['Window', 'Host', 'Name', 'Closes in'], rows), `${windows.length} open (image upload cancel <window|all> closes them)`];
    },
    cancelUploadWindow(which) {
      const windows = server.status().uploadWindows;
      if (which === 'all') {
        const n = server.closeUploadWindows();
        return { ok: true, message: n === 0 ? 'No upload window was open' : `Closed ${n} upload window${n === 1 ? '' : 's'}` };
      }
      const w = windows.find((x) => x.id === which);
      if (!w || !server.cancelUploadWindow(which)) {
        const open = windows.map((x) => x.id).join(', ');
        return { ok: false, reason: `no upload window ${which} is open${open ? ` (open: ${open})` : ''}` };
      }
      return { ok: true, message: `Closed upload window ${w.id} for ${ipToString(w.host)} (${windowName(w)})` };
    },
    counters() {
      const s = server.status();
      return { requests: s.totals.requests, 'reads-completed': s.totals.readsCompleted, 'writes-completed': s.totals.writesCompleted, failed: s.totals.failed, 'bytes-sent': s.totals.bytesSent, 'bytes-received': s.totals.bytesReceived, retransmits: s.totals.retransmits, 'duplicate-acks': s.totals.duplicateAcks, ...s.errors };
    },
    clearCounters: () => server.clearCounters(),
    phoneProgress(ip) {
      const recent = server.recentTransfers(ip);
      if (recent.length === 0) return undefined;
      const latest = recent[0];
      const when = latest.endedAt === undefined ? 'now' : `${duration(now() - latest.endedAt)} ago`;
      // Oldest first, as the phone fetched them (image, then its configuration).
      const shown = recent.slice(0, FILES_SHOWN).reverse().map(fileState);
      const more = recent.length > FILES_SHOWN ? ` +${recent.length - FILES_SHOWN} more` : '';
      return `${shown.join(', ')}${more} (${when})`;
    },
  };
}
