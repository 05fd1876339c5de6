// Test bench for the TFTP server at the UDP level: a virtual LAN (and WAN) in virtual time that
// implements the Stack contract for the router, with seeded loss, duplication, reordering and an
// optional link rate; an in-RAM Store and a fixed LeaseDirectory. Everything is deterministic by seed.
import { sha256 } from '@noble/hashes/sha2.js';
import { Scheduler } from '../../hal/sim/scheduler';
import { Rng } from '../../hal/sim/random';
import type { PortName } from '../../hal/hal';
import { SysError } from '../../hal/hal';
import type { Datagram, DatagramHandler, InterfaceAddress, Stack, UdpEndpoint } from '../../firmware/stack/types';
import type { ItemReader, ItemStat, ItemWriter, Store, StoreFailure, StoreUsage } from '../../firmware/store/types';
import type { LeaseDirectory, LeaseEvent, LeaseInfo, PortBlock } from '../../firmware/dhcp/types';
import { TftpServer, type TftpServerOptions } from '../../firmware/tftp';

export const ROUTER_LAN_IP = 0xc0a80101; // 192.168.1.1
export const ROUTER_WAN_IP = 0xcb007101; // 203.0.113.1
export const PUBLIC_IP = ROUTER_WAN_IP;

export interface Impairments {
  /** One-way propagation delay, ms. */
  latencyMs: number;
  loss: number;
  duplicate: number;
  /** Probability that a packet gets extra random delay up to reorderMs (so it arrives out of order). */
  reorder: number;
  reorderMs: number;
  /** Link rate in bits/s for each direction of each host link and of the router's port; 0 = infinite. */
  rateBps: number;
}

export const PERFECT: Impairments = { latencyMs: 0.1, loss: 0, duplicate: 0, reorder: 0, reorderMs: 0, rateBps: 0 };

/** Ethernet preamble+SFD 8, header 14, FCS 4, inter-frame gap 12, IPv4 20, UDP 8. */
export const FRAME_OVERHEAD = 8 + 14 + 4 + 12 + 20 + 8;

export function wireBytes(payloadLength: number): number {
  // Ethernet pads frames to 64 bytes (60 before FCS).
  return Math.max(payloadLength + 20 + 8 + 14, 60) + 4 + 8 + 12;
}

export interface HostSocket {
  readonly localPort: number;
  sendTo(dstIp: number, dstPort: number, payload: Uint8Array): void;
  close(): void;
}

interface Binding {
  handler: DatagramHandler;
}

export class VirtualNet {
  readonly rng: Rng;
  private readonly routerBindings = new Map<string, Binding>();
  private readonly hostBindings = new Map<number, Map<number, (d: Datagram) => void>>();
  private readonly hostSide = new Map<number, PortName>();
  private readonly txFreeAt = new Map<string, number>();
  private nextEphemeral = 49152;
  readonly stats = { sent: 0, delivered: 0, lost: 0, duplicated: 0, noListener: 0, bytesOnWire: 0, refused: 0 };
  /** While this says true, the router's port refuses every send (a full transmit queue, a link down). */
  routerPortRefuses: ((now: number) => boolean) | undefined;
  impairments: Impairments;
  /** Sees every packet as it is sent (before loss). */
  tap: ((fromRouter: boolean, srcPort: number, payload: Uint8Array) => void) | undefined;

  /** `scheduler` may be shared with a simulated flash, so store operations run in the same virtual time. */
  constructor(seed: number, impairments: Impairments = PERFECT, readonly scheduler = new Scheduler()) {
    this.rng = new Rng(seed);
    this.impairments = { ...impairments };
  }

  addHost(ip: number, side: PortName = 'lan'): void {
    this.hostSide.set(ip, side);
    this.hostBindings.set(ip, new Map());
  }

  /** Bind a UDP port on a host (0 picks one). */
  bindHost(ip: number, port: number, onDatagram: (d: Datagram) => void): HostSocket {
    const ports = this.hostBindings.get(ip);
    if (!ports) throw new Error(`no host ${ip}`);
    let local = port;
    if (local === 0) {
      do local = 1024 + this.rng.int(60000);
      while (ports.has(local));
    }
    ports.set(local, onDatagram);
    const side = this.hostSide.get(ip) as PortName;
    return {
      localPort: local,
      sendTo: (dstIp, dstPort, payload) => this.transmit(`h${ip}`, side, ip, local, dstIp, dstPort, payload.slice(), true),
      close: () => ports.delete(local),
    };
  }

