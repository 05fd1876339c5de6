// A DHCP client written for the tests: builds every client message (RFC 2131 §4.4) and reads
// replies; `PhoneClient` adds the client state machine (INIT -> BOUND -> RENEWING -> REBINDING)
// for simulation runs. Independent of the server code except for the shared wire module.
import {
  BOOTREQUEST, FLAG_BROADCAST, MessageType, Opt, emitDhcp, isDhcpError, parseDhcp, type DhcpMessage, type DhcpOption,
} from '../../firmware/wire/dhcp';
import { readIpList, readPortParams, readU32Value, u32Value } from '../../firmware/wire/dhcp-options';

export interface ClientOptions {
  /** Option 60: text or raw bytes. */
  readonly vendorClass?: string | Uint8Array;
  readonly clientId?: Uint8Array;
  /** Option 55; default 1 3 6 51 54 66 67 150 159. */
  readonly parameterList?: readonly number[];
  readonly broadcastFlag?: boolean;
  readonly maxMessageSize?: number;
  readonly extraOptions?: readonly DhcpOption[];
}

export const DEFAULT_PRL = [1, 3, 6, 51, 54, 66, 67, 150, 159];

const text = (value: string) => new TextEncoder().encode(value);

export class TestClient {
  xid: number;

  constructor(readonly mac: Uint8Array, readonly options: ClientOptions = {}, xid = 0x1000) {
    this.xid = xid;
  }

  build(type: number, fields: { ciaddr?: number; requested?: number; serverId?: number; broadcast?: boolean } = {}): Uint8Array {
    const o = this.options;
    const options: DhcpOption[] = [{ code: Opt.MESSAGE_TYPE, value: Uint8Array.of(type) }];
    if (o.clientId) options.push({ code: Opt.CLIENT_ID, value: o.clientId });
    if (fields.requested !== undefined) options.push({ code: Opt.REQUESTED_IP, value: u32Value(fields.requested) });
    if (fields.serverId !== undefined) options.push({ code: Opt.SERVER_ID, value: u32Value(fields.serverId) });
    if (type !== MessageType.RELEASE && type !== MessageType.DECLINE) {
      if (o.maxMessageSize) options.push({ code: Opt.MAX_MESSAGE_SIZE, value: Uint8Array.of(o.maxMessageSize >> 8, o.maxMessageSize & 255) });
      if (o.vendorClass !== undefined) {
        options.push({ code: Opt.VENDOR_CLASS, value: typeof o.vendorClass === 'string' ? text(o.vendorClass) : o.vendorClass });
      }
      options.push({ code: Opt.PARAMETER_LIST, value: Uint8Array.from(o.parameterList ?? DEFAULT_PRL) });
    }
    for (const extra of o.extraOptions ?? []) options.push(extra);
    const buffer = new Uint8Array(576);
    const broadcast = fields.broadcast ?? o.broadcastFlag ?? false;
    const { length } = emitDhcp(
      { op: BOOTREQUEST, xid: this.xid, flags: broadcast ? FLAG_BROADCAST : 0, ciaddr: fields.ciaddr ?? 0, chaddr: this.mac, options },
      buffer,
      576,
    );
    return buffer.slice(0, length);
  }

  discover(requested?: number): Uint8Array {
    return this.build(MessageType.DISCOVER, { requested });
  }
  /** REQUEST in SELECTING: server identifier and requested address from the offer. */
  select(offer: Reply): Uint8Array {
    return this.build(MessageType.REQUEST, { requested: offer.yiaddr, serverId: offer.serverId });
  }
  initReboot(ip: number): Uint8Array {
    return this.build(MessageType.REQUEST, { requested: ip });
  }
  renew(ip: number): Uint8Array {
    return this.build(MessageType.REQUEST, { ciaddr: ip });
  }
  decline(ip: number, serverId: number): Uint8Array {
    return this.build(MessageType.DECLINE, { requested: ip, serverId });
  }
  release(ip: number, serverId: number): Uint8Array {
    return this.build(MessageType.RELEASE, { ciaddr: ip, serverId });
  }
  inform(ip: number): Uint8Array {
    return this.build(MessageType.INFORM, { ciaddr: ip });
  }
}

