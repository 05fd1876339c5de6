// Router mode's HAL capability (hal.ts KernelNet) over the runtime's `plugboardNative.net`: UDP
// sockets bound to the LAN or WAN interface, the kernel's addresses, ICMP echo, and the NAT table
// applied with `nft -f -` (one transaction) and read back with `nft -j list table`.
import { SysError } from '../../hal';
import type { KernelAddress, KernelNet, NatApplyResult, NatCounters, NatTable, PortName, UdpSocket, UdpSocketOptions } from '../../hal';
import { encodeUtf8 } from '../../../firmware/util/text';
import { ipToString } from '../../../firmware/util/ipv4';
import type { NativeNet } from './native';
import { accumulate, countFlows, emptyCounters, natCountersFrom, parseNftCounters } from './nft-counters';
import type { ParsedCounters } from './nft-counters';
import { TABLE_NAME, renderClearTable, renderNatTable } from './nft-render';
import type { RenderOptions } from './nft-render';

const ERRNO_TO_SYS: Record<number, SysError> = {
  [-98]: SysError.BUSY, // EADDRINUSE
  [-16]: SysError.BUSY,
  [-11]: SysError.BUSY, // EAGAIN
  [-105]: SysError.BUSY, // ENOBUFS
  [-22]: SysError.INVALID,
  [-19]: SysError.NOT_FOUND, // ENODEV
  [-2]: SysError.NOT_FOUND,
  [-24]: SysError.NO_SPACE, // EMFILE: every socket slot is taken
};

export function sysErrorOf(errno: number): SysError {
  return errno >= 0 ? SysError.OK : (ERRNO_TO_SYS[errno] ?? SysError.IO);
}

interface ChildResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface KernelNetOptions {
  readonly net: NativeNet;
  readonly portIndex: Record<PortName, number>;
  readonly interfaces: { readonly lan: string; readonly wan: string };
  readonly flowDevices: readonly string[];
  readonly now: () => number;
  readonly setTimer: (delayMs: number, callback: () => void) => number;
  readonly clearTimer: (id: number) => void;
  readonly log: (text: string) => void;
}

class NativeUdpSocket implements UdpSocket {
  onReceive?: UdpSocket['onReceive'];
  closed = false;
  constructor(
    private readonly owner: NativeKernelNet,
    readonly id: number,
    readonly side: PortName,
    readonly localPort: number,
  ) {}
  send(payload: Uint8Array, address: number, port: number, viaMac?: Uint8Array): boolean {
    if (this.closed) return false;
    return this.owner.net.udpSend(this.id, payload, address >>> 0, port, viaMac) === 0;
  }
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.owner.forget(this);
  }
}

export class NativeKernelNet implements KernelNet {
  readonly net: NativeNet;
  readonly interfaces: { readonly lan: string; readonly wan: string };
  onAddressChange?: (side: PortName) => void;
  private readonly sockets = new Map<number, NativeUdpSocket>();
  private readonly receiveBytes: Uint8Array;
  private known: Record<PortName, KernelAddress[]>;
  private readonly children = new Map<number, (result: ChildResult) => void>();
  private nextChild = 1;
  private readonly pings = new Map<number, { address: number; sentAt: number; timer: number; resolve: (ms: number | undefined) => void }>();
  private nextSeq = 1;
  private readonly render: RenderOptions;
  /** Applies run one at a time; a table given meanwhile replaces any still waiting (latest wins). */
  private applying = false;
  private waiting: { table: NatTable; waiters: ((result: NatApplyResult) => void)[] } | undefined;
  private offloadRefused = false;
  /** What replaced tables had counted, so `show nat` does not fall to zero when a phone joins. */
  private carried: ParsedCounters = emptyCounters();
  private lastTable: NatTable | undefined;

  constructor(private readonly options: KernelNetOptions) {
    this.net = options.net;
    this.interfaces = options.interfaces;
    this.receiveBytes = new Uint8Array(options.net.receiveBuffer);
    this.render = { lan: options.interfaces.lan, wan: options.interfaces.wan, flowDevices: options.flowDevices };
    this.known = { lan: this.read('lan'), wan: this.read('wan') };
  }

