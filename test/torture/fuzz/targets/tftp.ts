// TFTP: the packet parser alone, and the server on a direct UDP stack: requests on port 69 and
// packets on live transfers' ports from their client or a stranger, on the LAN and the WAN, with
// an upload window open for one host and time moving. Each input's drop must show in the counters.
import { ParseError, Opcode, parsePacket, buildAck, buildData } from '../../../../firmware/wire/tftp';
import { TftpServer } from '../../../../firmware/tftp';
import type { Datagram, DatagramHandler, Stack, UdpEndpoint } from '../../../../firmware/stack/types';
import type { PortName } from '../../../../hal/hal';
import { Rng } from '../../../../hal/sim/random';
import { MemoryStore, FixedLeases, leaseFor, patternBytes } from '../../../tftp/harness';
import { count, type Figure } from '../../campaign';
import { mutate, type Seed } from '../mutate';
import type { FuzzInstance, FuzzTarget } from '../target';
import { IMAGES, tftpSeeds } from './tftp-corpus';

const REASONS = new Set<string>(Object.values(ParseError));

export const tftpParse: FuzzTarget = {
  name: 'tftp-parse',
  describe: 'TFTP packet parser',
  seeds: tftpSeeds,
  create(): FuzzInstance {
    return {
      feed(input) {
        const parsed = parsePacket(input);
        if (!parsed.ok) {
          if (!REASONS.has(parsed.reason)) throw new Error(`unknown refusal ${String(parsed.reason)}`);
          return parsed.reason;
        }
        return 'ok';
      },
      audit(fed, outcomes) {
        let total = 0;
        for (const n of outcomes.values()) total += n;
        return total === fed ? [] : [`${fed} inputs, ${total} outcomes`];
      },
    };
  },
};

const LAN_IP = 0xc0a80101;
const WAN_IP = 0xcb007101;
const PHONE = 0xc0a80164; // 192.168.1.100, leaseFor(0)
const UPLOADER = 0xc0a80114; // 192.168.1.20

interface Bound {
  readonly port: PortName;
  readonly localPort: number;
  readonly handler: DatagramHandler;
  /** The client this endpoint last sent to, and the last DATA block it sent or ACK it gave. */
  peer?: { ip: number; port: number; block: number; sentData: boolean };
}

/** The Stack contract with synchronous delivery: what the server sends is kept for the fuzzing client. */
class DirectStack implements Stack {
  readonly bound = new Map<string, Bound>();
  private nextPort = 49152;
  sent = 0;
  address = (port: PortName) => ({ ip: port === 'lan' ? LAN_IP : WAN_IP, prefixLength: 24 });
  setAddress = () => undefined;
  setForwardHook = () => undefined;
  arpLookup = () => undefined;
  sendIpFrame = () => false;
  ping = async () => undefined;
  counters = () => ({});
  clearCounters = () => undefined;
  bindUdp(port: PortName, localPort: number, handler: DatagramHandler): UdpEndpoint | undefined {
    let local = localPort;
    if (local === 0) {
      for (let tries = 0; tries < 16384 && local === 0; tries++) {
        const candidate = this.nextPort;
        this.nextPort = this.nextPort >= 65535 ? 49152 : this.nextPort + 1;
        if (!this.bound.has(`${port}:${candidate}`)) local = candidate;
      }
      if (local === 0) return undefined;
    }
    const key = `${port}:${local}`;
    if (this.bound.has(key)) return undefined;
    const entry: Bound = { port, localPort: local, handler };
    this.bound.set(key, entry);
    const send = (ip: number, dstPort: number, payload: Uint8Array): boolean => {
      this.sent++;
      const op = (payload[0] << 8) | payload[1];
      const block = (payload[2] << 8) | payload[3];
      entry.peer = { ip, port: dstPort, block, sentData: op === Opcode.DATA || op === Opcode.OACK };
      if (op === Opcode.OACK) entry.peer.block = 0;
      return true;
    };
    return {
      port,
      localPort: local,
      sendTo: send,
      sendToMac: (_mac, ip, dstPort, payload) => send(ip, dstPort, payload),
      sendBroadcast: () => false,
      close: () => void this.bound.delete(key),
    };
  }
}

/** Counters that a datagram to port 69 ends in, besides `requests`. */
const isRequestDrop = (kind: string): boolean => kind === 'wan-ignored' || kind === 'broadcast-ignored' || kind.startsWith('malformed-request:') || kind.startsWith('dropped:');
/** Counters that a rejected datagram on a transfer's port ends in. */
const isTransferDrop = (kind: string): boolean => kind === 'wan-ignored' || kind === 'unknown-tid' || kind.startsWith('dropped:') || kind.startsWith('client-error:') || kind === 'upload-too-large';

function sum(errors: Readonly<Record<string, number>>, which: (kind: string) => boolean): number {
  let n = 0;
  for (const [k, v] of Object.entries(errors)) if (which(k)) n += v;
  return n;
}