  /** The router's side: the Stack contract the TFTP server is written against. */
  readonly stack: Stack = {
    address: (port: PortName): InterfaceAddress | undefined => ({ ip: port === 'lan' ? ROUTER_LAN_IP : ROUTER_WAN_IP, prefixLength: 24 }),
    setAddress: () => undefined,
    bindUdp: (port: PortName, localPort: number, onDatagram: DatagramHandler): UdpEndpoint | undefined => {
      let local = localPort;
      if (local === 0) {
        for (let tries = 0; tries < 16384; tries++) {
          const candidate = this.nextEphemeral;
          this.nextEphemeral = this.nextEphemeral >= 65535 ? 49152 : this.nextEphemeral + 1;
          if (!this.routerBindings.has(`${port}:${candidate}`)) {
            local = candidate;
            break;
          }
        }
        if (local === 0) return undefined;
      }
      const key = `${port}:${local}`;
      if (this.routerBindings.has(key)) return undefined;
      this.routerBindings.set(key, { handler: onDatagram });
      const src = port === 'lan' ? ROUTER_LAN_IP : ROUTER_WAN_IP;
      const send = (dstIp: number, dstPort: number, payload: Uint8Array): boolean => {
        if (this.routerPortRefuses?.(this.scheduler.now())) {
          this.stats.refused++;
          return false;
        }
        this.transmit(`r${port}`, port, src, local, dstIp, dstPort, payload.slice(), false);
        return true;
      };
      return {
        port,
        localPort: local,
        sendTo: send,
        sendToMac: (_mac, dstIp, dstPort, payload) => send(dstIp, dstPort, payload),
        sendBroadcast: () => false,
        close: () => {
          this.routerBindings.delete(key);
        },
      };
    },
    setForwardHook: () => undefined,
    arpLookup: () => undefined,
    sendIpFrame: () => false,
    ping: async () => undefined,
    counters: () => ({ ...this.stats }),
    clearCounters: () => undefined,
  };

  routerPortsBound(): number {
    return this.routerBindings.size;
  }

  private transmit(link: string, side: PortName, srcIp: number, srcPort: number, dstIp: number, dstPort: number, payload: Uint8Array, toRouter: boolean): void {
    const imp = this.impairments;
    const now = this.scheduler.now();
    this.tap?.(!toRouter, srcPort, payload);
    this.stats.sent++;
    const bytes = wireBytes(payload.length);
    this.stats.bytesOnWire += bytes;
    let departs = now;
    if (imp.rateBps > 0) {
      const start = Math.max(now, this.txFreeAt.get(link) ?? 0);
      departs = start + (bytes * 8 * 1000) / imp.rateBps;
      this.txFreeAt.set(link, departs);
    }
    if (this.rng.chance(imp.loss)) {
      this.stats.lost++;
      return;
    }
    const copies = this.rng.chance(imp.duplicate) ? 2 : 1;
    if (copies === 2) this.stats.duplicated++;
    for (let c = 0; c < copies; c++) {
      const extra = this.rng.chance(imp.reorder) ? this.rng.next() * imp.reorderMs : 0;
      const at = departs + imp.latencyMs + extra + c * 0.01;
      this.scheduler.at(at, () => this.deliver(side, srcIp, srcPort, dstIp, dstPort, payload, toRouter));
    }
  }

  private deliver(side: PortName, srcIp: number, srcPort: number, dstIp: number, dstPort: number, payload: Uint8Array, toRouter: boolean): void {
    const datagram: Datagram = {
      port: side,
      srcMac: new Uint8Array(6),
      srcIp,
      srcPort,
      dstIp,
      dstPort,
      payload,
      broadcast: dstIp === 0xffffffff,
    };
    if (toRouter) {
      const routerIp = side === 'lan' ? ROUTER_LAN_IP : ROUTER_WAN_IP;
      const binding = dstIp === routerIp ? this.routerBindings.get(`${side}:${dstPort}`) : undefined;
      if (!binding) {
        this.stats.noListener++;
        return;
      }
      this.stats.delivered++;
      binding.handler(datagram);
      return;
    }
    const handler = this.hostBindings.get(dstIp)?.get(dstPort);
    if (!handler) {
      this.stats.noListener++;
      return;
    }
    this.stats.delivered++;
    handler(datagram);
  }
}

