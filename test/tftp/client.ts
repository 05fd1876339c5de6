// A TFTP client written for the tests (RFC 1350, 2347-2349, 7440 receiver, rollover), running on a
// VirtualNet host. It records what it saw so tests can assert on behaviour, not just on success.
import { sha256 } from '@noble/hashes/sha2.js';
import { buildAck, buildData, buildError, buildRequest, parsePacket, Opcode, type Mode, type Options } from '../../firmware/wire/tftp';
import { NetasciiDecoder } from '../../firmware/tftp/netascii';
import { wireBlock, seqDelta, type RolloverTo } from '../../firmware/tftp/blockNumbers';
import type { Scheduler } from '../../hal/sim/scheduler';
import { ROUTER_LAN_IP, type HostSocket } from './harness';

/** What the client needs from a network: the clock, and UDP sockets on its host. */
export interface ClientNet {
  readonly scheduler: Scheduler;
  bindHost(ip: number, port: number, onDatagram: (d: { srcIp: number; srcPort: number; payload: Uint8Array }) => void): HostSocket;
}
type Datagram = { srcIp: number; srcPort: number; payload: Uint8Array };

export interface ReadOptions {
  readonly mode?: Mode;
  /** Options to send in the RRQ, in order. */
  readonly options?: Options;
  /** Called with each in-order payload (after netascii decoding) and its offset. */
  readonly sink?: (bytes: Uint8Array, offset: number) => void;
  /** Keep a sha256 of the content (default true; turn off for very large reads checked by sink). */
  readonly hash?: boolean;
  /** Keep the bytes (default false). */
  readonly keep?: boolean;
  /** Client retransmission timeout, ms (default 1500). */
  readonly timeoutMs?: number;
  readonly maxRetries?: number;
  /** Rollover the client assumes when none is negotiated (default 0). */
  readonly rolloverTo?: RolloverTo;
  /** Behave like a classic RFC 1350 client: re-ACK every duplicate DATA (provokes SAS on bad servers). */
  readonly reAckDuplicates?: boolean;
  /** Server address (default the router's LAN address) and port. */
  readonly server?: number;
  readonly serverPort?: number;
}

export interface TransferResult {
  done: boolean;
  ok: boolean;
  errorCode?: number;
  errorMessage?: string;
  bytes: number;
  sha256?: Uint8Array;
  data?: Uint8Array;
  oack?: Record<string, string>;
  /** ACK packets the client sent (each one a round trip for a lock-step transfer). */
  acksSent: number;
  dataReceived: number;
  duplicateData: number;
  outOfOrder: number;
  requestsSent: number;
  startedAt: number;
  finishedAt?: number;
  serverPort?: number;
  /** DATA packets received for each sequence number > 1 time (for SAS checks). */
  timesBlockSeen?: Map<number, number>;
}

export class TftpTestClient {
  constructor(
    private readonly net: ClientNet,
    readonly ip: number,
  ) {}