/** One input: two header bytes (where it goes, from whom, time step) then the payload. */
function generateServerInput(rng: Rng, seeds: readonly Seed[]): Uint8Array {
  const roll = rng.int(10);
  // Half the packets on a transfer are the ACK or DATA it waits for, so transfers run to their end.
  const payload = roll < 4 ? mutate(seeds, rng, 600).bytes : roll < 7 ? Uint8Array.of(0xff, 0xff) : mutate(seeds, rng, 600).bytes;
  const out = new Uint8Array(payload.length + 2);
  out[0] = roll < 4 ? 0 : roll < 7 ? 1 : 2; // 0: port 69, 1: the expected next packet of a transfer, 2: mutated, to a transfer
  out[1] = rng.nextU32() & 0xff;
  out.set(payload, 2);
  return out;
}

async function settle(server: TftpServer): Promise<void> {
  for (let i = 0; i < 200 && server.pendingAsync() > 0; i++) await Promise.resolve();
}

export const tftpServer: FuzzTarget = {
  name: 'tftp-server',
  describe: 'TFTP server: mutated requests on port 69 and packets on transfers, LAN and WAN, an upload window open',
  seeds: tftpSeeds,
  generate: generateServerInput,
  create(seed): FuzzInstance {
    const stack = new DirectStack();
    const store = new MemoryStore();
    store.putBytes(IMAGES[0], patternBytes(3000));
    store.putBytes(IMAGES[1], patternBytes(70_000));
    store.putSynthetic(IMAGES[2], 40 * 1024 * 1024, (offset, into) => into.fill(offset & 0xff));
    const leases = new FixedLeases();
    for (let i = 0; i < 3; i++) leases.add(leaseFor(i, 'yealink', { sip_server: '203.0.113.1' }));
    let now = 0;
    let stranded = 0;
    const server = new TftpServer({ stack, store, leases, clock: () => now, publicIp: () => WAN_IP, limits: { maxUploadBytes: 200_000 } });
    if (!server.start()) throw new Error('could not bind port 69');
    const reopen = (): void => void server.openUploadWindow({ host: UPLOADER, until: now + 3_600_000 });
    reopen();
    const clients = [PHONE, PHONE + 1, UPLOADER, 0xc0a801fe, 0x0a000001];
    return {
      async feed(input) {
        const [where, head] = [input[0] ?? 0, input[1] ?? 0];
        let payload = input.subarray(2);
        now += (head >> 4) * (head & 8 ? 400 : 3);
        if (now % 1_800_000 < 3000) reopen();
        const due = server.pollAt();
        if (due !== undefined && due <= now) server.dispatch(now);
        const side: PortName = (head & 7) === 7 ? 'wan' : 'lan';
        const transfers = [...stack.bound.values()].filter((b) => b.localPort !== 69 && b.peer);
        const before = server.status();
        let to: Bound | undefined;
        let from = clients[head % clients.length];
        let srcPort = 1024 + ((head * 977) % 60000);
        if (where !== 0 && transfers.length > 0) {
          to = transfers[head % transfers.length];
          const peer = to.peer!;
          if (where === 1 || (head & 0x30) !== 0x30) [from, srcPort] = [peer.ip, peer.port];
          if (where === 1) payload = peer.sentData ? buildAck(peer.block) : buildData((peer.block + 1) & 0xffff, patternBytes(head & 1 ? 512 : 100));
        } else to = stack.bound.get('lan:69');
        if (!to) return 'no-listener';
        const datagram: Datagram = { port: side, srcMac: new Uint8Array(6), srcIp: from, srcPort, dstIp: side === 'lan' ? LAN_IP : WAN_IP, dstPort: to.localPort, payload, broadcast: (head & 0x70) === 0x70 && to.localPort === 69 };
        to.handler(datagram);
        await settle(server);
        const after = server.status();
        if (to.localPort === 69) {
          const moved = after.totals.requests - before.totals.requests + sum(after.errors, isRequestDrop) - sum(before.errors, isRequestDrop);
          if (moved !== 1) throw new Error(`a datagram to port 69 moved ${moved} counters (requests or drops)`);
          return 'to-69';
        }
        // On a transfer: a packet the transfer can use (right source, LAN, parsed, the opcode it
        // expects) moves no drop counter; anything else moves exactly one.
        const parsed = parsePacket(payload);
        const usable = side === 'lan' && from === to.peer!.ip && srcPort === to.peer!.port && parsed.ok && (parsed.packet.op === Opcode.ACK || parsed.packet.op === Opcode.DATA);
        const moved = sum(after.errors, isTransferDrop) - sum(before.errors, isTransferDrop);
        if (!usable && moved !== 1) {
          // A transfer that already ended may still hold its port for a moment: that packet must be counted too.
          stranded++;
          throw new Error(`a rejected datagram on transfer port ${to.localPort} moved ${moved} drop counters`);
        }
        return usable ? 'transfer-usable' : 'transfer-rejected';
      },
      audit() {
        const s = server.status();
        const problems: string[] = [];
        if (s.active.length > 64) problems.push(`${s.active.length} transfers active`);
        const ports = stack.bound.size - 1;
        if (ports > s.active.length + 64) problems.push(`${ports} ports bound for ${s.active.length} transfers`);
        return problems;
      },
      figures(): Figure[] {
        const t = server.status().totals;
        return [{ what: 'requests, reads done, uploads done, failed, packets sent', value: `${count(t.requests)}, ${count(t.readsCompleted)}, ${count(t.writesCompleted)}, ${count(t.failed)}, ${count(stack.sent)}${stranded ? `, ${stranded} stranded` : ''}` }];
      },
    };
  },
};