// ---- an in-RAM Store (the contract, with atomic put) --------------------------------------------

interface MemItem {
  readonly stat: ItemStat;
  readonly bytes?: Uint8Array;
  /** Synthetic content: byte at offset i (for images too large to keep twice). */
  readonly generate?: (offset: number, into: Uint8Array) => void;
}

const notFound = (name: string): StoreFailure => ({ error: SysError.NOT_FOUND, message: `${name}: not found` });

export class MemoryStore implements Store {
  private readonly items = new Map<string, MemItem>();
  openReaders = 0;
  maxOpenReaders = 0;
  readCalls = 0;
  capacity = Number.POSITIVE_INFINITY;

  putBytes(name: string, bytes: Uint8Array): void {
    this.items.set(name, { stat: { name, size: bytes.length, sha256: sha256(bytes), committedAt: 0 }, bytes });
  }

  /** An item whose content is computed on read (its sha256 is not computed: zeros). */
  putSynthetic(name: string, size: number, generate: (offset: number, into: Uint8Array) => void): void {
    this.items.set(name, { stat: { name, size, sha256: new Uint8Array(32), committedAt: 0 }, generate });
  }

  bytesOf(name: string): Uint8Array | undefined {
    return this.items.get(name)?.bytes;
  }

  async put(name: string, expectedSize?: number): Promise<ItemWriter | StoreFailure> {
    if (expectedSize !== undefined && expectedSize > this.capacity) return { error: SysError.NO_SPACE, message: 'no space' };
    const chunks: Uint8Array[] = [];
    let length = 0;
    let finished = false;
    return {
      write: async (chunk: Uint8Array) => {
        if (finished) return { error: SysError.INVALID, message: 'writer finished' };
        if (length + chunk.length > this.capacity) return { error: SysError.NO_SPACE, message: 'no space' };
        chunks.push(chunk.slice());
        length += chunk.length;
        return undefined;
      },
      commit: async () => {
        if (finished) return { error: SysError.INVALID, message: 'writer finished' };
        finished = true;
        const bytes = new Uint8Array(length);
        let at = 0;
        for (const c of chunks) {
          bytes.set(c, at);
          at += c.length;
        }
        this.putBytes(name, bytes);
        return this.items.get(name)!.stat;
      },
      abort: () => {
        finished = true;
        chunks.length = 0;
      },
    };
  }

  open(name: string): ItemReader | StoreFailure {
    const item = this.items.get(name);
    if (!item) return notFound(name);
    this.openReaders++;
    this.maxOpenReaders = Math.max(this.maxOpenReaders, this.openReaders);
    let closed = false;
    return {
      stat: item.stat,
      read: async (offset: number, into: Uint8Array) => {
        this.readCalls++;
        const n = Math.max(0, Math.min(into.length, item.stat.size - offset));
        if (item.bytes) into.set(item.bytes.subarray(offset, offset + n));
        else item.generate!(offset, into.subarray(0, n));
        return n;
      },
      close: () => {
        if (!closed) this.openReaders--;
        closed = true;
      },
    };
  }

  stat(name: string): ItemStat | undefined {
    return this.items.get(name)?.stat;
  }
  list(): ItemStat[] {
    return [...this.items.values()].map((i) => i.stat);
  }
  async remove(name: string): Promise<StoreFailure | undefined> {
    return this.items.delete(name) ? undefined : notFound(name);
  }
  async setRecord(): Promise<StoreFailure | undefined> {
    return undefined;
  }
  async getRecord(): Promise<Uint8Array | undefined | StoreFailure> {
    return undefined;
  }
  usage(): StoreUsage {
    let used = 0;
    for (const item of this.items.values()) used += item.stat.size;
    const total = Number.isFinite(this.capacity) ? this.capacity : used;
    return { totalBytes: total, usedBytes: used, freeBytes: Math.max(0, total - used), reclaimableBytes: 0, eraseCounts: [], badBlocks: 0 };
  }
  damage(): readonly string[] {
    return [];
  }
}

