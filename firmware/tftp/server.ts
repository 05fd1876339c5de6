// The TFTP server: owns LAN port 69, checks each request, and runs every transfer on its own
// ephemeral port (its TID) as a pure state machine (ReadTransfer / WriteTransfer). This file is the
// edge: it reads and writes the store and is the only place with I/O; what a name resolves to
// (rendered provisioning file or store item) is in file-sources.ts.
// Over 400 lines: requests, transfer ports and uploads to the store share the per-client books;
// next, transfers return the packets to send (issue 11).
import type { Datagram, Stack, UdpEndpoint } from '../stack/types';
import type { Service } from '../stack/service';
import type { ItemWriter, Store, StoreFailure } from '../store/types';
import { isFailure } from '../store/types';
import type { LeaseDirectory } from '../dhcp/types';
import { SysError } from '../../hal/hal';
import { parsePacket, buildError, buildOack, buildAck, Opcode, TftpError, ParseError, type Request } from '../wire/tftp';
import { ipToString } from '../util/ipv4';
import { macToString } from '../util/mac';
import { checkName } from './names';
import { negotiate } from './options';
import { DEFAULT_LIMITS, BLOCK_OVERHEAD, type TftpLimits } from './params';
import { ReadTransfer, type Send, type TransferEnd } from './readTransfer';
import { WriteTransfer } from './writeTransfer';
import { NetasciiSource, type BlockSource } from './source';
import { FileSources, NO_STORE } from './file-sources';
import { netasciiLength } from './netascii';
import { matchProvisioningName } from './provisioning';
import { UploadWindows, type OpenUploadWindow, type UploadWindow, type WindowOpening } from './uploadWindows';
import { TransferHistory, type TransferRecord } from './history';

export const TFTP_PORT = 69;