  read(name: string, opts: ReadOptions = {}): TransferResult {
    const net = this.net;
    const scheduler = net.scheduler;
    const mode = opts.mode ?? 'octet';
    const timeoutMs = opts.timeoutMs ?? 1500;
    const maxRetries = opts.maxRetries ?? 8;
    const hasher = opts.hash === false ? undefined : sha256.create();
    const kept: Uint8Array[] = [];
    const decoder = mode === 'netascii' ? new NetasciiDecoder() : undefined;
    const result: TransferResult = {
      done: false, ok: false, bytes: 0, acksSent: 0, dataReceived: 0, duplicateData: 0, outOfOrder: 0, requestsSent: 0,
      startedAt: scheduler.now(), timesBlockSeen: new Map(),
    };
    let blockSize = 512;
    let windowSize = 1;
    let rolloverTo: RolloverTo = opts.rolloverTo ?? 0;
    let received = 0; // highest in-order sequence number
    let ackedUpTo = 0;
    let tid: number | undefined;
    let retries = 0;
    let timer: number | undefined;
    let lastSent: Uint8Array;
    let gapAcked = false;
    const serverIp = opts.server ?? ROUTER_LAN_IP;
    const serverPort = opts.serverPort ?? 69;

    const finish = (ok: boolean, code?: number, message?: string): void => {
      if (result.done) return;
      result.done = true;
      result.ok = ok;
      result.errorCode = code;
      result.errorMessage = message;
      result.finishedAt = scheduler.now();
      if (timer !== undefined) scheduler.cancel(timer);
      if (ok && decoder) deliver(decoder.finish());
      if (hasher) result.sha256 = hasher.digest();
      if (opts.keep) {
        const all = new Uint8Array(result.bytes);
        let at = 0;
        for (const k of kept) {
          all.set(k, at);
          at += k.length;
        }
        result.data = all;
      }
      // Linger briefly: a repeated last DATA is answered, anything else is ignored, then close.
      scheduler.after(timeoutMs * 3, () => socket.close());
    };
    const deliver = (bytes: Uint8Array): void => {
      if (bytes.length === 0) return;
      opts.sink?.(bytes, result.bytes);
      hasher?.update(bytes);
      if (opts.keep) kept.push(bytes.slice());
      result.bytes += bytes.length;
    };
    const send = (packet: Uint8Array): void => {
      lastSent = packet;
      socket.sendTo(serverIp, tid ?? serverPort, packet);
    };
    const arm = (): void => {
      if (timer !== undefined) scheduler.cancel(timer);
      timer = scheduler.after(timeoutMs, () => {
        timer = undefined;
        if (result.done) return;
        if (++retries > maxRetries) return finish(false, undefined, 'client timeout');
        if (tid === undefined) result.requestsSent++;
        else result.acksSent++;
        socket.sendTo(serverIp, tid ?? serverPort, lastSent);
        arm();
      });
    };
    const ack = (seq: number): void => {
      result.acksSent++;
      ackedUpTo = seq;
      send(buildAck(wireBlock(seq, rolloverTo)));
    };

    const socket: HostSocket = net.bindHost(this.ip, 0, (d: Datagram) => {
      if (d.srcIp !== serverIp) return;
      const parsed = parsePacket(d.payload);
      if (!parsed.ok) return;
      const p = parsed.packet;
      if (result.done) {
        // Dally: the server missed our final ACK.
        if (p.op === Opcode.DATA && d.srcPort === tid) socket.sendTo(serverIp, d.srcPort, lastSent);
        return;
      }
      if (tid === undefined) {
        tid = d.srcPort;
        result.serverPort = tid;
      } else if (d.srcPort !== tid) {
        socket.sendTo(serverIp, d.srcPort, buildError(5, 'unknown transfer ID'));
        return;
      }
      if (p.op === Opcode.ERROR) return finish(false, p.code, p.message);
      if (p.op === Opcode.OACK) {
        if (received > 0 || result.oack) return; // a late duplicate
        result.oack = Object.fromEntries(p.options.map((o) => [o.name, o.value]));
        if (result.oack.blksize) blockSize = Number(result.oack.blksize);
        if (result.oack.windowsize) windowSize = Number(result.oack.windowsize);
        if (result.oack.rollover) rolloverTo = result.oack.rollover === '1' ? 1 : 0;
        retries = 0;
        ack(0);
        arm();
        return;
      }
      if (p.op !== Opcode.DATA) return;
      result.dataReceived++;
      const delta = seqDelta(p.block, received, windowSize, rolloverTo);
      if (delta === 1) {
        received++;
        const seen = result.timesBlockSeen!;
        seen.set(received, (seen.get(received) ?? 0) + 1);
        gapAcked = false;
        retries = 0;
        deliver(decoder ? decoder.decode(p.payload) : p.payload);
        if (p.payload.length < blockSize) {
          ack(received);
          return finish(true);
        }
        if (received - ackedUpTo >= windowSize) ack(received);
        arm();
        return;
      }
      if (delta === 0 || delta === -1) {
        result.duplicateData++;
        if (delta === 0 && opts.reAckDuplicates) ack(received);
        return;
      }
      // A gap: RFC 7440 says ACK the last block received in order, once, and the sender resumes after it.
      result.outOfOrder++;
      if (!gapAcked) {
        gapAcked = true;
        ack(received);
        arm();
      }
    });

    result.requestsSent++;
    lastSent = buildRequest(Opcode.RRQ, name, mode, opts.options ?? []);
    socket.sendTo(serverIp, serverPort, lastSent);
    arm();
    return result;
  }