/** A server reply, decoded for assertions. */
export interface Reply {
  readonly message: DhcpMessage;
  readonly type: number;
  readonly xid: number;
  readonly yiaddr: number;
  readonly siaddr: number;
  readonly ciaddr: number;
  readonly flags: number;
  readonly serverId: number | undefined;
  readonly leaseSeconds: number | undefined;
  readonly t1: number | undefined;
  readonly t2: number | undefined;
  readonly mask: number | undefined;
  readonly routers: number[] | undefined;
  readonly dns: number[] | undefined;
  readonly tftpName: string | undefined;
  readonly tftpServers: number[] | undefined;
  readonly bootFile: string | undefined;
  /** The BOOTP `file` field. */
  readonly file: string;
  readonly portParams: ReturnType<typeof readPortParams>;
  readonly hasPortParams: boolean;
  /** Option codes in wire order. */
  readonly order: number[];
}

export function readReply(bytes: Uint8Array): Reply {
  const message = parseDhcp(bytes);
  if (isDhcpError(message)) throw new Error(`reply does not parse: ${message}`);
  const o = message.options;
  const decode = (value: Uint8Array | undefined) => (value ? new TextDecoder().decode(value) : undefined);
  let fileEnd = 108;
  while (fileEnd < 236 && bytes[fileEnd] !== 0) fileEnd++;
  const order: number[] = [];
  for (let at = 240; at < bytes.length && bytes[at] !== 255; ) {
    if (bytes[at] === 0) {
      at++;
      continue;
    }
    order.push(bytes[at]);
    at += 2 + bytes[at + 1];
  }
  return {
    message,
    type: message.messageType,
    xid: message.xid,
    yiaddr: message.yiaddr,
    siaddr: message.siaddr,
    ciaddr: message.ciaddr,
    flags: message.flags,
    serverId: readU32Value(o.get(Opt.SERVER_ID)),
    leaseSeconds: readU32Value(o.get(Opt.LEASE_TIME)),
    t1: readU32Value(o.get(Opt.RENEWAL_TIME)),
    t2: readU32Value(o.get(Opt.REBINDING_TIME)),
    mask: readU32Value(o.get(Opt.SUBNET_MASK)),
    routers: readIpList(o.get(Opt.ROUTER)),
    dns: readIpList(o.get(Opt.DNS)),
    tftpName: decode(o.get(Opt.TFTP_SERVER_NAME)),
    tftpServers: readIpList(o.get(Opt.TFTP_SERVERS)),
    bootFile: decode(o.get(Opt.BOOTFILE)),
    file: new TextDecoder().decode(bytes.subarray(108, fileEnd)),
    portParams: readPortParams(o.get(Opt.PORT_PARAMS)),
    hasPortParams: o.has(Opt.PORT_PARAMS),
    order,
  };
}

/** Polycom-style option 60: enterprise 13885 then sub-options 1 "Polycom", 2 model, 3 part, 4 version. */
export function polycomVendorClass(model = 'VVX-VVX_410'): Uint8Array {
  const subs = [
    [1, ...text('Polycom')],
    [2, ...text(model)],
    [3, ...text('3111-46162-001,7')],
    [4, ...text('SIP/5.9.0.9373/01-Jan-19 10:00')],
  ];
  const body: number[] = [];
  for (const [code, ...value] of subs) body.push(code, value.length, ...value);
  return Uint8Array.from([0x00, 0x00, 0x36, 0x3d, body.length, ...body]);
}

export function macOf(n: number, oui = [0x00, 0x15, 0x65]): Uint8Array {
  return Uint8Array.of(oui[0], oui[1], oui[2], (n >> 16) & 255, (n >> 8) & 255, n & 255);
}
