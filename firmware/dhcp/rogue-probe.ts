// Another DHCP server on the LAN: every rogueProbeInterval the server broadcasts a DISCOVER of its
// own from port 68 and listens a few seconds for OFFERs. One seen is logged aloud; with policy
// 'stop' the server stops serving until a probe hears nobody. Pure: time and input come in.
import { ipToString } from '../util/ipv4';
import { encodeAscii } from '../util/text';
import { BOOTREPLY, BOOTREQUEST, FLAG_BROADCAST, MessageType, Opt, emitDhcp, isDhcpError, parseDhcp } from '../wire/dhcp';
import { readU32Value } from '../wire/dhcp-options';
import type { DhcpConfig } from './config';
import type { DhcpInput, DhcpNetwork, DhcpOutput } from './server-types';

const ROGUE_LISTEN_MS = 3000;

export class RogueProbe {
  /** When the next probe goes out (0: at the first dispatch). */
  private probeAt: number | undefined = 0;
  private listenUntil: number | undefined;
  private xid = 0;
  private readonly seen = new Map<number, number>();
  private lastAt: number | undefined;
  private stopped: string | undefined;

  constructor(
    private readonly randomU32: () => number,
    private readonly count: (name: string) => void,
  ) {}

  /** Why the server stopped serving (policy 'stop'), or undefined while it serves. */
  stoppedBecause(): string | undefined {
    return this.stopped;
  }

  otherServers(): string[] {
    return Array.from(this.seen.keys(), ipToString);
  }

  lastProbeAt(): number | undefined {
    return this.lastAt;
  }

  /** The earliest of its deadlines; the probe itself only runs while the server may serve. */
  pollAt(canProbe: boolean): number {
    let at = Infinity;
    if (canProbe && this.probeAt !== undefined && this.probeAt < at) at = this.probeAt;
    if (this.listenUntil !== undefined && this.listenUntil < at) at = this.listenUntil;
    return at;
  }

  /** End a listening window that is over; send the next probe when it is due. */
  dispatch(now: number, network: DhcpNetwork | undefined, config: DhcpConfig, out: DhcpOutput[]): void {
    if (this.listenUntil !== undefined && now >= this.listenUntil) {
      this.listenUntil = undefined;
      const seenNow = Array.from(this.seen).filter(([, at]) => at >= (this.lastAt ?? 0));
      if (seenNow.length === 0) {
        if (this.seen.size > 0 || this.stopped) {
          out.push({ kind: 'log', level: 'info', text: 'no other DHCP server answers any more' + (this.stopped ? '; serving again' : '') });
        }
        this.seen.clear();
        this.stopped = undefined;
      }
    }
    if (this.probeAt === undefined || now < this.probeAt || !network || !config.enabled) return;
    this.probeAt = now + config.rogueProbeInterval * 1000;
    this.listenUntil = now + ROGUE_LISTEN_MS;
    this.lastAt = now;
    this.xid = this.randomU32() >>> 0;
    const buffer = new Uint8Array(548);
    const { length } = emitDhcp(
      {
        op: BOOTREQUEST, xid: this.xid, flags: FLAG_BROADCAST, chaddr: network.mac,
        options: [
          { code: Opt.MESSAGE_TYPE, value: Uint8Array.of(MessageType.DISCOVER) },
          { code: Opt.PARAMETER_LIST, value: Uint8Array.of(Opt.SUBNET_MASK, Opt.ROUTER, Opt.SERVER_ID) },
          { code: Opt.VENDOR_CLASS, value: encodeAscii('plugboard-probe') },
        ],
      },
      buffer,
    );
    this.count('tx.probe-discover');
    out.push({ kind: 'send', from: 68, to: { kind: 'broadcast' }, toPort: 67, payload: buffer.slice(0, length) });
  }

  /** A datagram on UDP port 68: an OFFER answering our probe names another server. */
  receive(input: DhcpInput, now: number, network: DhcpNetwork | undefined, config: DhcpConfig): DhcpOutput[] {
    const out: DhcpOutput[] = [];
    if (input.port !== 'lan') return out;
    const message = parseDhcp(input.payload);
    if (isDhcpError(message) || message.op !== BOOTREPLY || message.xid !== this.xid) return out;
    if (message.messageType !== MessageType.OFFER || this.listenUntil === undefined) return out;
    const server = readU32Value(message.options.get(Opt.SERVER_ID)) ?? input.srcIp;
    if (server === network?.ip) return out;
    const first = !this.seen.has(server);
    this.seen.set(server, now);
    this.count('other-server-seen');
    if (first) {
      const stop = config.rogueServerPolicy === 'stop';
      out.push({
        kind: 'log', level: 'error',
        text: `ANOTHER DHCP SERVER ANSWERS ON THE LAN: ${ipToString(server)} offered ${ipToString(message.yiaddr)}` + (stop ? '; not serving' : ''),
      });
      if (stop) this.stopped = `another DHCP server (${ipToString(server)}) answers on the LAN`;
    }
    return out;
  }
}
