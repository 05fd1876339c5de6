// The DHCP server at the edges: binds UDP 67 (and 68 for the rogue-server probe) on the LAN,
// performs the pure server's outputs (sends, address probes, flash writes, log lines) and loads
// the lease database from the store at start. The reactor drives it through pollAt/dispatch.
import type { Store } from '../store/types';
import { isFailure } from '../store/types';
import type { Datagram, Stack, UdpEndpoint } from '../stack/types';
import type { Service } from '../stack/service';
import { DhcpServer, type DhcpOutput } from './server';
import type { DhcpConfig } from './config';
import { META_KEY, decodeMeta, isRecordError, shardKey } from './lease-record';
import type { LeaseDirectory, LeaseEvent, LeaseInfo } from './types';

export interface DhcpLog {
  info(source: string, text: string): void;
  warn(source: string, text: string): void;
  error(source: string, text: string): void;
}

export interface DhcpServiceOptions {
  readonly stack: Stack;
  /** Undefined when the flash store did not mount: leases then live in RAM only (logged). */
  readonly store: Store | undefined;
  readonly log: DhcpLog;
  readonly now: () => number;
  /** The router's LAN MAC. */
  readonly lanMac: Uint8Array;
  readonly randomU32: () => number;
  /** Ask the reactor to re-read pollAt (after asynchronous completions). */
  readonly reschedule: () => void;
}

export class DhcpService implements Service, LeaseDirectory {
  readonly name = 'dhcp';
  readonly server: DhcpServer;
  private serverPort: UdpEndpoint | undefined;
  private clientPort: UdpEndpoint | undefined;
  private closed = false;
  /** Router mode: resolves once the kernel routes the phones' blocks; ACKs wait for it. */
  private ackGate: (() => Promise<void>) | undefined;
  private readonly listeners = new Set<(event: LeaseEvent) => void>();

  constructor(config: DhcpConfig, private readonly options: DhcpServiceOptions) {
    this.server = new DhcpServer(config, options.randomU32);
  }

  /** Load the lease database, then start answering. Resolves once listening. */
  async start(): Promise<void> {
    const { store, log, now } = this.options;
    if (store) {
      const records = new Map<string, Uint8Array>();
      const meta = await store.getRecord(META_KEY);
      if (meta && !isFailure(meta)) {
        records.set(META_KEY, meta);
        const decoded = decodeMeta(meta);
        if (!isRecordError(decoded)) {
          for (let shard = 0; shard < decoded.shardCount; shard++) {
            const bytes = await store.getRecord(shardKey(shard));
            if (bytes && !isFailure(bytes)) records.set(shardKey(shard), bytes);
            else if (bytes) log.error('dhcp', `lease shard ${shard} unreadable: ${bytes.message}`);
          }
        }
      } else if (meta) log.error('dhcp', `lease database unreadable: ${meta.message}`);
      const { loaded, skipped } = this.server.restore((key) => records.get(key), now());
      if (loaded > 0) log.info('dhcp', `${loaded} lease(s) restored from flash`);
      for (const line of skipped) log.warn('dhcp', `lease record skipped: ${line}`);
    } else {
      log.warn('dhcp', 'no flash store: leases will not survive a reboot');
    }
    if (this.closed) return;
    this.refreshNetwork();
    const { stack } = this.options;
    this.serverPort = stack.bindUdp('lan', 67, (datagram) => this.onServer(datagram));
    this.clientPort = stack.bindUdp('lan', 68, (datagram) => this.onClient(datagram));
    if (!this.serverPort) log.error('dhcp', 'UDP port 67 on the LAN is taken: not serving');
    this.options.reschedule();
  }

  // ---- LeaseDirectory: the server's lookups, and its lease events as they are performed ----

  byIp(ip: number): LeaseInfo | undefined {
    return this.server.byIp(ip);
  }

  byPublicPort(publicPort: number): LeaseInfo | undefined {
    return this.server.byPublicPort(publicPort);
  }

  all(): Iterable<LeaseInfo> {
    return this.server.all();
  }