  // ---- handlers the runtime calls (registered by createNativeHal) ----

  deliver(id: number, length: number, from: number, fromPort: number, to: number): void {
    const socket = this.sockets.get(id);
    socket?.onReceive?.(this.receiveBytes.subarray(0, length), from >>> 0, fromPort, to >>> 0);
  }

  addressesChanged(): void {
    for (const side of ['lan', 'wan'] as const) {
      const fresh = this.read(side);
      const old = this.known[side];
      const same = fresh.length === old.length && fresh.every((a, i) => a.ip === old[i].ip && a.prefixLength === old[i].prefixLength);
      this.known[side] = fresh;
      if (!same) this.onAddressChange?.(side);
    }
  }

  childDone(id: number, code: number, stdout: string, stderr: string): void {
    const resolve = this.children.get(id);
    this.children.delete(id);
    resolve?.({ code, stdout, stderr });
  }

  echoReply(seq: number, from: number): void {
    const ping = this.pings.get(seq);
    if (ping === undefined || ping.address !== from >>> 0) return;
    this.pings.delete(seq);
    this.options.clearTimer(ping.timer);
    ping.resolve(this.options.now() - ping.sentAt);
  }

  // ---- KernelNet ----

  addresses(side: PortName): readonly KernelAddress[] {
    return this.known[side];
  }

  openUdp(options: UdpSocketOptions): UdpSocket | SysError {
    const { side, port } = options;
    if ((side !== 'lan' && side !== 'wan') || !Number.isInteger(port) || port < 0 || port > 65535) return SysError.INVALID;
    const opened = this.net.udpOpen(this.options.portIndex[side], port, options.broadcast === true);
    if (typeof opened === 'number') return sysErrorOf(opened);
    const socket = new NativeUdpSocket(this, opened[0], side, opened[1]);
    this.sockets.set(socket.id, socket);
    return socket;
  }

  forget(socket: NativeUdpSocket): void {
    this.sockets.delete(socket.id);
    this.net.udpClose(socket.id);
  }

  ping(address: number, timeoutMs: number): Promise<number | undefined> {
    const seq = this.nextSeq;
    this.nextSeq = (this.nextSeq % 0xffff) + 1;
    return new Promise((resolve) => {
      if (this.net.echo(seq, address >>> 0) !== 0) {
        resolve(undefined);
        return;
      }
      const timer = this.options.setTimer(timeoutMs, () => {
        this.pings.delete(seq);
        resolve(undefined);
      });
      this.pings.set(seq, { address: address >>> 0, sentAt: this.options.now(), timer, resolve });
    });
  }

  applyNat(table: NatTable): Promise<NatApplyResult> {
    return new Promise((resolve) => {
      if (this.waiting === undefined) this.waiting = { table, waiters: [resolve] };
      else {
        this.waiting.table = table;
        this.waiting.waiters.push(resolve);
      }
      if (!this.applying) void this.drain();
    });
  }

  async natCounters(): Promise<NatCounters | SysError> {
    const listed = await this.run(['nft', '-j', 'list', 'table', 'inet', TABLE_NAME]);
    if (listed.code !== 0) return SysError.NOT_FOUND;
    const current = parseNftCounters(listed.stdout);
    if (current === undefined) return SysError.CORRUPT;
    const conntrack = await this.run(['cat', '/proc/net/nf_conntrack']);
    const table = this.lastTable;
    const phones = new Set(table?.phones.map((p) => p.ip) ?? []);
    const flows = table === undefined || conntrack.code !== 0 ? { perPhone: new Map<number, number>(), guests: 0 } : countFlows(conntrack.stdout, phones, table.lan);
    return natCountersFrom(current, this.carried, flows);
  }

  async clearNat(): Promise<NatApplyResult> {
    const started = this.options.now();
    const result = await this.run(['nft', '-f', '-'], renderClearTable());
    this.lastTable = undefined;
    this.carried = emptyCounters();
    return this.resultOf(result, started);
  }