/** A deterministic image: every byte a function of its offset (so it can be checked without a copy). */
export function patternByte(offset: number): number {
  const x = Math.imul(offset ^ (offset >>> 13), 0x9e3779b1);
  return (x >>> 24) & 0xff;
}

export function fillPattern(offset: number, into: Uint8Array): void {
  for (let i = 0; i < into.length; i++) into[i] = patternByte(offset + i);
}

export function patternBytes(size: number): Uint8Array {
  const out = new Uint8Array(size);
  fillPattern(0, out);
  return out;
}

// ---- a fixed lease table ------------------------------------------------------------------------

export class FixedLeases implements LeaseDirectory {
  private readonly byAddress = new Map<number, LeaseInfo>();

  add(lease: LeaseInfo): void {
    this.byAddress.set(lease.ip, lease);
  }
  byIp(ip: number): LeaseInfo | undefined {
    return this.byAddress.get(ip);
  }
  byPublicPort(publicPort: number): LeaseInfo | undefined {
    for (const l of this.byAddress.values()) if (l.block && publicPort >= l.block.first && publicPort <= l.block.last) return l;
    return undefined;
  }
  all(): Iterable<LeaseInfo> {
    return this.byAddress.values();
  }
  subscribe(_listener: (event: LeaseEvent) => void): () => void {
    return () => undefined;
  }
}

export function blockOf(index: number, psidLength = 10): PortBlock {
  const size = 2 ** (16 - psidLength);
  const psid = index + 8; // keep clear of the low ports
  return { first: psid * size, last: psid * size + size - 1, psidLength, psid };
}

export function leaseFor(index: number, phoneClass: string, vars: Record<string, string> = {}): LeaseInfo {
  return {
    mac: Uint8Array.of(0x00, 0x15, 0x65, 0x10, index >> 8, index & 0xff),
    ip: 0xc0a80164 + index, // 192.168.1.100 + index
    phoneClass,
    block: blockOf(index),
    expiresAt: 3_600_000,
    bootFile: 'phone.bin',
    vars,
  };
}

// ---- the bench: net + store + leases + server, driven like the reactor drives it ---------------

export class Bench {
  readonly net: VirtualNet;
  readonly store = new MemoryStore();
  readonly leases = new FixedLeases();
  readonly server: TftpServer;
  readonly log: string[] = [];
  private wakeAt: number | undefined;
  publicIp: number | undefined = PUBLIC_IP;

  readonly warnings: string[] = [];

  constructor(seed: number, impairments: Impairments = PERFECT, options: Partial<TftpServerOptions> = {}, scheduler?: Scheduler) {
    this.net = new VirtualNet(seed, impairments, scheduler);
    this.server = new TftpServer({
      stack: this.net.stack,
      store: this.store,
      leases: this.leases,
      clock: () => this.net.scheduler.now(),
      publicIp: () => this.publicIp,
      log: (line) => {
        if (this.log.length < 1000) this.log.push(line);
      },
      warn: (line) => {
        if (this.warnings.length < 1000) this.warnings.push(line);
      },
      ...options,
    });
    if (!this.server.start()) throw new Error('could not bind port 69');
  }

  get now(): number {
    return this.net.scheduler.now();
  }

  /** Let promise continuations (store reads) run; bounded so a truly pending operation cannot hang us. */
  async settle(): Promise<void> {
    for (let i = 0; i < 200 && this.server.pendingAsync() > 0; i++) await Promise.resolve();
  }

  private arm(): void {
    const at = this.server.pollAt();
    if (at !== undefined && (this.wakeAt === undefined || at < this.wakeAt)) {
      this.wakeAt = at;
      this.net.scheduler.at(at, () => {
        this.wakeAt = undefined;
        this.server.dispatch(this.net.scheduler.now());
      });
    }
  }

  /** Run events until `done()` or `maxMs` of virtual time pass; returns done(). */
  async run(done: () => boolean, maxMs: number): Promise<boolean> {
    const deadline = this.now + maxMs;
    const scheduler = this.net.scheduler;
    for (;;) {
      await this.settle();
      this.arm();
      if (done()) return true;
      const next = scheduler.nextTime();
      if (next === undefined || next > deadline) {
        scheduler.runUntil(deadline, 0);
        return done();
      }
      scheduler.step();
    }
  }
}