  subscribe(listener: (event: LeaseEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Re-read the LAN address (after a configuration change). */
  refreshNetwork(): void {
    const address = this.options.stack.address('lan');
    this.server.setNetwork(address ? { ip: address.ip, prefixLength: address.prefixLength, mac: this.options.lanMac } : undefined);
  }

  /** Hold every ACK until `gate()` resolves (router mode: the NAT rules for its block are in place). */
  setAckGate(gate: (() => Promise<void>) | undefined): void {
    this.ackGate = gate;
  }

  configure(config: DhcpConfig): void {
    this.server.configure(config);
    this.options.reschedule();
  }

  /** Drop every lease (console `clear dhcp leases`); resolves with how many were live. */
  clearLeases(): number {
    const { count, outputs } = this.server.clearLeases(this.options.now());
    this.perform(outputs);
    return count;
  }

  /** Drop the lease of one address or MAC; says whose it was, or undefined when there is none. */
  clearLease(which: { readonly ip: number } | { readonly mac: Uint8Array }): string | undefined {
    const { cleared, outputs } = this.server.clearLease(which, this.options.now());
    this.perform(outputs);
    return cleared;
  }

  close(): void {
    this.closed = true;
    this.serverPort?.close();
    this.clientPort?.close();
  }

  pollAt(): number | undefined {
    return this.closed ? undefined : this.server.pollAt();
  }

  dispatch(now: number): void {
    this.perform(this.server.dispatch(now));
  }

  private onServer(datagram: Datagram): void {
    this.perform(
      this.server.receive(
        { port: datagram.port, payload: datagram.payload, srcIp: datagram.srcIp, broadcast: datagram.broadcast },
        this.options.now(),
      ),
    );
  }

  private onClient(datagram: Datagram): void {
    this.perform(
      this.server.processClientSide(
        { port: datagram.port, payload: datagram.payload, srcIp: datagram.srcIp, broadcast: datagram.broadcast },
        this.options.now(),
      ),
    );
  }

  private perform(outputs: DhcpOutput[]): void {
    for (const output of outputs) {
      switch (output.kind) {
        case 'send': {
          const port = output.from === 67 ? this.serverPort : this.clientPort;
          if (!port) break;
          if (output.to.kind === 'broadcast') port.sendBroadcast(output.toPort, output.payload);
          else port.sendToMac(output.to.mac, output.to.ip, output.toPort, output.payload);
          break;
        }
        case 'probe':
          void this.probe(output.ip);
          break;
        case 'persist':
          void this.persist(output.ticket, output.records);
          break;
        case 'log':
          this.options.log[output.level]('dhcp', output.text);
          break;
        case 'lease':
          for (const listener of this.listeners) listener(output.event);
          break;
      }
    }
    this.options.reschedule();
  }

  /**
   * Is anybody using `ip`? An ICMP echo from the router: the stack ARPs for the address first,
   * so a host that answers that ARP but drops pings is caught by the entry it leaves. An entry that
   * was there before the probe is no evidence: anyone can put one there by naming the address in
   * an ARP request to the router, and forged claims must not take addresses out of the pool.
   */
  private async probe(ip: number): Promise<void> {
    const { stack } = this.options;
    const knownBefore = stack.arpLookup('lan', ip) !== undefined;
    const rtt = await stack.ping(ip, this.server.probeTimeoutMs());
    if (this.closed) return;
    const inUse = rtt !== undefined || (!knownBefore && stack.arpLookup('lan', ip) !== undefined);
    this.perform(this.server.probeResult(ip, inUse, this.options.now()));
  }

  private async persist(ticket: number, records: readonly { key: string; bytes: Uint8Array }[]): Promise<void> {
    const { store, log } = this.options;
    let ok = true;
    if (store) {
      for (const record of records) {
        const failure = await store.setRecord(record.key, record.bytes);
        if (failure) {
          log.error('dhcp', `writing ${record.key} failed: ${failure.message}`);
          ok = false;
          break;
        }
      }
    }
    if (this.ackGate) await this.ackGate();
    if (this.closed) return;
    this.perform(this.server.persisted(ticket, ok, this.options.now()));
  }
}