  // ---- inside ----

  private read(side: PortName): KernelAddress[] {
    const flat = this.net.addresses(this.options.portIndex[side]);
    const out: KernelAddress[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) out.push({ ip: flat[i] >>> 0, prefixLength: flat[i + 1] });
    return out;
  }

  private run(argv: readonly string[], stdin?: string): Promise<ChildResult> {
    const id = this.nextChild++;
    const bytes = stdin === undefined ? undefined : encodeUtf8(stdin);
    return new Promise((resolve) => {
      const code = this.net.spawn(id, argv, bytes);
      if (code !== 0) resolve({ code: 127, stdout: '', stderr: `${argv[0]}: cannot start (errno ${-code})` });
      else this.children.set(id, resolve);
    });
  }

  private resultOf(result: ChildResult, started: number): NatApplyResult {
    const elapsedMs = this.options.now() - started;
    if (result.code === 0) return { error: SysError.OK, elapsedMs };
    return { error: SysError.IO, message: result.stderr.trim().split('\n').slice(0, 4).join(' / ') || `exit ${result.code}`, elapsedMs };
  }

  private async drain(): Promise<void> {
    this.applying = true;
    while (this.waiting !== undefined) {
      const { table, waiters } = this.waiting;
      this.waiting = undefined;
      const result = await this.applyOne(table);
      for (const resolve of waiters) resolve(result);
    }
    this.applying = false;
  }

  private async applyOne(table: NatTable): Promise<NatApplyResult> {
    const started = this.options.now();
    let text: string;
    try {
      text = renderNatTable(this.offloadRefused ? { ...table, offload: 'none' } : table, this.render);
    } catch (error) {
      return { error: SysError.INVALID, message: String((error as Error).message), elapsedMs: 0 };
    }
    await this.carryCounters(table);
    let result = await this.run(['nft', '-f', '-'], text);
    if (result.code !== 0 && table.offload !== 'none' && !this.offloadRefused) {
      // Kernels without nf_flow_table (or a driver without hardware offload) refuse the flowtable:
      // forward without it rather than not at all.
      this.offloadRefused = true;
      this.options.log(`nat: the kernel refused the ${table.offload} flowtable (${result.stderr.trim().split('\n')[0] ?? ''}); forwarding without offload`);
      result = await this.run(['nft', '-f', '-'], renderNatTable({ ...table, offload: 'none' }, this.render));
    }
    if (result.code === 0) {
      this.cutOff(this.lastTable, table);
      this.lastTable = table;
    }
    return this.resultOf(result, started);
  }

  /**
   * A phone that left the table (lease ended, block released) or changed block loses its flows:
   * conntrack would otherwise keep translating them with the old block.
   */
  private cutOff(before: NatTable | undefined, after: NatTable): void {
    if (before === undefined) return;
    const kept = new Map(after.phones.map((p) => [p.ip, p]));
    for (const phone of before.phones) {
      const now = kept.get(phone.ip);
      if (now !== undefined && now.firstPort === phone.firstPort && now.lastPort === phone.lastPort) continue;
      const removed = this.net.forgetFlows(phone.ip);
      if (removed < 0) this.options.log(`nat: could not end the flows of ${ipToString(phone.ip)} (errno ${-removed})`);
    }
  }

  /** Keeps what the table about to be replaced counted, for the phones that stay. */
  private async carryCounters(next: NatTable): Promise<void> {
    if (this.lastTable === undefined) return;
    const listed = await this.run(['nft', '-j', 'list', 'table', 'inet', TABLE_NAME]);
    const current = listed.code === 0 ? parseNftCounters(listed.stdout) : undefined;
    if (current === undefined) return;
    const merged = accumulate(this.carried, current);
    const stays = new Set(next.phones.map((p) => p.ip));
    for (const map of [merged.phoneOut, merged.phoneIn]) for (const ip of [...map.keys()]) if (!stays.has(ip)) map.delete(ip);
    this.carried = merged;
  }
}
