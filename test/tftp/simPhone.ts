// A phone for the whole-board simulation (hal/sim Testbed): a small DHCP client on a SimHost, then
// the test TFTP client over the host's UDP. Used by the boot-storm test.
import type { SimHost, ReceivedUdp } from '../../hal/sim/host';
import type { Scheduler } from '../../hal/sim/scheduler';
import { BOOTREQUEST, FLAG_BROADCAST, MessageType, Opt, emitDhcp, isDhcpError, parseDhcp, type DhcpMessage, type DhcpOption } from '../../firmware/wire/dhcp';
import { contiguousPortRange, readIpList, readPortParams, textValue } from '../../firmware/wire/dhcp-options';
import { decodeAscii } from '../../firmware/util/text';
import type { HostSocket } from './harness';
import type { ClientNet } from './client';

/** UDP sockets on one SimHost, in the shape the test TFTP client wants. */
export class HostNet implements ClientNet {
  private readonly sockets = new Map<number, (d: { srcIp: number; srcPort: number; payload: Uint8Array }) => void>();
  private nextPort = 50000;
  /** Datagrams for ports nobody bound (the DHCP client takes 68). */
  fallback: ((d: ReceivedUdp) => void) | undefined;

  constructor(
    readonly host: SimHost,
    readonly scheduler: Scheduler,
  ) {
    host.onUdp = (d) => {
      const handler = this.sockets.get(d.dstPort);
      if (handler) handler(d);
      else this.fallback?.(d);
    };
  }

  bindHost(_ip: number, port: number, onDatagram: (d: { srcIp: number; srcPort: number; payload: Uint8Array }) => void): HostSocket {
    let local = port;
    if (local === 0) {
      do local = this.nextPort = this.nextPort >= 60000 ? 50000 : this.nextPort + 1;
      while (this.sockets.has(local));
    }
    this.sockets.set(local, onDatagram);
    return {
      localPort: local,
      sendTo: (dstIp, dstPort, payload) => {
        this.host.sendUdp(dstIp, local, dstPort, payload);
      },
      close: () => {
        this.sockets.delete(local);
      },
    };
  }
}

export interface Lease {
  readonly ip: number;
  readonly server: number;
  readonly bootFile: string | undefined;
  readonly ports: { first: number; last: number } | undefined;
}

/** DISCOVER / REQUEST with retries; calls `done` with the lease (or undefined after 8 tries). */
export function dhcp(net: HostNet, vendorClass: string, xidSeed: number, done: (lease: Lease | undefined) => void): void {
  const { host, scheduler } = net;
  const scratch = new Uint8Array(576);
  let xid = xidSeed >>> 0;
  let timer: number | undefined;
  let stage: 'discover' | 'request' | 'bound' = 'discover';
  let tries = 0;
  let offer: DhcpMessage | undefined;
  const message = (type: number, extra: DhcpOption[]): Uint8Array => {
    const options: DhcpOption[] = [
      { code: Opt.MESSAGE_TYPE, value: Uint8Array.of(type) },
      { code: Opt.VENDOR_CLASS, value: textValue(vendorClass) },
      { code: Opt.PARAMETER_LIST, value: Uint8Array.of(Opt.SUBNET_MASK, Opt.ROUTER, Opt.LEASE_TIME, Opt.SERVER_ID, Opt.TFTP_SERVER_NAME, Opt.BOOTFILE, Opt.TFTP_SERVERS, Opt.PORT_PARAMS) },
      ...extra,
    ];
    const { length } = emitDhcp({ op: BOOTREQUEST, xid, flags: FLAG_BROADCAST, chaddr: host.mac, options }, scratch, scratch.length);
    return scratch.slice(0, length);
  };
  const send = (): void => {
    if (timer !== undefined) scheduler.cancel(timer);
    if (++tries > 8) return done(undefined);
    if (stage === 'discover') host.sendUdp(0xffffffff, 68, 67, message(MessageType.DISCOVER, []));
    else if (offer) {
      const y = offer.yiaddr;
      const requested = Uint8Array.of(y >>> 24, (y >>> 16) & 255, (y >>> 8) & 255, y & 255);
      host.sendUdp(0xffffffff, 68, 67, message(MessageType.REQUEST, [{ code: Opt.REQUESTED_IP, value: requested }, { code: Opt.SERVER_ID, value: (offer.options.get(Opt.SERVER_ID) ?? new Uint8Array(4)).slice() }]));
    }
    timer = scheduler.after(3000 + ((xid >>> 4) % 1000), send);
  };
  net.fallback = (d) => {
    if (d.dstPort !== 68 || stage === 'bound') return;
    const m = parseDhcp(d.payload);
    if (isDhcpError(m) || m.xid !== xid) return;
    if (m.messageType === MessageType.OFFER && stage === 'discover') {
      offer = m;
      stage = 'request';
      tries = 0;
      send();
    } else if (m.messageType === MessageType.ACK && stage === 'request') {
      stage = 'bound';
      if (timer !== undefined) scheduler.cancel(timer);
      host.ip = m.yiaddr;
      host.prefixLength = 24;
      const params = readPortParams(m.options.get(Opt.PORT_PARAMS));
      const file = m.options.get(Opt.BOOTFILE);
      const server = readIpList(m.options.get(Opt.TFTP_SERVERS))?.[0] ?? m.siaddr;
      done({
        ip: m.yiaddr,
        server,
        bootFile: file ? decodeAscii(file) : undefined,
        ports: params && params.psidLength > 0 ? contiguousPortRange(params.psidLength, params.psid) : undefined,
      });
    } else if (m.messageType === MessageType.NAK) {
      stage = 'discover';
      offer = undefined;
      xid = (xid + 1) >>> 0;
      send();
    }
  };
  send();
}
