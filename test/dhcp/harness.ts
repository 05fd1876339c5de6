// Drives the pure DhcpServer like a script: send this at t, get exactly these outputs. Probes and
// flash writes are answered by the harness (clean / durable) unless a test takes them over.
import { DhcpServer, type DhcpOutput } from '../../firmware/dhcp/server';
import type { LeaseEvent } from '../../firmware/dhcp/types';
import type { DhcpConfig, PhoneClass } from '../../firmware/dhcp/config';
import { DEFAULT_DHCP_CONFIG, PHONE_CLASSES } from '../../firmware/dhcp/defaults';
import { parseIp } from '../../firmware/util/ipv4';
import { readReply, type Reply } from './client';

export const ROUTER_IP = parseIp('192.168.1.1')!;
export const ROUTER_MAC = Uint8Array.of(0x02, 0x00, 0x00, 0x00, 0x00, 0x01);
export const ip = (text: string) => parseIp(text)!;

export const TEST_CLASSES: PhoneClass[] = [
  ...PHONE_CLASSES,
];

export function testConfig(overrides: Partial<DhcpConfig> = {}): DhcpConfig {
  return { ...DEFAULT_DHCP_CONFIG, rogueProbeInterval: 86400, ...overrides };
}

export interface Sent {
  readonly reply: Reply;
  readonly to: 'broadcast' | { mac: string; ip: number };
  readonly from: number;
}

export class Harness {
  readonly server: DhcpServer;
  readonly logs: string[] = [];
  readonly records = new Map<string, Uint8Array>();
  probesInUse = new Set<number>();
  probes: number[] = [];
  /** When false, probes are only recorded; answer them later with answerProbes(). */
  autoProbe = true;
  writes = 0;
  /** When false, 'persist' outputs wait in `pendingPersist` until completePersist(). */
  autoPersist = true;
  pendingPersist: { ticket: number; records: readonly { key: string; bytes: Uint8Array }[] }[] = [];
  private readonly leaseListeners: ((event: LeaseEvent) => void)[] = [];

  constructor(config: DhcpConfig = testConfig(), now = 0, restoreFrom?: Map<string, Uint8Array>) {
    this.server = new DhcpServer(config, () => 0xabcdef01);
    this.server.setNetwork({ ip: ROUTER_IP, prefixLength: 24, mac: ROUTER_MAC });
    if (restoreFrom) {
      for (const [key, bytes] of restoreFrom) this.records.set(key, bytes);
      this.server.restore((key) => restoreFrom.get(key), now);
    }
    // The start-up probe for another DHCP server (and the write of a table migrated at restore).
    const start = this.server.dispatch(now);
    const probes = start.filter((output) => output.kind === 'send');
    if (probes.length !== 1 || probes[0].kind !== 'send' || probes[0].toPort !== 67) throw new Error('expected one probe DISCOVER at start');
    this.run(start.filter((output) => output.kind !== 'send'), now);
  }

  /** Hear the server's lease events as run() performs them (as DhcpService delivers them). */
  subscribe(listener: (event: LeaseEvent) => void): void {
    this.leaseListeners.push(listener);
  }

  /** Apply outputs: answer probes and writes, collect what was sent. */
  run(outputs: DhcpOutput[], now: number): Sent[] {
    const sent: Sent[] = [];
    const queue = [...outputs];
    while (queue.length > 0) {
      const output = queue.shift()!;
      switch (output.kind) {
        case 'send':
          sent.push({
            reply: readReply(output.payload),
            to: output.to.kind === 'broadcast' ? 'broadcast' : { mac: Array.from(output.to.mac, (b) => b.toString(16).padStart(2, '0')).join(':'), ip: output.to.ip },
            from: output.from,
          });
          break;
        case 'probe':
          this.probes.push(output.ip);
          if (this.autoProbe) queue.push(...this.server.probeResult(output.ip, this.probesInUse.has(output.ip), now));
          break;
        case 'persist':
          if (this.autoPersist) {
            for (const record of output.records) this.records.set(record.key, record.bytes);
            this.writes++;
            queue.push(...this.server.persisted(output.ticket, true, now));
          } else this.pendingPersist.push(output);
          break;
        case 'log':
          this.logs.push(output.text);
          break;
        case 'lease':
          for (const listener of this.leaseListeners) listener(output.event);
          break;
      }
    }
    return sent;
  }

  /** Answer every recorded probe that is still waiting (after autoProbe = false). */
  answerProbes(now: number): Sent[] {
    const waiting = this.probes.splice(0);
    return waiting.flatMap((ip) => this.run(this.server.probeResult(ip, this.probesInUse.has(ip), now), now));
  }

  completePersist(now: number, ok = true): Sent[] {
    const pending = this.pendingPersist.shift();
    if (!pending) throw new Error('no write pending');
    if (ok) for (const record of pending.records) this.records.set(record.key, record.bytes);
    this.writes++;
    return this.run(this.server.persisted(pending.ticket, ok, now), now);
  }

  send(payload: Uint8Array, now: number, how: { broadcast?: boolean; srcIp?: number; port?: 'lan' | 'wan' } = {}): Sent[] {
    return this.run(
      this.server.receive({ port: how.port ?? 'lan', payload, srcIp: how.srcIp ?? 0, broadcast: how.broadcast ?? true }, now),
      now,
    );
  }

  dispatch(now: number): Sent[] {
    return this.run(this.server.dispatch(now), now);
  }

  counter(name: string): number {
    return this.server.counters()[`dhcp.${name}`] ?? 0;
  }
}