  /** Upload `data` with WRQ, lock-step. `cutAfterBlocks` stops sending (a pulled cable) after n blocks. */
  write(name: string, data: Uint8Array, opts: { options?: Options; cutAfterBlocks?: number; timeoutMs?: number; server?: number } = {}): TransferResult {
    const serverIp = opts.server ?? ROUTER_LAN_IP;
    const net = this.net;
    const scheduler = net.scheduler;
    const timeoutMs = opts.timeoutMs ?? 1500;
    const result: TransferResult = {
      done: false, ok: false, bytes: 0, acksSent: 0, dataReceived: 0, duplicateData: 0, outOfOrder: 0, requestsSent: 1, startedAt: scheduler.now(),
    };
    let blockSize = 512;
    let tid: number | undefined;
    let sentSeq = 0;
    let lastSent = buildRequest(Opcode.WRQ, name, 'octet', opts.options ?? []);
    let timer: number | undefined;
    let retries = 0;
    const cut = (): boolean => opts.cutAfterBlocks !== undefined && sentSeq >= opts.cutAfterBlocks;
    const finish = (ok: boolean, code?: number, message?: string): void => {
      if (result.done) return;
      Object.assign(result, { done: true, ok, errorCode: code, errorMessage: message, finishedAt: scheduler.now() });
      if (timer !== undefined) scheduler.cancel(timer);
      socket.close();
    };
    const arm = (): void => {
      if (timer !== undefined) scheduler.cancel(timer);
      timer = scheduler.after(timeoutMs, () => {
        timer = undefined;
        if (result.done || cut()) return;
        if (++retries > 8) return finish(false, undefined, 'client timeout');
        socket.sendTo(serverIp, tid ?? 69, lastSent);
        arm();
      });
    };
    const sendBlock = (seq: number): void => {
      const start = (seq - 1) * blockSize;
      lastSent = buildData(seq & 0xffff, data.subarray(start, Math.min(data.length, start + blockSize)));
      sentSeq = seq;
      socket.sendTo(serverIp, tid as number, lastSent);
      arm();
    };
    const socket = net.bindHost(this.ip, 0, (d: Datagram) => {
      if (result.done) return;
      const parsed = parsePacket(d.payload);
      if (!parsed.ok) return;
      const p = parsed.packet;
      if (tid === undefined) tid = d.srcPort;
      else if (d.srcPort !== tid) return;
      if (p.op === Opcode.ERROR) return finish(false, p.code, p.message);
      let acked: number | undefined;
      if (p.op === Opcode.OACK && sentSeq === 0) {
        const o = Object.fromEntries(p.options.map((x) => [x.name, x.value]));
        if (o.blksize) blockSize = Number(o.blksize);
        result.oack = o;
        acked = 0;
      } else if (p.op === Opcode.ACK) acked = p.block;
      if (acked === undefined || acked !== (sentSeq & 0xffff)) return;
      retries = 0;
      const lastSeq = Math.floor(data.length / blockSize) + 1;
      result.bytes = Math.min(data.length, sentSeq * blockSize);
      if (sentSeq === lastSeq) return finish(true);
      if (cut()) {
        if (timer !== undefined) scheduler.cancel(timer);
        return;
      }
      sendBlock(sentSeq + 1);
    });
    socket.sendTo(serverIp, 69, lastSent);
    arm();
    return result;
  }
}

export function sha(bytes: Uint8Array): string {
  return Buffer.from(sha256(bytes)).toString('hex');
}