/** Bytes for a log line: exact, and in KiB/MiB for a reader. */
function sizeText(n: number): string {
  const scaled = n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MiB` : `${(n / 1024).toFixed(1)} KiB`;
  return `${n} bytes (${scaled})`;
}

export interface TftpServerOptions {
  readonly stack: Stack;
  /** Undefined when the flash store did not mount: only rendered provisioning files are served. */
  readonly store: Store | undefined;
  readonly leases: LeaseDirectory;
  /** Monotonic ms (the HAL clock): the server stamps input with it before handing it to transfers. */
  readonly clock: () => number;
  /** The router's public (WAN) address for templates, from the WAN side; undefined while unknown. */
  readonly publicIp?: () => number | undefined;
  /** IP MTU of the LAN port: blksize is capped at mtu - 32 so one block fits one frame. */
  readonly lanMtu?: number;
  readonly limits?: Partial<TftpLimits>;
  readonly log?: (line: string) => void;
  /** Lines the owner must see (a full store): the console shows warnings by default. */
  readonly warn?: (line: string) => void;
  /** Called after a store operation completed and may have moved pollAt (the reactor's reschedule). */
  readonly wake?: () => void;
}

export interface TransferInfo {
  readonly id: number;
  readonly kind: 'read' | 'write';
  readonly name: string;
  readonly client: string;
  readonly clientPort: number;
  readonly bytes: number;
  /** Total size when known (store item size, rendered size, announced upload size). */
  readonly size: number | undefined;
  readonly blockSize: number;
  readonly windowSize: number;
  readonly retransmits: number;
  readonly ageMs: number;
}

export interface TftpStatus {
  readonly active: readonly TransferInfo[];
  readonly totals: {
    readonly requests: number;
    readonly readsCompleted: number;
    readonly writesCompleted: number;
    readonly failed: number;
    readonly bytesSent: number;
    readonly bytesReceived: number;
    readonly peakConcurrent: number;
    /** Windows resent after a timeout, and duplicate ACKs ignored (Sorcerer's Apprentice guard). */
    readonly retransmits: number;
    readonly duplicateAcks: number;
  };
  /** Errors by kind: refusals sent, transfer failures, dropped packets. */
  readonly errors: Readonly<Record<string, number>>;
  /** Upload windows still open, oldest first. */
  readonly uploadWindows: readonly OpenUploadWindow[];
  /** Upper bound of the block buffers one transfer can hold with the current limits. */
  readonly maxBytesPerTransfer: number;
}

interface Active {
  readonly id: number;
  readonly kind: 'read' | 'write';
  readonly name: string;
  readonly client: number;
  readonly clientPort: number;
  readonly startedAt: number;
  readonly size: number | undefined;
  endpoint: UdpEndpoint;
  send: Send;
  /** DATA of a read transfer: waits behind the transfers the port already refused. */
  sendData: Send;
  read?: ReadTransfer;
  write?: WriteTransfer;
  source?: BlockSource;
  writer?: ItemWriter;
  filling: boolean;
  closed: boolean;
  /** In waitingForPort (a read transfer the port refused). */
  waiting: boolean;
}

/** How long a transfer the port refused waits before trying again (a 100 Mbit/s cable sends 8 full frames a ms). */
const PORT_RETRY_MS = 1;
/** A port that refuses round after round (link down, a wedged queue) is tried at most this often. */
const MAX_PORT_RETRY_MS = 64;

export class TftpServer implements Service {
  readonly name = 'tftp';
  private readonly limits: TftpLimits;
  private readonly blockCap: number;
  private listener: UdpEndpoint | undefined;
  private readonly active = new Map<number, Active>();
  /** Read transfers the port refused, in the order they were refused: resumed first come, first served. */
  private readonly waitingForPort: Active[] = [];
  private portRetryAt: number | undefined;
  private portRetryMs = PORT_RETRY_MS;
  private resuming = false;
  /** Requests being set up or running, by client address, and by client address:port. */
  private readonly perClient = new Map<number, number>();
  private readonly busyTids = new Set<string>();
  private slotsInUse = 0;
  private nextId = 1;
  private readonly windows = new UploadWindows();
  private readonly history = new TransferHistory();
  private errors: Record<string, number> = {};
  private requests = 0;
  private readsCompleted = 0;
  private writesCompleted = 0;
  private failed = 0;
  private bytesSent = 0;
  private bytesReceived = 0;
  private peakConcurrent = 0;
  private retransmits = 0;
  private duplicateAcks = 0;
  /** Store operations in flight (the simulation drains them between events). */
  private asyncInFlight = 0;

  private readonly files: FileSources;

  constructor(private readonly options: TftpServerOptions) {
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.blockCap = Math.min(this.limits.maxBlockSize, (options.lanMtu ?? 1500) - BLOCK_OVERHEAD);
    this.files = new FileSources({
      store: options.store,
      leases: options.leases,
      lanIp: () => options.stack.address('lan')?.ip,
      publicIp: () => options.publicIp?.(),
      maxRenderedBytes: this.limits.maxRenderedBytes,
      warn: options.warn,
    });
  }

  /** Bind LAN port 69. Only the LAN: nothing is ever bound on the WAN port. */
  start(): boolean {
    if (this.listener) return true;
    this.listener = this.options.stack.bindUdp('lan', TFTP_PORT, (d) => this.onRequest(d));
    return this.listener !== undefined;
  }

  stop(): void {
    for (const t of [...this.active.values()]) this.end(t, 'aborted');
    this.listener?.close();
    this.listener = undefined;
  }

  /**
   * Allow one LAN host to upload (optionally one name) until `until`. Other windows stay open; one
   * for the same host and name is moved to the new closing time. Refused for a name no upload may use.
   */
  openUploadWindow(window: UploadWindow): WindowOpening {
    return this.windows.open(window, this.options.clock());
  }

  /** Close one window (by its id); false when none such is open. */
  cancelUploadWindow(id: number): boolean {
    return this.windows.cancel(id, this.options.clock()) !== undefined;
  }

  /** Close every upload window; returns how many were open. */
  closeUploadWindows(): number {
    return this.windows.cancelAll(this.options.clock());
  }

  /** Zero the totals and error counts (`clear counters`); transfers in progress and history stay. */
  clearCounters(): void {
    this.errors = {};
    this.requests = 0;
    this.readsCompleted = 0;
    this.writesCompleted = 0;
    this.failed = 0;
    this.bytesSent = 0;
    this.bytesReceived = 0;
    this.peakConcurrent = this.slotsInUse;
    this.retransmits = 0;
    this.duplicateAcks = 0;
  }

  /**
   * What `client` fetched or uploaded lately, newest first: transfers in progress, then finished
   * ones. Only those of the MAC that holds the address now, when a lease names one.
   */
  recentTransfers(client: number): readonly TransferRecord[] {
    const mac = this.leaseMac(client);
    const running: TransferRecord[] = [];
    for (const t of this.active.values()) {
      if (t.client === client) running.unshift({ kind: t.kind, name: t.name, startedAt: t.startedAt, endedAt: undefined, outcome: undefined, bytes: this.progressOf(t), size: t.size, mac });
    }
    const finished = this.history.of(client).filter((r) => mac === undefined || r.mac === mac);
    return [...running, ...finished];
  }

  private leaseMac(client: number): string | undefined {
    const lease = this.options.leases.byIp(client);
    return lease ? macToString(lease.mac) : undefined;
  }

  private progressOf(t: Active): number {
    return t.read ? t.read.bytesAcked : (t.write?.bytesStored ?? 0);
  }

  /** Store operations still pending; the simulation lets promises settle while this is non-zero. */
  pendingAsync(): number {
    return this.asyncInFlight;
  }

  pollAt(): number | undefined {
    let next = this.portRetryAt;
    for (const t of this.active.values()) {
      const at = (t.read ?? t.write)?.pollAt();
      if (at !== undefined && (next === undefined || at < next)) next = at;
    }
    return next;
  }

  dispatch(now: number): void {
    if (this.portRetryAt !== undefined && now >= this.portRetryAt) this.resumeWaiting(now);
    for (const t of [...this.active.values()]) {
      const machine = t.read ?? t.write;
      if (!machine) continue;
      machine.dispatch(now, t.read ? t.sendData : t.send);
      if (machine.done) this.end(t, machine.endReason ?? 'aborted');
    }
  }

  /** DATA of a read transfer; when refused, the transfer waits its turn (one timer serves them all). */
  private sendData(t: Active, packet: Uint8Array): boolean {
    if (!this.portBusy() && t.endpoint.sendTo(t.client, t.clientPort, packet)) return true;
    if (!t.waiting) {
      t.waiting = true;
      this.waitingForPort.push(t);
      this.portRetryAt ??= this.options.clock() + this.portRetryMs;
    }
    return false;
  }

  /** Resume refused transfers in order until the port refuses again. */
  private resumeWaiting(now: number): void {
    this.portRetryAt = undefined;
    const queue = this.waitingForPort;
    let progress = false;
    this.resuming = true;
    while (queue.length > 0) {
      const t = queue[0];
      if (!t.closed && t.read) {
        const sentBefore = t.read.dataSent;
        t.read.resume(now, t.sendData);
        if (t.read.dataSent !== sentBefore) progress = true;
        if (t.read.blocked) break;
      }
      t.waiting = false;
      queue.shift();
      progress = true;
    }
    this.resuming = false;
    // Back off while the port takes nothing at all; any progress returns to the short interval.
    this.portRetryMs = progress || queue.length === 0 ? PORT_RETRY_MS : Math.min(this.portRetryMs * 2, MAX_PORT_RETRY_MS);
    if (queue.length > 0) this.portRetryAt = now + this.portRetryMs;
  }

  /**
   * While transfers wait for the port, others wait behind them without trying: that keeps the order
   * fair and spares building a frame the port would refuse.
   */
  private portBusy(): boolean {
    return this.waitingForPort.length > 0 && !this.resuming;
  }

  status(): TftpStatus {
    const now = this.options.clock();
    const active: TransferInfo[] = [];
    for (const t of this.active.values()) {
      const params = (t.read ?? t.write)?.params;
      active.push({
        id: t.id,
        kind: t.kind,
        name: t.name,
        client: ipToString(t.client),
        clientPort: t.clientPort,
        bytes: this.progressOf(t),
        size: t.size,
        blockSize: params?.blockSize ?? 0,
        windowSize: params?.windowSize ?? 0,
        retransmits: t.read ? t.read.retransmits : (t.write?.retransmits ?? 0),
        ageMs: now - t.startedAt,
      });
    }
    return {
      active,
      totals: {
        requests: this.requests,
        readsCompleted: this.readsCompleted,
        writesCompleted: this.writesCompleted,
        failed: this.failed,
        bytesSent: this.bytesSent,
        bytesReceived: this.bytesReceived,
        peakConcurrent: this.peakConcurrent,
        retransmits: this.retransmits,
        duplicateAcks: this.duplicateAcks,
      },
      errors: { ...this.errors },
      uploadWindows: this.windows.list(now),
      maxBytesPerTransfer: (this.limits.maxWindowSize + this.limits.readAhead) * (this.blockCap + 4) + 512,
    };
  }

  // ---- requests on port 69 -------------------------------------------------------------------

  private count(kind: string): void {
    this.errors[kind] = (this.errors[kind] ?? 0) + 1;
  }

  private refuse(dstIp: number, dstPort: number, code: number, kind: string, message: string): void {
    this.count(kind);
    this.options.log?.(`refused ${ipToString(dstIp)}:${dstPort}: ${message}`);
    this.listener?.sendTo(dstIp, dstPort, buildError(code, message));
  }

  private onRequest(d: Datagram): void {
    // Defence in depth: the listener is bound on the LAN only, but never answer anything else.
    if (d.port !== 'lan') return this.count('wan-ignored');
    if (d.broadcast) return this.count('broadcast-ignored'); // RFC 1123 4.2.3.5
    const parsed = parsePacket(d.payload);
    if (!parsed.ok) {
      const op = d.payload.length >= 2 ? (d.payload[0] << 8) | d.payload[1] : 0;
      if (op === Opcode.RRQ || op === Opcode.WRQ) {
        const optionFault =
          parsed.reason === ParseError.DUPLICATE_OPTION ||
          parsed.reason === ParseError.EMPTY_OPTION_NAME ||
          parsed.reason === ParseError.TOO_MANY_OPTIONS;
        const code = optionFault ? TftpError.OPTION_REFUSED : parsed.reason === ParseError.FIELD_TOO_LONG ? TftpError.FILE_NOT_FOUND : TftpError.ILLEGAL_OPERATION;
        this.refuse(d.srcIp, d.srcPort, code, `malformed-request:${parsed.reason}`, `malformed request (${parsed.reason})`);
      } else this.count(`dropped:${parsed.reason}`);
      return;
    }
    const packet = parsed.packet;
    if (packet.op !== Opcode.RRQ && packet.op !== Opcode.WRQ) return this.count('dropped:not-a-request');
    this.requests++;
    const tid = `${d.srcIp}:${d.srcPort}`;
    // A client repeats its request while our first answer is on the way: not a second transfer.
    if (this.busyTids.has(tid)) return this.count('duplicate-request');
    if (this.slotsInUse >= this.limits.maxTransfers) {
      return this.refuse(d.srcIp, d.srcPort, TftpError.NOT_DEFINED, 'busy-global', `server busy: ${this.limits.maxTransfers} transfers running`);
    }
    if ((this.perClient.get(d.srcIp) ?? 0) >= this.limits.maxTransfersPerClient) {
      return this.refuse(d.srcIp, d.srcPort, TftpError.NOT_DEFINED, 'busy-client', `too many transfers from this address (max ${this.limits.maxTransfersPerClient})`);
    }
    const name = checkName(packet.filename, packet.op === Opcode.WRQ ? 'write' : 'read');
    if (!name.ok) return this.refuse(d.srcIp, d.srcPort, name.code, `name:${name.reason}`, `refused name (${name.reason})`);
    this.reserve(d.srcIp, tid);
    const client = d.srcIp;
    const clientPort = d.srcPort;
    const setup = packet.op === Opcode.RRQ ? this.startRead(client, clientPort, name.name, packet) : this.startWrite(client, clientPort, name.name, packet);
    this.track(setup).then((started) => {
      if (!started) this.release(client, tid);
    });
  }

  private reserve(client: number, tid: string): void {
    this.slotsInUse++;
    this.perClient.set(client, (this.perClient.get(client) ?? 0) + 1);
    this.busyTids.add(tid);
    if (this.slotsInUse > this.peakConcurrent) this.peakConcurrent = this.slotsInUse;
  }

  private release(client: number, tid: string): void {
    this.slotsInUse--;
    const n = (this.perClient.get(client) ?? 1) - 1;
    if (n <= 0) this.perClient.delete(client);
    else this.perClient.set(client, n);
    this.busyTids.delete(tid);
  }

  private async track<T>(work: Promise<T>): Promise<T> {
    this.asyncInFlight++;
    try {
      return await work;
    } finally {
      this.asyncInFlight--;
      this.options.wake?.();
    }
  }

  private async startRead(client: number, clientPort: number, name: string, request: Request): Promise<boolean> {
    const opened = await this.files.open(client, name);
    if (!('source' in opened)) {
      this.refuse(client, clientPort, opened.code, opened.kind, opened.message);
      return false;
    }
    const netascii = request.mode === 'netascii';
    // netascii changes the size; it is known cheaply only for files rendered in RAM.
    const size = !netascii ? opened.size : opened.raw ? netasciiLength(opened.raw) : undefined;
    const negotiated = negotiate({ write: false, options: request.options, limits: this.limits, blockCap: this.blockCap, size });
    if ('refused' in negotiated) {
      opened.source.close();
      this.refuse(client, clientPort, TftpError.OPTION_REFUSED, 'option-refused', negotiated.refused);
      return false;
    }
    const source = netascii ? new NetasciiSource(opened.source) : opened.source;
    const t = this.open(client, clientPort, 'read', name, size);
    if (!t) {
      source.close();
      return false;
    }
    t.source = source;
    const oack = negotiated.oack ? buildOack(negotiated.oack) : undefined;
    t.read = new ReadTransfer(negotiated.params, oack, this.options.clock(), t.send);
    void this.fill(t);
    return true;
  }

  private async startWrite(client: number, clientPort: number, name: string, request: Request): Promise<boolean> {
    if (!this.windows.admitting(client, name, this.options.clock())) {
      this.refuse(client, clientPort, TftpError.ACCESS_VIOLATION, 'upload-closed', 'uploads are closed (open an upload window on the console)');
      return false;
    }
    if (matchProvisioningName(name)) {
      this.refuse(client, clientPort, TftpError.ACCESS_VIOLATION, 'upload-provisioning-name', 'provisioning names are rendered, not uploaded');
      return false;
    }
    if (request.mode !== 'octet') {
      this.refuse(client, clientPort, TftpError.ILLEGAL_OPERATION, 'upload-not-octet', 'uploads must use octet mode');
      return false;
    }
    const negotiated = negotiate({ write: true, options: request.options, limits: this.limits, blockCap: this.blockCap, size: undefined });
    if ('refused' in negotiated) {
      this.refuse(client, clientPort, TftpError.OPTION_REFUSED, 'option-refused', negotiated.refused);
      return false;
    }
    if (negotiated.announcedSize !== undefined && negotiated.announcedSize > this.limits.maxUploadBytes) {
      this.refuse(client, clientPort, TftpError.DISK_FULL, 'upload-too-large', `uploads are limited to ${this.limits.maxUploadBytes} bytes`);
      return false;
    }
    const asked = negotiated.announcedSize;
    const writer = this.options.store ? await this.options.store.put(name, asked) : NO_STORE;
    if (isFailure(writer)) {
      if (writer.error !== SysError.NO_SPACE) {
        this.refuse(client, clientPort, TftpError.NOT_DEFINED, 'store-error', `store: ${writer.message}`);
        return false;
      }
      // Refused before a byte moves: the client learns why at once, the owner sees the figures.
      const free = this.freeBytes();
      this.count('no-space');
      const what = asked === undefined ? `'${name}'` : `'${name}' (${asked} bytes)`;
      this.options.warn?.(`upload of ${what} from ${ipToString(client)} refused, store full: ${asked === undefined ? 'size not announced' : `asked ${sizeText(asked)}`}, ${sizeText(free)} free${this.replacing(name)}`);
      // The store also needs room for its record headers: a size just under the free figure is refused too.
      const headers = asked !== undefined && asked <= free ? ' (too few with the record headers)' : '';
      this.listener?.sendTo(client, clientPort, buildError(TftpError.DISK_FULL, `disk full: ${asked === undefined ? '' : `${asked} bytes asked, `}${free} bytes free${headers}`));
      return false;
    }
    const t = this.open(client, clientPort, 'write', name, negotiated.announcedSize);
    if (!t) {
      writer.abort();
      return false;
    }
    t.writer = writer;
    const first = negotiated.oack ? buildOack(negotiated.oack) : buildAck(0);
    t.write = new WriteTransfer(negotiated.params, first, this.options.clock(), t.send, this.limits.dallyMs);
    return true;
  }

  /** Bind the transfer's own port (its TID). */
  private open(client: number, clientPort: number, kind: 'read' | 'write', name: string, size: number | undefined): Active | undefined {
    const id = this.nextId++;
    let t: Active | undefined;
    const endpoint = this.options.stack.bindUdp('lan', 0, (d) => {
      if (t) this.onTransferPacket(t, d);
    });
    if (!endpoint) {
      this.refuse(client, clientPort, TftpError.NOT_DEFINED, 'no-port', 'no free port for the transfer');
      return undefined;
    }
    t = {
      id,
      kind,
      name,
      client,
      clientPort,
      startedAt: this.options.clock(),
      size,
      endpoint,
      send: (packet) => endpoint.sendTo(client, clientPort, packet),
      sendData: (packet) => this.sendData(t as Active, packet),
      filling: false,
      closed: false,
      waiting: false,
    };
    this.active.set(id, t);
    return t;
  }

  // ---- packets on a transfer's port ------------------------------------------------------------

  private onTransferPacket(t: Active, d: Datagram): void {
    if (t.closed) return;
    if (d.port !== 'lan') return this.count('wan-ignored');
    if (d.srcIp !== t.client || d.srcPort !== t.clientPort) {
      // RFC 1350 section 4: answer a stranger with error 5, and carry on with the transfer.
      this.count('unknown-tid');
      t.endpoint.sendTo(d.srcIp, d.srcPort, buildError(TftpError.UNKNOWN_TID, 'unknown transfer ID'));
      return;
    }
    const parsed = parsePacket(d.payload);
    if (!parsed.ok) return this.count(`dropped:${parsed.reason}`);
    const p = parsed.packet;
    const now = this.options.clock();
    if (p.op === Opcode.ERROR) {
      this.count(`client-error:${p.code}`);
      (t.read ?? t.write)?.onError();
      return this.end(t, 'client-error');
    }
    if (t.read) {
      if (p.op !== Opcode.ACK) return this.count('dropped:unexpected-opcode');
      t.read.onAck(now, p.block, t.sendData);
      if (t.read.done) return this.end(t, t.read.endReason ?? 'complete');
      void this.fill(t);
      return;
    }
    if (t.write) {
      if (p.op !== Opcode.DATA) return this.count('dropped:unexpected-opcode');
      if (t.write.bytesStored + p.payload.length > this.limits.maxUploadBytes) {
        this.count('upload-too-large');
        t.send(buildError(TftpError.DISK_FULL, `uploads are limited to ${this.limits.maxUploadBytes} bytes`));
        return this.end(t, 'aborted');
      }
      const chunk = t.write.onData(now, p.block, p.payload, t.send);
      if (t.write.done) return this.end(t, t.write.endReason ?? 'aborted');
      if (chunk) void this.track(this.store(t, chunk.bytes, chunk.last));
    }
  }

  /** Keep the read transfer's queue full: one block at a time from the source. */
  private async fill(t: Active): Promise<void> {
    const machine = t.read;
    const source = t.source;
    if (!machine || !source || t.filling) return;
    t.filling = true;
    this.asyncInFlight++;
    try {
      while (!t.closed && machine.room() > 0) {
        const buffer = machine.takeBuffer();
        const n = await source.fill(buffer, 4, machine.params.blockSize);
        if (t.closed) return;
        if (isFailure(n)) {
          this.count('store-read-failed');
          t.send(buildError(TftpError.NOT_DEFINED, `store: ${n.message}`));
          machine.abort('source-error');
          this.end(t, 'source-error');
          return;
        }
        machine.pushBlock(this.options.clock(), buffer, n, t.sendData);
      }
    } finally {
      t.filling = false;
      this.asyncInFlight--;
      this.options.wake?.();
    }
  }

  private async store(t: Active, bytes: Uint8Array, last: boolean): Promise<void> {
    const machine = t.write as WriteTransfer;
    const writer = t.writer as ItemWriter;
    const failure = await writer.write(bytes);
    if (t.closed) return;
    if (failure) return this.storeFailed(t, failure);
    machine.written(this.options.clock(), t.send);
    if (machine.done) return this.end(t, machine.endReason ?? 'source-error');
    if (!last) return;
    const stat = await writer.commit();
    if (t.closed) return;
    if (isFailure(stat)) return this.storeFailed(t, stat);
    this.writesCompleted++;
    this.options.log?.(`upload of ${t.name} from ${ipToString(t.client)} committed (${machine.bytesStored} bytes)`);
    machine.committedResult(this.options.clock(), t.send);
    if (machine.done) this.end(t, machine.endReason ?? 'source-error');
  }

  /**
   * The store refused a block or the commit: tell the client (error 3 when it is full) and the owner,
   * and end the transfer. The unfinished version is dropped in end(); the previous one stays.
   */
  private storeFailed(t: Active, failure: StoreFailure): void {
    const machine = t.write as WriteTransfer;
    const stored = machine.bytesStored;
    const from = ipToString(t.client);
    if (failure.error === SysError.NO_SPACE) {
      // The store dropped the unfinished version already: what it has free now is what it had when
      // the upload began, the figure to compare with the file's size.
      const free = this.freeBytes();
      this.count('no-space');
      this.options.warn?.(`upload of '${t.name}' from ${from} failed, store full after ${sizeText(stored)}: it has ${sizeText(free)} free for an upload${this.replacing(t.name)}`);
      machine.storeFailed(TftpError.DISK_FULL, `disk full after ${stored} bytes (${free} bytes free for an upload)`, t.send);
      return this.end(t, 'no-space');
    }
    this.count('store-write-failed');
    this.options.warn?.(`upload of '${t.name}' from ${from} failed after ${sizeText(stored)}: ${failure.message}`);
    machine.storeFailed(TftpError.NOT_DEFINED, `store: ${failure.message}`, t.send);
    this.end(t, 'source-error');
  }

  private freeBytes(): number {
    return this.options.store?.usage().freeBytes ?? 0;
  }

  /** A replaced item keeps its space until the new version commits: say so when that is the case. */
  private replacing(name: string): string {
    const old = this.options.store?.stat(name);
    return old ? ` (the current '${name}', ${sizeText(old.size)}, stays until a new one is stored)` : '';
  }

  private end(t: Active, reason: TransferEnd): void {
    if (t.closed) return;
    t.closed = true;
    const machine = t.read ?? t.write;
    if (machine && !machine.done) machine.abort(reason);
    t.endpoint.close();
    t.source?.close();
    if (t.write && !t.write.committed) t.writer?.abort();
    this.active.delete(t.id);
    this.release(t.client, `${t.client}:${t.clientPort}`);
    if (t.read) {
      this.bytesSent += t.read.bytesAcked;
      this.retransmits += t.read.retransmits;
      this.duplicateAcks += t.read.duplicateAcks;
    }
    if (t.write) {
      this.bytesReceived += t.write.bytesStored;
      this.retransmits += t.write.retransmits;
    }
    const committed = t.write !== undefined && t.write.committed;
    const endedAt = this.options.clock();
    this.history.record(t.client, { kind: t.kind, name: t.name, startedAt: t.startedAt, endedAt, outcome: committed ? 'complete' : reason, bytes: this.progressOf(t), size: t.size, mac: this.leaseMac(t.client) });
    if (reason === 'complete') {
      if (t.read) this.readsCompleted++;
    } else if (!(t.write && t.write.committed)) {
      this.failed++;
      this.count(`transfer:${reason}`);
    }
  }
}
